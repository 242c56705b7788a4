//! JSON lines input: one ticket per line, as an object (the export's column names as keys) or
//! an array (the columns in the header's order), which is what a Spark job or a script hands
//! a subprocess most easily: a text with line breaks stays on one line.
//!
//! The columns are the header of `--header-from` when given, else the keys of the first
//! object, in their order. Values: a string as it is; `null` or a missing key, an empty cell; a
//! number or a boolean, as written; an array or object, as its JSON text. A line that is not
//! JSON, or names a key that is not a column, is a reject with its line and reason: nothing is
//! dropped without a word.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::records::RawRecord;

/// One line: an object's entries in their order, or an array's items.
enum Row {
    Object(Vec<(String, Value)>),
    Array(Vec<Value>),
}

impl<'de> de::Deserialize<'de> for Row {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Row, D::Error> {
        struct RowVisitor;
        impl<'de> Visitor<'de> for RowVisitor {
            type Value = Row;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object or array")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(Row::Object(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Row, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Value>()? {
                    items.push(item);
                }
                Ok(Row::Array(items))
            }
        }
        d.deserialize_any(RowVisitor)
    }
}

/// Whether `head` (the first bytes of an input, BOM removed) starts with a line of JSON lines:
/// an object or an array that parses.
pub(super) fn looks_like_json_lines(head: &[u8]) -> bool {
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else { return false };
    if !matches!(head[start], b'{' | b'[') {
        return false;
    }
    let line = &head[start..];
    let line = memchr::memchr(b'\n', line).map_or(line, |end| &line[..end]);
    serde_json::from_slice::<Row>(line).is_ok()
}

/// The keys of the first object of `head`, in order: the columns when no header is given.
/// `None` when the first line is an array (its columns have no names).
pub(super) fn first_keys(head: &[u8]) -> Option<Vec<String>> {
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let line = &head[start..];
    let line = memchr::memchr(b'\n', line).map_or(line, |end| &line[..end]);
    match serde_json::from_slice::<Row>(line).ok()? {
        Row::Object(entries) => Some(entries.into_iter().map(|(k, _)| k).collect()),
        Row::Array(_) => None,
    }
}

/// Reads JSON lines as records of the given columns.
pub(super) struct JsonRecords {
    src: BufReader<Box<dyn Read + Send>>,
    /// Physical line of the next line.
    line: u64,
    /// The last line read, line end included.
    raw: Vec<u8>,
    columns: usize,
    /// Column of each name (the first, when a name is repeated).
    index: HashMap<String, usize>,
    /// Names the header holds more than once: an object cannot tell their columns apart.
    repeated: Vec<String>,
    /// Bytes read so far.
    pub consumed: u64,
}

impl JsonRecords {
    /// A reader of `src` (UTF-8) whose rows have the columns `header`.
    pub fn new(src: Box<dyn Read + Send>, header: &[String]) -> JsonRecords {
        let mut index = HashMap::new();
        let mut repeated = Vec::new();
        for (i, name) in header.iter().enumerate() {
            if index.contains_key(name) {
                if !repeated.contains(name) {
                    repeated.push(name.clone());
                }
            } else {
                index.insert(name.clone(), i);
            }
        }
        JsonRecords {
            src: BufReader::with_capacity(1 << 16, src),
            line: 1,
            raw: Vec::new(),
            columns: header.len(),
            index,
            repeated,
            consumed: 0,
        }
    }

