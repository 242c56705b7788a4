//! Inputs the fuzz targets (`fuzz/`) once failed on, run through the same checks: every file
//! under `tests/fuzz-regressions/<target>/`, named for what it found.

use std::path::Path;

#[path = "../../fuzz/fuzz_targets/checks.rs"]
mod checks;

fn each(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("the regressions folder") {
        let path = entry.expect("a directory entry").path();
        let data = std::fs::read(&path).expect("a regression input");
        eprintln!("{}", path.display());
        check(&data);
        n += 1;
    }
    eprintln!("{target}: {n} inputs");
}

#[test]
fn fuzz_regressions_of_the_import() {
    each("import", checks::import);
}

#[test]
fn fuzz_regressions_of_dates_and_durations() {
    each("dates", checks::dates);
}

#[test]
fn fuzz_regressions_of_rules_loading() {
    each("rules", checks::rules);
}
