//! A network's companies and their Company Admins, as services the console pages call (the
//! one place their rules live): creating a company (one by one, or from a CSV), inviting a
//! point of contact or a colleague to be a Company Admin, and accepting that invitation.
//!
//! Who may do what: a Network Admin holding *Review introduction requests* manages the
//! network's companies and invites their points of contact (the Inbox's work); a Company
//! Admin invites colleagues to their own company only. The invitation's email goes through
//! the mail queue; accepting it makes the person a Company Admin and delivers every request
//! waiting for the company, in one transaction ([`crate::db::companies`]).
//!
//! A Network Admin who reviews requests also re-sends and revokes a company's pending
//! invitations (the member invitations' rules: at most
//! [`crate::invite::MAX_INVITATION_EMAILS_PER_DAY`] emails a day to one address from one
//! network), and removes a Company Admin; a Company Admin removes a colleague of their own
//! company (or leaves it), never anyone of another company. With its last Company Admin gone,
//! the company's waiting requests go back to the Inbox's *Out of network*
//! ([`crate::intro_requests`]). Each change is in the network's audit log.

use allyshare_protocol::Permission;

use crate::api::{require_permission_of, ApiFailure};
use crate::db::companies::{
    AdminRemoved, CompanyAdminRecord, CompanyCreated, CompanyInvitation, CompanyInvited,
    CompanyRecord, InvitationChange, InvitationWork, NewCompany, NewCompanyInvitation,
    TooManyEmails,
};
use crate::db::RepoError;
use crate::intro_mail::COMPANY_INVITATION_VALID_DAYS;
use crate::invite::{check_email, check_name, MAX_INVITATION_EMAILS_PER_DAY};
use crate::tokens::{hash_token, new_token};
use crate::App;

/// Longest company website, in characters.
pub const WEBSITE_MAX_CHARS: usize = allyshare_protocol::intros::COMPANY_WEBSITE_MAX_CHARS;
/// Longest company description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = allyshare_protocol::intros::COMPANY_DESCRIPTION_MAX_CHARS;

/// Why a company action was refused (nothing changed).
#[derive(Debug, thiserror::Error)]
pub enum CompanyError {
    /// A field's problem, phrased to follow "error:".
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("a company of this name exists already")]
    NameTaken(i64),
    #[error("this person is a Company Admin of the company already")]
    AlreadyAdmin,
    #[error("no such company")]
    NotFound,
    #[error("no such invitation to this company")]
    NoInvitation,
    #[error(
        "this invitation was accepted or revoked already, so it cannot be changed: invite the \
         person again if needed"
    )]
    NotPending,
    #[error("this person is not a Company Admin of this company")]
    NotAdmin,
    #[error(
        "the address got {} invitation emails from this network in the last 24 hours, the most \
         allowed: try again in {}",
        .0.sent,
        crate::invite::wait_words(.0.retry_after)
    )]
    TooManyEmails(TooManyEmails),
    #[error("{0}")]
    Unreadable(#[from] crate::csvfile::CsvError),
    #[error(transparent)]
    Refused(#[from] ApiFailure),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// A website or domain: `acme.example` or `https://acme.example/jobs`; stored as typed.
pub fn check_website(website: &str) -> Result<Option<String>, CompanyError> {
    let website = website.trim();
    if website.is_empty() {
        return Ok(None);
    }
    let invalid = |message: &str| CompanyError::Invalid {
        field: "website",
        message: message.to_string(),
    };
    if website.chars().count() > WEBSITE_MAX_CHARS {
        return Err(invalid("too long"));
    }
    let host = website
        .strip_prefix("https://")
        .or_else(|| website.strip_prefix("http://"))
        .unwrap_or(website);
    let host = host.split('/').next().unwrap_or("");
    let ok = host.contains('.')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && !website.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(invalid("not a website or domain"));
    }
    Ok(Some(website.to_string()))
}

fn check_description(description: &str) -> Result<Option<String>, CompanyError> {
    match crate::intro_requests::check_text(description, DESCRIPTION_MAX_CHARS) {
        Ok(text) => Ok(Some(text)),
        Err(crate::intro_requests::TextError::Empty) => Ok(None),
        Err(e) => Err(CompanyError::Invalid {
            field: "description",
            message: e.to_string(),
        }),
    }
}

/// What became (or, on the preview, will become) of one row of a companies file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    Added,
    /// The network has a company of this name (or an earlier row had it): skipped.
    Exists,
    NoName,
    BadWebsite,
    BadDescription,
}

/// One row's result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportedRow {
    pub line: u32,
    pub name: String,
    pub outcome: RowOutcome,
}

