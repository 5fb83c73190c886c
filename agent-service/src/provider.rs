//! The analyst's judgement behind one trait: every decision the analysis graph asks for
//! (DESIGN.md section 6). The built-in offline analyst (issue 5) and the LLM analyst
//! (`crate::analyst`, over any [`crate::llm::Model`]) implement it; tests script it. Text that reaches the user
//! is streamed through [`Ask::say`], as `text` events, while it is being written.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::chart::ChartIntent;
use crate::events::Event;
use crate::graph::NodeContext;
use crate::llm::ModelError;
use crate::table::{Column, Table};
use crate::usage::{Meter, Spent};
use crate::values::Values;

/// The values of a decision made without them.
static NO_VALUES: Values = Values {
    rows: 0,
    columns: Vec::new(),
};

/// How deep an answer should go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Mode {
    /// Show the work: the SQL, the plan, the caveats.
    Technical,
    /// Just the answer.
    Quick,
}

/// Where a question goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Route {
    /// Answered from the conversation so far, without running a query.
    Advisory,
    /// Answered by querying the data.
    Exploratory,
}

/// What a subtask needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskKind {
    /// A query and a sentence about its result.
    Analysis,
    /// A query and a chart of its result.
    Visualization,
    /// A sentence, no query.
    Direct,
}

/// A reviewer's verdict on a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Whether the result answers the subtask.
    pub answers: bool,
    /// Why not, when it does not.
    pub reason: String,
}

/// A query that failed, for the provider to debug.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The query.
    pub sql: String,
    /// What the executor said.
    pub error: String,
}

/// One earlier question and the prose of its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// The question.
    pub question: String,
    /// The answer's text.
    pub answer: String,
    /// The last query it ran, if any.
    pub sql: Option<String>,
    /// What the provider kept about the turn (see [`Provider::notes`]).
    #[serde(default)]
    pub notes: BTreeMap<String, serde_json::Value>,
}

/// What every decision may look at, and where its prose goes.
pub struct Ask<'a> {
    /// The question being answered.
    pub question: &'a str,
    /// The columns of the table `data`.
    pub schema: &'a [Column],
    /// What the columns hold (empty when unknown).
    pub values: &'a Values,
    /// A few rows of `data`, when the session's owner lets a remote model see them.
    pub samples: Option<&'a Table>,
    /// The conversation so far, oldest first.
    pub history: &'a [Exchange],
    /// TECHNICAL or QUICK, once decided.
    pub mode: Option<Mode>,
    /// The run's token and cost accounting, and its budget (none: not counted).
    pub usage: Option<&'a Meter>,
    /// The running node's context: cancellation and events.
    pub ctx: &'a NodeContext<Event>,
    said: Mutex<String>,
}

impl<'a> Ask<'a> {
    /// A decision about `question` in the running node `ctx`.
    pub fn new(question: &'a str, schema: &'a [Column], history: &'a [Exchange], ctx: &'a NodeContext<Event>) -> Self {
        Self {
            question,
            schema,
            values: &NO_VALUES,
            samples: None,
            mode: None,
            usage: None,
            history,
            ctx,
            said: Mutex::default(),
        }
    }

    /// The decision with what the columns hold known.
    pub fn with_values(self, values: &'a Values) -> Self {
        Self { values, ..self }
    }

    /// The decision with a few rows of `data` to show a remote model.
    pub fn with_samples(self, samples: Option<&'a Table>) -> Self {
        Self { samples, ..self }
    }

    /// The decision with the run's mode and accounting known.
    pub fn with_run(self, mode: Option<Mode>, usage: &'a Meter) -> Self {
        Self {
            mode,
            usage: Some(usage),
            ..self
        }
    }

    /// Whether anything was said since the last [`take_said`](Self::take_said).
    pub fn has_said(&self) -> bool {
        !self.said.lock().unwrap_or_else(PoisonError::into_inner).is_empty()
    }

    /// Streams a chunk of the answer's prose to the user.
    pub async fn say(&self, delta: impl Into<String>) {
        let delta = delta.into();
        self.said
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_str(&delta);
        self.ctx.emit(Event::Text { delta }).await;
    }

