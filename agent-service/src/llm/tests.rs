//! The model clients against the fake server: the real HTTP, SSE and parsing code.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::fake::{Behaviour, FakeLlm, Wire};
use super::*;

async fn started(wire: Wire) -> (FakeLlm, Arc<dyn Model>) {
    let fake = FakeLlm::start(wire).await;
    let model = fake.model(3, Duration::from_secs(5), 5);
    (fake, model)
}

fn forcing(tool: &str) -> Request {
    Request {
        system: "system".into(),
        messages: vec![Message::User("total by region".into())],
        tools: vec![Tool {
            name: "run_sql",
            description: "runs SQL",
            schema: serde_json::json!({"type": "object"}),
        }],
        choice: Choice::Tool(tool.into()),
        max_tokens: 100,
    }
}

fn prose() -> Request {
    Request {
        choice: Choice::Text,
        tools: vec![],
        ..forcing("")
    }
}

async fn reply(model: &dyn Model, request: &Request) -> Result<Reply, ModelError> {
    let chunks = model.stream(request, &CancellationToken::new()).await?;
    Reply::collect(chunks, |_| async {}).await
}

const SQL: &str = "SELECT region, SUM(amount) AS total FROM data GROUP BY region ORDER BY total DESC";

#[tokio::test]
async fn a_tool_call_in_fragments_is_put_together_in_both_formats() {
    for wire in [Wire::Anthropic, Wire::OpenAi] {
        let (fake, model) = started(wire).await;
        let chunks = model
            .stream(&forcing("run_sql"), &CancellationToken::new())
            .await
            .expect("stream");
        let chunks: Vec<Chunk> = chunks.map(|chunk| chunk.expect("chunk")).collect().await;
        let fragments = chunks
            .iter()
            .filter(|chunk| matches!(chunk, Chunk::ToolArguments { fragment, .. } if !fragment.is_empty()))
            .count();
        assert!(fragments >= 3, "{wire:?}: {fragments} fragments");
        let reply = reply(&*model, &forcing("run_sql")).await.expect("reply");
        assert_eq!(reply.calls.len(), 1, "{wire:?}");
        assert_eq!(reply.calls[0].name, "run_sql");
        let arguments: serde_json::Value = serde_json::from_str(&reply.calls[0].arguments).expect("JSON");
        assert_eq!(arguments["sql"], SQL, "{wire:?}");
        assert!(
            reply.tokens.input > 0 && reply.tokens.output > 0,
            "{wire:?}: {:?}",
            reply.tokens
        );
        let sent = &fake.requests()[0];
        assert_eq!(sent["stream"], true);
        assert_eq!(
            sent["model"],
            if wire == Wire::Anthropic {
                "claude-test"
            } else {
                "gpt-test"
            }
        );
    }
}

