//! Settings → Team Members: the network's members and invitations in one table (filters by
//! role and state, search by name or email, pages), *Invite Member*, and each invitation's
//! *Resend* and *Revoke*.
//!
//! Every handler first checks, as the API does ([`require_role_of`]), that the signed-in
//! person is a Network Admin of the network in the path; the table's query is scoped to that
//! network, and the invitation actions are the API's service functions, which look the
//! invitation up within the network.

use allyshare_protocol::bounds::Bounded;
use allyshare_protocol::limits::INVITATION_NOTE_MAX_CHARS;
use allyshare_protocol::{InvitationRequest, Permission, PermissionTemplate, Permissions, Role};
use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::page::{
    admin_network_of, date, iso_date, render, see_other, sentence, AdminNetwork, ConsoleError,
    Current, Shell,
};
use super::session::{safe_next, ConsoleUser};
use crate::cross_site::FormToken;
use crate::db::console::{RowState, TeamQuery, TeamRow, TeamState};
use crate::db::members::Actor;
use crate::invite::{check_email, check_name, check_note, InviteError};
use crate::App;

/// Rows of one page of the table.
pub const PAGE_ROWS: i64 = 25;

/// The network of the path for any of its Network Admins.
async fn admin_network(
    app: &App,
    user: &ConsoleUser,
    network_id: Result<Path<i64>, PathRejection>,
) -> Result<AdminNetwork, ConsoleError> {
    admin_network_of(app, user, network_id, None).await
}

/// The network of the path for a Network Admin who may invite.
async fn inviting_network(
    app: &App,
    user: &ConsoleUser,
    network_id: Result<Path<i64>, PathRejection>,
) -> Result<AdminNetwork, ConsoleError> {
    admin_network_of(app, user, network_id, Some(Permission::InviteMembers)).await
}

fn team_path(network_id: i64) -> String {
    format!("/admin/networks/{network_id}/team")
}

/// One option of a `<select>`.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// A row as the table shows it.
pub struct RowView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub state: &'static str,
    /// The state's class in the stylesheet (the same in every language).
    pub state_class: &'static str,
    /// `Joined` or `Sent`.
    pub at_kind: &'static str,
    pub at: String,
    pub at_iso: String,
    pub sharing: Option<&'static str>,
    pub contacts: Option<String>,
    pub can_resend: bool,
    pub can_revoke: bool,
    /// Network Admins: the template's name, or how many permissions.
    pub permissions: Option<String>,
    /// A member (who has a Settings page), not an invitation.
    pub is_member: bool,
}

/// `Admin`, `Viewer`, `Custom (4 permissions)`, `No permissions`.
pub fn permission_words(permissions: Permissions) -> String {
    match PermissionTemplate::matching(permissions) {
        Some(template) => crate::i18n::template_label(template).to_owned(),
        None => match permissions.iter().count() {
            0 => crate::i18n::m().no_permissions.to_owned(),
            n => crate::i18n::custom_permissions(crate::i18n::lang(), n),
        },
    }
}

use crate::i18n::role_label;

/// `1,234` (`1 234` in French).
fn thousands(n: i64) -> String {
    crate::i18n::number(crate::i18n::lang(), n)
}

impl From<TeamRow> for RowView {
    fn from(row: TeamRow) -> Self {
        let m = crate::i18n::m();
        let (state, state_class) = match row.state {
            RowState::Member => (m.row_member, "member"),
            RowState::Pending => (m.row_pending, "pending"),
            RowState::Expired => (m.row_expired, "expired"),
            RowState::Accepted => (m.row_accepted, "accepted"),
            RowState::Revoked => (m.row_revoked, "revoked"),
        };
        RowView {
            id: row.id,
            name: row.name,
            email: row.email,
            role: role_label(row.role),
            state,
            state_class,
            at_kind: if row.state == RowState::Member {
                m.at_joined
            } else {
                m.at_sent
            },
            at: date(row.at),
            at_iso: iso_date(row.at),
            sharing: row.sharing.map(|on| if on { m.on } else { m.off }),
            contacts: row.contacts.map(thousands),
            permissions: row.permissions.map(permission_words),
            is_member: row.state == RowState::Member,
            can_resend: matches!(row.state, RowState::Pending | RowState::Expired),
            can_revoke: row.state == RowState::Pending,
        }
    }
}

