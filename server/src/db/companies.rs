//! A network's companies in SQLite (migrations 0012, 0016): the companies themselves, their
//! Company Admins, and the invitations to become one. Accepting an invitation makes the person
//! a Company Admin and sends the company's waiting requests on, in one transaction
//! ([`super::intro_requests::contact_joined`]). Removing a company's last Company Admin sends
//! the requests that were waiting on them back to the Inbox's *Out of network*, in the same
//! transaction ([`super::intro_requests::no_company_admin_left`]).
//!
//! Inviting, re-sending, revoking and removing each write their line of the network's audit
//! log in their own transaction. An address gets at most a few invitation emails a day from one
//! network (the member invitations' rule, counted from the mail queue): past it, inviting and
//! re-sending are refused and store nothing.

use async_trait::async_trait;
use sqlx::Row;

use super::intro_requests::{contact_joined, no_company_admin_left, Actor};
use super::members::{record_in, AuditAction, NewAuditEntry};
use super::{normalize_email, RepoError, SqliteRepository};

/// A day, in seconds.
const DAY: i64 = 24 * 60 * 60;

/// A company of a network, with what the console's list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyRecord {
    pub id: i64,
    pub network_id: i64,
    pub network_name: String,
    pub name: String,
    pub website: Option<String>,
    pub description: Option<String>,
    /// How many Company Admins it has.
    pub admins: i64,
    /// How many of its requests wait for a Company Admin.
    pub waiting: i64,
}

/// A company to create (checked text).
#[derive(Debug, Clone)]
pub struct NewCompany<'a> {
    pub network_id: i64,
    pub name: &'a str,
    pub website: Option<&'a str>,
    pub description: Option<&'a str>,
    pub now: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanyCreated {
    Created(i64),
    /// The network has a company of this name already (its id): nothing stored.
    NameTaken(i64),
}

/// An invitation to become a Company Admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyInvitation {
    pub id: i64,
    pub network_id: i64,
    pub network_name: String,
    pub company_id: i64,
    pub company_name: String,
    pub name: String,
    pub email: String,
    pub invited_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl CompanyInvitation {
    /// Its link works now.
    pub fn is_pending(&self, now: i64) -> bool {
        self.used_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }
}

/// A Company Admin of a company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyAdminRecord {
    pub person_id: i64,
    pub name: String,
    pub email: String,
    pub since: i64,
}

/// Refused: the address got this many invitation emails from the network in the last day; the
/// next is allowed in `retry_after` seconds. Nothing was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyEmails {
    pub sent: u32,
    pub retry_after: i64,
}

/// What re-sending or revoking a Company Admin invitation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationChange {
    Done,
    /// Accepted or revoked already: nothing changed.
    NotPending,
    NotFound,
    TooManyEmails(TooManyEmails),
}

/// What removing a Company Admin did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminRemoved {
    Removed {
        admins_left: i64,
        /// Requests to the company sent back to *Out of network* (none left to receive them).
        back_to_inbox: usize,
    },
    /// Not a Company Admin of this company: nothing changed.
    NotAdmin,
}

/// An invitation to store (its email queued with it).
#[derive(Debug, Clone)]
pub struct NewCompanyInvitation<'a> {
    pub network_id: i64,
    pub company_id: i64,
    pub name: &'a str,
    pub email: &'a str,
    pub invited_by: i64,
    /// Nobody holds this token: the link is made when the email is sent.
    pub token_hash: &'a str,
    pub now: i64,
    pub expires_at: i64,
    /// Refuse when the address had this many invitation emails from the network in a day.
    pub daily_limit: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanyInvited {
    Invited(i64),
    /// The address is a Company Admin of this company already: nothing stored.
    AlreadyAdmin,
    NoSuchCompany,
    TooManyEmails(TooManyEmails),
}

/// What accepting an invitation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanyAccepted {
    Joined {
        person_id: i64,
        network_id: i64,
        company_id: i64,
        /// Waiting requests sent on (or to review).
        delivered: usize,
    },
    /// Used or expired meanwhile: nothing changed.
    NotPending,
    /// A new account needs a password.
    PasswordRequired,
}

