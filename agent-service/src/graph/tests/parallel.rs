//! The parallel node: concurrent branches merged in order, loops inside a branch, failures
//! of each kind, cancellation, events, and its checkpoints with real PostgreSQL and Redis.

use std::sync::atomic::AtomicBool;

use tokio::sync::Barrier;

use super::store::Store;
use super::*;

/// One branch's state: its item, and how many rounds of its loop it ran.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Item {
    value: u32,
    rounds: u32,
}

/// The items 1..=`count`, for `split`.
fn items(count: u32) -> impl Fn(&Trail) -> Vec<Item> + Send + Sync + 'static {
    move |_| (1..=count).map(|value| Item { value, rounds: 0 }).collect()
}

/// Writes `item:<value>:<rounds>` for each branch, in the order it gets them, then
/// `merged <count>`.
fn merge(trail: &mut Trail, items: Vec<Item>) {
    let merged = format!("merged {}", items.len());
    let items = items
        .into_iter()
        .map(|item| format!("item:{}:{}", item.value, item.rounds));
    trail.visited.extend(items.chain([merged]));
}

/// A graph whose one node `fan` runs `branch` once per number in 1..=`count`.
fn fanning(count: u32, branch: Graph<Item, String>) -> GraphBuilder<Trail, String> {
    GraphBuilder::new()
        .parallel("fan", branch, items(count), merge)
        .entry("fan")
        .edge("fan", END)
}

