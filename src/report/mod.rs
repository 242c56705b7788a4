//! Reports: a finished [`Workload`] -> a terminal table, CSV, JSON, Markdown or one HTML file.
//!
//! In: the workload, the [`Catalog`] it was made with (names, areas) and its [`Provenance`].
//! Out: one format, chosen by [`Format`]; each lives in its own file here. All formats show the
//! same [`Figures`], computed once, with `--min-count` applied there. Files are written
//! atomically ([`crate::output::atomic`]); ticket text is escaped for where it lands
//! ([`crate::output::escape`]).
//!
//! The JSON format ([`json`]) is also the partial-report format: it holds the mergeable
//! workload, and [`json::merge_files`] combines partial reports with [`Workload::merge`].

pub mod csv;
pub mod figures;
pub mod html;
pub mod json;
pub mod markdown;
pub mod provenance;
pub mod table;
pub mod text;

use std::io::Write;
use std::path::Path;

pub use figures::{Cell, Figures, Level, Row};
pub use provenance::{CatalogStamp, Provenance, Stamp, TOOL};

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::output::write_atomically;
use crate::stats::Workload;

/// A report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Aligned columns for a terminal; control characters stripped.
    Table,
    /// One row per area, service and function, for spreadsheets.
    Csv,
    /// Everything, with the mergeable workload; versioned schema (see [`json`]).
    Json,
    /// Tables for a wiki.
    Markdown,
    /// One self-contained page with charts and sortable tables.
    Html,
}

impl Format {
    /// The format an output file's extension asks for: `.txt`, `.csv`, `.json`, `.md`
    /// (`.markdown`), `.html` (`.htm`); `None` for any other.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "txt" | "text" => Format::Table,
            "csv" => Format::Csv,
            "json" => Format::Json,
            "md" | "markdown" => Format::Markdown,
            "html" | "htm" => Format::Html,
            _ => return None,
        })
    }
}

/// How to render: which format, and what to hide or keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportOptions {
    /// The format.
    pub format: Format,
    /// Suppress cells counting fewer than this many tickets (0: show everything).
    pub min_count: u64,
    /// Keep CSV and Markdown cells as they are instead of neutralising formulas (`--raw`).
    pub raw: bool,
    /// The title of the HTML and Markdown reports (`--title`); `Workload per service` when
    /// `None`.
    pub title: Option<String>,
    /// Reviewed tickets of a random sample and the file they came from (`--calibrate`):
    /// each service then shows its estimated true count with a 95 % interval.
    pub calibration: Option<(Vec<crate::stats::calibrate::Reviewed>, String)>,
}

impl Default for ReportOptions {
    fn default() -> ReportOptions {
        ReportOptions {
            format: Format::Table,
            min_count: 0,
            raw: false,
            title: None,
            calibration: None,
        }
    }
}

/// Checks that `catalog` is the one `workload` was made with (its names and areas would be
/// wrong otherwise); `origin` names the workload's file in the message.
pub fn check_catalog(workload: &Workload, catalog: &Catalog, origin: &str) -> Result<()> {
    if workload.catalog == catalog.fingerprint() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{origin} was made with catalog {}, but the catalog loaded ({}, {}) is {}; pass the \
         same --catalog that made it",
        workload.catalog,
        catalog.meta().short,
        catalog.origin().display(),
        catalog.fingerprint()
    )))
}

/// Renders the report to `out`.
///
/// Fails when `catalog` is not the workload's (see [`check_catalog`]) or `out` fails.
pub fn render(
    workload: &Workload,
    catalog: &Catalog,
    provenance: &Provenance,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> Result<()> {
    check_catalog(workload, catalog, "the workload")?;
    let mut figures = Figures::new(workload, catalog, options.min_count);
    if let Some((sample, labels)) = &options.calibration {
        figures.calibrate(workload, sample, labels);
    }
    let io = |e: std::io::Error| Error::io("<report output>", e);
    match options.format {
        Format::Table => table::write(out, &figures, provenance, workload).map_err(io),
        Format::Csv => csv::write(out, &figures, provenance, options.raw),
        Format::Json => json::write(out, &figures, provenance, workload),
        Format::Markdown => {
            markdown::write(out, &figures, provenance, workload, options).map_err(io)
        }
        Format::Html => html::write(out, &figures, provenance, workload, options).map_err(io),
    }
}

/// Renders the report to `path` (atomically: the previous file stays until the new one is
/// complete), or to stdout when `path` is `None`.
pub fn write_report(
    workload: &Workload,
    catalog: &Catalog,
    provenance: &Provenance,
    options: &ReportOptions,
    path: Option<&Path>,
) -> Result<()> {
    match path {
        Some(path) => write_atomically(path, |w| {
            render(workload, catalog, provenance, options, w).map_err(|e| rename_output(e, path))
        }),
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let stdout_path = Path::new("<stdout>");
            render(workload, catalog, provenance, options, &mut out)
                .map_err(|e| rename_output(e, stdout_path))?;
            out.flush().map_err(|e| Error::io(stdout_path, e))
        }
    }
}

/// Names the real output in an I/O error raised while rendering.
fn rename_output(err: Error, path: &Path) -> Error {
    match err {
        Error::Io { source, .. } => Error::io(path, source),
        other => other,
    }
}

#[cfg(test)]
mod tests;
