//! The ally's contacts as the extension knows them, and how a read changes that list.
//!
//! Reads produce [`Contact`]s page by page; this module merges them into the stored list —
//! an incremental read or a CSV import adds and updates, a full read replaces (that is how
//! removed connections disappear) — and turns the list into the wire records that are shared.
//! A person known from the CSV export (no member id) and from the API is one contact: they are
//! matched by public identifier, the API's record wins and keeps the export's company and
//! position. Pure functions over plain data; `store` keeps the list in storage buckets.

use std::collections::{BTreeMap, HashMap, HashSet};

use allyshare_protocol::ContactRecord;

use crate::contacts::Contact;

/// Key of a contact by public identifier, lowercased (the export's only key).
fn identifier_key(c: &Contact) -> Option<String> {
    c.public_identifier.as_deref().map(str::to_lowercase)
}

/// Merges newly read contacts into `list`: a contact with the same key, or the same public
/// identifier, is replaced (keeping the company and position it had when the new one has none);
/// others are added. The newest first order of `new` is kept at the front.
pub fn merge(list: &[Contact], new: &[Contact]) -> Vec<Contact> {
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut by_identifier: HashMap<String, usize> = HashMap::new();
    for (i, c) in list.iter().enumerate() {
        by_key.insert(c.key(), i);
        if let Some(id) = identifier_key(c) {
            by_identifier.insert(id, i);
        }
    }
    let mut replaced: HashSet<usize> = HashSet::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out: Vec<Contact> = Vec::with_capacity(list.len() + new.len());
    for c in new {
        if !seen.insert(c.key()) {
            continue;
        }
        let old = by_key
            .get(&c.key())
            .or_else(|| identifier_key(c).and_then(|id| by_identifier.get(&id)))
            .copied();
        let mut merged = c.clone();
        if let Some(i) = old {
            replaced.insert(i);
            let previous = &list[i];
            merged.company = merged.company.or_else(|| previous.company.clone());
            merged.position = merged.position.or_else(|| previous.position.clone());
            merged.connected_on = merged
                .connected_on
                .or_else(|| previous.connected_on.clone());
            // An export row never downgrades an API record's member id.
            merged.member_id = merged.member_id.or_else(|| previous.member_id.clone());
        }
        out.push(merged);
    }
    for (i, c) in list.iter().enumerate() {
        if !replaced.contains(&i) && !seen.contains(&c.key()) {
            out.push(c.clone());
        }
    }
    out
}

/// The list after a full read: exactly what was read (connections that were not are gone),
/// with the company and position the export gave for the same people.
pub fn replace(list: &[Contact], read: &[Contact]) -> Vec<Contact> {
    let kept = merge(list, read);
    let read_keys: HashSet<String> = read.iter().map(Contact::key).collect();
    let read_ids: HashSet<String> = read.iter().filter_map(identifier_key).collect();
    kept.into_iter()
        .filter(|c| {
            read_keys.contains(&c.key()) || identifier_key(c).is_some_and(|i| read_ids.contains(&i))
        })
        .collect()
}

/// The keys a read should treat as already known (for the incremental stop).
pub fn known_keys(list: &[Contact]) -> HashSet<String> {
    let mut keys = HashSet::with_capacity(list.len() * 2);
    for c in list {
        keys.insert(c.key());
        if let Some(k) = c.url_key() {
            keys.insert(k);
        }
    }
    keys
}

/// The wire record of a contact: exactly the fields the design allows to be shared.
pub fn to_record(c: &Contact) -> ContactRecord {
    ContactRecord {
        member_id: c.member_id.clone(),
        public_identifier: c.public_identifier.clone(),
        profile_url: c.profile_url.clone(),
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        headline: c.headline.clone(),
        company: c.company.clone(),
        position: c.position.clone(),
        connected_on: c.connected_on.clone(),
        photo_url: c.photo_url.clone(),
    }
}

