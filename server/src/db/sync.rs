//! Contact sync in SQLite: sessions, idempotent batches staged apart from the visible
//! contacts, and the commit that applies them in one transaction.

use allyshare_protocol::limits::{CONTACTS_MAX_PER_ALLY, SYNC_SESSION_TTL_SECS};
use allyshare_protocol::{CommitResult, ContactDigest, ContactRecord, SyncKind};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};

use super::{
    BatchOutcome, CommitOutcome, NewBatch, OpenSyncOutcome, OpenedSync, RepoError, StoredContact,
};

/// The session `?` if it is the person `?`'s: every statement on a session's batches and
/// staged rows names its owner through this, in the SQL itself, so no code path can touch
/// another person's session (a review found an abort that emptied someone else's).
const OWN_SESSION: &str = "(SELECT id FROM sync_sessions WHERE id = ? AND person_id = ?)";

/// Most open sync sessions one ally may have at a time.
pub const MAX_OPEN_SESSIONS: i64 = 4;

/// Columns of a stored contact, in the order [`push_contact`] binds them.
pub(crate) const CONTACT_COLUMNS: &str =
    "key, member_id, public_identifier, profile_url, first_name, \
     last_name, headline, connected_on, photo_url, content_hash, sort_name, \
     search_text";

/// How a staged contact is replaced by a batch of the same or a later number (one text for
/// both backends).
pub(crate) const STAGED_UPSERT: &str = " ON CONFLICT (session_id, key) DO UPDATE SET
    seq = excluded.seq, member_id = excluded.member_id,
    public_identifier = excluded.public_identifier,
    profile_url = excluded.profile_url, first_name = excluded.first_name,
    last_name = excluded.last_name, headline = excluded.headline,
    connected_on = excluded.connected_on, photo_url = excluded.photo_url,
    content_hash = excluded.content_hash, sort_name = excluded.sort_name,
    search_text = excluded.search_text
  WHERE excluded.seq >= sync_staged.seq";

fn push_contact(
    mut b: sqlx::query_builder::Separated<'_, '_, Sqlite, &'static str>,
    c: &StoredContact,
) {
    let r = &c.record;
    b.push_bind(c.key.clone())
        .push_bind(r.member_id.clone())
        .push_bind(r.public_identifier.clone())
        .push_bind(r.profile_url.clone())
        .push_bind(r.first_name.clone())
        .push_bind(r.last_name.clone())
        .push_bind(r.headline.clone())
        .push_bind(r.connected_on.clone())
        .push_bind(r.photo_url.clone())
        .push_bind(c.content_hash as i64)
        .push_bind(c.sort_name.clone())
        .push_bind(c.search_text.clone());
}

/// Reads a [`ContactRecord`] from a row with the contact columns.
pub fn record_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<ContactRecord, RepoError> {
    Ok(ContactRecord {
        member_id: row.try_get("member_id")?,
        public_identifier: row.try_get("public_identifier")?,
        profile_url: row.try_get("profile_url")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        headline: row.try_get("headline")?,
        connected_on: row.try_get("connected_on")?,
        photo_url: row.try_get("photo_url")?,
    })
}

/// Aborts the person's open sessions that have expired, dropping their staged contacts.
async fn expire_sessions(
    tx: &mut SqliteConnection,
    person_id: i64,
    now: i64,
) -> Result<(), RepoError> {
    sqlx::query(
        "DELETE FROM sync_staged WHERE session_id IN
           (SELECT id FROM sync_sessions WHERE person_id = ? AND state = 'open' AND expires_at <= ?)",
    )
    .bind(person_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE sync_sessions SET state = 'aborted', closed_at = ?
         WHERE person_id = ? AND state = 'open' AND expires_at <= ?",
    )
    .bind(now)
    .bind(person_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn is_sharing(tx: &mut SqliteConnection, person_id: i64) -> Result<bool, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships
                        WHERE person_id = ? AND role = 'ally' AND sharing = 1)",
    )
    .bind(person_id)
    .fetch_one(&mut *tx)
    .await?)
}

