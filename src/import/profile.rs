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
//! ```
//!
//! An unknown key, or a value of the wrong kind, is an error at its `file:line:col`.

use std::path::Path;

use toml::Spanned;

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
    Ok(opts)
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
