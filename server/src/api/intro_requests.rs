//! Introduction requests and the network's companies in the API: the same services as the
//! console's pages ([`crate::introductions`], [`crate::companies`]), so both are checked by
//! the same rules and the authorisation matrix covers the pages' actions too.
//!
//! - Network Admins with *Review introduction requests*: the Inbox, *Make Intro* / *Decline*,
//!   the companies, a point of contact. With *Manage network settings*: gatekeeper mode.
//! - Network Admins with *Review introduction requests* also: a company's Company Admins and
//!   invitations, *Resend* and *Revoke* an invitation, remove a Company Admin.
//! - A professional of the network: their requests, a new one to a company, and the answer to
//!   a company's request.
//! - A Company Admin: their company's requests and the answer to one, a request to one of the
//!   network's professionals, inviting a colleague, removing a colleague (or leaving).

use allyshare_protocol::{
    ApiError, CompanyAdminRemoved, CompanyAdminView, CompanyContact, CompanyInvitationState,
    CompanyInvitationView, CompanyTeam, CompanyView, IntroDirection, IntroInbox,
    IntroRequestAnswer, IntroRequestCreated, IntroRequestState, IntroRequestView, IntroReview,
    IntroSettings, NewCompany, NewCompanyIntroRequest, NewIntroRequest, Permission,
    ProfessionalSummary,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{require_permission_of, ApiFailure, ApiJson, ApiPath, Authenticated};
use crate::companies::CompanyError;
use crate::db::intro_requests::RequestRecord;
use crate::intro_requests::{Direction, State as RequestState};
use crate::introductions::{AnswerSide, IntroError};
use crate::App;

fn wire_state(state: RequestState) -> IntroRequestState {
    match state {
        RequestState::OutOfNetwork => IntroRequestState::OutOfNetwork,
        RequestState::InReview => IntroRequestState::InReview,
        RequestState::Delivered => IntroRequestState::Delivered,
        RequestState::Accepted => IntroRequestState::Accepted,
        RequestState::DeclinedByNetwork => IntroRequestState::DeclinedByNetwork,
        RequestState::Declined => IntroRequestState::Declined,
    }
}

fn to_wire(r: RequestRecord) -> IntroRequestView {
    IntroRequestView {
        id: r.id,
        network_id: r.network_id,
        company_id: r.company_id,
        company_name: r.company_name,
        professional_name: r.professional_name,
        headline: r.headline,
        linkedin_url: r.linkedin_url,
        cv_url: r.cv_url,
        direction: match r.direction {
            Direction::ToCompany => IntroDirection::ToCompany,
            Direction::ToProfessional => IntroDirection::ToProfessional,
        },
        message: r.message,
        state: wire_state(r.state),
        reason: r.reason,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

impl From<IntroError> for ApiFailure {
    fn from(e: IntroError) -> Self {
        match e {
            IntroError::Invalid { field, message } => ApiFailure::Unprocessable(
                crate::console::page::sentence(&format!("the {field}: {message}")),
            ),
            IntroError::AlreadyOpen(id) => ApiFailure::Conflict(format!(
                "An open introduction request between them exists already ({id})."
            )),
            IntroError::NotConfirmed => {
                ApiFailure::Forbidden("Confirm your email before you request introductions.")
            }
            IntroError::NotFound => ApiFailure::NotFound,
            IntroError::NotAllowed(state) => ApiFailure::Conflict(format!(
                "This request is {state} and cannot be changed that way."
            )),
            IntroError::EmailTaken => {
                ApiFailure::Conflict("An account with this email exists already.".into())
            }
            IntroError::TooManyConfirmations => ApiFailure::TooManyEmails(
                crate::console::page::sentence(&e.to_string()),
                24 * 60 * 60,
            ),
            IntroError::Refused(failure) => failure,
            IntroError::Repo(e) => ApiFailure::Repo(e),
        }
    }
}

impl From<CompanyError> for ApiFailure {
    fn from(e: CompanyError) -> Self {
        match e {
            CompanyError::Invalid { field, message } => ApiFailure::Unprocessable(
                crate::console::page::sentence(&format!("the {field}: {message}")),
            ),
            CompanyError::NameTaken(id) => ApiFailure::Conflict(format!(
                "The network has a company of this name already ({id})."
            )),
            CompanyError::AlreadyAdmin => ApiFailure::Conflict(
                "This person is a Company Admin of the company already.".into(),
            ),
            CompanyError::NotFound | CompanyError::NoInvitation | CompanyError::NotAdmin => {
                ApiFailure::NotFound
            }
            CompanyError::NotPending => ApiFailure::Conflict(crate::console::page::sentence(
                &CompanyError::NotPending.to_string(),
            )),
            CompanyError::TooManyEmails(refused) => ApiFailure::TooManyEmails(
                crate::console::page::sentence(&e.to_string()),
                refused.retry_after.max(1) as u64,
            ),
            CompanyError::Unreadable(e) => ApiFailure::Unprocessable(e.to_string()),
            CompanyError::Refused(failure) => failure,
            CompanyError::Repo(e) => ApiFailure::Repo(e),
        }
    }
}

/// The Inbox: requests waiting for a Network Admin.
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/inbox",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network")),
    responses(
        (status = 200, description = "Out of network (by company) and In network", body = IntroInbox),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who reviews introduction requests", body = ApiError),
    )
)]
pub async fn inbox(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
) -> Result<Json<IntroInbox>, ApiFailure> {
    let (out, inn) = app.inbox(session.person_id, network_id).await?;
    Ok(Json(IntroInbox {
        out_of_network: out.into_iter().map(to_wire).collect(),
        in_network: inn.into_iter().map(to_wire).collect(),
        gatekeeper: app.gatekeeper(network_id).await?,
    }))
}

