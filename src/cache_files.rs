//! The files kept between runs in the cache directory (the examples' model, compiled rules):
//! written so that a reader never sees half a file, and pruned to the most recent few.

use std::path::{Path, PathBuf};

/// A cache file's bytes, mapped into memory where the system allows it, else read.
///
/// Why mapped: a run reads the examples' model (16 MB) and the compiled rules (9 MB) on every
/// start, and reading them copied every byte into fresh memory: a fifth of a one-ticket run's
/// CPU went to that copy and to the page faults of the memory it filled. Mapped, the pages come
/// from the page cache as they are read, and the parts of the model a run never looks at are
/// never read at all.
pub(crate) enum Bytes {
    /// The file mapped read-only.
    Mapped(memmap2::Mmap),
    /// The file read (where it cannot be mapped, or is empty).
    Read(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(map) => map,
            Bytes::Read(bytes) => bytes,
        }
    }
}

/// The bytes of the cache file `path`.
pub(crate) fn open(path: &Path) -> std::io::Result<Bytes> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() > 0 {
        // SAFETY: a mapped file must not change while it is mapped. Cache files never do:
        // `save` writes a new file beside and renames it over the old one, and `prune`
        // unlinks; either leaves the inode a run has mapped as it was. Only another program
        // writing into the file in place could change it under us (the same assumption
        // tantivy's mmap directory makes); what is read is checked (a checksum, a
        // fingerprint, lengths) before it is trusted.
        if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
            return Ok(Bytes::Mapped(map));
        }
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut &file, &mut bytes)?;
    Ok(Bytes::Read(bytes))
}

/// Writes `bytes` as `dir/name` (written beside, then renamed: a reader never sees half a
/// file), then deletes all but the `keep` most recently written files of `dir` whose names
/// start with `prefix` and end with `.bin` (best effort).
pub(crate) fn save(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    prefix: &str,
    keep: usize,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(dir.join(name)).map_err(|e| e.error)?;
    prune(dir, prefix, keep);
    Ok(())
}

/// Deletes all but the `keep` most recently written `prefix*.bin` files in `dir`.
fn prune(dir: &Path, prefix: &str, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with(prefix) && name.ends_with(".bin")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, path) in files.into_iter().skip(keep) {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only the most recent files of the prefix are kept; other files are never touched.
    #[test]
    fn the_cache_keeps_the_most_recent_files_of_a_kind_only() {
        let dir = tempfile::tempdir().unwrap();
        let base = std::time::SystemTime::now() - std::time::Duration::from_secs(1000);
        for i in 0..5u64 {
            for kind in ["model", "rules"] {
                let path = dir.path().join(format!("{kind}-{i}.bin"));
                std::fs::write(&path, b"x").unwrap();
                let f = std::fs::File::options().write(true).open(&path).unwrap();
                f.set_modified(base + std::time::Duration::from_secs(i * 10))
                    .unwrap();
            }
        }
        std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
        save(dir.path(), "model-new.bin", b"y", "model-", 3).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let rules: Vec<String> = (0..5).map(|i| format!("rules-{i}.bin")).collect();
        let mut expected = vec!["model-3.bin", "model-4.bin", "model-new.bin", "notes.txt"];
        expected.extend(rules.iter().map(String::as_str));
        expected.sort();
        assert_eq!(left, expected);
        assert_eq!(
            std::fs::read(dir.path().join("model-new.bin")).unwrap(),
            b"y"
        );
    }
}
