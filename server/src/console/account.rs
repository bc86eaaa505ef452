//! *Your account* in the console, and deleting it from a screen (issue 17: "Stop sharing means
//! deleted, everywhere"). Until this page, only the API could (`DELETE /v1/me`); a person who
//! does not script an API had no way to leave.
//!
//! The deletion is the API's own ([`crate::db::Repository::delete_account`]): the account,
//! its memberships, every contact it shared (in every network), the asks to it, the
//! invitations sent to its address, every session (console and extension). The page says so
//! in the Terms' own sentence (`terms_account_2`), with this person's networks and count.
//!
//! Guards, each checked before anything is deleted: a console session (without one, the sign-in
//! page); the cross-site layer and the form token (as every console form); the password again,
//! through [`App::verify_sign_in`], so a tab left open is not enough and attempts count
//! against the same throttling as signing in.
//!
//! A Network Admin who is the only one who can manage roles and permissions somewhere may still
//! delete (the API does: the person's right to leave wins), but the page names those networks
//! first and says what to do before: give that permission to another Network Admin.

use allyshare_protocol::{NetworkMembership, Role};
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::header::{RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::page::{render, see_other, ConsoleError, Current, NetworkRef, Shell};
use super::session::{clear_cookie, ConsoleUser};
use crate::api::{ApiFailure, ClientAddr};
use crate::cross_site::FormToken;
use crate::App;

/// The account page.
pub const ACCOUNT: &str = "/admin/account";
/// The page that deletes the account.
pub const DELETE: &str = "/admin/account/delete";
/// Where a deletion ends, signed out.
pub const DELETED: &str = "/admin/account/deleted";

/// A membership as the pages show it.
struct Membership {
    name: String,
    role: &'static str,
}

fn memberships(networks: &[NetworkMembership]) -> Vec<Membership> {
    networks
        .iter()
        .map(|n| Membership {
            name: n.name.clone(),
            role: crate::i18n::role_label(n.role),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountPage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    name: String,
    email: String,
    memberships: Vec<Membership>,
}

#[derive(Template)]
#[template(path = "console/account_delete.html")]
struct DeletePage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    name: String,
    email: String,
    memberships: Vec<Membership>,
    contacts: String,
    /// The networks the person alone can manage (roles and permissions).
    sole_manager_of: Vec<NetworkRef>,
    form_token: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/account_deleted.html")]
struct DeletedPage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
}

/// Everything about the signed-in person the pages show.
struct Facts {
    memberships: Vec<NetworkMembership>,
    contacts: u64,
    sole_manager_of: Vec<NetworkRef>,
}

async fn facts(app: &App, user: &ConsoleUser) -> Result<Facts, ConsoleError> {
    let person_id = user.session.person_id;
    let me = app
        .repo()
        .me(person_id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let contacts = app.repo().contact_digest(person_id).await?.count;
    let sole = app.repo().sole_manager_of(person_id).await?;
    let sole_manager_of = me
        .networks
        .iter()
        .filter(|n| n.role == Role::NetworkAdmin && sole.contains(&n.id))
        .map(|n| NetworkRef {
            id: n.id,
            name: n.name.clone(),
        })
        .collect();
    Ok(Facts {
        memberships: me.networks,
        contacts,
        sole_manager_of,
    })
}

/// `GET /admin/account`: who is signed in, their networks, and the way to delete the account.
pub async fn page(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
) -> Result<Response, ConsoleError> {
    let facts = facts(&app, &user).await?;
    Ok(render(
        StatusCode::OK,
        &AccountPage {
            m: crate::i18n::Ui::current(),
            shell: Some(user.shell(&form_token, None, Current::Account)),
            name: user.name.clone(),
            email: user.email.clone(),
            memberships: memberships(&facts.memberships),
        },
    ))
}

async fn delete_page_with(
    app: &App,
    user: &ConsoleUser,
    form_token: &FormToken,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, ConsoleError> {
    let facts = facts(app, user).await?;
    Ok(render(
        status,
        &DeletePage {
            m: crate::i18n::Ui::current(),
            shell: Some(user.shell(form_token, None, Current::Account)),
            name: user.name.clone(),
            email: user.email.clone(),
            memberships: memberships(&facts.memberships),
            contacts: crate::i18n::number(crate::i18n::lang(), facts.contacts as i64),
            sole_manager_of: facts.sole_manager_of,
            form_token: form_token.0.clone(),
            error,
        },
    ))
}

/// `GET /admin/account/delete`: what goes, and the password to confirm.
pub async fn delete_page(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
) -> Result<Response, ConsoleError> {
    delete_page_with(&app, &user, &form_token, StatusCode::OK, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    password: String,
}

/// `POST /admin/account/delete`: with the right password, the account goes (as `DELETE
/// /v1/me`), the cookie too, and the browser lands on the signed-out page that says so.
pub async fn delete(
    State(app): State<App>,
    ClientAddr(address): ClientAddr,
    user: ConsoleUser,
    form_token: FormToken,
    form: Result<Form<DeleteForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    if form.password.is_empty() {
        let error = crate::i18n::m().err_delete_account_empty.to_string();
        return delete_page_with(
            &app,
            &user,
            &form_token,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(error),
        )
        .await;
    }
    let verified = match app
        .verify_sign_in(&user.email, form.password, address)
        .await
    {
        Ok(person) => person.is_some_and(|p| p.id == user.session.person_id),
        Err(ApiFailure::TooManyAttempts(secs)) => {
            let error = crate::i18n::try_again_in(
                crate::i18n::lang(),
                crate::i18n::TooMany::SignIn,
                secs.div_ceil(60),
            );
            let mut page = delete_page_with(
                &app,
                &user,
                &form_token,
                StatusCode::TOO_MANY_REQUESTS,
                Some(error),
            )
            .await?;
            page.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs.max(1)));
            return Ok(page);
        }
        Err(other) => return Err(other.into()),
    };
    if !verified {
        let error = crate::i18n::m().err_delete_account_wrong.to_string();
        return delete_page_with(
            &app,
            &user,
            &form_token,
            StatusCode::UNAUTHORIZED,
            Some(error),
        )
        .await;
    }
    app.repo().delete_account(user.session.person_id).await?;
    tracing::info!(
        person_id = user.session.person_id,
        "account deleted from the console"
    );
    let mut response = see_other(DELETED);
    response
        .headers_mut()
        .append(SET_COOKIE, clear_cookie(&app)?);
    Ok(response)
}

/// `GET /admin/account/deleted`: the signed-out page that says it is done.
pub async fn deleted() -> Response {
    render(
        StatusCode::OK,
        &DeletedPage {
            m: crate::i18n::Ui::current(),
            shell: None,
        },
    )
}
