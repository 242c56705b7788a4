//! A sample of tagged tickets for a person to label: what per-service estimates rest on, and
//! where the rules most need a look.
//!
//! Two parts, kept apart and marked in the `part` column:
//! - **random**: a simple random sample without replacement of the tickets read. Each ticket
//!   gets a pseudo-random rank from the seed and its identity (input, record, id); the sample is
//!   the `size` tickets of smallest rank ("bottom-k"), so it is the same on every run with the
//!   same seed, whatever the number of threads, and needs memory for `size` tickets only.
//!   Estimates (precision, recall, `report --calibrate`) rest on this part alone.
//! - **targeted**: tickets outside the random part where a reviewer's label teaches most:
//!   untagged tickets, tickets whose two best services scored close (a low margin), and
//!   tickets whose primary service is among the rarest of the export. Chosen by the same
//!   ranks, so also reproducible; never to be used for estimates.
//!
//! [`sample_size`] gives the size of the random part for a wanted precision.

use std::collections::{BTreeMap, BinaryHeap};

use crate::catalog::{Catalog, EntryId};
use crate::import::Ticket;
use crate::rules::Matcher;
use crate::tag::{TagSource, Tagging, WordMatch};

/// Characters of a ticket's text kept in the sample (its title is kept whole).
pub const TEXT_CHARS: usize = 600;

/// A margin under this (the second service's score over 1 - this of the first's) is low.
pub const LOW_MARGIN: f64 = 0.25;

/// Services whose tickets are rarest, that the targeted part takes tickets of.
const RARE_SERVICES: usize = 5;

/// Why a ticket is in the sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Drawn at random (the part estimates rest on).
    Random,
    /// No service was tagged.
    Untagged,
    /// The two best services scored close.
    LowMargin,
    /// Its primary service is among the rarest in the export.
    RareService,
}

impl Reason {
    /// The word written in the `reason` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Random => "random",
            Reason::Untagged => "untagged",
            Reason::LowMargin => "low-margin",
            Reason::RareService => "rare-service",
        }
    }
}

/// One ticket of the sample, with what the tagger said of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawn {
    /// Its rank (smaller: drawn first).
    pub rank: u64,
    /// Why it is in the sample.
    pub reason: Reason,
    /// The input it came from (index) and its line there.
    pub source: usize,
    /// Its line in that input.
    pub line: u64,
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its text fields but the title, joined, white space folded, cut to [`TEXT_CHARS`].
    pub text: String,
    /// The services tagged (ids, ranked; functions after their service).
    pub services: Vec<String>,
    /// The primary service, if any.
    pub primary: Option<String>,
    /// The second best service's score over the first's (0 with fewer than two services).
    pub closeness: f64,
    /// Time spent on it, in seconds, when the export says.
    pub time_s: Option<f64>,
    /// The words of the fired rules as the ticket wrote them, by service (tagged services
    /// first, in rank order), for a review page to highlight. Empty unless the sampler was
    /// made [`Sampler::with_words`].
    pub words: Vec<ServiceWords>,
}

/// The words found in a ticket by the fired rules of one service.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ServiceWords {
    /// The service's id.
    pub service: String,
    /// The words as the ticket wrote them, each once (compared without case), in order found.
    pub words: Vec<String>,
}

impl PartialOrd for Drawn {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Drawn {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.rank, self.source, self.line).cmp(&(other.rank, other.source, other.line))
    }
}
impl Eq for Drawn {}

/// The `k` items of smallest rank, in a max-heap.
#[derive(Debug)]
struct BottomK {
    k: usize,
    heap: BinaryHeap<Drawn>,
}

impl BottomK {
    fn new(k: usize) -> BottomK {
        BottomK {
            k,
            heap: BinaryHeap::new(),
        }
    }

    /// Whether an item of this rank would be kept (checked before building it).
    fn wants(&self, rank: u64) -> bool {
        self.k > 0 && (self.heap.len() < self.k || self.heap.peek().is_some_and(|m| rank < m.rank))
    }

    fn offer(&mut self, item: Drawn) {
        if !self.wants(item.rank) {
            return;
        }
        self.heap.push(item);
        if self.heap.len() > self.k {
            self.heap.pop();
        }
    }

