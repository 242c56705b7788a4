//! Compiled rules saved between runs, keyed by everything they were built from.
//!
//! Compiling the default rules (reading their TOML, expanding 18,000 words into their
//! inflections' keys, deduplicating, working out the regexes' literals) is most of a short
//! run's start-up. What it produces, with the word automaton (daachorse's, which reads back
//! its own bytes, checked) but for the regexes' literal automaton and the compiled regexes
//! (aho-corasick's and regex's, which cannot be saved), is written to a file named by a
//! [`CacheKey`]: a hash of the rules' texts and origins, the limits, the catalog, and the code
//! that compiles them. A run with the same key reads the file back and builds only the small
//! literal automaton; the regexes, saved with the patterns of their forms (kept as bytes until
//! a form is compiled), are compiled when a ticket first needs them, as the embedded rules'
//! always were.
//!
//! A rule set is saved only when it compiled without a single diagnostic, so that reading it
//! back can never hide a warning; a file that cannot be read back (another version, cut
//! short, damaged: a CRC-32 of the payload is checked before it is decoded) is compiled again
//! and overwritten.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::compile::{Limits, Parts};
use super::matcher::{Matcher, Term};
use super::pattern::WordCheck;
use super::regex_filter::RuleRegex;
use crate::catalog::Catalog;

/// The start of every cache file: the format; then the key, the CRC-32 of the payload (little
/// endian) and the payload.
const MAGIC: &[u8; 16] = b"csirt-rules-v6\0\0";

/// How many compiled rule sets the cache keeps (each team's rules files, each edit while
/// tuning); the least recently written go first. The default rules take about 8.8 MB: the
/// word automaton 3.3 MB, the rules as written 3 MB, the patterns of their regexes' forms
/// (Unicode classes written out, 6.6 MB as text) deflated to about 1 MB.
const CACHED_RULE_SETS: usize = 8;

/// The source of the code whose output the cache holds: a change to any of it (a new
/// inflection, another key) must not read back rules compiled by the old code.
const COMPILER_SOURCES: &[&str] = &[
    include_str!("automaton.rs"),
    include_str!("cache.rs"),
    include_str!("compile.rs"),
    include_str!("inflect.rs"),
    include_str!("load.rs"),
    include_str!("matcher.rs"),
    include_str!("normalize.rs"),
    include_str!("pattern.rs"),
    include_str!("regex_filter.rs"),
    include_str!("scan.rs"),
    include_str!("zones.rs"),
    include_str!("../error.rs"),
    include_str!("../catalog/load.rs"),
];

/// What a compiled rule set is known by in the cache: the SHA-256 of the compiler's source,
/// the crate's version, the catalog, the limits, and every rules text in load order with
/// where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// The key of the rules `texts` (origin as the builder is given it, text), loaded in this
    /// order for `catalog` under `limits`.
    pub fn new(catalog: &Catalog, limits: &Limits, texts: &[(&Path, &str)]) -> CacheKey {
        let mut h = Sha256::new();
        h.update(MAGIC);
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        for source in COMPILER_SOURCES {
            field(&mut h, source.as_bytes());
        }
        field(&mut h, catalog.fingerprint().as_bytes());
        field(&mut h, format!("{limits:?}").as_bytes());
        for (origin, text) in texts {
            field(&mut h, origin.to_string_lossy().as_bytes());
            field(&mut h, text.as_bytes());
        }
        CacheKey(h.finalize().into())
    }

    /// The cache file's name: `rules-<first 12 bytes in hex>.bin`.
    fn file_name(&self) -> String {
        let hex: String = self.0[..12].iter().map(|b| format!("{b:02x}")).collect();
        format!("rules-{hex}.bin")
    }
}

/// One length-prefixed field of a key (so that `ab` + `c` and `a` + `bc` differ).
fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// A directory of compiled rule sets (the same as the examples' model cache in the binary).
#[derive(Clone, Debug)]
pub struct RulesCache {
    dir: PathBuf,
}

impl RulesCache {
    /// The cache in `dir` (created when first written).
    pub fn new(dir: impl Into<PathBuf>) -> RulesCache {
        RulesCache { dir: dir.into() }
    }

