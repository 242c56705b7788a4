//! The workload recorder: a [`Sink`] that counts tagged tickets into a [`Workload`], for
//! `report` and `tag --report`.
//!
//! A ticket counts with the services it was tagged with now, or, when its export is a CSV
//! that `tag` wrote (it has the `services` column and its companions), with the services
//! written there: a team can review and correct tags in a spreadsheet and report on that
//! (the pipeline then does not tag those tickets at all).

use crate::catalog::{Catalog, Kind};
use crate::error::{Error, Result};
use crate::import::{SourceInfo, Ticket};
use crate::output::tagged::TAG_COLUMNS;
use crate::stats::{TicketFacts, Workload, WorkloadOptions};
use crate::tag::Tagging;

use super::{Batch, Needs, Sink};

/// Counts tickets of one input after another into one workload.
pub struct Recorder<'c> {
    catalog: &'c Catalog,
    workload: Workload,
    by: Option<String>,
    /// Column of `--by` in the current source.
    by_column: Option<usize>,
    /// Column of `services` when the current source was written by `tag`.
    tagged_column: Option<usize>,
    /// The queues of the tickets read (at most [`QUEUES_KEPT`]), to name them when `--queue`
    /// matches none.
    queues_seen: std::collections::BTreeMap<String, u64>,
}

/// Most distinct queues remembered for the message of [`Recorder::check_filters`].
const QUEUES_KEPT: usize = 200;

