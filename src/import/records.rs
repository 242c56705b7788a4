//! Records: CSV bytes -> fields, with the physical line of each record and its raw bytes.
//!
//! Built on `csv_core` rather than `csv::Reader` for three things the latter hides: the raw
//! bytes of a record (a reject must show them; a warning's column is counted in them), exact
//! physical line numbers with CR-only files, and resynchronising after an unterminated quote
//! (which otherwise swallows every following record into one field). The buffer always holds
//! the current record whole, from its first byte (refills move the unread tail to the front),
//! so its raw bytes are a slice, not a copy. Fields are copied once, by `csv_core`, into
//! [`RawRecord`] buffers that are reused from record to record.

use std::io::{self, Read};

use csv_core::{ReadRecordResult, Reader as CoreReader, ReaderBuilder};

/// The default size limit of a field ([`RecordReader::max_field`]). Past it, a record that
/// spans several lines is taken for a runaway quoted field and cut at its first line (a quote
/// left open on line 2 of a million-line file would otherwise hold the whole file as one
/// field); a record on one line is kept as an [`Oversize`] record, whose fields are dropped.
/// Either way memory stays bounded whatever the input.
pub const MAX_MULTILINE_RECORD: usize = 64 << 20;

/// Bytes of a record over the size limit kept as its raw text (for the reject).
const OVERSIZE_PREFIX: usize = 1024;

/// A field over the size limit: where it is, and how large it was found to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Oversize {
    /// 0-based index of the field.
    pub field: usize,
    /// Its size in bytes; a lower bound when `cut`.
    pub bytes: u64,
    /// Whether reading stopped keeping the record (its fields are gone, its raw bytes are
    /// the first [`OVERSIZE_PREFIX`]).
    pub cut: bool,
    /// Where the field starts: lines after the record's first line, 1-based character column.
    pub at: (u64, u64),
}

const BUF_START: usize = 256 * 1024;

/// One record's fields, as bytes, and where it sits.
#[derive(Clone, Debug, Default)]
pub struct RawRecord {
    /// 1-based physical line where the record starts.
    pub line: u64,
    /// Physical lines the record spans (1 for a one-line record).
    pub lines: u64,
    data: Vec<u8>,
    ends: Vec<usize>,
    len: usize,
    /// Offset in the raw bytes of a quote that was never closed properly, if any.
    pub quote_problem: Option<usize>,
    /// Whether the record was re-read without quoting because of that quote.
    pub unquoted: bool,
    /// Whether that re-reading came from a multi-line record over the size limit.
    pub runaway: bool,
    /// A field over the size limit, if any: the record is not to be used as a ticket.
    pub oversize: Option<Oversize>,
    /// Why the record is no row at all (a JSON line that does not parse), if so.
    pub problem: Option<String>,
}

impl RawRecord {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The bytes of field `i`, if the record has that many.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        if i >= self.len {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.data[start..self.ends[i]])
    }

    /// Every field, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len).filter_map(|i| self.get(i))
    }

    /// A copy holding only the bytes in use (the reading buffers are larger), for look-ahead.
    pub fn snapshot(&self) -> RawRecord {
        let used = if self.len == 0 {
            0
        } else {
            self.ends[self.len - 1]
        };
        RawRecord {
            data: self.data[..used].to_vec(),
            ends: self.ends[..self.len].to_vec(),
            problem: self.problem.clone(),
            ..*self
        }
    }

    /// Sets the record to `fields`, read from one line (`line`), with a `problem` if the
    /// line is no row (for inputs that are not CSV: JSON lines).
    pub fn set_fields<'a>(
        &mut self,
        line: u64,
        fields: impl Iterator<Item = &'a [u8]>,
        problem: Option<String>,
    ) {
        self.data.clear();
        self.ends.clear();
        for field in fields {
            self.data.extend_from_slice(field);
            self.ends.push(self.data.len());
        }
        self.len = self.ends.len();
        self.line = line;
        self.lines = 1;
        self.quote_problem = None;
        self.unquoted = false;
        self.runaway = false;
        self.oversize = None;
        self.problem = problem;
    }
}

