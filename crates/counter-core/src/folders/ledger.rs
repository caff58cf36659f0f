//! Exactly one answer per request, across crashes: what to do with a file found in `req/`,
//! given what the ledger (the counter's SQLite, `counter-store`) holds for its name.
//!
//! A request is keyed by its file name and the SHA-256 of its bytes. Its row goes
//! `received` → `prepared` (the answer is complete in a hidden temporary file in `res/`) →
//! `answered` (the temporary was renamed to the answer's name). The request file leaves
//! `req/` (to `done/`, or `rejected/` for an error answer) only after `answered` is
//! committed. The order, and why each crash point is safe:
//!
//! | crash after | found on restart | step | why only one answer |
//! |---|---|---|---|
//! | nothing / `received` | the request, no answer | [`Step::Process`] | no answer was visible; a half-written temporary is overwritten |
//! | `prepared` | the temporary, or the answer if the rename happened | [`Step::FinishRename`] | rename is atomic: either the temporary is still there (rename it) or it is gone (it was renamed); nothing is produced again |
//! | `answered` | the answer, the request still in `req/` | [`Step::Archive`] | the ledger says answered: the request is only moved |
//!
//! A file under a name already in the ledger with *other* bytes is a second request under
//! the same identifier ([`Step::ReceiveDuplicate`]): it gets its own row and an error answer,
//! never the first request's answer name. The same bytes again under an answered name are
//! the same request: not answered twice ([`Step::Archive`]).
//!
//! A bulk submission (`OQSmuquc01req`) is not a read: each one the insurer accepts is a
//! pre-check under a new 受付番号. The number is recorded in the request's row
//! ([`LedgerEntry::reception_number`], committed, the row still `received`) before the answer
//! is written, with the time the insurer accepted it ([`LedgerEntry::reception_at`]); a pass
//! that finds it answers with that number and that time ([`reception_to_reuse`]) and does
//! not submit again, so an answer that cannot be written (a full disk under `res/`) does
//! not become a new submission on every pass, nor claim a later reception.

use sha2::{Digest, Sha256};

use crate::UnixTime;

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerState {
    /// Seen and recorded; no answer is visible.
    Received,
    /// The answer is complete in its temporary file; it may or may not have been renamed.
    Prepared,
    /// The answer is in `res/` under its name.
    Answered,
}

impl LedgerState {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Prepared => "prepared",
            Self::Answered => "answered",
        }
    }

    /// From the stored text.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "received" => Some(Self::Received),
            "prepared" => Some(Self::Prepared),
            "answered" => Some(Self::Answered),
            _ => None,
        }
    }
}

/// Where the request file goes once answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// `done/`: answered with a result (or a 受付番号, or 処理中).
    Done,
    /// `rejected/`: answered with an error.
    Rejected,
}

impl Disposition {
    /// As stored, and the folder's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Rejected => "rejected",
        }
    }

    /// From the stored text.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "done" => Some(Self::Done),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
}

/// What the ledger holds for one (name, digest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The request file's name.
    pub name: String,
    /// [`digest`] of its bytes.
    pub digest: String,
    /// Where it stands.
    pub state: LedgerState,
    /// The answer's file name, once prepared.
    pub answer_name: Option<String>,
    /// Where the request goes, once prepared.
    pub disposition: Option<Disposition>,
    /// The 受付番号 the insurer accepted this bulk submission under, recorded before its
    /// answer was written (`None`: not a bulk submission, or not accepted yet).
    pub reception_number: Option<String>,
    /// When the insurer accepted it, recorded with [`Self::reception_number`]: the
    /// answer's `ReceptionDateTime` on every pass.
    pub reception_at: Option<UnixTime>,
    /// Whether it was a second request under its name when received
    /// ([`Step::ReceiveDuplicate`]), recorded then (`None`: a row from before this was
    /// recorded; see [`is_duplicate`]).
    pub duplicate: Option<bool>,
}

/// What to do with a request file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// New: record it as received, then process it.
    Receive,
    /// A new file under a name the ledger holds with other bytes: record it, then answer
    /// an error under the error name (`<stem>.err`) and reject it.
    ReceiveDuplicate,
    /// Received before, no answer visible: process it (again).
    Process,
    /// Prepared: rename the temporary if it is still there, mark answered, move the file.
    FinishRename,
    /// Answered: move the file out of `req/`.
    Archive,
}

/// The step for a file with `digest`, given the ledger's rows for its name (any digest).
pub fn next_step(rows: &[LedgerEntry], digest: &str) -> Step {
    match rows.iter().find(|r| r.digest == digest) {
        Some(r) => match r.state {
            LedgerState::Received => Step::Process,
            LedgerState::Prepared => Step::FinishRename,
            LedgerState::Answered => Step::Archive,
        },
        None if rows.is_empty() => Step::Receive,
        None => Step::ReceiveDuplicate,
    }
}

/// Whether the content `digest` under its name is answered as a second request under one
/// identifier (`MDGF0009` under `<stem>.err`): for a new content, whether the name has rows
/// already ([`Step::ReceiveDuplicate`]); for a content received before, what its row
/// recorded at receipt. The rows' order (by the wall clock at receipt) does not decide: a
/// clock set back would put a duplicate before the first request and turn them round. A
/// row from before the decision was recorded falls back to that order.
pub fn is_duplicate(rows: &[LedgerEntry], digest: &str) -> bool {
    match rows.iter().position(|r| r.digest == digest) {
        None => !rows.is_empty(),
        Some(i) => rows.get(i).and_then(|r| r.duplicate).unwrap_or(i > 0),
    }
}

