//! A re-check's bad news stays on the status bar: the finished re-checks the store lists
//! (contradicted or given up) are shown, all of them, until staff confirm each; the
//! confirmation is journaled and audited, and a passing notice or a staff click does not
//! take them away.

use super::*;
use crate::eligibility::recheck::Contradiction;
use crate::eligibility::validity::{Ratio, RatioSource};
use crate::eligibility::{
    AuditAction, AuditEvent, FinishedRecheck, RecheckShown, RecheckToConfirm, to_confirm,
};

fn contradicted(check_id: &str) -> RecheckToConfirm {
    let shown = RecheckShown {
        code: Code::RecheckContradiction,
        contradictions: vec![Contradiction::Ratio {
            presented: 3,
            found: Ratio::Tenths {
                tenths: 1,
                source: RatioSource::Insured,
            },
        }],
        purged: false,
    };
    to_confirm(
        check_id,
        Some("P-7".into()),
        None,
        FinishedRecheck::Done(Some(shown)),
    )
    .unwrap()
}

fn gave_up(check_id: &str) -> RecheckToConfirm {
    to_confirm(check_id, None, None, FinishedRecheck::GaveUp).unwrap()
}

fn counts(rechecks: Vec<RecheckToConfirm>) -> Input {
    Input::Counts {
        pending_rechecks: 0,
        in_doubt: vec![],
        held: vec![],
        unresolved: vec![],
        unshown: vec![],
        rechecks,
    }
}

fn listed(d: &Desk) -> Vec<String> {
    d.m.screens()
        .status
        .rechecks
        .iter()
        .map(|r| r.check_id.clone())
        .collect()
}

#[test]
fn both_outcomes_of_one_run_stay_listed_until_staff_confirm_each() {
    let mut d = Desk::new(CounterMode::Reception);
    d.send(counts(vec![gave_up("c-1"), contradicted("c-2")]));
    let status = d.m.screens().status;
    assert_eq!(listed(&d), ["c-1", "c-2"]);
    assert_eq!(
        status.rechecks_notice.map(|m| m.code),
        Some(Code::RecheckContradiction),
        "the contradiction is named first: the share charged may be wrong"
    );
    // A notice and a staff click that has nothing to do with them leave them listed.
    d.send(Input::Notice(Code::PaymentsRecovered));
    d.staff(StaffAction::Finish);
    assert_eq!(listed(&d), ["c-1", "c-2"]);

    let e = d.staff(StaffAction::ConfirmRecheck {
        check_id: "c-2".into(),
    });
    let now = d.now;
    assert!(
        matches!(&e[..], [
        Effect::ConfirmRecheck { check_id },
        Effect::CheckAudit(AuditEvent { at, check_id: audited, action: AuditAction::RecheckConfirmed { code } }),
    ] if check_id == "c-2" && audited == "c-2" && *at == now && *code == Code::RecheckContradiction),
        "{e:?}"
    );
    // The store's next counts no longer list it: the line names what is left.
    d.send(counts(vec![gave_up("c-1")]));
    let status = d.m.screens().status;
    assert_eq!(listed(&d), ["c-1"]);
    assert_eq!(
        status.rechecks_notice.map(|m| m.code),
        Some(Code::RecheckGaveUp)
    );
    d.send(counts(vec![]));
    let status = d.m.screens().status;
    assert!(status.rechecks.is_empty() && status.rechecks_notice.is_none());
}

#[test]
fn only_a_listed_recheck_can_be_confirmed() {
    let mut d = Desk::new(CounterMode::Reception);
    d.send(counts(vec![contradicted("c-2")]));
    for id in ["c-1", ""] {
        assert_eq!(
            d.refuse(Input::Staff(StaffAction::ConfirmRecheck {
                check_id: id.into()
            })),
            Refused::Action(Code::NotNow),
            "{id}"
        );
    }
    assert_eq!(listed(&d), ["c-2"], "nothing changed");
}

#[test]
fn a_listed_recheck_whose_details_were_purged_says_so() {
    let mut d = Desk::new(CounterMode::Reception);
    d.send(counts(vec![contradicted("c-1"), gave_up("c-2")]));
    assert_eq!(d.m.screens().status.rechecks_purged_notice, None);

    // What the purge keeps of c-1: its code alone.
    let kept = crate::eligibility::kept_by_purge(Some(&contradicted("c-1")));
    let purged = to_confirm("c-1", None, None, FinishedRecheck::Done(kept)).unwrap();
    assert!(purged.details_purged && purged.contradictions.is_empty());
    d.send(counts(vec![purged, gave_up("c-2")]));
    let status = d.m.screens().status;
    assert_eq!(
        status.rechecks_notice.map(|m| m.code),
        Some(Code::RecheckContradiction),
        "still a contradiction to confirm"
    );
    assert_eq!(
        status.rechecks_purged_notice.map(|m| m.code),
        Some(Code::RecheckDetailsPurged)
    );
}

#[test]
fn a_folder_the_purge_cannot_list_is_named_until_a_purge_lists_it() {
    let mut d = Desk::new(CounterMode::Reception);
    d.send(Input::Purged {
        unlisted: vec!["/srv/oqs/res".into()],
        details_kept: false,
    });
    let status = d.m.screens().status;
    assert_eq!(status.purge_failed, ["/srv/oqs/res"]);
    assert_eq!(
        status.purge_notice.map(|m| m.code),
        Some(Code::PurgeFolderUnreadable)
    );
    assert_eq!(status.purge_details_notice, None);
    d.send(Input::Purged {
        unlisted: vec![],
        details_kept: false,
    });
    let status = d.m.screens().status;
    assert!(status.purge_failed.is_empty() && status.purge_notice.is_none());
}

#[test]
fn a_database_the_purge_could_not_purge_is_on_the_status_bar_beside_the_folders() {
    let mut d = Desk::new(CounterMode::Reception);
    // Both at once: the folders are still named, and the details kept are said apart.
    d.send(Input::Purged {
        unlisted: vec!["/srv/oqs/res".into()],
        details_kept: true,
    });
    let status = d.m.screens().status;
    assert_eq!(status.purge_failed, ["/srv/oqs/res"]);
    assert_eq!(
        status.purge_notice.map(|m| m.code),
        Some(Code::PurgeFolderUnreadable)
    );
    assert_eq!(
        status.purge_details_notice.map(|m| m.code),
        Some(Code::PurgeDetailsKept)
    );
    let line = Code::PurgeDetailsKept.entry();
    assert!(
        line.en.contains("past their retention period") && line.next_en.contains("disk space"),
        "{line:?}"
    );
    // A purge that succeeds clears it.
    d.send(Input::Purged {
        unlisted: vec![],
        details_kept: false,
    });
    let status = d.m.screens().status;
    assert_eq!(status.purge_details_notice, None);
}
