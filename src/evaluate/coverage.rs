//! Rule coverage over an export, as labelling-function analyses report it (Snorkel's LF
//! summary): per rule how many tickets it fires on (coverage), on how many no other rule
//! fires (alone), another rule fires (overlap) and a rule of another service fires
//! (conflict); the pairwise overlap of rules; rules that never fire; per service the share of
//! its tickets that only one of its rules catches (fragile coverage); and, for tickets no rule
//! tags, the words and bigrams most distinctive of them against the tagged ones (candidate
//! keywords).
//!
//! Distinctiveness is the log-odds ratio of document frequencies with add-½ smoothing,
//! divided by its standard error (a z-score, as in Monroe et al. 2008 without the prior):
//! for a term in `a` of `n` untagged and `b` of `m` tagged tickets,
//! `ln((a+½)/(n-a+½)) - ln((b+½)/(m-b+½))` over
//! `sqrt(1/(a+½) + 1/(n-a+½) + 1/(b+½) + 1/(m-b+½))`. Terms in fewer than 2 untagged tickets
//! are left out: one ticket's words are anecdotes, not keywords.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::catalog::Catalog;
use crate::import::Ticket;
use crate::rules::{Matcher, RuleId};
use crate::tag::{TagSource, Tagging};

/// Words too common to be keywords (English function words and ticket boilerplate).
const STOPWORDS: &[&str] = &[
    "the", "and", "for", "with", "from", "this", "that", "have", "has", "had", "was", "were",
    "are", "not", "but", "you", "your", "our", "all", "any", "can", "will", "been", "into",
    "their", "they", "them", "there", "which", "who", "what", "when", "after", "before", "also",
    "its", "his", "her", "per", "via", "out", "off", "one", "two", "did", "does", "should",
    "would", "could", "about", "than", "then", "some", "more", "other", "only", "over", "still",
    "please", "thanks", "regards", "hello", "der", "die", "das", "und", "ist", "mit", "von", "den",
    "für", "auf", "nicht", "ein", "eine", "les", "des", "une", "pour",
];

/// Counts rule firings and words over tickets; [`Coverage::finish`] gives the report.
#[derive(Debug)]
pub struct Coverage {
    tickets: u64,
    untagged: u64,
    fired: Vec<u64>,
    alone: Vec<u64>,
    overlap: Vec<u64>,
    conflict: Vec<u64>,
    pairs: HashMap<(u32, u32), u64>,
    /// Per service: tickets it tags, and those of them on which one rule of it fired.
    service_tickets: Vec<(u64, u64)>,
    untagged_terms: HashMap<String, u64>,
    tagged_terms: HashMap<String, u64>,
}

impl Coverage {
    /// An empty count for the rules of `matcher`.
    pub fn new(matcher: &Matcher, catalog: &Catalog) -> Coverage {
        let n = matcher.rules().len();
        Coverage {
            tickets: 0,
            untagged: 0,
            fired: vec![0; n],
            alone: vec![0; n],
            overlap: vec![0; n],
            conflict: vec![0; n],
            pairs: HashMap::new(),
            service_tickets: vec![(0, 0); catalog.entries().len()],
            untagged_terms: HashMap::new(),
            tagged_terms: HashMap::new(),
        }
    }

    /// Records one ticket and its tagging.
    pub fn record(&mut self, matcher: &Matcher, ticket: &Ticket, tagging: &Tagging) {
        self.tickets += 1;
        let fired = &tagging.rules;
        for (i, &a) in fired.iter().enumerate() {
            let ra = matcher.rule(a);
            self.fired[a.index()] += 1;
            if fired.len() == 1 {
                self.alone[a.index()] += 1;
            } else {
                self.overlap[a.index()] += 1;
            }
            if fired.iter().any(|&b| matcher.rule(b).service != ra.service) {
                self.conflict[a.index()] += 1;
            }
            for &b in &fired[i + 1..] {
                *self.pairs.entry((a.0, b.0)).or_default() += 1;
            }
        }
        for s in &tagging.services {
            let of_service = fired
                .iter()
                .filter(|&&r| matcher.rule(r).service == s.service)
                .count();
            let entry = &mut self.service_tickets[s.service.index()];
            entry.0 += 1;
            entry.1 += u64::from(of_service == 1);
        }
        let by_rules = tagging.source == TagSource::Rule;
        if !by_rules {
            self.untagged += 1;
        }
        let counts = if by_rules {
            &mut self.tagged_terms
        } else {
            &mut self.untagged_terms
        };
        for term in terms(ticket) {
            *counts.entry(term).or_default() += 1;
        }
    }

