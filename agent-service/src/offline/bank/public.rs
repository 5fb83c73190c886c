//! The public question bank (issue 11): questions about public datasets that nobody here
//! wrote (R exports with `NA`, row names as a column, headers with units and dots, a date
//! column, a wide table), phrased the way people ask, and written without running the
//! analyst. Their answers are computed with pandas by `scripts/bank/expected.py` from
//! `tests/data/public/bank.json` into the committed `tests/data/public/expected.json`,
//! which is all this test reads; `tests/data/public/README.md` says where each dataset
//! comes from.
//!
//! Every conversation runs in a session of its own through the same machinery as the first
//! bank ([`run`]), and every answer gets a [`Verdict`]. A WRONG answer fails the test; an
//! honest refusal does not, but the share of correct answers must stay at [`FLOOR`] or
//! above.

use serde::Deserialize;
use uuid::Uuid;

use super::Expected;
use super::run;
use super::tally::Tally;
use super::verdict::{Verdict, Want, Wanted, verdict};
use crate::domain::SessionId;

/// The share of questions (in percent) that must be answered correctly: a little below
/// the rate reached when the bank last grew (see BENCHMARKS.md), so that a new honest
/// refusal is allowed, a slide is not.
const FLOOR: f64 = 90.0;

/// `expected.json`.
#[derive(Debug, Deserialize)]
struct Bank {
    datasets: Vec<Dataset>,
}

/// One dataset and the conversations about it.
#[derive(Debug, Deserialize)]
struct Dataset {
    /// The file name in `tests/data/public`.
    file: String,
    /// Text columns that file-service would report as dates: (name, format).
    dates: Vec<(String, String)>,
    conversations: Vec<Vec<Question>>,
}

/// A question and its expected answer.
#[derive(Debug, Deserialize)]
struct Question {
    ask: String,
    #[serde(flatten)]
    answer: Answer,
}

/// What `scripts/bank/expected.py` computed.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Answer {
    /// A number of rows.
    Count { value: f64 },
    /// A number, named with the label of its row or group when there is one.
    Number { value: f64, label: Option<String> },
    /// One (label, value) per group or listed row.
    Pairs { pairs: Vec<(String, f64)> },
    /// No column fits: an honest refusal naming what is missing.
    Refuse { missing: String },
}

fn path(file: &str) -> String {
    format!("{}/tests/data/public/{file}", env!("CARGO_MANIFEST_DIR"))
}

fn bank() -> Bank {
    let path = path("expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The verdict on `answer` to `question`.
fn judge(question: &Question, schema: &[crate::table::Column], answer: &run::Answer) -> Verdict {
    let expected = match &question.answer {
        Answer::Count { value } => Some(Expected::from(*value)),
        Answer::Number { value, label } => Some(Expected {
            value: *value,
            label: label.clone(),
        }),
        Answer::Pairs { .. } | Answer::Refuse { .. } => None,
    };
    let wanted = match (&question.answer, &expected) {
        (Answer::Pairs { pairs }, _) => Wanted::Pairs(pairs),
        (Answer::Refuse { missing }, _) => Wanted::NoQuery { naming: Some(missing) },
        (_, Some(expected)) => Wanted::Number(expected),
        (_, None) => unreachable!("a count or a number has its expected value"),
    };
    let want = Want {
        wanted,
        content: None,
        says: &[],
    };
    verdict(&want, &question.ask, schema, answer)
}

/// Asks every question about `dataset`, each conversation in a session of its own.
async fn run(dataset: &Dataset) -> Tally {
    let dates: Vec<(&str, &str)> = dataset
        .dates
        .iter()
        .map(|(name, format)| (name.as_str(), format.as_str()))
        .collect();
    let world = run::world_of(&path(&dataset.file), &dates).await;
    let data = run::data(&world.deps).await;
    let mut tally = Tally::default();
    for conversation in &dataset.conversations {
        let mut deps = world.deps.clone();
        deps.scope.session = SessionId(Uuid::new_v4());
        for question in conversation {
            let answer = run::ask_verbosely(&deps, &data, &question.ask).await;
            let verdict = judge(question, &data.context.schema, &answer);
            tally.add(format!("[{}] \"{}\"", dataset.file, question.ask), verdict);
        }
    }
    tally
}

#[test]
fn the_public_bank_holds_sixty_questions_over_four_datasets_or_more() {
    let bank = bank();
    let questions: usize = bank.datasets.iter().flat_map(|d| &d.conversations).map(Vec::len).sum();
    assert!(bank.datasets.len() >= 4, "{} datasets", bank.datasets.len());
    assert!(questions >= 60, "{questions} questions");
    for dataset in &bank.datasets {
        assert!(std::path::Path::new(&path(&dataset.file)).is_file(), "{}", dataset.file);
    }
    let refusals = bank
        .datasets
        .iter()
        .flat_map(|d| d.conversations.iter().flatten())
        .filter(|question| matches!(question.answer, Answer::Refuse { .. }))
        .count();
    assert!(refusals >= 4, "{refusals} questions about a missing column");
}

#[tokio::test]
async fn the_public_question_bank_has_no_wrong_answers() {
    let bank = bank();
    println!(); // after libtest's "test NAME ... "
    let mut tally = Tally::default();
    for dataset in &bank.datasets {
        let one = run(dataset).await;
        println!(
            "  {}: {}/{} correct, {} refused, {} wrong",
            dataset.file,
            one.correct,
            one.total,
            one.refused.len(),
            one.wrong.len()
        );
        tally.merge(one);
    }
    tally.print("public");
    assert!(
        tally.wrong.is_empty(),
        "{} questions answered wrongly",
        tally.wrong.len()
    );
    assert!(
        tally.rate() >= FLOOR,
        "{:.1}% answered correctly, below the floor of {FLOOR}%",
        tally.rate()
    );
}
