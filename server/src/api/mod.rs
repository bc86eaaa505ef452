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

use allyshare_protocol::{
    routes, ApiError, ErrorCode, Me, RefreshRequest, SessionTokens, SignInRequest,
};
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::db::{RefreshOutcome, RepoError, SessionRef, TokenHashes};
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
        let mut response = (status, Json(ApiError::new(code, message))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// A JSON body whose rejections are [`ApiFailure::InvalidRequest`] instead of plain text.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(ApiFailure::InvalidRequest(rejection.body_text())),
        }
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
fn new_token_pair(now: i64) -> (SessionTokens, TokenHashes) {
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
    )
)]
pub async fn sign_in(
    State(app): State<App>,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<(StatusCode, Json<SessionTokens>), ApiFailure> {
    let person = app.repo().find_person_by_email(&request.email).await?;
    let hasher = app.hasher().clone();
    let password = request.password;
    let stored = person.as_ref().and_then(|p| p.password_hash.clone());
    let verified = tokio::task::spawn_blocking(move || match stored {
        Some(hash) => hasher.verify(&password, &hash),
        None => {
            hasher.verify_dummy(&password);
            false
        }
    })
    .await
    .map_err(|e| ApiFailure::Internal(format!("password check panicked: {e}")))?;
    let person = match person {
        Some(person) if verified => person,
        _ => return Err(ApiFailure::InvalidCredentials),
    };
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
        RefreshOutcome::Rotated(_) => Ok(Json(tokens)),
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

/// This document.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3 document of this API", content_type = "application/json"))
)]
pub async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
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

/// The OpenAPI document, generated from the protocol types and the handlers above.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "AllyShare API",
        description = "The API the AllyShare extension uses. Errors are always an `ApiError` body; \
                       timestamps are seconds since the Unix epoch."
    ),
    paths(sign_in, refresh, sign_out, me, openapi),
    components(schemas(ApiError, ErrorCode)),
    modifiers(&BearerSecurity),
    tags(
        (name = "sessions", description = "Signing in and out, refreshing tokens"),
        (name = "me", description = "The signed-in person"),
        (name = "meta", description = "About the API itself"),
    )
)]
pub struct ApiDoc;

/// The `/v1` routes.
pub fn routes() -> Router<App> {
    let v1 = Router::new()
        .route("/sessions", post(sign_in))
        .route("/sessions/refresh", post(refresh))
        .route("/sessions/current", delete(sign_out))
        .route("/me", get(me))
        .route("/openapi.json", get(openapi))
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed);
    debug_assert!(routes::ME.starts_with(allyshare_protocol::API_PREFIX));
    Router::new().nest(allyshare_protocol::API_PREFIX, v1)
}
