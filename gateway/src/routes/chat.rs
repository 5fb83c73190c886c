//! `/chat/*`: the analyst, proxied to agent-service. `/chat/stream` relays the `ChatEvent`s of
//! a run as server-sent events (DESIGN.md section 7, shapes in `sextant_proto::chat`); the
//! other routes answer JSON.
//!
//! The gRPC stream belongs to the HTTP response body and to nothing else: when the client
//! goes away, axum drops the body, which drops the stream, which resets the HTTP/2 stream,
//! which agent-service sees as the cancellation of the run.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderName, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sextant_common::timestamp::to_rfc3339;
use sextant_proto::agent::v1 as pb;
use sextant_proto::chat;
use tonic::Streaming;

use crate::error::ApiError;
use crate::extract::{Caller, Json};
use crate::startup::AppState;

/// How often an idle stream gets a comment, so that proxies and clients keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The header a reconnecting `EventSource` sends: the id of the last event it saw.
const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");
/// Tells nginx-style proxies not to buffer the stream.
const X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");
/// The message of the `error` event sent when the gRPC stream breaks off.
const BROKEN_OFF: &str = "the agent service stopped answering; reconnect with the last event id to resume";

/// `GET /chat/stream` query and `POST /chat/stream` body: the question, which may be empty
/// (or absent) only when resuming with `Last-Event-ID`.
#[derive(Debug, Deserialize)]
pub struct Question {
    #[serde(default)]
    question: String,
}

/// A past turn of the conversation; `answer` holds its events in the SSE `data:` shape.
#[derive(Debug, Serialize)]
pub struct TurnBody {
    question: String,
    answer: Vec<Value>,
    created_at: Option<String>,
}

impl From<pb::ChatTurn> for TurnBody {
    fn from(turn: pb::ChatTurn) -> Self {
        Self {
            question: turn.question,
            answer: turn.answer.iter().filter_map(chat::event_json).collect(),
            created_at: to_rfc3339(turn.created_at.as_ref()),
        }
    }
}

/// `GET /chat/stream?question=…`: asks a question (or resumes a run) and streams the answer.
pub async fn stream_query(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    query: Result<Query<Question>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(question) =
        query.map_err(|rejection| ApiError::from_rejection(rejection.status(), rejection.body_text()))?;
    stream(&state, &caller, &headers, question).await
}

/// `POST /chat/stream` with JSON `{"question": …}`: as [`stream_query`].
pub async fn stream_body(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Json(question): Json<Question>,
) -> Result<Response, ApiError> {
    stream(&state, &caller, &headers, question).await
}

/// Opens the run's gRPC stream and answers with it as SSE. A call refused before the stream
/// starts (busy, no active file, unknown run, timeout) answers in the JSON error shape.
async fn stream(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    question: Question,
) -> Result<Response, ApiError> {
    let message = stream_chat_request(headers, question.question)?;
    let backends = &state.backends;
    let request = backends.stream_request(message, &caller.context());
    let events = backends
        .call("agent", backends.agent.clone().stream_chat(request))
        .await?;
    let sse = Sse::new(relay(events)).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive"));
    Ok(([(header::CACHE_CONTROL, "no-cache"), (X_ACCEL_BUFFERING, "no")], sse).into_response())
}

/// The gRPC request: a resume when `Last-Event-ID` is set, else a question that must not be
/// empty.
fn stream_chat_request(headers: &HeaderMap, question: String) -> Result<pb::StreamChatRequest, ApiError> {
    let resume = resume_point(headers)?;
    if resume.is_none() && question.trim().is_empty() {
        return Err(ApiError::invalid_input("the question must not be empty"));
    }
    Ok(pb::StreamChatRequest { question, resume })
}

/// The run and sequence number of `Last-Event-ID`; an absent or blank header means none.
fn resume_point(headers: &HeaderMap) -> Result<Option<pb::ResumePoint>, ApiError> {
    let Some(value) = headers.get(LAST_EVENT_ID) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::bad_request("Last-Event-ID must be text"))?;
    if value.trim().is_empty() {
        return Ok(None);
    }
    chat::resume_point(value)
        .map(Some)
        .ok_or_else(|| ApiError::bad_request("Last-Event-ID must be <run_id>:<seq>, the id of an event of the stream"))
}

