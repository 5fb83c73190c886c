//! Running the bank: the expected answers computed with Polars on a thread of their own,
//! each question asked through the analysis graph, and the verdict on its answer.

use std::sync::Arc;

use polars::prelude::*;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::super::{Offline, sentence};
use super::{Bank, Case, Check, Compute, Expected};
use crate::analysis::scripted::{World, world_with};
use crate::analysis::{self, Analysis, Deps};
use crate::domain::SessionId;
use crate::events::Event;
use crate::graph::{Event as GraphEvent, Outcome, RunId};
use crate::sql::{DateColumn, Limits};
use crate::table::Table;

/// The dataset `name` of `tests/data`, its text.
fn csv(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The dataset as a frame, its date columns parsed; read here, not through the analyst.
fn frame(bank_name: &str, dates: &[(&str, &str)]) -> PolarsResult<LazyFrame> {
    let path = format!("{}/tests/data/{bank_name}", env!("CARGO_MANIFEST_DIR"));
    let frame = LazyCsvReader::new(PlRefPath::new(path.as_str()))
        .with_has_header(true)
        .finish()?;
    let parsed: Vec<Expr> = dates
        .iter()
        .map(|(name, format)| {
            let options = StrptimeOptions {
                format: Some((*format).into()),
                ..StrptimeOptions::default()
            };
            if format.contains("%H") {
                col(*name)
                    .str()
                    .to_datetime(Some(TimeUnit::Microseconds), None, options, lit("raise"))
            } else {
                col(*name).str().to_date(options)
            }
        })
        .collect();
    Ok(if parsed.is_empty() {
        frame
    } else {
        frame.with_columns(parsed)
    })
}

/// Every expected answer of `bank`, computed on a thread of its own (Polars must not run
/// on the runtime's thread).
fn expectations(bank: &Bank) -> Vec<Vec<Option<Expected>>> {
    let name = bank.name;
    let dates = bank.dates;
    let computes: Vec<Vec<Option<Compute>>> = bank
        .conversations
        .iter()
        .map(|cases| {
            cases
                .iter()
                .map(|case| match case.check {
                    Check::Number(compute) | Check::Rows(compute) => Some(compute),
                    Check::NotUnderstood | Check::Talk => None,
                })
                .collect()
        })
        .collect();
    std::thread::spawn(move || {
        let frame = frame(name, dates).expect("the dataset reads");
        computes
            .into_iter()
            .map(|cases| {
                cases
                    .into_iter()
                    .map(|compute| compute.map(|compute| compute(frame.clone()).expect("expected value")))
                    .collect()
            })
            .collect()
    })
    .join()
    .expect("the expectations")
}

/// One answer: the final state, the content events and the nodes that reported status.
pub(super) struct Answer {
    pub(super) state: Analysis,
    pub(super) content: Vec<Event>,
    pub(super) statuses: Vec<String>,
}

pub(super) async fn ask(deps: &Deps, schema: &[crate::table::Column], question: &str) -> Answer {
    let graph = analysis::graph(deps.clone()).expect("a valid graph");
    let (sender, mut receiver) = mpsc::channel(256);
    let run = graph.run(
        RunId::new(),
        Analysis::new(question, schema.to_vec()),
        CancellationToken::new(),
        sender,
    );
    let collect = async {
        let mut content = Vec::new();
        let mut statuses = Vec::new();
        while let Some(event) = receiver.recv().await {
            match event {
                GraphEvent::Custom(event) => content.push(event),
                GraphEvent::NodeStarted { node, .. } => statuses.push(node),
                _ => {}
            }
        }
        (content, statuses)
    };
    let (outcome, (content, statuses)) = tokio::join!(run, collect);
    match outcome.expect("the run ends") {
        Outcome::Finished(state) => Answer {
            state,
            content,
            statuses,
        },
        other => panic!("not finished: {other:?}"),
    }
}

/// The queries an answer showed, in order.
pub(super) fn queries(content: &[Event]) -> Vec<&str> {
    content
        .iter()
        .filter_map(|event| match event {
            Event::Code { source, .. } => Some(source.as_str()),
            _ => None,
        })
        .collect()
}

/// The content kinds, a run of `code` events (a query retried) counted once.
fn kinds(content: &[Event]) -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = content.iter().map(Event::kind).collect();
    kinds.dedup_by(|a, b| *a == "code" && *b == "code");
    kinds
}

fn text(content: &[Event]) -> String {
    content
        .iter()
        .filter_map(|event| match event {
            Event::Text { delta } => Some(delta.as_str()),
            _ => None,
        })
        .collect()
}

