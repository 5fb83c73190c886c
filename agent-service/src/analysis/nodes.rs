//! The nodes of the main graph, one function each: they take the state and return the
//! next. A provider's failure ends the run with its code (see `From<ProviderError>`).

use std::sync::Arc;

use super::{Analysis, Analyst, MAX_TASKS, Subtask, Task};
use crate::events::Event;
use crate::graph::{NodeContext, NodeError};
use crate::memory::Turn;
use crate::provider::{Ask, Exchange, Provider, ProviderError, TaskKind};

/// A provider's failure ends the run with its code: the model client has retried what
/// was worth retrying, and a retry here could say streamed text twice.
impl From<ProviderError> for NodeError {
    fn from(error: ProviderError) -> Self {
        NodeError::stopped(error.code(), error)
    }
}

/// Sends `event` to the client and keeps it for the turn's memory.
pub(super) async fn show(ctx: &NodeContext<Event>, answer: &mut Vec<Event>, event: Event) {
    ctx.emit(event.clone()).await;
    answer.push(event);
}

/// Keeps what a provider said for the turn's memory.
fn keep_said(ask: &Ask<'_>, answer: &mut Vec<Event>) {
    let delta = ask.take_said();
    if !delta.is_empty() {
        answer.push(Event::Text { delta });
    }
}

/// The conversation so far, from memory.
pub async fn load_memory(
    analyst: Arc<Analyst>,
    mut state: Analysis,
    _: NodeContext<Event>,
) -> Result<Analysis, NodeError> {
    let memory = analyst
        .memories
        .load(&state.scope)
        .await
        .map_err(NodeError::retryable)?;
    state.context.history = memory.turns.iter().map(exchange).collect();
    Ok(state)
}

/// TECHNICAL or QUICK.
pub async fn classify_mode(
    analyst: Arc<Analyst>,
    mut state: Analysis,
    ctx: NodeContext<Event>,
) -> Result<Analysis, NodeError> {
    let provider = &analyst.provider;
    let mode = state
        .context
        .decide(&mut state.usage, &ctx, async |ask| provider.classify_mode(ask).await)
        .await?;
    state.context.mode = Some(mode);
    Ok(state)
}

/// ADVISORY or EXPLORATORY (the pipeline's one fork).
pub async fn route(analyst: Arc<Analyst>, mut state: Analysis, ctx: NodeContext<Event>) -> Result<Analysis, NodeError> {
    let provider = &analyst.provider;
    let route = state
        .context
        .decide(&mut state.usage, &ctx, async |ask| provider.route(ask).await)
        .await?;
    state.route = Some(route);
    Ok(state)
}

/// An answer from the conversation, without a query.
pub async fn advise(
    analyst: Arc<Analyst>,
    mut state: Analysis,
    ctx: NodeContext<Event>,
) -> Result<Analysis, NodeError> {
    let provider = &analyst.provider;
    let said = state
        .context
        .decide(&mut state.usage, &ctx, async |ask| {
            provider.advise(ask).await?;
            let mut said = Vec::new();
            keep_said(ask, &mut said);
            Ok(said)
        })
        .await?;
    state.answer.extend(said);
    Ok(state)
}

/// The subtasks, at most [`MAX_TASKS`], at least the question itself.
pub async fn decompose(
    analyst: Arc<Analyst>,
    mut state: Analysis,
    ctx: NodeContext<Event>,
) -> Result<Analysis, NodeError> {
    let provider = &analyst.provider;
    let mut tasks = state
        .context
        .decide(&mut state.usage, &ctx, async |ask| provider.decompose(ask).await)
        .await?;
    tasks.truncate(MAX_TASKS);
    if tasks.is_empty() {
        tasks.push(state.context.question.clone());
    }
    state.tasks = tasks
        .into_iter()
        .map(|text| Task {
            text,
            ..Task::default()
        })
        .collect();
    Ok(state)
}

