//! The tagging pipeline: exports read on a thread of their own, tickets tagged in batches on a
//! rayon pool, the tagged batches handed in input order to sinks.
//!
//! ```text
//! paths --reader thread--> batches --pool: Tagger::tag per ticket--> Batch --in order--> sinks
//!            | opened, diagnostics, rejects, counts                                    (tagged CSV/JSONL,
//!            v                                                                          workload recorder,
//!          Watch (progress, printing, --rejects)                                        evaluator, coverage,
//!                                                                                       your own)
//! ```
//!
//! Every command that tags (`tag`, `report`, `evaluate`, `coverage`) runs on [`Pipeline`]; what
//! they differ in is their sinks. Why a reader thread: parsing a CSV is sequential, tagging is
//! not; with the reader a batch ahead, parsing overlaps tagging instead of leaving the
//! other cores idle while it runs. Each worker keeps its own matching scratch
//! ([`Tagger::tag`]), so tagging allocates nothing per ticket but its result.
//!
//! # `tag --report` in a few lines
//!
//! ```
//! use csirt_tagger::catalog::Catalog;
//! use csirt_tagger::output::tagged::TaggedFormat;
//! use csirt_tagger::pipeline::{Pipeline, Quiet, Recorder, TaggedWriter};
//! use csirt_tagger::report::{Format, ReportOptions};
//! use csirt_tagger::rules::RuleSetBuilder;
//! use csirt_tagger::stats::WorkloadOptions;
//! use csirt_tagger::tag::Tagger;
//! use csirt_tagger::Diagnostics;
//!
//! let catalog = Catalog::default_embedded();
//! let mut rules = RuleSetBuilder::new(&catalog);
//! rules.add_defaults(&mut Diagnostics::default());
//! let matcher = rules.build()?;
//! let tagger = Tagger::new(catalog, matcher)?;
//!
//! let exports = ["fixtures/exports/jira/all-fields.csv".into()];
//! let mut tagged = TaggedWriter::new(&tagger, TaggedFormat::Csv, Vec::new(), "<memory>");
//! let mut recorder = Recorder::new(WorkloadOptions::default(), tagger.catalog());
//! let read = Pipeline::new(&tagger).run(&exports, &mut [&mut tagged, &mut recorder], &mut Quiet)?;
//!
//! let provenance = read.provenance(&tagger, &exports)?;
//! let options = ReportOptions { format: Format::Markdown, ..ReportOptions::default() };
//! let mut page = Vec::new();
//! csirt_tagger::report::render(&recorder.into_workload(), tagger.catalog(), &provenance, &options, &mut page)?;
//! assert!(String::from_utf8_lossy(&page).contains("Workload per service"));
//! assert!(tagged.into_inner()?.starts_with(b"Summary,Issue key,"));
//! # Ok::<(), csirt_tagger::Error>(())
//! ```

mod recorder;
mod sinks;
mod writer;

pub use recorder::Recorder;
pub use sinks::CoverageSink;
pub use writer::TaggedWriter;

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rayon::prelude::*;
use rayon::ThreadPool;

use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::import::{Counts, ImportOptions, Reader, Reject, SourceInfo, Ticket};
use crate::report::{Provenance, Stamp};
#[cfg(test)]
use crate::tag::Tagging;
use crate::tag::{DetailedTagging, Tagger};

/// Tickets per batch: large enough to keep every thread busy, small enough that memory stays
/// flat (a batch of long tickets is a few megabytes).
pub const BATCH: usize = 2048;

/// Batches the reader may hand over before the tagging takes them, beyond the one it holds
/// ready: none. Reading a batch costs about a hundredth of tagging it, so a reader one batch
/// ahead never keeps the workers waiting, and each batch queued was memory held for nothing:
/// two queued (as before) made the peak of 100,000 Jira tickets with `--report` 201.7 MiB
/// against 188.5 with none, for the same time (0.98, 3 alternating pairs; BENCHMARKS.md).
const AHEAD: usize = 0;

/// Tickets a worker takes at a time: enough that handing work out costs nothing next to the
/// matching, few enough that a batch still spreads over every thread.
const CHUNK: usize = 32;

/// What a sink needs of each ticket of a source. Ordered: the pipeline does what the most
/// demanding sink needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Needs {
    /// The tickets alone (a `report` of an export that `tag` wrote carries its tags).
    Tickets,
    /// Their tags.
    Tags,
    /// Their tags and where each word of the fired rules was found (JSON lines).
    Words,
}

