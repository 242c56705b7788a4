//! Errors and diagnostics: where a problem sits (`path:line:col`) and what to do about it.
//!
//! Two kinds of trouble, kept apart on purpose:
//! - an [`Error`] stops the command (a file that cannot be opened, a catalog that does not
//!   validate, any problem under `--strict`);
//! - a [`Diagnostic`] records a problem the tool worked around (a short row, a date it could not
//!   read). Diagnostics are collected in [`Diagnostics`], counted in the summary and printed as
//!   `file:line:col: warning: message`, the way rustc and ripgrep print them.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where a problem sits in an input; displayed as `path:line:col` (column omitted when unknown).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// The file, or `<stdin>`, or a name such as `<embedded:csirt-2.1>`.
    pub path: PathBuf,
    /// 1-based line number; 0 when the problem concerns the whole file.
    pub line: u64,
    /// 1-based column (in characters), when known.
    pub column: Option<u64>,
}

impl Location {
    /// A location in `path` at `line` (1-based), without a column.
    pub fn new(path: impl Into<PathBuf>, line: u64) -> Location {
        Location {
            path: path.into(),
            line,
            column: None,
        }
    }

    /// The same location with a column.
    pub fn with_column(mut self, column: u64) -> Location {
        self.column = Some(column);
        self
    }

    /// The location of a whole file (no line).
    pub fn file(path: impl Into<PathBuf>) -> Location {
        Location::new(path, 0)
    }

    /// Line and column (both 1-based) of byte offset `offset` in `text`.
    pub fn at_offset(path: impl Into<PathBuf>, text: &str, offset: usize) -> Location {
        let offset = offset.min(text.len());
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        // Count characters, not bytes, so the column matches what an editor shows.
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count() as u64
            + 1;
        Location::new(path, line).with_column(column)
    }
}

/// Byte offsets of one text to `path:line:col`, with the start of every line found once: a
/// rules file has thousands of words and a catalog hundreds of entries, each with its
/// location, and [`Location::at_offset`] would rescan the text from its start for each.
pub struct LineIndex<'a> {
    origin: &'a Path,
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// The index of `text`, named `origin` in locations.
    pub fn new(origin: &'a Path, text: &'a str) -> LineIndex<'a> {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        LineIndex {
            origin,
            text,
            starts,
        }
    }

    /// The name the locations carry.
    pub fn origin(&self) -> &'a Path {
        self.origin
    }

    /// The same as `Location::at_offset(origin, text, offset)`.
    pub fn at(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        // Count characters, not bytes, so the column matches what an editor shows.
        let column = String::from_utf8_lossy(&self.text.as_bytes()[start..offset])
            .chars()
            .count() as u64
            + 1;
        Location::new(self.origin, line as u64 + 1).with_column(column)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

/// How serious a [`Diagnostic`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worked around; the output is still complete.
    Warning,
    /// The item at fault was not used (a rule that does not compile, an unreadable row).
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem found in an input, with where it is, what it is and, when we know, what to do.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// Where in which input.
    pub at: Location,
    /// What was found and what was expected.
    pub message: String,
    /// A short suggestion, when one helps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.at, self.severity, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Collects diagnostics; under `strict`, the first one becomes an [`Error`].
///
/// Keeps at most [`Diagnostics::KEEP`] of them in memory (a million bad rows must not cost a
/// million strings) but counts all, so the summary stays exact.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    warnings: u64,
    errors: u64,
    strict: bool,
}

impl Diagnostics {
    /// How many diagnostics are kept for printing; the rest are only counted.
    pub const KEEP: usize = 10_000;

    /// An empty collection; `strict` makes every diagnostic fatal.
    pub fn new(strict: bool) -> Diagnostics {
        Diagnostics {
            strict,
            ..Diagnostics::default()
        }
    }

