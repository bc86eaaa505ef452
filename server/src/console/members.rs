//! A member's *Settings* page (seed 002): their role and permissions — a template or one by
//! one, then *Update* —, removing them from the network (with a confirmation page that works
//! without script), and the network's *Audit log*.
//!
//! The pages call the service functions of `crate::members`, the same as the API's
//! `/v1/networks/{id}/members/{person_id}` and `/v1/networks/{id}/audit`, so the permission
//! checks are one: any Network Admin sees a member, *Manage roles and permissions* changes
//! them and reads the log, *Remove members* removes.

use allyshare_protocol::{Permission, PermissionTemplate, Permissions, Role};
use askama::Template;
use axum::extract::rejection::{PathRejection, QueryRejection, RawFormRejection};
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::page::{
    admin_network_of, date, date_time, iso_date, iso_date_time, render, see_other, AdminNetwork,
    ConsoleError, Current, Shell,
};
use super::session::ConsoleUser;
use crate::cross_site::FormToken;
use crate::db::members::{Access, AuditAction, MemberRecord};
use crate::i18n::role_label;
use crate::i18n::Lang;
use crate::members::MemberError;
use crate::App;

/// Lines of one page of the audit log.
pub const AUDIT_PAGE_LINES: i64 = 50;

fn member_path(network_id: i64, person_id: i64) -> String {
    format!("/admin/networks/{network_id}/members/{person_id}")
}

/// One template as the form offers it.
pub struct TemplateChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: String,
    pub selected: bool,
}

/// One permission as the form offers it.
pub struct PermissionChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "console/member.html")]
struct MemberPage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    network_id: i64,
    network_name: String,
    form_token: String,
    member: MemberRecord,
    role_label: &'static str,
    is_ally: bool,
    joined: String,
    joined_iso: String,
    can_manage: bool,
    can_remove: bool,
    templates: Vec<TemplateChoice>,
    permissions: Vec<PermissionChoice>,
    /// The member's permissions, for a reader who cannot change them.
    held: Vec<&'static str>,
    notice: Option<&'static str>,
    problem: Option<String>,
    /// How many contacts the member shares, as the page's language writes numbers.
    contacts: String,
}

fn template_hint(template: PermissionTemplate) -> String {
    crate::i18n::template_hint(template).into()
}

