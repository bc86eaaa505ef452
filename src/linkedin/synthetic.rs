//! Deterministic synthetic connections, in every shape LinkedIn serves them: dash pages, legacy
//! pages, the connections summary and a `Connections.csv` export.
//!
//! Used by the native tests, the inspect command's examples, the benchmarks, and — through an
//! exact JavaScript twin, `tests/fake-linkedin/synthetic.mjs` — by the fake LinkedIn the browser
//! tests talk to. The two must agree value for value: both are checked against the same golden
//! file, `tests/fixtures/linkedin/synthetic-seed7-n64.json` (and the pages and export of
//! `synthetic-seed1-n12-*`). So the generator uses only 32-bit
//! integer arithmetic (exact in JavaScript with `Math.imul` and `>>> 0`) and fixed tables.
//!
//! Connection `i` depends only on `(seed, i)`; index 0 is the oldest. A list of `n` connections is
//! indices `n-1` down to `0`, newest first, so "K new connections" are simply indices `n..n+K`
//! and everything already there stays the same.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::contacts::{civil_from_days, date_from_epoch_ms, profile_url, ContactRecord};

/// `createdAt` of connection 0; each next one is about an hour later.
pub const BASE_CREATED_AT_MS: u64 = 1_600_000_000_000;
/// When the synthetic photos "expire" (fixed, so output is stable).
pub const PHOTO_EXPIRES_AT_MS: u64 = 1_768_435_200_000;

const FIRST: &[(&str, &str)] = &[
    ("Ada", "ada"),
    ("Grace", "grace"),
    ("José", "josé"),
    ("Zoë", "zoë"),
    ("Łukasz", "łukasz"),
    ("Chloé", "chloé"),
    ("Mohammed", "mohammed"),
    ("Priya", "priya"),
    ("Wei", "wei"),
    ("Søren", "søren"),
    ("Amara", "amara"),
    ("Björn", "björn"),
    ("Inès", "inès"),
    ("Kenji", "kenji"),
    ("Olusegun", "olusegun"),
    ("María", "maría"),
];
const LAST: &[(&str, &str)] = &[
    ("Lovelace", "lovelace"),
    ("Hopper", "hopper"),
    ("García", "garcía"),
    ("Ünal", "ünal"),
    ("Nowak", "nowak"),
    ("Dubois", "dubois"),
    ("Okafor", "okafor"),
    ("Sharma", "sharma"),
    ("Zhang", "zhang"),
    ("Kierkegaard", "kierkegaard"),
    ("O'Neil", "oneil"),
    ("Müller", "müller"),
    ("Núñez", "núñez"),
    ("Tanaka", "tanaka"),
];
const TITLES: &[&str] = &[
    "Chief Engineer",
    "Founder & CEO",
    "Partner",
    "Head of Growth",
    "Product Manager",
    "Investor, \"angel\"",
    "Software Engineer",
    "Directrice financière",
];
const COMPANIES: &[&str] = &[
    "Analytical Engines",
    "Acme, Inc.",
    "Getro",
    "Société Générale",
    "Zürich Ventures",
    "北京科技",
    "Initech",
];
const EMOJI: &[&str] = &["🚀", "🌍", "✨"];

/// How a synthetic profile's picture is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoKind {
    /// No `profilePicture` at all.
    None,
    /// `displayImageReference`.
    Plain,
    /// Only `displayImageWithFrameReferenceUnion` (an "open to work" frame).
    Framed,
}

/// One synthetic connection, before it is put in any LinkedIn shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntheticConnection {
    pub index: u32,
    pub member_id: String,
    pub public_identifier: String,
    pub first_name: String,
    pub last_name: String,
    pub headline: Option<String>,
    pub created_at: u64,
    pub photo: PhotoKind,
}

