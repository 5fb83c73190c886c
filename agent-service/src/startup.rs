//! Building and running agent-service: bind first (so port 0 works), connect, then serve
//! until the shutdown signal.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use sextant_common::service::Foundation;
use tonic::service::Routes;

use crate::Config;

/// A bound and connected agent-service, ready to serve.
pub struct Application {
    foundation: Foundation,
}

impl Application {
    /// Binds the listener and connects to PostgreSQL (which must answer) and Redis.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let foundation = Foundation::start(
            config.listen_addr,
            &config.database_url,
            config.database_max_connections,
            Some(&config.redis_url),
        )
        .await?;
        Ok(Self { foundation })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.foundation.local_addr()
    }

    /// Serves until `shutdown` resolves.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        self.foundation
            .serve(Routes::default(), shutdown)
            .await
            .context("serving gRPC")
    }
}
