//! The worker's session rules over an in-memory store and a scripted backend that follows
//! the API's token rules (single-use refresh tokens, revocation). The same flows run
//! against the real server in the browser end to end (`tests/e2e`).
use super::*;
use crate::http::{Http, HttpResponse, Method, TransportError};
use crate::messages::Phase;
use crate::store::{Area, MemoryStore};
use allyshare_protocol::SessionTokens;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;

#[derive(Default)]
struct Backend {
    access: RefCell<HashSet<String>>,
    refresh: RefCell<HashSet<String>>,
    issued: Cell<u32>,
    calls: RefCell<Vec<String>>,
    down: Cell<bool>,
    /// The challenge the hand-off page obtained its code for.
    handoff_challenge: RefCell<Option<String>>,
    /// The ally shares with no network (`/v1/me` says so).
    not_sharing: Cell<bool>,
}

impl Backend {
    fn issue(&self) -> HttpResponse {
        let n = self.issued.get() + 1;
        self.issued.set(n);
        self.access.borrow_mut().insert(format!("a{n}"));
        self.refresh.borrow_mut().insert(format!("r{n}"));
        json(
            200,
            &SessionTokens {
                access_token: format!("a{n}"),
                access_expires_in: 900,
                refresh_token: format!("r{n}"),
                refresh_expires_in: 86_400,
                token_type: "Bearer".into(),
            },
        )
    }
}

struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

fn json<T: serde::Serialize>(status: u16, body: &T) -> HttpResponse {
    HttpResponse {
        status,
        content_type: Some("application/json".into()),
        retry_after: None,
        body: serde_json::to_string(body).unwrap(),
    }
}

fn unauthorized() -> HttpResponse {
    json(
        401,
        &allyshare_protocol::ApiError::new(allyshare_protocol::ErrorCode::Unauthorized, "no"),
    )
}

impl Http for Backend {
    async fn send(&self, r: HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = r
            .url
            .trim_start_matches("http://127.0.0.1:8787")
            .to_string();
        // Like a real network round trip, give other tasks a turn before answering.
        YieldOnce(false).await;
        self.calls
            .borrow_mut()
            .push(format!("{} {path}", r.method.as_str()));
        if self.down.get() {
            return Err(TransportError::Network("connection refused".into()));
        }
        let bearer = r
            .header("authorization")
            .map(|h| h.trim_start_matches("Bearer ").to_string());
        let authed = bearer.is_some_and(|t| self.access.borrow().contains(&t));
        Ok(match (r.method, path.as_str()) {
            (Method::Post, "/v1/sessions") => {
                if r.body.as_deref().unwrap_or("").contains("right-password") {
                    self.issue()
                } else {
                    json(
                        401,
                        &allyshare_protocol::ApiError::new(
                            allyshare_protocol::ErrorCode::InvalidCredentials,
                            "no",
                        ),
                    )
                }
            }
            (Method::Post, "/v1/sessions/handoff") => {
                let body: allyshare_protocol::HandoffExchange =
                    serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
                let expected = self.handoff_challenge.borrow_mut().take();
                if body.code == "one-time-code"
                    && expected == Some(crate::handoff::challenge(&body.verifier))
                {
                    self.issue()
                } else {
                    json(
                        400,
                        &allyshare_protocol::ApiError::new(
                            allyshare_protocol::ErrorCode::InvalidHandoffCode,
                            "no",
                        ),
                    )
                }
            }
            (Method::Post, "/v1/sessions/refresh") => {
                let body: allyshare_protocol::RefreshRequest =
                    serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
                if self.refresh.borrow_mut().remove(&body.refresh_token) {
                    self.access.borrow_mut().clear();
                    self.issue()
                } else {
                    // Reuse: the whole session is revoked.
                    self.access.borrow_mut().clear();
                    self.refresh.borrow_mut().clear();
                    json(
                        401,
                        &allyshare_protocol::ApiError::new(
                            allyshare_protocol::ErrorCode::InvalidRefreshToken,
                            "used",
                        ),
                    )
                }
            }
            (Method::Get, "/v1/me") if authed => {
                json(200, &crate::handoff::tests::ada(!self.not_sharing.get()))
            }
            (Method::Delete, "/v1/sessions/current") if authed => {
                self.access.borrow_mut().clear();
                self.refresh.borrow_mut().clear();
                json(204, &())
            }
            _ => unauthorized(),
        })
    }
}

