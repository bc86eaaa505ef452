//! `allyshare-inspect`: runs the extension's own LinkedIn parsers on saved files, for debugging
//! when LinkedIn changes something.
//!
//! ```text
//! cargo run -q --bin allyshare-inspect -- voyager FILE...   # saved dash or legacy list pages
//! cargo run -q --bin allyshare-inspect -- csv FILE          # a Connections.csv export
//! ```
//!
//! Prints JSON Lines on stdout, one contact per line, each with exactly the keys `member_id`,
//! `public_identifier`, `profile_url`, `first_name`, `last_name`, `headline`,
//! `connected_on` (null where the source has nothing). Input it cannot use prints
//! nothing on stdout, one line naming the problem on stderr, and exits non-zero; every file is
//! read before anything is printed, so a bad file among good ones prints nothing either. Skipped
//! rows and entries are reported on stderr, as notes.

use std::process::ExitCode;

use allyshare::contacts::ContactRecord;
use allyshare::linkedin::{csv, parse_any_page};
use serde::Serialize;

const USAGE: &str = "usage: allyshare-inspect voyager FILE... | allyshare-inspect csv FILE";

/// One output line: exactly these keys, in this order.
#[derive(Serialize)]
struct Line<'a> {
    member_id: Option<&'a str>,
    public_identifier: Option<&'a str>,
    profile_url: &'a str,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    headline: Option<&'a str>,
    connected_on: Option<&'a str>,
}

impl<'a> From<&'a ContactRecord> for Line<'a> {
    fn from(c: &'a ContactRecord) -> Self {
        Line {
            member_id: c.member_id.as_deref(),
            public_identifier: c.public_identifier.as_deref(),
            profile_url: &c.profile_url,
            first_name: c.first_name.as_deref(),
            last_name: c.last_name.as_deref(),
            headline: c.headline.as_deref(),
            connected_on: c.connected_on.as_deref(),
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok((contacts, notes)) => {
            for note in notes {
                eprintln!("note: {note}");
            }
            let mut out = String::new();
            for c in &contacts {
                // Plain structs of strings: serialising cannot fail.
                out.push_str(&serde_json::to_string(&Line::from(c)).unwrap_or_default());
                out.push('\n');
            }
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("allyshare-inspect: {}", message.replace('\n', " "));
            ExitCode::from(if message.starts_with("usage") { 2 } else { 1 })
        }
    }
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{path}: cannot read the file: {e}"))
}

fn run(args: &[String]) -> Result<(Vec<ContactRecord>, Vec<String>), String> {
    let (command, files) = args.split_first().ok_or(USAGE)?;
    let mut contacts = Vec::new();
    let mut notes = Vec::new();
    match command.as_str() {
        "voyager" if !files.is_empty() => {
            for path in files {
                let bytes = read(path)?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| format!("{path}: not UTF-8 text, so not a LinkedIn API answer"))?;
                let (source, page) = parse_any_page(&text).map_err(|e| format!("{path}: {e}"))?;
                notes.push(format!(
                    "{path}: {source:?} list, {} entries, {} contacts",
                    page.elements,
                    page.contacts.len()
                ));
                notes.extend(page.skipped.iter().map(|s| format!("{path}: skipped {s}")));
                contacts.extend(page.contacts);
            }
        }
        "csv" if files.len() == 1 => {
            let path = &files[0];
            let import = csv::import(&read(path)?).map_err(|e| format!("{path}: {e}"))?;
            notes.push(format!("{path}: {}", import.summary()));
            notes.extend(
                import
                    .skipped
                    .iter()
                    .map(|s| format!("{path}:{}: skipped, {}", s.line, s.reason.describe())),
            );
            contacts = import.contacts;
        }
        _ => return Err(USAGE.into()),
    }
    Ok((contacts, notes))
}
