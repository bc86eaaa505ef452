//! The ally's contacts as the extension knows them, how a read changes that list, and which
//! of them the ally keeps to themselves.
//!
//! Reads produce contacts page by page; this module merges them into the stored list — an
//! incremental read or a CSV import adds and updates, a full read replaces (that is how removed
//! connections disappear) — and picks the records that are shared. A person known from the CSV
//! export (no member id) and from the API is one contact: they are matched by the protocol's
//! key by public identifier ([`ContactRecord::url_key`]); the API's record wins and keeps the
//! export's connected-on date when it has none. Every key here is the protocol's, the one the server keys
//! uploads by. Pure functions over plain data; the worker keeps the list in storage buckets.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::contacts::{self, ContactRecord};

/// Merges newly read contacts into `list`: a contact with the same key, or the same key by
/// public identifier, is replaced (keeping the connected-on date and member id it had when the new
/// one has none); others are added. The newest first order of `new` is kept at the front. A new contact
/// without a key (nothing identifies it) can be neither matched nor shared: it is left out.
pub fn merge(list: &[ContactRecord], new: &[ContactRecord]) -> Vec<ContactRecord> {
    let mut by_key: HashMap<String, usize> = HashMap::with_capacity(list.len() * 2);
    for (i, c) in list.iter().enumerate() {
        // The url key first: a member key (the better one) wins a clash.
        for key in [c.url_key(), c.key()].into_iter().flatten() {
            by_key.insert(key, i);
        }
    }
    let mut replaced: HashSet<usize> = HashSet::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out: Vec<ContactRecord> = Vec::with_capacity(list.len() + new.len());
    for c in new {
        let Some(key) = c.key() else { continue };
        if !seen.insert(key.clone()) {
            continue;
        }
        let old = by_key
            .get(&key)
            .or_else(|| c.url_key().and_then(|k| by_key.get(&k)))
            .copied();
        let mut merged = c.clone();
        if let Some(i) = old {
            replaced.insert(i);
            let previous = &list[i];
            merged.connected_on = merged
                .connected_on
                .or_else(|| previous.connected_on.clone());
            // An export row never downgrades an API record's member id.
            merged.member_id = merged.member_id.or_else(|| previous.member_id.clone());
            if let Some(key) = merged.key() {
                seen.insert(key);
            }
        }
        out.push(merged);
    }
    for (i, c) in list.iter().enumerate() {
        if !replaced.contains(&i) && !c.key().is_some_and(|k| seen.contains(&k)) {
            out.push(c.clone());
        }
    }
    out
}

/// The list after a full read: exactly what was read (connections that were not are gone),
/// with the connected-on dates the export gave for the same people.
pub fn replace(list: &[ContactRecord], read: &[ContactRecord]) -> Vec<ContactRecord> {
    let kept = merge(list, read);
    let read_keys = known_keys(read);
    kept.into_iter()
        .filter(|c| {
            c.key().is_some_and(|k| read_keys.contains(&k))
                || c.url_key().is_some_and(|k| read_keys.contains(&k))
        })
        .collect()
}

/// The keys a read should treat as already known (for the incremental stop): each contact's
/// key and its key by public identifier.
pub fn known_keys(list: &[ContactRecord]) -> HashSet<String> {
    let mut keys = HashSet::with_capacity(list.len() * 2);
    for c in list {
        keys.extend(c.key());
        keys.extend(c.url_key());
    }
    keys
}

/// The contacts the ally chose not to share, by the protocol's key. Stored as a JSON array of
/// keys. A contact is excluded when its key or its key by public identifier is here, so an
/// exclusion made on a row of the CSV export (no member id) still holds once LinkedIn's API
/// gives the same person's member id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Exclusions(HashSet<String>);

impl Exclusions {
    /// Whether `c` is kept from the networks.
    pub fn contains(&self, c: &ContactRecord) -> bool {
        !self.0.is_empty()
            && [c.key(), c.url_key()]
                .into_iter()
                .flatten()
                .any(|k| self.0.contains(&k))
    }

    /// Whether nothing is excluded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Excludes (or shares again) the contact of `list` whose key is `key` (a key from the
    /// pages' rows). Sharing again removes both of the contact's keys. Returns whether anything
    /// changed.
    pub fn set(&mut self, list: &[ContactRecord], key: &str, exclude: bool) -> bool {
        if exclude {
            return self.0.insert(key.to_string());
        }
        let contact = list.iter().find(|c| c.key().as_deref() == Some(key));
        let url_key = contact.and_then(ContactRecord::url_key);
        let removed = self.0.remove(key);
        url_key.is_some_and(|k| self.0.remove(&k)) || removed
    }

