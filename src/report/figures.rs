//! Figures: the finished numbers of a report, computed once from a [`Workload`] and shared by
//! every format, so a table, a chart and the JSON never disagree.
//!
//! This is where `--min-count` applies: a cell counting fewer than N tickets (but more than
//! none), or a statistic computed from fewer than N, becomes [`Cell::Suppressed`]. Small cells
//! are hidden; totals are not, so suppression is no guarantee against subtracting one figure
//! from another: it keeps single tickets from being pointed at in a shared table.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Serialize, Serializer};

use crate::catalog::{Catalog, Kind};
use crate::stats::calibrate::{estimate_tickets, estimate_time, Reviewed};
use crate::stats::{Attribution, Histogram, Period, Sample, Shares, Tally, Workload};
use std::collections::BTreeMap;

/// One number of a report.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell {
    /// Nothing to compute it from (no ticket had the data). JSON: `null`.
    Missing,
    /// Hidden by `--min-count`. JSON: `"suppressed"`.
    Suppressed,
    /// A count, a share (0 to 1) or a duration in seconds.
    Value(f64),
}

impl Cell {
    /// The value, if shown.
    pub fn value(self) -> Option<f64> {
        match self {
            Cell::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Missing => s.serialize_none(),
            Cell::Suppressed => s.serialize_str("suppressed"),
            Cell::Value(v) => s.serialize_f64(*v),
        }
    }
}

/// What a row stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Every counted ticket.
    Total,
    /// A service area.
    Area,
    /// A service.
    Service,
    /// A function.
    Function,
    /// Tickets without any service.
    Untagged,
}

impl Level {
    /// The lower-case name used in CSV and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Total => "total",
            Level::Area => "area",
            Level::Service => "service",
            Level::Function => "function",
            Level::Untagged => "untagged",
        }
    }
}

/// The figures of one service, area, function, of the untagged tickets or of all.
/// Durations are in seconds, shares between 0 and 1.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// What the row stands for.
    pub level: Level,
    /// Official id (empty for the total and untagged rows).
    pub id: String,
    /// Name (`(not in catalog)` for an id the catalog does not have).
    pub name: String,
    /// Id of the area it belongs to (its own id for an area, empty when none).
    pub area: String,
    /// Tickets whose primary entry it is.
    pub primary: Cell,
    /// Tickets that exercise it (multi-label).
    pub exercised: Cell,
    /// Tickets attributed to it.
    pub tickets: Cell,
    /// Attributed tickets / all counted tickets.
    pub share: Cell,
    /// Attributed tickets with a time spent.
    pub timed: Cell,
    /// Attributed time spent.
    pub time_spent: Cell,
    /// Mean time spent per attributed ticket that has one.
    pub time_mean: Cell,
    /// Median time spent (whole tickets).
    pub time_median: Cell,
    /// 90th percentile of time spent.
    pub time_p90: Cell,
    /// Attributed tickets with a time to resolve (the median and p90 beside it are of those
    /// tickets, each whole).
    pub resolved: Cell,
    /// Median created to resolved.
    pub resolve_median: Cell,
    /// 90th percentile of created to resolved.
    pub resolve_p90: Cell,
    /// Attributed tickets open at the end of the period.
    pub backlog: Cell,
    /// Median age of the open tickets at the end of the period.
    pub backlog_age_median: Cell,
    /// 90th percentile of that age.
    pub backlog_age_p90: Cell,
    /// Attributed tickets created per period, aligned with [`Figures::periods`].
    pub trend: Vec<Cell>,
    /// Last period minus the one before.
    pub change: Cell,
    /// That change over the period before (0.25 = +25 %).
    pub change_ratio: Cell,
    /// With `--calibrate`: the true number of attributed tickets, estimated from a reviewed
    /// random sample, with its 95 % interval (services only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<Estimate>,
}

/// A service's estimated true figures (see [`crate::stats::calibrate`]): attributed tickets,
/// the estimate and its 95 % interval, and the same for the time spent.
#[derive(Clone, Debug, Serialize)]
pub struct Estimate {
    /// Attributed tickets.
    pub tickets: f64,
    /// The interval's lower end.
    pub low: f64,
    /// The interval's upper end.
    pub high: f64,
    /// Attributed time spent, in seconds, when any reviewed ticket had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_spent: Option<TimeEstimate>,
}

