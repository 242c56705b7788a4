//! The compiled rules: one automaton over word keys, regexes gated by their literals, and the
//! rules' boolean logic evaluated on which terms were hit in which fields.
//!
//! Per field: normalise once (ASCII fields are read as they are), cut the text into words and
//! write each word's key (see `inflect`, `scan`) into a buffer ` key key key `, walk the word
//! automaton once over it with overlapping semantics (so `reverse engineering` and
//! `engineering` are both found), and verify each candidate against the exact word forms.
//! Then regexes: the literal automaton finds which regexes can match (see `regex_filter`),
//! those run, and the regexes without literals run as one `RegexSet`.
//! A hit sets, for its term, the bits of the field scopes the field belongs to. The rules
//! touched by a hit are then evaluated: work grows with the hits, not with the number of rules.
//! Nothing is allocated per ticket once the [`Scratch`] buffers have grown.

use super::automaton::{Automaton, WordAutomaton};
use super::load::Rule;
use super::normalize::{is_word_char, normalize_into, to_original, Seg};
use super::pattern::WordCheck;
use super::regex_filter::{RuleRegex, RuleRegexSet, Subject};
use super::scan::{tokenize, KeyFilter, Token};
use super::zones::{split, Span, Zone, ZoneFactors};
use crate::catalog::EntryId;
use crate::error::Location;
use crate::import::TextField;

/// Index of a rule in its [`Matcher`], in load order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct RuleId(pub u32);

