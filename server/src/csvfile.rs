//! Reading the invitation CSV an admin uploads — the one reader behind the CLI's `import`, the
//! API's `POST …/invitations/import` and the console's *Bulk invite from a CSV*, so the three
//! agree on what a file means.
//!
//! Files come from Excel, Google Sheets, LinkedIn, HubSpot and the like, so the reader is
//! forgiving where they differ and strict where guessing would invite the wrong people:
//!
//! - **Text**: UTF-8 (with or without a BOM), UTF-16 with a BOM (Excel's "Unicode text"), and
//!   otherwise Windows-1252 (Excel's plain "CSV" on Windows), so accented names survive. A
//!   file holding control characters (a spreadsheet, an image, a zip) is not text: refused.
//! - **Records**: RFC 4180 quoting (separators and line breaks inside quotes), `\r\n`, `\n` or
//!   `\r` (see [`allyshare_protocol::csv`]); blank lines skipped.
//! - **Separator**: `,`, `;` (Excel in much of Europe) or tab, the one under which a header row
//!   is found (else the most frequent on the first line).
//! - **Header**: searched among the first [`HEADER_SEARCH_RECORDS`] records, so a preamble
//!   (LinkedIn's `Connections.csv` opens with a "Notes:" paragraph) is skipped. Columns by
//!   label, case, spaces and punctuation ignored: the email (`Email`, `E-mail`, `Email
//!   Address`, `E-mail 1 - Value`, …), and a `Name` (or `Full Name`) column or `First Name` +
//!   `Last Name` (`Given Name`, `Surname`, `Family Name`), and their French (`Adresse e-mail`,
//!   `Courriel`, `Prénom`, `Nom` — the last name beside a `Prénom`, else the whole name —,
//!   `Nom complet`); every other column is ignored.
//!   Without a header: in each row, the first cell holding an `@` is the email, the others (in
//!   order) the name.
//! - **Cells**: trimmed; a name's inner runs of blanks and line breaks become one space.
//!
//! A file that cannot be read as a whole (over [`CSV_MAX_BYTES`], not text, an unterminated
//! quote, no email column, no rows, over [`CSV_MAX_ROWS`] rows) is refused before anything is
//! imported: nobody is invited from half a file.

use allyshare_protocol::limits::{CSV_MAX_BYTES, CSV_MAX_ROWS};

/// How many records (after blank lines) may come before the header row.
pub const HEADER_SEARCH_RECORDS: usize = 10;

/// One data row: its line number (1-based, in the file as a text editor shows it), the name
/// and the email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    pub line: u32,
    pub name: String,
    pub email: String,
}

/// How the file was read: what the console's preview shows before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// `UTF-8`, `UTF-16` or `Windows-1252`.
    pub encoding: &'static str,
    pub separator: char,
    /// The header row's line, if the file has one.
    pub header_line: Option<u32>,
    /// The header's cells as written (empty without a header).
    pub columns: Vec<String>,
    /// The columns used (indexes into `columns`).
    pub email: Option<usize>,
    pub name: Option<usize>,
    pub first_name: Option<usize>,
    pub last_name: Option<usize>,
    /// Non-blank lines before the header (a preamble), skipped.
    pub skipped_records: usize,
}

impl Layout {
    /// The header cells no row is read from.
    pub fn ignored_columns(&self) -> Vec<&str> {
        let used = [self.email, self.name, self.first_name, self.last_name];
        self.columns
            .iter()
            .enumerate()
            .filter(|(i, c)| !used.contains(&Some(*i)) && !c.trim().is_empty())
            .map(|(_, c)| c.as_str())
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFile {
    /// Whether a header row was found.
    pub header: bool,
    pub layout: Layout,
    pub rows: Vec<CsvRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error(
        "The file is larger than {} MiB, the most that can be imported at once. Split it into \
         smaller files and import each.",
        CSV_MAX_BYTES / (1024 * 1024)
    )]
    TooLarge,
    #[error(
        "The file is not a CSV text file. If it is a spreadsheet (.xlsx, .ods, .numbers), \
         save or export it as CSV first."
    )]
    NotText,
    #[error(
        "Line {0}: a quoted value is not closed, so the file cannot be read. Check that line \
         for a stray quote (\") and export the file again."
    )]
    UnclosedQuote(u32),
    #[error(
        "No email column was found. Add a header row with a column named \"Email\" (and \
         \"First Name\" and \"Last Name\", or \"Name\")."
    )]
    NoEmailColumn,
    #[error("The file has no rows. Choose a CSV file with one person per row.")]
    Empty,
    #[error(
        "No company name column was found. Add a header row with a column named \"Name\" (and \
         \"Website\" and \"Description\" if you have them)."
    )]
    NoCompanyColumn,
    #[error(
        "The file has {0} rows; at most {CSV_MAX_ROWS} can be imported at once. Split it into \
         smaller files and import each."
    )]
    TooManyRows(usize),
}

