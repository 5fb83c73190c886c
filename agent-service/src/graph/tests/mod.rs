//! Tests of the engine: the shape checks (`build`), runs without a store (routing, budget,
//! policies, cancellation, events) and runs with real PostgreSQL and Redis (`store`).

mod build;
mod parallel;
mod store;

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::*;

/// The state of the test graphs: which nodes ran, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Trail {
    visited: Vec<String>,
}

/// A node that appends its name to the trail and counts its executions.
struct Visit {
    name: &'static str,
    runs: Arc<AtomicU32>,
}

impl Visit {
    fn new(name: &'static str) -> (Self, Arc<AtomicU32>) {
        let runs = Arc::new(AtomicU32::new(0));
        (
            Self {
                name,
                runs: Arc::clone(&runs),
            },
            runs,
        )
    }
}

#[async_trait]
impl Node<Trail, String> for Visit {
    async fn run(&self, mut state: Trail, _ctx: NodeContext<String>) -> Result<Trail, NodeError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        state.visited.push(self.name.to_owned());
        Ok(state)
    }
}

fn visit(name: &'static str) -> Visit {
    Visit::new(name).0
}

fn events() -> (mpsc::Sender<Event<String>>, mpsc::Receiver<Event<String>>) {
    mpsc::channel(256)
}

fn drain(receiver: &mut mpsc::Receiver<Event<String>>) -> Vec<Event<String>> {
    let mut received = Vec::new();
    while let Ok(event) = receiver.try_recv() {
        received.push(event);
    }
    received
}

/// Runs `graph` from an empty trail with a fresh token and a channel nobody reads.
async fn run(graph: &Graph<Trail, String>) -> Result<Trail, GraphError> {
    let (sender, _receiver) = events();
    graph
        .run(RunId::new(), Trail::default(), CancellationToken::new(), sender)
        .await
}

fn trail(names: &[&str]) -> Trail {
    Trail {
        visited: names.iter().map(|name| (*name).to_owned()).collect(),
    }
}

#[tokio::test]
async fn a_static_chain_runs_each_node_once_in_order() {
    let graph = GraphBuilder::new()
        .node("a", visit("a"))
        .node("b", visit("b"))
        .node("c", visit("c"))
        .entry("a")
        .edge("a", "b")
        .edge("b", "c")
        .edge("c", END)
        .build()
        .expect("valid graph");
    assert_eq!(run(&graph).await.expect("run"), trail(&["a", "b", "c"]));
}

#[tokio::test]
async fn a_conditional_edge_goes_where_the_router_points() {
    let graph = GraphBuilder::new()
        .node("work", visit("work"))
        .node("report", visit("report"))
        .entry("work")
        .conditional_edge(
            "work",
            |state: &Trail| if state.visited.len() < 3 { "again" } else { "enough" },
            [("again", "work"), ("enough", "report")],
        )
        .edge("report", END)
        .build()
        .expect("valid graph");
    assert_eq!(
        run(&graph).await.expect("run"),
        trail(&["work", "work", "work", "report"])
    );
}