/// Reads records from a byte stream (UTF-8 or single-byte encoded).
pub struct RecordReader {
    src: Box<dyn Read + Send>,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    core: CoreReader,
    delimiter: u8,
    quoting: bool,
    configured: bool,
    newline: u8,
    /// Physical line at `buf[pos]`.
    line: u64,
    /// Raw bytes of the last record: `buf[raw.0..raw.1]`, leading blank lines excluded.
    raw: (usize, usize),
    /// Fields a record should have (the header's); 0 until the header is read.
    pub expected: usize,
    /// Bytes consumed so far (for throughput figures).
    pub consumed: u64,
    /// Size limit of a field, in bytes (see [`MAX_MULTILINE_RECORD`]).
    pub max_field: usize,
    /// The first bytes of the last record when it was over the size limit.
    prefix: Vec<u8>,
    /// Whether [`RecordReader::raw`] is `prefix`.
    cut: bool,
    /// Whether a CR alone ends a line too (mixed line endings).
    lone_cr: bool,
}

impl RecordReader {
    /// A reader of `src`; `newline` is the byte lines are counted on (`\r` for CR-only files).
    pub fn new(src: Box<dyn Read + Send>, newline: u8) -> RecordReader {
        RecordReader {
            src,
            buf: vec![0; BUF_START],
            pos: 0,
            end: 0,
            eof: false,
            core: CoreReader::new(),
            delimiter: b',',
            quoting: true,
            configured: false,
            newline,
            line: 1,
            raw: (0, 0),
            expected: 0,
            consumed: 0,
            max_field: MAX_MULTILINE_RECORD,
            prefix: Vec::new(),
            cut: false,
            lone_cr: false,
        }
    }

    /// A reader whose first bytes were already read into `head` (of which the first `skip`
    /// are a BOM); `eof` says `head` is the whole input.
    pub fn with_head(
        src: Box<dyn Read + Send>,
        mut head: Vec<u8>,
        skip: usize,
        eof: bool,
    ) -> RecordReader {
        let end = head.len();
        if head.len() < BUF_START {
            head.resize(BUF_START, 0);
        }
        let mut rdr = RecordReader::new(src, b'\n');
        rdr.buf = head;
        rdr.pos = skip.min(end);
        rdr.end = end;
        rdr.eof = eof;
        rdr
    }

    /// Reads ahead until `want` bytes are buffered (or the input ends), for sniffing. Must be
    /// called before the first record is read.
    pub fn peek(&mut self, want: usize) -> io::Result<()> {
        while self.end - self.pos < want && !self.eof {
            self.fill(self.pos)?;
        }
        Ok(())
    }

    /// The bytes read ahead and not yet parsed.
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// Counts lines on `newline` (`\r` for CR-only files) instead of `\n`.
    pub fn set_newline(&mut self, newline: u8) {
        self.newline = newline;
    }

    /// Whether everything was read into the buffer (the peeked sample is the whole input).
    pub fn is_eof(&self) -> bool {
        self.eof
    }

    /// Sets the delimiter and whether `"` quotes (RT's TSV has no quoting: a `"` is data).
    pub fn configure(&mut self, delimiter: u8, quoting: bool) {
        if (delimiter, quoting) == (self.delimiter, self.quoting) && self.configured {
            return; // building csv_core's DFA is not free
        }
        self.configured = true;
        self.delimiter = delimiter;
        self.quoting = quoting;
        self.core = ReaderBuilder::new()
            .delimiter(delimiter)
            .quoting(quoting)
            .build();
    }

    /// The raw bytes of the last record read, line terminator included (the first bytes only,
    /// for a record over the size limit).
    pub fn raw(&self) -> &[u8] {
        if self.cut {
            return &self.prefix;
        }
        &self.buf[self.raw.0..self.raw.1]
    }

    /// Physical lines in `buf[from..to]`: line ends counted on `newline`, and with
    /// [`RecordReader::count_lone_cr`] a CR not followed by LF too (a CR last in the buffer,
    /// its next byte not read yet, is taken for the first half of a CRLF).
    fn lines(&self, from: usize, to: usize) -> u64 {
        let n = count(&self.buf[from..to], self.newline);
        if !self.lone_cr {
            return n;
        }
        let lone = memchr::memchr_iter(b'\r', &self.buf[from..to])
            .filter(|&i| match self.buf[..self.end].get(from + i + 1) {
                Some(&next) => next != b'\n',
                None => self.eof,
            })
            .count();
        n + lone as u64
    }

    /// Counts a CR not followed by LF as a line end too, for files whose line ends are mixed
    /// (lone CRs among LFs or CRLFs), as `csv_core` and editors do.
    pub fn count_lone_cr(&mut self) {
        self.lone_cr = true;
    }

