//! `csirt-tagger rules test`: every rule's `examples` and `counterexamples`, then the test
//! files (`tests/*.toml` beside the rules), each case passed or failed with what fired.
//!
//! A test file holds `[[test]]` tables:
//!
//! ```toml
//! [[test]]
//! title = "Ransomware on FS01"  # optional: the ticket's title (words there count double)
//! text = "Restored from backup"   # the ticket's text (optional when there is a title)
//! services = ["6.4"]          # must all be tags (a function id counts as its service)
//! primary = "6.4"             # optional: must be the primary service
//! not = ["6.6"]               # optional: must not be tags
//! note = "why this case matters"
//! ```
//!
//! The last line of the text output is exactly `N passed, N failed` (CI reads it); the exit
//! code is 1 when a case failed. Test cases are tagged by rules only (no index fallback), so
//! that a result never depends on the index's scores.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use csirt_tagger::catalog::EntryId;
use csirt_tagger::import::Ticket;
use csirt_tagger::rules::{List, Matcher, RuleId, Scratch};
use csirt_tagger::tag::{Outcome, Tagger};
use csirt_tagger::{Diagnostics, LineIndex, Location, Severity};
use serde::Deserialize;
use toml::Spanned;

use super::catalog_args::load_catalog;
use super::rules_args::load_rules;
use super::rules_args::LimitArgs;
use super::GlobalArgs;

/// Test files embedded with the default rules: `(name, TOML)`, the files of `rules/tests/`,
/// listed explicitly so that a stray file is never embedded by accident.
pub const DEFAULT_TESTS: &[(&str, &str)] = &[
    (
        "5-event-management.toml",
        include_str!("../../rules/tests/5-event-management.toml"),
    ),
    (
        "6-incident-management.toml",
        include_str!("../../rules/tests/6-incident-management.toml"),
    ),
    (
        "7-vulnerability-management.toml",
        include_str!("../../rules/tests/7-vulnerability-management.toml"),
    ),
    (
        "8-situational-awareness.toml",
        include_str!("../../rules/tests/8-situational-awareness.toml"),
    ),
    (
        "9-knowledge-transfer.toml",
        include_str!("../../rules/tests/9-knowledge-transfer.toml"),
    ),
];

/// `rules test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Rules files or directories [default: the embedded rules and their embedded tests]. For
    /// a directory, the test files are its `tests/*.toml`.
    pub paths: Vec<PathBuf>,
    /// Extra test files or directories of `*.toml` test files.
    #[arg(long, value_name = "PATH")]
    pub tests: Vec<PathBuf>,
    /// Output: text, or json (`{"schema": 1, "passed", "failed", "failures": [...]}`).
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    pub format: TestFormat,
    /// Bounds on what the rules may cost.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Output formats of `rules test`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    /// One block per failure, then `N passed, N failed`.
    Text,
    /// One JSON document (the summary line goes to stderr).
    Json,
}

/// One failed case, as printed and serialised.
#[derive(Debug, serde::Serialize)]
pub struct Failure {
    /// Where the case is written, `file:line:col`.
    pub at: String,
    /// What was expected and what happened.
    pub message: String,
    /// The case's text.
    pub text: String,
    /// What fired: one line per rule with hits, then the tags.
    pub explanation: Vec<String>,
}

