//! Test support (feature `test-support`, off by default, and this crate's own tests): a
//! write that really fails on a file that could be created. A test re-runs itself in a
//! child process whose files cannot grow past the shell's `ulimit -f 1` (512 bytes under
//! dash, 1024 under bash: write a few bytes to pass, kilobytes to fail), with `SIGXFSZ`
//! ignored so that the write past the limit fails with `EFBIG` ("File too large") instead
//! of killing the child. The limit binds root too, unlike a read-only folder, and it is
//! the child's alone: the other tests of the binary, running beside it, are not limited.
//!
//! **Owns** starting that child and reading its verdict. **Never** limits the calling
//! process itself.
//!
//! ```ignore
//! #[test]
//! fn a_write_that_fails_leaves_nothing() {
//!     if !file_size_limit::in_limited_child() {
//!         // The test's full name, as `cargo test` lists it.
//!         file_size_limit::run_limited("module::tests::a_write_that_fails_leaves_nothing").unwrap();
//!         return;
//!     }
//!     // The test itself: a write of 8 KiB fails here.
//! }
//! ```

use std::process::Command;

/// The variable that marks the limited child.
const CHILD_VAR: &str = "MADOGUCHI_FILE_SIZE_LIMITED";

/// What the child's test harness prints when the one test it ran passed.
const ONE_PASSED: &str = "test result: ok. 1 passed;";

/// Why the limited child did not pass. Its `Debug` is its message, so that the calling
/// test's `unwrap` shows the child's output as the child printed it.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum LimitedRunError {
    /// The test binary or `sh` could not be started.
    #[error("cannot start the limited child (sh, then this test binary): {0}")]
    Start(#[from] std::io::Error),
    /// The test failed in the child, or did not run there (a wrong name runs nothing).
    #[error(
        "the test {test} did not pass in the limited child (its full name must be the one `cargo test` lists):\n{output}"
    )]
    Failed {
        /// The test's name as given.
        test: String,
        /// The child's standard output and error.
        output: String,
    },
}

impl std::fmt::Debug for LimitedRunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Whether this process is the limited child that [`run_limited`] started.
pub fn in_limited_child() -> bool {
    std::env::var_os(CHILD_VAR).is_some()
}

/// Runs the test `test` (its full name) of the current test binary in a child process
/// whose files cannot grow past `ulimit -f 1`; `Ok` when exactly that test ran and passed.
pub fn run_limited(test: &str) -> Result<(), LimitedRunError> {
    let exe = std::env::current_exe()?;
    let out = Command::new("sh")
        .arg("-c")
        // An ignored signal stays ignored across exec: the write past the limit fails
        // with EFBIG rather than SIGXFSZ ending the child.
        .arg(r#"trap '' XFSZ; ulimit -f 1 && exec "$0" "$@""#)
        .arg(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, "1")
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && stdout.contains(ONE_PASSED) {
        return Ok(());
    }
    Err(LimitedRunError::Failed {
        test: test.to_owned(),
        output: format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)),
    })
}
