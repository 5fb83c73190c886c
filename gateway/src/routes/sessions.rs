//! `/sessions*`: named analysis sessions, proxied to session-service.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sextant_common::timestamp::to_rfc3339;
use sextant_proto::file::v1 as file_pb;
use sextant_proto::session::v1 as pb;

use crate::error::ApiError;
use crate::extract::{Caller, Json};
use crate::startup::AppState;

/// A session as the API shows it.
#[derive(Debug, Serialize)]
pub struct SessionBody {
    id: String,
    user_id: String,
    title: String,
    active: bool,
    created_at: Option<String>,
    updated_at: Option<String>,
    /// Whether a remote model may see a few rows of the session's datasets.
    allow_sample_rows: bool,
    /// The name of the session's active file, if it has one.
    active_file: Option<String>,
}

impl From<pb::Session> for SessionBody {
    fn from(session: pb::Session) -> Self {
        Self {
            id: session.id,
            user_id: session.user_id,
            title: session.title,
            active: session.active,
            created_at: to_rfc3339(session.created_at.as_ref()),
            updated_at: to_rfc3339(session.updated_at.as_ref()),
            allow_sample_rows: session.allow_sample_rows,
            active_file: None,
        }
    }
}

/// `POST /sessions` body.
#[derive(Debug, Deserialize)]
pub struct CreateBody {
    title: String,
}

/// `PATCH /sessions/{title}` body: the settings to change (a field the API does not know
/// is refused, so that a misspelt setting never passes for a change).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    allow_sample_rows: Option<bool>,
}

fn session_of(session: Option<pb::Session>) -> Result<pb::Session, ApiError> {
    session.ok_or_else(|| ApiError::from_status("session", &tonic::Status::internal("response without a session")))
}

/// The caller's sessions, newest first, each with the name of its active file.
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<axum::Json<Vec<SessionBody>>, ApiError> {
    let backends = &state.backends;
    let context = caller.context();
    let (mut session_client, mut file_client) = (backends.session.clone(), backends.file.clone());
    let sessions = backends.call(
        "session",
        session_client.list_sessions(backends.request(pb::ListSessionsRequest {}, &context)),
    );
    let active_files = backends.call(
        "file",
        file_client.list_active_files(backends.request(file_pb::ListActiveFilesRequest {}, &context)),
    );
    let (sessions, active_files) = futures::try_join!(sessions, active_files)?;
    let mut names: HashMap<String, String> = active_files
        .active_files
        .into_iter()
        .map(|active| (active.session_id, active.file_name))
        .collect();
    let bodies = sessions
        .sessions
        .into_iter()
        .map(|session| {
            let active_file = names.remove(&session.id);
            SessionBody {
                active_file,
                ..SessionBody::from(session)
            }
        })
        .collect();
    Ok(axum::Json(bodies))
}

/// Creates a session; it becomes the only active one.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateBody>,
) -> Result<(StatusCode, axum::Json<SessionBody>), ApiError> {
    let backends = &state.backends;
    let request = backends.request(pb::CreateSessionRequest { title: body.title }, &caller.context());
    let response = backends
        .call("session", backends.session.clone().create_session(request))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(session_of(response.session)?.into())))
}

/// The id of the active session, as a JSON string.
pub async fn active(State(state): State<AppState>, caller: Caller) -> Result<axum::Json<String>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(pb::GetActiveSessionRequest {}, &caller.context());
    let response = backends
        .call("session", backends.session.clone().get_active_session(request))
        .await?;
    Ok(axum::Json(session_of(response.session)?.id))
}

/// Makes the session with this title the active one.
pub async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    Path(title): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(pb::SetActiveSessionRequest { title }, &caller.context());
    let session = session_of(
        backends
            .call("session", backends.session.clone().set_active_session(request))
            .await?
            .session,
    )?;
    Ok(axum::Json(
        json!({ "detail": format!("session '{}' is now active", session.title) }),
    ))
}

/// Changes the settings of the session with this title; answers the session.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(title): Path<String>,
    Json(body): Json<UpdateBody>,
) -> Result<axum::Json<SessionBody>, ApiError> {
    let backends = &state.backends;
    let update = pb::UpdateSessionRequest {
        title,
        allow_sample_rows: body.allow_sample_rows,
    };
    let request = backends.request(update, &caller.context());
    let response = backends
        .call("session", backends.session.clone().update_session(request))
        .await?;
    Ok(axum::Json(session_of(response.session)?.into()))
}

/// Deletes the session with this title, with its active file, memory and runs.
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(title): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(pb::DeleteSessionRequest { title: title.clone() }, &caller.context());
    backends
        .call("session", backends.session.clone().delete_session(request))
        .await?;
    Ok(axum::Json(
        json!({ "detail": format!("session '{}' deleted", title.trim()) }),
    ))
}
