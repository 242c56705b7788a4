//! Checks on the files a command writes, shared by the commands that write them.

use std::path::{Path, PathBuf};

/// Fails when an output names one of the inputs (the same file by any path, links included):
/// `tag mine.tsv -o mine.tsv` would replace the export with its tagging before reading it.
pub fn refuse_writing_over_inputs(
    inputs: &[PathBuf],
    outputs: &[(&str, Option<&Path>)],
) -> anyhow::Result<()> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false, // an output that does not exist yet is no input
    };
    for (option, output) in outputs {
        let Some(output) = output else { continue };
        if let Some(input) = inputs
            .iter()
            .find(|i| i.as_os_str() != "-" && same(i, output))
        {
            anyhow::bail!(
                "{option} {} is the input {}: refusing to write over a file being read \
                 (write to another file)",
                output.display(),
                input.display()
            );
        }
    }
    Ok(())
}

/// Where a command's document goes: stdout, or the `-o` file, written whole when the command
/// succeeds (through a temporary file beside it, so a failed or interrupted run leaves the
/// file as it was). Documents written this way are small (tables, JSON summaries): kept in
/// memory until [`Output::finish`].
pub enum Output {
    /// Standard output, buffered.
    Stdout(std::io::BufWriter<std::io::StdoutLock<'static>>),
    /// The `-o` file, and what will be written to it.
    File {
        /// Where.
        path: PathBuf,
        /// What.
        bytes: Vec<u8>,
    },
}

impl Output {
    /// Stdout when `path` is `None` or `-`; else the file, after checking that it is none of
    /// `inputs`.
    pub fn open(path: Option<&Path>, inputs: &[PathBuf]) -> anyhow::Result<Output> {
        match path {
            Some(p) if p.as_os_str() != "-" => {
                refuse_writing_over_inputs(inputs, &[("-o", Some(p))])?;
                Ok(Output::File {
                    path: p.to_path_buf(),
                    bytes: Vec::new(),
                })
            }
            _ => Ok(Output::Stdout(std::io::BufWriter::new(
                std::io::stdout().lock(),
            ))),
        }
    }

    /// Whether the document goes to a terminal (colours, widths).
    pub fn is_terminal(&self) -> bool {
        use std::io::IsTerminal;
        matches!(self, Output::Stdout(_)) && std::io::stdout().is_terminal()
    }

    /// Flushes stdout, or writes the file; says `wrote FILE` on stderr unless `quiet`.
    pub fn finish(self, quiet: bool) -> anyhow::Result<()> {
        use std::io::Write;
        match self {
            Output::Stdout(mut out) => Ok(out.flush()?),
            Output::File { path, bytes } => {
                csirt_tagger::output::write_atomically(&path, |w| {
                    w.write_all(&bytes)
                        .map_err(|e| csirt_tagger::Error::io(&path, e))
                })?;
                if !quiet {
                    eprintln!("wrote {}", path.display());
                }
                Ok(())
            }
        }
    }
}

impl std::io::Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Stdout(out) => out.write(buf),
            Output::File { bytes, .. } => {
                bytes.extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::File { .. } => Ok(()),
        }
    }
}