fn member_page(
    user: &ConsoleUser,
    form_token: &FormToken,
    admin: &AdminNetwork,
    member: MemberRecord,
    shown: Access,
    notice: Option<&'static str>,
    problem: Option<String>,
) -> MemberPage {
    let template = match shown.role {
        Role::NetworkAdmin => PermissionTemplate::matching(shown.permissions),
        Role::Ally => None,
    };
    let mut templates: Vec<TemplateChoice> = PermissionTemplate::ALL
        .into_iter()
        .map(|t| TemplateChoice {
            value: t.as_str(),
            label: crate::i18n::template_label(t),
            hint: template_hint(t),
            selected: template == Some(t),
        })
        .collect();
    templates.push(TemplateChoice {
        value: "custom",
        label: crate::i18n::m().template_custom,
        hint: crate::i18n::m().template_custom_hint.into(),
        selected: shown.role == Role::NetworkAdmin && template.is_none(),
    });
    let permissions = Permission::ALL
        .into_iter()
        .map(|p| PermissionChoice {
            value: p.as_str(),
            label: crate::i18n::permission_label(p),
            selected: shown.permissions.contains(p),
        })
        .collect();
    MemberPage {
        m: crate::i18n::Ui::current(),
        shell: Some(user.shell(form_token, Some(admin.clone()), Current::Member)),
        network_id: admin.network.id,
        network_name: admin.network.name.clone(),
        form_token: form_token.0.clone(),
        role_label: role_label(member.access.role),
        is_ally: member.access.role == Role::Ally,
        joined: date(member.joined_at),
        joined_iso: iso_date(member.joined_at),
        can_manage: admin.access.allows(Permission::ManageRoles),
        can_remove: admin.access.allows(Permission::RemoveMembers),
        templates,
        permissions,
        held: member
            .access
            .permissions
            .iter()
            .map(crate::i18n::permission_label)
            .collect(),
        contacts: crate::i18n::number(crate::i18n::lang(), member.contacts),
        member,
        notice,
        problem,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct MemberParams {
    #[serde(default)]
    done: String,
}

fn ids(path: Result<Path<(i64, i64)>, PathRejection>) -> Result<(i64, i64), ConsoleError> {
    path.map(|Path(ids)| ids)
        .map_err(|_| ConsoleError::NotFound)
}

fn failure(e: MemberError) -> ConsoleError {
    match e {
        MemberError::Refused(failure) => failure.into(),
        MemberError::NotMember => ConsoleError::NotFound,
        MemberError::LastManager => ConsoleError::Internal(e.to_string()),
    }
}

/// `GET /admin/networks/{id}/members/{person}`: the member's Settings.
pub async fn page(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    path: Result<Path<(i64, i64)>, PathRejection>,
    params: Result<Query<MemberParams>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let (network_id, person_id) = ids(path)?;
    let admin = admin_network_of(&app, &user, Ok(Path(network_id)), None).await?;
    let (_, member) = app
        .member_settings(user.session.person_id, network_id, person_id)
        .await
        .map_err(failure)?;
    let notice = match params.map(|Query(p)| p.done).unwrap_or_default().as_str() {
        "updated" => Some(crate::i18n::m().updated),
        _ => None,
    };
    let shown = member.access;
    Ok(render(
        StatusCode::OK,
        &member_page(&user, &form_token, &admin, member, shown, notice, None),
    ))
}

/// What the Settings form sends: `role`, `template` (or `custom`), and each ticked
/// `permission` (a repeated field, hence read from the raw form).
#[derive(Debug, Default, PartialEq, Eq)]
struct AccessForm {
    role: Option<Role>,
    template: Option<PermissionTemplate>,
    custom: bool,
    permissions: Permissions,
}

/// Most fields read from one form (the form has fewer than 20).
const MAX_FIELDS: usize = 64;

fn parse_access_form(body: &[u8]) -> AccessForm {
    let mut form = AccessForm::default();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    for (key, value) in pairs.into_iter().take(MAX_FIELDS) {
        match key.as_str() {
            "role" => form.role = Role::parse(&value),
            "template" if value == "custom" => form.custom = true,
            "template" => form.template = PermissionTemplate::parse(&value),
            "permission" => {
                if let Some(p) = Permission::parse(&value) {
                    form.permissions = form.permissions.with(p);
                }
            }
            _ => {}
        }
    }
    form
}

/// `POST /admin/networks/{id}/members/{person}`: *Update*.
pub async fn update(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    path: Result<Path<(i64, i64)>, PathRejection>,
    form: Result<RawForm, RawFormRejection>,
) -> Result<Response, ConsoleError> {
    let (network_id, person_id) = ids(path)?;
    let admin = admin_network_of(
        &app,
        &user,
        Ok(Path(network_id)),
        Some(Permission::ManageRoles),
    )
    .await?;
    let form = form
        .map(|RawForm(body)| parse_access_form(&body))
        .unwrap_or_default();
    let again = |member: MemberRecord, shown: Access, problem: String| {
        render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &member_page(
                &user,
                &form_token,
                &admin,
                member,
                shown,
                None,
                Some(problem),
            ),
        )
    };
    let current = app
        .member_settings(user.session.person_id, network_id, person_id)
        .await
        .map_err(failure)?
        .1;
    let Some(role) = form.role else {
        let shown = current.access;
        return Ok(again(
            current,
            shown,
            crate::i18n::m().err_choose_kind.into(),
        ));
    };
    let permissions = match (role, form.template, form.custom) {
        (Role::Ally, _, _) => Permissions::NONE,
        (Role::NetworkAdmin, Some(template), _) => template.permissions(),
        (Role::NetworkAdmin, None, true) => form.permissions,
        (Role::NetworkAdmin, None, false) => {
            let shown = Access {
                role,
                permissions: form.permissions,
            };
            return Ok(again(
                current,
                shown,
                crate::i18n::m().err_choose_template.into(),
            ));
        }
    };
    let access = Access { role, permissions };
    match app
        .set_member_access(user.session.person_id, network_id, person_id, access)
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "{}?done=updated",
            member_path(network_id, person_id)
        ))),
        Err(MemberError::LastManager) => {
            let mut response = again(
                current,
                access,
                crate::i18n::m().err_last_manager.to_string(),
            );
            *response.status_mut() = StatusCode::CONFLICT;
            Ok(response)
        }
        Err(e) => Err(failure(e)),
    }
}

