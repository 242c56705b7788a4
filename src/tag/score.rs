//! Scoring: the weights of the rules that fired, summed per service and per function, kept
//! where they reach the service's threshold, ranked.

use crate::catalog::EntryId;
use crate::rules::{Matcher, RuleId};

/// A score reaches a threshold when it is at least the threshold less this, so that
/// `0.1 + 0.2` reaches `0.3`: weights are decimal numbers written by people.
pub const SCORE_EPSILON: f64 = 1e-9;

/// Functions a reused [`ServiceTag`] has room for.
const FUNCTIONS_ROOM: usize = 8;

/// One service of a tagging, with its score and the functions whose rules fired.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceTag {
    /// The service.
    pub service: EntryId,
    /// Sum of the weights of its rules that fired (for a tag from the index: the normalised
    /// index score, see `docs/rules.md`).
    pub score: f64,
    /// Functions of the service whose rules fired, best first.
    pub functions: Vec<FunctionTag>,
}

/// A function under a [`ServiceTag`].
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionTag {
    /// The function.
    pub function: EntryId,
    /// Sum of the weights of the rules on this function that fired.
    pub score: f64,
}

/// Every service with a rule that fired, scored, ranked: score descending, then catalog order.
///
/// `zones[i]` holds the zones where rule `fired[i]`'s words were found
/// ([`Found::fired_zones`](crate::rules::Found::fired_zones)): its weight counts times the
/// factor of the best of them. Sums run in rule order, so the same rules give the same
/// floating-point score on any thread. A rule on a function adds to the function and to its
/// service.
pub fn score_services(matcher: &Matcher, fired: &[RuleId], zones: &[u8]) -> Vec<ServiceTag> {
    let mut services = Vec::new();
    score_services_into(matcher, fired, zones, &mut services, &mut Vec::new());
    services
}

/// [`score_services`] into `out`, reusing its entries and those of `spare` (entries no longer
/// needed go there, their buffers kept), so that a warm caller allocates nothing.
pub(crate) fn score_services_into(
    matcher: &Matcher,
    fired: &[RuleId],
    zones: &[u8],
    out: &mut Vec<ServiceTag>,
    spare: &mut Vec<ServiceTag>,
) {
    debug_assert_eq!(fired.len(), zones.len());
    spare.append(out);
    let factors = matcher.zone_factors();
    for (&id, &z) in fired.iter().zip(zones) {
        let rule = matcher.rule(id);
        let weight = rule.weight * factors.best(z);
        let i = match out.iter().position(|s| s.service == rule.service) {
            Some(i) => i,
            None => {
                let mut tag = spare.pop().unwrap_or_else(|| ServiceTag {
                    service: rule.service,
                    score: 0.0,
                    // Room for every function of any service of the FIRST frameworks (at most
                    // 6), so that a tag reused for another service never grows.
                    functions: Vec::with_capacity(FUNCTIONS_ROOM),
                });
                tag.service = rule.service;
                tag.score = 0.0;
                tag.functions.clear();
                out.push(tag);
                out.len() - 1
            }
        };
        let tag = &mut out[i];
        tag.score += weight;
        if rule.target != rule.service {
            match tag.functions.iter_mut().find(|f| f.function == rule.target) {
                Some(f) => f.score += weight,
                None => tag.functions.push(FunctionTag {
                    function: rule.target,
                    score: weight,
                }),
            }
        }
    }
    for s in out.iter_mut() {
        // Stable and in place: few functions, and `sort_by` would allocate its merge buffer.
        s.functions.sort_unstable_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.function.cmp(&b.function))
        });
    }
    out.sort_unstable_by(|a, b| b.score.total_cmp(&a.score).then(a.service.cmp(&b.service)));
}

/// Whether a service's score reaches its threshold.
pub fn reaches(matcher: &Matcher, tag: &ServiceTag) -> bool {
    tag.score + SCORE_EPSILON >= matcher.threshold(tag.service).0
}

/// The services of [`score_services`] that reach their threshold, still ranked.
pub fn tagged_services(matcher: &Matcher, fired: &[RuleId], zones: &[u8]) -> Vec<ServiceTag> {
    let mut services = Vec::new();
    tagged_services_into(matcher, fired, zones, &mut services, &mut Vec::new());
    services
}

