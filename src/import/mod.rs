//! Import: export bytes -> a stream of [`Ticket`]s.
//!
//! (Being written: flavour detection, encodings, dates, durations, rejects.)

mod ticket;

pub use ticket::{Status, TextField, Ticket};
