//! Contact sync on PostgreSQL: the same sessions, idempotent batches (by session and
//! sequence number) staged apart from the visible contacts, and the commit that applies them
//! in one transaction (a full sync also removing, at commit, the contacts it did not see), as
//! SQLite's `db/sync.rs`.
//!
//! Every statement on a session's batches and staged rows names its owner in the SQL itself
//! ([`OWN_SESSION`]). Several instances may receive one ally's batches and commit at once: a
//! batch locks its session's row first (`UPDATE … RETURNING`), and a commit locks the ally's
//! `people` row, so the two commits of one ally follow each other as they do behind SQLite's
//! single writer, while different allies' commits run side by side.

use allyshare_protocol::limits::{CONTACTS_MAX_PER_ALLY, SYNC_SESSION_TTL_SECS};
use allyshare_protocol::{CommitResult, ContactDigest, SyncKind};
use sqlx::{PgConnection, PgPool, Row};

use super::lists;
use crate::db::sync::{CONTACT_COLUMNS, MAX_OPEN_SESSIONS, STAGED_UPSERT};
use crate::db::{
    BatchOutcome, CommitOutcome, NewBatch, OpenSyncOutcome, OpenedSync, RepoError, StoredContact,
};

/// The session `$1` if it is the person `$2`'s (every query below binds those two first).
const OWN_SESSION: &str = "(SELECT id FROM sync_sessions WHERE id = $1 AND person_id = $2)";

/// Stages a batch's contacts in one statement whatever its size: each column is bound as one
/// array (`UNNEST`), not one parameter per field (6,000 for 500 contacts, which PostgreSQL
/// parses and plans at every batch). A key twice in the batch keeps its later copy, as SQLite's
/// row-by-row upsert does (`ON CONFLICT DO UPDATE` may not touch one row twice in a statement);
/// a key staged by an earlier batch is replaced by a batch of the same or a later number.
async fn stage_contacts(
    tx: &mut PgConnection,
    person_id: i64,
    batch: &NewBatch<'_>,
) -> Result<(), RepoError> {
    let contacts = batch.contacts;
    let column = |field: fn(&StoredContact) -> Option<&str>| -> Vec<Option<&str>> {
        contacts.iter().map(field).collect()
    };
    sqlx::query(&format!(
        "INSERT INTO sync_staged (session_id, seq, {CONTACT_COLUMNS})
         SELECT DISTINCT ON (v.key) s.id, $3, {CONTACT_COLUMNS}
         FROM sync_sessions s,
              UNNEST($4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[],
                     $10::TEXT[], $11::TEXT[], $12::TEXT[], $13::BIGINT[], $14::TEXT[],
                     $15::TEXT[])
                WITH ORDINALITY AS v({CONTACT_COLUMNS}, position)
         WHERE s.id = $1 AND s.person_id = $2
         ORDER BY v.key, v.position DESC{STAGED_UPSERT}"
    ))
    .bind(batch.session_id)
    .bind(person_id)
    .bind(i64::from(batch.seq))
    .bind(column(|c| Some(&c.key)))
    .bind(column(|c| c.record.member_id.as_deref()))
    .bind(column(|c| c.record.public_identifier.as_deref()))
    .bind(column(|c| Some(&c.record.profile_url)))
    .bind(column(|c| c.record.first_name.as_deref()))
    .bind(column(|c| c.record.last_name.as_deref()))
    .bind(column(|c| c.record.headline.as_deref()))
    .bind(column(|c| c.record.connected_on.as_deref()))
    .bind(column(|c| c.record.photo_url.as_deref()))
    .bind(
        contacts
            .iter()
            .map(|c| c.content_hash as i64)
            .collect::<Vec<i64>>(),
    )
    .bind(column(|c| Some(&c.sort_name)))
    .bind(column(|c| Some(&c.search_text)))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Aborts the person's open sessions that have expired, dropping their staged contacts.
async fn expire_sessions(tx: &mut PgConnection, person_id: i64, now: i64) -> Result<(), RepoError> {
    sqlx::query(
        "DELETE FROM sync_staged WHERE session_id IN
           (SELECT id FROM sync_sessions
            WHERE person_id = $1 AND state = 'open' AND expires_at <= $2)",
    )
    .bind(person_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE sync_sessions SET state = 'aborted', closed_at = $2
         WHERE person_id = $1 AND state = 'open' AND expires_at <= $2",
    )
    .bind(person_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn is_sharing(tx: &mut PgConnection, person_id: i64) -> Result<bool, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships
                        WHERE person_id = $1 AND role = 'ally' AND sharing = 1)",
    )
    .bind(person_id)
    .fetch_one(&mut *tx)
    .await?)
}