    /// The rule set saved under `key` for `catalog`, ready to tag with; `None` when there is
    /// none, or it cannot be read back (then compile the rules, and save them again).
    pub fn load(&self, key: &CacheKey, catalog: &Catalog) -> Option<Matcher> {
        let bytes = crate::cache_files::open(&self.dir.join(key.file_name())).ok()?;
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())?
            .strip_prefix(key.0.as_slice())?;
        let (crc, payload) = rest.split_first_chunk::<4>()?;
        // A file damaged on disk could still decode, into tables whose numbers point
        // nowhere: the checksum turns it away first.
        if u32::from_le_bytes(*crc) != crc32fast::hash(payload) {
            return None;
        }
        let parts: Parts = postcard::from_bytes(payload).ok()?;
        if parts.catalog_fingerprint != catalog.fingerprint() {
            return None;
        }
        parts.into_matcher().ok()
    }

    /// Saves `parts` under `key`: written beside, then renamed (a reader never sees half a
    /// file), then the oldest sets beyond the few kept are deleted.
    pub(super) fn save(&self, key: &CacheKey, parts: &Parts) -> std::io::Result<()> {
        let payload = postcard::to_allocvec(parts).map_err(std::io::Error::other)?;
        let mut bytes = Vec::with_capacity(MAGIC.len() + key.0.len() + 4 + payload.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&key.0);
        bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        crate::cache_files::save(
            &self.dir,
            &key.file_name(),
            &bytes,
            "rules-",
            CACHED_RULE_SETS,
        )
    }
}

/// How a word of a term is saved: its list of forms by number in a table written once, as
/// every phrase holding the word shares one list in memory (a rule set of ten thousand
/// multilingual phrases had 46 MiB of copies).
#[derive(Serialize, Deserialize)]
enum SavedCheck {
    Exact(Box<str>),
    Forms(u32),
    Prefix(Box<str>),
}

#[derive(Serialize, Deserialize)]
enum SavedTerm {
    Words(Vec<SavedCheck>),
    Regex(u32),
    Inside { at_end: bool },
}

/// `#[serde(with)]` for the terms of [`Parts`]: the shared lists of forms written once.
pub(super) mod terms {
    use super::*;

    pub fn serialize<S: Serializer>(terms: &[Term], s: S) -> Result<S::Ok, S::Error> {
        let mut table: Vec<&[Box<str>]> = Vec::new();
        let mut numbers: HashMap<*const Box<str>, u32> = HashMap::new();
        let saved: Vec<SavedTerm> = terms
            .iter()
            .map(|term| match term {
                Term::Words(checks) => SavedTerm::Words(
                    checks
                        .iter()
                        .map(|check| match check {
                            WordCheck::Exact(w) => SavedCheck::Exact(w.clone()),
                            WordCheck::Prefix(p) => SavedCheck::Prefix(p.clone()),
                            WordCheck::Forms(forms) => {
                                let n = *numbers.entry(forms.as_ptr()).or_insert_with(|| {
                                    table.push(forms);
                                    table.len() as u32 - 1
                                });
                                SavedCheck::Forms(n)
                            }
                        })
                        .collect(),
                ),
                Term::Regex(i) => SavedTerm::Regex(*i),
                Term::Inside { at_end } => SavedTerm::Inside { at_end: *at_end },
            })
            .collect();
        (table, saved).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Term>, D::Error> {
        let (table, saved): (Vec<Vec<Box<str>>>, Vec<SavedTerm>) = Deserialize::deserialize(d)?;
        let table: Vec<Arc<[Box<str>]>> = table.into_iter().map(Arc::from).collect();
        saved
            .into_iter()
            .map(|term| {
                Ok(match term {
                    SavedTerm::Words(checks) => Term::Words(
                        checks
                            .into_iter()
                            .map(|check| {
                                Ok(match check {
                                    SavedCheck::Exact(w) => WordCheck::Exact(w),
                                    SavedCheck::Prefix(p) => WordCheck::Prefix(p),
                                    SavedCheck::Forms(n) => WordCheck::Forms(
                                        table
                                            .get(n as usize)
                                            .ok_or_else(|| {
                                                serde::de::Error::custom("no such list of forms")
                                            })?
                                            .clone(),
                                    ),
                                })
                            })
                            .collect::<Result<Box<[WordCheck]>, D::Error>>()?,
                    ),
                    SavedTerm::Regex(i) => Term::Regex(i),
                    SavedTerm::Inside { at_end } => Term::Inside { at_end },
                })
            })
            .collect()
    }
}

/// `#[serde(with)]` for the regexes of [`Parts`]: each as its source, size limit and the
/// patterns of its forms (see [`RulesCache::save`]).
pub(super) mod regexes {
    use super::*;

