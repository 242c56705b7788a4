//! [`Explanation`]: why a ticket got its tags, for `csirt-tagger explain`.
//!
//! Everything is resolved to names and text here (service ids, words as written, matched text,
//! `file:line:col` of rules), so that the explanation can be printed or serialised as it is.
//!
//! JSON (`explain --format json`), schema version 1:
//!
//! ```json
//! {"schema": 1, "ticket": "SEC-1", "fields": [{"name": "Summary", "title": true, "bytes": 42}],
//!  "rules": [{"id": "r", "outcome": "fired", "service": "6.3", "target": "6.3.2", "weight": 1.0,
//!             "factor": 1.0, "zone": "title", "at": "rules/6.toml:12:1",
//!             "matches": [{"list": "any", "pattern": "sample", "field": "Summary", "start": 4,
//!                          "end": 11, "text": "samples", "zone": "title"}],
//!             "vetoed_by": [], "missing": []}],
//!  "services": [{"id": "6.3", "name": "...", "score": 1.0, "threshold": 1.0,
//!                "threshold_at": null, "tagged": true, "rules": ["r"],
//!                "functions": [{"id": "6.3.2", "name": "...", "score": 1.0}]}],
//!  "fallback": {"used": false, "threshold": 3.5, "candidates": [{"id": "6.3", "name": "...",
//!               "score": 4.1, "raw": 12.5, "matched": [{"field": "vocabulary", "words": ["sample"]}],
//!               "like": []}],
//!               "example_share": 0.5, "examples": [{"id": "6.3", "name": "...", "score": 0.7,
//!               "raw": 31.2, "matched": [], "like": [{"id": "SIR0020117", "services": ["6.3", "6.2"],
//!               "score": 14.8}]}]},
//!  "vote": {"similarity": 0.14, "needed": 0.1, "counted": true, "add": 0.5, "drop": 0.2,
//!           "neighbours": [{"id": "SIR0020117", "services": ["6.3", "6.2"], "score": 14.8,
//!                           "similarity": 0.16}],
//!           "shares": [{"id": "6.2", "name": "...", "share": 0.7, "change": "added"}]},
//!  "source": "rule", "tags": [{"id": "6.3", "name": "...", "score": 1.0}]}
//! ```
//!
//! `vote` is null unless the rules tagged and the labelled examples vote beside them.

use super::score::{reaches, score_services};
use super::FallbackCandidate;
use super::{TagSource, Tagger, Tagging};
use crate::catalog::{Catalog, EntryId, FieldMatch, Neighbour};
use crate::import::Ticket;
use crate::rules::{Found, List, Matcher, RuleHit, RuleId, Zone};

/// How many index candidates an explanation lists.
const FALLBACK_CANDIDATES: usize = 5;

/// Everything about how one ticket was tagged.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Explanation {
    /// Version of this JSON layout.
    pub schema: u32,
    /// The ticket's id.
    pub ticket: String,
    /// The ticket's text fields, in order.
    pub fields: Vec<ExplainedField>,
    /// Every rule with at least one hit: fired, vetoed or incomplete, in rule order.
    pub rules: Vec<ExplainedRule>,
    /// Every service with a rule that fired, ranked, against its threshold.
    pub services: Vec<ExplainedService>,
    /// The index's view, when the fallback is on.
    pub fallback: Option<ExplainedFallback>,
    /// The labelled examples' vote beside the rules, when the rules tagged and the examples
    /// vote (see [`ExampleVote`](super::ExampleVote)).
    pub vote: Option<super::ExplainedVote>,
    /// Where the tags come from.
    pub source: TagSource,
    /// The tags, primary first.
    pub tags: Vec<ExplainedTag>,
    /// The tagging itself.
    #[serde(skip)]
    pub tagging: Tagging,
}

/// One tag of the ticket.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExplainedTag {
    /// Official id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its score (rules: sum of weights; index: normalised index score).
    pub score: f64,
}

/// A text field of the ticket.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExplainedField {
    /// Column name as in the export.
    pub name: String,
    /// Whether it is the title.
    pub title: bool,
    /// Length in bytes.
    pub bytes: usize,
}

/// What happened to a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// It fired: its weight counts.
    Fired,
    /// Its `any`/`all` were met but a `none` word was found.
    Vetoed,
    /// Some words were found, not enough to fire.
    Incomplete,
}

