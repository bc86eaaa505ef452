//! The content-script fallback for LinkedIn requests — its decisions, pure.
//!
//! The worker reads LinkedIn with its own `fetch` (cookies included under the host
//! permission). Should LinkedIn refuse those requests — a 401 or 403 while the ally is plainly
//! logged in (the `JSESSIONID` cookie is there), or a network-level refusal — the same request
//! can be sent from a linkedin.com tab: `extension/linkedin-content.js` performs it as a
//! same-origin `fetch` and answers with the response as data. This module says:
//! - when to fall back ([`should_fall_back`]): only on a refusal (401, 403, a login or authwall
//!   page where data was expected, a network-level refusal), only with a session cookie, never
//!   after a timeout (LinkedIn being slow is not a refusal, and a second try would double the
//!   load and the wait);
//! - what may be sent to the tab ([`tab_message`]): a GET to the Voyager API with the three
//!   headers the reader uses, nothing else — never a body, another path, or another origin;
//! - how the tab's answer is read ([`read_tab_answer`]): validated into an [`HttpResponse`] like
//!   any other, or ignored;
//! - which way to try first ([`Route`]): once the tab has worked, go there directly for a while
//!   instead of being refused once per page;
//! - and the whole decision for one request ([`send`]), over the two ways of sending it
//!   ([`LinkedInTransports`]: the worker's fetch and a tab), so the browser layer only moves
//!   bytes and keeps the [`Route`] beside them.

use std::cell::Cell;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::http::{HttpRequest, HttpResponse, Method, TransportError};

use super::session;

/// Only requests under this prefix ever go to a LinkedIn tab (the content script checks it too).
pub const VOYAGER_PREFIX: &str = "https://www.linkedin.com/voyager/api/";

/// The tabs that may carry the fallback (a `chrome.tabs.query` URL pattern; our host permission
/// covers it, no `tabs` permission needed).
pub const TAB_URL_PATTERN: &str = "https://www.linkedin.com/*";

/// The request headers a tab may be asked to send: exactly what [`super::session::Session::get`] sets.
pub const FORWARDED_HEADERS: [&str; 3] = ["csrf-token", "x-restli-protocol-version", "accept"];

/// After the tab answered where the worker was refused, requests go to the tab first for this
/// long (then the worker's own fetch is tried again).
pub const PREFER_TAB_MS: u64 = 10 * 60 * 1000;

/// The largest body accepted from a tab (a page of 100 connections is well under 1 MB).
pub const MAX_TAB_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Whether the worker's answer is a refusal worth retrying from a LinkedIn tab.
pub fn should_fall_back(
    answer: &Result<HttpResponse, TransportError>,
    has_session_cookie: bool,
) -> bool {
    // Without the session cookie the ally is logged out for real: no tab can help; the read
    // says "log in to LinkedIn".
    has_session_cookie && worth_a_tab(answer)
}

/// Whether a tab could do better than the worker with this answer (the cookie aside).
fn worth_a_tab(answer: &Result<HttpResponse, TransportError>) -> bool {
    match answer {
        Ok(response) => is_refusal(response),
        Err(TransportError::Network(_)) => true,
        Err(TransportError::Timeout) => false,
    }
}

/// Whether LinkedIn's answer refuses the caller: 401, 403, or a web page (login, authwall)
/// where data was expected. A rate limit (429, 999) is an answer, not a refusal.
pub fn is_refusal(response: &HttpResponse) -> bool {
    matches!(response.status, 401 | 403) || session::is_logged_out(response)
}

/// The message a LinkedIn tab's content script answers: `{"linkedin_fetch": {url, headers}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TabMessage {
    pub linkedin_fetch: TabFetch,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TabFetch {
    pub url: String,
    pub headers: BTreeMap<String, String>,
}

