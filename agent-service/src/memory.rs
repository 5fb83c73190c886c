//! Memory per (user, session, file): the conversation turns and what the analyst keeps about
//! them (DESIGN.md section 6). PostgreSQL holds it as JSON (`memories.data`, never an opaque
//! binary) and is the truth; Redis caches the same JSON under
//! `memory:user{u}:session:{s}:file:{f}` (TTL 3600 s, sliding). A turn is written through
//! at its end, in one statement, so memory never holds half a turn.

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

impl Memories {
    /// A store over `pool`, cached in `cache`.
    pub fn new(pool: PgPool, cache: Cache) -> Self {
        Self { pool, cache }
    }

    /// The memory of `scope`; empty when nothing was said yet.
    #[tracing::instrument(skip_all, fields(user_id = %scope.user.0, session_id = %scope.session.0))]
    pub async fn load(&self, scope: &Scope) -> Result<Memory, Error> {
        let key = cache_key(scope);
        if let Some(cached) = self.cache.get(&key).await {
            match serde_json::from_str(&cached) {
                Ok(memory) => return Ok(memory),
                Err(error) => tracing::warn!(%error, "unreadable cached memory; reading the database"),
            }
        }
        let stored: Option<sqlx::types::Json<Memory>> =
            sqlx::query_scalar("SELECT data FROM memories WHERE user_id = $1 AND session_id = $2 AND file_id = $3")
                .bind(scope.user.0)
                .bind(scope.session.0)
                .bind(&scope.file.0)
                .fetch_optional(&self.pool)
                .await?;
        let memory = stored.map(|json| json.0).unwrap_or_default();
        self.cache.set(&key, &serde_json::to_string(&memory)?).await;
        Ok(memory)
    }

    /// Appends `turn` to the memory of `scope` in one statement, then refreshes the cache;
    /// a turn of a run already remembered is not appended again. Returns the memory.
    #[tracing::instrument(skip_all, fields(user_id = %scope.user.0, session_id = %scope.session.0))]
    pub async fn append(&self, scope: &Scope, turn: Turn) -> Result<Memory, Error> {
        let run_id = turn.run_id.clone();
        let turn = serde_json::to_value(&turn)?;
        let appended: Option<sqlx::types::Json<Memory>> = sqlx::query_scalar(concat!(
            "INSERT INTO memories (user_id, session_id, file_id, data) \
             SELECT $1, $2, $3, jsonb_build_object('turns', jsonb_build_array($4::jsonb)) FROM ",
            async_commit!(),
            " ON CONFLICT (user_id, session_id, file_id) DO UPDATE SET \
               data = jsonb_set(memories.data, '{turns}', \
                        COALESCE(memories.data->'turns', '[]'::jsonb) || jsonb_build_array($4::jsonb)), \
               updated_at = now() \
             WHERE $5::text IS NULL OR NOT COALESCE(memories.data->'turns', '[]'::jsonb) \
                   @> jsonb_build_array(jsonb_build_object('run_id', $5::text)) \
             RETURNING data"
        ))
        .bind(scope.user.0)
        .bind(scope.session.0)
        .bind(&scope.file.0)
        .bind(turn)
        .bind(run_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(sqlx::types::Json(memory)) = appended else {
            tracing::info!("this run's turn is already remembered");
            self.cache.delete(&cache_key(scope)).await;
            return self.load(scope).await;
        };
        self.cache
            .set(&cache_key(scope), &serde_json::to_string(&memory)?)
            .await;
        Ok(memory)
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
        sqlx::query("DELETE FROM memories WHERE user_id = $1 AND session_id = $2 AND file_id = $3")
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
        let files: Vec<String> =
            sqlx::query_scalar("DELETE FROM memories WHERE user_id = $1 AND session_id = $2 RETURNING file_id")
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

    #[tokio::test]
    async fn turns_are_appended_in_order_and_survive_a_flushed_cache() {
        let db = TestDb::create().await;
        let memories = store(&db).await;
        let scope = scope("f");
        memories.load(&scope).await.expect("load caches the empty memory");
        memories.append(&scope, turn("first")).await.expect("append");
        let after = memories.append(&scope, turn("second")).await;
        let after = after.expect("append");
        assert_eq!(
            after.turns.iter().map(|t| t.question.as_str()).collect::<Vec<_>>(),
            ["first", "second"]
        );
        assert_eq!(memories.load(&scope).await.expect("cached"), after);
        // As if Redis were flushed: the memory comes back from PostgreSQL.
        memories.cache.delete(&cache_key(&scope)).await;
        assert_eq!(memories.load(&scope).await.expect("from PostgreSQL"), after);
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
        let again = memories.append(&scope, of_run("first", "run-1")).await;
        assert_eq!(again.expect("append again").turns.len(), 1, "the same run once");
        let next = memories.append(&scope, of_run("second", "run-2")).await;
        assert_eq!(next.expect("append").turns.len(), 2);
        assert_eq!(memories.load(&scope).await.expect("load").turns.len(), 2);
    }
}
