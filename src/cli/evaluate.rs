//! `csirt-tagger evaluate`: tag exports whose tickets have gold labels and score the rules:
//! per service precision, recall and F1, micro and macro averages, primary accuracy, the
//! confusion of primary services, and the worst misses and false alarms with why. With
//! `--compare`, a second rule set is scored on the same tickets, side by side.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use csirt_tagger::catalog::{Catalog, EntryId};
use csirt_tagger::evaluate::{Evaluator, Gold, Report, TicketErrors};
use csirt_tagger::import::{SourceInfo, Ticket};
use csirt_tagger::pipeline::{Batch, Needs, Pipeline, Sink};
use csirt_tagger::tag::{Explanation, Outcome, Tagger, Tagging};
use csirt_tagger::{Diagnostics, Severity};
use rayon::prelude::*;

use super::evaluate_output::{write_csv, write_text, EvaluateFormat};
use super::import_args::ImportArgs;
use super::outputs::Output;
use super::pipeline::Shown;
use super::rules_args::RulesArgs;
use super::threads::thread_pool;
use super::GlobalArgs;

/// Score the rules against gold labels.
///
/// The gold file is a CSV with a header: `id,services,primary`; `services` are ids joined
/// with `;` (a function id counts as its service), `primary` is optional. One gold file may
/// cover several exports: give them all. Tickets without gold labels are counted, not scored.
///
/// Macro averages are over the services with support or predictions in the scored tickets.
///
/// Examples:
///   csirt-tagger evaluate fixtures/labelled/jira.csv --gold fixtures/labelled/gold.csv
///   csirt-tagger evaluate fixtures/labelled/*.csv fixtures/labelled/rt.tsv \
///       --gold fixtures/labelled/gold.csv --compare team-rules/
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct EvaluateArgs {
    /// Ticket exports (CSV or TSV; `-` reads stdin).
    #[arg(required = true, value_name = "EXPORT")]
    pub inputs: Vec<PathBuf>,
    /// Write to this file instead of stdout (replaced whole when the command succeeds).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Gold labels: CSV with columns id, services (joined with `;`) and optionally primary.
    #[arg(long, value_name = "FILE")]
    pub gold: PathBuf,
    /// Another rules file or directory to score on the same tickets, side by side with the
    /// rules of --rules (or the embedded ones).
    #[arg(long, value_name = "PATH", conflicts_with = "compare_add")]
    pub compare: Option<PathBuf>,
    /// Score the rules of --rules (or the embedded ones) with this rules file added (what
    /// `--add-rules` does), side by side with them alone: what `rules suggest` proposes.
    #[arg(long, value_name = "FILE")]
    pub compare_add: Option<PathBuf>,
    /// Output: text, csv (one row per service, then micro, macro and primary rows) or json.
    #[arg(long, value_enum, default_value_t = EvaluateFormat::Text)]
    pub format: EvaluateFormat,
    /// Keep CSV cells that a spreadsheet would run as formulas as they are (by default a text
    /// cell starting with = + - @ tab or CR gets a leading '), in the CSV and --rejects.
    #[arg(long)]
    pub raw: bool,
    /// Worker threads for tagging [default: one per core].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
    /// How many misses and false alarms to show.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub worst: usize,
    /// Fail (exit 1, after the figures) when a figure of the rules falls below its floor:
    /// `micro=0.85,macro=0.80,primary=0.90` (micro and macro F1, primary accuracy; any of
    /// them). For CI: a change to the rules that costs quality cannot pass unnoticed.
    #[arg(long, value_name = "FIGURE=MIN", value_delimiter = ',', value_parser = parse_floor)]
    pub fail_below: Vec<(Figure, f64)>,
    /// Rules and fallback.
    #[command(flatten)]
    pub rules: RulesArgs,
    /// How to read the exports.
    #[command(flatten)]
    pub import: ImportArgs,
}

/// A figure `--fail-below` can hold the rules to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    /// Micro-averaged F1.
    Micro,
    /// Macro-averaged F1.
    Macro,
    /// Primary accuracy.
    Primary,
}

impl Figure {
    fn name(self) -> &'static str {
        match self {
            Figure::Micro => "micro-F1",
            Figure::Macro => "macro-F1",
            Figure::Primary => "primary accuracy",
        }
    }

    fn of(self, report: &Report) -> f64 {
        match self {
            Figure::Micro => report.micro.f1,
            Figure::Macro => report.macro_scores.f1,
            Figure::Primary => report.primary.accuracy,
        }
    }
}

