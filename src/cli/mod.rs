//! The command line: clap structs, one file per subcommand. The only code that sees argv.

mod inspect;
mod services;
pub mod term;

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
    /// Show how an export is understood: flavour, encoding, columns, dates, first tickets.
    Inspect(inspect::InspectArgs),
}

/// Runs the command and maps the outcome to an exit code: 0 done, 1 error (2 is clap's, for
/// usage errors).
pub fn main(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Services(args) => services::run(&cli.global, args),
        Command::Inspect(args) => inspect::run(&cli.global, args),
    };
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS, // `| head` is no failure
        Err(err) => {
            eprintln!("csirt-tagger: error: {err:#}"); // {:#}: the whole cause chain
            ExitCode::FAILURE
        }
    }
}

/// Whether the error is a write to a closed pipe (the reader of our output went away).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
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
}
