//! Companies in the console: a network's companies (listed, searched, added one by one) for
//! its Network Admins who review requests; the invitation page a point of contact opens from
//! their email to become a Company Admin; and the Company Admin's own page: their company's
//! requests (accept, decline), requesting an introduction to a professional, and inviting a
//! colleague.
//!
//! A Company Admin is not a member of the network: their page is found by company, and every
//! read and action first checks that the signed-in person is one of its Company Admins
//! ([`crate::db::companies::Companies::company_of_admin`]); anyone else gets the console's
//! "not an admin" page, the same whether or not the company exists.
//!
//! A company's page for its network's admins (`/admin/networks/{id}/companies/{company}`):
//! its Company Admins (*Remove*), its invitations (*Resend*, *Revoke* while pending) and *Add
//! point of contact*. The Company Admin's own page lists their colleagues too (*Remove*, or
//! *Leave* for themselves). The rules are [`crate::companies`]'.

use allyshare_protocol::Permission;
use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::inbox::{
    answer_from_page, back_with, company_error_code, intro_error_code, AnswerForm, Feedback,
    RequestView,
};
use super::page::{admin_network_of, render, ConsoleError, Current, Shell};
use super::session::ConsoleUser;
use crate::api::ClientAddr;
use crate::cross_site::FormToken;
use crate::db::companies::{CompanyAccepted, CompanyInvitation, CompanyRecord};
use crate::html::html_response;
use crate::i18n::{m, Ui};
use crate::introductions::AnswerSide;
use crate::passwords::check_new_password;
use crate::tokens::{hash_token, looks_like_token};
use crate::App;

/// Longest search, in characters.
const SEARCH_MAX_CHARS: usize = 200;

pub struct CompanyRow {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    pub description: Option<String>,
    pub admins: i64,
    pub waiting: i64,
}

#[derive(Template)]
#[template(path = "console/companies.html")]
struct CompaniesPage {
    m: Ui,
    shell: Option<Shell>,
    network_id: i64,
    form_token: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    q: String,
    companies: Vec<CompanyRow>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CompaniesQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub done: String,
    #[serde(default)]
    pub error: String,
}

