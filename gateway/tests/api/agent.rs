//! agent-service in a thread and runtime of its own, behind a proxy with a fixed address,
//! so that a test can kill it the way a crash would (every task dropped where it stands,
//! nothing cleaned up) and start it again on the same database.

use std::net::SocketAddr;
use std::sync::Arc;

use agent_service::provider::Provider;
use sextant_common::testing::TcpProxy;
use tokio::sync::oneshot;

/// A running (or killed) agent-service.
pub struct AgentProcess {
    config: agent_service::Config,
    proxy: TcpProxy,
    metrics: Option<SocketAddr>,
    kill: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl AgentProcess {
    /// Starts agent-service with `config` behind `proxy`, answering with `provider`.
    pub async fn start(config: agent_service::Config, proxy: TcpProxy, provider: impl Provider + 'static) -> Self {
        let mut process = Self {
            config,
            proxy,
            metrics: None,
            kill: None,
            thread: None,
        };
        process.boot(Arc::new(provider)).await;
        process
    }

    /// The address the other services and the gateway reach it at.
    pub fn addr(&self) -> SocketAddr {
        self.proxy.addr()
    }

    /// Where it serves `GET /metrics` (the process's recorder, which every service of the
    /// test process shares).
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.metrics.expect("agent-service serves metrics"))
    }

    async fn boot(&mut self, provider: Arc<dyn Provider>) {
        let (kill, killed) = oneshot::channel::<()>();
        let (ready, listening) = oneshot::channel();
        let config = self.config.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("agent runtime");
            runtime.block_on(async move {
                let application = agent_service::Application::build(config, provider)
                    .await
                    .expect("build agent-service");
                let _ = ready.send((application.local_addr(), application.metrics_addr()));
                tokio::select! {
                    served = application.run_until_stopped(std::future::pending()) => {
                        panic!("agent-service stopped: {served:?}")
                    }
                    _ = killed => {}
                }
            });
            // Every task still running (the runs' drivers) is dropped where it stands.
            runtime.shutdown_background();
        });
        let (addr, metrics) = listening.await.expect("agent-service started");
        self.proxy.retarget(addr);
        self.metrics = metrics;
        self.kill = Some(kill);
        self.thread = Some(thread);
    }

    /// Waits (up to 5 s) until some run has its checkpoint of `step` written: a run's steps
    /// after the first are written behind it, and a crash loses those not yet written.
    pub async fn checkpointed(&self, step: i64) {
        let pool = sextant_common::connect::postgres(&self.config.database_url, 1)
            .await
            .expect("the agent database");
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let written: Option<i64> = sqlx::query_scalar("SELECT max(step) FROM checkpoints")
                .fetch_one(&pool)
                .await
                .expect("checkpoints");
            if written >= Some(step) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "step {step} not written: {written:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Kills it at once, as a crash would.
    pub fn kill(&mut self) {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the agent thread ends");
        }
    }

    /// Starts it again on the same database, answering with `provider`.
    pub async fn restart(&mut self, provider: impl Provider + 'static) {
        self.kill();
        self.boot(Arc::new(provider)).await;
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
    }
}
