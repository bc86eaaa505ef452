//! What the extension's pages and its service worker say to each other.
//!
//! Pages hold no state and do no network I/O: they send an [`Intent`] and render the [`Reply`]'s
//! [`ViewState`]. Every intent is answered with the full state, so a page is never out of date
//! after acting. A [`Problem`] carries what went wrong in terms of what the ally can do, and
//! names the `_locales` message that says it.

use allyshare_protocol::Me;
use serde::{Deserialize, Serialize};

use crate::api::ApiFailure;
use crate::tagged::{self, Fields};

/// A request from a page to the worker. Serialized as `{"intent": "sign_in", ...}`; read by
/// [`Intent::from_fields`], which refuses unknown fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "intent", rename_all = "snake_case")]
pub enum Intent {
    /// The state as stored; no network. Answered fast, for the first paint.
    GetState,
    /// Re-read the person and their networks from the backend.
    Refresh,
    SignIn {
        email: String,
        password: String,
    },
    SignOut,
    /// Use another backend (options page). Signs out of the previous one.
    SetBackendUrl {
        url: String,
    },
    /// Read LinkedIn and upload what is new, now (also: "I have logged in to LinkedIn").
    SyncNow,
    /// Share (or stop sharing) with one network.
    SetSharing {
        network_id: i64,
        sharing: bool,
    },
    /// Stop sharing with every network: the server deletes the contacts, and so does the
    /// extension.
    StopSharing,
    /// The text of a `Connections.csv` export, chosen in a file picker.
    ImportCsv {
        text: String,
    },
    /// A page of the contacts read (for the preview, exclusions and export), optionally
    /// filtered by a search in name and headline. Answered in [`Reply::contacts`].
    GetContacts {
        offset: u32,
        limit: u32,
        query: Option<String>,
    },
    /// Keep one contact out of what is shared (or put it back).
    SetExcluded {
        key: String,
        excluded: bool,
    },
    /// The ally's introduction asks, from the backend. Answered in [`Reply::asks`].
    GetAsks,
    /// Answer an ask: made, or declined (with an optional reason).
    AnswerAsk {
        ask_id: i64,
        made: bool,
        reason: Option<String>,
    },
    /// How often the routine and full syncs run.
    SetCadence {
        routine_hours: u32,
        full_days: u32,
    },
    /// Look whether the ally is logged in to LinkedIn in this browser (its session cookie),
    /// without reading anything: onboarding asks this while the ally logs in.
    CheckLinkedIn,
    /// "Continue as …": the hand-off in [`ViewState::pending_sign_in`] becomes the session.
    /// `email` is the account the page showed; another one pending instead is not confirmed.
    ConfirmSignIn {
        email: String,
    },
    /// "Not me": the pending hand-off is revoked at the server and forgotten.
    DeclineSignIn,
    /// The ally's preferences, from the backend. Answered in [`Reply::preferences`].
    GetPreferences,
    /// Email the ally when a network asks them for an introduction (or not). Answered in
    /// [`Reply::preferences`], as the backend stored them.
    SetAskEmails {
        on: bool,
    },
}

impl Intent {
    /// Whether the worker should run its jobs after answering.
    pub fn starts_work(&self) -> bool {
        matches!(
            self,
            Intent::SyncNow
                | Intent::SetSharing { sharing: true, .. }
                | Intent::ImportCsv { .. }
                | Intent::SignIn { .. }
                | Intent::ConfirmSignIn { .. }
        )
    }
}

tagged::deserialize_by_fields!(Intent, Phase, Problem);

