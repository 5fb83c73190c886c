//! Building and running session-service: bind first (so port 0 works), connect and
//! migrate, then serve until the shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sextant_common::auth::Verifier;
use sextant_common::cache::Cache;
use sextant_common::service::Foundation;
use sextant_proto::agent::v1::agent_service_client::AgentServiceClient;
use sextant_proto::file::v1::file_service_client::FileServiceClient;
use sextant_proto::session::v1::session_service_server::SessionServiceServer;
use tonic::service::Routes;
use tonic::transport::{Channel, Endpoint};

use crate::Config;
use crate::active::{ActiveCache, TTL};
use crate::grpc::{Cascade, SessionService};

/// A bound, connected, migrated session-service, ready to serve.
pub struct Application {
    foundation: Foundation,
    service: SessionService,
}

impl Application {
    /// Binds the listener, connects to PostgreSQL (which must answer) and Redis (lazily),
    /// and migrates.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let foundation = Foundation::start(
            config.listen_addr,
            &config.database_url,
            config.database_max_connections,
            Some(&config.redis_url),
        )
        .await?;
        sqlx::migrate!()
            .run(&foundation.pool)
            .await
            .context("migrating the session database")?;
        let timeout = Duration::from_millis(config.call_timeout_ms);
        let verifier = Verifier::remote(&config.jwt_issuer, &config.jwt_audience, &config.auth_url, timeout)
            .context("AUTH_URL")?;
        let channel = |url: &str, name: &str| -> anyhow::Result<Channel> {
            Ok(Endpoint::from_shared(url.to_owned())
                .with_context(|| name.to_owned())?
                .connect_timeout(timeout)
                .connect_lazy())
        };
        let files = channel(&config.file_url, "FILE_URL")?;
        let agent = channel(&config.agent_url, "AGENT_URL")?;
        let redis = foundation.redis.clone().context("Redis is configured")?;
        let cache = ActiveCache::new(Cache::new(redis, config.redis_prefix, TTL));
        let service = SessionService::new(
            foundation.pool.clone(),
            cache,
            Arc::new(verifier),
            Cascade {
                files: FileServiceClient::new(files),
                agent: AgentServiceClient::new(agent),
            },
            timeout,
        );
        Ok(Self { foundation, service })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.foundation.local_addr()
    }

    /// Serves until `shutdown` resolves, then finishes the calls in flight.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let routes = Routes::new(SessionServiceServer::new(self.service));
        self.foundation.serve(routes, shutdown).await.context("serving gRPC")
    }
}
