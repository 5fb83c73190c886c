//! The executor end to end over small generated datasets in a temporary directory, and
//! the helpers the other test modules of `sql` share.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use polars::prelude::*;
use polars::sql::SQLContext;
use serde_json::json;
use sextant_dataset::INFER_SCHEMA_ROWS;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::*;
use crate::table::ColumnKind;

/// A temporary directory, removed when dropped.
pub(super) struct Scratch(pub(super) tempfile::TempDir);

impl Scratch {
    pub(super) fn new() -> Self {
        Self(tempfile::tempdir().expect("scratch directory"))
    }

    pub(super) fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, contents).expect("write fixture");
        path
    }
}

/// Ten sales rows: regions North (4), South (3), East (3); sales 10, 20, ..., 100.
pub(super) const SALES: &str = "region,month,sales,units\n\
    North,2023-01-31,10,1\nSouth,2023-01-31,20,2\nEast,2023-01-31,30,3\n\
    North,2023-02-28,40,4\nSouth,2023-02-28,50,5\nEast,2023-02-28,60,6\n\
    North,2023-03-31,70,7\nSouth,2023-03-31,80,8\nEast,2023-03-31,90,9\n\
    North,2023-04-30,100,10\n";

pub(super) fn spec(path: &Path, format: DatasetFormat) -> DatasetSpec {
    DatasetSpec {
        file_id: Uuid::new_v4(),
        path: path.to_owned(),
        format,
        date_columns: Vec::new(),
    }
}

pub(super) fn csv() -> DatasetFormat {
    DatasetFormat::Csv { delimiter: b',' }
}

pub(super) async fn run(datasets: &Datasets, dataset: &DatasetSpec, query: &str) -> Result<QueryOutput, SqlError> {
    datasets
        .execute(dataset, query, Limits::default(), &CancellationToken::new())
        .await
}

pub(super) fn column<'a>(output: &'a QueryOutput, name: &str) -> Vec<&'a serde_json::Value> {
    let (at, _) = output.table.column(name).expect("column");
    output.table.rows.iter().map(|row| &row[at]).collect()
}

/// Why [`check`] refused `query`; panics when it did not.
pub(super) fn refusal(query: &str) -> String {
    match check(query) {
        Err(SqlError::Refused { reason }) => reason,
        other => panic!("{query:?} was not refused: {other:?}"),
    }
}

pub(super) fn assert_refused_naming(query: &str, named: &str) {
    let reason = refusal(query);
    assert!(reason.contains(named), "{query:?}: {reason:?} does not name {named:?}");
}

#[tokio::test]
async fn refused_read_csv_reads_nothing() {
    let scratch = Scratch::new();
    let secret = scratch.write("secret.csv", "password\nhunter2\n");
    let steal = format!("SELECT * FROM read_csv('{}')", secret.display());
    // Unguarded, Polars reads the file: the refusal below is what stops it. (Polars
    // blocks, and panics when it blocks on a one-thread runtime's thread.)
    let unguarded = steal.clone();
    let stolen =
        tokio::task::spawn_blocking(move || SQLContext::new().execute(&unguarded).and_then(LazyFrame::collect))
            .await
            .expect("join")
            .expect("Polars alone reads any path");
    assert_eq!(
        stolen.column("password").expect("column").str().expect("text").get(0),
        Some("hunter2")
    );

    // The dataset does not exist: opening it would fail with `Dataset`, so a `Refused`
    // shows the check ran before anything was opened.
    let datasets = Datasets::new(4);
    let dataset = spec(&scratch.0.path().join("never-written.csv"), csv());
    for query in [steal.as_str(), "SELECT * FROM read_csv('/etc/passwd')"] {
        match run(&datasets, &dataset, query).await {
            Err(SqlError::Refused { reason }) => assert!(reason.contains("read_csv"), "{reason}"),
            other => panic!("{query}: not refused: {other:?}"),
        }
    }
    assert!(datasets.is_empty(), "a refused query opened its dataset");
}

