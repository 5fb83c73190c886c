//! Every way an agent-service call fails, and the one place that picks a gRPC status.

use tonic::Status;

/// What failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The question is empty or too long.
    #[error("question: must be 1 to {max} characters", max = crate::domain::MAX_QUESTION_CHARS)]
    InvalidQuestion,
    /// A run is already going on this session.
    #[error("an answer is already being written in this session; wait for it or cancel it")]
    Busy,
    /// No such run (or it belongs to someone else).
    #[error("no such run")]
    RunNotFound,
    /// The user has no active session.
    #[error("no active session; create or activate one first")]
    NoActiveSession,
    /// The active session has no active file.
    #[error("no active file; upload a dataset first")]
    NoActiveFile,
    /// Another service did not answer.
    #[error("{service} is unavailable: {cause}")]
    Dependency {
        /// Which service.
        service: &'static str,
        /// What it said.
        cause: String,
    },
    /// The bearer token was refused.
    #[error(transparent)]
    Token(#[from] sextant_common::auth::TokenError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored document could not be read back.
    #[error("stored data: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// The checkpoint store failed.
    #[error("checkpoints: {0}")]
    Checkpoints(#[from] crate::graph::GraphError),
    /// The active dataset could not be read; the cause is logged, never sent.
    #[error("the dataset could not be read: {0}")]
    DatasetUnreadable(String),
    /// A request field is malformed (not a question: an id, say).
    #[error("{0}")]
    InvalidArgument(String),
}

impl Error {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidQuestion => "invalid_question",
            Self::Busy => "busy",
            Self::RunNotFound => "run_not_found",
            Self::NoActiveSession => "no_active_session",
            Self::NoActiveFile => "no_active_file",
            Self::Dependency { .. } | Self::Database(_) => "unavailable",
            Self::Token(_) => "invalid_token",
            Self::Corrupt(_) | Self::Checkpoints(_) => "internal",
            Self::DatasetUnreadable(_) => "dataset_unreadable",
            Self::InvalidArgument(_) => "invalid_argument",
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let code = error.code();
        let mut status = match error {
            Error::InvalidQuestion => Status::invalid_argument(error.to_string()),
            Error::Busy => Status::aborted(error.to_string()),
            Error::RunNotFound | Error::NoActiveSession | Error::NoActiveFile => Status::not_found(error.to_string()),
            Error::Dependency { service, cause } => {
                tracing::warn!(service, %cause, "dependency failed");
                Status::unavailable(format!("{service} is unavailable right now; try again"))
            }
            Error::Token(token) => return token.into(),
            Error::Database(cause) => {
                tracing::error!(error = %cause, "database failure");
                if sextant_common::connect::is_unavailable(&cause) {
                    Status::unavailable("the agent's store is unavailable")
                } else {
                    Status::internal("internal error")
                }
            }
            Error::InvalidArgument(message) => Status::invalid_argument(message),
            Error::DatasetUnreadable(cause) => {
                tracing::warn!(%cause, "dataset unreadable");
                Status::failed_precondition("the dataset could not be read")
            }
            Error::Checkpoints(cause) => {
                tracing::error!(error = %cause, "checkpoint store failure");
                Status::internal("internal error")
            }
            Error::Corrupt(cause) => {
                tracing::error!(error = %cause, "stored document unreadable");
                Status::internal("internal error")
            }
        };
        sextant_common::metadata::set_error_code(&mut status, code);
        status
    }
}
