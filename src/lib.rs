//! csirt-tagger: tag security-incident tickets with the FIRST CSIRT services they exercise, and
//! report the workload per service.
//!
//! The data flows through the modules in this order:
//!
//! ```text
//! files/stdin -> import::Reader --Ticket--> tag::Tagger --Tagging--> output (CSV / JSONL)
//!                  | rejects                  ^       ^                 |
//!                  v                   rules::Matcher catalog::Index    v
//!            output::Rejects                          (fallback)    stats::Workload -> report
//! ```
//!
//! - [`catalog`]: the services framework as data (embedded TOML) and its tantivy index.
//! - [`import`]: ticket-system exports (RT, Jira, ServiceNow, OTRS, ...) read as tickets.
//! - [`stats`]: tagged tickets counted into a mergeable [`stats::Workload`] per service.
//! - [`report`]: a workload rendered as a table, CSV, JSON, Markdown or one HTML page.
//! - [`output`]: atomic output files, and escaping for spreadsheets, terminals and HTML.
//! - [`rules`]: rules files compiled into one [`rules::Matcher`] (one automaton for all words).
//! - [`tag`]: a ticket's text + the matcher (+ the index fallback) -> a [`tag::Tagging`].
//! - [`evaluate`]: taggings scored against gold labels (precision, recall, F1, confusion).
//! - [`pipeline`]: the above in one run: exports read on a thread, tickets tagged in parallel,
//!   the tagged batches handed in order to sinks (tagged CSV/JSONL, workload, evaluation,
//!   coverage); every command that tags runs on it.
#![warn(missing_docs)]

pub mod catalog;
pub mod error;
pub mod evaluate;
pub mod import;
pub mod output;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod stats;
pub mod tag;

#[cfg(test)]
mod alloc_count;
mod cache_files;
mod scratch;

pub use error::{Diagnostic, Diagnostics, Error, LineIndex, Location, Result, Severity};
