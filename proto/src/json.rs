//! `google.protobuf.Value` and JSON, both ways: table cells and chart specs travel as
//! protobuf dynamic values between the services and as JSON to the gateway's clients.

use prost_types::value::Kind;
use prost_types::{ListValue, Struct, Value};

/// A JSON value as a protobuf value (numbers become doubles, as protobuf has no other).
pub fn to_value(json: &serde_json::Value) -> Value {
    let kind = match json {
        serde_json::Value::Null => Kind::NullValue(0),
        serde_json::Value::Bool(flag) => Kind::BoolValue(*flag),
        serde_json::Value::Number(number) => Kind::NumberValue(number.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(text) => Kind::StringValue(text.clone()),
        serde_json::Value::Array(items) => Kind::ListValue(to_list(items)),
        serde_json::Value::Object(fields) => Kind::StructValue(to_struct(fields)),
    };
    Value { kind: Some(kind) }
}

/// A list of JSON values (a table row) as a protobuf list.
pub fn to_list(items: &[serde_json::Value]) -> ListValue {
    ListValue {
        values: items.iter().map(to_value).collect(),
    }
}

/// A JSON object as a protobuf struct.
pub fn to_struct(fields: &serde_json::Map<String, serde_json::Value>) -> Struct {
    Struct {
        fields: fields
            .iter()
            .map(|(name, item)| (name.clone(), to_value(item)))
            .collect(),
    }
}

/// A protobuf value as JSON; a NaN or infinite number becomes null.
pub fn from_value(value: &Value) -> serde_json::Value {
    match &value.kind {
        None | Some(Kind::NullValue(_)) => serde_json::Value::Null,
        Some(Kind::BoolValue(flag)) => serde_json::Value::Bool(*flag),
        Some(Kind::NumberValue(number)) => from_number(*number),
        Some(Kind::StringValue(text)) => serde_json::Value::String(text.clone()),
        Some(Kind::ListValue(list)) => serde_json::Value::Array(from_list(list)),
        Some(Kind::StructValue(object)) => serde_json::Value::Object(from_struct(object)),
    }
}

/// Integers a double represents exactly (|n| < 2^53).
const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;

/// A protobuf number (always a double) as JSON: a whole number within the exactly
/// representable range comes out as an integer (`3`, not `3.0`), as it went in; NaN and
/// infinities, which JSON cannot hold, as null.
fn from_number(number: f64) -> serde_json::Value {
    if number.fract() == 0.0 && number.abs() < EXACT_INTEGERS {
        // Exact: the value is whole and within i64's exactly representable range.
        #[allow(clippy::cast_possible_truncation)]
        return serde_json::Value::from(number as i64);
    }
    serde_json::Number::from_f64(number).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// A protobuf list as JSON values.
pub fn from_list(list: &ListValue) -> Vec<serde_json::Value> {
    list.values.iter().map(from_value).collect()
}

/// A protobuf struct as a JSON object.
pub fn from_struct(object: &Struct) -> serde_json::Map<String, serde_json::Value> {
    object
        .fields
        .iter()
        .map(|(key, value)| (key.clone(), from_value(value)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_survives_a_round_trip_through_protobuf() {
        let original = json!({"a": [1.5, "x", null, true, 3], "b": {"c": -2, "d": 1e300}});
        assert_eq!(from_value(&to_value(&original)), original);
    }

    #[test]
    fn numbers_keep_their_shape_and_non_finite_ones_become_null() {
        let number = |n| Value {
            kind: Some(Kind::NumberValue(n)),
        };
        assert_eq!(
            from_value(&number(3.0)),
            json!(3),
            "whole numbers come back as integers"
        );
        assert_eq!(from_value(&number(-20000.0)), json!(-20000));
        assert_eq!(from_value(&number(2.5)), json!(2.5));
        assert_eq!(
            from_value(&number(EXACT_INTEGERS)),
            json!(EXACT_INTEGERS),
            "beyond 2^53: a double"
        );
        assert_eq!(from_value(&number(f64::NAN)), serde_json::Value::Null);
        assert_eq!(from_value(&number(f64::INFINITY)), serde_json::Value::Null);
        assert_eq!(from_value(&Value { kind: None }), serde_json::Value::Null);
    }
}