#[async_trait]
pub trait Companies: Send + Sync {
    async fn create_company(&self, company: &NewCompany<'_>) -> Result<CompanyCreated, RepoError>;
    /// The network's companies by name; with `search`, those whose name contains it.
    async fn companies(
        &self,
        network_id: i64,
        search: Option<&str>,
    ) -> Result<Vec<CompanyRecord>, RepoError>;
    async fn company(
        &self,
        network_id: i64,
        company_id: i64,
    ) -> Result<Option<CompanyRecord>, RepoError>;
    /// The company, if the person is one of its Company Admins.
    async fn company_of_admin(
        &self,
        person_id: i64,
        company_id: i64,
    ) -> Result<Option<CompanyRecord>, RepoError>;
    /// The companies the person is a Company Admin of.
    async fn companies_of_admin(&self, person_id: i64) -> Result<Vec<CompanyRecord>, RepoError>;
    /// The company's Company Admins: (name, email).
    async fn company_admins(
        &self,
        network_id: i64,
        company_id: i64,
    ) -> Result<Vec<(String, String)>, RepoError>;
    async fn invite_company_admin(
        &self,
        invitation: &NewCompanyInvitation<'_>,
    ) -> Result<CompanyInvited, RepoError>;
    /// At send time: a fresh token for a pending invitation (the previous link stops working).
    async fn issue_company_invitation_token(
        &self,
        invitation_id: i64,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<CompanyInvitation>, RepoError>;
    async fn find_company_invitation(
        &self,
        token_hash: &str,
    ) -> Result<Option<CompanyInvitation>, RepoError>;
    async fn accept_company_invitation(
        &self,
        invitation_id: i64,
        password_hash: Option<&str>,
        now: i64,
    ) -> Result<CompanyAccepted, RepoError>;
    /// The company's Company Admins, by name.
    async fn company_admin_list(
        &self,
        network_id: i64,
        company_id: i64,
    ) -> Result<Vec<CompanyAdminRecord>, RepoError>;
    /// The company's invitations to become a Company Admin, newest first (at most 200).
    async fn company_invitations(
        &self,
        network_id: i64,
        company_id: i64,
    ) -> Result<Vec<CompanyInvitation>, RepoError>;
    /// *Resend* (`resend`): queues an invitation's email again (one not accepted or revoked;
    /// an expired one too), valid until `expires_at`, within the daily limit. Else *Revoke* a
    /// pending one: its link stops working. Audited as `by`.
    async fn change_company_invitation(
        &self,
        company: (i64, i64),
        invitation_id: i64,
        resend: bool,
        change: InvitationWork,
    ) -> Result<InvitationChange, RepoError>;
    /// Removes a Company Admin of the company; with none left, the requests to the company
    /// waiting on them go back to *Out of network*. Audited as `by`.
    async fn remove_company_admin(
        &self,
        network_id: i64,
        company_id: i64,
        person_id: i64,
        by: i64,
        now: i64,
    ) -> Result<AdminRemoved, RepoError>;
}

/// Who changes an invitation, when, and the rules of a re-send.
#[derive(Debug, Clone, Copy)]
pub struct InvitationWork {
    pub by: i64,
    pub now: i64,
    /// A re-sent invitation works until then.
    pub expires_at: i64,
    pub daily_limit: u32,
}

/// How many invitation emails to become a Company Admin the address got from the network in
/// the last day, as a refusal when that is `limit` or more.
async fn over_daily_limit(
    tx: &mut sqlx::SqliteConnection,
    network_id: i64,
    email_norm: &str,
    limit: u32,
    now: i64,
) -> Result<Option<TooManyEmails>, RepoError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS sent, MIN(m.created_at) AS oldest
         FROM mail_queue m JOIN company_admin_invitations i
           ON i.id = m.company_admin_invitation_id
         WHERE i.network_id = ? AND i.email_norm = ? AND m.created_at > ?",
    )
    .bind(network_id)
    .bind(email_norm)
    .bind(now - DAY)
    .fetch_one(&mut *tx)
    .await?;
    let sent: i64 = row.try_get("sent")?;
    if sent < i64::from(limit) {
        return Ok(None);
    }
    let oldest: Option<i64> = row.try_get("oldest")?;
    Ok(Some(TooManyEmails {
        sent: u32::try_from(sent).unwrap_or(u32::MAX),
        retry_after: (oldest.unwrap_or(now) + DAY - now).max(1),
    }))
}

