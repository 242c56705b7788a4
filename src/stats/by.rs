//! The cells of the `--by` table: tickets and time per column value and service or area.

use std::collections::BTreeMap;

use super::tally::{Measures, Share, Shares};

/// Tickets and time of one cell of the `--by` table.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ByCell {
    /// Attributed tickets.
    pub tickets: Shares,
    /// Attributed time spent, in milliseconds.
    pub time_ms: Shares,
}

impl ByCell {
    pub(crate) fn add(&mut self, m: &Measures, share: Share) {
        self.tickets.add(1, share);
        if let Some(ms) = m.time_ms {
            self.time_ms.add(ms, share);
        }
    }

    /// Adds `other`.
    pub fn merge(&mut self, other: &ByCell) {
        self.tickets.merge(&other.tickets);
        self.time_ms.merge(&other.time_ms);
    }
}

/// The `--by` cells of one column value.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ByValue {
    /// Every ticket with this value.
    pub total: ByCell,
    /// Untagged tickets with this value.
    pub untagged: ByCell,
    /// Per service id.
    pub services: BTreeMap<String, ByCell>,
    /// Per area id.
    pub areas: BTreeMap<String, ByCell>,
}

impl ByValue {
    /// Adds every cell of `other`.
    pub fn merge(&mut self, other: ByValue) {
        self.total.merge(&other.total);
        self.untagged.merge(&other.untagged);
        for (mine, theirs) in [
            (&mut self.services, other.services),
            (&mut self.areas, other.areas),
        ] {
            for (id, cell) in theirs {
                mine.entry(id).or_default().merge(&cell);
            }
        }
    }
}
