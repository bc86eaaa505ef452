//! The pages an invitee opens from the invitation email, and the small static routes.
//!
//! Accepting an invitation is a plain HTML form (no script), so it works in any browser and
//! under a CSP that allows nothing but our own stylesheet. Every HTML response is marked
//! `no-store` and `no-referrer`, because the URL carries the invitation token.

use allyshare_protocol::limits::PASSWORD_MAX_CHARS;
use allyshare_protocol::Role;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use crate::api::{ApiFailure, ClientAddr};
use crate::cross_site::FormToken;
use crate::db::{AcceptOutcome, InvitationRecord, InvitationState, RepoError};
use crate::html::{
    self, html_response, html_response_with, FormMode, GetStarted, CSP, CSP_WITH_SCRIPT,
};
use crate::invite::INVITATION_VALID_DAYS;
use crate::passwords::check_new_password;
use crate::tokens::{hash_token, looks_like_token};
use crate::App;

const SITE_CSS: &str = include_str!("../assets/site.css");

/// A page failed to render because the server failed (not the visitor).
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("{0}")]
    Internal(String),
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self, "page failed");
        html_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            html::message_page(
                crate::i18n::m().went_wrong_heading,
                &[crate::i18n::m().went_wrong_nothing_changed],
            ),
        )
    }
}

/// The Get Started form's fields. Missing fields are empty (an unchecked box sends nothing).
#[derive(Debug, Default, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
    #[serde(default)]
    pub terms: String,
}

/// The invitation behind a link, or the page to show instead.
async fn pending_invitation(
    app: &App,
    token: Result<Path<String>, PathRejection>,
) -> Result<Result<(String, InvitationRecord), Response>, PageError> {
    let Ok(Path(token)) = token else {
        return Ok(Err(invalid_link()));
    };
    if !looks_like_token(&token) {
        return Ok(Err(invalid_link()));
    }
    let Some(invitation) = app.repo().find_invitation(&hash_token(&token)).await? else {
        return Ok(Err(invalid_link()));
    };
    match invitation.state(app.now()) {
        InvitationState::Pending => Ok(Ok((token, invitation))),
        state => Ok(Err(state_page(state))),
    }
}

fn invalid_link() -> Response {
    html_response(StatusCode::NOT_FOUND, html::invitation_invalid_page())
}

fn state_page(state: InvitationState) -> Response {
    match state {
        InvitationState::Used => html_response(StatusCode::GONE, html::invitation_used_page()),
        InvitationState::Expired => html_response(
            StatusCode::GONE,
            html::invitation_expired_page(INVITATION_VALID_DAYS),
        ),
        InvitationState::Revoked | InvitationState::Pending => invalid_link(),
    }
}

/// Whether the invitee already has an account with a password (then no new password is asked).
async fn form_mode(app: &App, invitation: &InvitationRecord) -> Result<FormMode, PageError> {
    let person = app.repo().find_person_by_email(&invitation.email).await?;
    Ok(match person {
        Some(p) if p.password_hash.is_some() => FormMode::ExistingAccount,
        _ => FormMode::NewPassword,
    })
}

fn form_page(
    status: StatusCode,
    token: &str,
    form_token: &FormToken,
    invitation: &InvitationRecord,
    mode: FormMode,
    errors: &[String],
) -> Response {
    html_response(
        status,
        html::get_started_page(&GetStarted {
            m: crate::i18n::Ui::current(),
            token,
            form_token: &form_token.0,
            network: &invitation.network_name,
            invitee_name: &invitation.name,
            email: &invitation.email,
            mode,
            errors,
        }),
    )
}