/// An estimated time spent and its 95 % interval, in seconds.
#[derive(Clone, Debug, Serialize)]
pub struct TimeEstimate {
    /// The estimate.
    pub seconds: f64,
    /// The interval's lower end.
    pub low: f64,
    /// The interval's upper end.
    pub high: f64,
}

/// How the estimates were made.
#[derive(Clone, Debug, Serialize)]
pub struct Calibration {
    /// The labels file.
    pub labels: String,
    /// Reviewed tickets of its random part, the estimates rest on.
    pub reviewed: usize,
    /// The estimator, in a sentence.
    pub estimator: &'static str,
}

/// Tickets resolved within a range of durations, for the distribution chart.
#[derive(Clone, Debug, Serialize)]
pub struct Bucket {
    /// `1–4 h`.
    pub label: &'static str,
    /// Upper bound, in seconds (exclusive); `null` for the last.
    pub below: Option<u64>,
    /// Tickets resolved within it.
    pub tickets: Cell,
}

/// The service x value table of `--by`.
#[derive(Clone, Debug, Serialize)]
pub struct ByTable {
    /// The column.
    pub column: String,
    /// Its values, most tickets first.
    pub values: Vec<String>,
    /// Tickets per value.
    pub total: Vec<Cell>,
    /// Untagged tickets per value.
    pub untagged: Vec<Cell>,
    /// Per area and service with any ticket: `(level, id, name, tickets per value)`.
    pub rows: Vec<(Level, String, String, Vec<Cell>)>,
}

/// Everything a report shows.
#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    /// Names of the three catalog levels (`area`, `service`, `function`; RSIT: class, type).
    pub level_names: [String; 3],
    /// How multi-service tickets count.
    pub attribution: Attribution,
    /// What that means, in a sentence.
    pub attribution_note: &'static str,
    /// Length of the trend periods.
    pub period: Period,
    /// Period labels (`2024-03`), oldest first, gaps included.
    pub periods: Vec<String>,
    /// The `--min-count` applied (0: none).
    pub min_count: u64,
    /// The earliest timestamp counted.
    pub first_seen: Option<NaiveDateTime>,
    /// The end of the period, where backlog ages are measured.
    pub end: Option<NaiveDateTime>,
    /// `until` when the end is the `--until` day, `data` when it is the latest timestamp seen.
    pub end_from: &'static str,
    /// All counted tickets.
    pub total: Row,
    /// Tickets without any service: coverage is not workload.
    pub untagged: Row,
    /// A few untagged tickets (none under `--min-count`, which is for reports shared outside).
    pub untagged_samples: Vec<Sample>,
    /// Per area, in catalog order.
    pub areas: Vec<Row>,
    /// Per service, in catalog order, then ids the catalog does not have.
    pub services: Vec<Row>,
    /// Per function that any ticket exercised.
    pub functions: Vec<Row>,
    /// Distribution of time to resolve, all counted tickets.
    pub resolve_distribution: Vec<Bucket>,
    /// The `--by` table.
    pub by: Option<ByTable>,
    /// Periods with tickets left off the trend axis, far from the others (a ticket dated 1971
    /// in an export of 2026): `(label, tickets)`. They count in every other figure.
    pub trend_outside: Vec<(String, f64)>,
    /// What the figures leave out or assume, in sentences.
    pub notes: Vec<String>,
    /// With `--calibrate`: how the services' estimates were made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
}

const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;
const BUCKETS: [(&str, Option<u64>); 9] = [
    ("< 1 h", Some(HOUR)),
    ("1–4 h", Some(4 * HOUR)),
    ("4–24 h", Some(DAY)),
    ("1–3 d", Some(3 * DAY)),
    ("3–7 d", Some(7 * DAY)),
    ("1–2 w", Some(14 * DAY)),
    ("2–4 w", Some(28 * DAY)),
    ("4–13 w", Some(91 * DAY)),
    ("≥ 13 w", None),
];

/// Turns tallies into cells, applying `--min-count`.
struct Ctx {
    min: f64,
    all: f64,
    end: Option<NaiveDateTime>,
    periods: Vec<NaiveDate>,
}

