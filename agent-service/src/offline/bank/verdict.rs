//! The verdict on one answer, shared by both banks: CORRECT (the answer is what the
//! question asks), REFUSED (an honest "could not answer": no query run, and suggestions
//! given) or WRONG (anything else: a wrong number, an answer about another column, a
//! missing label, a refusal without suggestions).

use serde_json::Value;

use super::super::sentence;
use super::Expected;
use super::run::{Answer, queries, tables, text};
use crate::table::{Column, Table};

/// How an answer fares.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The answer is the one asked for.
    Correct,
    /// No query ran and the answer offered suggestions instead: honest, not an answer.
    Refused,
    /// Anything else, and why.
    Wrong(String),
}

/// What the answer to a question must be.
pub enum Wanted<'a> {
    /// A table row holds the number (and the label, in another cell) and the sentence
    /// states both.
    Number(&'a Expected),
    /// The first table has this many rows, and the sentence states the number.
    Rows(f64),
    /// A table holds every (label, value) pair, each in a row of its own, and no other
    /// row but one with a missing cell (the group of missing values).
    Pairs(&'a [(String, f64)]),
    /// No query; suggestions instead; `naming`, when given, said outside the quoted
    /// question (the column that was asked for and does not exist).
    NoQuery {
        /// The word the refusal must name.
        naming: Option<&'a str>,
    },
}

/// A question's expectation, with the content checks the first bank adds.
pub struct Want<'a> {
    /// The answer.
    pub wanted: Wanted<'a>,
    /// The content kinds, exactly (a run of `code` events counted once), when checked.
    pub content: Option<&'a [&'a str]>,
    /// Text the answer must say.
    pub says: &'a [&'a str],
}

/// The verdict on `answer` to `question` (asked of a table with `schema`).
pub fn verdict(want: &Want<'_>, question: &str, schema: &[Column], answer: &Answer) -> Verdict {
    let said = text(&answer.content);
    if !answer.statuses.iter().any(|node| node == "route") {
        return Verdict::Wrong(format!("no route status: {:?}", answer.statuses));
    }
    let queried = answer.statuses.iter().any(|node| node == "analyst");
    // What the answer says besides repeating the question.
    let own = said.replace(question.trim(), "");
    let suggests = answer.state.tasks.is_empty() && suggestions(&own, schema);
    if let Wanted::NoQuery { naming } = want.wanted {
        if queried {
            let sql = queries(&answer.content);
            return Verdict::Wrong(format!("ran {sql:?}; said: {said}"));
        }
        if !suggests {
            return Verdict::Wrong(format!("no suggestions: {said}"));
        }
        if let Err(why) = contents(want, &said, &answer.content) {
            return Verdict::Wrong(why);
        }
        return match naming {
            Some(word) if !own.to_lowercase().contains(&word.to_lowercase()) => Verdict::Refused,
            _ => Verdict::Correct,
        };
    }
    if !queried {
        return if suggests {
            Verdict::Refused
        } else {
            Verdict::Wrong(format!("no query and no suggestions: {said}"))
        };
    }
    let checked = contents(want, &said, &answer.content).and_then(|()| {
        let tables = tables(&answer.content);
        match want.wanted {
            Wanted::Number(expected) => number(expected, &tables, &said),
            Wanted::Rows(expected) => rows(expected, &tables, &said),
            Wanted::Pairs(pairs) => all_pairs(pairs, &tables),
            Wanted::NoQuery { .. } => Ok(()),
        }
    });
    match checked {
        Ok(()) => Verdict::Correct,
        Err(why) => Verdict::Wrong(why),
    }
}

/// Whether `said` offers something to ask instead: a list of questions, or a column's name.
fn suggestions(said: &str, schema: &[Column]) -> bool {
    said.contains("\n- ")
        || schema
            .iter()
            .any(|column| !column.name.is_empty() && said.contains(column.name.as_str()))
}

/// The content kinds and the required text, when the bank checks them.
fn contents(want: &Want<'_>, said: &str, content: &[crate::events::Event]) -> Result<(), String> {
    if let Some(wanted) = want.content {
        let mut kinds: Vec<&'static str> = content.iter().map(crate::events::Event::kind).collect();
        kinds.dedup_by(|a, b| *a == "code" && *b == "code");
        if kinds != wanted {
            return Err(format!("content {kinds:?}, wanted {wanted:?}; said: {said}"));
        }
    }
    match want.says.iter().find(|text| !said.contains(**text)) {
        Some(text) => Err(format!("does not say \"{text}\": {said}")),
        None => Ok(()),
    }
}

fn number(expected: &Expected, tables: &[&Table], said: &str) -> Result<(), String> {
    let label = expected.label.as_deref();
    if !tables
        .iter()
        .any(|table| table.rows.iter().any(|row| holds(row, expected.value, label)))
    {
        return Err(format!("no cell holds {expected:?}: {}; said: {said}", brief(tables)));
    }
    let stated = sentence::number(expected.value);
    if !states(said, &stated) {
        return Err(format!("the sentence does not state {stated}: {said}"));
    }
    if let Some(label) = label {
        let named = match label.parse::<f64>() {
            Ok(value) => states(said, label) || states(said, &sentence::number(value)),
            Err(_) => said.contains(label),
        };
        if !named {
            return Err(format!("the sentence does not name {label}: {said}"));
        }
    }
    Ok(())
}

