//! `-j/--threads`: how many worker threads tag, for every command that tags.

use anyhow::Context;

/// A rayon pool of `threads` (all cores when not given). Commands run their tagging inside it
/// (`pool.install`), so `-j` holds for every parallel step, not only some.
pub fn thread_pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        anyhow::ensure!(n > 0, "--threads must be at least 1");
        builder = builder.num_threads(n);
    }
    builder
        .build()
        .context("could not start the worker threads")
}
