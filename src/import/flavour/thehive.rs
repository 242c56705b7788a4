//! TheHive: a CSV written by a site's own script from the case JSON of the API.
//!
//! TheHive has no CSV export, so columns are the case JSON's field names: `number`, `title`,
//! `description`, `severity` (1 low to 4 critical), `tlp`, `pap`, `status`, `createdAt`,
//! `endDate` (epoch milliseconds), `tags`. Closed cases are `Resolved` (TheHive 4) or carry a
//! closing stage such as `TruePositive` (TheHive 5).

use super::FlavourSpec;
use crate::import::date::DateOrder;

pub(super) const SPEC: FlavourSpec = FlavourSpec {
    strong: &[
        "tlp",
        "pap",
        "createdat",
        "enddate",
        "caseid",
        "resolutionstatus",
        "impactstatus",
        "customfields",
        "_id",
        "startdate",
        "updatedat",
        "createdby",
        "updatedby",
        "_createdat",
        "_createdby",
        "_type",
    ],
    strong_prefixes: &[],
    weak: &[
        "number",
        "title",
        "description",
        "severity",
        "status",
        "tags",
        "owner",
        "assignee",
        "flag",
        "summary",
        "stage",
    ],
    id: &["number", "caseid", "id"],
    title: &["title"],
    text: &["title", "description", "summary", "tags"],
    text_prefixes: &[],
    created: &["createdat", "startdate", "created at"],
    resolved: &["enddate", "end date"],
    status: &["status", "stage"],
    time_spent: &[],
    priority: &["severity"],
    queue: &[],
    time_unit: None,
    closed: &[
        "truepositive",
        "falsepositive",
        "indeterminate",
        "other",
        "duplicated",
        "resolved",
    ],
    quoting: true,
    comment_columns: &[],
    article_columns: &[],
    formula_guard: false,
    windows_1252_default: false,
    slash_order: DateOrder::MonthFirst,
};
