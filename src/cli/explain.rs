//! `csirt-tagger explain`: why a ticket (or a text) gets its tags.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use csirt_tagger::import::{ImportOptions, Reader, Ticket};
use csirt_tagger::rules::Zone;
use csirt_tagger::tag::{Explanation, Outcome, TagSource};

use super::import_args::ImportArgs;
use super::outputs::Output;
use super::rules_args::RulesArgs;
use super::term::sanitize;
use super::GlobalArgs;

/// Explain how a ticket is tagged: every rule with a hit (fired, vetoed by a `none` word, or
/// incomplete), on which words in which field, the weights, each service's score against its
/// threshold, and the index fallback's best services.
///
/// Examples:
///   csirt-tagger explain --text "Phishing mail reported by finance, two accounts reset"
///   csirt-tagger explain export.csv --id SEC-2103
///   csirt-tagger explain --title "Defacement" --text "restored from backup" --format json
///   csirt-tagger explain --rules team-rules/ --text - < ticket.txt
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ExplainArgs {
    /// Ticket export holding the ticket (CSV or TSV; `-` reads stdin); needs --id.
    #[arg(requires = "id", conflicts_with = "text", value_name = "EXPORT")]
    pub input: Option<PathBuf>,
    /// Write to this file instead of stdout (replaced whole when the command succeeds).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Id of the ticket to explain, as the ticket system shows it (`SEC-123`).
    #[arg(long, requires = "input")]
    pub id: Option<String>,
    /// Explain this text instead of a ticket of an export; `-` reads it from stdin.
    #[arg(long, required_unless_present = "input")]
    pub text: Option<String>,
    /// A title to go with --text (rules scoped to `title` read it).
    #[arg(long, requires = "text")]
    pub title: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
    /// Colour the text output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Rules and fallback.
    #[command(flatten)]
    pub rules: RulesArgs,
    /// How to read the export.
    #[command(flatten)]
    pub import: ImportArgs,
}

/// Formats of an explanation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// For people.
    Text,
    /// For programs (the layout is documented on `tag::Explanation`).
    Json,
}

/// When to colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Runs `explain`.
pub fn run(global: &GlobalArgs, args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let import = args.import.to_options()?; // options checked before any work
    let tagger = args.rules.load_tagger(global)?;
    let ticket = match (&args.input, &args.id, &args.text) {
        (Some(input), Some(id), _) => find_ticket(global, input, id, &import, &args.import)?,
        (_, _, Some(text)) => Ticket::from_text(args.title.as_deref(), &read_text(text)?),
        _ => anyhow::bail!("give --text TEXT, or an export and --id ID"),
    };
    let explanation = tagger.explain(&ticket);
    let inputs: Vec<PathBuf> = args.input.iter().cloned().collect();
    let mut out = Output::open(args.output.as_deref(), &inputs)?;
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => out.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    match args.format {
        ExplainFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &explanation)?;
            writeln!(out)?;
        }
        ExplainFormat::Text => write_text(&mut out, &explanation, Paint(color))?,
    }
    out.finish(global.quiet)?;
    Ok(ExitCode::SUCCESS)
}

