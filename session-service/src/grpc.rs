//! The `sextant.session.v1.SessionService` implementation: authenticate, decode, call
//! the store (and the cache), encode.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sextant_common::auth::Verifier;
use sextant_common::{metadata, timestamp};
use sextant_proto::agent::v1 as agent;
use sextant_proto::agent::v1::agent_service_client::AgentServiceClient;
use sextant_proto::file::v1 as file;
use sextant_proto::file::v1::file_service_client::FileServiceClient;
use sextant_proto::session::v1 as pb;
use sqlx::PgPool;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

use crate::Error;
use crate::active::ActiveCache;
use crate::domain::{SessionId, Title, UserId};
use crate::store::{self, Session};

/// The services that keep data about a session and forget it when it is deleted.
pub struct Cascade {
    /// file-service: the session's active file.
    pub files: FileServiceClient<Channel>,
    /// agent-service: the session's runs and memory.
    pub agent: AgentServiceClient<Channel>,
}

/// The service state shared by every call.
pub struct SessionService {
    pool: PgPool,
    cache: ActiveCache,
    verifier: Arc<Verifier>,
    cascade: Cascade,
    call_timeout: Duration,
}

impl SessionService {
    /// Wires the service.
    pub fn new(
        pool: PgPool,
        cache: ActiveCache,
        verifier: Arc<Verifier>,
        cascade: Cascade,
        call_timeout: Duration,
    ) -> Self {
        Self {
            pool,
            cache,
            verifier,
            cascade,
            call_timeout,
        }
    }

    async fn user<T>(&self, request: &Request<T>) -> Result<UserId, Status> {
        let claims = self.verifier.authenticate(request).await?;
        tracing::Span::current().record("user_id", tracing::field::display(claims.sub));
        Ok(UserId(claims.sub))
    }

    /// A request carrying `message`, the caller's identity and the deadline.
    fn cascade_request<T, M>(&self, request: &Request<T>, message: M) -> Request<M> {
        let mut forget = Request::new(message);
        metadata::propagate(
            forget.metadata_mut(),
            metadata::bearer_token(request.metadata()),
            metadata::request_id(request.metadata()),
        );
        forget.set_timeout(self.call_timeout);
        forget
    }

    /// Runs one forget call of the cascade under the deadline.
    async fn forget<R>(
        &self,
        service: &str,
        call: impl Future<Output = Result<Response<R>, Status>>,
    ) -> Result<(), Error> {
        match tokio::time::timeout(self.call_timeout, call).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(status)) => Err(Error::Cascade(format!("{service}: {status}"))),
            Err(_) => Err(Error::Cascade(format!("{service}: timed out"))),
        }
    }

    /// Asks file-service and agent-service to forget the session, with the caller's
    /// identity: its active file, then its runs and memory.
    async fn forget_everywhere<T>(&self, request: &Request<T>, session: SessionId) -> Result<(), Error> {
        let session_id = session.0.to_string();
        let files = self.cascade_request(
            request,
            file::ForgetSessionRequest {
                session_id: session_id.clone(),
            },
        );
        self.forget("file-service", self.cascade.files.clone().forget_session(files))
            .await?;
        let agent = self.cascade_request(request, agent::ForgetSessionRequest { session_id });
        self.forget("agent-service", self.cascade.agent.clone().forget_session(agent))
            .await
    }
}

fn to_proto(session: &Session) -> pb::Session {
    pb::Session {
        id: session.id.to_string(),
        user_id: session.user_id.to_string(),
        title: session.title.clone(),
        active: session.active,
        created_at: Some(timestamp::to_proto(session.created_at)),
        updated_at: Some(timestamp::to_proto(session.updated_at)),
        allow_sample_rows: session.allow_sample_rows,
    }
}

#[tonic::async_trait]
impl pb::session_service_server::SessionService for SessionService {
    async fn create_session(
        &self,
        request: Request<pb::CreateSessionRequest>,
    ) -> Result<Response<pb::CreateSessionResponse>, Status> {
        let user = self.user(&request).await?;
        let title = Title::parse(&request.get_ref().title)?;
        let session = store::create(&self.pool, user, &title).await?;
        self.cache.put(user, Some(&session)).await;
        Ok(Response::new(pb::CreateSessionResponse {
            session: Some(to_proto(&session)),
        }))
    }

    async fn list_sessions(
        &self,
        request: Request<pb::ListSessionsRequest>,
    ) -> Result<Response<pb::ListSessionsResponse>, Status> {
        let user = self.user(&request).await?;
        let sessions = store::list(&self.pool, user).await?;
        Ok(Response::new(pb::ListSessionsResponse {
            sessions: sessions.iter().map(to_proto).collect(),
        }))
    }

    async fn get_active_session(
        &self,
        request: Request<pb::GetActiveSessionRequest>,
    ) -> Result<Response<pb::GetActiveSessionResponse>, Status> {
        let user = self.user(&request).await?;
        let session = match self.cache.get(user).await {
            Some(session) => session,
            None => {
                let session = store::active(&self.pool, user).await?.ok_or(Error::NoActiveSession)?;
                self.cache.put(user, Some(&session)).await;
                session
            }
        };
        Ok(Response::new(pb::GetActiveSessionResponse {
            session: Some(to_proto(&session)),
        }))
    }

    async fn set_active_session(
        &self,
        request: Request<pb::SetActiveSessionRequest>,
    ) -> Result<Response<pb::SetActiveSessionResponse>, Status> {
        let user = self.user(&request).await?;
        let title = Title::parse(&request.get_ref().title).map_err(|_| Error::NotFound)?;
        let session = store::activate(&self.pool, user, &title).await?;
        self.cache.put(user, Some(&session)).await;
        Ok(Response::new(pb::SetActiveSessionResponse {
            session: Some(to_proto(&session)),
        }))
    }

    async fn update_session(
        &self,
        request: Request<pb::UpdateSessionRequest>,
    ) -> Result<Response<pb::UpdateSessionResponse>, Status> {
        let user = self.user(&request).await?;
        let title = Title::parse(&request.get_ref().title).map_err(|_| Error::NotFound)?;
        let session = match request.get_ref().allow_sample_rows {
            Some(allow) => store::set_sample_rows(&self.pool, user, &title, allow).await?,
            None => store::find(&self.pool, user, &title).await?.ok_or(Error::NotFound)?,
        };
        if session.active {
            self.cache.put(user, Some(&session)).await;
        }
        Ok(Response::new(pb::UpdateSessionResponse {
            session: Some(to_proto(&session)),
        }))
    }

    async fn delete_session(
        &self,
        request: Request<pb::DeleteSessionRequest>,
    ) -> Result<Response<pb::DeleteSessionResponse>, Status> {
        let user = self.user(&request).await?;
        let title = Title::parse(&request.get_ref().title).map_err(|_| Error::NotFound)?;
        let session = store::find(&self.pool, user, &title).await?.ok_or(Error::NotFound)?;
        if session.active {
            return Err(Error::DeleteActive.into());
        }
        let id = SessionId(session.id);
        self.forget_everywhere(&request, id).await?;
        store::delete(&self.pool, user, id).await?;
        tracing::info!(session_id = %session.id, "session deleted");
        Ok(Response::new(pb::DeleteSessionResponse {}))
    }
}
