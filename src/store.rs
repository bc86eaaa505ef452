//! Where the worker keeps state between wake-ups.
//!
//! Two areas, as in the browser: [`Area::Durable`] survives restarts (`chrome.storage.local`),
//! [`Area::Memory`] lasts until the browser closes and is hidden from content scripts
//! (`chrome.storage.session` — the place for the access token). Values are JSON text, so the
//! same code runs over the browser's storage and over [`MemoryStore`] in native tests.
//!
//! Every stored value is reached through a [`Key`], which names its area and its value's type:
//! `load(store, keys::PROFILE)` gives a [`allyshare_protocol::Me`], and saving anything else
//! under that key does not compile. [`keys`] is the list of them all.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::marker::PhantomData;

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

/// A stored value's name, its area, and (in the type) what it holds.
pub struct Key<T> {
    pub area: Area,
    pub name: Cow<'static, str>,
    /// Reads the stored text; `None` when it does not decode (an older format reads as absent,
    /// unless the key knows how to read it).
    decode: fn(&str) -> Option<T>,
    value: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Key<T> {
    /// A key in [`Area::Durable`].
    pub const fn durable(name: &'static str) -> Self {
        Key::new(Area::Durable, Cow::Borrowed(name))
    }

    /// A key in [`Area::Memory`].
    pub const fn memory(name: &'static str) -> Self {
        Key::new(Area::Memory, Cow::Borrowed(name))
    }

    const fn new(area: Area, name: Cow<'static, str>) -> Self {
        Key {
            area,
            name,
            decode: decode_json::<T>,
            value: PhantomData,
        }
    }
}

impl<T> Key<T> {
    /// Where the value is, without its type: for code that handles several keys alike
    /// (forgetting them all).
    pub fn place(&self) -> (Area, &str) {
        (self.area, &self.name)
    }

    /// The same key read by `decode` (for values whose older formats still have to be read).
    fn decoded_by(self, decode: fn(&str) -> Option<T>) -> Self {
        Key { decode, ..self }
    }
}

impl<T> Clone for Key<T> {
    fn clone(&self) -> Self {
        Key {
            area: self.area,
            name: self.name.clone(),
            decode: self.decode,
            value: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Key<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}:{}", self.area, self.name)
    }
}

fn decode_json<T: DeserializeOwned>(text: &str) -> Option<T> {
    crate::json::from_str(text).ok()
}

/// The keys the extension stores, each with its area and its value's type.
pub mod keys {
    use std::borrow::Cow;
    use std::collections::HashSet;

    use allyshare_protocol::{ContactRecord, Me, SyncLimits};

    use super::{Area, Key};
    use crate::auth::{AccessToken, RefreshToken};
    use crate::contact_list::Exclusions;
    use crate::handoff::{PendingHandoff, PendingSignIn};
    use crate::job::JobRecord;
    use crate::linkedin::ReadSettings;
    use crate::sync::Ledger;

