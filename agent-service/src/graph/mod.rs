//! A small LangGraph-style engine: the machinery the analysis graph (DESIGN.md section 6) is
//! built on. It owns the shape of a run (which node runs next, how often, for how long), its
//! persistence (checkpoints) and its control (cancellation, events); it knows nothing
//! about LLMs, SQL or charts, which live in the nodes.
//!
//! # Model
//!
//! - A graph runs over one typed state `S` (serde, so that it can be checkpointed as JSON).
//! - A [`Node`] takes the state and a [`NodeContext`] and returns the new state, or a
//!   [`NodeError`]: retryable, fatal, or a coded stop.
//! - Every node has exactly one outgoing edge: static (to a node or [`END`]) or conditional
//!   (a router function of the state returns a label, mapped to a node or [`END`]).
//! - Fan-out and fan-in are a node too: [`GraphBuilder::parallel`] runs a branch graph once
//!   per item its split function makes of the state, concurrently, and merges the branches'
//!   final states back in order (see `parallel`); branches have loops and edges of their own.
//! - [`GraphBuilder::build`] checks the shape once (unknown, duplicate, unreachable nodes,
//!   nodes without an edge, routes to unknown nodes, ...), so a run only meets the errors
//!   of its nodes, its budget, and a router returning an unmapped label.
//! - A run executes at most [`GraphBuilder::max_steps`] nodes; every node runs under its
//!   [`Policy`] (a timeout per attempt, retries with exponential backoff for retryable
//!   errors; a timed-out attempt is a retryable failure).
//! - A [`CancellationToken`](tokio_util::sync::CancellationToken) stops a run: the engine
//!   races the running node against it and drops the node's future, and the node gets a
//!   child token in its context to hand to queries and HTTP calls (cancelled too when an
//!   attempt times out).
//! - Events go to a `tokio::sync::mpsc::Sender<Event<E>>`: node started, finished,
//!   retrying (with the branch index inside a parallel node), and the node's own events of
//!   type `E`.
//! - A node may stop the run with a machine-readable code ([`NodeError::stopped`], reported
//!   as [`GraphError::NodeStopped`]) for its caller to pass on.
//!
//! # Persistence and guarantees
//!
//! With [`Checkpoints`] configured (PostgreSQL the truth, Redis the hot copy of each run's
//! latest checkpoint), a run writes:
//! - step 0 before its first node: the initial state and the entry node;
//! - step `n` after its `n`-th node finished: the state it returned and the next node (none,
//!   with status `done`, when the run reached [`END`]);
//! - a status change of the latest step when the run fails (`failed`, with the error), is
//!   cancelled (`cancelled`), or is resumed (`running`).
//!
//! Step 0 and the last step are written before the run goes on (or returns), the last
//! after every earlier one; the steps between are queued for the store's writer and the
//! run goes on at once, so they cost a run only their serialisation (the state is turned
//! into JSON text once, for both copies). The writer batches what was queued meanwhile,
//! by any run, into one statement and one Redis pipeline. A write that failed fails its
//! run at the next step waited for.
//!
//! Every checkpoint write is committed asynchronously (`synchronous_commit = off` for its
//! statement): it is visible at once, and durable once a later commit on the same server
//! waits for the WAL flush (PostgreSQL flushes its WAL in order), or at the latest a fraction
//! of a second later. What a crash can lose:
//! - this process dying: the steps still queued for its writer (the last few ms of the
//!   runs' progress);
//! - the PostgreSQL server dying (or the machine): also the steps committed in the last
//!   fraction of a second, unless a waiting commit came after them.
//!
//! Either way a run resumes from the latest step that was kept, and the nodes after it run
//! again. agent-service records how each run ended with a commit that waits, after the
//! run's last step: once a run is recorded as ended its checkpoints are durable too, and a
//! run not yet recorded as ended is resumed after a restart.
//!
//! A parallel node's branches keep no checkpoints: the checkpoint after the node holds the
//! merged state, and on resume a parallel node that had not finished runs all its branches
//! again, the ones that had finished too (at least once, like any node).
//!
//! [`Graph::resume`] continues from the latest checkpoint: the state after the last finished
//! node kept, at the next node. The node that was running when a process died (or when the
//! run was cancelled) runs again, and so do finished nodes whose checkpoint a crash lost:
//! nodes are executed **at least once**, so a node with side effects outside the state must
//! make them idempotent. A node whose checkpoint was kept never runs again.
//!
//! Steps are inserted, never overwritten, a run's steps only in order, and status changes
//! are compare-and-set: two processes advancing one run meet a [`GraphError::Conflict`]
//! instead of mixing states (once a step of a run was refused, a process writes no later
//! step of it).
//! Retention ([`Checkpoints::keep_last`], [`Checkpoints::delete_finished_before`],
//! [`Checkpoints::delete_runs`]) is run by the caller.

mod attempt;
mod builder;
mod checkpoint;
mod error;
mod node;
mod parallel;
mod run;
mod writer;

#[cfg(test)]
mod tests;

pub use builder::GraphBuilder;
pub use checkpoint::{Checkpoint, Checkpoints, Status};
pub use error::GraphError;
pub use node::{Event, Node, NodeContext, NodeError, Policy};
pub use run::Graph;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The target that ends a run, for [`GraphBuilder::edge`] and conditional routes; not a
/// valid node name.
pub const END: &str = "__end__";

/// The id of one run of a graph, chosen by the caller (a chat run id, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub Uuid);

impl RunId {
    /// A new time-ordered run id.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for RunId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
