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
use super::reader::Reader;
use super::{Parsed, Talk};
use crate::table::ColumnKind;

/// Words of column names whose values are not summed per group, but averaged.
const NOT_ADDITIVE: &[&str] = &[
    "price",
    "cost",
    "rate",
    "rating",
    "score",
    "age",
    "temperature",
    "temp",
    "humidity",
    "percent",
    "pct",
    "discount",
    "satisfaction",
    "ratio",
    "average",
    "avg",
    "mean",
    "pressure",
    "speed",
    "level",
    "battery",
    "latitude",
    "longitude",
    "lat",
    "lon",
    "year",
    "share",
    "margin",
];

/// Words of number columns that count things: `how many units` sums them.
const COUNTED: &[&str] = &[
    "unit", "quantity", "qty", "item", "piece", "stock", "sold", "visit", "click",
];

/// How a question ranks: largest or smallest first, and whether by how common a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rank {
    order: Order,
    common: bool,
    price: bool,
}

/// Sets `parsed.shape` (and the measure read on the way).
pub fn read(reader: &mut Reader<'_>, parsed: &mut Parsed) {
    if parsed.talk.is_some_and(|talk| talk != Talk::Greeting) {
        return;
    }
    parsed.func = func(reader);
    let rank = rank(reader);
    parsed.shape = describe(reader)
        .or_else(|| missing(reader))
        .or_else(|| correlation(reader, parsed))
        .or_else(|| distribution(reader, parsed, rank))
        .or_else(|| compare(reader, parsed))
        .or_else(|| trend(reader, parsed))
        .or_else(|| rows(reader, parsed))
        .or_else(|| distinct(reader, parsed, rank))
        .or_else(|| ranking(reader, parsed, rank))
        .or_else(|| aggregate(reader, parsed))
        .or_else(|| grouped(reader, parsed))
        .or_else(|| matching_rows(reader, parsed));
    if parsed.shape.is_none() && parsed.column.is_none() {
        // A follow-up may name only a new column (`what about units?`).
        parsed.column = measure_column(reader, parsed.func.unwrap_or(Func::Sum));
    }
    if parsed.shape.is_none() && parsed.order.is_none() {
        parsed.order = rank.map(|rank| rank.order);
    }
}

fn func(reader: &mut Reader<'_>) -> Option<Func> {
    const FUNCS: &[(&[&str], Func)] = &[
        (&["standard", "deviation"], Func::Std),
        (&["std"], Func::Std),
        (&["stddev"], Func::Std),
        (&["stdev"], Func::Std),
        (&["how", "many"], Func::Count),
        (&["number", "of"], Func::Count),
        (&["count", "of"], Func::Count),
        (&["count"], Func::Count),
        (&["total"], Func::Sum),
        (&["sum", "of"], Func::Sum),
        (&["sum"], Func::Sum),
        (&["average"], Func::Avg),
        (&["avg"], Func::Avg),
        (&["mean"], Func::Avg),
        (&["typical"], Func::Avg),
        (&["median"], Func::Median),
        (&["minimum"], Func::Min),
        (&["min"], Func::Min),
        (&["earliest"], Func::Min),
        (&["maximum"], Func::Max),
        (&["max"], Func::Max),
        (&["latest"], Func::Max),
    ];
    for (phrase, func) in FUNCS {
        if let Some(i) = reader.find(phrase)
            && reader.mention_covering(i).is_none()
        {
            reader.take(i..i + phrase.len());
            let distinct = reader
                .find(&["distinct"])
                .or_else(|| reader.find(&["unique"]))
                .or_else(|| reader.find(&["different"]));
            if *func == Func::Count
                && let Some(k) = distinct
            {
                reader.take(k..k + 1);
                return Some(Func::CountDistinct);
            }
            return Some(*func);
        }
    }
    None
}

