//! Every state of the counter × every input it can meet. Each cell is reached afresh, the
//! input sent once, and the outcome written as one line: the workflow after it and the
//! effects, or the refusal. The lines are compared with `matrix.txt`, the reviewed table
//! of what the counter does (regenerate with `MADOGUCHI_MATRIX=update cargo test -p
//! counter-core matrix`, then read the diff). Beside the table, rules that hold in every
//! cell are asserted here: a refused input changes nothing, a result of another
//! generation is stale, the card leaving drops every secret, a held workflow is left by no
//! staff action.

use std::fmt::Write as _;

use super::*;
use crate::eligibility::{CustomerConsents, FallbackDocument, FallbackForm, FallbackReason};
use crate::session::Ticket;

/// Every input, built for the counter `d` as it stands (results carry its generation).
fn inputs(d: &Desk) -> Vec<(&'static str, Input)> {
    let generation = d.m.generation();
    let consents = CustomerConsents {
        blanket: true,
        medication: false,
        health_checks: false,
        treatment: false,
        surgery: false,
        limit_certificate: false,
        prescription: None,
    };
    let form = FallbackForm {
        document: FallbackDocument::EligibilityCertificate,
        insurer_number: "06139999".into(),
        insurer_name: String::new(),
        symbol: "千代".into(),
        number: "10001".into(),
        branch: "01".into(),
        name: "佐藤　花子".into(),
        birth_date: "1985-04-12".into(),
        ratio_tenths: 3,
    };
    let staff = |a| Input::Staff(a);
    let customer = |a| Input::Customer(a);
    vec![
        (
            "staff:set_mode",
            staff(StaffAction::SetMode {
                mode: CounterMode::Pharmacy,
            }),
        ),
        ("staff:confirm_last_try", staff(StaffAction::ConfirmLastTry)),
        ("staff:start_again", staff(StaffAction::StartAgain)),
        ("staff:cancel", staff(StaffAction::Cancel)),
        ("staff:finish", staff(StaffAction::Finish)),
        (
            "staff:expect_patient",
            staff(StaffAction::ExpectPatient {
                name: "佐藤　花子".into(),
                birth_date: "1985-04-12".into(),
            }),
        ),
        (
            "staff:expect_appointment",
            staff(StaffAction::ExpectAppointment { appointment_id: 7 }),
        ),
        (
            "staff:acknowledge_warnings",
            staff(StaffAction::AcknowledgeWarnings),
        ),
        (
            "staff:choose_record",
            staff(StaffAction::ChooseRecord { index: 0 }),
        ),
        (
            "staff:start_fallback",
            staff(StaffAction::StartFallback {
                reason: FallbackReason::NotEnrolled,
            }),
        ),
        (
            "staff:record_fallback",
            staff(StaffAction::RecordFallback { form }),
        ),
        ("staff:export", staff(StaffAction::Export)),
        (
            "staff:confirm_another_patient",
            staff(StaffAction::ConfirmAnotherPatient),
        ),
        (
            "staff:new_sale",
            staff(StaffAction::NewSale {
                amount_jpy: 500,
                order_ref: None,
            }),
        ),
        (
            "staff:take_co_payment",
            staff(StaffAction::TakeCoPayment {
                check_id: format!("{TERMINAL}-chk-000001"),
                amount_jpy: 500,
            }),
        ),
        (
            "staff:void",
            staff(StaffAction::Void {
                sale_id: "s-1".into(),
            }),
        ),
        (
            "staff:refund",
            staff(StaffAction::Refund {
                sale_id: "s-1".into(),
                amount_jpy: 100,
            }),
        ),
        ("staff:recover", staff(StaffAction::Recover)),
        (
            "staff:confirm_recheck",
            staff(StaffAction::ConfirmRecheck {
                check_id: "c-1".into(),
            }),
        ),
        (
            "staff:confirm_card_sale",
            staff(StaffAction::ConfirmCardSale {
                sale_id: "s-1".into(),
            }),
        ),
        (
            "staff:start_enrollment",
            staff(StaffAction::StartEnrollment {
                services: services(),
            }),
        ),
        (
            "customer:pin",
            customer(CustomerAction::Pin { digits: PIN.into() }),
        ),
        (
            "customer:pin_malformed",
            customer(CustomerAction::Pin {
                digits: "12".into(),
            }),
        ),
        ("customer:retry_pin", customer(CustomerAction::RetryPin)),
        (
            "customer:password",
            customer(CustomerAction::Password {
                text: crate::enroll::tests::PASSWORD.into(),
            }),
        ),
        (
            "customer:choose_service",
            customer(CustomerAction::ChooseService {
                service_id: "kenpo".into(),
            }),
        ),
        (
            "customer:consent",
            customer(CustomerAction::Consent { consents }),
        ),
        (
            "customer:confirm_attributes",
            customer(CustomerAction::ConfirmAttributes {
                disclosure_consent: true,
            }),
        ),
        (
            "customer:reject_attributes",
            customer(CustomerAction::RejectAttributes),
        ),
        (
            "customer:pay",
            customer(CustomerAction::Pay {
                service_id: "acq".into(),
                amount_jpy: 1200,
            }),
        ),
        ("customer:extend_time", customer(CustomerAction::ExtendTime)),
        ("customer:cancel", customer(CustomerAction::Cancel)),
        (
            "reader:attached",
            Input::Reader(ReaderEvent::Attached(true)),
        ),
        (
            "reader:detached",
            Input::Reader(ReaderEvent::Attached(false)),
        ),
        (
            "reader:placed",
            Input::Reader(ReaderEvent::Placed { pin_pad: false }),
        ),
        ("reader:removed", Input::Reader(ReaderEvent::Removed)),
        (
            "reader:other_card_placed",
            Input::Reader(ReaderEvent::OtherCard(true)),
        ),
        (
            "reader:other_card_gone",
            Input::Reader(ReaderEvent::OtherCard(false)),
        ),
        (
            "session:late_ticket",
            Input::Session {
                generation,
                input: session::Input::CardRead {
                    ticket: Ticket(999),
                    result: Ok(facts(3)),
                },
            },
        ),
        (
            "session:old_generation",
            Input::Session {
                generation: generation.wrapping_sub(1),
                input: session::Input::CardRead {
                    ticket: Ticket(1),
                    result: Ok(facts(3)),
                },
            },
        ),
        (
            "eligibility",
            Input::Eligibility {
                generation,
                result: Ok(answer("1", vec![sato()])),
            },
        ),
        (
            "check_id",
            Input::CheckId {
                generation,
                id: Ok(format!("{TERMINAL}-chk-000099")),
            },
        ),
        (
            "exported",
            Input::Exported {
                generation,
                written: true,
            },
        ),
        (
            "sale_ended",
            Input::SaleEnded {
                generation,
                result: Ok(captured(1200, d.now)),
            },
        ),
        ("journal_done", Input::JournalDone(Ok(Code::NothingInDoubt))),
        (
            "recovery_done",
            Input::RecoveryDone {
                result: Ok(Code::NothingInDoubt),
                settled: vec![],
            },
        ),
        (
            "counts",
            Input::Counts {
                pending_rechecks: 1,
                in_doubt: vec!["s-0".into()],
                held: vec![],
                unresolved: vec![],
                unshown: vec![],
                rechecks: vec![],
            },
        ),
        (
            "purged",
            Input::Purged {
                unlisted: vec!["/srv/oqs/res".into()],
                details_kept: true,
            },
        ),
        ("start", Input::Start),
        ("recovery_due", Input::RecoveryDue),
        ("storage_failed", Input::Storage { ok: false }),
        ("notice", Input::Notice(Code::RecheckGaveUp)),
        ("tick", Input::Tick),
        ("close", Input::Close),
        (
            "pos:create",
            pos_input(PosInput::Create {
                order: pos_create("R-2", 800, "k-2"),
                by_key: None,
                by_order_ref: None,
            }),
        ),
        (
            "pos:create_again",
            pos_input(PosInput::Create {
                order: pos_create(POS_ORDER, 1200, POS_KEY),
                by_key: Some(Box::new(pos_journal(None))),
                by_order_ref: Some(Box::new(pos_journal(None))),
            }),
        ),
        (
            "pos:status",
            pos_input(PosInput::Status {
                journal: Some(Box::new(pos_journal(None))),
            }),
        ),
        (
            "pos:cancel",
            pos_input(PosInput::Cancel {
                journal: Some(Box::new(pos_journal(None))),
            }),
        ),
        (
            "pos:void",
            pos_input(PosInput::Void {
                journal: Some(Box::new(pos_journal(Some(pos_captured(d.now))))),
            }),
        ),
        (
            "pos:refund",
            pos_input(PosInput::Refund {
                journal: Some(Box::new(pos_journal(Some(pos_captured(d.now))))),
                amount_jpy: 100,
                idempotency_key: "rk-1".into(),
                known: None,
            }),
        ),
        (
            "pos_opened",
            Input::PosOpened {
                generation,
                written: true,
            },
        ),
        (
            "appointment_loaded",
            Input::AppointmentLoaded {
                appointment_id: 7,
                record: Ok(crate::eligibility::ClinicRecord {
                    name: Some("佐藤　花子".into()),
                    birth_date: Some("19850412".into()),
                    insurer_number: Some("06139999".into()),
                    number: Some("10001".into()),
                    ..Default::default()
                }),
            },
        ),
        (
            "visit_loaded",
            Input::VisitLoaded {
                generation,
                check: Ok(None),
            },
        ),
    ]
}

