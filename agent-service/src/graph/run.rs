//! Running a built graph: the loop that runs each node (through `attempt`), routes to the
//! next one, checkpoints, and stops on the end, an error, the step budget or cancellation;
//! [`Graph::resume`], which re-enters that loop from a checkpoint; and the runs of a
//! parallel node's branches, which go through the same loop without checkpoints.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::attempt::{self, Failure};
use super::checkpoint::{self, Checkpoint, Checkpoints, Receipt, Status, Written, now};
use super::node::{Event, Node, NodeContext, Policy, emit};
use super::{GraphError, RunId};

/// A conditional edge's router: the state in, a route label out.
pub(super) type Router<S> = Box<dyn Fn(&S) -> String + Send + Sync>;

/// Where an edge leads.
pub(super) enum Target {
    Node(Arc<str>),
    End,
}

/// A node's one outgoing edge.
pub(super) enum Edge<S> {
    Static(Target),
    Conditional {
        router: Router<S>,
        routes: HashMap<String, Target>,
    },
}

/// A node with everything the loop needs to run it and leave it.
pub(super) struct Step<S, E> {
    pub(super) name: Arc<str>,
    pub(super) node: Arc<dyn Node<S, E>>,
    pub(super) policy: Policy,
    pub(super) edge: Edge<S>,
}

/// A checked graph, ready to run any number of times, concurrently (share it in an `Arc`).
pub struct Graph<S, E = ()> {
    pub(super) steps: HashMap<Arc<str>, Step<S, E>>,
    pub(super) entry: Arc<str>,
    pub(super) max_steps: u32,
    pub(super) checkpoints: Option<Checkpoints>,
}

/// Where a run stands between two nodes.
struct Cursor<S> {
    run: RunId,
    /// The branch of a parallel node this run is (`None` for a run of its own).
    branch: Option<u32>,
    /// Nodes finished so far.
    step: u32,
    next: Arc<str>,
    state: S,
    /// The checkpoint of `step` as written (`None` without a store).
    latest: Option<Arc<Written>>,
    /// The receipt of step 0, queued as the first node starts: a run id already used is
    /// refused when the run next writes.
    first: Option<Receipt>,
    /// The receipts of the later checkpoints, written without waiting, not yet seen to be
    /// made.
    receipts: Vec<Receipt>,
}

impl<S> Cursor<S> {
    /// Forgets the receipts of writes made; the error of one that failed.
    fn check_receipts(&mut self) -> Result<(), GraphError> {
        let mut failed = None;
        self.receipts.retain_mut(|receipt| match receipt.try_recv() {
            Ok(Ok(())) => false,
            Ok(Err(error)) => {
                failed.get_or_insert(error);
                false
            }
            Err(oneshot::error::TryRecvError::Empty) => true,
            Err(oneshot::error::TryRecvError::Closed) => {
                failed.get_or_insert(GraphError::WriterStopped);
                false
            }
        });
        failed.map_or(Ok(()), Err)
    }
}