/// `--text -` reads the text from stdin.
fn read_text(text: &str) -> anyhow::Result<String> {
    if text != "-" {
        return Ok(text.to_string());
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("--text -: reading stdin")?;
    Ok(s)
}

/// Reads `input` batch by batch until the ticket `id` turns up.
fn find_ticket(
    global: &GlobalArgs,
    input: &Path,
    id: &str,
    opts: &ImportOptions,
    args: &ImportArgs,
) -> anyhow::Result<Ticket> {
    let mut reader = Reader::open(input, 0, opts)?;
    let mut diags = args.diagnostics();
    let (mut tickets, mut rejects) = (Vec::new(), Vec::new());
    let mut read = 0;
    while reader.next_batch(4096, &mut tickets, &mut rejects, &mut diags)? > 0 {
        if let Some(i) = tickets.iter().position(|t| t.id == id) {
            return Ok(tickets.swap_remove(i));
        }
        read += tickets.len();
        tickets.clear();
        rejects.clear();
    }
    if global.verbose && !diags.is_empty() {
        eprintln!(
            "{}: {} warning(s), {} error(s) while reading",
            input.display(),
            diags.warnings(),
            diags.errors()
        );
    }
    anyhow::bail!(
        "no ticket with id `{}` in {} ({read} tickets read)",
        sanitize(id),
        input.display()
    )
}

/// ANSI colours when on, plain text when off.
#[derive(Clone, Copy, Debug)]
struct Paint(bool);

impl Paint {
    fn paint(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(self, t: &str) -> String {
        self.paint("1", t)
    }
    fn dim(self, t: &str) -> String {
        self.paint("2", t)
    }
    fn green(self, t: &str) -> String {
        self.paint("32", t)
    }
    fn red(self, t: &str) -> String {
        self.paint("31", t)
    }
    fn yellow(self, t: &str) -> String {
        self.paint("33", t)
    }
}

/// A score for people: at most two decimals, no trailing zeros.
fn num(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Hits listed per rule in text: a long ticket can hold a word thousands of times, and a
/// terminal is no place for them all (`--format json` keeps every one).
const MAX_HITS_SHOWN: usize = 20;

/// `... and N more hits` when a list was cut at [`MAX_HITS_SHOWN`].
fn more_hits(out: &mut impl Write, n: usize) -> std::io::Result<()> {
    if n > MAX_HITS_SHOWN {
        writeln!(
            out,
            "      ... and {} more (--format json lists them all)",
            n - MAX_HITS_SHOWN
        )?;
    }
    Ok(())
}

/// The explanation for people. Everything that comes from the ticket is sanitised: its text
/// is attacker-controlled and must not drive the terminal.
fn write_text(out: &mut impl Write, e: &Explanation, p: Paint) -> std::io::Result<()> {
    let fields: Vec<String> = e
        .fields
        .iter()
        .map(|f| {
            format!(
                "{}{} ({} bytes)",
                sanitize(&f.name),
                if f.title { ", title" } else { "" },
                f.bytes
            )
        })
        .collect();
    writeln!(
        out,
        "{} {}: {}",
        p.bold("ticket"),
        sanitize(&e.ticket),
        if fields.is_empty() {
            "no text".into()
        } else {
            fields.join(", ")
        }
    )?;

    writeln!(out, "\n{}", p.bold("Rules with hits"))?;
    if e.rules.is_empty() {
        writeln!(out, "  none")?;
    }
    for r in &e.rules {
        let outcome = match r.outcome {
            Outcome::Fired => p.green("fired     "),
            Outcome::Vetoed => p.red("vetoed    "),
            Outcome::Incomplete => p.yellow("incomplete"),
        };
        // The zone factor is shown only when it changes the weight.
        let factor = match r.zone {
            Some(_) if r.factor == 1.0 => String::new(),
            Some(Zone::Title) => format!(" x {} (found in the title)", num(r.factor)),
            Some(zone) => format!(" x {} (found only in {} text)", num(r.factor), zone.name()),
            None => String::new(),
        };
        writeln!(
            out,
            "  {outcome}  {} -> {}  weight {}{factor}  {}",
            p.bold(&r.id),
            r.target,
            num(r.weight),
            p.dim(&r.at)
        )?;
        for m in r.matches.iter().take(MAX_HITS_SHOWN) {
            let zone = match m.zone {
                Zone::Quoted | Zone::Signature => format!(" ({})", m.zone.name()),
                Zone::Title | Zone::Body => String::new(),
            };
            writeln!(
                out,
                "      {} {:?} in {}{zone} at {}..{}: {:?}",
                serde_plain(&m.list),
                sanitize(&m.pattern),
                sanitize(&m.field),
                m.start,
                m.end,
                sanitize(&m.text)
            )?;
        }
        more_hits(out, r.matches.len())?;
        for m in r.vetoed_by.iter().take(MAX_HITS_SHOWN) {
            let veto = format!("vetoed by none {:?}", sanitize(&m.pattern));
            writeln!(
                out,
                "      {} in {} at {}..{}: {:?}",
                p.red(&veto),
                sanitize(&m.field),
                m.start,
                m.end,
                sanitize(&m.text)
            )?;
        }
        more_hits(out, r.vetoed_by.len())?;
        if !r.missing.is_empty() && r.outcome == Outcome::Incomplete {
            writeln!(
                out,
                "      {} {}",
                p.yellow("missing"),
                sanitize(&r.missing.join("; "))
            )?;
        }
    }

    writeln!(out, "\n{}", p.bold("Services (score / threshold)"))?;
    if e.services.is_empty() {
        writeln!(out, "  none: no rule fired")?;
    }
    for s in &e.services {
        let verdict = if s.tagged {
            p.green("tagged")
        } else {
            p.yellow("below threshold")
        };
        let set = s
            .threshold_at
            .as_ref()
            .map(|at| format!(" (threshold set at {at})"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {}  {}  {} / {}  {verdict}{}",
            p.bold(&s.id),
            s.name,
            num(s.score),
            num(s.threshold),
            p.dim(&set)
        )?;
        writeln!(out, "      rules: {}", s.rules.join(", "))?;
        for (id, name, score) in &s.functions {
            writeln!(out, "      {id}  {name}  {}", num(*score))?;
        }
    }

    if let Some(f) = &e.fallback {
        let status = if f.used {
            p.green("used: the rules gave no tag")
        } else if e.source == TagSource::Rule {
            "not used: the rules gave tags".to_string()
        } else {
            p.yellow("not used: no service stands out clearly enough")
        };
        writeln!(
            out,
            "\n{} (threshold {}): {status}",
            p.bold("Index fallback"),
            num(f.threshold)
        )?;
        if f.example_share.is_some() {
            writeln!(
                out,
                "  the catalog (normalised score needed {}):",
                num(f.threshold)
            )?;
        }
        if f.candidates.is_empty() {
            writeln!(out, "  no service matches the text")?;
        }
        for c in &f.candidates {
            let matched: Vec<String> = c
                .matched
                .iter()
                .map(|m| format!("{}: {}", m.field, m.words.join(", ")))
                .collect();
            writeln!(
                out,
                "  {}  {}  {}  {}",
                p.bold(&c.id),
                c.name,
                num(c.score),
                p.dim(&sanitize(&format!(
                    "(raw {:.2}; {})",
                    c.raw,
                    matched.join("; ")
                )))
            )?;
        }
        if let Some(share) = f.example_share {
            writeln!(
                out,
                "  then the labelled examples (share of the votes needed {}):",
                num(share)
            )?;
            if f.examples.is_empty() {
                writeln!(out, "    no example is like the text")?;
            }
            for c in &f.examples {
                let like: Vec<String> = c
                    .like
                    .iter()
                    .take(3)
                    .map(|n| format!("{} ({})", n.id, n.services.join(";")))
                    .collect();
                writeln!(
                    out,
                    "    {}  {}  {}  {}",
                    p.bold(&c.id),
                    c.name,
                    num(c.score),
                    p.dim(&sanitize(&format!("like {}", like.join(", "))))
                )?;
            }
        }
    } else {
        writeln!(out, "\n{}: off (--no-fallback)", p.bold("Index fallback"))?;
    }

    if let Some(v) = &e.vote {
        let status = if v.counted {
            p.green("counted")
        } else {
            format!("not counted: {}", v.reason.as_deref().unwrap_or("no vote"))
        };
        let guard = match (v.similarity, v.confidence) {
            (Some(s), _) => format!("nearest three {} alike, {} needed", num(s), num(v.needed)),
            (_, Some(_)) if v.combined => format!(
                "classifier and rules combined, from a likeness to the examples of {} ({} \
                 here); shares are combined shares",
                num(v.combine_from.unwrap_or(f64::NAN)),
                num(v.likeness.unwrap_or(f64::NAN))
            ),
            (_, Some(c)) => format!(
                "classifier, likeliest service {}, {} needed, or a likeness to the examples of \
                 {} ({} here); shares are probabilities",
                num(c),
                num(v.needed),
                num(v.close.unwrap_or(f64::NAN)),
                num(v.likeness.unwrap_or(f64::NAN))
            ),
            _ => String::new(),
        };
        writeln!(
            out,
            "\n{} ({guard}): {status}",
            p.bold("Labelled examples' vote"),
        )?;
        for s in &v.shares {
            let change = match s.change {
                "added" => p.green(&format!("added (share {} needed)", num(v.add))),
                "dropped" => p.yellow(&format!("dropped (below {})", num(v.drop))),
                "primary" if v.combined => p.green("made the primary (the highest combined share)"),
                "primary" => p.green("made the primary (the rules scored it near theirs)"),
                _ => String::new(),
            };
            writeln!(
                out,
                "  {}  {}  {}  {change}",
                p.bold(&s.id),
                s.name,
                num(s.share)
            )?;
            if !s.words.is_empty() {
                let words: Vec<String> = s
                    .words
                    .iter()
                    .map(|w| format!("{} {:+.2}", w.word, w.weight))
                    .collect();
                writeln!(
                    out,
                    "      {}",
                    p.dim(&sanitize(&format!("weighing: {}", words.join(", "))))
                )?;
            }
        }
        let like: Vec<String> = v
            .neighbours
            .iter()
            .take(5)
            .map(|n| format!("{} ({}; {})", n.id, n.services.join(";"), num(n.similarity)))
            .collect();
        if !like.is_empty() {
            writeln!(
                out,
                "  {}",
                p.dim(&sanitize(&format!("like {}", like.join(", "))))
            )?;
        }
    }

    let source = match e.source {
        TagSource::Rule => "from rules",
        TagSource::Index => "from the index",
        TagSource::None => "none",
    };
    write!(out, "\n{} ({source}):", p.bold("Tags"))?;
    if e.tags.is_empty() {
        write!(out, " none")?;
    }
    for (i, tag) in e.tags.iter().enumerate() {
        let primary = if i == 0 { "primary, " } else { "" };
        let sep = if i == 0 { " " } else { ", " };
        write!(
            out,
            "{sep}{} {} ({primary}{})",
            p.bold(&tag.id),
            tag.name,
            num(tag.score)
        )?;
    }
    writeln!(out)
}

/// The serde name of a unit enum value (`any`, `all`...).
fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use csirt_tagger::catalog::Catalog;
    use csirt_tagger::rules::RuleSetBuilder;
    use csirt_tagger::tag::Tagger;
    use csirt_tagger::Diagnostics;

    const RULES: &str = r#"
        threshold = 1.0
        [[rule]]
        id = "defacement"
        service = "6.4.3"
        any = ["defaced", "hacked by"]
        none = ["=test"]
        [[rule]]
        id = "restore"
        service = "6.4"
        all = ["restore", "backup"]
        weight = 0.5
        [[rule]]
        id = "phishing"
        service = "6.2"
        any = ["phish*"]
        none = ["phishing simulation"]
    "#;

    fn tagger() -> Tagger {
        let catalog = Catalog::default_embedded();
        let mut diags = Diagnostics::default();
        let mut rules = RuleSetBuilder::new(&catalog);
        rules.add_str(RULES, "team.toml".as_ref(), &mut diags);
        let matcher = rules.build().unwrap();
        Tagger::new(catalog, matcher).unwrap()
    }

    fn text(e: &Explanation) -> String {
        let mut out = Vec::new();
        write_text(&mut out, e, Paint(false)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_text_explanation_shows_hits_vetoes_and_scores() {
        let ticket = Ticket::from_text(
            Some("Website defaced"),
            "Hacked by Mr.X \x1b[31m. Restored it. Phishing simulation next week.",
        );
        insta::assert_snapshot!(text(&tagger().explain(&ticket)));
    }

    #[test]
    fn the_json_explanation_has_the_documented_keys() {
        let ticket = Ticket::from_text(None, "site defaced, restored from backup");
        let json = serde_json::to_value(tagger().explain(&ticket)).unwrap();
        for key in [
            "schema", "ticket", "fields", "rules", "services", "fallback", "vote", "source", "tags",
        ] {
            assert!(json.get(key).is_some(), "{key} in {json}");
        }
        assert_eq!(json["tags"][0]["id"], "6.4");
        assert_eq!(json["services"][0]["score"], 1.5);
        assert_eq!(json["rules"][0]["matches"][0]["text"], "defaced");
    }

    #[test]
    fn colours_are_only_added_when_asked() {
        assert_eq!(Paint(false).green("x"), "x");
        assert_eq!(Paint(true).green("x"), "\x1b[32mx\x1b[0m");
    }
}