    /// The access token and its expiry.
    pub const ACCESS_TOKEN: Key<AccessToken> = Key::memory("access_token");
    /// The refresh token and its expiry.
    pub const REFRESH_TOKEN: Key<RefreshToken> = Key::durable("refresh_token");
    /// The last `GET /v1/me` answer, so the popup can render at once.
    pub const PROFILE: Key<Me> = Key::durable("profile");
    /// The backend address chosen in the options page (absent: the build's default).
    pub const BACKEND_URL: Key<String> = Key::durable("backend_url");
    /// The background job: its schedule, the read and the upload in progress, the view of
    /// the work for the pages (see [`crate::job`]).
    pub const JOB: Key<JobRecord> = Key::durable("job");
    /// What the server acknowledged.
    pub const LEDGER: Key<Ledger> = Key::durable("ledger");
    /// The sync limits the server published, as last fetched.
    pub const SYNC_LIMITS: Key<SyncLimits> = Key::durable("sync_limits");
    /// The four records an earlier version kept instead of [`JOB`] (the schedule, the read,
    /// the upload, the work's view): read once into it, then removed.
    pub const LEGACY_JOB_RECORDS: [&str; 4] = ["schedule", "read_job", "upload", "work"];
    /// How LinkedIn is read; absent: the defaults. A developer setting (pacing, decoration
    /// id), not shown to allies.
    pub const READ_SETTINGS: Key<ReadSettings> = Key::durable("read_settings");
    /// The hand-off verifier, in memory only.
    pub const HANDOFF: Key<PendingHandoff> = Key::memory("handoff");
    /// A hand-off exchanged for tokens, waiting for the ally to confirm the account, in memory
    /// only: not a session until confirmed.
    pub const PENDING_SIGN_IN: Key<PendingSignIn> = Key::memory("pending_sign_in");
    /// Set when the ally signs out: a Get Started page still open (its grant lasts 30 minutes)
    /// must not sign them straight back in. Cleared by the next sign-in.
    pub const SIGNED_OUT_BY_ALLY: Key<bool> = Key::memory("signed_out_by_ally");
    /// How many introduction asks wait for an answer (for the badge).
    pub const PENDING_ASKS: Key<u32> = Key::durable("pending_asks");
    /// When the introduction asks were last looked at in the background (unix seconds).
    pub const ASKS_CHECKED_AT: Key<u64> = Key::durable("asks_checked_at");
    /// The pending asks the ally was already told about (ids), so each is announced once.
    pub const ASKS_ANNOUNCED: Key<HashSet<i64>> = Key::durable("asks_announced");
    /// Keys of the contacts the ally chose not to share.
    pub const EXCLUDED: Key<Exclusions> = Key::durable("excluded");

    /// The contact list is stored in this many buckets, so an update rewrites a fraction of it.
    pub const CONTACT_BUCKETS: u64 = 16;

    /// One bucket of the contact list (`0..CONTACT_BUCKETS`), kept in key order.
    pub fn contact_bucket(b: u64) -> Key<Vec<ContactRecord>> {
        contacts(format!("contacts.{b}"))
    }

    /// The contacts page `i` of an unfinished read brought, kept until the read is complete.
    pub fn read_page(i: u32) -> Key<Vec<ContactRecord>> {
        contacts(format!("read_page.{i}"))
    }

    fn contacts(name: String) -> Key<Vec<ContactRecord>> {
        Key::new(Area::Durable, Cow::Owned(name)).decoded_by(super::decode_contacts)
    }
}

/// What a storage call was doing when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOp {
    Read,
    Write,
    Remove,
}

impl std::fmt::Display for StoreOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StoreOp::Read => "read",
            StoreOp::Write => "write",
            StoreOp::Remove => "remove",
        })
    }
}

/// Storage failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// The browser refused (quota, storage disabled, the extension being reloaded).
    #[error("could not {op} \"{key}\" in the extension's storage: {reason}")]
    Refused {
        op: StoreOp,
        key: String,
        reason: String,
    },
    /// The value could not be written as JSON.
    #[error("could not encode \"{key}\" for the extension's storage: {reason}")]
    Encode { key: String, reason: String },
}

/// A key-value store of JSON text, in two areas.
#[allow(async_fn_in_trait)]
pub trait Store {
    async fn get(&self, area: Area, key: &str) -> Result<Option<String>, StoreError>;
    async fn set(&self, area: Area, key: &str, value: String) -> Result<(), StoreError>;
    async fn remove(&self, area: Area, key: &str) -> Result<(), StoreError>;

