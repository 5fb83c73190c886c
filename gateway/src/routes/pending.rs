//! Routes of section 4 whose services do not serve them yet. They authenticate the
//! caller like the real routes will, then answer 501 in the error shape: never fake data.

use axum::Router;
use axum::routing::any;

use crate::error::ApiError;
use crate::extract::Caller;
use crate::startup::AppState;

/// `/chat/*` (TODO(#4)).
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/chat/{*rest}",
        any(|_: Caller| async { ApiError::not_implemented("chat routes") }),
    )
}
