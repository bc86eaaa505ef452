//! The backend API, sans-IO: build each request, read each answer.
//!
//! Every function here is pure. The worker sends what these build and hands back what it got;
//! this module decides what the answer means, in terms of [`ApiFailure`], which says what the
//! ally can do about it.

use allyshare_protocol::{
    routes, ApiError, ErrorCode, HandoffExchange, IntroAnswer, IntroAsk, IntroOutcome, Me,
    Preferences, RefreshRequest, SessionTokens, SharingRequest, SignInRequest, SyncLimits,
};
use serde::de::DeserializeOwned;
use thiserror::Error;

use crate::http::{HttpRequest, HttpResponse, Method, TransportError};

/// What went wrong with a backend call, in the terms the ally acts on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApiFailure {
    /// Wrong email or password: check them and try again.
    #[error("email and password do not match")]
    InvalidCredentials,
    /// The access token was refused (expired or revoked): refresh, or sign in again.
    #[error("not signed in")]
    Unauthorized,
    /// The refresh token is no longer valid: the ally must sign in again.
    #[error("the session has ended; sign in again")]
    SessionEnded,
    /// The backend could not be reached: check the connection or the server address.
    #[error("could not reach the server: {0}")]
    Unreachable(String),
    /// The backend is busy; try again after the given number of seconds (when it said).
    #[error("the server is busy; try again later")]
    RateLimited,
    /// The backend failed (5xx); retrying later may help.
    #[error("the server had a problem (HTTP {status})")]
    Server { status: u16 },
    /// The backend refused the request for another reason; its message says why.
    #[error("the server refused the request: {message}")]
    Refused {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// The answer could not be understood (not the API, or a newer incompatible one).
    #[error("the server's answer could not be read: {0}")]
    BadResponse(String),
}

impl From<TransportError> for ApiFailure {
    fn from(e: TransportError) -> Self {
        ApiFailure::Unreachable(e.to_string())
    }
}

/// An absolute URL from the backend's base and a route.
pub(crate) fn url(base: &str, route: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), route)
}

/// The JSON body of a request.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serialising these plain structs cannot fail.
    crate::json::to_string(value).unwrap_or_default()
}

/// `POST /v1/sessions`.
pub fn sign_in(base: &str, email: &str, password: &str) -> HttpRequest {
    let body = SignInRequest {
        email: email.trim().to_string(),
        password: password.to_string(),
    };
    HttpRequest::new(Method::Post, url(base, routes::SESSIONS)).json(to_json(&body))
}

/// `POST /v1/sessions/refresh`.
pub fn refresh(base: &str, refresh_token: &str) -> HttpRequest {
    let body = RefreshRequest {
        refresh_token: refresh_token.to_string(),
    };
    HttpRequest::new(Method::Post, url(base, routes::SESSION_REFRESH)).json(to_json(&body))
}

/// `DELETE /v1/sessions/current` (the caller adds the bearer token).
pub fn sign_out(base: &str) -> HttpRequest {
    HttpRequest::new(Method::Delete, url(base, routes::SESSION_CURRENT))
}

/// `GET /v1/me` (the caller adds the bearer token).
pub fn me(base: &str) -> HttpRequest {
    HttpRequest::new(Method::Get, url(base, routes::ME))
}

/// `PUT /v1/networks/{id}/sharing` (the caller adds the bearer token).
pub fn set_sharing(base: &str, network_id: i64, sharing: bool) -> HttpRequest {
    let route = routes::fill(routes::NETWORK_SHARING, &[&network_id]);
    HttpRequest::new(Method::Put, url(base, &route)).json(to_json(&SharingRequest { sharing }))
}

/// `GET /v1/intro-asks`: the ally's introduction asks (the caller adds the bearer token).
pub fn intro_asks(base: &str) -> HttpRequest {
    HttpRequest::new(Method::Get, url(base, routes::MY_INTRO_ASKS))
}

