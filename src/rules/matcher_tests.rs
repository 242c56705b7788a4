//! Engine tests: what fires on what. Rules are inline TOML; see `docs/rules.md`.

use std::sync::Arc;

use super::*;
use crate::catalog::Catalog;
use crate::rules::RuleSetBuilder;
use crate::Diagnostics;

fn matcher(toml: &str) -> Matcher {
    let catalog = Catalog::default_embedded();
    let mut diags = Diagnostics::default();
    let mut rules = RuleSetBuilder::new(&catalog);
    rules.add_str(toml, "t.toml".as_ref(), &mut diags);
    assert!(diags.is_empty(), "{:?}", diags.items());
    rules.build().unwrap()
}

/// A matcher with one rule `r` on 6.3 with these `any` words.
fn any(words: &[&str]) -> Matcher {
    let list: Vec<String> = words.iter().map(|w| format!("{w:?}")).collect();
    matcher(&format!(
        "[[rule]]\nid = \"r\"\nservice = \"6.3\"\nany = [{}]\n",
        list.join(", ")
    ))
}

/// The ids of the rules that fire on `text`.
fn fired(m: &Matcher, text: &str) -> Vec<String> {
    let mut scratch = Scratch::default();
    let found = m.find_in_text(text, &mut scratch, false);
    found
        .fired()
        .iter()
        .map(|&r| m.rule(r).id.clone())
        .collect()
}

fn fires(m: &Matcher, text: &str) -> bool {
    !fired(m, text).is_empty()
}

fn field(name: &str, is_title: bool, text: &str) -> TextField {
    TextField {
        column: 0,
        name: Arc::from(name),
        is_title,
        text: text.to_string(),
    }
}

#[test]
fn a_word_never_fires_inside_a_longer_word() {
    let m = any(&["ids", "scan"]);
    assert!(fires(&m, "IDS alert on the DMZ"));
    assert!(!fires(&m, "the kids' laptop"));
    assert!(!fires(&m, "a scandal in the press"));
    assert!(!fires(&m, "ids2 idsx"));
}

#[test]
fn plurals_and_common_endings_match_without_listing_them() {
    let m = any(&["scan"]);
    for text in [
        "port scans",
        "SCANNED twice",
        "scanning from",
        "a scanner",
        "scanners",
    ] {
        assert!(fires(&m, text), "{text}");
    }
    let m = any(&["exploit", "sample", "policy", "restore from backup"]);
    for text in [
        "exploited",
        "exploiting",
        "exploits",
        "samples",
        "policies",
        "restored from backups",
    ] {
        assert!(fires(&m, text), "{text}");
    }
    // Inflections go one way: a rule word never matches a shorter text word.
    assert!(!fires(&any(&["letter"]), "let us know"));
    assert!(!fires(&any(&["scanning"]), "scan"));
}

#[test]
fn an_equals_sign_turns_inflections_off() {
    let m = any(&["=dos"]);
    assert!(fires(&m, "DoS attack"));
    assert!(!fires(&m, "vaccine doses"));
}

#[test]
fn phrases_match_across_any_run_of_spaces_and_punctuation() {
    let m = any(&["reverse engineering"]);
    for text in [
        "Reverse-engineering",
        "reverse   engineering:",
        "reverse\n\t engineering",
        "(reverse) -- engineering",
    ] {
        assert!(fires(&m, text), "{text}");
    }
    assert!(!fires(&m, "reverse the engineering"));
    assert!(!fires(&m, "reverseengineering"));
}

#[test]
fn overlapping_words_are_all_found() {
    let m = matcher(
        r#"
        [[rule]]
        id = "long"
        service = "6.3"
        any = ["reverse engineering"]
        [[rule]]
        id = "short"
        service = "6.3.2"
        any = ["engineering"]
        [[rule]]
        id = "middle"
        service = "6.3"
        all = ["engineering team"]
    "#,
    );
    assert_eq!(
        fired(&m, "our reverse engineering team"),
        ["long", "short", "middle"]
    );
}

#[test]
fn a_trailing_wildcard_matches_any_word_with_the_prefix() {
    let m = any(&["phish*"]);
    for text in ["phish", "Phishing", "phished", "PHISHERS", "phishkit"] {
        assert!(fires(&m, text), "{text}");
    }
    assert!(!fires(&m, "phi"));
    assert!(!fires(&m, "spearphishing"));
    let m = any(&["encrypti*", "credential stuff*"]);
    assert!(fires(&m, "encryption"));
    assert!(fires(&m, "Credentials-stuffing wave"));
    assert!(!fires(&m, "encrypted"));
}

