//! Reading the ally's LinkedIn connections — sans-IO.
//!
//! LinkedIn has no public API for this, and changes what it has without notice. So every source
//! is a small reader that builds plain [`HttpRequest`](crate::http::HttpRequest)s and turns plain
//! responses into [`ContactRecord`](crate::contacts::ContactRecord)s, treats every field as optional, and
//! reports a format it does not understand as such (never a crash, never a silent zero). The
//! sources, best first (`shared/linkedin-facts.md` has what each looks like):
//!
//! 1. [`dash`] — the Voyager connections list the web client uses (normalized JSON, newest first);
//! 2. [`legacy`] — the older Voyager list, used when the first answers 400/404/410;
//! 3. [`csv`] — the ally's own `Connections.csv` export: needs no session at all.
//!
//! [`read::ReadJob`] is the state machine that drives 1 and 2 page by page — pacing, backoff,
//! logged-out detection, the switch from one source to the next, the incremental stop — as plain
//! serde data the worker saves after every page. [`session`] holds the cookie and response rules,
//! [`summary`] the total for the progress bar, [`synthetic`] a deterministic generator of
//! connections in every shape for tests, the fake LinkedIn and benchmarks.

pub mod csv;
pub mod dash;
mod dash_typed;
pub mod fallback;
pub mod legacy;
pub mod read;
pub mod session;
pub mod summary;
pub mod synthetic;

#[cfg(test)]
mod fixture_tests;

use crate::json::Value;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::contacts::ContactRecord;

/// The LinkedIn origin every request goes to.
pub const LINKEDIN_ORIGIN: &str = "https://www.linkedin.com";

/// The decoration the web client used when this was written. Decorations rotate (-5, -15, -16
/// have been seen) and a stale one answers 400: it is a setting so a new one can be shipped
/// without code, and the reader falls back to [`legacy`] meanwhile.
pub const DEFAULT_DECORATION_ID: &str =
    "com.linkedin.voyager.dash.deco.web.mynetwork.ConnectionListWithProfile-16";

/// LinkedIn caps connections at 30,000: a read never goes past this many, whatever the answers say.
pub const MAX_CONNECTIONS: u32 = 30_000;

/// How reads are made. Stored with the extension's settings; every field has a default, so an
/// older stored copy still loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReadSettings {
    /// `https://www.linkedin.com` (the fake LinkedIn is reached under the same name).
    pub origin: String,
    /// The `decorationId` of the dash connections list.
    pub decoration_id: String,
    /// Connections per page (the web client asks for 40).
    pub page_size: u32,
    /// The pause between two pages is drawn between these two, in milliseconds.
    pub pause_min_ms: u64,
    pub pause_max_ms: u64,
    /// First wait after a 429 (or a server error); doubles with each one in a row.
    pub backoff_rate_limited_ms: u64,
    /// First wait after a 999 ("request denied"): longer, LinkedIn is blocking.
    pub backoff_denied_ms: u64,
    /// No single wait is longer than this.
    pub backoff_max_ms: u64,
    /// Full reads overlap their pages by one connection, so a list that changes under the read
    /// (a connection removed meanwhile) misses no one — at the cost of about 1 request in 40
    /// more. Off by default: one request per page.
    pub overlap_full_reads: bool,
}

impl Default for ReadSettings {
    fn default() -> Self {
        ReadSettings {
            origin: LINKEDIN_ORIGIN.to_string(),
            decoration_id: DEFAULT_DECORATION_ID.to_string(),
            page_size: 40,
            pause_min_ms: 1_000,
            pause_max_ms: 3_000,
            backoff_rate_limited_ms: 5_000,
            backoff_denied_ms: 60_000,
            backoff_max_ms: 3_600_000,
            overlap_full_reads: false,
        }
    }
}

impl ReadSettings {
    /// The page size actually used: at least 1, at most 100.
    pub fn page_size(&self) -> u32 {
        self.page_size.clamp(1, 100)
    }

    pub(crate) fn api(&self, path: &str) -> String {
        format!("{}/voyager/api/{path}", self.origin.trim_end_matches('/'))
    }
}

/// Which LinkedIn list a read uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `relationships/dash/connections`.
    Dash,
    /// `relationships/connections`.
    Legacy,
}

impl Source {
    /// The source to try when this one is gone, if any (after legacy: only the CSV import).
    pub fn fallback(self) -> Option<Source> {
        match self {
            Source::Dash => Some(Source::Legacy),
            Source::Legacy => None,
        }
    }
}

/// Why a response could not be read as a page of connections.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PageError {
    /// A web page came back where data was expected: LinkedIn's login, authwall or checkpoint.
    #[error("LinkedIn answered with a web page instead of data (a login or security check page): log in to LinkedIn and try again")]
    Html,
    /// Not JSON at all (cut short, or something else answered).
    #[error("LinkedIn's answer is not valid JSON: {0}")]
    NotJson(String),
    /// JSON, but not the shape this reader knows.
    #[error("LinkedIn's answer has an unknown shape ({0}): LinkedIn changed its format — use the CSV import")]
    Shape(String),
}

