//! The analysis graph of DESIGN.md section 6, on the engine of [`crate::graph`]:
//!
//! ```text
//! load_memory → classify_mode → route ─ADVISORY──→ advise ─────────────────────────┐
//!                                     └EXPLORATORY→ decompose → classify_tasks → plan │
//!   ┌──────────────────────────────────────────────────────────────────────────────┘ │
//!   └→ write_query → execute ─(a query failed, attempts left)→ write_query (debug)      │
//!                            └→ review ─(a result does not answer, attempts left)→ write_query
//!                                      └→ respond (report or chart, or a fallback) → save_memory → END
//! ```
//!
//! Subtasks are independent: every node works on all of them at once (concurrently where it
//! calls the provider or runs queries), so the graph stays one chain whose checkpoints hold
//! every subtask. A query is written at most [`MAX_ATTEMPTS`] times (the first try and the
//! debugging rounds, reviews included); after that the subtask gets a plain fallback message.
//! Nothing is remembered until `save_memory`, the last node, writes the whole turn in one
//! statement: a cancelled or failed run leaves no half turn.

mod nodes;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::domain::Scope;
use crate::events::Event;
use crate::graph::{Checkpoints, END, Graph, GraphBuilder, GraphError};
use crate::memory::Memories;
use crate::provider::{Exchange, Mode, Provider, Review, Route, TaskKind};
use crate::sql::{DatasetSpec, Datasets, Limits};
use crate::table::{Column, Table};
use crate::usage::Meter;
use crate::values::Values;

/// Times a subtask's query is written at most, debugging rounds included.
pub const MAX_ATTEMPTS: u32 = 5;
/// Subtasks a question is split into at most.
pub const MAX_TASKS: usize = 4;
/// The default step budget: the longest path through the graph (every subtask debugged
/// [`MAX_ATTEMPTS`] times) with room to spare.
pub const MAX_STEPS: u32 = 64;

/// One subtask and how far it got.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// What to find out.
    pub text: String,
    /// What it needs, once classified.
    pub kind: Option<TaskKind>,
    /// The plan, once made.
    pub plan: Option<String>,
    /// The latest query written.
    pub sql: Option<String>,
    /// Queries written so far.
    pub attempts: u32,
    /// Why the latest query or result was not good enough.
    pub error: Option<String>,
    /// The latest result.
    pub table: Option<Table>,
    /// The reviewer's verdict on `table`.
    pub review: Option<Review>,
}

impl Task {
    fn needs_query(&self) -> bool {
        !matches!(self.kind, Some(TaskKind::Direct))
    }

    /// Whether the task waits for a (new) query: none yet, or the last one failed or did not
    /// answer, and attempts are left.
    fn wants_query(&self) -> bool {
        self.needs_query() && self.attempts < MAX_ATTEMPTS && (self.sql.is_none() || self.error.is_some())
    }
}

/// The state of one run of the analysis graph (checkpointed as JSON after every node).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The question.
    pub question: String,
    /// The columns of `data`.
    pub schema: Vec<Column>,
    /// What they hold (empty when unknown).
    #[serde(default)]
    pub values: Values,
    /// The conversation so far.
    pub history: Vec<Exchange>,
    /// TECHNICAL or QUICK, once decided.
    pub mode: Option<Mode>,
    /// ADVISORY or EXPLORATORY, once decided.
    pub route: Option<Route>,
    /// The subtasks, once decomposed.
    pub tasks: Vec<Task>,
    /// What the answer showed so far (text, code, tables, charts, errors; not the status
    /// events): remembered by `save_memory`, and checkpointed with the rest.
    pub answer: Vec<Event>,
}

impl Analysis {
    /// A run about to answer `question` over a table with `schema`.
    pub fn new(question: impl Into<String>, schema: Vec<Column>) -> Self {
        Self {
            question: question.into(),
            schema,
            ..Self::default()
        }
    }

    /// The run with what the columns hold known.
    pub fn with_values(self, values: Values) -> Self {
        Self { values, ..self }
    }
}

/// What the nodes of one run use.
#[derive(Clone)]
pub struct Deps {
    /// The analyst's judgement.
    pub provider: Arc<dyn Provider>,
    /// The dataset cache and query executor.
    pub datasets: Datasets,
    /// The dataset of the run.
    pub dataset: DatasetSpec,
    /// Row cap and deadline of each query.
    pub limits: Limits,
    /// Where the turn is remembered.
    pub memories: Memories,
    /// Whose conversation.
    pub scope: Scope,
    /// Where the run is checkpointed after every node (none: not resumable).
    pub checkpoints: Option<Checkpoints>,
    /// The run's token and cost accounting.
    pub usage: Arc<Meter>,
    /// Nodes a run may execute at most (the step budget).
    pub max_steps: u32,
}

/// The analysis graph for one run.
pub fn graph(deps: Deps) -> Result<Graph<Analysis, Event>, GraphError> {
    let (checkpoints, max_steps) = (deps.checkpoints.clone(), deps.max_steps);
    let deps = Arc::new(deps);
    let node = |name: &'static str| {
        let deps = Arc::clone(&deps);
        move |state: Analysis, ctx| nodes::run(name, Arc::clone(&deps), state, ctx)
    };
    let mut builder = GraphBuilder::new();
    for name in nodes::NAMES {
        builder = builder.node_fn(name, node(name));
    }
    let builder = builder
        .entry("load_memory")
        .edge("load_memory", "classify_mode")
        .edge("classify_mode", "route")
        .conditional_edge(
            "route",
            |state: &Analysis| match state.route {
                Some(Route::Advisory) => "advisory",
                _ => "exploratory",
            },
            [("advisory", "advise"), ("exploratory", "decompose")],
        )
        .edge("advise", "save_memory")
        .edge("decompose", "classify_tasks")
        .edge("classify_tasks", "plan")
        .edge("plan", "write_query")
        .edge("write_query", "execute")
        .conditional_edge("execute", retry_or_next, [("retry", "write_query"), ("next", "review")])
        .conditional_edge("review", retry_or_next, [("retry", "write_query"), ("next", "respond")])
        .edge("respond", "save_memory")
        .edge("save_memory", END)
        .max_steps(max_steps);
    match checkpoints {
        Some(checkpoints) => builder.checkpoints(checkpoints).build(),
        None => builder.build(),
    }
}

/// Back to `write_query` while a subtask wants another query, else on.
fn retry_or_next(state: &Analysis) -> &'static str {
    if state.tasks.iter().any(Task::wants_query) {
        "retry"
    } else {
        "next"
    }
}

#[cfg(test)]
pub(crate) mod scripted;
#[cfg(test)]
mod tests;
