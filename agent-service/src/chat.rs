//! The chat as a whole: asking a question starts a run over the dataset (one per session),
//! runs a restart interrupted are resumed, a deleted session's runs, checkpoints and memory
//! are forgotten, and old runs are pruned. The gRPC layer authenticates and resolves the
//! session and dataset; everything after that is here.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::Error;
use crate::analysis::{self, Analysis, Analyst};
use crate::domain::{Question, Scope, SessionId, UserId};
use crate::driver::{self, Job, Start};
use crate::events::Event;
use crate::graph::{Checkpoints, Graph, GraphError};
use crate::memory::Memories;
use crate::provider::Provider;
use crate::runs::{Live, Runs};
use crate::sql::{DatasetSpec, Datasets, Limits};

/// Everything a run needs, shared by every call.
#[derive(Clone)]
pub struct Chat {
    /// The runs of this instance.
    pub runs: Runs,
    /// The conversations.
    pub memories: Memories,
    checkpoints: Checkpoints,
    datasets: Datasets,
    provider: Arc<dyn Provider>,
    limits: Limits,
    budgets: Budgets,
    graph: Arc<Graph<Analysis, Event>>,
}

/// What runs may spend on a model, in US dollars (`None`: no limit).
#[derive(Debug, Clone, Copy, Default)]
pub struct Budgets {
    /// Per run.
    pub run_usd: Option<f64>,
    /// Per user and day (UTC).
    pub user_daily_usd: Option<f64>,
}

/// How a run may use its dataset and the graph.
#[derive(Debug, Clone, Copy)]
pub struct RunLimits {
    /// Row cap and deadline of each query.
    pub query: Limits,
    /// Nodes a run may execute at most.
    pub max_steps: u32,
    /// What a run may spend on a model.
    pub budgets: Budgets,
}

impl Chat {
    /// A chat over these stores, answering with `provider`; builds the analysis graph.
    pub fn new(
        runs: Runs,
        memories: Memories,
        checkpoints: Checkpoints,
        datasets: Datasets,
        provider: Arc<dyn Provider>,
        limits: RunLimits,
    ) -> Result<Self, GraphError> {
        let analyst = Arc::new(Analyst {
            provider: Arc::clone(&provider),
            datasets: datasets.clone(),
            limits: limits.query,
            memories: memories.clone(),
        });
        let graph = analysis::graph(analyst, Some(checkpoints.clone()), limits.max_steps)?;
        Ok(Self {
            runs,
            memories,
            checkpoints,
            datasets,
            provider,
            limits: limits.query,
            budgets: limits.budgets,
            graph: Arc::new(graph),
        })
    }

    /// What a run of `scope`'s user may still spend on the model: the smaller of the run
    /// budget and what is left of the user's daily budget (`None`: no limit).
    async fn budget(&self, scope: &Scope) -> Result<Option<f64>, Error> {
        let daily = match self.budgets.user_daily_usd {
            Some(daily) => Some((daily - self.runs.spent_today(scope.user).await?).max(0.0)),
            None => None,
        };
        Ok(match (self.budgets.run_usd, daily) {
            (Some(run), Some(daily)) => Some(run.min(daily)),
            (run, daily) => run.or(daily),
        })
    }

    fn job(&self, scope: Scope, dataset: DatasetSpec, budget_usd: Option<f64>, sample_rows: bool) -> Job {
        Job {
            graph: Arc::clone(&self.graph),
            datasets: self.datasets.clone(),
            limits: self.limits,
            identity: self.provider.identity(),
            scope,
            dataset,
            budget_usd,
            // The offline analyst reads the data itself: reading samples for it is waste.
            sample_rows: sample_rows && self.provider.remote(),
        }
    }

    /// Starts answering `question` about `dataset` in `scope` (with a few of its rows for
    /// a remote model when `sample_rows`); [`Error::Busy`] when the session already has a
    /// run going.
    pub async fn ask(
        &self,
        scope: Scope,
        dataset: DatasetSpec,
        question: Question,
        sample_rows: bool,
    ) -> Result<Arc<Live>, Error> {
        let budget = self.budget(&scope).await?;
        let live = self.runs.start(scope.clone(), &dataset, question.as_str()).await?;
        let job = self.job(scope, dataset, budget, sample_rows);
        driver::spawn(
            self.runs.clone(),
            Arc::clone(&live),
            job,
            Start::Fresh(question.as_str().to_owned()),
        );
        Ok(live)
    }

