//! The agent's own cost per turn: its targets (under 5 ms beyond an instant model's time,
//! per wire format; the breaker's fallback under 5 ms beyond the offline analyst's answer)
//! and table.

use std::fmt::Write as _;
use std::time::Duration;

use super::Report;
use super::targets::{Row, verdict, why_missing};
use crate::agent::Row as Turns;
use crate::latency::millis;

/// The agent's own time per turn, at the median, and what a fallback may add.
const OWN: Duration = Duration::from_millis(5);
const GOAL: &str = "< 5 ms";
const OVERHEAD: &str = "the agent's own time per turn beyond an instant model's, p50";
const FALLBACK: &str = "breaker open: the offline fallback's turn beyond the offline analyst's, p50";

impl Report {
    pub(super) fn agent_targets(&self, rows: &mut Vec<Row>) {
        let Some(Ok(result)) = &self.agent else {
            let why = why_missing(&self.agent);
            rows.push(Row::missing(OVERHEAD, GOAL, &why));
            rows.push(Row::missing(FALLBACK, GOAL, &why));
            return;
        };
        for row in &result.models {
            rows.push(Row {
                target: format!("{OVERHEAD} ({})", row.label),
                measured: format!(
                    "{} ms (p99 {} ms; the turn {} ms, the model {} ms over {} calls)",
                    millis(row.overhead.p50),
                    millis(row.overhead.p99),
                    millis(row.turn.p50),
                    millis(row.model.p50),
                    row.calls
                ),
                goal: GOAL,
                result: verdict(row.overhead.count > 0 && row.overhead.p50 < OWN).to_owned(),
            });
        }
        let fallback = result.fallback_cost();
        rows.push(Row {
            target: FALLBACK.to_owned(),
            measured: format!(
                "+{} ms ({} vs {} ms)",
                millis(fallback),
                millis(result.breaker_open.turn.p50),
                millis(result.offline.turn.p50)
            ),
            goal: GOAL,
            result: verdict(result.breaker_open.turn.count > 0 && fallback < OWN).to_owned(),
        });
    }

    pub(super) fn agent_markdown(&self, out: &mut String) {
        let Some(Ok(result)) = &self.agent else { return };
        let _ = writeln!(
            out,
            "\n### The agent's own time per turn (driver, graph, analyst and model client in `sextant-bench`, a fake model answering at once)\n"
        );
        let _ = writeln!(
            out,
            "| who answers | turns | model calls | turn p50 ms | turn p99 ms | model p50 ms | own p50 ms | own p90 ms | own p99 ms | own max ms |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
        );
        let all: Vec<&Turns> = result
            .models
            .iter()
            .chain([&result.without_checkpoints, &result.offline, &result.breaker_open])
            .collect();
        for row in all {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                row.label,
                row.turn.count,
                row.calls,
                millis(row.turn.p50),
                millis(row.turn.p99),
                millis(row.model.p50),
                millis(row.overhead.p50),
                millis(row.overhead.p90),
                millis(row.overhead.p99),
                millis(row.overhead.max)
            );
        }
        let checkpoints = result
            .checkpoint_cost()
            .map_or_else(|| "not measured".to_owned(), |cost| format!("{} ms", millis(cost)));
        let _ = writeln!(
            out,
            "\nOf the agent's own time per turn (p50): the run's checkpoints {checkpoints} (with them against without); drawing the chart as a PNG {} ms (p50 of {} renders on their own, p99 {} ms); the turn's one commit that waits for the WAL flush (the record of how the run ended; its other writes are committed asynchronously) {} ms on this host's PostgreSQL (p50 of {} one-row commits, p99 {} ms).",
            millis(result.chart.p50),
            result.chart.count,
            millis(result.chart.p99),
            millis(result.flush.p50),
            result.flush.count,
            millis(result.flush.p99)
        );
        let (attempts, backoff) = result.retry;
        let _ = writeln!(
            out,
            "\nThe turn that met a storm of 500s took {} ms until its answer: the first calls tried {attempts} times each with a backoff from {} ms (the defaults, `LLM_ATTEMPTS` and `LLM_BACKOFF_MS`) until the breaker opened; every later call fell back at once.",
            millis(result.opening),
            backoff.as_millis()
        );
    }
}
