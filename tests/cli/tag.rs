//! `csirt-tagger tag`: every flavour, CSV and JSONL, stdin, several inputs, rejects, summary.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use super::{stdout_of, tagger};

/// The tag columns appended to every input's.
const TAG_COLUMNS: [&str; 5] = [
    "services",
    "primary_service",
    "service_names",
    "tag_source",
    "matched_rules",
];

/// Every export fixture, by flavour.
const FIXTURES: &[&str] = &[
    "fixtures/exports/rt/Results.tsv",
    "fixtures/exports/jira/all-fields.csv",
    "fixtures/exports/jira/current-fields-bom.csv",
    "fixtures/exports/servicenow/sn_si_incident.csv",
    "fixtures/exports/otrs/ticket_search_2026-11-28_09-15.csv",
    "fixtures/exports/otrs/ticket_search_de.csv",
    "fixtures/exports/zammad/tickets.csv",
    "fixtures/exports/zammad/tickets_de.csv",
    "fixtures/exports/thehive/cases.csv",
    "fixtures/exports/generic/excel_de.csv",
    "fixtures/exports/generic/unicode_text_utf16.txt",
    "fixtures/exports/generic/export_pipe_fr.csv",
];

/// Parses tagged CSV output into its header and rows. The output keeps the input's delimiter
/// (and BOM), and an unquoted TSV's quotes are data: found from the header's tag columns.
fn parse(csv_text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let csv_text = csv_text.trim_start_matches('\u{feff}');
    let first = csv_text.lines().next().unwrap_or("");
    let delimiter = [',', ';', '\t', '|']
        .into_iter()
        .find(|d| first.contains(&format!("{d}services{d}primary_service{d}")))
        .unwrap_or(',');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter as u8)
        .quoting(delimiter != '\t')
        .from_reader(csv_text.as_bytes());
    let header = reader
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("valid CSV").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The numbers of the summary line `read N = tagged by rule A + tagged by index B + untagged C + rejected D`.
fn summary_counts(stderr: &str) -> [u64; 5] {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("read "))
        .unwrap_or_else(|| panic!("no summary in {stderr}"));
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    [numbers[0], numbers[1], numbers[2], numbers[3], numbers[4]]
}

