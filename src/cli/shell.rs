//! `completions` and `man`: what a shell and `man` need, generated from the command-line
//! definition itself (clap_complete, clap_mangen), so they never drift from `--help`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::CommandFactory;

use super::{Cli, GlobalArgs};

/// `completions SHELL`.
///
/// Examples:
///   csirt-tagger completions bash > ~/.local/share/bash-completion/completions/csirt-tagger
///   csirt-tagger completions zsh > ~/.zfunc/_csirt-tagger
///   csirt-tagger completions fish > ~/.config/fish/completions/csirt-tagger.fish
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `man`.
///
/// Example:
///   csirt-tagger man -o ~/.local/share/man/man1 && man csirt-tagger-report
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ManArgs {
    /// Directory to write the pages into (created if missing) [default: print csirt-tagger.1
    /// on stdout].
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
}

/// Prints the completion script of `args.shell` on stdout.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut command = Cli::command();
    // Into memory first: clap_complete panics on a write error, and `| head` is none.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "csirt-tagger", &mut script);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &script)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the main man page, or writes every page into a directory.
pub fn man(global: &GlobalArgs, args: ManArgs) -> anyhow::Result<ExitCode> {
    let command = Cli::command();
    let Some(dir) = args.output else {
        let mut out = std::io::stdout().lock();
        clap_mangen::Man::new(command).render(&mut out)?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clap_mangen::generate_to(command, &dir)
        .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
    if !global.quiet {
        eprintln!("wrote the man pages into {}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}
