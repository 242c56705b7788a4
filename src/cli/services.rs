//! `csirt-tagger services`: list the catalog, search it, show the RSIT mapping.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use csirt_tagger::catalog::{Catalog, CatalogIndex, EntryId, Kind};
use csirt_tagger::output::escape::neutralize_formula;

use super::catalog_args::{build_index, load_catalog};
use super::outputs::Output;
use super::GlobalArgs;
use crate::cli::term;

/// List the services of the catalog as a tree (area > service > function), or search them.
///
/// Examples:
///   csirt-tagger services
///   csirt-tagger services --format csv > services.csv
///   csirt-tagger services search "reverse engineering of a malware sample"
///   csirt-tagger services --map rsit
///   csirt-tagger --catalog our-catalog.toml services
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ServicesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Tree)]
    pub format: ListFormat,
    /// Write to this file instead of stdout (replaced whole when the command succeeds).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Show a mapping instead: `rsit` prints each RSIT class and type with the services it
    /// typically exercises.
    #[arg(long, value_name = "CATALOG")]
    pub map: Option<String>,
    /// Keep CSV cells that a spreadsheet would run as formulas as they are (by default a cell
    /// of a tailored catalog starting with = + - @ tab or CR gets a leading ').
    #[arg(long)]
    pub raw: bool,
    /// Search instead of listing.
    #[command(subcommand)]
    pub action: Option<ServicesAction>,
}

/// Formats of the service list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// An indented tree for people.
    Tree,
    /// One row per entry, for spreadsheets.
    Csv,
    /// The whole catalog, nested, for programs.
    Json,
}

/// Subcommands of `services`.
#[derive(Debug, clap::Subcommand)]
pub enum ServicesAction {
    /// Find the services and functions that best fit a text, with scores and matched fields.
    ///
    /// Example: csirt-tagger services search "publish an advisory for a CVE"
    Search(SearchArgs),
}

/// `services search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// What to look for: a few words, or a whole ticket text.
    pub query: String,
    /// How many results.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Only these levels (repeatable): area, service, function.
    #[arg(long = "kind", value_enum)]
    pub kinds: Vec<KindArg>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SearchFormat::Text)]
    pub format: SearchFormat,
}

/// A catalog level on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    /// Service areas.
    Area,
    /// Services.
    Service,
    /// Functions.
    Function,
}

/// Formats of search results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SearchFormat {
    /// A ranked list for people.
    Text,
    /// JSON for programs.
    Json,
}

/// Runs `services`.
pub fn run(global: &GlobalArgs, args: ServicesArgs) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(global)?;
    let mut out = Output::open(args.output.as_deref(), &[])?;
    match (&args.action, &args.map) {
        (Some(ServicesAction::Search(search)), _) => {
            let index = build_index(global, &catalog)?;
            write_search(&mut out, &catalog, &index, search)?;
        }
        (None, Some(map)) => write_map(&mut out, &catalog, map, args.format, args.raw)?,
        (None, None) => match args.format {
            ListFormat::Tree => write_tree(&mut out, &catalog)?,
            ListFormat::Csv => write_csv(&mut out, &catalog, args.raw)?,
            ListFormat::Json => {
                serde_json::to_writer_pretty(&mut out, &catalog_json(&catalog))?;
                writeln!(out)?;
            }
        },
    }
    out.finish(global.quiet)?;
    Ok(ExitCode::SUCCESS)
}

