//! Test helpers of the tagger (a ticket as the import would give it, taggers built once);
//! the property that parallel tagging equals sequential tagging is the pipeline's
//! (`pipeline::tests`), as it is the pipeline that tags in parallel.

use std::sync::{Arc, OnceLock};

use proptest::prelude::*;

use crate::catalog::{Catalog, CatalogIndex};
use crate::import::Ticket;
use crate::rules::RuleSetBuilder;
use crate::tag::Fallback;
use crate::tag::Tagger;
use crate::Diagnostics;

/// A ticket with a title and a description, as the import would give it from a Jira
/// export (fields `Summary` in column 0 and `Description` in column 1).
pub(crate) fn ticket(id: &str, title: &str, description: &str) -> Ticket {
    let mut ticket = Ticket::from_text(Some(title), description);
    for field in &mut ticket.texts {
        (field.column, field.name) = match field.is_title {
            true => (0, Arc::from("Summary")),
            false => (1, Arc::from("Description")),
        };
    }
    ticket.id = id.to_string();
    ticket.line = 1;
    ticket
}

const RULES: &str = r#"
    [[rule]]
    id = "phishing"
    service = "6.2"
    any = ["phish*", "credential harvesting"]
    none = ["phishing simulation"]
    [[rule]]
    id = "sample"
    service = "6.3.2"
    any = ["malware sample", "reverse engineering"]
    weight = 0.5
    [[rule]]
    id = "sample-title"
    service = "6.3"
    any = ["sample"]
    fields = ["title"]
    weight = 0.5
    [[rule]]
    id = "restore"
    service = "6.4"
    all = ["restore", "backup"]
    [[rule]]
    id = "cve"
    service = "7.3"
    regex = ['\bcve-\d{4}-\d{4,}\b']
    [[rule]]
    id = "near-ab"
    service = "8.3"
    near = [["alpha"], ["beta"]]
"#;

fn matcher(catalog: &Catalog) -> crate::rules::Matcher {
    let mut diags = Diagnostics::default();
    let mut rules = RuleSetBuilder::new(catalog);
    rules.add_str(RULES, "t.toml".as_ref(), &mut diags);
    assert!(diags.is_empty(), "{:?}", diags.items());
    rules.build().unwrap()
}

/// A tagger with a few inline rules and the index fallback, built once for all tests.
pub(crate) fn tagger() -> &'static Tagger {
    static TAGGER: OnceLock<Tagger> = OnceLock::new();
    TAGGER.get_or_init(|| {
        let catalog = Catalog::default_embedded();
        let index = CatalogIndex::build(&catalog).unwrap();
        let matcher = matcher(&catalog);
        Tagger::new(catalog, matcher)
            .unwrap()
            .with_fallback(Some(Fallback::new(index)))
    })
}

/// The same rules without the fallback. The property below runs on it because the
/// index's scores are not bit-for-bit reproducible yet: `CatalogIndex::search` builds its
/// query from a `HashSet`, whose order (hence the order of the BM25 sum) changes from call
/// to call, so raw scores differ in their last bits and exact ties may flip.
pub(crate) fn rules_only() -> &'static Tagger {
    static TAGGER: OnceLock<Tagger> = OnceLock::new();
    TAGGER.get_or_init(|| {
        let catalog = Catalog::default_embedded();
        let matcher = matcher(&catalog);
        Tagger::new(catalog, matcher).unwrap()
    })
}

const WORDS: &[&str] = &[
    "phishing",
    "Phished",
    "credential",
    "harvesting",
    "simulation",
    "malware",
    "sample",
    "samples",
    "reverse",
    "engineering",
    "restored",
    "backup",
    "from",
    "CVE-2024-12345",
    "kids",
    "scandal",
    "ﬁle",
    "Straße",
    "tabletop",
    "exercise",
    "ddos",
    "advisory",
    "-",
    ",",
    "\n",
    "forensic",
    "image",
    "vulnerability",
    "patch",
    "é",
];

pub(crate) fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..12).prop_map(|w| w.join(" "))
}

#[test]
fn a_tagger_can_be_shared_across_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Tagger>();
    shared::<crate::rules::Matcher>();
}
