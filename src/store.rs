//! Where the worker keeps state between wake-ups.
//!
//! Two areas, as in the browser: [`Area::Durable`] survives restarts (`chrome.storage.local`),
//! [`Area::Memory`] lasts until the browser closes and is hidden from content scripts
//! (`chrome.storage.session` — the place for the access token). Values are JSON text, so the
//! same code runs over the browser's storage and over [`MemoryStore`] in native tests.

use std::cell::RefCell;
use std::collections::HashMap;

use allyshare_protocol::ContactRecord;
use serde::de::DeserializeOwned;
use serde::Serialize;
use thiserror::Error;

/// Which storage area a key lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    /// Survives browser restarts.
    Durable,
    /// Cleared when the browser closes; unreachable from content scripts.
    Memory,
}

/// The keys the extension stores, each with its area.
pub mod keys {
    use super::Area;

    /// The access token and its expiry ([`crate::auth::AccessToken`]).
    pub const ACCESS_TOKEN: (Area, &str) = (Area::Memory, "access_token");
    /// The refresh token and its expiry ([`crate::auth::RefreshToken`]).
    pub const REFRESH_TOKEN: (Area, &str) = (Area::Durable, "refresh_token");
    /// The last `GET /v1/me` answer, so the popup can render at once.
    pub const PROFILE: (Area, &str) = (Area::Durable, "profile");
    /// The backend address chosen in the options page (absent: the build's default).
    pub const BACKEND_URL: (Area, &str) = (Area::Durable, "backend_url");
    /// The job schedule ([`crate::jobs::Schedule`]).
    pub const SCHEDULE: (Area, &str) = (Area::Durable, "schedule");
    /// The LinkedIn read in progress ([`crate::linkedin::read::ReadJob`]).
    pub const READ_JOB: (Area, &str) = (Area::Durable, "read_job");
    /// What the server acknowledged ([`crate::sync::Ledger`]).
    pub const LEDGER: (Area, &str) = (Area::Durable, "ledger");
    /// The upload in progress ([`crate::sync::Upload`]).
    pub const UPLOAD: (Area, &str) = (Area::Durable, "upload");
    /// The sync limits the server published, as last fetched ([`allyshare_protocol::SyncLimits`]).
    pub const SYNC_LIMITS: (Area, &str) = (Area::Durable, "sync_limits");
    /// The background work's state and its view for the pages.
    pub const WORK: (Area, &str) = (Area::Durable, "work");
    /// How LinkedIn is read ([`crate::linkedin::ReadSettings`]); absent: the defaults. A
    /// developer setting (pacing, decoration id), not shown to allies.
    pub const READ_SETTINGS: (Area, &str) = (Area::Durable, "read_settings");
    /// The hand-off verifier ([`crate::handoff::PendingHandoff`]), in memory only.
    pub const HANDOFF: (Area, &str) = (Area::Memory, "handoff");
    /// A hand-off exchanged for tokens, waiting for the ally to confirm the account
    /// ([`crate::handoff::PendingSignIn`]), in memory only: not a session until confirmed.
    pub const PENDING_SIGN_IN: (Area, &str) = (Area::Memory, "pending_sign_in");
    /// Set when the ally signs out: a Get Started page still open (its grant lasts 30 minutes)
    /// must not sign them straight back in. Cleared by the next sign-in.
    pub const SIGNED_OUT_BY_ALLY: (Area, &str) = (Area::Memory, "signed_out_by_ally");
    /// How many introduction asks wait for an answer (for the badge).
    pub const PENDING_ASKS: (Area, &str) = (Area::Durable, "pending_asks");
    /// When the introduction asks were last looked at in the background (unix seconds).
    pub const ASKS_CHECKED_AT: (Area, &str) = (Area::Durable, "asks_checked_at");
    /// The pending asks the ally was already told about (ids), so each is announced once.
    pub const ASKS_ANNOUNCED: (Area, &str) = (Area::Durable, "asks_announced");
    /// Keys of the contacts the ally chose not to share.
    pub const EXCLUDED: (Area, &str) = (Area::Durable, "excluded");
}

/// Storage failed (quota, or the browser refused).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("could not use the extension's storage: {0}")]
pub struct StoreError(pub String);

/// A key-value store of JSON text, in two areas.
#[allow(async_fn_in_trait)]
pub trait Store {
    async fn get(&self, area: Area, key: &str) -> Result<Option<String>, StoreError>;
    async fn set(&self, area: Area, key: &str, value: String) -> Result<(), StoreError>;
    async fn remove(&self, area: Area, key: &str) -> Result<(), StoreError>;
}

/// Reads and decodes a value; a value that no longer decodes (an older format) reads as absent.
pub async fn load<T: DeserializeOwned>(
    store: &impl Store,
    (area, key): (Area, &str),
) -> Result<Option<T>, StoreError> {
    Ok(store
        .get(area, key)
        .await?
        .and_then(|text| serde_json::from_str(&text).ok()))
}

