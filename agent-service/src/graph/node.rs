//! What a node is and what it sees: the [`Node`] trait, the [`NodeContext`] a node runs
//! with (its run, its cancellation token, the event channel), the errors a node returns,
//! the per-node [`Policy`] and the [`Event`]s a run emits.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::RunId;

/// One step of a graph: takes the state, returns the new state.
#[async_trait]
pub trait Node<S, E>: Send + Sync {
    /// Runs the node once (it may be run again: see the module's guarantees). The future
    /// may be dropped at any await point (cancellation, timeout).
    async fn run(&self, state: S, ctx: NodeContext<E>) -> Result<S, NodeError>;
}

/// A node made of an async closure (see [`GraphBuilder::node_fn`](super::GraphBuilder::node_fn)).
pub(super) struct FnNode<F>(pub(super) F);

#[async_trait]
impl<S, E, F, Fut> Node<S, E> for FnNode<F>
where
    S: Send + 'static,
    E: Send + 'static,
    F: Fn(S, NodeContext<E>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<S, NodeError>> + Send,
{
    async fn run(&self, state: S, ctx: NodeContext<E>) -> Result<S, NodeError> {
        (self.0)(state, ctx).await
    }
}

/// Why a node returned no state.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NodeError {
    /// A transient failure (a timeout, an unavailable dependency): the node's policy may
    /// run it again.
    #[error("{0}")]
    Retryable(String),
    /// A failure another attempt would repeat: the run fails at once.
    #[error("{0}")]
    Fatal(String),
    /// Like [`Fatal`](Self::Fatal) (never retried), with a machine-readable code that
    /// tells the run's caller why it stopped: the run fails with
    /// [`GraphError::NodeStopped`](super::GraphError::NodeStopped).
    #[error("{message}")]
    Stopped {
        /// Why, for machines (`budget_exceeded`, `llm_failed`, ...).
        code: String,
        /// Why, for people.
        message: String,
    },
}

impl NodeError {
    /// A retryable error with `message`.
    pub fn retryable(message: impl std::fmt::Display) -> Self {
        Self::Retryable(message.to_string())
    }

    /// A fatal error with `message`.
    pub fn fatal(message: impl std::fmt::Display) -> Self {
        Self::Fatal(message.to_string())
    }

    /// An error that stops the run (never retried) with a machine-readable `code` and
    /// `message`.
    pub fn stopped(code: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Self::Stopped {
            code: code.into(),
            message: message.to_string(),
        }
    }
}

/// What a running node knows about its run, and its ways to talk back.
pub struct NodeContext<E> {
    pub(super) run_id: RunId,
    pub(super) node: Arc<str>,
    pub(super) step: u32,
    pub(super) attempt: u32,
    pub(super) cancel: CancellationToken,
    pub(super) events: mpsc::Sender<Event<E>>,
    /// The branch of a parallel node this node runs in (`None` outside one), which marks
    /// the engine's events.
    pub(super) branch: Option<u32>,
}

impl<E> Clone for NodeContext<E> {
    fn clone(&self) -> Self {
        Self {
            run_id: self.run_id,
            node: Arc::clone(&self.node),
            step: self.step,
            attempt: self.attempt,
            cancel: self.cancel.clone(),
            events: self.events.clone(),
            branch: self.branch,
        }
    }
}

impl<E> NodeContext<E> {
    /// The run.
    pub fn run_id(&self) -> RunId {
        self.run_id
    }

    /// This node's name.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// How many nodes the run finished before this one.
    pub fn step(&self) -> u32 {
        self.step
    }

    /// Which attempt this is, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Cancelled when the run is cancelled or this attempt times out: hand it to queries,
    /// HTTP calls and spawned tasks so that they stop with the node.
    pub fn cancellation(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Sends the node's own event. Waits while the channel is full; an event nobody
    /// receives any more (the receiver is gone) is dropped, and the run goes on.
    pub async fn emit(&self, event: E) {
        if self.events.send(Event::Custom(event)).await.is_err() {
            tracing::debug!(node = %self.node, "event dropped: nobody is listening");
        }
    }
}

/// How a node is run: a time limit per attempt, and retries of retryable errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// How long one attempt may run; `None` for no limit. A timed-out attempt is a
    /// retryable failure. Default: none.
    pub timeout: Option<Duration>,
    /// Attempts in all, counting the first (0 counts as 1). Default: 1.
    pub attempts: u32,
    /// The wait before the second attempt; doubled before each further one. Default: 100 ms.
    pub backoff: Duration,
    /// The longest wait between attempts. Default: 5 s.
    pub max_backoff: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            timeout: None,
            attempts: 1,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl Policy {
    /// The wait after failed attempt number `attempt` (from 1).
    pub(super) fn delay_after(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.backoff.saturating_mul(1 << doublings).min(self.max_backoff)
    }
}

/// What a run reports while it runs, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Event<E> {
    /// A node starts (its first attempt).
    NodeStarted {
        /// The node.
        node: String,
        /// How many nodes the run finished before it.
        step: u32,
        /// The branch of a parallel node it runs in, from 0 (`None` outside one).
        #[serde(skip_serializing_if = "Option::is_none")]
        branch: Option<u32>,
    },
    /// A node returned its new state.
    NodeFinished {
        /// The node.
        node: String,
        /// How many nodes the run finished before it.
        step: u32,
        /// The branch of a parallel node it runs in, from 0 (`None` outside one).
        #[serde(skip_serializing_if = "Option::is_none")]
        branch: Option<u32>,
    },
    /// An attempt failed with a retryable error; another follows after the backoff.
    NodeRetrying {
        /// The node.
        node: String,
        /// The attempt that failed, from 1.
        attempt: u32,
        /// Its error.
        error: String,
        /// The branch of a parallel node it runs in, from 0 (`None` outside one).
        #[serde(skip_serializing_if = "Option::is_none")]
        branch: Option<u32>,
    },
    /// An event a node emitted.
    Custom(E),
}

/// Sends `event` unless `cancel` fires first; a closed channel (nobody listening any
/// more) drops it.
pub(super) async fn emit<E>(events: &mpsc::Sender<Event<E>>, cancel: &CancellationToken, event: Event<E>) {
    tokio::select! {
        biased;
        () = cancel.cancelled() => {}
        sent = events.send(event) => {
            if sent.is_err() {
                tracing::debug!("event dropped: nobody is listening");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let policy = Policy {
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            ..Policy::default()
        };
        let delays: Vec<_> = (1..=4).map(|attempt| policy.delay_after(attempt).as_millis()).collect();
        assert_eq!(delays, [100, 200, 350, 350]);
    }

    #[test]
    fn events_serialise_as_type_and_data() {
        let event: Event<&str> = Event::NodeStarted {
            node: "plan".into(),
            step: 2,
            branch: None,
        };
        assert_eq!(
            serde_json::to_value(&event).expect("json"),
            serde_json::json!({"type": "node_started", "data": {"node": "plan", "step": 2}})
        );
        let in_branch: Event<&str> = Event::NodeFinished {
            node: "plan".into(),
            step: 0,
            branch: Some(1),
        };
        assert_eq!(
            serde_json::to_value(&in_branch).expect("json"),
            serde_json::json!({"type": "node_finished", "data": {"node": "plan", "step": 0, "branch": 1}})
        );
        assert_eq!(
            serde_json::to_value(Event::Custom("hi")).expect("json"),
            serde_json::json!({"type": "custom", "data": "hi"})
        );
    }
}
