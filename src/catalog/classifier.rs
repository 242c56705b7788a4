//! A linear classifier learnt from the labelled examples: "how likely is each service, for a
//! ticket written like this?".
//!
//! The nearest examples ([`super::ExampleIndex`]) answer with the labels of ten tickets; a
//! linear model answers with what *all* the examples say about each word. On tickets by writers
//! the rules never saw (issue 15's round-2 and round-4 batches, each tagged before anyone tuned
//! on it), a logistic regression per service over word and character n-grams learnt the
//! services after the primary better than the ten nearest examples did (see
//! `fixtures/labelled/many-hands/SCORES.md`, "a classifier instead of the vote"); `tag::vote`
//! asks it beside the rules.
//!
//! The model is the one the experiment measured, written out here so that it needs no
//! runtime of its own:
//!
//! - **Features.** The example's text (title first, cut to [`MAX_EXAMPLE_BYTES`]) in lower
//!   case; its words (runs of two or more letters, digits or `_`) and pairs of adjacent words;
//!   and the character 4-grams of each whitespace-separated word padded with a space on either
//!   side (so `Schwachstelle` shares ` sch`, `telle` with `Schwachstellen`, and a word inside a
//!   compound counts without a stemmer per language). N-grams are told apart by a 64-bit hash;
//!   those in fewer than two examples are left out. Each is weighted `(1 + ln tf) * idf`,
//!   `idf = ln((1 + n) / (1 + df)) + 1`; the word and character parts are each scaled to unit
//!   length.
//! - **Learner.** Per service, logistic regression with an L2 penalty (`C` = [`C`]; classes
//!   weighted inversely to their frequency, since most services are on few examples), trained
//!   by averaged stochastic gradient descent: [`EPOCHS`] passes in a seeded order, the
//!   learning rate `1 / (alpha (t0 + t))` and the averaging of Bottou's and Xu's papers (the
//!   schedule scikit-learn calls "optimal"). Training on the 5,974 embedded examples takes
//!   about 1.4 s on two cores; scikit-learn's fully converged L-BFGS model measured no
//!   better in the experiment.
//!
//! - **Likeness.** Beside the probabilities, how like the examples a ticket is: the mean
//!   cosine of its word part (words and word pairs, TF-IDF as above) with that of the
//!   three examples nearest to it ([`ExampleModel::with_judgement`]). Tickets of the
//!   kind the examples are (other teams' tickets) mostly score 0.15 to 0.30; breach reports,
//!   KEV entries and advisories mostly under 0.17. `tag::vote` trusts the model more where it
//!   is high. Found through an index of the examples' word features kept with the model (about
//!   8,000 multiply-adds per ticket).
//!
//! The model is trained (or read back from a cache directory, [`ExampleModel::load_or_train`])
//! the first time a ticket asks, and is then read-only, shared by every thread; asking
//! allocates nothing once a thread's buffers have grown.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::{Duration, Instant};

use std::sync::Arc;

use zerocopy::{FromBytes as _, IntoBytes as _};

use crate::cache_files;

use super::examples::{example_text_into, fnv, fnv_byte, Example, FNV_START, MAX_EXAMPLE_BYTES};
use super::load::EntryId;

/// Inverse strength of the L2 penalty (scikit-learn's `C`): `alpha = 1 / (C n)`.
pub const C: f64 = 4.0;

/// Passes over the examples.
pub const EPOCHS: usize = 10;

/// N-grams in fewer examples than this are not features.
const MIN_DF: u32 = 2;

/// Character n-grams of a padded word: of 4 characters. 3- to 5-grams, as first measured,
/// scored the same on the round-2 and round-4 batches and the records (within 0.004) with
/// three times the grams to look up per ticket (`tag` 1.37x slower against 1.09x on Jira).
const CHAR_GRAMS: std::ops::RangeInclusive<usize> = 4..=4;

/// How much of each update the intercept takes: with sparse features it moves slowly, as in
/// scikit-learn's SGD, so that it does not swing with every example.
const INTERCEPT_DECAY: f64 = 0.01;

/// The seed of the order the examples are visited in.
const SEED: u64 = 0x5eed_c5e7;

/// How many of the nearest examples' cosines [`ExampleModel::with_judgement`]'s likeness
/// averages.
pub const LIKENESS_OF: usize = 3;

/// The low bit of a gram's hash says which part it belongs to.
const WORD: u64 = 0;
const CHAR: u64 = 1;

/// A gram's hash is already a good hash: the map uses it as it is.
#[derive(Default, Clone, Copy)]
struct Passthrough(u64);

impl Hasher for Passthrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        // Spread the bits: the map takes its bucket from the high ones.
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type GramMap<V> = HashMap<u64, V, BuildHasherDefault<Passthrough>>;

/// The features' grams, for looking up every gram of every ticket: open addressing with
/// linear probing over a power-of-two table at most three quarters full, keys and feature
/// numbers in one slot. Leaner than a general map (a ticket looks up thousands of grams, and the table
/// is larger than the cache: each lookup is a likely miss), and it lets [`GramTable::get_all`]
/// start the first probes of many grams before it waits on any.
struct GramTable {
    /// (gram, feature); an empty slot has the gram [`EMPTY`].
    slots: Vec<(u64, u32)>,
    /// `64 - log2(slots)`: a gram's home slot is the top bits of its mixed hash.
    shift: u32,
}

/// An empty slot's gram. A gram that hashes to it (one in 2^63) is never a feature.
const EMPTY: u64 = u64::MAX;

impl GramTable {
    /// The table of `grams`, feature `i` being `grams[i]` (distinct).
    fn new(grams: &[u64]) -> GramTable {
        let bits = (grams.len().max(1) * 4 / 3)
            .next_power_of_two()
            .trailing_zeros()
            .max(4);
        let mut table = GramTable {
            slots: vec![(EMPTY, 0); 1 << bits],
            shift: 64 - bits,
        };
        let mask = table.slots.len() - 1;
        for (f, &g) in grams.iter().enumerate() {
            if g == EMPTY {
                continue;
            }
            let mut i = table.home(g);
            while table.slots[i].0 != EMPTY {
                i = (i + 1) & mask;
            }
            table.slots[i] = (g, f as u32);
        }
        table
    }

