//! Checkpoint writes of the graph engine (issue 4), in this process: agent-service's own
//! `GraphBuilder` and `Checkpoints` over the benchmark's agent database (PostgreSQL, the
//! truth) and Redis (the hot copy, under the benchmark's key prefix).
//!
//! The graph is one node looping on itself (a conditional edge back to it, `END` after the
//! last step) with checkpoints on, over a realistic state: an `Analysis` with an 8-column
//! schema, two subtasks and a 20-row result table (about 5 KB of JSON). Between the node's
//! `NodeFinished(n)` and `NodeStarted(n + 1)` the engine routes, serialises the state and
//! writes the checkpoint of step `n + 1` to PostgreSQL, then Redis: that gap is one write.
//! It is timed by the node itself (its last instruction before returning, its first when it
//! runs again), not by a task receiving the events, whose clock would read when the runtime
//! got round to it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use agent_service::analysis::{Analysis, Task};
use agent_service::domain::{FileId, Scope, SessionId, UserId};
use agent_service::events::Event as AnswerEvent;
use agent_service::graph::{Checkpoints, END, Event, Graph, GraphBuilder, RunId};
use agent_service::provider::{Exchange, Mode, Review, Route, TaskKind};
use agent_service::sql::{DatasetFormat, DatasetSpec};
use agent_service::table::{Column, ColumnKind, Table};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sextant_common::cache::Cache;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::latency::{self, Summary};

/// Connections of the pool the graphs write through: agent-service's default.
const POOL_SIZE: u32 = 10;

/// Where to write and how much.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The agent database (migrated here too, in case agent-service has not yet).
    pub database_url: String,
    /// Redis.
    pub redis_url: String,
    /// The prefix of every Redis key written.
    pub redis_prefix: String,
    /// Steps of the single graph.
    pub steps: u32,
    /// Graphs run concurrently in the second row.
    pub graphs: usize,
    /// Steps of each concurrent graph.
    pub concurrent_steps: u32,
}

/// One row: `graphs` graphs of `steps` steps each, run together.
#[derive(Debug, Clone)]
pub struct Row {
    /// Graphs run at once.
    pub graphs: usize,
    /// Steps of each.
    pub steps: u32,
    /// Write latencies (`steps - 1` per graph: the last step ends the run instead).
    pub latency: Summary,
    /// Wall time of the whole row.
    pub elapsed: Duration,
}

/// What the part measured.
#[derive(Debug, Clone)]
pub struct CheckpointResult {
    /// Bytes of the state's JSON at the first step.
    pub state_bytes: usize,
    /// The single graph, then the concurrent ones.
    pub rows: Vec<Row>,
}

/// The benchmark's state: the analysis and a step counter for the router.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Looping {
    step: u32,
    last: u32,
    analysis: Analysis,
}

/// When the node began and ended, step by step.
type Stamps = Arc<Mutex<Vec<(Instant, Instant)>>>;

/// Runs both rows.
pub async fn run(settings: &Settings) -> anyhow::Result<CheckpointResult> {
    let pool = sextant_common::connect::postgres(&settings.database_url, POOL_SIZE)
        .await
        .context("connecting to the agent database")?;
    let mut migrator = sqlx::migrate!("../agent-service/migrations");
    // agent-service may be newer than this build and have applied more migrations.
    migrator.set_ignore_missing(true);
    migrator.run(&pool).await.context("migrating the agent database")?;
    let redis = sextant_common::connect::redis(&settings.redis_url).context("Redis URL")?;
    let cache = Cache::new(redis, settings.redis_prefix.clone(), agent_service::memory::TTL);
    let checkpoints = Checkpoints::new(pool.clone(), cache);

    let state = analysis();
    let state_bytes = serde_json::to_vec(&state)?.len();
    let mut rows = Vec::new();
    let mut runs = Vec::new();
    for (graphs, steps) in [(1, settings.steps), (settings.graphs, settings.concurrent_steps)] {
        crate::say(&format!(
            "checkpoints: {graphs} graph(s) × {steps} steps, a {state_bytes}-byte state"
        ));
        let started = Instant::now();
        let loops = (0..graphs).map(|_| run_one(&checkpoints, state.clone(), steps));
        let results = futures::future::join_all(loops).await;
        let elapsed = started.elapsed();
        let mut histogram = latency::histogram();
        for result in results {
            let (run, writes) = result?;
            runs.push(run);
            for write in writes {
                latency::record(&mut histogram, write);
            }
        }
        let row = Row {
            graphs,
            steps,
            latency: Summary::of(&histogram),
            elapsed,
        };
        crate::say(&format!(
            "  p50 {} ms, p99 {} ms, max {} ms over {} writes",
            latency::millis(row.latency.p50),
            latency::millis(row.latency.p99),
            latency::millis(row.latency.max),
            row.latency.count
        ));
        rows.push(row);
    }
    // The benchmark's runs are no one's conversation: leave the database as it was.
    checkpoints.delete_runs(&runs).await?;
    pool.close().await;
    Ok(CheckpointResult { state_bytes, rows })
}

