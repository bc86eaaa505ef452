//! What the ally shares, as files they can keep: CSV (opens in a spreadsheet) and JSON.
//! Only contacts that are shared (not excluded) are written.

use serde::Serialize;

use crate::messages::ContactRow;

#[derive(Serialize)]
struct Shared<'a> {
    name: &'a str,
    headline: Option<&'a str>,
    profile_url: &'a str,
    connected_on: Option<&'a str>,
}

fn shared(rows: &[ContactRow]) -> impl Iterator<Item = Shared<'_>> {
    rows.iter().filter(|r| !r.excluded).map(|r| Shared {
        name: &r.name,
        headline: r.headline.as_deref(),
        profile_url: &r.profile_url,
        connected_on: r.connected_on.as_deref(),
    })
}

/// One CSV cell: quoted when needed, and a leading `=`, `+`, `-` or `@` neutralised so a
/// spreadsheet never runs a name as a formula.
fn cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The shared contacts as CSV (RFC 4180, CRLF line ends, with a header).
pub fn to_csv(rows: &[ContactRow]) -> String {
    let mut out = String::from("Name,Headline,Profile URL,Connected On\r\n");
    for r in shared(rows) {
        let cells = [
            r.name,
            r.headline.unwrap_or(""),
            r.profile_url,
            r.connected_on.unwrap_or(""),
        ];
        let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The shared contacts as a JSON array.
pub fn to_json(rows: &[ContactRow]) -> String {
    crate::json::to_string_pretty(&shared(rows).collect::<Vec<_>>()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, excluded: bool) -> ContactRow {
        ContactRow {
            key: format!("url:{name}"),
            name: name.into(),
            headline: Some("CTO, \"Acme\"".into()),
            profile_url: "https://www.linkedin.com/in/x/".into(),
            connected_on: Some("2024-01-02".into()),
            excluded,
        }
    }

    #[test]
    fn csv_quotes_neutralises_formulas_and_leaves_out_the_excluded() {
        let csv = to_csv(&[row("=HYPERLINK(1)", false), row("Kept Out", true)]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "Name,Headline,Profile URL,Connected On");
        assert_eq!(
            lines[1],
            "'=HYPERLINK(1),\"CTO, \"\"Acme\"\"\",https://www.linkedin.com/in/x/,2024-01-02"
        );
        assert_eq!(lines.len(), 3, "one row and the final line end");
    }

    #[test]
    fn json_holds_only_shared_fields() {
        let json: serde_json::Value =
            serde_json::from_str(&to_json(&[row("<img src=x>", false), row("B", true)])).unwrap();
        let list = json.as_array().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["name"], "<img src=x>");
        assert!(list[0].get("excluded").is_none() && list[0].get("key").is_none());
    }
}
