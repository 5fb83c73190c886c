//! The `sessions` table: one function per query. Every change runs in a transaction that
//! first takes a per-user advisory lock, so concurrent changes by one user serialise and
//! the one-active-session index never races.

use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Error;
use crate::domain::{SessionId, Title, UserId};

/// A session as stored (and as cached).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize, Deserialize)]
pub struct Session {
    /// The session id.
    pub id: Uuid,
    /// The owner.
    pub user_id: Uuid,
    /// The title, unique per user.
    pub title: String,
    /// Whether it is the user's active session.
    pub active: bool,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was last changed (activated, deactivated or its settings).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Whether a remote model may see a few rows of the session's datasets. (Entries cached
    /// before the setting existed read as `false`, its default.)
    #[serde(default)]
    pub allow_sample_rows: bool,
}

/// The columns of [`Session`], as a literal so queries stay `&'static str` (sqlx 0.9
/// refuses dynamic SQL).
macro_rules! columns {
    () => {
        "id, user_id, title, active, created_at, updated_at, allow_sample_rows"
    };
}

async fn begin_for(pool: &PgPool, user: UserId) -> Result<Transaction<'static, Postgres>, Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))")
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

async fn deactivate_all(tx: &mut Transaction<'static, Postgres>, user: UserId) -> Result<(), Error> {
    sqlx::query("UPDATE sessions SET active = false, updated_at = now() WHERE user_id = $1 AND active")
        .bind(user.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Creates a session and makes it the user's only active one.
#[tracing::instrument(skip_all, fields(user_id = %user.0))]
pub async fn create(pool: &PgPool, user: UserId, title: &Title) -> Result<Session, Error> {
    let mut tx = begin_for(pool, user).await?;
    deactivate_all(&mut tx, user).await?;
    let session = sqlx::query_as::<_, Session>(concat!(
        "INSERT INTO sessions (id, user_id, title, active) VALUES ($1, $2, $3, true) RETURNING ",
        columns!()
    ))
    .bind(Uuid::now_v7())
    .bind(user.0)
    .bind(title.as_str())
    .fetch_one(&mut *tx)
    .await
    .map_err(|error| match &error {
        sqlx::Error::Database(db) if db.constraint() == Some("sessions_user_title_key") => Error::DuplicateTitle,
        _ => Error::Database(error),
    })?;
    tx.commit().await?;
    Ok(session)
}

/// The user's sessions, newest first.
#[tracing::instrument(skip_all, fields(user_id = %user.0))]
pub async fn list(pool: &PgPool, user: UserId) -> Result<Vec<Session>, Error> {
    Ok(sqlx::query_as::<_, Session>(concat!(
        "SELECT ",
        columns!(),
        " FROM sessions WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(user.0)
    .fetch_all(pool)
    .await?)
}

/// The user's active session, if any.
#[tracing::instrument(skip_all, fields(user_id = %user.0))]
pub async fn active(pool: &PgPool, user: UserId) -> Result<Option<Session>, Error> {
    Ok(sqlx::query_as::<_, Session>(concat!(
        "SELECT ",
        columns!(),
        " FROM sessions WHERE user_id = $1 AND active"
    ))
    .bind(user.0)
    .fetch_optional(pool)
    .await?)
}

/// The user's session with this title, if any.
#[tracing::instrument(skip_all, fields(user_id = %user.0))]
pub async fn find(pool: &PgPool, user: UserId, title: &Title) -> Result<Option<Session>, Error> {
    Ok(sqlx::query_as::<_, Session>(concat!(
        "SELECT ",
        columns!(),
        " FROM sessions WHERE user_id = $1 AND title = $2"
    ))
    .bind(user.0)
    .bind(title.as_str())
    .fetch_optional(pool)
    .await?)
}

/// Makes the session with this title the user's only active one.
#[tracing::instrument(skip_all, fields(user_id = %user.0))]
pub async fn activate(pool: &PgPool, user: UserId, title: &Title) -> Result<Session, Error> {
    let mut tx = begin_for(pool, user).await?;
    let target = sqlx::query_as::<_, Session>(concat!(
        "SELECT ",
        columns!(),
        " FROM sessions WHERE user_id = $1 AND title = $2"
    ))
    .bind(user.0)
    .bind(title.as_str())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    if target.active {
        return Ok(target);
    }
    deactivate_all(&mut tx, user).await?;
    let session = sqlx::query_as::<_, Session>(concat!(
        "UPDATE sessions SET active = true, updated_at = now() WHERE id = $1 RETURNING ",
        columns!()
    ))
    .bind(target.id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(session)
}

/// Sets whether a remote model may see sample rows of the session with this title;
/// `NotFound` when the user has none.
#[tracing::instrument(skip_all, fields(user_id = %user.0))]
pub async fn set_sample_rows(pool: &PgPool, user: UserId, title: &Title, allow: bool) -> Result<Session, Error> {
    let mut tx = begin_for(pool, user).await?;
    let session = sqlx::query_as::<_, Session>(concat!(
        "UPDATE sessions SET allow_sample_rows = $3, updated_at = now() WHERE user_id = $1 AND title = $2 RETURNING ",
        columns!()
    ))
    .bind(user.0)
    .bind(title.as_str())
    .bind(allow)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    tx.commit().await?;
    Ok(session)
}

/// Deletes the session unless it is active. `DeleteActive` if it became active, and
/// `NotFound` if it is gone.
#[tracing::instrument(skip_all, fields(user_id = %user.0, session_id = %id.0))]
pub async fn delete(pool: &PgPool, user: UserId, id: SessionId) -> Result<(), Error> {
    let mut tx = begin_for(pool, user).await?;
    let active: Option<bool> = sqlx::query_scalar("SELECT active FROM sessions WHERE id = $1 AND user_id = $2")
        .bind(id.0)
        .bind(user.0)
        .fetch_optional(&mut *tx)
        .await?;
    match active {
        None => return Err(Error::NotFound),
        Some(true) => return Err(Error::DeleteActive),
        Some(false) => {}
    }
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
