//! The Redis cache in front of PostgreSQL: string values under a key prefix, with a
//! sliding TTL (every read renews it). The cache is never the truth, so every failure is
//! logged and treated as a miss (reads) or a no-op (writes): with Redis away, callers
//! answer from PostgreSQL, and use the cache again as soon as it returns.
//!
//! A write that fails while Redis is away would leave the value from before the outage in
//! Redis once it returns. Such keys are remembered as *stale* in this process and never
//! read from Redis until they have been deleted or written there successfully. (Another
//! instance of the service does not know them; with several instances an outage can
//! serve a stale value for at most the TTL.)

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use redis::AsyncCommands;
use redis::aio::ConnectionManager;

/// A key-prefixed view of Redis used as a cache.
#[derive(Clone)]
pub struct Cache {
    connection: ConnectionManager,
    prefix: String,
    ttl: Duration,
    stale: Arc<Mutex<HashSet<String>>>,
}

impl Cache {
    /// A cache whose keys all start with `prefix` and live `ttl` after their last use.
    pub fn new(connection: ConnectionManager, prefix: impl Into<String>, ttl: Duration) -> Self {
        Self {
            connection,
            prefix: prefix.into(),
            ttl,
            stale: Arc::default(),
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn ttl_secs(&self) -> u64 {
        self.ttl.as_secs().max(1)
    }

    fn mark_stale(&self, key: &str, stale: bool) {
        let mut keys = self.stale.lock().unwrap_or_else(PoisonError::into_inner);
        if stale {
            keys.insert(key.to_owned());
        } else {
            keys.remove(key);
        }
    }

    fn is_stale(&self, key: &str) -> bool {
        self.stale.lock().unwrap_or_else(PoisonError::into_inner).contains(key)
    }

    /// The value under `key`, renewing its TTL; `None` when absent, stale, or when Redis
    /// fails.
    pub async fn get(&self, key: &str) -> Option<String> {
        if self.is_stale(key) {
            self.delete(key).await;
            return None;
        }
        let mut connection = self.connection.clone();
        let result: redis::RedisResult<Option<String>> = redis::cmd("GETEX")
            .arg(self.key(key))
            .arg("EX")
            .arg(self.ttl_secs())
            .query_async(&mut connection)
            .await;
        result.unwrap_or_else(|error| {
            tracing::warn!(%error, key, "cache read failed; using the database");
            None
        })
    }

    /// Stores `value` under `key` with the TTL.
    pub async fn set(&self, key: &str, value: &str) {
        self.set_many(&[(key, value)]).await;
    }

    /// Stores every `(key, value)` with the TTL, in one round trip (a pipeline).
    pub async fn set_many(&self, entries: &[(&str, &str)]) {
        if entries.is_empty() {
            return;
        }
        let mut pipeline = redis::pipe();
        for (key, value) in entries {
            pipeline.set_ex(self.key(key), *value, self.ttl_secs()).ignore();
        }
        let mut connection = self.connection.clone();
        let result: redis::RedisResult<()> = pipeline.query_async(&mut connection).await;
        if let Err(error) = &result {
            tracing::warn!(%error, keys = entries.len(), "cache write failed");
        }
        for (key, _) in entries {
            self.mark_stale(key, result.is_err());
        }
    }

    /// Removes `key`.
    pub async fn delete(&self, key: &str) {
        let mut connection = self.connection.clone();
        let result: redis::RedisResult<()> = connection.del(self.key(key)).await;
        if let Err(error) = &result {
            tracing::warn!(%error, key, "cache delete failed");
        }
        self.mark_stale(key, result.is_err());
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::testing::{Mode, TcpProxy, authority, redis_url, with_authority};

    async fn cache_via(proxy: &TcpProxy) -> Cache {
        let url = with_authority(&redis_url(), proxy.addr());
        let prefix = format!("test:{}:", uuid::Uuid::new_v4());
        Cache::new(
            crate::connect::redis(&url).expect("redis"),
            prefix,
            Duration::from_secs(60),
        )
    }

    #[tokio::test]
    async fn set_get_delete_round_trip() {
        let proxy = TcpProxy::start(authority(&redis_url()).await).await;
        let cache = cache_via(&proxy).await;
        assert_eq!(cache.get("k").await, None);
        cache.set("k", "v1").await;
        assert_eq!(cache.get("k").await.as_deref(), Some("v1"));
        cache.delete("k").await;
        assert_eq!(cache.get("k").await, None);
    }

    #[tokio::test]
    async fn set_many_stores_every_entry_and_an_outage_leaves_them_all_unread() {
        let proxy = TcpProxy::start(authority(&redis_url()).await).await;
        let cache = cache_via(&proxy).await;
        cache.set_many(&[("a", "1"), ("b", "2")]).await;
        assert_eq!(cache.get("a").await.as_deref(), Some("1"));
        assert_eq!(cache.get("b").await.as_deref(), Some("2"));

        proxy.set(Mode::Closed).await;
        cache.set_many(&[("a", "3"), ("b", "4")]).await; // lost: Redis is away
        proxy.set(Mode::Forward).await;
        assert_eq!(cache.get("a").await, None, "neither old value is served");
        assert_eq!(cache.get("b").await, None);
    }

    #[tokio::test]
    async fn a_write_missed_during_an_outage_never_serves_the_old_value() {
        let proxy = TcpProxy::start(authority(&redis_url()).await).await;
        let cache = cache_via(&proxy).await;
        cache.set("k", "before").await;

        proxy.set(Mode::Closed).await;
        cache.set("k", "during").await; // lost: Redis is away
        assert_eq!(cache.get("k").await, None, "reads fall back to the database");

        proxy.set(Mode::Forward).await;
        assert_eq!(
            cache.get("k").await,
            None,
            "the value from before the outage is not served"
        );
        cache.set("k", "after").await;
        assert_eq!(cache.get("k").await.as_deref(), Some("after"));
    }
}
