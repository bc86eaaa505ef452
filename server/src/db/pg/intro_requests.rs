//! The introduction requests aggregate on PostgreSQL (the SQLite side is
//! `db/intro_requests.rs`): professionals, requests and their state machine, the events, the
//! notices and their emails, the daily digest. The same statements, each naming the network.
//! Where SQLite's single writer orders writes, a request's creation and each change lock the
//! network's row first (`UPDATE networks SET gatekeeper = gatekeeper`, as on SQLite, where it
//! takes the write lock), so the state machine moves one step after the other, and the digest
//! takes a transaction-scoped advisory lock, so N instances queue a day's digest once.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::PgRepository;
use crate::db::intro_requests::*;
use crate::db::{normalize_email, RepoError};
use crate::intro_mail;
use crate::intro_requests::{self as machine, Action, Direction, State};

const REQUEST_SELECT: &str = "SELECT r.id, r.network_id, n.name AS network_name, r.company_id,
        c.name AS company_name, r.professional_id, p.person_id AS professional_person_id,
        pe.name AS professional_name, pe.email AS professional_email, p.headline,
        p.linkedin_url, p.cv_url, r.direction, r.message, r.state, r.reason, r.created_by,
        r.created_at, r.updated_at
    FROM intro_requests r
    JOIN networks n ON n.id = r.network_id
    JOIN companies c ON c.id = r.company_id AND c.network_id = r.network_id
    JOIN professionals p ON p.id = r.professional_id AND p.network_id = r.network_id
    JOIN people pe ON pe.id = p.person_id";

fn parse_state(s: &str) -> Result<State, RepoError> {
    State::parse(s).ok_or_else(|| RepoError::Corrupt(format!("unknown request state {s:?}")))
}

fn request_from_row(row: &PgRow) -> Result<RequestRecord, RepoError> {
    let direction: String = row.try_get("direction")?;
    Ok(RequestRecord {
        id: row.try_get("id")?,
        network_id: row.try_get("network_id")?,
        network_name: row.try_get("network_name")?,
        company_id: row.try_get("company_id")?,
        company_name: row.try_get("company_name")?,
        professional_id: row.try_get("professional_id")?,
        professional_person_id: row.try_get("professional_person_id")?,
        professional_name: row.try_get("professional_name")?,
        professional_email: row.try_get("professional_email")?,
        headline: row.try_get("headline")?,
        linkedin_url: row.try_get("linkedin_url")?,
        cv_url: row.try_get("cv_url")?,
        direction: Direction::parse(&direction)
            .ok_or_else(|| RepoError::Corrupt(format!("unknown direction {direction:?}")))?,
        message: row.try_get("message")?,
        state: parse_state(row.try_get("state")?)?,
        reason: row.try_get("reason")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const PROFESSIONAL_COLUMNS: &str = "p.id, p.network_id, p.person_id, pe.name, pe.email,
        p.headline, p.linkedin_url, p.cv_url, p.confirmed_at IS NOT NULL AS confirmed";

const PROFESSIONAL_SELECT: &str = "SELECT p.id, p.network_id, p.person_id, pe.name, pe.email,
        p.headline, p.linkedin_url, p.cv_url, p.confirmed_at IS NOT NULL AS confirmed
    FROM professionals p JOIN people pe ON pe.id = p.person_id";

fn professional_from_row(row: &PgRow) -> Result<ProfessionalRecord, RepoError> {
    Ok(ProfessionalRecord {
        id: row.try_get("id")?,
        network_id: row.try_get("network_id")?,
        person_id: row.try_get("person_id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        headline: row.try_get("headline")?,
        linkedin_url: row.try_get("linkedin_url")?,
        cv_url: row.try_get("cv_url")?,
        confirmed: row.try_get("confirmed")?,
    })
}

async fn request_in(
    tx: &mut PgConnection,
    network_id: i64,
    request_id: i64,
) -> Result<Option<RequestRecord>, RepoError> {
    sqlx::query(&format!(
        "{REQUEST_SELECT} WHERE r.network_id = $1 AND r.id = $2"
    ))
    .bind(network_id)
    .bind(request_id)
    .fetch_optional(&mut *tx)
    .await?
    .as_ref()
    .map(request_from_row)
    .transpose()
}

/// The Company Admins of the network's company.
pub(super) async fn company_admins_in(
    tx: &mut PgConnection,
    network_id: i64,
    company_id: i64,
) -> Result<Vec<Recipient>, RepoError> {
    let rows = sqlx::query(
        "SELECT pe.name, pe.email FROM company_admins ca JOIN people pe ON pe.id = ca.person_id
         WHERE ca.network_id = $1 AND ca.company_id = $2 ORDER BY pe.name, pe.id",
    )
    .bind(network_id)
    .bind(company_id)
    .fetch_all(&mut *tx)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("email")?)))
        .collect()
}

/// The Network Admins who review requests (the network "in copy", the digest's readers): at
/// most 20.
async fn reviewers(tx: &mut PgConnection, network_id: i64) -> Result<Vec<Recipient>, RepoError> {
    let bit = allyshare_protocol::Permission::ReviewRequests.bit();
    let rows = sqlx::query(
        "SELECT pe.name, pe.email FROM memberships m JOIN people pe ON pe.id = m.person_id
         WHERE m.network_id = $1 AND m.role = 'network_admin' AND (m.permissions & $2) != 0
         ORDER BY m.created_at, pe.id LIMIT 20",
    )
    .bind(network_id)
    .bind(i64::from(bit))
    .fetch_all(&mut *tx)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("email")?)))
        .collect()
}

