//! Prometheus metrics (`GET /metrics`): request rate, latency and errors per route, and
//! the outcome of every backend call, in the process's recorder (`sextant_common::metrics`).

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sextant_common::metrics as recorder;

/// Installs the recorder; call once at start-up so `/metrics` is never empty.
pub fn install() {
    recorder::install();
}

/// `GET /metrics`: the text exposition format.
pub async fn render() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, recorder::CONTENT_TYPE)],
        recorder::render(),
    )
}

/// Middleware recording `http_requests_total` and `http_request_duration_seconds` by
/// method, route template (never the raw path, which would explode cardinality) and status.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}

/// Counts one backend call by backend and outcome (`ok` or the HTTP status it became).
pub fn backend_call(backend: &'static str, outcome: &str) {
    metrics::counter!("gateway_backend_calls_total", "backend" => backend, "outcome" => outcome.to_owned())
        .increment(1);
}
