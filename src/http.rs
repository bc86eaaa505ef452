//! Plain-data HTTP: what the core asks for and what it gets back.
//!
//! The core never performs a request itself. It describes one as an [`HttpRequest`], an
//! implementation of [`Http`] moves the bytes (the browser's `fetch`, or a test double), and the
//! core reads the [`HttpResponse`]. Keeping this boundary small is what lets every decision be
//! tested natively.

use thiserror::Error;

/// The HTTP methods the extension uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// A request, fully described: absolute URL, headers and an optional JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl HttpRequest {
    pub fn new(method: Method, url: String) -> Self {
        HttpRequest {
            method,
            url,
            headers: vec![("accept".into(), "application/json".into())],
            body: None,
        }
    }

    /// Adds a JSON body (and its content type).
    pub fn json(mut self, body: String) -> Self {
        self.headers
            .push(("content-type".into(), "application/json".into()));
        self.body = Some(body);
        self
    }

    /// Sets `Authorization: Bearer <token>`, replacing any earlier one.
    pub fn bearer(mut self, token: &str) -> Self {
        self.headers.retain(|(k, _)| k != "authorization");
        self.headers
            .push(("authorization".into(), format!("Bearer {token}")));
        self
    }

    /// The value of a header (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A response: status, the headers the core looks at, and the body as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub body: String,
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// How long the server asked to wait, in seconds, from `Retry-After`: delay-seconds, or an
    /// HTTP date (read at `now_ms`). `None` without a readable header.
    pub fn retry_after_secs(&self, now_ms: u64) -> Option<u64> {
        let value = self.retry_after.as_deref()?.trim();
        if let Ok(secs) = value.parse::<u64>() {
            return Some(secs);
        }
        http_date_secs(value).map(|at| at.saturating_sub(now_ms / 1000))
    }
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to unix seconds.
fn http_date_secs(value: &str) -> Option<u64> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let day: u32 = parts[1].parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[2])? as u32
        + 1;
    let year: i64 = parts[3].parse().ok()?;
    let hms: Vec<u64> = parts[4]
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if hms.len() != 3 || !crate::contacts::is_valid_date(year, month, day) || year < 1970 {
        return None;
    }
    let days = u64::try_from(crate::contacts::days_from_civil(year, month, day)).ok()?;
    Some(days * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2])
}

/// Why a request produced no response at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransportError {
    /// The server could not be reached (offline, refused, DNS, CORS or permission refusal).
    #[error("could not reach the server: {0}")]
    Network(String),
    /// The server did not answer within the time limit.
    #[error("the server did not answer in time")]
    Timeout,
}

/// Performs requests. The browser's implementation bounds each one with a timeout well under the
/// service worker's 30-second limit.
#[allow(async_fn_in_trait)]
pub trait Http {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_replaces_an_earlier_token() {
        let r = HttpRequest::new(Method::Get, "http://x/v1/me".into())
            .bearer("one")
            .bearer("two");
        assert_eq!(r.header("Authorization"), Some("Bearer two"));
        assert_eq!(
            r.headers
                .iter()
                .filter(|(k, _)| k == "authorization")
                .count(),
            1
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let answer = |v: Option<&str>| HttpResponse {
            status: 429,
            content_type: None,
            retry_after: v.map(String::from),
            body: String::new(),
        };
        assert_eq!(answer(Some(" 12 ")).retry_after_secs(0), Some(12));
        // 1994-11-06T08:49:37Z is 784111777.
        assert_eq!(
            answer(Some("Sun, 06 Nov 1994 08:49:37 GMT")).retry_after_secs(784_111_700_000),
            Some(77)
        );
        assert_eq!(
            answer(Some("Sun, 31 Feb 1994 08:49:37 GMT")).retry_after_secs(0),
            None
        );
        assert_eq!(answer(Some("soon")).retry_after_secs(0), None);
        assert_eq!(answer(None).retry_after_secs(0), None);
    }

    #[test]
    fn json_sets_the_content_type() {
        let r = HttpRequest::new(Method::Post, "http://x".into()).json("{}".into());
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.body.as_deref(), Some("{}"));
    }
}
