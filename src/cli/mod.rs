//! The command line: clap structs, one file per subcommand. The only code that sees argv.

mod catalog_args;
mod coverage;
mod evaluate;
mod evaluate_output;
mod examples;
mod explain;
mod import_args;
mod inspect;
mod interrupt;
mod outputs;
mod pipeline;
mod report;
mod report_args;
mod review;
mod rules;
mod rules_args;
mod rules_check;
mod rules_suggest;
mod rules_test;
mod services;
mod shell;
mod size;
mod tag;
pub mod term;
mod threads;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Tag security-incident tickets with the FIRST CSIRT services they exercise, and report the
/// workload per service.
#[derive(Debug, Parser)]
#[command(name = "csirt-tagger", version, about, long_about = None)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Services catalog: an embedded name (csirt-2.1, psirt-1.1, rsit) or a TOML file.
    #[arg(
        long,
        global = true,
        value_name = "NAME|PATH",
        default_value = "csirt-2.1"
    )]
    pub catalog: String,
    /// Print timings and what was loaded on stderr.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Print nothing on stderr but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the services of the catalog, or search them.
    Services(services::ServicesArgs),
    /// Tag every ticket of one or more exports with the services it exercises.
    Tag(tag::TagArgs),
    /// Show how an export is understood: flavour, encoding, columns, dates, first tickets.
    Inspect(inspect::InspectArgs),
    /// Report the workload per service (table, CSV, JSON, Markdown or HTML), or merge reports.
    Report(report::ReportArgs),
    /// Explain how a ticket or a text is tagged: rules, words, fields, scores, thresholds.
    Explain(explain::ExplainArgs),
    /// Work with rules files (`rules init DIR` writes the default rules out to tune).
    Rules(rules::RulesCommandArgs),
    /// Score the rules against gold labels: precision, recall, F1, primary accuracy, mistakes.
    Evaluate(evaluate::EvaluateArgs),
    /// Show how the rules cover an export: coverage, overlaps, conflicts, candidate keywords.
    Coverage(coverage::CoverageArgs),
    /// Write labelled tickets as an examples file for the index fallback (`--examples`).
    Examples(examples::ExamplesArgs),
    /// Draw a sample of tagged tickets to label (random and targeted parts), as a labels CSV.
    Review(review::ReviewArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(shell::CompletionsArgs),
    /// Write the man pages: csirt-tagger.1 and one per command (csirt-tagger-tag.1, ...).
    Man(shell::ManArgs),
}

