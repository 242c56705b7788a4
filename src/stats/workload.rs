//! The workload: every row's [`Tally`], recorded ticket by ticket and merged run by run.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{NaiveDateTime, Timelike};

use super::by::ByValue;
use super::counts::{Counts, Quality};
use super::tally::{Measures, Share, Tally};
use super::{Attribution, TicketFacts, WorkloadOptions};
use crate::catalog::{Catalog, Kind};
use crate::error::{Error, Result};
use crate::import::Status;

/// How many untagged tickets are kept as examples (id and title): those of smallest rank
/// (see `Sample::rank`), the same whatever the order of the tickets.
pub const UNTAGGED_SAMPLES: usize = 10;

/// The longest title kept for an untagged example, in characters.
const SAMPLE_TITLE_CHARS: usize = 120;

/// An untagged ticket kept as an example.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sample {
    /// Its id.
    pub id: String,
    /// Its title, cut to 120 characters.
    pub title: String,
}

impl Sample {
    /// Where the sample ranks: a hash of its id and title (64-bit FNV-1a, fixed for ever).
    /// The samples kept are the untagged tickets of smallest rank, so that they are the same
    /// whatever the order the tickets came in and however the export was split and merged.
    fn rank(&self) -> (u64, &str, &str) {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in self
            .id
            .as_bytes()
            .iter()
            .chain(&[0xff])
            .chain(self.title.as_bytes())
        {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        (h, &self.id, &self.title)
    }
}

/// Adds `sample` to `samples` (kept sorted by rank), keeping the [`UNTAGGED_SAMPLES`] of
/// smallest rank.
fn keep_sample(samples: &mut Vec<Sample>, sample: Sample) {
    if samples.len() >= UNTAGGED_SAMPLES
        && samples
            .last()
            .is_some_and(|last| sample.rank() >= last.rank())
    {
        return;
    }
    let at = samples.partition_point(|s| s.rank() <= sample.rank());
    samples.insert(at, sample);
    samples.truncate(UNTAGGED_SAMPLES);
}

/// Service and function id -> area id, and function id -> service id, from the catalog. Not
/// serialized (the catalog fingerprint pins it) and not compared (two workloads of one catalog
/// have the same).
#[derive(Clone, Default)]
struct ParentMap(Arc<Parents>);

#[derive(Default)]
struct Parents {
    area_of: HashMap<String, String>,
    service_of: HashMap<String, String>,
}

impl PartialEq for ParentMap {
    fn eq(&self, _: &ParentMap) -> bool {
        true
    }
}

impl std::fmt::Debug for ParentMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ParentMap({} ids)", self.0.area_of.len())
    }
}

/// Workload per service, area and function, plus the untagged tickets and the whole.
///
/// Recorded with [`record`](Workload::record), combined with [`merge`](Workload::merge) (the
/// one merge: chunks of one run and partial reports of many runs alike), serialized inside
/// the report JSON (see `report::json` for the schema). Rows are keyed by official ids.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Workload {
    /// Fingerprint of the catalog the ids belong to (`sha256:...`).
    pub catalog: String,
    /// The options the tickets were counted with.
    pub options: WorkloadOptions,
    /// Tickets seen and left out.
    pub counts: Counts,
    /// Gaps in the data.
    pub quality: Quality,
    /// Earliest created or resolved timestamp of the counted tickets.
    pub first_seen: Option<NaiveDateTime>,
    /// Latest created or resolved timestamp of the counted tickets.
    pub last_seen: Option<NaiveDateTime>,
    /// Every counted ticket, each wholly.
    pub total: Tally,
    /// Tickets without any service.
    pub untagged: Tally,
    /// The first untagged tickets, as examples.
    pub untagged_samples: Vec<Sample>,
    /// Per service id.
    pub services: BTreeMap<String, Tally>,
    /// Per area id, rolled up from the services of each ticket.
    pub areas: BTreeMap<String, Tally>,
    /// Per function id, for rules that tag functions.
    pub functions: BTreeMap<String, Tally>,
    /// Per value of the `--by` column (empty without `--by`).
    pub by: BTreeMap<String, ByValue>,
    #[serde(skip)]
    parents: ParentMap,
}

impl Workload {
    /// An empty workload for `catalog`, counting with `options`.
    pub fn new(options: WorkloadOptions, catalog: &Catalog) -> Workload {
        let area_of = catalog
            .ids()
            .filter(|&id| catalog.entry(id).kind != Kind::Area)
            .map(|id| {
                (
                    catalog.entry(id).id.clone(),
                    catalog.entry(catalog.area_of(id)).id.clone(),
                )
            })
            .collect();
        let service_of = catalog
            .of_kind(Kind::Function)
            .filter_map(|id| {
                let service = catalog.service_of(id)?;
                Some((
                    catalog.entry(id).id.clone(),
                    catalog.entry(service).id.clone(),
                ))
            })
            .collect();
        Workload {
            catalog: catalog.fingerprint().to_string(),
            options,
            counts: Counts::default(),
            quality: Quality::default(),
            first_seen: None,
            last_seen: None,
            total: Tally::default(),
            untagged: Tally::default(),
            untagged_samples: Vec::new(),
            services: BTreeMap::new(),
            areas: BTreeMap::new(),
            functions: BTreeMap::new(),
            by: BTreeMap::new(),
            parents: ParentMap(Arc::new(Parents {
                area_of,
                service_of,
            })),
        }
    }

