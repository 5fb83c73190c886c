//! Runs of the agent graph: at most one per session at a time, their events while they go
//! on, and their cancellation.
//!
//! PostgreSQL decides who may run (`runs_one_running_per_session`: a second start gets
//! [`Error::Busy`], whichever instance it reaches). The events of a live run stay in this
//! process ([`Live`]): subscribers get everything after the sequence number they last saw
//! and then follow the run to its `done`, which is how a client that reconnects with
//! `Last-Event-ID` gets the rest of the run. A finished run is kept for [`KEEP_FINISHED`]
//! so that a reconnect just after the end still finds it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::Stream;
use sqlx::PgPool;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::Error;
use crate::domain::{RunId, Scope, SessionId, UserId};
use crate::events::{Event, RunEvent};

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
    /// It waits for a human decision.
    Interrupted,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Finished => "finished",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Interrupted => "interrupted",
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
    events: Mutex<Vec<RunEvent>>,
    /// The number of events so far, `u64::MAX` once `done` was pushed.
    progress: watch::Sender<u64>,
}

impl Live {
    fn new(id: RunId, scope: Scope) -> Self {
        Self {
            id,
            scope,
            cancel: CancellationToken::new(),
            events: Mutex::default(),
            progress: watch::Sender::new(0),
        }
    }

    /// Records `event` as the next of the run and wakes its subscribers; returns it numbered.
    pub fn push(&self, event: Event) -> RunEvent {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        let done = matches!(event, Event::Done { .. });
        let numbered = RunEvent {
            run_id: self.id.to_string(),
            seq: events.len() as u64 + 1,
            event,
        };
        events.push(numbered.clone());
        let progress = if done { u64::MAX } else { events.len() as u64 };
        drop(events);
        self.progress.send_replace(progress);
        numbered
    }

    /// Every event after `after_seq`, then the rest of the run as it happens, ending with `done`.
    pub fn follow(self: &Arc<Self>, after_seq: u64) -> impl Stream<Item = RunEvent> + Send + 'static {
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

    /// The events after `seen`, if any yet.
    fn after(&self, seen: u64) -> Option<RunEvent> {
        let events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        usize::try_from(seen).ok().and_then(|seen| events.get(seen)).cloned()
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

/// The runs of this instance, over the `runs` table.
#[derive(Clone)]
pub struct Runs {
    pool: PgPool,
    live: Arc<Mutex<HashMap<RunId, Arc<Live>>>>,
}

impl Runs {
    /// The runs recorded in `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            live: Arc::default(),
        }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<RunId, Arc<Live>>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a new run of `question` in `scope`; [`Error::Busy`] when the session already
    /// has one going.
    #[tracing::instrument(skip_all, fields(user_id = %scope.user.0, session_id = %scope.session.0))]
    pub async fn start(&self, scope: Scope, question: &str) -> Result<Arc<Live>, Error> {
        let id = RunId::new();
        let inserted = sqlx::query(
            "INSERT INTO runs (id, user_id, session_id, file_id, question, status) VALUES ($1, $2, $3, $4, $5, 'running')",
        )
        .bind(id.0)
        .bind(scope.user.0)
        .bind(scope.session.0)
        .bind(&scope.file.0)
        .bind(question)
        .execute(&self.pool)
        .await;
        match inserted {
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => return Err(Error::Busy),
            other => other?,
        };
        let live = Arc::new(Live::new(id, scope));
        self.live().insert(id, Arc::clone(&live));
        Ok(live)
    }

    /// Records how `run` ended; its events stay available for [`KEEP_FINISHED`].
    #[tracing::instrument(skip_all, fields(run_id = %run.id))]
    pub async fn finish(&self, run: &Arc<Live>, outcome: Outcome) -> Result<(), Error> {
        sqlx::query("UPDATE runs SET status = $2, finished_at = now() WHERE id = $1")
            .bind(run.id.0)
            .bind(outcome.as_str())
            .execute(&self.pool)
            .await?;
        let (runs, id) = (self.clone(), run.id);
        tokio::spawn(async move {
            tokio::time::sleep(KEEP_FINISHED).await;
            runs.live().remove(&id);
        });
        Ok(())
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
            .filter(|run| run.scope.user == user && run.scope.session == session && !run.cancel.is_cancelled());
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
    use crate::domain::FileId;
    use futures::StreamExt;
    use sextant_common::testing::TestDb;
    use uuid::Uuid;

    async fn runs(db: &TestDb) -> Runs {
        let pool = sextant_common::connect::postgres(&db.url, 2).await.expect("postgres");
        sqlx::migrate!().run(&pool).await.expect("migrations");
        Runs::new(pool)
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
        let first = runs.start(scope(1, 2), "q").await.expect("first");
        assert!(matches!(runs.start(scope(1, 2), "q").await, Err(Error::Busy)));
        runs.start(scope(1, 3), "q").await.expect("another session is free");
        runs.finish(&first, Outcome::Finished).await.expect("finish");
        runs.start(scope(1, 2), "q").await.expect("free again");
    }

    #[tokio::test]
    async fn a_follower_gets_the_events_after_its_last_seen_and_then_the_rest_up_to_done() {
        let db = TestDb::create().await;
        let runs = runs(&db).await;
        let live = runs.start(scope(1, 2), "q").await.expect("start");
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
        let live = runs.start(scope(1, 2), "q").await.expect("start");
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
        let live = runs.start(scope(1, 2), "q").await.expect("start");
        let forgotten = runs
            .forget_session(live.scope.user, live.scope.session)
            .await
            .expect("forget");
        assert_eq!(forgotten, vec![live.id]);
        assert!(live.cancel.is_cancelled());
        assert!(matches!(runs.get(live.scope.user, live.id), Err(Error::RunNotFound)));
        runs.start(scope(1, 2), "q").await.expect("the session is free");
    }
}
