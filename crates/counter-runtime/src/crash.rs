//! Crash points for the crash-matrix tests: when the environment variable
//! `MADOGUCHI_CRASH_AT` names a step, the process kills itself with SIGKILL the moment it
//! reaches that step (no destructor runs, no buffer is flushed: the power-cut case).
//!
//! Only with the cargo feature `crash-points`, which this crate's tests and the desktop
//! app's demo build (`madoguchi-app-demo`) enable. Without it — the shipped app, the
//! headless driver built alone — [`point`] is an empty inline function: the variable is
//! never read and the process cannot be told to kill itself.
//!
//! The steps of a sale, in order (the test enumerates [`PAYMENT_STEPS`]):
//! `before_journal`, `after_journal`, `authorise_response_arrived`, `after_authorised_journal`,
//! `after_capture_journal`, `capture_response_arrived`, `after_captured_journal`, plus the
//! reversal steps reached during recovery.

/// Every crash point on a sale's way, in the order a sale reaches them.
pub const PAYMENT_STEPS: &[&str] = &[
    "before_journal",
    "after_journal",
    "authorise_response_arrived",
    "after_authorised_journal",
    "after_capture_journal",
    "capture_response_arrived",
    "after_captured_journal",
];

/// The crash points of a request of the receipt system's folder (`folders::worker`), in
/// order: after `received`, after `prepared`, after the rename into `res/`, after
/// `answered`.
pub const FOLDER_STEPS: &[&str] = &[
    "folder_received",
    "folder_prepared",
    "folder_answer_renamed",
    "folder_answered",
];

/// The variable naming the step to die at.
#[cfg(feature = "crash-points")]
pub const CRASH_ENV: &str = "MADOGUCHI_CRASH_AT";

/// Dies here (SIGKILL) if `MADOGUCHI_CRASH_AT` names `step`.
#[cfg(feature = "crash-points")]
pub fn point(step: &str) {
    if std::env::var(CRASH_ENV).is_ok_and(|s| s == step) {
        tracing::warn!(
            step,
            "crash point reached: killing this process (test only)"
        );
        let pid = std::process::id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid])
            .status();
        // SIGKILL is not deliverable late; if `kill` is missing, abort instead.
        std::process::abort();
    }
}

/// Without the `crash-points` feature: nothing (the variable is not read).
#[cfg(not(feature = "crash-points"))]
#[inline(always)]
pub fn point(_step: &str) {}