/// The message for the tab, or `None` when this request must not go there: anything but a GET
/// without a body to the Voyager API (after the browser's own path normalisation) stays in the
/// worker. Only [`FORWARDED_HEADERS`] are passed on.
pub fn tab_message(request: &HttpRequest) -> Option<TabMessage> {
    if request.method != Method::Get || request.body.is_some() || !is_voyager_url(&request.url) {
        return None;
    }
    let headers = request
        .headers
        .iter()
        .filter_map(|(name, value)| {
            let name = name.to_ascii_lowercase();
            FORWARDED_HEADERS
                .contains(&name.as_str())
                .then(|| (name, value.clone()))
        })
        .collect();
    Some(TabMessage {
        linkedin_fetch: TabFetch {
            url: request.url.clone(),
            headers,
        },
    })
}

/// Whether `url` is under [`VOYAGER_PREFIX`] and stays there once a browser has resolved it: no
/// dot segments (plain or percent-encoded), no backslashes, no fragment, no control characters.
pub fn is_voyager_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix(VOYAGER_PREFIX) else {
        return false;
    };
    if rest
        .chars()
        .any(|c| c == '\\' || c == '#' || c.is_control())
    {
        return false;
    }
    let path = rest.split('?').next().unwrap_or_default();
    !path.split('/').any(|segment| {
        let s = segment.to_ascii_lowercase().replace("%2e", ".");
        s == "." || s == ".."
    })
}

/// What the content script answers.
#[derive(Debug, Deserialize)]
struct TabAnswer {
    status: u16,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    retry_after: Option<String>,
    body: String,
}

/// The tab's answer as a response, or `None` when it is not one (no content script, an error
/// report, a malformed or oversized answer): then the worker's own answer stands.
pub fn read_tab_answer(text: &str) -> Option<HttpResponse> {
    let answer: TabAnswer = crate::json::from_str(text).ok()?;
    if !(100..=999).contains(&answer.status) || answer.body.len() > MAX_TAB_BODY_BYTES {
        return None;
    }
    let short = |v: Option<String>| v.filter(|s| s.len() <= 256);
    Some(HttpResponse {
        status: answer.status,
        content_type: short(answer.content_type),
        retry_after: short(answer.retry_after),
        body: answer.body,
    })
}

/// Which way a LinkedIn request goes first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Route {
    /// Until then (epoch ms), the tab first.
    tab_until_ms: u64,
}

impl Route {
    /// Whether to try a LinkedIn tab before the worker's own fetch.
    pub fn tab_first(&self, now_ms: u64) -> bool {
        now_ms < self.tab_until_ms
    }

    /// The tab answered `response`: if it was not refused as well, keep using the tab for a
    /// while; if it was, the session itself is gone and the worker goes first again.
    pub fn after_tab(&mut self, response: &HttpResponse, now_ms: u64) {
        self.tab_until_ms = if is_refusal(response) {
            0
        } else {
            now_ms + PREFER_TAB_MS
        };
    }

    /// No tab could answer (closed, content script missing): the worker first again.
    pub fn tab_unavailable(&mut self) {
        self.tab_until_ms = 0;
    }
}

