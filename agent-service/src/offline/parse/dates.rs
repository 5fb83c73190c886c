//! Dates in a question: years (`2023`), months (`March`, `March 2023`), days
//! (`2023-03-15`, `15/03/2023`), after a word that says which way (`in`, `after`, `since`,
//! `before`, `until`, `between … and …`), as filters on a date column.

use time::{Date, Month};

use super::super::intent::Filter;
use super::reader::Reader;
use crate::table::ColumnKind;

/// The month a word names (`march`, `mar`, `sept`); `may` only where a date is expected.
pub fn month(word: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let number = NAMES.iter().position(|name| *name == word).or_else(|| {
        let short = if word == "sept" { "sep" } else { word };
        (short.len() == 3 && short != "may")
            .then(|| NAMES.iter().position(|name| name.starts_with(short)))
            .flatten()
    })?;
    u32::try_from(number + 1).ok()
}

/// A point or stretch of time a question names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    /// A whole year.
    Year(i32),
    /// A month of a year.
    Month(i32, u32),
    /// Months `from..=to` of any year (a month, or a quarter: `Q2`).
    AnyMonths(u32, u32),
    /// A quarter (1 to 4) of a year.
    Quarter(i32, u32),
    /// One day.
    Day(Date),
}

impl When {
    /// Its first day (none for a month of any year).
    fn first(self) -> Option<Date> {
        match self {
            Self::Year(year) => Date::from_calendar_date(year, Month::January, 1).ok(),
            Self::Month(year, month) => Date::from_calendar_date(year, month_of(month)?, 1).ok(),
            Self::Quarter(year, quarter) => Self::Month(year, quarter * 3 - 2).first(),
            Self::AnyMonths(..) => None,
            Self::Day(day) => Some(day),
        }
    }

    /// The first day after it.
    fn after(self) -> Option<Date> {
        match self {
            Self::Year(year) => Date::from_calendar_date(year + 1, Month::January, 1).ok(),
            Self::Month(year, 12) => Date::from_calendar_date(year + 1, Month::January, 1).ok(),
            Self::Month(year, month) => Date::from_calendar_date(year, month_of(month + 1)?, 1).ok(),
            Self::Quarter(year, quarter) => Self::Month(year, quarter * 3).after(),
            Self::AnyMonths(..) => None,
            Self::Day(day) => day.next_day(),
        }
    }
}

fn month_of(number: u32) -> Option<Month> {
    Month::try_from(u8::try_from(number).ok()?).ok()
}

fn iso(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// Which way a date bounds the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Within,
    After,
    Since,
    Before,
    Until,
}

/// Reads every date filter of the question, on the date column named before it or the
/// first date column of the table.
pub fn filters(reader: &mut Reader<'_>) -> Vec<Filter> {
    let dates = reader.columns.of_kind(ColumnKind::Temporal);
    if dates.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut i = 0;
    while i < reader.len() {
        match read_at(reader, i) {
            Some((filter, end)) => {
                found.push(filter);
                i = end;
            }
            None => i += 1,
        }
    }
    found
}

/// A date filter whose first word is token `i`, and the token after it.
fn read_at(reader: &mut Reader<'_>, i: usize) -> Option<(Filter, usize)> {
    if reader.used(i) {
        return None;
    }
    let side = side(reader.word(i));
    let start = if side.is_some() { i + 1 } else { i };
    let side = side.unwrap_or(Side::Within);
    if reader.is(i, &["between", "from"])
        && let Some((first, middle)) = when_at(reader, i + 1)
        && reader.is(middle, &["and", "to", "until", "through"])
        && let Some((last, end)) = when_at(reader, middle + 1)
    {
        let first = complete(first, last);
        let words = words(reader, i, end);
        return Some((range(reader, i, end, first, last, words)?, end));
    }
    let (when, end) = when_at(reader, start)?;
    if side == Side::Within && start == i && matches!(when, When::AnyMonths(..)) && reader.word(i) == "may" {
        return None;
    }
    let said = words(reader, start, end);
    let words = match side {
        Side::Within => format!("in {said}"),
        _ => format!("{} {said}", reader.word(i)),
    };
    let column = date_column(reader, i)?;
    let filter = match when {
        When::AnyMonths(first, last) => {
            let (from, to) = match side {
                Side::Within => (first, last),
                Side::After => (last + 1, 12),
                Side::Since => (first, 12),
                Side::Before => (1, first.checked_sub(1)?),
                Side::Until => (1, last),
            };
            if from > to {
                return None;
            }
            Filter::Months {
                column,
                from,
                to,
                words,
            }
        }
        when => {
            let (from, until) = match side {
                Side::Within => (when.first(), when.after()),
                Side::After => (when.after(), None),
                Side::Since => (when.first(), None),
                Side::Before => (None, when.first()),
                Side::Until => (None, when.after()),
            };
            Filter::Dates {
                column,
                from: from.map(iso),
                until: until.map(iso),
                words,
            }
        }
    };
    reader.take(i..end);
    Some((filter, end))
}

/// A range filter `first` to `last` (both included) over tokens `i..end`.
fn range(reader: &mut Reader<'_>, i: usize, end: usize, first: When, last: When, words: String) -> Option<Filter> {
    let column = date_column(reader, i)?;
    let filter = match (first, last) {
        (When::AnyMonths(from, _), When::AnyMonths(_, to)) if from <= to => Filter::Months {
            column,
            from,
            to,
            words,
        },
        _ => Filter::Dates {
            column,
            from: Some(iso(first.first()?)),
            until: Some(iso(last.after()?)),
            words,
        },
    };
    reader.take(i..end);
    Some(filter)
}

