//! Starts file-service for one test, with the real auth-service and session-service
//! in-process on port 0, a fresh database for each, a Redis key prefix per test, and
//! file-service's Redis behind a [`TcpProxy`] the test can take away.

use std::future::Future;
use std::path::{Path, PathBuf};

use sextant_common::testing::{self, TcpProxy, TestDb};
use sextant_proto::auth::v1::auth_service_client::AuthServiceClient;
use sextant_proto::auth::v1::{GetCurrentUserRequest, LoginRequest, RegisterRequest};
use sextant_proto::file::v1 as pb;
use sextant_proto::file::v1::file_service_client::FileServiceClient;
use sextant_proto::file::v1::upload_file_request::Part;
use sextant_proto::session::v1::session_service_client::SessionServiceClient;
use sextant_proto::session::v1::{CreateSessionRequest, DeleteSessionRequest, SetActiveSessionRequest};
use tonic::transport::Channel;
use tonic::{Request, Status};

/// Deadline of the services' calls to each other.
pub const BACKEND_TIMEOUT_MS: u64 = 3_000;
/// file-service's upload limit in tests.
pub const UPLOAD_LIMIT_BYTES: u64 = 256 * 1024;
/// Size of the chunks uploads are cut into.
pub const CHUNK_BYTES: usize = 16 * 1024;

pub struct TestApp {
    pub files: FileServiceClient<Channel>,
    pub sessions: SessionServiceClient<Channel>,
    pub auth: AuthServiceClient<Channel>,
    /// file-service's storage root.
    pub storage_dir: PathBuf,
    /// The prefix of every Redis key of this test.
    pub redis_prefix: String,
    /// file-service's way to Redis.
    pub redis: TcpProxy,
    /// A direct connection to Redis, to look at the cache.
    pub redis_direct: redis::aio::ConnectionManager,
    _file_backend: TcpProxy,
    _agent_backend: TcpProxy,
    /// Holds the key and the storage root; removed with the app.
    scratch: PathBuf,
    _databases: Vec<TestDb>,
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

fn channel(addr: std::net::SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .expect("url")
        .connect_lazy()
}

impl TestApp {
    pub async fn spawn() -> Self {
        if std::env::var_os("RUST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_test_writer()
                .try_init();
        }
        let redis_url = testing::redis_url();
        let redis = TcpProxy::start(testing::authority(&redis_url).await).await;
        let redis_prefix = format!("test:{}:", uuid::Uuid::new_v4().simple());
        let scratch = std::env::temp_dir().join(format!("sextant-file-test-{}", uuid::Uuid::new_v4().simple()));
        let storage_dir = scratch.join("files");
        let mut databases = Vec::new();
        let mut database_url = async || {
            let database = TestDb::create().await;
            let url = database.url.clone();
            databases.push(database);
            url
        };

        let key = scratch.join("key.pem");
        auth_service::keys::write_new_key(&key).expect("write key");
        let auth = auth_service::Application::build(auth_service::Config {
            listen_addr: "127.0.0.1:0".parse().expect("addr"),
            database_url: database_url().await,
            database_max_connections: 5,
            jwt_key_files: vec![key],
            jwt_issuer: "sextant-auth".into(),
            jwt_audience: "sextant".into(),
            token_ttl_secs: 3600,
            max_concurrent_hashes: Some(2),
        })
        .await
        .expect("build auth-service");
        let auth_addr = auth.local_addr();
        spawn("auth-service", auth.run_until_stopped(std::future::pending()));

        // session-service calls file-service (ForgetSession) and file-service calls
        // session-service: session-service reaches file-service through a proxy aimed
        // once file-service listens.
        let file_backend = TcpProxy::start(auth_addr).await;
        // It also calls agent-service (ForgetSession), which starts last.
        let agent_backend = TcpProxy::start(auth_addr).await;
        let session = session_service::Application::build(session_service::Config {
            listen_addr: "127.0.0.1:0".parse().expect("addr"),
            database_url: database_url().await,
            database_max_connections: 5,
            redis_url: redis_url.clone(),
            redis_prefix: format!("test:{}:", uuid::Uuid::new_v4().simple()),
            auth_url: format!("http://{auth_addr}"),
            file_url: format!("http://{}", file_backend.addr()),
            agent_url: format!("http://{}", agent_backend.addr()),
            jwt_issuer: "sextant-auth".into(),
            jwt_audience: "sextant".into(),
            call_timeout_ms: BACKEND_TIMEOUT_MS,
        })
        .await
        .expect("build session-service");
        let session_addr = session.local_addr();
        spawn("session-service", session.run_until_stopped(std::future::pending()));

        let file = file_service::Application::build(file_service::Config {
            listen_addr: "127.0.0.1:0".parse().expect("addr"),
            database_url: database_url().await,
            database_max_connections: 5,
            redis_url: testing::with_authority(&redis_url, redis.addr()),
            redis_prefix: redis_prefix.clone(),
            auth_url: format!("http://{auth_addr}"),
            session_url: format!("http://{session_addr}"),
            backend_timeout_ms: BACKEND_TIMEOUT_MS,
            jwt_issuer: "sextant-auth".into(),
            jwt_audience: "sextant".into(),
            storage_dir: storage_dir.clone(),
            max_upload_bytes: UPLOAD_LIMIT_BYTES,
        })
        .await
        .expect("build file-service");
        let file_addr = file.local_addr();
        file_backend.retarget(file_addr);
        spawn("file-service", file.run_until_stopped(std::future::pending()));

        let agent_config = agent_service::testing::config(agent_service::testing::Peers {
            database_url: database_url().await,
            redis_url: redis_url.clone(),
            redis_prefix: &redis_prefix,
            auth: auth_addr,
            session: session_addr,
            file: file_addr,
        });
        let agent =
            agent_service::Application::build(agent_config, std::sync::Arc::new(agent_service::testing::Stage::new()))
                .await
                .expect("build agent-service");
        agent_backend.retarget(agent.local_addr());
        spawn("agent-service", agent.run_until_stopped(std::future::pending()));

        let redis_direct = sextant_common::connect::redis(&redis_url).expect("redis");
        Self {
            files: FileServiceClient::new(channel(file_addr)),
            sessions: SessionServiceClient::new(channel(session_addr)),
            auth: AuthServiceClient::new(channel(auth_addr)),
            storage_dir,
            redis_prefix,
            redis,
            redis_direct,
            _file_backend: file_backend,
            _agent_backend: agent_backend,
            scratch,
            _databases: databases,
        }
    }

