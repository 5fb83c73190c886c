//! Routes of section 4 whose services do not serve them yet. They authenticate the
//! caller like the real routes will, then answer 501 in the error shape: never fake data.

use axum::Router;
use axum::routing::any;

use crate::error::ApiError;
use crate::extract::Caller;
use crate::startup::AppState;

/// `/sessions*` and `/files*` (TODO(#3)) and `/chat/*` (TODO(#4)).
pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for (prefix, what) in [("/sessions", "sessions"), ("/files", "files")] {
        router = router
            .route(
                prefix,
                any(move |_: Caller| async move { ApiError::not_implemented(what) }),
            )
            .route(
                &format!("{prefix}/"),
                any(move |_: Caller| async move { ApiError::not_implemented(what) }),
            )
            .route(
                &format!("{prefix}/{{*rest}}"),
                any(move |_: Caller| async move { ApiError::not_implemented(what) }),
            );
    }
    router.route(
        "/chat/{*rest}",
        any(|_: Caller| async { ApiError::not_implemented("chat routes") }),
    )
}
