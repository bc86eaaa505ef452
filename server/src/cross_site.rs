//! Cross-site requests to the pages are refused: one layer for every page route, so each form
//! (the Get Started page's, and the console's as it grows) is covered without doing anything.
//!
//! Without it, a site of an attacker's could auto-submit the Get Started form of an invitation
//! they hold, in the victim's browser: the victim would be signed into the attacker's account
//! (login CSRF), and a signed-out extension would upload the victim's LinkedIn connections to
//! the attacker's network. Two checks, for every request to a page route (not `/v1`, whose
//! bearer tokens a browser never sends by itself) whose method is not safe:
//!
//! 1. **Where it comes from.** A browser says so: `Sec-Fetch-Site` must be `same-origin`; a
//!    browser that sends no `Sec-Fetch-Site` but an `Origin` must name this server's public
//!    origin. Anything else is refused.
//! 2. **A form token** (double-submit): every page (HTML) response sets, once per browser session,
//!    an `HttpOnly`, `SameSite=Strict` cookie holding a random token (`__Host-` prefixed and
//!    `Secure` when the public URL is https), and every form carries the same value in a
//!    hidden `form_token` field (or a script in an `X-Form-Token` header). A request whose
//!    body is a form (URL-encoded, or `multipart/form-data`: a file upload) must carry it; so
//!    must any request from a client that sends neither header (then nothing else says where
//!    it comes from). A token that does not match the cookie is refused.
//!
//! A form's body is read whole to find its token, then handed on: at most [`FORM_BODY_MAX`]
//! for a URL-encoded form, [`UPLOAD_BODY_MAX`] for an upload (the largest CSV the console
//! takes and room for the other fields); a larger body is refused with a page that says so.
//!
//! A refusal comes before any handler runs: a 403 page that says nothing was changed, or for a
//! script's request (not a form) a 403 `ApiError`.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{CONTENT_TYPE, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use allyshare_protocol::limits::CSV_MAX_BYTES;

use crate::tokens::{cookie_token, new_token};
use crate::App;

/// The form cookie's name on plain http (local development).
pub const COOKIE: &str = "allyshare_form";
/// The form cookie's name when the public URL is https: the browser then accepts it only from
/// this host, over https, for path `/` (no subdomain can plant one).
pub const SECURE_COOKIE: &str = "__Host-allyshare_form";
/// The hidden field every form carries.
pub const FIELD: &str = "form_token";
/// The header a same-origin script may carry the token in instead.
pub const HEADER: &str = "x-form-token";
/// Largest URL-encoded form body read to find the token (the forms are a few fields).
pub const FORM_BODY_MAX: usize = 64 * 1024;
/// Largest `multipart/form-data` body: the largest CSV ([`CSV_MAX_BYTES`]) and room for the
/// part headers and the other fields.
pub const UPLOAD_BODY_MAX: usize = CSV_MAX_BYTES + 64 * 1024;
/// Longest `form_token` part of an upload read (ours are 43 characters).
const TOKEN_PART_MAX: u64 = 256;

/// This browser's form token: the value the pages put in their forms' hidden field.
#[derive(Debug, Clone)]
pub struct FormToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for FormToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // The layer below puts one in every page request.
        Ok(parts
            .extensions
            .get::<FormToken>()
            .cloned()
            .unwrap_or_else(|| FormToken(new_token())))
    }
}

fn cookie_name(app: &App) -> &'static str {
    if app.public_url().starts_with("https://") {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

/// What the request's own headers say about where it comes from.
#[derive(Debug, PartialEq, Eq)]
enum Provenance {
    SameOrigin,
    CrossSite,
    /// Neither `Sec-Fetch-Site` nor `Origin`: not a current browser's form post.
    Unknown,
}

fn provenance(headers: &HeaderMap, own_origin: &str) -> Provenance {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    match (text("sec-fetch-site"), text(ORIGIN.as_str())) {
        (Some("same-origin"), _) => Provenance::SameOrigin,
        (Some(_), _) => Provenance::CrossSite,
        (None, Some(origin)) if origin.trim_end_matches('/') == own_origin => {
            Provenance::SameOrigin
        }
        (None, Some(_)) => Provenance::CrossSite,
        (None, None) => Provenance::Unknown,
    }
}

/// The `form_token` field of a URL-encoded body.
fn token_in_form(body: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(name, _)| name == FIELD)
        .map(|(_, value)| value)
}