/// A minimal executor: the futures here only wait on each other, never on real I/O.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
    fn raw() -> RawWaker {
        fn clone(_: *const ()) -> RawWaker {
            raw()
        }
        fn noop(_: *const ()) {}
        static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
        RawWaker::new(std::ptr::null(), &VTABLE)
    }
    let waker = unsafe { Waker::from_raw(raw()) };
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// The worker's platform in these tests: memory storage, the scripted backend, a clock
/// the test moves, and no LinkedIn session.
struct TestPlatform<'a> {
    store: MemoryStore,
    backend: &'a Backend,
    now_secs: Cell<u64>,
    jsessionid: RefCell<Option<String>>,
    linkedin_requests: Cell<u32>,
    /// Set: LinkedIn serves these connections (dash pages and the summary).
    linkedin_list: RefCell<Option<crate::linkedin::synthetic::Synthetic>>,
    /// The storage calls made before each page request.
    calls_at_page: RefCell<Vec<u32>>,
}

impl Platform for TestPlatform<'_> {
    type Store = MemoryStore;
    fn store(&self) -> &MemoryStore {
        &self.store
    }
    async fn backend(&self, r: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.backend.send(r).await
    }
    async fn linkedin(&self, r: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.linkedin_requests.set(self.linkedin_requests.get() + 1);
        let list = self.linkedin_list.borrow();
        let Some(list) = list.as_ref() else {
            return Err(TransportError::Network("no LinkedIn in these tests".into()));
        };
        let param = |name: &str| -> u32 {
            let at = r.url.find(&format!("{name}=")).unwrap() + name.len() + 1;
            r.url[at..].split('&').next().unwrap().parse().unwrap()
        };
        let body = if r.url.contains("connectionsSummary") {
            list.summary()
        } else {
            self.calls_at_page.borrow_mut().push(self.store.calls());
            list.dash_page(param("start"), param("count"))
        };
        Ok(json(
            200,
            &serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        ))
    }
    async fn linkedin_jsessionid(&self) -> Option<String> {
        self.jsessionid.borrow().clone()
    }
    async fn sleep_ms(&self, _: u64) {}
    fn now_ms(&self) -> u64 {
        self.now_secs.get() * 1000
    }
    fn random(&self) -> u64 {
        4
    }
    fn secure_random(&self) -> [u8; 32] {
        [9; 32]
    }
    async fn wake_at(&self, _: u64) {}
}

fn test_platform(backend: &Backend, now: u64) -> TestPlatform<'_> {
    TestPlatform {
        store: MemoryStore::new(),
        backend,
        now_secs: Cell::new(now),
        jsessionid: RefCell::new(None),
        linkedin_requests: Cell::new(0),
        linkedin_list: RefCell::new(None),
        calls_at_page: RefCell::new(Vec::new()),
    }
}

fn worker(backend: &Backend, now: u64) -> Worker<TestPlatform<'_>> {
    Worker::new(test_platform(backend, now))
}

/// A new worker (the service worker stopped and started again) on what `store` holds.
fn worker_on<'a>(store: &MemoryStore, backend: &'a Backend) -> Worker<TestPlatform<'a>> {
    Worker::new(TestPlatform {
        store: store.snapshot(),
        ..test_platform(backend, 1_000)
    })
}

#[test]
fn check_linkedin_follows_the_session_cookie_without_reading() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    sign_in(&w);
    let reply = block_on(w.handle(Intent::CheckLinkedIn));
    assert_eq!(reply.state.sync.linkedin, LinkedInState::LoggedOut);
    *w.platform().jsessionid.borrow_mut() = Some("\"ajax:1\"".into());
    let reply = block_on(w.handle(Intent::CheckLinkedIn));
    assert_eq!(reply.problem, None);
    assert_eq!(reply.state.sync.linkedin, LinkedInState::Connected);
    assert_eq!(reply.state.sync.phase, Phase::Idle, "nothing was read");
    assert!(!Intent::CheckLinkedIn.starts_work());
}

fn sign_in(w: &Worker<TestPlatform<'_>>) -> Reply {
    block_on(w.handle(Intent::SignIn {
        email: "ada@example.org".into(),
        password: "right-password".into(),
    }))
}

