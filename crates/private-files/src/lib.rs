//! # private-files
//!
//! Files that hold personal data or a key, on the terminal and on the servers: created with
//! mode `0600`, in folders created with mode `0700`, whatever the process's umask
//! (docs/DECISIONS.md, "Files with personal data"). The one place these rules are
//! written: the terminal's journal and files (`counter-store`, `counter-runtime`) and the
//! backends' SQLite databases (`backend-kit`) all go through it.
//!
//! **Owns** the modes, and the one way a command makes new files "written whole, or not
//! at all" ([`NewFiles`]: a key and its certificate request, a signing key and a secret,
//! a terminal's certificate). What is written and when is the callers'. **Never** chooses
//! a file's contents, logs (a restricted file or one that could not be removed again is
//! returned to the caller, which reports it), or depends on anything but `std` and
//! `thiserror` (it sits under crates that must not pull in each other's dependencies).
//! The rules:
//! - a file made here is created `0600` (an `open(2)` mode, not a `chmod` after the fact,
//!   so no other user can open it in between), except one [`NewFiles`] makes
//!   [`Access::Public`] on purpose (what is handed to others: a certificate request);
//! - a file that exists and is open to others (group or other bits) is tightened to
//!   `0600`: it is ours, and an earlier version may have made it with the umask's mode;
//! - a folder made here is created `0700`, with every missing parent; a folder that
//!   exists keeps its mode (it may be the operator's: a state folder, the receipt system's
//!   shared folder), and the files in it are what is protected.
//!
//! SQLite makes a database's `-wal` and `-shm` files with the database file's own mode,
//! so a database created through [`prepare_private`] keeps its journal private too. A
//! database's folder is never created ([`prepare_private`] says why).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

#[cfg(any(test, feature = "test-support"))]
pub mod file_size_limit;
mod new_files;

pub use new_files::{Access, Leftover, Leftovers, NewFiles, write_whole};

/// Why a private file or folder could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrivateFileError {
    /// The system refused. The message ends with the advice that fits `kind` ([`advice`]):
    /// free space for a full disk, the owner and permissions for a refusal, another folder
    /// for a read-only disk.
    #[error("cannot {action} {}: {reason}. {}", .path.display(), advice(*kind))]
    #[non_exhaustive]
    Io {
        /// What was tried (`"create"`, `"write"`, `"restrict the mode of"`, …).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// What kind of failure the system reported (`StorageFull`, `PermissionDenied`, …).
        kind: std::io::ErrorKind,
        /// What the system said.
        reason: String,
    },
}

/// What to do after a failure of `kind`: the last sentence of [`PrivateFileError::Io`]'s
/// message. The kinds are std's reading of the system's error number (on Linux, `ENOSPC`
/// is `StorageFull`, `EDQUOT` `QuotaExceeded`, `EFBIG` `FileTooLarge`, `EROFS`
/// `ReadOnlyFilesystem`, `EACCES` and `EPERM` `PermissionDenied`).
pub fn advice(kind: std::io::ErrorKind) -> &'static str {
    use std::io::ErrorKind as K;
    match kind {
        // EFBIG: the process's file size limit (`ulimit -f`) or the file system's largest
        // file; both read as "make room", the limit being the room of a process.
        K::StorageFull | K::QuotaExceeded | K::FileTooLarge => {
            "Free space on that disk (or raise the quota or the file size limit it hit) and try again"
        }
        K::PermissionDenied => "Check the folder's owner and permissions",
        K::ReadOnlyFilesystem => {
            "Its disk is mounted read-only: remount it read-write or choose a folder on another disk"
        }
        _ => "Check the path (a missing folder, a file in the way) and the disk it is on",
    }
}

/// The error of `action` on `path` (`"create"`, `"write"`: the message reads "cannot
/// {action} {path}", then what to do), for `map_err`: also what callers writing next to a
/// private file use, so that their messages read alike.
pub fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> PrivateFileError {
    let path = path.to_owned();
    move |e| PrivateFileError::Io {
        action,
        path,
        kind: e.kind(),
        reason: e.to_string(),
    }
}

/// The mode of a private file.
#[cfg(unix)]
const FILE_MODE: u32 = 0o600;
/// The mode of a private folder.
#[cfg(unix)]
const DIR_MODE: u32 = 0o700;

/// Creates `dir` and its missing parents with mode `0700`; an existing folder is left as
/// it is.
pub fn private_dir(dir: &Path) -> Result<(), PrivateFileError> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, DIR_MODE);
    b.create(dir).map_err(io("create the folder", dir))
}