    /// Reads the next record into `rec`; `false` at the end of the input.
    pub fn read(&mut self, rec: &mut RawRecord) -> io::Result<bool> {
        let mut start = self.pos;
        let start_line = self.line;
        let (mut nout, mut nends) = (0, 0);
        rec.quote_problem = None;
        rec.unquoted = false;
        rec.runaway = false;
        rec.oversize = None;
        rec.problem = None;
        self.cut = false;
        // Lines of the bytes already dropped, once a field is over the limit.
        let mut dropped: Option<u64> = None;
        if rec.data.is_empty() {
            rec.data.resize(1024, 0);
            rec.ends.resize(64, 0);
        }
        loop {
            if self.pos == self.end && !self.eof {
                // csv_core takes an empty input for the end of the data: fill first.
                start = self.fill(start)?;
                continue;
            }
            let input = &self.buf[self.pos..self.end];
            let was_empty = input.is_empty();
            let (res, nin, out, ends) =
                self.core
                    .read_record(input, &mut rec.data[nout..], &mut rec.ends[nends..]);
            self.pos += nin;
            nout += out;
            nends += ends;
            match res {
                ReadRecordResult::InputEmpty if self.eof && was_empty => break,
                ReadRecordResult::InputEmpty if self.eof => {}
                ReadRecordResult::InputEmpty => {
                    if let Some(lines) = dropped.as_mut() {
                        // Over the limit: keep nothing of the record but its line count.
                        *lines += self.lines(start, self.pos);
                        self.consumed += (self.pos - start) as u64;
                        start = self.pos;
                    } else if self.pos - start > self.max_field && self.spans_lines(start) {
                        // Runaway quote: stop here, cut the record at its first line below.
                        rec.len = nends;
                        let more = self.resync(rec, start, start_line, true)?;
                        self.check_sizes(rec);
                        return Ok(more);
                    }
                    start = self.fill(start)?;
                }
                ReadRecordResult::OutputFull if dropped.is_some() => nout = 0,
                ReadRecordResult::OutputFull => {
                    let field_start = if nends == 0 { 0 } else { rec.ends[nends - 1] };
                    if nout - field_start > self.max_field {
                        if self.spans_lines(start) {
                            rec.len = nends;
                            let more = self.resync(rec, start, start_line, true)?;
                            self.check_sizes(rec);
                            return Ok(more);
                        }
                        let size = (nout - field_start) as u64;
                        dropped = Some(self.cut_record(rec, start, start_line, nends, size));
                        start = self.pos;
                        (nout, nends) = (0, 0);
                        continue;
                    }
                    let n = rec.data.len() * 2;
                    rec.data.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull if dropped.is_some() => nends = 0,
                ReadRecordResult::OutputEndsFull => {
                    let n = rec.ends.len() * 2;
                    rec.ends.resize(n, 0);
                }
                ReadRecordResult::Record => {
                    if let Some(lines) = dropped {
                        return Ok(self.finish_cut(rec, start, start_line, lines));
                    }
                    rec.len = nends;
                    let more = self.finish(rec, start, start_line)?;
                    self.check_sizes(rec);
                    return Ok(more);
                }
                ReadRecordResult::End => break,
            }
        }
        if let Some(lines) = dropped {
            return Ok(self.finish_cut(rec, start, start_line, lines));
        }
        self.raw = (self.pos, self.pos);
        Ok(false)
    }

    /// Whether the record read so far from `start` spans more than one line.
    fn spans_lines(&self, start: usize) -> bool {
        let raw = &self.buf[start..self.pos];
        let blank = raw
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        memchr::memchr(self.newline, trim_eol(&raw[blank..])).is_some()
    }

    /// Field `field` of the record at `start` grew past the size limit: notes where it is,
    /// keeps the record's first bytes and drops the rest from the buffer. Returns the lines of
    /// the bytes dropped.
    fn cut_record(
        &mut self,
        rec: &mut RawRecord,
        start: usize,
        start_line: u64,
        field: usize,
        bytes: u64,
    ) -> u64 {
        let raw = &self.buf[start..self.pos];
        let blank = raw
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let content = &raw[blank..];
        let at = field_position(content, field, self.delimiter, self.quoting);
        self.prefix.clear();
        self.prefix
            .extend_from_slice(&content[..content.len().min(OVERSIZE_PREFIX)]);
        rec.oversize = Some(Oversize {
            field,
            bytes,
            cut: true,
            at,
        });
        rec.line = start_line + self.lines(start, start + blank);
        self.consumed += (self.pos - start) as u64;
        self.lines(start, self.pos)
    }

    /// Ends a record over the size limit whose last bytes are `buf[start..pos]`.
    fn finish_cut(
        &mut self,
        rec: &mut RawRecord,
        start: usize,
        start_line: u64,
        dropped: u64,
    ) -> bool {
        let body = trim_eol(&self.buf[start..self.pos]).len();
        let total = dropped + self.lines(start, self.pos);
        let trailing = self.lines(start + body, self.pos);
        rec.len = 0;
        rec.lines = (start_line + total - trailing + 1)
            .saturating_sub(rec.line)
            .max(1);
        self.line = start_line + total;
        self.consumed += (self.pos - start) as u64;
        self.raw = (self.pos, self.pos);
        self.cut = true;
        true
    }

    /// Notes the first field over the size limit of a record read whole.
    fn check_sizes(&self, rec: &mut RawRecord) {
        if rec.oversize.is_some() || rec.len == 0 || rec.ends[rec.len - 1] <= self.max_field {
            return; // the whole record is within the limit: so is every field
        }
        let mut start = 0;
        for i in 0..rec.len {
            let end = rec.ends[i];
            if end - start > self.max_field {
                let quoting = self.quoting && !rec.unquoted;
                rec.oversize = Some(Oversize {
                    field: i,
                    bytes: (end - start) as u64,
                    cut: false,
                    at: field_position(self.raw(), i, self.delimiter, quoting),
                });
                return;
            }
            start = end;
        }
    }

    /// Sets the record's lines and raw range; checks its quoting when its shape is suspicious.
    fn finish(&mut self, rec: &mut RawRecord, start: usize, start_line: u64) -> io::Result<bool> {
        let raw = &self.buf[start..self.pos];
        let blank = raw
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let body = trim_eol(&raw[blank..]).len();
        let leading = self.lines(start, start + blank);
        // One pass over the record; the blank lines before it and its line end are short.
        let total = self.lines(start, self.pos);
        let trailing = self.lines(start + blank + body, self.pos);
        let raw_len = self.pos - start;
        rec.line = start_line + leading;
        rec.lines = 1 + total - leading - trailing;
        self.line = start_line + total;
        self.raw = (start + blank, self.pos);
        // A badly closed quote shows as a record spanning lines, or with the wrong number of
        // fields, or as the last record (a quote left open runs to the end).
        let suspicious = self.quoting
            && (rec.lines > 1
                || rec.len != self.expected && self.expected > 0
                || self.eof && self.pos == self.end);
        if suspicious {
            let body = &self.buf[start + blank..start + blank + body];
            if let Some((at, open)) = check_quotes(body, self.delimiter) {
                rec.quote_problem = Some(at);
                if rec.lines > 1 || open {
                    // `resync` counts the bytes it keeps (one line; the rest is read again).
                    return self.resync(rec, start, start_line, false);
                }
            }
        }
        self.consumed += raw_len as u64;
        Ok(true)
    }

    /// Re-reads the first physical line of the record at `start` without quoting, and resumes
    /// normal parsing on the next line.
    fn resync(
        &mut self,
        rec: &mut RawRecord,
        start: usize,
        start_line: u64,
        runaway: bool,
    ) -> io::Result<bool> {
        let raw = &self.buf[start..self.pos.max(start)];
        let blank = raw
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let content_start = start + blank;
        let content = &self.buf[content_start..self.pos];
        let line_len = memchr::memchr2(b'\n', b'\r', content).unwrap_or(content.len());
        let mut next = content_start + line_len;
        if self.buf.get(next) == Some(&b'\r') {
            next += 1;
        }
        if self.buf.get(next) == Some(&b'\n') {
            next += 1;
        }
        let problem = if runaway {
            check_quotes(&content[..line_len], self.delimiter)
                .map(|(at, _)| at)
                .or(Some(0))
        } else {
            rec.quote_problem
        };
        let mut plain = ReaderBuilder::new()
            .delimiter(self.delimiter)
            .quoting(false)
            .build();
        let line = &self.buf[content_start..content_start + line_len];
        split_plain(&mut plain, line, rec);
        rec.quote_problem = problem;
        rec.unquoted = true;
        rec.runaway = runaway;
        rec.line = start_line + self.lines(start, content_start);
        rec.lines = 1;
        self.pos = next;
        self.line = start_line + self.lines(start, next);
        self.raw = (content_start, next);
        self.consumed += (next - start) as u64;
        self.core.reset(); // a fresh parser state for the next line
        Ok(true)
    }

    /// Moves the unread bytes from `keep` on to the front, grows the buffer if it is full, and
    /// reads more. Returns where `keep` now is (0).
    fn fill(&mut self, keep: usize) -> io::Result<usize> {
        if keep > 0 {
            self.buf.copy_within(keep..self.end, 0);
            self.pos -= keep;
            self.end -= keep;
            self.raw = (0, 0);
        }
        if self.end == self.buf.len() {
            let n = self.buf.len() * 2;
            self.buf.resize(n, 0);
        }
        loop {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(0);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(0);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Splits one line on the delimiter with quoting off, into `rec`.
fn split_plain(plain: &mut CoreReader, line: &[u8], rec: &mut RawRecord) {
    let (mut input, mut nout, mut nends) = (line, 0, 0);
    loop {
        let (res, nin, out, ends) =
            plain.read_record(input, &mut rec.data[nout..], &mut rec.ends[nends..]);
        input = &input[nin..];
        nout += out;
        nends += ends;
        match res {
            ReadRecordResult::OutputFull => {
                let n = rec.data.len() * 2;
                rec.data.resize(n, 0);
            }
            ReadRecordResult::OutputEndsFull => {
                let n = rec.ends.len() * 2;
                rec.ends.resize(n, 0);
            }
            ReadRecordResult::InputEmpty => {}
            ReadRecordResult::Record | ReadRecordResult::End => break,
        }
    }
    rec.len = nends.max(1);
    if nends == 0 {
        rec.ends[0] = 0;
    }
}

/// Counts `newline` bytes; a plain loop for the few bytes around a record, `memchr` (SIMD)
/// for the record itself.
fn count(bytes: &[u8], newline: u8) -> u64 {
    if bytes.len() < 16 {
        bytes.iter().map(|&b| u64::from(b == newline)).sum()
    } else {
        memchr::memchr_iter(newline, bytes).count() as u64
    }
}

fn trim_eol(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    &bytes[..end]
}

/// Finds a quoted field that is badly closed: a closing quote followed by something else than
/// a delimiter or a line end, or a quote still open at the end. Returns the offset of the
/// quote that opened that field, and whether it was left open.
///
/// Jumps from quote to quote with `memchr`, since it runs on every multi-line record.
pub fn check_quotes(body: &[u8], delim: u8) -> Option<(usize, bool)> {
    let mut i = 0;
    let mut field_start = true;
    while i < body.len() {
        if field_start && body[i] == b'"' {
            let opened = i;
            i += 1;
            loop {
                let Some(q) = memchr::memchr(b'"', &body[i..]) else {
                    return Some((opened, true));
                };
                i += q + 1;
                match body.get(i) {
                    Some(b'"') => i += 1, // a doubled quote inside the field
                    Some(&b) if b == delim || b == b'\n' || b == b'\r' => break,
                    None => return None,
                    Some(_) => return Some((opened, false)),
                }
            }
            // `i` is on the delimiter or line end after the closing quote.
            i += 1;
            field_start = true;
            continue;
        }
        // An unquoted field: skip to its end.
        match memchr::memchr3(delim, b'\n', b'\r', &body[i..]) {
            Some(at) => {
                i += at + 1;
                field_start = true;
            }
            None => return None,
        }
    }
    None
}

/// Where field `field` starts in a record's raw bytes: (lines after the record's first line,
/// 1-based character column). Past the last field, the end of the record.
pub fn field_position(raw: &[u8], field: usize, delim: u8, quoting: bool) -> (u64, u64) {
    #[derive(Clone, Copy, PartialEq)]
    enum S {
        Start,
        Plain,
        Quoted,
        QuoteInQuoted,
    }
    let body = trim_eol(raw);
    let mut index = 0;
    let mut state = S::Start;
    let mut target = if field == 0 { 0 } else { body.len() };
    for (i, &b) in body.iter().enumerate() {
        if field == 0 {
            break;
        }
        if b == delim && state != S::Quoted {
            index += 1;
            if index == field {
                target = i + 1;
                break;
            }
            state = S::Start;
            continue;
        }
        state = match state {
            S::Start if quoting && b == b'"' => S::Quoted,
            S::Start | S::Plain => S::Plain,
            S::Quoted if b == b'"' => S::QuoteInQuoted,
            S::Quoted => S::Quoted,
            S::QuoteInQuoted if b == b'"' => S::Quoted,
            S::QuoteInQuoted => S::Plain,
        };
    }
    let before = &body[..target];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |p| p + 1);
    let lines = before.iter().filter(|&&b| b == b'\n').count() as u64;
    // Characters, not bytes: UTF-8 continuation bytes do not start a character.
    let col = before[line_start..]
        .iter()
        .filter(|&&b| b & 0xc0 != 0x80)
        .count() as u64;
    (lines, col + 1)
}

#[cfg(test)]
#[path = "records_tests.rs"]
mod tests;
