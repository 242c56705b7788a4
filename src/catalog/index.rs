//! The catalog as a tantivy index in RAM: "which service is this text about?".
//!
//! One document per area, service and function, with fields `id`, `kind`, `name` (aliases and
//! abbreviation included), `description`, `vocabulary`, `parents` (names of the entries above)
//! and `children` (names and vocabulary of the entries below, so that a service also answers
//! for what its functions cover). Text goes through an English analyzer: lower case, stop words
//! removed, Snowball stemming. The vocabulary is written in the languages CSIRTs work in, which
//! an English stemmer does not fold, so the name and vocabulary of the entry and of the entries
//! below are also indexed as multilingual *keys* (field `keys`: words without accents, cut to
//! six characters, see [`keys`](super::keys)): `Sicherheitslücken` in a ticket meets
//! `Sicherheitslücke` in the vocabulary.
//!
//! Queries are built from the analyzed words of the text, never parsed as query syntax: the
//! same search serves a person's query and a ticket's attacker-written text, where `:`, `-`
//! and quotes are just characters.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    WhitespaceTokenizer,
};
use tantivy::{doc, Index, IndexReader, TantivyDocument, Term};

use super::examples::{keys, words_and_keys};
use super::load::{Catalog, EntryId, Kind};
use crate::error::{Error, Location, Result};

/// Name under which our analyzer is registered in the index.
const ANALYZER: &str = "en_stem";

/// The text fields searched, with the boost each one's matches get. A word in the name or the
/// vocabulary says more than one in a description, and much more than one in a parent's name.
const FIELDS: [(&str, f32); 6] = [
    ("name", 2.5),
    ("vocabulary", 2.0),
    ("description", 1.0),
    ("children", 1.0),
    ("parents", 0.3),
    ("keys", 1.5),
];

/// The field of [`FIELDS`] that holds keys rather than stemmed English words.
const KEYS: usize = 5;

/// Name under which the keys field's tokenizer (split on spaces) is registered.
const KEYS_TOKENIZER: &str = "keys";

/// One result of a search.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SearchHit {
    /// The area, service or function found.
    #[serde(skip)]
    pub entry: EntryId,
    /// BM25 score summed over fields with their boosts; only comparable within one query.
    pub score: f32,
    /// Which fields matched which words of the query.
    pub matched: Vec<FieldMatch>,
}

/// The words of a query found in one field of an entry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldMatch {
    /// `name`, `vocabulary`, `description`, `children`, `parents` or `keys`.
    pub field: &'static str,
    /// The query's words (as typed) whose stems occur in the field.
    pub words: Vec<String>,
}

/// The catalog indexed with tantivy, in RAM; built once at start, then shared read-only.
pub struct CatalogIndex {
    reader: IndexReader,
    analyzer: TextAnalyzer,
    entry_field: Field,
    fields: Vec<Field>,
    /// Per entry, per searched field, the set of stems (keys, for `keys`) it holds (to say
    /// which words matched).
    stems: Vec<[HashSet<String>; 6]>,
    /// Per searched field, every stem any entry holds there: a query asks only for these
    /// (a term no document holds scores nothing, and asking costs a term lookup and a BM25
    /// weight each; tickets have hundreds of words, most of them not in the catalog).
    vocabulary: [HashSet<String>; 6],
    build_time: Duration,
}

impl std::fmt::Debug for CatalogIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogIndex")
            .field("entries", &self.stems.len())
            .field("build_time", &self.build_time)
            .finish()
    }
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(
            StopWordFilter::new(Language::English)
                .expect("tantivy ships English stop words with the `stopwords` feature"),
        )
        .filter(Stemmer::new(Language::English))
        .build()
}

fn index_error(catalog: &Catalog, err: tantivy::TantivyError) -> Error {
    Error::invalid(
        Location::file(catalog.origin()),
        format!("could not index the catalog: {err}"),
        "this is a bug in csirt-tagger; please report it with the catalog file",
    )
}

