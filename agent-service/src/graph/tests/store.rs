//! Checkpoints, resume and retention against real PostgreSQL (a fresh database per test)
//! and real Redis (a fresh key prefix per test).

use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use sextant_common::cache::Cache;
use sextant_common::testing::{TestDb, redis_url};
use sqlx::PgPool;

use super::*;

/// One test's database and Redis prefix; every `checkpoints()` is a new instance (its own
/// pool and cache), as a restarted process would have.
pub(super) struct Store {
    db: TestDb,
    pool: PgPool,
    redis: ConnectionManager,
    prefix: String,
}

impl Store {
    pub(super) async fn new() -> Self {
        let db = TestDb::create().await;
        let pool = sextant_common::connect::postgres(&db.url, 4).await.expect("connect");
        sqlx::migrate!().run(&pool).await.expect("migrate");
        let redis = sextant_common::connect::redis(&redis_url()).expect("redis");
        let prefix = format!("test:graph:{}:", uuid::Uuid::new_v4());
        Self {
            db,
            pool,
            redis,
            prefix,
        }
    }

    pub(super) async fn checkpoints(&self) -> Checkpoints {
        let (checkpoints, writer) = self.dying_checkpoints().await;
        tokio::spawn(writer.run());
        checkpoints
    }

    /// A new instance whose writer the test runs step by step, and drops to stand for a
    /// process that died.
    async fn dying_checkpoints(&self) -> (Checkpoints, writer::Writer) {
        let pool = sextant_common::connect::postgres(&self.db.url, 2)
            .await
            .expect("connect");
        let cache = Cache::new(self.redis.clone(), self.prefix.clone(), Duration::from_secs(60));
        Checkpoints::unstarted(pool, cache)
    }

    /// The hot copies this test wrote.
    async fn hot_keys(&self) -> Vec<String> {
        let mut redis = self.redis.clone();
        let mut keys: Vec<String> = redis.keys(format!("{}*", self.prefix)).await.expect("KEYS");
        keys.sort();
        keys
    }

    /// Flushes this test's Redis keys.
    async fn flush_redis(&self) {
        let keys = self.hot_keys().await;
        if !keys.is_empty() {
            let mut redis = self.redis.clone();
            let () = redis.del(keys).await.expect("DEL");
        }
    }
}

/// a → b → c → END, counting executions; `c` hangs while `c_hangs` is true.
struct Chain {
    a: Arc<AtomicU32>,
    b: Arc<AtomicU32>,
    c: Arc<AtomicU32>,
}

impl Chain {
    fn new() -> Self {
        Self {
            a: Arc::default(),
            b: Arc::default(),
            c: Arc::default(),
        }
    }

    fn graph(&self, checkpoints: Checkpoints, c_hangs: bool) -> Graph<Trail, String> {
        let node = |name, runs: &Arc<AtomicU32>| Visit {
            name,
            runs: Arc::clone(runs),
        };
        let c_runs = Arc::clone(&self.c);
        GraphBuilder::new()
            .node("a", node("a", &self.a))
            .node("b", node("b", &self.b))
            .node_fn("c", move |mut state: Trail, _: NodeContext<String>| {
                c_runs.fetch_add(1, Ordering::SeqCst);
                async move {
                    if c_hangs {
                        std::future::pending::<()>().await;
                    }
                    state.visited.push("c".to_owned());
                    Ok(state)
                }
            })
            .entry("a")
            .edge("a", "b")
            .edge("b", "c")
            .edge("c", END)
            .checkpoints(checkpoints)
            .build()
            .expect("valid graph")
    }

    fn runs(&self) -> [u32; 3] {
        [&self.a, &self.b, &self.c].map(|runs| runs.load(Ordering::SeqCst))
    }
}

/// Starts `graph` on a task and returns it once `node` has started.
async fn start_until(
    graph: Arc<Graph<Trail, String>>,
    run: RunId,
    cancel: CancellationToken,
    node: &str,
) -> tokio::task::JoinHandle<Result<Trail, GraphError>> {
    let (sender, mut receiver) = events();
    let task = tokio::spawn(async move { graph.run(run, Trail::default(), cancel, sender).await });
    while let Some(event) = receiver.recv().await {
        if matches!(&event, Event::NodeStarted { node: started, .. } if started == node) {
            return task;
        }
    }
    panic!("the run ended before `{node}` started: {:?}", task.await);
}

