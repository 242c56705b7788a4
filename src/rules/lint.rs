//! Lints: rules that load and compile but are probably not what their author meant.
//! Every finding is a warning [`Diagnostic`] at the word or rule at fault; `rules check`
//! prints them. Words are compared as written, lower-cased, without a leading `=` and with
//! runs of spaces made one (`=DoS` and `dos` are the same word here).
//!
//! The lints, precisely:
//!
//! - **duplicate word**: a word appears twice in a rule's `any` and `all` lists together, or
//!   twice in its `none` (the second one is reported).
//! - **redundant rule**: rule B is redundant given rule A (an earlier rule, or any other
//!   rule when B is not identical to it) when A fires whenever B fires and A weighs at least as
//!   much, so B only counts the same evidence twice. "A fires whenever B fires" is decided on
//!   the lists alone: same `target`, same `fields` (as a set), A's `any` ⊇ B's `any`, A's
//!   `regex` ⊇ B's `regex`, A's `all` ⊆ B's `all`, A's `none` ⊆ B's `none`, B has `any` or
//!   `regex` when A has one, and `A.weight >= B.weight > 0`.
//! - **self veto**: a `none` word that is also in the rule's `all` (the rule can never fire),
//!   or in its `any` (that word can never make it fire).
//! - **unreachable threshold**: a service whose threshold is above the sum of the positive
//!   weights of all its rules (and its functions' rules): none of its rules can tag it.
//! - **common word**: an `any` word of at most 2 letters, or one of [`COMMON_WORDS`]: alone it
//!   fires the rule on most tickets.
//! - **slow regex**: a regex from which no word every match must contain can be read
//!   (`\b[0-9a-f]{64}\b`): it runs on every field of every ticket, where the others run only
//!   on fields holding their word. Give it a word (`sha256[^\n]{0,20}\b[0-9a-f]{64}\b`), or
//!   write it as `near` groups.

use std::collections::{HashMap, HashSet};

use crate::catalog::{Catalog, EntryId};
use crate::error::{Diagnostic, Location, Severity};

use super::{Located, Matcher, Rule};

/// Words so frequent in English or in ticket text that an `any` word among them fires on
/// most tickets. Short on purpose: a word here must be noise in every CSIRT queue.
pub const COMMON_WORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "from",
    "this",
    "that",
    "have",
    "has",
    "was",
    "were",
    "are",
    "not",
    "but",
    "you",
    "your",
    "our",
    "all",
    "any",
    "can",
    "will",
    "please",
    "thanks",
    "hello",
    "regards",
    "ticket",
    "issue",
    "request",
    "user",
    "users",
    "team",
    "email",
    "mail",
    "update",
    "info",
    "information",
    "status",
    "problem",
    "check",
    "new",
    "see",
    "attached",
    "security",
    "incident",
];

/// Scores within this of a threshold reach it (as `tag` scores them).
const EPSILON: f64 = 1e-9;

/// Runs every lint on the rules of `matcher`; warnings in rule order, then thresholds.
pub fn lint(matcher: &Matcher, catalog: &Catalog) -> Vec<Diagnostic> {
    let rules = matcher.rules();
    let mut out = Vec::new();
    for rule in rules {
        duplicate_words(rule, &mut out);
        self_veto(rule, &mut out);
        common_words(rule, &mut out);
        slow_regexes(rule, &mut out);
    }
    redundant_rules(rules, &mut out);
    unreachable_thresholds(matcher, catalog, &mut out);
    out
}

fn warn(out: &mut Vec<Diagnostic>, at: &Location, message: String, hint: &str) {
    out.push(Diagnostic {
        severity: Severity::Warning,
        at: at.clone(),
        message,
        hint: Some(hint.to_string()),
    });
}

/// Regexes that would run on every field: no word every match needs could be read from them.
fn slow_regexes(rule: &Rule, out: &mut Vec<Diagnostic>) {
    for regex in &rule.regex {
        if super::regex_filter::required_literals(&regex.value).is_none() {
            warn(
                out,
                &regex.at,
                format!(
                    "rule {}: regex `{}` needs no word, so it runs on every field of every ticket (slow)",
                    rule.id, regex.value
                ),
                "put a word every match must contain into it (`sha256[^\\n]{0,20}[0-9a-f]{64}`), or write it as `near` groups",
            );
        }
    }
}

