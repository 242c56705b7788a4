//! The HTML report: one self-contained page (no external asset, works offline) with a
//! provenance header, key figures, four inline-SVG charts (workload per service grouped by
//! area, trend per area, share of time spent, distribution of time to resolve) and sortable
//! tables.
//!
//! Safety: every text from tickets or files goes through [`crate::output::escape::html`]; on top of that, a
//! Content-Security-Policy allows nothing but our own two scripts (by SHA-256 hash) and inline
//! styles, so even an escaping mistake could neither run an `onerror=` handler nor load
//! anything. The page's script marks `<body data-ready="true">` when it has run, and an error
//! handler records any script error in a `data-errors` attribute, which the browser test reads.

mod charts;

pub(crate) use charts::PALETTE;

use std::io::{self, Write};

use sha2::{Digest, Sha256};

use super::figures::{Cell, Figures, Level, Row};
use super::provenance::Provenance;
use super::text;
use crate::output::escape::html as h;
use crate::stats::Workload;

const STYLE: &str = include_str!("html/style.css");
const SCRIPT: &str = include_str!("html/script.js");
/// Runs first: records script errors where a test (or a reader with dev tools) can see them.
pub(crate) const ON_ERROR: &str = "window.addEventListener(\"error\",function(e){var t=document.body||document.documentElement;t.setAttribute(\"data-errors\",(t.getAttribute(\"data-errors\")||\"\")+(e.message||\"error\")+\"; \");});";

/// Writes the HTML report under `options.title`.
pub fn write(
    out: &mut dyn Write,
    f: &Figures,
    p: &Provenance,
    w: &Workload,
    options: &super::ReportOptions,
) -> io::Result<()> {
    let mut page = String::with_capacity(64 * 1024);
    head(&mut page, f, p, options.title.as_deref());
    page.push_str("<main>\n");
    kpis(&mut page, f);
    charts_section(&mut page, f);
    tables(&mut page, f);
    notes(&mut page, f);
    made_from(&mut page, f, p, w);
    page.push_str("</main>\n");
    page.push_str(&format!(
        "<footer>Made by {} · JSON schema csirt-tagger/report v{} · open offline, prints on A4/Letter.</footer>\n",
        h(&p.tool),
        super::json::SCHEMA_VERSION
    ));
    page.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    out.write_all(page.as_bytes())
}

/// `'sha256-<base64>'` of a script, for the Content-Security-Policy.
pub(crate) fn csp_hash(script: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let digest = Sha256::digest(script.as_bytes());
    let mut b64 = String::new();
    for chunk in digest.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    format!("'sha256-{b64}'")
}

fn head(page: &mut String, f: &Figures, p: &Provenance, title: Option<&str>) {
    let cat = &p.catalog;
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src {} {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(ON_ERROR),
        csp_hash(SCRIPT)
    );
    let range = match (f.first_seen, f.end) {
        (Some(a), Some(b)) => text::span(a, b, f.end_from == "until"),
        _ => "no dated tickets".to_string(),
    };
    let standard = format!("Workload per {}", f.level_names[1]);
    let title = title.unwrap_or(&standard);
    page.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n<title>{} — {} — {}</title>\n<script>{ON_ERROR}</script>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        h(title),
        h(&cat.short),
        h(&range)
    ));
    page.push_str(&format!(
        "<header class=\"top\"><h1>{}</h1><div class=\"sub\">{} {} · {} tickets · {} · attribution <b>{}</b>: {} · <a href=\"#made-from\">made from</a></div></header>\n",
        h(title),
        h(&cat.name),
        h(&cat.version),
        text::count(f.total.tickets, f.min_count),
        h(&range),
        f.attribution.as_str(),
        h(f.attribution_note)
    ));
}

