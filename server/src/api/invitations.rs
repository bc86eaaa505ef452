//! Invitations for network admins: invite one, import a CSV, list, revoke, re-send. The same
//! operations as the CLI (both call [`crate::invite`]).

use allyshare_protocol::limits::CSV_MAX_BYTES;
use allyshare_protocol::{
    ApiError, Invitation, InvitationImport, InvitationRequest, Permission, PermissionTemplate, Role,
};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::{
    require_permission, require_role, ApiFailure, ApiJson, ApiPath, ApiQuery, Authenticated,
};
use crate::db::members::Actor;
use crate::invite::{InviteError, Queued};
use crate::App;

impl From<InviteError> for ApiFailure {
    fn from(e: InviteError) -> Self {
        match e {
            InviteError::Invalid(m) => ApiFailure::Unprocessable(capitalise(&m)),
            InviteError::AlreadyMember(_) => ApiFailure::Conflict(capitalise(&e.to_string())),
            InviteError::NoNetwork | InviteError::NotFound => ApiFailure::NotFound,
            InviteError::BeyondYourPermissions => ApiFailure::Forbidden(
                "You can give a Network Admin only permissions you have yourself: choose a \
                 template within yours, or ask an admin who has them to invite this person.",
            ),
            InviteError::NotPending(_)
            | InviteError::ResendAccepted
            | InviteError::ResendRevoked => ApiFailure::Conflict(capitalise(&e.to_string())),
            InviteError::TooManyEmails { retry_after, .. } => {
                ApiFailure::TooManyEmails(capitalise(&e.to_string()), retry_after.max(1) as u64)
            }
            InviteError::Unreadable(csv) => match csv {
                crate::csvfile::CsvError::TooManyRows(_) | crate::csvfile::CsvError::TooLarge => {
                    ApiFailure::LimitExceeded(csv.to_string())
                }
                _ => ApiFailure::Unprocessable(csv.to_string()),
            },
            InviteError::Repo(e) => ApiFailure::Repo(e),
            InviteError::Mail(e) | InviteError::NotSentYet(e) => {
                ApiFailure::Internal(e.to_string())
            }
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}

async fn invitation(app: &App, network_id: i64, queued: &Queued) -> Result<Invitation, ApiFailure> {
    let record = app
        .repo()
        .invitation_by_id(network_id, queued.invitation_id)
        .await?
        .ok_or_else(|| ApiFailure::Internal("the new invitation vanished".into()))?;
    Ok(record.to_wire(app.now()))
}

/// Invite one person: the email joins the server's mail queue (sent within the server's
/// `--mail-per-minute`), and a pending invitation to the same address is replaced. An address
/// gets at most 3 invitation emails from a network in 24 hours (invitations and re-sends).
#[utoipa::path(
    post,
    path = "/v1/networks/{network_id}/invitations",
    tag = "invitations",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network")),
    request_body = InvitationRequest,
    responses(
        (status = 201, description = "Invited", body = Invitation),
        (status = 400, description = "Malformed request", body = ApiError),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network with `invite_members`, or `permissions` beyond the inviter's own", body = ApiError),
        (status = 409, description = "Already a member", body = ApiError),
        (status = 422, description = "Invalid email or name", body = ApiError),
        (status = 429, description = "`rate_limited`: the address had 3 invitation emails from this network in the last 24 hours; see `Retry-After`", body = ApiError),
    )
)]
pub async fn create(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiJson(request): ApiJson<InvitationRequest>,
) -> Result<(StatusCode, Json<Invitation>), ApiFailure> {
    require_permission(&app, &session, network_id, Permission::InviteMembers).await?;
    let invited = app
        .invite_member(Actor::Person(session.person_id), network_id, &request)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(invitation(&app, network_id, &invited).await?),
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The role of everyone in the file (default `ally`).
    #[serde(default)]
    #[param(value_type = Option<Role>)]
    pub role: Option<Role>,
    /// With `role=network_admin`: the permission template every invitation gives once
    /// accepted (default `admin`: every permission), as Invite Member's `permissions`; ignored
    /// for allies.
    #[serde(default)]
    #[param(value_type = Option<PermissionTemplate>)]
    pub template: Option<PermissionTemplate>,
}

/// The raw body (any content type), with a 413 past the limit.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|r| {
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiFailure::PayloadTooLarge(format!(
                        "The file is too large (at most {} MiB).",
                        CSV_MAX_BYTES / (1024 * 1024)
                    ))
                } else {
                    ApiFailure::InvalidRequest(r.body_text())
                }
            })
    }
}

