//! What the extension's pages and its service worker say to each other.
//!
//! Pages hold no state and do no network I/O: they send an [`Intent`] and render the [`Reply`]'s
//! [`ViewState`]. Every intent is answered with the full state, so a page is never out of date
//! after acting. A [`Problem`] carries what went wrong in terms of what the ally can do, and
//! names the `_locales` message that says it.

use allyshare_protocol::Me;
use serde::{Deserialize, Serialize};

use crate::api::ApiFailure;

/// A request from a page to the worker. Serialized as `{"intent": "sign_in", ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "intent", rename_all = "snake_case", deny_unknown_fields)]
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
        #[serde(default)]
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
        #[serde(default)]
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

/// What the background work is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// What went wrong, as the ally should hear it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
