//! The intro_requests aggregate on PostgreSQL: the Inbox's count, the gatekeeper setting and a
//! professional's networks are ported; every other operation fails with
//! [`RepoError::NotOnPostgres`] naming it (the SQLite side is `db/intro_requests.rs`).

use async_trait::async_trait;
use sqlx::Row;

use super::{not_yet, PgRepository};
use crate::db::intro_requests::*;
use crate::db::RepoError;
use crate::intro_requests::{Action, State};

#[async_trait]
#[allow(unused_variables)]
impl IntroRequests for PgRepository {
    async fn gatekeeper(&self, network_id: i64) -> Result<Option<bool>, RepoError> {
        let on: Option<i64> = sqlx::query_scalar("SELECT gatekeeper FROM networks WHERE id = $1")
            .bind(network_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(on.map(|v| v != 0))
    }

    async fn set_gatekeeper(&self, network_id: i64, on: bool) -> Result<bool, RepoError> {
        Ok(
            sqlx::query("UPDATE networks SET gatekeeper = $1 WHERE id = $2")
                .bind(i64::from(on))
                .bind(network_id)
                .execute(&self.pool)
                .await?
                .rows_affected()
                == 1,
        )
    }

    async fn join_as_professional(
        &self,
        joining: &NewProfessional<'_>,
    ) -> Result<JoinOutcome, RepoError> {
        Err(not_yet("join_as_professional"))
    }

    async fn issue_confirmation_token(
        &self,
        professional_id: i64,
        token_hash: &str,
    ) -> Result<Option<(ProfessionalRecord, String)>, RepoError> {
        Err(not_yet("issue_confirmation_token"))
    }

    async fn confirm_professional(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(i64, i64)>, RepoError> {
        Err(not_yet("confirm_professional"))
    }

    async fn professional(
        &self,
        network_id: i64,
        person_id: i64,
    ) -> Result<Option<ProfessionalRecord>, RepoError> {
        Err(not_yet("professional"))
    }

    async fn invite_professional(
        &self,
        network_id: i64,
        name: &str,
        email: &str,
        now: i64,
    ) -> Result<Option<i64>, RepoError> {
        Err(not_yet("invite_professional"))
    }

    async fn professional_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ProfessionalRecord, bool, String)>, RepoError> {
        Err(not_yet("professional_by_token"))
    }

    async fn complete_professional(
        &self,
        token_hash: &str,
        profile: (&str, &str, Option<&str>),
        password_hash: &str,
        now: i64,
    ) -> Result<Option<(i64, i64)>, RepoError> {
        Err(not_yet("complete_professional"))
    }

    async fn all_professionals(
        &self,
        network_id: i64,
    ) -> Result<Vec<ProfessionalRecord>, RepoError> {
        Err(not_yet("all_professionals"))
    }

    async fn professional_networks(&self, person_id: i64) -> Result<Vec<(i64, String)>, RepoError> {
        let rows = sqlx::query(
            "SELECT n.id, n.name FROM professionals p JOIN networks n ON n.id = p.network_id
             WHERE p.person_id = $1 ORDER BY n.name",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
            .collect()
    }

    async fn professionals(&self, network_id: i64) -> Result<Vec<ProfessionalRecord>, RepoError> {
        Err(not_yet("professionals"))
    }

    async fn create_request(&self, request: &NewRequest<'_>) -> Result<CreateOutcome, RepoError> {
        Err(not_yet("create_request"))
    }

    async fn apply(
        &self,
        network_id: i64,
        request_id: i64,
        action: Action,
        by: Actor<'_>,
        reason: Option<&str>,
        now: i64,
    ) -> Result<ApplyOutcome, RepoError> {
        Err(not_yet("apply"))
    }

    async fn request(
        &self,
        network_id: i64,
        request_id: i64,
    ) -> Result<Option<RequestRecord>, RepoError> {
        Err(not_yet("request"))
    }

    async fn requests_in(
        &self,
        network_id: i64,
        states: &[State],
    ) -> Result<Vec<RequestRecord>, RepoError> {
        Err(not_yet("requests_in"))
    }

    async fn inbox_count(&self, network_id: i64) -> Result<i64, RepoError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM intro_requests
             WHERE network_id = $1 AND state IN ('out_of_network', 'in_review')",
        )
        .bind(network_id)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn company_requests(
        &self,
        network_id: i64,
        company_id: i64,
    ) -> Result<Vec<RequestRecord>, RepoError> {
        Err(not_yet("company_requests"))
    }

    async fn professional_requests(
        &self,
        network_id: i64,
        professional_id: i64,
    ) -> Result<Vec<RequestRecord>, RepoError> {
        Err(not_yet("professional_requests"))
    }

    async fn events(
        &self,
        network_id: i64,
        request_id: i64,
    ) -> Result<Vec<EventRecord>, RepoError> {
        Err(not_yet("events"))
    }

    async fn notice(&self, notice_id: i64) -> Result<Option<NoticeRecord>, RepoError> {
        Err(not_yet("notice"))
    }

    async fn queue_digests(&self, day: i64, now: i64) -> Result<usize, RepoError> {
        Err(not_yet("queue_digests"))
    }
}
