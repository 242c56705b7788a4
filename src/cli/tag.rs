//! `csirt-tagger tag`: tag every ticket of one or more exports with the services it exercises.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use csirt_tagger::catalog::EntryId;
use csirt_tagger::import::SourceInfo;
use csirt_tagger::output::tagged::TaggedFormat;
use csirt_tagger::output::AtomicFile;
use csirt_tagger::pipeline::{Batch, Needs, Pipeline, Recorder, Sink, TaggedWriter};
use csirt_tagger::tag::{ChangeKind, TagSource, Tagger};

use super::import_args::ImportArgs;
use super::pipeline::Shown;
use super::report_args::{report_options, StatsArgs};
use super::rules_args::RulesArgs;
use super::threads::thread_pool;
use super::GlobalArgs;

/// Tag every ticket of one or more exports with the services it exercises.
///
/// Writes every input column unchanged, then `services`, `primary_service`, `service_names`,
/// `tag_source` and `matched_rules` (CSV, to stdout or -o FILE), or one JSON object per ticket
/// with scores and matched words (-o FILE.jsonl). A summary goes to stderr.
///
/// Examples:
///   csirt-tagger tag fixtures/exports/jira/all-fields.csv -o tagged.csv
///   csirt-tagger tag export.tsv --rules our-rules/ -o tagged.jsonl
///   cat export.csv | csirt-tagger tag - > tagged.csv
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct TagArgs {
    /// Ticket exports (CSV or TSV); `-` reads stdin.
    #[arg(required = true, value_name = "EXPORT")]
    pub inputs: Vec<PathBuf>,
    /// Where to write the tagged tickets: `.csv`, `.tsv`, `.txt` or no extension for CSV,
    /// `.jsonl` for JSON lines; other names need --format; never one of the inputs
    /// [default: stdout, CSV].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format, when the file name does not say it (`--output-format` is an alias).
    #[arg(long = "format", visible_alias = "output-format", value_enum)]
    pub format: Option<OutputFormat>,
    /// Keep cells that a spreadsheet would run as formulas as they are (by default a cell
    /// starting with = + - @ gets a leading ').
    #[arg(long)]
    pub raw: bool,
    /// Delimiter of the tagged CSV: one character, or tab, comma, semicolon, pipe [default:
    /// the first input's, so a `;` export comes back with `;`].
    #[arg(long, value_name = "CHAR")]
    pub output_delimiter: Option<String>,
    /// Write the tagged CSV without a byte order mark even when the input had one.
    #[arg(long)]
    pub no_bom: bool,
    /// Leave the header row (and the byte order mark) out of the tagged CSV: for the parts of
    /// a split export (see --header-from), whose outputs, concatenated after one header, are
    /// the output of the whole.
    #[arg(long)]
    pub no_header: bool,
    /// Worker threads for tagging [default: one per core].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
    /// Also write the workload report to this file, in the same pass (.html, .md, .csv,
    /// .json or .txt; see `csirt-tagger report --help`).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// How tickets are counted into --report.
    #[command(flatten)]
    pub stats: StatsArgs,
    /// Import options.
    #[command(flatten)]
    pub import: ImportArgs,
    /// Rules options.
    #[command(flatten)]
    pub rules: RulesArgs,
}

/// Formats of the tagged output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Input columns plus tag columns.
    Csv,
    /// One JSON object per ticket.
    Jsonl,
}

/// Counts over a run, for the summary.
#[derive(Debug, Default)]
struct Tally {
    by_rule: u64,
    by_index: u64,
    untagged: u64,
    /// Tickets whose services the examples' vote changed, and the services it added and
    /// dropped.
    voted: u64,
    added: u64,
    /// Tickets whose primary the vote changed: between the rules' two nearly tied services, or
    /// to the highest combined share.
    primary_chosen: u64,
    dropped: u64,
    primaries: HashMap<EntryId, u64>,
}

