//! Chat events on the wire to browsers (DESIGN.md section 7): what the gateway writes on the
//! SSE stream for each `ChatEvent` of agent-service, and the `<run_id>:<seq>` event ids a
//! client sends back as `Last-Event-ID` to resume.
//!
//! The `data:` line of every SSE event is `{"type": "<type>", "data": {…}}`, with `data`:
//!
//! | type | data |
//! |---|---|
//! | `status` | `{"node": str, "phase": "started" \| "finished", "detail": str}` |
//! | `text` | `{"delta": str}` |
//! | `code` | `{"language": str, "source": str}` |
//! | `table` | `{"columns": [str], "rows": [[cell]], "truncated": bool}` (column names only) |
//! | `chart` | `{"spec": {…}}` (Vega-Lite v6; `null` if the message had none) |
//! | `image` | `{"mime_type": str, "data": str}` (standard base64, padded) |
//! | `usage` | `{"input_tokens": int, "output_tokens": int, "cost_usd": float}` |
//! | `error` | `{"code": str, "message": str}` |
//! | `done` | `{"run_id": str}` |
//!
//! This is the one SSE shape: agent-service's own serialisation of its events (checkpoints,
//! memory, history) must match it, `table` columns included.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use crate::agent::v1 as pb;
use crate::agent::v1::chat_event::Event;
use crate::json::{from_list, from_struct};

/// The SSE event type (`event:` line and `type` field) of `event`; `None` when the message
/// carries no event (a newer sender's variant, or an empty message).
pub fn event_type(event: &pb::ChatEvent) -> Option<&'static str> {
    event.event.as_ref().map(type_of)
}

/// The SSE `data:` of `event`, `{"type": …, "data": …}`; `None` when the message carries no
/// event.
pub fn event_json(event: &pb::ChatEvent) -> Option<Value> {
    event
        .event
        .as_ref()
        .map(|event| json!({ "type": type_of(event), "data": data_of(event) }))
}

/// The SSE event id of `event`: `<run_id>:<seq>`.
pub fn event_id(event: &pb::ChatEvent) -> String {
    format!("{}:{}", event.run_id, event.seq)
}

/// Where to resume, from a `Last-Event-ID` made by [`event_id`]; `None` when it is not
/// `<run_id>:<seq>` with a non-empty run id and a decimal sequence number.
pub fn resume_point(last_event_id: &str) -> Option<pb::ResumePoint> {
    let (run_id, seq) = last_event_id.trim().rsplit_once(':')?;
    let valid = !run_id.is_empty() && !seq.is_empty() && seq.bytes().all(|byte| byte.is_ascii_digit());
    if !valid {
        return None;
    }
    Some(pb::ResumePoint {
        run_id: run_id.to_owned(),
        after_seq: seq.parse().ok()?,
    })
}

fn type_of(event: &Event) -> &'static str {
    match event {
        Event::Status(_) => "status",
        Event::Text(_) => "text",
        Event::Code(_) => "code",
        Event::Table(_) => "table",
        Event::Chart(_) => "chart",
        Event::Image(_) => "image",
        Event::Usage(_) => "usage",
        Event::Error(_) => "error",
        Event::Done(_) => "done",
    }
}

