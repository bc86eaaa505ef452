//! Service-worker entry points, called by `extension/background.js`.
//!
//! The JS loader registers every listener synchronously at the top level (as MV3 requires) and
//! hands each event here once the wasm is initialised. These functions only check, convert and
//! delegate to [`Worker`].

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

/// Plain JSON-shaped JS values (objects, not Maps; `null` for `None`).
pub fn to_js<T: Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

/// Runs the due background jobs without holding up the caller.
fn run_jobs_soon() {
    wasm_bindgen_futures::spawn_local(async {
        if let Err(e) = worker().run_jobs().await {
            web_sys::console::error_1(&format!("AllyShare background work failed: {e}").into());
        }
    });
}

/// `chrome.runtime.onMessage`: answers an extension page's intent with a [`Reply`].
/// Messages from anyone else get no state at all.
#[wasm_bindgen]
pub async fn handle_message(message: JsValue, sender: JsValue) -> JsValue {
    let sender: Sender = serde_wasm_bindgen::from_value(sender).unwrap_or_default();
    if !messages::is_extension_page(
        &sender,
        &browser::extension_id(),
        &browser::extension_base_url(),
    ) {
        return JsValue::NULL;
    }
    let reply: Reply = match serde_wasm_bindgen::from_value::<Intent>(message) {
        Ok(intent) => {
            let starts_work = intent.starts_work();
            let reply = worker().handle(intent).await;
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

/// `chrome.runtime.onInstalled`: on a fresh install, open the onboarding page; in any case,
/// make sure the job alarm exists.
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
#[wasm_bindgen]
pub fn handle_startup() {
    run_jobs_soon();
}

/// `chrome.alarms.onAlarm`.
#[wasm_bindgen]
pub fn handle_alarm(name: String) {
    if name == JOBS_ALARM {
        run_jobs_soon();
    }
}
