//! Labelled example tickets as a second index: "which reviewed tickets is this one like?".
//!
//! The catalog's descriptions are written in the framework's words; tickets are written in a
//! team's. A ticket no rule tags is often much like a ticket someone has already labelled, in
//! the same language and jargon. So beside the catalog index, the fallback may hold labelled
//! example tickets (the default: the tuning part of the project's development set; a team adds
//! its own reviewed tickets with `--examples FILE`) and let an unmatched ticket take the
//! service its nearest labelled neighbours agree on, explained as "like ticket X (6.4)".
//!
//! Matching must work across the languages CSIRTs write in without a stemmer per language, so
//! a text's *keys* are its words folded to lower case without accents and cut to their first
//! [`KEY_CHARS`] characters (`Sicherheitslücken` and `sicherheitslucke` share `sicher`,
//! `phishing` and `phishingmail` share `phishi`), words of one or two letters and numbers left
//! out. A ticket's distinct keys are its query and BM25 ranks the examples (the formula and
//! constants of tantivy, which indexes the catalog; with exact lengths); the best
//! [`NEIGHBOURS`] vote. The index is our own: a thousand examples' postings fit in a few
//! hundred KB, and asking them costs a few microseconds where a tantivy query over the same
//! examples cost about half a millisecond, which matters since every tagged ticket asks
//! (`tag::vote`). How alike a ticket and an example are, beyond their rank, is the share of
//! distinct keys they have in common (Jaccard): BM25 scores only compare within one query.
//!
//! Examples file (CSV, UTF-8, written by `csirt-tagger examples`): `id,services,title,text`;
//! `services` is `;`-separated official ids or slugs of the catalog, most important first (a
//! `primary` column, when there is one, comes first). A labels file of `review`, or what its
//! page saved, is an examples file as it is: its rows not labelled yet and its `none` rows are
//! left out, so a team's reviewed tickets teach the fallback its words.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

use super::classifier::ExampleModel;
use super::load::{Catalog, EntryId, Kind};
use crate::error::{Diagnostic, Diagnostics, Error, Location, Result, Severity};

/// Characters a word keeps as its key.
pub const KEY_CHARS: usize = 6;

/// How many of the most similar examples vote.
pub const NEIGHBOURS: usize = 10;

/// Most bytes of an example's or a ticket's text used (title first): what a ticket is about is
/// said at its start.
pub const MAX_EXAMPLE_BYTES: usize = 2_000;

/// The embedded examples of `csirt-2.1`: the tuning part and the round-2 and round-4 batches of
/// `fixtures/labelled/many-hands` (never its blind part) and the older labelled set, written
/// by `csirt-tagger examples`.
const EMBEDDED_CSIRT: &str = include_str!("../../index/examples-csirt-2.1.csv");

/// How the embedded examples are named in reports and messages.
pub const EMBEDDED_EXAMPLES: &str = "<embedded:index/examples-csirt-2.1.csv>";

/// BM25's saturation of a key's frequency (tantivy's constant).
const K1: f32 = 1.2;

/// BM25's weight of an example's length against the average (tantivy's constant).
const B: f32 = 0.75;

/// One labelled example ticket.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// Its id (the ticket's id in the export it came from).
    pub id: String,
    /// Its services, most important first.
    pub services: Vec<EntryId>,
    /// Title and text as indexed (title first, cut to [`MAX_EXAMPLE_BYTES`]).
    pub text: String,
}

/// An example found like a ticket, with its BM25 score for that ticket.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Neighbour {
    /// The example's id.
    pub id: String,
    /// Its services, official ids, most important first.
    pub services: Vec<String>,
    /// BM25 score (only comparable within one query).
    pub score: f32,
}

/// Labelled examples indexed by their keys, in RAM. The index is built the first time a
/// ticket asks for neighbours (a few ms for a thousand examples): a run that never asks never
/// pays for it. Then read-only, shared by every thread.
pub struct ExampleIndex {
    examples: Vec<Example>,
    /// Where the examples came from (`<embedded:...>` or paths), for reports.
    origins: Vec<String>,
    built: OnceLock<Built>,
    model: OnceLock<ExampleModel>,
    /// Where a trained model is saved and read back ([`ExampleModel::load_or_train`]).
    model_cache: Option<std::path::PathBuf>,
    /// Example numbers by id, to find a ticket's own examples ([`ExampleIndex::holds`]) without
    /// comparing every example's id.
    ids: HashMap<Box<str>, Vec<u32>, FixedState>,
}

