//! The options page: sync cadence, ask emails (a preference the backend keeps, so it is read
//! and written through the worker), excluded contacts, export, delete everything shared,
//! deleting the account, the server address (for developers), and the privacy policy.
//!
//! Deleting the account is not a second deletion flow here: the link opens the backend's own
//! console page (`/admin/account/delete`) in a tab, which says what goes and asks for the
//! password. The privacy policy is the configured backend's `/privacy` (the policy of the
//! server the contacts go to).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::Element;

use super::components::{self, action_button, card, problem_box};
use super::dom::{self, append, button, el, on, text_el};
use super::{send, spawn, t, t_with, ROOT};
use crate::browser;
use crate::messages::{Intent, Problem, Reply};
use crate::settings;

#[derive(Default)]
struct Options {
    confirm_delete: bool,
}

thread_local! {
    static OPTIONS: RefCell<Options> = RefCell::new(Options::default());
}

/// Options entry point.
#[cfg(feature = "pages")]
#[wasm_bindgen]
pub async fn start_options() {
    super::set_lang("optionsTitle");
    super::render_loading();
    let reply = send(&Intent::GetState).await;
    render_options(&reply, None);
}

/// Writes a short result under a section (a live region, so it is heard).
fn say(id: &str, text: &str) {
    if let Some(e) = dom::by_id(id) {
        e.set_text_content(Some(text));
    }
}

fn status(id: &str) -> Element {
    el("p", &[("id", id), ("role", "status"), ("class", "status")])
}

fn render_options(reply: &Reply, saved: Option<bool>) {
    let mut children = vec![text_el("h1", &[], &t("optionsTitle"))];
    if let Some(problem) = &reply.problem {
        children.push(problem_box(problem, vec![]));
    } else if saved == Some(true) {
        children.push(text_el(
            "p",
            &[("role", "status"), ("id", "saved"), ("class", "status")],
            &t("saved"),
        ));
    }
    if reply.state.signed_in {
        children.push(cadence_card(reply));
        children.push(ask_emails_card());
        children.push(exclusions_card(reply));
        children.push(export_card());
        children.push(delete_card(reply));
        children.push(account_card(reply));
    } else {
        children.push(text_el("p", &[("class", "muted")], &t("optionsSignedOut")));
    }
    children.push(backend_card(reply));
    children.push(privacy_link(reply));
    let refs: Vec<&Element> = children.iter().collect();
    dom::replace_content(ROOT, &refs);
    super::finish_render();
    if reply.state.signed_in {
        spawn(async {
            let reply = send(&Intent::GetPreferences).await;
            show_ask_emails(&reply, None);
        });
    }
}

fn select(id: &str, choices: &[(u32, String)], current: u32) -> Element {
    let s = el("select", &[("id", id)]);
    for (value, label) in choices {
        let o = text_el("option", &[("value", &value.to_string())], label);
        if *value == current {
            o.set_attribute("selected", "").ok();
        }
        s.append_child(&o).ok();
    }
    s
}

fn cadence_card(reply: &Reply) -> Element {
    let section = card("cadence", &t("cadenceHeading"), "h2");
    section
        .append_child(&text_el("p", &[("class", "muted")], &t("cadenceHelp")))
        .ok();
    let (hours, days) = reply.state.cadence.unwrap_or((24, 7));
    let mut routine: Vec<(u32, String)> = [6, 12, 24, 48, 168]
        .iter()
        .map(|h| (*h, t_with("everyHours", &h.to_string())))
        .collect();
    if !routine.iter().any(|(h, _)| *h == hours) {
        routine.push((hours, t_with("everyHours", &hours.to_string())));
    }
    let mut full: Vec<(u32, String)> = [1, 7, 14, 30]
        .iter()
        .map(|d| (*d, t_with("everyDays", &d.to_string())))
        .collect();
    if !full.iter().any(|(d, _)| *d == days) {
        full.push((days, t_with("everyDays", &days.to_string())));
    }
    let form = el("form", &[("id", "cadence-form"), ("novalidate", "")]);
    let l1 = text_el("label", &[("for", "cadence-routine")], &t("cadenceRoutine"));
    let s1 = select("cadence-routine", &routine, hours);
    let l2 = text_el("label", &[("for", "cadence-full")], &t("cadenceFull"));
    let s2 = select("cadence-full", &full, days);
    let save = text_el(
        "button",
        &[("type", "submit"), ("id", "save-cadence")],
        &t("saveButton"),
    );
    append(&form, &[&l1, &s1, &l2, &s2, &save]);
    on(&form, "submit", |event| {
        event.prevent_default();
        let routine_hours = dom::input_value("cadence-routine").parse().unwrap_or(24);
        let full_days = dom::input_value("cadence-full").parse().unwrap_or(7);
        spawn(async move {
            let reply = send(&Intent::SetCadence {
                routine_hours,
                full_days,
            })
            .await;
            say(
                "cadence-status",
                &match &reply.problem {
                    None => t("saved"),
                    Some(p) => {
                        let (name, subs) = p.message();
                        browser::message(name, &subs)
                    }
                },
            );
        });
    });
    append(&section, &[&form, &status("cadence-status")]);
    section
}

