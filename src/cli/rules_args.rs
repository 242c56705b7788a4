//! `RulesArgs`: which rules to tag with and whether the index may fill in, shared by every
//! command that tags (`explain`, `tag`, `report`, `evaluate`) with `#[command(flatten)]`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use csirt_tagger::catalog::{
    load_examples_file, Catalog, Example, ExampleIndex, EMBEDDED_EXAMPLES,
};
use csirt_tagger::rules::{
    embedded_origin, toml_files, CacheKey, Limits, Matcher, RuleSetBuilder, RulesCache,
    DEFAULT_RULES,
};
use csirt_tagger::tag::{ExampleVote, Fallback, Tagger};
use csirt_tagger::{Diagnostics, Severity};

use super::catalog_args::load_catalog;
use super::size::parse_size;
use super::GlobalArgs;

/// The catalog the embedded default rules are written for.
const DEFAULT_RULES_CATALOG: &str = "csirt-2.1";

/// Which rules to tag with, and the index fallback.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Rules")]
pub struct RulesArgs {
    /// Rules file, or directory of *.toml rules files (repeatable; later files may add rules
    /// or override thresholds) [default: the rules embedded in the binary; `csirt-tagger
    /// rules init DIR` writes them out for tuning].
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Rules file or directory to add to the rules in use (repeatable): to the default rules,
    /// or to those of --rules. Its rules may add words to a service or override thresholds.
    #[arg(long = "add-rules", value_name = "PATH")]
    pub add_rules: Vec<PathBuf>,
    /// Never propose a service from the catalog index when no rule fires.
    #[arg(long)]
    pub no_fallback: bool,
    /// Normalised index score needed to propose a service when no rule fires (how far the
    /// best service stands above the others, in standard deviations; see docs/rules.md).
    #[arg(long, value_name = "SCORE", default_value_t = Fallback::DEFAULT_THRESHOLD)]
    pub fallback_threshold: f64,
    /// Labelled example tickets the index fallback may take services from, and that vote on
    /// the services the rules give tickets much like them (repeatable; a CSV
    /// `id,services,title,text` as `csirt-tagger examples` writes it, or a labels file of
    /// `review` as it is), besides the embedded ones of the default catalog.
    #[arg(long = "examples", value_name = "FILE")]
    pub examples: Vec<PathBuf>,
    /// Leave out the embedded example tickets (those of --examples are still used).
    #[arg(long)]
    pub no_embedded_examples: bool,
    /// Share of the nearest examples' votes a service needs to be proposed when the rules give
    /// no tag (0 to 1; see docs/rules.md).
    #[arg(long, value_name = "SHARE", default_value_t = Fallback::DEFAULT_EXAMPLE_SHARE)]
    pub example_share: f64,
    /// Let the labelled examples only propose where the rules give no tag: no vote beside
    /// the rules (see docs/rules.md, "The examples' vote").
    #[arg(long)]
    pub no_example_vote: bool,
    /// What judges the rules' services from the examples: `classifier`, a model learnt from
    /// all of them (a service's share is its probability), or `neighbours`, the ten examples
    /// most like the ticket (a service's share is its part of their scores).
    #[arg(long, value_name = "LEARNER", value_enum, default_value_t = VoteBy::Classifier)]
    pub vote_by: VoteBy,
    /// Share a service the rules did not tag needs to be added (0 to 1; above 1 never adds)
    /// [default: 0.7 by the classifier, 0.5 by the neighbours].
    #[arg(long, value_name = "SHARE")]
    pub vote_add: Option<f64>,
    /// Share below which a service the rules tagged after the primary is dropped (0 to 1; 0
    /// never drops).
    #[arg(long, value_name = "SHARE", default_value_t = ExampleVote::default().drop)]
    pub vote_drop: f64,
    /// The probability the classifier must give some service for the vote to count (0 to 1).
    #[arg(long, value_name = "PROBABILITY", default_value_t = ExampleVote::default().sure)]
    pub vote_sure: f64,
    /// Where the rules' second service scores at least this share of their primary's score,
    /// the classifier chooses which of the two is the primary (above 1: never).
    #[arg(long, value_name = "RATIO", default_value_t = ExampleVote::default().near)]
    pub vote_near: f64,
    /// Where a ticket is at least this like the examples (the mean cosine of its words with
    /// the three nearest examples', 0 to 1; above 1: never), the classifier's vote counts
    /// whatever its highest probability, with --vote-close-add and --vote-close-drop.
    #[arg(long, value_name = "LIKENESS", default_value_t = ExampleVote::default().close)]
    pub vote_close: f64,
    /// --vote-add for a ticket at least --vote-close like the examples.
    #[arg(long, value_name = "SHARE", default_value_t = ExampleVote::default().close_add)]
    pub vote_close_add: f64,
    /// --vote-drop for a ticket at least --vote-close like the examples.
    #[arg(long, value_name = "SHARE", default_value_t = ExampleVote::default().close_drop)]
    pub vote_close_drop: f64,
    /// Where a ticket is at least this like the examples (0 to 1; above 1: never), a
    /// combination of the rules' ranks and the classifier's probabilities, learnt on tickets
    /// the rules had not been tuned on, decides the services after the primary instead of
    /// --vote-add and --vote-drop, and the primary where it would not keep the rules' one
    /// (docs/rules.md, "The combined vote").
    #[arg(long, value_name = "LIKENESS", default_value_t = ExampleVote::default().combine_from)]
    pub vote_combine_from: f64,
    /// The combined share a service needs to be kept or added from --vote-combine-from (0 to 1).
    #[arg(long, value_name = "SHARE", default_value_t = ExampleVote::default().combine_keep)]
    pub vote_combine_keep: f64,
    /// How alike (share of distinct words in common, 0 to 1) the nearest examples must be for
    /// their vote to count (`--vote-by neighbours`).
    #[arg(long, value_name = "SIMILARITY", default_value_t = ExampleVote::default().similarity)]
    pub vote_similarity: f64,
    /// Bounds on what the rules may cost.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Every tagger loaded, for what is said once the command is done ([`after_run`]).
static TAGGERS: std::sync::Mutex<Vec<&'static Tagger>> = std::sync::Mutex::new(Vec::new());

/// Says, once a command is done, what its taggers have to say about the catalog index they
/// built when a ticket first needed it: how long it took (`--verbose`), or why it could not be
/// built (then no ticket got a service from the catalog; they are written untagged).
pub fn after_run(global: &GlobalArgs) {
    let taggers = std::mem::take(&mut *TAGGERS.lock().unwrap_or_else(|e| e.into_inner()));
    for fallback in taggers.iter().filter_map(|t| t.fallback()) {
        if let (Some(problem), false) = (fallback.index_problem(), global.quiet) {
            eprintln!(
                "csirt-tagger: warning: the catalog index could not be built ({problem}): no \
                 ticket got a service from the catalog's descriptions"
            );
        }
        if let (Some(index), true) = (fallback.index(), global.verbose) {
            eprintln!(
                "catalog index built in {:.1} ms, when a ticket first needed it",
                index.build_time().as_secs_f64() * 1e3
            );
        }
    }
}

/// Trains the examples' classifier, or reads it back from the cache, and says what
/// `--verbose` and a cache that cannot be written have to say.
fn ready_model(global: &GlobalArgs, examples: &ExampleIndex) {
    let model = examples.model();
    if let (Some(problem), false) = (model.cache_problem(), global.quiet) {
        eprintln!(
            "csirt-tagger: warning: {problem}; it will be trained again on every run \
             (CSIRT_TAGGER_CACHE=DIR saves it elsewhere; empty: nowhere)"
        );
    }
    if global.verbose {
        eprintln!(
            "csirt-tagger: classifier of the examples ready in {:.1} ms ({} features, {} \
             services)",
            model.train_time().as_secs_f64() * 1000.0,
            model.features(),
            model.services().len()
        );
    }
}

/// Where the classifier of the examples and the compiled rules are saved between runs:
/// `$CSIRT_TAGGER_CACHE` (empty: nowhere, train and compile every run), else
/// `$XDG_CACHE_HOME/csirt-tagger`, else `$HOME/.cache/csirt-tagger`. Training takes about a
/// second and compiling the default rules 0.4 s; reading them back, about 20 and 35 ms.
pub fn cache_dir() -> Option<PathBuf> {
    // The binary's unit tests load taggers in-process: never from or into the user's cache.
    if cfg!(test) {
        return None;
    }
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = std::env::var_os("CSIRT_TAGGER_CACHE") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("csirt-tagger"))
}

