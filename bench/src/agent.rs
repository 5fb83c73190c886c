//! The agent's own cost per turn (issue 12), in this process: agent-service's real driver,
//! analysis graph, LLM analyst and model clients, configured as `LLM_PROVIDER` and
//! `LLM_BASE_URL` configure them, against a fake model server (agent-service's own, feature
//! `testing`) that answers every call at once with the provider's recorded stream. Runs are
//! recorded, checkpointed and remembered in the benchmark's agent database and Redis.
//!
//! One turn is a first question in a fresh session, timed from recording the run to the end
//! of its task (after `done`). The model's time is the wall time during which at least one
//! model call was in flight, from the client's request to its stream's end, so the loopback
//! HTTP and the parsing of the stream count as the model's; the rest is the agent's:
//! graph, checkpoints, memory, the run's record, the queries and the chart.
//!
//! What the agent's own time is made of: the same turns over the OpenAI wire with
//! checkpoints off (the difference is what checkpointing costs), and the turn's chart drawn
//! as a PNG on its own.
//!
//! The fallback rows: the same turn answered by the offline analyst alone, then by the LLM
//! analyst whose circuit breaker is open (every decision falls back to the offline analyst),
//! and the turn that met a storm of 500s and opened the breaker, with the default retry
//! settings.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use agent_service::analysis::{self, Analyst};
use agent_service::chart::ChartIntent;
use agent_service::domain::{FileId, Scope, SessionId, UserId};
use agent_service::driver::{self, Job, Start};
use agent_service::events::Event;
use agent_service::graph::Checkpoints;
use agent_service::llm::fake::{Behaviour, FakeLlm, Wire};
use agent_service::llm::{Breaker, Chunks, Model, ModelError, Request};
use agent_service::memory::Memories;
use agent_service::provider::Provider;
use agent_service::runs::Runs;
use agent_service::sql::{DatasetFormat, DatasetSpec, Datasets, Limits};
use agent_service::table::{Column, ColumnKind, Table};
use agent_service::usage::Prices;
use anyhow::Context;
use async_trait::async_trait;
use clap::Parser;
use futures::StreamExt;
use sextant_common::cache::Cache;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::latency::{self, Summary};

/// The question of every turn: the recorded streams answer it.
const QUESTION: &str = "What is the total amount by region, as a chart?";
/// Rows of the sales table the turns query.
const ROWS: u64 = 200;
/// Turns before the measured ones (the dataset opened, the pools warm).
const WARMUP: usize = 5;

/// How to run the part.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The agent database.
    pub database_url: String,
    /// Redis.
    pub redis_url: String,
    /// The prefix of every Redis key written.
    pub redis_prefix: String,
    /// Where the sales table is written.
    pub data_dir: PathBuf,
    /// Measured turns of each row.
    pub turns: usize,
}

/// The turns of one way of answering.
#[derive(Debug, Clone)]
pub struct Row {
    /// Who answered.
    pub label: String,
    /// Whole turns.
    pub turn: Summary,
    /// The model's time of each turn.
    pub model: Summary,
    /// The rest of each turn: the agent's own.
    pub overhead: Summary,
    /// Model calls per turn.
    pub calls: u32,
}

/// What the part measured.
#[derive(Debug, Clone)]
pub struct AgentResult {
    /// A turn with an instant model, one row per wire format.
    pub models: Vec<Row>,
    /// The same over the OpenAI wire with checkpoints off: what they cost.
    pub without_checkpoints: Row,
    /// The offline analyst alone.
    pub offline: Row,
    /// The LLM analyst with its breaker open: every decision from the offline analyst.
    pub breaker_open: Row,
    /// The turn whose calls met 500s until the breaker opened.
    pub opening: Duration,
    /// The retry settings of that turn: attempts per call, base backoff.
    pub retry: (u32, Duration),
    /// Drawing the turn's chart as a PNG, on its own.
    pub chart: Summary,
    /// A commit that waits for the WAL flush on this host's PostgreSQL (a turn makes one).
    pub flush: Summary,
}

impl AgentResult {
    /// What the checkpoints of a turn cost, at the median (the OpenAI wire's turns with
    /// them against those without).
    pub fn checkpoint_cost(&self) -> Option<Duration> {
        let with = self.models.iter().find(|row| row.label.starts_with("openai"))?;
        Some(with.overhead.p50.saturating_sub(self.without_checkpoints.overhead.p50))
    }

    /// What falling back to the offline analyst adds to its answer, at the median.
    pub fn fallback_cost(&self) -> Duration {
        self.breaker_open.turn.p50.saturating_sub(self.offline.turn.p50)
    }
}

