//! [`Store`] over `chrome.storage.local` (durable) and `chrome.storage.session` (memory).
//!
//! `chrome.storage.session` is, by default, reachable from trusted extension contexts only — not
//! from content scripts — which is why the access token lives there.

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::js_error_text;
use crate::store::{Area, Store, StoreError};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = get, catch)]
    fn local_get(key: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = set, catch)]
    fn local_set(items: &Object) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = remove, catch)]
    fn local_remove(key: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = get, catch)]
    fn session_get(key: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = set, catch)]
    fn session_set(items: &Object) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = remove, catch)]
    fn session_remove(key: &str) -> Result<Promise, JsValue>;
}

/// The browser's storage.
#[derive(Debug, Default, Clone, Copy)]
pub struct ChromeStore;

async fn settle(promise: Result<Promise, JsValue>) -> Result<JsValue, StoreError> {
    let promise = promise.map_err(|e| StoreError(js_error_text(&e)))?;
    JsFuture::from(promise)
        .await
        .map_err(|e| StoreError(js_error_text(&e)))
}

impl Store for ChromeStore {
    async fn get(&self, area: Area, key: &str) -> Result<Option<String>, StoreError> {
        let items = settle(match area {
            Area::Durable => local_get(key),
            Area::Memory => session_get(key),
        })
        .await?;
        let value = Reflect::get(&items, &key.into()).map_err(|e| StoreError(js_error_text(&e)))?;
        Ok(value.as_string())
    }

    async fn set(&self, area: Area, key: &str, value: String) -> Result<(), StoreError> {
        let items = Object::new();
        Reflect::set(&items, &key.into(), &value.into())
            .map_err(|e| StoreError(js_error_text(&e)))?;
        settle(match area {
            Area::Durable => local_set(&items),
            Area::Memory => session_set(&items),
        })
        .await
        .map(|_| ())
    }

    async fn remove(&self, area: Area, key: &str) -> Result<(), StoreError> {
        settle(match area {
            Area::Durable => local_remove(key),
            Area::Memory => session_remove(key),
        })
        .await
        .map(|_| ())
    }
}
