//! *Forgot password?*: an emailed, single-use link, valid an hour, that sets a new password and
//! ends every session of the person (console and extension).
//!
//! - **Asking** (`POST /admin/forgot-password`, `POST /v1/password-resets`: one service,
//!   [`ask_for_link`]) answers the same page whether or not the
//!   address has an account, after the same time ([`ANSWER_AFTER`]: the work runs apart from
//!   the answer, so its length tells nothing). It is throttled per client address and per
//!   email ([`RESET_LIMITS`], kept where sign-in's buckets are, spent whether or not an
//!   account exists, so a refusal tells nothing either), and an account gets at most
//!   [`MAX_RESET_EMAILS_PER_HOUR`] reset emails an hour (counted in the database; past it, the
//!   request is quietly dropped), so the form cannot be used to flood someone's mailbox.
//! - **The email** goes through the mail queue like an invitation's: the row holds no secret,
//!   the link's token is generated when the email is sent ([`send_claimed`]) and only its
//!   SHA-256 is stored; the link works for [`RESET_VALID_SECS`] from then. A request whose email
//!   has not gone within that time lapses.
//! - **Using the link** (`/admin/reset/{token}`) sets the new password with the rules of
//!   [`crate::passwords::check_new_password`] and, in the same transaction, ends every session
//!   of the person (the repository's password change: bearer and refresh tokens, hand-off
//!   grants, console sessions) and their other reset links.

use std::time::Duration;

use crate::api::ApiFailure;
use crate::db::password_reset::{PasswordResetRecord, ResetRequested};
use crate::db::{ClaimedMail, MailDone, Repository};
use crate::invite::{send_and_record, InviteError};
use crate::mail::{Delivery, Mailer};
use crate::throttle::{Rate, SignInLimits};
use crate::tokens::{hash_token, new_token};
use crate::App;

/// How long a reset link works after its email is sent (and how long a request waits for its
/// email to be sent before it lapses): an hour.
pub const RESET_VALID_SECS: i64 = 60 * 60;

/// Most reset emails an account gets in an hour, whoever asks.
pub const MAX_RESET_EMAILS_PER_HOUR: u32 = 3;

/// How long asking for a link takes, whatever happens: the answer waits this long, and the
/// work (looking the address up, storing the request) runs on its own.
pub const ANSWER_AFTER: Duration = Duration::from_millis(250);

/// The throttle of the form (its buckets where sign-in's are, [`crate::buckets`]) (per client address, per email from that address, per
/// email from anywhere), spent whether or not the address has an account: 5 asks for one
/// address from one client, then one every 12 minutes; 10 for one address from anywhere,
/// then one every 6 minutes; 20 from one client, then one every 3 minutes.
pub const RESET_LIMITS: SignInLimits = SignInLimits {
    per_account_address: Rate {
        burst: 5,
        refill_secs: 12 * 60,
    },
    per_account: Rate {
        burst: 10,
        refill_secs: 6 * 60,
    },
    per_address: Rate {
        burst: 20,
        refill_secs: 3 * 60,
    },
};

/// Asks for a reset link for `email` (a checked address) from the client `address`: the one
/// service behind the console's *Forgot password?* form and `POST /v1/password-resets`. Spends
/// the throttle (a refusal, [`ApiFailure::TooManyAttempts`] with the wait, comes whether or
/// not the address has an account), then answers after [`ANSWER_AFTER`] whatever happens: the
/// request is stored (or not: no account, past the hourly limit) on its own, so how long that
/// takes does not change when the answer comes.
pub async fn ask_for_link(
    app: &App,
    email: &str,
    address: Option<std::net::IpAddr>,
) -> Result<(), ApiFailure> {
    app.throttle_password_reset(email, address).await?;
    tokio::spawn({
        let (app, email) = (app.clone(), email.to_string());
        async move {
            match app.request_password_reset(&email).await {
                Ok(requested) => tracing::info!(?requested, "password reset asked"),
                Err(error) => tracing::error!(%error, "a password reset request failed"),
            }
        }
    });
    tokio::time::sleep(ANSWER_AFTER).await;
    Ok(())
}

/// Stores the request for the account with this email, if any, within the hourly limit.
pub async fn request(
    repo: &dyn Repository,
    email: &str,
    now: i64,
) -> Result<ResetRequested, crate::RepoError> {
    repo.request_password_reset(email, now, RESET_VALID_SECS, MAX_RESET_EMAILS_PER_HOUR)
        .await
}

/// Sends one claimed reset email (`reset_id` is the claimed row's): a fresh link token valid
/// [`RESET_VALID_SECS`] (only its hash is stored), then the email, the outcome recorded in the
/// queue as for invitations. The link and where the email went, or `None` when the request
/// was used or lapsed meanwhile (nothing sent).
pub async fn send_claimed(
    repo: &dyn Repository,
    mailer: &Mailer,
    public_url: &str,
    mail: ClaimedMail,
    reset_id: i64,
    now: i64,
) -> Result<Option<(String, Delivery)>, InviteError> {
    let token = new_token();
    let Some(to) = repo
        .issue_password_reset_token(reset_id, &hash_token(&token), now, RESET_VALID_SECS)
        .await?
    else {
        repo.finish_mail(mail.id, &MailDone::Dropped, now).await?;
        return Ok(None);
    };
    let link = format!("{}/admin/reset/{token}", public_url.trim_end_matches('/'));
    let message = mailer.password_reset(&to.name, &to.email, &link);
    let delivery = send_and_record(repo, mailer, mail, message, now).await?;
    Ok(Some((link, delivery)))
}

/// What a reset link is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResetLink {
    /// It works: a new password may be set.
    Valid(PasswordResetRecord),
    Used,
    Expired,
    /// No link has this token.
    Unknown,
}

/// The state of the link with this token.
pub async fn link(
    repo: &dyn Repository,
    token: &str,
    now: i64,
) -> Result<ResetLink, crate::RepoError> {
    // Tokens are 43 characters of base64url; anything much longer was never one of ours.
    if token.is_empty() || token.len() > 128 {
        return Ok(ResetLink::Unknown);
    }
    Ok(match repo.find_password_reset(&hash_token(token)).await? {
        None => ResetLink::Unknown,
        Some(reset) if reset.used_at.is_some() => ResetLink::Used,
        Some(reset) if reset.expires_at <= now => ResetLink::Expired,
        Some(reset) => ResetLink::Valid(reset),
    })
}
