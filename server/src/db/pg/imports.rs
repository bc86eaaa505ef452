//! CSV imports on PostgreSQL (SQLite: `db/imports.rs`): the uploaded file between its preview
//! and *Invite* (or *Add companies*), the per-row report and how far an invitations import's
//! emails have gone. The same rules, every statement naming the kind, the network and (for a
//! pending file) the uploader. Where SQLite's single writer orders two uploads of one admin,
//! an upload here locks the uploader's row first, so the per-admin limit is counted one upload
//! after the other; a report's pruning locks the network's row for the same reason.

use allyshare_protocol::{Permissions, Role};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

use crate::db::imports::{
    ImportKind, ImportRecord, MailProgress, NewPendingImport, PendingImport, MAX_PENDING_PER_ADMIN,
    MAX_REPORTS_PER_NETWORK, PENDING_TTL_SECS, REPORT_TTL_SECS,
};
use crate::db::{parse_role, RepoError};

pub(super) async fn store_pending(
    pool: &PgPool,
    new: &NewPendingImport<'_>,
) -> Result<i64, RepoError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT 1 FROM people WHERE id = $1 FOR UPDATE")
        .bind(new.person_id)
        .execute(&mut *tx)
        .await?;
    // What has expired in this network goes first (pending files and old reports).
    sqlx::query("DELETE FROM invitation_imports WHERE network_id = $1 AND expires_at <= $2")
        .bind(new.network_id)
        .bind(new.now)
        .execute(&mut *tx)
        .await?;
    // This admin's oldest pending files of the kind beyond the limit, counting the new one.
    sqlx::query(
        "DELETE FROM invitation_imports WHERE id IN (
             SELECT id FROM invitation_imports
             WHERE network_id = $1 AND kind = $2 AND uploaded_by = $3 AND imported_at IS NULL
             ORDER BY id DESC OFFSET $4)",
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
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
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

fn stored_permissions(row: &PgRow) -> Result<Option<Permissions>, RepoError> {
    Ok(row
        .try_get::<Option<i64>, _>("permissions")?
        .map(Permissions::from_bits))
}

fn pending_from_row(row: &PgRow) -> Result<PendingImport, RepoError> {
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

pub(super) async fn pending(
    pool: &PgPool,
    kind: ImportKind,
    network_id: i64,
    person_id: i64,
    import_id: i64,
    now: i64,
) -> Result<Option<PendingImport>, RepoError> {
    let row = sqlx::query(
        "SELECT id, file_name, role, permissions, csv, created_at, expires_at FROM invitation_imports
         WHERE id = $1 AND kind = $2 AND network_id = $3 AND uploaded_by = $4
           AND imported_at IS NULL AND expires_at > $5",
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

/// Takes the pending file once: the row is marked imported (a second take, also on another
/// instance, waits for the row lock and then finds nothing) and its file cleared.
pub(super) async fn take_pending(
    pool: &PgPool,
    kind: ImportKind,
    network_id: i64,
    person_id: i64,
    import_id: i64,
    now: i64,
) -> Result<Option<PendingImport>, RepoError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "UPDATE invitation_imports SET imported_at = $1, expires_at = $2
         WHERE id = $3 AND kind = $4 AND network_id = $5 AND uploaded_by = $6
           AND imported_at IS NULL AND expires_at > $1
         RETURNING id, file_name, role, permissions, csv, created_at, expires_at",
    )
    .bind(now)
    .bind(now + REPORT_TTL_SECS)
    .bind(import_id)
    .bind(kind.as_str())
    .bind(network_id)
    .bind(person_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let taken = pending_from_row(&row)?;
    sqlx::query("UPDATE invitation_imports SET csv = NULL WHERE id = $1 AND network_id = $2")
        .bind(import_id)
        .bind(network_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(taken))
}

pub(super) async fn finish(
    pool: &PgPool,
    kind: ImportKind,
    network_id: i64,
    import_id: i64,
    report_json: &str,
) -> Result<(), RepoError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT 1 FROM networks WHERE id = $1 FOR UPDATE")
        .bind(network_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE invitation_imports SET report = $1
         WHERE id = $2 AND kind = $3 AND network_id = $4 AND imported_at IS NOT NULL",
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
             WHERE network_id = $1 AND kind = $2 AND imported_at IS NOT NULL
             ORDER BY id DESC OFFSET $3)",
    )
    .bind(network_id)
    .bind(kind.as_str())
    .bind(MAX_REPORTS_PER_NETWORK)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn record(
    pool: &PgPool,
    kind: ImportKind,
    network_id: i64,
    import_id: i64,
    now: i64,
) -> Result<Option<ImportRecord>, RepoError> {
    let row = sqlx::query(
        "SELECT x.id, x.file_name, x.role, x.permissions, p.name AS uploaded_by, x.imported_at,
                x.report
         FROM invitation_imports x JOIN people p ON p.id = x.uploaded_by
         WHERE x.id = $1 AND x.kind = $2 AND x.network_id = $3 AND x.imported_at IS NOT NULL
           AND x.expires_at > $4",
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
/// the network). The report is JSON in a TEXT column, read here as `jsonb`.
pub(super) async fn mail_progress(
    pool: &PgPool,
    network_id: i64,
    import_id: i64,
) -> Result<MailProgress, RepoError> {
    let rows = sqlx::query(
        "SELECT m.state, COUNT(*) AS n
         FROM mail_queue m JOIN invitations i ON i.id = m.invitation_id
         WHERE i.network_id = $1 AND m.invitation_id IN (
             SELECT (r.value ->> 'invitation_id')::BIGINT
             FROM invitation_imports x,
                  jsonb_array_elements(COALESCE(x.report::jsonb -> 'rows', '[]'::jsonb)) r
             WHERE x.id = $2 AND x.network_id = $1 AND x.kind = 'invitations'
               AND x.report IS NOT NULL)
         GROUP BY m.state",
    )
    .bind(network_id)
    .bind(import_id)
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
