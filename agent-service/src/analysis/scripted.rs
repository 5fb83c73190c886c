//! Test support: a provider the tests script, and a world to run it in. The provider
//! answers "total by region" as a bar chart (its first query wrong, and `bad_queries` more
//! after it), and "what this table is" in a sentence.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use sextant_common::cache::Cache;
use sextant_common::testing::{TestDb, redis_url};
use uuid::Uuid;

use super::{Analysis, Analyst};
use crate::domain::{FileId, Scope, SessionId, UserId};
use crate::driver::Job;
use crate::events::Event;
use crate::graph::{Checkpoints, Graph};
use crate::memory::Memories;
use crate::runs::Runs;
use crate::sql::{DatasetFormat, DatasetSpec, Datasets, Limits};

use crate::chart::ChartIntent;
use crate::provider::{Ask, Failure, Mode, Provider, ProviderError, Review, Route, TaskKind};
use crate::table::Table;

/// Answers "total by region" as a bar chart; its first query is wrong, and `bad_queries`
/// more after it too.
pub struct Scripted {
    route: Route,
    bad_queries: u32,
    written: Mutex<Vec<Option<Failure>>>,
}

impl Scripted {
    pub fn new(route: Route, bad_queries: u32) -> Self {
        Self {
            route,
            bad_queries,
            written: Mutex::default(),
        }
    }
}

#[async_trait]
impl Provider for Scripted {
    async fn classify_mode(&self, _: &Ask<'_>) -> Result<Mode, ProviderError> {
        Ok(Mode::Quick)
    }
    async fn route(&self, _: &Ask<'_>) -> Result<Route, ProviderError> {
        Ok(self.route)
    }
    async fn advise(&self, ask: &Ask<'_>) -> Result<(), ProviderError> {
        ask.say(format!("As I said, {} turn(s) ago.", ask.history.len())).await;
        Ok(())
    }
    async fn decompose(&self, _: &Ask<'_>) -> Result<Vec<String>, ProviderError> {
        Ok(vec!["total by region".into(), "what this table is".into()])
    }
    async fn classify_task(&self, _: &Ask<'_>, task: &str) -> Result<TaskKind, ProviderError> {
        Ok(if task.starts_with("total") {
            TaskKind::Visualization
        } else {
            TaskKind::Direct
        })
    }
    async fn plan(&self, _: &Ask<'_>, _: &str) -> Result<String, ProviderError> {
        Ok("sum amount by region".into())
    }
    async fn write_query(
        &self,
        _: &Ask<'_>,
        _: &str,
        _: &str,
        failure: Option<&Failure>,
    ) -> Result<String, ProviderError> {
        let mut written = self.written.lock().expect("lock");
        written.push(failure.cloned());
        Ok(if written.len() as u32 <= 1 + self.bad_queries {
            "SELECT nope FROM data".into()
        } else {
            "SELECT region, SUM(amount) AS total FROM data GROUP BY region ORDER BY region".into()
        })
    }
    async fn review(&self, _: &Ask<'_>, _: &str, _: &str, table: &Table) -> Result<Review, ProviderError> {
        Ok(Review {
            answers: table.column("total").is_some(),
            reason: "no total".into(),
        })
    }
    async fn report(&self, ask: &Ask<'_>, _: &str, _: &str, table: &Table) -> Result<(), ProviderError> {
        ask.say(format!("{} has the largest total.", table.rows[0][0])).await;
        Ok(())
    }
    async fn chart(&self, _: &Ask<'_>, _: &str, _: &Table) -> Result<ChartIntent, ProviderError> {
        Ok(serde_json::from_value(
            serde_json::json!({"mark": "bar", "x": "region", "y": "total", "title": "Total by region"}),
        )
        .map_err(|error| ProviderError::Failed(error.to_string()))?)
    }
    async fn direct(&self, ask: &Ask<'_>, _: &str) -> Result<(), ProviderError> {
        ask.say("It lists sales.").await;
        Ok(())
    }
}