    pub fn serialize<S: Serializer>(regexes: &[RuleRegex], s: S) -> Result<S::Ok, S::Error> {
        // The regexes' forms are saved worked out (and compressed): a later run compiles them
        // from there. Worked out on every core.
        let patterns: Vec<_> = regexes.par_iter().map(|r| r.saved_patterns()).collect();
        let saved: Vec<(&str, u64, Bytes)> = regexes
            .iter()
            .zip(&patterns)
            .map(|(r, p)| (r.source(), r.size_limit() as u64, Bytes(p)))
            .collect();
        saved.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<RuleRegex>, D::Error> {
        // The patterns stay bytes until a form is compiled (see `RuleRegex::saved`).
        let saved: Vec<(&'de str, u64, &'de [u8])> = Deserialize::deserialize(d)?;
        Ok(saved
            .into_iter()
            .map(|(source, limit, patterns)| {
                RuleRegex::saved(
                    source,
                    patterns.into(),
                    usize::try_from(limit).unwrap_or(usize::MAX),
                )
            })
            .collect())
    }
}

/// A part of the compiled rules saved as a byte string of its own, so that reading the cache
/// back decodes it on another thread, beside the rest (see [`Parts::into_matcher`]): the rules
/// as written and the terms were 17 of the 24 ms that decoding the default rules took in line.
pub(super) enum Later<T> {
    /// Built by the compiler, or decoded.
    Ready(T),
    /// As read from the cache.
    Saved(Vec<u8>),
}

impl<T: serde::de::DeserializeOwned> Later<T> {
    /// The value, decoded if need be.
    pub fn open(self) -> Result<T, postcard::Error> {
        match self {
            Later::Ready(v) => Ok(v),
            Later::Saved(bytes) => postcard::from_bytes(&bytes),
        }
    }
}

impl<T: Serialize> Serialize for Later<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Later::Ready(v) => {
                let bytes = postcard::to_allocvec(v).map_err(serde::ser::Error::custom)?;
                Bytes(&bytes).serialize(s)
            }
            Later::Saved(bytes) => Bytes(bytes).serialize(s),
        }
    }
}

impl<'de, T> Deserialize<'de> for Later<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Later<T>, D::Error> {
        let bytes: &'de [u8] = Deserialize::deserialize(d)?;
        Ok(Later::Saved(bytes.to_vec()))
    }
}

