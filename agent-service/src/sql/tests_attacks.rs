//! Queries a model could write to read files or exhaust the machine, each refused before
//! Polars sees it; and the limit on queries at once, which bounds what the deadline
//! cannot stop.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::tests::{
    SALES, Scratch, assert_refused_naming, column, csv, numbers, refusal, run, slow_dataset, slow_query, spec,
};
use super::*;

/// Waits, for ten seconds at most, until `condition` holds.
async fn until(condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "the condition did not hold within 10 s");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// A dataset the slow query keeps Polars busy on for seconds (5 s on two cores), however
/// fast the machine, yet stops on within a few tenths of a second: it holds its place.
fn busy_dataset(scratch: &Scratch) -> DatasetSpec {
    numbers(scratch, 3_000)
}

/// Runs `query` on a task of its own until `hold` is cancelled or its 30 s pass.
fn spawn_query(
    datasets: &Datasets,
    dataset: &DatasetSpec,
    query: String,
    hold: &CancellationToken,
) -> tokio::task::JoinHandle<Result<QueryOutput, SqlError>> {
    let (datasets, dataset, hold) = (datasets.clone(), dataset.clone(), hold.clone());
    tokio::spawn(async move { datasets.execute(&dataset, &query, Limits::default(), &hold).await })
}

fn within(timeout: Duration) -> Limits {
    Limits { max_rows: 10, timeout }
}

#[tokio::test]
async fn read_csv_is_refused_directly_in_ctes_and_in_subqueries() {
    let scratch = Scratch::new();
    let datasets = Datasets::new(4);
    let dataset = spec(&scratch.0.path().join("never-written.csv"), csv());
    for query in [
        "SELECT * FROM read_csv('/etc/passwd')",
        "WITH stolen AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM stolen",
        "WITH a AS (SELECT 1 AS one), b AS (SELECT * FROM a, read_csv('/etc/passwd') AS p) SELECT * FROM b",
        "SELECT * FROM (SELECT * FROM read_csv('/etc/passwd')) AS stolen",
        "SELECT * FROM data WHERE region IN (SELECT * FROM read_csv('/etc/passwd'))",
        "SELECT (SELECT count(*) FROM read_csv('/etc/passwd')) AS n FROM data",
        "SELECT * FROM (WITH inner_cte AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM inner_cte) AS t",
        "WITH u AS (SELECT region FROM data UNION ALL SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM u",
    ] {
        assert_refused_naming(query, "read_csv");
        assert_refused_naming(query, "table function");
        assert!(
            matches!(run(&datasets, &dataset, query).await, Err(SqlError::Refused { .. })),
            "{query}"
        );
    }
    assert!(datasets.is_empty(), "a refused query opened its dataset");
}

#[test]
fn products_of_three_copies_of_the_data_are_refused_however_they_are_spelled() {
    for query in [
        "SELECT count(*) FROM data a, data b, data c",
        "SELECT * FROM data, data, data",
        "SELECT * FROM data a CROSS JOIN data b CROSS JOIN data c",
        "SELECT * FROM data a JOIN data b ON TRUE JOIN data c ON TRUE",
        "SELECT * FROM data a JOIN data b ON 1 = 1 JOIN data c ON 1 = 1",
        "SELECT * FROM data a LEFT JOIN data b ON TRUE FULL OUTER JOIN data c ON (1 = 1)",
        // Conditions that do not equate two relations' columns.
        "SELECT * FROM data a JOIN data b ON a.n = a.n JOIN data c ON c.n > 5",
        "SELECT * FROM data a JOIN data b ON a.n < b.n JOIN data c ON b.n < c.n",
        "SELECT * FROM data a, data b, data c WHERE a.n = b.n OR b.n = c.n",
        "SELECT * FROM data a, data b, data c WHERE n = n",
        "SELECT * FROM data a, data b, data c WHERE a.n = 1 AND b.n = 2",
        // One equality leaves three groups.
        "SELECT * FROM data a, data b, data c, data d WHERE a.n = b.n",
        // The same product behind parentheses, subqueries and CTEs.
        "SELECT * FROM (data a CROSS JOIN data b) CROSS JOIN data c",
        "SELECT * FROM (SELECT a.n FROM data a, data b) AS x, data c",
        "WITH pairs AS (SELECT a.n FROM data a, data b) SELECT * FROM pairs p, data c",
        "WITH pairs AS (SELECT a.n FROM data a CROSS JOIN data b), more AS (SELECT * FROM pairs) \
         SELECT * FROM more m CROSS JOIN data c",
        "WITH t AS (SELECT n, count(*) AS k FROM data GROUP BY n) SELECT * FROM data a, t, data c",
        "SELECT * FROM data a, data b, (SELECT unnest([1, 2, 3]) AS k) AS u",
        "SELECT * FROM data WHERE n IN (SELECT a.n FROM data a, data b, data c)",
        "SELECT 1 UNION ALL SELECT a.n FROM data a CROSS JOIN data b CROSS JOIN data c",
    ] {
        assert_refused_naming(query, "copies of the data");
    }
    let reason = refusal("SELECT * FROM (SELECT a.n FROM data a, data b) AS x, data c");
    assert!(
        reason.contains("3 copies") && reason.contains("`x` (itself 2 copies multiplied), `c`"),
        "{reason}"
    );
}