/// `micro=0.85`.
fn parse_floor(text: &str) -> Result<(Figure, f64), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: write FIGURE=MIN, e.g. micro=0.85"))?;
    let figure = match name.trim() {
        "micro" => Figure::Micro,
        "macro" => Figure::Macro,
        "primary" => Figure::Primary,
        other => {
            return Err(format!(
                "`{other}`: the figures are micro, macro and primary"
            ))
        }
    };
    let min: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("`{value}`: a floor is a number from 0 to 1"))?;
    if !(0.0..=1.0).contains(&min) {
        return Err(format!("`{value}`: a floor is a number from 0 to 1"));
    }
    Ok((figure, min))
}

/// A gold service missed, or a service tagged wrongly, with why.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Mistake {
    /// Ticket id.
    pub ticket: String,
    /// The service missed or tagged wrongly.
    pub service: String,
    /// Whether it is the gold primary (a miss) or the predicted primary (a false alarm).
    pub primary: bool,
    /// The ticket's gold services and its tags, as ids.
    pub gold: Vec<String>,
    /// The tags.
    pub tags: Vec<String>,
    /// Which rules fired, or why nothing did.
    pub why: Vec<String>,
    /// Sort key: higher is worse.
    #[serde(skip)]
    pub badness: f64,
}

/// One rule set's outcome.
#[derive(Debug, serde::Serialize)]
pub struct Scored {
    /// `--rules` paths, or `embedded`.
    pub rules: String,
    /// The figures.
    pub report: Report,
    /// Worst misses, worst first.
    pub misses: Vec<Mistake>,
    /// Worst false alarms, worst first.
    pub false_alarms: Vec<Mistake>,
}

