//! The `csirt-tagger` binary: parse the command line, run, map the outcome to an exit code.
//!
//! Everything that knows about argv lives in [`cli`]; the work is done by the library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    tune_malloc();
    cli::main(cli::Cli::parse())
}

/// Two settings of glibc's allocator, each unless its environment variable is set
/// (`MALLOC_ARENA_MAX`, `MALLOC_TOP_PAD_`), measured in BENCHMARKS.md:
/// - glibc gives each new thread that allocates an arena of its own, up to eight per core,
///   and keeps what is freed in it. Our workers allocate little once warm, so the extra
///   arenas only hold freed memory: with two, `tag`'s peak on 100k Jira tickets falls from
///   211 to 182 MiB at the same speed.
/// - An arena grows by what each allocation needs, and every step is a system call that
///   takes the process's memory map lock: start-up, reading the compiled rules and the
///   examples' model on two threads, spent a fifth of its time there. Growing (and keeping,
///   when trimming) 16 MiB at a time makes one ticket's run 0.86 times as long and the
///   100k tickets' 0.93, their peak no higher.
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: called first thing in main, before any other thread exists; mallopt only
        // sets how arenas are created and grown from now on.
        if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
            unsafe {
                libc::mallopt(libc::M_ARENA_MAX, 2);
            }
        }
        if std::env::var_os("MALLOC_TOP_PAD_").is_none() {
            unsafe {
                libc::mallopt(libc::M_TOP_PAD, 16 << 20);
            }
        }
    }
}
