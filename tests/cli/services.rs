//! `csirt-tagger services`: the catalog tree, its formats, search, `--catalog` and `--map`.

use super::{stdout_of, tagger};

#[test]
fn the_default_tree_lists_every_area_service_and_function_with_official_ids() {
    let out = stdout_of(&["services"]);
    assert!(
        out.starts_with(
            "FIRST CSIRT Services Framework 2.1 (csirt-2.1): 5 areas, 21 services, 76 functions"
        ),
        "{out}"
    );
    assert!(
        out.contains("\n6  Information Security Incident Management (ISIM)\n"),
        "{out}"
    );
    assert!(
        out.contains("6.3  Artifact and forensic evidence analysis  [artifact-analysis]"),
        "{out}"
    );
    assert!(out.contains("6.3.2  Reverse engineering"), "{out}");
    assert!(out.contains("9.4.4  Technical advice"), "{out}");
}

#[test]
fn csv_has_one_row_per_entry() {
    let out = stdout_of(&["services", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("valid CSV")).collect();
    assert_eq!(rows.len(), 5 + 21 + 76);
    let kinds = |k: &str| rows.iter().filter(|r| &r[0] == k).count();
    assert_eq!(
        (kinds("area"), kinds("service"), kinds("function")),
        (5, 21, 76)
    );
    let row = rows.iter().find(|r| &r[1] == "7.5").expect("7.5 listed");
    assert_eq!((&row[2], &row[4]), ("7", "Vulnerability disclosure"));
}

#[test]
fn json_is_nested_and_counts_itself() {
    let out = stdout_of(&["services", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(
        v["counts"],
        serde_json::json!({"areas": 5, "services": 21, "functions": 76})
    );
    assert_eq!(v["areas"][1]["children"][2]["id"], "6.3");
    assert_eq!(v["areas"][1]["children"][2]["children"][1]["id"], "6.3.2");
    assert!(v["fingerprint"].as_str().unwrap().starts_with("sha256:"));
}

#[test]
fn every_embedded_catalog_lists() {
    let psirt = stdout_of(&["--catalog", "psirt-1.1", "services"]);
    assert!(
        psirt.contains("6 areas, 28 services, 84 functions"),
        "{psirt}"
    );
    let rsit = stdout_of(&["--catalog", "rsit", "services"]);
    assert!(
        rsit.contains("11 classs") || rsit.contains("11 class"),
        "{rsit}"
    );
    assert!(rsit.contains("malicious-code:infected-system"), "{rsit}");
}

#[test]
fn search_ranks_the_expected_service_first_and_says_what_matched() {
    let out = stdout_of(&[
        "services",
        "search",
        "reverse engineering of a malware sample",
        "--limit",
        "3",
    ]);
    let first = out.lines().next().expect("a result");
    assert!(first.contains(" 6.3"), "{out}");
    assert!(out.contains("matched "), "{out}");
    let json = stdout_of(&[
        "services",
        "search",
        "publish an advisory for a CVE",
        "--format",
        "json",
        "--kind",
        "service",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(v["results"][0]["id"], "7.5", "{json}");
    assert!(v["results"][0]["score"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_tailored_catalog_is_loaded_from_a_file_and_searched() {
    let out = stdout_of(&[
        "--catalog",
        "fixtures/catalogs/team-tailored.toml",
        "services",
    ]);
    assert!(out.contains("CERT-Example service catalogue 2026.1 (cert-example): 2 areas, 3 services, 1 functions"), "{out}");
    assert!(
        out.contains("X.1  Look-alike domain monitoring  [domain-monitoring]"),
        "{out}"
    );
    let out = stdout_of(&[
        "--catalog",
        "fixtures/catalogs/team-tailored.toml",
        "services",
        "search",
        "typosquatting domain of our bank",
    ]);
    assert!(out.lines().next().unwrap().contains("X.1"), "{out}");
}

#[test]
fn a_broken_catalog_fails_with_file_line_and_id() {
    let out = tagger(&[
        "--catalog",
        "fixtures/catalogs/broken-duplicate.toml",
        "services",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("fixtures/catalogs/broken-duplicate.toml:20:6: duplicate id `6.1` (already used at line 12"),
        "{err}"
    );
    let out = tagger(&["--catalog", "no-such-catalog", "services"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not an embedded catalog (csirt-2.1, psirt-1.1, rsit)"),
        "{err}"
    );
}

#[test]
fn the_rsit_map_names_csirt_services() {
    let out = stdout_of(&["services", "--map", "rsit"]);
    assert!(out.contains("malicious-code"), "{out}");
    assert!(out.contains("-> 6.5.2 Notification distribution"), "{out}");
    let csv = stdout_of(&["services", "--map", "rsit", "--format", "csv"]);
    let rows = csv::Reader::from_reader(csv.as_bytes()).records().count();
    assert_eq!(rows, 11 + 39);
}

#[test]
fn verbose_shows_the_index_build_time() {
    let out = tagger(&["--verbose", "services", "search", "tabletop exercise"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("catalog index built in "), "{err}");
}

#[test]
fn a_tailored_catalog_cannot_put_formulas_in_the_csv_list() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.toml");
    std::fs::write(
        &path,
        "[catalog]\nname = \"Ours\"\nversion = \"1\"\nshort = \"ours\"\n\n\
         [[area]]\nid = \"6\"\nname = \"=HYPERLINK(\\\"http://x\\\",\\\"Incidents\\\")\"\n\
         description = \"+cmd|' /C calc'!A0\"\n\n\
         [[service]]\nid = \"6.1\"\narea = \"6\"\nslug = \"intake\"\nname = \"Intake\"\n\
         description = \"@SUM(1+1)\"\n",
    )
    .unwrap();
    let catalog = path.to_str().unwrap();
    let cells = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["--catalog", catalog, "services", "--format", "csv"];
        args.extend_from_slice(extra);
        let out = stdout_of(&args);
        let mut reader = csv::Reader::from_reader(out.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 2, "{out}");
        vec![
            rows[0][4].to_string(),
            rows[0][5].to_string(),
            rows[1][5].to_string(),
        ]
    };
    assert_eq!(
        cells(&[]),
        [
            "'=HYPERLINK(\"http://x\",\"Incidents\")",
            "'+cmd|' /C calc'!A0",
            "'@SUM(1+1)"
        ]
    );
    assert_eq!(
        cells(&["--raw"])[0],
        "=HYPERLINK(\"http://x\",\"Incidents\")"
    );
}

#[test]
fn every_command_that_writes_takes_o_and_the_shell_gets_completions_and_man_pages() {
    let dir = tempfile::tempdir().unwrap();
    let jira = "fixtures/exports/jira/all-fields.csv";
    let runs: [(&str, Vec<&str>); 5] = [
        ("inspect.txt", vec!["inspect", jira, "--flavor", "jira"]),
        (
            "evaluate.json",
            vec![
                "evaluate",
                "fixtures/labelled/jira.csv",
                "--gold",
                "fixtures/labelled/gold.csv",
                "--format",
                "json",
            ],
        ),
        ("coverage.txt", vec!["coverage", jira]),
        ("services.csv", vec!["services", "--format", "csv"]),
        (
            "explain.txt",
            vec!["explain", "--text", "ransomware on the file server"],
        ),
    ];
    for (name, args) in runs {
        let path = dir.path().join(name);
        let mut args = args.clone();
        args.extend(["-o", path.to_str().unwrap()]);
        let out = tagger(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?} wrote on stdout");
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.len() > 40, "{args:?}: {written}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("wrote {}", path.display())));
    }
    // -o never names an input.
    let out = tagger(&["inspect", jira, "-o", jira]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to write over"));
    // Months in --since/--until: all twelve tickets were created in November 2026.
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&[
        "report", jira, "--since", "2026-11", "--until", "2026-11", "--format", "json",
    ]))
    .unwrap();
    assert_eq!(v["workload"]["counts"]["included"], 12);
    assert_eq!(v["options"]["until"], "2026-11-30");
    // Completions for the usual shells, and man pages for every command.
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(
            script.contains("csirt-tagger") && script.contains("attribution"),
            "{shell}"
        );
    }
    let man = dir.path().join("man");
    let out = tagger(&["man", "-o", man.to_str().unwrap()]);
    assert!(out.status.success());
    let report = std::fs::read_to_string(man.join("csirt-tagger-report.1")).unwrap();
    assert!(report.contains(".TH csirt-tagger-report 1") && report.contains("attribution"));
}
