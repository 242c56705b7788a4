//! Which literal text every match of a regex must contain, so that a regex only runs on the
//! fields that contain one of its literals.
//!
//! Why: rules' regexes are full of `\b`, `\w` and bounded repeats (`[^.\n]{0,40}`). Run
//! together as one `RegexSet`, their combined DFA explodes and the regex engine falls back to
//! its slowest engine (0.5 MB/s on the public corpus, 40 regexes); run one by one, they still
//! scan every field once each. Most of them, though, need a word (`sensor`, `advisory`...)
//! that most fields lack. We read that from the regex's syntax tree, look for all those
//! literals in one pass of a small automaton, and run a regex only where one was found.
//! A regex without such a literal (`\b[0-9a-f]{64}\b`) goes into one `RegexSet` that reads
//! every field.
//!
//! The literals are lower case and in normalised form (see `normalize`), like the text the
//! regexes run on. The extraction is conservative: when in doubt there is no literal and the
//! regex runs on every field, so the results never depend on it.

use regex_syntax::hir::{Class, Hir, HirKind};

use super::normalize::normalize;

/// Most literals in one set (beyond that, finding them costs more than it saves).
const MAX_LITERALS: usize = 64;

/// Shortest useful literal, in bytes.
const MIN_LITERAL: usize = 3;

/// Most sets a regex is gated by.
const MAX_SETS: usize = 3;

/// What a part of a regex matches: every string it can match (`exact`, when few), and sets of
/// literals such that every match contains one literal of each set (`required`).
#[derive(Clone, Debug, Default)]
struct Lits {
    exact: Option<Vec<String>>,
    required: Vec<Vec<String>>,
}

/// Literal sets such that every match of `source` (compiled case-insensitively) contains a
/// literal of each set: at most three sets, the most selective first. `None` when no set can
/// be told.
pub(crate) fn required_literals(source: &str) -> Option<Vec<Vec<String>>> {
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(source)
        .ok()?;
    let lits = walk(&hir);
    let mut sets: Vec<Vec<String>> = lits
        .required
        .into_iter()
        .chain(lits.exact)
        .filter(|set| useful(set))
        .collect();
    sets.sort_by_key(|set| (std::cmp::Reverse(score(set)), set.len()));
    // A set is left out when a kept one implies it (each of its literals contains one of the
    // set's): `{agent, sensor}` makes `{agent, agents, sensor, sensors}` say nothing more.
    let implies = |t: &Vec<String>, s: &Vec<String>| {
        t.iter()
            .all(|lt| s.iter().any(|ls| lt.contains(ls.as_str())))
    };
    let mut kept: Vec<Vec<String>> = Vec::new();
    for set in sets {
        if !kept.iter().any(|k| implies(k, &set)) {
            kept.push(set);
        }
    }
    kept.truncate(MAX_SETS);
    (!kept.is_empty()).then_some(kept)
}

/// How selective a set is: the length of its shortest literal.
fn score(set: &[String]) -> usize {
    set.iter().map(String::len).min().unwrap_or(0)
}

fn useful(set: &[String]) -> bool {
    !set.is_empty() && set.len() <= MAX_LITERALS && score(set) >= MIN_LITERAL
}

/// The most selective single set a part guarantees (for alternations, which need one set per
/// branch).
fn best(l: &Lits) -> Option<Vec<String>> {
    l.required
        .iter()
        .chain(l.exact.as_ref())
        .filter(|set| score(set) > 0)
        .max_by_key(|set| (score(set), std::cmp::Reverse(set.len())))
        .cloned()
}

