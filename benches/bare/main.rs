//! The floor every tagging benchmark is measured against: parse a CSV/TSV with the csv crate
//! and touch every byte of every field, nothing else. No decoding, no tagging, one thread.
//!
//! ```text
//! cargo run --release --example bare-parse -- export.csv        # prints records and a checksum
//! cargo run --release --example bare-parse -- --tab export.tsv  # RT's unquoted TSV
//! ```

use std::io::Read;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tab = args.iter().any(|a| a == "--tab");
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: bare-parse [--tab] FILE");
        std::process::exit(2);
    };
    let file = std::fs::File::open(path).unwrap_or_else(|e| {
        eprintln!("bare-parse: {path}: {e}");
        std::process::exit(1)
    });
    let reader: Box<dyn Read> = Box::new(file);
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(if tab { b'\t' } else { b',' })
        .quoting(!tab)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let (mut records, mut bytes, mut checksum) = (0u64, 0u64, 0u64);
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                eprintln!("bare-parse: {path}: {e}");
                std::process::exit(1)
            }
        }
        records += 1;
        for field in record.iter() {
            bytes += field.len() as u64;
            // Touch every byte, so the floor includes reading the text as tagging must.
            checksum = field
                .iter()
                .fold(checksum, |h, &b| h.rotate_left(5) ^ u64::from(b));
        }
    }
    println!("{records} records, {bytes} field bytes, checksum {checksum:016x}");
}
