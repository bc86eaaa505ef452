//! The extension's pages: popup, options and onboarding, rendered by Rust through web-sys.
//!
//! A page holds no state of its own. It sends an [`Intent`] to the worker and renders the
//! [`Reply`] it gets back; every visible string comes from `_locales` through
//! [`browser::message`].

mod dom;

use allyshare_protocol::{NetworkMembership, Role};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement};

use crate::background::to_js;
use crate::browser;
use crate::messages::{Intent, Problem, Reply};
use crate::settings;
use dom::{append, el, on, text_el};

/// The root element every page renders into.
const ROOT: &str = "app";

fn t(name: &str) -> String {
    browser::message(name, &[])
}

fn t_with(name: &str, substitution: &str) -> String {
    browser::message(name, &[substitution.to_string()])
}

/// Sends an intent to the worker. A worker that cannot be reached is reported as a problem.
async fn send(intent: &Intent) -> Reply {
    let answer = browser::send_message(&to_js(intent)).await;
    let reply = answer.and_then(|value| {
        crate::background::from_js::<Reply>(&value)
    });
    match reply {
        Ok(reply) => reply,
        Err(detail) => Reply {
            state: crate::messages::ViewState::signed_out(settings::DEFAULT_BACKEND_URL),
            problem: Some(Problem::Unexpected { detail }),
            contacts: None,
            asks: None,
        },
    }
}

/// Which page is rendering: they share the sign-in form and the networks list.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Page {
    Popup,
    Onboarding,
}

fn set_lang() {
    if let Some(root) = dom::document().document_element() {
        let _ = root.set_attribute("lang", &browser::ui_language());
    }
    dom::document().set_title(&t("extName"));
}

fn problem_box(problem: Option<&Problem>) -> Option<Element> {
    problem.map(|p| {
        let (name, subs) = p.message();
        text_el(
            "p",
            &[("class", "error"), ("role", "alert")],
            &browser::message(name, &subs),
        )
    })
}

fn header() -> Element {
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
    append(&header, &[&icon, &title])
}

fn render(page: Page, reply: &Reply) {
    let mut children: Vec<Element> = Vec::new();
    if page == Page::Popup {
        children.push(header());
    } else {
        children.push(text_el("h1", &[], &t("onboardingTitle")));
    }
    if let Some(problem) = problem_box(reply.problem.as_ref()) {
        children.push(problem);
    }
    if reply.state.signed_in {
        children.extend(signed_in_view(page, reply));
    } else {
        if page == Page::Onboarding {
            children.push(text_el("p", &[], &t("onboardingIntro")));
        }
        children.push(sign_in_form(page));
    }
    let refs: Vec<&Element> = children.iter().collect();
    let root = dom::replace_content(ROOT, &refs);
    root.set_attribute("aria-busy", "false").ok();
}

fn render_loading() {
    let root = dom::replace_content(ROOT, &[&text_el("p", &[("class", "muted")], &t("loading"))]);
    root.set_attribute("aria-busy", "true").ok();
}

