//! What a run tells its client (DESIGN.md section 7): typed events, numbered per run.
//!
//! An [`Event`] serialises as `{"type": "<type>", "data": …}` and is stored in that form in
//! checkpoints and memory. [`RunEvent::to_proto`] turns it into the gRPC message the gateway
//! relays; the gateway writes it as the SSE `data:` line with `sextant_proto::chat`, which
//! gives the same JSON except that a table's columns are their names only (the kinds stay
//! here, for charts and follow-ups).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sextant_proto::agent::v1 as pb;
use sextant_proto::json;

use crate::table::Table;

/// Whether a node started or finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The node began.
    Started,
    /// The node ended.
    Finished,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::Finished => "finished",
        }
    }
}

/// One thing a run says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Event {
    /// A node started or finished.
    Status {
        /// The node's name.
        node: String,
        /// Started or finished.
        phase: Phase,
        /// A short human-readable note, possibly empty.
        detail: String,
    },
    /// A chunk of the answer's prose.
    Text {
        /// The chunk.
        delta: String,
    },
    /// The query being run.
    Code {
        /// Its language (`sql`).
        language: String,
        /// The query.
        source: String,
    },
    /// A result table.
    Table(Table),
    /// A chart.
    Chart {
        /// A Vega-Lite v6 specification with inline data.
        spec: serde_json::Value,
    },
    /// A rendered chart (raw bytes in the gRPC message, base64 here and on the SSE stream).
    Image {
        /// `image/png`.
        mime_type: String,
        /// The image, base64-encoded.
        data: String,
    },
    /// Tokens and cost: of one node's model calls (with its `node`), or of the whole run
    /// (`node` empty, the last event before `done`).
    Usage {
        /// The node whose calls these were; empty for the run's total.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        node: String,
        /// Prompt tokens.
        input_tokens: u64,
        /// Completion tokens.
        output_tokens: u64,
        /// Cost in US dollars.
        cost_usd: f64,
    },
    /// Something went wrong; the run may still go on or end.
    Error {
        /// A machine-readable code.
        code: String,
        /// A message for a person.
        message: String,
    },
    /// The last event of every run.
    Done {
        /// The run's id.
        run_id: String,
    },
}

impl Event {
    /// The `usage` event of `used`: of the node `node`, or of the whole run when empty.
    pub fn usage(node: impl Into<String>, used: crate::usage::Usage) -> Self {
        Self::Usage {
            node: node.into(),
            input_tokens: used.input_tokens,
            output_tokens: used.output_tokens,
            cost_usd: used.cost_usd,
        }
    }

    /// Its type, as in `{"type": …}` and the SSE `event:` field.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Status { .. } => "status",
            Self::Text { .. } => "text",
            Self::Code { .. } => "code",
            Self::Table(_) => "table",
            Self::Chart { .. } => "chart",
            Self::Image { .. } => "image",
            Self::Usage { .. } => "usage",
            Self::Error { .. } => "error",
            Self::Done { .. } => "done",
        }
    }
}

/// An event with its place in its run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEvent {
    /// The run.
    pub run_id: String,
    /// 1 for the first event of the run, then one more for each.
    pub seq: u64,
    /// What happened.
    pub event: Event,
}