/// `POST /v1/intro-asks/{id}/answer` (the caller adds the bearer token).
pub fn answer_ask(base: &str, ask_id: i64, made: bool, reason: Option<String>) -> HttpRequest {
    let route = routes::fill(routes::INTRO_ASK_ANSWER, &[&ask_id]);
    let answer = IntroAnswer {
        outcome: if made {
            IntroOutcome::Made
        } else {
            IntroOutcome::Declined
        },
        reason: reason.filter(|r| !r.trim().is_empty()),
    };
    HttpRequest::new(Method::Post, url(base, &route)).json(to_json(&answer))
}

/// `GET /v1/me/preferences` (the caller adds the bearer token).
pub fn preferences(base: &str) -> HttpRequest {
    HttpRequest::new(Method::Get, url(base, routes::ME_PREFERENCES))
}

/// `PUT /v1/me/preferences` (the caller adds the bearer token).
pub fn set_preferences(base: &str, preferences: Preferences) -> HttpRequest {
    HttpRequest::new(Method::Put, url(base, routes::ME_PREFERENCES)).json(to_json(&preferences))
}

/// Reads the answer to [`preferences`] and [`set_preferences`].
pub fn read_preferences(response: &HttpResponse) -> Result<Preferences, ApiFailure> {
    classify(response)?;
    parse(response)
}

/// `GET /v1/sync/limits`: the batch sizes this server accepts (public).
pub fn sync_limits(base: &str) -> HttpRequest {
    HttpRequest::new(Method::Get, url(base, routes::SYNC_LIMITS))
}

/// Reads the answer to [`sync_limits`].
pub fn read_sync_limits(response: &HttpResponse) -> Result<SyncLimits, ApiFailure> {
    classify(response)?;
    parse(response)
}

/// `POST /v1/sessions/handoff`: a one-time code from the Get Started page and the verifier.
pub fn handoff(base: &str, code: String, verifier: String) -> HttpRequest {
    HttpRequest::new(Method::Post, url(base, routes::SESSION_HANDOFF))
        .json(to_json(&HandoffExchange { code, verifier }))
}

/// Reads the answer to [`intro_asks`] and [`answer_ask`]'s follow-up.
pub fn read_asks(response: &HttpResponse) -> Result<Vec<IntroAsk>, ApiFailure> {
    classify(response)?;
    parse(response)
}

/// Reads the answer to [`sign_in`] (and to [`handoff`]: the same tokens).
pub fn read_sign_in(response: &HttpResponse) -> Result<SessionTokens, ApiFailure> {
    match classify(response) {
        Err(ApiFailure::Unauthorized) => Err(ApiFailure::InvalidCredentials),
        Err(e) => Err(e),
        Ok(()) => parse(response),
    }
}

/// Reads the answer to [`refresh`]. Any 401 means the refresh token is dead.
pub fn read_refresh(response: &HttpResponse) -> Result<SessionTokens, ApiFailure> {
    match classify(response) {
        Err(ApiFailure::Unauthorized) => Err(ApiFailure::SessionEnded),
        Err(e) => Err(e),
        Ok(()) => parse(response),
    }
}

/// Reads the answer to [`me`].
pub fn read_me(response: &HttpResponse) -> Result<Me, ApiFailure> {
    classify(response)?;
    parse(response)
}

fn parse<T: DeserializeOwned>(response: &HttpResponse) -> Result<T, ApiFailure> {
    crate::json::from_str(&response.body).map_err(|e| ApiFailure::BadResponse(e.to_string()))
}