/// `--vote-by`: which learner the examples' vote asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VoteBy {
    /// A logistic regression per service over the examples' word and character n-grams.
    Classifier,
    /// The ten nearest examples (BM25 over word keys).
    Neighbours,
}

/// Bounds on what a rule set may cost (see `Limits`); a rule over one is an error that names
/// its file, line and column and the option that raises the limit.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Most rules loaded, over all rules files; a rule past it is an error.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_rules)]
    pub max_rules: usize,
    /// Compiled size limit of one regex (e.g. 1MiB, 16MiB); a regex over it is an error.
    /// The regexes without a required word, compiled together, may use 64 times as much.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "1MiB")]
    pub max_regex_size: usize,
}

impl Default for LimitArgs {
    fn default() -> LimitArgs {
        let limits = Limits::default();
        LimitArgs {
            max_rules: limits.max_rules,
            max_regex_size: limits.regex_size_limit,
        }
    }
}

impl LimitArgs {
    /// The library's limits.
    pub fn limits(&self) -> Limits {
        let default = Limits::default();
        Limits {
            max_rules: self.max_rules,
            regex_size_limit: self.max_regex_size,
            regex_set_size_limit: default
                .regex_set_size_limit
                .max(self.max_regex_size.saturating_mul(64)),
            ..default
        }
    }
}

