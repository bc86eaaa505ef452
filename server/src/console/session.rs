//! Signing in to the console and out of it: a cookie session of its own, apart from the
//! extension's bearer tokens.
//!
//! The cookie holds a random token (only its SHA-256 is stored, in `console_sessions`):
//! `HttpOnly` (no script reads it), `SameSite=Lax` (a link from another site opens the console
//! signed in, but no other site's form is sent with it; the cross-site layer and the form token
//! refuse those anyway), and on https `Secure` with the `__Host-` prefix (no subdomain can
//! plant one). A session ends after [`IDLE_SECS`] without a request, [`ABSOLUTE_SECS`] after
//! signing in whatever happens, on *Sign out*, and with every other session of the person when
//! their password changes.
//!
//! Signing in is [`App::verify_sign_in`], as for the API: the same throttling, and the same
//! answer (and argon2 work) for an unknown address and a wrong password.

use allyshare_protocol::bounds::Bounded;
use allyshare_protocol::{NetworkMembership, Role, SignInRequest};
use askama::Template;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{FromRequestParts, OriginalUri, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use super::page::{render, see_other, ConsoleError, Current, Shell};
use crate::api::{ApiFailure, ClientAddr};
use crate::cross_site::FormToken;
use crate::db::console::ConsoleSession;
use crate::tokens::{cookie_token, hash_token, new_token};
use crate::App;

/// A console session ends after this long without a request (12 hours).
pub const IDLE_SECS: i64 = 12 * 60 * 60;
/// … and this long after signing in, whatever happens (7 days).
pub const ABSOLUTE_SECS: i64 = 7 * 24 * 60 * 60;
/// The cookie's name on plain http (local development).
pub const COOKIE: &str = "allyshare_console";
/// The cookie's name when the public URL is https.
pub const SECURE_COOKIE: &str = "__Host-allyshare_console";

/// The sign-in page's path.
pub const SIGN_IN: &str = "/admin/sign-in";

fn cookie_name(app: &App) -> &'static str {
    if app.public_url().starts_with("https://") {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

fn cookie(app: &App, value: &str, max_age: i64) -> Result<HeaderValue, ConsoleError> {
    let name = cookie_name(app);
    let secure = if name == SECURE_COOKIE {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .map_err(|e| ConsoleError::Internal(e.to_string()))
}

/// The `Set-Cookie` value that removes the console cookie from the browser.
pub fn clear_cookie(app: &App) -> Result<HeaderValue, ConsoleError> {
    cookie(app, "", 0)
}

/// The live session of the request's cookie, if any.
async fn current_session(
    app: &App,
    headers: &HeaderMap,
) -> Result<Option<ConsoleSession>, ConsoleError> {
    let Some(token) = cookie_token(headers, cookie_name(app)) else {
        return Ok(None);
    };
    Ok(app
        .repo()
        .console_session(&hash_token(token), app.now(), IDLE_SECS)
        .await?)
}

/// Starts a console session for the person: the `Set-Cookie` value to send.
pub async fn start(app: &App, person_id: i64) -> Result<HeaderValue, ConsoleError> {
    let token = new_token();
    let now = app.now();
    app.repo()
        .create_console_session(
            person_id,
            &hash_token(&token),
            now,
            now + ABSOLUTE_SECS,
            IDLE_SECS,
        )
        .await?;
    cookie(app, &token, ABSOLUTE_SECS)
}

/// The signed-in person of a console page. Without a live session, a page request is sent to
/// the sign-in page (and back after); a form is sent to the sign-in page alone.
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    pub session: ConsoleSession,
    pub name: String,
    pub email: String,
    /// The networks the person is a Network Admin of, by name.
    pub admin_of: Vec<NetworkMembership>,
}

impl ConsoleUser {
    /// The frame of a page about `network` (or none).
    pub fn shell(
        &self,
        form_token: &FormToken,
        network: Option<super::page::AdminNetwork>,
        current: super::page::Current,
    ) -> Shell {
        Shell {
            person_name: self.name.clone(),
            form_token: form_token.0.clone(),
            network,
            network_count: self.admin_of.len(),
            current,
        }
    }
}

/// Where an unsigned request goes: the sign-in page, with the page to come back to.
fn to_sign_in(parts: &Parts) -> Response {
    let back = if parts.method == Method::GET {
        parts
            .extensions
            .get::<OriginalUri>()
            .map(|u| u.0.clone())
            .unwrap_or_else(|| parts.uri.clone())
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .filter(|p| safe_next(p))
    } else {
        None
    };
    match back {
        Some(next) if next != "/admin" => see_other(&format!(
            "{SIGN_IN}?{}",
            serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
        )),
        _ => see_other(SIGN_IN),
    }
}

impl FromRequestParts<App> for ConsoleUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let session = current_session(app, &parts.headers)
            .await
            .map_err(IntoResponse::into_response)?;
        let Some(session) = session else {
            return Err(to_sign_in(parts));
        };
        let me = app
            .repo()
            .me(session.person_id)
            .await
            .map_err(|e| ConsoleError::from(e).into_response())?;
        let Some(me) = me else {
            return Err(to_sign_in(parts));
        };
        let mut admin_of: Vec<NetworkMembership> = me
            .networks
            .into_iter()
            .filter(|n| n.role == Role::NetworkAdmin)
            .collect();
        admin_of.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(ConsoleUser {
            session,
            name: me.person.name,
            email: me.person.email,
            admin_of,
        })
    }
}

