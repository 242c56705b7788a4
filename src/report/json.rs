//! The JSON report: everything in the report, and the mergeable workload `report --merge`
//! reads back.
//!
//! See [`ReportDocument`] for the schema.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::figures::Figures;
use super::provenance::{Provenance, Stamp};
use crate::error::{Error, Location, Result};
use crate::stats::{Workload, WorkloadOptions};

/// The `schema` field of every report.
pub const SCHEMA: &str = "csirt-tagger/report";

/// The version of the schema this tool writes and reads. Raised on any change an older reader
/// would misread; a reader refuses other versions rather than guess.
pub const SCHEMA_VERSION: u32 = 2;

/// A JSON report, schema `csirt-tagger/report` version 2.
///
/// Version 2 (this one) added `resolved` to each row and gives a function its part of its
/// service's share; version 1 reports are refused, since merging them would mix the two.
///
/// Top-level fields:
///
/// | field | type | what |
/// |---|---|---|
/// | `schema` | string | always `"csirt-tagger/report"` |
/// | `schema_version` | integer | `2` |
/// | `provenance` | object | `tool`, `catalog` {`short`, `name`, `version`, `origin`, `fingerprint`}, `rules`, `inputs` and `merged_from`: lists of {`name`, `sha256`, `tickets`?}; fingerprints are `"sha256:<hex>"` |
/// | `options` | object | `period` (`week`/`month`/`quarter`), `attribution` (`primary`/`split`/`all`), `since`, `until` (`YYYY-MM-DD` or null), `queues`, `statuses` (lists), `by` (column or null) |
/// | `min_count` | integer | the `--min-count` applied to `figures` (0: none) |
/// | `workload` | object or null | the mergeable state ([`Workload`]); null when `min_count` > 0, so a report shared outside keeps no exact small counts |
/// | `figures` | object | everything the report shows ([`Figures`]), computed from `workload`; ignored when read back |
///
/// In `workload`, rows (`total`, `untagged`, `services.<id>`, `areas.<id>`,
/// `functions.<id>`) are [`Tally`](crate::stats::Tally) objects keyed by official id:
/// `primary`, `exercised` (integers); `tickets`, `timed`, `time_ms`, `resolved`, `backlog` (exact
/// fractions: an object from divisor to integer sum, `{"1": 12, "3": 2}` = 12 + 2/3);
/// `time_spent` and `to_resolve` (histograms `[[seconds, count], ...]` on a fixed grid:
/// minutes below 7 days, hours below 365 days, days beyond, so quantiles are exact to that
/// resolution and merge exactly); `backlog_opened` (creation hour of each open ticket ->
/// count, so ages are measured at the end of the merged period); `backlog_undated`;
/// `periods` (period start date -> fraction). `by` maps each `--by` value to `total`,
/// `untagged`, `services` and `areas` cells of `tickets` and `time_ms`. `counts`, `quality`,
/// `first_seen`, `last_seen` (`YYYY-MM-DDTHH:MM:SS`) and `untagged_samples` ({`id`,
/// `title`}) complete it; `catalog` is the catalog fingerprint and `options` the options.
///
/// In `figures`, a number is a count, a share (0 to 1) or a duration in seconds; `null` means
/// no data and `"suppressed"` a cell hidden by `--min-count`.
///
/// An example, shortened:
///
/// ```json
/// {
///   "schema": "csirt-tagger/report",
///   "schema_version": 2,
///   "provenance": {
///     "tool": "csirt-tagger 0.1.0",
///     "catalog": {"short": "csirt-2.1", "name": "FIRST CSIRT Services Framework",
///                 "version": "2.1", "origin": "<embedded:index/first-csirt-2.1.toml>",
///                 "fingerprint": "sha256:5f0c..."},
///     "rules": [{"name": "<embedded:rules/default.toml>", "sha256": "sha256:91ab..."}],
///     "inputs": [{"name": "exports/jan.csv", "sha256": "sha256:0d4e...", "tickets": 812}],
///     "merged_from": []
///   },
///   "options": {"period": "month", "attribution": "split", "since": null, "until": null,
///               "queues": [], "statuses": [], "by": "queue"},
///   "min_count": 0,
///   "workload": {
///     "catalog": "sha256:5f0c...",
///     "services": {"6.2": {"primary": 2, "exercised": 4, "tickets": {"1": 2, "2": 1, "3": 1},
///                          "to_resolve": [[14400, 1], [172800, 1]], "...": "..."}},
///     "...": "..."
///   },
///   "figures": {"services": [{"id": "6.2", "tickets": 2.8333333333333335,
///                             "resolve_median": 14400.0, "...": "..."}], "...": "..."}
/// }
/// ```
#[derive(Debug, serde::Serialize)]
pub struct ReportDocument<'a> {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What the report was made from.
    pub provenance: &'a Provenance,
    /// The options the tickets were counted with (also inside `workload`).
    pub options: &'a WorkloadOptions,
    /// The `--min-count` applied to `figures`.
    pub min_count: u64,
    /// The mergeable state; `None` under `--min-count`.
    pub workload: Option<&'a Workload>,
    /// Everything the report shows.
    pub figures: &'a Figures,
}

