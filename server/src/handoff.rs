//! Hand-off: signing the extension in right after the ally accepted their invitation, without
//! retyping the password. PKCE-shaped, so the code is useless to anyone but the extension that
//! asked for it.
//!
//! 1. Accepting the invitation (`POST /invite/{token}`) sets an `HttpOnly`, `SameSite=Lax`
//!    cookie scoped to `/handoff`, holding a *grant* (32 random bytes; only its SHA-256 is
//!    stored) valid for [`GRANT_TTL_SECS`]: "this browser just proved it is this person".
//! 2. The extension generates a `verifier` (32 random bytes, base64url) and gives the page
//!    `challenge = base64url(SHA-256(verifier))` over `externally_connectable` messaging, when
//!    the page's script (`/assets/handoff.js`) asks.
//! 3. The page calls `POST /handoff/code {challenge}` (same origin, with the cookie) and gets a
//!    one-time `code`, valid [`HANDOFF_CODE_TTL_SECS`], bound to the challenge; it hands the
//!    code to the extension.
//! 4. The extension calls `POST /v1/sessions/handoff {code, verifier}` and gets
//!    `SessionTokens`. The code works once (a wrong verifier burns it too); a successful
//!    exchange consumes the grant, so the cookie cannot sign in a second extension.
//!
//! A server may know several extension ids (`serve --extension-id`, repeated or a comma list):
//! the Chrome Web Store and Edge Add-ons each give the same zip an id of their own. The pages
//! list them all; the script asks each in turn for a challenge and goes on with the first that
//! answers (a browser reaches only the one installed).

use allyshare_protocol::limits::HANDOFF_CODE_TTL_SECS;
use allyshare_protocol::{
    ApiError, HandoffCode, HandoffCodeRequest, HandoffExchange, SessionTokens,
};
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ORIGIN};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::api::{new_token_pair, ApiFailure, ApiJson, ClientAddr};
use crate::db::HandoffRedeem;
use crate::tokens::{cookie_token, hash_token, looks_like_token, new_token};
use crate::App;

/// The grant cookie's name.
pub const COOKIE_NAME: &str = "allyshare_handoff";
/// How long after accepting the invitation codes can be asked for.
pub const GRANT_TTL_SECS: i64 = 30 * 60;

pub const HANDOFF_JS: &str = include_str!("../assets/handoff.js");

/// An `--extension-id` that is not one.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtensionIdError {
    #[error(
        "{0:?} is not an extension id: an id is 32 letters from a to p, as chrome://extensions \
         (or edge://extensions, or the store's dashboard) shows it"
    )]
    NotAnId(String),
}

/// One extension id as `serve --extension-id` takes it (each of a comma list): 32 letters a–p.
pub fn parse_extension_id(id: &str) -> Result<String, ExtensionIdError> {
    let id = id.trim();
    if id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b)) {
        Ok(id.to_string())
    } else {
        Err(ExtensionIdError::NotAnId(id.to_string()))
    }
}

/// Creates a grant for the person and returns the `Set-Cookie` value carrying it.
pub async fn grant_cookie(app: &App, person_id: i64) -> Result<HeaderValue, ApiFailure> {
    let secret = new_token();
    let now = app.now();
    app.repo()
        .create_handoff_grant(person_id, &hash_token(&secret), now, now + GRANT_TTL_SECS)
        .await?;
    let secure = if app.public_url().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={secret}; Path=/handoff; Max-Age={GRANT_TTL_SECS}; HttpOnly; SameSite=Lax{secure}"
    ))
    .map_err(|e| ApiFailure::Internal(e.to_string()))
}

/// The grant secret from the request's cookies, if one is there and looks like a token.
pub(crate) fn grant_from_cookies(headers: &HeaderMap) -> Option<String> {
    cookie_token(headers, COOKIE_NAME).map(str::to_string)
}

