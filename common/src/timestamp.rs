//! Conversions between database times and protobuf timestamps, and the RFC 3339 text the
//! HTTP API shows.

use prost_types::Timestamp;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A database time as a protobuf timestamp.
pub fn to_proto(at: OffsetDateTime) -> Timestamp {
    Timestamp {
        seconds: at.unix_timestamp(),
        nanos: i32::try_from(at.nanosecond()).unwrap_or(0),
    }
}

/// A protobuf timestamp as RFC 3339 text in UTC; an absent or out-of-range timestamp
/// gives `None`.
pub fn to_rfc3339(at: Option<&Timestamp>) -> Option<String> {
    let at = at?;
    let nanos = i128::from(at.seconds) * 1_000_000_000 + i128::from(at.nanos);
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()?
        .format(&Rfc3339)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_rfc3339() {
        let at = time::macros::datetime!(2026-11-21 10:30:00.25 UTC);
        assert_eq!(
            to_rfc3339(Some(&to_proto(at))).as_deref(),
            Some("2026-11-21T10:30:00.25Z")
        );
        assert_eq!(to_rfc3339(None), None);
    }
}
