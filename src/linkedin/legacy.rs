//! The older Voyager connections list, `relationships/connections`: the fallback when the dash
//! list answers 400/404/410 (a rotated decoration, or the endpoint gone).
//!
//! Asked for plain JSON, it nests each connection's `miniProfile` inside its element and gives
//! `paging.total`. The member id is taken from the mini profile's URN
//! (`urn:li:fs_miniProfile:<id>`), the same id the dash list puts in `fsd_profile` URNs, so a
//! contact keeps its key whichever list it was read from.

use crate::json::Value;

use crate::http::HttpRequest;

use super::session::Session;
use super::{contact_from_profile, parse_json, photo, text, urn_id, Page, PageError, ReadSettings};

/// `GET …/relationships/connections?start=…&count=…&sortType=RECENTLY_ADDED`
pub fn request(settings: &ReadSettings, session: &Session, start: u32) -> HttpRequest {
    let url = settings.api(&format!(
        "relationships/connections?start={start}&count={}&sortType=RECENTLY_ADDED",
        settings.page_size()
    ));
    session.get(url, "application/json")
}

/// Parses one page of the legacy list.
pub fn parse(body: &str) -> Result<Page, PageError> {
    parse_value(&parse_json(body)?)
}

/// Whether a JSON value looks like a legacy list.
pub fn is_legacy_shape(value: &Value) -> bool {
    value.get("elements").is_some_and(Value::is_array)
}

/// Parses an already-decoded page.
pub fn parse_value(value: &Value) -> Result<Page, PageError> {
    let elements = value
        .get("elements")
        .and_then(Value::as_array)
        .ok_or_else(|| PageError::Shape("no \"elements\" list".into()))?;
    let total = value
        .get("paging")
        .and_then(|p| p.get("total"))
        .and_then(Value::as_u64)
        .map(|t| t.min(u64::from(u32::MAX)) as u32);
    let mut page = Page {
        elements: elements.len(),
        total,
        ..Page::default()
    };
    for (i, element) in elements.iter().enumerate() {
        let Some(mini) = element.get("miniProfile").filter(|m| m.is_object()) else {
            page.skipped.push(format!("element {i}: no miniProfile"));
            continue;
        };
        let member_id = mini
            .get("entityUrn")
            .and_then(Value::as_str)
            .and_then(urn_id)
            .map(str::to_string);
        let picture = mini.get("picture").and_then(|p| {
            p.get("com.linkedin.common.VectorImage")
                .and_then(photo)
                .or_else(|| photo(p))
        });
        let contact = contact_from_profile(
            member_id,
            text(mini, "publicIdentifier"),
            text(mini, "firstName"),
            text(mini, "lastName"),
            text(mini, "occupation"),
            element.get("createdAt").and_then(Value::as_i64),
            picture,
        );
        match contact {
            Some(c) => page.contacts.push(c),
            None => page.skipped.push(format!(
                "element {i}: neither a public identifier nor a member id"
            )),
        }
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_url() {
        let s = Session::from_jsessionid(Some("ajax:1")).unwrap();
        let r = request(&ReadSettings::default(), &s, 40);
        assert_eq!(
            r.url,
            "https://www.linkedin.com/voyager/api/relationships/connections?start=40&count=40&sortType=RECENTLY_ADDED"
        );
        assert_eq!(r.header("accept"), Some("application/json"));
    }

    #[test]
    fn elements_without_a_profile_are_skipped() {
        let page =
            parse(r#"{"paging":{"total":2},"elements":[{"createdAt":1},{"miniProfile":{}}]}"#)
                .unwrap();
        assert_eq!(
            (page.elements, page.contacts.len(), page.skipped.len()),
            (2, 0, 2)
        );
        assert_eq!(page.total, Some(2));
        assert!(matches!(
            parse(r#"{"paging":{}}"#),
            Err(PageError::Shape(_))
        ));
    }
}
