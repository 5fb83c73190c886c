//! What every stateful service starts from: a listener bound before anything else (so
//! port 0 works in tests), a PostgreSQL pool on its own database, and optionally a Redis
//! connection made lazily (so the service starts while Redis is away).

use std::net::SocketAddr;

use redis::aio::ConnectionManager;
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::connect;
use crate::health::{Dependency, Facet};

/// Why a service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The listen address could not be bound.
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// PostgreSQL did not answer.
    #[error("connecting to PostgreSQL: {0}")]
    Postgres(#[from] sqlx::Error),
    /// The Redis URL is invalid.
    #[error("configuring Redis: {0}")]
    Redis(#[from] redis::RedisError),
}

/// A bound listener and the service's connections.
pub struct Foundation {
    /// The bound gRPC listener.
    pub listener: TcpListener,
    /// The service's own database.
    pub pool: PgPool,
    /// The cache, for services that use one.
    pub redis: Option<ConnectionManager>,
}

impl Foundation {
    /// Binds `listen_addr`, connects to `database_url` (which must answer) and, when
    /// given, configures Redis at `redis_url`.
    pub async fn start(
        listen_addr: SocketAddr,
        database_url: &str,
        max_connections: u32,
        redis_url: Option<&str>,
    ) -> Result<Self, StartError> {
        let listener = TcpListener::bind(listen_addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: listen_addr,
                source,
            })?;
        let pool = connect::postgres(database_url, max_connections).await?;
        let redis = redis_url.map(connect::redis).transpose()?;
        Ok(Self { listener, pool, redis })
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        // A bound TCP listener always has a local address.
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Serves `routes` (plus `grpc.health.v1`, see [`crate::grpc::serve`]) until
    /// `shutdown` resolves, then closes the database pool.
    pub async fn serve(
        self,
        routes: tonic::service::Routes,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> Result<(), tonic::transport::Error> {
        self.serve_with(routes, Vec::new(), shutdown).await
    }

    /// [`serve`](Self::serve), reporting each of `facets` as a named health service.
    pub async fn serve_with(
        self,
        routes: tonic::service::Routes,
        facets: Vec<Facet>,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> Result<(), tonic::transport::Error> {
        let dependencies = self.dependencies();
        let served = crate::grpc::serve(self.listener, dependencies, facets, routes, shutdown).await;
        self.pool.close().await;
        served
    }

    /// What the service's health depends on.
    pub fn dependencies(&self) -> Vec<Dependency> {
        let mut dependencies = vec![Dependency::Postgres(self.pool.clone())];
        dependencies.extend(self.redis.clone().map(Dependency::Redis));
        dependencies
    }
}
