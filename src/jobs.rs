//! The persisted job schedule: what background work is due, and who may run it.
//!
//! A service worker is stopped after 30 s idle and may be killed mid-task, so deferred work is
//! not a timer but stored data — the [`Schedule`], part of the job record
//! ([`crate::job::JobRecord`]) in `chrome.storage.local` — driven by one `chrome.alarms` alarm
//! that is re-created at every start (as uBlock Origin Lite does). This module is the
//! schedule and its rules, pure: which job is due, when to wake next, and a *lease* that lets one
//! job run at a time even across worker restarts — a worker that dies leaves a lease that
//! expires, and the next wake-up resumes the job.

use serde::{Deserialize, Serialize};

/// Background jobs, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// "Sync now" from the popup: an incremental read and upload, as soon as possible.
    Manual,
    /// Read everything and reconcile, so removed connections disappear (weekly by default).
    Full,
    /// Read what is new since last time and upload it (daily by default).
    Routine,
    /// Upload what was read, without reading LinkedIn: a network was just switched on.
    Upload,
}

/// How often the routine and full jobs run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cadence {
    pub routine_every_secs: u64,
    pub full_every_secs: u64,
}

impl Default for Cadence {
    fn default() -> Self {
        Cadence {
            routine_every_secs: 24 * 3600,
            full_every_secs: 7 * 24 * 3600,
        }
    }
}

/// A claim on running `kind` until `expires_at` (renewed while the job makes progress), by one
/// service-worker instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub kind: JobKind,
    pub started_at: u64,
    pub expires_at: u64,
    /// The worker instance that holds it (a random id drawn when the worker starts). An
    /// extension has one service worker at a time, so a lease held by another instance was
    /// left by a worker that was stopped: it is taken over at once, not after it expires.
    #[serde(default)]
    pub holder: u64,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The job did all it had to do.
    Done,
    /// Stopped early (rate limit, server trouble, offline): try again at `at` (unix seconds).
    RetryAt(u64),
    /// Cannot go on without the ally (signed out, logged out of LinkedIn): wait for them;
    /// the routine schedule still tries again at its next slot.
    NeedsAlly,
}

/// Seconds a lease lasts without renewal. Each step of a job (one page, one batch) is bounded
/// well under this, so an expired lease means the worker that held it is gone.
pub const LEASE_SECS: u64 = 90;

/// The schedule as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    #[serde(default)]
    pub cadence: Cadence,
    pub last_routine_at: Option<u64>,
    pub last_full_at: Option<u64>,
    /// Set by "Sync now"; cleared when a manual run finishes.
    #[serde(default)]
    pub manual_requested: bool,
    /// Set when a network is switched on; cleared when an upload-only run starts.
    #[serde(default)]
    pub upload_requested: bool,
    /// Work that stopped early waits until then (a rate limit's back-off).
    pub retry_at: Option<u64>,
    /// The job in progress, if any.
    pub lease: Option<Lease>,
    /// The last run stopped for something only the ally can fix.
    #[serde(default)]
    pub waiting_for_ally: bool,
}

impl Schedule {
    /// The schedule of a new install: a first full read is due at once.
    pub fn new(cadence: Cadence) -> Self {
        Schedule {
            cadence,
            ..Schedule::default()
        }
    }

    /// The job that should run at `now`, if any (ignoring the lease).
    pub fn due(&self, now: u64) -> Option<JobKind> {
        if self.retry_at.is_some_and(|t| now < t) {
            return None;
        }
        if self.manual_requested {
            return Some(JobKind::Manual);
        }
        if self.upload_requested {
            return Some(JobKind::Upload);
        }
        let overdue = |last: Option<u64>, every: u64| last.is_none_or(|t| now >= t + every);
        if overdue(self.last_full_at, self.cadence.full_every_secs) {
            return Some(JobKind::Full);
        }
        if overdue(self.last_routine_at, self.cadence.routine_every_secs) {
            return Some(JobKind::Routine);
        }
        None
    }

