//! Checkpoint writes: their target (p99 under 5 ms, both rows) and table.

use std::fmt::Write as _;
use std::time::Duration;

use super::Report;
use super::targets::{Row, qualified, why_missing};
use crate::latency::millis;

/// The rows the target is defined at: graphs × steps.
const TARGET_ROWS: [(usize, u32); 2] = [(1, 2_000), (8, 500)];
/// The target of a write's p99.
const P99: Duration = Duration::from_millis(5);
const GOAL: &str = "< 5 ms";

impl Report {
    pub(super) fn checkpoint_targets(&self, rows: &mut Vec<Row>) {
        let Some(Ok(result)) = &self.checkpoint else {
            let why = why_missing(&self.checkpoint);
            for (graphs, steps) in TARGET_ROWS {
                rows.push(Row::missing(
                    format!("checkpoint write p99, {graphs} graph(s) × {steps} steps"),
                    GOAL,
                    &why,
                ));
            }
            return;
        };
        for (row, at_target) in result.rows.iter().zip(TARGET_ROWS) {
            let latency = &row.latency;
            rows.push(Row {
                target: format!("checkpoint write p99, {} graph(s) × {} steps", row.graphs, row.steps),
                measured: format!(
                    "{} ms (p50 {}, max {} ms; {} writes)",
                    millis(latency.p99),
                    millis(latency.p50),
                    millis(latency.max),
                    latency.count
                ),
                goal: GOAL,
                result: qualified(
                    latency.count > 0 && latency.p99 < P99,
                    (row.graphs, row.steps) == at_target,
                    &format!("target at {} × {}", at_target.0, at_target.1),
                ),
            });
        }
    }

    pub(super) fn checkpoint_markdown(&self, out: &mut String) {
        let Some(Ok(result)) = &self.checkpoint else { return };
        let _ = writeln!(
            out,
            "\n### Checkpoint writes (graph engine in `sextant-bench`, a {}-byte state, PostgreSQL then Redis)\n",
            result.state_bytes
        );
        let _ = writeln!(
            out,
            "| graphs × steps | writes | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | writes/s | wall time |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|"
        );
        for row in &result.rows {
            let latency = &row.latency;
            let _ = writeln!(
                out,
                "| {} × {} | {} | {} | {} | {} | {} | {} | {:.0} | {} |",
                row.graphs,
                row.steps,
                latency.count,
                millis(latency.p50),
                millis(latency.p90),
                millis(latency.p99),
                millis(latency.p999),
                millis(latency.max),
                latency.count as f64 / row.elapsed.as_secs_f64().max(1e-9),
                crate::units::duration(row.elapsed)
            );
        }
    }
}
