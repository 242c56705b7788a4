//! What the fuzz targets check, shared with the regression tests (`tests/cli/fuzz.rs` runs
//! every input under `tests/fuzz-regressions/<target>/` through the same function).
#![allow(dead_code)] // each target uses one of these

use std::io::Cursor;
use std::path::Path;
use std::sync::OnceLock;

use csirt_tagger::catalog::Catalog;
use csirt_tagger::import::date::{self, DateOrder, DateParser};
use csirt_tagger::import::duration::{guess_unit, parse_duration};
use csirt_tagger::import::{ImportOptions, Reader};
use csirt_tagger::rules::{lint, RuleSetBuilder, Scratch};
use csirt_tagger::Diagnostics;

/// The whole reader on arbitrary bytes, flavour and encoding detected: it never panics, and
/// every record read is a ticket or a reject (`read == tickets + rejected`).
pub fn import(data: &[u8]) {
    let opts = ImportOptions::default();
    let src = Box::new(Cursor::new(data.to_vec()));
    let Ok(mut reader) = Reader::from_read("fuzz.csv", src, 0, &opts) else {
        return; // empty input, no header: a clean error
    };
    let mut diags = Diagnostics::new(false);
    let (mut tickets, mut rejects) = (Vec::new(), Vec::new());
    // Small batches: the look-ahead and the streamed records both go through `next_batch`.
    while reader
        .next_batch(7, &mut tickets, &mut rejects, &mut diags)
        .expect("only I/O errors or --strict stop a reader")
        > 0
    {}
    let counts = reader.counts();
    assert_eq!(counts.read, counts.tickets + counts.rejected, "{counts:?}");
    assert_eq!(counts.tickets, tickets.len() as u64);
    assert_eq!(counts.rejected, rejects.len() as u64);
    // Bytes are counted after decoding: UTF-16 becomes UTF-8 (at most 3 bytes per 2), other
    // encodings are decoded per field and counted as they are.
    let info = reader.info();
    let most = if info.encoding.starts_with("UTF-16") {
        data.len() as u64 * 3 / 2 + 3
    } else {
        data.len() as u64
    };
    assert!(counts.bytes <= most, "{counts:?} from {} bytes", data.len());
    for t in &tickets {
        assert!(!t.id.is_empty());
        assert!(!t.raw.is_empty());
        if let Some(s) = t.time_spent {
            assert!(s.is_finite() && s >= 0.0, "time spent {s}");
        }
    }
    // What `inspect` and the run summaries print from it.
    let _ = info.summary(&counts);
    serde_json::to_string(info).expect("a SourceInfo serialises");
}

/// Dates and durations as read from a cell: never a panic; a duration is finite and >= 0.
pub fn dates(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for order in [DateOrder::DayFirst, DateOrder::MonthFirst] {
        let parser = DateParser::new(order);
        if let Ok(Some((dt, _kind))) = parser.parse(text) {
            // Printing a date is what every report does with it.
            let _ = dt.format("%Y-%m-%d %H:%M:%S").to_string();
        }
        let _ = date::parse_with_order(text.trim(), order);
    }
    let _ = date::evidence(text);
    let _ = date::is_unset(text);
    // `--date-format FMT` against a value: the text split at the first NUL.
    if let Some((format, value)) = text.split_once('\0') {
        let _ = DateParser::forced(format).parse(value);
    }
    for unit in [1.0, 60.0, 3600.0] {
        if let Ok(Some(secs)) = parse_duration(text, unit) {
            assert!(secs.is_finite() && secs >= 0.0, "{text:?} -> {secs}");
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    if let Some((header, values)) = lines.split_first() {
        let _ = guess_unit(header, values.iter().copied());
    }
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::default_embedded)
}

/// Texts the matcher runs on: ticket-like, with punctuation, inflections and non-ASCII.
const TEXTS: &[&str] = &[
    "Ransomware on FS01, restored from backup; phishing e-mails reported by users.",
    "Reverse-engineering of malware samples. CVE-2024-1234 patched; IOC shared with CERT.",
    "Schwachstelle gemeldet: Phishing-Kampagne, Überwachung des Netzwerks (SOC).",
    "",
];

/// Rules files from arbitrary TOML text, against the embedded catalog: loading and compiling
/// never panic (problems are diagnostics or a build error), and a built matcher runs.
pub fn rules(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let catalog = catalog();
    let mut diags = Diagnostics::new(false);
    let mut rules = RuleSetBuilder::new(catalog);
    rules.add_str(text, Path::new("fuzz.toml"), &mut diags);
    for d in diags.items() {
        let _ = d.to_string();
    }
    let Ok(matcher) = rules.build() else {
        return;
    };
    let _ = matcher.check_examples();
    let _ = lint::lint(&matcher, catalog);
    let mut scratch = Scratch::default();
    for t in TEXTS {
        let _ = matcher.find_in_text(t, &mut scratch, true).fired().len();
    }
    for rule in matcher.rules() {
        for e in &rule.examples {
            let _ = matcher
                .find_in_text(&e.value, &mut scratch, true)
                .fired()
                .len();
        }
    }
}
