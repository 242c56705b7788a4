//! Reading one rules file: TOML -> [`Rule`]s resolved against the catalog, and thresholds.
//!
//! Every problem becomes an error [`Diagnostic`] at `file:line:col` (from the TOML spans) and
//! only the item at fault is left out: a bad rule does not hide the problems of the next one.
//! Checks that need every file (duplicate ids) or the compiler (patterns, regexes, limits) are
//! done by [`RuleSetBuilder`](super::RuleSetBuilder).

use std::path::Path;

use serde::Deserialize;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use super::zones::Zone;
use crate::catalog::{Catalog, EntryId, Kind};
use crate::error::{Diagnostic, Diagnostics, LineIndex, Location, Severity};

/// A value of a rules file with where it was written (kept for messages and, later, lints).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Located<T> {
    /// The value as written.
    pub value: T,
    /// Where it starts.
    pub at: Location,
}

/// A rule as its file wrote it, with its service resolved in the catalog.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rule {
    /// Unique id across every loaded file (`mitigation.restore-from-backup`).
    pub id: String,
    /// The service or function the rule tags, as resolved from `service`.
    pub target: EntryId,
    /// The service its weight counts toward: `target`, or the service of a function.
    pub service: EntryId,
    /// Words and phrases of which at least one must be found (with `regex`).
    pub any: Vec<Located<String>>,
    /// Words and phrases that must all be found.
    pub all: Vec<Located<String>>,
    /// Words and phrases any of which vetoes the rule.
    pub none: Vec<Located<String>>,
    /// Regexes (Rust syntax) that count like words of `any`.
    pub regex: Vec<Located<String>>,
    /// Groups of words of which one sentence must hold a word of every group.
    pub near: Vec<Vec<Located<String>>>,
    /// Fields the rule reads, as written; empty means every text field.
    pub fields: Vec<Located<String>>,
    /// Added to the service's score when the rule fires.
    pub weight: f64,
    /// Texts the rule must fire on.
    pub examples: Vec<Located<String>>,
    /// Texts the rule must not fire on.
    pub counterexamples: Vec<Located<String>>,
    /// Why the rule exists.
    pub note: Option<String>,
    /// `false` (`vote = false`): where the rule fires, the labelled examples do not vote on
    /// the ticket's services. For the entries of a feed the rules know exactly and the
    /// examples have never seen (a KEV catalogue entry), whose services the vote would
    /// change by likeness to other kinds of ticket.
    pub vote: bool,
    /// Where the rule starts (its `[[rule]]` table).
    pub at: Location,
}

impl Rule {
    /// The word, phrase or regex as written at `index` of `list` (for `near`, the words of
    /// the groups counted in order, group after group).
    pub fn written(&self, list: super::List, index: usize) -> Option<&Located<String>> {
        use super::List;
        match list {
            List::Any => self.any.get(index),
            List::All => self.all.get(index),
            List::None => self.none.get(index),
            List::Regex => self.regex.get(index),
            List::Near => self.near.iter().flatten().nth(index),
        }
    }
}

/// What one file contributes besides rules: thresholds, in file order.
#[derive(Debug, Default)]
pub(crate) struct LoadedFile {
    pub rules: Vec<Rule>,
    /// `threshold = x`: the default for the services this file's rules tag.
    pub threshold: Option<Located<f64>>,
    /// `[thresholds]`: per service, in the order written.
    pub thresholds: Vec<(EntryId, Located<f64>)>,
    /// `[zones]`: the factor of each zone named, in the order written.
    pub zones: Vec<(Zone, f64)>,
    /// `catalog = "..."`: the catalog the file is written for, when it says.
    pub written_for: Option<String>,
    /// Set when the file is written for another catalog than the one in use: its rules and
    /// thresholds were left out (their ids would name other services).
    pub other_catalog: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    service: Spanned<String>,
    #[serde(default)]
    any: Vec<Spanned<String>>,
    #[serde(default)]
    all: Vec<Spanned<String>>,
    #[serde(default)]
    none: Vec<Spanned<String>>,
    #[serde(default)]
    regex: Vec<Spanned<String>>,
    near: Option<Spanned<Vec<Vec<Spanned<String>>>>>,
    #[serde(default)]
    fields: Vec<Spanned<String>>,
    weight: Option<Spanned<f64>>,
    #[serde(default)]
    examples: Vec<Spanned<String>>,
    #[serde(default)]
    counterexamples: Vec<Spanned<String>>,
    note: Option<String>,
    vote: Option<bool>,
}

