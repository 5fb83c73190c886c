//! Building and running file-service: bind first (so port 0 works), connect, then serve
//! until the shutdown signal.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use sextant_common::health::Dependency;
use sextant_common::{connect, grpc};
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::Config;

/// A bound and connected file-service, ready to serve.
pub struct Application {
    listener: TcpListener,
    dependencies: Vec<Dependency>,
}

impl Application {
    /// Binds the listener and connects to PostgreSQL (which must answer) and Redis
    /// (connected lazily, so the service starts while Redis is away).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen_addr)
            .await
            .with_context(|| format!("binding {}", config.listen_addr))?;
        let pool = connect::postgres(&config.database_url, config.database_max_connections)
            .await
            .context("connecting to PostgreSQL")?;
        let redis = connect::redis(&config.redis_url).context("configuring Redis")?;
        Ok(Self {
            listener,
            dependencies: vec![Dependency::Postgres(pool), Dependency::Redis(redis)],
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        // A bound TCP listener always has a local address.
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Serves until `shutdown` resolves.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> anyhow::Result<()> {
        grpc::serve(
            self.listener,
            self.dependencies,
            Routes::default(),
            shutdown,
        )
        .await
        .context("serving gRPC")
    }
}
