//! A seeded generator of realistic synthetic ticket exports and rules sets, for benchmarks.
//!
//! ```text
//! cargo run --release --example gen -- export --flavour jira --tickets 100000 --seed 1 > jira.csv
//! cargo run --release --example gen -- rules --rules 2000 --seed 1 --out /tmp/rules-10x
//! cargo run --release --example gen -- corpus --from ../shared/corpus --mb 150 > corpus-mix.csv
//! ```
//!
//! `corpus` is the real records of ../shared/corpus (breach reports, KEV entries, RustSec
//! advisories: short titles, paragraphs of prose, URLs) repeated, in a seeded shuffle, until
//! the export reaches the size asked; ids get a `-rN` suffix after the first round so that they
//! stay unique. It is the shape `tag` meets in practice, where the synthetic exports are the
//! shape the rules are written for.
//!
//! Exports look like what ticket systems write (see fixtures/exports/): Jira CSV with repeated
//! `Labels` and `Comment` columns, multi-line quoted descriptions and `dd/MMM/yy h:mm a` dates;
//! RT's one-line, unquoted TSV; and the corpus layout (`id,created,resolved,title,description`).
//! Ticket text mixes the catalog's vocabulary (so rules fire as on real tickets) with filler,
//! URLs, hashes, German and French sentences, and lengths with a long tail (median ~400 bytes,
//! a few of tens of kilobytes), as ../shared/corpus shows real records have.
//! The same seed always gives the same bytes.

use std::io::{self, BufWriter, Write};

use csirt_tagger::catalog::{Catalog, Kind};

