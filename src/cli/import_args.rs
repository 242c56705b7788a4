//! `ImportArgs`: how to read ticket exports, shared by every command that reads them
//! (`inspect`, and `tag`, `report`, `evaluate` with `#[command(flatten)]`).
//!
//! Everything here can also be set once in a TOML profile (`--profile`); an option given on
//! the command line overrides the profile's value.

use std::path::{Path, PathBuf};

use anyhow::Context;
use csirt_tagger::import::{
    parse_delimiter, parse_encoding, profile, ColumnRef, Flavour, ImportOptions, RejectWriter,
    TimeUnit,
};
use csirt_tagger::Diagnostics;

use super::size::parse_size;

/// How to read ticket exports.
#[derive(Debug, Default, Clone, clap::Args)]
#[command(next_help_heading = "Reading exports")]
pub struct ImportArgs {
    /// Export flavour: rt, jira, servicenow, otrs, zammad, thehive, generic or auto
    /// [default: auto, detected from the header].
    #[arg(long, visible_aliases = ["input-format", "flavor"], value_name = "FLAVOUR")]
    pub flavour: Option<String>,
    /// Text encoding: utf-8, utf-16le, utf-16be, windows-1252, latin1... or auto [default:
    /// auto: BOM, else UTF-8 if valid, else windows-1252].
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,
    /// Field delimiter: one character, or tab, comma, semicolon, pipe [default: detected from
    /// the header line].
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// Column holding the ticket id (a header name, or #N for the N-th column).
    #[arg(long, value_name = "COLUMN")]
    pub id_col: Option<String>,
    /// Column holding the title.
    #[arg(long, value_name = "COLUMN")]
    pub title_col: Option<String>,
    /// Free-text columns, comma-separated or repeated; a name takes every column so named
    /// (Jira's repeated `Comment`).
    #[arg(long, value_name = "COLUMN", value_delimiter = ',')]
    pub text_cols: Vec<String>,
    /// Column holding the creation date.
    #[arg(long, value_name = "COLUMN")]
    pub created_col: Option<String>,
    /// Column holding the resolution (or closing) date.
    #[arg(long, value_name = "COLUMN")]
    pub resolved_col: Option<String>,
    /// Column holding the status.
    #[arg(long, value_name = "COLUMN")]
    pub status_col: Option<String>,
    /// Status values meaning closed (comma-separated, any case); replaces the built-in words.
    #[arg(long, value_name = "VALUE", value_delimiter = ',')]
    pub closed_status: Vec<String>,
    /// Column holding the time spent.
    #[arg(long, value_name = "COLUMN")]
    pub time_spent_col: Option<String>,
    /// Unit of a bare number in the time-spent column: s, min, h or auto [default: auto: the
    /// flavour's unit, else guessed from the header and the values].
    #[arg(long, value_name = "UNIT")]
    pub time_unit: Option<TimeUnit>,
    /// Column holding the priority or severity.
    #[arg(long, value_name = "COLUMN")]
    pub priority_col: Option<String>,
    /// Column holding the queue, group or project.
    #[arg(long, value_name = "COLUMN")]
    pub queue_col: Option<String>,
    /// Read every date with this chrono strftime format, e.g. "%d.%m.%Y %H:%M" [default:
    /// detected per column].
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,
    /// Order of day and month in numeric dates such as 03/04/2024: day-first or month-first
    /// [default: decided per column from the first 1,000 rows].
    #[arg(long, value_name = "ORDER")]
    pub date_order: Option<String>,
    /// The inputs have no header line (parts of a split export): take the columns, and with
    /// them the flavour, delimiter and encoding, from the first line of FILE. A part that
    /// starts with that header line reads it as the header.
    #[arg(long, value_name = "FILE")]
    pub header_from: Option<PathBuf>,
    /// TOML file with any of the options above (keys without `--`, e.g. `id-col = "Nr."`);
    /// options given here override it.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Make any problem in an export fatal (exit 1 at the first one).
    #[arg(long)]
    pub strict: bool,
    /// Write rows that could not be read to FILE (CSV: file, line, reason, raw).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Largest field read (e.g. 64MiB, 512k, 1GiB) [default: 64MiB]. A row with a larger
    /// field is rejected, with its line, column and size; a larger quoted field that spans
    /// lines is taken for a quote left open and its row read without quoting (warning).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_field_size: Option<usize>,
}

