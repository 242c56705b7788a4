//! What the commands that tag (`tag`, `report`, `evaluate`, `coverage`) show while the
//! library's [`Pipeline`] reads: caveats and diagnostics on stderr as they come (the first
//! [`SHOWN`] per input unless `-v`), rejected rows to `--rejects`, a progress counter on a
//! terminal, and each input's summary line at its end.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use csirt_tagger::import::{Counts, Reject, RejectWriter, SourceInfo};
use csirt_tagger::pipeline::{Pipeline, ReadSummary, Sink, Watch};
use csirt_tagger::Diagnostic;
use indicatif::{ProgressBar, ProgressStyle};

/// Diagnostics printed per input without `--verbose`: enough to see what is wrong, few enough
/// that a file that is no export does not scroll the terminal for pages.
pub const SHOWN: usize = 20;

/// How a command wants its reading shown.
pub struct Shown {
    /// Print nothing but errors.
    pub quiet: bool,
    /// Print every diagnostic (otherwise the first [`SHOWN`] of each input, then a count).
    pub verbose: bool,
    /// `--rejects FILE`, opened.
    pub rejects: Option<RejectWriter>,
}

impl Shown {
    /// What the command line asks for: `-q`, `-v`, and the `--rejects` file opened.
    pub fn new(global: &super::GlobalArgs, rejects: Option<RejectWriter>) -> Shown {
        Shown {
            quiet: global.quiet,
            verbose: global.verbose,
            rejects,
        }
    }
}

/// Runs `pipeline` over `paths` into `sinks`, showing its reading as `shown` says; the
/// rejects file is finished (committed) when the whole run succeeded.
pub fn run(
    pipeline: &Pipeline<'_>,
    paths: &[PathBuf],
    sinks: &mut [&mut dyn Sink],
    shown: Shown,
) -> anyhow::Result<ReadSummary> {
    let mut watch = Terminal {
        progress: progress_bar(shown.quiet),
        quiet: shown.quiet,
        verbose: shown.verbose,
        rejects: shown.rejects,
        shown: 0,
        hidden: 0,
    };
    let summary = pipeline.run(paths, sinks, &mut watch)?;
    watch.progress.finish_and_clear();
    if let Some(w) = watch.rejects.take() {
        w.finish()?;
    }
    Ok(summary)
}

/// The [`Watch`] of the command line.
struct Terminal {
    progress: ProgressBar,
    quiet: bool,
    verbose: bool,
    rejects: Option<RejectWriter>,
    /// Diagnostics of the current input printed, and held back.
    shown: usize,
    hidden: usize,
}

impl Watch for Terminal {
    fn opened(&mut self, source: &SourceInfo) {
        (self.shown, self.hidden) = (0, 0);
        if self.quiet {
            return;
        }
        for w in &source.caveats {
            self.progress.suspend(|| {
                eprintln!(
                    "{}: warning: {}",
                    source.path.display(),
                    super::term::sanitize_lines(w)
                )
            });
        }
    }

    fn read(
        &mut self,
        _source: &SourceInfo,
        tickets: usize,
        rejects: &[Reject],
        diagnostics: &[Diagnostic],
    ) -> csirt_tagger::Result<()> {
        let room = if self.verbose {
            diagnostics.len()
        } else {
            SHOWN.saturating_sub(self.shown).min(diagnostics.len())
        };
        if !self.quiet && room > 0 {
            self.progress.suspend(|| {
                for d in &diagnostics[..room] {
                    eprintln!("{}", super::term::sanitize_lines(&d.to_string()));
                }
            });
        }
        self.shown += room;
        self.hidden += diagnostics.len() - room;
        if let Some(w) = self.rejects.as_mut() {
            for r in rejects {
                w.write(r)?;
            }
        }
        self.progress.inc((tickets + rejects.len()) as u64);
        Ok(())
    }

    fn closed(&mut self, source: &SourceInfo, counts: &Counts) {
        if self.quiet {
            return;
        }
        let hidden = self.hidden;
        self.progress.suspend(|| {
            if hidden > 0 {
                eprintln!(
                    "{}: {hidden} more warnings and errors not shown (-v shows them all; \
                     --rejects FILE keeps the rejected rows)",
                    source.path.display()
                );
            }
            eprintln!("{}", source.summary(counts).trim_end())
        });
    }
}

/// A ticket counter with a rate on stderr when it is a terminal; hidden otherwise.
fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {human_pos} tickets read ({per_sec}, {elapsed})")
            .expect("the progress template is valid"),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
