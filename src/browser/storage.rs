//! [`Store`] over `chrome.storage.local` (durable) and `chrome.storage.session` (memory).
//!
//! `chrome.storage.session` is, by default, reachable from trusted extension contexts only — not
//! from content scripts — which is why the access token lives there.
//!
//! Firefox differs in one way that matters: its content scripts may read `storage.local`, and
//! it has no `storage.local.setAccessLevel` to close it (Chrome's way, `background.js`). So in
//! Firefox the durable area (the refresh token, the contacts, the ledger) is IndexedDB in the
//! extension's own origin, `moz-extension://<uuid>` ([`idb`]): by the web's same-origin rule a
//! content script, which runs with the page's origin (LinkedIn's, or the backend's), cannot
//! open that database, and with site isolation it lives in the extension's process, not in the
//! page's. `storage.session` (the memory area) is not exposed to content scripts in Firefox
//! either, so it stays as it is. Nothing is ever written to Firefox's `storage.local`.

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use super::{settle, BrowserError};
use crate::store::{Area, Store, StoreError, StoreOp};

thread_local! {
    /// Whether the durable area is IndexedDB (Firefox), decided once per context.
    static DURABLE_IN_IDB: bool = super::is_firefox();
}

/// Whether `area` lives in IndexedDB here.
fn in_idb(area: Area) -> bool {
    area == Area::Durable && DURABLE_IN_IDB.with(|f| *f)
}

/// An IndexedDB failure, said in the store's terms.
fn idb_error(op: StoreOp, key: &str) -> impl FnOnce(JsValue) -> StoreError + '_ {
    move |e| StoreError::Refused {
        op,
        key: key.to_string(),
        reason: format!("IndexedDB: {}", super::js_error_text(&e)),
    }
}

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
        if in_idb(area) {
            let values = idb::get(&[key])
                .await
                .map_err(idb_error(StoreOp::Read, key))?;
            return Ok(values.into_iter().next().flatten());
        }
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
        if in_idb(area) {
            return idb::set(&[(key, value.as_str())])
                .await
                .map_err(idb_error(StoreOp::Write, key));
        }
        let items = Object::new();
        let _ = Reflect::set(&items, &key.into(), &value.into());
        let (api, promise) = match area {
            Area::Durable => ("storage.local.set", local_set(&items)),
            Area::Memory => ("storage.session.set", session_set(&items)),
        };
        call(StoreOp::Write, key, api, promise).await.map(|_| ())
    }

    async fn remove(&self, area: Area, key: &str) -> Result<(), StoreError> {
        if in_idb(area) {
            return idb::remove(&[key])
                .await
                .map_err(idb_error(StoreOp::Remove, key));
        }
        let (api, promise) = match area {
            Area::Durable => ("storage.local.remove", local_remove(key)),
            Area::Memory => ("storage.session.remove", session_remove(key)),
        };
        call(StoreOp::Remove, key, api, promise).await.map(|_| ())
    }

    async fn get_many(&self, area: Area, keys: &[&str]) -> Result<Vec<Option<String>>, StoreError> {
        if in_idb(area) {
            let first = keys.first().copied().unwrap_or_default();
            return idb::get(keys)
                .await
                .map_err(idb_error(StoreOp::Read, first));
        }
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
        if in_idb(area) {
            let first = items.first().map(|(k, _)| k.as_str()).unwrap_or_default();
            let pairs: Vec<(&str, &str)> = items
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            return idb::set(&pairs)
                .await
                .map_err(idb_error(StoreOp::Write, first));
        }
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
        if in_idb(area) {
            let first = keys.first().copied().unwrap_or_default();
            return idb::remove(keys)
                .await
                .map_err(idb_error(StoreOp::Remove, first));
        }
        let names: Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
        let (api, promise) = match area {
            Area::Durable => ("storage.local.remove", local_remove_keys(&names)),
            Area::Memory => ("storage.session.remove", session_remove_keys(&names)),
        };
        let first = keys.first().copied().unwrap_or_default();
        call(StoreOp::Remove, first, api, promise).await.map(|_| ())
    }
}

/// The durable area in Firefox: one IndexedDB object store of JSON texts, in the extension's
/// own origin. Each call is one transaction (a batch of keys is written or read at once, as
/// `chrome.storage` does). Plain `js_sys` calls, so no browser-specific bindings are needed.
pub(crate) mod idb {
    use std::cell::RefCell;

    use js_sys::{Array, Function, Promise, Reflect};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    /// The database and its one object store (keys are the store's key names).
    pub const DATABASE: &str = "allyshare";
    pub const OBJECT_STORE: &str = "durable";

    thread_local! {
        /// The open database, kept for this context's life.
        static DB: RefCell<Option<JsValue>> = const { RefCell::new(None) };
    }

