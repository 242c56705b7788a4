//! The Markdown report, for wikis: the same tables as the terminal, as pipe tables.
//!
//! Text from tickets and files is made inert for a wiki: formula prefixes are neutralised
//! (wikis export tables to spreadsheets; off with `--raw`), `|` cannot end a cell, `<`, `>`
//! and `&` become entities (wikis render inline HTML), and `[`, `]`, `*`, `_` and backticks are
//! escaped so a value cannot become a link or change the formatting.

use std::io::{self, Write};

use super::figures::{Figures, Level, Row};
use super::provenance::Provenance;
use super::table::grouped;
use super::text;
use crate::output::escape::neutralize_formula;
use crate::stats::Workload;

/// Writes the Markdown report under `options.title`; `options.raw` keeps formula-like cells as
/// they are.
pub fn write(
    out: &mut dyn Write,
    f: &Figures,
    p: &Provenance,
    w: &Workload,
    options: &super::ReportOptions,
) -> io::Result<()> {
    let raw = options.raw;
    let md = |s: &str| escape(s, raw);
    let m = f.min_count;
    match &options.title {
        Some(title) => writeln!(
            out,
            "# {}\n\nWorkload per {}: {} {}\n",
            md(title),
            f.level_names[1],
            md(&p.catalog.name),
            md(&p.catalog.version)
        )?,
        None => writeln!(
            out,
            "# Workload per {}: {} {}\n",
            f.level_names[1],
            md(&p.catalog.name),
            md(&p.catalog.version)
        )?,
    }
    let range = match (f.first_seen, f.end) {
        (Some(a), Some(b)) => format!(" from {}", text::span(a, b, f.end_from == "until")),
        _ => String::new(),
    };
    writeln!(
        out,
        "{} tickets counted{range}. **Attribution {}**: {}.\n",
        text::count(f.total.tickets, m),
        f.attribution.as_str(),
        f.attribution_note
    )?;

    writeln!(out, "## Workload per {}\n", f.level_names[1])?;
    let rows = grouped(f);
    let last = f
        .periods
        .last()
        .cloned()
        .unwrap_or_else(|| "Last period".into());
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
        "Resolved",
        "Resolve median",
        "Resolve p90",
        "Backlog",
        "Age median",
        "Age p90",
        &last,
        "Change",
    ];
    table(
        out,
        &head,
        &[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
        rows.iter().map(|r| {
            vec![
                label(r, &md),
                md(&r.name),
                text::count(r.primary, m),
                text::count(r.tickets, m),
                text::share(r.share, m),
                text::hours(r.time_spent, m),
                text::duration(r.time_mean, m),
                text::duration(r.time_median, m),
                text::duration(r.time_p90, m),
                text::count(r.resolved, m),
                text::duration(r.resolve_median, m),
                text::duration(r.resolve_p90, m),
                text::count(r.backlog, m),
                text::duration(r.backlog_age_median, m),
                text::duration(r.backlog_age_p90, m),
                r.trend.last().map_or("–".into(), |c| text::count(*c, m)),
                text::change(r.change, r.change_ratio, m),
            ]
        }),
    )?;

    if !f.functions.is_empty() {
        writeln!(out, "\n## Per {}\n", f.level_names[2])?;
        let head = [
            "ID",
            "Name",
            "Primary",
            "Tickets",
            "Share",
            "Time spent",
            "Resolve median",
        ];
        table(
            out,
            &head,
            &[2, 3, 4, 5, 6],
            f.functions.iter().map(|r| {
                vec![
                    md(&r.id),
                    md(&r.name),
                    text::count(r.primary, m),
                    text::count(r.tickets, m),
                    text::share(r.share, m),
                    text::hours(r.time_spent, m),
                    text::duration(r.resolve_median, m),
                ]
            }),
        )?;
    }

    if let Some(c) = &f.calibration {
        writeln!(
            out,
            "\n## Estimated true figures per {}\n\nFrom {} reviewed tickets of a random sample ({}); 95 % intervals. Estimator: {}.\n",
            f.level_names[1],
            c.reviewed,
            md(&c.labels),
            c.estimator
        )?;
        let hours = |s: f64| format!("{:.1} h", s / 3_600.0);
        table(
            out,
            &[
                "ID",
                "Name",
                "Tickets",
                "Estimate",
                "95 % interval",
                "Time spent",
                "Estimate",
                "95 % interval",
            ],
            &[2, 3, 4, 5, 6, 7],
            f.services.iter().filter_map(|r| {
                let e = r.estimate.as_ref()?;
                let t = e.time_spent.as_ref();
                Some(vec![
                    label(r, &md),
                    md(&r.name),
                    text::count(r.tickets, m),
                    format!("{:.1}", e.tickets),
                    format!("{:.1} – {:.1}", e.low, e.high),
                    text::hours(r.time_spent, m),
                    t.map_or("–".into(), |t| hours(t.seconds)),
                    t.map_or("–".into(), |t| {
                        format!("{} – {}", hours(t.low), hours(t.high))
                    }),
                ])
            }),
        )?;
    }

    if !f.periods.is_empty() {
        writeln!(
            out,
            "\n## Tickets created per {} and {}\n",
            f.period.as_str(),
            f.level_names[0]
        )?;
        let mut head = vec!["ID", "Name"];
        head.extend(f.periods.iter().map(String::as_str));
        let right: Vec<usize> = (2..head.len()).collect();
        table(
            out,
            &head,
            &right,
            f.areas.iter().chain([&f.untagged, &f.total]).map(|r| {
                let mut cells = vec![md(&r.id), md(&r.name)];
                cells.extend(r.trend.iter().map(|c| text::count(*c, m)));
                cells
            }),
        )?;
    }

    if let Some(by) = &f.by {
        writeln!(
            out,
            "\n## Tickets per {} and {}\n",
            f.level_names[1],
            md(&by.column)
        )?;
        let values: Vec<String> = by.values.iter().map(|v| md(v)).collect();
        let mut head = vec!["ID", "Name"];
        head.extend(values.iter().map(String::as_str));
        let right: Vec<usize> = (2..head.len()).collect();
        let extra = [
            ("", "Untagged", &by.untagged),
            ("", "All tickets", &by.total),
        ];
        let rows = by
            .rows
            .iter()
            .map(|(level, id, name, cells)| (level_id(*level, &md(id)), md(name), cells));
        let rows = rows.chain(
            extra
                .iter()
                .map(|(id, name, cells)| (id.to_string(), name.to_string(), *cells)),
        );
        table(
            out,
            &head,
            &right,
            rows.map(|(id, name, cells)| {
                let mut row = vec![id, name];
                row.extend(cells.iter().map(|c| text::count(*c, m)));
                row
            }),
        )?;
    }

    if !f.untagged_samples.is_empty() {
        writeln!(out, "\n## Untagged tickets, for example\n")?;
        table(
            out,
            &["ID", "Title"],
            &[],
            f.untagged_samples
                .iter()
                .map(|s| vec![md(&s.id), md(&s.title)]),
        )?;
    }

    writeln!(out, "\n## Notes\n")?;
    for note in &f.notes {
        writeln!(out, "- {}", md(note))?;
    }
    writeln!(out, "\n## Made from\n")?;
    let mut made = vec![
        ("Tool".to_string(), md(&p.tool)),
        (
            "Catalog".into(),
            format!(
                "{} `{}` ({})",
                md(&p.catalog.short),
                p.catalog.fingerprint,
                md(&p.catalog.origin)
            ),
        ),
    ];
    made.extend(p.rules.iter().map(|r| {
        (
            "Rules".to_string(),
            format!("{} `{}`", md(&r.name), r.sha256),
        )
    }));
    made.extend(p.inputs.iter().map(|i| {
        let details = i.details();
        let n = if details.is_empty() {
            String::new()
        } else {
            format!(", {}", md(&details))
        };
        (
            "Input".to_string(),
            format!("{} `{}`{n}", md(&i.name), i.sha256),
        )
    }));
    made.extend(p.merged_from.iter().map(|i| {
        (
            "Merged from".to_string(),
            format!("{} `{}`", md(&i.name), i.sha256),
        )
    }));
    let options: Vec<String> = w
        .options
        .describe()
        .iter()
        .map(|(k, v)| format!("--{k} {}", md(v)))
        .collect();
    made.push(("Options".into(), options.join(" ")));
    table(
        out,
        &["What", "Value"],
        &[],
        made.into_iter().map(|(a, b)| vec![a, b]),
    )
}

