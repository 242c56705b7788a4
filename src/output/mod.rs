//! Output: files written safely, and text made safe for where it lands.
//!
//! - [`atomic`]: every output file is written to a temporary file beside it, then renamed over
//!   it, so an interrupted run leaves the previous file or none, never half of one.
//! - [`escape`]: ticket text is attacker-controlled; before it reaches a spreadsheet (formula
//!   injection), a terminal (escape sequences) or a web page (markup), it goes through here.

pub mod atomic;
pub mod escape;
pub mod tagged;

pub use atomic::{
    has_pending, interrupt, is_interrupted, remove_pending, write_atomically, AtomicFile,
};
pub use escape::{html, neutralize_formula, terminal, unguard_formula};
