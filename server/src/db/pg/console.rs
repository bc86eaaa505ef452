//! The console's Team Members table on PostgreSQL (members and invitations in one list), as
//! SQLite's `db/console.rs`: every query names its network in SQL.

use allyshare_protocol::{Permissions, Role};
use sqlx::{PgPool, Row};

use super::parse_role;
use crate::db::console::{RowState, TeamQuery, TeamRow};
use crate::db::RepoError;

// The console's sessions are kept with the others on PostgreSQL; the shared list of
// operations names them as SQLite's `db::console` does.
pub(super) use super::sessions::{
    console_session as find_session, create_console_session as create_session,
    end_console_session as end_session,
};

/// The rows of the page and how many rows match in all.
pub(super) async fn team(pool: &PgPool, q: &TeamQuery) -> Result<(Vec<TeamRow>, i64), RepoError> {
    let rows = sqlx::query(
        "WITH team AS (
           SELECT p.id, 'member' AS state, p.name, p.email, m.role, m.created_at AS at,
                  CASE WHEN m.role = 'ally' THEN m.sharing = 1 END AS sharing,
                  CASE WHEN m.role = 'ally' AND m.sharing = 1
                       THEN (SELECT COUNT(*) FROM contacts c WHERE c.person_id = p.id) END
                    AS contacts,
                  CASE WHEN m.role = 'network_admin' THEN m.permissions END AS permissions,
                  lower(p.name) AS name_l, p.email_norm AS email_l, 0 AS kind
           FROM memberships m JOIN people p ON p.id = m.person_id
           WHERE m.network_id = $1
           UNION ALL
           SELECT i.id,
                  CASE WHEN i.revoked_at IS NOT NULL THEN 'revoked'
                       WHEN i.used_at IS NOT NULL THEN 'accepted'
                       WHEN i.expires_at <= $2 THEN 'expired'
                       ELSE 'pending' END,
                  i.name, i.email, i.role, i.created_at, NULL, NULL,
                  CASE WHEN i.role = 'network_admin' THEN COALESCE(i.permissions, $8) END,
                  lower(i.name), i.email_norm, 1
           FROM invitations i
           WHERE i.network_id = $1
         )
         SELECT id, state, name, email, role, at, sharing, contacts, permissions,
                COUNT(*) OVER () AS total
         FROM team
         WHERE ($3 IS NULL OR role = $3)
           AND CASE $4 WHEN 'current' THEN state IN ('member', 'pending', 'expired')
                       WHEN 'all' THEN true
                       ELSE state = $4 END
           AND ($5 IS NULL OR strpos(name_l, $5) > 0 OR strpos(email_l, $5) > 0)
         ORDER BY at DESC, kind, id DESC
         LIMIT $6 OFFSET $7",
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
pub(super) async fn pending_invitation_id(
    pool: &PgPool,
    network_id: i64,
    email_norm: &str,
    now: i64,
) -> Result<Option<i64>, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM invitations
         WHERE network_id = $1 AND email_norm = $2 AND used_at IS NULL AND revoked_at IS NULL
           AND expires_at > $3
         ORDER BY id DESC LIMIT 1",
    )
    .bind(network_id)
    .bind(email_norm)
    .bind(now)
    .fetch_optional(pool)
    .await?)
}
