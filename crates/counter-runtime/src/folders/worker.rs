//! One request file, from `req/` to its answer in `res/` and on to `done/` or `rejected/`,
//! in the order `counter_core::folders::ledger` sets out (and says why it is crash-safe):
//!
//! 1. read the file; its digest and the ledger's rows for its name give the step;
//! 2. record it `received` (committed);
//! 3. read the request ([`counter_core::folders::request::read`]) and ask the insurer, or
//!    build the error answer; a bulk submission the insurer accepted has its 受付番号
//!    recorded (committed), and a later pass answers with it rather than submit again;
//! 4. write the answer to a hidden temporary in `res/`, `fsync` it;
//! 5. record `prepared` with the answer's name and where the request goes (committed);
//! 6. rename the temporary to the answer's name, `fsync` `res/`;
//! 7. record `answered` (committed);
//! 8. move the request to `done/` or `rejected/`, `fsync` both folders, unless the file
//!    was written again meanwhile (then it is the next pass's).
//!
//! Store calls and file operations are short and synchronous; the worker runs on a task of
//! its own, one file at a time, in the order the files arrived (modification time, then
//! name), so that answers come in the order of the requests.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use counter_api::insurer::{
    BulkPrecheckAccepted, BulkPrecheckEntry, BulkPrecheckRequest, InsuranceNumberCheckRequest,
};
use counter_core::UnixTime;
use counter_core::folders::answer::{
    bulk_accepted, bulk_result, error_answer, face_answer, single_answer,
};
use counter_core::folders::ledger::{self, Disposition, LedgerEntry, Step};
use counter_core::folders::name::{error_name, is_request_candidate};
use counter_core::folders::request::{self, Header, Known};
use counter_core::folders::{
    AnswerFile, CharacterCode, FileKind, FolderError, Request, SearchInfo, classify,
};
use counter_store::Store;
use madoguchi_time::jst;

use super::Layout;
use crate::clock::Clock;
use crate::error::RuntimeError;
use crate::http::Backends;

/// What happened to one file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Processed {
    /// The request file's name.
    pub request: String,
    /// The answer's name (`None`: the file was only archived, or had gone).
    pub answer: Option<String>,
    /// `done` or `rejected` (`None` when the file had gone before it was read).
    pub disposition: Option<&'static str>,
}

/// The folder worker: the folders, the ledger, the insurer.
///
/// Calling contract: [`FolderWorker::pending`] lists what `req/` holds, oldest first;
/// [`FolderWorker::process`] carries one file through every step that is left for it.
/// Call them from one task only.
#[derive(Clone, Debug)]
pub struct FolderWorker {
    layout: Layout,
    store: Arc<Mutex<Store>>,
    backends: Backends,
    clock: Arc<dyn Clock>,
    institution: String,
    face_code: CharacterCode,
}

/// A file or folder step of the worker that failed: the file, what was tried, and what
/// the system said (not a configuration error: the root was valid when the worker began).
fn io(what: &'static str, path: &Path, e: std::io::Error) -> RuntimeError {
    RuntimeError::files(what, path, &e)
}

