//! `csirt-tagger inspect`: what the tool understood of an export.
//!
//! Reads each input whole (so the counts are exact) and shows how it was read: flavour and
//! why, encoding, delimiter, line endings, each column's role, date and duration formats,
//! counts, problems, and the first tickets as parsed. Everything taken from an input is
//! attacker-controlled and goes through [`clean`] before reaching the terminal.
//!
//! `--format json` prints one object (schema version 1):
//!
//! ```text
//! {"version": 1, "sources": [{
//!    "path", "source", "flavour", "detection": {"flavour", "forced", "matched", "score",
//!    "runner_up", "reason"}, "encoding", "encoding_reason", "bom", "delimiter",
//!    "delimiter_reason", "quoting", "line_endings", "headers": [..], "columns": [{"index",
//!    "name", "role", "date"?: {"formats", "order", "order_reason"?, "values_seen",
//!    "unreadable", "example"?}, "duration"?: {"unit", "reason"}}], "mapping": {"id", "title",
//!    "texts", "created", "resolved", "status", "time_spent", "priority", "queue"}, "notes",
//!    "summary", "counts": {"read", "tickets", "rejected", "bytes"}, "warnings", "errors",
//!    "diagnostics": [{"severity", "at": {"path", "line", "column"}, "message", "hint"?}],
//!    "tickets": [{"line", "record", "id", "title", "created", "resolved", "status",
//!    "time_spent", "priority", "queue", "texts": [{"column", "name", "is_title", "chars"}]}]
//! }]}
//! ```
//!
//! Dates are `YYYY-MM-DD HH:MM:SS` strings or null; `time_spent` is seconds or null.

use std::borrow::Cow;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use csirt_tagger::import::{Reader, SourceInfo, Ticket, TimeUnit};
use csirt_tagger::{Diagnostic, Diagnostics};
use serde::Serialize;

use super::import_args::ImportArgs;
use super::outputs::Output;
use super::GlobalArgs;

/// Show how an export is understood: flavour, encoding, delimiter, column mapping, date and
/// duration formats, and the first tickets as parsed.
///
/// Examples:
///   csirt-tagger inspect export.csv
///   csirt-tagger inspect --limit 20 --format json Results.tsv
///   csirt-tagger inspect --flavour generic --id-col "Nr." --date-format "%d.%m.%Y" our.csv
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct InspectArgs {
    /// Ticket exports (CSV or TSV; `-` reads stdin).
    #[arg(required = true, value_name = "EXPORT")]
    pub inputs: Vec<PathBuf>,
    /// Write to this file instead of stdout (replaced whole when the command succeeds).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// How many tickets to show per input.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
    pub format: InspectFormat,
    /// Save what was understood of the export (flavour, encoding, delimiter, the order of day
    /// and month, the time unit, and the import options given) as a profile: `--profile FILE`
    /// then reads any part of a split export exactly as the whole. One input only.
    #[arg(long, value_name = "FILE")]
    pub save_profile: Option<PathBuf>,
    /// How to read the exports.
    #[command(flatten)]
    pub import: ImportArgs,
}

/// Formats of the `inspect` report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InspectFormat {
    /// A report for people.
    Text,
    /// One JSON object for programs: `{"version": 1, "sources": [...]}`, one entry per input
    /// with the same facts as the text report, column indexes included.
    Json,
}

/// Diagnostics shown per input (all are counted).
const SHOWN_DIAGNOSTICS: usize = 50;

/// One input as reported.
#[derive(Serialize)]
struct Inspected {
    #[serde(flatten)]
    info: SourceInfo,
    summary: String,
    counts: csirt_tagger::import::Counts,
    warnings: u64,
    errors: u64,
    diagnostics: Vec<Diagnostic>,
    tickets: Vec<TicketView>,
}

