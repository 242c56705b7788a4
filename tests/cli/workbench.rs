//! The rule-tuning workbench (issue 7): `rules check`, `rules test`, `evaluate`, `coverage`.

use crate::{stdout_of, tagger};

const LABELLED: [&str; 4] = [
    "fixtures/labelled/jira.csv",
    "fixtures/labelled/otrs.csv",
    "fixtures/labelled/rt.tsv",
    "fixtures/labelled/servicenow.csv",
];

fn in_unit(x: &serde_json::Value, what: &str) -> f64 {
    let v = x
        .as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {x}"));
    assert!((0.0..=1.0).contains(&v), "{what} = {v} is outside [0, 1]");
    v
}

#[test]
fn rules_check_finds_no_error_in_the_default_rules() {
    let out = tagger(&["rules", "check", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["errors"], 0, "{doc:#}");
    assert!(out.status.success());
}

#[test]
fn rules_check_reports_errors_at_file_line_col_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[[rule]]\nid = \"a\"\nservice = \"6.3\"\nany = [\"sample\", \"sample\"]\n\n\
         [[rule]]\nid = \"b\"\nservice = \"6.3\"\nregex = ['(unclosed']\n",
    )
    .unwrap();
    let out = tagger(&["rules", "check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let shown = path.display().to_string();
    assert!(
        text.contains(&format!("{shown}:9:10: error: rule b: invalid regex")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{shown}:4:18: warning: rule a: any `sample`")),
        "{text}"
    );
}

#[test]
fn rules_test_reports_a_failing_example_and_a_failing_case() {
    let out = tagger(&["rules", "test", "fixtures/workbench/failing-rules"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"4 passed, 2 failed"), "{text}");
    assert!(
        text.contains("artifacts.toml:10:5: rule artifact.sample does not fire on its example"),
        "{text}"
    );
    assert!(
        text.contains("cases.toml:9:1: missing 6.5; primary should be 6.5"),
        "{text}"
    );
}

#[test]
fn rules_test_passes_on_the_default_rules_with_a_summary_line() {
    let text = stdout_of(&["rules", "test"]);
    let last = text.lines().last().unwrap();
    let (passed, failed) = last.split_once(" passed, ").expect("summary line");
    assert!(passed.parse::<u64>().unwrap() > 0);
    assert_eq!(failed, "0 failed");
}

#[test]
fn evaluate_on_the_dev_set_prints_figures_in_the_unit_interval() {
    let mut args = vec![
        "evaluate",
        "--quiet",
        "--gold",
        "fixtures/labelled/gold.csv",
    ];
    args.extend(LABELLED);
    args.extend(["--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout_of(&args)).expect("JSON");
    let base = &doc["base"];
    let report = &base["report"];
    assert_eq!(report["scored"], 264);
    assert_eq!(report["missing_from_input"].as_array().unwrap().len(), 0);
    for key in ["precision", "recall", "f1"] {
        in_unit(&report["micro"][key], key);
        in_unit(&report["macro"][key], key);
    }
    in_unit(&report["primary"]["accuracy"], "primary accuracy");
    let services = report["services"].as_array().unwrap();
    assert!(services.len() >= 15, "{services:?}");
    for s in services {
        in_unit(&s["f1"], "f1");
        let c = &s["counts"];
        assert_eq!(
            s["support"],
            c["tp"].as_u64().unwrap() + c["fn_"].as_u64().unwrap()
        );
    }
    assert!(doc["compare"].is_null());
    for m in base["misses"].as_array().unwrap() {
        assert!(!m["why"].as_array().unwrap().is_empty(), "{m}");
    }
}

#[test]
fn evaluate_warns_about_gold_ids_missing_from_the_input_and_compares_rule_sets() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    stdout_of(&["rules", "init", "--quiet", rules.to_str().unwrap()]);
    let out = tagger(&[
        "evaluate",
        "fixtures/labelled/jira.csv",
        "--gold",
        "fixtures/labelled/gold.csv",
        "--compare",
        rules.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("gold id(s) are in no input"), "{err}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("tickets A tickets B"), "{text}");
    // The same rules on both sides: no F1, ticket or hour moves. Service rows:
    // `6.2  f1A f1B change  ticketsA ticketsB  hoursA hoursB moved`.
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|c| {
            c.len() == 9 && c[0].contains('.') && c[0].starts_with(|d: char| d.is_ascii_digit())
        })
        .collect();
    assert!(rows.len() >= 10, "{text}");
    for cells in rows {
        assert_eq!(cells[1], cells[2], "{cells:?}");
        assert_eq!(cells[4], cells[5], "{cells:?}");
        assert_eq!(cells[6], cells[7], "{cells:?}");
        assert_eq!(cells[8], "+0.0", "{cells:?}");
    }
    assert!(
        text.contains("B changes the services of 0 of 63 tickets read (0.0 %)"),
        "{text}"
    );
}

#[test]
fn evaluate_csv_has_one_row_per_service_and_the_averages() {
    let mut args = vec![
        "evaluate",
        "--quiet",
        "--gold",
        "fixtures/labelled/gold.csv",
    ];
    args.extend(LABELLED);
    args.extend(["--format", "csv"]);
    let text = stdout_of(&args);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let scopes: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    assert_eq!(&scopes[scopes.len() - 3..], ["micro", "macro", "primary"]);
    for r in &rows {
        for i in 4..7 {
            let v: f64 = r[i].parse().unwrap();
            assert!((0.0..=1.0).contains(&v), "{r:?}");
        }
    }
}

#[test]
fn coverage_on_the_example_export_counts_every_rule() {
    let out = stdout_of(&[
        "coverage",
        "--quiet",
        "fixtures/exports/jira/all-fields.csv",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let tickets = doc["tickets"].as_u64().unwrap();
    assert!(tickets > 0);
    let rules = doc["rules"].as_array().unwrap();
    let never = doc["never_fired"].as_array().unwrap().len();
    let fired = rules
        .iter()
        .filter(|r| r["fired"].as_u64().unwrap() > 0)
        .count();
    assert_eq!(fired + never, rules.len());
    for r in rules {
        let (f, alone, overlaps) = (
            r["fired"].as_u64(),
            r["alone"].as_u64(),
            r["overlaps"].as_u64(),
        );
        assert_eq!(f, Some(alone.unwrap() + overlaps.unwrap()), "{r}");
        assert!(r["conflicts"].as_u64() <= overlaps, "{r}");
        in_unit(&r["coverage"], "coverage");
    }
    for f in doc["fragile"].as_array().unwrap() {
        in_unit(&f["share"], "fragile share");
    }
    // The CSV matrix is square, and symmetric.
    let csv_text = stdout_of(&[
        "coverage",
        "--quiet",
        "fixtures/exports/jira/all-fields.csv",
        "--format",
        "csv",
    ]);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), fired);
    assert_eq!(header.len(), fired + 1);
    for (i, row) in rows.iter().enumerate() {
        for (j, other) in rows.iter().enumerate() {
            assert_eq!(row[j + 1], other[i + 1]);
        }
    }
}

#[test]
fn examples_written_from_labelled_tickets_tag_what_the_rules_miss_and_say_like_which() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("reviewed.csv");
    let gold = dir.path().join("labels.csv");
    let examples = dir.path().join("examples.csv");
    // A team's own jargon no rule knows: "Zaunkönig" tickets are their phishing-button
    // reports, "Klabautermann" their crisis cell.
    std::fs::write(
        &export,
        "id,title,description\n\
         R-1,Zaunkönig Meldung Buchhaltung,Zaunkönig aus der Buchhaltung weitergeleitet\n\
         R-2,Zaunkönig Meldung Vertrieb,Zaunkönig Vertrieb weitergeleitet bitte ansehen\n\
         R-3,Klabautermann tagt,Klabautermann morgen acht Uhr Lagebild vorbereiten\n\
         R-4,Nicht gelabelt,Zaunkönig\n",
    )
    .unwrap();
    std::fs::write(&gold, "id,services\nR-1,6.1\nR-2,6.1;6.2\nR-3,6.6\n").unwrap();
    let out = tagger(&[
        "examples",
        export.to_str().unwrap(),
        "--gold",
        gold.to_str().unwrap(),
        "-o",
        examples.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("3 example(s) written"), "{stderr}");
    assert!(
        stderr.contains("1 ticket(s) without a gold label left out"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&examples).unwrap();
    assert!(written.starts_with("id,services,title,text\n"), "{written}");
    assert!(
        written.contains("R-2,6.1;6.2,Zaunkönig Meldung Vertrieb,"),
        "{written}"
    );

    // A new ticket in that jargon: no rule fires, its neighbours agree on 6.1.
    let new = dir.path().join("new.csv");
    std::fs::write(
        &new,
        "id,title,description\nN-1,Zaunkönig Meldung Einkauf,Zaunkönig aus dem Einkauf bitte ansehen\n",
    )
    .unwrap();
    let tagged = stdout_of(&[
        "tag",
        new.to_str().unwrap(),
        "--no-embedded-examples",
        "--examples",
        examples.to_str().unwrap(),
        "--quiet",
    ]);
    let row = tagged.lines().nth(1).unwrap();
    assert!(row.contains(",6.1,6.1,"), "{row}");
    assert!(row.contains(",index,"), "{row}");
    assert!(
        row.contains("like:R-1") && row.contains("like:R-2"),
        "{row}"
    );
    let explained = stdout_of(&[
        "explain",
        new.to_str().unwrap(),
        "--id",
        "N-1",
        "--no-embedded-examples",
        "--examples",
        examples.to_str().unwrap(),
    ]);
    assert!(explained.contains("labelled examples"), "{explained}");
    assert!(explained.contains("like R-"), "{explained}");

    // A bad examples file is an error that names its line.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "id,services,title,text\nX,9.9,t,some words\n").unwrap();
    let out = tagger(&[
        "tag",
        new.to_str().unwrap(),
        "--examples",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.csv:2"), "{stderr}");
}

#[test]
fn a_teams_reviewed_tickets_vote_on_the_services_after_the_primary() {
    let dir = tempfile::tempdir().unwrap();
    let examples = dir.path().join("examples.csv");
    // The team labels its phishing-button reports ("Zaunkönig") 6.2 and 6.1; the default
    // rules read this one as reported (6.1) and passed on to others (6.5).
    std::fs::write(
        &examples,
        "id,services,title,text\n\
         R-1,6.2;6.1,Zaunkönig Phishing Buchhaltung,Zaunkönig aus der Buchhaltung: Phishing-Mail mit Rechnung weitergeleitet\n\
         R-2,6.2;6.1,Zaunkönig Phishing Vertrieb,Zaunkönig aus dem Vertrieb: Phishing-Mail mit Rechnung weitergeleitet\n\
         R-3,6.6,Klabautermann tagt,Klabautermann morgen acht Uhr Lagebild vorbereiten\n",
    )
    .unwrap();
    let new = dir.path().join("new.csv");
    std::fs::write(
        &new,
        "id,title,description\n\
         N-1,Zaunkönig Phishing Einkauf,Zaunkönig aus dem Einkauf: Phishing-Mail mit Rechnung weitergeleitet\n",
    )
    .unwrap();
    let args = |more: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = ["tag", new.to_str().unwrap(), "--no-embedded-examples"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(["--examples".into(), examples.to_str().unwrap().into()]);
        a.extend(more.iter().map(|s| s.to_string()));
        a
    };
    let run = |more: &[&str]| {
        let a = args(more);
        stdout_of(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    // Without the vote: the rules' 6.1 (primary) and 6.5.
    let off = run(&["--no-example-vote", "--quiet"]);
    let row = off.lines().nth(1).unwrap();
    assert!(row.contains(",6.1;6.5;6.5.2,6.1,"), "{row}");
    assert!(!row.contains("vote:"), "{row}");
    // With it: the primary stays, 6.5 (no neighbour has it) goes, 6.2 (both have it) comes.
    let on = run(&["--quiet"]);
    let row = on.lines().nth(1).unwrap();
    assert!(row.contains(",6.1;6.2,6.1,"), "{row}");
    assert!(row.ends_with(";vote:-6.5;vote:+6.2"), "{row}");
    let a = args(&[]);
    let out = tagger(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "vote changed the services of 1 of the 1 tagged by rule: 1 added, 1 dropped (vote:"
        ),
        "no near tie here, so no clause about one: {stderr}"
    );
    let jsonl = dir.path().join("tagged.jsonl");
    run(&["--quiet", "-o", jsonl.to_str().unwrap()]);
    let record: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&jsonl).unwrap().trim()).unwrap();
    assert_eq!(record["services"], serde_json::json!(["6.1", "6.2"]));
    assert_eq!(record["votes"][0]["service"], "6.5");
    assert_eq!(record["votes"][0]["change"], "dropped");
    assert_eq!(record["votes"][1]["service"], "6.2");
    assert_eq!(record["votes"][1]["change"], "added");
    // Its share: the rules' and the classifier's combined (the ticket is like the team's
    // examples), high as the classifier is sure of 6.2 given the team's words.
    let share = record["votes"][1]["share"].as_f64().unwrap();
    assert!((0.7..=1.0).contains(&share), "{share}");
    // By the nearest examples instead: both neighbours with 6.2 give it the whole share.
    run(&[
        "--quiet",
        "--vote-by",
        "neighbours",
        "-o",
        jsonl.to_str().unwrap(),
    ]);
    let record: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&jsonl).unwrap().trim()).unwrap();
    assert_eq!(record["services"], serde_json::json!(["6.1", "6.2"]));
    assert_eq!(record["votes"][1]["share"], 1.0);
    // explain shows the model's probabilities and what the vote did; by the neighbours,
    // the neighbours.
    let explain = |more: &[&str]| {
        let mut a = vec![
            "explain",
            new.to_str().unwrap(),
            "--id",
            "N-1",
            "--no-embedded-examples",
            "--examples",
            examples.to_str().unwrap(),
        ];
        a.extend(more);
        stdout_of(&a)
    };
    let explained = explain(&[]);
    assert!(
        explained.contains("Labelled examples' vote (classifier"),
        "{explained}"
    );
    // The ticket is like the team's examples (a likeness over 0.17): the rules and the
    // classifier combined decide, one share to keep.
    assert!(
        explained.contains(
            "classifier and rules combined, from a likeness to the examples of 0.17 (0.67 here)"
        ) && explained.contains("added (share 0.35 needed)")
            && explained.contains("dropped (below 0.35)"),
        "{explained}"
    );
    // Without the combination it is close to them (a likeness over 0.22): the close shares.
    let close = explain(&["--vote-combine-from", "2"]);
    assert!(
        close.contains("added (share 0.6 needed)") && close.contains("0.22 (0.67 here)"),
        "{close}"
    );
    assert!(close.contains("dropped (below 0.3)"), "{close}");
    // ... and which of the ticket's words weighed for each service.
    assert!(explained.contains("weighing: "), "{explained}");
    let json = explain(&["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let added = json["vote"]["shares"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "6.2")
        .expect("6.2 among the shares");
    assert_eq!(added["change"], "added");
    let words = added["words"].as_array().unwrap();
    assert!(
        !words.is_empty() && words[0]["weight"].as_f64().unwrap() > 0.0,
        "{added}"
    );
    let explained = explain(&["--vote-by", "neighbours"]);
    assert!(
        explained.contains("added (share 0.5 needed)"),
        "{explained}"
    );
    assert!(explained.contains("like R-1 (6.2;6.1;"), "{explained}");
}

/// The `tag_source` of every row of a tagged CSV.
fn tag_sources(csv: &std::path::Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(csv).unwrap();
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "tag_source")
        .expect("a tag_source column");
    reader
        .records()
        .map(|r| r.unwrap()[column].to_string())
        .collect()
}

#[test]
fn rules_written_for_another_catalog_never_fire_and_a_note_says_how_to_write_some() {
    // Before: under psirt-1.1 the CSIRT default rules whose numbers exist there still fired
    // ("Ransomware note on FS01" -> 6.4 Continuing Education for all Stakeholders, by rule).
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("psirt.csv");
    let out = tagger(&[
        "--catalog",
        "psirt-1.1",
        "tag",
        "fixtures/exports/jira/all-fields.csv",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let sources = tag_sources(&out_path);
    assert_eq!(sources.len(), 12);
    assert!(sources.iter().all(|s| s != "rule"), "{sources:?}");
    assert!(
        stderr.contains(
            "no rules are written for catalog psirt-1.1 (the default rules are for csirt-2.1)"
        ) && stderr.contains("catalog = \"psirt-1.1\""),
        "{stderr}"
    );
    // A team's file that says it is for csirt-2.1 is left out with a warning at its line.
    let rules = dir.path().join("ours.toml");
    std::fs::write(
        &rules,
        "# ours\ncatalog = \"csirt-2.1\"\n\n[[rule]]\nid = \"r\"\nservice = \"6.4\"\nany = [\"ransomware\"]\n",
    )
    .unwrap();
    let out = tagger(&[
        "--catalog",
        "psirt-1.1",
        "tag",
        "fixtures/exports/jira/all-fields.csv",
        "--rules",
        rules.to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}:2:1: warning: these rules are written for catalog `csirt-2.1`, not `psirt-1.1`",
            rules.display()
        )),
        "{stderr}"
    );
    assert!(tag_sources(&out_path).iter().all(|s| s != "rule"));
    // The same file under its own catalog fires.
    let out = tagger(&[
        "tag",
        "fixtures/exports/jira/all-fields.csv",
        "--rules",
        rules.to_str().unwrap(),
        "--no-fallback",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(tag_sources(&out_path).iter().any(|s| s == "rule"));
}

#[test]
fn add_rules_adds_to_the_defaults_where_rules_replaces_them() {
    // Before: only --rules existed, and one extra file left most tickets untagged.
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("extra.toml");
    std::fs::write(
        &extra,
        "catalog = \"csirt-2.1\"\n\n[[rule]]\nid = \"team.parking-app\"\nservice = \"7.3\"\nany = [\"parking app\"]\n",
    )
    .unwrap();
    let run = |flag: &str| {
        let out_path = dir.path().join(format!("out{flag}.csv"));
        let mut args = vec![
            "tag",
            "fixtures/exports/zammad/tickets_hours.csv",
            "--no-fallback",
            "-o",
            out_path.to_str().unwrap(),
        ];
        if !flag.is_empty() {
            args.extend([flag, extra.to_str().unwrap()]);
        }
        let out = tagger(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        tag_sources(&out_path)
            .iter()
            .filter(|s| *s == "rule")
            .count()
    };
    let defaults = run("");
    let added = run("--add-rules");
    let replaced = run("--rules");
    assert!(defaults >= 4, "{defaults}");
    // The defaults miss the parking-app advisory; added to them, the team's rule catches it.
    assert_eq!(added, defaults + 1);
    assert_eq!(replaced, 1, "only the parking-app ticket");
    let json = stdout_of(&[
        "explain",
        "fixtures/exports/zammad/tickets_hours.csv",
        "--id",
        "52106",
        "--add-rules",
        extra.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(json.contains("team.parking-app"), "{json}");
}

#[test]
fn rules_init_writes_the_whole_ticket_tests_so_the_copy_runs_every_check() {
    // Before: the copy ran 739 checks against 808 embedded: the tests/ files were missing.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("team");
    let out = tagger(&["rules", "init", copy.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(copy
        .join("tests")
        .join("6-incident-management.toml")
        .is_file());
    let last = |args: &[&str]| stdout_of(args).lines().last().unwrap_or("").to_string();
    let embedded = last(&["rules", "test"]);
    assert!(embedded.ends_with("passed, 0 failed"), "{embedded}");
    assert_eq!(last(&["rules", "test", copy.to_str().unwrap()]), embedded);
}

#[test]
fn evaluate_fails_below_a_floor_after_printing_the_figures() {
    let args = |floor: &str| {
        vec![
            "evaluate".to_string(),
            "fixtures/labelled/jira.csv".into(),
            "--gold".into(),
            "fixtures/labelled/gold.csv".into(),
            "--quiet".into(),
            "--fail-below".into(),
            floor.to_string(),
        ]
    };
    let run = |floor: &str| {
        let a = args(floor);
        tagger(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let ok = run("micro=0.5,macro=0.5,primary=0.5");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let low = run("micro=0.5,primary=0.999");
    let stderr = String::from_utf8_lossy(&low.stderr);
    assert_eq!(low.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("fall below the floor of --fail-below: primary accuracy 0."),
        "{stderr}"
    );
    assert!(!stderr.contains("micro-F1"), "{stderr}");
    // The figures are printed all the same.
    assert!(String::from_utf8_lossy(&low.stdout).contains("micro-average"));
    let bad = run("recall=0.5");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("micro, macro and primary"));
}

#[test]
fn evaluate_and_coverage_take_j_and_give_the_same_figures_on_one_thread() {
    // Before: both ran on rayon's global pool and had no -j.
    for command in ["evaluate", "coverage"] {
        let mut args = vec![
            command,
            "fixtures/labelled/jira.csv",
            "--format",
            "json",
            "-q",
        ];
        if command == "evaluate" {
            args.extend(["--gold", "fixtures/labelled/gold.csv"]);
        }
        let all = stdout_of(&args);
        args.extend(["-j", "1"]);
        assert_eq!(stdout_of(&args), all, "{command} -j 1");
    }
}

/// `review` draws a sample to label, the same for the same seed; a reviewer fills some rows
/// in; `evaluate --gold` scores exactly those and says how many are still to do.
#[test]
fn review_draws_a_reproducible_sample_that_evaluate_reads_once_labelled() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("sample.csv");
    let sample = sample.to_str().unwrap();
    let draw = |seed: &str| {
        let args = [
            "-q",
            "review",
            LABELLED[0],
            LABELLED[1],
            "--size",
            "20",
            "--targeted",
            "8",
            "--seed",
            seed,
            "-o",
            sample,
        ];
        stdout_of(&args);
        std::fs::read_to_string(sample).unwrap()
    };
    let first = draw("7");
    assert_eq!(first, draw("7"), "the same seed draws the same sample");
    assert_ne!(first, draw("8"), "another seed draws another sample");
    let text = draw("7");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "id",
            "part",
            "reason",
            "input",
            "line",
            "time_spent_s",
            "title",
            "text",
            "predicted_services",
            "predicted_primary",
            "services",
            "primary",
            "note"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let parts = |p: &str| rows.iter().filter(|r| &r[1] == p).count();
    assert_eq!((parts("random"), parts("targeted")), (20, 8));
    let ids: std::collections::HashSet<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(ids.len(), 28, "no ticket twice");
    assert!(rows.iter().filter(|r| &r[1] == "targeted").all(|r| [
        "untagged",
        "low-margin",
        "rare-service"
    ]
    .contains(&&r[2])));
    assert!(rows.iter().all(|r| r[7].chars().count() <= 601));

    // The reviewer labels the first 12 rows (from the gold file), one as `none`.
    let gold_text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/labelled/gold.csv"),
    )
    .unwrap();
    let mut gold = std::collections::HashMap::new();
    for r in csv::Reader::from_reader(gold_text.as_bytes()).records() {
        let r = r.unwrap();
        gold.insert(r[0].to_string(), (r[1].to_string(), r[2].to_string()));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&headers).unwrap();
    for (i, row) in rows.iter().enumerate() {
        let mut row: Vec<String> = row.iter().map(String::from).collect();
        if i < 11 {
            let (services, primary) = gold[&row[0]].clone();
            (row[10], row[11]) = (services, primary);
        } else if i == 11 {
            row[10] = "none".into();
        }
        w.write_record(&row).unwrap();
    }
    std::fs::write(sample, w.into_inner().unwrap()).unwrap();
    let out = tagger(&[
        "evaluate",
        LABELLED[0],
        LABELLED[1],
        "--gold",
        sample,
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("16 row(s) not labelled yet"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["base"]["report"]["scored"], 12, "{report:#}");
}

/// `report --calibrate`: the reviewed random part of a `review` file gives every service an
/// estimate with its 95 % interval, in the JSON and on the terminal; a merged report is
/// calibrated after merging, to the same estimates.
#[test]
fn report_calibrate_gives_each_service_an_estimate_with_its_interval_merged_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let blind = "fixtures/labelled/many-hands/blind";
    let exports: Vec<String> = ["jira.csv", "servicenow.csv", "otrs.csv", "rt.tsv"]
        .iter()
        .map(|f| format!("{blind}/{f}"))
        .collect();
    let sample = dir.path().join("sample.csv");
    let sample = sample.to_str().unwrap();
    let mut args = vec![
        "-q",
        "review",
        "--size",
        "40",
        "--targeted",
        "5",
        "-o",
        sample,
    ];
    args.extend(exports.iter().map(String::as_str));
    stdout_of(&args);
    // The reviewers label the random part; the targeted part stays unlabelled.
    let gold_text = std::fs::read_to_string(root.join(blind).join("gold.csv")).unwrap();
    let mut gold = std::collections::HashMap::new();
    for r in csv::Reader::from_reader(gold_text.as_bytes()).records() {
        let r = r.unwrap();
        gold.insert(r[0].to_string(), (r[1].to_string(), r[2].to_string()));
    }
    let text = std::fs::read_to_string(sample).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&headers).unwrap();
    for row in reader.records() {
        let mut row: Vec<String> = row.unwrap().iter().map(String::from).collect();
        if row[1] == "random" {
            let (services, primary) = gold[&row[0]].clone();
            row[10] = if services.is_empty() {
                "none".into()
            } else {
                services
            };
            row[11] = primary;
        }
        w.write_record(&row).unwrap();
    }
    std::fs::write(sample, w.into_inner().unwrap()).unwrap();

    let json = dir.path().join("report.json");
    let mut args = vec![
        "report",
        "--calibrate",
        sample,
        "-o",
        json.to_str().unwrap(),
    ];
    args.extend(exports.iter().map(String::as_str));
    let out = tagger(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("calibrating with 40 reviewed ticket(s)"),
        "{stderr}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["figures"]["calibration"]["reviewed"], 40);
    let services = report["figures"]["services"].as_array().unwrap();
    let mut estimated = 0;
    for row in services {
        let Some(e) = row.get("estimate") else {
            continue;
        };
        estimated += 1;
        let (t, low, high) = (
            e["tickets"].as_f64().unwrap(),
            e["low"].as_f64().unwrap(),
            e["high"].as_f64().unwrap(),
        );
        assert!(0.0 <= low && low <= t && t <= high, "{row}");
    }
    assert!(estimated >= 15, "{estimated} services estimated");
    // The exports say the time spent: it is estimated too, in seconds.
    assert!(services.iter().any(|r| {
        let t = &r["estimate"]["time_spent"];
        t["low"].as_f64() <= t["seconds"].as_f64()
            && t["seconds"].as_f64() <= t["high"].as_f64()
            && t["seconds"].as_f64().is_some()
    }));

    // The same through partial reports, one per export, merged: the same estimates.
    let mut parts = Vec::new();
    for (i, export) in exports.iter().enumerate() {
        let part = dir.path().join(format!("part{i}.json"));
        let tagged = dir.path().join(format!("tagged{i}.csv"));
        stdout_of(&[
            "-q",
            "tag",
            export,
            "-o",
            tagged.to_str().unwrap(),
            "--report",
            part.to_str().unwrap(),
        ]);
        parts.push(part.to_str().unwrap().to_string());
    }
    let merged = dir.path().join("merged.json");
    let mut args = vec!["-q", "report", "--merge", "--calibrate", sample, "-o"];
    args.push(merged.to_str().unwrap());
    args.extend(parts.iter().map(String::as_str));
    stdout_of(&args);
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    let estimates = |r: &serde_json::Value| -> Vec<(String, String)> {
        r["figures"]["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| (row["id"].to_string(), row["estimate"].to_string()))
            .collect()
    };
    assert_eq!(estimates(&merged), estimates(&report));

    // Every format shows the estimates: CSV columns, a Markdown table, HTML error bars.
    for (ext, expected) in [
        (
            "csv",
            "est_tickets,est_tickets_low,est_tickets_high,est_time_h",
        ),
        ("md", "## Estimated true figures per service"),
        ("html", "class=\"error-bar\""),
    ] {
        let path = dir.path().join(format!("report.{ext}"));
        let mut args = vec![
            "-q",
            "report",
            "--calibrate",
            sample,
            "-o",
            path.to_str().unwrap(),
        ];
        args.extend(exports.iter().map(String::as_str));
        stdout_of(&args);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(expected), "{ext}: no `{expected}`");
    }

    // On the terminal, a table of its own.
    let mut args = vec!["report", "--calibrate", sample];
    args.extend(exports.iter().map(String::as_str));
    let table = stdout_of(&args);
    assert!(
        table.contains("Estimated true tickets per service, from 40 reviewed tickets"),
        "{table}"
    );
}

/// `rules suggest` writes rules that load and pass their own examples, never over a file;
/// `evaluate --compare-add` scores the rules with them added, beside the rules alone.
#[test]
fn rules_suggest_writes_loadable_rules_and_evaluate_compares_them_added() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("suggested.toml");
    let out = out.to_str().unwrap();
    let mut args = vec![
        "rules",
        "suggest",
        "--gold",
        "fixtures/labelled/gold.csv",
        "-o",
        out,
        "--min-support",
        "2",
    ];
    args.extend(LABELLED);
    let run = tagger(&args);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let text = std::fs::read_to_string(out).unwrap();
    assert!(
        text.contains("[[rule]]") && text.contains("support "),
        "{text}"
    );
    // Never over an existing file.
    let again = tagger(&args);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrite"));
    // The rules load, and each matches its example.
    let test = tagger(&["rules", "test", out]);
    assert!(
        test.status.success(),
        "{}{}",
        String::from_utf8_lossy(&test.stdout),
        String::from_utf8_lossy(&test.stderr)
    );
    let mut args = vec![
        "evaluate",
        "--gold",
        "fixtures/labelled/gold.csv",
        "--compare-add",
        out,
        "--format",
        "json",
    ];
    args.extend(LABELLED);
    let report: serde_json::Value = serde_json::from_str(&stdout_of(&args)).unwrap();
    assert_eq!(report["compare"]["rules"], format!("embedded + {out}"));
    in_unit(
        &report["compare"]["report"]["micro"]["f1"],
        "micro F1 with the suggestions",
    );
    // The workload moved: the tickets whose services differ when `tag` runs with and without
    // the suggestions, and their time.
    let services = |extra: &[&str]| -> Vec<(String, f64)> {
        let mut rows = Vec::new();
        for input in LABELLED {
            let mut args = vec!["-q", "tag", input, "--format", "jsonl"];
            args.extend(extra);
            for line in stdout_of(&args).lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let mut ids: Vec<String> = v["services"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .filter(|s| s.matches('.').count() == 1)
                    .collect();
                ids.sort();
                rows.push((ids.join(";"), v["time_spent_s"].as_f64().unwrap_or(0.0)));
            }
        }
        rows
    };
    let (a, b) = (services(&[]), services(&["--add-rules", out]));
    let changed: Vec<f64> = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x.0 != y.0)
        .map(|(x, _)| x.1)
        .collect();
    let moved = &report["moved"];
    assert_eq!(moved["tickets"], a.len(), "{moved}");
    assert!(!changed.is_empty(), "the suggestions change some tags");
    assert_eq!(moved["tickets_changed"], changed.len(), "{moved}");
    let hours = changed.iter().sum::<f64>() / 3600.0;
    assert!(
        (moved["hours_changed"].as_f64().unwrap() - hours).abs() < 1e-6,
        "{moved} vs {hours}"
    );
}