pub async fn open(
    pool: &SqlitePool,
    person_id: i64,
    kind: SyncKind,
    now: i64,
) -> Result<OpenSyncOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    expire_sessions(&mut tx, person_id, now).await?;
    if !is_sharing(&mut tx, person_id).await? {
        return Ok(OpenSyncOutcome::NotSharing);
    }
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sync_sessions WHERE person_id = ? AND state = 'open'",
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
         VALUES (?, ?, ?, ?) RETURNING id",
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

pub async fn put_batch(
    pool: &SqlitePool,
    person_id: i64,
    batch: &NewBatch<'_>,
    now: i64,
) -> Result<BatchOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    // A write first, so the transaction holds the write lock from the start.
    let session = sqlx::query(
        "UPDATE sync_sessions SET expires_at = expires_at
         WHERE id = ? AND person_id = ? RETURNING state, expires_at",
    )
    .bind(batch.session_id)
    .bind(person_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(session) = session else {
        return Ok(BatchOutcome::NotFound);
    };
    let state: String = session.try_get("state")?;
    let expires_at: i64 = session.try_get("expires_at")?;
    let earlier = sqlx::query(&format!(
        "SELECT body_hash, items FROM sync_batches WHERE session_id = {OWN_SESSION} AND seq = ?"
    ))
    .bind(batch.session_id)
    .bind(person_id)
    .bind(batch.seq)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(earlier) = earlier {
        let hash: String = earlier.try_get("body_hash")?;
        let items: i64 = earlier.try_get("items")?;
        return Ok(if hash == batch.body_hash {
            BatchOutcome::Replayed {
                items: items as u32,
            }
        } else {
            BatchOutcome::Conflict
        });
    }
    if let Some(reason) = closed_reason(&state, expires_at, now) {
        return Ok(BatchOutcome::Closed(reason));
    }
    sqlx::query(&format!(
        "INSERT INTO sync_batches (session_id, seq, body_hash, items, received_at)
         VALUES ({OWN_SESSION}, ?, ?, ?, ?)"
    ))
    .bind(batch.session_id)
    .bind(person_id)
    .bind(batch.seq)
    .bind(batch.body_hash)
    .bind(batch.contacts.len() as i64)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if !batch.contacts.is_empty() {
        // The session id comes from the owner's own session row, as in OWN_SESSION.
        let mut b = QueryBuilder::<Sqlite>::new(format!(
            "INSERT INTO sync_staged (session_id, seq, {CONTACT_COLUMNS})
             SELECT s.id, v.* FROM sync_sessions s, ("
        ));
        b.push_values(batch.contacts, |mut row, c| {
            row.push_bind(batch.seq);
            push_contact(row, c);
        });
        b.push(") v WHERE s.id = ")
            .push_bind(batch.session_id)
            .push(" AND s.person_id = ")
            .push_bind(person_id);
        b.push(STAGED_UPSERT);
        b.build().execute(&mut *tx).await?;
        // The staged rows are at most the items of the session's batches (this one included),
        // a sum over a few dozen rows. Counting the staged rows themselves on every batch made
        // an upload quadratic (a full sync of 30,000 scanned ~900,000 rows); they are counted
        // only when the sum could be over the limit.
        let uploaded: i64 = sqlx::query_scalar(&format!(
            "SELECT COALESCE(SUM(items), 0) FROM sync_batches WHERE session_id = {OWN_SESSION}"
        ))
        .bind(batch.session_id)
        .bind(person_id)
        .fetch_one(&mut *tx)
        .await?;
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
    sqlx::query("UPDATE sync_sessions SET expires_at = ? WHERE id = ? AND person_id = ?")
        .bind(now + SYNC_SESSION_TTL_SECS)
        .bind(batch.session_id)
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(BatchOutcome::Stored {
        items: batch.contacts.len() as u32,
    })
}

pub async fn digest_in(
    tx: &mut SqliteConnection,
    person_id: i64,
) -> Result<ContactDigest, RepoError> {
    let rows = sqlx::query("SELECT key, content_hash FROM contacts WHERE person_id = ?")
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

pub async fn digest(pool: &SqlitePool, person_id: i64) -> Result<ContactDigest, RepoError> {
    let mut conn = pool.acquire().await?;
    digest_in(&mut conn, person_id).await
}

pub async fn commit(
    pool: &SqlitePool,
    person_id: i64,
    session_id: i64,
    batch_count: u32,
    now: i64,
) -> Result<CommitOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    let session = sqlx::query(
        "UPDATE sync_sessions SET expires_at = expires_at
         WHERE id = ? AND person_id = ? RETURNING state, kind, expires_at, result",
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
           COALESCE(SUM(c.key IS NULL), 0) AS added,
           COALESCE(SUM(c.key IS NOT NULL AND c.content_hash != s.content_hash), 0) AS updated
         FROM sync_staged s
         LEFT JOIN contacts c ON c.person_id = ? AND c.key = s.key
         WHERE s.session_id = {OWN_SESSION}",
    ))
    .bind(person_id)
    .bind(session_id)
    .bind(person_id)
    .fetch_one(&mut *tx)
    .await?;
    let staged: i64 = counts.try_get("staged")?;
    let added: i64 = counts.try_get("added")?;
    let updated: i64 = counts.try_get("updated")?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contacts WHERE person_id = ?")
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
         SELECT ?, {CONTACT_COLUMNS}, ? FROM sync_staged WHERE session_id = {OWN_SESSION}
         ON CONFLICT (person_id, key) DO UPDATE SET
           member_id = excluded.member_id, public_identifier = excluded.public_identifier,
           profile_url = excluded.profile_url, first_name = excluded.first_name,
           last_name = excluded.last_name, headline = excluded.headline,
           connected_on = excluded.connected_on, photo_url = excluded.photo_url,
           content_hash = excluded.content_hash, sort_name = excluded.sort_name,
           search_text = excluded.search_text, updated_at = excluded.updated_at
         WHERE contacts.content_hash != excluded.content_hash"
    ))
    .bind(person_id)
    .bind(now)
    .bind(session_id)
    .bind(person_id)
    .execute(&mut *tx)
    .await?;
    // Nothing to remove (a first sync, or every contact still there): skip the scan.
    if kind == SyncKind::Full && removed > 0 {
        sqlx::query(&format!(
            "DELETE FROM contacts WHERE person_id = ? AND key NOT IN
               (SELECT key FROM sync_staged WHERE session_id = {OWN_SESSION})"
        ))
        .bind(person_id)
        .bind(session_id)
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
        // Connections the ally no longer has left the view of the networks they share with,
        // and so the lists there (unless another sharing ally has them).
        super::lists::prune_entries_of_ally(&mut tx, person_id).await?;
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
        "UPDATE sync_sessions SET state = 'committed', closed_at = ?, result = ?
         WHERE id = ? AND person_id = ?",
    )
    .bind(now)
    .bind(json)
    .bind(session_id)
    .bind(person_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(CommitOutcome::Committed(result))
}

/// Drops the staged rows of the person's session (none if it is not theirs).
async fn delete_staged(
    tx: &mut SqliteConnection,
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

pub async fn abort(
    pool: &SqlitePool,
    person_id: i64,
    session_id: i64,
    now: i64,
) -> Result<Option<&'static str>, RepoError> {
    let mut tx = pool.begin().await?;
    let state: Option<String> = sqlx::query_scalar(
        "UPDATE sync_sessions SET state = CASE WHEN state = 'open' THEN 'aborted' ELSE state END,
                                  closed_at = COALESCE(closed_at, ?)
         WHERE id = ? AND person_id = ? RETURNING state",
    )
    .bind(now)
    .bind(session_id)
    .bind(person_id)
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

pub(super) async fn batch_hash(
    pool: &SqlitePool,
    person_id: i64,
    session_id: i64,
    seq: u32,
) -> Result<Option<String>, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT b.body_hash FROM sync_batches b JOIN sync_sessions s ON s.id = b.session_id
         WHERE b.session_id = ? AND b.seq = ? AND s.person_id = ?",
    )
    .bind(session_id)
    .bind(seq)
    .bind(person_id)
    .fetch_optional(pool)
    .await?)
}