/// `fsync` of a folder, so that a rename in it is on disk (a no-op where folders cannot be
/// opened, as on Windows).
fn sync_dir(dir: &Path) -> Result<(), RuntimeError> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("cannot sync the folder", dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `file` into `dir` atomically: a hidden temporary, `fsync`, rename.
pub fn write_atomically(dir: &Path, file: &AnswerFile) -> Result<PathBuf, RuntimeError> {
    let tmp = ledger::temporary_name(&file.name);
    replace_atomically(dir, &tmp, &file.name, &file.contents)
}

/// Writes `contents` as `dir/name` so that a reader never sees half of it: the hidden
/// temporary `dir/tmp` created `0600` (personal data), written and synced, renamed over
/// `name`, the folder synced. A write or rename that fails removes the temporary, so no
/// copy of the data stays behind under another name. The counter's answer files and its
/// exports for the receipt system both go through here.
pub(crate) fn replace_atomically(
    dir: &Path,
    tmp: &str,
    name: &str,
    contents: &[u8],
) -> Result<PathBuf, RuntimeError> {
    let tmp = dir.join(tmp);
    let target = dir.join(name);
    let written = write_synced(&tmp, contents)
        .and_then(|()| std::fs::rename(&tmp, &target).map_err(|e| io("cannot rename", &tmp, e)));
    if let Err(e) = written {
        match std::fs::remove_file(&tmp) {
            Ok(()) => {}
            Err(gone) if gone.kind() == std::io::ErrorKind::NotFound => {}
            Err(left) => tracing::warn!(
                path = %tmp.display(),
                error = %left,
                "a temporary with personal data could not be removed: remove it by hand"
            ),
        }
        return Err(e);
    }
    sync_dir(dir)?;
    Ok(target)
}

fn write_synced(path: &Path, contents: &[u8]) -> Result<(), RuntimeError> {
    // An answer holds personal data: created 0600 (docs/DECISIONS.md, "Files with
    // personal data"); a failed write is the same private-file error as a failed create.
    let mut f = private_files::rewrite_private(path)?;
    Ok(private_files::write_whole(&mut f, path, contents)?)
}

impl FolderWorker {
    /// A worker on `layout` (created if missing) for the terminal of `institution`.
    pub fn new(
        layout: Layout,
        store: Arc<Mutex<Store>>,
        backends: Backends,
        clock: Arc<dyn Clock>,
        institution: &str,
        face_code: CharacterCode,
    ) -> Result<Self, RuntimeError> {
        layout.create()?;
        Ok(Self {
            layout,
            store,
            backends,
            clock,
            institution: institution.to_owned(),
            face_code,
        })
    }

    /// The folders.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The card check `m` as its `face/` file (atomically). The counter calls this after a
    /// check at the reader, as it writes its export folder.
    pub fn write_face(
        &self,
        m: &counter_core::eligibility::ResultMessage<'_>,
    ) -> Result<PathBuf, RuntimeError> {
        write_atomically(&self.layout.face, &face_answer(m, self.face_code))
    }

    /// The request files in `req/`, oldest first, and when the youngest one unchanged for
    /// less than `settle` will be ready (`None`: none waits).
    pub fn pending(
        &self,
        settle: Duration,
    ) -> Result<(Vec<String>, Option<Duration>), RuntimeError> {
        let dir = &self.layout.req;
        let now = SystemTime::now();
        let mut ready = Vec::new();
        let mut wait: Option<Duration> = None;
        for entry in std::fs::read_dir(dir).map_err(|e| io("cannot list", dir, e))? {
            let Ok(entry) = entry else { continue };
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if !is_request_candidate(&name) {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            let age = now.duration_since(modified).unwrap_or(Duration::ZERO);
            if age < settle {
                let left = settle - age;
                wait = Some(wait.map_or(left, |w| w.min(left)));
                continue;
            }
            ready.push((modified, name));
        }
        ready.sort();
        Ok((ready.into_iter().map(|(_, n)| n).collect(), wait))
    }

    /// Carries the request file `name` through the steps left for it.
    pub async fn process(&self, name: &str) -> Result<Processed, RuntimeError> {
        let path = self.layout.req.join(name);
        let bytes = match read_limited(&path) {
            Ok(b) => b,
            // Taken away (by the receipt system, or by an earlier pass): nothing to do.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Processed {
                    request: name.into(),
                    answer: None,
                    disposition: None,
                });
            }
            Err(e) => return Err(io("cannot read", &path, e)),
        };
        let digest = ledger::digest(&bytes);
        let rows = self.store().folder_requests(name)?;
        let kind = classify(name);
        let now = self.clock.now();
        match ledger::next_step(&rows, &digest) {
            Step::Receive | Step::ReceiveDuplicate => {
                let duplicate = ledger::is_duplicate(&rows, &digest);
                self.store().receive_folder_request(
                    name,
                    &digest,
                    kind.as_str(),
                    duplicate,
                    now,
                )?;
                crate::crash::point("folder_received");
                self.answer(name, &digest, &kind, &bytes, duplicate, None)
                    .await
            }
            Step::Process => {
                let duplicate = ledger::is_duplicate(&rows, &digest);
                let accepted = ledger::reception_to_reuse(&rows, &digest, now)
                    .map(|a| (a.reception_number.to_owned(), a.at));
                self.answer(name, &digest, &kind, &bytes, duplicate, accepted)
                    .await
            }
            Step::FinishRename => {
                let row = own(&rows, &digest)?;
                self.finish(row)
            }
            Step::Archive => {
                let row = own(&rows, &digest)?;
                self.archive(name, &digest, row.disposition)?;
                Ok(Processed {
                    request: name.into(),
                    answer: None,
                    disposition: row.disposition.map(Disposition::as_str),
                })
            }
        }
    }

    /// Steps 3 to 8 for a received request; `accepted` is the 受付番号 the insurer gave
    /// this bulk submission on an earlier pass, and when (`ledger::reception_to_reuse`).
    async fn answer(
        &self,
        name: &str,
        digest: &str,
        kind: &FileKind,
        bytes: &[u8],
        duplicate: bool,
        accepted: Option<(String, UnixTime)>,
    ) -> Result<Processed, RuntimeError> {
        let now = self.clock.now();
        let read = request::read(kind, bytes, &self.institution);
        let (file, disposition) = if duplicate {
            let known = match &read {
                Ok(r) => known_of(r.header()),
                Err(r) => r.known.clone(),
            };
            let e = FolderError::DuplicateIdentifier { name: name.into() };
            (
                error_answer(error_name(name), kind, &known, &e, now),
                Disposition::Rejected,
            )
        } else {
            match read {
                Err(r) => (
                    error_answer(kind.answer_name(name), kind, &r.known, &r.error, now),
                    Disposition::Rejected,
                ),
                Ok(req) => self.perform(name, digest, kind, req, accepted, now).await?,
            }
        };
        let tmp = self.layout.res.join(ledger::temporary_name(&file.name));
        write_synced(&tmp, &file.contents)?;
        self.store()
            .prepare_folder_request(name, digest, &file.name, disposition)?;
        crate::crash::point("folder_prepared");
        let row = LedgerEntry {
            name: name.into(),
            digest: digest.into(),
            state: ledger::LedgerState::Prepared,
            answer_name: Some(file.name.clone()),
            disposition: Some(disposition),
            reception_number: None,
            reception_at: None,
            duplicate: Some(duplicate),
        };
        self.finish(&row)
    }

    /// Steps 6 to 8 for a prepared request: rename the temporary if it is still there (if
    /// not, the rename happened before a crash), record `answered`, move the request.
    fn finish(&self, row: &LedgerEntry) -> Result<Processed, RuntimeError> {
        let answer = row.answer_name.clone().unwrap_or_default();
        let tmp = self.layout.res.join(ledger::temporary_name(&answer));
        match std::fs::rename(&tmp, self.layout.res.join(&answer)) {
            Ok(()) => sync_dir(&self.layout.res)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("cannot rename", &tmp, e)),
        }
        crate::crash::point("folder_answer_renamed");
        self.store()
            .answer_folder_request(&row.name, &row.digest, self.clock.now())?;
        crate::crash::point("folder_answered");
        self.archive(&row.name, &row.digest, row.disposition)?;
        Ok(Processed {
            request: row.name.clone(),
            answer: Some(answer),
            disposition: row.disposition.map(Disposition::as_str),
        })
    }

    /// Step 8 ([`archive`]).
    fn archive(
        &self,
        name: &str,
        digest: &str,
        disposition: Option<Disposition>,
    ) -> Result<(), RuntimeError> {
        archive(&self.layout, name, digest, disposition)
    }

    /// Asks the insurer and builds the answer (an error answer when it cannot be asked).
    /// A bulk submission already accepted (`accepted`) is answered with its number and the
    /// time it was accepted, and not sent again; one the insurer accepts now has its number
    /// and `now` recorded in the ledger before the answer is written. Fails only when that
    /// record fails.
    async fn perform(
        &self,
        name: &str,
        digest: &str,
        kind: &FileKind,
        req: Request,
        accepted: Option<(String, UnixTime)>,
        now: UnixTime,
    ) -> Result<(AnswerFile, Disposition), RuntimeError> {
        let id = match kind {
            FileKind::SingleCheck { id }
            | FileKind::BulkSubmit { id }
            | FileKind::BulkFetch { id } => id.as_str(),
            FileKind::Unknown => "",
        };
        let failed = |header: &Header, e: FolderError| {
            (
                error_answer(kind.answer_name(name), kind, &known_of(header), &e, now),
                Disposition::Rejected,
            )
        };
        Ok(match req {
            Request::Single { header, search } => {
                let body = single_request(&header, &search, now);
                match self.backends.eligibility_by_insurance_number(&body).await {
                    Ok(resp) => (single_answer(id, &header, &resp, now), Disposition::Done),
                    Err(f) => failed(&header, FolderError::from_insurer(&f)),
                }
            }
            Request::BulkSubmit { header, entries } => {
                let body = BulkPrecheckRequest {
                    medical_institution_code: header.medical_institution_code.clone(),
                    qualification_confirmation_date: as_of(&header, now),
                    entries: entries
                        .iter()
                        .zip(request::bulk_references(&entries))
                        .map(|(e, reference)| bulk_entry(reference, e))
                        .collect(),
                };
                // A number recorded on an earlier pass: that pass also recorded it and
                // the day's appointments, which may have their results by now.
                let reused = accepted.is_some();
                let outcome = match accepted {
                    Some((reception_number, at)) => Ok((
                        BulkPrecheckAccepted {
                            reception_number,
                            entries: u32::try_from(body.entries.len()).unwrap_or(u32::MAX),
                        },
                        at,
                    )),
                    None => self.backends.bulk_submit(&body).await.map(|a| (a, now)),
                };
                match outcome {
                    Ok((a, at)) if reused => {
                        (bulk_accepted(id, &header, &a, at, now), Disposition::Done)
                    }
                    Ok((a, at)) => {
                        // Recorded before the answer is written: an answer that cannot be
                        // written is answered with this number and time on the next pass,
                        // not submitted again (counter_core::folders::ledger).
                        self.store().submit_folder_request(
                            name,
                            digest,
                            &a.reception_number,
                            at,
                        )?;
                        // The receipt system's patients become the day's appointments
                        // (booked patients); the answer does not wait on it.
                        let day = body.qualification_confirmation_date.as_str();
                        if let Err(e) = crate::appointments::record_request(
                            &self.store,
                            day,
                            &entries,
                            &a.reception_number,
                            now,
                        ) {
                            tracing::warn!(error = %e, "the request's appointments were not kept");
                        }
                        (bulk_accepted(id, &header, &a, at, now), Disposition::Done)
                    }
                    Err(f) => failed(&header, FolderError::from_insurer(&f)),
                }
            }
            Request::BulkFetch {
                header,
                reception_number,
            } => match self.backends.bulk_fetch(&reception_number).await {
                Ok(r) => {
                    if let Err(e) =
                        crate::appointments::record_fetch(&self.store, &reception_number, &r, now)
                    {
                        tracing::warn!(error = %e, "the appointments' results were not kept");
                    }
                    (bulk_result(id, &header, &r, now), Disposition::Done)
                }
                Err(f) => failed(&header, FolderError::from_insurer(&f)),
            },
        })
    }
}

