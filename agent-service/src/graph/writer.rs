//! The writer of a checkpoint store: one task that makes the store's writes in the order
//! they were queued. Whatever was queued while it wrote is its next batch: consecutive new
//! steps (of any runs) go to PostgreSQL in one statement and their latest per run to Redis
//! in one pipeline; a status change goes alone. Each write's receipt says how it went.
//!
//! Every checkpoint write is committed asynchronously (see `async_commit!` at the crate's
//! root): visible at once, durable with the next commit on the server that waits for the
//! WAL flush (agent-service's record of how a run ended is one), or a fraction of a second
//! later.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sextant_common::cache::Cache;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::checkpoint::{Checkpoints, Status, Written};
use super::{GraphError, RunId};

/// Writes queued at most before a run waits to queue more.
pub(super) const QUEUE: usize = 1024;
/// Writes taken into one batch at most.
const BATCH: usize = 64;

type Done = oneshot::Sender<Result<(), GraphError>>;

/// A write for the writer.
pub(super) enum Op {
    /// A new step.
    Insert { checkpoint: Arc<Written>, done: Done },
    /// The status and error of an existing step, if its status is still `expected`.
    Update {
        checkpoint: Arc<Written>,
        expected: Status,
        done: Done,
    },
    /// Nothing: answered once every write before it was made.
    Flush(Done),
}

/// The task that makes a store's writes.
pub(super) struct Writer {
    pool: PgPool,
    cache: Cache,
    ops: mpsc::Receiver<Op>,
    /// Runs whose steps this writer no longer writes (see [`Writer::insert`]).
    conflicted: HashSet<RunId>,
}

impl Writer {
    pub(super) fn new(pool: PgPool, cache: Cache, ops: mpsc::Receiver<Op>) -> Self {
        Self {
            pool,
            cache,
            ops,
            conflicted: HashSet::new(),
        }
    }

    /// Makes writes until every clone of the store is gone and the queue is empty.
    pub(super) async fn run(mut self) {
        while self.serve().await {}
    }

    /// Waits for a write, then makes it and every write queued behind it (up to a batch);
    /// `false` once no store is left to queue any.
    pub(super) async fn serve(&mut self) -> bool {
        let Some(first) = self.ops.recv().await else {
            return false;
        };
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match self.ops.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let mut inserts = Vec::new();
        for op in batch {
            match op {
                Op::Insert { checkpoint, done } => inserts.push((checkpoint, done)),
                Op::Update {
                    checkpoint,
                    expected,
                    done,
                } => {
                    self.insert(std::mem::take(&mut inserts)).await;
                    answer(done, self.update(&checkpoint, expected).await);
                }
                Op::Flush(done) => {
                    self.insert(std::mem::take(&mut inserts)).await;
                    answer(done, Ok(()));
                }
            }
        }
        self.insert(inserts).await;
        true
    }

    /// Inserts new steps in one statement, caches the latest inserted of each run, and
    /// answers each write. A run's steps go in only together and only right after the
    /// run's latest step (step 0 only for a new run); once a run met a step it could not
    /// write (another process advanced it), none of its later steps is written here either,
    /// so two processes never interleave their steps of one run.
    async fn insert(&mut self, inserts: Vec<(Arc<Written>, Done)>) {
        let (refused, inserts): (Vec<_>, Vec<_>) = inserts
            .into_iter()
            .partition(|(checkpoint, _)| self.conflicted.contains(&checkpoint.run_id));
        for (checkpoint, done) in refused {
            answer(done, Err(refused_step(&checkpoint)));
        }
        if inserts.is_empty() {
            return;
        }
        let checkpoints: Vec<&Written> = inserts.iter().map(|(checkpoint, _)| &**checkpoint).collect();
        let inserted = insert_all(&self.pool, &checkpoints).await;
        if let Ok(inserted) = &inserted {
            let written = |checkpoint: &&Written| inserted.contains(&(checkpoint.run_id, checkpoint.step));
            self.cache_latest(checkpoints.iter().copied().filter(written)).await;
        }
        for (checkpoint, done) in inserts {
            let result = match &inserted {
                Ok(inserted) if inserted.contains(&(checkpoint.run_id, checkpoint.step)) => Ok(()),
                Ok(_) => {
                    if checkpoint.step > 0 {
                        self.conflicted.insert(checkpoint.run_id);
                    }
                    Err(refused_step(&checkpoint))
                }
                Err(error) => Err(GraphError::Store(Arc::clone(error))),
            };
            answer(done, result);
        }
    }