/// Tickets of one source, in input order, with their tags.
pub struct Batch<'a> {
    /// The source the tickets come from.
    pub source: &'a SourceInfo,
    /// The tickets.
    pub tickets: &'a [Ticket],
    /// Their tags, in the same order; empty when no sink needed tags for this source
    /// ([`Needs::Tickets`]). The word hits are filled only under [`Needs::Words`].
    pub tagged: &'a [DetailedTagging],
    pool: Option<&'a ThreadPool>,
}

impl Batch<'_> {
    /// Runs `op` on the pipeline's thread pool, so that a sink's own parallel work (rendering
    /// rows, tagging with a second rule set) keeps to `-j`.
    pub fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        match self.pool {
            Some(pool) => pool.install(op),
            None => op(),
        }
    }
}

/// Where tagged tickets go: a tagged CSV, a workload, an evaluation, ... Called from the
/// pipeline's own thread, in input order.
pub trait Sink {
    /// A source is open (its flavour, columns and mapping decided), before its first batch;
    /// says what this sink needs of its tickets. An error stops the run (a CSV output that
    /// cannot take a second header, a `--by` column missing).
    fn start(&mut self, source: &SourceInfo) -> Result<Needs>;

    /// The next batch.
    fn batch(&mut self, batch: &Batch<'_>) -> Result<()>;
}

/// A sink made of what it needs and a closure over each batch.
pub struct ForEach<F>(pub Needs, pub F);

impl<F: FnMut(&Batch<'_>) -> Result<()>> Sink for ForEach<F> {
    fn start(&mut self, _source: &SourceInfo) -> Result<Needs> {
        Ok(self.0)
    }

    fn batch(&mut self, batch: &Batch<'_>) -> Result<()> {
        (self.1)(batch)
    }
}

/// What happens while reading, for a caller that shows it (a progress bar, warnings as they
/// come) or keeps it (rejected rows to a file). Every method does nothing by default.
pub trait Watch {
    /// A source is open; its flavour, mapping and caveats are decided.
    fn opened(&mut self, _source: &SourceInfo) {}

    /// Rows of `source` were read: `tickets` tickets, and the rows rejected and the problems
    /// found among them, in input order. An error stops the run.
    fn read(
        &mut self,
        _source: &SourceInfo,
        _tickets: usize,
        _rejects: &[Reject],
        _diagnostics: &[Diagnostic],
    ) -> Result<()> {
        Ok(())
    }

    /// `source` is read to its end (its content hash set, for stdin).
    fn closed(&mut self, _source: &SourceInfo, _counts: &Counts) {}
}

/// A [`Watch`] that shows nothing and keeps nothing.
pub struct Quiet;

impl Watch for Quiet {}

/// What was read, over all inputs.
#[derive(Debug, Default)]
pub struct ReadSummary {
    /// Each input as finally understood, with its counts, in the order given.
    pub sources: Vec<(SourceInfo, Counts)>,
    /// Warnings found while reading.
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
    pub fn nothing_read(&self) -> Option<Error> {
        let total = self.total();
        (total.tickets == 0 && total.rejected > 0).then(|| {
            Error::Usage(format!(
                "no ticket could be read: all {} row(s) were rejected (see above). Is it a \
                 ticket export? `csirt-tagger inspect FILE` shows how it was understood; \
                 --id-col, --title-col and --text-cols map its columns",
                total.rejected
            ))
        })
    }

    /// What a report of this run was made from: tool, catalog, the rules files `tagger` was
    /// built from (fingerprinted as they were read), and the inputs `paths` (with their ticket
    /// counts and time unit; stdin by the bytes it gave, so reports of two stdin inputs merge).
    pub fn provenance(&self, tagger: &Tagger, paths: &[PathBuf]) -> Result<Provenance> {
        let mut provenance = Provenance::new(tagger.catalog());
        provenance.rules = tagger
            .matcher()
            .sources()
            .iter()
            .map(|s| Stamp {
                name: s.origin.display().to_string(),
                sha256: s.sha256.clone(),
                tickets: None,
                time_unit: None,
            })
            .collect();
        for (path, (info, counts)) in paths.iter().zip(&self.sources) {
            let stamp = match &info.content_sha256 {
                Some(sha256) => Stamp {
                    name: "<stdin>".to_string(),
                    ..Stamp::of_bytes("", b"")
                }
                .with_sha256(sha256),
                None => Stamp::of_file(path)?,
            };
            let mut stamp = stamp.with_tickets(counts.tickets);
            stamp.time_unit = info
                .mapping
                .time_spent
                .and_then(|c| info.columns.get(c))
                .and_then(|c| c.duration.as_ref())
                .map(|d| d.describe());
            provenance.inputs.push(stamp);
        }
        Ok(provenance)
    }
}

/// Reads exports, tags their tickets and hands them to sinks. See the [module](self).
pub struct Pipeline<'a> {
    tagger: Option<&'a Tagger>,
    options: ImportOptions,
    strict: bool,
    pool: Option<&'a ThreadPool>,
    batch: usize,
}