/// `GET /admin/networks/{id}/companies`.
pub async fn list(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
    query: Result<Query<CompaniesQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let admin = admin_network_of(&app, &user, network_id, Some(Permission::ReviewRequests)).await?;
    let network_id = admin.network.id;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let q: String = query.q.trim().chars().take(SEARCH_MAX_CHARS).collect();
    let companies = app
        .repo()
        .companies()
        .companies(network_id, Some(q.as_str()).filter(|q| !q.is_empty()))
        .await?
        .into_iter()
        .map(|c| CompanyRow {
            id: c.id,
            name: c.name,
            website: c.website,
            description: c.description,
            admins: c.admins,
            waiting: c.waiting,
        })
        .collect();
    let feedback = Feedback {
        done: query.done,
        error: query.error,
    };
    Ok(render(
        StatusCode::OK,
        &CompaniesPage {
            m: Ui::current(),
            shell: Some(user.shell(&form_token, Some(admin), Current::Companies)),
            network_id,
            form_token: form_token.0.clone(),
            notice: feedback.notice(),
            error: feedback.error(),
            q,
            companies,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct CompanyForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub description: String,
}

/// `POST /admin/networks/{id}/companies`: *Add company*.
pub async fn create(
    State(app): State<App>,
    user: ConsoleUser,
    network_id: Result<Path<i64>, PathRejection>,
    form: Result<Form<CompanyForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path(network_id)) = network_id else {
        return Err(ConsoleError::NotFound);
    };
    let path = format!("/admin/networks/{network_id}/companies");
    let form = form.map(|Form(f)| f).unwrap_or_default();
    match app
        .create_company(
            user.session.person_id,
            network_id,
            &form.name,
            &form.website,
            &form.description,
        )
        .await
    {
        Ok(_) => Ok(back_with(&path, "done", "company")),
        Err(crate::companies::CompanyError::Invalid { field: "name", .. }) => {
            Ok(back_with(&path, "error", "company_name"))
        }
        Err(e) => Ok(back_with(&path, "error", company_error_code(e)?)),
    }
}

/// A professional a Company Admin may request an introduction to.
pub struct ProfessionalOption {
    pub id: i64,
    pub name: String,
}

#[derive(Template)]
#[template(path = "console/company.html")]
struct CompanyPage {
    m: Ui,
    shell: Option<Shell>,
    company_id: i64,
    company: String,
    network: String,
    form_token: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    requests: Vec<RequestView>,
    professionals: Vec<ProfessionalOption>,
    admins: Vec<AdminRow>,
    /// Where each admin's *Remove* posts (`…/{person}/remove` after it).
    remove_base: String,
}

fn company_path(company_id: i64) -> String {
    format!("/admin/companies/{company_id}")
}

/// `GET /admin/companies/{company_id}`: the Company Admin's page.
pub async fn company_page(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    company_id: Result<Path<i64>, PathRejection>,
    feedback: Result<Query<Feedback>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path(company_id)) = company_id else {
        return Err(ConsoleError::NotFound);
    };
    let company = app
        .repo()
        .companies()
        .company_of_admin(user.session.person_id, company_id)
        .await?
        .ok_or(ConsoleError::Forbidden)?;
    let intros = app.repo().intros();
    let mut requests = Vec::new();
    for r in intros
        .company_requests(company.network_id, company.id)
        .await?
    {
        let events = intros.events(company.network_id, r.id).await?;
        let to_company = r.direction == crate::intro_requests::Direction::ToCompany;
        requests.push(RequestView::new(&r, to_company, &events));
    }
    let professionals = intros
        .professionals(company.network_id)
        .await?
        .into_iter()
        .map(|p| ProfessionalOption {
            id: p.id,
            name: p.name,
        })
        .collect();
    let feedback = feedback.map(|Query(f)| f).unwrap_or_default();
    let admins = admin_rows(&app, &company, user.session.person_id).await?;
    Ok(render(
        StatusCode::OK,
        &CompanyPage {
            admins,
            remove_base: format!("{}/admins", company_path(company.id)),
            m: Ui::current(),
            shell: Some(user.shell(&form_token, None, Current::Intros)),
            company_id: company.id,
            company: company.name,
            network: company.network_name,
            form_token: form_token.0.clone(),
            notice: feedback.notice(),
            error: feedback.error(),
            requests,
            professionals,
        },
    ))
}

/// `POST /admin/companies/{company_id}/requests/{request_id}/accept`.
pub async fn accept_request(
    State(app): State<App>,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    answer(app, user, ids, true, String::new()).await
}

/// `POST /admin/companies/{company_id}/requests/{request_id}/decline`.
pub async fn decline_request(
    State(app): State<App>,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
    form: Result<Form<AnswerForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let reason = form.map(|Form(f)| f.reason).unwrap_or_default();
    answer(app, user, ids, false, reason).await
}

async fn answer(
    app: App,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
    accept: bool,
    reason: String,
) -> Result<Response, ConsoleError> {
    let Ok(Path((company_id, request_id))) = ids else {
        return Err(ConsoleError::NotFound);
    };
    let path = company_path(company_id);
    answer_from_page(
        &app,
        &user,
        AnswerSide::Company(company_id),
        &path,
        request_id,
        accept,
        &reason,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ColleagueForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

/// `POST /admin/companies/{company_id}/invite`: a colleague as Company Admin.
pub async fn invite_colleague(
    State(app): State<App>,
    user: ConsoleUser,
    company_id: Result<Path<i64>, PathRejection>,
    form: Result<Form<ColleagueForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path(company_id)) = company_id else {
        return Err(ConsoleError::NotFound);
    };
    let company = app
        .repo()
        .companies()
        .company_of_admin(user.session.person_id, company_id)
        .await?
        .ok_or(ConsoleError::Forbidden)?;
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let path = company_path(company_id);
    match app
        .invite_company_admin(user.session.person_id, &company, &form.name, &form.email)
        .await
    {
        Ok(_) => Ok(back_with(&path, "done", "invited")),
        Err(e) => Ok(back_with(&path, "error", company_error_code(e)?)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ToProfessionalForm {
    #[serde(default)]
    pub professional_id: String,
    #[serde(default)]
    pub message: String,
}

/// `POST /admin/companies/{company_id}/requests`: the company requests an introduction to a
/// professional.
pub async fn request_professional(
    State(app): State<App>,
    user: ConsoleUser,
    company_id: Result<Path<i64>, PathRejection>,
    form: Result<Form<ToProfessionalForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path(company_id)) = company_id else {
        return Err(ConsoleError::NotFound);
    };
    let path = company_path(company_id);
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let Ok(professional_id) = form.professional_id.parse::<i64>() else {
        return Ok(back_with(&path, "error", "not_found"));
    };
    match app
        .request_intro_to_professional(
            user.session.person_id,
            company_id,
            professional_id,
            &form.message,
        )
        .await
    {
        Ok(_) => Ok(back_with(&path, "done", "requested")),
        Err(e) => Ok(back_with(&path, "error", intro_error_code(e)?)),
    }
}

// --- A company's Company Admins and invitations. ---

/// A Company Admin, as the pages list them.
pub struct AdminRow {
    pub person_id: i64,
    pub name: String,
    pub email: String,
    pub since: String,
    pub since_iso: String,
    /// The signed-in person: *Leave* rather than *Remove*.
    pub is_you: bool,
}

async fn admin_rows(
    app: &App,
    company: &CompanyRecord,
    you: i64,
) -> Result<Vec<AdminRow>, ConsoleError> {
    Ok(app
        .repo()
        .companies()
        .company_admin_list(company.network_id, company.id)
        .await?
        .into_iter()
        .map(|a| AdminRow {
            is_you: a.person_id == you,
            person_id: a.person_id,
            name: a.name,
            email: a.email,
            since: super::page::date(a.since),
            since_iso: super::page::iso_date(a.since),
        })
        .collect())
}

/// An invitation, as the company's page lists them.
pub struct InvitationRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub invited_by: Option<String>,
    /// Not accepted or revoked: its email can go again (an expired one gets a new week).
    pub can_resend: bool,
    pub can_revoke: bool,
}

fn invitation_row(i: CompanyInvitation, now: i64) -> InvitationRow {
    let m = m();
    let (state, state_class) = if i.used_at.is_some() {
        (m.ig_state_accepted, "accepted")
    } else if i.revoked_at.is_some() {
        (m.ig_state_revoked, "revoked")
    } else if i.expires_at <= now {
        (m.ig_state_expired, "expired")
    } else {
        (m.ig_state_pending, "pending")
    };
    InvitationRow {
        can_resend: i.used_at.is_none() && i.revoked_at.is_none(),
        can_revoke: i.is_pending(now),
        id: i.id,
        name: i.name,
        email: i.email,
        state,
        state_class,
        invited_by: i.invited_by,
    }
}

#[derive(Template)]
#[template(path = "console/company_team.html")]
struct TeamPage {
    m: Ui,
    shell: Option<Shell>,
    network_id: i64,
    company_id: i64,
    company: String,
    form_token: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    admins: Vec<AdminRow>,
    remove_base: String,
    invitations: Vec<InvitationRow>,
}

fn team_path(network_id: i64, company_id: i64) -> String {
    format!("/admin/networks/{network_id}/companies/{company_id}")
}

/// `GET /admin/networks/{id}/companies/{company_id}`: the company's Company Admins and
/// invitations, for its network's admins who review requests.
pub async fn team_page(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    ids: Result<Path<(i64, i64)>, PathRejection>,
    feedback: Result<Query<Feedback>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path((network_id, company_id))) = ids else {
        return Err(ConsoleError::NotFound);
    };
    let admin = admin_network_of(
        &app,
        &user,
        Ok(Path(network_id)),
        Some(Permission::ReviewRequests),
    )
    .await?;
    let company = app
        .repo()
        .companies()
        .company(admin.network.id, company_id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let (_, invitations) = app
        .company_team(&company)
        .await
        .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    let now = app.now();
    let feedback = feedback.map(|Query(f)| f).unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &TeamPage {
            m: Ui::current(),
            network_id: company.network_id,
            company_id: company.id,
            admins: admin_rows(&app, &company, user.session.person_id).await?,
            remove_base: format!("{}/admins", team_path(company.network_id, company.id)),
            company: company.name,
            shell: Some(user.shell(&form_token, Some(admin), Current::Companies)),
            form_token: form_token.0.clone(),
            notice: feedback.notice(),
            error: feedback.error(),
            invitations: invitations
                .into_iter()
                .map(|i| invitation_row(i, now))
                .collect(),
        },
    ))
}

/// `POST /admin/networks/{id}/companies/{company_id}/invitations/{invitation_id}/resend`.
pub async fn resend_invitation(
    State(app): State<App>,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    change_invitation(app, user, ids, true).await
}

/// `POST /admin/networks/{id}/companies/{company_id}/invitations/{invitation_id}/revoke`.
pub async fn revoke_invitation(
    State(app): State<App>,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    change_invitation(app, user, ids, false).await
}

async fn change_invitation(
    app: App,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64, i64)>, PathRejection>,
    resend: bool,
) -> Result<Response, ConsoleError> {
    let Ok(Path((network_id, company_id, invitation_id))) = ids else {
        return Err(ConsoleError::NotFound);
    };
    let path = team_path(network_id, company_id);
    let person_id = user.session.person_id;
    match app
        .change_company_invitation(person_id, network_id, company_id, invitation_id, resend)
        .await
    {
        Ok(()) => Ok(back_with(
            &path,
            "done",
            if resend { "resent" } else { "revoked" },
        )),
        Err(e) => Ok(back_with(&path, "error", company_error_code(e)?)),
    }
}

