//! Pieces the pages share: the sign-in form, problem boxes with the action that fixes them,
//! progress, the contact picker (exclusions) and the preview of what is shared.

use std::cell::RefCell;
use std::rc::Rc;

use allyshare_protocol::{NetworkMembership, Role};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement};

use super::dom::{self, append, button, el, on, on_click, text_el};
use super::{count, moment, send, spawn, t, t_args, t_with, LINKEDIN_LOGIN};
use crate::browser;
use crate::handoff::SignInQuestion;
use crate::messages::{ContactPage, ContactRow, Intent, LinkedInState, Phase, Problem, Reply};

/// Something a button does after a page was rendered.
pub type Action = Rc<dyn Fn()>;

/// A titled section.
pub fn card(id: &str, heading: &str, level: &str) -> Element {
    let section = el("section", &[("class", "card")]);
    if !id.is_empty() {
        section.set_attribute("id", id).ok();
        let heading_id = format!("{id}-heading");
        section.set_attribute("aria-labelledby", &heading_id).ok();
        section
            .append_child(&text_el(level, &[("id", &heading_id)], heading))
            .ok();
    } else {
        section.append_child(&text_el(level, &[], heading)).ok();
    }
    section
}

/// The header of the popup: icon, name, and the Options button.
pub fn popup_header() -> Element {
    let header = el("header", &[("class", "header")]);
    let icon = el(
        "img",
        &[
            ("src", "icons/icon-32.png"),
            ("alt", ""),
            ("width", "32"),
            ("height", "32"),
        ],
    );
    let title = text_el("h1", &[], &t("extName"));
    let options = button("open-options", "link", &t("openOptions"));
    on_click(&options, || {
        spawn(async {
            let _ = browser::open_options_page().await;
        })
    });
    append(&header, &[&icon, &title, &options])
}

/// What went wrong, in the ally's words, with the buttons that fix it.
pub fn problem_box(problem: &Problem, actions: Vec<Element>) -> Element {
    let (name, subs) = problem.message();
    let box_ = el("div", &[("class", "error"), ("role", "alert")]);
    box_.append_child(&text_el("p", &[], &browser::message(name, &subs)))
        .ok();
    if !actions.is_empty() {
        let row = el("div", &[("class", "row")]);
        for a in &actions {
            row.append_child(a).ok();
        }
        box_.append_child(&row).ok();
    }
    box_
}

/// A notice (not an error) that asks the ally to act, with its buttons.
pub fn notice(id: &str, text: &str, actions: Vec<Element>) -> Element {
    let box_ = el(
        "div",
        &[("class", "notice"), ("id", id), ("role", "status")],
    );
    box_.append_child(&text_el("p", &[], text)).ok();
    if !actions.is_empty() {
        let row = el("div", &[("class", "row")]);
        for a in &actions {
            row.append_child(a).ok();
        }
        box_.append_child(&row).ok();
    }
    box_
}

/// A button that runs `action`.
pub fn action_button(id: &str, class: &str, label: &str, action: Action) -> Element {
    let b = button(id, class, label);
    on_click(&b, move || action());
    b
}

/// Opens LinkedIn's login page in a new tab.
pub fn linkedin_login_button(id: &str) -> Element {
    let b = button(id, "", &t("linkedinLogIn"));
    on_click(&b, || {
        spawn(async {
            let _ = browser::open_tab(LINKEDIN_LOGIN).await;
        })
    });
    b
}

