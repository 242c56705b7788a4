//! Tests of flavour detection and of each flavour's mapping, on headers as exported.

use super::*;
use crate::import::options::{ColumnRef, ImportOptions};
use crate::import::Status;

fn h(names: &str, delim: char) -> Vec<String> {
    names.split(delim).map(str::to_string).collect()
}

const RT: &str = "id\tSubject\tQueue\tStatus\tOwner\tRequestors\tPriority\tCreated\tResolved\tTimeWorked\tCF.{Classification}";
const JIRA: &str = "Summary,Issue key,Issue id,Issue Type,Status,Project key,Project name,Priority,Assignee,Reporter,Created,Resolved,Component/s,Component/s,Labels,Labels,Labels,Description,Time Spent,Comment,Comment,Comment";
const SNOW: &str = "number,short_description,description,opened_at,resolved_at,closed_at,category,assignment_group,state,priority,time_worked";
const OTRS: &str = "Ticket Number;Age;Created;Closed;State;Priority;Queue;Owner;Customer Realname;Title;AccountedTime";
const ZAMMAD: &str = "#;Title;State;Priority;Group;Owner;Customer;Organization;Create Channel;Sender;Tags;Time Units Total;Created At;Updated At;Closed At";
const HIVE: &str = "number,title,description,severity,tlp,status,createdAt,endDate,tags";
const CORPUS: &str = "id,created,resolved,title,description,source_url";

#[test]
fn each_flavour_is_detected_from_its_header_and_says_why() {
    let cases = [
        (h(RT, '\t'), b'\t', Flavour::Rt, "TimeWorked"),
        (h(JIRA, ','), b',', Flavour::Jira, "Issue key"),
        (h(SNOW, ','), b',', Flavour::ServiceNow, "short_description"),
        (h(OTRS, ';'), b';', Flavour::Otrs, "Ticket Number"),
        (h(ZAMMAD, ';'), b';', Flavour::Zammad, "Time Units Total"),
        (h(HIVE, ','), b',', Flavour::TheHive, "tlp"),
        (h(CORPUS, ','), b',', Flavour::Generic, "no ticket system"),
    ];
    for (headers, delim, want, why) in cases {
        let d = detect(&headers, delim);
        assert_eq!(d.flavour, want, "{}", d.reason);
        assert!(d.reason.contains(why), "{want}: {}", d.reason);
    }
}

#[test]
fn a_minimal_rt_search_format_is_still_rt_when_tab_separated() {
    let headers = h("id\tSubject\tQueue\tStatus\tCreated", '\t');
    assert_eq!(detect(&headers, b'\t').flavour, Flavour::Rt);
    let headers = h("id\tsubject\tbody", '\t');
    assert_eq!(detect(&headers, b'\t').flavour, Flavour::Generic);
    let headers = h("id,Subject,Status,Created", ',');
    assert_eq!(detect(&headers, b',').flavour, Flavour::Generic);
}

#[test]
fn zammad_closed_at_is_not_servicenow_closed_at() {
    let d = detect(&h("#,Title,State,Closed At,Created At,Tags", ','), b',');
    assert_eq!(d.flavour, Flavour::Generic, "{}", d.reason);
    let d = detect(&h("number,closed_at,opened_at,state", ','), b',');
    assert_eq!(d.flavour, Flavour::ServiceNow, "{}", d.reason);
}

fn map(flavour: Flavour, headers: &[String]) -> Mapping {
    resolve(flavour.spec(), headers, &ImportOptions::default()).unwrap()
}

#[test]
fn jira_reads_every_repeated_column() {
    let headers = h(JIRA, ',');
    let m = map(Flavour::Jira, &headers);
    assert_eq!(m.id, Some(1));
    assert_eq!(m.title, Some(0));
    let names: Vec<&str> = m.texts.iter().map(|&c| headers[c].as_str()).collect();
    assert_eq!(
        names,
        [
            "Summary",
            "Labels",
            "Labels",
            "Labels",
            "Description",
            "Comment",
            "Comment",
            "Comment"
        ]
    );
    assert_eq!(
        (m.created, m.resolved.clone(), m.time_spent),
        (Some(10), vec![11], Some(18))
    );
    assert_eq!((m.status, m.priority, m.queue), (Some(4), Some(7), Some(6)));
}

#[test]
fn servicenow_prefers_resolved_at_then_closed_at() {
    let headers = h(SNOW, ',');
    let m = map(Flavour::ServiceNow, &headers);
    assert_eq!((m.id, m.title, m.created), (Some(0), Some(1), Some(3)));
    assert_eq!(m.resolved, [4, 5]);
    assert_eq!(
        (m.queue, m.status, m.time_spent),
        (Some(7), Some(8), Some(10))
    );
    assert_eq!(m.texts, [1, 2, 6]);
}

