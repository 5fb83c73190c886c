//! Answers without a query: help, a recap of the conversation, and what to say when a
//! question is not understood (with suggestions built from the columns).

use super::{NOTE, suggestions};
use crate::provider::{Ask, Exchange};

pub(super) fn not_understood(ask: &Ask<'_>) -> String {
    let mut text = format!(
        "I did not understand \"{}\". I answer questions about this table by their words, without a language model; \
         try one of these:",
        ask.question.trim()
    );
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