/// The `form_token` part of a `multipart/form-data` body (whole, in memory), wherever it
/// comes among the parts.
async fn token_in_upload(content_type: &str, body: axum::body::Bytes) -> Option<String> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream = Body::from(body).into_data_stream();
    let constraints = multer::Constraints::new()
        .size_limit(multer::SizeLimit::new().for_field(FIELD, TOKEN_PART_MAX));
    let mut parts = multer::Multipart::with_constraints(stream, boundary, constraints);
    while let Ok(Some(part)) = parts.next_field().await {
        if part.name() == Some(FIELD) && part.file_name().is_none() {
            return part.text().await.ok();
        }
    }
    None
}

/// An upload larger than [`UPLOAD_BODY_MAX`]: nothing was read or changed.
fn too_large(is_upload: bool) -> Response {
    let m = crate::i18n::m();
    let text: Vec<String> = if is_upload {
        crate::i18n::upload_too_large(crate::i18n::lang()).into()
    } else {
        vec![m.too_large_form.to_string()]
    };
    let text: Vec<&str> = text.iter().map(String::as_str).collect();
    crate::html::html_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        crate::html::message_page(m.too_large_heading, &text),
    )
}

/// The refusal: a page for a form, an `ApiError` for a script's request.
fn refused(is_form: bool) -> Response {
    if !is_form {
        return crate::api::ApiFailure::Forbidden(
            "Requests to this page's endpoints are accepted only from the server's own pages.",
        )
        .into_response();
    }
    let m = crate::i18n::m();
    crate::html::html_response(
        StatusCode::FORBIDDEN,
        crate::html::message_page(m.cross_site_heading, &[m.cross_site_1, m.cross_site_2]),
    )
}

