//! Remote models answering through the gateway: agent-service configured with
//! `LLM_PROVIDER` and `LLM_BASE_URL` pointing at a fake model server that speaks the
//! provider's real wire format, so the real client, analyst, graph, executor and charts run.

use agent_service::llm::fake::{Behaviour, FakeLlm, Wire};
use serde_json::json;

use crate::chat::{answered, content};
use crate::harness::{TestApp, eventually};

/// The query of the recorded `run_sql` streams.
const SQL: &str = "SELECT region, SUM(amount) AS total FROM data GROUP BY region ORDER BY total DESC";

#[tokio::test]
async fn each_provider_answers_a_whole_turn_with_its_sql_table_chart_and_prose() {
    for wire in [Wire::Anthropic, Wire::OpenAi] {
        let fake = FakeLlm::start(wire).await;
        let app = TestApp::spawn_with_agent(|_| {}, agent_service::testing::llm(&fake)).await;
        let token = app.ready_to_chat(&format!("{wire:?}@example.com").to_lowercase()).await;
        let events = answered(&app, &token, "What is the total amount by region, as a chart?").await;
        let shown = content(&events);
        for kind in ["code", "table", "chart", "image", "text", "usage", "done"] {
            assert!(shown.contains(&kind), "{wire:?}: {kind} in {shown:?}");
        }
        assert!(!shown.contains(&"error"), "{wire:?}: {events:#?}");
        let code = events.iter().find(|event| event.event == "code").expect("code");
        assert_eq!(code.data["data"]["source"], SQL, "{wire:?}");
        let table = &events.iter().find(|event| event.event == "table").expect("table").data["data"];
        assert_eq!(table["columns"], json!(["region", "total"]), "{wire:?}");
        assert_eq!(table["rows"][0], json!(["East", 20000]), "{wire:?}: {table}");
        let chart = &events.iter().find(|event| event.event == "chart").expect("chart").data["data"];
        assert_eq!(chart["spec"]["title"], "Total amount by region", "{wire:?}");
        let text: String = events
            .iter()
            .filter(|event| event.event == "text")
            .filter_map(|event| event.data["data"]["delta"].as_str())
            .collect();
        assert!(
            text.starts_with("Here are the total amounts by region"),
            "{wire:?}: {text}"
        );
        let usage = &events
            .iter()
            .rev()
            .find(|event| event.event == "usage")
            .expect("usage")
            .data["data"];
        assert!(usage.get("node").is_none(), "the run's total comes last: {usage}");
        assert!(
            usage["input_tokens"].as_u64().is_some_and(|tokens| tokens > 0),
            "{usage}"
        );
        assert!(usage["cost_usd"].as_f64().is_some_and(|cost| cost > 0.0), "{usage}");
        assert_eq!(app.history(&token).await.len(), 1, "{wire:?}");
        assert!(fake.requests().len() >= 8, "{wire:?}: one call per decision");

        let provider = format!("{wire:?}").to_lowercase();
        let metrics = scrape(&app).await;
        for series in [
            format!("llm_calls_total{{provider=\"{provider}\",outcome=\"ok\"}}"),
            format!("llm_call_duration_seconds_count{{provider=\"{provider}\"}}"),
            "agent_runs_total{outcome=\"finished\"}".to_owned(),
        ] {
            assert!(value(&metrics, &series) >= 1.0, "{series} in\n{metrics}");
        }
        let tokens = metrics
            .lines()
            .filter(|line| line.starts_with("llm_tokens_total{") && line.contains("kind=\"input\""))
            .filter(|line| line.contains("node=\"route\""))
            .count();
        assert!(tokens >= 1, "tokens by model and node:\n{metrics}");
        assert!(
            metrics.lines().any(|line| line.starts_with("llm_cost_microusd_total{")),
            "{metrics}"
        );
        assert_eq!(value(&metrics, "llm_breaker_open"), 0.0, "{metrics}");
    }
}