#[tokio::test]
async fn every_kind_of_refusal_is_refused_before_the_dataset_opens() {
    let scratch = Scratch::new();
    let datasets = Datasets::new(4);
    let dataset = spec(&scratch.0.path().join("never-written.csv"), csv());
    for query in [
        "SELECT 1; DROP TABLE data",
        "SELECT * FROM read_parquet('/etc/passwd')",
        "SELECT * FROM data JOIN read_json('/etc/passwd') AS j ON true",
        "CREATE TABLE copy AS SELECT * FROM data",
        "DROP TABLE data",
        "INSERT INTO data VALUES ('x', '2023-01-01', 1, 1)",
        "DELETE FROM data",
        "SELECT * INTO copy FROM data",
        "SELECT * FROM other",
        "SELECT * FROM data WHERE region IN (SELECT region FROM other)",
        "COPY data TO '/tmp/out.csv'",
        "EXPLAIN SELECT * FROM data",
        "SHOW TABLES",
    ] {
        assert!(
            matches!(run(&datasets, &dataset, query).await, Err(SqlError::Refused { .. })),
            "{query}"
        );
    }
    assert!(datasets.is_empty());
}

#[tokio::test]
async fn a_select_over_data_returns_typed_columns_and_json_cells() {
    let scratch = Scratch::new();
    let dataset = spec(&scratch.write("sales.csv", SALES), csv());
    let datasets = Datasets::new(4);
    let output = run(
        &datasets,
        &dataset,
        "SELECT region, sum(sales) AS total, avg(units) AS mean_units, count(*) AS n \
         FROM data GROUP BY region ORDER BY total DESC",
    )
    .await
    .expect("query");
    let kinds: Vec<ColumnKind> = output.table.columns.iter().map(|column| column.kind).collect();
    assert_eq!(
        kinds,
        [
            ColumnKind::Text,
            ColumnKind::Number,
            ColumnKind::Number,
            ColumnKind::Number
        ]
    );
    assert_eq!(
        output.table.rows,
        [
            vec![json!("North"), json!(220), json!(5.5), json!(4)],
            vec![json!("East"), json!(180), json!(6.0), json!(3)],
            vec![json!("South"), json!(150), json!(5.0), json!(3)],
        ]
    );
    assert!(!output.table.truncated);
    assert!(output.elapsed > Duration::ZERO);
    assert_eq!(datasets.len(), 1);
}

#[tokio::test]
async fn ctes_windows_qualify_and_self_joins_are_answered_correctly() {
    let scratch = Scratch::new();
    let dataset = spec(&scratch.write("sales.csv", SALES), csv());
    let datasets = Datasets::new(4);
    // The best month of each region, against the region's total.
    let best = run(
        &datasets,
        &dataset,
        "WITH totals AS (SELECT region, sum(sales) AS total FROM data GROUP BY region) \
         SELECT d.region, d.sales, t.total \
         FROM data AS d JOIN totals AS t ON d.region = t.region \
         QUALIFY row_number() OVER (PARTITION BY d.region ORDER BY d.sales DESC) = 1 \
         ORDER BY d.region",
    )
    .await
    .expect("cte, window and qualify");
    assert_eq!(
        best.table.rows,
        [
            vec![json!("East"), json!(90), json!(180)],
            vec![json!("North"), json!(100), json!(220)],
            vec![json!("South"), json!(80), json!(150)],
        ]
    );
    // Pairs of months of one region where the later one sold more.
    let pairs = run(
        &datasets,
        &dataset,
        "SELECT a.region, count(*) AS rises FROM data AS a JOIN data AS b \
         ON a.region = b.region WHERE a.month < b.month AND a.sales < b.sales \
         GROUP BY a.region ORDER BY a.region",
    )
    .await
    .expect("self-join");
    assert_eq!(column(&pairs, "rises"), [&json!(3), &json!(6), &json!(3)]);
}

#[tokio::test]
async fn the_row_cap_cuts_the_result_and_sets_truncated() {
    let scratch = Scratch::new();
    let dataset = spec(&scratch.write("sales.csv", SALES), csv());
    let datasets = Datasets::new(4);
    let limits = |max_rows| Limits {
        max_rows,
        timeout: Duration::from_secs(30),
    };
    let cancel = CancellationToken::new();
    let capped = datasets
        .execute(&dataset, "SELECT * FROM data ORDER BY sales", limits(3), &cancel)
        .await
        .expect("capped");
    assert!(capped.table.truncated);
    assert_eq!(column(&capped, "sales"), [&json!(10), &json!(20), &json!(30)]);
    let whole = datasets
        .execute(&dataset, "SELECT * FROM data", limits(10), &cancel)
        .await
        .expect("whole");
    assert!(!whole.table.truncated);
    assert_eq!(whole.table.rows.len(), 10);
}

