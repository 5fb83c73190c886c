//! Filters other than dates: numbers compared with a column (`amount over 100`, `price
//! between 10 and 20`), text that contains a phrase (`name contains "pro"`), missing values
//! (`where age is missing`), and values of text columns (`region is West`, `the West
//! region`, or a value alone: `in West`, which is looked for in every text column).

use super::super::columns::{Fit, ValueMatch};
use super::super::intent::{Cmp, Filter};
use super::super::words::{conversion, is_unit};
use super::reader::{Reader, Unmatched};
use crate::table::ColumnKind;

/// Words that compare a number, and what they mean; longest first.
const COMPARISONS: &[(&[&str], Cmp)] = &[
    (&["greater", "than", "or", "equal", "to"], Cmp::AtLeast),
    (&["less", "than", "or", "equal", "to"], Cmp::AtMost),
    (&["no", "less", "than"], Cmp::AtLeast),
    (&["no", "more", "than"], Cmp::AtMost),
    (&["not", "equal", "to"], Cmp::NotEqual),
    (&["more", "than"], Cmp::Above),
    (&["greater", "than"], Cmp::Above),
    (&["higher", "than"], Cmp::Above),
    (&["larger", "than"], Cmp::Above),
    (&["bigger", "than"], Cmp::Above),
    (&["older", "than"], Cmp::Above),
    (&["less", "than"], Cmp::Below),
    (&["lower", "than"], Cmp::Below),
    (&["smaller", "than"], Cmp::Below),
    (&["fewer", "than"], Cmp::Below),
    (&["cheaper", "than"], Cmp::Below),
    (&["younger", "than"], Cmp::Below),
    (&["heavier", "than"], Cmp::Above),
    (&["lighter", "than"], Cmp::Below),
    (&["longer", "than"], Cmp::Above),
    (&["shorter", "than"], Cmp::Below),
    (&["taller", "than"], Cmp::Above),
    (&["wider", "than"], Cmp::Above),
    (&["deeper", "than"], Cmp::Above),
    (&["faster", "than"], Cmp::Above),
    (&["slower", "than"], Cmp::Below),
    (&["at", "least"], Cmp::AtLeast),
    (&["at", "most"], Cmp::AtMost),
    (&["equal", "to"], Cmp::Equal),
    (&["over"], Cmp::Above),
    (&["above"], Cmp::Above),
    (&["exceeding"], Cmp::Above),
    (&["exceeds"], Cmp::Above),
    (&["under"], Cmp::Below),
    (&["below"], Cmp::Below),
    (&["equals"], Cmp::Equal),
    (&[">"], Cmp::Above),
    (&[">="], Cmp::AtLeast),
    (&["<"], Cmp::Below),
    (&["<="], Cmp::AtMost),
    (&["="], Cmp::Equal),
    (&["=="], Cmp::Equal),
    (&["!="], Cmp::NotEqual),
    (&["<>"], Cmp::NotEqual),
    (&["is"], Cmp::Equal),
];

/// Filler allowed between a column and the words that filter it.
const LINKS: &[&str] = &[
    "is", "was", "are", "were", "a", "an", "the", "of", "with", "that", "has", "have", "its",
];

/// Words that introduce a value: `in West`, `for France`.
const INTRODUCERS: &[&str] = &["in", "for", "from", "at", "where", "only", "to"];

/// Words that negate the value after them.
const NEGATIONS: &[&[&str]] = &[
    &["not", "in"],
    &["except"],
    &["excluding"],
    &["other", "than"],
    &["not"],
];