    /// The report; `top` is how many candidate keywords to keep.
    pub fn finish(self, matcher: &Matcher, catalog: &Catalog, top: usize) -> CoverageReport {
        let n = self.tickets.max(1) as f64;
        let id = |r: u32| matcher.rule(RuleId(r)).id.clone();
        let rules: Vec<RuleCoverage> = matcher
            .rules()
            .iter()
            .enumerate()
            .map(|(i, r)| RuleCoverage {
                id: r.id.clone(),
                service: catalog.entry(r.service).id.clone(),
                fired: self.fired[i],
                coverage: self.fired[i] as f64 / n,
                alone: self.alone[i],
                overlaps: self.overlap[i],
                conflicts: self.conflict[i],
            })
            .collect();
        let never_fired = rules
            .iter()
            .filter(|r| r.fired == 0)
            .map(|r| r.id.clone())
            .collect();
        let mut overlaps: Vec<RulePair> = self
            .pairs
            .iter()
            .map(|(&(a, b), &tickets)| RulePair {
                a: id(a),
                b: id(b),
                tickets,
                same_service: matcher.rule(RuleId(a)).service == matcher.rule(RuleId(b)).service,
            })
            .collect();
        overlaps.sort_by(|x, y| {
            y.tickets
                .cmp(&x.tickets)
                .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
        });
        let fragile = catalog
            .ids()
            .filter(|s| self.service_tickets[s.index()].0 > 0)
            .map(|s| {
                let (tickets, single) = self.service_tickets[s.index()];
                FragileService {
                    id: catalog.entry(s).id.clone(),
                    tickets,
                    single_rule: single,
                    share: single as f64 / tickets as f64,
                }
            })
            .collect();
        let tagged = self.tickets - self.untagged;
        let candidates = distinctive(
            &self.untagged_terms,
            self.untagged,
            &self.tagged_terms,
            tagged,
            top,
        );
        CoverageReport {
            schema: 1,
            tickets: self.tickets,
            untagged: self.untagged,
            rules,
            never_fired,
            overlaps,
            fragile,
            candidates,
        }
    }
}

/// The distinct words (3+ characters, not digits only, not stop words) and bigrams of a
/// ticket's text fields, lower-cased.
pub fn terms(ticket: &Ticket) -> HashSet<String> {
    let mut out = HashSet::new();
    for field in &ticket.texts {
        let lower = field.text.to_lowercase();
        let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
        let keep = |w: &str| {
            w.chars().count() >= 3
                && !w.chars().all(|c| c.is_ascii_digit())
                && !STOPWORDS.contains(&w)
        };
        for (i, w) in words.iter().enumerate() {
            if !keep(w) {
                continue;
            }
            out.insert(w.to_string());
            // Bigrams of neighbouring kept words only: `the` between two words breaks a phrase.
            if let Some(next) = words.get(i + 1).filter(|n| keep(n)) {
                out.insert(format!("{w} {next}"));
            }
        }
    }
    out
}

/// The `top` terms most distinctive of the untagged tickets (see the module docs).
pub fn distinctive(
    untagged: &HashMap<String, u64>,
    n: u64,
    tagged: &HashMap<String, u64>,
    m: u64,
    top: usize,
) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = untagged
        .iter()
        .filter(|&(_, &a)| a >= 2)
        .map(|(term, &a)| {
            let b = tagged.get(term).copied().unwrap_or(0);
            Candidate {
                term: term.clone(),
                untagged: a,
                tagged: b,
                z: log_odds_z(a, n, b, m),
            }
        })
        .collect();
    out.sort_by(|x, y| y.z.total_cmp(&x.z).then_with(|| x.term.cmp(&y.term)));
    out.truncate(top);
    out
}

