//! Provenance: what a report was made from, so that a figure can be reproduced for an audit.
//!
//! Every report carries the tool's version, the catalog's and the rules' fingerprints, a
//! SHA-256 of each input and, after `report --merge`, of each partial report merged. The
//! options used are part of the [`Workload`](crate::stats::Workload) itself.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::error::{Error, Result};

/// The tool and version that makes reports: `csirt-tagger 0.1.0`.
pub const TOOL: &str = concat!("csirt-tagger ", env!("CARGO_PKG_VERSION"));

/// A named input with its fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    /// Path as given on the command line (`-` for stdin, `<embedded:...>` for built-ins).
    pub name: String,
    /// `sha256:<hex>` of its bytes.
    pub sha256: String,
    /// Tickets read from it, when it is an export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tickets: Option<u64>,
    /// How an export was read where a reader could have guessed wrong: the unit of its time
    /// spent (`minutes (the rt unit)`, `hours (guessed from the values: ...)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_unit: Option<String>,
}

impl Stamp {
    /// The stamp of bytes already in memory (stdin, an embedded file).
    pub fn of_bytes(name: impl Into<String>, bytes: &[u8]) -> Stamp {
        Stamp {
            name: name.into(),
            sha256: format!("sha256:{:x}", Sha256::digest(bytes)),
            tickets: None,
            time_unit: None,
        }
    }

    /// The stamp of a file, read in blocks (exports can be large).
    pub fn of_file(path: &Path) -> Result<Stamp> {
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(Stamp {
            name: path.display().to_string(),
            sha256: format!("sha256:{:x}", hasher.finalize()),
            tickets: None,
            time_unit: None,
        })
    }

    /// What a report says after the name and fingerprint: `12 tickets; time spent in minutes
    /// (the jira unit)`; empty when nothing is known.
    pub fn details(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = self.tickets {
            parts.push(format!("{n} tickets"));
        }
        if let Some(unit) = &self.time_unit {
            parts.push(format!("time spent in {unit}"));
        }
        parts.join("; ")
    }

    /// The same stamp with another fingerprint (`sha256:<hex>`, worked out elsewhere).
    pub fn with_sha256(mut self, sha256: &str) -> Stamp {
        self.sha256 = sha256.to_string();
        self
    }

    /// The same stamp with a ticket count.
    pub fn with_tickets(mut self, tickets: u64) -> Stamp {
        self.tickets = Some(tickets);
        self
    }
}

/// Which catalog the ids belong to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CatalogStamp {
    /// Short name (`csirt-2.1`).
    pub short: String,
    /// Full name of the framework.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Where it was loaded from.
    pub origin: String,
    /// `sha256:<hex>` of its TOML text.
    pub fingerprint: String,
}

/// What a report was made from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    /// The tool and version ([`TOOL`]).
    pub tool: String,
    /// The catalog.
    pub catalog: CatalogStamp,
    /// The rules files, in the order loaded (built-in rules as `<embedded:...>`).
    pub rules: Vec<Stamp>,
    /// The exports (or tagged CSVs) read, in the order given.
    pub inputs: Vec<Stamp>,
    /// The partial reports merged into this one, in the order given (empty for one run).
    #[serde(default)]
    pub merged_from: Vec<Stamp>,
}

impl Provenance {
    /// The provenance of a run of this tool with `catalog`; rules and inputs are added by the
    /// caller as they are loaded.
    pub fn new(catalog: &Catalog) -> Provenance {
        let meta = catalog.meta();
        Provenance {
            tool: TOOL.to_string(),
            catalog: CatalogStamp {
                short: meta.short.clone(),
                name: meta.name.clone(),
                version: meta.version.clone(),
                origin: catalog.origin().display().to_string(),
                fingerprint: catalog.fingerprint().to_string(),
            },
            rules: Vec::new(),
            inputs: Vec::new(),
            merged_from: Vec::new(),
        }
    }

    /// Adds the inputs of `other` (a partial report of the same tool, catalog and rules).
    ///
    /// Refuses another tool version, catalog or rules (the tickets would have been tagged
    /// differently), and an input that both already hold (its tickets would count twice).
    pub fn merge(&mut self, other: Provenance) -> Result<()> {
        if other.tool != self.tool {
            return Err(Error::Usage(format!(
                "it was made by {} and this is {}",
                other.tool, self.tool
            )));
        }
        if other.catalog.fingerprint != self.catalog.fingerprint {
            return Err(Error::Usage(format!(
                "it was made with catalog {} ({}), not {} ({})",
                other.catalog.short,
                other.catalog.fingerprint,
                self.catalog.short,
                self.catalog.fingerprint
            )));
        }
        let hashes = |rules: &[Stamp]| rules.iter().map(|s| s.sha256.clone()).collect::<Vec<_>>();
        if hashes(&other.rules) != hashes(&self.rules) {
            let names = |rules: &[Stamp]| {
                let list: Vec<String> = rules
                    .iter()
                    .map(|s| format!("{} {}", s.name, s.sha256))
                    .collect();
                if list.is_empty() {
                    "no rules".to_string()
                } else {
                    list.join(", ")
                }
            };
            return Err(Error::Usage(format!(
                "it was made with other rules ({}) than the first ({})",
                names(&other.rules),
                names(&self.rules)
            )));
        }
        // An input with no ticket adds nothing, however often it comes: the empty parts of a
        // split export (a Spark job has many) all have the same content.
        let counts = |i: &&Stamp| i.tickets != Some(0);
        if let Some(dup) = other
            .inputs
            .iter()
            .filter(counts)
            .find(|i| self.inputs.iter().any(|m| m.sha256 == i.sha256))
        {
            return Err(Error::Usage(format!(
                "its input {} ({}) is already in the merge: its tickets would count twice",
                dup.name, dup.sha256
            )));
        }
        self.inputs.extend(other.inputs);
        self.merged_from.extend(other.merged_from);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provenance(inputs: &[&str]) -> Provenance {
        let mut p = Provenance::new(&Catalog::default_embedded());
        p.rules
            .push(Stamp::of_bytes("rules/default.toml", b"rules"));
        p.inputs = inputs
            .iter()
            .map(|i| Stamp::of_bytes(*i, i.as_bytes()))
            .collect();
        p
    }

    #[test]
    fn a_stamp_of_a_file_is_the_sha256_of_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.csv");
        std::fs::write(&path, "abc").unwrap();
        let stamp = Stamp::of_file(&path).unwrap();
        assert_eq!(
            stamp.sha256,
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            stamp,
            Stamp {
                name: path.display().to_string(),
                ..Stamp::of_bytes("", b"abc")
            }
        );
    }

    #[test]
    fn merging_lists_the_inputs_of_both_in_order() {
        let mut a = provenance(&["jan.csv"]);
        a.merge(provenance(&["feb.csv"])).unwrap();
        let names: Vec<&str> = a.inputs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["jan.csv", "feb.csv"]);
    }

    #[test]
    fn merging_refuses_other_rules_and_an_input_counted_twice() {
        let mut other_rules = provenance(&["feb.csv"]);
        other_rules.rules[0] = Stamp::of_bytes("rules/default.toml", b"changed");
        let err = provenance(&["jan.csv"])
            .merge(other_rules)
            .unwrap_err()
            .to_string();
        assert!(err.contains("other rules"), "{err}");
        let err = provenance(&["jan.csv"])
            .merge(provenance(&["jan.csv"]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("jan.csv") && err.contains("count twice"),
            "{err}"
        );
    }
}
