//! The readers against the fixtures in `tests/fixtures/linkedin/` (written from
//! `shared/linkedin-facts.md`), a property test that no input makes a parser panic, and the
//! parse-time benchmark (`cargo test -p allyshare --release --lib -- --ignored --nocapture bench`).

use std::collections::HashSet;

use super::csv::{self, CsvError, CsvFormat, SkipReason, SkippedRow};
use super::synthetic::Synthetic;
use super::*;
use crate::contacts::{profile_url, ContactRecord};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../tests/fixtures/linkedin/", $name))
    };
}
macro_rules! fixture_bytes {
    ($name:literal) => {
        include_bytes!(concat!("../../tests/fixtures/linkedin/", $name)).as_slice()
    };
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

/// What both API fixtures must give, in page order.
fn api_contacts() -> Vec<ContactRecord> {
    vec![
        ContactRecord {
            member_id: some("ACoAAA1ada"),
            public_identifier: some("ada-lovelace-1a2b3c"),
            profile_url: "https://www.linkedin.com/in/ada-lovelace-1a2b3c/".into(),
            first_name: some("Ada"),
            last_name: some("Lovelace"),
            headline: some("Chief Engineer at Analytical Engines"),
            connected_on: some("2025-12-19"),
            photo_url: some("https://media.licdn.com/dms/image/v2/D4E03AQada/profile-displayphoto-shrink_200_200/profile-displayphoto-shrink_200_200/0/1700000000000?e=1768435200&v=beta&t=a200"),
        },
        ContactRecord {
            member_id: some("ACoAAB2jose"),
            public_identifier: some("josé-garcía-núñez"),
            profile_url: "https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa-n%C3%BA%C3%B1ez/".into(),
            first_name: some("José"),
            last_name: some("García Núñez"),
            connected_on: some("2025-12-06"),
            ..ContactRecord::default()
        },
        ContactRecord {
            member_id: some("ACoAAC3rocket"),
            public_identifier: some("🚀rocket-zoë"),
            profile_url: "https://www.linkedin.com/in/%F0%9F%9A%80rocket-zo%C3%AB/".into(),
            first_name: some("Zoë"),
            last_name: some("Rocket 🚀"),
            headline: some("Founder & CEO, \"Launch\" — Zürich"),
            connected_on: some("2024-03-05"),
            ..ContactRecord::default()
        },
    ]
}

#[test]
fn dash_profiles_first() {
    let page = dash::parse(fixture!("dash-profiles-first.json")).unwrap();
    assert_eq!(page.elements, 4);
    assert!(page.skipped.is_empty());
    assert_eq!(page.contacts[..3], api_contacts()[..]);
    let framed = &page.contacts[3];
    assert_eq!(framed.key().as_deref(), Some("member:ACoAAD4framed"));
    assert_eq!(framed.connected_on, None, "no createdAt, no date");
    assert_eq!(
        framed.photo_url.as_deref(),
        Some("https://media.licdn.com/dms/image/v2/D4E35AQframed/profile-framedphoto-shrink_100_100/0/1700000000000?e=1768435200&v=beta&t=g100")
    );
}

#[test]
fn dash_order_of_included_does_not_matter() {
    let a = dash::parse(fixture!("dash-profiles-first.json")).unwrap();
    let b = dash::parse(fixture!("dash-connections-first.json")).unwrap();
    assert_eq!(a, b);
}

#[test]
fn dash_empty_page_is_the_end() {
    let page = dash::parse(fixture!("dash-empty-page.json")).unwrap();
    assert_eq!((page.elements, page.contacts.len()), (0, 0));
}

#[test]
fn legacy_page() {
    let page = legacy::parse(fixture!("legacy-page.json")).unwrap();
    assert_eq!(page.total, Some(3));
    let mut expected = api_contacts();
    expected[0].photo_url = some("https://media.licdn.com/dms/image/v2/D4E03AQada/profile-displayphoto-shrink_200_200/0/1?e=1768435200&t=a200");
    assert_eq!(page.contacts, expected);
    // Same people, same keys, whichever list they came from.
    let dash_keys: Vec<String> = api_contacts().iter().map(|c| c.key().unwrap()).collect();
    let legacy_keys: Vec<String> = page.contacts.iter().map(|c| c.key().unwrap()).collect();
    assert_eq!(dash_keys, legacy_keys);
}

#[test]
fn either_shape_is_detected() {
    let (source, page) = parse_any_page(fixture!("dash-connections-first.json")).unwrap();
    assert_eq!((source, page.contacts.len()), (Source::Dash, 4));
    let (source, page) = parse_any_page(fixture!("legacy-page.json")).unwrap();
    assert_eq!((source, page.contacts.len()), (Source::Legacy, 3));
    assert_eq!(
        parse_any_page(fixture!("authwall.html")),
        Err(PageError::Html)
    );
    assert!(matches!(
        parse_any_page(fixture!("broken.json")),
        Err(PageError::NotJson(_))
    ));
    assert!(matches!(
        parse_any_page(fixture!("connections-summary.json")),
        Err(PageError::Shape(_))
    ));
}

#[test]
fn summary_and_me() {
    assert_eq!(
        summary::parse(fixture!("connections-summary.json")),
        Ok(4882)
    );
    let ok = crate::http::HttpResponse {
        status: 200,
        content_type: Some("application/json".into()),
        retry_after: None,
        body: fixture!("me.json").into(),
    };
    assert_eq!(session::read_me(&ok), Ok(()));
    let wall = crate::http::HttpResponse {
        body: fixture!("authwall.html").into(),
        content_type: Some("text/html".into()),
        ..ok
    };
    assert!(session::read_me(&wall).is_err());
    assert_eq!(session::html_kind(&wall.body), "authwall");
}

/// The export's company and position columns are read past: no field of the contact keeps
/// them (the design's *Minimal data*), nor the headline under another name.
fn assert_not_kept(contact: &ContactRecord, words: &[&str]) {
    let text = serde_json::to_string(contact).unwrap();
    for word in words {
        assert!(!text.contains(word), "{word} kept in {text}");
    }
}

#[test]
fn csv_standard_export_matches_the_api_by_public_identifier() {
    let import = csv::import(fixture_bytes!("csv/connections.csv")).unwrap();
    assert_eq!(import.format, CsvFormat::WithUrl);
    assert!(import.skipped.is_empty());
    assert_eq!(import.contacts.len(), 3);
    let jose = &import.contacts[1];
    assert_eq!(jose.member_id, None);
    assert_eq!(jose.public_identifier.as_deref(), Some("josé-garcía-núñez"));
    assert_not_kept(jose, &["Acme", "Partner"]);
    assert_eq!(jose.connected_on.as_deref(), Some("2025-12-06"));
    assert_not_kept(&import.contacts[2], &["Founder", "Launch"]);
    for (csv, api) in import.contacts.iter().zip(api_contacts()) {
        assert_eq!(csv.profile_url, api.profile_url);
        assert_eq!(csv.url_key(), api.url_key());
        assert_eq!(csv.key(), api.url_key());
    }
    // No email survives the import.
    let text = serde_json::to_string(&import).unwrap();
    assert!(!text.contains("example.com"));
}

#[test]
fn csv_bom_crlf_and_no_preamble() {
    let import = csv::import(fixture_bytes!("csv/connections-bom-no-preamble.csv")).unwrap();
    assert_eq!(import.contacts.len(), 2);
    assert_eq!(import.contacts[0].first_name.as_deref(), Some("Ada"));
    assert_eq!(
        import.contacts[0].profile_url,
        "https://www.linkedin.com/in/ada-lovelace-1a2b3c/"
    );
    assert_eq!(
        import.contacts[1].connected_on.as_deref(),
        Some("2020-01-01")
    );
    assert!(import.skipped.is_empty());
}

#[test]
fn csv_every_quirk_is_handled_and_every_skip_counted() {
    let import = csv::import(fixture_bytes!("csv/connections-quirks.csv")).unwrap();
    let names: Vec<String> = import
        .contacts
        .iter()
        .map(ContactRecord::display_name)
        .collect();
    assert_eq!(
        names,
        [
            "Ada Lovelace",
            "Alan Turing",
            "Kurt Gödel",
            "Emmy Noether",
            "Hedy Lamarr"
        ]
    );
    let ada = &import.contacts[0];
    assert_not_kept(ada, &["Analytical", "Difference"]);
    assert_eq!(ada.connected_on.as_deref(), Some("2024-03-05"));
    let alan = &import.contacts[1];
    assert_eq!(alan.public_identifier.as_deref(), Some("alan-turing-42"));
    assert_eq!(
        alan.profile_url,
        "https://www.linkedin.com/in/alan-turing-42/"
    );
    assert_not_kept(alan, &["Bletchley"]);
    assert_eq!(alan.connected_on.as_deref(), Some("2019-06-23"));
    assert_eq!(import.contacts[2].connected_on, None);
    assert_eq!(import.unreadable_dates, 1);
    assert_eq!(
        import.contacts[4].connected_on.as_deref(),
        Some("2014-11-09")
    );
    assert_eq!(
        import.contacts[4].profile_url,
        "https://www.linkedin.com/in/hedy-lamarr/"
    );
    let row = |line, reason| SkippedRow { line, reason };
    assert_eq!(
        import.skipped,
        vec![
            row(6, SkipReason::Empty),
            row(7, SkipReason::NoUrl),
            row(8, SkipReason::NoName),
            row(9, SkipReason::Duplicate),
            row(10, SkipReason::NotAProfileUrl),
            row(11, SkipReason::ColumnsMisaligned),
            row(16, SkipReason::Empty),
        ]
    );
    assert_eq!(
        import.summary(),
        "5 imported, 7 skipped (2 empty row, 1 no profile URL, 1 not a LinkedIn profile URL, 1 no name, 1 same profile as an earlier row, 1 more fields than the header has columns)"
    );
}

#[test]
fn csv_older_export_without_url_counts_every_row() {
    let import = csv::import(fixture_bytes!("csv/connections-old-6-columns.csv")).unwrap();
    assert_eq!(import.format, CsvFormat::WithoutUrl);
    assert!(import.contacts.is_empty());
    assert_eq!(import.skipped_by_reason(), vec![(SkipReason::NoUrl, 2)]);
    assert!(import.summary().contains("download a new copy"));
}

#[test]
fn csv_localized_header_and_dates() {
    let import = csv::import(fixture_bytes!("csv/connections-localized-fr.csv")).unwrap();
    assert_eq!(import.contacts.len(), 2);
    let ines = &import.contacts[0];
    assert_eq!(ines.first_name.as_deref(), Some("Inès"));
    assert_not_kept(ines, &["Société", "Directrice"]);
    assert_eq!(ines.connected_on.as_deref(), Some("2023-12-12"));
    assert_eq!(
        import.contacts[1].connected_on.as_deref(),
        Some("2024-03-05")
    );
}

#[test]
fn csv_that_is_not_connections_is_a_clear_error() {
    assert_eq!(
        csv::import(fixture_bytes!("csv/not-connections.csv")),
        Err(CsvError::NoHeader)
    );
    assert_eq!(
        csv::import(fixture_bytes!("authwall.html")),
        Err(CsvError::NoHeader)
    );
}

#[test]
fn synthetic_shapes_all_read_back_to_the_same_contacts() {
    let s = Synthetic::new(11, 130);
    let expected = s.contacts();
    let mut from_dash = Vec::new();
    let mut from_legacy = Vec::new();
    for start in (0..140).step_by(40) {
        from_dash.extend(dash::parse(&s.dash_page(start, 40)).unwrap().contacts);
        from_legacy.extend(legacy::parse(&s.legacy_page(start, 40)).unwrap().contacts);
    }
    assert_eq!(from_dash, expected);
    assert_eq!(from_legacy, expected);
    assert_eq!(summary::parse(&s.summary()), Ok(130));
    let import = csv::import(s.csv().as_bytes()).unwrap();
    assert!(import.skipped.is_empty());
    assert_eq!(import.contacts.len(), 130);
    for (c, e) in import.contacts.iter().zip(&expected) {
        assert_eq!(c.profile_url, e.profile_url);
        assert_eq!(c.url_key(), e.url_key());
        assert_eq!(c.connected_on, e.connected_on);
        assert_eq!((&c.first_name, &c.last_name), (&e.first_name, &e.last_name));
    }
    let photos: HashSet<bool> = expected.iter().map(|c| c.photo_url.is_some()).collect();
    assert_eq!(photos.len(), 2, "with and without photos");
    assert!(expected.iter().any(|c| c.headline.is_none()));
    assert_eq!(
        expected[0].profile_url,
        profile_url(expected[0].public_identifier.as_deref().unwrap())
    );
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn all_parsers(bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        let _ = dash::parse(&text);
        let _ = legacy::parse(&text);
        let _ = summary::parse(&text);
        let _ = parse_any_page(&text);
        let _ = csv::import(bytes);
        let _ = crate::contacts::public_identifier_from_url(&text);
        let _ = csv::parse_date(&text);
        let _ = session::csrf_token(&text);
    }

    /// JSON that looks a lot like a page, with values of any type in any place.
    fn page_like() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_string()),
            Just("1766129924000".to_string()),
            Just("-1".to_string()),
            Just("1e308".to_string()),
            Just("\"urn:li:fsd_profile:A\"".to_string()),
            Just("\"urn:li:fsd_connection:A\"".to_string()),
            Just("[]".to_string()),
            Just("{}".to_string()),
            "\"[^\"\\\\]{0,8}\"",
        ];
        let keys = prop_oneof![
            Just("entityUrn"),
            Just("connectedMember"),
            Just("*connectedMemberResolutionResult"),
            Just("createdAt"),
            Just("publicIdentifier"),
            Just("firstName"),
            Just("profilePicture"),
            Just("displayImageReference"),
            Just("vectorImage"),
            Just("rootUrl"),
            Just("artifacts"),
            Just("width"),
            Just("fileIdentifyingUrlPathSegment"),
            Just("miniProfile"),
            Just("picture"),
            Just("elements"),
            Just("*elements"),
            Just("data"),
            Just("included"),
            Just("paging"),
            Just("total"),
            Just("numConnections"),
        ];
        leaf.prop_recursive(4, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|kv| {
                    let fields: Vec<String> =
                        kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                    format!("{{{}}}", fields.join(","))
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn no_bytes_make_a_parser_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            all_parsers(&bytes);
        }

        #[test]
        fn no_page_like_json_makes_a_parser_panic(json in page_like()) {
            all_parsers(json.as_bytes());
        }

        #[test]
        fn no_csv_like_text_makes_the_import_panic(
            rows in prop::collection::vec(
                prop::collection::vec("[a-zA-Z0-9 ,\"/:.%\r\n\u{feff}é🚀-]{0,30}", 0..9), 0..20)
        ) {
            let mut text = String::from("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n");
            for row in rows {
                text.push_str(&row.join(","));
                text.push('\n');
            }
            let _ = csv::import(text.as_bytes());
        }

        #[test]
        fn mangled_fixtures_never_panic(cut in 0usize..4000, byte in any::<u8>()) {
            for fixture in [fixture!("dash-profiles-first.json"), fixture!("legacy-page.json"), fixture!("csv/connections-quirks.csv")] {
                let mut bytes = fixture.as_bytes().to_vec();
                let at = cut % bytes.len();
                bytes[at] = byte;
                all_parsers(&bytes);
                all_parsers(&bytes[..at]);
            }
        }
    }
}

/// 30,000 connections as 750 dash pages of 40, parsed natively.
#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn bench_parse_30000_connections_in_750_dash_pages() {
    let s = Synthetic::new(1, 30_000);
    let pages: Vec<String> = (0..750).map(|p| s.dash_page(p * 40, 40)).collect();
    let bytes: usize = pages.iter().map(String::len).sum();
    let mut best = std::time::Duration::MAX;
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let mut n = 0;
        for page in &pages {
            n += dash::parse(page).unwrap().contacts.len();
        }
        assert_eq!(n, 30_000);
        best = best.min(t.elapsed());
    }
    println!(
        "parsed 30,000 connections from 750 dash pages ({:.1} MB) in {:.1} ms (best of 5)",
        bytes as f64 / 1e6,
        best.as_secs_f64() * 1e3
    );
}
