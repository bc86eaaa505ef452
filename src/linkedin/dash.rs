//! The Voyager dash connections list, `relationships/dash/connections`: what the LinkedIn web
//! client itself uses, newest first, in normalized JSON.
//!
//! A normalized answer does not nest: `data["*elements"]` lists connection URNs in page order,
//! and every entity (connections, profiles, whatever else LinkedIn adds) sits flat in
//! `included`, in no particular order. So the parser indexes `included` by `entityUrn` first and
//! then follows the URNs: element → Connection → its `connectedMember` Profile. Entities of
//! unknown `$type`s are indexed like the rest and simply never reached; unknown fields are never
//! read; a missing field gives a missing value, never an error.

use std::collections::HashMap;

use crate::json::Value;

use crate::http::HttpRequest;

use super::session::{Session, ACCEPT_NORMALIZED};
use super::{contact_from_profile, photo, text, urn_id, Page, PageError, ReadSettings};

/// `GET …/relationships/dash/connections?decorationId=…&count=…&q=search&sortType=RECENTLY_ADDED&start=…`
pub fn request(settings: &ReadSettings, session: &Session, start: u32) -> HttpRequest {
    let url = settings.api(&format!(
        "relationships/dash/connections?decorationId={}&count={}&q=search&sortType=RECENTLY_ADDED&start={start}",
        query_encode(&settings.decoration_id),
        settings.page_size(),
    ));
    session.get(url, ACCEPT_NORMALIZED)
}

/// Encodes a query value (decoration ids are plain, but a setting may hold anything).
fn query_encode(s: &str) -> String {
    crate::contacts::percent_encode_segment(s)
}

/// Parses one page of the dash list (straight into the fields it needs: see `dash_typed`).
pub fn parse(body: &str) -> Result<Page, PageError> {
    let trimmed = body.trim_start_matches('\u{feff}').trim_start();
    if super::session::looks_like_html(trimmed) {
        return Err(PageError::Html);
    }
    super::dash_typed::parse_text(trimmed)
}

/// Whether a JSON value looks like a dash (normalized) list.
pub fn is_dash_shape(value: &Value) -> bool {
    value
        .get("data")
        .is_some_and(|d| d.get("*elements").is_some() || d.get("elements").is_some())
        || value.get("included").is_some()
}

/// Parses an already-decoded page.
pub fn parse_value(value: &Value) -> Result<Page, PageError> {
    let data = value
        .get("data")
        .ok_or_else(|| PageError::Shape("no \"data\" object".into()))?;
    let elements = data
        .get("*elements")
        .or_else(|| data.get("elements"))
        .and_then(Value::as_array)
        .ok_or_else(|| PageError::Shape("no \"data.*elements\" list".into()))?;

    let mut by_urn: HashMap<&str, &Value> = HashMap::new();
    if let Some(included) = value.get("included").and_then(Value::as_array) {
        for entity in included {
            if let Some(urn) = entity.get("entityUrn").and_then(Value::as_str) {
                by_urn.insert(urn, entity);
            }
        }
    }

    let mut page = Page {
        elements: elements.len(),
        ..Page::default()
    };
    for (i, element) in elements.iter().enumerate() {
        // Usually a URN string; an inlined entity (non-normalized answer) is accepted too.
        let connection = match element {
            Value::String(urn) => match by_urn.get(urn.as_str()) {
                Some(c) => *c,
                None => {
                    page.skipped
                        .push(format!("element {i}: {urn} is not in \"included\""));
                    continue;
                }
            },
            Value::Object(_) => element,
            _ => {
                page.skipped
                    .push(format!("element {i}: neither a URN nor an object"));
                continue;
            }
        };
        match contact_of(connection, &by_urn) {
            Ok(contact) => page.contacts.push(contact),
            Err(reason) => page.skipped.push(format!("element {i}: {reason}")),
        }
    }
    Ok(page)
}

