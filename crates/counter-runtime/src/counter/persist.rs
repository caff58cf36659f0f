//! The counter's writes outside the payment journal: the checks' records, audit events
//! and re-checks into the store, and the receipt system's files into their folder. Every
//! write reports its failure: the loop turns it into the status bar's storage failure and
//! the refusal of the action that led to it.

use std::path::Path;
use std::sync::{Arc, Mutex};

use counter_core::eligibility::{self, ExportFile, RecheckToConfirm};
use counter_core::payment::{UnshownSale, shown};
use counter_core::{Code, UnixTime};
use counter_store::{AuditEvent, Store, StoreError};

use crate::RuntimeError;

/// Runs `f` on the store; a poisoned lock or a store error is [`Code::StorageFailure`]
/// (logged with its detail).
pub(crate) fn with_store<T>(
    store: &Arc<Mutex<Store>>,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
) -> Result<T, Code> {
    let mut guard = store.lock().map_err(|_| Code::StorageFailure)?;
    f(&mut guard).map_err(|e| {
        tracing::error!(error = %e, "the terminal's store failed");
        Code::StorageFailure
    })
}

/// `RecordCheck`: upsert by check id.
pub(crate) fn record_check(
    store: &Arc<Mutex<Store>>,
    record: &eligibility::CheckRecord,
) -> Result<(), Code> {
    with_store(store, |s| s.upsert_check(record))
}

/// `CheckAudit`: the eligibility machine's event, by this terminal's staff.
pub(crate) fn check_audit(
    store: &Arc<Mutex<Store>>,
    staff: &str,
    event: &eligibility::AuditEvent,
) -> Result<(), Code> {
    with_store(store, |s| {
        let line = AuditEvent::from_eligibility(event, staff)?;
        s.append_audit(&line)
    })
}

/// `Audit`: a line of the counter's own (identified, enrolled, a card's notice).
pub(crate) fn audit(store: &Arc<Mutex<Store>>, event: &AuditEvent) -> Result<(), Code> {
    with_store(store, |s| s.append_audit(event))
}

/// `EnqueueRecheck`: queue (or replace) the re-check of a fallback.
pub(crate) fn enqueue_recheck(
    store: &Arc<Mutex<Store>>,
    request: &eligibility::RecheckRequest,
) -> Result<(), Code> {
    with_store(store, |s| s.enqueue_recheck(request))
}

/// `CancelRecheck`: give up check `check_id`'s pending re-check for `reason` (none pending:
/// nothing to do).
pub(crate) fn cancel_recheck(
    store: &Arc<Mutex<Store>>,
    check_id: &str,
    reason: &str,
    now: UnixTime,
) -> Result<(), Code> {
    with_store(store, |s| s.cancel_recheck(check_id, reason, now)).map(|_| ())
}

/// `ConfirmRecheck`: staff confirmed the finished re-check of check `check_id` at `now` (a
/// second confirmation keeps the first).
pub(crate) fn confirm_recheck(
    store: &Arc<Mutex<Store>>,
    check_id: &str,
    now: UnixTime,
) -> Result<(), Code> {
    with_store(store, |s| s.confirm_recheck(check_id, now)).map(|_| ())
}

/// `NewCheckId`: the next check id of this terminal.
pub(crate) fn next_check_id(store: &Arc<Mutex<Store>>, terminal_id: &str) -> Result<String, Code> {
    let seq = with_store(store, |s| s.next_sequence("chk"))?;
    Ok(counter_core::eligibility::check_id_for(terminal_id, seq))
}

/// Notes the files written for check `id`.
pub(crate) fn exported(
    store: &Arc<Mutex<Store>>,
    id: &str,
    names: &[String],
) -> Result<(), std::io::Error> {
    with_store(store, |s| s.set_check_exports(id, names))
        .map_err(|code| std::io::Error::other(code.entry().en))
}

/// Writes each file into `dir` atomically (a temporary name in the same folder, synced,
/// then renamed), so the receipt system never reads half a file. Returns the names.
pub(crate) fn export(dir: &Path, files: &[ExportFile]) -> Result<Vec<String>, std::io::Error> {
    // Personal data: the folder is made 0700 when missing, each file 0600
    // (docs/DECISIONS.md, "Files with personal data").
    // Every failure names its file: the error kept whole (its path and advice said once),
    // inside the io::Error the loop logs.
    let private = |e: private_files::PrivateFileError| std::io::Error::other(RuntimeError::from(e));
    private_files::private_dir(dir).map_err(private)?;
    let mut names = Vec::with_capacity(files.len());
    for f in files {
        if f.name.contains(['/', '\\']) || f.name.starts_with('.') {
            return Err(std::io::Error::other(format!(
                "refusing the file name {:?}",
                f.name
            )));
        }
        let tmp = counter_core::eligibility::export::temporary_name(&f.name);
        crate::folders::worker::replace_atomically(dir, &tmp, &f.name, &f.contents)
            .map_err(std::io::Error::other)?;
        names.push(f.name.clone());
    }
    Ok(names)
}

