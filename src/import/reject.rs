//! Rejects: rows that could not be read as tickets, kept with why, for `--rejects FILE`.
//!
//! A row is rejected only when nothing useful can be read from it (no delimiter at all, no id
//! and no text, the header line repeated); a row that is merely damaged is kept as a ticket
//! with a warning. The rejects file is CSV with the columns `file,line,reason,raw`:
//!
//! ```text
//! file,line,reason,raw
//! exports/jira.csv,57,"the header line again (were several exports concatenated?)","Summary,Issue key,..."
//! ```

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::output::escape::neutralize_formula;
use crate::output::AtomicFile;

/// One rejected row.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Reject {
    /// Index of the input, in the order inputs were given.
    pub source: usize,
    /// The input's path (`<stdin>` for standard input).
    pub path: PathBuf,
    /// 1-based physical line where the row starts.
    pub line: u64,
    /// 1-based record number, header excluded.
    pub record: u64,
    /// Where in the row the problem is, when it is one field (a field over the size limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<crate::Location>,
    /// Why it was rejected.
    pub reason: String,
    /// The row's bytes as text (invalid UTF-8 replaced), line end removed.
    pub raw: String,
}

/// Writes rejects as CSV (`file,line,reason,raw`) to a temporary file beside the target, renamed
/// over it by [`RejectWriter::finish`] (a run that fails or is interrupted leaves the previous
/// file, like every output).
pub struct RejectWriter {
    path: PathBuf,
    csv: csv::Writer<AtomicFile>,
    written: u64,
    raw: bool,
}

impl RejectWriter {
    /// Starts writing `path` (its temporary file) and writes the header row.
    ///
    /// Fails when the file cannot be created or written.
    pub fn create(path: &Path) -> Result<RejectWriter> {
        let file = AtomicFile::create(path)?;
        let mut csv = csv::Writer::from_writer(file);
        csv.write_record(["file", "line", "reason", "raw"])
            .map_err(|e| Error::io(path, e.into()))?;
        Ok(RejectWriter {
            path: path.to_path_buf(),
            csv,
            written: 0,
            raw: false,
        })
    }

    /// Keeps cells a spreadsheet would run as formulas as they are (`--raw`); by default
    /// they get a leading `'`, as in every CSV output (the raw row is ticket text).
    pub fn keep_formulas(mut self, raw: bool) -> RejectWriter {
        self.raw = raw;
        self
    }

    /// Appends one reject.
    pub fn write(&mut self, reject: &Reject) -> Result<()> {
        let line = reject.line.to_string();
        let file = reject.path.display().to_string();
        let text = |cell: &'_ str| -> String {
            if self.raw {
                cell.to_string()
            } else {
                neutralize_formula(cell).into_owned()
            }
        };
        let (file, reason, raw) = (text(&file), text(&reject.reason), text(&reject.raw));
        self.csv
            .write_record([file.as_str(), &line, &reason, &raw])
            .map_err(|e| Error::io(&self.path, e.into()))?;
        self.written += 1;
        Ok(())
    }

    /// How many rejects were written.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes the file and renames it over `path`; call it before reporting success.
    pub fn finish(mut self) -> Result<()> {
        self.csv.flush().map_err(|e| Error::io(&self.path, e))?;
        self.csv
            .into_inner()
            .map_err(|e| Error::io(&self.path, std::io::Error::other(e.to_string())))?
            .commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_are_written_as_csv_with_their_raw_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rejects.csv");
        let mut w = RejectWriter::create(&path).unwrap();
        w.write(&Reject {
            source: 0,
            path: "in.csv".into(),
            line: 7,
            record: 6,
            at: None,
            reason: "no delimiter".into(),
            raw: "a \"quoted\", line".into(),
        })
        .unwrap();
        w.finish().unwrap();
        let mut rdr = csv::Reader::from_path(&path).unwrap();
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][0], "in.csv");
        assert_eq!(&rows[0][1], "7");
        assert_eq!(&rows[0][3], "a \"quoted\", line");
    }

    #[test]
    fn a_rejected_row_that_is_a_formula_is_neutralised_unless_raw() {
        let dir = tempfile::tempdir().unwrap();
        let reject = Reject {
            source: 0,
            path: "in.csv".into(),
            line: 2,
            record: 1,
            at: None,
            reason: "no delimiter".into(),
            raw: "=HYPERLINK(\"http://x\")".into(),
        };
        for (raw, expected) in [
            (false, "'=HYPERLINK(\"http://x\")"),
            (true, "=HYPERLINK(\"http://x\")"),
        ] {
            let path = dir.path().join(format!("rejects-{raw}.csv"));
            let mut w = RejectWriter::create(&path).unwrap().keep_formulas(raw);
            w.write(&reject).unwrap();
            w.finish().unwrap();
            let mut rdr = csv::Reader::from_path(&path).unwrap();
            let row = rdr.records().next().unwrap().unwrap();
            assert_eq!(&row[3], expected);
        }
    }
}
