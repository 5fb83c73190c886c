//! Running a checked query: a place among the queries that may run at once, a fresh
//! `SQLContext` with only `data`, a row cap, a deadline and cancellation.
//!
//! A query first waits for a place ([`Datasets::with_max_concurrent_queries`]); the wait
//! counts toward its deadline and ends at once on cancellation. The query thread holds
//! the place until Polars has stopped, not only until the caller stopped waiting, so
//! queries that time out cannot pile up threads that keep computing.
//!
//! Polars blocks while it plans and runs, and the services run on a one-thread tokio
//! runtime, so each query gets a thread of its own (not the blocking pool: Polars plans
//! recursively and needs a larger stack, see [`STACK_BYTES`]). Never call Polars on a
//! runtime thread: it calls `tokio::task::block_in_place`, which panics on a one-thread
//! runtime. The query thread plans the query, starts it with `collect_concurrently`
//! (Polars runs it on its own thread pool) and polls it with short sleeps. The async side
//! waits for the first of the result, the caller's cancellation token and the deadline,
//! and returns at once; the query thread then calls `InProcessQuery::cancel`.
//!
//! Polars' in-memory engine checks for cancellation as each plan node starts, so a node
//! already running (one big join, say) runs to its end before the query stops; the
//! caller does not wait for that, but the query keeps its place meanwhile. The row cap is
//! pushed into the plan as a slice, which also makes Polars run the parts of a UNION one
//! after another, each a point where a cancelled query stops. The query thread keeps the
//! `InProcessQuery` until Polars has sent its (discarded) result: dropping it earlier
//! would make Polars' worker panic on its send.
//!
//! Nothing stops a node midway: Polars' only other stop, its abort flag (raised on
//! SIGINT), is global to the process, and its streaming engine has no cancellation at
//! all. Measured on two cores (debug build): a cross join of two 10,000-row frames,
//! cancelled 0.1 s in, ran on for 3.4 s with a filter, 4.1 s without, and an inequality
//! join for 2.6 s; through `execute`, a 6,000-row self cross join with a 0.1 s deadline
//! held its place 1.4 s after the caller had its timeout. A UNION of 16 such joins over
//! 1,000 rows stopped 20 to 50 ms after its deadline, over 3,000 rows within 0.26 s. The
//! guard keeps products to two copies of the data, which bounds one node by the
//! dataset's size squared, not below it.
//!
//! A panic while planning becomes [`SqlError::Invalid`]. A panic on Polars' own thread
//! pool aborts the process (rayon's default) and nothing here can catch it; that the
//! file-service profile has read the same file with the same options before keeps
//! malformed files, the known cause, out.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use polars::prelude::*;
use polars::sql::SQLContext;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::dataset::{DatasetSpec, Datasets, Opened};
use super::{SqlError, TABLE, cells, check, first_line};
use crate::table::Table;

/// Stack of the thread that plans a query: Polars plans and optimises recursively, and
/// a query of a few dozen unions or subqueries overflows the 2 MiB of a blocking-pool
/// thread (an overflow aborts the process). Only the pages used are ever committed.
const STACK_BYTES: usize = 64 * 1024 * 1024;
/// Shortest pause between two looks at a running query.
const MIN_POLL_PAUSE: Duration = Duration::from_micros(20);
/// Longest pause between two looks at a running query.
const MAX_POLL_PAUSE: Duration = Duration::from_millis(10);

/// What a query may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Rows returned at most; a result with more is cut and marked `truncated`.
    pub max_rows: usize,
    /// Time from the call to the result, planning included.
    pub timeout: Duration,
}

impl Default for Limits {
    /// 1,000 rows and 30 seconds.
    fn default() -> Self {
        Self {
            max_rows: 1_000,
            timeout: Duration::from_secs(30),
        }
    }
}

/// A query's result.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryOutput {
    /// The rows, at most [`Limits::max_rows`].
    pub table: Table,
    /// Time from the call to the result.
    pub elapsed: Duration,
}

