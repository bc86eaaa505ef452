//! People and their memberships on PostgreSQL: the account (password, deletion), what `me`
//! shows, sharing on and off, leaving a network, with the same consequences as on SQLite
//! (`stopped_sharing`). The contacts search needs no clean-up here: its index is a GIN index
//! on `contacts`, kept by PostgreSQL in the same transaction as the rows.

use allyshare_protocol::{Me, Person, Role};
use sqlx::{PgPool, Row};

use super::{lists, membership_from_row, parse_role};
use crate::db::{normalize_email, PersonRecord, RepoError, SharingOutcome};

pub(super) async fn find_person_by_email(
    pool: &PgPool,
    email: &str,
) -> Result<Option<PersonRecord>, RepoError> {
    let row =
        sqlx::query("SELECT id, name, email, password_hash FROM people WHERE email_norm = $1")
            .bind(normalize_email(email))
            .fetch_optional(pool)
            .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(PersonRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
    }))
}

pub(super) async fn me(pool: &PgPool, person_id: i64) -> Result<Option<Me>, RepoError> {
    let row = sqlx::query("SELECT id, name, email FROM people WHERE id = $1")
        .bind(person_id)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let person = Person {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
    };
    let rows = sqlx::query(
        "SELECT n.id, n.name, m.role, m.sharing, m.created_at
         FROM memberships m JOIN networks n ON n.id = m.network_id
         WHERE m.person_id = $1 ORDER BY n.name, n.id",
    )
    .bind(person_id)
    .fetch_all(pool)
    .await?;
    let mut networks = Vec::with_capacity(rows.len());
    for row in rows {
        networks.push(membership_from_row(&row)?);
    }
    Ok(Some(Me { person, networks }))
}

pub(super) async fn role_in(
    pool: &PgPool,
    person_id: i64,
    network_id: i64,
) -> Result<Option<Role>, RepoError> {
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM memberships WHERE person_id = $1 AND network_id = $2")
            .bind(person_id)
            .bind(network_id)
            .fetch_optional(pool)
            .await?;
    role.as_deref().map(parse_role).transpose()
}

pub(super) async fn set_sharing(
    pool: &PgPool,
    person_id: i64,
    network_id: i64,
    sharing: bool,
    now: i64,
) -> Result<SharingOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "UPDATE memberships SET sharing = $1
         WHERE person_id = $2 AND network_id = $3 AND role = 'ally'
         RETURNING network_id AS id, role, sharing, created_at,
                   (SELECT name FROM networks WHERE id = network_id) AS name",
    )
    .bind(i64::from(sharing))
    .bind(person_id)
    .bind(network_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        let role: Option<String> = sqlx::query_scalar(
            "SELECT role FROM memberships WHERE person_id = $1 AND network_id = $2",
        )
        .bind(person_id)
        .bind(network_id)
        .fetch_optional(&mut *tx)
        .await?;
        return Ok(match role {
            None => SharingOutcome::NotMember,
            Some(_) => SharingOutcome::NotAlly,
        });
    };
    let membership = membership_from_row(&row)?;
    if !sharing {
        stopped_sharing(&mut tx, person_id, network_id, now).await?;
    }
    tx.commit().await?;
    Ok(SharingOutcome::Updated(membership))
}

