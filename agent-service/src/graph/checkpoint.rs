//! The checkpoint store: table `checkpoints` in PostgreSQL (the truth, one row per step of
//! a run, the state as json) and the latest checkpoint of each run in Redis (the hot
//! copy, key `checkpoint:<run id>` under the cache's prefix). One function per query.
//!
//! Writes go through the store's writer task, which makes them in order, in batches (one
//! round trip to each of PostgreSQL and Redis for whatever was queued meanwhile), to
//! PostgreSQL first, then to Redis. Every read waits first for the writes queued before it,
//! so that a process reads what it wrote. A read of the latest checkpoint that misses Redis is
//! answered from PostgreSQL and does not refill Redis, so a reader can never put an older
//! checkpoint back over a newer one written meanwhile.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use sextant_common::cache::Cache;
use sqlx::PgPool;
use sqlx::types::Json;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::writer::{self, Op, Writer};
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

    pub(super) fn parse(name: &str) -> Option<Self> {
        [Self::Running, Self::Done, Self::Failed, Self::Cancelled]
            .into_iter()
            .find(|status| status.as_str() == name)
    }
}

/// One checkpoint: the state of a run after `step` nodes, and what comes next. Read back
/// with the state as a JSON value; written with it serialised once ([`Written`]), the same
/// text going to PostgreSQL and into Redis's copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint<T = Value> {
    /// The run.
    pub run_id: RunId,
    /// How many nodes had finished (0: the initial state).
    pub step: u32,
    /// The node that runs next; `None` once the run reached the end.
    pub next: Option<String>,
    /// The state, as JSON.
    pub state: T,
    /// Where the run stands.
    pub status: Status,
    /// Why the run failed or was cancelled.
    pub error: Option<String>,
    /// When this checkpoint was written or last changed (microseconds, as stored).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A checkpoint as the engine writes it: its state already JSON text.
pub(super) type Written = Checkpoint<Box<RawValue>>;

impl Written {
    /// A checkpoint read back, to be written again (a status change on resume).
    pub(super) fn from_read(read: Checkpoint) -> Result<Self, GraphError> {
        Ok(Checkpoint {
            state: serde_json::value::to_raw_value(&read.state)?,
            run_id: read.run_id,
            step: read.step,
            next: read.next,
            status: read.status,
            error: read.error,
            updated_at: read.updated_at,
        })
    }
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
pub(super) use columns;

/// The statuses a run ends with, as SQL.
macro_rules! ended {
    () => {
        "('done', 'failed', 'cancelled')"
    };
}

/// Checkpoints in PostgreSQL with the latest of each run cached in Redis. Writes go through
/// one writer task per store (see [`writer`](super::writer)), in the order they were made.
#[derive(Clone)]
pub struct Checkpoints {
    pool: PgPool,
    cache: Cache,
    writer: mpsc::Sender<Op>,
}

/// Whether a write was made: awaited by the run that made it, at once or later.
pub(super) type Receipt = oneshot::Receiver<Result<(), GraphError>>;

impl Checkpoints {
    /// A store over `pool` (migrated with this crate's migrations) and `cache`, its writer
    /// started on the current runtime (it ends when the last clone of the store is dropped,
    /// after writing what was queued).
    pub fn new(pool: PgPool, cache: Cache) -> Self {
        let (store, writer) = Self::unstarted(pool, cache);
        tokio::spawn(writer.run());
        store
    }

    /// A store and its writer, not yet running.
    pub(super) fn unstarted(pool: PgPool, cache: Cache) -> (Self, Writer) {
        let (sender, receiver) = mpsc::channel(writer::QUEUE);
        let writer = Writer::new(pool.clone(), cache.clone(), receiver);
        let store = Self {
            pool,
            cache,
            writer: sender,
        };
        (store, writer)
    }

    pub(super) fn key(run: RunId) -> String {
        format!("checkpoint:{run}")
    }

    /// Queues `op` for the writer (waiting while the queue is full).
    async fn queue(&self, op: impl FnOnce(oneshot::Sender<Result<(), GraphError>>) -> Op) -> Receipt {
        let (done, receipt) = oneshot::channel();
        // A writer that stopped (its runtime is going away) drops the op, and with it
        // `done`: the receipt then says so.
        let _ = self.writer.send(op(done)).await;
        receipt
    }

    /// Queues a new step and returns at once: the receipt says later whether it was
    /// written. A step that already exists is a [`GraphError::RunExists`] (step 0) or a
    /// [`GraphError::Conflict`].
    pub(super) async fn insert(&self, checkpoint: Arc<Written>) -> Receipt {
        self.queue(|done| Op::Insert { checkpoint, done }).await
    }

    /// Rewrites the status and error of an existing step, if its status is still
    /// `expected` (otherwise a [`GraphError::Conflict`]).
    pub(super) async fn update(&self, checkpoint: Arc<Written>, expected: Status) -> Result<(), GraphError> {
        let receipt = self
            .queue(|done| Op::Update {
                checkpoint,
                expected,
                done,
            })
            .await;
        settle(receipt).await
    }

    /// Returns once every write queued before it was made (or failed).
    pub async fn flush(&self) {
        let receipt = self.queue(Op::Flush).await;
        let _ = receipt.await;
    }

    /// The latest checkpoint of `run`: from Redis, or from PostgreSQL when Redis misses.
    #[tracing::instrument(skip_all, fields(run_id = %run))]
    pub async fn latest(&self, run: RunId) -> Result<Option<Checkpoint>, GraphError> {
        self.flush().await;
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
        self.flush().await;
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
        self.flush().await;
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
        self.flush().await;
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
        self.flush().await;
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
        // A write still queued for one of them must not land after the delete.
        self.flush().await;
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

/// What a queued write came to; a writer that stopped before making it is a store error.
pub(super) async fn settle(receipt: Receipt) -> Result<(), GraphError> {
    receipt.await.unwrap_or_else(|_| Err(GraphError::WriterStopped))
}
