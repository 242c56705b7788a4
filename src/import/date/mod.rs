//! Dates as ticket systems write them, read without regexes or format guessing per value.
//!
//! One hand-written tokenizer (`tokenize`) splits a value into numbers, words (month and
//! weekday names in English, German and French, AM/PM, `Z`/`UTC`/`GMT`, ISO's `T`) and
//! separators; [`DateParser::parse`] then reads the tokens in one left-to-right pass. That covers
//! ISO 8601 with or without offset (converted to UTC), `2024-03-12 15:04:05`, Jira's
//! `12/Mar/24 3:04 PM`, RT's `Tue Mar 12 15:04:05 2024`, RFC 2822, `Mar 12, 2024`, numeric
//! `22.11.2026 15:04` / `11/22/2026 4:14 PM`, compact `20240312`, and Unix epochs in seconds or
//! milliseconds, at the cost of one pass over a few bytes (no allocation).
//!
//! Numeric dates such as `03/04/2024` are ambiguous: the order is decided per column, from all
//! the values the reader looked at ([`evidence`] per value); see [`super::reader`] for which
//! values.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};

use cursor::Cursor;
use tokens::{tokenize, Tok};

mod cursor;
mod tokens;

/// The order of day and month in a numeric date such as `03/04/2024`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateOrder {
    /// `22.11.2026`: Europe and most of the world.
    DayFirst,
    /// `11/22/2026`: the United States.
    MonthFirst,
}

impl std::str::FromStr for DateOrder {
    type Err = String;

    /// `day-first` (or `dmy`) and `month-first` (or `mdy`).
    fn from_str(s: &str) -> Result<DateOrder, String> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "day-first" | "dmy" => Ok(DateOrder::DayFirst),
            "month-first" | "mdy" => Ok(DateOrder::MonthFirst),
            _ => Err(format!(
                "unknown date order `{s}`: use day-first or month-first"
            )),
        }
    }
}

impl fmt::Display for DateOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateOrder::DayFirst => "day-first",
            DateOrder::MonthFirst => "month-first",
        })
    }
}

/// The shape a date was written in, reported by `inspect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateKind {
    /// `2024-03-12`, `2024-03-12 15:04:05`, `2024-03-12T15:04:05`.
    Iso,
    /// ISO 8601 with `Z` or an offset, converted to UTC.
    IsoOffset,
    /// `20240312` or `20240312150405`.
    Compact,
    /// `22.11.2026 15:04`, `22/11/2026`.
    DayFirst,
    /// `11/22/2026 4:14 PM`, `6/21/2025 16:14`.
    MonthFirst,
    /// `12/Mar/24 3:04 PM` (Jira), `12 Mar 2024`, `12-Mar-2024`.
    DayMonthName,
    /// `Mar 12, 2024 3:04 PM`.
    MonthNameDay,
    /// `Tue Mar 12 15:04:05 2024` (RT, C's `ctime`).
    Ctime,
    /// `Tue, 12 Mar 2024 15:04:05 +0100` (mail headers).
    Rfc2822,
    /// Seconds since 1970 (`1710255845`).
    EpochSeconds,
    /// Milliseconds since 1970 (`1710255845000`, TheHive).
    EpochMillis,
    /// Read with the user's `--date-format`.
    Forced,
}

impl DateKind {
    /// A short description with an example, for `inspect`.
    pub fn describe(self) -> &'static str {
        match self {
            DateKind::Iso => "ISO 8601 (2024-03-12 15:04:05)",
            DateKind::IsoOffset => "ISO 8601 with offset, converted to UTC",
            DateKind::Compact => "compact (20240312150405)",
            DateKind::DayFirst => "day-first numeric (22.11.2026 15:04, 22/11/2026)",
            DateKind::MonthFirst => "month-first numeric (11/22/2026 4:14 PM, 6/21/2025)",
            DateKind::DayMonthName => "day, month name, year (12/Mar/24 3:04 PM)",
            DateKind::MonthNameDay => "month name, day, year (Mar 12, 2024)",
            DateKind::Ctime => "ctime (Tue Mar 12 15:04:05 2024)",
            DateKind::Rfc2822 => "RFC 2822 (Tue, 12 Mar 2024 15:04:05 +0100)",
            DateKind::EpochSeconds => "Unix epoch, seconds",
            DateKind::EpochMillis => "Unix epoch, milliseconds",
            DateKind::Forced => "--date-format",
        }
    }
}

