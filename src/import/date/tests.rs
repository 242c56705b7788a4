//! Tests of [`super`] (dates), kept in their own file because the round-trip properties and the
//! table of real-world samples are longer than the parser.

use super::*;
use chrono::{Datelike, FixedOffset, NaiveDate, TimeZone, Timelike};
use proptest::prelude::*;

fn dt(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_opt(h, mi, s)
        .unwrap()
}

fn read(value: &str, order: DateOrder) -> (NaiveDateTime, DateKind) {
    DateParser::new(order)
        .parse(value)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("`{value}` read as no date"))
}

#[test]
fn every_format_of_the_issue_is_read() {
    use DateOrder::*;
    let cases: &[(&str, DateOrder, NaiveDateTime, DateKind)] = &[
        (
            "2024-03-12T15:04:05",
            DayFirst,
            dt(2024, 3, 12, 15, 4, 5),
            DateKind::Iso,
        ),
        (
            "2024-03-12 15:04:05",
            DayFirst,
            dt(2024, 3, 12, 15, 4, 5),
            DateKind::Iso,
        ),
        (
            "2024-03-12",
            DayFirst,
            dt(2024, 3, 12, 0, 0, 0),
            DateKind::Iso,
        ),
        (
            "2024-03-12T15:04:05Z",
            DayFirst,
            dt(2024, 3, 12, 15, 4, 5),
            DateKind::IsoOffset,
        ),
        (
            "2024-03-12T15:04:05+01:00",
            DayFirst,
            dt(2024, 3, 12, 14, 4, 5),
            DateKind::IsoOffset,
        ),
        (
            "2024-03-12T15:04:05.250-0500",
            DayFirst,
            dt(2024, 3, 12, 20, 4, 5) + chrono::Duration::milliseconds(250),
            DateKind::IsoOffset,
        ),
        (
            "12/Mar/24 3:04 PM",
            MonthFirst,
            dt(2024, 3, 12, 15, 4, 0),
            DateKind::DayMonthName,
        ),
        (
            "11/MAY/24 03:26 pm",
            MonthFirst,
            dt(2024, 5, 11, 15, 26, 0),
            DateKind::DayMonthName,
        ),
        (
            "01/Jan/25 12:05 AM",
            MonthFirst,
            dt(2025, 1, 1, 0, 5, 0),
            DateKind::DayMonthName,
        ),
        (
            "Tue Mar 12 15:04:05 2024",
            DayFirst,
            dt(2024, 3, 12, 15, 4, 5),
            DateKind::Ctime,
        ),
        (
            "Sat Mar  2 09:04:05 2024",
            DayFirst,
            dt(2024, 3, 2, 9, 4, 5),
            DateKind::Ctime,
        ),
        (
            "22.11.2026 15:04",
            DayFirst,
            dt(2026, 11, 22, 15, 4, 0),
            DateKind::DayFirst,
        ),
        (
            "11/22/2026 4:14 PM",
            MonthFirst,
            dt(2026, 11, 22, 16, 14, 0),
            DateKind::MonthFirst,
        ),
        (
            "6/21/2025 16:14",
            MonthFirst,
            dt(2025, 6, 21, 16, 14, 0),
            DateKind::MonthFirst,
        ),
        (
            "03/04/2024",
            DayFirst,
            dt(2024, 4, 3, 0, 0, 0),
            DateKind::DayFirst,
        ),
        (
            "03/04/2024",
            MonthFirst,
            dt(2024, 3, 4, 0, 0, 0),
            DateKind::MonthFirst,
        ),
        (
            "1710255845",
            DayFirst,
            dt(2024, 3, 12, 15, 4, 5),
            DateKind::EpochSeconds,
        ),
        (
            "1710255845000",
            DayFirst,
            dt(2024, 3, 12, 15, 4, 5),
            DateKind::EpochMillis,
        ),
        (
            "20240312",
            DayFirst,
            dt(2024, 3, 12, 0, 0, 0),
            DateKind::Compact,
        ),
        (
            "Tue, 12 Mar 2024 15:04:05 +0100",
            DayFirst,
            dt(2024, 3, 12, 14, 4, 5),
            DateKind::Rfc2822,
        ),
        (
            "Mar 12, 2024 3:04 PM",
            DayFirst,
            dt(2024, 3, 12, 15, 4, 0),
            DateKind::MonthNameDay,
        ),
        (
            "12. März 2024 08:00",
            DayFirst,
            dt(2024, 3, 12, 8, 0, 0),
            DateKind::DayMonthName,
        ),
        (
            "12 févr. 2024",
            DayFirst,
            dt(2024, 2, 12, 0, 0, 0),
            DateKind::DayMonthName,
        ),
        (
            "22.11.2026\u{a0}15:04",
            DayFirst,
            dt(2026, 11, 22, 15, 4, 0),
            DateKind::DayFirst,
        ),
    ];
    for (value, order, want, kind) in cases {
        assert_eq!(read(value, *order), (*want, *kind), "{value}");
    }
}