fn pos_input(input: PosInput) -> Input {
    Input::Pos {
        request: 7,
        register: POS_REGISTER.into(),
        input,
    }
}

/// One effect as the table writes it.
fn effect_name(e: &Effect) -> String {
    use session::Effect as S;
    match e {
        Effect::Session { effect, .. } => match effect {
            S::ReadCard { .. } => "read_card",
            S::ReadSignCertificate { .. } => "read_sign_certificate",
            S::RequestChallenge { .. } => "request_challenge",
            S::Authenticate { .. } => "authenticate",
            S::SignApplication { .. } => "sign_application",
            S::Identify { .. } => "identify",
            S::Enroll { .. } => "enroll",
            S::AbortCardOperation => "abort_card",
            S::Finished(_) => "finished",
        }
        .to_owned(),
        Effect::RequestEligibility { .. } => "request_eligibility".into(),
        Effect::NewCheckId { .. } => "new_check_id".into(),
        Effect::Export { .. } => "export".into(),
        Effect::RecordCheck(_) => "record_check".into(),
        Effect::CheckAudit(_) => "check_audit".into(),
        Effect::EnqueueRecheck(_) => "enqueue_recheck".into(),
        Effect::ConfirmRecheck { .. } => "confirm_recheck".into(),
        Effect::CancelRecheck { .. } => "cancel_recheck".into(),
        Effect::Audit { action, .. } => format!("audit:{action}"),
        Effect::Sell { .. } => "sell".into(),
        Effect::Journal(op) => match op {
            JournalOp::Void { .. } => "journal:void",
            JournalOp::Refund { .. } => "journal:refund",
            JournalOp::Recover { .. } => "journal:recover",
            JournalOp::PosRefund { .. } => "journal:pos_refund",
            JournalOp::SettleHeldRefund { .. } => "journal:settle_held_refund",
        }
        .into(),
        Effect::LoadAppointment { .. } => "load_appointment".into(),
        Effect::OpenPosOrder { .. } => "open_pos_order".into(),
        Effect::LoadVisit { .. } => "load_visit".into(),
        Effect::ClosePosOrder { reason, .. } => format!("close_pos_order:{}", reason.as_str()),
        Effect::ClosePosOrdersLeftOpen { live } => {
            format!(
                "close_pos_orders_left_open:{}",
                live.as_deref().unwrap_or("-")
            )
        }
        Effect::MarkShown { .. } => "mark_shown".into(),
        Effect::MarkShownWhenRendered { .. } => "mark_shown_when_rendered".into(),
        Effect::PosAnswer { answer, .. } => match answer {
            Ok(PosReply::Sale { sale, created }) => format!(
                "pos_answer:{}{}",
                serde_json::to_value(sale.state).unwrap().as_str().unwrap(),
                if *created { "(created)" } else { "" }
            ),
            Ok(PosReply::Reread { code, .. }) => format!("pos_answer:reread:{}", code.as_str()),
            Err(code) => format!("pos_answer:error:{}", code.as_str()),
        },
    }
}

