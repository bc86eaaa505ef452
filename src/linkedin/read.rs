//! The read state machine: one read of the ally's connections, page by page, as plain data.
//!
//! A [`ReadJob`] is everything a read needs to go on — which source, where it is, how long to
//! wait, what it found so far — and nothing else, so the worker saves it after every page
//! (`chrome.storage.local`) and a worker stopped mid-read resumes exactly there, without
//! re-reading a page. The worker's loop is:
//!
//! ```text
//! loop {
//!     match job.next(&settings, &session, now) {
//!         Next::Request(req) => { let step = job.on_response(&settings, &fetch(req), now, rng, &known);
//!                                 save(job); act on step }        // contacts, pause, backoff, status
//!         Next::Wait { until_ms } => { set an alarm for until_ms; break }
//!         Next::Finished => break,
//!     }
//! }
//! ```
//!
//! The rules it keeps:
//! - **Polite pacing.** A jittered pause between pages (1–3 s by default). 429 and 999 stop the
//!   read until a growing backoff has passed (`Retry-After` honoured when longer); a server error
//!   or a dropped connection backs off too. [`ReadJob::next`] never hands out a request before
//!   its time: there is no way to make it loop hot.
//! - **Incremental by default.** Pages come newest first, so a routine read stops at the first
//!   page that holds an already-known connection — one request on a quiet day. A full read (to
//!   find removals) goes on to the end, a page shorter than asked. With
//!   [`ReadSettings::overlap_full_reads`] its pages overlap by one connection, so a list that
//!   moves under the read (connections added or removed meanwhile) is noticed: nothing is given
//!   twice, and no one is missed (which would look like a removal).
//! - **A chain of sources.** Dash answering 400/404/410 (or a shape we do not know) switches to
//!   the legacy list at the same position; legacy gone too ends the read with
//!   [`ReadState::FormatChanged`]: the CSV import is the way on.
//! - **Logged out** (no cookie, 401, CSRF refusal, HTML where JSON was expected) ends the read
//!   with [`ReadState::LoggedOut`] until the ally has logged in again ([`ReadJob::resume`]).

use serde::{Deserialize, Serialize};

use crate::contacts::ContactRecord;
use crate::http::{HttpRequest, HttpResponse};

use super::session::{self, Session};
use super::{dash, legacy, Page, PageError, ReadSettings, Source, MAX_CONNECTIONS};

/// Incremental (stop at the first known connection) or full (read to the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadMode {
    Incremental,
    Full,
}

/// Where a read stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadState {
    /// More pages to read (maybe after a pause or a backoff: see `not_before_ms`).
    Reading,
    /// Finished: everything this mode needed was read.
    Done,
    /// LinkedIn says the ally is not logged in; [`ReadJob::resume`] after they have.
    LoggedOut,
    /// Every source is gone: LinkedIn changed its format; the CSV import is the way on.
    FormatChanged,
}

/// Why a read is waiting longer than a pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum BackOffReason {
    /// 429: too many requests.
    RateLimited,
    /// 999: LinkedIn's "request denied" block.
    Denied,
    /// 5xx or 408: LinkedIn had a problem.
    ServerError { status: u16 },
    /// A 200 whose body was cut short or not JSON.
    BadResponse,
    /// The request got no answer (offline, timeout).
    Network,
}

/// What a read has done so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReadCounts {
    /// Requests answered (any status).
    pub requests: u32,
    /// Pages read successfully.
    pub pages: u32,
    /// Contacts produced.
    pub contacts: u32,
    /// Of those, how many were not known before.
    pub new_contacts: u32,
    /// List entries that could not be turned into a contact.
    pub skipped: u32,
}

