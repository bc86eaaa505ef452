//! Property test of contact sync: the extension's upload machine against a model of the
//! server's sync protocol, under random failures — requests lost before or after the server
//! applied them, duplicated, delivered late and out of order, sessions expiring, the extension's
//! worker stopping before it saved its last step. (A server restart loses nothing the server
//! stored, so to the extension it is a lost request; it is run for real on a SQLite file in
//! server/tests and tests/e2e/sync-faults.test.mjs.) Whatever
//! happens, once an upload reports done, the server holds exactly what the extension believes
//! (its ledger), with no duplicates; and a final full sync makes the server hold exactly the
//! ally's connections.
//!
//! The model server follows the rules the reference server implements and tests on a real
//! SQLite file (server/tests): it is a model so that thousands of cases run in seconds.

#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, HashMap};

use allyshare::http::{HttpRequest, HttpResponse, Method, TransportError};
use allyshare::sync::{self, Ledger, Progress, Upload};
use allyshare_protocol::{
    ApiError, BatchReceipt, CommitRequest, CommitResult, ContactBatch, ContactDigest,
    ContactRecord, ErrorCode, OpenSyncRequest, SyncKind, SyncLimits, SyncSession,
};
use proptest::prelude::*;

#[derive(Debug, Clone, Default)]
struct Session {
    kind: Option<SyncKind>,
    batches: BTreeMap<u32, (String, Vec<(String, u64)>)>,
    committed: Option<CommitResult>,
    closed: bool,
}

#[derive(Debug, Default)]
struct ModelServer {
    contacts: BTreeMap<String, u64>,
    sessions: HashMap<i64, Session>,
    next_id: i64,
}

fn json<T: serde::Serialize>(status: u16, v: &T) -> HttpResponse {
    HttpResponse {
        status,
        content_type: Some("application/json".into()),
        retry_after: None,
        body: serde_json::to_string(v).unwrap(),
    }
}

fn error(status: u16, code: ErrorCode) -> HttpResponse {
    json(status, &ApiError::new(code, "model"))
}

impl ModelServer {
    fn digest(&self) -> ContactDigest {
        let mut d = ContactDigest::default();
        for (k, h) in &self.contacts {
            d.add(k, *h);
        }
        d
    }

    fn handle(&mut self, r: &HttpRequest) -> HttpResponse {
        let path = r.url.split("/v1/").nth(1).unwrap_or_default().to_string();
        let parts: Vec<&str> = path.split('/').collect();
        let body = r.body.clone().unwrap_or_default();
        match (r.method, parts.as_slice()) {
            (Method::Post, ["sync", "sessions"]) => {
                let open: OpenSyncRequest = serde_json::from_str(&body).unwrap();
                self.next_id += 1;
                self.sessions.insert(
                    self.next_id,
                    Session {
                        kind: Some(open.kind),
                        ..Session::default()
                    },
                );
                json(
                    201,
                    &SyncSession {
                        id: self.next_id,
                        kind: open.kind,
                        expires_at: 0,
                        limits: SyncLimits::default(),
                    },
                )
            }
            (Method::Put, ["sync", "sessions", id, "batches", seq]) => {
                let id: i64 = id.parse().unwrap();
                let seq: u32 = seq.parse().unwrap();
                let Some(s) = self.sessions.get_mut(&id) else {
                    return error(404, ErrorCode::NotFound);
                };
                if s.closed || s.committed.is_some() {
                    return error(409, ErrorCode::SessionClosed);
                }
                let batch: ContactBatch = serde_json::from_str(&body).unwrap();
                let items = batch.contacts.len() as u32;
                match s.batches.get(&seq) {
                    Some((stored, _)) if *stored == body => json(
                        200,
                        &BatchReceipt {
                            session_id: id,
                            seq,
                            items,
                            replayed: true,
                        },
                    ),
                    Some(_) => error(422, ErrorCode::BatchConflict),
                    None => {
                        let keyed = batch
                            .contacts
                            .iter()
                            .map(|c| (c.key().unwrap(), c.content_hash()))
                            .collect();
                        s.batches.insert(seq, (body, keyed));
                        json(
                            200,
                            &BatchReceipt {
                                session_id: id,
                                seq,
                                items,
                                replayed: false,
                            },
                        )
                    }
                }
            }
            (Method::Post, ["sync", "sessions", id, "commit"]) => {
                let id: i64 = id.parse().unwrap();
                let commit: CommitRequest = serde_json::from_str(&body).unwrap();
                let Some(s) = self.sessions.get(&id).cloned() else {
                    return error(404, ErrorCode::NotFound);
                };
                if let Some(done) = &s.committed {
                    return json(200, done);
                }
                if s.closed {
                    return error(409, ErrorCode::SessionClosed);
                }
                if (0..commit.batch_count).any(|i| !s.batches.contains_key(&i))
                    || s.batches.keys().any(|k| *k >= commit.batch_count)
                {
                    return error(409, ErrorCode::BatchesMissing);
                }
                let mut seen = BTreeMap::new();
                for (_, items) in s.batches.values() {
                    for (k, h) in items {
                        seen.insert(k.clone(), *h);
                    }
                }
                let kind = s.kind.unwrap();
                if kind == SyncKind::Full {
                    self.contacts.retain(|k, _| seen.contains_key(k));
                }
                self.contacts.extend(seen);
                let result = CommitResult {
                    session_id: id,
                    kind,
                    added: 0,
                    updated: 0,
                    unchanged: 0,
                    removed: 0,
                    digest: self.digest(),
                };
                self.sessions.get_mut(&id).unwrap().committed = Some(result.clone());
                json(200, &result)
            }
            _ => error(404, ErrorCode::NotFound),
        }
    }

