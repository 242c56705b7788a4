//! `csirt-tagger inspect`: what the tool understood of an export.

use std::path::PathBuf;
use std::process::ExitCode;

use super::GlobalArgs;

/// Show how an export is understood: flavour, encoding, delimiter, column mapping, date and
/// duration formats, and the first tickets as parsed.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Ticket export (CSV or TSV); `-` reads stdin.
    pub input: PathBuf,
}

/// Runs `inspect`.
pub fn run(_global: &GlobalArgs, args: InspectArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "inspect {}: the import module is being written",
        args.input.display()
    )
}
