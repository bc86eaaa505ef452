//! Introduction lists in the console: the network's lists (*New list*), and a list's page: its
//! contacts with the allies who know them (remove several at once), *Add contacts* (a search of
//! the network's contacts, several added at once), *Export CSV*, *Ask for introductions* for
//! the whole list, *Rename*, and *Delete* behind a confirmation page (a plain form, so it works
//! without script).
//!
//! Who may manage the lists but not view the network's contacts cannot see a list's page (it
//! shows contacts): a refused *New list* or *Rename* tells them why on a page of its own, in
//! the console's frame, and one that worked redirects as usual to the list's page, which then
//! tells them it is done (and nothing of the list) instead of refusing them.
//!
//! Every handler checks its permission on the server through [`admin_network_of`] and the
//! service function it calls ([`crate::lists`], the API's too); the page hides what the person
//! may not do, but hiding is not the check.

use std::collections::HashSet;

use allyshare_protocol::limits::NOTE_MAX_CHARS;
use allyshare_protocol::lists::{LIST_KEYS_MAX_PER_REQUEST, LIST_MAX_ENTRIES, LIST_NAME_MAX_CHARS};
use allyshare_protocol::{IntroList, IntroListDetail, Permission, SkipReason};
use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::page::{
    admin_network_of, date, iso_date, render, see_other, AdminNetwork, ConsoleError, Current, Shell,
};
use super::session::ConsoleUser;
use crate::cross_site::FormToken;
use crate::db::{ContactQuery, ContactSort};
use crate::lists::ListError;
use crate::App;

/// Most search results the *Add contacts* search shows.
pub const SEARCH_ROWS: usize = 25;
/// Longest search, in characters (the API's bound).
const SEARCH_MAX_CHARS: usize = 200;

fn lists_path(network_id: i64) -> String {
    format!("/admin/networks/{network_id}/lists")
}

fn list_path(network_id: i64, list_id: i64) -> String {
    format!("/admin/networks/{network_id}/lists/{list_id}")
}

/// The page of a list action that failed for a reason of its own (not a field's).
fn refused(e: ListError) -> ConsoleError {
    match e {
        ListError::Refused(failure) => failure.into(),
        ListError::NotFound => ConsoleError::NotFound,
        other => ConsoleError::Internal(other.to_string()),
    }
}

/// The network and list ids of a list's path.
fn ids(path: Result<Path<(i64, i64)>, PathRejection>) -> Result<(i64, i64), ConsoleError> {
    path.map(|Path(ids)| ids)
        .map_err(|_| ConsoleError::NotFound)
}

async fn network_for(
    app: &App,
    user: &ConsoleUser,
    network_id: i64,
    permission: Permission,
) -> Result<AdminNetwork, ConsoleError> {
    admin_network_of(app, user, Ok(Path(network_id)), Some(permission)).await
}

/// A row of the lists table.
pub struct ListRow {
    pub id: i64,
    pub name: String,
    pub entries: String,
    pub created_by: Option<String>,
    pub updated: String,
    pub updated_iso: String,
}

impl From<IntroList> for ListRow {
    fn from(list: IntroList) -> Self {
        ListRow {
            id: list.id,
            name: list.name,
            entries: crate::i18n::number(crate::i18n::lang(), list.entries as i64),
            created_by: list.created_by.map(|p| p.name),
            updated: date(list.updated_at),
            updated_iso: iso_date(list.updated_at),
        }
    }
}

#[derive(Template)]
#[template(path = "console/lists.html")]
struct ListsPage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    network_id: i64,
    network_name: String,
    form_token: String,
    lists: Vec<ListRow>,
    notice: Option<&'static str>,
    can_manage: bool,
    /// The *New list* field as typed, and its problem.
    name: String,
    name_error: Option<String>,
    name_max: usize,
}

/// After a form: what was done, as a fixed word (never text to show).
#[derive(Debug, Default, Deserialize)]
pub struct ListsParams {
    #[serde(default)]
    done: String,
}

/// Who asks for a page, and the browser's form token.
struct Asker<'a> {
    app: &'a App,
    user: &'a ConsoleUser,
    form_token: &'a FormToken,
}

