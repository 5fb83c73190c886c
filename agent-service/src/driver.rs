//! Runs one question to its end, in a task of its own so that it outlives the request that
//! started it: the analysis graph over the dataset's columns (or resumed from its last
//! checkpoint after a restart), its engine events turned into `status` events of the run's
//! live log, an `error` event when it failed or was cancelled, the run's `usage`, how it
//! ended in the `runs` table, and `done` last.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::analysis::{self, Analysis, Deps};
use crate::events::{Event, Phase};
use crate::graph::{Event as GraphEvent, GraphError, Outcome as GraphOutcome};
use crate::runs::{Live, Outcome, Runs};
use crate::sql::SqlError;
use crate::table::Column;
use crate::values::Values;

/// How a run begins.
pub enum Start {
    /// A new question.
    Fresh(String),
    /// Continue from the last checkpoint (a run a restart interrupted).
    Resume,
}

/// Starts (or resumes) the run `live`; the task ends after `done`.
pub fn spawn(runs: Runs, live: Arc<Live>, deps: Deps, start: Start) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let usage = Arc::clone(&deps.usage);
        let identity = deps.provider.identity();
        let outcome = answer(&live, deps, start).await;
        if let Err(error) = runs.finish(&live, outcome, usage.total(), &identity).await {
            tracing::error!(run_id = %live.id, %error, "could not record how the run ended");
        }
        let total = usage.total();
        live.push(Event::Usage {
            node: String::new(),
            input_tokens: total.input_tokens,
            output_tokens: total.output_tokens,
            cost_usd: total.cost_usd,
        });
        live.push(Event::Done {
            run_id: live.id.to_string(),
        });
    })
}

/// The columns of the run's dataset.
async fn schema(live: &Live, deps: &Deps) -> Result<Vec<Column>, Outcome> {
    match deps.datasets.schema(&deps.dataset, deps.limits, &live.cancel).await {
        Ok(columns) => Ok(columns),
        Err(SqlError::Cancelled) => Err(cancelled(live)),
        Err(error) => Err(failed(live, "dataset_unreadable", error.to_string())),
    }
}

async fn answer(live: &Arc<Live>, deps: Deps, start: Start) -> Outcome {
    let initial = match start {
        Start::Fresh(question) => match schema(live, &deps).await {
            Ok(schema) => match Values::read(&deps.datasets, &deps.dataset, &schema, deps.limits, &live.cancel).await {
                Ok(values) => Some(Analysis::new(question, schema).with_values(values)),
                Err(_) => return cancelled(live),
            },
            Err(outcome) => return outcome,
        },
        Start::Resume => {
            live.push(Event::Status {
                node: "resume".into(),
                phase: Phase::Started,
                detail: "resuming from the last checkpoint after a restart".into(),
            });
            None
        }
    };
    let graph = match analysis::graph(deps) {
        Ok(graph) => graph,
        Err(error) => return failed(live, "internal", error.to_string()),
    };
    let (sender, mut receiver) = mpsc::channel(64);
    let cancel = live.cancel.clone();
    let run = async {
        match initial {
            Some(state) => graph.run(live.id, state, cancel, sender).await,
            None => graph.resume(live.id, None, cancel, sender).await,
        }
    };
    let forward = async {
        while let Some(event) = receiver.recv().await {
            if let Some(event) = to_event(event) {
                live.push(event);
            }
        }
    };
    let (outcome, ()) = tokio::join!(run, forward);
    match outcome {
        Ok(GraphOutcome::Finished(_)) => Outcome::Finished,
        Ok(GraphOutcome::Waiting { .. }) => Outcome::Interrupted,
        // A node that saw the cancellation first (a query stopped mid-way) fails; it is still
        // a cancellation.
        Err(_) if live.cancel.is_cancelled() => cancelled(live),
        Err(GraphError::UnknownRun(_)) => failed(
            live,
            "run_lost",
            "the answer was interrupted by a restart before it began; please ask again".into(),
        ),
        Err(error @ GraphError::StepBudgetExceeded { .. }) => failed(live, "step_budget_exceeded", error.to_string()),
        // TODO(#12): Err(GraphError::NodeStopped { code, message, .. }) => failed(live, &code, message),
        Err(error) => failed(live, "run_failed", error.to_string()),
    }
}