impl RuleId {
    /// The index as a `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Fields longer than this are read up to it (offsets are kept as `u32`).
const MAX_FIELD_BYTES: usize = u32::MAX as usize - 1;

/// Lists of `u32` in one allocation: `get(i)` is the i-th list.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Csr {
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Csr {
    pub fn from_lists(lists: &[Vec<u32>]) -> Csr {
        let mut csr = Csr::default();
        csr.starts.push(0);
        for list in lists {
            csr.items.extend_from_slice(list);
            csr.starts.push(csr.items.len() as u32);
        }
        csr
    }

    /// Number of lists.
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    #[inline]
    pub fn get(&self, i: usize) -> &[u32] {
        &self.items[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

/// What a term is: a word or phrase (one check per word), or a regex of the set.
#[derive(Clone, Debug)]
pub(super) enum Term {
    Words(Box<[WordCheck]>),
    Regex(u32),
    /// A word inside compounds (`*lücke`, `*lücke*`), found by its literal; `at_end`: the
    /// text word must end with it.
    Inside {
        at_end: bool,
    },
}

/// Which fields a rule reads. Scope 0 is every field.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(super) struct Scope {
    pub title: bool,
    pub text: bool,
    /// Column names, lower case.
    pub columns: Vec<String>,
}

impl Scope {
    pub const ALL: Scope = Scope {
        title: true,
        text: true,
        columns: Vec::new(),
    };

    fn contains(&self, name: &str, is_title: bool) -> bool {
        (if is_title { self.title } else { self.text })
            || self.columns.iter().any(|c| {
                // Lower-cased char by char: no allocation per ticket for `Lösung`.
                c.eq_ignore_ascii_case(name)
                    || (!name.is_ascii() && c.chars().eq(name.chars().flat_map(char::to_lowercase)))
            })
    }
}

/// A rule reduced to term ids; `any` holds the rule's `any` words, then its regexes.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct CompiledRule {
    pub any: Box<[u32]>,
    pub all: Box<[u32]>,
    pub none: Box<[u32]>,
    /// `near` groups: one sentence must hold a term of each.
    pub near: Box<[Box<[u32]>]>,
    pub scope: u8,
}

/// Every loaded rule compiled for matching. Immutable, `Send + Sync`: build once, share by
/// reference across threads, each with its own [`Scratch`].
#[derive(Debug)]
pub struct Matcher {
    pub(super) rules: Vec<Rule>,
    pub(super) compiled: Vec<CompiledRule>,
    pub(super) terms: Vec<Term>,
    pub(super) automaton: Option<WordAutomaton>,
    pub(super) automaton_terms: Csr,
    /// The keys the automaton's patterns use, to blank the other words (see `scan`).
    pub(super) key_filter: KeyFilter,
    /// Every regex, and the term of each.
    pub(super) regexes: Vec<RuleRegex>,
    pub(super) regex_terms: Vec<u32>,
    /// Literals that gate regexes (see `regex_filter`), the regexes each one proposes, and
    /// per regex the literal sets that must all be met (one literal of each).
    pub(super) literals: Option<Automaton>,
    pub(super) literal_regexes: Csr,
    /// Per literal, the compound-word terms (`*lücke*`) it is the word of.
    pub(super) literal_inside: Csr,
    pub(super) regex_gates: Vec<Vec<Box<[u32]>>>,
    /// The regexes without literals, as one set read on every field, and their indices.
    pub(super) unfiltered: Option<RuleRegexSet>,
    pub(super) unfiltered_regexes: Vec<u32>,
    pub(super) term_rules: Csr,
    /// Per term, whether it is in a `near` group: its hits are kept with their sentence.
    pub(super) positional: Vec<bool>,
    pub(super) scopes: Vec<Scope>,
    /// Per catalog entry: threshold, and where it was set (None: the default).
    pub(super) thresholds: Vec<(f64, Option<Location>)>,
    /// What a rule's weight is multiplied by, by the best zone it was found in.
    pub(super) zone_factors: ZoneFactors,
    pub(super) catalog_fingerprint: String,
    /// The files the rules came from, in load order.
    pub(super) sources: Vec<super::compile::RulesSource>,
}

/// What a compiled rule set holds (for `--verbose`, `rules check` and benchmarks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatcherStats {
    /// Rules.
    pub rules: usize,
    /// Distinct words and phrases.
    pub words: usize,
    /// Distinct regexes.
    pub regexes: usize,
    /// Regexes that only run on fields holding one of their literals.
    pub gated_regexes: usize,
    /// Patterns of the word automaton (words times their inflections' keys).
    pub patterns: usize,
    /// Memory of the automata, in bytes.
    pub automaton_bytes: usize,
}

/// Per-thread buffers for [`Matcher::find`]; reused from ticket to ticket.
#[derive(Debug, Default)]
pub struct Scratch {
    norm: String,
    /// The shadow of the normalised text, for the regexes (see `regex_filter`).
    shadow: String,
    segs: Vec<Seg>,
    key: Vec<u8>,
    tokens: Vec<Token>,
    term_mask: Vec<u64>,
    /// Per term, the zones it was found in (bits of [`Zone`]).
    term_zones: Vec<u8>,
    spans: Vec<Span>,
    /// A line folded to lower case, for the zone split.
    lower: String,
    touched: Vec<u32>,
    regex_seen: Vec<bool>,
    regex_candidates: Vec<u32>,
    literal_found: Vec<bool>,
    literal_touched: Vec<u32>,
    /// Every literal hit of the field: (literal, byte offset).
    literal_hits: Vec<(u32, u32)>,
    /// Starts of the lines a regex reads.
    lines: Vec<u32>,
    /// Byte offsets where the sentences of the text being scanned start (for `near`).
    sentences: Vec<u32>,
    /// Sentences of the ticket's earlier texts, so that sentence numbers are the ticket's.
    sentence_base: u32,
    /// Hits of `near` terms: (sentence, term, field, zone bit), sorted before rules are
    /// evaluated.
    near_hits: Vec<(u32, u32, u32, u8)>,
    /// The same hits by term: (term, index in `near_hits`), sorted.
    near_by_term: Vec<(u32, u32)>,
    /// The shadow of one line (see `regex_filter`).
    line_shadow: String,
    rule_seen: Vec<bool>,
    candidates: Vec<u32>,
    fired: Vec<RuleId>,
    /// Per fired rule, the zones its words were found in.
    fired_zones: Vec<u8>,
    vetoed: Vec<RuleId>,
    partial: Vec<RuleId>,
    field_masks: Vec<u64>,
    hits: Vec<Hit>,
}

/// Where a term was found, for details and `explain`: byte offsets into the original text of
/// field `field` (an index into the fields given to [`Matcher::find`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    term: u32,
    /// Index of the field.
    pub field: usize,
    /// Start, in bytes of the field's original text.
    pub start: usize,
    /// End (exclusive), in bytes of the field's original text.
    pub end: usize,
    /// The part of the ticket it is in.
    pub zone: Zone,
}

