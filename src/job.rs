//! The background sync job, sans-IO: one state machine and one persisted record.
//!
//! Reading LinkedIn and uploading to the backend is a long walk of small steps (a cookie, a
//! page, a pause, a batch, a commit), any of which a stopped service worker may cut. The order
//! in which those steps are saved is what makes a resumed job lose and duplicate nothing, so it
//! lives here, in plain data, where native tests drive it with every fault they can think of —
//! not in the worker's `async` code. In the `quinn-proto` style, [`SyncJob::poll`] says what to
//! do next (an [`Effect`]: a LinkedIn request, a backend request, one batch of storage writes,
//! a short sleep, done until a time) and [`SyncJob::handle`] takes what came of it (an
//! [`Event`]). The worker is a short loop that carries effects out (`Worker::run_jobs`).
//!
//! Everything that must survive the worker is one [`JobRecord`], stored under one key and
//! written in the same storage batch as whatever the step produced (a LinkedIn page, the
//! ledger after a commit): a page read costs one storage call. Earlier versions kept four
//! records (`schedule`, `read_job`, `upload`, `work`), written one by one; [`JobRecord::upgrade`]
//! reads them once into the new record.

use std::collections::HashSet;

use allyshare_protocol::{SyncKind, SyncLimits};
use serde::{Deserialize, Serialize};

use crate::api::{self, ApiFailure};
use crate::contact_list::Exclusions;
use crate::contacts::ContactRecord;
use crate::http::{HttpRequest, HttpResponse, TransportError};
use crate::jobs::{JobKind, Outcome, Schedule};
use crate::linkedin::read::{self, ReadJob, ReadMode, ReadState, Step};
use crate::linkedin::session::Session as LinkedInSession;
use crate::linkedin::{summary, ReadSettings};
use crate::messages::{LinkedInState, Phase, Problem, SyncView};
use crate::store::{keys, Area, Key, StoredAs};
use crate::sync::{self, Ledger, Plan, Progress, Upload};

/// Waits up to this long are slept through in place; longer ones end the run and an alarm
/// resumes it (the worker must not hold on for minutes).
pub const MAX_INLINE_WAIT_MS: u64 = 10_000;

/// Everything the background job keeps between wake-ups, in one stored value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobRecord {
    /// What is due, and the lease of the run in progress.
    pub schedule: Schedule,
    /// The LinkedIn read in progress (or the last one, finished).
    pub read: Option<ReadJob>,
    /// The upload in progress.
    pub upload: Option<Upload>,
    /// Pages saved by the read in progress (`read_page.0..pages`).
    pub pages: u32,
    /// The server's digest disagreed with the ledger: the next upload is a full one.
    pub needs_full: bool,
    /// What the pages show of the work (`next_sync_at` is derived when they ask).
    pub view: SyncView,
}

/// The work state an earlier version stored under `work`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LegacyWork {
    view: SyncView,
    needs_full: bool,
    pages: u32,
}

impl JobRecord {
    /// The record made from what an earlier version stored in its four records (any of them
    /// absent); `None` when there was none, i.e. nothing to upgrade.
    pub fn upgrade(
        schedule: Option<Schedule>,
        read: Option<ReadJob>,
        upload: Option<Upload>,
        work: Option<LegacyWork>,
    ) -> Option<JobRecord> {
        if schedule.is_none() && read.is_none() && upload.is_none() && work.is_none() {
            return None;
        }
        let work = work.unwrap_or_default();
        Some(JobRecord {
            schedule: schedule.unwrap_or_default(),
            read,
            upload,
            pages: work.pages,
            needs_full: work.needs_full,
            view: work.view,
        })
    }

    /// The view the pages show, at `now` (unix seconds), derived from the record: when the
    /// next sync is due, and a read or an upload shown as going on only while a run holds a
    /// live lease (a worker stopped mid-step left its last phase behind, which is not the
    /// state any more once its lease has run out).
    pub fn view_at(&self, now: u64) -> SyncView {
        let running = self.schedule.lease.is_some_and(|l| l.expires_at > now);
        let phase = match self.view.phase {
            Phase::Reading { .. } | Phase::Uploading { .. } if !running => Phase::Idle,
            phase => phase,
        };
        SyncView {
            next_sync_at: Some(self.schedule.next_wake(now)),
            phase,
            ..self.view.clone()
        }
    }
}

/// One storage write of a batch: a value (JSON text) or, without one, a removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub area: Area,
    pub name: String,
    pub value: Option<String>,
}

impl Write {
    /// `value` under `key`, encoded as the store reads it.
    pub fn set<T, V: StoredAs<T> + ?Sized>(key: &Key<T>, value: &V) -> Write {
        let (area, name) = key.place();
        Write {
            area,
            name: name.to_string(),
            // Plain data of our own types: encoding cannot fail.
            value: Some(crate::json::to_string(value).unwrap_or_default()),
        }
    }
}

/// What the job needs read from storage before it can go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// May a run start: signed in, sharing, when the asks are next looked at.
    Start,
    /// What a read starts from: [`Loaded::Read`].
    Read,
    /// Whether the ally still shares with some network: [`Loaded::Sharing`].
    Sharing,
    /// What an upload is planned from: [`Loaded::Upload`].
    Upload,
}

/// The answer to an [`Effect::Load`].
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    Start {
        signed_in: bool,
        sharing: bool,
        /// When the introduction asks are next due (unix seconds).
        next_asks_at: u64,
    },
    Read {
        settings: ReadSettings,
        /// The keys of the contacts already held ([`crate::contact_list::known_keys`]).
        known: HashSet<String>,
    },
    Sharing(bool),
    Upload(Box<UploadInputs>),
}

/// What an upload is planned from.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadInputs {
    /// The backend's address.
    pub base: String,
    pub list: Vec<ContactRecord>,
    pub excluded: Exclusions,
    pub ledger: Ledger,
    /// The sync limits last published (absent: the defaults).
    pub limits: SyncLimits,
}

