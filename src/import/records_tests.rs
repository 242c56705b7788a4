//! Tests of [`super`] (records): line numbers, raw bytes, quoting trouble, buffer growth.

use super::*;

/// A reader that hands out its bytes a few at a time, to cross every buffer boundary.
struct Trickle<'a>(&'a [u8], usize);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.1.min(self.0.len()).min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// (line, fields as strings, raw as string, quote problem) of every record.
fn read_all(
    text: &[u8],
    delim: u8,
    quoting: bool,
    expected: usize,
) -> Vec<(u64, Vec<String>, String, bool)> {
    let owned: &'static [u8] = Box::leak(text.to_vec().into_boxed_slice());
    let mut rdr = RecordReader::new(Box::new(Trickle(owned, 7)), b'\n');
    rdr.configure(delim, quoting);
    rdr.expected = expected;
    let mut rec = RawRecord::default();
    let mut out = Vec::new();
    while rdr.read(&mut rec).unwrap() {
        let fields = rec
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        let raw = String::from_utf8_lossy(rdr.raw()).into_owned();
        out.push((rec.line, fields, raw, rec.quote_problem.is_some()));
    }
    out
}

#[test]
fn physical_lines_count_quoted_newlines_and_blank_lines() {
    let csv = b"id,text\r\n1,\"two\r\nlines\"\r\n\r\n2,\"a \"\"quote\"\"\"\r\n3,last";
    let recs = read_all(csv, b',', true, 2);
    let lines: Vec<u64> = recs.iter().map(|r| r.0).collect();
    assert_eq!(lines, [1, 2, 5, 6]);
    assert_eq!(recs[1].1, ["1", "two\r\nlines"]);
    assert_eq!(recs[2].1, ["2", "a \"quote\""]);
    assert_eq!(recs[3].2, "3,last");
    assert!(recs.iter().all(|r| !r.3));
}

#[test]
fn without_quoting_a_quote_is_data() {
    let tsv = b"id\tSubject\n4711\t5\" floppy \"found\"\n";
    let recs = read_all(tsv, b'\t', false, 2);
    assert_eq!(recs[1].1, ["4711", "5\" floppy \"found\""]);
}

