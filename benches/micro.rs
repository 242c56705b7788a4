//! Micro benchmarks of the hot parts of tagging (issue 8), to see which part a change to the
//! end-to-end figures (`benches/bench.sh`) comes from, and to compare one change quickly:
//!
//! ```text
//! cargo bench --bench micro                 # everything, about 2.5 minutes
//! cargo bench --bench micro -- match/       # one group (a regex on the benchmark names)
//! ```
//!
//! Inputs are the labelled development set (`fixtures/labelled/`: tickets written to look like
//! real ones, English, German and French, median about 450 bytes), read with the real import,
//! so that word density and the rules that fire are those of real tickets. A *long* ticket is
//! one description made of many of those texts, about 16 KiB, as the long tail of real queues
//! (pasted logs and mail threads) has. Measurement is kept short (3 s, 30 samples) so that the
//! whole run stays under three minutes; the figures are for comparing, not for publishing.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use csirt_tagger::catalog::{Catalog, CatalogIndex, ExampleIndex};
use csirt_tagger::import::date::{DateOrder, DateParser};
use csirt_tagger::import::duration::parse_duration;
use csirt_tagger::import::{ImportOptions, Reader, Ticket};
use csirt_tagger::rules::{normalize_for_bench, Matcher, RuleId, RuleSetBuilder, Scratch};
use csirt_tagger::tag::{score_services, Fallback, Tagger};
use csirt_tagger::Diagnostics;

/// The labelled exports, each read by its own flavour (RT's TSV has only titles: left out).
const LABELLED: &[&str] = &["jira.csv", "otrs.csv", "servicenow.csv", "glpi.csv"];

/// About the size of the long tail's tickets in real exports.
const LONG_BYTES: usize = 16 * 1024;

fn labelled_tickets() -> Vec<Ticket> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/labelled");
    let mut all = Vec::new();
    for (source, name) in LABELLED.iter().enumerate() {
        let mut reader = Reader::open(&dir.join(name), source, &ImportOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (tickets, _) = reader
            .read_to_end(&mut Diagnostics::new(false))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        all.extend(tickets);
    }
    assert!(
        all.len() > 300,
        "the labelled set has {} tickets",
        all.len()
    );
    all
}

fn text_bytes(ticket: &Ticket) -> u64 {
    ticket.texts.iter().map(|f| f.text.len() as u64).sum()
}

fn is_ascii(ticket: &Ticket) -> bool {
    ticket.texts.iter().all(|f| f.text.is_ascii())
}

/// The ticket of median text length among those that are (or are not) pure ASCII.
fn median_ticket(tickets: &[Ticket], ascii: bool) -> Ticket {
    let mut some: Vec<&Ticket> = tickets.iter().filter(|t| is_ascii(t) == ascii).collect();
    some.sort_by_key(|t| text_bytes(t));
    some[some.len() / 2].clone()
}

/// A ticket whose description is the descriptions of many tickets (ASCII ones or not), about
/// [`LONG_BYTES`], keeping the first ticket's title and field names.
fn long_ticket(tickets: &[Ticket], ascii: bool) -> Ticket {
    let some: Vec<&Ticket> = tickets.iter().filter(|t| is_ascii(t) == ascii).collect();
    let mut long = some[0].clone();
    let body = long
        .texts
        .iter()
        .position(|f| !f.is_title)
        .expect("a ticket with a description");
    let mut text = String::new();
    for t in some.iter().cycle() {
        for f in t.texts.iter().filter(|f| !f.is_title) {
            text.push_str(&f.text);
            text.push('\n');
        }
        if text.len() >= LONG_BYTES {
            break;
        }
    }
    long.texts[body].text = text;
    let column = long.texts[body].column;
    long.texts.retain(|f| f.is_title || f.column == column);
    long
}

/// The four tickets every per-ticket group runs on: (name, ticket).
fn sample_tickets(tickets: &[Ticket]) -> Vec<(&'static str, Ticket)> {
    vec![
        ("short-ascii", median_ticket(tickets, true)),
        ("short-accented", median_ticket(tickets, false)),
        ("long-ascii", long_ticket(tickets, true)),
        ("long-accented", long_ticket(tickets, false)),
    ]
}

