//! The shape a question asks for, once its filters, grouping, period, order and limit are
//! read: the first of these rules that fits wins.
//!
//! 1. describe the data / what columns → a description of every column (and a summary of
//!    the number columns);
//! 2. missing values → missing values per column;
//! 3. correlation / relationship between two number columns;
//! 4. distribution / histogram / spread / most common of a column;
//! 5. compare two or more values (`East vs West`);
//! 6. a trend: `over time`, `trend`, or a period (`by month`, `weekly`);
//! 7. rows: `first rows`, `show me the data`, `preview`;
//! 8. distinct values (`unique regions`, `which regions are there`), or how many;
//! 9. a ranking: `top 5 products by revenue`, `which region has the highest sales`, or
//!    the largest value itself (`the highest price`);
//! 10. an aggregate: `total`, `average`, `median`, `min`, `max`, `how many`, overall or
//!     per group;
//! 11. a column per group with no word for how (`revenue by region`): a total for amounts,
//!     an average for prices, rates, scores and the like;
//! 12. `show` or `list` with filters → the rows that match.

use super::super::intent::{Filter, Func, Grain, Measure, Order, Shape, Show};
use super::join_words;
use super::keywords::{Rank, func, rank};
use super::measure::{default_func, default_number, dimension_column, measure, measure_column};
use super::reader::{Reader, Unmatched};
use super::{Parsed, Talk};
use crate::table::ColumnKind;

/// Sets `parsed.shape` (and the measure read on the way).
pub fn read(reader: &mut Reader<'_>, parsed: &mut Parsed) {
    if parsed.talk.is_some_and(|talk| talk != Talk::Greeting) {
        return;
    }
    parsed.func = func(reader);
    let rank = rank(reader);
    parsed.shape = describe(reader)
        .or_else(|| missing(reader))
        .or_else(|| share(reader, parsed))
        .or_else(|| correlation(reader, parsed))
        .or_else(|| distribution(reader, parsed, rank))
        .or_else(|| compare(reader, parsed))
        .or_else(|| trend(reader, parsed))
        .or_else(|| rows(reader, parsed))
        .or_else(|| distinct(reader, parsed, rank))
        .or_else(|| ranking(reader, parsed, rank))
        .or_else(|| aggregate(reader, parsed))
        .or_else(|| grouped(reader, parsed))
        .or_else(|| bare(reader, parsed))
        .or_else(|| matching_rows(reader, parsed));
    if parsed.shape.is_none() && parsed.column.is_none() {
        // A follow-up may name only a new column (`what about units?`).
        parsed.column = measure_column(reader, parsed.func.unwrap_or(Func::Sum));
    }
    if parsed.shape.is_none() && parsed.order.is_none() {
        parsed.order = rank.map(|rank| rank.order);
    }
}

fn describe(reader: &mut Reader<'_>) -> Option<Shape> {
    let asks = reader.has(&[
        "describe",
        "overview",
        "statistics",
        "stats",
        "summary",
        "summarize",
        "summarise",
        "profile",
    ]) || reader.has_phrase(&[
        &["what", "columns"],
        &["which", "columns"],
        &["what", "fields"],
        &["list", "the", "columns"],
        &["about", "the", "data"],
        &["about", "this", "data"],
        &["what", "is", "this", "data"],
        &["what", "is", "in", "the", "data"],
        &["look", "like"],
    ]);
    (asks && reader.free_mentions().is_empty() && !reader.has(&["missing", "null", "nulls", "empty"]))
        .then_some(Shape::Describe)
}

fn missing(reader: &mut Reader<'_>) -> Option<Shape> {
    let i = (0..reader.len())
        .find(|&i| !reader.used(i) && reader.is(i, &["missing", "null", "nulls", "nan", "empty", "blank"]))?;
    reader.take(i..i + 1);
    Some(Shape::Missing)
}