/// A change to a Company Admin (or an invitation to become one), for the audit log.
struct Change<'a> {
    network_id: i64,
    company_id: i64,
    /// Who made it.
    by: i64,
    action: AuditAction,
    /// To whom.
    name: &'a str,
    email: &'a str,
    now: i64,
}

/// The audit line of a change: who, to whom, which company.
async fn audit(tx: &mut sqlx::SqliteConnection, c: Change<'_>) -> Result<(), RepoError> {
    let company = company_name(tx, c.network_id, c.company_id).await?;
    let (network_id, by, action, now) = (c.network_id, c.by, c.action, c.now);
    let subject = format!("{} <{}>", c.name, c.email);
    let detail = format!("Company Admin of {company}");
    record_in(
        tx,
        &NewAuditEntry {
            network_id,
            actor: super::members::Actor::Person(by),
            action,
            subject: &subject,
            detail: Some(&detail),
            now,
        },
    )
    .await
}

/// Queues an invitation's email.
async fn queue_invitation_email(
    tx: &mut sqlx::SqliteConnection,
    invitation_id: i64,
    now: i64,
) -> Result<(), RepoError> {
    sqlx::query(
        "INSERT INTO mail_queue (company_admin_invitation_id, created_at, next_attempt_at)
         VALUES (?, ?, ?)",
    )
    .bind(invitation_id)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

const COMPANY_SELECT: &str = "SELECT c.id, c.network_id, n.name AS network_name, c.name,
        c.website, c.description,
        (SELECT COUNT(*) FROM company_admins ca
          WHERE ca.company_id = c.id AND ca.network_id = c.network_id) AS admins,
        (SELECT COUNT(*) FROM intro_requests r WHERE r.company_id = c.id
          AND r.network_id = c.network_id AND r.state = 'out_of_network') AS waiting
    FROM companies c JOIN networks n ON n.id = c.network_id";

fn company_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<CompanyRecord, RepoError> {
    Ok(CompanyRecord {
        id: row.try_get("id")?,
        network_id: row.try_get("network_id")?,
        network_name: row.try_get("network_name")?,
        name: row.try_get("name")?,
        website: row.try_get("website")?,
        description: row.try_get("description")?,
        admins: row.try_get("admins")?,
        waiting: row.try_get("waiting")?,
    })
}

const INVITATION_SELECT: &str = "SELECT i.id, i.network_id, n.name AS network_name,
        i.company_id, c.name AS company_name, i.name, i.email, pe.name AS invited_by,
        i.created_at, i.expires_at, i.used_at, i.revoked_at
    FROM company_admin_invitations i
    JOIN companies c ON c.id = i.company_id AND c.network_id = i.network_id
    JOIN networks n ON n.id = i.network_id
    LEFT JOIN people pe ON pe.id = i.invited_by";

fn invitation_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<CompanyInvitation, RepoError> {
    Ok(CompanyInvitation {
        id: row.try_get("id")?,
        network_id: row.try_get("network_id")?,
        network_name: row.try_get("network_name")?,
        company_id: row.try_get("company_id")?,
        company_name: row.try_get("company_name")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        invited_by: row.try_get("invited_by")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// `%`, `_` and `\` escaped for a `LIKE … ESCAPE '\'`.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[async_trait]
impl Companies for SqliteRepository {
    async fn create_company(&self, c: &NewCompany<'_>) -> Result<CompanyCreated, RepoError> {
        let name_norm = c.name.trim().to_lowercase();
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO companies (network_id, name, name_norm, website, description, created_at)
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (network_id, name_norm) DO NOTHING
             RETURNING id",
        )
        .bind(c.network_id)
        .bind(c.name)
        .bind(&name_norm)
        .bind(c.website)
        .bind(c.description)
        .bind(c.now)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(id) = id {
            return Ok(CompanyCreated::Created(id));
        }
        let existing: i64 =
            sqlx::query_scalar("SELECT id FROM companies WHERE network_id = ? AND name_norm = ?")
                .bind(c.network_id)
                .bind(&name_norm)
                .fetch_one(&self.pool)
                .await?;
        Ok(CompanyCreated::NameTaken(existing))
    }

    async fn companies(
        &self,
        network_id: i64,
        search: Option<&str>,
    ) -> Result<Vec<CompanyRecord>, RepoError> {
        let pattern = search.map(|s| format!("%{}%", like_escaped(&s.to_lowercase())));
        let rows = sqlx::query(&format!(
            "{COMPANY_SELECT} WHERE c.network_id = ?
               AND (? IS NULL OR c.name_norm LIKE ? ESCAPE '\\')
             ORDER BY c.name_norm, c.id LIMIT 1000"
        ))
        .bind(network_id)
        .bind(&pattern)
        .bind(&pattern)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(company_from_row).collect()
    }

    async fn company(
        &self,
        network_id: i64,
        company_id: i64,
    ) -> Result<Option<CompanyRecord>, RepoError> {
        sqlx::query(&format!(
            "{COMPANY_SELECT} WHERE c.network_id = ? AND c.id = ?"
        ))
        .bind(network_id)
        .bind(company_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(company_from_row)
        .transpose()
    }

    async fn company_of_admin(
        &self,
        person_id: i64,
        company_id: i64,
    ) -> Result<Option<CompanyRecord>, RepoError> {
        sqlx::query(&format!(
            "{COMPANY_SELECT} WHERE c.id = ? AND EXISTS (SELECT 1 FROM company_admins ca
               WHERE ca.company_id = c.id AND ca.network_id = c.network_id AND ca.person_id = ?)"
        ))
        .bind(company_id)
        .bind(person_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(company_from_row)
        .transpose()
    }

    async fn companies_of_admin(&self, person_id: i64) -> Result<Vec<CompanyRecord>, RepoError> {
        let rows = sqlx::query(&format!(
            "{COMPANY_SELECT} WHERE EXISTS (SELECT 1 FROM company_admins ca
               WHERE ca.company_id = c.id AND ca.network_id = c.network_id AND ca.person_id = ?)
             ORDER BY c.name_norm, c.id"
        ))
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(company_from_row).collect()
    }

    async fn company_admins(
        &self,
        network_id: i64,
        company_id: i64,
    ) -> Result<Vec<(String, String)>, RepoError> {
        let mut conn = self.pool.acquire().await?;
        super::intro_requests::company_admins_in(&mut conn, network_id, company_id).await
    }

    async fn invite_company_admin(
        &self,
        i: &NewCompanyInvitation<'_>,
    ) -> Result<CompanyInvited, RepoError> {
        let mut tx = self.pool.begin().await?;
        let email_norm = normalize_email(i.email);
        // A write first: the transaction holds the write lock from the start.
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO company_admin_invitations (network_id, company_id, name, email,
               email_norm, invited_by, token_hash, created_at, expires_at)
             SELECT ?, c.id, ?, ?, ?, ?, ?, ?, ? FROM companies c
             WHERE c.network_id = ? AND c.id = ?
             RETURNING id",
        )
        .bind(i.network_id)
        .bind(i.name)
        .bind(i.email.trim())
        .bind(&email_norm)
        .bind(i.invited_by)
        .bind(i.token_hash)
        .bind(i.now)
        .bind(i.expires_at)
        .bind(i.network_id)
        .bind(i.company_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Ok(CompanyInvited::NoSuchCompany);
        };
        let already: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM company_admins ca JOIN people pe ON pe.id = ca.person_id
               WHERE ca.network_id = ? AND ca.company_id = ? AND pe.email_norm = ?)",
        )
        .bind(i.network_id)
        .bind(i.company_id)
        .bind(&email_norm)
        .fetch_one(&mut *tx)
        .await?;
        if already {
            return Ok(CompanyInvited::AlreadyAdmin);
        }
        if let Some(refused) =
            over_daily_limit(&mut tx, i.network_id, &email_norm, i.daily_limit, i.now).await?
        {
            return Ok(CompanyInvited::TooManyEmails(refused));
        }
        queue_invitation_email(&mut tx, id, i.now).await?;
        let change = Change {
            network_id: i.network_id,
            company_id: i.company_id,
            by: i.invited_by,
            action: AuditAction::Invited,
            name: i.name,
            email: i.email.trim(),
            now: i.now,
        };
        audit(&mut tx, change).await?;
        tx.commit().await?;
        Ok(CompanyInvited::Invited(id))
    }

    async fn issue_company_invitation_token(
        &self,
        invitation_id: i64,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<CompanyInvitation>, RepoError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE company_admin_invitations SET token_hash = ?
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
        Ok(Some(invitation_from_row(&row)?))
    }

    async fn find_company_invitation(
        &self,
        token_hash: &str,
    ) -> Result<Option<CompanyInvitation>, RepoError> {
        sqlx::query(&format!("{INVITATION_SELECT} WHERE i.token_hash = ?"))
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(invitation_from_row)
            .transpose()
    }

    async fn accept_company_invitation(
        &self,
        invitation_id: i64,
        password_hash: Option<&str>,
        now: i64,
    ) -> Result<CompanyAccepted, RepoError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE company_admin_invitations SET used_at = ?
             WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?
             RETURNING network_id, company_id, name, email, email_norm",
        )
        .bind(now)
        .bind(invitation_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(CompanyAccepted::NotPending);
        };
        let network_id: i64 = row.try_get("network_id")?;
        let company_id: i64 = row.try_get("company_id")?;
        let name: String = row.try_get("name")?;
        let email: String = row.try_get("email")?;
        let email_norm: String = row.try_get("email_norm")?;
        let Some((person_id, person_name, _)) =
            super::person_accepting(&mut tx, &name, &email, &email_norm, password_hash, now)
                .await?
        else {
            return Ok(CompanyAccepted::PasswordRequired);
        };
        sqlx::query(
            "INSERT INTO company_admins (network_id, company_id, person_id, created_at)
             VALUES (?, ?, ?, ?) ON CONFLICT (company_id, person_id) DO NOTHING",
        )
        .bind(network_id)
        .bind(company_id)
        .bind(person_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let by = Actor {
            person_id,
            name: &person_name,
        };
        let delivered = contact_joined(&mut tx, network_id, company_id, by, now).await?;
        tx.commit().await?;
        Ok(CompanyAccepted::Joined {
            person_id,
            network_id,
            company_id,
            delivered,
        })
    }

    async fn company_admin_list(
        &self,
        network_id: i64,
        company_id: i64,
    ) -> Result<Vec<CompanyAdminRecord>, RepoError> {
        let rows = sqlx::query(
            "SELECT pe.id, pe.name, pe.email, ca.created_at FROM company_admins ca
             JOIN people pe ON pe.id = ca.person_id
             WHERE ca.network_id = ? AND ca.company_id = ? ORDER BY pe.name, pe.id",
        )
        .bind(network_id)
        .bind(company_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CompanyAdminRecord {
                    person_id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    email: r.try_get("email")?,
                    since: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn company_invitations(
        &self,
        network_id: i64,
        company_id: i64,
    ) -> Result<Vec<CompanyInvitation>, RepoError> {
        let rows = sqlx::query(&format!(
            "{INVITATION_SELECT} WHERE i.network_id = ? AND i.company_id = ?
             ORDER BY i.id DESC LIMIT 200"
        ))
        .bind(network_id)
        .bind(company_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(invitation_from_row).collect()
    }

    async fn change_company_invitation(
        &self,
        (network_id, company_id): (i64, i64),
        invitation_id: i64,
        resend: bool,
        w: InvitationWork,
    ) -> Result<InvitationChange, RepoError> {
        let mut tx = self.pool.begin().await?;
        // A write first: the transaction holds the write lock from the start. A re-send gives
        // an invitation (even an expired one) a new week; a revoke needs a pending one.
        let row = sqlx::query(
            "UPDATE company_admin_invitations
             SET expires_at = CASE WHEN ?1 THEN ?2 ELSE expires_at END,
                 revoked_at = CASE WHEN ?1 THEN NULL ELSE ?3 END
             WHERE id = ?4 AND network_id = ?5 AND company_id = ?6
               AND used_at IS NULL AND revoked_at IS NULL AND (?1 OR expires_at > ?3)
             RETURNING name, email, email_norm",
        )
        .bind(resend)
        .bind(w.expires_at)
        .bind(w.now)
        .bind(invitation_id)
        .bind(network_id)
        .bind(company_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return not_pending_or_missing(&mut tx, network_id, company_id, invitation_id).await;
        };
        let (name, email, email_norm): (String, String, String) = (
            row.try_get("name")?,
            row.try_get("email")?,
            row.try_get("email_norm")?,
        );
        let action = if resend {
            let limit = w.daily_limit;
            if let Some(refused) =
                over_daily_limit(&mut tx, network_id, &email_norm, limit, w.now).await?
            {
                return Ok(InvitationChange::TooManyEmails(refused));
            }
            queue_invitation_email(&mut tx, invitation_id, w.now).await?;
            AuditAction::Resent
        } else {
            AuditAction::Revoked
        };
        let change = Change {
            network_id,
            company_id,
            by: w.by,
            action,
            name: &name,
            email: &email,
            now: w.now,
        };
        audit(&mut tx, change).await?;
        tx.commit().await?;
        Ok(InvitationChange::Done)
    }

    async fn remove_company_admin(
        &self,
        network_id: i64,
        company_id: i64,
        person_id: i64,
        by: i64,
        now: i64,
    ) -> Result<AdminRemoved, RepoError> {
        let mut tx = self.pool.begin().await?;
        let removed = sqlx::query(
            "DELETE FROM company_admins WHERE network_id = ? AND company_id = ? AND person_id = ?",
        )
        .bind(network_id)
        .bind(company_id)
        .bind(person_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if removed == 0 {
            return Ok(AdminRemoved::NotAdmin);
        }
        let admins_left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM company_admins WHERE network_id = ? AND company_id = ?",
        )
        .bind(network_id)
        .bind(company_id)
        .fetch_one(&mut *tx)
        .await?;
        let (name, email): (String, String) =
            sqlx::query_as("SELECT name, email FROM people WHERE id = ?")
                .bind(person_id)
                .fetch_one(&mut *tx)
                .await?;
        let back_to_inbox = if admins_left == 0 {
            let by_name: String = sqlx::query_scalar("SELECT name FROM people WHERE id = ?")
                .bind(by)
                .fetch_optional(&mut *tx)
                .await?
                .unwrap_or_default();
            let actor = Actor {
                person_id: by,
                name: &by_name,
            };
            no_company_admin_left(&mut tx, network_id, company_id, actor, now).await?
        } else {
            0
        };
        let change = Change {
            network_id,
            company_id,
            by,
            action: AuditAction::Removed,
            name: &name,
            email: &email,
            now,
        };
        audit(&mut tx, change).await?;
        tx.commit().await?;
        Ok(AdminRemoved::Removed {
            admins_left,
            back_to_inbox,
        })
    }
}

/// The company's name (it exists: the caller changed one of its rows).
async fn company_name(
    tx: &mut sqlx::SqliteConnection,
    network_id: i64,
    company_id: i64,
) -> Result<String, RepoError> {
    Ok(
        sqlx::query_scalar("SELECT name FROM companies WHERE network_id = ? AND id = ?")
            .bind(network_id)
            .bind(company_id)
            .fetch_one(&mut *tx)
            .await?,
    )
}

/// Why an invitation of the network's company could not be changed.
async fn not_pending_or_missing(
    tx: &mut sqlx::SqliteConnection,
    network_id: i64,
    company_id: i64,
    invitation_id: i64,
) -> Result<InvitationChange, RepoError> {
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM company_admin_invitations
           WHERE id = ? AND network_id = ? AND company_id = ?)",
    )
    .bind(invitation_id)
    .bind(network_id)
    .bind(company_id)
    .fetch_one(&mut *tx)
    .await?;
    Ok(if exists {
        InvitationChange::NotPending
    } else {
        InvitationChange::NotFound
    })
}
