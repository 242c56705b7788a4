//! Tagging: Ticket + [`Matcher`] (+ the catalog index as a fallback) -> [`Tagging`].
//!
//! A service's score is the sum of the weights of its rules that fired; the services whose
//! score reaches their threshold are the ticket's tags, ranked by score, ties in catalog
//! order; the first is the primary service. When no rule fires, the catalog index may propose
//! one service ([`Fallback`]), marked [`TagSource::Index`].
//!
//! [`Tagger::tag`] is the hot path: compact output, no allocation beyond the result and the
//! per-thread scratch buffers. [`Tagger::tag_detailed`] also says where each word was found,
//! and [`Tagger::explain`] says everything (`csirt-tagger explain`).

mod explain;
mod fallback;
mod score;
#[cfg(test)]
pub(crate) mod testing;
mod vote;

use std::cell::RefCell;

pub use explain::{
    ExplainedCandidate, ExplainedFallback, ExplainedField, ExplainedMatch, ExplainedRule,
    ExplainedService, ExplainedTag, Explanation, Outcome,
};
pub use fallback::{Fallback, FallbackCandidate, MAX_QUERY_BYTES, MIN_MATCHED_WORDS};
pub use score::{score_services, tagged_services, FunctionTag, ServiceTag, SCORE_EPSILON};
pub use vote::{
    change_label, ChangeKind, Combination, ExampleVote, ExplainedVote, Learner, VoteChange,
    VoteNeighbour, VoteShare, WeighedWord, COMBINATION,
};

use score::tagged_services_into;

use crate::catalog::{Catalog, EntryId, Neighbour};
use crate::error::{Error, Result};
use crate::import::Ticket;
use crate::rules::{List, Matcher, RuleId, Scratch};

/// Where a ticket's tags come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TagSource {
    /// Rules fired and at least one service reached its threshold.
    Rule,
    /// The rules gave no tag (none fired, or none reached its threshold); the index
    /// proposed the service.
    Index,
    /// No tag: the rules gave none and the index was not sure enough (or was off).
    None,
}

/// The tags of one ticket.
#[derive(Clone, Debug, PartialEq)]
pub struct Tagging {
    /// The services, ranked; the first is the primary service. Empty when `source` is `None`.
    pub services: Vec<ServiceTag>,
    /// Where the tags come from.
    pub source: TagSource,
    /// The rules that fired, in rule order (whether or not their service reached its
    /// threshold).
    pub rules: Vec<RuleId>,
    /// Per rule of `rules`, the zones its words were found in (bits of
    /// [`Zone`](crate::rules::Zone)); its weight counted times the best zone's factor.
    pub zones: Vec<u8>,
    /// When the index proposed the service from labelled examples: the examples like the
    /// ticket that voted for it, best first ("like ticket X (6.4)"). Empty otherwise.
    pub like: Vec<Neighbour>,
    /// When the rules tagged and the labelled examples voted: the services the vote dropped
    /// (after the primary), added, or made the primary, in that order ([`ExampleVote`]).
    pub votes: Vec<VoteChange>,
}

impl Default for Tagging {
    /// No tag (and no rule fired).
    fn default() -> Tagging {
        Tagging {
            services: Vec::new(),
            source: TagSource::None,
            rules: Vec::new(),
            zones: Vec::new(),
            like: Vec::new(),
            votes: Vec::new(),
        }
    }
}

impl Tagging {
    /// The primary service, if any.
    pub fn primary(&self) -> Option<EntryId> {
        self.services.first().map(|s| s.service)
    }
}

/// A word or regex of a fired rule found in a ticket, for detailed output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WordMatch {
    /// The rule.
    pub rule: RuleId,
    /// Which of its lists (`any`, `all` or `regex`).
    pub list: List,
    /// Index in that list: `matcher.rule(rule).any[index]` is the word as written.
    pub index: usize,
    /// Index of the field in `ticket.texts`.
    pub field: usize,
    /// Byte offsets into that field's original text.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
}

/// A [`Tagging`] with where each word of the fired rules was found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DetailedTagging {
    /// The tags.
    pub tagging: Tagging,
    /// Every hit of the fired rules' words, by rule, then field and position.
    pub matches: Vec<WordMatch>,
}

/// Tags tickets. Holds the catalog, the compiled rules and the optional index fallback;
/// immutable and `Send + Sync`: build once, share by reference across threads.
#[derive(Debug)]
pub struct Tagger {
    catalog: Catalog,
    matcher: Matcher,
    fallback: Option<Fallback>,
}

/// What a thread keeps between tickets: the matcher's buffers, and service tags no longer
/// needed whose buffers the next tagging reuses.
#[derive(Default)]
struct Buffers {
    scratch: Scratch,
    spare: Vec<ServiceTag>,
}

