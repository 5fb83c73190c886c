//! The LLM analyst driving the real graph, executor, charts, memory and runs, against a
//! fake model server speaking each provider's wire format.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

use super::*;
use crate::analysis::scripted::{World, world_with};
use crate::driver::{self, Start};
use crate::llm::fake::{Behaviour, FakeLlm, Wire};
use crate::runs::Live;

const CSV: &str = "region,amount\nEast,10\nWest,5\nEast,20\nNorth,1\n";
const SQL: &str = "SELECT region, SUM(amount) AS total FROM data GROUP BY region ORDER BY total DESC";
/// A price at which every fixture call costs about a third of a dollar.
const DEAR: Prices = Prices {
    input_per_million: 1_000.0,
    output_per_million: 1_000.0,
};

async fn world_of(model: Arc<dyn Model>, prices: Prices) -> World {
    world_with(Arc::new(Llm::new(model, prices)), "sales.csv", CSV).await
}

/// Starts a run of `question` and reads all of it as a client would.
async fn asked(world: &World, question: &str) -> Vec<Event> {
    let live = started(world, question).await;
    live.follow(0).map(|event| event.event).collect().await
}

async fn started(world: &World, question: &str) -> Arc<Live> {
    let live = world
        .runs
        .start(world.deps.scope.clone(), &world.deps.dataset, question)
        .await
        .expect("start");
    driver::spawn(
        world.runs.clone(),
        Arc::clone(&live),
        world.deps.job(),
        Start::Fresh(question.into()),
    );
    live
}

fn errors(events: &[Event]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Error { code, .. } => Some(code.as_str()),
            _ => None,
        })
        .collect()
}

fn text(events: &[Event]) -> String {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Text { delta } => Some(delta.as_str()),
            _ => None,
        })
        .collect()
}

async fn turns(world: &World) -> usize {
    world
        .deps
        .memories
        .load(&world.deps.scope)
        .await
        .expect("memory")
        .turns
        .len()
}

/// Whether a table of the totals per region was shown (in any order, under any names).
fn total_by_region(events: &[Event]) -> bool {
    let mut expected = vec![("East", 30), ("North", 1), ("West", 5)];
    expected.sort_unstable();
    events.iter().any(|event| {
        let Event::Table(table) = event else { return false };
        let mut rows: Vec<(&str, i64)> = table
            .rows
            .iter()
            .filter_map(|row| Some((row.first()?.as_str()?, row.get(1)?.as_i64()?)))
            .collect();
        rows.sort_unstable();
        rows == expected
    })
}

#[tokio::test]
async fn a_whole_turn_through_each_provider_runs_the_models_sql_and_draws_its_chart() {
    for wire in [Wire::Anthropic, Wire::OpenAi] {
        let fake = FakeLlm::start(wire).await;
        let prices = Prices {
            input_per_million: 3.0,
            output_per_million: 15.0,
        };
        let world = world_of(fake.model(3, Duration::from_secs(5), 5), prices).await;
        let events = asked(&world, "total by region, as a chart").await;
        assert_eq!(errors(&events), Vec::<&str>::new(), "{wire:?}: {events:?}");
        let code = events.iter().find_map(|event| match event {
            Event::Code { source, .. } => Some(source.as_str()),
            _ => None,
        });
        assert_eq!(code, Some(SQL), "{wire:?}: the model's SQL ran");
        assert!(total_by_region(&events), "{wire:?}: the real result: {events:?}");
        assert!(
            events.iter().any(|event| matches!(event, Event::Chart { .. })),
            "{wire:?}"
        );
        assert!(
            events.iter().any(|event| matches!(event, Event::Image { .. })),
            "{wire:?}"
        );
        assert!(
            text(&events).starts_with("Here are the total amounts by region"),
            "{wire:?}"
        );
        let per_node = events
            .iter()
            .filter(|event| matches!(event, Event::Usage { node, .. } if !node.is_empty()))
            .count();
        assert_eq!(per_node, fake.requests().len(), "{wire:?}: one usage event per call");
        let Some(Event::Usage {
            node,
            input_tokens,
            cost_usd,
            ..
        }) = events.iter().rev().nth(1)
        else {
            panic!("{wire:?}: the run's usage before done: {events:?}");
        };
        assert!(node.is_empty() && *input_tokens > 0 && *cost_usd > 0.0, "{wire:?}");
        assert_eq!(turns(&world).await, 1, "{wire:?}: the turn is remembered");
        let (model, version, cost): (String, String, f64) =
            sqlx::query_as("SELECT model, prompt_version, cost_usd FROM runs")
                .fetch_one(&world.pool)
                .await
                .expect("run");
        assert!(model.ends_with("-test"), "{model}");
        assert_eq!(version, prompts::VERSION);
        assert!((cost - cost_usd).abs() < 1e-9, "recorded with the run: {cost}");
        let body = &fake.requests()[0];
        let sent = body.to_string();
        assert!(
            sent.contains("\\\"region\\\" (text): 3 distinct values"),
            "the schema and statistics: {sent}"
        );
        assert!(!sent.contains("East,10"), "no rows are sent");
    }
}