    /// Whether problems are fatal.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// Records a warning, or returns it as an error under `--strict`.
    pub fn warn(&mut self, at: Location, message: impl Into<String>) -> Result<(), Error> {
        self.push(Diagnostic {
            severity: Severity::Warning,
            at,
            message: message.into(),
            hint: None,
        })
    }

    /// Records a diagnostic (or, under `--strict`, returns it as an error).
    pub fn push(&mut self, diag: Diagnostic) -> Result<(), Error> {
        if self.strict {
            return Err(Error::Invalid {
                at: diag.at,
                message: diag.message,
                hint: diag
                    .hint
                    .unwrap_or_else(|| "drop --strict to keep going past this".into()),
            });
        }
        self.record(diag);
        Ok(())
    }

    /// Records a diagnostic whatever the strictness (for checks that report, like `rules check`).
    pub fn record(&mut self, diag: Diagnostic) {
        match diag.severity {
            Severity::Warning => self.warnings += 1,
            Severity::Error => self.errors += 1,
        }
        if self.items.len() < Self::KEEP {
            self.items.push(diag);
        }
    }

    /// Moves every diagnostic of `other` into `self`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.warnings += other.warnings;
        self.errors += other.errors;
        for d in other.items {
            if self.items.len() < Self::KEEP {
                self.items.push(d);
            }
        }
    }

    /// The diagnostics kept, in the order they were found.
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Takes the kept diagnostics out, leaving the counts.
    pub fn drain(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.items)
    }

    /// Number of warnings recorded (kept or not).
    pub fn warnings(&self) -> u64 {
        self.warnings
    }

    /// Number of errors recorded (kept or not).
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.warnings == 0 && self.errors == 0
    }
}

/// Every way the library can fail. Each variant names the input at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input or output file could not be opened, read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A rules file, catalog or export is wrong in a way we cannot work around.
    #[error("{at}: error: {message}\n  hint: {hint}")]
    Invalid {
        /// Where.
        at: Location,
        /// What was found and what was expected.
        message: String,
        /// What to do about it.
        hint: String,
    },
    /// Options that do not fit together or name something that does not exist.
    #[error("{0}")]
    Usage(String),
    /// The run was interrupted (SIGINT, SIGTERM): outputs were left as they were.
    #[error("interrupted: no output file was written or replaced")]
    Interrupted,
}

impl Error {
    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An [`Error::Invalid`] at `at`.
    pub fn invalid(at: Location, message: impl Into<String>, hint: impl Into<String>) -> Error {
        Error::Invalid {
            at,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_displays_as_path_line_column() {
        let at = Location::new("a.csv", 3).with_column(7);
        assert_eq!(at.to_string(), "a.csv:3:7");
        assert_eq!(Location::file("a.csv").to_string(), "a.csv");
    }

    #[test]
    fn an_offset_becomes_line_and_character_column() {
        let text = "ab\ncdé\nfg";
        let at = Location::at_offset("x", text, text.find('f').unwrap());
        assert_eq!((at.line, at.column), (3, Some(1)));
        let at = Location::at_offset("x", text, text.find('é').unwrap() + 'é'.len_utf8());
        assert_eq!((at.line, at.column), (2, Some(4)));
    }

    #[test]
    fn strict_diagnostics_turn_the_first_warning_into_an_error() {
        let mut d = Diagnostics::new(true);
        assert!(d.warn(Location::new("f", 1), "bad").is_err());
        let mut d = Diagnostics::new(false);
        d.warn(Location::new("f", 1), "bad").unwrap();
        assert_eq!((d.warnings(), d.items().len()), (1, 1));
    }

    #[test]
    fn line_index_locations_are_those_of_location_at_offset() {
        let text = "a = 1\n\nbé = [\"x\"]\r\nlast";
        let lines = LineIndex::new(Path::new("f.toml"), text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                lines.at(offset),
                Location::at_offset("f.toml", text, offset),
                "{offset}"
            );
        }
    }
}
