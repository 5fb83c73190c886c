//! The configuration of agent-service, from flags or the environment.

use std::net::SocketAddr;

/// Everything agent-service needs to start.
#[derive(Debug, Clone, clap::Parser)]
#[command(version, about = "The Sextant agent service")]
pub struct Config {
    /// Address the gRPC server listens on (port 0 picks a free port).
    #[arg(long, env = "AGENT_LISTEN_ADDR", default_value = "127.0.0.1:8005")]
    pub listen_addr: SocketAddr,
    /// Address of the HTTP listener serving Prometheus metrics at `GET /metrics` (model
    /// calls, retries, the circuit breaker, tokens, cost, runs); none by default.
    #[arg(long, env = "AGENT_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
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
    /// Queries run at once at most (a query waits for its turn within its own deadline);
    /// default 2.
    #[arg(long, env = "AGENT_MAX_CONCURRENT_QUERIES", default_value_t = crate::sql::MAX_CONCURRENT_QUERIES)]
    pub max_concurrent_queries: usize,
    /// Datasets whose query plans stay cached; default 16.
    #[arg(long, env = "AGENT_DATASET_CACHE", default_value_t = 16)]
    pub dataset_cache: usize,
    /// Nodes one run may execute at most, in its main graph and in each subtask's branch
    /// (the step budget); default 64.
    #[arg(long, env = "AGENT_MAX_STEPS", default_value_t = crate::analysis::MAX_STEPS)]
    pub max_steps: u32,
    /// How long a run whose client went away waits for it to reconnect before it is
    /// cancelled, in milliseconds; default 5000.
    #[arg(long, env = "AGENT_DISCONNECT_GRACE_MS", default_value_t = 5_000)]
    pub disconnect_grace_ms: u64,
    /// Who answers: `offline`, the built-in analyst (no key, no network); `anthropic`
    /// (the Messages API); `openai` (any OpenAI-compatible chat completions server:
    /// OpenAI, Ollama, vLLM, llama.cpp).
    #[arg(long, env = "LLM_PROVIDER", value_enum, default_value_t = LlmProvider::Offline)]
    pub llm_provider: LlmProvider,
    /// The provider's address; default `https://api.anthropic.com` for `anthropic`,
    /// `https://api.openai.com/v1` for `openai` (Ollama: `http://127.0.0.1:11434/v1`).
    #[arg(long, env = "LLM_BASE_URL")]
    pub llm_base_url: Option<String>,
    /// The model; default `claude-sonnet-4-5` for `anthropic`, `gpt-4.1-mini` for `openai`.
    #[arg(long, env = "LLM_MODEL")]
    pub llm_model: Option<String>,
    /// The provider's API key (never logged); may be empty for a local server.
    #[arg(long, env = "LLM_API_KEY", default_value = "", hide_env_values = true)]
    pub llm_api_key: ApiKey,
    /// Time to connect to the provider, in milliseconds; default 10000.
    #[arg(long, env = "LLM_CONNECT_TIMEOUT_MS", default_value_t = 10_000)]
    pub llm_connect_timeout_ms: u64,
    /// Time the provider may stay silent (before its first byte, and between two events of
    /// a stream), in milliseconds; default 60000.
    #[arg(long, env = "LLM_READ_TIMEOUT_MS", default_value_t = 60_000)]
    pub llm_read_timeout_ms: u64,
    /// Attempts of a model call before its first token (408, 429, 5xx, connection
    /// errors), the first included; default 3.
    #[arg(long, env = "LLM_ATTEMPTS", default_value_t = 3)]
    pub llm_attempts: u32,
    /// The wait before the second attempt, doubled for each further one (with jitter), in
    /// milliseconds; default 500. A `Retry-After` of the provider is honoured instead.
    #[arg(long, env = "LLM_BACKOFF_MS", default_value_t = 500)]
    pub llm_backoff_ms: u64,
    /// Failed attempts in a row that open the provider's circuit breaker (answers then
    /// come from the offline analyst); default 5.
    #[arg(long, env = "LLM_BREAKER_FAILURES", default_value_t = 5)]
    pub llm_breaker_failures: u32,
    /// How long an open breaker waits before it lets a trial call through, in
    /// milliseconds; default 30000.
    #[arg(long, env = "LLM_BREAKER_COOLDOWN_MS", default_value_t = 30_000)]
    pub llm_breaker_cooldown_ms: u64,
    /// The model's price per million prompt tokens, in US dollars; default 0.
    #[arg(long, env = "LLM_PRICE_INPUT_PER_MTOK", default_value_t = 0.0)]
    pub llm_price_input_per_mtok: f64,
    /// The model's price per million completion tokens, in US dollars; default 0.
    #[arg(long, env = "LLM_PRICE_OUTPUT_PER_MTOK", default_value_t = 0.0)]
    pub llm_price_output_per_mtok: f64,
    /// Most a run may spend on the model, in US dollars; default none.
    #[arg(long, env = "LLM_RUN_BUDGET_USD")]
    pub llm_run_budget_usd: Option<f64>,
    /// Most one user's runs may spend on the model per day (UTC), in US dollars; default
    /// none.
    #[arg(long, env = "LLM_USER_DAILY_BUDGET_USD")]
    pub llm_user_daily_budget_usd: Option<f64>,
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
    /// Anthropic's Messages API.
    Anthropic,
    /// An OpenAI-compatible chat completions server.
    #[value(name = "openai")]
    OpenAi,
}

/// A secret: kept whole, never shown by `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// The key, for the one header that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "ApiKey(none)"
        } else {
            "ApiKey(***)"
        })
    }
}

impl std::str::FromStr for ApiKey {
    type Err = std::convert::Infallible;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        Ok(Self(key.trim().to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_key_never_reaches_a_debug_line() {
        let key: ApiKey = "sk-ant-secret".parse().expect("key");
        assert_eq!(format!("{key:?}"), "ApiKey(***)");
        assert_eq!(key.expose(), "sk-ant-secret");
        let config = <Config as clap::Parser>::try_parse_from(["agent-service", "--llm-api-key", "sk-ant-secret"])
            .expect("config");
        assert!(!format!("{config:?}").contains("secret"));
    }
}