/// Reads the dates of one column.
#[derive(Clone, Debug)]
pub struct DateParser {
    order: DateOrder,
    forced: Option<String>,
}

impl DateParser {
    /// A parser reading ambiguous numeric dates in `order`.
    pub fn new(order: DateOrder) -> DateParser {
        DateParser {
            order,
            forced: None,
        }
    }

    /// A parser reading every value with a chrono `strftime` format (`--date-format`).
    pub fn forced(format: impl Into<String>) -> DateParser {
        DateParser {
            order: DateOrder::DayFirst,
            forced: Some(format.into()),
        }
    }

    /// The order used for ambiguous numeric dates.
    pub fn order(&self) -> DateOrder {
        self.order
    }

    /// Reads one value. Empty, `-`, `Not set`, `null`, `n/a` and `0` are `Ok(None)`: no date.
    ///
    /// Fails with a message naming what was expected when the value is no date we know.
    pub fn parse(&self, value: &str) -> Result<Option<(NaiveDateTime, DateKind)>, String> {
        let value = value.trim();
        if is_unset(value) {
            return Ok(None);
        }
        if let Some(format) = &self.forced {
            return parse_forced(value, format)
                .map(|dt| Some((dt, DateKind::Forced)))
                .ok_or_else(|| format!("date `{value}` does not match --date-format `{format}`"));
        }
        parse_with_order(value, self.order)
            .map(Some)
            .ok_or_else(|| format!("unreadable date `{value}`"))
    }
}

/// Whether a date or duration cell means "not set".
pub fn is_unset(value: &str) -> bool {
    value.is_empty()
        || matches!(value, "-" | "--" | "0" | "\u{2014}")
        || value.eq_ignore_ascii_case("not set")
        || value.eq_ignore_ascii_case("null")
        || value.eq_ignore_ascii_case("none")
        || value.eq_ignore_ascii_case("n/a")
}

fn parse_forced(value: &str, format: &str) -> Option<NaiveDateTime> {
    if format.contains("%z") || format.contains("%:z") || format.contains("%#z") {
        if let Ok(dt) = DateTime::parse_from_str(value, format) {
            return Some(dt.naive_utc());
        }
    }
    NaiveDateTime::parse_from_str(value, format)
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(value, format)
                .ok()
                .map(|d| d.and_time(NaiveTime::MIN))
        })
}

/// Reads `value` (already trimmed, not empty), reading ambiguous numeric dates in `order`.
pub fn parse_with_order(value: &str, order: DateOrder) -> Option<(NaiveDateTime, DateKind)> {
    if let Some(parsed) = parse_iso_fast(value.as_bytes()) {
        return Some((parsed, DateKind::Iso));
    }
    if let Some(parsed) = parse_all_digits(value) {
        return parsed;
    }
    let toks = tokenize(value)?;
    Cursor { toks: &toks, at: 0 }.datetime(order)
}

/// The most common shape, read by position without tokenizing: `YYYY-MM-DD`,
/// `YYYY-MM-DD HH:MM` and `YYYY-MM-DD HH:MM:SS` (space or `T`). Anything else (offsets,
/// fractions) takes the general path.
fn parse_iso_fast(b: &[u8]) -> Option<NaiveDateTime> {
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let mut n = 0;
        for &c in b.get(range)? {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(c - b'0');
        }
        Some(n)
    };
    if !matches!(b.len(), 10 | 16 | 19) || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)?;
    if b.len() == 10 {
        return Some(date.and_time(NaiveTime::MIN));
    }
    if !matches!(b[10], b' ' | b'T') || b[13] != b':' {
        return None;
    }
    let sec = match b.len() {
        19 if b[16] == b':' => digits(17..19)?,
        19 => return None,
        _ => 0,
    };
    let time = NaiveTime::from_hms_opt(digits(11..13)?, digits(14..16)?, sec)?;
    Some(date.and_time(time))
}