fn default_matcher(catalog: &Catalog) -> Matcher {
    let mut diags = Diagnostics::default();
    let mut rules = RuleSetBuilder::new(catalog);
    rules.add_defaults(&mut diags);
    assert_eq!(diags.errors(), 0, "the default rules have errors");
    rules.build().expect("the default rules compile")
}

/// NFKC + lower case, as the matcher does for a non-ASCII field. The matcher reads ASCII fields
/// as they are (lower-casing on the fly), so the ASCII figure is the cost that fast path avoids.
fn normalisation(c: &mut Criterion) {
    let tickets = labelled_tickets();
    let mut group = c.benchmark_group("normalise");
    let mut out = String::new();
    for (name, ticket) in sample_tickets(&tickets) {
        let fields: Vec<&str> = ticket.texts.iter().map(|f| f.text.as_str()).collect();
        let text = fields.join("\n");
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &text, |b, text| {
            b.iter(|| {
                normalize_for_bench(black_box(text), &mut out);
                out.len()
            })
        });
    }
    group.finish();
}

/// The default rules' matcher on one ticket's fields: every rule that fires (no positions).
fn matching(c: &mut Criterion) {
    let tickets = labelled_tickets();
    let catalog = Catalog::default_embedded();
    let matcher = default_matcher(&catalog);
    let mut scratch = Scratch::default();
    let mut group = c.benchmark_group("match");
    for (name, ticket) in sample_tickets(&tickets) {
        let fired = matcher
            .find(&ticket.texts, &mut scratch, false)
            .fired()
            .len();
        assert!(fired > 0, "{name}: no rule fires; not a realistic ticket");
        group.throughput(Throughput::Bytes(text_bytes(&ticket)));
        group.bench_with_input(BenchmarkId::from_parameter(name), &ticket, |b, ticket| {
            b.iter(|| {
                matcher
                    .find(black_box(&ticket.texts), &mut scratch, false)
                    .fired()
                    .len()
            })
        });
    }
    // With every hit's position, as JSONL details and `explain` ask.
    let (_, ticket) = &sample_tickets(&tickets)[0];
    group.throughput(Throughput::Bytes(text_bytes(ticket)));
    group.bench_function("short-ascii-detail", |b| {
        b.iter(|| {
            matcher
                .find(black_box(&ticket.texts), &mut scratch, true)
                .fired()
                .len()
        })
    });
    group.finish();
}

