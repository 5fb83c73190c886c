//! The analysis graph with a provider the test scripts, over a real CSV, the real SQL
//! executor and charts, and memory in real PostgreSQL and Redis.

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::scripted::{Deps, Scripted, world};
use super::*;
use crate::graph::{Event as GraphEvent, RunId};
use crate::table::ColumnKind;

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
async fn answer(deps: &Deps, question: &str) -> (Analysis, Vec<Event>) {
    let graph = deps.graph();
    let (sender, mut receiver) = mpsc::channel(256);
    let run = graph.run(
        RunId::new(),
        Analysis::new(deps.scope.clone(), deps.dataset.clone(), question, schema()),
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
    (outcome.expect("the run ends"), events)
}

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(Event::kind).collect()
}

#[tokio::test]
async fn a_failed_query_is_debugged_then_charted_reported_and_remembered() {
    let world = world(Scripted::new(Route::Exploratory, 0)).await;
    let (state, events) = answer(&world.deps, "total sales by region, and what is this table?").await;
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
    let (state, events) = answer(&world.deps, "total sales by region").await;
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
    answer(&world.deps, "total sales by region").await;
    let advisory = Deps {
        provider: Arc::new(Scripted::new(Route::Advisory, 0)),
        ..world.deps.clone()
    };
    let (state, events) = answer(&advisory, "what did you find?").await;
    assert!(state.tasks.is_empty());
    assert_eq!(
        events,
        vec![Event::Text {
            delta: "As I said, 1 turn(s) ago.".into()
        }]
    );
    let memory = advisory.memories.load(&advisory.scope).await.expect("memory");
    assert_eq!(memory.turns.len(), 2);
}

#[tokio::test]
async fn a_cancelled_run_remembers_nothing() {
    let world = world(Scripted::new(Route::Exploratory, 0)).await;
    let graph = world.deps.graph();
    let (sender, _receiver) = mpsc::channel(256);
    let cancel = CancellationToken::new();
    cancel.cancel();
    let outcome = graph
        .run(
            RunId::new(),
            Analysis::new(
                world.deps.scope.clone(),
                world.deps.dataset.clone(),
                "total by region",
                schema(),
            ),
            cancel,
            sender,
        )
        .await;
    assert!(outcome.is_err(), "a cancelled run does not finish");
    let memory = world.deps.memories.load(&world.deps.scope).await.expect("memory");
    assert!(memory.turns.is_empty());
}
