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
//! out. The keys are indexed with tantivy and a ticket's keys are its query: BM25 ranks the
//! examples, the best [`NEIGHBOURS`] vote.
//!
//! Examples file (CSV, UTF-8, written by `csirt-tagger examples`): `id,services,title,text`;
//! `services` is `;`-separated official ids or slugs of the catalog, most important first (a
//! `primary` column, when there is one, comes first). A labels file of `review`, or what its
//! page saved, is an examples file as it is: its rows not labelled yet and its `none` rows are
//! left out, so a team's reviewed tickets teach the fallback its words.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{doc, Index, IndexReader, TantivyDocument, Term};
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

use super::load::{Catalog, EntryId, Kind};
use crate::error::{Diagnostic, Diagnostics, Error, Location, Result, Severity};

/// Characters a word keeps as its key.
pub const KEY_CHARS: usize = 6;

/// How many of the most similar examples vote.
pub const NEIGHBOURS: usize = 10;

/// Most bytes of an example's or a ticket's text used (title first): what a ticket is about is
/// said at its start.
pub const MAX_EXAMPLE_BYTES: usize = 2_000;

/// The embedded examples of `csirt-2.1`: the tuning part and the round-2 batch of
/// `fixtures/labelled/many-hands` (never its blind part) and the older labelled set, written
/// by `csirt-tagger examples`.
const EMBEDDED_CSIRT: &str = include_str!("../../index/examples-csirt-2.1.csv");

/// How the embedded examples are named in reports and messages.
pub const EMBEDDED_EXAMPLES: &str = "<embedded:index/examples-csirt-2.1.csv>";

/// Name of the tokenizer of the keys field (keys are made by [`keys`], split on spaces).
const TOKENIZER: &str = "keys";

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
/// ticket asks for neighbours (about 50 ms for a thousand examples): a run whose tickets the
/// rules all tag never pays for it. Then read-only, shared by every thread.
pub struct ExampleIndex {
    examples: Vec<Example>,
    /// Where the examples came from (`<embedded:...>` or paths), for reports.
    origins: Vec<String>,
    built: OnceLock<Built>,
}

/// The tantivy side of an [`ExampleIndex`].
struct Built {
    reader: IndexReader,
    keys_field: Field,
    number_field: Field,
    /// Every key an example holds: a ticket asks only for these.
    vocabulary: HashSet<String>,
    build_time: Duration,
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

/// Every key of `text` with the word it comes from (as written), in order.
pub fn words_and_keys(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for_each_key(text, |word, key| {
        out.push((word.to_string(), key.to_string()))
    });
    out
}

/// Calls `f(word, key)` for every key of `text` (see [`keys`]).
fn for_each_key(text: &str, mut f: impl FnMut(&str, &str)) {
    let mut key = String::new();
    let mut start: Option<usize> = None;
    let mut flush = |key: &mut String, word: &str| {
        if key.chars().count() >= 3
            && !key.chars().all(|c| c.is_ascii_digit())
            && !STOP_WORDS.contains(&key.as_str())
        {
            let end = key
                .char_indices()
                .nth(KEY_CHARS)
                .map_or(key.len(), |(i, _)| i);
            f(word, &key[..end]);
        }
        key.clear();
    };
    for (i, c) in text.char_indices() {
        if !(c.is_alphanumeric() || is_combining_mark(c)) {
            if let Some(s) = start.take() {
                flush(&mut key, &text[s..i]);
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
        flush(&mut key, &text[s..]);
    }
}

/// Whether [`keys`] would find any key in `text` (without making them).
fn has_key(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|w| w.chars().count() >= 3 && !w.chars().all(|c| c.is_ascii_digit()))
}

/// The title first, then the other texts, joined by new lines and cut to
/// [`MAX_EXAMPLE_BYTES`] on a character boundary.
pub fn example_text<'a>(title: &str, texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from(title.trim());
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
    out
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

fn index_error(err: tantivy::TantivyError) -> Error {
    Error::invalid(
        Location::file("<examples>"),
        format!("could not index the examples: {err}"),
        "this is a bug in csirt-tagger; please report it with the examples file",
    )
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
        ExampleIndex {
            examples,
            origins,
            built: OnceLock::new(),
        }
    }

    fn built(&self) -> &Built {
        self.built.get_or_init(|| {
            // The documents are this index's own strings in a RAM directory: tantivy fails
            // here only on a bug or when memory runs out, never because of what a file held.
            build(&self.examples).expect("indexing examples in RAM")
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
    /// whose id is `exclude` (a ticket is never its own neighbour: a team's reviewed tickets
    /// may be in the export being tagged). Ties go to file order.
    pub fn neighbours(&self, text: &str, exclude: &str, limit: usize) -> Vec<(usize, f32)> {
        let built = self.built();
        // Sorted, so that BM25 sums add up in the same order every run.
        let unique: BTreeSet<String> = keys(text)
            .into_iter()
            .filter(|k| built.vocabulary.contains(k))
            .collect();
        if unique.is_empty() || limit == 0 {
            return Vec::new();
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = unique
            .iter()
            .map(|k| {
                let term = Term::from_field_text(built.keys_field, k);
                let query: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                (Occur::Should, query)
            })
            .collect();
        let searcher = built.reader.searcher();
        let Ok(top) = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit + 1).order_by_score(),
        ) else {
            return Vec::new();
        };
        let mut hits: Vec<(usize, f32)> = top
            .into_iter()
            .filter_map(|(score, address)| {
                let document: TantivyDocument = searcher.doc(address).ok()?;
                let n = document.get_first(built.number_field)?.as_u64()? as usize;
                (self.examples[n].id != exclude).then_some((n, score))
            })
            .collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        hits.truncate(limit);
        hits
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
fn build(examples: &[Example]) -> Result<Built> {
    let started = Instant::now();
    let mut schema = Schema::builder();
    let number_field = schema.add_u64_field("n", STORED);
    let keys_field = schema.add_text_field(
        "keys",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        ),
    );
    let index = Index::create_in_ram(schema.build());
    index.tokenizers().register(
        TOKENIZER,
        TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
    );
    let mut writer = index
        .writer_with_num_threads::<TantivyDocument>(1, 15_000_000)
        .map_err(index_error)?;
    let mut vocabulary = HashSet::new();
    for (n, example) in examples.iter().enumerate() {
        let k = keys(&example.text);
        let joined = k.join(" ");
        vocabulary.extend(k);
        writer
            .add_document(doc!(number_field => n as u64, keys_field => joined))
            .map_err(index_error)?;
    }
    writer.commit().map_err(index_error)?;
    let reader = index.reader().map_err(index_error)?;
    Ok(Built {
        reader,
        keys_field,
        number_field,
        vocabulary,
        build_time: started.elapsed(),
    })
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
        let hits = index.neighbours("Die Webseite der Gemeinde wurde verunstaltet", "A", 5);
        assert!(hits.iter().all(|&(n, _)| index.examples()[n].id != "A"));
        assert!(index.neighbours("nothing alike", "X", 5).is_empty());
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
