//! Which format an upload is in: the file name's extension first, the first bytes as a
//! fallback (Parquet's `PAR1` magic, JSON's `[` or `{`, text with a consistent
//! delimiter), and for delimited text which of comma, semicolon, tab or pipe separates
//! the fields (counted outside quotes, so quoted delimiters and newlines do not count).

use super::{Format, ProfileError};

/// How many bytes of the file's start the sniffers look at.
pub const HEAD_BYTES: usize = 64 * 1024;
/// Records the delimiter sniffer compares.
const SNIFF_RECORDS: usize = 50;
/// Delimiters tried, in order of preference when several fit equally well.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decides the format of a file of `size` bytes named with `extension`, whose first
/// bytes are `head` (at most [`HEAD_BYTES`]).
pub fn detect(extension: Option<&str>, head: &[u8], size: u64) -> Result<Format, ProfileError> {
    let text = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    let complete = head.len() as u64 == size;
    if size == 0 || (complete && text.iter().all(u8::is_ascii_whitespace)) {
        return Err(ProfileError::Unreadable("the file is empty".into()));
    }
    let first = text.iter().copied().find(|byte| !byte.is_ascii_whitespace());
    match extension {
        Some("csv") => {
            check_text(head)?;
            Ok(Format::Csv {
                delimiter: sniff_delimiter(text, complete).unwrap_or(b','),
            })
        }
        Some("tsv" | "tab") => {
            check_text(head)?;
            Ok(Format::Tsv)
        }
        Some("parquet" | "pq") if head.starts_with(b"PAR1") => Ok(Format::Parquet),
        Some("parquet" | "pq") => Err(ProfileError::Unreadable(
            "not a Parquet file: it does not start with the PAR1 magic bytes".into(),
        )),
        Some("json") => match first {
            Some(b'[' | b'{') => Ok(Format::Json),
            _ => Err(ProfileError::Unreadable(
                "not JSON: expected an array of objects".into(),
            )),
        },
        Some("ndjson" | "jsonl") => match first {
            Some(b'{') => Ok(Format::Ndjson),
            _ => Err(ProfileError::Unreadable(
                "not NDJSON: expected one JSON object per line".into(),
            )),
        },
        _ => sniff_content(head, text, first, complete),
    }
}

/// The fallback when the name does not say: magic bytes, then delimited text.
fn sniff_content(head: &[u8], text: &[u8], first: Option<u8>, complete: bool) -> Result<Format, ProfileError> {
    let unsupported =
        || ProfileError::Unsupported("unsupported format: expected CSV, TSV, Parquet, JSON or NDJSON".into());
    if head.starts_with(b"PAR1") {
        return Ok(Format::Parquet);
    }
    check_text(head).map_err(|_| unsupported())?;
    match first {
        Some(b'[') => Ok(Format::Json),
        Some(b'{') => Ok(Format::Ndjson),
        _ => match sniff_delimiter(text, complete) {
            Some(b'\t') => Ok(Format::Tsv),
            Some(delimiter) => Ok(Format::Csv { delimiter }),
            None => Err(unsupported()),
        },
    }
}

/// Refuses bytes that are not UTF-8 text (a multi-byte character cut at the end of the
/// head is fine).
fn check_text(head: &[u8]) -> Result<(), ProfileError> {
    let not_text = || ProfileError::Unreadable("not a text file: it is not valid UTF-8".into());
    if head.contains(&0) {
        return Err(not_text());
    }
    match std::str::from_utf8(head) {
        Ok(_) => Ok(()),
        Err(error) if error.error_len().is_none() && head.len() - error.valid_up_to() < 4 => Ok(()),
        Err(_) => Err(not_text()),
    }
}

