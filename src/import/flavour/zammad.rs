//! Zammad: the reporting sheet (`.xlsx`) saved as CSV by a spreadsheet program.
//!
//! Columns from Zammad's `lib/excel_sheet/ticket.rb`: `#`, `Title`, `State`, `Priority`,
//! `Group`, `Owner`, `Customer`, `Organization`, `Create Channel`, `Sender`, `Tags`,
//! `Time Units Total`, `Created At`, `Updated At`, `Closed At`, ... There is no article body:
//! the text is the title and the tags. After the save, dates and the delimiter are whatever the
//! spreadsheet's locale writes (`;` and `22.11.2026 15:04` in German Excel). `Time Units Total`
//! counts in whatever unit the site agreed on (minutes at most sites, hours at some): the
//! flavour fixes none, so the unit is decided from the values and said as a warning.

use super::FlavourSpec;
use crate::import::date::DateOrder;

pub(super) const SPEC: FlavourSpec = FlavourSpec {
    strong: &[
        "time units total",
        "create channel",
        "article count",
        "close in min",
        "close diff in min",
        "close escalation at",
        "first response at",
        "first response escalation at",
        "first response in min",
        "first response diff in min",
        "update escalation at",
        "escalation at",
        "last contact at",
        "last contact agent at",
        "last contact customer at",
        "pending till",
    ],
    strong_prefixes: &[],
    weak: &[
        "#",
        "title",
        "state",
        "priority",
        "group",
        "owner",
        "customer",
        "organization",
        "sender",
        "tags",
        "created at",
        "updated at",
        "closed at",
        "number",
    ],
    id: &["#", "number", "nummer"],
    title: &["title", "titel"],
    text: &["title", "titel", "tags"],
    text_prefixes: &[],
    created: &["created at", "erstellt am"],
    resolved: &["closed at", "geschlossen am"],
    status: &["state", "status"],
    time_spent: &["time units total", "zeiteinheiten gesamt"],
    priority: &["priority", "priorität"],
    queue: &["group", "gruppe"],
    time_unit: None,
    closed: &["merged"],
    quoting: true,
    comment_columns: &[],
    article_columns: &[],
    formula_guard: false,
    windows_1252_default: false,
    slash_order: DateOrder::MonthFirst,
};
