//! Why a graph could not be built, or a run did not finish. One enum for both, so that the
//! caller maps a run's failure to one answer (an `error` event, a gRPC status) in one place.

use std::sync::Arc;

use super::RunId;

/// What went wrong building a graph or running it.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// No entry node was set.
    #[error("the graph has no entry node")]
    NoEntry,
    /// A node name is empty or reserved ([`END`](super::END)).
    #[error("`{0}` is not a valid node name (empty or reserved)")]
    ReservedName(String),
    /// Two nodes share a name.
    #[error("two nodes are named `{0}`")]
    DuplicateNode(String),
    /// An edge, route, policy or the entry names a node the graph does not have.
    #[error("{referenced_by} names the unknown node `{name}`")]
    UnknownNode {
        /// The unknown name.
        name: String,
        /// Where it was used ("the edge a → b", "the entry", ...).
        referenced_by: String,
    },
    /// A node has more than one static edge, or more than one conditional edge.
    #[error("node `{0}` has more than one outgoing edge")]
    SeveralEdges(String),
    /// A node has both a static and a conditional edge.
    #[error("node `{0}` has both a static and a conditional edge")]
    StaticAndConditional(String),
    /// A node has no outgoing edge.
    #[error("node `{0}` has no outgoing edge (use END to finish)")]
    NoOutgoingEdge(String),
    /// A conditional edge maps no route, or maps one label twice.
    #[error("the conditional edge of `{node}` has no route or maps `{label}` twice")]
    BadRoutes {
        /// The node the edge leaves.
        node: String,
        /// The duplicated label (empty when there are no routes).
        label: String,
    },
    /// Nodes no path from the entry reaches.
    #[error("nodes unreachable from the entry: {}", .0.join(", "))]
    Unreachable(Vec<String>),
    /// A parallel node's branch graph keeps checkpoints: a branch is part of its parent's
    /// step, which the parent's checkpoints cover.
    #[error("the branch graph of the parallel node `{0}` keeps checkpoints of its own, which a branch cannot")]
    CheckpointsInBranch(String),
    /// The step budget is zero.
    #[error("the step budget must allow at least one node")]
    ZeroStepBudget,

    /// A router returned a label its conditional edge does not map.
    #[error("the router after `{node}` returned the unmapped label `{label}`")]
    UnmappedRoute {
        /// The node whose edge routed.
        node: String,
        /// The label returned.
        label: String,
    },
    /// The run executed its budget of nodes and was stopped before `node`.
    #[error("step budget of {limit} nodes exhausted before `{node}`: the run was stopped")]
    StepBudgetExceeded {
        /// The budget.
        limit: u32,
        /// The node that would have run next.
        node: String,
    },
    /// A node failed: a fatal error, or its retries were exhausted.
    #[error("node `{node}` failed after {attempts} attempt(s): {message}")]
    NodeFailed {
        /// The node.
        node: String,
        /// How many attempts were made.
        attempts: u32,
        /// The last error.
        message: String,
        /// Whether the last error was retryable (the attempts ran out) rather than fatal.
        retryable: bool,
    },
    /// A node stopped the run with a machine-readable `code` ([`NodeError::Stopped`](super::NodeError::Stopped)).
    #[error("node `{node}` stopped the run ({code}): {message}")]
    NodeStopped {
        /// The node.
        node: String,
        /// Why, for machines (`budget_exceeded`, `llm_failed`, ...).
        code: String,
        /// Why, for people.
        message: String,
    },
    /// The run was cancelled while `node` was running.
    #[error("the run was cancelled during `{node}`")]
    Cancelled {
        /// The node that was running (or about to).
        node: String,
    },

    /// Resuming needs a checkpoint store, and this graph has none.
    #[error("this graph keeps no checkpoints, so a run cannot be resumed")]
    NoCheckpoints,
    /// A run with this id already has checkpoints.
    #[error("run {0} already exists")]
    RunExists(RunId),
    /// No checkpoint of this run exists.
    #[error("run {0} has no checkpoint")]
    UnknownRun(RunId),
    /// The run already reached the end.
    #[error("run {0} has already finished")]
    RunFinished(RunId),
    /// Another process changed the run's checkpoints meanwhile (a second resume, say).
    #[error("run {run} was changed by someone else at step {step}")]
    Conflict {
        /// The run.
        run: RunId,
        /// The step that could not be written.
        step: u32,
    },

    /// The state could not be turned into JSON, or a checkpoint's JSON back into the state.
    #[error("state (de)serialisation failed: {0}")]
    State(#[from] serde_json::Error),
    /// PostgreSQL failed (or holds a checkpoint this code cannot read). Shared, as one
    /// failed batch of writes fails every write in it.
    #[error("checkpoint store: {0}")]
    Store(#[source] Arc<sqlx::Error>),
    /// The store's writer stopped (its runtime is shutting down) before making a write.
    #[error("checkpoint store: the writer stopped before the write was made")]
    WriterStopped,
}

impl From<sqlx::Error> for GraphError {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(Arc::new(error))
    }
}
