//! Professionals in the console: the network's own join page (name, email, headline,
//! LinkedIn profile, an optional CV link, password and terms; the email confirmed before any
//! request), the confirmation link, the professional's page (their requests and their states,
//! requesting an introduction to a company, answering a company's request), and the page
//! that lists a Company Admin's companies and a professional's networks.
//!
//! A professional sees only their own requests: the page is found by network, and shows the
//! signed-in person's professional record there or nothing.

use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::inbox::{
    answer_from_page, back_with, intro_error_code, AnswerForm, Feedback, RequestView,
};
use super::page::{render, ConsoleError, Current, Shell};
use super::session::ConsoleUser;
use crate::api::{ApiFailure, ClientAddr};
use crate::cross_site::FormToken;
use crate::html::html_response;
use crate::i18n::{m, Ui};
use crate::introductions::{AnswerSide, JoinForm};
use crate::tokens::{hash_token, looks_like_token};
use crate::App;

#[derive(Debug, Default, Deserialize)]
pub struct JoinFields {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub headline: String,
    #[serde(default)]
    pub linkedin_url: String,
    #[serde(default)]
    pub cv_url: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub terms: String,
}

#[derive(Template)]
#[template(path = "join.html")]
struct JoinPage<'a> {
    m: Ui,
    network_id: i64,
    network: &'a str,
    form_token: &'a str,
    fields: &'a JoinFields,
    error: Option<String>,
}

async fn network_name(
    app: &App,
    network_id: Result<Path<i64>, PathRejection>,
) -> Result<(i64, String), ConsoleError> {
    let Ok(Path(network_id)) = network_id else {
        return Err(ConsoleError::NotFound);
    };
    let name = app
        .repo()
        .network_name(network_id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    Ok((network_id, name))
}

/// `GET /join/{network_id}`: the network's join page.
pub async fn join_page(
    State(app): State<App>,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let (network_id, network) = network_name(&app, network_id).await?;
    Ok(render(
        StatusCode::OK,
        &JoinPage {
            m: Ui::current(),
            network_id,
            network: &network,
            form_token: &form_token.0,
            fields: &JoinFields::default(),
            error: None,
        },
    ))
}

/// `POST /join/{network_id}`: bounded like sign-in ([`crate::introductions::JOIN_LIMITS`],
/// spent first, per client address and per email): a refused join is the form again with
/// what to do (429, `Retry-After`), and creates nothing.
pub async fn join(
    State(app): State<App>,
    ClientAddr(address): ClientAddr,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
    form: Result<Form<JoinFields>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let (network_id, network) = network_name(&app, network_id).await?;
    let mut fields = form.map(|Form(f)| f).unwrap_or_default();
    let words = m();
    let page = |status: StatusCode, fields: &JoinFields, error: Option<String>| {
        render(
            status,
            &JoinPage {
                m: Ui::current(),
                network_id,
                network: &network,
                form_token: &form_token.0,
                fields,
                error,
            },
        )
    };
    if let Err(failure) = app.throttle_join(fields.email.trim(), address).await {
        let ApiFailure::TooManyAttempts(secs) = failure else {
            return Err(failure.into());
        };
        fields.password.clear();
        let text = crate::i18n::try_again_in(
            crate::i18n::lang(),
            crate::i18n::TooMany::Join,
            secs.div_ceil(60),
        );
        let mut refused = page(StatusCode::TOO_MANY_REQUESTS, &fields, Some(text));
        refused.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(secs.max(1)),
        );
        return Ok(refused);
    }
    let error = if fields.terms != "accepted" {
        Some(words.err_accept_terms.to_string())
    } else {
        let password = std::mem::take(&mut fields.password);
        if let Err(problem) = crate::passwords::check_new_password(&password) {
            Some(problem.to_string())
        } else {
            let joined = app
                .join_as_professional(
                    network_id,
                    JoinForm {
                        name: fields.name.clone(),
                        email: fields.email.clone(),
                        headline: fields.headline.clone(),
                        linkedin_url: fields.linkedin_url.clone(),
                        cv_url: fields.cv_url.clone(),
                        password,
                    },
                )
                .await;
            match joined {
                Ok(_) => {
                    return Ok(html_response(
                        StatusCode::OK,
                        crate::html::message_page(
                            words.ir_check_email_heading,
                            &[words.ir_check_email],
                        ),
                    ))
                }
                Err(e) => {
                    let code = intro_error_code(e)?;
                    Feedback {
                        done: String::new(),
                        error: code.to_string(),
                    }
                    .error()
                    .map(str::to_string)
                }
            }
        }
    };
    fields.password.clear();
    Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &fields, error))
}

#[derive(Template)]
#[template(path = "join_complete.html")]
struct CompletePage<'a> {
    m: Ui,
    token: &'a str,
    network: &'a str,
    name: &'a str,
    form_token: &'a str,
    fields: &'a JoinFields,
    error: Option<String>,
}