    /// The end of the period: the end of the `--until` day, else the latest timestamp seen.
    pub fn end(&self) -> Option<NaiveDateTime> {
        self.options.until_end().or(self.last_seen)
    }

    /// Counts one ticket, unless a filter leaves it out; returns whether it was counted.
    pub fn record(&mut self, facts: &TicketFacts) -> bool {
        self.counts.seen += 1;
        if !self.passes_filters(facts) {
            return false;
        }
        self.counts.included += 1;
        let m = self.measure(facts);
        for t in [facts.created, facts.resolved].into_iter().flatten() {
            self.first_seen = Some(self.first_seen.map_or(t, |f| f.min(t)));
            self.last_seen = Some(self.last_seen.map_or(t, |l| l.max(t)));
        }

        self.total.primary += 1;
        self.total.exercised += 1;
        self.total.add(&m, Share::WHOLE);
        let by_value = self
            .options
            .by
            .as_ref()
            .map(|_| facts.by_value.unwrap_or("(none)"));
        if let Some(value) = by_value {
            slot(&mut self.by, value).total.add(&m, Share::WHOLE);
        }

        // A local handle, so ids borrowed from it can key rows while `self` changes.
        let parents = Arc::clone(&self.parents.0);
        let area_of = &parents.area_of;
        let mut services = dedup(facts.services);
        let functions = dedup(facts.functions);
        // A function implies its service (as `evaluate` scores it), so a function never counts
        // where its service does not.
        for f in &functions {
            if let Some(service) = parents.service_of.get(*f) {
                if !services.contains(&service.as_str()) {
                    services.push(service.as_str());
                }
            }
        }
        let unknown = services
            .iter()
            .chain(&functions)
            .any(|id| !area_of.contains_key(*id));
        if unknown && !area_of.is_empty() {
            self.quality.not_in_catalog += 1;
        }
        if services.is_empty() {
            self.untagged.primary += 1;
            self.untagged.exercised += 1;
            self.untagged.add(&m, Share::WHOLE);
            if let Some(value) = by_value {
                slot(&mut self.by, value).untagged.add(&m, Share::WHOLE);
            }
            let title = facts.title.chars().take(SAMPLE_TITLE_CHARS).collect();
            let sample = Sample {
                id: facts.id.to_string(),
                title,
            };
            keep_sample(&mut self.untagged_samples, sample);
        }
        let attribution = self.options.attribution;
        let mut by_cells: Vec<(bool, &str, Share)> = Vec::new(); // (is an area, id, share)
        for (rank, share) in shares(attribution, &services) {
            let tally = slot(&mut self.services, services[rank]);
            tally.exercised += 1;
            tally.primary += u64::from(rank == 0);
            if let Some(share) = share {
                tally.add(&m, share);
                by_cells.push((false, services[rank], share));
            }
        }
        // Areas: each area once per ticket, with the share of its services in the ticket.
        let mut areas: Vec<(&str, u64, bool)> = Vec::new(); // (area, services in it, holds primary)
        for (rank, id) in services.iter().enumerate() {
            let Some(area) = area_of.get(*id) else {
                continue;
            };
            match areas.iter_mut().find(|(a, _, _)| *a == area.as_str()) {
                Some(entry) => entry.1 += 1,
                None => areas.push((area.as_str(), 1, rank == 0)),
            }
        }
        let k = services.len() as u32;
        for (area, n, primary) in areas {
            let share = match attribution {
                Attribution::Primary => primary.then_some(Share::WHOLE),
                Attribution::Split => Some(Share {
                    numerator: n,
                    divisor: k,
                }),
                Attribution::All => Some(Share::WHOLE),
            };
            let tally = slot(&mut self.areas, area);
            tally.exercised += 1;
            tally.primary += u64::from(primary);
            if let Some(share) = share {
                tally.add(&m, share);
                by_cells.push((true, area, share));
            }
        }
        if let Some(value) = by_value {
            let cells = slot(&mut self.by, value);
            for (is_area, id, share) in by_cells {
                let map = if is_area {
                    &mut cells.areas
                } else {
                    &mut cells.services
                };
                slot(map, id).add(&m, share);
            }
        }
        // Functions: each takes its part of its service's share, split evenly among the
        // ticket's functions of that service (under `primary`, the first function of the
        // primary service takes it whole), so a function never counts more than its service.
        let service_shares: Vec<(&str, Option<Share>)> = shares(attribution, &services)
            .map(|(rank, share)| (services[rank], share))
            .collect();
        let mut first_of_primary = true;
        for &f in &functions {
            let service = parents.service_of.get(f).map(String::as_str);
            let siblings = functions
                .iter()
                .filter(|g| parents.service_of.get(**g).map(String::as_str) == service)
                .count() as u32;
            let is_primary = service.is_some() && service == services.first().copied();
            let primary = is_primary && first_of_primary;
            first_of_primary &= !is_primary;
            let share = match (attribution, service) {
                (Attribution::Primary, _) => primary.then_some(Share::WHOLE),
                (_, None) => None,
                (Attribution::All, Some(_)) => Some(Share::WHOLE),
                (Attribution::Split, Some(s)) => service_shares
                    .iter()
                    .find(|(id, _)| *id == s)
                    .and_then(|(_, share)| *share)
                    .map(|share| Share {
                        numerator: share.numerator,
                        divisor: share.divisor * siblings.max(1),
                    }),
            };
            let tally = slot(&mut self.functions, f);
            tally.exercised += 1;
            tally.primary += u64::from(primary);
            if let Some(share) = share {
                tally.add(&m, share);
            }
        }
        true
    }