    fn home(&self, g: u64) -> usize {
        (g.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    /// The feature of gram `g`, probing on from `i`.
    fn probe(&self, g: u64, mut i: usize) -> Option<u32> {
        let mask = self.slots.len() - 1;
        loop {
            let (key, f) = self.slots[i];
            if key == g && g != EMPTY {
                return Some(f);
            }
            if key == EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    fn get(&self, g: u64) -> Option<u32> {
        self.probe(g, self.home(g))
    }

    /// Calls `f` with the feature of every gram of `grams` that is one, in order. The home
    /// slots of a batch are read before any is compared: the reads do not wait on each other.
    fn get_all(&self, grams: &[u64], mut f: impl FnMut(u32)) {
        const BATCH: usize = 16;
        let mut homes = [(0usize, (0u64, 0u32)); BATCH];
        for batch in grams.chunks(BATCH) {
            for (h, &g) in homes.iter_mut().zip(batch) {
                let i = self.home(g);
                *h = (i, self.slots[i]);
            }
            for (&(i, (key, feature)), &g) in homes.iter().zip(batch) {
                if key == g && g != EMPTY {
                    f(feature);
                } else if key != EMPTY {
                    if let Some(feature) = self.probe(g, i) {
                        f(feature);
                    }
                }
            }
        }
    }
}

/// Per-thread buffers of one text's features.
#[derive(Default)]
struct Scratch {
    text: String,
    lower: String,
    /// Byte offsets of the characters of the padded word being cut.
    bounds: Vec<usize>,
    /// Every gram's hash (with its part in the low bit), in the order of the text (sorted,
    /// in training).
    grams: Vec<u64>,
    /// Per feature, how often the text has it (zero between texts).
    counts: Vec<u16>,
    /// (feature, weight) of the text.
    features: Vec<(u32, f32)>,
    margins: Vec<f32>,
    probabilities: Vec<f64>,
    /// Per example, the cosine of its word part with the text's.
    cosines: Vec<f32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Calls `emit` with the hash of every word, word pair and padded-word character n-gram of
/// `lower` (a lower-cased text), in the order of the text, as often as each occurs.
/// `bounds` is a buffer.
fn grams(lower: &str, bounds: &mut Vec<usize>, mut emit: impl FnMut(u64)) {
    word_grams(lower, |g, _| emit(g));
    for word in lower.split_whitespace() {
        char_grams(word, bounds, &mut emit);
    }
}

/// The word grams of [`grams`]: calls `emit(hash, span)` for every word (runs of two or more
/// word characters: scikit-learn's `\b\w\w+\b`) and every pair of adjacent words, `span`
/// being the bytes of `lower` it covers.
fn word_grams(lower: &str, mut emit: impl FnMut(u64, std::ops::Range<usize>)) {
    let mut previous: Option<(usize, usize)> = None;
    let mut start: Option<usize> = None;
    let ends = lower
        .char_indices()
        .map(|(i, c)| (i, c.is_alphanumeric() || c == '_'))
        .chain(std::iter::once((lower.len(), false)));
    for (i, in_word) in ends {
        if in_word {
            start.get_or_insert(i);
            continue;
        }
        let Some(st) = start.take() else { continue };
        let word = &lower[st..i];
        if word.chars().nth(1).is_none() {
            // One character is no token (scikit-learn's pairs skip it too).
            continue;
        }
        emit((fnv(FNV_START, word.as_bytes()) & !1) | WORD, st..i);
        if let Some((ps, pe)) = previous {
            let pair = fnv(
                fnv(fnv(FNV_START, &lower.as_bytes()[ps..pe]), b" "),
                word.as_bytes(),
            );
            emit((pair & !1) | WORD, ps..i);
        }
        previous = Some((st, i));
    }
}

/// The character grams of [`grams`] for one whitespace-separated `word`: its n-grams padded
/// with a space (scikit-learn's `char_wb`; a padded word shorter than the longest n is also a
/// gram of its own length, and one shorter than the shortest n is one gram), hashed from each
/// start one character longer at a time. `bounds` is a buffer.
fn char_grams(word: &str, bounds: &mut Vec<usize>, emit: &mut impl FnMut(u64)) {
    bounds.clear();
    bounds.push(0);
    bounds.extend(word.char_indices().map(|(i, _)| i + 1));
    bounds.push(word.len() + 1);
    bounds.push(word.len() + 2);
    // bounds[i] is where character i of " word " starts; the last entry is its end.
    let chars = bounds.len() - 1;
    let byte = |i: usize| -> u8 {
        if i == 0 || i == word.len() + 1 {
            b' '
        } else {
            word.as_bytes()[i - 1]
        }
    };
    let shortest = (*CHAR_GRAMS.start()).min(chars);
    for from in 0..chars {
        let longest = (*CHAR_GRAMS.end()).min(chars - from);
        if longest < shortest {
            break;
        }
        let mut h = FNV_START;
        for n in 1..=longest {
            for i in bounds[from + n - 1]..bounds[from + n] {
                h = fnv_byte(h, byte(i));
            }
            if n >= shortest {
                emit((h & !1) | CHAR);
            }
        }
    }
}

/// Calls `f(gram, tf)` for every distinct gram of `s.grams` (sorted).
fn counted(grams: &[u64], mut f: impl FnMut(u64, u32)) {
    let mut i = 0;
    while i < grams.len() {
        let mut j = i + 1;
        while j < grams.len() && grams[j] == grams[i] {
            j += 1;
        }
        f(grams[i], (j - i) as u32);
        i = j;
    }
}

/// Logistic regressions, one per service the examples hold, over the examples' n-grams.
pub struct ExampleModel {
    /// The services it answers for, in catalog order.
    services: Vec<EntryId>,
    /// Per feature, its gram's hash; word features are numbered before character ones.
    grams: Numbers<u64>,
    /// Gram hash -> feature number.
    vocabulary: GramTable,
    /// The examples' fingerprint ([`fingerprint`]), the key of a saved model.
    key: [u8; 32],
    /// How many features are word features.
    words: u32,
    /// Per feature, its idf.
    idf: Numbers<f32>,
    /// Per feature, per service (`features x services`, row-major).
    weights: Numbers<f32>,
    /// Per service.
    intercepts: Vec<f64>,
    /// How many examples it learnt from.
    examples: u32,
    /// Per word feature `f`, its examples and their weights (the word part of their unit
    /// vectors) are the pairs `postings_start[f]..postings_start[f + 1]` of `postings`: an
    /// example's number, then its weight's bits.
    postings_start: Numbers<u32>,
    postings: Numbers<u32>,
    train_time: Duration,
    /// Why the trained model could not be saved in the cache, if it could not.
    cache_problem: Option<String>,
}

impl std::fmt::Debug for ExampleModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExampleModel")
            .field("services", &self.services.len())
            .field("features", &self.idf.len())
            .field("train_time", &self.train_time)
            .finish()
    }
}

/// What a saved model starts with; the version changes with anything that changes what
/// training gives from the same examples.
const MAGIC: &[u8; 8] = b"CTMODEL3";

/// A fingerprint of `examples` and of the training's settings: the same examples give the
/// same model, so a model saved under it can be read back instead of trained again.
pub fn fingerprint(examples: &[Example]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(MAGIC);
    h.update(
        format!("C={C} epochs={EPOCHS} min_df={MIN_DF} seed={SEED} chars={CHAR_GRAMS:?}\n")
            .as_bytes(),
    );
    for e in examples {
        h.update((e.id.len() as u64).to_le_bytes());
        h.update(e.id.as_bytes());
        h.update((e.services.len() as u64).to_le_bytes());
        for s in &e.services {
            h.update(s.0.to_le_bytes());
        }
        h.update((e.text.len() as u64).to_le_bytes());
        h.update(e.text.as_bytes());
    }
    h.finalize().into()
}

/// How many models the cache keeps: each set of examples a team tags with (`--examples`) has
/// its own, about 28 MB each (5,974 embedded examples); the least recently written go first.
const CACHED_MODELS: usize = 8;

/// Numbers of a model: learnt here (or copied from a saved model), or borrowed from its
/// mapped cache file as they lie there (on little-endian machines, where they are aligned:
/// [`ExampleModel::to_bytes`] lays every array out at a multiple of its numbers' size).
/// Borrowed, a run that tags a few tickets reads only the pages of the weights it needs.
enum Numbers<T> {
    Owned(Vec<T>),
    Mapped {
        file: Arc<cache_files::Bytes>,
        at: std::ops::Range<usize>,
    },
}

impl<T: Number> std::ops::Deref for Numbers<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            Numbers::Owned(v) => v,
            // Checked (length and alignment) when the model was read; the file does not
            // change while mapped.
            Numbers::Mapped { file, at } => <[T]>::ref_from_bytes(&file[at.clone()])
                .expect("a saved model's numbers are checked when it is read"),
        }
    }
}

