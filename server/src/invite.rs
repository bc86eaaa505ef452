//! Invitations: the one code path behind the CLI and the admin API — invite one person,
//! import a CSV, list, revoke, re-send.
//!
//! Every email goes through the mail queue (`mail_queue`, see [`crate::db::mail`]): the admin
//! API and the CSV import only queue it, and the server's background task sends it within
//! `--mail-per-minute` ([`crate::App::send_queued_mail`]); the operator's CLI `invite` and
//! `resend` queue it already claimed and send it at once, to print the link. An address gets at
//! most [`MAX_INVITATION_EMAILS_PER_DAY`] invitation emails from one network a day, whoever
//! asks (the CLI's `invite` excepted), and revoked or accepted invitations are not re-sent.
//!
//! The invitation token is generated when its email is sent ([`send_claimed`]) and leaves the
//! server only inside the email (and the returned link, which the CLI prints for developers);
//! the database keeps only its hash, so nothing secret waits in the queue, and until its email
//! has gone an invitation has no working link. Re-inviting the same email to the same network
//! revokes the earlier pending link (and drops its email if still queued), so only the newest
//! email works.

use std::collections::HashSet;
use std::path::PathBuf;

use allyshare_protocol::limits::INVITATION_NOTE_MAX_CHARS;
use allyshare_protocol::{
    ImportOutcome, ImportRow, InvitationImport, InvitationRequest, Permissions, Role,
};

use crate::csvfile::{self, CsvError};
use crate::db::{
    normalize_email, ClaimedMail, CreateOutcome, InvitationState, MailAbout, MailDone,
    NewInvitation, RepoError, Repository,
};
use crate::mail::{Delivery, MailError, Mailer};
use crate::tokens::{hash_token, new_token};

/// How long an invitation link stays valid.
pub const INVITATION_VALID_DAYS: i64 = 7;
/// [`INVITATION_VALID_DAYS`] in seconds.
pub const INVITATION_TTL_SECS: i64 = INVITATION_VALID_DAYS * 24 * 60 * 60;

/// Longest accepted network or person name, in characters (keeps emails and pages sane).
pub const MAX_NAME_CHARS: usize = 200;

/// Who to invite, where, as what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRequest {
    pub network: String,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// A created invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invited {
    /// The Get Started link (contains the secret token).
    pub link: String,
    /// The `.eml` file written to the outbox (`None` when sent by SMTP).
    pub email_path: Option<PathBuf>,
    pub invitation_id: i64,
    pub network_id: i64,
    pub expires_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(
        "the invitation is stored, but its email could not be sent now ({0}); it stays in the \
         mail queue, and a running server (`serve`) on this database sends it later"
    )]
    NotSentYet(MailError),
    #[error("{0} is already a member of this network")]
    AlreadyMember(String),
    #[error("no such network")]
    NoNetwork,
    #[error(
        "you can give a Network Admin only permissions you have yourself: choose a template \
         within yours (Recruiter or Viewer), or ask an admin who has them to invite this person"
    )]
    BeyondYourPermissions,
    #[error("no such invitation")]
    NotFound,
    #[error("this invitation was {0} already")]
    NotPending(&'static str),
    #[error(
        "this invitation was accepted already: the person is a member, there is nothing to re-send"
    )]
    ResendAccepted,
    #[error(
        "this invitation was revoked (by an admin, or replaced by a newer one), so it is not \
         re-sent: invite the person again, or re-send their newest invitation"
    )]
    ResendRevoked,
    #[error(
        "the address {email} got {sent} invitation emails from this network in the last 24 \
         hours, the most allowed: try again in {}",
        wait_words(*retry_after)
    )]
    TooManyEmails {
        email: String,
        sent: u32,
        retry_after: i64,
    },
    #[error("{0}")]
    Unreadable(#[from] CsvError),
}

fn state_word(state: InvitationState) -> &'static str {
    match state {
        InvitationState::Pending => "pending",
        InvitationState::Used => "accepted",
        InvitationState::Expired => "expired",
        InvitationState::Revoked => "revoked",
    }
}

pub fn check_name(what: &str, value: &str) -> Result<String, InviteError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(InviteError::Invalid(format!(
            "the {what} must not be empty"
        )));
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(InviteError::Invalid(format!(
            "the {what} must be at most {MAX_NAME_CHARS} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(InviteError::Invalid(format!(
            "the {what} must not contain control characters"
        )));
    }
    Ok(value.to_string())
}