/// What the worker must do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Read this from storage: answer [`Event::Loaded`].
    Load(Need),
    /// Look at LinkedIn's `JSESSIONID` cookie: answer [`Event::Cookie`].
    Cookie,
    /// Send this to LinkedIn with the ally's session: answer [`Event::LinkedIn`].
    LinkedIn(HttpRequest),
    /// Send this to the backend; with `authed`, with the bearer token (refreshed as needed):
    /// answer [`Event::Backend`].
    Backend { request: HttpRequest, authed: bool },
    /// Send these upload batches with the bearer token, beside those already in flight (none
    /// when `fresh`: drop any first), and answer [`Event::Backend`] with the answer to the
    /// oldest in flight. Every other effect but [`Effect::Write`] drops what is in flight.
    Batches { send: Vec<HttpRequest>, fresh: bool },
    /// Write these, in one storage call per area: answer [`Event::Written`].
    Write(Vec<Write>),
    /// Write these and, at the same time, send this to LinkedIn (the next page of a read
    /// without a pause: the batch records the page before it, so a stop at any point re-reads
    /// at most one page and skips none): answer [`Event::Written`], then [`Event::LinkedIn`].
    /// A failed write ends the run and the answer is dropped.
    WriteAndSend {
        writes: Vec<Write>,
        request: HttpRequest,
    },
    /// Merge the read's saved pages (`read_page.0..pages`) into the contact list (replacing it
    /// when `replace`: a complete full read), then remove them: answer [`Event::Folded`].
    /// `held`: the same pages' contacts, in order, when this job saved every one of them
    /// itself, so they need not be read back from storage and decoded again; `None` when
    /// the read began in an earlier worker.
    Fold {
        pages: u32,
        replace: bool,
        held: Option<Vec<ContactRecord>>,
    },
    /// Wait until then (epoch ms, at most [`MAX_INLINE_WAIT_MS`] away): answer [`Event::Woke`].
    Sleep { until_ms: u64 },
    /// Nothing more now. With a time, ask to be woken then (unix seconds).
    Done { wake_at: Option<u64> },
}

/// What came of an [`Effect`].
#[derive(Debug)]
pub enum Event {
    Loaded(Loaded),
    Cookie(Option<String>),
    LinkedIn(Result<HttpResponse, TransportError>),
    Backend(Result<HttpResponse, ApiFailure>),
    Written,
    /// The contact list now holds this many.
    Folded {
        contacts: u32,
    },
    Woke,
}

/// The run in progress: which job, and the lease it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    kind: JobKind,
    started_at: u64,
}

/// A read in progress, with what it needs in memory.
#[derive(Debug)]
struct Reading {
    run: Run,
    settings: ReadSettings,
    known: HashSet<String>,
    /// The contact list was empty when the read started.
    list_empty: bool,
    asked_total: bool,
    /// The session of the current page's request.
    session: Option<LinkedInSession>,
}

/// An upload in progress, with its plan.
#[derive(Debug)]
struct Uploading {
    run: Run,
    base: String,
    plan: Plan,
    ledger: Ledger,
    records: Vec<ContactRecord>,
    /// Batches `acked..acked + in_flight` were sent and their answers are awaited, in order.
    in_flight: u32,
}

/// Where the machine stands.
#[derive(Debug, Default)]
enum Stage {
    /// No run: the next poll asks whether one may start.
    #[default]
    Idle,
    /// Asked [`Need::Start`].
    Starting,
    /// The lease was taken and written; the run decides what it does.
    Begun { run: Run, sharing: bool },
    /// Asked [`Need::Read`].
    LoadingRead(Run),
    /// The next step of the read: look at the cookie.
    ReadCookie(Box<Reading>),
    /// Asked for the cookie.
    AwaitCookie(Box<Reading>),
    /// Asked LinkedIn for the connections' total.
    AwaitTotal(Box<Reading>),
    /// Asked LinkedIn for a page.
    AwaitPage(Box<Reading>),
    /// A page's batch is being written; then `step` is acted on.
    SavedPage(Box<Reading>, Step),
    /// A page's batch is being written while the next page is asked for.
    SavingAndAsking(Box<Reading>),
    /// Sleeping between pages.
    Pausing(Box<Reading>),
    /// The read is complete: fold its pages in.
    Fold(Run),
    /// Asked the worker to fold.
    AwaitFold(Run),
    /// The folded read was written; is the ally still sharing?
    CheckSharing(Run),
    /// Asked [`Need::Sharing`].
    AwaitSharing(Run),
    /// Asked [`Need::Upload`].
    LoadingUpload(Run),
    /// Asked the backend for its sync limits (a new upload).
    AwaitLimits(Box<Uploading>, SyncLimits),
    /// The next upload request.
    Send(Box<Uploading>),
    /// Asked the backend.
    AwaitAnswer(Box<Uploading>),
    /// An upload step was written; go on.
    SavedStep(Box<Uploading>),
    /// A failed upload step was written; sleep until then before the same request again.
    SavedBackoff(Box<Uploading>, u64),
    /// Sleeping before the same request again.
    Backoff(Box<Uploading>),
    /// A batch asked to wait until then: the answers of the batches still in flight are
    /// collected first (each may ask to wait longer).
    Drain(Box<Uploading>, u64),
    /// Asked for the answer of a batch in flight, to wait at least as long as it asks.
    AwaitDrain(Box<Uploading>, u64),
    /// The run ended (its end is being written): then look for the next due job.
    Ending,
    /// Stop now: the run lost its lease, or nothing is due.
    Stop(Option<u64>),
    /// An effect is out and its event not handled yet.
    Waiting,
}

/// The background job: the persisted [`JobRecord`] and the run in progress.
#[derive(Debug)]
pub struct SyncJob {
    record: JobRecord,
    /// This worker instance, in the leases it takes.
    instance: u64,
    stage: Stage,
    /// The effect to hand out at the next poll.
    out: Option<Effect>,
    /// The contacts of the pages this job saved, while it has saved each one since
    /// `read_page.0`: how many pages, and their contacts in order (see [`Effect::Fold`]).
    held_pages: Option<(u32, Vec<ContactRecord>)>,
}

