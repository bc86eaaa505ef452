//! The inspect command, run as a program on the fixtures.

use std::process::{Command, Output};

use serde_json::{Map, Value};

const BIN: &str = env!("CARGO_BIN_EXE_allyshare-inspect");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/linkedin");
const KEYS: [&str; 7] = [
    "member_id",
    "public_identifier",
    "profile_url",
    "first_name",
    "last_name",
    "headline",
    "connected_on",
];

fn inspect(args: &[&str]) -> Output {
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            if a.contains('.') {
                format!("{FIXTURES}/{a}")
            } else {
                a.to_string()
            }
        })
        .collect();
    Command::new(BIN).args(&args).output().expect("runs")
}

fn lines(out: &Output) -> Vec<Map<String, Value>> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| match serde_json::from_str(l).unwrap() {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        })
        .collect()
}

fn assert_failed(out: &Output, mentions: &str) {
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(
        err.to_lowercase().contains(mentions),
        "{err:?} should mention {mentions:?}"
    );
}

#[test]
fn voyager_dash_and_legacy_files() {
    let out = inspect(&["voyager", "dash-profiles-first.json", "legacy-page.json"]);
    let lines = lines(&out);
    assert_eq!(lines.len(), 7);
    for line in &lines {
        let keys: Vec<&str> = line.keys().map(String::as_str).collect();
        let mut expected = KEYS.to_vec();
        expected.sort();
        let mut keys_sorted = keys.clone();
        keys_sorted.sort();
        assert_eq!(keys_sorted, expected, "exactly the nine keys");
    }
    assert_eq!(
        Value::Object(lines[0].clone()),
        serde_json::json!({
            "member_id": "ACoAAA1ada",
            "public_identifier": "ada-lovelace-1a2b3c",
            "profile_url": "https://www.linkedin.com/in/ada-lovelace-1a2b3c/",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "headline": "Chief Engineer at Analytical Engines",
            "connected_on": "2025-12-19",
        })
    );
    assert_eq!(lines[1]["headline"], Value::Null);
    assert_eq!(lines[2]["public_identifier"], "🚀rocket-zoë");
    assert_eq!(lines[3]["connected_on"], Value::Null);
    // Legacy gives the same people with the same ids.
    assert_eq!(lines[4]["member_id"], "ACoAAA1ada");
    assert_eq!(lines[6]["profile_url"], lines[2]["profile_url"]);
}

#[test]
fn csv_file() {
    let lines = lines(&inspect(&["csv", "csv/connections-quirks.csv"]));
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["member_id"], Value::Null);
    assert_eq!(lines[0]["connected_on"], "2024-03-05");
    assert_eq!(lines[0].len(), 7);
    // Neither the emails nor the export's company and position columns come out.
    assert!(!lines.iter().any(|l| l.values().any(|v| v
        .as_str()
        .is_some_and(|s| s.contains('@') || s.contains("Analytical Engines")))));
}

#[test]
fn unusable_input_prints_nothing_and_one_error_line() {
    assert_failed(&inspect(&["voyager", "authwall.html"]), "web page");
    assert_failed(&inspect(&["voyager", "broken.json"]), "not valid json");
    assert_failed(
        &inspect(&["voyager", "connections-summary.json"]),
        "unknown shape",
    );
    // One bad file among good ones: still nothing on stdout.
    assert_failed(
        &inspect(&["voyager", "dash-profiles-first.json", "authwall.html"]),
        "authwall.html",
    );
    assert_failed(&inspect(&["csv", "csv/not-connections.csv"]), "header");
    assert_failed(&inspect(&["csv", "authwall.html"]), "header");
    assert_failed(&inspect(&["csv", "no-such-file.csv"]), "cannot read");
    assert_failed(&inspect(&["voyager"]), "usage");
    assert_failed(&inspect(&["frobnicate", "x.json"]), "usage");
}