#[test]
fn all_needs_every_word_and_none_vetoes() {
    let m = matcher(
        r#"
        [[rule]]
        id = "r"
        service = "6.4"
        any = ["ransomware"]
        all = ["restore", "backup"]
        none = ["phishing simulation", "=test"]
    "#,
    );
    assert!(fires(&m, "Ransomware: restored from backup"));
    assert!(!fires(&m, "Ransomware: restored from tape"));
    assert!(!fires(
        &m,
        "Restored the backup, no ransomware... just a test"
    ));
    let mut scratch = Scratch::default();
    let found = m.find_in_text("ransomware restore backup test", &mut scratch, false);
    assert_eq!((found.fired().len(), found.vetoed().len()), (0, 1));
}

#[test]
fn regexes_are_case_insensitive_and_count_as_any() {
    let m = matcher(
        r#"
        [[rule]]
        id = "cve"
        service = "7.3"
        regex = ['\bcve-\d{4}-\d{4,}\b']
        [[rule]]
        id = "cve-and-patch"
        service = "7.6"
        regex = ['\bcve-\d{4}-\d{4,}\b']
        all = ["patch"]
    "#,
    );
    assert_eq!(fired(&m, "see CVE-2021-44228"), ["cve"]);
    assert_eq!(
        fired(&m, "Patched cve-2021-44228."),
        ["cve", "cve-and-patch"]
    );
    assert!(fired(&m, "CVE-21-1").is_empty());
}

#[test]
fn fields_limit_where_a_rule_reads() {
    let m = matcher(
        r#"
        [[rule]]
        id = "in-title"
        service = "6.3"
        any = ["sample"]
        fields = ["title"]
        [[rule]]
        id = "in-text"
        service = "6.3"
        any = ["sample"]
        fields = ["text"]
        [[rule]]
        id = "in-comment"
        service = "6.3"
        any = ["sample"]
        fields = ["comment", "column:Text"]
    "#,
    );
    let fired_in = |fields: &[TextField]| -> Vec<String> {
        let mut scratch = Scratch::default();
        let found = m.find(fields, &mut scratch, false);
        found
            .fired()
            .iter()
            .map(|&r| m.rule(r).id.clone())
            .collect()
    };
    assert_eq!(
        fired_in(&[field("Summary", true, "a sample")]),
        ["in-title"]
    );
    assert_eq!(
        fired_in(&[field("Description", false, "samples")]),
        ["in-text"]
    );
    assert_eq!(
        fired_in(&[field("COMMENT", false, "sample")]),
        ["in-text", "in-comment"]
    );
    assert_eq!(
        fired_in(&[field("Summary", true, "x"), field("Text", false, "x")]),
        Vec::<String>::new()
    );
    assert_eq!(
        fired_in(&[field("Text", false, "sample")]),
        ["in-text", "in-comment"]
    );
}

#[test]
fn text_is_unicode_normalised_and_offsets_point_into_the_original() {
    let m = any(&["phishing", "file"]);
    let text = "Ａlert: ＰＨＩＳＨＩＮＧ, see ﬁle";
    let mut scratch = Scratch::default();
    let fields = [field("Description", false, text)];
    let found = m.find(&fields, &mut scratch, true);
    let texts: Vec<&str> = found
        .rule_hits(RuleId(0))
        .iter()
        .map(|h| &text[h.hit.start..h.hit.end])
        .collect();
    assert_eq!(texts, ["ＰＨＩＳＨＩＮＧ", "ﬁle"]);
}

#[test]
fn ascii_offsets_are_the_original_ones() {
    let m = any(&["restore from backup"]);
    let text = "Server FS01 Restored-from backup after ransomware";
    let mut scratch = Scratch::default();
    let fields = [field("Description", false, text)];
    let hits = m.find(&fields, &mut scratch, true).rule_hits(RuleId(0));
    assert_eq!(
        &text[hits[0].hit.start..hits[0].hit.end],
        "Restored-from backup"
    );
}

