//! The configuration of file-service, from flags or the environment.

use std::net::SocketAddr;

/// Everything file-service needs to start.
#[derive(Debug, Clone, clap::Parser)]
#[command(version, about = "The Sextant file service")]
pub struct Config {
    /// Address the gRPC server listens on (port 0 picks a free port).
    #[arg(long, env = "FILE_LISTEN_ADDR", default_value = "127.0.0.1:8002")]
    pub listen_addr: SocketAddr,
    /// PostgreSQL database owned by this service.
    #[arg(
        long,
        env = "FILE_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/sextant_file"
    )]
    pub database_url: String,
    /// Size of the database connection pool.
    #[arg(long, env = "FILE_DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,
    /// Redis, the cache in front of PostgreSQL.
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
}
