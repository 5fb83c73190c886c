//! The HTTP side of every model call: one `reqwest` client with a connect timeout, a read
//! timeout (for the first byte and between two events of the stream), retries before the
//! first token, the provider's circuit breaker, and the server-sent events read with
//! `eventsource-stream` and handed to the provider's [`Parser`].

use std::pin::Pin;
use std::time::Duration;

use eventsource_stream::{Event, EventStreamError, Eventsource};
use futures::{Stream, StreamExt};
use reqwest::header::RETRY_AFTER;
use tokio_util::sync::CancellationToken;

use super::{Breaker, Chunk, Chunks, ModelError};
use crate::metrics;

/// The longest `Retry-After` honoured; a provider asking for more is treated as down.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// The most of an error body kept for the message.
const MAX_ERROR_CHARS: usize = 300;

type Events = Pin<Box<dyn Stream<Item = Result<Event, EventStreamError<reqwest::Error>>> + Send>>;

/// Makes ring the process's TLS crypto provider, once: reqwest is built without a default
/// one (its default, aws-lc, needs cmake), and every `reqwest::Client` of the process (the
/// model clients, the gateway tests' client) needs one before it is built.
pub fn install_crypto() {
    // Err only when a provider is installed already: that one is kept.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Reads one provider's stream format.
pub trait Parser: Default + Send + 'static {
    /// The provider whose format it reads (`anthropic`, `openai`), for metrics.
    const PROVIDER: &'static str;
    /// The chunks one event carries.
    fn parse(&mut self, event: &Event) -> Result<Vec<Chunk>, ModelError>;
    /// Called when the stream ended: the last chunks, or why the reply is incomplete.
    fn finish(&mut self) -> Result<Vec<Chunk>, ModelError>;
}

/// How often and how patiently a call is tried before its first token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub attempts: u32,
    /// The wait before the second attempt, doubled for each further one, with jitter.
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, 500 ms doubling, at most 8 s.
    fn default() -> Self {
        Self {
            attempts: 3,
            base: Duration::from_millis(500),
            max: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (from 1): what the provider asked for in
    /// `Retry-After`, else between half and all of the doubled base ("equal jitter").
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after;
        }
        let doubled = self
            .base
            .saturating_mul(1 << attempt.saturating_sub(1).min(20))
            .min(self.max);
        let half = doubled / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// A failed attempt, and how long the provider asked us to wait.
struct Failed {
    error: ModelError,
    retry_after: Option<Duration>,
}

impl From<ModelError> for Failed {
    fn from(error: ModelError) -> Self {
        Self {
            error,
            retry_after: None,
        }
    }
}

/// The HTTP client, retries, timeouts and breaker of one provider.
#[derive(Debug)]
pub struct Transport {
    client: reqwest::Client,
    retry: RetryPolicy,
    read_timeout: Duration,
    breaker: Breaker,
}

impl Transport {
    /// A transport with these timeouts, retries and breaker.
    pub fn new(
        connect_timeout: Duration,
        read_timeout: Duration,
        retry: RetryPolicy,
        breaker: Breaker,
    ) -> Result<Self, reqwest::Error> {
        install_crypto();
        let client = reqwest::Client::builder().connect_timeout(connect_timeout).build()?;
        Ok(Self {
            client,
            retry,
            read_timeout,
            breaker,
        })
    }

    /// The client requests are built with.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The provider's breaker.
    pub fn breaker(&self) -> &Breaker {
        &self.breaker
    }

    /// Sends `request` (retried, before its first token, on transient failures) and
    /// returns its reply as chunks read by `P`.
    pub async fn stream<P: Parser>(
        &self,
        request: reqwest::RequestBuilder,
        cancel: &CancellationToken,
    ) -> Result<Chunks, ModelError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            if !self.breaker.admit() {
                return Err(ModelError::Unavailable);
            }
            let Some(this_attempt) = request.try_clone() else {
                self.breaker.released();
                return Err(ModelError::Malformed("the request cannot be sent twice".into()));
            };
            let opened = tokio::select! {
                biased;
                () = cancel.cancelled() => {
                    self.breaker.released();
                    return Err(ModelError::Cancelled);
                }
                opened = self.open::<P>(this_attempt) => opened,
            };
            let failed = match opened {
                Ok((first, events, parser)) => {
                    self.breaker.succeeded();
                    return Ok(rest(first, events, parser, self.read_timeout, cancel.clone()));
                }
                Err(failed) => failed,
            };
            if !failed.error.is_transient() {
                self.breaker.released();
                return Err(failed.error);
            }
            self.breaker.failed();
            let too_long = failed.retry_after.is_some_and(|after| after > MAX_RETRY_AFTER);
            if attempt >= self.retry.attempts.max(1) || too_long {
                return Err(failed.error);
            }
            let delay = self.retry.delay(attempt, failed.retry_after);
            metrics::retry(P::PROVIDER);
            tracing::warn!(attempt, delay_ms = delay.as_millis() as u64, error = %failed.error, "model call failed; retrying");
            tokio::select! {
                biased;
                () = cancel.cancelled() => return Err(ModelError::Cancelled),
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// One attempt: the response's status, then events until the first content chunk
    /// (or the end of a reply without content).
    async fn open<P: Parser>(&self, request: reqwest::RequestBuilder) -> Result<(Vec<Chunk>, Events, P), Failed> {
        let response = tokio::time::timeout(self.read_timeout, request.send())
            .await
            .map_err(|_| self.timed_out())?
            .map_err(|error| ModelError::Connect(causes(error.without_url())))?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = tokio::time::timeout(self.read_timeout, response.text())
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            return Err(Failed {
                error: ModelError::Status {
                    status: status.as_u16(),
                    message: error_message(&body),
                },
                retry_after,
            });
        }
        let mut events: Events = Box::pin(response.bytes_stream().eventsource());
        let mut parser = P::default();
        let mut first = Vec::new();
        loop {
            let next = tokio::time::timeout(self.read_timeout, events.next())
                .await
                .map_err(|_| self.timed_out())?;
            let chunks = match next {
                None => {
                    first.extend(parser.finish()?);
                    break;
                }
                Some(event) => parser.parse(&event.map_err(stream_error)?)?,
            };
            let content = chunks.iter().any(Chunk::is_content);
            first.extend(chunks);
            if content {
                break;
            }
        }
        Ok((first, events, parser))
    }

    fn timed_out(&self) -> ModelError {
        ModelError::Timeout(self.read_timeout.as_millis() as u64)
    }
}

/// What the provider said in an error body: the JSON `error.message` of both formats, or
/// the start of the text.
fn error_message(body: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|json| json.pointer("/error/message").or_else(|| json.get("error")))
        .and_then(serde_json::Value::as_str)
        .unwrap_or(body)
        .trim();
    message.chars().take(MAX_ERROR_CHARS).collect()
}

