//! Catalog: the services framework as data, and its tantivy index.
//!
//! In: a TOML catalog (embedded, or a team's own file; schema in `docs/catalog.md`).
//! Out: a validated [`Catalog`] (areas > services > functions, each with an id, a name, our own
//! description and the vocabulary tickets use) and, built from it at start, an in-RAM
//! [`CatalogIndex`] that answers "which service is this text about?".
//!
//! Everything downstream names services through [`Catalog::resolve`], which accepts an official
//! id (`6.3`), a slug (`artifact-analysis`) or, where the catalog allows it, a relative id with
//! an explicit prefix (`rel:2.3`), and always answers with the official entry.

mod classifier;
mod examples;
mod index;
mod load;

pub use classifier::{ExampleModel, Likeness};
pub use examples::{
    example_text, keys, load_examples_file, read_examples, words_and_keys, Example, ExampleIndex,
    Neighbour, Neighbours, EMBEDDED_EXAMPLES, KEY_CHARS, MAX_EXAMPLE_BYTES, NEIGHBOURS,
};
pub use index::{CatalogIndex, FieldMatch, SearchHit};
pub use load::{Catalog, CatalogMeta, Entry, EntryId, Kind, EMBEDDED};