impl CatalogIndex {
    /// Indexes every entry of the catalog in RAM.
    pub fn build(catalog: &Catalog) -> Result<CatalogIndex> {
        let started = Instant::now();
        let mut schema = Schema::builder();
        let text = |tokenizer: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(IndexRecordOption::WithFreqs),
            )
        };
        let entry_field = schema.add_u64_field("entry", STORED);
        let id_field = schema.add_text_field("id", STRING | STORED);
        let kind_field = schema.add_text_field("kind", STRING);
        let fields: Vec<Field> = FIELDS
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                let tokenizer = if i == KEYS { KEYS_TOKENIZER } else { ANALYZER };
                schema.add_text_field(name, text(tokenizer))
            })
            .collect();
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(ANALYZER, analyzer());
        index.tokenizers().register(
            KEYS_TOKENIZER,
            TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
        );
        // One thread and the smallest arena tantivy accepts: 100 small documents.
        let mut writer = index
            .writer_with_num_threads::<TantivyDocument>(1, 15_000_000)
            .map_err(|e| index_error(catalog, e))?;
        let mut analyzer = analyzer();
        let mut stems: Vec<[HashSet<String>; 6]> = Vec::with_capacity(catalog.entries().len());
        for id in catalog.ids() {
            let mut texts = field_texts(catalog, id);
            texts[KEYS] = keys(&texts[KEYS]).join(" ");
            let e = catalog.entry(id);
            let mut document = doc!(
                entry_field => id.0 as u64,
                id_field => e.id.clone(),
                kind_field => e.kind.as_str(),
            );
            for (field, text) in fields.iter().zip(&texts) {
                document.add_text(*field, text);
            }
            writer
                .add_document(document)
                .map_err(|e| index_error(catalog, e))?;
            let mut sets: [HashSet<String>; 6] = texts
                .each_ref()
                .map(|t| stems_of(&mut analyzer, t).into_iter().collect());
            sets[KEYS] = texts[KEYS].split(' ').map(str::to_string).collect();
            stems.push(sets);
        }
        writer.commit().map_err(|e| index_error(catalog, e))?;
        let reader = index.reader().map_err(|e| index_error(catalog, e))?;
        let mut vocabulary: [HashSet<String>; 6] = Default::default();
        for entry in &stems {
            for (all, set) in vocabulary.iter_mut().zip(entry) {
                all.extend(set.iter().cloned());
            }
        }
        Ok(CatalogIndex {
            reader,
            analyzer,
            entry_field,
            fields,
            stems,
            vocabulary,
            build_time: started.elapsed(),
        })
    }

    /// How long [`CatalogIndex::build`] took.
    pub fn build_time(&self) -> Duration {
        self.build_time
    }

    /// The best entries for `text`, best first, at most `limit`; `kinds` filters the levels.
    ///
    /// Ties in score are broken by catalog order, so results are deterministic.
    pub fn search(
        &self,
        text: &str,
        limit: usize,
        kinds: &[Kind],
        catalog: &Catalog,
    ) -> Vec<SearchHit> {
        self.search_explained(text, limit, kinds, catalog, limit)
    }

    /// [`CatalogIndex::search`], with `matched` found for the best `explained` hits only
    /// (empty for the others): the fallback scores every service but shows one, and finding
    /// the words is a third of a search on a long ticket.
    pub fn search_explained(
        &self,
        text: &str,
        limit: usize,
        kinds: &[Kind],
        catalog: &Catalog,
        explained: usize,
    ) -> Vec<SearchHit> {
        let words = [self.query_words(text), words_and_keys(text)];
        if words[0].is_empty() && words[1].is_empty() || limit == 0 {
            return Vec::new();
        }
        // Sorted, so the score sums add up in the same order every run: a score on the
        // fallback threshold must not flip between runs.
        let unique = words.each_ref().map(|w| {
            w.iter()
                .map(|(_, stem)| stem.as_str())
                .collect::<BTreeSet<&str>>()
        });
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (i, ((field, (_, boost)), vocabulary)) in self
            .fields
            .iter()
            .zip(FIELDS)
            .zip(&self.vocabulary)
            .enumerate()
        {
            let unique = &unique[usize::from(i == KEYS)];
            for stem in unique.iter().filter(|s| vocabulary.contains(**s)) {
                let term = TermQuery::new(
                    Term::from_field_text(*field, stem),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(term), boost)),
                ));
            }
        }
        if clauses.is_empty() {
            return Vec::new(); // no word of the catalog
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        // Every document may match: fetch all, filter by kind, then cut, so the filter never
        // starves the result list.
        let Ok(top) = searcher.search(
            &query,
            &TopDocs::with_limit(self.stems.len().max(1)).order_by_score(),
        ) else {
            return Vec::new();
        };
        let mut hits: Vec<(EntryId, f32)> = top
            .into_iter()
            .filter_map(|(score, address)| {
                let document: TantivyDocument = searcher.doc(address).ok()?;
                let entry = EntryId(document.get_first(self.entry_field)?.as_u64()? as u32);
                if !kinds.is_empty() && !kinds.contains(&catalog.entry(entry).kind) {
                    return None;
                }
                Some((entry, score))
            })
            .collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        hits.truncate(limit);
        // Which words matched, for the hits explained only, from the first occurrence of each
        // catalog word: a long ticket's thousands of other words cannot match any entry. The
        // vocabulary is asked once per distinct stem, not once per word.
        let catalog_words = |list: usize, fields: &[HashSet<String>]| {
            let mut seen = HashSet::new();
            match explained.min(hits.len()) {
                0 => Vec::new(),
                _ => words[list]
                    .iter()
                    .filter(|(_, stem)| {
                        seen.insert(stem.as_str()) && fields.iter().any(|v| v.contains(stem))
                    })
                    .collect::<Vec<&(String, String)>>(),
            }
        };
        let catalog_words = [
            catalog_words(0, &self.vocabulary[..KEYS]),
            catalog_words(1, &self.vocabulary[KEYS..]),
        ];
        hits.into_iter()
            .enumerate()
            .map(|(i, (entry, score))| SearchHit {
                entry,
                score,
                matched: if i < explained {
                    self.matches(entry, &catalog_words)
                } else {
                    Vec::new()
                },
            })
            .collect()
    }

    /// The words of `text` with their stems, in order, stop words left out.
    fn query_words(&self, text: &str) -> Vec<(String, String)> {
        let mut analyzer = self.analyzer.clone();
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while let Some(token) = stream.next() {
            let word = text
                .get(token.offset_from..token.offset_to)
                .unwrap_or(&token.text)
                .to_string();
            out.push((word, token.text.clone()));
        }
        out
    }

    /// The words (first occurrences, one per stem) found in each field of `entry`; `words`
    /// holds the stemmed words and the keyed words of the query.
    fn matches(&self, entry: EntryId, words: &[Vec<&(String, String)>; 2]) -> Vec<FieldMatch> {
        let stems = &self.stems[entry.index()];
        FIELDS
            .iter()
            .zip(stems)
            .enumerate()
            .filter_map(|(i, ((field, _), set))| {
                let found: Vec<String> = words[usize::from(i == KEYS)]
                    .iter()
                    .filter(|(_, stem)| set.contains(stem))
                    .map(|(word, _)| word.to_lowercase())
                    .collect();
                (!found.is_empty()).then_some(FieldMatch {
                    field,
                    words: found,
                })
            })
            .collect()
    }
}