/// A number a saved model holds: raw little-endian bytes.
trait Number:
    zerocopy::IntoBytes
    + zerocopy::FromBytes
    + zerocopy::Immutable
    + zerocopy::KnownLayout
    + Copy
    + Default
{
    fn to_native(self) -> Self;
}

macro_rules! number {
    ($($t:ty => $bits:ty),*) => {$(
        impl Number for $t {
            #[inline]
            fn to_native(self) -> $t {
                <$t>::from_ne_bytes(<$bits>::from_le(<$bits>::from_ne_bytes(self.to_ne_bytes())).to_ne_bytes())
            }
        }
    )*};
}
number!(u8 => u8, u32 => u32, u64 => u64, f32 => u32, f64 => u64);

/// Reads the numbers of a saved model in order, failing on a short file: borrowed from
/// `file` where it is given (the bytes are its), else copied.
struct Cursor<'b> {
    bytes: &'b [u8],
    at: usize,
    file: Option<&'b Arc<cache_files::Bytes>>,
}

impl Cursor<'_> {
    fn left(&self) -> u64 {
        (self.bytes.len() - self.at) as u64
    }

    /// The raw bytes of `n` numbers of `T`, if that many are left.
    fn take<T: Number>(&mut self, n: usize) -> Option<std::ops::Range<usize>> {
        let len = n.checked_mul(std::mem::size_of::<T>())?;
        let end = self
            .at
            .checked_add(len)
            .filter(|&end| end <= self.bytes.len())?;
        let at = self.at..end;
        self.at = end;
        Some(at)
    }

    /// `n` numbers, borrowed where they can be.
    fn numbers<T: Number>(&mut self, n: usize) -> Option<Numbers<T>> {
        let at = self.take::<T>(n)?;
        if let (Some(file), true) = (self.file, cfg!(target_endian = "little")) {
            if <[T]>::ref_from_bytes(&self.bytes[at.clone()]).is_ok() {
                return Some(Numbers::Mapped {
                    file: Arc::clone(file),
                    at,
                });
            }
        }
        Some(Numbers::Owned(copied(&self.bytes[at])))
    }

    /// `n` numbers, copied (the small arrays).
    fn vec<T: Number>(&mut self, n: usize) -> Option<Vec<T>> {
        let at = self.take::<T>(n)?;
        Some(copied(&self.bytes[at]))
    }

    fn one<T: Number>(&mut self) -> Option<T> {
        self.vec::<T>(1).map(|v| v[0])
    }

    /// Skips the padding before an array ([`ALIGN`]).
    fn align(&mut self) {
        self.at = self.at.next_multiple_of(ALIGN).min(self.bytes.len());
    }
}

/// Where a saved model's arrays start: at multiples of this many bytes (the largest number).
const ALIGN: usize = 8;

/// Little-endian numbers copied out of `bytes` (a whole number of them).
fn copied<T: Number>(bytes: &[u8]) -> Vec<T> {
    let mut out = vec![T::default(); bytes.len() / std::mem::size_of::<T>()];
    out.as_mut_bytes().copy_from_slice(bytes);
    if cfg!(target_endian = "big") {
        out.iter_mut().for_each(|v| *v = v.to_native());
    }
    out
}

/// The features of the text in `s.text` into `s.features`: (feature, weight), in the order
/// the text first has them. Counted in `s.counts` (by feature, zero between texts) rather
/// than by sorting the grams: a ticket has thousands.
fn featurize(vocabulary: &GramTable, idf: &[f32], words: u32, s: &mut Scratch) {
    lower_into(&s.text, &mut s.lower);
    if s.counts.len() < idf.len() {
        s.counts.resize(idf.len(), 0);
    }
    s.features.clear();
    s.grams.clear();
    let Scratch {
        lower,
        bounds,
        grams: hashes,
        counts,
        features,
        ..
    } = s;
    grams(lower, bounds, |g| hashes.push(g));
    vocabulary.get_all(hashes, |f| {
        let c = &mut counts[f as usize];
        if *c == 0 {
            features.push((f, 0.0));
        }
        *c = c.saturating_add(1);
    });
    let (mut word_norm, mut char_norm) = (0f32, 0f32);
    for (f, v) in features.iter_mut() {
        let tf = std::mem::take(&mut counts[*f as usize]);
        *v = (1.0 + f32::from(tf).ln()) * idf[*f as usize];
        if *f < words {
            word_norm += *v * *v;
        } else {
            char_norm += *v * *v;
        }
    }
    let (word_norm, char_norm) = (word_norm.sqrt(), char_norm.sqrt());
    for (f, v) in features.iter_mut() {
        let norm = if *f < words { word_norm } else { char_norm };
        *v /= norm;
    }
}

/// `text` in lower case, character by character (the same for examples and tickets).
fn lower_into(text: &str, out: &mut String) {
    out.clear();
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
}

