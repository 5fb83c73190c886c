//! `/files*`: datasets, proxied to file-service. Uploads stream: the multipart body is
//! read chunk by chunk and forwarded as client-streaming gRPC messages, so neither the
//! gateway nor file-service ever holds a whole file.

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sextant_common::timestamp::to_rfc3339;
use sextant_proto::file::v1 as pb;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::error::ApiError;
use crate::extract::{Caller, Json};
use crate::startup::AppState;

/// Size of the gRPC messages an upload is cut into: well under tonic's 4 MiB limit, large
/// enough that per-message overhead does not matter.
const CHUNK_BYTES: usize = 256 * 1024;
/// Largest `file_name` or `description` form field accepted, in bytes.
const MAX_TEXT_FIELD_BYTES: usize = 64 * 1024;

/// A file as the API shows it.
#[derive(Debug, Serialize)]
pub struct FileBody {
    file_name: String,
    description: String,
    format: String,
    size_bytes: u64,
    rows: u64,
    columns: u64,
    summary: String,
    created_at: Option<String>,
}

impl From<pb::File> for FileBody {
    fn from(file: pb::File) -> Self {
        Self {
            file_name: file.file_name,
            description: file.description,
            format: file.format,
            size_bytes: file.size_bytes,
            rows: file.rows,
            columns: file.columns,
            summary: file.summary,
            created_at: to_rfc3339(file.created_at.as_ref()),
        }
    }
}

fn file_of(file: Option<pb::File>) -> Result<pb::File, ApiError> {
    file.ok_or_else(|| ApiError::from_status("file", &tonic::Status::internal("response without a file")))
}

/// The caller's files, newest first.
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<axum::Json<Vec<FileBody>>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(pb::ListFilesRequest {}, &caller.context());
    let response = backends.call("file", backends.file.clone().list_files(request)).await?;
    Ok(axum::Json(response.files.into_iter().map(FileBody::from).collect()))
}

/// The active file of the active session.
pub async fn active(State(state): State<AppState>, caller: Caller) -> Result<axum::Json<FileBody>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(pb::GetActiveFileRequest {}, &caller.context());
    let response = backends
        .call("file", backends.file.clone().get_active_file(request))
        .await?;
    Ok(axum::Json(file_of(response.file)?.into()))
}

/// `POST /files/active` body.
#[derive(Debug, Deserialize)]
pub struct ActivateBody {
    file_name: String,
}

/// Makes a file the active file of the active session.
pub async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<ActivateBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(
        pb::SetActiveFileRequest {
            file_name: body.file_name,
        },
        &caller.context(),
    );
    let file = file_of(
        backends
            .call("file", backends.file.clone().set_active_file(request))
            .await?
            .file,
    )?;
    Ok(axum::Json(
        json!({ "detail": format!("'{}' is now the active file", file.file_name) }),
    ))
}

/// Deletes a file and its stored bytes.
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(file_name): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(
        pb::DeleteFileRequest {
            file_name: file_name.clone(),
        },
        &caller.context(),
    );
    backends
        .call("file", backends.file.clone().delete_file(request))
        .await?;
    Ok(axum::Json(json!({ "detail": format!("'{file_name}' deleted") })))
}

/// `GET /files/{name}/preview` query.
#[derive(Debug, Deserialize)]
pub struct PreviewQuery {
    limit: Option<u32>,
}

/// The first rows of a file.
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    Path(file_name): Path<String>,
    query: Result<Query<PreviewQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::Json<Value>, ApiError> {
    let Query(query) =
        query.map_err(|rejection| ApiError::from_rejection(rejection.status(), rejection.body_text()))?;
    let backends = &state.backends;
    let request = backends.request(
        pb::PreviewFileRequest {
            file_name,
            limit: query.limit.unwrap_or(0),
        },
        &caller.context(),
    );
    let response = backends
        .call("file", backends.file.clone().preview_file(request))
        .await?;
    Ok(axum::Json(
        json!({ "columns": response.columns, "rows": rows_to_json(&response.rows) }),
    ))
}

/// The full profile of a file (DESIGN.md section 5).
pub async fn profile(
    State(state): State<AppState>,
    caller: Caller,
    Path(file_name): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(pb::GetFileProfileRequest { file_name }, &caller.context());
    let response = backends
        .call("file", backends.file.clone().get_file_profile(request))
        .await?;
    let file = file_of(response.file)?;
    let profile = response.profile.unwrap_or_default();
    let columns: Vec<Value> = profile.column_profiles.iter().map(column_json).collect();
    Ok(axum::Json(json!({
        "file_name": file.file_name,
        "format": file.format,
        "rows": profile.rows,
        "columns": profile.columns,
        "column_profiles": columns,
        "sample_rows": rows_to_json(&profile.sample_rows),
        "summary": file.summary,
    })))
}

