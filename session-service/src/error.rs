//! Every way a session-service call fails, and the one place that picks a gRPC status.

use tonic::Status;

/// What failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The title is empty, too long or has control characters.
    #[error("title: must be 1 to 200 characters after trimming, without control characters")]
    InvalidTitle,
    /// The user has a session with this title already.
    #[error("a session with this title already exists")]
    DuplicateTitle,
    /// No session with this title (or it belongs to someone else).
    #[error("no such session")]
    NotFound,
    /// The user has no active session.
    #[error("no active session")]
    NoActiveSession,
    /// The active session cannot be deleted.
    #[error("the active session cannot be deleted; activate another session first")]
    DeleteActive,
    /// Another service refused to forget the session.
    #[error("could not delete the session's data: {0}")]
    Cascade(String),
    /// The bearer token was refused.
    #[error(transparent)]
    Token(#[from] sextant_common::auth::TokenError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl Error {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidTitle => "invalid_title",
            Self::DuplicateTitle => "duplicate_title",
            Self::NotFound => "session_not_found",
            Self::NoActiveSession => "no_active_session",
            Self::DeleteActive => "session_active",
            Self::Cascade(_) | Self::Database(_) => "unavailable",
            Self::Token(_) => "invalid_token",
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let code = error.code();
        let mut status = match error {
            Error::InvalidTitle => Status::invalid_argument(error.to_string()),
            Error::DuplicateTitle => Status::already_exists(error.to_string()),
            Error::NotFound | Error::NoActiveSession => Status::not_found(error.to_string()),
            Error::DeleteActive => Status::failed_precondition(error.to_string()),
            Error::Cascade(cause) => {
                tracing::warn!(%cause, "cascade failed");
                Status::unavailable("could not delete the session's data right now; try again")
            }
            Error::Token(token) => return token.into(),
            Error::Database(cause) => {
                tracing::error!(error = %cause, "database failure");
                if sextant_common::connect::is_unavailable(&cause) {
                    Status::unavailable("the session store is unavailable")
                } else {
                    Status::internal("internal error")
                }
            }
        };
        sextant_common::metadata::set_error_code(&mut status, code);
        status
    }
}