/// What the reader thread sends.
enum Message {
    /// The input is open; its flavour and mapping are decided.
    Start(Box<SourceInfo>),
    /// Tickets and rejects, in input order, with the diagnostics found while reading them.
    Batch(Vec<Ticket>, Vec<Reject>, Vec<Diagnostic>),
    /// The input is read; final counts, the source as finally understood, its warnings.
    End(Counts, Box<SourceInfo>, u64),
    /// Reading failed (an I/O error, or any problem under `strict`).
    Failed(Error),
}

impl<'a> Pipeline<'a> {
    /// A pipeline that tags with `tagger`, reads with the default import options, works
    /// around bad rows (not strict) and tags on rayon's global pool.
    pub fn new(tagger: &'a Tagger) -> Pipeline<'a> {
        Pipeline {
            tagger: Some(tagger),
            options: ImportOptions::default(),
            strict: false,
            pool: None,
            batch: BATCH,
        }
    }

    /// A pipeline that only reads: for sinks that need the tickets alone ([`Needs::Tickets`]),
    /// such as one that turns labelled tickets into examples.
    pub fn reader() -> Pipeline<'a> {
        Pipeline {
            tagger: None,
            options: ImportOptions::default(),
            strict: false,
            pool: None,
            batch: BATCH,
        }
    }

    /// Reads with these mapping and format options.
    pub fn import(mut self, options: ImportOptions) -> Self {
        self.options = options;
        self
    }

    /// Fails on the first problem in an input instead of working around it (`--strict`).
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Tags on `pool` (`-j`) instead of rayon's global pool.
    pub fn pool(mut self, pool: &'a ThreadPool) -> Self {
        self.pool = Some(pool);
        self
    }

    /// Hands the sinks batches of at most `tickets` tickets (at least 1) instead of
    /// [`BATCH`]; the output does not depend on it.
    pub fn batch_size(mut self, tickets: usize) -> Self {
        self.batch = tickets.max(1);
        self
    }

