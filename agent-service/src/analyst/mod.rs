//! The LLM analyst: the [`Provider`] that asks a remote [`Model`] (Claude, or any
//! OpenAI-compatible server) for every decision of the analysis graph. It holds the prompts
//! (`prompts/`, versioned) and the tools (`tools`); the model's structured decisions come
//! back as tool calls read against their schema, with one repair round (the model is told
//! what was wrong) before the decision fails with a clear error. Prose (the answer) streams
//! to the user as the model writes it.
//!
//! Every call is priced and counted in the run's meter, reported as a `usage` event of the
//! node, and refused once the run's budget is spent. When the model cannot be reached (its
//! circuit breaker is open, or its client's retries ran out before the first token), the
//! decision is made by the offline analyst instead, and the stream says so in a `status`
//! event; a reply that broke off after text reached the user is not retried anywhere.

mod context;
pub mod prompts;
mod tools;

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;

use crate::chart::ChartIntent;
use crate::events::{Event, Phase};
use crate::llm::{Choice, Message, Model, ModelError, Reply, Request};
use crate::metrics;
use crate::offline::Offline;
use crate::provider::{Ask, Failure, Identity, Mode, Provider, ProviderError, Review, Route, TaskKind};
use crate::table::Table;
use crate::usage::Prices;
use tools::{Decision, KindArgs, ModeArgs, PlanArgs, ReviewArgs, RouteArgs, SqlArgs, SubtasksArgs};

/// The longest reply of a decision, in tokens.
const DECISION_TOKENS: u32 = 1_024;
/// The longest prose answer, in tokens.
const ANSWER_TOKENS: u32 = 2_048;

/// The analyst over a remote model.
pub struct Llm {
    model: Arc<dyn Model>,
    prices: Prices,
    offline: Offline,
}

impl Llm {
    /// The analyst asking `model`, its tokens priced at `prices`, with the offline analyst
    /// as the fallback.
    pub fn new(model: Arc<dyn Model>, prices: Prices) -> Self {
        Self {
            model,
            prices,
            offline: Offline::default(),
        }
    }

    /// One call: budget checked, the reply streamed (its text said to the user when
    /// `speak`), its tokens priced, counted and reported.
    async fn call(&self, ask: &Ask<'_>, request: Request, speak: bool) -> Result<Reply, ProviderError> {
        if let Some(meter) = ask.usage {
            meter.check().map_err(ProviderError::Budget)?;
        }
        let started = std::time::Instant::now();
        let reply = match self.model.stream(&request, ask.ctx.cancellation()).await {
            Ok(chunks) => {
                Reply::collect(chunks, |text| async move {
                    if speak {
                        ask.say(text).await;
                    }
                })
                .await
            }
            Err(error) => Err(error),
        };
        metrics::model_call(self.model.provider(), reply.as_ref().map(drop), started.elapsed());
        let reply = match reply {
            Ok(reply) => reply,
            Err(error) if ask.has_said() => return Err(ProviderError::BrokeOff(error)),
            Err(error) => return Err(error.into()),
        };
        let used = self.prices.usage(reply.tokens.input, reply.tokens.output);
        metrics::usage(self.model.model(), ask.ctx.node(), used);
        if let Some(meter) = ask.usage {
            meter.add(used);
        }
        ask.ctx.emit(Event::usage(ask.ctx.node(), used)).await;
        Ok(reply)
    }

    /// A decision: the model must call `T`'s tool; arguments that do not fit (its schema,
    /// or `fits`) are sent back once with what was wrong.
    async fn decide<T: Decision>(&self, ask: &Ask<'_>, prompt: String) -> Result<T, ProviderError> {
        self.decide_fitting(ask, prompt, |_: &T| Ok(())).await
    }

