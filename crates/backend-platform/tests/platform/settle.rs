//! The answer's steps on both storages (a SQLite file, and a fresh PostgreSQL schema when
//! `scripts/postgres.sh` runs one): an issue writes its audit row in its own transaction; an
//! answer is settled once, with its audit row, by any number of nodes at once; the
//! identification's settling consumes the challenge only for an enrolled card and returns
//! the card's record; and none of them writes anything when it does not go through.

use std::sync::{Arc, Barrier};

use backend_platform::audit::AuditEvent;
use backend_platform::config::Database;
use backend_platform::core::challenges::{ChallengeRules, Stored};
use backend_platform::storage::{ChallengeToIssue, SettledEnrolled, Storage, open};
use counter_api::platform::{ChallengePurpose, ChallengeRequest, InsuranceLink, ServiceLink};
use jpki_cert::LinkageKey;
use madoguchi_time::UnixTime;

use crate::storage::databases;
use crate::support::*;

const NOW: UnixTime = UnixTime::from_secs(1000);

fn row(action: &'static str, outcome: &str, challenge: &str) -> AuditEvent {
    AuditEvent {
        at: NOW,
        terminal_id: Some("t1".into()),
        action,
        outcome: outcome.into(),
        challenge_id: Some(challenge.into()),
        certificate: Some(("CN=issuer".into(), "0a".into())),
        ..AuditEvent::default()
    }
}

fn issue(s: &dyn Storage, rules: &ChallengeRules, id: &str) -> bool {
    let audit = row("challenge", "ok", id);
    let request = ChallengeRequest {
        purpose: ChallengePurpose::Identify,
        context: None,
    };
    s.issue_challenge(
        rules,
        &ChallengeToIssue {
            terminal_id: "t1",
            request: &request,
            now: NOW,
            id: id.into(),
            nonce: [5; 32],
            audit: &audit,
        },
    )
    .is_ok()
}

/// Audit rows as `action:outcome:challenge:subject`, in order.
fn audit(db: &Database) -> Vec<String> {
    platform_rows(
        db,
        "SELECT action || ':' || outcome || ':' || challenge_id || ':' || coalesce(subject_id, '-')
         FROM audit ORDER BY id",
    )
}

fn card() -> LinkageKey {
    LinkageKey {
        issuer: "CN=auth-root".into(),
        serial: "1f".into(),
    }
}

/// Enrolls `card()` as holder `s1` with one insurance link, by SQL that means the same on
/// both storages.
fn enroll_card(db: &Database) {
    let link = serde_json::to_string(&ServiceLink::Insurance(InsuranceLink {
        service_id: "kenpo".into(),
        insurer_number: "06130010".into(),
        symbol: None,
        number: "1234".into(),
        branch: None,
    }))
    .unwrap();
    let k = card();
    for sql in [
        "INSERT INTO subjects (subject_id, created_at) VALUES ('s1', 1) RETURNING ''".to_owned(),
        format!(
            "INSERT INTO auth_certificates (issuer, serial, subject_id, enrollment_id, linked_at)
             VALUES ('{}', '{}', 's1', 'e1', 1) RETURNING ''",
            k.issuer, k.serial
        ),
        format!(
            "INSERT INTO service_links (subject_id, service_id, link, enrollment_id, linked_at)
             VALUES ('s1', 'kenpo', '{link}', 'e1', 1) RETURNING ''"
        ),
    ] {
        platform_rows(db, &sql);
    }
}

#[test]
fn an_issue_writes_its_audit_row_and_a_refused_one_writes_nothing() {
    let rules = ChallengeRules::new("pf", 60).with_terminal_quota(1);
    for (name, db, _dir) in databases("issuing with the audit row") {
        let s = open(&db).unwrap();
        assert!(issue(&*s, &rules, "c1"), "{name}");
        assert!(!issue(&*s, &rules, "c2"), "{name}: over the quota");
        assert_eq!(audit(&db), ["challenge:ok:c1:-"], "{name}");
        assert!(
            matches!(s.challenge("pf", "c1").unwrap(), Some(Stored::Pending(_))),
            "{name}"
        );
        assert_eq!(s.challenge("pf", "c2").unwrap(), None, "{name}");
    }
}