    /// Registers `email` and returns an access token for it.
    pub async fn signed_in(&self, email: &str) -> String {
        let password = "correct horse battery";
        let mut auth = self.auth.clone();
        auth.register(RegisterRequest {
            email: email.into(),
            password: password.into(),
        })
        .await
        .expect("register");
        auth.login(LoginRequest {
            email: email.into(),
            password: password.into(),
        })
        .await
        .expect("login")
        .into_inner()
        .access_token
    }

    /// The user id of `token`.
    pub async fn user_id(&self, token: &str) -> String {
        self.auth
            .clone()
            .get_current_user(authed(token, GetCurrentUserRequest {}))
            .await
            .expect("current user")
            .into_inner()
            .user
            .expect("user")
            .id
    }

    /// Creates a session (the new active one) and returns its id.
    pub async fn create_session(&self, token: &str, title: &str) -> String {
        self.sessions
            .clone()
            .create_session(authed(token, CreateSessionRequest { title: title.into() }))
            .await
            .expect("create session")
            .into_inner()
            .session
            .expect("session")
            .id
    }

    pub async fn activate_session(&self, token: &str, title: &str) {
        self.sessions
            .clone()
            .set_active_session(authed(token, SetActiveSessionRequest { title: title.into() }))
            .await
            .expect("activate session");
    }

    pub async fn delete_session(&self, token: &str, title: &str) {
        self.sessions
            .clone()
            .delete_session(authed(token, DeleteSessionRequest { title: title.into() }))
            .await
            .expect("delete session");
    }

    /// A signed-in user with an active session; returns the token and the session id.
    pub async fn user_with_session(&self, email: &str) -> (String, String) {
        let token = self.signed_in(email).await;
        let session = self.create_session(&token, "analysis").await;
        (token, session)
    }

    /// Uploads `bytes` as `file_name` the way the gateway does: metadata, chunks, end.
    pub async fn upload(&self, token: &str, file_name: &str, bytes: impl AsRef<[u8]>) -> Result<pb::File, Status> {
        let bytes = bytes.as_ref();
        let mut parts = upload_parts(file_name, bytes);
        parts.push(Part::End(pb::UploadEnd {
            size_bytes: bytes.len() as u64,
        }));
        self.upload_parts(token, parts).await
    }

    /// Sends exactly `parts` as an upload.
    pub async fn upload_parts(&self, token: &str, parts: Vec<Part>) -> Result<pb::File, Status> {
        let messages = parts.into_iter().map(|part| pb::UploadFileRequest { part: Some(part) });
        self.files
            .clone()
            .upload_file(authed(token, futures::stream::iter(messages)))
            .await
            .map(|response| response.into_inner().file.expect("file"))
    }

