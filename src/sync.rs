//! ContactRecord sync, sans-IO: what to upload, in which batches, and what each answer means.
//!
//! The extension keeps a [`Ledger`]: the key and content hash of every contact the server has
//! acknowledged. After a read, [`plan`] compares the contacts with the ledger and produces the
//! batches to send — only what changed for a `delta` session, everything for a `full` one (so
//! the server drops removed connections), nothing at all when nothing changed. An [`Upload`]
//! then walks the protocol — open a session, send each batch, commit — with up to
//! [`BATCHES_IN_FLIGHT`] batches on their way at once and their answers read in order, and is
//! saved after every acknowledged step so a worker stopped at any point resumes with the very
//! same batches: the plan is deterministic (sorted by key) and fingerprinted, and batches are
//! idempotent by (session, sequence number) on the server, so a resend is never a duplicate.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;

use allyshare_protocol::contacts::Fnv64;
use allyshare_protocol::{
    routes, ApiError, BatchReceipt, CommitRequest, CommitResult, ContactDigest, ContactRecord,
    ContactView, ErrorCode, OpenSyncRequest, SyncKind, SyncLimits, SyncSession,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::api;
use crate::contact_list::{self, Exclusions};
use crate::http::{HttpRequest, HttpResponse, Method, TransportError};

/// What the server has acknowledged: contact key → content hash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub entries: BTreeMap<String, u64>,
    /// [`key_hash`] of a contact key → [`fields_fingerprint`] of the record acknowledged, so a
    /// delta tells an unchanged contact by one fast fingerprint instead of normalising and
    /// hashing it, and finds it by the one hash it computes per contact anyway (no second
    /// hash of the key, no string compared). Local (never sent). A ledger stored before it
    /// existed (or when it was keyed by the key's text, under `fingerprints`) has none, and a
    /// contact without one is checked by its content hash, as before. Two keys with the same
    /// hash keep one fingerprint between them, so the other contact looks changed (its content
    /// hash then decides) unless its fields' fingerprint is the other's too: one chance in 2^64
    /// for each such pair. They are stored as `[key hash, fingerprint]` pairs (JSON's keys are
    /// text).
    #[serde(
        default,
        skip_serializing_if = "Fingerprints::is_empty",
        with = "fingerprint_pairs"
    )]
    pub key_fingerprints: Fingerprints,
}

/// [`Ledger::key_fingerprints`] in storage: a list of `[key hash, fingerprint]` pairs.
mod fingerprint_pairs {
    use serde::de::{Deserializer, SeqAccess, Visitor};
    use serde::ser::{SerializeSeq, Serializer};

    use super::Fingerprints;

    pub fn serialize<S: Serializer>(map: &Fingerprints, out: S) -> Result<S::Ok, S::Error> {
        let mut seq = out.serialize_seq(Some(map.len()))?;
        for pair in map {
            seq.serialize_element(&pair)?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Fingerprints, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Fingerprints;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of [key hash, fingerprint] pairs")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Fingerprints, A::Error> {
                let mut map = Fingerprints::default();
                map.reserve(seq.size_hint().unwrap_or(0));
                while let Some((key_hash, fingerprint)) = seq.next_element::<(u64, u64)>()? {
                    map.insert(key_hash, fingerprint);
                }
                Ok(map)
            }
        }
        input.deserialize_seq(Pairs)
    }
}

/// [`Ledger::key_fingerprints`]: a map already keyed by a hash, so it hashes nothing again.
pub type Fingerprints = HashMap<u64, u64, BuildPassThroughHasher>;

/// The hash of a contact key the ledger's fingerprints are found by.
pub fn key_hash(key: &str) -> u64 {
    BuildKeyHasher::default().hash_one(key)
}

/// A fast hasher for the ledger's keys (short ASCII strings the extension made itself), and
/// for a LinkedIn page's URNs (`linkedin::dash_typed`: about 80 a page, so even keys chosen to
/// collide would cost a page little): a word-at-a-time multiply-rotate, as rustc's FxHash.
/// Not for many keys an attacker picks (no flooding resistance).
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        self.0 = words(bytes, self.0, |h, w| (h.rotate_left(5) ^ w).wrapping_mul(K));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`KeyHasher`]s.
pub type BuildKeyHasher = std::hash::BuildHasherDefault<KeyHasher>;

/// A "hasher" for keys that are already [`key_hash`]es: it passes the `u64` through.
#[derive(Debug, Clone, Copy, Default)]
pub struct PassThroughHasher(u64);

