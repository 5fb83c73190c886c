//! The nodes of the analysis graph. Each takes the state and returns the next; provider
//! failures that are worth another try are retryable for the engine's policy.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures::future::join_all;

use super::{Analysis, Deps, MAX_TASKS, Task};
use crate::chart;
use crate::events::Event;
use crate::graph::{NodeContext, NodeError};
use crate::memory::Turn;
use crate::provider::{Ask, Exchange, Failure, ProviderError, TaskKind};
use crate::sql::SqlError;

/// Every node, by name.
pub const NAMES: [&str; 12] = [
    "load_memory",
    "classify_mode",
    "route",
    "advise",
    "decompose",
    "classify_tasks",
    "plan",
    "write_query",
    "execute",
    "review",
    "respond",
    "save_memory",
];

/// A provider's failure ends the run with its code: the model client has retried what
/// was worth retrying, and a retry here could say streamed text twice.
impl From<ProviderError> for NodeError {
    fn from(error: ProviderError) -> Self {
        NodeError::fatal(format!("{}: {error}", error.code())) // TODO(#12): NodeError::stopped once the engine has it
    }
}

fn ask<'a>(state: &'a Analysis, ctx: &'a NodeContext<Event>, deps: &'a Deps) -> Ask<'a> {
    Ask::new(&state.question, &state.schema, &state.history, ctx)
        .with_values(&state.values)
        .with_run(state.mode, &deps.usage)
}

