//! A network's members on PostgreSQL: what each may do, a member's Settings, changing a role
//! or permissions, removing a member, the audit log; the same rules as SQLite's
//! `db/members.rs`. The rule that a network keeps one member who can manage the team is
//! checked inside the transaction that would break it, after the write; the member's row is
//! locked first (`FOR UPDATE`) and so are the network's managers' rows, so two admins removing
//! each other at once on two instances cannot both succeed.

use allyshare_protocol::{Permission, Permissions, Role};
use sqlx::{PgConnection, PgPool, Row};

use super::parse_role;
use super::people::stopped_sharing;
use crate::db::members::{
    Access, Actor, AuditAction, AuditEntry, MemberChange, MemberRecord, NewAuditEntry,
    OPERATOR_NAME,
};
use crate::db::RepoError;

fn actor_id(actor: Actor) -> Option<i64> {
    match actor {
        Actor::Person(id) => Some(id),
        Actor::Operator => None,
    }
}

const MANAGE: i64 = Permission::ManageRoles.bit() as i64;

pub(super) async fn access(
    pool: &PgPool,
    person_id: i64,
    network_id: i64,
) -> Result<Option<Access>, RepoError> {
    let row = sqlx::query(
        "SELECT role, permissions FROM memberships WHERE person_id = $1 AND network_id = $2",
    )
    .bind(person_id)
    .bind(network_id)
    .fetch_optional(pool)
    .await?;
    row.map(|row| access_from_row(&row)).transpose()
}

/// The networks where the person is the only member who can manage roles and permissions
/// (SQLite's `members::sole_manager_of`).
pub(super) async fn sole_manager_of(pool: &PgPool, person_id: i64) -> Result<Vec<i64>, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT m.network_id FROM memberships m JOIN networks n ON n.id = m.network_id
         WHERE m.person_id = $1 AND m.role = 'network_admin' AND m.permissions & $2 != 0
           AND NOT EXISTS (SELECT 1 FROM memberships o
                           WHERE o.network_id = m.network_id AND o.person_id != m.person_id
                             AND o.role = 'network_admin' AND o.permissions & $2 != 0)
         ORDER BY n.name, n.id",
    )
    .bind(person_id)
    .bind(MANAGE)
    .fetch_all(pool)
    .await?)
}

fn access_from_row(row: &sqlx::postgres::PgRow) -> Result<Access, RepoError> {
    let role = parse_role(row.try_get::<&str, _>("role")?)?;
    Ok(Access {
        role,
        permissions: match role {
            Role::Ally => Permissions::NONE,
            Role::NetworkAdmin => Permissions::from_bits(row.try_get("permissions")?),
        },
    })
}

const MEMBER_SELECT: &str = "SELECT p.id, p.name, p.email, m.role, m.permissions, m.sharing,
            m.created_at,
            CASE WHEN m.role = 'ally' AND m.sharing = 1
                 THEN (SELECT COUNT(*) FROM contacts c WHERE c.person_id = p.id) ELSE 0 END
              AS contacts
     FROM memberships m JOIN people p ON p.id = m.person_id
     WHERE m.network_id = $1 AND m.person_id = $2";

fn member_from_row(row: &sqlx::postgres::PgRow) -> Result<MemberRecord, RepoError> {
    let access = access_from_row(row)?;
    Ok(MemberRecord {
        person_id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        access,
        joined_at: row.try_get("created_at")?,
        sharing: access.role == Role::Ally && row.try_get::<i64, _>("sharing")? != 0,
        contacts: row.try_get("contacts")?,
    })
}

pub(super) async fn member(
    pool: &PgPool,
    network_id: i64,
    person_id: i64,
) -> Result<Option<MemberRecord>, RepoError> {
    let row = sqlx::query(MEMBER_SELECT)
        .bind(network_id)
        .bind(person_id)
        .fetch_optional(pool)
        .await?;
    row.map(|row| member_from_row(&row)).transpose()
}

/// Whether the network still has a member who can manage roles and permissions.
async fn has_manager(tx: &mut PgConnection, network_id: i64) -> Result<bool, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships
                        WHERE network_id = $1 AND role = 'network_admin' AND permissions & $2 != 0)",
    )
    .bind(network_id)
    .bind(MANAGE)
    .fetch_one(&mut *tx)
    .await?)
}

/// Reads the member inside `tx` after locking the network's row: one change to a network's
/// team at a time across instances, so the last-manager check sees every earlier change.
async fn lock_member(
    tx: &mut PgConnection,
    network_id: i64,
    person_id: i64,
) -> Result<Option<MemberRecord>, RepoError> {
    sqlx::query("SELECT 1 FROM networks WHERE id = $1 FOR UPDATE")
        .bind(network_id)
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query(MEMBER_SELECT)
        .bind(network_id)
        .bind(person_id)
        .fetch_optional(&mut *tx)
        .await?;
    row.map(|row| member_from_row(&row)).transpose()
}

