//! The onboarding page, opened by itself on install: sign in, then three steps — connect
//! LinkedIn, choose what is shared and with whom, learn how asks work — and a summary.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};

use super::components::{self, ally_networks, card, problem_box};
use super::dom::{self, append, button, el, on, on_click, text_el};
use super::{name_list, send, spawn, t, t_count, t_with, ROOT};
use crate::browser;
use crate::messages::{ContactRow, Intent, LinkedInState, Phase, Reply};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Step {
    SignIn,
    Connect,
    Share,
    Asks,
    Done,
}

struct Onboarding {
    reply: Reply,
    step: Step,
    /// Networks chosen in step 2.
    chosen: BTreeSet<i64>,
    chosen_set: bool,
    preview: Vec<ContactRow>,
    /// Contacts that will be shared (read minus excluded), for the summary.
    sharing_count: Option<u32>,
    /// Waiting for the ally to log in to LinkedIn in another tab.
    awaiting_login: bool,
    /// A read was started from this page (not started again by itself).
    read_started: bool,
    watching: bool,
    notify: Option<bool>,
    busy: bool,
    /// The ally answered "Not me" to a hand-off.
    declined: bool,
    /// Whether the extension may reach LinkedIn and the backend (Firefox lets the ally withhold
    /// the manifest's host permissions; Chrome grants them at install).
    site_access: bool,
}

thread_local! {
    static ONB: RefCell<Option<Onboarding>> = const { RefCell::new(None) };
}

fn with<R>(f: impl FnOnce(&mut Onboarding) -> R) -> R {
    ONB.with(|o| f(o.borrow_mut().as_mut().expect_throw("onboarding started")))
}

fn first_step(reply: &Reply) -> Step {
    let state = &reply.state;
    let asked_for_connect = dom::document()
        .location()
        .and_then(|l| l.hash().ok())
        .is_some_and(|h| h == "#connect");
    if !state.signed_in {
        Step::SignIn
    } else if asked_for_connect {
        Step::Connect
    } else if state.sharing_anywhere() {
        Step::Done
    } else if state.sync.contacts > 0 && state.sync.phase == Phase::Idle {
        Step::Share
    } else {
        Step::Connect
    }
}

/// Onboarding entry point (opened on install).
#[cfg(feature = "pages")]
#[wasm_bindgen]
pub async fn start_onboarding() {
    super::set_lang("onboardingTitle");
    super::render_loading();
    // Signed out, a refresh is the state alone (no request leaves the worker).
    let reply = send(&Intent::Refresh).await;
    let step = first_step(&reply);
    let site_access = browser::has_origins(&site_patterns(&reply)).await;
    ONB.with(|o| {
        *o.borrow_mut() = Some(Onboarding {
            reply,
            step: Step::SignIn,
            chosen: BTreeSet::new(),
            chosen_set: false,
            preview: Vec::new(),
            sharing_count: None,
            awaiting_login: false,
            read_started: false,
            watching: false,
            notify: None,
            busy: false,
            declined: false,
            site_access,
        })
    });
    go(step, false);
}

/// Moves to a step: loads what it needs, renders, and moves focus to its heading.
fn go(step: Step, move_focus: bool) {
    with(|o| o.step = step);
    match step {
        Step::Connect => {
            render();
            spawn(enter_connect());
        }
        Step::Share => spawn(async move {
            let reply = send(&Intent::GetContacts {
                offset: 0,
                limit: 3,
                query: None,
            })
            .await;
            with(|o| {
                o.preview = reply.contacts.map(|c| c.items).unwrap_or_default();
                if !o.chosen_set {
                    // The inviting network, on by default: the one joined last (its Get Started
                    // page is what brought the ally here).
                    let networks = o.reply.state.me.as_ref().map(|m| m.networks.clone());
                    if let Some(inviting) = networks.as_deref().and_then(|n| {
                        ally_networks(n)
                            .into_iter()
                            .rev()
                            .max_by_key(|n| n.joined_at)
                            .map(|n| n.id)
                    }) {
                        o.chosen.insert(inviting);
                    }
                    o.chosen_set = true;
                }
            });
            render();
            if move_focus {
                dom::focus("step-heading");
            }
        }),
        Step::Done => spawn(async move {
            let reply = send(&Intent::GetContacts {
                offset: 0,
                limit: 0,
                query: None,
            })
            .await;
            with(|o| {
                o.sharing_count = reply.contacts.map(|c| c.total.saturating_sub(c.excluded));
                o.reply.state = reply.state;
            });
            render();
            if move_focus {
                dom::focus("step-heading");
            }
            watch();
        }),
        Step::SignIn => {
            render();
            spawn(watch_sign_in());
        }
        _ => render(),
    }
    if move_focus && matches!(step, Step::Connect | Step::Asks | Step::SignIn) {
        dom::focus("step-heading");
    }
}

