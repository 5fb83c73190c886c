//! Runs of the agent graph: at most one per session at a time, their events while they go
//! on, and their cancellation.
//!
//! PostgreSQL decides who may run (`runs_one_running_per_session`: a second start gets
//! [`Error::Busy`], whichever instance it reaches). The events of a live run stay in this
//! process ([`Live`]): subscribers get everything after the sequence number they last saw
//! and then follow the run to its `done`, which is how a client that reconnects with
//! `Last-Event-ID` gets the rest of the run. A finished run is kept for [`KEEP_FINISHED`]
//! so that a reconnect just after the end still finds it.
//!
//! Closing the stream cancels the run: when the last subscriber of a run that has not ended
//! goes away, the run is cancelled unless a subscriber comes back within the grace period
//! (a browser's `EventSource` reconnects on its own after a network blip).
//!
//! A run left `running` by a process that died is claimed by the next start
//! ([`Runs::claim_interrupted`]) and resumed from its checkpoint in a new *incarnation*.
//! Sequence numbers of incarnation `k` start at `k << 32`, so they keep growing across a
//! restart and a client's `Last-Event-ID` from before it asks for everything after.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::Stream;
use sqlx::PgPool;
use sqlx::types::Json;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::Error;
use crate::domain::{FileId, RunId, Scope, SessionId, UserId};
use crate::events::{Event, RunEvent};
use crate::provider::Identity;
use crate::sql::DatasetSpec;
use crate::usage::Usage;

/// How long the events of a finished run stay available to reconnecting clients.
pub const KEEP_FINISHED: Duration = Duration::from_secs(60);

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It answered.
    Finished,
    /// It failed (the error event says why).
    Failed,
    /// It was cancelled by the user or a closed connection.
    Cancelled,
}

impl Outcome {
    /// Its name, as recorded: `finished`, `failed` or `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Finished => "finished",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// A run going on in this process.
pub struct Live {
    /// The run.
    pub id: RunId,
    /// Whose run, about what.
    pub scope: Scope,
    /// Cancels the run: the running node, its query and its provider call.
    pub cancel: CancellationToken,
    /// The sequence number before this incarnation's first event.
    base: u64,
    events: Mutex<Vec<RunEvent>>,
    /// The number of events so far, `u64::MAX` once `done` was pushed.
    progress: watch::Sender<u64>,
    followers: AtomicUsize,
    disconnect_grace: Duration,
}

impl Live {
    fn new(id: RunId, scope: Scope, incarnation: u32, disconnect_grace: Duration) -> Self {
        Self {
            id,
            scope,
            cancel: CancellationToken::new(),
            base: u64::from(incarnation) << 32,
            events: Mutex::default(),
            progress: watch::Sender::new(0),
            followers: AtomicUsize::new(0),
            disconnect_grace,
        }
    }

    /// Records `event` as the next of the run and wakes its subscribers; returns it numbered.
    pub fn push(&self, event: Event) -> RunEvent {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        let done = matches!(event, Event::Done { .. });
        let numbered = RunEvent {
            run_id: self.id.to_string(),
            seq: self.base + events.len() as u64 + 1,
            event,
        };
        events.push(numbered.clone());
        let progress = if done { u64::MAX } else { events.len() as u64 };
        drop(events);
        self.progress.send_replace(progress);
        numbered
    }

    /// Whether `done` was pushed.
    pub fn is_done(&self) -> bool {
        *self.progress.borrow() == u64::MAX
    }

    /// Every event after `after_seq`, then the rest of the run as it happens, ending with
    /// `done`. Dropping the stream before `done` counts as a disconnect (see the module
    /// docs).
    pub fn follow(self: &Arc<Self>, after_seq: u64) -> impl Stream<Item = RunEvent> + Send + 'static {
        self.followers.fetch_add(1, Ordering::SeqCst);
        let cursor = Cursor {
            live: Arc::clone(self),
            progress: self.progress.subscribe(),
            seen: after_seq,
            finished: false,
        };
        futures::stream::unfold(cursor, |mut cursor| async move {
            let event = cursor.next().await?;
            cursor.seen = event.seq;
            cursor.finished = matches!(event.event, Event::Done { .. });
            Some((event, cursor))
        })
    }

