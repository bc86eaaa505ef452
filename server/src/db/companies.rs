//! A network's companies in SQLite (migration 0012): the companies themselves, their Company
//! Admins, and the invitations to become one. Accepting an invitation makes the person a
//! Company Admin and sends the company's waiting requests on, in one transaction
//! ([`super::intro_requests::contact_joined`]).

use async_trait::async_trait;
use sqlx::Row;

use super::intro_requests::{contact_joined, Actor};
use super::{normalize_email, RepoError, SqliteRepository};

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
    pub expires_at: i64,
    pub used_at: Option<i64>,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanyInvited {
    Invited(i64),
    /// The address is a Company Admin of this company already: nothing stored.
    AlreadyAdmin,
    NoSuchCompany,
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
        i.expires_at, i.used_at
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
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
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
        sqlx::query(
            "INSERT INTO mail_queue (company_admin_invitation_id, created_at, next_attempt_at)
             VALUES (?, ?, ?)",
        )
        .bind(id)
        .bind(i.now)
        .bind(i.now)
        .execute(&mut *tx)
        .await?;
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
             WHERE id = ? AND used_at IS NULL AND expires_at > ?",
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
             WHERE id = ? AND used_at IS NULL AND expires_at > ?
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
}
