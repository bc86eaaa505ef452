//! The JSON API under `/v1`, used by the extension.
//!
//! Every failure is an [`ApiError`] body with the matching status, including malformed JSON
//! (axum's default plain-text rejections are replaced) and unknown `/v1` routes, so the client
//! has one error shape to handle. Every 401 carries `WWW-Authenticate: Bearer`.
//!
//! Sessions: an access token (15 minutes) authenticates requests; a refresh token (30 days)
//! buys a new pair exactly once. Presenting a refresh token that was already exchanged means
//! two parties hold it, so the whole session is revoked (the legitimate client then signs in
//! again). Sign-in answers the same for an unknown email and a wrong password, and spends the
//! same argon2 effort on both so timing does not tell them apart either.

use allyshare_protocol::bounds::Bounded;
use allyshare_protocol::{
    routes, ApiError, ErrorCode, Me, NetworkMembership, PasswordChange, Permission, RefreshRequest,
    Role, SessionTokens, SharingRequest, SignInRequest,
};
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod account;
pub mod intro_requests;
pub mod invitations;
pub mod lists;
pub mod members;
pub mod network;
pub mod sync;
pub mod team;

use crate::db::members::Access;
use crate::db::{RefreshOutcome, RepoError, SessionRef, SharingOutcome, TokenHashes};
use crate::tokens::{hash_token, looks_like_token, new_token};
use crate::App;

/// Access tokens live 15 minutes.
pub const ACCESS_TTL_SECS: i64 = 15 * 60;
/// Refresh tokens live 30 days (unless used or revoked first).
pub const REFRESH_TTL_SECS: i64 = 30 * 24 * 60 * 60;

/// A failed API request.
#[derive(Debug, thiserror::Error)]
pub enum ApiFailure {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("The email or password is incorrect.")]
    InvalidCredentials,
    #[error("Sign in to continue.")]
    Unauthorized,
    #[error("This session has ended. Sign in again.")]
    InvalidRefreshToken,
    #[error("There is nothing at this address.")]
    NotFound,
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("Batch {0} was already received with a different body.")]
    BatchConflict(u32),
    #[error("{0}")]
    BatchesMissing(String),
    #[error("This sync session is {0}: open a new one.")]
    SessionClosed(&'static str),
    #[error("You are not sharing with any network: turn sharing on first.")]
    NotSharing,
    #[error("Too many writes; try again in {0} seconds.")]
    RateLimited(u64),
    #[error("Too many sign-in attempts; try again in {0} seconds.")]
    TooManyAttempts(u64),
    /// 429 with this message, and `Retry-After` these seconds.
    #[error("{0}")]
    TooManyEmails(String, u64),
    #[error("The current password is incorrect.")]
    WrongPassword,
    #[error("This sign-in code is not valid any more. Sign in with your email and password.")]
    InvalidHandoffCode,
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("{0}")]
    Internal(String),
}

impl ApiFailure {
    fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            ApiFailure::InvalidRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest),
            ApiFailure::InvalidCredentials => {
                (StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials)
            }
            ApiFailure::Unauthorized => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            ApiFailure::InvalidRefreshToken => {
                (StatusCode::UNAUTHORIZED, ErrorCode::InvalidRefreshToken)
            }
            ApiFailure::NotFound => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            ApiFailure::Unprocessable(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidRequest)
            }
            ApiFailure::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            ApiFailure::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
            ApiFailure::PayloadTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
            }
            ApiFailure::LimitExceeded(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::LimitExceeded)
            }
            ApiFailure::BatchConflict(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::BatchConflict)
            }
            ApiFailure::BatchesMissing(_) => (StatusCode::CONFLICT, ErrorCode::BatchesMissing),
            ApiFailure::SessionClosed(_) => (StatusCode::CONFLICT, ErrorCode::SessionClosed),
            ApiFailure::NotSharing => (StatusCode::CONFLICT, ErrorCode::NotSharing),
            ApiFailure::RateLimited(_)
            | ApiFailure::TooManyAttempts(_)
            | ApiFailure::TooManyEmails(..) => {
                (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited)
            }
            ApiFailure::WrongPassword => (StatusCode::FORBIDDEN, ErrorCode::InvalidCredentials),
            ApiFailure::InvalidHandoffCode => {
                (StatusCode::BAD_REQUEST, ErrorCode::InvalidHandoffCode)
            }
            ApiFailure::Repo(_) | ApiFailure::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
            }
        }
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "request failed");
            "Something went wrong on the server. Please try again later.".to_string()
        } else {
            self.to_string()
        };
        let retry_after = match &self {
            ApiFailure::RateLimited(secs)
            | ApiFailure::TooManyAttempts(secs)
            | ApiFailure::TooManyEmails(_, secs) => Some(*secs),
            _ => None,
        };
        let mut response = (status, Json(ApiError::new(code, message))).into_response();
        if let Some(secs) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from(secs.max(1)),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// A JSON body whose rejections are [`ApiFailure::InvalidRequest`] instead of plain text, and
