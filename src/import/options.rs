//! How to read an export: the options a user can force, each `None` meaning "detect it".
//!
//! [`ImportOptions`] is what the command line (`ImportArgs`) and a TOML [profile](super::profile)
//! become. Everything here is plain data; the decisions are taken in [`super::Reader::open`].

use std::fmt;
use std::str::FromStr;

use encoding_rs::Encoding;

use super::date::DateOrder;
use super::flavour::Flavour;

/// Options that override what the reader would detect. `Default` detects everything.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// The export's flavour; `None` detects it from the header.
    pub flavour: Option<Flavour>,
    /// The text encoding; `None` detects it (BOM, then UTF-8 validity, else windows-1252).
    pub encoding: Option<&'static Encoding>,
    /// The field delimiter; `None` detects it from the header line.
    pub delimiter: Option<u8>,
    /// The column holding the ticket id.
    pub id_col: Option<ColumnRef>,
    /// The column holding the title.
    pub title_col: Option<ColumnRef>,
    /// The free-text columns; empty keeps the flavour's choice. A name matches every column so
    /// named (Jira repeats `Comment`).
    pub text_cols: Vec<ColumnRef>,
    /// The creation date column.
    pub created_col: Option<ColumnRef>,
    /// The resolution (or closing) date column.
    pub resolved_col: Option<ColumnRef>,
    /// The status column.
    pub status_col: Option<ColumnRef>,
    /// Status values meaning closed (compared case-insensitively); empty keeps the built-in words.
    pub closed_status: Vec<String>,
    /// The time-spent column.
    pub time_spent_col: Option<ColumnRef>,
    /// The unit of bare numbers in the time-spent column.
    pub time_unit: TimeUnit,
    /// The priority (or severity) column.
    pub priority_col: Option<ColumnRef>,
    /// The queue (group, project) column.
    pub queue_col: Option<ColumnRef>,
    /// A chrono `strftime` format every date column is read with, instead of detection.
    pub date_format: Option<String>,
    /// The order of day and month in numeric dates (`03/04/2024`), instead of deciding it per
    /// column from the values read ahead: so that every part of a split export reads alike.
    pub date_order: Option<DateOrder>,
    /// The column names of inputs that have no header line (the parts of a split export):
    /// every line of such an input is a record. See [`ImportOptions::header_from`].
    pub header: Option<Vec<String>>,
    /// Largest field read, in bytes; `None` is [`DEFAULT_MAX_FIELD_SIZE`]. A row with a
    /// larger field is rejected (its line, column and size said); a larger quoted field that
    /// spans lines is taken for a quote left open (see `records`).
    pub max_field_size: Option<usize>,
}

/// The default largest field: 64 MiB, far above any ticket text, low enough that one bad row
/// cannot take the memory of the machine.
pub const DEFAULT_MAX_FIELD_SIZE: usize = 64 << 20;

impl ImportOptions {
    /// The largest field read, in bytes.
    pub fn max_field_size(&self) -> usize {
        self.max_field_size.unwrap_or(DEFAULT_MAX_FIELD_SIZE)
    }
}

/// A size as people read it: `64 MiB`, `1.5 GiB`, `512 KiB`, `1000 bytes`.
pub fn show_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else if value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A column named by its header (case-insensitive) or by its 1-based position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnRef {
    /// A header name; matches every column with that name.
    Name(String),
    /// A 1-based column number.
    Index(usize),
}

impl ColumnRef {
    /// Reads `#3` as the third column and anything else as a name. A bare `3` stays a name
    /// here; the mapping takes it for the third column when no header is called `3`, since
    /// only the header can tell.
    pub fn parse(text: &str) -> ColumnRef {
        let digits = text.strip_prefix('#').unwrap_or(text);
        match digits.parse::<usize>() {
            Ok(n) if n > 0 && text.starts_with('#') && text.len() > 1 => ColumnRef::Index(n),
            _ => ColumnRef::Name(text.to_string()),
        }
    }
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnRef::Name(name) => f.write_str(name),
            ColumnRef::Index(n) => write!(f, "#{n}"),
        }
    }
}

/// The unit of a bare number in a time-spent column (`90`, `1.5`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// Seconds (Jira).
    Seconds,
    /// Minutes (RT TimeWorked; usually OTRS AccountedTime and Zammad Time Units Total, whose
    /// unit is the site's and so decided from the values).
    Minutes,
    /// Hours.
    Hours,
    /// The flavour's native unit, else guessed from the header and the values.
    #[default]
    Auto,
}

impl TimeUnit {
    /// Seconds in one unit (`Auto` has none: it must be resolved first).
    pub fn seconds(self) -> Option<f64> {
        match self {
            TimeUnit::Seconds => Some(1.0),
            TimeUnit::Minutes => Some(60.0),
            TimeUnit::Hours => Some(3600.0),
            TimeUnit::Auto => None,
        }
    }