fn contact_of(
    connection: &Value,
    by_urn: &HashMap<&str, &Value>,
) -> Result<crate::contacts::ContactRecord, String> {
    let member_urn = ["connectedMember", "*connectedMemberResolutionResult"]
        .iter()
        .find_map(|f| connection.get(f).and_then(Value::as_str));
    let inline = connection.get("connectedMemberResolutionResult");
    let profile = match (member_urn.and_then(|u| by_urn.get(u)), inline) {
        (Some(p), _) => *p,
        (None, Some(p)) if p.is_object() => p,
        (None, _) => {
            return Err(match member_urn {
                Some(urn) => format!("profile {urn} is not in \"included\""),
                None => "the connection names no member".into(),
            })
        }
    };
    let member_id = profile
        .get("entityUrn")
        .and_then(Value::as_str)
        .or(member_urn)
        .and_then(urn_id)
        .map(str::to_string);
    let created_at = connection.get("createdAt").and_then(Value::as_i64);
    let picture = profile.get("profilePicture");
    let image = picture.and_then(|p| {
        [
            "displayImageReference",
            "displayImageWithFrameReferenceUnion",
        ]
        .iter()
        .find_map(|f| p.get(f)?.get("vectorImage").and_then(photo))
    });
    contact_from_profile(
        member_id,
        text(profile, "publicIdentifier"),
        text(profile, "firstName"),
        text(profile, "lastName"),
        text(profile, "headline"),
        created_at,
        image,
    )
    .ok_or_else(|| "the profile has neither a public identifier nor a member id".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_has_every_required_parameter() {
        let s = Session::from_jsessionid(Some("\"ajax:1\"")).unwrap();
        let settings = ReadSettings {
            decoration_id: "deco-5".into(),
            page_size: 40,
            ..ReadSettings::default()
        };
        let r = request(&settings, &s, 80);
        assert_eq!(
            r.url,
            "https://www.linkedin.com/voyager/api/relationships/dash/connections?decorationId=deco-5&count=40&q=search&sortType=RECENTLY_ADDED&start=80"
        );
        assert_eq!(r.header("csrf-token"), Some("ajax:1"));
        assert_eq!(r.header("accept"), Some(ACCEPT_NORMALIZED));
        assert_eq!(r.headers.len(), 3);
    }

    #[test]
    fn shape_errors_are_named() {
        assert!(matches!(parse("{}"), Err(PageError::Shape(_))));
        assert!(matches!(parse("{\"data\":{}}"), Err(PageError::Shape(_))));
        assert!(matches!(parse("{\"data\""), Err(PageError::NotJson(_))));
        assert!(matches!(parse("<!DOCTYPE html>"), Err(PageError::Html)));
        let empty = parse(r#"{"data":{"*elements":[]},"included":[]}"#).unwrap();
        assert_eq!(empty.elements, 0);
        assert!(empty.contacts.is_empty());
    }

    /// The `Value` reading every page was once parsed with: the rules' reference.
    fn parse_via_value(body: &str) -> Result<Page, PageError> {
        parse_value(&super::super::parse_json(body)?)
    }

    fn same_as_reference(body: &str) {
        match (parse(body), parse_via_value(body)) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{body}"),
            (Err(PageError::NotJson(_)), Err(PageError::NotJson(_))) => {}
            (a, b) => assert_eq!(a, b, "{body}"),
        }
    }

    #[test]
    fn the_direct_reader_follows_the_value_rules() {
        let pages = [
            include_str!("../../tests/fixtures/linkedin/dash-connections-first.json"),
            include_str!("../../tests/fixtures/linkedin/dash-profiles-first.json"),
            include_str!("../../tests/fixtures/linkedin/dash-empty-page.json"),
            include_str!(
                "../../tests/fixtures/linkedin/synthetic-seed1-n12-dash-start8-count4.json"
            ),
            include_str!("../../tests/fixtures/linkedin/legacy-page.json"),
            include_str!("../../tests/fixtures/linkedin/broken.json"),
            include_str!("../../tests/fixtures/linkedin/me.json"),
        ];
        let synthetic = crate::linkedin::synthetic::Synthetic::new(5, 130);
        let generated: Vec<String> = (0..4).map(|p| synthetic.dash_page(p * 40, 40)).collect();
        for page in pages
            .iter()
            .copied()
            .chain(generated.iter().map(String::as_str))
        {
            same_as_reference(page);
            // Cut short anywhere: the same error, or (a prefix that is whole JSON) the same page.
            for cut in (0..page.len())
                .step_by(97)
                .filter(|&c| page.is_char_boundary(c))
            {
                same_as_reference(&page[..cut]);
            }
        }
        let profile = r#"{"entityUrn":"urn:li:fsd_profile:P","publicIdentifier":"  p\u00e9 ","firstName":"A","firstName":"B","headline":7,"profilePicture":{"displayImageReference":{"vectorImage":{"rootUrl":"r/","artifacts":[5,{"width":100.5,"fileIdentifyingUrlPathSegment":"a"},{"width":-3,"fileIdentifyingUrlPathSegment":"b","expiresAt":-1},{"width":400,"fileIdentifyingUrlPathSegment":"c","expiresAt":18446744073709551615}]}},"displayImageWithFrameReferenceUnion":null}}"#;
        let edge_cases = [
            "null".to_string(),
            "[]".into(),
            "5".into(),
            r#"{"data":null}"#.into(),
            r#"{"data":5}"#.into(),
            r#"{"data":{"*elements":null,"elements":[]}}"#.into(),
            r#"{"data":{"elements":["x"]},"included":{"a":1}}"#.into(),
            r#"{"data":{"*elements":"x"}}"#.into(),
            format!(
                r#"{{"data":{{"*elements":["urn:li:c:1",null,[1],{{"connectedMember":"urn:li:fsd_profile:P","createdAt":-5}},{{"connectedMemberResolutionResult":{profile},"createdAt":1.5}},{{"connectedMemberResolutionResult":null}},{{"*connectedMemberResolutionResult":3,"connectedMember":"urn:li:fsd_profile:Q"}}]}},"included":[{{"entityUrn":"urn:li:c:1","connectedMember":"urn:li:fsd_profile:P","createdAt":9223372036854775808}},{profile},{{"entityUrn":"urn:li:fsd_profile:Q","entityUrn":"urn:li:fsd_profile:P2"}},{{"entityUrn":7}}]}}"#
            ),
            format!(
                r#"{{"data":{{"elements":[{{"connectedMember":"urn:li:fsd_profile:P"}}]}},"included":[{profile},{{"entityUrn":"urn:li:fsd_profile:P","publicIdentifier":"last"}}]}}"#
            ),
            r#"{"data":{"*elements":["urn:li:c:\u0031"]},"included":[{"entityUrn":"urn:li:c:1","connectedMember":"urn:li:fsd_profile:X"},{"entityUrn":"urn:li:fsd_profile:X","publicIdentifier":"x\"y"}]}"#.into(),
            "\u{feff}  {\"data\":{\"*elements\":[]}}".into(),
        ];
        for page in &edge_cases {
            same_as_reference(page);
        }
    }

    #[test]
    fn dangling_urns_are_skipped_with_a_reason() {
        let page = parse(
            r#"{"data":{"*elements":["urn:li:fsd_connection:X", 7]},"included":[
              {"entityUrn":"urn:li:fsd_connection:Y","connectedMember":"urn:li:fsd_profile:Y"}]}"#,
        )
        .unwrap();
        assert_eq!(page.elements, 2);
        assert!(page.contacts.is_empty());
        assert_eq!(page.skipped.len(), 2);
    }
}