    /// Puts the latest of `checkpoints` of each run in Redis, in one round trip.
    async fn cache_latest<'a>(&self, checkpoints: impl Iterator<Item = &'a Written>) {
        let mut latest: HashMap<RunId, &Written> = HashMap::new();
        for checkpoint in checkpoints {
            let kept = latest.entry(checkpoint.run_id).or_insert(checkpoint);
            if checkpoint.step > kept.step {
                *kept = checkpoint;
            }
        }
        let entries: Vec<(String, String)> = latest
            .values()
            .filter_map(|checkpoint| {
                let json = serde_json::to_string(checkpoint)
                    .inspect_err(|error| tracing::error!(%error, "a checkpoint could not be cached"))
                    .ok()?;
                Some((Checkpoints::key(checkpoint.run_id), json))
            })
            .collect();
        let entries: Vec<(&str, &str)> = entries
            .iter()
            .map(|(key, json)| (key.as_str(), json.as_str()))
            .collect();
        self.cache.set_many(&entries).await;
    }

    async fn update(&self, checkpoint: &Written, expected: Status) -> Result<(), GraphError> {
        let updated = sqlx::query(
            "UPDATE checkpoints SET status = $3, error = $4, updated_at = $5 \
             FROM (SELECT set_config('synchronous_commit', 'off', true)) AS commit_mode \
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
        self.cache_latest(std::iter::once(checkpoint)).await;
        Ok(())
    }
}

/// Answers a write's receipt. A failure that no run waits for any more (the end of a run
/// that has returned, say) is logged.
fn answer(done: Done, result: Result<(), GraphError>) {
    if let Err(Err(error)) = done.send(result) {
        tracing::error!(%error, "a checkpoint was not written");
    }
}

/// Why a step was not written: step 0 of a run that exists, a later one of a run that
/// moved on without it.
fn refused_step(checkpoint: &Written) -> GraphError {
    match checkpoint.step {
        0 => GraphError::RunExists(checkpoint.run_id),
        step => GraphError::Conflict {
            run: checkpoint.run_id,
            step,
        },
    }
}

/// Inserts `checkpoints` in one statement, committed asynchronously: each run's steps
/// together, when the first of them follows the run's latest stored step (is 0 for a run
/// with none). Returns the steps inserted.
pub(super) async fn insert_all(
    db: impl sqlx::PgExecutor<'_>,
    checkpoints: &[&Written],
) -> Result<HashSet<(RunId, u32)>, Arc<sqlx::Error>> {
    let runs: Vec<Uuid> = checkpoints.iter().map(|checkpoint| checkpoint.run_id.0).collect();
    let steps: Vec<i64> = checkpoints
        .iter()
        .map(|checkpoint| i64::from(checkpoint.step))
        .collect();
    let nexts: Vec<Option<&str>> = checkpoints
        .iter()
        .map(|checkpoint| checkpoint.next.as_deref())
        .collect();
    let states: Vec<&str> = checkpoints.iter().map(|checkpoint| checkpoint.state.get()).collect();
    let statuses: Vec<&str> = checkpoints
        .iter()
        .map(|checkpoint| checkpoint.status.as_str())
        .collect();
    let errors: Vec<Option<&str>> = checkpoints
        .iter()
        .map(|checkpoint| checkpoint.error.as_deref())
        .collect();
    let times: Vec<time::OffsetDateTime> = checkpoints.iter().map(|checkpoint| checkpoint.updated_at).collect();
    let inserted: Vec<(Uuid, i64)> = sqlx::query_as(concat!(
        "WITH batch AS (            SELECT * FROM UNNEST($1::uuid[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[],                                 $7::timestamptz[])              AS batch (run_id, step, next_node, state, status, error, updated_at)          ), following AS (            SELECT run_id FROM batch GROUP BY run_id            HAVING min(step) = COALESCE(              (SELECT max(stored.step) + 1 FROM checkpoints stored WHERE stored.run_id = batch.run_id), 0)          )          INSERT INTO checkpoints (",
        super::checkpoint::columns!(),
        ") SELECT run_id, step, next_node, state::json, status, error, updated_at          FROM batch, (SELECT set_config('synchronous_commit', 'off', true)) AS commit_mode          WHERE run_id IN (SELECT run_id FROM following)          ON CONFLICT (run_id, step) DO NOTHING          RETURNING run_id, step"
    ))
    .bind(&runs)
    .bind(&steps)
    .bind(&nexts)
    .bind(&states)
    .bind(&statuses)
    .bind(&errors)
    .bind(&times)
    .fetch_all(db)
    .await
    .map_err(Arc::new)?;
    Ok(inserted
        .into_iter()
        .filter_map(|(run, step)| Some((RunId(run), u32::try_from(step).ok()?)))
        .collect())
}