/// Step 8: `req/<name>` to `done/` or `rejected/` (a name taken there gets the digest's
/// first 12 digits appended, so that an earlier request's file is kept), if it still holds
/// the request with `digest`. A receipt system that wrote the file again while it was
/// answered has put another request there: it is left in `req/` for the next pass, which
/// finds other bytes under an answered name and answers them as such
/// (`counter_core::folders::ledger`), rather than archive them unanswered.
fn archive(
    layout: &Layout,
    name: &str,
    digest: &str,
    disposition: Option<Disposition>,
) -> Result<(), RuntimeError> {
    let from = layout.req.join(name);
    match read_limited(&from) {
        Ok(bytes) if ledger::digest(&bytes) != digest => {
            tracing::info!(
                request = %name,
                "the request file changed while it was answered: left for the next pass"
            );
            return Ok(());
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io("cannot read", &from, e)),
    }
    let to_dir = match disposition {
        Some(Disposition::Rejected) => &layout.rejected,
        _ => &layout.done,
    };
    let mut target = to_dir.join(name);
    if target.exists() {
        target = to_dir.join(format!("{name}.{}", digest.get(..12).unwrap_or(digest)));
    }
    match std::fs::rename(&from, &target) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io("cannot move", &from, e)),
    }
    sync_dir(to_dir)?;
    sync_dir(&layout.req)
}

