//! `report --merge`: partial JSON reports made through the library, merged by the binary,
//! written in every format, and the HTML opened in a real headless browser.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use csirt_tagger::catalog::Catalog;
use csirt_tagger::import::Status;
use csirt_tagger::report::{self, Format, Provenance, ReportOptions, Stamp};
use csirt_tagger::stats::{Attribution, TicketFacts, Workload, WorkloadOptions};

use crate::{stdout_of, tagger};

type Ticket = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Status,
    Option<f64>,
    Option<&'static str>,
    &'static [&'static str],
);

/// Two months of a small team's tickets, with hostile text where ticket text reaches a report.
const JAN_FEB: [Ticket; 6] = [
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
        Some("CSIRT"),
        &["6.2"],
    ),
    (
        "SEC-6",
        "Scan from a known range",
        Some("2024-02-20 09:30"),
        Some("2024-02-20 09:50"),
        Status::Closed,
        Some(0.25),
        Some("SOC"),
        &["5.1"],
    ),
];
const MARCH: [Ticket; 5] = [
    (
        "SEC-7",
        "Advisory to constituents",
        Some("2024-03-01 10:00"),
        Some("2024-03-01 10:45"),
        Status::Closed,
        Some(0.75),
        Some("=HYPERLINK(\"http://x\")"),
        &["6.5"],
    ),
    (
        "SEC-8",
        "CVE report from a researcher",
        Some("2024-03-04 16:00"),
        None,
        Status::Open,
        Some(2.0),
        Some("CSIRT"),
        &["7.2", "7.3"],
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
    (
        "SEC-10",
        "Tabletop exercise preparation",
        Some("2024-03-11 09:00"),
        Some("2024-03-15 17:00"),
        Status::Closed,
        Some(6.0),
        Some("CSIRT"),
        &["9.3"],
    ),
    (
        "SEC-11",
        "Ransomware on a file server",
        Some("2024-03-18 07:30"),
        Some("2024-03-21 18:00"),
        Status::Closed,
        Some(14.0),
        Some("SOC"),
        &["6.4", "6.2", "6.3"],
    ),
];

fn workload(options: &WorkloadOptions, tickets: &[Ticket]) -> Workload {
    let catalog = Catalog::default_embedded();
    let mut work = Workload::new(options.clone(), &catalog);
    let at = |s: &str| {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("fixture times are valid")
    };
    for &(id, title, created, resolved, status, hours, queue, services) in tickets {
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

fn provenance(inputs: &[(&str, u64)]) -> Provenance {
    let mut p = Provenance::new(&Catalog::default_embedded());
    p.rules.push(Stamp::of_bytes(
        "<embedded:rules/default.toml>",
        b"default rules",
    ));
    p.inputs = inputs
        .iter()
        .map(|(n, t)| Stamp::of_bytes(*n, n.as_bytes()).with_tickets(*t))
        .collect();
    p
}

fn write(work: &Workload, provenance: &Provenance, format: Format, path: &Path) {
    let options = ReportOptions {
        format,
        ..ReportOptions::default()
    };
    report::write_report(
        work,
        &Catalog::default_embedded(),
        provenance,
        &options,
        Some(path),
    )
    .expect("the report is written");
}

/// `jan-feb.json` and `march.json` (partial reports), and `whole.json` (one run over both).
struct Partials {
    dir: tempfile::TempDir,
}

impl Partials {
    fn new(attribution: Attribution) -> Partials {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let options = WorkloadOptions {
            attribution,
            by: Some("queue".into()),
            ..WorkloadOptions::default()
        };
        let all: Vec<Ticket> = JAN_FEB.iter().chain(&MARCH).copied().collect();
        for (name, tickets, inputs) in [
            (
                "jan-feb.json",
                &JAN_FEB[..],
                &[("exports/jan-feb.csv", 6)][..],
            ),
            ("march.json", &MARCH[..], &[("exports/march.csv", 5)][..]),
            (
                "whole.json",
                &all[..],
                &[("exports/jan-feb.csv", 6), ("exports/march.csv", 5)][..],
            ),
        ] {
            write(
                &workload(&options, tickets),
                &provenance(inputs),
                Format::Json,
                &dir.path().join(name),
            );
        }
        Partials { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn json(&self, name: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(self.dir.path().join(name)).expect("the report exists");
        serde_json::from_str(&text).expect("the report is JSON")
    }

    /// Runs `report --merge jan-feb.json march.json -o <out>` and checks it succeeded.
    fn merge_to(&self, out: &str) -> String {
        let target = self.path(out);
        stdout_of(&[
            "report",
            "--merge",
            &self.path("jan-feb.json"),
            &self.path("march.json"),
            "-o",
            &target,
        ]);
        target
    }
}

#[test]
fn merging_two_partial_reports_equals_one_run_over_both_inputs() {
    for attribution in [Attribution::Primary, Attribution::Split, Attribution::All] {
        let partials = Partials::new(attribution);
        partials.merge_to("all.json");
        let (merged, whole) = (partials.json("all.json"), partials.json("whole.json"));
        assert_eq!(merged["workload"], whole["workload"], "{attribution:?}");
        assert_eq!(
            merged["figures"], whole["figures"],
            "{attribution:?}: quantiles and all"
        );
        assert_eq!(
            merged["provenance"]["inputs"],
            whole["provenance"]["inputs"]
        );
        let merged_from: Vec<&str> = merged["provenance"]["merged_from"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert!(
            merged_from[0].ends_with("jan-feb.json") && merged_from[1].ends_with("march.json"),
            "{merged_from:?}"
        );
    }
}

#[test]
fn a_merge_is_written_in_every_format_and_the_machine_readable_ones_parse_back() {
    let partials = Partials::new(Attribution::Split);
    let csv = std::fs::read_to_string(partials.merge_to("all.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect();
    let total = rows.iter().find(|r| &r[0] == "total").expect("a total row");
    assert_eq!(&total[6], "11");
    let by_header = csv.lines().next().unwrap();
    assert!(by_header.contains("by:queue=<b>SOC</b>"), "{by_header}");

    let md = std::fs::read_to_string(partials.merge_to("all.md")).unwrap();
    assert!(md.starts_with("# Workload per service"), "{md}");
    assert!(
        md.contains("&lt;img src=x onerror=alert(1)&gt;") && md.contains("'=HYPERLINK"),
        "{md}"
    );
    // The same report as one run: only the list of merged files differs.
    let whole_md = partials.dir.path().join("whole.md");
    let (work, prov) = report::json::read(&partials.dir.path().join("whole.json"))
        .map(|(w, p, _)| (w, p))
        .unwrap();
    write(&work, &prov, Format::Markdown, &whole_md);
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("| Merged from"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(&md),
        strip(&std::fs::read_to_string(whole_md).unwrap())
    );

    let txt = std::fs::read_to_string(partials.merge_to("all.txt")).unwrap();
    assert!(
        txt.contains("Workload per service") && txt.contains("11 tickets counted"),
        "{txt}"
    );
    let table = stdout_of(&[
        "report",
        "--merge",
        &partials.path("jan-feb.json"),
        &partials.path("march.json"),
    ]);
    assert_eq!(table, txt, "stdout gets the table");
    let html = std::fs::read_to_string(partials.merge_to("all.html")).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.matches("<svg class=\"chart\"").count() == 4
    );
    let json = stdout_of(&[
        "report",
        "--merge",
        &partials.path("jan-feb.json"),
        &partials.path("march.json"),
        "--format",
        "json",
    ]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json).unwrap()["schema_version"],
        2
    );
}

#[test]
fn a_merge_refuses_a_report_made_with_other_options_and_names_it() {
    let partials = Partials::new(Attribution::Split);
    let other = Partials::new(Attribution::All);
    let out = tagger(&[
        "report",
        "--merge",
        &partials.path("jan-feb.json"),
        &other.path("march.json"),
        "-o",
        &partials.path("x.html"),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("march.json") && err.contains("--attribution all vs split"),
        "{err}"
    );
    assert!(
        !partials.dir.path().join("x.html").exists(),
        "nothing is written"
    );
    let out = tagger(&[
        "report",
        "--merge",
        &partials.path("jan-feb.json"),
        &partials.path("jan-feb.json"),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("count twice"),
        "{err}"
    );
}

#[test]
fn a_merge_refuses_counting_options_and_a_report_under_min_count() {
    let partials = Partials::new(Attribution::Split);
    let out = tagger(&[
        "report",
        "--merge",
        &partials.path("jan-feb.json"),
        "--period",
        "week",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--period cannot be used with --merge"),
        "{err}"
    );
    let shared = partials.path("shared.json");
    stdout_of(&[
        "report",
        "--merge",
        &partials.path("jan-feb.json"),
        "--min-count",
        "3",
        "-o",
        &shared,
    ]);
    let out = tagger(&["report", "--merge", &shared]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("shared.json") && err.contains("--min-count 3"),
        "{err}"
    );
}

#[test]
fn a_missing_export_and_bad_outputs_fail_first() {
    let out = tagger(&["report", "fixtures/none.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fixtures/none.csv"));
    let out = tagger(&["report", "--merge", "a.json", "-o", "report.xlsx"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot tell the format"));
    let out = tagger(&[
        "report",
        "--merge",
        "a.json",
        "-o",
        "/nonexistent-dir/r.html",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

/// The JSON report of `args`, parsed.
fn json_report(args: &[&str]) -> serde_json::Value {
    let out = tagger(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

#[test]
fn a_report_tags_an_export_on_the_fly_or_takes_the_tags_a_tagged_csv_carries() {
    let export = "fixtures/exports/jira/all-fields.csv";
    let direct = json_report(&["report", export, "--format", "json"]);
    assert_eq!(
        direct["workload"]["counts"]["included"], 12,
        "{}",
        direct["workload"]["counts"]
    );
    let dir = tempfile::tempdir().unwrap();
    let tagged = dir.path().join("tagged.csv");
    let report = dir.path().join("one-pass.json");
    let out = tagger(&[
        "tag",
        export,
        "-o",
        tagged.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let one_pass: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let from_tagged = json_report(&["report", tagged.to_str().unwrap(), "--format", "json"]);
    // The same tickets with the same tags give the same figures, whichever way they came.
    assert_eq!(direct["figures"], one_pass["figures"]);
    assert_eq!(direct["figures"], from_tagged["figures"]);
    // A reviewer's correction in the tagged CSV is what the report counts.
    let text = std::fs::read_to_string(&tagged).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let header = rows.headers().unwrap().clone();
    let services = header.iter().position(|h| h == "services").unwrap();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).unwrap();
    for r in rows.records() {
        let mut r: Vec<String> = r.unwrap().iter().map(String::from).collect();
        r[services] = "9.3".to_string();
        w.write_record(&r).unwrap();
    }
    let corrected = dir.path().join("corrected.csv");
    std::fs::write(&corrected, w.into_inner().unwrap()).unwrap();
    let report = json_report(&[
        "report",
        corrected.to_str().unwrap(),
        "--format",
        "json",
        "--attribution",
        "primary",
    ]);
    let rows = report["figures"]["services"]
        .as_array()
        .expect("service rows");
    let exercises = rows.iter().find(|r| r["id"] == "9.3").expect("9.3 row");
    assert_eq!(exercises["primary"], 12.0, "{exercises}");
}

#[test]
fn reports_of_two_halves_of_an_export_merge_into_the_report_of_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("fixtures/exports/otrs/ticket_search_2026-11-28_09-15.csv")
        .unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let (a, b) = rows.split_at(rows.len() / 2);
    let write = |name: &str, part: &[&str]| {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("{header}\n{}\n", part.join("\n"))).unwrap();
        path
    };
    let (pa, pb) = (write("a.csv", a), write("b.csv", b));
    let whole = json_report(&[
        "report",
        pa.to_str().unwrap(),
        pb.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let ja = dir.path().join("a.json");
    let jb = dir.path().join("b.json");
    for (input, output) in [(&pa, &ja), (&pb, &jb)] {
        let out = tagger(&[
            "report",
            input.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let merged = json_report(&[
        "report",
        "--merge",
        ja.to_str().unwrap(),
        jb.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(merged["figures"], whole["figures"]);
}

// --- The HTML in a real browser -------------------------------------------------------------

/// Chromium's path. `.ci/run` installs it as a step of its own and sets
/// `CSIRT_TAGGER_REQUIRE_BROWSER=1`: there a missing browser fails the test. Elsewhere the
/// browser tests skip with a message (`apt-get install chromium` enables them).
pub(crate) fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("which").arg(name).output().ok()?;
            out.status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        });
    if found.is_none() {
        assert!(
            std::env::var_os("CSIRT_TAGGER_REQUIRE_BROWSER").is_none(),
            "no chromium on this machine, and CSIRT_TAGGER_REQUIRE_BROWSER is set: the browser \
             step of .ci/run should have installed it"
        );
        eprintln!(
            "skipping the browser test: no chromium here (apt-get install chromium enables it)"
        );
    }
    found
}

/// Runs chromium headless on `page` with `extra` flags, killing it after two minutes.
pub(crate) fn run_chromium(browser: &Path, page: &Path, extra: &[String]) -> std::process::Output {
    let profile = tempfile::tempdir().expect("a fresh profile directory");
    let child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
        ])
        .args([
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let id = child.id();
    let started = Instant::now();
    let waiter =
        std::thread::spawn(move || child.wait_with_output().expect("chromium's output is read"));
    while !waiter.is_finished() {
        if started.elapsed() > Duration::from_secs(120) {
            // Only the process we started, by its id.
            let _ = Command::new("kill").arg(id.to_string()).status();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    waiter.join().expect("the waiting thread ends")
}

/// Pixels of `png` within 8 per channel of `rgb`.
fn pixels_like(image: &[u8], channels: usize, rgb: [u8; 3]) -> usize {
    image
        .chunks(channels)
        .filter(|p| (0..3).all(|i| p[i].abs_diff(rgb[i]) <= 8))
        .count()
}

#[test]
fn the_html_report_renders_in_a_real_browser_with_charts_sortable_tables_and_no_error() {
    let Some(browser) = chromium() else { return };
    let partials = Partials::new(Attribution::Split);
    // Kept beside the screenshot under target/tmp, for a person to look at after the test.
    let page = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report.html");
    stdout_of(&[
        "report",
        "--merge",
        &partials.path("jan-feb.json"),
        &partials.path("march.json"),
        "-o",
        &page.display().to_string(),
    ]);

    let dom = run_chromium(&browser, &page, &["--dump-dom".to_string()]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    let body = dom.find("<body").map_or(&dom[..], |i| &dom[i..]);
    assert!(
        dom.contains("data-ready=\"true\""),
        "the page script did not finish:\n{body:.600}"
    );
    assert!(
        !dom.contains(" data-errors=\""),
        "a script error was recorded:\n{body:.600}"
    );
    assert!(
        dom.contains("data-charts=\"4/4\""),
        "every chart laid out with shapes"
    );
    assert!(dom.contains("data-sortable=\"6\""), "six sortable tables");
    assert!(
        dom.contains("<th scope=\"col\"><button type=\"button\">Tickets</button></th>"),
        "the sorting script wired the headers"
    );
    assert!(
        dom.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the hostile title shows as text"
    );
    assert!(!dom.contains("<img"), "no element came from ticket text");
    assert!(
        dom.contains("&lt;b&gt;SOC&lt;/b&gt;") && !dom.contains("<b>SOC</b>"),
        "queue names are text"
    );

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    let out = run_chromium(
        &browser,
        &page,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1400,2400".into(),
        ],
    );
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().expect("the screenshot is a PNG");
    let mut image = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut image).expect("the PNG decodes");
    let channels = info.color_type.samples();
    let image = &image[..info.buffer_size()];
    assert_eq!((info.width, info.height), (1400, 2400));
    let white = pixels_like(image, channels, [255, 255, 255]);
    let total = image.len() / channels;
    assert!(white < total * 95 / 100, "the screenshot is (nearly) blank");
    // The header band, and bars in the colours of areas 5, 6 and 7 (first, second, third).
    for (what, rgb) in [
        ("header", [0x14, 0x21, 0x3d]),
        ("area 5", [0x4e, 0x79, 0xa7]),
        ("area 6", [0xf2, 0x8e, 0x2b]),
        ("area 7", [0xe1, 0x57, 0x59]),
    ] {
        let n = pixels_like(image, channels, rgb);
        assert!(
            n > 500,
            "{what}: only {n} pixels of its colour; charts did not render ({})",
            shot.display()
        );
    }
    eprintln!("screenshot kept at {}", shot.display());
}

#[test]
fn reports_of_two_stdin_inputs_merge_and_the_same_one_twice_is_refused() {
    // Before: every stdin input was stamped with the hash of no bytes, so `--merge` refused
    // two different ones as "would count twice".
    let dir = tempfile::tempdir().unwrap();
    let part = |name: &str, export: &str| {
        let path = dir.path().join(name);
        let out = crate::tagger_with_stdin(
            &[
                "report",
                "-",
                "--format",
                "json",
                "-o",
                path.to_str().unwrap(),
            ],
            export,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        path
    };
    let jira = part("jira.json", "fixtures/exports/jira/all-fields.csv");
    let rt = part("rt.json", "fixtures/exports/rt/Results.tsv");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&jira).unwrap()).unwrap();
    let input = &v["provenance"]["inputs"][0];
    assert_eq!(input["name"], "<stdin>");
    // The stamp is the content's: the same as the file's own.
    let file = tagger(&[
        "report",
        "fixtures/exports/jira/all-fields.csv",
        "--format",
        "json",
    ]);
    let file: serde_json::Value = serde_json::from_slice(&file.stdout).unwrap();
    assert_eq!(input["sha256"], file["provenance"]["inputs"][0]["sha256"]);
    let out = tagger(&[
        "report",
        "--merge",
        jira.to_str().unwrap(),
        rt.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let merged: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(merged["workload"]["counts"]["included"], 12 + 14);
    let out = tagger(&[
        "report",
        "--merge",
        jira.to_str().unwrap(),
        jira.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("would count twice"));
}

/// The `<body ...>` attributes chromium reports after the page script ran, at `width` px.
fn page_state(browser: &Path, page: &Path, width: u32) -> String {
    let dom = run_chromium(
        browser,
        page,
        &[
            "--dump-dom".to_string(),
            format!("--window-size={width},900"),
        ],
    );
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    dom.find("<body")
        .and_then(|i| dom[i..].find('>').map(|j| dom[i..i + j + 1].to_string()))
        .unwrap_or_default()
}

#[test]
fn the_page_for_a_meeting_has_its_title_a_trend_where_the_tickets_are_and_fits_1400_px() {
    let dir = tempfile::tempdir().unwrap();
    // One ticket dated 1971 among the fixtures of 2026: before, the trend axis ran over 55
    // years (and 2,860 week columns with --period week).
    let old = dir.path().join("old.csv");
    std::fs::write(
        &old,
        "id,title,description,created,status\nOLD-1,Phishing mail,a phishing mail was reported,1971-01-04 10:00,closed\n",
    )
    .unwrap();
    let page = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("meeting.html");
    let args = vec![
        "report",
        "fixtures/exports/jira/all-fields.csv",
        "fixtures/exports/jira/current-fields-bom.csv",
        "fixtures/exports/otrs/ticket_search_2026-11-28_09-15.csv",
        "fixtures/exports/rt/Results.tsv",
        "fixtures/exports/servicenow/sn_si_incident.csv",
        "fixtures/exports/zammad/tickets.csv",
        "fixtures/exports/thehive/cases.csv",
        old.to_str().unwrap(),
        "--title",
        "CERT-Example <workload>",
        "-o",
        page.to_str().unwrap(),
    ];
    let out = tagger(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("<h1>CERT-Example &lt;workload&gt;</h1>"),
        "the title, escaped"
    );
    let trend = &html[html.find("id=\"chart-trend\"").unwrap()..];
    let trend = &trend[..trend.find("</svg>").unwrap()];
    assert!(!trend.contains("1971"), "the outlier stretches the axis");
    assert!(trend.contains(">2026-11<"), "{trend:.300}");
    assert!(
        html.contains(
            "1 ticket created far from the others (1971-01: 1) is left off the trend axis"
        ),
        "the outlier is said"
    );
    // Whole numbers on the count axis (before: 12.5, 37.5).
    let ticks: Vec<&str> = trend
        .split("class=\"muted\">")
        .skip(1)
        .map(|t| &t[..t.find('<').unwrap()])
        .collect();
    assert!(ticks.iter().all(|t| !t.contains('.')), "{ticks:?}");
    // Bars say the hours a service cost beside its tickets.
    assert!(
        html.contains(" % · 60.5 h</text>") || html.contains(" h</text>"),
        "hours on bars"
    );
    // Provenance folded away at the foot, after the notes; not the first thing on the page.
    let made_from = html
        .find("<section id=\"made-from\"><details><summary>")
        .unwrap();
    assert!(made_from > html.find("Notes on the data").unwrap());
    assert!(!html[..made_from].contains("sha256:"));

    let Some(browser) = chromium() else { return };
    // The page fits 1400 px: no table scrolls sideways. At 800 px, tables may scroll, but the
    // page works: script ran, no error, every chart drawn.
    let wide = page_state(&browser, &page, 1400);
    assert!(wide.contains("data-overflow=\"\""), "{wide}");
    let narrow = page_state(&browser, &page, 800);
    for state in [&wide, &narrow] {
        assert!(
            state.contains("data-ready=\"true\"") && !state.contains("data-errors"),
            "{state}"
        );
        assert!(state.contains("data-charts=\"4/4\""), "{state}");
    }
    // Screenshots kept beside the page under target/tmp, for a person to look at.
    for width in [1400, 800] {
        let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("meeting-{width}.png"));
        let _ = std::fs::remove_file(&shot);
        run_chromium(
            &browser,
            &page,
            &[
                format!("--screenshot={}", shot.display()),
                format!("--window-size={width},2400"),
            ],
        );
        assert!(shot.exists(), "no screenshot at {width} px");
        eprintln!("screenshot kept at {}", shot.display());
    }
}

#[test]
fn charts_with_nothing_to_draw_are_sentences() {
    // Open tickets, no time recorded, nothing resolved. Before: an empty "time to resolve"
    // block and an empty donut.
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("open.csv");
    std::fs::write(
        &export,
        "id,title,description,created,status\nA-1,Phishing mail,staff reported a phishing mail,2026-11-02 10:00,open\nA-2,Ransomware alert,ransomware on a file server,2026-11-03 11:00,open\n",
    )
    .unwrap();
    let page = dir.path().join("r.html");
    let out = tagger(&[
        "report",
        export.to_str().unwrap(),
        "-o",
        page.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("there is no time to resolve to draw"));
    assert!(html.contains("there is no time to share out"));
    // Both created in one month: a trend of one point is a sentence too.
    assert!(html
        .contains("Every dated ticket was created in 2026-11: a trend needs two months or more"));
    assert!(!html.contains("id=\"chart-trend\""));
    assert!(!html.contains("id=\"chart-time\"") && !html.contains("id=\"chart-resolve\""));
}