#[tokio::test]
async fn prose_streams_in_order_and_an_ollama_style_call_without_usage_or_done_is_read() {
    for wire in [Wire::Anthropic, Wire::OpenAi] {
        let (_fake, model) = started(wire).await;
        let chunks = model.stream(&prose(), &CancellationToken::new()).await.expect("stream");
        let mut pieces = Vec::new();
        let reply = Reply::collect(chunks, |text| {
            pieces.push(text);
            async {}
        })
        .await
        .expect("reply");
        assert!(pieces.len() >= 3, "{wire:?}: {pieces:?}");
        assert_eq!(pieces.concat(), reply.text);
        assert!(
            reply.text.starts_with("Here are the total amounts by region"),
            "{}",
            reply.text
        );
    }
    let (_fake, model) = started(Wire::OpenAi).await;
    let reply = reply(&*model, &forcing("choose_mode")).await.expect("reply");
    assert_eq!(reply.calls[0].name, "choose_mode");
    assert_eq!(reply.calls[0].arguments, r#"{"mode": "QUICK"}"#);
    assert_eq!(reply.tokens, Tokens::default(), "no usage was sent");
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let (fake, model) = started(Wire::Anthropic).await;
    fake.then(Behaviour::Status {
        status: 429,
        retry_after: Some(1),
    });
    let began = std::time::Instant::now();
    let reply = reply(&*model, &forcing("run_sql"))
        .await
        .expect("the second attempt answers");
    assert!(
        began.elapsed() >= Duration::from_millis(950),
        "Retry-After honoured: {:?}",
        began.elapsed()
    );
    assert_eq!(fake.requests().len(), 2);
    assert_eq!(reply.calls[0].name, "run_sql");
    assert_eq!(model.breaker().state(), BreakerState::Closed);
}

#[tokio::test]
async fn an_overloaded_error_before_the_first_token_is_retried() {
    let (fake, model) = started(Wire::Anthropic).await;
    fake.then(Behaviour::Stream("overloaded"));
    let reply = reply(&*model, &prose()).await.expect("retried");
    assert!(!reply.text.is_empty());
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let (fake, model) = started(Wire::OpenAi).await;
    fake.then(Behaviour::Status {
        status: 401,
        retry_after: None,
    });
    let error = reply(&*model, &prose()).await.expect_err("refused");
    assert!(matches!(error, ModelError::Status { status: 401, .. }), "{error:?}");
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_provider_that_is_gone_is_a_connection_error_naming_its_cause_after_the_retries() {
    let fake = FakeLlm::start(Wire::Anthropic).await;
    let model = fake.model(2, Duration::from_secs(5), 5);
    drop(fake);
    // The server task stops when its handle is dropped; give it a moment to close the port.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let error = reply(&*model, &prose()).await.expect_err("nobody listens");
    let ModelError::Connect(message) = &error else {
        panic!("a connection error: {error:?}");
    };
    assert!(
        message.to_lowercase().contains("refused"),
        "the cause is named: {message}"
    );
    assert!(error.is_transient(), "another attempt, or the offline analyst, may do");
}

#[tokio::test]
async fn a_storm_of_500s_opens_the_breaker_which_then_refuses_without_a_request() {
    let fake = FakeLlm::start(Wire::OpenAi).await;
    fake.always(Behaviour::Status {
        status: 500,
        retry_after: None,
    });
    let model = fake.model(3, Duration::from_secs(5), 4);
    let first = reply(&*model, &prose()).await.expect_err("500");
    assert!(matches!(first, ModelError::Status { status: 500, .. }), "{first:?}");
    assert_eq!(fake.requests().len(), 3, "three attempts");
    let second = reply(&*model, &prose()).await.expect_err("opened");
    assert_eq!(second, ModelError::Unavailable, "the fourth failure opened the breaker");
    assert_eq!(model.breaker().state(), BreakerState::Open);
    let sent = fake.requests().len();
    assert_eq!(reply(&*model, &prose()).await, Err(ModelError::Unavailable));
    assert_eq!(fake.requests().len(), sent, "an open breaker sends nothing");
}

#[tokio::test]
async fn a_hanging_provider_times_out_and_its_request_is_closed() {
    let fake = FakeLlm::start(Wire::Anthropic).await;
    fake.then(Behaviour::Hang);
    let model = fake.model(1, Duration::from_millis(200), 5);
    let error = reply(&*model, &prose()).await.expect_err("timed out");
    assert_eq!(error, ModelError::Timeout(200));
    tokio::time::timeout(Duration::from_secs(5), fake.wait_closed(1))
        .await
        .expect("the server sees the request closed");
}

#[tokio::test]
async fn a_malformed_stream_is_an_error_in_both_formats() {
    for wire in [Wire::Anthropic, Wire::OpenAi] {
        let (fake, model) = started(wire).await;
        fake.then(Behaviour::Stream("malformed"));
        let error = reply(&*model, &prose()).await.expect_err("malformed");
        assert!(matches!(error, ModelError::Malformed(_)), "{wire:?}: {error:?}");
        assert_eq!(fake.requests().len(), 1, "{wire:?}: text had begun: no retry");
    }
}

#[tokio::test]
async fn dropping_or_cancelling_a_stream_closes_the_request() {
    let (fake, model) = started(Wire::OpenAi).await;
    fake.then(Behaviour::Stall);
    let chunks = model.stream(&prose(), &CancellationToken::new()).await.expect("stream");
    drop(chunks);
    tokio::time::timeout(Duration::from_secs(5), fake.wait_closed(1))
        .await
        .expect("closed on drop");

    fake.then(Behaviour::Stall);
    let cancel = CancellationToken::new();
    let mut chunks = model.stream(&prose(), &cancel).await.expect("stream");
    while let Some(chunk) = chunks.next().await {
        if chunk.as_ref().is_ok_and(Chunk::is_content) || chunk.is_err() {
            break;
        }
    }
    cancel.cancel();
    let mut ended = None;
    while let Some(chunk) = chunks.next().await {
        if let Err(error) = chunk {
            ended = Some(error);
        }
    }
    assert_eq!(ended, Some(ModelError::Cancelled));
    drop(chunks);
    tokio::time::timeout(Duration::from_secs(5), fake.wait_closed(2))
        .await
        .expect("closed on cancel");
}
