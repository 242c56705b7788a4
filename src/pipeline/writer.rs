//! The tagged output: a [`Sink`] that writes every ticket with its tags, as CSV (the input's
//! columns, then the tag columns) or JSON lines, rendered on the pipeline's threads and
//! written in input order.

use std::io::Write;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::import::SourceInfo;
use crate::output::tagged::{CsvStyle, Renderer, TaggedFormat};
use crate::tag::Tagger;

use super::{Batch, Needs, Sink};

/// Tickets a worker renders at a time.
const CHUNK: usize = 64;

/// Writes tagged tickets to `W`. The CSV layout (delimiter, byte order mark, quoting) is the
/// first input's unless set; every input of one CSV output must have the same columns.
pub struct TaggedWriter<'a, W: Write> {
    renderer: Renderer<'a>,
    out: W,
    name: String,
    delimiter: Option<u8>,
    bom: bool,
    header: bool,
    /// The first input and its columns, once its header is written.
    first: Option<(PathBuf, Vec<String>)>,
}

impl<'a, W: Write> TaggedWriter<'a, W> {
    /// A writer of `format` to `out`, which `name` names in error messages; cells that a
    /// spreadsheet would run as formulas are neutralised.
    pub fn new(tagger: &'a Tagger, format: TaggedFormat, out: W, name: &str) -> Self {
        TaggedWriter {
            renderer: Renderer {
                catalog: tagger.catalog(),
                matcher: tagger.matcher(),
                format,
                raw: false,
                style: CsvStyle::default(),
            },
            out,
            name: name.to_string(),
            delimiter: None,
            bom: true,
            header: true,
            first: None,
        }
    }

    /// Keeps cells as they are, formulas included (`--raw`).
    pub fn raw(mut self, raw: bool) -> Self {
        self.renderer.raw = raw;
        self
    }

    /// Writes the CSV with this delimiter (quoted as CSV is) instead of the first input's.
    pub fn delimiter(mut self, delimiter: Option<u8>) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Whether the CSV starts with a byte order mark when the first input had one (default:
    /// yes; `--no-bom`).
    pub fn bom(mut self, bom: bool) -> Self {
        self.bom = bom;
        self
    }

    /// Whether the CSV starts with its header row (default: yes). Without it, there is no
    /// byte order mark either: the output is a run of rows, to follow another output's header.
    pub fn header(mut self, header: bool) -> Self {
        self.header = header;
        self
    }

    /// Flushes and returns the output.
    pub fn into_inner(mut self) -> Result<W> {
        self.out.flush().map_err(|e| Error::io(&self.name, e))?;
        Ok(self.out)
    }
}

impl<W: Write> Sink for TaggedWriter<'_, W> {
    fn start(&mut self, source: &SourceInfo) -> Result<Needs> {
        let format = self.renderer.format;
        match &self.first {
            None => {
                let mut style = CsvStyle::of(source);
                if let Some(d) = self.delimiter {
                    // Asked for: a delimiter of the user's, quoted as CSV is.
                    style.delimiter = d;
                    style.quoting = true;
                }
                style.bom &= self.bom && self.header;
                self.renderer.style = style;
                if self.header {
                    let header = self.renderer.header(&source.headers)?;
                    self.out
                        .write_all(&header)
                        .map_err(|e| Error::io(&self.name, e))?;
                }
                self.first = Some((source.path.clone(), source.headers.clone()));
            }
            Some((first, headers)) if format == TaggedFormat::Csv && *headers != source.headers => {
                return Err(Error::Usage(format!(
                    "{} has other columns than {}: one CSV output needs one header; tag them \
                     separately, or write JSON lines (-o tagged.jsonl)",
                    source.path.display(),
                    first.display()
                )));
            }
            Some(_) => {}
        }
        Ok(match format {
            TaggedFormat::Csv => Needs::Tags,
            TaggedFormat::Jsonl => Needs::Words,
        })
    }

    fn batch(&mut self, batch: &Batch<'_>) -> Result<()> {
        let renderer = self.renderer;
        let source_name = batch.source.path.display().to_string();
        let headers = &batch.source.headers;
        let rendered: Vec<Vec<u8>> = batch.install(|| {
            batch
                .tickets
                .par_chunks(CHUNK)
                .zip(batch.tagged.par_chunks(CHUNK))
                .map(|(tickets, tagged)| {
                    let mut bytes = Vec::with_capacity(tickets.len() * 256);
                    renderer.rows(&mut bytes, headers, &source_name, tickets, tagged)?;
                    Ok(bytes)
                })
                .collect::<Result<_>>()
        })?;
        for bytes in rendered {
            self.out
                .write_all(&bytes)
                .map_err(|e| Error::io(&self.name, e))?;
        }
        Ok(())
    }
}