impl ImportArgs {
    /// The library's options: the profile's, overridden by the command line's.
    ///
    /// Fails when the profile cannot be read or a value is not understood.
    pub fn to_options(&self) -> anyhow::Result<ImportOptions> {
        let mut opts = match &self.profile {
            Some(path) => profile::load(path)?,
            None => ImportOptions::default(),
        };
        if let Some(name) = &self.flavour {
            opts.flavour = match name.as_str() {
                "auto" => None,
                name => Some(
                    name.parse::<Flavour>()
                        .map_err(anyhow::Error::msg)
                        .context("--flavour")?,
                ),
            };
        }
        if let Some(name) = &self.encoding {
            opts.encoding = parse_encoding(name)
                .map_err(anyhow::Error::msg)
                .context("--encoding")?;
        }
        if let Some(d) = &self.delimiter {
            opts.delimiter = parse_delimiter(d)
                .map_err(anyhow::Error::msg)
                .context("--delimiter")?;
        }
        let set = |target: &mut Option<ColumnRef>, value: &Option<String>| {
            if let Some(v) = value {
                *target = Some(ColumnRef::parse(v));
            }
        };
        set(&mut opts.id_col, &self.id_col);
        set(&mut opts.title_col, &self.title_col);
        set(&mut opts.created_col, &self.created_col);
        set(&mut opts.resolved_col, &self.resolved_col);
        set(&mut opts.status_col, &self.status_col);
        set(&mut opts.time_spent_col, &self.time_spent_col);
        set(&mut opts.priority_col, &self.priority_col);
        set(&mut opts.queue_col, &self.queue_col);
        if !self.text_cols.is_empty() {
            opts.text_cols = self.text_cols.iter().map(|c| ColumnRef::parse(c)).collect();
        }
        if !self.closed_status.is_empty() {
            opts.closed_status = self.closed_status.clone();
        }
        if let Some(unit) = self.time_unit {
            opts.time_unit = unit;
        }
        if let Some(format) = &self.date_format {
            opts.date_format = Some(format.clone());
        }
        if let Some(order) = &self.date_order {
            opts.date_order = Some(
                order
                    .parse()
                    .map_err(anyhow::Error::msg)
                    .context("--date-order")?,
            );
        }
        if let Some(size) = self.max_field_size {
            opts.max_field_size = Some(size);
        }
        if let Some(path) = &self.header_from {
            opts.header_from(path).context("--header-from")?;
        }
        Ok(opts)
    }

    /// A diagnostics collector, strict when `--strict` was given.
    pub fn diagnostics(&self) -> Diagnostics {
        Diagnostics::new(self.strict)
    }

    /// Opens the `--rejects` file, if one was asked for. Do it before reading, so a path that
    /// cannot be written fails before any work. `raw` (`--raw`) keeps formula-like cells.
    pub fn rejects_writer(&self, raw: bool) -> anyhow::Result<Option<RejectWriter>> {
        self.rejects
            .as_deref()
            .map(|p: &Path| {
                RejectWriter::create(p)
                    .map(|w| w.keep_formulas(raw))
                    .with_context(|| "--rejects".to_string())
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        import: ImportArgs,
    }

    #[test]
    fn command_line_options_override_the_profile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(
            &path,
            "flavour = \"otrs\"\ndelimiter = \";\"\ntitle-col = \"Titel\"\n",
        )
        .unwrap();
        let cmd = Cmd::parse_from([
            "x",
            "--profile",
            path.to_str().unwrap(),
            "--title-col",
            "Subject",
            "--text-cols",
            "Body,Notes",
            "--time-unit",
            "h",
            "--closed-status",
            "Done,Dropped",
        ]);
        let o = cmd.import.to_options().unwrap();
        assert_eq!(o.flavour, Some(Flavour::Otrs));
        assert_eq!(o.delimiter, Some(b';'));
        assert_eq!(o.title_col, Some(ColumnRef::Name("Subject".into())));
        assert_eq!(o.text_cols.len(), 2);
        assert_eq!(o.time_unit, TimeUnit::Hours);
        assert_eq!(o.closed_status, ["Done", "Dropped"]);
    }

    #[test]
    fn bad_values_name_their_option() {
        let cmd = Cmd::parse_from(["x", "--flavour", "excel"]);
        let err = format!("{:#}", cmd.import.to_options().unwrap_err());
        assert!(
            err.starts_with("--flavour: unknown flavour `excel`"),
            "{err}"
        );
        assert!(Cmd::try_parse_from(["x", "--time-unit", "fortnights"]).is_err());
    }
}
