//! The new-ask email to the ally, in SQLite (migration 0009): the ally's preference, the one
//! queued email per ally that tells them about their new asks, and its pace.
//!
//! Why one queue row per ally rather than per ask: a network that asks an ally ten times in a
//! minute must not send ten emails. The row says only "email this ally about their new asks";
//! when it is sent, the email is built from the ally's pending asks that no email has told
//! them about yet (`intro_asks.emailed_at IS NULL`), so asks made while it waits join it, and
//! an ask answered (or withdrawn) before it goes is left out — with none left, the row is
//! dropped. After an ask email, the next one to the same ally waits [`ASK_EMAIL_EVERY_SECS`]:
//! asks made in between are batched into it.

use allyshare_protocol::{IntroAsk, Preferences};
use sqlx::{Row, SqliteConnection, SqlitePool};

use super::RepoError;

/// At most one ask email per ally in this long (an hour); later asks wait for the next one,
/// together.
pub const ASK_EMAIL_EVERY_SECS: i64 = 60 * 60;

/// The SQL condition that the ally whose id is the SQL expression `ally` has something for an
/// ask email to say: they want ask emails and have a pending ask no email told them about.
pub(super) fn asks_to_tell(ally: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM intro_asks a JOIN people p ON p.id = a.ally_id
                 WHERE a.ally_id = {ally} AND a.state = 'pending'
                   AND a.emailed_at IS NULL AND p.ask_emails = 1)"
    )
}

/// Who an ask email goes to, and the asks it tells about (oldest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskMail {
    pub name: String,
    pub email: String,
    pub asks: Vec<IntroAsk>,
}

/// Inside the transaction that created an ask of `ally_id`: queues the ally's ask email,
/// unless they turned ask emails off or one is queued already (the new ask joins it). It is
/// due at once, or [`ASK_EMAIL_EVERY_SECS`] after the last ask email sent to the ally. The
/// queue row's id, when one was added.
pub(super) async fn queue_for_new_ask(
    tx: &mut SqliteConnection,
    ally_id: i64,
    now: i64,
) -> Result<Option<i64>, RepoError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO mail_queue (asks_ally_id, created_at, next_attempt_at)
         SELECT ?1, ?2, max(?2, COALESCE(
             (SELECT MAX(done_at) FROM mail_queue WHERE asks_ally_id = ?1 AND state = 'sent')
             + ?3, 0))
         WHERE (SELECT ask_emails FROM people WHERE id = ?1) = 1
           AND NOT EXISTS (SELECT 1 FROM mail_queue WHERE asks_ally_id = ?1 AND state = 'queued')
         RETURNING id",
    )
    .bind(ally_id)
    .bind(now)
    .bind(ASK_EMAIL_EVERY_SECS)
    .fetch_optional(&mut *tx)
    .await?)
}

/// What the ally's ask email says now: their name and address and the pending asks no email
/// told them about (oldest first); `None` when there is none, or they turned ask emails off.
pub async fn content(pool: &SqlitePool, ally_id: i64) -> Result<Option<AskMail>, RepoError> {
    let person = sqlx::query("SELECT name, email FROM people WHERE id = ? AND ask_emails = 1")
        .bind(ally_id)
        .fetch_optional(pool)
        .await?;
    let Some(person) = person else {
        return Ok(None);
    };
    let rows = sqlx::query(&format!(
        "{} WHERE a.ally_id = ? AND a.state = 'pending' AND a.emailed_at IS NULL ORDER BY a.id",
        super::network::ASK_SELECT
    ))
    .bind(ally_id)
    .fetch_all(pool)
    .await?;
    let asks = rows
        .iter()
        .map(super::network::ask_from_row)
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

/// After the ally's ask email was sent, inside the transaction that records it: the asks it
/// told about are marked emailed, and if other asks arrived while it was being sent, the next
/// email is queued, [`ASK_EMAIL_EVERY_SECS`] from now.
pub(super) async fn sent(
    tx: &mut SqliteConnection,
    ally_id: i64,
    ask_ids: &[i64],
    now: i64,
) -> Result<(), RepoError> {
    for id in ask_ids {
        sqlx::query(
            "UPDATE intro_asks SET emailed_at = ? WHERE id = ? AND ally_id = ? AND emailed_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(ally_id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(&format!(
        "INSERT INTO mail_queue (asks_ally_id, created_at, next_attempt_at)
         SELECT ?1, ?2, ?2 + ?3
         WHERE {}
           AND NOT EXISTS (SELECT 1 FROM mail_queue WHERE asks_ally_id = ?1 AND state = 'queued')",
        asks_to_tell("?1")
    ))
    .bind(ally_id)
    .bind(now)
    .bind(ASK_EMAIL_EVERY_SECS)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The person's preferences (`None`: no such person).
pub async fn preferences(
    pool: &SqlitePool,
    person_id: i64,
) -> Result<Option<Preferences>, RepoError> {
    let ask_emails: Option<bool> = sqlx::query_scalar("SELECT ask_emails FROM people WHERE id = ?")
        .bind(person_id)
        .fetch_optional(pool)
        .await?;
    Ok(ask_emails.map(|ask_emails| Preferences { ask_emails }))
}

/// Sets the person's preferences, and returns them as stored (`None`: no such person). Ask
/// emails turned off also drop the ally's queued one (when the queue next looks).
pub async fn set_preferences(
    pool: &SqlitePool,
    person_id: i64,
    preferences: &Preferences,
) -> Result<Option<Preferences>, RepoError> {
    let ask_emails: Option<bool> =
        sqlx::query_scalar("UPDATE people SET ask_emails = ? WHERE id = ? RETURNING ask_emails")
            .bind(preferences.ask_emails)
            .bind(person_id)
            .fetch_optional(pool)
            .await?;
    Ok(ask_emails.map(|ask_emails| Preferences { ask_emails }))
}
