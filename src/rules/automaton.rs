//! The multi-pattern automata (words over keys; regex literals over text): aho-corasick's
//! DFA, walked by our own loop.
//!
//! Why our own loop: we need every pattern that ends at every position (overlapping
//! semantics: `reverse engineering` and `engineering`), and aho-corasick's overlapping
//! iterator, being general, costs about 10 ns a byte on ticket text; walked by hand, its
//! automata cost one transition a byte.
//!
//! Which automaton: a DFA is one table lookup a byte but takes about 2 KiB per pattern of
//! ours. Past [`DFA_MAX_PATTERNS`] its table no longer fits in the caches and every byte waits
//! on memory: on the RustSec texts, the default rules' 7,500 patterns took 14.1 ms as a DFA
//! (14 MiB) and 11.6 ms as a contiguous NFA (0.8 MiB). So the word automaton is an NFA, and the
//! small automaton of regex literals a DFA.

use aho_corasick::automaton::Automaton as _;
use aho_corasick::{dfa, nfa, Anchored, BuildError, MatchKind, StartKind};

/// Most patterns compiled as a DFA (about 2 KiB of table per pattern of ours).
pub(super) const DFA_MAX_PATTERNS: usize = 500;

/// An aho-corasick automaton with standard (all matches) semantics, unanchored.
#[derive(Clone, Debug)]
pub(super) enum Automaton {
    Dfa(dfa::DFA),
    Nfa(nfa::contiguous::NFA),
}

impl Automaton {
    /// Compiles `patterns`; `ascii_case` makes ASCII letters match either case.
    pub fn build<P: AsRef<[u8]>>(
        patterns: &[P],
        ascii_case: bool,
    ) -> Result<Automaton, BuildError> {
        if patterns.len() <= DFA_MAX_PATTERNS {
            dfa::DFA::builder()
                .match_kind(MatchKind::Standard)
                .start_kind(StartKind::Unanchored)
                .ascii_case_insensitive(ascii_case)
                .prefilter(false) // our patterns start with common bytes: no use
                .build(patterns)
                .map(Automaton::Dfa)
        } else {
            nfa::contiguous::NFA::builder()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(ascii_case)
                .prefilter(false)
                .build(patterns)
                .map(Automaton::Nfa)
        }
    }

    /// Number of patterns.
    pub fn patterns_len(&self) -> usize {
        match self {
            Automaton::Dfa(a) => a.patterns_len(),
            Automaton::Nfa(a) => a.patterns_len(),
        }
    }

    /// Heap memory used, in bytes.
    pub fn memory_usage(&self) -> usize {
        match self {
            Automaton::Dfa(a) => a.memory_usage(),
            Automaton::Nfa(a) => a.memory_usage(),
        }
    }

    /// Calls `f(pattern, start, end)` for every occurrence of every pattern in `hay`, by
    /// increasing end.
    #[inline]
    pub fn for_each_match(&self, hay: &[u8], f: impl FnMut(usize, usize, usize)) {
        match self {
            Automaton::Dfa(a) => walk(a, hay, f),
            Automaton::Nfa(a) => walk(a, hay, f),
        }
    }
}

#[inline]
fn walk<A: aho_corasick::automaton::Automaton>(
    a: &A,
    hay: &[u8],
    mut f: impl FnMut(usize, usize, usize),
) {
    let Ok(mut sid) = a.start_state(Anchored::No) else {
        return; // built with StartKind::Unanchored: cannot happen
    };
    for (i, &byte) in hay.iter().enumerate() {
        sid = a.next_state(Anchored::No, sid, byte);
        // Without a prefilter, the only special states of an unanchored search are matches
        // (a dead state needs anchoring or leftmost semantics).
        if a.is_special(sid) && a.is_match(sid) {
            for k in 0..a.match_len(sid) {
                let pattern = a.match_pattern(sid, k);
                f(pattern.as_usize(), i + 1 - a.pattern_len(pattern), i + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(a: &Automaton, hay: &str) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        a.for_each_match(hay.as_bytes(), |p, s, e| out.push((p, s, e)));
        out
    }

    #[test]
    fn every_overlapping_match_is_reported_by_both_kinds() {
        let patterns = [" revers engineer ", " engineer ", " engineer team "];
        let dfa = Automaton::build(&patterns, false).unwrap();
        let Automaton::Dfa(d) = &dfa else {
            panic!("small sets are DFAs")
        };
        let nfa = Automaton::Nfa(nfa::contiguous::NFA::new(patterns).unwrap());
        let hay = " our revers engineer team ";
        let expected = vec![(0, 4, 21), (1, 11, 21), (2, 11, 26)];
        assert_eq!(matches(&dfa, hay), expected);
        assert_eq!(matches(&nfa, hay), expected);
        assert!(d.memory_usage() > 0);
    }

    #[test]
    fn ascii_case_is_folded_when_asked() {
        let a = Automaton::build(&["abuse@"], true).unwrap();
        assert_eq!(matches(&a, "Contact ABUSE@example.org"), [(0, 8, 14)]);
    }
}