fn mix(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// The `k`-th random number of connection `index`.
fn rand(seed: u32, index: u32, k: u32) -> u32 {
    mix(mix(mix(seed ^ 0x9e37_79b9) ^ index) ^ k.wrapping_add(0x85eb_ca6b))
}

fn pick<T: Copy>(table: &[T], r: u32) -> T {
    table[(r as usize) % table.len()]
}

impl SyntheticConnection {
    /// Connection `index` of the set generated from `seed`.
    pub fn generate(seed: u32, index: u32) -> Self {
        let r = |k| rand(seed, index, k);
        let (first, first_slug) = pick(FIRST, r(0));
        let (last, last_slug) = pick(LAST, r(1));
        // Unique: the index in hex, then three hash digits.
        let suffix = format!("{:x}{:03x}", index + 1, r(2) & 0xfff);
        let public_identifier = if r(3) % 53 == 0 {
            format!("{}{first_slug}-{suffix}", pick(EMOJI, r(4)))
        } else {
            format!("{first_slug}-{last_slug}-{suffix}")
        };
        let member_id = format!("ACoAA{:08X}{:08X}{:06X}", r(5), r(6), index);
        let headline =
            (r(7) % 8 != 0).then(|| format!("{} at {}", pick(TITLES, r(8)), pick(COMPANIES, r(9))));
        let created_at =
            BASE_CREATED_AT_MS + u64::from(index) * 3_600_000 + u64::from(r(10) % 600_000);
        let photo = match r(11) % 10 {
            0 | 1 => PhotoKind::None,
            2 => PhotoKind::Framed,
            _ => PhotoKind::Plain,
        };
        SyntheticConnection {
            index,
            member_id,
            public_identifier,
            first_name: first.to_string(),
            last_name: last.to_string(),
            headline,
            created_at,
            photo,
        }
    }

    fn root_url(&self) -> String {
        format!(
            "https://media.licdn.com/dms/image/v2/SYN{}/profile-displayphoto-",
            self.member_id
        )
    }

    fn artifact_segment(&self, width: u32) -> String {
        format!(
            "shrink_{width}_{width}/profile-displayphoto-shrink_{width}_{width}/0/1700000000000?e=1768435200&v=beta&t=syn{}",
            self.index
        )
    }

    fn vector_image(&self) -> Value {
        let artifacts: Vec<Value> = [100, 200, 400]
            .iter()
            .map(|&w| {
                json!({"width": w, "height": w, "expiresAt": PHOTO_EXPIRES_AT_MS,
                       "fileIdentifyingUrlPathSegment": self.artifact_segment(w)})
            })
            .collect();
        json!({"rootUrl": self.root_url(), "artifacts": artifacts})
    }

    /// The contact every reader must produce from this connection (API shapes).
    pub fn contact(&self) -> ContactRecord {
        let has_photo = self.photo != PhotoKind::None;
        ContactRecord {
            member_id: Some(self.member_id.clone()),
            public_identifier: Some(self.public_identifier.clone()),
            profile_url: profile_url(&self.public_identifier),
            first_name: Some(self.first_name.clone()),
            last_name: Some(self.last_name.clone()),
            headline: self.headline.clone(),
            connected_on: Some(date_from_epoch_ms(self.created_at as i64)),
            photo_url: has_photo
                .then(|| format!("{}{}", self.root_url(), self.artifact_segment(200))),
        }
    }

    /// The dash `Connection` and `Profile` entities.
    pub fn dash_entities(&self) -> (Value, Value) {
        let profile_urn = format!("urn:li:fsd_profile:{}", self.member_id);
        let connection = json!({
            "$type": "com.linkedin.voyager.dash.relationships.Connection",
            "entityUrn": format!("urn:li:fsd_connection:{}", self.member_id),
            "connectedMember": profile_urn,
            "*connectedMemberResolutionResult": profile_urn,
            "createdAt": self.created_at,
        });
        let mut profile = json!({
            "$type": "com.linkedin.voyager.dash.identity.profile.Profile",
            "entityUrn": profile_urn,
            "publicIdentifier": self.public_identifier,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "memorialized": false,
        });
        if let Some(h) = &self.headline {
            profile["headline"] = json!(h);
        }
        let reference = json!({"vectorImage": self.vector_image()});
        match self.photo {
            PhotoKind::None => {}
            PhotoKind::Plain => {
                profile["profilePicture"] = json!({
                    "displayImageReference": reference,
                    "displayImageUrn": format!("urn:li:digitalmediaAsset:SYN{}", self.index),
                })
            }
            PhotoKind::Framed => {
                profile["profilePicture"] = json!({
                    "displayImageWithFrameReferenceUnion": reference,
                    "frameType": "OPEN_TO_WORK",
                })
            }
        }
        (connection, profile)
    }

    /// The legacy element (with its nested `miniProfile`).
    pub fn legacy_element(&self) -> Value {
        let mut mini = json!({
            "firstName": self.first_name,
            "lastName": self.last_name,
            "publicIdentifier": self.public_identifier,
            "entityUrn": format!("urn:li:fs_miniProfile:{}", self.member_id),
            "objectUrn": format!("urn:li:member:{}", 100_000 + self.index),
            "trackingId": "c3ludGhldGlj",
        });
        if let Some(h) = &self.headline {
            mini["occupation"] = json!(h);
        }
        if self.photo != PhotoKind::None {
            mini["picture"] = json!({"com.linkedin.common.VectorImage": self.vector_image()});
        }
        json!({
            "createdAt": self.created_at,
            "entityUrn": format!("urn:li:fs_relConnection:{}", self.member_id),
            "miniProfile": mini,
        })
    }
}

/// `n` synthetic connections from a seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synthetic {
    pub seed: u32,
    pub count: u32,
}