/// whose text fields are within their bounds ([`Bounded`]; 422 `limit_exceeded` past them)
/// before any handler sees it.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned + Bounded,
    S: Send + Sync,
{
    type Rejection = ApiFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => match value.check_bounds() {
                Ok(()) => Ok(ApiJson(value)),
                Err(too_long) => Err(ApiFailure::LimitExceeded(too_long.to_string())),
            },
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(
                ApiFailure::PayloadTooLarge("The request body is too large.".to_string()),
            ),
            Err(rejection) => Err(ApiFailure::InvalidRequest(rejection.body_text())),
        }
    }
}

/// Path parameters whose rejections (not a number…) are [`ApiFailure::NotFound`].
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(_) => Err(ApiFailure::NotFound),
        }
    }
}

/// Query parameters whose rejections are [`ApiFailure::InvalidRequest`].
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiFailure::InvalidRequest(rejection.body_text())),
        }
    }
}

/// Fails unless the signed-in person has `role` in the network (403 otherwise, members of
/// other networks and non-members alike).
pub async fn require_role(
    app: &App,
    session: &SessionRef,
    network_id: i64,
    role: Role,
) -> Result<(), ApiFailure> {
    require_role_of(app, session.person_id, network_id, role).await
}

/// [`require_role`] for a person, however signed in: the one check behind the API and the
/// console alike.
pub async fn require_role_of(
    app: &App,
    person_id: i64,
    network_id: i64,
    role: Role,
) -> Result<(), ApiFailure> {
    match app.repo().role_in(person_id, network_id).await? {
        Some(r) if r == role => Ok(()),
        _ => Err(ApiFailure::Forbidden(match role {
            Role::NetworkAdmin => "Only an admin of this network can do this.",
            Role::Ally => "Only an ally of this network can do this.",
        })),
    }
}

/// The refusal of a Network Admin who lacks the permission an action needs.
pub const NOT_PERMITTED: &str =
    "Your permissions in this network do not allow this: ask an admin who manages roles and permissions.";

/// Fails unless the person is a Network Admin of the network holding `permission` (403
/// otherwise, for members without it, members of other networks and non-members alike): the
/// one check behind every API operation and console page that needs a permission. Returns
/// what the person may do, for pages that show or hide actions by it.
pub async fn require_permission_of(
    app: &App,
    person_id: i64,
    network_id: i64,
    permission: Permission,
) -> Result<Access, ApiFailure> {
    match app.repo().access_in(person_id, network_id).await? {
        Some(access) if access.allows(permission) => Ok(access),
        Some(access) if access.role == Role::NetworkAdmin => {
            Err(ApiFailure::Forbidden(NOT_PERMITTED))
        }
        _ => Err(ApiFailure::Forbidden(
            "Only an admin of this network can do this.",
        )),
    }
}

/// [`require_permission_of`] for the signed-in person of an API request.
pub async fn require_permission(
    app: &App,
    session: &SessionRef,
    network_id: i64,
    permission: Permission,
) -> Result<Access, ApiFailure> {
    require_permission_of(app, session.person_id, network_id, permission).await
}