/// A ticket as shown: no text, only the names and lengths of its text fields.
#[derive(Serialize)]
struct TicketView {
    line: u64,
    record: u64,
    id: String,
    title: String,
    created: Option<String>,
    resolved: Option<String>,
    status: csirt_tagger::import::Status,
    time_spent: Option<f64>,
    priority: Option<String>,
    queue: Option<String>,
    texts: Vec<TextView>,
}

#[derive(Serialize)]
struct TextView {
    column: usize,
    name: String,
    is_title: bool,
    chars: usize,
}

/// Runs `inspect`.
pub fn run(_global: &GlobalArgs, args: InspectArgs) -> anyhow::Result<ExitCode> {
    let opts = args.import.to_options()?;
    if args.save_profile.is_some() && args.inputs.len() != 1 {
        anyhow::bail!("--save-profile describes one export: give one input");
    }
    if let Some(path) = &args.save_profile {
        super::outputs::refuse_writing_over_inputs(
            &args.inputs,
            &[("--save-profile", Some(path))],
        )?;
    }
    let mut rejects_out = args.import.rejects_writer(false)?;
    let mut out = Output::open(args.output.as_deref(), &args.inputs)?;
    let mut all = Vec::new();
    for (source, input) in args.inputs.iter().enumerate() {
        let mut reader = Reader::open(input, source, &opts)?;
        let mut diags = args.import.diagnostics();
        let (mut batch, mut rejects) = (Vec::new(), Vec::new());
        let mut shown = Vec::new();
        loop {
            // The library's errors name the file and line already.
            let n = reader.next_batch(4096, &mut batch, &mut rejects, &mut diags)?;
            if n == 0 {
                break;
            }
            let room = args.limit.saturating_sub(shown.len());
            shown.extend(batch.drain(..).take(room).map(|t| view(&t)));
            batch.clear();
            if let Some(w) = rejects_out.as_mut() {
                for r in rejects.drain(..) {
                    w.write(&r)?;
                }
            }
            rejects.clear();
        }
        if let Some(path) = &args.save_profile {
            let text = csirt_tagger::import::profile::save(reader.info(), &opts);
            csirt_tagger::output::write_atomically(path, |w| {
                w.write_all(text.as_bytes())
                    .map_err(|e| csirt_tagger::Error::io(path, e))
            })
            .with_context(|| format!("--save-profile {}", path.display()))?;
        }
        let inspected = inspected(&reader, diags, shown);
        if args.format == InspectFormat::Text {
            print_text(&mut out, &inspected)?;
        }
        all.push(inspected);
    }
    if let Some(w) = rejects_out {
        w.finish()?;
    }
    if args.format == InspectFormat::Json {
        let json = serde_json::json!({ "version": 1, "sources": all });
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
    }
    out.finish(_global.quiet)?;
    Ok(ExitCode::SUCCESS)
}

fn inspected(reader: &Reader, mut diags: Diagnostics, tickets: Vec<TicketView>) -> Inspected {
    let mut info = reader.info().clone();
    let counts = reader.counts();
    let summary = clean(&info.summary(&counts)).into_owned();
    // Header names, notes and examples come from the file: cleaned like ticket text.
    for h in &mut info.headers {
        *h = clean(h).into_owned();
    }
    for c in &mut info.columns {
        c.name = clean(&c.name).into_owned();
        if let Some(d) = c.date.as_mut() {
            d.example = d.example.as_deref().map(|e| clean(e).into_owned());
            d.order_reason = d.order_reason.as_deref().map(|e| clean(e).into_owned());
        }
    }
    info.notes = info.notes.iter().map(|n| clean(n).into_owned()).collect();
    info.caveats = info.caveats.iter().map(|n| clean(n).into_owned()).collect();
    info.detection.reason = clean(&info.detection.reason).into_owned();
    info.detection.matched = info
        .detection
        .matched
        .iter()
        .map(|n| clean(n).into_owned())
        .collect();
    let (warnings, errors) = (diags.warnings(), diags.errors());
    let mut diagnostics = diags.drain();
    diagnostics.truncate(SHOWN_DIAGNOSTICS);
    for d in &mut diagnostics {
        d.message = clean(&d.message).into_owned();
    }
    Inspected {
        info,
        summary,
        counts,
        warnings,
        errors,
        diagnostics,
        tickets,
    }
}

