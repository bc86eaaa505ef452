//! Invitations and the networks they create, on PostgreSQL: the same operations as the SQLite
//! side (`db/mod.rs`), each one statement or one transaction. Creating an invitation takes a
//! transaction-scoped advisory lock on the address in its network, so two instances inviting
//! the same person at once count the daily limit and revoke the earlier link as SQLite's single
//! writer does.

use allyshare_protocol::{Permissions, Role};
use sqlx::{PgPool, Row};

use super::people::{person_accepting, stopped_sharing};
use super::{invitation_from_row, parse_role, INVITATION_SELECT};
use crate::db::{
    mail, normalize_email, AcceptOutcome, CreateOutcome, CreatedInvitation, InvitationRecord,
    NewInvitation, RepoError, DAY_SECS,
};

pub(super) async fn insert_invitation(
    conn: &mut sqlx::PgConnection,
    inv: &NewInvitation,
) -> Result<CreateOutcome, RepoError> {
    let network_id: i64 = sqlx::query_scalar(
        "INSERT INTO networks (name, created_at) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET name = excluded.name
             RETURNING id",
    )
    .bind(&inv.network_name)
    .bind(inv.now)
    .fetch_one(&mut *conn)
    .await?;
    let email_norm = normalize_email(&inv.email);
    if let Some(limit) = inv.daily_limit {
        let row = sqlx::query(
            "SELECT COUNT(*) AS sent, MIN(created_at) AS oldest FROM invitations
                 WHERE network_id = $1 AND email_norm = $2 AND created_at > $3",
        )
        .bind(network_id)
        .bind(&email_norm)
        .bind(inv.now - DAY_SECS)
        .fetch_one(&mut *conn)
        .await?;
        let sent: i64 = row.try_get("sent")?;
        if sent >= i64::from(limit) {
            let oldest: i64 = row.try_get::<Option<i64>, _>("oldest")?.unwrap_or(inv.now);
            return Ok(CreateOutcome::TooManyEmails {
                sent: sent as u32,
                retry_after: (oldest + DAY_SECS - inv.now).max(1),
            });
        }
    }
    let revoked = sqlx::query(
        "UPDATE invitations SET revoked_at = $1
             WHERE network_id = $2 AND email_norm = $3 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(inv.now)
    .bind(network_id)
    .bind(&email_norm)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let invitation_id: i64 = sqlx::query_scalar(
        "INSERT INTO invitations
               (network_id, email, email_norm, name, role, note, permissions, token_hash,
                created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             RETURNING id",
    )
    .bind(network_id)
    .bind(inv.email.trim())
    .bind(&email_norm)
    .bind(&inv.name)
    .bind(inv.role.as_str())
    .bind(&inv.note)
    .bind(inv.permissions.map(Permissions::bits))
    .bind(&inv.token_hash)
    .bind(inv.now)
    .bind(inv.expires_at)
    .fetch_one(&mut *conn)
    .await?;
    // Born claimed when the caller sends it at once, so no queue worker takes it first.
    let (attempts, last_attempt_at, next_attempt_at) = if inv.deliver_now {
        (1, Some(inv.now), inv.now + mail::MAIL_LEASE_SECS)
    } else {
        (0, None, inv.now)
    };
    let mail_id: i64 = sqlx::query_scalar(
        "INSERT INTO mail_queue
               (invitation_id, created_at, next_attempt_at, attempts, last_attempt_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(invitation_id)
    .bind(inv.now)
    .bind(next_attempt_at)
    .bind(attempts)
    .bind(last_attempt_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(CreateOutcome::Created(CreatedInvitation {
        invitation_id,
        network_id,
        revoked_previous: revoked,
        mail_id,
    }))
}

pub(super) async fn create_invitation(
    pool: &PgPool,
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
    pool: &PgPool,
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
    pool: &PgPool,
    network_id: i64,
) -> Result<std::collections::HashSet<String>, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT p.email_norm FROM memberships m JOIN people p ON p.id = m.person_id
         WHERE m.network_id = $1",
    )
    .bind(network_id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect())
}

pub(super) async fn pending_invitation_emails(
    pool: &PgPool,
    network_id: i64,
    now: i64,
) -> Result<std::collections::HashSet<String>, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT email_norm FROM invitations
         WHERE network_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(network_id)
    .bind(now)
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect())
}

pub(super) async fn find_invitation(
    pool: &PgPool,
    token_hash: &str,
) -> Result<Option<InvitationRecord>, RepoError> {
    let row = sqlx::query(&format!("{INVITATION_SELECT} WHERE i.token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(invitation_from_row).transpose()
}

pub(super) async fn network_name(
    pool: &PgPool,
    network_id: i64,
) -> Result<Option<String>, RepoError> {
    Ok(
        sqlx::query_scalar("SELECT name FROM networks WHERE id = $1")
            .bind(network_id)
            .fetch_optional(pool)
            .await?,
    )
}

pub(super) async fn network_id(pool: &PgPool, name: &str) -> Result<Option<i64>, RepoError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM networks WHERE name = $1")
            .bind(name.trim())
            .fetch_optional(pool)
            .await?,
    )
}

pub(super) async fn is_member(
    pool: &PgPool,
    network_id: i64,
    email: &str,
) -> Result<bool, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN people p ON p.id = m.person_id
                        WHERE m.network_id = $1 AND p.email_norm = $2)",
    )
    .bind(network_id)
    .bind(normalize_email(email))
    .fetch_one(pool)
    .await?)
}

