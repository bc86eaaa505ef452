//! A contact: one of the ally's first-degree LinkedIn connections, normalised.
//!
//! Every source (the Voyager APIs, the `Connections.csv` export) produces the protocol's
//! [`ContactRecord`] — the very type that is shared — so what comes after (delta, upload, the
//! server) never cares where a contact came from, and there is one key rule: the protocol's
//! [`ContactRecord::key`] (`member:<id>` when the member id is known, else `url:<lower-cased
//! public identifier>`, values trimmed) keys the stored list, the exclusions, the ledger and
//! the uploads alike; [`ContactRecord::url_key`] matches an export's row (no member id) with the
//! same person read from the API. The profile URL is canonical — `https://www.linkedin.com/in/<public
//! id>/`, the public id percent-encoded — so the same person read twice gives the same text.
//!
//! Nothing here does I/O; it is all plain data and pure functions.

pub use allyshare_protocol::ContactRecord;

/// The host every canonical profile URL points at.
pub const PROFILE_URL_PREFIX: &str = "https://www.linkedin.com/in/";

/// The key an earlier version of the extension gave a contact (member id and public identifier
/// not trimmed; without either, the profile URL as written). Exclusions stored by that version
/// are keyed by it: [`crate::contact_list::Exclusions::canonical`] rewrites them in the
/// protocol's rule. Nothing else may use it.
pub fn legacy_key(c: &ContactRecord) -> String {
    match (&c.member_id, &c.public_identifier) {
        (Some(id), _) => format!("member:{id}"),
        (None, Some(id)) => format!("url:{}", id.to_lowercase()),
        (None, None) => format!("url:{}", c.profile_url),
    }
}

/// The canonical profile URL for a public identifier (decoded form in, encoded URL out).
pub fn profile_url(public_identifier: &str) -> String {
    // One allocation: a read of 30,000 connections makes 30,000 of these.
    let mut url = String::with_capacity(PROFILE_URL_PREFIX.len() + public_identifier.len() + 1);
    url.push_str(PROFILE_URL_PREFIX);
    push_percent_encoded(&mut url, public_identifier);
    url.push('/');
    url
}

/// Percent-encodes everything but RFC 3986's unreserved characters, byte by byte (UTF-8).
pub fn percent_encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_percent_encoded(&mut out, s);
    out
}

fn push_percent_encoded(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xF)] as char);
        }
    }
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
    if !(0..=9999).contains(&y) {
        return format!("{y:04}-{m:02}-{d:02}");
    }
    // Written digit by digit: `format!` was a visible share of reading a page natively.
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let y = y as u32;
    [
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        '-',
        digit(m / 10),
        digit(m),
        '-',
        digit(d / 10),
        digit(d),
    ]
    .into_iter()
    .collect()
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

    fn ada() -> ContactRecord {
        ContactRecord {
            member_id: Some("ACoAAA1".into()),
            public_identifier: Some("ada-lovelace-1a2b3c".into()),
            profile_url: profile_url("ada-lovelace-1a2b3c"),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            headline: Some("Chief Engineer".into()),
            connected_on: Some("2025-12-19".into()),
            ..ContactRecord::default()
        }
    }

    #[test]
    fn the_key_is_the_protocols_and_the_legacy_key_differs_only_for_untidy_values() {
        let mut c = ada();
        assert_eq!(c.key().as_deref(), Some("member:ACoAAA1"));
        assert_eq!(c.url_key().as_deref(), Some("url:ada-lovelace-1a2b3c"));
        assert_eq!(legacy_key(&c), "member:ACoAAA1");
        c.member_id = None;
        c.public_identifier = Some("Ada-Lovelace".into());
        assert_eq!(c.key().as_deref(), Some("url:ada-lovelace"));
        assert_eq!(legacy_key(&c), "url:ada-lovelace");
        c.public_identifier = Some(" Ada-Lovelace ".into());
        assert_eq!(c.key().as_deref(), Some("url:ada-lovelace"));
        assert_eq!(legacy_key(&c), "url: ada-lovelace ");
        c.public_identifier = None;
        c.profile_url = "https://www.linkedin.com/in/Ada-Lovelace/".into();
        assert_eq!(c.key().as_deref(), Some("url:ada-lovelace"));
        assert_eq!(
            legacy_key(&c),
            "url:https://www.linkedin.com/in/Ada-Lovelace/"
        );
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
        // The digits written by hand are `format!`'s, for every year it writes that way.
        for days in (-719_528..2_932_897)
            .step_by(97)
            .chain([-719_528, 2_932_896])
        {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(
                date_from_epoch_ms(days * 86_400_000),
                format!("{y:04}-{m:02}-{d:02}")
            );
        }
        assert_eq!(date_from_epoch_ms(-719_529 * 86_400_000), "-001-12-31");
        for days in [-800_000, -1, 0, 59, 11_016, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert!(is_valid_date(y, m, d));
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
