//! The analysis graph with a provider the test scripts, over a real CSV, the real SQL
//! executor and charts, and memory in real PostgreSQL and Redis.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use sextant_common::cache::Cache;
use sextant_common::testing::{TestDb, redis_url};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::*;
use crate::chart::ChartIntent;
use crate::domain::{FileId, SessionId, UserId};
use crate::graph::{Event as GraphEvent, Outcome, RunId};
use crate::provider::{Ask, Failure, ProviderError};
use crate::sql::DatasetFormat;
use crate::table::ColumnKind;

/// Answers "total by region" as a bar chart; its first query is wrong, and `bad_queries`
/// more after it too.
struct Scripted {
    route: Route,
    bad_queries: u32,
    written: Mutex<Vec<Option<Failure>>>,
}

impl Scripted {
    fn new(route: Route, bad_queries: u32) -> Self {
        Self {
            route,
            bad_queries,
            written: Mutex::default(),
        }
    }
}

#[async_trait]
impl Provider for Scripted {
    async fn classify_mode(&self, _: &Ask<'_>) -> Result<Mode, ProviderError> {
        Ok(Mode::Quick)
    }
    async fn route(&self, _: &Ask<'_>) -> Result<Route, ProviderError> {
        Ok(self.route)
    }
    async fn advise(&self, ask: &Ask<'_>) -> Result<(), ProviderError> {
        ask.say(format!("As I said, {} turn(s) ago.", ask.history.len())).await;
        Ok(())
    }
    async fn decompose(&self, _: &Ask<'_>) -> Result<Vec<String>, ProviderError> {
        Ok(vec!["total by region".into(), "what this table is".into()])
    }
    async fn classify_task(&self, _: &Ask<'_>, task: &str) -> Result<TaskKind, ProviderError> {
        Ok(if task.starts_with("total") {
            TaskKind::Visualization
        } else {
            TaskKind::Direct
        })
    }
    async fn plan(&self, _: &Ask<'_>, _: &str) -> Result<String, ProviderError> {
        Ok("sum amount by region".into())
    }
    async fn write_query(
        &self,
        _: &Ask<'_>,
        _: &str,
        _: &str,
        failure: Option<&Failure>,
    ) -> Result<String, ProviderError> {
        let mut written = self.written.lock().expect("lock");
        written.push(failure.cloned());
        Ok(if written.len() as u32 <= 1 + self.bad_queries {
            "SELECT nope FROM data".into()
        } else {
            "SELECT region, SUM(amount) AS total FROM data GROUP BY region ORDER BY region".into()
        })
    }
    async fn review(&self, _: &Ask<'_>, _: &str, table: &Table) -> Result<Review, ProviderError> {
        Ok(Review {
            answers: table.column("total").is_some(),
            reason: "no total".into(),
        })
    }
    async fn report(&self, ask: &Ask<'_>, _: &str, table: &Table) -> Result<(), ProviderError> {
        ask.say(format!("{} has the largest total.", table.rows[0][0])).await;
        Ok(())
    }
    async fn chart(&self, _: &Ask<'_>, _: &str, _: &Table) -> Result<ChartIntent, ProviderError> {
        Ok(serde_json::from_value(
            serde_json::json!({"mark": "bar", "x": "region", "y": "total", "title": "Total by region"}),
        )
        .map_err(|error| ProviderError::Permanent(error.to_string()))?)
    }
    async fn direct(&self, ask: &Ask<'_>, _: &str) -> Result<(), ProviderError> {
        ask.say("It lists sales.").await;
        Ok(())
    }
}

struct World {
    _db: TestDb,
    _dir: tempfile::TempDir,
    deps: Deps,
}

async fn world(provider: Scripted) -> World {
    let db = TestDb::create().await;
    let pool = sextant_common::connect::postgres(&db.url, 2).await.expect("postgres");
    sqlx::migrate!().run(&pool).await.expect("migrations");
    let redis = sextant_common::connect::redis(&redis_url()).expect("redis");
    let prefix = format!("test-{}:", Uuid::new_v4().simple());
    let memories = Memories::new(pool, Cache::new(redis, prefix, Duration::from_secs(60)));
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("sales.csv");
    std::fs::write(&path, "region,amount\nEast,10\nWest,5\nEast,20\nNorth,1\n").expect("csv");
    let deps = Deps {
        provider: Arc::new(provider),
        datasets: Datasets::new(4),
        dataset: DatasetSpec {
            file_id: Uuid::new_v4(),
            path,
            format: DatasetFormat::Csv { delimiter: b',' },
            date_columns: Vec::new(),
        },
        limits: Limits::default(),
        memories,
        scope: Scope {
            user: UserId(Uuid::new_v4()),
            session: SessionId(Uuid::new_v4()),
            file: FileId("sales".into()),
        },
    };
    World {
        _db: db,
        _dir: dir,
        deps,
    }
}

