//! `/chat/*` end to end: the real graph, SQL executor, charts, memory and runs in
//! agent-service, answering through the scripted provider of `agent_service::testing`, as
//! server-sent events through the gateway. Every event type, resume with `Last-Event-ID`,
//! cancel, disconnect, a crash mid-run, a flushed Redis, a busy session, isolation between
//! users, refused SQL, the step budget, and a deleted session.

use std::time::Duration;

use agent_service::testing::{Observed, Stage};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

use crate::harness::{TestApp, assert_error, eventually};

/// A thousand rows (for the slow query) whose totals by region are East 20000, West
/// 15000, North 5000.
fn sales_csv() -> String {
    let mut csv = String::from("region,amount\n");
    for i in 0..1_000 {
        let (region, amount) = match i % 4 {
            0 | 1 => ("East", 40),
            2 => ("West", 60),
            _ => ("North", 20),
        };
        csv.push_str(&format!("{region},{amount}\n"));
    }
    csv
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub(crate) struct Sse {
    pub(crate) id: Option<String>,
    pub(crate) event: String,
    pub(crate) data: Value,
}

impl Sse {
    fn seq(&self) -> u64 {
        let id = self.id.as_deref().expect("an id");
        id.rsplit_once(':')
            .and_then(|(_, seq)| seq.parse().ok())
            .expect("run:seq")
    }

    fn run_id(&self) -> &str {
        self.id
            .as_deref()
            .and_then(|id| id.rsplit_once(':'))
            .expect("run:seq")
            .0
    }

    fn is_status(&self, node: &str, phase: &str) -> bool {
        self.event == "status" && self.data["data"]["node"] == node && self.data["data"]["phase"] == phase
    }
}

/// Reads server-sent events off a streaming response.
pub(crate) struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    fn new(response: reqwest::Response) -> Self {
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers()["content-type"].to_str().expect("ascii").to_owned();
        assert!(content_type.starts_with("text/event-stream"), "{content_type}");
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (comments skipped); `None` when the response ends.
    async fn next(&mut self) -> Option<Sse> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(event) = parse(&block) {
                    return Some(event);
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(30), self.response.chunk())
                .await
                .expect("an event within 30 s")
                .expect("read the stream")?;
            self.buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        }
    }

    /// Events up to the first that satisfies `stop`, included.
    async fn until(&mut self, mut stop: impl FnMut(&Sse) -> bool) -> Vec<Sse> {
        let mut seen = Vec::new();
        while let Some(event) = self.next().await {
            let last = stop(&event);
            seen.push(event);
            if last {
                return seen;
            }
        }
        panic!("the stream ended first: {seen:#?}");
    }

    /// Every event up to the end of the response.
    async fn rest(&mut self) -> Vec<Sse> {
        let mut seen = Vec::new();
        while let Some(event) = self.next().await {
            seen.push(event);
        }
        seen
    }
}

/// One event block; `None` for a comment-only block (a keep-alive).
fn parse(block: &str) -> Option<Sse> {
    let (mut id, mut event, mut data) = (None, None, String::new());
    for line in block.lines() {
        match line.split_once(':') {
            Some(("", _)) => {}
            Some(("id", value)) => id = Some(value.trim_start().to_owned()),
            Some(("event", value)) => event = Some(value.trim_start().to_owned()),
            Some(("data", value)) => data.push_str(value.trim_start()),
            _ => {}
        }
    }
    let event = event?;
    let data: Value = serde_json::from_str(&data).expect("data is JSON");
    assert_eq!(data["type"], event.as_str(), "`type` matches `event:`");
    Some(Sse { id, event, data })
}

pub(crate) fn kinds(events: &[Sse]) -> Vec<&str> {
    events.iter().map(|event| event.event.as_str()).collect()
}

pub(crate) fn content(events: &[Sse]) -> Vec<&str> {
    kinds(events).into_iter().filter(|kind| *kind != "status").collect()
}