fn link_problem() -> Response {
    let words = m();
    html_response(
        StatusCode::GONE,
        crate::html::message_page(words.ir_link_invalid_heading, &[words.ir_link_invalid]),
    )
}

fn confirmed_page() -> Response {
    let words = m();
    html_response(
        StatusCode::OK,
        crate::html::message_page(words.ir_confirmed_heading, &[words.ir_confirmed]),
    )
}

/// `GET /join/confirm/{token}`: the link of the confirmation email (once). Someone who joined
/// is confirmed at once; someone invited (no password yet) completes their profile first.
pub async fn confirm(
    State(app): State<App>,
    form_token: FormToken,
    token: Result<Path<String>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path(token)) = token else {
        return Ok(link_problem());
    };
    if !looks_like_token(&token) {
        return Ok(link_problem());
    }
    let hash = hash_token(&token);
    let Some((professional, has_password, network)) =
        app.repo().intros().professional_by_token(&hash).await?
    else {
        return Ok(link_problem());
    };
    if !has_password {
        return Ok(render(
            StatusCode::OK,
            &CompletePage {
                m: Ui::current(),
                token: &token,
                network: &network,
                name: &professional.name,
                form_token: &form_token.0,
                fields: &JoinFields::default(),
                error: None,
            },
        ));
    }
    Ok(
        match app
            .repo()
            .intros()
            .confirm_professional(&hash, app.now())
            .await?
        {
            Some(_) => confirmed_page(),
            None => link_problem(),
        },
    )
}

/// `POST /join/confirm/{token}`: an invited professional's profile and password.
pub async fn complete(
    State(app): State<App>,
    form_token: FormToken,
    token: Result<Path<String>, PathRejection>,
    form: Result<Form<JoinFields>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path(token)) = token else {
        return Ok(link_problem());
    };
    if !looks_like_token(&token) {
        return Ok(link_problem());
    }
    let hash = hash_token(&token);
    let Some((professional, _, network)) = app.repo().intros().professional_by_token(&hash).await?
    else {
        return Ok(link_problem());
    };
    let mut fields = form.map(|Form(f)| f).unwrap_or_default();
    let password = std::mem::take(&mut fields.password);
    let error = if fields.terms != "accepted" {
        Some(m().err_accept_terms.to_string())
    } else if let Err(problem) = crate::passwords::check_new_password(&password) {
        Some(problem.to_string())
    } else {
        match app
            .complete_professional(
                &hash,
                &fields.headline,
                &fields.linkedin_url,
                &fields.cv_url,
                password,
            )
            .await
        {
            Ok(Some(_)) => return Ok(confirmed_page()),
            Ok(None) => return Ok(link_problem()),
            Err(e) => Feedback {
                done: String::new(),
                error: intro_error_code(e)?.to_string(),
            }
            .error()
            .map(str::to_string),
        }
    };
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &CompletePage {
            m: Ui::current(),
            token: &token,
            network: &network,
            name: &professional.name,
            form_token: &form_token.0,
            fields: &fields,
            error,
        },
    ))
}

pub struct ProfessionalRow {
    pub name: String,
    pub email: String,
    pub headline: String,
    pub confirmed: bool,
}

#[derive(Template)]
#[template(path = "console/professionals.html")]
struct ProfessionalsPage {
    m: Ui,
    shell: Option<Shell>,
    network_id: i64,
    form_token: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    professionals: Vec<ProfessionalRow>,
}

