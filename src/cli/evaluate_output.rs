//! How `evaluate` prints: a text report for people, CSV for spreadsheets (JSON is the
//! serialised [`Scored`] values, in `evaluate.rs`).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use csirt_tagger::evaluate::Report;
use csirt_tagger::output::neutralize_formula;

use super::evaluate::{Mistake, Moved, Scored};
use super::term::sanitize;

/// Output formats of `evaluate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EvaluateFormat {
    /// Tables and the worst mistakes, for people.
    Text,
    /// `rules,scope,service,name,precision,recall,f1,support,predicted`: one row per service,
    /// then `micro`, `macro` and `primary` rows (the primary row's precision, recall and f1
    /// are the accuracy; support is the tickets with a gold primary).
    Csv,
    /// One JSON document: `{"schema": 1, "gold", "base": {...}, "compare": {...} | null}`.
    Json,
}

/// Writes the CSV rows of every scored rule set.
/// Text cells (rules paths, ids and names from files) that a spreadsheet would run as a
/// formula get a leading `'` unless `raw`.
pub fn write_csv(out: &mut impl Write, scored: &[Scored], raw: bool) -> anyhow::Result<()> {
    let text = |cell: &str| -> String {
        if raw {
            cell.to_string()
        } else {
            neutralize_formula(cell).into_owned()
        }
    };
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "rules",
        "scope",
        "service",
        "name",
        "precision",
        "recall",
        "f1",
        "support",
        "predicted",
    ])?;
    let f = |x: f64| format!("{x:.4}");
    for s in scored {
        let r = &s.report;
        let rules = text(&s.rules);
        for svc in &r.services {
            w.write_record([
                rules.as_str(),
                "service",
                &text(&svc.id),
                &text(&svc.name),
                &f(svc.scores.precision),
                &f(svc.scores.recall),
                &f(svc.scores.f1),
                &svc.support.to_string(),
                &svc.predicted.to_string(),
            ])?;
        }
        for (scope, sc) in [("micro", r.micro), ("macro", r.macro_scores)] {
            let (p, rc, f1) = (f(sc.precision), f(sc.recall), f(sc.f1));
            w.write_record([&rules, scope, "", "", &p, &rc, &f1, "", ""])?;
        }
        let a = f(r.primary.accuracy);
        let total = r.primary.total.to_string();
        w.write_record([&rules, "primary", "", "", &a, &a, &a, &total, ""])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the text report: one rule set, or two side by side.
pub fn write_text(
    out: &mut impl Write,
    scored: &[Scored],
    moved: Option<&Moved>,
    gold: &Path,
) -> anyhow::Result<()> {
    let r = &scored[0].report;
    writeln!(
        out,
        "{} tickets scored against {} ({} read without gold label, not scored)",
        r.scored,
        gold.display(),
        r.without_gold
    )?;
    if let [base, other] = scored {
        return write_comparison(out, base, other, moved);
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<8} {:>9} {:>6} {:>6} {:>7} {:>9}  name",
        "service", "precision", "recall", "f1", "support", "predicted"
    )?;
    for s in &r.services {
        writeln!(
            out,
            "{:<8} {:>9.3} {:>6.3} {:>6.3} {:>7} {:>9}  {}",
            s.id, s.scores.precision, s.scores.recall, s.scores.f1, s.support, s.predicted, s.name
        )?;
    }
    writeln!(out)?;
    write_averages(out, r)?;
    writeln!(out)?;
    write_confusion(out, r)?;
    write_mistakes(
        out,
        "worst misses (gold services not tagged)",
        &scored[0].misses,
    )?;
    write_mistakes(
        out,
        "worst false alarms (tags not in the gold labels)",
        &scored[0].false_alarms,
    )?;
    Ok(())
}

fn write_averages(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    let m = r.micro;
    writeln!(
        out,
        "micro-average:   precision {:.3}  recall {:.3}  F1 {:.3}",
        m.precision, m.recall, m.f1
    )?;
    let m = r.macro_scores;
    writeln!(
        out,
        "macro-average:   precision {:.3}  recall {:.3}  F1 {:.3}  (over the {} services with \
         support or predictions)",
        m.precision, m.recall, m.f1, r.macro_services
    )?;
    writeln!(
        out,
        "primary accuracy: {:.3}  ({} of {} tickets with a gold primary)",
        r.primary.accuracy, r.primary.correct, r.primary.total
    )?;
    let s = r.sources;
    writeln!(
        out,
        "tagged by:        rules {}, index {} ({} from labelled examples, {} from the catalog), \
         untagged {} ({:.1} %)",
        s.rules,
        s.examples + s.catalog,
        s.examples,
        s.catalog,
        s.untagged,
        100.0 * s.untagged as f64 / r.scored.max(1) as f64
    )
}