/// Epochs and compact dates: a value of digits only (with at most one `.` fraction for epochs).
/// `None` when the value is not all digits, `Some(None)` when it is but fits no format.
#[allow(clippy::option_option)] // three outcomes: not ours, ours but wrong, ours and right
fn parse_all_digits(value: &str) -> Option<Option<(NaiveDateTime, DateKind)>> {
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = int.parse().ok()?;
    Some(match (int.len(), frac.is_empty()) {
        (8, true) => ymd(n / 10000, n / 100 % 100, n % 100)
            .map(|d| (d.and_time(NaiveTime::MIN), DateKind::Compact)),
        (14, true) => ymd(
            n / 10_000_000_000,
            n / 100_000_000 % 100,
            n / 1_000_000 % 100,
        )
        .and_then(|d| {
            let t = NaiveTime::from_hms_opt(
                (n / 10000 % 100) as u32,
                (n / 100 % 100) as u32,
                (n % 100) as u32,
            )?;
            Some((d.and_time(t), DateKind::Compact))
        }),
        (9 | 10, _) => {
            let nanos = fraction_nanos(frac);
            DateTime::from_timestamp(n, nanos).map(|d| (d.naive_utc(), DateKind::EpochSeconds))
        }
        // 11 digits as seconds would be past 2286; as milliseconds it is 1973-1976.
        (11..=13, true) => {
            DateTime::from_timestamp_millis(n).map(|d| (d.naive_utc(), DateKind::EpochMillis))
        }
        _ => None,
    })
}

fn fraction_nanos(frac: &str) -> u32 {
    let digits = &frac.as_bytes()[..frac.len().min(9)];
    let mut nanos: u32 = 0;
    for &b in digits {
        nanos = nanos * 10 + u32::from(b - b'0');
    }
    nanos * 10u32.pow(9 - digits.len() as u32)
}

fn ymd(y: i64, m: i64, d: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        i32::try_from(y).ok()?,
        u32::try_from(m).ok()?,
        u32::try_from(d).ok()?,
    )
}

/// What one value says about the day/month order of its column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// First number above 12: `22.11.2026`.
    DayFirst,
    /// Second number above 12: `11/22/2026`.
    MonthFirst,
    /// A numeric date with both numbers at most 12, and the separator it used.
    Ambiguous(u8),
    /// Not a numeric day/month date (ISO, month names, epoch, empty...).
    NotNumeric,
}

/// What `value` says about the order of day and month.
pub fn evidence(value: &str) -> Evidence {
    let Some(toks) = tokenize(value.trim()) else {
        return Evidence::NotNumeric;
    };
    let mut c = Cursor { toks: &toks, at: 0 };
    c.skip_spaces();
    if c.eat(Tok::Weekday) {
        c.eat(Tok::Sep(b','));
        c.skip_spaces();
    }
    match (c.bump(), c.bump(), c.bump(), c.bump()) {
        (
            Some(Tok::Num(a, 1 | 2)),
            Some(Tok::Sep(s)),
            Some(Tok::Num(b, 1 | 2)),
            Some(Tok::Sep(s2)),
        ) if s == s2 && matches!(s, b'.' | b'/' | b'-') => {
            match (a > 12, b > 12) {
                (true, false) => Evidence::DayFirst,
                (false, true) => Evidence::MonthFirst,
                (false, false) => Evidence::Ambiguous(s),
                (true, true) => Evidence::NotNumeric, // no date at all; parsing will say so
            }
        }
        _ => Evidence::NotNumeric,
    }
}

#[cfg(test)]
mod tests;
