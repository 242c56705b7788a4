//! Integration tests: run the built `csirt-tagger` binary on fixtures, one module per command.
//!
//! One test binary for all of them, so the crate is linked once (keeps CI quick).

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod fuzz;
mod hostile;
mod inspect;
mod interrupt;
mod report;
mod review_page;
mod services;
mod soak;
mod split;
mod tag;
mod workbench;

/// How long a command may run before a test takes it for a hang. Generous on purpose: tests
/// assert what a command does, never how fast (that is for `benches/`); this only stops a
/// hang from holding CI until its own timeout.
pub const HANG: Duration = Duration::from_secs(600);

/// Runs `command` to its end and returns what it did; kills it and fails the test when it
/// runs past [`HANG`].
pub fn output_bounded(mut command: Command) -> Output {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let id = child.id();
    let started = Instant::now();
    let waiter = std::thread::spawn(move || child.wait_with_output().expect("its output is read"));
    while !waiter.is_finished() {
        if started.elapsed() > HANG {
            // Only the process we started, by its id.
            let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
            let _ = waiter.join();
            panic!("{command:?} was still running after {HANG:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    waiter.join().expect("the waiting thread ends")
}

/// The `csirt-tagger` binary as a command, its model cache in this build's own temporary
/// directory (so tests never write to the user's `~/.cache`, and share one trained model).
pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_csirt-tagger"));
    command.env(
        "CSIRT_TAGGER_CACHE",
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("model-cache"),
    );
    command
}

/// Runs csirt-tagger with `args` from the crate root and returns what it did.
pub fn tagger(args: &[&str]) -> Output {
    let mut command = binary();
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdin(Stdio::null());
    output_bounded(command)
}

/// Runs csirt-tagger with `args`, the file `stdin` (a path from the crate root) on its stdin.
pub fn tagger_with_stdin(args: &[&str], stdin: &str) -> Output {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::File::open(root.join(stdin)).expect("the stdin fixture exists");
    let mut command = binary();
    command.current_dir(root).args(args).stdin(file);
    output_bounded(command)
}

/// Standard output as text, after checking that the command succeeded.
pub fn stdout_of(args: &[&str]) -> String {
    let out = tagger(args);
    assert!(
        out.status.success(),
        "csirt-tagger {args:?} failed with {}:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}
