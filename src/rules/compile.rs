//! [`RuleSetBuilder`]: collects rules files, checks each rule, and builds the [`Matcher`].
//!
//! Checks that need more than one rule (duplicate ids), the compiler (patterns, regexes) or the
//! limits happen here; a rule that fails any of them is reported and left out, and the others
//! are kept. `build` then deduplicates words across rules, so a word used by fifty rules is
//! searched once.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use rayon::prelude::*;

use super::automaton::{Automaton, WordAutomaton};
use super::cache::{Later, Terms};
use super::inflect::forms;
use super::load::{load_file, Located, Rule};
use super::matcher::{CompiledRule, Csr, Matcher, Scope, Term};
use super::pattern::{FormsOf, Inside, Pattern};
use super::regex_filter::{required_literals, RuleRegex, RuleRegexSet};
use super::scan::KeyFilter;
use super::zones::ZoneFactors;
use super::DEFAULT_RULES;
use crate::catalog::{Catalog, EntryId};
use crate::error::{Diagnostic, Diagnostics, Error, Location, Result, Severity};

/// Bounds on what a rule set may cost; every one configurable, every one reported clearly.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Most rules kept; the ones after are reported and left out.
    pub max_rules: usize,
    /// Most automaton patterns one word or phrase may expand to (its words' inflections
    /// multiply; only long phrases of words with irregular keys come near).
    pub max_patterns_per_word: usize,
    /// Compiled size limit of each regex, in bytes (regex's `size_limit`).
    pub regex_size_limit: usize,
    /// Compiled size limit of the set of every regex, in bytes.
    pub regex_set_size_limit: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_rules: 20_000,
            max_patterns_per_word: 256,
            regex_size_limit: 1 << 20,
            regex_set_size_limit: 64 << 20,
        }
    }
}

/// A rule that passed every check, with its parsed words.
struct Checked {
    rule: Rule,
    /// The rule's regexes, compiled when checked (compiling is the costly part of loading).
    regex: Vec<RuleRegex>,
    any: Vec<Pattern>,
    all: Vec<Pattern>,
    none: Vec<Pattern>,
    near: Vec<Vec<Pattern>>,
    scope: Scope,
}

/// Collects rules from files and builds one [`Matcher`]. Bad rules become error diagnostics.
pub struct RuleSetBuilder<'c> {
    catalog: &'c Catalog,
    limits: Limits,
    rules: Vec<Checked>,
    ids: HashMap<String, Location>,
    /// Threshold settings in the order met; the last one for a service wins.
    thresholds: Vec<(EntryId, Located<f64>)>,
    /// Zone factors, as the files set them (the last setting of a zone wins).
    zone_factors: ZoneFactors,
    /// The automaton patterns of every word and phrase checked, computed once.
    expanded: HashMap<Pattern, Vec<Vec<u8>>>,
    /// The forms of every inflecting word checked, computed once: the expansion above and
    /// the matcher's verification both need them, and inflecting is a good part of loading.
    forms_of: FormsOf,
    over_limit: bool,
    /// Every file added, in order, with the fingerprint of its text.
    sources: Vec<RulesSource>,
}

/// A rules file a [`Matcher`] was built from: where it came from and the SHA-256 of its text,
/// so a report can say exactly which rules made it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RulesSource {
    /// The path as given, or `<embedded:rules/NAME>`.
    pub origin: PathBuf,
    /// `sha256:<hex>` of the file's text.
    pub sha256: String,
}

