//! The service worker's brain: owns the session, answers the pages' intents.
//!
//! [`Worker`] is generic over [`Store`], [`Http`] and a clock, so the same code runs in the
//! browser (over `chrome.storage` and `fetch`) and in native tests. It keeps one rule above all:
//! the stored state is always what the backend last confirmed, so a worker stopped at any point
//! wakes up consistent.

use allyshare_protocol::Me;
use futures_util::lock::Mutex;

use crate::api::{self, ApiFailure};
use crate::auth::{self, AccessToken, RefreshToken, TokenStep};
use crate::http::{Http, HttpRequest, HttpResponse};
use crate::messages::{Intent, Problem, Reply, ViewState};
use crate::settings::{self, DEFAULT_BACKEND_URL};
use crate::store::{self, keys, Store, StoreError};

/// Owns the extension's state; one per service worker.
pub struct Worker<S, H, C> {
    store: S,
    http: H,
    /// Unix seconds.
    now: C,
    /// Refresh tokens are single use: two refreshes racing would end the session.
    refresh_lock: Mutex<()>,
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        Problem::Unexpected {
            detail: e.to_string(),
        }
    }
}

impl<S: Store, H: Http, C: Fn() -> u64> Worker<S, H, C> {
    pub fn new(store: S, http: H, now: C) -> Self {
        Worker {
            store,
            http,
            now,
            refresh_lock: Mutex::new(()),
        }
    }

    /// The storage, for tests and for the browser glue.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Handles one intent and answers with the resulting state.
    pub async fn handle(&self, intent: Intent) -> Reply {
        let outcome = match intent {
            Intent::GetState => Ok(()),
            Intent::Refresh => self.refresh_profile().await,
            Intent::SignIn { email, password } => self.sign_in(&email, &password).await,
            Intent::SignOut => self.sign_out().await,
            Intent::SetBackendUrl { url } => self.set_backend_url(&url).await,
        };
        self.reply(outcome.err()).await
    }

    /// Answers with the current state and the given problem.
    pub async fn reply(&self, problem: Option<Problem>) -> Reply {
        match self.view_state().await {
            Ok(state) => Reply { state, problem },
            Err(e) => Reply {
                state: ViewState {
                    signed_in: false,
                    me: None,
                    backend_url: DEFAULT_BACKEND_URL.to_string(),
                    default_backend_url: DEFAULT_BACKEND_URL.to_string(),
                },
                problem: Some(problem.unwrap_or(e.into())),
            },
        }
    }

    /// The state as stored, without any network call.
    pub async fn view_state(&self) -> Result<ViewState, StoreError> {
        let refresh: Option<RefreshToken> = store::load(&self.store, keys::REFRESH_TOKEN).await?;
        let signed_in = refresh.is_some_and(|r| r.usable_at((self.now)()));
        let me: Option<Me> = if signed_in {
            store::load(&self.store, keys::PROFILE).await?
        } else {
            None
        };
        Ok(ViewState {
            signed_in,
            me,
            backend_url: self.backend_url().await?,
            default_backend_url: DEFAULT_BACKEND_URL.to_string(),
        })
    }

    /// The backend in use: the ally's choice, else the build's default.
    pub async fn backend_url(&self) -> Result<String, StoreError> {
        Ok(store::load(&self.store, keys::BACKEND_URL)
            .await?
            .unwrap_or_else(|| DEFAULT_BACKEND_URL.to_string()))
    }

    async fn sign_in(&self, email: &str, password: &str) -> Result<(), Problem> {
        let base = self.backend_url().await?;
        let response = self
            .http
            .send(api::sign_in(&base, email, password))
            .await
            .map_err(|e| Problem::from_api(&e.into(), &base))?;
        let tokens = api::read_sign_in(&response).map_err(|e| Problem::from_api(&e, &base))?;
        // A new sign-in replaces whatever was there (another account's profile included).
        self.forget_session().await?;
        self.save_tokens(&tokens).await?;
        self.refresh_profile().await
    }

    async fn sign_out(&self) -> Result<(), Problem> {
        let base = self.backend_url().await?;
        // Revoke on the server when it can be reached; sign out locally in any case.
        if let Ok(response) = self.authed(|| api::sign_out(&base)).await {
            let _ = api::read_sign_out(&response);
        }
        self.forget_session().await?;
        Ok(())
    }

