//! Every way an auth-service call fails, and the one place that picks a gRPC status.

use tonic::{Code, Status};

/// What failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The email is not a valid address.
    #[error("email: not a valid email address")]
    InvalidEmail,
    /// The password is under the minimum length.
    #[error("password: must be at least 8 characters")]
    PasswordTooShort,
    /// The password is over the maximum length.
    #[error("password: must be at most 1024 bytes")]
    PasswordTooLong,
    /// An account with this email exists already.
    #[error("an account with this email already exists")]
    EmailTaken,
    /// Unknown email or wrong password: deliberately the same error.
    #[error("incorrect email or password")]
    InvalidCredentials,
    /// The token's account no longer exists.
    #[error("the account of this token no longer exists")]
    UnknownAccount,
    /// Too many password hashes waiting.
    #[error("too many sign-ins at once; try again shortly")]
    Busy,
    /// The bearer token was refused.
    #[error(transparent)]
    Token(#[from] sextant_common::auth::TokenError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Anything else internal (hashing, signing, a panicked task).
    #[error("internal: {0}")]
    Internal(String),
}

impl Error {
    /// The machine-readable code the gateway shows to clients.
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidEmail => "invalid_email",
            Self::PasswordTooShort | Self::PasswordTooLong => "invalid_password",
            Self::EmailTaken => "email_taken",
            Self::InvalidCredentials => "invalid_credentials",
            Self::UnknownAccount => "unknown_account",
            Self::Busy => "busy",
            Self::Token(_) => "invalid_token",
            Self::Database(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let code = error.code();
        let mut status = match error {
            Error::InvalidEmail | Error::PasswordTooShort | Error::PasswordTooLong => {
                Status::invalid_argument(error.to_string())
            }
            Error::EmailTaken => Status::already_exists(error.to_string()),
            Error::InvalidCredentials | Error::UnknownAccount => Status::unauthenticated(error.to_string()),
            Error::Busy => Status::resource_exhausted(error.to_string()),
            Error::Token(token) => return token.into(),
            Error::Database(cause) => {
                tracing::error!(error = %cause, "database failure");
                if matches!(
                    cause,
                    sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed
                ) {
                    Status::unavailable("the account store is unavailable")
                } else {
                    Status::internal("internal error")
                }
            }
            Error::Internal(cause) => {
                tracing::error!(error = %cause, "internal failure");
                Status::new(Code::Internal, "internal error")
            }
        };
        sextant_common::metadata::set_error_code(&mut status, code);
        status
    }
}
