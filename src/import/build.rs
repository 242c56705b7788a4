//! One record -> one [`Ticket`] (or one [`Reject`]): decoding, mapping, dates, durations,
//! status, and the warnings that go with damaged rows.
//!
//! The hot path: every field is decoded once into `Ticket::raw`; the mapped fields are taken
//! from there (cleaned where the flavour needs it). Locations (line, character column) are
//! computed from the raw bytes only when there is something to report.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use super::date::{self, DateOrder, DateParser};
use super::decode::{lossy, DecodeIssue, FieldDecoder};
use super::duration::parse_duration;
use super::flavour::{Mapping, StatusMap};
use super::options::show_size;
use super::records::{field_position, RawRecord};
use super::reject::Reject;
use super::ticket::{TextField, Ticket};
use crate::error::{Diagnostics, Location, Result};

/// What became of a record.
pub enum Built {
    /// A ticket, possibly with warnings recorded.
    Ticket(Ticket),
    /// Nothing readable.
    Reject(Reject),
}

/// Turns records of one input into tickets. Built once per input by the reader.
pub struct Builder {
    /// Index of the input.
    pub source: usize,
    /// The input's path, for locations.
    pub path: PathBuf,
    /// `<file name>#`, the prefix of ids made up for rows without one.
    pub id_prefix: String,
    /// Header names, shared by every ticket's text fields.
    pub headers: Vec<Arc<str>>,
    /// Which column is what.
    pub mapping: Mapping,
    /// Per column: how its cells wrap the text (Jira comments, OTRS article trees).
    pub wrapping: Vec<Wrapping>,
    /// Whether to strip a ServiceNow formula guard.
    pub formula_guard: bool,
    /// How fields become text.
    pub decoder: FieldDecoder,
    /// Per column: the date parser of date columns.
    pub dates: Vec<Option<DateParser>>,
    /// Seconds in one unit of a bare number in the time column.
    pub time_unit: f64,
    /// Status words.
    pub status: StatusMap,
    /// The delimiter and quoting, to find a field's column in the raw bytes.
    pub delimiter: u8,
    /// Whether `"` quotes.
    pub quoting: bool,
    /// The size limit of a field, for messages.
    pub max_field: usize,
}

impl Builder {
    /// Builds the ticket of record number `record` (1-based), whose raw bytes are `raw`.
    ///
    /// Fails only under `--strict`, with the first problem found.
    pub fn build(
        &self,
        rec: &RawRecord,
        raw: &[u8],
        record: u64,
        diags: &mut Diagnostics,
    ) -> Result<Built> {
        let expected = self.headers.len();
        let reject_at = |at: Option<Location>, reason: String| {
            let text = lossy(raw);
            Built::Reject(Reject {
                source: self.source,
                path: self.path.clone(),
                line: rec.line,
                record,
                at,
                reason,
                raw: text.trim_end_matches(['\r', '\n']).to_string(),
            })
        };
        let reject = |reason: String| reject_at(None, reason);
        if let Some(problem) = &rec.problem {
            return Ok(reject_at(Some(self.loc(rec.line, 1)), problem.clone()));
        }
        if let Some(big) = rec.oversize {
            let name = self.headers.get(big.field).map_or("", |h| &**h);
            let size = if big.cut {
                format!("more than {}", show_size(big.bytes))
            } else {
                show_size(big.bytes)
            };
            let at = self.loc(rec.line + big.at.0, big.at.1);
            return Ok(reject_at(
                Some(at),
                format!(
                    "field {} (`{name}`) is {size}, over the {} limit (--max-field-size raises it)",
                    big.field + 1,
                    show_size(self.max_field as u64)
                ),
            ));
        }
        if rec.len() == 1 && expected >= 3 {
            return Ok(reject(format!(
                "no delimiter in this line: not a row of this export ({expected} columns expected)"
            )));
        }
        let mut fields = Vec::with_capacity(rec.len());
        let mut bad_bytes = None;
        for (i, bytes) in rec.iter().enumerate() {
            let mut text = String::with_capacity(bytes.len());
            if let Some(issue) = self.decoder.decode_into(bytes, &mut text) {
                bad_bytes.get_or_insert((i, issue));
            }
            fields.push(text);
        }
        if rec.len() == expected && fields.iter().zip(&self.headers).all(|(f, h)| **f == **h) {
            return Ok(reject(
                "the header line again (were several exports concatenated?)".into(),
            ));
        }
        if let Some(at) = rec.quote_problem {
            let (line, col) = offset_position(raw, at);
            let what = if rec.runaway {
                "a quoted field is never closed properly, or is larger than --max-field-size; \
                 this line was read without quoting"
            } else if rec.unquoted {
                "a quoted field is never closed properly; this line was read without quoting"
            } else {
                "a quoted field is not closed properly; its fields may be cut wrong"
            };
            diags.warn(self.loc(rec.line + line, col), what)?;
        }
        if rec.len() != expected {
            let field = rec.len().min(expected);
            diags.warn(
                self.field_loc(rec, raw, field),
                format!("expected {expected} fields, found {}", rec.len()),
            )?;
        }
        if let Some((i, issue)) = bad_bytes {
            let message = match issue {
                DecodeIssue::Fallback => {
                    "bytes that are not UTF-8: read as windows-1252 (use --encoding)"
                }
                DecodeIssue::Replaced => "bytes that are not UTF-8: replaced with U+FFFD",
            };
            diags.warn(self.field_loc(rec, raw, i), message)?;
        }
        self.ticket(rec, raw, record, fields, diags)
            .map(|t| match t {
                Some(t) => Built::Ticket(t),
                None => reject("no id and no text in this row".into()),
            })
    }

