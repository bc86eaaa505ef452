//! The network's view (admins): its allies' shared contacts, searchable, one row per contact
//! with the allies who know it; and introduction asks, from admin to ally and back.

use allyshare_protocol::limits::{NOTE_MAX_CHARS, PAGE_MAX_ITEMS};
use allyshare_protocol::{
    ApiError, ContactPage, IntroAnswer, IntroAsk, IntroAskRequest, IntroAskState, IntroOutcome,
    Permission,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{require_permission, ApiFailure, ApiJson, ApiPath, ApiQuery, Authenticated};
use crate::db::{AnswerOutcome, AskOutcome, ContactQuery, NewIntroAsk};
use crate::App;

/// Default page size of the network's contacts.
pub const DEFAULT_PAGE_ITEMS: usize = 50;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactsParams {
    /// Words that must all appear in the name, headline or company (case-insensitive).
    #[serde(default)]
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Rows per page, 1 to 100 (default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

fn encode_cursor(name: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(name, key)).unwrap_or_default())
}

fn decode_cursor(cursor: &str) -> Result<(String, String), ApiFailure> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| ApiFailure::InvalidRequest("The cursor is not valid.".into()))
}

/// The contacts shared with the network, ordered by name; the same person known by several
/// allies is one row, with every ally in `known_by`.
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/contacts",
    tag = "network",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), ContactsParams),
    responses(
        (status = 200, description = "A page of contacts", body = ContactPage),
        (status = 400, description = "Bad cursor or limit", body = ApiError),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network", body = ApiError),
    )
)]
pub async fn contacts(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<ContactsParams>,
) -> Result<Json<ContactPage>, ApiFailure> {
    require_permission(&app, &session, network_id, Permission::ViewContacts).await?;
    let limit = params.limit.unwrap_or(DEFAULT_PAGE_ITEMS);
    if !(1..=PAGE_MAX_ITEMS).contains(&limit) {
        return Err(ApiFailure::InvalidRequest(format!(
            "limit must be between 1 and {PAGE_MAX_ITEMS}."
        )));
    }
    let after = params.cursor.as_deref().map(decode_cursor).transpose()?;
    let search = params.q.unwrap_or_default();
    if search.chars().count() > 200 {
        return Err(ApiFailure::InvalidRequest(
            "The search is too long (at most 200 characters).".into(),
        ));
    }
    let (contacts, last) = app
        .repo()
        .network_contacts(
            network_id,
            &ContactQuery {
                search,
                after,
                limit,
            },
        )
        .await?;
    Ok(Json(ContactPage {
        contacts,
        next_cursor: last.map(|(name, key)| encode_cursor(&name, &key)),
    }))
}

fn check_text(what: &str, text: &str) -> Result<(), ApiFailure> {
    if text.chars().count() > NOTE_MAX_CHARS {
        return Err(ApiFailure::Unprocessable(format!(
            "The {what} is too long (at most {NOTE_MAX_CHARS} characters)."
        )));
    }
    Ok(())
}

/// Ask an ally to introduce one of the contacts they share with the network. The ally is
/// emailed about it (unless they turned ask emails off), at most once an hour: asks made in
/// between come together in the next email.
#[utoipa::path(
    post,
    path = "/v1/networks/{network_id}/intro-asks",
    tag = "network",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network")),
    request_body = IntroAskRequest,
    responses(
        (status = 201, description = "Asked", body = IntroAsk),
        (status = 400, description = "Malformed request", body = ApiError),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network", body = ApiError),
        (status = 404, description = "That ally does not share that contact with this network", body = ApiError),
        (status = 409, description = "The same ask is already pending", body = ApiError),
        (status = 422, description = "The note is too long", body = ApiError),
    )
)]
pub async fn create_ask(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiJson(request): ApiJson<IntroAskRequest>,
) -> Result<(StatusCode, Json<IntroAsk>), ApiFailure> {
    require_permission(&app, &session, network_id, Permission::AskIntroductions).await?;
    let note = request.note.trim();
    check_text("note", note)?;
    match app
        .create_ask(&NewIntroAsk {
            network_id,
            admin_id: session.person_id,
            ally_id: request.ally_id,
            contact_key: &request.contact_key,
            note,
            now: app.now(),
        })
        .await?
    {
        AskOutcome::Created(ask) => Ok((StatusCode::CREATED, Json(*ask))),
        AskOutcome::NotVisible => Err(ApiFailure::NotFound),
        AskOutcome::AlreadyPending => Err(ApiFailure::Conflict(
            "This ally already has a pending ask for this contact.".into(),
        )),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsksParams {
    /// Only asks in this state.
    #[serde(default)]
    #[param(value_type = Option<IntroAskState>)]
    pub state: Option<IntroAskState>,
}

/// The network's asks, newest first.
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/intro-asks",
    tag = "network",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), AsksParams),
    responses(
        (status = 200, description = "The asks", body = [IntroAsk]),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network", body = ApiError),
    )
)]
pub async fn network_asks(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<AsksParams>,
) -> Result<Json<Vec<IntroAsk>>, ApiFailure> {
    require_permission(&app, &session, network_id, Permission::ViewContacts).await?;
    Ok(Json(
        app.repo()
            .list_asks(Some(network_id), None, params.state)
            .await?,
    ))
}

/// The asks addressed to the signed-in ally, in every network, newest first.
#[utoipa::path(
    get,
    path = "/v1/intro-asks",
    tag = "intro asks",
    security(("bearer" = [])),
    params(AsksParams),
    responses(
        (status = 200, description = "The asks", body = [IntroAsk]),
        (status = 401, description = "No valid access token", body = ApiError),
    )
)]
pub async fn my_asks(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiQuery(params): ApiQuery<AsksParams>,
) -> Result<Json<Vec<IntroAsk>>, ApiFailure> {
    Ok(Json(
        app.repo()
            .list_asks(None, Some(session.person_id), params.state)
            .await?,
    ))
}

/// Answer an ask: `made` or `declined` (with an optional reason).
#[utoipa::path(
    post,
    path = "/v1/intro-asks/{ask_id}/answer",
    tag = "intro asks",
    security(("bearer" = [])),
    params(("ask_id" = i64, Path, description = "The ask")),
    request_body = IntroAnswer,
    responses(
        (status = 200, description = "Answered", body = IntroAsk),
        (status = 400, description = "Malformed request", body = ApiError),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 404, description = "No such ask to this ally", body = ApiError),
        (status = 409, description = "Already answered", body = ApiError),
        (status = 422, description = "The reason is too long", body = ApiError),
    )
)]
pub async fn answer_ask(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(ask_id): ApiPath<i64>,
    ApiJson(answer): ApiJson<IntroAnswer>,
) -> Result<Json<IntroAsk>, ApiFailure> {
    let reason = answer
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty() && answer.outcome == IntroOutcome::Declined);
    check_text("reason", reason.unwrap_or(""))?;
    match app
        .repo()
        .answer_ask(session.person_id, ask_id, answer.outcome, reason, app.now())
        .await?
    {
        AnswerOutcome::Answered(ask) => Ok(Json(*ask)),
        AnswerOutcome::NotFound => Err(ApiFailure::NotFound),
        AnswerOutcome::NotPending(state) => Err(ApiFailure::Conflict(format!(
            "This ask is {} already.",
            state.as_str()
        ))),
    }
}

/// The routes, each with its operation in the OpenAPI document.
pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(contacts))
        .routes(routes!(network_asks, create_ask))
        .routes(routes!(my_asks))
        .routes(routes!(answer_ask))
}
