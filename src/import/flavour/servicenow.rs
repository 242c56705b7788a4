//! ServiceNow: a list's "Export > CSV" (`incident`, `sn_si_incident`, ...).
//!
//! Headers are database field names (`number`, `short_description`, `opened_at`), values are
//! display values. The file is windows-1252 unless the instance was set to UTF-8, and values
//! starting with `+ - = @` carry a leading `'` (formula guard) that is stripped from the
//! parsed fields (not from `Ticket::raw`). `time_worked` shows as `1 Hour 30 Minutes`; a bare
//! number there is seconds. `resolved_at` is preferred to `closed_at` for the resolved date.

use super::FlavourSpec;
use crate::import::date::DateOrder;
use crate::import::options::TimeUnit;

pub(super) const SPEC: FlavourSpec = FlavourSpec {
    strong: &[
        "short_description",
        "opened_at",
        "resolved_at",
        "closed_at",
        "sys_id",
        "sys_created_on",
        "sys_updated_on",
        "sys_created_by",
        "sys_updated_by",
        "assignment_group",
        "caller_id",
        "time_worked",
        "incident_state",
        "opened_by",
        "close_notes",
        "work_notes",
        "close_code",
        "business_duration",
        "calendar_duration",
        "sys_class_name",
        "comments_and_work_notes",
        "assigned_to",
        "business_service",
        "cmdb_ci",
        "contact_type",
        "resolved_by",
        "closed_by",
        "u_classification",
    ],
    strong_prefixes: &["assignment_group.", "caller_id.", "u_"],
    weak: &[
        "number",
        "description",
        "state",
        "priority",
        "category",
        "subcategory",
        "impact",
        "urgency",
        "severity",
        "comments",
    ],
    id: &["number"],
    title: &["short description"],
    text: &[
        "short description",
        "description",
        "close notes",
        "comments",
        "work notes",
        "comments and work notes",
        "category",
        "subcategory",
        "u classification",
    ],
    text_prefixes: &[],
    created: &["opened at", "sys created on"],
    resolved: &["resolved at", "closed at"],
    status: &["state", "incident state"],
    time_spent: &["time worked"],
    priority: &["priority", "severity"],
    queue: &["assignment group"],
    time_unit: Some(TimeUnit::Seconds),
    closed: &["canceled", "cancelled"],
    quoting: true,
    comment_columns: &[],
    article_columns: &[],
    formula_guard: true,
    windows_1252_default: true,
    slash_order: DateOrder::MonthFirst,
};