/// One page of a Voyager list, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    /// The usable contacts, in the page's order (newest first).
    pub contacts: Vec<ContactRecord>,
    /// How many entries the page listed, usable or not: a page with fewer than asked is the last.
    pub elements: usize,
    /// Entries that could not be turned into a contact, with the reason.
    pub skipped: Vec<String>,
    /// The total, when the source gives one (legacy does).
    pub total: Option<u32>,
}

/// Parses JSON text, telling HTML (logged out) apart from broken JSON.
pub(crate) fn parse_json(body: &str) -> Result<Value, PageError> {
    let trimmed = body.trim_start_matches('\u{feff}').trim_start();
    if session::looks_like_html(trimmed) {
        return Err(PageError::Html);
    }
    crate::json::parse(trimmed).map_err(|e| PageError::NotJson(e.to_string()))
}

/// A string field, `None` when absent, not a string, or blank.
pub(crate) fn text(value: &Value, field: &str) -> Option<String> {
    value
        .get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The id at the end of a URN (`urn:li:fsd_profile:ACoAA…` → `ACoAA…`).
pub(crate) fn urn_id(urn: &str) -> Option<&str> {
    let id = urn.strip_prefix("urn:li:")?.split_once(':')?.1;
    (!id.is_empty()).then_some(id)
}

/// The photo to keep from a picture's artifacts, each `(width, path segment)`: the widest up to
/// 200 px (a contact list shows small pictures), else the narrowest. One rule for every reader.
pub(crate) fn choose_artifact<'a>(
    root: &str,
    artifacts: impl Iterator<Item = (u64, &'a str)> + Clone,
) -> Option<String> {
    let (_, segment) = artifacts
        .clone()
        .filter(|(width, _)| *width <= 200)
        .max_by_key(|(width, _)| *width)
        .or_else(|| artifacts.min_by_key(|(width, _)| *width))?;
    Some(format!("{root}{segment}"))
}

/// A photo from a `vectorImage`-shaped object (`rootUrl` + one artifact's path segment), by
/// [`choose_artifact`].
pub(crate) fn photo(vector_image: &Value) -> Option<String> {
    let root = vector_image.get("rootUrl").and_then(Value::as_str)?;
    let artifacts = vector_image.get("artifacts")?.as_array()?;
    choose_artifact(
        root,
        artifacts.iter().filter_map(|a| {
            let segment = a.get("fileIdentifyingUrlPathSegment")?.as_str()?;
            let width = a.get("width").and_then(Value::as_u64).unwrap_or(0);
            Some((width, segment))
        }),
    )
}

/// Builds a contact from what a Voyager profile gives. `None` when there is neither a public
/// identifier nor a member id to make a profile URL from.
pub(crate) fn contact_from_profile(
    member_id: Option<String>,
    public_identifier: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    headline: Option<String>,
    created_at: Option<i64>,
    photo_url: Option<String>,
) -> Option<ContactRecord> {
    // LinkedIn serves `/in/<profile id>/` too, so a member id alone still makes a working URL.
    let url_id = public_identifier.as_deref().or(member_id.as_deref())?;
    let profile_url = crate::contacts::profile_url(url_id);
    Some(ContactRecord {
        member_id,
        public_identifier,
        profile_url,
        first_name,
        last_name,
        headline,
        connected_on: created_at.map(crate::contacts::date_from_epoch_ms),
        photo_url,
    })
}

/// Reads a saved Voyager response of either shape (the inspect command's `voyager` input).
pub fn parse_any_page(body: &str) -> Result<(Source, Page), PageError> {
    let value = parse_json(body)?;
    if dash::is_dash_shape(&value) {
        Ok((Source::Dash, dash::parse_value(&value)?))
    } else if legacy::is_legacy_shape(&value) {
        Ok((Source::Legacy, legacy::parse_value(&value)?))
    } else {
        Err(PageError::Shape(
            "neither a dash (data.*elements) nor a legacy (elements) connections list".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urn_ids() {
        assert_eq!(urn_id("urn:li:fsd_profile:ACoAA1"), Some("ACoAA1"));
        assert_eq!(urn_id("urn:li:member:123"), Some("123"));
        assert_eq!(urn_id("urn:li:fsd_profile:"), None);
        assert_eq!(urn_id("ACoAA1"), None);
    }

    #[test]
    fn settings_load_from_an_older_partial_copy() {
        let s: ReadSettings = serde_json::from_str(r#"{"page_size": 100}"#).unwrap();
        assert_eq!(s.page_size, 100);
        assert_eq!(s.decoration_id, DEFAULT_DECORATION_ID);
        let s = ReadSettings {
            page_size: 0,
            ..ReadSettings::default()
        };
        assert_eq!(s.page_size(), 1);
    }
}
