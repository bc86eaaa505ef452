//! The Network Admin's web console, at `/admin`: server-rendered pages (askama templates in
//! `server/templates/console/`, escaping by default) and plain forms that work without script,
//! under the same CSP as every page and behind the cross-site layer (every form carries the
//! form token).
//!
//! Each action calls the same service function and the same permission check as the API
//! operation that does the same thing (`crate::api::require_role_of`, `App::invite_member`,
//! `App::resend_invitation`, `App::revoke_invitation`), so the console cannot allow what the
//! API refuses.
//!
//! - [`session`]: signing in and out, the cookie session, the [`session::ConsoleUser`] of a page.
//! - [`reset`]: *Forgot password?*: asking for a reset link, and the link's page.
//! - [`team`]: Settings → Team Members (members and invitations), *Invite Member*, *Resend*,
//!   *Revoke*.
//! - [`contacts`]: Contacts (search, filters, sort, pages), a contact's page with *Ask for an
//!   introduction*, and Asks.
//! - [`page`]: what the pages share (the frame, rendering, failure pages, dates).

pub mod contacts;
pub mod page;
pub mod reset;
pub mod session;
pub mod team;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::cross_site::FormToken;
use crate::App;
use page::{render, see_other, ConsoleError, Current, Shell};
use session::ConsoleUser;

#[derive(Template)]
#[template(path = "console/networks.html")]
struct NetworksPage {
    shell: Option<Shell>,
    networks: Vec<page::NetworkRef>,
}

/// `GET /admin`: the team of the one network the person administers, or the list to choose.
async fn home(user: ConsoleUser, form_token: FormToken) -> Result<Response, ConsoleError> {
    match user.admin_of.as_slice() {
        [only] => Ok(see_other(&format!("/admin/networks/{}/team", only.id))),
        _ => networks_page(user, form_token).await,
    }
}

/// `GET /admin/networks`: the networks the person is a Network Admin of.
async fn networks_page(user: ConsoleUser, form_token: FormToken) -> Result<Response, ConsoleError> {
    let networks = user
        .admin_of
        .iter()
        .map(|n| page::NetworkRef {
            id: n.id,
            name: n.name.clone(),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &NetworksPage {
            shell: Some(user.shell(&form_token, None, Current::Networks)),
            networks,
        },
    ))
}

/// The console's routes (under the cross-site layer with the other pages).
pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/networks", get(networks_page))
        .route(
            session::SIGN_IN,
            get(session::sign_in_page).post(session::sign_in),
        )
        .route("/admin/sign-out", post(session::sign_out))
        .route(reset::FORGOT, get(reset::forgot_page).post(reset::forgot))
        .route(
            "/admin/reset/{token}",
            get(reset::reset_page).post(reset::reset),
        )
        .route("/admin/networks/{network_id}/team", get(team::page))
        .route("/admin/networks/{network_id}/contacts", get(contacts::page))
        .route(
            "/admin/networks/{network_id}/contacts/{key}",
            get(contacts::contact),
        )
        .route(
            "/admin/networks/{network_id}/contacts/{key}/ask",
            post(contacts::ask),
        )
        .route("/admin/networks/{network_id}/asks", get(contacts::asks))
        .route(
            "/admin/networks/{network_id}/team/invite",
            get(team::invite_page).post(team::invite),
        )
        .route(
            "/admin/networks/{network_id}/invitations/{invitation_id}/resend",
            post(team::resend),
        )
        .route(
            "/admin/networks/{network_id}/invitations/{invitation_id}/revoke",
            post(team::revoke),
        )
}
