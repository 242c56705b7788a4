//! `csirt-tagger coverage`: how the rules cover an export: per rule coverage, overlaps and
//! conflicts, rules that never fire, services resting on one rule, and candidate keywords
//! from the tickets no rule tags. The counting is in `csirt_tagger::evaluate::coverage`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use csirt_tagger::evaluate::coverage::{overlap_matrix, Coverage, CoverageReport};
use csirt_tagger::output::neutralize_formula;
use csirt_tagger::pipeline::{CoverageSink, Pipeline};

use super::import_args::ImportArgs;
use super::outputs::Output;
use super::pipeline::Shown;
use super::rules_args::RulesArgs;
use super::term::sanitize;
use super::threads::thread_pool;
use super::GlobalArgs;

/// Show how the rules cover an export: per rule how often it fires, alone, with other rules
/// (overlap) and with rules of other services (conflict); rules that never fire; per service
/// the share of its tickets only one rule catches; and the words and phrases most typical of
/// the tickets no rule tags, as candidate keywords.
///
/// Examples:
///   csirt-tagger coverage fixtures/exports/jira/all-fields.csv
///   csirt-tagger coverage export.csv --rules team-rules/ --format csv > overlap-matrix.csv
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct CoverageArgs {
    /// Ticket exports (CSV or TSV; `-` reads stdin).
    #[arg(required = true, value_name = "EXPORT")]
    pub inputs: Vec<PathBuf>,
    /// Write to this file instead of stdout (replaced whole when the command succeeds).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output: text; csv (the rule-overlap matrix: a header `rule,<rule ids>`, one row per
    /// rule that fired, cells = tickets both fired on, the diagonal its own count); json (the
    /// whole report, `evaluate::coverage::CoverageReport`).
    #[arg(long, value_enum, default_value_t = CoverageFormat::Text)]
    pub format: CoverageFormat,
    /// Keep CSV cells that a spreadsheet would run as formulas as they are (by default a rule
    /// id starting with = + - @ tab or CR gets a leading '), in the CSV and --rejects.
    #[arg(long)]
    pub raw: bool,
    /// Worker threads for tagging [default: one per core].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
    /// How many candidate keywords (and overlapping pairs, in text) to show.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,
    /// Rules and fallback (the fallback only decides which tickets count as untagged: a
    /// ticket tagged by the index alone counts as untagged by the rules either way).
    #[command(flatten)]
    pub rules: RulesArgs,
    /// How to read the exports.
    #[command(flatten)]
    pub import: ImportArgs,
}

/// Output formats of `coverage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CoverageFormat {
    /// Tables for people.
    Text,
    /// The rule-overlap matrix.
    Csv,
    /// Everything.
    Json,
}

/// Runs `coverage`.
pub fn run(global: &GlobalArgs, args: CoverageArgs) -> anyhow::Result<ExitCode> {
    let options = args.import.to_options()?;
    let rejects = args.import.rejects_writer(args.raw)?;
    let tagger = args.rules.load_tagger(global)?;
    let matcher = tagger.matcher();
    let mut coverage = Coverage::new(matcher, tagger.catalog());
    let pool = thread_pool(args.threads)?;
    let pipeline = Pipeline::new(tagger)
        .import(options)
        .strict(args.import.strict)
        .pool(&pool);
    let shown = Shown::new(global, rejects);
    let mut sink = CoverageSink {
        coverage: &mut coverage,
        matcher,
    };
    super::pipeline::run(&pipeline, &args.inputs, &mut [&mut sink], shown)?;
    let report = coverage.finish(matcher, tagger.catalog(), args.top);
    let mut out = Output::open(args.output.as_deref(), &args.inputs)?;
    match args.format {
        CoverageFormat::Json => {
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        }
        CoverageFormat::Csv => {
            let (ids, m) = overlap_matrix(&report);
            let ids: Vec<String> = ids
                .iter()
                .map(|id| match args.raw {
                    true => id.clone(),
                    false => neutralize_formula(id).into_owned(),
                })
                .collect();
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(std::iter::once("rule").chain(ids.iter().map(String::as_str)))?;
            for (id, row) in ids.iter().zip(&m) {
                let cells = row.iter().map(u64::to_string);
                w.write_record(std::iter::once(id.clone()).chain(cells))?;
            }
            w.flush()?;
        }
        CoverageFormat::Text => write_text(&mut out, &report, args.top)?,
    }
    out.finish(global.quiet)?;
    Ok(ExitCode::SUCCESS)
}

fn write_text(out: &mut impl Write, r: &CoverageReport, top: usize) -> std::io::Result<()> {
    writeln!(
        out,
        "{} tickets, {} not tagged by any rule ({:.1} %)\n",
        r.tickets,
        r.untagged,
        100.0 * r.untagged as f64 / r.tickets.max(1) as f64
    )?;
    writeln!(
        out,
        "{:<44} {:>7} {:>6} {:>9} {:>6} {:>9}",
        "rule (fired at least once)", "service", "fired", "coverage", "alone", "conflicts"
    )?;
    for rule in r.rules.iter().filter(|x| x.fired > 0) {
        writeln!(
            out,
            "{:<44} {:>7} {:>6} {:>8.1}% {:>6} {:>9}",
            rule.id,
            rule.service,
            rule.fired,
            100.0 * rule.coverage,
            rule.alone,
            rule.conflicts
        )?;
    }
    writeln!(out, "\nrules that never fired ({}):", r.never_fired.len())?;
    for chunk in r.never_fired.chunks(4) {
        writeln!(out, "  {}", chunk.join("  "))?;
    }
    writeln!(
        out,
        "\nrules of different services firing together, most often first:"
    )?;
    for p in r.overlaps.iter().filter(|p| !p.same_service).take(top) {
        writeln!(out, "  {:>4}  {} + {}", p.tickets, p.a, p.b)?;
    }
    writeln!(
        out,
        "\nfragile coverage: share of a service's tickets caught by only one of its rules"
    )?;
    for f in &r.fragile {
        writeln!(
            out,
            "  {:<6} {:>5.1}%  ({} of {})",
            f.id,
            100.0 * f.share,
            f.single_rule,
            f.tickets
        )?;
    }
    writeln!(
        out,
        "\ncandidate keywords: words and bigrams typical of the untagged tickets \
         (tickets containing it: untagged / tagged; log-odds z)"
    )?;
    if r.candidates.is_empty() {
        writeln!(out, "  none (a term needs at least 2 untagged tickets)")?;
    }
    for c in &r.candidates {
        writeln!(
            out,
            "  {:<32} {:>4} / {:<4} z {:.2}",
            sanitize(&c.term),
            c.untagged,
            c.tagged,
            c.z
        )?;
    }
    Ok(())
}