/// A deliberately loose check: one `@`, something on each side, no spaces. The email itself
/// is the real test.
pub fn check_email(email: &str) -> Result<String, InviteError> {
    let email = email.trim();
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
    if !ok || email.parse::<lettre::Address>().is_err() {
        return Err(InviteError::Invalid(format!(
            "{email:?} is not a valid email address"
        )));
    }
    Ok(email.to_string())
}

/// The personal note of an invitation: trimmed, line breaks as `\n`, at most
/// [`INVITATION_NOTE_MAX_CHARS`]; empty is none. It is text (the email escapes it in its HTML
/// part), and control characters other than line breaks and tabs are refused.
pub fn check_note(note: Option<&str>) -> Result<Option<String>, InviteError> {
    let note = note
        .unwrap_or("")
        .replace("\r\n", "\n")
        .replace(['\r', '\t'], " ");
    let note = note.trim();
    if note.is_empty() {
        return Ok(None);
    }
    if note.chars().count() > INVITATION_NOTE_MAX_CHARS {
        return Err(InviteError::Invalid(format!(
            "the note must be at most {INVITATION_NOTE_MAX_CHARS} characters"
        )));
    }
    if note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(InviteError::Invalid(
            "the note must not contain control characters".to_string(),
        ));
    }
    Ok(Some(note.to_string()))
}

/// Most invitation emails one address gets from one network in 24 hours (invitations and
/// re-sends together), through the admin API, the CSV import and `resend`.
pub const MAX_INVITATION_EMAILS_PER_DAY: u32 = 3;

/// After this many failed attempts an email is given up.
pub(crate) const MAX_SEND_ATTEMPTS: u32 = 8;

/// A stored invitation whose email is in the mail queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queued {
    pub invitation_id: i64,
    pub network_id: i64,
    pub expires_at: i64,
    mail_id: i64,
}

/// `3 hours`, `25 minutes`, `40 seconds`.
pub(crate) fn wait_words(seconds: i64) -> String {
    let (n, unit) = if seconds >= 2 * 3600 {
        ((seconds + 3599) / 3600, "hours")
    } else if seconds >= 120 {
        ((seconds + 59) / 60, "minutes")
    } else {
        (seconds.max(1), "seconds")
    };
    format!("{n} {unit}")
}

/// What an admin's invitation adds to the CLI's: a personal note, a Network Admin's
/// permissions.
#[derive(Debug, Clone, Copy, Default)]
struct Extras<'a> {
    note: Option<&'a str>,
    permissions: Option<Permissions>,
}

/// Validates an invitation and builds what the database stores: the email is built once
/// here, with a stand-in link, so bad input fails before anything is stored; it is built again,
/// with the real link, when it is sent.
fn prepare(
    mailer: &Mailer,
    request: &InviteRequest,
    extras: Extras<'_>,
    now: i64,
    deliver_now: bool,
    daily_limit: Option<u32>,
) -> Result<NewInvitation, InviteError> {
    let network = check_name("network name", &request.network)?;
    let name = check_name("name", &request.name)?;
    let email = check_email(&request.email)?;
    let Extras { note, permissions } = extras;
    let note = check_note(note)?;
    let stand_in = format!("https://allyshare.invalid/invite/{}", new_token());
    mailer.invitation(
        &name,
        &email,
        &network,
        &stand_in,
        INVITATION_VALID_DAYS,
        note.as_deref(),
    )?;
    Ok(NewInvitation {
        network_name: network,
        email,
        name,
        role: request.role,
        permissions: match request.role {
            Role::Ally => None,
            Role::NetworkAdmin => permissions,
        },
        note,
        // Nobody holds this token: the link exists once the email is sent.
        token_hash: hash_token(&new_token()),
        now,
        expires_at: now + INVITATION_TTL_SECS,
        deliver_now,
        daily_limit,
    })
}

/// What the database said of a prepared invitation.
fn queued_or_refused(new: &NewInvitation, outcome: CreateOutcome) -> Result<Queued, InviteError> {
    match outcome {
        CreateOutcome::Created(created) => Ok(Queued {
            invitation_id: created.invitation_id,
            network_id: created.network_id,
            expires_at: new.expires_at,
            mail_id: created.mail_id,
        }),
        CreateOutcome::TooManyEmails { sent, retry_after } => Err(InviteError::TooManyEmails {
            email: new.email.clone(),
            sent,
            retry_after,
        }),
    }
}

