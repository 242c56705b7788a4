//! The reader: an export (file or stdin) -> batches of [`Ticket`]s, in input order.
//!
//! [`Reader::open`] takes every decision before the first ticket: encoding (first 1 MiB),
//! delimiter and line endings (same bytes), header, flavour, mapping, and for each date column
//! the order of day and month. That last one needs values, so the reader **looks ahead**: it
//! parses up to [`LOOKAHEAD_RECORDS`] records (or [`LOOKAHEAD_BYTES`] of them) into a buffer,
//! decides from all their dates, then emits those records first and streams the rest.
//! Chosen over a first pass over the file because it works the same for stdin (which cannot be
//! read twice), reads every byte once (the benchmark floor is one bare parse), and bounds memory;
//! a thousand tickets span weeks, so a column whose dates never show a number above 12 there is
//! one the flavour's or the locale's default reads right. A later value that contradicts the
//! decision is reported with a hint to use `--date-format`.
//!
//! Memory is bounded by the look-ahead and the largest record, whatever the input's size.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use encoding_rs::UTF_8;

use super::build::{Builder, Built, Wrapping};
use super::date::{self, DateKind, DateOrder, DateParser, Evidence};
use super::decode::{self, lossy, FieldDecoder, Transcoder};
use super::duration::guess_unit;
use super::flavour::{self, Detection, FlavourSpec, StatusMap};
use super::info::{ColumnInfo, Counts, DateColumnInfo, DurationInfo, SourceInfo};
use super::json::{self, JsonRecords};
use super::options::{show_size, ImportOptions, TimeUnit};
use super::records::{RawRecord, RecordReader};
use super::reject::Reject;
use super::sniff::{binary_reason, sniff_delimiter, LineEndings};
use super::ticket::Ticket;
use crate::error::{Diagnostic, Diagnostics, Error, Location, Result, Severity};

/// Bytes read to decide the encoding, the delimiter and the line endings.
pub const SNIFF_BYTES: usize = 1 << 20;
/// Bytes looked at for the delimiter and the line endings.
pub const SNIFF_SHORT: usize = 64 << 10;
/// Records read ahead to decide the date order of each date column.
pub const LOOKAHEAD_RECORDS: usize = 1000;
/// Raw bytes of look-ahead records at most.
pub const LOOKAHEAD_BYTES: usize = 16 << 20;

/// Reads one export as tickets. Not `Sync`: one reader per input, on one thread; hand its
/// batches to other threads.
pub struct Reader {
    records: Records,
    builder: Builder,
    info: SourceInfo,
    ahead: Ahead,
    rec: RawRecord,
    counts: Counts,
    done: bool,
    /// The SHA-256 of every byte read, for stdin (a file is fingerprinted from its path).
    fingerprint: Option<Fingerprint>,
}

/// A SHA-256 kept while a stream is read, so an input that cannot be read twice (stdin) is
/// still identified by its content: two reports of different stdin inputs then merge, and the
/// same input given twice is still caught.
#[derive(Clone, Default)]
struct Fingerprint(std::sync::Arc<std::sync::Mutex<sha2::Sha256>>);

/// A reader that feeds everything it reads to a [`Fingerprint`].
struct Fingerprinting<R> {
    inner: R,
    hash: Fingerprint,
}

impl<R: Read> Read for Fingerprinting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        // One lock per read call (64 KiB blocks): nothing against parsing them.
        if let Ok(mut hash) = self.hash.0.lock() {
            sha2::Digest::update(&mut *hash, &buf[..n]);
        }
        Ok(n)
    }
}

impl Reader {
    /// Opens `input` (a file, or `-` for stdin) as input number `source` and decides how to
    /// read it (see the module docs).
    ///
    /// Fails when the file cannot be read, is empty, or an option names a column the header
    /// does not have.
    pub fn open(input: &Path, source: usize, opts: &ImportOptions) -> Result<Reader> {
        if input.as_os_str() == "-" {
            let hash = Fingerprint::default();
            let stdin = Fingerprinting {
                inner: io::stdin(),
                hash: hash.clone(),
            };
            let mut reader = Reader::from_read("<stdin>", Box::new(stdin), source, opts)?;
            reader.fingerprint = Some(hash);
            return Ok(reader);
        }
        let file = File::open(input).map_err(|e| Error::io(input, e))?;
        Reader::from_read(input, Box::new(file), source, opts)
    }