    async fn refresh_profile(&self) -> Result<(), Problem> {
        if !self.view_state().await?.signed_in {
            return Ok(());
        }
        let base = self.backend_url().await?;
        let result = match self.authed(|| api::me(&base)).await {
            Ok(response) => api::read_me(&response),
            Err(e) => Err(e),
        };
        match result {
            Ok(me) => Ok(store::save(&self.store, keys::PROFILE, &me).await?),
            Err(e @ (ApiFailure::Unauthorized | ApiFailure::SessionEnded)) => {
                self.forget_session().await?;
                Err(Problem::from_api(&e, &base))
            }
            Err(e) => Err(Problem::from_api(&e, &base)),
        }
    }

    async fn set_backend_url(&self, input: &str) -> Result<(), Problem> {
        let url = settings::normalize_backend_url(input).map_err(|e| Problem::InvalidUrl {
            reason: e.to_string(),
        })?;
        if url == self.backend_url().await? {
            return Ok(());
        }
        // Tokens belong to the old backend: end that session first.
        self.sign_out().await?;
        if url == DEFAULT_BACKEND_URL {
            store::forget(&self.store, keys::BACKEND_URL).await?;
        } else {
            store::save(&self.store, keys::BACKEND_URL, &url).await?;
        }
        Ok(())
    }

    /// Sends an authenticated request: refreshes the access token when it is stale, and once
    /// more when the server refuses it (it may have been revoked or expired in flight).
    pub async fn authed(
        &self,
        request: impl Fn() -> HttpRequest,
    ) -> Result<HttpResponse, ApiFailure> {
        let token = self.access_token(None).await?;
        let response = self.http.send(request().bearer(&token)).await?;
        if response.status != 401 {
            return Ok(response);
        }
        let token = self.access_token(Some(&token)).await?;
        let response = self.http.send(request().bearer(&token)).await?;
        if response.status == 401 {
            self.forget_session().await.ok();
            return Err(ApiFailure::SessionEnded);
        }
        Ok(response)
    }

    /// A usable access token, refreshing when needed. `refused` is a token the server just
    /// turned down: it is not returned again.
    async fn access_token(&self, refused: Option<&str>) -> Result<String, ApiFailure> {
        let _one_at_a_time = self.refresh_lock.lock().await;
        let storage = |e: StoreError| ApiFailure::BadResponse(e.to_string());
        let access: Option<AccessToken> = store::load(&self.store, keys::ACCESS_TOKEN)
            .await
            .map_err(storage)?;
        let access = access.filter(|a| Some(a.token.as_str()) != refused);
        let refresh: Option<RefreshToken> = store::load(&self.store, keys::REFRESH_TOKEN)
            .await
            .map_err(storage)?;
        let now = (self.now)();
        match auth::next_step(now, access.as_ref(), refresh.as_ref()) {
            TokenStep::Use(token) => Ok(token),
            TokenStep::SignIn => Err(ApiFailure::SessionEnded),
            TokenStep::Refresh(refresh_token) => {
                let base = self.backend_url().await.map_err(storage)?;
                let response = self.http.send(api::refresh(&base, &refresh_token)).await?;
                match api::read_refresh(&response) {
                    Ok(tokens) => {
                        self.save_tokens(&tokens).await.map_err(storage)?;
                        Ok(tokens.access_token)
                    }
                    Err(ApiFailure::SessionEnded) => {
                        self.forget_session().await.map_err(storage)?;
                        Err(ApiFailure::SessionEnded)
                    }
                    Err(e) => Err(e),
                }
            }
        }
    }

    async fn save_tokens(
        &self,
        tokens: &allyshare_protocol::SessionTokens,
    ) -> Result<(), StoreError> {
        let (access, refresh) = auth::tokens_at((self.now)(), tokens);
        // Refresh token first: if the worker stops between the two writes, the next wake-up
        // refreshes again instead of holding an access token whose refresh token was consumed.
        store::save(&self.store, keys::REFRESH_TOKEN, &refresh).await?;
        store::save(&self.store, keys::ACCESS_TOKEN, &access).await
    }

    async fn forget_session(&self) -> Result<(), StoreError> {
        store::forget(&self.store, keys::ACCESS_TOKEN).await?;
        store::forget(&self.store, keys::REFRESH_TOKEN).await?;
        store::forget(&self.store, keys::PROFILE).await
    }
}

