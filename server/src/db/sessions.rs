//! Sessions in SQLite: the extension's access and refresh tokens, and the one-time handoff
//! from the console to the extension (grants and codes).

use super::*;

pub(super) async fn create_session(
    pool: &SqlitePool,
    person_id: i64,
    tokens: &TokenHashes,
    now: i64,
) -> Result<i64, RepoError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sessions (person_id, access_hash, access_expires_at, refresh_hash,
                               refresh_expires_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
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
    pool: &SqlitePool,
    access_hash: &str,
    now: i64,
) -> Result<Option<SessionRef>, RepoError> {
    let row = sqlx::query(
        "SELECT id, person_id FROM sessions
         WHERE access_hash = ? AND revoked = 0 AND access_expires_at > ?",
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
    pool: &SqlitePool,
    old_refresh_hash: &str,
    new: &TokenHashes,
    now: i64,
) -> Result<RefreshOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    // A write first, so this transaction holds the write lock from the start.
    let rotated = sqlx::query(
        "UPDATE sessions SET access_hash = ?, access_expires_at = ?,
                             refresh_hash = ?, refresh_expires_at = ?
         WHERE refresh_hash = ? AND revoked = 0 AND refresh_expires_at > ?
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
            "INSERT INTO used_refresh_tokens (token_hash, session_id, used_at) VALUES (?, ?, ?)",
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
        sqlx::query_scalar("SELECT session_id FROM used_refresh_tokens WHERE token_hash = ?")
            .bind(old_refresh_hash)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(session_id) = reused else {
        return Ok(RefreshOutcome::Invalid);
    };
    sqlx::query("UPDATE sessions SET revoked = 1 WHERE id = ?")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(RefreshOutcome::Reused)
}

pub(super) async fn revoke_session(pool: &SqlitePool, session_id: i64) -> Result<(), RepoError> {
    sqlx::query("UPDATE sessions SET revoked = 1 WHERE id = ?")
        .bind(session_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn create_handoff_grant(
    pool: &SqlitePool,
    person_id: i64,
    secret_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), RepoError> {
    sqlx::query(
        "INSERT INTO handoff_grants (person_id, secret_hash, created_at, expires_at)
         VALUES (?, ?, ?, ?)",
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
    pool: &SqlitePool,
    grant_hash: &str,
    code_hash: &str,
    challenge: &str,
    now: i64,
    expires_at: i64,
) -> Result<bool, RepoError> {
    let inserted = sqlx::query(
        "INSERT INTO handoff_codes (code_hash, grant_id, challenge, created_at, expires_at)
         SELECT ?, id, ?, ?, ? FROM handoff_grants
         WHERE secret_hash = ? AND consumed_at IS NULL AND expires_at > ?",
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
    pool: &SqlitePool,
    code_hash: &str,
    challenge: &str,
    now: i64,
) -> Result<HandoffRedeem, RepoError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "UPDATE handoff_codes SET used_at = ?
         WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?
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
            "UPDATE handoff_grants SET consumed_at = ?
             WHERE id = ? AND consumed_at IS NULL AND expires_at > ?
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
