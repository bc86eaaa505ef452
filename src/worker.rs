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