#[tokio::test]
async fn the_model_sees_rows_of_the_data_only_in_a_session_that_allows_it() {
    let fake = FakeLlm::start(Wire::OpenAi).await;
    let app = TestApp::spawn_with_agent(|_| {}, agent_service::testing::llm(&fake)).await;
    let token = app.ready_to_chat("samples-to-model@example.com").await;
    let sent = |from: usize| -> String {
        fake.requests()[from..]
            .iter()
            .map(|request| request.to_string())
            .collect()
    };
    const SAMPLES: &str = "A few rows of `data`";

    let events = answered(&app, &token, "What is the total amount by region?").await;
    assert!(content(&events).contains(&"done"), "{events:#?}");
    let before = fake.requests().len();
    assert!(before > 0);
    assert!(!sent(0).contains(SAMPLES), "no rows without the owner's leave");
    assert!(!sent(0).contains("| region | amount |"));

    let response = app
        .update_session(&token, "analysis", json!({ "allow_sample_rows": true }))
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let events = answered(&app, &token, "What is the total amount by region?").await;
    assert!(content(&events).contains(&"done"), "{events:#?}");
    let after = sent(before);
    assert!(after.contains(SAMPLES), "{after}");
    assert!(
        after.contains("| region | amount |\\n| --- | --- |\\n| East | 40 |"),
        "the first rows, as a table: {after}"
    );
}

/// agent-service's `/metrics` text.
async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(app.agent.metrics_url()).send().await.expect("metrics");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    response.text().await.expect("metrics text")
}

/// The value of the series named exactly `series` (name and labels), 0 when absent.
fn value(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn a_storm_of_500s_opens_the_circuit_shown_by_readyz_and_the_offline_analyst_answers() {
    let fake = FakeLlm::start(Wire::Anthropic).await;
    let app = TestApp::spawn_with_agent(|_| {}, agent_service::testing::llm(&fake)).await;
    let llm = || async {
        let response = app.client.get(format!("{}/readyz", app.root)).send().await.ok()?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.ok()?;
        Some((status, body["llm"].as_str()?.to_owned()))
    };
    eventually("/readyz to show the model's circuit closed", || async {
        llm().await.filter(|(_, llm)| llm == "serving")
    })
    .await;

    fake.always(Behaviour::Status {
        status: 500,
        retry_after: None,
    });
    let token = app.ready_to_chat("storm@example.com").await;
    let events = answered(&app, &token, "What is the total amount by region?").await;
    let shown = content(&events);
    assert!(!shown.contains(&"error"), "{events:#?}");
    let table = &events.iter().find(|event| event.event == "table").expect("table").data["data"];
    assert_eq!(
        table["rows"][0],
        json!(["East", 20000]),
        "the offline analyst's answer: {table}"
    );
    assert!(
        events.iter().any(|event| event.event == "status"
            && event.data["data"]["detail"]
                .as_str()
                .is_some_and(|detail| detail.contains("offline analyst"))),
        "the stream says who answered"
    );
    let (status, _) = eventually("/readyz to show the model's circuit open", || async {
        llm().await.filter(|(_, llm)| llm == "not_serving")
    })
    .await;
    assert_eq!(
        status,
        reqwest::StatusCode::OK,
        "an open circuit alone keeps the gateway ready"
    );
    let metrics = scrape(&app).await;
    assert_eq!(value(&metrics, "llm_breaker_open"), 1.0, "{metrics}");
    for series in [
        "llm_retries_total{provider=\"anthropic\"}",
        "llm_fallbacks_total{provider=\"anthropic\"}",
        "llm_calls_total{provider=\"anthropic\",outcome=\"status_5xx\"}",
        "llm_calls_total{provider=\"anthropic\",outcome=\"unavailable\"}",
    ] {
        assert!(value(&metrics, series) >= 1.0, "{series} in\n{metrics}");
    }
}