#[test]
fn unset_markers_are_no_date_and_no_error() {
    let p = DateParser::new(DateOrder::DayFirst);
    for value in ["", "  ", "-", "Not set", "NULL", "n/a", "0"] {
        assert_eq!(p.parse(value), Ok(None), "{value:?}");
    }
}

#[test]
fn nonsense_is_an_error_naming_the_value() {
    let p = DateParser::new(DateOrder::DayFirst);
    for value in [
        "yesterday",
        "2024-13-01",
        "32.01.2024",
        "12/Foo/24",
        "25:00",
        "3:04 PM",
        "2024",
    ] {
        let err = p.parse(value).expect_err(value);
        assert!(err.contains(value.trim()), "{err}");
    }
    assert!(
        p.parse("11/22/2026").is_err(),
        "day 22 month 11 read day-first is month 22"
    );
}

#[test]
fn a_forced_format_reads_dates_times_and_offsets() {
    let p = DateParser::forced("%d.%m.%Y");
    assert_eq!(
        p.parse("03.04.2024").unwrap(),
        Some((dt(2024, 4, 3, 0, 0, 0), DateKind::Forced))
    );
    let p = DateParser::forced("%Y%m%d %H%M %z");
    assert_eq!(
        p.parse("20240403 1200 +0200").unwrap().unwrap().0,
        dt(2024, 4, 3, 10, 0, 0)
    );
    assert!(p.parse("03.04.2024").is_err());
}

#[test]
fn evidence_comes_from_the_number_above_twelve() {
    assert_eq!(evidence("22.11.2026 15:04"), Evidence::DayFirst);
    assert_eq!(evidence("11/22/2026 4:14 PM"), Evidence::MonthFirst);
    assert_eq!(evidence("03/04/2024"), Evidence::Ambiguous(b'/'));
    assert_eq!(evidence("2024-03-04"), Evidence::NotNumeric);
    assert_eq!(evidence("12/Mar/24 3:04 PM"), Evidence::NotNumeric);
}

/// A datetime between 1971 and 2068 (two-digit years must round-trip too), whole seconds.
fn datetimes() -> impl Strategy<Value = NaiveDateTime> {
    (
        1971i32..2069,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..60,
    )
        .prop_map(|(y, mo, d, h, mi, s)| dt(y, mo, d, h, mi, s))
}

