//! The service worker's brain: owns the session and the background jobs, answers the pages.
//!
//! [`Worker`] is generic over a [`Platform`], so the same code runs in the browser (over
//! `chrome.*` and `fetch`) and in native tests. Two rules above all:
//! - the stored state is always what was last confirmed (by the backend, or by LinkedIn's
//!   answer), written after every step, so a worker stopped at any point wakes up consistent and
//!   resumes — a read at its next page, an upload at its next batch;
//! - one job at a time, even across worker restarts (a lease in the stored schedule).

use std::collections::HashSet;

use allyshare_protocol::{Me, SyncLimits};
use futures_util::lock::Mutex;
use serde::{Deserialize, Serialize};

use crate::api::{self, ApiFailure};
use crate::auth::{self, AccessToken, RefreshToken, TokenStep};
use crate::contact_list::{self, Exclusions};
use crate::contacts::ContactRecord;
use crate::handoff::{self, ExternalMessage, PendingHandoff, PendingSignIn};
use crate::http::{HttpRequest, HttpResponse, TransportError};
use crate::jobs::{JobKind, Outcome, Schedule};
use crate::linkedin::read::{self, ReadJob, ReadMode, ReadState, Step};
use crate::linkedin::session::Session as LinkedInSession;
use crate::linkedin::{summary, ReadSettings};
use crate::messages::{
    ContactPage, ContactRow, Intent, LinkedInState, Phase, Problem, Reply, SyncView, ViewState,
};
use crate::platform::Platform;
use crate::settings::{self, DEFAULT_BACKEND_URL};
use crate::store::{self, keys, Store, StoreError};
use crate::sync::{self, Ledger, Progress, Upload};
use keys::CONTACT_BUCKETS;

/// Waits up to this long are slept through in place; longer ones end the run and an alarm
/// resumes it (the worker must not hold on for minutes).
const MAX_INLINE_WAIT_MS: u64 = 10_000;

/// How often the worker looks for new introduction asks in the background. An ask is not
/// urgent to the minute; an hour keeps it to 24 small requests a day.
pub const ASKS_EVERY_SECS: u64 = 3600;

/// Owns the extension's state; one per service worker.
pub struct Worker<P> {
    platform: P,
    /// Refresh tokens are single use: two refreshes racing would end the session.
    refresh_lock: Mutex<()>,
    /// One job runner per worker (the stored lease covers other workers).
    run_lock: Mutex<()>,
    /// The schedule is read, changed and written by the runner and by intents ("Sync now",
    /// sharing on): without this, one's write undoes the other's across an `await`.
    schedule_lock: Mutex<()>,
    /// The same for the work state: the runner counts the pages it saved in it while intents
    /// (a popup asking for the state) update the view; a lost count would lose a page.
    work_lock: Mutex<()>,
    /// And for the contact list: a CSV import while a read folds its pages in must not be
    /// undone by the fold's write (or the other way round).
    contacts_lock: Mutex<()>,
    /// This worker instance, in the leases it takes ([`crate::jobs::Lease::holder`]).
    instance: u64,
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        Problem::Unexpected {
            detail: e.to_string(),
        }
    }
}

fn bucket_of(key: &str) -> u64 {
    let mut h = allyshare_protocol::contacts::Fnv64::default();
    h.write(key.as_bytes());
    h.finish() % CONTACT_BUCKETS
}

/// The state of the background work, as stored between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkState {
    view: SyncView,
    /// The server's digest disagreed with the ledger: the next upload is a full one.
    needs_full: bool,
    /// Pages saved by the read in progress.
    pages: u32,
}

impl<P: Platform> Worker<P> {
    pub fn new(platform: P) -> Self {
        Worker {
            refresh_lock: Mutex::new(()),
            run_lock: Mutex::new(()),
            schedule_lock: Mutex::new(()),
            work_lock: Mutex::new(()),
            contacts_lock: Mutex::new(()),
            instance: platform.random() | 1,
            platform,
        }
    }

    /// The platform, for tests and for the browser glue.
    pub fn platform(&self) -> &P {
        &self.platform
    }

    fn store(&self) -> &P::Store {
        self.platform.store()
    }

    fn now(&self) -> u64 {
        self.platform.now_ms() / 1000
    }

    /// Handles one intent and answers with the resulting state.
    pub async fn handle(&self, intent: Intent) -> Reply {
        let outcome = match intent {
            Intent::GetState => Ok(()),
            Intent::Refresh => self.refresh_profile().await,
            Intent::SignIn { email, password } => self.sign_in(&email, &password).await,
            Intent::SignOut => self.sign_out_by_ally().await,
            Intent::SetBackendUrl { url } => self.set_backend_url(&url).await,
            Intent::SyncNow => self.request_run().await,
            Intent::SetSharing {
                network_id,
                sharing,
            } => self.set_sharing(network_id, sharing).await,
            Intent::StopSharing => self.stop_sharing().await,
            Intent::ImportCsv { text } => self.import_csv(&text).await,
            Intent::GetContacts {
                offset,
                limit,
                query,
            } => {
                let page = self.contact_page(offset, limit, query.as_deref()).await;
                return self
                    .reply_with(page.map_err(Problem::from), |r, page| {
                        r.contacts = Some(page)
                    })
                    .await;
            }
            Intent::SetExcluded { key, excluded } => self.set_excluded(key, excluded).await,
            Intent::GetAsks => {
                let asks = self.asks().await;
                return self.reply_with(asks, |r, asks| r.asks = Some(asks)).await;
            }
            Intent::AnswerAsk {
                ask_id,
                made,
                reason,
            } => {
                let asks = self.answer_ask(ask_id, made, reason).await;
                return self.reply_with(asks, |r, asks| r.asks = Some(asks)).await;
            }
            Intent::SetCadence {
                routine_hours,
                full_days,
            } => self.set_cadence(routine_hours, full_days).await,
            Intent::CheckLinkedIn => self.check_linkedin().await,
            Intent::ConfirmSignIn { email } => self.confirm_sign_in(&email).await,
            Intent::DeclineSignIn => self.drop_pending_sign_in().await.map_err(Problem::from),
            Intent::GetPreferences => {
                let preferences = self.preferences(None).await;
                return self
                    .reply_with(preferences, |r, p| r.preferences = Some(p))
                    .await;
            }
            Intent::SetAskEmails { on } => {
                let preferences = self
                    .preferences(Some(allyshare_protocol::Preferences { ask_emails: on }))
                    .await;
                return self
                    .reply_with(preferences, |r, p| r.preferences = Some(p))
                    .await;
            }
        };
        self.reply(outcome.err()).await
    }

