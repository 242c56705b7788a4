//! Flavours: which ticket system wrote an export, decided from its header, and what each
//! column means (the [`Mapping`]).
//!
//! Each flavour is a `FlavourSpec` table in its own file: the header names that identify it,
//! the names of the columns for each role, the unit of its time column, its status words and
//! its quirks. Detection ([`detect`]) scores every flavour on the header: a name only that
//! system writes (`Issue key`, `short_description`, `Time Units Total`) counts 3, a common one
//! (`Status`) 1; the best score (4 at least) with at least one such distinctive name wins, else
//! `generic`. Detection compares names lower-cased only, so ServiceNow's `closed_at` is not
//! Zammad's `Closed At`; the mapping compares them [normalised](normalize) (case, `_`, `-` and
//! runs of spaces do not matter), so `Time_Spent`, `time spent` and `Time-Spent` are one name.

mod generic;
mod jira;
mod otrs;
mod rt;
mod servicenow;
mod thehive;
mod zammad;

pub(crate) use mapping::resolve;
pub use mapping::{Mapping, Role, StatusMap};

mod mapping;

use std::fmt;
use std::str::FromStr;

use super::date::DateOrder;
use super::options::TimeUnit;

/// The ticket systems whose exports are recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// Request Tracker / RTIR `Results.tsv` (tab-separated, no quoting).
    Rt,
    /// Jira issue-navigator CSV export (repeated headers for multi-valued fields).
    Jira,
    /// ServiceNow list export (`incident`, `sn_si_incident`): database field names.
    #[serde(rename = "servicenow")]
    ServiceNow,
    /// OTRS / Znuny ticket search CSV (`;`, every field quoted).
    Otrs,
    /// Zammad reporting sheet saved as CSV.
    Zammad,
    /// A CSV made by a script from TheHive's API (case JSON field names).
    #[serde(rename = "thehive")]
    TheHive,
    /// Anything else: columns guessed from common header names in English, German, French.
    Generic,
}

impl Flavour {
    /// Every flavour, generic last.
    pub const ALL: [Flavour; 7] = [
        Flavour::Rt,
        Flavour::Jira,
        Flavour::ServiceNow,
        Flavour::Otrs,
        Flavour::Zammad,
        Flavour::TheHive,
        Flavour::Generic,
    ];

    /// The name used by `--flavour` and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Flavour::Rt => "rt",
            Flavour::Jira => "jira",
            Flavour::ServiceNow => "servicenow",
            Flavour::Otrs => "otrs",
            Flavour::Zammad => "zammad",
            Flavour::TheHive => "thehive",
            Flavour::Generic => "generic",
        }
    }

    /// The flavour's table.
    pub(crate) fn spec(self) -> &'static FlavourSpec {
        match self {
            Flavour::Rt => &rt::SPEC,
            Flavour::Jira => &jira::SPEC,
            Flavour::ServiceNow => &servicenow::SPEC,
            Flavour::Otrs => &otrs::SPEC,
            Flavour::Zammad => &zammad::SPEC,
            Flavour::TheHive => &thehive::SPEC,
            Flavour::Generic => &generic::SPEC,
        }
    }
}

impl fmt::Display for Flavour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Flavour {
    type Err = String;

    /// Reads a flavour name (`rtir`, `znuny`, `snow`, `csv` are accepted as aliases).
    fn from_str(s: &str) -> Result<Flavour, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "rt" | "rtir" => Flavour::Rt,
            "jira" => Flavour::Jira,
            "servicenow" | "snow" | "service-now" => Flavour::ServiceNow,
            "otrs" | "znuny" => Flavour::Otrs,
            "zammad" => Flavour::Zammad,
            "thehive" | "the-hive" | "hive" => Flavour::TheHive,
            "generic" | "csv" => Flavour::Generic,
            other => {
                return Err(format!(
                    "unknown flavour `{other}`: expected rt, jira, servicenow, otrs, zammad, \
                     thehive or generic"
                ))
            }
        })
    }
}

