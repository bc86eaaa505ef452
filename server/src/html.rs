//! Server-rendered pages: the Get Started form, the setup guide, the link-problem pages, the
//! terms and the privacy policy. Each is an askama template in `server/templates/` (a shared
//! `layout.html`), which escapes every value by default: nothing here builds HTML by hand.
//! Pages carry no inline script or style, so the strict CSP every response carries
//! ([`html_response`]) holds.

use askama::Template;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::i18n::{self, Ui};

/// The Content-Security-Policy of every page.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                       form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The policy of the pages that run the hand-off script: our own script and same-origin
/// `fetch`, nothing else.
pub const CSP_WITH_SCRIPT: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; \
                       style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; \
                       frame-ancestors 'none'";

/// An HTML response with the security headers every page carries.
pub fn html_response(status: StatusCode, body: String) -> Response {
    html_response_with(status, body, CSP)
}

pub fn html_response_with(status: StatusCode, body: String, csp: &'static str) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static(csp),
    );
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static("DENY"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Renders a page. A template that fails to render is a bug of ours: say so on the page
/// rather than fail the request with nothing.
fn render(page: &impl Template) -> String {
    page.render().unwrap_or_else(|error| {
        tracing::error!(%error, "a page failed to render");
        match i18n::lang() {
            i18n::Lang::En => "<!doctype html><title>AllyShare</title><p>This page could not be shown. Please try again.</p>",
            i18n::Lang::Fr => "<!doctype html><html lang=\"fr\"><title>AllyShare</title><p>Cette page n’a pas pu être affichée. Réessayez.</p>",
        }
        .to_string()
    })
}

/// Which form the Get Started page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormMode {
    /// A new account: choose a password (twice) and accept the terms.
    NewPassword,
    /// The email already has an account with a password: give that password (proof that the
    /// account is theirs) and accept the terms.
    ExistingAccount,
}

/// What the Get Started page needs to know.
#[derive(Debug, Clone, Template)]
#[template(path = "get_started.html")]
pub struct GetStarted<'a> {
    pub m: Ui,
    pub token: &'a str,
    /// This browser's form token (see [`crate::cross_site`]).
    pub form_token: &'a str,
    pub network: &'a str,
    pub invitee_name: &'a str,
    pub email: &'a str,
    pub mode: FormMode,
    /// Problems with the last submission, shown in an alert.
    pub errors: &'a [String],
}

pub fn get_started_page(p: &GetStarted<'_>) -> String {
    render(p)
}

#[derive(Template)]
#[template(path = "guide.html")]
struct Guide<'a> {
    m: Ui,
    network: &'a str,
    extension_url: &'a str,
    existing_account: bool,
    handoff: Option<&'a str>,
}

/// The three-step setup guide shown once the invitation is accepted. With `handoff` (the
/// extension's id), the page also runs the hand-off script and shows its status.
pub fn guide_page(
    network: &str,
    extension_url: &str,
    existing_account: bool,
    handoff: Option<&str>,
) -> String {
    render(&Guide {
        m: Ui::current(),
        network,
        extension_url,
        existing_account,
        handoff,
    })
}

#[derive(Template)]
#[template(path = "handoff.html")]
struct Handoff<'a> {
    m: Ui,
    handoff: Option<&'a str>,
}

/// `GET /handoff`: the page the extension opens to be signed in (when the guide page was open
/// before the extension was installed). `handoff` as in [`guide_page`]; `None` when there is
/// nothing to hand off (no fresh acceptance in this browser, or no extension configured).
pub fn handoff_page(handoff: Option<&str>) -> String {
    match handoff {
        Some(_) => render(&Handoff {
            m: Ui::current(),
            handoff,
        }),
        None => {
            let m = i18n::m();
            message_page(m.handoff_sign_in_heading, &[m.handoff_sign_in_1])
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    m: Ui,
    heading: &'a str,
    paragraphs: &'a [&'a str],
}

/// A page with a heading and a few sentences (link problems, not found).
pub fn message_page(heading: &str, paragraphs: &[&str]) -> String {
    render(&Message {
        m: Ui::current(),
        heading,
        paragraphs,
    })
}

pub fn invitation_used_page() -> String {
    let m = i18n::m();
    message_page(m.used_heading, &[m.used_1, m.used_2])
}

pub fn invitation_expired_page(valid_days: i64) -> String {
    let m = i18n::m();
    message_page(
        m.expired_heading,
        &[
            &i18n::invitation_valid_days(i18n::lang(), valid_days),
            m.expired_2,
        ],
    )
}

pub fn invitation_invalid_page() -> String {
    let m = i18n::m();
    message_page(m.invalid_heading, &[m.invalid_1, m.invalid_2])
}

pub fn not_found_page() -> String {
    let m = i18n::m();
    message_page(m.not_found_heading, &[m.not_found_1])
}

#[derive(Template)]
#[template(path = "terms.html")]
struct Terms {
    m: Ui,
}

pub fn terms_page() -> String {
    render(&Terms { m: Ui::current() })
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct Privacy {
    m: Ui,
}

/// The privacy policy: what the extension reads, what reaches the server, what never leaves
/// the browser, and deletion in the Terms' own words (the store listing links here).
pub fn privacy_page() -> String {
    render(&Privacy { m: Ui::current() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guide_has_exactly_three_steps() {
        let page = guide_page("Sales", "https://example.org", false, None);
        let guide = page.split("<ol class=\"guide\">").nth(1).unwrap();
        let guide = guide.split("</ol>").next().unwrap();
        assert_eq!(guide.matches("<li>").count(), 3);
    }

    #[test]
    fn pages_escape_names() {
        let errors = vec!["<b>".to_string()];
        let page = get_started_page(&GetStarted {
            m: Ui::current(),
            token: "t",
            form_token: "f",
            network: "<script>x</script>",
            invitee_name: "\"Ada\"",
            email: "a@b.c",
            mode: FormMode::NewPassword,
            errors: &errors,
        });
        assert!(!page.contains("<script>"));
        assert!(page.contains("&#60;script&#62;x&#60;/script&#62;"));
        assert!(page.contains("&#34;Ada&#34;"), "{page}");
        assert!(page.contains("<li>&#60;b&#62;</li>"));
        let guide = guide_page(
            "<i>Net</i>",
            "https://x.example/?a=1&b=\"2\"",
            false,
            Some("<id>"),
        );
        assert!(!guide.contains("<i>Net</i>") && guide.contains("&#60;i&#62;Net&#60;/i&#62;"));
        assert!(
            guide.contains(r#"href="https://x.example/?a=1&#38;b=&#34;2&#34;""#),
            "{guide}"
        );
        assert!(guide.contains(r#"content="&#60;id&#62;""#), "{guide}");
    }
}