    /// Answers with the current state, and what the intent asked for when it succeeded.
    async fn reply_with<T>(
        &self,
        result: Result<T, Problem>,
        attach: impl FnOnce(&mut Reply, T),
    ) -> Reply {
        match result {
            Ok(value) => {
                let mut reply = self.reply(None).await;
                attach(&mut reply, value);
                reply
            }
            Err(problem) => self.reply(Some(problem)).await,
        }
    }

    /// Answers with the current state and the given problem.
    pub async fn reply(&self, problem: Option<Problem>) -> Reply {
        match self.view_state().await {
            Ok(state) => Reply {
                state,
                problem,
                contacts: None,
                asks: None,
                preferences: None,
            },
            Err(e) => Reply {
                state: ViewState::signed_out(DEFAULT_BACKEND_URL),
                problem: Some(problem.unwrap_or(e.into())),
                contacts: None,
                asks: None,
                preferences: None,
            },
        }
    }

    /// Whether a usable refresh token is stored (one key, no network).
    async fn signed_in(&self) -> Result<bool, StoreError> {
        let refresh: Option<RefreshToken> = store::load(self.store(), keys::REFRESH_TOKEN).await?;
        Ok(refresh.is_some_and(|r| r.usable_at(self.now())))
    }

    /// The state as stored, without any network call.
    pub async fn view_state(&self) -> Result<ViewState, StoreError> {
        let signed_in = self.signed_in().await?;
        let me: Option<Me> = if signed_in {
            store::load(self.store(), keys::PROFILE).await?
        } else {
            None
        };
        let work: WorkState = store::load(self.store(), keys::WORK)
            .await?
            .unwrap_or_default();
        let schedule: Option<Schedule> = store::load(self.store(), keys::SCHEDULE).await?;
        let mut sync = work.view;
        sync.next_sync_at = schedule.as_ref().map(|s| s.next_wake(self.now()));
        let cadence = schedule.unwrap_or_default().cadence;
        let pending_asks: u32 = store::load(self.store(), keys::PENDING_ASKS)
            .await?
            .unwrap_or(0);
        let pending_sign_in = if signed_in {
            None
        } else {
            self.pending_sign_in().await?.map(|p| p.question())
        };
        Ok(ViewState {
            signed_in,
            me,
            backend_url: self.backend_url().await?,
            default_backend_url: DEFAULT_BACKEND_URL.to_string(),
            sync,
            pending_asks,
            cadence: Some((
                (cadence.routine_every_secs / 3600) as u32,
                (cadence.full_every_secs / 86_400) as u32,
            )),
            pending_sign_in,
        })
    }

    /// The backend in use: the ally's choice, else the build's default.
    pub async fn backend_url(&self) -> Result<String, StoreError> {
        Ok(store::load(self.store(), keys::BACKEND_URL)
            .await?
            .unwrap_or_else(|| DEFAULT_BACKEND_URL.to_string()))
    }

    // ------------------------------------------------------------------ session

    async fn sign_in(&self, email: &str, password: &str) -> Result<(), Problem> {
        // Typing a password answers a waiting hand-off question too: that one is revoked.
        self.drop_pending_sign_in().await?;
        let base = self.backend_url().await?;
        let response = self
            .platform
            .backend(api::sign_in(&base, email, password))
            .await
            .map_err(|e| Problem::from_api(&e.into(), &base))?;
        let tokens = api::read_sign_in(&response).map_err(|e| Problem::from_api(&e, &base))?;
        // A new sign-in replaces whatever was there (another account's data included).
        self.forget_session().await?;
        self.save_tokens(&tokens).await?;
        store::forget(self.store(), keys::SIGNED_OUT_BY_ALLY).await?;
        self.refresh_profile().await
    }

    /// The ally's own "Sign out": also keeps an open Get Started page from handing the session
    /// straight back (a change of server signs out too, but is no such decision).
    async fn sign_out_by_ally(&self) -> Result<(), Problem> {
        self.drop_pending_sign_in().await?;
        self.sign_out().await?;
        store::save(self.store(), keys::SIGNED_OUT_BY_ALLY, &true).await?;
        Ok(())
    }

    async fn sign_out(&self) -> Result<(), Problem> {
        let base = self.backend_url().await?;
        // Revoke on the server when it can be reached; sign out locally whatever it answers.
        let _ = self.authed(|| api::sign_out(&base)).await;
        self.forget_session().await?;
        Ok(())
    }

