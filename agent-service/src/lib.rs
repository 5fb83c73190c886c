//! agent-service owns the analyst: the agent graph, guarded Polars SQL, charts, chat memory
//! and the LLM providers (DESIGN.md sections 6 and 7). It does not own users, sessions or
//! files: the caller's identity comes from the bearer token in the metadata, the active
//! session from session-service, the dataset (its location and format) from file-service.
//!
//! Modules:
//! - `graph`: a small LangGraph-style engine (typed state, nodes, static and conditional
//!   edges, step budget, timeouts, retries, cancellation, events, a checkpoint after every
//!   node, resume);
//! - `sql`: the guarded SQL executor (one SELECT over `data`, checked with sqlparser before
//!   Polars sees it; a fresh context, a row cap, a deadline, cancellation);
//! - `chart`: Vega-Lite v6 specs and PNG renderings from a typed chart intent;
//! - `table`: the result table all of them share; `values`: what a dataset's columns hold
//!   (their distinct values when few), read before a run for the analyst;
//! - `provider`: the analyst's judgement behind one trait (offline analyst, LLMs, tests);
//! - `offline`: the built-in offline analyst, the default provider (no key, no network);
//! - `llm`: remote models behind one trait (Anthropic Messages, OpenAI-compatible chat
//!   completions), with retries before the first token, timeouts and a circuit breaker;
//! - `analyst`: the LLM analyst, the provider over a model (prompts, tools, repair,
//!   accounting, the offline fallback);
//! - `analysis`: the graph of DESIGN.md section 6 on the engine, with the provider, the SQL
//!   executor and the charts;
//! - `memory` (per user, session and file: PostgreSQL + Redis), `runs` (one per session,
//!   live events, cancellation), `events` (what the stream says), `upstream` (the active
//!   session and dataset).
//!
//! - `driver`: runs one question to its end in its own task (status events, the outcome in
//!   `runs`, `usage`, `done` last);
//! - `chat`: asking, resuming runs a restart interrupted, forgetting a deleted session,
//!   pruning old runs; `grpc`: the service, which authenticates and resolves the caller's
//!   active session and dataset first.

/// A `FROM` item that makes its statement's transaction commit without waiting for the WAL
/// flush (`synchronous_commit = off` until that transaction ends): no extra round trip, no
/// other statement touched. Such a commit is visible at once and durable once a later commit
/// on the server waits for the flush (the WAL is flushed in order), or a fraction of a
/// second later; a crash of the PostgreSQL server (not of this process) in between loses it.
/// Every write of a turn but the last (the record of how the run ended) is committed so, so
/// a turn waits for one flush.
macro_rules! async_commit {
    () => {
        "(SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
    };
}

pub mod analysis;
pub mod analyst;
pub mod chart;
pub mod chat;
pub mod config;
pub mod domain;
pub mod driver;
mod error;
pub mod events;
pub mod graph;
mod grpc;
pub mod llm;
pub mod memory;
pub mod metrics;
pub mod offline;
pub mod provider;
pub mod runs;
pub mod sql;
mod startup;
pub mod table;
#[cfg(feature = "testing")]
pub mod testing;
pub mod upstream;
pub mod usage;
pub mod values;

pub use config::{Config, LlmProvider};
pub use error::Error;
pub use startup::{Application, model, provider};
