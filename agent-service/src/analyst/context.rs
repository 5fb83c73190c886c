//! What the model is told about the data and the conversation: the schema, aggregate
//! statistics (rows, distinct values per column, and the levels of categorical columns),
//! the conversation so far, and result tables of the model's own queries. Rows of the
//! dataset itself are sent only when the session's owner allows it: a few, as samples.

use std::fmt::Write;

use crate::provider::Ask;
use crate::table::{ColumnKind, Table};

/// A column's values are listed when it has at most this many...
const MAX_LEVELS: u64 = 20;
/// ...and every value repeats on average this often: levels of a category, not the
/// values of single rows.
const MIN_REPEATS: u64 = 2;
/// Earlier exchanges sent at most (the latest).
const MAX_HISTORY: usize = 6;
/// Rows of a result table sent at most.
const MAX_RESULT_ROWS: usize = 30;
/// The longest earlier answer sent, in characters.
const MAX_ANSWER_CHARS: usize = 600;

fn kind(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Number => "number",
        ColumnKind::Temporal => "date",
        ColumnKind::Boolean => "boolean",
        ColumnKind::Text => "text",
    }
}

/// The schema, statistics and conversation of `ask`, as the start of a user message.
pub fn describe(ask: &Ask<'_>) -> String {
    let mut text = String::new();
    let rows = ask.values.rows;
    if rows > 0 {
        let _ = writeln!(text, "The table `data` has {rows} rows and these columns:");
    } else {
        let _ = writeln!(text, "The table `data` has these columns:");
    }
    for column in ask.schema {
        let _ = write!(text, "- \"{}\" ({})", column.name, kind(column.kind));
        if let Some(values) = ask.values.column(&column.name) {
            let _ = write!(text, ": {} distinct values", values.distinct);
            let levels = values.complete() && values.distinct <= MAX_LEVELS && rows >= MIN_REPEATS * values.distinct;
            if levels && !values.listed.is_empty() {
                let listed: Vec<String> = values.listed.iter().map(ToString::to_string).collect();
                let _ = write!(text, " ({})", listed.join(", "));
            }
        }
        text.push('\n');
    }
    if let Some(samples) = ask.samples.filter(|samples| !samples.rows.is_empty()) {
        let _ = write!(
            text,
            "\nA few rows of `data` (the session's owner lets you see them):\n{}",
            table(samples)
        );
    }
    let history = &ask.history[ask.history.len().saturating_sub(MAX_HISTORY)..];
    if !history.is_empty() {
        text.push_str("\nThe conversation so far:\n");
        for exchange in history {
            let answer: String = exchange.answer.chars().take(MAX_ANSWER_CHARS).collect();
            let _ = writeln!(text, "User: {}\nYou: {}", exchange.question, answer.trim());
            if let Some(sql) = &exchange.sql {
                let _ = writeln!(text, "(your query: {sql})");
            }
        }
    }
    text.push('\n');
    text
}

/// A result table as Markdown, its first rows only.
pub fn table(table: &Table) -> String {
    let mut text = String::new();
    let names: Vec<&str> = table.columns.iter().map(|column| column.name.as_str()).collect();
    let _ = writeln!(text, "| {} |", names.join(" | "));
    let _ = writeln!(text, "|{}", " --- |".repeat(names.len()));
    for row in table.rows.iter().take(MAX_RESULT_ROWS) {
        let cells: Vec<String> = row
            .iter()
            .map(|cell| match cell {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Null => "NULL".to_owned(),
                other => other.to_string(),
            })
            .collect();
        let _ = writeln!(text, "| {} |", cells.join(" | "));
    }
    let shown = table.rows.len().min(MAX_RESULT_ROWS);
    if table.rows.len() > shown || table.truncated {
        let more = if table.truncated { "more" } else { "in all" };
        let _ = writeln!(text, "({shown} of {} rows shown, {more})", table.rows.len());
    }
    if table.rows.is_empty() {
        text.push_str("(no rows)\n");
    }
    text
}