/// What the report was made from (tool, catalog, rules, inputs with their fingerprints,
/// options), folded away at the foot of the page: there for the record, not for the meeting.
fn made_from(page: &mut String, f: &Figures, p: &Provenance, w: &Workload) {
    let cat = &p.catalog;
    let mut dl = String::new();
    let mut item = |k: &str, v: String| dl.push_str(&format!("<dt>{}</dt><dd>{v}</dd>", h(k)));
    item("Tool", h(&p.tool).into_owned());
    item(
        "Catalog",
        format!(
            "{} {} <code>{}</code> ({})",
            h(&cat.short),
            h(&cat.version),
            h(&cat.fingerprint),
            h(&cat.origin)
        ),
    );
    if p.rules.is_empty() {
        item("Rules", "none recorded".into());
    }
    for r in &p.rules {
        item(
            "Rules",
            format!("{} <code>{}</code>", h(&r.name), h(&r.sha256)),
        );
    }
    for i in &p.inputs {
        let details = i.details();
        let n = if details.is_empty() {
            String::new()
        } else {
            format!(" · {}", h(&details))
        };
        item(
            "Input",
            format!("{} <code>{}</code>{n}", h(&i.name), h(&i.sha256)),
        );
    }
    for i in &p.merged_from {
        item(
            "Merged from",
            format!("{} <code>{}</code>", h(&i.name), h(&i.sha256)),
        );
    }
    let options: Vec<String> = w
        .options
        .describe()
        .iter()
        .map(|(k, v)| format!("--{k} {}", h(v)))
        .collect();
    item("Options", format!("<code>{}</code>", options.join(" ")));
    if f.min_count > 0 {
        item(
            "Suppression",
            format!("cells under {} tickets hidden (--min-count)", f.min_count),
        );
    }
    if let Some(end) = f.end {
        item(
            "Period ends",
            format!(
                "{} ({})",
                end.format("%Y-%m-%d %H:%M"),
                if f.end_from == "until" {
                    "--until"
                } else {
                    "latest timestamp in the data"
                }
            ),
        );
    }
    page.push_str(&format!(
        "<section id=\"made-from\"><details><summary>Made from: tool, catalog, rules, inputs and options, with fingerprints</summary><dl>{dl}</dl></details></section>\n"
    ));
}

fn kpis(page: &mut String, f: &Figures) {
    let m = f.min_count;
    let tagged = match (f.total.tickets, f.untagged.tickets) {
        (Cell::Value(all), Cell::Value(un)) if all > 0.0 => Cell::Value((all - un) / all),
        _ => Cell::Missing,
    };
    let cards = [
        (
            "Tickets",
            text::count(f.total.tickets, m),
            String::new(),
            false,
        ),
        (
            "Tagged",
            text::share(tagged, m),
            "match at least one service".to_string(),
            false,
        ),
        (
            "Untagged",
            text::count(f.untagged.tickets, m),
            format!("{} of tickets", text::share(f.untagged.share, m)),
            val(f.untagged.share) > 0.2,
        ),
        (
            "Time spent",
            text::hours(f.total.time_spent, m),
            format!("on {} tickets", text::count(f.total.timed, m)),
            false,
        ),
        (
            "Median time to resolve",
            text::duration(f.total.resolve_median, m),
            format!("p90 {}", text::duration(f.total.resolve_p90, m)),
            false,
        ),
        (
            "Open backlog",
            text::count(f.total.backlog, m),
            format!(
                "median age {}",
                text::duration(f.total.backlog_age_median, m)
            ),
            false,
        ),
    ];
    page.push_str("<section class=\"kpis\" aria-label=\"Key figures\">");
    for (k, v, sub, warn) in cards {
        let class = if warn { "kpi warn" } else { "kpi" };
        page.push_str(&format!(
            "<div class=\"{class}\"><div class=\"k\">{}</div><div class=\"v\">{}</div><div class=\"s\">{}</div></div>",
            h(k),
            h(&v),
            h(&sub)
        ));
    }
    page.push_str("</section>\n");
}

fn val(c: Cell) -> f64 {
    c.value().unwrap_or(0.0)
}

fn legend(items: &[(String, &str, String)]) -> String {
    let lis: String = items
        .iter()
        .map(|(label, colour, value)| {
            let value = if value.is_empty() {
                String::new()
            } else {
                format!(" <span class=\"sup\">{}</span>", h(value))
            };
            format!(
                "<li><span class=\"sw\" style=\"background:{colour}\"></span>{}{value}</li>",
                h(label)
            )
        })
        .collect();
    format!("<ul class=\"legend\">{lis}</ul>")
}