/// Runs the part.
pub async fn run(settings: &Settings) -> anyhow::Result<AgentResult> {
    let world = World::open(settings).await?;
    let mut models = Vec::new();
    for wire in [Wire::Anthropic, Wire::OpenAi] {
        let (_fake, way) = instant(wire, true).await?;
        models.push(world.turns(&way, settings.turns).await?);
    }
    let (_fake, way) = instant(Wire::OpenAi, false).await?;
    let without_checkpoints = world.turns(&way, settings.turns).await?;
    let offline = world
        .turns(
            &Way::offline("offline analyst", Arc::new(agent_service::offline::Offline::new())),
            settings.turns,
        )
        .await?;

    let fake = FakeLlm::start(Wire::Anthropic).await;
    fake.always(Behaviour::Status {
        status: 500,
        retry_after: None,
    });
    let (model, retry) = remote(&fake)?;
    let fallback = Way::offline(
        "breaker open: the offline analyst answers",
        Arc::new(agent_service::analyst::Llm::new(Arc::clone(&model), Prices::default())),
    );
    let (opening, _, _) = world.turn(&world.job(&fallback)?, &fallback).await?;
    anyhow::ensure!(
        model.breaker().state().as_str() == "open",
        "a storm of 500s left the breaker {}",
        model.breaker().state().as_str()
    );
    let breaker_open = world.turns(&fallback, settings.turns).await?;
    let flush = flushed_commits(&world.pool, settings.turns).await?;
    world.forget().await?;
    Ok(AgentResult {
        models,
        without_checkpoints,
        offline,
        breaker_open,
        opening,
        retry,
        chart: chart_png(settings.turns)?,
        flush,
    })
}

/// The time of `commits` one-row commits that wait for the WAL flush (the server's
/// default), into a table made for them and dropped afterwards.
async fn flushed_commits(pool: &sqlx::PgPool, commits: usize) -> anyhow::Result<Summary> {
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_flushed_commits (at timestamptz NOT NULL)")
        .execute(pool)
        .await?;
    let mut histogram = latency::histogram();
    for _ in 0..commits.max(1) {
        let started = Instant::now();
        sqlx::query("INSERT INTO bench_flushed_commits VALUES (now())")
            .execute(pool)
            .await?;
        latency::record(&mut histogram, started.elapsed());
    }
    sqlx::query("DROP TABLE bench_flushed_commits").execute(pool).await?;
    Ok(Summary::of(&histogram))
}

/// A fake model server speaking `wire` that answers at once, and turns answered by the
/// LLM analyst over it, their model calls timed.
async fn instant(wire: Wire, checkpointed: bool) -> anyhow::Result<(FakeLlm, Way)> {
    let fake = FakeLlm::start(wire).await;
    fake.instant();
    let (model, _) = remote(&fake)?;
    let busy = Arc::new(Busy::default());
    let timed: Arc<dyn Model> = Arc::new(Timed {
        inner: model,
        busy: Arc::clone(&busy),
    });
    let mut label = format!("{wire:?} wire, instant model").to_lowercase();
    if !checkpointed {
        label.push_str(", no checkpoints");
    }
    let way = Way {
        label,
        provider: Arc::new(agent_service::analyst::Llm::new(timed, Prices::default())),
        busy,
        from_model: true,
        checkpointed,
    };
    Ok((fake, way))
}

/// How the turns of one row are answered.
struct Way {
    label: String,
    provider: Arc<dyn Provider>,
    /// Times the provider's model calls.
    busy: Arc<Busy>,
    /// Whether the answer comes from the model (its query, table and chart are checked).
    from_model: bool,
    /// Whether the runs are checkpointed, as agent-service's are.
    checkpointed: bool,
}

impl Way {
    /// Answers that need no model.
    fn offline(label: &str, provider: Arc<dyn Provider>) -> Self {
        Self {
            label: label.to_owned(),
            provider,
            busy: Arc::new(Busy::default()),
            from_model: false,
            checkpointed: true,
        }
    }
}

/// The time to draw the turn's chart (three bars) as a PNG, `renders` times.
fn chart_png(renders: usize) -> anyhow::Result<Summary> {
    let intent: ChartIntent = serde_json::from_value(serde_json::json!({
        "mark": "bar", "x": "region", "y": "total", "sort": "y_descending", "title": "Total amount by region"
    }))?;
    let table = Table {
        columns: vec![
            Column {
                name: "region".into(),
                kind: ColumnKind::Text,
            },
            Column {
                name: "total".into(),
                kind: ColumnKind::Number,
            },
        ],
        rows: [("North", 5_210.5), ("East", 4_730.25), ("West", 3_980.0)]
            .iter()
            .map(|(region, total)| vec![serde_json::json!(region), serde_json::json!(total)])
            .collect(),
        truncated: false,
    };
    let mut histogram = latency::histogram();
    for _ in 0..renders.max(1) {
        let started = Instant::now();
        agent_service::chart::png(&intent, &table)?;
        latency::record(&mut histogram, started.elapsed());
    }
    Ok(Summary::of(&histogram))
}

