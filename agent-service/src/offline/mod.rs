//! The built-in offline analyst (issue 5): the default [`Provider`], deterministic, with no
//! key, no network and no language model. It reads a question with rules, turns it into a
//! typed [`Intent`], writes the SQL for it, and states the result in a sentence with its
//! number; the analysis graph runs the query through the guarded executor, so an answer
//! streams like an LLM run: status events, the SQL (`code`), a `table`, a chart where one
//! helps, and the sentence (`text`).
//!
//! # What it understands
//!
//! How many rows; count, sum, average, median, min, max and standard deviation of a
//! column, overall or per group; top or bottom N by a measure (groups or rows); filters by
//! value (`in the West`, `Widget or Gadget`, `not Widget`), by range, by text contained, by
//! date (`in 2023`, `in Q1 2024`, `after March`, `between January and March 2024`), by
//! missing values; distinct values; the share of rows that meet a condition;
//! distributions (equal-width bins for numbers, counts for the rest); trends over a date
//! column by hour, day, week, month or year; correlations (with a scatter plot);
//! comparisons of two or more values; missing values per column; a description of the
//! data; the first rows. A question joining several of these with `and` is split into
//! subtasks. A question that names no column where it needs one uses the column of
//! amounts (or the first number column) and says so. Follow-ups change
//! the previous answer (see [`follow`]). Column names are matched loosely (see
//! [`columns`]); when several fit, the answer says which it took.
//!
//! # Modules
//!
//! [`words`] (tokens, plurals, misspellings) → [`columns`] (which columns a question names)
//! → [`parse`] (filters, grouping, the shape) → [`follow`] (follow-ups) → [`intent`]
//! (the typed result) → [`query`] (its SQL), [`sentence`] (its words), [`visual`] (its
//! chart); [`suggest`] offers questions built from the columns.
//!
//! # Mode and route
//!
//! - **Mode** is TECHNICAL when the question asks how the answer is made: it names `sql`,
//!   `query`, `code`, `method`, `technical`, `explain`, `detail(s)`, `step by step`, or
//!   asks `how did you` / `how is it computed`; QUICK otherwise. A TECHNICAL answer adds
//!   the method (the steps the query takes) after the sentence.
//! - **Route** is ADVISORY, answered without a query, when the question talks rather than
//!   asks about the data (a greeting, `help` / `what can you do`, `what did you find`), or
//!   when it is not understood: the answer then says so and suggests questions built from
//!   the dataset's columns (and follow-ups, after an answer). It is EXPLORATORY when the
//!   question, read with the previous answer, gives at least one intent.
//!
//! # Memory
//!
//! The intent of each answered question is remembered with its turn (under the note
//! [`NOTE`]); a follow-up changes the latest remembered intent. A turn remembered without
//! one (written by another provider) is read again from its question.

pub mod columns;
pub mod follow;
pub mod intent;
pub mod parse;
pub mod query;
mod reply;
pub mod sentence;
pub mod suggest;
mod understand;
pub mod visual;
pub mod words;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;

pub use intent::Intent;
pub use suggest::suggestions;

use self::intent::{Grain, Shape};
use self::parse::Talk;
use self::understand::{mode, understand};
use crate::chart::{ChartIntent, Mark};
use crate::provider::{Ask, Failure, Mode, Provider, ProviderError, Review, Route, TaskKind};
use crate::table::Table;

/// The note under which a turn's intent is remembered.
pub const NOTE: &str = "offline_intent";
/// A trend with fewer points than this is redrawn with a finer period (unless the question
/// chose the period).
pub const MIN_POINTS: usize = 6;
/// The reviewer's reason when a trend has too few points.
const TOO_FEW_POINTS: &str = "too few points; a finer period shows more";

/// The offline analyst.
#[derive(Debug, Clone, Copy, Default)]
pub struct Offline {
    /// Pause after each word of prose; zero sends each reply at once.
    word_pause: Duration,
}

impl Offline {
    /// The analyst (it keeps no state: everything comes from the question, the columns and
    /// the conversation).
    pub fn new() -> Self {
        Self::default()
    }

