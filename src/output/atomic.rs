//! Atomic output files: write beside the target, then rename over it.
//!
//! The temporary file lives in the target's own directory because a rename is atomic only
//! within one filesystem; `/tmp` is often another one. A run that fails or is interrupted
//! before [`AtomicFile::commit`] drops the temporary file (or, on a hard kill, leaves a hidden
//! `.name.XXXXXX.tmp` beside the target) and never touches the target itself.
//!
//! Interruption (SIGINT, SIGTERM): the binary's signal handler calls [`interrupt`], after which
//! no [`AtomicFile`] commits (so a run stopped at any point leaves the previous file or none),
//! and, when the run does not stop by itself soon enough, [`remove_pending`] before exiting:
//! every temporary file not yet committed is registered for that.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use tempfile::NamedTempFile;

use crate::error::{Error, Result};

/// Set by [`interrupt`]: no file commits any more.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The temporary files being written, for [`remove_pending`].
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Marks the process as interrupted: from now on [`AtomicFile::commit`] fails with
/// [`Error::Interrupted`] (and drops its temporary file). Safe to call from any thread.
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Whether [`interrupt`] was called.
pub fn is_interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Whether temporary files are being written (not committed, not dropped yet).
pub fn has_pending() -> bool {
    !pending().is_empty()
}

/// Removes every temporary file not committed yet; for a signal handler about to end the
/// process, whose threads will not run their destructors. Returns how many were removed.
pub fn remove_pending() -> usize {
    let mut pending = pending();
    pending
        .drain(..)
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count()
}

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // A panic while holding the lock leaves the list as valid as before.
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// A file being written; it replaces `path` only on [`commit`](AtomicFile::commit).
///
/// A target that exists and is no regular file (`/dev/null`, `/dev/stdout`, a named pipe) is
/// written directly: renaming over it would replace the device with a file (as root, `tag -o
/// /dev/null` once turned `/dev/null` into a regular file that every later `2>/dev/null`
/// appended to).
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    out: Out,
}

#[derive(Debug)]
enum Out {
    /// A temporary file beside the target, and its path registered in [`PENDING`] until
    /// committed or dropped (dropped after the file is deleted).
    Temporary(BufWriter<NamedTempFile>, Registered),
    /// The target itself, a device or pipe.
    Direct(BufWriter<File>),
}

/// Whether `path` exists and is no regular file (a device, a pipe, a socket).
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

impl AtomicFile {
    /// Starts writing `path`: creates a hidden temporary file in the same directory.
    ///
    /// Fails when the directory does not exist or is not writable, before any work is done.
    pub fn create(path: impl Into<PathBuf>) -> Result<AtomicFile> {
        let path = path.into();
        if is_special(&path) {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| Error::io(&path, e))?;
            return Ok(AtomicFile {
                path,
                out: Out::Direct(BufWriter::new(file)),
            });
        }
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (tmp, registered) = Registered::create(|| {
            tempfile::Builder::new()
                .prefix(&format!(".{name}."))
                .suffix(".tmp")
                .tempfile_in(&dir)
        })
        .map_err(|e| Error::io(&path, e))?;
        Ok(AtomicFile {
            path,
            out: Out::Temporary(BufWriter::new(tmp), registered),
        })
    }

    /// The file this will replace.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file being written, `None` when the target is written directly.
    pub fn temporary(&self) -> Option<&Path> {
        match &self.out {
            Out::Temporary(_, registered) => Some(&registered.0),
            Out::Direct(_) => None,
        }
    }

    /// Flushes, syncs and renames the temporary file over the target.
    ///
    /// Fails with [`Error::Interrupted`], leaving the target as it was, once [`interrupt`] was
    /// called.
    pub fn commit(self) -> Result<()> {
        self.commit_unless(&INTERRUPTED)
    }

    /// [`commit`](AtomicFile::commit), refused when `stop` is set (tests use their own flag:
    /// the process's is shared by every test thread).
    fn commit_unless(self, stop: &AtomicBool) -> Result<()> {
        let AtomicFile { path, out } = self;
        let (out, registered) = match out {
            Out::Temporary(out, registered) => (out, registered),
            Out::Direct(mut out) => {
                // Nothing to rename: what was written is there already.
                out.flush().map_err(|e| Error::io(&path, e))?;
                if stop.load(Ordering::SeqCst) {
                    return Err(Error::Interrupted);
                }
                return Ok(());
            }
        };
        let tmp = out
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        tmp.as_file().sync_all().map_err(|e| Error::io(&path, e))?;
        set_permissions(tmp.as_file(), &path).map_err(|e| Error::io(&path, e))?;
        if stop.load(Ordering::SeqCst) {
            return Err(Error::Interrupted);
        }
        tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        drop(registered);
        Ok(())
    }
}

/// A temporary file's path in [`PENDING`], removed from it when dropped (after the file is
/// committed or deleted).
#[derive(Debug)]
struct Registered(PathBuf);

