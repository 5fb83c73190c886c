//! The `sextant.file.v1.FileService` implementation: authenticate, decode, call the
//! domain, the store and the profile code, encode. Every call is scoped to the user of
//! the bearer token; another user's file answers exactly like a missing one.

mod encode;
mod upload;

use std::sync::Arc;

use sextant_common::auth::{TokenError, Verifier};
use sextant_common::metadata;
use sextant_proto::file::v1 as pb;
use sqlx::PgPool;
use tokio::sync::Semaphore;
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status, Streaming};

use crate::Error;
use crate::active::ActiveFiles;
use crate::domain::{self, FileName, SessionId, UserId};
use crate::profile::{self, ProfileError};
use crate::session::Sessions;
use crate::storage::{Storage, StorageKey};
use crate::store::{self, File};

/// Polars reads (profiles, previews) running at once; each may use every core and, for
/// a large file, a good deal of memory.
const CONCURRENT_READS: usize = 2;

/// The service state shared by every call.
pub struct FileService {
    pool: PgPool,
    storage: Arc<dyn Storage>,
    verifier: Verifier,
    sessions: Sessions,
    active: ActiveFiles,
    max_upload_bytes: u64,
    reads: Semaphore,
}

impl FileService {
    /// Wires the service.
    pub fn new(
        pool: PgPool,
        storage: Arc<dyn Storage>,
        verifier: Verifier,
        sessions: Sessions,
        active: ActiveFiles,
        max_upload_bytes: u64,
    ) -> Self {
        Self {
            pool,
            storage,
            verifier,
            sessions,
            active,
            max_upload_bytes,
            reads: Semaphore::new(CONCURRENT_READS),
        }
    }

    /// The user of the bearer token in `caller`.
    async fn user(&self, caller: &MetadataMap) -> Result<UserId, Error> {
        let token = metadata::bearer_token(caller).ok_or(TokenError::Missing)?;
        let claims = self.verifier.verify(token).await?;
        tracing::Span::current().record("user_id", tracing::field::display(claims.sub));
        Ok(UserId(claims.sub))
    }

    /// Runs Polars work on the blocking pool, a bounded number at once.
    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, ProfileError> + Send + 'static,
    ) -> Result<T, Error> {
        let _permit = self
            .reads
            .acquire()
            .await
            .map_err(|_| Error::Internal("the read semaphore is closed".into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|error| Error::Internal(format!("a dataset read failed: {error}")))?
            .map_err(Error::from)
    }

    async fn file_named(&self, user: UserId, name: &str) -> Result<File, Error> {
        let name = FileName::parse(name)?;
        store::find_by_name(&self.pool, user, &name)
            .await?
            .ok_or(Error::FileNotFound)
    }

    async fn active_session(&self, caller: &MetadataMap) -> Result<SessionId, Error> {
        self.sessions.active(caller).await?.ok_or(Error::NoActiveSession)
    }

    fn storage_key(file: &File) -> Result<StorageKey, Error> {
        StorageKey::parse(&file.storage_key)
            .ok_or_else(|| Error::Internal(format!("file {} has storage key {:?}", file.id, file.storage_key)))
    }
}

#[tonic::async_trait]
impl pb::file_service_server::FileService for FileService {
    async fn upload_file(
        &self,
        request: Request<Streaming<pb::UploadFileRequest>>,
    ) -> Result<Response<pb::UploadFileResponse>, Status> {
        let file = upload::upload(self, request).await?;
        Ok(Response::new(pb::UploadFileResponse {
            file: Some(encode::file(&file)),
        }))
    }

    async fn list_files(
        &self,
        request: Request<pb::ListFilesRequest>,
    ) -> Result<Response<pb::ListFilesResponse>, Status> {
        let user = self.user(request.metadata()).await?;
        let files = store::list_files(&self.pool, user).await?;
        Ok(Response::new(pb::ListFilesResponse {
            files: files.iter().map(encode::file).collect(),
        }))
    }

    async fn get_file_profile(
        &self,
        request: Request<pb::GetFileProfileRequest>,
    ) -> Result<Response<pb::GetFileProfileResponse>, Status> {
        let user = self.user(request.metadata()).await?;
        let name = FileName::parse(&request.get_ref().file_name)?;
        let (file, profile) = store::find_profile(&self.pool, user, &name)
            .await?
            .ok_or(Error::FileNotFound)?;
        Ok(Response::new(pb::GetFileProfileResponse {
            file: Some(encode::file(&file)),
            profile: Some(encode::profile(&profile)),
        }))
    }

