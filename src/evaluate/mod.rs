//! Evaluation: taggings against gold labels -> per-service precision, recall and F1, micro and
//! macro averages, primary-service accuracy and a confusion table of primary services.
//!
//! In: a gold CSV ([`Gold`]) and the [`Tagging`] of each ticket. Out: a [`Report`]
//! (serialisable: `csirt-tagger evaluate --format json` prints it). A function id counts as
//! its service, on both sides. Tickets without gold labels are counted, not scored; gold ids
//! never seen are listed in [`Report::missing_from_input`].
//!
//! The arithmetic is in [`metrics`], pure functions with hand-computed tests.

pub mod coverage;
pub mod metrics;
pub mod review;
pub mod review_page;
pub mod suggest;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use crate::catalog::{Catalog, EntryId};
use crate::error::{Diagnostic, Diagnostics, Error, Location, Result, Severity};
use crate::import::Ticket;
use crate::tag::{TagSource, Tagging};
use metrics::{Counts, Scores};

/// The gold labels of one ticket, as services (functions already folded into them).
#[derive(Clone, Debug, PartialEq)]
pub struct GoldLabel {
    /// The services, in the order written, without duplicates.
    pub services: Vec<EntryId>,
    /// The primary service, when the file has a non-empty `primary` column for the ticket.
    pub primary: Option<EntryId>,
    /// Where the label is written.
    pub at: Location,
}

/// Gold labels by ticket id, read from a CSV with a header: `id`, `services` (ids or slugs
/// joined with `;`) and optionally `primary`.
#[derive(Clone, Debug, Default)]
pub struct Gold {
    labels: HashMap<String, GoldLabel>,
    order: Vec<String>,
    /// Rows of a review file not labelled yet (left out).
    pub unreviewed: u64,
}

impl Gold {
    /// Reads gold labels. An unknown service or a repeated id is an error diagnostic and the
    /// row is left out; fails when the text is not CSV or lacks the `id`/`services` columns.
    pub fn from_csv(
        text: &str,
        origin: &Path,
        catalog: &Catalog,
        diags: &mut Diagnostics,
    ) -> Result<Gold> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let bad = |message: String| Error::invalid(Location::new(origin, 1), message, GOLD_HINT);
        let headers = reader
            .headers()
            .map_err(|e| bad(format!("not a CSV file: {e}")))?
            .clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let (Some(id_col), Some(services_col)) = (column("id"), column("services")) else {
            return Err(bad(
                "the gold labels need the columns `id` and `services`".into()
            ));
        };
        let primary_col = column("primary");
        // A review file (`csirt-tagger review`) lists the tickets to label: a row whose
        // `services` and `primary` are still empty is not labelled yet, not "no service".
        let review = column("predicted_services").is_some();
        let mut gold = Gold::default();
        for record in reader.records() {
            let record = record.map_err(|e| bad(format!("not a CSV file: {e}")))?;
            let line = record.position().map_or(0, |p| p.line());
            let at = Location::new(origin, line);
            let mut error = |message: String| {
                diags.record(Diagnostic {
                    severity: Severity::Error,
                    at: at.clone(),
                    message,
                    hint: Some(GOLD_HINT.into()),
                })
            };
            let id = record.get(id_col).unwrap_or("").trim();
            // A file csirt-tagger wrote (review) guards ids that look like formulas with a
            // leading `'`; the ticket's id is what follows it.
            let id = crate::output::unguard_formula(id).to_string();
            if id.is_empty() {
                error("a gold label without a ticket id".into());
                continue;
            }
            if gold.labels.contains_key(&id) {
                error(format!(
                    "ticket {id} is labelled twice: this row is left out"
                ));
                continue;
            }
            let mut services = Vec::new();
            let mut ok = true;
            let cell = record.get(services_col).unwrap_or("");
            let primary_cell = primary_col.and_then(|c| record.get(c)).unwrap_or("");
            if review && cell.trim().is_empty() && primary_cell.trim().is_empty() {
                gold.unreviewed += 1;
                continue;
            }
            // `none`: the ticket exercises no service of the catalog.
            let keys = cell.split(';').map(str::trim);
            for key in keys.filter(|k| !k.is_empty() && !k.eq_ignore_ascii_case("none")) {
                match resolve_service(catalog, key) {
                    Ok(s) if !services.contains(&s) => services.push(s),
                    Ok(_) => {}
                    Err(e) => {
                        error(e);
                        ok = false;
                    }
                }
            }
            let primary = match primary_col.and_then(|c| record.get(c)).map(str::trim) {
                None | Some("") => None,
                Some(key) => match resolve_service(catalog, key) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        error(e);
                        ok = false;
                        None
                    }
                },
            };
            if ok {
                gold.order.push(id.clone());
                gold.labels.insert(
                    id,
                    GoldLabel {
                        services,
                        primary,
                        at: at.clone(),
                    },
                );
            }
        }
        Ok(gold)
    }

    /// The label of a ticket id.
    pub fn get(&self, id: &str) -> Option<&GoldLabel> {
        self.labels.get(id)
    }

    /// How many tickets are labelled.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether no ticket is labelled.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Ticket ids in file order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(String::as_str)
    }
}

