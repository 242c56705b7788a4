//! Profiles: the import options of one site's exports, written once in a small TOML file and
//! given with `--profile our-export.toml`. Options on the command line override it.
//!
//! Keys are the long option names without `--` (snake_case accepted too):
//!
//! ```toml
//! # German Excel export of our old ticket tool
//! flavour = "generic"            # rt, jira, servicenow, otrs, zammad, thehive, generic
//! encoding = "windows-1252"
//! delimiter = ";"
//! id-col = "Nr."
//! title-col = "Betreff"
//! text-cols = ["Beschreibung", "Notizen"]
//! created-col = "Erstellt"
//! resolved-col = "Erledigt am"
//! status-col = "Status"
//! closed-status = ["Erledigt", "Abgelehnt"]
//! time-spent-col = "Aufwand"
//! time-unit = "h"                # s, min, h, auto
//! date-format = "%d.%m.%Y %H:%M"
//! date-order = "day-first"       # or month-first: numeric dates, when no date-format
//! ```
//!
//! [`save`] writes what the reader decided about one export (`inspect --save-profile`), so
//! that the parts of a split export, each read with it, read exactly as the whole does.
//!
//! An unknown key, or a value of the wrong kind, is an error at its `file:line:col`.

use std::path::Path;

use toml::Spanned;

use super::info::SourceInfo;
use super::options::{parse_delimiter, parse_encoding, ColumnRef, ImportOptions};
use crate::error::{Error, Location, Result};

/// The file as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ProfileFile {
    #[serde(alias = "format")]
    flavour: Option<Spanned<String>>,
    encoding: Option<Spanned<String>>,
    delimiter: Option<Spanned<String>>,
    #[serde(alias = "id_col")]
    id_col: Option<String>,
    #[serde(alias = "title_col")]
    title_col: Option<String>,
    #[serde(alias = "text_cols")]
    text_cols: Option<Vec<String>>,
    #[serde(alias = "created_col")]
    created_col: Option<String>,
    #[serde(alias = "resolved_col")]
    resolved_col: Option<String>,
    #[serde(alias = "status_col")]
    status_col: Option<String>,
    #[serde(alias = "closed_status")]
    closed_status: Option<Vec<String>>,
    #[serde(alias = "time_spent_col")]
    time_spent_col: Option<String>,
    #[serde(alias = "time_unit")]
    time_unit: Option<Spanned<String>>,
    #[serde(alias = "priority_col")]
    priority_col: Option<String>,
    #[serde(alias = "queue_col")]
    queue_col: Option<String>,
    #[serde(alias = "date_format")]
    date_format: Option<String>,
    #[serde(alias = "date_order")]
    date_order: Option<Spanned<String>>,
    #[serde(alias = "max_field_size")]
    max_field_size: Option<u64>,
}

/// Reads a profile file into options.
///
/// Fails when the file cannot be read, is not TOML, has an unknown key or a bad value; the
/// error names the file, line and column.
pub fn load(path: &Path) -> Result<ImportOptions> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    from_toml(path, &text)
}