/// Runs `rules test`.
pub fn run(global: &GlobalArgs, args: TestArgs) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(global)?;
    let mut diags = Diagnostics::default();
    let builder = load_rules(&catalog, &args.paths, &args.limits, &mut diags)?;
    for d in diags.items() {
        if d.severity == Severity::Error || !global.quiet {
            eprintln!("{d}");
        }
    }
    if diags.errors() > 0 {
        anyhow::bail!(
            "{} error(s) in the rules (see above; `csirt-tagger rules check` lists them)",
            diags.errors()
        );
    }
    let matcher = builder.build()?;
    let mut outcome = Results::default();
    example_cases(&matcher, &mut outcome);
    let tagger = Tagger::new(catalog, matcher)?;
    for (origin, text) in test_files(&args)? {
        test_file_cases(&tagger, &text, &origin, &mut outcome)?;
    }
    let summary = format!(
        "{} passed, {} failed",
        outcome.passed,
        outcome.failures.len()
    );
    let mut out = std::io::stdout().lock();
    match args.format {
        TestFormat::Json => {
            let doc = serde_json::json!({
                "schema": 1,
                "passed": outcome.passed,
                "failed": outcome.failures.len(),
                "failures": outcome.failures,
            });
            // Through a string: a closed pipe then shows as an io::Error, which `main` ignores.
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
            eprintln!("{summary}");
        }
        TestFormat::Text => {
            for f in &outcome.failures {
                writeln!(out, "FAIL {}: {}", f.at, f.message)?;
                writeln!(out, "  text: {:?}", f.text)?;
                for line in &f.explanation {
                    writeln!(out, "  {}", super::term::sanitize(line))?;
                }
                writeln!(out)?;
            }
            writeln!(out, "{summary}")?;
        }
    }
    Ok(if outcome.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Passed count and failures so far.
#[derive(Debug, Default)]
struct Results {
    passed: u64,
    failures: Vec<Failure>,
}

/// Every rule's examples and counterexamples.
fn example_cases(matcher: &Matcher, outcome: &mut Results) {
    let failed = matcher.check_examples();
    let total: usize = matcher
        .rules()
        .iter()
        .map(|r| r.examples.len() + r.counterexamples.len())
        .sum();
    outcome.passed += (total - failed.len()) as u64;
    let mut scratch = Scratch::default();
    for f in failed {
        let message = if f.expected_to_fire {
            format!("rule {} does not fire on its example", f.rule)
        } else {
            format!("rule {} fires on its counterexample", f.rule)
        };
        let explanation = explain_text(matcher, &f.text, &mut scratch);
        outcome.failures.push(Failure {
            at: f.at.to_string(),
            message,
            text: f.text,
            explanation,
        });
    }
}

/// What the rules do on one text read as a field of every scope: one line per rule with hits.
pub fn explain_text(matcher: &Matcher, text: &str, scratch: &mut Scratch) -> Vec<String> {
    let found = matcher.find_in_text(text, scratch, true);
    let mut rules: Vec<(RuleId, &str)> = Vec::new();
    rules.extend(found.fired().iter().map(|&r| (r, "fired")));
    rules.extend(found.vetoed().iter().map(|&r| (r, "vetoed")));
    rules.extend(found.partial().iter().map(|&r| (r, "incomplete")));
    rules.sort_by_key(|&(r, _)| r);
    if rules.is_empty() {
        return vec!["no rule has a word in this text".into()];
    }
    rules
        .iter()
        .map(|&(r, outcome)| {
            let rule = matcher.rule(r);
            let words: Vec<String> = found
                .rule_hits(r)
                .iter()
                .map(|h| {
                    let word = rule
                        .written(h.list, h.index)
                        .map_or("", |w| w.value.as_str());
                    let text = text.get(h.hit.start..h.hit.end).unwrap_or("?");
                    format!("{}:{word}={text:?}", list_name(h.list))
                })
                .collect();
            format!("{outcome} {} ({}): {}", rule.id, rule.at, words.join(", "))
        })
        .collect()
}

fn list_name(list: List) -> &'static str {
    match list {
        List::Any => "any",
        List::All => "all",
        List::None => "none",
        List::Regex => "regex",
        List::Near => "near",
    }
}

/// The test files to run: the embedded ones for the default rules, `DIR/tests/*.toml` for
/// each rules directory, and `--tests`.
fn test_files(args: &TestArgs) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    if args.paths.is_empty() {
        for (name, text) in DEFAULT_TESTS {
            let origin = PathBuf::from(format!("<embedded:rules/tests/{name}>"));
            files.push((origin, text.to_string()));
        }
    }
    let beside = args
        .paths
        .iter()
        .filter(|p| p.is_dir())
        .map(|p| p.join("tests"));
    let dirs: Vec<PathBuf> = beside.filter(|p| p.is_dir()).collect();
    for path in dirs.iter().chain(&args.tests) {
        for file in csirt_tagger::rules::toml_files(path)? {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            files.push((file, text));
        }
    }
    Ok(files)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    #[serde(default)]
    test: Vec<Spanned<TestCase>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestCase {
    title: Option<String>,
    #[serde(default)]
    text: String,
    #[serde(default)]
    services: Vec<String>,
    primary: Option<String>,
    #[serde(default)]
    not: Vec<String>,
    #[allow(dead_code)] // read for documentation only
    note: Option<String>,
}