    /// Like [`Reader::open`], from any byte stream; `path` names it in messages.
    pub fn from_read(
        path: impl Into<PathBuf>,
        mut src: Box<dyn Read + Send>,
        source: usize,
        opts: &ImportOptions,
    ) -> Result<Reader> {
        let path = path.into();
        let io_err = |e: io::Error| Error::io(&path, e);
        // Sized once: growing a vector to 1 MiB would copy it several times.
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        (&mut src)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(io_err)?;
        let complete = head.len() < SNIFF_BYTES;
        let mut detected = decode::detect(&head, complete, opts.encoding);
        // JSON lines are UTF-8 whatever the export's encoding (a profile may name it): the
        // bytes tell, since a UTF-16 text never starts with `{` or `[` and a UTF-8 BOM.
        let utf8_bom = usize::from(head.starts_with(b"\xef\xbb\xbf")) * 3;
        let json = json::looks_like_json_lines(&head[utf8_bom..]);
        if json {
            detected = decode::Detected {
                encoding: UTF_8,
                bom_len: utf8_bom,
                ascii_only: false,
                reason: "JSON lines are UTF-8".into(),
            };
        }
        let bom = detected.bom_len;
        if !decode::needs_transcoding(detected.encoding) {
            if let Some(what) = binary_reason(&head[bom.min(head.len())..]) {
                return Err(Error::invalid(
                    Location::file(&path),
                    format!("not a text export: {what}"),
                    "export the tickets as CSV (save a workbook as CSV UTF-8 first)",
                ));
            }
        }
        let mut line_endings = None;
        let (mut records, headers, delimiter, delimiter_reason, detection) = if json {
            // JSON lines: one row a line, columns from --header-from or the first object.
            let headers = match &opts.header {
                Some(h) => h.clone(),
                None => json::first_keys(&head[bom..]).ok_or_else(|| {
                    Error::invalid(
                        Location::new(&path, 1),
                        "JSON arrays without a header: their columns have no names",
                        "give the column names with --header-from FILE (a CSV whose first \
                         line is the header), or send objects",
                    )
                })?,
            };
            let detection = detect_flavour(opts, &headers, b',');
            let stream: Box<dyn Read + Send> =
                Box::new(Cursor::new(head.split_off(bom.min(head.len()))).chain(src));
            let records = Records::Json(JsonRecords::new(stream, &headers));
            (records, headers, b',', "JSON lines".to_string(), detection)
        } else {
            // The head becomes the record reader's first buffer: no copy for UTF-8 and
            // single-byte inputs. UTF-16 goes through the transcoder, head first.
            let mut records = if decode::needs_transcoding(detected.encoding) {
                let head = Cursor::new(head.split_off(bom.min(head.len())));
                let stream: Box<dyn Read + Send> = Box::new(head.chain(src));
                RecordReader::new(Box::new(Transcoder::new(stream, detected.encoding)), b'\n')
            } else {
                RecordReader::with_head(src, head, bom, complete)
            };
            records.peek(SNIFF_BYTES).map_err(io_err)?;
            let complete = records.is_eof();
            let sample = records.buffered();
            if opts.header.is_none() && sample.iter().all(|b| b.is_ascii_whitespace()) {
                return Err(Error::invalid(
                    Location::file(&path),
                    "the file is empty: no header line",
                    "export the tickets again, with the column names on the first line",
                ));
            }
            // The header and the first records are plenty for the delimiter and the line
            // ends; the rest of the megabyte only decided the encoding.
            let short = sample.len().min(SNIFF_SHORT);
            let (sample, complete) = (&sample[..short], complete && short == sample.len());
            let endings = LineEndings::count(sample);
            let (delimiter, delimiter_reason) = match opts.delimiter {
                Some(d) => (d, "--delimiter".to_string()),
                None => sniff_delimiter(sample, complete),
            };
            if endings.is_cr_only() {
                // csv_core ends records on a lone CR already; only line counting must follow.
                records.set_newline(b'\r');
            } else if endings.cr > 0 {
                records.count_lone_cr(); // mixed: a lone CR ends a line among LFs too
            }
            line_endings = Some(endings);
            records.configure(delimiter, true);
            records.max_field = opts.max_field_size();
            let headers: Vec<String> = match &opts.header {
                Some(h) => h.clone(),
                None => read_header(&mut records, &path, &detected, opts)?,
            };
            let detection = detect_flavour(opts, &headers, delimiter);
            records.configure(delimiter, detection.flavour.spec().quoting);
            records.expected = headers.len();
            let records = Records::Csv(records);
            (records, headers, delimiter, delimiter_reason, detection)
        };
        let spec = detection.flavour.spec();
        let quoting = spec.quoting;
        let mapping = flavour::resolve(spec, &headers, opts)
            .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
        let mut rec = RawRecord::default();
        let mut ahead = read_ahead(&mut records, &mut rec).map_err(io_err)?;
        let decoder = if json {
            FieldDecoder::Utf8 {
                quiet_fallback: false,
                forced: true,
            }
        } else {
            field_decoder(&detected, spec.windows_1252_default, opts)
        };
        let mut skipped_header = false;
        if opts.header.is_some() {
            // The first part of a split export starts with the header line: it is the
            // header there too, not a row (elsewhere a header line again is a reject).
            let is_header = ahead.front().is_some_and(|(r, _)| {
                r.len() == headers.len()
                    && r.iter()
                        .zip(&headers)
                        .all(|(f, h)| decoder.decode(f).0 == *h)
            });
            if is_header {
                ahead.pop_front();
                skipped_header = true;
            }
        }
        let mut notes = Vec::new();
        if opts.header.is_some() {
            notes.push(if skipped_header {
                "columns given (--header-from); the first line is that header, read as such"
                    .to_string()
            } else {
                "no header line: the columns are given (--header-from); every line is a row"
                    .to_string()
            });
        }
        if headers.len() > 1 && headers.last().is_some_and(|h| h.trim().is_empty()) {
            notes.push(
                "the header ends with a delimiter (GLPI does that): its last column has no name \
                 and is kept as pass-through"
                    .to_string(),
            );
        }
        if detected.ascii_only && spec.windows_1252_default {
            notes.push(format!(
                "ASCII only in the first bytes; {} exports default to windows-1252, so bytes \
                 that are not UTF-8 further on are read as windows-1252",
                detection.flavour
            ));
        }
        let values = |col: usize| {
            ahead
                .iter()
                .filter_map(move |(r, _)| r.get(col).map(|b| (r.line, lossy(b).trim().to_string())))
        };
        let mut columns: Vec<ColumnInfo> = headers
            .iter()
            .enumerate()
            .map(|(index, name)| ColumnInfo {
                index,
                name: name.clone(),
                role: mapping.role(index),
                date: None,
                duration: None,
            })
            .collect();
        let mut dates = vec![None; headers.len()];
        for col in mapping.date_columns() {
            let (parser, info) = date_column(
                spec,
                delimiter,
                opts,
                values(col),
                &mut notes,
                &headers[col],
            );
            dates[col] = Some(parser);
            columns[col].date = Some(info);
        }
        let mut time_unit = 60.0;
        let mut warnings = Vec::new();
        if let Some(col) = mapping.time_spent {
            let (unit, reason, guessed) = match (opts.time_unit, spec.time_unit) {
                (TimeUnit::Auto, Some(unit)) => {
                    (unit, format!("the {} unit", detection.flavour), false)
                }
                (TimeUnit::Auto, None) => {
                    let vals: Vec<String> = values(col).map(|(_, v)| v).collect();
                    guess_unit(&headers[col], vals.iter().map(|s| s.as_str()))
                }
                (unit, _) => (unit, "--time-unit".into(), false),
            };
            time_unit = unit.seconds().unwrap_or(60.0); // `Auto` was resolved just above
            let duration = DurationInfo {
                unit,
                reason,
                guessed,
            };
            if guessed {
                warnings.push(format!(
                    "column `{}`: the unit of a bare time spent is not fixed by the export; \
                     read as {}. If the site counts in another unit, say so with --time-unit \
                     s|min|h",
                    headers[col],
                    duration.describe()
                ));
            }
            columns[col].duration = Some(duration);
        }
        let names: Vec<Arc<str>> = headers.iter().map(|h| Arc::from(h.as_str())).collect();
        let wrapping = headers
            .iter()
            .map(|h| {
                let name = flavour::normalize(h);
                if spec.comment_columns.contains(&name.as_str()) {
                    Wrapping::JiraComment
                } else if spec.article_columns.contains(&name.as_str()) {
                    Wrapping::ArticleTree
                } else {
                    Wrapping::None
                }
            })
            .collect();
        let file_name = path.file_name().map_or_else(
            || path.display().to_string(),
            |f| f.to_string_lossy().into_owned(),
        );
        let builder = Builder {
            source,
            path: path.clone(),
            id_prefix: format!("{file_name}#"),
            headers: names,
            wrapping,
            formula_guard: spec.formula_guard,
            decoder,
            dates,
            time_unit,
            status: StatusMap::new(spec, &opts.closed_status),
            delimiter,
            quoting,
            mapping: mapping.clone(),
            max_field: opts.max_field_size(),
        };
        let encoding = detected.encoding.name().to_string();
        let info = SourceInfo {
            path,
            source,
            flavour: detection.flavour,
            detection,
            encoding,
            encoding_reason: detected.reason.clone(),
            bom: bom > 0,
            delimiter: (delimiter as char).to_string(),
            delimiter_reason,
            quoting,
            line_endings: line_endings.map_or_else(|| "one row a line".into(), |l| l.describe()),
            headers,
            columns,
            mapping,
            notes,
            caveats: warnings,
            content_sha256: None,
        };
        Ok(Reader {
            records,
            builder,
            info,
            ahead,
            rec,
            counts: Counts::default(),
            done: false,
            fingerprint: None,
        })
    }

