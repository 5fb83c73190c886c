//! The analysis graph of DESIGN.md section 6, on the engine of [`crate::graph`], built once
//! at start-up and run for every question. Its four orchestration patterns are graph
//! structure, each visible in a run's `status` events:
//!
//! ```text
//! pipeline:  load_memory → classify_mode → route ─ADVISORY──→ advise ──────────────┐
//!                                               └EXPLORATORY→ decompose → subtasks  │
//!                                                        → respond → save_memory ←─┘ → END
//! parallel:  subtasks runs one branch per subtask, concurrently; their results merge
//!            into the state (in the subtasks' order) before respond reports them.
//! supervisor, in each branch:
//!            classify ─DIRECT→ END
//!                     └→ plan → supervisor ─→ analyst    (write the query, run it) ─┐
//!                                          ├→ reviewer   (does it answer?) ─────────┤
//!                                          ├→ visualiser (the chart) ───────────────┤
//!                                          └→ END        ←── back to supervisor ────┘
//! reflective: the reviewer checks each result against its subtask before it is
//!            reported; a result that does not answer goes back to the analyst.
//! ```
//!
//! A subtask's query is written at most [`MAX_ATTEMPTS`] times (the first try and the
//! debugging rounds, reviews included); after that it gets a plain fallback message.
//! Nothing is remembered until `save_memory`, the last node, writes the whole turn in one
//! statement: a cancelled or failed run leaves no half turn.
//!
//! Everything a run needs of its own (its scope, dataset, budget) is in its state; what
//! every run shares (the provider, the executor, memory) is the [`Analyst`] the nodes
//! were built with. Each node is one function of `nodes` (main graph) or `branch`.

mod branch;
mod nodes;

use std::future::Future;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::domain::Scope;
use crate::events::Event;
use crate::graph::{Checkpoints, END, Graph, GraphBuilder, GraphError, NodeContext, NodeError};
use crate::memory::Memories;
use crate::provider::{Ask, Exchange, Mode, Provider, ProviderError, Review, Route, TaskKind};
use crate::sql::{DatasetSpec, Datasets, Limits};
use crate::table::{Column, Table};
use crate::usage::{Meter, Usage};
use crate::values::Values;

/// Times a subtask's query is written at most, debugging rounds included.
pub const MAX_ATTEMPTS: u32 = 5;
/// Subtasks a question is split into at most.
pub const MAX_TASKS: usize = 4;
/// The default step budget, of the main graph and of each subtask's branch (where every
/// attempt takes the supervisor, the analyst, the supervisor and the reviewer), with room
/// to spare.
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
    /// What the visualiser drew of an answering result (`chart` and `image`, or why not).
    #[serde(default)]
    pub chart: Vec<Event>,
}

impl Task {
    fn needs_query(&self) -> bool {
        !matches!(self.kind, Some(TaskKind::Direct))
    }

    /// Whether the reviewer said the latest result answers.
    fn answered(&self) -> bool {
        self.table.is_some() && self.review.as_ref().is_some_and(|review| review.answers)
    }

    /// Whether the task waits for a (new) query: none yet, or the last one failed or did not
    /// answer, and attempts are left.
    fn wants_query(&self) -> bool {
        self.needs_query() && self.attempts < MAX_ATTEMPTS && (self.sql.is_none() || self.error.is_some())
    }
}

/// What every decision of a run looks at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// The question.
    pub question: String,
    /// The columns of `data`.
    pub schema: Vec<Column>,
    /// What they hold (empty when unknown).
    #[serde(default)]
    pub values: Values,
    /// A few rows of `data`, read only when the session's owner lets a remote model see
    /// them.
    #[serde(default)]
    pub samples: Option<Table>,
    /// The conversation so far.
    pub history: Vec<Exchange>,
    /// TECHNICAL or QUICK, once decided.
    pub mode: Option<Mode>,
    /// The dataset, the table `data`.
    pub dataset: DatasetSpec,
    /// What the run may still spend on a model, in US dollars (`None`: no limit).
    pub budget_usd: Option<f64>,
}

impl Context {
    /// The decision `ctx` asks for, counted on `meter`.
    fn ask<'a>(&'a self, ctx: &'a NodeContext<Event>, meter: &'a Meter) -> Ask<'a> {
        Ask::new(&self.question, &self.schema, &self.history, ctx)
            .with_values(&self.values)
            .with_samples(self.samples.as_ref())
            .with_run(self.mode, meter)
    }

    /// Runs `decide` on the decision `ctx` asks for, its model calls counted from `usage`
    /// on and added to it (also when the decision failed), and stopped at the budget.
    async fn decide<T>(
        &self,
        usage: &mut Usage,
        ctx: &NodeContext<Event>,
        decide: impl AsyncFnOnce(&Ask<'_>) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        let meter = Meter::resume(*usage, self.budget_usd);
        let decided = decide(&self.ask(ctx, &meter)).await;
        *usage = meter.total();
        decided
    }
}

/// The state of one run of the analysis graph (checkpointed as JSON after every node).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// What the decisions look at.
    pub context: Context,
    /// Whose conversation.
    pub scope: Scope,
    /// ADVISORY or EXPLORATORY, once decided.
    pub route: Option<Route>,
    /// The subtasks, once decomposed.
    pub tasks: Vec<Task>,
    /// What the answer showed so far (text, code, tables, charts, errors; not the status
    /// events): remembered by `save_memory`, and checkpointed with the rest.
    pub answer: Vec<Event>,
    /// What the run's model calls used so far.
    #[serde(default)]
    pub usage: Usage,
}

