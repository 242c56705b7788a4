//! How tickets are counted into a report and how it is rendered: the arguments `report` and
//! `tag --report` share (`StatsArgs`, `--format`), and the render options made from them.

use std::path::Path;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use csirt_tagger::import::Status;
use csirt_tagger::report::{Format, ReportOptions};
use csirt_tagger::stats::{Attribution, Period, WorkloadOptions};

/// How tickets are counted into a report; shared by `report` and `tag --report`.
#[derive(Debug, Default, Clone, clap::Args)]
#[command(next_help_heading = "Counting")]
pub struct StatsArgs {
    /// Length of the trend periods [default: month].
    #[arg(long, value_enum, value_name = "PERIOD")]
    pub period: Option<PeriodArg>,
    /// How a ticket with several services counts: primary (its first only), split (1/k each,
    /// so totals add up) or all (wholly toward each) [default: split].
    #[arg(long, value_enum, value_name = "HOW")]
    pub attribution: Option<AttributionArg>,
    /// Only tickets created on or after this day: YYYY-MM-DD, or YYYY-MM / YYYY for the first
    /// day of that month / year.
    #[arg(long, value_name = "DATE", value_parser = parse_since)]
    pub since: Option<NaiveDate>,
    /// Only tickets created on or before this day: YYYY-MM-DD, or YYYY-MM / YYYY for the last
    /// day of that month / year; the backlog is measured at its end [default end: the latest
    /// timestamp in the data].
    #[arg(long, value_name = "DATE", value_parser = parse_until)]
    pub until: Option<NaiveDate>,
    /// Only tickets in these queues (comma-separated or repeated; any case).
    #[arg(long, value_name = "QUEUE", value_delimiter = ',')]
    pub queue: Vec<String>,
    /// Only tickets with these statuses (comma-separated or repeated).
    #[arg(long, value_enum, value_name = "STATUS", value_delimiter = ',')]
    pub status: Vec<StatusArg>,
    /// Add a table of tickets per service and value of this export column (queue, priority,
    /// constituency...).
    #[arg(long, value_name = "COLUMN")]
    pub by: Option<String>,
    /// Hide cells counting fewer than N tickets (and withhold ticket ids), for reports shared
    /// outside the team.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub min_count: u64,
    /// The report's title, for the team's name or the meeting (HTML and Markdown)
    /// [default: "Workload per service"].
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
}

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Aligned columns for a terminal.
    Table,
    /// One row per area, service and function.
    Csv,
    /// Everything, mergeable with --merge.
    Json,
    /// Tables for a wiki.
    Md,
    /// One self-contained page with charts.
    Html,
}

/// `--period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PeriodArg {
    /// ISO weeks.
    Week,
    /// Calendar months.
    Month,
    /// Calendar quarters.
    Quarter,
}

/// `--attribution`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AttributionArg {
    /// Only toward the primary service.
    Primary,
    /// Evenly among the services.
    Split,
    /// Wholly toward each service.
    All,
}

/// `--status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusArg {
    /// Not finished.
    Open,
    /// Resolved or closed.
    Closed,
    /// No status in the export.
    Unknown,
}

/// `YYYY-MM-DD`, or the first (`last` false) or last day of `YYYY-MM` or `YYYY`.
fn parse_day(text: &str, last: bool) -> Result<NaiveDate, String> {
    let text = text.trim();
    let hint = "write a day as YYYY-MM-DD, a month as YYYY-MM or a year as YYYY";
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day);
    }
    let parts: Vec<&str> = text.split('-').collect();
    let number = |s: &str| {
        s.parse::<u32>()
            .ok()
            .filter(|_| s.bytes().all(|b| b.is_ascii_digit()))
    };
    let (year, month) = match parts.as_slice() {
        [y] if y.len() == 4 => (number(y), None),
        [y, m] if y.len() == 4 && (1..=2).contains(&m.len()) => (number(y), number(m)),
        _ => (None, None),
    };
    let Some(year) = year.and_then(|y| i32::try_from(y).ok()) else {
        return Err(format!("`{text}` is no date: {hint}"));
    };
    let first = match month {
        Some(m) => NaiveDate::from_ymd_opt(year, m, 1),
        None if parts.len() == 1 => NaiveDate::from_ymd_opt(year, 1, 1),
        None => None,
    }
    .ok_or_else(|| format!("`{text}` is no date: {hint}"))?;
    if !last {
        return Ok(first);
    }
    let next = match month {
        Some(_) => first.checked_add_months(chrono::Months::new(1)),
        None => first.checked_add_months(chrono::Months::new(12)),
    };
    next.and_then(|n| n.pred_opt())
        .ok_or_else(|| format!("`{text}` is out of range"))
}