/// The request file at `path`, but never more than one byte past
/// [`request::MAX_REQUEST_BYTES`]: a larger file is refused as too large
/// (`request::read`) on what was read, so a file of gigabytes (or a sparse one of
/// terabytes) costs the worker 2 MiB, not its memory. Its digest is that of the bytes read;
/// the name and those first bytes are enough to know the file again.
fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    // The limit plus the one byte that tells a file over it (2 MiB fits any usize).
    let cap = request::MAX_REQUEST_BYTES.saturating_add(1);
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let mut bytes = Vec::with_capacity(usize::try_from(size).map_or(cap, |s| s.min(cap)));
    file.take(u64::try_from(cap).unwrap_or(u64::MAX))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The row of this content (present: the step came from it).
fn own<'a>(rows: &'a [LedgerEntry], digest: &str) -> Result<&'a LedgerEntry, RuntimeError> {
    rows.iter().find(|r| r.digest == digest).ok_or_else(|| {
        RuntimeError::Store(counter_store::StoreError::NotFound {
            what: "folder request",
            id: digest.into(),
        })
    })
}

fn known_of(h: &Header) -> Known {
    Known {
        character_code: Some(h.character_code),
        medical_institution_code: Some(h.medical_institution_code.clone()),
        arbitrary_file_identifier: h.arbitrary_file_identifier.clone(),
    }
}

