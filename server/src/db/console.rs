//! The web console's data: its cookie sessions, and the Team Members table (a network's
//! members and invitations in one list).
//!
//! Every query of the table is scoped to one network in SQL (`network_id = ?`), so a row of
//! another network cannot appear whatever the filters; who may see a network is checked by
//! the caller, as for the API.

use allyshare_protocol::{Permissions, Role};
use sqlx::{Row, SqlitePool};

use super::{parse_role, RepoError};

/// A live console session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsoleSession {
    pub session_id: i64,
    pub person_id: i64,
}

/// A session's `last_seen_at` is written at most this often (a request within it does not
/// write), so the idle limit is exact to within this.
const TOUCH_EVERY_SECS: i64 = 60;

pub async fn create_session(
    pool: &SqlitePool,
    person_id: i64,
    token_hash: &str,
    now: i64,
    expires_at: i64,
    idle_secs: i64,
) -> Result<i64, RepoError> {
    let mut tx = pool.begin().await?;
    // Sessions that ended by time are of no use to anyone: forget them as new ones come.
    sqlx::query(
        "DELETE FROM console_sessions WHERE person_id = ? AND (expires_at <= ? OR last_seen_at <= ?)",
    )
    .bind(person_id)
    .bind(now)
    .bind(now - idle_secs)
    .execute(&mut *tx)
    .await?;
    let id = sqlx::query_scalar(
        "INSERT INTO console_sessions (person_id, token_hash, created_at, last_seen_at, expires_at)
         VALUES (?, ?, ?, ?, ?) RETURNING id",
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
pub async fn find_session(
    pool: &SqlitePool,
    token_hash: &str,
    now: i64,
    idle_secs: i64,
) -> Result<Option<ConsoleSession>, RepoError> {
    let row = sqlx::query(
        "SELECT id, person_id, last_seen_at FROM console_sessions
         WHERE token_hash = ? AND expires_at > ? AND last_seen_at > ?",
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
        sqlx::query("UPDATE console_sessions SET last_seen_at = ? WHERE id = ?")
            .bind(now)
            .bind(session.session_id)
            .execute(pool)
            .await?;
    }
    Ok(Some(session))
}

pub async fn end_session(pool: &SqlitePool, session_id: i64) -> Result<(), RepoError> {
    sqlx::query("DELETE FROM console_sessions WHERE id = ?")
        .bind(session_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Which rows of the Team Members table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TeamState {
    /// Members, and invitations still open (pending or expired: they can be re-sent).
    #[default]
    Current,
    Members,
    Pending,
    Expired,
    Accepted,
    Revoked,
    /// Everything, every invitation included.
    All,
}

impl TeamState {
    pub const ALL: [TeamState; 7] = [
        TeamState::Current,
        TeamState::Members,
        TeamState::Pending,
        TeamState::Expired,
        TeamState::Accepted,
        TeamState::Revoked,
        TeamState::All,
    ];

    /// The value in the page's query string.
    pub fn as_str(self) -> &'static str {
        match self {
            TeamState::Current => "current",
            TeamState::Members => "member",
            TeamState::Pending => "pending",
            TeamState::Expired => "expired",
            TeamState::Accepted => "accepted",
            TeamState::Revoked => "revoked",
            TeamState::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<TeamState> {
        TeamState::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A page of the Team Members table.
#[derive(Debug, Clone)]
pub struct TeamQuery {
    pub network_id: i64,
    pub role: Option<Role>,
    pub state: TeamState,
    /// Matched case-insensitively anywhere in the name or the email address.
    pub search: Option<String>,
    pub offset: i64,
    pub limit: i64,
    pub now: i64,
}

/// The state of a row: a member, or an invitation's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    Member,
    Pending,
    Expired,
    Accepted,
    Revoked,
}

/// One row of the Team Members table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRow {
    /// The person's id for a member, the invitation's for an invitation.
    pub id: i64,
    pub state: RowState,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// Joined (a member) or sent (an invitation).
    pub at: i64,
    /// Allies only: whether they share with this network.
    pub sharing: Option<bool>,
    /// Allies who share: how many contacts they share.
    pub contacts: Option<i64>,
    /// Network Admins: their permissions (an invitation's: those it gives).
    pub permissions: Option<Permissions>,
}

/// The rows of the page and how many rows match in all.
pub async fn team(pool: &SqlitePool, q: &TeamQuery) -> Result<(Vec<TeamRow>, i64), RepoError> {
    let rows = sqlx::query(
        "WITH team AS (
           SELECT p.id, 'member' AS state, p.name, p.email, m.role, m.created_at AS at,
                  CASE WHEN m.role = 'ally' THEN m.sharing END AS sharing,
                  CASE WHEN m.role = 'ally' AND m.sharing = 1
                       THEN (SELECT COUNT(*) FROM contacts c WHERE c.person_id = p.id) END
                    AS contacts,
                  CASE WHEN m.role = 'network_admin' THEN m.permissions END AS permissions,
                  lower(p.name) AS name_l, p.email_norm AS email_l, 0 AS kind
           FROM memberships m JOIN people p ON p.id = m.person_id
           WHERE m.network_id = ?1
           UNION ALL
           SELECT i.id,
                  CASE WHEN i.revoked_at IS NOT NULL THEN 'revoked'
                       WHEN i.used_at IS NOT NULL THEN 'accepted'
                       WHEN i.expires_at <= ?2 THEN 'expired'
                       ELSE 'pending' END,
                  i.name, i.email, i.role, i.created_at, NULL, NULL,
                  CASE WHEN i.role = 'network_admin' THEN COALESCE(i.permissions, ?8) END,
                  lower(i.name), i.email_norm, 1
           FROM invitations i
           WHERE i.network_id = ?1
         )
         SELECT id, state, name, email, role, at, sharing, contacts, permissions,
                COUNT(*) OVER () AS total
         FROM team
         WHERE (?3 IS NULL OR role = ?3)
           AND CASE ?4 WHEN 'current' THEN state IN ('member', 'pending', 'expired')
                       WHEN 'all' THEN 1
                       ELSE state = ?4 END
           AND (?5 IS NULL OR instr(name_l, ?5) > 0 OR instr(email_l, ?5) > 0)
         ORDER BY at DESC, kind, id DESC
         LIMIT ?6 OFFSET ?7",
    )
    .bind(q.network_id)
    .bind(q.now)
    .bind(q.role.map(Role::as_str))
    .bind(q.state.as_str())
    .bind(q.search.as_deref().map(str::to_lowercase))
    .bind(q.limit)
    .bind(q.offset)
    .bind(Permissions::all().bits())
    .fetch_all(pool)
    .await?;
    let total = match rows.first() {
        Some(row) => row.try_get("total")?,
        None => 0,
    };
    let rows = rows
        .iter()
        .map(|row| {
            let state = match row.try_get::<&str, _>("state")? {
                "member" => RowState::Member,
                "pending" => RowState::Pending,
                "expired" => RowState::Expired,
                "accepted" => RowState::Accepted,
                "revoked" => RowState::Revoked,
                other => return Err(RepoError::Corrupt(format!("team row state {other:?}"))),
            };
            Ok(TeamRow {
                id: row.try_get("id")?,
                state,
                name: row.try_get("name")?,
                email: row.try_get("email")?,
                role: parse_role(row.try_get::<&str, _>("role")?)?,
                at: row.try_get("at")?,
                sharing: row.try_get("sharing")?,
                contacts: row.try_get("contacts")?,
                permissions: row
                    .try_get::<Option<i64>, _>("permissions")?
                    .map(Permissions::from_bits),
            })
        })
        .collect::<Result<Vec<_>, RepoError>>()?;
    Ok((rows, total))
}

/// The id of the pending invitation to this address in this network, if there is one.
pub async fn pending_invitation_id(
    pool: &SqlitePool,
    network_id: i64,
    email_norm: &str,
    now: i64,
) -> Result<Option<i64>, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM invitations
         WHERE network_id = ? AND email_norm = ? AND used_at IS NULL AND revoked_at IS NULL
           AND expires_at > ?
         ORDER BY id DESC LIMIT 1",
    )
    .bind(network_id)
    .bind(email_norm)
    .bind(now)
    .fetch_optional(pool)
    .await?)
}
