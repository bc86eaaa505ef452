//! Introduction lists over the API: the network's named lists of contacts, their entries, the
//! CSV export and asking for a whole list. Each operation is one service function of
//! [`crate::lists`], shared with the console's pages, which checks its permission.

use allyshare_protocol::{
    ApiError, EntriesAdded, EntriesRemoved, IntroList, IntroListDetail, IntroListRequest,
    ListAskRequest, ListAskResult, ListEntriesRequest,
};
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiFailure, ApiJson, ApiPath, Authenticated};
use crate::App;

/// The network's introduction lists, by name, with how many contacts each holds.
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/lists",
    tag = "lists",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network")),
    responses(
        (status = 200, description = "The lists", body = [IntroList]),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who may see its contacts", body = ApiError),
    )
)]
pub async fn intro_lists(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
) -> Result<Json<Vec<IntroList>>, ApiFailure> {
    let (_, lists) = app.intro_lists(session.person_id, network_id).await?;
    Ok(Json(lists))
}

/// Create an introduction list (permission `manage_lists`).
#[utoipa::path(
    post,
    path = "/v1/networks/{network_id}/lists",
    tag = "lists",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network")),
    request_body = IntroListRequest,
    responses(
        (status = 201, description = "Created", body = IntroList),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who may manage lists", body = ApiError),
        (status = 409, description = "The network has a list of this name (whatever the case)", body = ApiError),
        (status = 422, description = "An empty or too long name, control characters, or the network has 200 lists", body = ApiError),
    )
)]
pub async fn create_list(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiJson(request): ApiJson<IntroListRequest>,
) -> Result<(StatusCode, Json<IntroList>), ApiFailure> {
    let list = app
        .create_intro_list(session.person_id, network_id, &request.name)
        .await?;
    Ok((StatusCode::CREATED, Json(list)))
}

/// A list and its contacts, by name, each with the allies who know it (the first is the one
/// an introduction is asked of).
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/lists/{list_id}",
    tag = "lists",
    security(("bearer" = [])),
    params(
        ("network_id" = i64, Path, description = "The network"),
        ("list_id" = i64, Path, description = "The list"),
    ),
    responses(
        (status = 200, description = "The list", body = IntroListDetail),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who may see its contacts", body = ApiError),
        (status = 404, description = "No such list in this network", body = ApiError),
    )
)]
pub async fn intro_list(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, list_id)): ApiPath<(i64, i64)>,
) -> Result<Json<IntroListDetail>, ApiFailure> {
    let (_, detail) = app
        .intro_list(session.person_id, network_id, list_id)
        .await?;
    Ok(Json(detail))
}

/// Rename a list (permission `manage_lists`).
#[utoipa::path(
    put,
    path = "/v1/networks/{network_id}/lists/{list_id}",
    tag = "lists",
    security(("bearer" = [])),
    params(
        ("network_id" = i64, Path, description = "The network"),
        ("list_id" = i64, Path, description = "The list"),
    ),
    request_body = IntroListRequest,
    responses(
        (status = 200, description = "Renamed", body = IntroList),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who may manage lists", body = ApiError),
        (status = 404, description = "No such list in this network", body = ApiError),
        (status = 409, description = "Another list of the network has this name", body = ApiError),
        (status = 422, description = "An empty or too long name, or control characters", body = ApiError),
    )
)]
pub async fn rename_list(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, list_id)): ApiPath<(i64, i64)>,
    ApiJson(request): ApiJson<IntroListRequest>,
) -> Result<Json<IntroList>, ApiFailure> {
    Ok(Json(
        app.rename_intro_list(session.person_id, network_id, list_id, &request.name)
            .await?,
    ))
}

