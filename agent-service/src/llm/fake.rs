//! A fake LLM server for tests (and other crates' end-to-end tests, feature `testing`): a
//! real HTTP server on a free port that speaks one provider's wire format, so the real
//! client code runs. By default it answers every request with the recorded stream of the
//! tool the request forces (`tests/fixtures/llm/<wire>/<tool>.sse`), or `text.sse` for
//! prose; a script of [`Behaviour`]s taken one per request changes that (error statuses,
//! a hanging server, another fixture). It records every request body, and counts the
//! responses whose client went away before they ended.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::serve::ListenerExt;
use serde_json::Value;
use tokio::sync::Notify;

use super::{Anthropic, Breaker, Model, OpenAi, RetryPolicy, Transport};
use crate::config::ApiKey;

/// Which provider the server imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// `POST /v1/messages`.
    Anthropic,
    /// `POST /v1/chat/completions`.
    OpenAi,
}

impl Wire {
    fn folder(self) -> &'static str {
        match self {
            Self::Anthropic => "anthropic",
            Self::OpenAi => "openai",
        }
    }
}

macro_rules! fixtures {
    ($wire:literal: $($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../tests/fixtures/llm/", $wire, "/", $name, ".sse")))),*]
    };
}

const ANTHROPIC: &[(&str, &str)] = fixtures!("anthropic":
    "choose_mode", "choose_route", "split_subtasks", "classify_subtask", "write_plan", "run_sql",
    "run_sql_invalid", "review_result", "make_chart", "text", "malformed", "overloaded");
const OPENAI: &[(&str, &str)] = fixtures!("openai":
    "choose_mode", "choose_route", "split_subtasks", "classify_subtask", "write_plan", "run_sql",
    "run_sql_invalid", "review_result", "make_chart", "text", "malformed");

/// The recorded stream `name` of `wire`.
pub fn fixture(wire: Wire, name: &str) -> &'static str {
    let all = match wire {
        Wire::Anthropic => ANTHROPIC,
        Wire::OpenAi => OPENAI,
    };
    all.iter()
        .find(|(fixture, _)| *fixture == name)
        .map(|(_, stream)| *stream)
        .unwrap_or_else(|| panic!("no fixture {}/{name}.sse", wire.folder()))
}

/// How the server answers one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Behaviour {
    /// The fixture of the forced tool, or `text` (the default).
    Fixture,
    /// The named fixture, whatever was asked.
    Stream(&'static str),
    /// An error status with a JSON error body and, if given, `Retry-After` in seconds.
    Status {
        /// The status.
        status: u16,
        /// The `Retry-After` header.
        retry_after: Option<u64>,
    },
    /// Headers never come: the request hangs until the client gives up.
    Hang,
    /// The fixture's first event, then silence until the client goes away.
    Stall,
}

/// The time between two events of a stream, so that a reply arrives in pieces as a
/// model's tokens do (unless [`FakeLlm::instant`]).
const PAUSE: Duration = Duration::from_millis(1);

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<Behaviour>>,
    per_tool: Mutex<Vec<(&'static str, Behaviour)>>,
    repeat: Mutex<Option<Behaviour>>,
    requests: Mutex<Vec<Value>>,
    closed: AtomicUsize,
    closing: Notify,
    arriving: Notify,
    instant: AtomicBool,
}

/// A running fake server; it stops when dropped.
pub struct FakeLlm {
    addr: SocketAddr,
    wire: Wire,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeLlm {
    /// Starts a server speaking `wire` on a free loopback port.
    pub async fn start(wire: Wire) -> Self {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Self::start_on(wire, any).await.expect("a free loopback port")
    }

    /// Starts a server speaking `wire` on `addr`.
    pub async fn start_on(wire: Wire, addr: SocketAddr) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let path = match wire {
            Wire::Anthropic => "/v1/messages",
            Wire::OpenAi => "/v1/chat/completions",
        };
        let app = Router::new()
            .route(path, post(answer))
            .with_state((wire, Arc::clone(&shared)));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        // Each event is written as it comes: without TCP_NODELAY, Nagle's algorithm holds
        // the next small write until the client's delayed ACK, 40 ms a call.
        let listener = listener.tap_io(|stream| {
            let _ = stream.set_nodelay(true);
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            wire,
            shared,
            server,
        })
    }

    /// The wire format it speaks.
    pub fn wire(&self) -> Wire {
        self.wire
    }

    /// The `LLM_BASE_URL` of the server.
    pub fn base_url(&self) -> String {
        match self.wire {
            Wire::Anthropic => format!("http://{}", self.addr),
            Wire::OpenAi => format!("http://{}/v1", self.addr),
        }
    }

    /// Answers the next request (after those already scripted) with `behaviour`.
    pub fn then(&self, behaviour: Behaviour) -> &Self {
        lock(&self.shared.script).push_back(behaviour);
        self
    }

    /// Answers the next request that forces `tool` (`text` for prose) with `behaviour`,
    /// before the general script.
    pub fn then_for(&self, tool: &'static str, behaviour: Behaviour) -> &Self {
        lock(&self.shared.per_tool).push((tool, behaviour));
        self
    }

