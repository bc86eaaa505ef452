//! Shared contacts: the wire record, and the pure functions both sides must compute the same
//! way — normalisation, the stable key, the content hash and the digest.
//!
//! These live here (not in the server or the extension) so the extension's idea of "what the
//! server holds" is computed by the very same code as the server's. No dependencies: the hash
//! is FNV-1a 64, written out below, which is plenty to detect drift (it is not a security
//! boundary: the ally can only ever describe their own contacts).

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Longest accepted value of a text field (names, headline), in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// Longest accepted URL (profile, photo), in characters.
pub const MAX_URL_CHARS: usize = 2048;
/// Longest accepted LinkedIn member id or public identifier, in characters.
pub const MAX_ID_CHARS: usize = 200;

/// One LinkedIn connection of the ally, as shared: the design's *Minimal data* list (member id,
/// profile URL, first and last name, headline, connected-on date, photo reference) and nothing
/// else. Nothing else is accepted either: an unknown field (an email, a phone number, the
/// company or position an earlier version sent…) makes the whole request invalid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactRecord {
    /// LinkedIn member id (the id in the `urn:li:fsd_profile:<id>` URN), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    /// The `<id>` of `linkedin.com/in/<id>/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_identifier: Option<String>,
    /// `https://www.linkedin.com/in/<id>/` (other LinkedIn hosts and trailing parts are
    /// canonicalised to this form).
    pub profile_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_on: Option<String>,
    /// An `https://` URL of the profile photo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_url: Option<String>,
}

/// Why a contact was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactProblem {
    /// The offending field.
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for ContactProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

