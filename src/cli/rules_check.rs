//! `csirt-tagger rules check`: load the rules as `tag` would, compile them, lint them, and
//! report every problem as `file:line:col: error|warning: message` with a hint, like rustc.
//!
//! Errors come from the loader and the compiler (TOML syntax, unknown keys or services,
//! invalid regexes, duplicate ids, empty rules...); warnings from [`csirt_tagger::rules::lint`].
//! The catalog the rules name is loaded first, so a broken catalog fails here too.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use csirt_tagger::rules::lint::lint;
use csirt_tagger::{Diagnostic, Diagnostics, Location, Severity};

use super::catalog_args::load_catalog;
use super::rules_args::load_rules;
use super::rules_args::LimitArgs;
use super::GlobalArgs;

/// `rules check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Rules files or directories [default: the rules embedded in the binary].
    pub paths: Vec<PathBuf>,
    /// Output: text (`file:line:col: error: message`), or json (`{"schema": 1, "errors",
    /// "warnings", "diagnostics": [{"severity", "at": {"path", "line", "column"}, "message",
    /// "hint"}]}`).
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Bounds on what the rules may cost.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Output formats of `rules check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// For people and editors that read `file:line:col`.
    Text,
    /// For programs.
    Json,
}

/// Runs `rules check`: exit 1 when there is an error (or a warning, with --deny-warnings).
pub fn run(global: &GlobalArgs, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(global)?;
    let mut diags = Diagnostics::default();
    let builder = load_rules(&catalog, &args.paths, &args.limits, &mut diags)?;
    let mut found: Vec<Diagnostic> = diags.drain();
    match builder.build() {
        // Lints run on the rules that compiled: a rule with an error is already reported.
        Ok(matcher) => found.extend(lint(&matcher, &catalog)),
        Err(csirt_tagger::Error::Invalid { at, message, hint }) => found.push(Diagnostic {
            severity: Severity::Error,
            at,
            message,
            hint: Some(hint),
        }),
        Err(e) => found.push(Diagnostic {
            severity: Severity::Error,
            at: Location::file("<rules>"),
            message: e.to_string(),
            hint: None,
        }),
    }
    let errors = found
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = found.len() - errors;
    let mut out = std::io::stdout().lock();
    match args.format {
        CheckFormat::Json => {
            let doc = serde_json::json!({
                "schema": 1,
                "errors": errors,
                "warnings": warnings,
                "diagnostics": found,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        CheckFormat::Text => {
            for d in &found {
                writeln!(out, "{}", super::term::sanitize_lines(&d.to_string()))?;
            }
            if !global.quiet {
                let rules = if args.paths.is_empty() {
                    "the embedded rules".to_string()
                } else {
                    let names: Vec<String> =
                        args.paths.iter().map(|p| p.display().to_string()).collect();
                    names.join(", ")
                };
                eprintln!("{rules}: {errors} error(s), {warnings} warning(s)");
            }
        }
    }
    let failed = errors > 0 || (args.deny_warnings && warnings > 0);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