impl Ctx {
    fn count(&self, v: f64) -> Cell {
        if v > 0.0 && v < self.min {
            Cell::Suppressed
        } else {
            Cell::Value(v)
        }
    }

    /// A statistic computed from `basis` tickets.
    fn stat(&self, basis: f64, value: Option<f64>) -> Cell {
        match value {
            _ if basis > 0.0 && basis < self.min => Cell::Suppressed,
            Some(v) if basis > 0.0 => Cell::Value(v),
            _ => Cell::Missing,
        }
    }

    fn quantiles(&self, h: &Histogram) -> [Cell; 2] {
        let n = h.count() as f64;
        [0.5, 0.9].map(|q| self.stat(n, h.quantile(q).map(|s| s as f64)))
    }

    fn row(&self, level: Level, id: &str, name: &str, area: &str, t: &Tally) -> Row {
        let tickets = self.count(t.tickets.value());
        let share = match tickets {
            Cell::Value(v) if self.all > 0.0 => Cell::Value(v / self.all),
            Cell::Value(_) => Cell::Missing,
            other => other,
        };
        let timed = t.timed.value();
        let time_sum = t.time_ms.value() / 1000.0;
        let [time_median, time_p90] = self.quantiles(&t.time_spent);
        let [resolve_median, resolve_p90] = self.quantiles(&t.to_resolve);
        let [backlog_age_median, backlog_age_p90] = match self.end {
            Some(end) => self.quantiles(&t.backlog_ages(end)),
            None => [Cell::Missing; 2],
        };
        let trend: Vec<Cell> = self
            .periods
            .iter()
            .map(|p| self.count(t.periods.get(p).map_or(0.0, Shares::value)))
            .collect();
        let (change, change_ratio) = match trend.as_slice() {
            [.., Cell::Value(prev), Cell::Value(last)] => {
                let ratio = if *prev > 0.0 {
                    Cell::Value((last - prev) / prev)
                } else {
                    Cell::Missing
                };
                (Cell::Value(last - prev), ratio)
            }
            [.., _, _] => (Cell::Suppressed, Cell::Suppressed),
            _ => (Cell::Missing, Cell::Missing),
        };
        Row {
            level,
            id: id.to_string(),
            name: name.to_string(),
            area: area.to_string(),
            primary: self.count(t.primary as f64),
            exercised: self.count(t.exercised as f64),
            tickets,
            share,
            timed: self.count(timed),
            time_spent: self.stat(timed, Some(time_sum)),
            time_mean: self.stat(timed, Some(time_sum / timed.max(f64::MIN_POSITIVE))),
            time_median,
            time_p90,
            resolved: self.count(t.resolved.value()),
            resolve_median,
            resolve_p90,
            backlog: self.count(t.backlog.value()),
            backlog_age_median,
            backlog_age_p90,
            trend,
            change,
            change_ratio,
            estimate: None,
        }
    }
}