fn clean(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// `https://www.linkedin.com/in/<id>/` for any LinkedIn profile URL (`http` or `https`,
/// `linkedin.com` or any `*.linkedin.com` host, with or without a trailing slash, query or
/// fragment), or `None` if `url` is not one.
pub fn canonical_profile_url(url: &str) -> Option<String> {
    canonical_id(url).map(|id| format!("{PROFILE_PREFIX}{id}/"))
}

/// The canonical profile URL is this, the identifier, then `/`.
const PROFILE_PREFIX: &str = "https://www.linkedin.com/in/";

/// The identifier in a LinkedIn profile URL, when it is one (the part
/// [`canonical_profile_url`] keeps), borrowed: hashing needs no copy.
fn canonical_id(url: &str) -> Option<&str> {
    let rest = url
        .trim()
        .strip_prefix("https://")
        .or_else(|| url.trim().strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    let suffix = b".linkedin.com";
    let host_bytes = host.as_bytes();
    let linkedin = host.eq_ignore_ascii_case("linkedin.com")
        || (host_bytes.len() > suffix.len()
            && host_bytes[host_bytes.len() - suffix.len()..].eq_ignore_ascii_case(suffix));
    if !linkedin {
        return None;
    }
    // Up to the query or fragment (both ASCII: a byte search is a char boundary).
    let end = path
        .bytes()
        .position(|b| b == b'?' || b == b'#')
        .unwrap_or(path.len());
    let id = path[..end].strip_prefix("in/")?.trim_end_matches('/');
    // `valid_identifier` refuses a `/` inside.
    if id.is_empty() || !valid_identifier(id) {
        return None;
    }
    Some(id)
}

fn valid_identifier(id: &str) -> bool {
    // The common case, checked a byte at a time: an ASCII identifier is valid when it is short
    // enough and every byte is printable (no space, no control) and not a URL delimiter.
    if id.is_ascii() {
        return id.len() <= MAX_ID_CHARS
            && id.bytes().all(|b| {
                (0x21..0x7f).contains(&b)
                    && !matches!(b, b'/' | b'?' | b'#' | b'<' | b'>' | b'"' | b'\'' | b'\\')
            });
    }
    valid_identifier_chars(id)
}

/// The rule, a char at a time.
fn valid_identifier_chars(id: &str) -> bool {
    id.chars().count() <= MAX_ID_CHARS
        && id
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"/?#<>\"'\\".contains(c))
}

/// The public identifier in a canonical profile URL.
fn identifier_of(canonical_url: &str) -> &str {
    canonical_url
        .trim_start_matches("https://www.linkedin.com/in/")
        .trim_end_matches('/')
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

impl ContactRecord {
    /// The canonical form: every field trimmed, empty fields absent, the profile URL
    /// canonical, the public identifier taken from the URL when missing. Fails on a value the
    /// server refuses. Both sides hash and key the normalised record.
    pub fn normalized(&self) -> Result<ContactRecord, ContactProblem> {
        let problem = |field: &'static str, message: &str| ContactProblem {
            field,
            message: message.to_string(),
        };
        let profile_url = canonical_profile_url(&self.profile_url).ok_or_else(|| {
            problem(
                "profile_url",
                "must be a LinkedIn profile URL (https://www.linkedin.com/in/<id>/)",
            )
        })?;
        let member_id = clean(&self.member_id);
        if let Some(id) = &member_id {
            if !valid_identifier(id) {
                return Err(problem("member_id", "is not a LinkedIn member id"));
            }
        }
        let public_identifier =
            clean(&self.public_identifier).or_else(|| Some(identifier_of(&profile_url).into()));
        if let Some(id) = &public_identifier {
            if !valid_identifier(id) {
                return Err(problem("public_identifier", "is not a public identifier"));
            }
        }
        let record = ContactRecord {
            member_id,
            public_identifier,
            profile_url,
            first_name: clean(&self.first_name),
            last_name: clean(&self.last_name),
            headline: clean(&self.headline),
            connected_on: clean(&self.connected_on),
            photo_url: clean(&self.photo_url),
        };
        for (field, value) in [
            ("first_name", &record.first_name),
            ("last_name", &record.last_name),
            ("headline", &record.headline),
        ] {
            if let Some(v) = value {
                if v.chars().count() > MAX_TEXT_CHARS {
                    return Err(problem(field, "is too long (at most 500 characters)"));
                }
                if v.chars().any(|c| c.is_control() && c != '\n') {
                    return Err(problem(field, "contains control characters"));
                }
            }
        }
        if let Some(date) = &record.connected_on {
            if !is_date(date) {
                return Err(problem("connected_on", "must be a date, YYYY-MM-DD"));
            }
        }
        if let Some(photo) = &record.photo_url {
            if !photo.starts_with("https://")
                || photo.chars().count() > MAX_URL_CHARS
                || photo.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(problem("photo_url", "must be an https:// URL"));
            }
        }
        Ok(record)
    }

    /// The fields, borrowed.
    pub fn view(&self) -> ContactView<'_> {
        ContactView {
            member_id: self.member_id.as_deref(),
            public_identifier: self.public_identifier.as_deref(),
            profile_url: &self.profile_url,
            first_name: self.first_name.as_deref(),
            last_name: self.last_name.as_deref(),
            headline: self.headline.as_deref(),
            connected_on: self.connected_on.as_deref(),
            photo_url: self.photo_url.as_deref(),
        }
    }

    /// The stable key of this contact; see [`contact_key`].
    pub fn key(&self) -> Option<String> {
        contact_key(self)
    }

    /// The key by public identifier, whatever the member id; see [`contact_url_key_of`].
    pub fn url_key(&self) -> Option<String> {
        contact_url_key_of(&self.view())
    }

    /// The content hash of this contact; see [`content_hash`].
    pub fn content_hash(&self) -> u64 {
        content_hash(self)
    }

    /// The name to show: first and last name (blank parts left out), else the public
    /// identifier.
    pub fn display_name(&self) -> String {
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if name.is_empty() {
            self.public_identifier.clone().unwrap_or_default()
        } else {
            name
        }
    }
}

/// The stable key of a contact: `member:<member id>` when the member id is known, else
/// `url:<public identifier, lowercased>` (taken from the profile URL when the field is
/// absent). `None` when neither can be found. Whitespace around values is ignored.
pub fn contact_key(contact: &ContactRecord) -> Option<String> {
    contact_key_of(&contact.view())
}

/// [`contact_key`] of borrowed fields.
pub fn contact_key_of(contact: &ContactView<'_>) -> Option<String> {
    let mut key = String::new();
    write_contact_key(contact, &mut key).then_some(key)
}

/// [`contact_key_of`] written into `out` (cleared first), so a caller keying many contacts in a
/// row reuses one buffer. False (and `out` empty) when the contact has no key.
pub fn write_contact_key(contact: &ContactView<'_>, out: &mut String) -> bool {
    out.clear();
    // Built by hand: `format!` costs more than the rest of a key in the extension's wasm.
    if let Some(id) = trimmed(contact.member_id) {
        out.push_str("member:");
        out.push_str(id);
        return true;
    }
    let Some(identifier) =
        trimmed(contact.public_identifier).or_else(|| canonical_id(contact.profile_url))
    else {
        return false;
    };
    out.push_str("url:");
    if identifier.is_ascii() {
        out.push_str(identifier);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&identifier.to_lowercase());
    }
    true
}

