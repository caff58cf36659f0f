//! A re-check's bad news on the running counter's status bar: the worker finds that a
//! fallback's share was wrong (the patient's notice said 1割, the insurer's record says
//! 3割); the counter started next lists that check, with its patient and visit day and
//! what differs, until staff confirm it; the confirmation is journaled and audited, and the
//! counter started after that no longer lists it.

use std::sync::Mutex;

use counter_core::Code;
use counter_core::UnixTime;
use counter_core::eligibility::RecheckPolicy;
use counter_core::eligibility::recheck::Contradiction;
use counter_runtime::counter::StaffAction;
use counter_runtime::recheck::run_due;
use counter_store::Store;

use crate::counter_env::{CounterEnv, INSTITUTION, js, staff, until};
use crate::recheck::store_fallback;
use crate::support::{READER, vpcd_reader};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contradicted_recheck_is_listed_after_a_restart_until_staff_confirm_it() {
    // No card is used; the lock keeps the card tests off the reader meanwhile.
    let _reader_lock = READER.lock().unwrap_or_else(|e| e.into_inner());
    let env = CounterEnv::start(&vpcd_reader(), "reception", true).await;
    let c = env.counter().await;

    // The fallback, then the worker's run once it is due, against the real insurer.
    let recorded = UnixTime::from_secs(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    );
    let store = Mutex::new(Store::open(env.db()).unwrap());
    store_fallback(&mut store.lock().unwrap(), "chk-ratio", 1, recorded);
    let report = run_due(
        &store,
        &env.config().backends().unwrap(),
        INSTITUTION,
        recorded.plus_secs(120),
        &RecheckPolicy::default(),
    )
    .await
    .unwrap();
    assert_eq!(report.contradicted, ["chk-ratio"]);
    c.close().await;

    // Restarted: the status bar lists it (nobody saw a notice), and says what to do.
    let c = env.counter().await;
    let mut rx = c.screens();
    let s = until(&mut rx, "the contradicted re-check listed", |s| {
        !s.status.rechecks.is_empty()
    })
    .await;
    let listed = &s.status.rechecks;
    assert_eq!(listed.len(), 1, "{:#}", js(&s));
    assert_eq!(listed[0].check_id, "chk-ratio");
    assert_eq!(listed[0].code, Code::RecheckContradiction);
    assert!(listed[0].visit_date.is_some(), "{:#}", js(&s));
    assert!(
        matches!(
            &listed[0].contradictions[..],
            [Contradiction::Ratio { presented: 1, .. }]
        ),
        "{:#}",
        js(&s)
    );
    assert_eq!(
        s.status.rechecks_notice.as_ref().map(|m| m.code),
        Some(Code::RecheckContradiction)
    );
    // A staff click elsewhere clears a notice, never the list. The counter answers a staff
    // action before it re-reads the counts and sends the screens of the change: the
    // screens are read once they show it (a refused confirmation's notice, then none).
    let refused = c
        .staff(StaffAction::ConfirmRecheck {
            check_id: "chk-other".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.message.code, Code::NotNow, "not listed");
    let told = until(&mut rx, "the refusal's notice", |s| {
        s.status.notice.is_some()
    })
    .await;
    staff(&c, StaffAction::Finish).await;
    let s = until(&mut rx, "the notice cleared", |s| {
        s.revision > told.revision && s.status.notice.is_none()
    })
    .await;
    assert_eq!(s.status.rechecks.len(), 1, "{:#}", js(&s));

    // Staff confirm it: journaled and audited, and it leaves the list.
    staff(
        &c,
        StaffAction::ConfirmRecheck {
            check_id: "chk-ratio".into(),
        },
    )
    .await;
    let s = until(&mut rx, "the confirmed re-check off the list", |s| {
        s.status.rechecks.is_empty()
    })
    .await;
    assert!(s.status.rechecks_notice.is_none(), "{:#}", js(&s));
    let refused = c
        .staff(StaffAction::ConfirmRecheck {
            check_id: "chk-ratio".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.message.code, Code::NotNow, "confirmed once");
    c.close().await;
    {
        let store = store.lock().unwrap();
        assert!(store.rechecks_to_confirm().unwrap().is_empty());
        let trail = store
            .audit_between(UnixTime::EPOCH, UnixTime::from_secs(i64::MAX))
            .unwrap();
        assert!(
            trail
                .iter()
                .any(|e| e.action == "recheck_confirmed"
                    && e.subject.as_deref() == Some("chk-ratio")),
            "{trail:?}"
        );
    }

    // Started again: not listed any more, so there is nothing to confirm. The screens are
    // read once they carry the refusal's notice: sent after the counts were read again
    // (the counter answers a staff action before it does).
    let c = env.counter().await;
    let mut rx = c.screens();
    let refused = c
        .staff(StaffAction::ConfirmRecheck {
            check_id: "chk-ratio".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        refused.message.code,
        Code::NotNow,
        "not listed after a restart"
    );
    let s = until(&mut rx, "the refusal's notice", |s| {
        s.status.notice.as_ref().map(|m| m.code) == Some(Code::NotNow)
    })
    .await;
    assert!(s.status.rechecks.is_empty(), "{:#}", js(&s));
    c.close().await;
}