/// One read, saved after every step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadJob {
    pub mode: ReadMode,
    pub source: Source,
    /// Fixed when the read starts, so a settings change cannot shift the pages under it.
    pub page_size: u32,
    /// The `start` of the next page to read.
    pub next_start: u32,
    pub state: ReadState,
    /// No request before this instant (epoch ms): the pause, or the backoff.
    pub not_before_ms: u64,
    /// Consecutive backoffs; 0 after every page read.
    pub backoff_attempts: u32,
    /// The total for the progress bar (connections summary, or legacy's `paging.total`).
    pub total: Option<u32>,
    pub counts: ReadCounts,
    /// Full reads with [`ReadSettings::overlap_full_reads`]: pages overlap by one, so a
    /// connection removed above the read position (the list moving up under the read) is
    /// noticed, and the read steps back one page instead of missing someone — a full read is
    /// what removals are computed from. Fixed when the read starts.
    #[serde(default)]
    pub overlap: bool,
    /// With `overlap`: the key of the previous page's last contact.
    #[serde(default)]
    pub overlap_key: Option<String>,
    /// Whether the page being read is a step back (one step back per mismatch, never a walk).
    #[serde(default)]
    pub stepped_back: bool,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Send this, then give the response to [`ReadJob::on_response`].
    Request(HttpRequest),
    /// Nothing before this instant (epoch ms): schedule a wake-up.
    Wait { until_ms: u64 },
    /// The read is over; [`ReadJob::state`] says how.
    Finished,
}

/// What one response did to the read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A page was read; more follow after `wait_ms`.
    Continue {
        contacts: Vec<ContactRecord>,
        wait_ms: u64,
    },
    /// The last page this read needed.
    Done { contacts: Vec<ContactRecord> },
    /// Stopped for now: no request before `until_ms`.
    BackOff {
        until_ms: u64,
        reason: BackOffReason,
    },
    /// LinkedIn says not logged in: show "log in to LinkedIn".
    LoggedOut,
    /// `gone` no longer works. With `next`, the read goes on there (after a pause); without,
    /// LinkedIn changed its format and the CSV import is the way on.
    SourceGone { gone: Source, next: Option<Source> },
}

/// A "known" rule from a set of keys: a contact is known when its [`ContactRecord::key`] or its
/// [`ContactRecord::url_key`] is in the set (so CSV-imported contacts count as known too).
pub fn known_in<S: std::hash::BuildHasher>(
    keys: &std::collections::HashSet<String, S>,
) -> impl Fn(&ContactRecord) -> bool + '_ {
    move |c: &ContactRecord| {
        [c.key(), c.url_key()]
            .into_iter()
            .flatten()
            .any(|k| keys.contains(&k))
    }
}

impl ReadJob {
    /// A new read from the top of the list, dash first.
    pub fn new(mode: ReadMode, settings: &ReadSettings) -> Self {
        ReadJob {
            mode,
            source: Source::Dash,
            page_size: settings.page_size(),
            next_start: 0,
            state: ReadState::Reading,
            not_before_ms: 0,
            backoff_attempts: 0,
            total: None,
            counts: ReadCounts::default(),
            overlap: mode == ReadMode::Full && settings.overlap_full_reads,
            overlap_key: None,
            stepped_back: false,
        }
    }

    /// What to do now: a request, a wait, or nothing (finished).
    pub fn next(&self, settings: &ReadSettings, session: &Session, now_ms: u64) -> Next {
        match self.next_request(settings, session) {
            None => Next::Finished,
            Some(_) if now_ms < self.not_before_ms => Next::Wait {
                until_ms: self.not_before_ms,
            },
            Some(request) => Next::Request(request),
        }
    }

    /// The next request regardless of time (`None` once finished). Prefer [`ReadJob::next`],
    /// which also keeps the pause.
    pub fn next_request(&self, settings: &ReadSettings, session: &Session) -> Option<HttpRequest> {
        if self.state != ReadState::Reading {
            return None;
        }
        // The page size is the job's, not the current settings'.
        let settings = ReadSettings {
            page_size: self.page_size,
            ..settings.clone()
        };
        Some(match self.source {
            Source::Dash => dash::request(&settings, session, self.next_start),
            Source::Legacy => legacy::request(&settings, session, self.next_start),
        })
    }