impl Intent {
    /// An intent from its object's entries ([`crate::tagged`]); unknown fields are refused.
    pub fn from_fields(f: &mut Fields) -> Result<Intent, String> {
        let intent = match f.tag("intent")?.as_str() {
            "get_state" => Intent::GetState,
            "refresh" => Intent::Refresh,
            "sign_in" => Intent::SignIn {
                email: f.string("email")?,
                password: f.string("password")?,
            },
            "sign_out" => Intent::SignOut,
            "set_backend_url" => Intent::SetBackendUrl {
                url: f.string("url")?,
            },
            "sync_now" => Intent::SyncNow,
            "set_sharing" => Intent::SetSharing {
                network_id: f.i64("network_id")?,
                sharing: f.bool("sharing")?,
            },
            "stop_sharing" => Intent::StopSharing,
            "import_csv" => Intent::ImportCsv {
                text: f.string("text")?,
            },
            "get_contacts" => Intent::GetContacts {
                offset: f.u32("offset")?,
                limit: f.u32("limit")?,
                query: f.opt_string("query")?,
            },
            "set_excluded" => Intent::SetExcluded {
                key: f.string("key")?,
                excluded: f.bool("excluded")?,
            },
            "get_asks" => Intent::GetAsks,
            "answer_ask" => Intent::AnswerAsk {
                ask_id: f.i64("ask_id")?,
                made: f.bool("made")?,
                reason: f.opt_string("reason")?,
            },
            "set_cadence" => Intent::SetCadence {
                routine_hours: f.u32("routine_hours")?,
                full_days: f.u32("full_days")?,
            },
            "check_linked_in" => Intent::CheckLinkedIn,
            "confirm_sign_in" => Intent::ConfirmSignIn {
                email: f.string("email")?,
            },
            "decline_sign_in" => Intent::DeclineSignIn,
            "get_preferences" => Intent::GetPreferences,
            "set_ask_emails" => Intent::SetAskEmails { on: f.bool("on")? },
            other => return Err(Fields::unknown_variant("intent", other)),
        };
        f.no_others()?;
        Ok(intent)
    }
}

/// What the background work is doing. Read by [`Phase::from_fields`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    #[default]
    Idle,
    /// Reading LinkedIn: `read` of `total` connections.
    Reading { read: u32, total: Option<u32> },
    /// Uploading: `sent` of `total` contacts.
    Uploading { sent: u32, total: u32 },
    /// Paused by a rate limit or server trouble; resumes by itself.
    Waiting { until_ms: u64 },
}

impl Phase {
    /// A phase from its object's entries ([`crate::tagged`]).
    pub fn from_fields(f: &mut Fields) -> Result<Phase, String> {
        Ok(match f.tag("phase")?.as_str() {
            "idle" => Phase::Idle,
            "reading" => Phase::Reading {
                read: f.u32("read")?,
                total: f.opt_u32("total")?,
            },
            "uploading" => Phase::Uploading {
                sent: f.u32("sent")?,
                total: f.u32("total")?,
            },
            "waiting" => Phase::Waiting {
                until_ms: f.u64("until_ms")?,
            },
            other => return Err(Fields::unknown_variant("phase", other)),
        })
    }
}

/// The LinkedIn session, as last seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkedInState {
    /// Not looked at yet.
    #[default]
    Unknown,
    Connected,
    /// Log in to LinkedIn, then sync again.
    LoggedOut,
    /// LinkedIn asked to slow down; reading resumes by itself.
    Busy,
    /// LinkedIn changed its format: the CSV import is the way on.
    FormatChanged,
}

/// The background work at a glance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncView {
    pub phase: Phase,
    /// Contacts the extension has read (before exclusions).
    pub contacts: u32,
    /// Contacts the server has acknowledged.
    pub shared: u32,
    /// Progress of the current (or last) read.
    pub read_so_far: u32,
    pub read_total: Option<u32>,
    /// Unix seconds.
    pub last_sync_at: Option<u64>,
    /// Unix seconds.
    pub next_sync_at: Option<u64>,
    pub linkedin: LinkedInState,
    /// The last background problem, until a sync succeeds.
    pub problem: Option<Problem>,
}

/// Everything a page needs to render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewState {
    pub signed_in: bool,
    /// The person and their networks, as last read from the backend.
    pub me: Option<Me>,
    pub backend_url: String,
    pub default_backend_url: String,
    #[serde(default)]
    pub sync: SyncView,
    /// Introduction asks still waiting for an answer (as last read).
    #[serde(default)]
    pub pending_asks: u32,
    /// Hours between routine syncs, days between full ones.
    #[serde(default)]
    pub cadence: Option<(u32, u32)>,
    /// Signed out, with a hand-off from the Get Started page waiting: the account it would sign
    /// into, for the ally to confirm or decline.
    #[serde(default)]
    pub pending_sign_in: Option<crate::handoff::SignInQuestion>,
}

/// Whether the person shares with at least one network.
pub fn shares_anywhere(me: Option<&Me>) -> bool {
    me.iter().flat_map(|m| &m.networks).any(|n| n.sharing)
}

/// One contact, as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRow {
    pub key: String,
    pub name: String,
    pub headline: Option<String>,
    pub profile_url: String,
    pub connected_on: Option<String>,
    pub excluded: bool,
}