/// The question a hand-off from a Get Started page waits for: which account (email, name) and
/// networks it signs into, "Continue as …" or "Not me". Everything from the server is text.
/// `done` gets the worker's answer (signed in, signed out, or the problem).
pub fn handoff_question(question: &SignInQuestion, done: Rc<dyn Fn(Reply)>) -> Element {
    let section = card("handoff", &t("handoffHeading"), "h2");
    section
        .append_child(&text_el("p", &[], &t("handoffIntro")))
        .ok();
    section
        .append_child(&text_el(
            "p",
            &[("class", "lead"), ("id", "handoff-account")],
            &t_args("handoffAccount", &[&question.email, &question.name]),
        ))
        .ok();
    let networks = if question.networks.len() == 1 {
        "handoffNetworksOne"
    } else {
        "handoffNetworks"
    };
    section
        .append_child(&text_el(
            "p",
            &[("id", "handoff-networks")],
            &t_with(networks, &super::name_list(&question.networks)),
        ))
        .ok();
    section
        .append_child(&text_el("p", &[("class", "muted")], &t("handoffNote")))
        .ok();
    let confirm = button(
        "handoff-continue",
        "",
        &t_with("handoffContinue", &question.email),
    );
    let decline = button("handoff-decline", "secondary", &t("handoffDecline"));
    for (b, intent) in [
        (
            &confirm,
            Intent::ConfirmSignIn {
                email: question.email.clone(),
            },
        ),
        (&decline, Intent::DeclineSignIn),
    ] {
        let done = done.clone();
        let buttons = [confirm.clone(), decline.clone()];
        on_click(b, move || {
            for b in &buttons {
                dom::set_disabled(b, true);
            }
            let done = done.clone();
            let intent = intent.clone();
            spawn(async move { done(send(&intent).await) });
        });
    }
    let row = el("div", &[("class", "actions")]);
    append(&row, &[&confirm, &decline]);
    section.append_child(&row).ok();
    section
}

/// The sign-in form. `done` gets the worker's answer (signed in, or the problem).
pub fn sign_in_form(done: Rc<dyn Fn(Reply)>) -> Element {
    let form = el(
        "form",
        &[
            ("id", "sign-in"),
            ("class", "card"),
            ("novalidate", ""),
            ("aria-labelledby", "sign-in-heading"),
        ],
    );
    let heading = text_el("h2", &[("id", "sign-in-heading")], &t("signInHeading"));
    let email_label = text_el("label", &[("for", "email")], &t("emailLabel"));
    let email = el(
        "input",
        &[
            ("id", "email"),
            ("name", "email"),
            ("type", "email"),
            ("autocomplete", "username"),
            ("required", ""),
        ],
    );
    let password_label = text_el("label", &[("for", "password")], &t("passwordLabel"));
    let password = el(
        "input",
        &[
            ("id", "password"),
            ("name", "password"),
            ("type", "password"),
            ("autocomplete", "current-password"),
            ("required", ""),
        ],
    );
    let submit = text_el(
        "button",
        &[("type", "submit"), ("id", "sign-in-button")],
        &t("signInButton"),
    );
    append(
        &form,
        &[
            &heading,
            &email_label,
            &email,
            &password_label,
            &password,
            &submit,
        ],
    );
    let button = submit.clone();
    on(&form, "submit", move |event| {
        event.prevent_default();
        let email = dom::input_value("email");
        let password = dom::input_value("password");
        if let Some(b) = button.dyn_ref::<HtmlButtonElement>() {
            b.set_disabled(true);
            b.set_attribute("aria-busy", "true").ok();
            b.set_text_content(Some(&t("signingIn")));
        }
        let done = done.clone();
        spawn(async move {
            let reply = send(&Intent::SignIn {
                email: email.clone(),
                password,
            })
            .await;
            let signed_in = reply.state.signed_in;
            done(reply);
            if !signed_in {
                // Keep what was typed; the password is what usually needs another try.
                dom::set_input_value("email", &email);
                dom::focus(if email.is_empty() {
                    "email"
                } else {
                    "password"
                });
            }
        });
    });
    form
}

pub fn role_label(role: Role) -> String {
    match role {
        Role::Ally => t("roleAlly"),
        Role::NetworkAdmin => t("roleNetworkAdmin"),
    }
}

/// The networks the ally can share with (admins never share).
pub fn ally_networks(networks: &[NetworkMembership]) -> Vec<&NetworkMembership> {
    networks.iter().filter(|n| n.role == Role::Ally).collect()
}

