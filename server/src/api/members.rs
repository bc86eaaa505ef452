//! A network's members: one member (`GET`), their role and permissions (`PUT`), removing them
//! (`DELETE`), and the audit log. The same service functions (`crate::members`) as the
//! console's member Settings page and Audit log page.

use allyshare_protocol::{
    ApiError, AuditLogEntry, AuditLogPage, MemberAccessRequest, MemberView, PermissionTemplate,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiFailure, ApiJson, ApiPath, ApiQuery, Authenticated};
use crate::db::members::{Access, AuditEntry, MemberRecord};
use crate::members::{MemberError, AUDIT_PAGE_MAX};
use crate::App;

impl From<MemberError> for ApiFailure {
    fn from(e: MemberError) -> Self {
        match e {
            MemberError::Refused(failure) => failure,
            MemberError::NotMember => ApiFailure::NotFound,
            e @ MemberError::LastManager => ApiFailure::Conflict(e.to_string()),
        }
    }
}

/// As the API shows a member.
pub fn member_view(m: MemberRecord) -> MemberView {
    MemberView {
        person_id: m.person_id,
        name: m.name,
        email: m.email,
        role: m.access.role,
        permissions: m.access.permissions,
        template: match m.access.role {
            allyshare_protocol::Role::NetworkAdmin => {
                PermissionTemplate::matching(m.access.permissions)
            }
            allyshare_protocol::Role::Ally => None,
        },
        joined_at: m.joined_at,
        sharing: m.sharing,
        contacts: m.contacts.max(0) as u64,
    }
}

/// One member of the network (any of its Network Admins).
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/members/{person_id}",
    tag = "members",
    security(("bearer" = [])),
    params(
        ("network_id" = i64, Path, description = "The network"),
        ("person_id" = i64, Path, description = "The member"),
    ),
    responses(
        (status = 200, description = "The member", body = MemberView),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network", body = ApiError),
        (status = 404, description = "Not a member of this network", body = ApiError),
    )
)]
pub async fn member(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, person_id)): ApiPath<(i64, i64)>,
) -> Result<Json<MemberView>, ApiFailure> {
    let (_, member) = app
        .member_settings(session.person_id, network_id, person_id)
        .await?;
    Ok(Json(member_view(member)))
}

/// Sets a member's role and permissions (*Manage roles and permissions*). A network always
/// keeps one member who can manage roles and permissions: a change that would leave none is
/// refused (409) and changes nothing. An ally made Network Admin stops sharing with the
/// network.
#[utoipa::path(
    put,
    path = "/v1/networks/{network_id}/members/{person_id}",
    tag = "members",
    security(("bearer" = [])),
    params(
        ("network_id" = i64, Path, description = "The network"),
        ("person_id" = i64, Path, description = "The member"),
    ),
    request_body = MemberAccessRequest,
    responses(
        (status = 200, description = "The member, changed", body = MemberView),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not permitted to manage roles and permissions here", body = ApiError),
        (status = 404, description = "Not a member of this network", body = ApiError),
        (status = 409, description = "No one who can manage roles and permissions would be left", body = ApiError),
    )
)]
pub async fn set_member_access(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, person_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<MemberAccessRequest>,
) -> Result<Json<MemberView>, ApiFailure> {
    let access = Access {
        role: body.role,
        permissions: body.chosen_permissions(),
    };
    let member = app
        .set_member_access(session.person_id, network_id, person_id, access)
        .await?;
    Ok(Json(member_view(member)))
}

/// Removes a member (*Remove members*): an ally's contacts leave the network's view at once,
/// and are deleted from the server if they share with no other network.
#[utoipa::path(
    delete,
    path = "/v1/networks/{network_id}/members/{person_id}",
    tag = "members",
    security(("bearer" = [])),
    params(
        ("network_id" = i64, Path, description = "The network"),
        ("person_id" = i64, Path, description = "The member"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not permitted to remove members here", body = ApiError),
        (status = 404, description = "Not a member of this network", body = ApiError),
        (status = 409, description = "No one who can manage roles and permissions would be left", body = ApiError),
    )
)]
pub async fn remove_member(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, person_id)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiFailure> {
    app.remove_member(session.person_id, network_id, person_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Lines older than this id (the previous page's `next_before`).
    #[serde(default)]
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// At most 100 (the default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

pub fn entry_view(e: AuditEntry) -> AuditLogEntry {
    AuditLogEntry {
        id: e.id,
        at: e.at,
        actor_id: e.actor_id,
        actor_name: e.actor_name,
        action: e.action.as_str().to_owned(),
        subject: e.subject,
        detail: e.detail,
    }
}

/// The network's audit log, newest first (*Manage roles and permissions*).
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/audit",
    tag = "members",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), AuditParams),
    responses(
        (status = 200, description = "A page of the audit log", body = AuditLogPage),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not permitted to see the audit log here", body = ApiError),
        (status = 422, description = "A limit outside 1–100, or `before` under 1", body = ApiError),
    )
)]
pub async fn audit_log(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Json<AuditLogPage>, ApiFailure> {
    if params.before.is_some_and(|b| b < 1) {
        return Err(ApiFailure::Unprocessable(
            "`before` is a line's id, at least 1.".into(),
        ));
    }
    let limit = i64::from(params.limit.unwrap_or(50));
    if !(1..=AUDIT_PAGE_MAX).contains(&limit) {
        return Err(ApiFailure::LimitExceeded(format!(
            "The limit is 1 to {AUDIT_PAGE_MAX}."
        )));
    }
    let entries = app
        .audit_log(session.person_id, network_id, params.before, limit)
        .await?;
    let next_before = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(Json(AuditLogPage {
        entries: entries.into_iter().map(entry_view).collect(),
        next_before,
    }))
}

/// The routes, each with its operation in the OpenAPI document.
pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(member, set_member_access, remove_member))
        .routes(routes!(audit_log))
}