#[test]
fn joined_products_and_two_way_cross_joins_are_allowed() {
    for query in [
        "SELECT count(*) FROM data a, data b",
        "SELECT count(*) FROM data a CROSS JOIN data b WHERE (a.n * b.n) % 7 = 3",
        "SELECT * FROM data a JOIN data b ON a.n = b.n JOIN data c ON b.n = c.n",
        "SELECT * FROM data a JOIN data b ON (a.n = b.n AND a.m < b.m) JOIN data c ON c.n = b.n - 1",
        "SELECT * FROM data a, data b, data c WHERE a.n = b.n AND c.n = b.n + 1 AND a.m > 3",
        "SELECT * FROM data a JOIN data b USING (n) JOIN data c USING (n)",
        "SELECT * FROM data a NATURAL JOIN data b NATURAL JOIN data c",
        "SELECT * FROM data a JOIN data b ON a.n = b.n CROSS JOIN data c",
        "SELECT * FROM data a, data b, data c, data d WHERE a.n = b.n AND c.n = d.n",
        // Single rows multiply nothing.
        "WITH totals AS (SELECT sum(n) AS total FROM data), peak AS (SELECT max(n) AS top FROM data) \
         SELECT * FROM data d CROSS JOIN totals t CROSS JOIN peak p",
        "SELECT * FROM data a, data b, (SELECT 1 AS one) AS o",
        "WITH bounds AS (SELECT MIN(n) AS lo, MAX(n) AS hi FROM data) SELECT * FROM data CROSS JOIN bounds",
        // A UNION stacks its parts.
        "SELECT * FROM (SELECT n FROM data UNION ALL SELECT n FROM data) AS u, data b",
    ] {
        assert_eq!(check(query), Ok(()), "{query}");
    }
    assert_eq!(check(&slow_query()), Ok(()));
}

/// agent-service's own slow query, which other crates' tests keep Polars busy with.
#[cfg(feature = "testing")]
#[test]
fn the_scripted_providers_slow_query_is_allowed() {
    assert_eq!(check(&crate::testing::slow_query()), Ok(()));
}

#[tokio::test]
async fn a_three_way_join_on_keys_runs_and_answers() {
    let scratch = Scratch::new();
    let dataset = spec(&scratch.write("sales.csv", SALES), csv());
    let output = run(
        &Datasets::new(4),
        &dataset,
        "SELECT count(*) AS n FROM data a, data b, data c WHERE a.sales = b.sales AND b.sales = c.sales",
    )
    .await
    .expect("a join on keys");
    assert_eq!(column(&output, "n"), [&json!(10)]);
}

#[test]
fn pads_and_repeats_past_the_cap_or_of_no_literal_length_are_refused() {
    for query in [
        "SELECT lpad(region, 100000000, 'x') FROM data",
        "SELECT LPAD(region, 10001) FROM data",
        "SELECT RPad(region, 1e9, ' ') AS s FROM data",
        "SELECT \"rpad\"(region, 20000, ' ') FROM data",
        "SELECT pg_catalog.lpad(region, 100000) FROM data",
        "SELECT repeat('ab', 6000) FROM data",
        "SELECT REPEAT(region, 1000000) FROM data",
        "SELECT repeat(lpad('x', 5000), 3) FROM data",
        "SELECT length(upper(lpad(region, 50000, '-'))) AS n FROM data",
        "SELECT * FROM data WHERE lpad(region, 99999) = 'x'",
        "SELECT region FROM data ORDER BY rpad(region, 1000000)",
        "WITH w AS (SELECT rpad(region, 1000000) AS s FROM data) SELECT count(*) FROM w",
        "SELECT * FROM data WHERE region IN (SELECT lpad(region, 123456) FROM data)",
    ] {
        assert_refused_naming(query, "at most 10000");
    }
    for query in [
        "SELECT lpad(region, units) FROM data",
        "SELECT lpad(region, 10 * 1000) FROM data",
        "SELECT lpad(region, CAST('100000000' AS INT)) FROM data",
        "SELECT rpad(region, (SELECT max(units) FROM data)) FROM data",
        "SELECT repeat('x', units) FROM data",
        "SELECT concat(region, lpad(region, '100000')) FROM data",
    ] {
        assert_refused_naming(query, "must be a number written in the query");
    }
    for query in [
        "SELECT lpad(region, 10, '0') FROM data",
        "SELECT rpad(region, 10000) FROM data",
        "SELECT repeat('ab', 5000)",
        "SELECT lpad(region, -1) FROM data",
    ] {
        assert_eq!(check(query), Ok(()), "{query}");
    }
}

