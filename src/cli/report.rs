//! `csirt-tagger report`: the workload per service, as a table, CSV, JSON, Markdown or HTML;
//! and `report --merge`, which combines JSON reports of partial runs into one.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use csirt_tagger::catalog::{Catalog, EMBEDDED};
use csirt_tagger::evaluate::review::read_reviewed;
use csirt_tagger::report::{self, json, ReportOptions};
use csirt_tagger::stats::Workload;

use csirt_tagger::import::SourceInfo;
use csirt_tagger::pipeline::{Batch, Needs, Pipeline, Recorder, Sink};

use super::import_args::ImportArgs;
use super::pipeline::Shown;
use super::report_args::{report_options, FormatArg, StatsArgs};
use super::rules_args::RulesArgs;
use super::threads::thread_pool;
use super::GlobalArgs;

/// The end of `report --help`.
const EXAMPLES: &str = "\
The format follows the output's extension (.html, .md, .csv, .json, .txt); without -o, a table
is printed. JSON reports of partial runs merge exactly with --merge, quantiles included: reports
made over January and over February merge into the report of one run over both.

Examples:
  csirt-tagger report exports/*.csv -o workload.html
  csirt-tagger report tagged.csv --attribution primary --period quarter --by queue -o q.md
  csirt-tagger report --merge jan.json feb.json mar.json -o q1.html
  csirt-tagger report --merge jan.json feb.json --min-count 5 -o shared.html";

/// Report the workload per service: tickets, time spent, time to resolve, backlog and trends,
/// per service, per area and per function, with the untagged tickets shown apart.
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct ReportArgs {
    /// Ticket exports, or CSVs written by `tag` (their `services` columns are used as they
    /// are); with --merge, JSON reports.
    #[arg(required = true, value_name = "EXPORT")]
    pub inputs: Vec<PathBuf>,
    /// Write the report here (atomically); the format follows the extension.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Use this format whatever the extension.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,
    /// Merge JSON reports (from `report -o x.json` or `tag --report x.json`) instead of
    /// reading exports; they must have been made with the same catalog, rules and options.
    #[arg(long)]
    pub merge: bool,
    /// Write CSV and Markdown cells as they are, even those a spreadsheet would run as a
    /// formula (by default they get a leading ').
    #[arg(long)]
    pub raw: bool,
    /// Worker threads for tagging [default: one per core].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
    /// A labels file written by `review`, its random part reviewed: each service then shows
    /// its estimated true ticket count with a 95 % interval, corrected for the tagger's errors
    /// seen on the sample (with --merge: after merging).
    #[arg(long, value_name = "LABELS")]
    pub calibrate: Option<PathBuf>,
    /// How tickets are counted.
    #[command(flatten)]
    pub stats: StatsArgs,
    /// Import options (for exports; ignored with --merge).
    #[command(flatten)]
    pub import: ImportArgs,
    /// Rules options (for exports that are not tagged yet; ignored with --merge).
    #[command(flatten)]
    pub rules: RulesArgs,
}

/// The catalog the workload was made with: the one `--catalog` names, or else the embedded
/// catalog with the workload's fingerprint (so `--merge` of psirt-1.1 reports needs no flag).
fn catalog_for(global: &GlobalArgs, workload: &Workload, origin: &Path) -> anyhow::Result<Catalog> {
    let catalog = super::catalog_args::load_catalog(global)?;
    if catalog.fingerprint() == workload.catalog {
        return Ok(catalog);
    }
    for (name, _, _) in EMBEDDED {
        let embedded = Catalog::load(name)?;
        if embedded.fingerprint() == workload.catalog {
            if global.verbose {
                eprintln!(
                    "{}: made with embedded catalog {name}; using it",
                    origin.display()
                );
            }
            return Ok(embedded);
        }
    }
    report::check_catalog(workload, &catalog, &origin.display().to_string())?;
    Ok(catalog)
}

/// Runs `report`.
pub fn run(global: &GlobalArgs, args: ReportArgs) -> anyhow::Result<ExitCode> {
    super::outputs::refuse_writing_over_inputs(&args.inputs, &[("-o", args.output.as_deref())])?;
    let options = report_options(args.format, args.output.as_deref(), &args.stats, args.raw)?;
    if !args.merge {
        return report_exports(global, &args, &options);
    }
    let given = args.stats.given();
    if !given.is_empty() {
        bail!(
            "{} cannot be used with --merge: the partial reports were counted with the options \
             recorded in them (only --min-count, --title, --format, -o and --raw apply to a merge)",
            given.join(", ")
        );
    }
    let (workload, provenance) = json::merge_files(&args.inputs)?;
    let catalog = catalog_for(global, &workload, &args.inputs[0])?;
    let options = with_calibration(options, &args, &catalog, global)?;
    report::write_report(
        &workload,
        &catalog,
        &provenance,
        &options,
        args.output.as_deref(),
    )?;
    if !global.quiet {
        if let Some(path) = &args.output {
            eprintln!(
                "wrote {} ({} tickets from {} reports)",
                path.display(),
                workload.counts.included,
                args.inputs.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `report INPUT...`: tags the exports (or takes the tags of CSVs written by `tag`) and counts.
/// Fails on an input that is a JSON report (written by `report --format json`) rather than an
/// export: read as an export, each of its lines was a rejected row and the report counted
/// nothing; what was meant is `--merge`.
fn refuse_json_reports(inputs: &[PathBuf]) -> anyhow::Result<()> {
    use std::io::Read;
    for path in inputs.iter().filter(|p| p.as_os_str() != "-") {
        let mut head = [0u8; 512];
        let n = match std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) {
            Ok(n) => n,
            Err(_) => continue, // the reader reports it, with the path
        };
        let head = String::from_utf8_lossy(&head[..n]);
        let text = head.trim_start_matches('\u{feff}').trim_start();
        if text.starts_with('{') && text.contains("\"schema\"") {
            bail!(
                "{} is a JSON report, not a ticket export: to combine reports, use \
                 `csirt-tagger report --merge {} ...`",
                path.display(),
                path.display()
            );
        }
    }
    Ok(())
}

fn report_exports(
    global: &GlobalArgs,
    args: &ReportArgs,
    options: &ReportOptions,
) -> anyhow::Result<ExitCode> {
    let workload_options = args.stats.workload_options()?;
    let import = args.import.to_options()?;
    refuse_json_reports(&args.inputs)?;
    let rejects = args.import.rejects_writer(args.raw)?;
    let tagger = args.rules.load_tagger(global)?;
    let pool = thread_pool(args.threads)?;
    let catalog = tagger.catalog();
    let mut recorder = Recorder::new(workload_options, catalog);
    let pipeline = Pipeline::new(tagger)
        .import(import)
        .strict(args.import.strict)
        .pool(&pool);
    let shown = Shown::new(global, rejects);
    let summary = {
        let mut said = Pretagged {
            recorder: &mut recorder,
            quiet: global.quiet,
        };
        super::pipeline::run(&pipeline, &args.inputs, &mut [&mut said], shown)?
    };
    let provenance = summary.provenance(tagger, &args.inputs)?;
    if let Some(error) = summary.nothing_read() {
        return Err(error.into());
    }
    recorder.check_filters()?;
    let counted = recorder.counted();
    let workload = recorder.into_workload();
    let options = with_calibration(options.clone(), args, catalog, global)?;
    report::write_report(
        &workload,
        catalog,
        &provenance,
        &options,
        args.output.as_deref(),
    )?;
    if !global.quiet {
        let total = summary.total();
        eprintln!(
            "read {} = {counted} + rejected {}{}",
            total.read,
            total.rejected,
            args.output
                .as_ref()
                .map(|p| format!("; wrote {}", p.display()))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The render options with the reviewed sample of `--calibrate`, if given.
fn with_calibration(
    mut options: ReportOptions,
    args: &ReportArgs,
    catalog: &Catalog,
    global: &GlobalArgs,
) -> anyhow::Result<ReportOptions> {
    let Some(path) = &args.calibrate else {
        return Ok(options);
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("--calibrate {}", path.display()))?;
    let (reviewed, pending) = read_reviewed(&text, path, catalog)?;
    if reviewed.is_empty() {
        bail!(
            "--calibrate {}: none of its random rows is labelled yet ({pending} to do): fill in \
             `services` and `primary`",
            path.display()
        );
    }
    if !global.quiet {
        eprintln!(
            "calibrating with {} reviewed ticket(s) of the random part of {}{}",
            reviewed.len(),
            path.display(),
            if pending > 0 {
                format!(" ({pending} not labelled yet, left out)")
            } else {
                String::new()
            }
        );
    }
    let filters = ["--since", "--until", "--queue", "--status"];
    if args.stats.given().iter().any(|g| filters.contains(g)) && !global.quiet {
        eprintln!(
            "warning: the sample was drawn from every ticket of the export; with filters the \
             estimates are for the tickets the filters keep only if the sample is of them too"
        );
    }
    options.calibration = Some((reviewed, path.display().to_string()));
    Ok(options)
}

/// The recorder, saying when an input's own tags are used as they are.
struct Pretagged<'r, 'c> {
    recorder: &'r mut Recorder<'c>,
    quiet: bool,
}

impl Sink for Pretagged<'_, '_> {
    fn start(&mut self, source: &SourceInfo) -> csirt_tagger::Result<Needs> {
        let needs = Sink::start(self.recorder, source)?;
        if self.recorder.is_pretagged() && !self.quiet {
            eprintln!(
                "{}: written by `tag`: its services column is used as it is",
                source.path.display()
            );
        }
        Ok(needs)
    }

    fn batch(&mut self, batch: &Batch<'_>) -> csirt_tagger::Result<()> {
        self.recorder.batch(batch)
    }
}