/// `base64url(SHA-256(verifier))`, no padding.
pub fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// RFC 7636's verifier alphabet and length (43 to 128 characters).
fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The web page (same origin, with the grant cookie set when the invitation was accepted)
/// asks a one-time hand-off code for the extension's challenge. Not for the extension itself.
#[utoipa::path(
    post,
    path = "/handoff/code",
    tag = "sessions",
    request_body = HandoffCodeRequest,
    responses(
        (status = 201, description = "A code, valid 5 minutes, single use", body = HandoffCode),
        (status = 401, description = "No live grant cookie (used, expired, or none)", body = ApiError),
        (status = 403, description = "Not from this server's own pages: another origin, or neither `Origin` nor `Sec-Fetch-Site` (nor a form token)", body = ApiError),
        (status = 422, description = "Not a challenge", body = ApiError),
    )
)]
pub async fn create_code(
    State(app): State<App>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<HandoffCodeRequest>,
) -> Result<Response, ApiFailure> {
    if let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin.trim_end_matches('/') != app.public_origin() {
            return Err(ApiFailure::Forbidden("Cross-origin requests are refused."));
        }
    }
    // Without an extension id the server runs no hand-off at all.
    if app.extension_ids().is_none() {
        return Err(ApiFailure::Unauthorized);
    }
    let grant = grant_from_cookies(&headers).ok_or(ApiFailure::Unauthorized)?;
    if !looks_like_token(&request.challenge) {
        return Err(ApiFailure::Unprocessable(
            "The challenge must be base64url(SHA-256(verifier)), 43 characters.".into(),
        ));
    }
    let code = new_token();
    let now = app.now();
    let created = app
        .repo()
        .create_handoff_code(
            &hash_token(&grant),
            &hash_token(&code),
            &request.challenge,
            now,
            now + HANDOFF_CODE_TTL_SECS,
        )
        .await?;
    if !created {
        return Err(ApiFailure::Unauthorized);
    }
    let mut response = (
        StatusCode::CREATED,
        Json(HandoffCode {
            code,
            expires_in: HANDOFF_CODE_TTL_SECS as u64,
        }),
    )
        .into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Exchange a hand-off code and its verifier for a session.
#[utoipa::path(
    post,
    path = "/v1/sessions/handoff",
    tag = "sessions",
    request_body = HandoffExchange,
    responses(
        (status = 201, description = "Signed in", body = SessionTokens),
        (status = 400, description = "`invalid_handoff_code`: unknown, expired, used, or the verifier does not match (the code is spent either way); or malformed request", body = ApiError),
        (status = 429, description = "Too many attempts from this address (`rate_limited`); see `Retry-After`", body = ApiError),
    )
)]
pub async fn exchange(
    State(app): State<App>,
    ClientAddr(address): ClientAddr,
    ApiJson(request): ApiJson<HandoffExchange>,
) -> Result<(StatusCode, Json<SessionTokens>), ApiFailure> {
    // No account is named before the code is redeemed: per address only.
    app.throttle_sign_in(None, address).await?;
    if !looks_like_token(&request.code) || !valid_verifier(&request.verifier) {
        return Err(ApiFailure::InvalidHandoffCode);
    }
    let now = app.now();
    let challenge = challenge_of(&request.verifier);
    match app
        .repo()
        .redeem_handoff_code(&hash_token(&request.code), &challenge, now)
        .await?
    {
        HandoffRedeem::Redeemed { person_id } => {
            let (tokens, hashes) = new_token_pair(now);
            app.repo().create_session(person_id, &hashes, now).await?;
            Ok((StatusCode::CREATED, Json(tokens)))
        }
        HandoffRedeem::Invalid => Err(ApiFailure::InvalidHandoffCode),
    }
}

/// `GET /assets/handoff.js`.
pub async fn script() -> Response {
    let mut response = HANDOFF_JS.into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        axum::http::HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_is_rfc7636_s256() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(valid_verifier(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!valid_verifier("short"));
        assert!(!valid_verifier(&"a+".repeat(30)));
    }

    use axum::http::header::COOKIE;

    #[test]
    fn the_grant_is_read_from_the_cookie_header() {
        let mut headers = HeaderMap::new();
        let token = "A".repeat(43);
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("other=1; {COOKIE_NAME}={token}")).unwrap(),
        );
        assert_eq!(grant_from_cookies(&headers), Some(token));
        headers.insert(COOKIE, HeaderValue::from_static("allyshare_handoff=short"));
        assert_eq!(grant_from_cookies(&headers), None);
    }
}