    /// For stdin, `sha256:<hex>` of the bytes read so far (all of them once the input is read
    /// to its end); `None` for a file or any other stream.
    pub fn content_sha256(&self) -> Option<String> {
        let hash = self.fingerprint.as_ref()?.0.lock().ok()?.clone();
        Some(format!("sha256:{:x}", sha2::Digest::finalize(hash)))
    }

    /// What was decided about this input.
    pub fn info(&self) -> &SourceInfo {
        &self.info
    }

    /// What was read so far.
    pub fn counts(&self) -> Counts {
        Counts {
            bytes: self.records.consumed(),
            ..self.counts
        }
    }

    /// Reads up to `max` records, appending tickets to `tickets` and unreadable rows to
    /// `rejects` (each also recorded in `diags` as an error), in input order. Returns how many
    /// records were read: 0 at the end of the input.
    ///
    /// Fails on an I/O error, or under `--strict` (`Diagnostics::new(true)`) at the first
    /// problem.
    pub fn next_batch(
        &mut self,
        max: usize,
        tickets: &mut Vec<Ticket>,
        rejects: &mut Vec<Reject>,
        diags: &mut Diagnostics,
    ) -> Result<usize> {
        let mut n = 0;
        while n < max {
            let record = self.counts.read + 1;
            let built = if let Some((rec, raw)) = self.ahead.pop_front() {
                self.builder.build(&rec, &raw, record, diags)?
            } else if self.done {
                break;
            } else {
                let more = self
                    .records
                    .read(&mut self.rec)
                    .map_err(|e| Error::io(&self.info.path, e))?;
                if !more {
                    self.done = true;
                    break;
                }
                self.builder
                    .build(&self.rec, self.records.raw(), record, diags)?
            };
            n += 1;
            self.counts.read += 1;
            match built {
                Built::Ticket(t) => {
                    self.counts.tickets += 1;
                    tickets.push(t);
                }
                Built::Reject(r) => {
                    self.counts.rejected += 1;
                    diags.push(Diagnostic {
                        severity: Severity::Error,
                        at: r
                            .at
                            .clone()
                            .unwrap_or_else(|| Location::new(&r.path, r.line)),
                        message: format!("row rejected: {}", r.reason),
                        hint: Some("--rejects FILE keeps such rows with their text".into()),
                    })?;
                    rejects.push(r);
                }
            }
        }
        Ok(n)
    }

