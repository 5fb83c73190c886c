//! The checkpoint store: table `checkpoints` in PostgreSQL (the truth, one row per step of
//! a run, the state as jsonb) and the latest checkpoint of each run in Redis (the hot
//! copy, key `checkpoint:<run id>` under the cache's prefix). One function per query.
//!
//! Every write goes to PostgreSQL first, then to Redis. A read of the latest checkpoint
//! that misses Redis is answered from PostgreSQL and does not refill Redis, so a reader can
//! never put an older checkpoint back over a newer one written meanwhile.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sextant_common::cache::Cache;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::types::Json;
use sqlx::{PgPool, Postgres};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{GraphError, RunId};

/// Where a run stands, as recorded on its latest checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Between two nodes, or running the next one (or interrupted by a crash while it ran).
    Running,
    /// Reached the end.
    Done,
    /// Stopped by an error (recorded with the checkpoint); resumable.
    Failed,
    /// Stopped by its cancellation token; resumable.
    Cancelled,
}

impl Status {
    /// The name stored in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [Self::Running, Self::Done, Self::Failed, Self::Cancelled]
            .into_iter()
            .find(|status| status.as_str() == name)
    }
}

/// One checkpoint: the state of a run after `step` nodes, and what comes next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The run.
    pub run_id: RunId,
    /// How many nodes had finished (0: the initial state).
    pub step: u32,
    /// The node that runs next; `None` once the run reached the end.
    pub next: Option<String>,
    /// The state, as JSON.
    pub state: Value,
    /// Where the run stands.
    pub status: Status,
    /// Why the run failed or was cancelled.
    pub error: Option<String>,
    /// When this checkpoint was written or last changed (microseconds, as stored).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// The current time at PostgreSQL's precision, so that both copies of a checkpoint agree.
pub(super) fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000).unwrap_or(now)
}

#[derive(sqlx::FromRow)]
struct Row {
    run_id: Uuid,
    step: i64,
    next_node: Option<String>,
    state: Json<Value>,
    status: String,
    error: Option<String>,
    updated_at: OffsetDateTime,
}

impl TryFrom<Row> for Checkpoint {
    type Error = sqlx::Error;

    fn try_from(row: Row) -> Result<Self, Self::Error> {
        let corrupt = |what: String| sqlx::Error::Decode(what.into());
        Ok(Self {
            run_id: RunId(row.run_id),
            step: u32::try_from(row.step).map_err(|_| corrupt(format!("step {} out of range", row.step)))?,
            next: row.next_node,
            state: row.state.0,
            status: Status::parse(&row.status).ok_or_else(|| corrupt(format!("unknown status {}", row.status)))?,
            error: row.error,
            updated_at: row.updated_at,
        })
    }
}

/// The columns of [`Row`], as a literal so queries stay `&'static str`.
macro_rules! columns {
    () => {
        "run_id, step, next_node, state, status, error, updated_at"
    };
}

/// The statuses a run ends with, as SQL.
macro_rules! ended {
    () => {
        "('done', 'failed', 'cancelled')"
    };
}

/// Checkpoints in PostgreSQL with the latest of each run cached in Redis.
#[derive(Clone)]
pub struct Checkpoints {
    pool: PgPool,
    cache: Cache,
}

impl Checkpoints {
    /// A store over `pool` (migrated with this crate's migrations) and `cache`.
    pub fn new(pool: PgPool, cache: Cache) -> Self {
        Self { pool, cache }
    }

    fn key(run: RunId) -> String {
        format!("checkpoint:{run}")
    }

    async fn cache(&self, checkpoint: &Checkpoint) -> Result<(), GraphError> {
        let json = serde_json::to_string(checkpoint)?;
        self.cache.set(&Self::key(checkpoint.run_id), &json).await;
        Ok(())
    }

