//! The one question file-service asks session-service: which session is active? The
//! caller's token and request id travel with it, under a deadline.

use std::time::Duration;

use sextant_common::metadata;
use sextant_proto::session::v1::GetActiveSessionRequest;
use sextant_proto::session::v1::session_service_client::SessionServiceClient;
use tonic::Code;
use tonic::metadata::MetadataMap;
use tonic::transport::{Channel, Endpoint};

use crate::Error;
use crate::domain::SessionId;

/// A client of session-service.
#[derive(Clone)]
pub struct Sessions {
    client: SessionServiceClient<Channel>,
    timeout: Duration,
}

impl Sessions {
    /// A client of session-service at `url` that connects on first use; every call
    /// fails after `timeout`.
    pub fn new(url: &str, timeout: Duration) -> Result<Self, tonic::transport::Error> {
        let channel = Endpoint::from_shared(url.to_owned())?
            .connect_timeout(timeout)
            .timeout(timeout)
            .connect_lazy();
        Ok(Self {
            client: SessionServiceClient::new(channel),
            timeout,
        })
    }

    /// The active session of the caller whose request carried `caller`; `None` when
    /// they have none.
    #[tracing::instrument(skip_all)]
    pub async fn active(&self, caller: &MetadataMap) -> Result<Option<SessionId>, Error> {
        let mut request = tonic::Request::new(GetActiveSessionRequest {});
        request.set_timeout(self.timeout);
        metadata::propagate(
            request.metadata_mut(),
            metadata::bearer_token(caller),
            metadata::request_id(caller),
        );
        match self.client.clone().get_active_session(request).await {
            Ok(response) => {
                let session = response
                    .into_inner()
                    .session
                    .ok_or_else(|| Error::Internal("session-service sent no session".into()))?;
                SessionId::parse(&session.id)
                    .map(Some)
                    .map_err(|_| Error::Internal(format!("session id {:?}", session.id)))
            }
            Err(status) if status.code() == Code::NotFound => Ok(None),
            Err(status) => Err(Error::SessionService(status)),
        }
    }
}