    /// Reads everything left (convenient for tests and small files; streams use
    /// [`Reader::next_batch`]).
    pub fn read_to_end(&mut self, diags: &mut Diagnostics) -> Result<(Vec<Ticket>, Vec<Reject>)> {
        let (mut tickets, mut rejects) = (Vec::new(), Vec::new());
        while self.next_batch(1024, &mut tickets, &mut rejects, diags)? > 0 {}
        Ok((tickets, rejects))
    }
}

impl ImportOptions {
    /// Reads inputs that have no header line (the parts of a split export) with the header of
    /// `path`: its first line gives the columns, and with them the flavour, the delimiter and
    /// the encoding (a BOM, a single-byte or UTF-16 encoding), unless already set.
    ///
    /// Fails when `path` cannot be read as an export.
    pub fn header_from(&mut self, path: &Path) -> Result<()> {
        let mut opts = self.clone();
        opts.header = None;
        let reader = Reader::open(path, 0, &opts)?;
        let info = reader.info();
        self.flavour.get_or_insert(info.flavour);
        self.delimiter.get_or_insert(info.delimiter.as_bytes()[0]);
        if self.encoding.is_none() {
            let encoding = encoding_rs::Encoding::for_label(info.encoding.as_bytes());
            // UTF-8 stays detected per part (with its fallback for stray bytes), as the whole
            // export is read; other encodings are taken from the header's file.
            self.encoding = encoding.filter(|&e| e != UTF_8);
        }
        self.header = Some(info.headers.clone());
        Ok(())
    }
}

