//! A provider other crates' tests script (feature `testing`): the end-to-end tests of the
//! gateway run the real graph, executor, charts, memory and runs with it, through the real
//! provider interface. Never used by the binary.
//!
//! It answers "total by region" over a table with `region` and `amount` columns as a bar
//! chart (its first query is wrong, so every answer has a debugging round). A question that
//! mentions "impossible" adds a subtask whose queries always fail (an `error` event after
//! the last attempt); one that mentions "slow" gets a query that keeps Polars busy for
//! seconds on a table of a thousand rows; one that mentions "passwd" keeps trying to read
//! `/etc/passwd` through a table function.
//! [`Stage::holding`] makes `plan` wait until the run is cancelled.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;

use crate::chart::ChartIntent;
use crate::provider::{Ask, Failure, Mode, Provider, ProviderError, Review, Route, TaskKind};
use crate::table::Table;

/// The wrong query every answer starts with.
pub const WRONG_QUERY: &str = "SELECT nope FROM data";
/// The query that answers "total by region".
pub const TOTAL_BY_REGION: &str = "SELECT region, SUM(amount) AS total FROM data GROUP BY region ORDER BY total DESC";
/// A query the executor must refuse before Polars sees it.
pub const FORBIDDEN_QUERY: &str = "SELECT * FROM read_csv('/etc/passwd')";