#[derive(Template)]
#[template(path = "console/team.html")]
struct TeamPage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    network_id: i64,
    form_token: String,
    q: String,
    roles: Vec<Choice>,
    states: Vec<Choice>,
    rows: Vec<RowView>,
    total: i64,
    first: i64,
    last: i64,
    previous: Option<String>,
    next: Option<String>,
    /// This page's own address, for the forms to come back to.
    back: String,
    notice: Option<String>,
    problem: Option<&'static str>,
    /// Whether the person may invite (the *Invite Member*, *Resend* and *Revoke* buttons).
    can_invite: bool,
}

/// The Team Members page's query string. Unknown values are ignored (the default applies).
#[derive(Debug, Default, Deserialize)]
pub struct TeamParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    page: String,
    /// After a form: what was done (a fixed word, never text to show).
    #[serde(default)]
    done: String,
    /// The invitation just created or re-sent.
    #[serde(default)]
    invitation: String,
    /// After a form: what could not be done (a fixed word).
    #[serde(default)]
    problem: String,
}

fn problem_text(code: &str) -> Option<&'static str> {
    let m = crate::i18n::m();
    Some(match code {
        "not_pending" => m.problem_not_pending,
        "cannot_resend" => m.problem_cannot_resend,
        "too_many_emails" => m.problem_too_many_emails,
        "no_invitation" => m.problem_no_invitation,
        _ => return None,
    })
}

/// The query string of the table with these filters (and page).
fn team_query(q: &str, role: &str, state: &str, page: i64) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if !q.is_empty() {
        pairs.push(("q", q.to_string()));
    }
    if !role.is_empty() {
        pairs.push(("role", role.to_string()));
    }
    if !state.is_empty() && state != TeamState::Current.as_str() {
        pairs.push(("state", state.to_string()));
    }
    if page > 1 {
        pairs.push(("page", page.to_string()));
    }
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// `GET /admin/networks/{id}/team`.
pub async fn page(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
    params: Result<Query<TeamParams>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let admin = admin_network(&app, &user, network_id).await?;
    let network = admin.network.clone();
    let p = params.map(|Query(p)| p).unwrap_or_default();
    let q: String =
        p.q.trim()
            .chars()
            .take(crate::api::team::TEAM_SEARCH_MAX_CHARS)
            .collect();
    let role = match p.role.as_str() {
        "ally" => Some(Role::Ally),
        "network_admin" => Some(Role::NetworkAdmin),
        _ => None,
    };
    let role_value = role.map(Role::as_str).unwrap_or("");
    let state = TeamState::parse(&p.state).unwrap_or_default();
    let page_no = p.page.parse::<i64>().unwrap_or(1).clamp(1, 1_000_000);
    // The same service and check as `GET /v1/networks/{id}/team`.
    let (rows, total) = crate::api::team::team_page(
        &app,
        user.session.person_id,
        &TeamQuery {
            network_id: network.id,
            role,
            state,
            search: (!q.is_empty()).then(|| q.clone()),
            offset: (page_no - 1) * PAGE_ROWS,
            limit: PAGE_ROWS,
            now: app.now(),
        },
    )
    .await?;
    let path = team_path(network.id);
    let link = |page: i64| with_query(&path, &team_query(&q, role_value, state.as_str(), page));
    let first = (page_no - 1) * PAGE_ROWS + 1;
    let last = first + rows.len() as i64 - 1;
    let notice = match p.done.as_str() {
        "invited" | "resent" => {
            let invitation = match p.invitation.parse::<i64>() {
                Ok(id) => app.repo().invitation_by_id(network.id, id).await?,
                Err(_) => None,
            };
            Some(crate::i18n::invitation_sent(
                crate::i18n::lang(),
                p.done != "invited",
                invitation
                    .as_ref()
                    .map(|inv| (inv.name.as_str(), inv.email.as_str())),
            ))
        }
        "revoked" => Some(crate::i18n::m().notice_revoked.to_string()),
        "removed" => Some(crate::i18n::m().notice_removed.to_string()),
        _ => None,
    };
    let m = crate::i18n::m();
    let roles = [
        ("", m.all_roles),
        ("ally", m.role_ally),
        ("network_admin", m.role_network_admin),
    ]
    .into_iter()
    .map(|(value, label)| Choice {
        value,
        label,
        selected: value == role_value,
    })
    .collect();
    let states = TeamState::ALL
        .into_iter()
        .map(|s| Choice {
            value: s.as_str(),
            label: match s {
                TeamState::Current => m.state_current,
                TeamState::Members => m.state_members,
                TeamState::Pending => m.state_pending,
                TeamState::Expired => m.state_expired,
                TeamState::Accepted => m.state_accepted,
                TeamState::Revoked => m.state_revoked,
                TeamState::All => m.state_all,
            },
            selected: s == state,
        })
        .collect();
    let shell = user.shell(&form_token, Some(admin.clone()), Current::Team);
    Ok(render(
        StatusCode::OK,
        &TeamPage {
            m: crate::i18n::Ui::current(),
            shell: Some(shell),
            network_id: network.id,
            form_token: form_token.0.clone(),
            q: q.clone(),
            roles,
            states,
            rows: rows.into_iter().map(RowView::from).collect(),
            total,
            first,
            last,
            previous: (page_no > 1).then(|| link(page_no - 1)),
            next: (last < total).then(|| link(page_no + 1)),
            back: link(page_no),
            notice,
            problem: problem_text(&p.problem),
            can_invite: admin.access.allows(Permission::InviteMembers),
        },
    ))
}