/// SplitMix64: small, fast, and stable across versions (a benchmark input must not change
/// when a dependency does).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FILLER: &[&str] = &[
    "the user",
    "our colleague",
    "the helpdesk",
    "reported that",
    "this morning",
    "we noticed",
    "please check",
    "as discussed",
    "see attached",
    "the server",
    "in the data centre",
    "after the change window",
    "no further action",
    "waiting for feedback",
    "the customer",
    "according to the logs",
    "on the affected host",
    "the team lead",
    "the firewall",
    "escalated to",
    "for your information",
    "the mailbox",
    "during the night",
    "it seems",
];
const GERMAN: &[&str] = &[
    "Bitte um Rückmeldung bis Freitag.",
    "Der Server wurde vom Netz genommen und neu aufgesetzt.",
    "Verdächtige E-Mail mit Anhang an mehrere Mitarbeitende.",
    "Die Schwachstelle betrifft alle Versionen vor 2.4.1.",
];
const FRENCH: &[&str] = &[
    "Merci de nous tenir informés de l'évolution.",
    "Le poste a été isolé du réseau en attendant l'analyse.",
    "Courriel d'hameçonnage signalé par un utilisateur.",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

struct Words {
    /// Vocabulary of every service and function of the catalog.
    cues: Vec<String>,
}

impl Words {
    fn new() -> Words {
        let catalog = Catalog::default_embedded();
        let cues = catalog
            .entries()
            .iter()
            .filter(|e| e.kind != Kind::Area)
            .flat_map(|e| e.vocabulary.iter().cloned())
            .collect();
        Words { cues }
    }

    /// A sentence: filler and one or two service cues, sometimes a URL or a hash.
    fn sentence(&self, rng: &mut Rng) -> String {
        let mut s = String::new();
        s.push_str(rng.pick::<&str>(FILLER));
        s.push(' ');
        s.push_str(rng.pick(&self.cues).as_str());
        if rng.chance(40) {
            s.push_str(", ");
            s.push_str(rng.pick::<&str>(FILLER));
            s.push(' ');
            s.push_str(rng.pick(&self.cues).as_str());
        }
        match rng.below(10) {
            0 => s.push_str(&format!(
                " hxxps://login-{}.example[.]com/verify",
                rng.below(9999)
            )),
            1 => s.push_str(&format!(
                " sha256 {:016x}{:016x}{:016x}{:016x}",
                rng.next(),
                rng.next(),
                rng.next(),
                rng.next()
            )),
            2 => s.push_str(&format!(
                " CVE-20{}-{}",
                15 + rng.below(11),
                1000 + rng.below(60000)
            )),
            _ => {}
        }
        s.push('.');
        s
    }

    /// A description of a realistic length: log-normal-ish, median about 400 bytes.
    fn text(&self, rng: &mut Rng, multiline: bool) -> String {
        // Sum of three uniforms approximates a bell; exponentiate for the long tail.
        let bell = (rng.below(1000) + rng.below(1000) + rng.below(1000)) as f64 / 3000.0;
        let target = (400.0 * (8.0f64).powf((bell - 0.5) * 2.5)) as usize;
        let target = if rng.chance(1) { target * 40 } else { target };
        let mut text = String::with_capacity(target + 80);
        while text.len() < target {
            if !text.is_empty() {
                text.push_str(if multiline && rng.chance(25) {
                    "\n"
                } else {
                    " "
                });
            }
            match rng.below(40) {
                0 => text.push_str(rng.pick::<&str>(GERMAN)),
                1 => text.push_str(rng.pick::<&str>(FRENCH)),
                _ => {
                    let s = self.sentence(rng);
                    let mut c = s.chars();
                    if let Some(first) = c.next() {
                        text.extend(first.to_uppercase());
                        text.push_str(c.as_str());
                    }
                }
            }
        }
        text
    }

    fn title(&self, rng: &mut Rng) -> String {
        let cue = rng.pick(&self.cues);
        let mut c = cue.chars();
        let first: String = c
            .next()
            .map(|f| f.to_uppercase().collect())
            .unwrap_or_default();
        format!(
            "{first}{} {}",
            c.as_str(),
            rng.pick(&[
                "on FS01",
                "reported",
                "- please check",
                "for finance",
                "(urgent)",
                ""
            ])
        )
    }
}

/// A time in 2025, as (day of year, hour, minute) from the ticket number, so dates rise.
fn when(i: usize, n: usize, rng: &mut Rng) -> (u32, u32, u32, u32) {
    let day = (i * 364 / n.max(1)) as u32;
    let (mut month, mut d) = (0u32, day);
    let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    while d >= lengths[month as usize] {
        d -= lengths[month as usize];
        month += 1;
    }
    (month, d + 1, rng.below(24) as u32, rng.below(60) as u32)
}

fn csv_field(out: &mut impl Write, text: &str) -> io::Result<()> {
    if text.contains([',', '"', '\n', '\r']) {
        write!(out, "\"{}\"", text.replace('"', "\"\""))
    } else {
        out.write_all(text.as_bytes())
    }
}

fn export(flavour: &str, n: usize, seed: u64) -> io::Result<()> {
    let words = Words::new();
    let mut rng = Rng(seed);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    match flavour {
        "jira" => {
            writeln!(out, "Summary,Issue key,Issue id,Issue Type,Status,Priority,Assignee,Reporter,Created,Resolved,Labels,Labels,Description,Time Spent,Comment,Comment")?;
            for i in 0..n {
                let (m, d, h, min) = when(i, n, &mut rng);
                let closed = rng.chance(80);
                csv_field(&mut out, &words.title(&mut rng))?;
                write!(
                    out,
                    ",SEC-{},{},{},",
                    i + 1,
                    10000 + i,
                    rng.pick(&["Incident", "Task", "Vulnerability", "Request"])
                )?;
                write!(
                    out,
                    "{},{},",
                    if closed {
                        "Done"
                    } else {
                        rng.pick(&["Open", "In Progress", "Waiting for customer"])
                    },
                    rng.pick(&["Highest", "High", "Medium", "Low"])
                )?;
                write!(
                    out,
                    "{},{},",
                    rng.pick(&["alice", "bob", "chloe", "dmitri"]),
                    rng.pick(&["soc-bot", "eve", "frank"])
                )?;
                let hour12 = if h % 12 == 0 { 12 } else { h % 12 };
                let ampm = if h < 12 { "AM" } else { "PM" };
                write!(
                    out,
                    "{d:02}/{}/25 {hour12}:{min:02} {ampm},",
                    MONTHS[m as usize]
                )?;
                if closed {
                    let d2 = (d + 1 + rng.below(5) as u32).min(28);
                    write!(
                        out,
                        "{d2:02}/{}/25 {hour12}:{min:02} {ampm}",
                        MONTHS[m as usize]
                    )?;
                }
                write!(
                    out,
                    ",{},{},",
                    rng.pick(&["phishing", "malware", "cvd", "soc", ""]),
                    if rng.chance(30) { "tlp-amber" } else { "" }
                )?;
                csv_field(&mut out, &words.text(&mut rng, true))?;
                write!(out, ",{},", 900 * (1 + rng.below(32)))?;
                if rng.chance(60) {
                    csv_field(
                        &mut out,
                        &format!(
                            "{d:02}/{}/25 {hour12}:{min:02} {ampm};alice;{}",
                            MONTHS[m as usize],
                            words.sentence(&mut rng)
                        ),
                    )?;
                }
                out.write_all(b",")?;
                if rng.chance(25) {
                    csv_field(
                        &mut out,
                        &format!(
                            "{d:02}/{}/25 {hour12}:{min:02} {ampm};bob;{}",
                            MONTHS[m as usize],
                            words.sentence(&mut rng)
                        ),
                    )?;
                }
                out.write_all(b"\n")?;
            }
        }
        "rt" => {
            writeln!(out, "id\tSubject\tQueue\tStatus\tOwner\tRequestors\tPriority\tCreated\tResolved\tTimeWorked\tCF.{{Classification}}\tDescription")?;
            for i in 0..n {
                let (m, d, h, min) = when(i, n, &mut rng);
                let closed = rng.chance(80);
                let date = |d: u32| {
                    format!(
                        "{} {} {d:02} {h:02}:{min:02}:00 2025",
                        DAYS[(d % 7) as usize],
                        MONTHS[m as usize]
                    )
                };
                let text = words.text(&mut rng, false).replace('\t', "    ");
                write!(
                    out,
                    "{}\t{}\t{}\t{}\t",
                    4000 + i,
                    words.title(&mut rng),
                    rng.pick(&["Incident Reports", "Incidents", "Investigations"]),
                    if closed { "resolved" } else { "open" }
                )?;
                write!(
                    out,
                    "{}\t{}@example.org\t{}\t{}\t",
                    rng.pick(&["alice", "bob", "Nobody"]),
                    rng.pick(&["eve", "abuse", "soc"]),
                    rng.below(100),
                    date(d)
                )?;
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    if closed {
                        date((d + 1).min(28))
                    } else {
                        String::new()
                    },
                    15 * rng.below(40),
                    rng.pick(&["Phishing", "Malware", "DDoS", "Vulnerable"]),
                    text
                )?;
            }
        }
        "generic" => {
            writeln!(out, "id,created,resolved,title,description,source_url")?;
            for i in 0..n {
                let (m, d, _, _) = when(i, n, &mut rng);
                write!(out, "GEN-{:07},2025-{:02}-{d:02},", i + 1, m + 1)?;
                if rng.chance(30) {
                    write!(out, "2025-{:02}-{:02}", m + 1, (d + 2).min(28))?;
                }
                out.write_all(b",")?;
                csv_field(&mut out, &words.title(&mut rng))?;
                out.write_all(b",")?;
                csv_field(&mut out, &words.text(&mut rng, true))?;
                writeln!(out, ",https://example.org/advisory/{i}")?;
            }
        }
        other => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("unknown flavour {other}: jira, rt or generic"),
            ));
        }
    }
    out.flush()
}

