//! Inviting a person into a network: the one code path used by the CLI, tests, and (later) the
//! admin API.
//!
//! The invitation token is generated here and leaves the server only inside the email (and the
//! returned link, which the CLI prints for developers); the database keeps only its hash.
//! Re-inviting the same email to the same network revokes the earlier pending link, so only the
//! newest email works.

use std::path::PathBuf;

use allyshare_protocol::Role;

use crate::db::{NewInvitation, RepoError, Repository};
use crate::mail::{MailError, Outbox};
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
    /// The `.eml` file written to the outbox.
    pub email_path: PathBuf,
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
    outbox: &Outbox,
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
    let message = outbox.invitation(&name, &email, &network, &link, INVITATION_VALID_DAYS)?;
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
    let email_path = outbox.write(&message)?;
    Ok(Invited {
        link,
        email_path,
        invitation_id: created.invitation_id,
        network_id: created.network_id,
        expires_at,
    })
}
