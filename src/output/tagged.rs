//! The tagged export: every input column unchanged and in order, then the tags.
//!
//! CSV (the default): the input's header (Jira's repeated `Comment` columns included), then
//! five columns named exactly
//!
//! | column | value |
//! | --- | --- |
//! | `services` | ranked tags joined with `;`: each service id, followed by the ids of its functions that fired (`6.4;6.4.2;6.5`) |
//! | `primary_service` | the first service id, empty when untagged |
//! | `service_names` | the name of each id of `services`, in the same order, joined with `;` |
//! | `tag_source` | `rule`, `index` or `none` |
//! | `matched_rules` | ids of the rules that fired, joined with `;`; for a tag the index took from labelled examples, then `like:ID` for each example that voted for it (at most 3); where the examples' vote changed the rules' services, `vote:-ID` for each dropped, `vote:+ID` for each added and `vote:primary=ID` for a primary it chose (between two the rules nearly tied, or, where the rules and the classifier are combined, the service with the highest combined share) |
//!
//! JSONL (`-o file.jsonl`): one object per ticket, schema version 1, with the fields as the
//! reader understood them, the same whatever the ticket system (`created` and `resolved` as
//! `YYYY-MM-DDTHH:MM:SS` or null, `status` `open`/`closed`/`unknown`, `time_spent_s` in
//! seconds or null, `priority` and `queue` or null), so exports of several systems join:
//!
//! ```json
//! {"schema":1,"source":"export.csv","line":2,"id":"SEC-1","title":"...","created":"2026-11-22T15:04:00",
//!  "resolved":null,"status":"open","time_spent_s":3600.0,"priority":"High","queue":"Security Incidents",
//!  "columns":[["Summary","..."],["Labels","a"],["Labels","b"]],
//!  "services":["6.4","6.4.2"],"primary_service":"6.4","service_names":["Mitigation and recovery","Ad hoc measures and containment"],
//!  "tag_source":"rule","matched_rules":["6.4.isolate"],"scores":{"6.4":2.0,"6.4.2":1.0},
//!  "matches":[{"rule":"6.4.isolate","word":"isolate","field":"Description","column":4,"start":10,"end":18,"text":"isolated"}],
//!  "like":[],"votes":[]}
//! ```
//!
//! `like` lists, for a tag the index took from labelled examples, the examples that voted for
//! it: `{"id":"SIR0020117","services":["6.4","6.5"],"score":14.8}`. `votes` lists what the
//! examples' vote beside the rules changed (`tag::ExampleVote`):
//! `{"service":"6.5","change":"added","share":0.82}` (`dropped` for a service taken out,
//! `primary` for the rules' second made the primary; the
//! share is the classifier's probability, or with `--vote-by neighbours` the neighbours' part).
//!
//! `columns` keeps every input column as `[header, value]` pairs, so repeated headers survive;
//! a match's `column` indexes them, its `start` and `end` are byte offsets into the field's
//! text as read (for a Jira comment, the body after `date;author;`).
//! Cells a spreadsheet would run as a formula are neutralised in CSV unless `raw` is set
//! (see [`neutralize_cell`]); JSON needs no such care.

use std::io::Write;

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::import::Ticket;
use crate::output::escape::neutralize_formula;
use crate::rules::Matcher;
use crate::tag::{change_label, DetailedTagging, TagSource, Tagging};

/// Names of the columns appended to the input's, in order.
pub const TAG_COLUMNS: [&str; 5] = [
    "services",
    "primary_service",
    "service_names",
    "tag_source",
    "matched_rules",
];

/// How many of the examples that voted for an index tag the CSV names.
const LIKE_SHOWN: usize = 3;

/// The version of the JSONL record layout.
pub const JSONL_SCHEMA: u32 = 1;

/// How the tagged CSV is laid out: by default as the input was (a German `;` export with a
/// BOM comes back as `;` with a BOM, so the spreadsheet that made it opens it the same way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsvStyle {
    /// The field delimiter.
    pub delimiter: u8,
    /// Whether the file starts with a UTF-8 byte order mark.
    pub bom: bool,
    /// Whether fields are quoted when they need it; `false` for RT's TSV, where `"` is data:
    /// nothing is quoted, and a delimiter or line break inside a cell becomes a space.
    pub quoting: bool,
}

impl Default for CsvStyle {
    /// Comma, no BOM, quoted when needed.
    fn default() -> CsvStyle {
        CsvStyle {
            delimiter: b',',
            bom: false,
            quoting: true,
        }
    }
}

impl CsvStyle {
    /// The style of an input as read.
    pub fn of(info: &crate::import::SourceInfo) -> CsvStyle {
        CsvStyle {
            delimiter: info.delimiter.bytes().next().unwrap_or(b','),
            bom: info.bom,
            quoting: info.quoting,
        }
    }

    fn writer(&self, out: Vec<u8>) -> csv::Writer<Vec<u8>> {
        csv::WriterBuilder::new()
            .flexible(true)
            .delimiter(self.delimiter)
            .quote_style(if self.quoting {
                csv::QuoteStyle::Necessary
            } else {
                csv::QuoteStyle::Never
            })
            .from_writer(out)
    }
}

