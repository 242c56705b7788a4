//! One row of the workload: the figures of a service, an area, a function, the untagged
//! tickets or all tickets, kept so that they add up exactly.
//!
//! Under `--attribution split` a ticket with three services counts 1/3 toward each. Summing
//! thirds in floating point would make a merged report differ from a single run in the last
//! digits, so fractions are kept exact in [`Shares`]: integer sums per divisor, divided only
//! when a figure is shown.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};

use super::quantile::Histogram;

/// How much of one ticket counts toward a row: `numerator / divisor` (1/1 for a whole ticket,
/// 1/3 for one of three services under `split`, 2/3 for an area holding two of the three).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    /// How many of the ticket's parts go to the row.
    pub numerator: u64,
    /// How many parts the ticket is split into.
    pub divisor: u32,
}

impl Share {
    /// A whole ticket.
    pub const WHOLE: Share = Share {
        numerator: 1,
        divisor: 1,
    };
}

/// An exact sum of fractions with small divisors: the sum of numerators per divisor.
///
/// Serialized as an object from divisor to integer sum, `{"1": 12, "3": 2}` meaning
/// 12 + 2/3. Under `primary` and `all` attribution the only divisor is 1.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Shares(BTreeMap<u32, u64>);

impl Shares {
    /// Adds `value * share` (a count when `value` is 1, a time in ms otherwise).
    pub fn add(&mut self, value: u64, share: Share) {
        let sum = self.0.entry(share.divisor.max(1)).or_default();
        *sum = sum.saturating_add(value.saturating_mul(share.numerator));
    }

    /// Adds every sum of `other`.
    pub fn merge(&mut self, other: &Shares) {
        for (&divisor, &sum) in &other.0 {
            let mine = self.0.entry(divisor).or_default();
            *mine = mine.saturating_add(sum);
        }
    }

    /// The value as a float, divided once per divisor in a fixed order, so equal sums always
    /// give the same float.
    pub fn value(&self) -> f64 {
        // Folded from +0.0: an empty f64 `sum()` is -0.0, which would print as "-0".
        self.0
            .iter()
            .fold(0.0, |acc, (&d, &n)| acc + n as f64 / f64::from(d))
    }

    /// Whether nothing was added.
    pub fn is_zero(&self) -> bool {
        self.0.values().all(|&n| n == 0)
    }
}

/// What the workload needs to know of one ticket, worked out once and shared by every row the
/// ticket counts toward.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Measures {
    /// Time spent, in milliseconds.
    pub time_ms: Option<u64>,
    /// Created to resolved, in seconds.
    pub resolve_secs: Option<u64>,
    /// Whether the ticket was still open at the end of the period.
    pub open_at_end: bool,
    /// Creation time truncated to the hour (the resolution of backlog ages).
    pub created_hour: Option<NaiveDateTime>,
    /// Start of the period the ticket was created in.
    pub period: Option<NaiveDate>,
}

/// The figures of one row. Counts of attributed tickets and sums are exact [`Shares`];
/// distributions count each attributed ticket once, whatever its share (a median of
/// "two-thirds of a ticket" would mean nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Tally {
    /// Tickets whose first (primary) entry this is.
    pub primary: u64,
    /// Tickets that exercise it at all (multi-label).
    pub exercised: u64,
    /// Tickets attributed to it under the workload's attribution.
    pub tickets: Shares,
    /// Attributed tickets that have a time spent.
    pub timed: Shares,
    /// Attributed time spent, in milliseconds.
    pub time_ms: Shares,
    /// Time spent of each attributed ticket (whole ticket), in seconds.
    pub time_spent: Histogram,
    /// Attributed tickets resolved within the period (those with a time to resolve).
    pub resolved: Shares,
    /// Created to resolved of each attributed resolved ticket, in seconds.
    pub to_resolve: Histogram,
    /// Attributed tickets open at the end of the period.
    pub backlog: Shares,
    /// Creation hour of each attributed open ticket, for backlog ages.
    pub backlog_opened: BTreeMap<NaiveDateTime, u64>,
    /// Attributed open tickets without a creation date (age unknown).
    pub backlog_undated: u64,
    /// Attributed tickets per period of creation (period start date).
    pub periods: BTreeMap<NaiveDate, Shares>,
}

