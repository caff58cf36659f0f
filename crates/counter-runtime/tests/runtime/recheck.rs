//! The re-check worker against the real insurer reference server (mutual TLS on loopback,
//! its register and bulk submissions in its own SQLite file), the queue in ours. The
//! fallbacks come from the eligibility machine and its effects are stored as the shell
//! stores them. Time is moved by hand: the insurer's clock and the worker's `now` are one.

use std::sync::Mutex;
use std::time::Duration;

use backend_insurer::RunningInsurer;
use backend_insurer::config::TerminalConfig;
use backend_kit::devpki::DevPki;
use backend_kit::{Clock as _, ManualClock};
use counter_api::assertion::KeySet;
use counter_core::Code;
use counter_core::UnixTime;
use counter_core::eligibility::{
    CheckSettings, CheckSource, ConsentsOffered, Effect, EligibilityCheck, FallbackDocument,
    FallbackForm, FallbackReason, Input, Mode, RecheckPolicy,
};
use counter_runtime::http::{Backends, Endpoints};
use counter_runtime::recheck::{RecheckReport, run_due};
use counter_store::{AuditEvent, RecheckItem, RecheckState, Store};

use crate::support::{PLATFORM, TERMINAL};

const INSTITUTION: &str = "1312345678";
const INSURER: &str = "kenpo-kanto";

/// The insurer (stopped and started at will, on one database file) and our store.
struct RecheckEnv {
    dir: tempfile::TempDir,
    pki: DevPki,
    clock: ManualClock,
    bulk_processing_secs: i64,
    insurer: Option<RunningInsurer>,
    /// The insurer's last port: closed while it is stopped.
    port: u16,
    store: Mutex<Store>,
}

impl RecheckEnv {
    async fn start(bulk_processing_secs: i64) -> RecheckEnv {
        let dir = tempfile::tempdir().unwrap();
        let store = Mutex::new(Store::open(dir.path().join("counter.sqlite")).unwrap());
        let mut env = RecheckEnv {
            pki: DevPki::generate(&["localhost"]).unwrap(),
            clock: ManualClock::new(),
            bulk_processing_secs,
            insurer: None,
            port: 0,
            store,
            dir,
        };
        env.start_insurer().await;
        env
    }

    async fn start_insurer(&mut self) {
        let signer = backend_platform::test_support::assertion_signer(PLATFORM).unwrap();
        let settings = backend_insurer::Settings {
            insurer_id: INSURER.into(),
            listen: "127.0.0.1:0".parse().unwrap(),
            database: self.dir.path().join("insurer.sqlite"),
            connections: backend_kit::ServeLimits::default(),
            bulk_processing_secs: self.bulk_processing_secs,
            seed_toml: backend_insurer::demo::BUILTIN.into(),
            tls_certificate_pem: self.pki.server_cert_pem.clone().into_bytes(),
            tls_private_key_pem: self.pki.server_key_pem.clone().into_bytes(),
            terminal_ca_pem: self.pki.terminal_ca_pem.clone().into_bytes(),
            platforms: vec![KeySet::of(PLATFORM, &signer)],
            terminals: vec![TerminalConfig {
                id: TERMINAL.into(),
                certificate_sha256: None,
            }],
        };
        let running =
            backend_insurer::start_in_process(settings, std::sync::Arc::new(self.clock.clone()))
                .await
                .unwrap();
        self.port = running.addr().port();
        self.insurer = Some(running);
    }

    async fn stop_insurer(&mut self) {
        self.insurer.take().unwrap().shutdown().await;
    }

    fn backends(&self) -> Backends {
        let (cert, key) = self.pki.terminal_identity(TERMINAL).unwrap();
        let tls = counter_runtime::tls::client_config(
            self.pki.server_ca_pem.as_bytes(),
            cert.as_bytes(),
            key.as_bytes(),
        )
        .unwrap();
        // Only the insurer is called; the other two point at the discard port.
        Backends::new(
            tls,
            Endpoints {
                platform: vec!["https://localhost:9".into()],
                insurer: format!("https://localhost:{}", self.port),
                acquirer: "https://localhost:9".into(),
                timeout: Duration::from_secs(5),
            },
        )
        .unwrap()
    }

    fn now(&self) -> UnixTime {
        self.clock.now()
    }

    /// Staff record what the patient presented when the insurer could not be reached
    /// ([`store_fallback`]).
    fn record_fallback(&self, check_id: &str, ratio_tenths: u8) {
        store_fallback(
            &mut self.store.lock().unwrap(),
            check_id,
            ratio_tenths,
            self.now(),
        );
    }