/// Scales the word part and the character part of `features` (sorted) each to unit length.
fn normalize(features: &mut [(u32, f32)], words: u32) {
    let split = features.partition_point(|&(f, _)| f < words);
    let (words, chars) = features.split_at_mut(split);
    for part in [words, chars] {
        let norm = part.iter().map(|&(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            part.iter_mut().for_each(|(_, v)| *v /= norm);
        }
    }
}

/// A small, fixed pseudo-random sequence (xorshift64*) for the order of the passes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

impl ExampleModel {
    /// Learns the services of `examples`. Services on no example, or on all of them, are not
    /// answered for (there is nothing to tell apart).
    pub fn train(examples: &[Example]) -> ExampleModel {
        let started = Instant::now();
        let mut s = Scratch::default();
        // Each example's distinct grams with their counts, and how many examples hold each.
        let mut docs: Vec<Vec<(u64, u32)>> = Vec::with_capacity(examples.len());
        let mut df: GramMap<u32> = GramMap::default();
        for example in examples {
            lower_into(&example.text, &mut s.lower);
            s.grams.clear();
            grams(&s.lower, &mut s.bounds, |g| s.grams.push(g));
            s.grams.sort_unstable();
            let mut doc = Vec::new();
            counted(&s.grams, |g, tf| {
                doc.push((g, tf));
                *df.entry(g).or_insert(0) += 1;
            });
            docs.push(doc);
        }
        // Features: grams in at least MIN_DF examples, words first, each part by hash (a
        // fixed order, whatever the map's).
        let mut kept: Vec<u64> = df
            .iter()
            .filter(|&(_, &n)| n >= MIN_DF)
            .map(|(&g, _)| g)
            .collect();
        kept.sort_unstable_by_key(|&g| (g & 1, g));
        let words = kept.iter().take_while(|&&g| g & 1 == WORD).count() as u32;
        let n = examples.len() as f64;
        let idf: Vec<f32> = kept
            .iter()
            .map(|g| ((1.0 + n) / (1.0 + f64::from(df[g]))).ln() as f32 + 1.0)
            .collect();
        let vocabulary = GramTable::new(&kept);
        drop(df);
        let rows: Vec<Vec<(u32, f32)>> = docs
            .into_iter()
            .map(|doc| {
                let mut row: Vec<(u32, f32)> = doc
                    .into_iter()
                    .filter_map(|(g, tf)| {
                        let f = vocabulary.get(g)?;
                        Some((f, (1.0 + (tf as f32).ln()) * idf[f as usize]))
                    })
                    .collect();
                row.sort_unstable_by_key(|&(f, _)| f);
                normalize(&mut row, words);
                row
            })
            .collect();
        let mut services: Vec<EntryId> = examples
            .iter()
            .flat_map(|e| e.services.iter().copied())
            .collect();
        services.sort_unstable();
        services.dedup();
        services.retain(|&sv| {
            let on = examples.iter().filter(|e| e.services.contains(&sv)).count();
            on > 0 && on < examples.len()
        });
        let labels: Vec<Vec<bool>> = examples
            .iter()
            .map(|e| services.iter().map(|s| e.services.contains(s)).collect())
            .collect();
        let (postings_start, postings) = word_postings(&rows, words);
        let (weights, intercepts) = sgd(&rows, &labels, services.len(), idf.len());
        ExampleModel {
            services,
            grams: Numbers::Owned(kept),
            vocabulary,
            key: fingerprint(examples),
            words,
            idf: Numbers::Owned(idf),
            weights: Numbers::Owned(weights),
            intercepts,
            examples: rows.len() as u32,
            postings_start: Numbers::Owned(postings_start),
            postings: Numbers::Owned(postings),
            train_time: started.elapsed(),
            cache_problem: None,
        }
    }

    /// The model of `examples`: read from `cache` (a directory) when a model of the same
    /// examples was saved there, else trained and saved there (best effort: a cache that
    /// cannot be read or written only costs the training, and
    /// [`ExampleModel::cache_problem`] says why it could not be written).
    pub fn load_or_train(examples: &[Example], cache: Option<&std::path::Path>) -> ExampleModel {
        let Some(dir) = cache else {
            return ExampleModel::train(examples);
        };
        let started = Instant::now();
        let key = fingerprint(examples);
        let name: String = key[..12].iter().map(|b| format!("{b:02x}")).collect();
        let name = format!("model-{name}.bin");
        let file = cache_files::open(&dir.join(&name)).map(Arc::new);
        if let Some(mut model) = file
            .ok()
            .and_then(|f| ExampleModel::read(&f, Some(&f), key))
        {
            model.train_time = started.elapsed();
            return model;
        }
        let mut model = ExampleModel::train(examples);
        let saved =
            crate::cache_files::save(dir, &name, &model.to_bytes(), "model-", CACHED_MODELS);
        if let Err(e) = saved {
            model.cache_problem = Some(format!(
                "cannot save the examples' model in {}: {e}",
                dir.display()
            ));
        }
        model
    }

    /// The model as bytes ([`ExampleModel::from_bytes`] reads them back): little-endian
    /// numbers, each array starting at a multiple of 8 bytes, so that a mapped file's arrays
    /// can be used where they lie.
    pub fn to_bytes(&self) -> Vec<u8> {
        fn array<T: Number>(out: &mut Vec<u8>, numbers: &[T]) {
            out.resize(out.len().next_multiple_of(ALIGN), 0);
            if cfg!(target_endian = "little") {
                out.extend_from_slice(numbers.as_bytes());
            } else {
                numbers
                    .iter()
                    .for_each(|v| out.extend_from_slice(v.to_native().as_bytes()));
            }
        }
        let grams = &self.grams;
        let mut out = Vec::with_capacity(128 + grams.len() * 12 + self.weights.len() * 4);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.key);
        let services: Vec<u32> = self.services.iter().map(|s| s.0).collect();
        array(&mut out, &[services.len() as u32]);
        array(&mut out, &services);
        array(&mut out, &[grams.len() as u32, self.words]);
        array(&mut out, grams);
        array(&mut out, &self.idf);
        array(&mut out, &self.weights);
        array(&mut out, &self.intercepts);
        let pairs = self.postings.len() / 2;
        array(&mut out, &[self.examples, pairs as u32]);
        array(&mut out, &self.postings_start);
        array(&mut out, &self.postings);
        out
    }

    /// Reads what [`ExampleModel::to_bytes`] wrote, if it is a whole model of the examples
    /// whose fingerprint is `key`.
    pub fn from_bytes(bytes: &[u8], key: [u8; 32]) -> Option<ExampleModel> {
        ExampleModel::read(bytes, None, key)
    }

    /// [`ExampleModel::from_bytes`], borrowing the large arrays from `file` where it is given
    /// (`bytes` are then its bytes).
    fn read(
        bytes: &[u8],
        file: Option<&Arc<cache_files::Bytes>>,
        key: [u8; 32],
    ) -> Option<ExampleModel> {
        let mut r = Cursor { bytes, at: 0, file };
        if r.vec::<u8>(8)? != MAGIC || r.vec::<u8>(32)? != key {
            return None;
        }
        r.align();
        let n = r.one::<u32>()? as usize;
        r.align();
        let services: Vec<EntryId> = r.vec::<u32>(n)?.into_iter().map(EntryId).collect();
        r.align();
        let features = r.one::<u32>()? as usize;
        let words = r.one::<u32>()?;
        // Every length is checked against what is left before anything that big is made.
        let k = services.len();
        let fixed = (features as u64) * (8 + 4 + 4 * k as u64) + 8 * k as u64;
        if r.left() < fixed + 8 || words as usize > features {
            return None;
        }
        r.align();
        let grams = r.numbers::<u64>(features)?;
        let vocabulary = GramTable::new(&grams);
        r.align();
        let idf = r.numbers::<f32>(features)?;
        r.align();
        let weights = r.numbers::<f32>(features * k)?;
        r.align();
        let intercepts = r.vec::<f64>(k)?;
        r.align();
        let examples = r.one::<u32>()?;
        let pairs = r.one::<u32>()? as usize;
        r.align();
        let postings_start = r.numbers::<u32>(words as usize + 1)?;
        r.align();
        let postings = r.numbers::<u32>(pairs.checked_mul(2)?)?;
        if r.left() != 0 {
            return None;
        }
        // An index that points outside itself is not ours (the example numbers in it are
        // checked where they are used).
        let sound = postings_start.windows(2).all(|w| w[0] <= w[1])
            && postings_start.last() == Some(&(pairs as u32));
        if !sound {
            return None;
        }
        Some(ExampleModel {
            services,
            grams,
            vocabulary,
            key,
            words,
            idf,
            weights,
            intercepts,
            examples,
            postings_start,
            postings,
            train_time: Duration::ZERO,
            cache_problem: None,
        })
    }

    /// What in the text made of `title` and `texts` weighs most for or against `service`: its
    /// words (as whitespace separates them, with the character n-grams inside them) and word
    /// pairs, each with its part of the model's margin (log-odds; positive for), the `limit`
    /// heaviest first. A feature several words share counts for the first of them, so that
    /// the parts and the intercept sum to the margin. Empty for a service the model does not
    /// answer for. For `explain`: it costs a few allocations.
    pub fn weighing<'t>(
        &self,
        title: &str,
        texts: impl IntoIterator<Item = &'t str>,
        service: EntryId,
        limit: usize,
    ) -> Vec<(String, f64)> {
        let Ok(k) = self.services.binary_search(&service) else {
            return Vec::new();
        };
        let mut s = Scratch::default();
        example_text_into(&mut s.text, title, texts);
        featurize(&self.vocabulary, &self.idf, self.words, &mut s);
        let value: HashMap<u32, f32> = s.features.iter().copied().collect();
        let classes = self.services.len();
        let mut seen = std::collections::HashSet::new();
        let mut part = |g: u64| -> f64 {
            match self.vocabulary.get(g) {
                Some(f) if seen.insert(f) => {
                    f64::from(self.weights[f as usize * classes + k] * value[&f])
                }
                _ => 0.0,
            }
        };
        let lower = std::mem::take(&mut s.lower);
        let mut parts: Vec<(String, f64)> = Vec::new();
        let add = |parts: &mut Vec<(String, f64)>, what: &str, v: f64| {
            if v == 0.0 {
                return;
            }
            match parts.iter_mut().find(|(w, _)| w == what) {
                Some((_, total)) => *total += v,
                None => parts.push((what.to_string(), v)),
            }
        };
        // Words and their character grams, by whitespace-separated word (its word characters
        // trimmed of punctuation at either end, as a reader would name it).
        let mut bounds = Vec::new();
        for word in lower.split_whitespace() {
            let mut v = 0.0;
            // Its words, and pairs inside it (`phishing-mail`), are the word's.
            word_grams(word, |g, _| v += part(g));
            char_grams(word, &mut bounds, &mut |g| v += part(g));
            let name = word.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
            add(&mut parts, if name.is_empty() { word } else { name }, v);
        }
        // Pairs across two whitespace-separated words.
        word_grams(&lower, |g, span| {
            let text = &lower[span];
            if text.split_whitespace().nth(1).is_some() {
                let v = part(g);
                let pair: Vec<&str> = text.split_whitespace().collect();
                add(&mut parts, &pair.join(" "), v);
            }
        });
        parts.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
        parts.truncate(limit);
        parts
    }

    /// Why it could not be saved in the cache directory [`ExampleModel::load_or_train`] was
    /// given (it will be trained again next time), if it could not.
    pub fn cache_problem(&self) -> Option<&str> {
        self.cache_problem.as_deref()
    }

    /// How many n-grams it weighs.
    pub fn features(&self) -> usize {
        self.idf.len()
    }

    /// How long training (or reading it back from the cache) took.
    pub fn train_time(&self) -> Duration {
        self.train_time
    }

    /// The services the model answers for, in catalog order.
    pub fn services(&self) -> &[EntryId] {
        &self.services
    }

    /// Calls `f` with the probability of each of [`ExampleModel::services`] (same order) for
    /// the text made of `title` and `texts` as examples are made.
    pub fn with_probabilities<'t, R>(
        &self,
        title: &str,
        texts: impl IntoIterator<Item = &'t str>,
        f: impl FnOnce(&[f64]) -> R,
    ) -> R {
        crate::scratch::with_scratch(&SCRATCH, |s| {
            self.probabilities_into(s, title, texts);
            f(&s.probabilities)
        })
    }

    /// Calls `f` with the probabilities ([`ExampleModel::with_probabilities`]) and the
    /// likeness of the text to the examples, found when `f` asks ([`Likeness::get`]): it costs
    /// about as much as the probabilities.
    pub fn with_judgement<'t, R>(
        &self,
        title: &str,
        texts: impl IntoIterator<Item = &'t str>,
        f: impl FnOnce(&[f64], Likeness<'_>) -> R,
    ) -> R {
        crate::scratch::with_scratch(&SCRATCH, |s| {
            self.probabilities_into(s, title, texts);
            let Scratch {
                probabilities,
                features,
                cosines,
                ..
            } = s;
            let likeness = Likeness {
                model: self,
                features,
                cosines,
                found: None,
            };
            f(probabilities, likeness)
        })
    }

    /// Featurizes the text into `s` and leaves its probabilities in `s.probabilities`.
    fn probabilities_into<'t>(
        &self,
        s: &mut Scratch,
        title: &str,
        texts: impl IntoIterator<Item = &'t str>,
    ) {
        example_text_into(&mut s.text, title, texts);
        debug_assert!(s.text.len() <= MAX_EXAMPLE_BYTES);
        featurize(&self.vocabulary, &self.idf, self.words, s);
        let k = self.services.len();
        s.margins.clear();
        s.margins.resize(k, 0.0);
        let weights: &[f32] = &self.weights;
        for &(feature, x) in &s.features {
            let row = &weights[feature as usize * k..][..k];
            for (m, &w) in s.margins.iter_mut().zip(row) {
                *m += w * x;
            }
        }
        s.probabilities.clear();
        s.probabilities.extend(
            s.margins
                .iter()
                .zip(&self.intercepts)
                .map(|(&m, &b)| sigmoid(f64::from(m) + b)),
        );
    }
}

