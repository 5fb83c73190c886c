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
//! value, by range, by text contained, by date (`in 2023`, `after March`, `between
//! January and March 2024`), by missing values; distinct values; distributions
//! (equal-width bins for numbers, counts for the rest); trends over a date column by hour,
//! day, week, month or year; correlations (with a scatter plot); comparisons of two or more
//! values; missing values per column; a description of the data; the first rows. A
//! question joining several of these with `and` is split into subtasks. Follow-ups change
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
pub mod sentence;
pub mod suggest;
pub mod visual;
pub mod words;

use std::collections::BTreeMap;

use async_trait::async_trait;

pub use intent::Intent;
pub use suggest::suggestions;

use self::columns::Columns;
use self::intent::{Grain, Shape};
use self::parse::{Parsed, Talk, parse};
use crate::chart::{ChartIntent, Mark};
use crate::provider::{Ask, Exchange, Failure, Mode, Provider, ProviderError, Review, Route, TaskKind};
use crate::table::{ColumnKind, Table};

/// The note under which a turn's intent is remembered.
pub const NOTE: &str = "offline_intent";
/// A trend with fewer points than this is redrawn with a finer period (unless the question
/// chose the period).
pub const MIN_POINTS: usize = 6;
/// The reviewer's reason when a trend has too few points.
const TOO_FEW_POINTS: &str = "too few points; a finer period shows more";

/// The offline analyst.
#[derive(Debug, Clone, Copy, Default)]
pub struct Offline;

impl Offline {
    /// The analyst (it keeps no state: everything comes from the question, the columns and
    /// the conversation).
    pub fn new() -> Self {
        Self
    }
}

/// One subtask: its title (the graph's task text) and intent.
#[derive(Debug, Clone, PartialEq)]
struct Task {
    title: String,
    intent: Intent,
}

/// What the analyst made of a question.
#[derive(Debug, Clone, Default)]
struct Understanding {
    talk: Option<Talk>,
    /// The intent remembered for follow-ups.
    main: Option<Intent>,
    tasks: Vec<Task>,
    /// Sentences about the columns chosen.
    notes: Vec<String>,
}

impl Understanding {
    fn task(&self, title: &str) -> Result<&Task, ProviderError> {
        self.tasks
            .iter()
            .find(|task| task.title == title)
            .ok_or_else(|| ProviderError::Permanent(format!("no task called \"{title}\"")))
    }

    /// Whether `title` is the first task (the one that carries the question's notes).
    fn first(&self, title: &str) -> bool {
        self.tasks.first().is_some_and(|task| task.title == title)
    }
}

/// Reads the question of `ask` with the conversation before it.
fn understand(ask: &Ask<'_>) -> Understanding {
    let columns = Columns::new(ask.schema);
    let parsed = parse(ask.question, &columns);
    if let Some(talk) = parsed.talk.filter(|_| parsed.shape.is_none()) {
        return Understanding {
            talk: Some(talk),
            ..Understanding::default()
        };
    }
    if let Some(parts) = split(ask.question, &columns) {
        let intents: Vec<Intent> = parts
            .iter()
            .filter_map(|part| follow::resolve(part, None, &columns))
            .collect();
        let notes = parts
            .iter()
            .flat_map(|part| part.notes.iter().chain(&part.default_note).cloned())
            .collect();
        return with_tasks(intents.first().cloned(), intents, notes, ask);
    }
    let previous = previous_intent(ask.history, &columns);
    let intent = follow::resolve(&parsed, previous.as_ref(), &columns);
    let mut notes = parsed.notes.clone();
    let standalone = previous.is_none() || !follow::is_follow_up(&parsed);
    notes.extend(parsed.default_note.clone().filter(|_| standalone));
    let intents: Vec<Intent> = intent.iter().cloned().collect();
    with_tasks(intent, intents, notes, ask)
}

fn with_tasks(main: Option<Intent>, intents: Vec<Intent>, notes: Vec<String>, ask: &Ask<'_>) -> Understanding {
    let mut tasks: Vec<Task> = Vec::new();
    for intent in intents.into_iter().flat_map(|intent| expand(intent, ask)) {
        let mut title = sentence::title(&intent);
        let same = tasks.iter().filter(|task| task.title.starts_with(&title)).count();
        if same > 0 {
            title = format!("{title} ({})", same + 1);
        }
        tasks.push(Task { title, intent });
    }
    Understanding {
        talk: None,
        main,
        tasks,
        notes,
    }
}

/// The subtasks of one intent: a description comes with a summary of the number columns,
/// a correlation with its scatter plot.
fn expand(intent: Intent, ask: &Ask<'_>) -> Vec<Intent> {
    let second = match &intent.shape {
        Shape::Describe if ask.schema.iter().any(|column| column.kind == ColumnKind::Number) => Some(Shape::Summary),
        Shape::Correlation { x, y } => Some(Shape::Scatter {
            x: x.clone(),
            y: y.clone(),
        }),
        _ => None,
    };
    let mut intents = vec![intent.clone()];
    if let Some(shape) = second {
        intents.push(Intent {
            shape,
            filters: intent.filters.clone(),
            show: if matches!(intent.shape, Shape::Correlation { .. }) {
                None
            } else {
                Some(intent::Show::Table)
            },
        });
    }
    intents
}

