//! Statistics: tagged tickets -> a [`Workload`] per service, area and function, mergeable.
//!
//! In: one [`TicketFacts`] per ticket (plain data, so this module needs nothing of the tagger:
//! the caller turns a ticket and its tagging into facts). Out: a [`Workload`] keyed by
//! official catalog ids (strings, never in-memory indices, so workloads from different runs
//! merge), which `report` renders and serializes.
//!
//! Everything kept merges exactly: counts and sums are integers (fractions of tickets under
//! `--attribution split` as exact [`Shares`]), durations are fixed-grid histograms
//! ([`quantile`], error bound in its docs), backlog ages are kept as creation hours and measured
//! only when the report is made. So [`Workload::merge`] of partial runs equals one run over all
//! the inputs, and memory grows with the catalog and the number of distinct dates and `--by`
//! values, never with the number of tickets.
//!
//! Definitions the reports rely on:
//! - The **end of the period** is the end of the `--until` day when given, else the latest
//!   created or resolved timestamp seen in the data. Backlog ages are measured at it.
//! - A ticket is **open at the end** when it has no resolved date and its status is open, or
//!   when it was resolved after the `--until` day, or (without `--until`) when its status is
//!   open although it has a resolved date (reopened). A ticket of unknown status without a
//!   resolved date is counted in the data notes, not in the backlog.
//! - **Time to resolve** is created to resolved, for tickets not open at the end.
//! - **Trends** count tickets per period of their creation date.
//! - **Functions** take their part of their service's share (split evenly among a ticket's
//!   functions of one service; under `primary`, the first function of the primary service takes
//!   it whole), and a function brings its service along: so a function never counts more than
//!   its service, nor a service more than its area, under any attribution. Resolved tickets,
//!   backlog, time and trends follow the same shares as the ticket counts.
//! - `--since`/`--until` filter on the creation date, both days included; a ticket without a
//!   creation date is left out when either is given (it cannot be placed in the window).

mod by;
pub mod calibrate;
mod counts;
pub mod period;
pub mod quantile;
pub mod tally;
mod workload;

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};

pub use by::{ByCell, ByValue};
pub use counts::{Counts, Quality};
pub use period::Period;
pub use quantile::Histogram;
pub use tally::{Measures, Share, Shares, Tally};
pub use workload::{Sample, Workload, UNTAGGED_SAMPLES};

use crate::import::Status;

/// What the statistics need of one tagged ticket.
#[derive(Clone, Copy, Debug)]
pub struct TicketFacts<'a> {
    /// The ticket's id as its ticket system shows it.
    pub id: &'a str,
    /// Its title (subject), shown among the samples of untagged tickets.
    pub title: &'a str,
    /// When it was created.
    pub created: Option<NaiveDateTime>,
    /// When it was resolved or closed.
    pub resolved: Option<NaiveDateTime>,
    /// Open, closed or unknown.
    pub status: Status,
    /// Time spent on it, in seconds.
    pub time_spent: Option<f64>,
    /// Its queue (assignment group, project), for `--queue`.
    pub queue: Option<&'a str>,
    /// Its value in the `--by` column, when one is asked for.
    pub by_value: Option<&'a str>,
    /// Official ids of the services it exercises, best first (the first is its primary
    /// service); empty when untagged.
    pub services: &'a [&'a str],
    /// Official ids of the functions that fired, best first.
    pub functions: &'a [&'a str],
}

/// How a ticket with several services counts toward each (`--attribution`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Attribution {
    /// Only toward its primary (first) service.
    Primary,
    /// Evenly: 1/k toward each of its k services, so per-service figures add up to the whole.
    #[default]
    Split,
    /// Wholly toward each of its services (figures add up to more than the whole).
    All,
}

impl Attribution {
    /// The lower-case name, as `--attribution` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Attribution::Primary => "primary",
            Attribution::Split => "split",
            Attribution::All => "all",
        }
    }

    /// One sentence saying what the figures mean, printed in every report.
    pub fn explain(self) -> &'static str {
        match self {
            Attribution::Primary => "each ticket counts only toward its primary service",
            Attribution::Split => {
                "a ticket with k services counts 1/k toward each, so per-service figures add up to the total"
            }
            Attribution::All => {
                "a ticket counts wholly toward each of its services, so per-service figures add up to more than the total"
            }
        }
    }
}

/// The options that decide which tickets count and how; fixed when recording starts, stored in
/// the workload, and required to be equal for two workloads to merge.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkloadOptions {
    /// Length of the trend periods.
    pub period: Period,
    /// How multi-service tickets count.
    pub attribution: Attribution,
    /// Only tickets created on or after this day.
    pub since: Option<NaiveDate>,
    /// Only tickets created on or before this day; also the end of the period.
    pub until: Option<NaiveDate>,
    /// Only tickets in these queues (compared without regard to case); empty: all.
    pub queues: Vec<String>,
    /// Only tickets with these statuses; empty: all.
    pub statuses: Vec<Status>,
    /// The export column whose values make the extra service x value table.
    pub by: Option<String>,
}

impl WorkloadOptions {
    /// The end of the `--until` day (midnight after it), when given.
    pub fn until_end(&self) -> Option<NaiveDateTime> {
        self.until
            .map(|d| (d + Days::new(1)).and_time(NaiveTime::MIN))
    }

    /// The options as `(name, value)` pairs, as reports print them; unset filters are omitted.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("period", self.period.as_str().to_string()),
            ("attribution", self.attribution.as_str().to_string()),
        ];
        if let Some(d) = self.since {
            out.push(("since", d.to_string()));
        }
        if let Some(d) = self.until {
            out.push(("until", d.to_string()));
        }
        if !self.queues.is_empty() {
            out.push(("queue", self.queues.join(", ")));
        }
        if !self.statuses.is_empty() {
            let names: Vec<&str> = self.statuses.iter().map(|s| status_name(*s)).collect();
            out.push(("status", names.join(", ")));
        }
        if let Some(by) = &self.by {
            out.push(("by", by.clone()));
        }
        out
    }

    /// What differs from `other`, as `name: mine vs theirs`, for refusing a merge.
    pub fn differences(&self, other: &WorkloadOptions) -> Vec<String> {
        let (mine, theirs) = (self.describe(), other.describe());
        let names = [
            "period",
            "attribution",
            "since",
            "until",
            "queue",
            "status",
            "by",
        ];
        let get = |list: &[(&str, String)], name: &str| {
            list.iter()
                .find(|(n, _)| *n == name)
                .map_or("(none)".to_string(), |(_, v)| v.clone())
        };
        names
            .iter()
            .filter_map(|name| {
                let (a, b) = (get(&mine, name), get(&theirs, name));
                (a != b).then(|| format!("--{name} {a} vs {b}"))
            })
            .collect()
    }
}

/// The lower-case name of a status, as `--status` takes it.
pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Open => "open",
        Status::Closed => "closed",
        Status::Unknown => "unknown",
    }
}