    /// The event after `seen`, if any yet.
    fn after(&self, seen: u64) -> Option<RunEvent> {
        let events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        let index = seen.saturating_sub(self.base);
        usize::try_from(index).ok().and_then(|index| events.get(index)).cloned()
    }

    /// A subscriber went away: with none left and the run still going, cancel it unless one
    /// comes back within the grace period.
    fn unfollow(self: &Arc<Self>) {
        if self.followers.fetch_sub(1, Ordering::SeqCst) != 1 || self.is_done() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.cancel.cancel();
            return;
        };
        let live = Arc::clone(self);
        runtime.spawn(async move {
            tokio::time::sleep(live.disconnect_grace).await;
            if live.followers.load(Ordering::SeqCst) == 0 && !live.is_done() {
                tracing::info!(run_id = %live.id, "the client went away: cancelling the run");
                live.cancel.cancel();
            }
        });
    }
}

/// Where a subscriber is in a run.
struct Cursor {
    live: Arc<Live>,
    progress: watch::Receiver<u64>,
    seen: u64,
    finished: bool,
}

impl Cursor {
    async fn next(&mut self) -> Option<RunEvent> {
        loop {
            if self.finished {
                return None;
            }
            if let Some(event) = self.live.after(self.seen) {
                return Some(event);
            }
            // Nothing new yet: wait for the next push. The sender lives as long as the run.
            self.progress.changed().await.ok()?;
        }
    }
}

impl Drop for Cursor {
    fn drop(&mut self) {
        self.live.unfollow();
    }
}

/// A run a dead process left `running`, claimed to be resumed here.
pub struct Interrupted {
    /// The run, registered as live in its new incarnation.
    pub live: Arc<Live>,
    /// Its question.
    pub question: String,
    /// Its dataset.
    pub dataset: DatasetSpec,
}

/// The runs of this instance, over the `runs` table.
#[derive(Clone)]
pub struct Runs {
    pool: PgPool,
    live: Arc<Mutex<HashMap<RunId, Arc<Live>>>>,
    disconnect_grace: Duration,
}

impl Runs {
    /// The runs recorded in `pool`; a run whose client went away is cancelled after
    /// `disconnect_grace`.
    pub fn new(pool: PgPool, disconnect_grace: Duration) -> Self {
        Self {
            pool,
            live: Arc::default(),
            disconnect_grace,
        }
    }