    /// Open sessions expire (the TTL passed while the extension was away).
    fn expire_sessions(&mut self) {
        for s in self.sessions.values_mut() {
            if s.committed.is_none() {
                s.closed = true;
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    None,
    /// The request never reached the server.
    LostBefore,
    /// The server applied it; the answer was lost.
    LostAfter,
    /// Delivered twice.
    Duplicate,
    /// A copy is held back and delivered later, out of order.
    Delayed,
    /// Open sessions expire before this request.
    Expire,
    /// The worker stops right after this step, before saving it.
    WorkerStopUnsaved,
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        6 => Just(Fault::None),
        1 => Just(Fault::LostBefore),
        1 => Just(Fault::LostAfter),
        1 => Just(Fault::Duplicate),
        1 => Just(Fault::Delayed),
        1 => Just(Fault::Expire),
        1 => Just(Fault::WorkerStopUnsaved),
    ]
}

fn contact(id: u32, version: u32) -> ContactRecord {
    ContactRecord {
        member_id: Some(format!("M{id}")),
        public_identifier: Some(format!("p-{id}")),
        profile_url: format!("https://www.linkedin.com/in/p-{id}/"),
        first_name: Some(format!("Name{id}")),
        headline: Some(format!("v{version}")),
        ..ContactRecord::default()
    }
}

/// The ally's connections over time: each round, a set of (id, version).
fn rounds() -> impl Strategy<Value = Vec<(bool, BTreeMap<u32, u32>)>> {
    prop::collection::vec(
        (
            any::<bool>(),
            prop::collection::btree_map(0u32..60, 0u32..3, 0..40),
        ),
        1..5,
    )
}

/// Runs one upload to completion through the faults; returns the ledger it ends with.
fn run_upload(
    server: &mut ModelServer,
    base: &Ledger,
    plan: &sync::Plan,
    faults: &mut impl Iterator<Item = Fault>,
    delayed: &mut Vec<HttpRequest>,
) -> (Ledger, bool) {
    let mut upload = Upload::new(plan);
    let mut saved = upload.clone();
    for step in 0..2_000u64 {
        let request = upload.request("http://model", plan);
        let f = faults.next().unwrap_or(Fault::None);
        // Late copies of earlier requests arrive now and then.
        if step % 3 == 0 {
            if let Some(old) = delayed.pop() {
                server.handle(&old);
            }
        }
        let outcome = match f {
            Fault::None | Fault::WorkerStopUnsaved => Ok(server.handle(&request)),
            Fault::LostBefore => Err(TransportError::Network("lost".into())),
            Fault::LostAfter => {
                server.handle(&request);
                Err(TransportError::Timeout)
            }
            Fault::Duplicate => {
                server.handle(&request);
                Ok(server.handle(&request))
            }
            Fault::Delayed => {
                delayed.push(request.clone());
                Ok(server.handle(&request))
            }
            Fault::Expire => {
                server.expire_sessions();
                Ok(server.handle(&request))
            }
        };
        let progress = upload.on_response(outcome, step * 1000, step);
        if let Fault::WorkerStopUnsaved = f {
            // The worker died before writing this step: it wakes up with the previous save.
            upload = saved.clone();
            continue;
        }
        saved = upload.clone();
        match progress {
            Progress::Continue | Progress::Wait { .. } => {}
            Progress::Done(result) => return sync::after_commit(plan, base, &result),
            Progress::Failed(f) => panic!("upload failed: {f:?}"),
        }
    }
    panic!("upload did not finish in 2000 steps");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_server_ends_holding_exactly_the_extensions_truth(
        rounds in rounds(),
        faults in prop::collection::vec(fault(), 0..200),
        items in 1u32..8,
    ) {
        let limits = SyncLimits { max_batch_items: items, ..SyncLimits::default() };
        let mut server = ModelServer::default();
        let mut ledger = Ledger::default();
        let mut faults = faults.into_iter();
        let mut delayed = Vec::new();
        let mut last: Vec<ContactRecord> = Vec::new();
        for (full, set) in rounds {
            let contacts: Vec<ContactRecord> = set.iter().map(|(id, v)| contact(*id, *v)).collect();
            let kind = if full { SyncKind::Full } else { SyncKind::Delta };
            if let Some(plan) = sync::plan(kind, &contacts, &ledger, &limits) {
                let (next, in_step) = run_upload(&mut server, &ledger, &plan, &mut faults, &mut delayed);
                prop_assert!(in_step, "digest mismatch after commit");
                ledger = next;
            }
            // No duplicates, nothing extra, nothing missing: the server is the ledger.
            prop_assert_eq!(&server.contacts, &ledger.entries);
            last = contacts;
        }
        // Late deliveries of old requests cannot change committed state.
        for old in delayed.drain(..) {
            server.handle(&old);
        }
        prop_assert_eq!(&server.contacts, &ledger.entries);
        // A final full sync: exactly the ally's connections.
        if let Some(plan) = sync::plan(SyncKind::Full, &last, &ledger, &limits) {
            let (next, in_step) = run_upload(&mut server, &ledger, &plan, &mut faults, &mut delayed);
            prop_assert!(in_step);
            ledger = next;
        }
        let truth: BTreeMap<String, u64> =
            last.iter().map(|c| (c.key().unwrap(), c.content_hash())).collect();
        prop_assert_eq!(&server.contacts, &truth);
        prop_assert_eq!(&ledger.entries, &truth);
    }
}

/// An installed extension upgraded from a version that kept the company and position of a
/// `Connections.csv` import: its stored contacts still load, and the next upload carries
/// neither field (the design's *Minimal data*), which the server would refuse.
#[test]
fn contacts_stored_with_company_and_position_load_and_upload_without_them() {
    use allyshare::store::{self, keys, Area, MemoryStore, Store};
    let stored = r#"[{"member_id":null,"public_identifier":"ada","profile_url":"https://www.linkedin.com/in/ada/","first_name":"Ada","last_name":"Lovelace","headline":"Countess","company":"Analytical Engines","position":"Chief Engineer","connected_on":"2024-03-05","photo_url":null},{"member_id":"M2","public_identifier":"bob","profile_url":"https://www.linkedin.com/in/bob/","first_name":"Bob","company":"Acme","position":null}]"#;
    let memory = MemoryStore::new();
    let list = futures_util::FutureExt::now_or_never(async {
        memory
            .set(Area::Durable, "contacts.0", stored.into())
            .await
            .unwrap();
        store::load(&memory, keys::contact_bucket(0)).await.unwrap()
    })
    .unwrap()
    .expect("the stored contacts load");
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[0].headline.as_deref(),
        Some("Countess"),
        "not folded in"
    );
    let plan = sync::plan(
        SyncKind::Full,
        &list,
        &Ledger::default(),
        &SyncLimits::default(),
    )
    .expect("a first sync has work");
    let mut server = ModelServer::default();
    let mut upload = Upload::new(&plan);
    let mut bodies = Vec::new();
    for step in 0..100u64 {
        let request = upload.request("http://model", &plan);
        bodies.push(request.body.clone().unwrap_or_default());
        let response = server.handle(&request);
        match upload.on_response(Ok(response), step * 1000, step) {
            Progress::Done(_) => break,
            Progress::Failed(f) => panic!("upload failed: {f:?}"),
            _ => {}
        }
    }
    assert_eq!(server.contacts.len(), 2, "both uploaded");
    let batches: Vec<&String> = bodies.iter().filter(|b| b.contains("contacts")).collect();
    assert!(!batches.is_empty());
    for body in batches {
        for word in [
            "company",
            "position",
            "Analytical",
            "Chief Engineer",
            "Acme",
        ] {
            assert!(!body.contains(word), "{word} uploaded in {body}");
        }
    }
}