    async fn run(&self, policy: &RecheckPolicy) -> RecheckReport {
        self.run_at(policy, self.now()).await
    }

    /// A run at `now` (the clock follows the system's seconds: a test that compares times
    /// the run wrote reads `now` once, before the run).
    async fn run_at(&self, policy: &RecheckPolicy, now: UnixTime) -> RecheckReport {
        run_due(&self.store, &self.backends(), INSTITUTION, now, policy)
            .await
            .unwrap()
    }

    fn item(&self, check_id: &str) -> RecheckItem {
        self.store
            .lock()
            .unwrap()
            .recheck(check_id)
            .unwrap()
            .unwrap()
    }

    /// The bulk submissions the insurer received (its audit trail).
    fn submissions(&self) -> usize {
        let insurer = self.insurer.as_ref().unwrap().insurer();
        insurer
            .audit_rows()
            .unwrap()
            .iter()
            .filter(|r| r.action == "bulk_submit")
            .count()
    }
}

/// Staff record sato-hanako's 資格情報のお知らせ (the demo register's first person), at
/// `ratio_tenths` as printed, when the insurer could not be reached: the machine's effects at
/// `now`, stored in `store` as the shell stores them (its re-check queued).
pub fn store_fallback(store: &mut Store, check_id: &str, ratio_tenths: u8, now: UnixTime) {
    let settings = CheckSettings {
        medical_institution_code: INSTITUTION.into(),
        consents_offered: ConsentsOffered::reception_default(),
        export: false,
    };
    let mut check = EligibilityCheck::fallback_only(
        check_id,
        Mode::Reception,
        settings,
        FallbackReason::InsurerUnavailable,
        None,
    )
    .unwrap();
    let form = FallbackForm {
        document: FallbackDocument::EligibilityNotice,
        insurer_number: "06139999".into(),
        insurer_name: String::new(),
        symbol: "千代".into(),
        number: "10001".into(),
        branch: "01".into(),
        name: "佐藤　花子".into(),
        birth_date: "1985-04-12".into(),
        ratio_tenths,
    };
    let effects = check.handle(Input::RecordFallback(form), now).unwrap();
    let mut queued = false;
    for effect in effects.into_iter().chain(check.end(now)) {
        match effect {
            Effect::RecordCheck(r) => store.upsert_check(&r).unwrap(),
            Effect::Audit(e) => store
                .append_audit(&AuditEvent::from_eligibility(&e, "staff-01").unwrap())
                .unwrap(),
            Effect::EnqueueRecheck(r) => {
                store.enqueue_recheck(&r).unwrap();
                queued = true;
            }
            other => panic!("unexpected effect {other:?}"),
        }
    }
    assert!(queued, "a notice with numbers is re-checked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_fallback_is_rechecked_and_its_record_replaced() {
    let env = RecheckEnv::start(30).await;
    let policy = RecheckPolicy::default();
    env.record_fallback("chk-ok", 3);
    assert_eq!(
        env.run(&policy).await.due,
        0,
        "not due before its first wait"
    );

    env.clock.advance(60);
    let first = env.run(&policy).await;
    assert_eq!((first.due, first.submissions, first.fetching), (1, 1, 1));
    let item = env.item("chk-ok");
    assert_eq!(item.state, RecheckState::Pending);
    assert!(item.reception_number.is_some(), "stored before the fetch");

    // 処理中 for 30 s at the insurer: the next run fetches the same submission.
    env.clock.advance(60);
    let second = env.run(&policy).await;
    assert_eq!(second.submissions, 0, "fetched, not submitted again");
    assert_eq!(second.confirmed, ["chk-ok"]);
    assert!(second.contradicted.is_empty() && second.gave_up.is_empty());
    assert_eq!(env.submissions(), 1);

    let store = env.store.lock().unwrap();
    let record = store.check_record("chk-ok").unwrap().unwrap();
    assert_eq!(record.summary.source, CheckSource::Recheck);
    assert_eq!(record.summary.validity, "1");
    assert_eq!(record.summary.ratio_tenths, Some(3));
    assert!(record.details.response.is_some());
    let item = store.recheck("chk-ok").unwrap().unwrap();
    assert_eq!(
        (item.state, item.reception_number),
        (RecheckState::Done, None)
    );
    assert_eq!(store.pending_recheck_count().unwrap(), 0);
    let trail = store
        .audit_between(UnixTime::EPOCH, UnixTime::from_secs(i64::MAX))
        .unwrap();
    assert!(trail.iter().any(|e| e.action == "fallback_recorded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_insurer_outage_reschedules_with_backoff_and_loses_nothing() {
    let mut env = RecheckEnv::start(30).await;
    let policy = RecheckPolicy::default();
    env.record_fallback("chk-a", 3);
    env.clock.advance(60);
    let first = env.run(&policy).await;
    assert_eq!((first.submissions, first.fetching), (1, 1));
    let reception = env.item("chk-a").reception_number.unwrap();

    // The insurer goes down; another fallback is recorded meanwhile.
    env.stop_insurer().await;
    env.record_fallback("chk-b", 3);
    env.clock.advance(60);
    let now = env.now();
    let down = env.run_at(&policy, now).await;
    assert_eq!((down.due, down.submissions, down.retried), (2, 0, 2));
    assert!(down.confirmed.is_empty() && down.gave_up.is_empty());
    let a = env.item("chk-a");
    assert_eq!(
        (a.state, a.attempts, a.next_at),
        (RecheckState::Pending, 1, now.plus_secs(60))
    );
    assert_eq!(
        a.reception_number.as_deref(),
        Some(reception.as_str()),
        "the submission is kept to be fetched"
    );
    assert_eq!(a.last_error.as_deref(), Some("insurer_unreachable"));
    let b = env.item("chk-b");
    assert_eq!(
        (b.state, b.attempts, b.next_at),
        (RecheckState::Pending, 1, now.plus_secs(60))
    );
    assert_eq!(b.reception_number, None);
    assert!(a.request_json.is_some() && b.request_json.is_some());

    env.clock.advance(30);
    assert_eq!(env.run(&policy).await.due, 0, "the backoff is kept");

    // Back up (same database, new port): A's submission is fetched, B's is made.
    env.start_insurer().await;
    env.clock.advance(30);
    let back = env.run(&policy).await;
    assert_eq!(back.confirmed, ["chk-a"]);
    assert_eq!((back.submissions, back.fetching), (1, 1));
    env.clock.advance(60);
    let last = env.run(&policy).await;
    assert_eq!(last.confirmed, ["chk-b"]);
    assert_eq!(
        env.submissions(),
        2,
        "one submission per item, none repeated"
    );
    assert_eq!(
        env.store.lock().unwrap().pending_recheck_count().unwrap(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contradiction_is_reported_for_staff() {
    let env = RecheckEnv::start(0).await;
    // The notice said 1割; the insurer's record says 3割.
    env.record_fallback("chk-ratio", 1);
    env.clock.advance(60);
    let report = env.run(&RecheckPolicy::default()).await;
    assert_eq!(report.contradicted, ["chk-ratio"]);
    assert!(report.confirmed.is_empty());

    let store = env.store.lock().unwrap();
    let record = store.check_record("chk-ratio").unwrap().unwrap();
    assert_eq!(record.summary.source, CheckSource::Recheck);
    assert_eq!(record.summary.warnings, [Code::RecheckContradiction]);
    assert_eq!(record.summary.ratio_tenths, Some(3));
    let item = store.recheck("chk-ratio").unwrap().unwrap();
    assert_eq!(item.state, RecheckState::Done);
    let result: serde_json::Value =
        serde_json::from_str(item.result_json.as_deref().unwrap()).unwrap();
    assert_eq!(result["code"], "recheck_contradiction");
    assert_eq!(result["contradictions"][0]["kind"], "ratio");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recheck_is_given_up_after_the_policys_window() {
    let mut env = RecheckEnv::start(0).await;
    let policy = RecheckPolicy {
        backoff_secs: vec![60],
        give_up_after_secs: 600,
    };
    env.record_fallback("chk-late", 3);
    env.stop_insurer().await;
    env.clock.advance(60);
    let report = env.run(&policy).await;
    assert_eq!((report.retried, report.gave_up.len()), (1, 0));

    env.clock.advance(540);
    let report = env.run(&policy).await;
    assert_eq!(report.gave_up, ["chk-late"]);
    assert_eq!(report.retried, 0);
    let item = env.item("chk-late");
    assert_eq!(item.state, RecheckState::GaveUp);
    assert_eq!(item.last_error.as_deref(), Some("insurer_unreachable"));
    {
        let store = env.store.lock().unwrap();
        assert_eq!(store.pending_recheck_count().unwrap(), 0);
        // The fallback stands as recorded.
        let record = store.check_record("chk-late").unwrap().unwrap();
        assert!(matches!(
            record.summary.source,
            CheckSource::Fallback { .. }
        ));
    }
    env.clock.advance(86_400);
    assert_eq!(env.run(&policy).await.due, 0, "nothing is left to run");
}
