//! The catalog every command works with: loaded from `--catalog`, and its tantivy index,
//! each saying what it cost under `--verbose`. Shared by every command, owned by none.

use std::time::Instant;

use csirt_tagger::catalog::{Catalog, CatalogIndex};

use super::GlobalArgs;

/// Loads the catalog named by `--catalog`, saying so under `--verbose`.
pub fn load_catalog(global: &GlobalArgs) -> anyhow::Result<Catalog> {
    let started = Instant::now();
    let catalog = Catalog::load(&global.catalog)?;
    if global.verbose {
        let [a, s, f] = catalog.counts();
        eprintln!(
            "catalog {} ({}): {a} areas, {s} services, {f} functions, loaded in {:.1} ms",
            catalog.meta().short,
            catalog.origin().display(),
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(catalog)
}

/// Builds the tantivy index of the catalog, saying how long it took under `--verbose`.
pub fn build_index(global: &GlobalArgs, catalog: &Catalog) -> anyhow::Result<CatalogIndex> {
    let index = CatalogIndex::build(catalog)?;
    if global.verbose {
        eprintln!(
            "catalog index built in {:.1} ms ({} documents)",
            index.build_time().as_secs_f64() * 1e3,
            catalog.entries().len()
        );
    }
    Ok(index)
}