fn stems_of(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

/// The text of each searched field of an entry, in the order of [`FIELDS`] (the keys field's
/// before it is cut into keys: the name and vocabulary of the entry and the entries below).
fn field_texts(catalog: &Catalog, id: EntryId) -> [String; 6] {
    let e = catalog.entry(id);
    let mut name = e.name.clone();
    for alias in e.aliases.iter().chain(e.abbr.iter()) {
        name.push_str(" | ");
        name.push_str(alias);
    }
    if let Some(slug) = &e.slug {
        name.push_str(" | ");
        name.push_str(&slug.replace('-', " "));
    }
    let vocabulary = e.vocabulary.join(" | ");
    let mut parents = Vec::new();
    let mut up = e.parent;
    while let Some(p) = up {
        parents.push(catalog.entry(p).name.as_str());
        up = catalog.entry(p).parent;
    }
    let mut children = String::new();
    let mut below: Vec<EntryId> = catalog.children(id).to_vec();
    while let Some(c) = below.pop() {
        let child = catalog.entry(c);
        children.push_str(&child.name);
        children.push_str(" | ");
        children.push_str(&child.vocabulary.join(" | "));
        children.push_str(" | ");
        below.extend_from_slice(catalog.children(c));
    }
    let keys = format!("{name} | {vocabulary} | {children}");
    [
        name,
        vocabulary,
        e.description.clone(),
        children,
        parents.join(" | "),
        keys,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog_and_index() -> (Catalog, CatalogIndex) {
        let catalog = Catalog::default_embedded();
        let index = CatalogIndex::build(&catalog).expect("the catalog indexes");
        (catalog, index)
    }

    /// Queries a person tuning rules might type, with the service that must come first.
    const QUERIES: &[(&str, &str)] = &[
        ("reverse engineering of a malware sample", "6.3"),
        ("publish an advisory for a CVE", "7.5"),
        ("tabletop exercise for the board", "9.3"),
        (
            "phishing email reported by a user via the abuse mailbox",
            "6.1",
        ),
        ("restore servers from backup after ransomware", "6.4"),
        (
            "Shadowserver report of exposed RDP services to patch",
            "7.6",
        ),
        ("security awareness poster campaign", "9.1"),
        ("threat hunting with IOCs", "8.2"),
        (
            "embargo agreed with the vendor before coordinated disclosure",
            "7.4",
        ),
        ("bug bounty submission from a researcher", "7.2"),
        ("CVSS score and affected versions", "7.3"),
        ("press inquiry from a journalist", "6.5"),
        ("crisis management team convened", "6.6"),
        ("MISP feed onboarding", "8.1"),
        ("training course for new analysts", "9.2"),
        ("business continuity plan review", "9.4"),
        ("log source stopped sending syslog to the SIEM", "5.1"),
        ("false positive alert closed after triage", "5.2"),
        ("memory dump and disk image for forensics", "6.3"),
        ("notify the hosting provider and request takedown", "6.5"),
        ("fuzzing found a new zero-day", "7.1"),
        ("weekly threat briefing for constituents", "8.3"),
        (
            "root cause and timeline of the intrusion, lateral movement",
            "6.2",
        ),
        ("incident response policy draft review", "9.4"),
    ];

    #[test]
    fn search_ranks_the_expected_service_first_for_typical_queries() {
        let (catalog, index) = catalog_and_index();
        let mut wrong = Vec::new();
        for (query, expected) in QUERIES {
            let hits = index.search(query, 3, &[Kind::Service], &catalog);
            let got: Vec<&str> = hits
                .iter()
                .map(|h| catalog.entry(h.entry).id.as_str())
                .collect();
            if got.first() != Some(expected) {
                wrong.push(format!("{query:?}: expected {expected}, got {got:?}"));
            }
        }
        assert!(
            wrong.is_empty(),
            "{} of {} queries ranked wrong:\n{}",
            wrong.len(),
            QUERIES.len(),
            wrong.join("\n")
        );
    }

    #[test]
    fn across_all_levels_the_first_hit_belongs_to_the_expected_service() {
        let (catalog, index) = catalog_and_index();
        for (query, expected) in [
            ("reverse engineering of a malware sample", "6.3"),
            ("publish an advisory for a CVE", "7.5"),
            ("tabletop exercise for the board", "9.3"),
        ] {
            let hits = index.search(query, 1, &[], &catalog);
            let first = hits.first().expect("a hit");
            let service = catalog.service_of(first.entry).expect("not an area");
            assert_eq!(catalog.entry(service).id, expected, "{query}");
        }
    }

    #[test]
    fn a_siem_correlation_rule_is_an_event_management_matter() {
        let (catalog, index) = catalog_and_index();
        let hits = index.search("SIEM correlation rule", 1, &[Kind::Service], &catalog);
        let area = catalog.area_of(hits[0].entry);
        assert_eq!(catalog.entry(area).id, "5");
    }

    #[test]
    fn matched_fields_name_the_words_as_typed() {
        let (catalog, index) = catalog_and_index();
        let hits = index.search("Sandbox detonation", 5, &[], &catalog);
        let hit = hits
            .iter()
            .find(|h| !h.matched.is_empty())
            .expect("a hit with matches");
        let words: Vec<&String> = hit.matched.iter().flat_map(|m| &m.words).collect();
        assert!(
            words.iter().any(|w| *w == "sandbox" || *w == "detonation"),
            "{words:?}"
        );
    }

    #[test]
    fn words_are_found_for_the_explained_hits_only_and_scores_do_not_change() {
        let (catalog, index) = catalog_and_index();
        let text = "Phishing mail with a malware sample: sandbox detonation, then forensic \
                    analysis of the disk image and a report to the constituency. Phishing again.";
        let all = index.search(text, 10, &[], &catalog);
        let some = index.search_explained(text, 10, &[], &catalog, 2);
        assert!(all.len() > 2, "{all:?}");
        assert_eq!(all.len(), some.len());
        for (i, (a, s)) in all.iter().zip(&some).enumerate() {
            assert_eq!((a.entry, a.score), (s.entry, s.score));
            if i < 2 {
                assert!(!s.matched.is_empty());
                assert_eq!(a.matched, s.matched);
            } else {
                assert!(s.matched.is_empty());
            }
        }
        // In each field, one word per stem (`Phishing` twice in the text), lower case.
        for m in &all[0].matched {
            let mut unique = m.words.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), m.words.len(), "{m:?}");
            assert!(m.words.iter().all(|w| *w == w.to_lowercase()), "{m:?}");
        }
    }

    #[test]
    fn query_syntax_in_ticket_text_is_just_text() {
        let (catalog, index) = catalog_and_index();
        // Characters that tantivy's query parser would treat as syntax.
        let hits = index.search(
            "title:\"malware\" AND -(sandbox) ^2 ~ * [a TO b]",
            5,
            &[],
            &catalog,
        );
        assert!(!hits.is_empty());
        assert!(index.search("", 5, &[], &catalog).is_empty());
        assert!(index.search("the of and", 5, &[], &catalog).is_empty());
    }

    #[test]
    fn results_are_deterministic() {
        let (catalog, index) = catalog_and_index();
        let a: Vec<_> = index
            .search("report", 50, &[], &catalog)
            .iter()
            .map(|h| h.entry)
            .collect();
        let b: Vec<_> = index
            .search("report", 50, &[], &catalog)
            .iter()
            .map(|h| h.entry)
            .collect();
        assert_eq!(a, b);
    }
}