fn charts_section(page: &mut String, f: &Figures) {
    let areas: Vec<(String, &str, String)> = f
        .areas
        .iter()
        .filter(|a| a.trend.iter().any(|c| c.value().is_some_and(|v| v > 0.0)))
        .map(|a| {
            (
                format!("{} {}", a.id, a.name),
                charts::color(f, &a.id),
                String::new(),
            )
        })
        .chain([("Untagged".to_string(), charts::GREY, String::new())])
        .collect();
    page.push_str(&format!(
        "<section><h2>Workload per {} by {}</h2><p class=\"lead\">Tickets attributed to each {} ({}), and share of all tickets. Untagged tickets are shown last: they are work the tagger did not recognise.</p>{}</section>\n",
        h(&f.level_names[1]),
        h(&f.level_names[0]),
        h(&f.level_names[1]),
        f.attribution.as_str(),
        charts::service_bars(f)
    ));
    if let Some(c) = &f.calibration {
        page.push_str(&format!(
            "<p class=\"lead\">Error bars: each {}'s estimated true tickets (dot) and 95 % interval, from {} reviewed tickets of a random sample ({}). Estimator: {}.</p>\n",
            h(&f.level_names[1]),
            c.reviewed,
            h(&c.labels),
            h(c.estimator)
        ));
    }
    // A chart with nothing to draw is a sentence instead: an empty block reads as a bug.
    let empty = |sentence: &str| format!("<p class=\"empty\">{}</p>", h(sentence));
    let trend = if f.periods.is_empty() {
        empty("No counted ticket has a creation date: there is no trend to draw.")
    } else if f.periods.len() == 1 {
        let hint = if f.period == crate::stats::Period::Week {
            ""
        } else {
            " (--period week shows shorter ones)"
        };
        empty(&format!(
            "Every dated ticket was created in {}: a trend needs two {}s or more{hint}.",
            f.periods[0],
            f.period.as_str()
        ))
    } else {
        format!("{}{}", charts::trend_lines(f), legend(&areas))
    };
    let donut = if val(f.total.time_spent) > 0.0 {
        let (donut, donut_legend) = charts::time_donut(f);
        format!("{donut}{}", legend(&donut_legend))
    } else {
        empty("No counted ticket records a time spent: there is no time to share out.")
    };
    page.push_str(&format!(
        "<div class=\"grid2\"><section><h2>Trend per {}</h2><p class=\"lead\">Tickets created per {}.</p>{trend}</section>\n<section><h2>Share of time spent</h2><p class=\"lead\">Recorded time spent per {} and on untagged tickets.</p>{donut}</section></div>\n",
        h(&f.level_names[0]),
        f.period.as_str(),
        h(&f.level_names[0]),
    ));
    let resolved = f
        .resolve_distribution
        .iter()
        .any(|b| b.tickets.value().is_some_and(|v| v > 0.0))
        || matches!(f.total.resolved, Cell::Suppressed);
    if resolved {
        page.push_str(&format!(
            "<section><h2>Time to resolve</h2><p class=\"lead\">Created to resolved, all resolved tickets (median {}, 90th percentile {}).</p>{}</section>\n",
            text::duration(f.total.resolve_median, f.min_count),
            text::duration(f.total.resolve_p90, f.min_count),
            charts::resolve_histogram(f)
        ));
    } else {
        page.push_str(&format!(
            "<section><h2>Time to resolve</h2>{}</section>\n",
            empty("No counted ticket was resolved within the period: there is no time to resolve to draw.")
        ));
    }
}

/// One table cell: its HTML (escaped already) and the value it sorts by.
struct Td {
    html: String,
    sort: Option<Option<f64>>,
    class: &'static str,
}

fn t(text: &str) -> Td {
    Td {
        html: h(text).into_owned(),
        sort: None,
        class: "t",
    }
}

fn n(cell: Cell, shown: String) -> Td {
    let html = match cell {
        Cell::Suppressed => format!("<span class=\"sup\">{}</span>", h(&shown)),
        _ => h(&shown).into_owned(),
    };
    Td {
        html,
        sort: Some(cell.value()),
        class: "",
    }
}

fn table(page: &mut String, id: &str, head: &[&str], body: Vec<Vec<Td>>, foot: Vec<Vec<Td>>) {
    let row = |cells: Vec<Td>| -> String {
        let tds: String = cells
            .into_iter()
            .map(|c| {
                let v = match c.sort {
                    Some(Some(v)) => format!(" data-v=\"{v}\""),
                    Some(None) => " data-v=\"\"".to_string(),
                    None => String::new(),
                };
                let class = if c.class.is_empty() {
                    String::new()
                } else {
                    format!(" class=\"{}\"", c.class)
                };
                format!("<td{class}{v}>{}</td>", c.html)
            })
            .collect();
        format!("<tr>{tds}</tr>")
    };
    let ths: String = head
        .iter()
        .map(|c| format!("<th scope=\"col\">{}</th>", h(c)))
        .collect();
    let rows: String = body.into_iter().map(row).collect::<Vec<_>>().join("\n");
    let foot: String = foot.into_iter().map(row).collect();
    let foot = if foot.is_empty() {
        String::new()
    } else {
        format!("<tfoot>{foot}</tfoot>")
    };
    page.push_str(&format!(
        "<div class=\"table-wrap\"><table class=\"sortable\" id=\"{id}\"><thead><tr>{ths}</tr></thead><tbody>\n{rows}\n</tbody>{foot}</table></div>\n"
    ));
}

