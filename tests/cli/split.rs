//! A split export, as a Spark job or a shell loop hands it out: parts of its rows without the
//! header, read with `--header-from`, tagged with `--no-header`, read alike with a saved
//! profile, sent as JSON lines, and reported as partial reports that merge into the whole.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::{output_bounded, stdout_of, tagger};

/// Runs csirt-tagger with `args`, `input` on its stdin; fails the test unless it succeeds.
fn tag_stdin(args: &[&str], input: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stdin");
    std::fs::write(&path, input).unwrap();
    let mut command = crate::binary();
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdin(Stdio::from(std::fs::File::open(&path).unwrap()));
    let out = output_bounded(command);
    assert!(
        out.status.success(),
        "csirt-tagger {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Where each record of `bytes` starts (the header is record 0), as the csv crate reads it:
/// a splitter that is not ours. A byte order mark is not part of the first record.
fn record_starts(bytes: &[u8], delimiter: u8, quoting: bool) -> Vec<usize> {
    let bom = if bytes.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .quoting(quoting)
        .from_reader(&bytes[bom..]);
    let mut record = csv::ByteRecord::new();
    let mut starts = Vec::new();
    loop {
        let at = reader.position().byte() as usize + bom;
        if !reader.read_byte_record(&mut record).unwrap() {
            break;
        }
        starts.push(at);
    }
    starts
}

/// The rows of an export cut at `cuts` (record numbers, header excluded, ascending): the
/// parts, without the header line.
fn parts(bytes: &[u8], starts: &[usize], cuts: &[usize]) -> Vec<Vec<u8>> {
    let rows = starts.len() - 1;
    let at = |record: usize| {
        if record >= rows {
            bytes.len()
        } else {
            starts[record + 1]
        }
    };
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().copied().filter(|&c| c < rows));
    bounds.push(rows);
    bounds
        .windows(2)
        .map(|w| bytes[at(w[0])..at(w[1])].to_vec())
        .collect()
}

/// The fixture exports a CSV reader can split (UTF-8 or single-byte): path, delimiter, whether
/// `"` quotes.
const SPLITTABLE: [(&str, u8, bool); 12] = [
    ("fixtures/exports/jira/all-fields.csv", b',', true),
    ("fixtures/exports/jira/current-fields-bom.csv", b',', true),
    ("fixtures/exports/otrs/ticket_search_de.csv", b';', true),
    (
        "fixtures/exports/otrs/ticket_search_2026-11-28_09-15.csv",
        b';',
        true,
    ),
    ("fixtures/exports/servicenow/sn_si_incident.csv", b',', true),
    ("fixtures/exports/zammad/tickets.csv", b',', true),
    ("fixtures/exports/zammad/tickets_de.csv", b';', true),
    ("fixtures/exports/thehive/cases.csv", b',', true),
    ("fixtures/exports/generic/excel_de.csv", b';', true),
    ("fixtures/exports/generic/export_pipe_fr.csv", b'|', true),
    ("fixtures/exports/rt/Results.tsv", b'\t', false),
    ("fixtures/labelled/many-hands/tune/otrs.csv", b';', true),
];

#[test]
fn parts_tagged_with_header_from_and_no_header_concatenate_to_the_output_of_the_whole() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (path, delimiter, quoting) in SPLITTABLE {
        let bytes = std::fs::read(root.join(path)).unwrap();
        let starts = record_starts(&bytes, delimiter, quoting);
        let rows = starts.len() - 1;
        assert!(rows >= 3, "{path}: {rows} rows");
        let whole = stdout_of(&["-q", "tag", path]);
        let header_end = whole.find('\n').unwrap() + 1;
        // Three parts; and the first part with the header line still on top, as a naive
        // split of the file gives it.
        for (cuts, with_header) in [(vec![1, rows / 2], false), (vec![rows / 3], true)] {
            let mut joined = whole.as_bytes()[..header_end].to_vec();
            for (i, part) in parts(&bytes, &starts, &cuts).iter().enumerate() {
                let input = if with_header && i == 0 {
                    bytes[..starts[1]]
                        .iter()
                        .chain(part)
                        .copied()
                        .collect::<Vec<u8>>()
                } else {
                    part.clone()
                };
                let args = ["-q", "tag", "-", "--header-from", path, "--no-header"];
                joined.extend(tag_stdin(&args, &input));
            }
            assert!(
                joined == whole.as_bytes(),
                "{path}, cut at {cuts:?}: the parts' outputs differ from the whole's:\n{}",
                first_difference(whole.as_bytes(), &joined)
            );
        }
    }
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let a = String::from_utf8_lossy(a);
    let b = String::from_utf8_lossy(b);
    let at = a.lines().zip(b.lines()).position(|(x, y)| x != y);
    match at {
        Some(i) => format!(
            "line {}:\nwhole: {}\nparts: {}",
            i + 1,
            a.lines().nth(i).unwrap(),
            b.lines().nth(i).unwrap()
        ),
        None => format!(
            "one is longer: {} against {} lines",
            a.lines().count(),
            b.lines().count()
        ),
    }
}

