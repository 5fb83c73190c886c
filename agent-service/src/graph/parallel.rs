//! Fan-out and fan-in as a node: [`GraphBuilder::parallel`](super::GraphBuilder::parallel)
//! adds a node that splits the state into items, runs a branch graph once per item,
//! concurrently, and merges the branches' final states back into the state, in the items'
//! order. The branches have no checkpoints of their own: the parent's checkpoint after
//! the node holds the merged state, and a parallel node that had not finished when its
//! run stopped runs every branch again on resume (at least once, like any node).
//!
//! Each branch runs under a child of the node's cancellation token; the first branch that
//! fails cancels its siblings and fails the node with its error (a coded stop keeps its
//! code). The branches' engine events reach the parent's channel marked with their branch
//! index; their own events pass through as they are.

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use futures::future::join_all;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use super::node::{Event, Node, NodeContext, NodeError, emit};
use super::run::{Graph, Outcome};
use super::{GraphError, RunId};

/// Splits the state into one item per branch.
pub(super) type Split<S, T> = Box<dyn Fn(&S) -> Vec<T> + Send + Sync>;
/// Merges the branches' final states, in order, into the state.
pub(super) type Merge<S, T> = Box<dyn Fn(&mut S, Vec<T>) + Send + Sync>;

/// The node [`GraphBuilder::parallel`](super::GraphBuilder::parallel) adds.
pub(super) struct Parallel<S, T, E> {
    pub(super) branch: Graph<T, E>,
    pub(super) split: Split<S, T>,
    pub(super) merge: Merge<S, T>,
}

/// `event` of branch `index`, marked as such.
fn in_branch<E>(event: Event<E>, index: u32) -> Event<E> {
    match event {
        Event::NodeStarted { node, step, .. } => Event::NodeStarted {
            node,
            step,
            branch: Some(index),
        },
        Event::NodeFinished { node, step, .. } => Event::NodeFinished {
            node,
            step,
            branch: Some(index),
        },
        Event::NodeRetrying {
            node, attempt, error, ..
        } => Event::NodeRetrying {
            node,
            attempt,
            error,
            branch: Some(index),
        },
        other => other,
    }
}

/// The node's error for branch `index`'s `error`: a coded stop keeps its code, a store
/// failure may be retried, anything else is fatal.
fn branch_error(index: u32, error: GraphError) -> NodeError {
    match error {
        GraphError::NodeStopped { code, message, .. } => NodeError::Stopped { code, message },
        error @ (GraphError::Store(_) | GraphError::Conflict { .. }) => {
            NodeError::retryable(format!("branch {index}: {error}"))
        }
        error => NodeError::fatal(format!("branch {index}: {error}")),
    }
}

#[async_trait]
impl<S, T, E> Node<S, E> for Parallel<S, T, E>
where
    S: Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
    E: Send + 'static,
{
    async fn run(&self, mut state: S, ctx: NodeContext<E>) -> Result<S, NodeError> {
        let items = (self.split)(&state);
        let cancel = ctx.cancellation().child_token();
        let _stop_branches = cancel.clone().drop_guard();
        let first_error: Mutex<Option<NodeError>> = Mutex::new(None);
        let runs = items.into_iter().zip(0u32..).map(|(item, index)| {
            let (cancel, parent) = (cancel.clone(), ctx.events.clone());
            let first_error = &first_error;
            async move {
                let (sender, mut receiver) = mpsc::channel(64);
                let run = self.branch.run(RunId::new(), item, cancel.clone(), sender);
                let forward = async {
                    while let Some(event) = receiver.recv().await {
                        emit(&parent, &cancel, in_branch(event, index)).await;
                    }
                };
                let (outcome, ()) = tokio::join!(run, forward);
                let result = match outcome {
                    Ok(Outcome::Finished(state)) => Ok(state),
                    Ok(Outcome::Waiting { node, .. }) => Err(NodeError::fatal(format!(
                        "branch {index} paused before `{node}`: a branch cannot wait for an approval"
                    ))),
                    Err(error) => Err(branch_error(index, error)),
                };
                if let Err(error) = &result {
                    let mut first = first_error.lock().unwrap_or_else(PoisonError::into_inner);
                    if first.is_none() {
                        *first = Some(error.clone());
                        cancel.cancel();
                    }
                }
                result
            }
        });
        let finished = join_all(runs).await;
        if let Some(error) = first_error.into_inner().unwrap_or_else(PoisonError::into_inner) {
            return Err(error);
        }
        let branches = finished.into_iter().collect::<Result<Vec<_>, _>>()?;
        (self.merge)(&mut state, branches);
        Ok(state)
    }
}

/// Whether a graph may be a branch: it never pauses for an approval.
pub(super) fn check_branch<T, E>(name: &str, branch: &Graph<T, E>) -> Result<(), GraphError> {
    if branch.interrupts.is_empty() {
        Ok(())
    } else {
        Err(GraphError::InterruptInBranch(name.to_owned()))
    }
}

/// Keeps a parallel node's branch graph alive in the builder as a shared node.
pub(super) fn node<S, T, E>(parallel: Parallel<S, T, E>) -> Arc<dyn Node<S, E>>
where
    S: Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
    E: Send + 'static,
{
    Arc::new(parallel)
}
