//! The mapping: which column plays which role, from the flavour's names and the user's options.

use crate::import::options::{ColumnRef, ImportOptions};
use crate::import::Status;

use super::{normalize, FlavourSpec};

/// What a column is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The ticket id.
    Id,
    /// The title (also a text field).
    Title,
    /// Free text.
    Text,
    /// Creation date.
    Created,
    /// Resolution or closing date.
    Resolved,
    /// Status.
    Status,
    /// Time spent.
    TimeSpent,
    /// Priority or severity.
    Priority,
    /// Queue, group, project.
    Queue,
    /// Kept in `Ticket::raw` only.
    PassThrough,
}

impl Role {
    /// The name shown by `inspect`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Id => "id",
            Role::Title => "title",
            Role::Text => "text",
            Role::Created => "created",
            Role::Resolved => "resolved",
            Role::Status => "status",
            Role::TimeSpent => "time spent",
            Role::Priority => "priority",
            Role::Queue => "queue",
            Role::PassThrough => "pass-through only",
        }
    }
}

/// Column indexes (0-based, into the header) for each role.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Mapping {
    /// The id column.
    pub id: Option<usize>,
    /// The title column.
    pub title: Option<usize>,
    /// Every free-text column, title included, in column order.
    pub texts: Vec<usize>,
    /// The creation date column.
    pub created: Option<usize>,
    /// Resolution date columns: the first non-empty one of a ticket is its resolved date
    /// (ServiceNow's `resolved_at`, then `closed_at`).
    pub resolved: Vec<usize>,
    /// The status column.
    pub status: Option<usize>,
    /// The time-spent column.
    pub time_spent: Option<usize>,
    /// The priority column.
    pub priority: Option<usize>,
    /// The queue column.
    pub queue: Option<usize>,
}

impl Mapping {
    /// The role of column `col`.
    pub fn role(&self, col: usize) -> Role {
        let is = |c: Option<usize>| c == Some(col);
        if is(self.id) {
            Role::Id
        } else if is(self.title) {
            Role::Title
        } else if is(self.created) {
            Role::Created
        } else if self.resolved.contains(&col) {
            Role::Resolved
        } else if is(self.status) {
            Role::Status
        } else if is(self.time_spent) {
            Role::TimeSpent
        } else if is(self.priority) {
            Role::Priority
        } else if is(self.queue) {
            Role::Queue
        } else if self.texts.contains(&col) {
            Role::Text
        } else {
            Role::PassThrough
        }
    }

    /// Every date column (created first, then resolved).
    pub fn date_columns(&self) -> impl Iterator<Item = usize> + '_ {
        self.created.iter().chain(&self.resolved).copied()
    }
}

/// Finds the columns for each role: the user's choices first, then the flavour's names for the
/// roles left, never giving one column two roles (except the title, which is also text).
///
/// Fails when a column named in the options is not in the header, listing the header.
pub(crate) fn resolve(
    spec: &FlavourSpec,
    headers: &[String],
    opts: &ImportOptions,
) -> Result<Mapping, String> {
    let normal: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
    // `Time spent (h)`, `Dauer [min]`: the name without its unit matches too.
    let base: Vec<&str> = normal.iter().map(|n| without_unit(n)).collect();
    let mut used = vec![false; headers.len()];
    let mut m = Mapping::default();
    let find = |r: &ColumnRef| -> Result<Vec<usize>, String> {
        let cols = match r {
            ColumnRef::Index(n) if (1..=headers.len()).contains(n) => vec![n - 1],
            ColumnRef::Index(n) => {
                return Err(format!(
                    "column #{n} asked for, but the header has {}",
                    headers.len()
                ))
            }
            ColumnRef::Name(name) => {
                let want = normalize(name);
                let cols: Vec<usize> = (0..headers.len()).filter(|&i| normal[i] == want).collect();
                match name.parse::<usize>() {
                    Ok(n) if cols.is_empty() && n >= 1 && n <= headers.len() => vec![n - 1],
                    _ => cols,
                }
            }
        };
        if cols.is_empty() {
            return Err(format!(
                "no column `{r}` in the header ({})",
                headers.join(", ")
            ));
        }
        Ok(cols)
    };
    // The user's choices.
    let single = |r: &Option<ColumnRef>, used: &mut [bool]| -> Result<Option<usize>, String> {
        match r {
            None => Ok(None),
            Some(r) => {
                let col = find(r)?[0];
                used[col] = true;
                Ok(Some(col))
            }
        }
    };
    m.id = single(&opts.id_col, &mut used)?;
    m.title = single(&opts.title_col, &mut used)?;
    m.created = single(&opts.created_col, &mut used)?;
    if let Some(c) = single(&opts.resolved_col, &mut used)? {
        m.resolved.push(c);
    }
    m.status = single(&opts.status_col, &mut used)?;
    m.time_spent = single(&opts.time_spent_col, &mut used)?;
    m.priority = single(&opts.priority_col, &mut used)?;
    m.queue = single(&opts.queue_col, &mut used)?;
    let mut user_texts = Vec::new();
    for r in &opts.text_cols {
        user_texts.extend(find(r)?);
    }
    // The flavour's names for what is left, best candidate first.
    let auto = |names: &[&str], used: &mut [bool]| -> Option<usize> {
        for name in names {
            let hit = |i: usize| !used[i] && (normal[i] == *name || base[i] == *name);
            if let Some(col) = (0..headers.len()).find(|&i| hit(i)) {
                used[col] = true;
                return Some(col);
            }
        }
        None
    };
    if opts.id_col.is_none() {
        m.id = auto(spec.id, &mut used);
    }
    if opts.title_col.is_none() {
        m.title = auto(spec.title, &mut used);
    }
    if opts.created_col.is_none() {
        m.created = auto(spec.created, &mut used);
    }
    if opts.resolved_col.is_none() {
        while let Some(c) = auto(spec.resolved, &mut used) {
            m.resolved.push(c);
        }
        // Keep the flavour's preference order (`resolved_at` before `closed_at`).
        m.resolved
            .sort_by_key(|&c| spec.resolved.iter().position(|n| *n == normal[c]));
    }
    if opts.status_col.is_none() {
        m.status = auto(spec.status, &mut used);
    }
    if opts.time_spent_col.is_none() {
        m.time_spent = auto(spec.time_spent, &mut used);
    }
    if opts.priority_col.is_none() {
        m.priority = auto(spec.priority, &mut used);
    }
    if opts.queue_col.is_none() {
        m.queue = auto(spec.queue, &mut used);
    }
    m.texts = if opts.text_cols.is_empty() {
        (0..headers.len())
            .filter(|&i| {
                !used[i]
                    && (spec.text.contains(&normal[i].as_str())
                        || spec.text.contains(&base[i])
                        || spec.text_prefixes.iter().any(|p| normal[i].starts_with(p)))
            })
            .collect()
    } else {
        user_texts
    };
    if let Some(t) = m.title {
        m.texts.push(t);
    }
    m.texts.sort_unstable();
    m.texts.dedup();
    Ok(m)
}

