//! A contact: one of the ally's first-degree LinkedIn connections, normalised.
//!
//! Every source (the Voyager APIs, the `Connections.csv` export) produces the same [`Contact`],
//! so what comes after (delta, upload) never cares where a contact came from. Two things are
//! decided here once:
//!
//! - the **profile URL** is canonical — `https://www.linkedin.com/in/<public id>/`, the public id
//!   percent-encoded — so the same person read twice gives the same text;
//! - the **key** ([`Contact::key`]) is the LinkedIn member id when a source gives one (it never
//!   changes), else the lower-cased public identifier (the export has nothing better) — the
//!   same rule as the protocol's `contact_key`.
//!
//! What is shared is the protocol's `ContactRecord` (see `contact_list::to_record`); its
//! content hash and the digest are computed by the protocol crate, the same code as the
//! server's.
//!
//! Nothing here does I/O; it is all plain data and pure functions.

use serde::{Deserialize, Serialize};

/// The host every canonical profile URL points at.
pub const PROFILE_URL_PREFIX: &str = "https://www.linkedin.com/in/";

/// One connection. Only what the design allows to be shared: no email, no phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Contact {
    /// The id in the profile URN (`urn:li:fsd_profile:<id>`); absent for CSV imports.
    pub member_id: Option<String>,
    /// The `/in/<public identifier>/` part of the profile URL, decoded.
    pub public_identifier: Option<String>,
    /// Canonical: `https://www.linkedin.com/in/<percent-encoded public id>/`.
    pub profile_url: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub headline: Option<String>,
    pub company: Option<String>,
    pub position: Option<String>,
    /// The day the connection was made, `YYYY-MM-DD` (UTC).
    pub connected_on: Option<String>,
    /// A photo URL; it expires (LinkedIn signs it).
    pub photo_url: Option<String>,
    /// When [`Contact::photo_url`] stops working, epoch milliseconds.
    pub photo_expires_at: Option<u64>,
}

impl Contact {
    /// The stable key: `member:<id>` when the member id is known, else
    /// `url:<lower-cased public identifier>`.
    pub fn key(&self) -> String {
        match &self.member_id {
            Some(id) => format!("member:{id}"),
            None => self
                .url_key()
                .unwrap_or_else(|| format!("url:{}", self.profile_url)),
        }
    }

    /// The fields the server hashes and keys, borrowed (see [`allyshare_protocol::ContactView`]).
    pub fn view(&self) -> allyshare_protocol::ContactView<'_> {
        allyshare_protocol::ContactView {
            member_id: self.member_id.as_deref(),
            public_identifier: self.public_identifier.as_deref(),
            profile_url: &self.profile_url,
            first_name: self.first_name.as_deref(),
            last_name: self.last_name.as_deref(),
            headline: self.headline.as_deref(),
            company: self.company.as_deref(),
            position: self.position.as_deref(),
            connected_on: self.connected_on.as_deref(),
            photo_url: self.photo_url.as_deref(),
        }
    }

    /// The key by public identifier (`url:<lower-cased public id>`), whatever the source. This is
    /// how a CSV-imported contact (no member id) is matched with the same person read from the API.
    pub fn url_key(&self) -> Option<String> {
        self.public_identifier
            .as_deref()
            .map(|id| format!("url:{}", id.to_lowercase()))
    }

    /// The full name as LinkedIn shows it ("Ada Lovelace"), or whatever part is known.
    pub fn display_name(&self) -> String {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        parts.join(" ")
    }
}

/// The canonical profile URL for a public identifier (decoded form in, encoded URL out).
pub fn profile_url(public_identifier: &str) -> String {
    format!(
        "{PROFILE_URL_PREFIX}{}/",
        percent_encode_segment(public_identifier)
    )
}

/// Percent-encodes everything but RFC 3986's unreserved characters, byte by byte (UTF-8).
pub fn percent_encode_segment(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xF)] as char);
        }
    }
    out
}

