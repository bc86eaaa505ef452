//! Imports from a CSV in the console (`invitation_imports`): the uploaded file between its
//! preview and *Invite* (or *Add companies*), then the per-row report, and how far the emails of
//! an invitations import have gone through the mail queue. Two kinds share the machinery
//! ([`ImportKind`]): bulk invitations, and a network's companies; every statement names the
//! kind, so an import of one kind is never found as the other.
//!
//! A pending file is the uploader's alone: every statement on it names the network **and** the
//! person in SQL. It expires ([`PENDING_TTL_SECS`]), an admin keeps at most
//! [`MAX_PENDING_PER_ADMIN`] per network (an upload drops the oldest beyond), and taking it for
//! the import clears it in the same statement, so a double click imports once. A report is the
//! network's (any of its admins who may invite can see it), kept [`REPORT_TTL_SECS`], at most
//! [`MAX_REPORTS_PER_NETWORK`] per network.

use allyshare_protocol::{Permissions, Role};
use sqlx::{Row, SqlitePool};

use super::{parse_role, RepoError};

/// A pending file can be imported for this long after its upload.
pub const PENDING_TTL_SECS: i64 = 60 * 60;
/// Pending files one admin keeps in one network (two tabs, a second try).
pub const MAX_PENDING_PER_ADMIN: i64 = 3;
/// A report stays viewable this long after its import.
pub const REPORT_TTL_SECS: i64 = 30 * 24 * 60 * 60;
/// Reports one network keeps (the newest).
pub const MAX_REPORTS_PER_NETWORK: i64 = 50;

/// What an import makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// Invitations of allies or Network Admins (the team's bulk invite).
    Invitations,
    /// Companies of the network (seed 001).
    Companies,
}

impl ImportKind {
    /// The stored name (the `invitation_imports.kind` CHECK lists the same).
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Invitations => "invitations",
            ImportKind::Companies => "companies",
        }
    }
}

/// A file waiting for *Invite*.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingImport {
    pub id: i64,
    pub file_name: String,
    pub role: Role,
    /// A Network Admin import's permissions for every invitation (`None` for allies).
    pub permissions: Option<Permissions>,
    pub csv: Vec<u8>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// An import done (or under way: `report` is `None` until its rows are all invited).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: i64,
    pub file_name: String,
    pub role: Role,
    /// A Network Admin import's permissions (`None` for allies).
    pub permissions: Option<Permissions>,
    pub uploaded_by: String,
    pub imported_at: i64,
    /// `protocol::InvitationImport` as JSON.
    pub report: Option<String>,
}

/// Where the emails of one import are in the mail queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailProgress {
    pub sent: i64,
    /// Waiting for their turn (or being sent).
    pub queued: i64,
    /// Not sent because the invitation stopped being pending first (revoked, replaced,
    /// accepted).
    pub dropped: i64,
    /// Given up after repeated failures.
    pub failed: i64,
}

pub struct NewPendingImport<'a> {
    pub kind: ImportKind,
    pub network_id: i64,
    pub person_id: i64,
    pub file_name: &'a str,
    pub role: Role,
    /// A Network Admin import's permissions (ignored for allies).
    pub permissions: Option<Permissions>,
    pub csv: &'a [u8],
    pub now: i64,
}

pub async fn store_pending(
    pool: &SqlitePool,
    new: &NewPendingImport<'_>,
) -> Result<i64, RepoError> {
    let mut tx = pool.begin().await?;
    // What has expired in this network goes first (pending files and old reports).
    sqlx::query("DELETE FROM invitation_imports WHERE network_id = ? AND expires_at <= ?")
        .bind(new.network_id)
        .bind(new.now)
        .execute(&mut *tx)
        .await?;
    // This admin's oldest pending files of the kind beyond the limit, counting the new one.
    sqlx::query(
        "DELETE FROM invitation_imports WHERE id IN (
             SELECT id FROM invitation_imports
             WHERE network_id = ? AND kind = ? AND uploaded_by = ? AND imported_at IS NULL
             ORDER BY id DESC LIMIT -1 OFFSET ?)",
    )
    .bind(new.network_id)
    .bind(new.kind.as_str())
    .bind(new.person_id)
    .bind(MAX_PENDING_PER_ADMIN - 1)
    .execute(&mut *tx)
    .await?;
    let id = sqlx::query_scalar(
        "INSERT INTO invitation_imports (kind, network_id, uploaded_by, file_name, role,
             permissions, csv, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.kind.as_str())
    .bind(new.network_id)
    .bind(new.person_id)
    .bind(new.file_name)
    .bind(new.role.as_str())
    .bind(permissions_of(new.role, new.permissions).map(Permissions::bits))
    .bind(new.csv)
    .bind(new.now)
    .bind(new.now + PENDING_TTL_SECS)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// What an import's invitations get: a Network Admin's permissions, none for an ally.
fn permissions_of(role: Role, permissions: Option<Permissions>) -> Option<Permissions> {
    match role {
        Role::Ally => None,
        Role::NetworkAdmin => permissions,
    }
}

fn stored_permissions(row: &sqlx::sqlite::SqliteRow) -> Result<Option<Permissions>, RepoError> {
    Ok(row
        .try_get::<Option<i64>, _>("permissions")?
        .map(Permissions::from_bits))
}