/// The per-row report of a companies import, kept with the import for its result page and
/// download ([`crate::db::imports`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CompaniesReport {
    pub rows: Vec<ImportedRow>,
}

impl CompaniesReport {
    pub fn added(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.outcome == RowOutcome::Added)
            .count()
    }
}

/// What the import will do with each row of a file, before anything is stored: the checks of
/// [`App::create_company`] in its order, and a name the network has (`existing`, normalised
/// as stored: trimmed, lowercased) or an earlier row had is skipped. The preview shows this;
/// the import stores the rows it calls [`RowOutcome::Added`] (a company added meanwhile by
/// someone else is still found and skipped by the database).
pub fn plan_rows(
    rows: &[crate::csvfile::CompanyCsvRow],
    existing: &std::collections::HashSet<String>,
) -> Vec<RowOutcome> {
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .map(|row| {
            if check_name("company name", &row.name).is_err() {
                return RowOutcome::NoName;
            }
            if check_website(&row.website).is_err() {
                return RowOutcome::BadWebsite;
            }
            if check_description(&row.description).is_err() {
                return RowOutcome::BadDescription;
            }
            let norm = row.name.trim().to_lowercase();
            if existing.contains(&norm) || !seen.insert(norm) {
                return RowOutcome::Exists;
            }
            RowOutcome::Added
        })
        .collect()
}

impl App {
    /// The names of the network's companies, normalised as stored, for [`plan_rows`].
    pub async fn company_names(
        &self,
        network_id: i64,
    ) -> Result<std::collections::HashSet<String>, CompanyError> {
        Ok(self
            .repo()
            .companies()
            .companies(network_id, None)
            .await?
            .into_iter()
            .map(|c| c.name.trim().to_lowercase())
            .collect())
    }

