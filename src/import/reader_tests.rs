//! Tests of [`super`] (the reader) on whole small exports held in memory.

use super::*;
use crate::import::options::ColumnRef;
use crate::import::{Flavour, Status, TextField};
use chrono::NaiveDate;

fn open(bytes: &[u8], opts: &ImportOptions) -> Result<Reader> {
    let owned = bytes.to_vec();
    Reader::from_read("t.csv", Box::new(Cursor::new(owned)), 0, opts)
}

fn read(bytes: &[u8]) -> (Reader, Vec<Ticket>, Vec<Reject>, Diagnostics) {
    let mut reader = open(bytes, &ImportOptions::default()).unwrap();
    let mut diags = Diagnostics::new(false);
    let (tickets, rejects) = reader.read_to_end(&mut diags).unwrap();
    (reader, tickets, rejects, diags)
}

fn day(y: i32, m: u32, d: u32, h: u32, mi: u32) -> Option<chrono::NaiveDateTime> {
    NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, mi, 0))
}

fn names(texts: &[TextField]) -> Vec<&str> {
    texts.iter().map(|t| &*t.name).collect()
}

#[test]
fn an_empty_file_is_an_error_and_a_header_alone_is_no_ticket() {
    let err = open(b"", &ImportOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("empty"), "{err}");
    let err = open(b"\xef\xbb\xbf\r\n", &ImportOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("empty"), "{err}");
    let (reader, tickets, rejects, _) = read(b"id,title,description\n");
    assert_eq!(
        (tickets.len(), rejects.len(), reader.counts().read),
        (0, 0, 0)
    );
}

#[test]
fn a_german_excel_export_reads_bom_semicolons_and_day_first_dates() {
    let csv = "\u{feff}ID;Titel;Beschreibung;Erstellt;Gelöst;Status\r\n\
               1;Phishing-Mail;\"Zeile 1\r\nZeile 2\";03.11.2026 15:04;04.11.2026 09:12;Geschlossen\r\n\
               2;DDoS;Angriff;22.11.2026 08:00;;Offen\r\n";
    let (reader, tickets, _, diags) = read(csv.as_bytes());
    let info = reader.info();
    assert_eq!(
        (info.flavour, info.delimiter.as_str(), info.bom),
        (Flavour::Generic, ";", true)
    );
    assert_eq!(
        tickets[0].created,
        day(2026, 11, 3, 15, 4),
        "decided by 22.11 on line 4"
    );
    assert_eq!(tickets[0].status, Status::Closed);
    assert_eq!(tickets[1].status, Status::Open);
    assert_eq!(tickets[1].resolved, None);
    assert_eq!(tickets[1].line, 4);
    assert_eq!(names(&tickets[0].texts), ["Titel", "Beschreibung"]);
    assert!(diags.is_empty(), "{:?}", diags.items());
    let date = info.columns[3].date.as_ref().unwrap();
    assert_eq!(date.order, Some(DateOrder::DayFirst));
    assert!(
        date.order_reason.as_deref().unwrap().contains("line 4"),
        "{:?}",
        date.order_reason
    );
}

#[test]
fn utf16_and_windows_1252_are_decoded() {
    let text =
        "id\tsubject\tbody\n7\tVirus auf PC\tMalware gefunden: Trojaner \u{e4}\u{f6}\u{fc}\n";
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let (reader, tickets, _, diags) = read(&utf16);
    assert_eq!(reader.info().encoding, "UTF-16LE");
    assert_eq!(tickets[0].texts[1].text, "Malware gefunden: Trojaner äöü");
    assert!(diags.is_empty());
    let (bytes, _, _) =
        encoding_rs::WINDOWS_1252.encode("id,title\n1,Schwachstelle im Kundenportal – café\n");
    let (reader, tickets, _, _) = read(&bytes);
    assert_eq!(reader.info().encoding, "windows-1252");
    assert_eq!(tickets[0].title, "Schwachstelle im Kundenportal – café");
}

#[test]
fn late_bytes_that_are_not_utf8_are_kept_and_reported_with_their_column() {
    let mut csv = b"id,title\n".to_vec();
    // Past the first MiB, where the encoding was decided.
    for i in 0..60_000 {
        csv.extend_from_slice(format!("{i},plain ascii title\n").as_bytes());
    }
    csv.extend_from_slice(b"60000,caf\xe9 r\xe9seau\n");
    let (_, tickets, _, diags) = read(&csv);
    assert_eq!(tickets.last().unwrap().title, "café réseau");
    let d = &diags.items()[0];
    assert_eq!(
        d.to_string(),
        "t.csv:60002:7: warning: bytes that are not UTF-8: read as windows-1252 (use --encoding)"
    );
}

