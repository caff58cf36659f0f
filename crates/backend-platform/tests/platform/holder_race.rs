//! One card, one holder is checked at verification and again in the store's transaction
//! (`backend_platform::core::holder`): an enrollment whose holder was decided before
//! another enrollment landed (the services confirm its links in between) is refused by the
//! store with the conflict, and nothing of it is stored. On both storages, called directly
//! as the enrollment flow calls them: `card_holders` and the rule when it verifies,
//! `enroll` when it stores. Likewise the operator's attachment, whose evidence (the refused
//! enrollment's audit row) is read before its transaction: a card enrolled in between is
//! seen by the transaction, and nothing is attached.

use backend_platform::audit::AuditEvent;
use backend_platform::config::Database;
use backend_platform::core::holder::{AttachRefusal, HolderConflict, LastingFacts, attach_auth};
use backend_platform::registry::{EnrollError, NewEnrollment};
use backend_platform::storage::{AuthAttachment, Storage, open};
use counter_api::platform::Application;
use jpki_cert::{JpkiCertificate, LinkageKey, SignIdentity};
use madoguchi_time::UnixTime;

use crate::storage::databases;
use crate::support::*;

/// A certificate's (issuer, serial) made up for the test: the storage keeps no more.
fn key(serial: &str) -> LinkageKey {
    LinkageKey {
        issuer: "CN=test".into(),
        serial: serial.into(),
    }
}

/// An enrollment of the card with `auth` and `sign` (sato-hanako's signature certificate
/// stands for every signature certificate's DER: its attributes are the ones compared).
struct Enrolment {
    id: &'static str,
    auth: LinkageKey,
    sign: LinkageKey,
}

/// What every enrollment of the test stores beside its certificates' keys.
struct Common {
    der: Vec<u8>,
    facts: LastingFacts,
    application: Application,
}

impl Common {
    fn new() -> Self {
        let card = Card::load("sato-hanako");
        let der = card.sign_der();
        let identity =
            SignIdentity::from_certificate(&JpkiCertificate::from_der(&der).unwrap()).unwrap();
        Common {
            der,
            facts: LastingFacts::of(&identity),
            application: card.application("ch_race"),
        }
    }

    /// The holder `s` decides for `e` at verification: (registry id, new).
    fn verify(&self, s: &dyn Storage, e: &Enrolment) -> (String, bool) {
        match s
            .card_holders(&e.auth, &e.sign)
            .unwrap()
            .holder(&self.facts, None)
            .unwrap()
        {
            Some(h) => (h.to_owned(), false),
            None => (format!("sub_{}", e.id), true),
        }
    }

    /// Stores `e` for the holder decided at verification.
    fn store(
        &self,
        s: &dyn Storage,
        e: &Enrolment,
        subject: &(String, bool),
    ) -> Result<backend_platform::registry::Stored, EnrollError> {
        s.enroll(
            &NewEnrollment {
                enrollment_id: e.id,
                terminal_id: T1,
                auth: &e.auth,
                sign: &e.sign,
                sign_root_key: "00",
                sign_crl_scope: None,
                sign_der: &self.der,
                sign_facts: &self.facts,
                corrected_for: None,
                application: &self.application,
                application_signature: b"sig",
                links: &[],
                subject: (&subject.0, subject.1),
                now: UnixTime::from_secs(1_000),
            },
            &[],
        )
    }
}

fn count(db: &Database, table: &str) -> String {
    platform_rows(db, &format!("SELECT CAST(count(*) AS TEXT) FROM {table}")).concat()
}

#[test]
fn a_new_holder_decided_before_another_card_took_its_signature_certificate_is_refused_at_the_store()
{
    let common = Common::new();
    for (name, db, _dir) in databases("holder races at the store") {
        let s = open(&db).unwrap();
        let first = Enrolment {
            id: "enr_first",
            auth: key("a1"),
            sign: key("s1"),
        };
        let second = Enrolment {
            id: "enr_second",
            auth: key("a2"),
            sign: key("s1"),
        };
        // Both verified while the registry knew neither: each a new holder.
        let decided = common.verify(&*s, &first);
        assert_eq!(decided, ("sub_enr_first".to_owned(), true), "{name}");
        let other = common.verify(&*s, &second);
        // The second is stored first: its card holds the signature certificate now.
        common.store(&*s, &second, &other).unwrap();
        let refused = common.store(&*s, &first, &decided).unwrap_err();
        // The refusal names the holder its signature certificate is linked to now (the
        // enrollment's own, decided before, is none): the one its audit row names for the
        // operator's attachment, as a refusal found at verification does.
        assert!(
            matches!(
                &refused,
                EnrollError::Conflict {
                    conflict: HolderConflict::SignatureLinkedElsewhere,
                    named: Some(h),
                } if *h == other.0
            ),
            "{name}: {refused:?}"
        );
        assert_eq!(count(&db, "subjects"), "1", "{name}");
        assert_eq!(count(&db, "enrollments"), "1", "{name}");
        assert_eq!(count(&db, "auth_certificates"), "1", "{name}");
    }
}

