//! Building and running file-service: bind first (so port 0 works), connect, migrate and
//! open the storage directory, then serve until the shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sextant_common::auth::Verifier;
use sextant_common::cache::Cache;
use sextant_common::service::Foundation;
use sextant_proto::file::v1::file_service_server::FileServiceServer;
use tonic::service::Routes;

use crate::Config;
use crate::active::{self, ActiveFiles};
use crate::grpc::FileService;
use crate::session::Sessions;
use crate::storage::LocalFs;

/// A bound, connected, migrated file-service, ready to serve.
pub struct Application {
    foundation: Foundation,
    service: FileService,
}

impl Application {
    /// Binds the listener, connects to PostgreSQL (which must answer) and Redis (which
    /// may be away), migrates, and opens the storage directory.
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
            .context("migrating the file database")?;
        let storage = LocalFs::open(&config.storage_dir)
            .await
            .with_context(|| format!("opening the storage directory {}", config.storage_dir.display()))?;
        tracing::info!(root = %storage.root().display(), "storing files");
        let timeout = Duration::from_millis(config.backend_timeout_ms);
        let verifier = Verifier::remote(&config.jwt_issuer, &config.jwt_audience, &config.auth_url, timeout)
            .context("AUTH_URL")?;
        let sessions = Sessions::new(&config.session_url, timeout).context("SESSION_URL")?;
        let redis = foundation.redis.clone().context("file-service needs Redis")?;
        let cache = Cache::new(redis, config.redis_prefix, active::TTL);
        let service = FileService::new(
            foundation.pool.clone(),
            Arc::new(storage),
            verifier,
            sessions,
            ActiveFiles::new(foundation.pool.clone(), cache),
            config.max_upload_bytes,
        );
        Ok(Self { foundation, service })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.foundation.local_addr()
    }

    /// Serves until `shutdown` resolves, then finishes the calls in flight.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let routes = Routes::new(FileServiceServer::new(self.service));
        self.foundation.serve(routes, shutdown).await.context("serving gRPC")
    }
}
