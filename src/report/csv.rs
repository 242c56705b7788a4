//! The CSV report: one row per area, service and function, plus the untagged tickets, the
//! total, and the provenance, for spreadsheets.
//!
//! Columns, in order: `level` (`area`, `service`, `function`, `untagged`, `total` or `meta`),
//! `area_id`, `id`, `name`, `primary`, `exercised`, `tickets`, `share_pct`, `timed`,
//! `time_spent_h`, `time_mean_h`, `time_median_h`, `time_p90_h`, `resolved`,
//! `resolve_median_h`, `resolve_p90_h`, `backlog`, `backlog_age_median_d`,
//! `backlog_age_p90_d`, `last_period`, `last_period_tickets`, `previous_period_tickets`,
//! `change`; with `--calibrate`, `est_tickets`, `est_tickets_low`, `est_tickets_high`,
//! `est_time_h`, `est_time_low_h`, `est_time_high_h` (services only: the estimated true
//! figures and their 95 % interval); then one `by:<column>=<value>` column of tickets per
//! `--by` value.
//!
//! Filter on `level` before summing a column: areas repeat their services. A number is
//! written plainly and rounded for people to one decimal (tickets, hours, days, percent: `2.8`,
//! `33.3`); the JSON report keeps the exact figures. An empty cell means no data, `<N` a cell
//! suppressed by `--min-count`.
//! `meta` rows carry the provenance and options as `id` (what) and `name` (value), so the
//! file says what it was made from without breaking the one-row-per-entry shape. Text cells
//! that a spreadsheet would evaluate are prefixed with `'` unless `--raw`.

use std::io::Write;

use super::figures::{Cell, Figures, Row};
use super::provenance::Provenance;
use crate::error::{Error, Result};
use crate::output::escape::neutralize_formula;

const COLUMNS: [&str; 23] = [
    "level",
    "area_id",
    "id",
    "name",
    "primary",
    "exercised",
    "tickets",
    "share_pct",
    "timed",
    "time_spent_h",
    "time_mean_h",
    "time_median_h",
    "time_p90_h",
    "resolved",
    "resolve_median_h",
    "resolve_p90_h",
    "backlog",
    "backlog_age_median_d",
    "backlog_age_p90_d",
    "last_period",
    "last_period_tickets",
    "previous_period_tickets",
    "change",
];

/// The columns `--calibrate` adds, after [`COLUMNS`].
const ESTIMATE_COLUMNS: [&str; 6] = [
    "est_tickets",
    "est_tickets_low",
    "est_tickets_high",
    "est_time_h",
    "est_time_low_h",
    "est_time_high_h",
];