/// *Make Intro*, or *Decline* with a reason (the professional is told).
#[utoipa::path(
    post,
    path = "/v1/networks/{network_id}/inbox/{request_id}/review",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), ("request_id" = i64, Path, description = "The request")),
    request_body = IntroReview,
    responses(
        (status = 200, description = "The request's new state", body = IntroRequestCreated),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who reviews introduction requests", body = ApiError),
        (status = 404, description = "No such request in this network", body = ApiError),
        (status = 409, description = "The request's state does not allow it (nothing changed)", body = ApiError),
        (status = 422, description = "A decline without a reason, or one too long", body = ApiError),
    )
)]
pub async fn review(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, request_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<IntroReview>,
) -> Result<Json<IntroRequestCreated>, ApiFailure> {
    let state = app
        .review_request(
            session.person_id,
            network_id,
            request_id,
            body.make_intro,
            &body.reason,
        )
        .await?;
    Ok(Json(IntroRequestCreated {
        id: request_id,
        state: wire_state(state),
    }))
}

/// Gatekeeper mode: Network Admins review all introduction requests before they are sent.
#[utoipa::path(
    put,
    path = "/v1/networks/{network_id}/intro-settings",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network")),
    request_body = IntroSettings,
    responses(
        (status = 200, description = "The setting, as stored", body = IntroSettings),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who manages its settings", body = ApiError),
    )
)]
pub async fn settings(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiJson(body): ApiJson<IntroSettings>,
) -> Result<Json<IntroSettings>, ApiFailure> {
    app.set_gatekeeper(session.person_id, network_id, body.gatekeeper)
        .await?;
    Ok(Json(IntroSettings {
        gatekeeper: app.gatekeeper(network_id).await?,
    }))
}

/// The signed-in professional's requests in the network, newest first.
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/intro-requests",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network")),
    responses(
        (status = 200, description = "Their requests, and companies' requests to them", body = [IntroRequestView]),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not a professional of this network", body = ApiError),
    )
)]
pub async fn my_requests(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
) -> Result<Json<Vec<IntroRequestView>>, ApiFailure> {
    let intros = app.repo().intros();
    let professional = intros
        .professional(network_id, session.person_id)
        .await?
        .ok_or(ApiFailure::Forbidden(
            "Only a professional of this network can do this.",
        ))?;
    Ok(Json(
        intros
            .professional_requests(network_id, professional.id)
            .await?
            .into_iter()
            .map(to_wire)
            .collect(),
    ))
}