/// FNV-1a: keys are a few bytes long, where SipHash's setup costs more than the hashing; and
/// fixed, so a key's hash for [`Scratch::unknown`] is the same on every run.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(FNV_START)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv(self.0, bytes);
    }
}

/// FNV-1a's offset basis: the hash of no bytes.
pub(super) const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes`, continuing from `h` (one byte: [`fnv_byte`]).
pub(super) fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h = fnv_byte(h, b);
    }
    h
}

/// One step of FNV-1a.
pub(super) fn fnv_byte(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
}

/// Builds [`Fnv`] hashers.
type FixedState = BuildHasherDefault<Fnv>;

/// The inverted index of an [`ExampleIndex`].
struct Built {
    /// Every key an example holds, numbered in order of first appearance.
    vocabulary: HashMap<Box<str>, u32, FixedState>,
    /// Per key number, where its postings start in `postings` (one more entry at the end).
    offsets: Vec<u32>,
    /// (example, the key's BM25 score in it), by key, then example: the score is
    /// `idf * (1 + K1) * tf / (tf + K1 * (1 - B + B * length / average length))`, worked out
    /// once here rather than for every ticket that asks.
    postings: Vec<(u32, f32)>,
    /// Per example, its distinct keys' numbers, sorted.
    example_keys: Vec<Box<[u32]>>,
    build_time: Duration,
}

/// Per-thread buffers of a query: once grown, asking for neighbours allocates nothing.
#[derive(Default)]
struct Scratch {
    /// The query's text (title first, cut as examples are).
    text: String,
    /// The key being made.
    key: String,
    /// The query's distinct keys that examples hold, by number, in the order of the text.
    known: Vec<u32>,
    /// Per key number, whether `known` has it (all false between queries).
    seen: Vec<bool>,
    /// Hashes of the query's distinct keys that no example holds (they count in similarity).
    unknown: Vec<u64>,
    /// Per example, its BM25 score for the query (0 when untouched).
    scores: Vec<f32>,
    /// `known`, sorted (for [`Neighbours::similarity`]).
    sorted: Vec<u32>,
    /// The examples the query touched.
    touched: Vec<u32>,
    /// The best examples, best first.
    hits: Vec<(usize, f32)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The nearest examples of one query, with how alike each is to it.
pub struct Neighbours<'a> {
    /// (example, BM25 score), best first; ties in file order.
    pub hits: &'a [(usize, f32)],
    /// The sum of the hits' scores, summed once: every share divides by it.
    total: f64,
    examples: &'a [Example],
    built: &'a Built,
    scratch: &'a Scratch,
}

impl Neighbours<'_> {
    /// The sum of the hits' scores.
    pub fn total(&self) -> f64 {
        self.total
    }

    /// The share of the hits' scores given by those labelled with `service` (at any rank),
    /// from 0 to 1; 0 without hits.
    pub fn share(&self, service: EntryId) -> f64 {
        let total = self.total;
        if total <= 0.0 {
            return 0.0;
        }
        let votes: f64 = self
            .hits
            .iter()
            .filter(|&&(e, _)| self.examples[e].services.contains(&service))
            .map(|&(_, s)| f64::from(s))
            .sum();
        votes / total + 0.0 // an empty sum is -0.0
    }

    /// How alike the query and example `n` are: the share of their distinct keys they have in
    /// common (Jaccard, 0 to 1), whatever the lengths of both.
    pub fn similarity(&self, n: usize) -> f64 {
        let s = &self.scratch;
        // Both key lists are sorted: count what they share in one merge.
        let theirs = &self.built.example_keys[n];
        let (mut i, mut j, mut shared) = (0, 0, 0u32);
        while i < s.sorted.len() && j < theirs.len() {
            match s.sorted[i].cmp(&theirs[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        let query = (s.known.len() + s.unknown.len()) as u32;
        let union = query + theirs.len() as u32 - shared;
        if union == 0 {
            0.0
        } else {
            f64::from(shared) / f64::from(union)
        }
    }
}

impl std::fmt::Debug for ExampleIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExampleIndex")
            .field("examples", &self.examples.len())
            .field("origins", &self.origins)
            .field("built", &self.built.get().map(|b| b.build_time))
            .finish()
    }
}

/// The keys of a text, in order: words (runs of letters, digits and marks) folded to lower
/// case without accents, cut to [`KEY_CHARS`] characters; words shorter than 3 characters,
/// numbers and common function words of the seven languages left out.
pub fn keys(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_key(text, |_, key| out.push(key.to_string()));
    out
}

/// Function words of the languages tickets are written in (folded as keys are, three letters or
/// more: shorter words are never keys). They say nothing about a ticket's work, but a ticket in
/// German shares `der`, `und`, `mit` with every German example.
const STOP_WORDS: [&str; 148] = [
    // English
    "the", "and", "for", "with", "from", "this", "that", "are", "was", "were", "has", "have", "not",
    "but", "you", "your", "our", "all", "can", "will", "they", "their", "them", "been",
    // German
    "der", "die", "das", "den", "dem", "des", "und", "ein", "eine", "einer", "eines", "einem",
    "einen", "mit", "von", "fur", "auf", "aus", "bei", "nicht", "ist", "sind", "wir", "sie", "ich",
    "wie", "oder", "auch", "noch", "nach", "dass", "zum", "zur", "uns", "ihr", "ihre", "wird",
    "werden", "wurde", "hat", "haben", // French
    "les", "une", "pour", "avec", "dans", "sur", "par", "est", "qui", "que", "pas", "nous", "vous",
    "sont", "ont", "aux", "ces", "cette", "mais", "plus", "leur", // Dutch
    "het", "een", "van", "voor", "met", "niet", "zijn", "dat", "wat", "ook", "aan", "bij", "naar",
    "wij", "ons", "onze", "hebben", "wordt", "werd", // Spanish
    "del", "los", "las", "una", "por", "para", "con", "sin", "sus", "como", "pero", "mas", "este",
    "esta", "nos", "han", "hay", "ser", // Italian
    "della", "delle", "degli", "per", "non", "che", "sono", "alla", "dal", "dei", "gli", "nel",
    "nella", "questo", "questa", // Polish
    "nie", "jest", "oraz", "dla", "ale", "jak", "czy", "przez", "tak", "ten",
];

/// Whether `key` is one of [`STOP_WORDS`] (a set: every word of every text asks).
fn is_stop_word(key: &str) -> bool {
    static SET: OnceLock<std::collections::HashSet<&'static str, FixedState>> = OnceLock::new();
    SET.get_or_init(|| STOP_WORDS.into_iter().collect())
        .contains(key)
}

/// Every key of `text` with the word it comes from (as written), in order.
pub fn words_and_keys(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for_each_key(text, |word, key| {
        out.push((word.to_string(), key.to_string()))
    });
    out
}

/// Calls `f(word, key)` for every key of `text` (see [`keys`]).
fn for_each_key(text: &str, f: impl FnMut(&str, &str)) {
    for_each_key_in(text, &mut String::new(), f)
}

/// [`for_each_key`] making each key in `key` (a buffer that keeps its capacity).
fn for_each_key_in(text: &str, key: &mut String, mut f: impl FnMut(&str, &str)) {
    key.clear();
    let mut start: Option<usize> = None;
    let mut flush = |key: &mut String, word: &str| {
        // Most words are ASCII: their length in characters is their length in bytes.
        let ascii = key.is_ascii();
        let chars = if ascii {
            key.len()
        } else {
            key.chars().count()
        };
        if chars >= 3 && !key.bytes().all(|b| b.is_ascii_digit()) && !is_stop_word(key) {
            let end = if ascii {
                key.len().min(KEY_CHARS)
            } else {
                key.char_indices()
                    .nth(KEY_CHARS)
                    .map_or(key.len(), |(i, _)| i)
            };
            f(word, &key[..end]);
        }
        key.clear();
    };
    for (i, c) in text.char_indices() {
        let in_word = if c.is_ascii() {
            c.is_ascii_alphanumeric()
        } else {
            c.is_alphanumeric() || is_combining_mark(c)
        };
        if !in_word {
            if let Some(s) = start.take() {
                flush(key, &text[s..i]);
            }
            continue;
        }
        start.get_or_insert(i);
        if c.is_ascii() {
            key.push(c.to_ascii_lowercase());
        } else {
            // Accents go: `é` is `e` and a combining acute, and the mark is dropped.
            decompose_compatible(c, |d| {
                if d.is_alphanumeric() {
                    key.extend(d.to_lowercase());
                }
            });
        }
    }
    if let Some(s) = start {
        flush(key, &text[s..]);
    }
}

/// Whether [`keys`] would find any key in `text` (without making them).
fn has_key(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|w| w.chars().count() >= 3 && !w.chars().all(|c| c.is_ascii_digit()))
}

/// The first line of the first of `texts` that is not blank once trimmed, as [`example_text`]
/// begins with it.
fn first_line<'a>(texts: impl IntoIterator<Item = &'a str>) -> &'a str {
    texts
        .into_iter()
        .map(str::trim)
        .find(|t| !t.is_empty())
        .and_then(|t| t.lines().next())
        .map_or("", str::trim_end)
}

/// The title first, then the other texts, joined by new lines and cut to
/// [`MAX_EXAMPLE_BYTES`] on a character boundary.
pub fn example_text<'a>(title: &str, texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    example_text_into(&mut out, title, texts);
    out
}

/// [`example_text`] into `out` (cleared first).
pub(super) fn example_text_into<'a>(
    out: &mut String,
    title: &str,
    texts: impl IntoIterator<Item = &'a str>,
) {
    out.clear();
    out.push_str(title.trim());
    for t in texts {
        if out.len() >= MAX_EXAMPLE_BYTES {
            break;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(t.trim());
    }
    if out.len() > MAX_EXAMPLE_BYTES {
        let mut end = MAX_EXAMPLE_BYTES;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
}

/// Reads an examples CSV (`id,services,title,text`); a bad row is an error diagnostic at its
/// line and is left out, the others are kept.
pub fn read_examples(
    text: &str,
    origin: &Path,
    catalog: &Catalog,
    diags: &mut Diagnostics,
) -> Vec<Example> {
    let mut error = |line: u64, message: String| {
        diags.record(Diagnostic {
            severity: Severity::Error,
            at: Location::new(origin, line),
            message,
            hint: Some("an examples file has the columns id,services,title,text".into()),
        });
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(e) => {
            error(1, format!("not an examples file: {e}"));
            return Vec::new();
        }
    };
    let column = |name: &str| header.iter().position(|c| c == name);
    let (Some(id_col), Some(services_col)) = (column("id"), column("services")) else {
        error(1, "the header needs the columns `id` and `services`".into());
        return Vec::new();
    };
    let (title_col, text_col) = (column("title"), column("text"));
    let primary_col = column("primary");
    // A labels file of `review` (or its page): rows not labelled yet, and rows labelled
    // `none`, are no examples; ids may carry the formula guard.
    let review = column("predicted_services").is_some();
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                error(line, format!("unreadable row: {e}"));
                break;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("").trim();
        let mut id = cell(Some(id_col));
        if review {
            id = crate::output::unguard_formula(id);
            let labels = cell(Some(services_col));
            if labels.is_empty() && cell(primary_col).is_empty()
                || labels.eq_ignore_ascii_case("none")
            {
                continue;
            }
        }
        if id.is_empty() {
            error(line, "an example needs an id".into());
            continue;
        }
        let mut services: Vec<EntryId> = Vec::new();
        let mut bad = None;
        let primary = cell(primary_col);
        for key in std::iter::once(primary)
            .chain(cell(Some(services_col)).split(';'))
            .map(str::trim)
        {
            if key.is_empty() {
                continue;
            }
            match catalog.resolve(key) {
                Ok(e) => match catalog.service_of(e) {
                    Some(s) if catalog.entry(e).kind != Kind::Area => {
                        if !services.contains(&s) {
                            services.push(s);
                        }
                    }
                    _ => bad = Some(format!("`{key}` is a service area, not a service")),
                },
                Err(msg) => bad = Some(msg),
            }
        }
        if let Some(msg) = bad {
            error(line, format!("example {id}: {msg}"));
            continue;
        }
        if services.is_empty() {
            error(line, format!("example {id} has no service"));
            continue;
        }
        let text = example_text(cell(title_col), [cell(text_col)]);
        if !has_key(&text) {
            error(line, format!("example {id} has no words to match"));
            continue;
        }
        out.push(Example {
            id: id.to_string(),
            services,
            text,
        });
    }
    out
}

impl ExampleIndex {
    /// The embedded examples of a catalog: only the embedded `csirt-2.1` has some.
    pub fn embedded(catalog: &Catalog) -> Vec<Example> {
        if catalog.origin() != Path::new("<embedded:index/first-csirt-2.1.toml>") {
            return Vec::new();
        }
        let mut diags = Diagnostics::default();
        let examples = read_examples(
            EMBEDDED_CSIRT,
            Path::new(EMBEDDED_EXAMPLES),
            catalog,
            &mut diags,
        );
        debug_assert!(diags.is_empty(), "{:?}", diags.items());
        examples
    }

    /// An index of `examples` (built when first asked); `origins` says where they came from.
    pub fn new(examples: Vec<Example>, origins: Vec<String>) -> ExampleIndex {
        let mut ids: HashMap<Box<str>, Vec<u32>, FixedState> = HashMap::default();
        for (n, example) in examples.iter().enumerate() {
            ids.entry(example.id.as_str().into())
                .or_default()
                .push(n as u32);
        }
        ExampleIndex {
            examples,
            origins,
            built: OnceLock::new(),
            model: OnceLock::new(),
            model_cache: None,
            ids,
        }
    }

    /// Whether one of the examples is this ticket itself: the same id *and* the same first
    /// line (the title, or the first text when there is none). An id alone does not tell:
    /// ticket systems number from 1, so a team's ticket 12003 and an embedded example 12003
    /// are two tickets, and the embedded examples themselves come from exports whose numbers
    /// meet.
    pub fn holds<'t>(
        &self,
        id: &str,
        title: &'t str,
        texts: impl IntoIterator<Item = &'t str>,
    ) -> bool {
        // Only when the id is an example's is the first line looked for.
        self.ids.get(id).is_some_and(|numbers| {
            let first = first_line(std::iter::once(title).chain(texts));
            numbers.iter().any(|&n| self.is_own(n, first))
        })
    }

    /// Whether example `n` begins with the ticket's first line `first` (see [`ExampleIndex::holds`]).
    fn is_own(&self, n: u32, first: &str) -> bool {
        first_line([self.examples[n as usize].text.as_str()]) == first
    }

    fn built(&self) -> &Built {
        self.built.get_or_init(|| build(&self.examples))
    }

    /// Saves the classifier learnt from these examples in `dir`, and reads it back from there
    /// when the same examples were learnt before (`None`: train it every run).
    pub fn with_model_cache(mut self, dir: Option<std::path::PathBuf>) -> ExampleIndex {
        self.model_cache = dir;
        self
    }

    /// The classifier learnt from the examples (trained, or read from the model cache, when
    /// first asked).
    pub fn model(&self) -> &ExampleModel {
        self.model.get_or_init(|| {
            ExampleModel::load_or_train(&self.examples, self.model_cache.as_deref())
        })
    }

    /// The examples, in file order.
    pub fn examples(&self) -> &[Example] {
        &self.examples
    }

    /// Where the examples came from.
    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    /// How long building the index took, once it was built.
    pub fn build_time(&self) -> Option<Duration> {
        self.built.get().map(|b| b.build_time)
    }

    /// The examples most like `text`, best first, at most `limit`, leaving out the example
    /// that is this ticket itself: id `exclude` and the same first line ([`ExampleIndex::holds`];
    /// a ticket is never its own neighbour: a team's reviewed tickets may be in the export
    /// being tagged). Ties go to file order.
    pub fn neighbours(&self, text: &str, exclude: &str, limit: usize) -> Vec<(usize, f32)> {
        self.with_neighbours(text, [], exclude, limit, |n| n.hits.to_vec())
    }

    /// Calls `f` with the examples most like the text made of `title` and `texts` as
    /// [`example_text`] makes it (see [`ExampleIndex::neighbours`]), and how alike each is.
    /// Once this thread has asked a few times, asking allocates nothing.
    pub fn with_neighbours<'t, R>(
        &self,
        title: &str,
        texts: impl IntoIterator<Item = &'t str>,
        exclude: &str,
        limit: usize,
        f: impl FnOnce(Neighbours<'_>) -> R,
    ) -> R {
        let built = self.built();
        crate::scratch::with_scratch(&SCRATCH, |s| {
            example_text_into(&mut s.text, title, texts);

            self.search(built, exclude, limit, s);
            f(Neighbours {
                hits: &s.hits,
                total: s.hits.iter().map(|&(_, score)| f64::from(score)).sum(),
                examples: &self.examples,
                built,
                scratch: s,
            })
        })
    }

    /// Ranks the examples for `s.text` into `s.hits`.
    fn search(&self, built: &Built, exclude: &str, limit: usize, s: &mut Scratch) {
        for &n in &s.touched {
            s.scores[n as usize] = 0.0;
        }
        s.touched.clear();
        s.known.clear();
        s.unknown.clear();
        s.hits.clear();
        let Scratch {
            text,
            key,
            known,
            unknown,
            ..
        } = s;
        let seen = &mut s.seen;
        seen.resize(built.vocabulary.len(), false);
        for_each_key_in(text, key, |_, k| match built.vocabulary.get(k) {
            Some(&n) => {
                if !std::mem::replace(&mut seen[n as usize], true) {
                    known.push(n);
                }
            }
            None => unknown.push(FixedState::default().hash_one(k)),
        });
        for &k in known.iter() {
            seen[k as usize] = false;
        }
        unknown.sort_unstable();
        unknown.dedup();
        if limit == 0 {
            return;
        }
        s.sorted.clear();
        s.sorted.extend_from_slice(&s.known);
        s.sorted.sort_unstable();
        s.scores.resize(self.examples.len(), 0.0);
        // Keys in number order, examples in file order: the sums add up the same every run
        // (and as tantivy added them, which summed by key).
        let (scores, touched) = (&mut s.scores[..], &mut s.touched);
        for &k in s.sorted.iter() {
            let (from, to) = (built.offsets[k as usize], built.offsets[k as usize + 1]);
            for &(n, score) in &built.postings[from as usize..to as usize] {
                // Every posting's score is above 0: an example at 0 is one not touched yet.
                let at = &mut scores[n as usize];
                if *at == 0.0 {
                    touched.push(n);
                }
                *at += score;
            }
        }
        if let Some(own) = self.ids.get(exclude) {
            let first = first_line([s.text.as_str()]);
            for &n in own {
                // Only a touched example's score is reset next time, and only it can be a hit.
                if s.scores[n as usize] > 0.0 && self.is_own(n, first) {
                    s.scores[n as usize] = f32::NEG_INFINITY;
                }
            }
        }
        // The best `limit`, kept sorted as the touched examples go by: most are worse than
        // the worst kept and cost one comparison.
        let before = |a: &(usize, f32), b: &(usize, f32)| {
            b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)) == std::cmp::Ordering::Less
        };
        for &n in &s.touched {
            let hit = (n as usize, s.scores[n as usize]);
            if hit.1 == f32::NEG_INFINITY {
                continue;
            }
            if s.hits.len() == limit {
                if !before(&hit, &s.hits[limit - 1]) {
                    continue;
                }
                s.hits.pop();
            }
            let at = s.hits.partition_point(|h| before(h, &hit));
            s.hits.insert(at, hit);
        }
    }

    /// The neighbours of [`ExampleIndex::neighbours`] as ids and service ids, for output.
    pub fn describe(&self, catalog: &Catalog, hits: &[(usize, f32)]) -> Vec<Neighbour> {
        hits.iter()
            .map(|&(n, score)| {
                let e = &self.examples[n];
                Neighbour {
                    id: e.id.clone(),
                    services: e
                        .services
                        .iter()
                        .map(|&s| catalog.entry(s).id.clone())
                        .collect(),
                    score,
                }
            })
            .collect()
    }
}

/// Indexes the keys of `examples` in RAM.
fn build(examples: &[Example]) -> Built {
    let started = Instant::now();
    let mut vocabulary: HashMap<Box<str>, u32, FixedState> = HashMap::default();
    // (key, example, frequency), gathered by example, then sorted by key.
    let mut triples: Vec<(u32, u32, u32)> = Vec::new();
    let mut lengths = Vec::with_capacity(examples.len());
    let mut example_keys: Vec<Box<[u32]>> = Vec::with_capacity(examples.len());
    let mut counts: Vec<(u32, u32)> = Vec::new();
    for (n, example) in examples.iter().enumerate() {
        counts.clear();
        let mut length = 0u32;
        for_each_key(&example.text, |_, key| {
            let next = vocabulary.len() as u32;
            let k = *vocabulary.entry(key.into()).or_insert(next);
            counts.push((k, 1));
            length += 1;
        });
        counts.sort_unstable();
        counts.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                a.1 += b.1;
            }
            same
        });
        lengths.push(length);
        example_keys.push(counts.iter().map(|&(k, _)| k).collect());
        triples.extend(counts.iter().map(|&(k, tf)| (k, n as u32, tf)));
    }
    triples.sort_unstable();
    let keys = vocabulary.len();
    let mut offsets = vec![0u32; keys + 1];
    for &(k, _, _) in &triples {
        offsets[k as usize + 1] += 1;
    }
    for k in 0..keys {
        offsets[k + 1] += offsets[k];
    }
    let docs = examples.len() as f32;
    let weights: Vec<f32> = (0..keys)
        .map(|k| {
            let df = (offsets[k + 1] - offsets[k]) as f32;
            (1.0 + (docs - df + 0.5) / (df + 0.5)).ln() * (1.0 + K1)
        })
        .collect();
    let average = lengths.iter().map(|&l| f64::from(l)).sum::<f64>() / f64::from(docs.max(1.0));
    let norms: Vec<f32> = lengths
        .iter()
        .map(|&l| K1 * (1.0 - B + B * (f64::from(l) / average.max(1.0)) as f32))
        .collect();
    let postings = triples
        .into_iter()
        .map(|(k, n, tf)| {
            let tf = tf as f32;
            (n, weights[k as usize] * tf / (tf + norms[n as usize]))
        })
        .collect();
    Built {
        vocabulary,
        offsets,
        postings,
        example_keys,
        build_time: started.elapsed(),
    }
}

/// Loads an examples file for `catalog`, failing with every bad row named.
pub fn load_examples_file(path: &Path, catalog: &Catalog) -> Result<Vec<Example>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut diags = Diagnostics::default();
    let examples = read_examples(&text, path, catalog, &mut diags);
    if let Some(first) = diags.items().iter().find(|d| d.severity == Severity::Error) {
        let n = diags.items().len();
        return Err(Error::invalid(
            first.at.clone(),
            format!(
                "{}{}",
                first.message,
                if n > 1 {
                    format!(" (and {} more problem(s))", n - 1)
                } else {
                    String::new()
                }
            ),
            first.hint.clone().unwrap_or_default(),
        ));
    }
    Ok(examples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_case_and_accents_and_cut_words() {
        assert_eq!(
            keys("Sicherheitslücken: PHISHING-Mail an 203.0.113.7, ok?"),
            ["sicher", "phishi", "mail"]
        );
        assert_eq!(keys("Équipe réseau"), ["equipe", "reseau"]);
        assert_eq!(
            words_and_keys("Die neue Sicherheitslücke."),
            [
                ("neue".to_string(), "neue".to_string()),
                ("Sicherheitslücke".to_string(), "sicher".to_string())
            ]
        );
        assert!(keys("12 34 a b").is_empty());
    }

    #[test]
    fn a_ticket_finds_its_neighbours_but_never_itself() {
        let catalog = Catalog::default_embedded();
        let csv = "id,services,title,text\n\
                   A,6.4,Webseite verunstaltet,Startseite der Gemeinde zeigt fremde Parolen; Server vom Netz genommen\n\
                   B,9.3;9.4,Tabletop für den Krisenstab,Szenario und Injects vorbereiten\n\
                   C,6.4.3,Defaced site restored,The municipality homepage was restored from backup\n";
        let mut diags = Diagnostics::default();
        let examples = read_examples(csv, Path::new("ex.csv"), &catalog, &mut diags);
        assert!(diags.is_empty(), "{:?}", diags.items());
        assert_eq!(examples[2].services, [catalog.resolve("6.4").unwrap()]);
        let index = ExampleIndex::new(examples, vec!["ex.csv".into()]);
        let hits = index.neighbours("Die Webseite der Gemeinde wurde verunstaltet", "X", 5);
        assert_eq!(index.examples()[hits[0].0].id, "A");
        // Ticket A itself (its id and title) is not its own neighbour.
        let hits = index.neighbours("Webseite verunstaltet", "X", 5);
        assert_eq!(index.examples()[hits[0].0].id, "A");
        let hits = index.neighbours("Webseite verunstaltet", "A", 5);
        assert!(hits.iter().all(|&(n, _)| index.examples()[n].id != "A"));
        assert!(index.neighbours("nothing alike", "X", 5).is_empty());
    }

    #[test]
    fn neighbours_are_ranked_by_bm25_and_alike_by_shared_words() {
        let catalog = Catalog::default_embedded();
        // Two examples share an id (a team's file beside the embedded ones).
        let csv = "id,services,title,text
                   A,6.4,Webseite verunstaltet,Startseite Gemeinde Parolen
                   A,6.5,Webseite verunstaltet,Startseite Gemeinde Parolen gemeldet
                   B,6.4,Webseite verunstaltet,Startseite Stadt Parolen
                   C,9.3,Tabletop Krisenstab,Szenario Injects Webseite
                   D,9.1,Plakate Aktionsmonat,Flyer Mitarbeitende
";
        let mut diags = Diagnostics::default();
        let index = ExampleIndex::new(
            read_examples(csv, Path::new("ex.csv"), &catalog, &mut diags),
            vec!["ex.csv".into()],
        );
        let text = "Webseite verunstaltet: Startseite der Stadt zeigt Parolen";
        let ids = |hits: &[(usize, f32)]| -> Vec<String> {
            hits.iter()
                .map(|&(n, _)| index.examples()[n].id.clone())
                .collect()
        };
        // B shares all five keys; the two A share four; C one; D none.
        assert_eq!(ids(&index.neighbours(text, "X", 10)), ["B", "A", "A", "C"]);
        // A ticket A titled as the A examples is them: neither is its neighbour, and it
        // still gets two others. A ticket A of another title is another ticket.
        let own = index.with_neighbours("Webseite verunstaltet", [text], "A", 2, |n| ids(n.hits));
        assert_eq!(own, ["B", "C"]);
        assert!(index.holds("A", " Webseite verunstaltet ", ["anything"]));
        assert!(index.holds("A", "", ["Webseite verunstaltet", "anything"]));
        let other = index.with_neighbours("Parolen Stadt", [text], "A", 2, |n| ids(n.hits));
        assert_eq!(other, ["B", "A"]);
        assert!(!index.holds("A", "Parolen Stadt", [text]));
        assert!(!index.holds("X", "Webseite verunstaltet", [text]));
        assert_eq!(ids(&index.neighbours(text, "X", 2)), ["B", "A"]);
        index.with_neighbours("Webseite verunstaltet", [text], "X", 10, |n| {
            // Query keys: websei veruns starts stadt zeigt parole (6); B has 5 of them and
            // no other: 5 / 6. The first A (websei veruns starts gemein parole): 4 / 7.
            let b = n.hits[0].0;
            assert!(
                (n.similarity(b) - 5.0 / 6.0).abs() < 1e-9,
                "{}",
                n.similarity(b)
            );
            let a = n.hits[1].0;
            assert!(
                (n.similarity(a) - 4.0 / 7.0).abs() < 1e-9,
                "{}",
                n.similarity(a)
            );
        });
        // The same query twice ranks and scores the same (the buffers are reset).
        assert_eq!(
            index.neighbours(text, "X", 10),
            index.neighbours(text, "X", 10)
        );
    }

    #[test]
    fn a_review_file_is_an_examples_file_of_its_labelled_rows() {
        let catalog = Catalog::default_embedded();
        let csv = "id,part,reason,input,line,time_spent_s,title,text,predicted_services,predicted_primary,services,primary,note\n\
                   '-17,random,random,x.csv,2,,Phishing-Welle,Mails an die Buchhaltung gemeldet,6.1,6.1,6.2;6.1,6.1,\n\
                   18,random,random,x.csv,3,,Not labelled yet,some words,6.4,6.4,,,\n\
                   19,random,random,x.csv,4,,Kantine,Speiseplan der Woche,,,none,,\n\
                   20,targeted,untagged,x.csv,5,,Only a primary,tabletop scenario,,,,9.3,\n";
        let mut diags = Diagnostics::default();
        let examples = read_examples(csv, Path::new("sample.csv"), &catalog, &mut diags);
        assert!(diags.is_empty(), "{:?}", diags.items());
        let got: Vec<(&str, Vec<&str>)> = examples
            .iter()
            .map(|e| {
                let ids = e.services.iter().map(|s| catalog.entry(*s).id.as_str());
                (e.id.as_str(), ids.collect())
            })
            .collect();
        // The guard is off the id, the primary column first; unlabelled and `none` rows left out.
        assert_eq!(got, [("-17", vec!["6.1", "6.2"]), ("20", vec!["9.3"])]);
    }

    #[test]
    fn bad_rows_are_named_by_line() {
        let catalog = Catalog::default_embedded();
        let csv = "id,services,title,text\nA,9.9,x,some words\nB,,title,words\n,6.4,t,w\nC,6.4,ok,fine words\n";
        let mut diags = Diagnostics::default();
        let examples = read_examples(csv, Path::new("ex.csv"), &catalog, &mut diags);
        assert_eq!(examples.len(), 1);
        let lines: Vec<u64> = diags.items().iter().map(|d| d.at.line).collect();
        assert_eq!(lines, [2, 3, 4]);
    }

    #[test]
    fn the_embedded_examples_load_cleanly() {
        let catalog = Catalog::default_embedded();
        let mut diags = Diagnostics::default();
        let examples = read_examples(
            EMBEDDED_CSIRT,
            Path::new("<embedded>"),
            &catalog,
            &mut diags,
        );
        assert!(diags.is_empty(), "{:?}", diags.items());
        assert!(examples.len() >= 100, "{}", examples.len());
    }
}
