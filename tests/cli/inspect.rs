//! `csirt-tagger inspect`: every fixture export read as its flavour, with the right columns and
//! the right values in specific tickets. Damaged input, options and safety are in `problems`,
//! the shared corpus in `corpus`.

mod corpus;
mod problems;

use serde_json::Value;

use crate::stdout_of;

/// `inspect --format json` of one file: its source object.
pub fn inspect(path: &str, extra: &[&str]) -> Value {
    let mut args = vec!["inspect", "--format", "json", "--limit", "100000", path];
    args.extend_from_slice(extra);
    let json: Value = serde_json::from_str(&stdout_of(&args)).expect("inspect prints JSON");
    assert_eq!(json["version"], 1);
    json["sources"][0].clone()
}

/// The header name of the column mapped to `role` (`id`, `title`, `created`...).
pub fn mapped(source: &Value, role: &str) -> String {
    let value = &source["mapping"][role];
    // `resolved` is a list (first non-empty wins); the others are one column.
    let col = value.as_u64().or_else(|| value[0].as_u64());
    let col = col.unwrap_or_else(|| panic!("no {role} in {}", source["mapping"]));
    source["headers"][col as usize]
        .as_str()
        .unwrap()
        .to_string()
}

/// The names of the text columns of the mapping, in order.
pub fn text_columns(source: &Value) -> Vec<String> {
    let cols = source["mapping"]["texts"].as_array().unwrap();
    cols.iter()
        .map(|c| {
            source["headers"][c.as_u64().unwrap() as usize]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// The ticket with id `id`.
pub fn ticket<'a>(source: &'a Value, id: &str) -> &'a Value {
    let tickets = source["tickets"].as_array().unwrap();
    tickets
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no ticket {id}"))
}

pub fn text_names(ticket: &Value) -> Vec<&str> {
    ticket["texts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect()
}

pub fn counts(source: &Value) -> (u64, u64, u64) {
    let c = &source["counts"];
    (
        c["read"].as_u64().unwrap(),
        c["tickets"].as_u64().unwrap(),
        c["rejected"].as_u64().unwrap(),
    )
}

#[test]
fn rt_results_tsv_keeps_quotes_as_data_and_counts_minutes() {
    let s = inspect("fixtures/exports/rt/Results.tsv", &[]);
    assert_eq!(
        (
            s["flavour"].as_str(),
            s["delimiter"].as_str(),
            s["quoting"].as_bool()
        ),
        (Some("rt"), Some("\t"), Some(false))
    );
    assert!(s["detection"]["reason"]
        .as_str()
        .unwrap()
        .contains("`TimeWorked`"));
    assert_eq!(
        (
            mapped(&s, "id"),
            mapped(&s, "title"),
            mapped(&s, "time_spent")
        ),
        ("id".into(), "Subject".into(), "TimeWorked".into())
    );
    assert_eq!(
        text_columns(&s),
        ["Subject", "CF.{Classification}", "CF.{Constituency}"]
    );
    assert_eq!(counts(&s), (14, 14, 0));
    let t = ticket(&s, "4711");
    assert_eq!(
        t["title"],
        "Phishing \"Your mailbox is full\" campaign against finance"
    );
    assert_eq!(
        (t["created"].as_str(), t["resolved"].as_str()),
        (Some("2026-11-17 08:12:44"), Some("2026-11-18 16:40:02"))
    );
    assert_eq!(
        (t["status"].as_str(), t["time_spent"].as_f64()),
        (Some("closed"), Some(5700.0))
    );
    let t = ticket(&s, "4712");
    assert_eq!(
        (t["resolved"].is_null(), t["status"].as_str()),
        (true, Some("open")),
        "`Not set` is no date"
    );
    assert_eq!(
        ticket(&s, "4722")["time_spent"].as_f64(),
        Some(2700.0),
        "`45 min`"
    );
    assert_eq!(ticket(&s, "4723")["status"], "closed", "RTIR's abandoned");
}

#[test]
fn jira_reads_every_repeated_column_and_only_comment_bodies() {
    let s = inspect("fixtures/exports/jira/all-fields.csv", &[]);
    assert_eq!(s["flavour"], "jira");
    assert_eq!(
        s["headers"].as_array().unwrap().len(),
        34,
        "repeated headers kept"
    );
    assert_eq!(
        s["headers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| *h == "Comment")
            .count(),
        3
    );
    assert_eq!(
        text_columns(&s),
        [
            "Summary",
            "Labels",
            "Labels",
            "Labels",
            "Description",
            "Comment",
            "Comment",
            "Comment"
        ]
    );
    assert_eq!(mapped(&s, "queue"), "Project name");
    let created = &s["columns"][13]["date"];
    assert_eq!(created["formats"][0], "day-month-name");
    let t = ticket(&s, "SEC-123");
    assert_eq!(
        (t["created"].as_str(), t["resolved"].as_str()),
        (Some("2026-11-22 15:04:00"), Some("2026-11-23 09:12:00"))
    );
    assert_eq!(
        (
            t["time_spent"].as_f64(),
            t["status"].as_str(),
            t["priority"].as_str()
        ),
        (Some(19800.0), Some("closed"), Some("Highest"))
    );
    assert_eq!(
        text_names(t),
        [
            "Summary",
            "Labels",
            "Labels",
            "Labels",
            "Description",
            "Comment",
            "Comment",
            "Comment"
        ]
    );
    let comment = &t["texts"][5];
    assert_eq!(
        comment["chars"],
        "Host isolated from the network; imaging started."
            .chars()
            .count()
    );
    assert_eq!(ticket(&s, "SEC-126")["status"], "open", "In Progress");
    assert_eq!(ticket(&s, "SEC-125")["time_spent"], Value::Null);

    let s = inspect("fixtures/exports/jira/current-fields-bom.csv", &[]);
    assert_eq!(
        (
            s["flavour"].as_str(),
            s["bom"].as_bool(),
            s["line_endings"].as_str()
        ),
        (Some("jira"), Some(true), Some("mixed (11 CRLF, 3 LF)")),
        "Excel's LF inside cells"
    );
    assert_eq!(
        s["headers"][0], "Issue key",
        "the BOM is not part of the first name"
    );
    let t = ticket(&s, "IR-202");
    assert_eq!(
        (t["created"].as_str(), t["resolved"].as_str()),
        (Some("2026-12-04 06:30:00"), Some("2026-12-04 11:15:00"))
    );
    assert_eq!(ticket(&s, "IR-209")["created"], "2026-12-11 07:20:00");
    assert_eq!(
        ticket(&s, "IR-205")["created"],
        "2026-12-07 12:45:00",
        "12:45 PM is noon"
    );
}

#[test]
fn servicenow_is_windows_1252_with_formula_guards_and_timers() {
    let s = inspect("fixtures/exports/servicenow/sn_si_incident.csv", &[]);
    assert_eq!(
        (s["flavour"].as_str(), s["encoding"].as_str()),
        (Some("servicenow"), Some("windows-1252"))
    );
    assert_eq!(
        (mapped(&s, "id"), mapped(&s, "title"), mapped(&s, "queue")),
        (
            "number".into(),
            "short_description".into(),
            "assignment_group".into()
        )
    );
    let t = ticket(&s, "SIR0010042");
    assert_eq!(
        t["title"],
        "Phishing campaign – fake invoice from “Buchhaltung”"
    );
    assert_eq!(
        (t["time_spent"].as_f64(), t["status"].as_str()),
        (Some(5400.0), Some("closed"))
    );
    let t = ticket(&s, "SIR0010043");
    assert!(
        t["title"].as_str().unwrap().starts_with("=HYPERLINK("),
        "formula guard stripped: {}",
        t["title"]
    );
    assert_eq!(
        ticket(&s, "SIR0010046")["title"],
        "-1 day exploit reported by vendor PSIRT for our VPN appliance"
    );
    assert_eq!(ticket(&s, "SIR0010044")["resolved"], "2026-11-26 17:00:00");
    assert_eq!(
        ticket(&s, "SIR0010044")["time_spent"].as_f64(),
        Some(187200.0),
        "2 Days 4 Hours"
    );
    let t = ticket(&s, "SIR0010045");
    assert_eq!(
        (t["status"].as_str(), t["resolved"].is_null()),
        (Some("open"), true),
        "Contain is open"
    );
    assert_eq!(
        ticket(&s, "SIR0010053")["title"],
        "Lost USB stick with unencrypted customer data – Düsseldorf office"
    );
}

#[test]
fn otrs_exports_in_english_and_german() {
    let s = inspect(
        "fixtures/exports/otrs/ticket_search_2026-11-28_09-15.csv",
        &[],
    );
    assert_eq!(
        (
            s["flavour"].as_str(),
            s["delimiter"].as_str(),
            s["line_endings"].as_str()
        ),
        (Some("otrs"), Some(";"), Some("LF"))
    );
    assert_eq!(
        (
            mapped(&s, "id"),
            mapped(&s, "title"),
            mapped(&s, "time_spent")
        ),
        (
            "Ticket Number".into(),
            "Title".into(),
            "AccountedTime".into()
        )
    );
    let t = ticket(&s, "2026112210000123");
    assert_eq!(
        (
            t["created"].as_str(),
            t["resolved"].as_str(),
            t["status"].as_str()
        ),
        (
            Some("2026-11-22 15:04:05"),
            Some("2026-11-24 18:00:00"),
            Some("closed")
        )
    );
    assert_eq!(
        (t["time_spent"].as_f64(), t["queue"].as_str()),
        (Some(5400.0), Some("CERT::Incidents"))
    );
    assert_eq!(
        ticket(&s, "2026112310000018")["time_spent"].as_f64(),
        Some(90.0),
        "1.5 minutes"
    );
    assert_eq!(ticket(&s, "2026112410000027")["status"], "closed", "merged");
    assert_eq!(
        ticket(&s, "2026112510000009")["status"],
        "open",
        "pending reminder"
    );

    let s = inspect("fixtures/exports/otrs/ticket_search_de.csv", &[]);
    assert_eq!(s["flavour"], "otrs");
    assert_eq!(
        (
            mapped(&s, "id"),
            mapped(&s, "title"),
            mapped(&s, "resolved")
        ),
        ("Ticketnummer".into(), "Titel".into(), "Geschlossen".into())
    );
    let t = ticket(&s, "2026120210000014");
    assert_eq!(
        (t["status"].as_str(), t["time_spent"].as_f64()),
        (Some("closed"), Some(2400.0)),
        "erfolglos geschlossen"
    );
    assert_eq!(
        ticket(&s, "2026120310000024")["time_spent"].as_f64(),
        Some(90.0),
        "decimal comma"
    );
    assert_eq!(
        ticket(&s, "2026120310000017")["status"],
        "closed",
        "zusammengefasst"
    );
}

#[test]
fn zammad_sheets_saved_by_us_and_german_excel() {
    let s = inspect("fixtures/exports/zammad/tickets.csv", &[]);
    assert_eq!(s["flavour"], "zammad");
    assert_eq!(text_columns(&s), ["Title", "Tags"]);
    assert_eq!(mapped(&s, "id"), "#");
    let created = &s["columns"][12]["date"];
    assert_eq!(created["order"], "month-first");
    assert!(
        created["order_reason"]
            .as_str()
            .unwrap()
            .contains("`11/22/2026 9:14` (line 2)"),
        "{created}"
    );
    let t = ticket(&s, "31002");
    assert_eq!(
        (t["created"].as_str(), t["resolved"].as_str()),
        (Some("2026-11-22 13:40:00"), Some("2026-11-24 09:55:00"))
    );
    assert_eq!(
        (t["time_spent"].as_f64(), t["queue"].as_str()),
        (Some(19800.0), Some("CSIRT"))
    );
    assert_eq!(
        ticket(&s, "31005")["time_spent"].as_f64(),
        Some(450.0),
        "7.5 minutes"
    );

    let s = inspect("fixtures/exports/zammad/tickets_de.csv", &[]);
    assert_eq!(
        (
            s["flavour"].as_str(),
            s["delimiter"].as_str(),
            s["bom"].as_bool()
        ),
        (Some("zammad"), Some(";"), Some(true))
    );
    let created = &s["columns"][12]["date"];
    assert_eq!(created["order"], "day-first");
    assert!(
        created["order_reason"]
            .as_str()
            .unwrap()
            .starts_with("ambiguous"),
        "{created}"
    );
    let t = ticket(&s, "42003");
    assert_eq!(
        (
            t["created"].as_str(),
            t["time_spent"].as_f64(),
            t["status"].as_str()
        ),
        (Some("2026-12-03 05:00:00"), Some(450.0), Some("closed"))
    );
    assert_eq!(ticket(&s, "42004")["status"], "open");
}

#[test]
fn thehive_script_csv_reads_epoch_milliseconds() {
    let s = inspect("fixtures/exports/thehive/cases.csv", &[]);
    assert_eq!(s["flavour"], "thehive");
    assert_eq!(s["columns"][7]["date"]["formats"][0], "epoch-millis");
    assert_eq!(text_columns(&s), ["title", "description", "tags"]);
    let t = ticket(&s, "1202");
    assert_eq!(
        (t["created"].as_str(), t["resolved"].as_str()),
        (Some("2026-11-20 23:05:00"), Some("2026-11-24 18:00:00"))
    );
    assert_eq!(
        (t["priority"].as_str(), t["status"].as_str()),
        (Some("4"), Some("closed"))
    );
    assert_eq!(ticket(&s, "1204")["status"], "open");
    assert_eq!(ticket(&s, "1207")["status"], "closed", "FalsePositive");
    assert_eq!(
        text_names(ticket(&s, "1211")),
        ["title"],
        "empty fields are not texts"
    );
}

#[test]
fn generic_exports_in_german_excel_utf16_and_pipes() {
    let s = inspect("fixtures/exports/generic/excel_de.csv", &[]);
    assert_eq!(
        (
            s["flavour"].as_str(),
            s["delimiter"].as_str(),
            s["bom"].as_bool()
        ),
        (Some("generic"), Some(";"), Some(true))
    );
    assert_eq!(
        (
            mapped(&s, "id"),
            mapped(&s, "title"),
            mapped(&s, "resolved"),
            mapped(&s, "time_spent")
        ),
        (
            "Nr.".into(),
            "Titel".into(),
            "Gelöst".into(),
            "Aufwand (h)".into()
        )
    );
    assert_eq!(s["columns"][3]["date"]["order"], "day-first");
    let t = ticket(&s, "2");
    assert_eq!(
        (t["created"].as_str(), t["resolved"].as_str()),
        (Some("2026-11-05 14:02:00"), Some("2026-11-08 17:30:00"))
    );
    assert_eq!(
        (
            t["time_spent"].as_f64(),
            t["status"].as_str(),
            t["queue"].as_str()
        ),
        (Some(43200.0), Some("closed"), Some("Schadsoftware"))
    );
    assert_eq!(
        ticket(&s, "1")["time_spent"].as_f64(),
        Some(5400.0),
        "1,5 hours"
    );
    assert_eq!(ticket(&s, "6")["status"], "open", "In Bearbeitung");
    assert_eq!(ticket(&s, "4")["status"], "closed", "Erledigt");

    let s = inspect("fixtures/exports/generic/unicode_text_utf16.txt", &[]);
    assert_eq!(
        (
            s["encoding"].as_str(),
            s["delimiter"].as_str(),
            s["bom"].as_bool()
        ),
        (Some("UTF-16LE"), Some("\t"), Some(true))
    );
    assert_eq!(s["columns"][3]["date"]["order"], "month-first");
    let t = ticket(&s, "HD-9002");
    assert_eq!(
        (
            t["created"].as_str(),
            t["resolved"].as_str(),
            t["time_spent"].as_f64()
        ),
        (
            Some("2026-11-03 14:14:00"),
            Some("2026-11-04 10:30:00"),
            Some(18000.0)
        )
    );
    assert_eq!(ticket(&s, "HD-9010")["status"], "closed", "Resolved");

    let s = inspect("fixtures/exports/generic/export_pipe_fr.csv", &[]);
    assert_eq!(
        (
            s["delimiter"].as_str(),
            mapped(&s, "title"),
            mapped(&s, "status")
        ),
        (Some("|"), "Objet".into(), "Statut".into())
    );
    let t = ticket(&s, "INC-0301");
    assert_eq!(
        (
            t["created"].as_str(),
            t["status"].as_str(),
            t["time_spent"].as_f64()
        ),
        (Some("2026-11-02 09:10:00"), Some("closed"), Some(2400.0))
    );
    assert_eq!(
        ticket(&s, "INC-0307")["time_spent"].as_f64(),
        Some(15300.0),
        "4 h 15 min"
    );
    assert_eq!(ticket(&s, "INC-0306")["status"], "open", "En cours");
}

#[test]
fn a_time_unit_the_export_does_not_fix_is_decided_from_the_values_said_and_overridable() {
    // Before: Zammad's `Time Units Total` was always minutes: 0.7 (hours at this site) was
    // read as 42 s, and the report showed 2.9 h where the team had spent 14.25 h. No warning.
    let s = inspect("fixtures/exports/zammad/tickets_hours.csv", &[]);
    assert_eq!(s["flavour"], "zammad");
    assert_eq!(ticket(&s, "52101")["time_spent"].as_f64(), Some(2520.0));
    assert_eq!(ticket(&s, "52102")["time_spent"].as_f64(), Some(34200.0));
    let caveat = s["caveats"][0].as_str().unwrap();
    assert!(
        caveat.contains("`Time Units Total`")
            && caveat.contains("read as hours (guessed")
            && caveat.contains("--time-unit"),
        "{caveat}"
    );
    // --time-unit overrides the guess, and then nothing is guessed.
    let s = inspect(
        "fixtures/exports/zammad/tickets_hours.csv",
        &["--time-unit", "min"],
    );
    assert_eq!(ticket(&s, "52101")["time_spent"].as_f64(), Some(42.0));
    assert_eq!(s["caveats"].as_array().map(Vec::len), Some(0));
    // Whole minutes (the usual site) are still minutes, and the guess is still said.
    let s = inspect("fixtures/exports/zammad/tickets.csv", &[]);
    assert_eq!(ticket(&s, "31002")["time_spent"].as_f64(), Some(19800.0));
    assert!(s["caveats"][0]
        .as_str()
        .unwrap()
        .contains("read as minutes"));
    // A flavour with a fixed unit has nothing to say; --time-unit overrides it too.
    let s = inspect("fixtures/exports/rt/Results.tsv", &[]);
    assert_eq!(s["caveats"].as_array().map(Vec::len), Some(0));
    let minutes = ticket(&s, "4711")["time_spent"].as_f64().unwrap();
    let s = inspect("fixtures/exports/rt/Results.tsv", &["--time-unit", "h"]);
    assert_eq!(
        ticket(&s, "4711")["time_spent"].as_f64(),
        Some(minutes * 60.0)
    );
}

#[test]
fn a_guessed_unit_is_a_warning_on_stderr_and_in_the_reports_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("r.md");
    let out = crate::tagger(&[
        "report",
        "fixtures/exports/zammad/tickets_hours.csv",
        "-o",
        md.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("tickets_hours.csv: warning: column `Time Units Total`"),
        "{stderr}"
    );
    let report = std::fs::read_to_string(&md).unwrap();
    assert!(
        report.contains("6 tickets; time spent in hours (guessed from the values"),
        "{report}"
    );
    // 0.7 + 9.5 + 0.3 + 0 + 2.25 + 1.5 hours.
    assert!(
        report.contains("14.2 h") || report.contains("14.3 h"),
        "{report}"
    );
}