impl Figures {
    /// Computes every figure of `work`, naming entries from `catalog` (which must be the one
    /// the workload was made with), hiding cells under `min_count` tickets.
    pub fn new(work: &Workload, catalog: &Catalog, min_count: u64) -> Figures {
        let o = &work.options;
        let end = work.end();
        let period = o.period;
        let (axis, trend_outside) = trend_axis(period, &work.total.periods);
        let first = o.since.or(axis.map(|(f, _)| f));
        let last = o.until.map(|u| period.start_of(u)).or(axis.map(|(_, l)| l));
        let periods = match (first, last) {
            (Some(f), Some(l)) => period.range(f, l),
            _ => Vec::new(),
        };
        // With --since/--until the window is the user's: nothing is left off the axis.
        let trend_outside = if o.since.is_some() || o.until.is_some() {
            Vec::new()
        } else {
            trend_outside
                .into_iter()
                .map(|(p, n)| (period.label(p), n))
                .collect()
        };
        let ctx = Ctx {
            min: min_count as f64,
            all: work.total.tickets.value(),
            end,
            periods,
        };
        let empty = Tally::default();
        let entry_row = |level: Level,
                         kind: Kind,
                         map: &std::collections::BTreeMap<String, Tally>,
                         all: bool| {
            let mut rows: Vec<Row> = catalog
                .of_kind(kind)
                .filter(|&id| all || map.contains_key(&catalog.entry(id).id))
                .map(|id| {
                    let e = catalog.entry(id);
                    let area = &catalog.entry(catalog.area_of(id)).id;
                    ctx.row(
                        level,
                        &e.id,
                        &e.name,
                        area,
                        map.get(&e.id).unwrap_or(&empty),
                    )
                })
                .collect();
            let known = |id: &str| catalog.resolve(id).is_ok_and(|e| catalog.entry(e).id == id);
            for (id, t) in map.iter().filter(|(id, _)| !known(id)) {
                rows.push(ctx.row(level, id, "(not in catalog)", "", t));
            }
            rows
        };
        let areas = entry_row(Level::Area, Kind::Area, &work.areas, true);
        let services = entry_row(Level::Service, Kind::Service, &work.services, true);
        let functions = entry_row(Level::Function, Kind::Function, &work.functions, false);
        let resolve_distribution = buckets(&ctx, &work.total.to_resolve);
        let by =
            o.by.as_ref()
                .map(|column| by_table(&ctx, work, catalog, column));
        let mut figures = Figures {
            level_names: [Kind::Area, Kind::Service, Kind::Function]
                .map(|k| catalog.level_name(k).to_string()),
            attribution: o.attribution,
            attribution_note: o.attribution.explain(),
            period,
            periods: ctx.periods.iter().map(|&p| period.label(p)).collect(),
            min_count,
            first_seen: work.first_seen,
            end,
            end_from: if o.until.is_some() { "until" } else { "data" },
            total: ctx.row(Level::Total, "", "All tickets", "", &work.total),
            untagged: ctx.row(
                Level::Untagged,
                "",
                "Untagged (no service)",
                "",
                &work.untagged,
            ),
            untagged_samples: if min_count > 0 {
                Vec::new()
            } else {
                work.untagged_samples.clone()
            },
            areas,
            services,
            functions,
            resolve_distribution,
            by,
            trend_outside,
            notes: Vec::new(),
            calibration: None,
        };
        figures.notes = notes(work, &figures);
        figures
    }

    /// Adds to every service its estimated true ticket count and 95 % interval, from
    /// `sample` (reviewed tickets of a simple random sample of the tickets counted, read from
    /// the file `labels`): see [`crate::stats::calibrate`]. Services the sample saw that no
    /// ticket was tagged with get a row of their own.
    pub fn calibrate(&mut self, work: &Workload, sample: &[Reviewed], labels: &str) {
        let tagged: BTreeMap<String, f64> = work
            .services
            .iter()
            .map(|(id, t)| (id.clone(), t.tickets.value()))
            .collect();
        let population = work.total.tickets.value().round() as u64;
        let attribution = work.options.attribution;
        let estimates = estimate_tickets(attribution, population, &tagged, sample);
        let tagged_time: BTreeMap<String, f64> = work
            .services
            .iter()
            .map(|(id, t)| (id.clone(), t.time_ms.value() / 1000.0))
            .collect();
        let timed = sample.iter().any(|r| r.time_s.is_some());
        let times = if timed {
            estimate_time(attribution, population, &tagged_time, sample)
        } else {
            BTreeMap::new()
        };
        for (id, i) in &estimates {
            if !self.services.iter().any(|r| &r.id == id) {
                self.notes.push(format!(
                    "{id} was never tagged, but reviewers labelled it: an estimated {:.0} \
                     tickets (95 % interval {:.0} to {:.0})",
                    i.estimate, i.low, i.high
                ));
            }
        }
        for row in &mut self.services {
            if let Some(i) = estimates.get(&row.id) {
                row.estimate = Some(Estimate {
                    tickets: i.estimate,
                    low: i.low,
                    high: i.high,
                    time_spent: times.get(&row.id).map(|t| TimeEstimate {
                        seconds: t.estimate,
                        low: t.low,
                        high: t.high,
                    }),
                });
            }
        }
        self.calibration = Some(Calibration {
            labels: labels.to_string(),
            reviewed: sample.len(),
            estimator: "difference estimator: the tagged count corrected by the mean error \
                        seen on the reviewed random sample; 95 % interval from the errors' \
                        variance (never below an Agresti-Coull error rate), finite population \
                        corrected",
        });
    }
}

