//! The extension's pages: popup, options and onboarding, rendered by Rust through web-sys.
//!
//! A page holds no state of its own beyond what is on screen (a confirmation being asked, a
//! search being typed). It sends an [`Intent`] to the worker and renders the [`Reply`] it gets
//! back; every visible string comes from `_locales` through [`browser::message`], and every
//! name from LinkedIn or the server is set as text (see [`dom`]).
//!
//! The entry points exist only with the `pages` feature (the pages' wasm bundle); the worker's
//! bundle compiles this module without them, and the linker drops all of it.
#![cfg_attr(not(feature = "pages"), allow(dead_code, unused_imports))]

mod components;
mod dom;
mod onboarding;
mod options;
mod popup;

use wasm_bindgen::prelude::*;

use crate::background::{from_js, to_js};
use crate::browser;
use crate::messages::{Intent, Problem, Reply};
use crate::settings;

#[cfg(feature = "pages")]
pub use onboarding::start_onboarding;
#[cfg(feature = "pages")]
pub use options::start_options;
#[cfg(feature = "pages")]
pub use popup::start_popup;

/// The root element every page renders into.
const ROOT: &str = "app";

/// Where the ally logs in to LinkedIn.
const LINKEDIN_LOGIN: &str = "https://www.linkedin.com/login";

fn t(name: &str) -> String {
    browser::message(name, &[])
}

fn t_with(name: &str, substitution: &str) -> String {
    browser::message(name, &[substitution.to_string()])
}

fn t_args(name: &str, substitutions: &[&str]) -> String {
    let subs: Vec<String> = substitutions.iter().map(|s| s.to_string()).collect();
    browser::message(name, &subs)
}

/// A message whose first substitution is the count `n`, in the right plural form (see
/// [`crate::messages::is_singular`]); `rest` are the other substitutions.
fn t_count(name: &str, n: u32, rest: &[&str]) -> String {
    let name = if crate::messages::is_singular(&browser::ui_language(), n) {
        format!("{name}One")
    } else {
        name.to_string()
    };
    let shown = count(n);
    let mut subs: Vec<&str> = vec![&shown];
    subs.extend_from_slice(rest);
    t_args(&name, &subs)
}

/// A count in the ally's language ("1,234", "1 234").
fn count(n: u32) -> String {
    js_sys::Number::from(f64::from(n))
        .to_locale_string(&browser::ui_language())
        .as_string()
        .unwrap_or_else(|| n.to_string())
}

/// A moment (Unix seconds) as a short local date and time.
fn moment(secs: u64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(secs as f64 * 1000.0));
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    date.to_locale_string(&browser::ui_language(), &options)
        .into()
}

/// A list of names in the ally's language ("A, B and C").
fn name_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => t_args("listAnd", &[&rest.join(", "), last]),
    }
}

/// Sends an intent to the worker. A worker that cannot be reached is reported as a problem.
async fn send(intent: &Intent) -> Reply {
    let answer = browser::send_message(&to_js(intent)).await;
    match answer.and_then(|value| from_js::<Reply>(&value)) {
        Ok(reply) => reply,
        Err(detail) => Reply {
            state: crate::messages::ViewState::signed_out(settings::DEFAULT_BACKEND_URL),
            problem: Some(Problem::Unexpected {
                detail: detail.to_string(),
            }),
            contacts: None,
            asks: None,
            preferences: None,
        },
    }
}

fn spawn(future: impl std::future::Future<Output = ()> + 'static) {
    wasm_bindgen_futures::spawn_local(future);
}

fn set_lang(title: &str) {
    if let Some(root) = dom::document().document_element() {
        let _ = root.set_attribute("lang", &browser::ui_language());
    }
    dom::document().set_title(&t(title));
}

fn render_loading() {
    let root = dom::replace_content(
        ROOT,
        &[&dom::text_el("p", &[("class", "loading")], &t("loading"))],
    );
    root.set_attribute("aria-busy", "true").ok();
}

fn finish_render() {
    if let Some(root) = dom::by_id(ROOT) {
        root.set_attribute("aria-busy", "false").ok();
    }
}

/// Marks the first meaningful paint (read by the e2e suite: the popup must be ready fast).
fn mark_ready() {
    if let Some(window) = web_sys::window() {
        let ms = window.performance().map(|p| p.now()).unwrap_or_default();
        if let Some(body) = dom::document().body() {
            // JS formats the number: Rust's float formatting would be 20 KB of this bundle.
            let text: String = js_sys::Number::from(ms)
                .to_fixed(1)
                .map(String::from)
                .unwrap_or_default();
            body.set_attribute("data-ready-ms", &text).ok();
        }
    }
}
