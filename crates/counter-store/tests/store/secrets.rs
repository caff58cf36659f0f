//! The secrets scan: a realistic day at the counter leaves no PIN, password, certificate
//! serial number or card number in any file of the store; and the scanner does find them
//! when they are there.

use counter_core::UnixTime;
use counter_core::appointments::{AppointmentSource, NewAppointment, Precheck};
use counter_core::eligibility::ClinicRecord;
use counter_core::eligibility::Mode;
use counter_core::payment::{PaymentState, RefundState};
use counter_store::scan::{CARD_NUMBER, Needle, scan_files};
use counter_store::{AuditEvent, Store};

use crate::records::{NAME, answered, answered_recheck, fallback, presented, request};
use crate::{DAY1_9AM, fresh, refund, sale};

/// Persona Hanako's signature password and the test CA's serial number of her
/// certificate. Her 4-digit user PIN is not a needle: four digits occur in any database
/// by chance (amounts, dates); the log checks grep for it instead.
const SIGN_PASSWORD: &str = "HANAKO2025";
const OTHER_PASSWORD: &str = "TARO1984PW";
const CERT_SERIAL: [u8; 9] = [0x00, 0xC3, 0x5A, 0x19, 0x7E, 0x42, 0x0B, 0xD8, 0x91];

fn needles() -> Vec<Needle> {
    let mut needles = vec![
        Needle::text("signature password", SIGN_PASSWORD),
        Needle::text("another password", OTHER_PASSWORD),
    ];
    needles.extend(Needle::encodings("certificate serial", &CERT_SERIAL));
    // Without the leading zero byte of the DER INTEGER, as some tools print it.
    needles.extend(Needle::encodings(
        "certificate serial (unsigned)",
        &CERT_SERIAL[1..],
    ));
    needles
}

fn audit(at: UnixTime, action: &str, subject: &str, auth: Option<&str>) -> AuditEvent {
    AuditEvent {
        at,
        staff: "staff-07".to_owned(),
        action: action.to_owned(),
        subject: Some(subject.to_owned()),
        auth_method: auth.map(str::to_owned),
        detail: None,
    }
}