/// The client's address (the TCP peer), when the server was started with connect info.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// The session behind a valid `Authorization: Bearer` access token.
#[derive(Debug, Clone, Copy)]
pub struct Authenticated(pub SessionRef);

impl FromRequestParts<App> for Authenticated {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| looks_like_token(t))
            .ok_or(ApiFailure::Unauthorized)?;
        app.repo()
            .session_for_access_token(&hash_token(token), app.now())
            .await?
            .map(Authenticated)
            .ok_or(ApiFailure::Unauthorized)
    }
}

/// A fresh pair of tokens: what the client gets, and what the database keeps.
pub(crate) fn new_token_pair(now: i64) -> (SessionTokens, TokenHashes) {
    let access = new_token();
    let refresh = new_token();
    let hashes = TokenHashes {
        access_hash: hash_token(&access),
        access_expires_at: now + ACCESS_TTL_SECS,
        refresh_hash: hash_token(&refresh),
        refresh_expires_at: now + REFRESH_TTL_SECS,
    };
    let tokens = SessionTokens {
        access_token: access,
        access_expires_in: ACCESS_TTL_SECS as u64,
        refresh_token: refresh,
        refresh_expires_in: REFRESH_TTL_SECS as u64,
        token_type: "Bearer".to_string(),
    };
    (tokens, hashes)
}

/// Sign in with email and password.
#[utoipa::path(
    post,
    path = "/v1/sessions",
    tag = "sessions",
    request_body = SignInRequest,
    responses(
        (status = 201, description = "Signed in", body = SessionTokens),
        (status = 400, description = "Malformed request", body = ApiError),
        (status = 401, description = "Unknown email or wrong password (`invalid_credentials`)", body = ApiError),
        (status = 429, description = "Too many attempts for this account or from this address (`rate_limited`, the same for unknown accounts); see `Retry-After`", body = ApiError),
    )
)]
pub async fn sign_in(
    State(app): State<App>,
    ClientAddr(address): ClientAddr,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<(StatusCode, Json<SessionTokens>), ApiFailure> {
    let person = app
        .verify_sign_in(&request.email, request.password, address)
        .await?
        .ok_or(ApiFailure::InvalidCredentials)?;
    let now = app.now();
    let (tokens, hashes) = new_token_pair(now);
    app.repo().create_session(person.id, &hashes, now).await?;
    Ok((StatusCode::CREATED, Json(tokens)))
}

/// Exchange a refresh token for a new pair of tokens.
#[utoipa::path(
    post,
    path = "/v1/sessions/refresh",
    tag = "sessions",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens; the old refresh and access tokens stop working", body = SessionTokens),
        (status = 400, description = "Malformed request", body = ApiError),
        (status = 401, description = "Unknown, expired, revoked or already used refresh token (`invalid_refresh_token`); reuse revokes the session", body = ApiError),
    )
)]
pub async fn refresh(
    State(app): State<App>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<SessionTokens>, ApiFailure> {
    if !looks_like_token(&request.refresh_token) {
        return Err(ApiFailure::InvalidRefreshToken);
    }
    let now = app.now();
    let (tokens, hashes) = new_token_pair(now);
    match app
        .repo()
        .rotate_refresh_token(&hash_token(&request.refresh_token), &hashes, now)
        .await?
    {
        RefreshOutcome::Rotated => Ok(Json(tokens)),
        RefreshOutcome::Reused => {
            tracing::warn!("refresh token reused: session revoked");
            Err(ApiFailure::InvalidRefreshToken)
        }
        RefreshOutcome::Invalid => Err(ApiFailure::InvalidRefreshToken),
    }
}

/// Sign out: revoke the session of the bearer token (both its tokens stop working).
#[utoipa::path(
    delete,
    path = "/v1/sessions/current",
    tag = "sessions",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No valid access token", body = ApiError),
    )
)]
pub async fn sign_out(
    State(app): State<App>,
    Authenticated(session): Authenticated,
) -> Result<StatusCode, ApiFailure> {
    app.repo().revoke_session(session.session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in person and their networks, ordered by network name.
#[utoipa::path(
    get,
    path = "/v1/me",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in person", body = Me),
        (status = 401, description = "No valid access token", body = ApiError),
    )
)]
pub async fn me(
    State(app): State<App>,
    Authenticated(session): Authenticated,
) -> Result<Json<Me>, ApiFailure> {
    app.repo()
        .me(session.person_id)
        .await?
        .map(Json)
        .ok_or(ApiFailure::Unauthorized)
}