    fn ticket(
        &self,
        rec: &RawRecord,
        raw: &[u8],
        record: u64,
        fields: Vec<String>,
        diags: &mut Diagnostics,
    ) -> Result<Option<Ticket>> {
        let m = &self.mapping;
        let cell = |col: Option<usize>| -> Option<&str> {
            let text = self.unguard(fields.get(col?)?.trim());
            (!text.is_empty()).then_some(text)
        };
        let mut texts = Vec::with_capacity(m.texts.len());
        for &col in &m.texts {
            let Some(text) = cell(Some(col)) else {
                continue;
            };
            let text = match self.wrapping[col] {
                Wrapping::None => Cow::Borrowed(text),
                Wrapping::JiraComment => Cow::Borrowed(comment_body(text)),
                Wrapping::ArticleTree => article_bodies(text),
            };
            if text.is_empty() {
                continue;
            }
            texts.push(TextField {
                column: col,
                name: self.headers[col].clone(),
                is_title: Some(col) == m.title,
                text: text.into_owned(),
            });
        }
        let id = cell(m.id);
        if id.is_none() && texts.is_empty() {
            return Ok(None);
        }
        let created = self.date(rec, raw, m.created, &fields, diags)?;
        let mut resolved = None;
        for &col in &m.resolved {
            resolved = self.date(rec, raw, Some(col), &fields, diags)?;
            if resolved.is_some() {
                break;
            }
        }
        let time_spent = match cell(m.time_spent) {
            None => None,
            Some(text) => match parse_duration(text, self.time_unit) {
                Ok(secs) => secs,
                Err(message) => {
                    let col = m.time_spent.unwrap_or(0);
                    diags.warn(self.field_loc(rec, raw, col), message)?;
                    None
                }
            },
        };
        let status = match m.status {
            Some(col) => self
                .status
                .status(fields.get(col).map_or("", |s| s.as_str())),
            None => Default::default(),
        };
        let id = match id {
            Some(id) => id.to_string(),
            None => format!("{}{record}", self.id_prefix),
        };
        Ok(Some(Ticket {
            source: self.source,
            line: rec.line,
            record,
            id,
            title: cell(m.title).unwrap_or_default().to_string(),
            texts,
            created,
            resolved,
            status,
            time_spent,
            priority: cell(m.priority).map(str::to_string),
            queue: cell(m.queue).map(str::to_string),
            raw: fields,
        }))
    }

    fn date(
        &self,
        rec: &RawRecord,
        raw: &[u8],
        col: Option<usize>,
        fields: &[String],
        diags: &mut Diagnostics,
    ) -> Result<Option<chrono::NaiveDateTime>> {
        let Some(col) = col else { return Ok(None) };
        let Some(parser) = self.dates.get(col).and_then(Option::as_ref) else {
            return Ok(None);
        };
        let value = fields.get(col).map_or("", |s| s.as_str());
        match parser.parse(value) {
            Ok(dt) => Ok(dt.map(|(dt, _)| dt)),
            Err(message) => {
                let hint = match (parser.order(), date::evidence(value)) {
                    (DateOrder::MonthFirst, date::Evidence::DayFirst) => {
                        " (the column was read month-first; use --date-format)"
                    }
                    (DateOrder::DayFirst, date::Evidence::MonthFirst) => {
                        " (the column was read day-first; use --date-format)"
                    }
                    _ => "",
                };
                diags.warn(self.field_loc(rec, raw, col), format!("{message}{hint}"))?;
                Ok(None)
            }
        }
    }