/// Sets a member's role and permissions (an ally's are always empty; an ally made Network
/// Admin stops sharing with this network, as when they accept an admin invitation), and logs
/// it, unless it would leave the network with no one who can manage the team.
pub(super) async fn set_access(
    pool: &PgPool,
    network_id: i64,
    person_id: i64,
    access: Access,
    log: &NewAuditEntry<'_>,
) -> Result<MemberChange, RepoError> {
    let mut tx = pool.begin().await?;
    let Some(before) = lock_member(&mut tx, network_id, person_id).await? else {
        return Ok(MemberChange::NotMember);
    };
    let permissions = match access.role {
        Role::Ally => Permissions::NONE,
        Role::NetworkAdmin => access.permissions,
    };
    sqlx::query(
        "UPDATE memberships SET role = $1, permissions = $2,
                sharing = CASE WHEN $3 = 'ally' THEN sharing ELSE 0 END
         WHERE network_id = $4 AND person_id = $5",
    )
    .bind(access.role.as_str())
    .bind(permissions.bits())
    .bind(access.role.as_str())
    .bind(network_id)
    .bind(person_id)
    .execute(&mut *tx)
    .await?;
    if !has_manager(&mut tx, network_id).await? {
        return Ok(MemberChange::LastManager);
    }
    if before.sharing && access.role != Role::Ally {
        stopped_sharing(&mut tx, person_id, network_id, log.now).await?;
    }
    record_in(&mut tx, log).await?;
    tx.commit().await?;
    Ok(MemberChange::Done(before))
}

/// Removes a member from the network, with what they shared (their contacts leave its view at
/// once, and are deleted if no other network shares them), and logs it, unless it would leave
/// the network with no one who can manage the team.
pub(super) async fn remove(
    pool: &PgPool,
    network_id: i64,
    person_id: i64,
    log: &NewAuditEntry<'_>,
) -> Result<MemberChange, RepoError> {
    let mut tx = pool.begin().await?;
    let Some(before) = lock_member(&mut tx, network_id, person_id).await? else {
        return Ok(MemberChange::NotMember);
    };
    sqlx::query("DELETE FROM memberships WHERE network_id = $1 AND person_id = $2")
        .bind(network_id)
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    if !has_manager(&mut tx, network_id).await? {
        return Ok(MemberChange::LastManager);
    }
    stopped_sharing(&mut tx, person_id, network_id, log.now).await?;
    record_in(&mut tx, log).await?;
    tx.commit().await?;
    Ok(MemberChange::Done(before))
}

pub(super) async fn record_in(
    tx: &mut PgConnection,
    entry: &NewAuditEntry<'_>,
) -> Result<(), RepoError> {
    sqlx::query(
        "INSERT INTO audit_log (network_id, actor_id, actor_name, action, subject, detail,
                                created_at)
         VALUES ($1, $2, COALESCE((SELECT name FROM people WHERE id = $3), $4), $5, $6, $7, $8)",
    )
    .bind(entry.network_id)
    .bind(actor_id(entry.actor))
    .bind(actor_id(entry.actor))
    .bind(OPERATOR_NAME)
    .bind(entry.action.as_str())
    .bind(entry.subject)
    .bind(entry.detail)
    .bind(entry.now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Adds a line to the audit log.
pub(super) async fn record(pool: &PgPool, entry: &NewAuditEntry<'_>) -> Result<(), RepoError> {
    let mut conn = pool.acquire().await?;
    record_in(&mut conn, entry).await
}

/// The network's audit log, newest first: at most `limit` lines older than `before` (an id).
pub(super) async fn audit_log(
    pool: &PgPool,
    network_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, RepoError> {
    let rows = sqlx::query(
        "SELECT id, actor_id, actor_name, action, subject, detail, created_at FROM audit_log
         WHERE network_id = $1 AND ($2 IS NULL OR id < $3)
         ORDER BY id DESC LIMIT $4",
    )
    .bind(network_id)
    .bind(before)
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let action: &str = row.try_get("action")?;
            Ok(AuditEntry {
                id: row.try_get("id")?,
                actor_id: row.try_get("actor_id")?,
                actor_name: row.try_get("actor_name")?,
                action: AuditAction::parse(action)
                    .ok_or_else(|| RepoError::Corrupt(format!("audit action {action:?}")))?,
                subject: row.try_get("subject")?,
                detail: row.try_get("detail")?,
                at: row.try_get("created_at")?,
            })
        })
        .collect()
}