impl Registered {
    /// Creates a temporary file and registers its path, both while holding [`PENDING`]'s lock.
    /// A signal handled between the two would find nothing to remove and end the process with
    /// the file left behind (a Ctrl-C right after the file appeared did, once in a test run);
    /// under the lock, the signal thread waits until the path is listed.
    fn create(
        make: impl FnOnce() -> io::Result<NamedTempFile>,
    ) -> io::Result<(NamedTempFile, Registered)> {
        let mut pending = pending();
        let tmp = make()?;
        pending.push(tmp.path().to_path_buf());
        let registered = Registered(tmp.path().to_path_buf());
        Ok((tmp, registered))
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut pending = pending();
        if let Some(i) = pending.iter().position(|p| *p == self.0) {
            pending.swap_remove(i);
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.out {
            Out::Temporary(out, _) => out.write(buf),
            Out::Direct(out) => out.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.out {
            Out::Temporary(out, _) => out.flush(),
            Out::Direct(out) => out.flush(),
        }
    }
}

/// The temporary file is created private (0600); a report is an ordinary file, so it gets the
/// permissions of the file it replaces, or 0644 when there was none.
fn set_permissions(file: &File, target: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(target)
            .map(|m| m.permissions().mode())
            .unwrap_or(0o644);
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (file, target);
    Ok(())
}

/// Writes `path` atomically with `write`; the target is replaced only if `write` succeeds.
pub fn write_atomically<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    let mut file = AtomicFile::create(path)?;
    write(&mut file)?;
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_temporary_file_is_made_and_listed_under_one_lock() {
        // The signal thread asks for the list (`has_pending`, `remove_pending`) while the
        // file is being made: it must wait until the path is listed, never see the file on
        // disk and not in the list. A thread asking from inside `make` cannot get the lock.
        let dir = tempfile::tempdir().unwrap();
        let (asked, answered) = std::sync::mpsc::channel();
        let mut asker = None;
        let (tmp, registered) = Registered::create(|| {
            asker = Some(std::thread::spawn(move || {
                let listed = pending().len();
                asked.send(listed).unwrap();
            }));
            assert!(
                answered.recv_timeout(Duration::from_millis(200)).is_err(),
                "the list was readable while the file was being made"
            );
            NamedTempFile::new_in(dir.path())
        })
        .unwrap();
        asker.unwrap().join().unwrap();
        assert!(
            answered.recv().unwrap() >= 1,
            "asked after the path was listed"
        );
        assert!(pending().contains(&tmp.path().to_path_buf()));
        let path = tmp.path().to_path_buf();
        drop(tmp);
        drop(registered);
        assert!(!pending().contains(&path));
    }

    #[cfg(unix)]
    #[test]
    fn a_device_or_pipe_is_written_to_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        // A named pipe gets the bytes and stays a pipe; devices (`/dev/null`, which a rename
        // as root once made a regular file) take the same path. Not tried on /dev/null here:
        // a regression would break the machine's /dev/null for every later command.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_atomically(&fifo, |w| {
            w.write_all(b"tagged").map_err(|e| Error::io("x", e))
        })
        .unwrap();
        assert_eq!(reader.join().unwrap(), b"tagged");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file"
        );
    }

    #[test]
    fn a_committed_file_replaces_the_target_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, |w| {
            w.write_all(b"new").map_err(|e| Error::io("x", e))
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_leaves_the_previous_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        std::fs::write(&path, "old").unwrap();
        let result = write_atomically(&path, |w| {
            w.write_all(b"half of it").unwrap();
            Err(Error::Usage("interrupted".into()))
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "the temporary file is gone"
        );
    }

    #[test]
    fn after_an_interruption_nothing_commits_and_no_temporary_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tagged.csv");
        std::fs::write(&path, "old").unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"half").unwrap();
        let tmp = file.temporary().expect("a regular target").to_path_buf();
        assert!(pending().contains(&tmp), "registered for remove_pending");
        let stop = AtomicBool::new(true); // what `interrupt` sets for the process
        let result = file.commit_unless(&stop);
        assert!(matches!(result, Err(Error::Interrupted)), "{result:?}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "only the old file"
        );
        assert!(!pending().contains(&tmp), "deregistered once deleted");
    }

    #[test]
    fn a_committed_or_dropped_file_is_no_longer_pending() {
        let dir = tempfile::tempdir().unwrap();
        let file = AtomicFile::create(dir.path().join("a.md")).unwrap();
        let tmp = file.temporary().expect("a regular target").to_path_buf();
        file.commit().unwrap();
        assert!(!pending().contains(&tmp));
        let file = AtomicFile::create(dir.path().join("b.md")).unwrap();
        let tmp = file.temporary().expect("a regular target").to_path_buf();
        drop(file);
        assert!(!pending().contains(&tmp));
        assert!(!tmp.exists());
    }

    #[test]
    fn a_missing_directory_fails_before_any_work_naming_the_target() {
        let err = AtomicFile::create("/nonexistent-dir/x/report.html").unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent-dir/x/report.html"),
            "{err}"
        );
    }
}
