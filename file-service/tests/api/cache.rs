//! The Redis cache of the active file: written through, read first, and never needed:
//! with Redis away every call answers from PostgreSQL.

use sextant_common::testing::Mode;

use crate::harness::{TestApp, eventually};

const CSV: &str = "a,b\n1,2\n";

#[tokio::test]
async fn the_active_file_is_cached_under_its_documented_key_and_read_from_the_cache() {
    let app = TestApp::spawn().await;
    let (token, session) = app.user_with_session("cache@example.com").await;
    let user = app.user_id(&token).await;
    let first = app.upload(&token, "first.csv", CSV).await.expect("upload");
    let first_id = app.resolve(&token, &session).await.expect("resolve").file_id;
    assert_eq!(app.cached_active_file(&user, &session).await, Some(first_id.clone()));

    let second = app.upload(&token, "second.csv", CSV).await.expect("upload");
    let second_id = app.resolve(&token, &session).await.expect("resolve").file_id;
    assert_eq!(
        app.cached_active_file(&user, &session).await,
        Some(second_id),
        "written through"
    );
    assert_eq!(app.active_file(&token).await.expect("active"), second);

    // Reads come from the cache: a value put there directly is what is served.
    app.cache_active_file(&user, &session, &first_id).await;
    assert_eq!(app.active_file(&token).await.expect("active"), first);
}

#[tokio::test]
async fn with_redis_away_the_active_file_is_served_from_postgres_and_cached_again_after() {
    let app = TestApp::spawn().await;
    let (token, session) = app.user_with_session("outage@example.com").await;
    let user = app.user_id(&token).await;
    let first = app.upload(&token, "first.csv", CSV).await.expect("upload");
    let first_id = app.resolve(&token, &session).await.expect("resolve").file_id;

    app.redis.set(Mode::Closed).await;
    assert_eq!(app.active_file(&token).await.expect("from PostgreSQL"), first);
    let second = app
        .upload(&token, "second.csv", CSV)
        .await
        .expect("upload while Redis is away");
    assert_eq!(app.active_file(&token).await.expect("from PostgreSQL"), second);
    let second_id = app.resolve(&token, &session).await.expect("resolve").file_id;

    app.redis.set(Mode::Forward).await;
    assert_eq!(
        app.cached_active_file(&user, &session).await.as_deref(),
        Some(first_id.as_str()),
        "Redis still holds the entry from before the outage"
    );
    assert_eq!(
        app.active_file(&token).await.expect("active"),
        second,
        "never the stale entry"
    );
    eventually("the cache to hold the active file again", || async {
        let _ = app.active_file(&token).await;
        (app.cached_active_file(&user, &session).await.as_deref() == Some(second_id.as_str())).then_some(())
    })
    .await;
    assert_eq!(app.active_file(&token).await.expect("active"), second);
}
