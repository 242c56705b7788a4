//! The index fallback: when the rules give no tag, ask the index which service the ticket is
//! about, and propose the best one only when it stands out clearly enough.
//!
//! Two kinds of evidence, asked in this order (the more precise first: on the tuning part's
//! hardest tickets, the catalog's proposals at its threshold were right more often than the
//! examples', and the examples then cover twice as many tickets; see `docs/rules.md`):
//! 1. **The catalog's descriptions and vocabulary**, by their z-score, as follows.
//! 2. **Labelled examples** (when the fallback has an [`ExampleIndex`]): the ticket's nearest
//!    labelled neighbours vote, each with its BM25 score, for its services (its primary
//!    counts in full, the others half). The best service's *share* of the votes (from 0 to 1)
//!    must reach [`Fallback::DEFAULT_EXAMPLE_SHARE`] (`--example-share`); the proposal is
//!    explained by the neighbours that voted for it ("like ticket X (6.4)").
//!
//! BM25 scores are not comparable between queries: they grow with the number of query words
//! that match, so a long ticket scores higher than a short one about the same thing. The
//! fallback therefore never compares a raw score with a threshold. It compares the best
//! service with the other services *for the same query*: the normalised score is the best
//! raw score's z-score among the raw scores of every service of the catalog (services the
//! query does not match count as 0). Multiplying every raw score by a constant, which is
//! what a longer text about the same thing roughly does, leaves it unchanged. A service
//! proposed must also match at least [`MIN_MATCHED_WORDS`] different words of the text: with
//! one word only, the z-score is at its maximum (`sqrt(services - 1)`) on the thinnest evidence.
//! The threshold ([`Fallback::DEFAULT_THRESHOLD`]) and how it was calibrated: `docs/rules.md`.

use std::sync::OnceLock;

use crate::catalog::{
    Catalog, CatalogIndex, EntryId, ExampleIndex, FieldMatch, Kind, Neighbour, NEIGHBOURS,
};
use crate::import::{TextField, Ticket};

use super::ExampleVote;

/// Most bytes of a ticket's text sent to the index: the title and the start of the body say
/// what a ticket is about, and longer queries only cost time.
pub const MAX_QUERY_BYTES: usize = 2_000;

/// Different words of the text the proposed service must match.
pub const MIN_MATCHED_WORDS: usize = 2;

/// The catalog index (and labelled examples, when given), and how sure each must be to
/// propose a service.
#[derive(Debug)]
pub struct Fallback {
    /// Built, or to be built when a ticket first needs it ([`Fallback::deferred`]); the
    /// error's message when that failed.
    index: OnceLock<std::result::Result<CatalogIndex, String>>,
    threshold: f64,
    examples: Option<ExampleIndex>,
    example_share: f64,
    vote: Option<ExampleVote>,
}

/// A service the index proposes for a text.
#[derive(Clone, Debug, PartialEq)]
pub struct FallbackCandidate {
    /// The service.
    pub service: EntryId,
    /// The normalised score (z-score of its raw score among every service's).
    pub score: f64,
    /// The raw BM25 score (only comparable within one query).
    pub raw: f32,
    /// Which words of the text matched which fields of the service (catalog evidence).
    pub matched: Vec<FieldMatch>,
    /// The labelled examples like the ticket that voted for the service, best first
    /// (example evidence; empty for the catalog's).
    pub like: Vec<Neighbour>,
}

impl FallbackCandidate {
    /// How many different words of the text the service matched, in any field.
    pub fn matched_words(&self) -> usize {
        let mut words: Vec<&str> = self
            .matched
            .iter()
            .flat_map(|m| m.words.iter().map(String::as_str))
            .collect();
        words.sort_unstable();
        words.dedup();
        words.len()
    }
}

impl Fallback {
    /// The normalised score the best service needs to be proposed, by default.
    pub const DEFAULT_THRESHOLD: f64 = 3.0;