/// Runs `tag`.
pub fn run(global: &GlobalArgs, args: TagArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let options = args.import.to_options()?;
    // Before any file is created: a mistyped `-o` must not empty the export being read.
    let outputs = [
        ("-o", args.output.as_deref()),
        ("--report", args.report.as_deref()),
        ("--rejects", args.import.rejects.as_deref()),
    ];
    super::outputs::refuse_writing_over_inputs(&args.inputs, &outputs)?;
    let rejects = args.import.rejects_writer(args.raw)?;
    let tagger = args.rules.load_tagger(global)?;
    let format = match (args.format, &args.output) {
        (Some(OutputFormat::Csv), _) => TaggedFormat::Csv,
        (Some(OutputFormat::Jsonl), _) => TaggedFormat::Jsonl,
        (None, Some(path)) => TaggedFormat::from_path(path).map_err(anyhow::Error::msg)?,
        (None, None) => TaggedFormat::Csv,
    };
    let pool = thread_pool(args.threads)?;
    let report_opts = args
        .report
        .as_deref()
        .map(|path| report_options(None, Some(path), &args.stats, args.raw))
        .transpose()
        .context("--report")?;
    let mut recorder = args
        .report
        .as_ref()
        .map(|_| {
            anyhow::Ok(Recorder::new(
                args.stats.workload_options()?,
                tagger.catalog(),
            ))
        })
        .transpose()?;
    // Check the output is writable before any work (the temp file sits beside the target).
    let mut file = args.output.as_ref().map(AtomicFile::create).transpose()?;
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let out: &mut dyn Write = match file.as_mut() {
        Some(f) => f,
        None => &mut lock,
    };
    let output_name = args
        .output
        .as_ref()
        .map_or("<stdout>".to_string(), |p| p.display().to_string());
    let output_delimiter = match &args.output_delimiter {
        Some(d) => csirt_tagger::import::parse_delimiter(d)
            .map_err(anyhow::Error::msg)
            .context("--output-delimiter")?,
        None => None,
    };
    // The layout is the first input's, decided when it is opened.
    let mut writer = TaggedWriter::new(tagger, format, out, &output_name)
        .raw(args.raw)
        .delimiter(output_delimiter)
        .bom(!args.no_bom)
        .header(!args.no_header);
    let mut tally = Tally::default();
    let pipeline = Pipeline::new(tagger)
        .import(options)
        .strict(args.import.strict)
        .pool(&pool);
    let shown = Shown::new(global, rejects);
    let summary = {
        let mut sinks: Vec<&mut dyn Sink> = vec![&mut writer, &mut tally];
        if let Some(r) = recorder.as_mut() {
            sinks.push(r);
        }
        super::pipeline::run(&pipeline, &args.inputs, &mut sinks, shown)?
    };
    writer.into_inner()?;
    let summarize = || {
        if !global.quiet {
            print_summary(
                tagger,
                &summary.total(),
                summary.warnings,
                &tally,
                started.elapsed(),
                pool.current_num_threads(),
            );
        }
    };
    // Leave no output behind for an input that was no export.
    if let Some(error) = summary.nothing_read() {
        summarize();
        return Err(error.into());
    }
    if let Some(file) = file {
        file.commit()?;
    }
    if let (Some(recorder), Some(path), Some(opts)) = (recorder, &args.report, &report_opts) {
        recorder.check_filters().context("--report")?;
        let provenance = summary.provenance(tagger, &args.inputs)?;
        let counted = recorder.counted();
        csirt_tagger::report::write_report(
            &recorder.into_workload(),
            tagger.catalog(),
            &provenance,
            opts,
            Some(path),
        )?;
        if !global.quiet {
            eprintln!("wrote report {} ({counted})", path.display());
        }
    }
    summarize();
    Ok(ExitCode::SUCCESS)
}

impl Sink for Tally {
    fn start(&mut self, _source: &SourceInfo) -> csirt_tagger::Result<Needs> {
        Ok(Needs::Tags)
    }

    fn batch(&mut self, batch: &Batch<'_>) -> csirt_tagger::Result<()> {
        for tagged in batch.tagged {
            match tagged.tagging.source {
                TagSource::Rule => self.by_rule += 1,
                TagSource::Index => self.by_index += 1,
                TagSource::None => self.untagged += 1,
            }
            let votes = &tagged.tagging.votes;
            if !votes.is_empty() {
                self.voted += 1;
                for v in votes {
                    match v.kind {
                        ChangeKind::Added => self.added += 1,
                        ChangeKind::Dropped => self.dropped += 1,
                        ChangeKind::Primary => self.primary_chosen += 1,
                    }
                }
            }
            if let Some(p) = tagged.tagging.primary() {
                *self.primaries.entry(p).or_default() += 1;
            }
        }
        Ok(())
    }
}

fn print_summary(
    tagger: &Tagger,
    total: &csirt_tagger::import::Counts,
    warnings: u64,
    tally: &Tally,
    elapsed: std::time::Duration,
    threads: usize,
) {
    let catalog = tagger.catalog();
    eprintln!(
        "read {} = tagged by rule {} + tagged by index {} + untagged {} + rejected {}{}",
        total.read,
        tally.by_rule,
        tally.by_index,
        tally.untagged,
        total.rejected,
        if warnings > 0 {
            format!(" ({warnings} warnings)")
        } else {
            String::new()
        }
    );
    if tally.voted > 0 {
        // The primary clause only when it happened: "the primary changed for 0" reads as noise.
        let near_ties = match tally.primary_chosen {
            0 => String::new(),
            n => format!(", and the primary changed for {n}"),
        };
        eprintln!(
            "the labelled examples' vote changed the services of {} of the {} tagged by rule: \
             {} added, {} dropped{near_ties} (vote:+ID / vote:-ID / vote:primary=ID; \
             --no-example-vote turns it off)",
            tally.voted, tally.by_rule, tally.added, tally.dropped
        );
    }
    let mut busiest: Vec<(EntryId, u64)> = tally.primaries.iter().map(|(&k, &v)| (k, v)).collect();
    busiest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if !busiest.is_empty() {
        let tickets = total.tickets.max(1) as f64;
        let top: Vec<String> = busiest
            .iter()
            .take(5)
            .map(|(id, n)| {
                format!(
                    "{} {} ({n}, {:.0}%)",
                    catalog.entry(*id).id,
                    catalog.entry(*id).name,
                    *n as f64 * 100.0 / tickets
                )
            })
            .collect();
        eprintln!("busiest primary services: {}", top.join("; "));
    }
    let secs = elapsed.as_secs_f64();
    eprintln!(
        "{:.2} s, {:.0} tickets/s, {:.1} MB/s on {threads} thread{}",
        secs,
        total.read as f64 / secs.max(1e-9),
        total.bytes as f64 / 1e6 / secs.max(1e-9),
        if threads == 1 { "" } else { "s" }
    );
}
