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
//! - [`import`]: *Bulk invite from a CSV*: upload, preview, *Invite*, the per-row result and
//!   its download, the emails' progress.
//! - [`lists`]: Introduction lists: the lists, a list's page (its contacts, *Add contacts*,
//!   *Export CSV*, *Ask for introductions*, rename, delete).
//! - [`members`]: a member's Settings (role, permissions: a template or one by one, *Update*),
//!   removing a member, the Audit log.
//! - [`inbox`]: the Inbox of introduction requests (*Out of network*, *In network*, *Make
//!   Intro*, *Decline*, *Add point of contact and suggest intro*), and the network's settings
//!   (gatekeeper mode).
//! - [`companies`]: the network's companies; a point of contact's invitation page; the
//!   Company Admin's page.
//! - [`company_import`]: companies from a CSV, through the bulk invite's stored preview and
//!   per-row result.
//! - [`professionals`]: the network's join page and email confirmation; the professional's
//!   page; the list of a person's introduction pages.
//! - [`account`]: *Your account*, and deleting it (the API's deletion, behind the password).
//! - [`page`]: what the pages share (the frame, rendering, failure pages, dates).

pub mod account;
pub mod companies;
pub mod company_import;
pub mod contacts;
pub mod import;
pub mod inbox;
pub mod lists;
pub mod members;
pub mod page;
pub mod professionals;
pub mod reset;
pub mod session;
pub mod team;

use askama::Template;
use axum::extract::DefaultBodyLimit;
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
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    networks: Vec<page::NetworkRef>,
}

