//! The network's view (admins): its allies' shared contacts, searchable, one row per contact
//! with the allies who know it; and introduction asks, from admin to ally and back.
//!
//! The service functions here ([`contacts_page`], [`contact_of`], [`ask_introduction`],
//! [`asks_page`]) hold the permission check and are shared with the console's Contacts, contact
//! and Asks pages, so both answer by the same rule.

use allyshare_protocol::limits::{NOTE_MAX_CHARS, PAGE_MAX_ITEMS};
use allyshare_protocol::{
    ApiError, ContactPage, IntroAnswer, IntroAsk, IntroAskRequest, IntroAskState, IntroOutcome,
    NetworkContact, Permission,
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

use super::{require_permission_of, ApiFailure, ApiJson, ApiPath, ApiQuery, Authenticated};
use crate::db::{
    AnswerOutcome, AskOutcome, AsksPage, ContactPosition, ContactQuery, ContactSort, NewIntroAsk,
};
use crate::App;

/// Default page size of the network's contacts.
pub const DEFAULT_PAGE_ITEMS: usize = 50;
/// Longest search, in characters.
pub const SEARCH_MAX_CHARS: usize = 200;
/// Longest cursor, in characters (a position is a few hundred).
pub const CURSOR_MAX_CHARS: usize = 2_000;
/// Longest contact key (`member:` and a LinkedIn id).
pub const KEY_MAX_CHARS: usize = "member:".len() + allyshare_protocol::contacts::MAX_ID_CHARS;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactsParams {
    /// Words that must each begin a word of the name or headline (case and accents
    /// aside).
    #[serde(default)]
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only the contacts this ally (a person id) knows.
    #[serde(default)]
    pub ally: Option<i64>,
    /// Only the contacts an ally connected with on this day or later (`YYYY-MM-DD`).
    #[serde(default)]
    #[param(max_length = 10, example = "2024-01-31")]
    pub since: Option<String>,
    /// `name` (the default), `recent` (most recently connected first) or `allies` (known by
    /// the most allies first).
    #[serde(default)]
    #[param(max_length = 8)]
    pub sort: Option<String>,
    /// `next_cursor` of the previous page (with the same sort).
    #[serde(default)]
    #[param(max_length = 2000)]
    pub cursor: Option<String>,
    /// Rows per page, 1 to 100 (default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

/// A cursor: the sort it belongs to and the last row's position.
pub fn encode_cursor(sort: ContactSort, position: &ContactPosition) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(sort.as_str(), position)).unwrap_or_default())
}

/// The position of a cursor made for `sort`; `None` if it is not one.
pub fn decode_cursor(sort: ContactSort, cursor: &str) -> Option<ContactPosition> {
    if cursor.len() > CURSOR_MAX_CHARS {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let (made_for, position): (String, ContactPosition) = serde_json::from_slice(&bytes).ok()?;
    (made_for == sort.as_str()).then_some(position)
}

/// `YYYY-MM-DD` with a real month and day (the form of `connected_on`), trimmed; `None` else.
pub fn parse_date(text: &str) -> Option<String> {
    let text = text.trim();
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return None;
    }
    let month: u32 = text[5..7].parse().ok()?;
    let day: u32 = text[8..10].parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then(|| text.to_string())
}

/// The search as the query takes it: trimmed; an error if it is too long.
pub fn check_search(q: &str) -> Result<String, ApiFailure> {
    let q = q.trim();
    if q.chars().count() > SEARCH_MAX_CHARS {
        return Err(ApiFailure::LimitExceeded(format!(
            "The search is too long (at most {SEARCH_MAX_CHARS} characters)."
        )));
    }
    Ok(q.to_string())
}