impl std::hash::Hasher for PassThroughHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64`s are hashed with it; anything else still gets a fair hash.
        self.0 = words(bytes, self.0, |h, w| {
            (h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95)
        });
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`PassThroughHasher`]s.
pub type BuildPassThroughHasher = std::hash::BuildHasherDefault<PassThroughHasher>;

/// A fast local fingerprint of a contact's fields exactly as they are (not normalised): each
/// field's presence and length, then its bytes eight at a time through a multiply-rotate mix.
/// Equal fingerprints under one key mean the same fields, so the same content hash; it is
/// several times cheaper than the protocol's byte-at-a-time hash, and only ever compared with
/// fingerprints this extension computed.
pub fn fields_fingerprint(c: &ContactView<'_>) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mix = |h: u64, w: u64| (h ^ w).wrapping_mul(K).rotate_left(31);
    let mut h = K;
    for field in [
        c.member_id,
        c.public_identifier,
        Some(c.profile_url),
        c.first_name,
        c.last_name,
        c.headline,
        c.connected_on,
        c.photo_url,
    ] {
        let Some(value) = field else {
            h = mix(h, u64::MAX);
            continue;
        };
        let bytes = value.as_bytes();
        h = mix(h, bytes.len() as u64);
        h = words(bytes, h, mix);
    }
    h
}

/// Folds `bytes` eight at a time (the last word zero-padded) into `h` with `mix`.
#[inline(always)]
fn words(bytes: &[u8], mut h: u64, mix: impl Fn(u64, u64) -> u64) -> u64 {
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h = mix(
            h,
            u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]),
        );
    }
    let mut tail = [0u8; 8];
    for (t, b) in tail.iter_mut().zip(words.remainder()) {
        *t = *b;
    }
    mix(h, u64::from_le_bytes(tail))
}

impl Ledger {
    /// The digest the server should report for this ledger.
    pub fn digest(&self) -> ContactDigest {
        let mut d = ContactDigest::default();
        for (key, hash) in &self.entries {
            d.add(key, *hash);
        }
        d
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The batches of one upload, and what the ledger becomes once it is committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub kind: SyncKind,
    pub batches: Vec<Vec<ContactRecord>>,
    /// Identifies these exact batches; an [`Upload`] saved for another plan is not resumed.
    pub fingerprint: u64,
    /// What the commit acknowledges: key → (content hash, [`fields_fingerprint`]). For a full
    /// upload, everything the server then holds; for a delta, what changed (the rest of the
    /// ledger stays: a delta plan does not copy it, see [`Plan::expected`]).
    pub acknowledged: BTreeMap<String, (u64, u64)>,
}

impl Plan {
    /// How many contacts the plan uploads.
    pub fn contact_count(&self) -> usize {
        self.batches.iter().map(Vec::len).sum()
    }

    /// The ledger after a successful commit, from the ledger the plan was made against.
    pub fn expected(&self, base: &Ledger) -> Ledger {
        let mut ledger = match self.kind {
            SyncKind::Delta => base.clone(),
            SyncKind::Full => Ledger::default(),
        };
        for (key, (hash, fingerprint)) in &self.acknowledged {
            ledger.entries.insert(key.clone(), *hash);
            ledger.key_fingerprints.insert(key_hash(key), *fingerprint);
        }
        ledger
    }
}

/// Key → (record, content hash, fields fingerprint) of normalised records.
fn keyed(contacts: &[ContactRecord]) -> BTreeMap<String, (&ContactRecord, u64, u64)> {
    let mut out = BTreeMap::new();
    for c in contacts {
        if let Some(key) = c.key() {
            // The first occurrence wins: readers give the newest first.
            out.entry(key)
                .or_insert_with(|| (c, c.content_hash(), fields_fingerprint(&c.view())));
        }
    }
    out
}

/// The records a `kind` upload starts from: for a full one, every contact to share; for a delta,
/// only those that may differ from what the server acknowledged — the few contacts whose key
/// is not in the ledger or whose content hash is not the ledger's (every occurrence of such a
/// key, so the first one still wins). Checking a contact is its key (written into one reused
/// buffer) and its [`fields_fingerprint`] against the ledger's; only a contact whose
/// fingerprint differs (or is unknown) is hashed as the server hashes it. Nothing is
/// normalised or copied: a delta of 30,000 contacts with 1 % changed normalises 300.
/// [`plan`] gives the same batches from these as from every record.
pub fn records_for(
    kind: SyncKind,
    list: &[ContactRecord],
    excluded: &Exclusions,
    ledger: &Ledger,
) -> Vec<ContactRecord> {
    if kind == SyncKind::Full {
        return contact_list::records_to_share(list, excluded).0;
    }
    // One pass over the list: each contact's key hash (none when it has no key as it stands:
    // normalisation decides for those), and the hashes of the keys whose fields changed since
    // the last commit. Every occurrence of a changed key is a candidate, so the first one still
    // wins; a hash collision only adds an unchanged record, which `plan` then leaves out.
    let mut key = String::new();
    let mut key_hashes: Vec<Option<u64>> = Vec::with_capacity(list.len());
    let mut changed: HashSet<u64, BuildPassThroughHasher> = HashSet::default();
    for c in list {
        let view = c.view();
        if !allyshare_protocol::write_contact_key(&view, &mut key) {
            key_hashes.push(None);
            continue;
        }
        let key_hash = key_hash(&key);
        key_hashes.push(Some(key_hash));
        if ledger.key_fingerprints.get(&key_hash) != Some(&fields_fingerprint(&view))
            && ledger.entries.get(key.as_str()) != Some(&allyshare_protocol::content_hash_of(&view))
        {
            changed.insert(key_hash);
        }
    }
    if changed.is_empty() && key_hashes.iter().all(Option::is_some) {
        return Vec::new();
    }
    let candidates = list
        .iter()
        .zip(key_hashes)
        .filter(|(_, key_hash)| key_hash.is_none_or(|h| changed.contains(&h)))
        .map(|(c, _)| c);
    contact_list::records_to_share(candidates, excluded).0
}

/// Plans the upload of `contacts` (the ally's current, normalised list, exclusions removed)
/// against what the server acknowledged. `None` when there is nothing to send.
pub fn plan(
    kind: SyncKind,
    contacts: &[ContactRecord],
    ledger: &Ledger,
    limits: &SyncLimits,
) -> Option<Plan> {
    let current = keyed(contacts);
    let changed: Vec<(&String, &ContactRecord, u64)> = current
        .iter()
        .filter(|(key, (_, hash, _))| ledger.entries.get(*key) != Some(hash))
        .map(|(key, (c, hash, _))| (key, *c, *hash))
        .collect();
    let send: Vec<(&String, &ContactRecord, u64)> = match kind {
        SyncKind::Delta => {
            if changed.is_empty() {
                return None;
            }
            changed
        }
        SyncKind::Full => {
            let removed = ledger.entries.keys().any(|k| !current.contains_key(k));
            if changed.is_empty() && !removed {
                return None;
            }
            current.iter().map(|(k, (c, h, _))| (k, *c, *h)).collect()
        }
    };
    let acknowledged = send
        .iter()
        .map(|(key, _, _)| {
            let (_, hash, fingerprint) = current[*key];
            ((*key).clone(), (hash, fingerprint))
        })
        .collect();
    let max_items = (limits.max_batch_items as usize).max(1);
    // Leave room for the envelope and for the server's own accounting.
    let max_bytes = (limits.max_batch_bytes as usize)
        .saturating_sub(1024)
        .max(1024);
    let mut batches: Vec<Vec<ContactRecord>> = Vec::new();
    let mut current_batch: Vec<ContactRecord> = Vec::new();
    let mut current_bytes = 0;
    let mut fingerprint = Fnv64::default();
    fingerprint.write(kind.as_str().as_bytes());
    // Each record's size as its JSON text, written into one reused buffer.
    let mut text = String::new();
    for (key, contact, hash) in send {
        text.clear();
        let size = crate::json::write_into(&mut text, contact).map_or(0, |()| text.len()) + 1;
        if !current_batch.is_empty()
            && (current_batch.len() >= max_items || current_bytes + size > max_bytes)
        {
            batches.push(std::mem::take(&mut current_batch));
            current_bytes = 0;
            fingerprint.write(&[0xff]);
        }
        fingerprint.write(key.as_bytes());
        fingerprint.write(&hash.to_le_bytes());
        current_bytes += size;
        current_batch.push(contact.clone());
    }
    if !current_batch.is_empty() || kind == SyncKind::Full {
        // A full upload of nothing (every connection removed) is one empty batch.
        batches.push(current_batch);
    }
    Some(Plan {
        kind,
        fingerprint: fingerprint.finish(),
        batches,
        acknowledged,
    })
}

/// Why an upload stopped for good (until something changes).
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum SyncFailure {
    /// The ally shares with no network: nothing may be uploaded.
    #[error("you are not sharing with any network")]
    NotSharing,
    /// The sign-in ended: the ally must sign in again.
    #[error("your session has ended; sign in again")]
    SignedOut,
    /// The server refused for a reason retrying will not fix.
    #[error("the server refused the upload: {0}")]
    Refused(String),
}

/// What to do after an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Send the next request now.
    Continue,
    /// Send the same request again, not before `until_ms`.
    Wait { until_ms: u64 },
    /// Committed; the server's answer.
    Done(CommitResult),
    /// Stop; the ally (or a developer) must act.
    Failed(SyncFailure),
}

/// Retry timing: capped exponential back-off with full jitter, at least what `Retry-After` asks.
pub mod retry {
    /// The first retry waits up to this long.
    pub const BASE_MS: u64 = 2_000;
    /// No retry waits longer than this (unless the server asks for more).
    pub const CAP_MS: u64 = 15 * 60 * 1000;
    /// Never retry sooner than this.
    pub const MIN_MS: u64 = 1_000;

    /// The delay before retry number `attempt` (1-based), given a random `u64` and the server's
    /// `Retry-After` in seconds, if any.
    pub fn delay_ms(attempt: u32, random: u64, retry_after_secs: Option<u64>) -> u64 {
        let ceiling = BASE_MS
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(30))
            .min(CAP_MS);
        let jittered = (random % (ceiling + 1)).max(MIN_MS);
        match retry_after_secs {
            Some(secs) => jittered.max(secs.saturating_mul(1000)),
            None => jittered,
        }
    }
}

/// How many of an upload's batches are on their way at once. With one, the server waited
/// while the worker made and sent the next batch, and the worker while the server stored it
/// (about 12 ms and 9.6 ms of each batch of 500, timed at the server in the bench's first
/// sync); with two, the next is made and sent while the server stores the one before (the
/// batches' part of a first sync of 30,000: 1.30 → 1.18 s). Answers are still read in
/// order, and only an answer for batch `acked` moves the upload on, so what is saved is what
/// the server acknowledged; a batch sent twice is answered the same.
pub const BATCHES_IN_FLIGHT: u32 = 2;

/// `PUT` batch `seq` of session `id`: the body is the protocol's
/// [`allyshare_protocol::ContactBatch`], written from the plan's records without copying them.
fn batch_request(base: &str, plan: &Plan, id: i64, seq: u32) -> HttpRequest {
    #[derive(Serialize)]
    struct BatchBody<'a> {
        contacts: &'a [ContactRecord],
    }
    let contacts = plan
        .batches
        .get(seq as usize)
        .map_or(&[][..], Vec::as_slice);
    HttpRequest::new(
        Method::Put,
        api::url(base, &routes::fill(routes::SYNC_BATCH, &[&id, &seq])),
    )
    .json(api::to_json(&BatchBody { contacts }))
}

/// An upload in progress, saved after every acknowledged step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub kind: SyncKind,
    pub fingerprint: u64,
    pub batch_count: u32,
    /// The open session, once the server gave one.
    pub session_id: Option<i64>,
    /// Batches `0..acked` are acknowledged in this session.
    pub acked: u32,
    /// Consecutive failed attempts at the current step (drives the back-off).
    pub attempt: u32,
}

impl Upload {
    pub fn new(plan: &Plan) -> Upload {
        Upload {
            kind: plan.kind,
            fingerprint: plan.fingerprint,
            batch_count: plan.batches.len() as u32,
            session_id: None,
            acked: 0,
            attempt: 0,
        }
    }

    /// Whether this saved upload belongs to `plan` (else start over: an uncommitted session
    /// changes nothing on the server, so abandoning it is safe).
    pub fn matches(&self, plan: &Plan) -> bool {
        self.kind == plan.kind
            && self.fingerprint == plan.fingerprint
            && self.batch_count as usize == plan.batches.len()
    }

    /// The request to send now (the caller adds the bearer token).
    pub fn request(&self, base: &str, plan: &Plan) -> HttpRequest {
        let url = |route: &str| api::url(base, route);
        match self.session_id {
            None => HttpRequest::new(Method::Post, url(routes::SYNC_SESSIONS))
                .json(api::to_json(&OpenSyncRequest { kind: self.kind })),
            Some(id) if self.acked < self.batch_count => batch_request(base, plan, id, self.acked),
            Some(id) => HttpRequest::new(
                Method::Post,
                url(&routes::fill(routes::SYNC_COMMIT, &[&id])),
            )
            .json(api::to_json(&CommitRequest {
                batch_count: self.batch_count,
            })),
        }
    }

    /// The batches to send now beside the `in_flight` ones already on their way (batches
    /// `acked..acked + in_flight`), so that up to [`BATCHES_IN_FLIGHT`] are; none when the
    /// next request is not a batch (the session is not open, or every batch was sent).
    pub fn batches_ahead(&self, base: &str, plan: &Plan, in_flight: u32) -> Vec<HttpRequest> {
        let Some(id) = self.session_id else {
            return Vec::new();
        };
        let next = self.acked.saturating_add(in_flight);
        let end = self
            .batch_count
            .min(self.acked.saturating_add(BATCHES_IN_FLIGHT))
            .min(plan.batches.len() as u32);
        (next..end)
            .map(|seq| batch_request(base, plan, id, seq))
            .collect()
    }

    /// Reads the answer to [`Upload::request`] (or to the oldest of the batches in flight,
    /// which is batch `acked`). `random` feeds the jitter.
    pub fn on_response(
        &mut self,
        outcome: Result<HttpResponse, TransportError>,
        now_ms: u64,
        random: u64,
    ) -> Progress {
        let response = match outcome {
            Ok(r) => r,
            Err(_) => return self.back_off(now_ms, random, None),
        };
        if response.is_success() {
            self.attempt = 0;
            return match self.session_id {
                None => match crate::json::from_str::<SyncSession>(&response.body) {
                    Ok(session) => {
                        self.session_id = Some(session.id);
                        self.acked = 0;
                        Progress::Continue
                    }
                    Err(_) => self.bad_answer(now_ms, random),
                },
                Some(_) if self.acked < self.batch_count => {
                    match crate::json::from_str::<BatchReceipt>(&response.body) {
                        Ok(receipt) if receipt.seq == self.acked => {
                            self.acked += 1;
                            Progress::Continue
                        }
                        // A receipt for another batch, or not a receipt at all.
                        _ => self.bad_answer(now_ms, random),
                    }
                }
                Some(_) => match crate::json::from_str::<CommitResult>(&response.body) {
                    Ok(result) => Progress::Done(result),
                    Err(_) => self.bad_answer(now_ms, random),
                },
            };
        }
        let retry_after = response.retry_after_secs(now_ms);
        let code = crate::json::from_str::<ApiError>(&response.body)
            .map(|e| (e.code, e.message))
            .ok();
        match (response.status, code) {
            (408 | 429 | 500..=599, _) => self.back_off(now_ms, random, retry_after),
            (401, _) => Progress::Failed(SyncFailure::SignedOut),
            (_, Some((ErrorCode::NotSharing, _))) => Progress::Failed(SyncFailure::NotSharing),
            // The session expired or was closed, or holds a different batch under this number
            // (an older plan): open a new one and send everything again.
            (_, Some((ErrorCode::SessionClosed | ErrorCode::BatchConflict, _)))
            | (404, Some((ErrorCode::NotFound, _))) => {
                self.session_id = None;
                self.acked = 0;
                Progress::Continue
            }
            // The server lacks some batch (it lost it, or restarted from a backup): resend all;
            // the ones it has answer the same receipt again.
            (_, Some((ErrorCode::BatchesMissing, _))) => {
                self.acked = 0;
                Progress::Continue
            }
            (status, Some((_, message))) => {
                Progress::Failed(SyncFailure::Refused(format!("HTTP {status}: {message}")))
            }
            (status, None) => {
                Progress::Failed(SyncFailure::Refused(format!("unexpected HTTP {status}")))
            }
        }
    }

    fn back_off(&mut self, now_ms: u64, random: u64, retry_after: Option<u64>) -> Progress {
        self.attempt = self.attempt.saturating_add(1);
        Progress::Wait {
            until_ms: now_ms + retry::delay_ms(self.attempt, random, retry_after),
        }
    }

    fn bad_answer(&mut self, now_ms: u64, random: u64) -> Progress {
        // Something between us and the API (a proxy, a captive portal) answered: retry later.
        self.back_off(now_ms, random, None)
    }
}

/// After a commit: the ledger to keep (from `base`, the one the plan was made against), and
/// whether the server agrees with it.
pub fn after_commit(plan: &Plan, base: &Ledger, result: &CommitResult) -> (Ledger, bool) {
    let expected = plan.expected(base);
    let in_step = result.digest == expected.digest();
    (expected, in_step)
}

#[cfg(test)]
mod tests {
    use super::*;
    use allyshare_protocol::ContactBatch;

    fn contact(i: u32) -> ContactRecord {
        ContactRecord {
            member_id: Some(format!("M{i:05}")),
            public_identifier: Some(format!("person-{i}")),
            profile_url: format!("https://www.linkedin.com/in/person-{i}/"),
            first_name: Some(format!("First{i}")),
            last_name: Some("Last".into()),
            headline: Some("Engineer".into()),
            ..ContactRecord::default()
        }
    }

    fn limits(items: u32) -> SyncLimits {
        SyncLimits {
            max_batch_items: items,
            ..SyncLimits::default()
        }
    }

    /// `records_for` only skips what `plan` would not send: a delta from its records is the
    /// delta from every record, with changes, new contacts, untrimmed fields, refused contacts,
    /// exclusions, CSV contacts (no member id) and the same key twice (the first one wins).
    #[test]
    fn a_delta_from_the_unacknowledged_records_is_the_whole_delta() {
        use crate::linkedin::synthetic::Synthetic;
        let mut list = Synthetic::new(3, 400).contacts();
        let mut excluded = Exclusions::default();
        excluded.set(&list, &list[5].key().unwrap(), true);
        excluded.set(&list, &list[6].key().unwrap(), true);
        let (records, _) = contact_list::records_to_share(&list, &Exclusions::default());
        let ledger = plan(SyncKind::Full, &records, &Ledger::default(), &limits(50))
            .unwrap()
            .expected(&Ledger::default());
        list[1].headline = Some("Changed".into());
        list[2].first_name = Some(format!("  {}  ", list[2].first_name.clone().unwrap()));
        list[3].profile_url = "https://www.linkedin.com/company/nope/".into();
        list[3].member_id = None;
        list[3].public_identifier = None;
        list[4].member_id = None;
        list[7].photo_url = Some("javascript:alert(1)".into());
        let mut twin = list[8].clone();
        twin.headline = Some("A second copy, later in the list".into());
        list.push(twin);
        let mut first = list[9].clone();
        first.headline = Some("A changed copy, first in the list".into());
        list.insert(0, first);
        list.extend(Synthetic::new(4, 3).contacts());
        assert_eq!(ledger.key_fingerprints.len(), ledger.len());
        // The same with a ledger stored before fingerprints existed: by content hash alone.
        let unfingerprinted = Ledger {
            key_fingerprints: Fingerprints::default(),
            ..ledger.clone()
        };
        for ledger in [ledger, unfingerprinted] {
            for kind in [SyncKind::Delta, SyncKind::Full] {
                let (all, _) = contact_list::records_to_share(&list, &excluded);
                let some = records_for(kind, &list, &excluded, &ledger);
                assert!(kind == SyncKind::Full || some.len() < 20, "{}", some.len());
                assert_eq!(
                    plan(kind, &some, &ledger, &limits(50)),
                    plan(kind, &all, &ledger, &limits(50)),
                    "{kind:?}"
                );
            }
        }
    }

    /// The fingerprint that lets a delta skip an unchanged contact sees every field, and where
    /// one field ends and the next begins.
    #[test]
    fn the_fields_fingerprint_sees_every_field_and_its_boundaries() {
        let base = ContactRecord {
            photo_url: Some("https://media.licdn.com/p".into()),
            connected_on: Some("2024-01-02".into()),
            ..contact(1)
        };
        let print = |c: &ContactRecord| fields_fingerprint(&c.view());
        let changes: [fn(&mut ContactRecord); 9] = [
            |c| c.member_id = Some("M00002".into()),
            |c| c.public_identifier = None,
            |c| c.profile_url.push('x'),
            |c| c.first_name = Some("First2".into()),
            |c| c.last_name = None,
            |c| c.headline = Some("Engineer ".into()),
            |c| c.connected_on = Some("2024-01-03".into()),
            |c| c.photo_url = Some("https://media.licdn.com/q".into()),
            |c| {
                // The same bytes, split differently between two fields.
                c.first_name = Some("First".into());
                c.last_name = Some("1Last".into());
            },
        ];
        for (i, change) in changes.iter().enumerate() {
            let mut c = base.clone();
            change(&mut c);
            assert_ne!(print(&c), print(&base), "change {i}");
        }
        assert_eq!(print(&base.clone()), print(&base));
        // A ledger stored without fingerprints, or with them keyed by the key's text (before
        // they were keyed by its hash), still loads: by content hash alone.
        for stored in [
            r#"{"entries":{"member:M1":5}}"#,
            r#"{"entries":{"member:M1":5},"fingerprints":{"member:M1":7}}"#,
        ] {
            let old: Ledger = crate::json::from_str(stored).unwrap();
            assert_eq!(old.entries["member:M1"], 5);
            assert!(old.key_fingerprints.is_empty());
        }
    }

    /// The ledger the worker stores comes back whole through the extension's JSON, its
    /// fingerprints (keyed by a hash, stored as pairs) with full 64-bit values.
    #[test]
    fn a_stored_ledger_reads_back_with_its_fingerprints() {
        let records: Vec<ContactRecord> = (1..=50).map(contact).collect();
        let ledger = plan(SyncKind::Full, &records, &Ledger::default(), &limits(20))
            .unwrap()
            .expected(&Ledger::default());
        assert_eq!(ledger.key_fingerprints.len(), 50);
        assert!(ledger.key_fingerprints.keys().any(|&h| h > 1 << 53));
        let text = crate::json::to_string(&ledger).unwrap();
        let back: Ledger = crate::json::from_str(&text).unwrap();
        assert_eq!(back, ledger);
        // Found by the key's hash, as a delta looks it up.
        let key = records[0].key().unwrap();
        assert_eq!(
            back.key_fingerprints.get(&key_hash(&key)),
            Some(&fields_fingerprint(&records[0].view()))
        );
    }

    #[test]
    fn nothing_new_means_no_upload() {
        let contacts: Vec<_> = (0..10).map(contact).collect();
        let first = plan(SyncKind::Delta, &contacts, &Ledger::default(), &limits(4)).unwrap();
        assert_eq!(first.contact_count(), 10);
        assert_eq!(first.batches.len(), 3);
        let acked = first.expected(&Ledger::default());
        assert!(plan(SyncKind::Delta, &contacts, &acked, &limits(4)).is_none());
        assert!(plan(SyncKind::Full, &contacts, &acked, &limits(4)).is_none());
    }

    #[test]
    fn delta_carries_only_what_changed() {
        let mut contacts: Vec<_> = (0..10).map(contact).collect();
        let ledger = plan(SyncKind::Delta, &contacts, &Ledger::default(), &limits(500))
            .unwrap()
            .expected(&Ledger::default());
        contacts[3].headline = Some("CTO".into());
        contacts.push(contact(99));
        let p = plan(SyncKind::Delta, &contacts, &ledger, &limits(500)).unwrap();
        let sent: Vec<_> = p
            .batches
            .concat()
            .into_iter()
            .map(|c| c.key().unwrap())
            .collect();
        assert_eq!(sent, ["member:M00003", "member:M00099"]);
        assert_eq!(p.expected(&ledger).len(), 11);
    }

    #[test]
    fn full_carries_everything_when_a_connection_was_removed() {
        let contacts: Vec<_> = (0..10).map(contact).collect();
        let ledger = plan(SyncKind::Full, &contacts, &Ledger::default(), &limits(500))
            .unwrap()
            .expected(&Ledger::default());
        let fewer = &contacts[1..];
        // A delta cannot remove: nothing to send.
        assert!(plan(SyncKind::Delta, fewer, &ledger, &limits(500)).is_none());
        let p = plan(SyncKind::Full, fewer, &ledger, &limits(500)).unwrap();
        assert_eq!(p.contact_count(), 9);
        assert_eq!(p.expected(&ledger).len(), 9);
        // Everything removed: one empty full batch.
        let none = plan(SyncKind::Full, &[], &ledger, &limits(500)).unwrap();
        assert_eq!(none.batches, vec![Vec::<ContactRecord>::new()]);
    }

    #[test]
    fn batches_respect_the_byte_limit_too() {
        let contacts: Vec<_> = (0..100).map(contact).collect();
        let tight = SyncLimits {
            max_batch_items: 500,
            max_batch_bytes: 1024 + 2_000,
            ..SyncLimits::default()
        };
        let p = plan(SyncKind::Full, &contacts, &Ledger::default(), &tight).unwrap();
        assert!(p.batches.len() > 5);
        for b in &p.batches {
            let body = serde_json::to_string(&ContactBatch {
                contacts: b.clone(),
            })
            .unwrap();
            assert!(body.len() <= 2_000 + 64, "{}", body.len());
        }
    }

    #[test]
    fn plans_are_deterministic_whatever_the_order_read() {
        let contacts: Vec<_> = (0..50).map(contact).collect();
        let mut reversed = contacts.clone();
        reversed.reverse();
        let a = plan(SyncKind::Full, &contacts, &Ledger::default(), &limits(7)).unwrap();
        let b = plan(SyncKind::Full, &reversed, &Ledger::default(), &limits(7)).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        use retry::*;
        assert!(delay_ms(1, u64::MAX, None) <= BASE_MS);
        assert!(delay_ms(5, u64::MAX, None) <= BASE_MS * 16);
        assert!(delay_ms(40, u64::MAX, None) <= CAP_MS);
        assert!(delay_ms(1, 0, None) >= MIN_MS, "never a hot loop");
        assert!(delay_ms(1, 0, Some(30)) >= 30_000);
    }

    fn ok<T: Serialize>(status: u16, body: &T) -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse {
            status,
            content_type: Some("application/json".into()),
            retry_after: None,
            body: serde_json::to_string(body).unwrap(),
        })
    }

    fn err(status: u16, code: ErrorCode) -> Result<HttpResponse, TransportError> {
        ok(status, &ApiError::new(code, "x"))
    }

    #[test]
    fn walks_open_batches_commit_and_recovers_from_a_closed_session() {
        let contacts: Vec<_> = (0..5).map(contact).collect();
        let p = plan(SyncKind::Delta, &contacts, &Ledger::default(), &limits(2)).unwrap();
        let mut u = Upload::new(&p);
        let base = "http://127.0.0.1:8787";
        assert_eq!(u.request(base, &p).url, format!("{base}/v1/sync/sessions"));
        let session = SyncSession {
            id: 7,
            kind: SyncKind::Delta,
            expires_at: 0,
            limits: SyncLimits::default(),
        };
        assert_eq!(u.on_response(ok(201, &session), 0, 0), Progress::Continue);
        let r = u.request(base, &p);
        assert_eq!(r.method, Method::Put);
        assert!(r.url.ends_with("/v1/sync/sessions/7/batches/0"));
        let receipt = |seq| BatchReceipt {
            session_id: 7,
            seq,
            items: 2,
            replayed: false,
        };
        assert_eq!(
            u.on_response(ok(200, &receipt(0)), 0, 0),
            Progress::Continue
        );
        // Lost connection: wait, then the same batch again.
        let before = u.request(base, &p);
        assert!(matches!(
            u.on_response(Err(TransportError::Timeout), 1_000, 5),
            Progress::Wait { until_ms } if until_ms >= 2_000
        ));
        assert_eq!(u.request(base, &p), before);
        // The session expired meanwhile: start over in a new one.
        assert_eq!(
            u.on_response(err(409, ErrorCode::SessionClosed), 0, 0),
            Progress::Continue
        );
        assert_eq!(u.session_id, None);
        assert_eq!(u.acked, 0);
        u.on_response(ok(201, &session), 0, 0);
        for seq in 0..3 {
            assert_eq!(
                u.on_response(ok(200, &receipt(seq)), 0, 0),
                Progress::Continue
            );
        }
        assert!(u
            .request(base, &p)
            .url
            .ends_with("/v1/sync/sessions/7/commit"));
        let result = CommitResult {
            session_id: 7,
            kind: SyncKind::Delta,
            added: 5,
            updated: 0,
            unchanged: 0,
            removed: 0,
            digest: p.expected(&Ledger::default()).digest(),
        };
        assert_eq!(
            u.on_response(ok(200, &result), 0, 0),
            Progress::Done(result.clone())
        );
        assert_eq!(
            after_commit(&p, &Ledger::default(), &result),
            (p.expected(&Ledger::default()), true)
        );
    }

    #[test]
    fn rate_limits_wait_at_least_what_was_asked_and_refusals_stop() {
        let p = plan(
            SyncKind::Delta,
            &[contact(1)],
            &Ledger::default(),
            &limits(2),
        )
        .unwrap();
        let mut u = Upload::new(&p);
        let mut busy = err(429, ErrorCode::RateLimited).unwrap();
        busy.retry_after = Some("120".into());
        assert!(matches!(
            u.on_response(Ok(busy), 0, 0),
            Progress::Wait { until_ms } if until_ms >= 120_000
        ));
        assert_eq!(
            u.on_response(err(409, ErrorCode::NotSharing), 0, 0),
            Progress::Failed(SyncFailure::NotSharing)
        );
        assert!(matches!(
            u.on_response(err(422, ErrorCode::LimitExceeded), 0, 0),
            Progress::Failed(SyncFailure::Refused(_))
        ));
        assert_eq!(
            u.on_response(err(401, ErrorCode::Unauthorized), 0, 0),
            Progress::Failed(SyncFailure::SignedOut)
        );
    }
}
