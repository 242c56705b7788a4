//! Durations (time spent) as ticket systems write them, to seconds.
//!
//! Read by hand in one pass, like dates: a bare number in the column's unit (`90`, `1.5`,
//! `1,5` with a decimal comma), a clock `01:30:00` / `1:30`, or number-unit pairs in English,
//! German or French (`1h 30m`, `1d 2h`, `2 d 3 h` as OTRS shows Age, `90 min`,
//! `1 Hour 30 Minutes` as ServiceNow shows a timer, `1,5 Std.`). A ServiceNow raw duration
//! (`1970-01-01 01:30:00`, the timer as a date after the epoch) is read too. Days are 24 hours
//! and weeks 7 days: calendar time, not Jira's configurable working days, because exports
//! carry seconds and only hand-written values use these words.

use super::date::is_unset;
use super::options::TimeUnit;

/// Reads a duration. `unit` is the unit of a bare number (seconds per unit, e.g. 60.0).
/// Empty, `-`, `Not set` and the like are `Ok(None)`. A duration read is finite and >= 0.
///
/// Fails with a message naming the value when it is no duration we know, or is negative, or
/// too large for a number of seconds (`9999...` with hundreds of digits, read as infinity).
pub fn parse_duration(value: &str, unit: f64) -> Result<Option<f64>, String> {
    let value = value.trim();
    if value.is_empty() || (value != "0" && is_unset(value)) {
        return Ok(None);
    }
    let secs = if let Some(n) = number(value) {
        Some(n * unit)
    } else if let Some(rest) = value.strip_prefix("1970-01-") {
        epoch_offset(rest)
    } else if value.contains(':') {
        clock(value)
    } else {
        pairs(value)
    };
    match secs {
        Some(s) if s.is_finite() => Ok(Some(s)),
        Some(_) => Err(format!("duration `{value}` is too large")),
        None => Err(format!("unreadable duration `{value}`")),
    }
}

/// A non-negative decimal number with `.` or `,` as decimal mark (`1.5`, `1,5`, `90`).
fn number(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || !bytes[0].is_ascii_digit() && bytes[0] != b'.' {
        return None;
    }
    let mut marks = 0;
    for &b in bytes {
        match b {
            b'0'..=b'9' => {}
            b'.' | b',' => marks += 1,
            _ => return None,
        }
    }
    if marks > 1 {
        return None; // `1,500.5`: thousands separators are not used for durations
    }
    if text.contains(',') {
        text.replacen(',', ".", 1).parse().ok()
    } else {
        text.parse().ok()
    }
}

/// `hh:mm:ss`, `h:mm`, `hhh:mm:ss` (hours may exceed 24), with an optional fraction of seconds.
fn clock(text: &str) -> Option<f64> {
    let mut parts = text.split(':');
    let h: u64 = digits(parts.next()?)?;
    let m: u64 = digits(parts.next()?)?;
    let s: f64 = match parts.next() {
        Some(s) => number(s)?,
        None => 0.0,
    };
    if parts.next().is_some() || m > 59 || s >= 60.0 {
        return None;
    }
    // In f64: a 19-digit hour count must not overflow.
    Some(h as f64 * 3600.0 + (m * 60) as f64 + s)
}

fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The rest of `1970-01-DD hh:mm:ss`: days past the first of January, plus the clock.
fn epoch_offset(rest: &str) -> Option<f64> {
    let (day, time) = rest.split_once(' ')?;
    let day = digits(day)?;
    if !(1..=31).contains(&day) {
        return None;
    }
    Some((day - 1) as f64 * 86400.0 + clock(time.trim())?)
}

/// Number-unit pairs: `1h 30m`, `2 d 3 h`, `1 Hour 30 Minutes`, `1.5h`, `1 day, 2 hours`.
fn pairs(text: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut seen = false;
    let mut rest = text.trim();
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .unwrap_or(rest.len());
        let n = number(&rest[..end])?;
        rest = rest[end..].trim_start();
        let wend = rest
            .find(|c: char| !c.is_alphabetic() && c != '.')
            .unwrap_or(rest.len());
        let per = unit_seconds(&rest[..wend])?;
        total += n * per;
        seen = true;
        rest = rest[wend..].trim_start_matches([' ', ',', ';', '\t']);
        for and in ["and ", "und ", "et "] {
            rest = rest.strip_prefix(and).unwrap_or(rest);
        }
    }
    seen.then_some(total)
}