    /// The tagger (`None` for a [`reader`](Pipeline::reader)).
    pub fn tagger(&self) -> Option<&'a Tagger> {
        self.tagger
    }

    /// Reads every input of `paths` in order (`-` is stdin), tags its tickets and hands each
    /// source and batch to every sink, in input order. Stops at the first error (of an input,
    /// a sink or the watch), or when the process is interrupted
    /// ([`output::interrupt`](crate::output::interrupt)).
    pub fn run(
        &self,
        paths: &[PathBuf],
        sinks: &mut [&mut dyn Sink],
        watch: &mut dyn Watch,
    ) -> Result<ReadSummary> {
        let mut summary = ReadSummary::default();
        for (index, path) in paths.iter().enumerate() {
            self.run_one(path, index, sinks, watch, &mut summary)?;
        }
        Ok(summary)
    }

    fn run_one(
        &self,
        path: &Path,
        index: usize,
        sinks: &mut [&mut dyn Sink],
        watch: &mut dyn Watch,
        summary: &mut ReadSummary,
    ) -> Result<()> {
        let (tx, rx) = mpsc::sync_channel::<Message>(AHEAD);
        std::thread::scope(|scope| {
            let reader = scope
                .spawn(move || read_one(path, index, &self.options, self.strict, self.batch, &tx));
            let outcome = self.consume(&rx, sinks, watch, summary);
            // Dropping the receiver unblocks a reader still sending after an error.
            drop(rx);
            let joined = reader.join();
            outcome?;
            joined.map_err(|_| {
                Error::Usage(format!(
                    "{}: the reader stopped unexpectedly",
                    path.display()
                ))
            })
        })
    }

    fn consume(
        &self,
        rx: &mpsc::Receiver<Message>,
        sinks: &mut [&mut dyn Sink],
        watch: &mut dyn Watch,
        summary: &mut ReadSummary,
    ) -> Result<()> {
        let mut current: Option<(SourceInfo, Needs)> = None;
        // The tags of a batch, reused from batch to batch with their buffers.
        let mut tagged: Vec<DetailedTagging> = Vec::new();
        for message in rx.iter() {
            interrupted()?;
            match message {
                Message::Start(info) => {
                    watch.opened(&info);
                    let mut needs = Needs::Tickets;
                    for sink in sinks.iter_mut() {
                        needs = needs.max(sink.start(&info)?);
                    }
                    current = Some((*info, needs));
                }
                Message::Batch(tickets, rejects, diags) => {
                    let Some((info, needs)) = current.as_ref() else {
                        return Err(Error::Usage(
                            "the reader sent a batch before its source".into(),
                        ));
                    };
                    watch.read(info, tickets.len(), &rejects, &diags)?;
                    self.tag(&tickets, *needs, &mut tagged)?;
                    let batch = Batch {
                        source: info,
                        tickets: &tickets,
                        tagged: &tagged,
                        pool: self.pool,
                    };
                    for sink in sinks.iter_mut() {
                        sink.batch(&batch)?;
                    }
                }
                Message::End(counts, info, warnings) => {
                    watch.closed(&info, &counts);
                    summary.warnings += warnings;
                    summary.sources.push((*info, counts));
                }
                Message::Failed(err) => return Err(err),
            }
        }
        // The reader also stops when interrupted, without its `End`: never take that for the end.
        interrupted()
    }

    /// Tags a batch on the pool into `out` (one per ticket, in input order), reusing its
    /// buffers; leaves it empty when nobody needs tags.
    fn tag(&self, tickets: &[Ticket], needs: Needs, out: &mut Vec<DetailedTagging>) -> Result<()> {
        let tagger = match (needs, self.tagger) {
            (Needs::Tickets, _) => {
                out.clear();
                return Ok(());
            }
            (_, Some(tagger)) => tagger,
            (_, None) => {
                return Err(Error::Usage(
                    "a sink needs tags, but the pipeline only reads (Pipeline::reader)".into(),
                ))
            }
        };
        out.resize_with(tickets.len(), DetailedTagging::default);
        let mut all = move || {
            out.par_iter_mut()
                .zip(tickets.par_iter())
                .with_min_len(CHUNK)
                .for_each(|(tagged, ticket)| match needs {
                    Needs::Words => *tagged = tagger.tag_detailed(ticket),
                    _ => {
                        tagger.tag_into(ticket, &mut tagged.tagging);
                        tagged.matches.clear();
                    }
                })
        };
        match self.pool {
            Some(pool) => pool.install(all),
            None => all(),
        }
        Ok(())
    }
}

fn interrupted() -> Result<()> {
    match crate::output::is_interrupted() {
        true => Err(Error::Interrupted),
        false => Ok(()),
    }
}

