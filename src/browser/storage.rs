//! [`Store`] over `chrome.storage.local` (durable) and `chrome.storage.session` (memory).
//!
//! `chrome.storage.session` is, by default, reachable from trusted extension contexts only — not
//! from content scripts — which is why the access token lives there.

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use super::{settle, BrowserError};
use crate::store::{Area, Store, StoreError, StoreOp};

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
    // The same calls with a list of keys: one round trip for many values.
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = get, catch)]
    fn local_get_keys(keys: &Array) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = remove, catch)]
    fn local_remove_keys(keys: &Array) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = get, catch)]
    fn session_get_keys(keys: &Array) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = remove, catch)]
    fn session_remove_keys(keys: &Array) -> Result<Promise, JsValue>;
}

/// The browser's storage.
#[derive(Debug, Default, Clone, Copy)]
pub struct ChromeStore;

/// A storage call, its failure said in the store's terms.
async fn call(
    op: StoreOp,
    key: &str,
    api: &'static str,
    promise: Result<Promise, JsValue>,
) -> Result<JsValue, StoreError> {
    settle(api, promise).await.map_err(|e| StoreError::Refused {
        op,
        key: key.to_string(),
        reason: match e {
            BrowserError::Refused { reason, .. } | BrowserError::Failed { reason, .. } => reason,
            BrowserError::Unreadable { reason } => reason,
        },
    })
}

impl Store for ChromeStore {
    async fn get(&self, area: Area, key: &str) -> Result<Option<String>, StoreError> {
        let (api, promise) = match area {
            Area::Durable => ("storage.local.get", local_get(key)),
            Area::Memory => ("storage.session.get", session_get(key)),
        };
        let items = call(StoreOp::Read, key, api, promise).await?;
        Ok(Reflect::get(&items, &key.into())
            .ok()
            .and_then(|value| value.as_string()))
    }

    async fn set(&self, area: Area, key: &str, value: String) -> Result<(), StoreError> {
        let items = Object::new();
        let _ = Reflect::set(&items, &key.into(), &value.into());
        let (api, promise) = match area {
            Area::Durable => ("storage.local.set", local_set(&items)),
            Area::Memory => ("storage.session.set", session_set(&items)),
        };
        call(StoreOp::Write, key, api, promise).await.map(|_| ())
    }

    async fn remove(&self, area: Area, key: &str) -> Result<(), StoreError> {
        let (api, promise) = match area {
            Area::Durable => ("storage.local.remove", local_remove(key)),
            Area::Memory => ("storage.session.remove", session_remove(key)),
        };
        call(StoreOp::Remove, key, api, promise).await.map(|_| ())
    }

    async fn get_many(&self, area: Area, keys: &[&str]) -> Result<Vec<Option<String>>, StoreError> {
        let names: Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
        let (api, promise) = match area {
            Area::Durable => ("storage.local.get", local_get_keys(&names)),
            Area::Memory => ("storage.session.get", session_get_keys(&names)),
        };
        let first = keys.first().copied().unwrap_or_default();
        let items = call(StoreOp::Read, first, api, promise).await?;
        Ok(keys
            .iter()
            .map(|key| {
                Reflect::get(&items, &JsValue::from_str(key))
                    .ok()
                    .and_then(|value| value.as_string())
            })
            .collect())
    }

    async fn set_many(&self, area: Area, items: Vec<(String, String)>) -> Result<(), StoreError> {
        let object = Object::new();
        for (key, value) in &items {
            let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
        }
        let (api, promise) = match area {
            Area::Durable => ("storage.local.set", local_set(&object)),
            Area::Memory => ("storage.session.set", session_set(&object)),
        };
        let first = items.first().map(|(k, _)| k.as_str()).unwrap_or_default();
        call(StoreOp::Write, first, api, promise).await.map(|_| ())
    }

    async fn remove_many(&self, area: Area, keys: &[&str]) -> Result<(), StoreError> {
        let names: Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
        let (api, promise) = match area {
            Area::Durable => ("storage.local.remove", local_remove_keys(&names)),
            Area::Memory => ("storage.session.remove", session_remove_keys(&names)),
        };
        let first = keys.first().copied().unwrap_or_default();
        call(StoreOp::Remove, first, api, promise).await.map(|_| ())
    }
}
