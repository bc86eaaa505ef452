//! People in SQLite: finding them, who they are and their roles, sharing with a network,
//! leaving it, changing their password and deleting their account.

use super::*;

pub(super) async fn find_person_by_email(
    pool: &SqlitePool,
    email: &str,
) -> Result<Option<PersonRecord>, RepoError> {
    let row = sqlx::query("SELECT id, name, email, password_hash FROM people WHERE email_norm = ?")
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

pub(super) async fn me(pool: &SqlitePool, person_id: i64) -> Result<Option<Me>, RepoError> {
    let row = sqlx::query("SELECT id, name, email FROM people WHERE id = ?")
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
         WHERE m.person_id = ? ORDER BY n.name, n.id",
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
    pool: &SqlitePool,
    person_id: i64,
    network_id: i64,
) -> Result<Option<Role>, RepoError> {
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM memberships WHERE person_id = ? AND network_id = ?")
            .bind(person_id)
            .bind(network_id)
            .fetch_optional(pool)
            .await?;
    role.as_deref().map(parse_role).transpose()
}

pub(super) async fn set_sharing(
    pool: &SqlitePool,
    person_id: i64,
    network_id: i64,
    sharing: bool,
    now: i64,
) -> Result<SharingOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "UPDATE memberships SET sharing = ?
         WHERE person_id = ? AND network_id = ? AND role = 'ally'
         RETURNING network_id AS id, role, sharing, created_at,
                   (SELECT name FROM networks WHERE id = network_id) AS name",
    )
    .bind(sharing)
    .bind(person_id)
    .bind(network_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        let role: Option<String> = sqlx::query_scalar(
            "SELECT role FROM memberships WHERE person_id = ? AND network_id = ?",
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
    pool: &SqlitePool,
    person_id: i64,
    network_id: i64,
    now: i64,
) -> Result<bool, RepoError> {
    let mut tx = pool.begin().await?;
    let left = sqlx::query("DELETE FROM memberships WHERE person_id = ? AND network_id = ?")
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

pub(super) async fn delete_account(pool: &SqlitePool, person_id: i64) -> Result<bool, RepoError> {
    let mut tx = pool.begin().await?;
    // The invitations sent to their address (email and name), in every network and in
    // any state, with any mail still queued for them. A write first: it takes the lock.
    sqlx::query(
        "DELETE FROM invitations
         WHERE email_norm = (SELECT email_norm FROM people WHERE id = ?)",
    )
    .bind(person_id)
    .execute(&mut *tx)
    .await?;
    let shared_with = lists::sharing_networks(&mut tx, person_id).await?;
    // Everything the person owns goes with them (ON DELETE CASCADE): memberships,
    // contacts, sync sessions, sessions (so every token dies), asks addressed to them,
    // hand-off grants. Asks they made as an admin keep their history, without the name.
    let deleted = sqlx::query("DELETE FROM people WHERE id = ?")
        .bind(person_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    // Their contacts left those networks' view: so do the list entries only they held.
    for network_id in shared_with {
        lists::prune_entries(&mut tx, network_id).await?;
    }
    if deleted {
        network::purge_deleted_words(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(deleted)
}

pub(super) async fn change_password(
    pool: &SqlitePool,
    person_id: i64,
    password_hash: &str,
) -> Result<u64, RepoError> {
    let mut tx = pool.begin().await?;
    let ended = set_password(&mut tx, person_id, password_hash).await?;
    tx.commit().await?;
    Ok(ended)
}