/// A client of `fake` built by agent-service's configuration with its defaults, and that
/// configuration's retry settings.
fn remote(fake: &FakeLlm) -> anyhow::Result<(Arc<dyn Model>, (u32, Duration))> {
    let provider = match fake.wire() {
        Wire::Anthropic => "anthropic",
        Wire::OpenAi => "openai",
    };
    let base_url = fake.base_url();
    let args = [
        "agent-service",
        "--llm-provider",
        provider,
        "--llm-base-url",
        &base_url,
        "--llm-api-key",
        "bench-key",
    ];
    let config = agent_service::Config::try_parse_from(args).context("agent-service's configuration")?;
    let retry = (config.llm_attempts, Duration::from_millis(config.llm_backoff_ms));
    let model = agent_service::model(&config)?.context("a remote model is configured")?;
    Ok((model, retry))
}

/// What every turn shares: the run records, the executor, memory, checkpoints, the table.
struct World {
    pool: sqlx::PgPool,
    runs: Runs,
    datasets: Datasets,
    memories: Memories,
    checkpoints: Checkpoints,
    dataset: DatasetSpec,
    user: UserId,
    /// The sessions the turns were asked in.
    sessions: Mutex<Vec<SessionId>>,
}

impl World {
    async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let pool = sextant_common::connect::postgres(&settings.database_url, 10)
            .await
            .context("connecting to the agent database")?;
        let mut migrator = sqlx::migrate!("../agent-service/migrations");
        migrator.set_ignore_missing(true);
        migrator.run(&pool).await.context("migrating the agent database")?;
        let redis = sextant_common::connect::redis(&settings.redis_url).context("Redis URL")?;
        let cache = Cache::new(redis, settings.redis_prefix.clone(), agent_service::memory::TTL);
        let path = settings.data_dir.join("agent-sales.csv");
        crate::dataset::sales(&path, ROWS).with_context(|| format!("writing {}", path.display()))?;
        Ok(Self {
            runs: Runs::new(pool.clone(), Duration::from_secs(5)),
            datasets: Datasets::new(4),
            memories: Memories::new(pool.clone(), cache.clone()),
            checkpoints: Checkpoints::new(pool.clone(), cache),
            dataset: DatasetSpec {
                file_id: Uuid::new_v4(),
                path,
                format: DatasetFormat::Csv { delimiter: b',' },
                date_columns: Vec::new(),
            },
            user: UserId(Uuid::new_v4()),
            sessions: Mutex::default(),
            pool,
        })
    }

    /// `turns` measured turns answered `way` (after a warm-up), each checked.
    async fn turns(&self, way: &Way, turns: usize) -> anyhow::Result<Row> {
        crate::say(&format!("agent: {turns} turns, {}", way.label));
        let job = self.job(way)?;
        for _ in 0..WARMUP {
            self.turn(&job, way).await?;
        }
        let (mut whole, mut model, mut overhead) = (latency::histogram(), latency::histogram(), latency::histogram());
        let mut calls = 0;
        for _ in 0..turns {
            let (took, in_model, made) = self.turn(&job, way).await?;
            latency::record(&mut whole, took);
            latency::record(&mut model, in_model);
            latency::record(&mut overhead, took.saturating_sub(in_model));
            calls = made;
        }
        let row = Row {
            label: way.label.clone(),
            turn: Summary::of(&whole),
            model: Summary::of(&model),
            overhead: Summary::of(&overhead),
            calls,
        };
        crate::say(&format!(
            "  turn p50 {} ms, model p50 {} ms, the agent's own p50 {} ms, p99 {} ms",
            latency::millis(row.turn.p50),
            latency::millis(row.model.p50),
            latency::millis(row.overhead.p50),
            latency::millis(row.overhead.p99),
        ));
        Ok(row)
    }

    /// A run of the analysis graph answered `way`, built once as agent-service builds it.
    fn job(&self, way: &Way) -> anyhow::Result<Job> {
        let identity = way.provider.identity();
        let analyst = Arc::new(Analyst {
            provider: Arc::clone(&way.provider),
            datasets: self.datasets.clone(),
            limits: Limits::default(),
            memories: self.memories.clone(),
        });
        let checkpoints = way.checkpointed.then(|| self.checkpoints.clone());
        let graph = analysis::graph(analyst, checkpoints, analysis::MAX_STEPS)?;
        Ok(Job {
            graph: Arc::new(graph),
            datasets: self.datasets.clone(),
            limits: Limits::default(),
            identity,
            scope: self.scope(),
            dataset: self.dataset.clone(),
            budget_usd: None,
            sample_rows: false,
        })
    }

    /// A fresh session of the benchmark's user.
    fn scope(&self) -> Scope {
        Scope {
            user: self.user,
            session: SessionId(Uuid::new_v4()),
            file: FileId("agent-sales.csv".into()),
        }
    }

    /// One turn of `job` in a fresh session: its time, the model's part of it, the model
    /// calls.
    async fn turn(&self, job: &Job, way: &Way) -> anyhow::Result<(Duration, Duration, u32)> {
        let scope = self.scope();
        let job = Job {
            scope: scope.clone(),
            ..job.clone()
        };
        way.busy.take();
        let started = Instant::now();
        let live = self.runs.start(scope, &self.dataset, QUESTION).await?;
        driver::spawn(self.runs.clone(), Arc::clone(&live), job, Start::Fresh(QUESTION.into())).await?;
        let took = started.elapsed();
        let (in_model, calls) = way.busy.take();
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(live.scope.session);
        let events: Vec<Event> = live.follow(0).map(|numbered| numbered.event).collect().await;
        check(&events, way.from_model)?;
        Ok((took, in_model, calls))
    }

    /// Leaves the database and Redis as they were: the benchmark's sessions are no one's
    /// conversation. Each is forgotten as agent-service forgets a deleted session.
    async fn forget(self) -> anyhow::Result<()> {
        let sessions = std::mem::take(&mut *self.sessions.lock().unwrap_or_else(PoisonError::into_inner));
        for session in sessions {
            let runs = self.runs.forget_session(self.user, session).await?;
            self.checkpoints.delete_runs(&runs).await?;
            self.memories.forget_session(self.user, session).await?;
        }
        self.pool.close().await;
        Ok(())
    }
}

