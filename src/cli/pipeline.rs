//! Reading inputs for the commands that tag (`tag`, `report`, `evaluate`): one reader thread
//! parses while the caller tags on the rayon pool, batches in input order, diagnostics printed
//! as they come, rejects written, a progress bar on a terminal.
//!
//! Why a thread: parsing a CSV is sequential, tagging is not. With the reader one batch ahead,
//! parsing overlaps tagging instead of leaving the other cores idle while it runs.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use csirt_tagger::import::{
    Counts, ImportOptions, Reader, Reject, RejectWriter, SourceInfo, Ticket,
};
use csirt_tagger::{Diagnostic, Diagnostics, Error};
use indicatif::{ProgressBar, ProgressStyle};

/// Tickets per batch: large enough to keep every thread busy, small enough that memory stays
/// flat (a batch of long tickets is a few megabytes).
pub const BATCH: usize = 2048;

/// Batches the reader may run ahead of the tagger.
const AHEAD: usize = 2;

/// What the reader thread sends.
enum Message {
    /// The input is open; its flavour and mapping are decided.
    Start(Box<SourceInfo>),
    /// Tickets and rejects, in input order, with the diagnostics found while reading them.
    Batch(Vec<Ticket>, Vec<Reject>, Vec<Diagnostic>),
    /// The input is read; final counts and the source as finally understood.
    End(Counts, Box<SourceInfo>, Diagnostics),
    /// Reading failed (an I/O error, or any problem under `--strict`).
    Failed(Error),
}

/// How a command wants its inputs read.
pub struct Inputs<'a> {
    /// The files (`-` is stdin).
    pub paths: &'a [PathBuf],
    /// Mapping and format options.
    pub options: &'a ImportOptions,
    /// `--strict`.
    pub strict: bool,
    /// `--rejects FILE`, opened.
    pub rejects: Option<RejectWriter>,
    /// Print nothing but errors.
    pub quiet: bool,
    /// Print every diagnostic (otherwise the first [`SHOWN`] of each input, then a count).
    pub verbose: bool,
}

/// Diagnostics printed per input without `--verbose`: enough to see what is wrong, few enough
/// that a file that is no export does not scroll the terminal for pages.
pub const SHOWN: usize = 20;

/// What was read, over all inputs.
#[derive(Debug, Default)]
pub struct ReadSummary {
    /// Each input as understood, with its counts.
    pub sources: Vec<(SourceInfo, Counts)>,
    /// Warnings recorded (printed as they came).
    pub warnings: u64,
}

impl ReadSummary {
    /// Counts over every input.
    pub fn total(&self) -> Counts {
        let mut total = Counts::default();
        for (_, c) in &self.sources {
            total.read += c.read;
            total.tickets += c.tickets;
            total.rejected += c.rejected;
            total.bytes += c.bytes;
        }
        total
    }

    /// An error when rows were read but every one was rejected: not an export this tool can
    /// read (a README, a report, a spreadsheet saved in another format).
    pub fn nothing_read(&self) -> Option<anyhow::Error> {
        let total = self.total();
        (total.tickets == 0 && total.rejected > 0).then(|| {
            anyhow::anyhow!(
                "no ticket could be read: all {} row(s) were rejected (see above). Is it a \
                 ticket export? `csirt-tagger inspect FILE` shows how it was understood; \
                 --id-col, --title-col and --text-cols map its columns",
                total.rejected
            )
        })
    }
}

/// What [`read_inputs`] hands to its caller, in input order.
pub enum Event<'a> {
    /// A source before its first batch (to write a header, or refuse it).
    Start(&'a SourceInfo),
    /// A batch of tickets with the source it came from.
    Batch(&'a SourceInfo, &'a [Ticket]),
}