/// Turn sharing with one network on or off (allies). Off removes the ally's contacts from that
/// network's view at once and deletes every intro ask to them there (each holds a copy of a
/// contact); when no network is shared with any more, the ally's contacts and their sync data
/// are deleted from the server.
#[utoipa::path(
    put,
    path = "/v1/networks/{network_id}/sharing",
    tag = "me",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network")),
    request_body = SharingRequest,
    responses(
        (status = 200, description = "The membership, updated", body = NetworkMembership),
        (status = 400, description = "Malformed request", body = ApiError),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not an ally of this network", body = ApiError),
    )
)]
pub async fn set_sharing(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
    ApiJson(request): ApiJson<SharingRequest>,
) -> Result<Json<NetworkMembership>, ApiFailure> {
    match app
        .repo()
        .set_sharing(session.person_id, network_id, request.sharing, app.now())
        .await?
    {
        SharingOutcome::Updated(membership) => Ok(Json(membership)),
        SharingOutcome::NotMember => Err(ApiFailure::Forbidden(
            "You are not a member of this network.",
        )),
        SharingOutcome::NotAlly => Err(ApiFailure::Forbidden(
            "Only allies share contacts; admins cannot turn sharing on.",
        )),
    }
}

/// Leave a network. Same consequences as turning sharing off.
#[utoipa::path(
    delete,
    path = "/v1/networks/{network_id}/membership",
    tag = "me",
    security(("bearer" = [])),
    params(("network_id" = i64, Path, description = "The network")),
    responses(
        (status = 204, description = "Left"),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "Not a member of this network", body = ApiError),
    )
)]
pub async fn leave_network(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiPath(network_id): ApiPath<i64>,
) -> Result<StatusCode, ApiFailure> {
    if app
        .repo()
        .leave_network(session.person_id, network_id, app.now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiFailure::Forbidden(
            "You are not a member of this network.",
        ))
    }
}

/// Delete the account: contacts, memberships, asks addressed to the person, the invitations
/// sent to their address in every network (and their queued email); every session (and so
/// every token) ends.
#[utoipa::path(
    delete,
    path = "/v1/me",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid access token", body = ApiError),
    )
)]
pub async fn delete_me(
    State(app): State<App>,
    Authenticated(session): Authenticated,
) -> Result<StatusCode, ApiFailure> {
    app.repo().delete_account(session.person_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change the password. Every session of the person ends, this one included (every device
/// signs in again with the new password); attempts count against sign-in throttling.
#[utoipa::path(
    put,
    path = "/v1/me/password",
    tag = "me",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; every session has ended"),
        (status = 400, description = "Malformed request", body = ApiError),
        (status = 401, description = "No valid access token", body = ApiError),
        (status = 403, description = "`invalid_credentials`: the current password is wrong", body = ApiError),
        (status = 422, description = "The new password is too short, too long or too common", body = ApiError),
        (status = 429, description = "Too many attempts; see `Retry-After`", body = ApiError),
    )
)]
pub async fn change_password(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ClientAddr(address): ClientAddr,
    ApiJson(request): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiFailure> {
    let me = app
        .repo()
        .me(session.person_id)
        .await?
        .ok_or(ApiFailure::Unauthorized)?;
    crate::passwords::check_new_password(&request.new_password)
        .map_err(|p| ApiFailure::Unprocessable(p.to_string()))?;
    // Proved as a sign-in is, throttled alike.
    app.verify_sign_in(&me.person.email, request.current_password, address)
        .await?
        .ok_or(ApiFailure::WrongPassword)?;
    let new_hash = app.hash_new_password(request.new_password).await?;
    app.repo()
        .change_password(session.person_id, &new_hash)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This document.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3 document of this API", content_type = "application/json"))
)]
pub async fn openapi() -> Response {
    Json(openapi_document()).into_response()
}

