//! Contacts: the contacts the network's allies share with it (search, filters by ally and by
//! connection date, three orders, pages), each contact's page with every ally who knows them
//! and *Ask for an introduction*, and the Asks page (the network's asks, their state and the
//! ally's answer).
//!
//! Each page calls the API's service function for the same thing (`api::network::contacts_page`,
//! `contact_of`, `ask_introduction`, `asks_page`), which holds the permission check
//! (`ViewContacts` to see, `AskIntroductions` to ask), after the page's own check of the same
//! permission for its frame; so the console allows nothing the API refuses. Every value of the
//! query strings and forms is bounded here before it reaches a query.

use allyshare_protocol::limits::NOTE_MAX_CHARS;
use allyshare_protocol::{IntroAsk, IntroAskState, NetworkContact, Permission};
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
use crate::api::network::{
    ask_introduction, asks_page, check_search, contact_of, contacts_page, decode_cursor,
    encode_cursor, parse_date, CURSOR_MAX_CHARS, KEY_MAX_CHARS, SEARCH_MAX_CHARS,
};
use crate::api::ApiFailure;
use crate::cross_site::FormToken;
use crate::db::{AsksPage, ContactQuery, ContactSort};
use crate::App;

/// Rows of one page of contacts.
pub const CONTACT_ROWS: usize = 25;
/// Rows of one page of asks.
pub const ASK_ROWS: i64 = 25;
/// Allies named in a row of the contacts table (the rest are counted).
const ALLIES_SHOWN: usize = 3;

/// The key as one segment of a path: everything but unreserved characters percent-encoded
/// (a key holds `:`).
pub fn key_segment(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn contacts_path(network_id: i64) -> String {
    format!("/admin/networks/{network_id}/contacts")
}

fn contact_path(network_id: i64, key: &str) -> String {
    format!("{}/{}", contacts_path(network_id), key_segment(key))
}

fn asks_path(network_id: i64) -> String {
    format!("/admin/networks/{network_id}/asks")
}

/// `5 Apr 2023` of a `YYYY-MM-DD` date (as it is if it is not one).
fn day_label(day: &str) -> String {
    match parse_date(day) {
        Some(d) => {
            let month: i64 = d[5..7].parse().unwrap_or(1);
            let dd: i64 = d[8..10].parse().unwrap_or(1);
            let year: i64 = d[0..4].parse().unwrap_or(0);
            crate::i18n::date(crate::i18n::lang(), year, month, dd)
        }
        None => day.to_string(),
    }
}

/// One option of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A contact as a row of the table shows it.
pub struct ContactRow {
    pub name: String,
    pub href: String,
    pub headline: Option<String>,
    /// The first allies who know them, by name.
    pub allies: Vec<String>,
    /// How many more allies know them.
    pub more_allies: usize,
    /// The most recent day an ally connected with them.
    pub connected: Option<(String, String)>,
}

impl ContactRow {
    fn new(network_id: i64, contact: NetworkContact) -> ContactRow {
        let connected = contact
            .last_connected_on
            .as_ref()
            .map(|d| (day_label(d), d.clone()));
        let allies: Vec<String> = contact
            .known_by
            .iter()
            .take(ALLIES_SHOWN)
            .map(|k| k.ally.name.clone())
            .collect();
        ContactRow {
            name: contact.contact.display_name(),
            href: contact_path(network_id, &contact.key),
            headline: contact.contact.headline.clone(),
            more_allies: (contact.allies as usize).saturating_sub(allies.len()),
            allies,
            connected,
        }
    }
}

#[derive(Template)]
#[template(path = "console/contacts.html")]
struct ContactsPage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    network_id: i64,
    q: String,
    since: String,
    allies: Vec<Choice>,
    sorts: Vec<Choice>,
    rows: Vec<ContactRow>,
    first_page: Option<String>,
    next: Option<String>,
    problem: Option<String>,
    search_max: usize,
    filtered: bool,
}

/// The Contacts page's query string, as typed (each value bounded below).
#[derive(Debug, Default, Deserialize)]
pub struct ContactsParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    ally: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    after: String,
}