    /// The analyst streaming its prose a word at a time with `word_pause` after each, as a
    /// model streams tokens: clients see text arrive, and a run lasts long enough to stop.
    pub fn paced(word_pause: Duration) -> Self {
        Self { word_pause }
    }

    /// Streams `text` to the user, paced; stops early when the run is cancelled.
    async fn say(&self, ask: &Ask<'_>, text: String) {
        if self.word_pause.is_zero() {
            return ask.say(text).await;
        }
        let cancel = ask.ctx.cancellation();
        for word in text.split_inclusive(' ') {
            ask.say(word).await;
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(self.word_pause) => {}
            }
        }
    }
}

/// The intent as the query ran: a trend with the period its result has.
fn as_run(intent: &Intent, table: &Table) -> Intent {
    let mut intent = intent.clone();
    if let Shape::Trend { grain, .. } = &mut intent.shape
        && let Some(used) = table
            .columns
            .first()
            .and_then(|column| Grain::ALL.into_iter().find(|g| g.name() == column.name))
    {
        *grain = used;
    }
    intent
}

/// The period to try after `failure`: one finer than the failed query's when the reviewer
/// found too few points.
fn retry_grain(failure: Option<&Failure>) -> Option<Grain> {
    let failure = failure.filter(|failure| failure.error.contains(TOO_FEW_POINTS))?;
    query::grain_of(&failure.sql)?.finer()
}

/// The result columns an intent's answer must have.
fn expected_columns(intent: &Intent) -> Vec<String> {
    match &intent.shape {
        Shape::Aggregate { measure, group, .. } => group.iter().cloned().chain([measure.alias()]).collect(),
        Shape::Trend {
            measure, split, grain, ..
        } => [grain.name().to_owned()]
            .into_iter()
            .chain(split.iter().cloned())
            .chain([measure.alias()])
            .collect(),
        Shape::Distinct { column } => vec![column.clone()],
        Shape::Distribution { numeric: true, .. } => vec!["bin_start".into(), "rows".into()],
        Shape::Distribution { column, .. } => vec![column.clone(), "rows".into()],
        Shape::Correlation { .. } => vec!["correlation".into()],
        Shape::Scatter { x, y } => vec![x.clone(), y.clone()],
        Shape::Compare { measure, .. } => vec!["group".into(), measure.alias()],
        Shape::Share { .. } => vec!["percent".into()],
        Shape::Missing => vec!["column".into(), "missing".into()],
        Shape::Describe => vec!["column".into(), "values".into()],
        Shape::Summary => vec!["column".into(), "mean".into()],
        Shape::Rows { .. } => Vec::new(),
    }
}

#[async_trait]
impl Provider for Offline {
    async fn classify_mode(&self, ask: &Ask<'_>) -> Result<Mode, ProviderError> {
        Ok(mode(ask.question))
    }

    async fn route(&self, ask: &Ask<'_>) -> Result<Route, ProviderError> {
        Ok(if understand(ask).tasks.is_empty() {
            Route::Advisory
        } else {
            Route::Exploratory
        })
    }

    async fn advise(&self, ask: &Ask<'_>) -> Result<(), ProviderError> {
        let understanding = understand(ask);
        let text = match understanding.talk {
            Some(Talk::Greeting) => reply::help(ask, true),
            Some(Talk::Help) => reply::help(ask, false),
            Some(Talk::Recap) => reply::recap(ask),
            None if !understanding.unmatched.is_empty() => reply::not_found(ask, &understanding.unmatched),
            None => reply::not_understood(ask),
        };
        self.say(ask, text).await;
        Ok(())
    }

    async fn decompose(&self, ask: &Ask<'_>) -> Result<Vec<String>, ProviderError> {
        Ok(understand(ask).tasks.into_iter().map(|task| task.title).collect())
    }

    async fn classify_task(&self, ask: &Ask<'_>, task: &str) -> Result<TaskKind, ProviderError> {
        let understanding = understand(ask);
        Ok(match understanding.task(task) {
            Ok(task) if visual::choose(&task.intent).is_some() => TaskKind::Visualization,
            Ok(_) => TaskKind::Analysis,
            Err(_) => TaskKind::Direct,
        })
    }

