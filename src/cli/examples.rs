//! `csirt-tagger examples`: turn labelled exports into an examples file for the index
//! fallback (`--examples FILE`): one row per ticket with a gold label, `id,services,title,text`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use csirt_tagger::catalog::example_text;
use csirt_tagger::evaluate::Gold;
use csirt_tagger::output::{neutralize_formula, AtomicFile};
use csirt_tagger::{Diagnostics, Severity};

use super::catalog_args::load_catalog;
use super::import_args::ImportArgs;
use super::pipeline::Shown;
use super::GlobalArgs;
use csirt_tagger::pipeline::{Batch, ForEach, Needs, Pipeline};

/// Write labelled tickets as an examples file for the index fallback.
///
/// Every ticket of the exports with a label in the gold file becomes one example: its id, its
/// services (primary first), its title and its text (the other text fields, cut to 2,000
/// bytes with the title). Pass the file to `tag`, `report`, `explain` or `evaluate` with
/// `--examples FILE`: a ticket the rules do not tag then takes the service its nearest
/// labelled neighbours agree on. A ticket is never its own neighbour.
///
/// Examples:
///   csirt-tagger examples reviewed.csv --gold labels.csv -o our-examples.csv
///   csirt-tagger tag export.csv --examples our-examples.csv -o tagged.csv
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ExamplesArgs {
    /// Ticket exports (CSV or TSV; `-` reads stdin).
    #[arg(required = true, value_name = "EXPORT")]
    pub inputs: Vec<PathBuf>,
    /// Gold labels: CSV with columns id, services (joined with `;`) and optionally primary.
    #[arg(long, value_name = "FILE")]
    pub gold: PathBuf,
    /// The examples file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Keep text cells that a spreadsheet would run as formulas as they are.
    #[arg(long)]
    pub raw: bool,
    /// How to read the exports.
    #[command(flatten)]
    pub import: ImportArgs,
}

/// Runs `examples`.
pub fn run(global: &GlobalArgs, args: ExamplesArgs) -> anyhow::Result<ExitCode> {
    let options = args.import.to_options()?;
    super::outputs::refuse_writing_over_inputs(
        &args.inputs,
        &[
            ("-o", Some(args.output.as_path())),
            ("--rejects", args.import.rejects.as_deref()),
        ],
    )?;
    let rejects = args.import.rejects_writer(args.raw)?;
    let catalog = load_catalog(global)?;
    let text = std::fs::read_to_string(&args.gold)
        .with_context(|| format!("--gold {}", args.gold.display()))?;
    let mut diags = Diagnostics::default();
    let gold = Gold::from_csv(&text, &args.gold, &catalog, &mut diags)?;
    for d in diags.items() {
        if d.severity == Severity::Error || !global.quiet {
            eprintln!("{d}");
        }
    }
    let mut file = AtomicFile::create(&args.output)?;
    let mut out = csv::Writer::from_writer(&mut file);
    out.write_record(["id", "services", "title", "text"])?;
    let (mut written, mut unlabelled) = (0u64, 0u64);
    let shown = Shown::new(global, rejects);
    let pipeline = Pipeline::reader()
        .import(options)
        .strict(args.import.strict);
    let output_name = args.output.clone();
    let mut sink = ForEach(Needs::Tickets, |batch: &Batch<'_>| {
        for ticket in batch.tickets {
            let Some(label) = gold.get(&ticket.id) else {
                unlabelled += 1;
                continue;
            };
            let mut services = label.services.clone();
            if let Some(p) = label.primary {
                services.retain(|&s| s != p);
                services.insert(0, p);
            }
            let ids: Vec<&str> = services
                .iter()
                .map(|&s| catalog.entry(s).id.as_str())
                .collect();
            let body = example_text(
                "",
                ticket
                    .texts
                    .iter()
                    .filter(|f| !f.is_title)
                    .map(|f| f.text.as_str()),
            );
            let cell = |s: &str| -> String {
                if args.raw {
                    s.to_string()
                } else {
                    neutralize_formula(s).into_owned()
                }
            };
            out.write_record([
                cell(&ticket.id),
                ids.join(";"),
                cell(&ticket.title),
                cell(&body),
            ])
            .map_err(|e| csirt_tagger::Error::io(&output_name, e.into()))?;
            written += 1;
        }
        Ok(())
    });
    super::pipeline::run(&pipeline, &args.inputs, &mut [&mut sink], shown)?;
    out.flush()?;
    drop(out);
    file.flush()?;
    if written == 0 {
        anyhow::bail!(
            "no ticket of the inputs has a label in {}: nothing written",
            args.gold.display()
        );
    }
    file.commit()?;
    if !global.quiet {
        eprintln!(
            "csirt-tagger: {written} example(s) written to {}{}",
            args.output.display(),
            if unlabelled > 0 {
                format!(" ({unlabelled} ticket(s) without a gold label left out)")
            } else {
                String::new()
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
