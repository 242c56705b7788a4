//! Inline SVG charts, drawn by hand: no library, no script, nothing fetched.
//!
//! Every chart is an `<svg class="chart">` with a `viewBox`, so it scales with the page and
//! prints sharp. Labels from tickets or files are escaped with [`escape::html`].

use std::fmt::Write;

use crate::output::escape::html as h;
use crate::report::figures::{Cell, Figures, Row};
use crate::report::text;

/// Area colours in catalog order (Tableau 10, without its grey, plus three): distinct for
/// colour-blind readers in the first six.
pub const PALETTE: [&str; 12] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#499894", "#86bcb6", "#d37295",
];
/// The colour of untagged tickets and of ids outside the catalog.
pub const GREY: &str = "#a0a4a8";

/// The colour of an area id.
pub fn color(f: &Figures, area: &str) -> &'static str {
    f.areas
        .iter()
        .position(|a| a.id == area)
        .map_or(GREY, |i| PALETTE[i % PALETTE.len()])
}

fn val(c: Cell) -> f64 {
    c.value().unwrap_or(0.0)
}

/// The step and number of steps of a count axis up to `max`: whole numbers (1, 2, 5, 10, 20,
/// 25, 50, ...), at most five steps, so no tick reads 12.5 tickets.
fn count_ticks(max: f64) -> (f64, usize) {
    let mut mag: f64 = 1.0;
    loop {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * mag;
            if step.fract() != 0.0 {
                continue;
            }
            let n = (max / step - 1e-9).ceil().max(1.0);
            if n <= 5.0 {
                return (step, n as usize);
            }
        }
        mag *= 10.0;
    }
}

/// Horizontal bars of attributed tickets per service, grouped under coloured area headings,
/// with the untagged tickets last so coverage is never mistaken for workload.
pub fn service_bars(f: &Figures) -> String {
    let m = f.min_count;
    // Estimates (`--calibrate`) lengthen the labels after the bars: shorter bars leave room.
    let calibrated = f.services.iter().any(|r| r.estimate.is_some());
    let bar_w = if calibrated { 300.0 } else { 400.0 };
    let (label_w, bar_x, row_h, head_h) = (360.0, 372.0, 22.0, 30.0);
    let max = f
        .services
        .iter()
        .chain([&f.untagged])
        .map(|r| val(r.tickets).max(r.estimate.as_ref().map_or(0.0, |e| e.high)))
        .fold(0.0, f64::max);
    let scale = if max > 0.0 { bar_w / max } else { 0.0 };
    let mut body = String::new();
    let mut y = 4.0;
    let mut groups: Vec<(&Row, Vec<&Row>)> = f
        .areas
        .iter()
        .map(|a| (a, f.services.iter().filter(|s| s.area == a.id).collect()))
        .collect();
    let outside: Vec<&Row> = f
        .services
        .iter()
        .filter(|s| s.area.is_empty())
        .chain([&f.untagged])
        .collect();
    groups.push((&f.untagged, outside));
    for (head, rows) in groups {
        let is_area = head.level == crate::report::Level::Area;
        let colour = if is_area { color(f, &head.id) } else { GREY };
        let title = if is_area {
            format!("{} {}", head.id, head.name)
        } else {
            "Outside the catalog".to_string()
        };
        let total = match head.tickets {
            _ if !is_area => String::new(),
            Cell::Value(1.0) => " · 1 ticket".to_string(),
            c => format!(" · {} tickets", text::count(c, m)),
        };
        let _ = write!(
            body,
            r#"<rect x="0" y="{:.1}" width="6" height="18" rx="2" fill="{colour}"/><text x="14" y="{:.1}" font-size="14" font-weight="650">{}<tspan class="muted" font-weight="400">{}</tspan></text>"#,
            y + 6.0,
            y + 20.0,
            h(&title),
            h(&total)
        );
        y += head_h;
        for r in rows {
            let name = format!("{} {}", r.id, r.name).trim().to_string();
            let shown: String = if name.chars().count() > 52 {
                name.chars().take(51).chain(['…']).collect()
            } else {
                name.clone()
            };
            let w = (val(r.tickets) * scale).max(if val(r.tickets) > 0.0 { 1.5 } else { 0.0 });
            let fill = if r.area.is_empty() {
                GREY
            } else {
                color(f, &r.area)
            };
            let label = text::count(r.tickets, m);
            let share = text::share(r.share, m);
            // What a service costs, beside what it counts: the hours, where any were recorded.
            let hours = match r.time_spent {
                Cell::Value(_) => format!(" · {}", text::hours(r.time_spent, m)),
                _ => String::new(),
            };
            // With --calibrate: the estimated true count and its 95 % interval, as an error
            // bar over the tagged count's bar.
            let (error_bar, estimate, end) = match &r.estimate {
                Some(e) => {
                    let (x1, x2, xe) = (
                        bar_x + e.low * scale,
                        bar_x + e.high * scale,
                        bar_x + e.tickets * scale,
                    );
                    let yc = y + 8.0;
                    (
                        format!(
                            r##"<g class="error-bar" stroke="#212529" stroke-width="1.4"><line x1="{x1:.1}" x2="{x2:.1}" y1="{yc:.1}" y2="{yc:.1}"/><line x1="{x1:.1}" x2="{x1:.1}" y1="{:.1}" y2="{:.1}"/><line x1="{x2:.1}" x2="{x2:.1}" y1="{:.1}" y2="{:.1}"/><circle cx="{xe:.1}" cy="{yc:.1}" r="2.6" fill="#212529"/></g>"##,
                            yc - 4.0,
                            yc + 4.0,
                            yc - 4.0,
                            yc + 4.0
                        ),
                        format!(" · est. {:.0} ({:.0}–{:.0})", e.tickets, e.low, e.high),
                        x2.max(bar_x + w),
                    )
                }
                None => (String::new(), String::new(), bar_x + w),
            };
            let _ = write!(
                body,
                r##"<g><title>{} — {label} tickets ({share}){hours}, {} primary{estimate}</title><text x="{:.1}" y="{:.1}" font-size="12.5" text-anchor="end">{}</text><rect x="{bar_x}" y="{:.1}" width="{bar_w}" height="14" fill="#f1f3f5"/><rect x="{bar_x}" y="{:.1}" width="{w:.1}" height="14" rx="2" fill="{fill}"/>{error_bar}<text x="{:.1}" y="{:.1}" font-size="12" class="muted">{label} · {share}{hours}{estimate}</text></g>"##,
                h(&name),
                text::count(r.primary, m),
                label_w,
                y + 12.0,
                h(&shown),
                y + 1.0,
                y + 1.0,
                end + 6.0,
                y + 12.0,
            );
            y += row_h;
        }
        y += 6.0;
    }
    format!(
        r#"<svg class="chart" id="chart-services" viewBox="0 0 980 {:.0}" role="img" aria-label="Tickets per service, grouped by area">{body}</svg>"#,
        y + 4.0
    )
}

