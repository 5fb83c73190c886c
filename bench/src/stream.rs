//! One chat stream through the gateway: `GET /chat/stream` on its own HTTP/1.1 connection,
//! read event by event until `done`, with the time of each milestone counted from the moment
//! the request was handed to the connection.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{ACCEPT, HeaderName};
use http::{HeaderValue, Method, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use tokio::time::timeout_at;

use crate::http1::{CallError, Target};
use crate::sse;

/// The chat stream on the gateway.
pub const PATH: &str = "/api/v1/gateway/chat/stream";
const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

/// What a stream asks for.
#[derive(Debug, Clone, Copy)]
pub enum Ask<'a> {
    /// A new run answering this question.
    Question(&'a str),
    /// The events of a run after this event id (`<run>:<seq>`), replayed.
    Resume(&'a str),
}

/// Streams open at once (response headers received, `done` not yet), and the most seen.
#[derive(Debug, Default)]
pub struct Gauge {
    open: AtomicUsize,
    peak: AtomicUsize,
}

impl Gauge {
    /// The most streams that were open at the same time.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    fn open(&self) -> Open<'_> {
        let open = self.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(open, Ordering::Relaxed);
        Open(self)
    }
}

/// One open stream of a [`Gauge`], closed when dropped.
struct Open<'a>(&'a Gauge);

impl Drop for Open<'_> {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Why a stream did not answer cleanly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The connection could not be opened.
    Connect(String),
    /// An answer other than 200 (its body).
    Status(u16, String),
    /// The connection failed during the exchange.
    Io(String),
    /// No `done` before the deadline.
    Timeout,
    /// The stream carried an `error` event (its code and message).
    ErrorEvent(String),
    /// The stream ended without `done`.
    NoDone,
}

impl Failure {
    /// The kind of failure, for counting.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Connect(_) => "connect",
            Self::Status(..) => "non-200",
            Self::Io(_) => "i/o",
            Self::Timeout => "timeout",
            Self::ErrorEvent(_) => "error event",
            Self::NoDone => "ended without done",
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connect(reason) | Self::Io(reason) | Self::ErrorEvent(reason) => {
                write!(f, "{}: {reason}", self.kind())
            }
            Self::Status(status, body) => write!(f, "HTTP {status}: {body}"),
            Self::Timeout | Self::NoDone => f.write_str(self.kind()),
        }
    }
}

impl From<CallError> for Failure {
    fn from(error: CallError) -> Self {
        Self::Connect(error.to_string())
    }
}

/// How one stream went; times count from the moment the request was sent.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    /// The HTTP status, once answered.
    pub status: Option<u16>,
    /// When the first event arrived.
    pub first_event: Option<Duration>,
    /// When `done` arrived.
    pub done: Option<Duration>,
    /// Events received, `done` included (keep-alive comments are not events).
    pub events: u32,
    /// The run, from the events' ids.
    pub run_id: Option<String>,
    /// The first thing that went wrong, if anything did.
    pub failure: Option<Failure>,
}

impl Answer {
    /// A stream that failed before it began.
    pub fn failed(failure: Failure) -> Self {
        Self {
            failure: Some(failure),
            ..Self::default()
        }
    }

    /// Whether the stream ended with `done` and carried no `error` event.
    pub fn ok(&self) -> bool {
        self.failure.is_none() && self.done.is_some()
    }

    /// Events per second between the first event and `done`: the events after the first
    /// over that time. `None` when they all arrived in one read (no time between them).
    pub fn rate(&self) -> Option<f64> {
        let span = self.done?.checked_sub(self.first_event?)?;
        (self.events >= 2 && !span.is_zero()).then(|| f64::from(self.events - 1) / span.as_secs_f64())
    }
}

/// Opens a connection for one stream.
pub async fn connect(target: &Target) -> Result<SendRequest<Empty<Bytes>>, Failure> {
    Ok(target.connect().await?)
}

