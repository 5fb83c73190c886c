//! The `sextant.agent.v1.AgentService` implementation: authenticate, find the caller's
//! active session and dataset, hand over to [`Chat`], encode. Every call is scoped to the
//! user of the bearer token: another user's run or memory answers exactly like a missing one.

use std::pin::Pin;

use futures::{Stream, StreamExt};
use sextant_common::auth::{TokenError, Verifier};
use sextant_common::{metadata, timestamp};
use sextant_proto::agent::v1 as pb;
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status};

use crate::Error;
use crate::chat::Chat;
use crate::domain::{Question, RunId, Scope, SessionId, UserId};
use crate::events::RunEvent;
use crate::memory::Turn;
use crate::runs::Live;
use crate::upstream::{Dataset, Upstream};

/// The service state shared by every call.
/// Who is asking, in which session, about which dataset.
struct Active {
    scope: Scope,
    dataset: Dataset,
    /// Whether the session lets a remote model see a few rows of the dataset.
    sample_rows: bool,
}

pub struct AgentService {
    verifier: Verifier,
    upstream: Upstream,
    chat: Chat,
}

/// The events of one run as the stream sends them.
type ChatStream = Pin<Box<dyn Stream<Item = Result<pb::ChatEvent, Status>> + Send>>;

impl AgentService {
    /// Wires the service.
    pub fn new(verifier: Verifier, upstream: Upstream, chat: Chat) -> Self {
        Self {
            verifier,
            upstream,
            chat,
        }
    }

    /// The user of the bearer token in `caller`.
    async fn user(&self, caller: &MetadataMap) -> Result<UserId, Error> {
        let token = metadata::bearer_token(caller).ok_or(TokenError::Missing)?;
        let claims = self.verifier.verify(token).await?;
        tracing::Span::current().record("user_id", tracing::field::display(claims.sub));
        Ok(UserId(claims.sub))
    }

    /// The caller, their active session and its active dataset.
    async fn active(&self, caller: &MetadataMap) -> Result<Active, Error> {
        let user = self.user(caller).await?;
        let session = self.upstream.active_session(caller).await?;
        let dataset = self.upstream.active_dataset(caller, session.id).await?;
        let scope = Scope {
            user,
            session: session.id,
            file: dataset.file_id.clone(),
        };
        Ok(Active {
            scope,
            dataset,
            sample_rows: session.allow_sample_rows,
        })
    }

    /// The live run a reconnecting client names, and where it was.
    fn resumed(&self, user: UserId, point: &pb::ResumePoint) -> Result<std::sync::Arc<Live>, Error> {
        let id = uuid::Uuid::parse_str(&point.run_id)
            .map_err(|_| Error::InvalidArgument(format!("resume: `{}` is not a run id", point.run_id)))?;
        self.chat.runs.get(user, RunId(id))
    }
}

fn encode_turn(turn: &Turn) -> pb::ChatTurn {
    let answer = turn
        .answer
        .iter()
        .zip(1..)
        .map(|(event, seq)| {
            RunEvent {
                run_id: turn.run_id.clone().unwrap_or_default(),
                seq,
                event: event.clone(),
            }
            .to_proto()
        })
        .collect();
    pb::ChatTurn {
        question: turn.question.clone(),
        answer,
        created_at: Some(timestamp::to_proto(turn.created_at)),
    }
}

#[tonic::async_trait]
impl pb::agent_service_server::AgentService for AgentService {
    type StreamChatStream = ChatStream;

    async fn stream_chat(
        &self,
        request: Request<pb::StreamChatRequest>,
    ) -> Result<Response<Self::StreamChatStream>, Status> {
        let (caller, _, request) = request.into_parts();
        let (live, after) = match &request.resume {
            Some(point) => {
                let user = self.user(&caller).await?;
                (self.resumed(user, point)?, point.after_seq)
            }
            None => {
                let question = Question::parse(&request.question)?;
                let Active {
                    scope,
                    dataset,
                    sample_rows,
                } = self.active(&caller).await?;
                tracing::info!(session_id = %scope.session.0, file = %dataset.file_name, "answering a question");
                (self.chat.ask(scope, dataset.spec, question, sample_rows).await?, 0)
            }
        };
        // Dropping this stream (the client went away) lets the run notice it has no
        // followers left and cancel itself (see `runs`).
        let events = live.follow(after).map(|event| Ok(event.to_proto()));
        Ok(Response::new(Box::pin(events)))
    }

    async fn cancel_chat(
        &self,
        request: Request<pb::CancelChatRequest>,
    ) -> Result<Response<pb::CancelChatResponse>, Status> {
        let user = self.user(request.metadata()).await?;
        let session = self.upstream.active_session(request.metadata()).await?;
        let cancelled = self.chat.runs.cancel(user, session.id);
        Ok(Response::new(pb::CancelChatResponse { cancelled }))
    }

    async fn get_chat_history(
        &self,
        request: Request<pb::GetChatHistoryRequest>,
    ) -> Result<Response<pb::GetChatHistoryResponse>, Status> {
        let scope = self.active(request.metadata()).await?.scope;
        let memory = self.chat.memories.load(&scope).await?;
        Ok(Response::new(pb::GetChatHistoryResponse {
            turns: memory.turns.iter().map(encode_turn).collect(),
        }))
    }

    async fn save_chat(&self, request: Request<pb::SaveChatRequest>) -> Result<Response<pb::SaveChatResponse>, Status> {
        let scope = self.active(request.metadata()).await?.scope;
        self.chat.memories.flush(&scope).await?;
        Ok(Response::new(pb::SaveChatResponse {}))
    }

    async fn delete_chat_history(
        &self,
        request: Request<pb::DeleteChatHistoryRequest>,
    ) -> Result<Response<pb::DeleteChatHistoryResponse>, Status> {
        let scope = self.active(request.metadata()).await?.scope;
        self.chat.memories.delete(&scope).await?;
        Ok(Response::new(pb::DeleteChatHistoryResponse {}))
    }

    async fn suggest_questions(
        &self,
        request: Request<pb::SuggestQuestionsRequest>,
    ) -> Result<Response<pb::SuggestQuestionsResponse>, Status> {
        let dataset = self.active(request.metadata()).await?.dataset;
        let questions = self.chat.suggestions(&dataset.spec).await?;
        Ok(Response::new(pb::SuggestQuestionsResponse { questions }))
    }

    async fn forget_session(
        &self,
        request: Request<pb::ForgetSessionRequest>,
    ) -> Result<Response<pb::ForgetSessionResponse>, Status> {
        let user = self.user(request.metadata()).await?;
        let raw = &request.get_ref().session_id;
        let session = uuid::Uuid::parse_str(raw)
            .map(SessionId)
            .map_err(|_| Error::InvalidArgument(format!("session_id: `{raw}` is not a session id")))?;
        self.chat.forget_session(user, session).await?;
        Ok(Response::new(pb::ForgetSessionResponse {}))
    }
}