/// Validates ([`prepare`]), then stores the invitation (and the network if new) with its email
/// in the mail queue.
async fn create(
    repo: &dyn Repository,
    mailer: &Mailer,
    request: &InviteRequest,
    extras: Extras<'_>,
    now: i64,
    deliver_now: bool,
    daily_limit: Option<u32>,
) -> Result<Queued, InviteError> {
    let new = prepare(mailer, request, extras, now, deliver_now, daily_limit)?;
    let outcome = repo.create_invitation(&new).await?;
    queued_or_refused(&new, outcome)
}

/// Sends one claimed invitation email (`invitation_id` is the claimed row's): a fresh link
/// token for its invitation (the previous link stops working), then the email. Returns the
/// link and where the email went, or `None` when the invitation is no longer pending (nothing
/// sent). The outcome is recorded in the queue: a failure is retried later with a growing
/// pause, and given up after a few attempts.
pub async fn send_claimed(
    repo: &dyn Repository,
    mailer: &Mailer,
    public_url: &str,
    mail: ClaimedMail,
    invitation_id: i64,
    now: i64,
) -> Result<Option<(String, Delivery)>, InviteError> {
    let token = new_token();
    let Some(inv) = repo
        .issue_invitation_token(invitation_id, &hash_token(&token), now)
        .await?
    else {
        repo.finish_mail(mail.id, &MailDone::Dropped, now).await?;
        return Ok(None);
    };
    let link = format!("{}/invite/{token}", public_url.trim_end_matches('/'));
    let message = mailer.invitation(
        &inv.name,
        &inv.email,
        &inv.network_name,
        &link,
        INVITATION_VALID_DAYS,
        inv.note.as_deref(),
    );
    let delivery = send_and_record(repo, mailer, mail, message, now).await?;
    Ok(Some((link, delivery)))
}

/// Sends a claimed email's message (or records that it could not be built) and records the
/// outcome in the queue: sent; or failed, to retry later with a growing pause (not when the
/// message could not be built), given up after [`MAX_SEND_ATTEMPTS`].
pub(crate) async fn send_and_record(
    repo: &dyn Repository,
    mailer: &Mailer,
    mail: ClaimedMail,
    message: Result<lettre::Message, MailError>,
    now: i64,
) -> Result<Delivery, InviteError> {
    send_and_record_as(repo, mailer, mail, message, MailDone::Sent, now).await
}

/// [`send_and_record`], recording a sent email as `sent` (a [`MailDone::Sent`] or
/// [`MailDone::SentAsks`]).
pub(crate) async fn send_and_record_as(
    repo: &dyn Repository,
    mailer: &Mailer,
    mail: ClaimedMail,
    message: Result<lettre::Message, MailError>,
    sent_as: MailDone,
    now: i64,
) -> Result<Delivery, InviteError> {
    let sent = match message {
        Ok(message) => mailer.send(message).await.map_err(|e| (e, true)),
        Err(e) => Err((e, false)),
    };
    match sent {
        Ok(delivery) => {
            repo.finish_mail(mail.id, &sent_as, now).await?;
            Ok(delivery)
        }
        Err((error, retry)) => {
            let retry_at = (retry && mail.attempts < MAX_SEND_ATTEMPTS)
                .then(|| now + (60_i64 << mail.attempts.saturating_sub(1).min(6)).min(3600));
            tracing::warn!(mail = mail.id, attempts = mail.attempts, ?retry_at, %error, "email not sent");
            let done = MailDone::Failed {
                error: error.to_string(),
                retry_at,
            };
            repo.finish_mail(mail.id, &done, now).await?;
            Err(error.into())
        }
    }
}

