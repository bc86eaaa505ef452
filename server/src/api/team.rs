//! A network's team (members and invitations), as the console's Team Members table shows it:
//! one service function, [`team_page`], behind both `GET /v1/networks/{network_id}/team` and
//! the console page, so both are checked by the same rule and the authorisation matrix covers
//! the console's table too.

use allyshare_protocol::{ApiError, Role, TeamEntry, TeamEntryState, TeamPage};
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{require_role_of, ApiFailure, ApiPath, ApiQuery, Authenticated};
use crate::db::console::{RowState, TeamQuery, TeamRow, TeamState};
use crate::App;

/// Most rows of one page.
pub const TEAM_PAGE_MAX: i64 = 100;
/// Most rows skipped.
pub const TEAM_OFFSET_MAX: i64 = 1_000_000;
/// Longest search, in characters.
pub const TEAM_SEARCH_MAX_CHARS: usize = 200;

/// The rows of the network's team that `query` asks for, and how many match, if `person_id`
/// is an admin of the network (403 otherwise).
pub async fn team_page(
    app: &App,
    person_id: i64,
    query: &TeamQuery,
) -> Result<(Vec<TeamRow>, i64), ApiFailure> {
    require_role_of(app, person_id, query.network_id, Role::NetworkAdmin).await?;
    Ok(app.repo().team(query).await?)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamParams {
    /// Only this role.
    #[serde(default)]
    #[param(value_type = Option<Role>)]
    pub role: Option<Role>,
    /// `current` (members and open invitations, the default), `member`, `pending`, `expired`,
    /// `accepted`, `revoked` or `all`.
    #[serde(default)]
    #[param(max_length = 16)]
    pub state: Option<String>,
    /// Matched case-insensitively anywhere in the name or the email address.
    #[serde(default)]
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Rows to skip, at most 1,000,000.
    #[serde(default)]
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u32>,
    /// At most 100 (the default 25).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

fn to_wire(row: TeamRow) -> TeamEntry {
    TeamEntry {
        id: row.id,
        state: match row.state {
            RowState::Member => TeamEntryState::Member,
            RowState::Pending => TeamEntryState::Pending,
            RowState::Expired => TeamEntryState::Expired,
            RowState::Accepted => TeamEntryState::Accepted,
            RowState::Revoked => TeamEntryState::Revoked,
        },
        name: row.name,
        email: row.email,
        role: row.role,
        at: row.at,
        sharing: row.sharing,
        contacts: row.contacts.map(|n| n.max(0) as u64),
        permissions: row.permissions,
    }
}

/// The network's members and invitations, newest first, filtered and paged.
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/team",
    tag = "invitations",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), TeamParams),
    responses(
        (status = 200, description = "A page of the team", body = TeamPage),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network", body = ApiError),
        (status = 422, description = "An unknown state, a search over 200 characters, a limit outside 1–100 or an offset over 1,000,000", body = ApiError),
    )
)]
pub async fn team(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<TeamParams>,
) -> Result<Json<TeamPage>, ApiFailure> {
    let state = match params.state.as_deref() {
        None | Some("") => TeamState::default(),
        Some(s) => TeamState::parse(s)
            .ok_or_else(|| ApiFailure::Unprocessable(format!("Unknown state {s:?}.")))?,
    };
    let search = params
        .q
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty());
    if search
        .as_ref()
        .is_some_and(|q| q.chars().count() > TEAM_SEARCH_MAX_CHARS)
    {
        return Err(ApiFailure::LimitExceeded(format!(
            "The search is too long (at most {TEAM_SEARCH_MAX_CHARS} characters)."
        )));
    }
    let offset = i64::from(params.offset.unwrap_or(0));
    if offset > TEAM_OFFSET_MAX {
        return Err(ApiFailure::LimitExceeded(format!(
            "The offset is at most {TEAM_OFFSET_MAX}."
        )));
    }
    let limit = i64::from(params.limit.unwrap_or(25));
    if !(1..=TEAM_PAGE_MAX).contains(&limit) {
        return Err(ApiFailure::LimitExceeded(format!(
            "The limit is 1 to {TEAM_PAGE_MAX}."
        )));
    }
    let (rows, total) = team_page(
        &app,
        session.person_id,
        &TeamQuery {
            network_id,
            role: params.role,
            state,
            search,
            offset,
            limit,
            now: app.now(),
        },
    )
    .await?;
    Ok(Json(TeamPage {
        entries: rows.into_iter().map(to_wire).collect(),
        total: total.max(0) as u64,
    }))
}

/// The route, with its operation in the OpenAPI document.
pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(team))
}
