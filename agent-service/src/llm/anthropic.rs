//! The Anthropic Messages API, streamed: `message_start` (with the prompt's tokens),
//! `content_block_start` / `content_block_delta` / `content_block_stop` for text
//! (`text_delta`) and tool calls (`tool_use`, then `input_json_delta` fragments),
//! `message_delta` (the stop reason and output tokens), `message_stop`, `ping`, `error`.

use async_trait::async_trait;
use eventsource_stream::Event;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::transport::{Parser, Transport};
use super::{Breaker, Choice, Chunk, Chunks, Message, Model, ModelError, Request, Tokens};
use crate::config::ApiKey;

/// The API version this client speaks.
const VERSION: &str = "2023-06-01";

/// A Claude model.
#[derive(Debug)]
pub struct Anthropic {
    transport: Transport,
    url: String,
    model: String,
    key: ApiKey,
}

impl Anthropic {
    /// The model `model` at `base_url` (`https://api.anthropic.com`), with `key`.
    pub fn new(transport: Transport, base_url: &str, model: &str, key: ApiKey) -> Self {
        Self {
            transport,
            url: format!("{}/v1/messages", base_url.trim_end_matches('/')),
            model: model.to_owned(),
            key,
        }
    }
}

#[async_trait]
impl Model for Anthropic {
    fn provider(&self) -> &'static str {
        <Stream as Parser>::PROVIDER
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn breaker(&self) -> &Breaker {
        self.transport.breaker()
    }

    async fn stream(&self, request: &Request, cancel: &CancellationToken) -> Result<Chunks, ModelError> {
        let http = self
            .transport
            .client()
            .post(&self.url)
            .header("x-api-key", self.key.expose())
            .header("anthropic-version", VERSION)
            .json(&body(&self.model, request));
        self.transport.stream::<Stream>(http, cancel).await
    }
}

/// The JSON body of `request`.
fn body(model: &str, request: &Request) -> Value {
    let messages: Vec<Value> = request.messages.iter().map(message).collect();
    let mut body = json!({
        "model": model,
        "max_tokens": request.max_tokens,
        "system": request.system,
        "messages": messages,
        "stream": true,
    });
    if let Choice::Tool(name) = &request.choice {
        let tools: Vec<Value> = request
            .tools
            .iter()
            .map(|tool| json!({"name": tool.name, "description": tool.description, "input_schema": tool.schema}))
            .collect();
        body["tools"] = Value::Array(tools);
        body["tool_choice"] = json!({"type": "tool", "name": name, "disable_parallel_tool_use": true});
    }
    body
}

fn message(message: &Message) -> Value {
    match message {
        Message::User(text) => json!({"role": "user", "content": text}),
        Message::Assistant { text, calls } => {
            let mut content = Vec::new();
            if !text.is_empty() {
                content.push(json!({"type": "text", "text": text}));
            }
            for call in calls {
                let input: Value = serde_json::from_str(&call.arguments)
                    .ok()
                    .filter(Value::is_object)
                    .unwrap_or_else(|| json!({}));
                content.push(json!({"type": "tool_use", "id": call.id, "name": call.name, "input": input}));
            }
            json!({"role": "assistant", "content": content})
        }
        Message::ToolResult { id, content, is_error } => json!({
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": id, "content": content, "is_error": is_error}],
        }),
    }
}

/// Reads one reply's events.
#[derive(Debug, Default)]
struct Stream {
    tokens: Tokens,
    stop_reason: Option<String>,
    stopped: bool,
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn count(value: &Value, pointer: &str) -> Option<u64> {
    value.pointer(pointer).and_then(Value::as_u64)
}

impl Parser for Stream {
    const PROVIDER: &'static str = "anthropic";

