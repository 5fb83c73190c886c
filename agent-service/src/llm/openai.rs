//! OpenAI-compatible chat completions, streamed (OpenAI, Ollama, vLLM, llama.cpp): `data:`
//! chunks whose `choices[0].delta` carries `content` or `tool_calls` fragments (an `index`,
//! the `id` and `function.name` once, `function.arguments` in pieces), a `finish_reason`,
//! a last chunk with `usage` when asked for, and `data: [DONE]`. Servers differ, so the
//! reading is lenient: any field may be missing, `finish_reason` may be empty, `usage` and
//! `[DONE]` may never come.

use std::collections::HashSet;

use async_trait::async_trait;
use eventsource_stream::Event;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::transport::{Parser, Transport};
use super::{Breaker, Choice, Chunk, Chunks, Message, Model, ModelError, Request, Tokens};
use crate::config::ApiKey;

/// A model behind an OpenAI-compatible server.
#[derive(Debug)]
pub struct OpenAi {
    transport: Transport,
    url: String,
    model: String,
    key: ApiKey,
}

impl OpenAi {
    /// The model `model` at `base_url` (`https://api.openai.com/v1`, or a local server's
    /// `/v1`), with `key` (sent as a bearer token unless empty).
    pub fn new(transport: Transport, base_url: &str, model: &str, key: ApiKey) -> Self {
        Self {
            transport,
            url: format!("{}/chat/completions", base_url.trim_end_matches('/')),
            model: model.to_owned(),
            key,
        }
    }
}

#[async_trait]
impl Model for OpenAi {
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
        let mut http = self
            .transport
            .client()
            .post(&self.url)
            .json(&body(&self.model, request));
        if !self.key.is_empty() {
            http = http.bearer_auth(self.key.expose());
        }
        self.transport.stream::<Stream>(http, cancel).await
    }
}

/// The JSON body of `request`.
fn body(model: &str, request: &Request) -> Value {
    let mut messages = vec![json!({"role": "system", "content": request.system})];
    messages.extend(request.messages.iter().map(message));
    let mut body = json!({
        "model": model,
        "messages": messages,
        "max_tokens": request.max_tokens,
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    if let Choice::Tool(name) = &request.choice {
        let tools: Vec<Value> = request
            .tools
            .iter()
            .map(|tool| {
                json!({"type": "function", "function": {
                    "name": tool.name, "description": tool.description, "parameters": tool.schema,
                }})
            })
            .collect();
        body["tools"] = Value::Array(tools);
        body["tool_choice"] = json!({"type": "function", "function": {"name": name}});
    }
    body
}

fn message(message: &Message) -> Value {
    match message {
        Message::User(text) => json!({"role": "user", "content": text}),
        Message::Assistant { text, calls } => {
            let mut message = json!({"role": "assistant", "content": text});
            if !calls.is_empty() {
                let calls: Vec<Value> = calls
                    .iter()
                    .map(|call| {
                        json!({"id": call.id, "type": "function",
                               "function": {"name": call.name, "arguments": call.arguments}})
                    })
                    .collect();
                message["tool_calls"] = Value::Array(calls);
            }
            message
        }
        Message::ToolResult { id, content, .. } => json!({"role": "tool", "tool_call_id": id, "content": content}),
    }
}

/// Reads one reply's chunks.
#[derive(Debug, Default)]
struct Stream {
    started: HashSet<usize>,
    finish_reason: Option<String>,
    done: bool,
}

impl Stream {
    fn tool_call(&mut self, position: usize, call: &Value, chunks: &mut Vec<Chunk>) {
        let index = call
            .get("index")
            .and_then(Value::as_u64)
            .map_or(position, |index| index as usize);
        let field = |pointer: &str| {
            call.pointer(pointer)
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
        };
        if self.started.insert(index) {
            chunks.push(Chunk::ToolStart {
                index,
                id: field("/id").map_or_else(|| format!("call_{index}"), str::to_owned),
                name: field("/function/name").unwrap_or_default().to_owned(),
            });
        }
        if let Some(fragment) = field("/function/arguments") {
            chunks.push(Chunk::ToolArguments {
                index,
                fragment: fragment.to_owned(),
            });
        }
    }
}

impl Parser for Stream {
    const PROVIDER: &'static str = "openai";

    fn parse(&mut self, event: &Event) -> Result<Vec<Chunk>, ModelError> {
        let data = event.data.trim();
        if data == "[DONE]" {
            self.done = true;
            return Ok(vec![Chunk::Stop(self.finish_reason.take())]);
        }
        if self.done || data.is_empty() {
            return Ok(vec![]);
        }
        let data: Value = serde_json::from_str(data)
            .map_err(|error| ModelError::Malformed(format!("a chunk that is not JSON ({error})")))?;
        if let Some(error) = data.get("error") {
            let message = error.get("message").and_then(Value::as_str).map(str::to_owned);
            return Err(ModelError::Remote(message.unwrap_or_else(|| error.to_string())));
        }
        let mut chunks = Vec::new();
        let choice = data.pointer("/choices/0");
        if let Some(content) = choice
            .and_then(|choice| choice.pointer("/delta/content"))
            .and_then(Value::as_str)
            && !content.is_empty()
        {
            chunks.push(Chunk::Text(content.to_owned()));
        }
        let calls = choice
            .and_then(|choice| choice.pointer("/delta/tool_calls"))
            .and_then(Value::as_array);
        for (position, call) in calls.into_iter().flatten().enumerate() {
            self.tool_call(position, call, &mut chunks);
        }
        if let Some(reason) = choice
            .and_then(|choice| choice.get("finish_reason"))
            .and_then(Value::as_str)
            && !reason.is_empty()
        {
            self.finish_reason = Some(reason.to_owned());
        }
        if let Some(usage) = data.get("usage").filter(|usage| usage.is_object()) {
            let count = |field: &str| usage.get(field).and_then(Value::as_u64).unwrap_or(0);
            chunks.push(Chunk::Usage(Tokens {
                input: count("prompt_tokens"),
                output: count("completion_tokens"),
            }));
        }
        Ok(chunks)
    }

    fn finish(&mut self) -> Result<Vec<Chunk>, ModelError> {
        if self.done {
            Ok(vec![])
        } else {
            Ok(vec![Chunk::Stop(self.finish_reason.take())])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::ToolCall;

    #[test]
    fn a_repair_is_sent_as_the_assistants_call_and_a_tool_message() {
        let request = Request {
            system: "be brief".into(),
            messages: vec![
                Message::User("q".into()),
                Message::Assistant {
                    text: String::new(),
                    calls: vec![ToolCall {
                        id: "call_1".into(),
                        name: "run_sql".into(),
                        arguments: "{".into(),
                    }],
                },
                Message::ToolResult {
                    id: "call_1".into(),
                    content: "not JSON".into(),
                    is_error: true,
                },
            ],
            tools: vec![],
            choice: Choice::Tool("run_sql".into()),
            max_tokens: 100,
        };
        let body = body("gpt-x", &request);
        assert_eq!(body["messages"][0]["role"], "system");
        assert_eq!(body["messages"][2]["tool_calls"][0]["function"]["arguments"], "{");
        assert_eq!(body["messages"][3]["role"], "tool");
        assert_eq!(body["messages"][3]["tool_call_id"], "call_1");
        assert_eq!(body["tool_choice"]["function"]["name"], "run_sql");
    }
}