fn walk(h: &Hir) -> Lits {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Lits {
            exact: Some(vec![String::new()]),
            required: Vec::new(),
        },
        HirKind::Literal(lit) => {
            let s = normalize(&String::from_utf8_lossy(&lit.0));
            Lits {
                exact: Some(vec![s.clone()]),
                required: vec![vec![s]],
            }
        }
        HirKind::Class(class) => Lits {
            exact: single_char(class).map(|c| vec![c]),
            required: Vec::new(),
        },
        HirKind::Capture(c) => walk(&c.sub),
        HirKind::Repetition(rep) => {
            let sub = walk(&rep.sub);
            let exact = match (rep.min, rep.max) {
                (1, Some(1)) => sub.exact.clone(),
                (0, Some(1)) => sub.exact.clone().map(|mut e| {
                    e.push(String::new());
                    e
                }),
                _ => None,
            };
            let required = if rep.min >= 1 {
                sub.required.into_iter().chain(sub.exact).collect()
            } else {
                Vec::new()
            };
            Lits { exact, required }
        }
        HirKind::Concat(parts) => concat(&parts.iter().map(walk).collect::<Vec<_>>()),
        HirKind::Alternation(alts) => {
            let alts: Vec<Lits> = alts.iter().map(walk).collect();
            let union = |sets: Option<Vec<Vec<String>>>| {
                let mut all: Vec<String> = sets?.into_iter().flatten().collect();
                all.sort_unstable();
                all.dedup();
                (all.len() <= MAX_LITERALS).then_some(all)
            };
            Lits {
                exact: union(alts.iter().map(|a| a.exact.clone()).collect()),
                required: union(alts.iter().map(best).collect()).into_iter().collect(),
            }
        }
    }
}