/// `what percentage of orders come from the West`: the filters say which rows are counted.
fn share(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Option<Shape> {
    let asks = reader.has(&["percentage", "percent", "proportion", "share", "fraction", "ratio"])
        || reader.has_phrase(&[&["how", "often"]]);
    if !asks || parsed.filters.is_empty() {
        return None;
    }
    Some(Shape::Share {
        condition: std::mem::take(&mut parsed.filters),
    })
}

fn correlation(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Option<Shape> {
    let versus = reader.has(&["vs", "versus", "against"])
        && !parsed
            .filters
            .iter()
            .any(|filter| matches!(filter, Filter::Is { negated: false, .. }));
    if !versus
        && !reader.has(&[
            "correlation",
            "correlated",
            "correlate",
            "correlates",
            "relationship",
            "related",
            "relate",
            "relates",
        ])
        && parsed.show != Some(Show::Scatter)
    {
        return None;
    }
    let named: Vec<usize> = reader
        .free_mentions()
        .into_iter()
        .filter(|&m| reader.mention_kind(m) == ColumnKind::Number)
        .take(2)
        .collect();
    let (x, y) = match named.as_slice() {
        [a, b] => (reader.take_mention(*a), reader.take_mention(*b)),
        _ => match reader.columns.of_kind(ColumnKind::Number).as_slice() {
            [a, b] => (reader.columns.name(*a).to_owned(), reader.columns.name(*b).to_owned()),
            _ => return None,
        },
    };
    Some(Shape::Correlation { x, y })
}

fn distribution(reader: &mut Reader<'_>, parsed: &mut Parsed, rank: Option<Rank>) -> Option<Shape> {
    let asks = reader.has(&[
        "distribution",
        "distributed",
        "histogram",
        "spread",
        "breakdown",
        "frequency",
        "frequencies",
    ]) || rank.is_some_and(|rank| rank.common);
    if !asks {
        return None;
    }
    let m = reader.free_mentions().into_iter().next();
    let column = match m {
        Some(m) => reader.take_mention(m),
        None => parsed.group.take()?,
    };
    let index = reader.columns.index(&column)?;
    // `the 3 most common magnitudes`: the values that occur most, each counted.
    if let (Some(limit), Some(rank)) = (parsed.limit, rank.filter(|rank| rank.common))
        && (reader.columns.kind(index) != ColumnKind::Number || reader.columns.numbers(index).is_some())
    {
        return Some(Shape::Aggregate {
            measure: Measure::rows(),
            group: Some(column),
            order: rank.order,
            limit: Some(limit),
        });
    }
    Some(Shape::Distribution {
        numeric: reader.columns.kind(index) == ColumnKind::Number,
        column,
    })
}

fn compare(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Option<Shape> {
    let asks = reader.has(&["compare", "comparison", "vs", "versus", "compared", "against"])
        || reader.has_phrase(&[&["difference", "between"], &["and", "how", "many"]]);
    if !asks {
        return None;
    }
    let values: Vec<(Vec<String>, String)> = parsed
        .filters
        .iter()
        .filter_map(|filter| match filter {
            Filter::Is {
                columns,
                values,
                negated: false,
            } => Some(
                values
                    .iter()
                    .map(|value| (columns.clone(), value.clone()))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect();
    if values.len() < 2 {
        return None;
    }
    parsed
        .filters
        .retain(|filter| !matches!(filter, Filter::Is { negated: false, .. }));
    let columns = values
        .iter()
        .map(|(columns, _)| columns.clone())
        .min_by_key(Vec::len)
        .unwrap_or_default();
    let measure = measure(reader, parsed).unwrap_or_else(Measure::rows);
    Some(Shape::Compare {
        measure,
        columns,
        values: values.into_iter().map(|(_, value)| value).collect(),
    })
}

fn trend(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Option<Shape> {
    let asks = reader.has(&[
        "trend",
        "trends",
        "evolution",
        "evolve",
        "evolved",
        "evolving",
        "timeline",
    ]) || reader.has_phrase(&[
        &["over", "time"],
        &["through", "time"],
        &["change", "over"],
        &["changed", "over"],
        &["per", "period"],
    ]);
    let group_date = parsed.group.as_ref().and_then(|group| {
        let index = reader.columns.index(group)?;
        (reader.columns.kind(index) == ColumnKind::Temporal).then(|| group.clone())
    });
    if !asks && parsed.grain.is_none() && group_date.is_none() {
        return None;
    }
    let free_date = reader
        .free_mentions()
        .into_iter()
        .find(|&m| reader.mention_kind(m) == ColumnKind::Temporal);
    let date = match (group_date, free_date) {
        (Some(date), _) => {
            parsed.group = None;
            date
        }
        (None, Some(m)) => reader.take_mention(m),
        (None, None) => first_date(reader, parsed)?,
    };
    let measure = measure(reader, parsed).unwrap_or_else(Measure::rows);
    let grain = parsed.grain.unwrap_or_else(|| default_grain(&date));
    Some(Shape::Trend {
        date,
        grain,
        fixed: parsed.grain.is_some(),
        measure,
        split: parsed.group.take(),
    })
}

/// The first date column of the table, said so when there are several.
fn first_date(reader: &Reader<'_>, parsed: &mut Parsed) -> Option<String> {
    let dates = reader.columns.of_kind(ColumnKind::Temporal);
    let first = reader.columns.name(*dates.first()?).to_owned();
    if dates.len() > 1 {
        let others: Vec<String> = dates[1..]
            .iter()
            .map(|&index| format!("`{}`", reader.columns.name(index)))
            .collect();
        parsed.notes.push(format!(
            "I used the date column `{first}` ({} also {}).",
            super::join_words(&others, "and"),
            if others.len() == 1 { "fits" } else { "fit" }
        ));
    }
    Some(first)
}

/// Where a trend starts: days for a column whose name speaks of time of day, else months.
/// The analyst makes it finer when that gives too few points.
fn default_grain(date: &str) -> Grain {
    let words = super::super::words::name_words(date);
    let timed = words.iter().any(|word| {
        matches!(
            word.as_str(),
            "time" | "timestamp" | "ts" | "datetime" | "at" | "hour" | "reading"
        )
    });
    if timed { Grain::Day } else { Grain::Month }
}

fn rows(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Option<Shape> {
    let head = reader.has_phrase(&[
        &["first", "rows"],
        &["first", "row"],
        &["first", "records"],
        &["show", "me", "the", "data"],
        &["show", "the", "data"],
        &["show", "me", "some", "rows"],
        &["show", "rows"],
        &["show", "me", "rows"],
        &["some", "rows"],
        &["sample", "rows"],
    ]) || reader.has(&["preview", "head", "sample", "peek"]);
    let rows_asked =
        reader.has(&["rows", "records", "row", "entries"]) && parsed.limit.is_some() && parsed.func.is_none();
    if !head && !rows_asked {
        return None;
    }
    Some(Shape::Rows {
        by: None,
        ascending: false,
        limit: Some(parsed.limit.unwrap_or(10)),
        label: None,
    })
}

fn distinct(reader: &mut Reader<'_>, parsed: &mut Parsed, rank: Option<Rank>) -> Option<Shape> {
    if parsed.func == Some(Func::CountDistinct) {
        let column = match reader.free_mentions().first() {
            Some(&m) => reader.take_mention(m),
            None => parsed.group.take()?,
        };
        return Some(Shape::Aggregate {
            measure: Measure {
                func: Func::CountDistinct,
                column: Some(column),
            },
            group: parsed.group.take(),
            order: Order::Label,
            limit: None,
        });
    }
    if parsed.func.is_some() || rank.is_some() || parsed.limit.is_some() {
        return None;
    }
    let asks = reader.has(&["distinct", "unique", "different", "list", "which", "what"])
        || reader.has_phrase(&[&["are", "there"], &["exist"]]);
    if !asks {
        return None;
    }
    if let Some(group) = parsed.group.clone()
        && reader.has(&["which", "what"])
        && reader.free_mentions().is_empty()
    {
        parsed.group = None;
        return Some(Shape::Distinct { column: group });
    }
    let m = *reader.free_mentions().first()?;
    if reader.mention_kind(m) == ColumnKind::Number && !reader.has(&["distinct", "unique", "different"]) {
        return None;
    }
    Some(Shape::Distinct {
        column: reader.take_mention(m),
    })
}

fn ranking(reader: &mut Reader<'_>, parsed: &mut Parsed, rank: Option<Rank>) -> Option<Shape> {
    if rank.is_none() && parsed.limit.is_none() {
        return None;
    }
    let order = match (rank, parsed.order) {
        (Some(rank), _) => rank.order,
        (None, Some(Order::Ascending)) => Order::Ascending,
        _ => Order::Descending,
    };
    let group = parsed.group.take().or_else(|| {
        let m = reader
            .free_mentions()
            .into_iter()
            .find(|&m| matches!(reader.mention_kind(m), ColumnKind::Text | ColumnKind::Boolean))?;
        Some(reader.take_mention(m))
    });
    let dimension = rank
        .and_then(|rank| rank.dimension)
        .filter(|_| parsed.column.is_none() && !measure_named(reader));
    if let Some(words) = dimension {
        parsed.column = dimension_column(reader, words);
        // `biggest` and `smallest` rank by anything when there is no size.
        let generic = words.contains(&"size");
        if parsed.column.is_none() && parsed.follow_up {
            // `and the shortest?` ranks what the previous answer measured.
            return None;
        }
        if parsed.column.is_none() && !generic {
            reader.unmatched.push(Unmatched::Column(join_words(
                &words.iter().take(2).map(|word| (*word).to_owned()).collect::<Vec<_>>(),
                "or",
            )));
            return None;
        }
    }
    // `which car has the highest mpg`, `the heaviest penguin`: the row, named by its label.
    let asks_row = reader.has(&["which", "who", "whose"])
        || (0..reader.len()).any(|i| reader.is(i, &["what", "whats"]) && reader.unexplained_at(i + 1).is_some())
        || dimension.is_some();
    // `which individual has the longest flipper`: a column of names or identifiers names
    // rows, it does not group them.
    let (group, label) = match group {
        Some(group)
            if reader
                .columns
                .index(&group)
                .is_some_and(|index| reader.columns.identifies(index)) =>
        {
            (None, Some(group))
        }
        group => (group, None),
    };
    let asks_row = asks_row || label.is_some();
    let label = label.or_else(|| {
        reader
            .columns
            .label()
            .map(|index| reader.columns.name(index).to_owned())
    });
    match group {
        Some(group) => {
            let measure = measure(reader, parsed).unwrap_or_else(Measure::rows);
            Some(Shape::Aggregate {
                measure,
                group: Some(group),
                order,
                limit: Some(
                    parsed
                        .limit
                        .unwrap_or(if rank.is_some() && !reader.has(&["top", "bottom"]) {
                            1
                        } else {
                            5
                        }),
                ),
            })
        }
        None => {
            let column = match parsed.column.clone().or_else(|| measure_column(reader, Func::Max)) {
                Some(column) => column,
                // A follow-up (`top 5 instead`) ranks what the previous answer measured.
                None if parsed.follow_up => return None,
                None => {
                    if let Some(words) = reader.first_unexplained() {
                        reader.unmatched.push(Unmatched::Column(words));
                        return None;
                    }
                    parsed.defaulted = true;
                    default_number(reader, parsed, parsed.func.unwrap_or(Func::Max))?
                }
            };
            parsed.column = Some(column.clone());
            let top = parsed.func.is_none() && reader.has(&["top", "bottom"]);
            if parsed.limit.is_some() || top || (asks_row && parsed.func.is_none()) {
                return Some(Shape::Rows {
                    by: Some(column),
                    ascending: order == Order::Ascending,
                    limit: Some(parsed.limit.unwrap_or(if top { 5 } else { 1 })),
                    label,
                });
            }
            let func = parsed.func.unwrap_or(if order == Order::Ascending {
                Func::Min
            } else {
                Func::Max
            });
            Some(Shape::Aggregate {
                measure: Measure {
                    func,
                    column: Some(column),
                },
                group: None,
                order: Order::Label,
                limit: None,
            })
        }
    }
}

/// Whether a number column that is not an identifier is named and not yet used.
fn measure_named(reader: &Reader<'_>) -> bool {
    reader.free_mentions().into_iter().any(|m| {
        reader.mention_kind(m) == ColumnKind::Number
            && !super::measure::is_id(reader.columns.words(reader.mentions[m].column))
    })
}

fn aggregate(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Option<Shape> {
    parsed.func?;
    let measure = measure(reader, parsed)?;
    Some(Shape::Aggregate {
        measure,
        group: parsed.group.take(),
        order: parsed.order.unwrap_or(Order::Label),
        limit: None,
    })
}

fn grouped(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Option<Shape> {
    let group = parsed.group.clone()?;
    let measure = measure(reader, parsed).unwrap_or_else(Measure::rows);
    parsed.group = None;
    Some(Shape::Aggregate {
        measure,
        group: Some(group),
        order: parsed.order.unwrap_or(Order::Label),
        limit: None,
    })
}

/// A number column named with nothing said about it, after `what`, `show` or with
/// filters (`what were sales in Q1 2024?`): its total, or its average for prices, rates and
/// the like. Not for follow-ups (`what about units?` keeps the previous function).
fn bare(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Option<Shape> {
    let asks = reader.has(&["what", "show", "tell", "give", "how"]) || !parsed.filters.is_empty();
    // `list the states with a rape rate above 40` lists rows.
    let lists = reader.has(&["list"]) && !parsed.filters.is_empty();
    if parsed.follow_up || !asks || lists {
        return None;
    }
    let column = measure_column(reader, Func::Sum)?;
    parsed.column = Some(column.clone());
    Some(Shape::Aggregate {
        measure: Measure {
            func: default_func(&column),
            column: Some(column),
        },
        group: None,
        order: Order::Label,
        limit: None,
    })
}

fn matching_rows(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Option<Shape> {
    let asks = reader.has(&["show", "list", "display", "give", "find", "which", "rows", "records"]);
    (asks && !parsed.filters.is_empty()).then_some(Shape::Rows {
        by: None,
        ascending: false,
        limit: None,
        label: None,
    })
}