/// A generic export whose numeric dates are day-first: only its first row shows it (25/11).
fn day_first_export() -> String {
    let mut csv = String::from("ID,Subject,Description,Opened\n");
    csv.push_str(
        "T-1,Phishing mail,User reported a phishing mail with a fake login page,25/11/2026 09:10\n",
    );
    for (i, day) in (2..=9).zip([3, 4, 5, 6, 7, 8, 9, 10]) {
        csv.push_str(&format!(
            "T-{i},Port scan,Port scan from a research scanner against our web servers,{day:02}/11/2026 10:00\n"
        ));
    }
    csv
}

/// The `created` of each ticket of a JSONL output.
fn created(jsonl: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(jsonl)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            format!("{} {}", v["id"], v["created"])
        })
        .collect()
}

#[test]
fn a_part_whose_days_are_all_up_to_12_reads_like_the_whole_with_the_saved_profile() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.csv");
    std::fs::write(&export, day_first_export()).unwrap();
    let export = export.to_str().unwrap();
    let profile = dir.path().join("export.toml");
    let profile = profile.to_str().unwrap();
    stdout_of(&["-q", "inspect", export, "--save-profile", profile]);
    let saved = std::fs::read_to_string(profile).unwrap();
    assert!(saved.contains("date-order = \"day-first\""), "{saved}");
    assert!(saved.contains("flavour = \"generic\""), "{saved}");
    assert!(saved.contains("delimiter = \",\""), "{saved}");

    let whole = created(&tag_stdin(&["-q", "tag", export, "--format", "jsonl"], b""));
    let bytes = std::fs::read(export).unwrap();
    let starts = record_starts(&bytes, b',', true);
    let second = &bytes[starts[2]..]; // rows 2..: every day is 12 or less
    let tag_part = |extra: &[&str]| {
        let mut args = vec![
            "-q",
            "tag",
            "-",
            "--header-from",
            export,
            "--format",
            "jsonl",
        ];
        args.extend_from_slice(extra);
        created(&tag_stdin(&args, second))
    };
    // Alone, the part looks like a US export ('/' dates, ',' delimiter): month-first.
    let alone = tag_part(&[]);
    assert_ne!(alone, whole[1..], "the part alone should read month-first");
    assert!(alone[0].contains("2026-03-11"), "{alone:?}");
    // With the whole's profile it reads as the whole did.
    assert_eq!(tag_part(&["--profile", profile]), whole[1..]);
    assert!(whole[1].contains("2026-11-03"), "{whole:?}");
}

