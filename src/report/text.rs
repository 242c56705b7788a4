//! Numbers as people read them, shared by the terminal table, Markdown and HTML.

use chrono::NaiveDateTime;

use super::figures::Cell;

/// The counted span, `first to end`, both written alike: as days when both fall at
/// midnight (exports with dates only, an `--until` day), else both to the minute. The end is
/// where backlog ages are measured, so its time is kept when it has one, and then the start's
/// too. `until`: the end is the midnight after the `--until` day, written as that day.
pub fn span(first: NaiveDateTime, end: NaiveDateTime, until: bool) -> String {
    let midnight = |t: NaiveDateTime| t.time() == chrono::NaiveTime::MIN;
    if midnight(first) && midnight(end) {
        let last = match until {
            true => end.date().pred_opt().unwrap_or(end.date()),
            false => end.date(),
        };
        return format!(
            "{} to {}",
            first.format("%Y-%m-%d"),
            last.format("%Y-%m-%d")
        );
    }
    let minute = "%Y-%m-%d %H:%M";
    format!("{} to {}", first.format(minute), end.format(minute))
}

/// A count: whole numbers as such, fractions of tickets (under `split`) with one decimal.
pub fn count(cell: Cell, min_count: u64) -> String {
    match cell {
        Cell::Value(v) if (v - v.round()).abs() < 1e-9 => format!("{v:.0}"),
        Cell::Value(v) => format!("{v:.1}"),
        other => blank(other, min_count),
    }
}

/// A share as a percentage with one decimal.
pub fn share(cell: Cell, min_count: u64) -> String {
    match cell {
        Cell::Value(v) => format!("{:.1} %", v * 100.0),
        other => blank(other, min_count),
    }
}

/// A duration in seconds, in the unit that reads best: `45 min`, `5.2 h`, `3.4 d`.
pub fn duration(cell: Cell, min_count: u64) -> String {
    match cell {
        Cell::Value(s) if s < 3_600.0 => format!("{:.0} min", s / 60.0),
        Cell::Value(s) if s < 48.0 * 3_600.0 => format!("{:.1} h", s / 3_600.0),
        Cell::Value(s) => format!("{:.1} d", s / 86_400.0),
        other => blank(other, min_count),
    }
}

/// A sum of time spent, in hours.
pub fn hours(cell: Cell, min_count: u64) -> String {
    match cell {
        Cell::Value(s) => format!("{:.1} h", s / 3_600.0),
        other => blank(other, min_count),
    }
}

/// A change against the previous period: `+3 (+25 %)`, `-1.5`, `0`.
pub fn change(change: Cell, ratio: Cell, min_count: u64) -> String {
    match change {
        Cell::Value(v) => {
            let n = count(Cell::Value(v.abs()), min_count);
            let sign = if v > 0.0 {
                "+"
            } else if v < 0.0 {
                "-"
            } else {
                ""
            };
            match ratio {
                Cell::Value(r) => format!("{sign}{n} ({:+.0} %)", r * 100.0),
                _ => format!("{sign}{n}"),
            }
        }
        other => blank(other, min_count),
    }
}

/// What a cell without a value shows: `–` when there is no data, `<N` when suppressed.
pub fn blank(cell: Cell, min_count: u64) -> String {
    match cell {
        Cell::Suppressed => format!("<{min_count}"),
        _ => "–".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_expect() {
        assert_eq!(count(Cell::Value(3.0), 0), "3");
        assert_eq!(count(Cell::Value(2.0 + 5.0 / 6.0), 0), "2.8");
        assert_eq!(count(Cell::Suppressed, 5), "<5");
        assert_eq!(duration(Cell::Value(1_800.0), 0), "30 min");
        assert_eq!(duration(Cell::Value(4.0 * 3_600.0), 0), "4.0 h");
        assert_eq!(duration(Cell::Value(3.0 * 86_400.0), 0), "3.0 d");
        assert_eq!(duration(Cell::Missing, 0), "–");
        assert_eq!(
            change(Cell::Value(-1.5), Cell::Value(-0.5), 0),
            "-1.5 (-50 %)"
        );
        assert_eq!(change(Cell::Value(2.0), Cell::Missing, 0), "+2");
    }
}

#[cfg(test)]
mod span_tests {
    use super::span;
    use chrono::NaiveDate;

    #[test]
    fn both_ends_are_written_alike() {
        let day = |d| NaiveDate::from_ymd_opt(2024, 1, d).unwrap();
        let (a, b) = (
            day(10).and_hms_opt(0, 0, 0).unwrap(),
            day(20).and_hms_opt(0, 0, 0).unwrap(),
        );
        assert_eq!(span(a, b, false), "2024-01-10 to 2024-01-20");
        // --until 2024-01-19 ends the period at the midnight after it: the 19th is the last day.
        assert_eq!(span(a, b, true), "2024-01-10 to 2024-01-19");
        let b = day(20).and_hms_opt(9, 5, 0).unwrap();
        assert_eq!(span(a, b, false), "2024-01-10 00:00 to 2024-01-20 09:05");
    }
}