/// A professional requests an introduction to one of the network's companies: delivered to
/// its Company Admins at once, or to the Inbox (no Company Admin; gatekeeper mode).
#[utoipa::path(
    post,
    path = "/v1/networks/{network_id}/intro-requests",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network")),
    request_body = NewIntroRequest,
    responses(
        (status = 201, description = "Made: its id and where it went", body = IntroRequestCreated),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not a professional of this network, or their email is not confirmed", body = ApiError),
        (status = 404, description = "No such company in this network", body = ApiError),
        (status = 409, description = "An open request to this company exists already", body = ApiError),
        (status = 422, description = "An empty or too long message", body = ApiError),
    )
)]
pub async fn create(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewIntroRequest>,
) -> Result<(StatusCode, Json<IntroRequestCreated>), ApiFailure> {
    made(
        app.request_intro_to_company(
            session.person_id,
            network_id,
            body.company_id,
            &body.message,
        )
        .await?,
    )
}

/// `201 Created` with a new request's id and where it went.
fn made(
    (id, state): (i64, RequestState),
) -> Result<(StatusCode, Json<IntroRequestCreated>), ApiFailure> {
    Ok((
        StatusCode::CREATED,
        Json(IntroRequestCreated {
            id,
            state: wire_state(state),
        }),
    ))
}

/// The requests of a company the signed-in person is a Company Admin of.
#[utoipa::path(
    get,
    path = "/v1/companies/{company_id}/intro-requests",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("company_id" = i64, Path, description = "The company")),
    responses(
        (status = 200, description = "The requests that reached the company, newest first", body = [IntroRequestView]),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not a Company Admin of this company", body = ApiError),
    )
)]
pub async fn company_requests(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(company_id): ApiPath<i64>,
) -> Result<Json<Vec<IntroRequestView>>, ApiFailure> {
    let company = company_of(&app, session.person_id, company_id).await?;
    Ok(Json(
        app.repo()
            .intros()
            .company_requests(company.network_id, company.id)
            .await?
            .into_iter()
            .map(to_wire)
            .collect(),
    ))
}

/// A Company Admin accepts (both sides are introduced by email, the network in copy) or
/// declines (the professional is told) a request delivered to their company.
#[utoipa::path(
    post,
    path = "/v1/companies/{company_id}/intro-requests/{request_id}/answer",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("company_id" = i64, Path, description = "The company"), ("request_id" = i64, Path, description = "The request")),
    request_body = IntroRequestAnswer,
    responses(
        (status = 200, description = "The request's new state", body = IntroRequestCreated),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not a Company Admin of this company", body = ApiError),
        (status = 404, description = "No such request to this company", body = ApiError),
        (status = 409, description = "The request is not waiting for an answer (nothing changed)", body = ApiError),
    )
)]
pub async fn answer(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((company_id, request_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<IntroRequestAnswer>,
) -> Result<Json<IntroRequestCreated>, ApiFailure> {
    answered(
        &app,
        session.person_id,
        AnswerSide::Company(company_id),
        request_id,
        body,
    )
    .await
}

/// A recipient's answer (from the Company Admins' side or the professional's), and the
/// request's new state.
async fn answered(
    app: &App,
    person_id: i64,
    side: AnswerSide,
    request_id: i64,
    answer: IntroRequestAnswer,
) -> Result<Json<IntroRequestCreated>, ApiFailure> {
    let state = app
        .answer_request(person_id, side, request_id, answer.accept, &answer.reason)
        .await?;
    Ok(Json(IntroRequestCreated {
        id: request_id,
        state: wire_state(state),
    }))
}

/// The network's companies, by name.
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/companies",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network")),
    responses(
        (status = 200, description = "The companies", body = [CompanyView]),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who reviews introduction requests", body = ApiError),
    )
)]
pub async fn companies(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
) -> Result<Json<Vec<CompanyView>>, ApiFailure> {
    require_permission_of(
        &app,
        session.person_id,
        network_id,
        Permission::ReviewRequests,
    )
    .await?;
    Ok(Json(
        app.repo()
            .companies()
            .companies(network_id, None)
            .await?
            .into_iter()
            .map(|c| CompanyView {
                id: c.id,
                name: c.name,
                website: c.website,
                description: c.description,
                company_admins: c.admins.max(0) as u64,
                waiting: c.waiting.max(0) as u64,
            })
            .collect(),
    ))
}

