//! The nodes of a subtask's branch, one function each, and the supervisor's routing: a
//! query while one is wanted (none yet, or the last failed or did not answer, with
//! attempts left), a review of a new result, a chart of an answering result of a
//! VISUALIZATION subtask, else done.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::{Analyst, Subtask};
use crate::chart;
use crate::events::Event;
use crate::graph::{NodeContext, NodeError};
use crate::provider::{Failure, TaskKind};
use crate::sql::SqlError;

/// Where the supervisor sends the subtask next.
pub fn next(state: &Subtask) -> &'static str {
    let task = &state.task;
    if task.wants_query() {
        "analyst"
    } else if task.table.is_some() && task.error.is_none() && task.review.is_none() {
        "reviewer"
    } else if task.answered() && task.kind == Some(TaskKind::Visualization) && task.chart.is_empty() {
        "visualiser"
    } else {
        "done"
    }
}

/// ANALYSIS, VISUALIZATION or DIRECT.
pub async fn classify(
    analyst: Arc<Analyst>,
    mut state: Subtask,
    ctx: NodeContext<Event>,
) -> Result<Subtask, NodeError> {
    let (provider, text) = (&analyst.provider, &state.task.text);
    let kind = state
        .context
        .decide(&mut state.usage, &ctx, async |ask| {
            provider.classify_task(ask, text).await
        })
        .await?;
    state.task.kind = Some(kind);
    Ok(state)
}

/// The plan of the subtask's query.
pub async fn plan(analyst: Arc<Analyst>, mut state: Subtask, ctx: NodeContext<Event>) -> Result<Subtask, NodeError> {
    let (provider, text) = (&analyst.provider, &state.task.text);
    let plan = state
        .context
        .decide(&mut state.usage, &ctx, async |ask| provider.plan(ask, text).await)
        .await?;
    state.task.plan = Some(plan);
    Ok(state)
}

/// Writes the query (debugging the previous one, if any) and runs it.
pub async fn analyst(analyst: Arc<Analyst>, mut state: Subtask, ctx: NodeContext<Event>) -> Result<Subtask, NodeError> {
    let (provider, task) = (&analyst.provider, &state.task);
    let failure = task
        .sql
        .clone()
        .zip(task.error.clone())
        .map(|(sql, error)| Failure { sql, error });
    let plan = task.plan.as_deref().unwrap_or_default();
    let sql = state
        .context
        .decide(&mut state.usage, &ctx, async |ask| {
            provider.write_query(ask, &task.text, plan, failure.as_ref()).await
        })
        .await?;
    let task = &mut state.task;
    task.sql = Some(sql.clone());
    task.attempts += 1;
    task.error = None;
    task.table = None;
    task.review = None;
    let code = Event::Code {
        language: "sql".into(),
        source: sql.clone(),
    };
    super::nodes::show(&ctx, &mut state.shown, code).await;
    let task = &mut state.task;
    let ran = analyst
        .datasets
        .execute(&state.context.dataset, &sql, analyst.limits, ctx.cancellation())
        .await;
    match ran {
        Ok(output) => task.table = Some(output.table),
        Err(SqlError::Cancelled) => return Err(NodeError::fatal("cancelled")),
        Err(error) => task.error = Some(error.to_string()),
    }
    Ok(state)
}

/// Whether the result answers the subtask; one that does not goes back to the analyst.
pub async fn reviewer(
    analyst: Arc<Analyst>,
    mut state: Subtask,
    ctx: NodeContext<Event>,
) -> Result<Subtask, NodeError> {
    let (provider, task) = (&analyst.provider, &state.task);
    let Some(table) = &task.table else {
        return Ok(state);
    };
    let sql = task.sql.as_deref().unwrap_or_default();
    let review = state
        .context
        .decide(&mut state.usage, &ctx, async |ask| {
            provider.review(ask, &task.text, sql, table).await
        })
        .await?;
    if !review.answers {
        state.task.error = Some(format!("the result does not answer the question: {}", review.reason));
    }
    state.task.review = Some(review);
    Ok(state)
}

/// The chart of the result: a Vega-Lite spec and its PNG, or an error event when the
/// intent does not fit the table (not a failed run).
pub async fn visualiser(
    analyst: Arc<Analyst>,
    mut state: Subtask,
    ctx: NodeContext<Event>,
) -> Result<Subtask, NodeError> {
    let Some(table) = state.task.table.clone() else {
        return Ok(state);
    };
    let (provider, text) = (&analyst.provider, &state.task.text);
    let intent = state
        .context
        .decide(&mut state.usage, &ctx, async |ask| {
            provider.chart(ask, text, &table).await
        })
        .await?;
    let drawn = tokio::task::spawn_blocking(move || {
        chart::spec(&intent, &table).and_then(|spec| Ok((spec, chart::png(&intent, &table)?)))
    })
    .await
    .map_err(|error| NodeError::fatal(format!("drawing the chart failed: {error}")))?;
    state.task.chart = match drawn {
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
    };
    Ok(state)
}