/// Locks the person's row until the transaction ends: one commit (or open) of theirs at a time.
async fn lock_person(tx: &mut PgConnection, person_id: i64) -> Result<(), RepoError> {
    sqlx::query("SELECT 1 FROM people WHERE id = $1 FOR UPDATE")
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub(super) async fn open(
    pool: &PgPool,
    person_id: i64,
    kind: SyncKind,
    now: i64,
) -> Result<OpenSyncOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    lock_person(&mut tx, person_id).await?;
    expire_sessions(&mut tx, person_id, now).await?;
    if !is_sharing(&mut tx, person_id).await? {
        return Ok(OpenSyncOutcome::NotSharing);
    }
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sync_sessions WHERE person_id = $1 AND state = 'open'",
    )
    .bind(person_id)
    .fetch_one(&mut *tx)
    .await?;
    if open >= MAX_OPEN_SESSIONS {
        return Ok(OpenSyncOutcome::TooMany);
    }
    let expires_at = now + SYNC_SESSION_TTL_SECS;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sync_sessions (person_id, kind, created_at, expires_at)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(person_id)
    .bind(kind.as_str())
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(OpenSyncOutcome::Opened(OpenedSync {
        id,
        kind,
        expires_at,
    }))
}

/// Why a session cannot take a batch or a commit, if it cannot.
fn closed_reason(state: &str, expires_at: i64, now: i64) -> Option<&'static str> {
    match state {
        "committed" => Some("already committed"),
        "aborted" => Some("abandoned"),
        _ if expires_at <= now => Some("expired"),
        _ => None,
    }
}

pub(super) async fn put_batch(
    pool: &PgPool,
    person_id: i64,
    batch: &NewBatch<'_>,
    now: i64,
) -> Result<BatchOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    // Locks the session's row (the same batch sent to two instances is stored once) and, if
    // it is open, moves its expiry on: the transaction commits only when the batch is stored,
    // so a refused batch moves nothing. An expired session keeps its time, so the state and
    // time returned say the same as those before the update.
    let session = sqlx::query(
        "UPDATE sync_sessions
         SET expires_at = CASE WHEN state = 'open' AND expires_at > $3 THEN $4
                               ELSE expires_at END
         WHERE id = $1 AND person_id = $2 RETURNING state, expires_at",
    )
    .bind(batch.session_id)
    .bind(person_id)
    .bind(now)
    .bind(now + SYNC_SESSION_TTL_SECS)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(session) = session else {
        return Ok(BatchOutcome::NotFound);
    };
    let state: String = session.try_get("state")?;
    let expires_at: i64 = session.try_get("expires_at")?;
    let seq = i64::from(batch.seq);
    // A batch number already stored (a replay, or a different body) is answered before the
    // session's state: a replay after the commit is still a replay.
    let closed = closed_reason(&state, expires_at, now);
    let uploaded: Option<i64> = if closed.is_some() {
        None
    } else {
        // One statement records the batch (unless its number is stored) and sums the
        // session's items with it (the sum reads the rows from before the insert).
        sqlx::query_scalar(&format!(
            "WITH stored AS (
               INSERT INTO sync_batches (session_id, seq, body_hash, items, received_at)
               VALUES ({OWN_SESSION}, $3, $4, $5, $6)
               ON CONFLICT (session_id, seq) DO NOTHING RETURNING items)
             SELECT (SELECT COALESCE(SUM(items), 0) FROM sync_batches
                     WHERE session_id = {OWN_SESSION})::BIGINT + items FROM stored"
        ))
        .bind(batch.session_id)
        .bind(person_id)
        .bind(seq)
        .bind(batch.body_hash)
        .bind(batch.contacts.len() as i64)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?
    };
    let Some(uploaded) = uploaded else {
        let earlier = sqlx::query(&format!(
            "SELECT body_hash, items FROM sync_batches
             WHERE session_id = {OWN_SESSION} AND seq = $3"
        ))
        .bind(batch.session_id)
        .bind(person_id)
        .bind(seq)
        .fetch_optional(&mut *tx)
        .await?;
        return Ok(match (earlier, closed) {
            (Some(earlier), _) => {
                let hash: String = earlier.try_get("body_hash")?;
                let items: i64 = earlier.try_get("items")?;
                if hash == batch.body_hash {
                    BatchOutcome::Replayed {
                        items: items as u32,
                    }
                } else {
                    BatchOutcome::Conflict
                }
            }
            (None, Some(reason)) => BatchOutcome::Closed(reason),
            (None, None) => {
                return Err(RepoError::Corrupt(
                    "a batch neither stored nor found".into(),
                ))
            }
        });
    };
    if !batch.contacts.is_empty() {
        stage_contacts(&mut tx, person_id, batch).await?;
        // As on SQLite: the staged rows are counted only when the batches' items could
        // already be over the limit.
        if uploaded as usize > CONTACTS_MAX_PER_ALLY {
            let staged: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM sync_staged WHERE session_id = {OWN_SESSION}"
            ))
            .bind(batch.session_id)
            .bind(person_id)
            .fetch_one(&mut *tx)
            .await?;
            if staged as usize > CONTACTS_MAX_PER_ALLY {
                return Ok(BatchOutcome::TooManyContacts);
            }
        }
    }
    tx.commit().await?;
    Ok(BatchOutcome::Stored {
        items: batch.contacts.len() as u32,
    })
}