/// The rules files a path names: the file itself, or the `*.toml` files of a directory in
/// name order (the order they are loaded in, so later files override earlier ones).
pub fn toml_files(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Error::io(path, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

impl<'c> RuleSetBuilder<'c> {
    /// An empty rule set for `catalog`: rules name its services.
    pub fn new(catalog: &'c Catalog) -> RuleSetBuilder<'c> {
        RuleSetBuilder {
            catalog,
            limits: Limits::default(),
            rules: Vec::new(),
            ids: HashMap::new(),
            thresholds: Vec::new(),
            zone_factors: ZoneFactors::default(),
            expanded: HashMap::new(),
            forms_of: FormsOf::new(),
            over_limit: false,
            sources: Vec::new(),
        }
    }

    /// Sets the limits (before adding rules).
    pub fn limits(&mut self, limits: Limits) -> &mut Self {
        self.limits = limits;
        self
    }

    /// Number of rules kept so far.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether no rule was kept.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Adds the default rules embedded in the binary (`rules/*.toml` at build time).
    ///
    /// Their regexes are compiled when a ticket first needs them, not now: the tests compile
    /// every one of them under the default limits
    /// (`every_embedded_regex_compiles_under_the_default_limits`), so there is no error to
    /// report, and a short run skips the cost. Under a lower `regex_size_limit` they are
    /// compiled now, so that the limit is checked.
    pub fn add_defaults(&mut self, diags: &mut Diagnostics) -> &mut Self {
        let defer = self.limits.regex_size_limit >= Limits::default().regex_size_limit;
        for (name, text) in DEFAULT_RULES {
            self.add_text(text, &super::embedded_origin(name), defer, diags);
        }
        self
    }

    /// Adds a rules file, or every `*.toml` file of a directory in name order.
    ///
    /// Fails only when the path cannot be read; problems inside files are diagnostics.
    pub fn add_path(&mut self, path: &Path, diags: &mut Diagnostics) -> Result<&mut Self> {
        std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let files = toml_files(path)?;
        if files.is_empty() {
            diags.push(Diagnostic {
                severity: Severity::Warning,
                at: Location::file(path),
                message: "no *.toml rules file in this directory".into(),
                hint: Some("`csirt-tagger rules init DIR` writes the default rules there".into()),
            })?;
        }
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
            self.add_str(&text, &file, diags);
        }
        Ok(self)
    }

    /// Adds the rules of one file's text; `origin` names it in messages.
    pub fn add_str(&mut self, text: &str, origin: &Path, diags: &mut Diagnostics) -> &mut Self {
        self.add_text(text, origin, false, diags)
    }

    /// [`Self::add_str`], with the regexes compiled now or (`defer`, for rules known to
    /// compile) on first use.
    fn add_text(
        &mut self,
        text: &str,
        origin: &Path,
        defer: bool,
        diags: &mut Diagnostics,
    ) -> &mut Self {
        // This file's problems are gathered apart, then reported in file order.
        let mut found = Diagnostics::default();
        self.sources.push(RulesSource {
            origin: origin.to_path_buf(),
            sha256: format!("sha256:{:x}", Sha256::digest(text.as_bytes())),
        });
        let file = load_file(text, origin, self.catalog, &mut found);
        let mut services: Vec<EntryId> = Vec::new();
        // Compiling regexes is most of the cost of loading rules: on every core, in file order.
        let size_limit = self.limits.regex_size_limit;
        let regexes: Vec<Vec<Result<RuleRegex, regex::Error>>> = file
            .rules
            .par_iter()
            .map(|rule| {
                rule.regex
                    .iter()
                    .map(|r| match defer {
                        true => Ok(RuleRegex::deferred(&r.value, size_limit)),
                        false => RuleRegex::new(&r.value, size_limit),
                    })
                    .collect()
            })
            .collect();
        // Expanding words into automaton patterns (inflections, keys) is the other costly
        // part: the file's new words on every core, so that `check` finds them expanded. A
        // word over the limit is left for `check` to report.
        let max = self.limits.max_patterns_per_word;
        let fresh: HashSet<Pattern> = file
            .rules
            .iter()
            .flat_map(|r| {
                r.any
                    .iter()
                    .chain(&r.all)
                    .chain(&r.none)
                    .chain(r.near.iter().flatten())
            })
            .filter_map(|w| Pattern::parse(&w.value).ok())
            .filter(|p| !self.expanded.contains_key(p))
            .collect();
        let fresh: Vec<Pattern> = fresh.into_iter().collect();
        // First each new word's forms (a word is in many phrases), then the phrases' keys.
        let words: HashSet<&str> = fresh
            .iter()
            .flat_map(Pattern::inflecting_words)
            .filter(|w| !self.forms_of.contains_key(*w))
            .collect();
        let words: Vec<&str> = words.into_iter().collect();
        let forms: Vec<(String, Arc<[Box<str>]>)> = words
            .into_par_iter()
            .map(|w| {
                (
                    w.to_string(),
                    forms(w).into_iter().map(Into::into).collect(),
                )
            })
            .collect();
        self.forms_of.extend(forms);
        let forms_of = &self.forms_of;
        let expanded: Vec<(Pattern, Vec<Vec<u8>>)> = fresh
            .into_par_iter()
            .filter_map(|p| {
                let keys = p.automaton_patterns_with(max, forms_of).ok()?;
                Some((p, keys))
            })
            .collect();
        self.expanded.extend(expanded);
        for (rule, regexes) in file.rules.into_iter().zip(regexes) {
            let service = rule.service;
            if self.check(rule, regexes, &mut found) && !services.contains(&service) {
                services.push(service);
            }
        }
        let mut found = found.drain();
        found.sort_by_key(|d| (d.at.line, d.at.column));
        diags_extend(diags, found);
        if let Some(default) = file.threshold {
            self.thresholds
                .extend(services.into_iter().map(|s| (s, default.clone())));
        }
        self.thresholds.extend(file.thresholds);
        for (zone, factor) in file.zones {
            self.zone_factors.0[zone as usize] = factor;
        }
        self
    }

    /// Checks a rule against the others, the compiler and the limits; keeps it if it passes.
    /// `regexes`: the rule's regexes, compiled.
    fn check(
        &mut self,
        rule: Rule,
        regexes: Vec<Result<RuleRegex, regex::Error>>,
        diags: &mut Diagnostics,
    ) -> bool {
        let mut errors: Vec<Diagnostic> = Vec::new();
        let mut error = |at: &Location, message: String, hint: Option<&str>| {
            errors.push(Diagnostic {
                severity: Severity::Error,
                at: at.clone(),
                message,
                hint: hint.map(str::to_string),
            })
        };
        let id = &rule.id;
        if self.rules.len() >= self.limits.max_rules {
            if !self.over_limit {
                let msg = format!(
                    "more than {} rules: this one and the rest are left out",
                    self.limits.max_rules
                );
                error(
                    &rule.at,
                    msg,
                    Some("raise the limit with --max-rules (Limits::max_rules), or merge rules"),
                );
                self.over_limit = true;
            }
            diags_extend(diags, errors);
            return false;
        }
        if let Some(first) = self.ids.get(id) {
            error(
                &rule.at,
                format!("rule id `{id}` is already used at {first}"),
                Some("rule ids must be unique across every rules file"),
            );
        }
        let max = self.limits.max_patterns_per_word;
        let (expanded, forms_of) = (&mut self.expanded, &self.forms_of);
        let mut parse = |list: &str, words: &[Located<String>]| -> Vec<Pattern> {
            let mut out = Vec::new();
            for w in words {
                let checked = Pattern::parse(&w.value).and_then(|p| {
                    if expanded.contains_key(&p) {
                        return Ok(p); // the same word in another rule: expanded once
                    }
                    match p.automaton_patterns_with(max, forms_of) {
                        Ok(keys) => {
                            expanded.insert(p.clone(), keys);
                            Ok(p)
                        }
                        Err(n) => Err(format!(
                            "expands to {n} automaton patterns (limit {max}); shorten the phrase"
                        )),
                    }
                });
                match checked {
                    Ok(p) => out.push(p),
                    Err(msg) => error(
                        &w.at,
                        format!("rule {id}: {list} `{}`: {msg}", w.value),
                        None,
                    ),
                }
            }
            out
        };
        let any = parse("any", &rule.any);
        let all = parse("all", &rule.all);
        let none = parse("none", &rule.none);
        let near: Vec<Vec<Pattern>> = rule.near.iter().map(|g| parse("near", g)).collect();
        let mut regex = Vec::with_capacity(rule.regex.len());
        for (r, compiled) in rule.regex.iter().zip(regexes) {
            match compiled {
                Ok(compiled) => regex.push(compiled),
                Err(e @ regex::Error::CompiledTooBig(_)) => error(
                    &r.at,
                    format!("rule {id}: regex too big: {e}"),
                    Some(
                        "simplify it (a bounded repeat such as {1000} multiplies its size), or \
                         raise the limit with --max-regex-size (Limits::regex_size_limit)",
                    ),
                ),
                Err(e) => error(
                    &r.at,
                    format!("rule {id}: invalid regex: {e}"),
                    Some("regexes use Rust regex syntax: https://docs.rs/regex"),
                ),
            }
        }
        let mut scope = Scope {
            title: false,
            text: false,
            columns: Vec::new(),
        };
        for f in &rule.fields {
            let name = f.value.trim();
            match name.to_lowercase().as_str() {
                "" => error(&f.at, format!("rule {id}: an empty field name"), None),
                "title" => scope.title = true,
                "text" => scope.text = true,
                lower => {
                    let column = lower
                        .strip_prefix("column:")
                        .unwrap_or(lower)
                        .trim()
                        .to_string();
                    scope.columns.push(column);
                }
            }
        }
        if rule.fields.is_empty() {
            scope = Scope::ALL;
        }
        if !errors.is_empty() {
            diags_extend(diags, errors);
            return false;
        }
        self.ids.insert(id.clone(), rule.at.clone());
        self.rules.push(Checked {
            rule,
            regex,
            any,
            all,
            none,
            near,
            scope,
        });
        true
    }

    /// Compiles every kept rule into one [`Matcher`].
    ///
    /// Fails when the automaton or the regex set cannot be built (a size limit), or when the
    /// rules use more than 63 different `fields` lists.
    pub fn build(self) -> Result<Matcher> {
        self.assemble()?.into_matcher()
    }

    /// [`Self::build`], saving the compiled rules in `cache` under `key` (see
    /// [`RulesCache`](super::RulesCache)) on the way. A cache that cannot be written is said
    /// in the second value; the matcher is built all the same.
    pub fn build_into_cache(
        self,
        cache: &super::RulesCache,
        key: &super::CacheKey,
    ) -> Result<(Matcher, std::io::Result<()>)> {
        let parts = self.assemble()?;
        let saved = cache.save(key, &parts);
        Ok((parts.into_matcher()?, saved))
    }

    /// Every kept rule reduced to the tables the matcher reads, with the patterns of its
    /// automata and the sources of its regexes, but not the automata and regexes themselves:
    /// what the rules cache saves.
    pub(super) fn assemble(self) -> Result<Parts> {
        let mut scopes: Vec<Scope> = vec![Scope::ALL];
        let mut terms: Vec<Term> = Vec::new();
        let mut word_terms: HashMap<Pattern, u32> = HashMap::new();
        // The forms of each distinct word, shared by every phrase holding it (most computed
        // when the rules were added).
        let mut forms_of = self.forms_of;
        let mut regex_ids: HashMap<String, u32> = HashMap::new();
        let mut regex_sources: Vec<String> = Vec::new();
        let mut regex_compiled: Vec<RuleRegex> = Vec::new();
        let mut term_rules: Vec<Vec<u32>> = Vec::new();
        // Terms of `near` groups: their hits are kept with the sentence they are in.
        let mut positional: std::collections::HashSet<u32> = std::collections::HashSet::new();
        let mut compiled = Vec::with_capacity(self.rules.len());
        let mut rules = Vec::with_capacity(self.rules.len());
        for (r, checked) in self.rules.into_iter().enumerate() {
            let scope = match scopes.iter().position(|s| *s == checked.scope) {
                Some(i) => i,
                None if scopes.len() < 64 => {
                    scopes.push(checked.scope.clone());
                    scopes.len() - 1
                }
                None => {
                    return Err(Error::invalid(
                        checked.rule.at,
                        "more than 63 different `fields` lists",
                        "rules with the same fields share a list: use fewer combinations",
                    ))
                }
            };
            let mut word = |p: &Pattern, candidate: bool| -> u32 {
                let t = *word_terms.entry(p.clone()).or_insert_with(|| {
                    terms.push(match p.inside {
                        Inside::No => Term::Words(p.checks_shared(&mut forms_of).into()),
                        inside => Term::Inside {
                            at_end: inside == Inside::End,
                        },
                    });
                    term_rules.push(Vec::new());
                    terms.len() as u32 - 1
                });
                if candidate && term_rules[t as usize].last() != Some(&(r as u32)) {
                    term_rules[t as usize].push(r as u32);
                }
                t
            };
            let mut any: Vec<u32> = checked.any.iter().map(|p| word(p, true)).collect();
            let all: Vec<u32> = checked.all.iter().map(|p| word(p, true)).collect();
            let none: Vec<u32> = checked.none.iter().map(|p| word(p, false)).collect();
            let near: Vec<Box<[u32]>> = checked
                .near
                .iter()
                .map(|group| {
                    let terms: Vec<u32> = group.iter().map(|p| word(p, true)).collect();
                    terms.into_boxed_slice()
                })
                .collect();
            for &t in near.iter().flatten() {
                positional.insert(t);
            }
            for (source, compiled) in checked
                .rule
                .regex
                .iter()
                .map(|r| &r.value)
                .zip(&checked.regex)
            {
                let t = *regex_ids.entry(source.clone()).or_insert_with(|| {
                    terms.push(Term::Regex(regex_sources.len() as u32));
                    regex_sources.push(source.clone());
                    regex_compiled.push(compiled.clone());
                    term_rules.push(Vec::new());
                    terms.len() as u32 - 1
                });
                if term_rules[t as usize].last() != Some(&(r as u32)) {
                    term_rules[t as usize].push(r as u32);
                }
                any.push(t);
            }
            compiled.push(CompiledRule {
                any: any.into(),
                all: all.into(),
                none: none.into(),
                near: near.into(),
                scope: scope as u8,
            });
            rules.push(checked.rule);
        }

        // One automaton pattern may stand for several terms (`scan` and `=scanning` share
        // ` scan `): patterns are deduplicated and each lists the terms to verify.
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut pattern_ids: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut pattern_terms: Vec<Vec<u32>> = Vec::new();
        let mut by_term: Vec<(&Pattern, u32)> = word_terms.iter().map(|(p, &t)| (p, t)).collect();
        by_term.sort_by_key(|&(_, t)| t); // deterministic pattern numbering
        for (pattern, term) in by_term {
            // Expanded when the rule was checked against the limit.
            let keys = self.expanded.get(pattern).map_or(&[][..], Vec::as_slice);
            for key in keys.iter().cloned() {
                let id = *pattern_ids.entry(key.clone()).or_insert_with(|| {
                    patterns.push(key);
                    pattern_terms.push(Vec::new());
                    patterns.len() - 1
                });
                if !pattern_terms[id].contains(&term) {
                    pattern_terms[id].push(term);
                }
            }
        }
        let key_filter = KeyFilter::from_patterns(&patterns);
        let automaton = match patterns.is_empty() {
            true => None,
            false => Some(WordAutomaton::build(&patterns).map_err(|e| {
                Error::invalid(
                    Location::file("<rules>"),
                    format!("the word automaton could not be built: {e}"),
                    "use fewer or shorter words",
                )
            })?),
        };
        // Compound words are found by their word among the regexes' literals.
        let mut needles: Vec<(String, u32)> = word_terms
            .iter()
            .filter(|(p, _)| p.inside != Inside::No)
            .map(|(p, &t)| (p.words[0].clone(), t))
            .collect();
        needles.sort_by_key(|&(_, t)| t);
        let plan = plan_regexes(&regex_sources, &needles);
        let terms_len = terms.len();
        let mut regex_term_ids = vec![0; regex_sources.len()];
        for (t, term) in terms.iter().enumerate() {
            if let Term::Regex(i) = term {
                regex_term_ids[*i as usize] = t as u32;
            }
        }

        let mut thresholds: Vec<(f64, Option<Location>)> =
            vec![(1.0, None); self.catalog.entries().len()];
        for (service, t) in self.thresholds {
            thresholds[service.index()] = (t.value, Some(t.at));
        }
        Ok(Parts {
            sources: self.sources,
            rules: Later::Ready(rules),
            compiled,
            terms: Later::Ready(Terms(terms)),
            automaton,
            automaton_terms: Csr::from_lists(&pattern_terms),
            key_filter,
            regexes: regex_compiled,
            regex_terms: regex_term_ids,
            literals: plan.literals,
            literal_regexes: Csr::from_lists(&plan.literal_regexes),
            literal_inside: Csr::from_lists(&plan.literal_inside),
            regex_gates: plan.gates,
            unfiltered_regexes: plan.unfiltered_regexes,
            regex_set_size_limit: self.limits.regex_set_size_limit,
            term_rules: Csr::from_lists(&term_rules),
            positional: (0..terms_len)
                .map(|t| positional.contains(&(t as u32)))
                .collect(),
            scopes,
            thresholds,
            zone_factors: self.zone_factors,
            catalog_fingerprint: self.catalog.fingerprint().to_string(),
        })
    }
}

/// A rule set compiled down to tables, with the patterns of its automata and its regexes'
/// sources: a [`Matcher`] but for the parts that cannot be saved (aho-corasick's automata,
/// compiled regexes). What the rules cache holds (`cache`); [`Parts::into_matcher`] builds
/// the rest.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct Parts {
    pub sources: Vec<RulesSource>,
    /// The rules as written; read back, decoded beside the automata being built.
    pub rules: Later<Vec<Rule>>,
    pub compiled: Vec<CompiledRule>,
    /// Saved with the word forms each list of forms shares written once (see `cache`); read
    /// back, decoded beside the automata being built.
    pub terms: Later<Terms>,
    /// The word automaton (none when the rules have no words), saved as it is.
    pub automaton: Option<WordAutomaton>,
    pub automaton_terms: Csr,
    pub key_filter: KeyFilter,
    /// Saved as their sources and their forms' patterns (see `cache`).
    #[serde(with = "super::cache::regexes")]
    pub regexes: Vec<RuleRegex>,
    pub regex_terms: Vec<u32>,
    /// The literal automaton's patterns (ASCII case folded when searched).
    pub literals: Vec<String>,
    pub literal_regexes: Csr,
    pub literal_inside: Csr,
    pub regex_gates: Vec<Vec<Box<[u32]>>>,
    pub unfiltered_regexes: Vec<u32>,
    pub regex_set_size_limit: usize,
    pub term_rules: Csr,
    pub positional: Vec<bool>,
    pub scopes: Vec<Scope>,
    pub thresholds: Vec<(f64, Option<Location>)>,
    pub zone_factors: ZoneFactors,
    pub catalog_fingerprint: String,
}

impl Parts {
    /// Builds the automata and the set of the regexes without literals: a ready [`Matcher`].
    pub fn into_matcher(self) -> Result<Matcher> {
        let whole = || Location::file("<rules>");
        // The word automaton was built with the tables (it is saved with them); what cannot
        // be saved is built here, while the parts saved apart are decoded.
        let (rules, terms) = (self.rules, self.terms);
        let build = || -> Result<(Option<Automaton>, Option<RuleRegexSet>)> {
            let literals = match self.literals.is_empty() {
                true => None,
                false => Some(Automaton::build(&self.literals, true).map_err(|e| {
                    Error::invalid(
                        whole(),
                        format!("the regex literals automaton could not be built: {e}"),
                        "use fewer regexes",
                    )
                })?),
            };
            let unfiltered = match self.unfiltered_regexes.is_empty() {
                true => None,
                false => Some(
                    RuleRegexSet::new(
                        self.unfiltered_regexes
                            .iter()
                            .map(|&r| self.regexes[r as usize].source()),
                        self.regex_set_size_limit,
                    )
                    .map_err(|e| {
                        Error::invalid(
                            whole(),
                            format!("the regexes together are too big: {e}"),
                            "use fewer or simpler regexes, or raise the limit with \
                                 --max-regex-size (Limits::regex_set_size_limit)",
                        )
                    })?,
                ),
            };
            Ok((literals, unfiltered))
        };
        let (rules, (terms, built)) =
            rayon::join(|| rules.open(), || rayon::join(|| terms.open(), build));
        let unreadable = |e: postcard::Error| {
            Error::invalid(
                whole(),
                format!("compiled rules that cannot be read back: {e}"),
                "compile them again",
            )
        };
        let (rules, Terms(terms)) = (rules.map_err(unreadable)?, terms.map_err(unreadable)?);
        let patterns = self.automaton.as_ref().map_or(0, |a| a.patterns_len());
        if patterns != self.automaton_terms.len() {
            return Err(Error::invalid(
                whole(),
                format!(
                    "a word automaton of {patterns} patterns for {} lists of terms",
                    self.automaton_terms.len()
                ),
                "compile the rules again",
            ));
        }
        let (literals, unfiltered) = built?;
        Ok(Matcher {
            sources: self.sources,
            rules,
            compiled: self.compiled,
            terms,
            automaton: self.automaton,
            automaton_terms: self.automaton_terms,
            key_filter: self.key_filter,
            regexes: self.regexes,
            regex_terms: self.regex_terms,
            literals,
            literal_regexes: self.literal_regexes,
            literal_inside: self.literal_inside,
            regex_gates: self.regex_gates,
            unfiltered,
            unfiltered_regexes: self.unfiltered_regexes,
            term_rules: self.term_rules,
            positional: self.positional,
            scopes: self.scopes,
            thresholds: self.thresholds,
            zone_factors: self.zone_factors,
            catalog_fingerprint: self.catalog_fingerprint,
        })
    }
}

/// Which literals gate which regexes, and the regexes without literals.
struct RegexPlan {
    literals: Vec<String>,
    literal_regexes: Vec<Vec<u32>>,
    literal_inside: Vec<Vec<u32>>,
    gates: Vec<Vec<Box<[u32]>>>,
    unfiltered_regexes: Vec<u32>,
}

/// The literals of the regexes (see `regex_filter`), which also find `needles`: the word of
/// each compound-word term (`*lücke*`), with the term.
fn plan_regexes(sources: &[String], needles: &[(String, u32)]) -> RegexPlan {
    let mut literals: Vec<String> = Vec::new();
    let mut literal_regexes: Vec<Vec<u32>> = Vec::new();
    let mut literal_inside: Vec<Vec<u32>> = Vec::new();
    for (needle, term) in needles {
        let i = literals
            .iter()
            .position(|l| l == needle)
            .unwrap_or_else(|| {
                literals.push(needle.clone());
                literal_regexes.push(Vec::new());
                literal_inside.push(Vec::new());
                literals.len() - 1
            });
        literal_inside[i].push(*term);
    }
    let mut gates: Vec<Vec<Box<[u32]>>> = Vec::with_capacity(sources.len());
    let mut unfiltered_regexes: Vec<u32> = Vec::new();
    // Each regex parsed for its literals: on every core, then gathered in order.
    let required: Vec<Option<Vec<Vec<String>>>> =
        sources.par_iter().map(|s| required_literals(s)).collect();
    for (r, required) in required.into_iter().enumerate() {
        let Some(sets) = required else {
            unfiltered_regexes.push(r as u32);
            gates.push(Vec::new());
            continue;
        };
        let mut gate = Vec::with_capacity(sets.len());
        for (k, set) in sets.into_iter().enumerate() {
            let mut ids = Vec::with_capacity(set.len());
            for lit in set {
                let i = literals.iter().position(|l| *l == lit).unwrap_or_else(|| {
                    literals.push(lit);
                    literal_regexes.push(Vec::new());
                    literal_inside.push(Vec::new());
                    literals.len() - 1
                });
                // The first (most selective) set proposes the regex; the others confirm.
                if k == 0 && literal_regexes[i].last() != Some(&(r as u32)) {
                    literal_regexes[i].push(r as u32);
                }
                ids.push(i as u32);
            }
            gate.push(ids.into_boxed_slice());
        }
        gates.push(gate);
    }
    RegexPlan {
        literals,
        literal_regexes,
        literal_inside,
        gates,
        unfiltered_regexes,
    }
}

fn diags_extend(diags: &mut Diagnostics, errors: Vec<Diagnostic>) {
    for e in errors {
        diags.record(e);
    }
}