impl Synthetic {
    pub fn new(seed: u32, count: u32) -> Self {
        Synthetic { seed, count }
    }

    /// The connection at position `i` of the newest-first list.
    pub fn at(&self, position: u32) -> SyntheticConnection {
        SyntheticConnection::generate(self.seed, self.count - 1 - position)
    }

    /// The whole list, newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = SyntheticConnection> + '_ {
        (0..self.count).map(|p| self.at(p))
    }

    /// The contacts a complete read must produce, newest first.
    pub fn contacts(&self) -> Vec<ContactRecord> {
        self.newest_first().map(|c| c.contact()).collect()
    }

    fn window(&self, start: u32, count: u32) -> Vec<SyntheticConnection> {
        let end = start.saturating_add(count).min(self.count);
        (start.min(end)..end).map(|p| self.at(p)).collect()
    }

    /// A dash page. `included` alternates between Profiles-first (even pages) and
    /// Connections-first (odd pages) and carries one entity of a type no reader knows.
    pub fn dash_page(&self, start: u32, count: u32) -> String {
        dash_page_of(&self.window(start, count), start, count)
    }

    /// A legacy page (with `paging.total`).
    pub fn legacy_page(&self, start: u32, count: u32) -> String {
        let elements: Vec<Value> = self
            .window(start, count)
            .iter()
            .map(|c| c.legacy_element())
            .collect();
        json!({
            "paging": {"start": start, "count": count, "total": self.count, "links": []},
            "elements": elements,
            "metadata": {"type": "synthetic"},
        })
        .to_string()
    }

    /// The connections summary.
    pub fn summary(&self) -> String {
        json!({"numConnections": self.count, "$type": "com.linkedin.voyager.relationships.shared.connection.ConnectionsSummary"})
            .to_string()
    }

    /// A `Connections.csv` export, as LinkedIn writes it (Notes preamble, 7 columns, CRLF-free).
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "Notes:\n\"When exporting your connection data, you may notice that some of the email addresses are missing. You will only see email addresses for connections who have allowed their connections to see or download their email address using this setting https://www.linkedin.com/psettings/privacy/email. You can learn more here https://www.linkedin.com/help/linkedin/answer/261\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n",
        );
        for c in self.newest_first() {
            let (position, company) = match &c.headline {
                Some(h) => match h.split_once(" at ") {
                    Some((p, co)) => (p.to_string(), co.to_string()),
                    None => (h.clone(), String::new()),
                },
                None => (String::new(), String::new()),
            };
            let fields = [
                c.first_name.clone(),
                c.last_name.clone(),
                format!(
                    "https://www.linkedin.com/in/{}",
                    crate::contacts::percent_encode_segment(&c.public_identifier)
                ),
                String::new(),
                company,
                position,
                csv_date(c.created_at),
            ];
            let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
        out
    }
}