/// A whole ticket through the tagger as `tag` runs it: rules, scores, thresholds, the primary
/// service, and the catalog index when no rule fires.
fn tagging(c: &mut Criterion) {
    let tickets = labelled_tickets();
    let catalog = Catalog::default_embedded();
    let matcher = default_matcher(&catalog);
    let index = CatalogIndex::build(&catalog).expect("the catalog index builds");
    let tagger = Tagger::new(catalog, matcher)
        .expect("rules built for this catalog")
        .with_fallback(Some(Fallback::new(index)));
    let mut group = c.benchmark_group("tag");
    for (name, ticket) in sample_tickets(&tickets) {
        group.throughput(Throughput::Bytes(text_bytes(&ticket)));
        group.bench_with_input(BenchmarkId::from_parameter(name), &ticket, |b, ticket| {
            b.iter(|| tagger.tag(black_box(ticket)).services.len())
        });
    }
    // The whole labelled set in a row: the mix of tickets tagged by rule, by the index (a
    // tantivy query each) and not at all.
    let bytes: u64 = tickets.iter().map(text_bytes).sum();
    group.throughput(Throughput::Bytes(bytes));
    // Milliseconds an iteration: the same count per sample keeps the run within 3 s.
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function(format!("labelled-set-{}-tickets", tickets.len()), |b| {
        b.iter(|| {
            tickets
                .iter()
                .map(|t| tagger.tag(black_box(t)).services.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

/// Scoring on its own: the fired rules of a ticket to ranked services with thresholds, and the
/// catalog index's proposal for a ticket no rule tags (a tantivy query).
fn scoring(c: &mut Criterion) {
    let tickets = labelled_tickets();
    let catalog = Catalog::default_embedded();
    let matcher = default_matcher(&catalog);
    let fallback = Fallback::new(CatalogIndex::build(&catalog).expect("the catalog index builds"));
    let mut scratch = Scratch::default();
    let mut group = c.benchmark_group("score");
    for (name, ticket) in sample_tickets(&tickets) {
        let found = matcher.find(&ticket.texts, &mut scratch, false);
        let fired: (Vec<RuleId>, Vec<u8>) = (found.fired().to_vec(), found.fired_zones().to_vec());
        group.bench_with_input(
            BenchmarkId::new("rules", name),
            &fired,
            |b, (fired, zones)| {
                b.iter(|| score_services(&matcher, black_box(fired), black_box(zones)).len())
            },
        );
    }
    let untagged = tickets
        .iter()
        .find(|t| {
            matcher
                .find(&t.texts, &mut scratch, false)
                .fired()
                .is_empty()
        })
        .expect("the labelled set has tickets no rule tags");
    group.throughput(Throughput::Bytes(text_bytes(untagged)));
    group.bench_function("index-fallback", |b| {
        b.iter(|| fallback.propose(&catalog, black_box(untagged)).is_some())
    });
    // The same ticket asked of the embedded labelled examples first (built before timing).
    let examples = ExampleIndex::new(ExampleIndex::embedded(&catalog), Vec::new());
    examples.neighbours("warm up", "", 1);
    let with_examples =
        Fallback::new(CatalogIndex::build(&catalog).expect("the catalog index builds"))
            .with_examples(Some(examples));
    group.bench_function("index-fallback-examples", |b| {
        b.iter(|| {
            with_examples
                .propose(&catalog, black_box(untagged))
                .is_some()
        })
    });
    group.finish();
}

/// Dates and durations as the exports write them; every date and duration cell of every
/// ticket is read once.
fn dates_and_durations(c: &mut Criterion) {
    let mut group = c.benchmark_group("date");
    let day_first = DateParser::new(DateOrder::DayFirst);
    for (name, value) in [
        ("iso", "2026-11-26 15:04:05"),
        ("iso-offset", "2026-11-26T15:04:05.123+01:00"),
        ("jira", "26/Nov/26 3:04 PM"),
        ("dotted", "26.11.2026 15:04"),
        ("ctime", "Thu Nov 26 15:04:05 2026"),
        ("rfc2822", "Thu, 26 Nov 2026 15:04:05 +0100"),
        ("epoch-ms", "1795705445000"),
    ] {
        assert!(day_first.parse(value).unwrap().is_some(), "{value}");
        group.bench_with_input(BenchmarkId::from_parameter(name), value, |b, value| {
            b.iter(|| day_first.parse(black_box(value)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("duration");
    for (name, value, unit) in [
        ("seconds", "5400", 1.0),
        ("decimal-hours", "1,5", 3600.0),
        ("clock", "01:30:00", 1.0),
        ("pairs", "1w 2d 3h", 1.0),
        ("words", "1 Hour 30 Minutes", 1.0),
        ("servicenow-raw", "1970-01-01 01:30:00", 1.0),
    ] {
        assert!(parse_duration(value, unit).unwrap().is_some(), "{value}");
        group.bench_with_input(BenchmarkId::from_parameter(name), value, |b, value| {
            b.iter(|| parse_duration(black_box(value), unit))
        });
    }
    group.finish();
}

/// What every run pays before the first ticket: the default rules compiled, the catalog
/// index built (`bench.sh` times the whole start-up, process included).
fn startup(c: &mut Criterion) {
    let catalog = Catalog::default_embedded();
    let mut group = c.benchmark_group("startup");
    // Hundreds of milliseconds an iteration: 10 samples of one, not 30 of a growing count.
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    group.bench_function("compile-default-rules", |b| {
        b.iter(|| default_matcher(black_box(&catalog)).rules().len())
    });
    group.bench_function("build-catalog-index", |b| {
        b.iter(|| CatalogIndex::build(black_box(&catalog)).is_ok())
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(30)
}

criterion_group! {
    name = micro;
    config = config();
    targets = normalisation, matching, tagging, scoring, dates_and_durations, startup
}
criterion_main!(micro);