/// The status bar's counts.
pub(crate) struct Counts {
    /// Fallbacks waiting for their re-check.
    pub(crate) rechecks: u64,
    /// The ids of the sales and refunds in doubt that hold back a new sale
    /// (`counter_core::payment::blocking_ids`).
    pub(crate) in_doubt: Vec<String>,
    /// The refunds held past the recovery horizon (`counter_core::payment::held_refunds`).
    pub(crate) held: Vec<counter_core::payment::RefundRecord>,
    /// The ids of the sales and refunds among them staff must call the acquirer about
    /// (`counter_core::payment::unresolved_ids`).
    pub(crate) unresolved: Vec<String>,
    /// The sales of today that charged the card and were never shown
    /// (`counter_core::payment::shown`).
    pub(crate) unshown: Vec<UnshownSale>,
    /// The finished re-checks staff have not confirmed
    /// (`counter_core::eligibility::recheck_outcome`).
    pub(crate) rechecks_to_confirm: Vec<RecheckToConfirm>,
}

/// The status bar's counts, read from the store at `now`; `driven` tells the sales a task
/// of the payment shell is driving (their outcome is on its way to staff).
pub(crate) fn counts(
    store: &Arc<Mutex<Store>>,
    now: UnixTime,
    driven: impl Fn(&str) -> bool,
) -> Result<Counts, Code> {
    with_store(store, |s| {
        let today = s.captured_not_shown(&madoguchi_time::jst::business_date(now))?;
        let unshown = shown::unshown_sales(&today, now, driven);
        let rechecks = s.pending_recheck_count()?;
        let rechecks_to_confirm = s.rechecks_to_confirm()?;
        let sales = s.unfinished_payments()?;
        let refunds = s.refunds_in_doubt()?;
        let unresolved = counter_core::payment::unresolved_ids(&sales, &refunds, now);
        let in_doubt = counter_core::payment::blocking_ids(&sales, &refunds, now);
        let held = counter_core::payment::held_refunds(&refunds, now);
        Ok(Counts {
            rechecks,
            in_doubt,
            held,
            unresolved,
            unshown,
            rechecks_to_confirm,
        })
    })
}

/// `MarkShown`: sale `id`'s outcome was handed over (or confirmed by staff) at `now`. A
/// sale already marked keeps its first mark.
pub(crate) fn mark_shown(store: &Arc<Mutex<Store>>, id: &str, now: UnixTime) -> Result<(), Code> {
    with_store(store, |s| s.mark_shown(id, now)).map(|_| ())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn export_writes_whole_files_and_refuses_paths() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![ExportFile {
            name: "OQSsiquc01res_x.xml".into(),
            contents: b"<a/>".to_vec(),
        }];
        let names = export(&dir.path().join("out"), &files).unwrap();
        assert_eq!(names, ["OQSsiquc01res_x.xml"]);
        let read = std::fs::read(dir.path().join("out/OQSsiquc01res_x.xml")).unwrap();
        assert_eq!(read, b"<a/>");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("out"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
            .collect();
        assert!(leftovers.is_empty());
        #[cfg(unix)]
        {
            // Personal data: the folder made 0700, the file 0600, whatever the umask.
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.path().join("out")), 0o700);
            assert_eq!(mode(&dir.path().join("out/OQSsiquc01res_x.xml")), 0o600);
        }
        let bad = vec![ExportFile {
            name: "../x.xml".into(),
            contents: vec![],
        }];
        assert!(export(dir.path(), &bad).is_err());
    }

    #[test]
    fn an_export_folder_that_cannot_be_made_is_named_once_in_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("blocked");
        std::fs::write(&blocked, b"").unwrap();
        let files = vec![ExportFile {
            name: "OQSsiquc01res_x.xml".into(),
            contents: b"<a/>".to_vec(),
        }];
        let e = export(&blocked.join("out"), &files).unwrap_err();
        let inner = e.get_ref().and_then(|i| i.downcast_ref::<RuntimeError>());
        assert!(matches!(inner, Some(RuntimeError::PrivateFile(_))), "{e:?}");
        let text = e.to_string();
        assert_eq!(text.matches("blocked/out").count(), 1, "{text}");
        // A file in the way: the advice to check the path, once.
        assert_eq!(
            text.matches("Check the path (a missing folder, a file in the way)")
                .count(),
            1,
            "{text}"
        );
    }

    /// Runs in a child process whose files cannot grow past `ulimit -f 1`
    /// (`private_files::file_size_limit`): the temporary is created, its write really fails.
    #[cfg(unix)]
    #[test]
    fn an_export_that_cannot_be_written_names_the_file_in_a_typed_error() {
        use private_files::file_size_limit;
        if !file_size_limit::in_limited_child() {
            file_size_limit::run_limited(
                "counter::persist::tests::an_export_that_cannot_be_written_names_the_file_in_a_typed_error",
            )
            .unwrap();
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let files = vec![ExportFile {
            name: "OQSsiquc01res_x.xml".into(),
            contents: vec![b'x'; 8192],
        }];
        let e = export(dir.path(), &files).unwrap_err();
        let inner = e.get_ref().and_then(|i| i.downcast_ref::<RuntimeError>());
        assert!(
            matches!(
                inner,
                Some(RuntimeError::PrivateFile(
                    private_files::PrivateFileError::Io {
                        action: "write",
                        ..
                    }
                ))
            ),
            "{e:?}"
        );
        let text = e.to_string();
        assert!(text.starts_with("cannot write "), "{text}");
        assert_eq!(text.matches("OQSsiquc01res_x.xml").count(), 1, "{text}");
        assert!(!dir.path().join("OQSsiquc01res_x.xml").exists());
        assert!(
            !dir.path().join(".OQSsiquc01res_x.xml.part").exists(),
            "the half-written temporary (personal data) stayed"
        );
    }
}