/// A word as the lints compare it.
fn key(word: &str) -> String {
    let w = word.trim().trim_start_matches('=').to_lowercase();
    w.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn keys(words: &[Located<String>]) -> HashSet<String> {
    words.iter().map(|w| key(&w.value)).collect()
}

fn duplicate_words(rule: &Rule, out: &mut Vec<Diagnostic>) {
    // `any` and `all` together (a word in both is one too many); `none` on its own, since a
    // `none` word also in `any`/`all` is the self-veto lint's.
    let mut seen: HashMap<String, &Location> = HashMap::new();
    let lists = [("any", &rule.any), ("all", &rule.all), ("none", &rule.none)];
    for (list, words) in lists {
        if list == "none" {
            seen.clear();
        }
        for w in words {
            match seen.get(&key(&w.value)) {
                Some(first) => warn(
                    out,
                    &w.at,
                    format!(
                        "rule {}: {list} `{}` is already listed at {first}",
                        rule.id, w.value
                    ),
                    "remove one of them",
                ),
                None => {
                    seen.insert(key(&w.value), &w.at);
                }
            }
        }
    }
}

fn self_veto(rule: &Rule, out: &mut Vec<Diagnostic>) {
    let (any, all) = (keys(&rule.any), keys(&rule.all));
    for w in &rule.none {
        let k = key(&w.value);
        if all.contains(&k) {
            let msg = format!(
                "rule {}: none `{}` vetoes its own `all` word: it never fires",
                rule.id, w.value
            );
            warn(out, &w.at, msg, "remove the word from `none` or from `all`");
        } else if any.contains(&k) {
            let msg = format!(
                "rule {}: none `{}` vetoes its own `any` word",
                rule.id, w.value
            );
            warn(
                out,
                &w.at,
                msg,
                "that word can never make the rule fire: remove it from one list",
            );
        }
    }
}

fn common_words(rule: &Rule, out: &mut Vec<Diagnostic>) {
    for w in &rule.any {
        let k = key(&w.value);
        let letters = k.chars().filter(|c| c.is_alphanumeric()).count();
        if letters <= 2 || COMMON_WORDS.contains(&k.as_str()) {
            warn(
                out,
                &w.at,
                format!(
                    "rule {}: any `{}` is so short or common that it fires almost everywhere",
                    rule.id, w.value
                ),
                "use a phrase, or move the word to `all` beside a distinctive one",
            );
        }
    }
}

/// Whether `a` fires whenever `b` does, on the lists alone (see the module docs).
fn covers(a: &Rule, b: &Rule) -> bool {
    let fields = |r: &Rule| {
        r.fields
            .iter()
            .map(|f| key(&f.value))
            .collect::<HashSet<_>>()
    };
    let has_any = |r: &Rule| !r.any.is_empty() || !r.regex.is_empty();
    // `near` is a condition like `all`: `a` covers `b` only without one, or with the same.
    let near = |r: &Rule| -> Vec<HashSet<String>> { r.near.iter().map(|g| keys(g)).collect() };
    a.target == b.target
        && (a.near.is_empty() || near(a) == near(b))
        && fields(a) == fields(b)
        && has_any(a) == has_any(b)
        && keys(&a.any).is_superset(&keys(&b.any))
        && keys(&a.regex).is_superset(&keys(&b.regex))
        && keys(&a.all).is_subset(&keys(&b.all))
        && keys(&a.none).is_subset(&keys(&b.none))
        && a.weight >= b.weight
        && b.weight > 0.0
}

fn redundant_rules(rules: &[Rule], out: &mut Vec<Diagnostic>) {
    for (i, b) in rules.iter().enumerate() {
        // Two identical rules cover each other: only the later one is reported.
        let by = rules.iter().enumerate().find(|&(j, a)| {
            j != i && a.service == b.service && covers(a, b) && (j < i || !covers(b, a))
        });
        if let Some((_, a)) = by {
            warn(
                out,
                &b.at,
                format!(
                    "rule {} is redundant: rule {} ({}) fires whenever it does, with at least its weight",
                    b.id, a.id, a.at
                ),
                "it only counts the same words twice: merge its words into the other rule",
            );
        }
    }
}

fn unreachable_thresholds(matcher: &Matcher, catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    let mut reach: Vec<(EntryId, f64, &Location)> = Vec::new();
    for rule in matcher.rules() {
        match reach.iter_mut().find(|(s, _, _)| *s == rule.service) {
            Some(r) => r.1 += rule.weight.max(0.0),
            None => reach.push((rule.service, rule.weight.max(0.0), &rule.at)),
        }
    }
    for (service, max, first) in reach {
        let (threshold, at) = matcher.threshold(service);
        if max + EPSILON < threshold {
            warn(
                out,
                at.unwrap_or(first),
                format!(
                    "service {}: threshold {threshold} cannot be reached: its rules weigh {max} together",
                    catalog.entry(service).id
                ),
                "lower the threshold or raise the rules' weights",
            );
        }
    }
}

#[cfg(test)]
#[path = "lint_tests.rs"]
mod tests;