/// A normalised name without a trailing unit in brackets: `time spent (h)` -> `time spent`.
fn without_unit(name: &str) -> &str {
    match name
        .strip_suffix([')', ']'])
        .and_then(|n| n.rfind(['(', '[']))
    {
        Some(at) if at > 0 => name[..at].trim_end(),
        _ => name,
    }
}

/// Turns status words into open or closed.
#[derive(Clone, Debug)]
pub struct StatusMap {
    closed: Vec<String>,
    user: bool,
}

/// Words meaning closed in every flavour (normalised): English, German, French.
const CLOSED: &[&str] = &[
    "closed",
    "resolved",
    "done",
    "rejected",
    "cancelled",
    "canceled",
    "complete",
    "completed",
    "fixed",
    "won't fix",
    "wontfix",
    "duplicate",
    "duplicated",
    "invalid",
    "finished",
    "solved",
    "archived",
    "merged",
    "removed",
    "deleted",
    "geschlossen",
    "gelöst",
    "erledigt",
    "abgeschlossen",
    "abgelehnt",
    "storniert",
    "zusammengefasst",
    "fermé",
    "fermée",
    "résolu",
    "résolue",
    "clos",
    "close",
    "clôturé",
    "clôturée",
    "terminé",
    "terminée",
    "annulé",
    "annulée",
    "rejeté",
];

/// A status starting with one of these is closed (`closed successful`, `Closed - Complete`).
const CLOSED_PREFIXES: &[&str] = &[
    "closed",
    "resolved",
    "geschlossen",
    "gelöst",
    "erfolgreich geschlossen",
    "erfolglos geschlossen",
    "fermé",
    "résolu",
    "clos ",
    "done",
];

impl StatusMap {
    /// The built-in words plus the flavour's, or exactly the user's (`--closed-status`).
    pub(crate) fn new(spec: &FlavourSpec, user: &[String]) -> StatusMap {
        if user.is_empty() {
            let mut closed: Vec<String> = CLOSED.iter().map(|s| s.to_string()).collect();
            closed.extend(spec.closed.iter().map(|s| s.to_string()));
            StatusMap {
                closed,
                user: false,
            }
        } else {
            StatusMap {
                closed: user.iter().map(|s| normalize(s)).collect(),
                user: true,
            }
        }
    }

    /// Open, closed, or unknown for an empty value.
    pub fn status(&self, value: &str) -> Status {
        let value = value.trim();
        if value.is_empty() {
            return Status::Unknown;
        }
        // Fast path, no allocation: a plain ASCII word compared without case (the usual
        // `closed`, `Open`, `In Progress`); anything else is normalised first.
        let plain = value.is_ascii() && !value.contains(['_', '-', '\t']) && !value.contains("  ");
        let closed = if plain {
            let starts = |p: &str| {
                value.len() >= p.len()
                    && value.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
            };
            self.closed.iter().any(|c| c.eq_ignore_ascii_case(value))
                || !self.user && CLOSED_PREFIXES.iter().any(|p| starts(p))
        } else {
            let value = normalize(value);
            self.closed.contains(&value)
                || !self.user && CLOSED_PREFIXES.iter().any(|p| value.starts_with(p))
        };
        if closed {
            Status::Closed
        } else {
            Status::Open
        }
    }
}