    /// The share of the examples' votes the best service needs, by default.
    pub const DEFAULT_EXAMPLE_SHARE: f64 = 0.3;

    /// A fallback on `index` with the default threshold and no examples.
    pub fn new(index: CatalogIndex) -> Fallback {
        Fallback {
            index: OnceLock::from(Ok(index)),
            ..Fallback::deferred()
        }
    }

    /// A fallback whose catalog index is built when a ticket first needs it (tantivy, about
    /// 40 ms), from the catalog that ticket is tagged for: a run whose tickets the rules all
    /// tag never builds it. Should building it fail, the catalog proposes nothing and
    /// [`Fallback::index_problem`] says why.
    pub fn deferred() -> Fallback {
        Fallback {
            index: OnceLock::new(),
            threshold: Fallback::DEFAULT_THRESHOLD,
            examples: None,
            example_share: Fallback::DEFAULT_EXAMPLE_SHARE,
            vote: None,
        }
    }

    /// The same fallback whose labelled examples also vote beside the rules (`None`: they
    /// only propose where the rules give no tag). See [`ExampleVote`].
    pub fn with_vote(mut self, vote: Option<ExampleVote>) -> Fallback {
        self.vote = vote;
        self
    }

    /// The examples and how they vote beside the rules, when they do.
    pub fn vote(&self) -> Option<(&ExampleIndex, &ExampleVote)> {
        self.examples.as_ref().zip(self.vote.as_ref())
    }

    /// The same fallback with labelled examples (asked before the catalog), or without.
    pub fn with_examples(mut self, examples: Option<ExampleIndex>) -> Fallback {
        self.examples = examples;
        self
    }

    /// The same fallback with another share of the examples' votes needed.
    pub fn with_example_share(mut self, share: f64) -> Fallback {
        self.example_share = share;
        self
    }

    /// The labelled examples, when given.
    pub fn examples(&self) -> Option<&ExampleIndex> {
        self.examples.as_ref()
    }

    /// The share of the examples' votes needed.
    pub fn example_share(&self) -> f64 {
        self.example_share
    }

    /// The same fallback with another threshold.
    pub fn with_threshold(mut self, threshold: f64) -> Fallback {
        self.threshold = threshold;
        self
    }

    /// The threshold in use.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The catalog index, once built.
    pub fn index(&self) -> Option<&CatalogIndex> {
        self.index.get().and_then(|built| built.as_ref().ok())
    }

    /// Why the catalog index could not be built, when it could not.
    pub fn index_problem(&self) -> Option<&str> {
        self.index
            .get()
            .and_then(|built| built.as_ref().err().map(String::as_str))
    }

    /// The catalog index, built now for `catalog` if it was not yet.
    fn index_for(&self, catalog: &Catalog) -> Option<&CatalogIndex> {
        self.index
            .get_or_init(|| CatalogIndex::build(catalog).map_err(|e| e.to_string()))
            .as_ref()
            .ok()
    }

    /// The services that fit the text best, best first, at most `limit`, with normalised
    /// scores (whether or not they pass the threshold). Ties go to catalog order.
    pub fn candidates(
        &self,
        catalog: &Catalog,
        fields: &[TextField],
        limit: usize,
    ) -> Vec<FallbackCandidate> {
        let query = query_text(fields);
        let services = catalog.counts()[Kind::Service as usize];
        // Every service's score for the mean and deviation; words for those returned.
        let Some(index) = self.index_for(catalog) else {
            return Vec::new();
        };
        let hits = index.search_explained(&query, services, &[Kind::Service], catalog, limit);
        let raw: Vec<f64> = hits.iter().map(|h| f64::from(h.score)).collect();
        let (mean, sd) = mean_sd(&raw, services);
        hits.into_iter()
            .take(limit)
            .map(|h| FallbackCandidate {
                service: h.entry,
                score: if sd > 0.0 {
                    (f64::from(h.score) - mean) / sd
                } else {
                    0.0
                },
                raw: h.score,
                matched: h.matched,
                like: Vec::new(),
            })
            .collect()
    }