impl Matcher {
    /// Every rule, in load order; a [`RuleId`] indexes it.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// One rule.
    pub fn rule(&self, id: RuleId) -> &Rule {
        &self.rules[id.index()]
    }

    /// The threshold of a service, and where it was set (`None`: the default, 1.0).
    pub fn threshold(&self, service: EntryId) -> (f64, Option<&Location>) {
        let (t, at) = &self.thresholds[service.index()];
        (*t, at.as_ref())
    }

    /// The files the rules were loaded from, in order, with their fingerprints.
    pub fn sources(&self) -> &[super::compile::RulesSource] {
        &self.sources
    }

    /// What a fired rule's weight is multiplied by, by the zone its words were found in.
    pub fn zone_factors(&self) -> &ZoneFactors {
        &self.zone_factors
    }

    /// The fingerprint of the catalog the rules were resolved against.
    pub fn catalog_fingerprint(&self) -> &str {
        &self.catalog_fingerprint
    }

    /// Whether some rule has `near` groups (then sentences are tracked).
    #[inline]
    fn has_positional(&self) -> bool {
        !self.positional.is_empty() && self.positional.iter().any(|&p| p)
    }

    /// What the compiled rule set holds.
    pub fn stats(&self) -> MatcherStats {
        let regexes = self.regexes.len();
        MatcherStats {
            rules: self.rules.len(),
            words: self.terms.len() - regexes,
            regexes,
            gated_regexes: regexes - self.unfiltered_regexes.len(),
            patterns: self.automaton.as_ref().map_or(0, |a| a.patterns_len()),
            automaton_bytes: self.automaton.as_ref().map_or(0, |a| a.memory_usage())
                + self.literals.as_ref().map_or(0, |a| a.memory_usage()),
        }
    }