#[tokio::test]
async fn an_unknown_column_is_invalid_with_the_reason_polars_gives() {
    let scratch = Scratch::new();
    let dataset = spec(&scratch.write("sales.csv", SALES), csv());
    match run(&Datasets::new(4), &dataset, "SELECT revenue FROM data").await {
        Err(SqlError::Invalid { message }) => {
            assert!(message.contains("revenue"), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
        other => panic!("not invalid: {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_dataset_is_a_dataset_error() {
    let scratch = Scratch::new();
    let dataset = spec(&scratch.0.path().join("gone.csv"), csv());
    let result = run(&Datasets::new(4), &dataset, "SELECT * FROM data").await;
    assert!(matches!(result, Err(SqlError::Dataset { .. })), "{result:?}");
}

/// The numbers from 0 to `rows - 1` in the column `n`.
pub(super) fn numbers(scratch: &Scratch, rows: usize) -> DatasetSpec {
    let mut text = String::from("n\n");
    for n in 0..rows {
        text.push_str(&format!("{n}\n"));
    }
    spec(&scratch.write(&format!("numbers-{rows}.csv"), text), csv())
}

/// 1,000 numbers: a cross join of them is a million rows.
pub(super) fn slow_dataset(scratch: &Scratch) -> DatasetSpec {
    numbers(scratch, 1_000)
}

/// Sixteen different cross joins (identical ones would be computed once and shared),
/// each a plan node Polars starts only if the query has not been cancelled (the row
/// cap makes Polars run the parts one after another): a second or more in all.
pub(super) fn slow_query() -> String {
    (0..16)
        .map(|shift| {
            format!(
                "SELECT count(*) AS c FROM data AS a CROSS JOIN (SELECT n + {shift} AS m FROM data) AS b \
                 WHERE (a.n * b.m) % 7 = 3"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

#[tokio::test]
async fn the_deadline_stops_a_slow_query_promptly() {
    let scratch = Scratch::new();
    let dataset = slow_dataset(&scratch);
    let limits = Limits {
        max_rows: 10,
        timeout: Duration::from_millis(300),
    };
    let started = Instant::now();
    let result = Datasets::new(4)
        .execute(&dataset, &slow_query(), limits, &CancellationToken::new())
        .await;
    let waited = started.elapsed();
    assert_eq!(
        result,
        Err(SqlError::Timeout {
            after: Duration::from_millis(300)
        })
    );
    assert!(waited < Duration::from_millis(800), "returned after {waited:?}");
}

#[tokio::test]
async fn cancellation_stops_a_slow_query_promptly() {
    let scratch = Scratch::new();
    let dataset = slow_dataset(&scratch);
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let result = Datasets::new(4)
        .execute(&dataset, &slow_query(), Limits::default(), &cancel)
        .await;
    let waited = started.elapsed();
    assert_eq!(result, Err(SqlError::Cancelled));
    assert!(waited < Duration::from_millis(700), "returned after {waited:?}");
}

#[tokio::test]
async fn an_already_cancelled_token_runs_nothing() {
    let scratch = Scratch::new();
    let datasets = Datasets::new(4);
    let dataset = spec(&scratch.write("sales.csv", SALES), csv());
    let cancel = CancellationToken::new();
    cancel.cancel();
    let result = datasets
        .execute(&dataset, "SELECT * FROM data", Limits::default(), &cancel)
        .await;
    assert_eq!(result, Err(SqlError::Cancelled));
    assert!(datasets.is_empty());
}

#[tokio::test]
async fn every_format_reads_the_same_columns() {
    let scratch = Scratch::new();
    let mut frame = CsvReadOptions::default()
        .with_has_header(true)
        .into_reader_with_file_handle(std::io::Cursor::new(SALES))
        .finish()
        .expect("frame");
    let parquet = scratch.0.path().join("sales.parquet");
    ParquetWriter::new(std::fs::File::create(&parquet).expect("create"))
        .finish(&mut frame)
        .expect("parquet");
    let objects: Vec<String> = SALES
        .lines()
        // The CSV's header line (an iterator skip, not a skipped test).
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            json!({ "region": cells[0], "month": cells[1], "sales": cells[2].parse::<i64>().ok(),
                    "units": cells[3].parse::<i64>().ok() })
            .to_string()
        })
        .collect();
    let datasets = Datasets::new(8);
    let formats = [
        (scratch.write("sales.csv", SALES), csv()),
        (scratch.write("sales.tsv", SALES.replace(',', "\t")), DatasetFormat::Tsv),
        (
            scratch.write("sales.semi", SALES.replace(',', ";")),
            DatasetFormat::Csv { delimiter: b';' },
        ),
        (scratch.write("bom.csv", format!("\u{feff}{SALES}")), csv()),
        (parquet, DatasetFormat::Parquet),
        (scratch.write("sales.ndjson", objects.join("\n")), DatasetFormat::Ndjson),
        (
            scratch.write("sales.json", format!("[{}]", objects.join(","))),
            DatasetFormat::Json,
        ),
    ];
    let query = "SELECT region, sum(sales) AS total FROM data GROUP BY region ORDER BY region";
    let mut answers = Vec::new();
    for (path, format) in &formats {
        let output = run(&datasets, &spec(path, *format), query).await.expect("query");
        let all = run(&datasets, &spec(path, *format), "SELECT * FROM data")
            .await
            .expect("all");
        let names: Vec<&str> = all.table.columns.iter().map(|column| column.name.as_str()).collect();
        assert_eq!(names, ["region", "month", "sales", "units"], "{format:?}");
        answers.push(output.table.rows);
    }
    assert!(answers.windows(2).all(|pair| pair[0] == pair[1]), "{answers:?}");
    assert_eq!(answers[0][0], [json!("East"), json!(180)]);
}

#[tokio::test]
async fn text_past_the_inferred_rows_is_read_again_with_every_row() {
    let scratch = Scratch::new();
    let mut text = String::from("code,amount\n");
    for n in 0..INFER_SCHEMA_ROWS + 10 {
        text.push_str(&format!("{n},1\n"));
    }
    text.push_str("X-1,1\n");
    let dataset = spec(&scratch.write("codes.csv", text), csv());
    let output = run(
        &Datasets::new(4),
        &dataset,
        "SELECT code, amount FROM data WHERE amount = 1 ORDER BY code DESC LIMIT 1",
    )
    .await
    .expect("query");
    assert_eq!(output.table.columns[0].kind, ColumnKind::Text);
    assert_eq!(output.table.rows, [vec![json!("X-1"), json!(1)]]);
}

#[tokio::test]
async fn ndjson_past_the_inferred_rows_is_read_again_with_every_row() {
    let scratch = Scratch::new();
    let mut text = String::new();
    for n in 0..INFER_SCHEMA_ROWS + 10 {
        text.push_str(&format!("{{\"code\": {n}}}\n"));
    }
    text.push_str("{\"code\": \"X-1\"}\n");
    let dataset = spec(&scratch.write("codes.ndjson", text), DatasetFormat::Ndjson);
    // The value that does not fit fails the read; the literal that does not fit the
    // inferred type fails the plan. Both are retried with every row inferred.
    for query in [
        "SELECT code FROM data ORDER BY code DESC LIMIT 1",
        "SELECT code FROM data WHERE code = 'X-1'",
    ] {
        let output = run(&Datasets::new(4), &dataset, query).await.expect(query);
        assert_eq!(output.table.columns[0].kind, ColumnKind::Text, "{query}");
        assert_eq!(output.table.rows, [vec![json!("X-1")]], "{query}");
    }
}

#[tokio::test]
async fn date_columns_are_parsed_in_the_format_file_service_recognised() {
    let scratch = Scratch::new();
    let path = scratch.write(
        "dates.csv",
        "day,at,v\n31/01/2023,2023-01-31 08:30:00,1\n01/02/2023,2023-02-01 09:00:00,2\n",
    );
    let dataset = DatasetSpec {
        date_columns: vec![
            DateColumn {
                name: "day".into(),
                format: "%d/%m/%Y".into(),
            },
            DateColumn {
                name: "at".into(),
                format: "%Y-%m-%d %H:%M:%S".into(),
            },
        ],
        ..spec(&path, csv())
    };
    let output = run(
        &Datasets::new(4),
        &dataset,
        "SELECT day, at, v FROM data WHERE day > DATE '2023-01-31'",
    )
    .await
    .expect("query");
    assert_eq!(output.table.columns[0].kind, ColumnKind::Temporal);
    assert_eq!(output.table.columns[1].kind, ColumnKind::Temporal);
    assert_eq!(
        output.table.rows,
        [vec![json!("2023-02-01"), json!("2023-02-01T09:00:00"), json!(2)]]
    );
}

#[tokio::test]
async fn the_cache_keeps_one_frame_per_file_and_forgets_the_least_recent() {
    let scratch = Scratch::new();
    let first = spec(&scratch.write("a.csv", SALES), csv());
    let second = spec(&scratch.write("b.csv", SALES), csv());
    let datasets = Datasets::new(1);
    run(&datasets, &first, "SELECT * FROM data").await.expect("first");
    run(&datasets, &first, "SELECT * FROM data").await.expect("first again");
    assert_eq!(datasets.len(), 1);
    run(&datasets, &second, "SELECT * FROM data").await.expect("second");
    assert_eq!(datasets.len(), 1);
    datasets.forget(second.file_id);
    assert!(datasets.is_empty());
}

#[test]
fn cancellation_reaches_the_running_polars_query() {
    let scratch = Scratch::new();
    let dataset = slow_dataset(&scratch);
    let datasets = Datasets::new(4);
    let timed = |timeout| {
        let started = Instant::now();
        let result = super::run::run_to_end(&datasets, &dataset, &slow_query(), timeout);
        (result, started.elapsed())
    };
    let (whole, uncut) = timed(Duration::from_secs(120));
    assert_eq!(whole.expect("the whole query").rows.len(), 16);
    let (stopped, cut) = timed(Duration::from_millis(100));
    assert!(matches!(stopped, Err(SqlError::Timeout { .. })), "{stopped:?}");
    assert!(
        cut < uncut / 2,
        "Polars ran {cut:?} of the {uncut:?} the whole query takes"
    );
}

#[tokio::test]
async fn a_small_dataset_is_read_once_and_queried_in_memory() {
    let scratch = Scratch::new();
    let path = scratch.write("small.csv", "n\n1\n2\n3\n");
    let dataset = spec(&path, csv());
    let datasets = Datasets::new(4);
    let first = run(&datasets, &dataset, "SELECT SUM(n) AS total FROM data")
        .await
        .expect("first");
    assert_eq!(column(&first, "total"), [&serde_json::json!(6)]);
    std::fs::remove_file(&path).expect("remove");
    let second = run(&datasets, &dataset, "SELECT COUNT(*) AS rows FROM data").await;
    assert_eq!(
        column(&second.expect("answered from memory"), "rows"),
        [&serde_json::json!(3)]
    );
}

#[tokio::test]
async fn a_dataset_over_the_memory_limit_is_scanned_for_every_query() {
    let scratch = Scratch::new();
    let path = scratch.write("large.csv", "n\n1\n2\n3\n");
    let dataset = spec(&path, csv());
    let datasets = Datasets::new(4).in_memory_up_to(0);
    run(&datasets, &dataset, "SELECT SUM(n) AS total FROM data")
        .await
        .expect("first");
    std::fs::remove_file(&path).expect("remove");
    let second = run(&datasets, &dataset, "SELECT COUNT(*) AS rows FROM data").await;
    assert!(matches!(second, Err(SqlError::Dataset { .. })), "{second:?}");
}

#[tokio::test]
async fn the_columns_of_a_dataset_in_memory_are_known_without_a_query() {
    let scratch = Scratch::new();
    let path = scratch.write("kinds.csv", "n,t,ok\n1,a,true\n2.5,b,false\n");
    let dataset = spec(&path, csv());
    let datasets = Datasets::new(4).with_max_concurrent_queries(1);
    let cancel = CancellationToken::new();
    let queried = datasets
        .schema(&dataset, Limits::default(), &cancel)
        .await
        .expect("schema by a query");
    let kinds: Vec<ColumnKind> = queried.iter().map(|column| column.kind).collect();
    assert_eq!(kinds, [ColumnKind::Number, ColumnKind::Text, ColumnKind::Boolean]);
    // That query read the file into memory. With the one place to run a query taken, a
    // query now waits past its deadline, and the columns are still known.
    let _only_place = datasets.query_permit().await.expect("a place");
    let limits = Limits {
        timeout: Duration::from_millis(50),
        ..Limits::default()
    };
    let waited = datasets
        .execute(&dataset, "SELECT * FROM data LIMIT 0", limits, &cancel)
        .await;
    assert!(matches!(waited, Err(SqlError::Timeout { .. })), "{waited:?}");
    let known = datasets
        .schema(&dataset, limits, &cancel)
        .await
        .expect("schema from memory");
    assert_eq!(known, queried);
}

#[tokio::test]
async fn missing_value_markers_are_nulls_and_a_lone_dash_is_text() {
    let scratch = Scratch::new();
    let path = scratch.write("marked.csv", "n,t,dash\n1,a,-\nNA,N/A,1\n3,None,-\n<NA>,,2\n");
    let dataset = spec(&path, csv());
    let datasets = Datasets::new(4);
    let kinds: Vec<ColumnKind> = datasets
        .schema(&dataset, Limits::default(), &CancellationToken::new())
        .await
        .expect("schema")
        .into_iter()
        .map(|column| column.kind)
        .collect();
    assert_eq!(kinds, [ColumnKind::Number, ColumnKind::Text, ColumnKind::Text]);
    // n: 1 and 3 (NA and <NA> missing); t: a alone (N/A, None and the empty field
    // missing); dash: every row.
    let output = run(
        &datasets,
        &dataset,
        "SELECT COUNT(n) AS n, SUM(n) AS total, COUNT(t) AS t, COUNT(dash) AS dash FROM data",
    )
    .await
    .expect("query");
    assert_eq!(output.table.rows, [vec![json!(2), json!(4), json!(1), json!(4)]]);
}

#[tokio::test]
async fn numbers_after_ten_thousand_missing_values_are_numbers() {
    let scratch = Scratch::new();
    let mut text = String::from("id,late\n");
    for id in 0..INFER_SCHEMA_ROWS {
        text.push_str(&format!("{id},NA\n"));
    }
    for late in 1..=10 {
        text.push_str(&format!("{},{late}\n", INFER_SCHEMA_ROWS + late - 1));
    }
    let dataset = spec(&scratch.write("late.csv", text), csv());
    let output = run(
        &Datasets::new(4),
        &dataset,
        "SELECT AVG(late) AS mean, COUNT(late) AS n, COUNT(*) AS rows FROM data",
    )
    .await
    .expect("query");
    assert_eq!(output.table.columns[0].kind, ColumnKind::Number);
    // 1 + 2 + ... + 10 = 55 over 10 values.
    assert_eq!(output.table.rows, [vec![json!(5.5), json!(10), json!(10_010)]]);
}

#[tokio::test]
async fn the_mean_body_mass_of_r_exported_penguins_counts_only_the_known_ones() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../file-service/tests/data/penguins.csv");
    let dataset = spec(&path, csv());
    let output = run(
        &Datasets::new(4),
        &dataset,
        "SELECT AVG(body_mass_g) AS mean, COUNT(body_mass_g) AS known, COUNT(*) - COUNT(sex) AS no_sex FROM data",
    )
    .await
    .expect("query");
    assert_eq!(output.table.columns[0].kind, ColumnKind::Number);
    let row = &output.table.rows[0];
    // The 342 masses that are not NA sum to 1,437,000 g (Python's csv module; pandas
    // 3.1's read_csv(...)["body_mass_g"].mean() agrees): 4201.754385964912 g.
    let mean = row[0].as_f64().expect("a number");
    assert!((mean - 1_437_000.0 / 342.0).abs() < 1e-9, "{mean}");
    assert_eq!((&row[1], &row[2]), (&json!(342), &json!(11)));
}
