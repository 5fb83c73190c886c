//! Fan-out and fan-in as a node: [`GraphBuilder::parallel`](super::GraphBuilder::parallel)
//! adds a node that splits the state into items, runs a branch graph once per item,
//! concurrently, and merges the branches' final states back into the state, in the items'
//! order.
//!
//! A branch is a full run of the branch graph (its own routing, loops and step budget)
//! under the parent's run id, inside the parallel node's step: it has no checkpoints of its
//! own (the parent's checkpoint after the node holds the merged state). Each branch gets a
//! child of the node's cancellation token; the first branch that fails drops and cancels
//! its siblings and fails the node with its error, of the same kind (retryable, fatal, or a
//! coded stop keeping its code), naming the branch (except a coded stop's message, which is
//! the user's to read and passes as it is). The branches' engine events go to the parent's
//! channel marked with their branch index (the innermost one, for nested parallel nodes);
//! their nodes' own events pass through as they are.

use async_trait::async_trait;
use futures::future::try_join_all;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use super::GraphError;
use super::node::{Node, NodeContext, NodeError};
use super::run::Graph;

/// Splits the state into one item per branch.
type Split<S, T> = Box<dyn Fn(&S) -> Vec<T> + Send + Sync>;
/// Merges the branches' final states, in the items' order, into the state.
type Merge<S, T> = Box<dyn Fn(&mut S, Vec<T>) + Send + Sync>;

/// The node [`GraphBuilder::parallel`](super::GraphBuilder::parallel) adds.
pub(super) struct Parallel<S, T, E> {
    pub(super) branch: Graph<T, E>,
    pub(super) split: Split<S, T>,
    pub(super) merge: Merge<S, T>,
}

impl<S, T, E> Parallel<S, T, E> {
    /// A parallel node over `branch`, refused when the branch graph keeps checkpoints
    /// (`name` is the node's, for the error).
    pub(super) fn new(
        name: &str,
        branch: Graph<T, E>,
        split: Split<S, T>,
        merge: Merge<S, T>,
    ) -> Result<Self, GraphError> {
        if branch.checkpoints.is_some() {
            return Err(GraphError::CheckpointsInBranch(name.to_owned()));
        }
        Ok(Self { branch, split, merge })
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
        // Cancels every branch once the fan-out ends, on a failure too: a sibling dropped
        // by `try_join_all` stops its spawned work as well.
        let branches = ctx.cancellation().child_token();
        let _stop_branches = branches.clone().drop_guard();
        let run = ctx.run_id();
        let runs = items.into_iter().zip(0u32..).map(|(item, index)| {
            let cancel = branches.child_token();
            let events = ctx.events.clone();
            let span = tracing::info_span!("branch", node = %ctx.node(), branch = index);
            async move {
                self.branch
                    .run_branch(run, index, item, &cancel, &events)
                    .await
                    .map_err(|error| branch_error(index, error))
            }
            .instrument(span)
        });
        let finished = try_join_all(runs).await?;
        (self.merge)(&mut state, finished);
        Ok(state)
    }
}

/// The parallel node's error for branch `index`'s `error`, of the same kind.
fn branch_error(index: u32, error: GraphError) -> NodeError {
    match error {
        // A coded stop's message is written for the user: it passes as it is, and the log
        // says where it happened.
        GraphError::NodeStopped { node, code, message } => {
            tracing::info!(branch = index, node, code, "a branch stopped the run");
            NodeError::Stopped { code, message }
        }
        error @ GraphError::StepBudgetExceeded { .. } => {
            tracing::info!(branch = index, "a branch ran out of steps");
            NodeError::Stopped {
                code: "step_budget_exceeded".to_owned(),
                message: error.to_string(),
            }
        }
        error @ GraphError::NodeFailed { retryable: true, .. } => {
            NodeError::retryable(format!("branch {index}: {error}"))
        }
        error => NodeError::fatal(format!("branch {index}: {error}")),
    }
}
