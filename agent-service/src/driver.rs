//! Runs one question to its end, in a task of its own so that it outlives the request that
//! started it: the analysis graph over the dataset's columns (or resumed from its last
//! checkpoint after a restart), its engine events turned into `status` events of the run's
//! live log, an `error` event when it failed or was cancelled, the run's `usage`, how it
//! ended in the `runs` table, and `done` last.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::analysis::Analysis;
use crate::domain::Scope;
use crate::events::{Event, Phase};
use crate::graph::{Event as GraphEvent, Graph, GraphError};
use crate::provider::Identity;
use crate::runs::{Live, Outcome, Runs};
use crate::sql::{DatasetSpec, Datasets, Limits, SqlError};
use crate::table::{Column, Table};
use crate::usage::Usage;
use crate::values::Values;

/// Rows of the dataset a remote model sees when the session allows samples.
const SAMPLE_ROWS: usize = 5;
/// Columns of those rows at most (a wide table's first).
const SAMPLE_COLUMNS: usize = 40;

/// How a run begins.
pub enum Start {
    /// A new question.
    Fresh(String),
    /// Continue from the last checkpoint (a run a restart interrupted).
    Resume,
}

/// Everything one run needs: the graph every run shares, and its own inputs.
#[derive(Clone)]
pub struct Job {
    /// The analysis graph, built once.
    pub graph: Arc<Graph<Analysis, Event>>,
    /// The executor, for the dataset's columns and values before the graph starts.
    pub datasets: Datasets,
    /// Row cap and deadline of those reads.
    pub limits: Limits,
    /// Who answers, recorded with the run.
    pub identity: Identity,
    /// Whose conversation.
    pub scope: Scope,
    /// The dataset.
    pub dataset: DatasetSpec,
    /// What the run may spend on a model, in US dollars (`None`: no limit).
    pub budget_usd: Option<f64>,
    /// Whether the session's owner lets a remote model see a few rows of the dataset.
    pub sample_rows: bool,
}

/// Starts (or resumes) the run `live`; the task ends after `done`.
pub fn spawn(runs: Runs, live: Arc<Live>, job: Job, start: Start) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let (outcome, usage) = answer(&live, &job, start).await;
        crate::metrics::run(outcome.as_str());
        if let Err(error) = runs.finish(&live, outcome, usage, &job.identity).await {
            tracing::error!(run_id = %live.id, %error, "could not record how the run ended");
        }
        live.push(Event::usage("", usage));
        live.push(Event::Done {
            run_id: live.id.to_string(),
        });
    })
}

/// The columns of the run's dataset.
async fn schema(live: &Live, job: &Job) -> Result<Vec<Column>, Outcome> {
    match job.datasets.schema(&job.dataset, job.limits, &live.cancel).await {
        Ok(columns) => Ok(columns),
        Err(SqlError::Cancelled) => Err(cancelled(live)),
        Err(error) => Err(failed(live, "dataset_unreadable", error.to_string())),
    }
}

/// The state a fresh run starts from.
async fn initial(live: &Live, job: &Job, question: String) -> Result<Analysis, Outcome> {
    let schema = schema(live, job).await?;
    let values = Values::read(&job.datasets, &job.dataset, &schema, job.limits, &live.cancel)
        .await
        .map_err(|_| cancelled(live))?;
    let samples = if job.sample_rows {
        samples(job, &live.cancel).await.map_err(|_| cancelled(live))?
    } else {
        None
    };
    Ok(Analysis::new(job.scope.clone(), job.dataset.clone(), question, schema)
        .with_values(values)
        .with_samples(samples)
        .with_budget(job.budget_usd))
}

/// The first rows of the run's dataset, at most [`SAMPLE_COLUMNS`] of its columns. Only
/// a cancellation is an error: a failed read gives none (logged), as the analyst can do
/// without.
async fn samples(job: &Job, cancel: &tokio_util::sync::CancellationToken) -> Result<Option<Table>, SqlError> {
    let limits = Limits {
        max_rows: SAMPLE_ROWS,
        ..job.limits
    };
    match job
        .datasets
        .execute(&job.dataset, "SELECT * FROM data", limits, cancel)
        .await
    {
        Ok(output) => {
            let mut table = output.table;
            table.columns.truncate(SAMPLE_COLUMNS);
            for row in &mut table.rows {
                row.truncate(SAMPLE_COLUMNS);
            }
            Ok(Some(table))
        }
        Err(SqlError::Cancelled) => Err(SqlError::Cancelled),
        Err(error) => {
            tracing::warn!(%error, file_id = %job.dataset.file_id, "the dataset's sample rows could not be read");
            Ok(None)
        }
    }
}