/// `GET /admin`: the team of the one network the person administers, or the list to choose.
async fn home(
    axum::extract::State(app): axum::extract::State<App>,
    user: ConsoleUser,
    form_token: FormToken,
) -> Result<Response, ConsoleError> {
    match user.admin_of.as_slice() {
        [only] => Ok(see_other(&format!("/admin/networks/{}/team", only.id))),
        // A Company Admin or a professional (no network to administer): their own pages.
        [] => {
            let places = professionals::places(&app, user.session.person_id).await?;
            match places.as_slice() {
                [only] => Ok(see_other(&only.href)),
                [] => networks_page(user, form_token).await,
                _ => Ok(see_other("/admin/intros")),
            }
        }
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
            m: crate::i18n::Ui::current(),
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
        .route(account::ACCOUNT, get(account::page))
        .route(
            account::DELETE,
            get(account::delete_page).post(account::delete),
        )
        .route(account::DELETED, get(account::deleted))
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
            "/admin/networks/{network_id}/team/import",
            get(import::upload_form)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(crate::cross_site::UPLOAD_BODY_MAX)),
        )
        .route(
            "/admin/networks/{network_id}/team/import/{import_id}",
            get(import::show),
        )
        .route(
            "/admin/networks/{network_id}/team/import/{import_id}/invite",
            post(import::invite),
        )
        .route(
            "/admin/networks/{network_id}/team/import/{import_id}/progress",
            get(import::progress),
        )
        .route(
            "/admin/networks/{network_id}/team/import/{import_id}/results.csv",
            get(import::download::<import::InvitationPages>),
        )
        .route("/admin/assets/import-progress.js", get(import::script))
        .route(
            "/admin/networks/{network_id}/invitations/{invitation_id}/resend",
            post(team::resend),
        )
        .route(
            "/admin/networks/{network_id}/invitations/{invitation_id}/revoke",
            post(team::revoke),
        )
        .route(
            "/admin/networks/{network_id}/lists",
            get(lists::lists_page).post(lists::create),
        )
        .route(
            "/admin/networks/{network_id}/lists/{list_id}",
            get(lists::list_page),
        )
        .route(
            "/admin/networks/{network_id}/lists/{list_id}/rename",
            post(lists::rename),
        )
        .route(
            "/admin/networks/{network_id}/lists/{list_id}/delete",
            get(lists::delete_page).post(lists::delete),
        )
        .route(
            "/admin/networks/{network_id}/lists/{list_id}/add",
            post(lists::add),
        )
        .route(
            "/admin/networks/{network_id}/lists/{list_id}/remove",
            post(lists::remove),
        )
        .route(
            "/admin/networks/{network_id}/lists/{list_id}/export",
            get(lists::export),
        )
        .route(
            "/admin/networks/{network_id}/lists/{list_id}/asks",
            post(lists::ask),
        )
        .route(
            "/admin/networks/{network_id}/members/{person_id}",
            get(members::page).post(members::update),
        )
        .route(
            "/admin/networks/{network_id}/members/{person_id}/remove",
            get(members::remove_confirm).post(members::remove),
        )
        .route("/admin/networks/{network_id}/audit", get(members::audit))
        // Introduction requests (seed 001).
        .route("/admin/networks/{network_id}/inbox", get(inbox::page))
        .route(
            "/admin/networks/{network_id}/inbox/{request_id}/make-intro",
            post(inbox::make_intro),
        )
        .route(
            "/admin/networks/{network_id}/inbox/{request_id}/decline",
            post(inbox::decline),
        )
        .route(
            "/admin/networks/{network_id}/settings",
            get(inbox::settings_page).post(inbox::save_settings),
        )
        .route(
            "/admin/networks/{network_id}/companies",
            get(companies::list).post(companies::create),
        )
        .route(
            "/admin/networks/{network_id}/companies/import",
            post(company_import::upload)
                .layer(DefaultBodyLimit::max(crate::cross_site::UPLOAD_BODY_MAX)),
        )
        .route(
            "/admin/networks/{network_id}/companies/import/{import_id}",
            get(company_import::show),
        )
        .route(
            "/admin/networks/{network_id}/companies/import/{import_id}/add",
            post(company_import::add),
        )
        .route(
            "/admin/networks/{network_id}/companies/import/{import_id}/results.csv",
            get(import::download::<company_import::CompanyPages>),
        )
        .route(
            "/admin/networks/{network_id}/companies/{company_id}/contact",
            post(inbox::add_contact),
        )
        .route(
            "/admin/networks/{network_id}/companies/{company_id}",
            get(companies::team_page),
        )
        .route(
            "/admin/networks/{network_id}/companies/{company_id}/invitations/{invitation_id}/resend",
            post(companies::resend_invitation),
        )
        .route(
            "/admin/networks/{network_id}/companies/{company_id}/invitations/{invitation_id}/revoke",
            post(companies::revoke_invitation),
        )
        .route(
            "/admin/networks/{network_id}/companies/{company_id}/admins/{person_id}/remove",
            post(companies::remove_admin),
        )
        .route(
            "/admin/companies/{company_id}/admins/{person_id}/remove",
            post(companies::remove_colleague),
        )
        .route(
            "/admin/companies/{company_id}",
            get(companies::company_page),
        )
        .route(
            "/admin/companies/{company_id}/requests",
            post(companies::request_professional),
        )
        .route(
            "/admin/companies/{company_id}/requests/{request_id}/accept",
            post(companies::accept_request),
        )
        .route(
            "/admin/companies/{company_id}/requests/{request_id}/decline",
            post(companies::decline_request),
        )
        .route(
            "/admin/companies/{company_id}/invite",
            post(companies::invite_colleague),
        )
        .route(
            "/company-invite/{token}",
            get(companies::invite_page).post(companies::accept),
        )
        .route(
            "/join/{network_id}",
            get(professionals::join_page).post(professionals::join),
        )
        .route(
            "/join/confirm/{token}",
            get(professionals::confirm).post(professionals::complete),
        )
        .route(
            "/admin/networks/{network_id}/professionals",
            get(professionals::list).post(professionals::invite),
        )
        .route("/admin/intros", get(professionals::index))
        .route("/admin/professional/{network_id}", get(professionals::page))
        .route(
            "/admin/professional/{network_id}/requests",
            post(professionals::request),
        )
        .route(
            "/admin/professional/{network_id}/requests/{request_id}/accept",
            post(professionals::accept),
        )
        .route(
            "/admin/professional/{network_id}/requests/{request_id}/decline",
            post(professionals::decline),
        )
}
