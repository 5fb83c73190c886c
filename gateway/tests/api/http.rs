//! The HTTP surface: routes, error shape, request ids, CORS.

use reqwest::StatusCode;

use crate::harness::{TestApp, assert_error};

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape() {
    let app = TestApp::spawn().await;

    assert_error(
        app.client.get(app.api("/nope")).send().await.expect("send"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        app.client.get(format!("{}/", app.root)).send().await.expect("send"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let wrong_method = app.client.get(app.api("/auth/register")).send().await.expect("send");
    assert_error(wrong_method, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[tokio::test]
async fn a_client_request_id_is_kept_and_echoed() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.api("/auth/me"))
        .header("x-request-id", "client-chosen-42")
        .send()
        .await
        .expect("send");
    let body = assert_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_eq!(body["request_id"], "client-chosen-42");

    let healthz = app
        .client
        .get(format!("{}/healthz", app.root))
        .send()
        .await
        .expect("send");
    assert_eq!(healthz.status(), StatusCode::OK);
    assert!(
        healthz.headers().contains_key("x-request-id"),
        "a fresh request id is set when none was sent"
    );
}

#[tokio::test]
async fn cors_allows_configured_origins_only() {
    let app = TestApp::spawn().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.api("/auth/login"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type,authorization")
            .send()
    };

    let allowed = preflight("http://localhost:3000").await.expect("send");
    assert!(allowed.status().is_success());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );

    let refused = preflight("http://evil.example").await.expect("send");
    assert!(!refused.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = TestApp::spawn().await;
    let response = app.register("metrics@example.com", "correct horse battery").await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let metrics = app
        .client
        .get(format!("{}/metrics", app.root))
        .send()
        .await
        .expect("send");
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.expect("text");
    assert!(
        text.lines().any(|line| line.starts_with("http_requests_total")
            && line.contains(r#"route="/api/v1/gateway/auth/register""#)
            && line.contains(r#"status="201""#)),
        "{text}"
    );
    assert!(text.contains("http_request_duration_seconds_bucket"), "{text}");
    assert!(
        text.contains(r#"gateway_backend_calls_total{backend="auth",outcome="ok"}"#),
        "{text}"
    );
}
