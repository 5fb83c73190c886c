//! The HTTP routes: `/healthz` and `/readyz` at the root, the API under
//! `/api/v1/gateway` (DESIGN.md section 4).

mod auth;
mod chat;
mod files;
mod health;
mod sessions;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};

use crate::error::ApiError;
use crate::startup::AppState;

/// The base path of the API.
pub const API_BASE: &str = "/api/v1/gateway";

/// Every route of the gateway; any other path goes to `fallback` (the browser app) when
/// there is one, else gets the JSON 404.
pub fn router(fallback: Option<Router>) -> Router<AppState> {
    let api = Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/me", get(auth::me))
        .route("/sessions", get(sessions::list).post(sessions::create))
        .route("/sessions/", get(sessions::list).post(sessions::create))
        .route("/sessions/active", get(sessions::active))
        .route("/sessions/active/{title}", post(sessions::activate))
        .route("/sessions/{title}", delete(sessions::delete).patch(sessions::update))
        // Uploads stream past the JSON body limit; `files::upload` enforces its own.
        .route(
            "/files",
            post(files::upload).layer(DefaultBodyLimit::disable()).get(files::list),
        )
        .route(
            "/files/",
            post(files::upload).layer(DefaultBodyLimit::disable()).get(files::list),
        )
        .route("/files/active", get(files::active).post(files::activate))
        .route("/files/{file_name}", delete(files::delete))
        .route("/files/{file_name}/profile", get(files::profile))
        .route("/files/{file_name}/preview", get(files::preview))
        .route("/chat/stream", get(chat::stream_query).post(chat::stream_body))
        .route("/chat/cancel", post(chat::cancel))
        .route("/chat/history", get(chat::history).delete(chat::delete_history))
        .route("/chat/suggestions", get(chat::suggestions))
        .route("/chat/save", post(chat::save))
        .fallback(no_such_route);
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(crate::prometheus::render))
        .nest(API_BASE, api);
    match fallback {
        Some(app) => router.fallback_service(app),
        None => router.fallback(no_such_route),
    }
}

async fn no_such_route() -> ApiError {
    ApiError::not_found("no such route")
}
