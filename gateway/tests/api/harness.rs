//! Starts the whole stack for one test: four services and the gateway, with PostgreSQL,
//! Redis and auth-service each behind a [`TcpProxy`] the test can take away.

use std::future::Future;
use std::path::PathBuf;

use agent_service::provider::Provider;
use agent_service::testing::Stage;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sextant_common::testing::{self, Mode, TcpProxy, TestDb};

use crate::agent::AgentProcess;

/// Backend deadline in tests: short, so the hung-backend test is quick, but longer than
/// a service's wait for a database connection, so an outage shows as the service's 503.
pub const BACKEND_TIMEOUT_MS: u64 = 3_000;
/// The gateway's upload limit in tests.
pub const UPLOAD_LIMIT_BYTES: u64 = 1024 * 1024;
/// How long agent-service lets a run whose client went away wait for it, in tests.
pub const DISCONNECT_GRACE_MS: u64 = 300;
/// The password every test account uses.
pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    /// `http://127.0.0.1:port`
    pub root: String,
    pub client: reqwest::Client,
    /// The PEM of the key auth-service signs with.
    pub signing_pem: String,
    /// Retired key, still published.
    pub retired_pem: String,
    pub postgres: TcpProxy,
    pub redis: TcpProxy,
    pub auth_backend: TcpProxy,
    /// session-service's way to file-service.
    pub file_backend: TcpProxy,
    /// agent-service, which tests may kill and start again.
    pub agent: AgentProcess,
    /// agent-service's database.
    pub agent_database_url: String,
    /// The prefix of every Redis key of this test.
    pub redis_prefix: String,
    /// file-service's storage root.
    pub storage_dir: PathBuf,
    _databases: Vec<TestDb>,
}

fn key_file() -> PathBuf {
    let path = std::env::temp_dir()
        .join(format!("sextant-test-{}", uuid::Uuid::new_v4()))
        .join("key.pem");
    auth_service::keys::write_new_key(&path).expect("write key");
    path
}

