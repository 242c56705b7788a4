//! Periods for trends: ISO weeks, calendar months and quarters.
//!
//! A period is stored as the date it starts on (a Monday, the 1st of a month, the 1st of a
//! quarter), which sorts in time order and serializes as a plain `YYYY-MM-DD`; its label
//! (`2024-W09`, `2024-03`, `2024-Q1`) is computed for display.

use chrono::{Datelike, Days, Months, NaiveDate};

/// The length of a trend period (`--period`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// ISO week, Monday to Sunday.
    Week,
    /// Calendar month.
    #[default]
    Month,
    /// Calendar quarter.
    Quarter,
}

impl Period {
    /// The lower-case name, as `--period` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
        }
    }

    /// The first day of the period that `date` falls in.
    pub fn start_of(self, date: NaiveDate) -> NaiveDate {
        match self {
            Period::Week => date - Days::new(u64::from(date.weekday().num_days_from_monday())),
            Period::Month => date.with_day(1).expect("every month has a 1st"),
            Period::Quarter => {
                let month = (date.month0() / 3) * 3 + 1;
                NaiveDate::from_ymd_opt(date.year(), month, 1)
                    .expect("a quarter starts on a real date")
            }
        }
    }

    /// The first day of the period after the one starting on `start`.
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Period::Week => start + Days::new(7),
            Period::Month => start + Months::new(1),
            Period::Quarter => start + Months::new(3),
        }
    }

    /// Every period start from `first` to `last` (both period starts), gaps included.
    pub fn range(self, first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut at = self.start_of(first);
        while at <= last {
            out.push(at);
            at = self.next(at);
        }
        out
    }

    /// The label of the period starting on `start`: `2024-W09`, `2024-03` or `2024-Q1`.
    pub fn label(self, start: NaiveDate) -> String {
        match self {
            Period::Week => {
                let week = start.iso_week();
                format!("{}-W{:02}", week.year(), week.week())
            }
            Period::Month => format!("{}-{:02}", start.year(), start.month()),
            Period::Quarter => format!("{}-Q{}", start.year(), start.month0() / 3 + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_date_falls_in_its_iso_week_month_and_quarter() {
        // 2021-01-03 is a Sunday in ISO week 2020-W53.
        assert_eq!(Period::Week.start_of(d(2021, 1, 3)), d(2020, 12, 28));
        assert_eq!(Period::Week.label(d(2020, 12, 28)), "2020-W53");
        assert_eq!(
            Period::Month.label(Period::Month.start_of(d(2024, 2, 29))),
            "2024-02"
        );
        assert_eq!(Period::Quarter.start_of(d(2024, 6, 30)), d(2024, 4, 1));
        assert_eq!(Period::Quarter.label(d(2024, 4, 1)), "2024-Q2");
    }

    #[test]
    fn a_range_lists_every_period_including_empty_ones() {
        let months: Vec<String> = Period::Month
            .range(d(2023, 11, 1), d(2024, 2, 1))
            .into_iter()
            .map(|s| Period::Month.label(s))
            .collect();
        assert_eq!(months, ["2023-11", "2023-12", "2024-01", "2024-02"]);
        assert_eq!(Period::Week.range(d(2024, 1, 1), d(2024, 1, 15)).len(), 3);
    }
}