#[tokio::test]
async fn a_router_returning_an_unmapped_label_fails_naming_node_and_label() {
    let graph = GraphBuilder::new()
        .node("classify", visit("classify"))
        .node("chart", visit("chart"))
        .entry("classify")
        .conditional_edge("classify", |_: &Trail| "poem", [("chart", "chart")])
        .edge("chart", END)
        .build()
        .expect("valid graph");
    let error = run(&graph).await.expect_err("unmapped label");
    assert!(
        matches!(&error, GraphError::UnmappedRoute { node, label } if node == "classify" && label == "poem"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the router after `classify` returned the unmapped label `poem`"
    );
}

#[tokio::test]
async fn the_step_budget_stops_a_looping_graph() {
    let (node, runs) = Visit::new("loop");
    let graph = GraphBuilder::new()
        .node("loop", node)
        .entry("loop")
        .conditional_edge("loop", |_: &Trail| "again", [("again", "loop"), ("done", END)])
        .max_steps(5)
        .build()
        .expect("valid graph");
    let error = run(&graph).await.expect_err("the loop never ends by itself");
    assert!(
        matches!(&error, GraphError::StepBudgetExceeded { limit: 5, node } if node == "loop"),
        "{error:?}"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 5, "exactly the budget ran");
}

/// One attempt of a node made of a closure, boxed so the closure can be named.
type Attempt = std::pin::Pin<Box<dyn Future<Output = Result<Trail, NodeError>> + Send>>;

/// A node whose attempts fail (by sleeping past the timeout, or with a retryable error)
/// until attempt `succeeds_at`; it reports every attempt's cancellation token firing.
fn flaky(
    succeeds_at: u32,
    by_timeout: bool,
    cancelled: mpsc::UnboundedSender<u32>,
) -> impl Fn(Trail, NodeContext<String>) -> Attempt + Send + Sync + 'static {
    move |mut state: Trail, ctx: NodeContext<String>| {
        let cancelled = cancelled.clone();
        Box::pin(async move {
            let attempt = ctx.attempt();
            let token = ctx.cancellation().clone();
            tokio::spawn(async move {
                token.cancelled().await;
                let _ = cancelled.send(attempt);
            });
            if attempt >= succeeds_at {
                state.visited.push(format!("attempt {attempt}"));
                return Ok(state);
            }
            if by_timeout {
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
            Err(NodeError::retryable(format!("flake {attempt}")))
        })
    }
}

fn retry_policy(attempts: u32) -> Policy {
    Policy {
        timeout: Some(Duration::from_millis(100)),
        attempts,
        backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
    }
}

#[tokio::test]
async fn a_timed_out_attempt_is_retried_and_then_succeeds() {
    let (cancelled, mut cancellations) = mpsc::unbounded_channel();
    let graph = GraphBuilder::new()
        .node_fn("fetch", flaky(2, true, cancelled))
        .policy("fetch", retry_policy(3))
        .entry("fetch")
        .edge("fetch", END)
        .build()
        .expect("valid graph");
    let (sender, mut receiver) = events();
    let started = Instant::now();
    let finished = graph
        .run(RunId::new(), Trail::default(), CancellationToken::new(), sender)
        .await
        .expect("the second attempt succeeds");
    assert_eq!(finished, trail(&["attempt 2"]));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the first attempt was not awaited"
    );
    assert_eq!(
        cancellations.recv().await,
        Some(1),
        "the timed-out attempt's token fired"
    );
    let retried: Vec<_> = drain(&mut receiver)
        .into_iter()
        .filter_map(|event| match event {
            Event::NodeRetrying {
                node, attempt, error, ..
            } => Some((node, attempt, error)),
            _ => None,
        })
        .collect();
    assert_eq!(retried, [("fetch".to_owned(), 1, "timed out after 100ms".to_owned())]);
}

#[tokio::test]
async fn exhausted_retries_fail_the_run_with_the_last_error() {
    let (cancelled, _cancellations) = mpsc::unbounded_channel();
    let graph = GraphBuilder::new()
        .node_fn("fetch", flaky(u32::MAX, false, cancelled))
        .policy("fetch", retry_policy(3))
        .entry("fetch")
        .edge("fetch", END)
        .build()
        .expect("valid graph");
    let error = run(&graph).await.expect_err("every attempt fails");
    assert!(
        matches!(&error, GraphError::NodeFailed { node, attempts: 3, message, retryable: true } if node == "fetch" && message == "flake 3"),
        "{error:?}"
    );
}