    /// Takes the answer to the request [`ReadJob::next`] gave. `rng` is any random number (for
    /// jitter); `known` says whether a contact was already known (see [`known_in`]).
    pub fn on_response(
        &mut self,
        settings: &ReadSettings,
        response: &HttpResponse,
        now_ms: u64,
        rng: u64,
        known: &dyn Fn(&ContactRecord) -> bool,
    ) -> Step {
        if let Some(step) = self.finished_step() {
            return step;
        }
        self.counts.requests += 1;
        let status = response.status;
        match status {
            429 => {
                return self.back_off(settings, BackOffReason::RateLimited, response, now_ms, rng)
            }
            999 => return self.back_off(settings, BackOffReason::Denied, response, now_ms, rng),
            408 | 425 | 500..=599 => {
                let reason = BackOffReason::ServerError { status };
                return self.back_off(settings, reason, response, now_ms, rng);
            }
            _ => {}
        }
        if session::is_logged_out(response) || status == 403 {
            return self.logged_out();
        }
        if !response.is_success() {
            // 400 (a rotated decoration, a parameter LinkedIn no longer takes), 404, 410, ...
            return self.source_gone(settings, now_ms, rng);
        }
        let parsed = match self.source {
            Source::Dash => dash::parse(&response.body),
            Source::Legacy => legacy::parse(&response.body),
        };
        match parsed {
            Ok(page) => self.on_page(settings, page, now_ms, rng, known),
            Err(PageError::Html) => self.logged_out(),
            Err(PageError::Shape(_)) => self.source_gone(settings, now_ms, rng),
            // Cut short, probably: retry a couple of times before calling the source gone.
            Err(PageError::NotJson(_)) if self.backoff_attempts < 2 => {
                self.back_off(settings, BackOffReason::BadResponse, response, now_ms, rng)
            }
            Err(PageError::NotJson(_)) => self.source_gone(settings, now_ms, rng),
        }
    }

    /// The request got no answer at all (offline, timeout, refused): back off and retry.
    pub fn on_transport_error(&mut self, settings: &ReadSettings, now_ms: u64, rng: u64) -> Step {
        if let Some(step) = self.finished_step() {
            return step;
        }
        let none = HttpResponse {
            status: 0,
            content_type: None,
            retry_after: None,
            body: String::new(),
        };
        self.back_off(settings, BackOffReason::Network, &none, now_ms, rng)
    }

    /// No session at all (no `JSESSIONID` cookie): the same as LinkedIn saying "logged out".
    pub fn on_logged_out(&mut self) -> Step {
        if self.state == ReadState::Reading {
            self.logged_out()
        } else {
            self.finished_step().unwrap_or(Step::LoggedOut)
        }
    }

    /// After the ally has logged in again: go on from where the read stopped.
    pub fn resume(&mut self) {
        if self.state == ReadState::LoggedOut {
            self.state = ReadState::Reading;
            self.not_before_ms = 0;
        }
    }

    /// Sets the total for the progress bar (from the connections summary).
    pub fn set_total(&mut self, total: u32) {
        self.total = Some(total);
    }

    fn finished_step(&self) -> Option<Step> {
        match self.state {
            ReadState::Reading => None,
            ReadState::Done => Some(Step::Done { contacts: vec![] }),
            ReadState::LoggedOut => Some(Step::LoggedOut),
            ReadState::FormatChanged => Some(Step::SourceGone {
                gone: self.source,
                next: None,
            }),
        }
    }

    fn on_page(
        &mut self,
        settings: &ReadSettings,
        page: Page,
        now_ms: u64,
        rng: u64,
        known: &dyn Fn(&ContactRecord) -> bool,
    ) -> Step {
        self.backoff_attempts = 0;
        self.counts.pages += 1;
        if self.total.is_none() {
            self.total = page.total;
        }
        let start = self.next_start;
        let mut contacts = page.contacts;
        if let Some(previous) = self.overlap_key.take() {
            match contacts
                .iter()
                .position(|c| c.key().as_ref() == Some(&previous))
            {
                // Read already (shifted down by connections added above, if j > 0).
                Some(j) => {
                    contacts.drain(..=j);
                }
                // Connections were removed above: the list moved up under the read, and the
                // ones that moved past the overlap would be missed. Read the page before again.
                None if !self.stepped_back && start > 0 && page.elements > 0 => {
                    self.stepped_back = true;
                    self.overlap_key = Some(previous);
                    self.next_start = start.saturating_sub(self.page_size.saturating_sub(1));
                    let wait_ms = pause(settings, rng);
                    self.not_before_ms = now_ms + wait_ms;
                    return Step::Continue {
                        contacts: vec![],
                        wait_ms,
                    };
                }
                // Gone itself, or already stepped back once: go on.
                None => {}
            }
        }
        self.stepped_back = false;
        self.counts.skipped += page.skipped.len() as u32;
        self.counts.contacts += contacts.len() as u32;
        let known_here = contacts.iter().filter(|c| known(c)).count();
        self.counts.new_contacts += (contacts.len() - known_here) as u32;
        let reached = start.saturating_add(page.elements as u32);
        let last_page = page.elements < self.page_size as usize
            || reached >= MAX_CONNECTIONS
            || (self.mode == ReadMode::Incremental && known_here > 0);
        if last_page {
            self.next_start = reached;
            self.state = ReadState::Done;
            return Step::Done { contacts };
        }
        if self.overlap {
            self.next_start = reached - 1;
            self.overlap_key = contacts.last().and_then(ContactRecord::key);
        } else {
            self.next_start = reached;
        }
        let wait_ms = pause(settings, rng);
        self.not_before_ms = now_ms + wait_ms;
        Step::Continue { contacts, wait_ms }
    }

