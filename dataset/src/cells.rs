//! Polars cells as JSON scalars, for a profile's sample rows, a preview and a query's
//! table alike. Numbers stay numbers (NaN and infinities become null: JSON has no such
//! numbers), text stays text, dates and date-times become ISO 8601 text, everything else
//! (durations, lists, structs) the text Polars shows for it.

use polars::prelude::{AnyValue, DataFrame, TimeUnit};
use serde_json::Value;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

const ISO_DATE: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");
const ISO_DATETIME: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

/// One cell as a JSON scalar.
pub fn cell(value: AnyValue<'_>) -> Value {
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(value) => Value::Bool(value),
        AnyValue::String(text) => Value::String(text.to_owned()),
        AnyValue::StringOwned(text) => Value::String(text.to_string()),
        AnyValue::UInt8(n) => n.into(),
        AnyValue::UInt16(n) => n.into(),
        AnyValue::UInt32(n) => n.into(),
        AnyValue::UInt64(n) => n.into(),
        AnyValue::Int8(n) => n.into(),
        AnyValue::Int16(n) => n.into(),
        AnyValue::Int32(n) => n.into(),
        AnyValue::Int64(n) => n.into(),
        AnyValue::Float32(x) => number(f64::from(x)),
        AnyValue::Float64(x) => number(x),
        AnyValue::Date(days) => iso_date(days).map_or_else(|| Value::String(value.to_string()), Value::String),
        AnyValue::Datetime(ticks, unit, zone) => {
            iso_datetime(ticks, unit, zone.is_some()).map_or_else(|| Value::String(value.to_string()), Value::String)
        }
        AnyValue::DatetimeOwned(ticks, unit, ref zone) => {
            iso_datetime(ticks, unit, zone.is_some()).map_or_else(|| Value::String(value.to_string()), Value::String)
        }
        other => Value::String(other.to_string()),
    }
}

/// The first `limit` rows of `frame`, each a list of cells in column order.
pub fn rows(frame: &DataFrame, limit: usize) -> Vec<Vec<Value>> {
    let columns = frame.columns();
    (0..frame.height().min(limit))
        .map(|row| {
            columns
                .iter()
                .map(|column| column.get(row).map_or(Value::Null, cell))
                .collect()
        })
        .collect()
}

fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// Days since 1970-01-01 as `2023-01-31`; `None` outside the years `time` handles.
fn iso_date(days: i32) -> Option<String> {
    const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;
    Date::from_julian_day(UNIX_EPOCH_JULIAN_DAY.checked_add(days)?)
        .ok()?
        .format(ISO_DATE)
        .ok()
}

/// A date-time as `2023-01-31T08:00:00`, with the fraction of a second when there is
/// one; a time-zone-aware one is the UTC instant Polars stores, marked `Z`.
fn iso_datetime(ticks: i64, unit: TimeUnit, utc: bool) -> Option<String> {
    let nanos_per_tick: i128 = match unit {
        TimeUnit::Nanoseconds => 1,
        TimeUnit::Microseconds => 1_000,
        TimeUnit::Milliseconds => 1_000_000,
    };
    let moment = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ticks) * nanos_per_tick).ok()?;
    let mut text = moment.format(ISO_DATETIME).ok()?;
    let nanos = moment.nanosecond();
    if nanos != 0 {
        let fraction = format!("{nanos:09}");
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    if utc {
        text.push('Z');
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_text_and_booleans_keep_their_json_type() {
        assert_eq!(cell(AnyValue::Int64(-3)), json!(-3));
        assert_eq!(cell(AnyValue::UInt64(u64::MAX)), json!(u64::MAX));
        assert_eq!(cell(AnyValue::Float64(2.5)), json!(2.5));
        assert_eq!(cell(AnyValue::String("North")), json!("North"));
        assert_eq!(cell(AnyValue::Boolean(true)), json!(true));
        assert_eq!(cell(AnyValue::Null), Value::Null);
    }

    #[test]
    fn non_finite_floats_become_null() {
        assert_eq!(cell(AnyValue::Float64(f64::NAN)), Value::Null);
        assert_eq!(cell(AnyValue::Float32(f32::INFINITY)), Value::Null);
        assert_eq!(cell(AnyValue::Float64(f64::NEG_INFINITY)), Value::Null);
    }

    #[test]
    fn dates_and_datetimes_become_iso_8601_text() {
        // 19_358 days after 1970-01-01.
        assert_eq!(cell(AnyValue::Date(19_358)), json!("2023-01-01"));
        assert_eq!(cell(AnyValue::Date(19_388)), json!("2023-01-31"));
        assert_eq!(cell(AnyValue::Date(-1)), json!("1969-12-31"));
        assert_eq!(
            cell(AnyValue::Datetime(1_675_152_000_000_000, TimeUnit::Microseconds, None)),
            json!("2023-01-31T08:00:00")
        );
        assert_eq!(
            cell(AnyValue::Datetime(1_675_152_000_250, TimeUnit::Milliseconds, None)),
            json!("2023-01-31T08:00:00.25")
        );
        let utc = polars::prelude::TimeZone::UTC;
        assert_eq!(
            cell(AnyValue::Datetime(
                1_675_152_000_000_000_001,
                TimeUnit::Nanoseconds,
                Some(&utc)
            )),
            json!("2023-01-31T08:00:00.000000001Z")
        );
    }

    #[test]
    fn rows_stop_at_the_limit() {
        let frame = polars::df!("n" => [1i64, 2, 3], "s" => [Some("a"), None, Some("c")]).expect("frame");
        assert_eq!(
            rows(&frame, 2),
            vec![vec![json!(1), json!("a")], vec![json!(2), Value::Null]]
        );
        assert_eq!(rows(&frame, 10).len(), 3);
    }
}
