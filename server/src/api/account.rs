//! The person's own account settings: their preferences (ask emails on or off, from the
//! extension's options page), and asking for a password reset link (the console's *Forgot
//! password?* form, as an API: the same service, [`crate::password_reset::ask_for_link`]).
//!
//! Preferences are the signed-in person's only: the path names no person, so nobody can read
//! or change someone else's.

use allyshare_protocol::{ApiError, PasswordResetRequest, Preferences};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiFailure, ApiJson, Authenticated, ClientAddr};
use crate::invite::check_email;
use crate::App;

/// The signed-in person's preferences.
#[utoipa::path(
    get,
    path = "/v1/me/preferences",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The preferences", body = Preferences),
        (status = 401, description = "No valid access token", body = ApiError),
    )
)]
pub async fn preferences(
    State(app): State<App>,
    Authenticated(session): Authenticated,
) -> Result<Json<Preferences>, ApiFailure> {
    app.repo()
        .preferences(session.person_id)
        .await?
        .map(Json)
        .ok_or(ApiFailure::Unauthorized)
}

/// Set the signed-in person's preferences (every field). With `ask_emails` off, no email is
/// sent when a network asks them for an introduction (one already queued is not sent either).
#[utoipa::path(
    put,
    path = "/v1/me/preferences",
    tag = "me",
    security(("bearer" = [])),
    request_body = Preferences,
    responses(
        (status = 200, description = "The preferences, as stored", body = Preferences),
        (status = 400, description = "Malformed request", body = ApiError),
        (status = 401, description = "No valid access token", body = ApiError),
    )
)]
pub async fn set_preferences(
    State(app): State<App>,
    Authenticated(session): Authenticated,
    ApiJson(request): ApiJson<Preferences>,
) -> Result<Json<Preferences>, ApiFailure> {
    app.repo()
        .set_preferences(session.person_id, &request)
        .await?
        .map(Json)
        .ok_or(ApiFailure::Unauthorized)
}

/// Email a password reset link to this address, if an account has it. The answer is the same
/// either way, and comes after the same time; an account gets at most 3 reset emails an hour.
/// The link opens the console's page that sets a new password (which ends every session).
#[utoipa::path(
    post,
    path = "/v1/password-resets",
    tag = "sessions",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If an account has this address, a reset link is on its way"),
        (status = 400, description = "Malformed request", body = ApiError),
        (status = 422, description = "Not an email address", body = ApiError),
        (status = 429, description = "Too many requests for this address or from this client (`rate_limited`, the same for addresses without an account); see `Retry-After`", body = ApiError),
    )
)]
pub async fn request_password_reset(
    State(app): State<App>,
    ClientAddr(address): ClientAddr,
    ApiJson(request): ApiJson<PasswordResetRequest>,
) -> Result<StatusCode, ApiFailure> {
    let email = check_email(&request.email).map_err(|_| {
        ApiFailure::Unprocessable(format!(
            "{:?} is not a valid email address.",
            request.email.trim()
        ))
    })?;
    crate::password_reset::ask_for_link(&app, &email, address).await?;
    Ok(StatusCode::ACCEPTED)
}

/// The routes, each with its operation in the OpenAPI document.
pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(preferences, set_preferences))
        .routes(routes!(request_password_reset))
}
