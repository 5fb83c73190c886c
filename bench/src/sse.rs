//! Server-sent events as the chat stream sends them (`id: <run>:<seq>`, `event: <type>`,
//! `data: {"type", "data"}`, blank line), parsed incrementally from the chunks of a response
//! body, however the chunks cut the text. Comments (`: keep-alive`) are skipped.

/// One event of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `id:`, if the event had one.
    pub id: Option<String>,
    /// `event:` (`message` when absent, as in the SSE specification).
    pub kind: String,
    /// The `data:` lines joined with line breaks.
    pub data: String,
}

impl Event {
    /// The run of the event's id (`<run>:<seq>`).
    pub fn run_id(&self) -> Option<&str> {
        self.id.as_deref()?.rsplit_once(':').map(|(run, _)| run)
    }

    /// The `message` of an `error` event's data, or its raw data.
    pub fn error_message(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.data)
            .ok()
            .and_then(|json| {
                let data = &json["data"];
                let code = data["code"].as_str().unwrap_or("error");
                Some(format!("{code}: {}", data["message"].as_str()?))
            })
            .unwrap_or_else(|| self.data.clone())
    }
}

/// Turns chunks of bytes into events.
#[derive(Debug, Default)]
pub struct Parser {
    /// Bytes of a line not yet ended.
    partial: Vec<u8>,
    id: Option<String>,
    kind: Option<String>,
    data: Option<String>,
}

impl Parser {
    /// Feeds `chunk` and returns the events it completed, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|&byte| byte == b'\n') {
            self.partial.extend_from_slice(&rest[..end]);
            rest = &rest[end + 1..];
            let mut line = std::mem::take(&mut self.partial);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if let Some(event) = self.line(&String::from_utf8_lossy(&line)) {
                events.push(event);
            }
        }
        self.partial.extend_from_slice(rest);
        events
    }

    /// One complete line; a blank line dispatches the event gathered so far.
    fn line(&mut self, line: &str) -> Option<Event> {
        if line.is_empty() {
            let id = self.id.take();
            let kind = self.kind.take();
            // A block without data (only comments, or only an id) is no event.
            let data = self.data.take()?;
            return Some(Event {
                id,
                kind: kind.unwrap_or_else(|| "message".to_owned()),
                data,
            });
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" => self.id = Some(value.to_owned()),
            "event" => self.kind = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            // "" is a comment; `retry` and unknown fields do not matter here.
            _ => {}
        }
        None
    }
}

/// `text` percent-encoded for a URL query value (everything but RFC 3986's unreserved
/// characters is escaped, spaces included).
pub fn query_value(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "id: 0190:1\nevent: status\ndata: {\"type\":\"status\",\"data\":{\"node\":\"plan\"}}\n\n\
                          : keep-alive\n\n\
                          id: 0190:2\nevent: done\ndata: {\"type\":\"done\",\"data\":{\"run_id\":\"0190\"}}\n\n";

    #[test]
    fn whole_stream_gives_its_events_and_skips_comments() {
        let events = Parser::default().push(STREAM.as_bytes());
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(events[0].id.as_deref(), Some("0190:1"));
        assert_eq!(events[0].kind, "status");
        assert_eq!(events[0].data, "{\"type\":\"status\",\"data\":{\"node\":\"plan\"}}");
        assert_eq!(events[1].kind, "done");
        assert_eq!(events[1].run_id(), Some("0190"));
    }

    #[test]
    fn chunks_cut_anywhere_give_the_same_events() {
        let whole = Parser::default().push(STREAM.as_bytes());
        for size in 1..=7 {
            let mut parser = Parser::default();
            let events: Vec<Event> = STREAM
                .as_bytes()
                .chunks(size)
                .flat_map(|chunk| parser.push(chunk))
                .collect();
            assert_eq!(events, whole, "chunks of {size} bytes");
        }
    }

    #[test]
    fn crlf_lines_multi_line_data_and_missing_event_name() {
        let events = Parser::default().push(b"data: one\r\ndata:two\r\n\r\nid: r:3\n\n");
        assert_eq!(
            events,
            [Event {
                id: None,
                kind: "message".to_owned(),
                data: "one\ntwo".to_owned(),
            }],
            "an id-only block is no event"
        );
    }

    #[test]
    fn an_event_is_only_dispatched_at_its_blank_line() {
        let mut parser = Parser::default();
        assert!(parser.push(b"event: text\ndata: {}\n").is_empty());
        assert_eq!(parser.push(b"\n").len(), 1);
    }

    #[test]
    fn error_events_say_their_code_and_message() {
        let event = Event {
            id: None,
            kind: "error".to_owned(),
            data: r#"{"type":"error","data":{"code":"unavailable","message":"gone"}}"#.to_owned(),
        };
        assert_eq!(event.error_message(), "unavailable: gone");
        let raw = Event {
            data: "not json".to_owned(),
            ..event
        };
        assert_eq!(raw.error_message(), "not json");
    }

    #[test]
    fn query_values_escape_spaces_and_punctuation() {
        assert_eq!(query_value("how many rows?"), "how%20many%20rows%3F");
        assert_eq!(query_value("top_5 a-b.c~"), "top_5%20a-b.c~");
        assert_eq!(query_value("é"), "%C3%A9");
    }
}