/// Reads profile text; `path` names it in errors.
pub fn from_toml(path: &Path, text: &str) -> Result<ImportOptions> {
    let file: ProfileFile = toml::from_str(text).map_err(|e| {
        let at = match e.span() {
            Some(span) => Location::at_offset(path, text, span.start),
            None => Location::file(path),
        };
        Error::invalid(
            at,
            e.message().trim().to_string(),
            "keys are the --long option names of `csirt-tagger inspect --help`, without `--`",
        )
    })?;
    let bad = |value: &Spanned<String>, message: String| {
        Error::invalid(
            Location::at_offset(path, text, value.span().start),
            message,
            "see `csirt-tagger inspect --help` for the values accepted",
        )
    };
    let mut opts = ImportOptions::default();
    if let Some(v) = &file.flavour {
        if v.get_ref() != "auto" {
            opts.flavour = Some(v.get_ref().parse().map_err(|e| bad(v, e))?);
        }
    }
    if let Some(v) = &file.encoding {
        opts.encoding = parse_encoding(v.get_ref()).map_err(|e| bad(v, e))?;
    }
    if let Some(v) = &file.delimiter {
        opts.delimiter = parse_delimiter(v.get_ref()).map_err(|e| bad(v, e))?;
    }
    if let Some(v) = &file.time_unit {
        opts.time_unit = v.get_ref().parse().map_err(|e| bad(v, e))?;
    }
    let col = |c: &Option<String>| c.as_deref().map(ColumnRef::parse);
    opts.id_col = col(&file.id_col);
    opts.title_col = col(&file.title_col);
    opts.created_col = col(&file.created_col);
    opts.resolved_col = col(&file.resolved_col);
    opts.status_col = col(&file.status_col);
    opts.time_spent_col = col(&file.time_spent_col);
    opts.priority_col = col(&file.priority_col);
    opts.queue_col = col(&file.queue_col);
    opts.text_cols = file
        .text_cols
        .unwrap_or_default()
        .iter()
        .map(|c| ColumnRef::parse(c))
        .collect();
    opts.closed_status = file.closed_status.unwrap_or_default();
    opts.date_format = file.date_format;
    if let Some(v) = &file.date_order {
        opts.date_order = Some(v.get_ref().parse().map_err(|e| bad(v, e))?);
    }
    opts.max_field_size = file.max_field_size.map(|n| n as usize);
    Ok(opts)
}