/// [`tagged_services`] into `out`, reusing buffers as [`score_services_into`] does.
pub(crate) fn tagged_services_into(
    matcher: &Matcher,
    fired: &[RuleId],
    zones: &[u8],
    out: &mut Vec<ServiceTag>,
    spare: &mut Vec<ServiceTag>,
) {
    score_services_into(matcher, fired, zones, out, spare);
    // Those below their threshold go back to `spare`, in rank order kept for the others.
    let mut i = 0;
    while i < out.len() {
        if reaches(matcher, &out[i]) {
            i += 1;
        } else {
            spare.push(out.remove(i));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::rules::{RuleSetBuilder, Zone};
    use crate::Diagnostics;

    fn matcher(catalog: &Catalog, toml: &str) -> Matcher {
        let mut diags = Diagnostics::default();
        let mut rules = RuleSetBuilder::new(catalog);
        rules.add_str(toml, "t.toml".as_ref(), &mut diags);
        assert!(diags.is_empty(), "{:?}", diags.items());
        rules.build().unwrap()
    }

    fn all_fired(m: &Matcher) -> Vec<RuleId> {
        (0..m.rules().len() as u32).map(RuleId).collect()
    }

    /// Every rule found in the body.
    fn body(fired: &[RuleId]) -> Vec<u8> {
        vec![Zone::Body.bit(); fired.len()]
    }

    const RULES: &str = r#"
        threshold = 1.0
        [thresholds]
        "6.6" = 2.5
        [[rule]]
        id = "a"
        service = "6.3.2"
        any = ["x"]
        weight = 0.5
        [[rule]]
        id = "b"
        service = "6.3"
        any = ["x"]
        weight = 0.5
        [[rule]]
        id = "c"
        service = "6.6"
        any = ["x"]
        weight = 2.0
        [[rule]]
        id = "d"
        service = "5.1"
        any = ["x"]
        weight = 2.0
        [[rule]]
        id = "e"
        service = "6.4"
        any = ["x"]
        weight = 0.1
        [[rule]]
        id = "f"
        service = "6.4"
        any = ["x"]
        weight = 0.2
    "#;

    #[test]
    fn functions_add_to_their_service_and_thresholds_cut() {
        let catalog = Catalog::default_embedded();
        let m = matcher(&catalog, RULES);
        let fired = all_fired(&m);
        let tags = tagged_services(&m, &fired, &body(&fired));
        let ids: Vec<&str> = tags
            .iter()
            .map(|t| catalog.entry(t.service).id.as_str())
            .collect();
        // 6.6 scores 2.0 < 2.5; 6.4 scores 0.1 + 0.2 < 1.0.
        assert_eq!(ids, ["5.1", "6.3"]);
        let artifact = &tags[1];
        assert_eq!(artifact.score, 1.0);
        assert_eq!(catalog.entry(artifact.functions[0].function).id, "6.3.2");
    }

    #[test]
    fn ties_are_broken_by_catalog_order() {
        let catalog = Catalog::default_embedded();
        let toml = r#"
            [[rule]]
            id = "late"
            service = "9.1"
            any = ["x"]
            [[rule]]
            id = "early"
            service = "5.2"
            any = ["x"]
        "#;
        let m = matcher(&catalog, toml);
        let fired = all_fired(&m);
        let tags = tagged_services(&m, &fired, &body(&fired));
        assert_eq!(catalog.entry(tags[0].service).id, "5.2");
        assert_eq!(catalog.entry(tags[1].service).id, "9.1");
    }

    #[test]
    fn decimal_weights_reach_an_equal_threshold() {
        let catalog = Catalog::default_embedded();
        let toml = RULES.replace("\"6.6\" = 2.5", "\"6.6\" = 2.5\n\"6.4\" = 0.3");
        let m = matcher(&catalog, &toml);
        let fired = all_fired(&m);
        let tags = tagged_services(&m, &fired, &body(&fired));
        assert!(tags.iter().any(|t| catalog.entry(t.service).id == "6.4"));
    }
}

#[cfg(test)]
mod zone_tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::rules::{RuleSetBuilder, Scratch};
    use crate::Diagnostics;

    fn tags(toml: &str, text: &str) -> Vec<(String, f64)> {
        let catalog = Catalog::default_embedded();
        let mut diags = Diagnostics::default();
        let mut rules = RuleSetBuilder::new(&catalog);
        rules.add_str(toml, "t.toml".as_ref(), &mut diags);
        assert!(diags.is_empty(), "{:?}", diags.items());
        let m = rules.build().unwrap();
        let field = crate::import::TextField {
            column: 0,
            name: "Description".into(),
            is_title: false,
            text: text.to_string(),
        };
        let mut scratch = Scratch::default();
        let found = m.find(std::slice::from_ref(&field), &mut scratch, false);
        tagged_services(&m, found.fired(), found.fired_zones())
            .into_iter()
            .map(|t| (catalog.entry(t.service).id.clone(), t.score))
            .collect()
    }

    const RULES: &str = r#"
        [[rule]]
        id = "notify"
        service = "6.5"
        any = ["notify the sender"]
        [[rule]]
        id = "reset"
        service = "6.4"
        any = ["reset your password"]
        weight = 1.5
    "#;

    #[test]
    fn words_in_quoted_history_and_signatures_weigh_less() {
        let disclaimer = "This e-mail is confidential and meant for the intended recipient only; \
                          if you received this message in error, please notify the sender.";
        // In the body, both fire in full.
        let body = "Please reset your password. We will notify the sender.";
        assert_eq!(
            tags(RULES, body),
            [("6.4".into(), 1.5), ("6.5".into(), 1.0)]
        );
        // In a disclaimer, nothing; in quoted history, half.
        let mail = "FYI below.\n\nFrom: it@corp.example\nSent: Monday\nreset your password here\n";
        assert_eq!(tags(RULES, mail), []); // 1.5 * 0.5 < 1.0
        let text = format!("Done, closing.\n\n{disclaimer}\n");
        assert_eq!(tags(RULES, &text), []);
    }

    #[test]
    fn a_veto_word_in_a_disclaimer_vetoes_nothing() {
        let rules = r#"
            [[rule]]
            id = "report"
            service = "6.1"
            any = ["please check this mail"]
            none = ["received this message in error"]
        "#;
        let disclaimer = "This e-mail is confidential and meant for the intended recipient \
                          only; if you received this message in error, please notify the sender.";
        // The veto is in the disclaimer, which weighs nothing: the rule fires.
        let mail = format!("Please check this mail, it looks odd.\n\n{disclaimer}\n");
        assert_eq!(tags(rules, &mail), [("6.1".into(), 1.0)]);
        // The same words in the ticket's own text veto it.
        let own = "Please check this mail: I received this message in error.";
        assert_eq!(tags(rules, own), []);
    }

    #[test]
    fn a_rules_file_sets_the_zone_factors() {
        let rules = format!("[zones]\nquoted = 1.0\nsignature = 0.25\n{RULES}");
        let mail = "FYI below.\n\nFrom: it@corp.example\nSent: Monday\nreset your password\n";
        assert_eq!(tags(&rules, mail), [("6.4".into(), 1.5)]);
    }
}
