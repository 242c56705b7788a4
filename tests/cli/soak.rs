//! Soak: the real corpus (`../shared/corpus`, skipped when absent) given N times (100 by
//! default, `CSIRT_SOAK_TIMES` to change it; `benches/soak.sh` runs it on the release build)
//! through `tag` and `report --format json`: the N-fold run is exactly N one-pass runs.
//! `tag`'s output is the one-pass output's rows N times, byte for byte (streamed, never held
//! in memory); its summary counts and the report's counts are N times one pass's.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;

fn corpus() -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    (!files.is_empty()).then_some(files)
}

fn times() -> usize {
    std::env::var("CSIRT_SOAK_TIMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

fn command(args: &[&str], inputs: &[PathBuf], n: usize) -> Command {
    let mut cmd = crate::binary();
    cmd.args(args);
    for _ in 0..n {
        cmd.args(inputs);
    }
    cmd
}

/// The numbers of `read N = tagged by rule A + tagged by index B + untagged C + rejected D`.
fn summary(stderr: &str) -> Vec<u64> {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("read "))
        .unwrap_or_else(|| panic!("no summary in {stderr}"));
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

/// Runs `tag` on the inputs `n` times, checking its stdout is `header + body * n` as it
/// streams; returns the summary counts.
fn tag_streamed(inputs: &[PathBuf], n: usize, header: &[u8], body: &[u8]) -> Vec<u64> {
    let mut child = command(&["tag"], inputs, n)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        BufReader::new(stderr).read_to_string(&mut s).unwrap();
        s
    });
    let mut out = BufReader::with_capacity(1 << 20, child.stdout.take().unwrap());
    let mut expect = |want: &[u8], what: &str| {
        let mut got = vec![0; want.len()];
        out.read_exact(&mut got)
            .unwrap_or_else(|e| panic!("{what}: output too short: {e}"));
        if got != want {
            let at = got.iter().zip(want).position(|(a, b)| a != b).unwrap();
            panic!(
                "{what} differs at byte {at}: {:?} instead of {:?}",
                String::from_utf8_lossy(&got[at..(at + 80).min(got.len())]),
                String::from_utf8_lossy(&want[at..(at + 80).min(want.len())])
            );
        }
    };
    expect(header, "the header");
    for pass in 0..n {
        expect(body, &format!("pass {}", pass + 1));
    }
    let mut rest = Vec::new();
    out.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "{} bytes more than n passes", rest.len());
    let status = child.wait().unwrap();
    let stderr = err_thread.join().unwrap();
    assert!(status.success(), "{status}: {stderr}");
    summary(&stderr)
}

fn report(inputs: &[PathBuf], n: usize) -> Value {
    let out = command(&["report", "--format", "json", "-q"], inputs, n)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every count of the workload that must scale: `(path, value)` pairs.
fn counts(report: &Value) -> Vec<(String, u64)> {
    let w = &report["workload"];
    let mut out = Vec::new();
    for section in ["counts", "quality"] {
        for (k, v) in w[section].as_object().unwrap() {
            out.push((format!("{section}.{k}"), v.as_u64().unwrap()));
        }
    }
    let mut entry = |name: String, e: &Value| {
        for k in ["primary", "exercised"] {
            out.push((format!("{name}.{k}"), e[k].as_u64().unwrap()));
        }
        for (k, v) in e["tickets"].as_object().unwrap() {
            out.push((format!("{name}.tickets[{k}]"), v.as_u64().unwrap()));
        }
    };
    entry("total".into(), &w["total"]);
    entry("untagged".into(), &w["untagged"]);
    for level in ["areas", "services", "functions"] {
        for (id, e) in w[level].as_object().unwrap() {
            entry(format!("{level}.{id}"), e);
        }
    }
    out
}

#[test]
fn the_corpus_given_n_times_counts_exactly_n_times_one_pass() {
    let Some(inputs) = corpus() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    let n = times();
    let started = Instant::now();
    // One pass.
    let one = command(&["tag"], &inputs, 1).output().unwrap();
    assert!(one.status.success());
    let one_summary = summary(&String::from_utf8_lossy(&one.stderr));
    let header_len = one.stdout.iter().position(|&b| b == b'\n').unwrap() + 1;
    let (header, body) = one.stdout.split_at(header_len);
    let one_report = counts(&report(&inputs, 1));
    // N passes.
    let n_summary = tag_streamed(&inputs, n, header, body);
    let scaled: Vec<u64> = one_summary.iter().map(|c| c * n as u64).collect();
    assert_eq!(
        n_summary, scaled,
        "tag: read = rule + index + untagged + rejected, {n} times one pass's"
    );
    assert_eq!(n_summary[0], n_summary[1..].iter().sum::<u64>());
    let n_report = counts(&report(&inputs, n));
    let scaled: Vec<(String, u64)> = one_report
        .iter()
        .map(|(k, v)| (k.clone(), v * n as u64))
        .collect();
    assert_eq!(n_report, scaled, "report counts, {n} times one pass's");
    eprintln!(
        "soak: {} inputs x {n}: {} records tagged and reported, {} report counts checked, {:.1} s",
        inputs.len(),
        n_summary[0],
        scaled.len(),
        started.elapsed().as_secs_f64()
    );
}