    /// The questions the offline analyst offers about `dataset` (see
    /// [`crate::offline::suggest`]), read from its columns alone.
    pub async fn suggestions(&self, dataset: &DatasetSpec) -> Result<Vec<String>, Error> {
        let schema = self
            .datasets
            .schema(dataset, self.limits, &CancellationToken::new())
            .await
            .map_err(|error| Error::DatasetUnreadable(error.to_string()))?;
        Ok(crate::offline::suggest::suggestions(&schema))
    }

    /// Resumes every run a dead process left `running`, from its last checkpoint; returns
    /// how many. Call once at start-up, before serving.
    pub async fn resume_interrupted(&self) -> Result<usize, Error> {
        let interrupted = self.runs.claim_interrupted().await?;
        for run in &interrupted {
            tracing::info!(run_id = %run.live.id, "resuming a run interrupted by a restart");
            let budget = self.budget(&run.live.scope).await?;
            // The samples, if any, are in the checkpointed state already.
            let job = self.job(run.live.scope.clone(), run.dataset.clone(), budget, false);
            driver::spawn(self.runs.clone(), Arc::clone(&run.live), job, Start::Resume);
        }
        Ok(interrupted.len())
    }

    /// Forgets a deleted session: its runs (cancelled first), their checkpoints, its memory.
    pub async fn forget_session(&self, user: UserId, session: SessionId) -> Result<(), Error> {
        let runs = self.runs.forget_session(user, session).await?;
        self.checkpoints.delete_runs(&runs).await?;
        self.memories.forget_session(user, session).await
    }

    /// Retention: keeps only the latest checkpoint of every run, and forgets runs (and
    /// their checkpoints) that ended more than `retention` ago. Memory is kept: it is the
    /// conversation.
    pub async fn prune(&self, retention: Duration) -> Result<(), Error> {
        let trimmed = self.checkpoints.keep_last(1).await?;
        let ended = self.runs.delete_finished_before(retention).await?;
        self.checkpoints.delete_runs(&ended).await?;
        let orphans = self.checkpoints.delete_finished_before(retention).await?;
        tracing::info!(
            checkpoints_trimmed = trimmed,
            runs_forgotten = ended.len(),
            orphan_runs = orphans.len(),
            "pruned old runs"
        );
        Ok(())
    }