/// The question split at `and` / `;` into parts that each ask for something by
/// themselves, naming a column (`the average price and the total units`); `None` when it
/// is one question.
fn split(question: &str, columns: &Columns) -> Option<Vec<Parsed>> {
    let lower = question.to_lowercase();
    let mut parts: Vec<&str> = Vec::new();
    let mut rest = question;
    let mut offset = 0;
    for (at, separator) in separators(&lower) {
        if at < offset {
            continue;
        }
        parts.push(&question[offset..at]);
        offset = at + separator;
        rest = &question[offset..];
    }
    parts.push(rest);
    if parts.len() < 2 {
        return None;
    }
    let parsed: Vec<Parsed> = parts.iter().map(|part| parse(part, columns)).collect();
    let standalone = |part: &Parsed| {
        part.shape.is_some()
            && !part.follow_up
            && (part.named > 0 || matches!(part.shape, Some(Shape::Describe | Shape::Missing | Shape::Rows { .. })))
    };
    parsed.iter().all(standalone).then_some(parsed)
}

/// Where the question may be split: `;`, ` and `, ` as well as `.
fn separators(lower: &str) -> Vec<(usize, usize)> {
    let mut found: Vec<(usize, usize)> = Vec::new();
    for separator in ["; ", " and also ", " and ", " as well as "] {
        for (at, _) in lower.match_indices(separator) {
            if !found
                .iter()
                .any(|&(start, length)| at < start + length && start < at + separator.len())
            {
                found.push((at, separator.len()));
            }
        }
    }
    found.sort_unstable();
    found
}

/// The intent of the latest answered turn: remembered with it, or read again from its
/// question when it was remembered without one.
fn previous_intent(history: &[Exchange], columns: &Columns) -> Option<Intent> {
    let remembered = history.iter().rev().find_map(|exchange| {
        exchange
            .notes
            .get(NOTE)
            .and_then(|note| serde_json::from_value::<Intent>(note.clone()).ok())
    });
    remembered.or_else(|| {
        history
            .iter()
            .rev()
            .find(|exchange| !exchange.notes.contains_key(NOTE))
            .and_then(|exchange| follow::resolve(&parse(&exchange.question, columns), None, columns))
    })
}

/// TECHNICAL when the question asks how the answer is made (see the module docs).
fn mode(question: &str) -> Mode {
    const WORDS: &[&str] = &[
        "sql",
        "query",
        "queries",
        "code",
        "method",
        "technical",
        "technically",
        "explain",
        "detail",
        "details",
        "detailed",
    ];
    let tokens = words::tokenize(question);
    let has = |word: &str| tokens.iter().any(|token| token.text == word);
    let phrase = |first: &str, second: &str| {
        tokens
            .windows(2)
            .any(|pair| pair[0].text == first && pair[1].text == second)
    };
    let technical = WORDS.iter().any(|word| has(word))
        || phrase("step", "by")
        || phrase("did", "you")
        || (has("how") && (has("computed") || has("calculated")));
    if technical { Mode::Technical } else { Mode::Quick }
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
        Shape::Missing => vec!["column".into(), "missing".into()],
        Shape::Describe => vec!["column".into(), "values".into()],
        Shape::Summary => vec!["column".into(), "mean".into()],
        Shape::Rows { .. } => Vec::new(),
    }
}

fn not_understood(ask: &Ask<'_>) -> String {
    let mut text = format!(
        "I did not understand \"{}\". I answer questions about this table by their words, without a language model; \
         try one of these:",
        ask.question.trim()
    );
    for suggestion in suggestions(ask.schema) {
        text.push_str(&format!("\n- {suggestion}"));
    }
    if !ask.history.is_empty() {
        text.push_str(
            "\nOr change the last answer: \"now as a bar chart\", \"only for 2023\", \"and by <column>?\", \
             \"sort descending\", \"top 5 instead\".",
        );
    }
    text
}

fn help(ask: &Ask<'_>, greeting: bool) -> String {
    let opening = if greeting { "Hello! " } else { "" };
    let mut text = format!(
        "{opening}I answer questions about this table: counts, totals, averages, medians, minimums and maximums, \
         overall or per group; top and bottom N; filters by value, range, text or date; distributions; trends over \
         time; correlations; comparisons; missing values. For example:"
    );
    for suggestion in suggestions(ask.schema) {
        text.push_str(&format!("\n- {suggestion}"));
    }
    text
}

fn recap(ask: &Ask<'_>) -> String {
    let answered: Vec<&Exchange> = ask
        .history
        .iter()
        .filter(|exchange| exchange.notes.contains_key(NOTE) && !exchange.answer.is_empty())
        .collect();
    if answered.is_empty() {
        return "We have not looked at the data yet. Ask me a question about it.".into();
    }
    let mut text = String::from("So far:");
    for exchange in answered.iter().rev().take(5).rev() {
        text.push_str(&format!(
            "\n- \"{}\": {}",
            exchange.question.trim(),
            exchange.answer.trim()
        ));
    }
    text
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
        let text = match understand(ask).talk {
            Some(Talk::Greeting) => help(ask, true),
            Some(Talk::Help) => help(ask, false),
            Some(Talk::Recap) => recap(ask),
            None => not_understood(ask),
        };
        ask.say(text).await;
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

    async fn review(&self, ask: &Ask<'_>, task: &str, table: &Table) -> Result<Review, ProviderError> {
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

    async fn report(&self, ask: &Ask<'_>, task: &str, table: &Table) -> Result<(), ProviderError> {
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
        ask.say(text).await;
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
        ask.say(format!("I cannot answer \"{task}\" from the data.")).await;
        Ok(())
    }

    async fn notes(&self, ask: &Ask<'_>) -> Result<BTreeMap<String, serde_json::Value>, ProviderError> {
        let mut notes = BTreeMap::new();
        if let Some(intent) = understand(ask).main {
            let value = serde_json::to_value(intent).map_err(|error| ProviderError::Permanent(error.to_string()))?;
            notes.insert(NOTE.to_owned(), value);
        }
        Ok(notes)
    }
}

#[cfg(test)]
mod bank;
#[cfg(test)]
mod tests;