impl Datasets {
    /// Runs `query` over the dataset `dataset` (registered as the table `data`).
    ///
    /// The query is [`check`]ed first: a refused query is not run and its dataset is not
    /// opened. It then waits for a place among the queries that may run at once. Returns
    /// within about a millisecond of `cancel` firing ([`SqlError::Cancelled`]) or of
    /// `limits.timeout` passing, the wait included ([`SqlError::Timeout`]).
    #[tracing::instrument(skip_all, fields(file_id = %dataset.file_id, max_rows = limits.max_rows))]
    pub async fn execute(
        &self,
        dataset: &DatasetSpec,
        query: &str,
        limits: Limits,
        cancel: &CancellationToken,
    ) -> Result<QueryOutput, SqlError> {
        check(query)?;
        if cancel.is_cancelled() {
            return Err(SqlError::Cancelled);
        }
        let started = Instant::now();
        let deadline = started.checked_add(limits.timeout).unwrap_or(started);
        let permit = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(SqlError::Cancelled),
            () = tokio::time::sleep_until(deadline.into()) => {
                tracing::debug!(running = self.running_queries(), "query timed out waiting for a place");
                return Err(SqlError::Timeout { after: limits.timeout });
            }
            permit = self.query_permit() => permit.map_err(|_| SqlError::Invalid {
                message: "the executor is shutting down".into(),
            })?,
        };
        let waited = started.elapsed();
        let stop = cancel.child_token();
        // Whatever ends the wait below (a result, cancellation, the deadline, or this
        // future being dropped) also tells the polling thread to stop.
        let _stop_when_done = stop.clone().drop_guard();
        let job = Job {
            datasets: self.clone(),
            dataset: dataset.clone(),
            query: query.to_owned(),
            max_rows: limits.max_rows,
            deadline,
            timeout: limits.timeout,
            stop,
        };
        let (sender, receiver) = oneshot::channel();
        std::thread::Builder::new()
            .name("sextant-sql".into())
            .stack_size(STACK_BYTES)
            .spawn(move || {
                let result = catch_unwind(AssertUnwindSafe(|| job.run())).unwrap_or_else(|panic| Err(panicked(&panic)));
                // Polars has stopped (`Job::collect` waits for it): the place is free
                // before the caller hears of the result.
                drop(permit);
                // The caller may have stopped waiting; the result is then dropped.
                let _ = sender.send(result);
            })
            .map_err(|error| SqlError::Invalid {
                message: format!("the query could not start: {error}"),
            })?;
        let outcome = tokio::select! {
            biased;
            () = cancel.cancelled() => Err(SqlError::Cancelled),
            () = tokio::time::sleep_until(deadline.into()) => Err(SqlError::Timeout { after: limits.timeout }),
            result = receiver => result.unwrap_or_else(|_| Err(SqlError::Invalid {
                message: "the query worker stopped without a result".into(),
            })),
        };
        let elapsed = started.elapsed();
        match &outcome {
            Ok(table) => tracing::debug!(
                rows = table.rows.len(),
                truncated = table.truncated,
                ?waited,
                ?elapsed,
                "query ran"
            ),
            Err(error) => tracing::debug!(%error, ?waited, ?elapsed, "query failed"),
        }
        outcome.map(|table| QueryOutput { table, elapsed })
    }
}

impl Datasets {
    /// The columns of `dataset`: those of its data in memory when cached so, else read by
    /// a query that fetches no row.
    pub async fn schema(
        &self,
        dataset: &DatasetSpec,
        limits: Limits,
        cancel: &CancellationToken,
    ) -> Result<Vec<crate::table::Column>, SqlError> {
        if let Some(columns) = self.cached_columns(dataset.file_id) {
            return Ok(columns);
        }
        let limits = Limits { max_rows: 0, ..limits };
        let output = self
            .execute(dataset, "SELECT * FROM data LIMIT 0", limits, cancel)
            .await?;
        Ok(output.table.columns)
    }
}

/// A panic in Polars as an invalid query (Polars panics on some inputs it should refuse).
fn panicked(panic: &(dyn std::any::Any + Send)) -> SqlError {
    let message = panic
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".into());
    tracing::warn!(%message, "Polars panicked on a query");
    SqlError::Invalid {
        message: format!("Polars failed on this query ({})", first_line(&message)),
    }
}

/// What a query that gave no frame says.
fn stopped(stop: Stop) -> SqlError {
    match stop {
        Stop::Interrupted(error) => error,
        Stop::Failed(PolarsError::IO { error, .. }) => SqlError::Dataset {
            reason: first_line(&error.to_string()),
        },
        Stop::Failed(error) => SqlError::Invalid {
            message: first_line(&error.to_string()),
        },
    }
}

/// Why an attempt gave no frame.
enum Stop {
    /// Polars refused or failed the query.
    Failed(PolarsError),
    /// The deadline passed or the run was cancelled.
    Interrupted(SqlError),
}

