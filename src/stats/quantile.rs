//! Durations kept as exact, mergeable histograms at a fixed resolution.
//!
//! A [`Histogram`] counts durations per bucket. The buckets are a fixed grid, the same for
//! every run, so adding two histograms gives exactly the histogram of the union of their
//! inputs: quantiles of merged partial reports equal those of one run over all the inputs.
//!
//! The grid (a duration is rounded to the nearest point of its tier):
//!
//! | tier                  | resolution | largest error                 |
//! |-----------------------|------------|-------------------------------|
//! | under 7 days          | 1 minute   | 30 s                          |
//! | 7 days to 365 days    | 1 hour     | 30 min (at most 0.3 %)        |
//! | 365 days to 100 years | 1 day      | 12 h (at most 0.14 %)         |
//!
//! Longer durations are counted as 100 years. Because rounding is monotone, a quantile read
//! from the histogram is the exact nearest-rank quantile of the raw durations, rounded to its
//! tier: the error bound above is the whole error. Memory is bounded by the grid (at most
//! 54,808 buckets, a few hundred in practice), never by the number of tickets.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const MINUTE: u64 = 60;
const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;
/// First bucket of the hour tier: 7 days in minutes.
const HOUR_TIER: u32 = 7 * 24 * 60;
/// First hour of the hour tier (7 days) and first day of the day tier (365 days).
const FIRST_HOUR: u64 = 7 * 24;
const FIRST_DAY: u64 = 365;
/// First bucket of the day tier.
const DAY_TIER: u32 = HOUR_TIER + (FIRST_DAY * 24 - FIRST_HOUR) as u32;
/// Longest duration kept apart: 100 years.
const MAX_DAYS: u64 = 36_500;

/// Counts of durations per bucket of the fixed grid described in the module docs.
///
/// Serialized as `[[seconds, count], ...]` in increasing order of seconds, where `seconds` is
/// the bucket's value (a point of the grid); reading refuses a value off the grid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: BTreeMap<u32, u64>,
    total: u64,
}

/// The bucket a duration (in seconds) falls in.
fn bucket_of(seconds: u64) -> u32 {
    let minutes = (seconds + MINUTE / 2) / MINUTE;
    if minutes < u64::from(HOUR_TIER) {
        return minutes as u32;
    }
    let hours = (seconds + HOUR / 2) / HOUR;
    if hours < FIRST_DAY * 24 {
        return HOUR_TIER + (hours - FIRST_HOUR) as u32;
    }
    let days = ((seconds + DAY / 2) / DAY).min(MAX_DAYS);
    DAY_TIER + (days - FIRST_DAY) as u32
}

/// The duration (in seconds) a bucket stands for.
fn value_of(bucket: u32) -> u64 {
    if bucket < HOUR_TIER {
        u64::from(bucket) * MINUTE
    } else if bucket < DAY_TIER {
        (u64::from(bucket - HOUR_TIER) + FIRST_HOUR) * HOUR
    } else {
        (u64::from(bucket - DAY_TIER) + FIRST_DAY) * DAY
    }
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram::default()
    }

    /// Counts one duration of `seconds`.
    pub fn add(&mut self, seconds: u64) {
        self.add_n(seconds, 1);
    }

    /// Counts `n` durations of `seconds`.
    pub fn add_n(&mut self, seconds: u64, n: u64) {
        if n == 0 {
            return;
        }
        *self.counts.entry(bucket_of(seconds)).or_default() += n;
        self.total += n;
    }

    /// Adds every count of `other`: the result is the histogram of both inputs together.
    pub fn merge(&mut self, other: &Histogram) {
        for (&bucket, &n) in &other.counts {
            *self.counts.entry(bucket).or_default() += n;
        }
        self.total += other.total;
    }

    /// How many durations were counted.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The nearest-rank `q`-quantile in seconds (`q` in 0..=1): the smallest recorded value
    /// such that at least `q * count` values are at most it. `None` when empty.
    ///
    /// The median of 1, 2, 3, 4 minutes is 2 minutes (nearest rank, no interpolation, so the
    /// answer is always a duration that occurred).
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        // Integer rank so the same counts always give the same bucket, whatever the platform.
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (&bucket, &n) in &self.counts {
            seen += n;
            if seen >= rank {
                return Some(value_of(bucket));
            }
        }
        unreachable!("the counts add up to the total")
    }

    /// How many durations are below `seconds` (compared after rounding to the grid).
    pub fn count_below(&self, seconds: u64) -> u64 {
        let limit = bucket_of(seconds);
        self.counts.range(..limit).map(|(_, &n)| n).sum()
    }

    /// `(seconds, count)` per non-empty bucket, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.counts.iter().map(|(&b, &n)| (value_of(b), n))
    }
}