fn write_tree(out: &mut impl Write, catalog: &Catalog) -> std::io::Result<()> {
    let meta = catalog.meta();
    let [a, s, f] = catalog.counts();
    writeln!(
        out,
        "{} {} ({}): {a} {}, {s} {}, {f} {}",
        meta.name,
        meta.version,
        meta.short,
        plural(catalog.level_name(Kind::Area)),
        plural(catalog.level_name(Kind::Service)),
        plural(catalog.level_name(Kind::Function)),
    )?;
    for area in catalog.of_kind(Kind::Area) {
        let e = catalog.entry(area);
        let abbr = e
            .abbr
            .as_ref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default();
        writeln!(out, "\n{}  {}{abbr}", e.id, e.name)?;
        let services = catalog.children(area);
        for (i, &service) in services.iter().enumerate() {
            let last = i + 1 == services.len();
            let s = catalog.entry(service);
            let slug = s
                .slug
                .as_ref()
                .map(|s| format!("  [{s}]"))
                .unwrap_or_default();
            writeln!(
                out,
                "{} {}  {}{slug}",
                if last { "└──" } else { "├──" },
                s.id,
                s.name
            )?;
            let functions = catalog.children(service);
            for (j, &function) in functions.iter().enumerate() {
                let f = catalog.entry(function);
                writeln!(
                    out,
                    "{}   {} {}  {}",
                    if last { " " } else { "│" },
                    if j + 1 == functions.len() {
                        "└──"
                    } else {
                        "├──"
                    },
                    f.id,
                    f.name
                )?;
            }
        }
    }
    Ok(())
}

/// `area` -> `areas`, `class` -> `classes`: level names are English nouns.
fn plural(noun: &str) -> String {
    if noun.ends_with('s') {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}

/// Writes one CSV record of text cells, neutralising formulas unless `raw`.
fn write_text_record<const N: usize>(
    w: &mut csv::Writer<impl Write>,
    cells: [&str; N],
    raw: bool,
) -> csv::Result<()> {
    if raw {
        w.write_record(cells)
    } else {
        w.write_record(cells.map(neutralize_formula).iter().map(|c| c.as_ref()))
    }
}

fn write_csv(out: &mut impl Write, catalog: &Catalog, raw: bool) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "kind",
        "id",
        "parent",
        "slug",
        "name",
        "description",
        "vocabulary",
        "maps_to",
    ])?;
    for id in catalog.ids() {
        let e = catalog.entry(id);
        let parent = e.parent.map(|p| catalog.entry(p).id.as_str()).unwrap_or("");
        write_text_record(
            &mut w,
            [
                e.kind.as_str(),
                &e.id,
                parent,
                e.slug.as_deref().unwrap_or(""),
                &e.name,
                &e.description,
                &e.vocabulary.join(";"),
                &e.maps_to.join(";"),
            ],
            raw,
        )?;
    }
    w.flush()?;
    Ok(())
}

/// The catalog as nested JSON: `{"catalog": {...}, "areas": [{..., "children": [...]}]}`.
fn catalog_json(catalog: &Catalog) -> serde_json::Value {
    fn node(catalog: &Catalog, id: EntryId) -> serde_json::Value {
        let mut value = serde_json::to_value(catalog.entry(id)).expect("entries serialize");
        let children: Vec<_> = catalog
            .children(id)
            .iter()
            .map(|&c| node(catalog, c))
            .collect();
        if !children.is_empty() {
            value["children"] = serde_json::Value::Array(children);
        }
        value
    }
    let [areas, services, functions] = catalog.counts();
    serde_json::json!({
        "catalog": catalog.meta(),
        "fingerprint": catalog.fingerprint(),
        "counts": {"areas": areas, "services": services, "functions": functions},
        "areas": catalog.of_kind(Kind::Area).map(|a| node(catalog, a)).collect::<Vec<_>>(),
    })
}

