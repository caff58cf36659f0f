//! Which of the terminal's files leave the disk with the retention (docs/domain/eligibility.md
//! §5 R10: personal data kept no longer than needed), once older than the
//! [`RetentionPolicy`]'s cutoff:
//!
//! - in the folders the terminal owns beneath the folder root (`res/`, `face/`, `done/`,
//!   `rejected/`), every file: answers, card results and answered requests;
//! - in the export folder, which a site may share with other programs, only the files the
//!   terminal writes there (`OQSsiquc01res_<check id>.xml` / `.json`).
//!
//! Requests still in `req/` are work to do and are never purged; a hidden file (`.…`) is an
//! answer being written, which the ledger finishes, and is left alone.

use crate::UnixTime;
use crate::eligibility::RetentionPolicy;
use crate::eligibility::export::RESULT_PREFIX;

/// Where a file lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// `res/`, `face/`, `done/` or `rejected/`: the terminal's own.
    Answered,
    /// The export folder (`[counter] export_dir`).
    Exports,
}

/// Whether the file `name` in `place`, last modified at `modified`, is purged at `now`.
pub fn expired(
    place: Place,
    name: &str,
    modified: UnixTime,
    policy: RetentionPolicy,
    now: UnixTime,
) -> bool {
    let ours = match place {
        Place::Answered => true,
        Place::Exports => name.starts_with(RESULT_PREFIX),
    };
    ours && !name.starts_with('.') && policy.purge(modified, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eligibility::testdata::NOW;

    #[test]
    fn files_older_than_the_cutoff_go_and_temporaries_stay() {
        let p = RetentionPolicy { days: 90 };
        let cutoff = p.cutoff(NOW);
        let old = cutoff.minus_secs(1);
        let answered = |name: &str, at| expired(Place::Answered, name, at, p, NOW);
        assert!(answered("OQSsiquc01res_1.xml", old));
        assert!(answered("OQSmuquc01req_7.xml", old));
        assert!(!answered("OQSsiquc01res_1.xml", cutoff));
        assert!(!answered("OQSsiquc01res_1.xml", NOW));
        assert!(!answered(".OQSsiquc01res_1.xml.tmp", old));
    }

    #[test]
    fn in_the_export_folder_only_the_terminals_own_files_go() {
        let p = RetentionPolicy { days: 90 };
        let old = p.cutoff(NOW).minus_secs(1);
        let export = |name: &str| expired(Place::Exports, name, old, p, NOW);
        assert!(export("OQSsiquc01res_chk-20261125-0001.xml"));
        assert!(export("OQSsiquc01res_chk-20261125-0001.json"));
        assert!(!export("patients.csv"), "another program's file");
        assert!(!export(".OQSsiquc01res_x.xml.part"));
    }
}
