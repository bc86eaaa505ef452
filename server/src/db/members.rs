//! A network's members as the team sees them: what each may do (role and permissions), a
//! member's Settings page, changing a role or permissions, removing a member, and the audit
//! log of these and the other team actions.
//!
//! Every statement names its network in SQL. The rule that a network always keeps one member
//! who can manage the team is checked inside the transaction that would break it, after the
//! write, so two admins removing each other at once cannot both succeed.

use allyshare_protocol::{Permission, Permissions, Role};
use sqlx::{Row, SqliteConnection, SqlitePool};

use super::{parse_role, stopped_sharing, RepoError};

/// What a person may do in a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub role: Role,
    /// Empty for an ally.
    pub permissions: Permissions,
}

impl Access {
    /// A Network Admin holding `permission`.
    pub fn allows(&self, permission: Permission) -> bool {
        self.role == Role::NetworkAdmin && self.permissions.contains(permission)
    }
}

/// One member, for their Settings page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    pub person_id: i64,
    pub name: String,
    pub email: String,
    pub access: Access,
    pub joined_at: i64,
    /// Allies: whether they share with this network.
    pub sharing: bool,
    /// Allies who share: how many contacts.
    pub contacts: i64,
}

/// Who acts: a person, or the server's operator (the command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Person(i64),
    Operator,
}

impl Actor {
    fn id(self) -> Option<i64> {
        match self {
            Actor::Person(id) => Some(id),
            Actor::Operator => None,
        }
    }
}

/// What the audit log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Invited,
    Resent,
    Revoked,
    ImportedCsv,
    AccessChanged,
    Removed,
    Exported,
    /// Introduction lists (the subject is the list's name; the detail never names a contact).
    ListCreated,
    ListRenamed,
    ListDeleted,
    ListContactsAdded,
    ListContactsRemoved,
    /// Introductions asked for every contact of a list.
    ListAsked,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Invited => "invited",
            AuditAction::Resent => "resent",
            AuditAction::Revoked => "revoked",
            AuditAction::ImportedCsv => "imported_csv",
            AuditAction::AccessChanged => "access_changed",
            AuditAction::Removed => "removed",
            AuditAction::Exported => "exported",
            AuditAction::ListCreated => "list_created",
            AuditAction::ListRenamed => "list_renamed",
            AuditAction::ListDeleted => "list_deleted",
            AuditAction::ListContactsAdded => "list_contacts_added",
            AuditAction::ListContactsRemoved => "list_contacts_removed",
            AuditAction::ListAsked => "list_asked",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        [
            AuditAction::Invited,
            AuditAction::Resent,
            AuditAction::Revoked,
            AuditAction::ImportedCsv,
            AuditAction::AccessChanged,
            AuditAction::Removed,
            AuditAction::Exported,
            AuditAction::ListCreated,
            AuditAction::ListRenamed,
            AuditAction::ListDeleted,
            AuditAction::ListContactsAdded,
            AuditAction::ListContactsRemoved,
            AuditAction::ListAsked,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: AuditAction,
    /// Who or what it was done to (a name and address, a list's name).
    pub subject: String,
    pub detail: Option<String>,
    pub at: i64,
}

/// A line to add to the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry<'a> {
    pub network_id: i64,
    pub actor: Actor,
    pub action: AuditAction,
    pub subject: &'a str,
    pub detail: Option<&'a str>,
    pub now: i64,
}

/// The name the log shows for the operator.
pub const OPERATOR_NAME: &str = "Server operator (command line)";

/// How changing or removing a member ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    /// Done; the member as they were before.
    Done(MemberRecord),
    NotMember,
    /// Refused: no member who can manage roles and permissions would be left.
    LastManager,
}

const MANAGE: i64 = Permission::ManageRoles.bit() as i64;

pub async fn access(
    pool: &SqlitePool,
    person_id: i64,
    network_id: i64,
) -> Result<Option<Access>, RepoError> {
    let row = sqlx::query(
        "SELECT role, permissions FROM memberships WHERE person_id = ? AND network_id = ?",
    )
    .bind(person_id)
    .bind(network_id)
    .fetch_optional(pool)
    .await?;
    row.map(|row| access_from_row(&row)).transpose()
}