/// Runs the command and maps the outcome to an exit code: 0 done, 1 error (2 is clap's, for
/// usage errors), 128 + the signal's number when interrupted (130 for Ctrl-C).
pub fn main(cli: Cli) -> ExitCode {
    interrupt::install();
    let result = match cli.command {
        Command::Services(args) => services::run(&cli.global, args),
        Command::Tag(args) => tag::run(&cli.global, args),
        Command::Inspect(args) => inspect::run(&cli.global, args),
        Command::Report(args) => report::run(&cli.global, args),
        Command::Explain(args) => explain::run(&cli.global, args),
        Command::Rules(args) => rules::run(&cli.global, args),
        Command::Evaluate(args) => evaluate::run(&cli.global, args),
        Command::Coverage(args) => coverage::run(&cli.global, args),
        Command::Examples(args) => examples::run(&cli.global, args),
        Command::Review(args) => review::run(&cli.global, args),
        Command::Completions(args) => shell::completions(args),
        Command::Man(args) => shell::man(&cli.global, args),
    };
    match result {
        Ok(code) => {
            rules_args::after_run(&cli.global);
            code
        }
        // Stopped by a signal (or failed because of it, e.g. a refused commit): its code.
        Err(_) if interrupt::signal().is_some() => {
            eprintln!("csirt-tagger: interrupted");
            interrupt::exit_code(interrupt::signal().unwrap_or(2))
        }
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS, // `| head` is no failure
        Err(err) => {
            eprintln!(
                "csirt-tagger: error: {}",
                term::sanitize_lines(&describe(&err))
            );
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, joined with `: ` like `{:#}`, but a cause its parent already
/// ends with is said once (`Error::Io` shows its OS error and also has it as its source).
pub fn describe(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        // The library says `FILE:LINE: error: ...` (as a diagnostic does); under the
        // `csirt-tagger: error:` prefix the second `error:` is one too many.
        let cause = match cause.downcast_ref::<csirt_tagger::Error>() {
            Some(csirt_tagger::Error::Invalid { at, message, hint }) => {
                format!("{at}: {message}\n  hint: {hint}")
            }
            _ => cause.to_string(),
        };
        if text.ends_with(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}

/// Whether the error is a write to a closed pipe (the reader of our output went away).
/// csv's errors do not expose the I/O error as their source: looked at apart.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == BrokenPipe)
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|e| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe))
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(BrokenPipe))
            || matches!(
                cause.downcast_ref::<csirt_tagger::Error>(),
                Some(csirt_tagger::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// One name for each thing across commands: the exports read are EXPORT, the file written
    /// is `-o/--output`, the output format is `--format`.
    #[test]
    fn every_command_names_its_input_output_and_format_alike() {
        fn walk(command: &clap::Command, path: &str, seen: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                let at = format!("{path} {id}");
                if arg.is_positional() && (id == "inputs" || id == "input") {
                    let names: Vec<&str> = arg
                        .get_value_names()
                        .unwrap_or_default()
                        .iter()
                        .map(|n| n.as_str())
                        .collect();
                    assert_eq!(names, ["EXPORT"], "{at}");
                    seen.push(path.to_string());
                }
                if arg.get_long() == Some("output") {
                    assert_eq!(arg.get_short(), Some('o'), "{at}");
                }
                // (`--date-format` says how to read dates: an input option.)
                assert!(
                    !(arg
                        .get_long()
                        .is_some_and(|l| l.ends_with("-format") && l != "date-format")),
                    "{at}: output formats are --format"
                );
            }
            for sub in command.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), seen);
            }
        }
        let mut seen = Vec::new();
        walk(&Cli::command(), "csirt-tagger", &mut seen);
        for command in [
            "tag", "report", "inspect", "evaluate", "coverage", "examples", "explain",
        ] {
            assert!(
                seen.contains(&format!("csirt-tagger {command}")),
                "{command}: {seen:?}"
            );
        }
        // Every command that tags many tickets takes -j, and it holds there.
        for command in ["tag", "report", "evaluate", "coverage"] {
            let sub = Cli::command();
            let sub = sub.find_subcommand(command).unwrap();
            assert!(
                sub.get_arguments().any(|a| a.get_short() == Some('j')),
                "{command} has no -j"
            );
        }
        // Every command that writes a document takes -o.
        let cli = Cli::command();
        for command in [
            "tag", "report", "inspect", "evaluate", "coverage", "examples", "explain", "services",
        ] {
            let sub = cli.find_subcommand(command).unwrap();
            assert!(
                sub.get_arguments().any(|a| a.get_short() == Some('o')),
                "{command} has no -o"
            );
        }
    }

    /// Splits a shell command line into words: quotes group, `\\` escapes; no expansion.
    fn shell_words(line: &str) -> Vec<String> {
        let (mut words, mut word, mut quote, mut any) = (Vec::new(), String::new(), None, false);
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match (quote, c) {
                (None, '\'' | '"') => {
                    quote = Some(c);
                    any = true;
                }
                (Some(q), c) if c == q => quote = None,
                (None, '\\') => word.extend(chars.next()),
                (None, c) if c.is_whitespace() => {
                    if any || !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                    any = false;
                }
                (_, c) => word.push(c),
            }
        }
        if any || !word.is_empty() {
            words.push(word);
        }
        words
    }

    /// Every `csirt-tagger ...` command in the shell blocks of the README and docs/ parses
    /// (before: docs/tuning.md gave `--compare` to `coverage`, which has none).
    #[test]
    fn every_command_in_the_docs_is_one_the_tool_takes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("README.md")];
        for entry in std::fs::read_dir(root.join("docs")).unwrap() {
            files.push(entry.unwrap().path());
        }
        let mut checked = 0;
        for file in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "md"))
        {
            let text = std::fs::read_to_string(file).unwrap();
            let mut in_shell = false;
            let mut pending = String::new();
            for (n, line) in text.lines().enumerate() {
                let fence = line.trim_start();
                if fence.starts_with("```") {
                    in_shell = !in_shell && fence.trim_start_matches('`').starts_with("sh");
                    continue;
                }
                if !in_shell {
                    continue;
                }
                // Continuation lines join; comments and what follows a pipe or redirection go.
                pending.push_str(line.trim_end().trim_end_matches('\\'));
                pending.push(' ');
                if line.trim_end().ends_with('\\') {
                    continue;
                }
                let command = std::mem::take(&mut pending);
                // Comments go; each command of a pipeline or `&&` chain that runs the tool is
                // checked, up to a redirection.
                let command = command.split(" #").next().unwrap();
                for part in command.split("&&").flat_map(|c| c.split('|')) {
                    let part = part.split(['>', '<']).next().unwrap().trim();
                    if !part.starts_with("csirt-tagger ") {
                        continue;
                    }
                    let words = shell_words(part);
                    if let Err(e) = Cli::try_parse_from(&words) {
                        panic!(
                            "{}:{}: `{part}` does not parse:\n{e}",
                            file.display(),
                            n + 1
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 30, "only {checked} commands found");
    }

    /// What users install carries no debug info (it was 102 MB with it, 18 MB without);
    /// `--profile profiling` keeps it for perf and heaptrack.
    #[test]
    fn the_release_build_has_no_debug_info_and_the_profiling_build_has() {
        let manifest = include_str!("../../Cargo.toml");
        let doc: toml::Table = toml::from_str(manifest).unwrap();
        let profile = |name: &str| doc["profile"][name].as_table().cloned().unwrap_or_default();
        let release = profile("release");
        assert!(
            matches!(
                release.get("debug"),
                Some(toml::Value::Boolean(false)) | None
            ),
            "{release:?}"
        );
        assert_eq!(
            release.get("strip").and_then(|v| v.as_str()),
            Some("debuginfo")
        );
        let profiling = profile("profiling");
        assert_eq!(
            profiling.get("inherits").and_then(|v| v.as_str()),
            Some("release")
        );
        assert!(profiling
            .get("debug")
            .is_some_and(|d| d.as_integer() == Some(1)));
    }

    #[test]
    fn an_io_error_says_its_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let err =
            anyhow::Error::from(csirt_tagger::Error::io("a.csv", io)).context("--rules a.csv");
        assert_eq!(describe(&err), "--rules a.csv: a.csv: No such file");
    }

    #[test]
    fn a_located_error_says_error_once() {
        let at = csirt_tagger::Location::file("a.toml");
        let err = anyhow::Error::from(csirt_tagger::Error::invalid(at, "bad", "fix it"));
        assert_eq!(describe(&err), "a.toml: bad\n  hint: fix it");
    }
}
