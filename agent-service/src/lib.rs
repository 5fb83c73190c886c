//! agent-service owns the analyst: the agent graph, guarded Polars SQL, charts, chat memory
//! and the LLM providers (DESIGN.md sections 6 and 7). It does not own users, sessions or
//! files: the caller's identity comes from the bearer token in the metadata, the active
//! session from session-service, the dataset (its location and format) from file-service.
//!
//! Modules:
//! - `graph`: a small LangGraph-style engine (typed state, nodes, static and conditional
//!   edges, step budget, timeouts, retries, cancellation, events, a checkpoint after every
//!   node, resume, interrupts);
//! - `sql`: the guarded SQL executor (one SELECT over `data`, checked with sqlparser before
//!   Polars sees it; a fresh context, a row cap, a deadline, cancellation);
//! - `chart`: Vega-Lite v6 specs and PNG renderings from a typed chart intent;
//! - `table`: the result table all of them share.
//!
//! TODO(#4): the analysis graph, memory, runs and the gRPC service are being built.

pub mod chart;
mod config;
pub mod domain;
mod error;
pub mod events;
pub mod graph;
pub mod memory;
pub mod runs;
pub mod sql;
mod startup;
pub mod table;
pub mod upstream;

pub use config::Config;
pub use error::Error;
pub use startup::Application;
