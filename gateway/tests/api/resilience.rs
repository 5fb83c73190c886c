//! Outages: PostgreSQL, Redis and a backend go away and come back, and the gateway
//! follows without a restart.

use reqwest::StatusCode;
use serde_json::Value;
use sextant_common::testing::Mode;

use crate::harness::{BACKEND_TIMEOUT_MS, PASSWORD, TestApp, assert_error, eventually};

async fn readyz(app: &TestApp) -> (StatusCode, Value) {
    let response = app
        .client
        .get(format!("{}/readyz", app.root))
        .send()
        .await
        .expect("readyz");
    (response.status(), response.json().await.expect("readyz json"))
}

/// Polls `/readyz` until it answers 503 with backends matching `want`; returns the body.
async fn unready_until(app: &TestApp, want: impl Fn(&serde_json::Map<String, Value>) -> bool) -> Value {
    eventually("/readyz to report the outage", || async {
        let (status, body) = readyz(app).await;
        (status == StatusCode::SERVICE_UNAVAILABLE && want(body["backends"].as_object()?)).then_some(body)
    })
    .await
}

#[tokio::test]
async fn readyz_turns_unready_while_postgres_or_redis_is_away_and_recovers() {
    let app = TestApp::spawn().await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["backends"]["auth"], "serving");

    // Every service uses PostgreSQL; each notices at its own next check.
    app.set_postgres(Mode::Closed).await;
    let body = unready_until(&app, |backends| backends.values().all(|status| status == "not_serving")).await;
    assert_eq!(body["code"], "not_ready");
    app.set_postgres(Mode::Forward).await;
    app.wait_until_ready(true).await;

    // Session, file and agent use Redis; auth does not.
    app.redis.set(Mode::Closed).await;
    let body = unready_until(&app, |backends| {
        ["session", "file", "agent"]
            .iter()
            .all(|name| backends[*name] == "not_serving")
    })
    .await;
    assert_eq!(body["backends"]["auth"], "serving", "auth does not use Redis: {body}");
    app.redis.set(Mode::Forward).await;
    app.wait_until_ready(true).await;

    // And the stack works again end to end.
    assert_eq!(
        app.register("after-outage@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn postgres_outage_during_login_is_503_not_a_hang() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.register("outage@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    app.set_postgres(Mode::Closed).await;
    assert_error(
        app.login_json("outage@example.com", PASSWORD).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    )
    .await;
    app.set_postgres(Mode::Forward).await;
    eventually("login after the outage", || async {
        (app.login_json("outage@example.com", PASSWORD).await.status() == StatusCode::OK).then_some(())
    })
    .await;
}

#[tokio::test]
async fn hung_backend_is_504_stopped_backend_is_503_and_the_gateway_recovers() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.register("hang@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );

    app.auth_backend.set(Mode::Blackhole).await;
    let started = std::time::Instant::now();
    let body = assert_error(
        app.login_json("hang@example.com", PASSWORD).await,
        StatusCode::GATEWAY_TIMEOUT,
        "timeout",
    )
    .await;
    assert!(
        body["detail"].as_str().is_some_and(|detail| detail.contains("auth")),
        "{body}"
    );
    // The deadline, not the client, ended the call (a functional bound, not a benchmark).
    assert!(
        started.elapsed().as_millis() < u128::from(BACKEND_TIMEOUT_MS) * 3,
        "took {:?}",
        started.elapsed()
    );

    app.auth_backend.set(Mode::Closed).await;
    let body = assert_error(
        app.login_json("hang@example.com", PASSWORD).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    )
    .await;
    assert!(
        body["detail"].as_str().is_some_and(|detail| detail.contains("auth")),
        "{body}"
    );
    let (status, body) = readyz(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["backends"]["auth"], "unreachable");

    app.auth_backend.set(Mode::Forward).await;
    eventually("login after the backend returns", || async {
        (app.login_json("hang@example.com", PASSWORD).await.status() == StatusCode::OK).then_some(())
    })
    .await;
    app.wait_until_ready(true).await;
}
