//! Invitations: the one code path behind the CLI and the admin API — invite one person,
//! import a CSV, list, revoke, re-send.
//!
//! The invitation token is generated here and leaves the server only inside the email (and the
//! returned link, which the CLI prints for developers); the database keeps only its hash.
//! Re-inviting the same email to the same network revokes the earlier pending link, so only the
//! newest email works.

use std::collections::HashSet;
use std::path::PathBuf;

use allyshare_protocol::{ImportOutcome, ImportRow, InvitationImport, InvitationRequest, Role};

use crate::csvfile::{self, CsvError};
use crate::db::{normalize_email, InvitationState, NewInvitation, RepoError, Repository};
use crate::mail::{MailError, Mailer};
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
    #[error("{0} is already a member of this network")]
    AlreadyMember(String),
    #[error("no such network")]
    NoNetwork,
    #[error("no such invitation")]
    NotFound,
    #[error("this invitation was {0} already")]
    NotPending(&'static str),
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

fn check_name(what: &str, value: &str) -> Result<String, InviteError> {
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
fn check_email(email: &str) -> Result<String, InviteError> {
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

/// Creates the invitation (and the network if new), writes the email to the outbox, and
/// returns the link.
pub async fn invite(
    repo: &dyn Repository,
    mailer: &Mailer,
    public_url: &str,
    request: &InviteRequest,
    now: i64,
) -> Result<Invited, InviteError> {
    let network = check_name("network name", &request.network)?;
    let name = check_name("name", &request.name)?;
    let email = check_email(&request.email)?;
    let token = new_token();
    let expires_at = now + INVITATION_TTL_SECS;
    let link = format!("{}/invite/{token}", public_url.trim_end_matches('/'));
    let message = mailer.invitation(&name, &email, &network, &link, INVITATION_VALID_DAYS)?;
    let created = repo
        .create_invitation(&NewInvitation {
            network_name: network.clone(),
            email: email.clone(),
            name: name.clone(),
            role: request.role,
            token_hash: hash_token(&token),
            now,
            expires_at,
        })
        .await?;
    let delivery = mailer.send(message).await?;
    Ok(Invited {
        link,
        email_path: delivery.path().map(PathBuf::from),
        invitation_id: created.invitation_id,
        network_id: created.network_id,
        expires_at,
    })
}

/// Invites a person into an existing network, unless they are a member already.
pub async fn invite_member(
    repo: &dyn Repository,
    mailer: &Mailer,
    public_url: &str,
    network_id: i64,
    who: &InvitationRequest,
    now: i64,
) -> Result<Invited, InviteError> {
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
    invite(repo, mailer, public_url, &request, now).await
}

/// Sends a new link for an invitation that was not accepted (the old link stops working).
pub async fn resend(
    repo: &dyn Repository,
    mailer: &Mailer,
    public_url: &str,
    network_id: i64,
    invitation_id: i64,
    now: i64,
) -> Result<Invited, InviteError> {
    let old = repo
        .invitation_by_id(network_id, invitation_id)
        .await?
        .ok_or(InviteError::NotFound)?;
    if old.state(now) == InvitationState::Used {
        return Err(InviteError::NotPending("accepted"));
    }
    let who = InvitationRequest {
        name: old.name,
        email: old.email,
        role: old.role,
    };
    invite_member(repo, mailer, public_url, network_id, &who, now).await
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
/// imports nothing. Then each row is invited on its own, and the report says what happened.
pub async fn import_csv(
    repo: &dyn Repository,
    mailer: &Mailer,
    public_url: &str,
    network_id: i64,
    csv: &[u8],
    role: Role,
    now: impl Fn() -> i64,
) -> Result<InvitationImport, InviteError> {
    repo.network_name(network_id)
        .await?
        .ok_or(InviteError::NoNetwork)?;
    let file = csvfile::parse(csv)?;
    let mut seen = HashSet::new();
    let mut report = InvitationImport {
        header: file.header,
        sent: 0,
        rows: Vec::with_capacity(file.rows.len()),
    };
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
                if !seen.insert(normalize_email(&email)) {
                    out.outcome = ImportOutcome::DuplicateInFile;
                } else if repo.is_member(network_id, &email).await? {
                    out.outcome = ImportOutcome::AlreadyMember;
                } else {
                    let pending = repo
                        .has_pending_invitation(network_id, &email, now())
                        .await?;
                    let who = InvitationRequest { name, email, role };
                    match invite_member(repo, mailer, public_url, network_id, &who, now()).await {
                        Ok(invited) => {
                            report.sent += 1;
                            out.invitation_id = Some(invited.invitation_id);
                            if pending {
                                out.outcome = ImportOutcome::AlreadyInvited;
                            }
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
    Ok(report)
}
