//! The terminal report: aligned plain-text tables.
//!
//! Every text that came from tickets or files goes through [`escape::terminal`], so an
//! escape sequence in a ticket title cannot rewrite the screen.

use std::io::{self, Write};

use super::figures::{Figures, Level, Row, TimeEstimate};
use super::provenance::Provenance;
use super::text;
use crate::output::escape;
use crate::stats::Workload;

/// Longest name shown; longer ones are cut with `…`.
const NAME_WIDTH: usize = 48;
/// Periods shown in the trend table (the most recent).
const TREND_PERIODS: usize = 12;
/// Values of the `--by` column shown (the largest).
const BY_VALUES: usize = 10;

/// Writes the report as plain-text tables.
pub fn write(out: &mut dyn Write, f: &Figures, p: &Provenance, w: &Workload) -> io::Result<()> {
    let m = f.min_count;
    let cat = &p.catalog;
    writeln!(
        out,
        "Workload per {} — {} {} ({})",
        f.level_names[1],
        safe(&cat.name),
        safe(&cat.version),
        safe(&cat.short)
    )?;
    let range = match (f.first_seen, f.end) {
        (Some(a), Some(b)) => format!(", {}", text::span(a, b, f.end_from == "until")),
        _ => String::new(),
    };
    writeln!(
        out,
        "{} tickets counted{range}",
        text::count(f.total.tickets, m)
    )?;
    writeln!(
        out,
        "Attribution {}: {}.",
        f.attribution.as_str(),
        f.attribution_note
    )?;

    writeln!(out, "\nWorkload per {}", f.level_names[1])?;
    let rows = grouped(f);
    let head = [
        "ID",
        "Name",
        "Primary",
        "Tickets",
        "Share",
        "Time spent",
        "Mean",
        "Median",
        "P90",
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                label_id(r),
                name(r),
                text::count(r.primary, m),
                text::count(r.tickets, m),
                text::share(r.share, m),
                text::hours(r.time_spent, m),
                text::duration(r.time_mean, m),
                text::duration(r.time_median, m),
                text::duration(r.time_p90, m),
            ]
        })
        .collect();
    grid(out, &head, &body)?;

    let last = f
        .periods
        .last()
        .cloned()
        .unwrap_or_else(|| "Last period".into());
    writeln!(out, "\nResolution and backlog")?;
    let head = [
        "ID",
        "Name",
        "Resolved",
        "Median",
        "P90",
        "Backlog",
        "Age median",
        "Age p90",
        &last,
        "Change",
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                label_id(r),
                name(r),
                text::count(r.resolved, m),
                text::duration(r.resolve_median, m),
                text::duration(r.resolve_p90, m),
                text::count(r.backlog, m),
                text::duration(r.backlog_age_median, m),
                text::duration(r.backlog_age_p90, m),
                r.trend.last().map_or("–".into(), |c| text::count(*c, m)),
                text::change(r.change, r.change_ratio, m),
            ]
        })
        .collect();
    grid(out, &head, &body)?;

    if let Some(c) = &f.calibration {
        writeln!(
            out,
            "\nEstimated true tickets per {}, from {} reviewed tickets ({}; 95 % interval)",
            f.level_names[1],
            c.reviewed,
            escape::terminal(&c.labels)
        )?;
        let head = ["ID", "Name", "Tagged", "Estimate", "Low", "High"];
        let body: Vec<Vec<String>> = f
            .services
            .iter()
            .filter_map(|r| {
                let e = r.estimate.as_ref()?;
                Some(vec![
                    label_id(r),
                    name(r),
                    text::count(r.tickets, m),
                    format!("{:.1}", e.tickets),
                    format!("{:.1}", e.low),
                    format!("{:.1}", e.high),
                ])
            })
            .collect();
        grid(out, &head, &body)?;
        let timed: Vec<(&Row, &TimeEstimate)> = f
            .services
            .iter()
            .filter_map(|r| Some((r, r.estimate.as_ref()?.time_spent.as_ref()?)))
            .collect();
        if !timed.is_empty() {
            writeln!(out, "\nEstimated true time spent (hours; 95 % interval)")?;
            let head = ["ID", "Name", "Tagged", "Estimate", "Low", "High"];
            let h = |s: f64| format!("{:.1}", s / 3600.0);
            let body: Vec<Vec<String>> = timed
                .iter()
                .map(|(r, t)| {
                    vec![
                        label_id(r),
                        name(r),
                        text::hours(r.time_spent, m),
                        h(t.seconds),
                        h(t.low),
                        h(t.high),
                    ]
                })
                .collect();
            grid(out, &head, &body)?;
        }
    }

    if !f.periods.is_empty() {
        let skip = f.periods.len().saturating_sub(TREND_PERIODS);
        writeln!(
            out,
            "\nTickets created per {} and {}",
            f.period.as_str(),
            f.level_names[0]
        )?;
        let mut head = vec!["ID", "Name"];
        head.extend(f.periods[skip..].iter().map(String::as_str));
        let body: Vec<Vec<String>> = f
            .areas
            .iter()
            .chain([&f.untagged, &f.total])
            .map(|r| {
                let mut cells = vec![label_id(r), name(r)];
                cells.extend(r.trend[skip..].iter().map(|c| text::count(*c, m)));
                cells
            })
            .collect();
        grid(out, &head, &body)?;
    }

    if let Some(by) = &f.by {
        let shown = by.values.len().min(BY_VALUES);
        writeln!(
            out,
            "\nTickets per {} and {}",
            f.level_names[1],
            safe(&by.column)
        )?;
        let values: Vec<String> = by.values[..shown].iter().map(|v| safe(v)).collect();
        let mut head = vec!["ID", "Name"];
        head.extend(values.iter().map(String::as_str));
        let mut body: Vec<Vec<String>> = by
            .rows
            .iter()
            .map(|(level, id, name, cells)| {
                let id = if *level == Level::Area {
                    id.clone()
                } else {
                    format!("  {id}")
                };
                let mut row = vec![id, cut(name)];
                row.extend(cells[..shown].iter().map(|c| text::count(*c, m)));
                row
            })
            .collect();
        for (label, cells) in [("Untagged", &by.untagged), ("All tickets", &by.total)] {
            let mut row = vec![String::new(), label.to_string()];
            row.extend(cells[..shown].iter().map(|c| text::count(*c, m)));
            body.push(row);
        }
        grid(out, &head, &body)?;
        if by.values.len() > shown {
            writeln!(
                out,
                "({} more values in the CSV, JSON and HTML reports)",
                by.values.len() - shown
            )?;
        }
    }

    if !f.untagged_samples.is_empty() {
        writeln!(out, "\nUntagged tickets, for example:")?;
        for s in &f.untagged_samples {
            writeln!(out, "  {}  {}", safe(&s.id), safe(&s.title))?;
        }
    }
    writeln!(out, "\nNotes")?;
    for note in &f.notes {
        writeln!(out, "- {note}")?;
    }
    writeln!(out, "\nMade from")?;
    writeln!(out, "  tool     {}", safe(&p.tool))?;
    writeln!(
        out,
        "  catalog  {} {} ({})",
        safe(&cat.short),
        cat.fingerprint,
        safe(&cat.origin)
    )?;
    for r in &p.rules {
        writeln!(out, "  rules    {} {}", safe(&r.name), r.sha256)?;
    }
    for i in &p.inputs {
        let details = i.details();
        let n = if details.is_empty() {
            String::new()
        } else {
            format!(" ({})", safe(&details))
        };
        writeln!(out, "  input    {} {}{n}", safe(&i.name), i.sha256)?;
    }
    for i in &p.merged_from {
        writeln!(out, "  merged   {} {}", safe(&i.name), i.sha256)?;
    }
    let options: Vec<String> = w
        .options
        .describe()
        .iter()
        .map(|(k, v)| format!("--{k} {}", safe(v)))
        .collect();
    writeln!(out, "  options  {}", options.join(" "))?;
    Ok(())
}