async fn lists_view(
    Asker {
        app,
        user,
        form_token,
    }: Asker<'_>,
    admin: AdminNetwork,
    status: StatusCode,
    notice: Option<&'static str>,
    name: String,
    name_error: Option<String>,
) -> Result<Response, ConsoleError> {
    let network = admin.network.clone();
    let (access, lists) = app
        .intro_lists(user.session.person_id, network.id)
        .await
        .map_err(refused)?;
    Ok(render(
        status,
        &ListsPage {
            m: crate::i18n::Ui::current(),
            shell: Some(user.shell(form_token, Some(admin), Current::Lists)),
            network_id: network.id,
            network_name: network.name,
            form_token: form_token.0.clone(),
            lists: lists.into_iter().map(ListRow::from).collect(),
            notice,
            can_manage: access.allows(Permission::ManageLists),
            name,
            name_error,
            name_max: LIST_NAME_MAX_CHARS,
        },
    ))
}

/// `GET /admin/networks/{id}/lists`.
pub async fn lists_page(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
    params: Result<Query<ListsParams>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let admin = admin_network_of(&app, &user, network_id, Some(Permission::ViewContacts)).await?;
    let p = params.map(|Query(p)| p).unwrap_or_default();
    let notice = match p.done.as_str() {
        "deleted" => Some(crate::i18n::m().list_deleted),
        _ => None,
    };
    lists_view(
        Asker {
            app: &app,
            user: &user,
            form_token: &form_token,
        },
        admin,
        StatusCode::OK,
        notice,
        String::new(),
        None,
    )
    .await
}

/// The form of *New list* and *Rename*.
#[derive(Debug, Default, Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

/// A refusal of the service in the page's language.
fn words(e: &ListError) -> String {
    crate::i18n::list_error(crate::i18n::lang(), e)
}

/// The status and words of a name the service refused, or the failure page.
fn name_problem(e: ListError) -> Result<(StatusCode, String), ConsoleError> {
    match e {
        e @ ListError::InvalidName(_) => Ok((StatusCode::UNPROCESSABLE_ENTITY, words(&e))),
        e @ ListError::DuplicateName(_) => Ok((StatusCode::CONFLICT, words(&e))),
        e @ ListError::TooManyLists => Ok((StatusCode::UNPROCESSABLE_ENTITY, words(&e))),
        other => Err(refused(other)),
    }
}

#[derive(Template)]
#[template(path = "console/list_unseen.html")]
struct UnseenListPage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    heading: &'static str,
    /// Why the name was refused, and what to do.
    problem: Option<String>,
}

/// Whether the person may see a list's page (it shows the network's contacts). Who may manage
/// the lists but not view the contacts is told the outcome of *New list* or *Rename* on a page
/// of its own ([`unseen_list_outcome`]) instead of the list's page, which would refuse them.
fn sees_lists(admin: &AdminNetwork) -> bool {
    admin.access.allows(Permission::ViewContacts)
}

/// The outcome of *New list* or *Rename* for who may not see the lists, in the console's frame:
/// what happened (the name's problem, if refused) and why the list is not shown.
fn unseen_list_outcome(
    user: &ConsoleUser,
    form_token: &FormToken,
    admin: AdminNetwork,
    status: StatusCode,
    heading: &'static str,
    problem: Option<String>,
) -> Response {
    render(
        status,
        &UnseenListPage {
            m: crate::i18n::Ui::current(),
            shell: Some(user.shell(form_token, Some(admin), Current::Lists)),
            heading,
            problem,
        },
    )
}

/// `POST /admin/networks/{id}/lists`: *New list*.
pub async fn create(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
    form: Result<Form<NameForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let admin = admin_network_of(&app, &user, network_id, Some(Permission::ManageLists)).await?;
    let network_id = admin.network.id;
    let form = form.map(|Form(f)| f).unwrap_or_default();
    match app
        .create_intro_list(user.session.person_id, network_id, &form.name)
        .await
    {
        Ok(list) => Ok(see_other(&format!(
            "{}?done=created",
            list_path(network_id, list.id)
        ))),
        Err(e) => {
            let (status, message) = name_problem(e)?;
            if !sees_lists(&admin) {
                return Ok(unseen_list_outcome(
                    &user,
                    &form_token,
                    admin,
                    status,
                    crate::i18n::m().list_not_created,
                    Some(message),
                ));
            }
            lists_view(
                Asker {
                    app: &app,
                    user: &user,
                    form_token: &form_token,
                },
                admin,
                status,
                None,
                form.name,
                Some(message),
            )
            .await
        }
    }
}

/// An ally who knows a contact, as the list shows them.
pub struct AllyView {
    pub name: String,
    /// `2 Jun 2019`: when they connected.
    pub since: Option<String>,
}