impl SyncJob {
    /// The job of worker `instance`, from its stored record.
    pub fn new(record: JobRecord, instance: u64) -> Self {
        SyncJob {
            record,
            instance,
            stage: Stage::Idle,
            out: None,
            held_pages: None,
        }
    }

    /// The record as it stands (what the next write stores).
    pub fn record(&self) -> &JobRecord {
        &self.record
    }

    /// Changes the record outside a run's steps (an intent: "Sync now", a network switched
    /// on, the cadence, an exclusion). The caller stores [`SyncJob::record`] afterwards; the
    /// run in progress, if any, writes the change too with its next step.
    pub fn change<R>(&mut self, change: impl FnOnce(&mut JobRecord) -> R) -> R {
        let pages = self.record.pages;
        let result = change(&mut self.record);
        if self.record.pages != pages {
            self.held_pages = None;
        }
        result
    }

    /// Forgets everything (signed out, sharing stopped): a run in progress ends at its next
    /// event, which is ignored.
    pub fn reset(&mut self) {
        self.record = JobRecord::default();
        self.stage = Stage::Idle;
        self.out = None;
        self.held_pages = None;
    }

    /// What to do next, at `now_ms` (epoch ms).
    pub fn poll(&mut self, now_ms: u64) -> Effect {
        if let Some(effect) = self.out.take() {
            return effect;
        }
        let stage = std::mem::replace(&mut self.stage, Stage::Waiting);
        let effect = match stage {
            Stage::Waiting => {
                // Polled again without an event: the effect is still out.
                self.stage = Stage::Waiting;
                return Effect::Done { wake_at: None };
            }
            Stage::Idle | Stage::Ending => {
                self.stage = Stage::Starting;
                Effect::Load(Need::Start)
            }
            Stage::Stop(wake_at) => {
                self.stage = Stage::Idle;
                return Effect::Done { wake_at };
            }
            Stage::Begun { run, sharing } => return self.begin(run, sharing, now_ms),
            Stage::ReadCookie(reading) => {
                self.stage = Stage::AwaitCookie(reading);
                Effect::Cookie
            }
            Stage::SavedPage(reading, step) => return self.after_page(reading, step, now_ms),
            Stage::Fold(run) => {
                let read = self.record.read.as_ref();
                let replace =
                    read.is_some_and(|r| r.mode == ReadMode::Full && r.state == ReadState::Done);
                self.stage = Stage::AwaitFold(run);
                let pages = self.record.pages;
                let held = match self.held_pages.take() {
                    Some((held, contacts)) if held == pages => Some(contacts),
                    _ => None,
                };
                Effect::Fold {
                    pages,
                    replace,
                    held,
                }
            }
            Stage::CheckSharing(run) => {
                self.stage = Stage::AwaitSharing(run);
                Effect::Load(Need::Sharing)
            }
            Stage::SavedBackoff(up, until_ms) => {
                self.stage = Stage::Backoff(up);
                Effect::Sleep { until_ms }
            }
            Stage::Drain(up, until_ms) => {
                self.stage = Stage::AwaitDrain(up, until_ms);
                Effect::Batches {
                    send: Vec::new(),
                    fresh: false,
                }
            }
            Stage::Send(mut up) | Stage::SavedStep(mut up) => match self.record.upload.as_ref() {
                Some(upload) => {
                    let send = upload.batches_ahead(&up.base, &up.plan, up.in_flight);
                    if send.is_empty() && up.in_flight == 0 {
                        let request = upload.request(&up.base, &up.plan);
                        self.stage = Stage::AwaitAnswer(up);
                        Effect::Backend {
                            request,
                            authed: true,
                        }
                    } else {
                        let fresh = up.in_flight == 0;
                        up.in_flight += send.len() as u32;
                        self.stage = Stage::AwaitAnswer(up);
                        Effect::Batches { send, fresh }
                    }
                }
                // The upload was dropped meanwhile (signed out, sharing stopped).
                None => {
                    self.stage = Stage::Idle;
                    return Effect::Done { wake_at: None };
                }
            },
            other => {
                // A stage that waits for an event: polled before it came.
                self.stage = other;
                return Effect::Done { wake_at: None };
            }
        };
        effect
    }