/// One rule with hits.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExplainedRule {
    /// Rule id.
    pub id: String,
    /// Fired, vetoed or incomplete.
    pub outcome: Outcome,
    /// The service its weight counts toward.
    pub service: String,
    /// The service or function it tags.
    pub target: String,
    /// Its weight.
    pub weight: f64,
    /// What its weight counts times: the factor of the best zone its words were found in
    /// (quoted history and signatures weigh less than the title and the ticket's own text).
    pub factor: f64,
    /// That zone.
    pub zone: Option<Zone>,
    /// Where it is written, `file:line:col`.
    pub at: String,
    /// Its `any`, `all` and `regex` hits.
    pub matches: Vec<ExplainedMatch>,
    /// Its `none` hits: why it was vetoed.
    pub vetoed_by: Vec<ExplainedMatch>,
    /// Words of `all` not found (and `any (one of)` when none of `any` was).
    pub missing: Vec<String>,
}

/// One hit of a rule's word.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExplainedMatch {
    /// `any`, `all`, `none` or `regex`.
    pub list: List,
    /// The word, phrase or regex as written in the rule.
    pub pattern: String,
    /// The field's name.
    pub field: String,
    /// Byte offsets in the field's original text.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// The text found there, as written in the ticket.
    pub text: String,
    /// The part of the ticket it is in (title, body, quoted history, signature).
    pub zone: Zone,
}

/// One service's score against its threshold.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExplainedService {
    /// Official id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Sum of the weights of its rules that fired.
    pub score: f64,
    /// Its threshold.
    pub threshold: f64,
    /// Where the threshold was set (`None`: the default).
    pub threshold_at: Option<String>,
    /// Whether it is a tag.
    pub tagged: bool,
    /// The rules that fired for it.
    pub rules: Vec<String>,
    /// Its functions with fired rules: `(id, name, score)`.
    pub functions: Vec<(String, String, f64)>,
}

/// The index fallback's best services.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExplainedFallback {
    /// Whether the tags come from it.
    pub used: bool,
    /// The normalised score the catalog's best service needs to be proposed.
    pub threshold: f64,
    /// The catalog's best services, best first.
    pub candidates: Vec<ExplainedCandidate>,
    /// The share of the labelled examples' votes a service needs (asked before the catalog).
    pub example_share: Option<f64>,
    /// The services the labelled examples vote for, best first (empty without examples).
    pub examples: Vec<ExplainedCandidate>,
}

/// A service the index finds for the text.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExplainedCandidate {
    /// Official id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Normalised score.
    pub score: f64,
    /// Raw BM25 score.
    pub raw: f32,
    /// Which words matched which fields of the catalog entry.
    pub matched: Vec<FieldMatch>,
    /// The labelled examples like the ticket that voted for it.
    pub like: Vec<Neighbour>,
}

impl ExplainedCandidate {
    fn new(catalog: &Catalog, c: FallbackCandidate) -> ExplainedCandidate {
        ExplainedCandidate {
            id: catalog.entry(c.service).id.clone(),
            name: catalog.entry(c.service).name.clone(),
            score: c.score,
            raw: c.raw,
            matched: c.matched,
            like: c.like,
        }
    }
}