#[test]
fn rt_otrs_zammad_and_thehive_map_their_own_names() {
    let m = map(Flavour::Rt, &h(RT, '\t'));
    assert_eq!(
        (m.id, m.title, m.time_spent, m.queue),
        (Some(0), Some(1), Some(9), Some(2))
    );
    assert_eq!(m.texts, [1, 10], "Subject and CF.{{Classification}}");
    let m = map(Flavour::Otrs, &h(OTRS, ';'));
    assert_eq!(
        (m.id, m.title, m.created, m.resolved.clone()),
        (Some(0), Some(9), Some(2), vec![3])
    );
    assert_eq!(
        (m.status, m.time_spent, m.queue),
        (Some(4), Some(10), Some(6))
    );
    let m = map(Flavour::Zammad, &h(ZAMMAD, ';'));
    assert_eq!(
        (m.id, m.title, m.time_spent, m.created, m.resolved.clone()),
        (Some(0), Some(1), Some(11), Some(12), vec![14])
    );
    assert_eq!(m.texts, [1, 10]);
    let m = map(Flavour::TheHive, &h(HIVE, ','));
    assert_eq!(
        (m.id, m.title, m.priority, m.created, m.resolved.clone()),
        (Some(0), Some(1), Some(3), Some(6), vec![7])
    );
}

#[test]
fn generic_guesses_english_german_and_french_names() {
    let headers = h("id,created,resolved,title,description,source_url", ',');
    let m = map(Flavour::Generic, &headers);
    assert_eq!(
        (m.id, m.title, m.created, m.resolved.clone()),
        (Some(0), Some(3), Some(1), vec![2])
    );
    assert_eq!(m.texts, [3, 4]);
    let headers = h(
        "Nr.;Titel;Beschreibung;Erstellt;Gelöst;Status;Priorität;Kategorie;Aufwand (h)",
        ';',
    );
    let m = map(Flavour::Generic, &headers);
    assert_eq!(
        (m.id, m.title, m.created, m.resolved.clone()),
        (Some(0), Some(1), Some(3), vec![4])
    );
    assert_eq!(
        (m.status, m.priority, m.queue, m.time_spent),
        (Some(5), Some(6), Some(7), Some(8))
    );
    let headers = h(
        "Numéro|Objet|Description détaillée|Créé le|Statut|Date de clôture",
        '|',
    );
    let m = map(Flavour::Generic, &headers);
    assert_eq!(
        (m.id, m.title, m.created, m.status, m.resolved.clone()),
        (Some(0), Some(1), Some(3), Some(4), vec![5])
    );
    assert_eq!(m.texts, [1, 2]);
}

#[test]
fn options_override_the_flavour_and_unknown_columns_are_errors() {
    let headers = h("Ref,Headline,Body,When,Extra", ',');
    let opts = ImportOptions {
        id_col: Some(ColumnRef::Name("ref".into())),
        title_col: Some(ColumnRef::Index(2)),
        text_cols: vec![ColumnRef::Name("Body".into()), ColumnRef::Name("5".into())],
        created_col: Some(ColumnRef::Name("When".into())),
        ..ImportOptions::default()
    };
    let m = resolve(Flavour::Generic.spec(), &headers, &opts).unwrap();
    assert_eq!((m.id, m.title, m.created), (Some(0), Some(1), Some(3)));
    assert_eq!(m.texts, [1, 2, 4]);
    let opts = ImportOptions {
        status_col: Some(ColumnRef::Name("Stat".into())),
        ..ImportOptions::default()
    };
    let err = resolve(Flavour::Generic.spec(), &headers, &opts).unwrap_err();
    assert!(
        err.contains("no column `Stat`") && err.contains("Headline"),
        "{err}"
    );
}

#[test]
fn status_words_become_open_or_closed() {
    let s = StatusMap::new(Flavour::Otrs.spec(), &[]);
    assert_eq!(s.status("closed successful"), Status::Closed);
    assert_eq!(s.status("erfolgreich geschlossen"), Status::Closed);
    assert_eq!(s.status("open"), Status::Open);
    assert_eq!(s.status("pending reminder"), Status::Open);
    assert_eq!(s.status(" "), Status::Unknown);
    let s = StatusMap::new(Flavour::TheHive.spec(), &[]);
    assert_eq!(s.status("TruePositive"), Status::Closed);
    assert_eq!(s.status("InProgress"), Status::Open);
    let s = StatusMap::new(Flavour::Generic.spec(), &["Erledigt".to_string()]);
    assert_eq!(s.status("erledigt"), Status::Closed);
    assert_eq!(
        s.status("Closed"),
        Status::Open,
        "the user's list replaces the built-in words"
    );
}

#[test]
fn names_are_normalised_for_the_mapping() {
    assert_eq!(normalize("  Time_Spent "), "time spent");
    assert_eq!(normalize("\u{feff}Issue  Key"), "issue key");
    assert_eq!(normalize("Time-Units-Total"), "time units total");
    assert_eq!("snow".parse::<Flavour>().unwrap(), Flavour::ServiceNow);
    assert!("excel".parse::<Flavour>().is_err());
}