/// The first and last period of the trend axis, and the periods left off it with their
/// tickets.
type TrendAxis = (Option<(NaiveDate, NaiveDate)>, Vec<(NaiveDate, f64)>);

/// Periods of the trend axis: where the tickets are. A group of periods separated from the
/// others by a long gap (half a year and more) and holding under 5 % of the dated tickets is
/// left off the axis, so that one ticket dated 1971 does not stretch a year's trend over 55
/// years; returns the first and last period of the axis and the periods left off with their
/// tickets.
fn trend_axis(period: Period, per: &std::collections::BTreeMap<NaiveDate, Shares>) -> TrendAxis {
    let dated: Vec<(NaiveDate, f64)> = per
        .iter()
        .map(|(&p, s)| (p, s.value()))
        .filter(|(_, n)| *n > 0.0)
        .collect();
    let (Some(first), Some(last)) = (dated.first(), dated.last()) else {
        return (None, Vec::new());
    };
    let gap = match period {
        Period::Week => 26,
        Period::Month => 6,
        Period::Quarter => 2,
    };
    // Groups of periods with no gap of `gap` periods or more inside.
    let mut groups: Vec<Vec<(NaiveDate, f64)>> = Vec::new();
    for &(p, n) in &dated {
        match groups.last_mut() {
            Some(g) if steps(period, g.last().expect("groups are not empty").0, p) < gap => {
                g.push((p, n))
            }
            _ => groups.push(vec![(p, n)]),
        }
    }
    let all: f64 = dated.iter().map(|(_, n)| n).sum();
    let kept: Vec<&Vec<(NaiveDate, f64)>> = groups
        .iter()
        .filter(|g| g.iter().map(|(_, n)| n).sum::<f64>() >= 0.05 * all)
        .collect();
    let (Some(a), Some(b)) = (kept.first(), kept.last()) else {
        return (Some((first.0, last.0)), Vec::new());
    };
    let (from, to) = (a[0].0, b[b.len() - 1].0);
    let outside = dated
        .into_iter()
        .filter(|(p, _)| *p < from || *p > to)
        .collect();
    (Some((from, to)), outside)
}

/// How many periods from `a` to `b` (`a` before `b`): 1 for neighbours.
fn steps(period: Period, a: NaiveDate, b: NaiveDate) -> usize {
    let days = (b - a).num_days().max(0) as usize;
    match period {
        Period::Week => days / 7,
        // A month is 28 to 31 days, a quarter 90 to 92: rounded, neighbours are 1 apart.
        Period::Month => (days + 15) / 30,
        Period::Quarter => (days + 45) / 91,
    }
}

fn buckets(ctx: &Ctx, h: &Histogram) -> Vec<Bucket> {
    let mut below_prev = 0;
    BUCKETS
        .iter()
        .map(|&(label, below)| {
            let below_n = below.map_or(h.count(), |b| h.count_below(b));
            let n = below_n - below_prev;
            below_prev = below_n;
            Bucket {
                label,
                below,
                tickets: ctx.count(n as f64),
            }
        })
        .collect()
}

fn by_table(ctx: &Ctx, work: &Workload, catalog: &Catalog, column: &str) -> ByTable {
    let mut values: Vec<(&String, f64)> = work
        .by
        .iter()
        .map(|(v, cells)| (v, cells.total.tickets.value()))
        .collect();
    values.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let cells_of = |get: &dyn Fn(&crate::stats::ByValue) -> Option<f64>| -> Vec<Cell> {
        values
            .iter()
            .map(|(v, _)| ctx.count(get(&work.by[*v]).unwrap_or(0.0)))
            .collect()
    };
    let mut rows = Vec::new();
    for area in catalog.of_kind(Kind::Area) {
        let ids = std::iter::once(area).chain(catalog.children(area).iter().copied());
        for id in ids {
            let e = catalog.entry(id);
            let level = if e.kind == Kind::Area {
                Level::Area
            } else {
                Level::Service
            };
            let get = |v: &crate::stats::ByValue| {
                let map = if level == Level::Area {
                    &v.areas
                } else {
                    &v.services
                };
                map.get(&e.id).map(|c| c.tickets.value())
            };
            if work.by.values().any(|v| get(v).is_some()) {
                rows.push((level, e.id.clone(), e.name.clone(), cells_of(&get)));
            }
        }
    }
    ByTable {
        column: column.to_string(),
        values: values.iter().map(|(v, _)| (*v).clone()).collect(),
        total: cells_of(&|v| Some(v.total.tickets.value())),
        untagged: cells_of(&|v| Some(v.untagged.tickets.value())),
        rows,
    }
}