    /// Several values of one area, in the order asked; the browser answers them in one call
    /// (a read of 750 LinkedIn pages folds them with one round trip, not 750).
    async fn get_many(&self, area: Area, keys: &[&str]) -> Result<Vec<Option<String>>, StoreError> {
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            values.push(self.get(area, key).await?);
        }
        Ok(values)
    }

    /// Writes several values of one area (one browser call).
    async fn set_many(&self, area: Area, items: Vec<(String, String)>) -> Result<(), StoreError> {
        for (key, value) in items {
            self.set(area, &key, value).await?;
        }
        Ok(())
    }

    /// Removes several values of one area (one browser call).
    async fn remove_many(&self, area: Area, keys: &[&str]) -> Result<(), StoreError> {
        for key in keys {
            self.remove(area, key).await?;
        }
        Ok(())
    }
}

/// Reads and decodes a value; a value that no longer decodes (an older format) reads as absent.
pub async fn load<T>(store: &impl Store, key: Key<T>) -> Result<Option<T>, StoreError> {
    Ok(store
        .get(key.area, &key.name)
        .await?
        .and_then(|text| (key.decode)(&text)))
}

/// A value that may be stored under a `Key<T>`: a `T`, or a borrowed form that serialises the
/// same (a list of references, written without copying the contacts).
pub trait StoredAs<T>: Serialize {}

impl<T: Serialize> StoredAs<T> for T {}
impl StoredAs<Vec<ContactRecord>> for Vec<&ContactRecord> {}
impl StoredAs<Vec<ContactRecord>> for [ContactRecord] {}

/// Encodes and writes a value.
pub async fn save<T, V: StoredAs<T> + ?Sized>(
    store: &impl Store,
    key: Key<T>,
    value: &V,
) -> Result<(), StoreError> {
    let text = crate::json::to_string(value).map_err(|e| StoreError::Encode {
        key: key.name.to_string(),
        reason: e.to_string(),
    })?;
    store.set(key.area, &key.name, text).await
}

/// Deletes a value.
pub async fn forget<T>(store: &impl Store, key: Key<T>) -> Result<(), StoreError> {
    store.remove(key.area, &key.name).await
}

/// Reads and decodes several values of one area (the first key's) at once; see [`load`].
pub async fn load_many<T>(
    store: &impl Store,
    keys: &[Key<T>],
) -> Result<Vec<Option<T>>, StoreError> {
    let Some(first) = keys.first() else {
        return Ok(Vec::new());
    };
    let names: Vec<&str> = keys.iter().map(|k| k.name.as_ref()).collect();
    let texts = store.get_many(first.area, &names).await?;
    Ok(keys
        .iter()
        .zip(texts)
        .map(|(key, text)| text.and_then(|text| (key.decode)(&text)))
        .collect())
}

/// Values of several keys of one area, each of its own type, read with one browser call:
/// the popup's state on a cold worker, which read its four or five values one after the
/// other (the four calls saved were about 2 ms of its answer, measured in the worker).
#[derive(Debug)]
pub struct ReadTogether {
    values: Vec<(String, Option<String>)>,
}

impl ReadTogether {
    /// Reads `names` from `area` in one call.
    pub async fn read(
        store: &impl Store,
        area: Area,
        names: &[&str],
    ) -> Result<ReadTogether, StoreError> {
        let texts = store.get_many(area, names).await?;
        Ok(ReadTogether {
            values: names.iter().map(|n| n.to_string()).zip(texts).collect(),
        })
    }

    /// The value of `key` as [`load`] gives it; `None` as well when `key` was not read.
    pub fn value<T>(&self, key: &Key<T>) -> Option<T> {
        self.values
            .iter()
            .find(|(name, _)| *name == key.name)
            .and_then(|(_, text)| text.as_deref())
            .and_then(key.decode)
    }
}

/// Deletes several values of one area (the first key's) at once.
pub async fn forget_many<T>(store: &impl Store, keys: &[Key<T>]) -> Result<(), StoreError> {
    let Some(first) = keys.first() else {
        return Ok(());
    };
    let names: Vec<&str> = keys.iter().map(|k| k.name.as_ref()).collect();
    store.remove_many(first.area, &names).await
}