/// The query string of the contacts table with these filters (and cursor).
fn contacts_query(
    q: &str,
    ally: Option<i64>,
    since: &str,
    sort: ContactSort,
    after: &str,
) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if !q.is_empty() {
        pairs.push(("q", q.to_string()));
    }
    if let Some(ally) = ally {
        pairs.push(("ally", ally.to_string()));
    }
    if !since.is_empty() {
        pairs.push(("since", since.to_string()));
    }
    if sort != ContactSort::Name {
        pairs.push(("sort", sort.as_str().to_string()));
    }
    if !after.is_empty() {
        pairs.push(("after", after.to_string()));
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

fn sort_label(sort: ContactSort) -> &'static str {
    match sort {
        ContactSort::Name => crate::i18n::m().name,
        ContactSort::Recent => crate::i18n::m().sort_recent,
        ContactSort::Allies => crate::i18n::m().sort_allies,
    }
}

/// The network of the path for a Network Admin holding `permission`.
async fn network_for(
    app: &App,
    user: &ConsoleUser,
    network_id: i64,
    permission: Permission,
) -> Result<AdminNetwork, ConsoleError> {
    admin_network_of(app, user, Ok(Path(network_id)), Some(permission)).await
}

/// `GET /admin/networks/{id}/contacts`.
pub async fn page(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
    params: Result<Query<ContactsParams>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let admin = admin_network_of(&app, &user, network_id, Some(Permission::ViewContacts)).await?;
    let network_id = admin.network.id;
    let p = params.map(|Query(p)| p).unwrap_or_default();
    let q: String = p.q.trim().chars().take(SEARCH_MAX_CHARS).collect();
    let q = check_search(&q).unwrap_or_default();
    let sort = ContactSort::parse(&p.sort).unwrap_or_default();
    let allies = app.repo().sharing_allies(network_id).await?;
    // Only one of the network's sharing allies filters; anything else is no filter.
    let ally = p
        .ally
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| allies.iter().any(|a| a.id == *id));
    let mut problem = None;
    let since_typed: String = p.since.trim().chars().take(10).collect();
    let since = if since_typed.is_empty() {
        None
    } else {
        let parsed = parse_date(&since_typed);
        if parsed.is_none() {
            problem = Some(crate::i18n::not_a_date(crate::i18n::lang(), &since_typed));
        }
        parsed
    };
    let after_typed: String = p.after.chars().take(CURSOR_MAX_CHARS).collect();
    let after = if after_typed.is_empty() {
        None
    } else {
        let position = decode_cursor(sort, &after_typed);
        if position.is_none() {
            problem = Some(crate::i18n::m().page_link_invalid.to_string());
        }
        position
    };
    let since_value = since.clone().unwrap_or_default();
    // The same service and check as `GET /v1/networks/{id}/contacts`.
    let (contacts, last) = contacts_page(
        &app,
        user.session.person_id,
        network_id,
        &ContactQuery {
            search: q.clone(),
            ally_id: ally,
            connected_since: since,
            sort,
            after: after.clone(),
            limit: CONTACT_ROWS,
        },
    )
    .await?;
    let path = contacts_path(network_id);
    let next = last.map(|position| {
        with_query(
            &path,
            &contacts_query(
                &q,
                ally,
                &since_value,
                sort,
                &encode_cursor(sort, &position),
            ),
        )
    });
    let first_page = after
        .is_some()
        .then(|| with_query(&path, &contacts_query(&q, ally, &since_value, sort, "")));
    let mut ally_choices = vec![Choice {
        value: String::new(),
        label: crate::i18n::m().all_allies.to_string(),
        selected: ally.is_none(),
    }];
    ally_choices.extend(allies.into_iter().map(|a| Choice {
        value: a.id.to_string(),
        selected: Some(a.id) == ally,
        label: a.name,
    }));
    let sorts = ContactSort::ALL
        .into_iter()
        .map(|s| Choice {
            value: s.as_str().to_string(),
            label: sort_label(s).to_string(),
            selected: s == sort,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &ContactsPage {
            m: crate::i18n::Ui::current(),
            shell: Some(user.shell(&form_token, Some(admin.clone()), Current::Contacts)),
            network_id,
            filtered: !q.is_empty() || ally.is_some() || !since_value.is_empty(),
            q,
            since: since_value,
            allies: ally_choices,
            sorts,
            rows: contacts
                .into_iter()
                .map(|c| ContactRow::new(network_id, c))
                .collect(),
            first_page,
            next,
            problem,
            search_max: SEARCH_MAX_CHARS,
        },
    ))
}