/// The ask emails checkbox: disabled until the backend has said what it is.
fn ask_emails_card() -> Element {
    let section = card("emails", &t("askEmailsHeading"), "h2");
    let row = el("div", &[("class", "choice")]);
    let input = el(
        "input",
        &[
            ("type", "checkbox"),
            ("id", "ask-emails"),
            ("aria-describedby", "ask-emails-help"),
            ("disabled", ""),
        ],
    );
    let label = text_el("label", &[("for", "ask-emails")], &t("askEmailsLabel"));
    append(&row, &[&input, &label]);
    let help = text_el(
        "p",
        &[("id", "ask-emails-help"), ("class", "muted")],
        &t("askEmailsHelp"),
    );
    let checkbox = input.clone();
    on(&input, "change", move |_| {
        let on = dom::checked(&checkbox);
        dom::set_disabled(&checkbox, true);
        spawn(async move {
            let reply = send(&Intent::SetAskEmails { on }).await;
            show_ask_emails(&reply, Some(on));
        });
    });
    append(&section, &[&row, &help, &status("ask-emails-status")]);
    section
}

/// Shows the ask emails preference the backend answered with; `asked` is what the ally just
/// chose (the checkbox goes back to the other value when it could not be saved).
fn show_ask_emails(reply: &Reply, asked: Option<bool>) {
    let Some(input) = dom::by_id("ask-emails") else {
        return;
    };
    match (&reply.problem, reply.preferences) {
        (None, Some(preferences)) => {
            dom::set_checked(&input, preferences.ask_emails);
            dom::set_disabled(&input, false);
            if asked.is_some() {
                say("ask-emails-status", &t("saved"));
            }
        }
        (problem, _) => {
            let text = match problem {
                Some(p) => {
                    let (name, subs) = p.message();
                    browser::message(name, &subs)
                }
                None => t("errorServer"),
            };
            if let Some(on) = asked {
                dom::set_checked(&input, !on);
                dom::set_disabled(&input, false);
            }
            say("ask-emails-status", &text);
        }
    }
}

fn exclusions_card(reply: &Reply) -> Element {
    let section = card("exclusions", &t("excludedHeading"), "h2");
    if reply.state.sync.contacts == 0 {
        section
            .append_child(&text_el("p", &[("class", "muted")], &t("noContactsYet")))
            .ok();
    } else {
        section.append_child(&components::contact_picker()).ok();
    }
    section
}

fn export_card() -> Element {
    let section = card("export", &t("exportHeading"), "h2");
    section
        .append_child(&text_el("p", &[("class", "muted")], &t("exportHelp")))
        .ok();
    let row = el("div", &[("class", "row")]);
    for (id, label, json) in [
        ("export-csv", t("exportCsv"), false),
        ("export-json", t("exportJson"), true),
    ] {
        let b = action_button(
            id,
            "secondary",
            &label,
            Rc::new(move || {
                spawn(async move {
                    match components::all_contacts().await {
                        Ok(rows) => {
                            if json {
                                let text = crate::export::to_json(&rows);
                                dom::download("allyshare-contacts.json", "application/json", &text);
                            } else {
                                let text = crate::export::to_csv(&rows);
                                dom::download("allyshare-contacts.csv", "text/csv", &text);
                            }
                            say("export-status", &t("exportDone"));
                        }
                        Err(p) => {
                            let (name, subs) = p.message();
                            say("export-status", &browser::message(name, &subs));
                        }
                    }
                })
            }),
        );
        row.append_child(&b).ok();
    }
    append(&section, &[&row, &status("export-status")]);
    section
}