/// A progress bar with its text ("412 of 1,234"), or nothing when idle.
pub fn progress(phase: Phase, linkedin: LinkedInState) -> Option<Element> {
    let (label, done, total) = match phase {
        Phase::Idle => return None,
        Phase::Reading { read, total } => (t("phaseReading"), read, total),
        Phase::Uploading { sent, total } => (t("phaseUploading"), sent, Some(total)),
        Phase::Waiting { until_ms } => {
            let when = moment(until_ms / 1000);
            let text = if linkedin == LinkedInState::Busy {
                t_with("phaseWaitingLinkedIn", &when)
            } else {
                t_with("phaseWaitingServer", &when)
            };
            let wrap = el("div", &[("class", "progress"), ("id", "progress")]);
            wrap.append_child(&text_el("p", &[("class", "muted")], &text))
                .ok();
            return Some(wrap);
        }
    };
    let wrap = el("div", &[("class", "progress"), ("id", "progress")]);
    let label_el = text_el("p", &[("id", "progress-label")], &label);
    let bar = el(
        "progress",
        &[
            ("id", "progress-bar"),
            ("aria-labelledby", "progress-label"),
        ],
    );
    let text = match total {
        Some(total) if total > 0 => {
            bar.set_attribute("max", &total.to_string()).ok();
            bar.set_attribute("value", &done.min(total).to_string())
                .ok();
            t_args("progressOf", &[&count(done), &count(total)])
        }
        _ => t_with("progressSoFar", &count(done)),
    };
    let text_el_ = text_el("p", &[("class", "muted"), ("id", "progress-text")], &text);
    Some(append(&wrap, &[&label_el, &bar, &text_el_]))
}

/// The fields a network receives, and what it never does.
pub fn shared_fields() -> Element {
    let wrap = el("div", &[("class", "fields")]);
    wrap.append_child(&text_el("p", &[], &t("fieldsShared")))
        .ok();
    let list = el("ul", &[("class", "field-list")]);
    for name in [
        "fieldName",
        "fieldHeadline",
        "fieldProfile",
        "fieldConnectedOn",
        "fieldPhoto",
    ] {
        list.append_child(&text_el("li", &[], &t(name))).ok();
    }
    wrap.append_child(&list).ok();
    wrap.append_child(&text_el("p", &[("class", "muted")], &t("fieldsNever")))
        .ok();
    wrap
}

/// A few real rows, exactly as they are shared.
pub fn preview_table(rows: &[ContactRow]) -> Element {
    let table = el("table", &[("class", "preview"), ("id", "preview")]);
    table
        .append_child(&text_el("caption", &[], &t("previewCaption")))
        .ok();
    let head = el("tr", &[]);
    for name in ["fieldName", "fieldHeadline", "fieldConnectedOn"] {
        head.append_child(&text_el("th", &[("scope", "col")], &t(name)))
            .ok();
    }
    let thead = el("thead", &[]);
    thead.append_child(&head).ok();
    table.append_child(&thead).ok();
    let body = el("tbody", &[]);
    for row in rows {
        let tr = el("tr", &[]);
        tr.append_child(&text_el("td", &[("class", "name")], &row.name))
            .ok();
        tr.append_child(&text_el("td", &[], row.headline.as_deref().unwrap_or("—")))
            .ok();
        tr.append_child(&text_el(
            "td",
            &[],
            row.connected_on.as_deref().unwrap_or("—"),
        ))
        .ok();
        body.append_child(&tr).ok();
    }
    table.append_child(&body).ok();
    table
}

// ---------------------------------------------------------------------------- contact picker

#[derive(Default)]
struct Picker {
    query: String,
    limit: u32,
    excluded: u32,
    /// Only the answer to the latest search is shown.
    generation: u32,
}

thread_local! {
    static PICKER: RefCell<Picker> = RefCell::new(Picker { limit: PAGE, ..Picker::default() });
}

const PAGE: u32 = 20;

/// Search the contacts and uncheck those to keep out of what is shared. Lives in its own
/// element and updates itself in place (typing never loses focus).
pub fn contact_picker() -> Element {
    let wrap = el("div", &[("class", "picker"), ("id", "picker")]);
    let label = text_el("label", &[("for", "contact-search")], &t("searchContacts"));
    let search = el(
        "input",
        &[
            ("id", "contact-search"),
            ("type", "search"),
            ("autocomplete", "off"),
            ("aria-describedby", "picker-help"),
            ("aria-controls", "contact-list"),
        ],
    );
    let help = text_el(
        "p",
        &[("class", "muted"), ("id", "picker-help")],
        &t("pickerHelp"),
    );
    let summary = text_el("p", &[("id", "excluded-count"), ("role", "status")], "");
    let list = el(
        "ul",
        &[
            ("id", "contact-list"),
            ("class", "contact-list"),
            ("aria-label", &t("contactsListLabel")),
        ],
    );
    let more = button("contact-more", "secondary", &t("showMore"));
    more.set_attribute("hidden", "").ok();
    append(&wrap, &[&label, &search, &help, &summary, &list, &more]);
    on(&search, "input", |_| {
        let q = dom::input_value("contact-search");
        PICKER.with(|p| {
            let mut p = p.borrow_mut();
            p.query = q;
            p.limit = PAGE;
        });
        reload_picker();
    });
    on_click(&more, || {
        PICKER.with(|p| p.borrow_mut().limit += PAGE);
        reload_picker();
    });
    PICKER.with(|p| {
        let mut p = p.borrow_mut();
        p.query.clear();
        p.limit = PAGE;
    });
    reload_picker();
    wrap
}