#[test]
fn sign_in_stores_tokens_in_their_areas_and_reads_the_profile() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    let reply = sign_in(&w);
    assert_eq!(reply.problem, None);
    assert!(reply.state.signed_in);
    assert_eq!(reply.state.me.unwrap().networks[0].name, "Sales Network");
    assert_eq!(
        w.platform().store.len(Area::Memory),
        1,
        "only the access token"
    );
    assert_eq!(
        w.platform().store.len(Area::Durable),
        2,
        "refresh token and profile"
    );
}

#[test]
fn wrong_password_is_said_plainly_and_stores_nothing() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    let reply = block_on(w.handle(Intent::SignIn {
        email: "ada@example.org".into(),
        password: "wrong".into(),
    }));
    assert_eq!(reply.problem, Some(Problem::InvalidCredentials));
    assert!(!reply.state.signed_in);
    assert!(
        w.platform().store.is_empty(Area::Memory) && w.platform().store.is_empty(Area::Durable)
    );
}

#[test]
fn expired_access_token_is_refreshed_silently_after_a_browser_restart() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    sign_in(&w);
    w.platform().store.restart_browser();
    w.platform().now_secs.set(5_000);
    let reply = block_on(w.handle(Intent::Refresh));
    assert_eq!(reply.problem, None);
    assert!(reply.state.signed_in);
    let calls = backend.calls.borrow();
    assert_eq!(
        &calls[calls.len() - 2..],
        ["POST /v1/sessions/refresh", "GET /v1/me"]
    );
}

#[test]
fn a_token_revoked_in_flight_is_refreshed_once_and_retried() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    sign_in(&w);
    backend.access.borrow_mut().clear(); // the server forgot the access token
    let reply = block_on(w.handle(Intent::Refresh));
    assert_eq!(reply.problem, None);
    let calls = backend.calls.borrow();
    assert_eq!(
        &calls[calls.len() - 3..],
        ["GET /v1/me", "POST /v1/sessions/refresh", "GET /v1/me"]
    );
}

#[test]
fn concurrent_intents_refresh_only_once() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    sign_in(&w);
    w.platform().now_secs.set(10_000); // access token expired
    let (a, b) = block_on(async {
        futures_util::future::join(w.handle(Intent::Refresh), w.handle(Intent::Refresh)).await
    });
    assert_eq!(a.problem, None);
    assert_eq!(b.problem, None);
    let refreshes = backend
        .calls
        .borrow()
        .iter()
        .filter(|c| c.ends_with("/refresh"))
        .count();
    assert_eq!(
        refreshes, 1,
        "a second refresh would have revoked the session"
    );
}

#[test]
fn a_dead_refresh_token_signs_out_with_a_clear_problem() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    sign_in(&w);
    backend.refresh.borrow_mut().clear();
    w.platform().now_secs.set(10_000);
    let reply = block_on(w.handle(Intent::Refresh));
    assert_eq!(reply.problem, Some(Problem::SessionEnded));
    assert!(!reply.state.signed_in);
    assert!(
        w.platform().store.is_empty(Area::Memory) && w.platform().store.is_empty(Area::Durable)
    );
}

#[test]
fn an_unreachable_backend_keeps_the_session() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    sign_in(&w);
    backend.down.set(true);
    let reply = block_on(w.handle(Intent::Refresh));
    assert!(matches!(reply.problem, Some(Problem::Unreachable { .. })));
    assert!(reply.state.signed_in, "offline is not signed out");
    assert!(
        reply.state.me.is_some(),
        "the last known profile still shows"
    );
}

#[test]
fn sign_out_revokes_on_the_server_and_forgets_locally() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    sign_in(&w);
    let reply = block_on(w.handle(Intent::SignOut));
    assert!(!reply.state.signed_in);
    assert!(backend.refresh.borrow().is_empty(), "revoked server-side");
    // Nothing of the account is left; only the note that the ally signed out on purpose.
    assert!(w.platform().store.is_empty(Area::Durable));
    assert_eq!(w.platform().store.len(Area::Memory), 1);
    // Signing out while offline still signs out locally.
    sign_in(&w);
    backend.down.set(true);
    assert!(!block_on(w.handle(Intent::SignOut)).state.signed_in);
}

