//! Property test of contact sync: the extension's real background job ([`SyncJob`], the very
//! machine the worker drives) against a model of the server's sync protocol, under random
//! failures — requests lost before or after the server applied them, duplicated, delivered
//! late and out of order, sessions expiring, the extension's worker stopping before it stored
//! its last step (it restarts from what is stored: the job record, the ledger). (A server
//! restart loses nothing the server stored, so to the extension it is a lost request; it is
//! run for real on a SQLite file in server/tests and tests/e2e/sync-faults.test.mjs.) Whatever
//! happens, once an upload reports done, the server holds exactly what the extension believes
//! (its ledger), with no duplicates; and a final full sync makes the server hold exactly the
//! ally's connections.
//!
//! The model server follows the rules the reference server implements and tests on a real
//! SQLite file (server/tests): it is a model so that thousands of cases run in seconds.

#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, HashMap, VecDeque};

use allyshare::api::ApiFailure;
use allyshare::contact_list::Exclusions;
use allyshare::http::{HttpRequest, HttpResponse, Method, TransportError};
use allyshare::job::{Effect, Event, JobRecord, Loaded, Need, SyncJob, UploadInputs, Write};
use allyshare::jobs::Cadence;
use allyshare::sync::Ledger;
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
    /// What `GET /v1/sync/limits` publishes.
    limits: SyncLimits,
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
            (Method::Get, ["sync", "limits"]) => json(200, &self.limits),
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

    /// Sessions committed so far.
    fn commits(&self) -> usize {
        self.sessions
            .values()
            .filter(|s| s.committed.is_some())
            .count()
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

/// What the extension has stored: the job record and the ledger, as the worker last wrote them.
#[derive(Debug, Default)]
struct Stored {
    values: HashMap<String, String>,
}

impl Stored {
    /// A batch of writes, as the worker's storage applies it.
    fn apply(&mut self, writes: Vec<Write>) {
        for w in writes {
            match w.value {
                Some(v) => self.values.insert(w.name, v),
                None => self.values.remove(&w.name),
            };
        }
    }

    fn record(&self) -> JobRecord {
        self.values
            .get("job")
            .map(|t| serde_json::from_str(t).unwrap())
            .unwrap_or_default()
    }

    fn ledger(&self) -> Ledger {
        self.values
            .get("ledger")
            .map(|t| serde_json::from_str(t).unwrap())
            .unwrap_or_default()
    }
}

/// An extension that has read LinkedIn already: only uploads are due.
fn read_already() -> Stored {
    let mut stored = Stored::default();
    let mut record = JobRecord::default();
    record.schedule.cadence = Cadence {
        routine_every_secs: 1 << 40,
        full_every_secs: 1 << 40,
    };
    record.schedule.last_routine_at = Some(1);
    record.schedule.last_full_at = Some(1);
    stored
        .values
        .insert("job".into(), serde_json::to_string(&record).unwrap());
    stored
}

/// A worker's life: the machine, started from what is stored, as `Worker::run_jobs` drives it.
struct Extension {
    job: SyncJob,
    instance: u64,
    now_ms: u64,
}

impl Extension {
    fn start(stored: &Stored, instance: u64, now_ms: u64) -> Self {
        Extension {
            job: SyncJob::new(stored.record(), instance),
            instance,
            now_ms,
        }
    }

    /// The worker was stopped: a new one starts from storage.
    fn restart(&mut self, stored: &Stored) {
        self.instance += 1;
        self.job = SyncJob::new(stored.record(), self.instance);
    }
}

/// Asks for one upload of `contacts` (a network switched on; `full` as after an exclusion)
/// and drives the machine until it is done, through the faults; returns whether the commit's
/// digest matched.
fn run_upload(
    server: &mut ModelServer,
    stored: &mut Stored,
    ext: &mut Extension,
    contacts: &[ContactRecord],
    full: bool,
    faults: &mut impl Iterator<Item = Fault>,
    delayed: &mut Vec<HttpRequest>,
) {
    let limits = server.limits;
    let ask = |job: &mut SyncJob| {
        job.change(|r| {
            r.schedule.request_upload();
            r.needs_full |= full;
        })
    };
    ask(&mut ext.job);
    // The batches on their way (as the worker's driver holds them), oldest first; each with
    // the server's answer when the server already took it (it may take a later one first).
    let mut in_flight: VecDeque<(HttpRequest, Option<HttpResponse>)> = VecDeque::new();
    stored.values.insert(
        "job".into(),
        serde_json::to_string(ext.job.record()).unwrap(),
    );
    let mut step = 0u64;
    loop {
        step += 1;
        assert!(step < 5_000, "the upload did not finish in 5000 steps");
        ext.now_ms += 7;
        let effect = ext.job.poll(ext.now_ms);
        // What the driver drops is still on its way: it reaches the server later, or never.
        match &effect {
            Effect::Write(_) | Effect::Batches { fresh: false, .. } => {}
            _ => delayed.extend(in_flight.drain(..).map(|(request, _)| request)),
        }
        let event = match effect {
            Effect::Done { wake_at } => {
                let record = stored.record();
                let owed = record.schedule.upload_requested || record.upload.is_some();
                if !owed && ext.job.record().upload.is_none() {
                    return;
                }
                // Woken by the alarm when it is due.
                ext.now_ms = ext.now_ms.max(wake_at.unwrap_or(0) * 1000);
                continue;
            }
            Effect::Load(need @ (Need::Start | Need::Sharing | Need::Upload)) => {
                loaded(need, contacts, stored, limits)
            }
            Effect::Load(Need::Read)
            | Effect::Cookie
            | Effect::LinkedIn(_)
            | Effect::WriteAndSend { .. }
            | Effect::Fold { .. } => {
                panic!("an upload reads nothing: {effect:?}")
            }
            Effect::Sleep { until_ms } => {
                ext.now_ms = ext.now_ms.max(until_ms);
                Event::Woke
            }
            Effect::Write(writes) => {
                if let Some(Fault::WorkerStopUnsaved) = faults.next() {
                    // The worker died before this batch reached storage.
                    ext.restart(stored);
                    delayed.extend(in_flight.drain(..).map(|(request, _)| request));
                    continue;
                }
                stored.apply(writes);
                Event::Written
            }
            Effect::Backend { request, .. } => {
                let f = faults.next().unwrap_or(Fault::None);
                Event::Backend(
                    deliver(server, &request, None, f, step, delayed).map_err(ApiFailure::from),
                )
            }
            Effect::Batches { send, fresh } => {
                if fresh {
                    delayed.extend(in_flight.drain(..).map(|(request, _)| request));
                }
                in_flight.extend(send.into_iter().map(|request| (request, None)));
                // Now and then the server takes the newest batch in flight before the others.
                if step % 2 == 0 && in_flight.len() > 1 {
                    if let Some((request, answer @ None)) = in_flight.back_mut() {
                        *answer = Some(server.handle(request));
                    }
                }
                let (request, answer) = in_flight.pop_front().expect("a batch in flight");
                let f = faults.next().unwrap_or(Fault::None);
                Event::Backend(
                    deliver(server, &request, answer, f, step, delayed).map_err(ApiFailure::from),
                )
            }
        };
        ext.job.handle(event, ext.now_ms, step);
        let record = ext.job.record();
        assert!(
            record.view.problem.is_none()
                || record.upload.is_some()
                || record.schedule.retry_at.is_some(),
            "the upload failed: {:?}",
            record.view.problem
        );
    }
}

/// One request through the faults to the model server (`taken`: the server's answer when it
/// already took the request).
fn deliver(
    server: &mut ModelServer,
    request: &HttpRequest,
    taken: Option<HttpResponse>,
    fault: Fault,
    step: u64,
    delayed: &mut Vec<HttpRequest>,
) -> Result<HttpResponse, TransportError> {
    // Late copies of earlier requests arrive now and then.
    if step % 3 == 0 {
        if let Some(old) = delayed.pop() {
            server.handle(&old);
        }
    }
    let handle = |server: &mut ModelServer| match &taken {
        Some(answer) => answer.clone(),
        None => server.handle(request),
    };
    match fault {
        Fault::None | Fault::WorkerStopUnsaved => Ok(handle(server)),
        Fault::LostBefore if taken.is_none() => Err(TransportError::Network("lost".into())),
        // Taken already: only its answer can be lost.
        Fault::LostBefore | Fault::LostAfter => {
            handle(server);
            Err(TransportError::Timeout)
        }
        Fault::Duplicate => {
            handle(server);
            Ok(server.handle(request))
        }
        Fault::Delayed => {
            delayed.push(request.clone());
            Ok(handle(server))
        }
        Fault::Expire => {
            server.expire_sessions();
            Ok(handle(server))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_server_ends_holding_exactly_the_extensions_truth(
        rounds in rounds(),
        faults in prop::collection::vec(fault(), 0..200),
        items in 1u32..8,
    ) {
        let mut server = ModelServer {
            limits: SyncLimits { max_batch_items: items, ..SyncLimits::default() },
            ..ModelServer::default()
        };
        let mut stored = read_already();
        let mut ext = Extension::start(&stored, 1, 10_000);
        let mut faults = faults.into_iter();
        let mut delayed = Vec::new();
        let mut last: Vec<ContactRecord> = Vec::new();
        for (full, set) in rounds {
            let contacts: Vec<ContactRecord> = set.iter().map(|(id, v)| contact(*id, *v)).collect();
            let commits = server.commits();
            run_upload(&mut server, &mut stored, &mut ext, &contacts, full, &mut faults, &mut delayed);
            // A commit clears the need for a full upload when the digests agree.
            prop_assert!(server.commits() == commits || !stored.record().needs_full, "digest mismatch after commit");
            // No duplicates, nothing extra, nothing missing: the server is the ledger.
            prop_assert_eq!(&server.contacts, &stored.ledger().entries);
            last = contacts;
        }
        // Late deliveries of old requests cannot change committed state.
        for old in delayed.drain(..) {
            server.handle(&old);
        }
        prop_assert_eq!(&server.contacts, &stored.ledger().entries);
        // A final full sync: exactly the ally's connections.
        let commits = server.commits();
        run_upload(&mut server, &mut stored, &mut ext, &last, true, &mut faults, &mut delayed);
        prop_assert!(server.commits() == commits || !stored.record().needs_full);
        let truth: BTreeMap<String, u64> =
            last.iter().map(|c| (c.key().unwrap(), c.content_hash())).collect();
        prop_assert_eq!(&server.contacts, &truth);
        prop_assert_eq!(&stored.ledger().entries, &truth);
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
    // The real job uploads them, with no fault.
    let mut server = ModelServer::default();
    let mut stored = read_already();
    let mut ext = Extension::start(&stored, 1, 10_000);
    run_upload(
        &mut server,
        &mut stored,
        &mut ext,
        &list,
        true,
        &mut std::iter::empty(),
        &mut Vec::new(),
    );
    let bodies: Vec<String> = server
        .sessions
        .values()
        .flat_map(|s| s.batches.values().map(|(body, _)| body.clone()))
        .collect();
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

/// What an upload's run loads: signed in, sharing, these contacts, the limits stored (else
/// `limits`).
fn loaded(need: Need, contacts: &[ContactRecord], stored: &Stored, limits: SyncLimits) -> Event {
    Event::Loaded(match need {
        Need::Start => Loaded::Start {
            signed_in: true,
            sharing: true,
            next_asks_at: u64::MAX / 2000,
        },
        Need::Sharing => Loaded::Sharing(true),
        Need::Upload => Loaded::Upload(Box::new(UploadInputs {
            base: "http://model".into(),
            list: contacts.to_vec(),
            excluded: Exclusions::default(),
            ledger: stored.ledger(),
            limits: stored
                .values
                .get("sync_limits")
                .map(|t| serde_json::from_str(t).unwrap())
                .unwrap_or(limits),
        })),
        Need::Read => panic!("an upload reads nothing from LinkedIn"),
    })
}

/// Drives the machine through an upload of `contacts`, answering plainly, until it hands out
/// upload batches; returns them with the effect's `fresh`.
fn next_batches(
    server: &mut ModelServer,
    stored: &mut Stored,
    ext: &mut Extension,
    contacts: &[ContactRecord],
) -> (Vec<HttpRequest>, bool) {
    for _ in 0..100 {
        ext.now_ms += 7;
        let event = match ext.job.poll(ext.now_ms) {
            Effect::Batches { send, fresh } => return (send, fresh),
            Effect::Load(need @ (Need::Start | Need::Sharing | Need::Upload)) => {
                loaded(need, contacts, stored, server.limits)
            }
            Effect::Write(writes) => {
                stored.apply(writes);
                Event::Written
            }
            Effect::Backend { request, .. } => Event::Backend(Ok(server.handle(&request))),
            other => panic!("not a step of an upload's start: {other:?}"),
        };
        ext.job.handle(event, ext.now_ms, 1);
    }
    panic!("no batch was sent in 100 steps");
}

fn batch_path(request: &HttpRequest) -> &str {
    request.url.split("/v1/").nth(1).unwrap_or_default()
}

fn one_item_batches() -> ModelServer {
    ModelServer {
        limits: SyncLimits {
            max_batch_items: 1,
            ..SyncLimits::default()
        },
        ..ModelServer::default()
    }
}

/// An upload of five contacts, one a batch, asked for.
fn upload_of_five() -> (ModelServer, Stored, Extension, Vec<ContactRecord>) {
    let stored = read_already();
    let mut ext = Extension::start(&stored, 1, 10_000);
    ext.job.change(|r| r.schedule.request_upload());
    let contacts = (0..5).map(|i| contact(i, 0)).collect();
    (one_item_batches(), stored, ext, contacts)
}

/// The server's 429, asking to wait `secs`.
fn busy(secs: &str) -> HttpResponse {
    HttpResponse {
        retry_after: Some(secs.into()),
        ..error(429, ErrorCode::RateLimited)
    }
}

/// The wait the machine goes into next (after writing its step): until when.
fn the_wait(ext: &mut Extension, now_ms: u64) -> u64 {
    for _ in 0..5 {
        match ext.job.poll(now_ms) {
            Effect::Write(_) => ext.job.handle(Event::Written, now_ms, 1),
            Effect::Sleep { until_ms } => return until_ms,
            other => panic!("expected the wait: {other:?}"),
        }
    }
    panic!("no wait in 5 steps");
}

/// The next batch is on its way while the one before is answered; a closed session drops
/// the batches in flight (their answers would be the old session's) and opens a new one.
#[test]
fn batches_travel_two_at_a_time_and_a_closed_session_drops_those_in_flight() {
    let (mut server, mut stored, mut ext, contacts) = upload_of_five();

    let (send, fresh) = next_batches(&mut server, &mut stored, &mut ext, &contacts);
    let paths: Vec<_> = send.iter().map(batch_path).collect();
    assert_eq!(
        paths,
        ["sync/sessions/1/batches/0", "sync/sessions/1/batches/1"]
    );
    assert!(fresh);
    let answer = server.handle(&send[0]);
    server.handle(&send[1]);
    ext.job.handle(Event::Backend(Ok(answer)), ext.now_ms, 1);
    // Batch 0's answer is saved; batch 1 is still on its way, so only batch 2 is sent now.
    let (send, fresh) = next_batches(&mut server, &mut stored, &mut ext, &contacts);
    assert_eq!(stored.record().upload.unwrap().acked, 1);
    let paths: Vec<_> = send.iter().map(batch_path).collect();
    assert_eq!(paths, ["sync/sessions/1/batches/2"]);
    assert!(!fresh, "batch 1 stays in flight");

    // The session closes before batch 1's answer is read.
    server.expire_sessions();
    let closed = server.handle(&HttpRequest::new(
        Method::Put,
        "http://model/v1/sync/sessions/1/batches/1".into(),
    ));
    assert_eq!(closed.status, 409);
    ext.job.handle(Event::Backend(Ok(closed)), ext.now_ms, 1);
    // A new session (answered by `next_batches`), then its batches 0 and 1, nothing kept
    // from the old one.
    let (send, fresh) = next_batches(&mut server, &mut stored, &mut ext, &contacts);
    let paths: Vec<_> = send.iter().map(batch_path).collect();
    assert_eq!(
        paths,
        ["sync/sessions/2/batches/0", "sync/sessions/2/batches/1"]
    );
    assert!(fresh, "what was in flight for the old session is dropped");
}

/// A batch that is asked to wait (429, `Retry-After: 2`) while the next is in flight: the
/// next one's answer is read too, and its longer `Retry-After: 5` is waited out before the
/// first batch is sent again.
#[test]
fn a_wait_asked_with_a_batch_in_flight_is_as_long_as_the_longest_asked() {
    let (mut server, mut stored, mut ext, contacts) = upload_of_five();
    let (send, _) = next_batches(&mut server, &mut stored, &mut ext, &contacts);
    assert_eq!(send.len(), 2);
    let answered_at = ext.now_ms;
    ext.job
        .handle(Event::Backend(Ok(busy("2"))), answered_at, 1);
    match ext.job.poll(answered_at) {
        Effect::Batches { send, fresh } => {
            assert!(
                send.is_empty() && !fresh,
                "only the answer of the batch in flight"
            );
        }
        other => panic!("the batch in flight was not waited for: {other:?}"),
    }
    ext.job
        .handle(Event::Backend(Ok(busy("5"))), answered_at, 1);
    let until_ms = the_wait(&mut ext, answered_at);
    assert!(
        until_ms >= answered_at + 5_000,
        "waited {} ms",
        until_ms - answered_at
    );
    assert_eq!(stored.record().upload.map_or(0, |u| u.acked), 0);
}

/// An acknowledgement read while draining does not lengthen the wait (it is not a refusal:
/// the batch is simply sent again, and answered the same).
#[test]
fn an_acknowledgement_in_flight_does_not_lengthen_the_wait() {
    let (mut server, mut stored, mut ext, contacts) = upload_of_five();
    let (send, _) = next_batches(&mut server, &mut stored, &mut ext, &contacts);
    let acknowledged = server.handle(&send[1]);
    assert_eq!(acknowledged.status, 200);
    let at = ext.now_ms;
    ext.job.handle(Event::Backend(Ok(busy("1"))), at, 1);
    assert!(matches!(ext.job.poll(at), Effect::Batches { .. }));
    // A large random number: a back-off computed from it would wait about 2 s.
    ext.job.handle(Event::Backend(Ok(acknowledged)), at, 3_999);
    assert_eq!(
        the_wait(&mut ext, at),
        at + 1_000,
        "the 429's own Retry-After"
    );
}
