//! Words that say how to combine values (`total`, `average`, `how many`) and how to rank
//! (`highest`, `cheapest`, `most common`).

use super::super::intent::{Func, Order};
use super::reader::Reader;

/// How a question ranks: largest or smallest first, and whether by how common a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rank {
    /// Largest first (`highest`) or smallest first (`lowest`).
    pub order: Order,
    /// By how often a value occurs (`most common`).
    pub common: bool,
    /// Words of the name of the column an adjective ranks by (`heaviest`: mass or weight),
    /// when it says.
    pub dimension: Option<&'static [&'static str]>,
}

/// Adjectives that rank by a quantity, which way, and words of the names of the columns
/// that hold it.
const DIMENSIONS: &[(&[&str], Order, &[&str])] = &[
    (&["heaviest"], Order::Descending, &["mass", "weight", "wt"]),
    (&["lightest"], Order::Ascending, &["mass", "weight", "wt"]),
    (&["tallest"], Order::Descending, &["height", "tall"]),
    (&["longest"], Order::Descending, &["length", "long", "duration"]),
    (&["shortest"], Order::Ascending, &["length", "height", "duration"]),
    (&["fastest"], Order::Descending, &["speed", "velocity"]),
    (&["slowest"], Order::Ascending, &["speed", "velocity"]),
    (&["oldest"], Order::Descending, &["age"]),
    (&["youngest"], Order::Ascending, &["age"]),
    (&["hottest", "warmest"], Order::Descending, &["temperature", "temp"]),
    (&["coldest", "coolest"], Order::Ascending, &["temperature", "temp"]),
    (&["most", "expensive"], Order::Descending, &["price", "cost"]),
    (&["priciest"], Order::Descending, &["price", "cost"]),
    (&["cheapest"], Order::Ascending, &["price", "cost"]),
    (&["least", "expensive"], Order::Ascending, &["price", "cost"]),
    (&["richest"], Order::Descending, &["income", "wealth", "gdp", "salary"]),
    (&["poorest"], Order::Ascending, &["income", "wealth", "gdp", "salary"]),
    (
        &["wettest", "rainiest"],
        Order::Descending,
        &["precipitation", "rain", "rainfall"],
    ),
    (&["driest"], Order::Ascending, &["precipitation", "rain", "rainfall"]),
    (&["windiest"], Order::Descending, &["wind"]),
    (&["most", "powerful"], Order::Descending, &["horsepower", "hp", "power"]),
    (&["least", "powerful"], Order::Ascending, &["horsepower", "hp", "power"]),
    (&["deepest"], Order::Descending, &["depth", "deep"]),
    (&["shallowest"], Order::Ascending, &["depth", "deep"]),
    (&["widest"], Order::Descending, &["width", "wide"]),
    (&["narrowest"], Order::Ascending, &["width", "wide"]),
    (
        &["biggest", "largest"],
        Order::Descending,
        &["size", "area", "volume", "population"],
    ),
    (
        &["smallest"],
        Order::Ascending,
        &["size", "area", "volume", "population"],
    ),
];

/// How the question combines values, if it says (`total`, `average`, `how many`, `how
/// many distinct`); the words are used.
pub(super) fn func(reader: &mut Reader<'_>) -> Option<Func> {
    const FUNCS: &[(&[&str], Func)] = &[
        (&["standard", "deviation"], Func::Std),
        (&["std"], Func::Std),
        (&["stddev"], Func::Std),
        (&["stdev"], Func::Std),
        (&["how", "many"], Func::Count),
        (&["how", "much"], Func::Sum),
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
        (&["variance"], Func::Variance),
        (&["range", "of"], Func::Range),
        (&["range"], Func::Range),
        (&["minimum"], Func::Min),
        (&["min"], Func::Min),
        (&["earliest"], Func::Min),
        (&["maximum"], Func::Max),
        (&["max"], Func::Max),
        (&["latest"], Func::Max),
    ];
    for (phrase, func) in FUNCS {
        // `per number of cylinders` groups; it counts nothing.
        let grouping = |i: usize| i > 0 && reader.is(i - 1, &["per", "by", "each"]);
        // `the average number of breaks` averages a column of counts.
        let combined = |i: usize| {
            let before = if i > 1 && reader.is(i - 1, &["the"]) {
                i - 2
            } else {
                i.wrapping_sub(1)
            };
            phrase[0] == "number"
                && reader.is(
                    before,
                    &[
                        "average", "avg", "mean", "median", "total", "sum", "maximum", "max", "minimum", "min",
                        "highest", "lowest", "largest", "smallest", "typical",
                    ],
                )
        };
        if let Some(i) = reader.find(phrase)
            && reader.mention_covering(i).is_none()
            && !grouping(i)
            && !combined(i)
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

/// How the question ranks, if it does (`highest`, `least`, `most common`, `cheapest`,
/// `heaviest`); the words are used.
pub(super) fn rank(reader: &mut Reader<'_>) -> Option<Rank> {
    const COMMON: &[&str] = &["common", "frequent", "popular", "usual"];
    const UP: &[&str] = &[
        "highest", "largest", "biggest", "greatest", "most", "best", "top", "peak",
    ];
    const DOWN: &[&str] = &["lowest", "smallest", "least", "fewest", "worst", "bottom"];
    for i in 0..reader.len() {
        if reader.used(i) || reader.mention_covering(i).is_some() {
            continue;
        }
        let dimension = DIMENSIONS.iter().find_map(|(words, order, names)| {
            let length = match words {
                [one] if reader.is(i, &[one]) => 1,
                [first, second] if reader.phrase_at(i, &[first, second]) => 2,
                [first, second] if reader.is(i, &[first, second]) && !reader.is(i, &["most", "least"]) => 1,
                _ => return None,
            };
            Some((length, *order, *names))
        });
        let (order, length, dimension) = match dimension {
            Some((length, order, names)) => (order, length, Some(names)),
            None if reader.is(i, UP) => (Order::Descending, 1, None),
            None if reader.is(i, DOWN) => (Order::Ascending, 1, None),
            None => continue,
        };
        let common = reader.is(i + length, COMMON);
        reader.take(i..i + length + usize::from(common));
        return Some(Rank {
            order,
            common,
            dimension,
        });
    }
    None
}
