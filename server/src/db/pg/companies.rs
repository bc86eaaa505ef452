//! The companies aggregate on PostgreSQL (the SQLite side is `db/companies.rs`): companies,
//! their Company Admins and the invitations to become one, each statement naming the network.
//! Where SQLite's single writer orders two invitations to one address, inviting and re-sending
//! here take a transaction-scoped advisory lock on the address in the network first, so the
//! daily limit is counted one email after the other, also across instances. Accepting an
//! invitation sends the company's waiting requests on, and removing its last Company Admin
//! sends them back to the Inbox, in the same transaction (`pg/intro_requests.rs`). Both lock
//! the network's row first, as every change of a request does.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::intro_requests::{contact_joined, no_company_admin_left};
use super::members::record_in;
use super::PgRepository;
use crate::db::companies::*;
use crate::db::intro_requests::Actor;
use crate::db::members::{Actor as AuditActor, AuditAction, NewAuditEntry};
use crate::db::{normalize_email, RepoError};

const DAY: i64 = 24 * 60 * 60;

const COMPANY_SELECT: &str = "SELECT c.id, c.network_id, n.name AS network_name, c.name,
        c.website, c.description,
        (SELECT COUNT(*) FROM company_admins ca
          WHERE ca.company_id = c.id AND ca.network_id = c.network_id) AS admins,
        (SELECT COUNT(*) FROM intro_requests r WHERE r.company_id = c.id
          AND r.network_id = c.network_id AND r.state = 'out_of_network') AS waiting
    FROM companies c JOIN networks n ON n.id = c.network_id";

