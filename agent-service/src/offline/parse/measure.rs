//! The measure of a question: the column it measures and how (`total revenue`, `how many
//! units`, or the number of rows), and the column used when it names none.

use super::super::columns::Fit;
use super::super::intent::{Func, Measure};
use super::Parsed;
use super::reader::{Reader, Unmatched};
use crate::table::ColumnKind;

/// Words of column names whose values add up (amounts, counts of things): they are summed
/// when the question does not say how. Every other measurement (a mass, a length, a
/// price, a rate, a score, a temperature) is averaged.
const ADDITIVE: &[&str] = &[
    "amount",
    "revenue",
    "sale",
    "total",
    "turnover",
    "unit",
    "quantity",
    "qty",
    "count",
    "profit",
    "spend",
    "spent",
    "expense",
    "budget",
    "population",
    "death",
    "case",
    "vote",
    "visit",
    "click",
    "sold",
    "order",
    "item",
    "piece",
    "stock",
    "view",
    "download",
    "goal",
    "point",
    "purchase",
    "payment",
    "volume",
    "value",
    "fare",
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
        (None, Some(_)) if reader.first_unexplained().is_some() => {
            // `average body mass` where no column is called so: never another column.
            let words = reader.first_unexplained()?;
            reader.unmatched.push(Unmatched::Column(words));
            return None;
        }
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
    // `how many species are there`: the distinct values of the text column named after
    // `many` (in full: `how many customers` is not `customer_type`).
    let distinct = reader.free_mentions().into_iter().find(|&m| {
        let mention = &reader.mentions[m];
        mention.start > 0
            && reader.is(mention.start - 1, &["many"])
            && mention.fit != Fit::Part
            && reader.mention_kind(m) == ColumnKind::Text
    });
    if counted.is_none()
        && let Some(m) = distinct
    {
        let column = reader.take_mention(m);
        parsed.column = Some(column.clone());
        return Measure {
            func: Func::CountDistinct,
            column: Some(column),
        };
    }
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
    let mention = &reader.mentions[m];
    // A word before the name that is part of another column's name (`egg` of `Date Egg`).
    // Not the noun of `which animal sleeps the most`.
    let head_noun = mention.start > 1
        && reader.is(
            mention.start - 2,
            &["which", "what", "whats", "each", "every", "per", "many"],
        );
    let modified = mention.start > 0
        && !head_noun
        && reader.mentions.iter().enumerate().any(|(other, before)| {
            before.end == mention.start && before.fit == Fit::Part && reader.free_mentions().contains(&other)
        });
    // A word after the name that it does not explain (`unemployment duration` is not
    // `unemploy`).
    const GENERIC: &[&str] = &[
        "rate",
        "rates",
        "level",
        "levels",
        "value",
        "values",
        "amount",
        "score",
        "index",
        "figure",
        "figures",
        "total",
        "span",
        "size",
        "measure",
        "measurement",
        "ratio",
        "percentage",
        "count",
        "mileage",
        "economy",
        "efficiency",
    ];
    // A participle after it (`magnitude recorded`) says nothing of the column.
    let participle = ["ed", "ing"].iter().any(|end| reader.word(mention.end).ends_with(end));
    let qualified =
        mention.fit != Fit::Exact && reader.unexplained(mention.end) && !reader.is(mention.end, GENERIC) && !participle;
    if qualified {
        let typed = reader.typed(mention.start..mention.end + 1);
        reader.unmatched.push(Unmatched::Column(typed));
        return None;
    }
    if mention.fit != Fit::Exact && modified {
        // `egg weight` is not `Body Mass (g)`, though `weight` alone would be.
        let typed = reader.typed(mention.start - 1..mention.end);
        reader.unmatched.push(Unmatched::Column(typed));
        return None;
    }
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

/// The number column whose name holds one of `words` (for `heaviest`: mass or weight), the
/// first word found first.
pub(super) fn dimension_column(reader: &Reader<'_>, words: &[&str]) -> Option<String> {
    let numbers = reader.columns.of_kind(ColumnKind::Number);
    words
        .iter()
        .find_map(|word| {
            numbers.iter().copied().find(|&index| {
                reader
                    .columns
                    .words(index)
                    .iter()
                    .any(|name| name == word || super::super::columns::abbreviates(name, word))
            })
        })
        .map(|index| reader.columns.name(index).to_owned())
}

pub(super) use super::super::words::is_id;

/// Sum for amounts and counts of things, mean for everything else (prices, rates, scores,
/// measurements).
pub fn default_func(column: &str) -> Func {
    let words = super::super::words::name_words(column);
    let additive = words
        .iter()
        .any(|word| ADDITIVE.contains(&super::super::words::singular(word).as_str()));
    let averaged = words
        .iter()
        .any(|word| ["price", "rate", "ratio", "average", "avg", "mean", "pct", "percent"].contains(&word.as_str()));
    if additive && !averaged { Func::Sum } else { Func::Avg }
}