    /// The last line read, as it came.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Reads the next non-blank line into `rec`: its fields, or a `problem` saying why it is
    /// not a row. `false` at the end of the input.
    pub fn read(&mut self, rec: &mut RawRecord) -> io::Result<bool> {
        loop {
            self.raw.clear();
            let n = self.src.read_until(b'\n', &mut self.raw)?;
            if n == 0 {
                return Ok(false);
            }
            self.consumed += n as u64;
            let line = self.line;
            self.line += 1;
            let text = trim_line_end(&self.raw);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue; // blank lines between rows are no rows
            }
            let mut fields: Vec<Vec<u8>> = Vec::new();
            let mut problem = None;
            match serde_json::from_slice::<Row>(text) {
                Ok(Row::Array(items)) => fields = items.into_iter().map(cell).collect(),
                Ok(Row::Object(entries)) => {
                    fields = vec![Vec::new(); self.columns];
                    if let Some(name) = self.repeated.first() {
                        problem = Some(format!(
                            "the header names `{name}` more than once: a JSON object cannot say \
                             which of those columns a value is in; send each row as an array"
                        ));
                    }
                    for (key, value) in entries {
                        match self.index.get(&key) {
                            Some(&i) => fields[i] = cell(value),
                            None => {
                                problem.get_or_insert_with(|| {
                                    format!("key `{key}` is not a column of the header")
                                });
                            }
                        }
                    }
                }
                Err(e) => {
                    problem = Some(format!("not a JSON object or array: {e}"));
                }
            }
            rec.set_fields(line, fields.iter().map(Vec::as_slice), problem);
            return Ok(true);
        }
    }
}

/// A JSON value as the text of a cell.
fn cell(value: Value) -> Vec<u8> {
    match value {
        Value::Null => Vec::new(),
        Value::String(s) => s.into_bytes(),
        other => other.to_string().into_bytes(),
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &str, header: &[&str]) -> Vec<(u64, Vec<String>, Option<String>)> {
        let header: Vec<String> = header.iter().map(|s| s.to_string()).collect();
        let mut r = JsonRecords::new(
            Box::new(io::Cursor::new(input.as_bytes().to_vec())),
            &header,
        );
        let mut rec = RawRecord::default();
        let mut out = Vec::new();
        while r.read(&mut rec).unwrap() {
            let fields = rec
                .iter()
                .map(|f| String::from_utf8(f.to_vec()).unwrap())
                .collect();
            out.push((rec.line, fields, rec.problem.clone()));
        }
        out
    }

    #[test]
    fn objects_fill_the_header_columns_and_arrays_go_by_position() {
        let input = "{\"b\": \"two\\nlines\", \"a\": 1}\n\n[\"x\", null, true]\r\n{\"c\": null}\n";
        let rows = read_all(input, &["a", "b", "c"]);
        assert_eq!(
            rows,
            [
                (1, vec!["1".into(), "two\nlines".into(), "".into()], None),
                (3, vec!["x".into(), "".into(), "true".into()], None),
                (4, vec!["".into(), "".into(), "".into()], None),
            ]
        );
    }

    #[test]
    fn a_bad_line_or_an_unknown_key_is_a_problem_not_an_error() {
        let rows = read_all("{\"a\": \"1\"\n{\"z\": \"9\", \"a\": \"2\"}\n", &["a"]);
        assert!(rows[0]
            .2
            .as_deref()
            .unwrap()
            .starts_with("not a JSON object"));
        assert_eq!(rows[1].1, ["2"]);
        assert_eq!(
            rows[1].2.as_deref(),
            Some("key `z` is not a column of the header")
        );
        let rows = read_all("{\"Comment\": \"x\"}\n", &["Comment", "Comment"]);
        assert!(rows[0].2.as_deref().unwrap().contains("more than once"));
    }

    #[test]
    fn json_lines_are_told_from_csv() {
        assert!(looks_like_json_lines(b"  {\"id\": 1}\n{\"id\": 2}"));
        assert!(looks_like_json_lines(b"[\"1\", \"x\"]"));
        assert!(!looks_like_json_lines(b"id,title\n1,x\n"));
        assert!(!looks_like_json_lines(b"[Ticket],Title\n1,x\n"));
        assert_eq!(
            first_keys(b"{\"Key\": \"A-1\", \"Summary\": \"x\"}\n"),
            Some(vec!["Key".to_string(), "Summary".to_string()])
        );
        assert_eq!(first_keys(b"[1, 2]\n"), None);
    }
}
