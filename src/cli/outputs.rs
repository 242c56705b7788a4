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