/// Runs the cases of one test file. A file that does not parse, or names an unknown service,
/// is an error: a test that cannot run must not pass silently.
fn test_file_cases(
    tagger: &Tagger,
    text: &str,
    origin: &Path,
    outcome: &mut Results,
) -> anyhow::Result<()> {
    let file: TestFile = toml::from_str(text).map_err(|e| {
        let at = e.span().map_or_else(
            || Location::file(origin),
            |s| Location::at_offset(origin, text, s.start),
        );
        anyhow::anyhow!("{at}: error: {}", e.message())
    })?;
    let catalog = tagger.catalog();
    let lines = LineIndex::new(origin, text);
    for case in file.test {
        let at = lines.at(case.span().start);
        let case = case.into_inner();
        let resolve = |key: &str| -> anyhow::Result<EntryId> {
            let id = catalog
                .resolve(key)
                .map_err(|e| anyhow::anyhow!("{at}: error: {e}"))?;
            catalog
                .service_of(id)
                .ok_or_else(|| anyhow::anyhow!("{at}: error: `{key}` is an area, not a service"))
        };
        let must: Vec<EntryId> = case
            .services
            .iter()
            .map(|s| resolve(s))
            .collect::<Result<_, _>>()?;
        let must_not: Vec<EntryId> = case
            .not
            .iter()
            .map(|s| resolve(s))
            .collect::<Result<_, _>>()?;
        let primary = case.primary.as_deref().map(resolve).transpose()?;
        if case.text.trim().is_empty() && case.title.as_deref().is_none_or(|t| t.trim().is_empty())
        {
            anyhow::bail!("{at}: error: a test needs a `text` or a `title`");
        }
        let ticket = Ticket::from_text(case.title.as_deref(), &case.text);
        let explanation = tagger.explain(&ticket);
        let tags: Vec<EntryId> = explanation
            .tagging
            .services
            .iter()
            .map(|s| s.service)
            .collect();
        let mut problems: Vec<String> = Vec::new();
        let label = |ids: &[EntryId]| -> String {
            let v: Vec<&str> = ids.iter().map(|&i| catalog.entry(i).id.as_str()).collect();
            v.join(", ")
        };
        let missing: Vec<EntryId> = must.iter().copied().filter(|s| !tags.contains(s)).collect();
        if !missing.is_empty() {
            problems.push(format!("missing {}", label(&missing)));
        }
        let extra: Vec<EntryId> = must_not
            .iter()
            .copied()
            .filter(|s| tags.contains(s))
            .collect();
        if !extra.is_empty() {
            problems.push(format!("tagged {} but must not be", label(&extra)));
        }
        if let Some(p) = primary {
            if explanation.tagging.primary() != Some(p) {
                problems.push(format!("primary should be {}", catalog.entry(p).id));
            }
        }
        if problems.is_empty() {
            outcome.passed += 1;
            continue;
        }
        let mut lines: Vec<String> = explanation
            .rules
            .iter()
            .map(|r| {
                let outcome = match r.outcome {
                    Outcome::Fired => "fired",
                    Outcome::Vetoed => "vetoed",
                    Outcome::Incomplete => "incomplete",
                };
                let words: Vec<String> = r
                    .matches
                    .iter()
                    .chain(&r.vetoed_by)
                    .map(|m| format!("{}={:?}", m.pattern, m.text))
                    .collect();
                format!(
                    "{outcome} {} -> {} ({}): {}",
                    r.id,
                    r.service,
                    r.at,
                    words.join(", ")
                )
            })
            .collect();
        if lines.is_empty() {
            lines.push("no rule has a word in this text".into());
        }
        for s in &explanation.services {
            lines.push(format!(
                "service {}: score {} / threshold {}{}",
                s.id,
                s.score,
                s.threshold,
                if s.tagged { " (tagged)" } else { "" }
            ));
        }
        lines.push(format!("tags: [{}]", label(&tags)));
        outcome.failures.push(Failure {
            at: at.to_string(),
            message: problems.join("; "),
            text: case.text,
            explanation: lines,
        });
    }
    Ok(())
}