    /// Everything said since the last call, for the turn's memory.
    pub fn take_said(&self) -> String {
        std::mem::take(&mut *self.said.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Why a provider could not decide.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// The model call failed (after its client's retries).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The model's reply broke off after part of it had reached the user.
    #[error("the model's reply broke off: {0}")]
    BrokeOff(ModelError),
    /// The model's tool call did not fit its schema, even after a repair round.
    #[error("the model's `{tool}` call was invalid twice: {reason}")]
    Invalid {
        /// The tool.
        tool: &'static str,
        /// What was wrong with the second call.
        reason: String,
    },
    /// The run's budget (or its user's for the day) is spent.
    #[error("the budget of ${:.4} is spent (${:.4} used)", .0.limit, .0.spent)]
    Budget(Spent),
    /// The analyst could not decide (a state it cannot handle).
    #[error("{0}")]
    Failed(String),
}

impl ProviderError {
    /// The machine-readable code of the `error` event that ends the run.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Model(ModelError::Cancelled) => "cancelled",
            Self::Model(ModelError::Unavailable) => "llm_unavailable",
            Self::Model(_) | Self::BrokeOff(_) => "llm_failed",
            Self::Invalid { .. } => "llm_invalid_output",
            Self::Budget(_) => "budget_exceeded",
            Self::Failed(_) => "analysis_failed",
        }
    }
}

/// Who answers, as recorded with every run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `offline`, or the provider and model (`anthropic/claude-sonnet-4-5`).
    pub model: String,
    /// The version of the prompts (`prompts/VERSION`); empty without prompts.
    pub prompt_version: &'static str,
}

impl Default for Identity {
    /// The offline analyst.
    fn default() -> Self {
        Self {
            model: "offline".into(),
            prompt_version: "",
        }
    }
}

/// The analyst's judgement.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Who answers; the offline analyst by default.
    fn identity(&self) -> Identity {
        Identity::default()
    }

    /// Whether it asks a remote model: only then do sample rows of the data reach anyone,
    /// and only then has it a circuit breaker. Never for the offline analyst.
    fn remote(&self) -> bool {
        false
    }

    /// Whether its model can be reached now (a remote model's circuit breaker is not
    /// open); always for the offline analyst.
    fn available(&self) -> bool {
        true
    }

    /// TECHNICAL or QUICK.
    async fn classify_mode(&self, ask: &Ask<'_>) -> Result<Mode, ProviderError>;
    /// ADVISORY (from the conversation) or EXPLORATORY (query the data).
    async fn route(&self, ask: &Ask<'_>) -> Result<Route, ProviderError>;
    /// Answers an ADVISORY question, streaming the prose.
    async fn advise(&self, ask: &Ask<'_>) -> Result<(), ProviderError>;
    /// Splits the question into independent subtasks (at least one).
    async fn decompose(&self, ask: &Ask<'_>) -> Result<Vec<String>, ProviderError>;
    /// What `task` needs.
    async fn classify_task(&self, ask: &Ask<'_>, task: &str) -> Result<TaskKind, ProviderError>;
    /// A short plan for `task`.
    async fn plan(&self, ask: &Ask<'_>, task: &str) -> Result<String, ProviderError>;
    /// One SELECT over `data` for `task`; `failure` is the previous attempt when debugging.
    async fn write_query(
        &self,
        ask: &Ask<'_>,
        task: &str,
        plan: &str,
        failure: Option<&Failure>,
    ) -> Result<String, ProviderError>;
    /// Whether `table`, the result of `sql`, answers `task`.
    async fn review(&self, ask: &Ask<'_>, task: &str, sql: &str, table: &Table) -> Result<Review, ProviderError>;
    /// States the result of `task` (`table`, from `sql`), streaming the prose.
    async fn report(&self, ask: &Ask<'_>, task: &str, sql: &str, table: &Table) -> Result<(), ProviderError>;
    /// The chart that shows `table` for `task`.
    async fn chart(&self, ask: &Ask<'_>, task: &str, table: &Table) -> Result<ChartIntent, ProviderError>;
    /// Answers a DIRECT subtask, streaming the prose.
    async fn direct(&self, ask: &Ask<'_>, task: &str) -> Result<(), ProviderError>;
    /// What to remember about the turn for later questions (the offline analyst keeps its
    /// reading of the question, for follow-ups); stored in the turn's notes and handed back
    /// in [`Exchange::notes`]. Nothing by default.
    async fn notes(&self, _ask: &Ask<'_>) -> Result<BTreeMap<String, serde_json::Value>, ProviderError> {
        Ok(BTreeMap::new())
    }
}