#[tokio::test]
async fn a_small_pad_runs_and_a_huge_one_never_opens_the_dataset() {
    let scratch = Scratch::new();
    let dataset = spec(&scratch.write("sales.csv", SALES), csv());
    let datasets = Datasets::new(4);
    let huge = run(
        &datasets,
        &dataset,
        "SELECT lpad(region, 100000000, '.') AS r FROM data",
    )
    .await;
    assert!(matches!(huge, Err(SqlError::Refused { .. })), "{huge:?}");
    assert!(datasets.is_empty());
    let small = run(
        &datasets,
        &dataset,
        "SELECT lpad(region, 8, '.') AS r FROM data ORDER BY r LIMIT 1",
    )
    .await
    .expect("a small pad");
    assert_eq!(column(&small, "r"), [&json!("....East")]);
}

#[test]
fn ctes_named_like_table_functions_or_the_table_are_refused_as_reserved() {
    for (query, named) in [
        (
            "WITH read_csv AS (SELECT * FROM data) SELECT * FROM read_csv",
            "read_csv",
        ),
        (
            "WITH READ_PARQUET AS (SELECT * FROM data) SELECT * FROM READ_PARQUET",
            "READ_PARQUET",
        ),
        (
            "WITH x AS (SELECT 1 AS one), read_json AS (SELECT * FROM data) SELECT * FROM x",
            "read_json",
        ),
        (
            "WITH \"read_ipc\" AS (SELECT * FROM data) SELECT * FROM \"read_ipc\"",
            "read_ipc",
        ),
        (
            "SELECT * FROM (WITH read_csv AS (SELECT * FROM data) SELECT * FROM read_csv) AS t",
            "read_csv",
        ),
        (
            "WITH data AS (SELECT 1 AS one) SELECT * FROM data",
            "the dataset's table",
        ),
    ] {
        assert_refused_naming(query, named);
        assert_refused_naming(query, "is reserved");
    }
    // Every table function Polars knows, so that a new one is reserved too.
    let table_functions: Vec<&str> = polars::sql::keywords::all_functions()
        .into_iter()
        .filter(|name| name.starts_with("read_"))
        .collect();
    assert!(table_functions.contains(&"read_csv"), "{table_functions:?}");
    for name in table_functions {
        assert_refused_naming(
            &format!("WITH {name} AS (SELECT * FROM data) SELECT * FROM {name}"),
            "is reserved",
        );
    }
}

#[tokio::test]
async fn by_default_two_queries_run_at_once() {
    let scratch = Scratch::new();
    let slow = busy_dataset(&scratch);
    let datasets = Datasets::new(4);
    let hold = CancellationToken::new();
    let first = spawn_query(&datasets, &slow, slow_query(), &hold);
    let second = spawn_query(&datasets, &slow, slow_query(), &hold);
    until(|| datasets.running_queries() == MAX_CONCURRENT_QUERIES).await;
    let third = datasets
        .execute(&slow, "SELECT 1 AS one", within(Duration::from_millis(200)), &hold)
        .await;
    assert_eq!(
        third,
        Err(SqlError::Timeout {
            after: Duration::from_millis(200)
        })
    );
    hold.cancel();
    for query in [first, second] {
        assert_eq!(query.await.expect("join"), Err(SqlError::Cancelled));
    }
}

/// Datasets with one place for a query, taken by a slow query (running, its dataset
/// opened) until `hold` is cancelled; and the sales dataset for a second query.
async fn one_place_taken(
    scratch: &Scratch,
) -> (
    Datasets,
    DatasetSpec,
    CancellationToken,
    tokio::task::JoinHandle<Result<QueryOutput, SqlError>>,
) {
    let slow = busy_dataset(scratch);
    let sales = spec(&scratch.write("sales.csv", SALES), csv());
    let datasets = Datasets::new(4).with_max_concurrent_queries(1);
    let hold = CancellationToken::new();
    let running = spawn_query(&datasets, &slow, slow_query(), &hold);
    until(|| datasets.running_queries() == 1 && datasets.len() == 1).await;
    (datasets, sales, hold, running)
}