/// An ally who knows the contact, as the contact's page shows them.
pub struct KnowerRow {
    pub id: i64,
    pub name: String,
    pub connected: Option<(String, String)>,
}

/// The *Ask for an introduction* form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct AskForm {
    #[serde(default)]
    ally: String,
    #[serde(default)]
    note: String,
}

/// A problem with one field of the form.
#[derive(Debug, Default)]
pub struct AskErrors {
    pub ally: Option<String>,
    pub note: Option<String>,
}

impl AskErrors {
    fn any(&self) -> bool {
        self.ally.is_some() || self.note.is_some()
    }
}

#[derive(Template)]
#[template(path = "console/contact.html")]
struct ContactPage {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    network_id: i64,
    form_token: String,
    name: String,
    headline: Option<String>,
    profile_url: String,
    knowers: Vec<KnowerRow>,
    /// The form's address.
    ask_action: String,
    /// Whether the person may ask (the form shows only then).
    can_ask: bool,
    form: AskForm,
    errors: AskErrors,
    note_max: usize,
}

impl ContactPage {
    fn ally_is(&self, id: &i64) -> bool {
        let chosen = self.form.ally.trim();
        chosen == id.to_string() || (chosen.is_empty() && self.knowers.len() == 1)
    }
}

/// The contact's key from the path, bounded.
fn key_of(ids: Result<Path<(i64, String)>, PathRejection>) -> Result<(i64, String), ConsoleError> {
    match ids {
        Ok(Path((network_id, key))) if key.chars().count() <= KEY_MAX_CHARS => {
            Ok((network_id, key))
        }
        _ => Err(ConsoleError::NotFound),
    }
}

fn contact_page(
    user: &ConsoleUser,
    form_token: &FormToken,
    admin: AdminNetwork,
    contact: NetworkContact,
    form: AskForm,
    errors: AskErrors,
) -> ContactPage {
    let network_id = admin.network.id;
    let can_ask = admin.access.allows(Permission::AskIntroductions);
    ContactPage {
        m: crate::i18n::Ui::current(),
        shell: Some(user.shell(form_token, Some(admin), Current::Contacts)),
        network_id,
        form_token: form_token.0.clone(),
        name: contact.contact.display_name(),
        headline: contact.contact.headline.clone(),
        profile_url: contact.contact.profile_url.clone(),
        ask_action: format!("{}/ask", contact_path(network_id, &contact.key)),
        knowers: contact
            .known_by
            .into_iter()
            .map(|k| KnowerRow {
                id: k.ally.id,
                name: k.ally.name,
                connected: k.connected_on.map(|d| (day_label(&d), d)),
            })
            .collect(),
        can_ask,
        form,
        errors,
        note_max: NOTE_MAX_CHARS,
    }
}

/// `GET /admin/networks/{id}/contacts/{key}`.
pub async fn contact(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    ids: Result<Path<(i64, String)>, PathRejection>,
) -> Result<Response, ConsoleError> {
    let (network_id, key) = key_of(ids)?;
    let admin = network_for(&app, &user, network_id, Permission::ViewContacts).await?;
    // The same service and check as `GET /v1/networks/{id}/contacts/{key}`.
    let contact = contact_of(&app, user.session.person_id, admin.network.id, &key).await?;
    Ok(render(
        StatusCode::OK,
        &contact_page(
            &user,
            &form_token,
            admin,
            contact,
            AskForm::default(),
            AskErrors::default(),
        ),
    ))
}