/// The form of *Invite Member*, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    note: String,
    /// A Network Admin's permission template (`admin` when absent or unknown).
    #[serde(default)]
    template: String,
}

/// A problem with one field of the form.
#[derive(Debug, Default)]
pub struct FieldErrors {
    pub kind: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub note: Option<String>,
}

impl FieldErrors {
    fn any(&self) -> bool {
        self.kind.is_some()
            || self.first_name.is_some()
            || self.last_name.is_some()
            || self.email.is_some()
            || self.note.is_some()
    }
}

#[derive(Template)]
#[template(path = "console/invite.html")]
struct InvitePage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    network_id: i64,
    network_name: String,
    form_token: String,
    form: InviteForm,
    errors: FieldErrors,
    /// A problem with the whole form (not one field).
    problem: Option<String>,
    /// The pending invitation to the typed address, offered to re-send.
    resend_id: Option<i64>,
    note_max: usize,
    templates: Vec<TemplateOption>,
}

impl InvitePage {
    fn kind_is(&self, kind: &str) -> bool {
        self.form.kind == kind || (kind == "ally" && self.form.kind.is_empty())
    }

    fn template_is(&self, template: &str) -> bool {
        chosen_template(&self.form.template).as_str() == template
    }
}

/// The template the Invite Member form asks for: Admin unless another is chosen.
fn chosen_template(value: &str) -> PermissionTemplate {
    PermissionTemplate::parse(value).unwrap_or(PermissionTemplate::Admin)
}

/// One permission template as the form offers it.
pub struct TemplateOption {
    pub value: &'static str,
    pub label: &'static str,
}

pub(super) fn template_options() -> Vec<TemplateOption> {
    PermissionTemplate::ALL
        .into_iter()
        .map(|t| TemplateOption {
            value: t.as_str(),
            label: crate::i18n::template_label(t),
        })
        .collect()
}

/// `GET /admin/networks/{id}/team/invite`.
pub async fn invite_page(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let admin = inviting_network(&app, &user, network_id).await?;
    let network = admin.network.clone();
    Ok(render(
        StatusCode::OK,
        &InvitePage {
            m: crate::i18n::Ui::current(),
            shell: Some(user.shell(&form_token, Some(admin.clone()), Current::Invite)),
            network_id: network.id,
            network_name: network.name,
            form_token: form_token.0.clone(),
            form: InviteForm::default(),
            errors: FieldErrors::default(),
            problem: None,
            resend_id: None,
            note_max: INVITATION_NOTE_MAX_CHARS,
            templates: template_options(),
        },
    ))
}