#[derive(Template)]
#[template(path = "console/member_remove.html")]
struct RemovePage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    network_id: i64,
    network_name: String,
    form_token: String,
    member: MemberRecord,
    is_ally: bool,
    problem: Option<String>,
    contacts: String,
}

async fn removing(
    app: &App,
    user: &ConsoleUser,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<(AdminNetwork, MemberRecord), ConsoleError> {
    let (network_id, person_id) = ids(path)?;
    let admin = admin_network_of(
        app,
        user,
        Ok(Path(network_id)),
        Some(Permission::RemoveMembers),
    )
    .await?;
    let (_, member) = app
        .member_settings(user.session.person_id, network_id, person_id)
        .await
        .map_err(failure)?;
    Ok((admin, member))
}

fn remove_page(
    user: &ConsoleUser,
    form_token: &FormToken,
    admin: &AdminNetwork,
    member: MemberRecord,
    problem: Option<String>,
) -> RemovePage {
    RemovePage {
        m: crate::i18n::Ui::current(),
        shell: Some(user.shell(form_token, Some(admin.clone()), Current::Member)),
        network_id: admin.network.id,
        network_name: admin.network.name.clone(),
        form_token: form_token.0.clone(),
        is_ally: member.access.role == Role::Ally,
        contacts: crate::i18n::number(crate::i18n::lang(), member.contacts),
        member,
        problem,
    }
}

/// `GET /admin/networks/{id}/members/{person}/remove`: the confirmation.
pub async fn remove_confirm(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let (admin, member) = removing(&app, &user, path).await?;
    Ok(render(
        StatusCode::OK,
        &remove_page(&user, &form_token, &admin, member, None),
    ))
}

/// `POST /admin/networks/{id}/members/{person}/remove`.
pub async fn remove(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let (admin, member) = removing(&app, &user, path).await?;
    match app
        .remove_member(user.session.person_id, admin.network.id, member.person_id)
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/admin/networks/{}/team?done=removed",
            admin.network.id
        ))),
        Err(MemberError::LastManager) => Ok(render(
            StatusCode::CONFLICT,
            &remove_page(
                &user,
                &form_token,
                &admin,
                member,
                Some(crate::i18n::m().err_last_manager.to_string()),
            ),
        )),
        Err(e) => Err(failure(e)),
    }
}

/// One line of the log as the page shows it.
pub struct AuditLine {
    pub at: String,
    pub at_iso: String,
    pub actor: String,
    pub action: &'static str,
    pub subject: String,
    pub detail: Option<String>,
}

fn action_words(action: AuditAction) -> &'static str {
    let m = crate::i18n::m();
    match action {
        AuditAction::Invited => m.audit_invited,
        AuditAction::Resent => m.audit_resent,
        AuditAction::Revoked => m.audit_revoked,
        AuditAction::ImportedCsv => m.audit_imported,
        AuditAction::AccessChanged => m.audit_access_changed,
        AuditAction::Removed => m.audit_removed,
        AuditAction::Exported => m.audit_exported,
        AuditAction::ListCreated => m.audit_list_created,
        AuditAction::ListRenamed => m.audit_list_renamed,
        AuditAction::ListDeleted => m.audit_list_deleted,
        AuditAction::ListContactsAdded => m.audit_list_added,
        AuditAction::ListContactsRemoved => m.audit_list_removed,
        AuditAction::ListAsked => m.audit_list_asked,
    }
}

