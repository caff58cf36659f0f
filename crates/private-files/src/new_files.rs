//! New files written whole, or not at all: [`NewFiles`] creates each file (never over an
//! existing one), writes and syncs it, and remembers it from the moment it exists, so that a
//! command that fails at any later step (a write, the next file, a registration in a
//! database) can take back exactly what it created and nothing else. A file left behind
//! would block the next try (every one of these commands refuses to overwrite), so a file
//! that cannot be removed again is handed back to the caller by name ([`Leftovers`]), for
//! its own typed error to say "remove it by hand".
//!
//! **Owns** the order create → remember → write → sync, and the undo (last file first, a
//! file already gone is not an error). **Never** removes a file it did not create, nor a
//! folder (a private file's folder made `0700` on the way stays: it is harmless and may
//! hold other files by then), and never logs: what stayed is the caller's to report.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::{PrivateFileError, create_private, io};

/// Who may read a file [`NewFiles`] creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Access {
    /// Its owner only: mode `0600`, its folder created `0700` when missing
    /// ([`create_private`]). For keys and personal data.
    Private,
    /// The process's default mode (what the umask leaves); its folder must exist. For what
    /// is handed to others: a certificate request, a certificate.
    Public,
}

/// Writes `bytes` whole into `file` (open on `path`) and syncs it to disk; the error names
/// `path` ("cannot write …"). Also what callers that open their file otherwise (a
/// temporary rewritten with [`crate::rewrite_private`]) use, so that their write errors
/// read alike.
pub fn write_whole(file: &mut File, path: &Path, bytes: &[u8]) -> Result<(), PrivateFileError> {
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io("write", path))
}

/// The new files of one command, written whole, or not at all.
///
/// Calling contract: [`NewFiles::write`] each file in turn; when every later step of the
/// command has succeeded too, [`NewFiles::keep`] them; when any step fails (a write, or
/// anything after it), [`NewFiles::undo`], and report the files it could not remove with
/// the failure. Dropped without either, it removes its files as [`NewFiles::undo`] does,
/// without telling: call one of them.
#[derive(Debug, Default)]
#[must_use = "keep() the files or undo() them; dropped, they are removed unreported"]
pub struct NewFiles {
    /// The files created, in order.
    made: Vec<PathBuf>,
}

impl NewFiles {
    /// No files yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates the new file `path` with `access` (an existing file is an error and is left
    /// as it is), then writes `bytes` and syncs them. The file is remembered as soon as it
    /// exists, so that a write that fails leaves it to [`NewFiles::undo`], not on disk.
    pub fn write(
        &mut self,
        path: &Path,
        access: Access,
        bytes: &[u8],
    ) -> Result<(), PrivateFileError> {
        let mut file = match access {
            Access::Private => create_private(path)?,
            Access::Public => OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(io("create", path))?,
        };
        self.made.push(path.to_owned());
        write_whole(&mut file, path, bytes)
    }

    /// The files created so far, in order.
    pub fn files(&self) -> &[PathBuf] {
        &self.made
    }

    /// Keeps the files: the command succeeded. Returns them, in order.
    pub fn keep(mut self) -> Vec<PathBuf> {
        std::mem::take(&mut self.made)
    }

    /// Keeps the files when `result` is `Ok`, else undoes them ([`NewFiles::undo`]): how a
    /// caller ends "all or nothing" after its last step. `Err` is the step's error with the
    /// files that could not be removed, if any (the caller's error must name them).
    pub fn settle<T, E>(self, result: Result<T, E>) -> Result<T, (E, Option<Leftovers>)> {
        match result {
            Ok(value) => {
                self.keep();
                Ok(value)
            }
            Err(error) => Err((error, self.undo().err())),
        }
    }

    /// Removes the files, last first: the command failed. A file already gone counts as
    /// removed. `Err` names each file that stayed, with what the system said: it would
    /// block the next try, so the caller's error must say to remove it by hand.
    pub fn undo(mut self) -> Result<(), Leftovers> {
        let left = remove_all(std::mem::take(&mut self.made));
        if left.is_empty() {
            Ok(())
        } else {
            Err(Leftovers(left))
        }
    }
}

impl Drop for NewFiles {
    fn drop(&mut self) {
        // Neither kept nor undone (an early return, a panic): not at all, as promised.
        // What stays cannot be reported from here; `undo` is how a caller learns it.
        let _ = remove_all(std::mem::take(&mut self.made));
    }
}

