//! The new-ask email: when a network asks an ally for an introduction, the ally gets an
//! email saying who asks, for whom, with the note, and that they answer in the extension's
//! popup. Nothing in it answers for them: an ask is answered by the ally, signed in, never by
//! a link that anyone holding the email could follow.
//!
//! - **Queued with the ask**: [`crate::db::Repository::create_ask`] adds the ally's queue row
//!   in the ask's own transaction (so every way of asking, the API or the console, emails
//!   alike). The row holds no message and no address: the email is built when it is sent.
//! - **The ally's choice**: `people.ask_emails` (`GET`/`PUT /v1/me/preferences`, the
//!   extension's options page). Off, no row is queued, and a queued one is dropped.
//! - **Paced per ally**: one queued ask email per ally at most, and at most one sent per
//!   [`ASK_EMAIL_EVERY_SECS`] (an hour). The first ask after a quiet hour is emailed at once
//!   (at the queue's pace); asks made within the hour after an ask email wait, and come
//!   together in the next one. An hour rather than a daily digest: an ask is worth answering
//!   while it is fresh, and the popup's badge already shows it within the hour; and never more
//!   than 24 a day, whatever a network does. Every email also counts towards the server's
//!   `--mail-per-minute`.
//! - **Built at send time** ([`send_claimed`]) from the ally's pending asks that no email has
//!   told them about yet: an ask answered (or withdrawn: sharing turned off deletes it) before
//!   the email goes is left out, and with none left the row is dropped, like a revoked
//!   invitation's.

use crate::db::{ClaimedMail, MailDone, Repository};
use crate::invite::{send_and_record_as, InviteError};
use crate::mail::{Delivery, Mailer};

pub use crate::db::ask_mail::ASK_EMAIL_EVERY_SECS;

/// Sends one claimed ask email (`ally_id` is the claimed row's): built from what the ally's
/// asks are now, recorded in the queue (with the asks it told about) as for invitations.
/// Where it went, or `None` when there was nothing left to tell (nothing sent).
pub async fn send_claimed(
    repo: &dyn Repository,
    mailer: &Mailer,
    mail: ClaimedMail,
    ally_id: i64,
    now: i64,
) -> Result<Option<Delivery>, InviteError> {
    let Some(content) = repo.ask_mail(ally_id).await? else {
        repo.finish_mail(mail.id, &MailDone::Dropped, now).await?;
        return Ok(None);
    };
    let message = mailer.new_asks(&content.name, &content.email, &content.asks);
    let sent_as = MailDone::SentAsks {
        ally_id,
        ask_ids: content.asks.iter().map(|a| a.id).collect(),
    };
    let delivery = send_and_record_as(repo, mailer, mail, message, sent_as, now).await?;
    Ok(Some(delivery))
}
