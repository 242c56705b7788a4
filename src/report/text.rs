//! Numbers as people read them, shared by the terminal table, Markdown and HTML.

use super::figures::Cell;

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
