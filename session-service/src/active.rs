//! The active session of each user in Redis (`session:active:user:{id}`, TTL 3600 s,
//! sliding), written through on every change. A miss or a Redis failure reads
//! PostgreSQL, which is the truth.

use std::time::Duration;

use sextant_common::cache::Cache;

use crate::domain::UserId;
use crate::store::Session;

/// How long an active session stays cached after its last use.
pub const TTL: Duration = Duration::from_secs(3600);

/// The cache of active sessions.
#[derive(Clone)]
pub struct ActiveCache(Cache);

fn key(user: UserId) -> String {
    format!("session:active:user:{}", user.0)
}

impl ActiveCache {
    /// Wraps the service's cache.
    pub fn new(cache: Cache) -> Self {
        Self(cache)
    }

    /// The cached active session of `user`, if present and readable.
    pub async fn get(&self, user: UserId) -> Option<Session> {
        let json = self.0.get(&key(user)).await?;
        serde_json::from_str(&json)
            .inspect_err(|error| tracing::warn!(%error, "unreadable cache entry; ignoring it"))
            .ok()
    }

    /// Records `session` (active) for `user`, or forgets the entry when there is none.
    pub async fn put(&self, user: UserId, session: Option<&Session>) {
        match session.map(serde_json::to_string) {
            Some(Ok(json)) => self.0.set(&key(user), &json).await,
            Some(Err(_)) | None => self.0.delete(&key(user)).await,
        }
    }
}