impl<S, E> Graph<S, E>
where
    S: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
    E: Send + 'static,
{
    /// Runs the graph from its entry with `state` under the id `run` (new: a run id that
    /// already has checkpoints is refused with [`GraphError::RunExists`], after the first
    /// node, which runs while step 0 is written). Returns the state the run reached
    /// [`END`](super::END) with; stops with [`GraphError::Cancelled`] soon after `cancel`
    /// fires. Events go to `events`.
    #[tracing::instrument(skip_all, fields(run_id = %run))]
    pub async fn run(
        &self,
        run: RunId,
        state: S,
        cancel: CancellationToken,
        events: mpsc::Sender<Event<E>>,
    ) -> Result<S, GraphError> {
        let mut cursor = Cursor {
            run,
            branch: None,
            step: 0,
            next: Arc::clone(&self.entry),
            state,
            latest: None,
            first: None,
            receipts: Vec::new(),
        };
        self.record(&mut cursor, Status::Running).await?;
        self.drive(cursor, &cancel, &events).await
    }

    /// Continues run `run` from its latest checkpoint: the node that was running when it
    /// stopped (crash, cancellation, failure) runs again with the state before it; returns
    /// like [`run`](Self::run).
    #[tracing::instrument(skip_all, fields(run_id = %run))]
    pub async fn resume(
        &self,
        run: RunId,
        cancel: CancellationToken,
        events: mpsc::Sender<Event<E>>,
    ) -> Result<S, GraphError> {
        let store = self.checkpoints.as_ref().ok_or(GraphError::NoCheckpoints)?;
        let latest = store.latest(run).await?.ok_or(GraphError::UnknownRun(run))?;
        let next = match &latest.next {
            Some(next) if latest.status != Status::Done => self.step(next, run)?,
            _ => return Err(GraphError::RunFinished(run)),
        };
        let state = serde_json::from_value(latest.state.clone())?;
        let mut latest = Written::from_read(latest)?;
        let expected = latest.status;
        if expected != Status::Running {
            latest.status = Status::Running;
            latest.error = None;
            latest.updated_at = now();
        }
        let latest = Arc::new(latest);
        if expected != Status::Running {
            store.update(Arc::clone(&latest), expected).await?;
        }
        tracing::info!(step = latest.step, node = %next, "resuming");
        let cursor = Cursor {
            run,
            branch: None,
            step: latest.step,
            next,
            state,
            latest: Some(latest),
            first: None,
            receipts: Vec::new(),
        };
        self.drive(cursor, &cancel, &events).await
    }

    /// Runs the graph as branch `index` of a parallel node in run `run`: from its entry
    /// with `state`, its engine events marked with `index`, without checkpoints (a branch
    /// graph has none: see [`GraphBuilder::parallel`](super::GraphBuilder::parallel)).
    pub(super) async fn run_branch(
        &self,
        run: RunId,
        index: u32,
        state: S,
        cancel: &CancellationToken,
        events: &mpsc::Sender<Event<E>>,
    ) -> Result<S, GraphError> {
        let cursor = Cursor {
            run,
            branch: Some(index),
            step: 0,
            next: Arc::clone(&self.entry),
            state,
            latest: None,
            first: None,
            receipts: Vec::new(),
        };
        self.drive(cursor, cancel, events).await
    }

    fn step(&self, name: &str, run: RunId) -> Result<Arc<str>, GraphError> {
        self.steps
            .get_key_value(name)
            .map(|(name, _)| Arc::clone(name))
            .ok_or_else(|| GraphError::UnknownNode {
                name: name.to_owned(),
                referenced_by: format!("the checkpoint of run {run}"),
            })
    }

    /// The loop: `cursor` is checkpointed, its next node is due.
    async fn drive(
        &self,
        mut cursor: Cursor<S>,
        cancel: &CancellationToken,
        events: &mpsc::Sender<Event<E>>,
    ) -> Result<S, GraphError> {
        loop {
            let Some(step) = self.steps.get(&cursor.next) else {
                let error = GraphError::UnknownNode {
                    name: cursor.next.to_string(),
                    referenced_by: "the run".to_owned(),
                };
                return Err(self.fail(&mut cursor, error).await);
            };
            if cursor.step >= self.max_steps {
                let error = GraphError::StepBudgetExceeded {
                    limit: self.max_steps,
                    node: step.name.to_string(),
                };
                return Err(self.fail(&mut cursor, error).await);
            }
            let (node, number) = (step.name.to_string(), cursor.step);
            let started = Event::NodeStarted {
                node,
                step: number,
                branch: cursor.branch,
            };
            emit(events, cancel, started).await;
            let ctx = NodeContext {
                run_id: cursor.run,
                node: Arc::clone(&step.name),
                step: cursor.step,
                attempt: 0,
                cancel: cancel.clone(),
                events: events.clone(),
                branch: cursor.branch,
            };
            match attempt::execute(step, &cursor.state, ctx).await {
                Ok(state) => {
                    let node = step.name.to_string();
                    let finished = Event::NodeFinished {
                        node,
                        step: number,
                        branch: cursor.branch,
                    };
                    emit(events, cancel, finished).await;
                    let target = match route(step, &state) {
                        Ok(target) => target,
                        Err(error) => return Err(self.fail(&mut cursor, error).await),
                    };
                    cursor.step += 1;
                    cursor.state = state;
                    let Target::Node(next) = target else {
                        self.record_end(&mut cursor).await?;
                        tracing::info!(steps = cursor.step, "run finished");
                        return Ok(cursor.state);
                    };
                    cursor.next = Arc::clone(next);
                    self.record(&mut cursor, Status::Running).await?;
                }
                Err(Failure::Cancelled) => {
                    tracing::info!(node = %step.name, "run cancelled");
                    let error = GraphError::Cancelled {
                        node: step.name.to_string(),
                    };
                    return Err(self.fail(&mut cursor, error).await);
                }
                Err(Failure::Stopped { code, message }) => {
                    let error = GraphError::NodeStopped {
                        node: step.name.to_string(),
                        code,
                        message,
                    };
                    return Err(self.fail(&mut cursor, error).await);
                }
                Err(Failure::Failed {
                    attempts,
                    message,
                    retryable,
                }) => {
                    let error = GraphError::NodeFailed {
                        node: step.name.to_string(),
                        attempts,
                        message,
                        retryable,
                    };
                    return Err(self.fail(&mut cursor, error).await);
                }
            }
        }
    }

    /// Saves the checkpoint of `cursor.step` (a new step) with `status`.
    async fn record(&self, cursor: &mut Cursor<S>, status: Status) -> Result<(), GraphError> {
        self.save(cursor, Some(cursor.next.to_string()), status).await
    }

    /// Saves the last checkpoint of a run that reached the end.
    async fn record_end(&self, cursor: &mut Cursor<S>) -> Result<(), GraphError> {
        self.save(cursor, None, Status::Done).await
    }

    /// Writes the checkpoint of `cursor.step`: queued, and the run goes on. The first is
    /// waited for before the second is queued, so the first node runs while it is written
    /// (a run id already used is refused then, after its first node). Later writes are not
    /// waited for: one that failed fails the run at its next checkpoint, or is logged once
    /// the run ended. A crash before a queued checkpoint is written loses it: the run
    /// resumes from an earlier step, running the nodes after it again; or, when only its
    /// end was lost, the run's own record (agent-service's `runs`) says how it ended, and
    /// it is not resumed.
    async fn save(&self, cursor: &mut Cursor<S>, next: Option<String>, status: Status) -> Result<(), GraphError> {
        let Some(store) = &self.checkpoints else {
            return Ok(());
        };
        confirm_first(cursor).await?;
        cursor.check_receipts()?;
        let checkpoint = Arc::new(Checkpoint {
            run_id: cursor.run,
            step: cursor.step,
            next,
            state: serde_json::value::to_raw_value(&cursor.state)?,
            status,
            error: None,
            updated_at: now(),
        });
        cursor.latest = Some(Arc::clone(&checkpoint));
        let receipt = store.insert(checkpoint).await;
        if cursor.step == 0 {
            cursor.first = Some(receipt);
        } else {
            cursor.receipts.push(receipt);
        }
        Ok(())
    }

    /// Changes the status (and what goes with it) of the latest checkpoint, after every
    /// write queued before.
    async fn mark(&self, cursor: &mut Cursor<S>, change: impl FnOnce(&mut Written)) -> Result<(), GraphError> {
        // A run refused at step 0 has no checkpoint of its own to change.
        confirm_first(cursor).await?;
        let (Some(store), Some(latest)) = (&self.checkpoints, cursor.latest.as_mut()) else {
            return Ok(());
        };
        let changed = Arc::make_mut(latest);
        let expected = changed.status;
        change(changed);
        changed.updated_at = now();
        let marked = store.update(Arc::clone(latest), expected).await;
        for receipt in std::mem::take(&mut cursor.receipts) {
            if let Err(error) = checkpoint::settle(receipt).await {
                tracing::error!(%error, "an earlier checkpoint of the run was not written");
            }
        }
        marked
    }

    /// Records `error` on the latest checkpoint (`cancelled` or `failed`) and returns it.
    /// A store error here is logged: the run's own error is the one to report.
    async fn fail(&self, cursor: &mut Cursor<S>, error: GraphError) -> GraphError {
        let status = match error {
            GraphError::Cancelled { .. } => Status::Cancelled,
            _ => Status::Failed,
        };
        let message = error.to_string();
        // A branch's failure is its parallel node's, logged when the parent run fails.
        if status == Status::Failed && cursor.branch.is_none() {
            tracing::warn!(error = %message, "run failed");
        }
        let marked = self
            .mark(cursor, |latest| {
                latest.status = status;
                latest.error = Some(message);
            })
            .await;
        if let Err(store) = marked {
            tracing::error!(error = %store, "could not record the end of the run");
        }
        error
    }
}

/// Waits for the write of step 0, if still unconfirmed: its error (a run id already used)
/// is the run's.
async fn confirm_first<S>(cursor: &mut Cursor<S>) -> Result<(), GraphError> {
    match cursor.first.take() {
        Some(receipt) => checkpoint::settle(receipt).await,
        None => Ok(()),
    }
}

/// The edge out of `step` for `state`.
fn route<'g, S, E>(step: &'g Step<S, E>, state: &S) -> Result<&'g Target, GraphError> {
    match &step.edge {
        Edge::Static(target) => Ok(target),
        Edge::Conditional { router, routes } => {
            let label = router(state);
            routes.get(&label).ok_or_else(|| GraphError::UnmappedRoute {
                node: step.name.to_string(),
                label,
            })
        }
    }
}