/// Numbers compared with a column.
pub fn comparisons(reader: &mut Reader<'_>) -> Vec<Filter> {
    let mut found = Vec::new();
    for i in 0..reader.len() {
        if reader.used(i) {
            continue;
        }
        if let Some(filter) = years(reader, i).or_else(|| counted_value(reader, i)) {
            found.push(filter);
            continue;
        }
        if reader.is(i, &["between"])
            && let Some(low) = reader.tokens.get(i + 1).and_then(|token| token.number())
            && reader.is(i + 2, &["and"])
            && let Some(high) = reader.tokens.get(i + 3).and_then(|token| token.number())
            && let Some(column) = number_column(reader, i)
        {
            let (factor, end) = unit_after(reader, i + 4, &column);
            reader.take(i..end);
            found.push(Filter::Between {
                column,
                low: low * factor,
                high: high * factor,
            });
            continue;
        }
        let Some((cmp, length)) = COMPARISONS
            .iter()
            .find(|(phrase, _)| reader.phrase_at(i, phrase))
            .map(|(phrase, cmp)| (*cmp, phrase.len()))
        else {
            continue;
        };
        let Some(value) = reader.tokens.get(i + length).and_then(|token| token.number()) else {
            continue;
        };
        if cmp == Cmp::Equal
            && reader.word(i) == "is"
            && reader
                .mention_before(i)
                .is_none_or(|(m, _)| reader.mention_kind(m) != ColumnKind::Number)
        {
            continue;
        }
        let column = if reader.is(i, &["older", "younger"]) {
            age_column(reader)
        } else {
            COMPARATIVES
                .iter()
                .find(|(word, _)| reader.is(i, &[word]))
                .and_then(|(_, names)| super::measure::dimension_column(reader, names))
                .filter(|_| reader.mention_before(i).is_none())
        };
        match column.or_else(|| number_column(reader, i)) {
            Some(column) => {
                let end = i + length + 1;
                let (factor, end) = unit_after(reader, end, &column);
                reader.take(i..end);
                found.push(Filter::Compare {
                    column,
                    cmp,
                    value: value * factor,
                });
            }
            // A condition on a number no column holds is never dropped silently.
            None => {
                let start = reader.unexplained_before(i);
                let typed = reader.typed(if start < i { start..i } else { i..i + length + 1 });
                reader.unmatched.push(Unmatched::Column(typed));
            }
        }
    }
    found
}

/// Words of the names of columns of pay.
const PAY: &[&str] = &["salary", "wage", "income", "pay", "earning", "earnings", "compensation"];

/// Comparatives that say which quantity they compare (`heavier than`: a mass or weight).
const COMPARATIVES: &[(&str, &[&str])] = &[
    ("heavier", &["mass", "weight", "wt"]),
    ("lighter", &["mass", "weight", "wt"]),
    ("longer", &["length", "duration"]),
    ("shorter", &["length", "height", "duration"]),
    ("taller", &["height"]),
    ("wider", &["width"]),
    ("deeper", &["depth"]),
    ("faster", &["speed", "velocity"]),
    ("slower", &["speed", "velocity"]),
];

/// The unit written at token `at`, after a number compared with `column` (`4 kg`): the
/// factor that turns the number into the column's unit (1 when there is none or it cannot
/// be converted), and where the comparison ends.
fn unit_after(reader: &Reader<'_>, at: usize, column: &str) -> (f64, usize) {
    let word = reader.word(at);
    if !is_unit(word) || reader.mention_covering(at).is_some() {
        return (1.0, at);
    }
    (conversion(word, column).unwrap_or(1.0), at + 1)
}

/// A number written next to the name of a number column that holds it as one of its few
/// values: `8 cylinders`, `with 4 gears`, `month 7`, `year 2008`.
fn counted_value(reader: &mut Reader<'_>, i: usize) -> Option<Filter> {
    let value = reader.tokens.get(i)?.number()?;
    let before = skip_links(reader, i)
        .checked_sub(1)
        .and_then(|k| reader.mention_covering(k))
        .map(|(m, _)| m);
    let after = reader.mention_at(i + 1).map(|(m, _)| m);
    let m = [after, before].into_iter().flatten().find(|&m| {
        !reader.used(reader.mentions[m].start)
            && measurable(reader, m)
            && reader
                .columns
                .numbers(reader.mentions[m].column)
                .is_some_and(|listed| listed.contains(&value))
    })?;
    if reader.used(i) {
        return None;
    }
    reader.take(i..i + 1);
    Some(Filter::Compare {
        column: reader.take_mention(m),
        cmp: Cmp::Equal,
        value,
    })
}