    /// The services the ticket's labelled neighbours vote for, best first, at most `limit`:
    /// `score` is the service's share of the votes, `raw` its votes, `like` the neighbours
    /// that voted for it. Empty without examples. Ties go to catalog order.
    pub fn example_candidates(
        &self,
        catalog: &Catalog,
        ticket: &Ticket,
        limit: usize,
    ) -> Vec<FallbackCandidate> {
        let Some(examples) = &self.examples else {
            return Vec::new();
        };
        let (hits, total) = super::vote::ticket_neighbours(examples, ticket, NEIGHBOURS, |n| {
            (n.hits.to_vec(), n.total())
        });
        if total <= 0.0 {
            return Vec::new();
        }
        // Votes in neighbour order, so that sums are the same on every run: per service, its
        // votes and the neighbours (example, score) that gave them.
        type Votes = (EntryId, f64, Vec<(usize, f32)>);
        let mut votes: Vec<Votes> = Vec::new();
        for &(n, score) in &hits {
            for (k, &service) in examples.examples()[n].services.iter().enumerate() {
                let weight = if k == 0 { 1.0 } else { 0.5 } * f64::from(score);
                match votes.iter_mut().find(|v| v.0 == service) {
                    Some(v) => {
                        v.1 += weight;
                        v.2.push((n, score));
                    }
                    None => votes.push((service, weight, vec![(n, score)])),
                }
            }
        }
        votes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        votes
            .into_iter()
            .take(limit)
            .map(|(service, v, voters)| FallbackCandidate {
                service,
                score: v / total,
                raw: v as f32,
                matched: Vec::new(),
                like: examples.describe(catalog, &voters),
            })
            .collect()
    }

    /// The catalog's best service when its normalised score reaches the threshold and it
    /// matches at least [`MIN_MATCHED_WORDS`] words, else the best service of the labelled
    /// examples when its share of the votes reaches the example share.
    pub fn propose(&self, catalog: &Catalog, ticket: &Ticket) -> Option<FallbackCandidate> {
        let from_examples = || {
            self.example_candidates(catalog, ticket, 1)
                .into_iter()
                .next()
                .filter(|c| c.score + 1e-9 >= self.example_share)
        };
        let from_catalog = || {
            self.candidates(catalog, &ticket.texts, 1)
                .into_iter()
                .next()
                .filter(|c| self.accepts(c))
        };
        from_catalog().or_else(from_examples)
    }

    /// Whether a catalog candidate would be proposed (as the best one).
    pub fn accepts(&self, candidate: &FallbackCandidate) -> bool {
        candidate.score >= self.threshold && candidate.matched_words() >= MIN_MATCHED_WORDS
    }
}

/// Mean and (population) standard deviation of `scores` padded with zeros to `n` values.
fn mean_sd(scores: &[f64], n: usize) -> (f64, f64) {
    let n = n.max(scores.len()).max(1) as f64;
    let mean = scores.iter().sum::<f64>() / n;
    let zeros = n - scores.len() as f64;
    let var = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() + zeros * mean * mean) / n;
    (mean, var.sqrt())
}