#[test]
fn an_answer_is_settled_once_with_its_audit_row() {
    let rules = ChallengeRules::new("pf", 60);
    for (name, db, _dir) in databases("settling an answer") {
        let s = open(&db).unwrap();
        assert!(issue(&*s, &rules, "c1"), "{name}");
        let refused = row("identify", "certificate_revoked", "c1");
        // Another terminal's answer does not settle it.
        assert!(!s.settle_answer("c1", "t2", &refused).unwrap(), "{name}");
        assert!(s.settle_answer("c1", "t1", &refused).unwrap(), "{name}");
        assert!(!s.settle_answer("c1", "t1", &refused).unwrap(), "{name}");
        assert!(!s.settle_answer("zz", "t1", &refused).unwrap(), "{name}");
        assert_eq!(
            s.challenge("pf", "c1").unwrap(),
            Some(Stored::Used),
            "{name}"
        );
        assert_eq!(
            audit(&db),
            ["challenge:ok:c1:-", "identify:certificate_revoked:c1:-"],
            "{name}"
        );
    }
}

#[test]
fn an_identification_consumes_its_challenge_only_for_an_enrolled_card() {
    let rules = ChallengeRules::new("pf", 60);
    for (name, db, _dir) in databases("settling an identification") {
        let s = open(&db).unwrap();
        assert!(issue(&*s, &rules, "c1"), "{name}");
        let ok = row("identify", "ok", "c1");
        assert_eq!(
            s.settle_enrolled("c1", "t1", &card(), &ok).unwrap(),
            SettledEnrolled::NotEnrolled,
            "{name}"
        );
        assert!(
            matches!(s.challenge("pf", "c1").unwrap(), Some(Stored::Pending(_))),
            "{name}: not consumed"
        );
        enroll_card(&db);
        let SettledEnrolled::Consumed(enrolled) =
            s.settle_enrolled("c1", "t1", &card(), &ok).unwrap()
        else {
            panic!("{name}: not consumed");
        };
        assert_eq!(enrolled.subject_id, "s1", "{name}");
        assert_eq!(
            enrolled
                .links
                .iter()
                .map(|l| l.service_id())
                .collect::<Vec<_>>(),
            ["kenpo"],
            "{name}"
        );
        assert_eq!(enrolled.sign, None, "{name}");
        assert_eq!(Some(enrolled), s.lookup(&card()).unwrap(), "{name}");
        assert_eq!(
            s.settle_enrolled("c1", "t1", &card(), &ok).unwrap(),
            SettledEnrolled::NotPending,
            "{name}"
        );
        assert_eq!(
            audit(&db),
            ["challenge:ok:c1:-", "identify:ok:c1:s1"],
            "{name}"
        );
    }
}

/// Many threads on two storages opened on the same database settle one answer at the same
/// instant, half of them as identifications of an enrolled card: exactly one settles it, and
/// the audit has one row for it.
#[test]
fn an_answer_settled_at_two_nodes_at_once_is_settled_exactly_once() {
    let rules = ChallengeRules::new("pf", 60);
    for (name, db, _dir) in databases("settling at two nodes at once") {
        let nodes: Vec<Arc<dyn Storage>> = vec![open(&db).unwrap(), open(&db).unwrap()];
        enroll_card(&db);
        for round in 0..5 {
            let id = format!("race-{round}");
            assert!(issue(&*nodes[0], &rules, &id), "{name}");
            let barrier = Arc::new(Barrier::new(8));
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let (node, barrier, id) = (nodes[i % 2].clone(), barrier.clone(), id.clone());
                    std::thread::spawn(move || {
                        let ok = row("identify", "ok", &id);
                        barrier.wait();
                        if i < 4 {
                            node.settle_answer(&id, "t1", &ok).unwrap()
                        } else {
                            match node.settle_enrolled(&id, "t1", &card(), &ok).unwrap() {
                                SettledEnrolled::Consumed(_) => true,
                                SettledEnrolled::NotPending => false,
                                other => panic!("{other:?}"),
                            }
                        }
                    })
                })
                .collect();
            let settled = handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .filter(|s| *s)
                .count();
            assert_eq!(settled, 1, "{name}, round {round}");
        }
        let identified = audit(&db)
            .into_iter()
            .filter(|r| r.starts_with("identify:"))
            .count();
        assert_eq!(identified, 5, "{name}");
    }
}