    /// Prunes every `every` until the process ends; a failed round is logged and retried
    /// at the next.
    pub fn prune_periodically(self, every: Duration, retention: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(error) = self.prune(retention).await {
                    tracing::warn!(%error, "pruning old runs failed; trying again later");
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;
    use crate::analysis::scripted::{Deps, Scripted, World, world};
    use crate::provider::Route;

    /// The chat over a test world's stores and provider.
    fn chat_of(world: &World) -> Chat {
        chat_with(world, Budgets::default())
    }

    fn chat_with(world: &World, budgets: Budgets) -> Chat {
        let deps = &world.deps;
        Chat::new(
            world.runs.clone(),
            deps.memories.clone(),
            deps.checkpoints.clone().expect("checkpoints"),
            deps.datasets.clone(),
            Arc::clone(&deps.provider),
            RunLimits {
                query: deps.limits,
                max_steps: deps.max_steps,
                budgets,
            },
        )
        .expect("a valid graph")
    }

    /// Asks "total by region" and reads the answer to its end.
    async fn answered(chat: &Chat, deps: &Deps) -> Vec<Event> {
        let question = Question::parse("total by region").expect("question");
        let live = chat
            .ask(deps.scope.clone(), deps.dataset.clone(), question, false)
            .await
            .expect("ask");
        live.follow(0).map(|event| event.event).collect().await
    }

    async fn count(pool: &sqlx::PgPool, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(pool).await.expect("count")
    }

    #[tokio::test]
    async fn sample_rows_are_read_only_for_a_remote_model() {
        let world = world(Scripted::new(Route::Exploratory, 0)).await;
        let (chat, deps) = (chat_of(&world), world.deps.clone());
        assert!(!deps.provider.remote(), "the scripted analyst is offline");
        let job = chat.job(deps.scope.clone(), deps.dataset.clone(), None, true);
        assert!(
            !job.sample_rows,
            "the session allows them, but nobody remote would see them"
        );
    }

    #[tokio::test]
    async fn pruning_trims_checkpoints_then_forgets_old_runs_but_keeps_memory() {
        let world = world(Scripted::new(Route::Exploratory, 0)).await;
        let (chat, deps) = (chat_of(&world), world.deps.clone());
        let events = answered(&chat, &deps).await;
        assert!(matches!(events.last(), Some(Event::Done { .. })));
        assert!(count(&world.pool, "SELECT count(*) FROM checkpoints").await > 1);

        chat.prune(Duration::from_secs(3600)).await.expect("prune");
        assert_eq!(
            count(&world.pool, "SELECT count(*) FROM checkpoints").await,
            1,
            "the latest only"
        );
        assert_eq!(
            count(&world.pool, "SELECT count(*) FROM runs").await,
            1,
            "a recent run stays"
        );

        sqlx::query("UPDATE runs SET finished_at = now() - interval '2 hours'")
            .execute(&world.pool)
            .await
            .expect("age the run");
        chat.prune(Duration::from_secs(3600)).await.expect("prune");
        assert_eq!(count(&world.pool, "SELECT count(*) FROM runs").await, 0);
        assert_eq!(count(&world.pool, "SELECT count(*) FROM checkpoints").await, 0);
        let memory = chat.memories.load(&deps.scope).await.expect("memory");
        assert_eq!(memory.turns.len(), 1, "the conversation stays");
    }

    #[tokio::test]
    async fn forgetting_a_session_deletes_its_runs_checkpoints_and_memory() {
        let world = world(Scripted::new(Route::Exploratory, 0)).await;
        let (chat, deps) = (chat_of(&world), world.deps.clone());
        answered(&chat, &deps).await;
        chat.forget_session(deps.scope.user, deps.scope.session)
            .await
            .expect("forget");
        assert_eq!(count(&world.pool, "SELECT count(*) FROM runs").await, 0);
        assert_eq!(count(&world.pool, "SELECT count(*) FROM checkpoints").await, 0);
        assert!(chat.memories.load(&deps.scope).await.expect("memory").turns.is_empty());
    }

    #[tokio::test]
    async fn a_runs_budget_is_the_smaller_of_its_own_and_what_is_left_of_its_users_day() {
        let world = world(Scripted::new(Route::Exploratory, 0)).await;
        let scope = world.deps.scope.clone();
        let record = |cost: f64, age: &'static str| {
            let pool = world.pool.clone();
            let user = scope.user.0;
            async move {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO runs (id, user_id, session_id, file_id, question, dataset, status, cost_usd, created_at) \
                     VALUES (gen_random_uuid(), $1, gen_random_uuid(), 'f', 'q', '{{}}', 'finished', $2, now() - interval '{age}')"
                )))
                .bind(user)
                .bind(cost)
                .execute(&pool)
                .await
                .expect("a past run");
            }
        };
        record(0.75, "0 seconds").await;
        record(100.0, "2 days").await;
        let unlimited = chat_of(&world);
        assert_eq!(unlimited.budget(&scope).await.expect("budget"), None);
        let daily = chat_with(
            &world,
            Budgets {
                run_usd: None,
                user_daily_usd: Some(1.0),
            },
        );
        let left = daily.budget(&scope).await.expect("budget").expect("a limit");
        assert!((left - 0.25).abs() < 1e-9, "only today's spending counts: {left}");
        let both = chat_with(
            &world,
            Budgets {
                run_usd: Some(0.1),
                user_daily_usd: Some(1.0),
            },
        );
        assert_eq!(both.budget(&scope).await.expect("budget"), Some(0.1));
        record(5.0, "0 seconds").await;
        assert_eq!(
            daily.budget(&scope).await.expect("budget"),
            Some(0.0),
            "spent: nothing is left"
        );
    }
}