fn delete_card(reply: &Reply) -> Element {
    let section = card("delete", &t("deleteHeading"), "h2");
    section
        .append_child(&text_el("p", &[], &t("deleteHelp")))
        .ok();
    let confirming = OPTIONS.with(|o| o.borrow().confirm_delete);
    if confirming {
        let wrap = el(
            "div",
            &[
                ("class", "confirm"),
                ("role", "group"),
                ("aria-labelledby", "delete-confirm-title"),
            ],
        );
        wrap.append_child(&text_el(
            "p",
            &[("id", "delete-confirm-title"), ("class", "strong")],
            &t("confirmStopAllTitle"),
        ))
        .ok();
        wrap.append_child(&text_el("p", &[], &t("confirmStopAllBody")))
            .ok();
        let yes = action_button(
            "delete-yes",
            "danger",
            &t("deleteButton"),
            Rc::new(|| {
                OPTIONS.with(|o| o.borrow_mut().confirm_delete = false);
                spawn(async {
                    let reply = send(&Intent::StopSharing).await;
                    let ok = reply.problem.is_none();
                    render_options(&reply, None);
                    if ok {
                        say("delete-status", &t("deleteDone"));
                        dom::focus("delete-all");
                    }
                })
            }),
        );
        let no = action_button(
            "delete-cancel",
            "secondary",
            &t("cancelButton"),
            Rc::new(|| {
                OPTIONS.with(|o| o.borrow_mut().confirm_delete = false);
                spawn(async {
                    let reply = send(&Intent::GetState).await;
                    render_options(&reply, None);
                    dom::focus("delete-all");
                })
            }),
        );
        let row = el("div", &[("class", "row")]);
        append(&row, &[&yes, &no]);
        wrap.append_child(&row).ok();
        section.append_child(&wrap).ok();
    } else {
        let b = button("delete-all", "danger", &t("deleteButton"));
        if !reply.state.sharing_anywhere() && reply.state.sync.contacts == 0 {
            b.set_attribute("aria-describedby", "delete-status").ok();
        }
        let state = reply.clone();
        dom::on_click(&b, move || {
            OPTIONS.with(|o| o.borrow_mut().confirm_delete = true);
            render_options(&state, None);
            dom::focus("delete-yes");
        });
        section.append_child(&b).ok();
    }
    section.append_child(&status("delete-status")).ok();
    section
}

/// The backend the extension talks to, without a trailing `/` (the default one when none is
/// set).
fn backend_base(reply: &Reply) -> String {
    let url = if reply.state.backend_url.is_empty() {
        &reply.state.default_backend_url
    } else {
        &reply.state.backend_url
    };
    url.trim_end_matches('/').to_string()
}

/// A link that opens a page of the backend in a new tab.
fn backend_link(reply: &Reply, id: &str, class: &str, path: &str, label: &str) -> Element {
    let href = format!("{}{path}", backend_base(reply));
    text_el(
        "a",
        &[
            ("id", id),
            ("class", class),
            ("href", &href),
            ("target", "_blank"),
            ("rel", "noopener"),
        ],
        label,
    )
}

/// "Delete my account": the backend's console page, in a tab (it signs in there first).
fn account_card(reply: &Reply) -> Element {
    let section = card("account", &t("accountHeading"), "h2");
    let help = text_el(
        "p",
        &[("id", "delete-account-help"), ("class", "muted")],
        &t("deleteAccountHelp"),
    );
    let link = backend_link(
        reply,
        "delete-account",
        "button danger",
        "/admin/account/delete",
        &t("deleteAccountLink"),
    );
    link.set_attribute("aria-describedby", "delete-account-help")
        .ok();
    append(&section, &[&help, &link]);
    section
}

/// The privacy policy of the backend the contacts go to.
fn privacy_link(reply: &Reply) -> Element {
    let p = el("p", &[("class", "muted privacy")]);
    p.append_child(&backend_link(
        reply,
        "privacy-link",
        "",
        "/privacy",
        &t("privacyPolicyLink"),
    ))
    .ok();
    p
}

fn backend_card(reply: &Reply) -> Element {
    let section = card("server", &t("serverHeading"), "h2");
    let form = el("form", &[("id", "backend-form"), ("novalidate", "")]);
    let label = text_el("label", &[("for", "backend-url")], &t("backendUrlLabel"));
    let input = el(
        "input",
        &[
            ("id", "backend-url"),
            ("name", "backend-url"),
            ("type", "url"),
            ("aria-describedby", "backend-url-help"),
            ("value", &reply.state.backend_url),
            ("placeholder", &reply.state.default_backend_url),
        ],
    );
    let help = text_el(
        "p",
        &[("id", "backend-url-help"), ("class", "muted")],
        &t("backendUrlHelp"),
    );
    let save = text_el(
        "button",
        &[("type", "submit"), ("id", "save")],
        &t("saveButton"),
    );
    append(&form, &[&label, &input, &help, &save]);
    on(&form, "submit", |event| {
        event.prevent_default();
        let typed = dom::input_value("backend-url");
        // Asking for a permission needs the user gesture: do it before any await.
        let permission = settings::normalize_backend_url(&typed)
            .ok()
            .filter(|url| url.starts_with("https://"))
            .and_then(|url| settings::permission_pattern(&url))
            .map(|pattern| browser::request_origin(&pattern));
        spawn(async move {
            if let Some(Ok(promise)) = permission {
                let granted = wasm_bindgen_futures::JsFuture::from(promise)
                    .await
                    .ok()
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                if !granted {
                    let mut reply = send(&Intent::GetState).await;
                    reply.problem = Some(Problem::PermissionDenied { url: typed });
                    render_options(&reply, Some(false));
                    return;
                }
            }
            let reply = send(&Intent::SetBackendUrl { url: typed }).await;
            let ok = reply.problem.is_none();
            render_options(&reply, Some(ok));
        });
    });
    section.append_child(&form).ok();
    section
}