/// `POST /admin/networks/{id}/companies/{company_id}/admins/{person_id}/remove`: by a
/// Network Admin who reviews requests.
pub async fn remove_admin(
    State(app): State<App>,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path((network_id, company_id, admin_id))) = ids else {
        return Err(ConsoleError::NotFound);
    };
    let person_id = user.session.person_id;
    let company = match app
        .reviewed_company(person_id, network_id, company_id)
        .await
    {
        Ok(company) => company,
        Err(e) => {
            let path = format!("/admin/networks/{network_id}/companies");
            return Ok(back_with(&path, "error", company_error_code(e)?));
        }
    };
    let path = team_path(network_id, company_id);
    removed(&app, person_id, &company, admin_id, &path).await
}

/// `POST /admin/companies/{company_id}/admins/{person_id}/remove`: by a Company Admin of the
/// company (a colleague, or themselves: they leave, and their page is gone).
pub async fn remove_colleague(
    State(app): State<App>,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path((company_id, admin_id))) = ids else {
        return Err(ConsoleError::NotFound);
    };
    let person_id = user.session.person_id;
    let company = app
        .repo()
        .companies()
        .company_of_admin(person_id, company_id)
        .await?
        .ok_or(ConsoleError::Forbidden)?;
    let path = if admin_id == person_id {
        "/admin/intros".to_string()
    } else {
        company_path(company.id)
    };
    removed(&app, person_id, &company, admin_id, &path).await
}

