//! Polars cells as JSON values: numbers stay numbers, text stays text, everything else
//! (dates, lists, structs) becomes the text Polars shows for it.

use polars::prelude::{AnyValue, DataFrame};
use serde_json::Value;

/// One cell as JSON. Non-finite floats become `null` (JSON has no NaN).
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
        other => Value::String(other.to_string()),
    }
}

fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_and_text_keep_their_json_type() {
        assert_eq!(cell(AnyValue::Int64(-3)), json!(-3));
        assert_eq!(cell(AnyValue::UInt64(u64::MAX)), json!(u64::MAX));
        assert_eq!(cell(AnyValue::Float64(2.5)), json!(2.5));
        assert_eq!(cell(AnyValue::Float64(f64::NAN)), Value::Null);
        assert_eq!(cell(AnyValue::String("North")), json!("North"));
        assert_eq!(cell(AnyValue::Boolean(true)), json!(true));
        assert_eq!(cell(AnyValue::Null), Value::Null);
    }

    #[test]
    fn dates_become_iso_text() {
        // 19_358 days after 1970-01-01.
        assert_eq!(cell(AnyValue::Date(19_358)), json!("2023-01-01"));
    }
}