/// Years, when the table has a number column of years and no date column: `in 2008`,
/// `since 1990`, `between 1990 and 1999` (dates are read by `dates` otherwise).
fn years(reader: &mut Reader<'_>, i: usize) -> Option<Filter> {
    const SIDES: &[(&str, Option<Cmp>)] = &[
        ("in", Some(Cmp::Equal)),
        ("from", Some(Cmp::Equal)),
        ("during", Some(Cmp::Equal)),
        ("of", Some(Cmp::Equal)),
        ("for", Some(Cmp::Equal)),
        ("since", Some(Cmp::AtLeast)),
        ("after", Some(Cmp::Above)),
        ("before", Some(Cmp::Below)),
        ("until", Some(Cmp::AtMost)),
        ("between", None),
    ];
    if !reader.columns.of_kind(ColumnKind::Temporal).is_empty() || reader.used(i) {
        return None;
    }
    let year = |k: usize| {
        reader
            .tokens
            .get(k)
            .and_then(|token| token.number())
            .filter(|n| n.fract() == 0.0 && (1000.0..3000.0).contains(n))
    };
    let &(_, cmp) = SIDES.iter().find(|(word, _)| reader.is(i, &[word]))?;
    let first = year(i + 1)?;
    let column = reader.columns.of_kind(ColumnKind::Number).into_iter().find(|&index| {
        reader
            .columns
            .words(index)
            .iter()
            .any(|word| word == "year" || word == "yr")
    })?;
    let column = reader.columns.name(column).to_owned();
    let last = year(i + 3).filter(|_| reader.is(i + 2, &["and", "to", "until", "through"]));
    match (cmp, last) {
        (None, Some(last)) | (Some(Cmp::Equal), Some(last)) if reader.is(i, &["between", "from"]) => {
            reader.take(i..i + 4);
            Some(Filter::Between {
                column,
                low: first.min(last),
                high: first.max(last),
            })
        }
        (Some(cmp), _) => {
            reader.take(i..i + 2);
            Some(Filter::Compare {
                column,
                cmp,
                value: first,
            })
        }
        (None, _) => None,
    }
}

/// The column of ages (for `older than`, `younger than`).
fn age_column(reader: &Reader<'_>) -> Option<String> {
    let index = reader
        .columns
        .of_kind(ColumnKind::Number)
        .into_iter()
        .find(|&index| reader.columns.words(index).iter().any(|word| word == "age"))?;
    Some(reader.columns.name(index).to_owned())
}

/// Whether mention `m` names a number column that is not an identifier.
fn measurable(reader: &Reader<'_>, m: usize) -> bool {
    let words = reader.columns.words(reader.mentions[m].column);
    reader.mention_kind(m) == ColumnKind::Number && words.last().is_none_or(|word| word != "id")
}

/// The number column a comparison at token `i` is about: named just before it, else the
/// only number column named, else a column of pay after `earn` (`earn more than`), else
/// the only number column of the table.
fn number_column(reader: &mut Reader<'_>, i: usize) -> Option<String> {
    let mut k = i;
    while k > 0 && reader.is(k - 1, LINKS) {
        k -= 1;
    }
    if k > 0
        && reader.is(k - 1, &["earn", "earns", "earned", "paid"])
        && let Some(column) = super::measure::dimension_column(reader, PAY)
    {
        return Some(column);
    }
    if let Some((m, _)) = reader.mention_before(k)
        && measurable(reader, m)
    {
        return Some(reader.take_mention(m));
    }
    // `less than 50 catholic`, `more than 100 km away`: the column or the distance after it.
    let after = (i + 1..reader.len())
        .find(|&k| reader.tokens[k].number().is_some())
        .map(|k| k + 1);
    if let Some(after) = after {
        let after = if is_unit(reader.word(after)) { after + 1 } else { after };
        if let Some((m, _)) = reader.mention_at(after)
            && measurable(reader, m)
        {
            return Some(reader.take_mention(m));
        }
        if reader.is(after, &["away", "far", "distant"])
            && let Some(column) = super::measure::dimension_column(reader, &["distance", "dist"])
        {
            return Some(column);
        }
    }
    let named: Vec<usize> = reader
        .free_mentions()
        .into_iter()
        .filter(|&m| measurable(reader, m))
        .collect();
    if let [m] = named.as_slice() {
        return Some(reader.take_mention(*m));
    }
    match reader.columns.of_kind(ColumnKind::Number).as_slice() {
        [only] => Some(reader.columns.name(*only).to_owned()),
        // `orders over $1,000`: the amounts (the filter's words say which column).
        _ => super::measure::amount_column(reader).map(|index| reader.columns.name(index).to_owned()),
    }
}

