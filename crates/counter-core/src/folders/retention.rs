//! Which of the terminal's files leave the disk with the retention (docs/domain/eligibility.md
//! §5 R10: personal data kept no longer than needed), once older than the
//! [`RetentionPolicy`]'s cutoff:
//!
//! - in the folders the terminal owns beneath the folder root (`res/`, `face/`, `done/`,
//!   `rejected/`), every file: answers, card results and answered requests;
//! - in the export folder, which a site may share with other programs, only the files the
//!   terminal writes there (`OQSsiquc01res_<check id>.xml` / `.json`);
//! - the temporaries a crash left behind where the terminal writes with nothing to finish
//!   them ([`crash_leftover`]): they hold a whole answer.
//!
//! Requests still in `req/` are work to do and are never purged; a hidden answer in `res/` is
//! one the ledger prepared and renames into place at the worker's next start, and is left
//! alone; other hidden files are not the terminal's and are left alone too.

use crate::UnixTime;
use crate::eligibility::RetentionPolicy;
use crate::eligibility::export::RESULT_PREFIX;

/// Where a file lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// `res/`, `done/` or `rejected/`: the terminal's own.
    Answered,
    /// `face/`: the terminal's own; its card results are written under a temporary name
    /// and renamed, with no ledger row to finish them.
    Faces,
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
    let ours = if name.starts_with('.') {
        crash_leftover(place, name)
    } else {
        match place {
            Place::Answered | Place::Faces => true,
            Place::Exports => name.starts_with(RESULT_PREFIX),
        }
    };
    ours && policy.purge(modified, now)
}

/// Whether the hidden file `name` in `place` is a temporary of the terminal's that only a
/// crash (a power cut between the write and the rename) leaves behind: an export's
/// (`crate::eligibility::export::temporary_name`, `.OQSsiquc01res_….part`) in the export
/// folder and in `face/`, where the counter writes a card check's file the same way, and in
/// `face/` also a ledger-written result's (`crate::folders::ledger::temporary_name`,
/// `.<name>.tmp`).
/// Past the retention period nothing is still writing it, and it holds a whole answer
/// (name, birth date, insurance numbers), so it goes with the files of its age. Hidden files
/// of other names, in a folder the receipt system or a site's other programs may share, are
/// theirs; a hidden answer in `res/` is the ledger's prepared answer, finished (renamed) at
/// the worker's next start.
pub fn crash_leftover(place: Place, name: &str) -> bool {
    let Some(hidden) = name.strip_prefix('.') else {
        return false;
    };
    match place {
        Place::Answered => false,
        Place::Faces => {
            hidden
                .strip_suffix(".tmp")
                .is_some_and(|n| !n.is_empty() && !n.starts_with('.'))
                || export_part(hidden)
        }
        Place::Exports => export_part(hidden),
    }
}

/// Whether `hidden` (a name without its leading dot) is an export's temporary: the counter
/// writes its `face/` file as it writes its exports (`counter_runtime`'s `persist::export`).
fn export_part(hidden: &str) -> bool {
    hidden
        .strip_suffix(".part")
        .is_some_and(|n| n.starts_with(RESULT_PREFIX))
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
        assert!(
            !answered(".OQSsiquc01res_1.xml.tmp", old),
            "a prepared answer the ledger finishes"
        );
    }

    #[test]
    fn in_the_export_folder_only_the_terminals_own_files_go() {
        let p = RetentionPolicy { days: 90 };
        let old = p.cutoff(NOW).minus_secs(1);
        let export = |name: &str| expired(Place::Exports, name, old, p, NOW);
        assert!(export("OQSsiquc01res_chk-20261125-0001.xml"));
        assert!(export("OQSsiquc01res_chk-20261125-0001.json"));
        assert!(!export("patients.csv"), "another program's file");
        assert!(
            !export(".OQSsiquc01res_x.xml.tmp"),
            "not the terminal's temporary"
        );
        assert!(!export(".patients.csv.part"), "another program's temporary");
        assert!(!export(".hidden"));
    }

    #[test]
    fn a_temporary_a_crash_left_where_nothing_finishes_it_goes_past_the_cutoff() {
        let p = RetentionPolicy { days: 90 };
        let cutoff = p.cutoff(NOW);
        let old = cutoff.minus_secs(1);
        let export_tmp = crate::eligibility::export::temporary_name("OQSsiquc01res_c-1.xml");
        let face_tmp = crate::folders::ledger::temporary_name("OQSsiquc01res_face_c-1.xml");
        assert!(expired(Place::Exports, &export_tmp, old, p, NOW));
        assert!(expired(Place::Faces, &face_tmp, old, p, NOW));
        // Within the period it may still be being written.
        assert!(!expired(Place::Exports, &export_tmp, cutoff, p, NOW));
        assert!(!expired(Place::Faces, &face_tmp, cutoff, p, NOW));
        // A non-hidden file of face/ is the terminal's, as in res/.
        assert!(expired(
            Place::Faces,
            "OQSsiquc01res_face_c-1.xml",
            old,
            p,
            NOW
        ));
        // The counter writes a card check's face file as it writes an export: its
        // temporary, left by a crash, holds the whole answer and goes too.
        assert!(expired(
            Place::Faces,
            ".OQSsiquc01res_face_c-1_20261207.xml.part",
            old,
            p,
            NOW
        ));
        // Hidden files of other shapes are not the terminal's.
        for other in [".DS_Store", ".tmp", "..x.tmp", ".other.xml.part"] {
            assert!(!expired(Place::Faces, other, old, p, NOW), "{other}");
        }
    }
}