fn column_json(column: &pb::ColumnProfile) -> Value {
    json!({
        "name": column.name,
        "dtype": column.dtype,
        "null_count": column.null_count,
        "missing_markers": column.missing_markers.iter().map(|m| json!({ "marker": m.marker, "count": m.count })).collect::<Vec<_>>(),
        "unique_count": column.unique_count,
        "unique_approximate": column.unique_approximate,
        "numeric": column.numeric.as_ref().map(|n| json!({
            "min": n.min, "max": n.max, "mean": n.mean, "std": n.std, "p25": n.p25, "p50": n.p50, "p75": n.p75,
        })),
        "top_values": column.top_values.iter().map(|v| json!({ "value": v.value, "count": v.count })).collect::<Vec<_>>(),
        "date_range": column.date_range.as_ref().map(|d| json!({ "min": d.min, "max": d.max, "format": d.format })),
    })
}

fn multipart_error(error: MultipartError) -> ApiError {
    ApiError::from_rejection(error.status(), error.body_text())
}

/// Reads a small text field, refusing one over [`MAX_TEXT_FIELD_BYTES`].
async fn small_text(mut field: Field<'_>) -> Result<String, ApiError> {
    let name = field.name().unwrap_or_default().to_owned();
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_TEXT_FIELD_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("{name}: too long"),
            ));
        }
    }
    String::from_utf8(bytes).map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            format!("{name}: not UTF-8 text"),
        )
    })
}

/// Forwards the file part in [`CHUNK_BYTES`] messages, then the end marker. Stops quietly
/// when file-service has already answered (it refused the upload); fails with 413 past
/// `limit` bytes, and with the multipart error if the client's body breaks off. Returning
/// early drops the sender without an end marker, so file-service discards everything.
async fn forward(
    mut field: Field<'_>,
    uploads: mpsc::Sender<pb::UploadFileRequest>,
    limit: u64,
) -> Result<(), ApiError> {
    let send = |part| pb::UploadFileRequest { part: Some(part) };
    let mut total: u64 = 0;
    let mut buffer = Vec::with_capacity(CHUNK_BYTES);
    while let Some(bytes) = field.chunk().await.map_err(multipart_error)? {
        total += bytes.len() as u64;
        if total > limit {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the file is larger than the upload limit of {limit} bytes"),
            ));
        }
        buffer.extend_from_slice(&bytes);
        if buffer.len() >= CHUNK_BYTES {
            let chunk = std::mem::replace(&mut buffer, Vec::with_capacity(CHUNK_BYTES));
            if uploads
                .send(send(pb::upload_file_request::Part::Chunk(chunk)))
                .await
                .is_err()
            {
                return Ok(());
            }
        }
    }
    if !buffer.is_empty()
        && uploads
            .send(send(pb::upload_file_request::Part::Chunk(buffer)))
            .await
            .is_err()
    {
        return Ok(());
    }
    let _answered_already = uploads
        .send(send(pb::upload_file_request::Part::End(pb::UploadEnd {
            size_bytes: total,
        })))
        .await;
    Ok(())
}

/// Uploads a dataset: multipart fields `file_name` and `description` (before the file;
/// `file_name` defaults to the file part's own name), then `file`. The new file becomes
/// the active file of the active session.
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, axum::Json<FileBody>), ApiError> {
    let mut multipart =
        multipart.map_err(|rejection| ApiError::from_rejection(rejection.status(), rejection.body_text()))?;
    let (mut file_name, mut description) = (None, String::new());
    let field = loop {
        let Some(field) = multipart.next_field().await.map_err(multipart_error)? else {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "file: the form has no `file` part",
            ));
        };
        match field.name() {
            Some("file_name") => file_name = Some(small_text(field).await?),
            Some("description") => description = small_text(field).await?,
            Some("file") => break field,
            _ => {} // unknown parts are skipped
        }
    };
    let file_name = file_name
        .or_else(|| field.file_name().map(str::to_owned))
        .ok_or_else(|| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "file_name: required"))?;
    let content_type = field.content_type().unwrap_or_default().to_owned();

    let (uploads, parts) = mpsc::channel(4);
    let metadata = pb::UploadMetadata {
        file_name,
        description,
        content_type,
    };
    uploads
        .send(pb::UploadFileRequest {
            part: Some(pb::upload_file_request::Part::Metadata(metadata)),
        })
        .await
        .map_err(|_| ApiError::from_status("file", &tonic::Status::internal("upload channel closed")))?;
    let backends = &state.backends;
    let request = backends.upload_request(ReceiverStream::new(parts), &caller.context());
    let mut client = backends.file.clone();
    let call = backends.upload("file", client.upload_file(request));
    let (forwarded, answered) = tokio::join!(forward(field, uploads, state.upload_limit), call);
    forwarded?;
    Ok((StatusCode::CREATED, axum::Json(file_of(answered?.file)?.into())))
}

/// Rows of protobuf lists as JSON arrays.
fn rows_to_json(rows: &[prost_types::ListValue]) -> Vec<Vec<serde_json::Value>> {
    rows.iter().map(sextant_proto::json::from_list).collect()
}