/// The result of a run task that was cancelled, which must end promptly.
async fn stopped(task: tokio::task::JoinHandle<Result<Trail, GraphError>>) -> Result<Trail, GraphError> {
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the cancelled run stops promptly")
        .expect("no panic")
}

async fn resume(graph: &Graph<Trail, String>, run: RunId) -> Result<Trail, GraphError> {
    let (sender, _receiver) = events();
    graph.resume(run, CancellationToken::new(), sender).await
}

#[tokio::test]
async fn a_checkpoint_after_every_node_is_read_back_from_postgres_once_redis_lost_it() {
    let store = Store::new().await;
    let chain = Chain::new();
    let checkpoints = store.checkpoints().await;
    let graph = chain.graph(checkpoints.clone(), false);
    let run = RunId::new();
    let (sender, _receiver) = events();
    graph
        .run(run, Trail::default(), CancellationToken::new(), sender)
        .await
        .expect("run");
    let hot = checkpoints.latest(run).await.expect("latest").expect("a checkpoint");
    assert_eq!(store.hot_keys().await, [format!("{}checkpoint:{run}", store.prefix)]);

    store.flush_redis().await;
    let fresh = store.checkpoints().await;
    assert_eq!(
        fresh.latest(run).await.expect("latest"),
        Some(hot),
        "PostgreSQL holds the same"
    );
    let history = fresh.history(run).await.expect("history");
    let steps: Vec<_> = history
        .iter()
        .map(|checkpoint| {
            let state: Trail = serde_json::from_value(checkpoint.state.clone()).expect("state");
            (
                checkpoint.step,
                checkpoint.next.clone(),
                checkpoint.status,
                state.visited,
            )
        })
        .collect();
    let next = |name: &str| Some(name.to_owned());
    let visited = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        steps,
        [
            (0, next("a"), Status::Running, visited(&[])),
            (1, next("b"), Status::Running, visited(&["a"])),
            (2, next("c"), Status::Running, visited(&["a", "b"])),
            (3, None, Status::Done, visited(&["a", "b", "c"])),
        ]
    );
    assert!(
        store.hot_keys().await.is_empty(),
        "a read from PostgreSQL does not refill Redis"
    );
}

#[tokio::test]
async fn a_run_dropped_mid_node_resumes_from_its_last_checkpoint_without_rerunning_finished_nodes() {
    let store = Store::new().await;
    let chain = Chain::new();
    let run = RunId::new();
    let dropping = store.checkpoints().await;
    let crashing = Arc::new(chain.graph(dropping.clone(), true));
    let task = start_until(crashing, run, CancellationToken::new(), "c").await;
    task.abort();
    assert!(task.await.expect_err("aborted").is_cancelled());
    dropping.flush().await; // the process lives on: what it had queued is written

    let checkpoints = store.checkpoints().await;
    let latest = checkpoints.latest(run).await.expect("latest").expect("a checkpoint");
    assert_eq!(
        (latest.step, latest.next.as_deref(), latest.status),
        (2, Some("c"), Status::Running)
    );
    assert_eq!(checkpoints.runs_in(Status::Running).await.expect("runs"), [run]);

    let restarted = chain.graph(checkpoints, false);
    let finished = resume(&restarted, run).await.expect("resume");
    assert_eq!(finished, trail(&["a", "b", "c"]));
    assert_eq!(
        chain.runs(),
        [1, 1, 2],
        "a and b ran once; c, running at the crash, again"
    );
}

#[tokio::test]
async fn a_cancelled_run_is_recorded_as_cancelled_and_resumes_to_the_end() {
    let store = Store::new().await;
    let chain = Chain::new();
    let run = RunId::new();
    let cancel = CancellationToken::new();
    let graph = Arc::new(chain.graph(store.checkpoints().await, true));
    let task = start_until(graph, run, cancel.clone(), "c").await;
    cancel.cancel();
    let result = stopped(task).await;
    assert!(
        matches!(&result, Err(GraphError::Cancelled { node }) if node == "c"),
        "{result:?}"
    );

    let checkpoints = store.checkpoints().await;
    let latest = checkpoints.latest(run).await.expect("latest").expect("a checkpoint");
    assert_eq!((latest.step, latest.status), (2, Status::Cancelled));

    let finished = resume(&chain.graph(checkpoints.clone(), false), run).await;
    assert_eq!(finished.expect("resume"), trail(&["a", "b", "c"]));
    assert_eq!(chain.runs(), [1, 1, 2]);
    let latest = checkpoints.latest(run).await.expect("latest").expect("a checkpoint");
    assert_eq!((latest.step, latest.status, latest.error), (3, Status::Done, None));
}

