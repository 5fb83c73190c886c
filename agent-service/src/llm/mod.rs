//! Remote language models behind one trait, [`Model`]: a request (a system prompt, the
//! conversation, the tools on offer, which one must be called) in, a stream of [`Chunk`]s
//! out (text, tool-call fragments, token counts). Two wire formats implement it:
//! [`Anthropic`] (the Messages API) and [`OpenAi`] (chat completions, as OpenAI, Ollama,
//! vLLM and llama.cpp serve them).
//!
//! Both share a [`Transport`]: one HTTP client with connect and read timeouts, retries
//! with jittered exponential backoff on 408, 429 (honouring `Retry-After`), 5xx and
//! connection errors, and a circuit [`Breaker`] per provider. A call is retried only until
//! its first token: once text may have reached the user, an error ends the call. The
//! stream of a call stops when its cancellation token fires, which drops the HTTP request.
//!
//! [`Reply::collect`] turns a stream into the text and the parsed tool calls, handing each
//! text chunk on as it arrives.

mod anthropic;
mod breaker;
#[cfg(any(test, feature = "testing"))]
pub mod fake;
mod openai;
mod reply;
mod transport;

#[cfg(test)]
mod tests;

use async_trait::async_trait;
use futures::stream::BoxStream;
use tokio_util::sync::CancellationToken;

pub use anthropic::Anthropic;
pub use breaker::{Breaker, BreakerState};
pub use openai::OpenAi;
pub use reply::Reply;
pub use transport::{RetryPolicy, Transport, install_crypto};

/// One call to a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The instructions.
    pub system: String,
    /// The conversation, oldest first; the last message is the user's.
    pub messages: Vec<Message>,
    /// The tools the model may call.
    pub tools: Vec<Tool>,
    /// Whether the model must call one tool, or writes text.
    pub choice: Choice,
    /// Longest reply, in tokens.
    pub max_tokens: u32,
}

/// What the model is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Prose (no tool is offered).
    Text,
    /// A call of the named tool, and nothing else.
    Tool(String),
}

/// One message of the conversation sent to a model.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// What the user (here: the analyst's prompt) says.
    User(String),
    /// What the model answered before: its text and its tool calls.
    Assistant {
        /// The prose.
        text: String,
        /// The tool calls.
        calls: Vec<ToolCall>,
    },
    /// The result of a tool call, sent back to the model.
    ToolResult {
        /// The call it answers.
        id: String,
        /// What the tool said.
        content: String,
        /// Whether the call failed (invalid arguments, say).
        is_error: bool,
    },
}

/// A tool the model may call: a name, what it does, and a JSON Schema of its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    /// Its name.
    pub name: &'static str,
    /// What it does, for the model.
    pub description: &'static str,
    /// The JSON Schema of its arguments (an object).
    pub schema: serde_json::Value,
}

/// A tool call, once all its fragments arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// The provider's id of the call.
    pub id: String,
    /// The tool.
    pub name: String,
    /// The arguments as the model wrote them (JSON text, perhaps invalid).
    pub arguments: String,
}

/// Tokens one call used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens {
    /// Prompt tokens.
    pub input: u64,
    /// Completion tokens.
    pub output: u64,
}

/// A piece of a model's streamed reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Chunk {
    /// Text of the reply.
    Text(String),
    /// A tool call begins (`index` tells its fragments apart from other calls').
    ToolStart {
        /// Its place among the reply's calls.
        index: usize,
        /// The provider's id of the call.
        id: String,
        /// The tool.
        name: String,
    },
    /// A fragment of a tool call's JSON arguments.
    ToolArguments {
        /// The call it belongs to.
        index: usize,
        /// The fragment.
        fragment: String,
    },
    /// The tokens used so far by the call (each replaces the previous).
    Usage(Tokens),
    /// The reply ended, with the provider's reason if it gave one.
    Stop(Option<String>),
}

impl Chunk {
    /// Whether the chunk carries content (text or a tool call): a call is not retried
    /// after its first.
    pub fn is_content(&self) -> bool {
        matches!(
            self,
            Self::Text(_) | Self::ToolStart { .. } | Self::ToolArguments { .. }
        )
    }
}

/// A stream of chunks.
pub type Chunks = BoxStream<'static, Result<Chunk, ModelError>>;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The provider's circuit breaker is open: no call was made.
    #[error("the model provider is unavailable (its circuit breaker is open after repeated failures)")]
    Unavailable,
    /// The provider answered with an error status.
    #[error("the model provider answered {status}: {message}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// What it said (shortened).
        message: String,
    },
    /// No connection, or it broke.
    #[error("the model provider could not be reached: {0}")]
    Connect(String),
    /// No byte within the read timeout.
    #[error("the model provider did not answer within {0} ms")]
    Timeout(u64),
    /// The stream did not follow the provider's format.
    #[error("the model's reply could not be read: {0}")]
    Malformed(String),
    /// The provider reported an error in the stream.
    #[error("the model provider reported an error: {0}")]
    Remote(String),
    /// The caller cancelled the call.
    #[error("the call was cancelled")]
    Cancelled,
}

impl ModelError {
    /// Its kind, for metrics: `unavailable`, `status_429`, `status_4xx`, `status_5xx`,
    /// `connect`, `timeout`, `malformed`, `remote` or `cancelled`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unavailable => "unavailable",
            Self::Status { status: 429, .. } => "status_429",
            Self::Status { status: 400..=499, .. } => "status_4xx",
            Self::Status { .. } => "status_5xx",
            Self::Connect(_) => "connect",
            Self::Timeout(_) => "timeout",
            Self::Malformed(_) => "malformed",
            Self::Remote(_) => "remote",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether another attempt may succeed (before the first token).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Status { status, .. } => matches!(status, 408 | 429 | 500..=599),
            Self::Connect(_) | Self::Timeout(_) => true,
            Self::Remote(message) => message.contains("overloaded"),
            Self::Unavailable | Self::Malformed(_) | Self::Cancelled => false,
        }
    }
}

/// A language model.
#[async_trait]
pub trait Model: Send + Sync {
    /// The provider's name (`anthropic`, `openai`), for metrics and messages.
    fn provider(&self) -> &'static str;
    /// The model's name, as configured.
    fn model(&self) -> &str;
    /// The provider's circuit breaker.
    fn breaker(&self) -> &Breaker;
    /// Sends `request`; the reply streams until it ends, fails, or `cancel` fires.
    async fn stream(&self, request: &Request, cancel: &CancellationToken) -> Result<Chunks, ModelError>;
}