fn pending_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<PendingImport, RepoError> {
    Ok(PendingImport {
        id: row.try_get("id")?,
        file_name: row.try_get("file_name")?,
        role: parse_role(row.try_get("role")?)?,
        permissions: stored_permissions(row)?,
        csv: row.try_get("csv")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

/// The person's pending file of the kind in the network, unless expired.
pub async fn pending(
    pool: &SqlitePool,
    kind: ImportKind,
    network_id: i64,
    person_id: i64,
    import_id: i64,
    now: i64,
) -> Result<Option<PendingImport>, RepoError> {
    let row = sqlx::query(
        "SELECT id, file_name, role, permissions, csv, created_at, expires_at FROM invitation_imports
         WHERE id = ? AND kind = ? AND network_id = ? AND uploaded_by = ? AND imported_at IS NULL
           AND expires_at > ?",
    )
    .bind(import_id)
    .bind(kind.as_str())
    .bind(network_id)
    .bind(person_id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(pending_from_row).transpose()
}

/// Takes the person's pending file for its import, once: in one transaction the row is marked
/// imported (a second take finds nothing) and its file cleared.
pub async fn take_pending(
    pool: &SqlitePool,
    kind: ImportKind,
    network_id: i64,
    person_id: i64,
    import_id: i64,
    now: i64,
) -> Result<Option<PendingImport>, RepoError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "UPDATE invitation_imports SET imported_at = ?, expires_at = ?
         WHERE id = ? AND kind = ? AND network_id = ? AND uploaded_by = ? AND imported_at IS NULL
           AND expires_at > ?
         RETURNING id, file_name, role, permissions, csv, created_at, expires_at",
    )
    .bind(now)
    .bind(now + REPORT_TTL_SECS)
    .bind(import_id)
    .bind(kind.as_str())
    .bind(network_id)
    .bind(person_id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let taken = pending_from_row(&row)?;
    sqlx::query("UPDATE invitation_imports SET csv = NULL WHERE id = ? AND network_id = ?")
        .bind(import_id)
        .bind(network_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(taken))
}

/// Keeps the report of an import taken with [`take_pending`], and drops the network's oldest
/// reports of the kind beyond [`MAX_REPORTS_PER_NETWORK`].
pub async fn finish(
    pool: &SqlitePool,
    kind: ImportKind,
    network_id: i64,
    import_id: i64,
    report_json: &str,
) -> Result<(), RepoError> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE invitation_imports SET report = ?
         WHERE id = ? AND kind = ? AND network_id = ? AND imported_at IS NOT NULL",
    )
    .bind(report_json)
    .bind(import_id)
    .bind(kind.as_str())
    .bind(network_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM invitation_imports WHERE id IN (
             SELECT id FROM invitation_imports
             WHERE network_id = ? AND kind = ? AND imported_at IS NOT NULL
             ORDER BY id DESC LIMIT -1 OFFSET ?)",
    )
    .bind(network_id)
    .bind(kind.as_str())
    .bind(MAX_REPORTS_PER_NETWORK)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An import of the kind in the network (whoever uploaded it), unless its report has expired.
pub async fn record(
    pool: &SqlitePool,
    kind: ImportKind,
    network_id: i64,
    import_id: i64,
    now: i64,
) -> Result<Option<ImportRecord>, RepoError> {
    let row = sqlx::query(
        "SELECT x.id, x.file_name, x.role, x.permissions, p.name AS uploaded_by, x.imported_at, x.report
         FROM invitation_imports x JOIN people p ON p.id = x.uploaded_by
         WHERE x.id = ? AND x.kind = ? AND x.network_id = ? AND x.imported_at IS NOT NULL
           AND x.expires_at > ?",
    )
    .bind(import_id)
    .bind(kind.as_str())
    .bind(network_id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(ImportRecord {
        id: row.try_get("id")?,
        file_name: row.try_get("file_name")?,
        role: parse_role(row.try_get("role")?)?,
        permissions: stored_permissions(&row)?,
        uploaded_by: row.try_get("uploaded_by")?,
        imported_at: row.try_get("imported_at")?,
        report: row.try_get("report")?,
    }))
}

/// Where the emails of the import's invitations are (the invitations its report names, within
/// the network).
pub async fn mail_progress(
    pool: &SqlitePool,
    network_id: i64,
    import_id: i64,
) -> Result<MailProgress, RepoError> {
    let rows = sqlx::query(
        "SELECT m.state, COUNT(*) AS n
         FROM mail_queue m JOIN invitations i ON i.id = m.invitation_id
         WHERE i.network_id = ? AND m.invitation_id IN (
             SELECT json_extract(r.value, '$.invitation_id')
             FROM invitation_imports x, json_each(x.report, '$.rows') r
             WHERE x.id = ? AND x.network_id = ? AND x.kind = 'invitations'
               AND x.report IS NOT NULL)
         GROUP BY m.state",
    )
    .bind(network_id)
    .bind(import_id)
    .bind(network_id)
    .fetch_all(pool)
    .await?;
    let mut progress = MailProgress::default();
    for row in rows {
        let n: i64 = row.try_get("n")?;
        match row.try_get::<String, _>("state")?.as_str() {
            "sent" => progress.sent = n,
            "queued" => progress.queued = n,
            "dropped" => progress.dropped = n,
            "failed" => progress.failed = n,
            other => return Err(RepoError::Corrupt(format!("mail state {other}"))),
        }
    }
    Ok(progress)
}