impl Default for RulesArgs {
    /// What the command line gives without these options (the fallback's threshold is not 0).
    fn default() -> RulesArgs {
        RulesArgs {
            rules: Vec::new(),
            add_rules: Vec::new(),
            no_fallback: false,
            fallback_threshold: Fallback::DEFAULT_THRESHOLD,
            examples: Vec::new(),
            no_embedded_examples: false,
            example_share: Fallback::DEFAULT_EXAMPLE_SHARE,
            no_example_vote: false,
            vote_by: VoteBy::Classifier,
            vote_add: None,
            vote_drop: ExampleVote::default().drop,
            vote_sure: ExampleVote::default().sure,
            vote_near: ExampleVote::default().near,
            vote_close: ExampleVote::default().close,
            vote_close_add: ExampleVote::default().close_add,
            vote_close_drop: ExampleVote::default().close_drop,
            vote_combine_from: ExampleVote::default().combine_from,
            vote_combine_keep: ExampleVote::default().combine_keep,
            vote_similarity: ExampleVote::default().similarity,
            limits: LimitArgs::default(),
        }
    }
}

impl RulesArgs {
    /// Loads the catalog, the rules and (unless `--no-fallback`) the index: a ready tagger.
    ///
    /// Prints rule diagnostics on stderr as `file:line:col: warning: message`; fails when a
    /// rule has an error, naming how many.
    ///
    /// The tagger lives until the process exits and is never dropped: freeing its automata
    /// and regexes one by one took 5% of a short run, for memory the exit frees at once.
    pub fn load_tagger(&self, global: &GlobalArgs) -> anyhow::Result<&'static Tagger> {
        if !(self.fallback_threshold.is_finite()) {
            anyhow::bail!("--fallback-threshold must be a number");
        }
        if !(0.0..=1.0).contains(&self.example_share) {
            anyhow::bail!("--example-share must be a number from 0 to 1");
        }
        let vote = self.vote();
        if vote.add.is_nan() || vote.add < 0.0 || !(0.0..=1.0).contains(&vote.drop) {
            anyhow::bail!("--vote-add must be a number from 0 up, --vote-drop from 0 to 1");
        }
        if !(0.0..=1.0).contains(&vote.similarity) || !(0.0..=1.0).contains(&vote.sure) {
            anyhow::bail!("--vote-similarity and --vote-sure must be numbers from 0 to 1");
        }
        if vote.near.is_nan() || vote.near < 0.0 || vote.close.is_nan() || vote.close < 0.0 {
            anyhow::bail!(
                "--vote-near and --vote-close must be numbers from 0 up (above 1: never)"
            );
        }
        if vote.close_add.is_nan()
            || vote.close_add < 0.0
            || !(0.0..=1.0).contains(&vote.close_drop)
        {
            anyhow::bail!(
                "--vote-close-add must be a number from 0 up, --vote-close-drop from 0 to 1"
            );
        }
        if vote.combine_from.is_nan()
            || vote.combine_from < 0.0
            || !(0.0..=1.0).contains(&vote.combine_keep)
        {
            anyhow::bail!(
                "--vote-combine-from must be a number from 0 up (above 1: never), \
                 --vote-combine-keep from 0 to 1"
            );
        }
        let catalog = load_catalog(global)?;
        if self.no_fallback && !self.examples.is_empty() {
            anyhow::bail!("--examples needs the index fallback: drop --no-fallback");
        }
        // The examples are read and their classifier trained or read back from the cache while
        // the rules compile (or are read back): neither needs the other, and each is a good
        // part of start-up. The catalog index is built when a ticket first needs it.
        let classifier = !self.no_example_vote && self.vote_by == VoteBy::Classifier;
        let (matcher, examples) = rayon::join(
            || self.load_matcher(global, &catalog),
            || -> anyhow::Result<Option<ExampleIndex>> {
                if self.no_fallback {
                    return Ok(None);
                }
                let examples = self.load_examples(global, &catalog)?;
                if let (Some(examples), true) = (&examples, classifier) {
                    ready_model(global, examples);
                }
                Ok(examples)
            },
        );
        let matcher = matcher?;
        let examples = examples?;
        let fallback = (!self.no_fallback).then(|| {
            Fallback::deferred()
                .with_threshold(self.fallback_threshold)
                .with_examples(examples)
                .with_example_share(self.example_share)
                .with_vote((!self.no_example_vote).then_some(vote))
        });
        let tagger: &'static Tagger = Box::leak(Box::new(
            Tagger::new(catalog, matcher)?.with_fallback(fallback),
        ));
        TAGGERS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tagger);
        Ok(tagger)
    }

    /// The examples' vote the options ask for.
    fn vote(&self) -> ExampleVote {
        let base = match self.vote_by {
            VoteBy::Classifier => ExampleVote::default(),
            VoteBy::Neighbours => ExampleVote::neighbours(),
        };
        ExampleVote {
            add: self.vote_add.unwrap_or(base.add),
            drop: self.vote_drop,
            similarity: self.vote_similarity,
            sure: self.vote_sure,
            near: self.vote_near,
            close: self.vote_close,
            close_add: self.vote_close_add,
            close_drop: self.vote_close_drop,
            combine_from: self.vote_combine_from,
            combine_keep: self.vote_combine_keep,
            ..base
        }
    }

    /// The labelled examples: the embedded ones of the catalog (unless
    /// `--no-embedded-examples`) and those of `--examples`, in one index; `None` when there
    /// are none.
    fn load_examples(
        &self,
        global: &GlobalArgs,
        catalog: &Catalog,
    ) -> anyhow::Result<Option<ExampleIndex>> {
        let started = Instant::now();
        let mut examples: Vec<Example> = Vec::new();
        let mut origins: Vec<String> = Vec::new();
        if !self.no_embedded_examples {
            examples = ExampleIndex::embedded(catalog);
            if !examples.is_empty() {
                origins.push(EMBEDDED_EXAMPLES.to_string());
            }
        }
        for path in &self.examples {
            let more = load_examples_file(path, catalog)
                .with_context(|| format!("--examples {}", path.display()))?;
            if more.is_empty() {
                anyhow::bail!(
                    "--examples {}: no example ticket in the file",
                    path.display()
                );
            }
            examples.extend(more);
            origins.push(path.display().to_string());
        }
        if examples.is_empty() {
            return Ok(None);
        }
        let index = ExampleIndex::new(examples, origins).with_model_cache(cache_dir());
        if global.verbose {
            eprintln!(
                "csirt-tagger: {} labelled example(s) read in {:.1} ms ({}); indexed when a \
                 ticket first needs them",
                index.examples().len(),
                started.elapsed().as_secs_f64() * 1000.0,
                index.origins().join(", ")
            );
        }
        Ok(Some(index))
    }

    /// Loads and compiles the rules for `catalog`: the `--rules` paths, else the embedded ones,
    /// then those of `--add-rules`. Files written for another catalog are left out with a
    /// warning; when no rule is left, a note says how to write some.
    ///
    /// Rules that compiled without a diagnostic are saved in the cache ([`cache_dir`]) and
    /// read back by the next run with the same rules texts, limits and catalog.
    pub fn load_matcher(&self, global: &GlobalArgs, catalog: &Catalog) -> anyhow::Result<Matcher> {
        let started = Instant::now();
        let limits = self.limits.limits();
        let meta = catalog.meta();
        // Every rules file, read once, by the path that named it: the cache's key and the
        // builder's input.
        let defaults = self.rules.is_empty();
        let defaults_fit = meta.short == DEFAULT_RULES_CATALOG;
        let mut groups: Vec<(&PathBuf, Vec<(PathBuf, String)>)> = Vec::new();
        let options = self.rules.iter().map(|p| ("--rules", p));
        for (option, path) in options.chain(self.add_rules.iter().map(|p| ("--add-rules", p))) {
            let with = || format!("{option} {}", path.display());
            std::fs::metadata(path).with_context(with)?;
            let mut files = Vec::new();
            for file in toml_files(path).with_context(with)? {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("{option} {}", file.display()))?;
                files.push((file, text));
            }
            groups.push((path, files));
        }
        // Not saved nor read back: a directory without rules files (a warning each run), the
        // default rules under another catalog (a warning each run too).
        let cacheable =
            groups.iter().all(|(_, files)| !files.is_empty()) && (defaults_fit || !defaults);
        let cache = cache_dir().filter(|_| cacheable).map(RulesCache::new);
        let key = {
            let embedded: Vec<(PathBuf, &str)> = match defaults {
                true => DEFAULT_RULES
                    .iter()
                    .map(|&(name, text)| (embedded_origin(name), text))
                    .collect(),
                false => Vec::new(),
            };
            let keyed: Vec<(&std::path::Path, &str)> =
                embedded
                    .iter()
                    .map(|(origin, text)| (origin.as_path(), *text))
                    .chain(groups.iter().flat_map(|(_, files)| {
                        files.iter().map(|(f, t)| (f.as_path(), t.as_str()))
                    }))
                    .collect();
            CacheKey::new(catalog, &limits, &keyed)
        };
        if let Some(matcher) = cache.as_ref().and_then(|c| c.load(&key, catalog)) {
            if global.verbose {
                self.print_stats(&matcher, "read from the cache", started);
            }
            return Ok(matcher);
        }

        let mut diags = Diagnostics::default();
        let mut builder = RuleSetBuilder::new(catalog);
        builder.limits(limits);
        if defaults && defaults_fit {
            builder.add_defaults(&mut diags);
        } else if defaults {
            // Written for csirt-2.1: under a tailored copy of it (`based_on`), the rules of the
            // services it kept apply, without an error for each of the others; under another
            // catalog they are all left out, said once below rather than once per file.
            let mut unfit = Diagnostics::default();
            builder.add_defaults(&mut unfit);
            if unfit.errors() > 0 && !global.quiet {
                eprintln!(
                    "csirt-tagger: warning: the default rules are written for {DEFAULT_RULES_CATALOG}; \
                     {} of them name services catalog {} does not have and are left out",
                    unfit.errors(),
                    meta.short
                );
            }
        }
        for (path, files) in &groups {
            if files.is_empty() {
                builder.add_path(path, &mut diags)?; // no file: the builder's warning
            }
            for (file, text) in files {
                builder.add_str(text, file, &mut diags);
            }
        }
        if builder.is_empty() && !global.quiet {
            eprintln!(
                "csirt-tagger: note: no rules are written for catalog {short}{defaults}; tickets \
                 get tags from the catalog index alone. To write some: `csirt-tagger rules init \
                 DIR`, set `catalog = \"{short}\"` in its files and name {short}'s services, \
                 then give --rules DIR (docs/rules.md)",
                short = meta.short,
                defaults = if self.rules.is_empty() {
                    format!(" (the default rules are for {DEFAULT_RULES_CATALOG})")
                } else {
                    String::new()
                },
            );
        }
        for d in diags.items() {
            if d.severity == Severity::Error || !global.quiet {
                eprintln!("{d}");
            }
        }
        if diags.errors() > 0 {
            anyhow::bail!(
                "{} error(s) in the rules (see above); fix them or leave those rules out (docs/rules.md)",
                diags.errors()
            );
        }
        let matcher = match cache.filter(|_| diags.is_empty()) {
            None => builder.build()?,
            Some(cache) => {
                let (matcher, saved) = builder.build_into_cache(&cache, &key)?;
                if let (Err(e), false) = (saved, global.quiet) {
                    eprintln!(
                        "csirt-tagger: warning: cannot save the compiled rules in the cache: {e}; \
                         they will be compiled again on every run (CSIRT_TAGGER_CACHE=DIR saves \
                         them elsewhere; empty: nowhere)"
                    );
                }
                matcher
            }
        };
        if global.verbose {
            self.print_stats(&matcher, "compiled", started);
        }
        Ok(matcher)
    }

    /// `--verbose`: what the rules hold, and how long they took to be `how`.
    fn print_stats(&self, matcher: &Matcher, how: &str, started: Instant) {
        let s = matcher.stats();
        eprintln!(
            "rules: {} rules, {} words and phrases ({} automaton patterns), {} regexes ({} gated \
             by literals), {:.1} MiB of automata, {how} in {:.1} ms",
            s.rules,
            s.words,
            s.patterns,
            s.regexes,
            s.gated_regexes,
            s.automaton_bytes as f64 / (1 << 20) as f64,
            started.elapsed().as_secs_f64() * 1e3
        );
    }
}