/// The file's text and the name of its encoding.
fn decode(bytes: &[u8]) -> Result<(String, &'static str), CsvError> {
    let (text, encoding) = if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        let text = std::str::from_utf8(rest).map_err(|_| CsvError::NotText)?;
        (text.to_string(), "UTF-8")
    } else if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let text = encoding
            .decode_without_bom_handling_and_without_replacement(&bytes[bom..])
            .ok_or(CsvError::NotText)?;
        (text.into_owned(), "UTF-16")
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (text.to_string(), "UTF-8")
    } else {
        let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
        (text.into_owned(), "Windows-1252")
    };
    // Text has no control characters but tabs and line breaks (a form feed is let through:
    // some exporters end pages with one). A binary file always has some.
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
    {
        return Err(CsvError::NotText);
    }
    Ok((text, encoding))
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

/// A header cell as it is matched: letters and digits, lower case, French accents folded
/// (`Prénom` → `prenom`).
fn label(cell: &str) -> String {
    cell.chars()
        .map(|c| match c.to_lowercase().next().unwrap_or(c) {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            other => other,
        })
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

#[derive(Debug, Default, Clone, Copy)]
struct Columns {
    email: Option<usize>,
    name: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
}

/// The columns of a header row, if it has an email column. Labels are matched whole (after
/// dropping case and punctuation), never by prefix: under the wrong separator a header is one
/// cell (`emailname`), which must not pass for an email column.
fn header_columns(cells: &[String]) -> Option<Columns> {
    let mut c = Columns::default();
    // French `Nom`: the last name beside a `Prénom`, else the whole name.
    let mut nom = None;
    for (i, cell) in cells.iter().enumerate() {
        match label(cell).as_str() {
            "email"
            | "emailaddress"
            | "mail"
            | "emails"
            | "email1"
            | "emailaddress1"
            | "email1value"
            | "primaryemail"
            | "workemail"
            | "businessemail"
            | "emailwork"
            | "adresseemail"
            | "adressemail"
            | "courriel"
            | "adressecourriel"
            | "adresseelectronique"
            | "mel" => c.email = c.email.or(Some(i)),
            "name" | "fullname" | "contactname" | "displayname" | "nomcomplet" | "prenometnom" => {
                c.name = c.name.or(Some(i))
            }
            "firstname" | "givenname" | "first" | "forename" | "prenom" => {
                c.first = c.first.or(Some(i))
            }
            "lastname" | "surname" | "familyname" | "last" | "nomdefamille" => {
                c.last = c.last.or(Some(i))
            }
            "nom" => nom = nom.or(Some(i)),
            _ => {}
        }
    }
    if nom.is_some() {
        if c.first.is_some() && c.last.is_none() {
            c.last = nom;
        } else if c.name.is_none() && c.first.is_none() {
            c.name = nom;
        }
    }
    c.email.is_some().then_some(c)
}

/// The records under `sep`, and the header among the first ones (its index and columns).
type Reading = (Vec<(u32, Vec<String>)>, Option<(usize, Columns)>);

fn read_with(text: &str, sep: char) -> Result<Reading, CsvError> {
    let records = records(text, sep)?;
    let header = records
        .iter()
        .take(HEADER_SEARCH_RECORDS)
        .enumerate()
        .find_map(|(i, (_, cells))| header_columns(cells).map(|c| (i, c)));
    Ok((records, header))
}

/// `Ada   Lovelace\n` → `Ada Lovelace`.
fn one_line(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One row of a companies file: its line, and its cells (each on one line, trimmed; empty
/// when the column is missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyCsvRow {
    pub line: u32,
    pub name: String,
    pub website: String,
    pub description: String,
}

/// The name, website and description columns of a companies header row, if it has a name.
fn company_columns(cells: &[String]) -> Option<[Option<usize>; 3]> {
    let mut c = [None; 3];
    for (i, cell) in cells.iter().enumerate() {
        let slot = match label(cell).as_str() {
            "name" | "company" | "companyname" | "organization" | "organisation" | "account"
            | "accountname" | "nom" | "entreprise" | "societe" | "nomdelentreprise" => 0,
            "website" | "domain" | "url" | "websiteurl" | "companywebsite" | "companydomain"
            | "web" | "siteweb" | "site" | "domaine" => 1,
            "description" | "about" | "shortdescription" | "companydescription"
            | "descriptioncourte" => 2,
            _ => continue,
        };
        c[slot] = c[slot].or(Some(i));
    }
    c[0].is_some().then_some(c)
}

/// Parses an uploaded companies file: the same text, separators, quoting and limits as an
/// invitation file, and a header row (among the first records) naming the company column.
pub fn parse_companies(bytes: &[u8]) -> Result<Vec<CompanyCsvRow>, CsvError> {
    if bytes.len() > CSV_MAX_BYTES {
        return Err(CsvError::TooLarge);
    }
    let (text, _) = decode(bytes)?;
    // The separator under which a header is found, the one giving it the most columns.
    type Found = (usize, usize, Vec<(u32, Vec<String>)>, [Option<usize>; 3]);
    let mut best: Option<Found> = None;
    for sep in [',', ';', '\t'] {
        let Ok(records) = records(&text, sep) else {
            continue;
        };
        let found = records
            .iter()
            .take(HEADER_SEARCH_RECORDS)
            .enumerate()
            .find_map(|(i, (_, cells))| company_columns(cells).map(|c| (i, c)));
        if let Some((at, columns)) = found {
            let width = records[at].1.len();
            if best.as_ref().is_none_or(|(w, ..)| width > *w) {
                best = Some((width, at, records, columns));
            }
        }
    }
    let Some((_, at, records, columns)) = best else {
        return Err(CsvError::NoCompanyColumn);
    };
    let rows: Vec<_> = records.into_iter().skip(at + 1).collect();
    if rows.is_empty() {
        return Err(CsvError::Empty);
    }
    if rows.len() > CSV_MAX_ROWS {
        return Err(CsvError::TooManyRows(rows.len()));
    }
    let cell = |r: &[String], i: Option<usize>| {
        i.and_then(|i| r.get(i))
            .map(|v| one_line(v))
            .unwrap_or_default()
    };
    Ok(rows
        .into_iter()
        .map(|(line, cells)| CompanyCsvRow {
            line,
            name: cell(&cells, columns[0]),
            website: cell(&cells, columns[1]),
            description: cell(&cells, columns[2]),
        })
        .collect())
}

/// Parses an uploaded invitation file.
pub fn parse(bytes: &[u8]) -> Result<CsvFile, CsvError> {
    if bytes.len() > CSV_MAX_BYTES {
        return Err(CsvError::TooLarge);
    }
    let (text, encoding) = decode(bytes)?;
    // The separator under which a header is found, the one giving it the most columns; else
    // the most frequent on the first non-blank line.
    let mut best: Option<(char, Reading)> = None;
    for sep in [',', ';', '\t'] {
        let Ok(reading) = read_with(&text, sep) else {
            continue;
        };
        let width = |r: &Reading| r.1.map(|(i, _)| r.0[i].1.len());
        if let Some(w) = width(&reading) {
            if best
                .as_ref()
                .and_then(|(_, b)| width(b))
                .is_none_or(|b| w > b)
            {
                best = Some((sep, reading));
            }
        }
    }
    let (sep, (mut records, found)) = match best {
        Some(best) => best,
        None => {
            let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            let sep = [',', ';', '\t']
                .into_iter()
                .max_by_key(|s| first_line.matches(*s).count())
                .filter(|s| first_line.contains(*s))
                .unwrap_or(',');
            (sep, read_with(&text, sep)?)
        }
    };
    if records.is_empty() {
        return Err(CsvError::Empty);
    }
    let mut layout = Layout {
        encoding,
        separator: sep,
        header_line: None,
        columns: Vec::new(),
        email: None,
        name: None,
        first_name: None,
        last_name: None,
        skipped_records: 0,
    };
    let columns = match found {
        Some((at, columns)) => {
            let (line, cells) = records.remove(at);
            records.drain(..at);
            layout.header_line = Some(line);
            layout.columns = cells.iter().map(|c| one_line(c)).collect();
            layout.email = columns.email;
            layout.name = columns.name;
            layout.first_name = columns.first;
            layout.last_name = columns.last;
            layout.skipped_records = at;
            Some(columns)
        }
        None => {
            if !records
                .iter()
                .any(|(_, r)| r.iter().any(|v| v.contains('@')))
            {
                return Err(CsvError::NoEmailColumn);
            }
            None
        }
    };
    if records.is_empty() {
        return Err(CsvError::Empty);
    }
    if records.len() > CSV_MAX_ROWS {
        return Err(CsvError::TooManyRows(records.len()));
    }
    let cell = |r: &[String], i: Option<usize>| {
        i.and_then(|i| r.get(i))
            .map(|v| one_line(v))
            .unwrap_or_default()
    };
    let rows = records
        .iter()
        .map(|(line, r)| match columns {
            Some(columns) => {
                let full = cell(r, columns.name);
                let name = if full.is_empty() {
                    [cell(r, columns.first), cell(r, columns.last)]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ")
                } else {
                    full
                };
                CsvRow {
                    line: *line,
                    name,
                    email: cell(r, columns.email),
                }
            }
            // Without a header, each row's first cell with an `@` is its email.
            None => {
                let email_col = r.iter().position(|v| v.contains('@'));
                let name = r
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| Some(*i) != email_col)
                    .map(|(_, v)| one_line(v))
                    .filter(|v| !v.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                CsvRow {
                    line: *line,
                    name,
                    email: cell(r, email_col),
                }
            }
        })
        .collect();
    Ok(CsvFile {
        header: columns.is_some(),
        layout,
        rows,
    })
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
        assert_eq!(f.layout.separator, ';');
        assert_eq!(f.layout.encoding, "UTF-8");
        assert_eq!(
            (f.layout.first_name, f.layout.last_name, f.layout.email),
            (Some(0), Some(1), Some(2))
        );
        assert_eq!(
            rows(&f),
            [
                (2, "Ada Lovelace", "ada@x.org"),
                (4, "Hopper, Grace", "grace@x.org")
            ]
        );
        let f = parse(b"email,name\nbob@x.org,\"Bob \"\"The\"\" Builder\"\n").unwrap();
        assert_eq!(rows(&f), [(2, "Bob \"The\" Builder", "bob@x.org")]);
        assert_eq!(f.layout.name, Some(1));
    }

    #[test]
    fn french_headers_are_read() {
        let f =
            parse("Prénom;Nom;Adresse e-mail\r\nAda;Lovelace;ada@x.org\r\n".as_bytes()).unwrap();
        assert_eq!(f.rows[0].name, "Ada Lovelace");
        assert_eq!(f.rows[0].email, "ada@x.org");
        assert_eq!(
            (f.layout.first_name, f.layout.last_name, f.layout.email),
            (Some(0), Some(1), Some(2))
        );
        // `Nom` alone is the whole name.
        let f = parse("Nom,Courriel\r\nGrace Hopper,grace@x.org\r\n".as_bytes()).unwrap();
        assert_eq!(f.rows[0].name, "Grace Hopper");
        assert_eq!(f.layout.name, Some(0));
    }

    #[test]
    fn extra_columns_are_ignored_and_named() {
        let f = parse(
            b"Company,Full Name,Title,Email Address,Phone\r\nAcme,\"Lovelace, Ada\",CTO,ada@x.org,+44 1\r\n",
        )
        .unwrap();
        assert_eq!(rows(&f), [(2, "Lovelace, Ada", "ada@x.org")]);
        assert_eq!(f.layout.ignored_columns(), ["Company", "Title", "Phone"]);
        assert_eq!(f.layout.columns.len(), 5);
    }

    #[test]
    fn a_quoted_value_may_hold_separators_and_line_breaks() {
        let f = parse(
            b"Name,Email,Notes\r\n\"Grace\r\nHopper\",grace@x.org,\"met at a, b\r\nand c\"\r\nAda,ada@x.org,\r\n",
        )
        .unwrap();
        // The name's line break is one space; the next row's line counts the broken one.
        assert_eq!(
            rows(&f),
            [(2, "Grace Hopper", "grace@x.org"), (5, "Ada", "ada@x.org")]
        );
    }

    #[test]
    fn a_preamble_before_the_header_is_skipped_as_linkedin_writes_it() {
        let linkedin = "Notes:\r\n\"When exporting your connection data, you may notice that some of the email addresses are missing.\"\r\n\r\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\r\nAda,Lovelace,https://www.linkedin.com/in/ada,ada@x.org,\"Analytical Engines, Ltd\",CTO,01 Jan 2024\r\nGrace,Hopper,https://www.linkedin.com/in/grace,,Navy,Admiral,02 Jan 2024\r\n";
        let f = parse(linkedin.as_bytes()).unwrap();
        assert!(f.header);
        assert_eq!(f.layout.header_line, Some(4));
        assert_eq!(f.layout.skipped_records, 2);
        assert_eq!(f.layout.separator, ',');
        assert_eq!(
            rows(&f),
            [(5, "Ada Lovelace", "ada@x.org"), (6, "Grace Hopper", "")]
        );
    }

    #[test]
    fn the_separator_is_the_one_that_finds_the_header() {
        // The first line has more commas (3) than semicolons (2), inside quotes.
        let f = parse(
            "\"Name\";\"E-mail\";\"Notes, comments, and so on, etc.\"\n\"Lovelace, Ada\";ada@x.org;\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(f.layout.separator, ';');
        assert_eq!(rows(&f), [(2, "Lovelace, Ada", "ada@x.org")]);
        let f = parse(b"Email\tName\nada@x.org\tAda Lovelace\n").unwrap();
        assert_eq!(f.layout.separator, '\t');
        assert_eq!(rows(&f), [(2, "Ada Lovelace", "ada@x.org")]);
        // Under the wrong separator a header is one cell, never an email column by prefix.
        assert!(header_columns(&["emailname".to_string()]).is_none());
    }

    #[test]
    fn utf16_and_windows_1252_are_read() {
        let mut utf16 = vec![0xff, 0xfe];
        for unit in "Name\tEmail\r\nZoë Ångström\tzoe@x.org\r\n".encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        let f = parse(&utf16).unwrap();
        assert_eq!(f.layout.encoding, "UTF-16");
        assert_eq!(rows(&f), [(2, "Zoë Ångström", "zoe@x.org")]);
        let f = parse(b"Name;Email\r\nRen\xe9e Fran\xe7ois;renee@x.org\r\n").unwrap();
        assert_eq!(f.layout.encoding, "Windows-1252");
        assert_eq!(rows(&f), [(2, "Renée François", "renee@x.org")]);
    }

    #[test]
    fn without_a_header_the_email_column_is_found() {
        let f =
            parse(b"Ada Lovelace,ada@x.org\nGrace,Hopper,grace@x.org\nnot an email,\n").unwrap();
        assert!(!f.header);
        assert_eq!(f.layout.header_line, None);
        assert_eq!(rows(&f)[0], (1, "Ada Lovelace", "ada@x.org"));
        assert_eq!(rows(&f)[1], (2, "Grace Hopper", "grace@x.org"));
        assert_eq!(rows(&f)[2], (3, "not an email", ""));
    }

    #[test]
    fn unreadable_files_are_refused_whole() {
        assert_eq!(parse(b"PK\x03\x04\x14\x00\x06\x00"), Err(CsvError::NotText));
        assert_eq!(
            parse(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Err(CsvError::NotText)
        );
        assert_eq!(parse(b"\xef\xbb\xbfname,\xff\n"), Err(CsvError::NotText));
        assert_eq!(
            parse(b"name,email\n\"Ada,ada@x.org\n"),
            Err(CsvError::UnclosedQuote(2))
        );
        assert_eq!(parse(b"Ada,Lovelace\n"), Err(CsvError::NoEmailColumn));
        assert_eq!(parse(b"\n\n"), Err(CsvError::Empty));
        assert_eq!(parse(b""), Err(CsvError::Empty));
        assert_eq!(parse(b"\xef\xbb\xbfName,Email\r\n"), Err(CsvError::Empty));
        let big: String = (0..5001).map(|i| format!("p{i}@x.org\n")).collect();
        assert_eq!(parse(big.as_bytes()), Err(CsvError::TooManyRows(5001)));
        let at_most: String = (0..5000).map(|i| format!("p{i}@x.org\n")).collect();
        assert_eq!(parse(at_most.as_bytes()).unwrap().rows.len(), 5000);
        let huge = vec![b'a'; CSV_MAX_BYTES + 1];
        assert_eq!(parse(&huge), Err(CsvError::TooLarge));
    }

    #[test]
    fn a_companies_file_is_read_by_its_header() {
        let file = "Notes: exported\nCompany Name;Domain;About\nAcme;acme.example;\"Rockets; and more\"\n\n;x.example;\n";
        let rows = parse_companies(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "Acme");
        assert_eq!(rows[0].website, "acme.example");
        assert_eq!(rows[0].description, "Rockets; and more");
        assert_eq!((rows[1].line, rows[1].name.as_str()), (5, ""));
        assert_eq!(
            parse_companies(b"Email\nada@example.org\n"),
            Err(CsvError::NoCompanyColumn)
        );
        assert_eq!(parse_companies(b"Name\n"), Err(CsvError::Empty));
        let french =
            parse_companies("Société,Site web\nÉclair,eclair.example\n".as_bytes()).unwrap();
        assert_eq!(
            (french[0].name.as_str(), french[0].website.as_str()),
            ("Éclair", "eclair.example")
        );
    }
}