/// Text columns that contain a phrase: `name contains "pro"`, `products containing pro`,
/// `with "pro" in the name`.
pub fn contains(reader: &mut Reader<'_>) -> Vec<Filter> {
    let mut found = Vec::new();
    for i in 0..reader.len() {
        if reader.used(i)
            || !reader.is(
                i,
                &[
                    "contains",
                    "containing",
                    "contain",
                    "including",
                    "includes",
                    "like",
                    "mentioning",
                    "mentions",
                    "matching",
                ],
            )
        {
            continue;
        }
        let Some(text) = reader
            .tokens
            .get(i + 1)
            .filter(|token| token.quoted || !reader.known(i + 1))
        else {
            continue;
        };
        let text = text.text.clone();
        let mut k = i;
        while k > 0 && reader.is(k - 1, LINKS) {
            k -= 1;
        }
        let column = reader
            .mention_before(k)
            .filter(|(m, _)| reader.mention_kind(*m) == ColumnKind::Text)
            .map(|(m, _)| m);
        if let Some(m) = column.or_else(|| only_text_mention(reader)) {
            let column = reader.take_mention(m);
            reader.take(i..i + 2);
            found.push(Filter::Contains { column, text });
        }
    }
    for i in 0..reader.len() {
        let quoted = reader.tokens[i].quoted && !reader.used(i);
        if quoted
            && reader.is(i + 1, &["in"])
            && let Some(m) = [i + 2, i + 3]
                .into_iter()
                .filter(|&k| k == i + 2 || reader.is(i + 2, &["the", "its", "their"]))
                .find_map(|k| reader.mention_at(k).map(|(m, _)| m))
                .filter(|&m| reader.mention_kind(m) == ColumnKind::Text)
        {
            let text = reader.tokens[i].text.clone();
            let column = reader.take_mention(m);
            reader.take(i..i + 2);
            found.push(Filter::Contains { column, text });
        }
    }
    found
}

fn only_text_mention(reader: &Reader<'_>) -> Option<usize> {
    let text: Vec<usize> = reader
        .free_mentions()
        .into_iter()
        .filter(|&m| reader.mention_kind(m) == ColumnKind::Text)
        .collect();
    match text.as_slice() {
        [m] => Some(*m),
        _ => None,
    }
}

/// Columns without a value: `where age is missing`, `rows with missing income`, `without a
/// score`; or with one: `where income is not missing`.
pub fn missing(reader: &mut Reader<'_>) -> Vec<Filter> {
    const EMPTY: &[&str] = &["missing", "null", "empty", "blank", "unknown", "nan"];
    let mut found = Vec::new();
    for i in 0..reader.len() {
        if reader.used(i) {
            continue;
        }
        // `sex is not recorded`: missing, said the other way round.
        let unrecorded = i > 0
            && reader.is(i - 1, &["not"])
            && reader.is(i, &["recorded", "known", "available", "given", "reported"]);
        if reader.is(i, EMPTY) || unrecorded {
            let negated = !unrecorded && i > 0 && reader.is(i - 1, &["not"]);
            let mut k = if negated || unrecorded { i - 1 } else { i };
            while k > 0 && reader.is(k - 1, LINKS) {
                k -= 1;
            }
            let before = reader.mention_before(k).map(|(m, _)| m);
            let next = if reader.is(i + 1, &["a", "an", "the"]) {
                i + 2
            } else {
                i + 1
            };
            let after = reader.mention_at(next).map(|(m, _)| m);
            if let Some(m) = before.or(after) {
                let column = reader.take_mention(m);
                reader.take(k.min(i)..next);
                found.push(Filter::Missing { column, negated });
            }
        } else if reader.is(
            i,
            &["without", "lacking", "no", "dont", "doesnt", "didnt", "lack", "lacks"],
        ) || reader.phrase_at(i, &["do", "not"])
            || reader.phrase_at(i, &["does", "not"])
        {
            // `without a score`, `don't have a recorded sex`, `no known age`.
            let mut k = i + if reader.is(i + 1, &["not"]) { 2 } else { 1 };
            while reader.is(
                k,
                &[
                    "have", "has", "a", "an", "any", "the", "recorded", "known", "listed", "given", "reported",
                    "value", "for",
                ],
            ) {
                k += 1;
            }
            if let Some((m, _)) = reader.mention_at(k) {
                let column = reader.take_mention(m);
                reader.take(i..k);
                found.push(Filter::Missing { column, negated: false });
            }
        }
    }
    found
}

