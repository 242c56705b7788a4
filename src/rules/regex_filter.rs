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

use std::borrow::Cow;
use std::sync::OnceLock;

use regex_syntax::hir::{
    Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Look,
};

use regex_automata::meta;

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

/// What a text holds, which decides the form of a rule regex that reads it exactly (see
/// [`RuleRegex`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextKind {
    /// Only ASCII.
    Ascii,
    /// Non-ASCII characters, none of them a word character (`’`, `€`, `–`, `«`): Unicode
    /// and ASCII word boundaries agree everywhere in it.
    Plain,
    /// Non-ASCII word characters (letters, digits, marks: `é`, `ß`, `я`).
    Other,
}

impl TextKind {
    /// The kind of `text`.
    #[inline]
    pub fn of(text: &str) -> TextKind {
        if text.is_ascii() {
            TextKind::Ascii
        } else if text
            .chars()
            .any(|c| !c.is_ascii() && regex_syntax::is_word_character(c))
        {
            TextKind::Other
        } else {
            TextKind::Plain
        }
    }
}

/// The byte each non-ASCII character of a text becomes in its shadow (ASCII SUB,
/// "substitute").
const STAND_IN: char = '\x1a';

/// Writes the shadow of `text` into `out`: each ASCII character as is, each other character
/// as one [`STAND_IN`]. A regex's `shadow` form (see [`RuleRegex`]) reads it.
pub(crate) fn shadow_into(text: &str, out: &mut String) {
    out.clear();
    out.extend(
        text.chars()
            .map(|c| if c.is_ascii() { c } else { STAND_IN }),
    );
}

/// A text a rule regex reads, with what decides which of its forms reads it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Subject<'a> {
    /// The text.
    pub text: &'a str,
    /// Its kind ([`TextKind::of`]).
    pub kind: TextKind,
    /// Its shadow ([`shadow_into`]) unless it is ASCII (then unused).
    pub shadow: &'a str,
}

impl<'a> Subject<'a> {
    /// `text`, its kind found and, unless it is ASCII, its shadow written into `buffer`.
    pub fn new(text: &'a str, buffer: &'a mut String) -> Subject<'a> {
        let kind = TextKind::of(text);
        if kind != TextKind::Ascii {
            shadow_into(text, buffer);
        }
        Subject {
            text,
            kind,
            shadow: buffer,
        }
    }
}

/// How a form rewrites the regex's syntax tree (see [`RuleRegex`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// Classes cut to ASCII, non-ASCII literals unmatchable, ASCII word boundaries.
    Ascii,
    /// Unicode word boundaries made ASCII ones.
    Fast,
    /// Word boundaries removed, classes cut to ASCII plus [`STAND_IN`] when they hold a
    /// non-ASCII character, non-ASCII characters of literals made [`STAND_IN`].
    Shadow,
}

/// The regex engine's fast engine (its lazy DFA) gives up on Unicode word boundaries (`\b`)
/// as soon as the text holds one non-ASCII byte, and the engine it falls back to reads a few
/// MB/s: one accented letter in a long description made a rule 30 times slower. Unicode
/// classes (`\w`, `[^.\n]`, and every letter under `(?i)`) also make its states many and slow
/// to build: a bounded repeat of one (`[^.\n]{0,60}`) made the lazy DFA rebuild its states
/// all the time. So a rule regex is compiled in several forms, all derived from one parse of
/// the regex (case folding, the costly part of compiling, is done once):
///
/// - `ascii`, exact on ASCII text: every class cut to its ASCII part, literals with non-ASCII
///   characters made unmatchable, word boundaries ASCII. On ASCII text nothing else can
///   match, and ASCII and Unicode `\w`, `\b` and case folding agree there.
/// - `shadow`, the filter for other text. It reads the text's shadow, where each non-ASCII
///   character is one [`STAND_IN`] byte, with classes and literals mapped the same way and
///   word boundaries removed: character for character, wherever the regex matches the text
///   the shadow form matches the shadow, so when it finds nothing the regex cannot match.
///   Being ASCII, it is as fast as `ascii`.
/// - `fast`, exact on [`TextKind::Plain`] text: word boundaries made ASCII, which agree
///   with Unicode ones there.
/// - `exact`: the regex as written.
///
/// `ascii` is compiled at once, within the size limit (what `rules check` reports); `shadow`
/// the first time a text that is not ASCII needs it (a rule set of a few hundred regexes spent
/// half its start-up on shadows most runs never read; one over the limit filters nothing), and
/// `fast` and `exact` the first time a text that passed the shadow filter needs them.
///
/// A regex known to compile ([`RuleRegex::deferred`]: the embedded rules, which the tests
/// compile under the default limits) defers even its forms and `ascii` to first use: a run
/// over a few tickets then compiles only the regexes their texts call for (the forms and
/// `ascii` of the default rules' 100 regexes were 30 % of the CPU of tagging one ticket).
#[derive(Clone, Debug)]
pub(crate) struct RuleRegex {
    source: Box<str>,
    forms: OnceLock<Patterns>,
    /// The patterns of the forms as the rules cache saved them (postcard, deflated), read each
    /// time a form is compiled (at most four times) rather than kept twice: most runs need few
    /// of them, and the default rules' are 6.6 MB as text (Unicode classes written out).
    saved: Option<Box<[u8]>>,
    ascii: OnceLock<meta::Regex>,
    /// `None` also when the shadow form is over the size limit.
    shadow: OnceLock<Option<meta::Regex>>,
    /// `None` when the regex has no `fast` form (no Unicode word boundary).
    fast: OnceLock<Option<meta::Regex>>,
    exact: OnceLock<meta::Regex>,
    size_limit: usize,
}

