//! Request Tracker / RTIR: the "Spreadsheet" link of a search, `Results.tsv`.
//!
//! Tab-separated, LF, no quoting at all (RT turns newlines into spaces and tabs into four
//! spaces, so a `"` is data). Headers are the search format's column titles: attribute names
//! (`id`, `Subject`, `TimeWorked`) or their titles (`Time Worked`), custom fields as
//! `CF.{Name}`. TimeWorked counts minutes; dates look like `Tue Mar 12 15:04:05 2024`.
//! Custom fields (`CF.{Classification}`) are taken as text: short, but exactly what rules use.

use super::FlavourSpec;
use crate::import::date::DateOrder;
use crate::import::options::TimeUnit;

pub(super) const SPEC: FlavourSpec = FlavourSpec {
    strong: &[
        "timeworked",
        "time worked",
        "requestors",
        "requestor",
        "lastupdated",
        "last updated",
        "told",
        "timeestimated",
        "time estimated",
        "timeleft",
        "time left",
        "lastupdatedby",
        "initialpriority",
        "finalpriority",
        "queuename",
    ],
    strong_prefixes: &["cf.{", "customfield.{"],
    weak: &[
        "id",
        "subject",
        "queue",
        "status",
        "owner",
        "created",
        "resolved",
        "priority",
        "starts",
        "started",
        "due",
        "creator",
        "ownername",
    ],
    id: &["id"],
    title: &["subject"],
    text: &["subject", "content", "description"],
    text_prefixes: &["cf.{", "customfield.{"],
    created: &["created"],
    resolved: &["resolved"],
    status: &["status"],
    time_spent: &["timeworked", "time worked"],
    priority: &["priority"],
    queue: &["queue", "queuename"],
    time_unit: Some(TimeUnit::Minutes),
    closed: &["abandoned"],
    quoting: false,
    comment_columns: &[],
    article_columns: &[],
    formula_guard: false,
    windows_1252_default: false,
    slash_order: DateOrder::MonthFirst,
};
