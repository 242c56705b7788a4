//! A small realistic workload shared by the format tests, with hostile ticket text in every
//! place ticket text reaches a report (untagged titles, `--by` values, ids outside the
//! catalog). Its figures are worked out by hand in `stats::workload`'s tests, which use the
//! first six of these tickets.

use std::sync::OnceLock;

use chrono::NaiveDateTime;

use super::provenance::{Provenance, Stamp};
use super::{render, ReportOptions};
use crate::catalog::Catalog;
use crate::import::Status;
use crate::stats::{TicketFacts, Workload, WorkloadOptions};

/// The embedded catalog, parsed once for all tests.
pub(crate) fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::default_embedded)
}

type Row = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Status,
    Option<f64>,
    Option<&'static str>,
    &'static [&'static str],
);

/// `(id, title, created, resolved, status, hours spent, queue, services)`.
pub(crate) const TICKETS: [Row; 9] = [
    (
        "SEC-1",
        "Malware sample from the mail gateway",
        Some("2024-01-10 09:00"),
        Some("2024-01-10 13:00"),
        Status::Closed,
        Some(2.0),
        Some("CSIRT"),
        &["6.3", "6.2"],
    ),
    (
        "SEC-2",
        "Compromised VPN account",
        Some("2024-01-20 10:00"),
        Some("2024-01-22 10:00"),
        Status::Closed,
        Some(3.0),
        Some("CSIRT"),
        &["6.2"],
    ),
    (
        "SEC-3",
        "Beaconing host in the DMZ",
        Some("2024-02-05 08:00"),
        None,
        Status::Open,
        Some(1.0),
        Some("<b>SOC</b>"),
        &["5.2", "6.2", "6.3"],
    ),
    (
        "SEC-4",
        "<img src=x onerror=alert(1)>",
        Some("2024-02-15 12:00"),
        Some("2024-02-16 12:00"),
        Status::Closed,
        None,
        Some("<b>SOC</b>"),
        &[],
    ),
    (
        "SEC-5",
        "Lost laptop",
        None,
        None,
        Status::Closed,
        Some(0.5),
        Some("csirt"),
        &["6.2"],
    ),
    (
        "SEC-6",
        "\u{1b}[2J\u{1b}[31mfake prompt",
        Some("2024-02-20 09:30"),
        None,
        Status::Unknown,
        None,
        None,
        &[],
    ),
    (
        "SEC-7",
        "Advisory to constituents",
        Some("2024-03-01 10:00"),
        Some("2024-03-01 10:45"),
        Status::Closed,
        Some(0.75),
        Some("=HYPERLINK(\"http://x\")"),
        &["6.5", "=2+3"],
    ),
    (
        "SEC-8",
        "CVE report from a researcher",
        Some("2024-03-04 16:00"),
        None,
        Status::Open,
        Some(2.0),
        Some("CSIRT"),
        &["7.2"],
    ),
    (
        "SEC-9",
        "Phishing report | forwarded",
        Some("2024-03-05 09:00"),
        None,
        Status::Open,
        None,
        Some("CSIRT"),
        &[],
    ),
];

/// Records `tickets` into a workload counted with `options`.
pub(crate) fn workload_of(options: WorkloadOptions, tickets: &[Row]) -> Workload {
    let mut work = Workload::new(options, catalog());
    for &(id, title, created, resolved, status, hours, queue, services) in tickets {
        let at = |s: &str| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("fixture times are valid")
        };
        let functions: &[&str] = if id == "SEC-1" { &["6.3.2"] } else { &[] };
        work.record(&TicketFacts {
            id,
            title,
            created: created.map(at),
            resolved: resolved.map(at),
            status,
            time_spent: hours.map(|h| h * 3_600.0),
            queue,
            by_value: queue,
            services,
            functions,
        });
    }
    work
}

/// The provenance of a run over two exports.
pub(crate) fn provenance_of(inputs: &[(&str, u64)]) -> Provenance {
    let mut p = Provenance::new(catalog());
    p.rules.push(Stamp::of_bytes(
        "<embedded:rules/default.toml>",
        b"default rules",
    ));
    p.inputs = inputs
        .iter()
        .map(|(name, n)| Stamp::of_bytes(*name, name.as_bytes()).with_tickets(*n))
        .collect();
    p
}

/// The fixture: all nine tickets, split attribution, by queue, two inputs.
pub(crate) fn fixture() -> (Workload, Catalog, Provenance) {
    let options = WorkloadOptions {
        by: Some("queue".into()),
        ..WorkloadOptions::default()
    };
    let work = workload_of(options, &TICKETS);
    (
        work,
        catalog().clone(),
        provenance_of(&[("exports/jan-feb.csv", 6), ("exports/march.csv", 3)]),
    )
}

/// Renders to a string.
pub(crate) fn render_to_string(
    work: &Workload,
    catalog: &Catalog,
    provenance: &Provenance,
    options: &ReportOptions,
) -> String {
    let mut out = Vec::new();
    render(work, catalog, provenance, options, &mut out).expect("the report renders");
    String::from_utf8(out).expect("reports are UTF-8")
}

#[test]
fn every_format_renders_and_the_machine_readable_ones_parse_back() {
    use super::Format;
    let (work, catalog, provenance) = fixture();
    for format in [
        Format::Table,
        Format::Csv,
        Format::Json,
        Format::Markdown,
        Format::Html,
    ] {
        let text = render_to_string(
            &work,
            &catalog,
            &provenance,
            &ReportOptions {
                format,
                ..ReportOptions::default()
            },
        );
        assert!(text.len() > 500, "{format:?} wrote little: {text}");
        match format {
            Format::Json => assert_eq!(
                super::json::from_json(&text, "r.json".as_ref()).unwrap().0,
                work
            ),
            Format::Csv => assert!(csv::Reader::from_reader(text.as_bytes())
                .records()
                .all(|r| r.is_ok())),
            _ => {}
        }
    }
}

#[test]
fn a_report_refuses_a_catalog_it_was_not_made_with() {
    let (work, _, provenance) = fixture();
    let other = Catalog::load("rsit").unwrap();
    let mut out = Vec::new();
    let err = render(
        &work,
        &other,
        &provenance,
        &ReportOptions::default(),
        &mut out,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("pass the same --catalog"), "{err}");
}

#[test]
fn formats_are_chosen_by_extension() {
    use super::Format;
    let of = |p: &str| Format::from_path(p.as_ref());
    assert_eq!(of("r.HTML"), Some(Format::Html));
    assert_eq!(of("out/r.md"), Some(Format::Markdown));
    assert_eq!(of("r.json"), Some(Format::Json));
    assert_eq!(of("r.csv"), Some(Format::Csv));
    assert_eq!(of("r.txt"), Some(Format::Table));
    assert_eq!(of("r.xlsx"), None);
}