/// The patterns of the lazily compiled forms of a [`RuleRegex`].
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Patterns {
    /// The pattern of `ascii`.
    ascii: Box<str>,
    /// The pattern of `shadow`; `None` when a literal is not text (`(?-u:\xE9)`): then
    /// `exact` reads all other text.
    shadow: Option<Box<str>>,
    /// The pattern of `fast`, when the regex has Unicode word boundaries, and of `exact`.
    fast: Option<Box<str>>,
    exact: Box<str>,
}

impl From<Forms> for Patterns {
    fn from(f: Forms) -> Patterns {
        Patterns {
            ascii: f.ascii.into_boxed_str(),
            shadow: f.shadow.map(String::into_boxed_str),
            fast: f.fast.map(String::into_boxed_str),
            exact: f.exact.into_boxed_str(),
        }
    }
}

/// The most memory the lazy DFA of one regex may use per thread for the states it builds
/// (regex's `dfa_size_limit`; the crate's default is 2 MiB). A full cache is cleared and
/// refilled, so this bounds memory, not what can match. Why not the default: a run keeps
/// meeting new text, so with ~100 rule regexes in two or three forms on every thread the
/// caches were most of the heap (109 of 164 MiB at the peak of 100k tickets, heaptrack) and
/// still growing at 1M (262 MiB). At 512 KiB: 100k tickets 189 -> 160 MiB, 1M 181 MiB, for
/// about 10% more time (caches cleared and refilled; median of 7 interleaved runs 8.0 ->
/// 9.0 s); at 256 KiB 136 MiB but the lazy DFA gives up more often. See BENCHMARKS.md.
const DFA_CACHE_BYTES: usize = 512 << 10;

/// Compiles the pattern of a form (printed from a case-folded syntax tree: no `(?i)`) with the
/// regex crate's own engine and its limits, with the engine's prefilter (the literals it looks
/// for first) only where `prefilter` says. The forms that read ASCII text (`ascii`, `shadow`) go without: they run
/// only on fields where the regex's literals were found, so a prefilter finds little the gate
/// did not, and working one out was about half of compiling them (the forms one multilingual
/// ticket compiled: 19 -> 10 ms, with `ascii_case_runs`); tagging the 20,000-ticket Jira export
/// and the 30 MB corpus mix took no longer (see BENCHMARKS.md). The forms for other text keep
/// it, as the regex crate builds them.
fn build_form(
    pattern: &str,
    size_limit: usize,
    prefilter: bool,
) -> Result<meta::Regex, Box<meta::BuildError>> {
    meta::Builder::new()
        .configure(
            meta::Config::new()
                .nfa_size_limit(Some(size_limit))
                .hybrid_cache_capacity(DFA_CACHE_BYTES)
                .auto_prefilter(prefilter),
        )
        .build(pattern)
        .map_err(Box::new)
}

/// The regex's syntax tree, parsed case-insensitively; a syntax error comes with the regex
/// crate's own message.
fn parse(source: &str, size_limit: usize) -> Result<Hir, regex::Error> {
    match regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(source)
    {
        Ok(hir) => Ok(hir),
        Err(e) => Err(regex::RegexBuilder::new(source)
            .case_insensitive(true)
            .size_limit(size_limit)
            .build()
            .err()
            .unwrap_or_else(|| regex::Error::Syntax(e.to_string()))),
    }
}

/// The patterns of the forms of one regex.
struct Forms {
    ascii: String,
    shadow: Option<String>,
    fast: Option<String>,
    exact: String,
}

impl Forms {
    fn of(source: &str, size_limit: usize) -> Result<Forms, regex::Error> {
        let hir = without_captures(parse(source, size_limit)?);
        let mut found = false;
        let ascii = rewrite(hir.clone(), Form::Ascii, &mut found)
            .map(|h| ascii_case_runs(&h.to_string()))
            .unwrap_or_else(|| Hir::fail().to_string());
        let fast = found.then(|| rewrite(hir.clone(), Form::Fast, &mut found));
        Ok(Forms {
            ascii,
            shadow: rewrite(hir.clone(), Form::Shadow, &mut found)
                .map(|h| ascii_case_runs(&h.to_string())),
            fast: fast.flatten().map(|h| h.to_string()),
            exact: hir.to_string(),
        })
    }
}

