//! The `files` and `active_files` tables: one function per query, every one scoped by
//! the user.

use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Error;
use crate::domain::{Description, FileId, FileName, SessionId, UserId};
use crate::profile::{Format, Profile};

/// The columns of a [`File`], for `SELECT` and `RETURNING`.
macro_rules! file_columns {
    () => {
        "files.id, files.file_name, files.description, files.format, \
         files.delimiter, files.storage_key, files.size_bytes, files.row_count, \
         files.column_count, files.summary, files.created_at"
    };
}

/// A stored file, without its profile.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct File {
    /// Its id.
    pub id: Uuid,
    /// The name the user gave it.
    pub file_name: String,
    /// The user's description.
    pub description: String,
    /// `csv`, `tsv`, `parquet`, `json` or `ndjson`.
    pub format: String,
    /// The field delimiter of CSV.
    pub delimiter: Option<String>,
    /// Where the bytes are, see [`crate::storage::StorageKey`].
    pub storage_key: String,
    /// Size of the upload.
    pub size_bytes: i64,
    /// Rows of the dataset.
    pub row_count: i64,
    /// Columns of the dataset.
    pub column_count: i64,
    /// The Markdown summary.
    pub summary: String,
    /// When it was uploaded.
    pub created_at: OffsetDateTime,
}

impl File {
    /// The id as a newtype.
    pub fn file_id(&self) -> FileId {
        FileId(self.id)
    }

    /// The format to read the bytes with.
    pub fn read_format(&self) -> Result<Format, Error> {
        Format::from_stored(&self.format, self.delimiter.as_deref().unwrap_or(""))
            .ok_or_else(|| Error::Internal(format!("file {} has format {:?}", self.id, self.format)))
    }
}

/// A file about to be stored.
pub struct NewFile<'a> {
    /// Its id, also in its storage key.
    pub id: FileId,
    /// Its owner.
    pub user: UserId,
    /// Its name.
    pub name: &'a FileName,
    /// Its description.
    pub description: &'a Description,
    /// How it is read.
    pub format: Format,
    /// Where the bytes are.
    pub storage_key: &'a str,
    /// Size of the upload.
    pub size_bytes: u64,
    /// Its profile.
    pub profile: &'a Profile,
    /// The Markdown summary of the profile.
    pub summary: &'a str,
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Whether the user has a file named `name`.
#[tracing::instrument(skip_all, fields(user_id = %user))]
pub async fn name_taken(pool: &PgPool, user: UserId, name: &FileName) -> Result<bool, Error> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM files WHERE user_id = $1 AND file_name = $2)")
            .bind(user.0)
            .bind(name.as_str())
            .fetch_one(pool)
            .await?,
    )
}

/// Inserts a file; `FileExists` when the user has one with that name.
#[tracing::instrument(skip_all, fields(user_id = %file.user, file_id = %file.id))]
pub async fn insert_file(connection: &mut PgConnection, file: &NewFile<'_>) -> Result<File, Error> {
    sqlx::query_as::<_, File>(concat!(
        "INSERT INTO files (id, user_id, file_name, description, format, delimiter, \
         storage_key, size_bytes, row_count, column_count, summary, profile) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ",
        file_columns!()
    ))
    .bind(file.id.0)
    .bind(file.user.0)
    .bind(file.name.as_str())
    .bind(file.description.as_str())
    .bind(file.format.name())
    .bind(file.format.delimiter().map(|byte| char::from(byte).to_string()))
    .bind(file.storage_key)
    .bind(count(file.size_bytes))
    .bind(count(file.profile.rows))
    .bind(count(file.profile.columns))
    .bind(file.summary)
    .bind(Json(file.profile))
    .fetch_one(connection)
    .await
    .map_err(|error| match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => Error::FileExists,
        _ => Error::Database(error),
    })
}