#[test]
fn changing_the_backend_signs_out_of_the_old_one() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    sign_in(&w);
    let reply = block_on(w.handle(Intent::SetBackendUrl {
        url: "https://allyshare.example.org/".into(),
    }));
    assert_eq!(reply.problem, None);
    assert!(!reply.state.signed_in);
    assert_eq!(reply.state.backend_url, "https://allyshare.example.org");
    let bad = block_on(w.handle(Intent::SetBackendUrl {
        url: "http://allyshare.example.org".into(),
    }));
    assert!(matches!(bad.problem, Some(Problem::InvalidUrl { .. })));
    assert_eq!(bad.state.backend_url, "https://allyshare.example.org");
    // Back to the default: the stored choice is removed.
    block_on(w.handle(Intent::SetBackendUrl {
        url: DEFAULT_BACKEND_URL.into(),
    }));
    assert!(w.platform().store.is_empty(Area::Durable));
}

const PAGE: Option<&str> = Some("http://127.0.0.1:8787");

/// The Get Started page's side of a hand-off: hello, a code for that challenge, the code.
fn hand_off(w: &Worker<TestPlatform<'_>>, backend: &Backend) -> ExternalAnswer {
    let hello = block_on(w.handle_external(Some(ExternalMessage::Hello), PAGE));
    let challenge = hello.challenge().unwrap().to_string();
    assert_eq!(challenge.len(), 43);
    *backend.handoff_challenge.borrow_mut() = Some(challenge);
    let code = ExternalMessage::Code {
        code: "one-time-code".into(),
    };
    block_on(w.handle_external(Some(code), PAGE))
}

#[test]
fn a_hand_off_asks_which_account_before_it_signs_in() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    assert_eq!(hand_off(&w, &backend), ExternalAnswer::TAKEN);
    // Exchanged and described, not signed in: nothing stored where the session lives, no
    // job can run, and the pages are given the question.
    let state = block_on(w.view_state()).unwrap();
    assert!(!state.signed_in);
    assert_eq!(state.me, None);
    let question = state.pending_sign_in.expect("the ally is asked");
    assert_eq!(question.email, "ada@example.org");
    assert_eq!(question.networks, ["Sales Network"]);
    assert!(
        w.platform().store.is_empty(Area::Durable),
        "no refresh token"
    );
    assert_eq!(
        *backend.calls.borrow(),
        ["POST /v1/sessions/handoff", "GET /v1/me"]
    );
    *w.platform().jsessionid.borrow_mut() = Some("\"ajax:1\"".into());
    block_on(w.run_jobs()).unwrap();
    assert_eq!(w.platform().linkedin_requests.get(), 0, "LinkedIn not read");
    // While the question is open, another hand-off cannot replace it.
    let again = block_on(w.handle_external(Some(ExternalMessage::Hello), PAGE));
    assert_eq!(again, ExternalAnswer::REFUSED);
    // "Continue as ada@example.org": now signed in, as after a password sign-in.
    let reply = block_on(w.handle(Intent::ConfirmSignIn {
        email: "ada@example.org".into(),
    }));
    assert_eq!(reply.problem, None);
    assert!(reply.state.signed_in);
    assert_eq!(reply.state.pending_sign_in, None);
    assert_eq!(reply.state.me.unwrap().person.name, "Ada");
    assert!(Intent::ConfirmSignIn {
        email: String::new()
    }
    .starts_work());
    assert_eq!(
        w.platform().store.len(Area::Memory),
        1,
        "the access token only"
    );
    // Signed in now: further hand-off messages are refused.
    let again = block_on(w.handle_external(Some(ExternalMessage::Hello), PAGE));
    assert_eq!(again, ExternalAnswer::REFUSED);
}

#[test]
fn not_me_revokes_the_hand_off_and_stays_signed_out() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    hand_off(&w, &backend);
    assert_eq!(backend.refresh.borrow().len(), 1, "a session exists");
    let reply = block_on(w.handle(Intent::DeclineSignIn));
    assert_eq!(reply.problem, None);
    assert!(!reply.state.signed_in);
    assert_eq!(reply.state.pending_sign_in, None);
    assert!(backend.refresh.borrow().is_empty(), "revoked at the server");
    assert_eq!(
        backend.calls.borrow().last().unwrap(),
        "DELETE /v1/sessions/current"
    );
    assert!(
        w.platform().store.is_empty(Area::Memory) && w.platform().store.is_empty(Area::Durable)
    );
    // Declined is not signed out on purpose: the ally's own Get Started page may try again.
    assert_eq!(hand_off(&w, &backend), ExternalAnswer::TAKEN);
}

