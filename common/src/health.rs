//! `grpc.health.v1` for every service: a background task checks the service's own
//! dependencies (PostgreSQL, Redis) and flips the reported status, so the gateway's
//! `/readyz` turns unready while one is away and ready again when it returns, without a
//! restart.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManager;
use sqlx::PgPool;
use tonic_health::{ServingStatus, server::HealthReporter};

/// How often dependencies are checked.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(500);

/// The health service under which agent-service reports its model provider: SERVING
/// unless the provider's circuit breaker is open (answers then come from the offline
/// analyst); not known while the offline analyst answers.
pub const LLM_SERVICE: &str = "sextant.agent.v1.Llm";

/// A part of a service that may be away while the service still works (agent-service's
/// model provider, whose answers then come from the offline analyst): reported as a named
/// health service of its own, so `/readyz` can show it, without changing the service's
/// overall status.
#[derive(Clone)]
pub struct Facet {
    /// The health service name it is reported under.
    pub service: &'static str,
    /// Whether it works now.
    pub serving: Arc<dyn Fn() -> bool + Send + Sync>,
}

/// Something a service cannot work without.
#[derive(Clone)]
pub enum Dependency {
    /// A PostgreSQL pool, checked with `SELECT 1`.
    Postgres(PgPool),
    /// A Redis connection, checked with `PING`.
    Redis(ConnectionManager),
}

impl Dependency {
    fn name(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Redis(_) => "redis",
        }
    }

    async fn check(&self) -> Result<(), String> {
        let check = async {
            match self {
                Self::Postgres(pool) => sqlx::query("SELECT 1")
                    .execute(pool)
                    .await
                    .map(drop)
                    .map_err(|error| error.to_string()),
                Self::Redis(connection) => redis::cmd("PING")
                    .query_async::<String>(&mut connection.clone())
                    .await
                    .map(drop)
                    .map_err(|error| error.to_string()),
            }
        };
        tokio::time::timeout(CHECK_INTERVAL * 2, check)
            .await
            .map_err(|_| "timed out".to_owned())?
    }
}

/// Reports the overall status (service name `""`) as SERVING while every dependency
/// answers and NOT_SERVING otherwise, re-checking every [`CHECK_INTERVAL`] until the
/// returned task is aborted or the runtime stops.
pub fn watch(
    reporter: HealthReporter,
    dependencies: Vec<Dependency>,
    facets: Vec<Facet>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last = None;
        let mut facets_last: Vec<Option<ServingStatus>> = vec![None; facets.len()];
        let mut ticker = tokio::time::interval(CHECK_INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let mut status = ServingStatus::Serving;
            for dependency in &dependencies {
                if let Err(error) = dependency.check().await {
                    if last != Some(ServingStatus::NotServing) {
                        tracing::warn!(dependency = dependency.name(), %error, "dependency unavailable");
                    }
                    status = ServingStatus::NotServing;
                }
            }
            if last != Some(status) {
                tracing::info!(?status, "health changed");
                reporter.set_service_status("", status).await;
                last = Some(status);
            }
            for (facet, last) in facets.iter().zip(&mut facets_last) {
                let status = if (facet.serving)() {
                    ServingStatus::Serving
                } else {
                    ServingStatus::NotServing
                };
                if *last != Some(status) {
                    tracing::info!(service = facet.service, ?status, "health changed");
                    reporter.set_service_status(facet.service, status).await;
                    *last = Some(status);
                }
            }
        }
    })
}
