//! Password resets, on both backends (the types: `db/password_reset.rs`): a request queues
//! its email, the link token is issued when it is sent (only its hash is stored), and using
//! the link sets the new password and ends every session of the person, in one transaction.
//!
//! One text for SQLite and PostgreSQL: each backend compiles this file as its own module
//! (`db::password_reset_sql`, `db::pg::password_reset`) against its `dialect` module (its pool,
//! its connection and what differs). The statements are the same in both dialects (`$N`
//! placeholders, which SQLite reads as `?N`). What differs: a request locks the person's row
//! first on PostgreSQL (`FOR UPDATE`), so requests on two instances at once count the hourly
//! limit one after the other; SQLite has one writer, and the request's first write takes its
//! lock.

use sqlx::Row;

use super::dialect::{lock_for_update, set_password, Pool};
use crate::db::password_reset::{PasswordResetRecord, ResetRecipient, ResetRequested};
use crate::db::{normalize_email, RepoError};

/// A request's window for the limit on reset emails.
const HOUR_SECS: i64 = 60 * 60;

/// Stores a reset request for the account with `email` (if any) and queues its email, unless
/// the account had `hourly_limit` requests in the last hour. The request lapses unsent at
/// `now + lapse_secs`. Requests older than a day are forgotten here.
pub(crate) async fn request(
    pool: &Pool,
    email: &str,
    now: i64,
    lapse_secs: i64,
    hourly_limit: u32,
) -> Result<ResetRequested, RepoError> {
    let person: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE email_norm = $1")
        .bind(normalize_email(email))
        .fetch_optional(pool)
        .await?;
    let Some(person_id) = person else {
        return Ok(ResetRequested::NoAccount);
    };
    let mut tx = pool.begin().await?;
    lock_for_update(&mut tx, "people", person_id).await?;
    // The first statement writes, so the transaction takes the write lock up front; the count
    // and the insert are one statement, so two requests at once cannot both pass the limit.
    let reset_id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO password_resets (person_id, created_at, expires_at)
         SELECT $1, $2, $3
         WHERE (SELECT COUNT(*) FROM password_resets
                WHERE person_id = $1 AND created_at > $2 - $4) < $5
         RETURNING id",
    )
    .bind(person_id)
    .bind(now)
    .bind(now + lapse_secs)
    .bind(HOUR_SECS)
    .bind(i64::from(hourly_limit))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(reset_id) = reset_id else {
        return Ok(ResetRequested::TooMany);
    };
    let mail_id: i64 = sqlx::query_scalar(
        "INSERT INTO mail_queue (password_reset_id, created_at, next_attempt_at)
         VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(reset_id)
    .bind(now)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM password_resets WHERE person_id = $1 AND created_at < $2")
        .bind(person_id)
        .bind(now - 24 * HOUR_SECS)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(ResetRequested::Queued { reset_id, mail_id })
}

/// Gives a pending reset the hash of the token its email is about to carry, valid until
/// `now + valid_secs` (a previous token of it stops working); who to send it to, or `None` if
/// it was used or lapsed meanwhile.
pub(crate) async fn issue_token(
    pool: &Pool,
    reset_id: i64,
    token_hash: &str,
    now: i64,
    valid_secs: i64,
) -> Result<Option<ResetRecipient>, RepoError> {
    let person_id: Option<i64> = sqlx::query_scalar(
        "UPDATE password_resets SET token_hash = $1, expires_at = $2
         WHERE id = $3 AND used_at IS NULL AND expires_at > $4
         RETURNING person_id",
    )
    .bind(token_hash)
    .bind(now + valid_secs)
    .bind(reset_id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some(person_id) = person_id else {
        return Ok(None);
    };
    let row = sqlx::query("SELECT name, email FROM people WHERE id = $1")
        .bind(person_id)
        .fetch_optional(pool)
        .await?;
    row.map(|row| {
        Ok(ResetRecipient {
            name: row.try_get("name")?,
            email: row.try_get("email")?,
        })
    })
    .transpose()
}

/// The reset whose link token has this hash, used or not, expired or not.
pub(crate) async fn find(
    pool: &Pool,
    token_hash: &str,
) -> Result<Option<PasswordResetRecord>, RepoError> {
    let row = sqlx::query(
        "SELECT r.id, r.person_id, p.email, r.expires_at, r.used_at
         FROM password_resets r JOIN people p ON p.id = r.person_id
         WHERE r.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(PasswordResetRecord {
            id: row.try_get("id")?,
            person_id: row.try_get("person_id")?,
            email: row.try_get("email")?,
            expires_at: row.try_get("expires_at")?,
            used_at: row.try_get("used_at")?,
        })
    })
    .transpose()
}

/// Spends the reset (only if its link is unused and unexpired at `now`) and, in the same
/// transaction, sets the new password and ends every session of the person (the repository's
/// password change: bearer sessions, hand-off grants, console sessions, other reset links).
/// The person's id, or `None` when the link no longer works (nothing changed).
pub(crate) async fn complete(
    pool: &Pool,
    reset_id: i64,
    password_hash: &str,
    now: i64,
) -> Result<Option<i64>, RepoError> {
    let mut tx = pool.begin().await?;
    let person_id: Option<i64> = sqlx::query_scalar(
        "UPDATE password_resets SET used_at = $1
         WHERE id = $2 AND token_hash IS NOT NULL AND used_at IS NULL AND expires_at > $1
         RETURNING person_id",
    )
    .bind(now)
    .bind(reset_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(person_id) = person_id else {
        return Ok(None);
    };
    set_password(&mut tx, person_id, password_hash).await?;
    tx.commit().await?;
    Ok(Some(person_id))
}