thread_local! {
    /// Per-thread buffers, so that tagging allocates nothing per ticket once they have grown.
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// Runs `f` with this thread's buffers (fresh ones if they are in use, as in a nested call).
fn with_buffers<R>(f: impl FnOnce(&mut Buffers) -> R) -> R {
    crate::scratch::with_scratch(&BUFFERS, f)
}

impl Tagger {
    /// A tagger with the rules of `matcher`, which must have been built for `catalog`.
    pub fn new(catalog: Catalog, matcher: Matcher) -> Result<Tagger> {
        if matcher.catalog_fingerprint() != catalog.fingerprint() {
            return Err(Error::Usage(format!(
                "the rules were compiled for another catalog than {}",
                catalog.meta().short
            )));
        }
        Ok(Tagger {
            catalog,
            matcher,
            fallback: None,
        })
    }

    /// The same tagger with an index fallback (`None`: no fallback, as `--no-fallback`).
    pub fn with_fallback(mut self, fallback: Option<Fallback>) -> Tagger {
        self.fallback = fallback;
        self
    }

    /// The catalog that tags name.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The compiled rules.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// The index fallback, when on.
    pub fn fallback(&self) -> Option<&Fallback> {
        self.fallback.as_ref()
    }

    /// Tags one ticket.
    pub fn tag(&self, ticket: &Ticket) -> Tagging {
        // Not through `tag_into`: the tags it returns would leave with this thread's spare ones.
        let (fired, zones) = with_buffers(|b| {
            let found = self.matcher.find(&ticket.texts, &mut b.scratch, false);
            (found.fired().to_vec(), found.fired_zones().to_vec())
        });
        self.finish(ticket, fired, zones)
    }

    /// Tags one ticket into `out`, reusing its buffers: once this thread's buffers and `out`
    /// have grown, tagging a ticket allocates nothing (unless the index fallback is asked,
    /// whose search allocates). What [`Pipeline`](crate::pipeline::Pipeline) calls.
    pub fn tag_into(&self, ticket: &Ticket, out: &mut Tagging) {
        with_buffers(|b| {
            let found = self.matcher.find(&ticket.texts, &mut b.scratch, false);
            out.rules.clear();
            out.rules.extend_from_slice(found.fired());
            out.zones.clear();
            out.zones.extend_from_slice(found.fired_zones());
            tagged_services_into(
                &self.matcher,
                &out.rules,
                &out.zones,
                &mut out.services,
                &mut b.spare,
            );
            self.finish_into(ticket, out, &mut b.spare);
        });
    }

    /// Tags one ticket and says where each word of the fired rules was found.
    pub fn tag_detailed(&self, ticket: &Ticket) -> DetailedTagging {
        let (fired, zones, matches) = with_buffers(|b| {
            let found = self.matcher.find(&ticket.texts, &mut b.scratch, true);
            let mut matches = Vec::new();
            for &rule in found.fired() {
                for h in found.rule_hits(rule) {
                    if h.list != List::None {
                        matches.push(WordMatch {
                            rule,
                            list: h.list,
                            index: h.index,
                            field: h.hit.field,
                            start: h.hit.start,
                            end: h.hit.end,
                        });
                    }
                }
            }
            (
                found.fired().to_vec(),
                found.fired_zones().to_vec(),
                matches,
            )
        });
        DetailedTagging {
            tagging: self.finish(ticket, fired, zones),
            matches,
        }
    }

    /// Scores the fired rules, or asks the index when they give no tag.
    fn finish(&self, ticket: &Ticket, fired: Vec<RuleId>, zones: Vec<u8>) -> Tagging {
        let mut tagging = Tagging {
            services: tagged_services(&self.matcher, &fired, &zones),
            rules: fired,
            zones,
            ..Tagging::default()
        };
        self.finish_into(ticket, &mut tagging, &mut Vec::new());
        tagging
    }

    /// The first of the fired `rules` that keeps the examples' vote off the ticket
    /// (`vote = false`), if any.
    fn vote_kept_off(&self, rules: &[RuleId]) -> Option<RuleId> {
        rules.iter().copied().find(|&r| !self.matcher.rule(r).vote)
    }

    /// With `out.services` scored from `out.rules`: the source, the examples' vote on the
    /// rules' tags, or the index's proposal when the rules give no tag. `spare`: tags to
    /// reuse, and where dropped ones go.
    fn finish_into(&self, ticket: &Ticket, out: &mut Tagging, spare: &mut Vec<ServiceTag>) {
        out.like.clear();
        out.votes.clear();
        if !out.services.is_empty() {
            out.source = TagSource::Rule;
            if let Some((examples, vote)) = self.fallback.as_ref().and_then(Fallback::vote) {
                if self.vote_kept_off(&out.rules).is_none() {
                    vote.apply(examples, ticket, out, spare);
                }
            }
            return;
        }
        match self
            .fallback
            .as_ref()
            .and_then(|f| f.propose(&self.catalog, ticket))
        {
            Some(best) => {
                out.services.push(ServiceTag {
                    service: best.service,
                    score: best.score,
                    functions: Vec::new(),
                });
                out.source = TagSource::Index;
                out.like = best.like;
            }
            None => out.source = TagSource::None,
        }
    }
}