/// A hand-off from the Get Started page waits in the worker for the ally's answer: while the
/// form shows, look now and then whether one arrived (then ask), or whether the extension was
/// signed in elsewhere (then move on).
async fn watch_sign_in() {
    loop {
        dom::sleep(1000).await;
        if with(|o| o.step) != Step::SignIn {
            return;
        }
        let reply = send(&Intent::GetState).await;
        let asked = with(|o| o.reply.state.pending_sign_in.clone());
        if !reply.state.signed_in && reply.state.pending_sign_in != asked {
            with(|o| {
                o.reply = reply;
                o.declined = false;
            });
            render();
            dom::focus("handoff-heading");
            continue;
        }
        if reply.state.signed_in && with(|o| o.step) == Step::SignIn {
            let reply = send(&Intent::Refresh).await;
            let step = first_step(&reply);
            with(|o| o.reply = reply);
            go(step, true);
            return;
        }
    }
}

async fn enter_connect() {
    let (contacts, phase) = with(|o| (o.reply.state.sync.contacts, o.reply.state.sync.phase));
    if phase != Phase::Idle {
        watch();
        return;
    }
    if contacts > 0 {
        return;
    }
    let reply = send(&Intent::CheckLinkedIn).await;
    let connected = reply.state.sync.linkedin == LinkedInState::Connected;
    with(|o| o.reply = reply);
    if connected {
        start_read().await;
    } else {
        with(|o| o.awaiting_login = true);
        update_connect();
        watch();
    }
}

async fn start_read() {
    let reply = send(&Intent::SyncNow).await;
    with(|o| {
        o.reply = reply;
        o.read_started = true;
        o.awaiting_login = false;
    });
    update_connect();
    watch();
}

/// Follows the background work (and the LinkedIn login in another tab) while a step shows it.
fn watch() {
    if with(|o| std::mem::replace(&mut o.watching, true)) {
        return;
    }
    spawn(async {
        let mut quiet_polls = 0;
        loop {
            dom::sleep(500).await;
            let (step, awaiting) = with(|o| (o.step, o.awaiting_login));
            if !matches!(step, Step::Connect | Step::Done) {
                break;
            }
            if awaiting {
                let reply = send(&Intent::CheckLinkedIn).await;
                let connected = reply.state.sync.linkedin == LinkedInState::Connected;
                with(|o| o.reply = reply);
                if connected {
                    start_read().await;
                }
                continue;
            }
            let reply = send(&Intent::GetState).await;
            let idle = reply.state.sync.phase == Phase::Idle;
            with(|o| o.reply = reply);
            if step == Step::Connect {
                update_connect();
            } else {
                update_done();
            }
            // The job begins just after the intent is answered: give it a moment to show.
            quiet_polls = if idle { quiet_polls + 1 } else { 0 };
            if quiet_polls >= 4 {
                break;
            }
        }
        with(|o| o.watching = false);
    });
}

fn steps_nav(current: Step) -> Element {
    let nav = el("nav", &[("aria-label", &t("stepsLabel"))]);
    let list = el("ol", &[("class", "steps")]);
    for (step, name) in [
        (Step::Connect, "step1Title"),
        (Step::Share, "step2Title"),
        (Step::Asks, "step3Title"),
    ] {
        let li = text_el("li", &[], &t(name));
        if step == current {
            li.set_attribute("aria-current", "step").ok();
        }
        list.append_child(&li).ok();
    }
    nav.append_child(&list).ok();
    nav
}

fn step_heading(text: &str) -> Element {
    text_el("h2", &[("id", "step-heading"), ("tabindex", "-1")], text)
}