/// Adds a company to the network.
#[utoipa::path(
    post,
    path = "/v1/networks/{network_id}/companies",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network")),
    request_body = NewCompany,
    responses(
        (status = 201, description = "Added", body = CompanyView),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who reviews introduction requests", body = ApiError),
        (status = 409, description = "A company of this name exists already", body = ApiError),
        (status = 422, description = "A missing name, a website that is not one", body = ApiError),
    )
)]
pub async fn create_company(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewCompany>,
) -> Result<(StatusCode, Json<CompanyView>), ApiFailure> {
    let id = app
        .create_company(
            session.person_id,
            network_id,
            &body.name,
            &body.website,
            &body.description,
        )
        .await?;
    let c = app
        .repo()
        .companies()
        .company(network_id, id)
        .await?
        .ok_or(ApiFailure::NotFound)?;
    Ok((
        StatusCode::CREATED,
        Json(CompanyView {
            id: c.id,
            name: c.name,
            website: c.website,
            description: c.description,
            company_admins: c.admins.max(0) as u64,
            waiting: c.waiting.max(0) as u64,
        }),
    ))
}

/// *Add point of contact and suggest intro*: invites a contact at the company to become its
/// Company Admin (the email is queued); once they accept, the company's waiting requests go
/// to them.
#[utoipa::path(
    post,
    path = "/v1/networks/{network_id}/companies/{company_id}/contacts",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), ("company_id" = i64, Path, description = "The company")),
    request_body = CompanyContact,
    responses(
        (status = 202, description = "The invitation email is queued"),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who reviews introduction requests", body = ApiError),
        (status = 404, description = "No such company in this network", body = ApiError),
        (status = 409, description = "This person is a Company Admin of the company already", body = ApiError),
        (status = 422, description = "A missing name or an invalid email address", body = ApiError),
    )
)]
pub async fn add_contact(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, company_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<CompanyContact>,
) -> Result<StatusCode, ApiFailure> {
    require_permission_of(
        &app,
        session.person_id,
        network_id,
        Permission::ReviewRequests,
    )
    .await?;
    let company = app
        .repo()
        .companies()
        .company(network_id, company_id)
        .await?
        .ok_or(ApiFailure::NotFound)?;
    app.invite_company_admin(session.person_id, &company, &body.name, &body.email)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// The company, if the signed-in person is one of its Company Admins.
async fn company_of(
    app: &App,
    person_id: i64,
    company_id: i64,
) -> Result<crate::db::companies::CompanyRecord, ApiFailure> {
    app.repo()
        .companies()
        .company_of_admin(person_id, company_id)
        .await?
        .ok_or(ApiFailure::Forbidden(
            "Only a Company Admin of this company can do this.",
        ))
}

/// The company requests an introduction to a professional of its network (its Company Admins
/// answer the professional's answer; the professional is emailed, or the Inbox reviews it
/// first in gatekeeper mode).
#[utoipa::path(
    post,
    path = "/v1/companies/{company_id}/intro-requests",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("company_id" = i64, Path, description = "The company")),
    request_body = NewCompanyIntroRequest,
    responses(
        (status = 201, description = "Made: its id and where it went", body = IntroRequestCreated),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not a Company Admin of this company", body = ApiError),
        (status = 404, description = "No such professional in the company's network", body = ApiError),
        (status = 409, description = "An open request between them exists already", body = ApiError),
        (status = 422, description = "An empty or too long message", body = ApiError),
    )
)]
pub async fn company_create(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(company_id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewCompanyIntroRequest>,
) -> Result<(StatusCode, Json<IntroRequestCreated>), ApiFailure> {
    let by = session.person_id;
    made(
        app.request_intro_to_professional(by, company_id, body.professional_id, &body.message)
            .await?,
    )
}

/// The confirmed professionals of the company's network, to request an introduction to.
#[utoipa::path(
    get,
    path = "/v1/companies/{company_id}/professionals",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("company_id" = i64, Path, description = "The company")),
    responses(
        (status = 200, description = "The network's confirmed professionals, by name (at most 500)", body = [ProfessionalSummary]),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not a Company Admin of this company", body = ApiError),
    )
)]
pub async fn company_professionals(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(company_id): ApiPath<i64>,
) -> Result<Json<Vec<ProfessionalSummary>>, ApiFailure> {
    let company = company_of(&app, session.person_id, company_id).await?;
    Ok(Json(
        app.repo()
            .intros()
            .professionals(company.network_id)
            .await?
            .into_iter()
            .map(|p| ProfessionalSummary {
                id: p.id,
                name: p.name,
                headline: p.headline,
                linkedin_url: p.linkedin_url,
            })
            .collect(),
    ))
}