/// A branch graph of one node, `work`.
fn branch<F, Fut>(work: F) -> Graph<Item, String>
where
    F: Fn(Item, NodeContext<String>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Item, NodeError>> + Send + 'static,
{
    GraphBuilder::new()
        .node_fn("work", work)
        .entry("work")
        .edge("work", END)
        .build()
        .expect("a valid branch")
}

fn build(builder: GraphBuilder<Trail, String>) -> Graph<Trail, String> {
    builder.build().expect("a valid graph")
}

async fn finished(graph: &Graph<Trail, String>) -> Trail {
    run(graph).await.expect("the run finishes")
}

/// The next value on `receiver`, within 5 s.
async fn next<T>(receiver: &mut mpsc::UnboundedReceiver<T>) -> Option<T> {
    tokio::time::timeout(Duration::from_secs(5), receiver.recv())
        .await
        .expect("in time")
}

/// Reports `value` on `fired` once `token` fires, from a task of its own (as a query
/// would see it), so that dropping the node's future does not hide it.
fn report_cancellation(token: &CancellationToken, fired: &mpsc::UnboundedSender<u32>, value: u32) {
    let (token, fired) = (token.clone(), fired.clone());
    tokio::spawn(async move {
        token.cancelled().await;
        let _ = fired.send(value);
    });
}

#[tokio::test]
async fn branches_run_concurrently_and_merge_in_the_order_of_their_items() {
    let barrier = Arc::new(Barrier::new(3));
    let graph = build(fanning(
        3,
        branch(move |item, _| {
            let barrier = Arc::clone(&barrier);
            async move {
                // Every branch waits for the other two: one after another, they would hang.
                tokio::time::timeout(Duration::from_secs(5), barrier.wait())
                    .await
                    .map_err(|_| NodeError::fatal("the branches do not run at once"))?;
                // Later items finish first.
                tokio::time::sleep(Duration::from_millis(20 * u64::from(4 - item.value))).await;
                Ok(item)
            }
        }),
    ));
    let trail = finished(&graph).await;
    assert_eq!(trail, super::trail(&["item:1:0", "item:2:0", "item:3:0", "merged 3"]));
}

#[tokio::test]
async fn a_branch_with_a_loop_runs_it_to_its_end() {
    let looping = GraphBuilder::new()
        .node_fn("round", |mut item: Item, _: NodeContext<String>| async move {
            item.rounds += 1;
            Ok(item)
        })
        .entry("round")
        .conditional_edge(
            "round",
            |item: &Item| if item.rounds < item.value { "again" } else { "done" },
            [("again", "round"), ("done", END)],
        )
        .build()
        .expect("a valid branch");
    let trail = finished(&build(fanning(3, looping))).await;
    assert_eq!(trail, super::trail(&["item:1:1", "item:2:2", "item:3:3", "merged 3"]));
}

#[tokio::test]
async fn zero_items_run_no_branch_and_merge_an_empty_list() {
    let graph = build(fanning(0, branch(|_, _| async { Err(NodeError::fatal("never runs")) })));
    let (sender, mut receiver) = events();
    let finished = graph
        .run(RunId::new(), Trail::default(), CancellationToken::new(), sender)
        .await
        .expect("run");
    assert_eq!(finished, trail(&["merged 0"]));
    let branch_events = drain(&mut receiver)
        .into_iter()
        .filter(|event| matches!(event, Event::NodeStarted { branch: Some(_), .. }))
        .count();
    assert_eq!(branch_events, 0);
}

#[tokio::test]
async fn a_failing_branch_cancels_its_siblings_and_fails_the_run_naming_branch_and_node() {
    let (fired, mut cancellations) = mpsc::unbounded_channel();
    let barrier = Arc::new(Barrier::new(3));
    let graph = build(fanning(
        3,
        branch(move |item, ctx| {
            let (fired, barrier) = (fired.clone(), Arc::clone(&barrier));
            async move {
                report_cancellation(ctx.cancellation(), &fired, item.value);
                barrier.wait().await;
                if item.value == 2 {
                    return Err(NodeError::fatal("no such column"));
                }
                std::future::pending().await
            }
        }),
    ));
    let error = tokio::time::timeout(Duration::from_secs(5), run(&graph))
        .await
        .expect("the siblings do not hold the run")
        .expect_err("a branch failed");
    assert!(
        matches!(&error, GraphError::NodeFailed { node, attempts: 1, retryable: false, .. } if node == "fan"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "node `fan` failed after 1 attempt(s): branch 1: node `work` failed after 1 attempt(s): no such column"
    );
    let mut cancelled = vec![
        next(&mut cancellations).await,
        next(&mut cancellations).await,
        next(&mut cancellations).await,
    ];
    cancelled.sort();
    assert_eq!(
        cancelled,
        [Some(1), Some(2), Some(3)],
        "the siblings' tokens fired (and the failed attempt's own)"
    );
}

#[tokio::test]
async fn a_stopped_branch_stops_the_run_with_its_code() {
    let graph = build(fanning(
        2,
        branch(|item, _| async move {
            match item.value {
                1 => Err(NodeError::stopped("budget_exceeded", "the token budget is spent")),
                _ => std::future::pending().await,
            }
        }),
    ));
    let error = run(&graph).await.expect_err("stopped");
    assert!(
        matches!(&error, GraphError::NodeStopped { node, code, message }
            if node == "fan" && code == "budget_exceeded" && message == "the token budget is spent"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_retryable_branch_failure_makes_the_parallel_node_retry_every_branch() {
    let runs: Arc<[AtomicU32; 2]> = Arc::default();
    let counted = Arc::clone(&runs);
    let builder = fanning(
        2,
        branch(move |item, _| {
            let runs = counted[item.value as usize - 1].fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                if item.value == 1 && runs == 1 {
                    return Err(NodeError::retryable("the warehouse is busy"));
                }
                Ok(item)
            }
        }),
    );
    let graph = build(builder.policy("fan", retry_policy(2)));
    let (sender, mut receiver) = events();
    let finished = graph
        .run(RunId::new(), Trail::default(), CancellationToken::new(), sender)
        .await
        .expect("the second attempt succeeds");
    assert_eq!(finished, trail(&["item:1:0", "item:2:0", "merged 2"]));
    assert_eq!(runs[0].load(Ordering::SeqCst), 2, "the failed branch ran again");
    let retried: Vec<_> = drain(&mut receiver)
        .into_iter()
        .filter_map(|event| match event {
            Event::NodeRetrying {
                node, error, branch, ..
            } => Some((node, branch, error)),
            _ => None,
        })
        .collect();
    let error = "branch 0: node `work` failed after 1 attempt(s): the warehouse is busy".to_owned();
    assert_eq!(retried, [("fan".to_owned(), None, error)]);
}

#[tokio::test]
async fn cancelling_the_run_stops_every_branch() {
    let (fired, mut cancellations) = mpsc::unbounded_channel();
    let graph = Arc::new(build(fanning(
        2,
        branch(move |item, ctx| {
            let fired = fired.clone();
            async move {
                report_cancellation(ctx.cancellation(), &fired, item.value);
                ctx.emit(format!("working on {}", item.value)).await;
                std::future::pending().await
            }
        }),
    )));
    let (sender, mut receiver) = events();
    let cancel = CancellationToken::new();
    let running = tokio::spawn({
        let (graph, cancel) = (Arc::clone(&graph), cancel.clone());
        async move { graph.run(RunId::new(), Trail::default(), cancel, sender).await }
    });
    let mut working = 0;
    while working < 2 {
        match receiver.recv().await {
            Some(Event::Custom(_)) => working += 1,
            Some(_) => {}
            None => panic!("the run ended: {:?}", running.await),
        }
    }
    cancel.cancel();
    let result = tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("the run stops promptly")
        .expect("no panic");
    assert!(
        matches!(&result, Err(GraphError::Cancelled { node }) if node == "fan"),
        "{result:?}"
    );
    let mut cancelled = vec![next(&mut cancellations).await, next(&mut cancellations).await];
    cancelled.sort();
    assert_eq!(cancelled, [Some(1), Some(2)]);
}

#[tokio::test]
async fn the_branches_engine_events_carry_their_index_and_their_own_events_pass_through() {
    let flaked = Arc::new(AtomicBool::new(false));
    let work = move |item: Item, ctx: NodeContext<String>| {
        let flaked = Arc::clone(&flaked);
        async move {
            if item.value == 2 && !flaked.swap(true, Ordering::SeqCst) {
                return Err(NodeError::retryable("flake"));
            }
            ctx.emit(format!("hello from {}", item.value)).await;
            Ok(item)
        }
    };
    let branch = GraphBuilder::new()
        .node_fn("work", work)
        .policy("work", retry_policy(2))
        .entry("work")
        .edge("work", END)
        .build()
        .expect("a valid branch");
    let graph = build(fanning(2, branch));
    let (sender, mut receiver) = events();
    graph
        .run(RunId::new(), Trail::default(), CancellationToken::new(), sender)
        .await
        .expect("run");
    let mut seen: Vec<String> = drain(&mut receiver)
        .into_iter()
        .map(|event| match event {
            Event::NodeStarted { node, step, branch } => format!("started {node} {step} {branch:?}"),
            Event::NodeFinished { node, step, branch } => format!("finished {node} {step} {branch:?}"),
            Event::NodeRetrying {
                node, attempt, branch, ..
            } => format!("retrying {node} {attempt} {branch:?}"),
            Event::Custom(text) => text,
        })
        .collect();
    assert_eq!(seen.first().map(String::as_str), Some("started fan 0 None"));
    assert_eq!(seen.last().map(String::as_str), Some("finished fan 0 None"));
    seen.sort();
    assert_eq!(
        seen,
        [
            "finished fan 0 None",
            "finished work 0 Some(0)",
            "finished work 0 Some(1)",
            "hello from 1",
            "hello from 2",
            "retrying work 1 Some(1)",
            "started fan 0 None",
            "started work 0 Some(0)",
            "started work 0 Some(1)",
        ]
    );
}

#[tokio::test]
async fn build_refuses_a_branch_graph_that_keeps_checkpoints() {
    let store = Store::new().await;
    let branch = GraphBuilder::<Item, String>::new()
        .node_fn("work", |item, _| async move { Ok(item) })
        .entry("work")
        .edge("work", END)
        .checkpoints(store.checkpoints().await)
        .build()
        .expect("a valid graph on its own");
    let refused = fanning(1, branch).build();
    assert!(
        matches!(&refused, Err(GraphError::CheckpointsInBranch(node)) if node == "fan"),
        "{:?}",
        refused.err()
    );
}

/// plan → fan → END over 1..=2, checkpointed; `work` counts its runs, reports them as its
/// own events and hangs while `hang` is set.
fn checkpointed(checkpoints: Checkpoints, runs: &Arc<AtomicU32>, hang: bool) -> Graph<Trail, String> {
    let runs = Arc::clone(runs);
    let work = branch(move |item, ctx| {
        runs.fetch_add(1, Ordering::SeqCst);
        async move {
            ctx.emit(format!("working on {}", item.value)).await;
            if hang {
                std::future::pending::<()>().await;
            }
            Ok(item)
        }
    });
    GraphBuilder::new()
        .node("plan", visit("plan"))
        .parallel("fan", work, items(2), merge)
        .entry("plan")
        .edge("plan", "fan")
        .edge("fan", END)
        .checkpoints(checkpoints)
        .build()
        .expect("a valid graph")
}

#[tokio::test]
async fn the_checkpoint_after_a_parallel_node_holds_the_merged_state() {
    let store = Store::new().await;
    let checkpoints = store.checkpoints().await;
    let graph = checkpointed(checkpoints.clone(), &Arc::default(), false);
    let run = RunId::new();
    let (sender, _receiver) = events();
    graph
        .run(run, Trail::default(), CancellationToken::new(), sender)
        .await
        .expect("run");
    let steps: Vec<_> = checkpoints
        .history(run)
        .await
        .expect("history")
        .into_iter()
        .map(|checkpoint| (checkpoint.step, checkpoint.next, checkpoint.status, checkpoint.state))
        .collect();
    let state = |names: &[&str]| serde_json::to_value(trail(names)).expect("json");
    assert_eq!(
        steps,
        [
            (0, Some("plan".to_owned()), Status::Running, state(&[])),
            (1, Some("fan".to_owned()), Status::Running, state(&["plan"])),
            (
                2,
                None,
                Status::Done,
                state(&["plan", "item:1:0", "item:2:0", "merged 2"])
            ),
        ],
        "no checkpoint of a branch's own"
    );
}

#[tokio::test]
async fn a_run_that_died_in_a_parallel_node_runs_every_branch_again_on_resume() {
    let store = Store::new().await;
    let runs = Arc::new(AtomicU32::new(0));
    let run = RunId::new();
    let dying = store.checkpoints().await;
    let crashing = Arc::new(checkpointed(dying.clone(), &runs, true));
    let (sender, mut receiver) = events();
    let task = tokio::spawn(async move {
        crashing
            .run(run, Trail::default(), CancellationToken::new(), sender)
            .await
    });
    let mut working = 0;
    while working < 2 {
        match receiver.recv().await {
            Some(Event::Custom(_)) => working += 1,
            Some(_) => {}
            None => panic!("the run ended: {:?}", task.await),
        }
    }
    task.abort();
    assert!(task.await.expect_err("aborted").is_cancelled());
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    dying.flush().await; // the process lived on: what it had queued is written

    let checkpoints = store.checkpoints().await;
    let latest = checkpoints.latest(run).await.expect("latest").expect("a checkpoint");
    assert_eq!(
        (latest.step, latest.next.as_deref(), latest.status),
        (1, Some("fan"), Status::Running)
    );
    let (sender, _receiver) = events();
    let finished = checkpointed(checkpoints, &runs, false)
        .resume(run, CancellationToken::new(), sender)
        .await
        .expect("resume");
    assert_eq!(finished, trail(&["plan", "item:1:0", "item:2:0", "merged 2"]));
    assert_eq!(runs.load(Ordering::SeqCst), 4, "both branches ran again");
}
