//! The service worker's brain: owns the session and the background jobs, answers the pages.
//!
//! [`Worker`] is generic over a [`Platform`], so the same code runs in the browser (over
//! `chrome.*` and `fetch`) and in native tests. Two rules above all:
//! - the stored state is always what was last confirmed (by the backend, or by LinkedIn's
//!   answer), written after every step, so a worker stopped at any point wakes up consistent and
//!   resumes — a read at its next page, an upload at its next batch;
//! - one job at a time, even across worker restarts (a lease in the stored schedule).

use std::cell::RefCell;
use std::collections::HashSet;

use allyshare_protocol::{Me, SyncLimits};
use futures_util::lock::Mutex;

use crate::api::{self, ApiFailure};
use crate::auth::{self, AccessToken, RefreshToken, TokenStep};
use crate::contact_list::{self, Exclusions};
use crate::contacts::ContactRecord;
use crate::handoff::{self, ExternalMessage, PendingHandoff, PendingSignIn};
use crate::http::{HttpRequest, HttpResponse};
use crate::job::{Effect, Event, JobRecord, LegacyWork, Loaded, Need, SyncJob, UploadInputs};
use crate::jobs::Schedule;
use crate::linkedin::ReadSettings;
use crate::messages::{ContactPage, ContactRow, Intent, LinkedInState, Problem, Reply, ViewState};
use crate::platform::Platform;
use crate::settings::{self, DEFAULT_BACKEND_URL};
use crate::store::{self, keys, Area, Store, StoreError};
use crate::sync::Ledger;
use keys::CONTACT_BUCKETS;

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
    /// The background job, its record loaded from storage on first use. The runner and the
    /// intents ("Sync now", a network switched on) change this one copy and store it whole,
    /// so neither's write can undo the other's. Never borrowed across an `await`.
    job: RefCell<Option<SyncJob>>,
    /// One load of the job record at a time.
    job_lock: Mutex<()>,
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