#[tokio::test]
async fn resume_refuses_unknown_and_finished_runs() {
    let store = Store::new().await;
    let graph = Chain::new().graph(store.checkpoints().await, false);
    let unknown = resume(&graph, RunId::new()).await;
    assert!(matches!(unknown, Err(GraphError::UnknownRun(_))), "{unknown:?}");

    let run = finished_run(&graph).await;
    let again = resume(&graph, run).await;
    assert!(
        matches!(again, Err(GraphError::RunFinished(id)) if id == run),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_run_id_cannot_be_started_twice() {
    let store = Store::new().await;
    let graph = Chain::new().graph(store.checkpoints().await, false);
    let run = RunId::new();
    let (sender, _receiver) = events();
    graph
        .run(run, Trail::default(), CancellationToken::new(), sender.clone())
        .await
        .expect("first");
    let second = graph.run(run, Trail::default(), CancellationToken::new(), sender).await;
    assert!(
        matches!(second, Err(GraphError::RunExists(id)) if id == run),
        "{second:?}"
    );
}

#[tokio::test]
async fn a_failed_run_records_its_error_on_the_latest_checkpoint() {
    let store = Store::new().await;
    let checkpoints = store.checkpoints().await;
    let graph = GraphBuilder::new()
        .node("loop", visit("loop"))
        .entry("loop")
        .edge("loop", "loop")
        .max_steps(3)
        .checkpoints(checkpoints.clone())
        .build()
        .expect("valid graph");
    let run = RunId::new();
    let (sender, _receiver) = events();
    let error = graph
        .run(run, Trail::default(), CancellationToken::new(), sender)
        .await
        .expect_err("budget");
    store.flush_redis().await;
    let latest = checkpoints.latest(run).await.expect("latest").expect("a checkpoint");
    assert_eq!((latest.step, latest.status), (3, Status::Failed));
    assert_eq!(latest.error, Some(error.to_string()));
    let resumed = resume(&graph, run).await;
    assert!(
        matches!(resumed, Err(GraphError::StepBudgetExceeded { limit: 3, .. })),
        "the budget counts across resumes: {resumed:?}"
    );
}

#[tokio::test]
async fn a_stopped_node_ends_the_run_at_once_with_its_code_recorded_as_failed() {
    let store = Store::new().await;
    let checkpoints = store.checkpoints().await;
    let tries = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&tries);
    let graph = GraphBuilder::new()
        .node("plan", visit("plan"))
        .node_fn("answer", move |_: Trail, _: NodeContext<String>| {
            counted.fetch_add(1, Ordering::SeqCst);
            async { Err(NodeError::stopped("budget_exceeded", "the token budget is spent")) }
        })
        .policy("answer", retry_policy(5))
        .entry("plan")
        .edge("plan", "answer")
        .edge("answer", END)
        .checkpoints(checkpoints.clone())
        .build()
        .expect("valid graph");
    let run = RunId::new();
    let (sender, _receiver) = events();
    let error = graph
        .run(run, Trail::default(), CancellationToken::new(), sender)
        .await
        .expect_err("stopped");
    assert!(
        matches!(&error, GraphError::NodeStopped { node, code, message }
            if node == "answer" && code == "budget_exceeded" && message == "the token budget is spent"),
        "{error:?}"
    );
    assert_eq!(tries.load(Ordering::SeqCst), 1, "a stop is never retried");
    let latest = checkpoints.latest(run).await.expect("latest").expect("a checkpoint");
    assert_eq!((latest.step, latest.status), (1, Status::Failed));
    assert_eq!(
        latest.error.as_deref(),
        Some("node `answer` stopped the run (budget_exceeded): the token budget is spent")
    );
}

#[tokio::test]
async fn a_status_change_on_a_stale_checkpoint_conflicts() {
    let store = Store::new().await;
    let run = RunId::new();
    let cancel = CancellationToken::new();
    let graph = Arc::new(Chain::new().graph(store.checkpoints().await, true));
    let task = start_until(graph, run, cancel.clone(), "c").await;
    cancel.cancel();
    let _ = stopped(task).await;
    let (first, second) = (store.checkpoints().await, store.checkpoints().await);
    let read = first.latest(run).await.expect("latest").expect("a checkpoint");
    let mut cancelled = checkpoint::Written::from_read(read).expect("json");
    cancelled.status = Status::Running;
    let cancelled = Arc::new(cancelled);
    first
        .update(Arc::clone(&cancelled), Status::Cancelled)
        .await
        .expect("first resume");
    let twice = second.update(cancelled, Status::Cancelled).await;
    assert!(matches!(twice, Err(GraphError::Conflict { step: 2, .. })), "{twice:?}");
}

/// Runs the chain to the end under a new id.
async fn finished_run(graph: &Graph<Trail, String>) -> RunId {
    let run = RunId::new();
    let (sender, _receiver) = events();
    graph
        .run(run, Trail::default(), CancellationToken::new(), sender)
        .await
        .expect("run");
    run
}

#[tokio::test]
async fn keep_last_prunes_old_checkpoints_but_keeps_the_latest_of_each_run() {
    let store = Store::new().await;
    let checkpoints = store.checkpoints().await;
    let graph = Chain::new().graph(checkpoints.clone(), false);
    let (one, two) = (finished_run(&graph).await, finished_run(&graph).await);
    assert_eq!(
        checkpoints.keep_last(2).await.expect("prune"),
        4,
        "steps 0 and 1 of each"
    );
    for run in [one, two] {
        let steps: Vec<_> = checkpoints
            .history(run)
            .await
            .expect("history")
            .iter()
            .map(|c| c.step)
            .collect();
        assert_eq!(steps, [2, 3]);
    }
    assert_eq!(checkpoints.keep_last(0).await.expect("prune"), 2, "0 keeps the latest");
    store.flush_redis().await;
    let latest = checkpoints.latest(one).await.expect("latest").expect("kept");
    assert_eq!((latest.step, latest.status), (3, Status::Done));
}

#[tokio::test]
async fn delete_finished_before_removes_only_runs_that_ended_long_ago() {
    let store = Store::new().await;
    let checkpoints = store.checkpoints().await;
    let graph = Chain::new().graph(checkpoints.clone(), false);
    let (old, recent) = (finished_run(&graph).await, finished_run(&graph).await);
    let running = RunId::new();
    let hanging = Arc::new(Chain::new().graph(checkpoints.clone(), true));
    let task = start_until(hanging, running, CancellationToken::new(), "c").await;
    task.abort();
    assert!(task.await.expect_err("aborted").is_cancelled());
    for run in [old, running] {
        sqlx::query("UPDATE checkpoints SET updated_at = now() - interval '2 days' WHERE run_id = $1")
            .bind(run.0)
            .execute(&store.pool)
            .await
            .expect("backdate");
    }

    let deleted = checkpoints
        .delete_finished_before(Duration::from_secs(24 * 3600))
        .await
        .expect("prune");
    assert_eq!(deleted, [old]);
    assert!(checkpoints.history(old).await.expect("history").is_empty());
    assert_eq!(
        checkpoints.latest(old).await.expect("latest"),
        None,
        "the hot copy went too"
    );
    assert_eq!(checkpoints.history(recent).await.expect("history").len(), 4);
    assert_eq!(
        checkpoints.history(running).await.expect("history").len(),
        3,
        "running runs stay"
    );
}

#[tokio::test]
async fn delete_runs_removes_every_checkpoint_and_the_hot_copy() {
    let store = Store::new().await;
    let checkpoints = store.checkpoints().await;
    let graph = Chain::new().graph(checkpoints.clone(), false);
    let (gone, kept) = (finished_run(&graph).await, finished_run(&graph).await);
    assert_eq!(checkpoints.delete_runs(&[gone]).await.expect("delete"), 4);
    assert_eq!(checkpoints.latest(gone).await.expect("latest"), None);
    assert!(checkpoints.history(gone).await.expect("history").is_empty());
    assert_eq!(store.hot_keys().await, [format!("{}checkpoint:{kept}", store.prefix)]);
    assert_eq!(checkpoints.history(kept).await.expect("history").len(), 4);
}

#[tokio::test]
async fn no_checkpoint_write_waits_for_the_commit_flush() {
    let store = Store::new().await;
    for status in [Status::Running, Status::Done, Status::Failed] {
        let checkpoint = Checkpoint {
            run_id: RunId::new(),
            step: 0,
            next: (status != Status::Done).then(|| "a".to_owned()),
            state: serde_json::value::to_raw_value(&serde_json::json!({})).expect("json"),
            status,
            error: None,
            updated_at: checkpoint::now(),
        };
        let mut tx = store.pool.begin().await.expect("begin");
        let inserted = writer::insert_all(&mut *tx, &[&checkpoint]).await.expect("insert");
        assert_eq!(inserted.len(), 1);
        let mode: String = sqlx::query_scalar("SHOW synchronous_commit")
            .fetch_one(&mut *tx)
            .await
            .expect("show");
        tx.rollback().await.expect("rollback");
        assert_eq!(mode, "off", "{status:?}");
    }
}

#[tokio::test]
async fn states_are_stored_as_json_text_compressed_with_lz4_where_the_server_has_it() {
    let store = Store::new().await;
    let lz4 = sqlx::query("CREATE TEMP TABLE lz4_probe (x text COMPRESSION lz4)")
        .execute(&store.pool)
        .await
        .is_ok();
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT attrelid::regclass::text, format_type(atttypid, atttypmod), attcompression::text \
         FROM pg_attribute WHERE (attrelid, attname) IN (('checkpoints'::regclass, 'state'), \
         ('memory_turns'::regclass, 'turn')) ORDER BY 1",
    )
    .fetch_all(&store.pool)
    .await
    .expect("columns");
    let compression = if lz4 { "l" } else { "" };
    let expected = [("checkpoints", "json"), ("memory_turns", "json")]
        .map(|(table, kind)| (table.to_owned(), kind.to_owned(), compression.to_owned()));
    assert_eq!(columns, expected);
}