/// The id in a chip of its area's colour (the colours of the charts), plain when it has no
/// area (an id outside the catalog, the total rows).
fn id_chip(f: &Figures, area: &str, id: &str) -> Td {
    if area.is_empty() {
        return t(id);
    }
    Td {
        html: format!(
            "<span class=\"chip\" style=\"background:{}\">{}</span>",
            charts::color(f, area),
            h(id)
        ),
        sort: None,
        class: "t",
    }
}

fn row_cells(f: &Figures, r: &Row) -> Vec<Td> {
    let m = f.min_count;
    let name = Td {
        html: h(&r.name).into_owned(),
        sort: None,
        class: "name",
    };
    vec![
        id_chip(f, &r.area, &r.id),
        name,
        n(r.primary, text::count(r.primary, m)),
        n(r.exercised, text::count(r.exercised, m)),
        n(r.tickets, text::count(r.tickets, m)),
        n(r.share, text::share(r.share, m)),
        n(r.time_spent, text::hours(r.time_spent, m)),
        n(r.time_mean, text::duration(r.time_mean, m)),
        n(r.time_median, text::duration(r.time_median, m)),
        n(r.time_p90, text::duration(r.time_p90, m)),
        n(r.resolved, text::count(r.resolved, m)),
        n(r.resolve_median, text::duration(r.resolve_median, m)),
        n(r.resolve_p90, text::duration(r.resolve_p90, m)),
        n(r.backlog, text::count(r.backlog, m)),
        n(
            r.backlog_age_median,
            text::duration(r.backlog_age_median, m),
        ),
        n(r.backlog_age_p90, text::duration(r.backlog_age_p90, m)),
        n(
            *r.trend.last().unwrap_or(&Cell::Missing),
            r.trend.last().map_or("–".into(), |c| text::count(*c, m)),
        ),
        n(r.change, text::change(r.change, r.change_ratio, m)),
    ]
}