/// The mode of `path` when every user of the machine may read it (the "other" read bit),
/// else `None`; `None` too when it cannot be looked at (the caller's read then names the
/// file) or off Unix. For a secret the operator placed (a key file named in a
/// configuration), which is theirs to chmod, not ours to tighten.
pub fn readable_by_all(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
        (mode & 0o004 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn options() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, FILE_MODE);
    o
}

fn parent(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(""))
}

/// Creates the new file `path` with mode `0600` (its folder `0700` if missing); fails if
/// it exists.
pub fn create_private(path: &Path) -> Result<File, PrivateFileError> {
    private_dir(parent(path))?;
    options()
        .create_new(true)
        .open(path)
        .map_err(io("create", path))
}

/// Opens `path` for writing from its start, creating it `0600` (its folder `0700` if
/// missing), or truncating it and restricting its mode to `0600` if it exists (a
/// temporary left by a crash).
pub fn rewrite_private(path: &Path) -> Result<File, PrivateFileError> {
    private_dir(parent(path))?;
    let f = options()
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(io("create", path))?;
    restrict(&f, path)?;
    Ok(f)
}

/// Makes sure the database file `path` exists with mode `0600` before SQLite opens it:
/// creates it empty (SQLite takes an empty file as a new database), or restricts an
/// existing file and its `-wal`, `-shm` and `-journal` files to `0600`. Returns the files
/// whose mode was restricted, for the caller to report (a widened mode is worth a
/// warning: something made the file open to others). A missing folder is an error, not created: a database
/// folder that is not there may be a disk that is not mounted, and the journal must not
/// start afresh beside it.
pub fn prepare_private(path: &Path) -> Result<Vec<PathBuf>, PrivateFileError> {
    let mut restricted = Vec::new();
    if !path.exists() {
        match options().create_new(true).open(path) {
            Ok(_) => return Ok(restricted),
            // Another process made it in between: restrict it below like any other.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io("create", path)(e)),
        }
    }
    let name = path.as_os_str();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = name.to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        if restrict_path(&p)? {
            restricted.push(p);
        }
    }
    Ok(restricted)
}

/// Whether `mode` lets anyone but the owner in.
#[cfg(unix)]
fn open_to_others(mode: u32) -> bool {
    mode & 0o077 != 0
}

#[cfg(unix)]
fn restrict(f: &File, path: &Path) -> Result<(), PrivateFileError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = f
        .metadata()
        .map_err(io("read the mode of", path))?
        .permissions()
        .mode();
    if open_to_others(mode) {
        f.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))
            .map_err(io("restrict the mode of", path))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_f: &File, _path: &Path) -> Result<(), PrivateFileError> {
    Ok(())
}

/// Restricts `path` to `0600` if it exists and is open to others; returns whether it did.
#[cfg(unix)]
fn restrict_path(path: &Path) -> Result<bool, PrivateFileError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = match std::fs::metadata(path) {
        Ok(m) => m.permissions().mode(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io("read the mode of", path)(e)),
    };
    if !open_to_others(mode) {
        return Ok(false);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(FILE_MODE))
        .map_err(io("restrict the mode of", path))?;
    Ok(true)
}