/// One branch per subtask, each with the budget left now.
pub fn split(state: &Analysis) -> Vec<Subtask> {
    let mut context = state.context.clone();
    context.budget_usd = context.budget_usd.map(|budget| budget - state.usage.cost_usd);
    state
        .tasks
        .iter()
        .map(|task| Subtask {
            context: context.clone(),
            task: task.clone(),
            usage: Default::default(),
            shown: Vec::new(),
        })
        .collect()
}

/// The branches' subtasks back in the state, their usage added to the run's.
pub fn merge(state: &mut Analysis, branches: Vec<Subtask>) {
    state.tasks = branches
        .into_iter()
        .map(|branch| {
            state.usage += branch.usage;
            state.answer.extend(branch.shown);
            branch.task
        })
        .collect();
}

/// Reports every subtask in order: its table, its chart and a sentence; a sentence for a
/// DIRECT subtask; or why it failed. Each chart moves from its subtask into the answer, so
/// that the state (checkpointed after every node) holds its image once.
pub async fn respond(
    analyst: Arc<Analyst>,
    mut state: Analysis,
    ctx: NodeContext<Event>,
) -> Result<Analysis, NodeError> {
    let provider = &analyst.provider;
    let mut tasks = std::mem::take(&mut state.tasks);
    let shown = state
        .context
        .decide(&mut state.usage, &ctx, async |ask| {
            report(provider, &mut tasks, ask, &ctx).await
        })
        .await?;
    state.tasks = tasks;
    state.answer.extend(shown);
    Ok(state)
}

/// What `respond` shows of `tasks`, in order (their charts moved into it).
async fn report(
    provider: &Arc<dyn Provider>,
    tasks: &mut [Task],
    ask: &Ask<'_>,
    ctx: &NodeContext<Event>,
) -> Result<Vec<Event>, ProviderError> {
    let mut shown = Vec::new();
    for task in tasks {
        let reported = match (task.kind, &task.table) {
            (Some(TaskKind::Direct), _) => provider.direct(ask, &task.text).await,
            (Some(_), Some(table)) if task.answered() => {
                show(ctx, &mut shown, Event::Table(table.clone())).await;
                for event in std::mem::take(&mut task.chart) {
                    show(ctx, &mut shown, event).await;
                }
                let sql = task.sql.as_deref().unwrap_or_default();
                provider.report(ask, &task.text, sql, table).await
            }
            _ => {
                let reason = task.error.as_deref().unwrap_or("no query could be written");
                let error = Event::Error {
                    code: "analysis_failed".into(),
                    message: format!(
                        "I could not answer \"{}\" after {} attempts: {reason}",
                        task.text, task.attempts
                    ),
                };
                show(ctx, &mut shown, error).await;
                Ok(())
            }
        };
        keep_said(ask, &mut shown);
        reported?;
    }
    Ok(shown)
}

/// Remembers the turn: the question, every event of the answer with the run's usage, and
/// the provider's notes about it.
pub async fn save_memory(
    analyst: Arc<Analyst>,
    state: Analysis,
    ctx: NodeContext<Event>,
) -> Result<Analysis, NodeError> {
    let provider = &analyst.provider;
    let mut usage = state.usage;
    let notes = state
        .context
        .decide(&mut usage, &ctx, async |ask| provider.notes(ask).await)
        .await?;
    let mut answer = state.answer.clone();
    if state.usage != Default::default() {
        answer.push(Event::usage("", state.usage));
    }
    let turn = Turn {
        question: state.context.question.clone(),
        answer,
        run_id: Some(ctx.run_id().to_string()),
        notes,
        created_at: time::OffsetDateTime::now_utc(),
    };
    analyst
        .memories
        .append(&state.scope, turn)
        .await
        .map_err(NodeError::retryable)?;
    Ok(state)
}

/// An earlier turn as the provider sees it.
fn exchange(turn: &Turn) -> Exchange {
    let mut answer = String::new();
    let mut sql = None;
    for event in &turn.answer {
        match event {
            Event::Text { delta } => answer.push_str(delta),
            Event::Code { source, .. } => sql = Some(source.clone()),
            _ => {}
        }
    }
    Exchange {
        question: turn.question.clone(),
        answer,
        sql,
        notes: turn.notes.clone(),
    }
}