/// Thirty different cross joins of the table with itself (a million rows each on a
/// thousand-row table, computed one after another), within the executor's limit of 64
/// SELECTs: seconds of work, in bounded memory.
pub fn slow_query() -> String {
    (0..30)
        .map(|shift| {
            format!(
                "SELECT count(*) AS total FROM data AS a CROSS JOIN (SELECT amount + {shift} AS m FROM data) AS b \
                 WHERE (a.amount * b.m) % 7 = 3"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

/// Where the services an agent-service under test talks to are.
pub struct Peers<'a> {
    /// Its own (fresh) database.
    pub database_url: String,
    /// Redis.
    pub redis_url: String,
    /// The prefix of the test's Redis keys.
    pub redis_prefix: &'a str,
    /// auth-service's address.
    pub auth: std::net::SocketAddr,
    /// session-service's address.
    pub session: std::net::SocketAddr,
    /// file-service's address.
    pub file: std::net::SocketAddr,
}

/// A configuration for tests: port 0, short deadlines, a one-second disconnect grace.
pub fn config(peers: Peers<'_>) -> crate::Config {
    crate::Config {
        listen_addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        metrics_addr: Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
        database_url: peers.database_url,
        database_max_connections: 5,
        redis_url: peers.redis_url,
        redis_prefix: peers.redis_prefix.to_owned(),
        auth_url: format!("http://{}", peers.auth),
        session_url: format!("http://{}", peers.session),
        file_url: format!("http://{}", peers.file),
        backend_timeout_ms: 3_000,
        jwt_issuer: "sextant-auth".into(),
        jwt_audience: "sextant".into(),
        query_max_rows: 1_000,
        query_timeout_ms: 30_000,
        max_concurrent_queries: crate::sql::MAX_CONCURRENT_QUERIES,
        dataset_cache: 4,
        max_steps: crate::analysis::MAX_STEPS,
        disconnect_grace_ms: 1_000,
        llm_provider: crate::LlmProvider::Offline,
        llm_base_url: None,
        llm_model: None,
        llm_api_key: crate::config::ApiKey::default(),
        llm_connect_timeout_ms: 2_000,
        llm_read_timeout_ms: 5_000,
        llm_attempts: 3,
        llm_backoff_ms: 10,
        llm_breaker_failures: 5,
        llm_breaker_cooldown_ms: 30_000,
        llm_price_input_per_mtok: 0.0,
        llm_price_output_per_mtok: 0.0,
        llm_run_budget_usd: None,
        llm_user_daily_budget_usd: None,
        offline_word_pause_ms: 0,
        run_retention_hours: 168,
    }
}

/// The LLM analyst that a configuration pointing `LLM_PROVIDER` and `LLM_BASE_URL` at
/// `fake` builds: the real configuration path, clients and analyst, with the test
/// configuration's short timeouts and a price of $3 and $15 per million tokens.
pub fn llm(fake: &crate::llm::fake::FakeLlm) -> crate::analyst::Llm {
    let unused = std::net::SocketAddr::from(([127, 0, 0, 1], 9));
    let mut config = config(Peers {
        database_url: String::new(),
        redis_url: String::new(),
        redis_prefix: "",
        auth: unused,
        session: unused,
        file: unused,
    });
    config.llm_provider = match fake.wire() {
        crate::llm::fake::Wire::Anthropic => crate::LlmProvider::Anthropic,
        crate::llm::fake::Wire::OpenAi => crate::LlmProvider::OpenAi,
    };
    config.llm_base_url = Some(fake.base_url());
    config.llm_api_key = "test-key".parse().unwrap_or_default();
    let model = crate::startup::model(&config)
        .ok()
        .flatten()
        .expect("a remote model is configured");
    let prices = crate::usage::Prices {
        input_per_million: 3.0,
        output_per_million: 15.0,
    };
    crate::analyst::Llm::new(model, prices)
}

/// What the tests can see of a [`Stage`] while it runs.
#[derive(Debug, Default)]
pub struct Observed {
    calls: Mutex<Vec<String>>,
    cancelled_calls: AtomicUsize,
}

impl Observed {
    /// The provider methods called so far, in order.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Provider calls that stopped because their run was cancelled.
    pub fn cancelled_calls(&self) -> usize {
        self.cancelled_calls.load(Ordering::SeqCst)
    }

    fn call(&self, method: &str) {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(method.to_owned());
    }
}

/// Counts a held call as stopped when it ends, however it ends.
struct Stopped<'a>(&'a Observed);

impl Drop for Stopped<'_> {
    fn drop(&mut self) {
        self.0.cancelled_calls.fetch_add(1, Ordering::SeqCst);
    }
}

/// The scripted provider.
#[derive(Debug, Default)]
pub struct Stage {
    hold_plan: bool,
    observed: Arc<Observed>,
}

impl Stage {
    /// A provider that answers at once.
    pub fn new() -> Self {
        Self::default()
    }

    /// A provider whose `plan` waits until the run is cancelled (or the process dies).
    pub fn holding() -> Self {
        Self {
            hold_plan: true,
            ..Self::default()
        }
    }

    /// What the tests can see of it.
    pub fn observed(&self) -> Arc<Observed> {
        Arc::clone(&self.observed)
    }
}

#[async_trait]
impl Provider for Stage {
    async fn classify_mode(&self, _: &Ask<'_>) -> Result<Mode, ProviderError> {
        self.observed.call("classify_mode");
        Ok(Mode::Technical)
    }

    async fn route(&self, ask: &Ask<'_>) -> Result<Route, ProviderError> {
        self.observed.call("route");
        Ok(if ask.question.starts_with("what did you find") {
            Route::Advisory
        } else {
            Route::Exploratory
        })
    }

    async fn advise(&self, ask: &Ask<'_>) -> Result<(), ProviderError> {
        self.observed.call("advise");
        ask.say(format!("We talked about {} question(s).", ask.history.len()))
            .await;
        Ok(())
    }

    async fn decompose(&self, ask: &Ask<'_>) -> Result<Vec<String>, ProviderError> {
        self.observed.call("decompose");
        let mut tasks = vec!["total by region".to_owned()];
        if ask.question.contains("impossible") {
            tasks.push("the impossible".into());
        }
        Ok(tasks)
    }

    async fn classify_task(&self, _: &Ask<'_>, task: &str) -> Result<TaskKind, ProviderError> {
        self.observed.call("classify_task");
        Ok(if task.starts_with("total") {
            TaskKind::Visualization
        } else {
            TaskKind::Analysis
        })
    }

    async fn plan(&self, ask: &Ask<'_>, _: &str) -> Result<String, ProviderError> {
        self.observed.call("plan");
        if self.hold_plan {
            // The engine drops a cancelled node's future (as it would drop an HTTP call to a
            // model); the guard counts the call as stopped either way.
            let _stopped = Stopped(&self.observed);
            ask.ctx.cancellation().cancelled().await;
            return Err(ProviderError::Model(crate::llm::ModelError::Cancelled));
        }
        Ok("sum the amounts per region".into())
    }

    async fn write_query(
        &self,
        ask: &Ask<'_>,
        task: &str,
        _: &str,
        failure: Option<&Failure>,
    ) -> Result<String, ProviderError> {
        self.observed.call("write_query");
        Ok(match (task, failure) {
            _ if ask.question.contains("passwd") => FORBIDDEN_QUERY.to_owned(),
            ("total by region", None) => WRONG_QUERY.to_owned(),
            ("total by region", Some(_)) if ask.question.contains("slow") => slow_query(),
            ("total by region", Some(_)) => TOTAL_BY_REGION.to_owned(),
            _ => WRONG_QUERY.to_owned(),
        })
    }

    async fn review(&self, _: &Ask<'_>, _: &str, _: &str, table: &Table) -> Result<Review, ProviderError> {
        self.observed.call("review");
        Ok(Review {
            answers: table.column("total").is_some(),
            reason: "there is no total column".into(),
        })
    }

    async fn report(&self, ask: &Ask<'_>, _: &str, _: &str, table: &Table) -> Result<(), ProviderError> {
        self.observed.call("report");
        let first = table.rows.first().cloned().unwrap_or_default();
        let cell = |i: usize| match first.get(i) {
            Some(serde_json::Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        ask.say(format!("{} has the largest total, ", cell(0))).await;
        ask.say(format!("{}.", cell(1))).await;
        Ok(())
    }

    async fn chart(&self, _: &Ask<'_>, _: &str, _: &Table) -> Result<ChartIntent, ProviderError> {
        self.observed.call("chart");
        serde_json::from_value(serde_json::json!({
            "mark": "bar", "x": "region", "y": "total", "title": "Total by region"
        }))
        .map_err(|error| ProviderError::Failed(error.to_string()))
    }

    async fn direct(&self, ask: &Ask<'_>, _: &str) -> Result<(), ProviderError> {
        self.observed.call("direct");
        ask.say("This table lists sales.").await;
        Ok(())
    }
}