/// Where records come from: CSV (any delimiter, quoting or not) or JSON lines.
// One per input, held in place by its reader: the size of the CSV variant costs nothing.
#[allow(clippy::large_enum_variant)]
enum Records {
    Csv(RecordReader),
    Json(JsonRecords),
}

impl Records {
    fn read(&mut self, rec: &mut RawRecord) -> io::Result<bool> {
        match self {
            Records::Csv(r) => r.read(rec),
            Records::Json(r) => r.read(rec),
        }
    }

    fn raw(&self) -> &[u8] {
        match self {
            Records::Csv(r) => r.raw(),
            Records::Json(r) => r.raw(),
        }
    }

    fn consumed(&self) -> u64 {
        match self {
            Records::Csv(r) => r.consumed,
            Records::Json(r) => r.consumed,
        }
    }
}

/// Reads and decodes the header line.
fn read_header(
    records: &mut RecordReader,
    path: &Path,
    detected: &decode::Detected,
    opts: &ImportOptions,
) -> Result<Vec<String>> {
    let mut header = RawRecord::default();
    if !records.read(&mut header).map_err(|e| Error::io(path, e))? {
        return Err(Error::invalid(
            Location::file(path),
            "no header line",
            "check the file",
        ));
    }
    if let Some(big) = header.oversize {
        return Err(Error::invalid(
            Location::new(path, header.line + big.at.0).with_column(big.at.1),
            format!(
                "the header's field {} is over the {} limit of a field",
                big.field + 1,
                show_size(records.max_field as u64)
            ),
            "check that this is a ticket export; --max-field-size raises the limit",
        ));
    }
    let decoder = field_decoder(detected, false, opts);
    Ok(header.iter().map(|f| decoder.decode(f).0).collect())
}

/// The flavour: given, or detected from the header.
fn detect_flavour(opts: &ImportOptions, headers: &[String], delimiter: u8) -> Detection {
    match opts.flavour {
        Some(flavour) => Detection {
            flavour,
            forced: true,
            matched: Vec::new(),
            score: 0,
            runner_up: None,
            reason: "--flavour".into(),
        },
        None => flavour::detect(headers, delimiter),
    }
}

/// Records kept with their raw bytes until the tickets are built.
type Ahead = VecDeque<(RawRecord, Vec<u8>)>;

/// Reads up to [`LOOKAHEAD_RECORDS`] records (or [`LOOKAHEAD_BYTES`] of them), so that date
/// orders and the time unit are decided from real values before the first ticket.
fn read_ahead(records: &mut Records, rec: &mut RawRecord) -> io::Result<Ahead> {
    let mut ahead = VecDeque::new();
    let mut bytes = 0;
    while ahead.len() < LOOKAHEAD_RECORDS && bytes < LOOKAHEAD_BYTES {
        if !records.read(rec)? {
            break;
        }
        bytes += records.raw().len();
        ahead.push_back((rec.snapshot(), records.raw().to_vec()));
    }
    Ok(ahead)
}

/// How fields are decoded, from the detected encoding.
fn field_decoder(d: &decode::Detected, quiet_default: bool, opts: &ImportOptions) -> FieldDecoder {
    if d.encoding == UTF_8 || decode::needs_transcoding(d.encoding) {
        FieldDecoder::Utf8 {
            quiet_fallback: quiet_default && d.ascii_only,
            forced: opts.encoding == Some(UTF_8),
        }
    } else {
        FieldDecoder::Single(d.encoding)
    }
}

