//! Invitations in SQLite: creating them (with their queued email and the daily limit per
//! address), finding, listing, revoking and accepting them.

use super::*;

pub(super) async fn create_invitation(
    pool: &SqlitePool,
    inv: &NewInvitation,
) -> Result<CreateOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    let outcome = insert_invitation(&mut tx, inv).await?;
    if matches!(outcome, CreateOutcome::Created(_)) {
        tx.commit().await?;
    }
    Ok(outcome)
}

pub(super) async fn create_invitations(
    pool: &SqlitePool,
    invs: &[NewInvitation],
) -> Result<Vec<CreateOutcome>, RepoError> {
    let mut tx = pool.begin().await?;
    let mut outcomes = Vec::with_capacity(invs.len());
    for inv in invs {
        outcomes.push(insert_invitation(&mut tx, inv).await?);
    }
    tx.commit().await?;
    Ok(outcomes)
}

pub(super) async fn member_emails(
    pool: &SqlitePool,
    network_id: i64,
) -> Result<std::collections::HashSet<String>, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT p.email_norm FROM memberships m JOIN people p ON p.id = m.person_id
         WHERE m.network_id = ?",
    )
    .bind(network_id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect())
}

pub(super) async fn pending_invitation_emails(
    pool: &SqlitePool,
    network_id: i64,
    now: i64,
) -> Result<std::collections::HashSet<String>, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT email_norm FROM invitations
         WHERE network_id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
    )
    .bind(network_id)
    .bind(now)
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect())
}

pub(super) async fn find_invitation(
    pool: &SqlitePool,
    token_hash: &str,
) -> Result<Option<InvitationRecord>, RepoError> {
    let row = sqlx::query(&format!("{INVITATION_SELECT} WHERE i.token_hash = ?"))
        .bind(token_hash)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(invitation_from_row).transpose()
}

pub(super) async fn network_name(
    pool: &SqlitePool,
    network_id: i64,
) -> Result<Option<String>, RepoError> {
    Ok(sqlx::query_scalar("SELECT name FROM networks WHERE id = ?")
        .bind(network_id)
        .fetch_optional(pool)
        .await?)
}

pub(super) async fn network_id(pool: &SqlitePool, name: &str) -> Result<Option<i64>, RepoError> {
    Ok(sqlx::query_scalar("SELECT id FROM networks WHERE name = ?")
        .bind(name.trim())
        .fetch_optional(pool)
        .await?)
}

pub(super) async fn is_member(
    pool: &SqlitePool,
    network_id: i64,
    email: &str,
) -> Result<bool, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN people p ON p.id = m.person_id
                        WHERE m.network_id = ? AND p.email_norm = ?)",
    )
    .bind(network_id)
    .bind(normalize_email(email))
    .fetch_one(pool)
    .await?)
}

pub(super) async fn has_pending_invitation(
    pool: &SqlitePool,
    network_id: i64,
    email: &str,
    now: i64,
) -> Result<bool, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM invitations
                        WHERE network_id = ? AND email_norm = ? AND used_at IS NULL
                          AND revoked_at IS NULL AND expires_at > ?)",
    )
    .bind(network_id)
    .bind(normalize_email(email))
    .bind(now)
    .fetch_one(pool)
    .await?)
}

pub(super) async fn list_invitations(
    pool: &SqlitePool,
    network_id: i64,
) -> Result<Vec<InvitationRecord>, RepoError> {
    sqlx::query(&format!(
        "{INVITATION_SELECT} WHERE i.network_id = ? ORDER BY i.id DESC"
    ))
    .bind(network_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(invitation_from_row)
    .collect()
}

pub(super) async fn invitation_by_id(
    pool: &SqlitePool,
    network_id: i64,
    invitation_id: i64,
) -> Result<Option<InvitationRecord>, RepoError> {
    let row = sqlx::query(&format!(
        "{INVITATION_SELECT} WHERE i.network_id = ? AND i.id = ?"
    ))
    .bind(network_id)
    .bind(invitation_id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(invitation_from_row).transpose()
}

pub(super) async fn revoke_invitation(
    pool: &SqlitePool,
    network_id: i64,
    invitation_id: i64,
    now: i64,
) -> Result<bool, RepoError> {
    Ok(sqlx::query(
        "UPDATE invitations SET revoked_at = ?
         WHERE network_id = ? AND id = ? AND used_at IS NULL AND revoked_at IS NULL
           AND expires_at > ?",
    )
    .bind(now)
    .bind(network_id)
    .bind(invitation_id)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected()
        > 0)
}

pub(super) async fn accept_invitation(
    pool: &SqlitePool,
    invitation_id: i64,
    password_hash: Option<&str>,
    now: i64,
) -> Result<AcceptOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    // A write first, so this transaction holds the write lock from the start.
    let invitation = sqlx::query(
        "UPDATE invitations SET used_at = ?
         WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?
         RETURNING network_id, email, email_norm, name, role, permissions",
    )
    .bind(now)
    .bind(invitation_id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(invitation) = invitation else {
        return Ok(AcceptOutcome::NotPending);
    };
    let network_id: i64 = invitation.try_get("network_id")?;
    let email: String = invitation.try_get("email")?;
    let email_norm: String = invitation.try_get("email_norm")?;
    let name: String = invitation.try_get("name")?;
    let role = parse_role(invitation.try_get::<&str, _>("role")?)?;
    let permissions = match role {
        Role::Ally => Permissions::NONE,
        Role::NetworkAdmin => invitation
            .try_get::<Option<i64>, _>("permissions")?
            .map_or_else(Permissions::all, Permissions::from_bits),
    };

    let Some((person_id, _, new_account)) =
        person_accepting(&mut tx, &name, &email, &email_norm, password_hash, now).await?
    else {
        return Ok(AcceptOutcome::PasswordRequired);
    };
    sqlx::query(
        "INSERT INTO memberships (person_id, network_id, role, permissions, created_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (person_id, network_id) DO UPDATE SET
           permissions = CASE WHEN excluded.role = 'network_admin'
                              THEN permissions | excluded.permissions ELSE permissions END,
           role = CASE WHEN excluded.role = 'network_admin' THEN 'network_admin' ELSE role END",
    )
    .bind(person_id)
    .bind(network_id)
    .bind(role.as_str())
    .bind(permissions.bits())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if role == Role::NetworkAdmin {
        // An ally promoted to admin no longer shares with this network.
        sqlx::query("UPDATE memberships SET sharing = 0 WHERE person_id = ? AND network_id = ?")
            .bind(person_id)
            .bind(network_id)
            .execute(&mut *tx)
            .await?;
        stopped_sharing(&mut tx, person_id, network_id, now).await?;
    }
    tx.commit().await?;
    Ok(AcceptOutcome::Joined {
        person_id,
        new_account,
    })
}