#[tokio::test]
async fn a_query_waits_for_its_place_within_its_own_deadline() {
    let scratch = Scratch::new();
    let (datasets, sales, hold, running) = one_place_taken(&scratch).await;

    let started = Instant::now();
    let waited = datasets
        .execute(
            &sales,
            "SELECT * FROM data",
            within(Duration::from_millis(300)),
            &CancellationToken::new(),
        )
        .await;
    let elapsed = started.elapsed();
    assert_eq!(
        waited,
        Err(SqlError::Timeout {
            after: Duration::from_millis(300)
        })
    );
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    assert_eq!(datasets.len(), 1, "the waiting query opened its dataset");

    // A query with time to wait runs once the place is free.
    let next = spawn_query(
        &datasets,
        &sales,
        "SELECT count(*) AS n FROM data".into(),
        &CancellationToken::new(),
    );
    tokio::task::yield_now().await;
    hold.cancel();
    assert_eq!(running.await.expect("join"), Err(SqlError::Cancelled));
    let output = next.await.expect("join").expect("the waiting query");
    assert_eq!(column(&output, "n"), [&json!(10)]);
}

#[tokio::test]
async fn a_cancelled_waiter_stops_waiting_at_once() {
    let scratch = Scratch::new();
    let (datasets, sales, hold, running) = one_place_taken(&scratch).await;

    let give_up = CancellationToken::new();
    let waiter = spawn_query(&datasets, &sales, "SELECT * FROM data".into(), &give_up);
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    let cancelled = Instant::now();
    give_up.cancel();
    let result = waiter.await.expect("join");
    let took = cancelled.elapsed();
    assert_eq!(result, Err(SqlError::Cancelled));
    assert!(
        took < Duration::from_millis(500),
        "returned {took:?} after its cancellation"
    );
    assert_eq!(datasets.running_queries(), 1, "the slow query lost its place");
    assert_eq!(datasets.len(), 1, "the cancelled waiter opened its dataset");

    hold.cancel();
    assert_eq!(running.await.expect("join"), Err(SqlError::Cancelled));
}

#[tokio::test]
async fn a_timed_out_query_gives_its_place_back_once_polars_has_stopped() {
    let scratch = Scratch::new();
    let slow = slow_dataset(&scratch);
    let datasets = Datasets::new(4).with_max_concurrent_queries(1);
    let result = datasets
        .execute(
            &slow,
            &slow_query(),
            within(Duration::from_millis(200)),
            &CancellationToken::new(),
        )
        .await;
    assert!(matches!(result, Err(SqlError::Timeout { .. })), "{result:?}");
    let stopping = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), datasets.until_idle())
        .await
        .expect("the query's thread was still running 10 s after its deadline");
    // The UNION stops at its next part (about a tenth of a second here).
    assert!(stopping.elapsed() < Duration::from_secs(5), "{:?}", stopping.elapsed());
    let after = run(&datasets, &slow, "SELECT count(*) AS n FROM data")
        .await
        .expect("the next query");
    assert_eq!(column(&after, "n"), [&json!(1000)]);
}

#[tokio::test]
async fn a_join_polars_has_started_keeps_its_place_until_it_ends() {
    let scratch = Scratch::new();
    // 36 million pairs: one plan node, which Polars does not stop midway.
    let dataset = numbers(&scratch, 6_000);
    let datasets = Datasets::new(8).with_max_concurrent_queries(1);
    let join = "SELECT count(*) AS c FROM data a CROSS JOIN data b WHERE (a.n * b.n) % 7 = 3";
    let started = Instant::now();
    run(&datasets, &dataset, join).await.expect("the whole join");
    let whole = started.elapsed();
    // A deadline well after planning (milliseconds) and well before the join's end, on
    // a fast machine or a loaded one.
    let timeout = (whole / 4).max(Duration::from_millis(20));
    let result = datasets
        .execute(&dataset, join, within(timeout), &CancellationToken::new())
        .await;
    assert_eq!(result, Err(SqlError::Timeout { after: timeout }));
    assert_eq!(
        datasets.running_queries(),
        1,
        "the join gave its place back before it ended"
    );

    // Queries arriving meanwhile wait instead of starting threads of their own.
    let others: Vec<DatasetSpec> = (0..3).map(|_| spec(&dataset.path, csv())).collect();
    for other in &others {
        let waited = datasets
            .execute(
                other,
                "SELECT * FROM data",
                within(Duration::from_millis(5)),
                &CancellationToken::new(),
            )
            .await;
        assert!(matches!(waited, Err(SqlError::Timeout { .. })), "{waited:?}");
    }
    assert_eq!(datasets.len(), 1, "a query started while the join held the place");

    tokio::time::timeout(Duration::from_secs(60), datasets.until_idle())
        .await
        .expect("the join was still running a minute after its deadline");
    assert_eq!(datasets.running_queries(), 0);
}
