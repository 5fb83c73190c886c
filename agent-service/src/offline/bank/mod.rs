//! The question bank of issue 5: questions over four datasets written out in
//! `tests/data` (sales with dates and regions, a survey with categories and nulls, sensor
//! readings over time, products with messy headers), each answered by the offline analyst
//! through the real analysis graph (real SQL executor, charts, memory in PostgreSQL and
//! Redis, checkpoints). Each expected number is computed here with the Polars DataFrame
//! API, independently of the analyst's SQL, and must be in the answer's table and sentence;
//! the content events (SQL, table, chart, text) are checked too. Conversations run in one
//! session, so follow-ups get their context from memory.
//!
//! [`public`] is the second bank (issue 11): questions about public datasets, with answers
//! computed by pandas outside the crate. Both banks judge an answer the same way
//! ([`verdict`]: CORRECT, REFUSED or WRONG) and print one line ([`tally`]),
//! `question bank NAME: C/T correct, R refused, W wrong (P%)`, then the answers that were
//! not correct.

mod products;
mod public;
mod run;
mod sales;
mod sensors;
mod survey;
mod tally;
mod verdict;

use polars::prelude::*;

use super::NOTE;

/// An answer with a number: the SQL, the table, the sentence.
pub const NUMBER: &[&str] = &["code", "table", "text"];
/// An answer with a chart.
pub const CHARTED: &[&str] = &["code", "table", "chart", "image", "text"];
/// An answer of two subtasks, the second charted.
pub const TWO_CHARTED: &[&str] = &["code", "table", "text", "table", "chart", "image", "text"];
/// An answer of two subtasks, neither charted.
pub const TWO: &[&str] = &["code", "table", "text", "table", "text"];
/// An answer without a query.
pub const TALK: &[&str] = &["text"];

/// What an answer must hold, computed from the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// The number.
    pub value: f64,
    /// Text in the same table row as the number (a group's name), and in the sentence.
    pub label: Option<String>,
}

/// How an expected answer is computed from the dataset.
pub type Compute = fn(LazyFrame) -> PolarsResult<Expected>;

/// What is checked.
pub enum Check {
    /// A cell holds the number (in the labelled row), and the sentence states it.
    Number(Compute),
    /// The table has the number of rows, and the sentence states it.
    Rows(Compute),
    /// The question is not understood: no query, and suggestions.
    NotUnderstood,
    /// The question talks rather than asks: no query, and suggestions.
    Talk,
}

/// One question and what its answer must be.
pub struct Case {
    question: &'static str,
    check: Check,
    content: &'static [&'static str],
    says: Vec<&'static str>,
}

impl Case {
    /// The answer also says `text`.
    pub fn says(mut self, text: &'static str) -> Self {
        self.says.push(text);
        self
    }
}

/// A question whose answer is the number `compute` gives, with these content events.
pub fn number(question: &'static str, compute: Compute, content: &'static [&'static str]) -> Case {
    Case {
        question,
        check: Check::Number(compute),
        content,
        says: Vec::new(),
    }
}

/// A question whose answer has as many rows as `compute` gives.
pub fn rows(question: &'static str, compute: Compute, content: &'static [&'static str]) -> Case {
    Case {
        question,
        check: Check::Rows(compute),
        content,
        says: Vec::new(),
    }
}

/// A question the analyst must say it does not understand.
pub fn not_understood(question: &'static str) -> Case {
    Case {
        question,
        check: Check::NotUnderstood,
        content: TALK,
        says: vec!["I did not understand"],
    }
}

/// A question answered without a query, saying `text`.
pub fn talk(question: &'static str, text: &'static str) -> Case {
    Case {
        question,
        check: Check::Talk,
        content: TALK,
        says: vec![text],
    }
}

/// A dataset and the conversations about it.
pub struct Bank {
    /// The file name.
    pub name: &'static str,
    /// Text columns that file-service would report as dates, with their format.
    pub dates: &'static [(&'static str, &'static str)],
    /// Conversations, each a session of its own.
    pub conversations: Vec<Vec<Case>>,
}

/// The number `value` (no label).
pub fn value(value: f64) -> Expected {
    Expected { value, label: None }
}

/// The first cell of `frame` as a number.
pub fn scalar(frame: LazyFrame, expr: Expr) -> PolarsResult<Expected> {
    let out = frame.select([expr.cast(DataType::Float64)]).collect()?;
    let value = out.columns()[0].f64()?.get(0).unwrap_or(f64::NAN);
    Ok(Expected::from(value))
}

impl From<f64> for Expected {
    fn from(value: f64) -> Self {
        self::value(value)
    }
}

/// The group of `by` with the largest (or, `descending` false, smallest) `measure`, and
/// its value.
pub fn top(frame: LazyFrame, by: &str, measure: Expr, descending: bool) -> PolarsResult<Expected> {
    let out = frame
        .group_by([col(by)])
        .agg([measure.cast(DataType::Float64).alias("m")])
        .filter(col("m").is_not_null())
        .sort(["m"], SortMultipleOptions::default().with_order_descending(descending))
        .collect()?;
    let label = out
        .column(by)?
        .cast(&DataType::String)?
        .str()?
        .get(0)
        .map(str::to_owned);
    let value = out.column("m")?.f64()?.get(0).unwrap_or(f64::NAN);
    Ok(Expected { value, label })
}

/// The number of rows of `frame`.
pub fn count(frame: LazyFrame) -> PolarsResult<Expected> {
    let out = frame.select([len().cast(DataType::Float64)]).collect()?;
    Ok(value(out.columns()[0].f64()?.get(0).unwrap_or(f64::NAN)))
}

#[tokio::test]
async fn the_question_bank_is_answered_correctly() {
    let banks = [sales::bank(), survey::bank(), sensors::bank(), products::bank()];
    println!(); // after libtest's "test NAME ... "
    let mut tally = tally::Tally::default();
    for bank in banks {
        let name = bank.name;
        let one = run::run(bank).await;
        println!("  {name}: {}/{} correct", one.correct, one.total);
        tally.merge(one);
    }
    tally.print("original");
    assert!(tally.total >= 60, "the bank holds {} questions", tally.total);
    // Every question of this bank was written with the analyst: each must be answered, and
    // a refusal counts against it as much as a wrong answer.
    assert!(
        tally.wrong.is_empty(),
        "{} questions answered wrongly",
        tally.wrong.len()
    );
    assert!(tally.refused.is_empty(), "{} questions refused", tally.refused.len());
}

#[tokio::test]
async fn a_trend_with_too_few_points_is_redrawn_finer_and_its_intent_remembered() {
    let world = run::world(&sensors::bank()).await;
    let data = run::data(&world.deps).await;
    let answer = run::ask(&world.deps, &data, "How did the temperature change over time?").await;
    let queries = run::queries(&answer.content);
    assert_eq!(queries.len(), 2, "{queries:?}");
    assert!(
        queries[0].contains("AS \"day\"") && queries[1].contains("AS \"hour\""),
        "{queries:?}"
    );
    let reviews = answer.statuses.iter().filter(|node| *node == "reviewer").count();
    assert_eq!(reviews, 2, "the reviewer asked for a finer period once");
    let memory = world.deps.memories.load(&world.deps.scope).await.expect("memory");
    assert!(memory.turns[0].notes.contains_key(NOTE), "{:?}", memory.turns[0].notes);
}