    async fn decide_fitting<T: Decision>(
        &self,
        ask: &Ask<'_>,
        prompt: String,
        fits: impl Fn(&T) -> Result<(), String>,
    ) -> Result<T, ProviderError> {
        let tool = T::tool();
        let name = tool.name;
        let mut messages = vec![Message::User(format!("{}{prompt}", context::describe(ask)))];
        for round in 0..2 {
            let request = Request {
                system: prompts::SYSTEM.to_owned(),
                messages: messages.clone(),
                tools: vec![tool.clone()],
                choice: Choice::Tool(name.to_owned()),
                max_tokens: DECISION_TOKENS,
            };
            let reply = self.call(ask, request, false).await?;
            let call = reply.calls.iter().find(|call| call.name == name).cloned();
            let problem = match &call {
                Some(call) => match tools::read::<T>(&call.arguments).and_then(|decision| {
                    fits(&decision)?;
                    Ok(decision)
                }) {
                    Ok(decision) => return Ok(decision),
                    Err(problem) => problem,
                },
                None => format!("the reply did not call `{name}`"),
            };
            tracing::warn!(tool = name, round, %problem, "the model's decision does not fit its schema");
            if round == 1 {
                return Err(ProviderError::Invalid {
                    tool: name,
                    reason: problem,
                });
            }
            messages.push(Message::Assistant {
                text: reply.text,
                calls: call.iter().cloned().collect(),
            });
            messages.push(match call {
                Some(call) => Message::ToolResult {
                    id: call.id,
                    content: format!("{problem}. Call `{name}` again with arguments that fit its schema."),
                    is_error: true,
                },
                None => Message::User(format!("{problem}. Call `{name}`.")),
            });
        }
        unreachable!("the loop returns in its second round")
    }

    /// Prose streamed to the user.
    async fn write(&self, ask: &Ask<'_>, prompt: String) -> Result<(), ProviderError> {
        let request = Request {
            system: prompts::SYSTEM.to_owned(),
            messages: vec![Message::User(format!("{}{prompt}", context::describe(ask)))],
            tools: Vec::new(),
            choice: Choice::Text,
            max_tokens: ANSWER_TOKENS,
        };
        self.call(ask, request, true).await.map(|_| ())
    }

    /// `tried`, or the offline analyst's decision when the model could not be reached.
    async fn or_offline<T, F>(
        &self,
        ask: &Ask<'_>,
        tried: Result<T, ProviderError>,
        offline: impl FnOnce() -> F,
    ) -> Result<T, ProviderError>
    where
        F: Future<Output = Result<T, ProviderError>>,
    {
        match tried {
            Err(ProviderError::Model(error)) if unreachable_model(&error) => {
                tracing::warn!(provider = self.model.provider(), %error, "answering with the offline analyst");
                metrics::fallback(self.model.provider());
                ask.ctx
                    .emit(Event::Status {
                        node: ask.ctx.node().to_owned(),
                        phase: Phase::Started,
                        detail: format!("{error}; the offline analyst answers this step instead"),
                    })
                    .await;
                offline().await
            }
            other => other,
        }
    }
}

/// Whether `error` means the model could not be reached (its breaker is open, or every
/// attempt failed before a token): the offline analyst then decides.
fn unreachable_model(error: &ModelError) -> bool {
    matches!(error, ModelError::Unavailable) || error.is_transient()
}

fn table_prompt(template: &str, task: &str, sql: &str, table: &Table, depth: &str) -> String {
    prompts::fill(
        template,
        &[
            ("task", task),
            ("sql", sql),
            ("table", &context::table(table)),
            ("depth", depth),
        ],
    )
}

#[async_trait]
impl Provider for Llm {
    fn remote(&self) -> bool {
        true
    }

    fn available(&self) -> bool {
        self.model.breaker().state() != crate::llm::BreakerState::Open
    }

    fn identity(&self) -> Identity {
        Identity {
            model: format!("{}/{}", self.model.provider(), self.model.model()),
            prompt_version: prompts::VERSION,
        }
    }

    async fn classify_mode(&self, ask: &Ask<'_>) -> Result<Mode, ProviderError> {
        let tried = self
            .decide::<ModeArgs>(ask, prompts::fill(prompts::MODE, &[("question", ask.question)]))
            .await
            .map(|args| args.mode);
        self.or_offline(ask, tried, || self.offline.classify_mode(ask)).await
    }

    async fn route(&self, ask: &Ask<'_>) -> Result<Route, ProviderError> {
        let tried = self
            .decide::<RouteArgs>(ask, prompts::fill(prompts::ROUTE, &[("question", ask.question)]))
            .await
            .map(|args| args.route);
        self.or_offline(ask, tried, || self.offline.route(ask)).await
    }