fn parse_since(text: &str) -> Result<NaiveDate, String> {
    parse_day(text, false)
}

fn parse_until(text: &str) -> Result<NaiveDate, String> {
    parse_day(text, true)
}

impl StatsArgs {
    /// The counting options for [`Workload::new`].
    pub fn workload_options(&self) -> anyhow::Result<WorkloadOptions> {
        if let (Some(since), Some(until)) = (self.since, self.until) {
            if since > until {
                bail!("--since {since} is after --until {until}: no ticket could be counted");
            }
        }
        Ok(WorkloadOptions {
            period: match self.period.unwrap_or(PeriodArg::Month) {
                PeriodArg::Week => Period::Week,
                PeriodArg::Month => Period::Month,
                PeriodArg::Quarter => Period::Quarter,
            },
            attribution: match self.attribution.unwrap_or(AttributionArg::Split) {
                AttributionArg::Primary => Attribution::Primary,
                AttributionArg::Split => Attribution::Split,
                AttributionArg::All => Attribution::All,
            },
            since: self.since,
            until: self.until,
            queues: self.queue.clone(),
            statuses: self
                .status
                .iter()
                .map(|s| match s {
                    StatusArg::Open => Status::Open,
                    StatusArg::Closed => Status::Closed,
                    StatusArg::Unknown => Status::Unknown,
                })
                .collect(),
            by: self.by.clone(),
        })
    }

    /// The counting options given on the command line, as flags (for refusing them under
    /// `--merge`, where the partial reports' own options hold).
    pub fn given(&self) -> Vec<&'static str> {
        let flags = [
            ("--period", self.period.is_some()),
            ("--attribution", self.attribution.is_some()),
            ("--since", self.since.is_some()),
            ("--until", self.until.is_some()),
            ("--queue", !self.queue.is_empty()),
            ("--status", !self.status.is_empty()),
            ("--by", self.by.is_some()),
        ];
        flags
            .iter()
            .filter(|(_, given)| *given)
            .map(|(flag, _)| *flag)
            .collect()
    }
}

/// The render options: the format from `--format`, else from the output's extension, else a
/// table on stdout. Fails on an extension we cannot tell, before any work.
pub fn report_options(
    format: Option<FormatArg>,
    output: Option<&Path>,
    stats: &StatsArgs,
    raw: bool,
) -> anyhow::Result<ReportOptions> {
    let format = match (format, output) {
        (Some(f), _) => match f {
            FormatArg::Table => Format::Table,
            FormatArg::Csv => Format::Csv,
            FormatArg::Json => Format::Json,
            FormatArg::Md => Format::Markdown,
            FormatArg::Html => Format::Html,
        },
        (None, Some(path)) => Format::from_path(path).with_context(|| {
            format!("-o {}: cannot tell the format from the extension; use .html, .md, .csv, .json or .txt, or --format", path.display())
        })?,
        (None, None) => Format::Table,
    };
    if let Some(dir) = output
        .and_then(Path::parent)
        .filter(|d| !d.as_os_str().is_empty())
    {
        if !dir.is_dir() {
            bail!(
                "-o {}: the directory {} does not exist",
                output.expect("a parent implies a path").display(),
                dir.display()
            );
        }
    }
    Ok(ReportOptions {
        format,
        min_count: stats.min_count,
        raw,
        title: stats.title.clone(),
        calibration: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_and_until_take_a_day_a_month_or_a_year() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(parse_since("2024-11-05"), Ok(day("2024-11-05")));
        assert_eq!(parse_until("2024-11-05"), Ok(day("2024-11-05")));
        assert_eq!(parse_since("2024-11"), Ok(day("2024-11-01")));
        assert_eq!(parse_until("2024-11"), Ok(day("2024-11-30")));
        assert_eq!(parse_until("2024-02"), Ok(day("2024-02-29")));
        assert_eq!(parse_until("2024-12"), Ok(day("2024-12-31")));
        assert_eq!(parse_since("2024"), Ok(day("2024-01-01")));
        assert_eq!(parse_until("2024"), Ok(day("2024-12-31")));
        for bad in [
            "2024-13",
            "24-11",
            "2024-11-31",
            "nov 2024",
            "",
            "2024-1-1-1",
            "+202-1",
        ] {
            let err = parse_since(bad).unwrap_err();
            assert!(err.contains("YYYY-MM"), "{bad}: {err}");
        }
    }
}