/// The table's line for one cell, after the rules that hold in every cell were checked.
fn cell(state: State, name: &str, input_at: usize) -> String {
    let mut d = state.reach();
    let (_, input) = inputs(&d).swap_remove(input_at);
    let before = d.screens_without_notice();
    let generation = d.m.generation();
    // A held workflow (a sale being paid, an enrollment whose answer is awaited) is left
    // by no staff action: each is refused with the hold's line, the one the staff window
    // shows in their place.
    let held = match &input {
        Input::Staff(action) if action.leaves_workflow() => d.m.hold(),
        _ => None,
    };
    assert_eq!(
        d.m.screens().staff_frame().hold.map(|m| m.code),
        d.m.hold(),
        "{state:?}"
    );
    let result_input = matches!(
        input,
        Input::Session { .. }
            | Input::Eligibility { .. }
            | Input::CheckId { .. }
            | Input::Exported { .. }
            | Input::PosOpened { .. }
            | Input::VisitLoaded { .. }
    );
    let outcome = match d.try_send_now(input) {
        Ok(effects) => {
            let names: Vec<String> = effects.iter().map(effect_name).collect();
            format!("{} [{}]", d.at(), names.join(", "))
        }
        Err(refused) => {
            assert_eq!(d.screens_without_notice(), before, "{state:?} × {name}");
            assert_eq!(d.m.generation(), generation, "{state:?} × {name}");
            match refused {
                Refused::Action(code) => {
                    assert!(
                        !result_input,
                        "{state:?} × {name}: a result is never a person's"
                    );
                    format!("refused {}", code.as_str())
                }
                Refused::Stale { .. } => {
                    assert!(result_input, "{state:?} × {name}: only results are stale");
                    "stale".into()
                }
            }
        }
    };
    if let Some(code) = held {
        assert_eq!(
            outcome,
            format!("refused {}", code.as_str()),
            "{state:?} × {name}"
        );
    }
    if name == "reader:removed" {
        assert!(!d.m.holds_secret(), "{state:?}: a secret outlived the card");
    }
    if name == "session:old_generation" {
        assert_eq!(outcome, "stale", "{state:?}");
    }
    format!("{state:?} × {name} → {outcome}")
}

#[test]
fn every_state_meets_every_input_as_the_table_says() {
    let names: Vec<&str> = inputs(&Desk::new(CounterMode::Reception))
        .iter()
        .map(|(n, _)| *n)
        .collect();
    let mut table = String::new();
    for state in State::ALL {
        for (i, name) in names.iter().enumerate() {
            writeln!(table, "{}", cell(state, name, i)).unwrap();
        }
    }
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/counter/tests/matrix.txt");
    if std::env::var("MADOGUCHI_MATRIX").as_deref() == Ok("update") {
        std::fs::write(&path, &table).unwrap();
    }
    let reviewed = std::fs::read_to_string(&path).unwrap_or_default();
    let differ: Vec<String> = table
        .lines()
        .zip(reviewed.lines().chain(std::iter::repeat("<missing>")))
        .filter(|(now, then)| now != then)
        .map(|(now, then)| format!("now:  {now}\ntable: {then}"))
        .collect();
    assert!(
        differ.is_empty() && table.lines().count() == reviewed.lines().count(),
        "{} cells differ from matrix.txt:\n{}",
        differ.len(),
        differ.join("\n")
    );
    assert_eq!(table.lines().count(), State::ALL.len() * names.len());
}
