//! Answers without a query: help, a recap of the conversation, and what to say when a
//! question is not understood (with suggestions built from the columns).

use super::parse::{Unmatched, join_words};
use super::words::similarity;
use super::{NOTE, suggestions};
use crate::provider::{Ask, Exchange};

pub(super) fn not_understood(ask: &Ask<'_>) -> String {
    let text = format!(
        "I did not understand \"{}\". I answer questions about this table by their words, without a language model; \
         try one of these:",
        ask.question.trim()
    );
    with_suggestions(ask, text)
}

/// What to say when the question names a column or a value the data does not have: never
/// an answer about another column.
pub(super) fn not_found(ask: &Ask<'_>, unmatched: &[Unmatched]) -> String {
    let mut distinct: Vec<&Unmatched> = Vec::new();
    for one in unmatched {
        let covered = distinct.iter().any(|seen| match (seen, one) {
            (Unmatched::Column(seen), Unmatched::Column(one)) => {
                seen.contains(one.as_str()) || one.contains(seen.as_str())
            }
            (seen, one) => *seen == one,
        });
        if !covered {
            distinct.push(one);
        }
    }
    let sentences: Vec<String> = distinct
        .into_iter()
        .map(|unmatched| match unmatched {
            Unmatched::Column(words) => {
                let names: Vec<String> = ask.schema.iter().map(|column| column.name.clone()).collect();
                let closest: Vec<String> = closest(words, &names)
                    .into_iter()
                    .map(|name| format!("`{name}`"))
                    .collect();
                match closest.as_slice() {
                    [] => format!("I could not find a column for \"{words}\" in this table."),
                    _ => format!(
                        "I could not find a column for \"{words}\" in this table; the closest are {}.",
                        join_words(&closest, "and")
                    ),
                }
            }
            Unmatched::Value(value) => format!("I could not find \"{value}\" in any column of this table."),
            Unmatched::Operation(word) => format!("I cannot compute a {word} yet."),
            Unmatched::Ambiguous(value, columns) => {
                let names: Vec<String> = columns.iter().map(|name| format!("`{name}`")).collect();
                format!(
                    "\"{value}\" is a value of {}: say which column you mean (\"{value} in {}\").",
                    join_words(&names, "and"),
                    columns[0]
                )
            }
        })
        .collect();
    let mut text = sentences.join(" ");
    text.push_str(" So I could not answer; try one of these:");
    with_suggestions(ask, text)
}

/// Up to three of `names` that look most like `words`.
fn closest(words: &str, names: &[String]) -> Vec<String> {
    let mut scored: Vec<(f64, &String)> = names
        .iter()
        .map(|name| (similarity(words, name), name))
        .filter(|(score, _)| *score > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, name)| name.clone()).collect()
}

fn with_suggestions(ask: &Ask<'_>, mut text: String) -> String {
    for suggestion in suggestions(ask.schema) {
        text.push_str(&format!("\n- {suggestion}"));
    }
    if !ask.history.is_empty() {
        text.push_str(
            "\nOr change the last answer: \"now as a bar chart\", \"only for 2023\", \"and by <column>?\", \
             \"sort descending\", \"top 5 instead\".",
        );
    }
    text
}

pub(super) fn help(ask: &Ask<'_>, greeting: bool) -> String {
    let opening = if greeting { "Hello! " } else { "" };
    let mut text = format!(
        "{opening}I answer questions about this table: counts, totals, averages, medians, minimums and maximums, \
         overall or per group; top and bottom N; filters by value, range, text or date; distributions; trends over \
         time; correlations; comparisons; missing values. For example:"
    );
    for suggestion in suggestions(ask.schema) {
        text.push_str(&format!("\n- {suggestion}"));
    }
    text
}

pub(super) fn recap(ask: &Ask<'_>) -> String {
    let answered: Vec<&Exchange> = ask
        .history
        .iter()
        .filter(|exchange| exchange.notes.contains_key(NOTE) && !exchange.answer.is_empty())
        .collect();
    if answered.is_empty() {
        return "We have not looked at the data yet. Ask me a question about it.".into();
    }
    let mut text = String::from("So far:");
    for exchange in answered.iter().rev().take(5).rev() {
        text.push_str(&format!(
            "\n- \"{}\": {}",
            exchange.question.trim(),
            exchange.answer.trim()
        ));
    }
    text
}