/// Whether `next` is a console path of this server to go back to after signing in (never
/// another site: no `//`, no backslash, no scheme).
pub fn safe_next(next: &str) -> bool {
    (next == "/admin" || next.starts_with("/admin/") || next.starts_with("/admin?"))
        && !next.contains("//")
        && !next.contains('\\')
        && next.len() <= 1024
        && next.bytes().all(|b| b.is_ascii_graphic())
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage<'a> {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    form_token: &'a str,
    email: &'a str,
    next: &'a str,
    error: Option<String>,
    notice: Option<&'a str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    signed_out: Option<String>,
    #[serde(default)]
    password_reset: Option<String>,
}

/// `GET /admin/sign-in`.
pub async fn sign_in_page(
    State(app): State<App>,
    headers: HeaderMap,
    form_token: FormToken,
    query: Result<Query<SignInQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let next = query.next.filter(|n| safe_next(n));
    if current_session(&app, &headers).await?.is_some() {
        return Ok(see_other(next.as_deref().unwrap_or("/admin")));
    }
    Ok(render(
        StatusCode::OK,
        &SignInPage {
            m: crate::i18n::Ui::current(),
            shell: None,
            form_token: &form_token.0,
            email: "",
            next: next.as_deref().unwrap_or(""),
            error: None,
            notice: if query.password_reset.is_some() {
                Some(crate::i18n::m().password_set_notice)
            } else {
                query
                    .signed_out
                    .is_some()
                    .then_some(crate::i18n::m().signed_out)
            },
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /admin/sign-in`.
pub async fn sign_in(
    State(app): State<App>,
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
    form_token: FormToken,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let next = Some(form.next.as_str())
        .filter(|n| safe_next(n))
        .unwrap_or("/admin")
        .to_string();
    let again = |status, error: String| {
        render(
            status,
            &SignInPage {
                m: crate::i18n::Ui::current(),
                shell: None,
                form_token: &form_token.0,
                email: form.email.trim(),
                next: &next,
                error: Some(error),
                notice: None,
            },
        )
    };
    let request = SignInRequest {
        email: form.email.trim().to_string(),
        password: form.password.clone(),
    };
    if request.email.is_empty() || request.password.is_empty() {
        return Ok(again(
            StatusCode::UNPROCESSABLE_ENTITY,
            crate::i18n::m().err_sign_in_empty.to_string(),
        ));
    }
    if let Err(too_long) = request.check_bounds() {
        return Ok(again(
            StatusCode::UNPROCESSABLE_ENTITY,
            crate::i18n::too_long(crate::i18n::lang(), &too_long),
        ));
    }
    let person = match app
        .verify_sign_in(&request.email, request.password, address)
        .await
    {
        Ok(Some(person)) => person,
        Ok(None) => {
            return Ok(again(
                StatusCode::UNAUTHORIZED,
                crate::i18n::m().err_sign_in_wrong.to_string(),
            ))
        }
        Err(ApiFailure::TooManyAttempts(secs)) => {
            let mut page = again(
                StatusCode::TOO_MANY_REQUESTS,
                crate::i18n::try_again_in(
                    crate::i18n::lang(),
                    crate::i18n::TooMany::SignIn,
                    secs.div_ceil(60),
                ),
            );
            page.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from(secs.max(1)),
            );
            return Ok(page);
        }
        Err(other) => return Err(other.into()),
    };
    // A new session each time: one that was there before (maybe another person's) ends.
    if let Some(old) = current_session(&app, &headers).await? {
        app.repo().end_console_session(old.session_id).await?;
    }
    let cookie = start(&app, person.id).await?;
    let mut response = see_other(&next);
    response.headers_mut().append(SET_COOKIE, cookie);
    Ok(response)
}

/// `POST /admin/sign-out`: the session ends, the cookie goes.
pub async fn sign_out(
    State(app): State<App>,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    if let Some(session) = current_session(&app, &headers).await? {
        app.repo().end_console_session(session.session_id).await?;
    }
    let mut response = see_other(&format!("{SIGN_IN}?signed_out=1"));
    response
        .headers_mut()
        .append(SET_COOKIE, clear_cookie(&app)?);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_console_paths_are_gone_back_to() {
        assert!(safe_next("/admin"));
        assert!(safe_next("/admin/networks/3/team?q=ada&page=2"));
        for bad in [
            "//evil.example/admin",
            "/admin//evil.example",
            "https://evil.example/admin",
            "/admin\\..\\x",
            "/administrator",
            "/invite/abc",
            "/admin/ x",
            "",
        ] {
            assert!(!safe_next(bad), "{bad}");
        }
    }
}