impl Tagger {
    /// Tags a ticket and explains every step.
    pub fn explain(&self, ticket: &Ticket) -> Explanation {
        let catalog = self.catalog();
        let matcher = self.matcher();
        let mut scratch = crate::rules::Scratch::default();
        let found = matcher.find(&ticket.texts, &mut scratch, true);
        let mut rules: Vec<(RuleId, Outcome)> = Vec::new();
        rules.extend(found.fired().iter().map(|&r| (r, Outcome::Fired)));
        rules.extend(found.vetoed().iter().map(|&r| (r, Outcome::Vetoed)));
        rules.extend(found.partial().iter().map(|&r| (r, Outcome::Incomplete)));
        rules.sort_by_key(|&(r, _)| r);
        let explained_rules = rules
            .iter()
            .map(|&(r, outcome)| explain_rule(catalog, matcher, &found, ticket, r, outcome))
            .collect();
        let fired = found.fired().to_vec();
        let services = score_services(matcher, &fired, found.fired_zones())
            .iter()
            .map(|s| {
                let (threshold, at) = matcher.threshold(s.service);
                let e = catalog.entry(s.service);
                ExplainedService {
                    id: e.id.clone(),
                    name: e.name.clone(),
                    score: s.score,
                    threshold,
                    threshold_at: at.map(ToString::to_string),
                    tagged: reaches(matcher, s),
                    rules: fired
                        .iter()
                        .filter(|&&r| matcher.rule(r).service == s.service)
                        .map(|&r| matcher.rule(r).id.clone())
                        .collect(),
                    functions: s
                        .functions
                        .iter()
                        .map(|f| {
                            (
                                catalog.entry(f.function).id.clone(),
                                catalog.entry(f.function).name.clone(),
                                f.score,
                            )
                        })
                        .collect(),
                }
            })
            .collect();
        let tagging = self.tag(ticket);
        let fallback = self.fallback().map(|f| ExplainedFallback {
            used: tagging.source == TagSource::Index,
            threshold: f.threshold(),
            candidates: f
                .candidates(catalog, &ticket.texts, FALLBACK_CANDIDATES)
                .into_iter()
                .map(|c| ExplainedCandidate::new(catalog, c))
                .collect(),
            example_share: f.examples().map(|_| f.example_share()),
            examples: f
                .example_candidates(catalog, ticket, FALLBACK_CANDIDATES)
                .into_iter()
                .map(|c| ExplainedCandidate::new(catalog, c))
                .collect(),
        });
        let vote = self
            .fallback()
            .and_then(|f| f.vote())
            .filter(|_| tagging.source == TagSource::Rule)
            .map(|(examples, vote)| {
                let rules_tags =
                    super::score::tagged_services(&self.matcher, &tagging.rules, &tagging.zones);
                let mut explained =
                    vote.explain(examples, catalog, ticket, &tagging, &rules_tags);
                if let Some(rule) = self.vote_kept_off(&tagging.rules) {
                    explained.counted = false;
                    explained.reason = Some(format!(
                        "rule {} keeps the examples' vote off the tickets it fires on (vote = false)",
                        self.matcher.rule(rule).id
                    ));
                }
                explained
            });
        Explanation {
            schema: 1,
            ticket: ticket.id.clone(),
            fields: ticket
                .texts
                .iter()
                .map(|f| ExplainedField {
                    name: f.name.to_string(),
                    title: f.is_title,
                    bytes: f.text.len(),
                })
                .collect(),
            rules: explained_rules,
            services,
            fallback,
            vote,
            source: tagging.source,
            tags: tagging
                .services
                .iter()
                .map(|s| ExplainedTag {
                    id: id_of(catalog, s.service),
                    name: catalog.entry(s.service).name.clone(),
                    score: s.score,
                })
                .collect(),
            tagging,
        }
    }
}

fn id_of(catalog: &Catalog, id: EntryId) -> String {
    catalog.entry(id).id.clone()
}