    fn passes_filters(&mut self, facts: &TicketFacts) -> bool {
        let o = &self.options;
        if o.since.is_some() || o.until.is_some() {
            let Some(created) = facts.created else {
                self.counts.undated += 1;
                return false;
            };
            let day = created.date();
            if o.since.is_some_and(|s| day < s) || o.until.is_some_and(|u| day > u) {
                self.counts.outside_dates += 1;
                return false;
            }
        }
        if !o.queues.is_empty() {
            let queue = facts
                .queue
                .map(|q| q.trim().to_lowercase())
                .unwrap_or_default();
            if !o.queues.iter().any(|q| q.trim().to_lowercase() == queue) {
                self.counts.other_queue += 1;
                return false;
            }
        }
        if !o.statuses.is_empty() && !o.statuses.contains(&facts.status) {
            self.counts.other_status += 1;
            return false;
        }
        true
    }

    /// Works out what every row needs of the ticket, and notes gaps in the data.
    fn measure(&mut self, facts: &TicketFacts) -> Measures {
        let q = &mut self.quality;
        let time_ms = match facts.time_spent {
            Some(s) if s.is_finite() && s >= 0.0 => Some((s * 1000.0).round() as u64),
            Some(_) => {
                q.bad_time_spent += 1;
                None
            }
            None => None,
        };
        let open_at_end = match (facts.resolved, self.options.until_end()) {
            (Some(resolved), Some(end)) => resolved > end,
            (Some(_), None) => facts.status == Status::Open,
            (None, _) => facts.status == Status::Open,
        };
        if facts.created.is_none() {
            q.no_created += 1;
        }
        if facts.resolved.is_none() {
            match facts.status {
                Status::Closed => q.closed_without_resolved += 1,
                Status::Unknown => q.status_unknown += 1,
                Status::Open => {}
            }
        }
        let resolve_secs = match (facts.created, facts.resolved) {
            (Some(c), Some(r)) if r < c => {
                q.resolved_before_created += 1;
                None
            }
            (Some(c), Some(r)) if !open_at_end => Some((r - c).num_seconds() as u64),
            _ => None,
        };
        let created_hour = facts.created.map(|c| {
            c.date()
                .and_hms_opt(c.hour(), 0, 0)
                .expect("an hour of a real time is valid")
        });
        let period = facts
            .created
            .map(|c| self.options.period.start_of(c.date()));
        Measures {
            time_ms,
            resolve_secs,
            open_at_end,
            created_hour,
            period,
        }
    }

    /// Adds `other` into `self`: the result is what one run over both inputs records.
    ///
    /// Refuses (leaving `self` unchanged) a workload of another catalog or made with other
    /// options; the message says what differs, and the caller adds which file it came from.
    pub fn merge(&mut self, other: Workload) -> Result<()> {
        if self.catalog != other.catalog {
            return Err(Error::Usage(format!(
                "it was made with another catalog ({} vs {})",
                other.catalog, self.catalog
            )));
        }
        let diffs = other.options.differences(&self.options);
        if !diffs.is_empty() {
            return Err(Error::Usage(format!(
                "it was made with other options: {}",
                diffs.join("; ")
            )));
        }
        self.counts.merge(&other.counts);
        self.quality.merge(&other.quality);
        self.first_seen = [self.first_seen, other.first_seen]
            .into_iter()
            .flatten()
            .min();
        self.last_seen = [self.last_seen, other.last_seen]
            .into_iter()
            .flatten()
            .max();
        self.total.merge(&other.total);
        self.untagged.merge(&other.untagged);
        for sample in other.untagged_samples {
            keep_sample(&mut self.untagged_samples, sample);
        }
        for (mine, theirs) in [
            (&mut self.services, other.services),
            (&mut self.areas, other.areas),
            (&mut self.functions, other.functions),
        ] {
            for (id, tally) in theirs {
                mine.entry(id).or_default().merge(&tally);
            }
        }
        for (value, theirs) in other.by {
            self.by.entry(value).or_default().merge(theirs);
        }
        if self.parents.0.area_of.is_empty() {
            self.parents = other.parents;
        }
        Ok(())
    }
}

