//! Splitting CSV text into records (RFC 4180, forgiving), shared by the two CSV readers: the
//! extension's `Connections.csv` import and the server's invitation upload. Each reader decides
//! what the records mean; this only tokenizes.
//!
//! Forgiving where spreadsheets are sloppy: `\r\n`, `\n` and a lone `\r` all end a record; a
//! quote opens a quoted value at the start of a field (after blanks, which are dropped) and is
//! kept as text anywhere else; an unclosed quote runs to the end of the text and is reported.

/// One record and the 1-based line it starts on. Blank lines are records of one empty field:
/// a reader that counts rows sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

impl Record {
    /// Whether every field is blank.
    pub fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| f.trim().is_empty())
    }
}

/// The records of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records {
    pub records: Vec<Record>,
    /// The line of a quoted value that was never closed, if any.
    pub unclosed_quote_at: Option<usize>,
}

/// Splits `text` into records of fields separated by `delimiter`.
pub fn records(text: &str, delimiter: char) -> Records {
    let mut out = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    let mut quote_line = None;
    let mut at_field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quote_line.is_some() {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quote_line = None,
                '\r' | '\n' => {
                    if c == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                field.clear();
                quote_line = Some(line);
                at_field_start = false;
            }
            c if c == delimiter => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                fields.push(std::mem::take(&mut field));
                out.push(Record {
                    line: record_line,
                    fields: std::mem::take(&mut fields),
                });
                line += 1;
                record_line = line;
                at_field_start = true;
            }
            ' ' | '\t' if at_field_start => field.push(c),
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if !field.is_empty() || !fields.is_empty() || quote_line.is_some() {
        fields.push(field);
        out.push(Record {
            line: record_line,
            fields,
        });
    }
    Records {
        records: out,
        unclosed_quote_at: quote_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_commas_newlines_and_blank_lines() {
        let r = records("a,\"b,\"\"c\"\"\nd\",e\r\n\r\nx", ',');
        assert_eq!(r.unclosed_quote_at, None);
        let r = r.records;
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].fields, vec!["a", "b,\"c\"\nd", "e"]);
        assert_eq!(r[1].line, 3);
        assert!(r[1].is_blank());
        assert_eq!(r[2].line, 4);
        assert_eq!(r[2].fields, vec!["x"]);
    }

    #[test]
    fn blanks_before_a_quote_and_other_delimiters() {
        let r = records("Ada ; \"Lovelace; Countess\";x\ry", ';').records;
        assert_eq!(r[0].fields, vec!["Ada ", "Lovelace; Countess", "x"]);
        assert_eq!(r[1].fields, vec!["y"]);
        // A quote inside a value is text.
        let r = records("5'11\" tall,b", ',').records;
        assert_eq!(r[0].fields, vec!["5'11\" tall", "b"]);
    }

    #[test]
    fn an_unclosed_quote_is_reported_with_its_line() {
        let r = records("a,b\nc,\"d\ne", ',');
        assert_eq!(r.unclosed_quote_at, Some(2));
        assert_eq!(r.records[1].fields, vec!["c", "d\ne"]);
    }
}