/// Sends the email of an invitation created with `deliver_now` (its queue row is already
/// claimed by this caller).
async fn deliver(
    repo: &dyn Repository,
    mailer: &Mailer,
    public_url: &str,
    queued: Queued,
    now: i64,
) -> Result<Invited, InviteError> {
    let mail = ClaimedMail {
        id: queued.mail_id,
        about: MailAbout::Invitation(queued.invitation_id),
        attempts: 1,
    };
    let (link, delivery) = send_claimed(repo, mailer, public_url, mail, queued.invitation_id, now)
        .await
        .map_err(|e| match e {
            InviteError::Mail(e) => InviteError::NotSentYet(e),
            e => e,
        })?
        .ok_or(InviteError::NotPending("revoked"))?;
    Ok(Invited {
        link,
        email_path: delivery.path().map(PathBuf::from),
        invitation_id: queued.invitation_id,
        network_id: queued.network_id,
        expires_at: queued.expires_at,
    })
}

/// Creates the invitation (and the network if new) and sends its email at once, through the
/// queue (it counts towards the rate, but does not wait for it), and returns the link: the
/// operator's command, which prints the link. No daily limit.
pub async fn invite(
    repo: &dyn Repository,
    mailer: &Mailer,
    public_url: &str,
    request: &InviteRequest,
    now: i64,
) -> Result<Invited, InviteError> {
    let queued = create(repo, mailer, request, Extras::default(), now, true, None).await?;
    deliver(repo, mailer, public_url, queued, now).await
}

/// Invites a person into an existing network, unless they are a member already, within the
/// address's daily limit. The email is queued; with `deliver_now`, it is also sent at once.
async fn invite_into(
    repo: &dyn Repository,
    mailer: &Mailer,
    network_id: i64,
    who: &InvitationRequest,
    now: i64,
    deliver_now: bool,
) -> Result<Queued, InviteError> {
    let network = repo
        .network_name(network_id)
        .await?
        .ok_or(InviteError::NoNetwork)?;
    let email = check_email(&who.email)?;
    if repo.is_member(network_id, &email).await? {
        return Err(InviteError::AlreadyMember(email));
    }
    let request = InviteRequest {
        network,
        email,
        name: who.name.clone(),
        role: who.role,
    };
    create(
        repo,
        mailer,
        &request,
        Extras {
            note: who.note.as_deref(),
            permissions: who.permissions,
        },
        now,
        deliver_now,
        Some(MAX_INVITATION_EMAILS_PER_DAY),
    )
    .await
}

/// Invites a person into an existing network (the admin API); the email is queued.
pub async fn invite_member(
    repo: &dyn Repository,
    mailer: &Mailer,
    network_id: i64,
    who: &InvitationRequest,
    now: i64,
) -> Result<Queued, InviteError> {
    invite_into(repo, mailer, network_id, who, now, false).await
}

/// Who to invite again for a re-send: the invitation must be pending or expired.
async fn to_resend(
    repo: &dyn Repository,
    network_id: i64,
    invitation_id: i64,
    now: i64,
) -> Result<InvitationRequest, InviteError> {
    let old = repo
        .invitation_by_id(network_id, invitation_id)
        .await?
        .ok_or(InviteError::NotFound)?;
    match old.state(now) {
        InvitationState::Used => Err(InviteError::ResendAccepted),
        InvitationState::Revoked => Err(InviteError::ResendRevoked),
        InvitationState::Pending | InvitationState::Expired => Ok(InvitationRequest {
            name: old.name,
            email: old.email,
            role: old.role,
            note: old.note,
            permissions: old.permissions,
        }),
    }
}

/// A new invitation (and link) for one that was not accepted or revoked, within the address's
/// daily limit; the old link stops working. The email is queued.
pub async fn resend(
    repo: &dyn Repository,
    mailer: &Mailer,
    network_id: i64,
    invitation_id: i64,
    now: i64,
) -> Result<Queued, InviteError> {
    let who = to_resend(repo, network_id, invitation_id, now).await?;
    invite_into(repo, mailer, network_id, &who, now, false).await
}

/// [`resend`], and the email sent at once (the CLI, which prints the link).
pub async fn resend_now(
    repo: &dyn Repository,
    mailer: &Mailer,
    public_url: &str,
    network_id: i64,
    invitation_id: i64,
    now: i64,
) -> Result<Invited, InviteError> {
    let who = to_resend(repo, network_id, invitation_id, now).await?;
    let queued = invite_into(repo, mailer, network_id, &who, now, true).await?;
    deliver(repo, mailer, public_url, queued, now).await
}

