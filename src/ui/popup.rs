//! The toolbar popup: the state at a glance and the few things the ally does from it.

use std::cell::RefCell;
use std::rc::Rc;

use allyshare_protocol::{IntroAsk, IntroAskState, NetworkMembership, Role};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

use super::components::{self, action_button, card, notice, problem_box, Action};
use super::dom::{self, append, button, el, on_click, text_el};
use super::{count, moment, name_list, send, spawn, t, t_args, t_with, ROOT};
use crate::browser;
use crate::messages::{Intent, LinkedInState, Phase, Problem, Reply};

/// A question the popup is asking before doing something that deletes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Confirm {
    NetworkOff(i64),
    StopAll,
}

#[derive(Default)]
struct Popup {
    reply: Option<Reply>,
    asks: Vec<IntroAsk>,
    confirm: Option<Confirm>,
    busy: bool,
    polling: bool,
    /// Decline reasons being typed, by ask: a re-render (progress) must not wipe them.
    reasons: std::collections::HashMap<i64, String>,
}

thread_local! {
    static POPUP: RefCell<Popup> = RefCell::new(Popup::default());
}

fn with<R>(f: impl FnOnce(&mut Popup) -> R) -> R {
    POPUP.with(|p| f(&mut p.borrow_mut()))
}

/// Popup entry point: paint the stored state at once, then bring it up to date.
#[cfg(feature = "pages")]
#[wasm_bindgen]
pub async fn start_popup(first: JsValue) {
    super::set_lang("extName");
    super::render_loading();
    // popup.js asked for the state while the wasm was loading: the two overlap.
    let early = match first.dyn_into::<js_sys::Promise>() {
        Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .ok()
            .and_then(|v| crate::background::from_js::<Reply>(&v).ok()),
        Err(_) => None,
    };
    let first = match early {
        Some(reply) => reply,
        None => send(&Intent::GetState).await,
    };
    let signed_in = first.state.signed_in;
    with(|p| p.reply = Some(first));
    render();
    super::mark_ready();
    if signed_in {
        refresh().await;
    }
    poll(0);
}

/// Re-reads the profile and the asks from the backend.
async fn refresh() {
    let reply = send(&Intent::Refresh).await;
    let signed_in = reply.state.signed_in;
    let problem = reply.problem.clone();
    with(|p| p.reply = Some(reply));
    if signed_in && problem.is_none() {
        let mut asks = send(&Intent::GetAsks).await;
        with(|p| {
            if let Some(list) = asks.asks.take() {
                p.asks = list;
            }
            p.reply = Some(asks);
        });
    }
    render();
}

/// Sends an intent, shows the answer; `min_polls` keeps watching the background work that
/// the intent may have started (it begins just after the answer).
fn act(intent: Intent, min_polls: u32) {
    with(|p| {
        p.busy = true;
        p.confirm = None;
    });
    render();
    spawn(async move {
        let mut reply = send(&intent).await;
        with(|p| {
            if let Some(asks) = reply.asks.take() {
                p.asks = asks;
            }
            p.reply = Some(reply);
            p.busy = false;
        });
        render();
        poll(min_polls);
    });
}

/// While the background work runs, shows its progress every half second.
fn poll(min_polls: u32) {
    if with(|p| std::mem::replace(&mut p.polling, true)) {
        return;
    }
    spawn(async move {
        let mut n = 0;
        loop {
            let working = with(|p| {
                p.reply
                    .as_ref()
                    .is_some_and(|r| r.state.sync.phase != Phase::Idle)
            });
            if !working && n >= min_polls {
                break;
            }
            dom::sleep(500).await;
            n += 1;
            let reply = send(&Intent::GetState).await;
            let same_shape = with(|p| {
                let old = p.reply.as_ref();
                let same = old.is_some_and(|o| {
                    o.state.me == reply.state.me
                        && o.state.pending_asks == reply.state.pending_asks
                        && o.state.signed_in == reply.state.signed_in
                        && o.state.sync.linkedin == reply.state.sync.linkedin
                        && o.state.sync.problem == reply.state.sync.problem
                });
                // Keep a problem the ally has not seen go away yet.
                let mut reply = reply;
                if reply.problem.is_none() {
                    reply.problem = old.and_then(|o| o.problem.clone());
                }
                p.reply = Some(reply);
                same
            });
            if same_shape && !with(|p| p.busy) {
                if let Some(section) = with(|p| p.reply.as_ref().map(sync_card)) {
                    dom::replace_element("sync", &section);
                }
            } else {
                render();
            }
        }
        with(|p| p.polling = false);
        // The work ended: the numbers and the asks may have changed.
        if n > 0 {
            render();
        }
    });
}

