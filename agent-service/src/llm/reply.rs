//! A streamed reply put together: its text (handed on chunk by chunk as it arrives), its
//! tool calls (fragments joined per call, in the order the calls began) and its tokens.

use std::collections::BTreeMap;
use std::future::Future;

use futures::StreamExt;

use super::{Chunk, Chunks, ModelError, Tokens, ToolCall};

/// A whole reply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    /// Its text.
    pub text: String,
    /// Its tool calls, in order.
    pub calls: Vec<ToolCall>,
    /// The tokens the call used.
    pub tokens: Tokens,
    /// Why the model stopped, if it said.
    pub stop: Option<String>,
}

impl Reply {
    /// Reads `chunks` to the end, calling `on_text` with each piece of text as it comes.
    pub async fn collect<F, Fut>(mut chunks: Chunks, mut on_text: F) -> Result<Self, ModelError>
    where
        F: FnMut(String) -> Fut,
        Fut: Future<Output = ()>,
    {
        let mut reply = Self::default();
        let mut calls: BTreeMap<usize, ToolCall> = BTreeMap::new();
        while let Some(chunk) = chunks.next().await {
            match chunk? {
                Chunk::Text(text) if !text.is_empty() => {
                    reply.text.push_str(&text);
                    on_text(text).await;
                }
                Chunk::Text(_) => {}
                Chunk::ToolStart { index, id, name } => {
                    calls.insert(
                        index,
                        ToolCall {
                            id,
                            name,
                            arguments: String::new(),
                        },
                    );
                }
                Chunk::ToolArguments { index, fragment } => {
                    calls
                        .entry(index)
                        .or_insert_with(|| ToolCall {
                            id: format!("call_{index}"),
                            name: String::new(),
                            arguments: String::new(),
                        })
                        .arguments
                        .push_str(&fragment);
                }
                Chunk::Usage(tokens) => reply.tokens = tokens,
                Chunk::Stop(reason) => reply.stop = reason,
            }
        }
        reply.calls = calls.into_values().collect();
        Ok(reply)
    }
}