fn read_one(
    path: &Path,
    index: usize,
    options: &ImportOptions,
    strict: bool,
    batch: usize,
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
        if interrupted().is_err() {
            return; // the pipeline stops too
        }
        let (mut tickets, mut rejects) = (Vec::with_capacity(batch), Vec::new());
        match reader.next_batch(batch, &mut tickets, &mut rejects, &mut diags) {
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
    let _ = tx.send(Message::End(counts, Box::new(info), diags.warnings()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::rules::RuleSetBuilder;

    fn tagger() -> Tagger {
        let catalog = Catalog::default_embedded();
        let mut rules = RuleSetBuilder::new(&catalog);
        rules.add_defaults(&mut Diagnostics::default());
        let matcher = rules.build().unwrap();
        Tagger::new(catalog, matcher).unwrap()
    }

    /// Keeps what it was given.
    #[derive(Default)]
    struct Keep {
        needs: Option<Needs>,
        starts: Vec<String>,
        ids: Vec<String>,
        tags: Vec<Vec<crate::catalog::EntryId>>,
        words: usize,
    }

    impl Sink for Keep {
        fn start(&mut self, source: &SourceInfo) -> Result<Needs> {
            self.starts.push(source.path.display().to_string());
            Ok(self.needs.unwrap_or(Needs::Tags))
        }

        fn batch(&mut self, batch: &Batch<'_>) -> Result<()> {
            self.ids.extend(batch.tickets.iter().map(|t| t.id.clone()));
            for t in batch.tagged {
                self.tags
                    .push(t.tagging.services.iter().map(|s| s.service).collect());
                self.words += t.matches.len();
            }
            Ok(())
        }
    }

    const JIRA: &str = "fixtures/exports/jira/all-fields.csv";
    const RT: &str = "fixtures/exports/rt/Results.tsv";
    /// German text: the matcher's other path (normalisation) is warm too.
    const OTRS_DE: &str = "fixtures/exports/otrs/ticket_search_de.csv";

    #[test]
    fn every_sink_sees_every_ticket_in_input_order_tagged_as_one_by_one() {
        let tagger = tagger();
        let paths = [PathBuf::from(JIRA), PathBuf::from(RT)];
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let (mut a, mut b) = (Keep::default(), Keep::default());
        let summary = Pipeline::new(&tagger)
            .pool(&pool)
            .run(&paths, &mut [&mut a, &mut b], &mut Quiet)
            .unwrap();
        assert_eq!(a.starts, [JIRA, RT]);
        assert_eq!(summary.sources.len(), 2);
        assert_eq!(a.ids.len() as u64, summary.total().tickets);
        assert!(a.ids.len() > 20, "{}", a.ids.len());
        assert_eq!(a.ids, b.ids);
        assert_eq!(a.tags, b.tags);
        // The same as reading alone and tagging one ticket after another.
        let mut one_by_one: Vec<Vec<crate::catalog::EntryId>> = Vec::new();
        let mut ids = Vec::new();
        for (i, p) in paths.iter().enumerate() {
            let mut reader = Reader::open(p, i, &ImportOptions::default()).unwrap();
            let (tickets, _) = reader.read_to_end(&mut Diagnostics::default()).unwrap();
            for t in &tickets {
                ids.push(t.id.clone());
                one_by_one.push(tagger.tag(t).services.iter().map(|s| s.service).collect());
            }
        }
        assert_eq!(a.ids, ids);
        assert_eq!(a.tags, one_by_one);
        assert_eq!(
            a.words, 0,
            "word hits are found only when a sink needs them"
        );
    }

    #[test]
    fn the_most_demanding_sink_decides_what_is_done() {
        let tagger = tagger();
        let paths = [PathBuf::from(JIRA)];
        let mut tickets_only = Keep {
            needs: Some(Needs::Tickets),
            ..Keep::default()
        };
        Pipeline::new(&tagger)
            .run(&paths, &mut [&mut tickets_only], &mut Quiet)
            .unwrap();
        assert!(!tickets_only.ids.is_empty());
        assert!(tickets_only.tags.is_empty(), "nobody asked for tags");
        let mut words = Keep {
            needs: Some(Needs::Words),
            ..Keep::default()
        };
        let mut tickets_only = Keep {
            needs: Some(Needs::Tickets),
            ..Keep::default()
        };
        Pipeline::new(&tagger)
            .run(&paths, &mut [&mut tickets_only, &mut words], &mut Quiet)
            .unwrap();
        assert_eq!(words.tags.len(), words.ids.len());
        assert!(words.words > 0);
        assert_eq!(
            tickets_only.tags, words.tags,
            "each sink sees the batch as it is"
        );
    }

    #[test]
    fn a_sink_error_stops_the_run_and_is_returned() {
        let tagger = tagger();
        let mut seen = 0;
        let mut failing = ForEach(Needs::Tags, |batch: &Batch<'_>| {
            seen += batch.tickets.len();
            Err(Error::Usage("disk full".into()))
        });
        let err = Pipeline::new(&tagger)
            .run(&[PathBuf::from(JIRA)], &mut [&mut failing], &mut Quiet)
            .unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        assert!(seen > 0);
    }

    #[test]
    fn a_missing_input_is_an_error_naming_it() {
        let tagger = tagger();
        let err = Pipeline::new(&tagger)
            .run(&[PathBuf::from("no/such/export.csv")], &mut [], &mut Quiet)
            .unwrap_err();
        assert!(err.to_string().contains("no/such/export.csv"), "{err}");
    }

    #[test]
    fn the_watch_sees_every_row_once() {
        struct Count {
            opened: usize,
            tickets: usize,
            rejects: usize,
            closed: Vec<Counts>,
        }
        impl Watch for Count {
            fn opened(&mut self, _: &SourceInfo) {
                self.opened += 1;
            }
            fn read(
                &mut self,
                _: &SourceInfo,
                n: usize,
                r: &[Reject],
                _: &[Diagnostic],
            ) -> Result<()> {
                self.tickets += n;
                self.rejects += r.len();
                Ok(())
            }
            fn closed(&mut self, _: &SourceInfo, counts: &Counts) {
                self.closed.push(*counts);
            }
        }
        let tagger = tagger();
        let mut watch = Count {
            opened: 0,
            tickets: 0,
            rejects: 0,
            closed: Vec::new(),
        };
        let summary = Pipeline::new(&tagger)
            .run(&[PathBuf::from(JIRA)], &mut [], &mut watch)
            .unwrap();
        let total = summary.total();
        assert_eq!(watch.opened, 1);
        assert_eq!(watch.closed, [total]);
        assert_eq!(watch.tickets as u64, total.tickets);
        assert_eq!(watch.rejects as u64, total.rejected);
        assert_eq!(total.read, total.tickets + total.rejected);
    }

    mod property {
        use proptest::prelude::*;

        use super::*;
        use crate::tag::testing::{rules_only, text};

        /// A Jira export of these (title, description) pairs, quoted as Jira quotes.
        fn export(rows: &[(String, String)]) -> String {
            let mut out = String::from("Summary,Issue key,Description\n");
            for (i, (title, body)) in rows.iter().enumerate() {
                let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
                out += &format!("{},SEC-{},{}\n", q(title), i + 1, q(body));
            }
            out
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))] // keeps CI quick
            /// Whatever the batch size and the number of threads, every sink gets every ticket
            /// in input order, tagged as tagging one after another would.
            #[test]
            fn batches_and_threads_never_change_the_output(
                rows in prop::collection::vec((text(), text()), 0..60),
                batch in 1usize..20,
                threads in 1usize..4,
            ) {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("export.csv");
                let rows: Vec<(String, String)> = rows;
                std::fs::write(&path, export(rows.as_slice())).unwrap();
                let tagger = rules_only();
                let mut reader = Reader::open(&path, 0, &ImportOptions::default()).unwrap();
                let (tickets, rejects) = reader.read_to_end(&mut Diagnostics::default()).unwrap();
                let sequential: Vec<_> = tickets.iter().map(|t| tagger.tag(t)).collect();
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                let mut got = Vec::new();
                let mut ids = Vec::new();
                let mut sink = ForEach(Needs::Tags, |b: &Batch<'_>| {
                    assert!(b.tickets.len() <= batch);
                    ids.extend(b.tickets.iter().map(|t| t.id.clone()));
                    got.extend(b.tagged.iter().map(|t| t.tagging.clone()));
                    Ok(())
                });
                let summary = Pipeline::new(tagger)
                    .pool(&pool)
                    .batch_size(batch)
                    .run(&[path], &mut [&mut sink], &mut Quiet)
                    .unwrap();
                prop_assert_eq!(summary.total().tickets as usize, tickets.len());
                prop_assert_eq!(summary.total().rejected as usize, rejects.len());
                prop_assert_eq!(ids, tickets.iter().map(|t| t.id.clone()).collect::<Vec<_>>());
                prop_assert_eq!(got, sequential);
            }
        }
    }

    /// Once the thread's buffers and the output have grown, tagging a ticket allocates
    /// nothing (what `tag_into` promises, and what the pipeline's workers call).
    #[test]
    fn tagging_allocates_nothing_once_warm() {
        let tagger = tagger();
        let mut tickets = Vec::new();
        for (i, path) in [JIRA, RT, OTRS_DE].iter().enumerate() {
            let mut reader = Reader::open(path.as_ref(), i, &ImportOptions::default()).unwrap();
            tickets.extend(reader.read_to_end(&mut Diagnostics::default()).unwrap().0);
        }
        assert!(tickets.len() > 20);
        assert!(
            tickets
                .iter()
                .any(|t| t.texts.iter().any(|f| !f.text.is_ascii())),
            "some text is not ASCII"
        );
        let mut out = Tagging::default();
        for _ in 0..2 {
            for t in &tickets {
                tagger.tag_into(t, &mut out); // warm: buffers grow to what these tickets need
            }
        }
        let mut tagged = 0;
        for t in &tickets {
            let ((), n) = crate::alloc_count::allocations(|| tagger.tag_into(t, &mut out));
            assert_eq!(n, 0, "{}: {n} allocations", t.id);
            assert_eq!(out, tagger.tag(t), "{}: tag_into tags as tag does", t.id);
            tagged += usize::from(!out.services.is_empty());
        }
        assert!(
            tagged > 10,
            "the tickets exercise the scoring: {tagged} tagged"
        );
        // The allocating path is seen by the counter (so the zeros above mean something).
        let (_, n) = crate::alloc_count::allocations(|| tagger.tag(&tickets[0]));
        assert!(n > 0);
    }
}
