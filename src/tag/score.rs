//! Scoring: the weights of the rules that fired, summed per service and per function, kept
//! where they reach the service's threshold, ranked.

use crate::catalog::EntryId;
use crate::rules::{Matcher, RuleId};

/// A score reaches a threshold when it is at least the threshold less this, so that
/// `0.1 + 0.2` reaches `0.3`: weights are decimal numbers written by people.
pub const SCORE_EPSILON: f64 = 1e-9;

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
/// Sums run in rule order, so the same rules give the same floating-point score on any
/// thread. A rule on a function adds to the function and to its service.
pub fn score_services(matcher: &Matcher, fired: &[RuleId]) -> Vec<ServiceTag> {
    let mut services: Vec<ServiceTag> = Vec::new();
    for &id in fired {
        let rule = matcher.rule(id);
        let i = match services.iter().position(|s| s.service == rule.service) {
            Some(i) => i,
            None => {
                services.push(ServiceTag {
                    service: rule.service,
                    score: 0.0,
                    functions: Vec::new(),
                });
                services.len() - 1
            }
        };
        let tag = &mut services[i];
        tag.score += rule.weight;
        if rule.target != rule.service {
            match tag.functions.iter_mut().find(|f| f.function == rule.target) {
                Some(f) => f.score += rule.weight,
                None => tag.functions.push(FunctionTag {
                    function: rule.target,
                    score: rule.weight,
                }),
            }
        }
    }
    for s in &mut services {
        s.functions.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.function.cmp(&b.function))
        });
    }
    services.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.service.cmp(&b.service)));
    services
}

/// Whether a service's score reaches its threshold.
pub fn reaches(matcher: &Matcher, tag: &ServiceTag) -> bool {
    tag.score + SCORE_EPSILON >= matcher.threshold(tag.service).0
}

/// The services of [`score_services`] that reach their threshold, still ranked.
pub fn tagged_services(matcher: &Matcher, fired: &[RuleId]) -> Vec<ServiceTag> {
    let mut services = score_services(matcher, fired);
    services.retain(|s| reaches(matcher, s));
    services
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::rules::RuleSetBuilder;
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
        let tags = tagged_services(&m, &all_fired(&m));
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
        let tags = tagged_services(&m, &all_fired(&m));
        assert_eq!(catalog.entry(tags[0].service).id, "5.2");
        assert_eq!(catalog.entry(tags[1].service).id, "9.1");
    }

    #[test]
    fn decimal_weights_reach_an_equal_threshold() {
        let catalog = Catalog::default_embedded();
        let toml = RULES.replace("\"6.6\" = 2.5", "\"6.6\" = 2.5\n\"6.4\" = 0.3");
        let m = matcher(&catalog, &toml);
        let tags = tagged_services(&m, &all_fired(&m));
        assert!(tags.iter().any(|t| catalog.entry(t.service).id == "6.4"));
    }
}