/// A page of the contacts shared with the network, if `person_id` may see them (403
/// otherwise): the one service behind `GET /v1/networks/{id}/contacts` and the console's
/// Contacts page.
pub async fn contacts_page(
    app: &App,
    person_id: i64,
    network_id: i64,
    query: &ContactQuery,
) -> Result<(Vec<NetworkContact>, Option<ContactPosition>), ApiFailure> {
    require_permission_of(app, person_id, network_id, Permission::ViewContacts).await?;
    Ok(app.repo().network_contacts(network_id, query).await?)
}

/// One contact shared with the network and every ally who knows them, if `person_id` may see
/// the contacts (403 otherwise; 404 if no sharing ally of the network knows them).
pub async fn contact_of(
    app: &App,
    person_id: i64,
    network_id: i64,
    key: &str,
) -> Result<NetworkContact, ApiFailure> {
    require_permission_of(app, person_id, network_id, Permission::ViewContacts).await?;
    if key.chars().count() > KEY_MAX_CHARS {
        return Err(ApiFailure::NotFound);
    }
    app.repo()
        .network_contact(network_id, key)
        .await?
        .ok_or(ApiFailure::NotFound)
}

/// The contacts shared with the network, one row per contact with every ally who knows them;
/// searched, filtered by ally and date, sorted, paged.
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/contacts",
    tag = "network",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), ContactsParams),
    responses(
        (status = 200, description = "A page of contacts", body = ContactPage),
        (status = 400, description = "Bad cursor, limit, date or sort", body = ApiError),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who may view its contacts", body = ApiError),
        (status = 422, description = "The search is over 200 characters", body = ApiError),
    )
)]
pub async fn contacts(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<ContactsParams>,
) -> Result<Json<ContactPage>, ApiFailure> {
    let limit = params.limit.unwrap_or(DEFAULT_PAGE_ITEMS);
    if !(1..=PAGE_MAX_ITEMS).contains(&limit) {
        return Err(ApiFailure::InvalidRequest(format!(
            "limit must be between 1 and {PAGE_MAX_ITEMS}."
        )));
    }
    let sort = match params.sort.as_deref() {
        None | Some("") => ContactSort::default(),
        Some(s) => ContactSort::parse(s).ok_or_else(|| {
            ApiFailure::InvalidRequest("sort must be name, recent or allies.".into())
        })?,
    };
    let after = params
        .cursor
        .as_deref()
        .map(|c| {
            decode_cursor(sort, c)
                .ok_or_else(|| ApiFailure::InvalidRequest("The cursor is not valid.".into()))
        })
        .transpose()?;
    let connected_since = params
        .since
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            parse_date(s).ok_or_else(|| {
                ApiFailure::InvalidRequest("since must be a date, YYYY-MM-DD.".into())
            })
        })
        .transpose()?;
    let search = check_search(params.q.as_deref().unwrap_or(""))?;
    let (contacts, last) = contacts_page(
        &app,
        session.person_id,
        network_id,
        &ContactQuery {
            search,
            ally_id: params.ally,
            connected_since,
            sort,
            after,
            limit,
        },
    )
    .await?;
    Ok(Json(ContactPage {
        contacts,
        next_cursor: last.map(|position| encode_cursor(sort, &position)),
    }))
}

/// One contact shared with the network, with every ally who knows them and since when.
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/contacts/{key}",
    tag = "network",
    security(("bearer" = [])),
    params(
        ("network_id" = i64, Path, description = "The network"),
        ("key" = String, Path, max_length = 207, description = "The contact's key (`member:…` or `url:…`), percent-encoded"),
    ),
    responses(
        (status = 200, description = "The contact", body = NetworkContact),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who may view its contacts", body = ApiError),
        (status = 404, description = "No ally sharing with this network knows this contact", body = ApiError),
    )
)]
pub async fn contact(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, key)): ApiPath<(i64, String)>,
) -> Result<Json<NetworkContact>, ApiFailure> {
    Ok(Json(
        contact_of(&app, session.person_id, network_id, &key).await?,
    ))
}

