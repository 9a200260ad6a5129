//! CSV dialect detection from the first bytes of a file: delimiter, header, and the early
//! problems (ragged rows, duplicate names, invalid UTF-8) that deserve a precise message with a
//! line number rather than a parser's generic error.

/// Delimiters tried, in order of preference when several fit equally well.
const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// What the sniffer learned about a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvDialect {
    pub delimiter: u8,
    pub has_header: bool,
    /// Field names of the first record (the header when `has_header`).
    pub first_record: Vec<String>,
}

/// A problem found in the sniffed head of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SniffProblem {
    /// A record whose field count differs from the first record's; `line` is 1-based.
    Ragged {
        line: usize,
        found: usize,
        expected: usize,
    },
    /// Bytes that are not UTF-8, at this 1-based line.
    InvalidUtf8 { line: usize },
    /// The header names this column twice.
    DuplicateColumn(String),
    /// Only a header line, no data.
    HeaderOnly,
    /// Nothing but whitespace.
    Blank,
}

/// A record with the 1-based line number it starts on.
struct Record {
    line: usize,
    fields: Vec<String>,
}

/// Detect the dialect of CSV text from its first bytes. `truncated` says whether `head` is only
/// the start of the file (its last, possibly partial record is then ignored).
pub fn sniff(head: &[u8], truncated: bool) -> Result<CsvDialect, SniffProblem> {
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        // A multi-byte character cut by the head's end is not an error.
        Err(e) if truncated && e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(e) => {
            let line = 1 + head[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            return Err(SniffProblem::InvalidUtf8 { line });
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(SniffProblem::Blank);
    }

    let delimiter = choose_delimiter(text, truncated);
    let records = split_records(text, delimiter, truncated);
    let Some(first) = records.first() else {
        return Err(SniffProblem::Blank);
    };
    let expected = first.fields.len();
    for r in &records[1..] {
        if r.fields.len() != expected {
            return Err(SniffProblem::Ragged {
                line: r.line,
                found: r.fields.len(),
                expected,
            });
        }
    }
    let has_header = looks_like_header(&first.fields, records.get(1).map(|r| &r.fields[..]));
    if has_header {
        let mut seen = std::collections::HashSet::new();
        for name in &first.fields {
            if !seen.insert(name.as_str()) {
                return Err(SniffProblem::DuplicateColumn(name.clone()));
            }
        }
        if records.len() == 1 && !truncated {
            return Err(SniffProblem::HeaderOnly);
        }
    }
    Ok(CsvDialect {
        delimiter,
        has_header,
        first_record: first.fields.clone(),
    })
}

/// The candidate that splits the sampled records into the most fields, consistently.
fn choose_delimiter(text: &str, truncated: bool) -> u8 {
    let mut best = (b',', 0usize, false);
    for &d in &CANDIDATES {
        let records = split_records(text, d, truncated);
        let sample = &records[..records.len().min(50)];
        let Some(first) = sample.first() else {
            continue;
        };
        let n = first.fields.len();
        let consistent = sample.iter().all(|r| r.fields.len() == n);
        // Prefer consistent splits, then more fields; ties keep the earlier candidate.
        let better = (consistent && !best.2) || (consistent == best.2 && n > best.1);
        if n > 1 && better {
            best = (d, n, consistent);
        }
    }
    best.0
}

/// Split text into records, honouring double quotes (RFC 4180: "" inside quotes is a quote).
/// Blank lines are skipped, as the parser skips them.
fn split_records(text: &str, delimiter: u8, truncated: bool) -> Vec<Record> {
    let delimiter = delimiter as char;
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut line = 1;
    let mut start_line = 1;
    let mut chars = text.chars().peekable();
    let mut record_has_content = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                in_quotes = true;
                record_has_content = true;
            }
            c if c == delimiter => {
                fields.push(std::mem::take(&mut field));
                record_has_content = true;
            }
            '\r' => {}
            '\n' => {
                if record_has_content || !field.is_empty() {
                    fields.push(std::mem::take(&mut field));
                    records.push(Record {
                        line: start_line,
                        fields: std::mem::take(&mut fields),
                    });
                }
                field.clear();
                record_has_content = false;
                line += 1;
                start_line = line;
            }
            _ => {
                field.push(c);
                record_has_content = true;
            }
        }
    }
    // The last record counts only when the text is the whole file.
    if !truncated && !in_quotes && (record_has_content || !field.is_empty()) {
        fields.push(field);
        records.push(Record {
            line: start_line,
            fields,
        });
    }
    records
}

/// A header has no numeric-looking fields, while data usually has some; a first row whose
/// fields are all names is taken as a header even when the data is all text.
fn looks_like_header(first: &[String], second: Option<&[String]>) -> bool {
    let numeric = |s: &str| s.trim().parse::<f64>().is_ok();
    if first.iter().any(|f| numeric(f)) {
        return false;
    }
    if first.iter().any(|f| f.trim().is_empty()) {
        // An empty name is unusual for a header but common in data; decide by the next row.
        return second.is_some_and(|s| s.iter().any(|f| numeric(f)));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comma_with_header() {
        let d = sniff(b"a,b,c\n1,2,3\n4,5,6\n", false).expect("ok");
        assert_eq!(d.delimiter, b',');
        assert!(d.has_header);
        assert_eq!(d.first_record, vec!["a", "b", "c"]);
    }

    #[test]
    fn semicolon_and_quoted_commas() {
        let d = sniff(b"name;note\n\"Smith, J\";\"says \"\"hi\"\"\"\nx;y\n", false).expect("ok");
        assert_eq!(d.delimiter, b';');
        assert!(d.has_header);
    }

    #[test]
    fn tab_delimited() {
        let d = sniff(b"a\tb\n1\t2\n", false).expect("ok");
        assert_eq!(d.delimiter, b'\t');
    }

    #[test]
    fn no_header_when_first_row_is_numeric() {
        let d = sniff(b"1,2\n3,4\n", false).expect("ok");
        assert!(!d.has_header);
    }

    #[test]
    fn ragged_row_is_reported_with_its_line() {
        let p = sniff(b"a,b,c\n1,2,3\n4,5\n", false).expect_err("ragged");
        assert_eq!(
            p,
            SniffProblem::Ragged {
                line: 3,
                found: 2,
                expected: 3
            }
        );
    }

    #[test]
    fn quoted_newline_keeps_line_numbers() {
        let p = sniff(b"a,b\n\"x\ny\",1\n1,2,3\n", false).expect_err("ragged");
        assert_eq!(
            p,
            SniffProblem::Ragged {
                line: 4,
                found: 3,
                expected: 2
            }
        );
    }

    #[test]
    fn duplicate_names_and_header_only() {
        assert_eq!(
            sniff(b"a,b,a\n1,2,3\n", false),
            Err(SniffProblem::DuplicateColumn("a".into()))
        );
        assert_eq!(sniff(b"a,b\n", false), Err(SniffProblem::HeaderOnly));
        assert_eq!(sniff(b"  \n\n", false), Err(SniffProblem::Blank));
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        assert_eq!(
            sniff(b"a,b\n1,2\n\xff,3\n", false),
            Err(SniffProblem::InvalidUtf8 { line: 3 })
        );
    }

    #[test]
    fn truncated_head_ignores_partial_last_record() {
        let d = sniff(b"a,b\n1,2\n3,", true).expect("ok");
        assert!(d.has_header);
    }
}
