//! Service-worker entry points, called by `extension/background.js`.
//!
//! The JS loader registers every listener synchronously at the top level (as MV3 requires) and
//! hands each event here once the wasm is initialised. These functions only check, convert and
//! delegate to [`Worker`].
//!
//! The entry points exist only with the `worker` feature (the worker's wasm bundle); the pages'
//! bundle keeps just the JS ↔ Rust conversions ([`to_js`], [`from_js`]).
#![cfg_attr(not(feature = "worker"), allow(dead_code, unused_imports))]

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::browser::{self, BrowserPlatform, JOBS_ALARM};
use crate::messages::{self, Intent, Problem, Reply, Sender};
use crate::worker::Worker;

type BrowserWorker = Worker<BrowserPlatform>;

thread_local! {
    static WORKER: &'static BrowserWorker =
        Box::leak(Box::new(Worker::new(BrowserPlatform::default())));
}

fn worker() -> &'static BrowserWorker {
    WORKER.with(|w| *w)
}

/// A Rust value as a plain JS object, through JSON text: the core's JSON ([`crate::json`])
/// writes it and `JSON.parse` makes the object ([`from_js`]: `JSON.stringify`, then the core's
/// reader). The worker carries the core's JSON for storage and the wire anyway; in the pages it
/// replaced serde-wasm-bindgen, whose error messages alone bring in Rust's float formatting:
/// 9.3 KB gzip smaller (README: Dependencies).
pub fn to_js<T: Serialize>(value: &T) -> JsValue {
    crate::json::to_string(value)
        .ok()
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::NULL)
}

/// A plain JS object (a message, a sender) as a Rust value; see [`to_js`].
pub fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, browser::BrowserError> {
    let unreadable = |reason: String| browser::BrowserError::Unreadable { reason };
    // `undefined` (a worker that did not answer) stringifies to `undefined`, not to a string.
    let text = js_sys::JSON::stringify(value)
        .map_err(|e| unreadable(browser::js_error_text(&e)))?
        .as_string()
        .ok_or_else(|| unreadable("no value".to_string()))?;
    crate::json::from_str(&text).map_err(|e| unreadable(e.to_string()))
}

/// Runs the due background jobs without holding up the caller; first, when due, looks for
/// new introduction asks and announces them.
fn run_jobs_soon() {
    wasm_bindgen_futures::spawn_local(async {
        match worker().new_asks_if_due().await {
            Ok(asks) => {
                for ask in asks {
                    let title =
                        browser::message("notifyAskTitle", std::slice::from_ref(&ask.network_name));
                    let body =
                        browser::message("notifyAskBody", std::slice::from_ref(&ask.contact_name));
                    browser::notify(&format!("ask-{}", ask.id), &title, &body).await;
                }
            }
            Err(e) => web_sys::console::error_1(&format!("AllyShare asks: {e}").into()),
        }
        if let Err(e) = worker().run_jobs().await {
            web_sys::console::error_1(&format!("AllyShare background work failed: {e}").into());
        }
        update_badge().await;
    });
}

/// The toolbar badge follows the stored state: pending asks, or `!` when the ally must act.
async fn update_badge() {
    if let Ok(state) = worker().view_state().await {
        browser::set_badge(&state.badge_text()).await;
    }
}

/// `chrome.runtime.onMessage`: answers an extension page's intent with a [`Reply`].
/// Messages from anyone else get no state at all.
#[cfg(feature = "worker")]
#[wasm_bindgen]
pub async fn handle_message(message: JsValue, sender: JsValue) -> JsValue {
    let sender: Sender = from_js(&sender).unwrap_or_default();
    if !messages::is_extension_page(
        &sender,
        &browser::extension_id(),
        &browser::extension_base_url(),
    ) {
        return JsValue::NULL;
    }
    let reply: Reply = match from_js::<Intent>(&message) {
        Ok(intent) => {
            let starts_work = intent.starts_work();
            let reply = worker().handle(intent).await;
            // The badge follows without holding up the answer.
            let badge = reply.state.badge_text();
            wasm_bindgen_futures::spawn_local(async move { browser::set_badge(&badge).await });
            if starts_work {
                run_jobs_soon();
            }
            reply
        }
        Err(e) => {
            worker()
                .reply(Some(Problem::Unexpected {
                    detail: format!("unreadable message: {e}"),
                }))
                .await
        }
    };
    to_js(&reply)
}

/// `chrome.runtime.onMessageExternal`: the hand-off from the backend's Get Started page
/// (`externally_connectable`). The worker checks the sender's origin against its backend. A
/// code taken is a sign-in waiting for the ally's answer: the onboarding page asks it.
#[cfg(feature = "worker")]
#[wasm_bindgen]
pub async fn handle_external(message: JsValue, sender: JsValue) -> JsValue {
    let origin = js_sys::Reflect::get(&sender, &"origin".into())
        .ok()
        .and_then(|o| o.as_string());
    hand_off(message, origin).await
}

/// The same hand-off in Firefox, which has no `externally_connectable`: the page's message
/// relayed by our content script on the backend's origin (`extension/firefox/handoff-content.js`,
/// sent as `{relay: "handoff", message}` through `runtime.onMessage`). The page's origin is the
/// one the browser reports for the content script's frame ([`messages::relayed_page_origin`]),
/// then checked against the backend exactly as Chrome's `sender.origin` is.
#[cfg(feature = "worker")]
#[wasm_bindgen]
pub async fn handle_relayed(message: JsValue, sender: JsValue) -> JsValue {
    let sender: Sender = from_js(&sender).unwrap_or_default();
    let origin = messages::relayed_page_origin(
        &sender,
        &browser::extension_id(),
        &browser::extension_base_url(),
    );
    if origin.is_none() {
        return to_js(&serde_json::json!({ "ok": false }));
    }
    hand_off(message, origin).await
}

#[cfg(feature = "worker")]
async fn hand_off(message: JsValue, origin: Option<String>) -> JsValue {
    let message = from_js::<crate::handoff::ExternalMessage>(&message).ok();
    let answer = worker().handle_external(message, origin.as_deref()).await;
    if answer == crate::handoff::ExternalAnswer::TAKEN {
        wasm_bindgen_futures::spawn_local(async {
            if let Err(e) = browser::show_page("onboarding.html").await {
                web_sys::console::warn_1(&format!("could not open onboarding: {e}").into());
            }
        });
    }
    to_js(&answer)
}

/// `chrome.runtime.onInstalled`: on a fresh install, open the onboarding page; in any case,
/// make sure the job alarm exists.
#[cfg(feature = "worker")]
#[wasm_bindgen]
pub async fn handle_installed(reason: String) {
    if reason == "install" {
        let url = format!("{}onboarding.html", browser::extension_base_url());
        if let Err(e) = browser::open_tab(&url).await {
            web_sys::console::warn_1(&format!("could not open onboarding: {e}").into());
        }
    }
    run_jobs_soon();
}

/// `chrome.runtime.onStartup` (the browser started): resume or schedule the background work.
#[cfg(feature = "worker")]
#[wasm_bindgen]
pub fn handle_startup() {
    run_jobs_soon();
}

/// `chrome.alarms.onAlarm`.
#[cfg(feature = "worker")]
#[wasm_bindgen]
pub fn handle_alarm(name: String) {
    if name == JOBS_ALARM {
        run_jobs_soon();
    }
}
