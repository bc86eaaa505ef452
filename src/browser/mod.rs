//! The only module that touches `chrome.*` and `fetch`.
//!
//! Everything here converts and delegates: [`ChromeStore`] implements [`crate::store::Store`]
//! over `chrome.storage`, [`FetchHttp`] implements [`crate::http::Http`] over `fetch`, and a few
//! thin wrappers expose the runtime, i18n, permissions and tabs APIs to the pages and the worker.
//! A call that fails says which API failed and how, as a [`BrowserError`].

mod fetch;
mod platform;
mod storage;

pub use fetch::FetchHttp;
pub use platform::{BrowserPlatform, JOBS_ALARM};
pub use storage::ChromeStore;

use js_sys::{Array, Object, Promise, Reflect};
use thiserror::Error;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = getURL)]
    fn runtime_get_url(path: &str) -> String;
    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = sendMessage, catch)]
    fn runtime_send_message(message: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = openOptionsPage, catch)]
    fn runtime_open_options_page() -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "i18n"], js_name = getMessage)]
    fn i18n_get_message(name: &str, substitutions: &Array) -> String;
    #[wasm_bindgen(js_namespace = ["chrome", "i18n"], js_name = getUILanguage)]
    fn i18n_ui_language() -> String;
    #[wasm_bindgen(js_namespace = ["chrome", "permissions"], js_name = request, catch)]
    fn permissions_request(permissions: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "permissions"], js_name = contains, catch)]
    fn permissions_contains(permissions: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = getContexts, catch)]
    fn runtime_get_contexts(filter: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = create, catch)]
    fn tabs_create(properties: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "notifications"], js_name = create, catch)]
    fn notifications_create(id: &str, options: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "action"], js_name = setBadgeText, catch)]
    fn action_set_badge_text(details: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "action"], js_name = setBadgeBackgroundColor, catch)]
    fn action_set_badge_background_color(details: &JsValue) -> Result<Promise, JsValue>;
}

/// A call into the browser that did not succeed, by the API it went to.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BrowserError {
    /// The call threw at once: bad arguments, an API missing in this context, a permission
    /// the extension does not hold.
    #[error("{api} refused the call: {reason}")]
    Refused { api: &'static str, reason: String },
    /// The call's promise was rejected: nobody answered a message (the worker restarting), a
    /// tab closed, a page that does not exist.
    #[error("{api} failed: {reason}")]
    Failed { api: &'static str, reason: String },
    /// A value from the browser is not what was expected (a message that does not decode).
    #[error("unreadable value from the browser: {reason}")]
    Unreadable { reason: String },
}

impl BrowserError {
    fn refused(api: &'static str) -> impl FnOnce(JsValue) -> BrowserError {
        move |e| BrowserError::Refused {
            api,
            reason: js_error_text(&e),
        }
    }

    fn failed(api: &'static str) -> impl FnOnce(JsValue) -> BrowserError {
        move |e| BrowserError::Failed {
            api,
            reason: js_error_text(&e),
        }
    }
}

/// Waits for a `chrome.*` call's promise: the call threw (`Refused`), or the promise was
/// rejected (`Failed`), or its value.
pub(crate) async fn settle(
    api: &'static str,
    call: Result<Promise, JsValue>,
) -> Result<JsValue, BrowserError> {
    let promise = call.map_err(BrowserError::refused(api))?;
    JsFuture::from(promise)
        .await
        .map_err(BrowserError::failed(api))
}

/// Sets `key` on a plain object built for a call (never fails on a fresh `Object`).
fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &key.into(), value);
}