#[test]
fn a_stale_or_other_confirmation_signs_nobody_in() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    hand_off(&w, &backend);
    // Not the account that was shown.
    let reply = block_on(w.handle(Intent::ConfirmSignIn {
        email: "mallory@example.org".into(),
    }));
    assert_eq!(reply.problem, Some(Problem::HandoffExpired));
    assert!(!reply.state.signed_in);
    assert!(backend.refresh.borrow().is_empty(), "revoked");
    // Too late: the access token has expired too, so the revocation refreshes first.
    hand_off(&w, &backend);
    w.platform().now_secs.set(1_000 + 900);
    const { assert!(900 > crate::handoff::CONFIRM_TTL_SECS) };
    assert_eq!(block_on(w.view_state()).unwrap().pending_sign_in, None);
    let reply = block_on(w.handle(Intent::ConfirmSignIn {
        email: "ada@example.org".into(),
    }));
    assert_eq!(reply.problem, Some(Problem::HandoffExpired));
    assert!(!reply.state.signed_in);
    let calls = backend.calls.borrow();
    assert_eq!(
        &calls[calls.len() - 2..],
        ["POST /v1/sessions/refresh", "DELETE /v1/sessions/current"]
    );
    assert!(backend.refresh.borrow().is_empty(), "revoked");
}

#[test]
fn a_password_sign_in_revokes_a_waiting_hand_off() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    hand_off(&w, &backend);
    let reply = sign_in(&w);
    assert!(reply.state.signed_in);
    assert_eq!(reply.state.pending_sign_in, None);
    assert_eq!(
        backend.refresh.borrow().len(),
        1,
        "only the password's session"
    );
    assert!(block_on(w.pending_sign_in()).unwrap().is_none());
}

#[test]
fn hand_off_refuses_strangers_replays_and_stale_verifiers() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    let refused = ExternalAnswer::REFUSED;
    let evil = Some("https://evil.example");
    assert_eq!(
        block_on(w.handle_external(Some(ExternalMessage::Hello), evil)),
        refused
    );
    assert_eq!(
        block_on(w.handle_external(None, Some("http://127.0.0.1:8787"))),
        refused
    );
    let page = PAGE;
    let code = || ExternalMessage::Code {
        code: "one-time-code".into(),
    };
    // A code without a hello first: no verifier to prove it.
    assert_eq!(block_on(w.handle_external(Some(code()), page)), refused);
    // A verifier older than its time limit is not used.
    let hello = block_on(w.handle_external(Some(ExternalMessage::Hello), page));
    *backend.handoff_challenge.borrow_mut() = hello.challenge().map(String::from);
    w.platform()
        .now_secs
        .set(1_000 + crate::handoff::VERIFIER_TTL_SECS);
    assert_eq!(block_on(w.handle_external(Some(code()), page)), refused);
    assert!(!block_on(w.view_state()).unwrap().signed_in);
    assert!(
        backend
            .calls
            .borrow()
            .iter()
            .all(|c| !c.contains("handoff")),
        "nothing sent"
    );
}

#[test]
fn a_job_with_nothing_to_share_is_not_a_sync() {
    // Signed in but sharing with no network: the due full job reads nothing and uploads
    // nothing, so the popup must not claim a "last sync".
    let backend = Backend::default();
    backend.not_sharing.set(true);
    let w = worker(&backend, 1_000);
    // Logged in to LinkedIn: only the sharing rule can keep the job from reading.
    *w.platform().jsessionid.borrow_mut() = Some("\"ajax:1\"".into());
    sign_in(&w);
    block_on(w.run_jobs()).unwrap();
    assert_eq!(w.platform().linkedin_requests.get(), 0, "LinkedIn not read");
    let state = block_on(w.view_state()).unwrap();
    assert_eq!(state.sync.last_sync_at, None);
    assert!(
        backend.calls.borrow().iter().all(|c| !c.contains("/sync/")),
        "nothing uploaded"
    );
    // The schedule moved on all the same: no job is due right away.
    assert!(state.sync.next_sync_at.unwrap() > 1_000);
}