/// How the tagged output is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaggedFormat {
    /// The input's columns and the tag columns, as CSV.
    Csv,
    /// One JSON object per ticket, with scores and matched words.
    Jsonl,
}

impl TaggedFormat {
    /// `.jsonl` / `.ndjson` -> JSONL; anything else CSV.
    ///
    /// `.jsonl` and `.ndjson` are JSON lines; `.csv`, `.tsv`, `.txt` and a name without an
    /// extension (`/dev/null`) are CSV. Any other extension is refused with what to do: a
    /// user who asked for `out.json` or `out.xlsx` and got CSV would find out too late.
    pub fn from_path(path: &std::path::Path) -> Result<TaggedFormat, String> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let is = |name: &str| ext.eq_ignore_ascii_case(name);
        if is("jsonl") || is("ndjson") {
            Ok(TaggedFormat::Jsonl)
        } else if ext.is_empty() || is("csv") || is("tsv") || is("txt") {
            Ok(TaggedFormat::Csv)
        } else {
            let hint = if is("json") {
                "tagged tickets are written as JSON lines, one ticket a line: name the file .jsonl"
            } else {
                "tagged tickets are written as CSV (.csv, .tsv, .txt) or JSON lines (.jsonl); \
                 for another name, say which with --format csv|jsonl"
            };
            Err(format!(
                "{}: cannot tell the output format from `.{ext}`: {hint}",
                path.display()
            ))
        }
    }
}

/// Neutralises a pass-through cell for a spreadsheet: like [`neutralize_formula`], except that
/// a plain number (`-5`, `+3.5`) stays a number, since no spreadsheet runs it.
pub fn neutralize_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.len() < 32 && cell.trim().parse::<f64>().is_ok_and(f64::is_finite) {
        return std::borrow::Cow::Borrowed(cell);
    }
    neutralize_formula(cell)
}

/// The five tag columns of one ticket, as text.
pub fn tag_columns(catalog: &Catalog, matcher: &Matcher, tagging: &Tagging) -> [String; 5] {
    let mut ids = Vec::new();
    let mut names = Vec::new();
    for s in &tagging.services {
        let service = catalog.entry(s.service);
        ids.push(service.id.as_str());
        names.push(service.name.as_str());
        for f in &s.functions {
            let function = catalog.entry(f.function);
            ids.push(function.id.as_str());
            names.push(function.name.as_str());
        }
    }
    let primary = tagging
        .primary()
        .map(|p| catalog.entry(p).id.clone())
        .unwrap_or_default();
    let mut rules: Vec<String> = tagging
        .rules
        .iter()
        .map(|&r| matcher.rule(r).id.clone())
        .collect();
    rules.extend(
        tagging
            .like
            .iter()
            .take(LIKE_SHOWN)
            .map(|n| format!("like:{}", n.id)),
    );
    rules.extend(
        tagging
            .votes
            .iter()
            .map(|v| format!("vote:{}", change_label(catalog, v))),
    );
    [
        ids.join(";"),
        primary,
        names.join(";"),
        source_name(tagging.source).to_string(),
        rules.join(";"),
    ]
}

/// `rule`, `index` or `none`.
pub fn source_name(source: TagSource) -> &'static str {
    match source {
        TagSource::Rule => "rule",
        TagSource::Index => "index",
        TagSource::None => "none",
    }
}

/// Renders tagged tickets to bytes, one call per batch, so batches can be rendered on several
/// threads and written in order by one.
#[derive(Clone, Copy, Debug)]
pub struct Renderer<'a> {
    /// The catalog tags name.
    pub catalog: &'a Catalog,
    /// The rules (for their ids).
    pub matcher: &'a Matcher,
    /// Output format.
    pub format: TaggedFormat,
    /// Keep cells as they are, formulas included (`--raw`).
    pub raw: bool,
    /// Delimiter, BOM and quoting of the CSV.
    pub style: CsvStyle,
}