/// `pattern` (a syntax tree as regex-syntax prints it) with each run of ASCII letter pairs
/// (`[Cc][Oo][Nn][Tt][Aa][Cc][Tt]`, as a case-folded tree prints `contact`) written as
/// `(?i-u:contact)`. Only for the forms that read ASCII text (`ascii`, `shadow`): there the two
/// match the same (`(?i-u:k)` is `K` and `k`, without the Kelvin sign). Why: the printed forms
/// are parsed again each time a run compiles one, and the regex crate's parser reads a quarter
/// as many bytes for a word this way (the forms one multilingual ticket compiled: 56 KB ->
/// 40 KB, their compiling 24 -> 19 ms).
fn ascii_case_runs(pattern: &str) -> String {
    let b = pattern.as_bytes();
    let mut out = String::with_capacity(pattern.len());
    let mut run = String::new();
    let flush = |out: &mut String, run: &mut String| {
        match run.len() {
            0 => {}
            1 => {
                let c = run.as_bytes()[0];
                out.extend(['[', c.to_ascii_uppercase() as char, c as char, ']']);
            }
            _ => {
                out.push_str("(?i-u:");
                out.push_str(run);
                out.push(')');
            }
        }
        run.clear();
    };
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            // An escape (`\[`, `\x7F`, `\b`): copied with the character after it, so that an
            // escaped bracket never starts a class.
            b'\\' => {
                flush(&mut out, &mut run);
                let end = (i + 1 + pattern[i + 1..].chars().next().map_or(0, char::len_utf8))
                    .min(b.len());
                out.push_str(&pattern[i..end]);
                i = end;
            }
            b'[' => {
                if let [_, upper, lower, b']', ..] = b[i..] {
                    if upper.is_ascii_uppercase() && lower == upper.to_ascii_lowercase() {
                        // A repeated letter (`[Ss]+`) stays a class: in a run the repetition
                        // would take the whole run.
                        if matches!(b.get(i + 4), Some(b'*' | b'+' | b'?' | b'{')) {
                            flush(&mut out, &mut run);
                            out.push_str(&pattern[i..i + 4]);
                        } else {
                            run.push(lower as char);
                        }
                        i += 4;
                        continue;
                    }
                }
                // Any other class, copied whole: a `]` right after `[` or `[^` is a member,
                // escapes are skipped.
                flush(&mut out, &mut run);
                let mut j = i + 1;
                if b.get(j) == Some(&b'^') {
                    j += 1;
                }
                if b.get(j) == Some(&b']') {
                    j += 1;
                }
                while j < b.len() && b[j] != b']' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let end = (j + 1).min(b.len());
                out.push_str(&pattern[i..end]);
                i = end;
            }
            _ => {
                flush(&mut out, &mut run);
                let c = pattern[i..].chars().next().expect("i is at a character");
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    flush(&mut out, &mut run);
    out
}

impl RuleRegex {
    /// Compiles `source` case-insensitively, each form within `size_limit` bytes: the errors
    /// a rules file's author must see come now, with the rule's line.
    pub fn new(source: &str, size_limit: usize) -> Result<RuleRegex, regex::Error> {
        let forms = Forms::of(source, size_limit)?;
        // The regex crate's error, as it makes one of the same engine's: over the size limit,
        // or a message.
        let ascii = build_form(&forms.ascii, size_limit, false).map_err(|e| {
            e.size_limit().map_or_else(
                || regex::Error::Syntax(e.to_string()),
                regex::Error::CompiledTooBig,
            )
        })?;
        Ok(RuleRegex {
            source: source.into(),
            forms: OnceLock::from(Patterns::from(forms)),
            saved: None,
            ascii: OnceLock::from(ascii),
            shadow: OnceLock::new(),
            fast: OnceLock::new(),
            exact: OnceLock::new(),
            size_limit,
        })
    }

    /// `source`, compiled on first use: only for a regex known to compile within
    /// `size_limit` (the embedded rules'). Should it not, it matches nothing.
    pub fn deferred(source: &str, size_limit: usize) -> RuleRegex {
        RuleRegex {
            source: source.into(),
            forms: OnceLock::new(),
            saved: None,
            ascii: OnceLock::new(),
            shadow: OnceLock::new(),
            fast: OnceLock::new(),
            exact: OnceLock::new(),
            size_limit,
        }
    }

    /// A regex read back from the rules cache: `source` with the patterns of its forms as
    /// they were saved (see [`RuleRegex::saved_patterns`]), compiled on first use like
    /// [`RuleRegex::deferred`].
    pub fn saved(source: &str, saved: Box<[u8]>, size_limit: usize) -> RuleRegex {
        RuleRegex {
            saved: Some(saved),
            ..RuleRegex::deferred(source, size_limit)
        }
    }

    /// The patterns of the forms as the rules cache saves them (postcard, deflated), worked
    /// out first when they are not yet.
    pub fn saved_patterns(&self) -> Cow<'_, [u8]> {
        use std::io::Write as _;
        match &self.saved {
            Some(saved) => Cow::Borrowed(saved),
            None => {
                let text = postcard::to_allocvec(&*self.patterns()).expect("patterns are strings");
                let mut deflate =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
                deflate.write_all(&text).expect("writes to memory");
                Cow::Owned(deflate.finish().expect("writes to memory"))
            }
        }
    }

    /// The regex as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The size limit each form is compiled within.
    pub fn size_limit(&self) -> usize {
        self.size_limit
    }

    /// The patterns of the regex's forms, worked out now if they were not yet.
    pub(super) fn patterns(&self) -> Cow<'_, Patterns> {
        // Saved bytes are checked by the cache's CRC before they get here; should they still
        // not read, the forms are worked out again.
        let inflate = |deflated: &[u8]| {
            let mut text = Vec::new();
            // Bounded: saved bytes are checked by a CRC, but never trusted to inflate to
            // whatever they say.
            let inflate = flate2::read::DeflateDecoder::new(deflated);
            std::io::Read::read_to_end(&mut std::io::Read::take(inflate, 1 << 26), &mut text)
                .ok()?;
            postcard::from_bytes(&text).ok()
        };
        if let Some(saved) = self.saved.as_deref().and_then(inflate) {
            return Cow::Owned(saved);
        }
        Cow::Borrowed(
            self.forms
                .get_or_init(|| match Forms::of(&self.source, self.size_limit) {
                    Ok(forms) => forms.into(),
                    Err(_) => {
                        let fail: Box<str> = Hir::fail().to_string().into();
                        Patterns {
                            ascii: fail.clone(),
                            shadow: Some(fail.clone()),
                            fast: None,
                            exact: fail,
                        }
                    }
                }),
        )
    }

    /// The form exact on ASCII text.
    fn ascii(&self) -> &meta::Regex {
        self.ascii.get_or_init(|| {
            build_form(&self.patterns().ascii, self.size_limit, false).unwrap_or_else(|_| {
                build_form(&Hir::fail().to_string(), usize::MAX, false).expect("fail")
            })
        })
    }

    /// The form exact on `kind` (not ASCII), compiled on first use. Unicode classes make it
    /// bigger than the forms checked against the limit, so it gets 64 times as much; should
    /// even that not do, the `ascii` form is the best answer left (it misses matches that
    /// involve non-ASCII characters).
    fn exact_for(&self, kind: TextKind) -> &meta::Regex {
        // The patterns are read only to compile a form (saved ones are decoded each time).
        let compile = |pattern: &str| {
            build_form(pattern, self.size_limit.saturating_mul(64), true)
                .unwrap_or_else(|_| self.ascii().clone())
        };
        if kind == TextKind::Plain {
            let fast = self
                .fast
                .get_or_init(|| self.patterns().fast.as_deref().map(compile));
            if let Some(fast) = fast {
                return fast;
            }
        }
        self.exact.get_or_init(|| compile(&self.patterns().exact))
    }

    /// Whether the shadow filter lets `subject` through (see [`RuleRegex`]).
    #[inline]
    fn may_match(&self, subject: &Subject) -> bool {
        let shadow = self.shadow.get_or_init(|| {
            let patterns = self.patterns();
            build_form(patterns.shadow.as_deref()?, self.size_limit, false).ok()
        });
        shadow.as_ref().is_none_or(|s| s.is_match(subject.shadow))
    }

    /// Whether it matches `subject`.
    #[inline]
    pub fn is_match(&self, subject: &Subject) -> bool {
        match subject.kind {
            TextKind::Ascii => self.ascii().is_match(subject.text),
            kind => self.may_match(subject) && self.exact_for(kind).is_match(subject.text),
        }
    }

    /// Calls `f(start, end)` for every match in `subject`.
    pub fn for_each_match(&self, subject: &Subject, mut f: impl FnMut(usize, usize)) {
        let regex = match subject.kind {
            TextKind::Ascii => self.ascii(),
            _ if !self.may_match(subject) => return,
            kind => self.exact_for(kind),
        };
        regex
            .find_iter(subject.text)
            .for_each(|m| f(m.start(), m.end()));
    }
}