/// A name field's problem in the page's language (the service's words are English).
fn name_error(e: InviteError, first: bool, value: &str) -> String {
    use crate::i18n::{lang, m, Lang};
    if lang() == Lang::En {
        return invalid(e);
    }
    let value = value.trim();
    if value.is_empty() {
        if first {
            m().err_first_name_empty
        } else {
            m().err_last_name_empty
        }
        .to_string()
    } else if value.chars().count() > crate::invite::MAX_NAME_CHARS {
        crate::i18n::name_too_long(lang(), first, crate::invite::MAX_NAME_CHARS)
    } else {
        m().err_name_control.to_string()
    }
}

fn invalid(e: InviteError) -> String {
    match e {
        InviteError::Invalid(message) => sentence(&message),
        other => sentence(&other.to_string()),
    }
}

/// `POST /admin/networks/{id}/team/invite`: *Send Invite*.
pub async fn invite(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
    form: Result<Form<InviteForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let admin = inviting_network(&app, &user, network_id).await?;
    let network = admin.network.clone();
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let mut errors = FieldErrors::default();
    let role = match form.kind.as_str() {
        "ally" => Some(Role::Ally),
        "network_admin" => Some(Role::NetworkAdmin),
        _ => {
            errors.kind = Some(crate::i18n::m().err_choose_kind.to_string());
            None
        }
    };
    let first = check_name("first name", &form.first_name)
        .map_err(|e| errors.first_name = Some(name_error(e, true, &form.first_name)))
        .ok();
    let last = check_name("last name", &form.last_name)
        .map_err(|e| errors.last_name = Some(name_error(e, false, &form.last_name)))
        .ok();
    let email = if form.email.trim().is_empty() {
        errors.email = Some(crate::i18n::m().err_enter_their_email.to_string());
        None
    } else {
        check_email(&form.email)
            .map_err(|_| {
                errors.email = Some(crate::i18n::invalid_email(
                    crate::i18n::lang(),
                    form.email.trim(),
                ))
            })
            .ok()
    };
    let note = check_note(Some(&form.note))
        .map_err(|_| {
            let too_long = form.note.trim().chars().count() > INVITATION_NOTE_MAX_CHARS;
            errors.note = Some(crate::i18n::note_problem(
                crate::i18n::lang(),
                too_long,
                INVITATION_NOTE_MAX_CHARS,
            ))
        })
        .ok()
        .flatten();
    let again = |status, errors, problem, resend_id| {
        render(
            status,
            &InvitePage {
                m: crate::i18n::Ui::current(),
                shell: Some(user.shell(&form_token, Some(admin.clone()), Current::Invite)),
                network_id: network.id,
                network_name: network.name.clone(),
                form_token: form_token.0.clone(),
                form: InviteForm {
                    kind: form.kind.clone(),
                    first_name: form.first_name.clone(),
                    last_name: form.last_name.clone(),
                    email: form.email.clone(),
                    note: form.note.clone(),
                    template: form.template.clone(),
                },
                errors,
                problem,
                resend_id,
                note_max: INVITATION_NOTE_MAX_CHARS,
                templates: template_options(),
            },
        )
    };
    let (Some(role), Some(first), Some(last), Some(email), false) =
        (role, first, last, email, errors.any())
    else {
        return Ok(again(StatusCode::UNPROCESSABLE_ENTITY, errors, None, None));
    };
    let request = InvitationRequest {
        name: format!("{first} {last}"),
        email,
        role,
        note,
        permissions: (role == Role::NetworkAdmin)
            .then(|| chosen_template(&form.template).permissions()),
    };
    if let Err(too_long) = request.check_bounds() {
        errors.last_name = Some(crate::i18n::too_long(crate::i18n::lang(), &too_long));
        return Ok(again(StatusCode::UNPROCESSABLE_ENTITY, errors, None, None));
    }
    // Already invited: the API would replace the invitation; here the admin chooses to
    // re-send it (or not).
    if let Some(pending) = app
        .repo()
        .pending_invitation_id(network.id, &request.email, app.now())
        .await?
    {
        errors.email = Some(crate::i18n::already_invited(
            crate::i18n::lang(),
            &request.email,
            &network.name,
        ));
        return Ok(again(StatusCode::CONFLICT, errors, None, Some(pending)));
    }
    match app
        .invite_member(Actor::Person(user.session.person_id), network.id, &request)
        .await
    {
        Ok(queued) => Ok(see_other(&format!(
            "{}?done=invited&invitation={}",
            team_path(network.id),
            queued.invitation_id
        ))),
        Err(InviteError::AlreadyMember(email)) => {
            errors.email = Some(crate::i18n::already_member(
                crate::i18n::lang(),
                &email,
                &network.name,
            ));
            Ok(again(StatusCode::CONFLICT, errors, None, None))
        }
        Err(InviteError::TooManyEmails {
            email,
            sent,
            retry_after,
        }) => Ok(again(
            StatusCode::TOO_MANY_REQUESTS,
            errors,
            Some(crate::i18n::too_many_invitation_emails(
                crate::i18n::lang(),
                &email,
                sent,
                retry_after,
            )),
            None,
        )),
        Err(InviteError::Invalid(message)) => Ok(again(
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            Some(sentence(&message)),
            None,
        )),
        Err(InviteError::BeyondYourPermissions) => Ok(again(
            StatusCode::FORBIDDEN,
            errors,
            Some(
                crate::i18n::lang()
                    .messages()
                    .err_beyond_your_permissions
                    .to_string(),
            ),
            None,
        )),
        Err(InviteError::Repo(e)) => Err(e.into()),
        Err(other) => Err(ConsoleError::Internal(other.to_string())),
    }
}