fn tables(page: &mut String, f: &Figures) {
    let last = f
        .periods
        .last()
        .cloned()
        .unwrap_or_else(|| "Last period".into());
    let head = [
        "ID",
        "Name",
        "Primary",
        "Exercised",
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
    let foot = || vec![row_cells(f, &f.untagged), row_cells(f, &f.total)];
    let [area_name, service_name, function_name] =
        f.level_names.clone().map(|n| h(&n).into_owned());
    page.push_str(&format!("<section><h2>Per {service_name}</h2><p class=\"lead\">Click a column header to sort. Primary: tickets whose first {service_name} it is; exercised: tickets that involve it at all; tickets, time and backlog follow the attribution ({}). Durations are medians and 90th percentiles.</p>\n", f.attribution.as_str()));
    table(
        page,
        "table-services",
        &head,
        f.services.iter().map(|r| row_cells(f, r)).collect(),
        foot(),
    );
    page.push_str("</section>\n");
    page.push_str(&format!("<section><h2>Per {area_name}</h2>\n"));
    table(
        page,
        "table-areas",
        &head,
        f.areas.iter().map(|r| row_cells(f, r)).collect(),
        foot(),
    );
    page.push_str("</section>\n");
    if !f.functions.is_empty() {
        page.push_str(&format!("<section><h2>Per {function_name}</h2><p class=\"lead\">Where rules tag {function_name}s; each takes its part of its {service_name}'s share, so a {function_name} never counts more than its {service_name}.</p>\n"));
        table(
            page,
            "table-functions",
            &head,
            f.functions.iter().map(|r| row_cells(f, r)).collect(),
            Vec::new(),
        );
        page.push_str("</section>\n");
    }
    if !f.periods.is_empty() {
        page.push_str(&format!(
            "<section><h2>Tickets created per {} and {area_name}</h2>\n",
            f.period.as_str()
        ));
        let mut head = vec!["ID", "Name"];
        head.extend(f.periods.iter().map(String::as_str));
        let trend_row = |r: &Row| {
            let mut cells = vec![id_chip(f, &r.area, &r.id), t(&r.name)];
            cells.extend(r.trend.iter().map(|c| n(*c, text::count(*c, f.min_count))));
            cells
        };
        let body = f.areas.iter().map(trend_row).collect();
        table(
            page,
            "table-trend",
            &head,
            body,
            vec![trend_row(&f.untagged), trend_row(&f.total)],
        );
        page.push_str("</section>\n");
    }
    if let Some(by) = &f.by {
        page.push_str(&format!(
            "<section><h2>Tickets per {service_name} and {}</h2>\n",
            h(&by.column)
        ));
        let mut head = vec!["ID", "Name"];
        head.extend(by.values.iter().map(String::as_str));
        let cells = |cells: &[Cell]| {
            cells
                .iter()
                .map(|c| n(*c, text::count(*c, f.min_count)))
                .collect::<Vec<_>>()
        };
        let body = by
            .rows
            .iter()
            .map(|(level, id, name, values)| {
                let area = if *level == Level::Area {
                    id.clone()
                } else {
                    f.services
                        .iter()
                        .find(|s| &s.id == id)
                        .map(|s| s.area.clone())
                        .unwrap_or_default()
                };
                let mut row = vec![id_chip(f, &area, id), t(name)];
                row.extend(cells(values));
                row
            })
            .collect();
        let mut untagged = vec![t(""), t(""), t("Untagged")];
        untagged.extend(cells(&by.untagged));
        let mut total = vec![t(""), t(""), t("All tickets")];
        total.extend(cells(&by.total));
        table(page, "table-by", &head, body, vec![untagged, total]);
        page.push_str("</section>\n");
    }
    page.push_str(&format!(
        "<section><h2>Untagged tickets</h2><p class=\"lead\">{} tickets ({}) match no {service_name}. They are shown so that coverage is not mistaken for workload.</p>\n",
        text::count(f.untagged.tickets, f.min_count),
        text::share(f.untagged.share, f.min_count)
    ));
    if f.untagged_samples.is_empty() && f.min_count > 0 {
        page.push_str(
            "<p class=\"lead\">Ticket ids are withheld in reports made with --min-count.</p>\n",
        );
    } else if !f.untagged_samples.is_empty() {
        let body = f
            .untagged_samples
            .iter()
            .map(|s| {
                vec![
                    t(&s.id),
                    Td {
                        html: h(&s.title).into_owned(),
                        sort: None,
                        class: "name",
                    },
                ]
            })
            .collect();
        table(page, "table-untagged", &["ID", "Title"], body, Vec::new());
    }
    page.push_str("</section>\n");
}

fn notes(page: &mut String, f: &Figures) {
    let items: String = f
        .notes
        .iter()
        .map(|n| format!("<li>{}</li>", h(n)))
        .collect();
    page.push_str(&format!(
        "<section><h2>Notes on the data</h2><ul class=\"notes\">{items}</ul></section>\n"
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::{fixture, render_to_string};
    use crate::report::{Format, ReportOptions};

    fn page() -> String {
        let (work, catalog, provenance) = fixture();
        render_to_string(
            &work,
            &catalog,
            &provenance,
            &ReportOptions {
                format: Format::Html,
                ..ReportOptions::default()
            },
        )
    }

    #[test]
    fn the_page_is_self_contained() {
        let page = page();
        for external in [
            "src=\"http",
            "href=\"http",
            "src=\"//",
            "@import",
            "url(http",
        ] {
            assert!(!page.contains(external), "{external}");
        }
        assert_eq!(page.matches("<svg class=\"chart\"").count(), 4);
        assert!(
            page.contains("data-v=\""),
            "sortable cells carry their values"
        );
    }

    #[test]
    fn ticket_text_is_escaped_everywhere_it_appears() {
        let page = page();
        assert!(
            page.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "the untagged title is shown as text"
        );
        assert!(!page.contains("<img"), "no element comes from ticket text");
        assert!(
            page.contains("&lt;b&gt;SOC&lt;/b&gt;"),
            "a queue name (a --by value) is escaped"
        );
    }

    #[test]
    fn under_min_count_small_cells_show_as_suppressed_and_ids_are_withheld() {
        let (work, catalog, provenance) = fixture();
        let options = ReportOptions {
            format: Format::Html,
            min_count: 2,
            raw: false,
            title: None,
            calibration: None,
        };
        let page = render_to_string(&work, &catalog, &provenance, &options);
        assert!(page.contains("<span class=\"sup\">&lt;2</span>"));
        assert!(!page.contains("SEC-4") && page.contains("withheld"));
    }

    #[test]
    fn the_content_security_policy_allows_exactly_our_scripts() {
        // The SHA-256 of "abc", in base64, as CSP writes it.
        assert_eq!(
            csp_hash("abc"),
            "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='"
        );
        let page = page();
        assert!(page.contains(&csp_hash(SCRIPT)) && page.contains(&csp_hash(ON_ERROR)));
        assert_eq!(page.matches("<script>").count(), 2);
    }
}