/// Sends `event` to the client and keeps it for the turn's memory.
async fn show(ctx: &NodeContext<Event>, answer: &mut Vec<Event>, event: Event) {
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

/// Runs the node called `name`.
pub async fn run(
    name: &'static str,
    deps: Arc<Deps>,
    mut state: Analysis,
    ctx: NodeContext<Event>,
) -> Result<Analysis, NodeError> {
    let provider = &deps.provider;
    match name {
        "load_memory" => {
            let memory = deps.memories.load(&deps.scope).await.map_err(NodeError::retryable)?;
            state.history = memory.turns.iter().map(exchange).collect();
        }
        "classify_mode" => state.mode = Some(provider.classify_mode(&ask(&state, &ctx, &deps)).await?),
        "route" => state.route = Some(provider.route(&ask(&state, &ctx, &deps)).await?),
        "advise" => {
            let ask = ask(&state, &ctx, &deps);
            provider.advise(&ask).await?;
            let mut said = Vec::new();
            keep_said(&ask, &mut said);
            state.answer.extend(said);
        }
        "decompose" => {
            let mut tasks = provider.decompose(&ask(&state, &ctx, &deps)).await?;
            tasks.truncate(MAX_TASKS);
            if tasks.is_empty() {
                tasks.push(state.question.clone());
            }
            state.tasks = tasks
                .into_iter()
                .map(|text| Task {
                    text,
                    ..Task::default()
                })
                .collect();
        }
        "classify_tasks" => {
            let ask = ask(&state, &ctx, &deps);
            let kinds = join_all(state.tasks.iter().map(|task| provider.classify_task(&ask, &task.text))).await;
            let kinds = kinds.into_iter().collect::<Result<Vec<_>, _>>()?;
            for (task, kind) in state.tasks.iter_mut().zip(kinds) {
                task.kind = Some(kind);
            }
        }
        "plan" => {
            let ask = ask(&state, &ctx, &deps);
            let plans = join_all(state.tasks.iter().map(|task| async {
                if task.needs_query() {
                    provider.plan(&ask, &task.text).await.map(Some)
                } else {
                    Ok(None)
                }
            }))
            .await;
            let plans = plans.into_iter().collect::<Result<Vec<_>, _>>()?;
            for (task, plan) in state.tasks.iter_mut().zip(plans) {
                task.plan = plan;
            }
        }
        "write_query" => {
            let ask = ask(&state, &ctx, &deps);
            let queries = join_all(state.tasks.iter().map(|task| async {
                if !task.wants_query() {
                    return Ok(None);
                }
                let failure = task
                    .sql
                    .clone()
                    .zip(task.error.clone())
                    .map(|(sql, error)| Failure { sql, error });
                let plan = task.plan.as_deref().unwrap_or_default();
                provider
                    .write_query(&ask, &task.text, plan, failure.as_ref())
                    .await
                    .map(Some)
            }))
            .await;
            let queries = queries.into_iter().collect::<Result<Vec<_>, _>>()?;
            for (task, sql) in state.tasks.iter_mut().zip(queries) {
                if let Some(sql) = sql {
                    task.sql = Some(sql);
                    task.attempts += 1;
                    task.error = None;
                    task.table = None;
                    task.review = None;
                }
            }
        }
        "execute" => {
            let pending: Vec<usize> = (0..state.tasks.len())
                .filter(|&i| {
                    state.tasks[i].needs_query() && state.tasks[i].table.is_none() && state.tasks[i].error.is_none()
                })
                .collect();
            for &i in &pending {
                if let Some(sql) = state.tasks[i].sql.clone() {
                    let code = Event::Code {
                        language: "sql".into(),
                        source: sql,
                    };
                    show(&ctx, &mut state.answer, code).await;
                }
            }
            let cancel = ctx.cancellation();
            let results = join_all(pending.iter().map(|&i| {
                let sql = state.tasks[i].sql.clone().unwrap_or_default();
                let deps = Arc::clone(&deps);
                async move { deps.datasets.execute(&deps.dataset, &sql, deps.limits, cancel).await }
            }))
            .await;
            for (&i, result) in pending.iter().zip(results) {
                match result {
                    Ok(output) => state.tasks[i].table = Some(output.table),
                    Err(SqlError::Cancelled) => return Err(NodeError::fatal("cancelled")),
                    Err(error) => state.tasks[i].error = Some(error.to_string()),
                }
            }
        }
        "review" => {
            let ask = ask(&state, &ctx, &deps);
            let reviews = join_all(state.tasks.iter().map(|task| async {
                match (&task.table, &task.review) {
                    (Some(table), None) => {
                        let sql = task.sql.as_deref().unwrap_or_default();
                        provider.review(&ask, &task.text, sql, table).await.map(Some)
                    }
                    _ => Ok(None),
                }
            }))
            .await;
            let reviews = reviews.into_iter().collect::<Result<Vec<_>, _>>()?;
            for (task, review) in state.tasks.iter_mut().zip(reviews) {
                if let Some(review) = review {
                    if !review.answers {
                        task.error = Some(format!("the result does not answer the question: {}", review.reason));
                    }
                    task.review = Some(review);
                }
            }
        }
        "respond" => {
            let shown = respond(&state, &ctx, &deps).await?;
            state.answer.extend(shown);
        }
        "save_memory" => save_memory(&state, &ctx, &deps).await?,
        _ => return Err(NodeError::fatal(format!("no node called {name}"))),
    }
    Ok(state)
}

/// Reports every subtask in order: its table and sentence, its chart, or why it failed;
/// returns what it showed.
async fn respond(state: &Analysis, ctx: &NodeContext<Event>, deps: &Deps) -> Result<Vec<Event>, NodeError> {
    let ask = ask(state, ctx, deps);
    let provider = &deps.provider;
    let mut shown = Vec::new();
    for task in &state.tasks {
        let answered = task.review.as_ref().is_some_and(|review| review.answers);
        match (task.kind, &task.table) {
            (Some(TaskKind::Direct), _) => {
                provider.direct(&ask, &task.text).await?;
                keep_said(&ask, &mut shown);
            }
            (Some(kind), Some(table)) if answered => {
                show(ctx, &mut shown, Event::Table(table.clone())).await;
                if kind == TaskKind::Visualization {
                    for event in chart_events(&ask, &task.text, table, deps).await? {
                        show(ctx, &mut shown, event).await;
                    }
                }
                provider
                    .report(&ask, &task.text, task.sql.as_deref().unwrap_or_default(), table)
                    .await?;
                keep_said(&ask, &mut shown);
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
            }
        }
    }
    Ok(shown)
}

/// The `chart` and `image` events of `table`; a chart that does not fit the table becomes
/// an error event, not a failed run.
async fn chart_events(
    ask: &Ask<'_>,
    task: &str,
    table: &crate::table::Table,
    deps: &Deps,
) -> Result<Vec<Event>, NodeError> {
    let intent = deps.provider.chart(ask, task, table).await?;
    let drawn = chart::spec(&intent, table).and_then(|spec| Ok((spec, chart::png(&intent, table)?)));
    Ok(match drawn {
        Ok((spec, png)) => vec![
            Event::Chart { spec },
            Event::Image {
                mime_type: "image/png".into(),
                data: BASE64.encode(png),
            },
        ],
        Err(error) => vec![Event::Error {
            code: "chart_failed".into(),
            message: error.to_string(),
        }],
    })
}

/// Remembers the turn: the question, every event of the answer so far, and the provider's
/// notes about it.
async fn save_memory(state: &Analysis, ctx: &NodeContext<Event>, deps: &Deps) -> Result<(), NodeError> {
    let notes = deps.provider.notes(&ask(state, ctx, deps)).await?;
    let turn = Turn {
        question: state.question.clone(),
        answer: state.answer.clone(),
        run_id: Some(ctx.run_id().to_string()),
        notes,
        created_at: time::OffsetDateTime::now_utc(),
    };
    deps.memories
        .append(&deps.scope, turn, None)
        .await
        .map_err(NodeError::retryable)?;
    Ok(())
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
