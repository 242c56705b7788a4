//! Gold labels and the evaluator on a hand-computed case.

use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::import::{Status, TextField};
use crate::tag::{ServiceTag, TagSource};

fn ticket(id: &str, hours: f64) -> Ticket {
    Ticket {
        source: 0,
        line: 2,
        record: 1,
        id: id.into(),
        title: String::new(),
        texts: vec![TextField {
            column: 0,
            name: Arc::from("text"),
            is_title: false,
            text: "x".into(),
        }],
        created: None,
        resolved: None,
        status: Status::Unknown,
        time_spent: Some(hours * 3600.0),
        priority: None,
        queue: None,
        raw: Vec::new(),
    }
}

fn tagging(catalog: &Catalog, ids: &[&str]) -> Tagging {
    let services: Vec<ServiceTag> = ids
        .iter()
        .map(|id| ServiceTag {
            service: catalog.resolve(id).unwrap(),
            score: 1.0,
            functions: Vec::new(),
        })
        .collect();
    let source = if services.is_empty() {
        TagSource::None
    } else {
        TagSource::Rule
    };
    Tagging {
        services,
        source,
        rules: Vec::new(),
        zones: Vec::new(),
        like: Vec::new(),
        votes: Vec::new(),
    }
}

const GOLD: &str =
    "id,services,primary\nA,6.2;6.5,6.2\nB,6.4.3,6.4\nC,9.9,9.9\nA,6.3,6.3\nD,5.1,\n";

#[test]
fn gold_labels_fold_functions_and_report_bad_rows() {
    let catalog = Catalog::default_embedded();
    let mut diags = Diagnostics::default();
    let gold = Gold::from_csv(GOLD, Path::new("gold.csv"), &catalog, &mut diags).unwrap();
    assert_eq!(gold.ids().collect::<Vec<_>>(), ["A", "B", "D"]);
    let b = gold.get("B").unwrap();
    assert_eq!(
        b.services,
        [catalog.resolve("6.4").unwrap()],
        "6.4.3 counts as 6.4"
    );
    assert_eq!(
        gold.get("D").unwrap().primary,
        None,
        "an empty primary is no primary"
    );
    assert_eq!(
        diags.errors(),
        3,
        "9.9 as service and as primary, and A twice"
    );
    assert_eq!(diags.items()[0].at.line, 4);
}

#[test]
fn a_review_file_skips_rows_not_labelled_and_reads_guarded_ids_and_none() {
    let catalog = Catalog::default_embedded();
    let mut diags = Diagnostics::default();
    let text = "id,part,predicted_services,services,primary\n\
                '-17,random,6.2,6.4,6.4\n\
                A,random,6.2,,\n\
                B,targeted,,none,\n";
    let gold = Gold::from_csv(text, Path::new("r.csv"), &catalog, &mut diags).unwrap();
    assert!(diags.is_empty(), "{:?}", diags.items());
    assert_eq!(gold.ids().collect::<Vec<_>>(), ["-17", "B"]);
    assert_eq!(gold.unreviewed, 1, "A is not labelled yet");
    assert!(
        gold.get("B").unwrap().services.is_empty(),
        "`none`: no service"
    );
    // In a gold file that is not a review file, an empty row is a label: no service.
    let gold = Gold::from_csv(
        "id,services\nA,\n",
        Path::new("g.csv"),
        &catalog,
        &mut diags,
    );
    assert_eq!(gold.unwrap().ids().collect::<Vec<_>>(), ["A"]);
}

#[test]
fn a_gold_file_without_the_services_column_fails() {
    let catalog = Catalog::default_embedded();
    let mut diags = Diagnostics::default();
    let err = Gold::from_csv(
        "id,labels\nA,6.2\n",
        Path::new("g.csv"),
        &catalog,
        &mut diags,
    );
    assert!(err.unwrap_err().to_string().contains("`id` and `services`"));
}

#[test]
fn the_evaluator_counts_a_hand_computed_case() {
    let catalog = Catalog::default_embedded();
    let mut diags = Diagnostics::default();
    let gold = Gold::from_csv(GOLD, Path::new("gold.csv"), &catalog, &mut diags).unwrap();
    let mut ev = Evaluator::new(&catalog, &gold);
    // A: gold 6.2, 6.5 (primary 6.2); tagged 6.5, 6.3 -> 6.5 tp, 6.2 fn, 6.3 fp; primary wrong.
    let errors = ev.record(&ticket("A", 1.0), &tagging(&catalog, &["6.5", "6.3"]));
    let id = |s: &str| catalog.resolve(s).unwrap();
    assert_eq!(
        errors,
        Some(TicketErrors {
            misses: vec![id("6.2")],
            false_alarms: vec![id("6.3")]
        })
    );
    // B: gold 6.4, tagged 6.4 -> tp, primary right.
    assert_eq!(
        ev.record(&ticket("B", 2.0), &tagging(&catalog, &["6.4"])),
        Some(TicketErrors::default())
    );
    // Z: no gold label: counted, not scored, but its workload counts.
    assert_eq!(
        ev.record(&ticket("Z", 4.0), &tagging(&catalog, &["6.4"])),
        None
    );
    let r = ev.finish(&catalog);
    assert_eq!((r.scored, r.without_gold), (2, 1));
    assert_eq!(r.missing_from_input, ["D"]);
    // Summed: tp 2 (6.5, 6.4), fp 1 (6.3), fn 1 (6.2): p = r = 2/3.
    assert!((r.micro.precision - 2.0 / 3.0).abs() < 1e-12);
    assert!((r.micro.recall - 2.0 / 3.0).abs() < 1e-12);
    // Active services 6.2 (f1 0), 6.3 (0), 6.4 (1), 6.5 (1): macro f1 = 0.5 over 4.
    assert_eq!(r.macro_services, 4);
    assert!((r.macro_scores.f1 - 0.5).abs() < 1e-12);
    assert_eq!((r.primary.correct, r.primary.total), (1, 2));
    assert_eq!(r.confusion.len(), 2);
    let w64 = r.workload.iter().find(|w| w.id == "6.4").unwrap();
    assert_eq!((w64.tickets, w64.hours), (2, 6.0));
}