#[test]
fn json_lines_in_objects_or_arrays_tag_as_the_csv_does_and_bad_lines_are_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let path = "fixtures/exports/jira/all-fields.csv";
    let whole = stdout_of(&["-q", "tag", path]);
    // Arrays: Jira repeats `Comment`, so rows go by position, with the header of the export.
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut arrays = Vec::new();
    for record in reader.records() {
        let fields: Vec<String> = record.unwrap().iter().map(String::from).collect();
        writeln!(arrays, "{}", serde_json::to_string(&fields).unwrap()).unwrap();
    }
    let out = tag_stdin(&["-q", "tag", "-", "--header-from", path], &arrays);
    assert!(
        out == whole.as_bytes(),
        "{}",
        first_difference(whole.as_bytes(), &out)
    );

    // Objects: the first one's keys are the columns; a null is an empty cell.
    let sn = "fixtures/exports/servicenow/sn_si_incident.csv";
    let whole = stdout_of(&["-q", "tag", sn, "--format", "jsonl"]);
    let mut objects = Vec::new();
    for line in whole.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let row: serde_json::Map<String, serde_json::Value> = v["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| {
                let value = pair[1].as_str().unwrap();
                let value = if value.is_empty() {
                    serde_json::Value::Null
                } else {
                    value.into()
                };
                (pair[0].as_str().unwrap().to_string(), value)
            })
            .collect();
        writeln!(objects, "{}", serde_json::Value::Object(row)).unwrap();
    }
    let jsonl = dir.path().join("tickets.jsonl");
    std::fs::write(&jsonl, &objects).unwrap();
    let from_json = stdout_of(&["-q", "tag", jsonl.to_str().unwrap(), "--format", "jsonl"]);
    let services = |out: &str| -> Vec<(String, String)> {
        out.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (v["id"].to_string(), v["services"].to_string())
            })
            .collect()
    };
    assert_eq!(services(&from_json), services(&whole));

    // A line that is not JSON, and a key that is no column: rejects with their lines; the
    // others are tagged.
    let mut bad = objects.clone();
    let second = bad.iter().position(|&b| b == b'\n').unwrap() + 1;
    bad.splice(
        second..second,
        b"{\"number\": \"X-1\", \"nope\": \"x\"}\n{oops\n".to_vec(),
    );
    std::fs::write(&jsonl, &bad).unwrap();
    let rejects = dir.path().join("rejects.csv");
    let out = tagger(&[
        "tag",
        jsonl.to_str().unwrap(),
        "-o",
        dir.path().join("out.csv").to_str().unwrap(),
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("tickets.jsonl:2:1"), "{stderr}");
    assert!(stderr.contains("key `nope` is not a column"), "{stderr}");
    assert!(stderr.contains("tickets.jsonl:3:1"), "{stderr}");
    assert!(stderr.contains("not a JSON object or array"), "{stderr}");
    let n = services(&whole).len();
    assert!(
        stderr.contains(&format!("read {} = ", n + 2)) && stderr.contains("rejected 2"),
        "{stderr}"
    );
}

#[test]
fn partial_reports_of_any_split_merge_into_the_report_of_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = "fixtures/labelled/many-hands/tune/otrs.csv";
    let whole_json = dir.path().join("whole.json");
    stdout_of(&[
        "-q",
        "tag",
        path,
        "-o",
        dir.path().join("whole.csv").to_str().unwrap(),
        "--report",
        whole_json.to_str().unwrap(),
    ]);
    // OTRS time units are decided from the values: a part alone could decide otherwise (a
    // part of short tickets reads 8 as minutes where the whole reads hours). The profile the
    // whole was read with holds every part to the same reading.
    let profile = dir.path().join("otrs.toml");
    let profile = profile.to_str().unwrap();
    stdout_of(&["-q", "inspect", path, "--save-profile", profile]);
    let saved = std::fs::read_to_string(profile).unwrap();
    assert!(saved.contains("time-unit = "), "{saved}");
    let bytes = std::fs::read(root.join(path)).unwrap();
    let starts = record_starts(&bytes, b';', true);
    let rows = starts.len() - 1;
    let without_provenance = |p: &Path| {
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("provenance");
        v
    };
    let whole = without_provenance(&whole_json);
    // Splits of every shape: one row alone, an empty part, uneven parts, rows reordered.
    let splits: [Vec<usize>; 4] = [
        vec![1],
        vec![0, rows / 2, rows / 2],
        vec![rows / 7, rows / 3, rows - 2],
        vec![rows / 4, rows / 2, 3 * rows / 4],
    ];
    for (k, cuts) in splits.iter().enumerate() {
        let mut pieces = parts(&bytes, &starts, cuts);
        if k == 3 {
            pieces.reverse(); // the parts come back in another order than they were cut
        }
        let mut reports: Vec<PathBuf> = Vec::new();
        for (i, part) in pieces.iter().enumerate() {
            let report = dir.path().join(format!("split{k}-part{i}.json"));
            tag_stdin(
                &[
                    "-q",
                    "tag",
                    "-",
                    "--header-from",
                    path,
                    "--profile",
                    profile,
                    "--no-header",
                    "--report",
                    report.to_str().unwrap(),
                ],
                part,
            );
            reports.push(report);
        }
        let merged = dir.path().join(format!("merged{k}.json"));
        let mut args = vec!["-q", "report", "--merge"];
        args.extend(reports.iter().map(|p| p.to_str().unwrap()));
        args.extend(["-o", merged.to_str().unwrap()]);
        stdout_of(&args);
        assert!(
            without_provenance(&merged) == whole,
            "split {k} at {cuts:?}: the merged report differs from the whole's"
        );
        let provenance: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
        assert_eq!(
            provenance["provenance"]["merged_from"]
                .as_array()
                .unwrap()
                .len(),
            pieces.len(),
            "every part is named"
        );
    }
}
