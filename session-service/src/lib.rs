//! session-service will own named analysis sessions and the active-session cache (DESIGN.md; TODO(#3)).
//!
//! What runs today is its foundation: configuration, its PostgreSQL database and Redis
//! connections, and `grpc.health.v1` reporting whether both answer, which the gateway's
//! `/readyz` reads. Its RPCs are not served yet; the gateway answers 501 for its routes.

mod config;
mod startup;

pub use config::Config;
pub use startup::Application;
