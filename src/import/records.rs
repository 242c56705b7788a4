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

/// A record longer than this that spans several lines is taken for a runaway quoted field:
/// it is cut at its first line. Bounds memory whatever the input (a quote left open on line 2
/// of a million-line file would otherwise hold the whole file as one field).
pub const MAX_MULTILINE_RECORD: usize = 64 << 20;

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
            ..*self
        }
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

    /// The raw bytes of the last record read, line terminator included.
    pub fn raw(&self) -> &[u8] {
        &self.buf[self.raw.0..self.raw.1]
    }

    /// Reads the next record into `rec`; `false` at the end of the input.
    pub fn read(&mut self, rec: &mut RawRecord) -> io::Result<bool> {
        let mut start = self.pos;
        let start_line = self.line;
        let (mut nout, mut nends) = (0, 0);
        rec.quote_problem = None;
        rec.unquoted = false;
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
                    if self.pos - start > MAX_MULTILINE_RECORD
                        && memchr::memchr(self.newline, &self.buf[start..self.pos]).is_some()
                    {
                        // Runaway quote: stop here, cut the record at its first line below.
                        rec.len = nends;
                        return self.resync(rec, start, start_line, true);
                    }
                    start = self.fill(start)?;
                }
                ReadRecordResult::OutputFull => {
                    let n = rec.data.len() * 2;
                    rec.data.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = rec.ends.len() * 2;
                    rec.ends.resize(n, 0);
                }
                ReadRecordResult::Record => {
                    rec.len = nends;
                    return self.finish(rec, start, start_line);
                }
                ReadRecordResult::End => break,
            }
        }
        self.raw = (self.pos, self.pos);
        Ok(false)
    }

    /// Sets the record's lines and raw range; checks its quoting when its shape is suspicious.
    fn finish(&mut self, rec: &mut RawRecord, start: usize, start_line: u64) -> io::Result<bool> {
        let raw = &self.buf[start..self.pos];
        let blank = raw
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let leading = count(&raw[..blank], self.newline);
        let content = &raw[blank..];
        let body = trim_eol(content);
        // One pass over the record; the blank lines before it and its line end are short.
        let total = count(raw, self.newline);
        let trailing = count(&content[body.len()..], self.newline);
        rec.line = start_line + leading;
        rec.lines = 1 + total - leading - trailing;
        self.line = start_line + total;
        self.raw = (start + blank, self.pos);
        let len = raw.len() as u64;
        // A badly closed quote shows as a record spanning lines, or with the wrong number of
        // fields, or as the last record (a quote left open runs to the end).
        let suspicious = self.quoting
            && (rec.lines > 1
                || rec.len != self.expected && self.expected > 0
                || self.eof && self.pos == self.end);
        if suspicious {
            if let Some((at, open)) = check_quotes(body, self.delimiter) {
                rec.quote_problem = Some(at);
                if rec.lines > 1 || open {
                    // `resync` counts the bytes it keeps (one line; the rest is read again).
                    return self.resync(rec, start, start_line, false);
                }
            }
        }
        self.consumed += len;
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
        rec.line = start_line + count(&self.buf[start..content_start], self.newline);
        rec.lines = 1;
        self.pos = next;
        self.line = start_line + count(&self.buf[start..next], self.newline);
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