#[cfg(test)]
mod tests {
    //! The worker's session rules over an in-memory store and a scripted backend that follows
    //! the API's token rules (single-use refresh tokens, revocation). The same flows run
    //! against the real server in `tests/worker_server.rs` and in the browser end to end.
    use super::*;
    use crate::http::{HttpResponse, Method, TransportError};
    use crate::store::{Area, MemoryStore};
    use allyshare_protocol::{NetworkMembership, Person, Role, SessionTokens};
    use std::cell::{Cell, RefCell};
    use std::collections::HashSet;

    #[derive(Default)]
    struct Backend {
        access: RefCell<HashSet<String>>,
        refresh: RefCell<HashSet<String>>,
        issued: Cell<u32>,
        calls: RefCell<Vec<String>>,
        down: Cell<bool>,
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

    impl Http for &Backend {
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
                (Method::Get, "/v1/me") if authed => json(
                    200,
                    &Me {
                        person: Person {
                            id: 1,
                            name: "Ada".into(),
                            email: "ada@example.org".into(),
                        },
                        networks: vec![NetworkMembership {
                            id: 7,
                            name: "Sales Network".into(),
                            role: Role::Ally,
                            sharing: true,
                        }],
                    },
                ),
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

    fn sign_in(w: &Worker<MemoryStore, &Backend, impl Fn() -> u64>) -> Reply {
        block_on(w.handle(Intent::SignIn {
            email: "ada@example.org".into(),
            password: "right-password".into(),
        }))
    }

    #[test]
    fn sign_in_stores_tokens_in_their_areas_and_reads_the_profile() {
        let backend = Backend::default();
        let w = Worker::new(MemoryStore::new(), &backend, || 1_000);
        let reply = sign_in(&w);
        assert_eq!(reply.problem, None);
        assert!(reply.state.signed_in);
        assert_eq!(reply.state.me.unwrap().networks[0].name, "Sales Network");
        assert_eq!(w.store().len(Area::Memory), 1, "only the access token");
        assert_eq!(w.store().len(Area::Durable), 2, "refresh token and profile");
    }

    #[test]
    fn wrong_password_is_said_plainly_and_stores_nothing() {
        let backend = Backend::default();
        let w = Worker::new(MemoryStore::new(), &backend, || 1_000);
        let reply = block_on(w.handle(Intent::SignIn {
            email: "ada@example.org".into(),
            password: "wrong".into(),
        }));
        assert_eq!(reply.problem, Some(Problem::InvalidCredentials));
        assert!(!reply.state.signed_in);
        assert!(w.store().is_empty(Area::Memory) && w.store().is_empty(Area::Durable));
    }

    #[test]
    fn expired_access_token_is_refreshed_silently_after_a_browser_restart() {
        let backend = Backend::default();
        let now = Cell::new(1_000);
        let w = Worker::new(MemoryStore::new(), &backend, || now.get());
        sign_in(&w);
        w.store().restart_browser();
        now.set(5_000);
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
        let w = Worker::new(MemoryStore::new(), &backend, || 1_000);
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
        let now = Cell::new(1_000);
        let w = Worker::new(MemoryStore::new(), &backend, || now.get());
        sign_in(&w);
        now.set(10_000); // access token expired
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
        let now = Cell::new(1_000);
        let w = Worker::new(MemoryStore::new(), &backend, || now.get());
        sign_in(&w);
        backend.refresh.borrow_mut().clear();
        now.set(10_000);
        let reply = block_on(w.handle(Intent::Refresh));
        assert_eq!(reply.problem, Some(Problem::SessionEnded));
        assert!(!reply.state.signed_in);
        assert!(w.store().is_empty(Area::Memory) && w.store().is_empty(Area::Durable));
    }

    #[test]
    fn an_unreachable_backend_keeps_the_session() {
        let backend = Backend::default();
        let w = Worker::new(MemoryStore::new(), &backend, || 1_000);
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
        let w = Worker::new(MemoryStore::new(), &backend, || 1_000);
        sign_in(&w);
        let reply = block_on(w.handle(Intent::SignOut));
        assert!(!reply.state.signed_in);
        assert!(backend.refresh.borrow().is_empty(), "revoked server-side");
        assert!(w.store().is_empty(Area::Memory) && w.store().is_empty(Area::Durable));
        // Signing out while offline still signs out locally.
        sign_in(&w);
        backend.down.set(true);
        assert!(!block_on(w.handle(Intent::SignOut)).state.signed_in);
    }

    #[test]
    fn changing_the_backend_signs_out_of_the_old_one() {
        let backend = Backend::default();
        let w = Worker::new(MemoryStore::new(), &backend, || 1_000);
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
        assert!(w.store().is_empty(Area::Durable));
    }
}