/// `January` in `between January and March 2023` takes the year of its end.
fn complete(first: When, last: When) -> When {
    match (first, last) {
        (When::AnyMonths(month, _), When::Month(year, _)) => When::Month(year, month),
        _ => first,
    }
}

fn side(word: &str) -> Option<Side> {
    Some(match word {
        "in" | "during" | "for" | "of" | "on" => Side::Within,
        "after" => Side::After,
        "since" | "starting" => Side::Since,
        "before" => Side::Before,
        "until" | "till" | "through" => Side::Until,
        _ => return None,
    })
}

/// The time named from token `i`, and the token after it.
fn when_at(reader: &Reader<'_>, i: usize) -> Option<(When, usize)> {
    let token = reader.tokens.get(i)?;
    if token.quoted {
        return None;
    }
    if let Some(day) = day(&token.text) {
        return Some((day, i + 1));
    }
    let next_year = reader.tokens.get(i + 1).and_then(|next| year(&next.text));
    if let Some(month) = month(&token.text) {
        return Some(match next_year {
            Some(year) => (When::Month(year, month), i + 2),
            None => (When::AnyMonths(month, month), i + 1),
        });
    }
    if let Some(quarter) = quarter(&token.text) {
        return Some(match next_year {
            Some(year) => (When::Quarter(year, quarter), i + 2),
            None => (When::AnyMonths(quarter * 3 - 2, quarter * 3), i + 1),
        });
    }
    year(&token.text).map(|year| (When::Year(year), i + 1))
}

/// `q1` to `q4`.
fn quarter(text: &str) -> Option<u32> {
    let quarter: u32 = text.strip_prefix('q')?.parse().ok()?;
    (1..=4).contains(&quarter).then_some(quarter)
}

/// A year from 1900 to 2100, written with four digits.
fn year(text: &str) -> Option<i32> {
    let year: i32 = (text.len() == 4 && text.chars().all(|c| c.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()?;
    (1900..=2100).contains(&year).then_some(year)
}

/// `2023-03-15`, `2023/03/15`, `15/03/2023` (day first), or `2023-03` (a month).
fn day(text: &str) -> Option<When> {
    let parts: Vec<&str> = text.split(['-', '/']).collect();
    let number = |part: &str| part.parse::<u32>().ok();
    match parts.as_slice() {
        [y, m] if y.len() == 4 => Some(When::Month(year(y)?, number(m).filter(|m| (1..=12).contains(m))?)),
        [y, m, d] if y.len() == 4 => calendar(year(y)?, number(m)?, number(d)?),
        [d, m, y] if y.len() == 4 => calendar(year(y)?, number(m)?, number(d)?),
        _ => None,
    }
}

fn calendar(year: i32, month: u32, day: u32) -> Option<When> {
    let day = u8::try_from(day).ok()?;
    Date::from_calendar_date(year, month_of(month)?, day)
        .ok()
        .map(When::Day)
}

/// The date column a filter at token `i` is about: the one named just before it (`order
/// date after May`), or the first of the table.
fn date_column(reader: &mut Reader<'_>, i: usize) -> Option<String> {
    let named = (i.saturating_sub(3)..=i)
        .rev()
        .find_map(|k| reader.mention_before(k).map(|(m, _)| m))
        .filter(|&m| reader.mention_kind(m) == ColumnKind::Temporal);
    match named {
        Some(m) => Some(reader.take_mention(m)),
        None => {
            let first = *reader.columns.of_kind(ColumnKind::Temporal).first()?;
            Some(reader.columns.name(first).to_owned())
        }
    }
}

/// The question's own words for tokens `i..end`.
fn words(reader: &Reader<'_>, i: usize, end: usize) -> String {
    reader.tokens[i..end]
        .iter()
        .map(|token| token.raw.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::super::columns::Columns;
    use super::*;
    use crate::table::Column;

    fn read(question: &str) -> Vec<Filter> {
        let columns = Columns::new(&[
            Column {
                name: "order_date".into(),
                kind: ColumnKind::Temporal,
            },
            Column {
                name: "amount".into(),
                kind: ColumnKind::Number,
            },
        ]);
        let mut reader = Reader::new(question, &columns);
        filters(&mut reader)
    }

    fn range(question: &str) -> (Option<String>, Option<String>) {
        match read(question).as_slice() {
            [Filter::Dates { from, until, .. }] => (from.clone(), until.clone()),
            other => panic!("{question}: {other:?}"),
        }
    }

    fn day(text: &str) -> Option<String> {
        Some(text.into())
    }

    #[test]
    fn years_months_and_days_become_date_ranges() {
        assert_eq!(range("total in 2023"), (day("2023-01-01"), day("2024-01-01")));
        assert_eq!(range("during March 2024"), (day("2024-03-01"), day("2024-04-01")));
        assert_eq!(range("in December 2023"), (day("2023-12-01"), day("2024-01-01")));
        assert_eq!(range("after 2023-06-30"), (day("2023-07-01"), None));
        assert_eq!(range("since 2023-06"), (day("2023-06-01"), None));
        assert_eq!(range("before 2024"), (None, day("2024-01-01")));
        assert_eq!(range("until 31/01/2024"), (None, day("2024-02-01")));
        assert_eq!(range("in Q2 2024"), (day("2024-04-01"), day("2024-07-01")));
        assert_eq!(
            range("between January and March 2023"),
            (day("2023-01-01"), day("2023-04-01"))
        );
    }

    #[test]
    fn months_without_a_year_filter_every_year() {
        match read("sales after March").as_slice() {
            [Filter::Months { from: 4, to: 12, .. }] => {}
            other => panic!("{other:?}"),
        }
        assert!(read("what may be the total").is_empty());
    }
}