#[test]
fn the_scratch_is_clean_between_tickets() {
    let m = any(&["sample"]);
    let mut scratch = Scratch::default();
    assert_eq!(
        m.find_in_text("sample", &mut scratch, false).fired().len(),
        1
    );
    assert_eq!(
        m.find_in_text("nothing here", &mut scratch, false)
            .fired()
            .len(),
        0
    );
    let other = any(&["x", "y", "z", "sample"]);
    assert_eq!(
        other.find_in_text("z", &mut scratch, false).fired().len(),
        1
    );
    assert_eq!(m.find_in_text("z", &mut scratch, false).fired().len(), 0);
}

#[test]
fn a_rule_set_without_words_still_runs_regexes() {
    let m = matcher("[[rule]]\nid = \"r\"\nservice = \"6.3\"\nregex = ['\\d+']\n");
    assert!(fires(&m, "42"));
    assert!(!fires(&m, "no digits"));
}

#[test]
fn the_inflection_table_of_the_docs_holds() {
    // docs/rules.md, "Inflections, exactly": one line per row of the table.
    let cases: &[(&str, &[&str], &[&str])] = &[
        (
            "restore",
            &["restores", "restored", "restoring", "restorer", "restorers"],
            &["restor", "restoreed"],
        ),
        (
            "policy",
            &["policies", "policied", "policier", "policying"],
            &["policys", "polic"],
        ),
        ("patch", &["patches", "patched", "patching"], &["patchs"]),
        ("sample", &["samples", "sampled", "sampling"], &["sampl"]),
        (
            "exploit",
            &["exploits", "exploited", "exploiting", "exploiter"],
            &["exploitation", "exploi"],
        ),
        ("infect", &["infection", "infections"], &["infectious"]),
        (
            "scan",
            &["scans", "scanned", "scanning", "scanner", "scanners"],
            &["scandal", "sca"],
        ),
        (
            "contain",
            &["containment", "containments", "container"],
            &["contai"],
        ),
        ("ids", &["IDS", "idses"], &["kids", "id", "IDSs"]),
    ];
    for (word, yes, no) in cases {
        let m = any(&[word]);
        for t in *yes {
            assert!(fires(&m, t), "{word} should match {t}");
        }
        for t in *no {
            assert!(!fires(&m, t), "{word} should not match {t}");
        }
    }
    assert!(
        !fires(&any(&["log4j"]), "log4js"),
        "words with digits do not inflect"
    );
    assert!(
        !fires(&any(&["résumé"]), "résumés"),
        "non-ASCII words do not inflect"
    );
}

mod agrees_with_a_naive_scan {
    use super::*;
    use crate::rules::normalize::{normalize, words};
    use crate::rules::pattern::Pattern;
    use proptest::prelude::*;

    const PATTERNS: &[&str] = &[
        "scan",
        "ids",
        "reverse engineering",
        "engineering",
        "phish*",
        "encrypti*",
        "letter",
        "=dos",
        "restore from backup",
        "log4j",
        "policy",
        "credential stuff*",
        "résumé",
        "file",
        "access",
        "=scanning",
        "exfiltrate",
        "a b c",
    ];

    const WORDS: &[&str] = &[
        "scan",
        "Scans",
        "scanned",
        "scanning",
        "scanner",
        "scandal",
        "IDS",
        "kids",
        "ids2",
        "reverse",
        "Reverse",
        "engineering",
        "engineer",
        "phish",
        "Phishing",
        "spearphishing",
        "encryption",
        "encrypted",
        "letter",
        "let",
        "letters",
        "DoS",
        "doses",
        "restored",
        "restore",
        "from",
        "backup",
        "backups",
        "log4j",
        "Log4J",
        "policy",
        "policies",
        "credential",
        "credentials",
        "stuffing",
        "stuff",
        "résumé",
        "RÉSUMÉ",
        "ﬁle",
        "files",
        "access",
        "accesses",
        "exfiltration",
        "exfiltrated",
        "a",
        "b",
        "c",
        "the",
        "x",
    ];

    const SEPARATORS: &[&str] = &[" ", "-", ", ", "\n", " (", ") ", "_", "'", ": "];