/// A Company Admin invites a colleague to be a Company Admin of their company too (the
/// email is queued), so they can tag team.
#[utoipa::path(
    post,
    path = "/v1/companies/{company_id}/colleagues",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("company_id" = i64, Path, description = "The company")),
    request_body = CompanyContact,
    responses(
        (status = 202, description = "The invitation email is queued"),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not a Company Admin of this company", body = ApiError),
        (status = 409, description = "This person is a Company Admin of the company already", body = ApiError),
        (status = 422, description = "A missing name or an invalid email address", body = ApiError),
        (status = 429, description = "`rate_limited`: the address had 3 invitation emails from this network in the last 24 hours; see `Retry-After`", body = ApiError),
    )
)]
pub async fn invite_colleague(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(company_id): ApiPath<i64>,
    ApiJson(body): ApiJson<CompanyContact>,
) -> Result<StatusCode, ApiFailure> {
    let company = company_of(&app, session.person_id, company_id).await?;
    app.invite_company_admin(session.person_id, &company, &body.name, &body.email)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// A professional accepts (both sides are introduced by email, the network in copy) or
/// declines (the company is told) a company's request delivered to them.
#[utoipa::path(
    post,
    path = "/v1/networks/{network_id}/intro-requests/{request_id}/answer",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), ("request_id" = i64, Path, description = "The request")),
    request_body = IntroRequestAnswer,
    responses(
        (status = 200, description = "The request's new state", body = IntroRequestCreated),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 404, description = "No such request to this professional", body = ApiError),
        (status = 409, description = "The request is not waiting for an answer (nothing changed)", body = ApiError),
    )
)]
pub async fn professional_answer(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, request_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<IntroRequestAnswer>,
) -> Result<Json<IntroRequestCreated>, ApiFailure> {
    let side = AnswerSide::Professional(network_id);
    answered(&app, session.person_id, side, request_id, body).await
}

/// A company's Company Admins and its invitations to become one.
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/companies/{company_id}/team",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), ("company_id" = i64, Path, description = "The company")),
    responses(
        (status = 200, description = "Its Company Admins and invitations", body = CompanyTeam),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who reviews introduction requests", body = ApiError),
        (status = 404, description = "No such company in this network", body = ApiError),
    )
)]
pub async fn company_team(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, company_id)): ApiPath<(i64, i64)>,
) -> Result<Json<CompanyTeam>, ApiFailure> {
    let company = app
        .reviewed_company(session.person_id, network_id, company_id)
        .await?;
    let (admins, invitations) = app.company_team(&company).await?;
    let now = app.now();
    Ok(Json(CompanyTeam {
        company_id: company.id,
        company_name: company.name,
        admins: admins
            .into_iter()
            .map(|a| CompanyAdminView {
                person_id: a.person_id,
                name: a.name,
                email: a.email,
                since: a.since,
            })
            .collect(),
        invitations: invitations
            .into_iter()
            .map(|i| CompanyInvitationView {
                state: if i.used_at.is_some() {
                    CompanyInvitationState::Accepted
                } else if i.revoked_at.is_some() {
                    CompanyInvitationState::Revoked
                } else if i.expires_at <= now {
                    CompanyInvitationState::Expired
                } else {
                    CompanyInvitationState::Pending
                },
                id: i.id,
                name: i.name,
                email: i.email,
                invited_by: i.invited_by,
                created_at: i.created_at,
                expires_at: i.expires_at,
            })
            .collect(),
    }))
}

/// *Resend* an invitation to become a Company Admin: its email again, with a new link (the
/// previous one stops working) valid a week.
#[utoipa::path(
    post,
    path = "/v1/networks/{network_id}/companies/{company_id}/invitations/{invitation_id}/resend",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), ("company_id" = i64, Path, description = "The company"), ("invitation_id" = i64, Path, description = "The invitation")),
    responses(
        (status = 202, description = "The invitation email is queued again"),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who reviews introduction requests", body = ApiError),
        (status = 404, description = "No such invitation to this company", body = ApiError),
        (status = 409, description = "Accepted or revoked already (nothing changed)", body = ApiError),
        (status = 429, description = "`rate_limited`: the address had 3 invitation emails from this network in the last 24 hours; see `Retry-After`", body = ApiError),
    )
)]
pub async fn resend_company_invitation(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, company_id, invitation_id)): ApiPath<(i64, i64, i64)>,
) -> Result<StatusCode, ApiFailure> {
    app.change_company_invitation(
        session.person_id,
        network_id,
        company_id,
        invitation_id,
        true,
    )
    .await?;
    Ok(StatusCode::ACCEPTED)
}