fn render() {
    let Some(reply) = with(|p| p.reply.clone()) else {
        return;
    };
    let mut children = vec![components::popup_header()];
    if !reply.state.signed_in {
        if let Some(problem) = &reply.problem {
            children.push(problem_box(problem, vec![]));
        }
        let done: Rc<dyn Fn(Reply)> = Rc::new(|reply: Reply| {
            with(|p| p.reply = Some(reply));
            render();
            spawn(async {
                if with(|p| p.reply.as_ref().is_some_and(|r| r.state.signed_in)) {
                    refresh().await;
                }
            });
        });
        // A hand-off from a Get Started page is asked about before the form.
        children.push(match &reply.state.pending_sign_in {
            Some(question) => components::handoff_question(question, done),
            None => components::sign_in_form(done),
        });
        let guide = button("open-guide", "link", &t("openGuide"));
        on_click(&guide, || {
            spawn(async {
                let url = format!("{}onboarding.html", browser::extension_base_url());
                let _ = browser::open_tab(&url).await;
            })
        });
        children.push(guide);
    } else {
        children.extend(signed_in(&reply));
    }
    let refs: Vec<&Element> = children.iter().collect();
    dom::replace_content(ROOT, &refs);
    super::finish_render();
}

fn retry_action() -> Action {
    Rc::new(|| {
        with(|p| {
            if let Some(r) = p.reply.as_mut() {
                r.problem = None;
            }
        });
        super::render_loading();
        spawn(refresh());
    })
}

fn problem_actions(problem: &Problem) -> Vec<Element> {
    match problem {
        Problem::Unreachable { .. } | Problem::Server | Problem::Unexpected { .. } => {
            vec![action_button(
                "retry",
                "secondary",
                &t("retryButton"),
                retry_action(),
            )]
        }
        Problem::PermissionDenied { .. } | Problem::InvalidUrl { .. } => {
            let b = button("problem-options", "secondary", &t("openOptions"));
            on_click(&b, || {
                spawn(async {
                    let _ = browser::open_options_page().await;
                })
            });
            vec![b]
        }
        _ => vec![],
    }
}

fn signed_in(reply: &Reply) -> Vec<Element> {
    let state = &reply.state;
    let mut out = Vec::new();
    if let Some(me) = &state.me {
        let who = el("p", &[("class", "who"), ("id", "who")]);
        let name = text_el(
            "span",
            &[("id", "person-name")],
            &t_with("signedInAs", &me.person.name),
        );
        let email = text_el("span", &[("class", "muted")], &me.person.email);
        out.push(append(&who, &[&name, &el("br", &[]), &email]));
    }
    if let Some(problem) = reply.problem.as_ref().or(state.sync.problem.as_ref()) {
        out.push(problem_box(problem, problem_actions(problem)));
    }
    if state.sharing_anywhere() {
        match state.sync.linkedin {
            LinkedInState::LoggedOut => {
                let sync = action_button(
                    "linkedin-retry",
                    "secondary",
                    &t("syncNow"),
                    Rc::new(|| act(Intent::SyncNow, 4)),
                );
                out.push(notice(
                    "linkedin-notice",
                    &t("linkedinLoggedOut"),
                    vec![components::linkedin_login_button("linkedin-login"), sync],
                ));
            }
            LinkedInState::FormatChanged => {
                let import = button("open-import", "secondary", &t("importCsvButton"));
                on_click(&import, || {
                    spawn(async {
                        let url =
                            format!("{}onboarding.html#connect", browser::extension_base_url());
                        let _ = browser::open_tab(&url).await;
                    })
                });
                out.push(notice(
                    "linkedin-notice",
                    &t("linkedinFormatChanged"),
                    vec![import],
                ));
            }
            _ => {}
        }
    }
    // Asks waiting for an answer come first: they are what the ally opened the popup for.
    let asks_waiting = with(|p| p.asks.iter().any(|a| a.state == IntroAskState::Pending));
    if asks_waiting {
        out.push(asks_card());
    }
    out.push(sync_card(reply));
    if let Some(me) = &state.me {
        out.push(networks_card(&me.networks));
    }
    if !asks_waiting {
        out.push(asks_card());
    }
    out.push(footer(state.sharing_anywhere()));
    out
}