fn minutes(t: NaiveDateTime) -> NaiveDateTime {
    t.with_second(0).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_supported_format_round_trips(t in datetimes(), lower in any::<bool>()) {
        let seconds: &[(&str, DateOrder)] = &[
            ("%Y-%m-%dT%H:%M:%S", DateOrder::DayFirst),
            ("%Y-%m-%d %H:%M:%S", DateOrder::MonthFirst),
            ("%Y-%m-%dT%H:%M:%SZ", DateOrder::DayFirst),
            ("%a %b %d %H:%M:%S %Y", DateOrder::DayFirst),
            ("%a %b %e %H:%M:%S %Y", DateOrder::DayFirst),
            ("%d.%m.%Y %H:%M:%S", DateOrder::DayFirst),
            ("%m/%d/%Y %H:%M:%S", DateOrder::MonthFirst),
            ("%Y%m%d%H%M%S", DateOrder::DayFirst),
        ];
        for (format, order) in seconds {
            let text = t.format(format).to_string();
            prop_assert_eq!(read(&text, *order).0, t, "{}", text);
        }
        let minutes_only: &[(&str, DateOrder)] = &[
            ("%d/%b/%y %-I:%M %p", DateOrder::MonthFirst), // Jira
            ("%d/%b/%y %I:%M %p", DateOrder::MonthFirst),  // Jira, padded hour
            ("%d.%m.%Y %H:%M", DateOrder::DayFirst),       // German Excel
            ("%m/%d/%Y %-I:%M %p", DateOrder::MonthFirst), // US Excel
            ("%-m/%-d/%Y %H:%M", DateOrder::MonthFirst),
            ("%d/%m/%y %H:%M", DateOrder::DayFirst),
            ("%b %-d, %Y %-I:%M %p", DateOrder::DayFirst),
        ];
        for (format, order) in minutes_only {
            let mut text = t.format(format).to_string();
            if lower {
                text = text.to_lowercase(); // months and AM/PM are case-insensitive
            }
            prop_assert_eq!(read(&text, *order).0, minutes(t), "{}", text);
        }
    }

    #[test]
    fn offsets_are_converted_to_utc(t in datetimes(), offset_min in -14 * 60i32..=14 * 60) {
        let zone = FixedOffset::east_opt(offset_min * 60).unwrap();
        let local = zone.from_utc_datetime(&t);
        for format in ["%Y-%m-%dT%H:%M:%S%:z", "%Y-%m-%d %H:%M:%S%z", "%a, %d %b %Y %H:%M:%S %z"] {
            let text = local.format(format).to_string();
            prop_assert_eq!(read(&text, DateOrder::DayFirst).0, t, "{}", text);
        }
    }

    #[test]
    fn epochs_round_trip_in_seconds_and_milliseconds(t in datetimes(), ms in 0i64..1000) {
        let secs = t.and_utc().timestamp();
        prop_assume!(secs >= 100_000_000); // 9 digits at least, as real epochs are
        prop_assert_eq!(read(&secs.to_string(), DateOrder::DayFirst).0, t);
        let millis = secs * 1000 + ms;
        let want = t + chrono::Duration::milliseconds(ms);
        prop_assert_eq!(read(&millis.to_string(), DateOrder::DayFirst).0, want);
    }

    #[test]
    fn the_order_evidence_agrees_with_the_format(t in datetimes()) {
        let day_first = t.format("%d.%m.%Y").to_string();
        let month_first = t.format("%m/%d/%Y").to_string();
        let want_day = if t.day() > 12 { Evidence::DayFirst } else { Evidence::Ambiguous(b'.') };
        prop_assert_eq!(evidence(&day_first), want_day);
        let want_month = if t.day() > 12 { Evidence::MonthFirst } else { Evidence::Ambiguous(b'/') };
        prop_assert_eq!(evidence(&month_first), want_month);
    }

    #[test]
    fn the_iso_fast_path_agrees_with_the_tokenizer(t in datetimes()) {
        for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"] {
            let text = t.format(format).to_string();
            let slow = tokenize(&text).and_then(|toks| Cursor { toks: &toks, at: 0 }.datetime(DateOrder::DayFirst));
            prop_assert_eq!(parse_iso_fast(text.as_bytes()), slow.map(|(dt, _)| dt), "{}", text);
        }
    }

    #[test]
    fn no_input_makes_the_parser_panic(s in "\\PC{0,40}") {
        let _ = DateParser::new(DateOrder::DayFirst).parse(&s);
        let _ = evidence(&s);
    }
}
