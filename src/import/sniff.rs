//! Sniffing: the delimiter and the line endings of an export, from its first bytes.
//!
//! The delimiter is decided by the header line, parsed as CSV (so a `;` inside a quoted header
//! does not count) with each candidate (`,` `;` TAB `|`): the one that splits it into several
//! columns wins. When two do (a header `Time;Cost, EUR`), the next records break the tie: the
//! delimiter giving them the header's column count most often wins.

use csv_core::{ReadRecordResult, ReaderBuilder};

/// The delimiters tried, in order of preference when everything else is equal.
pub const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How many records after the header are parsed to break a tie.
const TIE_RECORDS: usize = 50;

/// Why the first bytes of an input (BOM skipped, not UTF-16) are not a text export, if they
/// are not: a workbook (`.xlsx` and `.ods` are ZIP archives, `.xls` an OLE2 file), a PDF, or
/// binary data: a NUL byte in the first line, or a sample that is not UTF-8 and has more than
/// one byte in 16 a control character (other than tab, line ends, form feed and escape). A CSV
/// with a few NUL bytes or escape sequences in its cells is still read, and so is UTF-8 text
/// full of control characters (an attacker's ticket can be).
pub fn binary_reason(sample: &[u8]) -> Option<String> {
    const SIGNATURES: [(&[u8], &str); 4] = [
        (b"PK\x03\x04", "a ZIP archive (an .xlsx or .ods workbook?)"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "an OLE2 compound file (an .xls workbook?)",
        ),
        (b"%PDF-", "a PDF document"),
        (b"\x1f\x8b", "gzip-compressed data"),
    ];
    if let Some((_, what)) = SIGNATURES.iter().find(|(sig, _)| sample.starts_with(sig)) {
        return Some(what.to_string());
    }
    let sample = &sample[..sample.len().min(64 << 10)];
    let first_line = &sample[..memchr::memchr(b'\n', sample).unwrap_or(sample.len())];
    if let Some(at) = memchr::memchr(0, first_line) {
        return Some(format!(
            "binary data: a NUL byte in the first line (byte {at})"
        ));
    }
    let control = |b: &u8| *b < 0x20 && !matches!(*b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b);
    let n = sample.iter().filter(|b| control(b)).count();
    if n > 0 && n * 16 > sample.len() && !is_utf8_prefix(sample) {
        let first = sample.iter().position(control).unwrap_or(0);
        return Some(format!(
            "binary data: {n} of its first {} bytes are control characters (the first at byte \
             {first})",
            sample.len()
        ));
    }
    None
}

/// Whether `sample` is UTF-8, but for a character cut at its end.
fn is_utf8_prefix(sample: &[u8]) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// Picks the delimiter of `sample` (the first bytes, decoded to UTF-8 or ASCII-compatible);
/// `complete` says the sample is the whole input. Returns the delimiter and why.
pub fn sniff_delimiter(sample: &[u8], complete: bool) -> (u8, String) {
    let mut best: Option<(u8, usize, usize)> = None; // (delimiter, header columns, consistent)
    let mut splitting = Vec::new();
    for &delim in &CANDIDATES {
        let counts = field_counts(sample, delim, TIE_RECORDS + 1, complete);
        let Some((&header, rest)) = counts.split_first() else {
            continue;
        };
        if header < 2 {
            continue;
        }
        splitting.push(delim);
        let consistent = rest.iter().filter(|&&n| n == header).count();
        let better = match best {
            None => true,
            Some((_, h, c)) => (consistent, header) > (c, h),
        };
        if better {
            best = Some((delim, header, consistent));
        }
    }
    match (best, splitting.len()) {
        (None, _) => (
            b',',
            "no delimiter in the header: one column, ',' assumed".into(),
        ),
        (Some((d, h, _)), 1) => (
            d,
            format!("the header splits into {h} columns on {}", name(d)),
        ),
        (Some((d, h, c)), _) => {
            let others: Vec<String> = splitting
                .iter()
                .filter(|&&o| o != d)
                .map(|&o| name(o))
                .collect();
            (
                d,
                format!(
                    "the header splits into {h} columns on {}, and {c} of the next records agree \
                     (also tried {})",
                    name(d),
                    others.join(", ")
                ),
            )
        }
    }
}

fn name(delim: u8) -> String {
    super::options::delimiter_name(delim)
}

/// Field counts of the first `max` records of `sample` read with `delim`; the last record is
/// dropped when the sample may have cut it.
fn field_counts(sample: &[u8], delim: u8, max: usize, complete: bool) -> Vec<usize> {
    let mut rdr = ReaderBuilder::new().delimiter(delim).build();
    let mut out = vec![0u8; 4096];
    let mut ends = vec![0usize; 256];
    let mut counts = Vec::new();
    let mut input = sample;
    let mut fields = 0;
    while counts.len() < max {
        let (res, nin, _, nend) = rdr.read_record(input, &mut out, &mut ends);
        input = &input[nin..];
        fields += nend;
        match res {
            // Field contents are not needed, only their number: the buffers are reused.
            ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => {}
            ReadRecordResult::InputEmpty if !complete && input.is_empty() => return counts,
            ReadRecordResult::InputEmpty => {}
            ReadRecordResult::Record => {
                counts.push(fields);
                fields = 0;
            }
            ReadRecordResult::End => break,
        }
    }
    counts
}