    /// Takes what came of the last effect, at `now_ms`, with a random number (jitter).
    pub fn handle(&mut self, event: Event, now_ms: u64, random: u64) {
        let now = now_ms / 1000;
        let stage = std::mem::take(&mut self.stage);
        match (stage, event) {
            (
                Stage::Starting,
                Event::Loaded(Loaded::Start {
                    signed_in,
                    sharing,
                    next_asks_at,
                }),
            ) => {
                if !signed_in {
                    self.stage = Stage::Stop(None);
                    return;
                }
                match self.record.schedule.try_start(now, self.instance) {
                    None => {
                        // `try_start` may have dropped a dead lease: that is written too.
                        let wake = self.record.schedule.next_wake(now).min(next_asks_at);
                        self.stage = Stage::Stop(Some(wake));
                        self.write(Vec::new());
                    }
                    Some(kind) => {
                        let run = Run {
                            kind,
                            started_at: now,
                        };
                        self.stage = Stage::Begun { run, sharing };
                        self.write(Vec::new());
                    }
                }
            }
            (Stage::Begun { run, sharing }, Event::Written) => {
                // `begin` runs at the next poll.
                self.stage = Stage::Begun { run, sharing };
            }
            (Stage::LoadingRead(run), Event::Loaded(Loaded::Read { settings, known })) => {
                let mode = if run.kind == JobKind::Full {
                    ReadMode::Full
                } else {
                    ReadMode::Incremental
                };
                let mut job = match self.record.read.take() {
                    Some(job) if job.state != ReadState::Done => job,
                    _ => {
                        self.record.view.read_so_far = 0;
                        ReadJob::new(mode, &settings)
                    }
                };
                // Back from "log in to LinkedIn": go on from where it stopped.
                job.resume();
                let asked_total = job.total.is_some();
                self.record.read = Some(job);
                self.stage = Stage::ReadCookie(Box::new(Reading {
                    run,
                    list_empty: known.is_empty(),
                    settings,
                    known,
                    asked_total,
                    session: None,
                }));
            }
            (Stage::AwaitCookie(reading), Event::Cookie(cookie)) => {
                self.on_cookie(reading, cookie.as_deref(), now_ms);
            }
            (Stage::AwaitTotal(mut reading), Event::LinkedIn(answer)) => {
                if let Ok(response) = answer {
                    if let (Some(total), Some(job)) =
                        (summary::read(&response), self.record.read.as_mut())
                    {
                        job.set_total(total);
                    }
                }
                // The page itself next, with the same session.
                let session = reading.session.take();
                self.next_page(reading, session, now_ms);
            }
            (Stage::AwaitPage(reading), Event::LinkedIn(answer)) => {
                self.on_page(reading, answer, now_ms, random);
            }
            (Stage::Pausing(reading), Event::Woke) => {
                self.stage = Stage::ReadCookie(reading);
            }
            (Stage::SavedPage(reading, step), Event::Written) => {
                self.stage = Stage::SavedPage(reading, step);
            }
            (Stage::SavingAndAsking(reading), Event::Written) => {
                self.stage = Stage::AwaitPage(reading);
            }
            (Stage::AwaitFold(run), Event::Folded { contacts }) => {
                self.record.pages = 0;
                self.record.read = None;
                self.record.view.contacts = contacts;
                self.record.view.phase = Phase::Idle;
                self.stage = Stage::CheckSharing(run);
                self.write(Vec::new());
            }
            (Stage::CheckSharing(run), Event::Written) => {
                self.stage = Stage::CheckSharing(run);
            }
            (Stage::AwaitSharing(run), Event::Loaded(Loaded::Sharing(sharing))) => {
                if sharing {
                    self.stage = Stage::LoadingUpload(run);
                    self.out = Some(Effect::Load(Need::Upload));
                } else {
                    self.record.view.phase = Phase::Idle;
                    self.end(run, Outcome::Done, now, Vec::new());
                }
            }
            (Stage::LoadingUpload(run), Event::Loaded(Loaded::Upload(inputs))) => {
                self.plan_upload(run, *inputs, now);
            }
            (Stage::AwaitLimits(mut up, known), Event::Backend(answer)) => {
                let published = answer
                    .ok()
                    .and_then(|response| api::read_sync_limits(&response).ok());
                let mut writes = Vec::new();
                if let Some(published) = published.filter(|p| *p != known) {
                    writes.push(Write::set(&keys::SYNC_LIMITS, &published));
                    // Limits change the batches, never whether there is something to send.
                    if let Some(replanned) =
                        sync::plan(up.plan.kind, &up.records, &up.ledger, &published)
                    {
                        up.plan = replanned;
                    }
                }
                self.record.upload = Some(Upload::new(&up.plan));
                self.uploading_phase(&up);
                self.stage = Stage::SavedStep(up);
                self.write(writes);
            }
            (Stage::AwaitAnswer(up), Event::Backend(answer)) => {
                self.on_answer(up, answer, now_ms, random);
            }
            (Stage::AwaitDrain(up, until_ms), Event::Backend(answer)) => {
                self.on_drained(up, until_ms, answer, now_ms, random);
            }
            (Stage::SavedStep(up), Event::Written) => self.stage = Stage::SavedStep(up),
            (Stage::SavedBackoff(up, until_ms), Event::Written) => {
                self.stage = Stage::SavedBackoff(up, until_ms)
            }
            (Stage::Backoff(up), Event::Woke) => self.stage = Stage::Send(up),
            (Stage::Ending, Event::Written) => self.stage = Stage::Ending,
            (Stage::Stop(at), Event::Written) => self.stage = Stage::Stop(at),
            (stage, _) => {
                // An event for a run that was reset meanwhile, or out of order: ignored.
                self.stage = match stage {
                    Stage::Waiting => Stage::Idle,
                    other => other,
                };
            }
        }
    }

    /// Hands out one batch: `writes` and the record, in one storage call.
    fn write(&mut self, writes: Vec<Write>) {
        self.out = Some(Effect::Write(self.with_record(writes)));
    }

    /// `writes` and the record: what every batch of the job stores.
    fn with_record(&self, mut writes: Vec<Write>) -> Vec<Write> {
        writes.push(Write::set(&keys::JOB, &self.record));
        writes
    }

    /// Keeps the lease alive; false when this run lost it (stop at once).
    fn renew(&mut self, run: Run, now: u64) -> bool {
        self.record
            .schedule
            .renew(run.kind, run.started_at, self.instance, now)
    }

    /// Ends the run with `outcome`: records it in the schedule and writes it with `writes`.
    fn end(&mut self, run: Run, outcome: Outcome, now: u64, writes: Vec<Write>) {
        if self.renew(run, now) {
            self.record.schedule.finish(run.kind, outcome, now);
            self.stage = Stage::Ending;
        } else {
            // Another run took over: it owns the schedule.
            self.stage = Stage::Stop(None);
        }
        self.write(writes);
    }

    /// The first step of a run whose lease is written.
    fn begin(&mut self, run: Run, sharing: bool, now_ms: u64) -> Effect {
        let now = now_ms / 1000;
        // Reading LinkedIn for nobody is neither useful nor polite: routine work waits until
        // the ally shares; a read the ally asked for (onboarding, "Sync now") runs.
        if !sharing && run.kind != JobKind::Manual {
            self.end(run, Outcome::Done, now, Vec::new());
        } else if run.kind == JobKind::Upload {
            // A network switched on needs what was read, not a new read.
            self.stage = Stage::AwaitSharing(run);
            return Effect::Load(Need::Sharing);
        } else {
            self.stage = Stage::LoadingRead(run);
            return Effect::Load(Need::Read);
        }
        self.poll(now_ms)
    }

