//! `/auth/*`: sign-up, sign-in and the current account, proxied to auth-service.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sextant_proto::auth::v1 as pb;

use crate::error::ApiError;
use crate::extract::{Caller, FormOrJson, Json, RequestId};
use crate::startup::AppState;

/// An account as the API shows it.
#[derive(Debug, Serialize)]
pub struct UserBody {
    id: String,
    email: String,
    created_at: Option<String>,
}

impl From<pb::User> for UserBody {
    fn from(user: pb::User) -> Self {
        Self {
            id: user.id,
            email: user.email,
            created_at: sextant_common::timestamp::to_rfc3339(user.created_at.as_ref()),
        }
    }
}

/// `POST /auth/register` body.
#[derive(Debug, Deserialize)]
pub struct RegisterBody {
    email: String,
    password: String,
}

/// `POST /auth/login` body: the OAuth2 password form (`username`, `password`) or JSON
/// with `email` or `username`.
#[derive(Debug, Deserialize)]
pub struct LoginBody {
    #[serde(alias = "email")]
    username: String,
    password: String,
}

/// `POST /auth/login` answer.
#[derive(Debug, Serialize)]
pub struct TokenBody {
    access_token: String,
    token_type: String,
    expires_in: i64,
}

fn user_of(user: Option<pb::User>) -> Result<UserBody, ApiError> {
    user.map(UserBody::from)
        .ok_or_else(|| ApiError::from_status("auth", &tonic::Status::internal("response without a user")))
}

/// Creates an account.
pub async fn register(
    State(state): State<AppState>,
    request_id: RequestId,
    Json(body): Json<RegisterBody>,
) -> Result<(StatusCode, axum::Json<UserBody>), ApiError> {
    let backends = &state.backends;
    let request = backends.request(
        pb::RegisterRequest {
            email: body.email,
            password: body.password,
        },
        &request_id.context(),
    );
    let response = backends.call("auth", backends.auth.clone().register(request)).await?;
    Ok((StatusCode::CREATED, axum::Json(user_of(response.user)?)))
}

/// Exchanges credentials for an access token.
pub async fn login(
    State(state): State<AppState>,
    request_id: RequestId,
    FormOrJson(body): FormOrJson<LoginBody>,
) -> Result<axum::Json<TokenBody>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(
        pb::LoginRequest {
            email: body.username,
            password: body.password,
        },
        &request_id.context(),
    );
    let response = backends.call("auth", backends.auth.clone().login(request)).await?;
    Ok(axum::Json(TokenBody {
        access_token: response.access_token,
        token_type: response.token_type,
        expires_in: response.expires_in,
    }))
}

/// The caller's account.
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<axum::Json<UserBody>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(pb::GetCurrentUserRequest {}, &caller.context());
    let response = backends
        .call("auth", backends.auth.clone().get_current_user(request))
        .await?;
    Ok(axum::Json(user_of(response.user)?))
}