    /// When the alarm should next wake the worker (unix seconds): the lease's expiry while a
    /// job runs (to resume it if its worker died), else the earliest due time.
    pub fn next_wake(&self, now: u64) -> u64 {
        if let Some(lease) = self.lease {
            if lease.expires_at > now {
                return lease.expires_at;
            }
        }
        let not_before = self.retry_at.unwrap_or(0).max(now);
        if self.manual_requested || self.upload_requested {
            return not_before;
        }
        let at = |last: Option<u64>, every: u64| last.map_or(now, |t| t + every);
        let due = at(self.last_full_at, self.cadence.full_every_secs)
            .min(at(self.last_routine_at, self.cadence.routine_every_secs));
        due.max(not_before)
    }

    /// Takes the lease for the due job, unless a live run of this same worker instance
    /// (`holder`) holds it. The caller must store the schedule before starting the work.
    pub fn try_start(&mut self, now: u64, holder: u64) -> Option<JobKind> {
        if self
            .lease
            .is_some_and(|l| l.expires_at > now && l.holder == holder)
        {
            return None;
        }
        // An expired lease is a run whose worker died: its job is still due, and resumes.
        let kind = match self.lease.take() {
            Some(dead) if self.retry_at.is_none_or(|t| now >= t) => dead.kind,
            _ => self.due(now)?,
        };
        self.lease = Some(Lease {
            kind,
            started_at: now,
            expires_at: now + LEASE_SECS,
            holder,
        });
        // An upload request is taken now, not when the run ends: a network switched on while
        // this upload goes on asks for another one, and must not be lost.
        if kind == JobKind::Upload {
            self.upload_requested = false;
        }
        Some(kind)
    }

    /// Extends the lease of a run that is making progress. Returns false when the lease is
    /// not this run's any more (it expired and another run took over): stop at once.
    pub fn renew(&mut self, kind: JobKind, started_at: u64, holder: u64, now: u64) -> bool {
        match &mut self.lease {
            Some(l) if l.kind == kind && l.started_at == started_at && l.holder == holder => {
                l.expires_at = now + LEASE_SECS;
                true
            }
            _ => false,
        }
    }

    /// Records how a run ended and releases the lease.
    pub fn finish(&mut self, kind: JobKind, outcome: Outcome, now: u64) {
        self.lease = None;
        match outcome {
            Outcome::Done => {
                self.retry_at = None;
                self.waiting_for_ally = false;
                // A full read also covers what a routine read would have found; an upload
                // alone read nothing.
                if kind == JobKind::Full {
                    self.last_full_at = Some(now);
                }
                if kind != JobKind::Upload {
                    self.last_routine_at = Some(now);
                    // A read that just ended covers a "Sync now" asked while it ran.
                    self.manual_requested = false;
                }
            }
            Outcome::NeedsAlly => {
                // The work is still owed (the timestamps stay), but no loop: look again at the
                // next routine slot, or as soon as the ally acts (`request_manual`).
                self.manual_requested = false;
                self.upload_requested = false;
                self.waiting_for_ally = true;
                self.retry_at = Some(now + self.cadence.routine_every_secs);
            }
            Outcome::RetryAt(at) => {
                self.retry_at = Some(at.max(now + 1));
                // An upload that must wait is still owed once the wait is over (a manual
                // run's request stays until it is done).
                if kind == JobKind::Upload {
                    self.upload_requested = true;
                }
            }
        }
    }

    /// A network was switched on: upload what was read, soon. A back-off still holds.
    pub fn request_upload(&mut self) {
        self.upload_requested = true;
    }