/// Runs `evaluate`.
pub fn run(global: &GlobalArgs, args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    let options = args.import.to_options()?;
    let rejects = args.import.rejects_writer(args.raw)?;
    let base = args.rules.load_tagger(global)?;
    let other = match (&args.compare, &args.compare_add) {
        (Some(path), _) => {
            let rules = RulesArgs {
                rules: vec![path.clone()],
                ..args.rules.clone()
            };
            Some(rules.load_tagger(global).context("--compare")?)
        }
        (None, Some(path)) => {
            let mut rules = args.rules.clone();
            rules.add_rules.push(path.clone());
            Some(rules.load_tagger(global).context("--compare-add")?)
        }
        (None, None) => None,
    };
    let catalog = base.catalog();
    let text = std::fs::read_to_string(&args.gold)
        .with_context(|| format!("--gold {}", args.gold.display()))?;
    let mut diags = Diagnostics::default();
    let gold = Gold::from_csv(&text, &args.gold, catalog, &mut diags)?;
    if gold.is_empty() && gold.unreviewed > 0 {
        anyhow::bail!(
            "{}: none of its {} row(s) is labelled yet: fill in `services` (ids joined with `;`, \
             or `none`) and `primary`, then evaluate again",
            args.gold.display(),
            gold.unreviewed
        );
    }
    if gold.unreviewed > 0 && !global.quiet {
        eprintln!(
            "{}: {} row(s) not labelled yet (empty services and primary): left out",
            args.gold.display(),
            gold.unreviewed
        );
    }
    for d in diags.items() {
        if d.severity == Severity::Error || !global.quiet {
            eprintln!("{d}");
        }
    }
    let mut runs: Vec<Run> = std::iter::once(&base)
        .chain(other.as_ref())
        .enumerate()
        .map(|(i, t)| Run {
            tagger: t,
            on_pipeline: i == 0,
            evaluator: Evaluator::new(catalog, &gold),
            misses: Vec::new(),
            false_alarms: Vec::new(),
            tickets: Vec::new(),
            keep_tickets: other.is_some(),
        })
        .collect();
    // The base rules tag on the pipeline; the --compare rules tag each batch again, on the
    // same pool (a second pipeline would read every input twice).
    let pool = thread_pool(args.threads)?;
    let pipeline = Pipeline::new(base)
        .import(options)
        .strict(args.import.strict)
        .pool(&pool);
    let shown = Shown::new(global, rejects);
    {
        let mut sinks: Vec<&mut dyn Sink> = runs.iter_mut().map(|r| r as &mut dyn Sink).collect();
        super::pipeline::run(&pipeline, &args.inputs, &mut sinks, shown)?;
    }
    let base_name = rules_name(&args.rules.rules);
    let names = [
        base_name.clone(),
        match &args.compare_add {
            Some(path) => format!("{base_name} + {}", path.display()),
            None => rules_name(args.compare.as_slice()),
        },
    ];
    let moved = match runs.as_slice() {
        [a, b] => Some(Moved::between(&a.tickets, &b.tickets)),
        _ => None,
    };
    let scored: Vec<Scored> = runs
        .into_iter()
        .zip(names)
        .map(|(run, name)| run.finish(name, args.worst))
        .collect();
    let report = &scored[0].report;
    if report.scored == 0 {
        // Zeros would read as a score: say what did not meet instead.
        let shown: Vec<&str> = report
            .missing_from_input
            .iter()
            .take(3)
            .map(String::as_str)
            .collect();
        anyhow::bail!(
            "no ticket of the input has a gold label in {}: {} ticket(s) read, none of the gold \
             ids ({}{}) found among them. Are they the same exports, with ids written as the \
             ticket system shows them?",
            args.gold.display(),
            report.without_gold,
            shown.join(", "),
            if report.missing_from_input.len() > 3 {
                ", ..."
            } else {
                ""
            }
        );
    }
    if !global.quiet {
        if report.without_gold > 0 {
            eprintln!(
                "csirt-tagger: {} ticket(s) of the input have no gold label: not scored",
                report.without_gold
            );
        }
        let missing = &report.missing_from_input;
        if !missing.is_empty() {
            let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
            eprintln!(
                "csirt-tagger: warning: {} gold id(s) are in no input ({}{}); give every export \
                 the gold file covers",
                missing.len(),
                shown.join(", "),
                if missing.len() > 5 { ", ..." } else { "" }
            );
        }
    }
    let mut out = Output::open(args.output.as_deref(), &args.inputs)?;
    match args.format {
        EvaluateFormat::Json => {
            let doc = serde_json::json!({
                "schema": 1,
                "gold": args.gold.display().to_string(),
                "base": &scored[0],
                "compare": scored.get(1),
                "moved": moved,
            });
            // Through a string: a closed pipe then shows as an io::Error, which `main` ignores.
            std::io::Write::write_all(&mut out, serde_json::to_string_pretty(&doc)?.as_bytes())?;
            std::io::Write::write_all(&mut out, b"\n")?;
        }
        EvaluateFormat::Csv => write_csv(&mut out, &scored, args.raw)?,
        EvaluateFormat::Text => write_text(&mut out, &scored, moved.as_ref(), &args.gold)?,
    }
    out.finish(global.quiet)?;
    let below: Vec<String> = args
        .fail_below
        .iter()
        .filter(|(figure, min)| figure.of(report) < *min)
        .map(|(figure, min)| format!("{} {:.3} < {min}", figure.name(), figure.of(report)))
        .collect();
    if !below.is_empty() {
        anyhow::bail!(
            "the rules fall below the floor of --fail-below: {}",
            below.join("; ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn rules_name(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "embedded".into();
    }
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

/// One rule set being scored.
struct Run<'a, 'g> {
    tagger: &'a Tagger,
    /// Tagged by the pipeline (the base rules), or by this run on each batch (--compare).
    on_pipeline: bool,
    evaluator: Evaluator<'g>,
    misses: Vec<Mistake>,
    false_alarms: Vec<Mistake>,
    /// Per ticket read, in input order: a hash of its tagged services and its time spent
    /// (kept when two rule sets are compared, to say how much workload changes service).
    tickets: Vec<(u64, f64)>,
    keep_tickets: bool,
}

/// What a second rule set changes in the workload report, over every ticket read (labelled
/// or not): the tickets whose set of services changes, and their time.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Moved {
    /// Tickets read.
    pub tickets: u64,
    /// Tickets whose tagged services differ between A and B.
    pub tickets_changed: u64,
    /// The time spent on those tickets, in hours: the workload that moves between services.
    pub hours_changed: f64,
    /// The time spent on every ticket read, in hours.
    pub hours: f64,
}

impl Moved {
    fn between(a: &[(u64, f64)], b: &[(u64, f64)]) -> Moved {
        let mut m = Moved::default();
        for (x, y) in a.iter().zip(b) {
            m.tickets += 1;
            m.hours += x.1 / 3600.0;
            if x.0 != y.0 {
                m.tickets_changed += 1;
                m.hours_changed += x.1 / 3600.0;
            }
        }
        m
    }
}

impl Sink for Run<'_, '_> {
    fn start(&mut self, _source: &SourceInfo) -> csirt_tagger::Result<Needs> {
        Ok(Needs::Tags)
    }

    fn batch(&mut self, batch: &Batch<'_>) -> csirt_tagger::Result<()> {
        let own: Vec<Tagging>;
        let tagged: Vec<&Tagging> = if self.on_pipeline {
            batch.tagged.iter().map(|t| &t.tagging).collect()
        } else {
            let tagger = self.tagger;
            own = batch.install(|| batch.tickets.par_iter().map(|t| tagger.tag(t)).collect());
            own.iter().collect()
        };
        for (ticket, tagging) in batch.tickets.iter().zip(tagged) {
            if self.keep_tickets {
                use std::hash::{Hash, Hasher};
                let mut ids: Vec<u32> = tagging.services.iter().map(|s| s.service.0).collect();
                ids.sort_unstable();
                let mut h = std::collections::hash_map::DefaultHasher::new();
                ids.hash(&mut h);
                self.tickets
                    .push((h.finish(), ticket.time_spent.unwrap_or(0.0)));
            }
            if let Some(errors) = self.evaluator.record(ticket, tagging) {
                if !errors.is_empty() {
                    // Explained only when wrong: `explain` costs a second, detailed match.
                    self.mistakes(ticket, tagging, &errors);
                }
            }
        }
        Ok(())
    }
}

impl Run<'_, '_> {
    fn mistakes(&mut self, ticket: &Ticket, tagging: &Tagging, errors: &TicketErrors) {
        let catalog = self.tagger.catalog();
        let e = self.tagger.explain(ticket);
        let label = self
            .evaluator
            .gold()
            .get(&ticket.id)
            .expect("only tickets with gold labels have errors");
        let id = |s: &EntryId| catalog.entry(*s).id.clone();
        let gold: Vec<String> = label.services.iter().map(id).collect();
        let tags: Vec<String> = tagging.services.iter().map(|s| id(&s.service)).collect();
        for (rank, s) in errors.misses.iter().enumerate() {
            let primary = label.primary == Some(*s);
            self.misses.push(Mistake {
                ticket: ticket.id.clone(),
                service: id(s),
                primary,
                gold: gold.clone(),
                tags: tags.clone(),
                why: why(catalog, &e, *s, false),
                // Worst: a missed primary, then a ticket with nothing right, then gold order.
                badness: f64::from(u8::from(primary)) * 100.0
                    + f64::from(u8::from(tags.is_empty())) * 10.0
                    - rank as f64,
            });
        }
        for s in &errors.false_alarms {
            let score = tagging
                .services
                .iter()
                .find(|t| t.service == *s)
                .map_or(0.0, |t| t.score);
            let primary = tagging.primary() == Some(*s);
            self.false_alarms.push(Mistake {
                ticket: ticket.id.clone(),
                service: id(s),
                primary,
                gold: gold.clone(),
                tags: tags.clone(),
                why: why(catalog, &e, *s, true),
                // Worst: a wrong primary, then the most confident (highest score).
                badness: f64::from(u8::from(primary)) * 1e6 + score,
            });
        }
    }

    fn finish(mut self, rules: String, worst: usize) -> Scored {
        for list in [&mut self.misses, &mut self.false_alarms] {
            list.sort_by(|a, b| b.badness.total_cmp(&a.badness));
            list.truncate(worst);
        }
        Scored {
            rules,
            report: self.evaluator.finish(self.tagger.catalog()),
            misses: self.misses,
            false_alarms: self.false_alarms,
        }
    }
}

/// Why `service` was tagged (`tagged`) or not: its rules with hits and its score, or that no
/// rule of it has a word in the ticket (then what the index said, if it was asked).
fn why(catalog: &Catalog, e: &Explanation, service: EntryId, tagged: bool) -> Vec<String> {
    let sid = &catalog.entry(service).id;
    let mut lines: Vec<String> = e
        .rules
        .iter()
        .filter(|r| &r.service == sid && (!tagged || r.outcome == Outcome::Fired))
        .map(|r| {
            let mut words: Vec<String> = r
                .matches
                .iter()
                .map(|m| format!("{}={:?}", m.pattern, m.text))
                .collect();
            words.dedup();
            let mut line = match r.outcome {
                Outcome::Fired => format!("rule {} fired on {}", r.id, words.join(", ")),
                Outcome::Vetoed => {
                    let mut by: Vec<String> =
                        r.vetoed_by.iter().map(|m| m.pattern.clone()).collect();
                    by.dedup();
                    format!("rule {} vetoed by none {:?}", r.id, by)
                }
                Outcome::Incomplete => format!(
                    "rule {} incomplete: found {}, missing {}",
                    r.id,
                    words.join(", "),
                    r.missing.join(", ")
                ),
            };
            line.push_str(&format!(" ({})", r.at));
            line
        })
        .collect();
    if let Some(s) = e.services.iter().find(|s| &s.id == sid) {
        lines.push(format!(
            "{sid}: score {} vs threshold {}",
            s.score, s.threshold
        ));
    }
    if lines.is_empty() {
        lines.push(format!("no rule of {sid} has a word in this ticket"));
    }
    if tagged && e.source == csirt_tagger::tag::TagSource::Index {
        lines.push("tagged by the index fallback (no rule fired)".into());
    }
    lines
}