/// A contact of the list, as its table shows it.
pub struct EntryView {
    pub key: String,
    pub name: String,
    pub profile_url: String,
    pub headline: String,
    pub known_by: Vec<AllyView>,
    pub added_by: Option<String>,
    pub added: String,
    pub added_iso: String,
}

/// A contact found by *Add contacts*.
pub struct ResultView {
    pub key: String,
    pub name: String,
    pub headline: String,
    pub known_by: String,
    pub on_list: bool,
}

#[derive(Template)]
#[template(path = "console/list.html")]
struct ListPage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    network_id: i64,
    form_token: String,
    list: IntroList,
    count_words: String,
    created_by: Option<String>,
    updated: String,
    updated_iso: String,
    entries: Vec<EntryView>,
    notice: Option<String>,
    problem: Option<String>,
    can_manage: bool,
    can_export: bool,
    can_ask: bool,
    q: String,
    searched: bool,
    results: Vec<ResultView>,
    more_results: bool,
    /// Whether a result is not on the list yet (the *Add selected* button).
    any_addable: bool,
    /// The *Rename* field (the list's name, or as typed), and its problem.
    name: String,
    name_error: Option<String>,
    name_max: usize,
    /// The *Ask for introductions* note as typed, and its problem.
    note: String,
    note_error: Option<String>,
    note_max: usize,
}

/// The list page's query string: the search, and what a form did (fixed words and numbers).
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    done: String,
    #[serde(default)]
    problem: String,
    #[serde(default)]
    added: String,
    #[serde(default)]
    already: String,
    #[serde(default)]
    not_found: String,
    #[serde(default)]
    removed: String,
    #[serde(default)]
    room: String,
}

fn count(value: &str) -> u64 {
    value.parse().unwrap_or(0)
}

fn notice_text(p: &ListParams) -> Option<String> {
    let lang = crate::i18n::lang();
    Some(match p.done.as_str() {
        "created" => lang.messages().list_created.to_string(),
        "renamed" => lang.messages().list_renamed.to_string(),
        "added" => crate::i18n::list_added(
            lang,
            count(&p.added),
            count(&p.already),
            count(&p.not_found),
        ),
        "removed" => crate::i18n::list_removed(lang, count(&p.removed)),
        _ => return None,
    })
}

fn problem_text(p: &ListParams) -> Option<String> {
    let lang = crate::i18n::lang();
    Some(match p.problem.as_str() {
        "none_selected" => lang.messages().none_selected.to_string(),
        "too_many_selected" => crate::i18n::too_many_selected(lang, LIST_KEYS_MAX_PER_REQUEST),
        "too_many" => words(&ListError::TooManyEntries(count(&p.room))),
        _ => return None,
    })
}

/// `2019-06-02` → `2 Jun 2019` (as it is if it is not such a date).
fn connected_date(value: &str) -> String {
    let parts: Vec<i64> = value.split('-').filter_map(|p| p.parse().ok()).collect();
    match parts.as_slice() {
        [year, month @ 1..=12, day @ 1..=31] => {
            crate::i18n::date(crate::i18n::lang(), *year, *month, *day)
        }
        _ => value.to_string(),
    }
}

/// What a list page shows besides the list: the forms as typed, and their problems.
#[derive(Default)]
struct Typed {
    name: Option<String>,
    name_error: Option<String>,
    note: String,
    note_error: Option<String>,
}

