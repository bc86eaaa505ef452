//! The service worker's brain: owns the session and the background job, answers the pages.
//!
//! [`Worker`] is generic over a [`Platform`], so the same code runs in the browser (over
//! `chrome.*` and `fetch`) and in native tests. Two rules above all:
//! - the stored state is always what was last confirmed (by the backend, or by LinkedIn's
//!   answer), written with every step, so a worker stopped at any point wakes up consistent and
//!   resumes — a read at its next page, an upload at its next batch;
//! - one job at a time, even across worker restarts (a lease in the stored job record).
//!
//! Here: the intents' dispatch and the state the pages are shown. One file per feature, each
//! with its rules: `session` (sign-in, tokens, the hand-off), `sharing` (networks, the
//! LinkedIn session), `contacts` (the list, exclusions, the CSV import), `asks`, `options`
//! (backend address, cadence, preferences), and `run`, which carries out the effects of the
//! background job ([`crate::job`]).

use std::cell::RefCell;
use std::collections::HashSet;

use allyshare_protocol::{Me, SyncLimits};
use futures_util::lock::Mutex;

use crate::api::{self, ApiFailure};
use crate::auth::{self, AccessToken, RefreshToken, TokenStep};
use crate::contact_list::{self, Exclusions};
use crate::contacts::ContactRecord;
use crate::handoff::{self, ExternalAnswer, ExternalMessage, PendingHandoff, PendingSignIn};
use crate::http::{HttpRequest, HttpResponse};
use crate::job::{Effect, Event, JobRecord, LegacyWork, Loaded, Need, SyncJob, UploadInputs};
use crate::jobs::Schedule;
use crate::linkedin::ReadSettings;
use crate::messages::{ContactPage, ContactRow, Intent, LinkedInState, Problem, Reply, ViewState};
use crate::platform::Platform;
use crate::settings::DEFAULT_BACKEND_URL;
use crate::store::{self, keys, Area, Store, StoreError};
use crate::sync::Ledger;
use keys::CONTACT_BUCKETS;

mod asks;
mod contacts;
mod options;
mod run;
mod session;
mod sharing;
#[cfg(test)]
mod tests;

pub use asks::ASKS_EVERY_SECS;
pub use run::load_job_record;

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
    /// The contact list as this worker last read or wrote it ([`contacts::HeldList`]).
    held_list: contacts::HeldList,
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
            held_list: contacts::HeldList::default(),
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
        Ok(self.signed_in_with(refresh.as_ref()))
    }

    /// Whether this refresh token, as stored, is still usable.
    fn signed_in_with(&self, refresh: Option<&RefreshToken>) -> bool {
        refresh.is_some_and(|r| r.usable_at(self.now()))
    }

    /// The state as stored, without any network call.
    ///
    /// Its durable values are read with one storage call (and the job record with them
    /// while this worker has not loaded it).
    pub async fn view_state(&self) -> Result<ViewState, StoreError> {
        let (refresh, profile, asks, backend, job) = (
            keys::REFRESH_TOKEN,
            keys::PROFILE,
            keys::PENDING_ASKS,
            keys::BACKEND_URL,
            keys::JOB,
        );
        let mut names = vec![&*refresh.name, &*profile.name, &*asks.name, &*backend.name];
        if self.job_unloaded() {
            names.push(&*job.name);
        }
        let stored = store::ReadTogether::read(self.store(), Area::Durable, &names).await?;
        let signed_in = self.signed_in_with(stored.value(&refresh).as_ref());
        let me: Option<Me> = stored.value(&profile).filter(|_| signed_in);
        self.ensure_job_with(stored.value(&job)).await?;
        let record = self.job_record().await?;
        let sync = record.view_at(self.now());
        let cadence = record.schedule.cadence;
        let pending_asks: u32 = stored.value(&asks).unwrap_or(0);
        let pending_sign_in = if signed_in {
            None
        } else {
            self.pending_sign_in().await?.map(|p| p.question())
        };
        Ok(ViewState {
            signed_in,
            me,
            backend_url: options::backend_url_or_default(stored.value(&backend)),
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
}
