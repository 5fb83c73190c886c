//! Connections to PostgreSQL and Redis with short timeouts, so an outage becomes a quick
//! `Unavailable` instead of a 30-second hang (DESIGN.md section 10).

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sqlx::postgres::{PgPool, PgPoolOptions};

/// How long a query waits for a pooled connection before the call fails.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a Redis command may take, and a Redis connection attempt.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(500);

/// Opens a pool on `url` and checks that the database answers.
pub async fn postgres(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect(url)
        .await
}

/// A Redis connection that connects on first use and reconnects by itself after an
/// outage; every command fails within [`REDIS_TIMEOUT`] while Redis is away.
pub fn redis(url: &str) -> redis::RedisResult<ConnectionManager> {
    let client = redis::Client::open(url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(REDIS_TIMEOUT))
        .set_response_timeout(Some(REDIS_TIMEOUT))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(200));
    ConnectionManager::new_lazy_with_config(client, config)
}

/// Whether `error` means the database could not be reached (an outage: answer
/// `Unavailable`) rather than a problem with the query or the data.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    matches!(
        error,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
    )
}
