//! Running a bank: the first bank's expected answers computed with Polars on a thread of
//! their own, a world over a dataset, each question asked through the analysis graph, and
//! the verdict on its answer ([`super::verdict`]).

use std::sync::Arc;

use polars::prelude::*;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::super::Offline;
use super::tally::Tally;
use super::verdict::{Want, Wanted, verdict};
use super::{Bank, Case, Check, Compute, Expected};
use crate::analysis::Analysis;
use crate::analysis::scripted::{Deps, World, world_with};
use crate::domain::SessionId;
use crate::events::Event;
use crate::graph::{Event as GraphEvent, RunId};
use crate::sql::DateColumn;
use crate::table::Table;
use crate::values::Values;

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

pub(super) async fn ask(deps: &Deps, data: &Analysis, question: &str) -> Answer {
    let graph = deps.graph();
    let (sender, mut receiver) = mpsc::channel(256);
    let mut state = data.clone();
    state.context.question = question.into();
    state.scope = deps.scope.clone();
    let run = graph.run(RunId::new(), state, CancellationToken::new(), sender);
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
    Answer {
        state: outcome.expect("the run ends"),
        content,
        statuses,
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

pub(super) fn text(content: &[Event]) -> String {
    content
        .iter()
        .filter_map(|event| match event {
            Event::Text { delta } => Some(delta.as_str()),
            _ => None,
        })
        .collect()
}

pub(super) fn tables(content: &[Event]) -> Vec<&Table> {
    content
        .iter()
        .filter_map(|event| match event {
            Event::Table(table) => Some(table),
            _ => None,
        })
        .collect()
}

/// What `case`'s answer must be, given its expected value.
fn want<'a>(case: &'a Case, expected: Option<&'a Expected>) -> Want<'a> {
    let wanted = match (&case.check, expected) {
        (Check::Number(_), Some(expected)) => Wanted::Number(expected),
        (Check::Rows(_), Some(expected)) => Wanted::Rows(expected.value),
        (Check::Number(_) | Check::Rows(_), None) => unreachable!("a computed check has its value"),
        (Check::NotUnderstood | Check::Talk, _) => Wanted::NoQuery { naming: None },
    };
    Want {
        wanted,
        content: Some(case.content),
        says: &case.says,
    }
}

/// A world over the bank's dataset, its date columns read as file-service reports them.
pub(super) async fn world(bank: &Bank) -> World {
    let path = format!("{}/tests/data/{}", env!("CARGO_MANIFEST_DIR"), bank.name);
    world_of(&path, bank.dates).await
}

/// A world over the CSV at `path`, with these date columns (name, format).
pub(super) async fn world_of(path: &str, dates: &[(&str, &str)]) -> World {
    let csv = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{path}: {error}"));
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut world = world_with(Arc::new(Offline::new()), name, &csv).await;
    world.deps.dataset.date_columns = dates
        .iter()
        .map(|(name, format)| DateColumn {
            name: (*name).into(),
            format: (*format).into(),
        })
        .collect();
    world
}

/// A run over the world's dataset before its question: the columns and what they hold,
/// read as the driver reads them.
pub(super) async fn data(deps: &Deps) -> Analysis {
    let cancel = CancellationToken::new();
    let schema = deps
        .datasets
        .schema(&deps.dataset, deps.limits, &cancel)
        .await
        .expect("the dataset reads");
    let values = Values::read(&deps.datasets, &deps.dataset, &schema, deps.limits, &cancel)
        .await
        .expect("not cancelled");
    Analysis::new(deps.scope.clone(), deps.dataset.clone(), "", schema).with_values(values)
}

/// Asks every question of `bank` and tallies the verdicts.
pub(super) async fn run(bank: Bank) -> Tally {
    let expected = expectations(&bank);
    let world = world(&bank).await;
    let data = data(&world.deps).await;
    let mut tally = Tally::default();
    for (cases, expected) in bank.conversations.iter().zip(&expected) {
        let mut deps = world.deps.clone();
        deps.scope.session = SessionId(Uuid::new_v4());
        for (case, expected) in cases.iter().zip(expected) {
            let answer = ask_verbosely(&deps, &data, case.question).await;
            let verdict = verdict(
                &want(case, expected.as_ref()),
                case.question,
                &data.context.schema,
                &answer,
            );
            tally.add(format!("[{}] \"{}\"", bank.name, case.question), verdict);
        }
    }
    tally
}

/// [`ask`], printing the question, its queries and the answer when `OFFLINE_BANK_VERBOSE`
/// is set.
pub(super) async fn ask_verbosely(deps: &Deps, data: &Analysis, question: &str) -> Answer {
    let answer = ask(deps, data, question).await;
    if std::env::var_os("OFFLINE_BANK_VERBOSE").is_some() {
        let sql = queries(&answer.content);
        println!("Q: {question}\n   SQL: {sql:?}\n   A: {}", text(&answer.content));
    }
    answer
}
