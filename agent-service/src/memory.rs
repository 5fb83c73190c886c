//! Memory per (user, session, file): the conversation turns and what the analyst keeps about
//! them (DESIGN.md section 6). PostgreSQL holds each turn as a JSON row (`memory_turns`, never
//! an opaque binary) and is the truth; Redis caches a conversation as the list of its turns'
//! JSON under `memory:user{u}:session:{s}:file:{f}` (TTL 3600 s, sliding). A turn is written
//! through at its end, in one statement, so memory never holds half a turn; remembering it
//! costs the same however long the conversation is.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sextant_common::cache::Cache;
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::Error;
use crate::domain::{Scope, SessionId, UserId};
use crate::events::Event;

/// How long a memory stays in Redis after its last use (sliding).
pub const TTL: Duration = Duration::from_secs(3600);

/// One question and its whole answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// The question as asked.
    pub question: String,
    /// Every event of the answer, `done` excluded.
    pub answer: Vec<Event>,
    /// The run that answered: a turn is appended once per run, so a run resumed after a
    /// crash between its append and its checkpoint does not remember its answer twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// What the analyst keeps for follow-ups (the query it ran, the chart it drew...).
    #[serde(default)]
    pub notes: BTreeMap<String, serde_json::Value>,
    /// When the turn ended.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Everything remembered about one conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// The turns, oldest first. (What an analyst keeps beyond the answer, such as the
    /// offline analyst's reading of a question for follow-ups, is in each turn's notes.)
    pub turns: Vec<Turn>,
}

/// Whether [`Memories::append`] remembered a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// The turn is the conversation's latest.
    Remembered,
    /// Its run's turn was remembered before: nothing changed.
    AlreadyRemembered,
}

/// The memory store.
#[derive(Clone)]
pub struct Memories {
    pool: PgPool,
    cache: Cache,
}

fn cache_key(scope: &Scope) -> String {
    format!(
        "memory:user{}:session:{}:file:{}",
        scope.user.0, scope.session.0, scope.file.0
    )
}

/// Turns from their JSON, oldest first.
fn parse(turns: &[String]) -> Result<Memory, serde_json::Error> {
    let turns = turns
        .iter()
        .map(|turn| serde_json::from_str(turn))
        .collect::<Result<_, _>>()?;
    Ok(Memory { turns })
}

impl Memories {
    /// A store over `pool`, cached in `cache`.
    pub fn new(pool: PgPool, cache: Cache) -> Self {
        Self { pool, cache }
    }

    /// The memory of `scope`; empty when nothing was said yet.
    #[tracing::instrument(skip_all, fields(user_id = %scope.user.0, session_id = %scope.session.0))]
    pub async fn load(&self, scope: &Scope) -> Result<Memory, Error> {
        let key = cache_key(scope);
        if let Some(cached) = self.cache.list(&key).await {
            match parse(&cached) {
                Ok(memory) => return Ok(memory),
                Err(error) => tracing::warn!(%error, "unreadable cached memory; reading the database"),
            }
        }
        let stored: Vec<String> = sqlx::query_scalar(
            "SELECT turn::text FROM memory_turns WHERE user_id = $1 AND session_id = $2 AND file_id = $3 \
             ORDER BY id",
        )
        .bind(scope.user.0)
        .bind(scope.session.0)
        .bind(&scope.file.0)
        .fetch_all(&self.pool)
        .await?;
        let memory = parse(&stored)?;
        self.cache.set_list(&key, &stored).await;
        Ok(memory)
    }

    /// Appends `turn` to the memory of `scope` in one statement, then to the cached copy
    /// when there is one; a turn of a run already remembered is not appended again.
    #[tracing::instrument(skip_all, fields(user_id = %scope.user.0, session_id = %scope.session.0))]
    pub async fn append(&self, scope: &Scope, turn: Turn) -> Result<Appended, Error> {
        let json = serde_json::to_string(&turn)?;
        // The conversation's length with the turn, when it was appended (the count is of the
        // rows before the statement, which does not see its own insert).
        let turns: Option<i64> = sqlx::query_scalar(concat!(
            "WITH added AS ( \
               INSERT INTO memory_turns (user_id, session_id, file_id, run_id, turn) \
               SELECT $1, $2, $3, $4, $5::json FROM ",
            async_commit!(),
            " ON CONFLICT (user_id, session_id, file_id, run_id) DO NOTHING RETURNING 1 \
             ) \
             SELECT (SELECT count(*) FROM memory_turns \
                     WHERE user_id = $1 AND session_id = $2 AND file_id = $3) + 1 FROM added"
        ))
        .bind(scope.user.0)
        .bind(scope.session.0)
        .bind(&scope.file.0)
        .bind(turn.run_id.as_deref())
        .bind(&json)
        .fetch_optional(&self.pool)
        .await?;
        let key = cache_key(scope);
        let Some(turns) = turns else {
            tracing::info!("this run's turn is already remembered");
            return Ok(Appended::AlreadyRemembered);
        };
        // The cached copy is the conversation only if it now holds as many turns as
        // PostgreSQL does (a copy cached before a turn that never reached it is dropped).
        // With none cached, a conversation of this one turn is cached whole.
        match self.cache.push_if_cached(&key, &json).await {
            Some(0) if turns == 1 => self.cache.set_list(&key, &[json]).await,
            Some(cached) if cached == 0 || i64::try_from(cached) == Ok(turns) => {}
            Some(_) => self.cache.delete(&key).await,
            None => {}
        }
        Ok(Appended::Remembered)
    }
    /// Makes sure the cache and PostgreSQL agree, PostgreSQL winning (`POST /chat/save`:
    /// every turn is already durable when it ends).
    pub async fn flush(&self, scope: &Scope) -> Result<(), Error> {
        self.cache.delete(&cache_key(scope)).await;
        self.load(scope).await.map(drop)
    }

