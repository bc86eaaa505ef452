//! *Forgot password?* in the console: the page that asks for the email, the answer (the same
//! whether or not the address has an account, after the same time), and the emailed link's
//! page that sets a new password. The rules are in [`crate::password_reset`].

use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::header::{RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::page::{render, see_other, ConsoleError, Current, Shell};
use super::session::{self, SIGN_IN};
use crate::api::{ApiFailure, ClientAddr};
use crate::cross_site::FormToken;
use crate::invite::check_email;
use crate::password_reset::{self, ResetLink};
use crate::passwords::check_new_password;
use crate::App;

/// The page that asks for the email.
pub const FORGOT: &str = "/admin/forgot-password";

#[derive(Template)]
#[template(path = "console/forgot_password.html")]
struct ForgotPage<'a> {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    form_token: &'a str,
    email: &'a str,
    email_error: Option<String>,
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "console/forgot_password_sent.html")]
struct SentPage<'a> {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    email: &'a str,
}

/// `GET /admin/forgot-password`.
pub async fn forgot_page(form_token: FormToken) -> Response {
    render(
        StatusCode::OK,
        &ForgotPage {
            m: crate::i18n::Ui::current(),
            shell: None,
            form_token: &form_token.0,
            email: "",
            email_error: None,
            problem: None,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// `POST /admin/forgot-password`: the same answer, after [`password_reset::ANSWER_AFTER`], whether or not the
/// address has an account; the request itself is stored (or not) apart from the answer.
pub async fn forgot(
    State(app): State<App>,
    ClientAddr(address): ClientAddr,
    form_token: FormToken,
    form: Result<Form<ForgotForm>, FormRejection>,
) -> Response {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let typed = form.email.trim();
    let again = |status, email_error: Option<String>, problem: Option<String>| {
        render(
            status,
            &ForgotPage {
                m: crate::i18n::Ui::current(),
                shell: None,
                form_token: &form_token.0,
                email: typed,
                email_error,
                problem,
            },
        )
    };
    let email = if typed.is_empty() {
        Err(crate::i18n::m().err_enter_email.to_string())
    } else {
        check_email(typed).map_err(|_| crate::i18n::invalid_email(crate::i18n::lang(), typed))
    };
    let email = match email {
        Ok(email) => email,
        Err(error) => return again(StatusCode::UNPROCESSABLE_ENTITY, Some(error), None),
    };
    if let Err(ApiFailure::TooManyAttempts(secs)) =
        password_reset::ask_for_link(&app, &email, address).await
    {
        let minutes = secs.div_ceil(60);
        let mut page = again(
            StatusCode::TOO_MANY_REQUESTS,
            None,
            Some(crate::i18n::try_again_in(
                crate::i18n::lang(),
                crate::i18n::TooMany::ResetLinks,
                minutes,
            )),
        );
        page.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs.max(1)));
        return page;
    }
    render(
        StatusCode::OK,
        &SentPage {
            m: crate::i18n::Ui::current(),
            shell: None,
            email: &email,
        },
    )
}

#[derive(Template)]
#[template(path = "console/reset_password.html")]
struct ResetPage<'a> {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    form_token: &'a str,
    token: &'a str,
    email: &'a str,
    errors: ResetErrors,
}

#[derive(Debug, Default)]
struct ResetErrors {
    password: Option<String>,
    password_confirm: Option<String>,
}

impl ResetErrors {
    fn any(&self) -> bool {
        self.password.is_some() || self.password_confirm.is_some()
    }
}

#[derive(Template)]
#[template(path = "console/reset_link.html")]
struct LinkProblemPage<'a> {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    heading: &'a str,
    reason: &'a str,
}

/// The page of a link that no longer works (or never did): what to do.
fn link_problem(link: &ResetLink) -> Response {
    let m = crate::i18n::m();
    let (status, heading, reason) = match link {
        ResetLink::Used => (StatusCode::GONE, m.link_used, m.link_used_reason),
        ResetLink::Expired => (StatusCode::GONE, m.link_expired, m.link_expired_reason),
        ResetLink::Unknown | ResetLink::Valid(_) => {
            (StatusCode::NOT_FOUND, m.link_invalid, m.link_invalid_reason)
        }
    };
    render(
        status,
        &LinkProblemPage {
            m: crate::i18n::Ui::current(),
            shell: None,
            heading,
            reason,
        },
    )
}

/// `GET /admin/reset/{token}`.
pub async fn reset_page(
    State(app): State<App>,
    form_token: FormToken,
    token: Result<Path<String>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path(token)) = token else {
        return Ok(link_problem(&ResetLink::Unknown));
    };
    let link = password_reset::link(app.repo(), &token, app.now()).await?;
    let ResetLink::Valid(reset) = &link else {
        return Ok(link_problem(&link));
    };
    Ok(render(
        StatusCode::OK,
        &ResetPage {
            m: crate::i18n::Ui::current(),
            shell: None,
            form_token: &form_token.0,
            token: &token,
            email: &reset.email,
            errors: ResetErrors::default(),
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// `POST /admin/reset/{token}`: the new password, then every session of the person ends and
/// the browser goes to the sign-in page.
pub async fn reset(
    State(app): State<App>,
    form_token: FormToken,
    token: Result<Path<String>, PathRejection>,
    form: Result<Form<ResetForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path(token)) = token else {
        return Ok(link_problem(&ResetLink::Unknown));
    };
    let link = password_reset::link(app.repo(), &token, app.now()).await?;
    let ResetLink::Valid(reset) = &link else {
        return Ok(link_problem(&link));
    };
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let mut errors = ResetErrors::default();
    if form.password.is_empty() {
        errors.password = Some(crate::i18n::m().err_choose_new_password.to_string());
    } else if let Err(problem) = check_new_password(&form.password) {
        errors.password = Some(crate::i18n::password_problem(crate::i18n::lang(), problem));
    } else if form.password_confirm.is_empty() {
        errors.password_confirm = Some(crate::i18n::m().err_type_again.to_string());
    } else if form.password_confirm != form.password {
        errors.password_confirm = Some(crate::i18n::m().err_passwords_differ.to_string());
    }
    if errors.any() {
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ResetPage {
                m: crate::i18n::Ui::current(),
                shell: None,
                form_token: &form_token.0,
                token: &token,
                email: &reset.email,
                errors,
            },
        ));
    }
    if !app
        .complete_password_reset(reset.id, form.password)
        .await
        .map_err(ConsoleError::from)?
    {
        // Used (or expired) between the check and now: nothing changed.
        return Ok(link_problem(&ResetLink::Used));
    }
    let mut response = see_other(&format!("{SIGN_IN}?password_reset=1"));
    // This browser's console session, if any, has ended with the others: its cookie goes too.
    response
        .headers_mut()
        .append(SET_COOKIE, session::clear_cookie(&app)?);
    Ok(response)
}