fn tables(content: &[Event]) -> Vec<&Table> {
    content
        .iter()
        .filter_map(|event| match event {
            Event::Table(table) => Some(table),
            _ => None,
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Whether a row of `table` holds `expected` (and its label).
fn holds(table: &Table, expected: &Expected) -> bool {
    table.rows.iter().any(|row| {
        let number = row
            .iter()
            .any(|cell| cell.as_f64().is_some_and(|x| close(x, expected.value)));
        let labelled = expected.label.as_ref().is_none_or(|label| {
            row.iter()
                .any(|cell| cell.as_str().is_some_and(|text| text.starts_with(label.as_str())))
        });
        number && labelled
    })
}

/// Why `answer` is wrong for `case`, if it is.
fn verdict(case: &Case, expected: Option<&Expected>, answer: &Answer) -> Result<(), String> {
    let said = text(&answer.content);
    let kinds = kinds(&answer.content);
    if kinds != case.content {
        return Err(format!("content {kinds:?}, wanted {:?}; said: {said}", case.content));
    }
    let route = answer.statuses.iter().any(|node| node == "route");
    let queried = answer.statuses.iter().any(|node| node == "execute");
    let wants_query = case.content.contains(&"code");
    if !route || queried != wants_query {
        return Err(format!("status events {:?}", answer.statuses));
    }
    for text in &case.says {
        if !said.contains(text) {
            return Err(format!("does not say \"{text}\": {said}"));
        }
    }
    let tables = tables(&answer.content);
    match (&case.check, expected) {
        (Check::NotUnderstood | Check::Talk, _) => {
            if !answer.state.tasks.is_empty() || !said.contains("\n- ") {
                return Err(format!("no suggestions: {said}"));
            }
        }
        (Check::Number(_), Some(expected)) => {
            if !tables.iter().any(|table| holds(table, expected)) {
                return Err(format!("no cell holds {expected:?}: {tables:?}"));
            }
            let number = sentence::number(expected.value);
            if !said.contains(&number) {
                return Err(format!("the sentence does not state {number}: {said}"));
            }
            if let Some(label) = &expected.label
                && !said.contains(label.as_str())
            {
                return Err(format!("the sentence does not name {label}: {said}"));
            }
        }
        (Check::Rows(_), Some(expected)) => {
            let rows = tables.first().map_or(0, |table| table.rows.len());
            if !close(rows as f64, expected.value) {
                return Err(format!("{rows} rows, wanted {}", expected.value));
            }
            let number = sentence::number(expected.value);
            if !said.contains(&number) {
                return Err(format!("the sentence does not state {number}: {said}"));
            }
        }
        (_, None) => return Err("nothing expected".into()),
    }
    Ok(())
}

/// A world over the bank's dataset, its date columns read as file-service reports them.
pub(super) async fn world(bank: &Bank) -> World {
    let mut world = world_with(Arc::new(Offline::new()), bank.name, &csv(bank.name)).await;
    world.deps.dataset.date_columns = bank
        .dates
        .iter()
        .map(|(name, format)| DateColumn {
            name: (*name).into(),
            format: (*format).into(),
        })
        .collect();
    world
}

/// The columns of the world's dataset, as the driver reads them.
pub(super) async fn schema(deps: &Deps) -> Vec<crate::table::Column> {
    let limits = Limits {
        max_rows: 0,
        ..deps.limits
    };
    deps.datasets
        .execute(
            &deps.dataset,
            "SELECT * FROM data LIMIT 0",
            limits,
            &CancellationToken::new(),
        )
        .await
        .expect("the dataset reads")
        .table
        .columns
}

/// Asks every question of `bank`; returns how many were answered correctly, of how many,
/// and the failures.
pub(super) async fn run(bank: Bank) -> (usize, usize, Vec<String>) {
    let expected = expectations(&bank);
    let world = world(&bank).await;
    let schema = schema(&world.deps).await;
    let mut passed = 0;
    let mut total = 0;
    let mut failures = Vec::new();
    for (cases, expected) in bank.conversations.iter().zip(&expected) {
        let mut deps = world.deps.clone();
        deps.scope.session = SessionId(Uuid::new_v4());
        for (case, expected) in cases.iter().zip(expected) {
            total += 1;
            let answer = ask(&deps, &schema, case.question).await;
            if std::env::var_os("OFFLINE_BANK_VERBOSE").is_some() {
                let sql = queries(&answer.content);
                println!("Q: {}\n   SQL: {sql:?}\n   A: {}", case.question, text(&answer.content));
            }
            match verdict(case, expected.as_ref(), &answer) {
                Ok(()) => passed += 1,
                Err(why) => failures.push(format!("[{}] \"{}\": {why}", bank.name, case.question)),
            }
        }
    }
    (passed, total, failures)
}