/// Reads a list of contacts (a bucket of the stored list, a page of a read in progress). A list
/// stored by an earlier version may carry fields the protocol's record does not have (that
/// version kept a photo's expiry): they are dropped rather than losing the list.
pub async fn load_contacts(
    store: &impl Store,
    (area, key): (Area, &str),
) -> Result<Option<Vec<ContactRecord>>, StoreError> {
    Ok(store
        .get(area, key)
        .await?
        .and_then(|text| decode_contacts(&text)))
}

/// See [`load_contacts`]. The one field an earlier version wrote that the record lacks is cut
/// out of the text (a quote inside a JSON string is always escaped, so the pattern cannot be
/// inside a value), and the text parsed again: one parser for both, which keeps the wasm small.
fn decode_contacts(text: &str) -> Option<Vec<ContactRecord>> {
    if let Ok(list) = serde_json::from_str(text) {
        return Some(list);
    }
    const LEGACY_FIELD: &str = ",\"photo_expires_at\":";
    let mut rest = text;
    let mut cleaned = String::with_capacity(text.len());
    while let Some(at) = rest.find(LEGACY_FIELD) {
        cleaned.push_str(&rest[..at]);
        let value = &rest[at + LEGACY_FIELD.len()..];
        let end = value
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
            .unwrap_or(value.len());
        rest = &value[end..];
    }
    cleaned.push_str(rest);
    serde_json::from_str(&cleaned).ok()
}

/// Encodes and writes a value.
pub async fn save<T: Serialize>(
    store: &impl Store,
    (area, key): (Area, &str),
    value: &T,
) -> Result<(), StoreError> {
    let text = serde_json::to_string(value).map_err(|e| StoreError(e.to_string()))?;
    store.set(area, key, text).await
}

/// Deletes a value.
pub async fn forget(store: &impl Store, (area, key): (Area, &str)) -> Result<(), StoreError> {
    store.remove(area, key).await
}

/// An in-memory [`Store`] for native tests and for the wasm test worker (which has no `chrome.*`).
#[derive(Debug, Default)]
pub struct MemoryStore {
    values: RefCell<HashMap<(Area, String), String>>,
    /// Every key written, in order (tests count writes).
    written: RefCell<Vec<String>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Drops the [`Area::Memory`] area, as the browser does when it closes.
    pub fn restart_browser(&self) {
        self.values
            .borrow_mut()
            .retain(|(a, _), _| *a == Area::Durable);
    }

    /// How many values the area holds.
    pub fn len(&self, area: Area) -> usize {
        self.values
            .borrow()
            .keys()
            .filter(|(a, _)| *a == area)
            .count()
    }

    /// The keys written so far, in order, and forgets them.
    pub fn take_written(&self) -> Vec<String> {
        std::mem::take(&mut self.written.borrow_mut())
    }

    /// Whether the area holds nothing.
    pub fn is_empty(&self, area: Area) -> bool {
        self.len(area) == 0
    }
}

impl Store for MemoryStore {
    async fn get(&self, area: Area, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.values.borrow().get(&(area, key.to_string())).cloned())
    }

    async fn set(&self, area: Area, key: &str, value: String) -> Result<(), StoreError> {
        self.written.borrow_mut().push(key.to_string());
        self.values
            .borrow_mut()
            .insert((area, key.to_string()), value);
        Ok(())
    }

    async fn remove(&self, area: Area, key: &str) -> Result<(), StoreError> {
        self.values.borrow_mut().remove(&(area, key.to_string()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bucket as an earlier version stored it (every field written, `null` when absent, and
    /// the photo's expiry the protocol's record does not carry) still loads, whole.
    #[test]
    fn contacts_stored_by_an_earlier_version_still_load() {
        let text = r#"[{"member_id":"ACoAAA1","public_identifier":"ada","profile_url":"https://www.linkedin.com/in/ada/","first_name":"Ada","last_name":null,"headline":null,"company":null,"position":null,"connected_on":"2025-12-19","photo_url":"https://media.licdn.com/x","photo_expires_at":1768435200000},{"member_id":null,"public_identifier":"bob","profile_url":"https://www.linkedin.com/in/bob/","first_name":"Bob","last_name":null,"headline":null,"company":"Acme","position":null,"connected_on":null,"photo_url":null,"photo_expires_at":null}]"#;
        let store = MemoryStore::new();
        futures_util::FutureExt::now_or_never(async {
            store
                .set(Area::Durable, "contacts.3", text.into())
                .await
                .unwrap();
            let list = load_contacts(&store, (Area::Durable, "contacts.3"))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(list.len(), 2);
            assert_eq!(list[0].key().as_deref(), Some("member:ACoAAA1"));
            assert_eq!(
                list[0].photo_url.as_deref(),
                Some("https://media.licdn.com/x")
            );
            assert_eq!(list[1].company.as_deref(), Some("Acme"));
        })
        .unwrap();
    }
}