impl Tally {
    /// Counts one ticket toward this row with `share` of it.
    pub fn add(&mut self, m: &Measures, share: Share) {
        self.tickets.add(1, share);
        if let Some(ms) = m.time_ms {
            self.timed.add(1, share);
            self.time_ms.add(ms, share);
            self.time_spent.add((ms + 500) / 1000);
        }
        if let Some(secs) = m.resolve_secs {
            self.resolved.add(1, share);
            self.to_resolve.add(secs);
        }
        if m.open_at_end {
            self.backlog.add(1, share);
            match m.created_hour {
                Some(hour) => *self.backlog_opened.entry(hour).or_default() += 1,
                None => self.backlog_undated += 1,
            }
        }
        if let Some(period) = m.period {
            self.periods.entry(period).or_default().add(1, share);
        }
    }

    /// Adds every figure of `other`.
    pub fn merge(&mut self, other: &Tally) {
        self.primary += other.primary;
        self.exercised += other.exercised;
        self.tickets.merge(&other.tickets);
        self.timed.merge(&other.timed);
        self.time_ms.merge(&other.time_ms);
        self.time_spent.merge(&other.time_spent);
        self.resolved.merge(&other.resolved);
        self.to_resolve.merge(&other.to_resolve);
        self.backlog.merge(&other.backlog);
        for (&hour, &n) in &other.backlog_opened {
            *self.backlog_opened.entry(hour).or_default() += n;
        }
        self.backlog_undated += other.backlog_undated;
        for (&period, shares) in &other.periods {
            self.periods.entry(period).or_default().merge(shares);
        }
    }

    /// Ages of the open tickets at `end`, in seconds (a ticket created after `end`, which only
    /// a clock skew can cause, counts as age 0).
    pub fn backlog_ages(&self, end: NaiveDateTime) -> Histogram {
        let mut ages = Histogram::new();
        for (&opened, &n) in &self.backlog_opened {
            let age = (end - opened).num_seconds().max(0) as u64;
            ages.add_n(age, n);
        }
        ages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirds_add_up_exactly_and_print_as_one() {
        let third = Share {
            numerator: 1,
            divisor: 3,
        };
        let mut s = Shares::default();
        (0..3).for_each(|_| s.add(1, third));
        assert_eq!(s.value(), 1.0);
        s.add(
            1,
            Share {
                numerator: 2,
                divisor: 3,
            },
        );
        s.add(1, Share::WHOLE);
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"1":1,"3":5}"#);
        assert!((s.value() - (1.0 + 5.0 / 3.0)).abs() < 1e-12);
    }

    #[test]
    fn a_time_share_splits_the_time_and_keeps_the_whole_time_in_the_distribution() {
        let m = Measures {
            time_ms: Some(3_600_000),
            ..Measures::default()
        };
        let mut t = Tally::default();
        t.add(
            &m,
            Share {
                numerator: 1,
                divisor: 2,
            },
        );
        assert_eq!(t.time_ms.value(), 1_800_000.0);
        assert_eq!(t.timed.value(), 0.5);
        assert_eq!(t.time_spent.quantile(0.5), Some(3_600));
    }

    #[test]
    fn backlog_ages_are_measured_from_the_end_of_the_period() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let m = Measures {
            open_at_end: true,
            created_hour: Some(at("2024-03-01 10:00")),
            ..Measures::default()
        };
        let mut t = Tally::default();
        t.add(&m, Share::WHOLE);
        t.add(
            &Measures {
                open_at_end: true,
                ..Measures::default()
            },
            Share::WHOLE,
        );
        assert_eq!(t.backlog.value(), 2.0);
        assert_eq!(t.backlog_undated, 1);
        assert_eq!(
            t.backlog_ages(at("2024-03-03 10:00")).quantile(1.0),
            Some(2 * 86_400)
        );
    }
}
