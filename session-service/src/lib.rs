//! session-service owns named analysis sessions and which one is active, and nothing
//! else. A user has any number of sessions with unique titles and at most one active
//! session (enforced by the database).
//!
//! A request flows `grpc` (authenticate the bearer token, decode) → `domain` (parse the
//! title) → `store` (one transaction per change, serialised per user) → `cache` (the
//! active session in Redis, written through on every change, read with a sliding TTL;
//! PostgreSQL answers whenever Redis cannot) → back to `grpc`, every failure an
//! [`Error`] that becomes one `tonic::Status`.
//!
//! Deleting a session cascades by asking the services that hang data off it to forget it
//! first (`FileService.ForgetSession`, then `AgentService.ForgetSession` for its runs,
//! checkpoints and memory), then deleting the row. The forget calls are idempotent, so a
//! failure leaves the session in place (503) and a retry completes the deletion; no
//! service ever reads another's tables.

mod active;
mod config;
mod domain;
mod error;
mod grpc;
mod startup;
mod store;

pub use config::Config;
pub use error::Error;
pub use startup::Application;
