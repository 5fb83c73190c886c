//! The measure of a question: the column it measures and how (`total revenue`, `how many
//! units`, or the number of rows), and the column used when it names none.

use super::super::columns::Fit;
use super::super::intent::{Func, Measure};
use super::Parsed;
use super::reader::Reader;
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

/// The measure of the question: its function (or the default one for its column) of the
/// column it names, or the number of rows.
pub(super) fn measure(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Option<Measure> {
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
pub(super) fn count_measure(reader: &mut Reader<'_>, parsed: &mut Parsed) -> Measure {
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
pub(super) fn measure_column(reader: &mut Reader<'_>, func: Func) -> Option<String> {
    let fits = |kind: ColumnKind| match func {
        Func::Min | Func::Max => matches!(kind, ColumnKind::Number | ColumnKind::Temporal),
        Func::Count | Func::CountDistinct => true,
        _ => kind == ColumnKind::Number,
    };
    // An identifier is measured only when nothing else is named, and only when named in
    // full (`orders` is not `order_id`).
    let fitting: Vec<usize> = reader
        .free_mentions()
        .into_iter()
        .filter(|&m| fits(reader.mention_kind(m)))
        .filter(|&m| reader.mentions[m].fit != Fit::Part || !is_id(reader.columns.words(reader.mentions[m].column)))
        .collect();
    let m = fitting
        .iter()
        .copied()
        .find(|&m| !is_id(reader.columns.words(reader.mentions[m].column)))
        .or_else(|| fitting.first().copied())?;
    Some(reader.take_mention(m))
}

/// The number column used when the question names none: the first that holds amounts
/// (amount, revenue, total, sales, value, price, cost), else the first that is not an id;
/// said so.
pub(super) fn default_number(reader: &Reader<'_>, parsed: &mut Parsed, func: Func) -> Option<String> {
    let numbers = numbers(reader);
    let amount = amount_column(reader);
    let chosen = reader
        .columns
        .name(amount.or_else(|| numbers.first().copied())?)
        .to_owned();
    if numbers.len() > 1 {
        let why = if amount.is_some() {
            "the column of amounts"
        } else {
            "the first number column"
        };
        parsed.default_note = Some(format!(
            "You did not say which column, so I used `{chosen}`, {why}, for the {}.",
            func.words().trim_end_matches(" of")
        ));
    }
    Some(chosen)
}

/// The number columns that are not identifiers.
fn numbers(reader: &Reader<'_>) -> Vec<usize> {
    reader
        .columns
        .of_kind(ColumnKind::Number)
        .into_iter()
        .filter(|&index| !is_id(reader.columns.words(index)))
        .collect()
}

/// The column of amounts: the first whose name says amount, revenue, total, sales, value,
/// price or cost (in that order of preference).
pub(super) fn amount_column(reader: &Reader<'_>) -> Option<usize> {
    const AMOUNTS: &[&str] = &["amount", "revenue", "total", "sale", "value", "price", "cost"];
    let numbers = numbers(reader);
    AMOUNTS.iter().find_map(|amount| {
        numbers
            .iter()
            .copied()
            .find(|&index| reader.columns.words(index).iter().any(|word| word == amount))
    })
}

/// The column that holds prices (for `most expensive`, `cheapest`).
pub(super) fn price_column(reader: &Reader<'_>) -> Option<String> {
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

pub(super) fn is_id(words: &[String]) -> bool {
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