pub(super) async fn leave_network(
    pool: &PgPool,
    person_id: i64,
    network_id: i64,
    now: i64,
) -> Result<bool, RepoError> {
    let mut tx = pool.begin().await?;
    let left = sqlx::query("DELETE FROM memberships WHERE person_id = $1 AND network_id = $2")
        .bind(person_id)
        .bind(network_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    if left {
        stopped_sharing(&mut tx, person_id, network_id, now).await?;
    }
    tx.commit().await?;
    Ok(left)
}

pub(super) async fn delete_account(pool: &PgPool, person_id: i64) -> Result<bool, RepoError> {
    let mut tx = pool.begin().await?;
    // The invitations sent to their address (email and name), in every network and in
    // any state, with any mail still queued for them. A write first: it takes the lock.
    sqlx::query(
        "DELETE FROM invitations
         WHERE email_norm = (SELECT email_norm FROM people WHERE id = $1)",
    )
    .bind(person_id)
    .execute(&mut *tx)
    .await?;
    let shared_with = lists::sharing_networks(&mut tx, person_id).await?;
    // Everything the person owns goes with them (ON DELETE CASCADE): memberships,
    // contacts, sync sessions, sessions (so every token dies), asks addressed to them,
    // hand-off grants. Asks they made as an admin keep their history, without the name.
    // Their contacts first, while their memberships still say where they were shared: the
    // network view's triggers run at the end of each statement, and a cascade from `people`
    // would remove both at once.
    sqlx::query("DELETE FROM contacts WHERE person_id = $1")
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    let deleted = sqlx::query("DELETE FROM people WHERE id = $1")
        .bind(person_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    // Their contacts left those networks' view: so do the list entries only they held.
    for network_id in shared_with {
        lists::prune_entries(&mut tx, network_id).await?;
    }
    tx.commit().await?;
    Ok(deleted)
}

pub(super) async fn change_password(
    pool: &PgPool,
    person_id: i64,
    password_hash: &str,
) -> Result<u64, RepoError> {
    let mut tx = pool.begin().await?;
    let ended = set_password(&mut tx, person_id, password_hash).await?;
    tx.commit().await?;
    Ok(ended)
}
/// A password change, inside the caller's transaction: the new hash, and every session of the
/// person ends (every bearer and refresh token, every pending hand-off grant, every console
/// session); the unused password reset links of the person stop working. How many sessions
/// (extension and console) were still there.
pub(super) async fn set_password(
    tx: &mut sqlx::PgConnection,
    person_id: i64,
    password_hash: &str,
) -> Result<u64, RepoError> {
    sqlx::query("UPDATE people SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    let ended = sqlx::query("UPDATE sessions SET revoked = 1 WHERE person_id = $1 AND revoked = 0")
        .bind(person_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM handoff_grants WHERE person_id = $1")
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    let ended_in_console = sqlx::query("DELETE FROM console_sessions WHERE person_id = $1")
        .bind(person_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM password_resets WHERE person_id = $1 AND used_at IS NULL")
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    Ok(ended + ended_in_console)
}

/// The consequences of an ally no longer sharing with `network_id` (turned off, or left):
/// the network's introduction-list entries of contacts that no other ally sharing with it
/// has are deleted; every intro ask to them there is deleted (each holds a copy of one of their contacts: name,
/// headline, profile URL, and a note about that person), and if they now share with no network
/// at all, their contacts and everything derived from them: staged rows and batch hashes of
/// every sync session, and the stored results (digests) of committed ones; open sessions are
/// closed (a late batch or commit is answered `session_closed`).
///
/// Asks are deleted rather than kept as tombstones: a row with nothing identifying left (no
/// contact, no note) would tell the network only that it once asked this ally something, which
/// no view uses, and the Terms promise that turning sharing off removes the connections from
/// that network's view.
pub(super) async fn stopped_sharing(
    tx: &mut sqlx::PgConnection,
    person_id: i64,
    network_id: i64,
    now: i64,
) -> Result<(), RepoError> {
    sqlx::query("DELETE FROM intro_asks WHERE ally_id = $1 AND network_id = $2")
        .bind(person_id)
        .bind(network_id)
        .execute(&mut *tx)
        .await?;
    // The network's list entries of contacts no other sharing ally has: a list names a
    // contact only while the network may see it.
    lists::prune_entries(&mut *tx, network_id).await?;
    let still_sharing: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships
                        WHERE person_id = $1 AND role = 'ally' AND sharing = 1)",
    )
    .bind(person_id)
    .fetch_one(&mut *tx)
    .await?;
    if !still_sharing {
        sqlx::query("DELETE FROM contacts WHERE person_id = $1")
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
        for derived in [
            "DELETE FROM sync_staged WHERE session_id IN
               (SELECT id FROM sync_sessions WHERE person_id = $1)",
            "DELETE FROM sync_batches WHERE session_id IN
               (SELECT id FROM sync_sessions WHERE person_id = $1)",
            "DELETE FROM sync_sessions WHERE person_id = $1 AND state = 'committed'",
        ] {
            sqlx::query(derived)
                .bind(person_id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE sync_sessions SET state = 'aborted', closed_at = $1
             WHERE person_id = $2 AND state = 'open'",
        )
        .bind(now)
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// The person an accepted invitation is for, found by address: their id, their name, and
/// whether the account is new. A new account is made with `password_hash`; an account without
/// a password is given it. `None` when a password is needed and none was given. The one rule
/// for every invitation (a network's member, a company's admin).
pub(crate) async fn person_accepting(
    tx: &mut sqlx::PgConnection,
    name: &str,
    email: &str,
    email_norm: &str,
    password_hash: Option<&str>,
    now: i64,
) -> Result<Option<(i64, String, bool)>, RepoError> {
    let existing = sqlx::query("SELECT id, name, password_hash FROM people WHERE email_norm = $1")
        .bind(email_norm)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(row) = existing {
        let id: i64 = row.try_get("id")?;
        let current: Option<String> = row.try_get("password_hash")?;
        if current.is_none() {
            let Some(hash) = password_hash else {
                return Ok(None);
            };
            sqlx::query("UPDATE people SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        return Ok(Some((id, row.try_get("name")?, false)));
    }
    let Some(hash) = password_hash else {
        return Ok(None);
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO people (name, email, email_norm, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(name)
    .bind(email)
    .bind(email_norm)
    .bind(hash)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    Ok(Some((id, name.to_string(), true)))
}