    fn field(on: &JsValue, name: &str) -> JsValue {
        Reflect::get(on, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    }

    fn invoke(on: &JsValue, method: &str, args: &Array) -> Result<JsValue, JsValue> {
        let f: Function = field(on, method).dyn_into()?;
        f.apply(on, args)
    }

    /// Settles when `target` fires `ok` (with its `result`) or one of `failures` (with its
    /// `error`). The handlers are set before anything awaits, so no event is missed.
    fn events(target: &JsValue, ok: &str, failures: &[&str]) -> Promise {
        let target = target.clone();
        let ok = format!("on{ok}");
        let failures: Vec<String> = failures.iter().map(|f| format!("on{f}")).collect();
        Promise::new(&mut |resolve, reject| {
            let t = target.clone();
            let done = Closure::once_into_js(move |_: JsValue| {
                let _ = resolve.call1(&JsValue::NULL, &field(&t, "result"));
            });
            let _ = Reflect::set(&target, &JsValue::from_str(&ok), &done);
            for name in &failures {
                let (t, reject) = (target.clone(), reject.clone());
                let failed = Closure::once_into_js(move |_: JsValue| {
                    let error = field(&t, "error");
                    let error = if error.is_null() || error.is_undefined() {
                        JsValue::from_str("the transaction was aborted")
                    } else {
                        error
                    };
                    let _ = reject.call1(&JsValue::NULL, &error);
                });
                let _ = Reflect::set(&target, &JsValue::from_str(name), &failed);
            }
        })
    }

    async fn database() -> Result<JsValue, JsValue> {
        if let Some(db) = DB.with(|d| d.borrow().clone()) {
            return Ok(db);
        }
        let factory = field(&js_sys::global(), "indexedDB");
        let request = invoke(&factory, "open", &Array::of2(&DATABASE.into(), &1.into()))?;
        let r = request.clone();
        let upgrade = Closure::once_into_js(move |_: JsValue| {
            let db = field(&r, "result");
            let _ = invoke(&db, "createObjectStore", &Array::of1(&OBJECT_STORE.into()));
        });
        Reflect::set(&request, &"onupgradeneeded".into(), &upgrade)?;
        let db = JsFuture::from(events(&request, "success", &["error", "blocked"])).await?;
        DB.with(|d| *d.borrow_mut() = Some(db.clone()));
        Ok(db)
    }

    /// Runs `requests` on the object store in one transaction; their results once it is done.
    async fn transaction(
        mode: &str,
        requests: impl FnOnce(&JsValue) -> Result<Vec<JsValue>, JsValue>,
    ) -> Result<Vec<JsValue>, JsValue> {
        let db = database().await?;
        let tx = match invoke(
            &db,
            "transaction",
            &Array::of2(&OBJECT_STORE.into(), &mode.into()),
        ) {
            Ok(tx) => tx,
            Err(e) => {
                // A connection the browser closed: open it again, once.
                DB.with(|d| *d.borrow_mut() = None);
                let db = database().await.map_err(|_| e)?;
                invoke(
                    &db,
                    "transaction",
                    &Array::of2(&OBJECT_STORE.into(), &mode.into()),
                )?
            }
        };
        let done = events(&tx, "complete", &["error", "abort"]);
        let store = invoke(&tx, "objectStore", &Array::of1(&OBJECT_STORE.into()))?;
        let sent = requests(&store);
        if sent.is_err() {
            let _ = invoke(&tx, "abort", &Array::new());
        }
        let sent = sent?;
        JsFuture::from(done).await?;
        Ok(sent.iter().map(|r| field(r, "result")).collect())
    }

    /// The texts stored under `keys` (`None` where there is none).
    pub async fn get(keys: &[&str]) -> Result<Vec<Option<String>>, JsValue> {
        let results = transaction("readonly", |store| {
            keys.iter()
                .map(|k| invoke(store, "get", &Array::of1(&JsValue::from_str(k))))
                .collect()
        })
        .await?;
        Ok(results.iter().map(JsValue::as_string).collect())
    }

    /// Stores every pair, all or none.
    pub async fn set(items: &[(&str, &str)]) -> Result<(), JsValue> {
        transaction("readwrite", |store| {
            items
                .iter()
                .map(|(k, v)| {
                    invoke(
                        store,
                        "put",
                        &Array::of2(&JsValue::from_str(v), &JsValue::from_str(k)),
                    )
                })
                .collect()
        })
        .await
        .map(|_| ())
    }

    /// Removes every key, all or none.
    pub async fn remove(keys: &[&str]) -> Result<(), JsValue> {
        transaction("readwrite", |store| {
            keys.iter()
                .map(|k| invoke(store, "delete", &Array::of1(&JsValue::from_str(k))))
                .collect()
        })
        .await
        .map(|_| ())
    }
}