/// Writes a rules directory with `n` rules over the catalog's services: real vocabulary first,
/// then made-up words, so that a large set still fires like a tuned one.
fn rules(n: usize, seed: u64, dir: &str) -> io::Result<()> {
    let catalog = Catalog::default_embedded();
    let services: Vec<_> = catalog.of_kind(Kind::Service).collect();
    let words = Words::new();
    let mut rng = Rng(seed);
    std::fs::create_dir_all(dir)?;
    let mut out = BufWriter::new(std::fs::File::create(format!("{dir}/synthetic.toml"))?);
    writeln!(out, "# {n} synthetic rules (seed {seed}) for benchmarks; not for tagging real tickets.\nthreshold = 1.0\n")?;
    for i in 0..n {
        let service = catalog.entry(services[i % services.len()]);
        let quote = |w: &str| format!("{:?}", w);
        let mut any: Vec<String> = (0..1 + rng.below(4))
            .map(|_| quote(rng.pick(&words.cues).as_str()))
            .collect();
        if i >= words.cues.len() {
            any.push(quote(&format!("synthword{i}x{}", rng.below(1000))));
        }
        writeln!(
            out,
            "[[rule]]\nid = \"synthetic.{i}\"\nservice = \"{}\"\nany = [{}]",
            service.id,
            any.join(", ")
        )?;
        if rng.chance(20) {
            writeln!(out, "none = [{}]", quote(rng.pick(&words.cues).as_str()))?;
        }
        if rng.chance(5) {
            writeln!(out, "regex = ['\\bcve-\\d{{4}}-{}\\d+\\b']", rng.below(10))?;
        }
        writeln!(out, "weight = {:.1}\n", 0.5 + rng.below(3) as f64 * 0.5)?;
    }
    out.flush()
}