    fn on_cookie(&mut self, mut reading: Box<Reading>, cookie: Option<&str>, now_ms: u64) {
        let now = now_ms / 1000;
        let Ok(session) = LinkedInSession::from_jsessionid(cookie) else {
            if let Some(job) = self.record.read.as_mut() {
                job.on_logged_out();
            }
            self.record.view.linkedin = LinkedInState::LoggedOut;
            self.record.view.phase = Phase::Idle;
            self.end(reading.run, Outcome::NeedsAlly, now, Vec::new());
            return;
        };
        let Some(job) = self.record.read.as_ref() else {
            self.stage = Stage::Stop(None);
            return;
        };
        // Once per read: the total is for the progress bar only. An incremental read of a
        // list we already hold asks for it only once it goes past its first page, so a
        // routine sync that finds nothing new costs LinkedIn exactly one request.
        let wants_total = job.mode == ReadMode::Full
            || reading.list_empty
            || (job.next_start > 0 && job.state != ReadState::Done);
        if !reading.asked_total && wants_total {
            reading.asked_total = true;
            let request = summary::request(&reading.settings, &session);
            reading.session = Some(session);
            self.stage = Stage::AwaitTotal(reading);
            self.out = Some(Effect::LinkedIn(request));
            return;
        }
        self.next_page(reading, Some(session), now_ms);
    }

    /// The next page of the read, a pause before it, or the read's end.
    fn next_page(
        &mut self,
        mut reading: Box<Reading>,
        session: Option<LinkedInSession>,
        now_ms: u64,
    ) {
        let now = now_ms / 1000;
        let (Some(session), Some(job)) = (session, self.record.read.as_ref()) else {
            self.stage = Stage::ReadCookie(reading);
            return;
        };
        match job.next(&reading.settings, &session, now_ms) {
            read::Next::Finished => self.stage = Stage::Fold(reading.run),
            read::Next::Wait { until_ms } => {
                if until_ms.saturating_sub(now_ms) <= MAX_INLINE_WAIT_MS {
                    self.stage = Stage::Pausing(reading);
                    self.out = Some(Effect::Sleep { until_ms });
                } else {
                    self.end(
                        reading.run,
                        Outcome::RetryAt(until_ms.div_ceil(1000)),
                        now,
                        Vec::new(),
                    );
                }
            }
            read::Next::Request(request) => {
                reading.session = Some(session);
                self.stage = Stage::AwaitPage(reading);
                self.out = Some(Effect::LinkedIn(request));
            }
        }
    }

    /// Keeps a page about to be saved as `read_page.{record.pages}`, if this job holds every
    /// page before it.
    fn hold_page(&mut self, contacts: &[ContactRecord]) {
        if self.record.pages == 0 {
            self.held_pages = Some((0, Vec::new()));
        }
        match &mut self.held_pages {
            Some((held, kept)) if *held == self.record.pages => {
                kept.extend_from_slice(contacts);
                *held += 1;
            }
            _ => self.held_pages = None,
        }
    }

    /// A page's answer: the page, the count that includes it and the read that points past it
    /// go in one batch (a stop before it re-reads the page; never skips one).
    fn on_page(
        &mut self,
        reading: Box<Reading>,
        answer: Result<HttpResponse, TransportError>,
        now_ms: u64,
        random: u64,
    ) {
        let now = now_ms / 1000;
        let Some(job) = self.record.read.as_mut() else {
            self.stage = Stage::Stop(None);
            return;
        };
        let step = match answer {
            Ok(response) => {
                let known = read::known_in(&reading.known);
                job.on_response(&reading.settings, &response, now_ms, random, &known)
            }
            Err(_) => job.on_transport_error(&reading.settings, now_ms, random),
        };
        let (read_so_far, total) = (job.counts.contacts, job.total);
        let mut writes = Vec::new();
        if let Step::Continue { contacts, .. } | Step::Done { contacts } = &step {
            writes.push(Write::set(&keys::read_page(self.record.pages), contacts));
            self.hold_page(contacts);
            self.record.pages += 1;
        }
        let view = &mut self.record.view;
        view.read_so_far = read_so_far;
        view.read_total = total;
        view.phase = Phase::Reading {
            read: read_so_far,
            total,
        };
        view.linkedin = LinkedInState::Connected;
        if !self.renew(reading.run, now) {
            self.stage = Stage::Stop(None);
            self.write(writes);
            return;
        }
        let run = reading.run;
        // A step that ends the run is written with the page, in the same batch.
        let view = &mut self.record.view;
        let outcome = match &step {
            Step::BackOff { until_ms, .. } => {
                view.phase = Phase::Waiting {
                    until_ms: *until_ms,
                };
                view.linkedin = LinkedInState::Busy;
                Some(Outcome::RetryAt(until_ms.div_ceil(1000)))
            }
            Step::LoggedOut => {
                view.linkedin = LinkedInState::LoggedOut;
                view.phase = Phase::Idle;
                Some(Outcome::NeedsAlly)
            }
            Step::SourceGone { next: None, .. } => {
                view.linkedin = LinkedInState::FormatChanged;
                view.phase = Phase::Idle;
                Some(Outcome::NeedsAlly)
            }
            _ => None,
        };
        match outcome {
            Some(outcome) => self.end(run, outcome, now, writes),
            None => match self.next_without_pause(&reading, &step, now_ms) {
                // No pause due: the next page is asked for while this one is written, with
                // the same session (a session that ended answers that request as logged out).
                Some(request) => {
                    self.stage = Stage::SavingAndAsking(reading);
                    self.out = Some(Effect::WriteAndSend {
                        writes: self.with_record(writes),
                        request,
                    });
                }
                None => {
                    self.stage = Stage::SavedPage(reading, step);
                    self.write(writes);
                }
            },
        }
    }