    fn into_sorted(self) -> Vec<Drawn> {
        self.heap.into_sorted_vec()
    }
}

/// Draws the sample while the tickets stream by; [`Sampler::finish`] gives it.
#[derive(Debug)]
pub struct Sampler<'c> {
    catalog: &'c Catalog,
    seed: u64,
    /// Random part, oversized to `random + targeted` so that the targeted part can skip the
    /// tickets the random part takes.
    random: BottomK,
    random_size: usize,
    targeted_size: usize,
    untagged: BottomK,
    low_margin: BottomK,
    /// Per primary service: its tickets of smallest rank, and how many it has.
    by_primary: BTreeMap<EntryId, (BottomK, u64)>,
    seen: u64,
    /// The rules, when the drawn tickets keep the words that fired ([`Sampler::with_words`]).
    matcher: Option<&'c Matcher>,
}

/// The sample: its random part, then its targeted part, and how many tickets it was drawn from.
#[derive(Debug, Default)]
pub struct Sample {
    /// The random part, by line.
    pub random: Vec<Drawn>,
    /// The targeted part, by reason then line.
    pub targeted: Vec<Drawn>,
    /// Tickets read.
    pub population: u64,
}

impl<'c> Sampler<'c> {
    /// A sampler of `random` tickets at random and `targeted` more where labels teach most;
    /// `seed` makes the draw reproducible.
    pub fn new(catalog: &'c Catalog, seed: u64, random: usize, targeted: usize) -> Sampler<'c> {
        let per_reason = targeted.div_ceil(3);
        Sampler {
            catalog,
            seed,
            random: BottomK::new(random),
            random_size: random,
            targeted_size: targeted,
            // Each reason keeps room for the tickets the random part may take from it.
            untagged: BottomK::new(per_reason + random),
            low_margin: BottomK::new(per_reason + random),
            by_primary: BTreeMap::new(),
            seen: 0,
            matcher: None,
        }
    }

    /// Keeps, for every drawn ticket, the words of the fired rules by service (what a review
    /// page highlights). The pipeline then finds where each word is ([`Self::wants_words`]).
    pub fn with_words(mut self, matcher: &'c Matcher) -> Sampler<'c> {
        self.matcher = Some(matcher);
        self
    }

    /// Whether [`Self::add_with_words`] should be given the word hits.
    pub fn wants_words(&self) -> bool {
        self.matcher.is_some()
    }

    /// The rank of a ticket: a hash of the seed and the ticket's identity.
    fn rank(&self, ticket: &Ticket) -> u64 {
        let mut h = splitmix(self.seed ^ 0x5eed);
        for part in [ticket.source as u64, ticket.record] {
            h = splitmix(h ^ part);
        }
        for chunk in ticket.id.as_bytes().chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            h = splitmix(h ^ u64::from_le_bytes(word));
        }
        h
    }

    /// Takes one tagged ticket into account.
    pub fn add(&mut self, ticket: &Ticket, tagging: &Tagging) {
        self.add_with_words(ticket, tagging, &[]);
    }

    /// Takes one tagged ticket into account, with where the words of its fired rules were
    /// found (kept for a drawn ticket when the sampler was made [`Self::with_words`]).
    pub fn add_with_words(&mut self, ticket: &Ticket, tagging: &Tagging, matches: &[WordMatch]) {
        self.seen += 1;
        let rank = self.rank(ticket);
        let untagged = tagging.source == TagSource::None || tagging.services.is_empty();
        let closeness = match tagging.services.as_slice() {
            [first, second, ..] if first.score > 0.0 => second.score / first.score,
            _ => 0.0,
        };
        let low = closeness >= 1.0 - LOW_MARGIN;
        let primary = tagging.services.first().map(|s| s.service);
        let wanted = self.random.wants(rank)
            || (untagged && self.untagged.wants(rank))
            || (low && self.low_margin.wants(rank))
            || primary.is_some_and(|p| self.by_primary.get(&p).is_none_or(|(b, _)| b.wants(rank)));
        if let Some(p) = primary {
            let per_service = self.targeted_size.div_ceil(3) + self.random_size;
            let (_, n) = self
                .by_primary
                .entry(p)
                .or_insert_with(|| (BottomK::new(per_service), 0));
            *n += 1;
        }
        if !wanted {
            return;
        }
        let drawn = self.drawn(rank, ticket, tagging, closeness, matches);
        if untagged {
            self.untagged.offer(drawn.clone());
        }
        if low {
            self.low_margin.offer(drawn.clone());
        }
        if let Some(p) = primary {
            if let Some((b, _)) = self.by_primary.get_mut(&p) {
                b.offer(drawn.clone());
            }
        }
        self.random.offer(drawn);
    }

    fn drawn(
        &self,
        rank: u64,
        ticket: &Ticket,
        tagging: &Tagging,
        closeness: f64,
        matches: &[WordMatch],
    ) -> Drawn {
        let mut text = String::new();
        for field in ticket.texts.iter().filter(|f| !f.is_title) {
            for word in field.text.split_whitespace() {
                if text.chars().count() >= TEXT_CHARS {
                    break;
                }
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(word);
            }
        }
        if text.chars().count() > TEXT_CHARS {
            text = text.chars().take(TEXT_CHARS).collect::<String>() + "…";
        }
        let mut services = Vec::new();
        for s in &tagging.services {
            services.push(self.catalog.entry(s.service).id.clone());
            for f in &s.functions {
                services.push(self.catalog.entry(f.function).id.clone());
            }
        }
        Drawn {
            rank,
            reason: Reason::Random,
            source: ticket.source,
            line: ticket.line,
            id: ticket.id.clone(),
            title: ticket.title.clone(),
            text,
            services,
            primary: tagging
                .services
                .first()
                .map(|s| self.catalog.entry(s.service).id.clone()),
            closeness,
            time_s: ticket.time_spent,
            words: self.words(ticket, tagging, matches),
        }
    }

    /// The words of `matches` by service: the tagged services in rank order, then services
    /// whose rules fired without reaching a tag.
    fn words(
        &self,
        ticket: &Ticket,
        tagging: &Tagging,
        matches: &[WordMatch],
    ) -> Vec<ServiceWords> {
        let Some(matcher) = self.matcher else {
            return Vec::new();
        };
        let mut by_service: Vec<(EntryId, Vec<String>)> = tagging
            .services
            .iter()
            .map(|s| (s.service, Vec::new()))
            .collect();
        for m in matches {
            let service = matcher.rule(m.rule).service;
            let Some(word) = ticket
                .texts
                .get(m.field)
                .and_then(|f| f.text.get(m.start..m.end))
                .map(str::trim)
                .filter(|w| !w.is_empty())
            else {
                continue;
            };
            let slot = match by_service.iter().position(|(s, _)| *s == service) {
                Some(i) => i,
                None => {
                    by_service.push((service, Vec::new()));
                    by_service.len() - 1
                }
            };
            let words = &mut by_service[slot].1;
            if !words
                .iter()
                .any(|w| w.to_lowercase() == word.to_lowercase())
            {
                words.push(word.to_string());
            }
        }
        by_service
            .into_iter()
            .filter(|(_, words)| !words.is_empty())
            .map(|(s, words)| ServiceWords {
                service: self.catalog.entry(s).id.clone(),
                words,
            })
            .collect()
    }

    /// The sample. With `finite`, the random part is cut to the size that the same precision
    /// needs in a population of the tickets read (see [`sample_size`]).
    pub fn finish(self, precision: Option<f64>) -> Sample {
        let size = match precision {
            Some(e) => sample_size(e, Some(self.seen)).min(self.random_size),
            None => self.random_size,
        };
        let mut random = self.random.into_sorted();
        random.truncate(size);
        let taken = |d: &Drawn, taken: &[Drawn]| {
            taken
                .iter()
                .any(|t| (t.source, t.line, &t.id) == (d.source, d.line, &d.id))
        };
        // The rarest primary services, fewest tickets first (ties: catalog order).
        let mut rare: Vec<(u64, EntryId)> =
            self.by_primary.iter().map(|(s, (_, n))| (*n, *s)).collect();
        rare.sort();
        rare.truncate(RARE_SERVICES);
        let mut rare_lists: Vec<Vec<Drawn>> = rare
            .iter()
            .filter_map(|(_, s)| self.by_primary.get(s))
            .map(|(b, _)| b.heap.clone().into_sorted_vec())
            .collect();
        let mut lists: Vec<(Reason, Vec<Drawn>)> = vec![
            (Reason::Untagged, self.untagged.into_sorted()),
            (Reason::LowMargin, self.low_margin.into_sorted()),
        ];
        // The rare services' tickets interleaved: one of each service in turn.
        let mut interleaved = Vec::new();
        let longest = rare_lists.iter().map(Vec::len).max().unwrap_or(0);
        for i in 0..longest {
            for list in &mut rare_lists {
                if let Some(d) = list.get(i) {
                    interleaved.push(d.clone());
                }
            }
        }
        lists.push((Reason::RareService, interleaved));
        // Round robin over the reasons, each taking its next ticket not taken yet.
        let mut targeted: Vec<Drawn> = Vec::new();
        let mut next = vec![0usize; lists.len()];
        while targeted.len() < self.targeted_size {
            let mut progressed = false;
            for (k, (reason, list)) in lists.iter().enumerate() {
                if targeted.len() >= self.targeted_size {
                    break;
                }
                while let Some(d) = list.get(next[k]) {
                    next[k] += 1;
                    if !taken(d, &random) && !taken(d, &targeted) {
                        targeted.push(Drawn {
                            reason: *reason,
                            ..d.clone()
                        });
                        progressed = true;
                        break;
                    }
                }
            }
            if !progressed {
                break;
            }
        }
        random.sort_by_key(|d| (d.source, d.line));
        targeted.sort_by_key(|d| (d.reason, d.source, d.line));
        Sample {
            random,
            targeted,
            population: self.seen,
        }
    }
}

/// The columns of a labels file, as `review` writes it and its HTML page saves it.
pub const COLUMNS: [&str; 13] = [
    "id",
    "part",
    "reason",
    "input",
    "line",
    "time_spent_s",
    "title",
    "text",
    "predicted_services",
    "predicted_primary",
    "services",
    "primary",
    "note",
];

impl Sample {
    /// The drawn tickets in file order: the random part, then the targeted part.
    pub fn rows(&self) -> impl Iterator<Item = (&'static str, &Drawn)> {
        (self.random.iter().map(|d| ("random", d)))
            .chain(self.targeted.iter().map(|d| ("targeted", d)))
    }