/// A page of contacts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPage {
    /// Contacts matching the query (all of them without one).
    pub total: u32,
    /// How many are excluded, in all.
    pub excluded: u32,
    pub items: Vec<ContactRow>,
}

impl ViewState {
    /// Whether the ally shares with at least one network.
    pub fn sharing_anywhere(&self) -> bool {
        shares_anywhere(self.me.as_ref())
    }

    /// The toolbar badge: the number of asks waiting for an answer, else `!` when the ally
    /// must act for sharing to go on (log in to LinkedIn, or import a CSV), else nothing.
    pub fn badge_text(&self) -> String {
        if !self.signed_in {
            return String::new();
        }
        if self.pending_asks > 0 {
            return if self.pending_asks > 99 {
                "99+".into()
            } else {
                self.pending_asks.to_string()
            };
        }
        let stuck = matches!(
            self.sync.linkedin,
            LinkedInState::LoggedOut | LinkedInState::FormatChanged
        ) || matches!(self.sync.problem, Some(Problem::SessionEnded));
        if stuck && self.sharing_anywhere() {
            "!".into()
        } else {
            String::new()
        }
    }

    /// The state of a signed-out extension (also what a page shows when the worker is silent).
    pub fn signed_out(backend_url: &str) -> ViewState {
        ViewState {
            signed_in: false,
            me: None,
            backend_url: backend_url.to_string(),
            default_backend_url: crate::settings::DEFAULT_BACKEND_URL.to_string(),
            sync: SyncView::default(),
            pending_asks: 0,
            cadence: None,
            pending_sign_in: None,
        }
    }
}

/// The worker's answer to every intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub state: ViewState,
    pub problem: Option<Problem>,
    /// The answer to [`Intent::GetContacts`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<ContactPage>,
    /// The answer to [`Intent::GetAsks`] (and [`Intent::AnswerAsk`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asks: Option<Vec<allyshare_protocol::IntroAsk>>,
    /// The answer to [`Intent::GetPreferences`] and [`Intent::SetAskEmails`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferences: Option<allyshare_protocol::Preferences>,
}

/// What went wrong, as the ally should hear it. Read by [`Problem::from_fields`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Problem {
    /// Check the email and password.
    InvalidCredentials,
    /// The backend could not be reached: check the connection or the server address.
    Unreachable { url: String },
    /// The session ended: sign in again.
    SessionEnded,
    /// The hand-off to confirm is gone (expired, or replaced): sign in with the password.
    HandoffExpired,
    /// The backend failed or is busy: try again later.
    Server,
    /// The server address typed in the options page is not usable.
    InvalidUrl { reason: String },
    /// The extension lacks permission to reach that server (the ally declined it).
    PermissionDenied { url: String },
    /// The chosen file is not a usable LinkedIn export.
    CsvUnreadable { detail: String },
    /// Anything else, with the detail for a bug report.
    Unexpected { detail: String },
}

impl Problem {
    /// A problem from its object's entries ([`crate::tagged`]).
    pub fn from_fields(f: &mut Fields) -> Result<Problem, String> {
        Ok(match f.tag("code")?.as_str() {
            "invalid_credentials" => Problem::InvalidCredentials,
            "unreachable" => Problem::Unreachable {
                url: f.string("url")?,
            },
            "session_ended" => Problem::SessionEnded,
            "handoff_expired" => Problem::HandoffExpired,
            "server" => Problem::Server,
            "invalid_url" => Problem::InvalidUrl {
                reason: f.string("reason")?,
            },
            "permission_denied" => Problem::PermissionDenied {
                url: f.string("url")?,
            },
            "csv_unreadable" => Problem::CsvUnreadable {
                detail: f.string("detail")?,
            },
            "unexpected" => Problem::Unexpected {
                detail: f.string("detail")?,
            },
            other => return Err(Fields::unknown_variant("code", other)),
        })
    }
}

impl Problem {
    /// Translates a backend failure for the ally.
    pub fn from_api(failure: &ApiFailure, backend_url: &str) -> Problem {
        match failure {
            ApiFailure::InvalidCredentials => Problem::InvalidCredentials,
            ApiFailure::Unauthorized | ApiFailure::SessionEnded => Problem::SessionEnded,
            ApiFailure::Unreachable(_) => Problem::Unreachable {
                url: backend_url.to_string(),
            },
            ApiFailure::RateLimited | ApiFailure::Server { .. } => Problem::Server,
            ApiFailure::Refused { message, .. } => Problem::Unexpected {
                detail: message.clone(),
            },
            ApiFailure::BadResponse(detail) => Problem::Unexpected {
                detail: format!("{backend_url}: {detail}"),
            },
        }
    }

