//! Running one node under its [`Policy`](super::Policy): each attempt raced against the
//! run's cancellation and the attempt's timeout, with a child token per attempt (cancelled
//! when the attempt ends, so work the node spawned stops with it), and backoff between
//! attempts that failed with a retryable error.

use std::future::Future;
use std::time::Duration;

use tracing::Instrument;

use super::node::{Event, NodeContext, NodeError, emit};
use super::run::Step;

/// Why a node gave no state.
pub(super) enum Failure {
    /// The run's token fired.
    Cancelled,
    /// A fatal error, or the last of the attempts failed (`retryable`: with a retryable
    /// error).
    Failed {
        attempts: u32,
        message: String,
        retryable: bool,
    },
    /// The node stopped the run with a code.
    Stopped { code: String, message: String },
}

/// Runs `step` on `state`; `ctx` carries the run's token, which every attempt gets a child of.
pub(super) async fn execute<S: Clone, E>(step: &Step<S, E>, state: &S, ctx: NodeContext<E>) -> Result<S, Failure> {
    let policy = step.policy;
    let cancel = ctx.cancel.clone();
    let mut attempt = 1;
    loop {
        let token = cancel.child_token();
        let stop_leftovers = token.clone().drop_guard();
        let this_attempt = NodeContext {
            attempt,
            cancel: token,
            ..ctx.clone()
        };
        let span = tracing::info_span!("node", node = %step.name, attempt);
        let running = within(policy.timeout, step.node.run(state.clone(), this_attempt)).instrument(span);
        let result = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(Failure::Cancelled),
            result = running => result,
        };
        drop(stop_leftovers);
        let message = match result {
            Ok(state) => return Ok(state),
            Err(NodeError::Fatal(message)) => {
                return Err(Failure::Failed {
                    attempts: attempt,
                    message,
                    retryable: false,
                });
            }
            Err(NodeError::Stopped { code, message }) => return Err(Failure::Stopped { code, message }),
            Err(NodeError::Retryable(message)) => message,
        };
        if attempt >= policy.attempts.max(1) {
            return Err(Failure::Failed {
                attempts: attempt,
                message,
                retryable: true,
            });
        }
        tracing::warn!(node = %step.name, attempt, error = %message, "node attempt failed; retrying");
        let node = step.name.to_string();
        let retrying = Event::NodeRetrying {
            node,
            attempt,
            error: message,
            branch: ctx.branch,
        };
        emit(&ctx.events, &cancel, retrying).await;
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(Failure::Cancelled),
            () = tokio::time::sleep(policy.delay_after(attempt)) => {}
        }
        attempt += 1;
    }
}

/// `attempt`, failed with a retryable error if it outlives `timeout`.
async fn within<S>(
    timeout: Option<Duration>,
    attempt: impl Future<Output = Result<S, NodeError>>,
) -> Result<S, NodeError> {
    match timeout {
        None => attempt.await,
        Some(limit) => tokio::time::timeout(limit, attempt)
            .await
            .unwrap_or_else(|_| Err(NodeError::retryable(format!("timed out after {limit:?}")))),
    }
}