/// The records of delimited text, split at newlines outside quotes; without the last
/// one when the text is cut short (it may be partial), and without blank lines.
fn records(text: &[u8], complete: bool) -> impl Iterator<Item = &[u8]> {
    let mut records = Vec::new();
    let mut in_quotes = false;
    let mut start = 0;
    for (at, &byte) in text.iter().enumerate() {
        match byte {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                records.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    if complete && start < text.len() {
        records.push(&text[start..]);
    }
    records
        .into_iter()
        .map(|record| record.strip_suffix(b"\r").unwrap_or(record))
        .filter(|record| !record.iter().all(u8::is_ascii_whitespace))
        .take(SNIFF_RECORDS)
}

/// How many lines `text` holds, counting only newlines outside double quotes when
/// `quoted` (CSV); a last line without a newline counts.
pub fn count_lines(text: &[u8], quoted: bool) -> usize {
    let mut in_quotes = false;
    let mut lines = 0;
    for &byte in text {
        match byte {
            b'"' if quoted => in_quotes = !in_quotes,
            b'\n' if !in_quotes => lines += 1,
            _ => {}
        }
    }
    lines + usize::from(text.last().is_some_and(|&last| last != b'\n'))
}

/// How often `delimiter` occurs outside quotes in `record`.
fn count_outside_quotes(record: &[u8], delimiter: u8) -> usize {
    let mut in_quotes = false;
    let mut count = 0;
    for &byte in record {
        if byte == b'"' {
            in_quotes = !in_quotes;
        } else if byte == delimiter && !in_quotes {
            count += 1;
        }
    }
    count
}

/// The delimiter that splits every record into the same number (above one) of fields;
/// among several, the one giving the most fields, then the earliest in [`DELIMITERS`].
/// `None` when none is consistent.
pub fn sniff_delimiter(text: &[u8], complete: bool) -> Option<u8> {
    let records: Vec<&[u8]> = records(text, complete).collect();
    if records.is_empty() {
        return None;
    }
    let mut best: Option<(usize, u8)> = None;
    for delimiter in DELIMITERS {
        let counts: Vec<usize> = records
            .iter()
            .map(|record| count_outside_quotes(record, delimiter))
            .collect();
        let fields = counts[0];
        if fields == 0 || counts.iter().any(|&count| count != fields) {
            continue;
        }
        if best.is_none_or(|(most, _)| fields > most) {
            best = Some((fields, delimiter));
        }
    }
    best.map(|(_, delimiter)| delimiter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(text: &str) -> Option<char> {
        sniff_delimiter(text.as_bytes(), true).map(char::from)
    }

    #[test]
    fn sniffs_each_delimiter() {
        assert_eq!(sniff("a,b,c\n1,2,3\n"), Some(','));
        assert_eq!(sniff("a;b;c\n1;2;3\n"), Some(';'));
        assert_eq!(sniff("a\tb\tc\n1\t2\t3\n"), Some('\t'));
        assert_eq!(sniff("a|b|c\n1|2|3\n"), Some('|'));
    }

    #[test]
    fn delimiters_inside_quotes_do_not_count() {
        // Semicolons split every record in two; the commas sit inside quotes.
        let text = "name;note\n\"Smith, J\";\"a, b, c\"\n\"Doe, A\";x\n";
        assert_eq!(sniff(text), Some(';'));
    }

    #[test]
    fn quoted_newlines_do_not_split_records() {
        let text = "id,comment\n1,\"first line\nsecond; line\"\n2,plain\n";
        assert_eq!(sniff(text), Some(','));
    }

    #[test]
    fn an_inconsistent_delimiter_loses_to_a_consistent_one() {
        // Commas appear in the text but only the pipe splits every record evenly.
        let text = "a|b\nx, y|1\nz|2\n";
        assert_eq!(sniff(text), Some('|'));
    }

    #[test]
    fn the_partial_last_record_of_a_cut_head_is_ignored() {
        let text = b"a;b\n1;2\n3;4\n5";
        assert_eq!(sniff_delimiter(text, false), Some(b';'));
        assert_eq!(sniff_delimiter(text, true), None);
    }

    #[test]
    fn lines_are_counted_outside_quotes() {
        assert_eq!(count_lines(b"a,b\n1,\"x\ny\"\n2,z", true), 3);
        assert_eq!(count_lines(b"a,b\n1,\"x\ny\"\n2,z", false), 4);
        assert_eq!(count_lines(b"", true), 0);
    }

    #[test]
    fn single_column_text_has_no_delimiter() {
        assert_eq!(sniff("value\n1\n2\n"), None);
    }

    #[test]
    fn the_extension_decides_first() {
        let detect = |ext: &str, bytes: &[u8]| detect(Some(ext), bytes, bytes.len() as u64);
        assert_eq!(detect("csv", b"a;b\n1;2\n").ok(), Some(Format::Csv { delimiter: b';' }));
        assert_eq!(detect("csv", b"value\n1\n").ok(), Some(Format::Csv { delimiter: b',' }));
        assert_eq!(detect("tsv", b"a\tb\n").ok(), Some(Format::Tsv));
        assert_eq!(detect("parquet", b"PAR1....").ok(), Some(Format::Parquet));
        assert_eq!(detect("json", b" [{\"a\":1}]").ok(), Some(Format::Json));
        assert_eq!(detect("jsonl", b"{\"a\":1}\n").ok(), Some(Format::Ndjson));
        assert!(matches!(detect("parquet", b"a,b\n"), Err(ProfileError::Unreadable(_))));
        assert!(matches!(
            detect("csv", b"a,b\n\xff\xfe\n"),
            Err(ProfileError::Unreadable(_))
        ));
    }

    #[test]
    fn content_is_sniffed_when_the_name_does_not_say() {
        let detect = |bytes: &[u8]| detect(Some("dat"), bytes, bytes.len() as u64);
        assert_eq!(detect(b"PAR1\0\0").ok(), Some(Format::Parquet));
        assert_eq!(detect(b"\n [ {\"a\": 1} ]").ok(), Some(Format::Json));
        assert_eq!(detect(b"{\"a\": 1}\n").ok(), Some(Format::Ndjson));
        assert_eq!(detect(b"a|b\n1|2\n").ok(), Some(Format::Csv { delimiter: b'|' }));
        assert_eq!(detect(b"a\tb\n1\t2\n").ok(), Some(Format::Tsv));
        assert!(matches!(
            detect(b"\x89PNG\r\n\x1a\n\0\0"),
            Err(ProfileError::Unsupported(_))
        ));
        assert!(matches!(
            detect(b"just some prose\nwithout structure\n"),
            Err(ProfileError::Unsupported(_))
        ));
    }

    #[test]
    fn an_empty_file_is_unreadable() {
        for bytes in [&b""[..], b"\xEF\xBB\xBF", b" \n\r\n"] {
            match detect(Some("csv"), bytes, bytes.len() as u64) {
                Err(ProfileError::Unreadable(reason)) => assert_eq!(reason, "the file is empty"),
                other => panic!("{bytes:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_character_cut_at_the_end_of_the_head_is_still_text() {
        let mut head = b"a,b\n\xC3\xA9,1\n".to_vec();
        head.extend_from_slice(b"\xC3");
        assert!(check_text(&head).is_ok());
    }
}