/// The person, if they are a Company Admin of the network's company.
async fn company_admin_in(
    tx: &mut PgConnection,
    network_id: i64,
    company_id: i64,
    person_id: i64,
) -> Result<Option<Recipient>, RepoError> {
    let row = sqlx::query(
        "SELECT pe.name, pe.email FROM company_admins ca JOIN people pe ON pe.id = ca.person_id
         WHERE ca.network_id = $1 AND ca.company_id = $2 AND ca.person_id = $3",
    )
    .bind(network_id)
    .bind(company_id)
    .bind(person_id)
    .fetch_optional(&mut *tx)
    .await?;
    row.map(|r| Ok((r.try_get("name")?, r.try_get("email")?)))
        .transpose()
}

async fn person(tx: &mut PgConnection, person_id: i64) -> Result<Option<Recipient>, RepoError> {
    let row = sqlx::query("SELECT name, email FROM people WHERE id = $1")
        .bind(person_id)
        .fetch_optional(&mut *tx)
        .await?;
    row.map(|r| Ok((r.try_get("name")?, r.try_get("email")?)))
        .transpose()
}

/// Stores a notice and queues its email (nothing when it has no recipient).
pub(super) async fn queue_notice(
    tx: &mut PgConnection,
    network_id: i64,
    to: &[Recipient],
    cc: &[Recipient],
    (subject, body): (String, String),
    now: i64,
) -> Result<(), RepoError> {
    if to.is_empty() {
        return Ok(());
    }
    let json = |list: &[Recipient]| {
        serde_json::to_string(list).map_err(|e| RepoError::Corrupt(e.to_string()))
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO intro_notices (network_id, to_list, cc_list, subject, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(network_id)
    .bind(json(to)?)
    .bind(json(cc)?)
    .bind(subject)
    .bind(body)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO mail_queue (intro_notice_id, created_at, next_attempt_at) VALUES ($1, $2, $3)",
    )
    .bind(id)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn record_event(
    tx: &mut PgConnection,
    request: &RequestRecord,
    from: Option<State>,
    to: State,
    by: Actor<'_>,
    reason: Option<&str>,
    now: i64,
) -> Result<(), RepoError> {
    sqlx::query(
        "INSERT INTO intro_request_events
           (network_id, request_id, from_state, to_state, actor_id, actor_name, reason, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(request.network_id)
    .bind(request.id)
    .bind(from.map(State::as_str))
    .bind(to.as_str())
    .bind(by.person_id)
    .bind(by.name)
    .bind(reason)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Queues the emails a request reaching `request.state` sends ([`machine::notices`] says
/// which; it is read after the change).
async fn notify(
    tx: &mut PgConnection,
    request: &RequestRecord,
    by: Actor<'_>,
    now: i64,
) -> Result<(), RepoError> {
    let (network_id, company_id) = (request.network_id, request.company_id);
    let needs = machine::notice_lookups(request);
    let mut parties = machine::NoticeParties {
        company_admins: company_admins_in(tx, network_id, company_id).await?,
        ..Default::default()
    };
    if let Some(maker) = needs.maker {
        parties.maker = company_admin_in(tx, network_id, company_id, maker).await?;
    }
    if needs.actor {
        parties.actor = person(tx, by.person_id).await?;
    }
    if needs.reviewers {
        parties.reviewers = reviewers(tx, network_id).await?;
    }
    for n in machine::notices(request, parties) {
        queue_notice(tx, network_id, &n.to, &n.cc, n.content, now).await?;
    }
    Ok(())
}

/// Inside a transaction: applies `action` to the request if its state allows it, records the
/// event and queues its emails.
pub(super) async fn apply_in(
    tx: &mut PgConnection,
    network_id: i64,
    request_id: i64,
    action: Action,
    by: Actor<'_>,
    reason: Option<&str>,
    now: i64,
) -> Result<ApplyOutcome, RepoError> {
    let Some(current) = request_in(tx, network_id, request_id).await? else {
        return Ok(ApplyOutcome::NotFound);
    };
    let Some(change) = machine::transition(current.state, action) else {
        return Ok(ApplyOutcome::NotAllowed(current.state));
    };
    let keeps_reason = matches!(change.to, State::Declined | State::DeclinedByNetwork);
    let updated = sqlx::query(
        "UPDATE intro_requests SET state = $1, updated_at = $2,
                reason = CASE WHEN $3 THEN $4 ELSE reason END
         WHERE id = $5 AND network_id = $6 AND state = $7",
    )
    .bind(change.to.as_str())
    .bind(now)
    .bind(keeps_reason)
    .bind(reason)
    .bind(request_id)
    .bind(network_id)
    .bind(change.from.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(ApplyOutcome::NotAllowed(current.state));
    }
    let after = request_in(tx, network_id, request_id)
        .await?
        .ok_or_else(|| RepoError::Corrupt("a request vanished while it changed".into()))?;
    record_event(tx, &after, Some(change.from), change.to, by, reason, now).await?;
    notify(tx, &after, by, now).await?;
    Ok(ApplyOutcome::Applied(change.to))
}

/// Inside the transaction that made `person` a Company Admin of the company: its waiting
/// requests go on (or to review, in gatekeeper mode). How many.
pub(super) async fn contact_joined(
    tx: &mut PgConnection,
    network_id: i64,
    company_id: i64,
    by: Actor<'_>,
    now: i64,
) -> Result<usize, RepoError> {
    let gatekeeper: bool = sqlx::query_scalar("SELECT gatekeeper <> 0 FROM networks WHERE id = $1")
        .bind(network_id)
        .fetch_one(&mut *tx)
        .await?;
    let waiting: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM intro_requests
         WHERE network_id = $1 AND company_id = $2 AND state = 'out_of_network' ORDER BY id",
    )
    .bind(network_id)
    .bind(company_id)
    .fetch_all(&mut *tx)
    .await?;
    let action = machine::on_contact_joined(gatekeeper);
    apply_to_each(tx, network_id, &waiting, action, by, now).await
}

/// Applies `action` to each of the requests (inside the caller's transaction); how many moved.
async fn apply_to_each(
    tx: &mut PgConnection,
    network_id: i64,
    requests: &[i64],
    action: Action,
    by: Actor<'_>,
    now: i64,
) -> Result<usize, RepoError> {
    let mut moved = 0;
    for id in requests {
        if let ApplyOutcome::Applied(_) =
            apply_in(tx, network_id, *id, action, by, None, now).await?
        {
            moved += 1;
        }
    }
    Ok(moved)
}

/// Inside the transaction that removed the company's last Company Admin: the requests to the
/// company that were waiting on its Company Admins (delivered, or in review for them) go back
/// to *Out of network* ([`Action::NoCompanyAdmin`]), recorded as `by`'s doing. How many.
pub(super) async fn no_company_admin_left(
    tx: &mut PgConnection,
    network_id: i64,
    company_id: i64,
    by: Actor<'_>,
    now: i64,
) -> Result<usize, RepoError> {
    let waiting: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM intro_requests
         WHERE network_id = $1 AND company_id = $2 AND direction = 'to_company'
           AND state IN ('delivered', 'in_review') ORDER BY id",
    )
    .bind(network_id)
    .bind(company_id)
    .fetch_all(&mut *tx)
    .await?;
    apply_to_each(tx, network_id, &waiting, Action::NoCompanyAdmin, by, now).await
}

#[async_trait]
impl IntroRequests for PgRepository {
    async fn gatekeeper(&self, network_id: i64) -> Result<Option<bool>, RepoError> {
        Ok(
            sqlx::query_scalar("SELECT gatekeeper <> 0 FROM networks WHERE id = $1")
                .bind(network_id)
                .fetch_optional(&self.pool)
                .await?,
        )
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
        j: &NewProfessional<'_>,
    ) -> Result<JoinOutcome, RepoError> {
        let mut tx = self.pool.begin().await?;
        let email_norm = normalize_email(j.email);
        // A write first: the transaction holds the write lock from the start.
        let person: Option<i64> = sqlx::query_scalar(
            "INSERT INTO people (name, email, email_norm, password_hash, created_at)
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM networks WHERE id = $6)
             ON CONFLICT (email_norm) DO NOTHING RETURNING id",
        )
        .bind(j.name)
        .bind(j.email.trim())
        .bind(&email_norm)
        .bind(j.password_hash)
        .bind(j.now)
        .bind(j.network_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(person_id) = person else {
            let network: Option<i64> = sqlx::query_scalar("SELECT id FROM networks WHERE id = $1")
                .bind(j.network_id)
                .fetch_optional(&mut *tx)
                .await?;
            if network.is_none() {
                return Ok(JoinOutcome::NoSuchNetwork);
            }
            // Joined already, not confirmed: the confirmation email again, a few a day.
            let unconfirmed: Option<i64> = sqlx::query_scalar(
                "SELECT p.id FROM professionals p JOIN people pe ON pe.id = p.person_id
                 WHERE p.network_id = $1 AND pe.email_norm = $2 AND p.confirmed_at IS NULL",
            )
            .bind(j.network_id)
            .bind(&email_norm)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(professional_id) = unconfirmed else {
                return Ok(JoinOutcome::EmailTaken);
            };
            let sent: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM mail_queue WHERE professional_id = $1 AND created_at > $2",
            )
            .bind(professional_id)
            .bind(j.now - 24 * 60 * 60)
            .fetch_one(&mut *tx)
            .await?;
            if sent >= i64::from(j.daily_emails) {
                return Ok(JoinOutcome::TooManyEmails);
            }
            sqlx::query(
                "INSERT INTO mail_queue (professional_id, created_at, next_attempt_at)
                 VALUES ($1, $2, $3)",
            )
            .bind(professional_id)
            .bind(j.now)
            .bind(j.now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(JoinOutcome::Resent { professional_id });
        };
        let professional_id: i64 = sqlx::query_scalar(
            "INSERT INTO professionals
               (network_id, person_id, headline, linkedin_url, cv_url, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(j.network_id)
        .bind(person_id)
        .bind(j.headline)
        .bind(j.linkedin_url)
        .bind(j.cv_url)
        .bind(j.now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO mail_queue (professional_id, created_at, next_attempt_at) VALUES ($1, $2, $3)",
        )
        .bind(professional_id)
        .bind(j.now)
        .bind(j.now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(JoinOutcome::Joined { professional_id })
    }

    async fn issue_confirmation_token(
        &self,
        professional_id: i64,
        token_hash: &str,
    ) -> Result<Option<(ProfessionalRecord, String)>, RepoError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE professionals SET confirm_hash = $1 WHERE id = $2 AND confirmed_at IS NULL",
        )
        .bind(token_hash)
        .bind(professional_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(None);
        }
        let row = sqlx::query(&format!(
            "SELECT {PROFESSIONAL_COLUMNS}, n.name AS network_name FROM professionals p
             JOIN people pe ON pe.id = p.person_id JOIN networks n ON n.id = p.network_id
             WHERE p.id = $1"
        ))
        .bind(professional_id)
        .fetch_one(&mut *tx)
        .await?;
        let record = professional_from_row(&row)?;
        let network: String = row.try_get("network_name")?;
        tx.commit().await?;
        Ok(Some((record, network)))
    }

    async fn confirm_professional(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(i64, i64)>, RepoError> {
        let row = sqlx::query(
            "UPDATE professionals SET confirmed_at = $1, confirm_hash = NULL
             WHERE confirm_hash = $2 AND confirmed_at IS NULL RETURNING network_id, person_id",
        )
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get("network_id")?, r.try_get("person_id")?)))
            .transpose()
    }

    async fn professional(
        &self,
        network_id: i64,
        person_id: i64,
    ) -> Result<Option<ProfessionalRecord>, RepoError> {
        sqlx::query(&format!(
            "{PROFESSIONAL_SELECT} WHERE p.network_id = $1 AND p.person_id = $2"
        ))
        .bind(network_id)
        .bind(person_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(professional_from_row)
        .transpose()
    }

    async fn invite_professional(
        &self,
        network_id: i64,
        name: &str,
        email: &str,
        now: i64,
    ) -> Result<Option<i64>, RepoError> {
        let mut tx = self.pool.begin().await?;
        let email_norm = normalize_email(email);
        sqlx::query(
            "INSERT INTO people (name, email, email_norm, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (email_norm) DO NOTHING",
        )
        .bind(name)
        .bind(email.trim())
        .bind(&email_norm)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO professionals (network_id, person_id, headline, linkedin_url, created_at)
             SELECT $1, id, '', '', $2 FROM people WHERE email_norm = $3
             ON CONFLICT (network_id, person_id) DO NOTHING RETURNING id",
        )
        .bind(network_id)
        .bind(now)
        .bind(&email_norm)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Ok(None);
        };
        sqlx::query(
            "INSERT INTO mail_queue (professional_id, created_at, next_attempt_at) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    async fn professional_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ProfessionalRecord, bool, String)>, RepoError> {
        let row = sqlx::query(&format!(
            "SELECT {PROFESSIONAL_COLUMNS}, pe.password_hash IS NOT NULL AS has_password,
                    n.name AS network_name
             FROM professionals p JOIN people pe ON pe.id = p.person_id
             JOIN networks n ON n.id = p.network_id
             WHERE p.confirm_hash = $1 AND p.confirmed_at IS NULL"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok((
                professional_from_row(&r)?,
                r.try_get("has_password")?,
                r.try_get("network_name")?,
            ))
        })
        .transpose()
    }

    async fn complete_professional(
        &self,
        token_hash: &str,
        (headline, linkedin_url, cv_url): (&str, &str, Option<&str>),
        password_hash: &str,
        now: i64,
    ) -> Result<Option<(i64, i64)>, RepoError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE professionals SET confirmed_at = $1, confirm_hash = NULL, headline = $2,
                    linkedin_url = $3, cv_url = $4
             WHERE confirm_hash = $5 AND confirmed_at IS NULL RETURNING network_id, person_id",
        )
        .bind(now)
        .bind(headline)
        .bind(linkedin_url)
        .bind(cv_url)
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (network_id, person_id): (i64, i64) =
            (row.try_get("network_id")?, row.try_get("person_id")?);
        sqlx::query("UPDATE people SET password_hash = $1 WHERE id = $2 AND password_hash IS NULL")
            .bind(password_hash)
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some((network_id, person_id)))
    }

    async fn all_professionals(
        &self,
        network_id: i64,
    ) -> Result<Vec<ProfessionalRecord>, RepoError> {
        let rows = sqlx::query(&format!(
            "{PROFESSIONAL_SELECT} WHERE p.network_id = $1 ORDER BY pe.name, p.id LIMIT 1000"
        ))
        .bind(network_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(professional_from_row).collect()
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
        let rows = sqlx::query(&format!(
            "{PROFESSIONAL_SELECT} WHERE p.network_id = $1 AND p.confirmed_at IS NOT NULL
             ORDER BY pe.name, p.id LIMIT 500"
        ))
        .bind(network_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(professional_from_row).collect()
    }

    async fn create_request(&self, r: &NewRequest<'_>) -> Result<CreateOutcome, RepoError> {
        let mut tx = self.pool.begin().await?;
        // A write first (a no-op), so this transaction holds the write lock from the start
        // and the routing below reads what no one else changes meanwhile.
        sqlx::query("UPDATE networks SET gatekeeper = gatekeeper WHERE id = $1")
            .bind(r.network_id)
            .execute(&mut *tx)
            .await?;
        let company: Option<i64> =
            sqlx::query_scalar("SELECT id FROM companies WHERE network_id = $1 AND id = $2")
                .bind(r.network_id)
                .bind(r.company_id)
                .fetch_optional(&mut *tx)
                .await?;
        let confirmed: Option<bool> = sqlx::query_scalar(
            "SELECT confirmed_at IS NOT NULL FROM professionals WHERE network_id = $1 AND id = $2",
        )
        .bind(r.network_id)
        .bind(r.professional_id)
        .fetch_optional(&mut *tx)
        .await?;
        let (Some(_), Some(confirmed)) = (company, confirmed) else {
            return Ok(CreateOutcome::NotFound);
        };
        if !confirmed {
            return Ok(CreateOutcome::NotConfirmed);
        }
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM intro_requests WHERE network_id = $1 AND company_id = $2
               AND professional_id = $3 AND state IN ('out_of_network', 'in_review', 'delivered')",
        )
        .bind(r.network_id)
        .bind(r.company_id)
        .bind(r.professional_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = open {
            return Ok(CreateOutcome::AlreadyOpen(id));
        }
        let admins: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM company_admins WHERE network_id = $1 AND company_id = $2",
        )
        .bind(r.network_id)
        .bind(r.company_id)
        .fetch_one(&mut *tx)
        .await?;
        let gatekeeper: bool =
            sqlx::query_scalar("SELECT gatekeeper <> 0 FROM networks WHERE id = $1")
                .bind(r.network_id)
                .fetch_one(&mut *tx)
                .await?;
        let state = machine::route(admins > 0, gatekeeper);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO intro_requests (network_id, company_id, professional_id, direction,
               message, state, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(r.network_id)
        .bind(r.company_id)
        .bind(r.professional_id)
        .bind(r.direction.as_str())
        .bind(r.message)
        .bind(state.as_str())
        .bind(r.by.person_id)
        .bind(r.now)
        .bind(r.now)
        .fetch_one(&mut *tx)
        .await?;
        let record = request_in(&mut tx, r.network_id, id)
            .await?
            .ok_or_else(|| RepoError::Corrupt("a new request vanished".into()))?;
        record_event(&mut tx, &record, None, state, r.by, None, r.now).await?;
        notify(&mut tx, &record, r.by, r.now).await?;
        tx.commit().await?;
        Ok(CreateOutcome::Created { id, state })
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
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE networks SET gatekeeper = gatekeeper WHERE id = $1")
            .bind(network_id)
            .execute(&mut *tx)
            .await?;
        let outcome = apply_in(&mut tx, network_id, request_id, action, by, reason, now).await?;
        if matches!(outcome, ApplyOutcome::Applied(_)) {
            tx.commit().await?;
        }
        Ok(outcome)
    }

    async fn request(
        &self,
        network_id: i64,
        request_id: i64,
    ) -> Result<Option<RequestRecord>, RepoError> {
        let mut conn = self.pool.acquire().await?;
        request_in(&mut conn, network_id, request_id).await
    }

    async fn requests_in(
        &self,
        network_id: i64,
        states: &[State],
    ) -> Result<Vec<RequestRecord>, RepoError> {
        let list = states
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        if list.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(&format!(
            "{REQUEST_SELECT} WHERE r.network_id = $1 AND r.state IN ({list})
             ORDER BY c.name, r.company_id, r.id LIMIT 1000"
        ))
        .bind(network_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(request_from_row).collect()
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
        let rows = sqlx::query(&format!(
            "{REQUEST_SELECT} WHERE r.network_id = $1 AND r.company_id = $2
               AND (r.direction = 'to_professional'
                    OR r.state IN ('delivered', 'accepted', 'declined')
                    OR EXISTS (SELECT 1 FROM intro_request_events e
                               WHERE e.request_id = r.id AND e.to_state = 'delivered'))
             ORDER BY r.id DESC LIMIT 500"
        ))
        .bind(network_id)
        .bind(company_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(request_from_row).collect()
    }

    async fn professional_requests(
        &self,
        network_id: i64,
        professional_id: i64,
    ) -> Result<Vec<RequestRecord>, RepoError> {
        let rows = sqlx::query(&format!(
            "{REQUEST_SELECT} WHERE r.network_id = $1 AND r.professional_id = $2
               AND (r.direction = 'to_company'
                    OR r.state IN ('delivered', 'accepted', 'declined'))
             ORDER BY r.id DESC LIMIT 500"
        ))
        .bind(network_id)
        .bind(professional_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(request_from_row).collect()
    }

    async fn events(
        &self,
        network_id: i64,
        request_id: i64,
    ) -> Result<Vec<EventRecord>, RepoError> {
        let rows = sqlx::query(
            "SELECT from_state, to_state, actor_name, reason, at FROM intro_request_events
             WHERE network_id = $1 AND request_id = $2 ORDER BY id",
        )
        .bind(network_id)
        .bind(request_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let from: Option<String> = r.try_get("from_state")?;
                Ok(EventRecord {
                    from: from.as_deref().map(parse_state).transpose()?,
                    to: parse_state(r.try_get("to_state")?)?,
                    actor_name: r.try_get("actor_name")?,
                    reason: r.try_get("reason")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    async fn notice(&self, notice_id: i64) -> Result<Option<NoticeRecord>, RepoError> {
        let row =
            sqlx::query("SELECT to_list, cc_list, subject, body FROM intro_notices WHERE id = $1")
                .bind(notice_id)
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let list = |column: &str| -> Result<Vec<Recipient>, RepoError> {
            let text: String = row.try_get(column)?;
            serde_json::from_str(&text).map_err(|e| RepoError::Corrupt(e.to_string()))
        };
        Ok(Some(NoticeRecord {
            to: list("to_list")?,
            cc: list("cc_list")?,
            subject: row.try_get("subject")?,
            body: row.try_get("body")?,
        }))
    }

    async fn queue_digests(&self, day: i64, now: i64) -> Result<usize, RepoError> {
        let mut tx = self.pool.begin().await?;
        // One instance at a time queues a day's digest, once.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('intro_digests', 0))")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM intro_digests WHERE day < $1")
            .bind(day - 30)
            .execute(&mut *tx)
            .await?;
        let networks: Vec<(i64, String)> = sqlx::query_as(
            "SELECT n.id, n.name FROM networks n
             WHERE EXISTS (SELECT 1 FROM intro_requests r
                           WHERE r.network_id = n.id AND r.state = 'out_of_network')
               AND NOT EXISTS (SELECT 1 FROM intro_digests d
                               WHERE d.network_id = n.id AND d.day = $1)
             ORDER BY n.id",
        )
        .bind(day)
        .fetch_all(&mut *tx)
        .await?;
        for (network_id, network_name) in &networks {
            let rows = sqlx::query(
                "SELECT c.name, COUNT(*) AS waiting, MIN(r.created_at) AS oldest
                 FROM intro_requests r JOIN companies c ON c.id = r.company_id
                   AND c.network_id = r.network_id
                 WHERE r.network_id = $1 AND r.state = 'out_of_network'
                 GROUP BY c.id ORDER BY MIN(r.created_at), c.id LIMIT 200",
            )
            .bind(network_id)
            .fetch_all(&mut *tx)
            .await?;
            let companies = rows
                .iter()
                .map(|r| {
                    Ok(NotReady {
                        company_name: r.try_get("name")?,
                        waiting: r.try_get("waiting")?,
                        oldest_at: r.try_get("oldest")?,
                    })
                })
                .collect::<Result<Vec<_>, RepoError>>()?;
            for admin in reviewers(&mut tx, *network_id).await? {
                let content = intro_mail::digest(&admin.0, network_name, *network_id, &companies);
                queue_notice(&mut tx, *network_id, &[admin], &[], content, now).await?;
            }
            sqlx::query(
                "INSERT INTO intro_digests (network_id, day, sent_at, companies) VALUES ($1, $2, $3, $4)",
            )
            .bind(network_id)
            .bind(day)
            .bind(now)
            .bind(companies.len() as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(networks.len())
    }
}