fn row(term: &str, value: &str, id: &str) -> [Element; 2] {
    [
        text_el("dt", &[], term),
        text_el("dd", &[("id", id)], value),
    ]
}

fn sync_card(reply: &Reply) -> Element {
    let state = &reply.state;
    let sync = &state.sync;
    let section = card("sync", &t("syncHeading"), "h2");
    let busy = with(|p| p.busy);
    let sharing_with: Vec<String> = state
        .me
        .iter()
        .flat_map(|m| &m.networks)
        .filter(|n| n.sharing)
        .map(|n| n.name.clone())
        .collect();
    let headline = if sharing_with.is_empty() {
        t("notSharing")
    } else {
        super::t_count("sharingSummary", sync.shared, &[&name_list(&sharing_with)])
    };
    section
        .append_child(&text_el("p", &[("id", "sharing-summary")], &headline))
        .ok();
    let dl = el("dl", &[("class", "facts")]);
    let never = t("never");
    let last = sync.last_sync_at.map(moment).unwrap_or(never.clone());
    let next = match (sync.next_sync_at, sharing_with.is_empty()) {
        (_, true) | (None, _) => t("notScheduled"),
        (Some(at), false) => moment(at),
    };
    let linkedin = match sync.linkedin {
        LinkedInState::Unknown => t("linkedinUnknown"),
        LinkedInState::Connected => t("linkedinConnected"),
        LinkedInState::LoggedOut => t("linkedinNotConnected"),
        LinkedInState::Busy => t("linkedinBusy"),
        LinkedInState::FormatChanged => t("linkedinChanged"),
    };
    for pair in [
        row(&t("contactsShared"), &count(sync.shared), "shared-count"),
        row(&t("lastSync"), &last, "last-sync"),
        row(&t("nextSync"), &next, "next-sync"),
        row(&t("linkedinStatus"), &linkedin, "linkedin-status"),
    ] {
        dl.append_child(&pair[0]).ok();
        dl.append_child(&pair[1]).ok();
    }
    section.append_child(&dl).ok();
    if let Some(p) = components::progress(sync.phase, sync.linkedin) {
        section.append_child(&p).ok();
    }
    let working = sync.phase != Phase::Idle;
    let sync_now = action_button(
        "sync-now",
        "",
        &t(if working { "syncing" } else { "syncNow" }),
        Rc::new(|| act(Intent::SyncNow, 4)),
    );
    if working || busy {
        dom::set_disabled(&sync_now, true);
        if working {
            sync_now.set_attribute("aria-busy", "true").ok();
        }
    }
    section.append_child(&sync_now).ok();
    section
}

fn networks_card(networks: &[NetworkMembership]) -> Element {
    let section = card("networks-card", &t("networksHeading"), "h2");
    if networks.is_empty() {
        section
            .append_child(&text_el("p", &[("class", "muted")], &t("noNetworks")))
            .ok();
        return section;
    }
    let (confirm, busy) = with(|p| (p.confirm, p.busy));
    let list = el("ul", &[("class", "networks"), ("id", "networks")]);
    for network in networks {
        let item = el("li", &[("data-network-id", &network.id.to_string())]);
        let name_id = format!("net-{}-name", network.id);
        let name = text_el(
            "span",
            &[("class", "name"), ("id", &name_id)],
            &network.name,
        );
        item.append_child(&name).ok();
        if network.role == Role::NetworkAdmin {
            item.append_child(&text_el(
                "span",
                &[("class", "role"), ("data-role", network.role.as_str())],
                &components::role_label(network.role),
            ))
            .ok();
        } else {
            let switch = button(&format!("share-{}", network.id), "switch", "");
            switch.set_attribute("role", "switch").ok();
            switch
                .set_attribute(
                    "aria-checked",
                    if network.sharing { "true" } else { "false" },
                )
                .ok();
            switch.set_attribute("aria-labelledby", &name_id).ok();
            switch
                .append_child(&el("span", &[("class", "track"), ("aria-hidden", "true")]))
                .ok();
            let state_text = text_el(
                "span",
                &[("class", "switch-text"), ("aria-hidden", "true")],
                &t(if network.sharing { "on" } else { "off" }),
            );
            switch.append_child(&state_text).ok();
            if busy {
                dom::set_disabled(&switch, true);
            }
            let (id, sharing) = (network.id, network.sharing);
            on_click(&switch, move || {
                if sharing {
                    with(|p| p.confirm = Some(Confirm::NetworkOff(id)));
                    render();
                    dom::focus("confirm-yes");
                } else {
                    act(
                        Intent::SetSharing {
                            network_id: id,
                            sharing: true,
                        },
                        4,
                    );
                }
            });
            item.append_child(&switch).ok();
        }
        list.append_child(&item).ok();
        if confirm == Some(Confirm::NetworkOff(network.id)) {
            let li = el("li", &[("class", "confirm-row")]);
            let id = network.id;
            li.append_child(&confirm_box(
                &t_with("confirmOffTitle", &network.name),
                &t_with("confirmOffBody", &network.name),
                &t("confirmOffYes"),
                Rc::new(move || {
                    act(
                        Intent::SetSharing {
                            network_id: id,
                            sharing: false,
                        },
                        0,
                    )
                }),
                &format!("share-{id}"),
            ))
            .ok();
            list.append_child(&li).ok();
        }
    }
    section.append_child(&list).ok();
    section
}