    async fn preview_file(
        &self,
        request: Request<pb::PreviewFileRequest>,
    ) -> Result<Response<pb::PreviewFileResponse>, Status> {
        let user = self.user(request.metadata()).await?;
        let rows = domain::preview_rows(request.get_ref().limit)?;
        let file = self.file_named(user, &request.get_ref().file_name).await?;
        let path = self.storage.local_path(&Self::storage_key(&file)?);
        let format = file.read_format()?;
        let preview = self.read(move || profile::preview(&path, format, rows)).await?;
        Ok(Response::new(pb::PreviewFileResponse {
            columns: preview.columns,
            rows: preview
                .rows
                .iter()
                .map(|row| sextant_proto::json::to_list(row))
                .collect(),
        }))
    }

    async fn delete_file(
        &self,
        request: Request<pb::DeleteFileRequest>,
    ) -> Result<Response<pb::DeleteFileResponse>, Status> {
        let user = self.user(request.metadata()).await?;
        let name = FileName::parse(&request.get_ref().file_name)?;
        let active_session = self.sessions.active(request.metadata()).await?;
        let deleted = store::delete_file(&self.pool, user, &name, active_session).await?;
        for session in deleted.sessions {
            self.active.uncache(user, session).await;
        }
        // The row is gone, so nothing refers to the bytes any more; a failure here
        // leaves an orphan file, never a row without bytes.
        if let Err(error) = self.storage.delete(&Self::storage_key(&deleted.file)?).await {
            tracing::error!(%error, file_id = %deleted.file.id, "cannot delete the stored bytes");
        }
        tracing::info!(file_id = %deleted.file.id, "file deleted");
        Ok(Response::new(pb::DeleteFileResponse {}))
    }

    async fn get_active_file(
        &self,
        request: Request<pb::GetActiveFileRequest>,
    ) -> Result<Response<pb::GetActiveFileResponse>, Status> {
        let user = self.user(request.metadata()).await?;
        let session = self
            .sessions
            .active(request.metadata())
            .await?
            .ok_or(Error::NoActiveFile)?;
        let file = self.active.get(user, session).await?.ok_or(Error::NoActiveFile)?;
        Ok(Response::new(pb::GetActiveFileResponse {
            file: Some(encode::file(&file)),
        }))
    }

    async fn list_active_files(
        &self,
        request: Request<pb::ListActiveFilesRequest>,
    ) -> Result<Response<pb::ListActiveFilesResponse>, Status> {
        let user = self.user(request.metadata()).await?;
        let names = store::active_file_names(&self.pool, user).await?;
        let active_files = names
            .into_iter()
            .map(|(session, file_name)| pb::ActiveFile {
                session_id: session.0.to_string(),
                file_name,
            })
            .collect();
        Ok(Response::new(pb::ListActiveFilesResponse { active_files }))
    }

    async fn set_active_file(
        &self,
        request: Request<pb::SetActiveFileRequest>,
    ) -> Result<Response<pb::SetActiveFileResponse>, Status> {
        let user = self.user(request.metadata()).await?;
        let file = self.file_named(user, &request.get_ref().file_name).await?;
        let session = self.active_session(request.metadata()).await?;
        self.active.set(user, session, file.file_id()).await?;
        Ok(Response::new(pb::SetActiveFileResponse {
            file: Some(encode::file(&file)),
        }))
    }

    async fn resolve_dataset(
        &self,
        request: Request<pb::ResolveDatasetRequest>,
    ) -> Result<Response<pb::ResolveDatasetResponse>, Status> {
        let user = self.user(request.metadata()).await?;
        let session = SessionId::parse(&request.get_ref().session_id)?;
        let file = self.active.get(user, session).await?.ok_or(Error::NoActiveFile)?;
        let key = Self::storage_key(&file)?;
        let date_columns = store::date_columns(&self.pool, user, file.file_id())
            .await?
            .into_iter()
            .map(|(name, format)| pb::DateColumn { name, format })
            .collect();
        Ok(Response::new(pb::ResolveDatasetResponse {
            location: self.storage.location(&key),
            file_id: file.id.to_string(),
            delimiter: file.delimiter.clone().unwrap_or_default(),
            file: Some(encode::file(&file)),
            date_columns,
        }))
    }

    async fn forget_session(
        &self,
        request: Request<pb::ForgetSessionRequest>,
    ) -> Result<Response<pb::ForgetSessionResponse>, Status> {
        let user = self.user(request.metadata()).await?;
        let session = SessionId::parse(&request.get_ref().session_id)?;
        self.active.forget(user, session).await?;
        Ok(Response::new(pb::ForgetSessionResponse {}))
    }
}