/// Runs the graph; returns how the run ended and what its model calls used (the state's
/// count when it finished, else the sum of the `usage` events its nodes sent).
async fn answer(live: &Arc<Live>, job: &Job, start: Start) -> (Outcome, Usage) {
    let initial = match start {
        Start::Fresh(question) => match initial(live, job, question).await {
            Ok(state) => Some(state),
            Err(outcome) => return (outcome, Usage::default()),
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
    let (sender, mut receiver) = mpsc::channel(64);
    let cancel = live.cancel.clone();
    let run = async {
        match initial {
            Some(state) => job.graph.run(live.id, state, cancel, sender).await,
            None => job.graph.resume(live.id, cancel, sender).await,
        }
    };
    let forward = async {
        let mut used = Usage::default();
        while let Some(event) = receiver.recv().await {
            if let Some(event) = to_event(event) {
                if let Event::Usage {
                    input_tokens,
                    output_tokens,
                    cost_usd,
                    ..
                } = &event
                {
                    used += Usage {
                        input_tokens: *input_tokens,
                        output_tokens: *output_tokens,
                        cost_usd: *cost_usd,
                    };
                }
                live.push(event);
            }
        }
        used
    };
    let (outcome, used) = tokio::join!(run, forward);
    let outcome = match outcome {
        Ok(state) => return (Outcome::Finished, state.usage),
        // A node that saw the cancellation first (a query stopped mid-way) fails; it is still
        // a cancellation.
        Err(_) if live.cancel.is_cancelled() => cancelled(live),
        Err(GraphError::UnknownRun(_)) => failed(
            live,
            "run_lost",
            "the answer was interrupted by a restart before it began; please ask again".into(),
        ),
        Err(error @ GraphError::StepBudgetExceeded { .. }) => failed(live, "step_budget_exceeded", error.to_string()),
        Err(GraphError::NodeStopped { code, message, .. }) => failed(live, &code, message),
        Err(error) => failed(live, "run_failed", error.to_string()),
    };
    (outcome, used)
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

/// Which subtask a branch's node works on, for the status event's detail.
fn subtask(branch: Option<u32>) -> String {
    branch.map_or_else(String::new, |branch| format!("subtask {}", branch + 1))
}

fn prefix(branch: Option<u32>) -> String {
    branch.map_or_else(String::new, |branch| format!("subtask {}: ", branch + 1))
}

/// What the client sees of an engine event.
fn to_event(event: GraphEvent<Event>) -> Option<Event> {
    let status = |node: String, phase, detail: String| Event::Status { node, phase, detail };
    Some(match event {
        GraphEvent::NodeStarted { node, branch, .. } => status(node, Phase::Started, subtask(branch)),
        GraphEvent::NodeFinished { node, branch, .. } => status(node, Phase::Finished, subtask(branch)),
        GraphEvent::NodeRetrying {
            node,
            attempt,
            error,
            branch,
        } => status(
            node,
            Phase::Started,
            format!("{}retrying after attempt {attempt}: {error}", prefix(branch)),
        ),
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
            world.deps.job(),
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

    /// The status events of a run: (node, phase, detail).
    fn statuses(events: &[Event]) -> Vec<(String, Phase, String)> {
        events
            .iter()
            .filter_map(|event| match event {
                Event::Status { node, phase, detail } => Some((node.clone(), *phase, detail.clone())),
                _ => None,
            })
            .collect()
    }

    #[tokio::test]
    async fn the_four_orchestration_patterns_show_in_the_runs_status_events() {
        let world = world().await;
        let events = answered(&world, |_| {}).await;
        let statuses = statuses(&events);
        let started_in = |detail: &str| -> Vec<&str> {
            statuses
                .iter()
                .filter(|(_, phase, shown)| *phase == Phase::Started && shown == detail)
                .map(|(node, ..)| node.as_str())
                .collect()
        };
        // Pipeline: the main chain, in order.
        assert_eq!(
            started_in(""),
            [
                "load_memory",
                "classify_mode",
                "route",
                "decompose",
                "subtasks",
                "respond",
                "save_memory"
            ]
        );
        // Supervisor (and reflective): in the first subtask the supervisor sends the wrong
        // query back to the analyst, the result to the reviewer before the visualiser.
        assert_eq!(
            started_in("subtask 1"),
            [
                "classify",
                "plan",
                "supervisor",
                "analyst",
                "supervisor",
                "analyst",
                "supervisor",
                "reviewer",
                "supervisor",
                "visualiser",
                "supervisor"
            ]
        );
        // A DIRECT subtask needs neither.
        assert_eq!(started_in("subtask 2"), ["classify"]);
        // Parallel: the second subtask began before the first had finished, both inside
        // `subtasks`, and `respond` reports only after both.
        let at = |node: &str, phase: Phase, detail: &str| {
            statuses
                .iter()
                .position(|(name, seen, shown)| name == node && *seen == phase && shown == detail)
                .unwrap_or_else(|| panic!("{node} {phase:?} {detail}: {statuses:?}"))
        };
        let second_began = at("classify", Phase::Started, "subtask 2");
        let first_ended = statuses
            .iter()
            .rposition(|(_, _, shown)| shown == "subtask 1")
            .expect("the first subtask");
        assert!(second_began < first_ended, "the subtasks overlap: {statuses:?}");
        assert!(at("subtasks", Phase::Started, "") < at("classify", Phase::Started, "subtask 1"));
        assert!(first_ended < at("subtasks", Phase::Finished, ""));
        // Reflective: every result is reviewed before it is reported.
        assert!(at("reviewer", Phase::Finished, "subtask 1") < at("respond", Phase::Started, ""));
    }
}
