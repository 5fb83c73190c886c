//! `UploadFile`: a client stream of metadata, chunks and an end marker.
//!
//! The name is checked (rules, then duplicates) before a byte is written. Chunks go
//! straight to a staging file, never accumulated in memory, until the size limit. After
//! the end marker the file is sniffed and profiled on the blocking pool, and only then
//! committed: bytes moved to their key, row inserted and made the active file of the
//! active session in one transaction, cache written. Whatever fails or is cancelled
//! before the commit drops the staging file, so nothing is left behind; the commit runs
//! in its own task, so a client leaving during it cannot split it half-way.

use std::sync::Arc;

use sextant_proto::file::v1 as pb;
use sextant_proto::file::v1::upload_file_request::Part;
use sqlx::PgPool;
use tonic::{Request, Streaming};
use uuid::Uuid;

use super::FileService;
use crate::Error;
use crate::active::ActiveFiles;
use crate::domain::{Description, FileId, FileName, SessionId, UserId};
use crate::profile::{self, Format, Profile};
use crate::storage::{Staged, Storage, StorageKey};
use crate::store::{self, File, NewFile};

/// The next part of the upload; `None` when the client closed the stream.
async fn next(stream: &mut Streaming<pb::UploadFileRequest>) -> Result<Option<Part>, Error> {
    match stream.message().await {
        Ok(Some(message)) => message
            .part
            .map(Some)
            .ok_or(Error::InvalidUpload("a message carried no part")),
        Ok(None) => Ok(None),
        Err(status) => Err(Error::Cancelled(status.message().to_owned())),
    }
}

/// Receives, checks, profiles and stores one upload.
pub async fn upload(service: &FileService, request: Request<Streaming<pb::UploadFileRequest>>) -> Result<File, Error> {
    let caller = request.metadata().clone();
    let user = service.user(&caller).await?;
    let mut stream = request.into_inner();

    let Some(Part::Metadata(metadata)) = next(&mut stream).await? else {
        return Err(Error::InvalidUpload("the first message must carry the metadata"));
    };
    let name = FileName::parse(&metadata.file_name)?;
    let description = Description::parse(&metadata.description)?;
    if store::name_taken(&service.pool, user, &name).await? {
        return Err(Error::FileExists);
    }

    let mut staged = service.storage.stage().await?;
    let declared = loop {
        match next(&mut stream).await? {
            Some(Part::Chunk(bytes)) => {
                if staged.written() + bytes.len() as u64 > service.max_upload_bytes {
                    return Err(Error::PayloadTooLarge {
                        limit: service.max_upload_bytes,
                    });
                }
                staged.write(&bytes).await?;
            }
            Some(Part::End(end)) => break end.size_bytes,
            Some(Part::Metadata(_)) => {
                return Err(Error::InvalidUpload("the metadata must come only once"));
            }
            None => {
                return Err(Error::IncompleteUpload(
                    "the stream ended before its end message".into(),
                ));
            }
        }
    };
    if declared != staged.written() {
        return Err(Error::IncompleteUpload(format!(
            "{} bytes received but {declared} declared",
            staged.written()
        )));
    }
    staged.finish().await?;
    let size_bytes = staged.written();
    tracing::debug!(size_bytes, "upload received");

    let path = staged.path().to_owned();
    let extension = name.extension();
    let scratch = service.storage.scratch_dir().to_owned();
    let (format, profile) = service
        .read(move || profile::inspect(&path, extension.as_deref(), size_bytes, &scratch))
        .await?;
    let summary = profile::markdown(&profile);
    let session = service.sessions.active(&caller).await?;

    let upload = Upload {
        id: FileId(Uuid::now_v7()),
        user,
        name,
        description,
        format,
        size_bytes,
        profile,
        summary,
        session,
    };
    let commit = tokio::spawn(upload.commit(
        staged,
        Arc::clone(&service.storage),
        service.pool.clone(),
        service.active.clone(),
    ));
    let file = commit
        .await
        .map_err(|error| Error::Internal(format!("the upload commit failed: {error}")))??;
    tracing::info!(file_id = %file.id, format = %file.format, size_bytes, "file uploaded");
    Ok(file)
}

/// A checked, profiled upload ready to be kept.
struct Upload {
    id: FileId,
    user: UserId,
    name: FileName,
    description: Description,
    format: Format,
    size_bytes: u64,
    profile: Profile,
    summary: String,
    session: Option<SessionId>,
}

impl Upload {
    /// Moves the bytes to their key, then inserts the row and the active file in one
    /// transaction; if that fails, the bytes go again.
    async fn commit(
        self,
        staged: Staged,
        storage: Arc<dyn Storage>,
        pool: PgPool,
        active: ActiveFiles,
    ) -> Result<File, Error> {
        let key = StorageKey::new(self.user, self.id);
        storage.commit(staged, &key).await?;
        match self.insert(&pool, &key).await {
            Ok(file) => {
                if let Some(session) = self.session {
                    active.cached(self.user, session, self.id).await;
                }
                Ok(file)
            }
            Err(error) => {
                if let Err(cleanup) = storage.delete(&key).await {
                    tracing::error!(error = %cleanup, file_id = %self.id, "cannot remove the bytes of a failed upload");
                }
                Err(error)
            }
        }
    }

    async fn insert(&self, pool: &PgPool, key: &StorageKey) -> Result<File, Error> {
        let mut transaction = pool.begin().await?;
        let file = store::insert_file(
            &mut transaction,
            &NewFile {
                id: self.id,
                user: self.user,
                name: &self.name,
                description: &self.description,
                format: self.format,
                storage_key: &key.to_text(),
                size_bytes: self.size_bytes,
                profile: &self.profile,
                summary: &self.summary,
            },
        )
        .await?;
        if let Some(session) = self.session {
            store::set_active(&mut transaction, self.user, session, self.id).await?;
        }
        transaction.commit().await?;
        Ok(file)
    }
}