    pub async fn list(&self, token: &str) -> Vec<pb::File> {
        self.files
            .clone()
            .list_files(authed(token, pb::ListFilesRequest {}))
            .await
            .expect("list files")
            .into_inner()
            .files
    }

    pub async fn profile(&self, token: &str, file_name: &str) -> Result<pb::GetFileProfileResponse, Status> {
        self.files
            .clone()
            .get_file_profile(authed(
                token,
                pb::GetFileProfileRequest {
                    file_name: file_name.into(),
                },
            ))
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn preview(&self, token: &str, file_name: &str, limit: u32) -> Result<pb::PreviewFileResponse, Status> {
        self.files
            .clone()
            .preview_file(authed(
                token,
                pb::PreviewFileRequest {
                    file_name: file_name.into(),
                    limit,
                },
            ))
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn delete(&self, token: &str, file_name: &str) -> Result<(), Status> {
        self.files
            .clone()
            .delete_file(authed(
                token,
                pb::DeleteFileRequest {
                    file_name: file_name.into(),
                },
            ))
            .await
            .map(drop)
    }

    pub async fn active_file(&self, token: &str) -> Result<pb::File, Status> {
        self.files
            .clone()
            .get_active_file(authed(token, pb::GetActiveFileRequest {}))
            .await
            .map(|response| response.into_inner().file.expect("file"))
    }

    pub async fn set_active(&self, token: &str, file_name: &str) -> Result<pb::File, Status> {
        self.files
            .clone()
            .set_active_file(authed(
                token,
                pb::SetActiveFileRequest {
                    file_name: file_name.into(),
                },
            ))
            .await
            .map(|response| response.into_inner().file.expect("file"))
    }

    pub async fn resolve(&self, token: &str, session_id: &str) -> Result<pb::ResolveDatasetResponse, Status> {
        self.files
            .clone()
            .resolve_dataset(authed(
                token,
                pb::ResolveDatasetRequest {
                    session_id: session_id.into(),
                },
            ))
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn forget(&self, token: &str, session_id: &str) -> Result<(), Status> {
        self.files
            .clone()
            .forget_session(authed(
                token,
                pb::ForgetSessionRequest {
                    session_id: session_id.into(),
                },
            ))
            .await
            .map(drop)
    }

    /// Every file under the storage root, staging and scratch files included.
    pub fn stored_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found);
                } else {
                    found.push(path);
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.storage_dir, &mut found);
        found.sort();
        found
    }

    /// The cached active file id of `session`, read straight from Redis.
    pub async fn cached_active_file(&self, user_id: &str, session: &str) -> Option<String> {
        let key = format!("{}active_file:user{user_id}:session:{session}", self.redis_prefix);
        redis::cmd("GET")
            .arg(key)
            .query_async(&mut self.redis_direct.clone())
            .await
            .expect("redis GET")
    }

    /// Writes the cached active file id of `session` straight into Redis.
    pub async fn cache_active_file(&self, user_id: &str, session: &str, file_id: &str) {
        let key = format!("{}active_file:user{user_id}:session:{session}", self.redis_prefix);
        let _: () = redis::cmd("SET")
            .arg(key)
            .arg(file_id)
            .query_async(&mut self.redis_direct.clone())
            .await
            .expect("redis SET");
    }

    /// Every Redis key file-service wrote in this test.
    pub async fn cache_keys(&self) -> Vec<String> {
        redis::cmd("KEYS")
            .arg(format!("{}*", self.redis_prefix))
            .query_async(&mut self.redis_direct.clone())
            .await
            .expect("redis KEYS")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// The metadata and the chunks of an upload, without its end.
pub fn upload_parts(file_name: &str, bytes: &[u8]) -> Vec<Part> {
    let mut parts = vec![Part::Metadata(pb::UploadMetadata {
        file_name: file_name.into(),
        description: format!("about {file_name}"),
        content_type: "application/octet-stream".into(),
    })];
    parts.extend(bytes.chunks(CHUNK_BYTES).map(|chunk| Part::Chunk(chunk.to_vec())));
    parts
}

/// `message` with `token` as its bearer token.
pub fn authed<T>(token: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("metadata value"),
    );
    request
}

pub use sextant_common::testing::eventually;

/// Asserts `result` failed with `code` and, when given, the machine-readable `error_code`.
#[track_caller]
pub fn assert_status<T: std::fmt::Debug>(
    result: Result<T, Status>,
    code: tonic::Code,
    error_code: Option<&str>,
) -> Status {
    let status = result.expect_err("the call should fail");
    assert_eq!(status.code(), code, "{status:?}");
    if let Some(expected) = error_code {
        assert_eq!(
            sextant_common::metadata::error_code(&status),
            Some(expected),
            "{status:?}"
        );
    }
    status
}