/// The smoothed log-odds ratio of `a` in `n` against `b` in `m`, over its standard error.
pub fn log_odds_z(a: u64, n: u64, b: u64, m: u64) -> f64 {
    let (a, n, b, m) = (a as f64 + 0.5, n as f64, b as f64 + 0.5, m as f64);
    let (na, mb) = ((n - a + 1.0).max(0.5), (m - b + 1.0).max(0.5));
    let delta = (a / na).ln() - (b / mb).ln();
    delta / (1.0 / a + 1.0 / na + 1.0 / b + 1.0 / mb).sqrt()
}

/// `coverage --format json`, schema version 1: every field below, `rules` in rule order,
/// `overlaps` most shared first, `candidates` most distinctive first.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CoverageReport {
    /// Version of this layout.
    pub schema: u32,
    /// Tickets read.
    pub tickets: u64,
    /// Tickets no rule tags (no tag, or a tag from the index only).
    pub untagged: u64,
    /// Per rule.
    pub rules: Vec<RuleCoverage>,
    /// Ids of the rules that fired on no ticket.
    pub never_fired: Vec<String>,
    /// Pairs of rules firing on the same tickets.
    pub overlaps: Vec<RulePair>,
    /// Per tagged service, how much rests on a single rule.
    pub fragile: Vec<FragileService>,
    /// Candidate keywords from the untagged tickets.
    pub candidates: Vec<Candidate>,
}

/// One rule's firing counts.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RuleCoverage {
    /// Rule id.
    pub id: String,
    /// Its service.
    pub service: String,
    /// Tickets it fired on.
    pub fired: u64,
    /// `fired / tickets`.
    pub coverage: f64,
    /// Tickets on which it was the only rule to fire.
    pub alone: u64,
    /// Tickets on which another rule fired too.
    pub overlaps: u64,
    /// Tickets on which a rule of another service fired too.
    pub conflicts: u64,
}

/// Two rules that fired together.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RulePair {
    /// The earlier rule.
    pub a: String,
    /// The later rule.
    pub b: String,
    /// Tickets both fired on.
    pub tickets: u64,
    /// Whether they tag the same service.
    pub same_service: bool,
}

/// How much of a service's coverage rests on one rule per ticket.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FragileService {
    /// Service id.
    pub id: String,
    /// Tickets tagged with it.
    pub tickets: u64,
    /// Of those, tickets on which exactly one of its rules fired.
    pub single_rule: u64,
    /// `single_rule / tickets`.
    pub share: f64,
}

/// A term distinctive of the untagged tickets.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Candidate {
    /// Word or bigram, lower case.
    pub term: String,
    /// Untagged tickets containing it.
    pub untagged: u64,
    /// Tagged tickets containing it.
    pub tagged: u64,
    /// Log-odds z-score (higher: more distinctive of the untagged tickets).
    pub z: f64,
}