/// Removes `made`, last first; returns the files that stayed.
fn remove_all(made: Vec<PathBuf>) -> Vec<Leftover> {
    let mut left = Vec::new();
    for path in made.into_iter().rev() {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => left.push(Leftover {
                path,
                reason: e.to_string(),
            }),
        }
    }
    left
}

/// A file [`NewFiles`] created and could not remove again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leftover {
    /// The file.
    pub path: PathBuf,
    /// What the system said when it was to be removed.
    pub reason: String,
}

impl fmt::Display for Leftover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.path.display(), self.reason)
    }
}

/// The files a [`NewFiles::undo`] left behind (at least one), last created first; shown as
/// "path (reason), path (reason)" for the caller's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leftovers(Vec<Leftover>);

impl Leftovers {
    /// Each file that stayed.
    pub fn files(&self) -> &[Leftover] {
        &self.0
    }
}

impl fmt::Display for Leftovers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, l) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{l}")?;
        }
        Ok(())
    }
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    /// A file `NewFiles` made, replaced by a folder with a file in it: `remove_file`
    /// cannot take that, even for root (these tests run as root in CI, where a read-only
    /// folder would not stop a removal).
    fn make_unremovable(path: &Path) {
        std::fs::remove_file(path).unwrap();
        std::fs::create_dir(path).unwrap();
        std::fs::write(path.join("inside"), b"").unwrap();
    }

    #[test]
    fn kept_files_are_whole_private_ones_0600_in_a_new_0700_folder() {
        let dir = tempfile::tempdir().unwrap();
        let (public, private) = (dir.path().join("r.csr"), dir.path().join("tls/key.pem"));
        let mut files = NewFiles::new();
        files.write(&public, Access::Public, b"request").unwrap();
        files.write(&private, Access::Private, b"key").unwrap();
        assert_eq!(files.files(), [public.clone(), private.clone()]);
        assert_eq!(files.keep(), [public.clone(), private.clone()]);
        assert_eq!(std::fs::read(&public).unwrap(), b"request");
        assert_eq!(std::fs::read(&private).unwrap(), b"key");
        assert_eq!(mode(&private), 0o600);
        assert_eq!(mode(&dir.path().join("tls")), 0o700);
    }

    #[test]
    fn an_existing_file_is_refused_untouched_and_never_undone() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.pem");
        std::fs::write(&old, b"old").unwrap();
        for access in [Access::Public, Access::Private] {
            let mut files = NewFiles::new();
            let e = files.write(&old, access, b"new").unwrap_err();
            assert!(e.to_string().starts_with("cannot create "), "{e}");
            assert!(e.to_string().contains("old.pem"), "{e}");
            assert!(files.files().is_empty());
            files.undo().unwrap();
            assert_eq!(std::fs::read(&old).unwrap(), b"old");
        }
    }

    #[test]
    fn a_file_that_cannot_be_created_takes_back_the_one_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("r.csr");
        // The second file's folder is a file: its creation fails after the first is written.
        let not_a_folder = dir.path().join("tls");
        std::fs::write(&not_a_folder, b"").unwrap();
        let mut files = NewFiles::new();
        files.write(&first, Access::Public, b"request").unwrap();
        let e = files
            .write(&not_a_folder.join("key.pem"), Access::Private, b"key")
            .unwrap_err();
        assert!(matches!(e, PrivateFileError::Io { .. }), "{e:?}");
        assert!(e.to_string().contains("tls"), "{e}");
        assert_eq!(files.files(), std::slice::from_ref(&first));
        files.undo().unwrap();
        assert!(!first.exists(), "the first file stayed behind");
        // A public file's missing folder is not made.
        let e = NewFiles::new()
            .write(&dir.path().join("no/such/r.csr"), Access::Public, b"x")
            .unwrap_err();
        assert!(e.to_string().contains("cannot create"), "{e}");
        assert!(!dir.path().join("no").exists());
    }

    #[test]
    fn a_later_step_that_fails_takes_back_every_file_and_names_the_one_that_stays() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.pem"), dir.path().join("b.secret"));
        let mut files = NewFiles::new();
        files.write(&a, Access::Public, b"certificate").unwrap();
        files.write(&b, Access::Private, b"secret").unwrap();
        // The step after the writes (a registration, say) fails: both go.
        files.undo().unwrap();
        assert!(!a.exists() && !b.exists());

        // Again, with `a` turned into something `remove_file` cannot take.
        let mut files = NewFiles::new();
        files.write(&a, Access::Public, b"certificate").unwrap();
        files.write(&b, Access::Private, b"secret").unwrap();
        make_unremovable(&a);
        let left = files.undo().unwrap_err();
        assert_eq!(left.files().len(), 1, "{left:?}");
        assert_eq!(left.files()[0].path, a);
        assert!(!b.exists(), "the file that could go stayed");
        let text = left.to_string();
        assert!(text.starts_with(&format!("{} (", a.display())), "{text}");
        assert!(text.ends_with(')'), "{text}");
    }

    #[test]
    fn settle_keeps_on_ok_and_undoes_on_err_handing_back_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let mut files = NewFiles::new();
        files.write(&a, Access::Public, b"kept").unwrap();
        assert_eq!(files.settle(Ok::<u8, &str>(7)), Ok(7));
        assert_eq!(std::fs::read(&a).unwrap(), b"kept");

        let mut files = NewFiles::new();
        files.write(&b, Access::Private, b"undone").unwrap();
        let (error, left) = files
            .settle(Err::<(), _>("a later step failed"))
            .unwrap_err();
        assert_eq!(error, "a later step failed");
        assert!(left.is_none(), "{left:?}");
        assert!(!b.exists(), "the file of a failed command stayed");
        assert!(a.exists(), "another command's file was touched");
    }

    #[test]
    fn a_file_gone_already_is_not_a_leftover_and_a_dropped_guard_removes_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let mut files = NewFiles::new();
        files.write(&a, Access::Private, b"x").unwrap();
        std::fs::remove_file(&a).unwrap();
        files.undo().unwrap();

        let mut files = NewFiles::new();
        files.write(&a, Access::Private, b"x").unwrap();
        drop(files);
        assert!(!a.exists(), "a dropped guard left its file");
    }

    #[test]
    fn a_write_the_disk_refuses_is_a_typed_error_naming_the_file() {
        // `/dev/full` takes an open but fails every write (ENOSPC): a real disk-full write.
        let full = Path::new("/dev/full");
        assert!(
            full.exists(),
            "this test needs /dev/full (every Linux has it; on another system, skip it)"
        );
        let mut file = OpenOptions::new().write(true).open(full).unwrap();
        let e = write_whole(&mut file, full, b"key").unwrap_err();
        assert!(
            matches!(
                e,
                PrivateFileError::Io {
                    action: "write",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            matches!(
                e,
                PrivateFileError::Io {
                    kind: std::io::ErrorKind::StorageFull,
                    ..
                }
            ),
            "{e:?}"
        );
        let text = e.to_string();
        assert!(text.starts_with("cannot write /dev/full: "), "{text}");
        // The system's reason, then the advice for a full disk, not the permissions one.
        assert!(text.contains("No space left on device"), "{text}");
        assert!(
            text.ends_with(
                ". Free space on that disk (or raise the quota or the file size limit it hit) and try again"
            ),
            "{text}"
        );
        assert!(!text.contains("owner"), "{text}");
    }

    /// Runs in a child process whose files cannot grow past the shell's `ulimit -f 1`
    /// (512 or 1024 bytes): the second file is created, then its write really fails.
    #[test]
    fn a_write_that_fails_after_the_create_takes_back_the_half_file_and_the_one_before() {
        if !crate::file_size_limit::in_limited_child() {
            crate::file_size_limit::run_limited(
                "new_files::tests::a_write_that_fails_after_the_create_takes_back_the_half_file_and_the_one_before",
            )
            .unwrap();
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let (small, big) = (dir.path().join("r.csr"), dir.path().join("tls/key.pem"));
        let mut files = NewFiles::new();
        files.write(&small, Access::Public, b"request").unwrap();
        let e = files
            .write(&big, Access::Private, &[b'k'; 8192])
            .unwrap_err();
        assert!(
            matches!(
                e,
                PrivateFileError::Io {
                    action: "write",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            matches!(
                e,
                PrivateFileError::Io {
                    kind: std::io::ErrorKind::FileTooLarge,
                    ..
                }
            ),
            "{e:?}"
        );
        let text = e.to_string();
        assert!(text.contains("key.pem"), "{text}");
        assert!(text.contains("File too large"), "{text}");
        assert!(
            text.contains("raise the quota or the file size limit it hit"),
            "{text}"
        );
        assert!(!text.contains("owner"), "{text}");
        assert!(
            big.exists(),
            "the half-written file is there before the undo"
        );
        assert_eq!(files.files(), [small.clone(), big.clone()]);
        files.undo().unwrap();
        assert!(!small.exists() && !big.exists(), "a file stayed behind");
    }
}
