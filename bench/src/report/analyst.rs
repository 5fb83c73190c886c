//! The offline analyst: its targets (first event under 20 ms, whole answer under 250 ms, on
//! a million rows) and the table of every question.

use std::fmt::Write as _;
use std::time::Duration;

use super::Report;
use super::targets::{Row, qualified, why_missing};
use crate::analyst::{AnalystResult, QUESTIONS, Question, Spread};
use crate::latency::millis;
use crate::units;

/// Rows the targets are defined at.
const TARGET_ROWS: u64 = 1_000_000;
const FIRST_EVENT: Duration = Duration::from_millis(20);
const WHOLE_ANSWER: Duration = Duration::from_millis(250);

fn pair(spread: Option<Spread>) -> String {
    spread.map_or("–".to_owned(), |(p50, max)| {
        format!("{} / {}", millis(p50), millis(max))
    })
}

impl Report {
    pub(super) fn analyst_targets(&self, rows: &mut Vec<Row>) {
        let targets = [
            ("offline analyst: first event", "< 20 ms", FIRST_EVENT),
            ("offline analyst: whole answer", "< 250 ms", WHOLE_ANSWER),
        ];
        let Some(Ok(result)) = &self.analyst else {
            let why = why_missing(&self.analyst);
            for (target, goal, _) in targets {
                rows.push(Row::missing(
                    format!("{target}, {} questions on 1,000,000 rows", QUESTIONS.len()),
                    goal,
                    &why,
                ));
            }
            return;
        };
        let figures: [fn(&Question) -> Option<Spread>; 2] = [Question::first_event, Question::done];
        for ((target, goal, limit), figure) in targets.into_iter().zip(figures) {
            let complete = result.complete();
            let all = result.questions.len();
            let worst = result.worst(figure);
            rows.push(Row {
                target: format!("{target}, {all} questions on {} rows", units::count(result.rows)),
                measured: match worst {
                    Some((p50, max)) => format!(
                        "slowest question's median {} ms (largest {} ms); {complete} of {all} questions answered cleanly",
                        millis(p50),
                        millis(max)
                    ),
                    None => "no answer".to_owned(),
                },
                goal,
                result: qualified(
                    worst.is_some_and(|(p50, _)| p50 < limit) && complete == all && all > 0,
                    result.rows >= TARGET_ROWS,
                    &format!("{} rows", units::count(result.rows)),
                ),
            });
        }
    }

    pub(super) fn analyst_markdown(&self, out: &mut String) {
        match &self.analyst {
            Some(Ok(result)) => table(out, result),
            Some(Err(error)) => {
                let _ = writeln!(out, "\n### Offline analyst\n\n**Not measured**: {error}");
            }
            None => {}
        }
    }
}

fn table(out: &mut String, result: &AnalystResult) {
    let repeats = result.questions.first().map_or(0, |question| question.asks.len());
    let _ = writeln!(
        out,
        "\n### Offline analyst: {} questions on {} rows ({}, generated in {}, uploaded in {})\n",
        result.questions.len(),
        units::count(result.rows),
        units::bytes(result.file_bytes),
        units::duration(result.generated_in),
        units::duration(result.uploaded_in)
    );
    let warmup = &result.warmup;
    let _ = writeln!(
        out,
        "Warm-up (the first ask, which opens the file): first event {} ms, whole answer {} ms{}.\n",
        warmup.first_event.map_or("–".to_owned(), millis),
        warmup.done.map_or("–".to_owned(), millis),
        warmup
            .failure
            .as_ref()
            .map_or(String::new(), |failure| format!(" ({failure})"))
    );
    let _ = writeln!(
        out,
        "Then each question {repeats} times in a row, one run at a time (median / largest):\n"
    );
    let _ = writeln!(
        out,
        "| question | first event ms | whole answer ms | events | ended with `done`, no `error` |\n|---|--:|--:|--:|---|"
    );
    for question in &result.questions {
        let clean = if question.complete() {
            "yes".to_owned()
        } else {
            format!("**no**: {}", question.failure().unwrap_or_else(|| "no done".to_owned()))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {clean} |",
            question.text,
            pair(question.first_event()),
            pair(question.done()),
            question.events().map_or("–".to_owned(), |events| events.to_string())
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_print_median_then_largest_in_milliseconds() {
        let spread = Some((Duration::from_micros(12_340), Duration::from_millis(250)));
        assert_eq!(pair(spread), "12.34 / 250.00");
        assert_eq!(pair(None), "–");
    }
}