/// `GET /invite/{token}`: the Get Started page.
pub async fn get_started(
    State(app): State<App>,
    form_token: FormToken,
    token: Result<Path<String>, PathRejection>,
) -> Result<Response, PageError> {
    let (token, invitation) = match pending_invitation(&app, token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let mode = form_mode(&app, &invitation).await?;
    Ok(form_page(
        StatusCode::OK,
        &token,
        &form_token,
        &invitation,
        mode,
        &[],
    ))
}

/// The problems with a submission, in the order the fields appear.
fn validate(mode: FormMode, form: &AcceptForm) -> Vec<String> {
    let mut errors = Vec::new();
    if mode == FormMode::ExistingAccount && form.password.is_empty() {
        errors.push(crate::i18n::m().err_enter_account_password.to_string());
    }
    if mode == FormMode::NewPassword {
        if let Err(problem) = check_new_password(&form.password) {
            errors.push(crate::i18n::password_problem(crate::i18n::lang(), problem));
        }
        // Only compare when the password itself is acceptable, and never echo either value.
        if errors.is_empty() && form.password != form.password_confirm {
            errors.push(crate::i18n::m().err_passwords_differ.to_string());
        }
    }
    if form.terms != "accepted" {
        errors.push(crate::i18n::m().err_accept_terms.to_string());
    }
    errors
}

/// `POST /invite/{token}`: set the password (or, for an existing account, give it), accept the
/// terms, join the network. An ally gets the setup guide; a Network Admin is sent, signed in,
/// to the console's Team Members.
pub async fn accept(
    State(app): State<App>,
    ClientAddr(address): ClientAddr,
    form_token: FormToken,
    token: Result<Path<String>, PathRejection>,
    form: Result<Form<AcceptForm>, FormRejection>,
) -> Result<Response, PageError> {
    let (token, invitation) = match pending_invitation(&app, token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let mode = form_mode(&app, &invitation).await?;
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let page_with = |status, errors: &[String]| {
        form_page(status, &token, &form_token, &invitation, mode, errors)
    };
    let errors = validate(mode, &form);
    if !errors.is_empty() {
        return Ok(page_with(StatusCode::UNPROCESSABLE_ENTITY, &errors));
    }
    let password_hash = match mode {
        // Joining with an existing account proves it is theirs first, as signing in does
        // (and throttled alike): the link alone must not open a session for the account.
        FormMode::ExistingAccount => {
            match app
                .verify_sign_in(&invitation.email, form.password, address)
                .await
            {
                Ok(Some(_)) => None,
                Ok(None) => {
                    return Ok(page_with(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &[crate::i18n::m().err_wrong_account_password.to_string()],
                    ))
                }
                Err(ApiFailure::TooManyAttempts(secs)) => {
                    return Ok(page_with(
                        StatusCode::TOO_MANY_REQUESTS,
                        &[crate::i18n::try_again_in(
                            crate::i18n::lang(),
                            crate::i18n::TooMany::AccountPassword,
                            secs.div_ceil(60),
                        )],
                    ))
                }
                Err(other) => return Err(PageError::Internal(other.to_string())),
            }
        }
        FormMode::NewPassword => {
            debug_assert!(form.password.chars().count() <= PASSWORD_MAX_CHARS);
            let hash = app
                .hash_new_password(form.password)
                .await
                .map_err(|e| PageError::Internal(e.to_string()))?;
            Some(hash)
        }
    };
    let outcome = app
        .repo()
        .accept_invitation(invitation.id, password_hash.as_deref(), app.now())
        .await?;
    match outcome {
        AcceptOutcome::Joined {
            new_account: _,
            person_id,
        } if invitation.role == Role::NetworkAdmin => {
            // A Network Admin's place is the console: signed in there (they have just proved
            // the account is theirs), on their network's team. Admins share nothing, so there
            // is no extension to hand a session to.
            let cookie = crate::console::session::start(&app, person_id)
                .await
                .map_err(|e| PageError::Internal(e.to_string()))?;
            let mut response = crate::console::page::see_other(&format!(
                "/admin/networks/{}/team",
                invitation.network_id
            ));
            response.headers_mut().append(SET_COOKIE, cookie);
            Ok(response)
        }
        AcceptOutcome::Joined {
            new_account,
            person_id,
        } => {
            let page = html::guide_page(
                &invitation.network_name,
                app.extension_url(),
                !new_account,
                app.extension_ids(),
            );
            let csp = if app.extension_ids().is_some() {
                CSP_WITH_SCRIPT
            } else {
                CSP
            };
            let mut response = html_response_with(StatusCode::OK, page, csp);
            // A grant only where the hand-off runs (the server knows the extension's id).
            if app.extension_ids().is_some() {
                let cookie = crate::handoff::grant_cookie(&app, person_id)
                    .await
                    .map_err(|e| PageError::Internal(e.to_string()))?;
                response.headers_mut().append(SET_COOKIE, cookie);
            }
            Ok(response)
        }
        AcceptOutcome::NotPending => {
            // Used, revoked or expired between the check above and the transaction.
            let now = app.now();
            let state = match app.repo().find_invitation(&hash_token(&token)).await? {
                Some(current) => current.state(now),
                None => InvitationState::Revoked,
            };
            Ok(state_page(state))
        }
        AcceptOutcome::PasswordRequired => Ok(form_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            &form_token,
            &invitation,
            FormMode::NewPassword,
            &[crate::i18n::m().err_choose_password.to_string()],
        )),
    }
}

/// `GET /terms`.
pub async fn terms() -> Response {
    html_response(StatusCode::OK, html::terms_page())
}

/// `GET /privacy`: the privacy policy the Chrome Web Store listing links to (and every page's
/// footer).
pub async fn privacy() -> Response {
    html_response(StatusCode::OK, html::privacy_page())
}

/// `GET /assets/site.css`.
pub async fn site_css() -> Response {
    let mut response = SITE_CSS.into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `GET /handoff`: the page the extension opens to be signed in.
pub async fn handoff_page(State(app): State<App>, headers: axum::http::HeaderMap) -> Response {
    let has_grant = crate::handoff::grant_from_cookies(&headers).is_some();
    match app.extension_ids().filter(|_| has_grant) {
        Some(id) => html_response_with(
            StatusCode::OK,
            html::handoff_page(Some(id)),
            CSP_WITH_SCRIPT,
        ),
        None => html_response(StatusCode::OK, html::handoff_page(None)),
    }
}

/// `GET /healthz`.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Any other path.
pub async fn not_found() -> Response {
    html_response(StatusCode::NOT_FOUND, html::not_found_page())
}

/// The footer's language switch.
#[derive(Debug, Deserialize)]
pub struct SwitchForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    back: String,
}

/// `POST /lang`: remembers the language chosen (a cookie for a year) and goes back to the
/// page. Behind the cross-site layer like every form: a POST without the form token is
/// refused before it gets here.
pub async fn switch_language(State(app): State<App>, Form(form): Form<SwitchForm>) -> Response {
    let back = crate::i18n::safe_back(&form.back);
    let mut response = crate::console::page::see_other(back);
    if let Some(lang) = crate::i18n::Lang::parse(&form.lang) {
        let secure = if app.public_url().starts_with("https://") {
            "; Secure"
        } else {
            ""
        };
        if let Ok(value) = axum::http::HeaderValue::from_str(&format!(
            "{}={}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}",
            crate::i18n::COOKIE_NAME,
            lang.code()
        )) {
            response
                .headers_mut()
                .append(axum::http::header::SET_COOKIE, value);
        }
    }
    response
}

/// The page routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/invite/{token}", get(get_started).post(accept))
        .route("/terms", get(terms))
        .route("/privacy", get(privacy))
        .route(crate::i18n::SWITCH, axum::routing::post(switch_language))
        .route("/assets/site.css", get(site_css))
        .route("/assets/handoff.js", get(crate::handoff::script))
        .route("/handoff", get(handoff_page))
        .route(
            "/handoff/code",
            axum::routing::post(crate::handoff::create_code),
        )
        .route("/healthz", get(healthz))
}