/// Invite everyone in a CSV file (the body, `text/csv`): columns `name` (or `first name` and
/// `last name`) and `email`, with a header row or without (then the column with `@` is the
/// email). Up to 5,000 rows; everyone in the file is invited as `role`, a Network Admin with the
/// permissions of `template`. Each row's outcome is reported, and `emails_queued` says how many
/// emails joined the mail queue (sent at the server's `--mail-per-minute`; a row whose
/// address had 3 invitation emails from this network in the last 24 hours is `failed`, with a
/// message). A file that cannot be read imports nothing.
#[utoipa::path(
    post,
    path = "/v1/networks/{network_id}/invitations/import",
    tag = "invitations",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), ImportParams),
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses(
        (status = 200, description = "Each row's outcome", body = InvitationImport),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network with `invite_members`, or a `template` beyond the inviter's own permissions", body = ApiError),
        (status = 413, description = "Larger than 2 MiB", body = ApiError),
        (status = 422, description = "Unreadable file (`invalid_request`), or more than 5,000 rows (`limit_exceeded`); nothing imported", body = ApiError),
    )
)]
pub async fn import(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<ImportParams>,
    RawBody(body): RawBody,
) -> Result<Json<InvitationImport>, ApiFailure> {
    require_permission(&app, &session, network_id, Permission::InviteMembers).await?;
    let role = params.role.unwrap_or(Role::Ally);
    let permissions = (role == Role::NetworkAdmin).then(|| {
        params
            .template
            .unwrap_or(PermissionTemplate::Admin)
            .permissions()
    });
    let report = app
        .import_invitations(
            network_id,
            Actor::Person(session.person_id),
            &body,
            role,
            permissions,
        )
        .await?;
    Ok(Json(report))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only invitations in this state.
    #[serde(default)]
    #[param(value_type = Option<allyshare_protocol::InvitationState>)]
    pub state: Option<allyshare_protocol::InvitationState>,
}

/// The network's invitations, newest first.
#[utoipa::path(
    get,
    path = "/v1/networks/{network_id}/invitations",
    tag = "invitations",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network"), ListParams),
    responses(
        (status = 200, description = "The invitations", body = [Invitation]),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network", body = ApiError),
    )
)]
pub async fn list(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Vec<Invitation>>, ApiFailure> {
    require_role(&app, &session, network_id, Role::NetworkAdmin).await?;
    let mut all = app.invitations(network_id).await?;
    if let Some(state) = params.state {
        all.retain(|i| i.state == state);
    }
    Ok(Json(all))
}

/// Revoke a pending invitation (its link stops working).
#[utoipa::path(
    delete,
    path = "/v1/networks/{network_id}/invitations/{invitation_id}",
    tag = "invitations",
    security(("bearer" = [])),
    params(
        ("network_id" = i64, Path, description = "The network"),
        ("invitation_id" = i64, Path, description = "The invitation"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network", body = ApiError),
        (status = 404, description = "No such invitation in this network", body = ApiError),
        (status = 409, description = "Not pending (accepted, expired or revoked)", body = ApiError),
    )
)]
pub async fn revoke(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, invitation_id)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiFailure> {
    require_permission(&app, &session, network_id, Permission::InviteMembers).await?;
    app.revoke_invitation(Actor::Person(session.person_id), network_id, invitation_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a new link for an invitation that is pending or expired (not accepted, not revoked):
/// a new invitation whose email joins the mail queue; the old link stops working. An address
/// gets at most 3 invitation emails from a network in 24 hours.
#[utoipa::path(
    post,
    path = "/v1/networks/{network_id}/invitations/{invitation_id}/resend",
    tag = "invitations",
    security(("bearer" = [])),
    params(
        ("network_id" = i64, Path, description = "The network"),
        ("invitation_id" = i64, Path, description = "The invitation"),
    ),
    responses(
        (status = 201, description = "The new invitation", body = Invitation),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an admin of this network", body = ApiError),
        (status = 404, description = "No such invitation in this network", body = ApiError),
        (status = 409, description = "Accepted or revoked already, or the person is a member", body = ApiError),
        (status = 429, description = "`rate_limited`: the address had 3 invitation emails from this network in the last 24 hours; see `Retry-After`", body = ApiError),
    )
)]
pub async fn resend(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath((network_id, invitation_id)): ApiPath<(i64, i64)>,
) -> Result<(StatusCode, Json<Invitation>), ApiFailure> {
    require_permission(&app, &session, network_id, Permission::InviteMembers).await?;
    let invited = app
        .resend_invitation(Actor::Person(session.person_id), network_id, invitation_id)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(invitation(&app, network_id, &invited).await?),
    ))
}

/// The routes, each with its operation in the OpenAPI document.
pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(import).layer(DefaultBodyLimit::max(CSV_MAX_BYTES)))
        .routes(routes!(revoke))
        .routes(routes!(resend))
}