/// How like the examples a text is: the mean cosine of its word part with that of the
/// three examples nearest to it (0 to 1; 0 for a model of no examples). Given by
/// [`ExampleModel::with_judgement`], found the first time it is asked.
pub struct Likeness<'s> {
    model: &'s ExampleModel,
    /// The text's features (the word part at unit length).
    features: &'s [(u32, f32)],
    /// A buffer: per example, its cosine with the text.
    cosines: &'s mut Vec<f32>,
    found: Option<f64>,
}

impl Likeness<'_> {
    /// The likeness (computed once).
    pub fn get(&mut self) -> f64 {
        if let Some(l) = self.found {
            return l;
        }
        let l = self.compute();
        self.found = Some(l);
        l
    }

    fn compute(&mut self) -> f64 {
        let model = self.model;
        let n = model.examples as usize;
        if n == 0 {
            return 0.0;
        }
        let cosines = &mut *self.cosines;
        cosines.clear();
        cosines.resize(n, 0.0);
        let (starts, postings): (&[u32], &[u32]) = (&model.postings_start, &model.postings);
        for &(f, x) in self.features {
            if f >= model.words {
                continue;
            }
            let f = f as usize;
            let range = 2 * starts[f] as usize..2 * starts[f + 1] as usize;
            // A saved model's postings are not all checked when it is read (megabytes a
            // short run would otherwise read): an example number past the end counts nothing.
            for p in postings.get(range).unwrap_or_default().chunks_exact(2) {
                if let Some(c) = cosines.get_mut(p[0] as usize) {
                    *c += x * f32::from_bits(p[1]);
                }
            }
        }
        let mut best = [0f32; LIKENESS_OF];
        for &c in cosines.iter() {
            if c > best[LIKENESS_OF - 1] {
                let at = best.iter().position(|&b| c > b).unwrap_or(LIKENESS_OF - 1);
                best.copy_within(at..LIKENESS_OF - 1, at + 1);
                best[at] = c;
            }
        }
        let taken = LIKENESS_OF.min(n);
        f64::from(best[..taken].iter().sum::<f32>()) / taken as f64
    }
}

