//! The total for the progress bar: `relationships/connectionsSummary` → `numConnections`.
//!
//! Only a hint: a read never depends on it (the end of the list is a short page), so a summary
//! that fails or changes shape just leaves the bar without a total.

use crate::json::Value;

use crate::http::{HttpRequest, HttpResponse};

use super::session::{Session, ACCEPT_NORMALIZED};
use super::{parse_json, PageError, ReadSettings};

/// `GET …/relationships/connectionsSummary`
pub fn request(settings: &ReadSettings, session: &Session) -> HttpRequest {
    session.get(
        settings.api("relationships/connectionsSummary"),
        ACCEPT_NORMALIZED,
    )
}

/// The number of connections in a summary answer (plain or normalized: `numConnections` at the
/// top, under `data`, or in an `included` entity).
pub fn parse(body: &str) -> Result<u32, PageError> {
    let value = parse_json(body)?;
    let found = value
        .get("numConnections")
        .or_else(|| value.get("data").and_then(|d| d.get("numConnections")))
        .or_else(|| {
            value
                .get("included")
                .and_then(Value::as_array)?
                .iter()
                .find_map(|e| e.get("numConnections"))
        });
    found
        .and_then(Value::as_u64)
        .map(|n| n.min(u64::from(u32::MAX)) as u32)
        .ok_or_else(|| PageError::Shape("no numConnections in the connections summary".into()))
}

/// Reads a summary response; `None` when it gives no usable total (never an error: see above).
pub fn read(response: &HttpResponse) -> Option<u32> {
    if !response.is_success() || super::session::is_html(response) {
        return None;
    }
    parse(&response.body).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_in_every_known_place() {
        assert_eq!(parse(r#"{"numConnections":4882,"x":1}"#), Ok(4882));
        assert_eq!(parse(r#"{"data":{"numConnections":7}}"#), Ok(7));
        assert_eq!(
            parse(r#"{"data":{},"included":[{"$type":"x"},{"numConnections":9}]}"#),
            Ok(9)
        );
        assert!(parse("{}").is_err());
        assert!(parse("<html>").is_err());
    }
}