async fn api_not_found() -> ApiFailure {
    ApiFailure::NotFound
}

async fn method_not_allowed() -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(ApiError::new(
            ErrorCode::InvalidRequest,
            "This method is not allowed on this route.",
        )),
    )
        .into_response()
}

struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The access token from `POST /v1/sessions` or `/v1/sessions/refresh`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Answers every operation can give for a reason of the framework rather than its own: a path
/// id that is not a number (or out of range) is 404 (see [`ApiPath`]); a body or query string
/// that does not decode is 400 (see [`ApiJson`], [`ApiQuery`]). Listed on every operation
/// concerned so that clients, and Schemathesis (`./build.sh check-api`), find them documented.
struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let answer = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ApiError")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let params = op.parameters.as_deref().unwrap_or_default();
                let in_path = params
                    .iter()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Path));
                let in_query = params
                    .iter()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Query));
                let responses = &mut op.responses.responses;
                if in_path && !responses.contains_key("404") {
                    responses.insert(
                        "404".into(),
                        answer("A path parameter that is not a valid id").into(),
                    );
                }
                if (in_query || op.request_body.is_some()) && !responses.contains_key("400") {
                    responses.insert(
                        "400".into(),
                        answer("Malformed request (body or query string)").into(),
                    );
                }
                if op.request_body.is_some() && !responses.contains_key("422") {
                    responses.insert(
                        "422".into(),
                        answer("A field is longer than its `maxLength` (`limit_exceeded`)").into(),
                    );
                }
            }
        }
    }
}

/// OpenAPI links from the answers that create something to the operations on it (the ids a
/// client takes from one answer into the next request): they document the flows, and let
/// Schemathesis's stateful phase chain them. Added to the serialised document because utoipa
/// 5 writes a link's `operationId` as `operation_id`.
fn add_links(doc: &mut serde_json::Value) {
    // (path, method, status, link name, target operation id, {parameter: expression})
    let links = [
        (
            "/v1/sync/sessions",
            "post",
            "201",
            "PutBatch",
            "put_batch",
            serde_json::json!({"session_id": "$response.body#/id", "seq": 0}),
        ),
        (
            "/v1/sync/sessions",
            "post",
            "201",
            "Commit",
            "commit",
            serde_json::json!({"session_id": "$response.body#/id"}),
        ),
        (
            "/v1/sync/sessions",
            "post",
            "201",
            "Abort",
            "abort",
            serde_json::json!({"session_id": "$response.body#/id"}),
        ),
        (
            "/v1/sync/sessions/{session_id}/batches/{seq}",
            "put",
            "200",
            "Commit",
            "commit",
            serde_json::json!({"session_id": "$response.body#/session_id"}),
        ),
        (
            "/v1/networks/{network_id}/invitations",
            "post",
            "201",
            "Revoke",
            "revoke",
            serde_json::json!({"network_id": "$response.body#/network_id", "invitation_id": "$response.body#/id"}),
        ),
        (
            "/v1/networks/{network_id}/invitations",
            "post",
            "201",
            "Resend",
            "resend",
            serde_json::json!({"network_id": "$response.body#/network_id", "invitation_id": "$response.body#/id"}),
        ),
        (
            "/v1/networks/{network_id}/intro-asks",
            "post",
            "201",
            "Answer",
            "answer_ask",
            serde_json::json!({"ask_id": "$response.body#/id"}),
        ),
    ];
    let list_links = [
        ("GetList", "intro_list"),
        ("RenameList", "rename_list"),
        ("DeleteList", "delete_list"),
        ("AddEntries", "add_entries"),
        ("ExportList", "export_list"),
        ("AskList", "ask_list"),
    ]
    .map(|(name, target)| {
        (
            "/v1/networks/{network_id}/lists",
            "post",
            "201",
            name,
            target,
            serde_json::json!({"network_id": "$response.body#/network_id", "list_id": "$response.body#/id"}),
        )
    });
    for (path, method, status, name, target, parameters) in links.into_iter().chain(list_links) {
        let Some(response) = doc
            .pointer_mut(&format!(
                "/paths/{}/{method}/responses/{status}",
                path.replace('/', "~1")
            ))
            .and_then(serde_json::Value::as_object_mut)
        else {
            continue;
        };
        let all = response
            .entry("links")
            .or_insert_with(|| serde_json::json!({}));
        all[name] = serde_json::json!({"operationId": target, "parameters": parameters});
    }
}

