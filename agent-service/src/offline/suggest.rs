//! Questions the analyst can answer about a dataset, built from its columns: offered after
//! an upload, and when a question was not understood.

use super::intent::Func;
use super::parse::default_func;
use super::words::{is_id, name_words};
use crate::table::{Column, ColumnKind};

/// Suggestions offered at most.
const MOST: usize = 5;
/// Suggestions offered at least.
const LEAST: usize = 3;

/// Three to five questions about a table with `schema`, each one the offline analyst
/// answers.
pub fn suggestions(schema: &[Column]) -> Vec<String> {
    let numbers = columns(schema, ColumnKind::Number, |words| !is_id(words));
    let categories = columns(schema, ColumnKind::Text, |words| !is_id(words) && !is_free_text(words));
    let dates = columns(schema, ColumnKind::Temporal, |_| true);
    let mut found = Vec::new();
    let offer = |found: &mut Vec<String>, question: Option<String>| {
        if let Some(question) = question
            && found.len() < MOST
            && !found.contains(&question)
        {
            found.push(question);
        }
    };
    let measure = |column: &str| match default_func(column) {
        Func::Avg => format!("average {column}"),
        _ => format!("total {column}"),
    };
    offer(
        &mut found,
        numbers
            .first()
            .zip(categories.first())
            .map(|(n, c)| format!("What is the {} by {c}?", measure(n))),
    );
    offer(
        &mut found,
        numbers
            .first()
            .zip(dates.first())
            .map(|(n, _)| format!("How did the {} change by month?", measure(n))),
    );
    offer(
        &mut found,
        numbers
            .first()
            .zip(categories.first())
            .map(|(n, c)| format!("Which {c} has the highest {}?", measure(n))),
    );
    offer(
        &mut found,
        numbers.get(..2).and_then(|pair| match pair {
            [a, b] => Some(format!("What is the correlation between {a} and {b}?")),
            _ => None,
        }),
    );
    offer(
        &mut found,
        numbers.first().map(|n| format!("What is the distribution of {n}?")),
    );
    offer(
        &mut found,
        categories.first().map(|c| format!("How many rows are there per {c}?")),
    );
    for fallback in [
        "How many rows are there?",
        "Describe the data",
        "Which columns have missing values?",
    ] {
        if found.len() < LEAST {
            offer(&mut found, Some(fallback.into()));
        }
    }
    found
}

fn columns(schema: &[Column], kind: ColumnKind, keep: impl Fn(&[String]) -> bool) -> Vec<String> {
    schema
        .iter()
        .filter(|column| column.kind == kind && keep(&name_words(&column.name)))
        .map(|column| column.name.clone())
        .collect()
}

fn is_free_text(words: &[String]) -> bool {
    words.iter().any(|word| {
        matches!(
            word.as_str(),
            "comment" | "comments" | "description" | "note" | "notes" | "text" | "email" | "address" | "url"
        )
    })
}