/// The examples' word features as an index: per word feature, the examples that have it and
/// its weight there (`rows` are the examples' vectors, sorted by feature, each part at unit
/// length): the start of each feature's postings (`words + 1` of them) and the postings, each
/// an example's number and its weight's bits.
fn word_postings(rows: &[Vec<(u32, f32)>], words: u32) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; words as usize + 1];
    for row in rows {
        for &(f, _) in row.iter().take_while(|&&(f, _)| f < words) {
            start[f as usize + 1] += 1;
        }
    }
    for f in 0..words as usize {
        start[f + 1] += start[f];
    }
    let mut next = start.clone();
    let mut postings = vec![0u32; 2 * start[words as usize] as usize];
    for (e, row) in rows.iter().enumerate() {
        for &(f, w) in row.iter().take_while(|&&(f, _)| f < words) {
            let at = 2 * next[f as usize] as usize;
            postings[at..at + 2].copy_from_slice(&[e as u32, w.to_bits()]);
            next[f as usize] += 1;
        }
    }
    (start, postings)
}

fn sigmoid(m: f64) -> f64 {
    1.0 / (1.0 + (-m).exp())
}

/// Averaged SGD of `classes` L2-penalised logistic regressions on the same rows.
///
/// Every class is its own problem: they are trained in groups of [`CLASSES_PER_TASK`] on
/// rayon's threads (the same model whatever the number of threads), each group's weights in
/// one block that stays in cache better than all of them would.
fn sgd(
    rows: &[Vec<(u32, f32)>],
    labels: &[Vec<bool>],
    classes: usize,
    features: usize,
) -> (Vec<f32>, Vec<f64>) {
    use rayon::prelude::*;
    let groups: Vec<(Vec<f32>, Vec<f64>)> = (0..classes)
        .step_by(CLASSES_PER_TASK)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|first| {
            let group = first..(first + CLASSES_PER_TASK).min(classes);
            sgd_group(rows, labels, group, features)
        })
        .collect();
    let mut weights = vec![0f32; features * classes];
    let mut intercepts = Vec::with_capacity(classes);
    let mut first = 0;
    for (w, b) in groups {
        let k = b.len();
        for f in 0..features {
            weights[f * classes + first..][..k].copy_from_slice(&w[f * k..][..k]);
        }
        intercepts.extend(b);
        first += k;
    }
    (weights, intercepts)
}

/// Classes trained together on one thread.
const CLASSES_PER_TASK: usize = 4;

/// [`sgd`] of the classes `group`: their weights (`features x group`) and intercepts.
///
/// The weights are kept as `scale * u` so that the penalty's shrinking of every weight is one
/// multiplication, and their running sum as `sum + rho * u`, so that the average costs only
/// the features of the example at hand (Xu, "Towards optimal one pass large scale learning
/// with averaged stochastic gradient descent", 2011). Per feature, `u` and `sum` of the
/// group's classes sit side by side.
fn sgd_group(
    rows: &[Vec<(u32, f32)>],
    labels: &[Vec<bool>],
    group: std::ops::Range<usize>,
    features: usize,
) -> (Vec<f32>, Vec<f64>) {
    let n = rows.len();
    let k = group.len();
    if n == 0 || k == 0 {
        return (vec![0.0; features * k], vec![0.0; k]);
    }
    let alpha = 1.0 / (C * n as f64);
    // scikit-learn's "optimal" schedule: eta = 1 / (alpha (t0 + t - 1)), t0 from a typical
    // weight so that the first steps are not too large.
    let typical = (1.0 / alpha.sqrt()).sqrt();
    let eta0 = typical / dloss(-typical, 1.0).abs().max(1.0);
    let t0 = 1.0 / (eta0 * alpha);
    // Balanced classes: each side weighs half of the examples.
    let class_weight: Vec<(f64, f64)> = group
        .clone()
        .map(|c| {
            let positive = labels.iter().filter(|l| l[c]).count() as f64;
            (
                n as f64 / (2.0 * positive),
                n as f64 / (2.0 * (n as f64 - positive)),
            )
        })
        .collect();
    let stride = 2 * k;
    let mut us = vec![0f32; features * stride];
    let (mut scale, mut rho) = (1.0f64, 0.0f64);
    let mut intercept = vec![0f64; k];
    let mut intercept_mean = vec![0f64; k];
    let mut step = vec![0f32; k];
    let mut step_sum = vec![0f32; k];
    let mut margins = vec![0f32; k];
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Rng(SEED);
    let mut t = 0usize;
    for _ in 0..EPOCHS {
        rng.shuffle(&mut order);
        for &i in &order {
            t += 1;
            let eta = 1.0 / (alpha * (t0 + t as f64 - 1.0));
            margins.iter_mut().for_each(|m| *m = 0.0);
            for &(f, x) in &rows[i] {
                let row = &us[f as usize * stride..][..k];
                for (m, &w) in margins.iter_mut().zip(row) {
                    *m += w * x;
                }
            }
            // The margins are the weights' before this step; then the penalty shrinks them.
            let before = scale;
            scale *= (1.0 - eta * alpha).max(1e-9);
            for (j, c) in group.clone().enumerate() {
                let margin = intercept[j] + f64::from(margins[j]) * before;
                let (y, weight) = if labels[i][c] {
                    (1.0, class_weight[j].0)
                } else {
                    (-1.0, class_weight[j].1)
                };
                let update = -eta * dloss(margin, y) * weight;
                // In `u`'s units (after this step's shrinking), and what the sum takes back.
                step[j] = (update / scale) as f32;
                step_sum[j] = (-rho * update / scale) as f32;
                intercept[j] += update * INTERCEPT_DECAY;
            }
            for &(f, x) in &rows[i] {
                let row = &mut us[f as usize * stride..][..stride];
                let (u, sum) = row.split_at_mut(k);
                for j in 0..k {
                    u[j] += step[j] * x;
                    sum[j] += step_sum[j] * x;
                }
            }
            rho += scale;
            for j in 0..k {
                intercept_mean[j] += (intercept[j] - intercept_mean[j]) / t as f64;
            }
        }
    }
    let mut weights = vec![0f32; features * k];
    for f in 0..features {
        let (u, sum) = us[f * stride..][..stride].split_at(k);
        for j in 0..k {
            weights[f * k + j] = ((f64::from(sum[j]) + rho * f64::from(u[j])) / t as f64) as f32;
        }
    }
    (weights, intercept_mean)
}

