//! The companies aggregate on PostgreSQL: not ported yet. Every operation fails with
//! [`RepoError::NotOnPostgres`] naming it (the SQLite side is `db/companies.rs`).

use async_trait::async_trait;

use super::{not_yet, PgRepository};
use crate::db::companies::*;
use crate::db::RepoError;

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
        Err(not_yet("companies_of_admin"))
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
}
