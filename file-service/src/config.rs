//! The configuration of file-service, from flags or the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything file-service needs to start.
#[derive(Debug, Clone, clap::Parser)]
#[command(version, about = "The Sextant file service")]
pub struct Config {
    /// Address the gRPC server listens on (port 0 picks a free port).
    #[arg(long, env = "FILE_LISTEN_ADDR", default_value = "127.0.0.1:8002")]
    pub listen_addr: SocketAddr,
    /// PostgreSQL database owned by this service; migrated at start.
    #[arg(
        long,
        env = "FILE_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/sextant_file"
    )]
    pub database_url: String,
    /// Size of the database connection pool, in connections; default 10.
    #[arg(long, env = "FILE_DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,
    /// Redis, the cache of the active file of each session.
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// Prefix of every Redis key this service writes; default empty.
    #[arg(long, env = "FILE_REDIS_PREFIX", default_value = "")]
    pub redis_prefix: String,
    /// auth-service, where the token verification keys come from.
    #[arg(long, env = "AUTH_URL", default_value = "http://127.0.0.1:8000")]
    pub auth_url: String,
    /// session-service, which says which session is active.
    #[arg(long, env = "SESSION_URL", default_value = "http://127.0.0.1:8001")]
    pub session_url: String,
    /// Deadline of each call to auth-service and session-service, in milliseconds;
    /// default 3000.
    #[arg(long, env = "FILE_BACKEND_TIMEOUT_MS", default_value_t = 3_000)]
    pub backend_timeout_ms: u64,
    /// The `iss` claim tokens must carry; default `sextant-auth`.
    #[arg(long, env = "JWT_ISSUER", default_value = "sextant-auth")]
    pub jwt_issuer: String,
    /// The `aud` claim tokens must carry; default `sextant`.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "sextant")]
    pub jwt_audience: String,
    /// Directory the uploaded files are stored under (created if missing), one
    /// sub-directory per user; default `data/files`.
    #[arg(long, env = "FILE_STORAGE_DIR", default_value = "data/files")]
    pub storage_dir: PathBuf,
    /// Largest upload accepted, in bytes; default 2 GiB.
    #[arg(long, env = "FILE_MAX_UPLOAD_BYTES", default_value_t = 2 * 1024 * 1024 * 1024)]
    pub max_upload_bytes: u64,
}
