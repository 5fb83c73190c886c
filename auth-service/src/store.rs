//! The `users` table: one function per query.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Error;
use crate::domain::Email;

/// An account as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    /// The account id, the `sub` of its tokens.
    pub id: Uuid,
    /// The normalised email.
    pub email: String,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// When the account was created.
    pub created_at: OffsetDateTime,
}

/// Inserts a new account; `EmailTaken` when the email exists in any letter case.
#[tracing::instrument(skip_all)]
pub async fn insert_user(pool: &PgPool, email: &Email, password_hash: &str) -> Result<User, Error> {
    sqlx::query_as::<_, User>(
        "INSERT INTO users (id, email, password_hash) VALUES ($1, $2, $3) \
         RETURNING id, email, password_hash, created_at",
    )
    .bind(Uuid::now_v7())
    .bind(email.as_str())
    .bind(password_hash)
    .fetch_one(pool)
    .await
    .map_err(|error| match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => Error::EmailTaken,
        _ => Error::Database(error),
    })
}

/// The account with this email, in any letter case.
#[tracing::instrument(skip_all)]
pub async fn find_by_email(pool: &PgPool, email: &Email) -> Result<Option<User>, Error> {
    Ok(sqlx::query_as::<_, User>(
        "SELECT id, email, password_hash, created_at FROM users WHERE lower(email) = lower($1)",
    )
    .bind(email.as_str())
    .fetch_optional(pool)
    .await?)
}

/// The account with this id.
#[tracing::instrument(skip_all, fields(user_id = %id))]
pub async fn find_by_id(pool: &PgPool, id: Uuid) -> Result<Option<User>, Error> {
    Ok(
        sqlx::query_as::<_, User>("SELECT id, email, password_hash, created_at FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}
