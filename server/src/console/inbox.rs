//! The Inbox (seed 001), at the top right of the console with its count: the introduction
//! requests that need a Network Admin. *Out of network*: requests to companies without a
//! Company Admin, grouped by company, each group with *Add point of contact and suggest
//! intro*. *In network* (gatekeeper mode only): each request with the professional's profile
//! and message, *Make Intro* and *Decline* with a reason. And the network's settings page,
//! where a Network Admin who manages settings switches gatekeeper mode.
//!
//! Every action is a service of [`crate::introductions`] or [`crate::companies`], which checks
//! the permission (*Review introduction requests*, *Manage network settings*) itself; the
//! page check here only decides what to show. After a form, the page is shown again by a
//! redirect with a `done` or `error` code (a fixed word, looked up; anything else is
//! ignored).

use allyshare_protocol::Permission;
use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::page::{
    admin_network_of, date, iso_date, render, see_other, ConsoleError, Current, Shell,
};
use super::session::ConsoleUser;
use crate::companies::CompanyError;
use crate::cross_site::FormToken;
use crate::db::intro_requests::{EventRecord, RequestRecord};
use crate::i18n::{m, Ui};
use crate::intro_requests::{Direction, State as RequestState};
use crate::introductions::{AnswerSide, IntroError};
use crate::App;

/// `?done=…&error=…` after a form.
#[derive(Debug, Default, Deserialize)]
pub struct Feedback {
    #[serde(default)]
    pub done: String,
    #[serde(default)]
    pub error: String,
}

impl Feedback {
    pub fn notice(&self) -> Option<&'static str> {
        let m = m();
        Some(match self.done.as_str() {
            "invited" => m.ir_done_invited,
            "made_intro" => m.ir_done_made_intro,
            "declined" => m.ir_done_declined,
            "accepted" => m.ir_done_accepted,
            "requested" => m.ir_done_requested,
            "company" => m.ir_done_company,
            "saved" => m.ir_done_saved,
            "resent" => m.ig_done_resent,
            "revoked" => m.ig_done_revoked,
            "removed" => m.ig_done_removed,
            "removed_last" => m.ig_done_removed_last,
            _ => return None,
        })
    }

    pub fn error(&self) -> Option<&'static str> {
        let m = m();
        Some(match self.error.as_str() {
            "company_name" => m.ir_err_company_name,
            "company_taken" => m.ir_err_company_taken,
            "website" => m.ir_err_website,
            "description" => m.ir_err_description,
            "name" => m.ir_err_name,
            "email" => m.ir_err_email,
            "already_admin" => m.ir_err_already_admin,
            "message" => m.ir_err_message,
            "reason" => m.ir_err_reason,
            "already_open" => m.ir_err_already_open,
            "not_confirmed" => m.ir_err_not_confirmed,
            "not_allowed" => m.ir_err_not_allowed,
            "not_found" => m.ir_err_not_found,
            "headline" => m.ir_err_headline,
            "link" => m.ir_err_link,
            "email_taken" => m.ir_err_email_taken,
            "csv" => m.ir_err_csv,
            "already_professional" => m.ir_err_already_professional,
            "not_pending" => m.ig_err_not_pending,
            "not_admin" => m.ig_err_not_admin,
            "too_many_emails" => m.ig_err_too_many_emails,
            "too_many_confirmations" => m.ig_err_too_many_confirmations,
            _ => return None,
        })
    }
}

/// The `error` code of a refused request action (a permission refusal is the console's own
/// failure page).
pub fn intro_error_code(e: IntroError) -> Result<&'static str, ConsoleError> {
    Ok(match e {
        IntroError::Invalid { field, .. } => match field {
            "message" => "message",
            "reason" => "reason",
            "name" => "name",
            "email" => "email",
            "headline" => "headline",
            "linkedin_url" | "cv_url" => "link",
            _ => "message",
        },
        IntroError::AlreadyOpen(_) => "already_open",
        IntroError::NotConfirmed => "not_confirmed",
        IntroError::NotFound => "not_found",
        IntroError::NotAllowed(_) => "not_allowed",
        IntroError::EmailTaken => "email_taken",
        IntroError::TooManyConfirmations => "too_many_confirmations",
        IntroError::Refused(failure) => return Err(failure.into()),
        IntroError::Repo(e) => return Err(e.into()),
    })
}

/// The `error` code of a refused company action.
pub fn company_error_code(e: CompanyError) -> Result<&'static str, ConsoleError> {
    Ok(match e {
        CompanyError::Invalid { field, .. } => match field {
            "name" => "name",
            "email" => "email",
            "website" => "website",
            "description" => "description",
            _ => "name",
        },
        CompanyError::NameTaken(_) => "company_taken",
        CompanyError::AlreadyAdmin => "already_admin",
        CompanyError::NotFound | CompanyError::NoInvitation => "not_found",
        CompanyError::NotPending => "not_pending",
        CompanyError::NotAdmin => "not_admin",
        CompanyError::TooManyEmails(_) => "too_many_emails",
        CompanyError::Unreadable(_) => "csv",
        CompanyError::Refused(failure) => return Err(failure.into()),
        CompanyError::Repo(e) => return Err(e.into()),
    })
}

