//! Importing `Connections.csv`, the ally's own LinkedIn data export: the source that always
//! works, with no LinkedIn session at all.
//!
//! The file is small (30,000 rows at most) but untidy, so this is a hand-written, forgiving
//! parser rather than a CSV crate (it keeps the wasm small, and every quirk is handled in one
//! place):
//!
//! - a `Notes:` preamble (a quoted paragraph, then a blank line) before the header, or none;
//! - a UTF-8 byte-order mark; UTF-16 (re-saved by a spreadsheet); Latin-1 when not UTF-8;
//! - the 7-column header `First Name,Last Name,URL,Email Address,Company,Position,Connected On`,
//!   the older 6-column one without `URL`, and localized headers (the alias table below — the
//!   non-English names are our best guess: LinkedIn exports in English as far as we know);
//! - `;` or tab separators (a spreadsheet re-save in some locales);
//! - quoted fields with commas, doubled quotes and line breaks; CRLF, LF or CR line ends;
//! - all-empty rows (`,,,,,,`), rows without a URL or without a name, the same profile with and
//!   without a trailing `/` (kept once);
//! - `DD Mon YYYY` dates (`05 Mar 2024`), also ISO `YYYY-MM-DD`.
//!
//! Every row that cannot be used is counted with its reason ([`SkipReason`]), so the ally sees
//! "1,230 imported, 4 skipped: 3 without a profile URL, 1 duplicate" rather than a silent zero.
//! The URL is the only key an export has (no member id): contacts are matched to API ones by
//! public identifier ([`ContactRecord::url_key`](crate::contacts::ContactRecord::url_key)). Only the
//! columns a shared contact has are read (names, URL, connected-on date: the design's *Minimal
//! data*): email addresses, company, position and any other column are read past and dropped,
//! never kept nor uploaded.

use std::collections::HashSet;

use allyshare_protocol::csv::Record;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::contacts::{civil_from_days, ContactRecord};
use crate::contacts::{days_from_civil, is_valid_date, profile_url, public_identifier_from_url};

/// The file cannot be imported at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CsvError {
    #[error("the file is empty: choose Connections.csv from your LinkedIn data export")]
    Empty,
    #[error("this is the ZIP archive LinkedIn sent: open it and choose Connections.csv inside")]
    Archive,
    #[error(
        "the file is not a text (CSV) file: choose Connections.csv from your LinkedIn data export"
    )]
    NotText,
    #[error("no header row with First Name and Last Name columns was found: this does not look like LinkedIn's Connections.csv")]
    NoHeader,
}

/// Which header the file had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsvFormat {
    /// With a `URL` column: every complete row is usable.
    WithUrl,
    /// The older export without `URL`: no row has a key, so none can be used — the ally needs a
    /// newer export.
    WithoutUrl,
}

/// Why a row was not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Nothing in it (`,,,,,,`).
    Empty,
    /// No profile URL: nothing to identify the person by.
    NoUrl,
    /// The URL is not a LinkedIn member profile (`/in/…`).
    NotAProfileUrl,
    /// Neither a first nor a last name.
    NoName,
    /// The same profile appeared on an earlier row.
    Duplicate,
    /// More fields than the header has columns (an unquoted comma): the columns cannot be trusted.
    ColumnsMisaligned,
}

impl SkipReason {
    /// What the ally reads.
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::Empty => "empty row",
            SkipReason::NoUrl => "no profile URL",
            SkipReason::NotAProfileUrl => "not a LinkedIn profile URL",
            SkipReason::NoName => "no name",
            SkipReason::Duplicate => "same profile as an earlier row",
            SkipReason::ColumnsMisaligned => "more fields than the header has columns",
        }
    }
}

/// One row that was not imported. `line` is the file's line where the row starts (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRow {
    pub line: usize,
    pub reason: SkipReason,
}

/// The result of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvImport {
    /// The usable contacts, in file order (LinkedIn writes newest first).
    pub contacts: Vec<ContactRecord>,
    /// Every row after the header that was not imported, with why.
    pub skipped: Vec<SkippedRow>,
    pub format: CsvFormat,
    /// Rows whose `Connected On` could not be read (imported without a date).
    pub unreadable_dates: usize,
}