    fn naive(pattern: &str, text: &str) -> bool {
        let p = Pattern::parse(pattern).unwrap();
        let checks = p.checks();
        let norm = normalize(text);
        let tokens: Vec<&str> = words(&norm).map(|(s, e)| &norm[s..e]).collect();
        tokens
            .windows(checks.len())
            .any(|w| checks.iter().zip(w).all(|(c, t)| c.accepts(t.as_bytes())))
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            (
                prop::sample::select(WORDS),
                prop::sample::select(SEPARATORS),
            ),
            0..25,
        )
        .prop_map(|parts| parts.iter().map(|(w, s)| format!("{w}{s}")).collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn on_every_pattern(text in text()) {
            let toml: String = PATTERNS
                .iter()
                .enumerate()
                .map(|(i, p)| format!("[[rule]]\nid = \"r{i}\"\nservice = \"6.3\"\nany = [{p:?}]\n"))
                .collect();
            let m = matcher(&toml);
            let fired = fired(&m, &text);
            for (i, p) in PATTERNS.iter().enumerate() {
                let id = format!("r{i}");
                prop_assert_eq!(fired.contains(&id), naive(p, &text), "pattern {:?} on {:?}", p, text);
            }
        }
    }
}

#[test]
fn column_names_match_in_any_case_beyond_ascii() {
    let m = matcher(
        "[[rule]]\nid = \"r\"\nservice = \"6.3\"\nany = [\"sample\"]\nfields = [\"LÖSUNG\"]\n",
    );
    let mut scratch = Scratch::default();
    let found = m.find(&[field("Lösung", false, "sample")], &mut scratch, false);
    assert_eq!(found.fired().len(), 1);
    let found = m.find(&[field("Losung", false, "sample")], &mut scratch, false);
    assert_eq!(found.fired().len(), 0);
}

#[test]
fn compound_words_fire_inside_longer_words_where_the_rule_says() {
    let m = any(&["*lücke*", "*lek", "*phish*"]);
    // Anywhere in a word, in any case, inflected or not.
    assert!(fires(&m, "Kritische SICHERHEITSLÜCKEN in der Firewall"));
    assert!(fires(&m, "Sicherheitslücke"));
    assert!(fires(&m, "Spearphishing-Welle gegen die Buchhaltung"));
    // `*lek` only ends a word: Dutch `datalek`, not `elektriciteit` or `lekker`.
    assert!(fires(&m, "Mogelijk datalek bij de gemeente"));
    assert!(fires(&m, "lek"));
    assert!(!fires(&m, "Storing in de elektriciteitscabine"));
    assert!(!fires(&m, "lekker weer"));
    assert!(!fires(&m, "Ein Glücksfall: kein Schaden"));
}

#[test]
fn compound_words_report_the_whole_word_in_the_original_text() {
    let m = any(&["*schwachstelle*"]);
    let mut scratch = Scratch::default();
    let text = "Betreff: Neue Schwachstellenmeldung für Ämter";
    let found = m.find_in_text(text, &mut scratch, true);
    let hits = found.rule_hits(found.fired()[0]);
    assert_eq!(hits.len(), 1);
    assert_eq!(
        &text[hits[0].hit.start..hits[0].hit.end],
        "Schwachstellenmeldung"
    );
    // Non-ASCII around the word: offsets still point into the original text.
    let text = "Die Übersicht nennt zwei Sicherheitsschwachstellen.";
    let found = m.find_in_text(text, &mut scratch, true);
    let hits = found.rule_hits(found.fired()[0]);
    assert_eq!(
        &text[hits[0].hit.start..hits[0].hit.end],
        "Sicherheitsschwachstellen"
    );
}

#[test]
fn compound_words_work_in_none_and_all_lists_and_beside_regexes() {
    let m = matcher(
        r#"
        [[rule]]
        id = "vuln"
        service = "7.3"
        all = ["*lücke*"]
        none = ["*übung*"]
        regex = ['\bcve-\d{4}-\d+']
        "#,
    );
    assert!(fires(&m, "Sicherheitslücke CVE-2026-1234 analysiert"));
    assert!(!fires(&m, "Sicherheitslücke ohne Kennung"));
    assert!(!fires(
        &m,
        "Notfallübung: Sicherheitslücke CVE-2026-1234 im Szenario"
    ));
}

