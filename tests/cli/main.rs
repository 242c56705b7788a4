//! Integration tests: run the built `csirt-tagger` binary on fixtures, one module per command.
//!
//! One test binary for all of them, so the crate is linked once (keeps CI quick).

use std::process::{Command, Output};

mod fuzz;
mod hostile;
mod inspect;
mod interrupt;
mod report;
mod services;
mod soak;
mod tag;
mod workbench;

/// Runs csirt-tagger with `args` from the crate root and returns what it did.
pub fn tagger(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csirt-tagger"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the csirt-tagger binary runs")
}

/// Runs csirt-tagger with `args`, the file `stdin` (a path from the crate root) on its stdin.
pub fn tagger_with_stdin(args: &[&str], stdin: &str) -> Output {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::File::open(root.join(stdin)).expect("the stdin fixture exists");
    Command::new(env!("CARGO_BIN_EXE_csirt-tagger"))
        .current_dir(root)
        .args(args)
        .stdin(file)
        .output()
        .expect("the csirt-tagger binary runs")
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
