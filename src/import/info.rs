//! What the reader decided about an input, for `inspect` and for run summaries.
//!
//! [`SourceInfo`] serialises to JSON (it is the heart of `inspect --format json`); its fields
//! are stable: add, never rename. [`SourceInfo::summary`] is the one-line form other commands
//! print, e.g.
//! `jira.csv: jira (UTF-8, ',', 12 records): id=Issue key, title=Summary, text=Summary+Description+Comment×3, created=Created, resolved=Resolved, status=Status, time spent=Time Spent (s)`.

use std::path::PathBuf;

use super::date::{DateKind, DateOrder};
use super::flavour::{Detection, Flavour, Mapping, Role};
use super::options::TimeUnit;

/// Everything decided about one input before its first ticket.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SourceInfo {
    /// The input's path (`<stdin>` for standard input).
    pub path: PathBuf,
    /// Index of the input, in the order inputs were given.
    pub source: usize,
    /// The flavour used.
    pub flavour: Flavour,
    /// How the flavour was decided.
    pub detection: Detection,
    /// The encoding's name (`UTF-8`, `windows-1252`, `UTF-16LE`).
    pub encoding: String,
    /// Why that encoding.
    pub encoding_reason: String,
    /// Whether a byte order mark was skipped.
    pub bom: bool,
    /// The delimiter, as a one-character string.
    pub delimiter: String,
    /// Why that delimiter.
    pub delimiter_reason: String,
    /// Whether `"` quotes fields (false for RT's TSV).
    pub quoting: bool,
    /// `LF`, `CRLF`, `CR` or `mixed (...)`, from the first bytes.
    pub line_endings: String,
    /// The header, duplicates kept in order.
    pub headers: Vec<String>,
    /// Each column with its role and the formats found in it.
    pub columns: Vec<ColumnInfo>,
    /// Column indexes per role.
    pub mapping: Mapping,
    /// Other things worth knowing (encoding fallbacks, date order defaults).
    pub notes: Vec<String>,
    /// What a user must check, said as warnings on stderr by every command that reads the
    /// input (and listed by `inspect`): a time unit guessed from the values.
    pub caveats: Vec<String>,
    /// For stdin, once read to the end: `sha256:<hex>` of its bytes (see
    /// [`Reader::content_sha256`](super::reader::Reader::content_sha256)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_sha256: Option<String>,
}

/// One column of the header.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ColumnInfo {
    /// 0-based position.
    pub index: usize,
    /// The header name as written.
    pub name: String,
    /// What it is used for.
    pub role: Role,
    /// For date columns: how dates are read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<DateColumnInfo>,
    /// For the time-spent column: the unit of bare numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<DurationInfo>,
}

/// How one date column is read.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DateColumnInfo {
    /// Formats seen in the values looked at, most frequent first.
    pub formats: Vec<DateKind>,
    /// The order applied to ambiguous numeric dates; `None` when the column has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<DateOrder>,
    /// Why that order, when the column has numeric dates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_reason: Option<String>,
    /// Values looked at.
    pub values_seen: usize,
    /// Of those, values that could not be read.
    pub unreadable: usize,
    /// A value as written, for the reader of `inspect`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
}

/// How the time-spent column is read.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DurationInfo {
    /// Unit of a bare number.
    pub unit: TimeUnit,
    /// Why that unit.
    pub reason: String,
    /// Whether the unit was guessed from the values (not said by the header, fixed by the
    /// flavour or given with `--time-unit`): a guess is said as a warning.
    pub guessed: bool,
}

impl DurationInfo {
    /// `hours (guessed from the values: fractions, none above 24)`, for provenance and notes.
    pub fn describe(&self) -> String {
        let unit = match self.unit {
            TimeUnit::Seconds => "seconds",
            TimeUnit::Minutes => "minutes",
            TimeUnit::Hours => "hours",
            TimeUnit::Auto => "auto",
        };
        if self.guessed {
            format!("{unit} (guessed from the values: {})", self.reason)
        } else {
            format!("{unit} ({})", self.reason)
        }
    }
}

