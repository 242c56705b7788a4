//! The multi-pattern automata: one over the words' keys (daachorse's double array), one over
//! the regexes' literals in the text (aho-corasick's DFA, walked by our own loop).
//!
//! Both report every pattern that ends at every position (overlapping semantics: `reverse
//! engineering` and `engineering`), one transition a byte.
//!
//! Why two libraries: the word automaton holds tens of thousands of patterns (the default
//! rules: 34,514 keys). As aho-corasick's contiguous NFA it took 30-45 ms to build on every
//! run, could not be saved, and searched 4.5 MB of keys in 29 ms; daachorse's double array
//! takes longer to build (about 65 ms) but is saved with the compiled rules and read back,
//! checked, in about 1 ms, and searches the same keys in 22 ms. The literal automaton is small
//! (a few hundred literals, matched ASCII case-insensitively, which daachorse does not do) and
//! cheap to build: aho-corasick's DFA, one table lookup a byte. Past [`DFA_MAX_PATTERNS`] a
//! DFA's table (about 2 KiB a pattern of ours) no longer fits in the caches and every byte
//! waits on memory, so a larger literal set is a contiguous NFA.

use aho_corasick::automaton::Automaton as _;
use aho_corasick::{dfa, nfa, Anchored, BuildError, MatchKind, StartKind};
use daachorse::{DoubleArrayAhoCorasick, DoubleArrayAhoCorasickBuilder};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::cache::Bytes;

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

/// The word automaton: every key pattern of the rules' words and phrases, numbered in the
/// order given. Saved with the compiled rules as daachorse's own bytes, and checked by
/// daachorse when read back.
#[derive(Clone)]
pub(super) struct WordAutomaton {
    automaton: DoubleArrayAhoCorasick<u32>,
    /// Each pattern's length in bytes: where a match starts is worked out from these, not
    /// asked of daachorse, which checks a read-back automaton's structure but not the lengths
    /// it reports (a damaged one can report a match longer than the text before it).
    lengths: Vec<u32>,
}

impl WordAutomaton {
    /// Compiles `patterns` (distinct and not empty, as the compiler makes them).
    pub fn build<P: AsRef<[u8]>>(patterns: &[P]) -> Result<WordAutomaton, String> {
        // Standard match semantics (daachorse's default): every match, overlapping.
        DoubleArrayAhoCorasickBuilder::new()
            .build(patterns)
            .map_err(|e| e.to_string())
            .and_then(|automaton| {
                let lengths = patterns
                    .iter()
                    .map(|p| u32::try_from(p.as_ref().len()))
                    .collect::<Result<_, _>>()
                    .map_err(|e| e.to_string())?;
                Ok(WordAutomaton { automaton, lengths })
            })
    }

    /// Number of patterns.
    pub fn patterns_len(&self) -> usize {
        self.lengths.len()
    }

    /// Heap memory used, in bytes.
    pub fn memory_usage(&self) -> usize {
        self.automaton.heap_bytes() + self.lengths.len() * 4
    }

    /// Calls `f(pattern, start, end)` for every occurrence of every pattern in `hay`, by
    /// increasing end; `pattern` is below [`WordAutomaton::patterns_len`].
    #[inline]
    pub fn for_each_match(&self, hay: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        for m in self.automaton.find_overlapping_iter(hay) {
            // Always found for an automaton we built; one read back is checked by daachorse
            // for its structure, not for the numbers it reports.
            let (pattern, end) = (m.value() as usize, m.end());
            let length = self.lengths.get(pattern).map(|&l| l as usize);
            if let Some(start) = length.and_then(|l| end.checked_sub(l)) {
                f(pattern, start, end);
            }
        }
    }
}

impl std::fmt::Debug for WordAutomaton {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WordAutomaton")
            .field("patterns", &self.lengths.len())
            .field("heap_bytes", &self.automaton.heap_bytes())
            .finish()
    }
}

impl Serialize for WordAutomaton {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.lengths, Bytes(&self.automaton.serialize())).serialize(s)
    }
}

impl<'de> Deserialize<'de> for WordAutomaton {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<WordAutomaton, D::Error> {
        use serde::de::Error as _;
        // Borrowed from the file's bytes (postcard writes a byte string as it is).
        let (lengths, bytes): (Vec<u32>, &'de [u8]) = Deserialize::deserialize(d)?;
        // daachorse checks the arrays it reads (states in bounds, outputs well formed): bytes
        // that are not an automaton are an error, never a panic while matching.
        let (automaton, rest) = DoubleArrayAhoCorasick::<u32>::deserialize(bytes)
            .map_err(|e| D::Error::custom(format!("word automaton: {e}")))?;
        if !rest.is_empty() {
            return Err(D::Error::custom("word automaton: trailing bytes"));
        }
        Ok(WordAutomaton { automaton, lengths })
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

    fn word_matches(a: &WordAutomaton, hay: &str) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        a.for_each_match(hay.as_bytes(), |p, s, e| out.push((p, s, e)));
        out
    }

    #[test]
    fn the_word_automaton_reports_what_aho_corasick_does_and_reads_back_the_same() {
        let patterns = [
            " revers engineer ",
            " engineer ",
            " engineer team ",
            " team ",
        ];
        let words = WordAutomaton::build(&patterns).unwrap();
        let nfa = Automaton::Nfa(nfa::contiguous::NFA::new(patterns).unwrap());
        let hay = " our revers engineer team engineer ";
        let expected = matches(&nfa, hay);
        assert_eq!(expected.len(), 5);
        let mut found = word_matches(&words, hay);
        found.sort_by_key(|&(p, s, e)| (e, s, p));
        let mut sorted = expected.clone();
        sorted.sort_by_key(|&(p, s, e)| (e, s, p));
        assert_eq!(found, sorted);
        assert_eq!(words.patterns_len(), 4);

        let bytes = postcard::to_allocvec(&words).unwrap();
        let back: WordAutomaton = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(word_matches(&back, hay), word_matches(&words, hay));
        assert_eq!(back.patterns_len(), 4);
    }

    #[test]
    fn bytes_that_are_no_word_automaton_are_an_error_not_a_panic() {
        let words = WordAutomaton::build(&[" phish ", " phishing "]).unwrap();
        let bytes = postcard::to_allocvec(&words).unwrap();
        // Cut short, and every single byte of the automaton's arrays changed in turn: never
        // a panic; what still reads must be an automaton daachorse checked.
        assert!(postcard::from_bytes::<WordAutomaton>(&bytes[..bytes.len() / 2]).is_err());
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x5a;
            if let Ok(a) = postcard::from_bytes::<WordAutomaton>(&damaged) {
                word_matches(&a, " a phishing mail ");
            }
        }
        let garbage = postcard::to_allocvec(&(vec![7u32, 10], Bytes(&[7u8; 64]))).unwrap();
        assert!(postcard::from_bytes::<WordAutomaton>(&garbage).is_err());
    }

    #[test]
    fn ascii_case_is_folded_when_asked() {
        let a = Automaton::build(&["abuse@"], true).unwrap();
        assert_eq!(matches(&a, "Contact ABUSE@example.org"), [(0, 8, 14)]);
    }
}