/// `GET /admin/networks/{id}/professionals`: the network's talent, and *Invite professional*.
pub async fn list(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
    feedback: Result<Query<Feedback>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let admin = super::page::admin_network_of(
        &app,
        &user,
        network_id,
        Some(allyshare_protocol::Permission::ReviewRequests),
    )
    .await?;
    let network_id = admin.network.id;
    let professionals = app
        .repo()
        .intros()
        .all_professionals(network_id)
        .await?
        .into_iter()
        .map(|p| ProfessionalRow {
            name: p.name,
            email: p.email,
            headline: p.headline,
            confirmed: p.confirmed,
        })
        .collect();
    let feedback = feedback.map(|Query(f)| f).unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &ProfessionalsPage {
            m: Ui::current(),
            shell: Some(user.shell(&form_token, Some(admin), Current::Professionals)),
            network_id,
            form_token: form_token.0.clone(),
            notice: feedback.notice(),
            error: feedback.error(),
            professionals,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

/// `POST /admin/networks/{id}/professionals`: *Invite professional*.
pub async fn invite(
    State(app): State<App>,
    user: ConsoleUser,
    network_id: Result<Path<i64>, PathRejection>,
    form: Result<Form<InviteForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path(network_id)) = network_id else {
        return Err(ConsoleError::NotFound);
    };
    let path = format!("/admin/networks/{network_id}/professionals");
    let form = form.map(|Form(f)| f).unwrap_or_default();
    match app
        .invite_professional(user.session.person_id, network_id, &form.name, &form.email)
        .await
    {
        Ok(_) => Ok(back_with(&path, "done", "invited")),
        Err(crate::introductions::IntroError::EmailTaken) => {
            Ok(back_with(&path, "error", "already_professional"))
        }
        Err(e) => Ok(back_with(&path, "error", intro_error_code(e)?)),
    }
}

pub struct CompanyOption {
    pub id: i64,
    pub name: String,
}

#[derive(Template)]
#[template(path = "console/professional.html")]
struct ProfessionalPage {
    m: Ui,
    shell: Option<Shell>,
    network_id: i64,
    network: String,
    form_token: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    confirmed: bool,
    requests: Vec<RequestView>,
    companies: Vec<CompanyOption>,
}

fn professional_path(network_id: i64) -> String {
    format!("/admin/professional/{network_id}")
}

/// `GET /admin/professional/{network_id}`: the professional's own page.
pub async fn page(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
    feedback: Result<Query<Feedback>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path(network_id)) = network_id else {
        return Err(ConsoleError::NotFound);
    };
    let intros = app.repo().intros();
    let professional = intros
        .professional(network_id, user.session.person_id)
        .await?
        .ok_or(ConsoleError::Forbidden)?;
    let network = app
        .repo()
        .network_name(network_id)
        .await?
        .ok_or(ConsoleError::Forbidden)?;
    let mut requests = Vec::new();
    for r in intros
        .professional_requests(network_id, professional.id)
        .await?
    {
        let events = intros.events(network_id, r.id).await?;
        let to_professional = r.direction == crate::intro_requests::Direction::ToProfessional;
        requests.push(RequestView::new(&r, to_professional, &events));
    }
    let companies = app
        .repo()
        .companies()
        .companies(network_id, None)
        .await?
        .into_iter()
        .map(|c| CompanyOption {
            id: c.id,
            name: c.name,
        })
        .collect();
    let feedback = feedback.map(|Query(f)| f).unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &ProfessionalPage {
            m: Ui::current(),
            shell: Some(user.shell(&form_token, None, Current::Intros)),
            network_id,
            network,
            form_token: form_token.0.clone(),
            notice: feedback.notice(),
            error: feedback.error(),
            confirmed: professional.confirmed,
            requests,
            companies,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    pub company_id: String,
    #[serde(default)]
    pub message: String,
}

/// `POST /admin/professional/{network_id}/requests`: request an introduction to a company.
pub async fn request(
    State(app): State<App>,
    user: ConsoleUser,
    network_id: Result<Path<i64>, PathRejection>,
    form: Result<Form<RequestForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path(network_id)) = network_id else {
        return Err(ConsoleError::NotFound);
    };
    let path = professional_path(network_id);
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let Ok(company_id) = form.company_id.parse::<i64>() else {
        return Ok(back_with(&path, "error", "not_found"));
    };
    match app
        .request_intro_to_company(
            user.session.person_id,
            network_id,
            company_id,
            &form.message,
        )
        .await
    {
        Ok(_) => Ok(back_with(&path, "done", "requested")),
        Err(e) => Ok(back_with(&path, "error", intro_error_code(e)?)),
    }
}

/// `POST /admin/professional/{network_id}/requests/{request_id}/accept`.
pub async fn accept(
    State(app): State<App>,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    answer(app, user, ids, true, String::new()).await
}

/// `POST /admin/professional/{network_id}/requests/{request_id}/decline`.
pub async fn decline(
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
    let Ok(Path((network_id, request_id))) = ids else {
        return Err(ConsoleError::NotFound);
    };
    let path = professional_path(network_id);
    answer_from_page(
        &app,
        &user,
        AnswerSide::Professional(network_id),
        &path,
        request_id,
        accept,
        &reason,
    )
    .await
}

pub struct PlaceLink {
    pub href: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "console/intros.html")]
struct IntrosPage {
    m: Ui,
    shell: Option<Shell>,
    places: Vec<PlaceLink>,
}

/// The pages of a person's introduction requests: their companies (as Company Admin) and
/// their networks (as professional).
pub async fn places(app: &App, person_id: i64) -> Result<Vec<PlaceLink>, ConsoleError> {
    let mut places: Vec<PlaceLink> = app
        .repo()
        .companies()
        .companies_of_admin(person_id)
        .await?
        .into_iter()
        .map(|c| PlaceLink {
            href: format!("/admin/companies/{}", c.id),
            name: format!("{} ({})", c.name, c.network_name),
        })
        .collect();
    places.extend(
        app.repo()
            .intros()
            .professional_networks(person_id)
            .await?
            .into_iter()
            .map(|(id, name)| PlaceLink {
                href: professional_path(id),
                name,
            }),
    );
    Ok(places)
}

/// `GET /admin/intros`.
pub async fn index(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
) -> Result<Response, ConsoleError> {
    let places = places(&app, user.session.person_id).await?;
    Ok(render(
        StatusCode::OK,
        &IntrosPage {
            m: Ui::current(),
            shell: Some(user.shell(&form_token, None, Current::Intros)),
            places,
        },
    ))
}