/// A dash page holding `items` (the window at `start` of some newest-first list), shaped as
/// [`Synthetic::dash_page`] does; for tests that build lists of their own.
pub fn dash_page_of(items: &[SyntheticConnection], start: u32, count: u32) -> String {
    let (connections, profiles): (Vec<Value>, Vec<Value>) =
        items.iter().map(|c| c.dash_entities()).unzip();
    let elements: Vec<Value> = connections.iter().map(|c| c["entityUrn"].clone()).collect();
    let profiles_first = (start / count.max(1)) % 2 == 0;
    let mut included = Vec::with_capacity(items.len() * 2 + 1);
    let (a, b) = if profiles_first {
        (profiles, connections)
    } else {
        (connections, profiles)
    };
    included.extend(a);
    included.push(json!({
        "$type": "com.linkedin.voyager.dash.common.FutureThing",
        "entityUrn": format!("urn:li:fsd_futureThing:{start}"),
        "whatever": {"nested": [1, 2, 3]},
    }));
    included.extend(b);
    json!({
        "data": {
            "paging": {"count": count, "start": start, "links": []},
            "*elements": elements,
            "$type": "com.linkedin.restli.common.CollectionResponse",
        },
        "included": included,
        "meta": {"microSchema": {"version": "2.1"}},
    })
    .to_string()
}

/// `DD Mon YYYY`, as the export writes dates.
pub fn csv_date(epoch_ms: u64) -> String {
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d) = civil_from_days((epoch_ms / 86_400_000) as i64);
    format!("{d:02} {} {y}", MON[(m - 1) as usize])
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_stable_and_unique() {
        let a = Synthetic::new(1, 3000);
        let ids: std::collections::HashSet<String> =
            a.newest_first().map(|c| c.public_identifier).collect();
        assert_eq!(ids.len(), 3000);
        assert_eq!(a.at(0), Synthetic::new(1, 3000).at(0));
        // Adding connections leaves the existing ones as they were.
        assert_eq!(Synthetic::new(1, 3003).at(3), a.at(0));
        let created: Vec<u64> = a.newest_first().map(|c| c.created_at).collect();
        assert!(
            created.windows(2).all(|w| w[0] > w[1]),
            "strictly newest first"
        );
    }

    #[test]
    fn matches_the_golden_file_shared_with_javascript() {
        let golden: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/linkedin/synthetic-seed7-n64.json"
        ))
        .unwrap();
        let ours: Vec<SyntheticConnection> = (0..64)
            .map(|i| SyntheticConnection::generate(7, i))
            .collect();
        assert_eq!(serde_json::to_value(ours).unwrap(), golden);
    }

    #[test]
    fn pages_match_the_fixtures_the_javascript_twin_is_checked_against() {
        let s = Synthetic::new(1, 12);
        let parse = |t: &str| serde_json::from_str::<Value>(t).unwrap();
        assert_eq!(
            parse(&s.dash_page(8, 4)),
            parse(include_str!(
                "../../tests/fixtures/linkedin/synthetic-seed1-n12-dash-start8-count4.json"
            ))
        );
        assert_eq!(
            parse(&s.legacy_page(8, 8)),
            parse(include_str!(
                "../../tests/fixtures/linkedin/synthetic-seed1-n12-legacy-start8-count8.json"
            ))
        );
        assert_eq!(
            s.csv(),
            include_str!("../../tests/fixtures/linkedin/csv/synthetic-seed1-n12.csv")
        );
    }

    #[test]
    fn csv_dates() {
        assert_eq!(csv_date(1_709_596_800_000), "05 Mar 2024");
    }
}
