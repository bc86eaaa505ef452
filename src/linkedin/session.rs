//! The ally's LinkedIn session, as the reader sees it: a CSRF token from the `JSESSIONID`
//! cookie, the three headers every Voyager call carries, and the rules that say "logged out".
//!
//! The session cookie `li_at` is httpOnly and travels by itself (`credentials: include`); it is
//! never read, stored or sent anywhere by the extension. Only `JSESSIONID` is read, because
//! LinkedIn wants its value echoed in the `csrf-token` header — without its surrounding double
//! quotes, else every call answers 403 `CSRF check failed.`. Headers are kept to the minimum:
//! over-specifying them is said to trigger bot detection.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::http::{HttpRequest, HttpResponse, Method};

use super::ReadSettings;

/// Where the ally logs in to LinkedIn (the action offered with the "log in to LinkedIn" status).
pub const LOGIN_URL: &str = "https://www.linkedin.com/login";

/// The content type asked for from the dash endpoints.
pub const ACCEPT_NORMALIZED: &str = "application/vnd.linkedin.normalized+json+2.1";

/// No usable LinkedIn session in this browser.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("not logged in to LinkedIn: log in at {LOGIN_URL} and try again")]
pub struct LoggedOut;

/// What a request needs from the session: the CSRF token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    csrf_token: String,
}

impl Session {
    /// The session from the `JSESSIONID` cookie's value (as `chrome.cookies` or `document.cookie`
    /// gives it, quotes and all); no cookie, or an empty one, is logged out.
    pub fn from_jsessionid(value: Option<&str>) -> Result<Session, LoggedOut> {
        value
            .and_then(csrf_token)
            .map(|csrf_token| Session { csrf_token })
            .ok_or(LoggedOut)
    }

    pub fn csrf_token(&self) -> &str {
        &self.csrf_token
    }

    /// A GET to the Voyager API with exactly the headers LinkedIn needs.
    pub fn get(&self, url: String, accept: &str) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            url,
            headers: vec![
                ("csrf-token".into(), self.csrf_token.clone()),
                ("x-restli-protocol-version".into(), "2.0.0".into()),
                ("accept".into(), accept.into()),
            ],
            body: None,
        }
    }
}

/// The CSRF token from a `JSESSIONID` value: trimmed, surrounding double quotes removed (the
/// cookie looks like `"ajax:1234567890123456789"`). `None` when nothing is left.
pub fn csrf_token(jsessionid: &str) -> Option<String> {
    let v = jsessionid.trim();
    let v = v.strip_prefix('"').unwrap_or(v);
    let v = v.strip_suffix('"').unwrap_or(v);
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// The `JSESSIONID` value in a `document.cookie` string (the content-script fallback).
pub fn jsessionid_from_cookie_header(cookies: &str) -> Option<String> {
    cookies.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        (name.trim() == "JSESSIONID").then(|| value.trim().to_string())
    })
}

/// `GET /voyager/api/me`: the cheap "am I logged in" check.
pub fn me_request(settings: &ReadSettings, session: &Session) -> HttpRequest {
    session.get(settings.api("me"), ACCEPT_NORMALIZED)
}

/// Whether the `/me` answer says the session works.
pub fn read_me(response: &HttpResponse) -> Result<(), LoggedOut> {
    if response.is_success()
        && !is_logged_out(response)
        && super::parse_json(&response.body).is_ok()
    {
        Ok(())
    } else {
        Err(LoggedOut)
    }
}

/// Whether a response means "not logged in": 401; a 403 whose body is the CSRF failure (the
/// cookie changed under us); or a web page (login, authwall, checkpoint, uas) where JSON was
/// expected — any HTML counts, LinkedIn's answers to API calls are never HTML otherwise.
pub fn is_logged_out(response: &HttpResponse) -> bool {
    match response.status {
        401 => true,
        403 => response.body.contains("CSRF check failed") || is_html(response),
        200..=399 => is_html(response),
        _ => false,
    }
}