/// A profile that makes any part of the export `info` describes read as the whole did:
/// its flavour, encoding, delimiter, the order of day and month and the time unit decided
/// from the whole (its look-ahead), and the options the user gave (`opts`: columns, closed
/// statuses, formats). Comments say where each value came from.
pub fn save(info: &SourceInfo, opts: &ImportOptions) -> String {
    let mut out = format!(
        "# csirt-tagger import profile of {}, written by `inspect --save-profile`.\n\
         # Give it to every part of a split export (`tag --profile FILE`) so that each part\n\
         # reads as the whole does; options on the command line override it.\n",
        info.path.display()
    );
    fn line(out: &mut String, key: &str, value: String, why: &str) {
        out.push_str(&format!("{key} = {value}"));
        if !why.is_empty() {
            out.push_str(&format!("  # {}", why.replace('\n', " ")));
        }
        out.push('\n');
    }
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    line(
        &mut out,
        "flavour",
        quote(&info.flavour.to_string()),
        &info.detection.reason,
    );
    if info.encoding == "UTF-8" && !info.bom && info.encoding_reason != "--encoding" {
        // Detected UTF-8 falls back to windows-1252 for a field of stray bytes; a forced
        // UTF-8 would replace them. Each part detects it alike.
        let why = format!(
            "{} in the whole: each part detects it alike (a forced UTF-8 would replace \
             stray bytes that the whole reads as windows-1252)",
            info.encoding,
        );
        line(&mut out, "encoding", quote("auto"), &why);
    } else {
        line(
            &mut out,
            "encoding",
            quote(&info.encoding),
            &info.encoding_reason,
        );
    }
    let delimiter = match info.delimiter.as_str() {
        "\t" => "tab".to_string(),
        d => d.to_string(),
    };
    line(
        &mut out,
        "delimiter",
        quote(&delimiter),
        &info.delimiter_reason,
    );
    let orders: Vec<(&str, super::date::DateOrder, &str)> = info
        .columns
        .iter()
        .filter_map(|c| {
            let d = c.date.as_ref()?;
            Some((
                c.name.as_str(),
                d.order?,
                d.order_reason.as_deref().unwrap_or(""),
            ))
        })
        .collect();
    // A column without numeric dates in the look-ahead was read in the flavour's order: the
    // parts must use it too, whatever their own dates would suggest.
    let default_order = info.flavour.spec().slash_order;
    let orders: Vec<_> = if orders.is_empty() && info.columns.iter().any(|c| c.date.is_some()) {
        vec![(
            "",
            default_order,
            "the flavour's default (no numeric dates in the look-ahead)",
        )]
    } else {
        orders
    };
    if let Some(order) = opts.date_order {
        line(&mut out, "date-order", quote(&order.to_string()), "given");
    } else if let Some((name, order, why)) = orders.first() {
        line(
            &mut out,
            "date-order",
            quote(&order.to_string()),
            &if name.is_empty() {
                why.to_string()
            } else {
                format!("column `{name}`: {why}")
            },
        );
        for (name, other, _) in &orders[1..] {
            if other != order {
                out.push_str(&format!(
                    "# column `{name}` was read {other}: one order holds for every date column\n"
                ));
            }
        }
    }
    if let Some(format) = &opts.date_format {
        line(&mut out, "date-format", quote(format), "given");
    }
    if let Some(d) = info.columns.iter().find_map(|c| c.duration.as_ref()) {
        line(&mut out, "time-unit", quote(&d.unit.to_string()), &d.reason);
    }
    let cols: [(&str, &Option<ColumnRef>); 8] = [
        ("id-col", &opts.id_col),
        ("title-col", &opts.title_col),
        ("created-col", &opts.created_col),
        ("resolved-col", &opts.resolved_col),
        ("status-col", &opts.status_col),
        ("time-spent-col", &opts.time_spent_col),
        ("priority-col", &opts.priority_col),
        ("queue-col", &opts.queue_col),
    ];
    for (key, col) in cols {
        if let Some(c) = col {
            line(&mut out, key, quote(&c.to_string()), "given");
        }
    }
    let list = |items: Vec<String>| {
        toml::Value::Array(items.into_iter().map(toml::Value::String).collect()).to_string()
    };
    if !opts.text_cols.is_empty() {
        let cols = opts.text_cols.iter().map(ToString::to_string).collect();
        line(&mut out, "text-cols", list(cols), "given");
    }
    if !opts.closed_status.is_empty() {
        line(
            &mut out,
            "closed-status",
            list(opts.closed_status.clone()),
            "given",
        );
    }
    if let Some(size) = opts.max_field_size {
        line(&mut out, "max-field-size", size.to_string(), "given");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{Flavour, TimeUnit};

    #[test]
    fn a_profile_sets_every_option() {
        let text = r#"
flavour = "generic"
encoding = "latin1"
delimiter = ";"
id_col = "Nr."
title-col = "Betreff"
text-cols = ["Beschreibung", "Notizen"]
closed-status = ["Erledigt"]
time-unit = "h"
date-format = "%d.%m.%Y"
"#;
        let o = from_toml(Path::new("p.toml"), text).unwrap();
        assert_eq!(o.flavour, Some(Flavour::Generic));
        assert_eq!(o.encoding, Some(encoding_rs::WINDOWS_1252));
        assert_eq!(o.delimiter, Some(b';'));
        assert_eq!(o.id_col, Some(ColumnRef::Name("Nr.".into())));
        assert_eq!(o.text_cols.len(), 2);
        assert_eq!(o.time_unit, TimeUnit::Hours);
        assert_eq!(o.date_format.as_deref(), Some("%d.%m.%Y"));
    }

    #[test]
    fn an_unknown_key_is_an_error_at_its_line() {
        let text = "flavour = \"jira\"\n\ntitle-column = \"Summary\"\n";
        let err = from_toml(Path::new("p.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("p.toml:3:1: error:"), "{err}");
        assert!(err.contains("title-column"), "{err}");
    }

    #[test]
    fn a_bad_value_is_an_error_at_the_value() {
        let err = from_toml(Path::new("p.toml"), "delimiter = \";;\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("p.toml:1:13: error: bad delimiter"),
            "{err}"
        );
        let err = from_toml(Path::new("p.toml"), "text-cols = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("p.toml:1:"), "{err}");
    }
}