    fn back_off(
        &mut self,
        settings: &ReadSettings,
        reason: BackOffReason,
        response: &HttpResponse,
        now_ms: u64,
        rng: u64,
    ) -> Step {
        let first = match reason {
            BackOffReason::Denied => settings.backoff_denied_ms,
            _ => settings.backoff_rate_limited_ms,
        }
        .max(1_000);
        let doubled = first.saturating_mul(1u64 << self.backoff_attempts.min(20));
        let mut delay = doubled.min(settings.backoff_max_ms.max(first));
        if let Some(secs) = response.retry_after_secs(now_ms) {
            // Honoured when longer than ours, up to a day.
            delay = delay.max(secs.min(86_400) * 1_000);
        }
        // Up to +20 % jitter, so many browsers do not come back in step.
        delay += rng % (delay / 5 + 1);
        self.backoff_attempts = self.backoff_attempts.saturating_add(1);
        self.not_before_ms = now_ms + delay;
        Step::BackOff {
            until_ms: self.not_before_ms,
            reason,
        }
    }

    fn logged_out(&mut self) -> Step {
        self.state = ReadState::LoggedOut;
        Step::LoggedOut
    }

    fn source_gone(&mut self, settings: &ReadSettings, now_ms: u64, rng: u64) -> Step {
        let gone = self.source;
        self.backoff_attempts = 0;
        match gone.fallback() {
            Some(next) => {
                // Both lists are sorted newest first: the same position means the same place.
                self.source = next;
                self.not_before_ms = now_ms + pause(settings, rng);
            }
            None => self.state = ReadState::FormatChanged,
        }
        Step::SourceGone {
            gone,
            next: gone.fallback(),
        }
    }
}

