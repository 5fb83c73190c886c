//! The gRPC backends: one lazily connected channel each, a deadline on every call, and
//! the caller's token and request id in every call's metadata.

use std::future::Future;
use std::time::Duration;

use sextant_proto::agent::v1::agent_service_client::AgentServiceClient;
use sextant_proto::auth::v1::auth_service_client::AuthServiceClient;
use sextant_proto::file::v1::file_service_client::FileServiceClient;
use sextant_proto::session::v1::session_service_client::SessionServiceClient;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus};

use crate::Config;
use crate::error::ApiError;

/// Largest gRPC message to or from file-service and agent-service (previews of 1,000 wide
/// rows, result tables, rendered charts).
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Who is calling, as far as the backends need to know.
pub struct CallContext<'a> {
    /// The verified bearer token, if the route needs one.
    pub token: Option<&'a str>,
    /// The request id that follows the request through every service.
    pub request_id: &'a str,
}

/// How one backend answered its health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Readiness {
    /// It and its dependencies answer.
    Serving,
    /// It answers, but a dependency does not.
    NotServing,
    /// It does not answer at all.
    Unreachable,
}

/// The channels to every service.
#[derive(Clone)]
pub struct Backends {
    /// auth-service.
    pub auth: AuthServiceClient<Channel>,
    /// session-service.
    pub session: SessionServiceClient<Channel>,
    /// file-service.
    pub file: FileServiceClient<Channel>,
    /// agent-service.
    pub agent: AgentServiceClient<Channel>,
    all: Vec<(&'static str, Channel)>,
    timeout: Duration,
    upload_timeout: Duration,
    ready_timeout: Duration,
}

fn channel(url: &str, timeout: Duration) -> Result<Channel, tonic::transport::Error> {
    // A connection attempt may outlive one call's deadline (the call answers 504 at its
    // deadline); bounding it still frees the channel from a peer that never answers.
    Ok(Endpoint::from_shared(url.to_owned())?
        .connect_timeout(timeout * 2)
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(20))
        .keep_alive_timeout(Duration::from_secs(5))
        .connect_lazy())
}

impl Backends {
    /// Channels to every configured service; nothing connects until the first call.
    pub fn new(config: &Config) -> Result<Self, tonic::transport::Error> {
        let timeout = Duration::from_millis(config.backend_timeout_ms);
        let auth = channel(&config.auth_url, timeout)?;
        let session = channel(&config.session_url, timeout)?;
        let file = channel(&config.file_url, timeout)?;
        let agent = channel(&config.agent_url, timeout)?;
        let all = vec![
            ("auth", auth.clone()),
            ("session", session.clone()),
            ("file", file.clone()),
            ("agent", agent.clone()),
        ];
        Ok(Self {
            auth: AuthServiceClient::new(auth),
            session: SessionServiceClient::new(session),
            file: FileServiceClient::new(file)
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
            agent: AgentServiceClient::new(agent)
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
            all,
            timeout,
            upload_timeout: Duration::from_secs(config.upload_timeout_secs),
            ready_timeout: Duration::from_millis(config.ready_timeout_ms),
        })
    }

    /// A request carrying `message`, the caller's metadata and the deadline.
    pub fn request<T>(&self, message: T, context: &CallContext<'_>) -> tonic::Request<T> {
        self.request_with_deadline(message, context, self.timeout)
    }

    /// An upload request: a streamed body, with the (longer) upload deadline.
    pub fn upload_request<T>(&self, stream: T, context: &CallContext<'_>) -> tonic::Request<T> {
        self.request_with_deadline(stream, context, self.upload_timeout)
    }

    /// A request for a server stream that may last minutes (a chat run): the caller's
    /// metadata and no deadline. Bound the wait for its response headers with [`Self::call`];
    /// dropping the response stream cancels the call.
    pub fn stream_request<T>(&self, message: T, context: &CallContext<'_>) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        sextant_common::metadata::propagate(request.metadata_mut(), context.token, context.request_id);
        request
    }

    fn request_with_deadline<T>(&self, message: T, context: &CallContext<'_>, deadline: Duration) -> tonic::Request<T> {
        let mut request = self.stream_request(message, context);
        request.set_timeout(deadline);
        request
    }

    /// Runs one call to `backend` under the deadline and maps its failure to HTTP. For a
    /// server-streaming call the deadline bounds the wait for the response headers only.
    pub async fn call<T>(
        &self,
        backend: &'static str,
        call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<T, ApiError> {
        self.call_with_deadline(backend, self.timeout, call).await
    }

    /// Runs an upload call to `backend` under the upload deadline.
    pub async fn upload<T>(
        &self,
        backend: &'static str,
        call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<T, ApiError> {
        self.call_with_deadline(backend, self.upload_timeout, call).await
    }

    async fn call_with_deadline<T>(
        &self,
        backend: &'static str,
        deadline: Duration,
        call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<T, ApiError> {
        let started = tokio::time::Instant::now();
        let result = match tokio::time::timeout(deadline, call).await {
            Ok(Ok(response)) => Ok(response.into_inner()),
            // tonic enforces the request's own deadline too, and reports it as Cancelled.
            Ok(Err(status)) if !(status.code() == tonic::Code::Cancelled && started.elapsed() >= deadline) => {
                Err(ApiError::from_status(backend, &status))
            }
            Ok(Err(_)) | Err(_) => {
                tracing::warn!(backend, "backend call timed out");
                Err(ApiError::timeout(backend))
            }
        };
        let outcome = result
            .as_ref()
            .map_or_else(|error| error.status().as_str().to_owned(), |_| "ok".to_owned());
        crate::prometheus::backend_call(backend, &outcome);
        result
    }

    /// How agent-service's model provider is: `None` when it has none (the offline
    /// analyst answers), else whether its circuit is closed (see
    /// [`sextant_common::health::LLM_SERVICE`]).
    pub async fn llm(&self) -> Option<Readiness> {
        let (_, agent) = self.all.iter().find(|(name, _)| *name == "agent")?;
        let mut client = HealthClient::new(agent.clone());
        let check = client.check(HealthCheckRequest {
            service: sextant_common::health::LLM_SERVICE.to_owned(),
        });
        match tokio::time::timeout(self.ready_timeout, check).await {
            Ok(Ok(response)) if response.get_ref().status == ServingStatus::Serving as i32 => Some(Readiness::Serving),
            Ok(Ok(_)) => Some(Readiness::NotServing),
            Ok(Err(status)) if status.code() == tonic::Code::NotFound => None,
            Ok(Err(_)) | Err(_) => Some(Readiness::Unreachable),
        }
    }

    /// The health of every backend, checked concurrently.
    pub async fn readiness(&self) -> Vec<(&'static str, Readiness)> {
        let checks = self.all.iter().map(|(name, channel)| async move {
            let mut client = HealthClient::new(channel.clone());
            let check = client.check(HealthCheckRequest { service: String::new() });
            let readiness = match tokio::time::timeout(self.ready_timeout, check).await {
                Ok(Ok(response)) if response.get_ref().status == ServingStatus::Serving as i32 => Readiness::Serving,
                Ok(Ok(_)) => Readiness::NotServing,
                Ok(Err(status)) if status.code() == tonic::Code::NotFound => Readiness::NotServing,
                Ok(Err(_)) | Err(_) => Readiness::Unreachable,
            };
            (*name, readiness)
        });
        futures::future::join_all(checks).await
    }
}
