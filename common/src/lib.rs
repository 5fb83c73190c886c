//! What two or more Sextant crates really share, and nothing else: the runtime, telemetry
//! set-up, the shutdown signal, access-token verification, gRPC metadata conventions, connections to
//! PostgreSQL and Redis with short timeouts, dependency health for `grpc.health.v1`, the Prometheus recorder, and
//! (behind the `testing` feature) fresh test databases and a controllable TCP proxy.
//!
//! Domain models, database queries and error enums stay in the crates that own them.

pub mod auth;
pub mod cache;
pub mod connect;
pub mod grpc;
pub mod health;
pub mod metadata;
pub mod metrics;
pub mod runtime;
pub mod service;
pub mod shutdown;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod timestamp;

/// Every Sextant process allocates through mimalloc: the request path of the gateway and the
/// services is allocation-heavy (headers, protobuf, JSON), and glibc's malloc took a fifth of
/// the gateway's CPU under load (BENCHMARKS.md); Polars recommends it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