/// What is read back of a report.
#[derive(serde::Deserialize)]
struct ReadDocument {
    provenance: Provenance,
    min_count: u64,
    workload: Option<Workload>,
}

#[derive(serde::Deserialize)]
struct Header {
    schema: Option<String>,
    schema_version: Option<u32>,
}

/// Writes the JSON report (pretty-printed: reports are read in audits and diffed).
pub fn write(
    out: &mut dyn Write,
    figures: &Figures,
    provenance: &Provenance,
    workload: &Workload,
) -> Result<()> {
    let doc = ReportDocument {
        schema: SCHEMA,
        schema_version: SCHEMA_VERSION,
        provenance,
        options: &workload.options,
        min_count: figures.min_count,
        workload: (figures.min_count == 0).then_some(workload),
        figures,
    };
    let io = |e: std::io::Error| Error::io("<report output>", e);
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(|e| io(e.into()))?;
    writeln!(out).map_err(io)
}

/// Reads the workload and provenance of a JSON report; `origin` names it in errors.
pub fn from_json(text: &str, origin: &Path) -> Result<(Workload, Provenance)> {
    const HINT: &str =
        "give --merge the .json files written by `report -o part.json` or `tag --report part.json`";
    let at = |e: &serde_json::Error| {
        Location::new(origin, e.line() as u64).with_column(e.column() as u64)
    };
    let header: Header = serde_json::from_str(text)
        .map_err(|e| Error::invalid(at(&e), format!("not a JSON report: {e}"), HINT))?;
    if header.schema.as_deref() != Some(SCHEMA) {
        return Err(Error::invalid(
            Location::file(origin),
            format!(
                "not a csirt-tagger report (its schema is {:?}, expected {SCHEMA:?})",
                header.schema.unwrap_or_default()
            ),
            HINT,
        ));
    }
    if header.schema_version != Some(SCHEMA_VERSION) {
        return Err(Error::invalid(
            Location::file(origin),
            format!(
                "report schema version {}, but this csirt-tagger reads version {SCHEMA_VERSION}",
                header
                    .schema_version
                    .map_or("(none)".to_string(), |v| v.to_string())
            ),
            "merge it with the csirt-tagger version that wrote it, or make it again with this one",
        ));
    }
    let doc: ReadDocument = serde_json::from_str(text).map_err(|e| {
        Error::invalid(
            at(&e),
            format!("the report does not match its schema: {e}"),
            HINT,
        )
    })?;
    let Some(workload) = doc.workload else {
        return Err(Error::invalid(
            Location::file(origin),
            format!(
                "it was written with --min-count {}, which keeps no mergeable data",
                doc.min_count
            ),
            "write the partial reports without --min-count, and give --min-count to the merge",
        ));
    };
    Ok((workload, doc.provenance))
}