/// The hidden field the table's forms carry: the page to go back to.
#[derive(Debug, Default, Deserialize)]
pub struct BackForm {
    #[serde(default)]
    back: String,
}

/// Where to go after an action: the table as it was (if `back` is this network's table),
/// with the outcome added.
fn back_to(network_id: i64, back: &str, outcome: &str) -> Response {
    let path = team_path(network_id);
    let base = if safe_next(back) && (back == path || back.starts_with(&format!("{path}?"))) {
        back.to_string()
    } else {
        path
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    see_other(&format!("{base}{sep}{outcome}"))
}

/// `POST /admin/networks/{id}/invitations/{inv}/resend`: the API's re-send.
pub async fn resend(
    State(app): State<App>,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
    form: Result<Form<BackForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path((network_id, invitation_id))) = ids else {
        return Err(ConsoleError::NotFound);
    };
    let network = inviting_network(&app, &user, Ok(Path(network_id)))
        .await?
        .network;
    let back = form.map(|Form(f)| f.back).unwrap_or_default();
    let outcome = match app
        .resend_invitation(
            Actor::Person(user.session.person_id),
            network.id,
            invitation_id,
        )
        .await
    {
        Ok(queued) => format!("done=resent&invitation={}", queued.invitation_id),
        Err(InviteError::NotFound) => "problem=no_invitation".to_string(),
        Err(InviteError::TooManyEmails { .. }) => "problem=too_many_emails".to_string(),
        Err(
            InviteError::ResendAccepted
            | InviteError::ResendRevoked
            | InviteError::AlreadyMember(_),
        ) => "problem=cannot_resend".to_string(),
        Err(InviteError::Repo(e)) => return Err(e.into()),
        Err(other) => return Err(ConsoleError::Internal(other.to_string())),
    };
    Ok(back_to(network.id, &back, &outcome))
}

/// `POST /admin/networks/{id}/invitations/{inv}/revoke`: the API's revoke.
pub async fn revoke(
    State(app): State<App>,
    user: ConsoleUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
    form: Result<Form<BackForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Path((network_id, invitation_id))) = ids else {
        return Err(ConsoleError::NotFound);
    };
    let network = inviting_network(&app, &user, Ok(Path(network_id)))
        .await?
        .network;
    let back = form.map(|Form(f)| f.back).unwrap_or_default();
    let outcome = match app
        .revoke_invitation(
            Actor::Person(user.session.person_id),
            network.id,
            invitation_id,
        )
        .await
    {
        Ok(()) => "done=revoked",
        Err(InviteError::NotFound) => "problem=no_invitation",
        Err(InviteError::NotPending(_)) => "problem=not_pending",
        Err(InviteError::Repo(e)) => return Err(e.into()),
        Err(other) => return Err(ConsoleError::Internal(other.to_string())),
    };
    Ok(back_to(network.id, &back, outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
