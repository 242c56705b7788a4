//! Each lint with a rule set that triggers it and one that does not.

use super::*;
use crate::rules::RuleSetBuilder;
use crate::Diagnostics;

/// The lint messages of a rules text (which must load without errors).
fn lints(text: &str) -> Vec<String> {
    let catalog = Catalog::default_embedded();
    let mut diags = Diagnostics::default();
    let mut rules = RuleSetBuilder::new(&catalog);
    rules.add_str(text, "t.toml".as_ref(), &mut diags);
    assert_eq!(diags.errors(), 0, "{:?}", diags.items());
    let matcher = rules.build().unwrap();
    lint(&matcher, &catalog)
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn rule(id: &str, body: &str) -> String {
    format!("[[rule]]\nid = \"{id}\"\nservice = \"6.3\"\n{body}\n")
}

#[test]
fn a_word_listed_twice_is_reported_once_at_its_second_place() {
    let found = lints(&rule(
        "a",
        "any = [\"malware sample\", \"=Malware  Sample\"]",
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("t.toml:4:26: warning: rule a: any"),
        "{found:?}"
    );
    assert!(lints(&rule("a", "any = [\"malware sample\", \"sandbox\"]")).is_empty());
}

#[test]
fn a_none_word_that_the_rule_requires_is_reported() {
    let found = lints(&rule(
        "a",
        "any = [\"sandbox\"]\nall = [\"sample\"]\nnone = [\"sample\"]",
    ));
    assert!(
        found
            .iter()
            .any(|f| f.contains("vetoes its own `all` word")),
        "{found:?}"
    );
    let found = lints(&rule(
        "a",
        "any = [\"sandbox\"]\nall = [\"sample\"]\nnone = [\"test\"]",
    ));
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_short_or_common_any_word_is_reported() {
    let found = lints(&rule("a", "any = [\"ir\", \"the\", \"sandbox\"]"));
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(lints(&rule("a", "all = [\"ir\"]\nany = [\"sandbox\"]")).is_empty());
}

#[test]
fn a_rule_covered_by_a_heavier_one_is_redundant() {
    let text = rule("big", "any = [\"sample\", \"sandbox\"]\nweight = 2.0")
        + &rule("small", "any = [\"sample\"]");
    let found = lints(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("rule small is redundant: rule big"),
        "{found:?}"
    );
    // An extra condition (`all`) on the bigger rule means it does not fire whenever the other does.
    let text = rule(
        "big",
        "any = [\"sample\", \"sandbox\"]\nall = [\"malware\"]",
    ) + &rule("small", "any = [\"sample\"]");
    assert!(lints(&text).is_empty());
}

#[test]
fn identical_rules_report_only_the_later_one() {
    let text = rule("one", "any = [\"sample\"]") + &rule("two", "any = [\"sample\"]");
    let found = lints(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("rule two is redundant"), "{found:?}");
}

#[test]
fn a_threshold_above_every_rule_together_is_reported() {
    let text = String::from("[thresholds]\n\"6.3\" = 3.0\n")
        + &rule("a", "any = [\"sample\"]")
        + &rule("b", "any = [\"sandbox\"]");
    let found = lints(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("t.toml:2:"),
        "at the threshold: {found:?}"
    );
    let text = String::from("[thresholds]\n\"6.3\" = 2.0\n")
        + &rule("a", "any = [\"sample\"]")
        + &rule("b", "any = [\"sandbox\"]");
    assert!(lints(&text).is_empty());
}

#[test]
fn a_regex_that_needs_no_word_is_reported_as_slow() {
    let found = lints(&rule("h", "regex = ['\\b[0-9a-f]{64}\\b']"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .starts_with("t.toml:4:10: warning: rule h: regex `\\b[0-9a-f]{64}\\b` needs no word"),
        "{found:?}"
    );
    // With a word every match must contain, it is gated by that word: fine.
    assert!(lints(&rule("h", "regex = ['sha256:?\\s*[0-9a-f]{64}\\b']")).is_empty());
}