    fn unguard<'s>(&self, text: &'s str) -> &'s str {
        match text.strip_prefix('\'') {
            Some(rest) if self.formula_guard && rest.starts_with(['+', '-', '=', '@']) => rest,
            _ => text,
        }
    }

    fn loc(&self, line: u64, col: u64) -> Location {
        Location::new(&self.path, line).with_column(col)
    }

    /// The location of field `field` of the record.
    fn field_loc(&self, rec: &RawRecord, raw: &[u8], field: usize) -> Location {
        let quoting = self.quoting && !rec.unquoted;
        let (lines, col) = field_position(raw, field, self.delimiter, quoting);
        self.loc(rec.line + lines, col)
    }
}

/// Line offset and character column of byte `at` in `raw`.
fn offset_position(raw: &[u8], at: usize) -> (u64, u64) {
    let before = &raw[..at.min(raw.len())];
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let lines = before.iter().filter(|&&b| b == b'\n').count() as u64;
    let col = before[start..]
        .iter()
        .filter(|&&b| b & 0xc0 != 0x80)
        .count() as u64;
    (lines, col + 1)
}

/// How a column's cells wrap the ticket's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrapping {
    /// The cell is text.
    None,
    /// `date;author;body` (Jira comments): the body is text.
    JiraComment,
    /// Articles, each under a `-->||type||from||created||<----` line (OTRS and Znuny's
    /// ArticleTree): the bodies are text, the lines (the author and date) are not.
    ArticleTree,
}

/// The articles' bodies of an OTRS ArticleTree cell, joined by blank lines: every
/// `-->||type||from||created||<---` line left out. The cell itself when it has none.
pub fn article_bodies(cell: &str) -> Cow<'_, str> {
    if !cell.contains("-->||") {
        return Cow::Borrowed(cell);
    }
    let mut out = String::with_capacity(cell.len());
    for line in cell.split_inclusive('\n') {
        let bare = line.trim();
        if bare.starts_with("-->||") && bare.contains("||<--") {
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            continue;
        }
        out.push_str(line);
    }
    Cow::Owned(out.trim().to_string())
}

/// The body of a Jira comment cell `date;author;body`; the cell itself when it does not start
/// with a date (a comment typed by hand in a spreadsheet).
pub fn comment_body(cell: &str) -> &str {
    let mut parts = cell.splitn(3, ';');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(when), Some(_author), Some(body)) if is_date(when.trim()) => body.trim(),
        _ => cell,
    }
}

/// Whether `text` reads as a date in either day/month order (comment dates follow the
/// instance's format, which the comment column does not tell).
fn is_date(text: &str) -> bool {
    [DateOrder::MonthFirst, DateOrder::DayFirst]
        .into_iter()
        .any(|order| date::parse_with_order(text, order).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jira_comment_keeps_only_its_body_semicolons_included() {
        assert_eq!(
            comment_body("22/Nov/26 3:30 PM;alice;isolated host; reimaged"),
            "isolated host; reimaged"
        );
        assert_eq!(comment_body("12/03/2025 09:15;557058:f00;ok"), "ok");
        assert_eq!(
            comment_body("22/11/2026 09:15;557058:f00;day first"),
            "day first"
        );
        assert_eq!(comment_body("not a date;x;y"), "not a date;x;y");
        assert_eq!(comment_body("plain comment"), "plain comment");
    }

    #[test]
    fn article_trees_keep_the_bodies_and_drop_the_article_lines() {
        let cell = "-->||email-external||Jens Müller <jm@stadt.example>||2026-11-22 15:04:05||<--------------\n\
                    Bitte prüfen Sie den Anhang.\n\
                    -->||note-internal||CERT Analyst||2026-11-22 16:00:00||<--------------\n\
                    Anhang in der Sandbox: Emotet.";
        assert_eq!(
            article_bodies(cell),
            "Bitte prüfen Sie den Anhang.\n\nAnhang in der Sandbox: Emotet."
        );
        assert_eq!(article_bodies("no articles here"), "no articles here");
    }

    #[test]
    fn an_offset_becomes_a_line_and_a_character_column() {
        assert_eq!(offset_position(b"ab\"c", 2), (0, 3));
        assert_eq!(offset_position("é\n\u{e9}x\"".as_bytes(), 6), (1, 3));
    }
}