    /// Finds which rules fire on a ticket's fields. `detail` also records every hit's
    /// position (slower; for JSONL details and `explain`).
    pub fn find<'a>(
        &'a self,
        fields: &[TextField],
        scratch: &'a mut Scratch,
        detail: bool,
    ) -> Found<'a> {
        self.reset(scratch);
        for (i, field) in fields.iter().enumerate() {
            let mask = self.field_mask(&field.name, field.is_title);
            scratch.field_masks.push(mask);
            if field.is_title {
                self.scan(i, &field.text, 0, Zone::Title, mask, scratch, detail);
                continue;
            }
            let mut spans = std::mem::take(&mut scratch.spans);
            spans.clear();
            split(&field.text, &mut spans, &mut scratch.lower);
            for span in &spans {
                let text = &field.text[span.start..span.end];
                self.scan(i, text, span.start, span.zone, mask, scratch, detail);
            }
            scratch.spans = spans;
        }
        self.evaluate(scratch);
        Found {
            matcher: self,
            scratch,
        }
    }

    /// Finds which rules fire on one text read as a field of every scope (how rule examples
    /// are checked: an example is a text of a field the rule reads).
    pub fn find_in_text<'a>(
        &'a self,
        text: &str,
        scratch: &'a mut Scratch,
        detail: bool,
    ) -> Found<'a> {
        self.reset(scratch);
        scratch.field_masks.push(u64::MAX);
        self.scan(0, text, 0, Zone::Body, u64::MAX, scratch, detail);
        self.evaluate(scratch);
        Found {
            matcher: self,
            scratch,
        }
    }

    fn field_mask(&self, name: &str, is_title: bool) -> u64 {
        let mut mask = 1; // scope 0: every field
        for (i, scope) in self.scopes.iter().enumerate().skip(1) {
            if scope.contains(name, is_title) {
                mask |= 1 << i;
            }
        }
        mask
    }

    fn reset(&self, s: &mut Scratch) {
        for &t in &s.touched {
            s.term_mask[t as usize] = 0;
            s.term_zones[t as usize] = 0;
        }
        s.touched.clear();
        if s.term_mask.len() < self.terms.len() {
            s.term_mask.resize(self.terms.len(), 0);
            s.term_zones.resize(self.terms.len(), 0);
        }
        if s.regex_seen.len() < self.regexes.len() {
            s.regex_seen.resize(self.regexes.len(), false);
        }
        let literals = self.literals.as_ref().map_or(0, |l| l.patterns_len());
        if s.literal_found.len() < literals {
            s.literal_found.resize(literals, false);
        }
        if s.rule_seen.len() < self.rules.len() {
            s.rule_seen.resize(self.rules.len(), false);
        }
        s.fired.clear();
        s.fired_zones.clear();
        s.near_hits.clear();
        s.sentence_base = 0;
        s.vetoed.clear();
        s.partial.clear();
        s.field_masks.clear();
        s.hits.clear();
    }

    /// Finds the terms in `text`, a part of field `field` starting at byte `offset` of it, in
    /// zone `zone`.
    #[allow(clippy::too_many_arguments)]
    fn scan(
        &self,
        field: usize,
        text: &str,
        offset: usize,
        zone: Zone,
        mask: u64,
        s: &mut Scratch,
        detail: bool,
    ) {
        let mut text = text;
        if text.len() > MAX_FIELD_BYTES {
            let mut end = MAX_FIELD_BYTES;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text = &text[..end];
        }
        let ascii = text.is_ascii();
        if !ascii {
            normalize_into(text, &mut s.norm, detail.then_some(&mut s.segs));
        }
        let Scratch {
            norm,
            shadow,
            segs,
            key,
            tokens,
            term_mask,
            term_zones,
            touched,
            hits,
            regex_seen,
            regex_candidates,
            literal_found,
            literal_touched,
            literal_hits,
            lines,
            line_shadow,
            sentences,
            sentence_base,
            near_hits,
            ..
        } = s;
        let positional = self.has_positional();
        // ASCII text is read as is (checks and keys fold its case); other text normalised.
        let src: &str = if ascii { text } else { norm };
        let admitted = tokenize(
            src,
            ascii,
            &self.key_filter,
            key,
            tokens,
            positional.then_some(&mut *sentences),
        );
        let sentences: &[u32] = sentences;
        let mut record = |term: u32, start: usize, end: usize| {
            let m = &mut term_mask[term as usize];
            if *m == 0 {
                touched.push(term);
            }
            *m |= mask;
            term_zones[term as usize] |= zone.bit();
            if positional && self.positional[term as usize] {
                let sentence = sentences.partition_point(|&s| s as usize <= start).max(1) - 1;
                near_hits.push((
                    *sentence_base + sentence as u32,
                    term,
                    field as u32,
                    zone.bit(),
                ));
            }
            if detail {
                let (start, end) = if ascii {
                    (start, end)
                } else {
                    to_original(segs, text.len(), start, end)
                };
                hits.push(Hit {
                    term,
                    field,
                    start: offset + start,
                    end: offset + end,
                    zone,
                });
            }
        };
        if let (Some(automaton), true) = (&self.automaton, admitted) {
            let bytes = src.as_bytes();
            automaton.for_each_match(key, |pattern, start, _| {
                // Every pattern starts with the space before a word: find that word.
                let Ok(first) = tokens.binary_search_by_key(&(start as u32 + 1), |t| t.key) else {
                    return;
                };
                for &term in self.automaton_terms.get(pattern) {
                    let Term::Words(checks) = &self.terms[term as usize] else {
                        continue;
                    };
                    let Some(words) = tokens.get(first..first + checks.len()) else {
                        continue;
                    };
                    if checks
                        .iter()
                        .zip(words)
                        .all(|(c, t)| c.accepts(&bytes[t.start as usize..t.end as usize]))
                    {
                        record(
                            term,
                            words[0].start as usize,
                            words[words.len() - 1].end as usize,
                        );
                    }
                }
            });
        }
        // One pass of the literal automaton: compound words (`*lücke*`) are recorded on the
        // spot; the regexes holding a literal found are proposed, to run below, and where each
        // literal is is kept to find the lines they run on.
        if let Some(literals) = &self.literals {
            literals.for_each_match(src.as_bytes(), |literal, start, end| {
                for &term in self.literal_inside.get(literal) {
                    let Term::Inside { at_end } = self.terms[term as usize] else {
                        continue;
                    };
                    if let Some((start, end)) = enclosing_word(src, start, end, at_end) {
                        record(term, start, end);
                    }
                }
                literal_hits.push((literal as u32, start as u32));
                if literal_found[literal] {
                    return;
                }
                literal_found[literal] = true;
                literal_touched.push(literal as u32);
                for &r in self.literal_regexes.get(literal) {
                    if !regex_seen[r as usize] {
                        regex_seen[r as usize] = true;
                        regex_candidates.push(r);
                    }
                }
            });
        }
        if !self.regexes.is_empty() {
            if let Some(set) = &self.unfiltered {
                // A regex reads one line at a time, these ones every line.
                let mut start = 0;
                for line in src.split('\n') {
                    // Normalised text may be ASCII again (`ﬁ` is `fi`): the subject says.
                    let subject = Subject::new(line, shadow);
                    set.for_each_match(&subject, |i, certain| {
                        let r = self.unfiltered_regexes[i];
                        let (regex, term) =
                            (&self.regexes[r as usize], self.regex_terms[r as usize]);
                        if detail {
                            regex.for_each_match(&subject, |a, b| {
                                record(term, start + a, start + b)
                            });
                        } else if certain || regex.is_match(&subject) {
                            record(term, 0, 0);
                        }
                    });
                    start += line.len() + 1;
                }
            }
            regex_candidates.sort_unstable(); // hits in regex order, whatever the text
            literal_hits.sort_unstable(); // by literal, then position
            let bytes = src.as_bytes();
            for &r in regex_candidates.iter() {
                let gates = &self.regex_gates[r as usize];
                if !gates
                    .iter()
                    .all(|set| set.iter().any(|&l| literal_found[l as usize]))
                {
                    continue;
                }
                // Every match holds a literal of the first gate set, and a regex never matches
                // across a line break: only the lines that hold one are read, not the field.
                lines.clear();
                for &l in gates[0].iter() {
                    let from = literal_hits.partition_point(|h| h.0 < l);
                    for &(_, at) in literal_hits[from..].iter().take_while(|h| h.0 == l) {
                        let at = at as usize;
                        lines
                            .push(memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |p| p + 1) as u32);
                    }
                }
                lines.sort_unstable();
                lines.dedup();
                let (regex, term) = (&self.regexes[r as usize], self.regex_terms[r as usize]);
                for &start in lines.iter() {
                    let start = start as usize;
                    let end =
                        memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |p| start + p);
                    let subject = Subject::new(&src[start..end], line_shadow);
                    if detail {
                        regex.for_each_match(&subject, |a, b| record(term, start + a, start + b));
                    } else if regex.is_match(&subject) {
                        record(term, 0, 0);
                        break;
                    }
                }
            }
        }
        for &r in regex_candidates.iter() {
            regex_seen[r as usize] = false;
        }
        regex_candidates.clear();
        for &l in literal_touched.iter() {
            literal_found[l as usize] = false;
        }
        literal_touched.clear();
        literal_hits.clear();
        if positional {
            *sentence_base += sentences.len() as u32;
        }
    }

    fn evaluate(&self, s: &mut Scratch) {
        for &t in &s.touched {
            for &r in self.term_rules.get(t as usize) {
                if !s.rule_seen[r as usize] {
                    s.rule_seen[r as usize] = true;
                    s.candidates.push(r);
                }
            }
        }
        s.candidates.sort_unstable(); // rule order, whatever the order of the text
        s.near_hits.sort_unstable(); // by sentence, then term
        s.near_by_term.clear();
        s.near_by_term
            .extend(s.near_hits.iter().enumerate().map(|(i, h)| (h.1, i as u32)));
        s.near_by_term.sort_unstable();
        let weighing = self.zone_factors.weighing();
        for &r in &s.candidates {
            s.rule_seen[r as usize] = false;
            let rule = &self.compiled[r as usize];
            let bit = 1u64 << rule.scope;
            let has = |t: &u32| s.term_mask[*t as usize] & bit != 0;
            let any = rule.any.is_empty() || rule.any.iter().any(has);
            let all = rule.all.iter().all(has);
            // The zones of the sentences that meet `near` (0 when none does). The sentences
            // are searched only when the rule can still fire and every group has a word
            // somewhere in scope: most rules a `near` word touches lack another group.
            let near_zones = if rule.near.is_empty()
                || !(any && all)
                || !rule.near.iter().all(|g| g.iter().any(has))
            {
                0
            } else {
                near_met(
                    &rule.near,
                    bit,
                    &s.near_hits,
                    &s.near_by_term,
                    &s.field_masks,
                )
            };
            let near = rule.near.is_empty() || near_zones != 0;
            // A veto counts where words count: a `none` word seen only in a zone that weighs
            // nothing (a signature, a disclaimer) vetoes nothing, as it would add nothing.
            let vetoed = rule
                .none
                .iter()
                .any(|t| has(t) && s.term_zones[*t as usize] & weighing != 0);
            let list = match (any && all && near, vetoed) {
                (true, false) => {
                    // The zones of the words that made it fire (approximate when a term was
                    // also found in a field outside the rule's scope: zones are per term);
                    // for `near`, of the sentences that hold every group.
                    let zones = rule
                        .any
                        .iter()
                        .chain(rule.all.iter())
                        .filter(|t| has(t))
                        .fold(near_zones, |z, &t| z | s.term_zones[t as usize]);
                    s.fired_zones.push(zones);
                    &mut s.fired
                }
                (true, true) => &mut s.vetoed,
                (false, _) => &mut s.partial,
            };
            list.push(RuleId(r));
        }
        s.candidates.clear();
    }
}

