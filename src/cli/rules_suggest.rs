//! `csirt-tagger rules suggest`: rules from labelled tickets, for a person to read.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use csirt_tagger::evaluate::suggest::{to_toml, SuggestOptions, Suggester};
use csirt_tagger::evaluate::Gold;
use csirt_tagger::pipeline::{ForEach, Needs, Pipeline};
use csirt_tagger::Diagnostics;

use super::import_args::ImportArgs;
use super::pipeline::Shown;
use super::rules_args::RulesArgs;
use super::threads::thread_pool;
use super::GlobalArgs;

/// `rules suggest`.
#[derive(Debug, clap::Args)]
pub struct SuggestArgs {
    /// Ticket exports holding the labelled tickets.
    #[arg(required = true, value_name = "EXPORT")]
    pub inputs: Vec<PathBuf>,
    /// The labels: a file written by `review` and filled in, or any gold CSV
    /// (id,services,primary).
    #[arg(long, value_name = "LABELS")]
    pub gold: PathBuf,
    /// Where to write the suggested rules (TOML); never an existing file.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Fewest labelled tickets of a service that must hold a phrase.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub min_support: usize,
    /// Lowest share of the labelled tickets holding a phrase that must be of the service.
    #[arg(long, value_name = "SHARE", default_value_t = 0.8)]
    pub min_precision: f64,
    /// Most phrases per service.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub per_service: usize,
    /// Worker threads for tagging [default: one per core].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
    /// Import options.
    #[command(flatten)]
    pub import: ImportArgs,
    /// The current rules (what the suggestions add to).
    #[command(flatten)]
    pub rules: RulesArgs,
}

/// Runs `rules suggest`.
pub fn run(global: &GlobalArgs, args: SuggestArgs) -> anyhow::Result<ExitCode> {
    if args.output.exists() {
        bail!(
            "-o {}: the file exists; suggestions never overwrite a file (give a new name)",
            args.output.display()
        );
    }
    if !(0.0..=1.0).contains(&args.min_precision) {
        bail!(
            "--min-precision {}: give a share between 0 and 1",
            args.min_precision
        );
    }
    super::outputs::refuse_writing_over_inputs(&args.inputs, &[("-o", Some(&args.output))])?;
    let options = args.import.to_options()?;
    let rejects = args.import.rejects_writer(false)?;
    let tagger = args.rules.load_tagger(global)?;
    let catalog = tagger.catalog();
    let text = std::fs::read_to_string(&args.gold)
        .with_context(|| format!("--gold {}", args.gold.display()))?;
    let mut diags = Diagnostics::default();
    let gold = Gold::from_csv(&text, &args.gold, catalog, &mut diags)?;
    for d in diags.drain() {
        eprintln!("{d}");
    }
    if gold.is_empty() {
        bail!("--gold {}: no labelled ticket in it", args.gold.display());
    }
    let mut suggester = Suggester::new();
    let pool = thread_pool(args.threads)?;
    let pipeline = Pipeline::new(tagger)
        .import(options)
        .strict(args.import.strict)
        .pool(&pool);
    let shown = Shown::new(global, rejects);
    let mut sink = ForEach(Needs::Tags, |batch: &csirt_tagger::pipeline::Batch<'_>| {
        for (ticket, tagged) in batch.tickets.iter().zip(batch.tagged) {
            if let Some(label) = gold.get(&ticket.id) {
                let mut services: Vec<_> = label.primary.into_iter().collect();
                services.extend(label.services.iter().filter(|s| Some(**s) != label.primary));
                suggester.add(ticket, &tagged.tagging, &services);
            }
        }
        Ok(())
    });
    super::pipeline::run(&pipeline, &args.inputs, &mut [&mut sink], shown)?;
    if suggester.is_empty() {
        bail!(
            "no ticket of the input has a label in {}: are they the same exports?",
            args.gold.display()
        );
    }
    let suggestions = suggester.finish(
        catalog,
        SuggestOptions {
            min_support: args.min_support,
            min_precision: args.min_precision,
            per_service: args.per_service,
        },
    );
    let toml = to_toml(&suggestions, catalog, &args.gold.display().to_string());
    std::fs::write(&args.output, toml).with_context(|| format!("-o {}", args.output.display()))?;
    if !global.quiet {
        let services: std::collections::BTreeSet<&str> =
            suggestions.iter().map(|s| s.service.as_str()).collect();
        eprintln!(
            "wrote {}: {} phrase(s) for {} service(s), from {} labelled ticket(s). Read them, \
             then: csirt-tagger evaluate EXPORT --gold LABELS --compare-add {}",
            args.output.display(),
            suggestions.len(),
            services.len(),
            suggester.len(),
            args.output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