#[test]
fn a_known_holder_decided_before_another_card_took_the_new_signature_certificate_is_refused_at_the_store()
 {
    let common = Common::new();
    for (name, db, _dir) in databases("holder races at the store") {
        let s = open(&db).unwrap();
        let enrolled = Enrolment {
            id: "enr_enrolled",
            auth: key("a1"),
            sign: key("s1"),
        };
        let h = common.verify(&*s, &enrolled);
        common.store(&*s, &enrolled, &h).unwrap();
        // Her card with a renewed signature certificate: her holder, at verification.
        let renewed = Enrolment {
            id: "enr_renewed",
            auth: key("a1"),
            sign: key("s2"),
        };
        let decided = common.verify(&*s, &renewed);
        assert_eq!(decided, (h.0.clone(), false), "{name}");
        // Meanwhile another card enrols with that signature certificate: a new holder.
        let other = Enrolment {
            id: "enr_other",
            auth: key("a2"),
            sign: key("s2"),
        };
        let g = common.verify(&*s, &other);
        assert!(g.1, "{name}: {g:?}");
        common.store(&*s, &other, &g).unwrap();
        let refused = common.store(&*s, &renewed, &decided).unwrap_err();
        assert!(
            matches!(
                refused,
                EnrollError::Conflict {
                    conflict: HolderConflict::TwoHolders,
                    named: None,
                }
            ),
            "{name}: {refused:?}"
        );
        assert_eq!(count(&db, "enrollments"), "2", "{name}");
        assert_eq!(
            platform_rows(
                &db,
                "SELECT serial || ':' || enrollment_id FROM sign_certificates ORDER BY serial"
            ),
            ["s1:enr_enrolled", "s2:enr_other"],
            "{name}"
        );
    }
}

#[test]
fn a_card_enrolled_after_the_attachments_evidence_was_read_is_seen_by_its_transaction() {
    let common = Common::new();
    for (name, db, _dir) in databases("holder races at the store") {
        let s = open(&db).unwrap();
        let hers = Enrolment {
            id: "enr_hers",
            auth: key("a1"),
            sign: key("s1"),
        };
        let h = common.verify(&*s, &hers);
        common.store(&*s, &hers, &h).unwrap();
        // Her card with a re-issued authentication certificate, refused: the row names her.
        let now = UnixTime::from_secs(2_000);
        s.append_audit(&[AuditEvent {
            at: now,
            terminal_id: Some(T1.into()),
            action: "enroll",
            outcome: "holder_conflict".into(),
            reason: Some("signature_linked_elsewhere".into()),
            subject_id: Some(h.0.clone()),
            certificate: Some(("CN=test".into(), "a2".into())),
            ..AuditEvent::default()
        }])
        .unwrap();
        let refused_for = s.refused_holders(&key("a2")).unwrap();
        assert_eq!(refused_for, std::slice::from_ref(&h.0), "{name}");
        // Before the operator's transaction, that certificate enrols as another card's.
        let other = Enrolment {
            id: "enr_other",
            auth: key("a2"),
            sign: key("s2"),
        };
        let g = common.verify(&*s, &other);
        common.store(&*s, &other, &g).unwrap();
        let audit = AuditEvent {
            at: now,
            action: "attach_auth",
            outcome: "ok".into(),
            ..AuditEvent::default()
        };
        let attached = s
            .attach_auth(
                &AuthAttachment {
                    auth: &key("a2"),
                    refused_for: &refused_for,
                    attachment_id: "att_race",
                    audit: &audit,
                    now,
                },
                &mut |state| attach_auth(state, "1985-04-12").map(str::to_owned),
            )
            .unwrap();
        assert_eq!(attached, Err(AttachRefusal::TwoHolders), "{name}");
        assert_eq!(
            platform_rows(
                &db,
                "SELECT serial || ':' || subject_id FROM auth_certificates ORDER BY serial"
            ),
            [format!("a1:{}", h.0), format!("a2:{}", g.0)],
            "{name}"
        );
        assert_eq!(
            platform_rows(
                &db,
                "SELECT CAST(count(*) AS TEXT) FROM audit WHERE action = 'attach_auth'"
            ),
            ["0"],
            "{name}"
        );
    }
}