#[tokio::test]
async fn timeouts_count_as_failures_until_the_attempts_run_out() {
    let (cancelled, _cancellations) = mpsc::unbounded_channel();
    let graph = GraphBuilder::new()
        .node_fn("fetch", flaky(u32::MAX, true, cancelled))
        .policy("fetch", retry_policy(2))
        .entry("fetch")
        .edge("fetch", END)
        .build()
        .expect("valid graph");
    let error = run(&graph).await.expect_err("every attempt times out");
    assert!(
        matches!(&error, GraphError::NodeFailed { attempts: 2, message, .. } if message.contains("timed out")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_fatal_error_is_not_retried() {
    let tries = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&tries);
    let graph = GraphBuilder::new()
        .node_fn("parse", move |_: Trail, _: NodeContext<String>| {
            counted.fetch_add(1, Ordering::SeqCst);
            async { Err(NodeError::fatal("not a question")) }
        })
        .policy("parse", retry_policy(5))
        .entry("parse")
        .edge("parse", END)
        .build()
        .expect("valid graph");
    let error = run(&graph).await.expect_err("fatal");
    assert!(
        matches!(
            error,
            GraphError::NodeFailed {
                attempts: 1,
                retryable: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(tries.load(Ordering::SeqCst), 1);
}

/// A node that hands its token to a spawned task (as it would to a query) and then hangs.
fn hangs(token_fired: Arc<Mutex<Option<oneshot::Sender<()>>>>) -> impl Node<Trail, String> + 'static {
    struct Hang(Arc<Mutex<Option<oneshot::Sender<()>>>>);
    #[async_trait]
    impl Node<Trail, String> for Hang {
        async fn run(&self, _state: Trail, ctx: NodeContext<String>) -> Result<Trail, NodeError> {
            let fired = self.0.lock().expect("lock").take();
            let token = ctx.cancellation().clone();
            tokio::spawn(async move {
                token.cancelled().await;
                if let Some(fired) = fired {
                    let _ = fired.send(());
                }
            });
            std::future::pending().await
        }
    }
    Hang(token_fired)
}

#[tokio::test]
async fn cancellation_stops_a_long_node_promptly_and_reaches_its_token() {
    let (fired, token_fired) = oneshot::channel();
    let graph = Arc::new(
        GraphBuilder::new()
            .node("a", visit("a"))
            .node("query", hangs(Arc::new(Mutex::new(Some(fired)))))
            .entry("a")
            .edge("a", "query")
            .edge("query", END)
            .build()
            .expect("valid graph"),
    );
    let (sender, mut receiver) = events();
    let cancel = CancellationToken::new();
    let running = tokio::spawn({
        let (graph, cancel) = (Arc::clone(&graph), cancel.clone());
        async move { graph.run(RunId::new(), Trail::default(), cancel, sender).await }
    });
    while let Some(event) = receiver.recv().await {
        if matches!(&event, Event::NodeStarted { node, .. } if node == "query") {
            break;
        }
    }
    let cancelled_at = Instant::now();
    cancel.cancel();
    let result = tokio::time::timeout(Duration::from_secs(2), running)
        .await
        .expect("the run stops promptly")
        .expect("no panic");
    assert!(cancelled_at.elapsed() < Duration::from_secs(1));
    assert!(
        matches!(&result, Err(GraphError::Cancelled { node }) if node == "query"),
        "{result:?}"
    );
    tokio::time::timeout(Duration::from_secs(2), token_fired)
        .await
        .expect("the node's token fired")
        .expect("sent");
}

#[tokio::test]
async fn events_arrive_in_order_with_the_nodes_own_events_between() {
    let graph = GraphBuilder::new()
        .node_fn("a", |state: Trail, ctx: NodeContext<String>| async move {
            ctx.emit(format!("hello from {}", ctx.node())).await;
            Ok(state)
        })
        .node("b", visit("b"))
        .entry("a")
        .edge("a", "b")
        .edge("b", END)
        .build()
        .expect("valid graph");
    let (sender, mut receiver) = events();
    graph
        .run(RunId::new(), Trail::default(), CancellationToken::new(), sender)
        .await
        .expect("run");
    let started = |node: &str, step| Event::NodeStarted {
        node: node.to_owned(),
        step,
        branch: None,
    };
    let finished = |node: &str, step| Event::NodeFinished {
        node: node.to_owned(),
        step,
        branch: None,
    };
    assert_eq!(
        drain(&mut receiver),
        [
            started("a", 0),
            Event::Custom("hello from a".to_owned()),
            finished("a", 0),
            started("b", 1),
            finished("b", 1),
        ]
    );
}

#[tokio::test]
async fn a_run_goes_on_when_nobody_listens_to_its_events() {
    let graph = GraphBuilder::new()
        .node_fn("a", |state: Trail, ctx: NodeContext<String>| async move {
            ctx.emit("into the void".to_owned()).await;
            Ok(state)
        })
        .entry("a")
        .edge("a", END)
        .build()
        .expect("valid graph");
    let (sender, receiver) = mpsc::channel(1);
    drop(receiver);
    let outcome = graph
        .run(RunId::new(), Trail::default(), CancellationToken::new(), sender)
        .await;
    assert_eq!(outcome.expect("run"), Trail::default());
}

#[tokio::test]
async fn without_a_store_a_run_cannot_be_resumed() {
    let graph = GraphBuilder::new()
        .node("a", visit("a"))
        .entry("a")
        .edge("a", END)
        .build()
        .expect("valid graph");
    let (sender, _receiver) = events();
    let resumed = graph.resume(RunId::new(), CancellationToken::new(), sender).await;
    assert!(matches!(resumed, Err(GraphError::NoCheckpoints)), "{resumed:?}");
}
