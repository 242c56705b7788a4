//! `inspect` on damaged input, with `--strict`, `--rejects` and profiles, from stdin, and with
//! text that tries to drive the terminal.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::{counts, inspect, mapped, ticket};
use crate::{stdout_of, tagger};

#[test]
fn damaged_rows_are_kept_or_rejected_and_reported_with_their_place() {
    let s = inspect("fixtures/exports/generic/damaged.csv", &[]);
    assert_eq!(counts(&s), (10, 7, 3));
    let shown: Vec<String> = s["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let at = &d["at"];
            format!(
                "{}:{}: {}",
                at["line"],
                at["column"],
                d["message"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        shown.contains(&"3:48: expected 7 fields, found 3".to_string()),
        "{shown:#?}"
    );
    assert!(
        shown.contains(&"4:37: unreadable date `2026-13-45 08:00`".to_string()),
        "{shown:#?}"
    );
    assert!(
        shown
            .iter()
            .any(|d| d.starts_with("9:3: a quoted field is never closed")),
        "{shown:#?}"
    );
    assert_eq!(
        ticket(&s, "6")["line"],
        10,
        "the line after the broken quote is read normally"
    );
    assert_eq!(ticket(&s, "5")["title"], "\"Unterminated quote in title");
}

#[test]
fn rejects_go_to_their_file_and_strict_stops_at_the_first_problem() {
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.csv");
    stdout_of(&[
        "inspect",
        "fixtures/exports/generic/damaged.csv",
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    let mut rdr = csv::Reader::from_path(&rejects).unwrap();
    assert_eq!(
        rdr.headers().unwrap(),
        vec!["file", "line", "reason", "raw"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let lines: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    assert_eq!(lines, ["6", "7", "8"]);
    assert_eq!(&rows[0][3], "Exported by TicketTool 3.2 - 7 tickets");

    let out = tagger(&[
        "inspect",
        "--strict",
        "fixtures/exports/generic/damaged.csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "csirt-tagger: error: fixtures/exports/generic/damaged.csv:3:48: expected 7 fields, found 3"
        ),
        "{err}"
    );
}

#[test]
fn an_empty_file_is_an_error_and_a_header_alone_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let out = tagger(&["inspect", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the file is empty"));
    let header = dir.path().join("header.csv");
    std::fs::write(&header, "id,title,description\r\n").unwrap();
    let s = inspect(header.to_str().unwrap(), &[]);
    assert_eq!(counts(&s), (0, 0, 0));
}

#[test]
fn a_profile_maps_columns_and_the_command_line_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("our-export.toml");
    std::fs::write(&profile, "flavour = \"generic\"\nid-col = \"Numéro\"\ntext-cols = [\"Description détaillée\"]\nclosed-status = [\"Fermé\"]\n").unwrap();
    let s = inspect(
        "fixtures/exports/generic/export_pipe_fr.csv",
        &[
            "--profile",
            profile.to_str().unwrap(),
            "--title-col",
            "Catégorie",
        ],
    );
    assert_eq!(
        (mapped(&s, "id"), mapped(&s, "title")),
        ("Numéro".into(), "Catégorie".into())
    );
    assert_eq!(
        ticket(&s, "INC-0302")["status"],
        "open",
        "only `Fermé` is closed now"
    );
    assert_eq!(ticket(&s, "INC-0301")["status"], "closed");

    std::fs::write(&profile, "flavour = \"generic\"\nid-column = \"Numéro\"\n").unwrap();
    let out = tagger(&[
        "inspect",
        "--profile",
        profile.to_str().unwrap(),
        "fixtures/exports/generic/export_pipe_fr.csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("our-export.toml:2:1: unknown field") && err.contains("id-column"),
        "{err}"
    );

    let out = tagger(&[
        "inspect",
        "--id-col",
        "Nope",
        "fixtures/exports/generic/export_pipe_fr.csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column `Nope`"));
}

#[test]
fn stdin_reads_like_a_file() {
    let bytes = std::fs::read("fixtures/exports/otrs/ticket_search_de.csv").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_csirt-tagger"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["inspect", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &json["sources"][0];
    assert_eq!(
        (s["path"].as_str(), s["flavour"].as_str()),
        (Some("<stdin>"), Some("otrs"))
    );
    assert_eq!(counts(s), (10, 10, 0));
}

#[test]
fn text_from_an_export_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let evil = dir.path().join("evil.csv");
    std::fs::write(
        &evil,
        "id,title\n1,\"\u{1b}[2J\u{1b}]0;owned\u{7}Phish\u{202e}gnip\"\n",
    )
    .unwrap();
    let out = stdout_of(&["inspect", evil.to_str().unwrap()]);
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'),
        "{out:?}"
    );
    assert!(out.contains("Phishgnip"), "{out}");
    let json = stdout_of(&["inspect", "--format", "json", evil.to_str().unwrap()]);
    assert!(
        !json.contains("\\u001b") && !json.contains('\u{202e}'),
        "{json}"
    );
}

#[test]
fn the_text_report_names_flavour_encoding_roles_and_first_tickets() {
    let out = stdout_of(&[
        "inspect",
        "--limit",
        "1",
        "fixtures/exports/servicenow/sn_si_incident.csv",
    ]);
    assert!(
        out.contains("flavour      servicenow (header has `short_description`, `opened_at`"),
        "{out}"
    );
    assert!(
        out.contains("encoding     windows-1252 (invalid UTF-8 at byte"),
        "{out}"
    );
    assert!(out.contains("sn_si_incident.csv: servicenow (windows-1252, ',', 12 records): id=number, title=short_description, text=description+category+subcategory+u_classification, created=opened_at, resolved=resolved_at|closed_at"), "{out}");
    assert!(out.contains("short_description  title"), "{out}");
    assert!(
        out.contains("SIR0010042  (line 2)  Phishing campaign"),
        "{out}"
    );
    assert!(out.contains("time spent 1h 30m (5400 s)"), "{out}");
    assert!(!out.contains("SIR0010043"), "--limit 1");
}