#[test]
fn an_unterminated_quote_swallows_only_its_own_line() {
    let csv = b"id,title,status\n1,\"Broken title,open\n2,Fine,open\n3,\"Quoted\",closed\n";
    let recs = read_all(csv, b',', true, 3);
    let ids: Vec<&str> = recs.iter().map(|r| r.1[0].as_str()).collect();
    assert_eq!(ids, ["id", "1", "2", "3"]);
    assert_eq!(recs[1].1, ["1", "\"Broken title", "open"]);
    assert!(recs[1].3, "the broken line is flagged");
    assert_eq!(recs.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(recs[3].1, ["3", "Quoted", "closed"]);
}

#[test]
fn a_quote_left_open_at_the_end_is_flagged() {
    let csv = b"id,title\n1,ok\n2,\"never closed\n";
    let recs = read_all(csv, b',', true, 2);
    assert_eq!(recs.len(), 3);
    assert!(recs[2].3);
    assert_eq!(recs[2].1[1], "\"never closed");
}

#[test]
fn fields_of_several_megabytes_are_read_whole() {
    let big = "x".repeat(3 << 20);
    let csv = format!("id,text\n1,\"{big}\nend\"\n2,small\n");
    let recs = read_all(csv.as_bytes(), b',', true, 2);
    assert_eq!(recs[1].1[1].len(), big.len() + 4);
    assert_eq!((recs[2].0, recs[2].1[1].as_str()), (4, "small"));
}

#[test]
fn the_position_of_a_field_counts_characters_and_lines() {
    assert_eq!(
        field_position(b"1,\"a,b\",caf\xc3\xa9,x\n", 3, b',', true),
        (0, 14)
    );
    assert_eq!(field_position(b"1,\"two\nlines\",x", 2, b',', true), (1, 8));
    assert_eq!(field_position(b"abc", 0, b',', true), (0, 1));
    assert_eq!(field_position(b"a,\"x\"\"y\",z", 2, b',', true), (0, 10));
}

#[test]
fn badly_closed_quotes_are_found_and_good_ones_are_not() {
    assert_eq!(check_quotes(b"1,\"ok \"\"x\"\"\",2", b','), None);
    assert_eq!(check_quotes(b"1,\"two\nlines\",2\n3,\"x\"", b','), None);
    assert_eq!(check_quotes(b"1,\"bad\"x,2", b','), Some((2, false)));
    assert_eq!(check_quotes(b"1,\"open", b','), Some((2, true)));
    assert_eq!(check_quotes(b"1,mid\"quote,2", b','), None);
}

#[test]
fn a_lone_cr_among_lfs_ends_a_line_when_asked() {
    let csv: &'static [u8] = b"id,t\r\n1,a\n2,b\r3,c\r\n4,d\n5,\"x\ry\"\n6,e\r";
    let mut rdr = RecordReader::new(Box::new(Trickle(csv, 3)), b'\n');
    rdr.configure(b',', true);
    rdr.count_lone_cr();
    let mut rec = RawRecord::default();
    let mut lines = Vec::new();
    while rdr.read(&mut rec).unwrap() {
        lines.push(rec.line);
    }
    assert_eq!(lines, [1, 2, 3, 4, 5, 6, 8]);
}

#[test]
fn a_field_over_the_limit_is_noted_and_the_next_record_read() {
    let mut csv = b"id,t\n1,a\n2,".to_vec();
    csv.extend(std::iter::repeat_n(b'x', 5000));
    csv.extend_from_slice(b"\n3,\"");
    csv.extend(std::iter::repeat_n(b'y', 300));
    csv.extend_from_slice(b"\"\n4,d\n");
    let owned: &'static [u8] = Box::leak(csv.into_boxed_slice());
    let mut rdr = RecordReader::new(Box::new(Trickle(owned, 64)), b'\n');
    rdr.configure(b',', true);
    rdr.max_field = 256;
    let mut rec = RawRecord::default();
    let mut seen = Vec::new();
    while rdr.read(&mut rec).unwrap() {
        let raw = rdr.raw().len();
        seen.push((
            rec.line,
            rec.len(),
            rec.oversize.map(|o| (o.field, o.cut, o.at)),
            raw,
        ));
    }
    assert_eq!(seen[0], (1, 2, None, 5));
    assert_eq!(seen[1], (2, 2, None, 4));
    // Cut while reading: its fields are dropped, its first bytes kept as its raw text.
    assert_eq!(seen[2].0, 3);
    assert_eq!(seen[2].2, Some((1, true, (0, 3))));
    assert!(seen[2].3 <= 1024, "{seen:?}");
    // Read whole, then found over the limit (300 > 256): noted, fields kept.
    assert_eq!((seen[3].0, seen[3].1), (4, 2));
    assert_eq!(seen[3].2, Some((1, false, (0, 3))));
    assert_eq!((seen[4].0, seen[4].1, seen[4].2), (5, 2, None));
}

/// Found by fuzzing (`fuzz/fuzz_targets/import.rs`): a record re-read without quoting was
/// counted twice, once whole and once as the line kept, so `Counts::bytes` (throughput
/// figures) exceeded the input's size.
#[test]
fn a_record_re_read_without_quoting_is_counted_once() {
    for csv in [
        &b"id,text\n1,\"open\n2,b\n3,c\n"[..],
        b"id,text\n1,\"a\"b\"\n2,\"x\ny\"z\n",
        b"id,text\n1,a\n2,\"never closed",
    ] {
        let owned: &'static [u8] = Box::leak(csv.to_vec().into_boxed_slice());
        let mut rdr = RecordReader::new(Box::new(Trickle(owned, 5)), b'\n');
        rdr.configure(b',', true);
        rdr.expected = 2;
        let mut rec = RawRecord::default();
        let mut raw = 0;
        while rdr.read(&mut rec).unwrap() {
            raw += rdr.raw().len() as u64;
        }
        assert!(
            rdr.consumed <= csv.len() as u64,
            "{:?}: {} bytes counted",
            String::from_utf8_lossy(csv),
            rdr.consumed
        );
        assert_eq!(rdr.consumed, raw, "{:?}", String::from_utf8_lossy(csv));
    }
}