    /// The next page's request when the read goes on at once after `step` (no pause, the
    /// session at hand); `None` when it pauses, ends or needs the cookie again.
    fn next_without_pause(
        &self,
        reading: &Reading,
        step: &Step,
        now_ms: u64,
    ) -> Option<HttpRequest> {
        let Step::Continue { wait_ms: 0, .. } = step else {
            return None;
        };
        let (session, job) = (reading.session.as_ref()?, self.record.read.as_ref()?);
        match job.next(&reading.settings, session, now_ms) {
            read::Next::Request(request) => Some(request),
            read::Next::Wait { .. } | read::Next::Finished => None,
        }
    }

    /// After a page's batch is written: pause, the next page, or the fold.
    fn after_page(&mut self, reading: Box<Reading>, step: Step, now_ms: u64) -> Effect {
        match step {
            Step::Continue { wait_ms, .. } if wait_ms > 0 && wait_ms <= MAX_INLINE_WAIT_MS => {
                self.stage = Stage::Pausing(reading);
                Effect::Sleep {
                    until_ms: now_ms + wait_ms,
                }
            }
            Step::Done { .. } => {
                self.stage = Stage::Fold(reading.run);
                self.poll(now_ms)
            }
            _ => {
                self.stage = Stage::ReadCookie(reading);
                self.poll(now_ms)
            }
        }
    }

    /// Plans what to upload; resumes the saved upload when it is this plan's.
    fn plan_upload(&mut self, run: Run, inputs: UploadInputs, now: u64) {
        let UploadInputs {
            base,
            list,
            excluded,
            ledger,
            limits,
        } = inputs;
        let sync_kind = if run.kind == JobKind::Full || self.record.needs_full {
            SyncKind::Full
        } else {
            SyncKind::Delta
        };
        let records = sync::records_for(sync_kind, &list, &excluded, &ledger);
        drop(list);
        let Some(plan) = sync::plan(sync_kind, &records, &ledger, &limits) else {
            // Nothing new: the server is up to date, which is a sync too.
            self.record.upload = None;
            let view = &mut self.record.view;
            view.shared = ledger.len() as u32;
            view.phase = Phase::Idle;
            view.last_sync_at = Some(now);
            self.end(run, Outcome::Done, now, Vec::new());
            return;
        };
        let resumed = self
            .record
            .upload
            .as_ref()
            .is_some_and(|u| u.matches(&plan));
        let up = Box::new(Uploading {
            run,
            base,
            plan,
            ledger,
            records,
            in_flight: 0,
        });
        if resumed {
            self.uploading_phase(&up);
            self.stage = Stage::Send(up);
        } else {
            // A new upload: batch it by what the server publishes now (a resumed one keeps
            // the batches it started with, planned from the saved limits).
            let request = api::sync_limits(&up.base);
            self.stage = Stage::AwaitLimits(up, limits);
            self.out = Some(Effect::Backend {
                request,
                authed: false,
            });
        }
    }

    /// A batch still in flight after one that asked to wait: it may ask to wait longer (its
    /// own `Retry-After`); once none is left, the wait begins.
    fn on_drained(
        &mut self,
        mut up: Box<Uploading>,
        until_ms: u64,
        answer: Result<HttpResponse, ApiFailure>,
        now_ms: u64,
        random: u64,
    ) {
        up.in_flight = up.in_flight.saturating_sub(1);
        let mut until_ms = until_ms;
        let refused = answer.ok().filter(|response| !response.is_success());
        if let (Some(upload), Some(response)) = (self.record.upload.as_ref(), refused) {
            // What this refusal alone would ask, on a copy: the upload itself stays at the
            // batch that asked first (an acknowledgement is not read: it is asked again).
            if let Progress::Wait { until_ms: asked } =
                upload.clone().on_response(Ok(response), now_ms, random)
            {
                until_ms = until_ms.max(asked);
            }
        }
        if up.in_flight > 0 {
            self.stage = Stage::Drain(up, until_ms);
        } else {
            self.wait_to_send(up, until_ms, now_ms);
        }
    }

    /// Waits until then before sending the upload's next request: in this run when it is
    /// soon, else at a later wake-up.
    fn wait_to_send(&mut self, mut up: Box<Uploading>, until_ms: u64, now_ms: u64) {
        // Waiting drops whatever is still in flight: the next request starts afresh.
        up.in_flight = 0;
        if until_ms.saturating_sub(now_ms) <= MAX_INLINE_WAIT_MS {
            // Saved, then slept through, then the same request again.
            self.stage = Stage::SavedBackoff(up, until_ms);
            self.write(Vec::new());
        } else {
            let view = &mut self.record.view;
            view.phase = Phase::Waiting { until_ms };
            view.problem = Some(Problem::Server);
            self.end(
                up.run,
                Outcome::RetryAt(until_ms.div_ceil(1000)),
                now_ms / 1000,
                Vec::new(),
            );
        }
    }

    fn uploading_phase(&mut self, up: &Uploading) {
        let acked = self.record.upload.as_ref().map_or(0, |u| u.acked) as usize;
        let sent = up.plan.batches[..acked.min(up.plan.batches.len())]
            .iter()
            .map(|b| b.len() as u32)
            .sum();
        self.record.view.phase = Phase::Uploading {
            sent,
            total: up.plan.contact_count() as u32,
        };
    }