/// The terms of [`Parts`], saved with the shared lists of forms written once (see `terms`).
#[derive(Serialize, Deserialize)]
pub(super) struct Terms(#[serde(with = "terms")] pub Vec<Term>);

/// Bytes written by serde as one byte string (postcard: its length, then the bytes as they
/// are), so that they are read back borrowed, not number by number.
pub(super) struct Bytes<'a>(pub &'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ExampleIndex;
    use crate::rules::automaton::WordAutomaton;
    use crate::rules::{RuleSetBuilder, Scratch};
    use crate::Diagnostics;

    fn default_rules(catalog: &Catalog) -> RuleSetBuilder<'_> {
        let mut diags = Diagnostics::default();
        let mut builder = RuleSetBuilder::new(catalog);
        builder.add_defaults(&mut diags);
        assert!(diags.is_empty(), "{:?}", diags.items());
        builder
    }

    fn key(catalog: &Catalog, text: &str) -> CacheKey {
        CacheKey::new(catalog, &Limits::default(), &[(Path::new("a.toml"), text)])
    }

    /// What the rules find in a text, in full: rules fired, vetoed and partial, with zones
    /// and every hit of every rule.
    fn outcome(m: &Matcher, text: &str, scratch: &mut Scratch) -> String {
        let found = m.find_in_text(text, scratch, true);
        let mut out = format!(
            "{:?} {:?} {:?} {:?}",
            found.fired(),
            found.fired_zones(),
            found.vetoed(),
            found.partial()
        );
        for &r in found
            .fired()
            .iter()
            .chain(found.vetoed())
            .chain(found.partial())
        {
            out.push_str(&format!(" {:?}", found.rule_hits(r)));
        }
        out
    }

    /// The default rules read back from the cache find exactly what the compiled ones find,
    /// hit for hit, on a tenth of the embedded examples (seven languages, every service).
    #[test]
    fn rules_read_back_find_what_the_compiled_rules_find() {
        let catalog = Catalog::default_embedded();
        let dir = tempfile::tempdir().unwrap();
        let cache = RulesCache::new(dir.path().join("cache"));
        let key = key(&catalog, "defaults");
        let (compiled, saved) = default_rules(&catalog)
            .build_into_cache(&cache, &key)
            .unwrap();
        saved.unwrap();
        let read = cache.load(&key, &catalog).expect("read back");
        assert_eq!(read.stats(), compiled.stats());
        assert_eq!(read.rules(), compiled.rules());
        assert_eq!(read.sources(), compiled.sources());
        let (mut a, mut b) = (Scratch::default(), Scratch::default());
        let examples = ExampleIndex::embedded(&catalog);
        let mut compared = 0;
        for example in examples.iter().step_by(10) {
            let text = &example.text;
            assert_eq!(
                outcome(&read, text, &mut a),
                outcome(&compiled, text, &mut b),
                "{}",
                example.id
            );
            compared += 1;
        }
        assert!(compared > 300, "{compared}");
        // The regexes and their literals too: a text for a regex with Unicode classes.
        let text = "CVE-2024-3094 in xz-utils 5.6.0 / 5.6.1, siehe https://example.org/ä?q=1";
        assert_eq!(
            outcome(&read, text, &mut a),
            outcome(&compiled, text, &mut b)
        );
        assert!(!read.find_in_text(text, &mut a, false).fired().is_empty());
    }

    /// A word automaton that does not fit the tables read with it (another file's, or
    /// damaged in a way its checks let through) is refused, not matched with.
    #[test]
    fn a_word_automaton_that_does_not_fit_its_tables_is_refused() {
        let catalog = Catalog::default_embedded();
        let mut parts = default_rules(&catalog).assemble().unwrap();
        parts.automaton = Some(WordAutomaton::build(&[" phish ", " scan "]).unwrap());
        let e = parts.into_matcher().unwrap_err().to_string();
        assert!(e.contains("a word automaton of 2 patterns for"), "{e}");
    }

    /// The lists of forms that phrases share in memory are shared again when read back
    /// (saved once each, not once per phrase).
    #[test]
    fn shared_forms_stay_shared() {
        let catalog = Catalog::default_embedded();
        let mut parts = default_rules(&catalog).assemble().unwrap();
        let bytes = postcard::to_allocvec(&parts).unwrap();
        let mut back: Parts = postcard::from_bytes(&bytes).unwrap();
        let terms = |t: &mut Later<Terms>| std::mem::replace(t, Later::Saved(Vec::new())).open();
        let (original, read) = (
            terms(&mut parts.terms).unwrap(),
            terms(&mut back.terms).unwrap(),
        );
        let lists = |terms: &[Term]| {
            let mut all = 0;
            let mut distinct = std::collections::HashSet::new();
            for term in terms {
                if let Term::Words(checks) = term {
                    for check in checks.iter() {
                        if let WordCheck::Forms(forms) = check {
                            all += 1;
                            distinct.insert(forms.as_ptr() as usize);
                        }
                    }
                }
            }
            (all, distinct.len())
        };
        let (all, distinct) = lists(&original.0);
        assert!(
            distinct < all,
            "{distinct} of {all}: the default rules share forms"
        );
        assert_eq!(lists(&read.0), (all, distinct));
        // Decoded and saved again, the same bytes.
        back.terms = Later::Ready(read);
        let rules = std::mem::replace(&mut back.rules, Later::Saved(Vec::new()));
        back.rules = Later::Ready(rules.open().unwrap());
        assert_eq!(postcard::to_allocvec(&back).unwrap(), bytes);
    }

    /// The key follows the texts, their origins and order, and the limits; a file that is not
    /// what the key names (cut short, another key's, not a cache file) is not read back.
    #[test]
    fn keys_and_unreadable_files() {
        let catalog = Catalog::default_embedded();
        let (a, b) = (Path::new("a.toml"), Path::new("b.toml"));
        let key_of =
            |texts: &[(&Path, &str)], limits: &Limits| CacheKey::new(&catalog, limits, texts);
        let limits = Limits::default();
        let base = key_of(&[(a, "x"), (b, "y")], &limits);
        assert_eq!(base, key_of(&[(a, "x"), (b, "y")], &limits));
        assert_ne!(base, key_of(&[(b, "y"), (a, "x")], &limits));
        assert_ne!(base, key_of(&[(a, "x"), (a, "y")], &limits));
        assert_ne!(base, key_of(&[(a, "xy"), (b, "")], &limits));
        let lower = Limits {
            regex_size_limit: 1 << 10,
            ..Limits::default()
        };
        assert_ne!(base, key_of(&[(a, "x"), (b, "y")], &lower));

        let dir = tempfile::tempdir().unwrap();
        let cache = RulesCache::new(dir.path());
        let key = key(&catalog, "defaults");
        let (_, saved) = default_rules(&catalog)
            .build_into_cache(&cache, &key)
            .unwrap();
        saved.unwrap();
        let path = dir.path().join(key.file_name());
        let bytes = std::fs::read(&path).unwrap();
        assert!(cache.load(&key, &catalog).is_some());
        assert!(cache
            .load(&self::key(&catalog, "other"), &catalog)
            .is_none());
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert!(cache.load(&key, &catalog).is_none(), "cut short");
        // One byte changed in a word of the payload: it would still decode, into other words.
        let mut damaged = bytes.clone();
        let at = damaged.len() / 2;
        damaged[at] = damaged[at].wrapping_add(1);
        std::fs::write(&path, &damaged).unwrap();
        assert!(cache.load(&key, &catalog).is_none(), "damaged");
        std::fs::write(&path, &bytes).unwrap();
        assert!(cache.load(&key, &catalog).is_some(), "as saved");
        std::fs::write(&path, b"not a cache file").unwrap();
        assert!(cache.load(&key, &catalog).is_none());
        let mut other_key = bytes.clone();
        other_key[MAGIC.len()] ^= 1;
        std::fs::write(&path, &other_key).unwrap();
        assert!(cache.load(&key, &catalog).is_none(), "another key's file");
    }

    /// At most [`CACHED_RULE_SETS`] rule sets are kept: the most recently written.
    #[test]
    fn the_cache_keeps_the_latest_rule_sets() {
        let catalog = Catalog::default_embedded();
        let dir = tempfile::tempdir().unwrap();
        let cache = RulesCache::new(dir.path());
        let rule =
            |i: usize| format!("[[rule]]\nid = \"r{i}\"\nservice = \"6.3\"\nany = [\"word{i}\"]\n");
        for i in 0..CACHED_RULE_SETS + 2 {
            let mut diags = Diagnostics::default();
            let mut builder = RuleSetBuilder::new(&catalog);
            builder.add_str(&rule(i), Path::new("t.toml"), &mut diags);
            let (_, saved) = builder
                .build_into_cache(&cache, &key(&catalog, &rule(i)))
                .unwrap();
            saved.unwrap();
        }
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), CACHED_RULE_SETS, "{names:?}");
        let last = key(&catalog, &rule(CACHED_RULE_SETS + 1));
        assert!(cache.load(&last, &catalog).is_some());
    }
}