/// Lines of tickets created per period, one per area (untagged dashed grey).
pub fn trend_lines(f: &Figures) -> String {
    let (w, hgt, l, r, t, b) = (620.0, 300.0, 46.0, 34.0, 14.0, 46.0);
    let n = f.periods.len();
    let series: Vec<(&Row, &str, bool)> = f
        .areas
        .iter()
        .filter(|a| a.trend.iter().any(|c| val(*c) > 0.0))
        .map(|a| (a, color(f, &a.id), false))
        .chain([(&f.untagged, GREY, true)])
        .collect();
    let max = series
        .iter()
        .flat_map(|(r, _, _)| r.trend.iter())
        .map(|c| val(*c))
        .fold(0.0, f64::max);
    let (step, ticks) = count_ticks(max);
    let top = step * ticks as f64;
    let x = |i: usize| {
        if n > 1 {
            l + (w - l - r) * i as f64 / (n - 1) as f64
        } else {
            l + (w - l - r) / 2.0
        }
    };
    let y = |v: f64| t + (hgt - t - b) * (1.0 - v / top);
    let mut s = String::new();
    for k in 0..=ticks {
        let v = step * k as f64;
        let _ = write!(
            s,
            r#"<line class="axis" x1="{l}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" class="muted">{}</text>"#,
            w - r,
            y(v),
            y(v),
            l - 6.0,
            y(v) + 4.0,
            text::count(Cell::Value(v), 0)
        );
    }
    let step = n.div_ceil(8).max(1);
    for (i, label) in f
        .periods
        .iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0 || *i + 1 == n)
    {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" class="muted">{}</text>"#,
            x(i),
            hgt - b + 18.0,
            h(label)
        );
    }
    for (row, colour, dashed) in &series {
        let points: Vec<String> = row
            .trend
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.value().map(|v| format!("{:.1},{:.1}", x(i), y(v))))
            .collect();
        let dash = if *dashed {
            r#" stroke-dasharray="5 4""#
        } else {
            ""
        };
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2.4" stroke-linejoin="round"{dash} points="{}"/>"#,
            points.join(" ")
        );
        for (i, c) in row.trend.iter().enumerate() {
            if let Some(v) = c.value() {
                let _ = write!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"><title>{} {}: {}</title></circle>"#,
                    x(i),
                    y(v),
                    h(&row.name),
                    h(&f.periods[i]),
                    text::count(*c, f.min_count)
                );
            }
        }
    }
    if n == 0 {
        let _ = write!(
            s,
            r#"<text x="{:.0}" y="{:.0}" text-anchor="middle" class="muted">No dated tickets</text>"#,
            w / 2.0,
            hgt / 2.0
        );
    }
    format!(
        r#"<svg class="chart" id="chart-trend" viewBox="0 0 {w} {hgt}" role="img" aria-label="Tickets created per period and area">{s}</svg>"#
    )
}