    fn register(&self, id: RunId, scope: Scope, incarnation: u32) -> Arc<Live> {
        let live = Arc::new(Live::new(id, scope, incarnation, self.disconnect_grace));
        self.live().insert(id, Arc::clone(&live));
        live
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<RunId, Arc<Live>>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a new run of `question` about `dataset` in `scope`; [`Error::Busy`] when the
    /// session already has one going. Committed asynchronously: a crash of the PostgreSQL
    /// server within a fraction of a second can lose the record, and with it the question.
    #[tracing::instrument(skip_all, fields(user_id = %scope.user.0, session_id = %scope.session.0))]
    pub async fn start(&self, scope: Scope, dataset: &DatasetSpec, question: &str) -> Result<Arc<Live>, Error> {
        let id = RunId::new();
        let inserted = sqlx::query(concat!(
            "INSERT INTO runs (id, user_id, session_id, file_id, question, dataset, status) \
             SELECT $1, $2, $3, $4, $5, $6, 'running' FROM ",
            async_commit!()
        ))
        .bind(id.0)
        .bind(scope.user.0)
        .bind(scope.session.0)
        .bind(&scope.file.0)
        .bind(question)
        .bind(Json(dataset))
        .execute(&self.pool)
        .await;
        match inserted {
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => return Err(Error::Busy),
            other => other?,
        };
        Ok(self.register(id, scope, 0))
    }

    /// Claims every run left `running` (by a process that died) for a new incarnation
    /// here. Meant for start-up, before any new run: this instance takes them all.
    #[tracing::instrument(skip_all)]
    pub async fn claim_interrupted(&self) -> Result<Vec<Interrupted>, Error> {
        type Row = (
            uuid::Uuid,
            uuid::Uuid,
            uuid::Uuid,
            String,
            String,
            Json<DatasetSpec>,
            i32,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "UPDATE runs SET incarnation = incarnation + 1 WHERE status = 'running' \
             RETURNING id, user_id, session_id, file_id, question, dataset, incarnation",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, user, session, file, question, Json(dataset), incarnation)| {
                let scope = Scope {
                    user: UserId(user),
                    session: SessionId(session),
                    file: FileId(file),
                };
                let incarnation = u32::try_from(incarnation).unwrap_or_default();
                Interrupted {
                    live: self.register(RunId(id), scope, incarnation),
                    question,
                    dataset,
                }
            })
            .collect())
    }

    /// Deletes the records of runs that ended more than `age` ago; returns their ids.
    pub async fn delete_finished_before(&self, age: Duration) -> Result<Vec<RunId>, Error> {
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
            "DELETE FROM runs WHERE status <> 'running' AND finished_at < now() - make_interval(secs => $1) RETURNING id",
        )
        .bind(age.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(RunId).collect())
    }

    /// Records how `run` ended, what it spent and who answered it; its events stay
    /// available for [`KEEP_FINISHED`]. The one commit of a turn that waits for the WAL
    /// flush: durable on return, and with it everything the turn wrote before (its record,
    /// checkpoints and memory, committed asynchronously).
    #[tracing::instrument(skip_all, fields(run_id = %run.id))]
    pub async fn finish(&self, run: &Arc<Live>, outcome: Outcome, usage: Usage, by: &Identity) -> Result<(), Error> {
        sqlx::query(
            "UPDATE runs SET status = $2, finished_at = now(), input_tokens = $3, output_tokens = $4, \
             cost_usd = $5, model = $6, prompt_version = $7 WHERE id = $1",
        )
        .bind(run.id.0)
        .bind(outcome.as_str())
        .bind(i64::try_from(usage.input_tokens).unwrap_or(i64::MAX))
        .bind(i64::try_from(usage.output_tokens).unwrap_or(i64::MAX))
        .bind(usage.cost_usd)
        .bind(&by.model)
        .bind(by.prompt_version)
        .execute(&self.pool)
        .await?;
        let (runs, id) = (self.clone(), run.id);
        tokio::spawn(async move {
            tokio::time::sleep(KEEP_FINISHED).await;
            runs.live().remove(&id);
        });
        Ok(())
    }

    /// What `user`'s runs spent on models since midnight UTC, in US dollars.
    pub async fn spent_today(&self, user: UserId) -> Result<f64, Error> {
        let spent: f64 = sqlx::query_scalar(
            "SELECT COALESCE(sum(cost_usd), 0)::float8 FROM runs \
             WHERE user_id = $1 AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
        )
        .bind(user.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(spent)
    }

    /// The live run `id` of `user`; someone else's run looks missing.
    pub fn get(&self, user: UserId, id: RunId) -> Result<Arc<Live>, Error> {
        self.live()
            .get(&id)
            .filter(|live| live.scope.user == user)
            .cloned()
            .ok_or(Error::RunNotFound)
    }

    /// Cancels the running answer of `user`'s `session`; whether there was one.
    pub fn cancel(&self, user: UserId, session: SessionId) -> bool {
        let live = self.live();
        let running = live
            .values()
            .filter(|run| run.scope.user == user && run.scope.session == session)
            .filter(|run| !run.is_done() && !run.cancel.is_cancelled());
        let mut cancelled = false;
        for run in running {
            run.cancel.cancel();
            cancelled = true;
        }
        cancelled
    }

    /// Cancels and forgets every run of a deleted session; returns their ids (their
    /// checkpoints go too).
    #[tracing::instrument(skip_all, fields(user_id = %user.0, session_id = %session.0))]
    pub async fn forget_session(&self, user: UserId, session: SessionId) -> Result<Vec<RunId>, Error> {
        self.cancel(user, session);
        let ids: Vec<uuid::Uuid> =
            sqlx::query_scalar("DELETE FROM runs WHERE user_id = $1 AND session_id = $2 RETURNING id")
                .bind(user.0)
                .bind(session.0)
                .fetch_all(&self.pool)
                .await?;
        let ids: Vec<RunId> = ids.into_iter().map(RunId).collect();
        let mut live = self.live();
        for id in &ids {
            live.remove(id);
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use sextant_common::testing::TestDb;
    use uuid::Uuid;

    async fn runs(db: &TestDb) -> Runs {
        let pool = sextant_common::connect::postgres(&db.url, 2).await.expect("postgres");
        sqlx::migrate!().run(&pool).await.expect("migrations");
        Runs::new(pool, Duration::from_millis(20))
    }

    fn dataset() -> DatasetSpec {
        DatasetSpec {
            file_id: Uuid::nil(),
            path: "/nonexistent.csv".into(),
            format: crate::sql::DatasetFormat::Csv { delimiter: b',' },
            date_columns: Vec::new(),
        }
    }

    fn scope(user: u128, session: u128) -> Scope {
        Scope {
            user: UserId(Uuid::from_u128(user)),
            session: SessionId(Uuid::from_u128(session)),
            file: FileId("f".into()),
        }
    }

    fn text(delta: &str) -> Event {
        Event::Text { delta: delta.into() }
    }

    #[tokio::test]
    async fn a_second_run_on_a_busy_session_is_refused_until_the_first_ends() {
        let db = TestDb::create().await;
        let runs = runs(&db).await;
        let first = runs.start(scope(1, 2), &dataset(), "q").await.expect("first");
        assert!(matches!(
            runs.start(scope(1, 2), &dataset(), "q").await,
            Err(Error::Busy)
        ));
        runs.start(scope(1, 3), &dataset(), "q")
            .await
            .expect("another session is free");
        runs.finish(&first, Outcome::Finished, Usage::default(), &Identity::default())
            .await
            .expect("finish");
        runs.start(scope(1, 2), &dataset(), "q").await.expect("free again");
    }

    #[tokio::test]
    async fn a_follower_gets_the_events_after_its_last_seen_and_then_the_rest_up_to_done() {
        let db = TestDb::create().await;
        let runs = runs(&db).await;
        let live = runs.start(scope(1, 2), &dataset(), "q").await.expect("start");
        live.push(text("a"));
        live.push(text("b"));
        let follower = live.follow(1);
        let writer = Arc::clone(&live);
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            writer.push(text("c"));
            writer.push(Event::Done {
                run_id: writer.id.to_string(),
            });
            writer.push(text("after done: never delivered"));
        });
        let seen: Vec<(u64, Event)> = follower.map(|event| (event.seq, event.event)).collect().await;
        let expected = vec![
            (2, text("b")),
            (3, text("c")),
            (
                4,
                Event::Done {
                    run_id: live.id.to_string(),
                },
            ),
        ];
        assert_eq!(seen, expected);
    }

    #[tokio::test]
    async fn another_user_cannot_see_or_cancel_a_run() {
        let db = TestDb::create().await;
        let runs = runs(&db).await;
        let live = runs.start(scope(1, 2), &dataset(), "q").await.expect("start");
        assert!(matches!(
            runs.get(UserId(Uuid::from_u128(9)), live.id),
            Err(Error::RunNotFound)
        ));
        assert!(!runs.cancel(UserId(Uuid::from_u128(9)), SessionId(Uuid::from_u128(2))));
        assert!(!live.cancel.is_cancelled());
        assert!(runs.get(UserId(Uuid::from_u128(1)), live.id).is_ok());
        assert!(runs.cancel(UserId(Uuid::from_u128(1)), SessionId(Uuid::from_u128(2))));
        assert!(live.cancel.is_cancelled());
    }

    #[tokio::test]
    async fn forgetting_a_session_cancels_and_deletes_its_runs() {
        let db = TestDb::create().await;
        let runs = runs(&db).await;
        let live = runs.start(scope(1, 2), &dataset(), "q").await.expect("start");
        let forgotten = runs
            .forget_session(live.scope.user, live.scope.session)
            .await
            .expect("forget");
        assert_eq!(forgotten, vec![live.id]);
        assert!(live.cancel.is_cancelled());
        assert!(matches!(runs.get(live.scope.user, live.id), Err(Error::RunNotFound)));
        runs.start(scope(1, 2), &dataset(), "q")
            .await
            .expect("the session is free");
    }

    #[tokio::test]
    async fn the_last_follower_going_away_cancels_the_run_after_the_grace_period() {
        let db = TestDb::create().await;
        let runs = runs(&db).await;
        let live = runs.start(scope(1, 2), &dataset(), "q").await.expect("start");
        let (first, second) = (live.follow(0), live.follow(0));
        drop(first);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!live.cancel.is_cancelled(), "another follower is still there");
        drop(second);
        let reconnected = live.follow(0);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            !live.cancel.is_cancelled(),
            "a follower came back within the grace period"
        );
        drop(reconnected);
        tokio::time::timeout(Duration::from_secs(5), live.cancel.cancelled())
            .await
            .expect("cancelled once nobody follows");
    }

    #[tokio::test]
    async fn a_finished_run_is_not_cancelled_when_its_follower_leaves() {
        let db = TestDb::create().await;
        let runs = runs(&db).await;
        let live = runs.start(scope(1, 2), &dataset(), "q").await.expect("start");
        let follower = live.follow(0);
        live.push(Event::Done {
            run_id: live.id.to_string(),
        });
        drop(follower);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!live.cancel.is_cancelled());
        assert!(
            !runs.cancel(live.scope.user, live.scope.session),
            "nothing is running any more: nothing to cancel"
        );
        assert!(!live.cancel.is_cancelled());
    }

    #[tokio::test]
    async fn a_run_left_running_is_claimed_once_with_sequence_numbers_after_the_old_ones() {
        let db = TestDb::create().await;
        let before = runs(&db).await;
        let live = before
            .start(scope(1, 2), &dataset(), "the question")
            .await
            .expect("start");
        let old = live.push(text("before the crash"));
        let finished = before.start(scope(1, 3), &dataset(), "q").await.expect("start");
        before
            .finish(&finished, Outcome::Finished, Usage::default(), &Identity::default())
            .await
            .expect("finish");

        let after = Runs::new(before.pool.clone(), Duration::from_millis(20));
        let claimed = after.claim_interrupted().await.expect("claim");
        assert_eq!(claimed.len(), 1, "only the running run");
        let resumed = &claimed[0];
        assert_eq!(
            (resumed.live.id, resumed.question.as_str(), &resumed.dataset),
            (live.id, "the question", &dataset())
        );
        let new = resumed.live.push(text("after the restart"));
        assert!(new.seq > old.seq, "{} then {}", old.seq, new.seq);
        let mut follower = Box::pin(resumed.live.follow(old.seq));
        assert_eq!(
            follower.next().await.map(|event| event.event),
            Some(text("after the restart"))
        );
        assert!(after.get(live.scope.user, live.id).is_ok(), "registered as live");
    }
}