impl<'c> Recorder<'c> {
    /// An empty workload of `catalog`'s services counted with `options`.
    pub fn new(options: WorkloadOptions, catalog: &'c Catalog) -> Recorder<'c> {
        Recorder {
            catalog,
            by: options.by.clone(),
            workload: Workload::new(options, catalog),
            by_column: None,
            tagged_column: None,
            queues_seen: std::collections::BTreeMap::new(),
        }
    }

    /// Fails when tickets were read but the filters (`--queue`, `--status`, `--since`,
    /// `--until`) let none of them count: a report of zeros would look like a quiet month.
    /// Says what each filter left out and, for `--queue`, the queues the input has.
    pub fn check_filters(&self) -> Result<()> {
        let c = &self.workload.counts;
        if c.seen == 0 || c.included > 0 {
            return Ok(());
        }
        let mut why = Vec::new();
        if c.other_queue > 0 {
            let mut queues: Vec<(&String, &u64)> = self.queues_seen.iter().collect();
            queues.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let shown: Vec<String> = queues
                .iter()
                .take(10)
                .map(|(q, n)| format!("`{q}` ({n})"))
                .collect();
            let more = if queues.len() > 10 { ", ..." } else { "" };
            why.push(format!(
                "{} in other queues than --queue {} (the input's queues: {}{more})",
                c.other_queue,
                self.workload.options.queues.join(","),
                if shown.is_empty() {
                    "none given".to_string()
                } else {
                    shown.join(", ")
                }
            ));
        }
        if c.outside_dates > 0 {
            why.push(format!(
                "{} created outside --since/--until",
                c.outside_dates
            ));
        }
        if c.undated > 0 {
            why.push(format!(
                "{} without a creation date (--since/--until need one)",
                c.undated
            ));
        }
        if c.other_status > 0 {
            why.push(format!(
                "{} with another status than --status",
                c.other_status
            ));
        }
        Err(Error::Usage(format!(
            "no ticket passes the filters: {} read, {}",
            c.seen,
            why.join("; ")
        )))
    }

    /// How many tickets the report counted, and what the filters left out: `counted 15 (7
    /// left out by the filters: 7 created outside --since/--until)`, so the stderr summary
    /// says what the report holds.
    pub fn counted(&self) -> String {
        let c = &self.workload.counts;
        if c.left_out() == 0 {
            return format!("counted {}", c.included);
        }
        let parts: Vec<String> = [
            (c.outside_dates, "created outside --since/--until"),
            (c.undated, "undated (--since/--until need a creation date)"),
            (c.other_queue, "in other queues"),
            (c.other_status, "of another status"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, why)| format!("{n} {why}"))
        .collect();
        format!(
            "counted {} + left out by the filters {} ({})",
            c.included,
            c.left_out(),
            parts.join(", ")
        )
    }

    /// Prepares for the tickets of `info`: finds the `--by` column, and whether the input
    /// already carries tags. Fails when the `--by` column is missing, naming the columns.
    pub fn start(&mut self, info: &SourceInfo) -> Result<()> {
        let find = |name: &str| {
            info.headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        self.by_column = match &self.by {
            None => None,
            Some(name) => Some(find(name).ok_or_else(|| {
                Error::Usage(format!(
                    "--by {name}: {} has no such column (it has: {})",
                    info.path.display(),
                    info.headers.join(", ")
                ))
            })?),
        };
        self.tagged_column = TAG_COLUMNS
            .iter()
            .all(|c| find(c).is_some())
            .then(|| find(TAG_COLUMNS[0]))
            .flatten();
        Ok(())
    }

    /// Whether the current input was written by `tag` (its tags are used as they are).
    pub fn is_pretagged(&self) -> bool {
        self.tagged_column.is_some()
    }

    /// Counts a ticket that was just tagged.
    pub fn record(&mut self, ticket: &Ticket, tagging: &Tagging) {
        let catalog = self.catalog;
        let mut services = Vec::with_capacity(tagging.services.len());
        let mut functions = Vec::new();
        for s in &tagging.services {
            services.push(catalog.entry(s.service).id.as_str());
            functions.extend(
                s.functions
                    .iter()
                    .map(|f| catalog.entry(f.function).id.as_str()),
            );
        }
        self.count(ticket, &services, &functions);
    }

    /// Counts a ticket of an input written by `tag`, with the tags of its `services` column.
    /// Ids the catalog does not know are left out (the report's untagged row shows the
    /// ticket if none is left).
    pub fn record_pretagged(&mut self, ticket: &Ticket) {
        let catalog = self.catalog;
        let cell = self
            .tagged_column
            .and_then(|c| ticket.raw.get(c))
            .map_or("", String::as_str);
        let mut services = Vec::new();
        let mut functions = Vec::new();
        for id in cell.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let Ok(entry) = catalog.resolve(id) else {
                continue;
            };
            let e = catalog.entry(entry);
            match e.kind {
                Kind::Service if !services.contains(&e.id.as_str()) => services.push(e.id.as_str()),
                Kind::Function => {
                    functions.push(e.id.as_str());
                    // A function without its service listed still counts for the service.
                    let service =
                        catalog.entry(catalog.service_of(entry).expect("a function has a service"));
                    if !services.contains(&service.id.as_str()) {
                        services.push(service.id.as_str());
                    }
                }
                _ => {}
            }
        }
        self.count(ticket, &services, &functions);
    }

    fn count(&mut self, ticket: &Ticket, services: &[&str], functions: &[&str]) {
        if !self.workload.options.queues.is_empty() {
            let queue = ticket.queue.as_deref().unwrap_or("").trim();
            if let Some(n) = self.queues_seen.get_mut(queue) {
                *n += 1;
            } else if self.queues_seen.len() < QUEUES_KEPT {
                self.queues_seen.insert(queue.to_string(), 1);
            }
        }
        let by_value = self
            .by_column
            .and_then(|c| ticket.raw.get(c))
            .map(String::as_str);
        self.workload.record(&TicketFacts {
            id: &ticket.id,
            title: &ticket.title,
            created: ticket.created,
            resolved: ticket.resolved,
            status: ticket.status,
            time_spent: ticket.time_spent,
            queue: ticket.queue.as_deref(),
            by_value,
            services,
            functions,
        });
    }

    /// The workload counted so far.
    pub fn into_workload(self) -> Workload {
        self.workload
    }
}

impl Sink for Recorder<'_> {
    fn start(&mut self, source: &SourceInfo) -> Result<Needs> {
        Recorder::start(self, source)?;
        Ok(match self.is_pretagged() {
            true => Needs::Tickets,
            false => Needs::Tags,
        })
    }

    fn batch(&mut self, batch: &Batch<'_>) -> Result<()> {
        if self.is_pretagged() {
            for t in batch.tickets {
                self.record_pretagged(t);
            }
        } else {
            for (t, tagged) in batch.tickets.iter().zip(batch.tagged) {
                self.record(t, &tagged.tagging);
            }
        }
        Ok(())
    }
}
