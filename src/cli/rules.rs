//! `csirt-tagger rules`: work with rules files. `init` writes the default rules out for a team
//! to tune; `check` (in `rules_check.rs`) and `test` (in `rules_test.rs`) judge them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use csirt_tagger::rules::DEFAULT_RULES;

use super::rules_test::DEFAULT_TESTS;
use super::GlobalArgs;

/// Work with rules files: write the default rules out to tune them.
///
/// Examples:
///   csirt-tagger rules init team-rules/
///   csirt-tagger tag --rules team-rules/ export.csv
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct RulesCommandArgs {
    /// What to do with rules.
    #[command(subcommand)]
    pub action: RulesAction,
}

/// Subcommands of `rules`.
#[derive(Debug, clap::Subcommand)]
pub enum RulesAction {
    /// Write the default rules (one file per service area) into DIR and their whole-ticket
    /// tests into DIR/tests, to tune and pass back with --rules DIR (`rules test DIR` runs
    /// both). Existing files are left alone unless --force.
    ///
    /// Example: csirt-tagger rules init team-rules/
    Init(InitArgs),
    /// Run every rule's examples and counterexamples, and the test files (`tests/*.toml`
    /// beside the rules); prints the failures with what fired, then `N passed, N failed`.
    ///
    /// Example: csirt-tagger rules test team-rules/
    Test(super::rules_test::TestArgs),
    /// Load, compile and lint the rules; report `file:line:col: error|warning: message`.
    ///
    /// Example: csirt-tagger rules check team-rules/
    Check(super::rules_check::CheckArgs),
    /// Suggest rules from labelled tickets: per service, the words and phrases that separate
    /// its tickets from the others where the current rules miss them, as a rules file to read
    /// before use (support, precision and an example in each rule).
    ///
    /// Example: csirt-tagger rules suggest export.csv --gold sample.csv -o suggested.toml
    Suggest(Box<super::rules_suggest::SuggestArgs>),
}

/// `rules init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Directory to write the rules files into (created if missing).
    pub dir: PathBuf,
    /// Overwrite rules files that already exist there.
    #[arg(long)]
    pub force: bool,
}

/// Runs `rules`.
pub fn run(global: &GlobalArgs, args: RulesCommandArgs) -> anyhow::Result<ExitCode> {
    match args.action {
        RulesAction::Init(init) => {
            let written = write_defaults(&init.dir, init.force)?;
            if !global.quiet {
                let mut err = std::io::stderr().lock();
                for path in &written {
                    writeln!(err, "wrote {}", path.display())?;
                }
                writeln!(
                    err,
                    "tag with them: csirt-tagger tag --rules {} EXPORT.csv",
                    init.dir.display()
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        RulesAction::Test(test) => super::rules_test::run(global, test),
        RulesAction::Check(check) => super::rules_check::run(global, check),
        RulesAction::Suggest(suggest) => super::rules_suggest::run(global, *suggest),
    }
}

/// Writes every default rules file into `dir` and every default test file into `dir/tests`
/// (where `rules test DIR` looks); refuses, before writing anything, when one exists and
/// `force` is off. Returns the paths written.
fn write_defaults(dir: &Path, force: bool) -> anyhow::Result<Vec<PathBuf>> {
    let tests = dir.join("tests");
    std::fs::create_dir_all(&tests)
        .with_context(|| format!("cannot create {}", tests.display()))?;
    let targets: Vec<(PathBuf, &str)> = DEFAULT_RULES
        .iter()
        .map(|(name, text)| (dir.join(name), *text))
        .chain(
            DEFAULT_TESTS
                .iter()
                .map(|(name, text)| (tests.join(name), *text)),
        )
        .collect();
    let existing: Vec<String> = targets
        .iter()
        .filter(|(path, _)| path.exists())
        .map(|(path, _)| {
            let relative = path.strip_prefix(dir).unwrap_or(path);
            relative.display().to_string()
        })
        .collect();
    if !existing.is_empty() && !force {
        anyhow::bail!(
            "{} already {} in {}: nothing written (--force overwrites)",
            existing.join(", "),
            if existing.len() == 1 {
                "exists"
            } else {
                "exist"
            },
            dir.display()
        );
    }
    let mut written = Vec::new();
    for (path, text) in targets {
        // Like every output: through a temporary file beside it, renamed into place, so a
        // half-written rules file is never left behind (not even on Ctrl-C).
        csirt_tagger::output::write_atomically(&path, |w| {
            w.write_all(text.as_bytes())
                .map_err(|e| csirt_tagger::Error::io(&path, e))
        })
        .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_writes_every_default_file_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("team");
        let written = write_defaults(&target, false).unwrap();
        assert_eq!(written.len(), DEFAULT_RULES.len() + DEFAULT_TESTS.len());
        for (name, text) in DEFAULT_RULES {
            assert_eq!(std::fs::read_to_string(target.join(name)).unwrap(), *text);
        }
        // The whole-ticket tests too, where `rules test DIR` finds them.
        for (name, text) in DEFAULT_TESTS {
            let path = target.join("tests").join(name);
            assert_eq!(std::fs::read_to_string(path).unwrap(), *text);
        }
        std::fs::write(target.join(DEFAULT_RULES[0].0), "# tuned\n").unwrap();
        let err = write_defaults(&target, false).unwrap_err().to_string();
        assert!(
            err.contains("already exist in ")
                && err.ends_with(": nothing written (--force overwrites)"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(target.join(DEFAULT_RULES[0].0)).unwrap(),
            "# tuned\n"
        );
        write_defaults(&target, true).unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join(DEFAULT_RULES[0].0)).unwrap(),
            DEFAULT_RULES[0].1
        );
    }
}
