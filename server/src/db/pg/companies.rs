//! The companies aggregate on PostgreSQL: what the console's pages read on every request is
//! ported; every other operation fails with
//! [`RepoError::NotOnPostgres`] naming it (the SQLite side is `db/companies.rs`).

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::{not_yet, PgRepository};
use crate::db::companies::*;
use crate::db::RepoError;

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
        Err(not_yet("create_company"))
    }

    async fn companies(
        &self,
        network_id: i64,
        search: Option<&str>,
    ) -> Result<Vec<CompanyRecord>, RepoError> {
        Err(not_yet("companies"))
    }

    async fn company(
        &self,
        network_id: i64,
        company_id: i64,
    ) -> Result<Option<CompanyRecord>, RepoError> {
        Err(not_yet("company"))
    }

    async fn company_of_admin(
        &self,
        person_id: i64,
        company_id: i64,
    ) -> Result<Option<CompanyRecord>, RepoError> {
        Err(not_yet("company_of_admin"))
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
        Err(not_yet("company_admins"))
    }

    async fn invite_company_admin(
        &self,
        invitation: &NewCompanyInvitation<'_>,
    ) -> Result<CompanyInvited, RepoError> {
        Err(not_yet("invite_company_admin"))
    }

    async fn issue_company_invitation_token(
        &self,
        invitation_id: i64,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<CompanyInvitation>, RepoError> {
        Err(not_yet("issue_company_invitation_token"))
    }

    async fn find_company_invitation(
        &self,
        token_hash: &str,
    ) -> Result<Option<CompanyInvitation>, RepoError> {
        Err(not_yet("find_company_invitation"))
    }

    async fn accept_company_invitation(
        &self,
        invitation_id: i64,
        password_hash: Option<&str>,
        now: i64,
    ) -> Result<CompanyAccepted, RepoError> {
        Err(not_yet("accept_company_invitation"))
    }

    async fn company_admin_list(
        &self,
        network_id: i64,
        company_id: i64,
    ) -> Result<Vec<CompanyAdminRecord>, RepoError> {
        Err(not_yet("company_admin_list"))
    }

    async fn company_invitations(
        &self,
        network_id: i64,
        company_id: i64,
    ) -> Result<Vec<CompanyInvitation>, RepoError> {
        Err(not_yet("company_invitations"))
    }

    async fn change_company_invitation(
        &self,
        company: (i64, i64),
        invitation_id: i64,
        resend: bool,
        change: InvitationWork,
    ) -> Result<InvitationChange, RepoError> {
        Err(not_yet("change_company_invitation"))
    }

    async fn remove_company_admin(
        &self,
        network_id: i64,
        company_id: i64,
        person_id: i64,
        by: i64,
        now: i64,
    ) -> Result<AdminRemoved, RepoError> {
        Err(not_yet("remove_company_admin"))
    }
}