    /// Forgets the memory of `scope`, in PostgreSQL and Redis.
    #[tracing::instrument(skip_all, fields(user_id = %scope.user.0, session_id = %scope.session.0))]
    pub async fn delete(&self, scope: &Scope) -> Result<(), Error> {
        sqlx::query("DELETE FROM memory_turns WHERE user_id = $1 AND session_id = $2 AND file_id = $3")
            .bind(scope.user.0)
            .bind(scope.session.0)
            .bind(&scope.file.0)
            .execute(&self.pool)
            .await?;
        self.cache.delete(&cache_key(scope)).await;
        Ok(())
    }

    /// Forgets every memory of a deleted session.
    #[tracing::instrument(skip_all, fields(user_id = %user.0, session_id = %session.0))]
    pub async fn forget_session(&self, user: UserId, session: SessionId) -> Result<(), Error> {
        let files: Vec<String> = sqlx::query_scalar(
            "WITH forgotten AS (DELETE FROM memory_turns WHERE user_id = $1 AND session_id = $2 RETURNING file_id) \
             SELECT DISTINCT file_id FROM forgotten",
        )
        .bind(user.0)
        .bind(session.0)
        .fetch_all(&self.pool)
        .await?;
        for file in files {
            let scope = Scope {
                user,
                session,
                file: crate::domain::FileId(file),
            };
            self.cache.delete(&cache_key(&scope)).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FileId;
    use sextant_common::testing::{TestDb, redis_url};
    use uuid::Uuid;

    async fn store(db: &TestDb) -> Memories {
        let pool = sextant_common::connect::postgres(&db.url, 2).await.expect("postgres");
        sqlx::migrate!().run(&pool).await.expect("migrations");
        let redis = sextant_common::connect::redis(&redis_url()).expect("redis");
        let prefix = format!("test-{}:", Uuid::new_v4().simple());
        Memories::new(pool, Cache::new(redis, prefix, Duration::from_secs(60)))
    }

    fn scope(file: &str) -> Scope {
        Scope {
            user: UserId(Uuid::from_u128(1)),
            session: SessionId(Uuid::from_u128(2)),
            file: FileId(file.into()),
        }
    }

    fn turn(question: &str) -> Turn {
        Turn {
            question: question.into(),
            answer: vec![Event::Text { delta: "42".into() }],
            run_id: None,
            notes: BTreeMap::new(),
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[tokio::test]
    async fn a_new_conversation_has_no_turns() {
        let db = TestDb::create().await;
        let memories = store(&db).await;
        assert_eq!(memories.load(&scope("f")).await.expect("load"), Memory::default());
    }

    fn questions(memory: &Memory) -> Vec<&str> {
        memory.turns.iter().map(|turn| turn.question.as_str()).collect()
    }

    #[tokio::test]
    async fn turns_are_appended_in_order_and_survive_a_flushed_cache() {
        let db = TestDb::create().await;
        let memories = store(&db).await;
        let scope = scope("f");
        memories.load(&scope).await.expect("load");
        memories.append(&scope, turn("first")).await.expect("append");
        let cached = memories.cache.list(&cache_key(&scope)).await;
        assert_eq!(cached.map(|turns| turns.len()), Some(1), "a new conversation is cached");
        let appended = memories.append(&scope, turn("second")).await.expect("append");
        assert_eq!(appended, Appended::Remembered);
        let cached = memories.cache.list(&cache_key(&scope)).await.expect("cached");
        assert_eq!(cached.len(), 2, "the cached copy has the second turn too");
        let after = memories.load(&scope).await.expect("cached");
        assert_eq!(questions(&after), ["first", "second"]);
        // As if Redis were flushed: the memory comes back from PostgreSQL.
        memories.cache.delete(&cache_key(&scope)).await;
        assert_eq!(memories.load(&scope).await.expect("from PostgreSQL"), after);
    }

    #[tokio::test]
    async fn a_cached_copy_that_missed_a_turn_is_dropped_at_the_next_append() {
        let db = TestDb::create().await;
        let memories = store(&db).await;
        let scope = scope("f");
        memories.append(&scope, turn("first")).await.expect("append");
        memories.load(&scope).await.expect("load caches the first turn");
        // A turn written by another instance whose cache write was lost.
        sqlx::query("INSERT INTO memory_turns (user_id, session_id, file_id, turn) VALUES ($1, $2, $3, $4::json)")
            .bind(scope.user.0)
            .bind(scope.session.0)
            .bind(&scope.file.0)
            .bind(serde_json::to_string(&turn("second")).expect("json"))
            .execute(&memories.pool)
            .await
            .expect("insert");
        memories.append(&scope, turn("third")).await.expect("append");
        assert_eq!(
            memories.cache.list(&cache_key(&scope)).await,
            None,
            "the copy is dropped"
        );
        let memory = memories.load(&scope).await.expect("load");
        assert_eq!(questions(&memory), ["first", "second", "third"]);
    }

    #[tokio::test]
    async fn conversations_remembered_as_one_document_become_their_turns_in_order() {
        let db = TestDb::create().await;
        let pool = sextant_common::connect::postgres(&db.url, 2).await.expect("postgres");
        // The migrations before the one that splits memories into turns.
        let before = tempfile::tempdir().expect("dir");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        for entry in std::fs::read_dir(&dir).expect("migrations") {
            let path = entry.expect("entry").path();
            let name = path.file_name().expect("name").to_string_lossy().into_owned();
            if name.as_str() < "20261204000003" {
                std::fs::copy(&path, before.path().join(&name)).expect("copy");
            }
        }
        let old = sqlx::migrate::Migrator::new(before.path())
            .await
            .expect("old migrations");
        old.run(&pool).await.expect("old migrations run");
        let scope = scope("f");
        let document = serde_json::json!({"turns": [
            serde_json::to_value(Turn { run_id: Some("run-1".into()), ..turn("first") }).expect("json"),
            serde_json::to_value(turn("second")).expect("json"),
        ]});
        sqlx::query("INSERT INTO memories (user_id, session_id, file_id, data) VALUES ($1, $2, $3, $4)")
            .bind(scope.user.0)
            .bind(scope.session.0)
            .bind(&scope.file.0)
            .bind(&document)
            .execute(&pool)
            .await
            .expect("an old memory");
        drop(pool);

        let memories = store(&db).await;
        let memory = memories.load(&scope).await.expect("load");
        assert_eq!(questions(&memory), ["first", "second"]);
        assert_eq!(memory.turns[0].run_id.as_deref(), Some("run-1"));
        let again = Turn {
            run_id: Some("run-1".into()),
            ..turn("first")
        };
        assert_eq!(
            memories.append(&scope, again).await.expect("append"),
            Appended::AlreadyRemembered,
            "the migrated turn keeps its run"
        );
    }

    #[tokio::test]
    async fn delete_forgets_one_file_and_forget_session_every_file() {
        let db = TestDb::create().await;
        let memories = store(&db).await;
        for file in ["a", "b", "c"] {
            memories.append(&scope(file), turn(file)).await.expect("append");
        }
        memories.delete(&scope("a")).await.expect("delete");
        assert!(memories.load(&scope("a")).await.expect("load").turns.is_empty());
        assert_eq!(memories.load(&scope("b")).await.expect("load").turns.len(), 1);
        let user = scope("b").user;
        memories.forget_session(user, scope("b").session).await.expect("forget");
        for file in ["b", "c"] {
            assert!(
                memories.load(&scope(file)).await.expect("load").turns.is_empty(),
                "{file}"
            );
        }
    }

    #[tokio::test]
    async fn a_run_is_remembered_once_however_often_its_turn_is_appended() {
        let db = TestDb::create().await;
        let memories = store(&db).await;
        let scope = scope("f");
        let of_run = |question: &str, run: &str| Turn {
            run_id: Some(run.into()),
            ..turn(question)
        };
        memories.append(&scope, of_run("first", "run-1")).await.expect("append");
        memories.load(&scope).await.expect("load caches the first turn");
        let again = memories.append(&scope, of_run("first again", "run-1")).await;
        assert_eq!(again.expect("append again"), Appended::AlreadyRemembered);
        let next = memories.append(&scope, of_run("second", "run-2")).await;
        assert_eq!(next.expect("append"), Appended::Remembered);
        assert_eq!(
            questions(&memories.load(&scope).await.expect("load")),
            ["first", "second"]
        );
        memories.cache.delete(&cache_key(&scope)).await;
        assert_eq!(
            questions(&memories.load(&scope).await.expect("from PostgreSQL")),
            ["first", "second"]
        );
    }
}