/// `POST /admin/networks/{id}/contacts/{key}/ask`: *Send*.
pub async fn ask(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    ids: Result<Path<(i64, String)>, PathRejection>,
    form: Result<Form<AskForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let (network_id, key) = key_of(ids)?;
    // Asking needs its own permission, checked first: without it nothing else is looked at.
    let admin = network_for(&app, &user, network_id, Permission::AskIntroductions).await?;
    let network_id = admin.network.id;
    let person_id = user.session.person_id;
    let contact = contact_of(&app, person_id, network_id, &key).await?;
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let mut errors = AskErrors::default();
    let knower = form
        .ally
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| contact.known_by.iter().find(|k| k.ally.id == id))
        .map(|k| k.ally.clone());
    if knower.is_none() {
        errors.ally = Some(crate::i18n::choose_ally(
            crate::i18n::lang(),
            &contact.contact.display_name(),
        ));
    }
    if form.note.trim().chars().count() > NOTE_MAX_CHARS {
        errors.note = Some(crate::i18n::ask_note_too_long(
            crate::i18n::lang(),
            NOTE_MAX_CHARS,
            form.note.trim().chars().count(),
        ));
    }
    let again = |status, contact, errors, form| {
        render(
            status,
            &contact_page(&user, &form_token, admin.clone(), contact, form, errors),
        )
    };
    let Some(knower) = knower.filter(|_| !errors.any()) else {
        return Ok(again(
            StatusCode::UNPROCESSABLE_ENTITY,
            contact,
            errors,
            form,
        ));
    };
    // The same service and check as `POST /v1/networks/{id}/intro-asks`.
    match ask_introduction(&app, person_id, network_id, knower.id, &key, &form.note).await {
        Ok(asked) => Ok(see_other(&format!(
            "{}?done=asked&ask={}",
            asks_path(network_id),
            asked.id
        ))),
        Err(ApiFailure::Conflict(_)) => {
            errors.ally = Some(crate::i18n::ask_already_pending(
                crate::i18n::lang(),
                &knower.name,
                &contact.contact.display_name(),
            ));
            Ok(again(StatusCode::CONFLICT, contact, errors, form))
        }
        Err(ApiFailure::NotFound) => {
            // Stopped sharing between the page and the form: the page as it is now.
            errors.ally = Some(crate::i18n::ally_no_longer_shares(
                crate::i18n::lang(),
                &knower.name,
                &contact.contact.display_name(),
            ));
            match contact_of(&app, person_id, network_id, &key).await {
                Ok(now) => Ok(again(StatusCode::NOT_FOUND, now, errors, form)),
                Err(e) => Err(e.into()),
            }
        }
        Err(ApiFailure::Unprocessable(message)) => {
            errors.note = Some(message);
            Ok(again(
                StatusCode::UNPROCESSABLE_ENTITY,
                contact,
                errors,
                form,
            ))
        }
        Err(other) => Err(other.into()),
    }
}

/// An ask as a row of the Asks table shows it.
pub struct AskRow {
    pub contact_name: String,
    pub contact_headline: Option<String>,
    pub contact_href: String,
    pub ally: String,
    pub asked_by: Option<String>,
    pub note: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub reason: Option<String>,
    pub asked: String,
    pub asked_iso: String,
    pub answered: Option<(String, String)>,
}

fn state_label(state: IntroAskState) -> &'static str {
    match state {
        IntroAskState::Pending => crate::i18n::m().ask_pending,
        IntroAskState::Made => crate::i18n::m().ask_made,
        IntroAskState::Declined => crate::i18n::m().ask_declined,
        IntroAskState::Withdrawn => crate::i18n::m().ask_withdrawn,
    }
}

impl AskRow {
    fn new(network_id: i64, ask: IntroAsk) -> AskRow {
        AskRow {
            contact_href: contact_path(network_id, &ask.contact_key),
            contact_name: ask.contact_name,
            contact_headline: ask.contact_headline,
            ally: ask.ally.name,
            asked_by: ask.asked_by.map(|p| p.name),
            note: ask.note,
            state: state_label(ask.state),
            state_class: ask.state.as_str(),
            reason: ask.reason,
            asked: date(ask.created_at),
            asked_iso: iso_date(ask.created_at),
            answered: ask.answered_at.map(|t| (date(t), iso_date(t))),
        }
    }
}