    /// A client of this server: `attempts` attempts per call, `read_timeout`, a breaker
    /// that opens after `threshold` failures in a row (for a minute), backoff of a few ms.
    pub fn model(&self, attempts: u32, read_timeout: Duration, threshold: u32) -> Arc<dyn Model> {
        let retry = RetryPolicy {
            attempts,
            base: Duration::from_millis(5),
            max: Duration::from_millis(20),
        };
        let breaker = Breaker::new(threshold, Duration::from_secs(60));
        let transport = Transport::new(Duration::from_secs(2), read_timeout, retry, breaker).expect("client");
        let key: ApiKey = "test-key".parse().expect("key");
        match self.wire {
            Wire::Anthropic => Arc::new(Anthropic::new(transport, &self.base_url(), "claude-test", key)),
            Wire::OpenAi => Arc::new(OpenAi::new(transport, &self.base_url(), "gpt-test", key)),
        }
    }

    /// Sends every stream's events at once, as a model that answers instantly (by
    /// default they come a millisecond apart).
    pub fn instant(&self) {
        self.shared.instant.store(true, Ordering::SeqCst);
    }

    /// Answers every request after the scripted ones with `behaviour` (default:
    /// [`Behaviour::Fixture`]).
    pub fn always(&self, behaviour: Behaviour) {
        *lock(&self.shared.repeat) = Some(behaviour);
    }

    /// The bodies of the requests so far.
    pub fn requests(&self) -> Vec<Value> {
        lock(&self.shared.requests).clone()
    }

    /// Waits until at least `count` requests arrived.
    pub async fn wait_requests(&self, count: usize) {
        loop {
            let notified = self.shared.arriving.notified();
            if lock(&self.shared.requests).len() >= count {
                return;
            }
            notified.await;
        }
    }

    /// Responses whose client went away before they ended.
    pub fn closed(&self) -> usize {
        self.shared.closed.load(Ordering::SeqCst)
    }

    /// Waits until at least `count` responses were closed by their client.
    pub async fn wait_closed(&self, count: usize) {
        loop {
            let notified = self.shared.closing.notified();
            if self.closed() >= count {
                return;
            }
            notified.await;
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The tool a request forces, in either format.
fn forced_tool(body: &Value) -> Option<&str> {
    let choice = body.get("tool_choice")?;
    choice
        .get("name")
        .or_else(|| choice.pointer("/function/name"))
        .and_then(Value::as_str)
}

/// Counts the response as closed when it is dropped before [`Watch::finish`].
struct Watch(Option<Arc<Shared>>);

impl Watch {
    fn finish(&mut self) {
        drop(self.0.take());
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(shared) = self.0.take() {
            shared.closed.fetch_add(1, Ordering::SeqCst);
            shared.closing.notify_waiters();
        }
    }
}

async fn answer(State((wire, shared)): State<(Wire, Arc<Shared>)>, body: axum::Json<Value>) -> Response {
    let body = body.0;
    let tool = forced_tool(&body).unwrap_or("text").to_owned();
    lock(&shared.requests).push(body);
    shared.arriving.notify_waiters();
    let for_tool = {
        let mut per_tool = lock(&shared.per_tool);
        let found = per_tool.iter().position(|(name, _)| *name == tool);
        found.map(|index| per_tool.remove(index).1)
    };
    let behaviour = for_tool
        .or_else(|| lock(&shared.script).pop_front())
        .or_else(|| lock(&shared.repeat).clone())
        .unwrap_or(Behaviour::Fixture);
    let stream = |name: &str, stall: bool| sse(fixture(wire, name), stall, Arc::clone(&shared));
    match behaviour {
        Behaviour::Fixture => stream(&tool, false),
        Behaviour::Stream(name) => stream(name, false),
        Behaviour::Stall => stream(&tool, true),
        Behaviour::Status { status, retry_after } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let error = serde_json::json!({"type": "error", "error": {"type": "api_error", "message": format!("fake {status}")}});
            let mut response = (status, axum::Json(error)).into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        Behaviour::Hang => {
            let _watch = Watch(Some(shared));
            std::future::pending::<Response>().await
        }
    }
}

/// `stream` sent event by event (`pause` apart, as a model's tokens come); with `stall`,
/// only the first event, then nothing until the client goes away.
fn sse(stream: &'static str, stall: bool, shared: Arc<Shared>) -> Response {
    let pause = if shared.instant.load(Ordering::SeqCst) {
        Duration::ZERO
    } else {
        PAUSE
    };
    let mut events: Vec<String> = stream.split_inclusive("\n\n").map(str::to_owned).collect();
    if stall {
        events.truncate(1);
    }
    let watch = Watch(Some(shared));
    let body = futures::stream::unfold((events.into_iter(), watch), move |(mut events, mut watch)| async move {
        match events.next() {
            Some(event) => {
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
                Some((Ok::<_, std::convert::Infallible>(event), (events, watch)))
            }
            None if stall => {
                std::future::pending::<()>().await;
                None
            }
            None => {
                watch.finish();
                None
            }
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(body))
        .expect("a valid response")
}