/// What an earlier version left in an ally's browser: buckets in its contact format, and
/// an exclusion under its key rule (the member id as LinkedIn's URN gave it, untrimmed).
/// The contact is still shown as excluded, the exclusion is rewritten in the protocol's key,
/// and it is still not shared.
#[test]
fn exclusions_and_contacts_stored_by_an_earlier_version_still_hold() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    sign_in(&w);
    let store = &w.platform().store;
    let old_bucket = r#"[{"member_id":"ACoAB1 ","public_identifier":"ada","profile_url":"https://www.linkedin.com/in/ada/","first_name":"Ada","last_name":"Lovelace","headline":null,"company":null,"position":null,"connected_on":"2025-12-19","photo_url":null,"photo_expires_at":null},{"member_id":"ACoAB2","public_identifier":"bob","profile_url":"https://www.linkedin.com/in/bob/","first_name":"Bob","last_name":null,"headline":null,"company":null,"position":null,"connected_on":null,"photo_url":null,"photo_expires_at":null}]"#;
    block_on(async {
        store
            .set(Area::Durable, "contacts.5", old_bucket.into())
            .await
            .unwrap();
        store
            .set(Area::Durable, "excluded", r#"["member:ACoAB1 "]"#.into())
            .await
            .unwrap();
    });
    let reply = block_on(w.handle(Intent::GetContacts {
        offset: 0,
        limit: 10,
        query: None,
    }));
    let page = reply.contacts.unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.excluded, 1);
    let ada = page
        .items
        .iter()
        .find(|r| r.name == "Ada Lovelace")
        .unwrap();
    assert!(ada.excluded);
    assert_eq!(ada.key, "member:ACoAB1", "the protocol's key");
    let stored: Exclusions = block_on(store::load(store, keys::EXCLUDED))
        .unwrap()
        .unwrap();
    assert_eq!(
        stored,
        serde_json::from_str::<Exclusions>(r#"["member:ACoAB1"]"#).unwrap()
    );
    let list = block_on(w.contacts()).unwrap();
    let (shared, _) = contact_list::records_to_share(&list, &stored);
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0].key().as_deref(), Some("member:ACoAB2"));
    // Sharing again lifts it, by the key the row shows.
    block_on(w.handle(Intent::SetExcluded {
        key: ada.key.clone(),
        excluded: false,
    }));
    let stored: Exclusions = block_on(store::load(store, keys::EXCLUDED))
        .unwrap()
        .unwrap();
    assert!(stored.is_empty());
}

/// Reads `connections` from LinkedIn with "Sync now" (before any network is shared with, so
/// nothing is uploaded): the storage calls between two page requests, and those after the
/// last one (its batch, the fold, the end of the run).
fn storage_calls_of_a_read(connections: u32) -> (Vec<u32>, u32) {
    let backend = Backend::default();
    backend.not_sharing.set(true);
    let w = worker(&backend, 1_000);
    read_with_sync_now(&w, connections);
    let at = w.platform().calls_at_page.borrow().clone();
    assert_eq!(
        at.len() as u32,
        connections / 40 + 1,
        "40 a page, then the empty page that ends the read"
    );
    assert_eq!(block_on(w.view_state()).unwrap().sync.contacts, connections);
    assert_eq!(block_on(w.contacts()).unwrap().len() as u32, connections);
    let per_page = at.windows(2).map(|w| w[1] - w[0]).collect();
    (per_page, w.platform().store.calls() - at[at.len() - 1])
}

/// Signs in and reads `connections` from LinkedIn with "Sync now", pacing off.
fn read_with_sync_now(w: &Worker<TestPlatform<'_>>, connections: u32) {
    sign_in(w);
    let settings = ReadSettings {
        pause_min_ms: 0,
        pause_max_ms: 0,
        ..ReadSettings::default()
    };
    block_on(store::save(
        &w.platform().store,
        keys::READ_SETTINGS,
        &settings,
    ))
    .unwrap();
    *w.platform().jsessionid.borrow_mut() = Some("\"ajax:1\"".into());
    *w.platform().linkedin_list.borrow_mut() =
        Some(crate::linkedin::synthetic::Synthetic::new(3, connections));
    block_on(w.handle(Intent::SyncNow));
    block_on(w.run_jobs()).unwrap();
}

/// A LinkedIn page read costs one storage call (the page and the job record in one batch),
/// where the worker used to make about seven; the end of the read (the fold of every page
/// into the list) costs the same whatever the number of pages.
#[test]
fn a_page_read_costs_one_storage_call() {
    let (per_page, tail) = storage_calls_of_a_read(400);
    assert_eq!(per_page, [1; 10], "storage calls between two page requests");
    let (per_page, twice_as_long) = storage_calls_of_a_read(800);
    assert_eq!(per_page, [1; 20]);
    assert_eq!(tail, twice_as_long, "the fold is not a call per page");
}

