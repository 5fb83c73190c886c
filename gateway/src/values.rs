//! Protobuf dynamic values (`google.protobuf.Value`) as JSON, for table cells.

use prost_types::value::Kind;
use serde_json::Value;

/// One cell as JSON: null, bool, number, string, or nested list/object.
pub fn to_json(value: &prost_types::Value) -> Value {
    match &value.kind {
        None | Some(Kind::NullValue(_)) => Value::Null,
        Some(Kind::BoolValue(flag)) => Value::Bool(*flag),
        Some(Kind::NumberValue(number)) => serde_json::Number::from_f64(*number).map_or(Value::Null, Value::Number),
        Some(Kind::StringValue(text)) => Value::String(text.clone()),
        Some(Kind::ListValue(list)) => Value::Array(list.values.iter().map(to_json).collect()),
        Some(Kind::StructValue(object)) => Value::Object(
            object
                .fields
                .iter()
                .map(|(key, value)| (key.clone(), to_json(value)))
                .collect(),
        ),
    }
}

/// Rows of cells as JSON arrays.
pub fn rows_to_json(rows: &[prost_types::ListValue]) -> Vec<Vec<Value>> {
    rows.iter()
        .map(|row| row.values.iter().map(to_json).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_numbers_stay_numbers_and_nan_becomes_null() {
        let number = |n| prost_types::Value {
            kind: Some(Kind::NumberValue(n)),
        };
        assert_eq!(to_json(&number(3.0)), serde_json::json!(3.0));
        assert_eq!(to_json(&number(f64::NAN)), Value::Null);
        assert_eq!(to_json(&prost_types::Value { kind: None }), Value::Null);
    }
}