// The log's words in the reader's language. A line's subject and detail are stored as the
// API returns them, in English, written by a few fixed sentences (`members::access_words`,
// `lists::contacts_word` and the formats in `lists.rs` and `App::import_invitations`): the page
// reads those sentences back into their parts and words them again, so every line, old or new,
// reads in French. A detail of another shape shows as it was stored.

/// A line's subject: a person, a list's name, or the words for a CSV file.
fn audit_subject(lang: Lang, subject: &str) -> String {
    if lang == Lang::En {
        return subject.to_string();
    }
    if subject == "A CSV file" {
        return lang.messages().audit_a_csv_file.to_string();
    }
    match subject
        .strip_prefix("List ")
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
    {
        Some(id) => format!("Liste {id}"),
        None => subject.to_string(),
    }
}

/// A line's detail in `lang`.
fn audit_detail(lang: Lang, action: AuditAction, detail: &str) -> String {
    if lang == Lang::En {
        return detail.to_string();
    }
    reworded(lang, action, detail).unwrap_or_else(|| detail.to_string())
}

/// `12` or `1,234` as the detail writes it.
fn stored_count(text: &str) -> Option<u64> {
    let digits: String = text.chars().filter(|c| *c != ',').collect();
    digits.parse().ok()
}

/// `1 contact` / `12 contacts`.
fn stored_contacts(text: &str) -> Option<u64> {
    let n = text
        .strip_suffix(" contacts")
        .or_else(|| text.strip_suffix(" contact"))?;
    stored_count(n)
}

/// A role and permissions as `members::access_words` writes them, in `lang`.
fn reworded_access(lang: Lang, text: &str) -> Option<String> {
    use allyshare_protocol::PermissionTemplate;
    if text == crate::members::role_label(Role::Ally) {
        return Some(crate::i18n::role_label_in(lang, Role::Ally).to_string());
    }
    // A Company Admin invited, re-sent, revoked or removed (`crate::db::companies`).
    if let Some(company) = text.strip_prefix("Company Admin of ") {
        return Some(format!("{} {company}", lang.messages().ig_company_admin_of));
    }
    let inner = text.strip_prefix("Network Admin (")?.strip_suffix(')')?;
    let what = if inner == "no permissions" {
        lang.messages().no_permissions_lower.to_string()
    } else if let Some(template) = inner.strip_suffix(" template") {
        let template = PermissionTemplate::ALL
            .into_iter()
            .find(|t| t.label() == template)?;
        format!(
            "{} {}",
            lang.messages().template_word,
            crate::i18n::template_label_in(lang, template)
        )
    } else {
        inner
            .split(", ")
            .map(|label| {
                Permission::ALL
                    .into_iter()
                    .find(|p| p.label() == label)
                    .map(|p| crate::i18n::permission_label_in(lang, p))
            })
            .collect::<Option<Vec<_>>>()?
            .join(", ")
    };
    Some(format!(
        "{} ({what})",
        crate::i18n::role_label_in(lang, Role::NetworkAdmin)
    ))
}