#[test]
fn a_regex_reads_one_line_at_a_time_and_every_line_that_holds_its_word() {
    let m = matcher(
        r#"
        [[rule]]
        id = "gated"
        service = "6.4"
        regex = ['\bhost\s+isolated\b']
        [[rule]]
        id = "anchored"
        service = "5.2"
        regex = ['^fp\b']
        [[rule]]
        id = "ungated"
        service = "6.3"
        regex = ['\b[0-9a-f]{8}\s+[0-9a-f]{8}\b']
        "#,
    );
    // Not across a line break, whether gated by a word or read on every line.
    assert!(fired(&m, "the host\nisolated yesterday").is_empty());
    assert!(fired(&m, "deadbeef\ncafebabe").is_empty());
    // On any line that holds the word, not only the first.
    assert_eq!(fired(&m, "host down\nlater: host isolated"), ["gated"]);
    assert_eq!(fired(&m, "hash\ndeadbeef cafebabe"), ["ungated"]);
    // `^` is the start of a line.
    assert_eq!(
        fired(&m, "Alert 4711\nFP - expected backup job"),
        ["anchored"]
    );
    // Offsets of matches on later lines point into the whole text.
    let mut scratch = Scratch::default();
    let text = "host down\nlater: host isolated";
    let found = m.find_in_text(text, &mut scratch, true);
    let hits = found.rule_hits(found.fired()[0]);
    assert_eq!(&text[hits[0].hit.start..hits[0].hit.end], "host isolated");
}

#[test]
fn near_needs_a_word_of_every_group_in_one_sentence() {
    let m = matcher(
        r#"
        [[rule]]
        id = "feedback"
        service = "8.3"
        near = [["indicator", "ioc*", "*blockliste*"], ["false positive", "wrong", "unser*"]]
        "#,
    );
    assert_eq!(
        fired(&m, "The indicator you shared is a false positive."),
        ["feedback"]
    );
    assert_eq!(fired(&m, "Wrong: two IOCs of yesterday"), ["feedback"]);
    assert_eq!(
        fired(&m, "Eure Blockliste sperrt unseren Mailserver"),
        ["feedback"]
    );
    // Not across a sentence end or a line break, and not with one group only.
    assert!(fired(&m, "We shared the indicator. It was wrong to wait.").is_empty());
    assert!(fired(
        &m,
        "indicator list attached\nwrong address on the cover page"
    )
    .is_empty());
    assert!(fired(&m, "IOCs attached for the partners").is_empty());
}

#[test]
fn near_adds_to_any_and_all_and_respects_fields_and_vetoes() {
    let m = matcher(
        r#"
        [[rule]]
        id = "r"
        service = "6.4"
        any = ["blocked"]
        near = [["account"], ["disabled", "locked"]]
        none = ["exercise"]
        fields = ["Description"]
        "#,
    );
    let ticket = |title: &str, body: &str| {
        let mut scratch = Scratch::default();
        let fields = [
            field("Summary", true, title),
            field("Description", false, body),
        ];
        let found = m.find(&fields, &mut scratch, false);
        found.fired().len()
    };
    assert_eq!(ticket("x", "Sender blocked. The account was disabled."), 1);
    // `any` missing: `near` does not stand in for it.
    assert_eq!(ticket("x", "The account was disabled."), 0);
    // The pair must be in a field the rule reads.
    assert_eq!(ticket("account disabled", "Sender blocked."), 0);
    assert_eq!(ticket("x", "Exercise: sender blocked, account locked."), 0);
}

#[test]
fn near_needs_two_groups_with_words() {
    let catalog = Catalog::default_embedded();
    let mut diags = Diagnostics::default();
    let mut rules = RuleSetBuilder::new(&catalog);
    rules.add_str(
        "[[rule]]\nid = \"a\"\nservice = \"6.4\"\nnear = [[\"x\"]]\n[[rule]]\nid = \"b\"\nservice = \"6.4\"\nnear = [[\"x\"], []]\n",
        "t.toml".as_ref(),
        &mut diags,
    );
    let messages: Vec<String> = diags.items().iter().map(|d| d.message.clone()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages.iter().all(|m| m.contains("at least two groups")));
}

#[test]
fn a_near_rule_counts_with_the_zone_of_the_sentence_that_holds_its_groups() {
    let m = matcher(
        r#"
        [[rule]]
        id = "r"
        service = "8.3"
        near = [["alpha"], ["beta"]]
        "#,
    );
    let zones = |title: &str, body: &str| {
        let mut scratch = Scratch::default();
        let fields = [
            field("Summary", true, title),
            field("Description", false, body),
        ];
        let found = m.find(&fields, &mut scratch, false);
        found.fired_zones().to_vec()
    };
    // "alpha" in the title does not make the body's sentence a title one.
    assert_eq!(
        zones("alpha report", "We saw alpha and beta here."),
        [Zone::Body.bit()]
    );
    assert_eq!(zones("alpha and beta", "nothing"), [Zone::Title.bit()]);
}