/// Revokes a pending invitation.
pub async fn revoke(
    repo: &dyn Repository,
    network_id: i64,
    invitation_id: i64,
    now: i64,
) -> Result<(), InviteError> {
    if repo
        .revoke_invitation(network_id, invitation_id, now)
        .await?
    {
        return Ok(());
    }
    match repo.invitation_by_id(network_id, invitation_id).await? {
        None => Err(InviteError::NotFound),
        Some(inv) => Err(InviteError::NotPending(state_word(inv.state(now)))),
    }
}

/// Imports a CSV of people to invite. The whole file is read first: a file that cannot be read
/// imports nothing. Then each row is checked on its own (the network's members and pending
/// invitations read once, each row's email built), and the rows to invite are stored in one
/// transaction, each with its own outcome (the daily limit per address as for one invitation);
/// the report says what happened to every row. A database error stores none of them. A
/// Network Admin import gives every invitation `permissions` (`None`: every permission); an
/// ally import ignores them.
pub async fn import_csv(
    repo: &dyn Repository,
    mailer: &Mailer,
    network_id: i64,
    csv: &[u8],
    role: Role,
    permissions: Option<Permissions>,
    now: impl Fn() -> i64,
) -> Result<InvitationImport, InviteError> {
    let network = repo
        .network_name(network_id)
        .await?
        .ok_or(InviteError::NoNetwork)?;
    let file = csvfile::parse(csv)?;
    let members = repo.member_emails(network_id).await?;
    let pending = repo.pending_invitation_emails(network_id, now()).await?;
    let mut seen = HashSet::new();
    let mut report = InvitationImport {
        header: file.header,
        sent: 0,
        emails_queued: 0,
        rows: Vec::with_capacity(file.rows.len()),
    };
    // The rows to store: where each is in the report, and whether it replaces a pending
    // invitation.
    let mut to_store: Vec<(usize, bool)> = Vec::new();
    let mut invitations: Vec<NewInvitation> = Vec::new();
    for row in file.rows {
        let mut out = ImportRow {
            line: row.line,
            name: row.name.clone(),
            email: row.email.clone(),
            outcome: ImportOutcome::Invited,
            invitation_id: None,
            message: None,
        };
        let checked = check_email(&row.email)
            .and_then(|email| check_name("name", &row.name).map(|name| (name, email)));
        match checked {
            Err(InviteError::Invalid(message)) => {
                out.outcome = if message.contains("email") {
                    ImportOutcome::InvalidEmail
                } else {
                    ImportOutcome::MissingName
                };
                out.message = Some(message);
            }
            Err(e) => return Err(e),
            Ok((name, email)) => {
                let email_norm = normalize_email(&email);
                if !seen.insert(email_norm.clone()) {
                    out.outcome = ImportOutcome::DuplicateInFile;
                } else if members.contains(&email_norm) {
                    out.outcome = ImportOutcome::AlreadyMember;
                } else {
                    let request = InviteRequest {
                        network: network.clone(),
                        email,
                        name,
                        role,
                    };
                    let extras = Extras {
                        note: None,
                        permissions,
                    };
                    let daily_limit = Some(MAX_INVITATION_EMAILS_PER_DAY);
                    match prepare(mailer, &request, extras, now(), false, daily_limit) {
                        Ok(new) => {
                            to_store.push((report.rows.len(), pending.contains(&email_norm)));
                            invitations.push(new);
                        }
                        Err(e) => {
                            tracing::warn!(line = row.line, error = %e, "import row failed");
                            out.outcome = ImportOutcome::Failed;
                            out.message = Some(e.to_string());
                        }
                    }
                }
            }
        }
        report.rows.push(out);
    }
    let outcomes = repo.create_invitations(&invitations).await?;
    for (((at, replaces), new), outcome) in to_store.into_iter().zip(&invitations).zip(outcomes) {
        let out = &mut report.rows[at];
        match queued_or_refused(new, outcome) {
            Ok(queued) => {
                report.sent += 1;
                report.emails_queued += 1;
                out.invitation_id = Some(queued.invitation_id);
                if replaces {
                    out.outcome = ImportOutcome::AlreadyInvited;
                }
            }
            Err(e) => {
                tracing::warn!(line = out.line, error = %e, "import row failed");
                out.outcome = ImportOutcome::Failed;
                out.message = Some(e.to_string());
            }
        }
    }
    Ok(report)
}