const SCHEMA_HINT: &str = "see docs/rules.md for the schema";

/// Reads the text of one rules file. `origin` names it in messages.
pub(crate) fn load_file(
    text: &str,
    origin: &Path,
    catalog: &Catalog,
    diags: &mut Diagnostics,
) -> LoadedFile {
    let lines = LineIndex::new(origin, text);
    let at = |offset: usize| lines.at(offset);
    let mut out = LoadedFile::default();
    let table = match DeTable::parse(text) {
        Ok(table) => table.into_inner(),
        Err(e) => {
            let offset = e.span().map(|s| s.start);
            diags.record(Diagnostic {
                severity: Severity::Error,
                at: offset.map_or_else(|| Location::file(origin), at),
                message: format!("not a valid rules file: {}", e.message().trim_end()),
                hint: Some(SCHEMA_HINT.to_string()),
            });
            return out;
        }
    };
    // `catalog` first: it decides whether the ids below mean anything here.
    for (key, value) in table.iter().filter(|(k, _)| k.get_ref() == "catalog") {
        match value.get_ref() {
            DeValue::String(name) if !name.trim().is_empty() => {
                let name = name.trim().to_string();
                let meta = catalog.meta();
                if !meta.takes_rules_for(&name) {
                    diags.record(Diagnostic {
                        severity: Severity::Warning,
                        at: at(key.span().start),
                        message: format!(
                            "these rules are written for catalog `{name}`, not `{}` (in use): \
                             they are left out",
                            meta.short
                        ),
                        hint: Some(format!(
                            "rules for `{}` say `catalog = \"{}\"`; a tailored copy of `{name}` \
                             says `based_on = \"{name}\"` in its [catalog] table",
                            meta.short, meta.short
                        )),
                    });
                    out.other_catalog = true;
                }
                out.written_for = Some(name);
            }
            _ => diags.record(Diagnostic {
                severity: Severity::Error,
                at: at(key.span().start),
                message:
                    "`catalog` names the catalog the rules are written for: catalog = \"csirt-2.1\""
                        .into(),
                hint: Some(SCHEMA_HINT.to_string()),
            }),
        }
    }
    if out.other_catalog {
        return out;
    }
    let mut error = |offset: Option<usize>, message: String, hint: &str| {
        diags.record(Diagnostic {
            severity: Severity::Error,
            at: offset.map_or_else(|| Location::file(origin), at),
            message,
            hint: (!hint.is_empty()).then(|| hint.to_string()),
        });
    };
    for (key, value) in table.iter() {
        let offset = Some(key.span().start);
        let name: &str = key.get_ref();
        match name {
            "catalog" => {} // read above
            "threshold" => match number(value) {
                Ok(t) if t > 0.0 && t.is_finite() => {
                    out.threshold = Some(Located {
                        value: t,
                        at: at(value.span().start),
                    })
                }
                Ok(t) => error(offset, format!("threshold {t} must be a positive number"), ""),
                Err(msg) => error(offset, format!("threshold: {msg}"), ""),
            },
            "thresholds" => match value.get_ref() {
                DeValue::Table(entries) => {
                    let mut entries: Vec<_> = entries.iter().collect();
                    entries.sort_by_key(|(k, _)| k.span().start); // file order, for "last one wins"
                    for (service, value) in entries {
                        let offset = Some(service.span().start);
                        let name: &str = service.get_ref();
                        let entry = match catalog.resolve(name) {
                            Ok(e) if catalog.entry(e).kind == Kind::Service => e,
                            Ok(e) => {
                                let kind = catalog.level_name(catalog.entry(e).kind).to_string();
                                let msg = format!("[thresholds] `{name}` is a {kind}, not a service: thresholds are per service");
                                error(offset, msg, "");
                                continue;
                            }
                            Err(msg) => {
                                error(offset, format!("[thresholds] {msg}"), "`csirt-tagger services` lists the ids and slugs");
                                continue;
                            }
                        };
                        match number(value) {
                            Ok(t) if t > 0.0 && t.is_finite() => out.thresholds.push((
                                entry,
                                Located {
                                    value: t,
                                    at: at(value.span().start),
                                },
                            )),
                            Ok(t) => error(offset, format!("threshold {t} for `{name}` must be a positive number"), ""),
                            Err(msg) => error(offset, format!("[thresholds] `{name}`: {msg}"), ""),
                        }
                    }
                }
                _ => error(offset, "`thresholds` must be a table: [thresholds] \"6.6\" = 2.0".into(), SCHEMA_HINT),
            },
            "zones" => match value.get_ref() {
                DeValue::Table(entries) => {
                    let mut entries: Vec<_> = entries.iter().collect();
                    entries.sort_by_key(|(k, _)| k.span().start);
                    for (zone, value) in entries {
                        let offset = Some(zone.span().start);
                        let name: &str = zone.get_ref();
                        let Some(z) = Zone::from_name(name) else {
                            error(offset, format!("[zones] unknown zone `{name}`"), "the zones are title, body, quoted and signature");
                            continue;
                        };
                        match number(value) {
                            Ok(f) if (0.0..=10.0).contains(&f) => out.zones.push((z, f)),
                            Ok(f) => error(offset, format!("[zones] `{name}` = {f}: a factor is a number from 0 to 10"), ""),
                            Err(msg) => error(offset, format!("[zones] `{name}`: {msg}"), ""),
                        }
                    }
                }
                _ => error(offset, "`zones` must be a table: [zones] quoted = 0.5".into(), SCHEMA_HINT),
            },
            "rule" => match value.get_ref() {
                DeValue::Array(items) => {
                    for item in items.iter() {
                        let start = item.span().start;
                        match RawRule::deserialize(ValueDeserializer::from(item.clone())) {
                            Ok(raw) => {
                                if let Some(rule) = resolve(raw, start, &lines, catalog, &mut error) {
                                    out.rules.push(rule);
                                }
                            }
                            Err(e) => {
                                let offset = e.span().map_or(start, |s| s.start);
                                error(Some(offset), format!("rule: {}", e.message().trim_end()), SCHEMA_HINT);
                            }
                        }
                    }
                }
                _ => error(offset, "rules are written as [[rule]] tables".into(), SCHEMA_HINT),
            },
            other => error(
                offset,
                format!("unknown key `{other}` (a rules file has `catalog`, `threshold`, `[thresholds]`, `[zones]` and `[[rule]]`)"),
                SCHEMA_HINT,
            ),
        }
    }
    out
}