/// What a reader has read so far. `read == tickets + rejected`, always.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Records read after the header.
    pub read: u64,
    /// Tickets emitted.
    pub tickets: u64,
    /// Records rejected.
    pub rejected: u64,
    /// Bytes of input consumed (after decoding UTF-16).
    pub bytes: u64,
}

impl SourceInfo {
    /// The column's header name (`?` when out of range).
    pub fn column_name(&self, col: usize) -> &str {
        self.headers.get(col).map_or("?", |s| s.as_str())
    }

    /// The one-line summary printed by commands that read exports: flavour, encoding,
    /// delimiter, records, and the column of each role (the title is not repeated in `text`).
    pub fn summary(&self, counts: &Counts) -> String {
        let m = &self.mapping;
        let name = |c: usize| self.column_name(c);
        let mut parts = Vec::new();
        if let Some(c) = m.id {
            parts.push(format!("id={}", name(c)));
        }
        if let Some(c) = m.title {
            parts.push(format!("title={}", name(c)));
        }
        let texts: Vec<usize> = m
            .texts
            .iter()
            .copied()
            .filter(|&c| Some(c) != m.title)
            .collect();
        if !texts.is_empty() {
            parts.push(format!("text={}", self.grouped(&texts)));
        }
        if let Some(c) = m.created {
            parts.push(format!("created={}", name(c)));
        }
        if !m.resolved.is_empty() {
            let names: Vec<&str> = m.resolved.iter().map(|&c| name(c)).collect();
            parts.push(format!("resolved={}", names.join("|")));
        }
        for (role, col) in [
            ("status", m.status),
            ("priority", m.priority),
            ("queue", m.queue),
        ] {
            if let Some(c) = col {
                parts.push(format!("{role}={}", name(c)));
            }
        }
        if let Some(c) = m.time_spent {
            let unit = self.columns.get(c).and_then(|ci| ci.duration.as_ref());
            // `Aufwand (h)` says its unit already.
            let unit = match unit {
                Some(d) if !name(c).trim_end().ends_with([')', ']']) => format!(" ({})", d.unit),
                _ => String::new(),
            };
            parts.push(format!("time spent={}{unit}", name(c)));
        }
        let file = self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |f| f.to_string_lossy().into_owned(),
        );
        let delimiter = match self.delimiter.as_str() {
            "\t" => "TAB".to_string(),
            d => format!("'{d}'"),
        };
        let rejected = match counts.rejected {
            0 => String::new(),
            n => format!(", {n} rejected"),
        };
        let mapped = if parts.is_empty() {
            "no column mapped".to_string()
        } else {
            parts.join(", ")
        };
        format!(
            "{file}: {} ({}, {delimiter}, {} records{rejected}): {mapped}",
            self.flavour, self.encoding, counts.read
        )
    }

    /// `Description+Comment×3`: column names in order, repeats counted.
    fn grouped(&self, cols: &[usize]) -> String {
        let mut out: Vec<(String, usize)> = Vec::new();
        for &c in cols {
            let name = self.column_name(c);
            match out.iter_mut().find(|(n, _)| n == name) {
                Some((_, count)) => *count += 1,
                None => out.push((name.to_string(), 1)),
            }
        }
        out.iter()
            .map(|(n, k)| {
                if *k > 1 {
                    format!("{n}×{k}")
                } else {
                    n.clone()
                }
            })
            .collect::<Vec<_>>()
            .join("+")
    }

    /// The role of each column, for callers that do not need the whole [`ColumnInfo`].
    pub fn roles(&self) -> impl Iterator<Item = (usize, &str, Role)> + '_ {
        self.columns
            .iter()
            .map(|c| (c.index, c.name.as_str(), c.role))
    }
}
