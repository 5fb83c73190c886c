//! The configuration of session-service, from flags or the environment.

use std::net::SocketAddr;

/// Everything session-service needs to start.
#[derive(Debug, Clone, clap::Parser)]
#[command(version, about = "The Sextant session service")]
pub struct Config {
    /// Address the gRPC server listens on (port 0 picks a free port).
    #[arg(long, env = "SESSION_LISTEN_ADDR", default_value = "127.0.0.1:8001")]
    pub listen_addr: SocketAddr,
    /// PostgreSQL database owned by this service; migrated at start.
    #[arg(
        long,
        env = "SESSION_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/sextant_session"
    )]
    pub database_url: String,
    /// Size of the database connection pool.
    #[arg(long, env = "SESSION_DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,
    /// Redis, the cache of the active session.
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// Prefix of every Redis key this service writes (empty by default).
    #[arg(long, env = "SESSION_REDIS_PREFIX", default_value = "")]
    pub redis_prefix: String,
    /// auth-service, for the keys that verify access tokens.
    #[arg(long, env = "AUTH_URL", default_value = "http://127.0.0.1:8000")]
    pub auth_url: String,
    /// file-service, told to forget a session's active file when the session is deleted.
    #[arg(long, env = "FILE_URL", default_value = "http://127.0.0.1:8002")]
    pub file_url: String,
    /// agent-service, told to forget a session's runs and memory when the session is deleted.
    #[arg(long, env = "AGENT_URL", default_value = "http://127.0.0.1:8005")]
    pub agent_url: String,
    /// The `iss` every access token must carry.
    #[arg(long, env = "JWT_ISSUER", default_value = "sextant-auth")]
    pub jwt_issuer: String,
    /// The `aud` every access token must carry.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "sextant")]
    pub jwt_audience: String,
    /// Deadline of calls to other services, in milliseconds.
    #[arg(long, env = "SESSION_CALL_TIMEOUT_MS", default_value_t = 5_000)]
    pub call_timeout_ms: u64,
}