fn render() {
    let (step, reply) = with(|o| (o.step, o.reply.clone()));
    let mut children = vec![text_el("h1", &[], &t("onboardingTitle"))];
    if step != Step::SignIn && step != Step::Done {
        children.push(steps_nav(step));
    }
    if let Some(problem) = &reply.problem {
        if step != Step::Connect {
            children.push(problem_box(problem, vec![]));
        }
    }
    if !with(|o| o.site_access) {
        children.push(site_access_card(&reply));
    }
    match step {
        Step::SignIn => children.extend(sign_in_view(&reply)),
        Step::Connect => children.extend(connect_view()),
        Step::Share => children.push(share_view(&reply)),
        Step::Asks => children.push(asks_view()),
        Step::Done => children.push(done_view(&reply)),
    }
    let refs: Vec<&Element> = children.iter().collect();
    dom::replace_content(ROOT, &refs);
    super::finish_render();
}

// ------------------------------------------------------------------------------ site access

/// The origins the extension must reach: LinkedIn (reading, its session cookie) and the
/// backend (sign-in, uploads, the hand-off's content script in Firefox).
fn site_patterns(reply: &Reply) -> Vec<String> {
    let mut patterns = vec![format!("{}/*", crate::linkedin::LINKEDIN_ORIGIN)];
    patterns.extend(crate::settings::permission_pattern(
        &reply.state.backend_url,
    ));
    patterns
}

/// Asks for the host permissions Firefox let the ally withhold at install (or that were taken
/// back since): without them nothing can be read or sent.
fn site_access_card(reply: &Reply) -> Element {
    let section = card("site-access", &t("siteAccessHeading"), "h2");
    section
        .append_child(&text_el("p", &[], &t("siteAccessIntro")))
        .ok();
    let allow = button("site-access-allow", "", &t("siteAccessButton"));
    let patterns = site_patterns(reply);
    on_click(&allow, move || {
        // The permission prompt needs the click itself: ask before any await.
        let request = browser::request_origins(&patterns);
        let patterns = patterns.clone();
        spawn(async move {
            if let Ok(promise) = request {
                let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            }
            let granted = browser::has_origins(&patterns).await;
            with(|o| o.site_access = granted);
            render();
            if granted {
                dom::focus("step-heading");
            }
        });
    });
    section.append_child(&allow).ok();
    section
}

// ------------------------------------------------------------------------------ sign in

/// The sign-in form, or the question a waiting hand-off asks first.
fn sign_in_view(reply: &Reply) -> Vec<Element> {
    if let Some(question) = &reply.state.pending_sign_in {
        return vec![components::handoff_question(
            question,
            Rc::new(|reply: Reply| {
                let signed_in = reply.state.signed_in;
                with(|o| {
                    o.declined = !signed_in && reply.problem.is_none();
                    o.reply = reply;
                });
                if signed_in {
                    let step = with(|o| first_step(&o.reply));
                    go(step, true);
                } else {
                    // Declined or expired: the form is what comes next (the notice above it
                    // is announced as a status).
                    render();
                    dom::focus("email");
                }
            }),
        )];
    }
    let mut children = Vec::new();
    if with(|o| o.declined) {
        children.push(components::notice(
            "handoff-declined",
            &t("handoffDeclined"),
            vec![],
        ));
    }
    children.push(text_el("p", &[], &t("onboardingIntro")));
    children.push(components::sign_in_form(Rc::new(|reply: Reply| {
        let signed_in = reply.state.signed_in;
        with(|o| o.reply = reply);
        if signed_in {
            let step = with(|o| first_step(&o.reply));
            go(step, true);
        } else {
            render();
        }
    })));
    children
}

// ------------------------------------------------------------------------------ step 1

fn connect_view() -> Vec<Element> {
    let section = el(
        "section",
        &[
            ("class", "card"),
            ("id", "step-connect"),
            ("aria-labelledby", "step-heading"),
        ],
    );
    section.append_child(&step_heading(&t("step1Title"))).ok();
    section
        .append_child(&text_el("p", &[], &t("step1Intro")))
        .ok();
    section.append_child(&connect_status()).ok();
    vec![section, import_card()]
}

fn update_connect() {
    if with(|o| o.step) == Step::Connect {
        dom::replace_element("connect-status", &connect_status());
    }
}