#[test]
fn damaged_rows_are_kept_with_warnings_and_unreadable_ones_rejected() {
    let csv = b"id,title,created,time spent\n\
        1,short row\n\
        2,bad date,31/31/2024,10\n\
        3,bad duration,2024-01-02,ten\n\
        just a footer line\n\
        id,title,created,time spent\n\
        ,,,\n\
        4,\"never closed,2024-01-02,5\n";
    let (reader, tickets, rejects, diags) = read(csv);
    let ids: Vec<&str> = tickets.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4"]);
    let reasons: Vec<&str> = rejects.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(
        rejects.iter().map(|r| r.line).collect::<Vec<_>>(),
        [5, 6, 7]
    );
    assert!(reasons[0].starts_with("no delimiter"), "{reasons:?}");
    assert!(
        reasons[1].starts_with("the header line again"),
        "{reasons:?}"
    );
    assert!(reasons[2].starts_with("no id and no text"), "{reasons:?}");
    assert_eq!(rejects[0].raw, "just a footer line");
    let c = reader.counts();
    assert_eq!((c.read, c.tickets, c.rejected), (7, 4, 3));
    let shown: Vec<String> = diags.items().iter().map(|d| d.to_string()).collect();
    assert!(
        shown.contains(&"t.csv:2:12: warning: expected 4 fields, found 2".to_string()),
        "{shown:#?}"
    );
    assert!(
        shown
            .iter()
            .any(|s| s.starts_with("t.csv:3:12: warning: unreadable date `31/31/2024`")),
        "{shown:#?}"
    );
    assert!(
        shown
            .iter()
            .any(|s| s.starts_with("t.csv:4:27: warning: unreadable duration `ten`")),
        "{shown:#?}"
    );
    assert!(
        shown
            .iter()
            .any(|s| s.starts_with("t.csv:8:3: warning: a quoted field is never closed")),
        "{shown:#?}"
    );
    assert_eq!(tickets[1].created, None);
    assert_eq!(tickets[3].title, "\"never closed");
}

#[test]
fn strict_stops_at_the_first_problem() {
    let csv = b"id,title\n1,ok\n2,ok,extra\n3,ok\n";
    let mut reader = open(csv, &ImportOptions::default()).unwrap();
    let mut diags = Diagnostics::new(true);
    let err = reader.read_to_end(&mut diags).unwrap_err().to_string();
    assert!(
        err.starts_with("t.csv:3:6: error: expected 2 fields, found 3"),
        "{err}"
    );
}

#[test]
fn jira_comments_and_repeated_columns_are_all_read() {
    let csv = "Summary,Issue key,Status,Created,Resolved,Labels,Labels,Description,Time Spent,Comment,Comment\n\
        Ransomware note on FS01,SEC-123,Done,22/Nov/26 3:04 PM,23/Nov/26 9:12 AM,ransomware,backup,\"Files encrypted.\nNote attached.\",5400,22/Nov/26 3:30 PM;alice;isolated host; imaged,\n";
    let (reader, tickets, _, diags) = read(csv.as_bytes());
    assert_eq!(reader.info().flavour, Flavour::Jira);
    let t = &tickets[0];
    assert_eq!(
        (t.id.as_str(), t.status, t.time_spent),
        ("SEC-123", Status::Closed, Some(5400.0))
    );
    assert_eq!(t.created, day(2026, 11, 22, 15, 4));
    assert_eq!(
        names(&t.texts),
        ["Summary", "Labels", "Labels", "Description", "Comment"]
    );
    assert_eq!(t.texts[4].text, "isolated host; imaged");
    assert_eq!(t.raw.len(), 11);
    assert_eq!(
        reader
            .info()
            .headers
            .iter()
            .filter(|h| *h == "Labels")
            .count(),
        2
    );
    assert!(diags.is_empty());
}

#[test]
fn servicenow_strips_the_formula_guard_and_reads_timers() {
    let csv = "\"number\",\"short_description\",\"opened_at\",\"resolved_at\",\"closed_at\",\"state\",\"time_worked\"\r\n\
        \"SIR0010042\",\"'=cmd| /C calc in a mail\",\"2026-11-22 15:04:05\",\"\",\"2026-11-24 10:00:00\",\"Closed\",\"1 Hour 30 Minutes\"\r\n";
    let (_, tickets, _, _) = read(csv.as_bytes());
    let t = &tickets[0];
    assert_eq!(t.title, "=cmd| /C calc in a mail");
    assert_eq!(t.raw[1], "'=cmd| /C calc in a mail", "raw is untouched");
    assert_eq!(
        t.resolved,
        day(2026, 11, 24, 10, 0),
        "closed_at when resolved_at is empty"
    );
    assert_eq!(t.time_spent, Some(5400.0));
}

#[test]
fn cr_only_exports_count_lines_on_cr() {
    let (_, tickets, _, _) = read(b"id,title\r1,one\r2,\"two\rlines\"\r3,three\r");
    let lines: Vec<u64> = tickets.iter().map(|t| t.line).collect();
    assert_eq!(lines, [2, 3, 5]);
}