impl Serialize for Histogram {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(|(s, n)| [s, n]))
    }
}

impl<'de> Deserialize<'de> for Histogram {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs: Vec<(u64, u64)> = Vec::deserialize(deserializer)?;
        let mut h = Histogram::new();
        for (seconds, n) in pairs {
            if value_of(bucket_of(seconds)) != seconds {
                return Err(serde::de::Error::custom(format!(
                    "histogram value {seconds} s is not on the grid (minutes below 7 days, hours \
                     below 365 days, then days)"
                )));
            }
            h.add_n(seconds, n);
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn of(seconds: &[u64]) -> Histogram {
        let mut h = Histogram::new();
        seconds.iter().for_each(|&s| h.add(s));
        h
    }

    #[test]
    fn the_median_and_p90_are_nearest_rank_values_that_occurred() {
        let h = of(&[60, 120, 180, 240]);
        assert_eq!(h.quantile(0.5), Some(120));
        assert_eq!(h.quantile(0.9), Some(240));
        let h = of(&[600, 60, 1200, 60, 300]);
        assert_eq!(h.quantile(0.5), Some(300));
        assert_eq!(of(&[]).quantile(0.5), None);
    }

    #[test]
    fn durations_round_to_the_minute_then_the_hour_then_the_day() {
        assert_eq!(of(&[89]).quantile(0.5), Some(60));
        assert_eq!(of(&[90]).quantile(0.5), Some(120));
        let ten_days = 10 * DAY;
        assert_eq!(of(&[ten_days + 29 * MINUTE]).quantile(0.5), Some(ten_days));
        let two_years = 730 * DAY;
        assert_eq!(of(&[two_years + 11 * HOUR]).quantile(0.5), Some(two_years));
        assert_eq!(of(&[u64::MAX / 2]).quantile(0.5), Some(MAX_DAYS * DAY));
    }

    #[test]
    fn the_tiers_meet_without_a_gap_or_an_overlap() {
        let edges = [
            7 * DAY - 31,
            7 * DAY - 30,
            7 * DAY,
            365 * DAY - HOUR,
            365 * DAY - 1,
            365 * DAY,
        ];
        let buckets: Vec<u32> = edges.iter().map(|&s| bucket_of(s)).collect();
        assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
        for b in [HOUR_TIER - 1, HOUR_TIER, DAY_TIER - 1, DAY_TIER] {
            assert_eq!(bucket_of(value_of(b)), b);
        }
    }

    #[test]
    fn a_histogram_reads_back_what_it_wrote_and_refuses_values_off_the_grid() {
        let h = of(&[0, 59, 3_600, 8 * DAY + 7, 400 * DAY]);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, "[[0,1],[60,1],[3600,1],[691200,1],[34560000,1]]");
        assert_eq!(serde_json::from_str::<Histogram>(&json).unwrap(), h);
        let err = serde_json::from_str::<Histogram>("[[61,1]]").unwrap_err();
        assert!(err.to_string().contains("not on the grid"), "{err}");
    }

    #[test]
    fn counts_below_a_bound_use_the_grid() {
        let h = of(&[30 * MINUTE, HOUR, 2 * HOUR, 3 * DAY]);
        assert_eq!(h.count_below(HOUR), 1);
        assert_eq!(h.count_below(DAY), 3);
        assert_eq!(h.count_below(30 * DAY), 4);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn merging_two_halves_equals_counting_everything(
            values in proptest::collection::vec(0u64..(800 * DAY), 0..200),
            cut in 0usize..200,
        ) {
            let cut = cut.min(values.len());
            let mut left = of(&values[..cut]);
            left.merge(&of(&values[cut..]));
            prop_assert_eq!(&left, &of(&values));
        }

        #[test]
        fn a_quantile_is_the_exact_nearest_rank_quantile_rounded_to_its_tier(
            mut values in proptest::collection::vec(0u64..(800 * DAY), 1..200),
            q in 0.0f64..=1.0,
        ) {
            let h = of(&values);
            values.sort_unstable();
            let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
            let exact = values[rank - 1];
            prop_assert_eq!(h.quantile(q), Some(value_of(bucket_of(exact))));
        }
    }
}
