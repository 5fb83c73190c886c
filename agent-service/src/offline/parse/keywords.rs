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
    /// By price (`most expensive`, `cheapest`).
    pub price: bool,
}

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

/// How the question ranks, if it does (`highest`, `least`, `most common`, `cheapest`);
/// the words are used.
pub(super) fn rank(reader: &mut Reader<'_>) -> Option<Rank> {
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