    async fn plan(&self, ask: &Ask<'_>, task: &str) -> Result<String, ProviderError> {
        Ok(sentence::plan(&understand(ask).task(task)?.intent))
    }

    async fn write_query(
        &self,
        ask: &Ask<'_>,
        task: &str,
        _plan: &str,
        failure: Option<&Failure>,
    ) -> Result<String, ProviderError> {
        let understanding = understand(ask);
        let intent = &understanding.task(task)?.intent;
        Ok(query::sql(intent, ask.schema, retry_grain(failure)))
    }

    async fn review(&self, ask: &Ask<'_>, task: &str, _: &str, table: &Table) -> Result<Review, ProviderError> {
        let understanding = understand(ask);
        let intent = as_run(&understanding.task(task)?.intent, table);
        let missing: Vec<String> = expected_columns(&intent)
            .into_iter()
            .filter(|name| table.column(name).is_none())
            .collect();
        if !missing.is_empty() {
            return Ok(Review {
                answers: false,
                reason: format!("the result has no column {}", parse::join_words(&missing, "or")),
            });
        }
        if let Shape::Trend {
            grain, fixed: false, ..
        } = intent.shape
            && table.rows.len() < MIN_POINTS
            && grain.finer().is_some()
        {
            return Ok(Review {
                answers: false,
                reason: format!("only {} by {}: {TOO_FEW_POINTS}", table.rows.len(), grain.name()),
            });
        }
        Ok(Review {
            answers: true,
            reason: String::new(),
        })
    }

    async fn report(&self, ask: &Ask<'_>, task: &str, _: &str, table: &Table) -> Result<(), ProviderError> {
        let understanding = understand(ask);
        let intent = as_run(&understanding.task(task)?.intent, table);
        let mut text = sentence::state(&intent, table);
        if !understanding.first(task) {
            // Each subtask's answer is a paragraph of its own.
            text.insert_str(0, "\n\n");
        }
        if understanding.first(task) {
            for note in &understanding.notes {
                text.push(' ');
                text.push_str(note);
            }
        }
        let chart_note = visual::choose(&intent)
            .and_then(|(_, note)| note)
            .or_else(|| visual::refused(&intent));
        if let Some(note) = chart_note {
            text.push(' ');
            text.push_str(&note);
        }
        if mode(ask.question) == Mode::Technical {
            text.push_str(&format!(" Method: {}", sentence::plan(&intent)));
        }
        self.say(ask, text).await;
        Ok(())
    }

    async fn chart(&self, ask: &Ask<'_>, task: &str, table: &Table) -> Result<ChartIntent, ProviderError> {
        let understanding = understand(ask);
        let intent = as_run(&understanding.task(task)?.intent, table);
        let mark = visual::choose(&intent).map_or(Mark::Bar, |(mark, _)| mark);
        let title = understanding.task(task)?.title.clone();
        // A chart that does not fit the table becomes a `chart_failed` event, not a failed run.
        Ok(
            visual::intent(&intent, mark, table, &title).unwrap_or_else(|| ChartIntent {
                mark,
                x: table
                    .columns
                    .first()
                    .map(|column| column.name.clone())
                    .unwrap_or_default(),
                y: table.columns.last().map(|column| column.name.clone()),
                color: None,
                aggregate: None,
                sort: None,
                title,
            }),
        )
    }

    async fn direct(&self, ask: &Ask<'_>, task: &str) -> Result<(), ProviderError> {
        self.say(ask, format!("I cannot answer \"{task}\" from the data."))
            .await;
        Ok(())
    }

    async fn notes(&self, ask: &Ask<'_>) -> Result<BTreeMap<String, serde_json::Value>, ProviderError> {
        let mut notes = BTreeMap::new();
        if let Some(intent) = understand(ask).main {
            let value = serde_json::to_value(intent).map_err(|error| ProviderError::Failed(error.to_string()))?;
            notes.insert(NOTE.to_owned(), value);
        }
        Ok(notes)
    }
}

#[cfg(test)]
mod bank;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_values;
