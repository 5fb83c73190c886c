//! Building and running agent-service: bind first (so port 0 works), connect, migrate,
//! resume the runs a previous process left unfinished, then serve until the shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sextant_common::auth::Verifier;
use sextant_common::cache::Cache;
use sextant_common::health::Facet;
use sextant_common::service::Foundation;
use sextant_proto::agent::v1::agent_service_server::AgentServiceServer;
use tonic::service::Routes;

use crate::Config;
use crate::analyst::Llm;
use crate::chat::{Budgets, Chat, RunLimits};
use crate::config::LlmProvider;
use crate::graph::Checkpoints;
use crate::grpc::AgentService;
use crate::llm::{Anthropic, Breaker, Model, OpenAi, RetryPolicy, Transport};
use crate::memory::{self, Memories};
use crate::provider::Provider;
use crate::runs::Runs;
use crate::sql::{Datasets, Limits};
use crate::upstream::Upstream;
use crate::usage::Prices;

/// How often old runs and checkpoints are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// Largest gRPC message sent (a table of 1,000 wide rows, a chart's PNG).
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// The analyst `config` asks for.
pub fn provider(config: &Config) -> anyhow::Result<Arc<dyn Provider>> {
    let offline = || crate::offline::Offline::paced(Duration::from_millis(config.offline_word_pause_ms));
    let Some(model) = model(config)? else {
        return Ok(Arc::new(offline()));
    };
    tracing::info!(
        provider = model.provider(),
        model = model.model(),
        "answering with a remote model"
    );
    let prices = Prices {
        input_per_million: config.llm_price_input_per_mtok,
        output_per_million: config.llm_price_output_per_mtok,
    };
    Ok(Arc::new(Llm::new(model, prices)))
}

/// The remote model `config` names, if any.
pub fn model(config: &Config) -> anyhow::Result<Option<Arc<dyn Model>>> {
    let transport = || {
        let retry = RetryPolicy {
            attempts: config.llm_attempts,
            base: Duration::from_millis(config.llm_backoff_ms),
            ..RetryPolicy::default()
        };
        let breaker = Breaker::new(
            config.llm_breaker_failures,
            Duration::from_millis(config.llm_breaker_cooldown_ms),
        );
        Transport::new(
            Duration::from_millis(config.llm_connect_timeout_ms),
            Duration::from_millis(config.llm_read_timeout_ms),
            retry,
            breaker,
        )
        .context("building the LLM HTTP client")
    };
    let base = |default: &'static str| config.llm_base_url.as_deref().unwrap_or(default);
    let name = |default: &'static str| config.llm_model.as_deref().unwrap_or(default);
    let key = config.llm_api_key.clone();
    Ok(match config.llm_provider {
        LlmProvider::Offline => None,
        LlmProvider::Anthropic => Some(Arc::new(Anthropic::new(
            transport()?,
            base("https://api.anthropic.com"),
            name("claude-sonnet-4-5"),
            key,
        ))),
        LlmProvider::OpenAi => Some(Arc::new(OpenAi::new(
            transport()?,
            base("https://api.openai.com/v1"),
            name("gpt-4.1-mini"),
            key,
        ))),
    })
}

/// A bound, connected, migrated agent-service, ready to serve.
pub struct Application {
    foundation: Foundation,
    metrics: Option<tokio::net::TcpListener>,
    service: AgentService,
    chat: Chat,
    retention: Duration,
    provider: Arc<dyn Provider>,
}

impl Application {
    /// Binds the listener, connects to PostgreSQL (which must answer) and Redis (which may
    /// be away), migrates, and resumes interrupted runs; `provider` answers the questions.
    pub async fn build(config: Config, provider: Arc<dyn Provider>) -> anyhow::Result<Self> {
        let foundation = Foundation::start(
            config.listen_addr,
            &config.database_url,
            config.database_max_connections,
            Some(&config.redis_url),
        )
        .await?;
        let metrics = match config.metrics_addr {
            Some(addr) => Some(
                tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("AGENT_METRICS_ADDR {addr}"))?,
            ),
            None => None,
        };
        let pool = foundation.pool.clone();
        sqlx::migrate!()
            .run(&pool)
            .await
            .context("migrating the agent database")?;
        let timeout = Duration::from_millis(config.backend_timeout_ms);
        let verifier = Verifier::remote(&config.jwt_issuer, &config.jwt_audience, &config.auth_url, timeout)
            .context("AUTH_URL")?;
        let upstream =
            Upstream::new(&config.session_url, &config.file_url, timeout).context("SESSION_URL or FILE_URL")?;
        let redis = foundation.redis.clone().context("agent-service needs Redis")?;
        let cache = Cache::new(redis, config.redis_prefix.clone(), memory::TTL);
        let chat = Chat::new(
            Runs::new(pool.clone(), Duration::from_millis(config.disconnect_grace_ms)),
            Memories::new(pool.clone(), cache.clone()),
            Checkpoints::new(pool, cache),
            Datasets::new(config.dataset_cache).with_max_concurrent_queries(config.max_concurrent_queries),
            Arc::clone(&provider),
            RunLimits {
                query: Limits {
                    max_rows: config.query_max_rows,
                    timeout: Duration::from_millis(config.query_timeout_ms),
                },
                max_steps: config.max_steps,
                budgets: Budgets {
                    run_usd: config.llm_run_budget_usd,
                    user_daily_usd: config.llm_user_daily_budget_usd,
                },
            },
        )
        .context("building the analysis graph")?;
        let resumed = chat.resume_interrupted().await.context("resuming interrupted runs")?;
        if resumed > 0 {
            tracing::info!(resumed, "resumed runs a previous process left unfinished");
        }
        Ok(Self {
            foundation,
            metrics,
            service: AgentService::new(verifier, upstream, chat.clone()),
            chat,
            retention: Duration::from_secs(config.run_retention_hours.saturating_mul(3600)),
            provider,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.foundation.local_addr()
    }

    /// The address `GET /metrics` is served on, if any.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|listener| listener.local_addr().ok())
    }

    /// Serves until `shutdown` resolves. Runs still going then stay `running` in the
    /// database, and the next start resumes them.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let pruning = self.chat.prune_periodically(PRUNE_EVERY, self.retention);
        let provider = self.provider;
        let metrics = self
            .metrics
            .map(|listener| crate::metrics::serve(listener, Arc::clone(&provider)));
        let server = AgentServiceServer::new(self.service)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        let llm = Facet {
            service: sextant_common::health::LLM_SERVICE,
            serving: Arc::new(move || provider.available()),
        };
        let served = self
            .foundation
            .serve_with(Routes::new(server), vec![llm], shutdown)
            .await
            .context("serving gRPC");
        pruning.abort();
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        served
    }
}