    /// The exclusions in the protocol's key rule: a key an earlier version stored under its own
    /// rule ([`contacts::legacy_key`]) is replaced by that contact's key. `None` when every key
    /// already is (the common case, decided without looking at the list when no key can be a
    /// legacy one). Keys of contacts no longer in the list are kept as they are.
    pub fn canonical(&self, list: &[ContactRecord]) -> Option<Exclusions> {
        if !self.0.iter().any(|k| may_be_legacy(k)) {
            return None;
        }
        let mut by_legacy: HashMap<String, String> = HashMap::new();
        for c in list {
            if let Some(key) = c.key() {
                let legacy = contacts::legacy_key(c);
                if legacy != key {
                    by_legacy.insert(legacy, key);
                }
            }
        }
        let mut changed = false;
        let keys = self
            .0
            .iter()
            .map(|k| match by_legacy.get(k) {
                Some(key) => {
                    changed = true;
                    key.clone()
                }
                None => k.clone(),
            })
            .collect();
        changed.then_some(Exclusions(keys))
    }
}

/// Whether a stored key may have been written under the legacy rule rather than the protocol's:
/// the two differ only for untrimmed ids and for a contact keyed by its profile URL.
fn may_be_legacy(key: &str) -> bool {
    let id = key
        .strip_prefix("member:")
        .or_else(|| key.strip_prefix("url:"))
        .unwrap_or(key);
    id.trim() != id || id.contains('/')
}