fn schema() -> Vec<Column> {
    vec![
        Column {
            name: "region".into(),
            kind: ColumnKind::Text,
        },
        Column {
            name: "amount".into(),
            kind: ColumnKind::Number,
        },
    ]
}

/// Runs the graph to its end; returns the final state and the custom events in order.
async fn answer(world: &World, question: &str) -> (Analysis, Vec<Event>) {
    let graph = graph(world.deps.clone()).expect("a valid graph");
    let (sender, mut receiver) = mpsc::channel(256);
    let run = graph.run(
        RunId::new(),
        Analysis::new(question, schema()),
        CancellationToken::new(),
        sender,
    );
    let collect = async {
        let mut events = Vec::new();
        while let Some(event) = receiver.recv().await {
            if let GraphEvent::Custom(event) = event {
                events.push(event);
            }
        }
        events
    };
    let (outcome, events) = tokio::join!(run, collect);
    match outcome.expect("the run ends") {
        Outcome::Finished(state) => (state, events),
        other => panic!("not finished: {other:?}"),
    }
}

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events
        .iter()
        .map(|event| match event {
            Event::Status { .. } => "status",
            Event::Text { .. } => "text",
            Event::Code { .. } => "code",
            Event::Table(_) => "table",
            Event::Chart { .. } => "chart",
            Event::Image { .. } => "image",
            Event::Usage { .. } => "usage",
            Event::Error { .. } => "error",
            Event::Done { .. } => "done",
        })
        .collect()
}

#[tokio::test]
async fn a_failed_query_is_debugged_then_charted_reported_and_remembered() {
    let world = world(Scripted::new(Route::Exploratory, 0)).await;
    let (state, events) = answer(&world, "total sales by region, and what is this table?").await;
    assert_eq!(
        kinds(&events),
        ["code", "code", "table", "chart", "image", "text", "text"],
        "{events:?}"
    );
    let sales = &state.tasks[0];
    assert_eq!(sales.attempts, 2, "one debugging round");
    let table = sales.table.as_ref().expect("a result");
    assert_eq!(table.rows[0], vec![serde_json::json!("East"), serde_json::json!(30)]);
    assert!(matches!(&events[5], Event::Text { delta } if delta.contains("East")));
    let memory = world.deps.memories.load(&world.deps.scope).await.expect("memory");
    assert_eq!(memory.turns.len(), 1);
    assert_eq!(memory.turns[0].answer, events, "the whole answer is remembered");
}

#[tokio::test]
async fn a_query_that_keeps_failing_gets_a_fallback_after_five_attempts() {
    let world = world(Scripted::new(Route::Exploratory, 10)).await;
    let (state, events) = answer(&world, "total sales by region").await;
    assert_eq!(state.tasks[0].attempts, MAX_ATTEMPTS);
    let codes = events
        .iter()
        .filter(|event| matches!(event, Event::Code { .. }))
        .count();
    assert_eq!(codes, MAX_ATTEMPTS as usize);
    assert!(
        events.iter().any(|event| matches!(event, Event::Error { code, message }
            if code == "analysis_failed" && message.contains("5 attempts"))),
        "{events:?}"
    );
}

#[tokio::test]
async fn an_advisory_question_is_answered_from_memory_without_a_query() {
    let world = world(Scripted::new(Route::Exploratory, 0)).await;
    answer(&world, "total sales by region").await;
    let advisory = World {
        deps: Deps {
            provider: Arc::new(Scripted::new(Route::Advisory, 0)),
            ..world.deps.clone()
        },
        ..world
    };
    let (state, events) = answer(&advisory, "what did you find?").await;
    assert!(state.tasks.is_empty());
    assert_eq!(
        events,
        vec![Event::Text {
            delta: "As I said, 1 turn(s) ago.".into()
        }]
    );
    let memory = advisory.deps.memories.load(&advisory.deps.scope).await.expect("memory");
    assert_eq!(memory.turns.len(), 2);
}

#[tokio::test]
async fn a_cancelled_run_remembers_nothing() {
    let world = world(Scripted::new(Route::Exploratory, 0)).await;
    let graph = graph(world.deps.clone()).expect("graph");
    let (sender, _receiver) = mpsc::channel(256);
    let cancel = CancellationToken::new();
    cancel.cancel();
    let outcome = graph
        .run(RunId::new(), Analysis::new("total by region", schema()), cancel, sender)
        .await;
    assert!(outcome.is_err(), "a cancelled run does not finish");
    let memory = world.deps.memories.load(&world.deps.scope).await.expect("memory");
    assert!(memory.turns.is_empty());
}