/// An inline question before something that deletes: Escape or Cancel go back.
fn confirm_box(title: &str, body: &str, yes: &str, action: Action, back_to: &str) -> Element {
    let wrap = el(
        "div",
        &[
            ("class", "confirm"),
            ("id", "confirm"),
            ("role", "group"),
            ("aria-labelledby", "confirm-title"),
            ("aria-describedby", "confirm-body"),
        ],
    );
    wrap.append_child(&text_el(
        "p",
        &[("id", "confirm-title"), ("class", "strong")],
        title,
    ))
    .ok();
    wrap.append_child(&text_el("p", &[("id", "confirm-body")], body))
        .ok();
    let row = el("div", &[("class", "row")]);
    let yes = action_button("confirm-yes", "danger", yes, action);
    let back = back_to.to_string();
    let cancel_to = back.clone();
    let cancel = action_button(
        "confirm-cancel",
        "secondary",
        &t("cancelButton"),
        Rc::new(move || {
            with(|p| p.confirm = None);
            render();
            dom::focus(&cancel_to);
        }),
    );
    append(&row, &[&yes, &cancel]);
    wrap.append_child(&row).ok();
    dom::on(&wrap, "keydown", move |event| {
        let key = js_sys::Reflect::get(&event, &"key".into())
            .ok()
            .and_then(|k| k.as_string());
        if key.as_deref() == Some("Escape") {
            with(|p| p.confirm = None);
            render();
            dom::focus(&back);
        }
    });
    wrap
}

fn asks_card() -> Element {
    let (asks, busy) = with(|p| (p.asks.clone(), p.busy));
    let pending: Vec<&IntroAsk> = asks
        .iter()
        .filter(|a| a.state == IntroAskState::Pending)
        .collect();
    let section = card("asks", &t("asksHeading"), "h2");
    if pending.is_empty() {
        section
            .append_child(&text_el("p", &[("class", "muted")], &t("noAsks")))
            .ok();
        return section;
    }
    section
        .append_child(&text_el("p", &[("class", "muted")], &t("asksHelp")))
        .ok();
    let list = el("ul", &[("class", "asks"), ("id", "ask-list")]);
    for ask in pending {
        list.append_child(&ask_item(ask, busy)).ok();
    }
    section.append_child(&list).ok();
    section
}