/// The records to share: every contact not excluded by the ally, normalised the way the server
/// normalises them (so both compute the same hashes), keyed by the protocol's key (the first of
/// two contacts with the same key wins). Contacts the server would refuse are left out and
/// counted.
pub fn records_to_share<'a>(
    list: impl IntoIterator<Item = &'a ContactRecord>,
    excluded: &Exclusions,
) -> (Vec<ContactRecord>, usize) {
    let mut refused = 0;
    let mut out = BTreeMap::new();
    for c in list {
        if excluded.contains(c) {
            continue;
        }
        match c.normalized() {
            Ok(record) => {
                if let Some(key) = record.key() {
                    out.entry(key).or_insert(record);
                }
            }
            Err(_) => refused += 1,
        }
    }
    (out.into_values().collect(), refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(id: &str, public: &str, headline: &str) -> ContactRecord {
        ContactRecord {
            member_id: Some(id.into()),
            public_identifier: Some(public.into()),
            profile_url: format!("https://www.linkedin.com/in/{public}/"),
            first_name: Some("First".into()),
            last_name: Some(public.into()),
            headline: Some(headline.into()),
            ..ContactRecord::default()
        }
    }

    fn csv(public: &str, connected_on: &str) -> ContactRecord {
        ContactRecord {
            public_identifier: Some(public.into()),
            profile_url: format!("https://www.linkedin.com/in/{public}/"),
            first_name: Some("First".into()),
            last_name: Some(public.into()),
            connected_on: Some(connected_on.into()),
            ..ContactRecord::default()
        }
    }

    #[test]
    fn incremental_adds_and_updates_in_place() {
        let list = vec![api("1", "ada", "old"), api("2", "bob", "x")];
        let merged = merge(&list, &[api("3", "cy", "new"), api("1", "ada", "CTO")]);
        let names: Vec<_> = merged.iter().map(|c| c.key().unwrap()).collect();
        assert_eq!(names, ["member:3", "member:1", "member:2"]);
        assert_eq!(merged[1].headline.as_deref(), Some("CTO"));
    }

    #[test]
    fn the_export_and_the_api_are_one_person() {
        let list = vec![csv("Ada-L", "2024-03-05")];
        let merged = merge(&list, &[api("77", "ada-l", "Chief Engineer")]);
        assert_eq!(merged.len(), 1);
        let ada = &merged[0];
        assert_eq!(ada.member_id.as_deref(), Some("77"));
        assert_eq!(ada.headline.as_deref(), Some("Chief Engineer"));
        assert_eq!(ada.connected_on.as_deref(), Some("2024-03-05"));
        // And the other way round: an export after the API keeps the member id.
        let again = merge(&merged, &[csv("ada-l", "2024-04-06")]);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].member_id.as_deref(), Some("77"));
        assert_eq!(again[0].connected_on.as_deref(), Some("2024-04-06"));
    }

    #[test]
    fn a_full_read_drops_removed_connections() {
        let list = vec![
            api("1", "ada", "a"),
            api("2", "bob", "b"),
            csv("cy", "2023-01-02"),
        ];
        let after = replace(&list, &[api("2", "bob", "b"), api("3", "cy", "c")]);
        let keys: Vec<_> = after.iter().map(|c| c.key().unwrap()).collect();
        assert_eq!(keys, ["member:2", "member:3"]);
        assert_eq!(
            after[1].connected_on.as_deref(),
            Some("2023-01-02"),
            "kept from the export"
        );
    }

    #[test]
    fn exclusions_and_refusals() {
        let mut bad = api("9", "zed", "x");
        bad.profile_url = "https://example.org/not-linkedin".into();
        bad.public_identifier = None;
        bad.member_id = Some("has space".into());
        let list = vec![api("1", "ada", "a"), api("2", "bob", "b"), bad];
        let mut excluded = Exclusions::default();
        assert!(excluded.set(&list, "member:2", true));
        let (records, refused) = records_to_share(&list, &excluded);
        assert_eq!((records.len(), refused), (1, 1));
        assert_eq!(records[0].member_id.as_deref(), Some("1"));
        assert!(known_keys(&list).contains("url:ada"));
    }

    /// The exclusion is keyed as the upload is: a contact whose profile URL has capitals and
    /// spaces (no public identifier, no member id) is excluded by the key its row shows, and
    /// neither it nor a second copy of the same person (the export's row) is shared.
    #[test]
    fn a_contact_excluded_by_its_rows_key_is_not_shared_whatever_its_urls_spelling() {
        let untidy = ContactRecord {
            profile_url: "  https://www.linkedin.com/in/Ada-Lovelace/ ".into(),
            first_name: Some("Ada".into()),
            ..ContactRecord::default()
        };
        let list = merge(&[csv("ada-lovelace", "2024-03-05")], &[untidy]);
        let row_key = list[0].key().unwrap();
        assert_eq!(row_key, "url:ada-lovelace");
        let mut excluded = Exclusions::default();
        excluded.set(&list, &row_key, true);
        let (records, _) = records_to_share(&list, &excluded);
        assert!(records.is_empty(), "{records:?}");
    }

    /// An exclusion made on an export's row follows the person once LinkedIn's API gives their
    /// member id (the key changes from `url:` to `member:`); sharing again lifts both keys.
    #[test]
    fn an_exclusion_follows_the_person_when_the_api_gives_the_member_id() {
        let before = vec![csv("Ada-L", "2024-03-05")];
        let mut excluded = Exclusions::default();
        excluded.set(&before, &before[0].key().unwrap(), true);
        let after = merge(&before, &[api("77", "ada-l", "Chief Engineer")]);
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].key().as_deref(), Some("member:77"));
        assert!(excluded.contains(&after[0]));
        assert!(records_to_share(&after, &excluded).0.is_empty());
        assert!(excluded.set(&after, "member:77", false));
        assert!(excluded.is_empty());
        assert_eq!(records_to_share(&after, &excluded).0.len(), 1);
    }

    /// Exclusions stored by an earlier version, under its own key rule, still hold: they are
    /// rewritten in the protocol's rule when read.
    #[test]
    fn exclusions_stored_under_the_legacy_rule_are_canonicalised() {
        let untidy = ContactRecord {
            member_id: Some(" 42 ".into()),
            public_identifier: Some("bob".into()),
            profile_url: "https://www.linkedin.com/in/bob/".into(),
            ..ContactRecord::default()
        };
        let no_id = ContactRecord {
            profile_url: "https://www.linkedin.com/in/Cy-Young/".into(),
            ..ContactRecord::default()
        };
        let list = vec![api("1", "ada", "a"), untidy, no_id];
        let stored: Exclusions = serde_json::from_str(
            r#"["member:1","member: 42 ","url:https://www.linkedin.com/in/Cy-Young/","member:gone"]"#,
        )
        .unwrap();
        let canonical = stored.canonical(&list).unwrap();
        let expected: Exclusions =
            serde_json::from_str(r#"["member:1","member:42","member:gone","url:cy-young"]"#)
                .unwrap();
        assert_eq!(canonical, expected);
        assert!(records_to_share(&list, &canonical).0.is_empty());
        assert_eq!(canonical.canonical(&list), None, "once is enough");
        let tidy: Exclusions = serde_json::from_str(r#"["member:1"]"#).unwrap();
        assert_eq!(tidy.canonical(&[]), None);
    }
}