    fn parse(&mut self, event: &Event) -> Result<Vec<Chunk>, ModelError> {
        let data: Value = serde_json::from_str(&event.data)
            .map_err(|error| ModelError::Malformed(format!("an event that is not JSON ({error})")))?;
        let kind = data.get("type").and_then(Value::as_str).unwrap_or(&event.event);
        let index = || count(&data, "/index").unwrap_or(0) as usize;
        Ok(match kind {
            "message_start" => {
                self.tokens.input = count(&data, "/message/usage/input_tokens").unwrap_or(0);
                self.tokens.output = count(&data, "/message/usage/output_tokens").unwrap_or(0);
                vec![Chunk::Usage(self.tokens)]
            }
            "content_block_start" => match data.pointer("/content_block/type").and_then(Value::as_str) {
                Some("tool_use") => vec![Chunk::ToolStart {
                    index: index(),
                    id: text(&data, "/content_block/id"),
                    name: text(&data, "/content_block/name"),
                }],
                Some("text") => {
                    let start = text(&data, "/content_block/text");
                    if start.is_empty() {
                        vec![]
                    } else {
                        vec![Chunk::Text(start)]
                    }
                }
                _ => vec![],
            },
            "content_block_delta" => match data.pointer("/delta/type").and_then(Value::as_str) {
                Some("text_delta") => vec![Chunk::Text(text(&data, "/delta/text"))],
                Some("input_json_delta") => vec![Chunk::ToolArguments {
                    index: index(),
                    fragment: text(&data, "/delta/partial_json"),
                }],
                _ => vec![],
            },
            "message_delta" => {
                if let Some(reason) = data.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.stop_reason = Some(reason.to_owned());
                }
                if let Some(input) = count(&data, "/usage/input_tokens") {
                    self.tokens.input = input;
                }
                match count(&data, "/usage/output_tokens") {
                    Some(output) => {
                        self.tokens.output = output;
                        vec![Chunk::Usage(self.tokens)]
                    }
                    None => vec![],
                }
            }
            "message_stop" => {
                self.stopped = true;
                vec![Chunk::Stop(self.stop_reason.take())]
            }
            "error" => {
                return Err(ModelError::Remote(format!(
                    "{}: {}",
                    text(&data, "/error/type"),
                    text(&data, "/error/message")
                )));
            }
            // `ping`, `content_block_stop`, and event types added later.
            _ => vec![],
        })
    }

    fn finish(&mut self) -> Result<Vec<Chunk>, ModelError> {
        if self.stopped {
            Ok(vec![])
        } else {
            Err(ModelError::Malformed("the stream ended before `message_stop`".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::{Tool, ToolCall};

    #[test]
    fn a_forced_tool_call_and_its_repair_are_sent_in_the_messages_format() {
        let request = Request {
            system: "be brief".into(),
            messages: vec![
                Message::User("total by region".into()),
                Message::Assistant {
                    text: String::new(),
                    calls: vec![ToolCall {
                        id: "toolu_1".into(),
                        name: "run_sql".into(),
                        arguments: "{\"sql\": ".into(),
                    }],
                },
                Message::ToolResult {
                    id: "toolu_1".into(),
                    content: "not JSON".into(),
                    is_error: true,
                },
            ],
            tools: vec![Tool {
                name: "run_sql",
                description: "runs SQL",
                schema: json!({"type": "object"}),
            }],
            choice: Choice::Tool("run_sql".into()),
            max_tokens: 100,
        };
        let body = body("claude-x", &request);
        assert_eq!(body["stream"], true);
        assert_eq!(body["system"], "be brief");
        assert_eq!(body["tool_choice"]["name"], "run_sql");
        assert_eq!(body["tools"][0]["input_schema"]["type"], "object");
        assert_eq!(
            body["messages"][1]["content"][0]["input"],
            json!({}),
            "invalid arguments go back as {{}}"
        );
        assert_eq!(body["messages"][2]["content"][0]["type"], "tool_result");
        assert_eq!(body["messages"][2]["content"][0]["is_error"], true);
    }

    #[test]
    fn text_without_tools_sends_no_tools() {
        let request = Request {
            system: String::new(),
            messages: vec![Message::User("hi".into())],
            tools: vec![],
            choice: Choice::Text,
            max_tokens: 10,
        };
        let body = body("m", &request);
        assert!(
            body.get("tools").is_none() && body.get("tool_choice").is_none(),
            "{body}"
        );
    }
}