/// What a flavour's exports look like. Names are [normalised](normalize).
pub(crate) struct FlavourSpec {
    /// Header names only this system writes, lower-cased (score 3 each).
    pub strong: &'static [&'static str],
    /// Header prefixes only this system writes (`cf.{`, `custom field (`), score 3 once.
    pub strong_prefixes: &'static [&'static str],
    /// Header names this system writes among others (score 1 each).
    pub weak: &'static [&'static str],
    /// Candidate names per role, [normalised](normalize), best first.
    pub id: &'static [&'static str],
    /// Title candidates.
    pub title: &'static [&'static str],
    /// Free-text columns (every column so named).
    pub text: &'static [&'static str],
    /// Free-text column prefixes.
    pub text_prefixes: &'static [&'static str],
    /// Creation date candidates.
    pub created: &'static [&'static str],
    /// Resolution date candidates; all found are used, the first non-empty wins per ticket.
    pub resolved: &'static [&'static str],
    /// Status candidates.
    pub status: &'static [&'static str],
    /// Time-spent candidates.
    pub time_spent: &'static [&'static str],
    /// Priority candidates.
    pub priority: &'static [&'static str],
    /// Queue candidates.
    pub queue: &'static [&'static str],
    /// Unit of bare numbers in the time column; `None`: guess ([`super::duration::guess_unit`]).
    pub time_unit: Option<TimeUnit>,
    /// Status words meaning closed, besides the common ones.
    pub closed: &'static [&'static str],
    /// Whether `"` quotes fields (RT's TSV never quotes).
    pub quoting: bool,
    /// Columns whose cells are `date;author;body` (Jira comments): only the body is text.
    pub comment_columns: &'static [&'static str],
    /// Columns whose cells join articles under `-->||type||from||created||<---` lines (OTRS
    /// and Znuny's ArticleTree): only the articles' bodies are text.
    pub article_columns: &'static [&'static str],
    /// Whether one leading `'` before `+ - = @` is a formula guard to strip (ServiceNow).
    pub formula_guard: bool,
    /// Whether windows-1252 is the documented default encoding (ServiceNow).
    pub windows_1252_default: bool,
    /// Order of an ambiguous `a/b/yyyy` date in a `,`-delimited export.
    pub slash_order: DateOrder,
}

/// Normalises a header name for comparison: trimmed, lower-case, `_` and `-` as spaces, runs
/// of spaces as one.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().trim_start_matches('\u{feff}').chars() {
        let c = if c == '_' || c == '-' || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

/// How the flavour was decided.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Detection {
    /// The flavour used.
    pub flavour: Flavour,
    /// Whether `--flavour` (or a profile) chose it.
    pub forced: bool,
    /// The header names that matched the flavour's distinctive or common names.
    pub matched: Vec<String>,
    /// The flavour's score.
    pub score: u32,
    /// The second best flavour and its score, if any scored.
    pub runner_up: Option<(Flavour, u32)>,
    /// One sentence saying why.
    pub reason: String,
}

/// Scores each flavour on the header and picks one (see the module docs).
pub fn detect(headers: &[String], delimiter: u8) -> Detection {
    let lower: Vec<String> = headers
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let mut scores: Vec<(Flavour, u32, bool, Vec<String>)> = Vec::new();
    for flavour in Flavour::ALL {
        if flavour == Flavour::Generic {
            continue;
        }
        let spec = flavour.spec();
        let (mut score, mut strong, mut matched) = (0, false, Vec::<(u32, String)>::new());
        let mut prefix_seen = false;
        for (h, raw) in lower.iter().zip(headers) {
            let hit = if spec.strong.contains(&h.as_str()) {
                strong = true;
                3
            } else if !prefix_seen && spec.strong_prefixes.iter().any(|p| h.starts_with(p)) {
                prefix_seen = true;
                strong = true;
                3
            } else if spec.weak.contains(&h.as_str()) {
                1
            } else {
                0
            };
            if hit > 0 && !matched.iter().any(|(_, m)| m == raw) {
                score += hit;
                matched.push((hit, raw.clone()));
            }
        }
        if flavour == Flavour::Rt && delimiter == b'\t' {
            // Results.tsv is the only tab-separated export among these: RT's `id`, `Subject`
            // and `Queue` or `Owner` are enough, even for a format without RT-only columns.
            let has = |name: &str| lower.iter().any(|h| h == name);
            if strong || has("id") && has("subject") && (has("queue") || has("owner")) {
                strong = true;
                score += 2;
            }
        }
        // The distinctive names first: they are the reason.
        matched.sort_by_key(|(hit, _)| std::cmp::Reverse(*hit));
        let matched = matched.into_iter().map(|(_, name)| name).collect();
        scores.push((flavour, score, strong, matched));
    }
    scores.sort_by_key(|s| std::cmp::Reverse(s.1));
    let runner_up = scores.get(1).filter(|s| s.1 > 0).map(|s| (s.0, s.1));
    match scores.first() {
        Some((flavour, score, true, matched)) if *score >= 4 => Detection {
            flavour: *flavour,
            forced: false,
            reason: format!(
                "header has {} (score {score}{})",
                quote_list(matched),
                runner_up.map_or(String::new(), |(f, s)| format!("; next {f} {s}"))
            ),
            matched: matched.clone(),
            score: *score,
            runner_up,
        },
        best => Detection {
            flavour: Flavour::Generic,
            forced: false,
            matched: Vec::new(),
            score: 0,
            runner_up,
            reason: match best {
                Some((f, s, _, m)) if *s > 0 => format!(
                    "no ticket system recognised (best: {f}, score {s} from {}; 4 with a \
                     distinctive name needed): columns guessed from common names",
                    quote_list(m)
                ),
                _ => "no ticket system recognised: columns guessed from common names".into(),
            },
        },
    }
}

/// `` `a`, `b`, `c` and 4 more ``: the names that matched, the first few.
fn quote_list(names: &[String]) -> String {
    const SHOWN: usize = 6;
    let mut list = names
        .iter()
        .take(SHOWN)
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        list.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    list
}

#[cfg(test)]
mod tests;