async fn removed(
    app: &App,
    person_id: i64,
    company: &CompanyRecord,
    admin_id: i64,
    path: &str,
) -> Result<Response, ConsoleError> {
    match app.remove_company_admin(person_id, company, admin_id).await {
        Ok((0, _)) => Ok(back_with(path, "done", "removed_last")),
        Ok(_) => Ok(back_with(path, "done", "removed")),
        Err(e) => Ok(back_with(path, "error", company_error_code(e)?)),
    }
}

// --- The invitation to become a Company Admin (from the email; signed in or not). ---

#[derive(Template)]
#[template(path = "company_invite.html")]
struct InvitePage<'a> {
    m: Ui,
    token: &'a str,
    form_token: &'a str,
    invitation: &'a CompanyInvitation,
    existing_account: bool,
    errors: Vec<String>,
}

fn link_problem() -> Response {
    let m = m();
    html_response(
        StatusCode::GONE,
        crate::html::message_page(m.ir_link_invalid_heading, &[m.ir_link_invalid]),
    )
}

async fn pending(
    app: &App,
    token: Result<Path<String>, PathRejection>,
) -> Result<Option<(String, CompanyInvitation)>, ConsoleError> {
    let Ok(Path(token)) = token else {
        return Ok(None);
    };
    if !looks_like_token(&token) {
        return Ok(None);
    }
    let invitation = app
        .repo()
        .companies()
        .find_company_invitation(&hash_token(&token))
        .await?;
    Ok(invitation
        .filter(|i| i.is_pending(app.now()))
        .map(|i| (token, i)))
}