/// Reads one JSON report file, with the stamp of its bytes.
pub fn read(path: &Path) -> Result<(Workload, Provenance, Stamp)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::invalid(
            Location::file(path),
            "not UTF-8, so not a JSON report",
            "give --merge JSON reports",
        )
    })?;
    let (workload, provenance) = from_json(&text, path)?;
    let stamp = Stamp {
        name: path.display().to_string(),
        ..Stamp::of_bytes("", text.as_bytes())
    };
    Ok((workload, provenance, stamp))
}

/// Merges JSON reports in the order given: the result is the workload and provenance of one
/// run over all their inputs, with the reports listed in `merged_from`.
///
/// Refuses, naming the file, a report that is not one, of another schema version, written
/// under `--min-count`, or made with another tool version, catalog, rules or options, or
/// holding an input another report already holds.
pub fn merge_files(paths: &[PathBuf]) -> Result<(Workload, Provenance)> {
    let Some((first, rest)) = paths.split_first() else {
        return Err(Error::Usage(
            "report --merge needs at least one JSON report".into(),
        ));
    };
    let (mut workload, mut provenance, stamp) = read(first)?;
    provenance.merged_from.push(stamp);
    for path in rest {
        let (w, p, stamp) = read(path)?;
        let refuse = |e: Error| {
            let why = match e {
                Error::Usage(why) => why,
                other => other.to_string(),
            };
            Error::invalid(
                Location::file(path),
                format!("cannot merge it into {}: {why}", first.display()),
                "merge only partial reports made by one csirt-tagger version with the same --catalog, rules and options",
            )
        };
        provenance.merge(p).map_err(refuse)?;
        workload.merge(w).map_err(refuse)?;
        provenance.merged_from.push(stamp);
    }
    Ok((workload, provenance))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::{fixture, render_to_string};
    use crate::report::{Format, ReportOptions};

    fn json(min_count: u64) -> String {
        let (work, catalog, provenance) = fixture();
        render_to_string(
            &work,
            &catalog,
            &provenance,
            &ReportOptions {
                format: Format::Json,
                min_count,
                raw: false,
                title: None,
                calibration: None,
            },
        )
    }

    #[test]
    fn a_json_report_reads_back_to_the_same_workload_and_provenance() {
        let (work, _, provenance) = fixture();
        let (read, read_provenance) = from_json(&json(0), Path::new("r.json")).unwrap();
        assert_eq!(read, work);
        assert_eq!(read_provenance, provenance);
        let value: serde_json::Value = serde_json::from_str(&json(0)).unwrap();
        assert_eq!(value["schema_version"], 2);
        assert_eq!(value["figures"]["untagged"]["tickets"], 3.0);
        assert_eq!(value["figures"]["services"][0]["id"], "5.1");
    }

    #[test]
    fn a_report_under_min_count_suppresses_small_cells_and_cannot_be_merged() {
        let text = json(2);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(value["workload"].is_null());
        let s62 = value["figures"]["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "6.2")
            .unwrap();
        assert_eq!(s62["tickets"], 2.0 + 1.0 / 2.0 + 1.0 / 3.0);
        let s63 = value["figures"]["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "6.3")
            .unwrap();
        assert_eq!(s63["tickets"], "suppressed");
        assert!(value["figures"]["untagged_samples"]
            .as_array()
            .unwrap()
            .is_empty());
        let err = from_json(&text, Path::new("shared.json"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("shared.json: error: it was written with --min-count 2"),
            "{err}"
        );
    }

    #[test]
    fn other_files_and_versions_are_refused_with_the_file_named() {
        let err = from_json("{\"a\": ", Path::new("x.json"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.json:1:"), "{err}");
        let err = from_json("{\"schema\": \"other\"}", Path::new("x.json"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a csirt-tagger report"), "{err}");
        let newer = json(0).replacen("\"schema_version\": 2", "\"schema_version\": 3", 1);
        let err = from_json(&newer, Path::new("x.json"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("schema version 3") && err.contains("reads version 2"),
            "{err}"
        );
    }
}