/// The reason a recipient (a Company Admin or a professional) may give when declining.
#[derive(Debug, Default, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    pub reason: String,
}

/// A recipient's answer to a request delivered to them, from their own page at `path`: the
/// service's answer, then back to the page with what happened.
pub async fn answer_from_page(
    app: &App,
    user: &ConsoleUser,
    side: AnswerSide,
    path: &str,
    request_id: i64,
    accept: bool,
    reason: &str,
) -> Result<Response, ConsoleError> {
    match app
        .answer_request(user.session.person_id, side, request_id, accept, reason)
        .await
    {
        Ok(_) if accept => Ok(back_with(path, "done", "accepted")),
        Ok(_) => Ok(back_with(path, "done", "declined")),
        Err(e) => Ok(back_with(path, "error", intro_error_code(e)?)),
    }
}

/// `path?key=code`.
pub fn back_with(path: &str, key: &str, code: &str) -> Response {
    see_other(&format!("{path}?{key}={code}"))
}

/// A state in the page's language, and its class in the stylesheet.
pub fn state_label(state: RequestState) -> (&'static str, &'static str) {
    let m = m();
    match state {
        RequestState::OutOfNetwork => (m.ir_state_out_of_network, "pending"),
        RequestState::InReview => (m.ir_state_in_review, "pending"),
        RequestState::Delivered => (m.ir_state_delivered, "pending"),
        RequestState::Accepted => (m.ir_state_accepted, "member"),
        RequestState::DeclinedByNetwork => (m.ir_state_declined_by_network, "revoked"),
        RequestState::Declined => (m.ir_state_declined, "revoked"),
    }
}

/// One change of a request, as its history shows it.
pub struct EventView {
    pub state: &'static str,
    pub by: String,
    pub at: String,
    pub at_iso: String,
}

/// A request as every page shows it.
pub struct RequestView {
    pub id: i64,
    pub company_id: i64,
    pub company: String,
    pub professional: String,
    pub headline: String,
    pub linkedin: String,
    pub cv: Option<String>,
    /// The message's lines (shown as text, line by line).
    pub message: Vec<String>,
    pub reason: Option<Vec<String>>,
    pub state: &'static str,
    pub state_class: &'static str,
    pub requested: String,
    pub requested_iso: String,
    pub to_company: bool,
    /// Open for the viewer to accept or decline.
    pub can_answer: bool,
    pub history: Vec<EventView>,
}

impl RequestView {
    pub fn new(r: &RequestRecord, can_answer: bool, events: &[EventRecord]) -> RequestView {
        let (state, state_class) = state_label(r.state);
        RequestView {
            id: r.id,
            company_id: r.company_id,
            company: r.company_name.clone(),
            professional: r.professional_name.clone(),
            headline: r.headline.clone(),
            linkedin: r.linkedin_url.clone(),
            cv: r.cv_url.clone(),
            message: r.message.lines().map(str::to_string).collect(),
            reason: r
                .reason
                .as_ref()
                .map(|text| text.lines().map(str::to_string).collect()),
            state,
            state_class,
            requested: date(r.created_at),
            requested_iso: iso_date(r.created_at),
            to_company: r.direction == Direction::ToCompany,
            can_answer: can_answer && r.state == RequestState::Delivered,
            history: events
                .iter()
                .map(|e| EventView {
                    state: state_label(e.to).0,
                    by: e.actor_name.clone(),
                    at: super::page::date_time(e.at),
                    at_iso: super::page::iso_date_time(e.at),
                })
                .collect(),
        }
    }
}

/// The requests of one company, under *Out of network*.
pub struct CompanyGroup {
    pub company_id: i64,
    pub company: String,
    pub requests: Vec<RequestView>,
}

#[derive(Template)]
#[template(path = "console/inbox.html")]
struct InboxPage {
    m: Ui,
    shell: Option<Shell>,
    network_id: i64,
    form_token: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    out_of_network: Vec<CompanyGroup>,
    gatekeeper: bool,
    in_network: Vec<RequestView>,
}

fn inbox_path(network_id: i64) -> String {
    format!("/admin/networks/{network_id}/inbox")
}

