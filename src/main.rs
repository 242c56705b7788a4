//! The `csirt-tagger` binary: parse the command line, run, map the outcome to an exit code.
//!
//! Everything that knows about argv lives in [`cli`]; the work is done by the library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    limit_malloc_arenas();
    cli::main(cli::Cli::parse())
}

/// glibc gives each new thread that allocates an arena of its own, up to eight per core, and
/// keeps what is freed in it. Our workers allocate little once warm, so the extra arenas only
/// hold freed memory: with two, `tag`'s peak on 100k Jira tickets falls from 211 to 182 MiB
/// at the same speed (BENCHMARKS.md). `MALLOC_ARENA_MAX`, when set, still decides.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: called first thing in main, before any other thread exists; mallopt only
        // sets a limit on arenas created from now on.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}