    /// "Sync now", or the ally just fixed what a job was waiting for (signed in, logged in to
    /// LinkedIn). A rate limit's back-off still holds.
    pub fn request_manual(&mut self) {
        self.manual_requested = true;
        if self.waiting_for_ally {
            self.waiting_for_ally = false;
            self.retry_at = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 24 * 3600;

    #[test]
    fn a_new_install_reads_everything_first() {
        let s = Schedule::new(Cadence::default());
        assert_eq!(s.due(1_000), Some(JobKind::Full));
        assert_eq!(s.next_wake(1_000), 1_000);
    }

    #[test]
    fn routine_daily_and_full_weekly() {
        let mut s = Schedule::new(Cadence::default());
        let t0 = 1_000_000;
        assert_eq!(s.try_start(t0, 1), Some(JobKind::Full));
        s.finish(JobKind::Full, Outcome::Done, t0);
        assert_eq!(s.due(t0 + 10), None);
        assert_eq!(s.next_wake(t0 + 10), t0 + DAY);
        assert_eq!(s.due(t0 + DAY), Some(JobKind::Routine));
        let mut t = t0;
        for _ in 0..6 {
            t += DAY;
            assert_eq!(s.try_start(t, 1), Some(JobKind::Routine));
            s.finish(JobKind::Routine, Outcome::Done, t);
        }
        assert_eq!(s.due(t0 + 7 * DAY), Some(JobKind::Full));
    }

    #[test]
    fn one_run_at_a_time_and_a_dead_run_resumes_after_its_lease() {
        let mut s = Schedule::new(Cadence::default());
        assert_eq!(s.try_start(100, 1), Some(JobKind::Full));
        // A second wake-up (another alarm, a restarted worker) while the run is alive.
        assert_eq!(s.try_start(101, 1), None);
        assert!(s.renew(JobKind::Full, 100, 1, 150));
        assert_eq!(s.try_start(150 + LEASE_SECS - 1, 1), None);
        assert_eq!(s.next_wake(160), 150 + LEASE_SECS);
        // The worker died: after the lease, the same job resumes under a new lease.
        assert_eq!(s.try_start(150 + LEASE_SECS, 1), Some(JobKind::Full));
        // The dead run, if it somehow comes back, learns it lost the lease.
        assert!(!s.renew(JobKind::Full, 100, 1, 151 + LEASE_SECS));
    }

    #[test]
    fn a_new_worker_takes_over_a_stopped_workers_lease_at_once() {
        let mut s = Schedule::new(Cadence::default());
        assert_eq!(s.try_start(100, 1), Some(JobKind::Full));
        // Worker 1 was stopped mid-run; worker 2 wakes up well before the lease expires.
        assert_eq!(s.try_start(101, 2), Some(JobKind::Full));
        assert_eq!(s.lease.unwrap().holder, 2);
        // Worker 1's run, were it still around, may not go on.
        assert!(!s.renew(JobKind::Full, 100, 1, 102));
        assert!(s.renew(JobKind::Full, 101, 2, 102));
    }

    #[test]
    fn sync_now_goes_first_and_is_cleared_when_done() {
        let mut s = Schedule::new(Cadence::default());
        s.finish(JobKind::Full, Outcome::Done, 1_000);
        s.request_manual();
        assert_eq!(s.due(1_001), Some(JobKind::Manual));
        assert_eq!(s.next_wake(1_001), 1_001);
        assert_eq!(s.try_start(1_001, 1), Some(JobKind::Manual));
        s.finish(JobKind::Manual, Outcome::Done, 1_002);
        assert!(!s.manual_requested);
        assert_eq!(s.due(1_003), None);
    }

    #[test]
    fn a_sync_now_asked_during_a_read_is_covered_by_it() {
        let mut s = Schedule::new(Cadence::default());
        assert_eq!(s.try_start(1_000, 1), Some(JobKind::Full));
        s.request_manual();
        s.finish(JobKind::Full, Outcome::Done, 1_005);
        assert_eq!(s.due(1_005), None, "no second read right after the first");
    }

    #[test]
    fn a_network_switched_on_during_an_upload_gets_its_own_upload() {
        let mut s = Schedule::new(Cadence::default());
        s.finish(JobKind::Full, Outcome::Done, 1_000);
        s.request_upload();
        assert_eq!(s.try_start(1_001, 1), Some(JobKind::Upload));
        s.request_upload();
        s.finish(JobKind::Upload, Outcome::Done, 1_005);
        assert_eq!(s.due(1_005), Some(JobKind::Upload));
    }

    #[test]
    fn switching_a_network_on_asks_for_an_upload_that_reads_nothing() {
        let mut s = Schedule::new(Cadence::default());
        s.finish(JobKind::Full, Outcome::Done, 1_000);
        s.request_upload();
        assert_eq!(s.next_wake(1_001), 1_001);
        assert_eq!(s.try_start(1_001, 1), Some(JobKind::Upload));
        assert!(!s.upload_requested);
        s.finish(JobKind::Upload, Outcome::Done, 1_002);
        assert_eq!(s.last_routine_at, Some(1_000), "no read happened");
        assert_eq!(s.due(1_003), None);
        // An upload that must wait for the server is still owed afterwards.
        s.request_upload();
        s.try_start(1_003, 1);
        s.finish(JobKind::Upload, Outcome::RetryAt(1_010), 1_004);
        assert_eq!(s.due(1_009), None);
        assert_eq!(s.due(1_010), Some(JobKind::Upload));
    }

    #[test]
    fn a_manual_run_that_must_wait_is_still_owed_after_the_wait() {
        let mut s = Schedule::new(Cadence::default());
        s.finish(JobKind::Full, Outcome::Done, 1_000);
        s.request_manual();
        assert_eq!(s.try_start(1_001, 1), Some(JobKind::Manual));
        s.finish(JobKind::Manual, Outcome::RetryAt(1_060), 1_002);
        assert_eq!(s.due(1_059), None);
        assert_eq!(s.due(1_060), Some(JobKind::Manual));
    }

    #[test]
    fn a_back_off_is_respected_then_the_job_resumes() {
        let mut s = Schedule::new(Cadence::default());
        assert_eq!(s.try_start(1_000, 1), Some(JobKind::Full));
        s.finish(JobKind::Full, Outcome::RetryAt(1_600), 1_010);
        assert_eq!(s.due(1_599), None);
        assert_eq!(s.try_start(1_599, 1), None);
        assert_eq!(s.next_wake(1_100), 1_600);
        // Even "Sync now" waits out a rate limit: hammering LinkedIn is never the answer.
        s.request_manual();
        assert_eq!(s.due(1_500), None);
        assert_eq!(s.due(1_600), Some(JobKind::Manual));
    }

    #[test]
    fn a_retry_time_in_the_past_cannot_make_a_hot_loop() {
        let mut s = Schedule::new(Cadence::default());
        s.try_start(1_000, 1);
        s.finish(JobKind::Full, Outcome::RetryAt(0), 1_000);
        assert_eq!(s.retry_at, Some(1_001));
    }

    #[test]
    fn needing_the_ally_waits_for_the_next_slot() {
        let mut s = Schedule::new(Cadence::default());
        s.try_start(1_000, 1);
        s.finish(JobKind::Full, Outcome::NeedsAlly, 1_000);
        assert_eq!(s.due(1_001), None, "no retry loop while logged out");
        assert_eq!(s.next_wake(1_001), 1_000 + DAY);
        assert_eq!(
            s.due(1_000 + DAY),
            Some(JobKind::Full),
            "the first read is still owed"
        );
        // The ally logged in again: no need to wait for tomorrow.
        s.request_manual();
        assert_eq!(s.due(1_002), Some(JobKind::Manual));
    }

    #[test]
    fn survives_storage_as_json() {
        let mut s = Schedule::new(Cadence::default());
        s.try_start(5, 1);
        let text = serde_json::to_string(&s).unwrap();
        let back: Schedule = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
        // An older record without the newer fields still loads.
        let old: Schedule = serde_json::from_str(r#"{"last_routine_at":3}"#).unwrap();
        assert_eq!(old.cadence, Cadence::default());
    }
}