/// A day: identifications, checks (online, and fallbacks with their re-checks: personal
/// details the purge has not reached yet), sales in several states, a refund, a void,
/// settings, the close.
fn realistic_day(store: &mut Store) {
    store.set_setting("terminal_id", "T-0001").unwrap();
    store
        .set_setting("acquirer_url", "https://acquirer.example:8443")
        .unwrap();
    store
        .set_setting("receipt_printer", "EPSON TM-m30III")
        .unwrap();
    let mut t = DAY1_9AM;
    for n in 1..=12u32 {
        t = t.plus_secs(300);
        let idn = format!("idn_{:016x}", u64::from(n) * 0x9E37_79B9);
        store
            .append_audit(&audit(t, "identified", &idn, Some("pin_pad")))
            .unwrap();
        let chk = format!("chk-{n}");
        let name = format!("患者　{n}");
        let mut record = answered(
            &chk,
            t.plus_secs(5),
            &name,
            "東京都千代田区丸の内九丁目９番９９号",
            1,
        );
        if n % 3 == 0 {
            record.summary.mode = Mode::Pharmacy;
        }
        store.upsert_check(&record).unwrap();
        store
            .set_check_exports(&chk, &[format!("OQSsiquc01res_{chk}.xml")])
            .unwrap();
        store
            .append_audit(&audit(t.plus_secs(6), "eligibility_viewed", &chk, None))
            .unwrap();
        let state = [
            PaymentState::Captured,
            PaymentState::Declined,
            PaymentState::Captured,
            PaymentState::Voided,
        ][n as usize % 4];
        let mut p = sale(n, PaymentState::Authorising, t.plus_secs(60));
        store.insert_payment(&p).unwrap();
        p = sale(n, state, t.plus_secs(60));
        p.updated_at = t.plus_secs(65);
        store.update_payment(&mut p).unwrap();
        store
            .append_audit(&audit(
                t.plus_secs(65),
                "payment_authorised",
                &p.id,
                Some("pin"),
            ))
            .unwrap();
        if state == PaymentState::Voided {
            store
                .append_audit(&audit(t.plus_secs(90), "void", &p.id, None))
                .unwrap();
        }
        if n == 3 {
            let r = refund(
                1,
                &p.id,
                RefundState::Refunded,
                "2026-04-01",
                t.plus_secs(200),
            );
            store.insert_refund(&r).unwrap();
            store
                .append_audit(&audit(t.plus_secs(200), "refund", &r.id, None))
                .unwrap();
        }
    }
    // Two fallbacks with their re-checks, carrying what the patients presented: one
    // re-checked online, one still pending at the end of the day.
    for (chk, name, at) in [
        ("chk-fallback", NAME, t.plus_secs(400)),
        ("chk-pending", "田中　太郎", t.plus_secs(500)),
    ] {
        let shown = presented(name, 3);
        store.upsert_check(&fallback(chk, at, &shown)).unwrap();
        store.enqueue_recheck(&request(chk, at, &shown)).unwrap();
        store
            .append_audit(&audit(at.plus_secs(1), "fallback_recorded", chk, None))
            .unwrap();
    }
    let rq = request("chk-fallback", t.plus_secs(400), &presented(NAME, 3));
    let due = store.due_rechecks(rq.next_at).unwrap();
    store
        .set_recheck_reception(&[&due[0]], "R0123456789ABCDEF")
        .unwrap();
    let done = answered_recheck(&rq, "1", "東京都千代田区丸の内九丁目９番９９号", rq.next_at);
    assert!(
        store
            .record_recheck_decision(&due[0], &done, None, None)
            .unwrap()
    );
    assert_eq!(store.pending_recheck_count().unwrap(), 1);
    store
        .append_audit(&audit(
            t.plus_secs(2000),
            "enrolled",
            "enr_01",
            Some("signature_password"),
        ))
        .unwrap();
    store
        .append_audit(&AuditEvent {
            detail: Some("journal matched the acquirer: VISA 9 debits".to_owned()),
            ..audit(t.plus_secs(3000), "daily_close", "2026-04-01", None)
        })
        .unwrap();
    // Tomorrow's booked patients, pre-checked: insured's numbers, branches and birth dates
    // that would read as 15 digits side by side.
    for (number, birth) in [("10002", "19580303"), ("4242424", "19850412")] {
        let booked = NewAppointment {
            visit_date: "20260402".into(),
            record: ClinicRecord {
                patient_id: Some("K-0001".into()),
                name: Some("鈴木　一郎".into()),
                insurer_number: Some("06139999".into()),
                number: Some(number.into()),
                branch: Some("01".into()),
                birth_date: Some(birth.into()),
                ..ClinicRecord::default()
            },
            ratio_tenths: Some(3),
            source: AppointmentSource::Typed,
        };
        let id = store
            .upsert_appointment(&booked, t.plus_secs(4000))
            .unwrap();
        store
            .set_appointment_precheck(
                id,
                &Precheck::Submitted {
                    reception_number: "RIJBEEQSCIJBEEQSCIJBA".into(),
                    reference: id.to_string(),
                    at: t.plus_secs(4001),
                },
                t.plus_secs(4001),
            )
            .unwrap();
    }
    assert_eq!(store.next_sequence("sale").unwrap(), 1);
}

fn report(findings: &[counter_store::scan::Finding]) -> String {
    findings
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_realistic_day_leaves_no_secret_in_any_file() {
    let (dir, mut store) = fresh();
    realistic_day(&mut store);
    // While open (database, -wal and -shm all present) ...
    let files = store.files();
    assert!(files.iter().all(|f| f.exists()), "{files:?}");
    let findings = scan_files(&files, &needles());
    assert!(findings.is_empty(), "while open:\n{}", report(&findings));
    // ... and after a clean close.
    drop(store);
    let findings = scan_files(&files, &needles());
    assert!(findings.is_empty(), "after close:\n{}", report(&findings));
    drop(dir);
}

#[test]
fn the_scanner_finds_a_card_number_and_a_needle_when_they_are_there() {
    let (_dir, mut store) = fresh();
    realistic_day(&mut store);
    store
        .append_audit(&AuditEvent {
            detail: Some(format!(
                "customer read out 4242424242424242 and said {SIGN_PASSWORD}"
            )),
            ..audit(DAY1_9AM.plus_secs(9000), "void", "T-0001-1", None)
        })
        .unwrap();
    let findings = scan_files(&store.files(), &needles());
    assert!(
        findings
            .iter()
            .any(|f| f.hit.label == CARD_NUMBER && f.hit.len == 16),
        "{}",
        report(&findings)
    );
    assert!(
        findings.iter().any(|f| f.hit.label == "signature password"),
        "{}",
        report(&findings)
    );
    assert!(
        findings
            .iter()
            .all(|f| !f.to_string().contains(SIGN_PASSWORD)),
        "a finding never repeats the secret"
    );
}
