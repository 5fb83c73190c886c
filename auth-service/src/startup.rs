//! Building and running auth-service: bind first (so port 0 works), connect and migrate,
//! then serve until the shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use sextant_common::service::Foundation;
use sextant_proto::auth::v1::auth_service_server::AuthServiceServer;
use tonic::service::Routes;

use crate::Config;
use crate::grpc::{AuthService, TokenPolicy};
use crate::keys::KeyRing;
use crate::password::Hasher;

/// A bound, connected, migrated auth-service, ready to serve.
pub struct Application {
    foundation: Foundation,
    service: AuthService,
}

impl Application {
    /// Loads the keys, binds the listener, connects to PostgreSQL and migrates.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let keys = KeyRing::load(&config.jwt_key_files)?;
        let foundation = Foundation::start(
            config.listen_addr,
            &config.database_url,
            config.database_max_connections,
            None,
        )
        .await?;
        sqlx::migrate!()
            .run(&foundation.pool)
            .await
            .context("migrating the auth database")?;
        let concurrency = config
            .max_concurrent_hashes
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
        let hasher = Hasher::new(concurrency).await?;
        let policy = TokenPolicy {
            issuer: config.jwt_issuer,
            audience: config.jwt_audience,
            ttl_secs: i64::try_from(config.token_ttl_secs).context("JWT_TTL_SECS too large")?,
        };
        let service = AuthService::new(foundation.pool.clone(), hasher, Arc::new(keys), policy);
        Ok(Self { foundation, service })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.foundation.local_addr()
    }

    /// Serves until `shutdown` resolves, then finishes the calls in flight.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let routes = Routes::new(AuthServiceServer::new(self.service));
        self.foundation.serve(routes, shutdown).await.context("serving gRPC")
    }
}