/// Areas, each followed by its services, then services not in the catalog, untagged, total.
pub(crate) fn grouped(f: &Figures) -> Vec<&Row> {
    let mut rows = Vec::new();
    for area in &f.areas {
        rows.push(area);
        rows.extend(f.services.iter().filter(|s| s.area == area.id));
    }
    rows.extend(f.services.iter().filter(|s| s.area.is_empty()));
    rows.push(&f.untagged);
    rows.push(&f.total);
    rows
}

fn safe(text: &str) -> String {
    escape::terminal(text).into_owned()
}

fn label_id(r: &Row) -> String {
    match r.level {
        Level::Area | Level::Total | Level::Untagged => safe(&r.id),
        _ => format!("  {}", safe(&r.id)),
    }
}

fn name(r: &Row) -> String {
    cut(&r.name)
}

fn cut(name: &str) -> String {
    let name = safe(name);
    if name.chars().count() <= NAME_WIDTH {
        return name;
    }
    let mut short: String = name.chars().take(NAME_WIDTH - 1).collect();
    short.push('…');
    short
}

/// Writes aligned columns: the first two left-aligned (id, name), the others right-aligned.
fn grid(out: &mut dyn Write, head: &[&str], body: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for row in body {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut dyn Write, cells: &mut dyn Iterator<Item = &str>| -> io::Result<()> {
        let mut text = String::new();
        for (i, (cell, &w)) in cells.zip(&widths).enumerate() {
            let pad = w - cell.chars().count();
            if i > 0 {
                text.push_str("  ");
            }
            if i < 2 {
                text.push_str(cell);
                text.extend(std::iter::repeat_n(' ', pad));
            } else {
                text.extend(std::iter::repeat_n(' ', pad));
                text.push_str(cell);
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(out, &mut head.iter().copied())?;
    let rule: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
    line(out, &mut rule.iter().map(String::as_str))?;
    for row in body {
        line(out, &mut row.iter().map(String::as_str))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::report::tests::{fixture, render_to_string};
    use crate::report::{Format, ReportOptions};

    #[test]
    fn the_terminal_table_is_pinned() {
        let (work, catalog, provenance) = fixture();
        let options = ReportOptions {
            format: Format::Table,
            ..ReportOptions::default()
        };
        insta::assert_snapshot!(render_to_string(&work, &catalog, &provenance, &options));
    }

    #[test]
    fn control_characters_from_tickets_never_reach_the_terminal() {
        let (work, catalog, provenance) = fixture();
        let text = render_to_string(&work, &catalog, &provenance, &ReportOptions::default());
        assert!(!text.contains('\u{1b}'), "an escape sequence got through");
        assert!(
            text.contains("\u{fffd}[2J"),
            "the escape was replaced, the rest kept"
        );
    }
}