impl Analysis {
    /// A run in `scope` about to answer `question` over `dataset`, whose table has `schema`.
    pub fn new(scope: Scope, dataset: DatasetSpec, question: impl Into<String>, schema: Vec<Column>) -> Self {
        Self {
            context: Context {
                question: question.into(),
                schema,
                values: Values::default(),
                samples: None,
                history: Vec::new(),
                mode: None,
                dataset,
                budget_usd: None,
            },
            scope,
            route: None,
            tasks: Vec::new(),
            answer: Vec::new(),
            usage: Usage::default(),
        }
    }

    /// The run with what the columns hold known.
    pub fn with_values(mut self, values: Values) -> Self {
        self.context.values = values;
        self
    }

    /// The run with a few rows of `data` a remote model may see.
    pub fn with_samples(mut self, samples: Option<Table>) -> Self {
        self.context.samples = samples;
        self
    }

    /// The run with a budget (`None`: no limit).
    pub fn with_budget(mut self, budget_usd: Option<f64>) -> Self {
        self.context.budget_usd = budget_usd;
        self
    }
}

/// One subtask's branch of the `subtasks` node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subtask {
    /// The run's context, with the budget left when the branch began.
    pub context: Context,
    /// The subtask.
    pub task: Task,
    /// What the branch's model calls used.
    #[serde(default)]
    pub usage: Usage,
    /// What the branch showed (its queries), for the turn's memory.
    #[serde(default)]
    pub shown: Vec<Event>,
}

/// What every run shares: the analyst's judgement, the executor, memory.
pub struct Analyst {
    /// The analyst's judgement.
    pub provider: Arc<dyn Provider>,
    /// The dataset cache and query executor.
    pub datasets: Datasets,
    /// Row cap and deadline of each query.
    pub limits: Limits,
    /// Where turns are remembered.
    pub memories: Memories,
}

/// A node function of `analyst` over state `S`, as the engine runs it.
fn node<S, F, Fut>(analyst: &Arc<Analyst>, run: F) -> impl Fn(S, NodeContext<Event>) -> Fut + Send + Sync + 'static
where
    F: Fn(Arc<Analyst>, S, NodeContext<Event>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<S, NodeError>> + Send + 'static,
{
    let analyst = Arc::clone(analyst);
    move |state, ctx| run(Arc::clone(&analyst), state, ctx)
}

/// The analysis graph, checkpointed in `checkpoints` (none: not resumable), with a budget
/// of `max_steps` nodes for the main graph and for each subtask's branch (a branch past
/// it stops the run with `step_budget_exceeded`).
pub fn graph(
    analyst: Arc<Analyst>,
    checkpoints: Option<Checkpoints>,
    max_steps: u32,
) -> Result<Graph<Analysis, Event>, GraphError> {
    let builder = GraphBuilder::new()
        .node_fn("load_memory", node(&analyst, nodes::load_memory))
        .node_fn("classify_mode", node(&analyst, nodes::classify_mode))
        .node_fn("route", node(&analyst, nodes::route))
        .node_fn("advise", node(&analyst, nodes::advise))
        .node_fn("decompose", node(&analyst, nodes::decompose))
        .parallel(
            "subtasks",
            branch_graph(&analyst, max_steps)?,
            nodes::split,
            nodes::merge,
        )
        .node_fn("respond", node(&analyst, nodes::respond))
        .node_fn("save_memory", node(&analyst, nodes::save_memory))
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
        .edge("decompose", "subtasks")
        .edge("subtasks", "respond")
        .edge("respond", "save_memory")
        .edge("save_memory", END)
        .max_steps(max_steps);
    match checkpoints {
        Some(checkpoints) => builder.checkpoints(checkpoints).build(),
        None => builder.build(),
    }
}

/// The graph of one subtask: the supervisor routes among the analyst, the reviewer and
/// the visualiser until the subtask is answered (or out of attempts).
fn branch_graph(analyst: &Arc<Analyst>, max_steps: u32) -> Result<Graph<Subtask, Event>, GraphError> {
    GraphBuilder::new()
        .node_fn("classify", node(analyst, branch::classify))
        .node_fn("plan", node(analyst, branch::plan))
        .node_fn("supervisor", |state, _| async move { Ok(state) })
        .node_fn("analyst", node(analyst, branch::analyst))
        .node_fn("reviewer", node(analyst, branch::reviewer))
        .node_fn("visualiser", node(analyst, branch::visualiser))
        .entry("classify")
        .conditional_edge(
            "classify",
            |state: &Subtask| if state.task.needs_query() { "query" } else { "direct" },
            [("query", "plan"), ("direct", END)],
        )
        .edge("plan", "supervisor")
        .conditional_edge(
            "supervisor",
            branch::next,
            [
                ("analyst", "analyst"),
                ("reviewer", "reviewer"),
                ("visualiser", "visualiser"),
                ("done", END),
            ],
        )
        .edge("analyst", "supervisor")
        .edge("reviewer", "supervisor")
        .edge("visualiser", "supervisor")
        .max_steps(max_steps)
        .build()
}

#[cfg(test)]
pub(crate) mod scripted;
#[cfg(test)]
mod tests;
