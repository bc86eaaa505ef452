//! The mail queue in SQLite (`mail_queue`, migrations 0003, 0005 and 0009): claims paced by
//! the attempts of the last minute, a lease for the sender that claimed, and the link token
//! issued at send time. A row is the email of an invitation, of a password reset, or of an
//! ally's new intro asks (exactly one; see [`super::ask_mail`]).

use sqlx::{Row, SqlitePool};

use super::{ClaimedMail, InvitationRecord, MailAbout, MailDone, RepoError, INVITATION_SELECT};

/// How long a claimed email is left to its sender before another may try it (a sender that
/// died mid-send is retried after this).
pub const MAIL_LEASE_SECS: i64 = 300;

/// How long sent, dropped and failed rows are kept (they count towards the rate for a minute,
/// and show what happened for a day).
const MAIL_KEEP_SECS: i64 = 24 * 60 * 60;

/// The pacing window of `--mail-per-minute`.
const WINDOW_SECS: i64 = 60;

/// Drops the queued mail of invitations and password resets no longer pending (and ask emails
/// with nothing left to tell), then claims the due mail, oldest first, as much as the rate leaves in the last minute. One transaction, starting with a write
/// (and none at all when nothing is due).
pub async fn claim(
    pool: &SqlitePool,
    now: i64,
    per_minute: u32,
) -> Result<Vec<ClaimedMail>, RepoError> {
    // The queue task asks every second: when nothing is due, answer from a read, without
    // taking the write lock from the requests that need it.
    let due: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM mail_queue WHERE state = 'queued' AND next_attempt_at <= ?)",
    )
    .bind(now)
    .fetch_one(pool)
    .await?;
    if !due {
        return Ok(Vec::new());
    }
    let mut tx = pool.begin().await?;
    sqlx::query(&format!(
        "UPDATE mail_queue SET state = 'dropped', done_at = ?1
         WHERE state = 'queued' AND next_attempt_at <= ?1 AND NOT EXISTS (
           SELECT 1 FROM invitations i WHERE i.id = mail_queue.invitation_id
             AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?1)
         AND NOT EXISTS (
           SELECT 1 FROM password_resets r WHERE r.id = mail_queue.password_reset_id
             AND r.used_at IS NULL AND r.expires_at > ?1)
         AND NOT (asks_ally_id IS NOT NULL AND {})
         AND NOT EXISTS (
           SELECT 1 FROM company_admin_invitations c
           WHERE c.id = mail_queue.company_admin_invitation_id
             AND c.used_at IS NULL AND c.revoked_at IS NULL AND c.expires_at > ?1)
         AND NOT EXISTS (
           SELECT 1 FROM professionals p WHERE p.id = mail_queue.professional_id
             AND p.confirmed_at IS NULL)
         AND intro_notice_id IS NULL",
        super::ask_mail::asks_to_tell("mail_queue.asks_ally_id")
    ))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM mail_queue WHERE state != 'queued' AND done_at < ?")
        .bind(now - MAIL_KEEP_SECS)
        .execute(&mut *tx)
        .await?;
    // A notice's text (names, addresses, a message) goes with its queue row.
    sqlx::query(
        "DELETE FROM intro_notices WHERE NOT EXISTS
           (SELECT 1 FROM mail_queue m WHERE m.intro_notice_id = intro_notices.id)",
    )
    .execute(&mut *tx)
    .await?;
    let rows = sqlx::query(
        "UPDATE mail_queue
         SET attempts = attempts + 1, last_attempt_at = ?1, next_attempt_at = ?1 + ?2
         WHERE id IN (
           SELECT id FROM mail_queue WHERE state = 'queued' AND next_attempt_at <= ?1
           ORDER BY next_attempt_at, id
           LIMIT max(0, ?3 - (SELECT COUNT(*) FROM mail_queue WHERE last_attempt_at > ?1 - ?4)))
         RETURNING id, invitation_id, password_reset_id, asks_ally_id,
                   company_admin_invitation_id, professional_id, intro_notice_id, attempts",
    )
    .bind(now)
    .bind(MAIL_LEASE_SECS)
    .bind(i64::from(per_minute))
    .bind(WINDOW_SECS)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut claimed = rows
        .iter()
        .map(|row| {
            let invitation: Option<i64> = row.try_get("invitation_id")?;
            let reset: Option<i64> = row.try_get("password_reset_id")?;
            let asks: Option<i64> = row.try_get("asks_ally_id")?;
            let company: Option<i64> = row.try_get("company_admin_invitation_id")?;
            let professional: Option<i64> = row.try_get("professional_id")?;
            let notice: Option<i64> = row.try_get("intro_notice_id")?;
            let about = match (invitation, reset, asks, company, professional, notice) {
                (Some(id), None, None, None, None, None) => MailAbout::Invitation(id),
                (None, Some(id), None, None, None, None) => MailAbout::PasswordReset(id),
                (None, None, Some(id), None, None, None) => MailAbout::Asks(id),
                (None, None, None, Some(id), None, None) => MailAbout::CompanyAdminInvitation(id),
                (None, None, None, None, Some(id), None) => MailAbout::ProfessionalConfirmation(id),
                (None, None, None, None, None, Some(id)) => MailAbout::IntroNotice(id),
                _ => {
                    return Err(RepoError::Corrupt(
                        "a queued email of none or several of an invitation, a reset, asks".into(),
                    ))
                }
            };
            Ok(ClaimedMail {
                id: row.try_get("id")?,
                about,
                attempts: row.try_get::<i64, _>("attempts")? as u32,
            })
        })
        .collect::<Result<Vec<_>, RepoError>>()?;
    claimed.sort_by_key(|m| m.id);
    Ok(claimed)
}

/// Gives a pending invitation the hash of the token its email is about to carry (the previous
/// one stops working); its details for the email, or `None` if it is no longer pending.
pub async fn issue_token(
    pool: &SqlitePool,
    invitation_id: i64,
    token_hash: &str,
    now: i64,
) -> Result<Option<InvitationRecord>, RepoError> {
    let mut tx = pool.begin().await?;
    let updated = sqlx::query(
        "UPDATE invitations SET token_hash = ?
         WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
    )
    .bind(token_hash)
    .bind(invitation_id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(None);
    }
    let row = sqlx::query(&format!("{INVITATION_SELECT} WHERE i.id = ?"))
        .bind(invitation_id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(super::invitation_from_row(&row)?))
}

pub async fn finish(
    pool: &SqlitePool,
    mail_id: i64,
    done: &MailDone,
    now: i64,
) -> Result<(), RepoError> {
    let (state, error, retry_at) = match done {
        MailDone::Sent | MailDone::SentAsks { .. } => ("sent", None, None),
        MailDone::Dropped => ("dropped", None, None),
        MailDone::Failed { error, retry_at } => (
            if retry_at.is_some() {
                "queued"
            } else {
                "failed"
            },
            Some(error.as_str()),
            *retry_at,
        ),
    };
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE mail_queue SET state = ?, last_error = COALESCE(?, last_error),
                next_attempt_at = COALESCE(?, next_attempt_at),
                done_at = CASE WHEN ? = 'queued' THEN NULL ELSE ? END
         WHERE id = ?",
    )
    .bind(state)
    .bind(error)
    .bind(retry_at)
    .bind(state)
    .bind(now)
    .bind(mail_id)
    .execute(&mut *tx)
    .await?;
    if let MailDone::SentAsks { ally_id, ask_ids } = done {
        super::ask_mail::sent(&mut tx, *ally_id, ask_ids, now).await?;
    }
    tx.commit().await?;
    Ok(())
}