/// A donut of the time spent per area (and untagged), with its legend items.
pub fn time_donut(f: &Figures) -> (String, Vec<(String, &'static str, String)>) {
    let slices: Vec<(&Row, &'static str)> = f
        .areas
        .iter()
        .map(|a| (a, color(f, &a.id)))
        .chain([(&f.untagged, GREY)])
        .filter(|(r, _)| val(r.time_spent) > 0.0)
        .collect();
    let sum: f64 = slices.iter().map(|(r, _)| val(r.time_spent)).sum();
    let (cx, cy, radius, stroke) = (130.0, 130.0, 90.0, 42.0);
    let circumference = 2.0 * std::f64::consts::PI * radius;
    let mut s = format!(
        r##"<circle cx="{cx}" cy="{cy}" r="{radius}" fill="none" stroke="#f1f3f5" stroke-width="{stroke}"/>"##
    );
    let mut legend = Vec::new();
    let mut start = 0.0;
    for (row, colour) in &slices {
        let part = val(row.time_spent) / sum;
        let len = part * circumference;
        let _ = write!(
            s,
            r#"<circle cx="{cx}" cy="{cy}" r="{radius}" fill="none" stroke="{colour}" stroke-width="{stroke}" stroke-dasharray="{len:.2} {:.2}" stroke-dashoffset="{:.2}" transform="rotate(-90 {cx} {cy})"><title>{}: {} ({:.1} %)</title></circle>"#,
            circumference - len,
            -start,
            h(&row.name),
            text::hours(row.time_spent, f.min_count),
            part * 100.0
        );
        start += len;
        let label = if row.id.is_empty() {
            row.name.clone()
        } else {
            format!("{} {}", row.id, row.name)
        };
        legend.push((
            label,
            *colour,
            format!(
                "{:.1} % · {}",
                part * 100.0,
                text::hours(row.time_spent, f.min_count)
            ),
        ));
    }
    let centre = if sum > 0.0 {
        text::hours(Cell::Value(sum), 0)
    } else {
        "no time recorded".to_string()
    };
    let _ = write!(
        s,
        r#"<text x="{cx}" y="{:.0}" text-anchor="middle" font-size="20" font-weight="650">{}</text><text x="{cx}" y="{:.0}" text-anchor="middle" font-size="12" class="muted">time spent</text>"#,
        cy + 2.0,
        h(&centre),
        cy + 20.0
    );
    (
        format!(
            r#"<svg class="chart" id="chart-time" viewBox="0 0 260 260" role="img" aria-label="Share of time spent per area" style="max-width:300px">{s}</svg>"#
        ),
        legend,
    )
}

/// Vertical bars of tickets per range of time to resolve.
pub fn resolve_histogram(f: &Figures) -> String {
    let (w, hgt, l, b, t) = (620.0, 260.0, 20.0, 40.0, 22.0);
    let n = f.resolve_distribution.len() as f64;
    let max = f
        .resolve_distribution
        .iter()
        .map(|k| val(k.tickets))
        .fold(0.0, f64::max);
    let slot = (w - 2.0 * l) / n;
    let mut s = format!(
        r#"<line class="axis" x1="{l}" x2="{:.0}" y1="{:.0}" y2="{:.0}"/>"#,
        w - l,
        hgt - b,
        hgt - b
    );
    for (i, k) in f.resolve_distribution.iter().enumerate() {
        let v = val(k.tickets);
        let bh = if max > 0.0 {
            (hgt - b - t) * v / max
        } else {
            0.0
        };
        let x = l + slot * i as f64 + slot * 0.15;
        let label = text::count(k.tickets, f.min_count);
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" rx="2" fill="#4e79a7"><title>{}: {label} tickets</title></rect><text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">{label}</text><text x="{:.1}" y="{:.1}" font-size="11.5" text-anchor="middle" class="muted">{}</text>"##,
            hgt - b - bh,
            slot * 0.7,
            k.label,
            x + slot * 0.35,
            hgt - b - bh - 6.0,
            x + slot * 0.35,
            hgt - b + 18.0,
            k.label
        );
    }
    format!(
        r#"<svg class="chart" id="chart-resolve" viewBox="0 0 {w} {hgt}" role="img" aria-label="Distribution of time to resolve" style="max-width:860px">{s}</svg>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_axes_tick_whole_numbers_in_at_most_five_steps() {
        // Before: a top of 50 ticked 12.5 and 37.5 tickets.
        assert_eq!(count_ticks(50.0), (10.0, 5));
        assert_eq!(count_ticks(40.0), (10.0, 4));
        assert_eq!(count_ticks(3.0), (1.0, 3));
        assert_eq!(count_ticks(1.5), (1.0, 2));
        assert_eq!(count_ticks(0.0), (1.0, 1));
        assert_eq!(count_ticks(11.0), (5.0, 3));
        assert_eq!(count_ticks(120.0), (25.0, 5));
        assert_eq!(count_ticks(730.0), (200.0, 4));
    }
}