/// Decides how a date column is read, from the values looked at.
fn date_column(
    spec: &FlavourSpec,
    delimiter: u8,
    opts: &ImportOptions,
    values: impl Iterator<Item = (u64, String)>,
    notes: &mut Vec<String>,
    header: &str,
) -> (DateParser, DateColumnInfo) {
    let values: Vec<(u64, String)> = values.filter(|(_, v)| !date::is_unset(v)).collect();
    if let Some(format) = &opts.date_format {
        let parser = DateParser::forced(format.clone());
        let unreadable = values
            .iter()
            .filter(|(_, v)| parser.parse(v).is_err())
            .count();
        let info = DateColumnInfo {
            formats: vec![DateKind::Forced],
            order: None,
            order_reason: None,
            values_seen: values.len(),
            unreadable,
            example: values.first().map(|(_, v)| v.clone()),
        };
        return (parser, info);
    }
    let (mut day, mut month, mut sep) = (None, None, None);
    let (mut n_day, mut n_month, mut n_ambiguous) = (0, 0, 0);
    for (line, v) in &values {
        match date::evidence(v) {
            Evidence::DayFirst => {
                n_day += 1;
                day.get_or_insert((line, v));
            }
            Evidence::MonthFirst => {
                n_month += 1;
                month.get_or_insert((line, v));
            }
            Evidence::Ambiguous(s) => {
                n_ambiguous += 1;
                sep.get_or_insert(s);
            }
            Evidence::NotNumeric => {}
        }
    }
    let (order, reason) = match (opts.date_order, day, month) {
        (Some(order), _, _) => (order, Some("given (--date-order or a profile)".to_string())),
        (None, Some((line, v)), None) => (
            DateOrder::DayFirst,
            Some(format!("`{v}` (line {line}) has a first number above 12")),
        ),
        (None, None, Some((line, v))) => (
            DateOrder::MonthFirst,
            Some(format!("`{v}` (line {line}) has a second number above 12")),
        ),
        (None, Some(_), Some(_)) => {
            let order = if n_day >= n_month {
                DateOrder::DayFirst
            } else {
                DateOrder::MonthFirst
            };
            let why = format!(
                "conflicting: {n_day} values are day-first, {n_month} month-first; read {order} \
                 (use --date-format)"
            );
            notes.push(format!("column `{header}`: {why}"));
            (order, Some(why))
        }
        (None, None, None) if n_ambiguous > 0 => {
            let sep = sep.unwrap_or(b'/');
            let (order, because) = match sep {
                b'.' => (DateOrder::DayFirst, "dates written with '.' are day-first"),
                b'/' if delimiter == b';' => (
                    DateOrder::DayFirst,
                    "a ';'-delimited export comes from a day-first locale",
                ),
                b'/' if spec.slash_order == DateOrder::DayFirst => {
                    (DateOrder::DayFirst, "the flavour's default")
                }
                b'/' => (
                    DateOrder::MonthFirst,
                    "'/' dates in a ','-delimited export: US style",
                ),
                _ => (DateOrder::DayFirst, "dd-mm-yyyy is the common dashed form"),
            };
            let why = format!(
                "ambiguous: no number above 12 in {n_ambiguous} values; read {order} because {because}"
            );
            notes.push(format!("column `{header}`: {why}"));
            (order, Some(why))
        }
        (None, None, None) => (spec.slash_order, None),
    };
    let parser = DateParser::new(order);
    let mut kinds: Vec<(DateKind, usize)> = Vec::new();
    let mut unreadable = 0;
    for (_, v) in &values {
        match parser.parse(v) {
            Ok(Some((_, kind))) => match kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += 1,
                None => kinds.push((kind, 1)),
            },
            Ok(None) => {}
            Err(_) => unreadable += 1,
        }
    }
    kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
    let info = DateColumnInfo {
        formats: kinds.into_iter().map(|(k, _)| k).collect(),
        order: reason.is_some().then_some(order),
        order_reason: reason,
        values_seen: values.len(),
        unreadable,
        example: values.first().map(|(_, v)| v.clone()),
    };
    (parser, info)
}

#[cfg(test)]
#[path = "reader_tests.rs"]
mod tests;