/// The key of a contact by public identifier, whatever its member id: `url:<public
/// identifier, lowercased>` (taken from the profile URL when the field is absent), the key
/// [`contact_key_of`] gives a contact without a member id. The extension matches with it a
/// person known from the `Connections.csv` export (no member id) and from LinkedIn's API.
pub fn contact_url_key_of(contact: &ContactView<'_>) -> Option<String> {
    contact_key_of(&ContactView {
        member_id: None,
        ..*contact
    })
}

/// FNV-1a, 64 bits.
#[derive(Debug, Clone, Copy)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub fn finish(self) -> u64 {
        self.0
    }
}

/// The content hash of a contact: FNV-1a 64 over its fields in declaration order, each as
/// `0x00` when absent or `0x01`, the length as 4 bytes little-endian, then the UTF-8 bytes.
/// Fields are trimmed and empty ones count as absent; the profile URL is canonicalised when it
/// can be, and the public identifier taken from it when absent (as [`ContactRecord::normalized`]
/// does). Hash the [`ContactRecord::normalized`] record and both sides agree.
pub fn content_hash(contact: &ContactRecord) -> u64 {
    content_hash_of(&contact.view())
}

/// The fields of a contact, borrowed: what [`content_hash_of`] reads. The extension keeps its
/// contacts in its own type and hashes them through this, without copying a field (comparing
/// 30,000 contacts with what the server acknowledged is one hash each).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContactView<'a> {
    pub member_id: Option<&'a str>,
    pub public_identifier: Option<&'a str>,
    pub profile_url: &'a str,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub headline: Option<&'a str>,
    pub connected_on: Option<&'a str>,
    pub photo_url: Option<&'a str>,
}

fn trimmed(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// [`content_hash`] of borrowed fields: the same value, without an allocation.
pub fn content_hash_of(contact: &ContactView<'_>) -> u64 {
    let canonical = canonical_id(contact.profile_url);
    let public_identifier = trimmed(contact.public_identifier).or(canonical);
    let mut h = Fnv64::default();
    let field = |h: &mut Fnv64, value: Option<&str>| match trimmed(value) {
        None => h.write(&[0]),
        Some(v) => {
            h.write(&[1]);
            h.write(&(v.len() as u32).to_le_bytes());
            h.write(v.as_bytes());
        }
    };
    field(&mut h, contact.member_id);
    field(&mut h, public_identifier);
    match canonical {
        // The canonical URL, hashed in its three parts.
        Some(id) => {
            h.write(&[1]);
            h.write(&((PROFILE_PREFIX.len() + id.len() + 1) as u32).to_le_bytes());
            h.write(PROFILE_PREFIX.as_bytes());
            h.write(id.as_bytes());
            h.write(b"/");
        }
        None => field(&mut h, Some(contact.profile_url)),
    }
    field(&mut h, contact.first_name);
    field(&mut h, contact.last_name);
    field(&mut h, contact.headline);
    field(&mut h, contact.connected_on);
    field(&mut h, contact.photo_url);
    h.finish()
}

/// `GET /v1/contacts/digest`: what the server holds for the ally, in a form the extension can
/// compare with its own list without downloading it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ContactDigest {
    /// How many contacts.
    pub count: u64,
    /// The wrapping sum, over the contacts, of FNV-1a 64 of `key`, a `0x00` byte, and the
    /// contact's content hash as 16 lowercase hex digits; written as 16 lowercase hex digits.
    /// Order-independent, so it can be computed as contacts come and go.
    #[serde(with = "hex_u64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "00000000075bcd15"))]
    pub hash: u64,
}

impl ContactDigest {
    /// The digest's term for one contact.
    pub fn term(key: &str, content_hash: u64) -> u64 {
        let mut h = Fnv64::default();
        h.write(key.as_bytes());
        h.write(&[0]);
        h.write(format!("{content_hash:016x}").as_bytes());
        h.finish()
    }

    /// Adds one contact.
    pub fn add(&mut self, key: &str, content_hash: u64) {
        self.count += 1;
        self.hash = self.hash.wrapping_add(Self::term(key, content_hash));
    }

    /// Removes one contact that was added before.
    pub fn remove(&mut self, key: &str, content_hash: u64) {
        self.count = self.count.saturating_sub(1);
        self.hash = self.hash.wrapping_sub(Self::term(key, content_hash));
    }