fn write_search(
    out: &mut impl Write,
    catalog: &Catalog,
    index: &CatalogIndex,
    args: &SearchArgs,
) -> anyhow::Result<()> {
    let kinds: Vec<Kind> = args
        .kinds
        .iter()
        .map(|k| match k {
            KindArg::Area => Kind::Area,
            KindArg::Service => Kind::Service,
            KindArg::Function => Kind::Function,
        })
        .collect();
    let hits = index.search(&args.query, args.limit, &kinds, catalog);
    if args.format == SearchFormat::Json {
        let rows: Vec<_> = hits
            .iter()
            .map(|h| {
                let e = catalog.entry(h.entry);
                serde_json::json!({
                    "id": e.id, "kind": e.kind, "slug": e.slug, "name": e.name,
                    "score": h.score, "matched": h.matched,
                })
            })
            .collect();
        serde_json::to_writer_pretty(
            &mut *out,
            &serde_json::json!({"query": args.query, "results": rows}),
        )?;
        writeln!(out)?;
        return Ok(());
    }
    if hits.is_empty() {
        writeln!(out, "no service matches {:?}", term::sanitize(&args.query))?;
        return Ok(());
    }
    let width = hits
        .iter()
        .map(|h| catalog.entry(h.entry).id.len())
        .max()
        .unwrap_or(0);
    for (rank, hit) in hits.iter().enumerate() {
        let e = catalog.entry(hit.entry);
        writeln!(
            out,
            "{:>2}. {:<width$}  {:<8}  {:>6.2}  {}",
            rank + 1,
            e.id,
            catalog.level_name(e.kind),
            hit.score,
            e.name
        )?;
        let matched: Vec<String> = hit
            .matched
            .iter()
            .map(|m| format!("{}: {}", m.field, term::sanitize(&m.words.join(", "))))
            .collect();
        writeln!(out, "    {:width$}  matched {}", "", matched.join("; "))?;
    }
    Ok(())
}

fn write_map(
    out: &mut impl Write,
    catalog: &Catalog,
    map: &str,
    format: ListFormat,
    raw: bool,
) -> anyhow::Result<()> {
    let mapping = Catalog::load(map).with_context(|| format!("--map {map}"))?;
    let Some(target_name) = mapping.meta().maps_to_catalog.clone() else {
        anyhow::bail!(
            "--map {map}: catalog {} maps to no other catalog",
            mapping.meta().short
        );
    };
    // Name the mapped services in the loaded catalog when it is the target (a tailored copy
    // keeps its ids), else in the embedded target.
    let target = if catalog.meta().short == target_name {
        catalog.clone()
    } else {
        Catalog::load(&target_name)?
    };
    let resolve = |id: &str| {
        target
            .resolve(id)
            .map(|e| target.label(e))
            .unwrap_or_else(|_| format!("{id} (not in {target_name})"))
    };
    match format {
        ListFormat::Tree => {
            writeln!(out, "{} -> {}", mapping.meta().name, target.meta().name)?;
            for id in mapping.ids() {
                let e = mapping.entry(id);
                let indent = if e.kind == Kind::Area { "\n" } else { "  " };
                writeln!(out, "{indent}{}  {}", e.id, e.name)?;
                if e.maps_to.is_empty() && e.kind != Kind::Area {
                    writeln!(out, "      (as its {})", mapping.level_name(Kind::Area))?;
                }
                for m in &e.maps_to {
                    writeln!(out, "      -> {}", resolve(m))?;
                }
            }
        }
        ListFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record(["kind", "id", "name", "maps_to", "maps_to_names"])?;
            for id in mapping.ids() {
                let e = mapping.entry(id);
                let names: Vec<String> = e.maps_to.iter().map(|m| resolve(m)).collect();
                write_text_record(
                    &mut w,
                    [
                        mapping.level_name(e.kind),
                        &e.id,
                        &e.name,
                        &e.maps_to.join(";"),
                        &names.join(";"),
                    ],
                    raw,
                )?;
            }
            w.flush()?;
        }
        ListFormat::Json => {
            let rows: Vec<_> = mapping
                .ids()
                .map(|id| {
                    let e = mapping.entry(id);
                    serde_json::json!({"kind": mapping.level_name(e.kind), "id": e.id, "name": e.name,
                        "maps_to": e.maps_to.iter().map(|m| serde_json::json!({"id": m, "label": resolve(m)})).collect::<Vec<_>>()})
                })
                .collect();
            serde_json::to_writer_pretty(
                &mut *out,
                &serde_json::json!({"from": mapping.meta(), "to": target.meta(), "entries": rows}),
            )?;
            writeln!(out)?;
        }
    }
    Ok(())
}