/// a → b → c → END whose `b` takes a permit of `go` before it finishes.
fn gated(checkpoints: Checkpoints, go: Arc<tokio::sync::Semaphore>, b_runs: &Arc<AtomicU32>) -> Graph<Trail, String> {
    let b_runs = Arc::clone(b_runs);
    GraphBuilder::new()
        .node("a", visit("a"))
        .node_fn("b", move |mut state: Trail, _: NodeContext<String>| {
            let (go, b_runs) = (Arc::clone(&go), Arc::clone(&b_runs));
            async move {
                b_runs.fetch_add(1, Ordering::SeqCst);
                go.acquire().await.expect("open").forget();
                state.visited.push("b".to_owned());
                Ok(state)
            }
        })
        .node("c", visit("c"))
        .entry("a")
        .edge("a", "b")
        .edge("b", "c")
        .edge("c", END)
        .checkpoints(checkpoints)
        .build()
        .expect("valid graph")
}

/// Starts `graph` on a task and returns it once `b` is running.
async fn run_until_b(
    graph: Graph<Trail, String>,
    run: RunId,
    b_runs: &AtomicU32,
) -> tokio::task::JoinHandle<Result<Trail, GraphError>> {
    let (sender, receiver) = events();
    let task = tokio::spawn(async move {
        let _events = receiver;
        graph.run(run, Trail::default(), CancellationToken::new(), sender).await
    });
    tokio::time::timeout(Duration::from_secs(5), async {
        while b_runs.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("b runs");
    task
}

fn open_gate() -> Arc<tokio::sync::Semaphore> {
    Arc::new(tokio::sync::Semaphore::new(1))
}

#[tokio::test]
async fn a_crash_loses_the_steps_still_queued_and_the_run_resumes_from_the_last_one_written() {
    let store = Store::new().await;
    let (dying, mut writer) = store.dying_checkpoints().await;
    let b_runs = Arc::new(AtomicU32::new(0));
    let run = RunId::new();
    let closed = Arc::new(tokio::sync::Semaphore::new(0));
    let serving = tokio::spawn(async move {
        assert!(writer.serve().await, "step 0 is written before the second node");
        writer
    });
    let task = run_until_b(gated(dying, closed, &b_runs), run, &b_runs).await;
    // The process dies: its run, and its writer with step 1 (after a) still queued.
    task.abort();
    drop(serving.await.expect("writer"));

    let checkpoints = store.checkpoints().await;
    let latest = checkpoints.latest(run).await.expect("latest").expect("a checkpoint");
    assert_eq!((latest.step, latest.next.as_deref()), (0, Some("a")), "step 1 was lost");
    let finished = resume(&gated(checkpoints.clone(), open_gate(), &b_runs), run)
        .await
        .expect("resume");
    assert_eq!(finished, trail(&["a", "b", "c"]), "a ran again");
    let steps: Vec<u32> = checkpoints
        .history(run)
        .await
        .expect("history")
        .iter()
        .map(|checkpoint| checkpoint.step)
        .collect();
    assert_eq!(steps, [0, 1, 2, 3]);
}

#[tokio::test]
async fn the_first_node_runs_while_step_0_is_being_written() {
    let store = Store::new().await;
    let (checkpoints, writer) = store.dying_checkpoints().await;
    let chain = Chain::new();
    let graph = Arc::new(chain.graph(checkpoints, false));
    let run = RunId::new();
    // Nothing is written yet: the writer has not started.
    let task = start_until(graph, run, CancellationToken::new(), "a").await;
    tokio::spawn(writer.run());
    assert_eq!(stopped(task).await.expect("finished"), trail(&["a", "b", "c"]));
    assert_eq!(store.checkpoints().await.history(run).await.expect("history").len(), 4);
}

#[tokio::test]
async fn a_run_ends_without_waiting_for_its_last_checkpoints_which_a_crash_then_loses() {
    let store = Store::new().await;
    let (dying, mut writer) = store.dying_checkpoints().await;
    let chain = Chain::new();
    let graph = chain.graph(dying, false);
    let run = RunId::new();
    let (sender, _receiver) = events();
    let (finished, writer) = tokio::join!(
        graph.run(run, Trail::default(), CancellationToken::new(), sender),
        async {
            assert!(writer.serve().await, "step 0 is written before the second node");
            writer
        }
    );
    // The run returned with steps 1 to 3 still queued: the process dies before they are written.
    assert_eq!(finished.expect("finished"), trail(&["a", "b", "c"]));
    drop((graph, writer));

    let checkpoints = store.checkpoints().await;
    let latest = checkpoints.latest(run).await.expect("latest").expect("a checkpoint");
    assert_eq!((latest.step, latest.status), (0, Status::Running), "the end was lost");
    assert_eq!(chain.runs(), [1, 1, 1]);
}

#[tokio::test]
async fn a_process_whose_step_was_refused_writes_no_later_step_of_that_run() {
    let store = Store::new().await;
    let b_runs = Arc::new(AtomicU32::new(0));
    let run = RunId::new();
    let (first, second) = (store.checkpoints().await, store.checkpoints().await);
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let task = run_until_b(gated(first.clone(), Arc::clone(&gate), &b_runs), run, &b_runs).await;
    first.flush().await;
    // Another process takes the run over from step 1 (b next) and finishes it.
    let finished = resume(&gated(second.clone(), open_gate(), &b_runs), run)
        .await
        .expect("taken over");
    assert_eq!(finished, trail(&["a", "b", "c"]));
    second.flush().await;
    // The first process's b goes on: its steps 2 and 3 are refused. The run learns it at
    // its end when step 2's refusal came back by then; the end's own is only logged.
    let opened = checkpoint::now();
    gate.add_permits(1);
    let refused = stopped(task).await;
    assert!(
        matches!(refused, Ok(_) | Err(GraphError::Conflict { step: 2, .. })),
        "{refused:?}"
    );
    first.flush().await;
    let history = second.history(run).await.expect("history");
    assert_eq!(history.len(), 4);
    assert_eq!(history.last().map(|checkpoint| checkpoint.status), Some(Status::Done));
    assert!(
        history.iter().all(|checkpoint| checkpoint.updated_at < opened),
        "every step is the second process's, written before the first one's b went on"
    );
}