/// The records to share: every contact not excluded by the ally, normalised the way the server
/// normalises them (so both compute the same hashes). Contacts the server would refuse are left
/// out and counted.
pub fn records_to_share<'a>(
    list: impl IntoIterator<Item = &'a Contact>,
    excluded: &HashSet<String>,
) -> (Vec<ContactRecord>, usize) {
    let mut refused = 0;
    let mut out = BTreeMap::new();
    for c in list {
        if excluded.contains(&c.key()) {
            continue;
        }
        match to_record(c).normalized() {
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

    fn api(id: &str, public: &str, headline: &str) -> Contact {
        Contact {
            member_id: Some(id.into()),
            public_identifier: Some(public.into()),
            profile_url: format!("https://www.linkedin.com/in/{public}/"),
            first_name: Some("First".into()),
            last_name: Some(public.into()),
            headline: Some(headline.into()),
            ..Contact::default()
        }
    }

    fn csv(public: &str, company: &str) -> Contact {
        Contact {
            public_identifier: Some(public.into()),
            profile_url: format!("https://www.linkedin.com/in/{public}/"),
            first_name: Some("First".into()),
            last_name: Some(public.into()),
            company: Some(company.into()),
            position: Some("Engineer".into()),
            connected_on: Some("2024-03-05".into()),
            ..Contact::default()
        }
    }

    #[test]
    fn incremental_adds_and_updates_in_place() {
        let list = vec![api("1", "ada", "old"), api("2", "bob", "x")];
        let merged = merge(&list, &[api("3", "cy", "new"), api("1", "ada", "CTO")]);
        let names: Vec<_> = merged.iter().map(|c| c.key()).collect();
        assert_eq!(names, ["member:3", "member:1", "member:2"]);
        assert_eq!(merged[1].headline.as_deref(), Some("CTO"));
    }

    #[test]
    fn the_export_and_the_api_are_one_person() {
        let list = vec![csv("Ada-L", "Analytical Engines")];
        let merged = merge(&list, &[api("77", "ada-l", "Chief Engineer")]);
        assert_eq!(merged.len(), 1);
        let ada = &merged[0];
        assert_eq!(ada.member_id.as_deref(), Some("77"));
        assert_eq!(ada.headline.as_deref(), Some("Chief Engineer"));
        assert_eq!(ada.company.as_deref(), Some("Analytical Engines"));
        assert_eq!(ada.connected_on.as_deref(), Some("2024-03-05"));
        // And the other way round: an export after the API keeps the member id.
        let again = merge(&merged, &[csv("ada-l", "Babbage & Co")]);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].member_id.as_deref(), Some("77"));
        assert_eq!(again[0].company.as_deref(), Some("Babbage & Co"));
    }

    #[test]
    fn a_full_read_drops_removed_connections() {
        let list = vec![api("1", "ada", "a"), api("2", "bob", "b"), csv("cy", "C")];
        let after = replace(&list, &[api("2", "bob", "b"), api("3", "cy", "c")]);
        let keys: Vec<_> = after.iter().map(|c| c.key()).collect();
        assert_eq!(keys, ["member:2", "member:3"]);
        assert_eq!(
            after[1].company.as_deref(),
            Some("C"),
            "kept from the export"
        );
    }

    #[test]
    fn exclusions_and_refusals() {
        let mut bad = api("9", "zed", "x");
        bad.profile_url = "https://example.org/not-linkedin".into();
        bad.public_identifier = None;
        let list = vec![api("1", "ada", "a"), api("2", "bob", "b"), bad];
        let excluded: HashSet<String> = ["member:2".to_string()].into();
        let (records, refused) = records_to_share(&list, &excluded);
        assert_eq!(records.len() + refused, 2);
        assert_eq!(records[0].member_id.as_deref(), Some("1"));
        assert!(known_keys(&list).contains("url:ada"));
    }
}
