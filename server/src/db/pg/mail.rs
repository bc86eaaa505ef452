//! The mail queue on PostgreSQL: the same rows and rules as SQLite's (`db/mail.rs`): claims
//! paced by the attempts of the last minute, a lease for the sender that claimed, the link
//! token issued at send time.
//!
//! Several instances drain the one queue: a claim locks the rows it takes with
//! `FOR UPDATE SKIP LOCKED`, so two instances claiming at once take different emails, and the
//! lease (`next_attempt_at` moved past now) keeps a claimed email from any other instance until
//! its sender finishes it or dies. The pace is counted from the table (attempts of the last
//! minute, every instance's), under a transaction-scoped advisory lock, so N instances send
//! at `--mail-per-minute` together, not N times it.

use sqlx::{PgPool, Row};

use super::{invitation_from_row, INVITATION_SELECT};
use crate::db::mail::MAIL_LEASE_SECS;
use crate::db::{ClaimedMail, InvitationRecord, MailAbout, MailDone, RepoError};

/// How long sent, dropped and failed rows are kept (as on SQLite).
const MAIL_KEEP_SECS: i64 = 24 * 60 * 60;

/// The pacing window of `--mail-per-minute`.
const WINDOW_SECS: i64 = 60;

/// The advisory lock that makes counting the last minute's attempts and claiming one step
/// across instances (an arbitrary constant, this queue's own).
const PACE_LOCK: i64 = 0x616c_6c79_6d61_696c;

/// Ask emails still have something to tell (as `ask_mail::asks_to_tell` on SQLite).
const ASKS_TO_TELL: &str = "EXISTS (SELECT 1 FROM intro_asks a JOIN people p ON p.id = a.ally_id
                 WHERE a.ally_id = mail_queue.asks_ally_id AND a.state = 'pending'
                   AND a.emailed_at IS NULL AND p.ask_emails = 1)";

pub(super) async fn claim(
    pool: &PgPool,
    now: i64,
    per_minute: u32,
) -> Result<Vec<ClaimedMail>, RepoError> {
    let due: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM mail_queue WHERE state = 'queued' AND next_attempt_at <= $1)",
    )
    .bind(now)
    .fetch_one(pool)
    .await?;
    if !due {
        return Ok(Vec::new());
    }
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(PACE_LOCK)
        .execute(&mut *tx)
        .await?;
    sqlx::query(&format!(
        "UPDATE mail_queue SET state = 'dropped', done_at = $1
         WHERE state = 'queued' AND next_attempt_at <= $1 AND NOT EXISTS (
           SELECT 1 FROM invitations i WHERE i.id = mail_queue.invitation_id
             AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $1)
         AND NOT EXISTS (
           SELECT 1 FROM password_resets r WHERE r.id = mail_queue.password_reset_id
             AND r.used_at IS NULL AND r.expires_at > $1)
         AND NOT (asks_ally_id IS NOT NULL AND {ASKS_TO_TELL})
         AND NOT EXISTS (
           SELECT 1 FROM company_admin_invitations c
           WHERE c.id = mail_queue.company_admin_invitation_id
             AND c.used_at IS NULL AND c.revoked_at IS NULL AND c.expires_at > $1)
         AND NOT EXISTS (
           SELECT 1 FROM professionals p WHERE p.id = mail_queue.professional_id
             AND p.confirmed_at IS NULL)
         AND intro_notice_id IS NULL"
    ))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM mail_queue WHERE state != 'queued' AND done_at < $1")
        .bind(now - MAIL_KEEP_SECS)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM intro_notices WHERE NOT EXISTS
           (SELECT 1 FROM mail_queue m WHERE m.intro_notice_id = intro_notices.id)",
    )
    .execute(&mut *tx)
    .await?;
    let rows = sqlx::query(
        "UPDATE mail_queue
         SET attempts = attempts + 1, last_attempt_at = $1, next_attempt_at = $1 + $2
         WHERE id IN (
           SELECT id FROM mail_queue WHERE state = 'queued' AND next_attempt_at <= $1
           ORDER BY next_attempt_at, id
           LIMIT GREATEST(0, $3 - (SELECT COUNT(*) FROM mail_queue WHERE last_attempt_at > $1 - $4))
           FOR UPDATE SKIP LOCKED)
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

pub(super) async fn issue_token(
    pool: &PgPool,
    invitation_id: i64,
    token_hash: &str,
    now: i64,
) -> Result<Option<InvitationRecord>, RepoError> {
    let mut tx = pool.begin().await?;
    let updated = sqlx::query(
        "UPDATE invitations SET token_hash = $1
         WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
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
    let row = sqlx::query(&format!("{INVITATION_SELECT} WHERE i.id = $1"))
        .bind(invitation_id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(invitation_from_row(&row)?))
}

pub(super) async fn finish(
    pool: &PgPool,
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
        "UPDATE mail_queue SET state = $1, last_error = COALESCE($2, last_error),
                next_attempt_at = COALESCE($3, next_attempt_at),
                done_at = CASE WHEN $1 = 'queued' THEN NULL ELSE $4 END
         WHERE id = $5",
    )
    .bind(state)
    .bind(error)
    .bind(retry_at)
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