fn check_text(what: &str, text: &str) -> Result<(), ApiFailure> {
    if text.chars().count() > NOTE_MAX_CHARS {
        return Err(ApiFailure::Unprocessable(format!(
            "The {what} is too long (at most {NOTE_MAX_CHARS} characters)."
        )));
    }
    Ok(())
}

/// Asks an ally to introduce a contact they share with the network, if `person_id` may ask
/// (403 otherwise): the one service behind `POST /v1/networks/{id}/intro-asks` and the
/// console's *Ask for an introduction*. 404 when that ally does not share that contact with
/// the network, 409 when the same ask is pending, 422 for a note over the limit.
pub async fn ask_introduction(
    app: &App,
    person_id: i64,
    network_id: i64,
    ally_id: i64,
    contact_key: &str,
    note: &str,
) -> Result<IntroAsk, ApiFailure> {
    require_permission_of(app, person_id, network_id, Permission::AskIntroductions).await?;
    let note = note.trim();
    check_text("note", note)?;
    // Through the App, which wakes the mail queue for the ally's email.
    match app
        .create_ask(&NewIntroAsk {
            network_id,
            admin_id: person_id,
            ally_id,
            contact_key,
            note,
            now: app.now(),
        })
        .await?
    {
        AskOutcome::Created(ask) => Ok(*ask),
        AskOutcome::NotVisible => Err(ApiFailure::NotFound),
        AskOutcome::AlreadyPending => Err(ApiFailure::Conflict(
            "This ally already has a pending ask for this contact.".into(),
        )),
    }
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
        (status = 403, description = "Not an admin of this network who may ask for introductions", body = ApiError),
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
    let ask = ask_introduction(
        &app,
        session.person_id,
        network_id,
        request.ally_id,
        &request.contact_key,
        &request.note,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ask)))
}

/// A page of the network's asks, newest first, if `person_id` may see them (403 otherwise):
/// the one service behind `GET /v1/networks/{id}/intro-asks` and the console's Asks page.
pub async fn asks_page(
    app: &App,
    person_id: i64,
    network_id: i64,
    state: Option<IntroAskState>,
    page: AsksPage,
) -> Result<Vec<IntroAsk>, ApiFailure> {
    require_permission_of(app, person_id, network_id, Permission::ViewContacts).await?;
    Ok(app
        .repo()
        .network_asks_page(network_id, state, page)
        .await?)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsksParams {
    /// Only asks in this state.
    #[serde(default)]
    #[param(value_type = Option<IntroAskState>)]
    pub state: Option<IntroAskState>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NetworkAsksParams {
    /// Only asks in this state.
    #[serde(default)]
    #[param(value_type = Option<IntroAskState>)]
    pub state: Option<IntroAskState>,
    /// Only asks older than this one (the `id` of the last ask of the previous page).
    #[serde(default)]
    pub before: Option<i64>,
    /// At most this many, 1 to 100 (all when absent).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// The network's asks, newest first.
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/intro-asks",
    tag = "network",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), NetworkAsksParams),
    responses(
        (status = 200, description = "The asks", body = [IntroAsk]),
        (status = 400, description = "A limit outside 1–100", body = ApiError),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who may view its contacts", body = ApiError),
    )
)]
pub async fn network_asks(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<NetworkAsksParams>,
) -> Result<Json<Vec<IntroAsk>>, ApiFailure> {
    if params
        .limit
        .is_some_and(|l| !(1..=PAGE_MAX_ITEMS as i64).contains(&l))
    {
        return Err(ApiFailure::InvalidRequest(format!(
            "limit must be between 1 and {PAGE_MAX_ITEMS}."
        )));
    }
    Ok(Json(
        asks_page(
            &app,
            session.person_id,
            network_id,
            params.state,
            AsksPage {
                before: params.before,
                limit: params.limit,
            },
        )
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
        .routes(routes!(contact))
        .routes(routes!(network_asks, create_ask))
        .routes(routes!(my_asks))
        .routes(routes!(answer_ask))
}