/// Whether a response is a web page rather than data.
pub fn is_html(response: &HttpResponse) -> bool {
    let by_type = response
        .content_type
        .as_deref()
        .is_some_and(|t| t.to_ascii_lowercase().contains("text/html"));
    by_type || looks_like_html(response.body.trim_start_matches('\u{feff}').trim_start())
}

/// Whether text (already left-trimmed) starts like an HTML document.
pub fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(15)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype")
        || head.starts_with("<html")
        || head.starts_with("<head")
        || head.starts_with("<body")
        || head.starts_with("<script")
        || head.starts_with("<meta")
        || head.starts_with("<!--")
}

/// Which kind of logged-out page an HTML answer is (for the status detail and diagnostics).
pub fn html_kind(body: &str) -> &'static str {
    let lower = body.to_ascii_lowercase();
    if lower.contains("authwall") {
        "authwall"
    } else if lower.contains("checkpoint") {
        "checkpoint"
    } else if lower.contains("/uas/") || lower.contains("login") || lower.contains("sign in") {
        "login"
    } else {
        "web page"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, content_type: &str, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            content_type: Some(content_type.into()),
            retry_after: None,
            body: body.into(),
        }
    }

    #[test]
    fn csrf_token_drops_the_quotes() {
        assert_eq!(
            csrf_token("\"ajax:1234567890123456789\"").as_deref(),
            Some("ajax:1234567890123456789")
        );
        assert_eq!(csrf_token("ajax:42").as_deref(), Some("ajax:42"));
        assert_eq!(csrf_token(" \"\" "), None);
        assert_eq!(csrf_token(""), None);
        assert_eq!(Session::from_jsessionid(None), Err(LoggedOut));
        assert_eq!(Session::from_jsessionid(Some("\"\"")), Err(LoggedOut));
    }

    #[test]
    fn cookie_header_lookup() {
        assert_eq!(
            jsessionid_from_cookie_header("lang=v=2; JSESSIONID=\"ajax:9\"; bcookie=x").as_deref(),
            Some("\"ajax:9\"")
        );
        assert_eq!(jsessionid_from_cookie_header("lang=v=2"), None);
    }

    #[test]
    fn requests_carry_exactly_three_headers() {
        let s = Session::from_jsessionid(Some("\"ajax:9\"")).unwrap();
        let r = me_request(&ReadSettings::default(), &s);
        assert_eq!(r.url, "https://www.linkedin.com/voyager/api/me");
        assert_eq!(
            r.headers,
            vec![
                ("csrf-token".to_string(), "ajax:9".to_string()),
                ("x-restli-protocol-version".into(), "2.0.0".into()),
                ("accept".into(), ACCEPT_NORMALIZED.into()),
            ]
        );
    }

    #[test]
    fn logged_out_answers() {
        assert!(is_logged_out(&response(401, "application/json", "{}")));
        assert!(is_logged_out(&response(
            403,
            "text/plain",
            "CSRF check failed."
        )));
        assert!(is_logged_out(&response(
            200,
            "text/html; charset=utf-8",
            "<html>authwall"
        )));
        assert!(is_logged_out(&response(
            200,
            "application/json",
            "  <!DOCTYPE html><html>"
        )));
        assert!(!is_logged_out(&response(200, "application/json", "{}")));
        assert!(!is_logged_out(&response(429, "text/html", "<html>")));
        assert_eq!(
            read_me(&response(200, "application/json", "{\"a\":1}")),
            Ok(())
        );
        assert_eq!(
            read_me(&response(200, "text/html", "<html>")),
            Err(LoggedOut)
        );
        assert_eq!(html_kind("<a href=/authwall>"), "authwall");
        assert_eq!(html_kind("<a href=/checkpoint/lg>"), "checkpoint");
        assert_eq!(html_kind("<form action=/uas/login-submit>"), "login");
    }
}