fn connect_status() -> Element {
    let (reply, awaiting, started) = with(|o| (o.reply.clone(), o.awaiting_login, o.read_started));
    let sync = &reply.state.sync;
    let wrap = el("div", &[("id", "connect-status")]);
    if let Some(problem) = reply.problem.as_ref().or(sync.problem.as_ref()) {
        wrap.append_child(&problem_box(problem, vec![])).ok();
    }
    if let Some(progress) = components::progress(sync.phase, sync.linkedin) {
        wrap.append_child(&progress).ok();
        wrap.append_child(&text_el("p", &[("class", "muted")], &t("readCanLeave")))
            .ok();
        return wrap;
    }
    if sync.contacts > 0 {
        wrap.append_child(&text_el(
            "p",
            &[("class", "status"), ("id", "read-done"), ("role", "status")],
            &t_count("readDone", sync.contacts, &[]),
        ))
        .ok();
        let next = button("connect-next", "", &t("continueButton"));
        on_click(&next, || go(Step::Share, true));
        wrap.append_child(&next).ok();
        return wrap;
    }
    match sync.linkedin {
        LinkedInState::LoggedOut => {
            wrap.append_child(&text_el(
                "p",
                &[("id", "linkedin-state")],
                &t("linkedinNotLoggedIn"),
            ))
            .ok();
            let login = components::linkedin_login_button("linkedin-login");
            on_click(&login, || with(|o| o.awaiting_login = true));
            wrap.append_child(&login).ok();
            if awaiting {
                wrap.append_child(&text_el(
                    "p",
                    &[("class", "muted"), ("role", "status")],
                    &t("linkedinWaiting"),
                ))
                .ok();
                watch();
            }
        }
        LinkedInState::FormatChanged => {
            wrap.append_child(&text_el("p", &[], &t("linkedinFormatChanged")))
                .ok();
        }
        LinkedInState::Connected | LinkedInState::Busy if started => {
            // Connected and read, but nobody there: nothing to share from LinkedIn.
            wrap.append_child(&text_el("p", &[], &t("readNothing")))
                .ok();
            let again = button("read-connections", "secondary", &t("readAgain"));
            on_click(&again, || spawn(start_read()));
            wrap.append_child(&again).ok();
        }
        _ => {
            wrap.append_child(&text_el(
                "p",
                &[("class", "muted"), ("role", "status")],
                &t("linkedinChecking"),
            ))
            .ok();
        }
    }
    wrap
}

fn import_card() -> Element {
    let section = card("import", &t("importHeading"), "h2");
    section
        .append_child(&text_el("p", &[], &t("importIntro")))
        .ok();
    let steps = el("ol", &[("class", "howto")]);
    for name in ["importStep1", "importStep2", "importStep3", "importStep4"] {
        steps.append_child(&text_el("li", &[], &t(name))).ok();
    }
    section.append_child(&steps).ok();
    let label = text_el("label", &[("for", "csv-file")], &t("importChoose"));
    let input = el(
        "input",
        &[
            ("type", "file"),
            ("id", "csv-file"),
            ("accept", ".csv,text/csv"),
        ],
    );
    let file_input = input.clone();
    on(&input, "change", move |_| {
        let file = file_input
            .dyn_ref::<HtmlInputElement>()
            .and_then(|i| i.files())
            .and_then(|files| files.get(0));
        let Some(file) = file else { return };
        spawn(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            let reply = send(&Intent::ImportCsv { text }).await;
            with(|o| o.reply = reply);
            update_connect();
        });
    });
    append(&section, &[&label, &input]);
    section
}

// ------------------------------------------------------------------------------ step 2