    /// Creates the companies of a CSV file (the person must review requests): the whole file
    /// is read first (one that cannot be read creates nothing), then each row on its own.
    pub async fn import_companies(
        &self,
        person_id: i64,
        network_id: i64,
        csv: &[u8],
    ) -> Result<CompaniesReport, CompanyError> {
        require_permission_of(self, person_id, network_id, Permission::ReviewRequests).await?;
        let rows = crate::csvfile::parse_companies(csv)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let outcome = match self
                .create_company(
                    person_id,
                    network_id,
                    &row.name,
                    &row.website,
                    &row.description,
                )
                .await
            {
                Ok(_) => RowOutcome::Added,
                Err(CompanyError::NameTaken(_)) => RowOutcome::Exists,
                Err(CompanyError::Invalid { field: "name", .. }) => RowOutcome::NoName,
                Err(CompanyError::Invalid {
                    field: "website", ..
                }) => RowOutcome::BadWebsite,
                Err(CompanyError::Invalid { .. }) => RowOutcome::BadDescription,
                Err(e) => return Err(e),
            };
            out.push(ImportedRow {
                line: row.line,
                name: row.name,
                outcome,
            });
        }
        Ok(CompaniesReport { rows: out })
    }

    /// Creates a company of the network (the person must review its requests).
    pub async fn create_company(
        &self,
        person_id: i64,
        network_id: i64,
        name: &str,
        website: &str,
        description: &str,
    ) -> Result<i64, CompanyError> {
        require_permission_of(self, person_id, network_id, Permission::ReviewRequests).await?;
        let name = check_name("company name", name).map_err(|e| CompanyError::Invalid {
            field: "name",
            message: e.to_string(),
        })?;
        let website = check_website(website)?;
        let description = check_description(description)?;
        match self
            .repo()
            .companies()
            .create_company(&NewCompany {
                network_id,
                name: &name,
                website: website.as_deref(),
                description: description.as_deref(),
                now: self.now(),
            })
            .await?
        {
            CompanyCreated::Created(id) => Ok(id),
            CompanyCreated::NameTaken(id) => Err(CompanyError::NameTaken(id)),
        }
    }

    /// Invites `name <email>` to be a Company Admin of the network's company: by a Network
    /// Admin who reviews requests (*Add point of contact and suggest intro*), or by one of the
    /// company's Company Admins (a colleague). The email is queued.
    pub async fn invite_company_admin(
        &self,
        person_id: i64,
        company: &CompanyRecord,
        name: &str,
        email: &str,
    ) -> Result<i64, CompanyError> {
        self.require_company_side(person_id, company).await?;
        let name = check_name("name", name).map_err(|e| CompanyError::Invalid {
            field: "name",
            message: e.to_string(),
        })?;
        let email = check_email(email).map_err(|e| CompanyError::Invalid {
            field: "email",
            message: e.to_string(),
        })?;
        let now = self.now();
        let outcome = self
            .repo()
            .companies()
            .invite_company_admin(&NewCompanyInvitation {
                network_id: company.network_id,
                company_id: company.id,
                name: &name,
                email: &email,
                invited_by: person_id,
                token_hash: &hash_token(&new_token()),
                now,
                expires_at: now + COMPANY_INVITATION_VALID_DAYS * 24 * 60 * 60,
                daily_limit: MAX_INVITATION_EMAILS_PER_DAY,
            })
            .await?;
        match outcome {
            CompanyInvited::Invited(id) => {
                self.wake_mail();
                Ok(id)
            }
            CompanyInvited::AlreadyAdmin => Err(CompanyError::AlreadyAdmin),
            CompanyInvited::NoSuchCompany => Err(CompanyError::NotFound),
            CompanyInvited::TooManyEmails(refused) => Err(CompanyError::TooManyEmails(refused)),
        }
    }

    /// Refused unless the person is one of the company's Company Admins or a Network Admin of
    /// its network who reviews requests (who may invite and remove its Company Admins).
    async fn require_company_side(
        &self,
        person_id: i64,
        company: &CompanyRecord,
    ) -> Result<(), CompanyError> {
        let is_company_admin = self
            .repo()
            .companies()
            .company_of_admin(person_id, company.id)
            .await?
            .is_some_and(|c| c.network_id == company.network_id);
        if !is_company_admin {
            require_permission_of(
                self,
                person_id,
                company.network_id,
                Permission::ReviewRequests,
            )
            .await?;
        }
        Ok(())
    }

    /// The network's company, for a Network Admin who reviews requests.
    pub async fn reviewed_company(
        &self,
        person_id: i64,
        network_id: i64,
        company_id: i64,
    ) -> Result<CompanyRecord, CompanyError> {
        require_permission_of(self, person_id, network_id, Permission::ReviewRequests).await?;
        self.repo()
            .companies()
            .company(network_id, company_id)
            .await?
            .ok_or(CompanyError::NotFound)
    }

    /// The company's Company Admins and its invitations to become one.
    pub async fn company_team(
        &self,
        company: &CompanyRecord,
    ) -> Result<(Vec<CompanyAdminRecord>, Vec<CompanyInvitation>), CompanyError> {
        let companies = self.repo().companies();
        Ok((
            companies
                .company_admin_list(company.network_id, company.id)
                .await?,
            companies
                .company_invitations(company.network_id, company.id)
                .await?,
        ))
    }

    fn invitation_work(&self, person_id: i64) -> InvitationWork {
        let now = self.now();
        InvitationWork {
            by: person_id,
            now,
            expires_at: now + COMPANY_INVITATION_VALID_DAYS * 24 * 60 * 60,
            daily_limit: MAX_INVITATION_EMAILS_PER_DAY,
        }
    }

    /// *Resend* (`resend`) or *Revoke* a pending invitation of the network's company, by a
    /// Network Admin who reviews requests.
    pub async fn change_company_invitation(
        &self,
        person_id: i64,
        network_id: i64,
        company_id: i64,
        invitation_id: i64,
        resend: bool,
    ) -> Result<(), CompanyError> {
        let company = self
            .reviewed_company(person_id, network_id, company_id)
            .await?;
        let companies = self.repo().companies();
        let work = self.invitation_work(person_id);
        let ids = (company.network_id, company.id);
        let outcome = companies
            .change_company_invitation(ids, invitation_id, resend, work)
            .await?;
        match outcome {
            InvitationChange::Done => {
                if resend {
                    self.wake_mail();
                }
                Ok(())
            }
            InvitationChange::NotPending => Err(CompanyError::NotPending),
            InvitationChange::NotFound => Err(CompanyError::NoInvitation),
            InvitationChange::TooManyEmails(refused) => Err(CompanyError::TooManyEmails(refused)),
        }
    }

    /// Removes `admin_id` from the company's Company Admins: by a Network Admin of its network
    /// who reviews requests, or by one of the company's own Company Admins (a colleague, or
    /// themselves). Anyone else is refused; someone who is not a Company Admin of this company
    /// is [`CompanyError::NotAdmin`]. `(admins left, requests back to the Inbox)`.
    pub async fn remove_company_admin(
        &self,
        person_id: i64,
        company: &CompanyRecord,
        admin_id: i64,
    ) -> Result<(i64, usize), CompanyError> {
        self.require_company_side(person_id, company).await?;
        match self
            .repo()
            .companies()
            .remove_company_admin(
                company.network_id,
                company.id,
                admin_id,
                person_id,
                self.now(),
            )
            .await?
        {
            AdminRemoved::Removed {
                admins_left,
                back_to_inbox,
            } => Ok((admins_left, back_to_inbox)),
            AdminRemoved::NotAdmin => Err(CompanyError::NotAdmin),
        }
    }
}