/// Loads the rules of `paths` (files or directories), or the embedded ones when there are
/// none. Problems inside files are diagnostics; fails only when a path cannot be read.
pub fn load_rules<'c>(
    catalog: &'c Catalog,
    paths: &[PathBuf],
    limits: &LimitArgs,
    diags: &mut Diagnostics,
) -> anyhow::Result<RuleSetBuilder<'c>> {
    let mut builder = RuleSetBuilder::new(catalog);
    builder.limits(limits.limits());
    if paths.is_empty() {
        builder.add_defaults(diags);
    }
    for path in paths {
        builder
            .add_path(path, diags)
            .with_context(|| path.display().to_string())?;
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        global: GlobalArgs,
        #[command(flatten)]
        rules: RulesArgs,
    }

    #[test]
    fn an_error_in_a_rules_file_fails_the_command() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(
            &path,
            "[[rule]]\nid = \"x\"\nservice = \"99.9\"\nany = [\"a\"]\n",
        )
        .unwrap();
        let cmd = Cmd::parse_from([
            "x",
            "--quiet",
            "--rules",
            path.to_str().unwrap(),
            "--no-fallback",
        ]);
        let err = cmd.rules.load_tagger(&cmd.global).unwrap_err().to_string();
        assert!(err.starts_with("1 error(s) in the rules"), "{err}");
    }

    #[test]
    fn rules_from_a_directory_tag_without_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let rule = "[[rule]]\nid = \"x\"\nservice = \"6.3\"\nany = [\"sample\"]\n";
        std::fs::write(dir.path().join("a.toml"), rule).unwrap();
        let cmd = Cmd::parse_from([
            "x",
            "--rules",
            dir.path().to_str().unwrap(),
            "--no-fallback",
        ]);
        let tagger = cmd.rules.load_tagger(&cmd.global).unwrap();
        assert_eq!(tagger.matcher().rules().len(), 1);
        assert!(tagger.fallback().is_none());
    }

    #[test]
    fn limits_come_from_the_command_line() {
        let cmd = Cmd::parse_from(["x", "--max-rules", "5", "--max-regex-size", "2MiB"]);
        let limits = cmd.rules.limits.limits();
        assert_eq!((limits.max_rules, limits.regex_size_limit), (5, 2 << 20));
        assert_eq!(limits.regex_set_size_limit, 128 << 20);
        let cmd = Cmd::parse_from(["x"]);
        assert_eq!(
            cmd.rules.limits.limits().regex_size_limit,
            Limits::default().regex_size_limit
        );
    }

    #[test]
    fn a_missing_rules_path_names_the_option() {
        let cmd = Cmd::parse_from(["x", "--rules", "/nonexistent/rules.toml"]);
        let err = format!("{:#}", cmd.rules.load_tagger(&cmd.global).unwrap_err());
        assert!(
            err.starts_with("--rules /nonexistent/rules.toml: "),
            "{err}"
        );
    }
}
