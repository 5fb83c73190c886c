//! What the analyst makes of a question: its intents (one per subtask), read with the
//! conversation before it, the notes about the columns it chose, and its mode.

use super::columns::Columns;
use super::follow;
use super::intent::{self, Intent, Shape};
use super::parse::{Parsed, Talk, Unmatched, parse};
use super::{NOTE, sentence, words};
use crate::provider::{Ask, Exchange, Mode, ProviderError};
use crate::table::ColumnKind;

/// One subtask: its title (the graph's task text) and intent.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Task {
    pub(super) title: String,
    pub(super) intent: Intent,
}

/// What the analyst made of a question.
#[derive(Debug, Clone, Default)]
pub(super) struct Understanding {
    pub(super) talk: Option<Talk>,
    /// The intent remembered for follow-ups.
    pub(super) main: Option<Intent>,
    pub(super) tasks: Vec<Task>,
    /// Sentences about the columns chosen.
    pub(super) notes: Vec<String>,
    /// What the question names that the data does not have (then there are no tasks).
    pub(super) unmatched: Vec<Unmatched>,
}

impl Understanding {
    pub(super) fn task(&self, title: &str) -> Result<&Task, ProviderError> {
        self.tasks
            .iter()
            .find(|task| task.title == title)
            .ok_or_else(|| ProviderError::Failed(format!("no task called \"{title}\"")))
    }

    /// Whether `title` is the first task (the one that carries the question's notes).
    pub(super) fn first(&self, title: &str) -> bool {
        self.tasks.first().is_some_and(|task| task.title == title)
    }
}

/// Reads the question of `ask` with the conversation before it.
pub(super) fn understand(ask: &Ask<'_>) -> Understanding {
    let columns = Columns::new(ask.schema).with_values(ask.values);
    let parsed = parse(ask.question, &columns);
    if let Some(talk) = parsed.talk.filter(|_| parsed.shape.is_none()) {
        return Understanding {
            talk: Some(talk),
            ..Understanding::default()
        };
    }
    if !parsed.unmatched.is_empty() {
        return Understanding {
            unmatched: parsed.unmatched,
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
        unmatched: Vec::new(),
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
pub(super) fn split(question: &str, columns: &Columns) -> Option<Vec<Parsed>> {
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
    // `… at least 80 and a murder rate under 5`: a column with a filter continues the
    // question, it does not ask one.
    let bare = |part: &Parsed| {
        matches!(part.shape, Some(Shape::Aggregate { group: None, .. }))
            && part.func.is_none()
            && !part.filters.is_empty()
    };
    let standalone = |part: &Parsed| {
        part.shape.is_some()
            && !bare(part)
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
            .map(|exchange| parse(&exchange.question, columns))
            .filter(|parsed| parsed.unmatched.is_empty())
            .and_then(|parsed| follow::resolve(&parsed, None, columns))
    })
}

/// TECHNICAL when the question asks how the answer is made (see the module docs).
pub(super) fn mode(question: &str) -> Mode {
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