/// One graph run of `steps` steps from `state`: its id and the latency of each write.
async fn run_one(checkpoints: &Checkpoints, state: Analysis, steps: u32) -> anyhow::Result<(RunId, Vec<Duration>)> {
    let stamps: Stamps = Arc::new(Mutex::new(Vec::with_capacity(steps as usize)));
    let graph = looping(Some(checkpoints.clone()), Arc::clone(&stamps), steps)?;
    let (sender, mut receiver) = mpsc::channel(64);
    // The engine waits when its event channel is full: drain it, counting node starts.
    let drain = tokio::spawn(async move {
        let mut started = 0u32;
        while let Some(event) = receiver.recv().await {
            started += u32::from(matches!(event, Event::NodeStarted { .. }));
        }
        started
    });
    let run = RunId::new();
    let state = Looping {
        step: 0,
        last: steps,
        analysis: state,
    };
    let outcome = graph.run(run, state, CancellationToken::new(), sender).await;
    let started = drain.await?;
    let state = outcome.context("the checkpointed graph failed")?;
    anyhow::ensure!(
        state.step == steps && started == steps,
        "the graph stopped early: {started} of {steps} nodes started, {} counted in the state",
        state.step
    );
    let stamps = std::mem::take(&mut *stamps.lock().unwrap_or_else(PoisonError::into_inner));
    Ok((run, write_latencies(&stamps)))
}

/// The gaps between one node's end and the next one's start.
fn write_latencies(stamps: &[(Instant, Instant)]) -> Vec<Duration> {
    stamps
        .windows(2)
        .map(|pair| pair[1].0.saturating_duration_since(pair[0].1))
        .collect()
}

/// The graph: `work` → `work` … → `END` after `steps` executions, checkpointed when given a
/// store.
fn looping(checkpoints: Option<Checkpoints>, stamps: Stamps, steps: u32) -> anyhow::Result<Graph<Looping>> {
    let node = move |mut state: Looping, _ctx| {
        let stamps = Arc::clone(&stamps);
        async move {
            let began = Instant::now();
            state.step += 1;
            let mut stamps = stamps.lock().unwrap_or_else(PoisonError::into_inner);
            stamps.push((began, Instant::now()));
            Ok(state)
        }
    };
    let builder = GraphBuilder::new()
        .node_fn("work", node)
        .entry("work")
        .conditional_edge(
            "work",
            |state: &Looping| if state.step < state.last { "again" } else { "end" },
            [("again", "work"), ("end", END)],
        )
        .max_steps(steps);
    let graph = match checkpoints {
        Some(checkpoints) => builder.checkpoints(checkpoints).build()?,
        None => builder.build()?,
    };
    Ok(graph)
}

