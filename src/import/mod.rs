//! Import: export bytes -> a stream of [`Ticket`]s.
//!
//! In: a ticket-system export (RT/RTIR TSV, Jira, ServiceNow, OTRS/Znuny, Zammad, TheHive, or
//! any CSV), from a file or stdin, in UTF-8 (BOM or not), UTF-16 with BOM or windows-1252.
//! Out: [`Ticket`]s in input order, in batches, plus [`Reject`]s for rows with nothing
//! readable, and [`Diagnostics`](crate::Diagnostics) for everything worked around.
//!
//! ```no_run
//! use csirt_tagger::import::{ImportOptions, Reader};
//! use csirt_tagger::Diagnostics;
//!
//! let mut reader = Reader::open("export.csv".as_ref(), 0, &ImportOptions::default())?;
//! println!("{}", reader.info().detection.reason);
//! let (mut tickets, mut rejects, mut diags) = (Vec::new(), Vec::new(), Diagnostics::new(false));
//! while reader.next_batch(4096, &mut tickets, &mut rejects, &mut diags)? > 0 {
//!     // tag `tickets` in parallel (rayon keeps their order), then clear them
//!     tickets.clear();
//! }
//! println!("{}", reader.info().summary(&reader.counts()));
//! # Ok::<(), csirt_tagger::Error>(())
//! ```
//!
//! The steps, one file each: [`decode`] (encoding), [`sniff`] (delimiter, line endings),
//! `records` (CSV records with their lines and raw bytes), [`flavour`] (which system, which
//! column is what), [`date`] and [`duration`] (parsers), `build` (record -> ticket) and
//! [`reader`] (the whole, with its look-ahead); [`profile`] reads mapping options from TOML.

mod build;
pub mod date;
pub mod decode;
pub mod duration;
pub mod flavour;
mod info;
mod json;
mod options;
pub mod profile;
pub mod reader;
mod records;
mod reject;
pub mod sniff;
mod ticket;

pub use flavour::{Detection, Flavour, Mapping, Role};
pub use info::{ColumnInfo, Counts, DateColumnInfo, DurationInfo, SourceInfo};
pub use options::{
    delimiter_name, parse_delimiter, parse_encoding, show_size, ColumnRef, ImportOptions, TimeUnit,
    DEFAULT_MAX_FIELD_SIZE,
};
pub use reader::Reader;
pub use reject::{Reject, RejectWriter};
pub use ticket::{Status, TextField, Ticket};