/// `hir` with every capture group made a plain group. Rules read where a regex matches, never
/// its groups; a capture group costs the regex engine's backtracking-free matcher two slots
/// per NFA state, and the Unicode forms of the default rules' regexes have tens of thousands of
/// states: with their `(a|b)` groups, one thread's caches of a few regexes took 15 MB.
fn without_captures(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Capture(c) => without_captures(*c.sub),
        HirKind::Repetition(mut r) => {
            r.sub = Box::new(without_captures(*r.sub));
            Hir::repetition(r)
        }
        HirKind::Concat(subs) => Hir::concat(subs.into_iter().map(without_captures).collect()),
        HirKind::Alternation(subs) => {
            Hir::alternation(subs.into_iter().map(without_captures).collect())
        }
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(l) => Hir::literal(l.0),
        HirKind::Class(c) => Hir::class(c),
        HirKind::Look(l) => Hir::look(l),
    }
}

/// `hir` rewritten into `form`; `found` records that it has a Unicode word boundary. `None`
/// for the shadow form of a regex with a literal that is not UTF-8.
fn rewrite(hir: Hir, form: Form, found: &mut bool) -> Option<Hir> {
    let ascii = ClassUnicode::new([ClassUnicodeRange::new('\0', '\x7f')]);
    Some(match hir.into_kind() {
        HirKind::Look(look) => {
            let ascii = match look {
                Look::WordUnicode => Look::WordAscii,
                Look::WordUnicodeNegate => Look::WordAsciiNegate,
                Look::WordStartUnicode => Look::WordStartAscii,
                Look::WordEndUnicode => Look::WordEndAscii,
                Look::WordStartHalfUnicode => Look::WordStartHalfAscii,
                Look::WordEndHalfUnicode => Look::WordEndHalfAscii,
                // ASCII boundaries hold in the shadow where they hold in the text: a non-ASCII
                // character and its stand-in are both not ASCII word characters.
                other => return Some(Hir::look(other)),
            };
            *found = true;
            match form {
                Form::Shadow => Hir::empty(),
                Form::Ascii | Form::Fast => Hir::look(ascii),
            }
        }
        HirKind::Class(Class::Unicode(mut c)) if form != Form::Fast => {
            let mut outside = c.clone();
            outside.difference(&ascii);
            c.intersect(&ascii);
            if form == Form::Shadow && !outside.ranges().is_empty() {
                c.push(ClassUnicodeRange::new(STAND_IN, STAND_IN));
            }
            Hir::class(Class::Unicode(c))
        }
        HirKind::Class(Class::Bytes(mut c)) if form != Form::Fast => {
            // In a text regex, a class of bytes holds ASCII only: kept as is in the shadow.
            if form == Form::Ascii {
                c.intersect(&ClassBytes::new([ClassBytesRange::new(0, 0x7f)]));
            }
            Hir::class(Class::Bytes(c))
        }
        HirKind::Literal(l) if form == Form::Ascii && !l.0.is_ascii() => Hir::fail(),
        HirKind::Literal(l) if form == Form::Shadow && !l.0.is_ascii() => {
            let text = std::str::from_utf8(&l.0).ok()?;
            let mapped: String = text
                .chars()
                .map(|c| if c.is_ascii() { c } else { STAND_IN })
                .collect();
            Hir::literal(mapped.into_bytes())
        }
        HirKind::Repetition(mut r) => {
            r.sub = Box::new(rewrite(*r.sub, form, found)?);
            Hir::repetition(r)
        }
        HirKind::Capture(mut c) => {
            c.sub = Box::new(rewrite(*c.sub, form, found)?);
            Hir::capture(c)
        }
        HirKind::Concat(subs) => Hir::concat(
            subs.into_iter()
                .map(|h| rewrite(h, form, found))
                .collect::<Option<_>>()?,
        ),
        HirKind::Alternation(subs) => Hir::alternation(
            subs.into_iter()
                .map(|h| rewrite(h, form, found))
                .collect::<Option<_>>()?,
        ),
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(l) => Hir::literal(l.0),
        HirKind::Class(c) => Hir::class(c),
    })
}