/// A symmetric matrix of rule co-firing counts, rows and columns in rule order, the diagonal
/// each rule's own count; only rules that fired. For `coverage --format csv`.
pub fn overlap_matrix(report: &CoverageReport) -> (Vec<String>, Vec<Vec<u64>>) {
    let ids: Vec<String> = report
        .rules
        .iter()
        .filter(|r| r.fired > 0)
        .map(|r| r.id.clone())
        .collect();
    let index: BTreeMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut m = vec![vec![0; ids.len()]; ids.len()];
    for r in report.rules.iter().filter(|r| r.fired > 0) {
        let i = index[r.id.as_str()];
        m[i][i] = r.fired;
    }
    for p in &report.overlaps {
        let (i, j) = (index[p.a.as_str()], index[p.b.as_str()]);
        m[i][j] = p.tickets;
        m[j][i] = p.tickets;
    }
    (ids, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_odds_favours_terms_of_the_untagged_tickets() {
        // 5 of 10 untagged vs 1 of 100 tagged: strongly distinctive.
        let strong = log_odds_z(5, 10, 1, 100);
        // 5 of 10 vs 50 of 100: same rate, z = 0 (up to smoothing).
        let even = log_odds_z(5, 10, 50, 100);
        assert!(strong > 3.0, "{strong}");
        assert!(even.abs() < 0.1, "{even}");
        assert!(log_odds_z(1, 10, 60, 100) < 0.0);
    }

    #[test]
    fn hand_computed_log_odds() {
        // a=2,n=4,b=0,m=4: (2.5/2.5) / (0.5/4.5) -> ln 9; se = sqrt(1/2.5+1/2.5+1/0.5+1/4.5).
        let z = log_odds_z(2, 4, 0, 4);
        let want = 9f64.ln() / (0.4 + 0.4 + 2.0 + 1.0 / 4.5f64).sqrt();
        assert!((z - want).abs() < 1e-12, "{z} vs {want}");
    }

    fn ticket(text: &str) -> Ticket {
        Ticket {
            source: 0,
            line: 2,
            record: 1,
            id: "T".into(),
            title: String::new(),
            texts: vec![crate::import::TextField {
                column: 0,
                name: std::sync::Arc::from("text"),
                is_title: false,
                text: text.into(),
            }],
            created: None,
            resolved: None,
            status: crate::import::Status::Unknown,
            time_spent: None,
            priority: None,
            queue: None,
            raw: Vec::new(),
        }
    }

    #[test]
    fn terms_are_words_and_bigrams_without_stop_words_or_numbers() {
        let got = terms(&ticket("The C2 beacon, to 10.0.0.1: beacon every 60s"));
        let mut got: Vec<String> = got.into_iter().collect();
        got.sort();
        assert_eq!(got, ["60s", "beacon", "beacon every", "every", "every 60s"]);
    }

    #[test]
    fn coverage_counts_alone_overlap_conflict_and_fragile_services() {
        let catalog = Catalog::default_embedded();
        let mut diags = crate::Diagnostics::default();
        let mut rules = crate::rules::RuleSetBuilder::new(&catalog);
        let text = "[[rule]]\nid = \"a\"\nservice = \"6.3\"\nany = [\"sample\"]\n\
                    [[rule]]\nid = \"b\"\nservice = \"6.3\"\nany = [\"sandbox\"]\n\
                    [[rule]]\nid = \"c\"\nservice = \"6.4\"\nany = [\"reimage\"]\n\
                    [[rule]]\nid = \"d\"\nservice = \"6.5\"\nany = [\"police\"]\n";
        rules.add_str(text, "t.toml".as_ref(), &mut diags);
        let matcher = rules.build().unwrap();
        let tagger = crate::tag::Tagger::new(catalog.clone(), matcher).unwrap();
        let mut cov = Coverage::new(tagger.matcher(), &catalog);
        for t in [
            "sample",
            "sample in the sandbox",
            "sample, then reimaged",
            "nothing here",
            "nothing here either",
        ] {
            let ticket = ticket(t);
            cov.record(tagger.matcher(), &ticket, &tagger.tag(&ticket));
        }
        let r = cov.finish(tagger.matcher(), &catalog, 5);
        let a = &r.rules[0];
        // a fired on 3 tickets: alone once, with b (same service) once, with c (6.4) once.
        assert_eq!((a.fired, a.alone, a.overlaps, a.conflicts), (3, 1, 2, 1));
        assert_eq!(r.never_fired, ["d"]);
        assert_eq!(r.untagged, 2);
        // 6.3 tagged 3 times, twice by `a` alone among its rules.
        let f = r.fragile.iter().find(|f| f.id == "6.3").unwrap();
        assert_eq!((f.tickets, f.single_rule), (3, 2));
        // "nothing", "here" and "nothing here" are in both untagged tickets and no tagged one:
        // the top candidates, tied, in term order; "either" is in one only and left out.
        let top: Vec<&str> = r.candidates.iter().map(|c| c.term.as_str()).collect();
        assert_eq!(top, ["here", "nothing", "nothing here"]);
        let (ids, m) = overlap_matrix(&r);
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(m, [[3, 1, 1], [1, 1, 0], [1, 0, 1]]);
    }

    #[test]
    fn rare_terms_are_left_out_and_the_best_come_first() {
        let untagged = HashMap::from([
            ("beacon".to_string(), 3),
            ("once".to_string(), 1),
            ("server".to_string(), 3),
        ]);
        let tagged = HashMap::from([("server".to_string(), 40)]);
        let got = distinctive(&untagged, 4, &tagged, 50, 10);
        let terms: Vec<&str> = got.iter().map(|c| c.term.as_str()).collect();
        assert_eq!(terms, ["beacon", "server"]);
    }
}
