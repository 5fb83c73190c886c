//! The Redis cache in front of PostgreSQL: string values, or lists of them, under a key
//! prefix, with a sliding TTL (every read renews it). The cache is never the truth, so every failure is
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

    /// The list under `key`, renewing its TTL; `None` when absent (an empty list is never
    /// stored), stale, or when Redis fails.
    pub async fn list(&self, key: &str) -> Option<Vec<String>> {
        if self.is_stale(key) {
            self.delete(key).await;
            return None;
        }
        let key = self.key(key);
        let mut pipeline = redis::pipe();
        pipeline
            .lrange(&key, 0, -1)
            .expire(&key, self.ttl_secs() as i64)
            .ignore();
        let mut connection = self.connection.clone();
        let result: redis::RedisResult<(Vec<String>,)> = pipeline.query_async(&mut connection).await;
        match result {
            Ok((items,)) if !items.is_empty() => Some(items),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(%error, key, "cache read failed; using the database");
                None
            }
        }
    }

    /// Stores `items` as the list under `key` with the TTL, replacing what was there, in
    /// one transaction; no items deletes the key.
    pub async fn set_list(&self, key: &str, items: &[String]) {
        if items.is_empty() {
            return self.delete(key).await;
        }
        let full = self.key(key);
        let mut pipeline = redis::pipe();
        pipeline
            .atomic()
            .del(&full)
            .ignore()
            .rpush(&full, items)
            .ignore()
            .expire(&full, self.ttl_secs() as i64)
            .ignore();
        self.write::<()>(key, pipeline).await;
    }

    /// Appends `item` to the list under `key` if one is cached, renewing its TTL; returns
    /// the list's length after it, `Some(0)` when none is cached, `None` when Redis failed
    /// (the key is then stale: the list may lack the item).
    pub async fn push_if_cached(&self, key: &str, item: &str) -> Option<usize> {
        let full = self.key(key);
        let mut pipeline = redis::pipe();
        pipeline
            .atomic()
            .rpush_exists(&full, item)
            .expire(&full, self.ttl_secs() as i64)
            .ignore();
        let length: Option<(usize,)> = self.write(key, pipeline).await;
        length.map(|(length,)| length)
    }

    /// Runs `pipeline`, a write of `key`: on failure the key is stale.
    async fn write<T: redis::FromRedisValue>(&self, key: &str, pipeline: redis::Pipeline) -> Option<T> {
        let mut connection = self.connection.clone();
        let result: redis::RedisResult<T> = pipeline.query_async(&mut connection).await;
        if let Err(error) = &result {
            tracing::warn!(%error, key, "cache write failed");
        }
        self.mark_stale(key, result.is_err());
        result.ok()
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

    #[tokio::test]
    async fn a_list_is_pushed_to_only_while_cached_and_an_outage_leaves_it_unread() {
        let proxy = TcpProxy::start(authority(&redis_url()).await).await;
        let cache = cache_via(&proxy).await;
        assert_eq!(
            cache.push_if_cached("l", "x").await,
            Some(0),
            "nothing cached: no list made"
        );
        assert_eq!(cache.list("l").await, None);
        cache.set_list("l", &["a".into(), "b".into()]).await;
        assert_eq!(cache.push_if_cached("l", "c").await, Some(3));
        assert_eq!(cache.list("l").await, Some(vec!["a".into(), "b".into(), "c".into()]));
        cache.set_list("l", &["z".into()]).await;
        assert_eq!(cache.list("l").await, Some(vec!["z".into()]), "replaced, not appended");

        proxy.set(Mode::Closed).await;
        assert_eq!(cache.push_if_cached("l", "lost").await, None);
        proxy.set(Mode::Forward).await;
        assert_eq!(cache.list("l").await, None, "the list that missed a push is not served");
        cache.set_list("l", &[]).await;
        assert_eq!(cache.list("l").await, None);
    }
}
