//! `/healthz` (the gateway is alive) and `/readyz` (every backend and its dependencies
//! answer).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::backends::Readiness;
use crate::extract::RequestId;
use crate::startup::AppState;

/// Always 200 while the process serves requests.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// 200 when every backend reports SERVING, else 503 naming the ones that do not. With a
/// remote model configured, `llm` says whether its circuit is closed (`serving`) or open
/// (`not_serving`: answers come from the offline analyst); that alone never makes the
/// gateway unready.
pub async fn readyz(State(state): State<AppState>, RequestId(request_id): RequestId) -> (StatusCode, Json<Value>) {
    let (readiness, llm) = tokio::join!(state.backends.readiness(), state.backends.llm());
    let unready: Vec<&str> = readiness
        .iter()
        .filter(|(_, status)| *status != Readiness::Serving)
        .map(|(name, _)| *name)
        .collect();
    let backends: Map<String, Value> = readiness
        .iter()
        .map(|(name, status)| ((*name).to_owned(), serde_json::to_value(status).unwrap_or(Value::Null)))
        .collect();
    let (status, mut body) = if unready.is_empty() {
        (StatusCode::OK, json!({ "status": "ready", "backends": backends }))
    } else {
        let body = json!({
            "status": "unready",
            "detail": format!("not ready: {}", unready.join(", ")),
            "code": "not_ready",
            "request_id": request_id,
            "backends": backends,
        });
        (StatusCode::SERVICE_UNAVAILABLE, body)
    };
    if let Some(llm) = llm {
        body["llm"] = serde_json::to_value(llm).unwrap_or(Value::Null);
    }
    (status, Json(body))
}