fn reworded(lang: Lang, action: AuditAction, detail: &str) -> Option<String> {
    let n = |v: u64| crate::i18n::number(lang, v as i64);
    let contacts = |v: u64| crate::i18n::contacts_count(lang, v);
    let plural = |v: u64| if v == 1 { "" } else { "s" };
    match action {
        AuditAction::Invited
        | AuditAction::Resent
        | AuditAction::Revoked
        | AuditAction::Removed => reworded_access(lang, detail),
        AuditAction::AccessChanged => {
            let (before, after) = detail.split_once(" → ")?;
            Some(format!(
                "{} → {}",
                reworded_access(lang, before)?,
                reworded_access(lang, after)?
            ))
        }
        AuditAction::ImportedCsv => {
            let (sent, rest) = detail.split_once(" invited as ")?;
            let (role, rows) = rest.split_once(" from ")?;
            let rows = rows.strip_suffix(" rows")?;
            let (sent, rows) = (stored_count(sent)?, stored_count(rows)?);
            // `Network Admin, Recruiter`: the template every invitation gave.
            let (role, template) = match role.split_once(", ") {
                Some((role, template)) => (
                    role,
                    Some(
                        PermissionTemplate::ALL
                            .into_iter()
                            .find(|t| t.label() == template)?,
                    ),
                ),
                None => (role, None),
            };
            let role = [Role::Ally, Role::NetworkAdmin]
                .into_iter()
                .find(|r| crate::members::role_label(*r) == role)?;
            let role = match template {
                Some(t) => format!(
                    "{}, {}",
                    crate::i18n::role_label_in(lang, role),
                    crate::i18n::template_label_in(lang, t)
                ),
                None => crate::i18n::role_label_in(lang, role).to_string(),
            };
            Some(format!(
                "{} invité{} en tant que {} sur {} ligne{}",
                n(sent),
                plural(sent),
                role,
                n(rows),
                plural(rows)
            ))
        }
        AuditAction::ListRenamed => {
            let before = detail.strip_prefix("Renamed from “")?.strip_suffix('”')?;
            Some(format!("Anciennement « {before} »"))
        }
        AuditAction::ListDeleted => {
            let held = stored_contacts(detail.strip_prefix("It held ")?)?;
            Some(format!("Elle contenait {}", contacts(held)))
        }
        AuditAction::ListContactsAdded => {
            let added = stored_contacts(detail.strip_suffix(" added")?)?;
            Some(format!("{} ajouté{}", contacts(added), plural(added)))
        }
        AuditAction::ListContactsRemoved => {
            let removed = stored_contacts(detail.strip_suffix(" removed")?)?;
            Some(format!("{} retiré{}", contacts(removed), plural(removed)))
        }
        AuditAction::Exported => {
            let exported = stored_contacts(detail.strip_prefix("Introduction list as CSV: ")?)?;
            Some(format!(
                "Liste de mises en relation en CSV : {}",
                contacts(exported)
            ))
        }
        AuditAction::ListAsked => {
            let (asks, skipped) = detail.split_once(" sent, ")?;
            let asks = stored_count(
                asks.strip_suffix(" asks")
                    .or_else(|| asks.strip_suffix(" ask"))?,
            )?;
            let skipped = stored_count(skipped.strip_suffix(" skipped")?)?;
            Some(format!(
                "{} demande{} envoyée{}, {} ignoré{}",
                n(asks),
                plural(asks),
                plural(asks),
                contacts(skipped),
                plural(skipped)
            ))
        }
        // A list's creation has no detail; an action added later shows its detail as stored.
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    network_name: String,
    entries: Vec<AuditLine>,
    newer: Option<String>,
    older: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditParams {
    #[serde(default)]
    before: String,
}

/// `GET /admin/networks/{id}/audit`.
pub async fn audit(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let admin = admin_network_of(&app, &user, network_id, Some(Permission::ManageRoles)).await?;
    let before = params
        .ok()
        .and_then(|Query(p)| p.before.parse::<i64>().ok())
        .filter(|b| *b > 0);
    let entries = app
        .audit_log(
            user.session.person_id,
            admin.network.id,
            before,
            AUDIT_PAGE_LINES,
        )
        .await?;
    let path = format!("/admin/networks/{}/audit", admin.network.id);
    let older = (entries.len() as i64 == AUDIT_PAGE_LINES)
        .then(|| entries.last().map(|e| format!("{path}?before={}", e.id)))
        .flatten();
    let newer = before.map(|_| path.clone());
    let entries = entries
        .into_iter()
        .map(|e| AuditLine {
            at: date_time(e.at),
            at_iso: iso_date_time(e.at),
            actor: match e.actor_id {
                // The operator's name is the log's words for them, not a person's.
                None if e.actor_name == crate::db::members::OPERATOR_NAME => {
                    crate::i18n::m().audit_operator.to_string()
                }
                _ => e.actor_name,
            },
            action: action_words(e.action),
            subject: audit_subject(crate::i18n::lang(), &e.subject),
            detail: e
                .detail
                .map(|d| audit_detail(crate::i18n::lang(), e.action, &d)),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &AuditPage {
            m: crate::i18n::Ui::current(),
            shell: Some(user.shell(&form_token, Some(admin.clone()), Current::Audit)),
            network_name: admin.network.name.clone(),
            entries,
            newer,
            older,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_detail_the_services_write_reads_back_in_french() {
        use crate::members::access_words;
        let fr = |action, detail: &str| reworded(Lang::Fr, action, detail);
        let admin = |permissions| Access {
            role: Role::NetworkAdmin,
            permissions,
        };
        let ally = Access {
            role: Role::Ally,
            permissions: Permissions::NONE,
        };
        for (access, french) in [
            (ally, "Allié"),
            (
                admin(PermissionTemplate::Viewer.permissions()),
                "Admin du réseau (modèle Lecteur)",
            ),
            (
                admin(Permissions::NONE),
                "Admin du réseau (aucune autorisation)",
            ),
            (
                admin(Permissions::from_iter([
                    Permission::InviteMembers,
                    Permission::ExportContacts,
                ])),
                "Admin du réseau (Inviter des membres, Exporter les contacts)",
            ),
        ] {
            let stored = access_words(access);
            assert_eq!(
                fr(AuditAction::Removed, &stored).as_deref(),
                Some(french),
                "{stored}"
            );
        }
        let change = format!(
            "{} → {}",
            access_words(ally),
            access_words(admin(PermissionTemplate::Admin.permissions()))
        );
        assert_eq!(
            fr(AuditAction::AccessChanged, &change).as_deref(),
            Some("Allié → Admin du réseau (modèle Administrateur)")
        );
        let contacts = crate::lists::contacts_word;
        for (action, stored, french) in [
            (
                AuditAction::ImportedCsv,
                "3 invited as Ally from 1200 rows".to_string(),
                "3 invités en tant que Allié sur 1\u{202f}200 lignes",
            ),
            (
                AuditAction::ImportedCsv,
                "2 invited as Network Admin, Viewer from 3 rows".to_string(),
                "2 invités en tant que Admin du réseau, Lecteur sur 3 lignes",
            ),
            (
                AuditAction::ListRenamed,
                "Renamed from “Q3 → Q4”".to_string(),
                "Anciennement « Q3 → Q4 »",
            ),
            (
                AuditAction::ListDeleted,
                format!("It held {}", contacts(1)),
                "Elle contenait 1 contact",
            ),
            (
                AuditAction::ListContactsAdded,
                format!("{} added", contacts(2)),
                "2 contacts ajoutés",
            ),
            (
                AuditAction::ListContactsRemoved,
                format!("{} removed", contacts(1)),
                "1 contact retiré",
            ),
            (
                AuditAction::Exported,
                format!("Introduction list as CSV: {}", contacts(1500)),
                "Liste de mises en relation en CSV : 1\u{202f}500 contacts",
            ),
            (
                AuditAction::ListAsked,
                "1 ask sent, 2 skipped".to_string(),
                "1 demande envoyée, 2 contacts ignorés",
            ),
        ] {
            assert_eq!(fr(action, &stored).as_deref(), Some(french), "{stored}");
        }
        // Another shape is shown as stored.
        assert_eq!(
            audit_detail(Lang::Fr, AuditAction::Exported, "Old words"),
            "Old words"
        );
        assert_eq!(audit_subject(Lang::Fr, "A CSV file"), "Un fichier CSV");
        assert_eq!(audit_subject(Lang::Fr, "List 12"), "Liste 12");
        assert_eq!(audit_subject(Lang::Fr, "Listes"), "Listes");
    }

    #[test]
    fn the_form_reads_a_template_or_each_permission() {
        let form = parse_access_form(
            b"role=network_admin&template=custom&permission=view_contacts&permission=manage_lists&permission=fly",
        );
        assert_eq!(form.role, Some(Role::NetworkAdmin));
        assert!(form.custom);
        assert_eq!(
            form.permissions,
            Permissions::from_iter([Permission::ViewContacts, Permission::ManageLists])
        );
        let form = parse_access_form(b"role=network_admin&template=viewer");
        assert_eq!(form.template, Some(PermissionTemplate::Viewer));
        assert_eq!(parse_access_form(b"role=owner").role, None);
    }
}