impl<P: Platform> Worker<P> {
    pub fn new(platform: P) -> Self {
        Worker {
            refresh_lock: Mutex::new(()),
            run_lock: Mutex::new(()),
            job: RefCell::new(None),
            job_lock: Mutex::new(()),
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
        let record = self.job_record().await?;
        let sync = record.view_at(self.now());
        let cadence = record.schedule.cadence;
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
            self.change_job(|job| {
                if job.view.contacts > 0 {
                    job.schedule.request_upload();
                } else {
                    job.schedule.request_manual();
                }
            })
            .await?;
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

    /// Forgets the contacts and everything about them: the list, the read's pages, the
    /// ledger, the exclusions, and the job (a run in progress stops at its next step).
    async fn forget_contacts(&self) -> Result<(), StoreError> {
        let pages = self.job_record().await?.pages;
        if let Some(job) = self.job.borrow_mut().as_mut() {
            job.reset();
        }
        let mut names: Vec<String> = (0..pages).map(|i| keys::read_page(i).name.into()).collect();
        names.extend((0..CONTACT_BUCKETS).map(|b| keys::contact_bucket(b).name.into()));
        for key in [
            keys::LEDGER.place(),
            keys::JOB.place(),
            keys::EXCLUDED.place(),
        ] {
            names.push(key.1.to_string());
        }
        names.extend(keys::LEGACY_JOB_RECORDS.iter().map(|n| n.to_string()));
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        self.store().remove_many(Area::Durable, &names).await
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
        self.change_job(|job| job.view.contacts = merged.len() as u32)
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
                Some(q) => [
                    Some(c.display_name()),
                    c.headline.clone(),
                    c.company.clone(),
                ]
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
                company: c.company.clone(),
                position: c.position.clone(),
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
            self.change_job(|job| job.needs_full = true).await?;
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
        self.change_job(|job| {
            job.schedule.cadence = crate::jobs::Cadence {
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
        self.change_job(|job| {
            let v = &mut job.view;
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
        self.change_job(|job| job.schedule.request_manual()).await?;
        Ok(())
    }

    /// Loads the job record once per worker.
    async fn ensure_job(&self) -> Result<(), StoreError> {
        if self.job.borrow().is_some() {
            return Ok(());
        }
        let _one_at_a_time = self.job_lock.lock().await;
        if self.job.borrow().is_some() {
            return Ok(());
        }
        let record = load_job_record(self.store()).await?;
        *self.job.borrow_mut() = Some(SyncJob::new(record, self.instance));
        Ok(())
    }

    /// The job record as it stands.
    async fn job_record(&self) -> Result<JobRecord, StoreError> {
        self.ensure_job().await?;
        Ok(self
            .job
            .borrow()
            .as_ref()
            .map(|job| job.record().clone())
            .unwrap_or_default())
    }

    /// Changes the job record (an intent's change) and stores it; a run in progress carries the
    /// change on in its own writes.
    async fn change_job<R>(
        &self,
        change: impl FnOnce(&mut JobRecord) -> R,
    ) -> Result<R, StoreError> {
        self.ensure_job().await?;
        let (result, text) = {
            let mut slot = self.job.borrow_mut();
            let job = slot.get_or_insert_with(|| SyncJob::new(JobRecord::default(), self.instance));
            let result = job.change(change);
            (result, serde_json::to_string(job.record()))
        };
        let text = text.map_err(|e| StoreError::Encode {
            key: keys::JOB.name.to_string(),
            reason: e.to_string(),
        })?;
        self.store()
            .set(keys::JOB.area, &keys::JOB.name, text)
            .await?;
        Ok(result)
    }

    /// Runs every job that is due, one at a time, then asks to be woken for the next one.
    /// Called on every alarm, at start-up, and after intents that start work. The order of
    /// the steps and what each saves is [`SyncJob`]'s; this only carries its effects out.
    pub async fn run_jobs(&self) -> Result<(), StoreError> {
        let Some(_only_runner) = self.run_lock.try_lock() else {
            return Ok(());
        };
        self.ensure_job().await?;
        let result = self.drive().await;
        if result.is_err() {
            // The record in memory may be ahead of storage: read it again next time.
            *self.job.borrow_mut() = None;
        }
        result
    }

    async fn drive(&self) -> Result<(), StoreError> {
        loop {
            let now_ms = self.platform.now_ms();
            let effect = match self.job.borrow_mut().as_mut() {
                Some(job) => job.poll(now_ms),
                None => return Ok(()),
            };
            let event = match effect {
                Effect::Done { wake_at } => {
                    if let Some(at) = wake_at {
                        self.platform.wake_at(at.saturating_mul(1000)).await;
                    }
                    return Ok(());
                }
                Effect::Load(need) => Event::Loaded(self.load(need).await?),
                Effect::Cookie => Event::Cookie(self.platform.linkedin_jsessionid().await),
                Effect::LinkedIn(request) => Event::LinkedIn(self.platform.linkedin(request).await),
                Effect::Backend {
                    request,
                    authed: true,
                } => Event::Backend(self.authed(|| request.clone()).await),
                Effect::Backend {
                    request,
                    authed: false,
                } => Event::Backend(self.platform.backend(request).await.map_err(Into::into)),
                Effect::Write(writes) => {
                    store::apply(self.store(), writes).await?;
                    Event::Written
                }
                Effect::Fold { pages, replace } => Event::Folded {
                    contacts: self.fold(pages, replace).await?,
                },
                Effect::Sleep { until_ms } => {
                    let now_ms = self.platform.now_ms();
                    self.platform
                        .sleep_ms(until_ms.saturating_sub(now_ms))
                        .await;
                    Event::Woke
                }
            };
            let (now_ms, random) = (self.platform.now_ms(), self.platform.random());
            if let Some(job) = self.job.borrow_mut().as_mut() {
                job.handle(event, now_ms, random);
            }
        }
    }

    /// What the job asked to read.
    async fn load(&self, need: Need) -> Result<Loaded, StoreError> {
        Ok(match need {
            Need::Start => Loaded::Start {
                signed_in: self.signed_in().await?,
                sharing: self.sharing_anywhere().await?,
                next_asks_at: self.next_asks_check().await?,
            },
            Need::Read => Loaded::Read {
                settings: store::load::<ReadSettings>(self.store(), keys::READ_SETTINGS)
                    .await?
                    .unwrap_or_default(),
                known: contact_list::known_keys(&self.contacts().await?),
            },
            Need::Sharing => Loaded::Sharing(self.sharing_anywhere().await?),
            Need::Upload => {
                let list = self.contacts().await?;
                let excluded = self.excluded(&list).await?;
                Loaded::Upload(Box::new(UploadInputs {
                    base: self.backend_url().await?,
                    excluded,
                    list,
                    ledger: store::load::<Ledger>(self.store(), keys::LEDGER)
                        .await?
                        .unwrap_or_default(),
                    limits: store::load::<SyncLimits>(self.store(), keys::SYNC_LIMITS)
                        .await?
                        .unwrap_or_default(),
                }))
            }
        })
    }

    /// Folds a complete read's pages into the contact list (one read of them all, one
    /// removal), and says how many contacts the list holds then.
    async fn fold(&self, pages: u32, replace: bool) -> Result<u32, StoreError> {
        let pages: Vec<_> = (0..pages).map(keys::read_page).collect();
        let read_contacts: Vec<ContactRecord> = store::load_many(self.store(), &pages)
            .await?
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        let merged = self
            .update_contacts(|list| {
                if replace {
                    contact_list::replace(list, &read_contacts)
                } else {
                    contact_list::merge(list, &read_contacts)
                }
            })
            .await?;
        store::forget_many(self.store(), &pages).await?;
        Ok(merged.len() as u32)
    }

    async fn sharing_anywhere(&self) -> Result<bool, StoreError> {
        let me: Option<Me> = store::load(self.store(), keys::PROFILE).await?;
        Ok(crate::messages::shares_anywhere(me.as_ref()))
    }
}

/// The stored job record; an earlier version's four records are read once into it (and
/// removed), so an extension that updates keeps its schedule, its read and its upload.
pub async fn load_job_record(store: &impl Store) -> Result<JobRecord, StoreError> {
    if let Some(record) = store::load(store, keys::JOB).await? {
        return Ok(record);
    }
    let old = store
        .get_many(Area::Durable, &keys::LEGACY_JOB_RECORDS)
        .await?;
    fn decode<T: serde::de::DeserializeOwned>(text: &Option<String>) -> Option<T> {
        text.as_deref().and_then(|t| serde_json::from_str(t).ok())
    }
    let upgraded = JobRecord::upgrade(
        decode::<Schedule>(&old[0]),
        decode(&old[1]),
        decode(&old[2]),
        decode::<LegacyWork>(&old[3]),
    );
    let Some(record) = upgraded else {
        return Ok(JobRecord::default());
    };
    store::save(store, keys::JOB, &record).await?;
    store
        .remove_many(Area::Durable, &keys::LEGACY_JOB_RECORDS)
        .await?;
    Ok(record)
}

#[cfg(test)]
mod tests {
    //! The worker's session rules over an in-memory store and a scripted backend that follows
    //! the API's token rules (single-use refresh tokens, revocation). The same flows run
    //! against the real server in the browser end to end (`tests/e2e`).
    use super::*;
    use crate::http::{Http, HttpResponse, Method, TransportError};
    use crate::messages::Phase;
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

    fn test_platform(backend: &Backend, now: u64) -> TestPlatform<'_> {
        TestPlatform {
            store: MemoryStore::new(),
            backend,
            now_secs: Cell::new(now),
            jsessionid: RefCell::new(None),
            linkedin_requests: Cell::new(0),
        }
    }

    fn worker(backend: &Backend, now: u64) -> Worker<TestPlatform<'_>> {
        Worker::new(test_platform(backend, now))
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
        let w = Worker::new(TestPlatform {
            store: store.snapshot(),
            ..test_platform(&backend, 1_000)
        });
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