    /// The short name used on the command line: `s`, `min`, `h`, `auto`.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "s",
            TimeUnit::Minutes => "min",
            TimeUnit::Hours => "h",
            TimeUnit::Auto => "auto",
        }
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TimeUnit {
    type Err = String;

    fn from_str(s: &str) -> Result<TimeUnit, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => Ok(TimeUnit::Seconds),
            "m" | "min" | "mins" | "minute" | "minutes" => Ok(TimeUnit::Minutes),
            "h" | "hr" | "hrs" | "hour" | "hours" => Ok(TimeUnit::Hours),
            "auto" => Ok(TimeUnit::Auto),
            other => Err(format!(
                "unknown time unit `{other}`: expected s, min, h or auto"
            )),
        }
    }
}

/// Reads an encoding name: any WHATWG label (`utf-8`, `utf-16le`, `windows-1252`, `latin1`,
/// `iso-8859-1`, `cp1252`...), or `auto` (`None`).
pub fn parse_encoding(name: &str) -> Result<Option<&'static Encoding>, String> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    // `cp1252` is what Python and Excel users type; WHATWG only knows `windows-1252`.
    let label = match name.to_ascii_lowercase().as_str() {
        "cp1252" | "ansi" => "windows-1252".to_string(),
        "utf16" | "utf16le" => "utf-16le".to_string(),
        "utf16be" => "utf-16be".to_string(),
        "utf8" => "utf-8".to_string(),
        other => other.to_string(),
    };
    Encoding::for_label(label.as_bytes())
        .map(Some)
        .ok_or_else(|| {
            format!(
                "unknown encoding `{name}`: try utf-8, utf-16le, utf-16be, windows-1252 or latin1"
            )
        })
}

/// Reads a delimiter: one ASCII character, or a name (`comma`, `semicolon`, `tab`, `\t`,
/// `pipe`), or `auto` (`None`).
pub fn parse_delimiter(text: &str) -> Result<Option<u8>, String> {
    let byte = match text {
        "auto" => return Ok(None),
        "tab" | "\\t" | "\t" | "TAB" => b'\t',
        "comma" => b',',
        "semicolon" => b';',
        "pipe" => b'|',
        _ if text.len() == 1 && text.is_ascii() && !text.starts_with(['"', '\n', '\r']) => {
            text.as_bytes()[0]
        }
        _ => {
            return Err(format!(
            "bad delimiter `{text}`: expected one ASCII character, tab, comma, semicolon or pipe"
        ))
        }
    };
    Ok(Some(byte))
}

/// How a delimiter byte is shown to people: `','`, `';'`, `TAB`, `'|'`.
pub fn delimiter_name(byte: u8) -> String {
    match byte {
        b'\t' => "TAB".to_string(),
        b => format!("'{}'", b as char),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_number_needs_a_hash_to_be_taken_as_a_position() {
        assert_eq!(ColumnRef::parse("#3"), ColumnRef::Index(3));
        assert_eq!(ColumnRef::parse("3"), ColumnRef::Name("3".into()));
        assert_eq!(ColumnRef::parse("#"), ColumnRef::Name("#".into()));
        assert_eq!(ColumnRef::parse("Titel"), ColumnRef::Name("Titel".into()));
    }

    #[test]
    fn encodings_are_named_the_way_people_type_them() {
        assert_eq!(
            parse_encoding("latin1").unwrap(),
            Some(encoding_rs::WINDOWS_1252)
        );
        assert_eq!(
            parse_encoding("cp1252").unwrap(),
            Some(encoding_rs::WINDOWS_1252)
        );
        assert_eq!(
            parse_encoding("UTF-16LE").unwrap(),
            Some(encoding_rs::UTF_16LE)
        );
        assert_eq!(parse_encoding("auto").unwrap(), None);
        assert!(parse_encoding("klingon").is_err());
    }

    #[test]
    fn sizes_are_shown_in_binary_units() {
        assert_eq!(show_size(64 << 20), "64 MiB");
        assert_eq!(show_size(1000), "1000 bytes");
        assert_eq!(show_size(1536), "1.5 KiB");
        assert_eq!(show_size(3 << 30), "3 GiB");
    }

    #[test]
    fn delimiters_accept_names_and_single_characters() {
        assert_eq!(parse_delimiter("tab").unwrap(), Some(b'\t'));
        assert_eq!(parse_delimiter(";").unwrap(), Some(b';'));
        assert_eq!(parse_delimiter("pipe").unwrap(), Some(b'|'));
        assert!(parse_delimiter("ab").is_err());
        assert!(parse_delimiter("\"").is_err());
        assert_eq!("min".parse::<TimeUnit>().unwrap(), TimeUnit::Minutes);
    }
}