fn share_view(reply: &Reply) -> Element {
    let (chosen, preview, busy) = with(|o| (o.chosen.clone(), o.preview.clone(), o.busy));
    let section = el(
        "section",
        &[
            ("class", "card"),
            ("id", "step-share"),
            ("aria-labelledby", "step-heading"),
        ],
    );
    section.append_child(&step_heading(&t("step2Title"))).ok();
    section
        .append_child(&text_el("p", &[], &t("step2Intro")))
        .ok();
    let networks = reply
        .state
        .me
        .as_ref()
        .map(|m| m.networks.clone())
        .unwrap_or_default();
    let allies = ally_networks(&networks);
    if allies.len() == 1 {
        section
            .append_child(&text_el(
                "p",
                &[("id", "single-network")],
                &t_with("shareWithOne", &allies[0].name),
            ))
            .ok();
        with(|o| {
            o.chosen.clear();
            o.chosen.insert(allies[0].id);
        });
    } else if allies.is_empty() {
        section
            .append_child(&text_el("p", &[("class", "muted")], &t("noNetworks")))
            .ok();
    } else {
        let fieldset = el(
            "fieldset",
            &[("id", "network-choice"), ("class", "choices")],
        );
        fieldset
            .append_child(&text_el("legend", &[], &t("shareWithLegend")))
            .ok();
        for network in allies {
            let id = format!("choose-{}", network.id);
            let row = el("div", &[("class", "choice")]);
            let input = el("input", &[("type", "checkbox"), ("id", &id)]);
            if chosen.contains(&network.id) {
                input.set_attribute("checked", "").ok();
            }
            let label = text_el("label", &[("for", &id)], &network.name);
            let network_id = network.id;
            let checkbox = input.clone();
            on(&input, "change", move |_| {
                let on = dom::checked(&checkbox);
                with(|o| {
                    if on {
                        o.chosen.insert(network_id);
                    } else {
                        o.chosen.remove(&network_id);
                    }
                });
                update_confirm();
            });
            append(&row, &[&input, &label]);
            fieldset.append_child(&row).ok();
        }
        section.append_child(&fieldset).ok();
    }
    section
        .append_child(&text_el("h3", &[], &t("whatIsShared")))
        .ok();
    section.append_child(&components::shared_fields()).ok();
    if !preview.is_empty() {
        section
            .append_child(&components::preview_table(&preview))
            .ok();
    }
    section
        .append_child(&text_el("h3", &[], &t("excludeHeading")))
        .ok();
    section.append_child(&components::contact_picker()).ok();
    let confirm = button("confirm-sharing", "", &t("confirmSharing"));
    if busy {
        dom::set_disabled(&confirm, true);
        confirm.set_attribute("aria-busy", "true").ok();
    }
    on_click(&confirm, confirm_sharing);
    let hint = text_el(
        "p",
        &[
            ("id", "choose-hint"),
            ("class", "muted"),
            ("role", "status"),
        ],
        "",
    );
    let row = el("div", &[("class", "actions")]);
    append(&row, &[&confirm, &hint]);
    section.append_child(&row).ok();
    section
}

fn update_confirm() {
    let none = with(|o| o.chosen.is_empty());
    if let Some(b) = dom::by_id("confirm-sharing") {
        dom::set_disabled(&b, none);
    }
    if let Some(h) = dom::by_id("choose-hint") {
        h.set_text_content(Some(&if none { t("chooseOne") } else { String::new() }));
    }
}

fn confirm_sharing() {
    let chosen: Vec<i64> = with(|o| {
        o.busy = true;
        o.chosen.iter().copied().collect()
    });
    if chosen.is_empty() {
        with(|o| o.busy = false);
        update_confirm();
        return;
    }
    if let Some(b) = dom::by_id("confirm-sharing") {
        dom::set_disabled(&b, true);
        b.set_attribute("aria-busy", "true").ok();
    }
    spawn(async move {
        for network_id in chosen {
            let reply = send(&Intent::SetSharing {
                network_id,
                sharing: true,
            })
            .await;
            let failed = reply.problem.is_some();
            with(|o| o.reply = reply);
            if failed {
                with(|o| o.busy = false);
                render();
                return;
            }
        }
        with(|o| o.busy = false);
        go(Step::Asks, true);
    });
}

// ------------------------------------------------------------------------------ step 3

