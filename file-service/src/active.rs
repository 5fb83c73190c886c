//! The active file of each session: PostgreSQL is the truth, Redis caches the file id
//! under `active_file:user{user}:session:{session}` (TTL one hour, renewed by every
//! read, written through on every change). Every failure of Redis is a cache miss, so
//! with Redis away each call answers from PostgreSQL (see `sextant_common::cache`).

use std::time::Duration;

use sextant_common::cache::Cache;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Error;
use crate::domain::{FileId, SessionId, UserId};
use crate::store::{self, File};

/// Lifetime of a cached active file after its last use.
pub const TTL: Duration = Duration::from_secs(3600);

/// The cache key of the active file of `session`.
pub fn key(user: UserId, session: SessionId) -> String {
    format!("active_file:user{user}:session:{session}")
}

/// Reads and writes active files through the cache.
#[derive(Clone)]
pub struct ActiveFiles {
    pool: PgPool,
    cache: Cache,
}

impl ActiveFiles {
    /// Active files in `pool`, cached in `cache`.
    pub fn new(pool: PgPool, cache: Cache) -> Self {
        Self { pool, cache }
    }

    /// The active file of `session`, if it has one.
    #[tracing::instrument(skip_all, fields(user_id = %user, session_id = %session))]
    pub async fn get(&self, user: UserId, session: SessionId) -> Result<Option<File>, Error> {
        let key = key(user, session);
        if let Some(cached) = self.cache.get(&key).await {
            if let Ok(id) = Uuid::parse_str(&cached)
                && let Some(file) = store::find_by_id(&self.pool, user, FileId(id)).await?
            {
                tracing::debug!(cache = "hit", "active file");
                return Ok(Some(file));
            }
            // The cached file is gone: trust the database below.
            self.cache.delete(&key).await;
        }
        let file = store::active_file(&self.pool, user, session).await?;
        if let Some(file) = &file {
            self.cache.set(&key, &file.id.to_string()).await;
        }
        Ok(file)
    }

    /// Makes `file` the active file of `session`.
    pub async fn set(&self, user: UserId, session: SessionId, file: FileId) -> Result<(), Error> {
        let mut connection = self.pool.acquire().await?;
        store::set_active(&mut connection, user, session, file).await?;
        self.cached(user, session, file).await;
        Ok(())
    }

    /// Writes through a change already committed to the database.
    pub async fn cached(&self, user: UserId, session: SessionId, file: FileId) {
        self.cache.set(&key(user, session), &file.to_string()).await;
    }

    /// Drops the cache entry of `session` (its row is gone already).
    pub async fn uncache(&self, user: UserId, session: SessionId) {
        self.cache.delete(&key(user, session)).await;
    }

    /// Forgets the active file of a deleted session.
    pub async fn forget(&self, user: UserId, session: SessionId) -> Result<(), Error> {
        store::forget_session(&self.pool, user, session).await?;
        self.uncache(user, session).await;
        Ok(())
    }
}