#[derive(Template)]
#[template(path = "console/asks.html")]
struct AsksPageView {
    m: crate::i18n::Ui,
    shell: Option<Shell>,
    network_id: i64,
    states: Vec<Choice>,
    rows: Vec<AskRow>,
    newest: Option<String>,
    older: Option<String>,
    notice: Option<String>,
}

/// The Asks page's query string.
#[derive(Debug, Default, Deserialize)]
pub struct AsksParams {
    #[serde(default)]
    state: String,
    #[serde(default)]
    before: String,
    /// After the form: what was done (a fixed word, never text to show).
    #[serde(default)]
    done: String,
    /// The ask just made.
    #[serde(default)]
    ask: String,
}

/// `GET /admin/networks/{id}/asks`.
pub async fn asks(
    State(app): State<App>,
    user: ConsoleUser,
    form_token: FormToken,
    network_id: Result<Path<i64>, PathRejection>,
    params: Result<Query<AsksParams>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let admin = admin_network_of(&app, &user, network_id, Some(Permission::ViewContacts)).await?;
    let network_id = admin.network.id;
    let p = params.map(|Query(p)| p).unwrap_or_default();
    let state = IntroAskState::parse(p.state.trim());
    let before = p.before.trim().parse::<i64>().ok().filter(|b| *b > 0);
    // The same service and check as `GET /v1/networks/{id}/intro-asks`; one more than a page
    // tells whether there is an older one.
    let mut found = asks_page(
        &app,
        user.session.person_id,
        network_id,
        state,
        AsksPage {
            before,
            limit: Some(ASK_ROWS + 1),
        },
    )
    .await?;
    let more = found.len() as i64 > ASK_ROWS;
    found.truncate(ASK_ROWS as usize);
    let notice = if p.done == "asked" {
        let id = p.ask.parse::<i64>().ok();
        Some(match found.iter().find(|a| Some(a.id) == id) {
            Some(a) => crate::i18n::ask_sent(crate::i18n::lang(), &a.ally.name, &a.contact_name),
            None => crate::i18n::m().ask_sent_plain.to_string(),
        })
    } else {
        None
    };
    let path = asks_path(network_id);
    let state_value = state.map(IntroAskState::as_str).unwrap_or("");
    let link = |before: Option<i64>| {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !state_value.is_empty() {
            pairs.push(("state", state_value.to_string()));
        }
        if let Some(b) = before {
            pairs.push(("before", b.to_string()));
        }
        with_query(
            &path,
            &serde_urlencoded::to_string(&pairs).unwrap_or_default(),
        )
    };
    let older = if more {
        found.last().map(|a| link(Some(a.id)))
    } else {
        None
    };
    let mut states = vec![Choice {
        value: String::new(),
        label: crate::i18n::m().all_states.to_string(),
        selected: state.is_none(),
    }];
    states.extend(
        [
            IntroAskState::Pending,
            IntroAskState::Made,
            IntroAskState::Declined,
            IntroAskState::Withdrawn,
        ]
        .into_iter()
        .map(|s| Choice {
            value: s.as_str().to_string(),
            label: state_label(s).to_string(),
            selected: Some(s) == state,
        }),
    );
    Ok(render(
        StatusCode::OK,
        &AsksPageView {
            m: crate::i18n::Ui::current(),
            shell: Some(user.shell(&form_token, Some(admin.clone()), Current::Asks)),
            network_id,
            states,
            rows: found
                .into_iter()
                .map(|a| AskRow::new(network_id, a))
                .collect(),
            newest: before.map(|_| link(None)),
            older,
            notice,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_path_segment() {
        assert_eq!(key_segment("member:ACoAAB12"), "member%3AACoAAB12");
        assert_eq!(key_segment("url:ada-lovelace"), "url%3Aada-lovelace");
        assert_eq!(key_segment("url:a/b?c"), "url%3Aa%2Fb%3Fc");
    }

    #[test]
    fn days() {
        assert_eq!(day_label("2023-04-05"), "5 Apr 2023");
        assert_eq!(day_label("nonsense"), "nonsense");
    }
}