/// One query, run on its own thread.
struct Job {
    datasets: Datasets,
    dataset: DatasetSpec,
    query: String,
    max_rows: usize,
    deadline: Instant,
    timeout: Duration,
    stop: CancellationToken,
}

impl Job {
    fn run(&self) -> Result<Table, SqlError> {
        let opened = self.in_memory(self.datasets.frame(&self.dataset)?)?;
        let frame = match self.attempt(opened.frame) {
            Err(Stop::Failed(error)) if opened.can_widen && needs_every_row(&error) => {
                tracing::debug!(%error, "reopening the dataset with types inferred from every row");
                self.attempt(self.datasets.reopen_fully(&self.dataset)?.frame)
            }
            other => other,
        };
        frame.map(|frame| cells::table(&frame, self.max_rows)).map_err(stopped)
    }

    /// `opened`, read into memory first when the dataset is small enough and is not yet
    /// (see [`Datasets::fits_in_memory`]); reading it is part of this query's time.
    fn in_memory(&self, opened: Opened) -> Result<Opened, SqlError> {
        if opened.in_memory.is_some() || !self.datasets.fits_in_memory(&self.dataset) {
            return Ok(opened);
        }
        let read = match self.collect(opened.frame) {
            Err(Stop::Failed(error)) if opened.can_widen && needs_every_row(&error) => {
                self.collect(self.datasets.reopen_fully(&self.dataset)?.frame)
            }
            other => other,
        };
        Ok(self.datasets.keep_in_memory(&self.dataset, read.map_err(stopped)?))
    }

    fn interrupted(&self) -> Option<SqlError> {
        if Instant::now() >= self.deadline {
            Some(SqlError::Timeout { after: self.timeout })
        } else if self.stop.is_cancelled() {
            Some(SqlError::Cancelled)
        } else {
            None
        }
    }

    fn attempt(&self, frame: LazyFrame) -> Result<DataFrame, Stop> {
        let mut context = SQLContext::new();
        context.register(TABLE, frame);
        let planned = context.execute(&self.query).map_err(Stop::Failed)?;
        let cap = IdxSize::try_from(self.max_rows.saturating_add(1)).unwrap_or(IdxSize::MAX);
        self.collect(planned.limit(cap))
    }

    /// Runs `frame` on Polars' pool, watching the deadline and the cancellation.
    fn collect(&self, frame: LazyFrame) -> Result<DataFrame, Stop> {
        if let Some(reason) = self.interrupted() {
            return Err(Stop::Interrupted(reason));
        }
        let started = Instant::now();
        let running = frame.collect_concurrently().map_err(Stop::Failed)?;
        loop {
            if let Some(result) = running.fetch() {
                return result.map_err(Stop::Failed);
            }
            if let Some(reason) = self.interrupted() {
                running.cancel();
                while running.fetch().is_none() {
                    std::thread::sleep(MAX_POLL_PAUSE);
                }
                return Err(Stop::Interrupted(reason));
            }
            // An eighth of the time it has run so far: a result is seen at most about an
            // eighth late, and a long query is not polled often.
            std::thread::sleep((started.elapsed() / 8).clamp(MIN_POLL_PAUSE, MAX_POLL_PAUSE));
        }
    }
}

/// Whether `error` says a value did not fit a column type inferred from the first rows:
/// a CSV field ("could not parse `x` as dtype `i64`"), an NDJSON value or a literal
/// compared with the column ("cannot parse 'x' (string) as Int64"). A query that fails
/// so against a column that really holds numbers costs one needless reopening, once per
/// file: the reopened frame is final.
fn needs_every_row(error: &PolarsError) -> bool {
    let message = error.to_string();
    message.contains("could not parse") || message.contains("cannot parse")
}

/// Runs the blocking half of [`Datasets::execute`] to its end, with a deadline `timeout`
/// from now, on a thread like the one `execute` uses: it returns only once Polars has
/// stopped, for tests that time how long that takes.
#[cfg(test)]
pub(super) fn run_to_end(
    datasets: &Datasets,
    dataset: &DatasetSpec,
    query: &str,
    timeout: Duration,
) -> Result<Table, SqlError> {
    let job = Job {
        datasets: datasets.clone(),
        dataset: dataset.clone(),
        query: query.to_owned(),
        max_rows: 100,
        deadline: Instant::now() + timeout,
        timeout,
        stop: CancellationToken::new(),
    };
    std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn(move || job.run())
        .expect("spawn")
        .join()
        .expect("join")
}