async fn list_view(
    Asker {
        app,
        user,
        form_token,
    }: Asker<'_>,
    admin: AdminNetwork,
    list_id: i64,
    params: &ListParams,
    status: StatusCode,
    typed: Typed,
) -> Result<Response, ConsoleError> {
    let network_id = admin.network.id;
    let (access, IntroListDetail { list, entries }) = app
        .intro_list(user.session.person_id, network_id, list_id)
        .await
        .map_err(refused)?;
    let can_manage = access.allows(Permission::ManageLists);
    let on_list: HashSet<&str> = entries.iter().map(|e| e.key.as_str()).collect();
    let q: String = params
        .q
        .as_deref()
        .unwrap_or("")
        .trim()
        .chars()
        .take(SEARCH_MAX_CHARS)
        .collect();
    let searched = can_manage && params.q.is_some();
    let (mut results, mut more_results) = (Vec::new(), false);
    if searched {
        // The network's contacts, as `GET /v1/networks/{id}/contacts` shows them: this page
        // was allowed for a person who may see them.
        let (found, next) = app
            .repo()
            .network_contacts(
                network_id,
                &ContactQuery {
                    search: q.clone(),
                    ally_id: None,
                    connected_since: None,
                    sort: ContactSort::Name,
                    after: None,
                    limit: SEARCH_ROWS,
                },
            )
            .await?;
        more_results = next.is_some();
        results = found
            .into_iter()
            .map(|c| ResultView {
                on_list: on_list.contains(c.key.as_str()),
                name: c.contact.display_name(),
                headline: c.contact.headline.clone().unwrap_or_default(),
                known_by: c
                    .known_by
                    .iter()
                    .map(|k| k.ally.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                key: c.key,
            })
            .collect();
    }
    let entry_views = entries
        .iter()
        .map(|e| EntryView {
            key: e.key.clone(),
            name: e.contact.display_name(),
            profile_url: e.contact.profile_url.clone(),
            headline: e.contact.headline.clone().unwrap_or_default(),
            known_by: e
                .known_by
                .iter()
                .map(|k| AllyView {
                    name: k.ally.name.clone(),
                    since: k.connected_on.as_deref().map(connected_date),
                })
                .collect(),
            added_by: e.added_by.as_ref().map(|p| p.name.clone()),
            added: date(e.added_at),
            added_iso: iso_date(e.added_at),
        })
        .collect();
    let page = ListPage {
        m: crate::i18n::Ui::current(),
        shell: Some(user.shell(form_token, Some(admin), Current::Lists)),
        network_id,
        form_token: form_token.0.clone(),
        count_words: crate::i18n::contacts_count(crate::i18n::lang(), list.entries),
        created_by: list.created_by.as_ref().map(|p| p.name.clone()),
        updated: date(list.updated_at),
        updated_iso: iso_date(list.updated_at),
        entries: entry_views,
        notice: notice_text(params),
        problem: problem_text(params),
        can_manage,
        can_export: access.allows(Permission::ExportContacts),
        can_ask: access.allows(Permission::AskIntroductions),
        q,
        searched,
        any_addable: results.iter().any(|r| !r.on_list),
        results,
        more_results,
        name: typed.name.unwrap_or_else(|| list.name.clone()),
        name_error: typed.name_error,
        name_max: LIST_NAME_MAX_CHARS,
        note: typed.note,
        note_error: typed.note_error,
        note_max: NOTE_MAX_CHARS,
        list,
    };
    Ok(render(status, &page))
}

/// `GET /admin/networks/{id}/lists/{list}`.
pub async fn list_page(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    path: Result<Path<(i64, i64)>, PathRejection>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let (network_id, list_id) = ids(path)?;
    let p = params.map(|Query(p)| p).unwrap_or_default();
    let admin = match network_for(&app, &user, network_id, Permission::ViewContacts).await {
        // After their own *New list* or *Rename*, who may manage the lists but not see them
        // is told it is done (the page shows nothing of the list).
        Err(ConsoleError::NotPermitted) if matches!(p.done.as_str(), "created" | "renamed") => {
            let admin = network_for(&app, &user, network_id, Permission::ManageLists).await?;
            let m = crate::i18n::m();
            let heading = if p.done == "created" {
                m.list_created_heading
            } else {
                m.list_renamed_heading
            };
            return Ok(unseen_list_outcome(
                &user,
                &form_token,
                admin,
                StatusCode::OK,
                heading,
                None,
            ));
        }
        admin => admin?,
    };
    list_view(
        Asker {
            app: &app,
            user: &user,
            form_token: &form_token,
        },
        admin,
        list_id,
        &p,
        StatusCode::OK,
        Typed::default(),
    )
    .await
}

/// `POST /admin/networks/{id}/lists/{list}/rename`.
pub async fn rename(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    path: Result<Path<(i64, i64)>, PathRejection>,
    form: Result<Form<NameForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let (network_id, list_id) = ids(path)?;
    let admin = network_for(&app, &user, network_id, Permission::ManageLists).await?;
    let form = form.map(|Form(f)| f).unwrap_or_default();
    match app
        .rename_intro_list(user.session.person_id, network_id, list_id, &form.name)
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "{}?done=renamed",
            list_path(network_id, list_id)
        ))),
        Err(e) => {
            let (status, message) = name_problem(e)?;
            if !sees_lists(&admin) {
                return Ok(unseen_list_outcome(
                    &user,
                    &form_token,
                    admin,
                    status,
                    crate::i18n::m().list_not_renamed,
                    Some(message),
                ));
            }
            list_view(
                Asker {
                    app: &app,
                    user: &user,
                    form_token: &form_token,
                },
                admin,
                list_id,
                &ListParams::default(),
                status,
                Typed {
                    name: Some(form.name),
                    name_error: Some(message),
                    ..Typed::default()
                },
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "console/list_delete.html")]
struct DeletePage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    network_id: i64,
    list_id: i64,
    name: String,
    count_words: String,
    form_token: String,
}