/// Seconds in a unit word, in English, German or French, any case, with or without a dot.
fn unit_seconds(word: &str) -> Option<f64> {
    let lower = word.trim_end_matches('.').to_lowercase();
    Some(match lower.as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" | "sek" | "sekunde" | "sekunden"
        | "seconde" | "secondes" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" | "minuten" | "mn" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" | "std" | "stunde" | "stunden" | "heure"
        | "heures" => 3600.0,
        "d" | "day" | "days" | "t" | "tag" | "tage" | "tagen" | "j" | "jour" | "jours" => 86400.0,
        "w" | "wk" | "wks" | "week" | "weeks" | "woche" | "wochen" | "semaine" | "semaines" => {
            604_800.0
        }
        _ => return None,
    })
}

/// Guesses the unit of bare numbers in a generic export's time column: first from the header
/// (`Time spent (h)`, `Minutes`, `Dauer [min]`), then from the values looked at: whole numbers
/// that are all multiples of 60, one at least 600, are seconds (`5400`: a tool counting seconds
/// rounds to minutes); any fraction with nothing above 24 means hours (`1.5`); else minutes,
/// the unit most ticket systems count in. Returns the unit, why, and whether it was guessed
/// from the values (false when the header says it).
pub fn guess_unit<'a>(
    header: &str,
    values: impl Iterator<Item = &'a str>,
) -> (TimeUnit, String, bool) {
    let h = header.to_lowercase();
    let word = |w: &str| {
        h.split(|c: char| !c.is_alphanumeric())
            .any(|part| part == w)
    };
    let by_header = if ["s", "sec", "secs", "seconds", "sekunden", "secondes"]
        .iter()
        .any(|w| word(w))
    {
        Some(TimeUnit::Seconds)
    } else if ["min", "mins", "minutes", "minuten"]
        .iter()
        .any(|w| word(w))
    {
        Some(TimeUnit::Minutes)
    } else if ["h", "hr", "hrs", "hours", "stunden", "std", "heures"]
        .iter()
        .any(|w| word(w))
    {
        Some(TimeUnit::Hours)
    } else {
        None
    };
    if let Some(unit) = by_header {
        return (unit, format!("from the header `{header}`"), false);
    }
    let (mut count, mut all_sixty, mut max, mut fraction) = (0, true, 0.0f64, false);
    for v in values {
        let Some(n) = number(v.trim()) else { continue };
        count += 1;
        max = max.max(n);
        fraction |= n.fract() != 0.0;
        all_sixty &= n.fract() == 0.0 && (n as u64) % 60 == 0;
    }
    if count == 0 {
        return (TimeUnit::Minutes, "no bare numbers seen".into(), true);
    }
    if all_sixty && max >= 600.0 {
        (
            TimeUnit::Seconds,
            "every number is a multiple of 60".into(),
            true,
        )
    } else if fraction && max <= 24.0 {
        (TimeUnit::Hours, "fractions, none above 24".into(), true)
    } else {
        (TimeUnit::Minutes, "whole numbers".into(), true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Found by fuzzing (`fuzz/fuzz_targets/dates.rs`): a number of hundreds of digits, in
    /// any of the forms, was read as an infinite time spent.
    #[test]
    fn a_duration_too_large_for_seconds_is_an_error_not_infinity() {
        let nines = "9".repeat(400);
        for value in [
            nines.clone(),
            format!("{nines}.5"),
            format!("{nines} h 30 m"),
            format!("{nines}:30"),
            format!("1:{nines}"),
            "1".to_string() + &"0".repeat(306), // finite, but not once multiplied by 3600
        ] {
            for unit in [1.0, 60.0, 3600.0] {
                match parse_duration(&value, unit) {
                    Ok(Some(s)) => assert!(s.is_finite() && s >= 0.0, "{value}: {s}"),
                    Ok(None) => panic!("{value}: not set?"),
                    Err(message) => assert!(message.contains("duration"), "{message}"),
                }
            }
        }
        assert!(parse_duration(&nines, 60.0)
            .unwrap_err()
            .contains("too large"));
    }

    fn secs(value: &str, unit: f64) -> f64 {
        parse_duration(value, unit)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("`{value}` read as none"))
    }

    #[test]
    fn every_form_of_the_issue_is_read() {
        let cases: &[(&str, f64, f64)] = &[
            ("90", 60.0, 5400.0),
            ("5400", 1.0, 5400.0),
            ("1.5", 3600.0, 5400.0),
            ("1,5", 3600.0, 5400.0),
            ("1h 30m", 1.0, 5400.0),
            ("1d 2h", 1.0, 93600.0),
            ("2 d 3 h", 1.0, 183600.0),
            ("01:30:00", 60.0, 5400.0),
            ("1:30", 60.0, 5400.0),
            ("90 min", 1.0, 5400.0),
            ("1 Hour 30 Minutes", 1.0, 5400.0),
            ("2 Days 1 Hour", 1.0, 176400.0),
            ("1.5h", 1.0, 5400.0),
            ("1 hour and 30 minutes", 1.0, 5400.0),
            ("1,5 Std.", 1.0, 5400.0),
            ("1970-01-01 01:30:00", 1.0, 5400.0),
            ("1970-01-02 00:00:10", 1.0, 86410.0),
            ("0", 60.0, 0.0),
            ("1w", 1.0, 604800.0),
        ];
        for (value, unit, want) in cases {
            assert_eq!(secs(value, *unit), *want, "{value}");
        }
    }

    #[test]
    fn unset_and_nonsense_are_told_apart() {
        assert_eq!(parse_duration("", 60.0), Ok(None));
        assert_eq!(parse_duration("Not set", 60.0), Ok(None));
        for bad in [
            "-5",
            "1h 30",
            "ninety",
            "1:75",
            "1,500.5",
            "3 parsecs",
            "1::",
        ] {
            assert!(parse_duration(bad, 60.0).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_unit_of_bare_numbers_is_guessed_from_header_then_values() {
        let none = std::iter::empty();
        assert_eq!(guess_unit("Time spent (h)", none).0, TimeUnit::Hours);
        assert_eq!(
            guess_unit("Dauer [min]", std::iter::empty()).0,
            TimeUnit::Minutes
        );
        let v = ["5400", "600", "0", "7200"];
        assert_eq!(guess_unit("Time spent", v.into_iter()).0, TimeUnit::Seconds);
        let v = ["1.5", "0.25", "3"];
        assert_eq!(guess_unit("Aufwand", v.into_iter()).0, TimeUnit::Hours);
        let v = ["90", "45", "120"];
        assert_eq!(guess_unit("Effort", v.into_iter()).0, TimeUnit::Minutes);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn durations_round_trip(total_min in 0u64..100_000, plural in any::<bool>()) {
            let (d, h, m) = (total_min / 1440, total_min / 60 % 24, total_min % 60);
            let hours_total = total_min / 60;
            let want = (total_min * 60) as f64;
            let forms = [
                format!("{hours_total}h {m}m"),
                format!("{d}d {h}h {m}m"),
                format!("{d} d {h} h {m} min"),
                format!("{hours_total:02}:{m:02}:00"),
                format!("{total_min} min"),
                format!("{} Hour{} {m} Minutes", hours_total, if plural { "s" } else { "" }),
                format!("{total_min}"),
            ];
            for (i, form) in forms.iter().enumerate() {
                let unit = if i == forms.len() - 1 { 60.0 } else { 1.0 };
                prop_assert_eq!(secs(form, unit), want, "{}", form);
            }
            let hours = total_min as f64 / 60.0;
            let text = hours.to_string();
            prop_assert!((secs(&text, 3600.0) - want).abs() < 1e-6, "{}", text);
        }

        #[test]
        fn no_input_makes_the_parser_panic(s in "\\PC{0,30}") {
            let _ = parse_duration(&s, 60.0);
        }
    }
}