    /// The statement adding `checkpoint` as a new step, or nothing if the step exists. A
    /// `running` checkpoint is committed asynchronously (see the module's guarantees):
    /// `set_config(..., true)` lasts until the end of the statement's own transaction, so
    /// it costs no extra round trip and touches no other statement.
    pub(super) fn insert_query(checkpoint: &Checkpoint) -> Query<'_, Postgres, PgArguments> {
        sqlx::query(concat!(
            "INSERT INTO checkpoints (",
            columns!(),
            ") SELECT $1, $2, $3, $4, $5, $6, $7 \
             FROM (SELECT CASE WHEN $5 = 'running' THEN set_config('synchronous_commit', 'off', true) END) AS commit_mode \
             ON CONFLICT (run_id, step) DO NOTHING"
        ))
        .bind(checkpoint.run_id.0)
        .bind(i64::from(checkpoint.step))
        .bind(checkpoint.next.as_deref())
        .bind(Json(&checkpoint.state))
        .bind(checkpoint.status.as_str())
        .bind(checkpoint.error.as_deref())
        .bind(checkpoint.updated_at)
    }

    /// Adds a new step: durable on return unless its status is `running`. A step that
    /// already exists is a [`GraphError::RunExists`] (step 0) or a [`GraphError::Conflict`].
    #[tracing::instrument(skip_all, fields(run_id = %checkpoint.run_id, step = checkpoint.step))]
    pub(super) async fn insert(&self, checkpoint: &Checkpoint) -> Result<(), GraphError> {
        let inserted = Self::insert_query(checkpoint).execute(&self.pool).await?;
        if inserted.rows_affected() == 0 {
            return Err(match checkpoint.step {
                0 => GraphError::RunExists(checkpoint.run_id),
                step => GraphError::Conflict {
                    run: checkpoint.run_id,
                    step,
                },
            });
        }
        self.cache(checkpoint).await
    }

    /// Rewrites the status and error of an existing step, if its status is still
    /// `expected` (otherwise a [`GraphError::Conflict`]). Durable on return.
    #[tracing::instrument(skip_all, fields(run_id = %checkpoint.run_id, step = checkpoint.step))]
    pub(super) async fn update(&self, checkpoint: &Checkpoint, expected: Status) -> Result<(), GraphError> {
        let updated = sqlx::query(
            "UPDATE checkpoints SET status = $3, error = $4, updated_at = $5 \
             WHERE run_id = $1 AND step = $2 AND status = $6",
        )
        .bind(checkpoint.run_id.0)
        .bind(i64::from(checkpoint.step))
        .bind(checkpoint.status.as_str())
        .bind(checkpoint.error.as_deref())
        .bind(checkpoint.updated_at)
        .bind(expected.as_str())
        .execute(&self.pool)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(GraphError::Conflict {
                run: checkpoint.run_id,
                step: checkpoint.step,
            });
        }
        self.cache(checkpoint).await
    }

    /// The latest checkpoint of `run`: from Redis, or from PostgreSQL when Redis misses.
    #[tracing::instrument(skip_all, fields(run_id = %run))]
    pub async fn latest(&self, run: RunId) -> Result<Option<Checkpoint>, GraphError> {
        if let Some(json) = self.cache.get(&Self::key(run)).await {
            match serde_json::from_str(&json) {
                Ok(checkpoint) => return Ok(Some(checkpoint)),
                Err(error) => tracing::warn!(%error, "unreadable cached checkpoint; using the database"),
            }
        }
        let row = sqlx::query_as::<_, Row>(concat!(
            "SELECT ",
            columns!(),
            " FROM checkpoints WHERE run_id = $1 ORDER BY step DESC LIMIT 1"
        ))
        .bind(run.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Checkpoint::try_from).transpose()?)
    }

    /// Every checkpoint of `run` still kept, oldest first, from PostgreSQL.
    #[tracing::instrument(skip_all, fields(run_id = %run))]
    pub async fn history(&self, run: RunId) -> Result<Vec<Checkpoint>, GraphError> {
        let rows = sqlx::query_as::<_, Row>(concat!(
            "SELECT ",
            columns!(),
            " FROM checkpoints WHERE run_id = $1 ORDER BY step"
        ))
        .bind(run.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Checkpoint::try_from).collect::<Result<_, _>>()?)
    }

    /// The runs whose latest checkpoint has `status` (say `Running`: the runs a crash
    /// interrupted, or still running in some process), oldest id first.
    #[tracing::instrument(skip_all, fields(status = status.as_str()))]
    pub async fn runs_in(&self, status: Status) -> Result<Vec<RunId>, GraphError> {
        let runs: Vec<Uuid> = sqlx::query_scalar(
            "SELECT run_id FROM (SELECT DISTINCT ON (run_id) run_id, status FROM checkpoints \
             ORDER BY run_id, step DESC) latest WHERE status = $1 ORDER BY run_id",
        )
        .bind(status.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(runs.into_iter().map(RunId).collect())
    }

    /// Deletes all but the latest `keep` checkpoints of every run (at least the latest one
    /// is always kept: `keep` 0 counts as 1), and returns how many were deleted.
    #[tracing::instrument(skip_all, fields(keep))]
    pub async fn keep_last(&self, keep: u32) -> Result<u64, GraphError> {
        let deleted = sqlx::query(
            "DELETE FROM checkpoints c USING ( \
               SELECT run_id, step, row_number() OVER (PARTITION BY run_id ORDER BY step DESC) AS rank \
               FROM checkpoints \
             ) ranked \
             WHERE c.run_id = ranked.run_id AND c.step = ranked.step AND ranked.rank > $1",
        )
        .bind(i64::from(keep.max(1)))
        .execute(&self.pool)
        .await?;
        Ok(deleted.rows_affected())
    }

    /// Deletes every checkpoint of the runs that ended (done, failed or cancelled) more
    /// than `age` ago, and returns those runs. Running runs are kept however old they are.
    #[tracing::instrument(skip_all, fields(age_secs = age.as_secs()))]
    pub async fn delete_finished_before(&self, age: Duration) -> Result<Vec<RunId>, GraphError> {
        let age = time::Duration::try_from(age).unwrap_or(time::Duration::MAX);
        let cutoff = now().checked_sub(age).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let mut runs: Vec<Uuid> = sqlx::query_scalar(concat!(
            "DELETE FROM checkpoints c USING ( \
               SELECT DISTINCT ON (run_id) run_id, status, updated_at FROM checkpoints \
               WHERE run_id IN (SELECT run_id FROM checkpoints WHERE status IN ",
            ended!(),
            " AND updated_at < $1) \
               ORDER BY run_id, step DESC \
             ) latest \
             WHERE c.run_id = latest.run_id AND latest.status IN ",
            ended!(),
            " AND latest.updated_at < $1 \
             RETURNING c.run_id"
        ))
        .bind(cutoff)
        .fetch_all(&self.pool)
        .await?;
        runs.sort_unstable();
        runs.dedup();
        let runs: Vec<RunId> = runs.into_iter().map(RunId).collect();
        for run in &runs {
            self.cache.delete(&Self::key(*run)).await;
        }
        Ok(runs)
    }

    /// Deletes every checkpoint of `runs` (a deleted session's runs, say), and returns how
    /// many were deleted.
    #[tracing::instrument(skip_all, fields(runs = runs.len()))]
    pub async fn delete_runs(&self, runs: &[RunId]) -> Result<u64, GraphError> {
        let ids: Vec<Uuid> = runs.iter().map(|run| run.0).collect();
        let deleted = sqlx::query("DELETE FROM checkpoints WHERE run_id = ANY($1)")
            .bind(&ids)
            .execute(&self.pool)
            .await?;
        for run in runs {
            self.cache.delete(&Self::key(*run)).await;
        }
        Ok(deleted.rows_affected())
    }
}