/// Gold primary (rows) x predicted primary (columns); `-` is "no tag".
fn write_confusion(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    let name = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    let rows: BTreeSet<String> = r.confusion.iter().map(|c| name(&c.gold)).collect();
    let mut cols: Vec<String> = r
        .confusion
        .iter()
        .map(|c| name(&c.predicted))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // "-" (no tag) last, where it reads as a column of its own.
    cols.sort_by_key(|c| (c == "-", version_key(c)));
    let mut rows: Vec<String> = rows.into_iter().collect();
    rows.sort_by_key(|c| version_key(c));
    writeln!(
        out,
        "primary services: gold (rows) x predicted (columns), - = no tag"
    )?;
    write!(out, "{:<6}", "")?;
    for c in &cols {
        write!(out, "{c:>5}")?;
    }
    writeln!(out)?;
    for row in &rows {
        write!(out, "{row:<6}")?;
        for col in &cols {
            let n: u64 = r
                .confusion
                .iter()
                .filter(|c| &name(&c.gold) == row && &name(&c.predicted) == col)
                .map(|c| c.count)
                .sum();
            if n == 0 {
                write!(out, "{:>5}", ".")?;
            } else {
                write!(out, "{n:>5}")?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

/// `6.10` after `6.9`: ids compared number by number.
fn version_key(id: &str) -> Vec<u32> {
    id.split('.')
        .map(|p| p.parse().unwrap_or(u32::MAX))
        .collect()
}

fn write_mistakes(out: &mut impl Write, title: &str, list: &[Mistake]) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{title}:")?;
    if list.is_empty() {
        writeln!(out, "  none")?;
    }
    for m in list {
        writeln!(
            out,
            "  {} {}{}  gold [{}]  tags [{}]",
            sanitize(&m.ticket),
            m.service,
            if m.primary { " (primary)" } else { "" },
            m.gold.join(", "),
            m.tags.join(", ")
        )?;
        for line in &m.why {
            writeln!(out, "      {}", sanitize(line))?;
        }
    }
    Ok(())
}

/// Two rule sets side by side: per service F1, tickets and hours, then the averages.
fn write_comparison(
    out: &mut impl Write,
    base: &Scored,
    other: &Scored,
    moved: Option<&Moved>,
) -> anyhow::Result<()> {
    writeln!(out, "A = {}\nB = {}\n", base.rules, other.rules)?;
    let (a, b) = (&base.report, &other.report);
    let mut ids: Vec<String> = a
        .services
        .iter()
        .map(|s| s.id.clone())
        .chain(b.services.iter().map(|s| s.id.clone()))
        .chain(a.workload.iter().map(|w| w.id.clone()))
        .chain(b.workload.iter().map(|w| w.id.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    ids.sort_by_key(|id| version_key(id));
    writeln!(
        out,
        "{:<8} {:>6} {:>6} {:>7}   {:>9} {:>9}   {:>8} {:>8} {:>8}",
        "service",
        "F1 A",
        "F1 B",
        "change",
        "tickets A",
        "tickets B",
        "hours A",
        "hours B",
        "moved"
    )?;
    let f1 = |r: &Report, id: &str| {
        r.services
            .iter()
            .find(|s| s.id == id)
            .map_or(0.0, |s| s.scores.f1)
    };
    let work = |r: &Report, id: &str| {
        r.workload
            .iter()
            .find(|w| w.id == id)
            .map_or((0, 0.0), |w| (w.tickets, w.hours))
    };
    for id in &ids {
        let (fa, fb) = (f1(a, id), f1(b, id));
        let ((ta, ha), (tb, hb)) = (work(a, id), work(b, id));
        writeln!(
            out,
            "{id:<8} {fa:>6.3} {fb:>6.3} {:>+7.3}   {ta:>9} {tb:>9}   {ha:>8.1} {hb:>8.1} {:>+8.1}",
            fb - fa,
            hb - ha
        )?;
    }
    if let Some(m) = moved {
        writeln!(
            out,
            "\nB changes the services of {} of {} tickets read ({:.1} %): the {:.1} of {:.1} hours \
             spent on them ({:.1} %) count toward other services than under A (a ticket's time \
             counts toward each of its services, as in the report).",
            m.tickets_changed,
            m.tickets,
            percent(m.tickets_changed as f64, m.tickets as f64),
            m.hours_changed,
            m.hours,
            percent(m.hours_changed, m.hours)
        )?;
    }
    for (name, r) in [("A", a), ("B", b)] {
        writeln!(out, "\n{name}:")?;
        write_averages(out, r)?;
    }
    Ok(())
}

fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        100.0 * part / whole
    } else {
        0.0
    }
}