/// Carries out one batch of writes: one call for the values of each area, one for its
/// removals.
pub async fn apply(store: &impl Store, writes: Vec<crate::job::Write>) -> Result<(), StoreError> {
    let mut sets: [Vec<(String, String)>; 2] = Default::default();
    let mut removals: [Vec<String>; 2] = Default::default();
    for write in writes {
        let i = usize::from(write.area == Area::Memory);
        match write.value {
            Some(value) => sets[i].push((write.name, value)),
            None => removals[i].push(write.name),
        }
    }
    for (i, area) in [Area::Durable, Area::Memory].into_iter().enumerate() {
        let items = std::mem::take(&mut sets[i]);
        if !items.is_empty() {
            store.set_many(area, items).await?;
        }
        if !removals[i].is_empty() {
            let names: Vec<&str> = removals[i].iter().map(String::as_str).collect();
            store.remove_many(area, &names).await?;
        }
    }
    Ok(())
}

/// How the contact lists ([`keys::contact_bucket`], [`keys::read_page`]) are read. A list
/// stored by an earlier version may carry fields the protocol's record does not have (that
/// version kept a photo's expiry, and the company and position of a `Connections.csv`, which a
/// shared contact no longer has): they are dropped and the rest parsed again, so the contacts
/// still load and the next upload does not carry them. Any other unknown field still fails.
fn decode_contacts(text: &str) -> Option<Vec<ContactRecord>> {
    use crate::json::{self, Value};
    if let Ok(list) = json::from_str(text) {
        return Some(list);
    }
    const LEGACY_FIELDS: [&str; 3] = ["photo_expires_at", "company", "position"];
    let Value::Array(mut list) = json::parse(text).ok()? else {
        return None;
    };
    for record in &mut list {
        if let Value::Object(fields) = record {
            fields.retain(|(name, _)| !LEGACY_FIELDS.contains(&name.as_str()));
        }
    }
    json::from_str(&json::to_string(&Value::Array(list)).ok()?).ok()
}

/// An in-memory [`Store`] for native tests and for the wasm test worker (which has no `chrome.*`).
#[derive(Debug, Default)]
pub struct MemoryStore {
    values: RefCell<HashMap<(Area, String), String>>,
    /// Every key written, in order (tests count writes).
    written: RefCell<Vec<String>>,
    /// Every key read, in order (tests count reads).
    read: RefCell<Vec<String>>,
    /// Storage calls made (a call of several keys counts once, as in the browser).
    calls: std::cell::Cell<u32>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// What a new worker would find: the same values, no calls counted yet.
    pub fn snapshot(&self) -> MemoryStore {
        MemoryStore {
            values: RefCell::new(self.values.borrow().clone()),
            ..MemoryStore::default()
        }
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

    /// The storage calls made so far (reads, writes, removals; a call of many keys is one).
    pub fn calls(&self) -> u32 {
        self.calls.get()
    }

    fn count_call(&self) {
        self.calls.set(self.calls.get() + 1);
    }

    /// The keys written so far, in order, and forgets them.
    pub fn take_written(&self) -> Vec<String> {
        std::mem::take(&mut self.written.borrow_mut())
    }

    /// The keys read so far, in order, and forgets them.
    pub fn take_read(&self) -> Vec<String> {
        std::mem::take(&mut self.read.borrow_mut())
    }

    /// Whether the area holds nothing.
    pub fn is_empty(&self, area: Area) -> bool {
        self.len(area) == 0
    }
}

impl MemoryStore {
    fn put(&self, area: Area, key: &str, value: String) {
        self.written.borrow_mut().push(key.to_string());
        self.values
            .borrow_mut()
            .insert((area, key.to_string()), value);
    }
}

impl Store for MemoryStore {
    async fn get(&self, area: Area, key: &str) -> Result<Option<String>, StoreError> {
        self.count_call();
        self.read.borrow_mut().push(key.to_string());
        Ok(self.values.borrow().get(&(area, key.to_string())).cloned())
    }