/// The user's files, newest first.
#[tracing::instrument(skip_all, fields(user_id = %user))]
pub async fn list_files(pool: &PgPool, user: UserId) -> Result<Vec<File>, Error> {
    Ok(sqlx::query_as::<_, File>(concat!(
        "SELECT ",
        file_columns!(),
        " FROM files WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(user.0)
    .fetch_all(pool)
    .await?)
}

/// The user's file named `name`.
#[tracing::instrument(skip_all, fields(user_id = %user))]
pub async fn find_by_name(pool: &PgPool, user: UserId, name: &FileName) -> Result<Option<File>, Error> {
    Ok(sqlx::query_as::<_, File>(concat!(
        "SELECT ",
        file_columns!(),
        " FROM files WHERE user_id = $1 AND file_name = $2"
    ))
    .bind(user.0)
    .bind(name.as_str())
    .fetch_optional(pool)
    .await?)
}

/// The user's file with this id.
#[tracing::instrument(skip_all, fields(user_id = %user, file_id = %id))]
pub async fn find_by_id(pool: &PgPool, user: UserId, id: FileId) -> Result<Option<File>, Error> {
    Ok(sqlx::query_as::<_, File>(concat!(
        "SELECT ",
        file_columns!(),
        " FROM files WHERE user_id = $1 AND id = $2"
    ))
    .bind(user.0)
    .bind(id.0)
    .fetch_optional(pool)
    .await?)
}

#[derive(sqlx::FromRow)]
struct FileWithProfile {
    #[sqlx(flatten)]
    file: File,
    profile: Json<Profile>,
}

/// The user's file named `name`, with its profile.
#[tracing::instrument(skip_all, fields(user_id = %user))]
pub async fn find_profile(pool: &PgPool, user: UserId, name: &FileName) -> Result<Option<(File, Profile)>, Error> {
    let found = sqlx::query_as::<_, FileWithProfile>(concat!(
        "SELECT ",
        file_columns!(),
        ", files.profile FROM files WHERE user_id = $1 AND file_name = $2"
    ))
    .bind(user.0)
    .bind(name.as_str())
    .fetch_optional(pool)
    .await?;
    Ok(found.map(|found| (found.file, found.profile.0)))
}

/// The text columns of the user's file `id` that its profile recognised as dates, with
/// the format they were recognised in, in column order.
#[tracing::instrument(skip_all, fields(user_id = %user, file_id = %id))]
pub async fn date_columns(pool: &PgPool, user: UserId, id: FileId) -> Result<Vec<(String, String)>, Error> {
    Ok(sqlx::query_as::<_, (String, String)>(
        "SELECT c.value->>'name', c.value->'date_range'->>'format' \
         FROM files, jsonb_array_elements(files.profile->'column_profiles') WITH ORDINALITY AS c(value, position) \
         WHERE files.user_id = $1 AND files.id = $2 AND COALESCE(c.value->'date_range'->>'format', '') <> '' \
         ORDER BY c.position",
    )
    .bind(user.0)
    .bind(id.0)
    .fetch_all(pool)
    .await?)
}

/// Makes `file` the active file of `session`.
#[tracing::instrument(skip_all, fields(user_id = %user, session_id = %session, file_id = %file))]
pub async fn set_active(
    connection: &mut PgConnection,
    user: UserId,
    session: SessionId,
    file: FileId,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO active_files (user_id, session_id, file_id) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, session_id) \
         DO UPDATE SET file_id = EXCLUDED.file_id, updated_at = now()",
    )
    .bind(user.0)
    .bind(session.0)
    .bind(file.0)
    .execute(connection)
    .await?;
    Ok(())
}

/// The active file of `session`.
#[tracing::instrument(skip_all, fields(user_id = %user, session_id = %session))]
pub async fn active_file(pool: &PgPool, user: UserId, session: SessionId) -> Result<Option<File>, Error> {
    Ok(sqlx::query_as::<_, File>(concat!(
        "SELECT ",
        file_columns!(),
        " FROM active_files JOIN files ON files.id = active_files.file_id \
         WHERE active_files.user_id = $1 AND active_files.session_id = $2 \
         AND files.user_id = $1"
    ))
    .bind(user.0)
    .bind(session.0)
    .fetch_optional(pool)
    .await?)
}

/// The name of the active file of each of `user`'s sessions that has one.
#[tracing::instrument(skip_all, fields(user_id = %user))]
pub async fn active_file_names(pool: &PgPool, user: UserId) -> Result<Vec<(SessionId, String)>, Error> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT active_files.session_id, files.file_name \
         FROM active_files JOIN files ON files.id = active_files.file_id \
         WHERE active_files.user_id = $1 AND files.user_id = $1",
    )
    .bind(user.0)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(session, name)| (SessionId(session), name))
        .collect())
}

/// A deleted file and the sessions it was the active file of.
pub struct Deleted {
    /// The file as it was.
    pub file: File,
    /// Sessions that had it as their active file.
    pub sessions: Vec<SessionId>,
}

/// Deletes the user's file named `name` with its active-file entries, unless it is
/// the active file of `active_session` (`FileIsActive`). The file's row is locked
/// first, so a concurrent `set_active` either lands before (and is seen) or waits and
/// then fails on the foreign key.
#[tracing::instrument(skip_all, fields(user_id = %user))]
pub async fn delete_file(
    pool: &PgPool,
    user: UserId,
    name: &FileName,
    active_session: Option<SessionId>,
) -> Result<Deleted, Error> {
    let mut transaction = pool.begin().await?;
    let file = sqlx::query_as::<_, File>(concat!(
        "SELECT ",
        file_columns!(),
        " FROM files WHERE user_id = $1 AND file_name = $2 FOR UPDATE"
    ))
    .bind(user.0)
    .bind(name.as_str())
    .fetch_optional(&mut *transaction)
    .await?
    .ok_or(Error::FileNotFound)?;
    let sessions: Vec<Uuid> =
        sqlx::query_scalar("DELETE FROM active_files WHERE user_id = $1 AND file_id = $2 RETURNING session_id")
            .bind(user.0)
            .bind(file.id)
            .fetch_all(&mut *transaction)
            .await?;
    if let Some(active) = active_session
        && sessions.contains(&active.0)
    {
        return Err(Error::FileIsActive);
    }
    sqlx::query("DELETE FROM files WHERE user_id = $1 AND id = $2")
        .bind(user.0)
        .bind(file.id)
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(Deleted {
        file,
        sessions: sessions.into_iter().map(SessionId).collect(),
    })
}

/// Forgets the active file of `session`.
#[tracing::instrument(skip_all, fields(user_id = %user, session_id = %session))]
pub async fn forget_session(pool: &PgPool, user: UserId, session: SessionId) -> Result<(), Error> {
    sqlx::query("DELETE FROM active_files WHERE user_id = $1 AND session_id = $2")
        .bind(user.0)
        .bind(session.0)
        .execute(pool)
        .await?;
    Ok(())
}