/// The zones (bits) of the sentences that hold a term of every `near` group in a field of the
/// rule's scope (`bit`); 0 when no sentence does. `hits` are (sentence, term, field, zone bit),
/// sorted; `by_term` indexes them by term. Work grows with the hits of the rule's own words,
/// not with every `near` hit of the ticket: the sentences of the first group's hits are the
/// candidates, and each other group is looked up in them.
fn near_met(
    groups: &[Box<[u32]>],
    bit: u64,
    hits: &[(u32, u32, u32, u8)],
    by_term: &[(u32, u32)],
    fields: &[u64],
) -> u8 {
    let in_scope = |h: &(u32, u32, u32, u8)| fields[h.2 as usize] & bit != 0;
    // Whether sentence `s` holds a term of `group` in scope.
    let holds = |s: u32, group: &[u32]| {
        group.iter().any(|&t| {
            let from = hits.partition_point(|h| (h.0, h.1) < (s, t));
            hits[from..]
                .iter()
                .take_while(|h| (h.0, h.1) == (s, t))
                .any(in_scope)
        })
    };
    let mut zones = 0u8;
    for &t in groups[0].iter() {
        let from = by_term.partition_point(|&(term, _)| term < t);
        for &(_, i) in by_term[from..].iter().take_while(|&&(term, _)| term == t) {
            let hit = &hits[i as usize];
            if in_scope(hit) && groups[1..].iter().all(|g| holds(hit.0, g)) {
                zones |= hit.3;
            }
        }
    }
    zones
}