/// One ask, as the ally sees it (also the example in onboarding).
pub fn ask_view(
    ask_id: &str,
    from: &str,
    network: &str,
    contact: &str,
    headline: Option<&str>,
    note: &str,
    profile_url: Option<&str>,
) -> Element {
    let item = el("li", &[("class", "ask"), ("id", ask_id)]);
    let who = if from.is_empty() {
        t_with("askFromNetwork", network)
    } else {
        t_args("askFrom", &[from, network])
    };
    item.append_child(&text_el("p", &[("class", "muted")], &who))
        .ok();
    let name_line = el("p", &[("class", "ask-contact")]);
    match profile_url.filter(|u| u.starts_with("https://www.linkedin.com/")) {
        Some(url) => {
            name_line
                .append_child(&text_el(
                    "a",
                    &[
                        ("href", url),
                        ("target", "_blank"),
                        ("rel", "noopener noreferrer"),
                    ],
                    contact,
                ))
                .ok();
        }
        None => {
            name_line
                .append_child(&text_el("strong", &[], contact))
                .ok();
        }
    }
    item.append_child(&name_line).ok();
    if let Some(h) = headline {
        item.append_child(&text_el("p", &[("class", "muted")], h))
            .ok();
    }
    if !note.is_empty() {
        item.append_child(&text_el("blockquote", &[], note)).ok();
    }
    item
}

fn ask_item(ask: &IntroAsk, busy: bool) -> Element {
    let from = ask
        .asked_by
        .as_ref()
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let item = ask_view(
        &format!("ask-{}", ask.id),
        &from,
        &ask.network_name,
        &ask.contact_name,
        ask.contact_headline.as_deref(),
        &ask.note,
        Some(&ask.contact_profile_url),
    );
    let id = ask.id;
    let row = el("div", &[("class", "row")]);
    let accept = action_button(
        &format!("accept-{id}"),
        "",
        &t("askAccept"),
        Rc::new(move || {
            act(
                Intent::AnswerAsk {
                    ask_id: id,
                    made: true,
                    reason: None,
                },
                0,
            )
        }),
    );
    accept
        .set_attribute("aria-label", &t_with("askAcceptLabel", &ask.contact_name))
        .ok();
    // An optional reason, sent with a decline only (the network sees it).
    let reason_id = format!("reason-{id}");
    let reason_field = el("div", &[("class", "field ask-reason")]);
    let max_chars = allyshare_protocol::limits::NOTE_MAX_CHARS.to_string();
    let typed = with(|p| p.reasons.get(&id).cloned().unwrap_or_default());
    let input = el(
        "input",
        &[
            ("id", &reason_id),
            ("type", "text"),
            ("maxlength", &max_chars),
            ("autocomplete", "off"),
            ("value", &typed),
        ],
    );
    dom::on(&input, "input", move |_| {
        let value = dom::input_value(&format!("reason-{id}"));
        with(|p| p.reasons.insert(id, value));
    });
    append(
        &reason_field,
        &[
            &text_el("label", &[("for", &reason_id)], &t("askReasonLabel")),
            &input,
        ],
    );
    item.append_child(&reason_field).ok();
    let decline = action_button(
        &format!("decline-{id}"),
        "secondary",
        &t("askDecline"),
        Rc::new(move || {
            act(
                Intent::AnswerAsk {
                    ask_id: id,
                    made: false,
                    reason: Some(dom::input_value(&format!("reason-{id}"))),
                },
                0,
            )
        }),
    );
    decline
        .set_attribute("aria-label", &t_with("askDeclineLabel", &ask.contact_name))
        .ok();
    if busy {
        dom::set_disabled(&accept, true);
        dom::set_disabled(&decline, true);
    }
    append(&row, &[&accept, &decline]);
    item.append_child(&row).ok();
    item
}

fn footer(sharing_anywhere: bool) -> Element {
    let actions = el("div", &[("class", "actions"), ("id", "popup-actions")]);
    let confirm = with(|p| p.confirm);
    if sharing_anywhere {
        let stop = button("stop-all", "secondary", &t("stopAllButton"));
        on_click(&stop, || {
            with(|p| p.confirm = Some(Confirm::StopAll));
            render();
            dom::focus("confirm-yes");
        });
        actions.append_child(&stop).ok();
    }
    let sign_out = button("sign-out", "secondary", &t("signOutButton"));
    on_click(&sign_out, || {
        with(|p| p.asks.clear());
        act(Intent::SignOut, 0)
    });
    actions.append_child(&sign_out).ok();
    if confirm == Some(Confirm::StopAll) {
        let wrap = el("div", &[]);
        wrap.append_child(&confirm_box(
            &t("confirmStopAllTitle"),
            &t("confirmStopAllBody"),
            &t("confirmStopAllYes"),
            Rc::new(|| act(Intent::StopSharing, 0)),
            "stop-all",
        ))
        .ok();
        wrap.append_child(&actions).ok();
        return wrap;
    }
    actions
}