/// Writes the CSV report; `raw` keeps text cells that look like formulas as they are.
pub fn write(out: &mut dyn Write, f: &Figures, p: &Provenance, raw: bool) -> Result<()> {
    let io = |e: csv::Error| Error::Usage(format!("writing the CSV report: {e}"));
    let text = |s: &str| {
        if raw {
            s.to_string()
        } else {
            neutralize_formula(s).into_owned()
        }
    };
    let mut w = csv::Writer::from_writer(out);
    let mut head: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    let calibrated = f.calibration.is_some();
    if calibrated {
        head.extend(ESTIMATE_COLUMNS.iter().map(|c| c.to_string()));
    }
    if let Some(by) = &f.by {
        head.extend(
            by.values
                .iter()
                .map(|v| text(&format!("by:{}={v}", by.column))),
        );
    }
    w.write_record(&head).map_err(io)?;
    let m = f.min_count;
    let number = |cell: Cell, scale: f64| match cell {
        Cell::Value(v) => format_number(v / scale),
        Cell::Suppressed => format!("<{m}"),
        Cell::Missing => String::new(),
    };
    let last = f.periods.last().cloned().unwrap_or_default();
    let by_cells = |r: &Row| -> Vec<String> {
        let Some(by) = &f.by else { return Vec::new() };
        let cells = match r.level {
            super::Level::Total => Some(&by.total),
            super::Level::Untagged => Some(&by.untagged),
            _ => by
                .rows
                .iter()
                .find(|(l, id, _, _)| *l == r.level && *id == r.id)
                .map(|row| &row.3),
        };
        match cells {
            Some(cells) => cells.iter().map(|&c| number(c, 1.0)).collect(),
            None => vec!["0".to_string(); by.values.len()],
        }
    };
    let rows = f
        .areas
        .iter()
        .chain(&f.services)
        .chain(&f.functions)
        .chain([&f.untagged, &f.total]);
    for r in rows {
        let trend = |back: usize| {
            r.trend
                .len()
                .checked_sub(back)
                .map_or(String::new(), |i| number(r.trend[i], 1.0))
        };
        let mut record = vec![
            r.level.as_str().to_string(),
            text(&r.area),
            text(&r.id),
            text(&r.name),
            number(r.primary, 1.0),
            number(r.exercised, 1.0),
            number(r.tickets, 1.0),
            number(r.share, 0.01),
            number(r.timed, 1.0),
            number(r.time_spent, 3_600.0),
            number(r.time_mean, 3_600.0),
            number(r.time_median, 3_600.0),
            number(r.time_p90, 3_600.0),
            number(r.resolved, 1.0),
            number(r.resolve_median, 3_600.0),
            number(r.resolve_p90, 3_600.0),
            number(r.backlog, 1.0),
            number(r.backlog_age_median, 86_400.0),
            number(r.backlog_age_p90, 86_400.0),
            last.clone(),
            trend(1),
            trend(2),
            number(r.change, 1.0),
        ];
        if calibrated {
            let plain = |v: Option<f64>| v.map_or(String::new(), format_number);
            let e = r.estimate.as_ref();
            let t = e.and_then(|e| e.time_spent.as_ref());
            record.extend([
                plain(e.map(|e| e.tickets)),
                plain(e.map(|e| e.low)),
                plain(e.map(|e| e.high)),
                plain(t.map(|t| t.seconds / 3_600.0)),
                plain(t.map(|t| t.low / 3_600.0)),
                plain(t.map(|t| t.high / 3_600.0)),
            ]);
        }
        record.extend(by_cells(r));
        w.write_record(&record).map_err(io)?;
    }
    let width = head.len();
    let mut meta = |what: &str, value: &str| -> Result<()> {
        let mut record = vec![
            "meta".to_string(),
            String::new(),
            what.to_string(),
            text(value),
        ];
        record.resize(width, String::new());
        w.write_record(&record).map_err(io)
    };
    meta("tool", &p.tool)?;
    meta(
        "catalog",
        &format!("{} {}", p.catalog.short, p.catalog.fingerprint),
    )?;
    for r in &p.rules {
        meta("rules", &format!("{} {}", r.name, r.sha256))?;
    }
    for i in &p.inputs {
        let details = i.details();
        if details.is_empty() {
            meta("input", &format!("{} {}", i.name, i.sha256))?;
        } else {
            meta("input", &format!("{} {} ({details})", i.name, i.sha256))?;
        }
    }
    for i in &p.merged_from {
        meta("merged_from", &format!("{} {}", i.name, i.sha256))?;
    }
    meta("attribution", f.attribution.as_str())?;
    meta("period", f.period.as_str())?;
    meta("min_count", &f.min_count.to_string())?;
    w.flush().map_err(|e| Error::io("<report output>", e))
}

/// Rounded for people to one decimal, without a trailing zero: `2.8`, `3`, `0.5` (tickets,
/// hours, days and percentages alike; the JSON report keeps the exact figures).
fn format_number(v: f64) -> String {
    let s = format!("{v:.1}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use crate::report::tests::{fixture, render_to_string};
    use crate::report::{Format, ReportOptions};

    fn rows(options: &ReportOptions) -> Vec<csv::StringRecord> {
        let (work, catalog, provenance) = fixture();
        let text = render_to_string(&work, &catalog, &provenance, options);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        reader
            .records()
            .map(|r| r.expect("the CSV parses"))
            .collect()
    }

    #[test]
    fn the_csv_parses_back_with_one_row_per_entry_and_hand_computed_figures() {
        let rows = rows(&ReportOptions {
            format: Format::Csv,
            ..ReportOptions::default()
        });
        let service = rows
            .iter()
            .find(|r| &r[0] == "service" && &r[2] == "6.2")
            .expect("a row for 6.2");
        // 2 + 1/2 + 1/3 tickets, 4.8333 h, see stats::workload's tests for the hand computation;
        // rounded for people to one decimal (they were 2.8333 and 4.8333).
        assert_eq!(
            (&service[4], &service[5], &service[6], &service[9]),
            ("2", "4", "2.8", "4.8")
        );
        assert_eq!((&service[14], &service[15]), ("4", "48"));
        let untagged = rows.iter().find(|r| &r[0] == "untagged").unwrap();
        assert_eq!((&untagged[6], &untagged[7]), ("3", "33.3"));
        assert!(rows
            .iter()
            .any(|r| &r[0] == "meta" && &r[2] == "attribution" && &r[3] == "split"));
        let services = rows.iter().filter(|r| &r[0] == "service").count();
        assert_eq!(
            services,
            21 + 1,
            "every catalog service and the unknown id =2+3"
        );
    }

    #[test]
    fn cells_that_would_run_as_formulas_are_neutralised_unless_raw() {
        let ids = |raw: bool| -> Vec<String> {
            let rows = rows(&ReportOptions {
                format: Format::Csv,
                raw,
                ..ReportOptions::default()
            });
            rows.iter()
                .filter(|r| &r[0] == "service")
                .map(|r| r[2].to_string())
                .collect()
        };
        // The fixture's tagged input names a service `=2+3`, which the catalog does not have.
        assert!(ids(false).contains(&"'=2+3".to_string()));
        assert!(ids(true).contains(&"=2+3".to_string()));
    }
}
