//! What two or more Sextant crates really share, and nothing else: telemetry set-up, the
//! shutdown signal, access-token verification, gRPC metadata conventions, connections to
//! PostgreSQL and Redis with short timeouts, dependency health for `grpc.health.v1`, and
//! (behind the `testing` feature) fresh test databases and a controllable TCP proxy.
//!
//! Domain models, database queries and error enums stay in the crates that own them.

pub mod auth;
pub mod cache;
pub mod connect;
pub mod grpc;
pub mod health;
pub mod metadata;
pub mod service;
pub mod shutdown;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod timestamp;