impl TestApp {
    /// A signed-in user with an active session whose active file is the sales table.
    pub(crate) async fn ready_to_chat(&self, email: &str) -> String {
        let token = self.signed_in(email).await;
        let response = self
            .client
            .post(self.api("/sessions"))
            .bearer_auth(&token)
            .json(&json!({"title": "analysis"}))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(
            self.upload(&token, "sales.csv", sales_csv()).await.status(),
            StatusCode::CREATED
        );
        token
    }

    async fn ask(&self, token: &str, question: &str) -> reqwest::Response {
        let mut url = reqwest::Url::parse(&self.api("/chat/stream")).expect("url");
        url.query_pairs_mut().append_pair("question", question);
        self.client.get(url).bearer_auth(token).send().await.expect("send")
    }

    async fn resume(&self, token: &str, last_event_id: &str) -> reqwest::Response {
        self.client
            .get(self.api("/chat/stream"))
            .header("last-event-id", last_event_id)
            .bearer_auth(token)
            .send()
            .await
            .expect("send")
    }

    async fn chat(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::Response {
        self.client
            .request(method, self.api(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("send")
    }

    pub(crate) async fn history(&self, token: &str) -> Vec<Value> {
        let response = self.chat(reqwest::Method::GET, "/chat/history", token).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("history json")
    }

    async fn agent_rows(&self, sql: &str) -> i64 {
        let pool = sqlx::PgPool::connect(&self.agent_database_url)
            .await
            .expect("agent database");
        let count = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&pool)
            .await
            .expect("count");
        pool.close().await;
        count
    }
}

/// The first run of a fresh stack: a whole answer, read to its end.
pub(crate) async fn answered(app: &TestApp, token: &str, question: &str) -> Vec<Sse> {
    Events::new(app.ask(token, question).await).rest().await
}

#[tokio::test]
async fn a_run_streams_every_event_type_in_order_and_ends_with_done_then_is_remembered() {
    let app = TestApp::spawn().await;
    let token = app.ready_to_chat("every-event@example.com").await;

    let events = answered(&app, &token, "total by region, and the impossible").await;
    assert!(events[0].is_status("load_memory", "started"), "{:?}", events[0]);
    let run = events[0].run_id().to_owned();
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event.run_id(), run);
        assert_eq!(event.seq(), i as u64 + 1, "ids count up from 1 without gaps");
    }
    let shown = content(&events);
    // The first query of each subtask fails and is debugged; the impossible one never
    // works, so after its last attempt it gets an error; then usage and done.
    let first = |kind: &str| shown.iter().position(|k| *k == kind).expect(kind);
    assert!(first("code") < first("table"), "{shown:?}");
    assert_eq!(
        shown[first("table")..],
        ["table", "chart", "image", "text", "text", "error", "usage", "done"],
        "{shown:?}"
    );
    for kind in [
        "status", "text", "code", "table", "chart", "image", "usage", "error", "done",
    ] {
        assert!(kinds(&events).contains(&kind), "{kind} in {shown:?}");
    }
    let by_kind = |kind: &str| events.iter().find(|event| event.event == kind).expect(kind).data["data"].clone();
    assert_eq!(
        by_kind("table"),
        json!({"columns": ["region", "total"], "rows": [["East", 20000], ["West", 15000], ["North", 5000]], "truncated": false})
    );
    assert_eq!(by_kind("code")["language"], "sql");
    assert_eq!(by_kind("chart")["spec"]["mark"]["type"], "bar");
    assert_eq!(
        by_kind("chart")["spec"]["data"]["values"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(by_kind("image")["mime_type"], "image/png");
    assert!(
        by_kind("image")["data"]
            .as_str()
            .is_some_and(|png| png.starts_with("iVBORw0KGgo"))
    );
    assert_eq!(by_kind("error")["code"], "analysis_failed");
    assert_eq!(
        by_kind("usage")["input_tokens"],
        0,
        "the scripted analyst uses no model"
    );
    assert_eq!(by_kind("done"), json!({"run_id": run}));
    let text: String = events
        .iter()
        .filter(|event| event.event == "text")
        .map(|event| event.data["data"]["delta"].as_str().expect("delta"))
        .collect();
    assert_eq!(text, "East has the largest total, 20000.");

    let nothing = app.chat(reqwest::Method::POST, "/chat/cancel", &token).await;
    assert_eq!(
        nothing.json::<Value>().await.expect("json")["cancelled"],
        false,
        "a finished answer is not running"
    );
    let history = app.history(&token).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["question"], "total by region, and the impossible");
    let remembered: Vec<&str> = history[0]["answer"]
        .as_array()
        .expect("answer")
        .iter()
        .map(|event| event["type"].as_str().expect("type"))
        .collect();
    assert_eq!(remembered.iter().filter(|kind| **kind == "table").count(), 1);
    assert!(
        remembered.contains(&"chart") && remembered.contains(&"error"),
        "{remembered:?}"
    );
    assert!(history[0]["created_at"].is_string());

    // A follow-up by POST is answered from memory (ADVISORY).
    let follow_up = app
        .client
        .post(app.api("/chat/stream"))
        .bearer_auth(&token)
        .json(&json!({"question": "what did you find?"}))
        .send()
        .await
        .expect("send");
    let events = Events::new(follow_up).rest().await;
    assert_eq!(content(&events), ["text", "usage", "done"]);
    let said = events.iter().find(|event| event.event == "text").expect("text");
    assert_eq!(said.data["data"]["delta"], "We talked about 1 question(s).");
    assert!(events.iter().all(|event| !event.is_status("write_query", "started")));
    assert_eq!(app.history(&token).await.len(), 2);

    let saved = app.chat(reqwest::Method::POST, "/chat/save", &token).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let deleted = app.chat(reqwest::Method::DELETE, "/chat/history", &token).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert!(app.history(&token).await.is_empty());
}

#[tokio::test]
async fn bad_chat_requests_get_clear_errors() {
    let app = TestApp::spawn().await;
    let token = app.signed_in("bad-chat@example.com").await;
    assert_error(
        app.ask(&token, "total by region").await,
        StatusCode::NOT_FOUND,
        "no_active_session",
    )
    .await;
    let response = app
        .client
        .post(app.api("/sessions"))
        .bearer_auth(&token)
        .json(&json!({"title": "empty"}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_error(
        app.ask(&token, "total by region").await,
        StatusCode::NOT_FOUND,
        "no_active_file",
    )
    .await;
    for path in ["/chat/history", "/chat/suggestions"] {
        assert_error(
            app.chat(reqwest::Method::GET, path, &token).await,
            StatusCode::NOT_FOUND,
            "no_active_file",
        )
        .await;
    }
    assert_eq!(
        app.upload(&token, "sales.csv", sales_csv()).await.status(),
        StatusCode::CREATED
    );

    assert_error(
        app.ask(&token, "   ").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    )
    .await;
    let long = "why ".repeat(1_001);
    assert_error(
        app.ask(&token, &long).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_question",
    )
    .await;
    assert_error(
        app.resume(&token, "not-an-id").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    let unknown = format!("{}:3", uuid::Uuid::new_v4());
    assert_error(
        app.resume(&token, &unknown).await,
        StatusCode::NOT_FOUND,
        "run_not_found",
    )
    .await;
    let no_token = app.client.get(app.api("/chat/history")).send().await.expect("send");
    assert_error(no_token, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert!(app.history(&token).await.is_empty(), "nothing was remembered");
}

#[tokio::test]
async fn a_client_that_reconnects_with_last_event_id_gets_the_rest_of_the_run() {
    let app = TestApp::spawn().await;
    let token = app.ready_to_chat("resume@example.com").await;
    let mut first = Events::new(app.ask(&token, "total by region").await);
    let seen = first.until(|event| event.event == "code").await;
    drop(first);

    let last = seen.last().and_then(|event| event.id.clone()).expect("an id");
    let rest = Events::new(app.resume(&token, &last).await).rest().await;
    let all: Vec<Sse> = seen.into_iter().chain(rest).collect();
    for (i, event) in all.iter().enumerate() {
        assert_eq!(event.seq(), i as u64 + 1, "nothing missed, nothing twice");
    }
    assert_eq!(
        content(&all),
        [
            "code", "code", "table", "chart", "image", "text", "text", "usage", "done"
        ]
    );
    assert_eq!(
        app.history(&token).await.len(),
        1,
        "the run went on while the client was away"
    );
}

/// Opens a run that waits in `plan` until it is cancelled; returns its stream and the id
/// of the last event read.
async fn held_run(app: &TestApp, token: &str, question: &str) -> (Events, String) {
    let mut events = Events::new(app.ask(token, question).await);
    let seen = events.until(|event| event.is_status("plan", "started")).await;
    let last = seen.last().and_then(|event| event.id.clone()).expect("an id");
    (events, last)
}

#[tokio::test]
async fn cancel_stops_the_provider_call_and_remembers_no_half_turn() {
    let stage = Stage::holding();
    let observed = stage.observed();
    let app = TestApp::spawn_with_agent(|_| {}, stage).await;
    let token = app.ready_to_chat("cancel@example.com").await;
    let (mut events, _) = held_run(&app, &token, "total by region").await;

    let cancelled = app.chat(reqwest::Method::POST, "/chat/cancel", &token).await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    assert_eq!(cancelled.json::<Value>().await.expect("json")["cancelled"], true);
    let rest = events.rest().await;
    assert_eq!(content(&rest), ["error", "usage", "done"]);
    assert_eq!(rest[0].data["data"]["code"], "cancelled");
    assert_eq!(observed.cancelled_calls(), 1, "the provider call saw the cancellation");
    assert!(app.history(&token).await.is_empty(), "no half turn");

    let nothing = app.chat(reqwest::Method::POST, "/chat/cancel", &token).await;
    assert_eq!(nothing.json::<Value>().await.expect("json")["cancelled"], false);
    // The session is free again.
    let again = held_run(&app, &token, "total by region").await;
    drop(again);
}

async fn cancelled_calls_reach(observed: &Arc<Observed>, count: usize) {
    eventually(&format!("{count} cancelled provider call(s)"), || async {
        (observed.cancelled_calls() >= count).then_some(())
    })
    .await;
}

#[tokio::test]
async fn closing_the_stream_cancels_the_run_end_to_end() {
    let stage = Stage::holding();
    let observed = stage.observed();
    let app = TestApp::spawn_with_agent(|_| {}, stage).await;
    let token = app.ready_to_chat("disconnect@example.com").await;
    let (events, _) = held_run(&app, &token, "total by region").await;
    drop(events);

    cancelled_calls_reach(&observed, 1).await;
    eventually("the session to be free again", || async {
        let response = app.ask(&token, "total by region").await;
        (response.status() == StatusCode::OK).then_some(())
    })
    .await;
    assert!(app.history(&token).await.is_empty(), "no half turn");
}

#[tokio::test]
async fn cancel_stops_a_running_query() {
    let app = TestApp::spawn().await;
    let token = app.ready_to_chat("slow@example.com").await;
    let mut events = Events::new(app.ask(&token, "slow total by region").await);
    // The second `code` event is the slow query, shown as it starts.
    let mut codes = 0;
    events
        .until(|event| {
            codes += usize::from(event.event == "code");
            codes == 2
        })
        .await;
    let cancelled = app.chat(reqwest::Method::POST, "/chat/cancel", &token).await;
    assert_eq!(cancelled.json::<Value>().await.expect("json")["cancelled"], true);
    let rest = events.rest().await;
    assert_eq!(
        content(&rest),
        ["error", "usage", "done"],
        "no table: the query never finished"
    );
    assert_eq!(rest[0].data["data"]["code"], "cancelled");
    assert!(app.history(&token).await.is_empty(), "no half turn");
}

#[tokio::test]
async fn a_second_run_on_a_busy_session_gets_409() {
    let app = TestApp::spawn_with_agent(|_| {}, Stage::holding()).await;
    let token = app.ready_to_chat("busy@example.com").await;
    let (first, _) = held_run(&app, &token, "total by region").await;
    let body = assert_error(app.ask(&token, "total by region").await, StatusCode::CONFLICT, "busy").await;
    assert!(
        body["detail"].as_str().is_some_and(|detail| detail.contains("already")),
        "{body}"
    );
    drop(first);
}

#[tokio::test]
async fn agent_service_killed_mid_run_resumes_the_run_from_its_checkpoint() {
    let mut app = TestApp::spawn_with_agent(|_| {}, Stage::holding()).await;
    let token = app.ready_to_chat("crash@example.com").await;
    let (mut events, last) = held_run(&app, &token, "total by region").await;

    // Killed once `subtasks` is its next node on record (step 4, after load_memory,
    // classify_mode, route and decompose).
    app.agent.checkpointed(4).await;
    app.agent.kill();
    let broken = events.rest().await;
    assert_eq!(kinds(&broken), ["error"], "the stream says it broke off");
    assert_eq!(broken[0].data["data"]["code"], "unavailable");
    assert!(broken[0].id.is_none());

    let after = Stage::new();
    let observed = after.observed();
    app.agent.restart(after).await;
    let resumed = Events::new(app.resume(&token, &last).await).rest().await;
    assert!(resumed[0].is_status("resume", "started"), "{:?}", resumed[0]);
    assert!(resumed[0].seq() > 1 << 32, "ids keep growing across the restart");
    assert_eq!(
        content(&resumed),
        [
            "code", "code", "table", "chart", "image", "text", "text", "usage", "done"
        ]
    );
    // The run died in `subtasks` (held in `plan`): the nodes before it finished and do not
    // run again; the parallel node runs its branches again from their start.
    let calls = observed.calls();
    assert_eq!(
        calls.first().map(String::as_str),
        Some("classify_task"),
        "finished nodes did not run again: {calls:?}"
    );
    for finished in ["classify_mode", "route", "decompose"] {
        assert!(!calls.iter().any(|call| call == finished), "{finished}: {calls:?}");
    }

    let history = app.history(&token).await;
    assert_eq!(history.len(), 1, "one whole turn");
    assert_eq!(history[0]["question"], "total by region");
}

#[tokio::test]
async fn history_comes_back_from_postgresql_when_redis_was_flushed_mid_conversation() {
    let app = TestApp::spawn().await;
    let token = app.ready_to_chat("flushed@example.com").await;
    answered(&app, &token, "total by region").await;

    let mut redis = sextant_common::connect::redis(&sextant_common::testing::redis_url()).expect("redis");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}*", app.redis_prefix))
        .query_async(&mut redis)
        .await
        .expect("keys");
    assert!(
        keys.iter().any(|key| key.contains("memory:")),
        "the memory was cached: {keys:?}"
    );
    let _: () = redis::cmd("DEL").arg(&keys).query_async(&mut redis).await.expect("del");

    let history = app.history(&token).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["question"], "total by region");
    let events = answered(&app, &token, "what did you find?").await;
    assert!(
        events
            .iter()
            .any(|event| event.data["data"]["delta"] == "We talked about 1 question(s)."),
        "the follow-up saw the earlier turn"
    );
}

#[tokio::test]
async fn another_user_cannot_read_cancel_or_delete_my_history_or_runs() {
    let app = TestApp::spawn().await;
    let alice = app.ready_to_chat("alice@example.com").await;
    let events = answered(&app, &alice, "total by region").await;
    let alice_run = events[0].id.clone().expect("id");
    let bob = app.ready_to_chat("bob@example.com").await;

    assert_error(
        app.resume(&bob, &alice_run).await,
        StatusCode::NOT_FOUND,
        "run_not_found",
    )
    .await;
    let cancel = app.chat(reqwest::Method::POST, "/chat/cancel", &bob).await;
    assert_eq!(cancel.json::<Value>().await.expect("json")["cancelled"], false);
    assert!(app.history(&bob).await.is_empty());
    let deleted = app.chat(reqwest::Method::DELETE, "/chat/history", &bob).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(app.history(&alice).await.len(), 1, "Alice's memory is untouched");
    let again = Events::new(app.resume(&alice, &alice_run).await).rest().await;
    assert_eq!(
        again.last().map(|event| event.event.as_str()),
        Some("done"),
        "Alice can"
    );
}

#[tokio::test]
async fn a_query_through_a_table_function_is_refused_and_reads_nothing() {
    let app = TestApp::spawn().await;
    let token = app.ready_to_chat("passwd@example.com").await;
    let events = answered(&app, &token, "show me /etc/passwd").await;
    let codes: Vec<&Value> = events
        .iter()
        .filter(|event| event.event == "code")
        .map(|event| &event.data["data"]["source"])
        .collect();
    assert_eq!(codes.len(), 5, "every attempt was refused: {codes:?}");
    assert!(
        codes
            .iter()
            .all(|source| *source == agent_service::testing::FORBIDDEN_QUERY)
    );
    assert_eq!(
        content(&events),
        ["code", "code", "code", "code", "code", "error", "usage", "done"]
    );
    let error = &events.iter().find(|event| event.event == "error").expect("error").data["data"];
    let message = error["message"].as_str().expect("message");
    assert!(message.contains("refused") && message.contains("read_csv"), "{message}");
    assert!(
        !events.iter().any(|event| event.data.to_string().contains("root:")),
        "nothing of /etc/passwd"
    );
}

#[tokio::test]
async fn the_step_budget_stops_a_provider_that_loops() {
    let app = TestApp::spawn_with_agent(|config| config.max_steps = 8, Stage::new()).await;
    let token = app.ready_to_chat("budget@example.com").await;
    let events = answered(&app, &token, "the impossible, forever").await;
    assert_eq!(
        content(&events)[content(&events).len() - 3..],
        ["error", "usage", "done"]
    );
    let error = &events[events.len() - 3].data["data"];
    assert_eq!(error["code"], "step_budget_exceeded", "{error}");
    assert!(app.history(&token).await.is_empty(), "no half turn");
}

#[tokio::test]
async fn deleting_a_session_forgets_its_runs_checkpoints_and_memory() {
    let app = TestApp::spawn().await;
    let token = app.ready_to_chat("forget@example.com").await;
    answered(&app, &token, "total by region").await;
    let session: String = app
        .chat(reqwest::Method::GET, "/sessions/active", &token)
        .await
        .json()
        .await
        .expect("session id");
    let count = |table: &str, column: &str| {
        format!("SELECT count(*) FROM {table} WHERE {column} IN (SELECT id FROM runs WHERE session_id = '{session}')")
    };
    let memories = format!("SELECT count(DISTINCT file_id) FROM memory_turns WHERE session_id = '{session}'");
    assert_eq!(app.agent_rows(&memories).await, 1);
    assert!(app.agent_rows(&count("checkpoints", "run_id")).await > 0);

    let other = app
        .client
        .post(app.api("/sessions"))
        .bearer_auth(&token)
        .json(&json!({"title": "other"}))
        .send()
        .await
        .expect("send");
    assert_eq!(other.status(), StatusCode::CREATED);
    let deleted = app.chat(reqwest::Method::DELETE, "/sessions/analysis", &token).await;
    assert_eq!(deleted.status(), StatusCode::OK);

    assert_eq!(app.agent_rows(&memories).await, 0);
    let runs = format!("SELECT count(*) FROM runs WHERE session_id = '{session}'");
    assert_eq!(app.agent_rows(&runs).await, 0);
    assert_eq!(app.agent_rows("SELECT count(*) FROM checkpoints").await, 0);
}

#[tokio::test]
async fn the_offline_analyst_answers_through_the_gateway_with_sql_a_table_a_chart_and_the_number() {
    let app = TestApp::spawn_with_agent(|_| {}, agent_service::offline::Offline::new()).await;
    let token = app.ready_to_chat("offline@example.com").await;
    let events = answered(&app, &token, "What is the total amount by region?").await;
    let shown = content(&events);
    for kind in ["code", "table", "chart", "image", "text", "usage", "done"] {
        assert!(shown.contains(&kind), "{kind} in {shown:?}");
    }
    assert!(!shown.contains(&"error"), "{shown:?}");
    let table = &events.iter().find(|event| event.event == "table").expect("table").data["data"];
    assert_eq!(table["rows"][0], json!(["East", 20000]), "{table}");
    let text: String = events
        .iter()
        .filter(|event| event.event == "text")
        .filter_map(|event| event.data["data"]["delta"].as_str())
        .collect();
    assert!(text.contains("20,000") || text.contains("20000"), "{text}");

    let follow_up = answered(&app, &token, "only West").await;
    assert!(
        !content(&follow_up).contains(&"error"),
        "a follow-up is understood: {follow_up:#?}"
    );
    assert_eq!(app.history(&token).await.len(), 2);
}

#[tokio::test]
async fn suggested_questions_name_the_datasets_columns_and_the_offline_analyst_answers_each() {
    let app = TestApp::spawn_with_agent(|_| {}, agent_service::offline::Offline::new()).await;
    let token = app.ready_to_chat("suggestions@example.com").await;
    let response = app.chat(reqwest::Method::GET, "/chat/suggestions", &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    let questions: Vec<&str> = body["questions"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|question| question.as_str().expect("text"))
        .collect();
    assert!((3..=5).contains(&questions.len()), "{questions:?}");
    assert!(
        questions.iter().any(|q| q.contains("amount") && q.contains("region")),
        "{questions:?}"
    );
    for question in questions {
        let shown = content(&answered(&app, &token, question).await).join(",");
        assert!(!shown.contains("error"), "{question}: {shown}");
    }
}

fn prose(events: &[Sse]) -> Vec<&str> {
    events
        .iter()
        .filter(|event| event.event == "text")
        .filter_map(|event| event.data["data"]["delta"].as_str())
        .collect()
}

#[tokio::test]
async fn a_paced_offline_analyst_streams_word_by_word_and_a_cancel_stops_it_mid_sentence() {
    let question = "What is the total amount by region?";
    let instant = TestApp::spawn_with_agent(|_| {}, agent_service::offline::Offline::new()).await;
    let token = instant.ready_to_chat("instant@example.com").await;
    let whole = prose(&answered(&instant, &token, question).await).concat();

    let pause = Duration::from_millis(100);
    let paced = TestApp::spawn_with_agent(|_| {}, agent_service::offline::Offline::paced(pause)).await;
    let token = paced.ready_to_chat("paced@example.com").await;
    let events = answered(&paced, &token, question).await;
    let chunks = prose(&events);
    assert!(chunks.len() > 3, "word by word: {chunks:?}");
    assert_eq!(chunks.concat(), whole, "the same prose, paced");

    let mut events = Events::new(paced.ask(&token, question).await);
    events.until(|event| event.event == "text").await;
    let cancelled = paced.chat(reqwest::Method::POST, "/chat/cancel", &token).await;
    assert_eq!(cancelled.json::<Value>().await.expect("json")["cancelled"], true);
    let rest = events.rest().await;
    assert!(
        prose(&rest).concat().len() < whole.len(),
        "stopped before the end: {rest:#?}"
    );
    let error = rest
        .iter()
        .find(|event| event.event == "error")
        .expect("an error event");
    assert_eq!(error.data["data"]["code"], "cancelled");
    assert_eq!(
        paced.history(&token).await.len(),
        1,
        "the stopped turn is not remembered"
    );
}