fn data_of(event: &Event) -> Value {
    match event {
        Event::Status(status) => json!({
            "node": status.node,
            "phase": status.phase,
            "detail": status.detail,
        }),
        Event::Text(text) => json!({ "delta": text.delta }),
        Event::Code(code) => json!({ "language": code.language, "source": code.source }),
        Event::Table(table) => json!({
            "columns": table.columns,
            "rows": table.rows.iter().map(from_list).collect::<Vec<_>>(),
            "truncated": table.truncated,
        }),
        Event::Chart(chart) => json!({
            "spec": chart.spec.as_ref().map_or(Value::Null, |spec| Value::Object(from_struct(spec))),
        }),
        Event::Image(image) => json!({ "mime_type": image.mime_type, "data": BASE64.encode(&image.data) }),
        Event::Usage(usage) => {
            let mut data = json!({
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "cost_usd": usage.cost_usd,
            });
            if !usage.node.is_empty() {
                data["node"] = Value::from(usage.node.as_str());
            }
            data
        }
        Event::Error(error) => json!({ "code": error.code, "message": error.message }),
        Event::Done(done) => json!({ "run_id": done.run_id }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{to_list, to_struct};

    fn chat_event(event: Event) -> pb::ChatEvent {
        pb::ChatEvent {
            run_id: "run-1".into(),
            seq: 7,
            event: Some(event),
        }
    }

    fn assert_event(event: Event, kind: &str, data: Value) {
        let event = chat_event(event);
        assert_eq!(event_type(&event), Some(kind));
        assert_eq!(event_json(&event), Some(json!({ "type": kind, "data": data })));
    }

    #[test]
    fn a_status_event_has_node_phase_and_detail() {
        let status = pb::Status {
            node: "plan".into(),
            phase: "started".into(),
            detail: "subtask 1".into(),
        };
        assert_event(
            Event::Status(status),
            "status",
            json!({"node": "plan", "phase": "started", "detail": "subtask 1"}),
        );
    }

    #[test]
    fn a_text_event_has_its_delta() {
        let text = pb::Text {
            delta: "The mean".into(),
        };
        assert_event(Event::Text(text), "text", json!({"delta": "The mean"}));
    }

    #[test]
    fn a_code_event_has_language_and_source() {
        let code = pb::Code {
            language: "sql".into(),
            source: "SELECT 1 FROM data".into(),
        };
        assert_event(
            Event::Code(code),
            "code",
            json!({"language": "sql", "source": "SELECT 1 FROM data"}),
        );
    }

    #[test]
    fn a_table_event_has_column_names_rows_and_truncation() {
        let rows = [json!(["north", 1.5, null]), json!(["south", 2.0, true])];
        let table = pb::Table {
            columns: vec!["region".into(), "total".into(), "flag".into()],
            rows: rows
                .iter()
                .map(|row| to_list(row.as_array().map_or(&[][..], Vec::as_slice)))
                .collect(),
            truncated: true,
        };
        assert_event(
            Event::Table(table),
            "table",
            json!({
                "columns": ["region", "total", "flag"],
                "rows": [["north", 1.5, null], ["south", 2, true]],
                "truncated": true,
            }),
        );
    }

    #[test]
    fn a_chart_event_has_its_spec_as_json() {
        let spec = json!({"mark": "bar", "data": {"values": [{"x": "a", "y": 1}]}});
        let chart = pb::Chart {
            spec: spec.as_object().map(to_struct),
        };
        assert_event(Event::Chart(chart), "chart", json!({ "spec": spec }));
        assert_event(Event::Chart(pb::Chart { spec: None }), "chart", json!({"spec": null}));
    }

    #[test]
    fn an_image_event_has_padded_standard_base64() {
        let image = pb::Image {
            mime_type: "image/png".into(),
            data: vec![0x89, b'P', b'N', b'G', 0xff],
        };
        assert_event(
            Event::Image(image),
            "image",
            json!({"mime_type": "image/png", "data": "iVBOR/8="}),
        );
    }

    #[test]
    fn a_usage_event_has_tokens_and_cost() {
        let usage = pb::Usage {
            input_tokens: 1200,
            output_tokens: 80,
            cost_usd: 0.25,
            node: String::new(),
        };
        assert_event(
            Event::Usage(usage),
            "usage",
            json!({"input_tokens": 1200, "output_tokens": 80, "cost_usd": 0.25}),
        );
    }

    #[test]
    fn an_error_event_has_code_and_message() {
        let error = pb::Error {
            code: "query_failed".into(),
            message: "no column 'x'".into(),
        };
        assert_event(
            Event::Error(error),
            "error",
            json!({"code": "query_failed", "message": "no column 'x'"}),
        );
    }

    #[test]
    fn a_done_event_has_the_run_id() {
        let done = pb::Done { run_id: "run-1".into() };
        assert_event(Event::Done(done), "done", json!({"run_id": "run-1"}));
    }

    #[test]
    fn a_message_without_an_event_has_no_type_and_no_json() {
        let empty = pb::ChatEvent {
            run_id: "run-1".into(),
            seq: 1,
            event: None,
        };
        assert_eq!((event_type(&empty), event_json(&empty)), (None, None));
    }

    #[test]
    fn event_ids_round_trip_through_resume_points() {
        let event = chat_event(Event::Text(pb::Text { delta: String::new() }));
        assert_eq!(event_id(&event), "run-1:7");
        assert_eq!(
            resume_point(&event_id(&event)),
            Some(pb::ResumePoint {
                run_id: "run-1".into(),
                after_seq: 7,
            })
        );
        assert_eq!(resume_point(" a:b:0 ").map(|point| point.run_id), Some("a:b".into()));
    }

    #[test]
    fn malformed_last_event_ids_are_refused() {
        for id in [
            "",
            "run",
            ":3",
            "run:",
            "run:-1",
            "run:+1",
            "run:x",
            "run:1.0",
            "run:99999999999999999999",
        ] {
            assert_eq!(resume_point(id), None, "{id:?}");
        }
    }
}