fn cancelled(live: &Live) -> Outcome {
    live.push(Event::Error {
        code: "cancelled".into(),
        message: "the answer was cancelled".into(),
    });
    Outcome::Cancelled
}

fn failed(live: &Live, code: &str, message: String) -> Outcome {
    tracing::warn!(run_id = %live.id, code, %message, "run failed");
    live.push(Event::Error {
        code: code.into(),
        message,
    });
    Outcome::Failed
}

/// What the client sees of an engine event.
fn to_event(event: GraphEvent<Event>) -> Option<Event> {
    let status = |node: String, phase, detail: String| Event::Status { node, phase, detail };
    Some(match event {
        GraphEvent::NodeStarted { node, .. } => status(node, Phase::Started, String::new()),
        GraphEvent::NodeFinished { node, .. } => status(node, Phase::Finished, String::new()),
        GraphEvent::NodeRetrying { node, attempt, error } => status(
            node,
            Phase::Started,
            format!("retrying after attempt {attempt}: {error}"),
        ),
        GraphEvent::Interrupted { node, .. } => status(node, Phase::Finished, "waiting for approval".into()),
        GraphEvent::Custom(event) => event,
    })
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;
    use crate::analysis::scripted::{Scripted, World};
    use crate::provider::Route;

    async fn world() -> World {
        crate::analysis::scripted::world(Scripted::new(Route::Exploratory, 0)).await
    }

    fn kind(event: &Event) -> String {
        match event {
            Event::Status { node, phase, .. } => format!("{node}:{phase:?}"),
            other => other.kind().to_owned(),
        }
    }

    /// Starts a run of "total by region" (after `before` had the live run) and reads all of
    /// it as a client would.
    async fn answered(world: &World, before: impl FnOnce(&Live)) -> Vec<Event> {
        let live = world
            .runs
            .start(world.deps.scope.clone(), &world.deps.dataset, "q")
            .await
            .expect("start");
        before(&live);
        let follower = live.follow(0);
        spawn(
            world.runs.clone(),
            Arc::clone(&live),
            world.deps.clone(),
            Start::Fresh("total by region".into()),
        );
        follower.map(|event| event.event).collect().await
    }

    #[tokio::test]
    async fn a_run_streams_statuses_and_content_in_order_and_ends_with_done() {
        let world = world().await;
        let events = answered(&world, |_| {}).await;
        let kinds: Vec<String> = events.iter().map(kind).collect();
        assert_eq!(kinds.first().map(String::as_str), Some("load_memory:Started"));
        assert_eq!(kinds.last().map(String::as_str), Some("done"));
        let content: Vec<&str> = kinds
            .iter()
            .map(String::as_str)
            .filter(|kind| !kind.contains(':'))
            .collect();
        assert_eq!(
            content,
            [
                "code", "code", "table", "chart", "image", "text", "text", "usage", "done"
            ]
        );
        let save = kinds.iter().position(|kind| kind == "save_memory:Finished");
        assert_eq!(save, Some(kinds.len() - 3), "memory is saved last: {kinds:?}");
        world
            .runs
            .start(world.deps.scope.clone(), &world.deps.dataset, "q")
            .await
            .expect("the session is free once the run is done");
    }

    #[tokio::test]
    async fn a_cancelled_run_says_so_saves_nothing_and_frees_the_session() {
        let world = world().await;
        let events = answered(&world, |live| live.cancel.cancel()).await;
        assert!(
            events
                .iter()
                .any(|event| matches!(event, Event::Error { code, .. } if code == "cancelled")),
            "{events:?}"
        );
        assert!(matches!(events.last(), Some(Event::Done { .. })));
        let memory = world.deps.memories.load(&world.deps.scope).await.expect("memory");
        assert!(memory.turns.is_empty(), "no half turn");
        world
            .runs
            .start(world.deps.scope.clone(), &world.deps.dataset, "q")
            .await
            .expect("free again");
    }
}
