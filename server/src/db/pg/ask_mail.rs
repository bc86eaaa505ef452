//! The ally's ask emails on PostgreSQL (SQLite: `db/ask_mail.rs`): at most one queued per
//! ally, due an hour after the last one sent, telling the pending asks no email told yet; and
//! the person's preference that turns them off.

use allyshare_protocol::Preferences;
use sqlx::{PgConnection, PgPool, Row};

use super::network::{ask_from_row, ASK_SELECT};
use crate::db::ask_mail::{AskMail, ASK_EMAIL_EVERY_SECS};
use crate::db::RepoError;

/// The ally `$1` has asks an email should tell them about.
const ASKS_TO_TELL: &str = "EXISTS (SELECT 1 FROM intro_asks a JOIN people p ON p.id = a.ally_id
                 WHERE a.ally_id = $1 AND a.state = 'pending'
                   AND a.emailed_at IS NULL AND p.ask_emails = 1)";

/// Inside the transaction that created an ask of `ally_id`: queues the ally's ask email,
/// unless they turned ask emails off or one is queued already (the new ask joins it).
pub(super) async fn queue_for_new_ask(
    tx: &mut PgConnection,
    ally_id: i64,
    now: i64,
) -> Result<Option<i64>, RepoError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO mail_queue (asks_ally_id, created_at, next_attempt_at)
         SELECT $1, $2, GREATEST($2, COALESCE(
             (SELECT MAX(done_at) FROM mail_queue WHERE asks_ally_id = $1 AND state = 'sent')
             + $3, 0))
         WHERE (SELECT ask_emails FROM people WHERE id = $1) = 1
           AND NOT EXISTS (SELECT 1 FROM mail_queue WHERE asks_ally_id = $1 AND state = 'queued')
         RETURNING id",
    )
    .bind(ally_id)
    .bind(now)
    .bind(ASK_EMAIL_EVERY_SECS)
    .fetch_optional(&mut *tx)
    .await?)
}

/// What the ally's ask email says now (`None`: nothing to tell, or ask emails off).
pub(super) async fn content(pool: &PgPool, ally_id: i64) -> Result<Option<AskMail>, RepoError> {
    let person = sqlx::query("SELECT name, email FROM people WHERE id = $1 AND ask_emails = 1")
        .bind(ally_id)
        .fetch_optional(pool)
        .await?;
    let Some(person) = person else {
        return Ok(None);
    };
    let rows = sqlx::query(&format!(
        "{ASK_SELECT} WHERE a.ally_id = $1 AND a.state = 'pending' AND a.emailed_at IS NULL
         ORDER BY a.id"
    ))
    .bind(ally_id)
    .fetch_all(pool)
    .await?;
    let asks = rows
        .iter()
        .map(ask_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    if asks.is_empty() {
        return Ok(None);
    }
    Ok(Some(AskMail {
        name: person.try_get("name")?,
        email: person.try_get("email")?,
        asks,
    }))
}

/// After the ally's ask email was sent, inside the transaction that records it: its asks are
/// marked emailed, and the next email is queued if more arrived meanwhile.
pub(super) async fn sent(
    tx: &mut PgConnection,
    ally_id: i64,
    ask_ids: &[i64],
    now: i64,
) -> Result<(), RepoError> {
    sqlx::query(
        "UPDATE intro_asks SET emailed_at = $1
         WHERE id = ANY($2) AND ally_id = $3 AND emailed_at IS NULL",
    )
    .bind(now)
    .bind(ask_ids)
    .bind(ally_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO mail_queue (asks_ally_id, created_at, next_attempt_at)
         SELECT $1, $2, $2 + $3
         WHERE {ASKS_TO_TELL}
           AND NOT EXISTS (SELECT 1 FROM mail_queue WHERE asks_ally_id = $1 AND state = 'queued')"
    ))
    .bind(ally_id)
    .bind(now)
    .bind(ASK_EMAIL_EVERY_SECS)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The person's preferences (`None`: no such person).
pub(super) async fn preferences(
    pool: &PgPool,
    person_id: i64,
) -> Result<Option<Preferences>, RepoError> {
    let ask_emails: Option<i64> = sqlx::query_scalar("SELECT ask_emails FROM people WHERE id = $1")
        .bind(person_id)
        .fetch_optional(pool)
        .await?;
    Ok(ask_emails.map(|v| Preferences { ask_emails: v != 0 }))
}

/// Sets the person's preferences, and returns them as stored (`None`: no such person).
pub(super) async fn set_preferences(
    pool: &PgPool,
    person_id: i64,
    preferences: &Preferences,
) -> Result<Option<Preferences>, RepoError> {
    let ask_emails: Option<i64> =
        sqlx::query_scalar("UPDATE people SET ask_emails = $1 WHERE id = $2 RETURNING ask_emails")
            .bind(i64::from(preferences.ask_emails))
            .bind(person_id)
            .fetch_optional(pool)
            .await?;
    Ok(ask_emails.map(|v| Preferences { ask_emails: v != 0 }))
}
