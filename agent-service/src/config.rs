//! The configuration of agent-service, from flags or the environment.

use std::net::SocketAddr;

/// Everything agent-service needs to start.
#[derive(Debug, Clone, clap::Parser)]
#[command(version, about = "The Sextant agent service")]
pub struct Config {
    /// Address the gRPC server listens on (port 0 picks a free port).
    #[arg(long, env = "AGENT_LISTEN_ADDR", default_value = "127.0.0.1:8005")]
    pub listen_addr: SocketAddr,
    /// PostgreSQL database owned by this service; migrated at start.
    #[arg(
        long,
        env = "AGENT_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/sextant_agent"
    )]
    pub database_url: String,
    /// Size of the database connection pool; default 10.
    #[arg(long, env = "AGENT_DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,
    /// Redis, the cache of memories and checkpoints.
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// Prefix of every Redis key this service writes; default empty.
    #[arg(long, env = "AGENT_REDIS_PREFIX", default_value = "")]
    pub redis_prefix: String,
    /// auth-service, where the token verification keys come from.
    #[arg(long, env = "AUTH_URL", default_value = "http://127.0.0.1:8000")]
    pub auth_url: String,
    /// session-service, which says which session is active.
    #[arg(long, env = "SESSION_URL", default_value = "http://127.0.0.1:8001")]
    pub session_url: String,
    /// file-service, which says which dataset is active and where it is stored.
    #[arg(long, env = "FILE_URL", default_value = "http://127.0.0.1:8002")]
    pub file_url: String,
    /// Deadline of each call to auth-, session- and file-service, in milliseconds;
    /// default 3000.
    #[arg(long, env = "AGENT_BACKEND_TIMEOUT_MS", default_value_t = 3_000)]
    pub backend_timeout_ms: u64,
    /// The `iss` claim tokens must carry; default `sextant-auth`.
    #[arg(long, env = "JWT_ISSUER", default_value = "sextant-auth")]
    pub jwt_issuer: String,
    /// The `aud` claim tokens must carry; default `sextant`.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "sextant")]
    pub jwt_audience: String,
    /// Rows a query returns at most (more are cut and marked truncated); default 1000.
    #[arg(long, env = "AGENT_QUERY_MAX_ROWS", default_value_t = 1_000)]
    pub query_max_rows: usize,
    /// Deadline of each query, in milliseconds; default 30000.
    #[arg(long, env = "AGENT_QUERY_TIMEOUT_MS", default_value_t = 30_000)]
    pub query_timeout_ms: u64,
    /// Datasets whose query plans stay cached; default 16.
    #[arg(long, env = "AGENT_DATASET_CACHE", default_value_t = 16)]
    pub dataset_cache: usize,
    /// Nodes one run may execute at most (the step budget); default 64.
    #[arg(long, env = "AGENT_MAX_STEPS", default_value_t = crate::analysis::MAX_STEPS)]
    pub max_steps: u32,
    /// How long a run whose client went away waits for it to reconnect before it is
    /// cancelled, in milliseconds; default 5000.
    #[arg(long, env = "AGENT_DISCONNECT_GRACE_MS", default_value_t = 5_000)]
    pub disconnect_grace_ms: u64,
    /// Who answers: `offline`, the built-in analyst (no key, no network).
    #[arg(long, env = "LLM_PROVIDER", value_enum, default_value_t = LlmProvider::Offline)]
    pub llm_provider: LlmProvider,
    /// The offline analyst's pause after each word of its prose, in milliseconds, so that
    /// its answers stream as a model's do; default 0 (each reply at once).
    #[arg(long, env = "OFFLINE_WORD_PAUSE_MS", default_value_t = 0)]
    pub offline_word_pause_ms: u64,
    /// Finished runs and their checkpoints are deleted after this many hours (memory is
    /// kept); default 168 (a week).
    #[arg(long, env = "AGENT_RUN_RETENTION_HOURS", default_value_t = 168)]
    pub run_retention_hours: u64,
}

/// The analysts agent-service can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LlmProvider {
    /// The built-in offline analyst.
    Offline,
}
