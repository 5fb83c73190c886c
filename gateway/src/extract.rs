//! Extractors: the request id, the verified caller, and JSON/form bodies whose
//! rejections come out in the error shape.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use sextant_common::auth::TokenError;
use sextant_common::metadata::REQUEST_ID;

use crate::backends::CallContext;
use crate::error::ApiError;
use crate::startup::AppState;

/// The request id set (or kept) by the request-id layer.
pub struct RequestId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let id = parts
            .headers
            .get(REQUEST_ID)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        Ok(Self(id.to_owned()))
    }
}

impl RequestId {
    /// The context of an anonymous backend call.
    pub fn context(&self) -> CallContext<'_> {
        CallContext {
            token: None,
            request_id: &self.0,
        }
    }
}

/// A caller whose bearer token verified.
pub struct Caller {
    token: String,
    request_id: String,
}

impl Caller {
    /// The context of a backend call made for this caller.
    pub fn context(&self) -> CallContext<'_> {
        CallContext {
            token: Some(&self.token),
            request_id: &self.request_id,
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let RequestId(request_id) = RequestId::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|never| match never {});
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim().to_owned())
            .ok_or_else(|| ApiError::unauthenticated("missing bearer token"))?;
        let claims = state.verifier.verify(&token).await.map_err(|error| match error {
            TokenError::KeysUnavailable(_) => ApiError::from_status("auth", &error.into()),
            _ => {
                tracing::debug!(%error, "token refused");
                ApiError::unauthenticated("invalid or expired token")
            }
        })?;
        tracing::Span::current().record("user_id", tracing::field::display(claims.sub));
        Ok(Self { token, request_id })
    }
}

/// A JSON body; rejections become 400 (malformed), 413 (too large), 415 (not JSON) or
/// 422 (well-formed but missing or mistyped fields).
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(request, state)
            .await
            .map(|axum::Json(value)| Self(value))
            .map_err(|rejection| ApiError::from_rejection(rejection.status(), rejection.body_text()))
    }
}

/// A body that may be a form (`application/x-www-form-urlencoded`) or JSON, as the
/// OAuth2 password flow sends forms and API clients send JSON.
pub struct FormOrJson<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequest<S> for FormOrJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            axum::Form::<T>::from_request(request, state)
                .await
                .map(|axum::Form(value)| Self(value))
                .map_err(|rejection| ApiError::from_rejection(rejection.status(), rejection.body_text()))
        } else {
            Json::<T>::from_request(request, state)
                .await
                .map(|Json(value)| Self(value))
        }
    }
}