fn as_of(h: &Header, now: UnixTime) -> String {
    h.confirmation_date
        .clone()
        .unwrap_or_else(|| jst::compact_date(now))
}

fn single_request(h: &Header, s: &SearchInfo, now: UnixTime) -> InsuranceNumberCheckRequest {
    InsuranceNumberCheckRequest {
        medical_institution_code: h.medical_institution_code.clone(),
        qualification_confirmation_date: as_of(h, now),
        insurer_number: s.insurer_number.clone(),
        symbol: s.symbol.clone(),
        number: s.number.clone(),
        branch: s.branch.clone(),
        birth_date: s.birth_date.clone(),
        limit_certificate_consent: s.limit_certificate_consent,
        arbitrary_identifier: s.arbitrary_identifier.clone(),
    }
}

/// A bulk entry under `reference` (`request::bulk_references`: distinct in a request read).
fn bulk_entry(reference: String, e: &SearchInfo) -> BulkPrecheckEntry {
    BulkPrecheckEntry {
        reference,
        insurer_number: e.insurer_number.clone(),
        symbol: e.symbol.clone(),
        number: e.number.clone(),
        branch: e.branch.clone(),
        birth_date: e.birth_date.clone(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_request_rewritten_while_it_was_answered_is_left_for_the_next_pass() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::under(dir.path());
        layout.create().unwrap();
        let name = "OQSsiquc01req_1.xml";
        let (req, done) = (layout.req.join(name), layout.done.join(name));
        // The first request was answered; the file now holds a second one.
        std::fs::write(&req, b"second").unwrap();
        archive(
            &layout,
            name,
            &ledger::digest(b"first"),
            Some(Disposition::Done),
        )
        .unwrap();
        assert_eq!(std::fs::read(&req).unwrap(), b"second");
        assert!(!done.exists(), "another request was archived unanswered");
        // Once answered itself, it goes.
        archive(
            &layout,
            name,
            &ledger::digest(b"second"),
            Some(Disposition::Done),
        )
        .unwrap();
        assert!(!req.exists());
        assert_eq!(std::fs::read(&done).unwrap(), b"second");
        // Gone already (taken away by the receipt system): nothing to do.
        archive(&layout, name, &ledger::digest(b"x"), None).unwrap();
    }

    #[test]
    fn an_answer_folder_that_cannot_be_made_is_named_once() {
        let dir = tempfile::tempdir().unwrap();
        // res/ where a file is in the way: its folder cannot be made.
        let blocked = dir.path().join("blocked");
        std::fs::write(&blocked, b"").unwrap();
        let res = blocked.join("res");
        let file = AnswerFile {
            name: "OQSsiquc01res_x.xml".into(),
            contents: b"<a/>".to_vec(),
        };
        let e = write_atomically(&res, &file).unwrap_err();
        assert!(matches!(e, RuntimeError::PrivateFile(_)), "{e:?}");
        assert_eq!(e.code(), counter_core::Code::Internal);
        let text = e.to_string();
        assert_eq!(text.matches("blocked/res").count(), 1, "{text}");
        // A file in the way: the advice to check the path, once.
        assert_eq!(
            text.matches("Check the path (a missing folder, a file in the way)")
                .count(),
            1,
            "{text}"
        );
    }

    #[test]
    fn an_answer_that_cannot_take_its_name_is_a_file_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = AnswerFile {
            name: "OQSsiquc01res_y.xml".into(),
            contents: b"<a/>".to_vec(),
        };
        // A folder with something in it holds the answer's name: the rename fails.
        std::fs::create_dir_all(dir.path().join(&file.name).join("inside")).unwrap();
        let e = write_atomically(dir.path(), &file).unwrap_err();
        assert!(
            matches!(
                &e,
                RuntimeError::Files {
                    action: "cannot rename",
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(e.code(), counter_core::Code::Internal);
        let text = e.to_string();
        assert!(text.starts_with("cannot rename "), "{text}");
        assert!(text.contains("OQSsiquc01res_y.xml"), "{text}");
        assert!(
            text.contains("a file in the way"),
            "the advice fits a folder in the way: {text}"
        );
        assert!(!text.contains("configuration"), "{text}");
        assert!(
            !dir.path().join(ledger::temporary_name(&file.name)).exists(),
            "the temporary (personal data) stayed after the failed rename"
        );
    }

    /// Runs in a child process whose files cannot grow past `ulimit -f 1`
    /// (`private_files::file_size_limit`): the temporary is created, its write really fails.
    #[cfg(unix)]
    #[test]
    fn an_answer_that_cannot_be_written_is_a_private_file_error_naming_it() {
        use private_files::file_size_limit;
        if !file_size_limit::in_limited_child() {
            file_size_limit::run_limited(
                "folders::worker::tests::an_answer_that_cannot_be_written_is_a_private_file_error_naming_it",
            )
            .unwrap();
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let file = AnswerFile {
            name: "OQSsiquc01res_x.xml".into(),
            contents: vec![b'x'; 8192],
        };
        let e = write_atomically(dir.path(), &file).unwrap_err();
        assert!(
            matches!(
                &e,
                RuntimeError::PrivateFile(private_files::PrivateFileError::Io {
                    action: "write",
                    ..
                })
            ),
            "{e:?}"
        );
        let text = e.to_string();
        assert!(text.starts_with("cannot write "), "{text}");
        assert!(text.contains("OQSsiquc01res_x.xml"), "{text}");
        // The file size limit it hit, not the folder's permissions.
        assert!(
            text.contains(
                "Free space on that disk (or raise the quota or the file size limit it hit)"
            ),
            "{text}"
        );
        assert!(!text.contains("owner"), "{text}");
        // Nothing under the answer's own name: the receipt system never reads half of it;
        // and no half-written temporary with personal data stays either.
        assert!(!dir.path().join(&file.name).exists());
        assert!(!dir.path().join(ledger::temporary_name(&file.name)).exists());
    }
}
