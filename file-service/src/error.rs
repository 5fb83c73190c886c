//! Every way a file-service call fails, and the one place that picks a gRPC status and
//! the machine-readable code the gateway shows (`x-error-code`).
//!
//! | code | status | HTTP (gateway) |
//! |---|---|---|
//! | `invalid_input` (the message names the field) | InvalidArgument | 422 |
//! | `invalid_upload`, `incomplete_upload` (a malformed stream) | InvalidArgument | 422 |
//! | `unsupported_format` | InvalidArgument | 415 |
//! | `unreadable_dataset` | InvalidArgument | 422 |
//! | `payload_too_large` | ResourceExhausted | 413 |
//! | `file_exists` | AlreadyExists | 409 |
//! | `file_not_found`, `no_active_file` | NotFound | 404 |
//! | `file_is_active`, `no_active_session` | FailedPrecondition | 409 |
//! | `cancelled` | Cancelled | - |
//! | `invalid_token` | Unauthenticated | 401 |
//! | `unavailable` | Unavailable | 503 |
//! | `internal` | Internal | 500 |

use tonic::{Code, Status};

use crate::profile::ProfileError;

/// What failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file name breaks a rule.
    #[error("file_name: {0}")]
    InvalidFileName(&'static str),
    /// The description is too long.
    #[error("description: must be at most 2000 characters")]
    InvalidDescription,
    /// The session id is not a UUID.
    #[error("session_id: not a valid session id")]
    InvalidSessionId,
    /// The preview limit is above the maximum.
    #[error("limit: must be at most 1000")]
    PreviewLimit,
    /// The upload stream broke the protocol (no metadata first, metadata twice).
    #[error("invalid upload: {0}")]
    InvalidUpload(&'static str),
    /// The upload stream ended without its end marker, or with another size than sent.
    #[error("incomplete upload: {0}")]
    IncompleteUpload(String),
    /// The upload is larger than the limit.
    #[error("the file is larger than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The file is in no supported format.
    #[error("{0}")]
    UnsupportedFormat(String),
    /// The file cannot be read as a dataset; the parser's reason.
    #[error("unreadable dataset: {0}")]
    UnreadableDataset(String),
    /// The user has a file with this name already.
    #[error("a file with this name already exists")]
    FileExists,
    /// No such file (or another user's).
    #[error("no such file")]
    FileNotFound,
    /// The active session has no active file.
    #[error("there is no active file")]
    NoActiveFile,
    /// The user has no active session.
    #[error("there is no active session; create or activate a session first")]
    NoActiveSession,
    /// The file is the active file of the active session.
    #[error("the file is the active file of the active session; activate another file first")]
    FileIsActive,
    /// The client cancelled the call or its stream failed.
    #[error("the upload was cancelled: {0}")]
    Cancelled(String),
    /// The bearer token was refused.
    #[error(transparent)]
    Token(#[from] sextant_common::auth::TokenError),
    /// session-service failed.
    #[error("session-service: {0}")]
    SessionService(Status),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The file store failed.
    #[error("storage: {0}")]
    Storage(#[from] std::io::Error),
    /// Anything else internal (a panicked task, corrupt stored data).
    #[error("internal: {0}")]
    Internal(String),
}

impl From<ProfileError> for Error {
    fn from(error: ProfileError) -> Self {
        match error {
            ProfileError::Unsupported(reason) => Self::UnsupportedFormat(reason),
            ProfileError::Unreadable(reason) => Self::UnreadableDataset(reason),
            ProfileError::Io(error) => Self::Storage(error),
        }
    }
}

impl Error {
    /// The machine-readable code the gateway shows to clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidFileName(_) | Self::InvalidDescription | Self::InvalidSessionId | Self::PreviewLimit => {
                "invalid_input"
            }
            Self::InvalidUpload(_) => "invalid_upload",
            Self::IncompleteUpload(_) => "incomplete_upload",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedFormat(_) => "unsupported_format",
            Self::UnreadableDataset(_) => "unreadable_dataset",
            Self::FileExists => "file_exists",
            Self::FileNotFound => "file_not_found",
            Self::NoActiveFile => "no_active_file",
            Self::NoActiveSession => "no_active_session",
            Self::FileIsActive => "file_is_active",
            Self::Cancelled(_) => "cancelled",
            Self::Token(_) => "invalid_token",
            Self::SessionService(_) | Self::Database(_) => "unavailable",
            Self::Storage(_) | Self::Internal(_) => "internal",
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let code = error.code();
        let mut status = match error {
            Error::InvalidFileName(_)
            | Error::InvalidDescription
            | Error::InvalidSessionId
            | Error::PreviewLimit
            | Error::InvalidUpload(_)
            | Error::IncompleteUpload(_)
            | Error::UnsupportedFormat(_)
            | Error::UnreadableDataset(_) => Status::invalid_argument(error.to_string()),
            Error::PayloadTooLarge { .. } => Status::resource_exhausted(error.to_string()),
            Error::FileExists => Status::already_exists(error.to_string()),
            Error::FileNotFound | Error::NoActiveFile => Status::not_found(error.to_string()),
            Error::NoActiveSession | Error::FileIsActive => Status::failed_precondition(error.to_string()),
            Error::Cancelled(_) => Status::cancelled(error.to_string()),
            Error::Token(token) => return token.into(),
            Error::SessionService(cause) => {
                tracing::warn!(code = ?cause.code(), message = cause.message(), "session-service failed");
                match cause.code() {
                    Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled => {
                        Status::unavailable("the session service is unavailable")
                    }
                    _ => Status::internal("internal error"),
                }
            }
            Error::Database(cause) => {
                tracing::error!(error = %cause, "database failure");
                if sextant_common::connect::is_unavailable(&cause) {
                    Status::unavailable("the file store is unavailable")
                } else {
                    Status::internal("internal error")
                }
            }
            Error::Storage(cause) => {
                tracing::error!(error = %cause, "storage failure");
                Status::internal("internal error")
            }
            Error::Internal(cause) => {
                tracing::error!(error = %cause, "internal failure");
                Status::internal("internal error")
            }
        };
        sextant_common::metadata::set_error_code(&mut status, code);
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(status: &Status) -> Option<&str> {
        sextant_common::metadata::error_code(status)
    }

    #[test]
    fn upload_refusals_carry_the_codes_the_gateway_maps() {
        let status = Status::from(Error::PayloadTooLarge { limit: 10 });
        assert_eq!(status.code(), Code::ResourceExhausted);
        assert_eq!(code_of(&status), Some("payload_too_large"));

        let status = Status::from(Error::from(ProfileError::Unsupported("x".into())));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(code_of(&status), Some("unsupported_format"));

        let status = Status::from(Error::from(ProfileError::Unreadable("bad row".into())));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(code_of(&status), Some("unreadable_dataset"));
        assert!(status.message().contains("bad row"));
    }

    #[test]
    fn validation_messages_name_the_field() {
        let status = Status::from(Error::InvalidFileName("must not be empty"));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().starts_with("file_name:"));
    }

    #[test]
    fn internal_causes_are_not_sent() {
        let status = Status::from(Error::Internal("secret path /var/x".into()));
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error");
        let status = Status::from(Error::Database(sqlx::Error::PoolTimedOut));
        assert_eq!(status.code(), Code::Unavailable);
    }
}
