//! file-service owns datasets: the uploaded bytes (behind [`storage::Storage`]), their
//! Polars profiles (the `files` table, profiles as JSON) and the active file of each
//! session (the `active_files` table, cached in Redis). It does not own users (it only
//! verifies their tokens with keys from auth-service) nor sessions (it asks
//! session-service which one is active, and session-service calls `ForgetSession` when
//! it deletes one).
//!
//! A request flows `grpc` (authenticate the bearer token, decode) → `domain` (parse
//! names and limits) → `store` (one query each, scoped by the user) and, for active
//! files, `active` (PostgreSQL through the Redis cache) → back to `grpc`, with every
//! failure an [`Error`] that becomes one `tonic::Status`. An upload (`grpc::upload`)
//! streams its chunks to a staging file (`storage`), is sniffed and profiled by
//! `profile` on the blocking pool, and is committed only when everything succeeded.

mod active;
mod config;
mod domain;
mod error;
mod grpc;
pub mod profile;
mod session;
mod startup;
mod storage;
mod store;

pub use config::Config;
pub use error::Error;
pub use startup::Application;