/// Decodes `%XX` escapes. A malformed escape is kept as written; bytes that do not form UTF-8
/// give `None`.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The public identifier in a LinkedIn profile URL, decoded: accepts `http(s)://`, any
/// `*.linkedin.com` host (country subdomains), a missing scheme, a trailing slash, a query or a
/// fragment. `None` when the URL is not a member profile (`/in/<id>`).
pub fn public_identifier_from_url(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    let (host, path) = rest.split_once('/')?;
    let host = host.to_ascii_lowercase();
    if host != "linkedin.com" && !host.ends_with(".linkedin.com") {
        return None;
    }
    let path = path.split(['?', '#']).next().unwrap_or("");
    let id = path.strip_prefix("in/")?;
    let id = id.split('/').next().unwrap_or("");
    if id.is_empty() {
        return None;
    }
    let decoded = percent_decode(id)?;
    let decoded = decoded.trim();
    (!decoded.is_empty()).then(|| decoded.to_string())
}

/// The UTC day of an epoch-milliseconds instant, `YYYY-MM-DD`.
pub fn date_from_epoch_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `(year, month, day)` of a day count since 1970-01-01 (H. Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Days since 1970-01-01 of a civil date (inverse of [`civil_from_days`]).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whether `(y, m, d)` is a real calendar day.
pub fn is_valid_date(y: i64, m: u32, d: u32) -> bool {
    if !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    d <= days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> Contact {
        Contact {
            member_id: Some("ACoAAA1".into()),
            public_identifier: Some("ada-lovelace-1a2b3c".into()),
            profile_url: profile_url("ada-lovelace-1a2b3c"),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            headline: Some("Chief Engineer".into()),
            connected_on: Some("2025-12-19".into()),
            ..Contact::default()
        }
    }

    #[test]
    fn key_prefers_the_member_id() {
        let mut c = ada();
        assert_eq!(c.key(), "member:ACoAAA1");
        assert_eq!(c.url_key().as_deref(), Some("url:ada-lovelace-1a2b3c"));
        c.member_id = None;
        c.public_identifier = Some("Ada-Lovelace".into());
        assert_eq!(c.key(), "url:ada-lovelace");
    }

    #[test]
    fn profile_urls_are_percent_encoded() {
        assert_eq!(
            profile_url("ada-lovelace-1a2b3c"),
            "https://www.linkedin.com/in/ada-lovelace-1a2b3c/"
        );
        assert_eq!(
            profile_url("josé-garcía"),
            "https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa/"
        );
        assert_eq!(
            profile_url("🚀rocket"),
            "https://www.linkedin.com/in/%F0%9F%9A%80rocket/"
        );
    }

    #[test]
    fn public_identifiers_come_out_of_any_profile_url() {
        for url in [
            "https://www.linkedin.com/in/ada-lovelace-1a2b3c",
            "https://www.linkedin.com/in/ada-lovelace-1a2b3c/",
            "http://linkedin.com/in/ada-lovelace-1a2b3c?trk=x",
            "www.linkedin.com/in/ada-lovelace-1a2b3c/details/",
            "https://FR.linkedin.com/in/ada-lovelace-1a2b3c#top",
        ] {
            assert_eq!(
                public_identifier_from_url(url).as_deref(),
                Some("ada-lovelace-1a2b3c"),
                "{url}"
            );
        }
        assert_eq!(
            public_identifier_from_url("https://www.linkedin.com/in/jos%C3%A9/").as_deref(),
            Some("josé")
        );
        assert_eq!(
            public_identifier_from_url("https://www.linkedin.com/in/josé").as_deref(),
            Some("josé")
        );
        for bad in [
            "",
            "https://www.linkedin.com/company/acme",
            "https://www.linkedin.com/in/",
            "https://evil.example/in/ada",
            "https://notlinkedin.com/in/ada",
        ] {
            assert_eq!(public_identifier_from_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn percent_decoding_is_forgiving() {
        assert_eq!(percent_decode("a%20b").as_deref(), Some("a b"));
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%zz").as_deref(), Some("%zz"));
        assert_eq!(percent_decode("%FF"), None);
    }

    #[test]
    fn dates_from_epoch_milliseconds() {
        assert_eq!(date_from_epoch_ms(0), "1970-01-01");
        assert_eq!(date_from_epoch_ms(1_766_129_924_000), "2025-12-19");
        assert_eq!(date_from_epoch_ms(951_782_400_000), "2000-02-29");
        assert_eq!(date_from_epoch_ms(-1), "1969-12-31");
        for days in [-800_000, -1, 0, 59, 11_016, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert!(is_valid_date(y, m, d));
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