/// A TOML integer or float as `f64`.
fn number(value: &Spanned<DeValue<'_>>) -> Result<f64, String> {
    f64::deserialize(ValueDeserializer::from(value.clone()))
        .map_err(|e| e.message().trim_end().to_string())
}

/// Checks what one rule can be checked for alone and resolves its service.
fn resolve(
    raw: RawRule,
    start: usize,
    lines: &LineIndex<'_>,
    catalog: &Catalog,
    error: &mut impl FnMut(Option<usize>, String, &str),
) -> Option<Rule> {
    let at = |offset: usize| lines.at(offset);
    let located = |items: Vec<Spanned<String>>| -> Vec<Located<String>> {
        items
            .into_iter()
            .map(|s| Located {
                at: at(s.span().start),
                value: s.into_inner(),
            })
            .collect()
    };
    let id = raw.id.get_ref().trim().to_string();
    if id.is_empty() {
        error(
            Some(raw.id.span().start),
            "a rule's `id` must not be empty".into(),
            "",
        );
        return None;
    }
    let target = match catalog.resolve(raw.service.get_ref()) {
        Ok(e) if catalog.entry(e).kind != Kind::Area => e,
        Ok(e) => {
            error(
                Some(raw.service.span().start),
                format!(
                    "rule {id}: `{}` is a service area; rules tag services or functions",
                    catalog.entry(e).id
                ),
                "name one of the area's services",
            );
            return None;
        }
        Err(msg) => {
            error(
                Some(raw.service.span().start),
                format!("rule {id}: {msg}"),
                "`csirt-tagger services` lists the ids and slugs",
            );
            return None;
        }
    };
    let service = catalog
        .service_of(target)
        .expect("a service or a function has a service");
    let (near_at, near) = match raw.near {
        Some(near) => (near.span().start, near.into_inner()),
        None => (start, Vec::new()),
    };
    if raw.any.is_empty() && raw.all.is_empty() && raw.regex.is_empty() && near.is_empty() {
        error(
            Some(start),
            format!("rule {id} has no `any`, `all`, `near` or `regex`: it could never fire"),
            "give it words to look for",
        );
        return None;
    }
    if near.len() == 1 || near.len() > 8 || near.iter().any(Vec::is_empty) {
        error(
            Some(near_at),
            format!("rule {id}: `near` needs two to eight groups, each with a word (at least two groups)"),
            "near = [[\"ioc\", \"indicator\"], [\"false positive\", \"wrong\"]]: one sentence \
             must hold a word of every group; one group is `any`",
        );
        return None;
    }
    let weight = match raw.weight {
        Some(w) if !w.get_ref().is_finite() => {
            error(
                Some(w.span().start),
                format!("rule {id}: weight must be a finite number"),
                "",
            );
            return None;
        }
        Some(w) => w.into_inner(),
        None => 1.0,
    };
    Some(Rule {
        id,
        target,
        service,
        any: located(raw.any),
        all: located(raw.all),
        none: located(raw.none),
        regex: located(raw.regex),
        near: near.into_iter().map(located).collect(),
        fields: located(raw.fields),
        weight,
        examples: located(raw.examples),
        counterexamples: located(raw.counterexamples),
        note: raw.note,
        vote: raw.vote.unwrap_or(true),
        at: at(start),
    })
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::rules::{Limits, RuleSetBuilder};
    use crate::Diagnostics;

    /// Loads `files` in order and returns the kept rule ids and the diagnostics as printed.
    fn load(files: &[(&str, &str)], limits: Limits) -> (Vec<String>, Vec<String>) {
        let catalog = Catalog::default_embedded();
        let mut diags = Diagnostics::default();
        let mut rules = RuleSetBuilder::new(&catalog);
        rules.limits(limits);
        for (name, text) in files {
            rules.add_str(text, name.as_ref(), &mut diags);
        }
        let matcher = rules.build().unwrap();
        let ids = matcher.rules().iter().map(|r| r.id.clone()).collect();
        (ids, diags.items().iter().map(ToString::to_string).collect())
    }

    const GOOD: &str = "[[rule]]\nid = \"good\"\nservice = \"6.3\"\nany = [\"sample\"]\n";

    #[test]
    fn a_toml_syntax_error_names_line_and_column() {
        let (ids, diags) = load(
            &[("a.toml", "[[rule]]\nid = \"x\nservice = 1\n")],
            Limits::default(),
        );
        assert!(ids.is_empty());
        assert!(diags[0].starts_with("a.toml:2:"), "{diags:?}");
        assert!(
            diags[0].contains("error: not a valid rules file"),
            "{diags:?}"
        );
    }

    #[test]
    fn every_bad_rule_is_reported_and_the_good_ones_kept() {
        let text = r#"
[[rule]]
id = "unknown-service"
service = "2.3"
any = ["x"]

[[rule]]
id = "bad-regex"
service = "6.3"
regex = ['(unclosed']

[[rule]]
id = "empty"
service = "incident-analysis"

[[rule]]
id = "typo"
service = "6.3"
anny = ["x"]

[[rule]]
id = "area"
service = "6"
any = ["x"]

[[rule]]
id = "bad-word"
service = "6.3"
any = ["ph*sh", "ok"]
"#;
        let (ids, diags) = load(&[("b.toml", text), ("c.toml", GOOD)], Limits::default());
        assert_eq!(ids, ["good"]);
        assert_eq!(diags.len(), 6, "{diags:#?}");
        assert!(
            diags[0].starts_with("b.toml:4:11: error: rule unknown-service: `2.3`"),
            "{}",
            diags[0]
        );
        assert!(
            diags[0].contains("rel:2.3"),
            "the catalog's suggestion is kept: {}",
            diags[0]
        );
        assert!(
            diags[1].starts_with("b.toml:10:10: error: rule bad-regex: invalid regex"),
            "{}",
            diags[1]
        );
        assert!(
            diags[1].contains("unclosed group"),
            "the regex crate's message: {}",
            diags[1]
        );
        assert!(
            diags[2].starts_with("b.toml:12:1: error: rule empty has no `any`"),
            "{}",
            diags[2]
        );
        assert!(
            diags[3].starts_with("b.toml:19:1: error: rule: unknown field `anny`"),
            "{}",
            diags[3]
        );
        assert!(
            diags[4].contains("b.toml:23:11: error: rule area: `6` is a service area"),
            "{}",
            diags[4]
        );
        assert!(
            diags[5].starts_with("b.toml:29:8: error: rule bad-word: any `ph*sh`"),
            "{}",
            diags[5]
        );
    }

    #[test]
    fn a_duplicate_id_points_at_the_first_one() {
        let (ids, diags) = load(&[("a.toml", GOOD), ("b.toml", GOOD)], Limits::default());
        assert_eq!(ids, ["good"]);
        assert_eq!(diags.len(), 1);
        assert!(
            diags[0].starts_with("b.toml:1:1: error: rule id `good` is already used at a.toml:1:1"),
            "{}",
            diags[0]
        );
    }

    #[test]
    fn thresholds_default_per_file_and_later_files_override() {
        let catalog = Catalog::default_embedded();
        let first =
            format!("threshold = 2.0\n[thresholds]\ncrisis-management = 3.0\n\"6.2\" = 4\n{GOOD}");
        let second = "[thresholds]\n\"6.3\" = 0.5\n";
        let mut diags = Diagnostics::default();
        let mut rules = RuleSetBuilder::new(&catalog);
        rules.add_str(&first, "a.toml".as_ref(), &mut diags);
        let only_first = {
            let mut diags = Diagnostics::default();
            let mut rules = RuleSetBuilder::new(&catalog);
            rules.add_str(&first, "a.toml".as_ref(), &mut diags);
            rules.build().unwrap()
        };
        rules.add_str(second, "b.toml".as_ref(), &mut diags);
        assert!(diags.is_empty(), "{:?}", diags.items());
        let m = rules.build().unwrap();
        let t = |m: &crate::rules::Matcher, id: &str| m.threshold(catalog.resolve(id).unwrap()).0;
        assert_eq!(
            t(&only_first, "6.3"),
            2.0,
            "the file's default applies to its rules' services"
        );
        assert_eq!(t(&only_first, "6.6"), 3.0);
        assert_eq!(t(&only_first, "6.2"), 4.0, "integers are numbers too");
        assert_eq!(
            t(&only_first, "6.4"),
            1.0,
            "other services keep the default"
        );
        assert_eq!(t(&m, "6.3"), 0.5, "a later file overrides");
        assert_eq!(
            m.threshold(catalog.resolve("6.3").unwrap())
                .1
                .unwrap()
                .to_string(),
            "b.toml:2:9"
        );
    }

    #[test]
    fn bad_thresholds_and_unknown_keys_are_errors() {
        let text = "threshold = -1\nthresold = 2\n[thresholds]\n\"6.3.2\" = 2\nnope = 1\n\"6.4\" = \"high\"\n";
        let (_, diags) = load(&[("a.toml", text)], Limits::default());
        assert_eq!(diags.len(), 5, "{diags:#?}");
        let all = diags.join("\n");
        for expected in [
            "a.toml:1:1: error: threshold -1 must be a positive number",
            "a.toml:2:1: error: unknown key `thresold`",
            "a.toml:4:1: error: [thresholds] `6.3.2` is a function, not a service",
            "a.toml:5:1: error: [thresholds] `nope` is not an id or slug",
            "a.toml:6:1: error: [thresholds] `6.4`: invalid type",
        ] {
            assert!(all.contains(expected), "{expected}\n{all}");
        }
    }

    #[test]
    fn limits_leave_out_what_is_over_them() {
        let two = format!("{GOOD}[[rule]]\nid = \"second\"\nservice = \"6.3\"\nany = [\"x\"]\nregex = ['\\w{{100}}\\w{{100}}']\n");
        let limits = Limits {
            max_rules: 1,
            ..Limits::default()
        };
        let (ids, diags) = load(&[("a.toml", &two)], limits);
        assert_eq!(ids, ["good"]);
        assert!(diags[0].contains("more than 1 rules"), "{diags:?}");
        let limits = Limits {
            regex_size_limit: 1000,
            ..Limits::default()
        };
        let (ids, diags) = load(&[("a.toml", &two)], limits);
        assert_eq!(ids, ["good"]);
        assert!(
            diags[0].contains("regex too big") && diags[0].contains("size limit"),
            "{diags:?}"
        );
    }
}