    /// The backend's answer to an upload step.
    fn on_answer(
        &mut self,
        mut up: Box<Uploading>,
        answer: Result<HttpResponse, ApiFailure>,
        now_ms: u64,
        random: u64,
    ) {
        let now = now_ms / 1000;
        let run = up.run;
        let answer = match answer {
            Ok(response) => Ok(response),
            Err(ApiFailure::SessionEnded) => {
                self.record.view.phase = Phase::Idle;
                self.end(run, Outcome::NeedsAlly, now, Vec::new());
                return;
            }
            // Unreachable, or a refresh that failed for now: retried like a lost request.
            Err(e) => Err(TransportError::Network(e.to_string())),
        };
        let Some(upload) = self.record.upload.as_mut() else {
            self.stage = Stage::Stop(None);
            return;
        };
        let before = (upload.session_id, upload.acked);
        let progress = upload.on_response(answer, now_ms, random);
        // The answer was the oldest batch's; the others in flight stay so only while this
        // one moved the upload on by itself (else they are dropped, or drained below).
        up.in_flight = up.in_flight.saturating_sub(1);
        let moved_on = (upload.session_id, upload.acked) == (before.0, before.1 + 1);
        if !moved_on && !matches!(progress, Progress::Wait { .. }) {
            up.in_flight = 0;
        }
        if !self.renew(run, now) {
            self.stage = Stage::Stop(None);
            self.write(Vec::new());
            return;
        }
        match progress {
            Progress::Continue => {
                self.uploading_phase(&up);
                self.stage = Stage::SavedStep(up);
                self.write(Vec::new());
            }
            Progress::Wait { until_ms } if up.in_flight > 0 => {
                self.stage = Stage::Drain(up, until_ms);
            }
            Progress::Wait { until_ms } => self.wait_to_send(up, until_ms, now_ms),
            Progress::Done(result) => {
                let (ledger, in_step) = sync::after_commit(&up.plan, &up.ledger, &result);
                self.record.upload = None;
                // The server holds something else than we think: re-send everything.
                self.record.needs_full = !in_step;
                let view = &mut self.record.view;
                view.shared = ledger.len() as u32;
                view.phase = Phase::Idle;
                view.problem = None;
                view.last_sync_at = Some(now);
                // The ledger and the job that no longer owes it, in one batch.
                let writes = vec![Write::set(&keys::LEDGER, &ledger)];
                self.end(run, Outcome::Done, now, writes);
            }
            Progress::Failed(failure) => {
                self.record.upload = None;
                let problem = match failure {
                    sync::SyncFailure::NotSharing => None,
                    sync::SyncFailure::SignedOut => Some(Problem::SessionEnded),
                    sync::SyncFailure::Refused(detail) => Some(Problem::Unexpected { detail }),
                };
                let view = &mut self.record.view;
                view.phase = Phase::Idle;
                view.problem = problem;
                self.end(run, Outcome::NeedsAlly, now, Vec::new());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linkedin::synthetic::Synthetic;

    fn page_start(url: &str) -> u32 {
        url.split("start=").nth(1).unwrap().parse().unwrap()
    }

    /// The outside world of a read: a synthetic LinkedIn list, a signed-in ally who shares
    /// when the run starts and no longer when it would upload, no pacing.
    struct World {
        list: Synthetic,
        now_ms: u64,
        /// The `start` of every page requested, in order.
        starts: Vec<u32>,
        linkedin_requests: u32,
    }

    impl World {
        fn new(count: u32) -> Self {
            World {
                list: Synthetic::new(5, count),
                now_ms: 1_000_000,
                starts: Vec::new(),
                linkedin_requests: 0,
            }
        }

        /// What came of `effect`; `None` for a write (the test decides) and for done. For a
        /// write with a request, LinkedIn's answer (the test hands over the write's first).
        fn answer(&mut self, effect: &Effect) -> Option<Event> {
            Some(match effect {
                Effect::Done { .. } | Effect::Write(_) => return None,
                Effect::WriteAndSend { request, .. } => self.linkedin(request),
                Effect::Load(Need::Start) => Event::Loaded(Loaded::Start {
                    signed_in: true,
                    sharing: true,
                    next_asks_at: u64::MAX / 2000,
                }),
                Effect::Load(Need::Read) => Event::Loaded(Loaded::Read {
                    settings: ReadSettings {
                        pause_min_ms: 0,
                        pause_max_ms: 0,
                        ..ReadSettings::default()
                    },
                    known: HashSet::new(),
                }),
                Effect::Load(Need::Sharing) => Event::Loaded(Loaded::Sharing(false)),
                Effect::Load(Need::Upload) | Effect::Backend { .. } | Effect::Batches { .. } => {
                    panic!("no upload")
                }
                Effect::Cookie => Event::Cookie(Some("\"ajax:1\"".into())),
                Effect::LinkedIn(request) => self.linkedin(request),
                Effect::Fold { .. } => Event::Folded {
                    contacts: self.list.contacts().len() as u32,
                },
                Effect::Sleep { until_ms } => {
                    self.now_ms = *until_ms;
                    Event::Woke
                }
            })
        }

        fn linkedin(&mut self, request: &HttpRequest) -> Event {
            self.linkedin_requests += 1;
            let body = if request.url.contains("connectionsSummary") {
                self.list.summary()
            } else {
                self.starts.push(page_start(&request.url));
                self.list.dash_page(page_start(&request.url), 40)
            };
            Event::LinkedIn(Ok(HttpResponse {
                status: 200,
                content_type: Some("application/json".into()),
                retry_after: None,
                body,
            }))
        }
    }

    /// The page a write stores, if it stores one.
    fn page_written(effect: &Effect) -> Option<&str> {
        let writes = match effect {
            Effect::Write(w) | Effect::WriteAndSend { writes: w, .. } => w,
            _ => return None,
        };
        writes
            .iter()
            .map(|w| w.name.as_str())
            .find(|name| name.starts_with("read_page."))
    }

    /// Runs `job` in `world` until it is done; the effects it handed out, in order.
    fn run_to_end(world: &mut World, job: &mut SyncJob) -> Vec<Effect> {
        let mut effects = Vec::new();
        loop {
            world.now_ms += 10;
            let effect = job.poll(world.now_ms);
            effects.push(effect.clone());
            let event = match (&effect, world.answer(&effect)) {
                (Effect::Done { .. }, _) => break,
                (Effect::WriteAndSend { .. }, Some(answer)) => {
                    job.handle(Event::Written, world.now_ms, 7);
                    answer
                }
                (_, Some(event)) => event,
                (_, None) => Event::Written,
            };
            job.handle(event, world.now_ms, 7);
            assert!(effects.len() < 100, "{effects:?}");
        }
        effects
    }

    /// A first read of 100 connections (3 pages) through the machine, pacing off: each page
    /// is one storage batch, the page and the job record together, and the next page is
    /// asked for while it is written (one LinkedIn request at a time all the same); the read
    /// folds its 3 pages, replacing the list (a complete full read); then, sharing having
    /// been switched off meanwhile, no upload.
    #[test]
    fn each_page_read_is_one_storage_batch_with_the_job() {
        let mut world = World::new(100);
        let mut job = SyncJob::new(JobRecord::default(), 1);
        let effects = run_to_end(&mut world, &mut job);
        let held = effects.iter().find_map(|e| match e {
            Effect::Fold {
                pages: 3,
                replace: true,
                held,
            } => Some(held.clone()),
            _ => None,
        });
        // The fold is handed the pages' contacts as they were saved, in order.
        let saved: Vec<ContactRecord> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Write(w) | Effect::WriteAndSend { writes: w, .. } => Some(w),
                _ => None,
            })
            .flatten()
            .filter(|w| w.name.starts_with("read_page."))
            .flat_map(|w| {
                serde_json::from_str::<Vec<ContactRecord>>(w.value.as_ref().unwrap()).unwrap()
            })
            .collect();
        assert_eq!(saved.len(), 100);
        assert_eq!(
            held,
            Some(Some(saved)),
            "the fold of the 3 pages, with them held"
        );
        // The summary and three pages, each once.
        assert_eq!(world.linkedin_requests, 4);
        assert_eq!(world.starts, [0, 40, 80]);
        let page_writes: Vec<(Vec<String>, Option<u32>)> = effects
            .iter()
            .filter(|e| page_written(e).is_some())
            .map(|e| match e {
                Effect::Write(w) => (w.iter().map(|w| w.name.clone()).collect(), None),
                Effect::WriteAndSend { writes, request } => (
                    writes.iter().map(|w| w.name.clone()).collect(),
                    Some(page_start(&request.url)),
                ),
                _ => unreachable!(),
            })
            .collect();
        let names = |page: &str| vec![page.to_string(), "job".to_string()];
        assert_eq!(
            page_writes,
            [
                (names("read_page.0"), Some(40)),
                (names("read_page.1"), Some(80)),
                // The last page: nothing after it to ask for.
                (names("read_page.2"), None),
            ]
        );
        // Between two pages' batches: nothing (no cookie look, no other write).
        let between: Vec<&Effect> = effects
            .iter()
            .skip_while(|e| page_written(e) != Some("read_page.0"))
            .skip(1)
            .take_while(|e| page_written(e) != Some("read_page.1"))
            .collect();
        assert!(between.is_empty(), "{between:?}");
        let record = job.record();
        assert_eq!(record.view.contacts, 100);
        assert_eq!(record.pages, 0);
        assert_eq!(record.read, None);
        assert_eq!(record.schedule.lease, None, "the run ended");
        assert!(record.schedule.last_full_at.is_some());
    }

    /// A read's phase is shown while its run holds a live lease, not after.
    #[test]
    fn the_phase_shown_is_a_running_jobs() {
        let mut record = JobRecord::default();
        record.view.phase = Phase::Reading {
            read: 40,
            total: Some(100),
        };
        assert_eq!(record.view_at(1_000).phase, Phase::Idle, "no run");
        assert_eq!(record.schedule.try_start(1_000, 1), Some(JobKind::Full));
        assert_eq!(record.view_at(1_010).phase, record.view.phase);
        let expired = 1_000 + crate::jobs::LEASE_SECS;
        assert_eq!(
            record.view_at(expired).phase,
            Phase::Idle,
            "its worker is gone"
        );
        let waiting = Phase::Waiting {
            until_ms: 5_000_000,
        };
        record.view.phase = waiting;
        assert_eq!(
            record.view_at(expired).phase,
            waiting,
            "a back-off is shown as it is"
        );
    }

    /// A worker stopped mid-read starts again from the stored record at the next page.
    #[test]
    fn a_read_resumes_from_the_stored_record_at_its_next_page() {
        let mut world = World::new(100);
        let mut stored = JobRecord::default();
        let mut job = SyncJob::new(stored.clone(), 1);
        let mut restarted = false;
        let mut fold_held = None;
        for _ in 0..200 {
            world.now_ms += 10;
            let effect = job.poll(world.now_ms);
            if let Effect::Fold { pages, held, .. } = &effect {
                fold_held = Some((*pages, held.clone()));
            }
            let event = match (&effect, world.answer(&effect)) {
                (Effect::Done { .. }, _) => break,
                (Effect::Write(writes) | Effect::WriteAndSend { writes, .. }, answer) => {
                    let text = writes.last().unwrap().value.clone().unwrap();
                    stored = serde_json::from_str(&text).unwrap();
                    if page_written(&effect) == Some("read_page.1") && !restarted {
                        // Stopped once the second page was stored, the third page's request
                        // in flight: a new worker (another instance) takes over the lease at
                        // once, and the answer is lost with the old one.
                        restarted = true;
                        job = SyncJob::new(stored.clone(), 2);
                        continue;
                    }
                    if let Some(answer) = answer {
                        job.handle(Event::Written, world.now_ms, 7);
                        answer
                    } else {
                        Event::Written
                    }
                }
                (_, event) => event.unwrap(),
            };
            job.handle(event, world.now_ms, 7);
        }
        assert!(restarted);
        assert_eq!(
            world.starts,
            [0, 40, 80, 80],
            "every page read; only the one in flight at the stop asked for again"
        );
        assert_eq!(stored.view.contacts, 100);
        assert_eq!(stored.read, None, "the read is over");
        assert_eq!(
            fold_held,
            Some((3, None)),
            "the new worker saved only the last page: the fold reads them all from storage"
        );
    }
}