#[test]
fn every_fixture_flavour_is_tagged_with_its_columns_kept_and_counts_adding_up() {
    for fixture in FIXTURES {
        let out = tagger(&["tag", fixture]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{fixture}: {stderr}");
        let (header, rows) = parse(&String::from_utf8(out.stdout).expect("UTF-8 output"));
        let tail: Vec<&str> = header[header.len() - 5..]
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(tail, TAG_COLUMNS, "{fixture}");
        let [read, by_rule, by_index, untagged, rejected] = summary_counts(&stderr);
        assert_eq!(
            read,
            by_rule + by_index + untagged + rejected,
            "{fixture}: {stderr}"
        );
        assert_eq!(rows.len() as u64, read - rejected, "{fixture}");
        assert!(by_rule > 0, "{fixture}: no ticket tagged by rule\n{stderr}");
        for row in &rows {
            assert_eq!(row.len(), header.len(), "{fixture}: {row:?}");
            let n = row.len();
            let (services, primary, source) = (&row[n - 5], &row[n - 4], &row[n - 2]);
            match source.as_str() {
                "none" => assert!(services.is_empty() && primary.is_empty()),
                "rule" | "index" => assert!(
                    services.starts_with(primary.as_str()) && !primary.is_empty(),
                    "{row:?}"
                ),
                other => panic!("{fixture}: tag_source {other}"),
            }
        }
        assert!(
            stderr.contains(&format!(
                "{}:",
                Path::new(fixture).file_name().unwrap().to_string_lossy()
            )),
            "{stderr}"
        );
    }
}

#[test]
fn jira_repeated_columns_pass_through_unchanged_and_in_order() {
    let out = stdout_of(&["tag", "fixtures/exports/jira/all-fields.csv", "--raw"]);
    let (header, rows) = parse(&out);
    let input = std::fs::read_to_string("fixtures/exports/jira/all-fields.csv").unwrap();
    let (in_header, in_rows) = parse(&input);
    assert_eq!(&header[..in_header.len()], &in_header[..]);
    assert_eq!(header.iter().filter(|h| *h == "Comment").count(), 3);
    for (row, in_row) in rows.iter().zip(&in_rows) {
        assert_eq!(&row[..in_row.len()], &in_row[..]);
    }
    assert_eq!(rows.len(), in_rows.len());
}

#[test]
fn a_ransomware_ticket_is_tagged_with_recovery_and_the_rules_that_fired() {
    let out = stdout_of(&["tag", "fixtures/exports/jira/all-fields.csv"]);
    let (header, rows) = parse(&out);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = rows
        .iter()
        .find(|r| r[col("Issue key")] == "SEC-123")
        .expect("SEC-123 tagged");
    let services: Vec<&str> = row[col("services")].split(';').collect();
    assert!(services.contains(&"6.4"), "{services:?}");
    assert_eq!(row[col("tag_source")], "rule");
    assert!(!row[col("matched_rules")].is_empty());
    let names = row[col("service_names")].split(';').count();
    assert_eq!(names, services.len(), "one name per id");
}

#[test]
fn jsonl_output_has_scores_and_matched_words_with_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tagged.jsonl");
    let out = tagger(&[
        "tag",
        "fixtures/exports/jira/all-fields.csv",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert!(!records.is_empty());
    let r = records
        .iter()
        .find(|r| r["id"] == "SEC-123")
        .expect("SEC-123");
    assert_eq!(r["schema"], 1);
    assert_eq!(r["tag_source"], "rule");
    let m = &r["matches"][0];
    let field = m["field"].as_str().unwrap();
    let (start, end) = (
        m["start"].as_u64().unwrap() as usize,
        m["end"].as_u64().unwrap() as usize,
    );
    let cell = &r["columns"][m["column"].as_u64().unwrap() as usize];
    assert_eq!(cell[0], field);
    // Offsets point into the field's text as read (Jira comments: the body after date;author;).
    assert!(
        cell[1]
            .as_str()
            .unwrap()
            .contains(m["text"].as_str().unwrap()),
        "{m}"
    );
    assert!(end > start);
    assert!(
        r["scores"][r["primary_service"].as_str().unwrap()]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert_eq!(
        r["columns"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c[0] == "Comment")
            .count(),
        3
    );
}

#[test]
fn stdin_gives_the_same_output_as_the_file() {
    let file = stdout_of(&[
        "tag",
        "fixtures/exports/otrs/ticket_search_2026-11-28_09-15.csv",
    ]);
    let mut child = crate::binary()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tag", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = std::fs::read("fixtures/exports/otrs/ticket_search_2026-11-28_09-15.csv").unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), file);
}

#[test]
fn several_inputs_with_one_header_are_tagged_in_order_and_others_refused() {
    let one = parse(&stdout_of(&["tag", "fixtures/exports/jira/all-fields.csv"])).1;
    let two = parse(&stdout_of(&[
        "tag",
        "fixtures/exports/jira/all-fields.csv",
        "fixtures/exports/jira/all-fields.csv",
    ]))
    .1;
    assert_eq!(two.len(), 2 * one.len());
    assert_eq!(&two[..one.len()], &one[..]);
    assert_eq!(&two[one.len()..], &one[..]);
    let out = tagger(&[
        "tag",
        "fixtures/exports/jira/all-fields.csv",
        "fixtures/exports/rt/Results.tsv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("other columns than"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("both.jsonl");
    let out = tagger(&[
        "tag",
        "fixtures/exports/jira/all-fields.csv",
        "fixtures/exports/rt/Results.tsv",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sources: std::collections::BTreeSet<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["source"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(sources.len(), 2);
}

#[test]
fn damaged_rows_are_kept_or_rejected_never_lost() {
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.csv");
    let out = tagger(&[
        "tag",
        "fixtures/exports/generic/damaged.csv",
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let [read, by_rule, by_index, untagged, rejected] = summary_counts(&stderr);
    assert_eq!(read, by_rule + by_index + untagged + rejected);
    let (_, rows) = parse(&String::from_utf8(out.stdout).unwrap());
    let (_, reject_rows) = parse(&std::fs::read_to_string(&rejects).unwrap());
    assert_eq!(rows.len() as u64 + reject_rows.len() as u64, read);
    assert!(
        stderr.contains("damaged.csv:"),
        "warnings name the file: {stderr}"
    );
    let strict = tagger(&["tag", "fixtures/exports/generic/damaged.csv", "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn formula_cells_are_neutralised_unless_raw() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("evil.csv");
    std::fs::write(
        &input,
        "id,title,description\n1,=HYPERLINK(\"http://x\"),-5\n2,@SUM(A1),+cmd|' /C calc'!A0\n",
    )
    .unwrap();
    let (_, rows) = parse(&stdout_of(&["tag", input.to_str().unwrap()]));
    assert_eq!(rows[0][1], "'=HYPERLINK(\"http://x\")");
    assert_eq!(rows[0][2], "-5", "a plain number stays a number");
    assert_eq!(rows[1][1], "'@SUM(A1)");
    assert_eq!(rows[1][2], "'+cmd|' /C calc'!A0");
    let (_, rows) = parse(&stdout_of(&["tag", input.to_str().unwrap(), "--raw"]));
    assert_eq!(rows[0][1], "=HYPERLINK(\"http://x\")");
}

#[test]
fn an_unwritable_output_fails_before_any_work() {
    let out = tagger(&[
        "tag",
        "fixtures/exports/jira/all-fields.csv",
        "-o",
        "/nonexistent-dir/x.csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent-dir/x.csv"));
}

#[test]
fn an_output_name_that_says_no_known_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, says) in [
        ("out.json", "name the file .jsonl"),
        ("out.xlsx", "--format csv|jsonl"),
    ] {
        let path = dir.path().join(name);
        let out = tagger(&[
            "tag",
            "fixtures/exports/jira/all-fields.csv",
            "-o",
            path.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(says), "{name}: {stderr}");
        assert!(!path.exists(), "{name} was written");
    }
    // Said explicitly, any name goes; CSV and JSON lines by their usual names.
    let named = dir.path().join("out.data");
    let out = tagger(&[
        "tag",
        "fixtures/exports/jira/all-fields.csv",
        "-o",
        named.to_str().unwrap(),
        "--output-format",
        "jsonl",
    ]);
    assert!(out.status.success());
    let first = std::fs::read_to_string(&named).unwrap();
    assert!(first.starts_with('{'), "{first:.80}");
    // `--format`, as every other command names it (`--output-format` above is its alias).
    let out = tagger(&[
        "tag",
        "fixtures/exports/jira/all-fields.csv",
        "-o",
        named.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert!(out.status.success());
    let again = std::fs::read_to_string(&named).unwrap();
    assert!(again.starts_with("Summary,"), "{again:.80}");
}

#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("mine.csv");
    let original = std::fs::read("fixtures/exports/jira/all-fields.csv").unwrap();
    std::fs::write(&export, &original).unwrap();
    let file = export.to_str().unwrap();
    // The same file by its name, by another path to it, as the report or the rejects.
    let other_path = format!("{}/../{}/mine.csv", file.rsplit_once('/').unwrap().0, {
        dir.path().file_name().unwrap().to_str().unwrap()
    });
    for args in [
        vec!["-o", file],
        vec!["-o", other_path.as_str()],
        vec!["--report", file],
        vec!["--rejects", file],
    ] {
        let mut all = vec!["tag", file];
        all.extend(&args);
        let out = tagger(&all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("refusing to write over a file being read"),
            "{stderr}"
        );
        assert_eq!(std::fs::read(&export).unwrap(), original, "{args:?}");
    }
}

#[test]
fn every_corpus_file_is_tagged_and_counts_add_up() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("skipped: {} is absent", corpus.display());
        return;
    }
    for name in ["kev.csv", "rustsec.csv", "vcdb-incidents.csv"] {
        let path = corpus.join(name);
        let out = tagger(&["tag", path.to_str().unwrap(), "-j", "2"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        let [read, by_rule, by_index, untagged, rejected] = summary_counts(&stderr);
        assert_eq!(read, by_rule + by_index + untagged + rejected, "{name}");
        assert_eq!(rejected, 0, "{name}: {stderr}");
        let (_, rows) = parse(&String::from_utf8(out.stdout).unwrap());
        assert_eq!(rows.len() as u64, read, "{name}");
        assert!(
            by_rule * 2 > read,
            "{name}: most records should be tagged by rule: {stderr}"
        );
    }
}

#[test]
fn explain_says_which_rule_fired_on_which_words_for_a_text_and_for_a_ticket() {
    let out = stdout_of(&[
        "explain",
        "--text",
        "Ransomware on FS01, restored from backup",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["tags"][0]["id"], "6.4", "{out}");
    let fired = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["outcome"] == "fired")
        .expect("a fired rule");
    let m = &fired["matches"][0];
    let text = "Ransomware on FS01, restored from backup";
    let (start, end) = (
        m["start"].as_u64().unwrap() as usize,
        m["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[start..end], m["text"].as_str().unwrap());
    // Plain text when piped: no escape sequences.
    let plain = stdout_of(&["explain", "--text", "Ransomware on FS01"]);
    assert!(!plain.contains('\u{1b}'), "{plain}");
    assert!(plain.contains("6.4"), "{plain}");
    // A ticket of an export, by id: its fields are named by their columns.
    let out = stdout_of(&[
        "explain",
        "fixtures/exports/rt/Results.tsv",
        "--id",
        "4711",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["ticket"], "4711");
    assert_eq!(v["fields"][0]["name"], "Subject");
    assert!(!v["tags"].as_array().unwrap().is_empty(), "{out}");
    let missing = tagger(&[
        "explain",
        "fixtures/exports/rt/Results.tsv",
        "--id",
        "no-such-ticket",
    ]);
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn input_that_is_no_export_fails_loudly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A README: every line a rejected row. Before: exit 0 and a header-only output.
    let out_path = dir.path().join("readme-tagged.csv");
    let out = tagger(&["tag", "README.md", "-o", out_path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no ticket could be read"), "{stderr}");
    assert!(!out_path.exists());
    // The README's rows made hundreds of lines of warnings; the first 20 are shown, then a
    // count of the rest.
    let diagnostics = stderr
        .lines()
        .filter(|l| l.starts_with("README.md:") && l.contains(": error: row rejected"))
        .count();
    let warnings = stderr
        .lines()
        .filter(|l| l.starts_with("README.md:") && l.contains(": warning:"))
        .count();
    assert_eq!(diagnostics + warnings, 20, "{stderr}");
    assert!(
        stderr.contains("more warnings and errors not shown (-v shows them all"),
        "{stderr}"
    );
    // `report` on it too. Before: exit 0 and a report of nothing.
    let report_path = dir.path().join("readme.md");
    let out = tagger(&["report", "README.md", "-o", report_path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no ticket could be read"), "{stderr}");
    assert!(!report_path.exists());
    // A JSON report given to `report` without --merge. Before: exit 0, counted 0.
    let json = dir.path().join("jan.json");
    let made = tagger(&[
        "report",
        "fixtures/exports/jira/all-fields.csv",
        "--format",
        "json",
        "-o",
        json.to_str().unwrap(),
    ]);
    assert!(made.status.success());
    let out = tagger(&["report", json.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("is a JSON report") && stderr.contains("--merge"),
        "{stderr}"
    );
    // Gold labels that match no ticket. Before: exit 0 and a table of zeros.
    let gold = dir.path().join("gold.csv");
    std::fs::write(&gold, "id,services\nNOPE-1,6.4\n").unwrap();
    let out = tagger(&[
        "evaluate",
        "fixtures/exports/jira/all-fields.csv",
        "--gold",
        gold.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no ticket of the input has a gold label"),
        "{stderr}"
    );
    assert!(stderr.contains("NOPE-1"), "{stderr}");
    // Filters that let no ticket count, named with what exists. Before: exit 0, a report of 0.
    for (filter, value, says) in [
        (
            "--queue",
            "nope",
            "the input's queues: `Security Incidents` (12)",
        ),
        (
            "--since",
            "2030-01-01",
            "12 created outside --since/--until",
        ),
    ] {
        let out = tagger(&[
            "report",
            "fixtures/exports/jira/all-fields.csv",
            filter,
            value,
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{filter}: {stderr}");
        assert!(stderr.contains("no ticket passes the filters"), "{stderr}");
        assert!(stderr.contains(says), "{filter}: {stderr}");
    }
}

#[test]
fn the_summary_on_stderr_counts_what_the_report_counted() {
    // Before: `read 12 = counted 12` while the report, cut by --since, counted 10.
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let out = tagger(&[
        "report",
        "fixtures/exports/jira/all-fields.csv",
        "--since",
        "2026-11-23",
        "-o",
        json.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let counts = &v["workload"]["counts"];
    let (included, outside) = (
        counts["included"].as_u64().unwrap(),
        counts["outside_dates"].as_u64().unwrap(),
    );
    assert!(outside > 0 && included > 0, "{counts}");
    assert!(
        stderr.contains(&format!(
            "read {} = counted {included} + left out by the filters {outside} ({outside} created outside --since/--until) + rejected 0",
            included + outside
        )),
        "{stderr}"
    );
    // tag --report says the same of its report.
    let tagged = dir.path().join("t.csv");
    let md = dir.path().join("r.md");
    let out = tagger(&[
        "tag",
        "fixtures/exports/jira/all-fields.csv",
        "-o",
        tagged.to_str().unwrap(),
        "--report",
        md.to_str().unwrap(),
        "--since",
        "2026-11-23",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "(counted {included} + left out by the filters {outside}"
        )),
        "{stderr}"
    );
}

#[test]
fn the_tagged_csv_keeps_the_inputs_delimiter_and_bom_unless_told_otherwise() {
    // Before: a German `;` export with a BOM came back as `,` without a BOM, and Excel opened
    // it as one column.
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("de.csv");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "tag",
            "fixtures/exports/generic/excel_de.csv",
            "-o",
            out_path.to_str().unwrap(),
        ];
        args.extend(extra);
        let out = tagger(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(&out_path).unwrap()
    };
    let kept = run(&[]);
    assert!(
        kept.starts_with("\u{feff}Nr.;Titel;".as_bytes()),
        "{:?}",
        &kept[..20]
    );
    let told = run(&["--output-delimiter", ",", "--no-bom"]);
    assert!(told.starts_with(b"Nr.,Titel,"), "{:?}", &told[..20]);
    // Both read back as what `tag` wrote: `report` takes their tags as they are.
    let (_, rows) = parse(&String::from_utf8(kept).unwrap());
    let (_, rows_told) = parse(&String::from_utf8(told).unwrap());
    assert_eq!(rows, rows_told);
    let out = tagger(&["report", out_path.to_str().unwrap(), "--format", "json"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("written by `tag`"));
    // RT's TSV stays a TSV whose quotes are data.
    let rt = dir.path().join("rt.tsv");
    let out = tagger(&[
        "tag",
        "fixtures/exports/rt/Results.tsv",
        "-o",
        rt.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(&rt).unwrap();
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("4711\tPhishing \"Your mailbox is full\" campaign"),
        "{text:.300}"
    );
}

#[test]
fn json_lines_carry_the_normalised_fields_so_systems_join() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    for (export, id, created, status, seconds) in [
        (
            "fixtures/exports/jira/all-fields.csv",
            "SEC-124",
            "2026-11-22T16:41:00",
            "closed",
            5400.0,
        ),
        (
            "fixtures/exports/otrs/ticket_search_de.csv",
            "2026120110000011",
            "2026-12-01T08:00:00",
            "closed",
            1800.0,
        ),
    ] {
        let out = tagger(&["tag", export, "-o", path.to_str().unwrap()]);
        assert!(out.status.success());
        let text = std::fs::read_to_string(&path).unwrap();
        let ticket: serde_json::Value = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|v| v["id"] == id)
            .unwrap();
        assert_eq!(ticket["created"], created, "{ticket}");
        assert_eq!(ticket["status"], status, "{ticket}");
        assert_eq!(ticket["time_spent_s"], seconds, "{ticket}");
        assert!(ticket["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(ticket.get("resolved").is_some() && ticket.get("queue").is_some());
    }
}

/// A model cache that cannot be written is said once (unless `--quiet`), and tagging goes on
/// with the model trained in the run.
#[test]
fn a_model_cache_that_cannot_be_written_is_a_warning_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocked = dir.path().join("not-a-dir");
    std::fs::write(&blocked, b"a file").unwrap();
    let run = |quiet: bool| {
        let mut command = crate::binary();
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("CSIRT_TAGGER_CACHE", blocked.join("cache"))
            .args(["tag", "fixtures/exports/jira/all-fields.csv", "-o"])
            .arg(dir.path().join("tagged.csv"))
            .stdin(Stdio::null());
        if quiet {
            command.arg("--quiet");
        }
        crate::output_bounded(command)
    };
    let out = run(false);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr
            .matches("warning: cannot save the examples' model")
            .count(),
        1,
        "{stderr}"
    );
    let tagged = std::fs::read_to_string(dir.path().join("tagged.csv")).unwrap();
    assert!(
        tagged.contains("vote:"),
        "the vote ran with the model trained in the run"
    );
    let out = run(true);
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
}

/// Compiled rules are saved in the cache and read back by the next run with the same rules:
/// the same output, byte for byte, for the embedded rules and for a team's files; rules that
/// compiled with a warning are never saved, so the warning is said on every run.
#[test]
fn compiled_rules_are_read_back_from_the_cache_with_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let team = dir.path().join("team-rules");
    std::fs::create_dir(&team).unwrap();
    std::fs::write(
        team.join("a.toml"),
        "[[rule]]\nid = \"team.ddos\"\nservice = \"6.4\"\nany = [\"scrubbing centre\"]\n",
    )
    .unwrap();
    let run = |name: &str, rules: &[&str]| {
        let out_file = dir.path().join(format!("{name}.csv"));
        let mut command = crate::binary();
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("CSIRT_TAGGER_CACHE", &cache)
            .args([
                "--verbose",
                "tag",
                "fixtures/exports/jira/all-fields.csv",
                "-o",
            ])
            .arg(&out_file)
            .args(rules)
            .stdin(Stdio::null());
        let out = crate::output_bounded(command);
        assert!(out.status.success(), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (std::fs::read(&out_file).unwrap(), stderr)
    };
    let team_rules = ["--add-rules", team.to_str().unwrap()];
    for rules in [&[][..], &team_rules[..]] {
        let (first, said) = run("first", rules);
        assert!(said.contains(", compiled in "), "{said}");
        let (second, said) = run("second", rules);
        assert!(said.contains(", read from the cache in "), "{said}");
        assert_eq!(first, second, "the same tags from the cache");
    }
    let saved = |cache: &Path| {
        std::fs::read_dir(cache)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("rules-")
            })
            .count()
    };
    assert_eq!(saved(&cache), 2);

    // A file written for another catalog: a warning, and the rules compiled every time.
    std::fs::write(team.join("b.toml"), "catalog = \"psirt-1.1\"\n").unwrap();
    for _ in 0..2 {
        let (_, said) = run("warned", &team_rules);
        assert!(said.contains(", compiled in "), "{said}");
        assert!(said.contains("written for catalog `psirt-1.1`"), "{said}");
    }
    assert_eq!(saved(&cache), 2);
}

/// The catalog index is built only when a ticket the rules leave untagged asks it: not for an
/// export the rules tag whole, once for one with a ticket they do not.
#[test]
fn the_catalog_index_is_built_only_when_a_ticket_needs_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, csv: &str| {
        let input = dir.path().join(format!("{name}.csv"));
        std::fs::write(&input, csv).unwrap();
        let out = tagger(&[
            "--verbose",
            "tag",
            input.to_str().unwrap(),
            "-o",
            dir.path()
                .join(format!("{name}-tagged.csv"))
                .to_str()
                .unwrap(),
        ]);
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let built = "catalog index built in ";
    let said = run(
        "tagged",
        "id,title,text\n1,Ransomware on the file server,Encrypted shares restored from backup\n",
    );
    assert!(
        said.contains("untagged 0") && !said.contains(built),
        "{said}"
    );
    let said = run(
        "vague",
        "id,title,text\n1,Ransomware on the file server,Encrypted shares restored from backup\n\
         2,Question,Please have a look when you can\n",
    );
    assert_eq!(said.matches(built).count(), 1, "{said}");
}