fn explain_rule(
    catalog: &Catalog,
    matcher: &Matcher,
    found: &Found<'_>,
    ticket: &Ticket,
    id: RuleId,
    outcome: Outcome,
) -> ExplainedRule {
    let rule = matcher.rule(id);
    let hits = found.rule_hits(id);
    let explained = |h: &RuleHit| {
        let field = &ticket.texts[h.hit.field];
        ExplainedMatch {
            list: h.list,
            pattern: rule
                .written(h.list, h.index)
                .map_or_else(String::new, |w| w.value.clone()),
            field: field.name.to_string(),
            start: h.hit.start,
            end: h.hit.end,
            text: field
                .text
                .get(h.hit.start..h.hit.end)
                .unwrap_or_default()
                .to_string(),
            zone: h.hit.zone,
        }
    };
    // A rule that fired counts with the zones the scorer used (for `near`, those of the
    // sentences that hold every group, not of every hit); the others show where they were seen.
    let seen = hits
        .iter()
        .filter(|h| h.list != List::None)
        .fold(0u8, |z, h| z | h.hit.zone.bit());
    let zones = match outcome {
        Outcome::Fired => found
            .fired()
            .iter()
            .position(|&r| r == id)
            .map_or(seen, |i| found.fired_zones()[i]),
        _ => seen,
    };
    let factors = matcher.zone_factors();
    let found_in =
        |list: List, index: usize| hits.iter().any(|h| h.list == list && h.index == index);
    let mut missing: Vec<String> = (0..rule.all.len())
        .filter(|&i| !found_in(List::All, i))
        .map(|i| rule.all[i].value.clone())
        .collect();
    let any_met = (rule.any.is_empty() && rule.regex.is_empty())
        || hits
            .iter()
            .any(|h| matches!(h.list, List::Any | List::Regex));
    if !any_met {
        let words: Vec<&str> = rule
            .any
            .iter()
            .chain(&rule.regex)
            .map(|w| w.value.as_str())
            .collect();
        missing.push(format!("one of any: {}", words.join(", ")));
    }
    // `near`: the groups with no word at all, or, when every group has one somewhere, that
    // no one sentence holds them all (a rule that fired met it).
    let mut first = 0;
    let mut every_group_found = true;
    for (g, group) in rule.near.iter().enumerate() {
        if !(first..first + group.len()).any(|i| found_in(List::Near, i)) {
            let words: Vec<&str> = group.iter().map(|w| w.value.as_str()).collect();
            missing.push(format!("near group {}: one of {}", g + 1, words.join(", ")));
            every_group_found = false;
        }
        first += group.len();
    }
    if !rule.near.is_empty() && every_group_found && outcome == Outcome::Incomplete {
        missing.push("near: no one sentence holds a word of every group".into());
    }
    ExplainedRule {
        id: rule.id.clone(),
        outcome,
        service: id_of(catalog, rule.service),
        target: id_of(catalog, rule.target),
        weight: rule.weight,
        factor: factors.best(zones),
        zone: factors.best_zone(zones),
        at: rule.at.to_string(),
        matches: hits
            .iter()
            .filter(|h| h.list != List::None)
            .map(explained)
            .collect(),
        vetoed_by: hits
            .iter()
            .filter(|h| h.list == List::None)
            .map(explained)
            .collect(),
        missing,
    }
}

#[cfg(test)]
mod tests {
    use crate::tag::testing::{tagger, ticket};

    #[test]
    fn an_explanation_names_the_words_fields_and_offsets() {
        let t = ticket(
            "T-1",
            "Malware sample from the CFO laptop",
            "Did the reverse-engineering; CVE-2024-12345.",
        );
        let e = tagger().explain(&t);
        let sample = e
            .rules
            .iter()
            .find(|r| r.id == "sample")
            .expect("rule `sample` fired");
        let m = &sample.matches[0];
        assert_eq!(
            (m.field.as_str(), m.text.as_str()),
            ("Summary", "Malware sample")
        );
        assert!(sample
            .matches
            .iter()
            .any(|m| m.text == "reverse-engineering"));
        assert!(e.rules.iter().any(|r| r.id == "cve"));
        assert_eq!(e.tags.first().map(|t| t.id.as_str()), Some("6.3"));
    }

    #[test]
    fn a_near_rule_is_explained_with_the_zone_it_was_scored_with() {
        // `alpha` is also in the title, but the sentence that holds both groups is the
        // body's: the rule counts once, and explain must say so, not "found in the title".
        let t = ticket("T-3", "alpha report", "We saw alpha and beta here.");
        let e = tagger().explain(&t);
        let near = e.rules.iter().find(|r| r.id == "near-ab").unwrap();
        assert_eq!(near.factor, 1.0);
        assert!(near.matches.iter().any(|m| m.field == "Summary"));
        let score = e.services.iter().find(|s| s.id == "8.3").unwrap().score;
        assert_eq!(score, near.weight * near.factor);
        let in_title = tagger().explain(&ticket("T-4", "alpha and beta", "nothing"));
        let near = in_title.rules.iter().find(|r| r.id == "near-ab").unwrap();
        assert_eq!(near.factor, 2.0);
    }

    #[test]
    fn a_veto_and_a_missing_word_are_explained() {
        let t = ticket("T-2", "Phishing simulation results", "restore the VM");
        let e = tagger().explain(&t);
        let phishing = e.rules.iter().find(|r| r.id == "phishing").unwrap();
        assert_eq!(phishing.vetoed_by[0].text, "Phishing simulation");
        let restore = e.rules.iter().find(|r| r.id == "restore").unwrap();
        assert_eq!(restore.missing, ["backup"]);
    }
}