    /// Writes the sample as a labels CSV ([`COLUMNS`]), with empty `services`, `primary` and
    /// `note` for the reviewer. `inputs` names the inputs by index; unless `raw`, a text cell
    /// a spreadsheet would run as a formula gets a leading `'`.
    pub fn write_csv(
        &self,
        out: &mut dyn std::io::Write,
        inputs: &[String],
        raw: bool,
    ) -> std::io::Result<()> {
        let cell = |s: &str| -> String {
            match raw {
                true => s.to_string(),
                false => crate::output::neutralize_formula(s).into_owned(),
            }
        };
        let mut w = csv::Writer::from_writer(out);
        w.write_record(COLUMNS)?;
        for (part, d) in self.rows() {
            w.write_record([
                cell(&d.id),
                part.to_string(),
                d.reason.as_str().to_string(),
                cell(inputs.get(d.source).map_or("", String::as_str)),
                d.line.to_string(),
                d.time_s.map_or_else(String::new, |t| t.to_string()),
                cell(&d.title),
                cell(&d.text),
                d.services.join(";"),
                d.primary.clone().unwrap_or_default(),
                String::new(),
                String::new(),
                String::new(),
            ])?;
        }
        w.flush()
    }
}

/// Tickets to review at random so that a proportion estimated from them (a service's share,
/// the tagger's precision) is within `margin` of the truth 95 times in 100: the normal
/// approximation at the worst case p = 0.5, n0 = 1.96² / (4 margin²), with the finite
/// population correction n0 / (1 + (n0 - 1) / N) when the population `N` is known.
pub fn sample_size(margin: f64, population: Option<u64>) -> usize {
    let margin = margin.clamp(1e-4, 0.5);
    let n0 = (1.96f64 * 1.96 / (4.0 * margin * margin)).ceil();
    let n = match population {
        Some(n) if n > 0 => (n0 / (1.0 + (n0 - 1.0) / n as f64)).ceil(),
        _ => n0,
    };
    n as usize
}

/// The reviewed tickets of the random part of a labels file written by `review`: per row
/// with `part` = `random` whose `services` or `primary` is filled in, the services as tagged
/// (`predicted_services`) and as labelled, each ranked primary first, as service ids (a
/// function counts as its service; `none` is no service). Returns them with the number of
/// random rows not labelled yet.
///
/// Fails when the file is not a labels file of `review` or names an id the catalog lacks.
pub fn read_reviewed(
    text: &str,
    origin: &std::path::Path,
    catalog: &Catalog,
) -> crate::Result<(Vec<crate::stats::calibrate::Reviewed>, usize)> {
    use crate::error::{Error, Location};
    let hint = "give the labels CSV that `csirt-tagger review` wrote, with `services` and \
                `primary` filled in";
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| {
            Error::invalid(
                Location::new(origin, 1),
                format!("not a CSV file: {e}"),
                hint,
            )
        })?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(part), Some(predicted), Some(services)) = (
        column("part"),
        column("predicted_services"),
        column("services"),
    ) else {
        return Err(Error::invalid(
            Location::new(origin, 1),
            "not a labels file of `review`: it needs the columns part, predicted_services and services",
            hint,
        ));
    };
    let (predicted_primary, primary) = (column("predicted_primary"), column("primary"));
    let time = column("time_spent_s");
    // Service ids of a `;` list, primary first, functions folded into their services.
    let ranked = |list: &str, first: &str, line: u64| -> crate::Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for key in std::iter::once(first).chain(list.split(';')) {
            let key = key.trim();
            if key.is_empty() || key.eq_ignore_ascii_case("none") {
                continue;
            }
            let mut id = catalog
                .resolve(key)
                .map_err(|e| Error::invalid(Location::new(origin, line), e, hint))?;
            while let Some(parent) = catalog
                .entry(id)
                .parent
                .filter(|_| catalog.entry(id).kind == crate::catalog::Kind::Function)
            {
                id = parent;
            }
            let id = catalog.entry(id).id.clone();
            if !out.contains(&id) {
                out.push(id);
            }
        }
        Ok(out)
    };
    let (mut reviewed, mut pending) = (Vec::new(), 0);
    for record in reader.records() {
        let record = record.map_err(|e| {
            Error::invalid(
                Location::new(origin, 1),
                format!("not a CSV file: {e}"),
                hint,
            )
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.get(part).map(str::trim) != Some("random") {
            continue;
        }
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("");
        let (labelled, first) = (get(Some(services)), get(primary));
        if labelled.trim().is_empty() && first.trim().is_empty() {
            pending += 1;
            continue;
        }
        let time_s = get(time).trim();
        reviewed.push(crate::stats::calibrate::Reviewed {
            tagged: ranked(get(Some(predicted)), get(predicted_primary), line)?,
            labelled: ranked(labelled, first, line)?,
            time_s: if time_s.is_empty() {
                None
            } else {
                Some(time_s.parse::<f64>().map_err(|_| {
                    Error::invalid(
                        Location::new(origin, line),
                        format!("time_spent_s `{time_s}` is not a number of seconds"),
                        hint,
                    )
                })?)
            },
        });
    }
    Ok((reviewed, pending))
}

/// SplitMix64: one step of a good 64-bit mix, fixed for ever (sample draws must not change
/// with the Rust version, as `DefaultHasher` may).
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tag::ServiceTag;

    fn ticket(i: u64) -> Ticket {
        let mut t = Ticket::from_text(Some(&format!("title {i}")), &format!("text of {i}"));
        t.id = format!("T-{i}");
        t.record = i;
        t.line = i + 1;
        t
    }

    fn tagging(catalog: &Catalog, services: &[(&str, f64)]) -> Tagging {
        let services: Vec<ServiceTag> = services
            .iter()
            .map(|(id, score)| ServiceTag {
                service: catalog.resolve(id).unwrap(),
                score: *score,
                functions: Vec::new(),
            })
            .collect();
        Tagging {
            source: if services.is_empty() {
                TagSource::None
            } else {
                TagSource::Rule
            },
            services,
            ..Tagging::default()
        }
    }

    /// 1,000 tickets: every 10th untagged, every 7th close between two services, 3 of 8.2.
    fn draw(seed: u64, random: usize, targeted: usize, order: &[u64]) -> Sample {
        let catalog = Catalog::default_embedded();
        let mut s = Sampler::new(&catalog, seed, random, targeted);
        for &i in order {
            let tags = if i % 10 == 0 {
                tagging(&catalog, &[])
            } else if i % 7 == 0 {
                tagging(&catalog, &[("6.2", 2.0), ("6.4", 1.8)])
            } else if i < 3 {
                tagging(&catalog, &[("8.2", 3.0)])
            } else {
                tagging(&catalog, &[("6.2", 3.0)])
            };
            s.add(&ticket(i), &tags);
        }
        s.finish(None)
    }

    #[test]
    fn the_random_part_is_reproducible_whatever_the_order_and_changes_with_the_seed() {
        let order: Vec<u64> = (0..1000).collect();
        let reversed: Vec<u64> = order.iter().rev().copied().collect();
        let a = draw(1, 50, 30, &order);
        let b = draw(1, 50, 30, &reversed);
        assert_eq!(a.random.len(), 50);
        assert_eq!(a.population, 1000);
        assert_eq!(a.random, b.random);
        assert_eq!(a.targeted, b.targeted);
        let c = draw(2, 50, 30, &order);
        assert_ne!(a.random, c.random);
        // About a tenth of a random sample is untagged, as in the export (not all of them).
        let untagged = a.random.iter().filter(|d| d.services.is_empty()).count();
        assert!((1..=15).contains(&untagged), "{untagged}");
    }

    #[test]
    fn the_targeted_part_takes_each_reason_in_turn_and_never_a_random_ticket() {
        let order: Vec<u64> = (0..1000).collect();
        let s = draw(7, 50, 30, &order);
        assert_eq!(s.targeted.len(), 30);
        let count = |r| s.targeted.iter().filter(|d| d.reason == r).count();
        assert_eq!(count(Reason::Untagged), 10);
        assert_eq!(count(Reason::LowMargin), 10);
        // The rarest services: 8.2 (3 tickets) first, then 6.4 and 6.2 as primaries.
        assert!(s
            .targeted
            .iter()
            .any(|d| d.primary.as_deref() == Some("8.2")));
        for d in &s.targeted {
            assert!(!s.random.iter().any(|r| r.id == d.id), "{} twice", d.id);
            match d.reason {
                Reason::Untagged => assert!(d.services.is_empty()),
                Reason::LowMargin => assert!(d.closeness >= 0.75),
                _ => {}
            }
        }
    }

    #[test]
    fn sample_sizes_follow_the_wanted_precision() {
        assert_eq!(sample_size(0.05, None), 385);
        assert_eq!(sample_size(0.1, None), 97);
        // A small export needs fewer: 385 of 1,000 tickets is 278.
        assert_eq!(sample_size(0.05, Some(1000)), 279);
        assert_eq!(sample_size(0.05, Some(10)), 10);
        let order: Vec<u64> = (0..1000).collect();
        let catalog = Catalog::default_embedded();
        let mut s = Sampler::new(&catalog, 1, sample_size(0.05, None), 0);
        for &i in &order {
            s.add(&ticket(i), &tagging(&catalog, &[("6.2", 1.0)]));
        }
        assert_eq!(s.finish(Some(0.05)).random.len(), 279);
    }

    /// The loop a team runs, on the blind part of the development set (315 tickets written
    /// by people who never saw the rules): `review` draws a random fifth, the reviewers label
    /// it (the gold labels), `report --calibrate` estimates each service's count. Over 200
    /// draws, the 95 % intervals must hold the true counts of the whole at least 90 % of the
    /// time (issue 19).
    #[test]
    fn calibrated_intervals_hold_the_true_counts_of_the_blind_part_in_nine_draws_of_ten() {
        use crate::evaluate::Gold;
        use crate::import::{ImportOptions, Reader};
        use crate::rules::RuleSetBuilder;
        use crate::stats::calibrate::{estimate_tickets, estimate_time, Reviewed};
        use crate::stats::Attribution;
        use crate::Diagnostics;

        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/labelled/many-hands/blind");
        let catalog = Catalog::default_embedded();
        let mut diags = Diagnostics::default();
        let mut rules = RuleSetBuilder::new(&catalog);
        rules.add_defaults(&mut diags);
        let tagger = crate::tag::Tagger::new(catalog.clone(), rules.build().unwrap()).unwrap();
        let gold_path = root.join("gold.csv");
        let text = std::fs::read_to_string(&gold_path).unwrap();
        let gold = Gold::from_csv(&text, &gold_path, &catalog, &mut diags).unwrap();
        let id_of = |e: EntryId| catalog.entry(e).id.clone();
        let mut tickets = Vec::new();
        for (source, name) in [
            "jira.csv",
            "servicenow.csv",
            "otrs.csv",
            "thehive.csv",
            "glpi.csv",
            "rt.tsv",
        ]
        .iter()
        .enumerate()
        {
            let mut reader =
                Reader::open(&root.join(name), source, &ImportOptions::default()).unwrap();
            let (read, _) = reader.read_to_end(&mut Diagnostics::new(false)).unwrap();
            tickets.extend(read);
        }
        // Per ticket: its tagging, and what tags and labels say, as ranked service ids.
        let mut population = Vec::new();
        for t in &tickets {
            let Some(label) = gold.get(&t.id) else {
                continue;
            };
            let tagging = tagger.tag(t);
            let tagged: Vec<String> = tagging.services.iter().map(|s| id_of(s.service)).collect();
            let mut labelled: Vec<String> = label.primary.into_iter().map(id_of).collect();
            for s in label.services.iter().map(|&s| id_of(s)) {
                if !labelled.contains(&s) {
                    labelled.push(s);
                }
            }
            let time_s = t.time_spent;
            population.push((
                t,
                tagging,
                Reviewed {
                    tagged,
                    labelled,
                    time_s,
                },
            ));
        }
        assert!(population.len() >= 300, "{} tickets", population.len());
        let n = population.len();
        let fifth = n / 5;
        let attribution = Attribution::Split;
        let totals = |labels: bool, time: bool| {
            let mut t: BTreeMap<String, f64> = BTreeMap::new();
            for (_, _, r) in &population {
                let list = if labels { &r.labelled } else { &r.tagged };
                let w = if time { r.time_s.unwrap_or(0.0) } else { 1.0 };
                for s in list {
                    *t.entry(s.clone()).or_default() += w / list.len() as f64;
                }
            }
            t
        };
        let (tagged, truth) = (totals(false, false), totals(true, false));
        let (tagged_time, true_time) = (totals(false, true), totals(true, true));
        assert!(population.iter().filter(|p| p.2.time_s.is_some()).count() > 100);
        let (mut held, mut tried) = (0u32, 0u32);
        let (mut time_held, mut time_tried) = (0u32, 0u32);
        for seed in 0..200 {
            let mut sampler = Sampler::new(&catalog, seed, fifth, 0);
            for (t, tagging, _) in &population {
                sampler.add(t, tagging);
            }
            let drawn = sampler.finish(None).random;
            assert_eq!(drawn.len(), fifth);
            let sample: Vec<Reviewed> = drawn
                .iter()
                .map(|d| {
                    let (_, _, r) = population
                        .iter()
                        .find(|(t, _, _)| t.id == d.id && t.source == d.source)
                        .unwrap();
                    r.clone()
                })
                .collect();
            let est = estimate_tickets(attribution, n as u64, &tagged, &sample);
            for (service, count) in &truth {
                if let Some(i) = est.get(service) {
                    held += u32::from(i.contains(*count));
                    tried += 1;
                }
            }
            let est = estimate_time(attribution, n as u64, &tagged_time, &sample);
            for (service, seconds) in &true_time {
                if let Some(i) = est.get(service) {
                    time_held += u32::from(i.contains(*seconds));
                    time_tried += 1;
                }
            }
        }
        let coverage = f64::from(held) / f64::from(tried);
        assert!(coverage >= 0.9, "{held} of {tried}: {coverage}");
        let coverage = f64::from(time_held) / f64::from(time_tried);
        assert!(
            coverage >= 0.9,
            "time: {time_held} of {time_tried}: {coverage}"
        );
    }
}