/// A state as the analysis graph has it half-way through a question: two earlier turns, the
/// schema of an 8-column table, two subtasks with their plans, queries and reviews and a
/// 20-row result, and the answer so far.
fn analysis() -> Analysis {
    let column = |name: &str, kind| Column {
        name: name.to_owned(),
        kind,
    };
    let schema = vec![
        column("order_id", ColumnKind::Number),
        column("order_date", ColumnKind::Temporal),
        column("region", ColumnKind::Text),
        column("product", ColumnKind::Text),
        column("quantity", ColumnKind::Number),
        column("unit_price", ColumnKind::Number),
        column("amount", ColumnKind::Number),
        column("paid", ColumnKind::Boolean),
    ];
    let regions = ["North", "South", "East", "West", "Central"];
    let table = Table {
        columns: vec![
            column("region", ColumnKind::Text),
            column("month", ColumnKind::Temporal),
            column("orders", ColumnKind::Number),
            column("total_amount", ColumnKind::Number),
            column("average_amount", ColumnKind::Number),
        ],
        rows: (0..20)
            .map(|row| {
                vec![
                    json!(regions[row % 5]),
                    json!(format!("2024-{:02}-01", row / 5 + 1)),
                    json!(1_200 + row * 37),
                    json!(183_421.75 + row as f64 * 1_024.5),
                    json!(152.851_458 + row as f64 * 0.731),
                ]
            })
            .collect(),
        truncated: false,
    };
    let sql = "SELECT region, date_trunc('month', order_date) AS month, count(*) AS orders, \
               sum(amount) AS total_amount, avg(amount) AS average_amount FROM data WHERE order_date >= '2024-01-01' \
               GROUP BY region, month ORDER BY month, region";
    let task = |text: &str, kind| Task {
        text: text.to_owned(),
        kind: Some(kind),
        plan: Some(format!(
            "Group the orders of 2024 by region and month, then {text}; sort by month."
        )),
        sql: Some(sql.to_owned()),
        attempts: 1,
        error: None,
        table: Some(table.clone()),
        review: Some(Review {
            answers: true,
            reason: "one row per region and month with the total amount".to_owned(),
        }),
        chart: Vec::new(),
    };
    let scope = Scope {
        user: UserId(uuid::Uuid::nil()),
        session: SessionId(uuid::Uuid::nil()),
        file: FileId("sales.csv".to_owned()),
    };
    let dataset = DatasetSpec {
        file_id: uuid::Uuid::nil(),
        path: "/var/lib/sextant/files/sales.csv".into(),
        format: DatasetFormat::Csv { delimiter: b',' },
        date_columns: Vec::new(),
    };
    let mut analysis = Analysis::new(
        scope,
        dataset,
        "How did the total amount per region develop month by month in 2024?",
        schema,
    );
    analysis.context.history = vec![
        Exchange {
            question: "how many orders are there?".to_owned(),
            answer: "There are 1,000,000 orders, from 2022-01-01 to 2024-12-31.".to_owned(),
            sql: Some("SELECT count(*) AS orders, min(order_date), max(order_date) FROM data".to_owned()),
            notes: BTreeMap::new(),
        },
        Exchange {
            question: "total amount by region".to_owned(),
            answer: "East has the highest total amount (412,387,220.15), Central the lowest.".to_owned(),
            sql: Some(
                "SELECT region, sum(amount) AS total_amount FROM data GROUP BY region ORDER BY 2 DESC".to_owned(),
            ),
            notes: BTreeMap::from([("group_by".to_owned(), json!("region"))]),
        },
    ];
    analysis.context.mode = Some(Mode::Technical);
    analysis.route = Some(Route::Exploratory);
    analysis.tasks = vec![
        task("total the amount per region and month", TaskKind::Analysis),
        task("chart the monthly totals per region", TaskKind::Visualization),
    ];
    analysis.answer = vec![
        AnswerEvent::Code {
            language: "sql".to_owned(),
            source: sql.to_owned(),
        },
        AnswerEvent::Text {
            delta: "The East region led every month, with its highest total in April.".to_owned(),
        },
    ];
    analysis
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_is_about_five_kilobytes_of_json() {
        let bytes = serde_json::to_vec(&analysis()).expect("json").len();
        assert!((4_000..=7_000).contains(&bytes), "{bytes} bytes");
    }

    #[test]
    fn a_write_is_the_gap_between_one_node_and_the_next() {
        let start = Instant::now();
        let at = |micros| start + Duration::from_micros(micros);
        let stamps = [(at(0), at(10)), (at(1_210), at(1_220)), (at(1_520), at(1_530))];
        assert_eq!(
            write_latencies(&stamps),
            [Duration::from_micros(1_200), Duration::from_micros(300)]
        );
        assert!(write_latencies(&stamps[..1]).is_empty());
    }

    #[test]
    fn the_looping_graph_runs_its_steps_and_ends() {
        let stamps: Stamps = Arc::default();
        let graph = looping(None, Arc::clone(&stamps), 5).expect("graph");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (sender, _receiver) = mpsc::channel(64);
        let state = Looping {
            step: 0,
            last: 5,
            analysis: analysis(),
        };
        let finished = runtime
            .block_on(graph.run(RunId::new(), state, CancellationToken::new(), sender))
            .expect("run");
        assert_eq!(finished.step, 5);
        assert_eq!(stamps.lock().expect("lock").len(), 5);
    }
}