    /// The `_locales` message name that explains this problem, and its substitutions.
    pub fn message(&self) -> (&'static str, Vec<String>) {
        match self {
            Problem::InvalidCredentials => ("errorInvalidCredentials", vec![]),
            Problem::Unreachable { url } => ("errorNetwork", vec![url.clone()]),
            Problem::SessionEnded => ("errorSessionExpired", vec![]),
            Problem::HandoffExpired => ("errorHandoffExpired", vec![]),
            Problem::Server => ("errorServer", vec![]),
            Problem::InvalidUrl { .. } => ("invalidUrl", vec![]),
            Problem::PermissionDenied { url } => ("errorPermission", vec![url.clone()]),
            Problem::CsvUnreadable { detail } => ("errorCsv", vec![detail.clone()]),
            Problem::Unexpected { detail } => ("errorUnexpected", vec![detail.clone()]),
        }
    }
}

/// Whether `n` takes the singular in `language` (a BCP 47 tag such as `en-US` or `fr`).
/// `chrome.i18n` has no plural rules, so messages with a count come in two: `name` and
/// `nameOne`. French (and the other languages that say "0 contact") use the singular for 0
/// and 1; English and the rest of our locales for 1 only.
pub fn is_singular(language: &str, n: u32) -> bool {
    let primary = language.split(['-', '_']).next().unwrap_or("");
    match primary.to_ascii_lowercase().as_str() {
        "fr" | "pt" => n <= 1,
        _ => n == 1,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn singular_follows_each_language_rule() {
        use super::is_singular;
        assert!(is_singular("en-US", 1));
        assert!(!is_singular("en", 0));
        assert!(!is_singular("en-GB", 2));
        assert!(is_singular("fr", 0));
        assert!(is_singular("fr-FR", 1));
        assert!(!is_singular("fr_CA", 2));
        assert!(!is_singular("", 0));
    }

    use super::*;

    fn sharing_state(sharing: bool) -> ViewState {
        let mut s = ViewState::signed_out("http://127.0.0.1:8787");
        s.signed_in = true;
        s.me = Some(Me {
            person: allyshare_protocol::Person {
                id: 1,
                name: "Ada".into(),
                email: "ada@example.org".into(),
            },
            networks: vec![allyshare_protocol::NetworkMembership {
                id: 7,
                name: "Sales Network".into(),
                role: allyshare_protocol::Role::Ally,
                sharing,
                joined_at: 0,
            }],
        });
        s
    }

    #[test]
    fn the_badge_counts_asks_then_says_when_to_act() {
        let mut s = sharing_state(true);
        assert_eq!(s.badge_text(), "");
        s.sync.linkedin = LinkedInState::LoggedOut;
        assert_eq!(s.badge_text(), "!");
        s.pending_asks = 3;
        assert_eq!(s.badge_text(), "3", "asks first");
        s.pending_asks = 120;
        assert_eq!(s.badge_text(), "99+");
        // Not sharing: LinkedIn being logged out blocks nothing.
        let mut quiet = sharing_state(false);
        quiet.sync.linkedin = LinkedInState::LoggedOut;
        assert_eq!(quiet.badge_text(), "");
        assert_eq!(
            ViewState::signed_out("http://127.0.0.1:8787").badge_text(),
            ""
        );
    }

    #[test]
    fn intents_have_a_stable_wire_form() {
        let i: Intent =
            serde_json::from_str(r#"{"intent":"sign_in","email":"a@b.c","password":"x"}"#).unwrap();
        assert_eq!(
            i,
            Intent::SignIn {
                email: "a@b.c".into(),
                password: "x".into()
            }
        );
        assert_eq!(
            serde_json::to_string(&Intent::GetState).unwrap(),
            r#"{"intent":"get_state"}"#
        );
        assert_eq!(
            serde_json::from_str::<Intent>(r#"{"intent":"set_ask_emails","on":false}"#).unwrap(),
            Intent::SetAskEmails { on: false }
        );
    }

    /// Every variant of the three tagged enums once. The `match`es make a new variant a compile
    /// error here until it has a sample, and so a reader arm (which the round trip checks).
    fn every_variant() -> (Vec<Intent>, Vec<Phase>, Vec<Problem>) {
        let s = || "a \"b\" é".to_string();
        let intents = vec![
            Intent::GetState,
            Intent::Refresh,
            Intent::SignIn {
                email: s(),
                password: s(),
            },
            Intent::SignOut,
            Intent::SetBackendUrl { url: s() },
            Intent::SyncNow,
            Intent::SetSharing {
                network_id: -7,
                sharing: true,
            },
            Intent::StopSharing,
            Intent::ImportCsv { text: s() },
            Intent::GetContacts {
                offset: 3,
                limit: u32::MAX,
                query: Some(s()),
            },
            Intent::GetContacts {
                offset: 0,
                limit: 50,
                query: None,
            },
            Intent::SetExcluded {
                key: s(),
                excluded: false,
            },
            Intent::GetAsks,
            Intent::AnswerAsk {
                ask_id: i64::MAX,
                made: false,
                reason: Some(s()),
            },
            Intent::AnswerAsk {
                ask_id: 1,
                made: true,
                reason: None,
            },
            Intent::SetCadence {
                routine_hours: 6,
                full_days: 7,
            },
            Intent::CheckLinkedIn,
            Intent::ConfirmSignIn { email: s() },
            Intent::DeclineSignIn,
            Intent::GetPreferences,
            Intent::SetAskEmails { on: true },
        ];
        let covered: std::collections::BTreeSet<u8> = intents
            .iter()
            .map(|i| match i {
                Intent::GetState => 0,
                Intent::Refresh => 1,
                Intent::SignIn { .. } => 2,
                Intent::SignOut => 3,
                Intent::SetBackendUrl { .. } => 4,
                Intent::SyncNow => 5,
                Intent::SetSharing { .. } => 6,
                Intent::StopSharing => 7,
                Intent::ImportCsv { .. } => 8,
                Intent::GetContacts { .. } => 9,
                Intent::SetExcluded { .. } => 10,
                Intent::GetAsks => 11,
                Intent::AnswerAsk { .. } => 12,
                Intent::SetCadence { .. } => 13,
                Intent::CheckLinkedIn => 14,
                Intent::ConfirmSignIn { .. } => 15,
                Intent::DeclineSignIn => 16,
                Intent::GetPreferences => 17,
                Intent::SetAskEmails { .. } => 18,
            })
            .collect();
        assert_eq!(covered.len(), 19, "a sample for every intent");
        let phases = vec![
            Phase::Idle,
            Phase::Reading {
                read: 1,
                total: Some(2),
            },
            Phase::Reading {
                read: 0,
                total: None,
            },
            Phase::Uploading { sent: 5, total: 9 },
            Phase::Waiting { until_ms: u64::MAX },
        ];
        let covered: std::collections::BTreeSet<u8> = phases
            .iter()
            .map(|p| match p {
                Phase::Idle => 0,
                Phase::Reading { .. } => 1,
                Phase::Uploading { .. } => 2,
                Phase::Waiting { .. } => 3,
            })
            .collect();
        assert_eq!(covered.len(), 4, "a sample for every phase");
        let problems = vec![
            Problem::InvalidCredentials,
            Problem::Unreachable { url: s() },
            Problem::SessionEnded,
            Problem::HandoffExpired,
            Problem::Server,
            Problem::InvalidUrl { reason: s() },
            Problem::PermissionDenied { url: s() },
            Problem::CsvUnreadable { detail: s() },
            Problem::Unexpected { detail: s() },
        ];
        let covered: std::collections::BTreeSet<u8> = problems
            .iter()
            .map(|p| match p {
                Problem::InvalidCredentials => 0,
                Problem::Unreachable { .. } => 1,
                Problem::SessionEnded => 2,
                Problem::HandoffExpired => 3,
                Problem::Server => 4,
                Problem::InvalidUrl { .. } => 5,
                Problem::PermissionDenied { .. } => 6,
                Problem::CsvUnreadable { .. } => 7,
                Problem::Unexpected { .. } => 8,
            })
            .collect();
        assert_eq!(covered.len(), 9, "a sample for every problem");
        (intents, phases, problems)
    }

    fn round_trips<T>(values: &[T])
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        for value in values {
            let text = crate::json::to_string(value).unwrap();
            assert_eq!(&crate::json::from_str::<T>(&text).unwrap(), value, "{text}");
            assert_eq!(&serde_json::from_str::<T>(&text).unwrap(), value, "{text}");
            assert_eq!(serde_json::to_string(value).unwrap(), text);
        }
    }

    #[test]
    fn every_tagged_variant_reads_back_what_it_writes() {
        let (intents, phases, problems) = every_variant();
        round_trips(&intents);
        round_trips(&phases);
        round_trips(&problems);
        // The tag need not come first (JS objects and other writers order keys as they like).
        assert_eq!(
            crate::json::from_str::<Phase>(r#"{"total":9,"sent":5,"phase":"uploading"}"#).unwrap(),
            Phase::Uploading { sent: 5, total: 9 }
        );
    }

    #[test]
    fn unknown_fields_are_refused_in_intents_only() {
        let extra = r#"{"intent":"get_state","x":1}"#;
        assert!(crate::json::from_str::<Intent>(extra).is_err());
        assert!(serde_json::from_str::<Intent>(extra).is_err());
        assert_eq!(
            crate::json::from_str::<Phase>(r#"{"phase":"waiting","until_ms":5,"x":1}"#).unwrap(),
            Phase::Waiting { until_ms: 5 }
        );
        assert_eq!(
            crate::json::from_str::<Problem>(r#"{"code":"server","x":"y"}"#).unwrap(),
            Problem::Server
        );
        for bad in [
            r#"{"phase":"reading","read":-1}"#,
            r#"{"phase":"reading","read":"1"}"#,
            r#"{"phase":"sleeping"}"#,
            r#"{"code":"unreachable"}"#,
            r#"{"code":7}"#,
        ] {
            assert!(crate::json::from_str::<Phase>(bad).is_err(), "{bad}");
            assert!(crate::json::from_str::<Problem>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn malformed_intents_are_refused() {
        for bad in [
            r#"{"intent":"launch_missiles"}"#,
            r#"{"intent":"sign_in","email":"a@b.c"}"#,
            r#"{"email":"a@b.c"}"#,
            r#"[]"#,
        ] {
            assert!(serde_json::from_str::<Intent>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_failure_maps_to_a_message() {
        let url = "http://127.0.0.1:8787";
        assert_eq!(
            Problem::from_api(&ApiFailure::Unreachable("refused".into()), url).message(),
            ("errorNetwork", vec![url.to_string()])
        );
        assert_eq!(
            Problem::from_api(&ApiFailure::Unauthorized, url)
                .message()
                .0,
            "errorSessionExpired"
        );
        assert_eq!(
            Problem::from_api(&ApiFailure::Server { status: 502 }, url)
                .message()
                .0,
            "errorServer"
        );
        assert_eq!(
            Problem::from_api(&ApiFailure::InvalidCredentials, url)
                .message()
                .0,
            "errorInvalidCredentials"
        );
    }
}

/// Who sent a message, as the browser reports it (`runtime.MessageSender`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Sender {
    pub id: Option<String>,
    pub url: Option<String>,
    /// The tab of a content script's page; none for the extension's own pages' messages
    /// (popup, options) — an extension page in a tab has one too.
    #[serde(default)]
    pub tab: Option<SenderTab>,
    /// The frame of a content script: 0 is the tab's top frame.
    #[serde(default, rename = "frameId")]
    pub frame_id: Option<i64>,
}

/// The part of `runtime.MessageSender.tab` the checks read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SenderTab {
    pub id: Option<i64>,
}

/// The origin (`scheme://host[:port]`) of an absolute http(s) URL; `None` for anything else
/// (no scheme, credentials in it, an empty host).
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// The page origin of a hand-off message relayed by our own content script (Firefox, which
/// has no `externally_connectable`: `extension/firefox/handoff-content.js`): our extension,
/// from a tab's top frame, on a web page (not one of ours). The browser sets every field, so
/// a page cannot claim another origin; whether that origin is the backend's is
/// [`crate::handoff::from_backend`]'s to say, as for Chrome's external messages.
pub fn relayed_page_origin(sender: &Sender, own_id: &str, own_base: &str) -> Option<String> {
    if sender.id.as_deref() != Some(own_id) || own_id.is_empty() {
        return None;
    }
    sender.tab.as_ref()?;
    if sender.frame_id != Some(0) {
        return None;
    }
    let url = sender.url.as_deref()?;
    if !own_base.is_empty() && url.starts_with(own_base) {
        return None;
    }
    origin_of(url)
}

/// Only the extension's own pages (popup, options, onboarding) may send intents: not web
/// pages, not other extensions, and not content scripts (which run inside LinkedIn's pages).
/// `own_base` is the extension's base URL, `chrome-extension://<id>/`.
pub fn is_extension_page(sender: &Sender, own_id: &str, own_base: &str) -> bool {
    sender.id.as_deref() == Some(own_id)
        && !own_base.is_empty()
        && sender
            .url
            .as_deref()
            .is_some_and(|url| url.starts_with(own_base))
}

#[cfg(test)]
mod sender_tests {
    use super::*;

    const ID: &str = "abcdefghijklmnopabcdefghijklmnop";
    const BASE: &str = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/";

    fn sender(id: Option<&str>, url: Option<&str>) -> Sender {
        Sender {
            id: id.map(Into::into),
            url: url.map(Into::into),
            ..Sender::default()
        }
    }

    /// A content script's message from a tab's frame.
    fn from_tab(id: &str, url: &str, frame_id: i64) -> Sender {
        Sender {
            id: Some(id.into()),
            url: Some(url.into()),
            tab: Some(SenderTab { id: Some(4) }),
            frame_id: Some(frame_id),
        }
    }

    #[test]
    fn a_relayed_hand_off_names_the_page_origin_the_browser_reported() {
        let guide = "http://127.0.0.1:8787/invite/abc?x=1#top";
        assert_eq!(
            relayed_page_origin(&from_tab(ID, guide, 0), ID, BASE).as_deref(),
            Some("http://127.0.0.1:8787")
        );
        assert_eq!(
            relayed_page_origin(
                &from_tab(ID, "https://Backend.example.org/handoff", 0),
                ID,
                BASE
            )
            .as_deref(),
            Some("https://backend.example.org")
        );
    }

    #[test]
    fn a_relay_from_anywhere_else_is_not_heard() {
        let guide = "http://127.0.0.1:8787/invite/abc";
        // Another extension's content script.
        assert_eq!(
            relayed_page_origin(&from_tab("other", guide, 0), ID, BASE),
            None
        );
        // A frame inside the page.
        assert_eq!(relayed_page_origin(&from_tab(ID, guide, 3), ID, BASE), None);
        // Not from a tab: one of our pages, or the worker.
        assert_eq!(
            relayed_page_origin(&sender(Some(ID), Some(guide)), ID, BASE),
            None
        );
        // One of our own pages shown in a tab.
        let own = format!("{BASE}onboarding.html");
        assert_eq!(relayed_page_origin(&from_tab(ID, &own, 0), ID, BASE), None);
        // Not a web page, or a URL with credentials in it.
        assert_eq!(
            relayed_page_origin(&from_tab(ID, "file:///tmp/x.html", 0), ID, BASE),
            None
        );
        assert_eq!(
            relayed_page_origin(
                &from_tab(ID, "http://127.0.0.1:8787@evil.example/", 0),
                ID,
                BASE
            ),
            None
        );
        assert_eq!(relayed_page_origin(&from_tab(ID, guide, 0), "", BASE), None);
    }

    #[test]
    fn own_pages_are_trusted() {
        let popup = format!("{BASE}popup.html");
        assert!(is_extension_page(&sender(Some(ID), Some(&popup)), ID, BASE));
    }

    #[test]
    fn everyone_else_is_not() {
        let linkedin = "https://www.linkedin.com/mynetwork/";
        let other = "chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba/popup.html";
        // A content script of ours, on a LinkedIn page.
        assert!(!is_extension_page(
            &sender(Some(ID), Some(linkedin)),
            ID,
            BASE
        ));
        // Another extension, or a web page through externally_connectable.
        assert!(!is_extension_page(
            &sender(Some("x"), Some(other)),
            ID,
            BASE
        ));
        assert!(!is_extension_page(&sender(None, Some(linkedin)), ID, BASE));
        // A look-alike URL with our id as a prefix of another host.
        let lookalike = format!("chrome-extension://{ID}x/popup.html");
        assert!(!is_extension_page(
            &sender(Some(ID), Some(&lookalike)),
            ID,
            BASE
        ));
        assert!(!is_extension_page(&sender(Some(ID), None), ID, BASE));
        assert!(!is_extension_page(
            &sender(Some(ID), Some(&format!("{BASE}p"))),
            ID,
            ""
        ));
    }
}