fn rank(reader: &mut Reader<'_>) -> Option<Rank> {
    const COMMON: &[&str] = &["common", "frequent", "popular", "usual"];
    const UP: &[&str] = &[
        "highest", "largest", "biggest", "greatest", "most", "best", "top", "peak", "hottest", "oldest",
    ];
    const DOWN: &[&str] = &[
        "lowest", "smallest", "least", "fewest", "worst", "bottom", "cheapest", "coldest", "youngest",
    ];
    for i in 0..reader.len() {
        if reader.used(i) || reader.mention_covering(i).is_some() {
            continue;
        }
        let order = if reader.is(i, UP) {
            Order::Descending
        } else if reader.is(i, DOWN) {
            Order::Ascending
        } else {
            continue;
        };
        let common = reader.is(i + 1, COMMON);
        let price = reader.is(i + 1, &["expensive"]) || reader.is(i, &["cheapest"]);
        reader.take(i..i + 1 + usize::from(common || reader.is(i + 1, &["expensive"])));
        return Some(Rank { order, common, price });
    }
    None
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

fn correlation(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Option<Shape> {
    if !reader.has(&[
        "correlation",
        "correlated",
        "correlate",
        "correlates",
        "relationship",
        "related",
        "relate",
        "relates",
    ]) && parsed.show != Some(Show::Scatter)
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
    Some(Shape::Distribution {
        numeric: reader.columns.kind(index) == ColumnKind::Number,
        column,
    })
}

fn compare(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Option<Shape> {
    let asks = reader.has(&["compare", "comparison", "vs", "versus", "compared", "against"])
        || reader.has_phrase(&[&["difference", "between"]]);
    if !asks {
        return None;
    }
    let values: Vec<(Vec<String>, String)> = parsed
        .filters
        .iter()
        .filter_map(|filter| match filter {
            Filter::Is {
                columns,
                value,
                negated: false,
            } => Some((columns.clone(), value.clone())),
            _ => None,
        })
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
    if rank.is_some_and(|rank| rank.price) && parsed.column.is_none() {
        parsed.column = price_column(reader);
    }
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
            let column = parsed.column.clone().or_else(|| measure_column(reader, Func::Max))?;
            parsed.column = Some(column.clone());
            if parsed.limit.is_some() || parsed.func.is_none() && reader.has(&["top", "bottom"]) {
                return Some(Shape::Rows {
                    by: Some(column),
                    ascending: order == Order::Ascending,
                    limit: Some(parsed.limit.unwrap_or(5)),
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

fn matching_rows(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Option<Shape> {
    let asks = reader.has(&["show", "list", "display", "give", "find", "which", "rows", "records"]);
    (asks && !parsed.filters.is_empty()).then_some(Shape::Rows {
        by: None,
        ascending: false,
        limit: None,
    })
}

/// The measure of the question: its function (or the default one for its column) of the
/// column it names, or the number of rows.
fn measure(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Option<Measure> {
    let func = parsed.func;
    if func == Some(Func::Count) {
        return Some(count_measure(reader, parsed));
    }
    let wanted = func.unwrap_or(Func::Sum);
    let column = match parsed.column.clone() {
        Some(column) => Some(column),
        None => measure_column(reader, wanted),
    };
    let column = match (column, func) {
        (Some(column), _) => column,
        (None, None) => return None,
        (None, Some(func)) => {
            parsed.defaulted = true;
            default_number(reader, parsed, func)?
        }
    };
    parsed.column = Some(column.clone());
    let func = func.unwrap_or_else(|| default_func(&column));
    Some(Measure {
        func,
        column: Some(column),
    })
}

/// `how many units` sums the units; `how many orders`, `number of rows` count rows.
fn count_measure(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Measure {
    let counted = reader.free_mentions().into_iter().find(|&m| {
        let words = reader.columns.words(reader.mentions[m].column);
        reader.mention_kind(m) == ColumnKind::Number
            && !is_id(words)
            && reader
                .columns
                .words(reader.mentions[m].column)
                .iter()
                .any(|word| COUNTED.contains(&word.as_str()))
    });
    match counted {
        Some(m) => {
            let column = reader.take_mention(m);
            parsed.column = Some(column.clone());
            Measure {
                func: Func::Sum,
                column: Some(column),
            }
        }
        None => Measure::rows(),
    }
}

/// The first free column fit for `func`: numbers, or dates too for min and max.
fn measure_column(reader: &mut Reader<'_>, func: Func) -> Option<String> {
    let fits = |kind: ColumnKind| match func {
        Func::Min | Func::Max => matches!(kind, ColumnKind::Number | ColumnKind::Temporal),
        Func::Count | Func::CountDistinct => true,
        _ => kind == ColumnKind::Number,
    };
    // An identifier is measured only when nothing else is named.
    let fitting: Vec<usize> = reader
        .free_mentions()
        .into_iter()
        .filter(|&m| fits(reader.mention_kind(m)))
        .collect();
    let m = fitting
        .iter()
        .copied()
        .find(|&m| !is_id(reader.columns.words(reader.mentions[m].column)))
        .or_else(|| fitting.first().copied())?;
    Some(reader.take_mention(m))
}

/// The number column used when the question names none: the first that is not an id,
/// said so.
fn default_number(reader: &Reader<'_>, parsed: &mut Parsed, func: Func) -> Option<String> {
    let numbers: Vec<usize> = reader
        .columns
        .of_kind(ColumnKind::Number)
        .into_iter()
        .filter(|&index| !is_id(reader.columns.words(index)))
        .collect();
    let first = reader.columns.name(*numbers.first()?).to_owned();
    if numbers.len() > 1 {
        parsed.default_note = Some(format!(
            "You did not say which column, so I used `{first}`, the first number column, for the {}.",
            func.words().trim_end_matches(" of")
        ));
    }
    Some(first)
}

/// The column that holds prices (for `most expensive`, `cheapest`).
fn price_column(reader: &Reader<'_>) -> Option<String> {
    reader
        .columns
        .of_kind(ColumnKind::Number)
        .into_iter()
        .find(|&index| {
            reader
                .columns
                .words(index)
                .iter()
                .any(|word| word == "price" || word == "cost")
        })
        .map(|index| reader.columns.name(index).to_owned())
}

fn is_id(words: &[String]) -> bool {
    words
        .last()
        .is_some_and(|word| word == "id" || word == "key" || word == "number" || word == "no")
}

/// Sum for amounts, mean for prices, rates, scores and other values that do not add up.
pub fn default_func(column: &str) -> Func {
    let words = super::super::words::name_words(column);
    if words
        .iter()
        .any(|word| NOT_ADDITIVE.contains(&super::super::words::singular(word).as_str()))
    {
        Func::Avg
    } else {
        Func::Sum
    }
}