fn company_from_row(row: &PgRow) -> Result<CompanyRecord, RepoError> {
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

#[async_trait]
#[allow(unused_variables)]
impl Companies for PgRepository {
    async fn create_company(&self, company: &NewCompany<'_>) -> Result<CompanyCreated, RepoError> {
        let name_norm = company.name.trim().to_lowercase();
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO companies (network_id, name, name_norm, website, description, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (network_id, name_norm) DO NOTHING
             RETURNING id",
        )
        .bind(company.network_id)
        .bind(company.name)
        .bind(&name_norm)
        .bind(company.website)
        .bind(company.description)
        .bind(company.now)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(id) = id {
            return Ok(CompanyCreated::Created(id));
        }
        let existing: i64 =
            sqlx::query_scalar("SELECT id FROM companies WHERE network_id = $1 AND name_norm = $2")
                .bind(company.network_id)
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
            "{COMPANY_SELECT} WHERE c.network_id = $1
               AND ($2::TEXT IS NULL OR c.name_norm LIKE $2 ESCAPE '\\')
             ORDER BY c.name_norm, c.id LIMIT 1000"
        ))
        .bind(network_id)
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
            "{COMPANY_SELECT} WHERE c.network_id = $1 AND c.id = $2"
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
            "{COMPANY_SELECT} WHERE c.id = $1 AND EXISTS (SELECT 1 FROM company_admins ca
               WHERE ca.company_id = c.id AND ca.network_id = c.network_id AND ca.person_id = $2)"
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
               WHERE ca.company_id = c.id AND ca.network_id = c.network_id AND ca.person_id = $1)
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
        let rows = sqlx::query(
            "SELECT pe.name, pe.email FROM company_admins ca JOIN people pe ON pe.id = ca.person_id
             WHERE ca.network_id = $1 AND ca.company_id = $2 ORDER BY pe.name, pe.id",
        )
        .bind(network_id)
        .bind(company_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("email")?)))
            .collect()
    }

    async fn invite_company_admin(
        &self,
        invitation: &NewCompanyInvitation<'_>,
    ) -> Result<CompanyInvited, RepoError> {
        let i = invitation;
        let mut tx = self.pool.begin().await?;
        let email_norm = normalize_email(i.email);
        lock_address(&mut tx, i.network_id, &email_norm).await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO company_admin_invitations (network_id, company_id, name, email,
               email_norm, invited_by, token_hash, created_at, expires_at)
             SELECT $1, c.id, $2, $3, $4, $5, $6, $7, $8 FROM companies c
             WHERE c.network_id = $1 AND c.id = $9
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
        .bind(i.company_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Ok(CompanyInvited::NoSuchCompany);
        };
        let already: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM company_admins ca JOIN people pe ON pe.id = ca.person_id
               WHERE ca.network_id = $1 AND ca.company_id = $2 AND pe.email_norm = $3)",
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
            "UPDATE company_admin_invitations SET token_hash = $1
             WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
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
        let row = sqlx::query(&format!("{INVITATION_SELECT} WHERE i.id = $1"))
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
        sqlx::query(&format!("{INVITATION_SELECT} WHERE i.token_hash = $1"))
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
            "UPDATE company_admin_invitations SET used_at = $1
             WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3
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
        sqlx::query("UPDATE networks SET gatekeeper = gatekeeper WHERE id = $1")
            .bind(network_id)
            .execute(&mut *tx)
            .await?;
        let Some((person_id, person_name, _)) = super::people::person_accepting(
            &mut tx,
            &name,
            &email,
            &email_norm,
            password_hash,
            now,
        )
        .await?
        else {
            return Ok(CompanyAccepted::PasswordRequired);
        };
        sqlx::query(
            "INSERT INTO company_admins (network_id, company_id, person_id, created_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (company_id, person_id) DO NOTHING",
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
             WHERE ca.network_id = $1 AND ca.company_id = $2 ORDER BY pe.name, pe.id",
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
            "{INVITATION_SELECT} WHERE i.network_id = $1 AND i.company_id = $2
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
        company: (i64, i64),
        invitation_id: i64,
        resend: bool,
        change: InvitationWork,
    ) -> Result<InvitationChange, RepoError> {
        let (network_id, company_id) = company;
        let w = change;
        let mut tx = self.pool.begin().await?;
        // The address first (a re-send counts the daily limit), then the row, locked by the
        // UPDATE. A re-send gives an invitation (even an expired one) a new week; a revoke
        // needs a pending one.
        let email_norm: Option<String> = sqlx::query_scalar(
            "SELECT email_norm FROM company_admin_invitations
             WHERE id = $1 AND network_id = $2 AND company_id = $3",
        )
        .bind(invitation_id)
        .bind(network_id)
        .bind(company_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(email_norm) = email_norm else {
            return Ok(InvitationChange::NotFound);
        };
        lock_address(&mut tx, network_id, &email_norm).await?;
        let row = sqlx::query(
            "UPDATE company_admin_invitations
             SET expires_at = CASE WHEN $1 THEN $2 ELSE expires_at END,
                 revoked_at = CASE WHEN $1 THEN NULL ELSE $3 END
             WHERE id = $4 AND network_id = $5 AND company_id = $6
               AND used_at IS NULL AND revoked_at IS NULL AND ($1 OR expires_at > $3)
             RETURNING name, email",
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
            return Ok(InvitationChange::NotPending);
        };
        let (name, email): (String, String) = (row.try_get("name")?, row.try_get("email")?);
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
        sqlx::query("UPDATE networks SET gatekeeper = gatekeeper WHERE id = $1")
            .bind(network_id)
            .execute(&mut *tx)
            .await?;
        let removed = sqlx::query(
            "DELETE FROM company_admins WHERE network_id = $1 AND company_id = $2 AND person_id = $3",
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
            "SELECT COUNT(*) FROM company_admins WHERE network_id = $1 AND company_id = $2",
        )
        .bind(network_id)
        .bind(company_id)
        .fetch_one(&mut *tx)
        .await?;
        let (name, email): (String, String) =
            sqlx::query_as("SELECT name, email FROM people WHERE id = $1")
                .bind(person_id)
                .fetch_one(&mut *tx)
                .await?;
        let back_to_inbox = if admins_left == 0 {
            let by_name: String = sqlx::query_scalar("SELECT name FROM people WHERE id = $1")
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

const INVITATION_SELECT: &str = "SELECT i.id, i.network_id, n.name AS network_name,
        i.company_id, c.name AS company_name, i.name, i.email, pe.name AS invited_by,
        i.created_at, i.expires_at, i.used_at, i.revoked_at
    FROM company_admin_invitations i
    JOIN companies c ON c.id = i.company_id AND c.network_id = i.network_id
    JOIN networks n ON n.id = i.network_id
    LEFT JOIN people pe ON pe.id = i.invited_by";

fn invitation_from_row(row: &PgRow) -> Result<CompanyInvitation, RepoError> {
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

/// Waits for (and holds until the transaction ends) the lock on the address's Company Admin
/// invitations in the network.
async fn lock_address(
    tx: &mut PgConnection,
    network_id: i64,
    email_norm: &str,
) -> Result<(), RepoError> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, $2))")
        .bind(format!("company_admin_invitation {email_norm}"))
        .bind(network_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// How many invitation emails to become a Company Admin the address got from the network in
/// the last day, as a refusal when that is `limit` or more.
async fn over_daily_limit(
    tx: &mut PgConnection,
    network_id: i64,
    email_norm: &str,
    limit: u32,
    now: i64,
) -> Result<Option<TooManyEmails>, RepoError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS sent, MIN(m.created_at) AS oldest
         FROM mail_queue m JOIN company_admin_invitations i
           ON i.id = m.company_admin_invitation_id
         WHERE i.network_id = $1 AND i.email_norm = $2 AND m.created_at > $3",
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
    by: i64,
    action: AuditAction,
    name: &'a str,
    email: &'a str,
    now: i64,
}

/// The audit line of a change: who, to whom, which company.
async fn audit(tx: &mut PgConnection, c: Change<'_>) -> Result<(), RepoError> {
    let company: String =
        sqlx::query_scalar("SELECT name FROM companies WHERE network_id = $1 AND id = $2")
            .bind(c.network_id)
            .bind(c.company_id)
            .fetch_one(&mut *tx)
            .await?;
    let subject = format!("{} <{}>", c.name, c.email);
    let detail = format!("Company Admin of {company}");
    record_in(
        tx,
        &NewAuditEntry {
            network_id: c.network_id,
            actor: AuditActor::Person(c.by),
            action: c.action,
            subject: &subject,
            detail: Some(&detail),
            now: c.now,
        },
    )
    .await
}

/// Queues an invitation's email.
async fn queue_invitation_email(
    tx: &mut PgConnection,
    invitation_id: i64,
    now: i64,
) -> Result<(), RepoError> {
    sqlx::query(
        "INSERT INTO mail_queue (company_admin_invitation_id, created_at, next_attempt_at)
         VALUES ($1, $2, $2)",
    )
    .bind(invitation_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