/// Delete a list and its entries (permission `manage_lists`). The contacts themselves stay.
#[utoipa::path(
    delete,
    path = "/v1/networks/{network_id}/lists/{list_id}",
    tag = "lists",
    security(("bearer" = [])),
    params(
        ("network_id" = i64, Path, description = "The network"),
        ("list_id" = i64, Path, description = "The list"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who may manage lists", body = ApiError),
        (status = 404, description = "No such list in this network", body = ApiError),
    )
)]
pub async fn delete_list(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, list_id)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiFailure> {
    app.delete_intro_list(session.person_id, network_id, list_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add contacts of the network to a list, by key (permission `manage_lists`). Keys the
/// network does not see are not added (counted in `not_found`).
#[utoipa::path(
    post,
    path = "/v1/networks/{network_id}/lists/{list_id}/entries",
    tag = "lists",
    security(("bearer" = [])),
    params(
        ("network_id" = i64, Path, description = "The network"),
        ("list_id" = i64, Path, description = "The list"),
    ),
    request_body = ListEntriesRequest,
    responses(
        (status = 200, description = "What was added", body = EntriesAdded),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who may manage lists", body = ApiError),
        (status = 404, description = "No such list in this network", body = ApiError),
        (status = 422, description = "More than 100 keys, a key too long, or the list would hold more than 500 contacts (nothing added)", body = ApiError),
    )
)]
pub async fn add_entries(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, list_id)): ApiPath<(i64, i64)>,
    ApiJson(request): ApiJson<ListEntriesRequest>,
) -> Result<Json<EntriesAdded>, ApiFailure> {
    Ok(Json(
        app.add_to_intro_list(session.person_id, network_id, list_id, &request.keys)
            .await?,
    ))
}

/// Remove contacts from a list, by key (permission `manage_lists`).
#[utoipa::path(
    delete,
    path = "/v1/networks/{network_id}/lists/{list_id}/entries",
    tag = "lists",
    security(("bearer" = [])),
    params(
        ("network_id" = i64, Path, description = "The network"),
        ("list_id" = i64, Path, description = "The list"),
    ),
    request_body = ListEntriesRequest,
    responses(
        (status = 200, description = "How many were removed", body = EntriesRemoved),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who may manage lists", body = ApiError),
        (status = 404, description = "No such list in this network", body = ApiError),
    )
)]
pub async fn remove_entries(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, list_id)): ApiPath<(i64, i64)>,
    ApiJson(request): ApiJson<ListEntriesRequest>,
) -> Result<Json<EntriesRemoved>, ApiFailure> {
    let removed = app
        .remove_from_intro_list(session.person_id, network_id, list_id, &request.keys)
        .await?;
    Ok(Json(EntriesRemoved { removed }))
}

/// The CSV answer of an export: an attachment named after the list, never cached.
pub fn csv_response(file_name: &str, csv: String) -> Response {
    let mut response = (StatusCode::OK, csv).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Download a list as CSV (permission `export_contacts`); recorded in the audit log. Cells a
/// spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return) start with `'`.
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/lists/{list_id}/export",
    tag = "lists",
    security(("bearer" = [])),
    params(
        ("network_id" = i64, Path, description = "The network"),
        ("list_id" = i64, Path, description = "The list"),
    ),
    responses(
        (status = 200, description = "The list's contacts: Name, Headline, LinkedIn profile, Known by, Connected since, Added by, Added on", content_type = "text/csv", body = String),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who may export contacts", body = ApiError),
        (status = 404, description = "No such list in this network", body = ApiError),
    )
)]
pub async fn export_list(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, list_id)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiFailure> {
    let (list, csv) = app
        .export_intro_list(
            session.person_id,
            network_id,
            list_id,
            crate::i18n::Lang::En,
        )
        .await?;
    Ok(csv_response(&crate::lists::csv_file_name(&list), csv))
}

/// Ask for an introduction to every contact of a list (permission `ask_introductions`): one
/// ask per contact, to the ally connected with them longest; contacts with an ask already
/// pending in the network are skipped, and said so.
#[utoipa::path(
    post,
    path = "/v1/networks/{network_id}/lists/{list_id}/asks",
    tag = "lists",
    security(("bearer" = [])),
    params(
        ("network_id" = i64, Path, description = "The network"),
        ("list_id" = i64, Path, description = "The list"),
    ),
    request_body = ListAskRequest,
    responses(
        (status = 200, description = "The asks sent, and the contacts skipped with why", body = ListAskResult),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network who may ask for introductions", body = ApiError),
        (status = 404, description = "No such list in this network", body = ApiError),
        (status = 422, description = "The note is too long", body = ApiError),
    )
)]
pub async fn ask_list(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, list_id)): ApiPath<(i64, i64)>,
    ApiJson(request): ApiJson<ListAskRequest>,
) -> Result<Json<ListAskResult>, ApiFailure> {
    Ok(Json(
        app.ask_for_intro_list(session.person_id, network_id, list_id, &request.note)
            .await?,
    ))
}

/// The routes, each with its operation in the OpenAPI document.
pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(intro_lists, create_list))
        .routes(routes!(intro_list, rename_list, delete_list))
        .routes(routes!(add_entries, remove_entries))
        .routes(routes!(export_list))
        .routes(routes!(ask_list))
}