fn level_id(level: Level, id: &str) -> String {
    match level {
        Level::Service | Level::Function => format!("&nbsp;&nbsp;{id}"),
        _ => id.to_string(),
    }
}

fn label(r: &Row, md: &dyn Fn(&str) -> String) -> String {
    match r.level {
        Level::Area => format!("**{}**", md(&r.id)),
        Level::Total => "**All**".to_string(),
        _ => level_id(r.level, &md(&r.id)),
    }
}

/// Writes a pipe table; columns listed in `right` are right-aligned.
fn table(
    out: &mut dyn Write,
    head: &[&str],
    right: &[usize],
    rows: impl Iterator<Item = Vec<String>>,
) -> io::Result<()> {
    writeln!(out, "| {} |", head.join(" | "))?;
    let rule: Vec<&str> = (0..head.len())
        .map(|i| if right.contains(&i) { "---:" } else { "---" })
        .collect();
    writeln!(out, "| {} |", rule.join(" | "))?;
    for row in rows {
        writeln!(out, "| {} |", row.join(" | "))?;
    }
    Ok(())
}

/// Makes text inert in a Markdown table cell (see the module docs).
pub fn escape(text: &str, raw: bool) -> String {
    let text = if raw {
        text.into()
    } else {
        neutralize_formula(text)
    };
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '[' | ']' | '*' | '_' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::{fixture, render_to_string};
    use crate::report::{Format, ReportOptions};

    #[test]
    fn the_markdown_report_is_pinned() {
        let (work, catalog, provenance) = fixture();
        let options = ReportOptions {
            format: Format::Markdown,
            ..ReportOptions::default()
        };
        insta::assert_snapshot!(render_to_string(&work, &catalog, &provenance, &options));
    }

    #[test]
    fn ticket_text_cannot_break_a_table_inject_html_or_run_as_a_formula() {
        assert_eq!(escape("a|b", false), "a\\|b");
        assert_eq!(
            escape("<img src=x onerror=alert(1)>", false),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(escape("=HYPERLINK(\"x\")", false), "'=HYPERLINK(\"x\")");
        assert_eq!(escape("=1", true), "=1");
        assert_eq!(
            escape("[click](javascript:x)", false),
            "\\[click\\](javascript:x)"
        );
    }
}