/// The contact list is read from storage once per worker: for the read's known keys. The
/// fold and what follows it (the upload's list, the popup's page of contacts) take what the
/// worker wrote; a new worker on the same storage finds the same list; forgetting the
/// contacts forgets what the worker holds too.
#[test]
fn the_contact_list_is_read_from_storage_once_per_worker() {
    let backend = Backend::default();
    backend.not_sharing.set(true);
    let w = worker(&backend, 1_000);
    read_with_sync_now(&w, 400);
    let store = &w.platform().store;
    let held = block_on(w.contacts()).unwrap();
    let page = block_on(w.handle(Intent::GetContacts {
        offset: 0,
        limit: 10,
        query: None,
    }));
    assert_eq!(page.contacts.map(|p| p.total), Some(400));
    let bucket_reads = |store: &MemoryStore| {
        store
            .take_read()
            .iter()
            .filter(|k| k.starts_with("contacts."))
            .count()
    };
    assert_eq!(
        bucket_reads(store),
        CONTACT_BUCKETS as usize,
        "every bucket read once"
    );
    let fresh = worker_on(store, &backend);
    assert!(block_on(fresh.contacts()).unwrap() == held, "the same list");
    assert_eq!(
        bucket_reads(&fresh.platform().store),
        CONTACT_BUCKETS as usize
    );
    block_on(w.forget_contacts()).unwrap();
    assert!(block_on(w.contacts()).unwrap().is_empty());
    assert_eq!(
        bucket_reads(store),
        CONTACT_BUCKETS as usize,
        "read again once forgotten"
    );
}

/// An installed extension that updates keeps its state: the four records an earlier
/// version kept (schedule, read in progress, upload in progress, work) are read once into
/// the one job record, and removed.
#[test]
fn an_update_reads_the_earlier_versions_job_records_into_one() {
    use crate::jobs::Cadence;
    use crate::linkedin::read::{ReadJob, ReadMode};
    use crate::sync::Upload;
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    sign_in(&w);
    let store = &w.platform().store;
    let schedule = Schedule {
        cadence: Cadence {
            routine_every_secs: 6 * 3600,
            full_every_secs: 3 * 86_400,
        },
        last_full_at: Some(500),
        manual_requested: true,
        ..Schedule::default()
    };
    let mut read = ReadJob::new(ReadMode::Full, &ReadSettings::default());
    read.next_start = 80;
    let upload = Upload {
        kind: allyshare_protocol::SyncKind::Delta,
        fingerprint: 42,
        batch_count: 9,
        session_id: Some(77),
        acked: 4,
        attempt: 0,
    };
    let work = serde_json::json!({
        "view": crate::messages::SyncView { contacts: 120, shared: 100, ..Default::default() },
        "needs_full": true,
        "pages": 2,
    });
    block_on(async {
        for (name, text) in [
            ("schedule", serde_json::to_string(&schedule).unwrap()),
            ("read_job", serde_json::to_string(&read).unwrap()),
            ("upload", serde_json::to_string(&upload).unwrap()),
            ("work", work.to_string()),
        ] {
            store.set(Area::Durable, name, text).await.unwrap();
        }
    });
    // The updated extension's worker starts.
    let w = worker_on(store, &backend);
    let state = block_on(w.view_state()).unwrap();
    assert_eq!(state.sync.contacts, 120);
    assert_eq!(state.sync.shared, 100);
    assert_eq!(state.cadence, Some((6, 3)));
    let store = &w.platform().store;
    let record: JobRecord = block_on(store::load(store, keys::JOB)).unwrap().unwrap();
    assert_eq!(
        record.schedule, schedule,
        "a Sync now asked before the update is still owed"
    );
    assert_eq!(record.read.as_ref().unwrap().next_start, 80);
    assert_eq!(record.upload, Some(upload));
    assert!(record.needs_full);
    assert_eq!(record.pages, 2);
    for name in keys::LEGACY_JOB_RECORDS {
        let old = block_on(store.get(Area::Durable, name)).unwrap();
        assert_eq!(old, None, "{name} is read once, then removed");
    }
    // Read once: a second worker start takes the new record as it is.
    let calls = store.calls();
    assert_eq!(block_on(load_job_record(store)).unwrap(), record);
    assert_eq!(store.calls(), calls + 1, "one read");
}