/// The SSE events of a run: each `ChatEvent` in order, then the end of the response when the
/// run's stream ends; a broken stream ends with one `error` event.
fn relay(events: Streaming<pb::ChatEvent>) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    futures::stream::unfold(Some(events), |events| async move {
        let mut events = events?;
        loop {
            match events.message().await {
                Ok(Some(event)) => {
                    if let Some(sse) = sse_event(&event) {
                        return Some((Ok(sse), Some(events)));
                    }
                }
                Ok(None) => return None,
                Err(status) => return Some((Ok(broken_off(&status)), None)),
            }
        }
    })
}

/// `id: <run_id>:<seq>`, `event: <type>`, `data: <event_json>`; `None` (logged) for a message
/// without an event.
fn sse_event(event: &pb::ChatEvent) -> Option<SseEvent> {
    let (Some(kind), Some(data)) = (chat::event_type(event), chat::event_json(event)) else {
        tracing::warn!(run_id = %event.run_id, seq = event.seq, "chat event without an event skipped");
        return None;
    };
    let id = chat::event_id(event);
    // axum refuses (panics on) ids with line breaks or NULs: such an event goes without one.
    let sse = if id.contains(['\r', '\n', '\0']) {
        tracing::warn!(seq = event.seq, "chat event with an unusable run id sent without an id");
        SseEvent::default()
    } else {
        SseEvent::default().id(id)
    };
    Some(sse.event(kind).data(data.to_string()))
}

/// The last event of a stream that broke off: an `error` without an id, as it is not part of
/// the run.
fn broken_off(status: &tonic::Status) -> SseEvent {
    tracing::warn!(code = ?status.code(), message = status.message(), "agent stream broke off");
    let data = json!({ "type": "error", "data": { "code": "unavailable", "message": BROKEN_OFF } });
    SseEvent::default().event("error").data(data.to_string())
}

/// `POST /chat/cancel`: stops the running answer of the active session, if any.
pub async fn cancel(State(state): State<AppState>, caller: Caller) -> Result<axum::Json<Value>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(pb::CancelChatRequest {}, &caller.context());
    let response = backends
        .call("agent", backends.agent.clone().cancel_chat(request))
        .await?;
    let detail = if response.cancelled {
        "the running answer was cancelled"
    } else {
        "no answer was running"
    };
    Ok(axum::Json(json!({ "cancelled": response.cancelled, "detail": detail })))
}

/// `GET /chat/history`: the conversation of the active session and file, oldest first.
pub async fn history(State(state): State<AppState>, caller: Caller) -> Result<axum::Json<Vec<TurnBody>>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(pb::GetChatHistoryRequest {}, &caller.context());
    let response = backends
        .call("agent", backends.agent.clone().get_chat_history(request))
        .await?;
    Ok(axum::Json(response.turns.into_iter().map(TurnBody::from).collect()))
}

/// `GET /chat/suggestions`: `{"questions": [...]}`, questions the analyst can answer about
/// the active file of the active session.
pub async fn suggestions(State(state): State<AppState>, caller: Caller) -> Result<axum::Json<Value>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(pb::SuggestQuestionsRequest {}, &caller.context());
    let response = backends
        .call("agent", backends.agent.clone().suggest_questions(request))
        .await?;
    Ok(axum::Json(json!({ "questions": response.questions })))
}

/// `POST /chat/save`: forces the memory of the active session and file to durable storage.
pub async fn save(State(state): State<AppState>, caller: Caller) -> Result<axum::Json<Value>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(pb::SaveChatRequest {}, &caller.context());
    backends
        .call("agent", backends.agent.clone().save_chat(request))
        .await?;
    Ok(axum::Json(json!({ "detail": "the conversation is saved" })))
}

