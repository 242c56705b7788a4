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
#![warn(missing_docs)]

pub mod catalog;
pub mod error;
pub mod import;

pub use error::{Diagnostic, Diagnostics, Error, Location, Result, Severity};