pub(super) async fn has_pending_invitation(
    pool: &PgPool,
    network_id: i64,
    email: &str,
    now: i64,
) -> Result<bool, RepoError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM invitations
                        WHERE network_id = $1 AND email_norm = $2 AND used_at IS NULL
                          AND revoked_at IS NULL AND expires_at > $3)",
    )
    .bind(network_id)
    .bind(normalize_email(email))
    .bind(now)
    .fetch_one(pool)
    .await?)
}

pub(super) async fn list_invitations(
    pool: &PgPool,
    network_id: i64,
) -> Result<Vec<InvitationRecord>, RepoError> {
    sqlx::query(&format!(
        "{INVITATION_SELECT} WHERE i.network_id = $1 ORDER BY i.id DESC"
    ))
    .bind(network_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(invitation_from_row)
    .collect()
}

pub(super) async fn invitation_by_id(
    pool: &PgPool,
    network_id: i64,
    invitation_id: i64,
) -> Result<Option<InvitationRecord>, RepoError> {
    let row = sqlx::query(&format!(
        "{INVITATION_SELECT} WHERE i.network_id = $1 AND i.id = $2"
    ))
    .bind(network_id)
    .bind(invitation_id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(invitation_from_row).transpose()
}

pub(super) async fn revoke_invitation(
    pool: &PgPool,
    network_id: i64,
    invitation_id: i64,
    now: i64,
) -> Result<bool, RepoError> {
    Ok(sqlx::query(
        "UPDATE invitations SET revoked_at = $1
         WHERE network_id = $2 AND id = $3 AND used_at IS NULL AND revoked_at IS NULL
           AND expires_at > $4",
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
    pool: &PgPool,
    invitation_id: i64,
    password_hash: Option<&str>,
    now: i64,
) -> Result<AcceptOutcome, RepoError> {
    let mut tx = pool.begin().await?;
    // A write first, so this transaction holds the write lock from the start.
    let invitation = sqlx::query(
        "UPDATE invitations SET used_at = $1
         WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3
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
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (person_id, network_id) DO UPDATE SET
           permissions = CASE WHEN excluded.role = 'network_admin'
                              THEN memberships.permissions | excluded.permissions ELSE memberships.permissions END,
           role = CASE WHEN excluded.role = 'network_admin' THEN 'network_admin' ELSE memberships.role END",
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
        sqlx::query("UPDATE memberships SET sharing = 0 WHERE person_id = $1 AND network_id = $2")
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