/// Values of text columns: after the column (`region is West`, `region = 'West'`),
/// before it (`the West region`), or alone (`in West`, `'West'`), looked for in every
/// text column.
pub fn values(reader: &mut Reader<'_>) -> Vec<Filter> {
    let mut found: Vec<Filter> = Vec::new();
    let mut previous_end = None;
    let mut i = 0;
    while i < reader.len() {
        let (value, end, columns) = if let Some(known) = known_value(reader, i) {
            let columns = bound_columns(reader, i, &known);
            if columns.len() > 1 {
                reader
                    .unmatched
                    .push(Unmatched::Ambiguous(known.value.clone(), columns.clone()));
            }
            (known.value, known.end, columns)
        } else if let Some((value, end)) = value_at(reader, i) {
            let columns = value_columns(reader, i, end);
            // A name no column holds is refused; a lower-case word (`for states`) is
            // likely a noun of the question, not a value.
            let named = reader.tokens[i].quoted || (reader.tokens[i].capitalised() && !reader.title_case());
            if columns.is_empty() && named {
                reader.unmatched.push(Unmatched::Value(value.clone()));
            }
            (value, end, columns)
        } else {
            i += 1;
            continue;
        };
        let joined = previous_end.is_some_and(|last: usize| {
            (last..i).all(|k| reader.is(k, &["and", "or", "vs", "versus", "the"])) && last < i
        });
        let negated = negated_before(reader, i);
        reader.take(i..end);
        match found.last_mut() {
            // `East and West`, `Widget or Gadget`: one filter for either value; not `female
            // and never smoke` (two columns, two conditions).
            Some(Filter::Is {
                columns: before,
                values,
                negated: was,
            }) if joined && *was == negated && (columns == *before || columns.len() > 1 || before.len() > 1) => {
                values.push(value);
                if columns.len() < before.len() {
                    *before = columns;
                }
            }
            _ if !columns.is_empty() => found.push(Filter::Is {
                columns,
                values: vec![value],
                negated,
            }),
            _ => {}
        }
        previous_end = Some(end);
        i = end;
    }
    found
}

/// A value of a text column that the question spells from token `i` (`female`, `Gentoo`,
/// `Adelie` for `Adelie Penguin (Pygoscelis adeliae)`). A word the parser knows, or a
/// number, is a value only next to the name of its column (`high priority`).
fn known_value(reader: &Reader<'_>, i: usize) -> Option<ValueMatch> {
    let token = reader.tokens.get(i)?;
    let named = reader
        .mention_covering(i)
        .is_some_and(|(_, mention)| mention.fit != Fit::Part);
    if reader.used(i) || named {
        return None;
    }
    let found = reader.columns.value_at(&reader.tokens, i)?;
    if (i..found.end).any(|k| reader.used(k)) {
        return None;
    }
    let plain = token.quoted || (!reader.known(i) && token.number().is_none());
    (plain || next_to_its_column(reader, i, &found)).then_some(found)
}

/// Whether a column that holds `found` is named just before or after it.
fn next_to_its_column(reader: &Reader<'_>, i: usize, found: &ValueMatch) -> bool {
    neighbour(reader, i, found).is_some()
}

