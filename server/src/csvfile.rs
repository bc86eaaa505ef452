//! Reading the invitation CSV an admin uploads: RFC 4180 quoting, `,` or `;` or tab
//! separators (spreadsheets export all three), an optional header, a UTF-8 BOM.
//!
//! Columns, found by header (case and punctuation ignored): `email` (or `e-mail`,
//! `email address`), and `name` (or `full name`), or `first name` + `last name` (`given name`,
//! `surname`, `family name`). Without a header: in each row, the first cell holding an `@` is
//! the email, the others (in order) the name. A file that cannot be read as a whole (not UTF-8, an
//! unterminated quote, no email column, too many rows) is refused before anything is imported.

use allyshare_protocol::limits::CSV_MAX_ROWS;

/// One data row: its line number (1-based, counting the header), the name and the email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    pub line: u32,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFile {
    pub header: bool,
    pub rows: Vec<CsvRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("The file is not readable text (UTF-8 expected).")]
    NotUtf8,
    #[error("Line {0}: a quoted value is not closed.")]
    UnclosedQuote(u32),
    #[error("No email column was found (name it \"email\" in a header row).")]
    NoEmailColumn,
    #[error("The file has no rows.")]
    Empty,
    #[error("The file has {0} rows; at most {CSV_MAX_ROWS} can be imported at once.")]
    TooManyRows(usize),
}

/// The non-blank records of the text, each with the line it starts on (the tokenizer is the
/// one the extension's `Connections.csv` import uses).
fn records(text: &str, sep: char) -> Result<Vec<(u32, Vec<String>)>, CsvError> {
    let split = allyshare_protocol::csv::records(text, sep);
    if let Some(line) = split.unclosed_quote_at {
        return Err(CsvError::UnclosedQuote(line as u32));
    }
    Ok(split
        .records
        .into_iter()
        .filter(|r| !r.is_blank())
        .map(|r| (r.line as u32, r.fields))
        .collect())
}

fn label(cell: &str) -> String {
    cell.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

#[derive(Debug, Default)]
struct Columns {
    email: Option<usize>,
    name: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
}

fn header_columns(cells: &[String]) -> Option<Columns> {
    let mut c = Columns::default();
    for (i, cell) in cells.iter().enumerate() {
        match label(cell).as_str() {
            "email" | "emailaddress" | "mail" => c.email = c.email.or(Some(i)),
            "name" | "fullname" => c.name = c.name.or(Some(i)),
            "firstname" | "givenname" | "first" => c.first = c.first.or(Some(i)),
            "lastname" | "surname" | "familyname" | "last" => c.last = c.last.or(Some(i)),
            _ => {}
        }
    }
    c.email.is_some().then_some(c)
}

/// Parses an uploaded invitation file.
pub fn parse(bytes: &[u8]) -> Result<CsvFile, CsvError> {
    let text = std::str::from_utf8(bytes).map_err(|_| CsvError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or("");
    let sep = [',', ';', '\t']
        .into_iter()
        .max_by_key(|s| first_line.matches(*s).count())
        .filter(|s| first_line.contains(*s))
        .unwrap_or(',');
    let mut records = records(text, sep)?;
    if records.is_empty() {
        return Err(CsvError::Empty);
    }
    let (header, columns) = match header_columns(&records[0].1) {
        Some(columns) => {
            records.remove(0);
            (true, columns)
        }
        None => {
            if !records
                .iter()
                .any(|(_, r)| r.iter().any(|v| v.contains('@')))
            {
                return Err(CsvError::NoEmailColumn);
            }
            (false, Columns::default())
        }
    };
    if records.len() > CSV_MAX_ROWS {
        return Err(CsvError::TooManyRows(records.len()));
    }
    let cell = |r: &[String], i: Option<usize>| {
        i.and_then(|i| r.get(i))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let rows = records
        .iter()
        .map(|(line, r)| {
            // Without a header, each row's first cell with an `@` is its email.
            let email_col = columns
                .email
                .or_else(|| r.iter().position(|v| v.contains('@')))
                .unwrap_or(usize::MAX);
            let name = if header {
                let full = cell(r, columns.name);
                if full.is_empty() {
                    [cell(r, columns.first), cell(r, columns.last)]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ")
                } else {
                    full
                }
            } else {
                r.iter()
                    .enumerate()
                    .filter(|(i, _)| *i != email_col)
                    .map(|(_, v)| v.trim())
                    .filter(|v| !v.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            CsvRow {
                line: *line,
                name,
                email: cell(r, Some(email_col)),
            }
        })
        .collect();
    Ok(CsvFile { header, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(f: &CsvFile) -> Vec<(u32, &str, &str)> {
        f.rows
            .iter()
            .map(|r| (r.line, r.name.as_str(), r.email.as_str()))
            .collect()
    }

    #[test]
    fn headers_name_or_first_and_last() {
        let f = parse(b"\xef\xbb\xbfFirst Name;Last Name;E-mail\r\nAda;Lovelace;ada@x.org\r\n\r\n\"Hopper, Grace\";;grace@x.org\n").unwrap();
        assert!(f.header);
        assert_eq!(
            rows(&f),
            [
                (2, "Ada Lovelace", "ada@x.org"),
                (4, "Hopper, Grace", "grace@x.org")
            ]
        );
        let f = parse(b"email,name\nbob@x.org,\"Bob \"\"The\"\" Builder\"\n").unwrap();
        assert_eq!(rows(&f), [(2, "Bob \"The\" Builder", "bob@x.org")]);
    }

    #[test]
    fn without_a_header_the_email_column_is_found() {
        let f =
            parse(b"Ada Lovelace,ada@x.org\nGrace,Hopper,grace@x.org\nnot an email,\n").unwrap();
        assert!(!f.header);
        assert_eq!(rows(&f)[0], (1, "Ada Lovelace", "ada@x.org"));
        assert_eq!(rows(&f)[1], (2, "Grace Hopper", "grace@x.org"));
        assert_eq!(rows(&f)[2], (3, "not an email", ""));
    }

    #[test]
    fn unreadable_files_are_refused_whole() {
        assert_eq!(parse(b"\xff\xfe"), Err(CsvError::NotUtf8));
        assert_eq!(
            parse(b"name,email\n\"Ada,ada@x.org\n"),
            Err(CsvError::UnclosedQuote(2))
        );
        assert_eq!(parse(b"Ada,Lovelace\n"), Err(CsvError::NoEmailColumn));
        assert_eq!(parse(b"\n\n"), Err(CsvError::Empty));
        let big: String = (0..5001).map(|i| format!("p{i}@x.org\n")).collect();
        assert_eq!(parse(big.as_bytes()), Err(CsvError::TooManyRows(5001)));
    }
}