/// The line endings seen in a sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LineEndings {
    /// `\r\n` pairs.
    pub crlf: usize,
    /// `\n` alone.
    pub lf: usize,
    /// `\r` alone (old Mac exports).
    pub cr: usize,
}

impl LineEndings {
    /// Counts the line endings of `sample`.
    pub fn count(sample: &[u8]) -> LineEndings {
        let mut le = LineEndings::default();
        let mut i = 0;
        while let Some(at) = memchr::memchr2(b'\r', b'\n', &sample[i..]) {
            let p = i + at;
            if sample[p] == b'\n' {
                le.lf += 1;
                i = p + 1;
            } else if sample.get(p + 1) == Some(&b'\n') {
                le.crlf += 1;
                i = p + 2;
            } else {
                le.cr += 1;
                i = p + 1;
            }
        }
        le
    }

    /// Whether lines end with a lone `\r` only (so lines must be counted on `\r`).
    pub fn is_cr_only(&self) -> bool {
        self.cr > 0 && self.lf == 0 && self.crlf == 0
    }

    /// `CRLF`, `LF`, `CR`, `none`, or `mixed (3 CRLF, 2 LF)`.
    pub fn describe(&self) -> String {
        match (self.crlf, self.lf, self.cr) {
            (0, 0, 0) => "none (one line)".into(),
            (_, 0, 0) => "CRLF".into(),
            (0, _, 0) => "LF".into(),
            (0, 0, _) => "CR".into(),
            (crlf, lf, cr) => {
                let parts: Vec<String> = [(crlf, "CRLF"), (lf, "LF"), (cr, "CR")]
                    .iter()
                    .filter(|(n, _)| *n > 0)
                    .map(|(n, what)| format!("{n} {what}"))
                    .collect();
                format!("mixed ({})", parts.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_header_decides_even_with_quoted_delimiters() {
        assert_eq!(
            sniff_delimiter(b"id;\"Titel, kurz\";Status\n1;a;b\n", true).0,
            b';'
        );
        assert_eq!(
            sniff_delimiter(b"id\tSubject\tQueue\n1\t\"x\t2\n", true).0,
            b'\t'
        );
        assert_eq!(sniff_delimiter(b"a|b|c\n", true).0, b'|');
        assert_eq!(
            sniff_delimiter(b"Summary,Issue key\nx;y;z,SEC-1\n", true).0,
            b','
        );
        assert_eq!(sniff_delimiter(b"lonely\n1\n", true).0, b',');
    }

    #[test]
    fn a_tie_is_broken_by_the_records_that_follow() {
        let csv = b"Time;Cost, EUR\n1;2\n3;4\n5;6\n";
        let (d, why) = sniff_delimiter(csv, true);
        assert_eq!(d, b';', "{why}");
    }

    #[test]
    fn workbooks_and_binary_data_are_told_from_text() {
        assert!(binary_reason(b"PK\x03\x04\x14\x00")
            .unwrap()
            .contains(".xlsx"));
        assert!(binary_reason(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1..")
            .unwrap()
            .contains(".xls"));
        assert!(binary_reason(b"id\x00,title\n1,x\n")
            .unwrap()
            .contains("NUL"));
        let junk: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert!(binary_reason(&junk).is_some());
        assert_eq!(
            binary_reason(b"id,title\n1,a \x00 cell with a NUL and \x1b[31m\n"),
            None
        );
        assert_eq!(binary_reason(b""), None);
        // Found by the import property test: UTF-8 text thick with control characters.
        assert_eq!(
            binary_reason(b"id,title,description\nAA-0,\x01\x0b\x0b\x01\x0b\x01,\n"),
            None
        );
        let mut latin1_junk = b"id,title\n1,caf\xe9 ".to_vec();
        latin1_junk.extend([1, 2, 3, 4, 5, 6, 7, 8, 0xff]);
        assert!(binary_reason(&latin1_junk).is_some());
    }

    #[test]
    fn line_endings_are_counted_and_named() {
        assert_eq!(LineEndings::count(b"a\r\nb\r\n").describe(), "CRLF");
        assert_eq!(LineEndings::count(b"a\nb\n").describe(), "LF");
        assert!(LineEndings::count(b"a\rb\r").is_cr_only());
        assert_eq!(
            LineEndings::count(b"a\r\nb\nc").describe(),
            "mixed (1 CRLF, 1 LF)"
        );
    }

    /// A field as a writer of that delimiter would write it: quoted when it must be.
    fn field(text: &str, delim: u8) -> String {
        let d = delim as char;
        if text.contains([d, '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn the_delimiter_of_generated_csv_is_found(
            delim in prop::sample::select(CANDIDATES.to_vec()),
            header in prop::collection::vec("[A-Za-z][A-Za-z0-9 _#.()/]{0,12}", 2..8),
            rows in prop::collection::vec(prop::collection::vec("[^\u{0}]{0,20}", 8), 0..20),
            crlf in any::<bool>(),
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let sep = (delim as char).to_string();
            let mut text = header.iter().map(|h| field(h, delim)).collect::<Vec<_>>().join(&sep);
            text.push_str(eol);
            for row in &rows {
                let cells: Vec<String> = row[..header.len()].iter().map(|c| field(c, delim)).collect();
                text.push_str(&cells.join(&sep));
                text.push_str(eol);
            }
            prop_assert_eq!(sniff_delimiter(text.as_bytes(), true).0, delim, "{}", text);
        }
    }
}