/// The OpenAPI document served at `/v1/openapi.json`: built from the same routes as the
/// router (see [`api`]), so no route can be missing from it.
pub fn openapi_document() -> serde_json::Value {
    static DOCUMENT: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOCUMENT
        .get_or_init(|| {
            let mut doc = api().into_openapi();
            BearerSecurity.modify(&mut doc);
            CommonAnswers.modify(&mut doc);
            let mut doc = serde_json::to_value(doc).unwrap_or_default();
            add_links(&mut doc);
            doc
        })
        .clone()
}

/// The OpenAPI document's frame: what is not an operation of the `/v1` routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "AllyShare API",
        description = "The API the AllyShare extension uses. Errors are always an `ApiError` body; \
                       timestamps are seconds since the Unix epoch."
    ),
    // A page route (same origin, with the grant cookie), documented beside the API it feeds.
    paths(crate::handoff::create_code),
    components(schemas(ApiError, ErrorCode, allyshare_protocol::HandoffCodeRequest, allyshare_protocol::HandoffCode)),
    tags(
        (name = "sessions", description = "Signing in and out, refreshing tokens"),
        (name = "me", description = "The signed-in person, sharing, leaving, deleting the account"),
        (name = "sync", description = "Contact sync: sessions of idempotent batches, committed at once; the digest"),
        (name = "network", description = "A network admin's view: the shared contacts, asking for introductions"),
        (name = "intro asks", description = "An ally's introduction asks, and their answers"),
        (name = "invitations", description = "A network admin invites people: one, or many from a CSV; lists, revokes, re-sends"),
        (name = "lists", description = "Introduction lists: named lists of the network's contacts, shared by its admins; CSV export; asking for a whole list"),
        (name = "members", description = "A network's members: their role and permissions, removing them, the audit log"),
        (name = "introduction requests", description = "Introduction requests between professionals and companies: the Inbox, gatekeeper mode, a professional's and a Company Admin's requests, the network's companies"),
        (name = "meta", description = "About the API itself"),
    )
)]
pub struct ApiDoc;

/// Every `/v1` route with its operation: the router and the OpenAPI document are both made
/// from this, so a route cannot exist undocumented (and the authorisation matrix, which must
/// have a row for every documented operation, cannot miss one).
fn api() -> OpenApiRouter<App> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(sign_in))
        .routes(routes!(refresh))
        .routes(routes!(crate::handoff::exchange))
        .routes(routes!(sign_out))
        .routes(routes!(me, delete_me))
        .routes(routes!(change_password))
        .routes(routes!(set_sharing))
        .routes(routes!(leave_network))
        .routes(routes!(openapi))
        .merge(sync::routes())
        .merge(network::routes())
        .merge(invitations::routes())
        .merge(team::routes())
        .merge(lists::routes())
        .merge(members::routes())
        .merge(account::routes())
        .merge(intro_requests::routes())
}

/// The `/v1` routes; anything else under `/v1` is a JSON 404, a known path with another method
/// a JSON 405.
pub fn routes() -> Router<App> {
    let (router, _) = api().split_for_parts();
    debug_assert!(routes::ME.starts_with(allyshare_protocol::API_PREFIX));
    router
        .route(allyshare_protocol::API_PREFIX, any(api_not_found))
        .route(
            &format!("{}/{{*rest}}", allyshare_protocol::API_PREFIX),
            any(api_not_found),
        )
        .method_not_allowed_fallback(method_not_allowed)
}
