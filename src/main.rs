//! The `csirt-tagger` binary: parse the command line, run, map the outcome to an exit code.
//!
//! Everything that knows about argv lives in [`cli`]; the work is done by the library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    cli::main(cli::Cli::parse())
}
