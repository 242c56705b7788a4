//! What was seen, left out and worked around: the counts behind a report's notes.

/// How many tickets were seen and why some were left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Counts {
    /// Tickets given to [`Workload::record`](super::Workload::record).
    pub seen: u64,
    /// Tickets counted (passed every filter).
    pub included: u64,
    /// Left out: created outside `--since`/`--until`.
    pub outside_dates: u64,
    /// Left out: no creation date while `--since` or `--until` was given.
    pub undated: u64,
    /// Left out by `--queue`.
    pub other_queue: u64,
    /// Left out by `--status`.
    pub other_status: u64,
}

/// Gaps in the data that the figures worked around, so the report can say so.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Quality {
    /// Counted tickets without a creation date (not in trends, no time to resolve).
    pub no_created: u64,
    /// Closed tickets without a resolved date (no time to resolve).
    pub closed_without_resolved: u64,
    /// Tickets resolved before they were created (no time to resolve).
    pub resolved_before_created: u64,
    /// Tickets of unknown status without a resolved date (neither resolved nor backlog).
    pub status_unknown: u64,
    /// Tickets with a negative or non-finite time spent (treated as missing).
    pub bad_time_spent: u64,
    /// Tickets with at least one service or function id the catalog does not have.
    pub not_in_catalog: u64,
}

impl Counts {
    /// Tickets a filter left out, for whatever reason.
    pub fn left_out(&self) -> u64 {
        self.outside_dates + self.undated + self.other_queue + self.other_status
    }

    /// Adds the counts of `other`.
    pub fn merge(&mut self, other: &Counts) {
        self.seen += other.seen;
        self.included += other.included;
        self.outside_dates += other.outside_dates;
        self.undated += other.undated;
        self.other_queue += other.other_queue;
        self.other_status += other.other_status;
    }
}

impl Quality {
    /// Adds the counts of `other`.
    pub fn merge(&mut self, other: &Quality) {
        self.no_created += other.no_created;
        self.closed_without_resolved += other.closed_without_resolved;
        self.resolved_before_created += other.resolved_before_created;
        self.status_unknown += other.status_unknown;
        self.bad_time_spent += other.bad_time_spent;
        self.not_in_catalog += other.not_in_catalog;
    }
}