/// Whether `said` holds the number `stated` whole: not as a part of a longer number
/// (`3` in `2,013` or in `3.5`).
fn states(said: &str, stated: &str) -> bool {
    let bytes = said.as_bytes();
    let digit = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_digit);
    let joins = |at: usize| bytes.get(at).is_some_and(|b| *b == b'.' || *b == b',');
    said.match_indices(stated).any(|(at, _)| {
        let end = at + stated.len();
        let before = at > 0 && (digit(at - 1) || (joins(at - 1) && at > 1 && digit(at - 2)));
        let after = digit(end) || (joins(end) && digit(end + 1));
        !before && !after
    })
}

fn rows(expected: f64, tables: &[&Table], said: &str) -> Result<(), String> {
    let rows = tables.first().map_or(0, |table| table.rows.len());
    if !close(rows as f64, expected) {
        return Err(format!("{rows} rows, wanted {expected}"));
    }
    let stated = sentence::number(expected);
    if !states(said, &stated) {
        return Err(format!("the sentence does not state {stated}: {said}"));
    }
    Ok(())
}

/// The tables in short: columns, row count and the first rows.
fn brief(tables: &[&Table]) -> String {
    let shown: Vec<String> = tables
        .iter()
        .map(|table| {
            let columns: Vec<&str> = table.columns.iter().map(|column| column.name.as_str()).collect();
            let rows: Vec<String> = table
                .rows
                .iter()
                .take(5)
                .map(|row| {
                    let cells: Vec<String> = row.iter().map(sentence::cell).collect();
                    format!("[{}]", cells.join(", "))
                })
                .collect();
            let more = if table.rows.len() > 5 { ", ..." } else { "" };
            format!("{columns:?} {} rows: {}{more}", table.rows.len(), rows.join(", "))
        })
        .collect();
    if shown.is_empty() {
        "no table".into()
    } else {
        shown.join("; ")
    }
}

fn all_pairs(pairs: &[(String, f64)], tables: &[&Table]) -> Result<(), String> {
    let mut closest: Option<(usize, String)> = None;
    for table in tables {
        let missing: Vec<&(String, f64)> = pairs
            .iter()
            .filter(|(label, value)| !table.rows.iter().any(|row| holds(row, *value, Some(label))))
            .collect();
        let extra = table
            .rows
            .iter()
            .filter(|row| {
                !row.iter().any(Value::is_null) && !pairs.iter().any(|(label, value)| holds(row, *value, Some(label)))
            })
            .count();
        if missing.is_empty() && extra == 0 {
            return Ok(());
        }
        let off = missing.len() + extra;
        if closest.as_ref().is_none_or(|(best, _)| off < *best) {
            let why = format!(
                "{} of {} pairs not in the table {missing:?}, {extra} rows that are none of them: {}",
                missing.len(),
                pairs.len(),
                brief(&[table])
            );
            closest = Some((off, why));
        }
    }
    Err(closest.map_or_else(|| format!("no table, wanted {pairs:?}"), |(_, why)| why))
}

/// Whether `row` holds `value` in one cell and, in another, `label`.
fn holds(row: &[Value], value: f64, label: Option<&str>) -> bool {
    row.iter().enumerate().any(|(at, cell)| {
        cell.as_f64().is_some_and(|x| close(x, value))
            && label.is_none_or(|label| {
                row.iter()
                    .enumerate()
                    .any(|(other, cell)| other != at && names(cell, label))
            })
    })
}

/// Whether `cell` is the label: text starting with it, or the number it spells.
fn names(cell: &Value, label: &str) -> bool {
    match cell {
        Value::String(text) => text.starts_with(label),
        Value::Number(number) => label
            .parse::<f64>()
            .is_ok_and(|label| number.as_f64().is_some_and(|x| close(x, label))),
        _ => false,
    }
}

/// Equal up to rounding: both are computed, by different engines, from the same numbers.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_label_is_text_starting_with_it_or_the_number_it_spells() {
        assert!(names(&json!("Adelie Penguin (Pygoscelis adeliae)"), "Adelie"));
        assert!(names(&json!(2007), "2007"));
        assert!(!names(&json!(2008), "2007"));
        assert!(!names(&json!(null), "2007"));
    }

    #[test]
    fn a_pair_needs_its_value_and_label_in_different_cells() {
        assert!(holds(&[json!(5), json!(5)], 5.0, Some("5")));
        assert!(!holds(&[json!(5), json!(12)], 5.0, Some("5")));
        assert!(holds(
            &[json!("Gentoo"), json!(5076.016260162602)],
            5076.016260162602,
            Some("Gentoo")
        ));
    }

    #[test]
    fn a_number_is_stated_whole() {
        assert!(states("There are 3 rows.", "3"));
        assert!(states("The average is 3, the median 2.", "3"));
        assert!(states("The lowest is -6.79", "-6.79"));
        assert!(!states("The year 2,013 had 35.", "3"));
        assert!(!states("The average is 3.5", "3"));
        assert!(!states("The total is 1,983.88", "983.88"));
    }
}