async fn has_account(app: &App, email: &str) -> Result<bool, ConsoleError> {
    Ok(app
        .repo()
        .find_person_by_email(email)
        .await?
        .is_some_and(|p| p.password_hash.is_some()))
}

/// `GET /company-invite/{token}`.
pub async fn invite_page(
    State(app): State<App>,
    form_token: FormToken,
    token: Result<Path<String>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let Some((token, invitation)) = pending(&app, token).await? else {
        return Ok(link_problem());
    };
    let existing_account = has_account(&app, &invitation.email).await?;
    Ok(render(
        StatusCode::OK,
        &InvitePage {
            m: Ui::current(),
            token: &token,
            form_token: &form_token.0,
            invitation: &invitation,
            existing_account,
            errors: Vec::new(),
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
    #[serde(default)]
    pub terms: String,
}

/// `POST /company-invite/{token}`: a new account's password (or an existing account's, as
/// proof), the terms; then the person is a Company Admin, signed in, on their company's page.
pub async fn accept(
    State(app): State<App>,
    ClientAddr(address): ClientAddr,
    form_token: FormToken,
    token: Result<Path<String>, PathRejection>,
    form: Result<Form<AcceptForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Some((token, invitation)) = pending(&app, token).await? else {
        return Ok(link_problem());
    };
    let existing_account = has_account(&app, &invitation.email).await?;
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let mut errors = Vec::new();
    let words = m();
    if existing_account {
        if form.password.is_empty() {
            errors.push(words.err_enter_account_password.to_string());
        }
    } else if let Err(problem) = check_new_password(&form.password) {
        errors.push(problem.to_string());
    } else if form.password != form.password_confirm {
        errors.push(words.err_passwords_differ.to_string());
    }
    if form.terms != "accepted" {
        errors.push(words.err_accept_terms.to_string());
    }
    let password_hash = if errors.is_empty() {
        if existing_account {
            match app
                .verify_sign_in(&invitation.email, form.password, address)
                .await
            {
                Ok(Some(_)) => None,
                Ok(None) => {
                    errors.push(words.err_wrong_account_password.to_string());
                    None
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            Some(app.hash_new_password(form.password).await?)
        }
    } else {
        None
    };
    if !errors.is_empty() {
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &InvitePage {
                m: Ui::current(),
                token: &token,
                form_token: &form_token.0,
                invitation: &invitation,
                existing_account,
                errors,
            },
        ));
    }
    let outcome = app
        .repo()
        .companies()
        .accept_company_invitation(invitation.id, password_hash.as_deref(), app.now())
        .await?;
    match outcome {
        CompanyAccepted::Joined {
            person_id,
            company_id,
            ..
        } => {
            app.wake_mail();
            let cookie = super::session::start(&app, person_id).await?;
            let mut response = super::page::see_other(&company_path(company_id));
            response.headers_mut().append(SET_COOKIE, cookie);
            Ok(response)
        }
        CompanyAccepted::NotPending | CompanyAccepted::PasswordRequired => Ok(link_problem()),
    }
}