#[test]
fn the_same_contacts_again_rewrite_no_bucket() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    sign_in(&w);
    let csv = include_str!("../../tests/fixtures/linkedin/csv/connections.csv");
    let import = |text: &str| {
        block_on(w.handle(Intent::ImportCsv {
            text: text.to_string(),
        }))
    };
    assert_eq!(import(csv).problem, None);
    let buckets = |written: Vec<String>| {
        written
            .into_iter()
            .filter(|k| k.starts_with("contacts."))
            .count()
    };
    assert!(buckets(w.platform().store.take_written()) > 0);
    let count = block_on(w.contacts()).unwrap().len();
    // The same export again: nothing changed, nothing written.
    assert_eq!(import(csv).problem, None);
    assert_eq!(buckets(w.platform().store.take_written()), 0);
    assert_eq!(block_on(w.contacts()).unwrap().len(), count);
}

#[test]
fn an_open_get_started_page_cannot_sign_the_ally_back_in_after_sign_out() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    let page = Some("http://127.0.0.1:8787");
    sign_in(&w);
    block_on(w.handle(Intent::SignOut));
    let hello = block_on(w.handle_external(Some(ExternalMessage::Hello), page));
    assert_eq!(hello, ExternalAnswer::REFUSED);
    // A password sign-in lifts it: the next sign-out is again the ally's own.
    sign_in(&w);
    assert!(block_on(w.view_state()).unwrap().signed_in);
}

/// An authenticated request whose access token is still good reads that one key; only an
/// expired access token makes the worker read the refresh token too.
#[test]
fn a_usable_access_token_is_the_one_key_read_before_a_request() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    assert_eq!(sign_in(&w).problem, None);
    let store = &w.platform().store;
    store.take_read();
    let first = block_on(w.access_token(None)).unwrap();
    assert_eq!(store.take_read(), ["access_token"]);
    w.platform().now_secs.set(1_000 + 86_400 / 2);
    let refreshed = block_on(w.access_token(None)).unwrap();
    assert_ne!(refreshed, first, "an expired access token is refreshed");
    let read = store.take_read();
    assert_eq!(&read[..2], ["access_token", "refresh_token"]);
}

/// A read done by one worker is folded from the contacts it held while saving each page: the
/// saved pages are removed without being read back (a read begun by an earlier worker is
/// read back: `job::tests::a_read_resumes_from_the_stored_record_at_its_next_page`).
#[test]
fn a_read_done_by_one_worker_is_folded_without_reading_its_pages_back() {
    let backend = Backend::default();
    backend.not_sharing.set(true);
    let w = worker(&backend, 1_000);
    read_with_sync_now(&w, 400);
    let store = &w.platform().store;
    let read = store.take_read();
    assert!(
        !read.iter().any(|k| k.starts_with("read_page.")),
        "{read:?}"
    );
    assert_eq!(block_on(w.contacts()).unwrap().len(), 400);
    assert!(
        store.take_written().iter().any(|k| k == "read_page.9"),
        "each page was saved"
    );
    let stored = worker_on(store, &backend);
    assert_eq!(
        block_on(stored.contacts()).unwrap().len(),
        400,
        "and stored"
    );
}

/// A cold worker answers the popup's first "get state" with one storage call: the token, the
/// profile, the job record, the asks count and the backend's address read together (they
/// were five calls one after the other); once the job is loaded, it is not read again.
#[test]
fn a_cold_worker_reads_the_state_with_one_storage_call() {
    let backend = Backend::default();
    let w = worker(&backend, 1_000);
    assert_eq!(sign_in(&w).problem, None);
    block_on(w.handle(Intent::SetCadence {
        routine_hours: 12,
        full_days: 3,
    }));
    let cold = worker_on(&w.platform().store, &backend);
    let store = &cold.platform().store;
    let reply = block_on(cold.handle(Intent::GetState));
    assert_eq!(store.calls(), 1, "{:?}", store.take_read());
    assert!(reply.state.signed_in);
    assert_eq!(reply.state.me.unwrap().networks[0].name, "Sales Network");
    assert_eq!(reply.state.cadence, Some((12, 3)), "the stored job record");
    let mut read = store.take_read();
    read.sort();
    assert_eq!(
        read,
        [
            "backend_url",
            "job",
            "pending_asks",
            "profile",
            "refresh_token"
        ]
    );
    block_on(cold.handle(Intent::GetState));
    assert_eq!(store.calls(), 2);
    assert!(!store.take_read().contains(&"job".to_string()));
}