impl CsvImport {
    /// Skipped rows counted by reason, most common first.
    pub fn skipped_by_reason(&self) -> Vec<(SkipReason, usize)> {
        let mut counts: Vec<(SkipReason, usize)> = Vec::new();
        for row in &self.skipped {
            match counts.iter_mut().find(|(r, _)| *r == row.reason) {
                Some((_, n)) => *n += 1,
                None => counts.push((row.reason, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts
    }

    /// A one-line summary for the ally: "3 imported, 2 skipped (1 empty row, 1 no profile URL)".
    pub fn summary(&self) -> String {
        let mut s = format!("{} imported", self.contacts.len());
        if !self.skipped.is_empty() {
            let parts: Vec<String> = self
                .skipped_by_reason()
                .iter()
                .map(|(r, n)| format!("{n} {}", r.describe()))
                .collect();
            s.push_str(&format!(
                ", {} skipped ({})",
                self.skipped.len(),
                parts.join(", ")
            ));
        }
        if self.format == CsvFormat::WithoutUrl {
            s.push_str(": this older export has no profile URLs — download a new copy of your data from LinkedIn");
        }
        s
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    FirstName,
    LastName,
    Url,
    Email,
    ConnectedOn,
}

/// Header names, compared after trimming and lower-casing. English is LinkedIn's; the rest are
/// our guesses at localized exports.
const ALIASES: &[(Column, &[&str])] = &[
    (
        Column::FirstName,
        &[
            "first name",
            "firstname",
            "first",
            "prénom",
            "prenom",
            "vorname",
            "nombre",
            "nome",
            "voornaam",
        ],
    ),
    (
        Column::LastName,
        &[
            "last name",
            "lastname",
            "last",
            "surname",
            "nom",
            "nom de famille",
            "nachname",
            "apellidos",
            "apellido",
            "cognome",
            "sobrenome",
            "achternaam",
        ],
    ),
    (
        Column::Url,
        &[
            "url",
            "profile url",
            "linkedin url",
            "url du profil",
            "profil-url",
            "url del perfil",
            "url do perfil",
        ],
    ),
    (
        Column::Email,
        &[
            "email address",
            "email",
            "e-mail",
            "e-mail address",
            "adresse e-mail",
            "adresse email",
            "e-mail-adresse",
            "dirección de correo electrónico",
            "correo electrónico",
            "indirizzo email",
        ],
    ),
    (
        Column::ConnectedOn,
        &[
            "connected on",
            "connected",
            "date de connexion",
            "connecté le",
            "connecte le",
            "verbunden am",
            "vernetzt am",
            "verbunden seit",
            "conectado el",
            "fecha de conexión",
            "collegato il",
            "conectado em",
            "connectie sinds",
        ],
    ),
];

fn column_of(name: &str) -> Option<Column> {
    let name = name
        .trim()
        .trim_start_matches('\u{feff}')
        .trim()
        .to_lowercase();
    ALIASES
        .iter()
        .find(|(_, names)| names.contains(&name.as_str()))
        .map(|(c, _)| *c)
}

/// Imports a `Connections.csv` file given as raw bytes.
pub fn import(bytes: &[u8]) -> Result<CsvImport, CsvError> {
    let text = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let (records, header_at, columns) = [',', ';', '\t']
        .into_iter()
        .find_map(|d| {
            let records = records(&text, d);
            let (at, columns) = find_header(&records)?;
            Some((records, at, columns))
        })
        .ok_or(CsvError::NoHeader)?;
    let index = |c: Column| columns.iter().position(|x| *x == Some(c));
    let format = if index(Column::Url).is_some() {
        CsvFormat::WithUrl
    } else {
        CsvFormat::WithoutUrl
    };
    let mut result = CsvImport {
        contacts: Vec::new(),
        skipped: Vec::new(),
        format,
        unreadable_dates: 0,
    };
    let mut seen: HashSet<String> = HashSet::new();
    for record in &records[header_at + 1..] {
        let skip = |reason| SkippedRow {
            line: record.line,
            reason,
        };
        let fields = &record.fields;
        if fields.iter().all(|f| f.trim().is_empty()) {
            // A trailing line break makes no row at all; a truly blank line is still counted.
            result.skipped.push(skip(SkipReason::Empty));
            continue;
        }
        if fields.len() > columns.len()
            && fields[columns.len()..].iter().any(|f| !f.trim().is_empty())
        {
            result.skipped.push(skip(SkipReason::ColumnsMisaligned));
            continue;
        }
        let get = |c: Column| {
            index(c)
                .and_then(|i| fields.get(i))
                .map(|f| f.trim())
                .filter(|f| !f.is_empty())
                .map(str::to_string)
        };
        let Some(url) = get(Column::Url) else {
            result.skipped.push(skip(SkipReason::NoUrl));
            continue;
        };
        let Some(public_id) = public_identifier_from_url(&url) else {
            result.skipped.push(skip(SkipReason::NotAProfileUrl));
            continue;
        };
        let (first_name, last_name) = (get(Column::FirstName), get(Column::LastName));
        if first_name.is_none() && last_name.is_none() {
            result.skipped.push(skip(SkipReason::NoName));
            continue;
        }
        if !seen.insert(public_id.to_lowercase()) {
            result.skipped.push(skip(SkipReason::Duplicate));
            continue;
        }
        let connected_on = get(Column::ConnectedOn).and_then(|d| {
            let parsed = parse_date(&d);
            if parsed.is_none() {
                result.unreadable_dates += 1;
            }
            parsed
        });
        result.contacts.push(ContactRecord {
            member_id: None,
            profile_url: profile_url(&public_id),
            public_identifier: Some(public_id),
            first_name,
            last_name,
            headline: None,
            connected_on,
            photo_url: None,
        });
    }
    Ok(result)
}

/// Bytes to text: UTF-8 (BOM dropped), UTF-16 with a BOM, else Latin-1. Archives and binary
/// files are refused with a message that says what to choose instead.
fn decode(bytes: &[u8]) -> Result<String, CsvError> {
    if bytes.is_empty() {
        return Err(CsvError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(CsvError::Archive);
    }
    let utf16 = |le: bool| {
        let units = bytes[2..].chunks_exact(2).map(|p| {
            if le {
                u16::from_le_bytes([p[0], p[1]])
            } else {
                u16::from_be_bytes([p[0], p[1]])
            }
        });
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
    };
    let text = if bytes.starts_with(&[0xFF, 0xFE]) {
        utf16(true)
    } else if bytes.starts_with(&[0xFE, 0xFF]) {
        utf16(false)
    } else {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => bytes.iter().map(|&b| b as char).collect(),
        }
    };
    if text.contains('\0') {
        return Err(CsvError::NotText);
    }
    Ok(text)
}

/// Splits text into records; an unclosed quote runs to the end of the file (the rows after it
/// are then reported as unusable, not lost silently).
fn records(text: &str, delimiter: char) -> Vec<Record> {
    allyshare_protocol::csv::records(text, delimiter).records
}

/// The first record that names at least a first-name and a last-name column, with each column's
/// meaning. Looked for among the first 50 records (the preamble is a few lines).
fn find_header(records: &[Record]) -> Option<(usize, Vec<Option<Column>>)> {
    records.iter().take(50).enumerate().find_map(|(i, r)| {
        let columns: Vec<Option<Column>> = r.fields.iter().map(|f| column_of(f)).collect();
        let has = |c| columns.contains(&Some(c));
        (has(Column::FirstName) && has(Column::LastName)).then_some((i, columns))
    })
}

/// A `Connected On` value as `YYYY-MM-DD`: `DD Mon YYYY` (English month names, full or short,
/// and the common French, German and Spanish ones) or ISO `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    let ymd = if let Some((y, m, d)) = iso_date(s) {
        (y, m, d)
    } else {
        let parts: Vec<&str> = s
            .split(|c: char| c.is_whitespace() || c == '-' || c == ',')
            .filter(|p| !p.is_empty())
            .collect();
        let [d, mon, y] = parts.as_slice() else {
            return None;
        };
        (y.parse().ok()?, month(mon)?, d.parse().ok()?)
    };
    let (y, m, d) = ymd;
    if !(1900..=9999).contains(&y) || !is_valid_date(y, m, d) {
        return None;
    }
    // Round-trip through the day count: the output is canonical whatever the input's padding.
    let (y, m, d) = civil_from_days(days_from_civil(y, m, d));
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

fn iso_date(s: &str) -> Option<(i64, u32, u32)> {
    let mut it = s.splitn(3, '-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if y.len() != 4 {
        return None;
    }
    Some((y.parse().ok()?, m.parse().ok()?, d.parse().ok()?))
}

fn month(name: &str) -> Option<u32> {
    const MONTHS: [&[&str]; 12] = [
        &[
            "jan", "january", "janv", "janvier", "januar", "ene", "enero",
        ],
        &[
            "feb", "february", "févr", "fevr", "février", "fev", "februar", "febrero",
        ],
        &["mar", "march", "mars", "mär", "märz", "marz", "marzo"],
        &["apr", "april", "avr", "avril", "abr", "abril"],
        &["may", "mai", "mayo"],
        &["jun", "june", "juin", "juni", "junio"],
        &["jul", "july", "juil", "juillet", "juli", "julio"],
        &["aug", "august", "août", "aout", "ago", "agosto"],
        &["sep", "sept", "september", "septembre", "septiembre"],
        &["oct", "october", "octobre", "okt", "oktober", "octubre"],
        &["nov", "november", "novembre", "noviembre"],
        &[
            "dec",
            "december",
            "déc",
            "decembre",
            "décembre",
            "dez",
            "dezember",
            "dic",
            "diciembre",
        ],
    ];
    let name = name.trim_end_matches('.').to_lowercase();
    MONTHS
        .iter()
        .position(|names| names.contains(&name.as_str()))
        .map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("05 Mar 2024").as_deref(), Some("2024-03-05"));
        assert_eq!(parse_date("5 March 2024").as_deref(), Some("2024-03-05"));
        assert_eq!(parse_date("29 Feb 2024").as_deref(), Some("2024-02-29"));
        assert_eq!(parse_date("12 déc. 2023").as_deref(), Some("2023-12-12"));
        assert_eq!(parse_date("2024-03-05").as_deref(), Some("2024-03-05"));
        assert_eq!(parse_date("29 Feb 2023"), None);
        assert_eq!(parse_date("05 Foo 2024"), None);
        assert_eq!(parse_date("03/05/2024"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn unreadable_files_are_clear_errors() {
        assert_eq!(import(b""), Err(CsvError::Empty));
        assert_eq!(import(b"\xEF\xBB\xBF \n"), Err(CsvError::Empty));
        assert_eq!(import(b"PK\x03\x04rest"), Err(CsvError::Archive));
        assert_eq!(import(b"a\0b"), Err(CsvError::NotText));
        assert_eq!(import(b"name,email\nAda,a@b.c\n"), Err(CsvError::NoHeader));
        assert_eq!(
            import(b"<!DOCTYPE html><html>login</html>"),
            Err(CsvError::NoHeader)
        );
    }

    #[test]
    fn semicolons_and_utf16() {
        let csv = "First Name;Last Name;URL\nAda;Lovelace;https://www.linkedin.com/in/ada\n";
        let r = import(csv.as_bytes()).unwrap();
        assert_eq!(r.contacts.len(), 1);
        let mut utf16 = vec![0xFF, 0xFE];
        for u in
            "First Name,Last Name,URL\nZoë,Ünal,https://www.linkedin.com/in/zoe\n".encode_utf16()
        {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let r = import(&utf16).unwrap();
        assert_eq!(r.contacts[0].first_name.as_deref(), Some("Zoë"));
    }
}