/// The layer (`axum::middleware::from_fn_with_state`) on the page routes.
pub async fn guard(State(app): State<App>, request: Request, next: Next) -> Response {
    let cookie = cookie_name(&app);
    let existing = cookie_token(request.headers(), cookie).map(str::to_string);
    // Pages take forms: POST is their one method that changes something. PUT, PATCH and
    // DELETE are refused here (405) whatever the path, so that a page route taking one could
    // not go unchecked; any other method reaches the router (405 where no route has it).
    if matches!(
        *request.method(),
        Method::PUT | Method::PATCH | Method::DELETE
    ) {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(axum::http::header::ALLOW, "GET, HEAD, POST")],
        )
            .into_response();
    }
    let mut request = request;
    if request.method() == Method::POST {
        match check(&app, existing.as_deref(), request).await {
            Ok(checked) => request = checked,
            Err(refusal) => return refusal,
        }
    }
    let token = existing.clone().unwrap_or_else(new_token);
    request.extensions_mut().insert(FormToken(token.clone()));
    crate::i18n::note_form_token(&token);
    let mut response = next.run(request).await;
    // Only pages carry forms; a cacheable asset must not carry a cookie.
    let is_page = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if existing.is_none() && is_page {
        let secure = if cookie == SECURE_COOKIE {
            "; Secure"
        } else {
            ""
        };
        if let Ok(value) = HeaderValue::from_str(&format!(
            "{cookie}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"
        )) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// The request back (its body read and put back) if it may go on, or the refusal.
async fn check(app: &App, cookie: Option<&str>, request: Request) -> Result<Request, Response> {
    let provenance = provenance(request.headers(), app.public_origin());
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let is_upload = media_type == "multipart/form-data";
    let is_form = is_upload || media_type == "application/x-www-form-urlencoded";
    if provenance == Provenance::CrossSite {
        return Err(refused(is_form));
    }
    let in_header = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (request, sent) = if is_form {
        let (parts, body) = request.into_parts();
        let limit = if is_upload {
            UPLOAD_BODY_MAX
        } else {
            FORM_BODY_MAX
        };
        let Ok(bytes) = to_bytes(body, limit).await else {
            return Err(too_large(is_upload));
        };
        let sent = match in_header {
            Some(sent) => Some(sent),
            None if is_upload => token_in_upload(&content_type, bytes.clone()).await,
            None => token_in_form(&bytes),
        };
        (Request::from_parts(parts, Body::from(bytes)), sent)
    } else {
        (request, in_header)
    };
    let token_needed = is_form || provenance == Provenance::Unknown;
    match (sent, cookie) {
        (Some(sent), Some(cookie)) if constant_time_eq(sent.as_bytes(), cookie.as_bytes()) => {
            Ok(request)
        }
        (None, _) if !token_needed => Ok(request),
        _ => Err(refused(is_form)),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, HeaderValue::from_static(value));
        }
        h
    }

    #[test]
    fn provenance_trusts_fetch_metadata_first_then_the_origin() {
        let own = "https://allyshare.example.org";
        let p = |pairs: &[(&'static str, &'static str)]| provenance(&headers(pairs), own);
        assert_eq!(
            p(&[("sec-fetch-site", "same-origin")]),
            Provenance::SameOrigin
        );
        assert_eq!(
            p(&[("sec-fetch-site", "cross-site")]),
            Provenance::CrossSite
        );
        assert_eq!(p(&[("sec-fetch-site", "same-site")]), Provenance::CrossSite);
        assert_eq!(p(&[("sec-fetch-site", "none")]), Provenance::CrossSite);
        assert_eq!(
            p(&[
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://allyshare.example.org")
            ]),
            Provenance::CrossSite
        );
        assert_eq!(
            p(&[("origin", "https://allyshare.example.org")]),
            Provenance::SameOrigin
        );
        assert_eq!(
            p(&[("origin", "https://evil.example")]),
            Provenance::CrossSite
        );
        assert_eq!(p(&[("origin", "null")]), Provenance::CrossSite);
        assert_eq!(p(&[]), Provenance::Unknown);
    }

    #[test]
    fn the_token_is_read_from_a_form_body() {
        assert_eq!(
            token_in_form(b"terms=accepted&form_token=abc%2Dd&x=1").as_deref(),
            Some("abc-d")
        );
        assert_eq!(token_in_form(b"terms=accepted"), None);
        assert_eq!(token_in_form(b"\xff\xfe=%%"), None);
    }

    #[tokio::test]
    async fn the_token_is_read_from_an_upload_wherever_its_part_comes() {
        let ct = "multipart/form-data; boundary=XyZ";
        let body = |parts: &str| axum::body::Bytes::from(parts.replace('\n', "\r\n"));
        let file_first = body(
            "--XyZ\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\nContent-Type: text/csv\n\nname,email\nAda,ada@x.org\n--XyZ\nContent-Disposition: form-data; name=\"form_token\"\n\nabc-d\n--XyZ--\n",
        );
        assert_eq!(
            token_in_upload(ct, file_first).await.as_deref(),
            Some("abc-d")
        );
        // A file part named like the field is not the field.
        let as_file = body(
            "--XyZ\nContent-Disposition: form-data; name=\"form_token\"; filename=\"t.txt\"\n\nabc-d\n--XyZ--\n",
        );
        assert_eq!(token_in_upload(ct, as_file).await, None);
        let none = body("--XyZ\nContent-Disposition: form-data; name=\"kind\"\n\nally\n--XyZ--\n");
        assert_eq!(token_in_upload(ct, none).await, None);
        assert_eq!(
            token_in_upload("multipart/form-data", body("x")).await,
            None
        );
    }
}