/// The networks (ids, by name) where the person is the only member who can manage roles and
/// permissions: deleting their account leaves those with no one who can (the API deletes
/// anyway; the console's page says so first).
pub async fn sole_manager_of(pool: &SqlitePool, person_id: i64) -> Result<Vec<i64>, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT m.network_id FROM memberships m JOIN networks n ON n.id = m.network_id
         WHERE m.person_id = ? AND m.role = 'network_admin' AND m.permissions & ? != 0
           AND NOT EXISTS (SELECT 1 FROM memberships o
                           WHERE o.network_id = m.network_id AND o.person_id != m.person_id
                             AND o.role = 'network_admin' AND o.permissions & ? != 0)
         ORDER BY n.name, n.id",
    )
    .bind(person_id)
    .bind(MANAGE)
    .bind(MANAGE)
    .fetch_all(pool)
    .await?)
}

fn access_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Access, RepoError> {
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
     WHERE m.network_id = ? AND m.person_id = ?";

fn member_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<MemberRecord, RepoError> {
    let access = access_from_row(row)?;
    Ok(MemberRecord {
        person_id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        access,
        joined_at: row.try_get("created_at")?,
        sharing: access.role == Role::Ally && row.try_get::<bool, _>("sharing")?,
        contacts: row.try_get("contacts")?,
    })
}

pub async fn member(
    pool: &SqlitePool,
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
async fn has_manager(tx: &mut SqliteConnection, network_id: i64) -> Result<bool, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships
                        WHERE network_id = ? AND role = 'network_admin' AND permissions & ? != 0)",
    )
    .bind(network_id)
    .bind(MANAGE)
    .fetch_one(&mut *tx)
    .await?)
}

/// Reads the member inside `tx` after a no-op write, so the transaction holds the write lock
/// before it decides anything.
async fn lock_member(
    tx: &mut SqliteConnection,
    network_id: i64,
    person_id: i64,
) -> Result<Option<MemberRecord>, RepoError> {
    sqlx::query(
        "UPDATE memberships SET permissions = permissions WHERE network_id = ? AND person_id = ?",
    )
    .bind(network_id)
    .bind(person_id)
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
pub async fn set_access(
    pool: &SqlitePool,
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
        "UPDATE memberships SET role = ?, permissions = ?,
                sharing = CASE WHEN ? = 'ally' THEN sharing ELSE 0 END
         WHERE network_id = ? AND person_id = ?",
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
pub async fn remove(
    pool: &SqlitePool,
    network_id: i64,
    person_id: i64,
    log: &NewAuditEntry<'_>,
) -> Result<MemberChange, RepoError> {
    let mut tx = pool.begin().await?;
    let Some(before) = lock_member(&mut tx, network_id, person_id).await? else {
        return Ok(MemberChange::NotMember);
    };
    sqlx::query("DELETE FROM memberships WHERE network_id = ? AND person_id = ?")
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
    tx: &mut SqliteConnection,
    entry: &NewAuditEntry<'_>,
) -> Result<(), RepoError> {
    sqlx::query(
        "INSERT INTO audit_log (network_id, actor_id, actor_name, action, subject, detail,
                                created_at)
         VALUES (?, ?, COALESCE((SELECT name FROM people WHERE id = ?), ?), ?, ?, ?, ?)",
    )
    .bind(entry.network_id)
    .bind(entry.actor.id())
    .bind(entry.actor.id())
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
pub async fn record(pool: &SqlitePool, entry: &NewAuditEntry<'_>) -> Result<(), RepoError> {
    let mut conn = pool.acquire().await?;
    record_in(&mut conn, entry).await
}

/// The network's audit log, newest first: at most `limit` lines older than `before` (an id).
pub async fn audit_log(
    pool: &SqlitePool,
    network_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, RepoError> {
    let rows = sqlx::query(
        "SELECT id, actor_id, actor_name, action, subject, detail, created_at FROM audit_log
         WHERE network_id = ? AND (? IS NULL OR id < ?)
         ORDER BY id DESC LIMIT ?",
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