/// `GET /admin/networks/{id}/inbox`.
pub async fn page(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
    feedback: Result<Query<Feedback>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let admin = admin_network_of(&app, &user, network_id, Some(Permission::ReviewRequests)).await?;
    let network_id = admin.network.id;
    let person_id = user.session.person_id;
    let (out, inn) =
        app.inbox(person_id, network_id)
            .await
            .map_err(|e| match intro_error_code(e) {
                Ok(_) => ConsoleError::Forbidden,
                Err(e) => e,
            })?;
    let mut groups: Vec<CompanyGroup> = Vec::new();
    for r in &out {
        let view = RequestView::new(r, false, &[]);
        match groups.last_mut() {
            Some(group) if group.company_id == r.company_id => group.requests.push(view),
            _ => groups.push(CompanyGroup {
                company_id: r.company_id,
                company: r.company_name.clone(),
                requests: vec![view],
            }),
        }
    }
    let gatekeeper = app.gatekeeper(network_id).await.unwrap_or(false);
    let feedback = feedback.map(|Query(f)| f).unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &InboxPage {
            m: Ui::current(),
            shell: Some(user.shell(&form_token, Some(admin), Current::Inbox)),
            network_id,
            form_token: form_token.0.clone(),
            notice: feedback.notice(),
            error: feedback.error(),
            out_of_network: groups,
            // In network shows while requests wait there, even just after the mode was
            // switched off.
            gatekeeper: gatekeeper || !inn.is_empty(),
            in_network: inn
                .iter()
                .map(|r| RequestView::new(r, false, &[]))
                .collect(),
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    /// `company`: sent from the company's page, which is shown again after.
    #[serde(default)]
    pub back: String,
}

/// `POST /admin/networks/{id}/companies/{company_id}/contact`: *Add point of contact and
/// suggest intro*.
pub async fn add_contact(
    State(app): State<App>,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
    form: Result<Form<ContactForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path((network_id, company_id))) = ids else {
        return Err(ConsoleError::NotFound);
    };
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let path = match form.back.as_str() {
        "company" => format!("/admin/networks/{network_id}/companies/{company_id}"),
        _ => inbox_path(network_id),
    };
    let company = app
        .repo()
        .companies()
        .company(network_id, company_id)
        .await?;
    let Some(company) = company else {
        crate::api::require_permission_of(
            &app,
            user.session.person_id,
            network_id,
            Permission::ReviewRequests,
        )
        .await?;
        return Ok(back_with(&path, "error", "not_found"));
    };
    match app
        .invite_company_admin(user.session.person_id, &company, &form.name, &form.email)
        .await
    {
        Ok(_) => Ok(back_with(&path, "done", "invited")),
        Err(e) => Ok(back_with(&path, "error", company_error_code(e)?)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
}

/// `POST /admin/networks/{id}/inbox/{request_id}/make-intro`.
pub async fn make_intro(
    State(app): State<App>,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    review(app, user, ids, true, String::new()).await
}

/// `POST /admin/networks/{id}/inbox/{request_id}/decline`.
pub async fn decline(
    State(app): State<App>,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
    form: Result<Form<ReasonForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let reason = form.map(|Form(f)| f.reason).unwrap_or_default();
    review(app, user, ids, false, reason).await
}

async fn review(
    app: App,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
    make_intro: bool,
    reason: String,
) -> Result<Response, ConsoleError> {
    let Ok(Path((network_id, request_id))) = ids else {
        return Err(ConsoleError::NotFound);
    };
    let path = inbox_path(network_id);
    match app
        .review_request(
            user.session.person_id,
            network_id,
            request_id,
            make_intro,
            &reason,
        )
        .await
    {
        Ok(_) if make_intro => Ok(back_with(&path, "done", "made_intro")),
        Ok(_) => Ok(back_with(&path, "done", "declined")),
        Err(e) => Ok(back_with(&path, "error", intro_error_code(e)?)),
    }
}

#[derive(Template)]
#[template(path = "console/network_settings.html")]
struct SettingsPage {
    m: Ui,
    shell: Option<Shell>,
    network_id: i64,
    form_token: String,
    notice: Option<&'static str>,
    gatekeeper: bool,
}

/// `GET /admin/networks/{id}/settings`.
pub async fn settings_page(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
    feedback: Result<Query<Feedback>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let admin = admin_network_of(&app, &user, network_id, Some(Permission::ManageSettings)).await?;
    let network_id = admin.network.id;
    let gatekeeper = app.gatekeeper(network_id).await.unwrap_or(false);
    let feedback = feedback.map(|Query(f)| f).unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &SettingsPage {
            m: Ui::current(),
            shell: Some(user.shell(&form_token, Some(admin), Current::NetworkSettings)),
            network_id,
            form_token: form_token.0.clone(),
            notice: feedback.notice(),
            gatekeeper,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub gatekeeper: String,
}

/// `POST /admin/networks/{id}/settings`.
pub async fn save_settings(
    State(app): State<App>,
    user: ConsoleUser,
    network_id: Result<Path<i64>, PathRejection>,
    form: Result<Form<SettingsForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path(network_id)) = network_id else {
        return Err(ConsoleError::NotFound);
    };
    let on = form.map(|Form(f)| f.gatekeeper == "on").unwrap_or(false);
    app.set_gatekeeper(user.session.person_id, network_id, on)
        .await
        .map_err(|e| match intro_error_code(e) {
            Ok(_) => ConsoleError::NotFound,
            Err(e) => e,
        })?;
    Ok(back_with(
        &format!("/admin/networks/{network_id}/settings"),
        "done",
        "saved",
    ))
}
