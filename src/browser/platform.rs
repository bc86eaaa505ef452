//! [`Platform`] for the service worker: `chrome.storage`, `fetch`, `chrome.cookies`,
//! `chrome.alarms` and timers.

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::{ChromeStore, FetchHttp};
use crate::http::{Http, HttpRequest, HttpResponse, TransportError};
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

/// The browser, as the worker sees it.
#[derive(Debug, Clone, Copy)]
pub struct BrowserPlatform {
    store: ChromeStore,
    backend: FetchHttp,
    linkedin: FetchHttp,
}

impl Default for BrowserPlatform {
    fn default() -> Self {
        BrowserPlatform {
            store: ChromeStore,
            backend: FetchHttp::backend(),
            linkedin: FetchHttp::linkedin(),
        }
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

    async fn linkedin(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.linkedin.send(request).await
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