/// Reads every input in order and hands each source and batch to `on_event`.
pub fn read_inputs(
    mut inputs: Inputs<'_>,
    mut on_event: impl FnMut(Event<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<ReadSummary> {
    let mut summary = ReadSummary::default();
    let progress = progress_bar(inputs.quiet);
    for (index, path) in inputs.paths.iter().enumerate() {
        let options = inputs.options.clone();
        let strict = inputs.strict;
        let (tx, rx) = mpsc::sync_channel::<Message>(AHEAD);
        let path_for_thread = path.clone();
        let reader =
            std::thread::spawn(move || read_one(&path_for_thread, index, &options, strict, &tx));
        let mut current: Option<SourceInfo> = None;
        let mut shown = 0usize;
        let mut hidden = 0usize;
        let outcome = (|| -> anyhow::Result<()> {
            for message in rx.iter() {
                super::interrupt::check()?;
                match message {
                    Message::Start(info) => {
                        if !inputs.quiet {
                            for w in &info.caveats {
                                progress.suspend(|| {
                                    eprintln!(
                                        "{}: warning: {}",
                                        info.path.display(),
                                        super::term::sanitize_lines(w)
                                    )
                                });
                            }
                        }
                        on_event(Event::Start(&info))?;
                        current = Some(*info);
                    }
                    Message::Batch(tickets, rejects, diags) => {
                        let room = if inputs.verbose {
                            diags.len()
                        } else {
                            SHOWN.saturating_sub(shown).min(diags.len())
                        };
                        print_diagnostics(&progress, &diags[..room], inputs.quiet);
                        shown += room;
                        hidden += diags.len() - room;
                        if let Some(w) = inputs.rejects.as_mut() {
                            for r in &rejects {
                                w.write(r)?;
                            }
                        }
                        let info = current
                            .as_ref()
                            .context("the reader sent a batch before its source")?;
                        on_event(Event::Batch(info, &tickets))?;
                        progress.inc(tickets.len() as u64 + rejects.len() as u64);
                    }
                    Message::End(counts, info, diags) => {
                        if !inputs.quiet {
                            progress.suspend(|| {
                                if hidden > 0 {
                                    eprintln!(
                                        "{}: {hidden} more warnings and errors not shown \
                                         (-v shows them all; --rejects FILE keeps the rejected \
                                         rows)",
                                        info.path.display()
                                    );
                                }
                                eprintln!("{}", info.summary(&counts).trim_end())
                            });
                        }
                        summary.warnings += diags.warnings();
                        summary.sources.push((*info, counts));
                    }
                    Message::Failed(err) => return Err(err.into()),
                }
            }
            // The reader also stops on a signal, without its `End`: never take that for the end.
            super::interrupt::check()
        })();
        // Dropping the receiver unblocks a reader still sending after an error.
        drop(rx);
        let joined = reader.join();
        outcome?;
        if joined.is_err() {
            anyhow::bail!("{}: the reader stopped unexpectedly", path.display());
        }
    }
    progress.finish_and_clear();
    if let Some(w) = inputs.rejects.take() {
        w.finish()?;
    }
    Ok(summary)
}

fn read_one(
    path: &std::path::Path,
    index: usize,
    options: &ImportOptions,
    strict: bool,
    tx: &mpsc::SyncSender<Message>,
) {
    let mut reader = match Reader::open(path, index, options) {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.send(Message::Failed(e));
            return;
        }
    };
    if tx
        .send(Message::Start(Box::new(reader.info().clone())))
        .is_err()
    {
        return;
    }
    let mut diags = Diagnostics::new(strict);
    loop {
        let (mut tickets, mut rejects) = (Vec::with_capacity(BATCH), Vec::new());
        if super::interrupt::signal().is_some() {
            return; // the caller stops too
        }
        match reader.next_batch(BATCH, &mut tickets, &mut rejects, &mut diags) {
            Ok(0) => break,
            Ok(_) => {
                if tx
                    .send(Message::Batch(tickets, rejects, diags.drain()))
                    .is_err()
                {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.send(Message::Failed(e));
                return;
            }
        }
    }
    let counts = reader.counts();
    let mut info = reader.info().clone();
    info.content_sha256 = reader.content_sha256();
    let _ = tx.send(Message::End(counts, Box::new(info), diags));
}

fn print_diagnostics(progress: &ProgressBar, diags: &[Diagnostic], quiet: bool) {
    if quiet || diags.is_empty() {
        return;
    }
    progress.suspend(|| {
        for d in diags {
            eprintln!("{}", super::term::sanitize_lines(&d.to_string()));
        }
    });
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