/// The title first, then the other fields, cut to [`MAX_QUERY_BYTES`] on a character boundary.
fn query_text(fields: &[TextField]) -> String {
    let mut out = String::new();
    let ordered = fields
        .iter()
        .filter(|f| f.is_title)
        .chain(fields.iter().filter(|f| !f.is_title));
    for field in ordered {
        if out.len() >= MAX_QUERY_BYTES {
            break;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&field.text);
    }
    if out.len() > MAX_QUERY_BYTES {
        let mut end = MAX_QUERY_BYTES;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tag::testing::{tagger, ticket};
    use crate::tag::TagSource;

    #[test]
    fn the_index_proposes_a_clear_service_when_no_rule_fires() {
        let t = ticket(
            "T-1",
            "Tabletop exercise",
            "Scenario and injects for the crisis tabletop with the board",
        );
        let tagging = tagger().tag(&t);
        assert_eq!(tagging.source, TagSource::Index);
        assert_eq!(
            tagger().catalog().entry(tagging.services[0].service).id,
            "9.3"
        );
        let vague = ticket("T-2", "", "Please have a look");
        assert_eq!(tagger().tag(&vague).source, TagSource::None);
    }

    /// A deferred fallback builds the catalog index when a ticket first asks it, and then
    /// proposes what one built beforehand proposes.
    #[test]
    fn a_deferred_index_is_built_when_first_needed_and_proposes_the_same() {
        let catalog = Catalog::default_embedded();
        let deferred = Fallback::deferred();
        assert!(deferred.index().is_none() && deferred.index_problem().is_none());
        let built = Fallback::new(CatalogIndex::build(&catalog).unwrap());
        let t = ticket(
            "T-1",
            "Tabletop exercise",
            "Scenario and injects for the crisis tabletop with the board",
        );
        let first = deferred.candidates(&catalog, &t.texts, 3);
        assert!(deferred.index().is_some() && deferred.index_problem().is_none());
        assert!(!first.is_empty());
        assert_eq!(first, built.candidates(&catalog, &t.texts, 3));
    }

    #[test]
    fn labelled_examples_propose_what_the_neighbours_agree_on_and_say_which() {
        use crate::catalog::{read_examples, ExampleIndex};
        use crate::Diagnostics;
        let catalog = Catalog::default_embedded();
        let csv = "id,services,title,text\n\
            E1,6.4;6.5,Startseite verunstaltet,Die Startseite der Gemeinde zeigt Parolen; Webserver vom Netz\n\
            E2,6.4,Homepage defaced,Municipal homepage shows slogans; restored from backup\n\
            E3,9.1,Plakate für den Aktionsmonat,Plakate und Flyer für die Mitarbeitenden\n";
        let mut diags = Diagnostics::default();
        let examples = read_examples(csv, "ex.csv".as_ref(), &catalog, &mut diags);
        let index = ExampleIndex::new(examples, vec!["ex.csv".into()]);
        let fallback = Fallback::new(CatalogIndex::build(&catalog).unwrap())
            .with_examples(Some(index))
            .with_example_share(0.6);
        let t = ticket(
            "N-1",
            "Startseite der Gemeinde verunstaltet",
            "Parolen auf der Startseite",
        );
        let best = fallback
            .propose(&catalog, &t)
            .expect("the neighbours agree");
        assert_eq!(catalog.entry(best.service).id, "6.4");
        assert!(best.score >= 0.6 && best.score <= 1.0, "{}", best.score);
        assert_eq!(best.like[0].id, "E1");
        assert_eq!(best.like[0].services, ["6.4", "6.5"]);
        // The example itself is never its own neighbour: E1 tagged alone finds only E2.
        let e1 = ticket(
            "E1",
            "Startseite verunstaltet",
            "Die Startseite der Gemeinde zeigt Parolen",
        );
        let candidates = fallback.example_candidates(&catalog, &e1, 5);
        assert!(candidates
            .iter()
            .all(|c| c.like.iter().all(|n| n.id != "E1")));
        // A text like no example falls through to the catalog (or to nothing).
        let other = ticket("N-2", "", "Bitte um Rückruf");
        assert!(fallback.example_candidates(&catalog, &other, 5).is_empty());
    }

    #[test]
    fn the_z_score_ignores_the_scale_of_raw_scores() {
        let (m1, s1) = mean_sd(&[4.0, 1.0], 4);
        let (m2, s2) = mean_sd(&[40.0, 10.0], 4);
        assert!(((4.0 - m1) / s1 - (40.0 - m2) / s2).abs() < 1e-12);
        assert_eq!(mean_sd(&[], 0), (0.0, 0.0));
    }
}