/// `DELETE /chat/history`: forgets the memory of the active session and file.
pub async fn delete_history(State(state): State<AppState>, caller: Caller) -> Result<axum::Json<Value>, ApiError> {
    let backends = &state.backends;
    let request = backends.request(pb::DeleteChatHistoryRequest {}, &caller.context());
    backends
        .call("agent", backends.agent.clone().delete_chat_history(request))
        .await?;
    Ok(axum::Json(json!({ "detail": "the conversation is forgotten" })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, StatusCode};

    fn headers(last_event_id: Option<&'static str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(id) = last_event_id {
            headers.insert(LAST_EVENT_ID, HeaderValue::from_static(id));
        }
        headers
    }

    fn text(run_id: &str, seq: u64, delta: &str) -> pb::ChatEvent {
        pb::ChatEvent {
            run_id: run_id.into(),
            seq,
            event: Some(pb::chat_event::Event::Text(pb::Text { delta: delta.into() })),
        }
    }

    /// The bytes axum writes for `events`, through a real SSE response body.
    async fn wire(events: Vec<Result<SseEvent, Infallible>>) -> String {
        let body = Sse::new(futures::stream::iter(events)).into_response().into_body();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.expect("body");
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    }

    #[test]
    fn a_question_without_last_event_id_is_a_new_run() {
        let request = stream_chat_request(&headers(None), "how many rows?".into()).expect("request");
        assert_eq!((request.question.as_str(), request.resume), ("how many rows?", None));
    }

    #[test]
    fn an_empty_question_is_refused_unless_resuming() {
        for question in ["", "  \n"] {
            let error = stream_chat_request(&headers(None), question.into()).expect_err("empty question");
            assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
        }
        let request = stream_chat_request(&headers(Some("run-1:4")), String::new()).expect("resume");
        assert_eq!(
            request.resume,
            Some(pb::ResumePoint {
                run_id: "run-1".into(),
                after_seq: 4,
            })
        );
    }

    #[test]
    fn a_malformed_last_event_id_is_a_bad_request() {
        for id in ["run-1", "run-1:x", ":3"] {
            let error = stream_chat_request(&headers(Some(id)), "q".into()).expect_err(id);
            assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{id}");
        }
        let mut binary = HeaderMap::new();
        binary.insert(LAST_EVENT_ID, HeaderValue::from_bytes(b"r\xff:1").expect("header"));
        assert_eq!(
            resume_point(&binary).expect_err("not text").status(),
            StatusCode::BAD_REQUEST
        );
    }

    #[test]
    fn a_blank_last_event_id_means_no_resume() {
        assert_eq!(resume_point(&headers(Some(" "))).expect("blank"), None);
    }

    /// The JSON of the one `data:` line of `wire` after `head`, which must be all of the rest.
    fn data_line(wire: &str, head: &str) -> Value {
        let data = wire
            .strip_prefix(head)
            .and_then(|rest| rest.strip_suffix("\n\n"))
            .filter(|data| !data.contains('\n'))
            .unwrap_or_else(|| panic!("not {head:?} then one data line: {wire:?}"));
        serde_json::from_str(data).expect("json")
    }

    #[tokio::test]
    async fn an_event_goes_out_with_its_id_type_and_one_line_of_json() {
        let event = text("run-1", 3, "line one\nline two");
        let wire = wire(vec![Ok(sse_event(&event).expect("event"))]).await;
        assert_eq!(
            data_line(&wire, "id: run-1:3\nevent: text\ndata: "),
            json!({"type": "text", "data": {"delta": "line one\nline two"}})
        );
    }

    #[test]
    fn a_message_without_an_event_is_skipped() {
        let empty = pb::ChatEvent {
            run_id: "run-1".into(),
            seq: 1,
            event: None,
        };
        assert!(sse_event(&empty).is_none());
    }

    #[tokio::test]
    async fn an_unusable_run_id_drops_the_id_not_the_event() {
        let wire = wire(vec![Ok(sse_event(&text("a\nb", 1, "x")).expect("event"))]).await;
        assert!(wire.starts_with("event: text\ndata: "), "{wire}");
    }

    #[tokio::test]
    async fn a_broken_stream_ends_with_an_error_event_without_an_id() {
        let wire = wire(vec![Ok(broken_off(&tonic::Status::unknown("h2 protocol error")))]).await;
        assert_eq!(
            data_line(&wire, "event: error\ndata: "),
            json!({"type": "error", "data": {"code": "unavailable", "message": BROKEN_OFF}})
        );
    }

    #[test]
    fn history_turns_carry_their_events_as_sse_data() {
        let turn = pb::ChatTurn {
            question: "how many?".into(),
            answer: vec![
                text("run-1", 1, "4"),
                pb::ChatEvent {
                    run_id: "run-1".into(),
                    seq: 2,
                    event: None,
                },
            ],
            created_at: Some(sextant_proto::Timestamp { seconds: 0, nanos: 0 }),
        };
        let body = serde_json::to_value(TurnBody::from(turn)).expect("json");
        assert_eq!(
            body,
            json!({
                "question": "how many?",
                "answer": [{"type": "text", "data": {"delta": "4"}}],
                "created_at": "1970-01-01T00:00:00Z",
            })
        );
    }
}
