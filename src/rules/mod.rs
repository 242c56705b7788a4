//! Rules: read rules files, check them, and compile them into one [`Matcher`].
//!
//! In: TOML files (schema and matching semantics in `docs/rules.md`), or the default rules
//! embedded in the binary ([`DEFAULT_RULES`]). Out: a [`Matcher`] that finds every rule hit in
//! a ticket's text in one pass: every word and phrase of every rule in one Aho-Corasick
//! automaton (daachorse's double array, saved with the compiled rules); every regex behind a second automaton of the literals its matches need (the
//! regexes without such literals in one `RegexSet`); then the rules' `any`/`all`/`none` logic
//! evaluated on the hits. Scoring and thresholds are applied in `tag`, not here.
//!
//! A bad rule never stops loading: it becomes an error [`Diagnostic`](crate::Diagnostic) at
//! `file:line:col` and the others are kept, so that every problem is reported at once.
//!
//! ```
//! use csirt_tagger::catalog::Catalog;
//! use csirt_tagger::rules::{RuleSetBuilder, Scratch};
//! use csirt_tagger::Diagnostics;
//!
//! let catalog = Catalog::default_embedded();
//! let mut diags = Diagnostics::default();
//! let mut rules = RuleSetBuilder::new(&catalog);
//! rules.add_str(r#"
//!     [[rule]]
//!     id = "artifact.sample"
//!     service = "6.3"
//!     any = ["malware sample", "reverse engineering"]
//! "#, "inline.toml".as_ref(), &mut diags);
//! let matcher = rules.build().unwrap();
//! let mut scratch = Scratch::default();
//! let found = matcher.find_in_text("Reverse-engineering of malware samples", &mut scratch, false);
//! assert_eq!(found.fired().len(), 1);
//! ```

mod automaton;
mod cache;
mod compile;
mod inflect;
pub mod lint;
mod load;
mod matcher;
mod normalize;
mod pattern;
mod regex_filter;
mod scan;
pub mod zones;

pub use cache::{CacheKey, RulesCache};
pub use compile::{toml_files, Limits, RuleSetBuilder, RulesSource};
pub use load::{Located, Rule};
pub use matcher::{Found, Hit, List, Matcher, MatcherStats, RuleHit, RuleId, Scratch};
pub use zones::{Zone, ZoneFactors};

/// Normalises `text` into `out` as the matcher normalises a non-ASCII field (NFKC, then lower
/// case). Exists only so that the micro benchmarks (`benches/micro.rs`) can time normalisation
/// on its own; not part of the API.
#[doc(hidden)]
pub fn normalize_for_bench(text: &str, out: &mut String) {
    normalize::normalize_into(text, out, None);
}

/// Where an embedded default rules file `name` comes from, as messages, reports and the rules
/// cache's key name it: `<embedded:rules/NAME>`.
pub fn embedded_origin(name: &str) -> std::path::PathBuf {
    format!("<embedded:rules/{name}>").into()
}

/// The default rules, one file per service area, embedded at build time: `(file name, TOML)`.
/// `csirt-tagger rules init DIR` writes them out.
pub const DEFAULT_RULES: &[(&str, &str)] = &[
    (
        "5-event-management.toml",
        include_str!("../../rules/5-event-management.toml"),
    ),
    (
        "6-incident-management.toml",
        include_str!("../../rules/6-incident-management.toml"),
    ),
    (
        "7-vulnerability-management.toml",
        include_str!("../../rules/7-vulnerability-management.toml"),
    ),
    (
        "8-situational-awareness.toml",
        include_str!("../../rules/8-situational-awareness.toml"),
    ),
    (
        "9-knowledge-transfer.toml",
        include_str!("../../rules/9-knowledge-transfer.toml"),
    ),
];

/// Whether a rule fires on each of its examples and on none of its counterexamples.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ExampleFailure {
    /// The rule's id.
    pub rule: String,
    /// Where the example is written.
    pub at: crate::Location,
    /// The example's text.
    pub text: String,
    /// `true`: an example the rule does not fire on; `false`: a counterexample it fires on.
    pub expected_to_fire: bool,
}

impl Matcher {
    /// Runs every rule on its `examples` (must fire) and `counterexamples` (must not), each
    /// read as a field the rule reads. Returns the failures, in rule order.
    pub fn check_examples(&self) -> Vec<ExampleFailure> {
        let mut scratch = Scratch::default();
        let mut failures = Vec::new();
        for (i, rule) in self.rules().iter().enumerate() {
            let id = RuleId(i as u32);
            let cases = rule.examples.iter().map(|e| (e, true));
            for (example, expected) in cases.chain(rule.counterexamples.iter().map(|e| (e, false)))
            {
                let fired = self
                    .find_in_text(&example.value, &mut scratch, false)
                    .fired()
                    .contains(&id);
                if fired != expected {
                    failures.push(ExampleFailure {
                        rule: rule.id.clone(),
                        at: example.at.clone(),
                        text: example.value.clone(),
                        expected_to_fire: expected,
                    });
                }
            }
        }
        failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::Diagnostics;

    /// Runs while the default rules are being written: it checks whatever is there.
    #[test]
    fn every_default_rule_loads_and_passes_its_examples() {
        let catalog = Catalog::default_embedded();
        let mut diags = Diagnostics::default();
        let mut rules = RuleSetBuilder::new(&catalog);
        rules.add_defaults(&mut diags);
        let shown: Vec<String> = diags.items().iter().map(ToString::to_string).collect();
        assert_eq!(
            diags.errors(),
            0,
            "the default rules have errors:\n{}",
            shown.join("\n")
        );
        let matcher = rules.build().expect("the default rules compile");
        let failures: Vec<String> = matcher
            .check_examples()
            .iter()
            .map(|f| {
                let what = if f.expected_to_fire {
                    "does not fire on its example"
                } else {
                    "fires on its counterexample"
                };
                format!("{}: rule {} {what} {:?}", f.at, f.rule, f.text)
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