    /// The digest of a list of (normalised) contacts; contacts without a key are skipped.
    pub fn of<'a>(contacts: impl IntoIterator<Item = &'a ContactRecord>) -> ContactDigest {
        let mut digest = ContactDigest::default();
        for c in contacts {
            if let Some(key) = contact_key(c) {
                digest.add(&key, content_hash(c));
            }
        }
        digest
    }
}

/// Serialises a `u64` as 16 lowercase hex digits (JSON numbers lose precision above 2^53).
pub mod hex_u64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{value:016x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = String::deserialize(d)?;
        u64::from_str_radix(&s, 16).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> ContactRecord {
        ContactRecord {
            member_id: Some("ACoAAA123".into()),
            public_identifier: Some("ada-lovelace".into()),
            profile_url: "https://www.linkedin.com/in/ada-lovelace/".into(),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            headline: Some("Analyst".into()),
            connected_on: Some("2024-05-01".into()),
            ..Default::default()
        }
    }

    #[test]
    fn company_and_position_are_not_part_of_a_contact() {
        for field in ["company", "position", "email", "phone"] {
            let text = format!(
                r#"{{"profile_url":"https://www.linkedin.com/in/ada/","first_name":"Ada","{field}":"x"}}"#
            );
            let err = serde_json::from_str::<ContactRecord>(&text).unwrap_err();
            assert!(err.to_string().contains(field), "{field}: {err}");
        }
        let text = serde_json::to_string(&ada()).unwrap();
        assert!(
            !text.contains("company") && !text.contains("position"),
            "{text}"
        );
    }

    #[test]
    fn keys_prefer_the_member_id() {
        assert_eq!(contact_key(&ada()).unwrap(), "member:ACoAAA123");
        // The key by public identifier is there whatever the member id: it matches an export's
        // row (no member id) with the same person read from the API.
        assert_eq!(ada().url_key().unwrap(), "url:ada-lovelace");
        let mut c = ada();
        c.member_id = None;
        c.public_identifier = Some(" Ada-Lovelace ".into());
        assert_eq!(contact_key(&c).unwrap(), "url:ada-lovelace");
        c.public_identifier = None;
        c.profile_url = "http://uk.linkedin.com/in/Ada-Lovelace?trk=x".into();
        assert_eq!(contact_key(&c).unwrap(), "url:ada-lovelace");
        c.profile_url = "https://example.org/in/ada".into();
        assert_eq!(contact_key(&c), None);
    }

    #[test]
    fn normalising_canonicalises_and_refuses_bad_values() {
        let mut c = ada();
        c.profile_url = "https://linkedin.com/in/ada-lovelace".into();
        c.headline = Some("  ".into());
        c.public_identifier = None;
        let n = c.normalized().unwrap();
        assert_eq!(n.profile_url, "https://www.linkedin.com/in/ada-lovelace/");
        assert_eq!(n.headline, None);
        assert_eq!(n.public_identifier.as_deref(), Some("ada-lovelace"));
        assert_eq!(content_hash(&n), content_hash(&c));
        assert_eq!(n.normalized().unwrap(), n);

        let mut bad = ada();
        bad.connected_on = Some("2024-13-01".into());
        assert_eq!(bad.normalized().unwrap_err().field, "connected_on");
        let mut bad = ada();
        bad.photo_url = Some("javascript:alert(1)".into());
        assert_eq!(bad.normalized().unwrap_err().field, "photo_url");
        let mut bad = ada();
        bad.profile_url = "https://www.linkedin.com/company/x/".into();
        assert_eq!(bad.normalized().unwrap_err().field, "profile_url");
    }