const GOLD_HINT: &str =
    "gold labels are a CSV: id,services,primary (services joined with `;`, e.g. 6.2;6.5)";

/// A service id, slug or function id, as the service it counts toward.
fn resolve_service(catalog: &Catalog, key: &str) -> std::result::Result<EntryId, String> {
    let id = catalog.resolve(key)?;
    catalog
        .service_of(id)
        .ok_or_else(|| format!("`{key}` is an area, not a service"))
}

/// What went wrong on one scored ticket: services missed and services tagged wrongly.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TicketErrors {
    /// Gold services not tagged, in gold order.
    pub misses: Vec<EntryId>,
    /// Tagged services not in the gold labels, best score first.
    pub false_alarms: Vec<EntryId>,
}

impl TicketErrors {
    /// Whether the ticket was tagged exactly as labelled.
    pub fn is_empty(&self) -> bool {
        self.misses.is_empty() && self.false_alarms.is_empty()
    }
}

/// Accumulates taggings against the gold labels; [`Evaluator::finish`] gives the report.
#[derive(Debug)]
pub struct Evaluator<'g> {
    gold: &'g Gold,
    counts: Vec<Counts>,
    seen: HashSet<String>,
    without_gold: u64,
    primary_total: u64,
    primary_correct: u64,
    sources: Sources,
    confusion: BTreeMap<(Option<EntryId>, Option<EntryId>), u64>,
    /// Every ticket read (with gold or not): tickets and seconds spent, per tagged service.
    workload: Vec<(u64, f64)>,
}

impl<'g> Evaluator<'g> {
    /// An evaluator for the services of `catalog` against `gold`.
    pub fn new(catalog: &Catalog, gold: &'g Gold) -> Evaluator<'g> {
        let n = catalog.entries().len();
        Evaluator {
            gold,
            counts: vec![Counts::default(); n],
            seen: HashSet::new(),
            without_gold: 0,
            primary_total: 0,
            primary_correct: 0,
            sources: Sources::default(),
            confusion: BTreeMap::new(),
            workload: vec![(0, 0.0); n],
        }
    }

    /// The gold labels scored against.
    pub fn gold(&self) -> &'g Gold {
        self.gold
    }

    /// Records one ticket's tagging; returns its errors when it has a gold label (`None`: not
    /// scored). A ticket id seen twice is scored once (the first time).
    pub fn record(&mut self, ticket: &Ticket, tagging: &Tagging) -> Option<TicketErrors> {
        for s in &tagging.services {
            let w = &mut self.workload[s.service.index()];
            w.0 += 1;
            w.1 += ticket.time_spent.unwrap_or(0.0);
        }
        let Some(label) = self.gold.get(&ticket.id) else {
            self.without_gold += 1;
            return None;
        };
        if !self.seen.insert(ticket.id.clone()) {
            return None;
        }
        match (tagging.source, tagging.like.is_empty()) {
            (TagSource::Rule, _) => self.sources.rules += 1,
            (TagSource::Index, false) => self.sources.examples += 1,
            (TagSource::Index, true) => self.sources.catalog += 1,
            (TagSource::None, _) => self.sources.untagged += 1,
        }
        let predicted: Vec<EntryId> = tagging.services.iter().map(|s| s.service).collect();
        let mut errors = TicketErrors::default();
        for &s in &label.services {
            if predicted.contains(&s) {
                self.counts[s.index()].tp += 1;
            } else {
                self.counts[s.index()].fn_ += 1;
                errors.misses.push(s);
            }
        }
        for &s in &predicted {
            if !label.services.contains(&s) {
                self.counts[s.index()].fp += 1;
                errors.false_alarms.push(s);
            }
        }
        if let Some(gold_primary) = label.primary {
            self.primary_total += 1;
            let got = tagging.primary();
            self.primary_correct += u64::from(got == Some(gold_primary));
            *self.confusion.entry((Some(gold_primary), got)).or_default() += 1;
        }
        Some(errors)
    }

