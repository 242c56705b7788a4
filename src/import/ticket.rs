//! The ticket: what the rest of csirt-tagger knows of one row of an export.

use std::sync::Arc;

use chrono::NaiveDateTime;

/// A ticket's status, normalised from whatever word its ticket system uses.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// New, open, in progress, stalled, waiting... anything not finished.
    Open,
    /// Resolved, closed, done, rejected...
    Closed,
    /// The export has no status column, or the value was empty.
    #[default]
    Unknown,
}

/// One free-text field of a ticket, kept with the column it came from so that rules can be
/// scoped to fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextField {
    /// Index of the column in the source's header (0-based).
    pub column: usize,
    /// The column's header as written in the export (shared by every ticket of the source).
    pub name: Arc<str>,
    /// Whether this is the ticket's title (subject, summary, short description).
    pub is_title: bool,
    /// The text, decoded, with flavour-specific wrapping removed (e.g. the date and author
    /// that prefix a Jira comment). Never `None`: empty fields are not listed.
    pub text: String,
}

/// One ticket read from an export.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticket {
    /// Index of the input this ticket came from, in the order inputs were given.
    pub source: usize,
    /// 1-based physical line where the record starts in its input.
    pub line: u64,
    /// 1-based record number in its input, header excluded.
    pub record: u64,
    /// The ticket's id as the ticket system shows it (`SEC-123`, `INC0010042`, `4711`); when the
    /// export has no id column, `<input>#<record>`.
    pub id: String,
    /// The title (subject, summary); empty when the export has none.
    pub title: String,
    /// Every free-text field with something in it, title included, in column order.
    pub texts: Vec<TextField>,
    /// When the ticket was created, as written in the export (local time of the export; an
    /// explicit offset is converted to UTC).
    pub created: Option<NaiveDateTime>,
    /// When it was resolved or closed.
    pub resolved: Option<NaiveDateTime>,
    /// Open or closed.
    pub status: Status,
    /// Time spent on the ticket, in seconds.
    pub time_spent: Option<f64>,
    /// Priority or severity as written.
    pub priority: Option<String>,
    /// Queue, assignment group, project...
    pub queue: Option<String>,
    /// Every field of the row as read (decoded), in column order, for pass-through output.
    pub raw: Vec<String>,
}

impl Ticket {
    /// A ticket made of a text (field `text`) and, when given, a title (field `title`), as
    /// `explain --text` and the whole-ticket tests of rules files give them; its id is
    /// `<text>`.
    pub fn from_text(title: Option<&str>, text: &str) -> Ticket {
        let mut texts = Vec::new();
        for (name, value, is_title) in [("title", title.unwrap_or(""), true), ("text", text, false)]
        {
            if !value.is_empty() {
                texts.push(TextField {
                    column: texts.len(),
                    name: Arc::from(name),
                    is_title,
                    text: value.to_string(),
                });
            }
        }
        Ticket {
            source: 0,
            line: 0,
            record: 1,
            id: "<text>".into(),
            title: title.unwrap_or("").into(),
            texts,
            created: None,
            resolved: None,
            status: Status::Unknown,
            time_spent: None,
            priority: None,
            queue: None,
            raw: Vec::new(),
        }
    }
}