/// The mention just before or after a known value at `i` that may name a column holding
/// it (any of the columns the mention fits), and that column.
fn neighbour(reader: &Reader<'_>, i: usize, found: &ValueMatch) -> Option<(usize, usize)> {
    let before = reader.mention_before(skip_links(reader, i)).map(|(m, _)| m);
    let after = reader.mention_at(found.end).map(|(m, _)| m);
    [before, after].into_iter().flatten().find_map(|m| {
        let mention = &reader.mentions[m];
        std::iter::once(mention.column)
            .chain(mention.others.iter().copied())
            .find(|column| found.columns.contains(column))
            .map(|column| (m, column))
    })
}

/// Where the words linking a value to its column (`is`, `of`, `=`) start, before `i`.
fn skip_links(reader: &Reader<'_>, i: usize) -> usize {
    let mut k = i;
    while k > 0
        && reader.is(
            k - 1,
            &[
                "is", "=", "==", "equals", "of", "was", "are", "the", "not", "as", "with", "a", "an",
            ],
        )
    {
        k -= 1;
    }
    k
}

/// The columns a known value is looked for in: the one named next to it among those that
/// hold it (its mention is used), else all of those.
fn bound_columns(reader: &mut Reader<'_>, i: usize, found: &ValueMatch) -> Vec<String> {
    match neighbour(reader, i, found) {
        Some((m, column)) => {
            // The mention now names the column that holds the value, for the notes too.
            let mention = &mut reader.mentions[m];
            if mention.column != column {
                mention.column = column;
                mention.others.clear();
            }
            vec![reader.take_mention(m)]
        }
        None => found
            .columns
            .iter()
            .map(|&index| reader.columns.name(index).to_owned())
            .collect(),
    }
}

/// A value written from token `i`: quoted, capitalised words not known to the parser, or
/// an unknown word after a word that introduces a value (`in`, `for`, `from`).
fn value_at(reader: &Reader<'_>, i: usize) -> Option<(String, usize)> {
    let free = |k: usize| !reader.used(k) && reader.mention_covering(k).is_none();
    let token = reader.tokens.get(i)?;
    if !free(i) || token.number().is_some() {
        return None;
    }
    if token.quoted {
        return Some((token.raw.clone(), i + 1));
    }
    let title_case = reader.title_case();
    let capital = |k: usize| {
        free(k)
            && !title_case
            && reader.tokens.get(k).is_some_and(|token| {
                token.capitalised() && !token.quoted && token.number().is_none() && token.text != "i"
            })
            && !reader.known(k)
    };
    let introduced = (1..=2)
        .any(|back| i >= back && reader.is(i - back, INTRODUCERS) && (back == 1 || reader.is(i - 1, &["the", "a"])));
    let unknown = !reader.known(i) && token.text.chars().all(char::is_alphanumeric);
    let starts = (capital(i) && i > 0) || (introduced && unknown) || (capital(i) && reader.mention_at(i + 1).is_some());
    if !starts {
        return None;
    }
    let mut end = i + 1;
    while capital(end) {
        end += 1;
    }
    let value: Vec<&str> = reader.tokens[i..end].iter().map(|token| token.raw.as_str()).collect();
    Some((value.join(" "), end))
}

/// Whether the value at token `i` is negated (`not West`, `except West`).
fn negated_before(reader: &mut Reader<'_>, i: usize) -> bool {
    for phrase in NEGATIONS {
        if i >= phrase.len() && reader.phrase_at(i - phrase.len(), phrase) {
            reader.take(i - phrase.len()..i);
            return true;
        }
    }
    false
}

/// The text columns a value at `i..end` that is not among their known values belongs to:
/// the one named next to it (`region is West`, `West region`), else every text column
/// whose values are not all known (none: the value is not in the data).
fn value_columns(reader: &mut Reader<'_>, i: usize, end: usize) -> Vec<String> {
    let k = skip_links(reader, i);
    let before = reader.mention_before(k).map(|(m, _)| m);
    let after = reader.mention_at(end).map(|(m, _)| m);
    let named = [before, after]
        .into_iter()
        .flatten()
        .find(|&m| reader.mention_kind(m) == ColumnKind::Text);
    match named {
        Some(m) => vec![reader.take_mention(m)],
        None => reader
            .columns
            .of_kind(ColumnKind::Text)
            .into_iter()
            .filter(|&index| !reader.columns.values_known(index))
            .map(|index| reader.columns.name(index).to_owned())
            .collect(),
    }
}