    /// The hash and key as first written (allocating, through the canonical URL string): the
    /// borrowed versions must give exactly the same values, or every ledger would be stale.
    fn reference_hash_and_key(contact: &ContactRecord) -> (u64, Option<String>) {
        let canonical = canonical_profile_url(&contact.profile_url);
        let public_identifier = clean(&contact.public_identifier)
            .or_else(|| canonical.as_deref().map(|u| identifier_of(u).to_string()));
        let profile_url = canonical
            .clone()
            .unwrap_or_else(|| contact.profile_url.clone());
        let mut h = Fnv64::default();
        let mut field = |value: Option<&str>| match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => h.write(&[0]),
            Some(v) => {
                h.write(&[1]);
                h.write(&(v.len() as u32).to_le_bytes());
                h.write(v.as_bytes());
            }
        };
        field(contact.member_id.as_deref());
        field(public_identifier.as_deref());
        field(Some(&profile_url));
        field(contact.first_name.as_deref());
        field(contact.last_name.as_deref());
        field(contact.headline.as_deref());
        field(contact.connected_on.as_deref());
        field(contact.photo_url.as_deref());
        let key = match clean(&contact.member_id) {
            Some(id) => Some(format!("member:{id}")),
            None => clean(&contact.public_identifier)
                .or_else(|| canonical.as_deref().map(|u| identifier_of(u).to_string()))
                .map(|id| format!("url:{}", id.to_lowercase())),
        };
        (h.finish(), key)
    }

    #[test]
    fn the_ascii_identifier_check_is_the_char_rule() {
        for b in 0u8..128 {
            let id = format!("ab{}c", b as char);
            assert_eq!(valid_identifier(&id), valid_identifier_chars(&id), "{b}");
        }
        for id in [
            "",
            "a".repeat(200).as_str(),
            "a".repeat(201).as_str(),
            "jos%C3%A9",
        ] {
            assert_eq!(valid_identifier(id), valid_identifier_chars(id), "{id}");
        }
    }

    #[test]
    fn borrowed_hash_and_key_equal_the_reference() {
        let urls = [
            "https://www.linkedin.com/in/ada/",
            "  http://LinkedIn.com/in/Ada-L?trk=x#y ",
            "https://fr.LINKEDIN.com/in/jos%C3%A9//",
            "https://www.linkedin.com/company/x/",
            "https://evil.example/in/ada/",
            "https://xlinkedin.com/in/ada/",
            "",
            "   ",
            "https://www.linkedin.com/in/a b/",
            "https://www.linkedin.com/in/Ünal/",
        ];
        let ids = [None, Some(""), Some("  "), Some(" Ada-L "), Some("ÜNAL")];
        for url in urls {
            for public_identifier in ids {
                for member_id in [None, Some(" ACoAAB1 "), Some("")] {
                    let mut c = ada();
                    c.profile_url = url.into();
                    c.public_identifier = public_identifier.map(str::to_string);
                    c.member_id = member_id.map(str::to_string);
                    c.headline = Some("  Countess ".into());
                    c.last_name = Some(String::new());
                    let (hash, key) = reference_hash_and_key(&c);
                    assert_eq!(content_hash(&c), hash, "{c:?}");
                    assert_eq!(contact_key(&c), key, "{c:?}");
                    let without_member = ContactRecord {
                        member_id: None,
                        ..c.clone()
                    };
                    assert_eq!(c.url_key(), reference_hash_and_key(&without_member).1);
                }
            }
        }
    }

    #[test]
    fn content_hash_sees_every_field_and_field_boundaries() {
        let base = content_hash(&ada());
        let mut c = ada();
        c.headline = Some("Analytical Engines".into());
        assert_ne!(content_hash(&c), base);
        let mut a = ada();
        a.first_name = Some("Ad".into());
        a.last_name = Some("aLovelace".into());
        assert_ne!(content_hash(&a), base);
        assert_eq!(Fnv64::default().finish(), 0xcbf2_9ce4_8422_2325);
        let mut h = Fnv64::default();
        h.write(b"a");
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn digest_is_order_independent_and_removable() {
        let mut b = ada();
        b.member_id = Some("B".into());
        let one = ContactDigest::of([&ada(), &b]);
        let two = ContactDigest::of([&b, &ada()]);
        assert_eq!(one, two);
        assert_eq!(one.count, 2);
        let mut d = one;
        d.remove("member:B", content_hash(&b));
        assert_eq!(d, ContactDigest::of([&ada()]));
        let json = serde_json::to_string(&ContactDigest {
            count: 1,
            hash: 255,
        })
        .unwrap();
        assert_eq!(json, r#"{"count":1,"hash":"00000000000000ff"}"#);
        let back: ContactDigest = serde_json::from_str(&json).unwrap();
        assert_eq!(back.hash, 255);
    }

    #[test]
    fn display_names_leave_blank_parts_out() {
        let mut c = ada();
        c.first_name = Some("  ".into());
        assert_eq!(c.display_name(), "Lovelace");
        c.last_name = None;
        assert_eq!(c.display_name(), "ada-lovelace");
    }

    #[test]
    fn emails_and_phones_are_refused() {
        let err = serde_json::from_str::<ContactRecord>(
            r#"{"profile_url":"https://www.linkedin.com/in/x/","email":"x@example.org"}"#,
        );
        assert!(err.is_err());
    }
}