/// A bulk submission the insurer accepted on an earlier pass: what its answer carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accepted<'a> {
    /// 受付番号 (`ReceptionNumber`).
    pub reception_number: &'a str,
    /// When the insurer accepted it (`ReceptionDateTime`).
    pub at: UnixTime,
}

/// The 受付番号 and reception time to answer a bulk submission with, if the insurer accepted
/// this content of it already (its row, found by `digest`, has a number): answer with them,
/// do not submit again. A number recorded without its time (the store writes both, and
/// migration 0014 gave older rows their receipt time) is answered with `now`.
pub fn reception_to_reuse<'a>(
    rows: &'a [LedgerEntry],
    digest: &str,
    now: UnixTime,
) -> Option<Accepted<'a>> {
    let row = rows.iter().find(|r| r.digest == digest)?;
    Some(Accepted {
        reception_number: row.reception_number.as_deref()?,
        at: row.reception_at.unwrap_or(now),
    })
}

/// SHA-256 of a request's bytes, in 64 letters ([`crate::letters`]: a hex digest holds digit
/// runs a card number scan of the terminal's disk reads as card numbers).
pub fn digest(bytes: &[u8]) -> String {
    crate::letters::encode(&Sha256::digest(bytes))
}

/// The hidden temporary name of an answer in `res/`: a receipt system that looks for
/// `OQS…res_*.xml` never sees it, and a rename makes it appear whole.
pub fn temporary_name(answer: &str) -> String {
    format!(".{answer}.tmp")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(digest: &str, state: LedgerState) -> LedgerEntry {
        LedgerEntry {
            name: "OQSsiquc01req_1.xml".into(),
            digest: digest.into(),
            state,
            answer_name: None,
            disposition: None,
            reception_number: None,
            reception_at: None,
            duplicate: Some(false),
        }
    }

    #[test]
    fn a_duplicate_is_what_its_row_recorded_not_where_it_sorts() {
        // A clock set back at receipt: the second request's row sorts first.
        let mut second = row("b", LedgerState::Received);
        second.duplicate = Some(true);
        let first = row("a", LedgerState::Answered);
        let rows = [second, first];
        assert!(is_duplicate(&rows, "b"));
        assert!(!is_duplicate(&rows, "a"));
        // New content under a known name is one; under a new name it is not.
        assert!(is_duplicate(&rows, "c"));
        assert!(!is_duplicate(&[], "c"));
        // Rows from before the decision was recorded: the first received is the request.
        let old = |d: &str| LedgerEntry {
            duplicate: None,
            ..row(d, LedgerState::Received)
        };
        let rows = [old("a"), old("b")];
        assert!(!is_duplicate(&rows, "a"));
        assert!(is_duplicate(&rows, "b"));
    }

    #[test]
    fn an_accepted_submission_is_answered_with_its_number_not_sent_again() {
        let accepted_at = UnixTime::from_secs(1_796_600_000);
        let now = accepted_at.plus_secs(3600);
        let mut submitted = row("a", LedgerState::Received);
        submitted.reception_number = Some("R-1".into());
        submitted.reception_at = Some(accepted_at);
        let rows = [row("b", LedgerState::Received), submitted.clone()];
        // Still to answer: processed again, with the number it has and the time the
        // insurer accepted it, not this pass's.
        assert_eq!(next_step(&rows, "a"), Step::Process);
        assert_eq!(
            reception_to_reuse(&rows, "a", now),
            Some(Accepted {
                reception_number: "R-1",
                at: accepted_at
            })
        );
        // Another content under the name has its own (none yet).
        assert_eq!(reception_to_reuse(&rows, "b", now), None);
        assert_eq!(reception_to_reuse(&rows, "c", now), None);
        // A number without its time: this pass's.
        submitted.reception_at = None;
        assert_eq!(
            reception_to_reuse(&[submitted], "a", now).map(|a| a.at),
            Some(now)
        );
    }

    #[test]
    fn each_state_has_one_step() {
        assert_eq!(next_step(&[], "a"), Step::Receive);
        assert_eq!(
            next_step(&[row("a", LedgerState::Received)], "a"),
            Step::Process
        );
        assert_eq!(
            next_step(&[row("a", LedgerState::Prepared)], "a"),
            Step::FinishRename
        );
        assert_eq!(
            next_step(&[row("a", LedgerState::Answered)], "a"),
            Step::Archive
        );
    }

    #[test]
    fn other_bytes_under_a_known_name_are_a_duplicate() {
        let rows = [row("a", LedgerState::Answered)];
        assert_eq!(next_step(&rows, "b"), Step::ReceiveDuplicate);
        // The duplicate's own row then decides for it.
        let rows = [
            row("a", LedgerState::Answered),
            row("b", LedgerState::Prepared),
        ];
        assert_eq!(next_step(&rows, "b"), Step::FinishRename);
    }

    #[test]
    fn names_and_digests() {
        // SHA-256("abc") = ba7816bf…f20015ad (FIPS 180-2, appendix B.1), a to p for 0 to f.
        assert_eq!(
            digest(b"abc"),
            "lkhibglpipabmpokebebeanofnkocccdlaadgbkdjgbhhkjmlebappgbpcaabfkn"
        );
        assert_eq!(
            temporary_name("OQSsiquc01res_1.xml"),
            ".OQSsiquc01res_1.xml.tmp"
        );
        for s in [
            LedgerState::Received,
            LedgerState::Prepared,
            LedgerState::Answered,
        ] {
            assert_eq!(LedgerState::parse(s.as_str()), Some(s));
        }
        for d in [Disposition::Done, Disposition::Rejected] {
            assert_eq!(Disposition::parse(d.as_str()), Some(d));
        }
        assert_eq!(LedgerState::parse("x"), None);
    }
}
