//! [`Platform`] for the service worker: `chrome.storage`, `fetch`, `chrome.cookies`,
//! `chrome.alarms`, timers, and the LinkedIn-tab fallback (`chrome.tabs`).

use std::cell::Cell;

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::{ChromeStore, FetchHttp};
use crate::http::{Http, HttpRequest, HttpResponse, TransportError};
use crate::linkedin::fallback::{self, Route};
use crate::linkedin::LINKEDIN_ORIGIN;
use crate::platform::Platform;

/// The one alarm that drives every background job (see [`crate::jobs`]).
pub const JOBS_ALARM: &str = "allyshare-jobs";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "cookies"], js_name = get, catch)]
    fn cookies_get(details: &Object) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "alarms"], js_name = create, catch)]
    fn alarms_create(name: &str, info: &Object) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = query, catch)]
    fn tabs_query(query: &Object) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = sendMessage, catch)]
    fn tabs_send_message(tab_id: f64, message: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(array: &js_sys::Uint8Array) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: f64) -> JsValue;
}

/// How long the worker waits for a LinkedIn tab's answer (the content script gives up at 15 s).
const TAB_ANSWER_TIMEOUT_MS: f64 = 18_000.0;

/// At most this many LinkedIn tabs are asked, one after the other.
const MAX_TABS_ASKED: usize = 3;

/// The browser, as the worker sees it.
#[derive(Debug)]
pub struct BrowserPlatform {
    store: ChromeStore,
    backend: FetchHttp,
    linkedin: FetchHttp,
    /// Whether LinkedIn requests go to a tab first, for this worker's life (decided by
    /// [`fallback::send`]).
    route: Cell<Route>,
}

impl Default for BrowserPlatform {
    fn default() -> Self {
        BrowserPlatform {
            store: ChromeStore,
            backend: FetchHttp::backend(),
            linkedin: FetchHttp::linkedin(),
            route: Cell::new(Route::default()),
        }
    }
}

/// The two ways to LinkedIn, for [`fallback::send`].
struct LinkedInWays<'a>(&'a BrowserPlatform);

impl fallback::LinkedInTransports for LinkedInWays<'_> {
    async fn fetch(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.0.linkedin.send(request).await
    }

    async fn via_tab(&self, message: &fallback::TabMessage) -> Option<HttpResponse> {
        via_linkedin_tab(message).await
    }

    async fn has_session_cookie(&self) -> bool {
        self.0.linkedin_jsessionid().await.is_some()
    }

    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
}

impl Platform for BrowserPlatform {
    type Store = ChromeStore;

    fn store(&self) -> &ChromeStore {
        &self.store
    }

    async fn backend(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.backend.send(request).await
    }

    /// The worker's own fetch, or the same Voyager GET from an open linkedin.com tab
    /// (`extension/linkedin-content.js`), as [`fallback::send`] decides.
    async fn linkedin(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        fallback::send(&self.route, &LinkedInWays(self), request).await
    }

    async fn linkedin_jsessionid(&self) -> Option<String> {
        let details = Object::new();
        Reflect::set(&details, &"url".into(), &LINKEDIN_ORIGIN.into()).ok()?;
        Reflect::set(&details, &"name".into(), &"JSESSIONID".into()).ok()?;
        let cookie = JsFuture::from(cookies_get(&details).ok()?).await.ok()?;
        if cookie.is_null() || cookie.is_undefined() {
            return None;
        }
        Reflect::get(&cookie, &"value".into()).ok()?.as_string()
    }

    async fn sleep_ms(&self, ms: u64) {
        let promise = Promise::new(&mut |resolve, _| {
            set_timeout(&resolve, ms as f64);
        });
        let _ = JsFuture::from(promise).await;
    }

    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }

    fn random(&self) -> u64 {
        (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64
    }

    fn secure_random(&self) -> [u8; 32] {
        let mut bytes = [0u8; 32];
        let array = js_sys::Uint8Array::new_with_length(32);
        let _ = get_random_values(&array);
        array.copy_to(&mut bytes);
        bytes
    }

    async fn wake_at(&self, at_ms: u64) {
        let info = Object::new();
        // Chrome rounds alarms up to 30 s from now at the earliest.
        let _ = Reflect::set(&info, &"when".into(), &(at_ms as f64).into());
        if let Ok(promise) = alarms_create(JOBS_ALARM, &info) {
            let _ = JsFuture::from(promise).await;
        }
    }
}

/// Sends the request through the first open linkedin.com tab that answers; `None` when no tab
/// could (none open, content script not there yet, timeout, malformed answer).
async fn via_linkedin_tab(message: &fallback::TabMessage) -> Option<HttpResponse> {
    let message = crate::json::to_string(message)
        .ok()
        .and_then(|text| js_sys::JSON::parse(&text).ok())?;
    for tab_id in linkedin_tabs().await.into_iter().take(MAX_TABS_ASKED) {
        let Ok(sent) = tabs_send_message(tab_id, &message) else {
            continue;
        };
        let timeout = Promise::new(&mut |resolve, _| {
            set_timeout(&resolve, TAB_ANSWER_TIMEOUT_MS);
        });
        let race = Promise::race(&Array::of2(&sent, &timeout));
        let Ok(answer) = JsFuture::from(race).await else {
            continue; // no content script in that tab (e.g. opened before the extension)
        };
        let Some(text) = js_sys::JSON::stringify(&answer)
            .ok()
            .and_then(|text| text.as_string())
        else {
            continue;
        };
        if let Some(response) = fallback::read_tab_answer(&text) {
            return Some(response);
        }
    }
    None
}

/// Open linkedin.com tabs that can run a script, the active and most recently used first.
async fn linkedin_tabs() -> Vec<f64> {
    let query = Object::new();
    let _ = Reflect::set(&query, &"url".into(), &fallback::TAB_URL_PATTERN.into());
    let Ok(promise) = tabs_query(&query) else {
        return Vec::new();
    };
    let Ok(tabs) = JsFuture::from(promise).await else {
        return Vec::new();
    };
    let field = |tab: &JsValue, name: &str| Reflect::get(tab, &name.into()).ok();
    let mut found: Vec<(bool, f64, f64)> = Array::from(&tabs)
        .iter()
        .filter(|tab| field(tab, "discarded").and_then(|v| v.as_bool()) != Some(true))
        .filter_map(|tab| {
            let id = field(&tab, "id")?.as_f64()?;
            let active = field(&tab, "active").and_then(|v| v.as_bool()) == Some(true);
            let last = field(&tab, "lastAccessed")
                .and_then(|v| v.as_f64())
                .unwrap_or(0.0);
            Some((active, last, id))
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
    found.into_iter().map(|(_, _, id)| id).collect()
}