/// Maps a status (and the API's error body, when there is one) to success or an [`ApiFailure`].
pub fn classify(response: &HttpResponse) -> Result<(), ApiFailure> {
    if response.is_success() {
        return Ok(());
    }
    let api_error: Option<ApiError> = crate::json::from_str(&response.body).ok();
    match response.status {
        401 => Err(match api_error.map(|e| e.code) {
            Some(ErrorCode::InvalidCredentials) => ApiFailure::InvalidCredentials,
            Some(ErrorCode::InvalidRefreshToken) => ApiFailure::SessionEnded,
            _ => ApiFailure::Unauthorized,
        }),
        429 => Err(ApiFailure::RateLimited),
        status @ 500..=599 => Err(ApiFailure::Server { status }),
        status => Err(match api_error {
            Some(e) => ApiFailure::Refused {
                status,
                code: e.code,
                message: e.message,
            },
            None => ApiFailure::BadResponse(format!("unexpected HTTP {status}")),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use allyshare_protocol::Role;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            content_type: Some("application/json".into()),
            retry_after: None,
            body: body.into(),
        }
    }

    #[test]
    fn sign_in_request_is_well_formed() {
        let r = sign_in("http://127.0.0.1:8787/", " ada@example.org ", "pw pw pw");
        assert_eq!(r.url, "http://127.0.0.1:8787/v1/sessions");
        assert_eq!(r.method, Method::Post);
        let body: SignInRequest = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
        assert_eq!(body.email, "ada@example.org");
        assert_eq!(body.password, "pw pw pw");
        assert_eq!(r.header("authorization"), None);
    }

    #[test]
    fn sign_in_401_means_wrong_credentials() {
        let r = resp(401, r#"{"code":"invalid_credentials","message":"no"}"#);
        assert_eq!(read_sign_in(&r), Err(ApiFailure::InvalidCredentials));
        // Even without a readable body.
        assert_eq!(
            read_sign_in(&resp(401, "")),
            Err(ApiFailure::InvalidCredentials)
        );
    }

    #[test]
    fn refresh_401_means_the_session_ended() {
        let r = resp(401, r#"{"code":"invalid_refresh_token","message":"used"}"#);
        assert_eq!(read_refresh(&r), Err(ApiFailure::SessionEnded));
        assert_eq!(read_refresh(&resp(401, "")), Err(ApiFailure::SessionEnded));
    }

    #[test]
    fn me_parses_and_expired_tokens_are_unauthorized() {
        let ok = resp(
            200,
            r#"{"person":{"id":3,"name":"Ada","email":"ada@example.org"},
                "networks":[{"id":1,"name":"Sales Network","role":"network_admin"}]}"#,
        );
        let me = read_me(&ok).unwrap();
        assert_eq!(me.networks[0].role, Role::NetworkAdmin);
        assert_eq!(
            read_me(&resp(401, r#"{"code":"unauthorized","message":"expired"}"#)),
            Err(ApiFailure::Unauthorized)
        );
    }

    #[test]
    fn preferences_are_read_and_written_whole() {
        let put = set_preferences("http://127.0.0.1:8787", Preferences { ask_emails: false });
        assert_eq!(put.method, Method::Put);
        assert_eq!(put.url, "http://127.0.0.1:8787/v1/me/preferences");
        assert_eq!(put.body.as_deref(), Some(r#"{"ask_emails":false}"#));
        assert_eq!(preferences("http://x/").url, "http://x/v1/me/preferences");
        assert_eq!(
            read_preferences(&resp(200, r#"{"ask_emails":true}"#)),
            Ok(Preferences { ask_emails: true })
        );
        assert_eq!(
            read_preferences(&resp(401, "")),
            Err(ApiFailure::Unauthorized)
        );
    }

    #[test]
    fn server_trouble_is_classified() {
        assert_eq!(classify(&resp(429, "")), Err(ApiFailure::RateLimited));
        assert_eq!(
            classify(&resp(503, "<html>")),
            Err(ApiFailure::Server { status: 503 })
        );
        assert_eq!(
            classify(&resp(404, "<html>not found</html>")),
            Err(ApiFailure::BadResponse("unexpected HTTP 404".into()))
        );
        assert!(matches!(
            classify(&resp(
                400,
                r#"{"code":"invalid_request","message":"bad email"}"#
            )),
            Err(ApiFailure::Refused {
                status: 400,
                code: ErrorCode::InvalidRequest,
                ..
            })
        ));
        // A 200 that is not the API (a captive portal, a wrong address) is a clear error.
        assert!(matches!(
            read_me(&resp(200, "<html>hotel wifi</html>")),
            Err(ApiFailure::BadResponse(_))
        ));
    }
}