fn reload_picker() {
    let (query, limit, generation) = PICKER.with(|p| {
        let mut p = p.borrow_mut();
        p.generation += 1;
        (p.query.clone(), p.limit, p.generation)
    });
    spawn(async move {
        let reply = send(&Intent::GetContacts {
            offset: 0,
            limit,
            query: Some(query).filter(|q| !q.trim().is_empty()),
        })
        .await;
        if PICKER.with(|p| p.borrow().generation) != generation {
            return;
        }
        if let Some(page) = reply.contacts {
            fill_picker(&page);
        }
    });
}

fn fill_picker(page: &ContactPage) {
    PICKER.with(|p| p.borrow_mut().excluded = page.excluded);
    update_excluded_count();
    let Some(list) = dom::by_id("contact-list") else {
        return;
    };
    let keep = dom::document()
        .active_element()
        .map(|e| e.id())
        .unwrap_or_default();
    list.set_text_content(None);
    if page.items.is_empty() {
        list.append_child(&text_el("li", &[("class", "muted")], &t("noMatches")))
            .ok();
    }
    for (i, row) in page.items.iter().enumerate() {
        list.append_child(&picker_row(i, row)).ok();
    }
    if let Some(more) = dom::by_id("contact-more") {
        if (page.items.len() as u32) < page.total {
            more.remove_attribute("hidden").ok();
        } else {
            more.set_attribute("hidden", "").ok();
        }
    }
    if !keep.is_empty() {
        dom::focus(&keep);
    }
}

fn picker_row(i: usize, row: &ContactRow) -> Element {
    let id = format!("pick-{i}");
    let li = el("li", &[]);
    let input = el(
        "input",
        &[("type", "checkbox"), ("id", &id), ("data-key", &row.key)],
    );
    if !row.excluded {
        input.set_attribute("checked", "").ok();
    }
    let label = el("label", &[("for", &id)]);
    label
        .append_child(&text_el("span", &[("class", "name")], &row.name))
        .ok();
    if let Some(headline) = &row.headline {
        label
            .append_child(&text_el("span", &[("class", "muted")], headline))
            .ok();
    }
    let key = row.key.clone();
    let checkbox = input.clone();
    on(&input, "change", move |_| {
        let excluded = !dom::checked(&checkbox);
        PICKER.with(|p| {
            let mut p = p.borrow_mut();
            if excluded {
                p.excluded += 1;
            } else {
                p.excluded = p.excluded.saturating_sub(1);
            }
        });
        update_excluded_count();
        let key = key.clone();
        spawn(async move {
            send(&Intent::SetExcluded { key, excluded }).await;
        });
    });
    append(&li, &[&input, &label])
}

fn update_excluded_count() {
    let n = PICKER.with(|p| p.borrow().excluded);
    if let Some(e) = dom::by_id("excluded-count") {
        let text = match n {
            0 => t("excludedNone"),
            1 => t("excludedOne"),
            n => t_with("excludedMany", &count(n)),
        };
        e.set_text_content(Some(&text));
    }
}

/// The page of contacts, all of it (for exports and counts), in pages of 500.
pub async fn all_contacts() -> Result<Vec<ContactRow>, Problem> {
    let mut out = Vec::new();
    loop {
        let reply = send(&Intent::GetContacts {
            offset: out.len() as u32,
            limit: 500,
            query: None,
        })
        .await;
        let Some(page) = reply.contacts else {
            return Err(reply.problem.unwrap_or(Problem::Unexpected {
                detail: "no contacts".into(),
            }));
        };
        let n = page.items.len();
        out.extend(page.items);
        if n == 0 || out.len() as u32 >= page.total {
            return Ok(out);
        }
    }
}