/// A concatenation: every part's required sets hold, and runs of parts with exact sets
/// multiply into longer literals that are required too.
fn concat(parts: &[Lits]) -> Lits {
    let product = |run: &[&Vec<String>]| -> Option<Vec<String>> {
        let mut out = vec![String::new()];
        for set in run {
            if out.len() * set.len() > MAX_LITERALS {
                return None;
            }
            out = out
                .iter()
                .flat_map(|a| set.iter().map(move |b| format!("{a}{b}")))
                .collect();
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    };
    let mut required: Vec<Vec<String>> = parts
        .iter()
        .flat_map(|p| p.required.iter().cloned())
        .collect();
    let mut run: Vec<&Vec<String>> = Vec::new();
    for part in parts.iter().map(|p| p.exact.as_ref()).chain([None]) {
        match part {
            Some(set) => run.push(set),
            None => {
                if let Some(set) = product(&run) {
                    required.push(set);
                }
                run.clear();
            }
        }
    }
    let all_exact: Option<Vec<&Vec<String>>> = parts.iter().map(|p| p.exact.as_ref()).collect();
    Lits {
        exact: all_exact.and_then(|sets| product(&sets)),
        required,
    }
}

/// The one normalised character a class stands for (`[Ss]` from case-insensitivity, with
/// the long s `ſ`, which normalises to `s`), if it stands for one.
fn single_char(class: &Class) -> Option<String> {
    let Class::Unicode(u) = class else {
        return None;
    };
    let mut chars = u.ranges().iter().flat_map(|r| r.start()..=r.end());
    let first = normalize(&chars.next()?.to_string());
    let mut count = 1;
    for c in chars {
        count += 1;
        if count > 4 || normalize(&c.to_string()) != first {
            return None;
        }
    }
    (first.chars().count() == 1).then_some(first)
}

/// A rule regex compiled twice: as written, and, when it compiles so, with ASCII classes
/// over bytes (`unicode(false)`) for ASCII text. On ASCII text both match the same (`\w`,
/// `\b`, `\s`, case folding only differ on non-ASCII characters), and the ASCII one avoids
/// the engine's slow path for Unicode word boundaries: 1.7 times faster on the RustSec texts.
#[derive(Clone, Debug)]
pub(crate) struct DualRegex {
    unicode: regex::Regex,
    ascii: Option<regex::bytes::Regex>,
}

impl DualRegex {
    /// Compiles `source` case-insensitively, each form within `size_limit` bytes.
    pub fn new(source: &str, size_limit: usize) -> Result<DualRegex, regex::Error> {
        let unicode = regex::RegexBuilder::new(source)
            .case_insensitive(true)
            .size_limit(size_limit)
            .build()?;
        let ascii = regex::bytes::RegexBuilder::new(source)
            .case_insensitive(true)
            .unicode(false)
            .size_limit(size_limit)
            .build()
            .ok(); // `\p{L}`, `€`...: the Unicode form serves ASCII text too
        Ok(DualRegex { unicode, ascii })
    }

    /// Whether it matches `text` (`ascii`: the text is ASCII).
    #[inline]
    pub fn is_match(&self, text: &str, ascii: bool) -> bool {
        match (&self.ascii, ascii) {
            (Some(a), true) => a.is_match(text.as_bytes()),
            _ => self.unicode.is_match(text),
        }
    }

    /// Calls `f(start, end)` for every match.
    pub fn for_each_match(&self, text: &str, ascii: bool, mut f: impl FnMut(usize, usize)) {
        match (&self.ascii, ascii) {
            (Some(a), true) => a
                .find_iter(text.as_bytes())
                .for_each(|m| f(m.start(), m.end())),
            _ => self
                .unicode
                .find_iter(text)
                .for_each(|m| f(m.start(), m.end())),
        }
    }
}

/// The regexes without literals as one set, in the same two forms as [`DualRegex`].
#[derive(Clone, Debug)]
pub(crate) struct DualRegexSet {
    unicode: regex::RegexSet,
    ascii: Option<regex::bytes::RegexSet>,
}

impl DualRegexSet {
    /// Compiles `sources` case-insensitively, the set within `size_limit` bytes.
    pub fn new<'a>(
        sources: impl Iterator<Item = &'a str> + Clone,
        size_limit: usize,
    ) -> Result<DualRegexSet, regex::Error> {
        let unicode = regex::RegexSetBuilder::new(sources.clone())
            .case_insensitive(true)
            .size_limit(size_limit)
            .build()?;
        let ascii = regex::bytes::RegexSetBuilder::new(sources)
            .case_insensitive(true)
            .unicode(false)
            .size_limit(size_limit)
            .build()
            .ok();
        Ok(DualRegexSet { unicode, ascii })
    }

    /// Calls `f(i)` for every regex `i` of the set that matches `text`.
    pub fn for_each_match(&self, text: &str, ascii: bool, mut f: impl FnMut(usize)) {
        // `is_match` first: it allocates nothing, and most fields match no regex.
        match (&self.ascii, ascii) {
            (Some(a), true) if a.is_match(text.as_bytes()) => {
                a.matches(text.as_bytes()).iter().for_each(&mut f)
            }
            (Some(_), true) => {}
            _ if self.unicode.is_match(text) => self.unicode.matches(text).iter().for_each(&mut f),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(source: &str) -> Option<Vec<Vec<String>>> {
        required_literals(source)
    }

    #[test]
    fn the_most_selective_required_words_are_found() {
        let l = lits(r"(?i)\b(sensor|collector|agent)s?\b[^.\n]{0,40}\b(offline|down)\b").unwrap();
        assert_eq!(
            l,
            [
                vec!["agent", "collector", "sensor"],
                vec!["down", "offline"]
            ]
        );
        assert_eq!(lits(r"\babuse@[a-z0-9.-]+").unwrap(), [["abuse@"]]);
        assert_eq!(
            lits(r"(?i)\b(edr|av)[ -](alert|alarm|incident)\b").unwrap(),
            [["alarm", "alert", "incident"]]
        );
        assert_eq!(lits(r"\bCVE-\d{4}-\d+").unwrap(), [["cve-"]]);
        assert_eq!(lits("Datensätze").unwrap(), [["datensätze"]]);
        let l = lits(r"(?i)\b(crisis|krisen\w*)\b[^\n]{0,80}\b(decided|decision)\b").unwrap();
        assert_eq!(
            l,
            [vec!["decided", "decision"], vec!["crisis", "krisen"]],
            "both sets gate"
        );
    }

    #[test]
    fn both_forms_of_a_regex_agree_on_ascii_text() {
        let r = DualRegex::new(r"(?i)\bK\w+\b[^.\n]{0,5}\bé?x\b", 1 << 20).unwrap();
        assert!(r.ascii.is_some());
        for (text, expected) in [
            ("kilo x", true),
            ("KILO-X", true),
            ("skilo x", false),
            ("kilo. x", false),
        ] {
            assert_eq!(r.is_match(text, true), expected, "{text}");
            assert_eq!(r.is_match(text, false), expected, "{text}");
        }
        assert!(DualRegex::new(r"\p{Greek}", 1 << 20)
            .unwrap()
            .ascii
            .is_none());
    }

    #[test]
    fn regexes_without_a_required_word_have_no_literals() {
        assert_eq!(lits(r"\b[0-9a-f]{64}\b"), None);
        assert_eq!(
            lits(r"(?i)(foo)?ba|bz\d"),
            None,
            "`bz\\d` needs only `bz`, too short"
        );
        assert_eq!(
            lits(r"(?i)\b\w+ing\b").unwrap(),
            [["ing"]],
            "correct, if not selective"
        );
        assert_eq!(lits(r"(?i)\b\w+\b"), None);
        assert_eq!(lits(r"(unclosed"), None);
        assert_eq!(lits(r"x*"), None);
    }
}