/// Sentences on what the figures leave out or assume.
fn notes(work: &Workload, f: &Figures) -> Vec<String> {
    let c = &work.counts;
    let q = &work.quality;
    let mut notes = vec![format!(
        "{} of {} tickets read were counted.",
        c.included, c.seen
    )];
    for (n, why) in [
        (c.outside_dates, "left out: created outside --since/--until"),
        (
            c.undated,
            "left out: no creation date to place within --since/--until",
        ),
        (c.other_queue, "left out by --queue"),
        (c.other_status, "left out by --status"),
        (
            q.no_created,
            "without a creation date: in no trend, no time to resolve",
        ),
        (
            q.closed_without_resolved,
            "closed without a resolved date: no time to resolve",
        ),
        (
            q.resolved_before_created,
            "resolved before created: no time to resolve",
        ),
        (
            q.status_unknown,
            "of unknown status without a resolved date: neither resolved nor in the backlog",
        ),
        (
            q.bad_time_spent,
            "with a negative or unreadable time spent, treated as missing",
        ),
        (
            q.not_in_catalog,
            "naming service or function ids that the catalog does not have",
        ),
    ] {
        if n > 0 {
            notes.push(format!(
                "{n} {} {why}.",
                if n == 1 { "ticket" } else { "tickets" }
            ));
        }
    }
    if !f.trend_outside.is_empty() {
        let n: f64 = f.trend_outside.iter().map(|(_, n)| n).sum();
        let named: Vec<String> = f
            .trend_outside
            .iter()
            .take(6)
            .map(|(p, k)| format!("{p}: {}", super::text::count(Cell::Value(*k), 0)))
            .collect();
        notes.push(format!(
            "{} created far from the others ({}{}) {} left off the trend axis; {} in every other figure (--since/--until set the axis yourself).",
            if n == 1.0 { "1 ticket".to_string() } else { format!("{} tickets", super::text::count(Cell::Value(n), 0)) },
            named.join("; "),
            if f.trend_outside.len() > 6 { "; ..." } else { "" },
            if n == 1.0 { "is" } else { "are" },
            if n == 1.0 { "it counts" } else { "they count" },
        ));
    }
    let timed = work.total.timed.value();
    let all = work.total.tickets.value();
    if all > 0.0 {
        notes.push(format!(
            "{timed:.0} of {all:.0} tickets record a time spent; time figures cover those only."
        ));
        let untagged = work.untagged.tickets.value();
        notes.push(format!(
            "{untagged:.0} tickets ({:.1} %) match no service: the figures show what the tagger recognised, not all the work.",
            100.0 * untagged / all
        ));
    }
    notes.push(format!(
        "Attribution {}: {}.",
        f.attribution.as_str(),
        f.attribution_note
    ));
    if let Some(end) = f.end {
        let from = if f.end_from == "until" {
            "the end of the --until day"
        } else {
            "the latest timestamp in the data"
        };
        notes.push(format!(
            "The period ends at {} ({from}); backlog ages are measured there.",
            end.format("%Y-%m-%d %H:%M")
        ));
        if f.end_from == "data" && f.periods.len() > 1 {
            notes.push(format!(
                "The last period ({}) ends with the data and may be partial; its change is against a full period.",
                f.periods.last().expect("more than one period")
            ));
        }
    }
    notes.push(
        "Medians and 90th percentiles are nearest-rank values; durations are kept to the minute below 7 days, to the hour below a year, to the day beyond."
            .to_string(),
    );
    if f.min_count > 0 {
        notes.push(format!(
            "Cells counting fewer than {} tickets, and statistics computed from fewer, are suppressed (--min-count); ticket ids are withheld.",
            f.min_count
        ));
    }
    notes
}
