//! `csirt-tagger review`: draw a sample of tagged tickets for a person to label.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use csirt_tagger::evaluate::review::{sample_size, Sampler};
use csirt_tagger::evaluate::review_page;
use csirt_tagger::pipeline::Pipeline;

use super::import_args::ImportArgs;
use super::outputs::Output;
use super::pipeline::Shown;
use super::rules_args::RulesArgs;
use super::threads::thread_pool;
use super::GlobalArgs;

/// Draw a sample of tagged tickets to label: a random part, what estimates rest on, and a
/// targeted part (untagged tickets, close calls, rare services), marked apart.
///
/// Writes a labels CSV that opens in a spreadsheet: id, part, reason, the input and line, the
/// time spent (seconds), the title, the text cut to 600 characters, the predicted services and primary, and empty
/// `services`, `primary` and `note` columns for the reviewer (services as ids joined with `;`,
/// `none` when no service applies). `evaluate --gold` reads it as it is, leaving out the rows
/// not labelled yet. The draw is the same on every run with the same --seed.
///
/// With `-o FILE.html` (or --format html), one self-contained page instead: each ticket with
/// the words that fired highlighted by service, the services to tick, driven by the keyboard
/// (press ? on the page), progress kept in the browser, and a button that saves the same
/// labels CSV.
///
/// Examples:
///   csirt-tagger review fixtures/exports/jira/all-fields.csv -o sample.csv --size 5
///   csirt-tagger review fixtures/exports/jira/all-fields.csv -o sample.html --size 5
///   csirt-tagger review export.csv -o sample.csv --precision 0.05 --targeted 40
///   csirt-tagger evaluate export.csv --gold sample.csv
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ReviewArgs {
    /// Ticket exports (tagged on the fly); `-` reads stdin.
    #[arg(required = true, value_name = "EXPORT")]
    pub inputs: Vec<PathBuf>,
    /// Where to write the sample (CSV, or a review page for `.html`) [default: stdout].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write this form whatever the extension [default: from -o's extension, else csv].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Tickets drawn at random [default: what --precision needs, else 100].
    #[arg(long, value_name = "N", conflicts_with = "precision")]
    pub size: Option<usize>,
    /// Draw as many tickets at random as a share estimated from them needs to be within this
    /// margin of the truth, 95 times in 100 (0.05: 385 tickets, fewer in a small export).
    #[arg(long, value_name = "MARGIN")]
    pub precision: Option<f64>,
    /// Tickets drawn apart from the random part, where a label teaches most: untagged tickets,
    /// tickets whose two best services scored close, tickets of the rarest services, in turn
    /// [default: a quarter of the random part].
    #[arg(long, value_name = "N")]
    pub targeted: Option<usize>,
    /// Seed of the draw: the same seed draws the same tickets.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Keep cells that a spreadsheet would run as formulas as they are (by default a cell
    /// starting with = + - @ gets a leading ').
    #[arg(long)]
    pub raw: bool,
    /// Worker threads for tagging [default: one per core].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
    /// Import options.
    #[command(flatten)]
    pub import: ImportArgs,
    /// Rules options.
    #[command(flatten)]
    pub rules: RulesArgs,
}

/// The two forms of a sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A labels CSV for a spreadsheet.
    Csv,
    /// A self-contained review page that saves the labels CSV.
    Html,
}

impl Format {
    /// `--format`, else the output's extension, else CSV.
    fn of(args: &ReviewArgs) -> Format {
        args.format.unwrap_or_else(|| {
            match args
                .output
                .as_deref()
                .and_then(|p| p.extension())
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .as_deref()
            {
                Some("html" | "htm") => Format::Html,
                _ => Format::Csv,
            }
        })
    }
}

/// Runs `review`.
pub fn run(global: &GlobalArgs, args: ReviewArgs) -> anyhow::Result<ExitCode> {
    if let Some(p) = args.precision {
        if !(p > 0.0 && p < 0.5) {
            bail!("--precision {p}: give a margin between 0 and 0.5, e.g. 0.05");
        }
    }
    let options = args.import.to_options()?;
    let rejects = args.import.rejects_writer(args.raw)?;
    let tagger = args.rules.load_tagger(global)?;
    let random = match (args.size, args.precision) {
        (Some(n), _) => n,
        (None, Some(p)) => sample_size(p, None),
        (None, None) => 100,
    };
    let targeted = args.targeted.unwrap_or(random / 4);
    let format = Format::of(&args);
    let mut sampler = Sampler::new(tagger.catalog(), args.seed, random, targeted);
    if format == Format::Html {
        sampler = sampler.with_words(tagger.matcher());
    }
    let pool = thread_pool(args.threads)?;
    let pipeline = Pipeline::new(tagger)
        .import(options)
        .strict(args.import.strict)
        .pool(&pool);
    let shown = Shown::new(global, rejects);
    let mut out = Output::open(args.output.as_deref(), &args.inputs)?;
    super::pipeline::run(&pipeline, &args.inputs, &mut [&mut sampler], shown)?;
    let sample = sampler.finish(args.precision);
    let inputs: Vec<String> = args
        .inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    // The file name the page saves its labels under: the page's own, as CSV.
    let save_as = args
        .output
        .as_deref()
        .and_then(|p| {
            p.with_extension("csv")
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "labels.csv".to_string());
    match format {
        Format::Csv => sample.write_csv(&mut out, &inputs, args.raw),
        Format::Html => review_page::write(
            &mut out,
            &sample,
            tagger.catalog(),
            &review_page::PageOptions {
                inputs: &inputs,
                save_as: &save_as,
                seed: args.seed,
                raw: args.raw,
                tool: &format!("csirt-tagger {}", env!("CARGO_PKG_VERSION")),
            },
        ),
    }
    .context("writing the sample")?;
    out.finish(global.quiet)?;
    if !global.quiet {
        let drawn = format!(
            "drew {} of {} tickets at random (seed {}) and {} targeted",
            sample.random.len(),
            sample.population,
            args.seed,
            sample.targeted.len()
        );
        match (format, args.output.as_deref()) {
            (Format::Html, Some(page)) => eprintln!(
                "{drawn}: open {} in a browser, label, press Save (the browser saves \
                 {save_as}, usually in its downloads folder), then `csirt-tagger evaluate \
                 EXPORT --gold {save_as}`",
                page.display(),
            ),
            _ => eprintln!(
                "{drawn}: label `services` and `primary`, then `csirt-tagger evaluate EXPORT --gold {}`",
                args.output
                    .as_deref()
                    .map_or_else(|| "SAMPLE.csv".into(), |p| p.display().to_string())
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}