fn sign_in_form(page: Page) -> Element {
    let form = el(
        "form",
        &[("id", "sign-in"), ("class", "card"), ("novalidate", "")],
    );
    let heading = text_el("h2", &[], &t("signInHeading"));
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
            b.set_text_content(Some(&t("signingIn")));
        }
        wasm_bindgen_futures::spawn_local(async move {
            let reply = send(&Intent::SignIn {
                email: email.clone(),
                password,
            })
            .await;
            render(page, &reply);
            if !reply.state.signed_in {
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

fn role_label(role: Role) -> String {
    match role {
        Role::Ally => t("roleAlly"),
        Role::NetworkAdmin => t("roleNetworkAdmin"),
    }
}

fn network_item(network: &NetworkMembership) -> Element {
    let item = el("li", &[("data-network-id", &network.id.to_string())]);
    let name = text_el("span", &[("class", "name")], &network.name);
    let role = text_el(
        "span",
        &[("class", "role"), ("data-role", network.role.as_str())],
        &role_label(network.role),
    );
    append(&item, &[&name, &role])
}

fn signed_in_view(page: Page, reply: &Reply) -> Vec<Element> {
    let mut out = Vec::new();
    if page == Page::Onboarding {
        out.push(text_el("p", &[("role", "status")], &t("onboardingDone")));
    }
    if let Some(me) = &reply.state.me {
        let who = el("p", &[("class", "who")]);
        let name = text_el(
            "span",
            &[("id", "person-name")],
            &t_with("signedInAs", &me.person.name),
        );
        let email = text_el("span", &[("class", "muted")], &me.person.email);
        out.push(append(&who, &[&name, &el("br", &[]), &email]));
        out.push(text_el("h2", &[], &t("networksHeading")));
        if me.networks.is_empty() {
            out.push(text_el("p", &[("class", "muted")], &t("noNetworks")));
        } else {
            let list = el("ul", &[("class", "networks"), ("id", "networks")]);
            for network in &me.networks {
                list.append_child(&network_item(network)).ok();
            }
            out.push(list);
        }
    }
    if page == Page::Popup {
        let actions = el("div", &[("class", "actions")]);
        let sign_out = text_el(
            "button",
            &[
                ("type", "button"),
                ("id", "sign-out"),
                ("class", "secondary"),
            ],
            &t("signOutButton"),
        );
        on(&sign_out, "click", move |_| {
            render_loading();
            wasm_bindgen_futures::spawn_local(async move {
                render(page, &send(&Intent::SignOut).await);
            });
        });
        let options = text_el(
            "button",
            &[
                ("type", "button"),
                ("id", "open-options"),
                ("class", "secondary"),
            ],
            &t("openOptions"),
        );
        on(&options, "click", |_| {
            wasm_bindgen_futures::spawn_local(async {
                let _ = browser::open_options_page().await;
            });
        });
        out.push(append(&actions, &[&sign_out, &options]));
    }
    out
}

/// Popup entry point: paint the stored state at once, then bring it up to date.
#[wasm_bindgen]
pub async fn start_popup() {
    set_lang();
    render_loading();
    let first = send(&Intent::GetState).await;
    render(Page::Popup, &first);
    if first.state.signed_in {
        render(Page::Popup, &send(&Intent::Refresh).await);
    }
}

/// Onboarding entry point (opened on install).
#[wasm_bindgen]
pub async fn start_onboarding() {
    set_lang();
    render_loading();
    let first = send(&Intent::GetState).await;
    render(Page::Onboarding, &first);
    if first.state.signed_in {
        render(Page::Onboarding, &send(&Intent::Refresh).await);
    }
}

/// Options entry point: the backend address.
#[wasm_bindgen]
pub async fn start_options() {
    set_lang();
    render_loading();
    let reply = send(&Intent::GetState).await;
    render_options(&reply, None);
}

fn render_options(reply: &Reply, saved: Option<bool>) {
    let title = text_el("h1", &[], &t("optionsTitle"));
    let form = el(
        "form",
        &[
            ("id", "backend-form"),
            ("class", "card"),
            ("novalidate", ""),
        ],
    );
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
    let mut children = vec![title];
    if let Some(problem) = problem_box(reply.problem.as_ref()) {
        children.push(problem);
    } else if saved == Some(true) {
        children.push(text_el(
            "p",
            &[("role", "status"), ("id", "saved")],
            &t("saved"),
        ));
    }
    children.push(form.clone());
    on(&form, "submit", |event| {
        event.prevent_default();
        let typed = dom::input_value("backend-url");
        // Asking for a permission needs the user gesture: do it before any await.
        let permission = settings::normalize_backend_url(&typed)
            .ok()
            .filter(|url| url.starts_with("https://"))
            .and_then(|url| settings::permission_pattern(&url))
            .map(|pattern| browser::request_origin(&pattern));
        wasm_bindgen_futures::spawn_local(async move {
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
    let refs: Vec<&Element> = children.iter().collect();
    dom::replace_content(ROOT, &refs)
        .set_attribute("aria-busy", "false")
        .ok();
}