/// The records of every CSV of `dir` (all with the corpus's columns), repeated in a seeded
/// shuffle until `mb` MiB are written.
fn corpus(dir: &str, mb: usize, seed: u64) -> io::Result<()> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    let mut header: Option<csv::StringRecord> = None;
    let mut records = Vec::new();
    for path in &files {
        let mut reader = csv::Reader::from_path(path).map_err(io::Error::from)?;
        let this = reader.headers().map_err(io::Error::from)?.clone();
        match &header {
            None => header = Some(this),
            Some(h) if *h != this => {
                return Err(io::Error::other(format!(
                    "{}: other columns than the first file's",
                    path.display()
                )))
            }
            Some(_) => {}
        }
        for record in reader.records() {
            records.push(record.map_err(io::Error::from)?);
        }
    }
    let header = header.ok_or_else(|| io::Error::other(format!("{dir}: no CSV file")))?;
    if records.is_empty() {
        return Err(io::Error::other(format!("{dir}: no record")));
    }
    let id = header.iter().position(|h| h == "id").unwrap_or(0);
    let stdout = io::stdout();
    let mut out = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, stdout.lock()));
    out.write_record(&header).map_err(io::Error::from)?;
    let mut rng = Rng(seed);
    let target = (mb as u64) << 20;
    let mut written = 0u64;
    let mut order: Vec<usize> = (0..records.len()).collect();
    let mut round = 0;
    while written < target {
        // Fisher-Yates with the seeded generator: every round another order.
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for &r in &order {
            let record = &records[r];
            for (i, f) in record.iter().enumerate() {
                match (i == id, round) {
                    (true, n) if n > 0 => out.write_field(format!("{f}-r{n}")),
                    _ => out.write_field(f),
                }
                .map_err(io::Error::from)?;
            }
            out.write_record(None::<&[u8]>).map_err(io::Error::from)?;
            written += record.as_slice().len() as u64 + record.len() as u64 + 2;
            if written >= target {
                break;
            }
        }
        round += 1;
    }
    out.flush()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str, default: &str| -> String {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or_else(|| default.to_string())
    };
    let number = |flag: &str, default: &str| -> usize {
        value(flag, default).parse().unwrap_or_else(|_| {
            eprintln!("gen: {flag} takes a number");
            std::process::exit(2)
        })
    };
    let seed = number("--seed", "1") as u64;
    let result = match args.first().map(String::as_str) {
        Some("export") => export(
            &value("--flavour", "jira"),
            number("--tickets", "1000"),
            seed,
        ),
        Some("corpus") => corpus(
            &value("--from", "../shared/corpus"),
            number("--mb", "150"),
            seed,
        ),
        Some("rules") => rules(
            number("--rules", "1000"),
            seed,
            &value("--out", "target/synthetic-rules"),
        ),
        _ => {
            eprintln!("usage: gen export --flavour jira|rt|generic --tickets N [--seed S]\n       gen rules --rules N [--seed S] [--out DIR]\n       gen corpus [--from DIR] [--mb N] [--seed S]");
            std::process::exit(2)
        }
    };
    match result {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("gen: {e}");
            std::process::exit(1)
        }
    }
}