/// Sends `ask` on `sender` and reads the answer until `done`, the end of the stream or
/// `deadline` after sending; `gauge` counts the stream as open from its response headers
/// to its end.
pub async fn ask(
    mut sender: SendRequest<Empty<Bytes>>,
    target: &Target,
    bearer: &HeaderValue,
    ask: Ask<'_>,
    deadline: Duration,
    gauge: Option<&Gauge>,
) -> Answer {
    let path = match ask {
        Ask::Question(question) => format!("{PATH}?question={}", sse::query_value(question)),
        Ask::Resume(_) => PATH.to_owned(),
    };
    let mut request = match target.request(Method::GET, &path, Some(bearer), Empty::new()) {
        Ok(request) => request,
        Err(error) => return Answer::failed(Failure::Io(error.to_string())),
    };
    let headers = request.headers_mut();
    headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
    if let Ask::Resume(last_event_id) = ask {
        match HeaderValue::from_str(last_event_id) {
            Ok(value) => headers.insert(LAST_EVENT_ID, value),
            Err(error) => return Answer::failed(Failure::Io(error.to_string())),
        };
    }
    if let Err(error) = sender.ready().await {
        return Answer::failed(Failure::Io(error.to_string()));
    }
    let sent = Instant::now();
    let until = tokio::time::Instant::from_std(sent + deadline);
    let mut answer = Answer::default();
    let response = match timeout_at(until, sender.send_request(request)).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => return Answer::failed(Failure::Io(error.to_string())),
        Err(_) => return Answer::failed(Failure::Timeout),
    };
    let status = response.status();
    answer.status = Some(status.as_u16());
    let mut body = response.into_body();
    if status != StatusCode::OK {
        let text = match timeout_at(until, body.collect()).await {
            Ok(Ok(bytes)) => String::from_utf8_lossy(&bytes.to_bytes()).chars().take(200).collect(),
            _ => String::new(),
        };
        answer.failure = Some(Failure::Status(status.as_u16(), text));
        return answer;
    }
    let _open = gauge.map(Gauge::open);
    let mut parser = sse::Parser::default();
    let ended = loop {
        let frame = match timeout_at(until, body.frame()).await {
            Err(_) => break Some(Failure::Timeout),
            Ok(None) => break Some(Failure::NoDone),
            Ok(Some(Err(error))) => break Some(Failure::Io(error.to_string())),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else { continue };
        let at = sent.elapsed();
        for event in parser.push(&data) {
            answer.events += 1;
            answer.first_event.get_or_insert(at);
            if answer.run_id.is_none() {
                answer.run_id = event.run_id().map(str::to_owned);
            }
            match event.kind.as_str() {
                "error" if answer.failure.is_none() => {
                    answer.failure = Some(Failure::ErrorEvent(event.error_message()));
                }
                "done" => answer.done = Some(at),
                _ => {}
            }
        }
        if answer.done.is_some() {
            break None;
        }
    };
    if let Some(failure) = ended {
        answer.failure.get_or_insert(failure);
    }
    answer
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// Serves one connection with `response` (written in pieces, a little apart, as a
    /// stream is) and hands back the request's head.
    async fn serve_once(response: Vec<String>) -> (Target, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                socket.read_exact(&mut byte).await.expect("read");
                head.push(byte[0]);
            }
            for piece in response {
                socket.write_all(piece.as_bytes()).await.expect("write");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            String::from_utf8(head).expect("ascii head")
        });
        let target = Target::resolve(&format!("http://{addr}")).await.expect("target");
        (target, server)
    }

    async fn ask_once(response: &[&str], what: Ask<'_>) -> (Answer, String) {
        let (target, server) = serve_once(response.iter().map(|piece| (*piece).to_owned()).collect()).await;
        let sender = connect(&target).await.expect("connect");
        let bearer = HeaderValue::from_static("Bearer token");
        let gauge = Gauge::default();
        let answer = ask(sender, &target, &bearer, what, Duration::from_secs(5), Some(&gauge)).await;
        assert_eq!(gauge.open.load(Ordering::Relaxed), 0, "the stream is closed");
        (answer, server.await.expect("server"))
    }

    const SSE_HEAD: &str = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";

    #[tokio::test]
    async fn a_stream_is_read_to_done_with_its_times() {
        let (answer, head) = ask_once(
            &[
                SSE_HEAD,
                "3a\r\nid: r1:1\nevent: status\ndata: {\"type\":\"status\",\"data\":{}}\n\n\r\n",
                "e\r\n: keep-alive\n\n\r\n",
                "36\r\nid: r1:2\nevent: done\ndata: {\"type\":\"done\",\"data\":{}}\n\n\r\n",
            ],
            Ask::Question("how many rows?"),
        )
        .await;
        assert!(
            head.starts_with("GET /api/v1/gateway/chat/stream?question=how%20many%20rows%3F HTTP/1.1\r\n"),
            "{head}"
        );
        assert!(
            head.to_ascii_lowercase().contains("authorization: bearer token"),
            "{head}"
        );
        assert!(answer.ok(), "{answer:?}");
        assert_eq!((answer.status, answer.events), (Some(200), 2));
        assert_eq!(answer.run_id.as_deref(), Some("r1"));
        let (first, done) = (answer.first_event.expect("first"), answer.done.expect("done"));
        assert!(done > first, "{first:?} {done:?}");
    }

    #[tokio::test]
    async fn a_resume_sends_last_event_id_and_an_error_event_counts() {
        let (answer, head) = ask_once(
            &[
                SSE_HEAD,
                "4c\r\nevent: error\ndata: {\"type\":\"error\",\"data\":{\"code\":\"x\",\"message\":\"broken\"}}\n\n\r\n",
                "0\r\n\r\n",
            ],
            Ask::Resume("r1:0"),
        )
        .await;
        assert!(
            head.starts_with("GET /api/v1/gateway/chat/stream HTTP/1.1\r\n"),
            "{head}"
        );
        assert!(head.to_ascii_lowercase().contains("last-event-id: r1:0"), "{head}");
        assert_eq!(answer.failure, Some(Failure::ErrorEvent("x: broken".into())));
        assert_eq!(answer.done, None);
    }

    #[tokio::test]
    async fn a_refusal_and_an_early_end_are_failures() {
        let body = "{\"error\":{\"code\":\"busy\"}}";
        let refusal = format!("HTTP/1.1 409 Conflict\r\ncontent-length: {}\r\n\r\n{body}", body.len());
        let (answer, _) = ask_once(&[&refusal], Ask::Question("q")).await;
        assert_eq!(answer.failure, Some(Failure::Status(409, body.to_owned())));
        let (answer, _) = ask_once(
            &[
                SSE_HEAD,
                "39\r\nid: r:1\nevent: status\ndata: {\"type\":\"status\",\"data\":{}}\n\n\r\n",
                "0\r\n\r\n",
            ],
            Ask::Question("q"),
        )
        .await;
        assert_eq!((answer.failure, answer.events), (Some(Failure::NoDone), 1));
    }

    #[test]
    fn rate_counts_the_events_after_the_first() {
        let answer = Answer {
            first_event: Some(Duration::from_millis(10)),
            done: Some(Duration::from_millis(110)),
            events: 21,
            ..Answer::default()
        };
        let rate = answer.rate().expect("a rate");
        assert!((rate - 200.0).abs() < 1e-9, "{rate}");
        let one_read = Answer {
            done: Some(Duration::from_millis(10)),
            ..answer
        };
        assert_eq!(one_read.rate(), None);
    }

    #[test]
    fn gauge_keeps_the_peak_of_streams_open_together() {
        let gauge = Gauge::default();
        let first = gauge.open();
        let second = gauge.open();
        drop(first);
        let third = gauge.open();
        drop((second, third));
        assert_eq!(gauge.peak(), 2);
        assert_eq!(gauge.open.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn only_a_done_without_failures_is_ok() {
        let done = Answer {
            done: Some(Duration::from_millis(5)),
            ..Answer::default()
        };
        assert!(done.ok());
        let with_error = Answer {
            failure: Some(Failure::ErrorEvent("internal: boom".into())),
            ..done
        };
        assert!(!with_error.ok());
        assert!(!Answer::failed(Failure::NoDone).ok());
        assert_eq!(Failure::Status(409, "busy".into()).to_string(), "HTTP 409: busy");
    }
}
