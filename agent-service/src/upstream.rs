//! The two questions agent-service asks other services before a run: which session is
//! active (session-service), and which dataset is active in it and where it lives
//! (file-service). The caller's token and request id travel with both, under a deadline.

use std::time::Duration;

use sextant_common::metadata;
use sextant_proto::file::v1::ResolveDatasetRequest;
use sextant_proto::file::v1::file_service_client::FileServiceClient;
use sextant_proto::session::v1::GetActiveSessionRequest;
use sextant_proto::session::v1::session_service_client::SessionServiceClient;
use tonic::Code;
use tonic::metadata::MetadataMap;
use tonic::transport::{Channel, Endpoint};

use crate::Error;
use crate::domain::{FileId, SessionId};
use crate::sql::{self, DatasetFormat, DatasetSpec, DateColumn};

/// The active dataset of a session, as file-service describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    /// file-service's id of the file.
    pub file_id: FileId,
    /// The name the user gave it.
    pub file_name: String,
    /// How to read it.
    pub spec: DatasetSpec,
}

/// The caller's active session, as session-service describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveSession {
    /// The session.
    pub id: SessionId,
    /// Whether its owner lets a remote model see a few rows of its datasets.
    pub allow_sample_rows: bool,
}

/// Clients of session-service and file-service.
#[derive(Clone)]
pub struct Upstream {
    sessions: SessionServiceClient<Channel>,
    files: FileServiceClient<Channel>,
    timeout: Duration,
}

fn channel(url: &str, timeout: Duration) -> Result<Channel, tonic::transport::Error> {
    Ok(Endpoint::from_shared(url.to_owned())?
        .connect_timeout(timeout)
        .timeout(timeout)
        .connect_lazy())
}

fn unavailable(service: &'static str, status: &tonic::Status) -> Error {
    Error::Dependency {
        service,
        cause: status.message().to_owned(),
    }
}

impl Upstream {
    /// Clients that connect on first use; every call fails after `timeout`.
    pub fn new(session_url: &str, file_url: &str, timeout: Duration) -> Result<Self, tonic::transport::Error> {
        Ok(Self {
            sessions: SessionServiceClient::new(channel(session_url, timeout)?),
            files: FileServiceClient::new(channel(file_url, timeout)?),
            timeout,
        })
    }

    fn request<T>(&self, message: T, caller: &MetadataMap) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        request.set_timeout(self.timeout);
        metadata::propagate(
            request.metadata_mut(),
            metadata::bearer_token(caller),
            metadata::request_id(caller),
        );
        request
    }

    /// The caller's active session.
    #[tracing::instrument(skip_all)]
    pub async fn active_session(&self, caller: &MetadataMap) -> Result<ActiveSession, Error> {
        let request = self.request(GetActiveSessionRequest {}, caller);
        match self.sessions.clone().get_active_session(request).await {
            Ok(response) => response
                .into_inner()
                .session
                .and_then(|session| {
                    let id = uuid::Uuid::parse_str(&session.id).ok()?;
                    Some(ActiveSession {
                        id: SessionId(id),
                        allow_sample_rows: session.allow_sample_rows,
                    })
                })
                .ok_or_else(|| Error::Dependency {
                    service: "session-service",
                    cause: "an answer without a valid session".into(),
                }),
            Err(status) if status.code() == Code::NotFound => Err(Error::NoActiveSession),
            Err(status) if status.code() == Code::Unauthenticated => Err(Error::Token(
                sextant_common::auth::TokenError::Invalid(status.message().to_owned()),
            )),
            Err(status) => Err(unavailable("session-service", &status)),
        }
    }

    /// The active dataset of `session`.
    #[tracing::instrument(skip_all, fields(session_id = %session.0))]
    pub async fn active_dataset(&self, caller: &MetadataMap, session: SessionId) -> Result<Dataset, Error> {
        let request = self.request(
            ResolveDatasetRequest {
                session_id: session.0.to_string(),
            },
            caller,
        );
        match self.files.clone().resolve_dataset(request).await {
            Ok(response) => {
                let response = response.into_inner();
                let file = response.file.unwrap_or_default();
                let unusable = |cause: String| Error::Dependency {
                    service: "file-service",
                    cause,
                };
                let spec = DatasetSpec {
                    file_id: uuid::Uuid::parse_str(&response.file_id)
                        .map_err(|_| unusable(format!("a file id that is not a UUID: {:?}", response.file_id)))?,
                    path: sql::path_from_location(&response.location).map_err(|error| unusable(error.to_string()))?,
                    format: DatasetFormat::from_stored(&file.format, &response.delimiter).ok_or_else(|| {
                        unusable(format!(
                            "unsupported format `{}` (delimiter {:?})",
                            file.format, response.delimiter
                        ))
                    })?,
                    date_columns: response
                        .date_columns
                        .into_iter()
                        .map(|column| DateColumn {
                            name: column.name,
                            format: column.format,
                        })
                        .collect(),
                };
                Ok(Dataset {
                    file_id: FileId(response.file_id),
                    file_name: file.file_name,
                    spec,
                })
            }
            Err(status) if status.code() == Code::NotFound => Err(Error::NoActiveFile),
            Err(status) => Err(unavailable("file-service", &status)),
        }
    }
}
