//! The HTTP routes: `/healthz` and `/readyz` at the root, the API under
//! `/api/v1/gateway` (DESIGN.md section 4).

mod auth;
mod health;
mod pending;

use axum::Router;
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::startup::AppState;

/// The base path of the API.
pub const API_BASE: &str = "/api/v1/gateway";

/// Every route of the gateway.
pub fn router() -> Router<AppState> {
    let api = Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/me", get(auth::me))
        .merge(pending::router());
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(crate::prometheus::render))
        .nest(API_BASE, api)
        .fallback(|| async { ApiError::not_found("no such route") })
}
