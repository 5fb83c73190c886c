//! The gateway's one error type and the one gRPC→HTTP mapping (DESIGN.md section 4).
//! Handlers return [`ApiError`]; the [`render`] middleware gives every error the same
//! JSON body `{"detail", "code", "request_id"}`.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sextant_common::metadata::{REQUEST_ID, error_code};
use tonic::Code;

/// An error answer: status, machine code and a message meant for people.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    detail: String,
}

/// The JSON error body, carried in the response's extensions until [`render`] writes it.
#[derive(Debug, Clone, Serialize)]
struct ErrorBody {
    detail: String,
    code: String,
    request_id: String,
}

impl ApiError {
    /// An error with an explicit status, code and message.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code: Cow::Borrowed(code),
            detail: detail.into(),
        }
    }

    /// 401: no valid access token.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
    }

    /// 404: no such route or resource.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 400: a malformed request (a header or parameter that cannot be read).
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    /// 422: a well-formed request whose field fails validation.
    pub fn invalid_input(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", detail)
    }

    /// 504: `backend` did not answer within the deadline.
    pub fn timeout(backend: &str) -> Self {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            "timeout",
            format!("the {backend} service did not answer in time"),
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Maps a failed call to `backend` to HTTP. Internal causes are logged, not sent.
    pub fn from_status(backend: &str, status: &tonic::Status) -> Self {
        let (http, default_code) = match status.code() {
            Code::InvalidArgument => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            Code::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Code::PermissionDenied => (StatusCode::FORBIDDEN, "forbidden"),
            Code::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Code::AlreadyExists => (StatusCode::CONFLICT, "already_exists"),
            Code::FailedPrecondition | Code::Aborted => (StatusCode::CONFLICT, "conflict"),
            Code::ResourceExhausted => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            Code::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Code::DeadlineExceeded => (StatusCode::GATEWAY_TIMEOUT, "timeout"),
            Code::Unimplemented => (StatusCode::NOT_IMPLEMENTED, "not_implemented"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        // The services' own codes refine the table where HTTP has a better status.
        let code = error_code(status);
        let http = match code {
            Some("payload_too_large") => StatusCode::PAYLOAD_TOO_LARGE,
            Some("unsupported_format") => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => http,
        };
        let detail = match http {
            StatusCode::INTERNAL_SERVER_ERROR => {
                tracing::error!(backend, code = ?status.code(), message = status.message(), "backend failed");
                "internal error".to_owned()
            }
            // A service's own Unavailable carries a message for people; a transport
            // failure (connection refused) carries the transport's, so say it plainly.
            StatusCode::SERVICE_UNAVAILABLE if code.is_none() => {
                tracing::warn!(backend, message = status.message(), "backend unavailable");
                format!("the {backend} service is unavailable")
            }
            _ => status.message().to_owned(),
        };
        let code = code.map_or(Cow::Borrowed(default_code), |code| Cow::Owned(code.to_owned()));
        Self {
            status: http,
            code,
            detail,
        }
    }

    /// Maps an axum extractor rejection (bad JSON, wrong content type, body too large)
    /// to the error shape, keeping axum's status and message.
    pub fn from_rejection(status: StatusCode, detail: String) -> Self {
        let code = match status {
            StatusCode::BAD_REQUEST => "bad_request",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid_input",
            _ => "bad_request",
        };
        Self::new(status, code, detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response.extensions_mut().insert(ErrorBody {
            detail: self.detail,
            code: self.code.into_owned(),
            request_id: String::new(),
        });
        response
    }
}

/// Writes the JSON body of every [`ApiError`] with the request id (which the request-id
/// layer has already put on the response), and turns the bare 405 answers of the router into
/// the same shape. A plain response mapping: no per-request service clone or boxed future.
pub fn render(response: Response) -> Response {
    let mut response = response;
    let body = match response.extensions_mut().remove::<ErrorBody>() {
        Some(body) => body,
        None if response.status() == StatusCode::METHOD_NOT_ALLOWED => ErrorBody {
            detail: "method not allowed".into(),
            code: "method_not_allowed".into(),
            request_id: String::new(),
        },
        None => return response,
    };
    let request_id = response
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = ErrorBody { request_id, ..body };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let json = serde_json::to_vec(&body).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_codes_map_to_the_statuses_of_design_section_4() {
        let cases = [
            (Code::InvalidArgument, StatusCode::UNPROCESSABLE_ENTITY),
            (Code::Unauthenticated, StatusCode::UNAUTHORIZED),
            (Code::PermissionDenied, StatusCode::FORBIDDEN),
            (Code::NotFound, StatusCode::NOT_FOUND),
            (Code::AlreadyExists, StatusCode::CONFLICT),
            (Code::FailedPrecondition, StatusCode::CONFLICT),
            (Code::Aborted, StatusCode::CONFLICT),
            (Code::ResourceExhausted, StatusCode::TOO_MANY_REQUESTS),
            (Code::Unavailable, StatusCode::SERVICE_UNAVAILABLE),
            (Code::DeadlineExceeded, StatusCode::GATEWAY_TIMEOUT),
            (Code::Unimplemented, StatusCode::NOT_IMPLEMENTED),
            (Code::Internal, StatusCode::INTERNAL_SERVER_ERROR),
            (Code::Unknown, StatusCode::INTERNAL_SERVER_ERROR),
            (Code::DataLoss, StatusCode::INTERNAL_SERVER_ERROR),
        ];
        for (code, http) in cases {
            assert_eq!(
                ApiError::from_status("x", &tonic::Status::new(code, "m")).status,
                http,
                "{code:?}"
            );
        }
    }

    #[test]
    fn internal_causes_are_not_sent_to_clients() {
        let error = ApiError::from_status("auth", &tonic::Status::internal("password column is null for id 42"));
        assert_eq!(error.detail, "internal error");
        assert_eq!(error.code, "internal");
    }

    #[test]
    fn service_codes_are_kept_and_refine_the_status() {
        let mut status = tonic::Status::invalid_argument("no such format");
        sextant_common::metadata::set_error_code(&mut status, "unsupported_format");
        let error = ApiError::from_status("file", &status);
        assert_eq!(
            (error.status, error.code.as_ref()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_format")
        );

        let mut status = tonic::Status::resource_exhausted("file over 100 MB");
        sextant_common::metadata::set_error_code(&mut status, "payload_too_large");
        assert_eq!(
            ApiError::from_status("file", &status).status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }

    #[test]
    fn a_transport_failure_names_the_backend() {
        let error = ApiError::from_status(
            "session",
            &tonic::Status::unavailable("tcp connect error: Connection refused"),
        );
        assert_eq!(error.detail, "the session service is unavailable");
    }
}