/// A turn counts when it answered in full: `done`, no `error`, and (from a model) its
/// query, the table and the chart.
fn check(events: &[Event], from_model: bool) -> anyhow::Result<()> {
    let has = |wanted: fn(&Event) -> bool| events.iter().any(wanted);
    if let Some(error) = events.iter().find(|event| matches!(event, Event::Error { .. })) {
        anyhow::bail!("the turn ended in an error: {error:?}");
    }
    anyhow::ensure!(has(|event| matches!(event, Event::Done { .. })), "the turn has no done");
    anyhow::ensure!(
        has(|event| matches!(event, Event::Text { .. })),
        "the turn has no answer"
    );
    if from_model {
        anyhow::ensure!(
            has(|event| matches!(event, Event::Code { .. }))
                && has(|event| matches!(event, Event::Table(_)))
                && has(|event| matches!(event, Event::Chart { .. })),
            "the model's turn lacks its query, table or chart: {events:?}"
        );
    }
    Ok(())
}

/// The wall time during which at least one model call was in flight, and the calls.
#[derive(Debug, Default)]
struct Busy {
    state: Mutex<BusyState>,
}

#[derive(Debug, Default)]
struct BusyState {
    in_flight: u32,
    since: Option<Instant>,
    total: Duration,
    calls: u32,
}

impl Busy {
    fn begin(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.in_flight == 0 {
            state.since = Some(Instant::now());
        }
        state.in_flight += 1;
        state.calls += 1;
    }

    fn end(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.in_flight == 0
            && let Some(since) = state.since.take()
        {
            state.total += since.elapsed();
        }
    }

    /// The time and calls so far; starts counting again.
    fn take(&self) -> (Duration, u32) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let taken = (state.total, state.calls);
        state.total = Duration::ZERO;
        state.calls = 0;
        taken
    }
}

/// Ends a call's time when its stream is dropped (read to its end, or abandoned).
struct InFlight(Arc<Busy>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// A model that times the calls of the one it wraps.
struct Timed {
    inner: Arc<dyn Model>,
    busy: Arc<Busy>,
}

#[async_trait]
impl Model for Timed {
    fn provider(&self) -> &'static str {
        self.inner.provider()
    }

    fn model(&self) -> &str {
        self.inner.model()
    }

    fn breaker(&self) -> &Breaker {
        self.inner.breaker()
    }

    async fn stream(&self, request: &Request, cancel: &CancellationToken) -> Result<Chunks, ModelError> {
        self.busy.begin();
        let in_flight = InFlight(Arc::clone(&self.busy));
        let chunks = self.inner.stream(request, cancel).await?;
        Ok(chunks
            .map(move |chunk| {
                let _timing = &in_flight;
                chunk
            })
            .boxed())
    }
}
