//! Sessions on PostgreSQL: the extension's bearer sessions (access and refresh tokens, reuse
//! of a refresh token revokes the session), the one-time hand-off from the web page to the
//! extension, and the console's cookie sessions. All of it in the database, so any instance
//! behind a load balancer can answer any request.

use sqlx::{PgPool, Row};

use crate::db::console::ConsoleSession;
use crate::db::{HandoffRedeem, RefreshOutcome, RepoError, SessionRef, TokenHashes};

pub(super) async fn create_session(
    pool: &PgPool,
    person_id: i64,
    tokens: &TokenHashes,
    now: i64,
) -> Result<i64, RepoError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sessions (person_id, access_hash, access_expires_at, refresh_hash,
                               refresh_expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(person_id)
    .bind(&tokens.access_hash)
    .bind(tokens.access_expires_at)
    .bind(&tokens.refresh_hash)
    .bind(tokens.refresh_expires_at)
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

pub(super) async fn session_for_access_token(
    pool: &PgPool,
    access_hash: &str,
    now: i64,
) -> Result<Option<SessionRef>, RepoError> {
    let row = sqlx::query(
        "SELECT id, person_id FROM sessions
         WHERE access_hash = $1 AND revoked = 0 AND access_expires_at > $2",
    )
    .bind(access_hash)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(SessionRef {
        session_id: row.try_get("id")?,
        person_id: row.try_get("person_id")?,
    }))
}

pub(super) async fn rotate_refresh_token(
    pool: &PgPool,
    old_refresh_hash: &str,
    new: &TokenHashes,
    now: i64,
) -> Result<RefreshOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    // A write first, so this transaction holds the write lock from the start.
    let rotated = sqlx::query(
        "UPDATE sessions SET access_hash = $1, access_expires_at = $2,
                             refresh_hash = $3, refresh_expires_at = $4
         WHERE refresh_hash = $5 AND revoked = 0 AND refresh_expires_at > $6
         RETURNING id, person_id",
    )
    .bind(&new.access_hash)
    .bind(new.access_expires_at)
    .bind(&new.refresh_hash)
    .bind(new.refresh_expires_at)
    .bind(old_refresh_hash)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(row) = rotated {
        let session = SessionRef {
            session_id: row.try_get("id")?,
            person_id: row.try_get("person_id")?,
        };
        sqlx::query(
            "INSERT INTO used_refresh_tokens (token_hash, session_id, used_at) VALUES ($1, $2, $3)",
        )
        .bind(old_refresh_hash)
        .bind(session.session_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(RefreshOutcome::Rotated);
    }
    let reused: Option<i64> =
        sqlx::query_scalar("SELECT session_id FROM used_refresh_tokens WHERE token_hash = $1")
            .bind(old_refresh_hash)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(session_id) = reused else {
        return Ok(RefreshOutcome::Invalid);
    };
    sqlx::query("UPDATE sessions SET revoked = 1 WHERE id = $1")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(RefreshOutcome::Reused)
}

pub(super) async fn revoke_session(pool: &PgPool, session_id: i64) -> Result<(), RepoError> {
    sqlx::query("UPDATE sessions SET revoked = 1 WHERE id = $1")
        .bind(session_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn create_handoff_grant(
    pool: &PgPool,
    person_id: i64,
    secret_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), RepoError> {
    sqlx::query(
        "INSERT INTO handoff_grants (person_id, secret_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(person_id)
    .bind(secret_hash)
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn create_handoff_code(
    pool: &PgPool,
    grant_hash: &str,
    code_hash: &str,
    challenge: &str,
    now: i64,
    expires_at: i64,
) -> Result<bool, RepoError> {
    let inserted = sqlx::query(
        "INSERT INTO handoff_codes (code_hash, grant_id, challenge, created_at, expires_at)
         SELECT $1, id, $2, $3, $4 FROM handoff_grants
         WHERE secret_hash = $5 AND consumed_at IS NULL AND expires_at > $6",
    )
    .bind(code_hash)
    .bind(challenge)
    .bind(now)
    .bind(expires_at)
    .bind(grant_hash)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

pub(super) async fn redeem_handoff_code(
    pool: &PgPool,
    code_hash: &str,
    challenge: &str,
    now: i64,
) -> Result<HandoffRedeem, RepoError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "UPDATE handoff_codes SET used_at = $1
         WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $3
         RETURNING grant_id, challenge",
    )
    .bind(now)
    .bind(code_hash)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(HandoffRedeem::Invalid);
    };
    let grant_id: i64 = row.try_get("grant_id")?;
    let expected: String = row.try_get("challenge")?;
    let person: Option<i64> = if expected == challenge {
        sqlx::query_scalar(
            "UPDATE handoff_grants SET consumed_at = $1
             WHERE id = $2 AND consumed_at IS NULL AND expires_at > $3
             RETURNING person_id",
        )
        .bind(now)
        .bind(grant_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?
    } else {
        None
    };
    // The code is spent either way.
    tx.commit().await?;
    Ok(match person {
        Some(person_id) => HandoffRedeem::Redeemed { person_id },
        None => HandoffRedeem::Invalid,
    })
}

/// A console session's `last_seen_at` is written at most this often (as on SQLite).
const TOUCH_EVERY_SECS: i64 = 60;

pub(super) async fn create_console_session(
    pool: &PgPool,
    person_id: i64,
    token_hash: &str,
    now: i64,
    expires_at: i64,
    idle_secs: i64,
) -> Result<i64, RepoError> {
    let mut tx = pool.begin().await?;
    // Sessions that ended by time are of no use to anyone: forget them as new ones come.
    sqlx::query(
        "DELETE FROM console_sessions WHERE person_id = $1 AND (expires_at <= $2 OR last_seen_at <= $3)",
    )
    .bind(person_id)
    .bind(now)
    .bind(now - idle_secs)
    .execute(&mut *tx)
    .await?;
    let id = sqlx::query_scalar(
        "INSERT INTO console_sessions (person_id, token_hash, created_at, last_seen_at, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(person_id)
    .bind(token_hash)
    .bind(now)
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The session of this token if it has neither expired nor been idle `idle_secs`; seeing it
/// counts as activity.
pub(super) async fn console_session(
    pool: &PgPool,
    token_hash: &str,
    now: i64,
    idle_secs: i64,
) -> Result<Option<ConsoleSession>, RepoError> {
    let row = sqlx::query(
        "SELECT id, person_id, last_seen_at FROM console_sessions
         WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at > $3",
    )
    .bind(token_hash)
    .bind(now)
    .bind(now - idle_secs)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let session = ConsoleSession {
        session_id: row.try_get("id")?,
        person_id: row.try_get("person_id")?,
    };
    let last_seen: i64 = row.try_get("last_seen_at")?;
    if now - last_seen >= TOUCH_EVERY_SECS {
        sqlx::query("UPDATE console_sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(session.session_id)
            .execute(pool)
            .await?;
    }
    Ok(Some(session))
}

pub(super) async fn end_console_session(pool: &PgPool, session_id: i64) -> Result<(), RepoError> {
    sqlx::query("DELETE FROM console_sessions WHERE id = $1")
        .bind(session_id)
        .execute(pool)
        .await?;
    Ok(())
}