#[test]
fn batches_keep_input_order_across_the_look_ahead() {
    let mut csv = String::from("id,title\n");
    for i in 0..2500 {
        csv.push_str(&format!("{i},t{i}\n"));
    }
    let mut reader = open(csv.as_bytes(), &ImportOptions::default()).unwrap();
    let (mut tickets, mut rejects, mut diags) = (Vec::new(), Vec::new(), Diagnostics::new(false));
    let mut sizes = Vec::new();
    loop {
        let n = reader
            .next_batch(700, &mut tickets, &mut rejects, &mut diags)
            .unwrap();
        if n == 0 {
            break;
        }
        sizes.push(n);
    }
    assert_eq!(sizes, [700, 700, 700, 400]);
    assert!(tickets
        .iter()
        .enumerate()
        .all(|(i, t)| t.id == i.to_string() && t.record == i as u64 + 1));
}

#[test]
fn options_force_the_flavour_columns_and_date_format() {
    let csv = b"Ref|Text|Wann|Zeit\nA-1|Port scan|03/04/2024|2\n";
    let opts = ImportOptions {
        id_col: Some(ColumnRef::Name("Ref".into())),
        text_cols: vec![ColumnRef::Name("Text".into())],
        created_col: Some(ColumnRef::Name("Wann".into())),
        time_spent_col: Some(ColumnRef::Name("Zeit".into())),
        time_unit: TimeUnit::Hours,
        date_format: Some("%m/%d/%Y".into()),
        ..ImportOptions::default()
    };
    let mut reader = open(csv, &opts).unwrap();
    let (tickets, _) = reader.read_to_end(&mut Diagnostics::new(false)).unwrap();
    assert_eq!(reader.info().delimiter, "|");
    assert_eq!(tickets[0].created, day(2024, 3, 4, 0, 0));
    assert_eq!(tickets[0].time_spent, Some(7200.0));
    let summary = reader.info().summary(&reader.counts());
    assert_eq!(summary, "t.csv: generic (UTF-8, '|', 1 records): id=Ref, text=Text, created=Wann, time spent=Zeit (h)");
}

/// A reader that hands out its bytes `n` at a time, to cross every buffer boundary.
struct Trickle(Vec<u8>, usize, usize);

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.1.min(self.0.len() - self.2).min(buf.len());
        buf[..n].copy_from_slice(&self.0[self.2..self.2 + n]);
        self.2 += n;
        Ok(n)
    }
}

/// A field as a CSV writer would write it: quoted when it must be.
fn quote(text: &str, delim: char) -> String {
    if text.contains([delim, '"', '\n', '\r']) || text.starts_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever the chunking of the input, every row comes back as written, on its line.
        #[test]
        fn generated_exports_read_back_exactly(
            delim in prop::sample::select(vec![',', ';', '\t', '|']),
            rows in prop::collection::vec(("[A-Z]{2}-[0-9]{1,5}", "[^\u{0}\r\n]{0,30}", "(?s)[^\u{0}]{0,60}"), 0..40),
            crlf in any::<bool>(),
            bom in any::<bool>(),
            chunk in 1usize..300,
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = if bom { "\u{feff}".to_string() } else { String::new() };
            text.push_str(&["id", "title", "description"].join(&delim.to_string()));
            text.push_str(eol);
            let mut lines = Vec::new();
            let mut line = 2;
            for (id, title, body) in &rows {
                lines.push(line);
                let body = body.replace("\r\n", "\n").replace('\r', "\n");
                line += body.matches('\n').count() as u64 + 1;
                let cells = [quote(id, delim), quote(title, delim), quote(&body, delim)];
                text.push_str(&cells.join(&delim.to_string()));
                text.push_str(eol);
            }
            let src = Trickle(text.into_bytes(), chunk, 0);
            let mut reader = Reader::from_read("g.csv", Box::new(src), 0, &ImportOptions::default()).unwrap();
            let mut diags = Diagnostics::new(true);
            let (tickets, rejects) = reader.read_to_end(&mut diags).unwrap();
            prop_assert!(rejects.is_empty());
            prop_assert_eq!(tickets.len(), rows.len());
            prop_assert_eq!(reader.info().delimiter.as_str(), delim.to_string());
            for ((t, (id, title, body)), line) in tickets.iter().zip(&rows).zip(&lines) {
                let body = body.replace("\r\n", "\n").replace('\r', "\n");
                prop_assert_eq!(&t.raw, &vec![id.clone(), title.clone(), body]);
                prop_assert_eq!(&t.id, id);
                prop_assert_eq!(t.line, *line);
            }
        }

        /// No input makes the reader panic; counts always add up.
        #[test]
        fn no_input_makes_the_reader_panic(
            bytes in prop::collection::vec(prop::sample::select(b"a1,;\t|\"\r\n \xef\xbb\xbf\xff\xfe\x00\xe9-:/".to_vec()), 0..400),
            chunk in 1usize..64,
        ) {
            let src = Trickle(bytes, chunk, 0);
            if let Ok(mut reader) = Reader::from_read("x.csv", Box::new(src), 0, &ImportOptions::default()) {
                let mut diags = Diagnostics::new(false);
                let (tickets, rejects) = reader.read_to_end(&mut diags).unwrap();
                let c = reader.counts();
                prop_assert_eq!(c.read, c.tickets + c.rejected);
                prop_assert_eq!((tickets.len() as u64, rejects.len() as u64), (c.tickets, c.rejected));
            }
        }
    }
}