    async fn set(&self, area: Area, key: &str, value: String) -> Result<(), StoreError> {
        self.count_call();
        self.put(area, key, value);
        Ok(())
    }

    async fn remove(&self, area: Area, key: &str) -> Result<(), StoreError> {
        self.count_call();
        self.values.borrow_mut().remove(&(area, key.to_string()));
        Ok(())
    }

    async fn get_many(&self, area: Area, keys: &[&str]) -> Result<Vec<Option<String>>, StoreError> {
        self.count_call();
        self.read
            .borrow_mut()
            .extend(keys.iter().map(|k| k.to_string()));
        let values = self.values.borrow();
        Ok(keys
            .iter()
            .map(|key| values.get(&(area, key.to_string())).cloned())
            .collect())
    }

    async fn set_many(&self, area: Area, items: Vec<(String, String)>) -> Result<(), StoreError> {
        self.count_call();
        for (key, value) in items {
            self.put(area, &key, value);
        }
        Ok(())
    }

    async fn remove_many(&self, area: Area, keys: &[&str]) -> Result<(), StoreError> {
        self.count_call();
        let mut values = self.values.borrow_mut();
        for key in keys {
            values.remove(&(area, key.to_string()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bucket as an earlier version stored it (every field written, `null` when absent, and
    /// the photo's expiry the protocol's record does not carry) still loads, whole.
    #[test]
    fn many_values_load_and_go_at_once_in_order() {
        let store = MemoryStore::new();
        futures_util::FutureExt::now_or_never(async {
            let page = |i: u32| {
                vec![ContactRecord {
                    profile_url: format!("https://www.linkedin.com/in/p{i}/"),
                    ..ContactRecord::default()
                }]
            };
            save(&store, keys::read_page(0), &page(0)).await.unwrap();
            save(&store, keys::read_page(2), &page(2)).await.unwrap();
            let pages: Vec<_> = (0..3).map(keys::read_page).collect();
            let loaded = load_many(&store, &pages).await.unwrap();
            assert_eq!(loaded, [Some(page(0)), None, Some(page(2))]);
            forget_many(&store, &pages).await.unwrap();
            assert!(store.is_empty(Area::Durable));
        })
        .unwrap();
    }

    #[test]
    fn contacts_stored_by_an_earlier_version_still_load() {
        let text = r#"[{"member_id":"ACoAAA1","public_identifier":"ada","profile_url":"https://www.linkedin.com/in/ada/","first_name":"Ada","last_name":null,"headline":null,"company":null,"position":null,"connected_on":"2025-12-19","photo_url":"https://media.licdn.com/x","photo_expires_at":1768435200000},{"member_id":null,"public_identifier":"bob","profile_url":"https://www.linkedin.com/in/bob/","first_name":"Bob","last_name":null,"headline":null,"company":"Acme","position":null,"connected_on":null,"photo_url":null,"photo_expires_at":null}]"#;
        let store = MemoryStore::new();
        futures_util::FutureExt::now_or_never(async {
            store
                .set(Area::Durable, "contacts.3", text.into())
                .await
                .unwrap();
            let list = load(&store, keys::contact_bucket(3))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(list.len(), 2);
            assert_eq!(list[0].key().as_deref(), Some("member:ACoAAA1"));
            assert_eq!(
                list[0].photo_url.as_deref(),
                Some("https://media.licdn.com/x")
            );
            assert_eq!(list[1].key().as_deref(), Some("url:bob"));
            // The company and position are dropped: written again, they are gone.
            save(&store, keys::contact_bucket(3), &list).await.unwrap();
            let again = store
                .get(Area::Durable, "contacts.3")
                .await
                .unwrap()
                .unwrap();
            assert!(
                !again.contains("company") && !again.contains("Acme"),
                "{again}"
            );
        })
        .unwrap();
    }
}