/// `error` with its causes (reqwest's own message is only "error sending request"), for
/// the log and the stream's status: "error sending request: ...: Connection refused".
fn causes(error: reqwest::Error) -> String {
    format!("{:#}", anyhow::Error::new(error))
}

fn stream_error(error: EventStreamError<reqwest::Error>) -> ModelError {
    match error {
        EventStreamError::Transport(error) => ModelError::Connect(causes(error.without_url())),
        EventStreamError::Utf8(error) => ModelError::Malformed(error.to_string()),
        EventStreamError::Parser(error) => ModelError::Malformed(error.to_string()),
    }
}

/// The chunks read so far, then the rest of the stream, each event within the read
/// timeout, until the reply ends, fails or `cancel` fires (which drops the request).
fn rest<P: Parser>(
    first: Vec<Chunk>,
    events: Events,
    parser: P,
    read_timeout: Duration,
    cancel: CancellationToken,
) -> Chunks {
    let head = futures::stream::iter(first.into_iter().map(Ok));
    let tail = futures::stream::unfold(Some((events, parser)), move |reading| {
        let cancel = cancel.clone();
        async move {
            let (mut events, mut parser) = reading?;
            let next = tokio::select! {
                biased;
                () = cancel.cancelled() => return Some((Err(ModelError::Cancelled), None)),
                next = tokio::time::timeout(read_timeout, events.next()) => next,
            };
            let read = match next {
                Err(_) => Err(ModelError::Timeout(read_timeout.as_millis() as u64)),
                Ok(None) => return Some((parser.finish(), None)),
                Ok(Some(event)) => event.map_err(stream_error).and_then(|event| parser.parse(&event)),
            };
            match read {
                Ok(chunks) => Some((Ok(chunks), Some((events, parser)))),
                Err(error) => Some((Err(error), None)),
            }
        }
    });
    let tail = tail.flat_map(|read| {
        let items: Vec<Result<Chunk, ModelError>> = match read {
            Ok(chunks) => chunks.into_iter().map(Ok).collect(),
            Err(error) => vec![Err(error)],
        };
        futures::stream::iter(items)
    });
    head.chain(tail).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_honours_retry_after_and_otherwise_doubles_with_jitter() {
        let policy = RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(100),
            max: Duration::from_millis(300),
        };
        assert_eq!(policy.delay(1, Some(Duration::from_secs(2))), Duration::from_secs(2));
        for _ in 0..50 {
            let first = policy.delay(1, None);
            assert!(
                first >= Duration::from_millis(50) && first <= Duration::from_millis(100),
                "{first:?}"
            );
            let second = policy.delay(2, None);
            assert!(
                second >= Duration::from_millis(100) && second <= Duration::from_millis(200),
                "{second:?}"
            );
            let capped = policy.delay(9, None);
            assert!(
                capped >= Duration::from_millis(150) && capped <= Duration::from_millis(300),
                "{capped:?}"
            );
        }
    }

    #[test]
    fn error_bodies_give_the_providers_message() {
        let anthropic = r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of requests has exceeded your rate limit"}}"#;
        assert_eq!(
            error_message(anthropic),
            "Number of requests has exceeded your rate limit"
        );
        let ollama = r#"{"error":"model \"llama9\" not found"}"#;
        assert_eq!(error_message(ollama), "model \"llama9\" not found");
        assert_eq!(error_message("  Bad Gateway \n"), "Bad Gateway");
    }
}