    async fn advise(&self, ask: &Ask<'_>) -> Result<(), ProviderError> {
        let tried = self
            .write(ask, prompts::fill(prompts::ADVISE, &[("question", ask.question)]))
            .await;
        self.or_offline(ask, tried, || self.offline.advise(ask)).await
    }

    async fn decompose(&self, ask: &Ask<'_>) -> Result<Vec<String>, ProviderError> {
        let max = crate::analysis::MAX_TASKS.to_string();
        let prompt = prompts::fill(prompts::DECOMPOSE, &[("question", ask.question), ("max_tasks", &max)]);
        let tried = self.decide::<SubtasksArgs>(ask, prompt).await.map(|args| {
            let tasks = args.subtasks.into_iter().map(|task| task.trim().to_owned());
            tasks.filter(|task| !task.is_empty()).collect()
        });
        self.or_offline(ask, tried, || self.offline.decompose(ask)).await
    }

    async fn classify_task(&self, ask: &Ask<'_>, task: &str) -> Result<TaskKind, ProviderError> {
        let prompt = prompts::fill(prompts::CLASSIFY, &[("task", task)]);
        let tried = self.decide::<KindArgs>(ask, prompt).await.map(|args| args.kind);
        self.or_offline(ask, tried, || self.offline.classify_task(ask, task))
            .await
    }

    async fn plan(&self, ask: &Ask<'_>, task: &str) -> Result<String, ProviderError> {
        let prompt = prompts::fill(prompts::PLAN, &[("task", task)]);
        let tried = self.decide::<PlanArgs>(ask, prompt).await.map(|args| args.plan);
        self.or_offline(ask, tried, || self.offline.plan(ask, task)).await
    }

    async fn write_query(
        &self,
        ask: &Ask<'_>,
        task: &str,
        plan: &str,
        failure: Option<&Failure>,
    ) -> Result<String, ProviderError> {
        let debug = failure.map_or_else(String::new, |failure| {
            prompts::fill(prompts::DEBUG, &[("sql", &failure.sql), ("error", &failure.error)])
        });
        let prompt = prompts::fill(prompts::QUERY, &[("task", task), ("plan", plan), ("failure", &debug)]);
        let tried = self.decide::<SqlArgs>(ask, prompt).await.map(|args| args.sql);
        self.or_offline(ask, tried, || self.offline.write_query(ask, task, plan, failure))
            .await
    }

    async fn review(&self, ask: &Ask<'_>, task: &str, sql: &str, table: &Table) -> Result<Review, ProviderError> {
        let prompt = table_prompt(prompts::REVIEW, task, sql, table, "");
        let tried = self.decide::<ReviewArgs>(ask, prompt).await.map(Review::from);
        self.or_offline(ask, tried, || self.offline.review(ask, task, sql, table))
            .await
    }

    async fn report(&self, ask: &Ask<'_>, task: &str, sql: &str, table: &Table) -> Result<(), ProviderError> {
        let depth = match ask.mode {
            Some(Mode::Technical) => "Then explain in one or two sentences how the query computes it.",
            _ => "",
        };
        let tried = self
            .write(ask, table_prompt(prompts::REPORT, task, sql, table, depth))
            .await;
        self.or_offline(ask, tried, || self.offline.report(ask, task, sql, table))
            .await
    }

    async fn chart(&self, ask: &Ask<'_>, task: &str, table: &Table) -> Result<ChartIntent, ProviderError> {
        let prompt = table_prompt(prompts::CHART, task, "", table, "");
        let fits = |intent: &ChartIntent| intent.check(table).map_err(|error| error.to_string());
        let tried = self.decide_fitting(ask, prompt, fits).await;
        self.or_offline(ask, tried, || self.offline.chart(ask, task, table))
            .await
    }

    async fn direct(&self, ask: &Ask<'_>, task: &str) -> Result<(), ProviderError> {
        let tried = self.write(ask, prompts::fill(prompts::DIRECT, &[("task", task)])).await;
        self.or_offline(ask, tried, || self.offline.direct(ask, task)).await
    }
}

#[cfg(test)]
mod tests;