/// The word of `src` around the literal found at `start..end`, as byte offsets; `None` when
/// `at_end` asks for the literal to end the word and it does not.
fn enclosing_word(src: &str, start: usize, end: usize, at_end: bool) -> Option<(usize, usize)> {
    let after = src[end..].chars().take_while(|&c| is_word_char(c));
    let tail: usize = after.map(char::len_utf8).sum();
    if at_end && tail > 0 {
        return None;
    }
    let before = src[..start].chars().rev().take_while(|&c| is_word_char(c));
    let head: usize = before.map(char::len_utf8).sum();
    Some((start - head, end + tail))
}

/// The outcome of [`Matcher::find`] on one ticket, borrowed from the [`Scratch`].
#[derive(Debug)]
pub struct Found<'a> {
    matcher: &'a Matcher,
    scratch: &'a Scratch,
}

/// Which list of a rule a term sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum List {
    /// `any`.
    Any,
    /// `all`.
    All,
    /// `none`.
    None,
    /// `regex`.
    Regex,
    /// `near` (the index counts the words of the groups in order, group after group).
    Near,
}

/// A hit attributed to a rule: which word of which list, where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleHit {
    /// The list the word is in.
    pub list: List,
    /// Its index in that list of the [`Rule`].
    pub index: usize,
    /// Where it was found.
    pub hit: Hit,
}