/// A JS error as text, for messages and logs.
pub fn js_error_text(e: &JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The extension's base URL: `chrome-extension://<id>/` in Chrome, `moz-extension://<uuid>/`
/// in Firefox (a random UUID per profile, not the add-on id).
pub fn extension_base_url() -> String {
    runtime_get_url("")
}

/// The extension's id as `MessageSender.id` reports it: in Chrome the host of the base URL, in
/// Firefox the add-on id of the manifest (`browser_specific_settings.gecko.id`), so read from
/// `runtime.id` rather than from the URL.
pub fn extension_id() -> String {
    ["chrome", "runtime", "id"]
        .iter()
        .try_fold(JsValue::from(js_sys::global()), |at, name| {
            Reflect::get(&at, &JsValue::from_str(name)).ok()
        })
        .and_then(|id| id.as_string())
        .unwrap_or_default()
}

/// Whether this is Firefox (its extension pages live at `moz-extension://`): the one runtime
/// check of the browser, for the few places the browser layer differs ([`ChromeStore`]).
pub fn is_firefox() -> bool {
    extension_base_url().starts_with("moz-extension://")
}

/// Sends a message to the service worker and waits for its answer.
pub async fn send_message(message: &JsValue) -> Result<JsValue, BrowserError> {
    settle("runtime.sendMessage", runtime_send_message(message)).await
}

/// A translated UI string from `_locales`, with `$1`… substitutions. Falls back to the message
/// name, so a missing translation shows up instead of an empty label.
pub fn message(name: &str, substitutions: &[String]) -> String {
    let subs: Array = substitutions.iter().map(|s| JsValue::from_str(s)).collect();
    let text = i18n_get_message(name, &subs);
    if text.is_empty() {
        name.to_string()
    } else {
        text
    }
}

/// The browser's UI language (`en-US`, `fr`…), for the pages' `lang` attribute.
pub fn ui_language() -> String {
    i18n_ui_language()
}

/// Asks the ally for access to an origin pattern (must run inside a user gesture, before any
/// `await`). Resolves to whether it was granted.
pub fn request_origin(pattern: &str) -> Result<Promise, BrowserError> {
    let origins: Array = std::iter::once(JsValue::from_str(pattern)).collect();
    let request = Object::new();
    set(&request, "origins", &origins);
    permissions_request(&request).map_err(BrowserError::refused("permissions.request"))
}

fn origins_request(patterns: &[String]) -> Object {
    let origins: Array = patterns.iter().map(|p| JsValue::from_str(p)).collect();
    let request = Object::new();
    set(&request, "origins", &origins);
    request
}

/// Whether the extension may reach every one of these origin patterns. Chrome grants the
/// manifest's `host_permissions` at install for good; Firefox lets the ally withhold or take
/// them back (about:addons → Permissions), so the onboarding asks when one is missing.
pub async fn has_origins(patterns: &[String]) -> bool {
    settle(
        "permissions.contains",
        permissions_contains(&origins_request(patterns)),
    )
    .await
    .ok()
    .and_then(|v| v.as_bool())
    .unwrap_or(false)
}

/// Asks the ally for every one of these origin patterns at once (inside a user gesture, before
/// any `await`). Resolves to whether they were granted.
pub fn request_origins(patterns: &[String]) -> Result<Promise, BrowserError> {
    permissions_request(&origins_request(patterns).into())
        .map_err(BrowserError::refused("permissions.request"))
}

fn api_permission(name: &str) -> Object {
    let permissions: Array = std::iter::once(JsValue::from_str(name)).collect();
    let request = Object::new();
    set(&request, "permissions", &permissions);
    request
}

/// Asks for an optional API permission (`"notifications"`). Must run inside a user gesture,
/// before any `await`. Resolves to whether it was granted.
pub fn request_permission(name: &str) -> Result<Promise, BrowserError> {
    permissions_request(&api_permission(name).into())
        .map_err(BrowserError::refused("permissions.request"))
}

/// Whether an optional API permission is granted.
pub async fn has_permission(name: &str) -> bool {
    settle(
        "permissions.contains",
        permissions_contains(&api_permission(name)),
    )
    .await
    .ok()
    .and_then(|v| v.as_bool())
    .unwrap_or(false)
}

/// Shows a system notification, if the ally granted the optional `notifications` permission
/// (without it, nothing: the badge still tells). Text only; `id` replaces an earlier one.
pub async fn notify(id: &str, title: &str, message: &str) {
    if !has_permission("notifications").await {
        return;
    }
    let options = Object::new();
    for (key, value) in [
        ("type", "basic".to_string()),
        ("iconUrl", runtime_get_url("icons/icon-128.png")),
        ("title", title.to_string()),
        ("message", message.to_string()),
    ] {
        set(&options, key, &value.into());
    }
    if let Err(e) = settle("notifications.create", notifications_create(id, &options)).await {
        web_sys::console::warn_1(&e.to_string().into());
    }
}

/// The toolbar badge (empty text hides it). `!` is shown in the error colour.
pub async fn set_badge(text: &str) {
    thread_local! {
        /// What this worker last put on the badge: most replies leave it as it is.
        static SHOWN: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    }
    if SHOWN.with(|s| s.borrow().as_deref() == Some(text)) {
        return;
    }
    SHOWN.with(|s| *s.borrow_mut() = Some(text.to_string()));
    let details = Object::new();
    set(&details, "text", &text.into());
    let _ = settle("action.setBadgeText", action_set_badge_text(&details)).await;
    let colour = if text == "!" { "#B3261E" } else { "#2F4DB8" };
    let details = Object::new();
    set(&details, "color", &colour.into());
    let _ = settle(
        "action.setBadgeBackgroundColor",
        action_set_badge_background_color(&details),
    )
    .await;
}

/// Opens an extension page (or any URL) in a new tab.
pub async fn open_tab(url: &str) -> Result<(), BrowserError> {
    let props = Object::new();
    set(&props, "url", &url.into());
    settle("tabs.create", tabs_create(&props)).await.map(|_| ())
}

/// Opens one of the extension's pages in a tab, unless a tab already shows it (that one polls
/// the worker and follows by itself).
pub async fn show_page(path: &str) -> Result<(), BrowserError> {
    let url = format!("{}{path}", extension_base_url());
    let filter = Object::new();
    set(&filter, "contextTypes", &Array::of1(&"TAB".into()));
    set(&filter, "documentUrls", &Array::of1(&url.clone().into()));
    let open = settle("runtime.getContexts", runtime_get_contexts(&filter)).await?;
    if Array::from(&open).length() > 0 {
        return Ok(());
    }
    open_tab(&url).await
}

/// Opens the options page.
pub async fn open_options_page() -> Result<(), BrowserError> {
    settle("runtime.openOptionsPage", runtime_open_options_page())
        .await
        .map(|_| ())
}