#[cfg(not(unix))]
fn restrict_path(_path: &Path) -> Result<bool, PrivateFileError> {
    Ok(false)
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_files_are_0600_in_new_0700_folders_and_old_ones_are_restricted() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a/b/c.txt");
        drop(create_private(&f).unwrap());
        assert_eq!(mode(&f), 0o600);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        assert!(
            create_private(&f).is_err(),
            "create_private overwrote a file"
        );

        // A database's missing folder is an error, not made.
        assert!(prepare_private(&dir.path().join("unmounted/db.sqlite")).is_err());
        assert!(!dir.path().join("unmounted").exists());
        let old = dir.path().join("old.sqlite");
        std::fs::write(&old, b"").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        let wal = dir.path().join("old.sqlite-wal");
        std::fs::write(&wal, b"").unwrap();
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o664)).unwrap();
        assert_eq!(
            prepare_private(&old).unwrap(),
            vec![old.clone(), wal.clone()]
        );
        assert_eq!((mode(&old), mode(&wal)), (0o600, 0o600));
        assert!(prepare_private(&old).unwrap().is_empty());

        let tmp = dir.path().join(".x.part");
        std::fs::write(&tmp, b"left by a crash").unwrap();
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(rewrite_private(&tmp).unwrap());
        assert_eq!(mode(&tmp), 0o600);
        assert_eq!(std::fs::read(&tmp).unwrap(), b"");

        // An existing folder keeps its mode (it may be the operator's).
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
        drop(create_private(&shared.join("f")).unwrap());
        assert_eq!(mode(&shared), 0o755);
        assert_eq!(mode(&shared.join("f")), 0o600);
    }

    #[test]
    fn a_folder_that_cannot_be_made_is_a_typed_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"").unwrap();
        // `mkdir` of a name a file holds: EEXIST.
        let e = create_private(&file.join("x")).unwrap_err();
        assert!(e.to_string().contains("file"), "{e}");
        assert!(
            matches!(
                e,
                PrivateFileError::Io {
                    kind: std::io::ErrorKind::AlreadyExists,
                    ..
                }
            ),
            "{e:?}"
        );
        // Neither a full disk nor a refusal: the advice says what to check, no more.
        assert!(
            e.to_string().ends_with(
                ". Check the path (a missing folder, a file in the way) and the disk it is on"
            ),
            "{e}"
        );
    }

    /// The advice follows the system's error number, as Linux numbers them
    /// (`asm-generic/errno-base.h`, `asm-generic/errno.h`); the reason stays the system's.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_advice_follows_what_failed_and_the_systems_reason_stays() {
        let space = "Free space on that disk (or raise the quota or the file size limit it hit) and try again";
        let owner = "Check the folder's owner and permissions";
        let read_only = "remount it read-write or choose a folder on another disk";
        let neutral = "Check the path (a missing folder, a file in the way) and the disk it is on";
        for (errno, name, advice) in [
            (28, "ENOSPC", space),
            (122, "EDQUOT", space),
            (27, "EFBIG", space),
            (13, "EACCES", owner),
            (1, "EPERM", owner),
            (30, "EROFS", read_only),
            (2, "ENOENT", neutral),
            (5, "EIO", neutral),
        ] {
            let system = std::io::Error::from_raw_os_error(errno);
            let reason = system.to_string();
            let e = io("write", Path::new("/srv/x"))(system);
            let text = e.to_string();
            assert!(
                text.starts_with(&format!("cannot write /srv/x: {reason}. ")),
                "{name}: {text}"
            );
            assert!(text.ends_with(advice), "{name}: {text}");
            for other in [space, owner, read_only, neutral] {
                if other != advice {
                    assert!(!text.contains(other), "{name}: {text}");
                }
            }
        }
    }

    /// The variable that hands the read-only folder to the child of
    /// [`a_folder_on_a_read_only_disk_says_to_remount_or_choose_another`].
    const READ_ONLY_DIR: &str = "MADOGUCHI_READ_ONLY_DIR";

    /// Runs in a child in a mount namespace of its own (util-linux's `unshare`), with a
    /// read-only tmpfs mounted on a temporary folder: a real `EROFS`. Skipped, saying so,
    /// where no such mount can be made (not root, no `unshare`).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_folder_on_a_read_only_disk_says_to_remount_or_choose_another() {
        use std::process::Command;
        if let Some(dir) = std::env::var_os(READ_ONLY_DIR) {
            let file = Path::new(&dir).join("journal.sqlite");
            let e = create_private(&file).unwrap_err();
            assert!(
                matches!(
                    e,
                    PrivateFileError::Io {
                        kind: std::io::ErrorKind::ReadOnlyFilesystem,
                        ..
                    }
                ),
                "{e:?}"
            );
            let text = e.to_string();
            assert!(
                text.starts_with(&format!("cannot create {}: ", file.display())),
                "{text}"
            );
            assert!(
                text.ends_with("remount it read-write or choose a folder on another disk"),
                "{text}"
            );
            assert!(!text.contains("owner"), "{text}");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let mount = r#"mount -t tmpfs -o ro tmpfs "$0""#;
        let probe = Command::new("unshare")
            .args(["--mount", "sh", "-c", mount])
            .arg(dir.path())
            .output();
        match probe {
            Ok(o) if o.status.success() => {}
            // The project's tests run as root (make test: pcscd's network namespace needs
            // it too); a machine where this cannot run must not pass it silently.
            other => panic!(
                "no read-only mount can be made here: this test needs root and util-linux's \
                 unshare (run the tests as root, as make test does): {other:?}"
            ),
        }
        let out = Command::new("unshare")
            .args(["--mount", "sh", "-c", &format!(r#"{mount} && exec "$@""#)])
            .arg(dir.path())
            .arg(std::env::current_exe().unwrap())
            .args([
                "tests::a_folder_on_a_read_only_disk_says_to_remount_or_choose_another",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(READ_ONLY_DIR, dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("test result: ok. 1 passed;"),
            "the child on the read-only mount did not pass:\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