/// The derivative of the log loss `ln(1 + exp(-y m))` by `m`.
fn dloss(m: f64, y: f64) -> f64 {
    let z = m * y;
    if z > 18.0 {
        -y * (-z).exp()
    } else if z < -18.0 {
        -y
    } else {
        -y / (1.0 + z.exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(id: &str, service: u32, text: &str) -> Example {
        Example {
            id: id.into(),
            services: vec![EntryId(service)],
            text: text.into(),
        }
    }

    /// The grams of `text`, as (word grams, char grams) hashes, sorted.
    fn grams_of(text: &str) -> (Vec<u64>, Vec<u64>) {
        let mut all = Vec::new();
        grams(text, &mut Vec::new(), |g| all.push(g));
        all.sort_unstable();
        all.into_iter().partition(|&g| g & 1 == WORD)
    }

    fn hash(part: u64, gram: &str) -> u64 {
        (fnv(FNV_START, gram.as_bytes()) & !1) | part
    }

    #[test]
    fn grams_are_words_pairs_and_the_char_grams_of_padded_words() {
        let sorted = |mut v: Vec<u64>| {
            v.sort_unstable();
            v
        };
        // The n-grams of a padded word as scikit-learn's `char_wb` cuts them.
        let char_wb = |word: &str| {
            let padded: Vec<char> = format!(" {word} ").chars().collect();
            let mut want = Vec::new();
            for n in CHAR_GRAMS {
                if padded.len() <= n {
                    want.push(hash(CHAR, &padded.iter().collect::<String>()));
                    break;
                }
                for w in padded.windows(n) {
                    want.push(hash(CHAR, &w.iter().collect::<String>()));
                }
            }
            want
        };
        // One word, no pair.
        let (words, chars) = grams_of("ab");
        assert_eq!(words, [hash(WORD, "ab")]);
        assert_eq!(chars, sorted(char_wb("ab")));
        assert!(chars.contains(&hash(CHAR, " ab ")));
        // One-letter words are no tokens and break no pair; " a " is one gram.
        let (words, chars) = grams_of("a b");
        assert!(words.is_empty());
        assert_eq!(chars, sorted(vec![hash(CHAR, " a "), hash(CHAR, " b ")]));
        // Longer words, cut on characters, not bytes.
        for word in ["lücke", "schwachstellen", "abc", "abcd"] {
            let (words, chars) = grams_of(word);
            assert_eq!(words, [hash(WORD, word)]);
            assert_eq!(chars, sorted(char_wb(word)), "{word}");
        }
        assert!(grams_of("lücke").1.contains(&hash(CHAR, "ücke")));
        // Pairs of adjacent words, across punctuation.
        let (words, _) = grams_of("phishing-mail gemeldet");
        let want = [
            "phishing",
            "mail",
            "gemeldet",
            "phishing mail",
            "mail gemeldet",
        ];
        assert_eq!(words, sorted(want.iter().map(|w| hash(WORD, w)).collect()));
    }

    #[test]
    fn it_learns_which_words_go_with_which_service() {
        let mut examples = Vec::new();
        for i in 0..20 {
            examples.push(example(
                &format!("p{i}"),
                1,
                &format!("phishing mail number {i} reported by staff, credentials entered"),
            ));
            examples.push(example(
                &format!("d{i}"),
                2,
                &format!("ddos attack {i} on the web server, traffic flood from botnet"),
            ));
        }
        let model = ExampleModel::train(&examples);
        assert_eq!(model.services(), &[EntryId(1), EntryId(2)]);
        let p = model.with_probabilities("Phishing-Mail gemeldet", ["credentials entered"], |p| {
            p.to_vec()
        });
        assert!(p[0] > 0.8 && p[1] < 0.2, "{p:?}");
        let p = model.with_probabilities("flood of traffic", ["botnet ddos"], |p| p.to_vec());
        assert!(p[1] > 0.8 && p[0] < 0.2, "{p:?}");
        // Trained twice, the same model.
        let again = ExampleModel::train(&examples);
        assert_eq!(*again.weights, *model.weights);
    }

    #[test]
    fn a_saved_model_reads_back_the_same_and_only_for_its_examples() {
        let examples: Vec<Example> = (0..6)
            .map(|i| {
                let (service, text) = if i % 2 == 0 {
                    (1, "phishing mail reported")
                } else {
                    (2, "ddos flood on the server")
                };
                example(&format!("e{i}"), service, &format!("{text} {i}"))
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let trained = ExampleModel::load_or_train(&examples, Some(dir.path()));
        let saved: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(saved.len(), 1, "one model file");
        let read = ExampleModel::load_or_train(&examples, Some(dir.path()));
        assert_eq!(*read.weights, *trained.weights);
        assert_eq!(read.intercepts, trained.intercepts);
        assert_eq!(*read.grams, *trained.grams);
        assert_eq!(*read.idf, *trained.idf);
        assert_eq!(*read.postings_start, *trained.postings_start);
        assert_eq!(*read.postings, *trained.postings);
        if cfg!(all(unix, target_endian = "little")) {
            // Read back, the large arrays are the mapped file's, not copies.
            for mapped in [
                matches!(read.weights, Numbers::Mapped { .. }),
                matches!(read.grams, Numbers::Mapped { .. }),
                matches!(read.postings, Numbers::Mapped { .. }),
            ] {
                assert!(mapped);
            }
        }
        let p = |m: &ExampleModel| m.with_probabilities("phishing", [], |p| p.to_vec());
        assert_eq!(p(&read), p(&trained));
        let judged = |m: &ExampleModel| {
            m.with_judgement("ddos flood", ["on the mail server"], |p, mut l| {
                (p.to_vec(), l.get())
            })
        };
        assert_eq!(judged(&read), judged(&trained));
        assert!(judged(&read).1 > 0.3, "{}", judged(&read).1);
        // Another set of examples has another key; a cut or altered file is not read.
        let bytes = trained.to_bytes();
        assert!(ExampleModel::from_bytes(&bytes, fingerprint(&examples[..5])).is_none());
        assert!(ExampleModel::from_bytes(&bytes[..bytes.len() - 1], trained.key).is_none());
        assert!(ExampleModel::from_bytes(&bytes[..20], trained.key).is_none());
        assert!(ExampleModel::from_bytes(&bytes, trained.key).is_some());
    }

    #[test]
    fn likeness_is_the_mean_cosine_of_the_nearest_examples_words() {
        let examples = [
            example("a", 1, "phishing mail reported by the reception desk"),
            example("b", 1, "phishing mail reported by the accounting team"),
            example("c", 2, "ddos flood on the web server tonight"),
            example("d", 2, "ddos flood on the mail relay tonight"),
        ];
        let model = ExampleModel::train(&examples);
        let like =
            |title: &str, text: &str| model.with_judgement(title, [text], |_, mut l| l.get());
        // Word features are those of at least two examples: `phishing mail reported by the`
        // and its pairs are a and b's; c and d share `ddos flood on the ... tonight`.
        let same = like("phishing mail reported by the reception desk", "");
        assert!(same > 0.5 && same <= 1.0 + 1e-6, "{same}");
        let other = like("ddos flood on the web server tonight", "");
        assert!(other > 0.5, "{other}");
        // Nothing in common: nothing alike.
        assert_eq!(like("Zugangsdaten", "vergessen"), 0.0);
        // The mean of the three nearest: one near example and two far ones weigh less than
        // the one alone would.
        let p_only = model.with_judgement("phishing", [], |p, mut l| (p.to_vec(), l.get()));
        assert!(p_only.1 > 0.0 && p_only.1 < same, "{}", p_only.1);
        // The same text as the probabilities, which the likeness does not change.
        let p = model.with_probabilities("phishing", [], |p| p.to_vec());
        assert_eq!(p, p_only.0);
        // A model of no examples finds nothing alike.
        let none = ExampleModel::train(&[]);
        assert_eq!(none.with_judgement("phishing", [], |_, mut l| l.get()), 0.0);
    }

    /// A saved model's postings are not all checked when it is read: one that names an
    /// example past the end is skipped where it is used, never a panic.
    #[test]
    fn a_saved_model_whose_index_points_past_its_examples_still_answers() {
        let examples: Vec<Example> = (0..6)
            .map(|i| {
                example(
                    &format!("e{i}"),
                    1 + i % 2,
                    &format!("ddos flood server {i}"),
                )
            })
            .collect();
        let trained = ExampleModel::train(&examples);
        let mut bytes = trained.to_bytes();
        let pairs = trained.postings.len() / 2;
        assert!(pairs > 0);
        // The postings are the file's last array: put an example number past the end in each.
        let start = bytes.len() - pairs * 8;
        for pair in bytes[start..].chunks_exact_mut(8) {
            pair[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        }
        let damaged = ExampleModel::from_bytes(&bytes, trained.key).expect("lengths still hold");
        let likeness = damaged.with_judgement("ddos flood", ["server"], |_, mut l| l.get());
        assert_eq!(likeness, 0.0, "no example is found through a damaged index");
        let sound = trained.with_judgement("ddos flood", ["server"], |_, mut l| l.get());
        assert!(sound > 0.0);
    }

    #[test]
    fn the_gram_table_finds_every_feature_and_nothing_else() {
        // Hashes that crowd a few home slots, so that probing wraps and runs long.
        let grams: Vec<u64> = (0..1000u64)
            .map(|i| {
                if i % 3 == 0 {
                    i << 60 | i
                } else {
                    i.wrapping_mul(0x1234_5678_9abc_def1)
                }
            })
            .collect();
        let table = GramTable::new(&grams);
        for (f, &g) in grams.iter().enumerate() {
            assert_eq!(table.get(g), Some(f as u32));
        }
        let absent: Vec<u64> = (0..1000u64)
            .map(|i| i.wrapping_mul(0x9999_7777_5555_3333) | 1 << 62)
            .collect();
        assert!(absent
            .iter()
            .all(|&g| table.get(g).is_none() || grams.contains(&g)));
        assert_eq!(table.get(EMPTY), None);
        // get_all gives what get gives, in order, across batches.
        let mixed: Vec<u64> = grams
            .iter()
            .zip(&absent)
            .flat_map(|(&a, &b)| [a, b, a])
            .collect();
        let mut all = Vec::new();
        table.get_all(&mixed, |f| all.push(f));
        let one_by_one: Vec<u32> = mixed.iter().filter_map(|&g| table.get(g)).collect();
        assert_eq!(all, one_by_one);
        assert_eq!(all.len(), 2000);
    }

    #[test]
    fn the_words_that_weigh_sum_to_the_margin() {
        let mut examples = Vec::new();
        for i in 0..10 {
            examples.push(example(
                &format!("p{i}"),
                1,
                &format!("Phishing-Mail gemeldet {i}, Zugangsdaten eingegeben"),
            ));
            examples.push(example(
                &format!("d{i}"),
                2,
                &format!("DDoS auf den Webserver {i}, Botnetz flutet"),
            ));
        }
        let model = ExampleModel::train(&examples);
        let (title, text) = (
            "Phishing-Mail gemeldet",
            "Zugangsdaten eingegeben, Webserver ok",
        );
        let parts = model.weighing(title, [text], EntryId(1), 100);
        let margin: f64 = parts.iter().map(|(_, v)| v).sum::<f64>() + model.intercepts[0];
        let p = model.with_probabilities(title, [text], |p| p[0]);
        assert!(
            (sigmoid(margin) - p).abs() < 1e-4,
            "{} vs {p}",
            sigmoid(margin)
        );
        // The heaviest word for phishing is one of its own; the server weighs against it.
        let top = model.weighing(title, [text], EntryId(1), 3);
        assert_eq!(top.len(), 3);
        assert!(
            [
                "phishing-mail",
                "gemeldet",
                "zugangsdaten",
                "eingegeben",
                "phishing-mail gemeldet"
            ]
            .contains(&top[0].0.as_str()),
            "{top:?}"
        );
        assert!(top[0].1 > 0.0);
        let server = parts
            .iter()
            .find(|(w, _)| w == "webserver")
            .expect("weighed");
        assert!(server.1 < 0.0, "{parts:?}");
        // A service it does not answer for: nothing.
        assert!(model.weighing(title, [text], EntryId(9), 5).is_empty());
    }

    #[test]
    fn a_cache_that_cannot_be_written_is_said_and_costs_only_the_training() {
        let examples = vec![
            example("a", 1, "phishing mail reported"),
            example("b", 2, "ddos flood on the server"),
            example("c", 1, "phishing link clicked"),
        ];
        let dir = tempfile::tempdir().unwrap();
        // A file where the cache directory should be.
        let blocked = dir.path().join("cache");
        std::fs::write(&blocked, b"not a directory").unwrap();
        let model = ExampleModel::load_or_train(&examples, Some(&blocked));
        let problem = model.cache_problem().expect("said");
        assert!(
            problem.contains("cannot save") && problem.contains("cache"),
            "{problem}"
        );
        assert_eq!(*model.weights, *ExampleModel::train(&examples).weights);
        let fine = ExampleModel::load_or_train(&examples, Some(&dir.path().join("ok")));
        assert!(fine.cache_problem().is_none());
    }

    #[test]
    fn nothing_to_learn_answers_nothing() {
        let model = ExampleModel::train(&[]);
        assert!(model.services().is_empty());
        let p = model.with_probabilities("anything", [], |p| p.len());
        assert_eq!(p, 0);
    }
}
