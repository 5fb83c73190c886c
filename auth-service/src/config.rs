//! The configuration of auth-service, from flags or the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything auth-service needs to start.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address the gRPC server listens on (port 0 picks a free port).
    #[arg(long, env = "AUTH_LISTEN_ADDR", default_value = "127.0.0.1:8000")]
    pub listen_addr: SocketAddr,
    /// PostgreSQL database owned by this service; migrated at start.
    #[arg(
        long,
        env = "AUTH_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/sextant_auth"
    )]
    pub database_url: String,
    /// Size of the database connection pool.
    #[arg(long, env = "AUTH_DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,
    /// Ed25519 private keys (PKCS#8 PEM files), comma-separated: the first signs new
    /// tokens, all of them are published for verification (key rotation).
    #[arg(long, env = "JWT_KEY_FILES", value_delimiter = ',', required = true)]
    pub jwt_key_files: Vec<PathBuf>,
    /// The `iss` claim of issued tokens.
    #[arg(long, env = "JWT_ISSUER", default_value = "sextant-auth")]
    pub jwt_issuer: String,
    /// The `aud` claim of issued tokens.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "sextant")]
    pub jwt_audience: String,
    /// Lifetime of an access token, in seconds.
    #[arg(long, env = "JWT_TTL_SECS", default_value_t = 3600)]
    pub token_ttl_secs: u64,
    /// Password hashes computed at once (each takes about 19 MiB and one core for tens of
    /// milliseconds); default: the number of cores.
    #[arg(long, env = "AUTH_MAX_CONCURRENT_HASHES")]
    pub max_concurrent_hashes: Option<usize>,
}