/// The regexes without literals as one set, in the two eager forms of [`RuleRegex`]: `ascii`,
/// exact on ASCII text, and `shadow`, a filter for the rest.
#[derive(Clone, Debug)]
pub(crate) struct RuleRegexSet {
    ascii: regex::RegexSet,
    shadow: regex::RegexSet,
    /// The members without a shadow form: candidates on every text that is not ASCII.
    unshadowed: Vec<usize>,
}

impl RuleRegexSet {
    /// Compiles `sources` case-insensitively, each set within `size_limit` bytes.
    pub fn new<'a>(
        sources: impl Iterator<Item = &'a str>,
        size_limit: usize,
    ) -> Result<RuleRegexSet, regex::Error> {
        let mut ascii = Vec::new();
        let mut shadow = Vec::new();
        let mut unshadowed = Vec::new();
        for (i, source) in sources.enumerate() {
            let forms = Forms::of(source, size_limit)?;
            ascii.push(forms.ascii);
            shadow.push(forms.shadow.unwrap_or_else(|| {
                unshadowed.push(i);
                Hir::fail().to_string()
            }));
        }
        let build = |patterns: &[String]| {
            regex::RegexSetBuilder::new(patterns)
                .size_limit(size_limit)
                .build()
        };
        Ok(RuleRegexSet {
            ascii: build(&ascii)?,
            shadow: build(&shadow)?,
            unshadowed,
        })
    }

    /// Calls `f(i, certain)` for every regex `i` of the set that may match `subject`, in
    /// order: `certain` when it does; otherwise the caller asks the regex itself.
    pub fn for_each_match(&self, subject: &Subject, mut f: impl FnMut(usize, bool)) {
        let (set, text, certain) = match subject.kind {
            TextKind::Ascii => (&self.ascii, subject.text, true),
            _ => (&self.shadow, subject.shadow, false),
        };
        // `is_match` first: it allocates nothing, and most fields match no regex.
        if !certain && !self.unshadowed.is_empty() {
            let mut found: Vec<usize> = self.unshadowed.clone();
            if set.is_match(text) {
                found.extend(set.matches(text).iter());
            }
            found.sort_unstable();
            found.dedup();
            found.into_iter().for_each(|i| f(i, false));
        } else if set.is_match(text) {
            set.matches(text).iter().for_each(|i| f(i, certain));
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
    fn a_saved_regex_matches_as_compiled_and_bytes_that_do_not_read_are_worked_out_again() {
        let source = r"\bcve-\d{4}-\d{4,}\b";
        let compiled = RuleRegex::new(source, 1 << 20).unwrap();
        let saved = RuleRegex::saved(source, compiled.saved_patterns().into(), 1 << 20);
        let damaged = RuleRegex::saved(source, vec![0xff; 9].into(), 1 << 20);
        assert_eq!(*saved.saved_patterns(), *compiled.saved_patterns());
        for text in [
            "see CVE-2024-3094 now",
            "cve-24-1",
            "CVE-2024-3094é",
            "é cve-2023-44487",
        ] {
            let mut buf = String::new();
            let subject = Subject::new(text, &mut buf);
            let want = compiled.is_match(&subject);
            assert_eq!(saved.is_match(&subject), want, "{text}");
            assert_eq!(damaged.is_match(&subject), want, "{text}");
        }
        assert!(
            saved.forms.get().is_none(),
            "saved forms are read, not kept"
        );
        assert!(
            damaged.forms.get().is_some(),
            "unreadable forms are worked out"
        );
    }

    /// `hir` with every class of ASCII bytes written as the same class of characters: what
    /// `(?i-u:k)` and `[Kk]` have in common.
    fn as_chars(hir: &Hir) -> Hir {
        match hir.kind() {
            HirKind::Class(Class::Bytes(c)) if c.is_ascii() => {
                Hir::class(Class::Unicode(ClassUnicode::new(c.ranges().iter().map(
                    |r| ClassUnicodeRange::new(char::from(r.start()), char::from(r.end())),
                ))))
            }
            HirKind::Concat(subs) => Hir::concat(subs.iter().map(as_chars).collect()),
            HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(as_chars).collect()),
            HirKind::Repetition(r) => {
                let mut r = r.clone();
                r.sub = Box::new(as_chars(&r.sub));
                Hir::repetition(r)
            }
            HirKind::Capture(c) => {
                let mut c = c.clone();
                c.sub = Box::new(as_chars(&c.sub));
                Hir::capture(c)
            }
            _ => hir.clone(),
        }
    }

    #[test]
    fn runs_of_letter_pairs_are_written_case_insensitive_and_mean_the_same() {
        for (printed, want) in [
            ("[Cc][Oo][Nn][Tt][Aa][Cc][Tt]", "(?i-u:contact)"),
            ("[Ss]+[Aa]", "[Ss]+[Aa]"),
            ("[Bb][Oo][Tt][Ss]{1,2}", "(?i-u:bot)[Ss]{1,2}"),
            (r"\[[Aa][Bb]\]", r"\[(?i-u:ab)\]"),
            (r"[^Aa][Bb][Cc]", r"[^Aa](?i-u:bc)"),
            (r"[\]Aa][Xx][Yy]", r"[\]Aa](?i-u:xy)"),
            (r"[]Aa][Xx][Yy]", r"[]Aa](?i-u:xy)"),
            ("(?:[Kk][Ii][Tt]|[Ll][Ee][Kk])", "(?:(?i-u:kit)|(?i-u:lek))"),
            ("[Ee]\u{e9}[Aa][Bb]", "[Ee]\u{e9}(?i-u:ab)"),
        ] {
            let compact = ascii_case_runs(printed);
            assert_eq!(compact, want, "{printed}");
            let parse = |p: &str| regex_syntax::Parser::new().parse(p).ok();
            if let (Some(a), Some(b)) = (parse(printed), parse(&compact)) {
                assert_eq!(as_chars(&a), as_chars(&b), "{printed}");
            }
        }
    }

    /// The `ascii` and `shadow` forms of every embedded regex, written with case-insensitive
    /// runs, are the same regexes as printed.
    #[test]
    fn every_embedded_regex_means_the_same_with_case_insensitive_runs() {
        let limit = crate::rules::Limits::default().regex_size_limit;
        let parse = |p: &str| {
            regex_syntax::Parser::new()
                .parse(p)
                .ok()
                .map(|h| as_chars(&h))
        };
        let (mut n, mut shorter) = (0, 0);
        each_default_regex(|rule, source| {
            let hir = without_captures(super::parse(source, limit).unwrap());
            for form in [Form::Ascii, Form::Shadow] {
                let Some(printed) = rewrite(hir.clone(), form, &mut false) else {
                    continue;
                };
                let printed = printed.to_string();
                let compact = ascii_case_runs(&printed);
                assert_eq!(parse(&compact).unwrap(), parse(&printed).unwrap(), "{rule}");
                n += 1;
                shorter += usize::from(compact.len() < printed.len());
            }
        });
        assert!(n >= 180 && shorter * 2 > n, "{n} forms, {shorter} shorter");
    }

    /// Calls `f(rule id, regex)` for every regex of the embedded rules.
    fn each_default_regex(mut f: impl FnMut(&str, &str)) {
        let catalog = crate::catalog::Catalog::default_embedded();
        for (name, text) in crate::rules::DEFAULT_RULES {
            let mut diags = crate::error::Diagnostics::default();
            let file = crate::rules::load::load_file(
                text,
                std::path::Path::new(name),
                &catalog,
                &mut diags,
            );
            for rule in &file.rules {
                for r in &rule.regex {
                    f(&rule.id, &r.value);
                }
            }
        }
    }

    /// What lets `RuleSetBuilder::add_defaults` compile the embedded rules' regexes only when
    /// first needed: every one compiles, in every form, under the default limits.
    #[test]
    fn every_embedded_regex_compiles_under_the_default_limits() {
        let limit = crate::rules::Limits::default().regex_size_limit;
        let mut n = 0;
        each_default_regex(|rule, source| {
            let compiled =
                RuleRegex::new(source, limit).unwrap_or_else(|e| panic!("rule {rule}: {e}"));
            let p = compiled.patterns();
            if let Some(shadow) = &p.shadow {
                build_form(shadow, limit, false).unwrap_or_else(|e| panic!("{rule}: {e}"));
            }
            for form in p.fast.iter().chain([&p.exact]) {
                build_form(form, limit.saturating_mul(64), true)
                    .unwrap_or_else(|e| panic!("{rule}: {e}"));
            }
            n += 1;
        });
        assert!(n >= 90, "{n} regexes");
    }

    #[test]
    fn a_deferred_regex_matches_as_the_compiled_one() {
        let source = r"(?i)\b(fixed|patched)\s+in\s+v?\d+\.\d+";
        let now = RuleRegex::new(source, 1 << 20).unwrap();
        let later = RuleRegex::deferred(source, 1 << 20);
        assert!(
            later.ascii.get().is_none() && later.forms.get().is_none(),
            "nothing built yet"
        );
        for text in [
            "Fixed in 2.4.1",
            "patched  in v10.2",
            "fixed in version 2",
            "überfixed in 1.2",
        ] {
            let lower = text.to_lowercase();
            let mut buffer = String::new();
            let subject = Subject::new(&lower, &mut buffer);
            assert_eq!(now.is_match(&subject), later.is_match(&subject), "{text}");
        }
        assert!(later.ascii.get().is_some(), "built when first needed");
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
    fn every_form_agrees_with_the_regex_as_written() {
        // Unicode word boundaries next to non-ASCII letters are where the forms differ.
        let r = RuleRegex::new(r"(?i)\bK\w+\b[^.\n]{0,5}\bé?x\b", 1 << 20).unwrap();
        let exact = regex::RegexBuilder::new(r"(?i)\bK\w+\b[^.\n]{0,5}\bé?x\b")
            .case_insensitive(true)
            .build()
            .unwrap();
        for text in [
            "kilo x",
            "KILO-X",
            "skilo x",
            "kilo. x",
            "kilo éx",
            "kiloé x",
            "ékilo x",
            "kilo xé",
            "kilo – x",
            "kilo’x",
            "kilö x",
            "k x",
            "kilo éx kilo x",
        ] {
            let mut buf = String::new();
            let subject = Subject::new(text, &mut buf);
            assert_eq!(r.is_match(&subject), exact.is_match(text), "{text}");
            let mut spans = Vec::new();
            r.for_each_match(&subject, |s, e| spans.push((s, e)));
            let want: Vec<_> = exact
                .find_iter(text)
                .map(|m| (m.start(), m.end()))
                .collect();
            assert_eq!(spans, want, "{text}");
        }
        assert_eq!(TextKind::of("a – b ’c’ 5 €"), TextKind::Plain);
        assert_eq!(TextKind::of("café"), TextKind::Other);
        assert_eq!(TextKind::of("cafe"), TextKind::Ascii);
        assert!(r.patterns().fast.is_some() && r.patterns().shadow.is_some());
        assert!(RuleRegex::new(r"\p{Greek}+", 1 << 20)
            .unwrap()
            .patterns()
            .fast
            .is_none());
        assert!(RuleRegex::new(r"(?-u:\xE9)", 1 << 20).is_err(), "not UTF-8");
        assert!(RuleRegex::new(r"(unclosed", 1 << 20).is_err());
        // Non-ASCII in the pattern: unmatchable in the ASCII form, found in the others.
        let money = RuleRegex::new(r"(?i)(\beur|[$€£])\s?\d+", 1 << 20).unwrap();
        for (text, want) in [("$5", true), ("€5", true), ("é €5", true), ("x5", false)] {
            let mut buf = String::new();
            assert_eq!(
                money.is_match(&Subject::new(text, &mut buf)),
                want,
                "{text}"
            );
        }
    }

    /// Every regex of the default rules, on every example and counterexample of the default
    /// rules, in four variants that make the text of each kind: the forms give the same matches
    /// as the regex as written.
    #[test]
    fn every_default_regex_agrees_with_itself_on_every_default_example() {
        let mut sources = Vec::new();
        let mut texts = Vec::new();
        for (_, toml_text) in super::super::DEFAULT_RULES {
            let doc: toml::Table = toml::from_str(toml_text).unwrap();
            for rule in doc["rule"].as_array().unwrap() {
                let strings = |key: &str| -> Vec<String> {
                    rule.get(key)
                        .and_then(|v| v.as_array())
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                sources.extend(strings("regex"));
                for text in strings("examples")
                    .into_iter()
                    .chain(strings("counterexamples"))
                {
                    let lower = normalize(&text);
                    texts.push(format!("{lower} – «{lower}»")); // plain
                    texts.push(format!("é{lower}é {}", lower.replace(' ', "ü ")));
                    texts.push(lower.replace('e', "é"));
                    texts.push(lower); // ASCII, mostly
                }
            }
        }
        assert!(
            sources.len() > 50 && texts.len() > 500,
            "{} {}",
            sources.len(),
            texts.len()
        );
        let mut kinds = [0; 3];
        let mut matched = 0;
        for source in &sources {
            let r = RuleRegex::new(source, 1 << 22).unwrap();
            let exact = regex::RegexBuilder::new(source)
                .case_insensitive(true)
                .build()
                .unwrap();
            let mut buf = String::new();
            for text in &texts {
                let subject = Subject::new(text, &mut buf);
                kinds[subject.kind as usize] += 1;
                let want: Vec<_> = exact.find_iter(text).map(|m| m.range()).collect();
                let mut got = Vec::new();
                r.for_each_match(&subject, |s, e| got.push(s..e));
                assert_eq!(got, want, "{source} on {text:?}");
                assert_eq!(
                    r.is_match(&subject),
                    !want.is_empty(),
                    "{source} on {text:?}"
                );
                matched += usize::from(!want.is_empty());
            }
        }
        assert!(kinds.iter().all(|&k| k > 1000), "{kinds:?}");
        assert!(matched > 100, "{matched}");
    }

    #[test]
    fn the_set_reports_candidates_that_the_regexes_confirm() {
        let sources = [r"(?i)\bab\b", r"[$€]\d+", r"(?i)\bé\b"];
        let set = RuleRegexSet::new(sources.iter().copied(), 1 << 20).unwrap();
        let regexes: Vec<RuleRegex> = sources
            .iter()
            .map(|s| RuleRegex::new(s, 1 << 20).unwrap())
            .collect();
        for (text, want) in [
            ("x ab y €5", vec![0, 1]),
            ("xab é", vec![2]),
            ("éab $3", vec![1]),
            ("ab é", vec![0, 2]),
        ] {
            let mut buf = String::new();
            let subject = Subject::new(text, &mut buf);
            let mut got = Vec::new();
            set.for_each_match(&subject, |i, certain| {
                if certain || regexes[i].is_match(&subject) {
                    got.push(i)
                }
            });
            assert_eq!(got, want, "{text}");
        }
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