/// *Revoke* a pending invitation to become a Company Admin: its link stops working.
#[utoipa::path(
    delete,
    path = "/v1/networks/{network_id}/companies/{company_id}/invitations/{invitation_id}",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), ("company_id" = i64, Path, description = "The company"), ("invitation_id" = i64, Path, description = "The invitation")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who reviews introduction requests", body = ApiError),
        (status = 404, description = "No such invitation to this company", body = ApiError),
        (status = 409, description = "Not pending any more: accepted, revoked or expired (nothing changed)", body = ApiError),
    )
)]
pub async fn revoke_company_invitation(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, company_id, invitation_id)): ApiPath<(i64, i64, i64)>,
) -> Result<StatusCode, ApiFailure> {
    app.change_company_invitation(
        session.person_id,
        network_id,
        company_id,
        invitation_id,
        false,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn removed_view((admins_left, back): (i64, usize)) -> Json<CompanyAdminRemoved> {
    Json(CompanyAdminRemoved {
        admins_left: admins_left.max(0) as u64,
        requests_back_to_inbox: back as u64,
    })
}

/// A Network Admin removes a Company Admin of one of the network's companies. With none left,
/// the requests to the company that waited on them go back to the Inbox's *Out of network*.
#[utoipa::path(
    delete,
    path = "/v1/networks/{network_id}/companies/{company_id}/admins/{person_id}",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), ("company_id" = i64, Path, description = "The company"), ("person_id" = i64, Path, description = "The Company Admin")),
    responses(
        (status = 200, description = "Removed", body = CompanyAdminRemoved),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who reviews introduction requests", body = ApiError),
        (status = 404, description = "No such company in this network, or not one of its Company Admins", body = ApiError),
    )
)]
pub async fn remove_company_admin(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, company_id, person_id)): ApiPath<(i64, i64, i64)>,
) -> Result<Json<CompanyAdminRemoved>, ApiFailure> {
    let company = app
        .reviewed_company(session.person_id, network_id, company_id)
        .await?;
    Ok(removed_view(
        app.remove_company_admin(session.person_id, &company, person_id)
            .await?,
    ))
}

/// A Company Admin removes a colleague of their own company (or themselves: they leave).
#[utoipa::path(
    delete,
    path = "/v1/companies/{company_id}/admins/{person_id}",
    tag = "introduction requests",
    security(("bearer" = [])),
    params(("company_id" = i64, Path, description = "The company"), ("person_id" = i64, Path, description = "The Company Admin")),
    responses(
        (status = 200, description = "Removed", body = CompanyAdminRemoved),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not a Company Admin of this company", body = ApiError),
        (status = 404, description = "Not a Company Admin of this company", body = ApiError),
    )
)]
pub async fn remove_colleague(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((company_id, person_id)): ApiPath<(i64, i64)>,
) -> Result<Json<CompanyAdminRemoved>, ApiFailure> {
    let company = company_of(&app, session.person_id, company_id).await?;
    Ok(removed_view(
        app.remove_company_admin(session.person_id, &company, person_id)
            .await?,
    ))
}

/// The routes, with their operations in the OpenAPI document.
pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(inbox))
        .routes(routes!(review))
        .routes(routes!(settings))
        .routes(routes!(my_requests, create))
        .routes(routes!(company_requests, company_create))
        .routes(routes!(answer))
        .routes(routes!(companies, create_company))
        .routes(routes!(add_contact))
        .routes(routes!(company_professionals))
        .routes(routes!(invite_colleague))
        .routes(routes!(professional_answer))
        .routes(routes!(company_team))
        .routes(routes!(resend_company_invitation))
        .routes(routes!(revoke_company_invitation))
        .routes(routes!(remove_company_admin))
        .routes(routes!(remove_colleague))
}