/// `GET /admin/networks/{id}/lists/{list}/delete`: the confirmation.
pub async fn delete_page(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let (network_id, list_id) = ids(path)?;
    let admin = network_for(&app, &user, network_id, Permission::ManageLists).await?;
    // Checked above: who may delete the list may see what they delete (its name and size).
    let list = app
        .repo()
        .intro_list(network_id, list_id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    Ok(render(
        StatusCode::OK,
        &DeletePage {
            m: crate::i18n::Ui::current(),
            shell: Some(user.shell(&form_token, Some(admin), Current::Lists)),
            network_id,
            list_id,
            count_words: crate::i18n::contacts_count(crate::i18n::lang(), list.entries),
            name: list.name,
            form_token: form_token.0.clone(),
        },
    ))
}

/// `POST /admin/networks/{id}/lists/{list}/delete`.
pub async fn delete(
    State(app): State<App>,
    user: ConsoleUser,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let (network_id, list_id) = ids(path)?;
    network_for(&app, &user, network_id, Permission::ManageLists).await?;
    app.delete_intro_list(user.session.person_id, network_id, list_id)
        .await
        .map_err(refused)?;
    Ok(see_other(&format!(
        "{}?done=deleted",
        lists_path(network_id)
    )))
}

/// The fields of a form that selects contacts (`key`, repeated) and may carry the search.
fn selected(form: Result<Form<Vec<(String, String)>>, FormRejection>) -> (Vec<String>, String) {
    let pairs = form.map(|Form(p)| p).unwrap_or_default();
    let mut keys = Vec::new();
    let mut q = String::new();
    for (name, value) in pairs {
        match name.as_str() {
            "key" => keys.push(value),
            "q" => q = value.chars().take(SEARCH_MAX_CHARS).collect(),
            _ => {}
        }
    }
    (keys, q)
}

/// The list page with this outcome, and the search (if any) open again.
fn back_to_list(
    network_id: i64,
    list_id: i64,
    outcome: &[(&str, String)],
    q: Option<&str>,
) -> Response {
    let mut pairs: Vec<(&str, String)> = outcome.to_vec();
    if let Some(q) = q {
        pairs.push(("q", q.to_string()));
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let anchor = if q.is_some() { "#add-heading" } else { "" };
    see_other(&format!(
        "{}?{query}{anchor}",
        list_path(network_id, list_id)
    ))
}

/// `POST /admin/networks/{id}/lists/{list}/add`: *Add selected to the list*.
pub async fn add(
    State(app): State<App>,
    user: ConsoleUser,
    path: Result<Path<(i64, i64)>, PathRejection>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let (network_id, list_id) = ids(path)?;
    network_for(&app, &user, network_id, Permission::ManageLists).await?;
    let (keys, q) = selected(form);
    let back = |outcome: &[(&str, String)]| back_to_list(network_id, list_id, outcome, Some(&q));
    if keys.is_empty() {
        return Ok(back(&[("problem", "none_selected".into())]));
    }
    if keys.len() > LIST_KEYS_MAX_PER_REQUEST {
        return Ok(back(&[("problem", "too_many_selected".into())]));
    }
    match app
        .add_to_intro_list(user.session.person_id, network_id, list_id, &keys)
        .await
    {
        Ok(added) => Ok(back(&[
            ("done", "added".into()),
            ("added", added.added.to_string()),
            ("already", added.already_there.to_string()),
            ("not_found", added.not_found.to_string()),
        ])),
        Err(ListError::TooManyEntries(room)) => Ok(back(&[
            ("problem", "too_many".into()),
            ("room", room.to_string()),
        ])),
        Err(e) => Err(refused(e)),
    }
}

/// `POST /admin/networks/{id}/lists/{list}/remove`: *Remove selected from the list*.
pub async fn remove(
    State(app): State<App>,
    user: ConsoleUser,
    path: Result<Path<(i64, i64)>, PathRejection>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let (network_id, list_id) = ids(path)?;
    network_for(&app, &user, network_id, Permission::ManageLists).await?;
    let (keys, _) = selected(form);
    let back = |outcome: &[(&str, String)]| back_to_list(network_id, list_id, outcome, None);
    if keys.is_empty() {
        return Ok(back(&[("problem", "none_selected".into())]));
    }
    // A list holds at most this many: a form with more was not made by the page.
    if keys.len() > LIST_MAX_ENTRIES {
        return Ok(back(&[("problem", "too_many_selected".into())]));
    }
    let removed = app
        .remove_from_intro_list(user.session.person_id, network_id, list_id, &keys)
        .await
        .map_err(refused)?;
    Ok(back(&[
        ("done", "removed".into()),
        ("removed", removed.to_string()),
    ]))
}

/// `GET /admin/networks/{id}/lists/{list}/export`: *Export CSV* (logged as an export).
pub async fn export(
    State(app): State<App>,
    user: ConsoleUser,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let (network_id, list_id) = ids(path)?;
    network_for(&app, &user, network_id, Permission::ExportContacts).await?;
    let (list, csv) = app
        .export_intro_list(
            user.session.person_id,
            network_id,
            list_id,
            crate::i18n::lang(),
        )
        .await
        .map_err(refused)?;
    Ok(crate::api::lists::csv_response(
        &crate::lists::csv_file_name(&list),
        csv,
    ))
}

/// A row of the asks sent.
pub struct SentRow {
    pub contact: String,
    pub ally: String,
}

/// A row of the contacts skipped.
pub struct SkippedRow {
    pub contact: String,
    pub why: &'static str,
}

#[derive(Template)]
#[template(path = "console/list_asked.html")]
struct AskedPage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    network_id: i64,
    list_id: i64,
    list_name: String,
    summary: String,
    sent: Vec<SentRow>,
    skipped: Vec<SkippedRow>,
}

/// The form of *Ask for introductions*.
#[derive(Debug, Default, Deserialize)]
pub struct AskForm {
    #[serde(default)]
    note: String,
}

/// `2 asks sent, 1 contact skipped.`
fn ask_summary(sent: usize, skipped: usize) -> String {
    crate::i18n::ask_summary(crate::i18n::lang(), sent, skipped)
}

/// `POST /admin/networks/{id}/lists/{list}/asks`: *Ask for introductions* for the whole list.
pub async fn ask(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    path: Result<Path<(i64, i64)>, PathRejection>,
    form: Result<Form<AskForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let (network_id, list_id) = ids(path)?;
    let admin = network_for(&app, &user, network_id, Permission::AskIntroductions).await?;
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let result = match app
        .ask_for_intro_list(user.session.person_id, network_id, list_id, &form.note)
        .await
    {
        Ok(result) => result,
        Err(e @ ListError::NoteTooLong) => {
            return list_view(
                Asker {
                    app: &app,
                    user: &user,
                    form_token: &form_token,
                },
                admin,
                list_id,
                &ListParams::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
                Typed {
                    note: form.note,
                    note_error: Some(words(&e)),
                    ..Typed::default()
                },
            )
            .await;
        }
        Err(e) => return Err(refused(e)),
    };
    let list_name = app
        .repo()
        .intro_list(network_id, list_id)
        .await?
        .map(|l| l.name)
        .unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &AskedPage {
            m: crate::i18n::Ui::current(),
            shell: Some(user.shell(&form_token, Some(admin), Current::Lists)),
            network_id,
            list_id,
            list_name,
            summary: ask_summary(result.sent.len(), result.skipped.len()),
            sent: result
                .sent
                .into_iter()
                .map(|a| SentRow {
                    contact: a.contact_name,
                    ally: a.ally.name,
                })
                .collect(),
            skipped: result
                .skipped
                .into_iter()
                .map(|s| SkippedRow {
                    contact: if s.contact_name.is_empty() {
                        crate::i18n::m().contact_no_longer_shared.to_string()
                    } else {
                        s.contact_name
                    },
                    why: match s.reason {
                        SkipReason::AlreadyPending => crate::i18n::m().skip_already_pending,
                        SkipReason::NoLongerShared => crate::i18n::m().skip_no_longer_shared,
                    },
                })
                .collect(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(connected_date("2019-06-02"), "2 Jun 2019");
        assert_eq!(connected_date("soon"), "soon");
        assert_eq!(ask_summary(2, 1), "2 asks sent, 1 contact skipped.");
        assert_eq!(ask_summary(1, 0), "1 ask sent.");
        assert_eq!(ask_summary(0, 3), "No ask was sent, 3 contacts skipped.");
    }
}