#[tokio::test]
async fn invalid_tool_arguments_are_repaired_once_then_refused() {
    let fake = FakeLlm::start(Wire::Anthropic).await;
    fake.then_for("run_sql", Behaviour::Stream("run_sql_invalid"));
    let world = world_of(fake.model(3, Duration::from_secs(5), 5), Prices::default()).await;
    let events = asked(&world, "total by region").await;
    assert_eq!(errors(&events), Vec::<&str>::new(), "{events:?}");
    assert!(total_by_region(&events));
    let repair = fake
        .requests()
        .into_iter()
        .find(|body| body.to_string().contains("tool_result"))
        .expect("a repair round");
    let messages = repair["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 3, "{repair}");
    assert_eq!(messages[2]["content"][0]["is_error"], true);
    assert!(
        messages[2]["content"][0]["content"]
            .as_str()
            .is_some_and(|text| text.contains("schema"))
    );

    let fake = FakeLlm::start(Wire::OpenAi).await;
    fake.then_for("run_sql", Behaviour::Stream("run_sql_invalid"))
        .then_for("run_sql", Behaviour::Stream("run_sql_invalid"));
    let world = world_of(fake.model(3, Duration::from_secs(5), 5), Prices::default()).await;
    let events = asked(&world, "total by region").await;
    assert_eq!(errors(&events), ["llm_invalid_output"], "{events:?}");
    assert_eq!(turns(&world).await, 0, "no half turn");
}

#[tokio::test]
async fn a_storm_of_500s_opens_the_breaker_and_the_offline_analyst_answers() {
    let fake = FakeLlm::start(Wire::OpenAi).await;
    fake.always(Behaviour::Status {
        status: 503,
        retry_after: None,
    });
    let model = fake.model(2, Duration::from_secs(5), 3);
    let world = world_of(Arc::clone(&model), Prices::default()).await;
    let events = asked(&world, "total amount by region").await;
    assert_eq!(errors(&events), Vec::<&str>::new(), "{events:?}");
    assert!(total_by_region(&events), "the offline analyst's answer: {events:?}");
    assert_eq!(model.breaker().state(), crate::llm::BreakerState::Open);
    let fallbacks = events
        .iter()
        .filter(|event| matches!(event, Event::Status { detail, .. } if detail.contains("offline analyst")))
        .count();
    assert!(fallbacks >= 2, "the stream says so: {events:?}");
    assert_eq!(
        fake.requests().len(),
        3,
        "two attempts, then one more opens it; then no calls"
    );
    assert_eq!(turns(&world).await, 1);
}

#[tokio::test]
async fn a_hanging_provider_times_out_and_the_offline_analyst_answers() {
    let fake = FakeLlm::start(Wire::Anthropic).await;
    fake.always(Behaviour::Hang);
    let world = world_of(fake.model(1, Duration::from_millis(150), 2), Prices::default()).await;
    let events = asked(&world, "total amount by region").await;
    assert!(total_by_region(&events), "{events:?}");
    assert!(
        events.iter().any(
            |event| matches!(event, Event::Status { detail, .. } if detail.contains("did not answer within 150 ms"))
        )
    );
    assert_eq!(fake.closed(), 2, "both hanging requests were closed");
}

#[tokio::test]
async fn a_malformed_stream_ends_the_run_with_an_error_and_saves_no_half_turn() {
    for wire in [Wire::Anthropic, Wire::OpenAi] {
        let fake = FakeLlm::start(wire).await;
        fake.then_for("text", Behaviour::Stream("malformed"));
        let world = world_of(fake.model(3, Duration::from_secs(5), 5), Prices::default()).await;
        let events = asked(&world, "total by region").await;
        assert_eq!(errors(&events), ["llm_failed"], "{wire:?}: {events:?}");
        assert!(matches!(events.last(), Some(Event::Done { .. })));
        assert_eq!(turns(&world).await, 0, "{wire:?}");
    }
}

#[tokio::test]
async fn a_spent_budget_stops_the_run_with_a_clear_error() {
    let fake = FakeLlm::start(Wire::Anthropic).await;
    let mut world = world_of(fake.model(3, Duration::from_secs(5), 5), DEAR).await;
    world.deps.budget_usd = Some(1.0);
    let events = asked(&world, "total by region").await;
    assert_eq!(errors(&events), ["budget_exceeded"], "{events:?}");
    assert_eq!(
        fake.requests().len(),
        3,
        "three calls spent the dollar; the fourth was refused"
    );
    assert_eq!(turns(&world).await, 0);
}

#[tokio::test]
async fn cancelling_a_run_closes_the_models_request() {
    let fake = FakeLlm::start(Wire::OpenAi).await;
    fake.then_for("choose_mode", Behaviour::Stall);
    let world = world_of(fake.model(3, Duration::from_secs(30), 5), Prices::default()).await;
    let live = started(&world, "total by region").await;
    let follower = live.follow(0);
    tokio::time::timeout(Duration::from_secs(5), fake.wait_requests(1))
        .await
        .expect("the model is asked");
    live.cancel.cancel();
    tokio::time::timeout(Duration::from_secs(5), fake.wait_closed(1))
        .await
        .expect("the server sees its request closed");
    let events: Vec<Event> = follower.map(|event| event.event).collect().await;
    assert_eq!(errors(&events), ["cancelled"]);
}