impl Found<'_> {
    /// The rules that fired, in rule order.
    pub fn fired(&self) -> &[RuleId] {
        &self.scratch.fired
    }

    /// Per rule of [`Found::fired`], the zones its words were found in (bits of [`Zone`]):
    /// its weight counts times the factor of the best one ([`ZoneFactors`]).
    pub fn fired_zones(&self) -> &[u8] {
        &self.scratch.fired_zones
    }

    /// The rules whose `any`/`all` were met but that a `none` word vetoed, in rule order.
    pub fn vetoed(&self) -> &[RuleId] {
        &self.scratch.vetoed
    }

    /// The rules with some hits that did not fire (an `all` word or every `any` missing).
    pub fn partial(&self) -> &[RuleId] {
        &self.scratch.partial
    }

    /// Every hit of a rule's words in the fields it reads (needs `detail`), in field, then
    /// text order.
    pub fn rule_hits(&self, rule: RuleId) -> Vec<RuleHit> {
        let r = &self.matcher.rules[rule.index()];
        let c = &self.matcher.compiled[rule.index()];
        let bit = 1u64 << c.scope;
        let n_any = r.any.len();
        let lists = c.any.iter().enumerate().map(|(i, &t)| {
            if i < n_any {
                (List::Any, i, t)
            } else {
                (List::Regex, i - n_any, t)
            }
        });
        let lists = lists
            .chain(c.all.iter().enumerate().map(|(i, &t)| (List::All, i, t)))
            .chain(c.none.iter().enumerate().map(|(i, &t)| (List::None, i, t)))
            .chain(
                c.near
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, &t)| (List::Near, i, t)),
            );
        let mut out: Vec<RuleHit> = lists
            .flat_map(|(list, index, term)| {
                self.scratch
                    .hits
                    .iter()
                    .filter(move |h| h.term == term && self.scratch.field_masks[h.field] & bit != 0)
                    .map(move |&hit| RuleHit { list, index, hit })
            })
            .collect();
        out.sort_by_key(|h| (h.hit.field, h.hit.start, h.hit.end, h.list as u8, h.index));
        out
    }

    /// Whether field `field` is among those `rule` reads.
    pub fn reads(&self, rule: RuleId, field: usize) -> bool {
        let bit = 1u64 << self.matcher.compiled[rule.index()].scope;
        self.scratch
            .field_masks
            .get(field)
            .is_some_and(|m| m & bit != 0)
    }
}

#[cfg(test)]
#[path = "matcher_tests.rs"]
mod tests;