    async fn refresh_profile(&self) -> Result<(), Problem> {
        if !self.signed_in().await? {
            return Ok(());
        }
        let base = self.backend_url().await?;
        let result = match self.authed(|| api::me(&base)).await {
            Ok(response) => api::read_me(&response),
            Err(e) => Err(e),
        };
        match result {
            Ok(me) => Ok(store::save(self.store(), keys::PROFILE, &me).await?),
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
        // Tokens and acknowledgements belong to the old backend: end that session first (and
        // any hand-off from it still waiting for an answer).
        self.drop_pending_sign_in().await?;
        self.sign_out().await?;
        if url == DEFAULT_BACKEND_URL {
            store::forget(self.store(), keys::BACKEND_URL).await?;
        } else {
            store::save(self.store(), keys::BACKEND_URL, &url).await?;
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
        let response = self.platform.backend(request().bearer(&token)).await?;
        if response.status != 401 {
            return Ok(response);
        }
        let token = self.access_token(Some(&token)).await?;
        let response = self.platform.backend(request().bearer(&token)).await?;
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
        let access: Option<AccessToken> = store::load(self.store(), keys::ACCESS_TOKEN)
            .await
            .map_err(storage)?;
        let access = access.filter(|a| Some(a.token.as_str()) != refused);
        let refresh: Option<RefreshToken> = store::load(self.store(), keys::REFRESH_TOKEN)
            .await
            .map_err(storage)?;
        match auth::next_step(self.now(), access.as_ref(), refresh.as_ref()) {
            TokenStep::Use(token) => Ok(token),
            TokenStep::SignIn => Err(ApiFailure::SessionEnded),
            TokenStep::Refresh(refresh_token) => {
                let base = self.backend_url().await.map_err(storage)?;
                let response = self
                    .platform
                    .backend(api::refresh(&base, &refresh_token))
                    .await?;
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
        let (access, refresh) = auth::tokens_at(self.now(), tokens);
        // Refresh token first: if the worker stops between the two writes, the next wake-up
        // refreshes again instead of holding an access token whose refresh token was consumed.
        store::save(self.store(), keys::REFRESH_TOKEN, &refresh).await?;
        store::save(self.store(), keys::ACCESS_TOKEN, &access).await
    }

    /// Signing out forgets the account and everything tied to it on this browser: tokens, the
    /// profile, what the server acknowledged, and the contacts read for it.
    async fn forget_session(&self) -> Result<(), StoreError> {
        store::forget(self.store(), keys::ACCESS_TOKEN).await?;
        store::forget(self.store(), keys::REFRESH_TOKEN).await?;
        store::forget(self.store(), keys::PROFILE).await?;
        self.forget_contacts().await
    }

    /// A message from a web page (`externally_connectable`): the hand-off from the backend's
    /// Get Started page. Anyone but the configured backend, a message while signed in (or
    /// signed out on purpose), or while a hand-off waits for the ally's answer, gets
    /// `{"ok": false}`. A code exchanged becomes a [`PendingSignIn`], not a session: see
    /// [`crate::handoff`].
    pub async fn handle_external(
        &self,
        message: Option<ExternalMessage>,
        sender_origin: Option<&str>,
    ) -> serde_json::Value {
        let refused = serde_json::json!({ "ok": false });
        let Ok(base) = self.backend_url().await else {
            return refused;
        };
        let signed_out_by_ally: bool = store::load(self.store(), keys::SIGNED_OUT_BY_ALLY)
            .await
            .ok()
            .flatten()
            .unwrap_or(false);
        // Storage that cannot be read counts as "no": nothing is handed over then.
        let signed_in = self.signed_in().await.unwrap_or(true);
        let asking = self.pending_sign_in().await.map_or(true, |p| p.is_some());
        let heard = handoff::accepts(
            handoff::from_backend(sender_origin, &base),
            signed_in,
            signed_out_by_ally,
            asking,
        );
        let (Some(message), true) = (message, heard) else {
            return refused;
        };
        match message {
            ExternalMessage::Hello => {
                let verifier = handoff::verifier(&self.platform.secure_random());
                let challenge = handoff::challenge(&verifier);
                let pending = PendingHandoff {
                    verifier,
                    created_at: self.now(),
                };
                match store::save(self.store(), keys::HANDOFF, &pending).await {
                    Ok(()) => serde_json::json!({ "challenge": challenge }),
                    Err(_) => refused,
                }
            }
            ExternalMessage::Code { code } => {
                let pending: Option<PendingHandoff> = store::load(self.store(), keys::HANDOFF)
                    .await
                    .ok()
                    .flatten();
                // Single use, whatever the outcome.
                let _ = store::forget(self.store(), keys::HANDOFF).await;
                let Some(pending) = pending.filter(|p| p.usable_at(self.now())) else {
                    return refused;
                };
                let request = api::handoff(&base, code, pending.verifier);
                let tokens = match self.platform.backend(request).await {
                    Ok(response) => api::read_sign_in(&response).ok(),
                    Err(_) => None,
                };
                let Some(tokens) = tokens else {
                    return refused;
                };
                match self.hold_sign_in(&base, &tokens).await {
                    Ok(()) => serde_json::json!({ "ok": true }),
                    Err(()) => refused,
                }
            }
        }
    }

    /// Keeps freshly handed-over tokens aside with the account they open, for the ally to
    /// confirm. Nothing else changes: the extension stays signed out, reads and uploads nothing.
    /// Tokens whose account cannot be learnt are revoked at once.
    async fn hold_sign_in(
        &self,
        base: &str,
        tokens: &allyshare_protocol::SessionTokens,
    ) -> Result<(), ()> {
        let (access, refresh) = auth::tokens_at(self.now(), tokens);
        let me = match self
            .platform
            .backend(api::me(base).bearer(&access.token))
            .await
        {
            Ok(response) => api::read_me(&response).ok(),
            Err(_) => None,
        };
        let Some(me) = me else {
            self.revoke(base, &access, &refresh).await;
            return Err(());
        };
        // A question left over from before (expired) is revoked before a new one is asked.
        if self.drop_pending_sign_in().await.is_err() {
            self.revoke(base, &access, &refresh).await;
            return Err(());
        }
        let pending = PendingSignIn {
            access,
            refresh,
            me,
            created_at: self.now(),
        };
        if store::save(self.store(), keys::PENDING_SIGN_IN, &pending)
            .await
            .is_err()
        {
            self.revoke(base, &pending.access, &pending.refresh).await;
            return Err(());
        }
        Ok(())
    }

    /// The hand-off waiting for the ally's answer, while it can still be confirmed.
    async fn pending_sign_in(&self) -> Result<Option<PendingSignIn>, StoreError> {
        let pending: Option<PendingSignIn> =
            store::load(self.store(), keys::PENDING_SIGN_IN).await?;
        Ok(pending.filter(|p| p.usable_at(self.now())))
    }

    /// "Continue as …": the pending hand-off becomes the session, as a password sign-in would.
    async fn confirm_sign_in(&self, email: &str) -> Result<(), Problem> {
        let pending = self.pending_sign_in().await?;
        let Some(pending) = pending.filter(|p| p.confirmed_by(email)) else {
            // Expired, or not the account the ally saw: nothing is signed in.
            self.drop_pending_sign_in().await?;
            return Err(Problem::HandoffExpired);
        };
        store::forget(self.store(), keys::PENDING_SIGN_IN).await?;
        self.forget_session().await?;
        // Refresh token first, as in `save_tokens`.
        store::save(self.store(), keys::REFRESH_TOKEN, &pending.refresh).await?;
        store::save(self.store(), keys::ACCESS_TOKEN, &pending.access).await?;
        store::save(self.store(), keys::PROFILE, &pending.me).await?;
        store::forget(self.store(), keys::SIGNED_OUT_BY_ALLY).await?;
        Ok(())
    }

    /// "Not me" (or a sign-in, sign-out or change of server that makes the question moot): the
    /// pending hand-off is forgotten, then revoked at the server when it can be reached.
    async fn drop_pending_sign_in(&self) -> Result<(), StoreError> {
        let pending: Option<PendingSignIn> =
            store::load(self.store(), keys::PENDING_SIGN_IN).await?;
        let Some(pending) = pending else {
            return Ok(());
        };
        store::forget(self.store(), keys::PENDING_SIGN_IN).await?;
        let base = self.backend_url().await?;
        self.revoke(&base, &pending.access, &pending.refresh).await;
        Ok(())
    }

    /// Ends a session the extension holds tokens for but does not use (`DELETE
    /// /v1/sessions/current`), refreshing first when the access token is stale. Best effort: an
    /// unreachable server keeps it until it expires.
    async fn revoke(&self, base: &str, access: &AccessToken, refresh: &RefreshToken) {
        let token = match auth::next_step(self.now(), Some(access), Some(refresh)) {
            TokenStep::Use(token) => token,
            TokenStep::Refresh(refresh_token) => {
                let renewed = match self
                    .platform
                    .backend(api::refresh(base, &refresh_token))
                    .await
                {
                    Ok(response) => api::read_refresh(&response).ok(),
                    Err(_) => None,
                };
                match renewed {
                    Some(tokens) => tokens.access_token,
                    None => return,
                }
            }
            TokenStep::SignIn => return,
        };
        let _ = self
            .platform
            .backend(api::sign_out(base).bearer(&token))
            .await;
    }

    // ------------------------------------------------------------------ sharing

    /// An authenticated call whose answer must be a success; failures in the ally's terms.
    async fn call(&self, build: impl Fn(&str) -> HttpRequest) -> Result<HttpResponse, Problem> {
        let base = self.backend_url().await?;
        self.authed(|| build(&base))
            .await
            .and_then(|response| api::classify(&response).map(|()| response))
            .map_err(|e| Problem::from_api(&e, &base))
    }

    async fn set_sharing(&self, network_id: i64, sharing: bool) -> Result<(), Problem> {
        self.call(|base| api::set_sharing(base, network_id, sharing))
            .await?;
        // The local state follows what the server confirmed.
        self.after_sharing_change().await?;
        if sharing {
            // Upload what was read; with nothing read yet, the read comes first (one running
            // now, onboarding's, uploads when it ends since it asks about sharing then).
            let read_anything = store::load::<WorkState>(self.store(), keys::WORK)
                .await?
                .is_some_and(|w| w.view.contacts > 0);
            if !read_anything {
                self.update_schedule(Schedule::request_manual).await?;
            } else {
                self.update_schedule(Schedule::request_upload).await?;
            }
        }
        Ok(())
    }

    async fn stop_sharing(&self) -> Result<(), Problem> {
        let me: Option<Me> = store::load(self.store(), keys::PROFILE).await?;
        for network in me.iter().flat_map(|m| &m.networks).filter(|n| n.sharing) {
            self.call(|base| api::set_sharing(base, network.id, false))
                .await?;
        }
        self.after_sharing_change().await
    }

    /// Re-reads the networks as the server now has them. When none is shared with any more,
    /// the server has deleted the contacts: so does the extension (and it stops reading
    /// LinkedIn).
    async fn after_sharing_change(&self) -> Result<(), Problem> {
        self.refresh_profile().await?;
        if !self.sharing_anywhere().await? {
            self.forget_contacts().await?;
        }
        Ok(())
    }

    async fn forget_contacts(&self) -> Result<(), StoreError> {
        let work: WorkState = store::load(self.store(), keys::WORK)
            .await?
            .unwrap_or_default();
        let pages: Vec<_> = (0..work.pages).map(keys::read_page).collect();
        store::forget_many(self.store(), &pages).await?;
        for b in 0..CONTACT_BUCKETS {
            store::forget(self.store(), keys::contact_bucket(b)).await?;
        }
        for (area, name) in [
            keys::LEDGER.place(),
            keys::UPLOAD.place(),
            keys::READ_JOB.place(),
            keys::WORK.place(),
            keys::SCHEDULE.place(),
            keys::EXCLUDED.place(),
        ] {
            self.store().remove(area, name).await?;
        }
        Ok(())
    }

    // ------------------------------------------------------------------ contacts

    /// The contacts read so far (all buckets).
    pub async fn contacts(&self) -> Result<Vec<ContactRecord>, StoreError> {
        Ok(self.contact_buckets().await?.concat())
    }

    async fn contact_buckets(&self) -> Result<Vec<Vec<ContactRecord>>, StoreError> {
        let mut buckets = Vec::with_capacity(CONTACT_BUCKETS as usize);
        for b in 0..CONTACT_BUCKETS {
            let bucket = store::load(self.store(), keys::contact_bucket(b)).await?;
            buckets.push(bucket.unwrap_or_default());
        }
        Ok(buckets)
    }

    /// Replaces the contact list by `change(current list)`, one change at a time. Only the
    /// buckets whose contacts changed are written (each bucket is kept in key order, so the
    /// same contacts are the same bucket): a quiet sync rewrites nothing.
    async fn update_contacts(
        &self,
        change: impl FnOnce(&[ContactRecord]) -> Vec<ContactRecord>,
    ) -> Result<Vec<ContactRecord>, StoreError> {
        let _one_at_a_time = self.contacts_lock.lock().await;
        let before = self.contact_buckets().await?;
        let changed = change(&before.concat());
        let mut after: Vec<Vec<(String, &ContactRecord)>> =
            vec![Vec::new(); CONTACT_BUCKETS as usize];
        for c in &changed {
            // Merged lists hold keyed contacts only; one stored without a key sorts first.
            let key = c.key().unwrap_or_default();
            after[bucket_of(&key) as usize].push((key, c));
        }
        for (b, (old, mut new)) in before.iter().zip(after).enumerate() {
            new.sort_by(|x, y| x.0.cmp(&y.0));
            let new: Vec<&ContactRecord> = new.into_iter().map(|(_, c)| c).collect();
            if !old.iter().eq(new.iter().copied()) {
                store::save(self.store(), keys::contact_bucket(b as u64), &new).await?;
            }
        }
        Ok(changed)
    }

    async fn import_csv(&self, text: &str) -> Result<(), Problem> {
        let import =
            crate::linkedin::csv::import(text.as_bytes()).map_err(|e| Problem::CsvUnreadable {
                detail: e.to_string(),
            })?;
        let merged = self
            .update_contacts(|list| contact_list::merge(list, &import.contacts))
            .await?;
        self.update_view(|v| v.contacts = merged.len() as u32)
            .await?;
        self.request_run().await
    }

    /// The ally's exclusions, in the protocol's key rule: a set stored by an earlier version
    /// under its own rule is rewritten once, here, against `list` (see
    /// [`Exclusions::canonical`]).
    async fn excluded(&self, list: &[ContactRecord]) -> Result<Exclusions, StoreError> {
        let stored: Exclusions = store::load(self.store(), keys::EXCLUDED)
            .await?
            .unwrap_or_default();
        match stored.canonical(list) {
            Some(canonical) => {
                store::save(self.store(), keys::EXCLUDED, &canonical).await?;
                Ok(canonical)
            }
            None => Ok(stored),
        }
    }

    async fn contact_page(
        &self,
        offset: u32,
        limit: u32,
        query: Option<&str>,
    ) -> Result<ContactPage, StoreError> {
        let mut list = self.contacts().await?;
        let excluded = self.excluded(&list).await?;
        // Newest connections first, then by name: the order LinkedIn shows.
        list.sort_by(|a, b| {
            b.connected_on
                .cmp(&a.connected_on)
                .then_with(|| a.display_name().cmp(&b.display_name()))
        });
        let needle = query
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_lowercase);
        let matching: Vec<&ContactRecord> = list
            .iter()
            .filter(|c| match &needle {
                None => true,
                Some(q) => [Some(c.display_name()), c.headline.clone()]
                    .iter()
                    .flatten()
                    .any(|field| field.to_lowercase().contains(q.as_str())),
            })
            .collect();
        let items = matching
            .iter()
            .skip(offset as usize)
            .take(limit.min(500) as usize)
            .map(|c| ContactRow {
                key: c.key().unwrap_or_default(),
                name: c.display_name(),
                headline: c.headline.clone(),
                profile_url: c.profile_url.clone(),
                connected_on: c.connected_on.clone(),
                excluded: excluded.contains(c),
            })
            .collect();
        Ok(ContactPage {
            total: matching.len() as u32,
            excluded: list.iter().filter(|c| excluded.contains(c)).count() as u32,
            items,
        })
    }

    async fn set_excluded(&self, key: String, exclude: bool) -> Result<(), Problem> {
        let list = self.contacts().await?;
        let mut excluded = self.excluded(&list).await?;
        if excluded.set(&list, &key, exclude) {
            store::save(self.store(), keys::EXCLUDED, &excluded).await?;
            // An exclusion removes the contact from the server: only a full upload can.
            self.update_work(|w| w.needs_full = true).await?;
        }
        Ok(())
    }

    async fn asks(&self) -> Result<Vec<allyshare_protocol::IntroAsk>, Problem> {
        let response = self.call(api::intro_asks).await?;
        let asks = api::read_asks(&response).map_err(|e| Problem::Unexpected {
            detail: e.to_string(),
        })?;
        let pending = asks
            .iter()
            .filter(|a| a.state == allyshare_protocol::IntroAskState::Pending)
            .count() as u32;
        store::save(self.store(), keys::PENDING_ASKS, &pending).await?;
        Ok(asks)
    }

    /// Looks for introduction asks in the background when a look is due (hourly while signed
    /// in) and returns the pending ones not announced before: the caller notifies the ally.
    /// Each ask is announced once; an unreachable server just means no news this time.
    pub async fn new_asks_if_due(&self) -> Result<Vec<allyshare_protocol::IntroAsk>, StoreError> {
        let now = self.now();
        let checked: Option<u64> = store::load(self.store(), keys::ASKS_CHECKED_AT).await?;
        if !self.signed_in().await? || checked.is_some_and(|t| now < t + ASKS_EVERY_SECS) {
            return Ok(Vec::new());
        }
        store::save(self.store(), keys::ASKS_CHECKED_AT, &now).await?;
        let Ok(asks) = self.asks().await else {
            return Ok(Vec::new());
        };
        let announced: HashSet<i64> = store::load(self.store(), keys::ASKS_ANNOUNCED)
            .await?
            .unwrap_or_default();
        let pending: Vec<_> = asks
            .into_iter()
            .filter(|a| a.state == allyshare_protocol::IntroAskState::Pending)
            .collect();
        let ids: HashSet<i64> = pending.iter().map(|a| a.id).collect();
        store::save(self.store(), keys::ASKS_ANNOUNCED, &ids).await?;
        Ok(pending
            .into_iter()
            .filter(|a| !announced.contains(&a.id))
            .collect())
    }

    /// When the next background look at the asks is due (unix seconds).
    async fn next_asks_check(&self) -> Result<u64, StoreError> {
        let checked: Option<u64> = store::load(self.store(), keys::ASKS_CHECKED_AT).await?;
        Ok(checked.map_or(self.now(), |t| t + ASKS_EVERY_SECS))
    }

    async fn answer_ask(
        &self,
        ask_id: i64,
        made: bool,
        reason: Option<String>,
    ) -> Result<Vec<allyshare_protocol::IntroAsk>, Problem> {
        self.call(|base| api::answer_ask(base, ask_id, made, reason.clone()))
            .await?;
        self.asks().await
    }

    /// The ally's preferences as the backend has them, after setting them to `new` if given.
    async fn preferences(
        &self,
        new: Option<allyshare_protocol::Preferences>,
    ) -> Result<allyshare_protocol::Preferences, Problem> {
        let response = match new {
            Some(preferences) => {
                self.call(|base| api::set_preferences(base, preferences))
                    .await?
            }
            None => self.call(api::preferences).await?,
        };
        api::read_preferences(&response).map_err(|e| Problem::Unexpected {
            detail: e.to_string(),
        })
    }

    async fn set_cadence(&self, routine_hours: u32, full_days: u32) -> Result<(), Problem> {
        if !(1..=24 * 7).contains(&routine_hours) || !(1..=30).contains(&full_days) {
            return Err(Problem::Unexpected {
                detail: "routine sync every 1 to 168 hours, full sync every 1 to 30 days".into(),
            });
        }
        self.update_schedule(|schedule| {
            schedule.cadence = crate::jobs::Cadence {
                routine_every_secs: u64::from(routine_hours) * 3600,
                full_every_secs: u64::from(full_days) * 86_400,
            };
        })
        .await?;
        Ok(())
    }

    /// Looks at LinkedIn's session cookie only. A session that appeared clears "logged out"
    /// (the next sync will tell whether it works); a missing one is "logged out".
    async fn check_linkedin(&self) -> Result<(), Problem> {
        let present = self.platform.linkedin_jsessionid().await.is_some();
        self.update_view(|v| {
            v.linkedin = match (present, v.linkedin) {
                (false, _) => LinkedInState::LoggedOut,
                (true, LinkedInState::LoggedOut | LinkedInState::Unknown) => {
                    LinkedInState::Connected
                }
                (true, other) => other,
            };
        })
        .await?;
        Ok(())
    }

    // ------------------------------------------------------------------ jobs

    /// "Sync now" (or the ally fixed what a job waited for): due at once.
    async fn request_run(&self) -> Result<(), Problem> {
        self.update_schedule(Schedule::request_manual).await?;
        Ok(())
    }

    /// Reads, changes and writes the schedule, one change at a time in this worker.
    async fn update_schedule<R>(
        &self,
        change: impl FnOnce(&mut Schedule) -> R,
    ) -> Result<R, StoreError> {
        let _one_at_a_time = self.schedule_lock.lock().await;
        let mut schedule: Schedule = store::load(self.store(), keys::SCHEDULE)
            .await?
            .unwrap_or_default();
        let result = change(&mut schedule);
        store::save(self.store(), keys::SCHEDULE, &schedule).await?;
        Ok(result)
    }

    /// Changes the stored work state (read, change, write: intents and the job runner both
    /// write it, so nobody keeps a copy across an `await`).
    async fn update_work(
        &self,
        change: impl FnOnce(&mut WorkState),
    ) -> Result<WorkState, StoreError> {
        let _one_at_a_time = self.work_lock.lock().await;
        let mut work: WorkState = store::load(self.store(), keys::WORK)
            .await?
            .unwrap_or_default();
        change(&mut work);
        store::save(self.store(), keys::WORK, &work).await?;
        Ok(work)
    }

    async fn update_view(&self, change: impl FnOnce(&mut SyncView)) -> Result<(), StoreError> {
        self.update_work(|w| change(&mut w.view)).await.map(|_| ())
    }

    /// Runs every job that is due, one at a time, then asks to be woken for the next one.
    /// Called on every alarm, at start-up, and after intents that start work.
    pub async fn run_jobs(&self) -> Result<(), StoreError> {
        let Some(_only_runner) = self.run_lock.try_lock() else {
            return Ok(());
        };
        loop {
            if !self.signed_in().await? {
                return Ok(());
            }
            let now = self.now();
            let instance = self.instance;
            let started = self
                .update_schedule(|schedule| match schedule.try_start(now, instance) {
                    Some(kind) => Ok(kind),
                    None => Err(schedule.next_wake(now)),
                })
                .await?;
            let kind = match started {
                Ok(kind) => kind,
                Err(next_wake) => {
                    let wake = next_wake.min(self.next_asks_check().await?);
                    self.platform.wake_at(wake.saturating_mul(1000)).await;
                    return Ok(());
                }
            };
            let started_at = now;
            let outcome = self.run_job(kind, started_at).await?;
            let finished_at = self.now();
            let finished = self
                .update_schedule(|schedule| {
                    // Another runner may have taken over meanwhile; it owns the schedule then.
                    let ours = schedule.renew(kind, started_at, instance, finished_at);
                    if ours {
                        schedule.finish(kind, outcome, finished_at);
                    }
                    ours
                })
                .await?;
            if !finished {
                return Ok(());
            }
        }
    }

    /// Keeps the lease alive; false when this run lost it and must stop.
    async fn renew(&self, kind: JobKind, started_at: u64) -> Result<bool, StoreError> {
        let (instance, now) = (self.instance, self.now());
        self.update_schedule(|schedule| schedule.renew(kind, started_at, instance, now))
            .await
    }

    async fn sharing_anywhere(&self) -> Result<bool, StoreError> {
        let me: Option<Me> = store::load(self.store(), keys::PROFILE).await?;
        Ok(crate::messages::shares_anywhere(me.as_ref()))
    }

    async fn run_job(&self, kind: JobKind, started_at: u64) -> Result<Outcome, StoreError> {
        let sharing = self.sharing_anywhere().await?;
        // Reading LinkedIn for nobody is neither useful nor polite: routine work waits until
        // the ally shares; a read the ally asked for (onboarding, "Sync now") runs.
        if !sharing && kind != JobKind::Manual {
            return Ok(Outcome::Done);
        }
        // A network switched on needs what was read, not a new read.
        if kind != JobKind::Upload {
            match self.read_linkedin(kind, started_at).await? {
                Outcome::Done => {}
                other => return Ok(other),
            }
        }
        // Asked again: the ally may have switched a network on while the read ran (onboarding
        // reads before the choice of networks), and that upload is owed now.
        if !self.sharing_anywhere().await? {
            self.set_phase(Phase::Idle).await?;
            return Ok(Outcome::Done);
        }
        self.upload(kind, started_at).await
    }

    async fn set_phase(&self, phase: Phase) -> Result<(), StoreError> {
        self.update_view(|v| v.phase = phase).await
    }

    /// Reads LinkedIn until the read is done, must wait, or cannot go on.
    async fn read_linkedin(&self, kind: JobKind, started_at: u64) -> Result<Outcome, StoreError> {
        let settings: ReadSettings = store::load(self.store(), keys::READ_SETTINGS)
            .await?
            .unwrap_or_default();
        let mode = if kind == JobKind::Full {
            ReadMode::Full
        } else {
            ReadMode::Incremental
        };
        let mut job: ReadJob = match store::load::<ReadJob>(self.store(), keys::READ_JOB).await? {
            Some(job) if job.state != ReadState::Done => job,
            _ => {
                self.update_view(|v| v.read_so_far = 0).await?;
                ReadJob::new(mode, &settings)
            }
        };
        // Back from "log in to LinkedIn": go on from where it stopped.
        job.resume();
        let list = self.contacts().await?;
        let known_keys = contact_list::known_keys(&list);
        let known = read::known_in(&known_keys);
        let mut asked_total = job.total.is_some();
        loop {
            let cookie = self.platform.linkedin_jsessionid().await;
            let Ok(session) = LinkedInSession::from_jsessionid(cookie.as_deref()) else {
                job.on_logged_out();
                store::save(self.store(), keys::READ_JOB, &job).await?;
                self.update_view(|v| {
                    v.linkedin = LinkedInState::LoggedOut;
                    v.phase = Phase::Idle;
                })
                .await?;
                return Ok(Outcome::NeedsAlly);
            };
            // Once per read: the total is for the progress bar only. An incremental read of a
            // list we already hold asks for it only once it goes past its first page, so a
            // routine sync that finds nothing new costs LinkedIn exactly one request.
            let wants_total = job.mode == ReadMode::Full
                || list.is_empty()
                || (job.next_start > 0 && job.state != ReadState::Done);
            if !asked_total && wants_total {
                asked_total = true;
                let request = summary::request(&settings, &session);
                if let Ok(response) = self.platform.linkedin(request).await {
                    if let Some(total) = summary::read(&response) {
                        job.set_total(total);
                    }
                }
            }
            let now_ms = self.platform.now_ms();
            let request = match job.next(&settings, &session, now_ms) {
                read::Next::Finished => break,
                read::Next::Wait { until_ms } => {
                    if until_ms.saturating_sub(now_ms) <= MAX_INLINE_WAIT_MS {
                        self.platform
                            .sleep_ms(until_ms.saturating_sub(now_ms))
                            .await;
                        continue;
                    }
                    return Ok(Outcome::RetryAt(until_ms.div_ceil(1000)));
                }
                read::Next::Request(request) => request,
            };
            let step = match self.platform.linkedin(request).await {
                Ok(response) => job.on_response(
                    &settings,
                    &response,
                    self.platform.now_ms(),
                    self.platform.random(),
                    &known,
                ),
                Err(_) => job.on_transport_error(
                    &settings,
                    self.platform.now_ms(),
                    self.platform.random(),
                ),
            };
            let page: Option<&Vec<ContactRecord>> = match &step {
                Step::Continue { contacts, .. } | Step::Done { contacts } => Some(contacts),
                _ => None,
            };
            // The page first, then the count that includes it, then the job that points past
            // it: a stop in between re-reads one page (harmless: merged by key), never skips
            // one.
            let pages = match page {
                Some(contacts) => {
                    let pages: WorkState = store::load(self.store(), keys::WORK)
                        .await?
                        .unwrap_or_default();
                    store::save(self.store(), keys::read_page(pages.pages), contacts).await?;
                    1
                }
                None => 0,
            };
            let (read_so_far, total) = (job.counts.contacts, job.total);
            self.update_work(|w| {
                w.pages += pages;
                w.view.read_so_far = read_so_far;
                w.view.read_total = total;
                w.view.phase = Phase::Reading {
                    read: read_so_far,
                    total,
                };
                w.view.linkedin = LinkedInState::Connected;
            })
            .await?;
            store::save(self.store(), keys::READ_JOB, &job).await?;
            if !self.renew(kind, started_at).await? {
                return Ok(Outcome::RetryAt(self.now() + 1));
            }
            match step {
                Step::Continue { wait_ms, .. } => {
                    if wait_ms <= MAX_INLINE_WAIT_MS {
                        self.platform.sleep_ms(wait_ms).await;
                    }
                }
                Step::Done { .. } => break,
                Step::BackOff { until_ms, .. } => {
                    self.update_view(|v| {
                        v.phase = Phase::Waiting { until_ms };
                        v.linkedin = LinkedInState::Busy;
                    })
                    .await?;
                    return Ok(Outcome::RetryAt(until_ms.div_ceil(1000)));
                }
                Step::LoggedOut => {
                    self.update_view(|v| {
                        v.linkedin = LinkedInState::LoggedOut;
                        v.phase = Phase::Idle;
                    })
                    .await?;
                    return Ok(Outcome::NeedsAlly);
                }
                Step::SourceGone { next: Some(_), .. } => {}
                Step::SourceGone { next: None, .. } => {
                    self.update_view(|v| {
                        v.linkedin = LinkedInState::FormatChanged;
                        v.phase = Phase::Idle;
                    })
                    .await?;
                    return Ok(Outcome::NeedsAlly);
                }
            }
        }
        // The read is complete: fold its pages into the list.
        let work: WorkState = store::load(self.store(), keys::WORK)
            .await?
            .unwrap_or_default();
        let pages: Vec<_> = (0..work.pages).map(keys::read_page).collect();
        let read_contacts: Vec<ContactRecord> = store::load_many(self.store(), &pages)
            .await?
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        let complete = job.mode == ReadMode::Full && job.state == ReadState::Done;
        let merged = self
            .update_contacts(|list| {
                if complete {
                    contact_list::replace(list, &read_contacts)
                } else {
                    contact_list::merge(list, &read_contacts)
                }
            })
            .await?;
        store::forget_many(self.store(), &pages).await?;
        self.update_work(|w| {
            w.pages = 0;
            w.view.contacts = merged.len() as u32;
            w.view.phase = Phase::Idle;
        })
        .await?;
        store::forget(self.store(), keys::READ_JOB).await?;
        Ok(Outcome::Done)
    }

    /// The server's sync limits when they differ from `known` (and saves them); `None` when
    /// they are the same or cannot be fetched now (the known ones serve: the server refuses a
    /// batch too big with a clear error rather than losing it).
    async fn published_limits(
        &self,
        base: &str,
        known: SyncLimits,
    ) -> Result<Option<SyncLimits>, StoreError> {
        let fetched = match self.platform.backend(api::sync_limits(base)).await {
            Ok(response) => api::read_sync_limits(&response).ok(),
            Err(_) => None,
        };
        match fetched {
            Some(published) if published != known => {
                store::save(self.store(), keys::SYNC_LIMITS, &published).await?;
                Ok(Some(published))
            }
            _ => Ok(None),
        }
    }

    /// Uploads what changed since the server's last acknowledgement.
    async fn upload(&self, kind: JobKind, started_at: u64) -> Result<Outcome, StoreError> {
        let base = self.backend_url().await?;
        let list = self.contacts().await?;
        let excluded = self.excluded(&list).await?;
        let ledger: Ledger = store::load(self.store(), keys::LEDGER)
            .await?
            .unwrap_or_default();
        let needs_full = store::load::<WorkState>(self.store(), keys::WORK)
            .await?
            .is_some_and(|w| w.needs_full);
        let sync_kind = if kind == JobKind::Full || needs_full {
            allyshare_protocol::SyncKind::Full
        } else {
            allyshare_protocol::SyncKind::Delta
        };
        let records = sync::records_for(sync_kind, &list, &excluded, &ledger);
        let limits: SyncLimits = store::load(self.store(), keys::SYNC_LIMITS)
            .await?
            .unwrap_or_default();
        let Some(mut plan) = sync::plan(sync_kind, &records, &ledger, &limits) else {
            store::forget(self.store(), keys::UPLOAD).await?;
            // Nothing new: the server is up to date, which is a sync too.
            let now = self.now();
            self.update_view(|v| {
                v.shared = ledger.len() as u32;
                v.phase = Phase::Idle;
                v.last_sync_at = Some(now);
            })
            .await?;
            return Ok(Outcome::Done);
        };
        let mut upload = match store::load::<Upload>(self.store(), keys::UPLOAD).await? {
            Some(saved) if saved.matches(&plan) => saved,
            _ => {
                // A new upload: batch it by what the server publishes now (a resumed one keeps
                // the batches it started with, planned from the saved limits).
                if let Some(published) = self.published_limits(&base, limits).await? {
                    // Limits change the batches, never whether there is something to send.
                    if let Some(replanned) = sync::plan(sync_kind, &records, &ledger, &published) {
                        plan = replanned;
                    }
                }
                Upload::new(&plan)
            }
        };
        let total = plan.contact_count() as u32;
        loop {
            let sent: u32 = plan.batches[..upload.acked as usize]
                .iter()
                .map(|b| b.len() as u32)
                .sum();
            self.set_phase(Phase::Uploading { sent, total }).await?;
            let request = upload.request(&base, &plan);
            let answer = match self.authed(|| request.clone()).await {
                Ok(response) => Ok(response),
                Err(ApiFailure::SessionEnded) => {
                    self.set_phase(Phase::Idle).await?;
                    return Ok(Outcome::NeedsAlly);
                }
                // Unreachable, or a refresh that failed for now: retried like a lost request.
                Err(e) => Err(TransportError::Network(e.to_string())),
            };
            let progress =
                upload.on_response(answer, self.platform.now_ms(), self.platform.random());
            store::save(self.store(), keys::UPLOAD, &upload).await?;
            if !self.renew(kind, started_at).await? {
                return Ok(Outcome::RetryAt(self.now() + 1));
            }
            match progress {
                Progress::Continue => {}
                Progress::Wait { until_ms } => {
                    let now_ms = self.platform.now_ms();
                    if until_ms.saturating_sub(now_ms) <= MAX_INLINE_WAIT_MS {
                        self.platform
                            .sleep_ms(until_ms.saturating_sub(now_ms))
                            .await;
                    } else {
                        self.update_view(|v| {
                            v.phase = Phase::Waiting { until_ms };
                            v.problem = Some(Problem::Server);
                        })
                        .await?;
                        return Ok(Outcome::RetryAt(until_ms.div_ceil(1000)));
                    }
                }
                Progress::Done(result) => {
                    let (ledger, in_step) = sync::after_commit(&plan, &ledger, &result);
                    store::save(self.store(), keys::LEDGER, &ledger).await?;
                    store::forget(self.store(), keys::UPLOAD).await?;
                    let now = self.now();
                    self.update_work(|w| {
                        // The server holds something else than we think: re-send everything.
                        w.needs_full = !in_step;
                        w.view.shared = ledger.len() as u32;
                        w.view.phase = Phase::Idle;
                        w.view.problem = None;
                        w.view.last_sync_at = Some(now);
                    })
                    .await?;
                    return Ok(Outcome::Done);
                }
                Progress::Failed(failure) => {
                    store::forget(self.store(), keys::UPLOAD).await?;
                    let problem = match failure {
                        sync::SyncFailure::NotSharing => None,
                        sync::SyncFailure::SignedOut => Some(Problem::SessionEnded),
                        sync::SyncFailure::Refused(detail) => Some(Problem::Unexpected { detail }),
                    };
                    self.update_view(|v| {
                        v.phase = Phase::Idle;
                        v.problem = problem;
                    })
                    .await?;
                    return Ok(Outcome::NeedsAlly);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! The worker's session rules over an in-memory store and a scripted backend that follows
    //! the API's token rules (single-use refresh tokens, revocation). The same flows run
    //! against the real server in the browser end to end (`tests/e2e`).
    use super::*;
    use crate::http::{Http, HttpResponse, Method, TransportError};
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
                            sharing: !self.not_sharing.get(),
                            joined_at: 0,
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

    /// The worker's platform in these tests: memory storage, the scripted backend, a clock
    /// the test moves, and no LinkedIn session.
    struct TestPlatform<'a> {
        store: MemoryStore,
        backend: &'a Backend,
        now_secs: Cell<u64>,
        jsessionid: RefCell<Option<String>>,
        linkedin_requests: Cell<u32>,
    }

    impl Platform for TestPlatform<'_> {
        type Store = MemoryStore;
        fn store(&self) -> &MemoryStore {
            &self.store
        }
        async fn backend(&self, r: HttpRequest) -> Result<HttpResponse, TransportError> {
            self.backend.send(r).await
        }
        async fn linkedin(&self, _: HttpRequest) -> Result<HttpResponse, TransportError> {
            self.linkedin_requests.set(self.linkedin_requests.get() + 1);
            Err(TransportError::Network("no LinkedIn in these tests".into()))
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

    fn worker(backend: &Backend, now: u64) -> Worker<TestPlatform<'_>> {
        Worker::new(TestPlatform {
            store: MemoryStore::new(),
            backend,
            now_secs: Cell::new(now),
            jsessionid: RefCell::new(None),
            linkedin_requests: Cell::new(0),
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
    fn hand_off(w: &Worker<TestPlatform<'_>>, backend: &Backend) -> serde_json::Value {
        let hello = block_on(w.handle_external(Some(ExternalMessage::Hello), PAGE));
        let challenge = hello["challenge"].as_str().unwrap().to_string();
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
        assert_eq!(hand_off(&w, &backend), serde_json::json!({ "ok": true }));
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
        assert_eq!(again, serde_json::json!({ "ok": false }));
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
        assert_eq!(again, serde_json::json!({ "ok": false }));
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
        assert_eq!(hand_off(&w, &backend), serde_json::json!({ "ok": true }));
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
        let refused = serde_json::json!({ "ok": false });
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
        *backend.handoff_challenge.borrow_mut() = hello["challenge"].as_str().map(String::from);
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

    #[test]
    fn the_same_contacts_again_rewrite_no_bucket() {
        let backend = Backend::default();
        let w = worker(&backend, 1_000);
        sign_in(&w);
        let csv = include_str!("../tests/fixtures/linkedin/csv/connections.csv");
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
        assert_eq!(hello, serde_json::json!({ "ok": false }));
        // A password sign-in lifts it: the next sign-out is again the ally's own.
        sign_in(&w);
        assert!(block_on(w.view_state()).unwrap().signed_in);
    }
}