fn spawn<F>(name: &'static str, run: F)
where
    F: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(error) = run.await {
            panic!("{name} stopped: {error:#}");
        }
    });
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts the stack; `tune` may adjust auth-service's configuration.
    pub async fn spawn_with(tune: impl FnOnce(&mut auth_service::Config)) -> Self {
        Self::start(tune, |_| {}, Stage::new()).await
    }

    /// Starts the stack with agent-service answering through `provider`; `tune` may adjust
    /// agent-service's configuration.
    pub async fn spawn_with_agent(
        tune: impl FnOnce(&mut agent_service::Config),
        provider: impl Provider + 'static,
    ) -> Self {
        Self::start(|_| {}, tune, provider).await
    }

    async fn start(
        tune: impl FnOnce(&mut auth_service::Config),
        tune_agent: impl FnOnce(&mut agent_service::Config),
        provider: impl Provider + 'static,
    ) -> Self {
        // Logs of every service in the test's output when RUST_LOG is set.
        if std::env::var_os("RUST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_test_writer()
                .try_init();
        }
        let server_url = testing::postgres_server_url();
        let postgres = TcpProxy::start(testing::authority(&server_url).await).await;
        let redis_url = testing::redis_url();
        let redis = TcpProxy::start(testing::authority(&redis_url).await).await;
        let redis_via_proxy = testing::with_authority(&redis_url, redis.addr());
        let redis_prefix = format!("test:{}:", uuid::Uuid::new_v4().simple());
        let storage_dir = std::env::temp_dir().join(format!("sextant-test-files-{}", uuid::Uuid::new_v4().simple()));
        let mut databases = Vec::new();
        let mut database_url = async || {
            let database = TestDb::create().await;
            let url = testing::with_authority(&database.url, postgres.addr());
            databases.push(database);
            url
        };

        let (signing, retired) = (key_file(), key_file());
        let mut auth_config = auth_service::Config {
            listen_addr: "127.0.0.1:0".parse().expect("addr"),
            database_url: database_url().await,
            database_max_connections: 5,
            jwt_key_files: vec![signing.clone(), retired.clone()],
            jwt_issuer: "sextant-auth".into(),
            jwt_audience: "sextant".into(),
            token_ttl_secs: 3600,
            max_concurrent_hashes: Some(2),
        };
        tune(&mut auth_config);
        let auth = auth_service::Application::build(auth_config)
            .await
            .expect("build auth-service");
        let auth_backend = TcpProxy::start(auth.local_addr()).await;
        spawn("auth-service", auth.run_until_stopped(std::future::pending()));

        // session-service and file-service call each other: session-service reaches
        // file-service through a proxy aimed once file-service listens.
        let file_backend = TcpProxy::start(auth_backend.addr()).await;
        // session-service also calls agent-service (ForgetSession), which starts last.
        let agent_backend = TcpProxy::start(auth_backend.addr()).await;
        let session = session_service::Application::build(session_service::Config {
            listen_addr: "127.0.0.1:0".parse().expect("addr"),
            database_url: database_url().await,
            database_max_connections: 5,
            redis_url: redis_via_proxy.clone(),
            redis_prefix: redis_prefix.clone(),
            auth_url: format!("http://{}", auth_backend.addr()),
            file_url: format!("http://{}", file_backend.addr()),
            agent_url: format!("http://{}", agent_backend.addr()),
            jwt_issuer: "sextant-auth".into(),
            jwt_audience: "sextant".into(),
            call_timeout_ms: BACKEND_TIMEOUT_MS,
        })
        .await
        .expect("build session-service");
        let session_addr = session.local_addr();
        let session_url = format!("http://{session_addr}");
        spawn("session-service", session.run_until_stopped(std::future::pending()));

        let file = file_service::Application::build(file_service::Config {
            listen_addr: "127.0.0.1:0".parse().expect("addr"),
            database_url: database_url().await,
            database_max_connections: 5,
            redis_url: redis_via_proxy.clone(),
            redis_prefix: redis_prefix.clone(),
            auth_url: format!("http://{}", auth_backend.addr()),
            session_url: session_url.clone(),
            backend_timeout_ms: BACKEND_TIMEOUT_MS,
            jwt_issuer: "sextant-auth".into(),
            jwt_audience: "sextant".into(),
            storage_dir: storage_dir.clone(),
            max_upload_bytes: 2 * 1024 * 1024 * 1024,
        })
        .await
        .expect("build file-service");
        let file_addr = file.local_addr();
        let file_url = format!("http://{file_addr}");
        file_backend.retarget(file_addr);
        spawn("file-service", file.run_until_stopped(std::future::pending()));

        let agent_database_url = database_url().await;
        let mut agent_config = agent_service::testing::config(agent_service::testing::Peers {
            database_url: agent_database_url.clone(),
            redis_url: redis_via_proxy,
            redis_prefix: &redis_prefix,
            auth: auth_backend.addr(),
            session: session_addr,
            file: file_addr,
        });
        agent_config.backend_timeout_ms = BACKEND_TIMEOUT_MS;
        agent_config.disconnect_grace_ms = DISCONNECT_GRACE_MS;
        tune_agent(&mut agent_config);
        let agent = AgentProcess::start(agent_config, agent_backend, provider).await;
        let agent_url = format!("http://{}", agent.addr());

        let gateway = gateway::Application::build(gateway::Config {
            listen_addr: "127.0.0.1:0".parse().expect("addr"),
            auth_url: format!("http://{}", auth_backend.addr()),
            session_url,
            file_url,
            agent_url,
            jwt_issuer: "sextant-auth".into(),
            jwt_audience: "sextant".into(),
            cors_origins: vec!["http://localhost:3000".into()],
            backend_timeout_ms: BACKEND_TIMEOUT_MS,
            ready_timeout_ms: 500,
            body_limit_bytes: 64 * 1024,
            upload_limit_bytes: UPLOAD_LIMIT_BYTES,
            upload_timeout_secs: 60,
            frontend_dir: None,
        })
        .await
        .expect("build gateway");
        let root = format!("http://{}", gateway.local_addr());
        spawn("gateway", gateway.run_until_stopped(std::future::pending()));

        let app = Self {
            root,
            client: {
                agent_service::llm::install_crypto();
                reqwest::Client::new()
            },
            signing_pem: std::fs::read_to_string(signing).expect("read key"),
            retired_pem: std::fs::read_to_string(retired).expect("read key"),
            postgres,
            redis,
            auth_backend,
            file_backend,
            agent,
            agent_database_url,
            redis_prefix,
            storage_dir,
            _databases: databases,
        };
        app.wait_until_ready(true).await;
        app
    }

    /// A URL under the API base path.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1/gateway{path}", self.root)
    }

    /// Polls `/readyz` until it reports `ready` (or unready), failing after 20 s.
    pub async fn wait_until_ready(&self, ready: bool) {
        let want = if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        eventually(&format!("/readyz to answer {want}"), || async {
            let response = self.client.get(format!("{}/readyz", self.root)).send().await.ok()?;
            (response.status() == want).then_some(())
        })
        .await;
    }

    pub async fn register(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.api("/auth/register"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("register request")
    }

    pub async fn login_json(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.api("/auth/login"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("login request")
    }

    pub async fn login_form(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.api("/auth/login"))
            .form(&[
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .expect("login request")
    }

    /// Registers `email` and returns an access token for it.
    pub async fn signed_in(&self, email: &str) -> String {
        assert_eq!(self.register(email, PASSWORD).await.status(), StatusCode::CREATED);
        let body: Value = self.login_json(email, PASSWORD).await.json().await.expect("token json");
        body["access_token"].as_str().expect("access_token").to_owned()
    }

    pub async fn me(&self, token: &str) -> reqwest::Response {
        self.client
            .get(self.api("/auth/me"))
            .bearer_auth(token)
            .send()
            .await
            .expect("me request")
    }

    pub async fn set_postgres(&self, mode: Mode) {
        self.postgres.set(mode).await;
    }
}

pub use sextant_common::testing::eventually;

/// Asserts `response` is an error in the shape of DESIGN.md section 4 and returns its body.
pub async fn assert_error(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    let request_id = response
        .headers()
        .get("x-request-id")
        .map(|value| value.to_str().expect("ascii").to_owned());
    let body: Value = response.json().await.expect("JSON error body");
    assert_eq!(body["code"], code, "code in {body}");
    assert!(
        body["detail"].as_str().is_some_and(|detail| !detail.is_empty()),
        "detail in {body}"
    );
    let body_request_id = body["request_id"].as_str().expect("request_id");
    assert!(!body_request_id.is_empty(), "request_id in {body}");
    assert_eq!(
        Some(body_request_id.to_owned()),
        request_id,
        "request id header matches the body"
    );
    body
}