/// The row of `key`, created when missing; allocates the key only then (once per id, not per
/// ticket).
fn slot<'m, V: Default>(map: &'m mut BTreeMap<String, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_string(), V::default());
    }
    map.get_mut(key).expect("inserted above")
}

/// The ids without repeats, in their order.
fn dedup<'a>(ids: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::with_capacity(ids.len());
    for &id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// `(rank, share)` for each of `ids`: the share is `None` when the attribution gives it
/// nothing (a secondary service under `primary`).
fn shares(attribution: Attribution, ids: &[&str]) -> impl Iterator<Item = (usize, Option<Share>)> {
    let k = ids.len() as u32;
    (0..ids.len()).map(move |rank| {
        let share = match attribution {
            Attribution::Primary => (rank == 0).then_some(Share::WHOLE),
            Attribution::Split => Some(Share {
                numerator: 1,
                divisor: k,
            }),
            Attribution::All => Some(Share::WHOLE),
        };
        (rank, share)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{Period, Shares};
    use chrono::NaiveDate;
    use proptest::prelude::*;

    /// Owned facts, so tests can build tickets freely.
    #[derive(Clone, Debug)]
    struct T {
        id: &'static str,
        title: &'static str,
        created: Option<&'static str>,
        resolved: Option<&'static str>,
        status: Status,
        hours: Option<f64>,
        queue: Option<&'static str>,
        services: Vec<&'static str>,
        functions: Vec<&'static str>,
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test timestamps are valid")
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("test dates are valid")
    }

    fn record(work: &mut Workload, t: &T) -> bool {
        work.record(&TicketFacts {
            id: t.id,
            title: t.title,
            created: t.created.map(at),
            resolved: t.resolved.map(at),
            status: t.status,
            time_spent: t.hours.map(|h| h * 3600.0),
            queue: t.queue,
            by_value: t.queue,
            services: &t.services,
            functions: &t.functions,
        })
    }

    /// Six tickets whose figures are worked out by hand in the tests below.
    fn six() -> Vec<T> {
        use Status::*;
        let t = |id, created, resolved, status, hours, queue, services: &[&'static str]| T {
            id,
            title: "",
            created,
            resolved,
            status,
            hours,
            queue,
            services: services.to_vec(),
            functions: vec![],
        };
        let mut v = vec![
            // 4 h to resolve, 2 h spent, artifact analysis first, incident analysis second.
            t(
                "SEC-1",
                Some("2024-01-10 09:00"),
                Some("2024-01-10 13:00"),
                Closed,
                Some(2.0),
                Some("CSIRT"),
                &["6.3", "6.2"],
            ),
            t(
                "SEC-2",
                Some("2024-01-20 10:00"),
                Some("2024-01-22 10:00"),
                Closed,
                Some(3.0),
                Some("CSIRT"),
                &["6.2"],
            ),
            // Still open: the backlog; three services in two areas.
            t(
                "SEC-3",
                Some("2024-02-05 08:00"),
                None,
                Open,
                Some(1.0),
                Some("SOC"),
                &["5.2", "6.2", "6.3"],
            ),
            t(
                "SEC-4",
                Some("2024-02-15 12:00"),
                Some("2024-02-16 12:00"),
                Closed,
                None,
                Some("SOC"),
                &[],
            ),
            // No creation date: counted, but in no trend and with no time to resolve.
            t(
                "SEC-5",
                None,
                None,
                Closed,
                Some(0.5),
                Some("csirt"),
                &["6.2"],
            ),
            // Unknown status, no resolved date: neither resolved nor backlog.
            t(
                "SEC-6",
                Some("2024-02-20 09:30"),
                None,
                Unknown,
                None,
                None,
                &[],
            ),
        ];
        v[0].functions = vec!["6.3.2"];
        v[3].title = "<img src=x onerror=alert(1)>";
        v
    }

    fn workload(options: WorkloadOptions, tickets: &[T]) -> Workload {
        // Parsed once: the property test below makes hundreds of workloads.
        static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
        let mut work = Workload::new(options, CATALOG.get_or_init(Catalog::default_embedded));
        tickets.iter().for_each(|t| {
            record(&mut work, t);
        });
        work
    }

    fn f_of(w: &Workload, id: &str) -> f64 {
        w.functions.get(id).map_or(0.0, |t| t.tickets.value())
    }

    fn with(attribution: Attribution) -> WorkloadOptions {
        WorkloadOptions {
            attribution,
            by: Some("queue".into()),
            ..WorkloadOptions::default()
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn split_attribution_divides_tickets_and_time_evenly_and_adds_up_to_the_whole() {
        let w = workload(with(Attribution::Split), &six());
        let s = &w.services["6.2"];
        assert_eq!((s.primary, s.exercised), (2, 4));
        assert!(close(s.tickets.value(), 1.0 / 2.0 + 1.0 + 1.0 / 3.0 + 1.0));
        // 2 h / 2 + 3 h + 1 h / 3 + 0.5 h = 17,400 s
        assert!(close(s.time_ms.value(), 17_400_000.0));
        assert_eq!(s.time_spent.quantile(0.5), Some(3_600)); // whole tickets: 0.5, 1, 2, 3 h
        assert_eq!(s.time_spent.quantile(0.9), Some(10_800));
        assert_eq!(s.to_resolve.quantile(0.5), Some(4 * 3_600)); // SEC-1 4 h, SEC-2 48 h
        assert_eq!(s.to_resolve.quantile(0.9), Some(48 * 3_600));
        assert!(close(s.backlog.value(), 1.0 / 3.0));
        let jan = Period::Month.start_of(day("2024-01-01"));
        assert!(close(s.periods[&jan].value(), 1.5));
        let services: f64 = w.services.values().map(|t| t.tickets.value()).sum();
        assert!(close(services + w.untagged.tickets.value(), 6.0));
        let areas: f64 = w.areas.values().map(|t| t.tickets.value()).sum();
        assert!(close(areas, 4.0));
        assert!(close(
            w.areas["6"].tickets.value(),
            1.0 + 1.0 + 2.0 / 3.0 + 1.0
        ));
        assert_eq!((w.areas["6"].primary, w.areas["6"].exercised), (3, 4));
        assert!(close(w.areas["5"].tickets.value(), 1.0 / 3.0));
        // SEC-1 gives half of itself to 6.3, so its function 6.3.2 gets that half, no more.
        assert_eq!(w.functions["6.3.2"].tickets.value(), 0.5);
        assert!(close(
            w.services["6.3"].tickets.value(),
            1.0 / 2.0 + 1.0 / 3.0
        ));
        assert!(close(s.resolved.value(), 1.0 / 2.0 + 1.0));
    }

    #[test]
    fn functions_share_their_service_part_and_imply_their_service() {
        let mut t = six()[0].clone(); // 6.3 then 6.2, 2 h
        t.functions = vec!["6.3.2", "6.3.1", "6.2.1"];
        let w = workload(with(Attribution::Split), std::slice::from_ref(&t));
        let f = |id: &str| w.functions[id].tickets.value();
        assert_eq!((f("6.3.2"), f("6.3.1"), f("6.2.1")), (0.25, 0.25, 0.5));
        assert_eq!(w.functions["6.3.2"].time_ms.value(), 1_800_000.0);
        let w = workload(with(Attribution::Primary), std::slice::from_ref(&t));
        assert_eq!(
            (f_of(&w, "6.3.2"), f_of(&w, "6.3.1"), f_of(&w, "6.2.1")),
            (1.0, 0.0, 0.0)
        );
        assert_eq!(w.functions["6.3.2"].primary, 1);
        // A function whose service is missing brings its service along.
        t.services = vec!["6.2"];
        t.functions = vec!["6.4.2"];
        let w = workload(with(Attribution::Split), std::slice::from_ref(&t));
        assert_eq!(w.services["6.4"].tickets.value(), 0.5);
        assert_eq!(w.functions["6.4.2"].tickets.value(), 0.5);
    }

    #[test]
    fn primary_attribution_counts_only_the_first_service() {
        let w = workload(with(Attribution::Primary), &six());
        let s = &w.services["6.2"];
        assert_eq!((s.primary, s.exercised, s.tickets.value()), (2, 4, 2.0));
        assert_eq!(s.time_ms.value(), 12_600_000.0); // SEC-2 3 h + SEC-5 0.5 h
        assert_eq!(s.time_spent.quantile(0.5), Some(1_800));
        assert_eq!(s.to_resolve.quantile(0.5), Some(48 * 3_600));
        assert!(s.backlog.is_zero());
        assert_eq!(w.services["5.2"].backlog.value(), 1.0);
        assert_eq!(
            (w.areas["6"].tickets.value(), w.areas["5"].tickets.value()),
            (3.0, 1.0)
        );
    }

    #[test]
    fn all_attribution_counts_each_ticket_wholly_toward_each_service() {
        let w = workload(with(Attribution::All), &six());
        assert_eq!(w.services["6.2"].tickets.value(), 4.0);
        assert_eq!(w.services["6.2"].time_ms.value(), 23_400_000.0);
        assert_eq!(w.services["6.3"].tickets.value(), 2.0);
        assert_eq!(w.areas["6"].tickets.value(), 4.0);
        assert_eq!(w.areas["5"].tickets.value(), 1.0);
    }

    #[test]
    fn untagged_samples_are_the_same_whatever_the_order_and_the_split() {
        let tickets: Vec<T> = (0..30)
            .map(|i| {
                let mut t = six().remove(3); // SEC-4: untagged
                t.id = Box::leak(format!("U-{i}").into_boxed_str());
                t
            })
            .collect();
        let whole = workload(with(Attribution::Split), &tickets);
        assert_eq!(whole.untagged_samples.len(), UNTAGGED_SAMPLES);
        let mut reversed = tickets.clone();
        reversed.reverse();
        let other_order = workload(with(Attribution::Split), &reversed);
        assert_eq!(other_order.untagged_samples, whole.untagged_samples);
        // Three parts, merged last first.
        let mut merged = workload(with(Attribution::Split), &tickets[20..]);
        for part in [&tickets[7..20], &tickets[..7]] {
            merged
                .merge(workload(with(Attribution::Split), part))
                .unwrap();
        }
        assert_eq!(merged.untagged_samples, whole.untagged_samples);
        // Not simply the first ten seen.
        let first: Vec<&str> = tickets[..10].iter().map(|t| t.id).collect();
        let kept: Vec<&str> = whole
            .untagged_samples
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        assert_ne!(kept, first);
    }

    #[test]
    fn untagged_tickets_missing_dates_and_open_tickets_are_counted_honestly() {
        let w = workload(with(Attribution::Split), &six());
        assert_eq!(w.untagged.tickets.value(), 2.0);
        let ids: Vec<&str> = w.untagged_samples.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["SEC-4", "SEC-6"]);
        assert_eq!(w.untagged_samples[0].title, "<img src=x onerror=alert(1)>");
        assert_eq!(w.untagged.to_resolve.quantile(0.5), Some(24 * 3_600));
        assert!(w.untagged.backlog.is_zero());
        assert_eq!(w.total.tickets.value(), 6.0);
        assert_eq!(w.total.backlog.value(), 1.0);
        assert_eq!(w.total.to_resolve.quantile(0.5), Some(24 * 3_600)); // 4 h, 24 h, 48 h
        let q = &w.quality;
        assert_eq!(
            (q.no_created, q.closed_without_resolved, q.status_unknown),
            (1, 1, 1)
        );
        assert_eq!(
            w.total.periods.values().map(Shares::value).sum::<f64>(),
            5.0
        );
        // The end is the latest timestamp seen: SEC-6's creation; SEC-3 was opened 15 d 1.5 h
        // before, which the hour tier rounds to 362 h.
        assert_eq!(w.end(), Some(at("2024-02-20 09:30")));
        let ages = w.total.backlog_ages(w.end().unwrap());
        assert_eq!(ages.quantile(0.5), Some(362 * 3_600));
    }

    #[test]
    fn by_column_cells_follow_the_attribution() {
        let w = workload(with(Attribution::Split), &six());
        let csirt = &w.by["CSIRT"];
        assert_eq!(csirt.total.tickets.value(), 2.0);
        assert_eq!(csirt.services["6.2"].tickets.value(), 1.5);
        assert_eq!(w.by["csirt"].services["6.2"].tickets.value(), 1.0);
        assert_eq!(w.by["SOC"].untagged.tickets.value(), 1.0);
        assert_eq!(w.by["(none)"].total.tickets.value(), 1.0);
        assert!(close(w.by["SOC"].areas["6"].tickets.value(), 2.0 / 3.0));
    }

    #[test]
    fn filters_leave_tickets_out_and_say_why() {
        let opts = |f: fn(&mut WorkloadOptions)| {
            let mut o = WorkloadOptions::default();
            f(&mut o);
            o
        };
        let w = workload(opts(|o| o.queues = vec!["CSIRT".into()]), &six());
        assert_eq!((w.counts.included, w.counts.other_queue), (3, 3)); // queue names ignore case
        let w = workload(opts(|o| o.since = Some(day("2024-02-01"))), &six());
        assert_eq!(
            (w.counts.included, w.counts.outside_dates, w.counts.undated),
            (3, 2, 1)
        );
        let w = workload(opts(|o| o.statuses = vec![Status::Open]), &six());
        assert_eq!((w.counts.included, w.counts.other_status), (1, 5));
    }

    #[test]
    fn until_ends_the_period_and_later_resolutions_stay_in_the_backlog() {
        let mut tickets = six();
        tickets[1].resolved = Some("2024-02-12 10:00"); // SEC-2, created in January
        let w = workload(
            WorkloadOptions {
                until: Some(day("2024-02-10")),
                ..WorkloadOptions::default()
            },
            &tickets,
        );
        assert_eq!(w.end(), Some(at("2024-02-11 00:00")));
        assert_eq!(w.counts.included, 3); // SEC-1, SEC-2, SEC-3
        assert_eq!(w.total.backlog.value(), 2.0);
        assert_eq!(
            w.total.to_resolve.count(),
            1,
            "SEC-2 was not resolved by the end"
        );
        let ages = w.total.backlog_ages(w.end().unwrap());
        assert_eq!(ages.quantile(1.0), Some((21 * 24 + 14) * 3_600)); // SEC-2: 21 d 14 h
    }

    #[test]
    fn merging_refuses_another_catalog_or_other_options() {
        let mut a = workload(with(Attribution::Split), &six());
        let b = workload(with(Attribution::All), &six());
        let err = a.merge(b).unwrap_err().to_string();
        assert!(err.contains("--attribution all vs split"), "{err}");
        let mut c = workload(with(Attribution::Split), &six());
        c.catalog = "sha256:other".into();
        let err = a.merge(c).unwrap_err().to_string();
        assert!(err.contains("another catalog"), "{err}");
    }

    #[test]
    fn a_workload_reads_back_from_json_as_it_was() {
        let w = workload(with(Attribution::Split), &six());
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<Workload>(&json).unwrap(), w);
    }

    /// A ticket with up to three services (one the catalog does not know), and for some of
    /// them functions of their own, one of which sometimes arrives without its service.
    fn ticket() -> impl Strategy<Value = T> {
        let services =
            proptest::sample::subsequence(vec!["5.1", "5.2", "6.2", "6.3", "7.1", "9.9"], 0..4)
                .prop_shuffle();
        let functions = proptest::sample::subsequence(
            vec![
                "5.1.1", "5.2.2", "6.2.1", "6.2.3", "6.3.1", "6.3.2", "6.4.2",
            ],
            0..4,
        );
        let created = proptest::option::of(0i64..200_000);
        (
            services,
            functions,
            created,
            0i64..100_000,
            0u8..3,
            proptest::option::of(0.0f64..40.0),
        )
            .prop_map(|(services, functions, created, took, status, hours)| {
                let fmt = |m: i64| -> &'static str {
                    let t = at("2024-01-01 00:00") + chrono::Duration::minutes(m);
                    Box::leak(t.format("%Y-%m-%d %H:%M").to_string().into_boxed_str())
                };
                let status = [Status::Open, Status::Closed, Status::Unknown][status as usize];
                // Functions of the ticket's services, plus 6.4.2 alone: an orphan function.
                let functions = functions
                    .into_iter()
                    .filter(|f| {
                        *f == "6.4.2" || services.iter().any(|s| f.starts_with(&format!("{s}.")))
                    })
                    .collect();
                T {
                    id: "P-1",
                    title: "t",
                    created: created.map(fmt),
                    resolved: (status == Status::Closed).then(|| fmt(created.unwrap_or(0) + took)),
                    status,
                    hours,
                    queue: Some(["a", "b"][took as usize % 2]),
                    functions,
                    services,
                }
            })
    }

    /// Options with every attribution and the filters, so the invariants are checked with
    /// tickets left out too.
    fn options() -> impl Strategy<Value = WorkloadOptions> {
        (
            proptest::sample::select(vec![
                Attribution::Primary,
                Attribution::Split,
                Attribution::All,
            ]),
            proptest::option::of(0u32..150),
            proptest::bool::ANY,
            proptest::sample::select(vec![Period::Week, Period::Month, Period::Quarter]),
        )
            .prop_map(|(attribution, since, queue, period)| WorkloadOptions {
                attribution,
                period,
                since: since.map(|d| day("2024-01-01") + chrono::Days::new(u64::from(d))),
                queues: if queue { vec!["a".into()] } else { vec![] },
                by: Some("queue".into()),
                ..WorkloadOptions::default()
            })
    }

    /// `part <= whole` for every figure that follows the attribution, with a message naming
    /// the figure.
    fn at_most(part: &Tally, whole: &Tally, what: &str) -> std::result::Result<(), TestCaseError> {
        let pairs = [
            ("tickets", &part.tickets, &whole.tickets),
            ("timed", &part.timed, &whole.timed),
            ("time_ms", &part.time_ms, &whole.time_ms),
            ("resolved", &part.resolved, &whole.resolved),
            ("backlog", &part.backlog, &whole.backlog),
        ];
        for (figure, p, w) in pairs {
            prop_assert!(
                p.value() <= w.value() + 1e-6,
                "{what}: {figure} {} > {}",
                p.value(),
                w.value()
            );
        }
        for (period, p) in &part.periods {
            let w = whole.periods.get(period).map_or(0.0, Shares::value);
            prop_assert!(p.value() <= w + 1e-6, "{what}: period {period}");
        }
        prop_assert!(part.exercised <= whole.exercised, "{what}: exercised");
        Ok(())
    }

    /// The sum of `rows` plus `rest` equals `whole`, figure by figure.
    fn adds_up<'t>(
        rows: impl Iterator<Item = &'t Tally>,
        rest: &Tally,
        whole: &Tally,
        what: &str,
    ) -> std::result::Result<(), TestCaseError> {
        let mut sum = rest.clone();
        rows.for_each(|t| sum.merge(t));
        for (figure, s, w) in [
            ("tickets", &sum.tickets, &whole.tickets),
            ("timed", &sum.timed, &whole.timed),
            ("time_ms", &sum.time_ms, &whole.time_ms),
            ("resolved", &sum.resolved, &whole.resolved),
            ("backlog", &sum.backlog, &whole.backlog),
        ] {
            // Relative: time sums reach 10^8 ms, summed as fractions with different divisors.
            let tolerance = 1e-9 * w.value().abs().max(1.0);
            prop_assert!(
                (s.value() - w.value()).abs() <= tolerance,
                "{what}: {figure} adds up to {} not {}",
                s.value(),
                w.value()
            );
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn merging_the_parts_of_a_split_input_equals_one_run_over_it(
            tickets in proptest::collection::vec(ticket(), 0..60),
            cuts in proptest::collection::vec(0usize..60, 0..4),
            attribution in proptest::sample::select(vec![Attribution::Primary, Attribution::Split, Attribution::All]),
        ) {
            let options = WorkloadOptions { attribution, by: Some("queue".into()), ..WorkloadOptions::default() };
            let whole = workload(options.clone(), &tickets);
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(tickets.len())).collect();
            cuts.push(0);
            cuts.push(tickets.len());
            cuts.sort_unstable();
            let mut merged = workload(options.clone(), &[]);
            for part in cuts.windows(2) {
                let part = workload(options.clone(), &tickets[part[0]..part[1]]);
                // Through JSON, as `report --merge` reads partial reports.
                let part: Workload = serde_json::from_str(&serde_json::to_string(&part).unwrap()).unwrap();
                merged.merge(part).unwrap();
            }
            prop_assert_eq!(merged, whole);
        }

        #[test]
        fn every_attribution_keeps_functions_within_services_within_areas_and_adds_up(
            tickets in proptest::collection::vec(ticket(), 0..60),
            options in options(),
        ) {
            let w = workload(options.clone(), &tickets);
            let catalog = Catalog::default_embedded();
            let parent = |id: &str| {
                let entry = catalog.resolve(id).expect("generated ids are in the catalog");
                let e = catalog.entry(entry);
                let up = match e.kind {
                    Kind::Function => catalog.service_of(entry).expect("a function has a service"),
                    _ => catalog.area_of(entry),
                };
                catalog.entry(up).id.clone()
            };
            for (id, f) in &w.functions {
                at_most(f, &w.services[&parent(id)], &format!("function {id}"))?;
            }
            for (id, s) in w.services.iter().filter(|(id, _)| *id != "9.9") {
                at_most(s, &w.areas[&parent(id)], &format!("service {id}"))?;
            }
            // What is counted is what the filters let through, and the total holds each once.
            prop_assert_eq!(w.counts.included + w.counts.left_out(), w.counts.seen);
            prop_assert_eq!(w.total.tickets.value(), w.counts.included as f64);
            prop_assert_eq!(w.total.exercised, w.counts.included);
            let untagged = w.untagged.exercised;
            let primaries: u64 = w.services.values().map(|t| t.primary).sum();
            prop_assert_eq!(primaries + untagged, w.counts.included);
            let area_primaries: u64 = w.areas.values().map(|t| t.primary).sum();
            // A ticket whose primary service the catalog does not know has no primary area.
            prop_assert!(area_primaries + untagged <= w.counts.included);
            if options.attribution != Attribution::All {
                // Under split and primary the services (with the untagged) share out the whole.
                adds_up(w.services.values(), &w.untagged, &w.total, "services")?;
                let known: Vec<&Tally> = w.services.iter().filter(|(id, _)| *id != "9.9").map(|(_, t)| t).collect();
                let mut areas_and_unknown = w.untagged.clone();
                if let Some(t) = w.services.get("9.9") { areas_and_unknown.merge(t); }
                adds_up(w.areas.values(), &areas_and_unknown, &w.total, "areas")?;
                adds_up(known.into_iter(), &areas_and_unknown, &w.total, "known services")?;
            }
            // What the report shows of each row: the mean time spent times the tickets timed is
            // the time spent (before: 8.1 showed 3.0 h beside a mean of 12.0 h on 0.25 tickets
            // without saying so; now all three are the row's attributed figures).
            let figures = crate::report::Figures::new(&w, &catalog, 0);
            for row in figures.services.iter().chain(&figures.functions).chain([&figures.total]) {
                if let (Some(mean), Some(timed), Some(sum)) =
                    (row.time_mean.value(), row.timed.value(), row.time_spent.value())
                {
                    prop_assert!((mean * timed - sum).abs() <= 1e-6 * sum.max(1.0), "{} mean x timed", row.id);
                }
                if let (Some(t), Some(r)) = (row.tickets.value(), row.resolved.value()) {
                    prop_assert!(r <= t + 1e-9, "{}: resolved {} of {} tickets", row.id, r, t);
                }
            }
            // The --by cells share out their value's total the same way.
            if options.attribution != Attribution::All {
                for (value, cells) in &w.by {
                    let sum: f64 = cells.services.values().map(|c| c.tickets.value()).sum::<f64>()
                        + cells.untagged.tickets.value();
                    prop_assert!((sum - cells.total.tickets.value()).abs() < 1e-9, "by {}", value);
                }
            }
        }
    }
}
