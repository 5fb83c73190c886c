//! The gRPC metadata the gateway sends and every service reads: the caller's bearer
//! token (`authorization`) and the request id (`x-request-id`).

use tonic::metadata::{MetadataMap, MetadataValue};

/// Header and metadata key of the request id that follows a request through every service.
pub const REQUEST_ID: &str = "x-request-id";
/// Metadata key of the caller's access token, as `Bearer <jwt>`.
pub const AUTHORIZATION: &str = "authorization";

/// Metadata key of the machine-readable error code a service attaches to a failed
/// status; the gateway shows it as `code` in its error body.
pub const ERROR_CODE: &str = "x-error-code";

/// Attaches the machine-readable `code` to `status`.
pub fn set_error_code(status: &mut tonic::Status, code: &'static str) {
    status
        .metadata_mut()
        .insert(ERROR_CODE, MetadataValue::from_static(code));
}

/// The machine-readable code a service attached to `status`, if any.
pub fn error_code(status: &tonic::Status) -> Option<&str> {
    status.metadata().get(ERROR_CODE)?.to_str().ok()
}

/// The bearer token in `metadata`, if there is one.
pub fn bearer_token(metadata: &MetadataMap) -> Option<&str> {
    let value = metadata.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The request id in `metadata`, or `"-"` when the caller sent none.
pub fn request_id(metadata: &MetadataMap) -> &str {
    metadata
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-")
}

/// Writes the bearer token and request id into an outgoing request's metadata.
/// Values that are not valid metadata (they come from verified headers, so they should
/// be) are left out rather than failing the call.
pub fn propagate(metadata: &mut MetadataMap, token: Option<&str>, request_id: &str) {
    if let Some(token) = token
        && let Ok(value) = MetadataValue::try_from(format!("Bearer {token}"))
    {
        metadata.insert(AUTHORIZATION, value);
    }
    if let Ok(value) = MetadataValue::try_from(request_id) {
        metadata.insert(REQUEST_ID, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_token_accepts_any_scheme_case_and_rejects_other_schemes() {
        let mut metadata = MetadataMap::new();
        metadata.insert(AUTHORIZATION, MetadataValue::from_static("bearer abc.def"));
        assert_eq!(bearer_token(&metadata), Some("abc.def"));
        metadata.insert(AUTHORIZATION, MetadataValue::from_static("Basic abc"));
        assert_eq!(bearer_token(&metadata), None);
        assert_eq!(bearer_token(&MetadataMap::new()), None);
    }

    #[test]
    fn propagate_writes_token_and_request_id() {
        let mut metadata = MetadataMap::new();
        propagate(&mut metadata, Some("t.o.k"), "req-1");
        assert_eq!(bearer_token(&metadata), Some("t.o.k"));
        assert_eq!(request_id(&metadata), "req-1");
    }
}