    /// The report.
    pub fn finish(self, catalog: &Catalog) -> Report {
        let name = |id: EntryId| catalog.entry(id).id.clone();
        let services = catalog
            .ids()
            .filter(|&id| self.counts[id.index()].is_active())
            .map(|id| {
                let c = self.counts[id.index()];
                ServiceScore {
                    id: name(id),
                    name: catalog.entry(id).name.clone(),
                    scores: metrics::scores(&c),
                    support: c.support(),
                    predicted: c.predicted(),
                    counts: c,
                }
            })
            .collect();
        let (macro_scores, macro_services) = metrics::macro_average(&self.counts);
        let missing_from_input = self
            .gold
            .ids()
            .filter(|id| !self.seen.contains(*id))
            .map(str::to_string)
            .collect();
        let workload = catalog
            .ids()
            .filter(|id| self.workload[id.index()].0 > 0)
            .map(|id| {
                let (tickets, seconds) = self.workload[id.index()];
                ServiceWorkload {
                    id: name(id),
                    tickets,
                    hours: seconds / 3600.0,
                }
            })
            .collect();
        Report {
            schema: 1,
            scored: self.seen.len() as u64,
            without_gold: self.without_gold,
            missing_from_input,
            services,
            micro: metrics::micro(&self.counts),
            macro_scores,
            macro_services,
            primary: PrimaryAccuracy {
                correct: self.primary_correct,
                total: self.primary_total,
                accuracy: metrics::ratio(self.primary_correct, self.primary_total),
            },
            sources: self.sources,
            confusion: self
                .confusion
                .into_iter()
                .map(|((gold, predicted), count)| ConfusionCell {
                    gold: gold.map(name),
                    predicted: predicted.map(name),
                    count,
                })
                .collect(),
            workload,
        }
    }
}

/// An evaluation, as `evaluate --format json` prints it (schema version 1):
///
/// ```json
/// {"schema": 1, "scored": 264, "without_gold": 0, "missing_from_input": [],
///  "services": [{"id": "6.2", "name": "...", "precision": 0.8, "recall": 0.7, "f1": 0.75,
///                "support": 40, "predicted": 35, "counts": {"tp": 28, "fp": 7, "fn_": 12}}],
///  "micro": {"precision": 0.8, "recall": 0.7, "f1": 0.75},
///  "macro": {"precision": 0.7, "recall": 0.6, "f1": 0.62}, "macro_services": 21,
///  "primary": {"correct": 150, "total": 264, "accuracy": 0.57},
///  "confusion": [{"gold": "6.2", "predicted": "6.4", "count": 3}],
///  "workload": [{"id": "6.2", "tickets": 35, "hours": 12.5}]}
/// ```
///
/// `macro` averages the services with support or predictions (`macro_services` of them);
/// `confusion` lists gold primary x predicted primary (`null`: no tag); `workload` counts every
/// ticket read, with gold labels or not.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    /// Version of this layout.
    pub schema: u32,
    /// Tickets with gold labels, scored.
    pub scored: u64,
    /// Tickets read without gold labels (not scored).
    pub without_gold: u64,
    /// Gold ids that no input had.
    pub missing_from_input: Vec<String>,
    /// Per service with support or predictions, in catalog order.
    pub services: Vec<ServiceScore>,
    /// Micro average (summed counts).
    pub micro: Scores,
    /// Macro average over `macro_services` services.
    #[serde(rename = "macro")]
    pub macro_scores: Scores,
    /// How many services the macro average is over.
    pub macro_services: usize,
    /// Primary-service accuracy.
    pub primary: PrimaryAccuracy,
    /// Where the scored tickets' tags came from.
    pub sources: Sources,
    /// Gold primary x predicted primary, non-zero cells.
    pub confusion: Vec<ConfusionCell>,
    /// Tickets and hours per tagged service, over every ticket read.
    pub workload: Vec<ServiceWorkload>,
}

/// Where the scored tickets' tags came from: the rules, the index fallback (from labelled
/// examples or from the catalog), or nowhere.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Sources {
    /// Tagged by the rules.
    pub rules: u64,
    /// Tagged by the index from labelled examples.
    pub examples: u64,
    /// Tagged by the index from the catalog's descriptions.
    pub catalog: u64,
    /// No tag.
    pub untagged: u64,
}

/// One service's scores.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ServiceScore {
    /// Official id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Precision, recall, F1.
    #[serde(flatten)]
    pub scores: Scores,
    /// Gold tickets with the service.
    pub support: u64,
    /// Scored tickets tagged with it.
    pub predicted: u64,
    /// The raw counts.
    pub counts: Counts,
}

/// Primary-service accuracy over the tickets whose gold label names a primary.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct PrimaryAccuracy {
    /// Tickets whose primary tag is the gold primary.
    pub correct: u64,
    /// Tickets with a gold primary.
    pub total: u64,
    /// `correct / total` (0 when `total` is 0).
    pub accuracy: f64,
}

/// One cell of the primary confusion table.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ConfusionCell {
    /// Gold primary.
    pub gold: Option<String>,
    /// Predicted primary (`None`: no tag).
    pub predicted: Option<String>,
    /// Tickets.
    pub count: u64,
}

/// Tickets and time tagged with one service.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ServiceWorkload {
    /// Official id.
    pub id: String,
    /// Tickets tagged with it.
    pub tickets: u64,
    /// Hours spent on them.
    pub hours: f64,
}

#[cfg(test)]
mod tests;
