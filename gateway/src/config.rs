//! The configuration of the gateway, from flags or the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything the gateway needs to start.
#[derive(Debug, Clone, clap::Parser)]
#[command(version, about = "The Sextant HTTP gateway")]
pub struct Config {
    /// Address the HTTP server listens on (port 0 picks a free port).
    #[arg(long, env = "GATEWAY_LISTEN_ADDR", default_value = "127.0.0.1:8003")]
    pub listen_addr: SocketAddr,
    /// auth-service's gRPC URL.
    #[arg(long, env = "AUTH_URL", default_value = "http://127.0.0.1:8000")]
    pub auth_url: String,
    /// session-service's gRPC URL.
    #[arg(long, env = "SESSION_URL", default_value = "http://127.0.0.1:8001")]
    pub session_url: String,
    /// file-service's gRPC URL.
    #[arg(long, env = "FILE_URL", default_value = "http://127.0.0.1:8002")]
    pub file_url: String,
    /// agent-service's gRPC URL.
    #[arg(long, env = "AGENT_URL", default_value = "http://127.0.0.1:8005")]
    pub agent_url: String,
    /// The `iss` every access token must carry.
    #[arg(long, env = "JWT_ISSUER", default_value = "sextant-auth")]
    pub jwt_issuer: String,
    /// The `aud` every access token must carry.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "sextant")]
    pub jwt_audience: String,
    /// Browser origins allowed by CORS, comma-separated.
    #[arg(
        long,
        env = "CORS_ORIGINS",
        value_delimiter = ',',
        default_value = "http://localhost:3000,http://127.0.0.1:3000"
    )]
    pub cors_origins: Vec<String>,
    /// Deadline of every backend call, in milliseconds; past it the client gets 504.
    #[arg(long, env = "BACKEND_TIMEOUT_MS", default_value_t = 10_000)]
    pub backend_timeout_ms: u64,
    /// Deadline of each backend health check made by `/readyz`, in milliseconds.
    #[arg(long, env = "READY_TIMEOUT_MS", default_value_t = 1_000)]
    pub ready_timeout_ms: u64,
    /// Largest request body accepted on JSON and form routes, in bytes.
    #[arg(long, env = "BODY_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    pub body_limit_bytes: usize,
    /// Largest file accepted by `POST /files`, in bytes (2 GiB by default); file-service
    /// has its own limit too.
    #[arg(long, env = "UPLOAD_LIMIT_BYTES", default_value_t = 2 * 1024 * 1024 * 1024)]
    pub upload_limit_bytes: u64,
    /// Deadline of a whole upload, transfer and profiling included, in seconds.
    #[arg(long, env = "UPLOAD_TIMEOUT_SECS", default_value_t = 1_800)]
    pub upload_timeout_secs: u64,
    /// The browser app's static export (`frontend/out` after `npm run build`), served at
    /// `/`; unset, the gateway serves only the API.
    #[arg(long, env = "FRONTEND_DIR")]
    pub frontend_dir: Option<PathBuf>,
}