fn asks_view() -> Element {
    let notify = with(|o| o.notify);
    let section = el(
        "section",
        &[
            ("class", "card"),
            ("id", "step-asks"),
            ("aria-labelledby", "step-heading"),
        ],
    );
    section.append_child(&step_heading(&t("step3Title"))).ok();
    section
        .append_child(&text_el("p", &[], &t("step3Intro")))
        .ok();
    let example = el("figure", &[("class", "example")]);
    example
        .append_child(&text_el(
            "figcaption",
            &[("class", "muted")],
            &t("exampleCaption"),
        ))
        .ok();
    let list = el("ul", &[("class", "asks")]);
    list.append_child(&super::popup::ask_view(
        "example-ask",
        &t("exampleFrom"),
        &t("exampleNetwork"),
        &t("exampleContact"),
        Some(&t("exampleHeadline")),
        &t("exampleNote"),
        None,
    ))
    .ok();
    example.append_child(&list).ok();
    section.append_child(&example).ok();
    let how = el("ol", &[("class", "howto")]);
    for name in ["answerStep1", "answerStep2", "answerStep3"] {
        how.append_child(&text_el("li", &[], &t(name))).ok();
    }
    section.append_child(&how).ok();
    section
        .append_child(&text_el("h3", &[], &t("notificationsHeading")))
        .ok();
    section
        .append_child(&text_el("p", &[], &t("notificationsIntro")))
        .ok();
    let result = match notify {
        Some(true) => t("notificationsOn"),
        Some(false) => t("notificationsOff"),
        None => String::new(),
    };
    let notify_button = button("notify", "secondary", &t("notificationsButton"));
    if notify == Some(true) {
        dom::set_disabled(&notify_button, true);
    }
    on_click(&notify_button, || {
        // The permission prompt needs the click itself: ask before any await.
        let request = browser::request_permission("notifications");
        spawn(async move {
            let granted = match request {
                Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise)
                    .await
                    .ok()
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
                Err(_) => false,
            };
            with(|o| o.notify = Some(granted));
            render();
            dom::focus("notify-result");
        });
    });
    section.append_child(&notify_button).ok();
    section
        .append_child(&text_el(
            "p",
            &[
                ("id", "notify-result"),
                ("role", "status"),
                ("tabindex", "-1"),
            ],
            &result,
        ))
        .ok();
    let next = button("asks-next", "", &t("finishButton"));
    on_click(&next, || go(Step::Done, true));
    let row = el("div", &[("class", "actions")]);
    row.append_child(&next).ok();
    section.append_child(&row).ok();
    section
}

// ------------------------------------------------------------------------------ done

fn sharing_names(reply: &Reply) -> Vec<String> {
    reply
        .state
        .me
        .iter()
        .flat_map(|m| &m.networks)
        .filter(|n| n.sharing)
        .map(|n| n.name.clone())
        .collect()
}

fn done_summary(reply: &Reply) -> String {
    let names = sharing_names(reply);
    let n = with(|o| o.sharing_count).unwrap_or(reply.state.sync.contacts);
    if names.is_empty() {
        t("notSharing")
    } else {
        t_count("doneSummary", n, &[&name_list(&names)])
    }
}

fn done_view(reply: &Reply) -> Element {
    let section = el(
        "section",
        &[
            ("class", "card"),
            ("id", "done"),
            ("aria-labelledby", "step-heading"),
        ],
    );
    section.append_child(&step_heading(&t("doneTitle"))).ok();
    section
        .append_child(&text_el(
            "p",
            &[("id", "done-summary"), ("class", "lead")],
            &done_summary(reply),
        ))
        .ok();
    let progress = el("div", &[("id", "done-progress")]);
    if let Some(p) = components::progress(reply.state.sync.phase, reply.state.sync.linkedin) {
        progress.append_child(&p).ok();
    }
    section.append_child(&progress).ok();
    section
        .append_child(&text_el("h3", &[], &t("nextHeading")))
        .ok();
    let hours = reply.state.cadence.map(|c| c.0).unwrap_or(24);
    let list = el("ul", &[("class", "next")]);
    list.append_child(&text_el(
        "li",
        &[],
        &t_with("nextSyncEvery", &hours.to_string()),
    ))
    .ok();
    list.append_child(&text_el("li", &[], &t("nextPopup"))).ok();
    list.append_child(&text_el("li", &[], &t("nextAsks"))).ok();
    list.append_child(&text_el("li", &[], &t("nextStop"))).ok();
    section.append_child(&list).ok();
    section
}

fn update_done() {
    let reply = with(|o| o.reply.clone());
    if let Some(e) = dom::by_id("done-summary") {
        e.set_text_content(Some(&done_summary(&reply)));
    }
    let progress = el("div", &[("id", "done-progress")]);
    if let Some(p) = components::progress(reply.state.sync.phase, reply.state.sync.linkedin) {
        progress.append_child(&p).ok();
    }
    dom::replace_element("done-progress", &progress);
}