impl Renderer<'_> {
    /// The header line (CSV) or nothing (JSONL), for an input with these columns.
    pub fn header(&self, headers: &[String]) -> Result<Vec<u8>> {
        if self.format == TaggedFormat::Jsonl {
            return Ok(Vec::new());
        }
        let start = if self.style.bom {
            "\u{feff}".as_bytes().to_vec()
        } else {
            Vec::new()
        };
        let mut w = self.style.writer(start);
        let cells = headers.iter().map(String::as_str).chain(TAG_COLUMNS);
        write_cells(&mut w, cells, self.raw, &self.style)?;
        w.into_inner().map_err(|e| csv_error(e.into_error().into()))
    }

    /// Appends the rows of `tickets` (tagged as `taggings`, same order) to `out`.
    /// `source_name` names the input in JSONL records.
    pub fn rows(
        &self,
        out: &mut Vec<u8>,
        headers: &[String],
        source_name: &str,
        tickets: &[Ticket],
        taggings: &[DetailedTagging],
    ) -> Result<()> {
        match self.format {
            TaggedFormat::Csv => {
                let mut w = self.style.writer(std::mem::take(out));
                for (ticket, tagged) in tickets.iter().zip(taggings) {
                    let tags = tag_columns(self.catalog, self.matcher, &tagged.tagging);
                    // Our own columns are ids and names from the catalog; neutralising them
                    // is harmless and keeps one path.
                    let cells = ticket
                        .raw
                        .iter()
                        .map(String::as_str)
                        .chain(tags.iter().map(String::as_str));
                    write_cells(&mut w, cells, self.raw, &self.style)?;
                }
                *out = w
                    .into_inner()
                    .map_err(|e| csv_error(e.into_error().into()))?;
            }
            TaggedFormat::Jsonl => {
                for (ticket, tagged) in tickets.iter().zip(taggings) {
                    let value = self.json(headers, source_name, ticket, tagged);
                    serde_json::to_writer(&mut *out, &value)
                        .map_err(|e| Error::Usage(format!("JSON output: {e}")))?;
                    out.push(b'\n');
                }
            }
        }
        Ok(())
    }

    fn json(
        &self,
        headers: &[String],
        source_name: &str,
        ticket: &Ticket,
        tagged: &DetailedTagging,
    ) -> serde_json::Value {
        let tagging = &tagged.tagging;
        let primary = tagging.primary().map(|p| self.catalog.entry(p).id.as_str());
        let source = self::source_name(tagging.source);
        let mut ids = Vec::new();
        let mut names = Vec::new();
        let mut scores = serde_json::Map::new();
        for s in &tagging.services {
            let e = self.catalog.entry(s.service);
            ids.push(e.id.clone());
            names.push(e.name.clone());
            scores.insert(e.id.clone(), s.score.into());
            for f in &s.functions {
                let e = self.catalog.entry(f.function);
                ids.push(e.id.clone());
                names.push(e.name.clone());
                scores.insert(e.id.clone(), f.score.into());
            }
        }
        let columns: Vec<[&str; 2]> = headers
            .iter()
            .map(String::as_str)
            .chain(std::iter::repeat(""))
            .zip(&ticket.raw)
            .map(|(h, v)| [h, v.as_str()])
            .collect();
        let matches: Vec<serde_json::Value> = tagged
            .matches
            .iter()
            .filter_map(|m| {
                let rule = self.matcher.rule(m.rule);
                let field = ticket.texts.get(m.field)?;
                let word = rule.written(m.list, m.index).map_or("", |w| w.value.as_str());
                Some(serde_json::json!({
                    "rule": rule.id, "word": word, "field": &*field.name, "column": field.column,
                    "start": m.start, "end": m.end, "text": field.text.get(m.start..m.end).unwrap_or(""),
                }))
            })
            .collect();
        let when =
            |t: Option<chrono::NaiveDateTime>| t.map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string());
        serde_json::json!({
            "schema": JSONL_SCHEMA,
            "source": source_name,
            "line": ticket.line,
            "id": ticket.id,
            "title": ticket.title,
            "created": when(ticket.created),
            "resolved": when(ticket.resolved),
            "status": ticket.status,
            "time_spent_s": ticket.time_spent,
            "priority": ticket.priority,
            "queue": ticket.queue,
            "columns": columns,
            "services": ids,
            "primary_service": primary,
            "service_names": names,
            "tag_source": source,
            "matched_rules": tagging.rules.iter().map(|&r| self.matcher.rule(r).id.clone()).collect::<Vec<_>>(),
            "scores": scores,
            "matches": matches,
            "like": tagging.like,
            "votes": tagging.votes.iter().map(|v| serde_json::json!({
                "service": self.catalog.entry(v.service).id,
                "change": v.kind.as_str(),
                "share": v.share,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Writes one record, each cell neutralised unless `raw`; without quoting, a delimiter or
/// line break inside a cell becomes a space (it would split the row).
fn write_cells<'c, W: Write>(
    w: &mut csv::Writer<W>,
    cells: impl Iterator<Item = &'c str>,
    raw: bool,
    style: &CsvStyle,
) -> Result<()> {
    let breaks = |c: char| c == '\n' || c == '\r' || c == style.delimiter as char;
    for cell in cells {
        let mut cell = if raw {
            std::borrow::Cow::Borrowed(cell)
        } else {
            neutralize_cell(cell)
        };
        if !style.quoting && cell.contains(breaks) {
            cell = std::borrow::Cow::Owned(cell.replace(breaks, " "));
        }
        w.write_field(cell.as_bytes()).map_err(csv_error)?;
    }
    w.write_record(None::<&[u8]>).map_err(csv_error)
}

fn csv_error(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io("<output>", io),
        other => Error::Usage(format!("CSV output: {other:?}")),
    }
}

/// Writes bytes to the output, mapping failures to an error that names it.
pub fn write_all(out: &mut dyn Write, bytes: &[u8], name: &str) -> Result<()> {
    out.write_all(bytes).map_err(|e| Error::io(name, e))
}