/// The two ways a LinkedIn request can go, and what the decision needs to know.
#[allow(async_fn_in_trait)]
pub trait LinkedInTransports {
    /// The worker's own `fetch`, the ally's LinkedIn cookies included.
    async fn fetch(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
    /// The same request from an open linkedin.com tab; `None` when no tab could answer.
    async fn via_tab(&self, message: &TabMessage) -> Option<HttpResponse>;
    /// Whether LinkedIn's session cookie (`JSESSIONID`) is there.
    async fn has_session_cookie(&self) -> bool;
    /// Epoch milliseconds.
    fn now_ms(&self) -> u64;
}

/// Sends a LinkedIn request: through a tab first while `route` says the tab works; else the
/// worker's own fetch, and the tab when LinkedIn refuses that while the ally is logged in
/// ([`should_fall_back`]). Only what [`tab_message`] allows ever goes to a tab. With no tab to
/// answer, the worker's own answer stands (and the read says "log in to LinkedIn").
pub async fn send(
    route: &Cell<Route>,
    transports: &impl LinkedInTransports,
    request: HttpRequest,
) -> Result<HttpResponse, TransportError> {
    let message = tab_message(&request);
    let update = |change: &dyn Fn(&mut Route)| {
        let mut r = route.get();
        change(&mut r);
        route.set(r);
    };
    if let Some(message) = &message {
        if route.get().tab_first(transports.now_ms()) {
            if let Some(response) = transports.via_tab(message).await {
                update(&|r| r.after_tab(&response, transports.now_ms()));
                return Ok(response);
            }
            update(&Route::tab_unavailable);
        }
    }
    let answer = transports.fetch(request).await;
    let Some(message) = message else {
        return answer;
    };
    // The cookie is looked at only for an answer a tab could turn around: a page read that
    // succeeds costs no extra browser call.
    if !worth_a_tab(&answer) || !transports.has_session_cookie().await {
        return answer;
    }
    match transports.via_tab(&message).await {
        Some(response) => {
            update(&|r| r.after_tab(&response, transports.now_ms()));
            Ok(response)
        }
        None => answer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linkedin::session::Session;
    use crate::linkedin::{dash, ReadSettings};
    use serde_json::json;

    fn text(value: serde_json::Value) -> String {
        value.to_string()
    }

    fn response(status: u16) -> HttpResponse {
        HttpResponse {
            status,
            content_type: Some("application/json".into()),
            retry_after: None,
            body: "{}".into(),
        }
    }

    #[test]
    fn falls_back_only_on_a_refusal_with_a_session_cookie() {
        for status in [401, 403] {
            assert!(should_fall_back(&Ok(response(status)), true), "{status}");
            assert!(!should_fall_back(&Ok(response(status)), false), "{status}");
        }
        for status in [200, 400, 404, 429, 500, 999] {
            assert!(!should_fall_back(&Ok(response(status)), true), "{status}");
        }
        let authwall = HttpResponse {
            status: 200,
            content_type: Some("text/html; charset=utf-8".into()),
            retry_after: None,
            body: "<!DOCTYPE html><html><body class=\"authwall\"></body></html>".into(),
        };
        assert!(should_fall_back(&Ok(authwall.clone()), true));
        assert!(!should_fall_back(&Ok(authwall), false));
        let refused = Err(TransportError::Network("Failed to fetch".into()));
        assert!(should_fall_back(&refused, true));
        assert!(!should_fall_back(&refused, false));
        assert!(!should_fall_back(&Err(TransportError::Timeout), true));
    }

    #[test]
    fn a_reader_request_becomes_a_tab_message_with_only_its_three_headers() {
        let session = Session::from_jsessionid(Some("\"ajax:123\"")).unwrap();
        let mut request = dash::request(&ReadSettings::default(), &session, 80);
        request
            .headers
            .push(("authorization".into(), "Bearer x".into()));
        let message = tab_message(&request).unwrap();
        assert_eq!(message.linkedin_fetch.url, request.url);
        assert_eq!(
            message.linkedin_fetch.headers.keys().collect::<Vec<_>>(),
            ["accept", "csrf-token", "x-restli-protocol-version"]
        );
        assert_eq!(message.linkedin_fetch.headers["csrf-token"], "ajax:123");
        let wire = serde_json::to_value(&message).unwrap();
        assert_eq!(wire["linkedin_fetch"]["url"], json!(request.url));
    }

    #[test]
    fn nothing_but_a_voyager_get_goes_to_a_tab() {
        let get = |url: &str| HttpRequest {
            method: Method::Get,
            url: url.into(),
            headers: vec![],
            body: None,
        };
        assert!(tab_message(&get("https://www.linkedin.com/voyager/api/me")).is_some());
        for url in [
            "https://www.linkedin.com/logout",
            "https://www.linkedin.com/voyager/api/../../logout",
            "https://www.linkedin.com/voyager/api/%2E%2E/%2e%2e/logout",
            "https://www.linkedin.com/voyager/api/.%2e/x",
            "https://www.linkedin.com/voyager/api\\..\\logout",
            "https://www.linkedin.com/voyager/api/me#x",
            "https://www.linkedin.com.evil.example/voyager/api/me",
            "https://www.linkedin.com@evil.example/voyager/api/me",
            "http://www.linkedin.com/voyager/api/me",
            "https://linkedin.com/voyager/api/me",
            "http://127.0.0.1:8787/v1/me",
        ] {
            assert!(tab_message(&get(url)).is_none(), "{url}");
        }
        // Dots in the query are fine (a decoration id has them).
        assert!(is_voyager_url(
            "https://www.linkedin.com/voyager/api/x?decorationId=a.b..c"
        ));
        let mut post = get("https://www.linkedin.com/voyager/api/me");
        post.method = Method::Post;
        assert!(tab_message(&post).is_none());
        let mut with_body = get("https://www.linkedin.com/voyager/api/me");
        with_body.body = Some("{}".into());
        assert!(tab_message(&with_body).is_none());
    }

    #[test]
    fn the_tab_answer_is_validated_like_any_response() {
        let ok = read_tab_answer(&text(json!({
            "status": 200, "content_type": "application/json", "retry_after": null, "body": "{\"a\":1}"
        })))
        .unwrap();
        assert_eq!(ok.status, 200);
        assert_eq!(ok.body, "{\"a\":1}");
        assert_eq!(
            read_tab_answer(&text(
                json!({"status": 429, "retry_after": "5", "body": ""})
            ))
            .unwrap()
            .retry_after
            .as_deref(),
            Some("5")
        );
        for bad in [
            serde_json::Value::Null,
            json!({"error": "Failed to fetch"}),
            json!({"status": "200", "body": ""}),
            json!({"status": 0, "body": ""}),
            json!({"status": 70000, "body": ""}),
            json!({"status": 200, "body": 5}),
            json!({"status": 200}),
        ] {
            assert!(read_tab_answer(&text(bad.clone())).is_none(), "{bad}");
        }
        let huge = "x".repeat(MAX_TAB_BODY_BYTES + 1);
        assert!(read_tab_answer(&text(json!({"status": 200, "body": huge}))).is_none());
        let long_header = "x".repeat(300);
        let r = read_tab_answer(&text(
            json!({"status": 200, "content_type": long_header, "body": ""}),
        ));
        assert_eq!(r.unwrap().content_type, None);
    }

    #[test]
    fn the_tab_goes_first_for_a_while_after_it_worked() {
        let mut route = Route::default();
        assert!(!route.tab_first(0));
        route.after_tab(&response(200), 1_000);
        assert!(route.tab_first(1_001));
        assert!(route.tab_first(1_000 + PREFER_TAB_MS - 1));
        assert!(!route.tab_first(1_000 + PREFER_TAB_MS));
        // Refused in the tab too: the session is gone, the worker goes first again.
        route.after_tab(&response(200), 5_000);
        route.after_tab(&response(401), 6_000);
        assert!(!route.tab_first(6_001));
        route.after_tab(&response(200), 6_500);
        let mut wall = response(200);
        wall.content_type = Some("text/html".into());
        route.after_tab(&wall, 6_600);
        assert!(
            !route.tab_first(6_601),
            "an authwall in the tab is a refusal too"
        );
        route.after_tab(&response(429), 7_000);
        assert!(
            route.tab_first(7_001),
            "a rate limit is an answer, not a refusal"
        );
        route.tab_unavailable();
        assert!(!route.tab_first(7_002));
    }

    /// LinkedIn as the route sees it: the worker's fetch answers `worker`, a tab answers `tab`
    /// (or there is none); every call is counted.
    struct Transports {
        worker: Result<HttpResponse, TransportError>,
        tab: Option<HttpResponse>,
        cookie: bool,
        cookie_looks: Cell<u32>,
        now_ms: Cell<u64>,
        calls: std::cell::RefCell<Vec<&'static str>>,
    }

    impl Transports {
        fn new(worker: Result<HttpResponse, TransportError>, tab: Option<HttpResponse>) -> Self {
            Transports {
                worker,
                tab,
                cookie: true,
                cookie_looks: Cell::new(0),
                now_ms: Cell::new(1_000),
                calls: Default::default(),
            }
        }

        fn take_calls(&self) -> Vec<&'static str> {
            std::mem::take(&mut self.calls.borrow_mut())
        }
    }

    impl LinkedInTransports for Transports {
        async fn fetch(&self, _: HttpRequest) -> Result<HttpResponse, TransportError> {
            self.calls.borrow_mut().push("worker");
            self.worker.clone()
        }
        async fn via_tab(&self, _: &TabMessage) -> Option<HttpResponse> {
            self.calls.borrow_mut().push("tab");
            self.tab.clone()
        }
        async fn has_session_cookie(&self) -> bool {
            self.cookie_looks.set(self.cookie_looks.get() + 1);
            self.cookie
        }
        fn now_ms(&self) -> u64 {
            self.now_ms.get()
        }
    }

    fn run<F: std::future::Future>(f: F) -> F::Output {
        futures_util::FutureExt::now_or_never(f).expect("no real I/O here")
    }

    fn reader_request() -> HttpRequest {
        let session = Session::from_jsessionid(Some("\"ajax:123\"")).unwrap();
        dash::request(&ReadSettings::default(), &session, 0)
    }

    #[test]
    fn an_answered_page_costs_no_cookie_lookup() {
        for worker in [
            Ok(response(200)),
            Ok(response(429)),
            Err(TransportError::Timeout),
        ] {
            let t = Transports::new(worker, Some(response(200)));
            run(send(&Cell::new(Route::default()), &t, reader_request())).ok();
            assert_eq!(t.take_calls(), ["worker"]);
            assert_eq!(t.cookie_looks.get(), 0);
        }
        let t = Transports::new(Ok(response(403)), Some(response(200)));
        run(send(&Cell::new(Route::default()), &t, reader_request())).unwrap();
        assert_eq!(t.cookie_looks.get(), 1, "a refusal looks at the cookie");
    }

    #[test]
    fn a_refused_worker_goes_through_the_tab_then_the_tab_goes_first() {
        let t = Transports::new(Ok(response(403)), Some(response(200)));
        let route = Cell::new(Route::default());
        assert_eq!(run(send(&route, &t, reader_request())).unwrap().status, 200);
        assert_eq!(t.take_calls(), ["worker", "tab"]);
        // The next pages go straight to the tab, until it stops answering.
        assert_eq!(run(send(&route, &t, reader_request())).unwrap().status, 200);
        assert_eq!(t.take_calls(), ["tab"]);
        t.now_ms.set(1_000 + PREFER_TAB_MS + 1);
        run(send(&route, &t, reader_request())).unwrap();
        assert_eq!(
            t.take_calls(),
            ["worker", "tab"],
            "the worker is tried again"
        );
    }

    #[test]
    fn no_tab_no_cookie_or_a_timeout_leaves_the_workers_answer() {
        let mut t = Transports::new(Ok(response(403)), None);
        let route = Cell::new(Route::default());
        assert_eq!(run(send(&route, &t, reader_request())).unwrap().status, 403);
        assert_eq!(t.take_calls(), ["worker", "tab"]);
        t.tab = Some(response(200));
        t.cookie = false;
        assert_eq!(run(send(&route, &t, reader_request())).unwrap().status, 403);
        assert_eq!(t.take_calls(), ["worker"], "logged out: no tab can help");
        t.cookie = true;
        t.worker = Err(TransportError::Timeout);
        assert!(run(send(&route, &t, reader_request())).is_err());
        assert_eq!(t.take_calls(), ["worker"], "slow is not refused");
        assert_eq!(route.get(), Route::default());
    }

    #[test]
    fn a_tab_that_went_away_sends_the_worker_first_again() {
        let mut t = Transports::new(Ok(response(200)), None);
        let route = Cell::new(Route::default());
        route.set({
            let mut r = Route::default();
            r.after_tab(&response(200), 1_000);
            r
        });
        assert_eq!(run(send(&route, &t, reader_request())).unwrap().status, 200);
        assert_eq!(t.take_calls(), ["tab", "worker"]);
        assert!(!route.get().tab_first(1_001));
        // Nothing but a Voyager GET ever goes to a tab, whatever the route says.
        t.worker = Ok(response(403));
        t.tab = Some(response(200));
        let mut post = reader_request();
        post.method = Method::Post;
        assert_eq!(run(send(&route, &t, post)).unwrap().status, 403);
        assert_eq!(t.take_calls(), ["worker"]);
    }
}