fn view(t: &Ticket) -> TicketView {
    let date =
        |d: Option<chrono::NaiveDateTime>| d.map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string());
    let opt = |s: &Option<String>| s.as_deref().map(|s| clean(s).into_owned());
    TicketView {
        line: t.line,
        record: t.record,
        id: clean(&t.id).into_owned(),
        title: clean(&t.title).into_owned(),
        created: date(t.created),
        resolved: date(t.resolved),
        status: t.status,
        time_spent: t.time_spent,
        priority: opt(&t.priority),
        queue: opt(&t.queue),
        texts: t
            .texts
            .iter()
            .map(|f| TextView {
                column: f.column,
                name: clean(&f.name).into_owned(),
                is_title: f.is_title,
                chars: f.text.chars().count(),
            })
            .collect(),
    }
}

fn print_text(out: &mut impl Write, s: &Inspected) -> anyhow::Result<()> {
    let i = &s.info;
    writeln!(out, "{}", clean(&i.path.display().to_string()))?;
    let how = if i.detection.forced {
        "forced by --flavour".to_string()
    } else {
        i.detection.reason.clone()
    };
    writeln!(out, "  flavour      {} ({how})", i.flavour)?;
    let bom = if i.bom { ", BOM skipped" } else { "" };
    writeln!(
        out,
        "  encoding     {} ({}{bom})",
        i.encoding, i.encoding_reason
    )?;
    let quoting = if i.quoting {
        "\" quotes fields"
    } else {
        "no quoting: \" is data"
    };
    writeln!(
        out,
        "  delimiter    {} ({}); {quoting}",
        shown_delimiter(&i.delimiter),
        i.delimiter_reason
    )?;
    writeln!(out, "  line ends    {}", i.line_endings)?;
    writeln!(out, "  summary      {}", s.summary)?;
    writeln!(out, "  columns")?;
    let width = i
        .columns
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 32);
    for c in &i.columns {
        let mut format = String::new();
        if let Some(d) = &c.date {
            let kinds: Vec<&str> = d.formats.iter().map(|k| k.describe()).collect();
            format = if kinds.is_empty() {
                "no dates seen".into()
            } else {
                kinds.join(" / ")
            };
            if let (Some(order), Some(why)) = (d.order, &d.order_reason) {
                format.push_str(&format!("; {order}: {why}"));
            }
            if d.unreadable > 0 {
                format.push_str(&format!(
                    "; {} of {} unreadable",
                    d.unreadable, d.values_seen
                ));
            }
        }
        if let Some(u) = &c.duration {
            let unit = match u.unit {
                TimeUnit::Seconds => "seconds",
                TimeUnit::Minutes => "minutes",
                TimeUnit::Hours => "hours",
                TimeUnit::Auto => "auto",
            };
            format = format!("a bare number is {unit} ({})", u.reason);
        }
        let name = if c.name.is_empty() {
            "(unnamed)"
        } else {
            c.name.as_str()
        };
        let line = format!(
            "    {:>3}  {name:<width$}  {:<17}  {format}",
            c.index + 1,
            c.role.name()
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    for warning in &i.caveats {
        writeln!(out, "  warning      {warning}")?;
    }
    for note in &i.notes {
        writeln!(out, "  note         {note}")?;
    }
    let c = &s.counts;
    writeln!(
        out,
        "  records      {} read: {} tickets, {} rejected; {} warnings",
        c.read, c.tickets, c.rejected, s.warnings
    )?;
    for d in &s.diagnostics {
        writeln!(out, "    {}", d.to_string().replace('\n', "\n    "))?;
    }
    let more = (s.warnings + s.errors).saturating_sub(s.diagnostics.len() as u64);
    if more > 0 {
        writeln!(out, "    ... and {more} more")?;
    }
    if !s.tickets.is_empty() {
        writeln!(out, "  first {} tickets", s.tickets.len())?;
    }
    for t in &s.tickets {
        writeln!(out, "    {}  (line {})  {}", t.id, t.line, t.title)?;
        let mut parts = Vec::new();
        let mut add = |label: &str, value: Option<String>| {
            parts.push(format!("{label} {}", value.unwrap_or_else(|| "-".into())));
        };
        add("created", t.created.clone());
        add("resolved", t.resolved.clone());
        add("status", Some(format!("{:?}", t.status).to_lowercase()));
        add("time spent", t.time_spent.map(duration));
        add("priority", t.priority.clone());
        add("queue", t.queue.clone());
        writeln!(out, "        {}", parts.join("  "))?;
        let texts: Vec<String> = t
            .texts
            .iter()
            .map(|f| format!("{} ({})", f.name, f.chars))
            .collect();
        writeln!(
            out,
            "        texts: {}",
            if texts.is_empty() {
                "-".into()
            } else {
                texts.join(", ")
            }
        )?;
    }
    writeln!(out)?;
    Ok(())
}

fn shown_delimiter(d: &str) -> String {
    match d {
        "\t" => "TAB".into(),
        d => format!("'{d}'"),
    }
}

/// `1h 30m (5400 s)`.
fn duration(secs: f64) -> String {
    let s = secs.round() as u64;
    let (d, h, m) = (s / 86400, s / 3600 % 24, s / 60 % 60);
    let mut out = String::new();
    if d > 0 {
        out.push_str(&format!("{d}d "));
    }
    if d > 0 || h > 0 {
        out.push_str(&format!("{h}h "));
    }
    out.push_str(&format!("{m}m ({secs} s)"));
    out
}

/// Makes text from an input safe for a terminal, on one line: ANSI escape sequences (CSI,
/// OSC) removed whole, line breaks and tabs as spaces, other control characters (C0, DEL, C1)
/// and bidirectional overrides removed.
fn clean(text: &str) -> Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' | '\u{9b}' | '\u{9d}' => {
                // CSI: ESC [ params final(0x40..=0x7e); OSC: ESC ] ... BEL or ESC \.
                let kind = if c == '\u{1b}' {
                    chars.next()
                } else {
                    Some(if c == '\u{9b}' { '[' } else { ']' })
                };
                match kind {
                    Some('[') => {
                        for p in chars.by_ref() {
                            if ('\u{40}'..='\u{7e}').contains(&p) {
                                break;
                            }
                        }
                    }
                    Some(']') => {
                        while let Some(p) = chars.next() {
                            if p == '\u{7}'
                                || p == '\u{9c}'
                                || p == '\u{1b}' && chars.next_if_eq(&'\\').is_some()
                            {
                                break;
                            }
                        }
                    }
                    _ => {}
                }
            }
            '\n' | '\r' | '\t' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if unsafe_char(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_removed_whole_and_lines_joined() {
        assert_eq!(clean("ok \u{1b}[31mred\u{1b}[0m"), "ok red");
        assert_eq!(clean("title\u{1b}]0;pwned\u{7}!"), "title!");
        assert_eq!(clean("two\r\nlines\tand\u{0}nul"), "two lines andnul");
        assert_eq!(clean("evil\u{202e}fdp.exe\u{9b}2J"), "evilfdp.exe");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn durations_show_days_hours_minutes_and_seconds() {
        assert_eq!(duration(5400.0), "1h 30m (5400 s)");
        assert_eq!(duration(183600.0), "2d 3h 0m (183600 s)");
        assert_eq!(duration(90.0), "1m (90 s)");
    }
}