/// What a test run is made of: the parts every run shares and one run's inputs.
#[derive(Clone)]
pub struct Deps {
    /// The analyst's judgement.
    pub provider: Arc<dyn Provider>,
    /// The dataset cache and query executor.
    pub datasets: Datasets,
    /// The dataset of the run.
    pub dataset: DatasetSpec,
    /// Row cap and deadline of each query.
    pub limits: Limits,
    /// Where the turn is remembered.
    pub memories: Memories,
    /// Whose conversation.
    pub scope: Scope,
    /// Where runs are checkpointed (none: not resumable).
    pub checkpoints: Option<Checkpoints>,
    /// The step budget.
    pub max_steps: u32,
    /// What a run may spend on a model.
    pub budget_usd: Option<f64>,
    /// Whether a run reads a few rows for a remote model.
    pub sample_rows: bool,
}

impl Deps {
    /// The shared parts, as the graph's nodes see them.
    pub fn analyst(&self) -> Arc<Analyst> {
        Arc::new(Analyst {
            provider: Arc::clone(&self.provider),
            datasets: self.datasets.clone(),
            limits: self.limits,
            memories: self.memories.clone(),
        })
    }

    /// The analysis graph over these parts.
    pub fn graph(&self) -> Graph<Analysis, Event> {
        super::graph(self.analyst(), self.checkpoints.clone(), self.max_steps).expect("a valid graph")
    }

    /// A run of the graph over the dataset, in the scope.
    pub fn job(&self) -> Job {
        Job {
            graph: Arc::new(self.graph()),
            datasets: self.datasets.clone(),
            limits: self.limits,
            identity: self.provider.identity(),
            scope: self.scope.clone(),
            dataset: self.dataset.clone(),
            budget_usd: self.budget_usd,
            sample_rows: self.sample_rows,
        }
    }
}

/// Everything a run needs, over a fresh database and a small sales CSV.
pub struct World {
    _db: TestDb,
    _dir: tempfile::TempDir,
    /// The fresh database.
    pub pool: sqlx::PgPool,
    /// The runs table of the fresh database.
    pub runs: Runs,
    /// The run's dependencies, with the given provider.
    pub deps: Deps,
}

/// A fresh world whose analyst is `provider`, over a small sales CSV.
pub async fn world(provider: Scripted) -> World {
    world_with(
        Arc::new(provider),
        "sales.csv",
        "region,amount\nEast,10\nWest,5\nEast,20\nNorth,1\n",
    )
    .await
}

/// A fresh world whose analyst is `provider`, over a CSV file `name` holding `csv`; runs are
/// checkpointed.
pub async fn world_with(provider: Arc<dyn Provider>, name: &str, csv: &str) -> World {
    let db = TestDb::create().await;
    let pool = sextant_common::connect::postgres(&db.url, 2).await.expect("postgres");
    sqlx::migrate!().run(&pool).await.expect("migrations");
    let redis = sextant_common::connect::redis(&redis_url()).expect("redis");
    let prefix = format!("test-{}:", Uuid::new_v4().simple());
    let cache = Cache::new(redis, prefix, Duration::from_secs(60));
    let memories = Memories::new(pool.clone(), cache.clone());
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join(name);
    std::fs::write(&path, csv).expect("csv");
    let deps = Deps {
        provider,
        datasets: Datasets::new(4),
        dataset: DatasetSpec {
            file_id: Uuid::new_v4(),
            path,
            format: DatasetFormat::Csv { delimiter: b',' },
            date_columns: Vec::new(),
        },
        limits: Limits::default(),
        memories,
        scope: Scope {
            user: UserId(Uuid::new_v4()),
            session: SessionId(Uuid::new_v4()),
            file: FileId(name.into()),
        },
        checkpoints: Some(Checkpoints::new(pool.clone(), cache)),
        max_steps: super::MAX_STEPS,
        budget_usd: None,
        sample_rows: false,
    };
    World {
        _db: db,
        _dir: dir,
        runs: Runs::new(pool.clone(), Duration::from_secs(5)),
        pool,
        deps,
    }
}