/// The jittered pause between two pages.
fn pause(settings: &ReadSettings, rng: u64) -> u64 {
    let min = settings.pause_min_ms;
    let max = settings.pause_max_ms.max(min);
    min + rng % (max - min + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linkedin::synthetic::Synthetic;
    use std::collections::HashSet;

    /// Nothing is known (a first read).
    fn nothing_known(_: &ContactRecord) -> bool {
        false
    }

    fn session() -> Session {
        Session::from_jsessionid(Some("\"ajax:1\"")).unwrap()
    }

    fn json(body: String) -> HttpResponse {
        HttpResponse {
            status: 200,
            content_type: Some("application/vnd.linkedin.normalized+json+2.1".into()),
            retry_after: None,
            body,
        }
    }

    fn status(status: u16, retry_after: Option<&str>) -> HttpResponse {
        HttpResponse {
            status,
            content_type: Some("text/plain".into()),
            retry_after: retry_after.map(str::to_string),
            body: String::new(),
        }
    }

    fn param(url: &str, name: &str) -> u32 {
        url.split(['?', '&'])
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Serves a synthetic list for whichever endpoint the request names.
    fn serve(s: &Synthetic, req: &HttpRequest) -> HttpResponse {
        let (start, count) = (param(&req.url, "start"), param(&req.url, "count"));
        if req.url.contains("/dash/") {
            json(s.dash_page(start, count))
        } else {
            json(s.legacy_page(start, count))
        }
    }

    fn request(job: &ReadJob) -> HttpRequest {
        job.next_request(&ReadSettings::default(), &session())
            .expect("a request")
    }

    #[test]
    fn full_read_reads_to_the_short_page() {
        let settings = ReadSettings::default();
        let s = Synthetic::new(3, 100);
        let mut job = ReadJob::new(ReadMode::Full, &settings);
        let mut got = Vec::new();
        let mut now = 0;
        loop {
            match job.next(&settings, &session(), now) {
                Next::Request(req) => {
                    match job.on_response(&settings, &serve(&s, &req), now, 7, &nothing_known) {
                        Step::Continue { contacts, wait_ms } => {
                            assert!(wait_ms >= 1_000);
                            got.extend(contacts)
                        }
                        Step::Done { contacts } => got.extend(contacts),
                        other => panic!("{other:?}"),
                    }
                }
                Next::Wait { until_ms } => {
                    assert!(until_ms > now);
                    now = until_ms;
                }
                Next::Finished => break,
            }
        }
        assert_eq!(got, s.contacts());
        assert_eq!(job.counts.requests, 3);
        assert_eq!(job.state, ReadState::Done);
        assert_eq!((job.counts.contacts, job.counts.new_contacts), (100, 100));
        // An exact multiple of the page size ends with an empty page.
        let s = Synthetic::new(3, 80);
        let mut job = ReadJob::new(ReadMode::Full, &settings);
        while let Some(req) = job.next_request(&settings, &session()) {
            job.on_response(&settings, &serve(&s, &req), 0, 0, &nothing_known);
        }
        assert_eq!((job.counts.requests, job.counts.contacts), (3, 80));
    }

    #[test]
    fn pauses_are_jittered_between_the_bounds() {
        let settings = ReadSettings::default();
        let waits: HashSet<u64> = (0..50u64)
            .map(|rng| pause(&settings, rng.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
            .collect();
        assert!(waits.len() > 10);
        assert!(waits.iter().all(|w| (1_000..=3_000).contains(w)));
    }

    #[test]
    fn incremental_stops_after_one_request_when_page_one_holds_a_known_contact() {
        let settings = ReadSettings::default();
        let before = Synthetic::new(5, 500);
        let known: HashSet<String> = before.contacts().iter().map(|c| c.key().unwrap()).collect();
        let after = Synthetic::new(5, 503);
        let mut job = ReadJob::new(ReadMode::Incremental, &settings);
        let step = job.on_response(
            &settings,
            &serve(&after, &request(&job)),
            0,
            0,
            &known_in(&known),
        );
        let Step::Done { contacts } = step else {
            panic!("{step:?}")
        };
        let new: Vec<&ContactRecord> = contacts
            .iter()
            .filter(|c| !known.contains(&c.key().unwrap()))
            .collect();
        assert_eq!(new.len(), 3, "exactly the three new connections");
        assert_eq!(new, after.contacts().iter().take(3).collect::<Vec<_>>());
        assert_eq!(job.counts.requests, 1);
        assert_eq!(job.counts.new_contacts, 3);
        assert!(job.next_request(&settings, &session()).is_none());
        assert_eq!(job.state, ReadState::Done);
        assert_eq!((job.counts.contacts, job.counts.new_contacts), (40, 3));
    }

    #[test]
    fn csv_imported_contacts_count_as_known() {
        let s = Synthetic::new(5, 50);
        let csv = crate::linkedin::csv::import(s.csv().as_bytes()).unwrap();
        let known: HashSet<String> = csv.contacts.iter().map(|c| c.key().unwrap()).collect();
        let settings = ReadSettings::default();
        let mut job = ReadJob::new(ReadMode::Incremental, &settings);
        let step = job.on_response(
            &settings,
            &serve(&s, &request(&job)),
            0,
            0,
            &known_in(&known),
        );
        assert!(matches!(step, Step::Done { .. }));
        assert_eq!(job.counts.new_contacts, 0);
    }

    #[test]
    fn incremental_goes_on_while_pages_are_all_new() {
        let settings = ReadSettings::default();
        let before = Synthetic::new(5, 10);
        let known: HashSet<String> = before.contacts().iter().map(|c| c.key().unwrap()).collect();
        let after = Synthetic::new(5, 95); // 85 new: pages 1 and 2 are all new
        let mut job = ReadJob::new(ReadMode::Incremental, &settings);
        let mut new = 0;
        while let Some(req) = job.next_request(&settings, &session()) {
            match job.on_response(&settings, &serve(&after, &req), 0, 0, &known_in(&known)) {
                Step::Continue { contacts, .. } | Step::Done { contacts } => {
                    new += contacts
                        .iter()
                        .filter(|c| !known.contains(&c.key().unwrap()))
                        .count()
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!((job.counts.requests, new), (3, 85));
    }

    #[test]
    fn rate_limit_backs_off_growing_and_resumes_without_rereading() {
        let settings = ReadSettings::default();
        let s = Synthetic::new(9, 200);
        let mut job = ReadJob::new(ReadMode::Full, &settings);
        let mut got = Vec::new();
        for _ in 0..2 {
            if let Step::Continue { contacts, .. } =
                job.on_response(&settings, &serve(&s, &request(&job)), 0, 0, &nothing_known)
            {
                got.extend(contacts);
            }
        }
        assert_eq!(job.next_start, 80);
        let mut now = 10_000;
        let mut delays = Vec::new();
        for _ in 0..4 {
            let req = match job.next(&settings, &session(), now) {
                Next::Request(r) => r,
                Next::Wait { until_ms } => {
                    now = until_ms;
                    continue;
                }
                Next::Finished => panic!(),
            };
            assert_eq!(param(&req.url, "start"), 80, "the same page is asked again");
            let Step::BackOff { until_ms, reason } =
                job.on_response(&settings, &status(429, None), now, 0, &nothing_known)
            else {
                panic!()
            };
            assert_eq!(reason, BackOffReason::RateLimited);
            delays.push(until_ms - now);
            // Nothing is handed out before the backoff has passed: no hot loop.
            assert_eq!(
                job.next(&settings, &session(), now + 1),
                Next::Wait { until_ms }
            );
            assert_eq!((job.state, job.counts.contacts), (ReadState::Reading, 80));
            now = until_ms;
        }
        assert_eq!(delays, vec![5_000, 10_000, 20_000, 40_000]);
        // The job survives a worker restart (it is saved as JSON).
        let saved = serde_json::to_string(&job).unwrap();
        let mut job: ReadJob = serde_json::from_str(&saved).unwrap();
        while let Next::Request(req) = job.next(&settings, &session(), now) {
            match job.on_response(&settings, &serve(&s, &req), now, 0, &nothing_known) {
                Step::Continue { contacts, wait_ms } => {
                    got.extend(contacts);
                    now += wait_ms;
                }
                Step::Done { contacts } => got.extend(contacts),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(got, s.contacts(), "every contact once, none re-read");
        assert_eq!(job.counts.pages, 6);
        assert_eq!(job.counts.requests, 10);
        assert_eq!(job.backoff_attempts, 0);
    }

    /// A full read over a list that changes after `after_pages` pages.
    fn full_read_over_a_changing_list(
        list: Vec<crate::linkedin::synthetic::SyntheticConnection>,
        after_pages: u32,
        change: impl FnOnce(&mut Vec<crate::linkedin::synthetic::SyntheticConnection>),
    ) -> (Vec<ContactRecord>, ReadJob) {
        use crate::linkedin::synthetic::dash_page_of;
        let settings = ReadSettings {
            overlap_full_reads: true,
            ..ReadSettings::default()
        };
        let mut list = list;
        let mut change = Some(change);
        let mut job = ReadJob::new(ReadMode::Full, &settings);
        let mut got = Vec::new();
        assert!(job.overlap);
        while let Some(req) = job.next_request(&settings, &session()) {
            if job.counts.pages == after_pages {
                if let Some(f) = change.take() {
                    f(&mut list);
                }
            }
            let (start, count) = (param(&req.url, "start"), param(&req.url, "count"));
            let end = (start + count).min(list.len() as u32);
            let page = dash_page_of(&list[start.min(end) as usize..end as usize], start, count);
            match job.on_response(&settings, &json(page), 0, 0, &nothing_known) {
                Step::Continue { contacts, .. } | Step::Done { contacts } => got.extend(contacts),
                other => panic!("{other:?}"),
            }
        }
        (got, job)
    }

    #[test]
    fn connections_removed_during_a_full_read_make_no_one_missed() {
        let s = Synthetic::new(4, 200);
        let list: Vec<_> = s.newest_first().collect();
        let all: Vec<ContactRecord> = s.contacts();
        // After two pages (0..40, 39..79), three connections the read has passed are removed.
        let (got, job) = full_read_over_a_changing_list(list, 2, |l| {
            l.drain(10..13);
        });
        let keys: Vec<String> = got.iter().map(|c| c.key().unwrap()).collect();
        let unique: HashSet<&String> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len(), "nothing given twice");
        assert_eq!(
            got.len(),
            200,
            "everyone read, the removed ones before their removal"
        );
        assert_eq!(
            unique,
            all.iter()
                .map(|c| c.key().unwrap())
                .collect::<Vec<_>>()
                .iter()
                .collect()
        );
        assert_eq!(job.counts.contacts, 200);
    }

    #[test]
    fn connections_added_during_a_full_read_give_no_one_twice() {
        let s = Synthetic::new(4, 200);
        let list: Vec<_> = s.newest_first().collect();
        let more = Synthetic::new(4, 203);
        let (got, _) = full_read_over_a_changing_list(list, 2, |l| {
            for p in (0..3).rev() {
                l.insert(0, more.at(p));
            }
        });
        assert_eq!(got, s.contacts(), "the original 200, once each, in order");
    }

    #[test]
    fn overlapping_full_reads_cost_one_request_in_forty() {
        let settings = ReadSettings {
            overlap_full_reads: true,
            ..ReadSettings::default()
        };
        let s = Synthetic::new(3, 2000);
        let mut job = ReadJob::new(ReadMode::Full, &settings);
        let mut got = Vec::new();
        while let Some(req) = job.next_request(&settings, &session()) {
            if let Step::Continue { contacts, .. } | Step::Done { contacts } =
                job.on_response(&settings, &serve(&s, &req), 0, 0, &nothing_known)
            {
                got.extend(contacts);
            }
        }
        assert_eq!(got, s.contacts());
        assert_eq!(job.counts.requests, 52, "51 without overlap");
        // Off by default, and never for incremental reads.
        assert!(!ReadJob::new(ReadMode::Full, &ReadSettings::default()).overlap);
        assert!(!ReadJob::new(ReadMode::Incremental, &settings).overlap);
    }

    #[test]
    fn retry_after_is_honoured_and_999_waits_longer() {
        let settings = ReadSettings::default();
        let mut job = ReadJob::new(ReadMode::Full, &settings);
        let step = job.on_response(&settings, &status(429, Some("120")), 0, 0, &nothing_known);
        assert_eq!(
            step,
            Step::BackOff {
                until_ms: 120_000,
                reason: BackOffReason::RateLimited
            }
        );
        let mut job = ReadJob::new(ReadMode::Full, &settings);
        let mut html = status(999, None);
        html.content_type = Some("text/html".into());
        html.body = "<html>request denied</html>".into();
        let Step::BackOff { until_ms, reason } =
            job.on_response(&settings, &html, 1_000, 0, &nothing_known)
        else {
            panic!()
        };
        assert_eq!((until_ms, reason), (61_000, BackOffReason::Denied));
        let Step::BackOff { until_ms, .. } =
            job.on_response(&settings, &html, 61_000, 0, &nothing_known)
        else {
            panic!()
        };
        assert_eq!(until_ms, 61_000 + 120_000);
        // Capped.
        for _ in 0..30 {
            job.on_response(&settings, &html, 0, u64::MAX, &nothing_known);
        }
        assert!(job.not_before_ms <= settings.backoff_max_ms * 6 / 5);
    }

    #[test]
    fn authwall_and_401_are_logged_out_and_resume_after_login() {
        let settings = ReadSettings::default();
        let authwall = HttpResponse {
            status: 200,
            content_type: Some("text/html; charset=utf-8".into()),
            retry_after: None,
            body: include_str!("../../tests/fixtures/linkedin/authwall.html").into(),
        };
        for response in [authwall, status(401, None)] {
            let mut job = ReadJob::new(ReadMode::Full, &settings);
            assert_eq!(
                job.on_response(&settings, &response, 0, 0, &nothing_known),
                Step::LoggedOut
            );
            assert_eq!(job.next(&settings, &session(), 0), Next::Finished);
            assert_eq!(job.state, ReadState::LoggedOut);
            job.resume();
            assert!(matches!(
                job.next(&settings, &session(), 0),
                Next::Request(_)
            ));
        }
        let mut job = ReadJob::new(ReadMode::Full, &settings);
        assert_eq!(job.on_logged_out(), Step::LoggedOut);
        // HTML with a JSON content type is still a web page.
        let mut job2 = ReadJob::new(ReadMode::Full, &settings);
        let sneaky = json("<!DOCTYPE html><html><body>Sign in</body></html>".into());
        assert_eq!(
            job2.on_response(&settings, &sneaky, 0, 0, &nothing_known),
            Step::LoggedOut
        );
        job.resume();
        assert_eq!(job.state, ReadState::Reading);
    }

    #[test]
    fn dash_gone_switches_to_legacy_then_format_changed() {
        let settings = ReadSettings::default();
        let s = Synthetic::new(2, 30);
        let mut job = ReadJob::new(ReadMode::Full, &settings);
        assert!(request(&job).url.contains("/dash/connections"));
        let step = job.on_response(&settings, &status(400, None), 0, 0, &nothing_known);
        assert_eq!(
            step,
            Step::SourceGone {
                gone: Source::Dash,
                next: Some(Source::Legacy)
            }
        );
        let Next::Wait { until_ms } = job.next(&settings, &session(), 0) else {
            panic!("a pause before the next source")
        };
        let Next::Request(req) = job.next(&settings, &session(), until_ms) else {
            panic!()
        };
        assert!(req.url.contains("/relationships/connections?start=0"));
        let Step::Done { contacts } =
            job.on_response(&settings, &serve(&s, &req), 0, 0, &nothing_known)
        else {
            panic!()
        };
        assert_eq!(contacts, s.contacts(), "legacy gives the same contacts");
        assert_eq!(job.total, Some(30));

        let mut job = ReadJob::new(ReadMode::Full, &settings);
        job.on_response(&settings, &status(404, None), 0, 0, &nothing_known);
        let step = job.on_response(&settings, &status(404, None), 0, 0, &nothing_known);
        assert_eq!(
            step,
            Step::SourceGone {
                gone: Source::Legacy,
                next: None
            }
        );
        assert_eq!(job.state, ReadState::FormatChanged);
        assert_eq!(job.next(&settings, &session(), u64::MAX), Next::Finished);
    }

    #[test]
    fn unknown_json_counts_as_gone_and_broken_json_retries_first() {
        let settings = ReadSettings::default();
        let mut job = ReadJob::new(ReadMode::Full, &settings);
        let step = job.on_response(&settings, &json("{\"foo\":1}".into()), 0, 0, &nothing_known);
        assert!(matches!(
            step,
            Step::SourceGone {
                next: Some(Source::Legacy),
                ..
            }
        ));
        let mut job = ReadJob::new(ReadMode::Full, &settings);
        let cut = json("{\"data\":{\"*elem".into());
        for _ in 0..2 {
            assert!(matches!(
                job.on_response(&settings, &cut, 0, 0, &nothing_known),
                Step::BackOff {
                    reason: BackOffReason::BadResponse,
                    ..
                }
            ));
        }
        assert!(matches!(
            job.on_response(&settings, &cut, 0, 0, &nothing_known),
            Step::SourceGone { .. }
        ));
    }

    #[test]
    fn network_errors_and_server_errors_back_off() {
        let settings = ReadSettings::default();
        let mut job = ReadJob::new(ReadMode::Full, &settings);
        assert!(matches!(
            job.on_transport_error(&settings, 0, 0),
            Step::BackOff {
                reason: BackOffReason::Network,
                until_ms: 5_000
            }
        ));
        assert!(matches!(
            job.on_response(&settings, &status(503, None), 0, 0, &nothing_known),
            Step::BackOff {
                reason: BackOffReason::ServerError { status: 503 },
                until_ms: 10_000
            }
        ));
    }

    #[test]
    fn a_read_never_goes_past_the_linkedin_cap() {
        let settings = ReadSettings {
            page_size: 100,
            ..ReadSettings::default()
        };
        let mut job = ReadJob::new(ReadMode::Full, &settings);
        job.next_start = MAX_CONNECTIONS - 100;
        let s = Synthetic::new(1, 40_000);
        let req = job.next_request(&settings, &session()).unwrap();
        assert!(matches!(
            job.on_response(&settings, &serve(&s, &req), 0, 0, &nothing_known),
            Step::Done { .. }
        ));
    }
}