impl RunEvent {
    /// The gRPC message of this event.
    pub fn to_proto(&self) -> pb::ChatEvent {
        use pb::chat_event::Event as E;
        let event = match &self.event {
            Event::Status { node, phase, detail } => E::Status(pb::Status {
                node: node.clone(),
                phase: phase.as_str().to_owned(),
                detail: detail.clone(),
            }),
            Event::Text { delta } => E::Text(pb::Text { delta: delta.clone() }),
            Event::Code { language, source } => E::Code(pb::Code {
                language: language.clone(),
                source: source.clone(),
            }),
            Event::Table(table) => E::Table(pb::Table {
                columns: table.columns.iter().map(|column| column.name.clone()).collect(),
                rows: table.rows.iter().map(|row| json::to_list(row)).collect(),
                truncated: table.truncated,
            }),
            Event::Chart { spec } => E::Chart(pb::Chart {
                spec: spec.as_object().map(json::to_struct),
            }),
            Event::Image { mime_type, data } => E::Image(pb::Image {
                mime_type: mime_type.clone(),
                // Only `image` events this service made are ever converted: valid base64.
                data: BASE64.decode(data).unwrap_or_default(),
            }),
            Event::Usage {
                node,
                input_tokens,
                output_tokens,
                cost_usd,
            } => E::Usage(pb::Usage {
                input_tokens: *input_tokens,
                output_tokens: *output_tokens,
                cost_usd: *cost_usd,
                node: node.clone(),
            }),
            Event::Error { code, message } => E::Error(pb::Error {
                code: code.clone(),
                message: message.clone(),
            }),
            Event::Done { run_id } => E::Done(pb::Done { run_id: run_id.clone() }),
        };
        pb::ChatEvent {
            run_id: self.run_id.clone(),
            seq: self.seq,
            event: Some(event),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_serialise_as_type_and_data() {
        let text = Event::Text { delta: "hi".into() };
        assert_eq!(
            serde_json::to_value(&text).ok(),
            Some(json!({"type": "text", "data": {"delta": "hi"}}))
        );
        let status = Event::Status {
            node: "plan".into(),
            phase: Phase::Started,
            detail: String::new(),
        };
        assert_eq!(
            serde_json::to_value(&status).ok(),
            Some(json!({"type": "status", "data": {"node": "plan", "phase": "started", "detail": ""}}))
        );
    }

    #[test]
    fn a_table_event_keeps_its_columns_rows_and_truncation_in_proto() {
        let table = Table {
            columns: vec![crate::table::Column {
                name: "n".into(),
                kind: crate::table::ColumnKind::Number,
            }],
            rows: vec![vec![json!(1.5)], vec![json!(null)]],
            truncated: true,
        };
        let event = RunEvent {
            run_id: "r".into(),
            seq: 3,
            event: Event::Table(table),
        }
        .to_proto();
        let Some(pb::chat_event::Event::Table(table)) = event.event else {
            panic!("not a table: {event:?}");
        };
        assert_eq!((table.columns.len(), table.rows.len(), table.truncated), (1, 2, true));
        assert_eq!(json::from_list(&table.rows[0]), vec![json!(1.5)]);
        assert_eq!(event.seq, 3);
    }

    #[test]
    fn the_sse_json_of_every_event_is_its_own_json_with_table_columns_by_name() {
        let events = vec![
            Event::Status {
                node: "plan".into(),
                phase: Phase::Finished,
                detail: "ok".into(),
            },
            Event::Text { delta: "42".into() },
            Event::Code {
                language: "sql".into(),
                source: "SELECT 1".into(),
            },
            Event::Table(Table {
                columns: vec![crate::table::Column {
                    name: "n".into(),
                    kind: crate::table::ColumnKind::Number,
                }],
                rows: vec![vec![json!(1)], vec![json!(2.5)], vec![json!("x")]],
                truncated: false,
            }),
            Event::Chart {
                spec: json!({"mark": {"type": "bar"}, "data": {"values": [{"n": 1}]}}),
            },
            Event::Image {
                mime_type: "image/png".into(),
                data: BASE64.encode([137, 80, 78, 71]),
            },
            Event::Usage {
                node: String::new(),
                input_tokens: 3,
                output_tokens: 4,
                cost_usd: 0.5,
            },
            Event::Error {
                code: "cancelled".into(),
                message: "stopped".into(),
            },
            Event::Done { run_id: "r".into() },
        ];
        for event in events {
            let mut own = serde_json::to_value(&event).expect("json");
            assert_eq!(own["type"], event.kind());
            if let Some(columns) = own["data"].get_mut("columns") {
                *columns = json!(["n"]);
            }
            let proto = RunEvent {
                run_id: "r".into(),
                seq: 1,
                event,
            }
            .to_proto();
            assert_eq!(sextant_proto::chat::event_json(&proto), Some(own));
        }
    }
}