pub(super) async fn batch_hash(
    pool: &PgPool,
    person_id: i64,
    session_id: i64,
    seq: u32,
) -> Result<Option<String>, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT b.body_hash FROM sync_batches b JOIN sync_sessions s ON s.id = b.session_id
         WHERE b.session_id = $1 AND b.seq = $2 AND s.person_id = $3",
    )
    .bind(session_id)
    .bind(i64::from(seq))
    .bind(person_id)
    .fetch_optional(pool)
    .await?)
}

async fn digest_in(tx: &mut PgConnection, person_id: i64) -> Result<ContactDigest, RepoError> {
    let rows = sqlx::query("SELECT key, content_hash FROM contacts WHERE person_id = $1")
        .bind(person_id)
        .fetch_all(&mut *tx)
        .await?;
    let mut digest = ContactDigest::default();
    for row in rows {
        let key: &str = row.try_get("key")?;
        let hash: i64 = row.try_get("content_hash")?;
        digest.add(key, hash as u64);
    }
    Ok(digest)
}

pub(super) async fn digest(pool: &PgPool, person_id: i64) -> Result<ContactDigest, RepoError> {
    let mut conn = pool.acquire().await?;
    digest_in(&mut conn, person_id).await
}

pub(super) async fn commit(
    pool: &PgPool,
    person_id: i64,
    session_id: i64,
    batch_count: u32,
    now: i64,
) -> Result<CommitOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    lock_person(&mut tx, person_id).await?;
    let session = sqlx::query(
        "UPDATE sync_sessions SET expires_at = expires_at
         WHERE id = $1 AND person_id = $2 RETURNING state, kind, expires_at, result",
    )
    .bind(session_id)
    .bind(person_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(session) = session else {
        return Ok(CommitOutcome::NotFound);
    };
    let state: String = session.try_get("state")?;
    if state == "committed" {
        let result: Option<String> = session.try_get("result")?;
        let result: CommitResult = serde_json::from_str(result.as_deref().unwrap_or(""))
            .map_err(|e| RepoError::Corrupt(format!("stored commit result: {e}")))?;
        return Ok(CommitOutcome::Committed(result));
    }
    if let Some(reason) = closed_reason(&state, session.try_get("expires_at")?, now) {
        return Ok(CommitOutcome::Closed(reason));
    }
    let kind = SyncKind::parse(session.try_get::<&str, _>("kind")?)
        .ok_or_else(|| RepoError::Corrupt("unknown sync kind".into()))?;

    let seqs: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT seq FROM sync_batches WHERE session_id = {OWN_SESSION} ORDER BY seq"
    ))
    .bind(session_id)
    .bind(person_id)
    .fetch_all(&mut *tx)
    .await?;
    if let Some(&beyond) = seqs.iter().find(|&&s| s >= i64::from(batch_count)) {
        return Ok(CommitOutcome::BeyondCount(beyond as u32));
    }
    if seqs.len() < batch_count as usize {
        let mut have = seqs.iter().peekable();
        let mut missing = Vec::new();
        for seq in 0..batch_count {
            if have.peek() == Some(&&i64::from(seq)) {
                have.next();
            } else {
                missing.push(seq);
                if missing.len() == 20 {
                    break;
                }
            }
        }
        return Ok(CommitOutcome::Missing(missing));
    }
    if !is_sharing(&mut tx, person_id).await? {
        return Ok(CommitOutcome::NotSharing);
    }

    let counts = sqlx::query(&format!(
        "SELECT
           COUNT(*) AS staged,
           COUNT(*) FILTER (WHERE c.key IS NULL) AS added,
           COUNT(*) FILTER (WHERE c.key IS NOT NULL AND c.content_hash != s.content_hash)
             AS updated
         FROM sync_staged s
         LEFT JOIN contacts c ON c.person_id = $2 AND c.key = s.key
         WHERE s.session_id = {OWN_SESSION}",
    ))
    .bind(session_id)
    .bind(person_id)
    .fetch_one(&mut *tx)
    .await?;
    let staged: i64 = counts.try_get("staged")?;
    let added: i64 = counts.try_get("added")?;
    let updated: i64 = counts.try_get("updated")?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contacts WHERE person_id = $1")
        .bind(person_id)
        .fetch_one(&mut *tx)
        .await?;
    let removed = match kind {
        SyncKind::Delta => 0,
        SyncKind::Full => existing - (staged - added),
    };
    if (existing + added - removed) as usize > CONTACTS_MAX_PER_ALLY {
        return Ok(CommitOutcome::TooManyContacts);
    }

    sqlx::query(&format!(
        "INSERT INTO contacts (person_id, {CONTACT_COLUMNS}, updated_at)
         SELECT $2, {CONTACT_COLUMNS}, $3 FROM sync_staged WHERE session_id = {OWN_SESSION}
         ON CONFLICT (person_id, key) DO UPDATE SET
           member_id = excluded.member_id, public_identifier = excluded.public_identifier,
           profile_url = excluded.profile_url, first_name = excluded.first_name,
           last_name = excluded.last_name, headline = excluded.headline,
           connected_on = excluded.connected_on, photo_url = excluded.photo_url,
           content_hash = excluded.content_hash, sort_name = excluded.sort_name,
           search_text = excluded.search_text, updated_at = excluded.updated_at
         WHERE contacts.content_hash != excluded.content_hash"
    ))
    .bind(session_id)
    .bind(person_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if kind == SyncKind::Full && removed > 0 {
        sqlx::query(&format!(
            "DELETE FROM contacts c WHERE c.person_id = $2 AND NOT EXISTS
               (SELECT 1 FROM sync_staged s WHERE s.session_id = {OWN_SESSION} AND s.key = c.key)"
        ))
        .bind(session_id)
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
        for network_id in lists::sharing_networks(&mut tx, person_id).await? {
            lists::prune_entries(&mut tx, network_id).await?;
        }
    }
    delete_staged(&mut tx, person_id, session_id).await?;
    let result = CommitResult {
        session_id,
        kind,
        added: added as u64,
        updated: updated as u64,
        unchanged: (staged - added - updated) as u64,
        removed: removed as u64,
        digest: digest_in(&mut tx, person_id).await?,
    };
    let json = serde_json::to_string(&result)
        .map_err(|e| RepoError::Corrupt(format!("commit result: {e}")))?;
    sqlx::query(
        "UPDATE sync_sessions SET state = 'committed', closed_at = $3, result = $4
         WHERE id = $1 AND person_id = $2",
    )
    .bind(session_id)
    .bind(person_id)
    .bind(now)
    .bind(json)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(CommitOutcome::Committed(result))
}

/// Drops the staged rows of the person's session (none if it is not theirs).
async fn delete_staged(
    tx: &mut PgConnection,
    person_id: i64,
    session_id: i64,
) -> Result<(), RepoError> {
    sqlx::query(&format!(
        "DELETE FROM sync_staged WHERE session_id = {OWN_SESSION}"
    ))
    .bind(session_id)
    .bind(person_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub(super) async fn abort(
    pool: &PgPool,
    person_id: i64,
    session_id: i64,
    now: i64,
) -> Result<Option<&'static str>, RepoError> {
    let mut tx = pool.begin().await?;
    let state: Option<String> = sqlx::query_scalar(
        "UPDATE sync_sessions SET state = CASE WHEN state = 'open' THEN 'aborted' ELSE state END,
                                  closed_at = COALESCE(closed_at, $3)
         WHERE id = $1 AND person_id = $2 RETURNING state",
    )
    .bind(session_id)
    .bind(person_id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    delete_staged(&mut tx, person_id, session_id).await?;
    tx.commit().await?;
    Ok(state.map(|s| {
        if s == "committed" {
            "committed"
        } else {
            "aborted"
        }
    }))
}
