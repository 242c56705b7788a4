//! The index fallback: when no rule fires, search the ticket's text in the catalog index and
//! propose the best service, but only when it stands out clearly enough.
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

use crate::catalog::{Catalog, CatalogIndex, EntryId, FieldMatch, Kind};
use crate::import::TextField;

/// Most bytes of a ticket's text sent to the index: the title and the start of the body say
/// what a ticket is about, and longer queries only cost time.
pub const MAX_QUERY_BYTES: usize = 2_000;

/// Different words of the text the proposed service must match.
pub const MIN_MATCHED_WORDS: usize = 2;

/// The catalog index, and how sure it must be to propose a service.
#[derive(Debug)]
pub struct Fallback {
    index: CatalogIndex,
    threshold: f64,
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
    /// Which words of the text matched which fields of the service.
    pub matched: Vec<FieldMatch>,
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
    pub const DEFAULT_THRESHOLD: f64 = 3.5;

    /// A fallback on `index` with the default threshold.
    pub fn new(index: CatalogIndex) -> Fallback {
        Fallback {
            index,
            threshold: Fallback::DEFAULT_THRESHOLD,
        }
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

    /// The catalog index.
    pub fn index(&self) -> &CatalogIndex {
        &self.index
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
        let hits = self
            .index
            .search_explained(&query, services, &[Kind::Service], catalog, limit);
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
            })
            .collect()
    }

    /// The best service when its normalised score reaches the threshold and it matches at
    /// least [`MIN_MATCHED_WORDS`] words.
    pub fn propose(&self, catalog: &Catalog, fields: &[TextField]) -> Option<FallbackCandidate> {
        self.candidates(catalog, fields, 1)
            .into_iter()
            .next()
            .filter(|c| self.accepts(c))
    }

    /// Whether a candidate would be proposed (as the best one).
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
    use crate::tag::parallel::tests::{tagger, ticket};
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

    #[test]
    fn the_z_score_ignores_the_scale_of_raw_scores() {
        let (m1, s1) = mean_sd(&[4.0, 1.0], 4);
        let (m2, s2) = mean_sd(&[40.0, 10.0], 4);
        assert!(((4.0 - m1) / s1 - (40.0 - m2) / s2).abs() < 1e-12);
        assert_eq!(mean_sd(&[], 0), (0.0, 0.0));
    }
}
