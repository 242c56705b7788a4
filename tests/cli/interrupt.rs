//! Interruption and closed pipes: Ctrl-C (SIGINT) or SIGTERM during `tag` leaves the previous
//! output (or none) and no temporary file, and exits 128 + the signal; stdin is read; a reader
//! that goes away (`| head -1`) ends the run quietly.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A big export (a fixture's tickets again and again, ids made unique): long enough to
/// tag that a signal sent once tagging started finds it running.
fn big_export(dir: &Path, copies: usize) -> PathBuf {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/exports/generic/excel_de.csv"),
    )
    .unwrap();
    let (header, body) = text.split_once('\n').unwrap();
    let mut out = String::with_capacity(body.len() * copies + header.len());
    out.push_str(header);
    out.push('\n');
    for i in 0..copies {
        // Each copy's rows get their own ids: a prefix on the first cell.
        for line in body.lines() {
            out.push_str(&format!("{i}-{line}\n"));
        }
    }
    let path = dir.join("big.csv");
    std::fs::write(&path, out).unwrap();
    path
}

fn spawn(args: &[&str], dir: &Path) -> Child {
    crate::binary()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Waits until a file whose name starts with `.{name}.` (the temporary output) appears.
fn wait_for_temporary(dir: &Path, name: &str, child: &mut Child) -> bool {
    let start = Instant::now();
    while start.elapsed() < crate::HANG {
        if temporaries(dir)
            .iter()
            .any(|t| t.starts_with(&format!(".{name}.")))
        {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false; // done before we could interrupt it
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

fn kill(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Runs `tag` on a big export with `-o`, `--rejects` and `--report`, sends `signal` once the
/// output is being written; returns the exit code and stderr.
fn interrupted_tag(signal: &str, previous: bool) -> (Option<i32>, String, PathBuf) {
    let dir = tempfile::tempdir().unwrap().keep();
    big_export(&dir, 4000);
    if previous {
        std::fs::write(dir.join("tagged.csv"), "previous run\n").unwrap();
        std::fs::write(dir.join("workload.json"), "{}\n").unwrap();
    }
    let mut child = spawn(
        &[
            "tag",
            "big.csv",
            "-o",
            "tagged.csv",
            "--rejects",
            "rejects.csv",
            "--report",
            "workload.json",
            "-j",
            "1",
        ],
        &dir,
    );
    assert!(
        wait_for_temporary(&dir, "tagged.csv", &mut child),
        "tag finished before it could be interrupted: make the input bigger"
    );
    std::thread::sleep(Duration::from_millis(200)); // well into tagging
    kill(&child, signal);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status.code(), stderr, dir)
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_tag_keeps_the_previous_outputs_and_leaves_no_temporary_file() {
    let (code, stderr, dir) = interrupted_tag("INT", true);
    assert_eq!(code, Some(130), "128 + SIGINT; stderr: {stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("tagged.csv")).unwrap(),
        "previous run\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("workload.json")).unwrap(),
        "{}\n"
    );
    assert!(
        !dir.join("rejects.csv").exists(),
        "no rejects file was there"
    );
    assert_eq!(
        temporaries(&dir),
        Vec::<String>::new(),
        "temporary files left"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn sigterm_during_tag_leaves_no_output_and_exits_143() {
    let (code, stderr, dir) = interrupted_tag("TERM", false);
    assert_eq!(code, Some(143), "128 + SIGTERM; stderr: {stderr}");
    for name in ["tagged.csv", "workload.json", "rejects.csv"] {
        assert!(!dir.join(name).exists(), "{name} was written");
    }
    assert_eq!(
        temporaries(&dir),
        Vec::<String>::new(),
        "temporary files left"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Standard input that never ends (a terminal nobody types into): the reader is blocked in
/// `read`, so the run cannot notice the signal by itself; it must still end within the grace
/// period, without its temporary file.
#[cfg(unix)]
#[test]
fn ctrl_c_while_waiting_for_stdin_still_ends_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = crate::binary()
        .current_dir(dir.path())
        .args(["tag", "-", "-o", "tagged.csv"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"id,title\n1,phishing\n").unwrap(); // and then nothing, for ever
    assert!(wait_for_temporary(dir.path(), "tagged.csv", &mut child));
    kill(&child, "INT");
    // Still waiting for stdin after a Ctrl-C would be a hang: bounded like every command.
    let sent = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if sent.elapsed() > crate::HANG {
            let _ = child.kill();
            panic!("tag still waited for stdin {:?} after SIGINT", crate::HANG);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
    assert!(!dir.path().join("tagged.csv").exists());
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
    drop(stdin);
}

/// `csirt-tagger ... | head -1`: output to a pipe whose reader has gone. Exits 0 with nothing
/// on stderr (no "Broken pipe", no panic).
fn into_closed_pipe(args: &[&str], stdin: Option<&Path>) {
    let mut child = crate::binary()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdin(match stdin {
            Some(p) => Stdio::from(std::fs::File::open(p).unwrap()),
            None => Stdio::null(),
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, like `head -1`, then close the pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {}: {stderr}", out.status);
    assert!(
        !stderr.to_lowercase().contains("broken pipe"),
        "{args:?}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
}

#[test]
fn writing_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let big = big_export(dir.path(), 400);
    let big = big.to_str().unwrap();
    into_closed_pipe(&["tag", big, "-q"], None);
    into_closed_pipe(&["tag", big, "-q", "--output-format", "jsonl"], None);
    into_closed_pipe(&["tag", "-", "-q"], Some(Path::new(big)));
    into_closed_pipe(&["report", big, "--format", "csv", "-q"], None);
    into_closed_pipe(&["report", big, "--format", "json", "-q"], None);
    into_closed_pipe(&["services"], None);
    into_closed_pipe(&["services", "--format", "csv"], None);
    into_closed_pipe(&["services", "--format", "json"], None);
    into_closed_pipe(&["services", "--map", "rsit", "--format", "csv"], None);
    into_closed_pipe(&["inspect", big], None);
}
