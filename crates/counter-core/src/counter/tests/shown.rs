//! A charge nobody saw: the counter asks for its mark once the customer window rendered a
//! captured sale's outcome (staff's confirmation marks it at once), lists the sales of today that charged the card unseen on the status
//! bar, and lets staff confirm one (or void it) without ever voiding by itself.

use super::*;
use crate::counter::Status;
use crate::payment::{PaymentState, UnshownSale};

/// The marks asked for at once (staff confirmed).
fn marks(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::MarkShown { sale_id } => Some(sale_id.clone()),
            _ => None,
        })
        .collect()
}

/// The marks asked for once the customer window rendered the outcome.
fn marks_when_rendered(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::MarkShownWhenRendered { sale_id } => Some(sale_id.clone()),
            _ => None,
        })
        .collect()
}

fn counts(unshown: Vec<UnshownSale>) -> Input {
    Input::Counts {
        pending_rechecks: 0,
        in_doubt: vec![],
        held: vec![],
        unresolved: vec![],
        unshown,
        rechecks: vec![],
    }
}

fn unshown(n: u32, amount_jpy: u64) -> UnshownSale {
    UnshownSale {
        id: format!("{TERMINAL}-{n:06}"),
        amount_jpy,
        created_at: T0,
    }
}

fn listed(status: &Status) -> Vec<&str> {
    status.unshown.iter().map(|s| s.id.as_str()).collect()
}

#[test]
fn a_captured_outcome_is_marked_shown_once_rendered_and_nothing_else_is() {
    let mut d = State::Choosing.reach();
    let (generation, _) = sell(&d.customer(CustomerAction::Pay {
        service_id: "acq".into(),
        amount_jpy: 1200,
    }));
    let now = d.now;
    let outcome = captured(1200, now);
    let id = outcome.record.id.clone();
    let e = d.send(Input::SaleEnded {
        generation,
        result: Ok(outcome),
    });
    assert_eq!(marks_when_rendered(&e), [id]);
    assert!(marks(&e).is_empty(), "not on publication alone: {e:?}");
    assert_eq!(d.at(), "sale_ended");
    assert!(
        d.m.screens().customer.shows_sale_outcome(),
        "the customer screen carries it: its acknowledgement marks it"
    );

    // Declined, in doubt, or no sale at all: nothing was charged that staff must see.
    for state in [
        PaymentState::Declined,
        PaymentState::Reversed,
        PaymentState::Capturing,
    ] {
        let mut d = State::Choosing.reach();
        let (generation, _) = sell(&d.customer(CustomerAction::Pay {
            service_id: "acq".into(),
            amount_jpy: 1200,
        }));
        let mut outcome = captured(1200, d.now);
        outcome.record.state = state;
        let e = d.send(Input::SaleEnded {
            generation,
            result: Ok(outcome),
        });
        assert!(marks_when_rendered(&e).is_empty(), "{state:?}: {e:?}");
    }
    let mut d = State::Choosing.reach();
    let (generation, _) = sell(&d.customer(CustomerAction::Pay {
        service_id: "acq".into(),
        amount_jpy: 1200,
    }));
    let e = d.send(Input::SaleEnded {
        generation,
        result: Err(Code::StorageFailure),
    });
    assert!(marks_when_rendered(&e).is_empty(), "{e:?}");
}

#[test]
fn a_charge_that_reaches_staff_only_as_a_notice_is_on_no_customer_screen() {
    // The outcome of a sale whose workflow has moved on reaches only the status bar's
    // notice: no customer screen carries it, so no acknowledgement can mark it and the
    // status bar lists it (staff ask the customer, then confirm or void it).
    let mut d = State::Choosing.reach();
    let (generation, _) = sell(&d.customer(CustomerAction::Pay {
        service_id: "acq".into(),
        amount_jpy: 1200,
    }));
    d.send(Input::SaleEnded {
        generation,
        result: Err(Code::AcquirerUnavailable),
    });
    d.staff(StaffAction::Finish);
    let now = d.now;
    let e = d.send(Input::SaleEnded {
        generation,
        result: Ok(captured(1200, now)),
    });
    assert_eq!(marks_when_rendered(&e), [format!("{TERMINAL}-000001")]);
    assert!(marks(&e).is_empty(), "{e:?}");
    let screens = d.m.screens();
    assert_eq!(
        screens.status.notice.map(|m| m.code),
        Some(Code::PaymentApproved)
    );
    assert!(
        !screens.customer.shows_sale_outcome(),
        "{:?}",
        screens.customer
    );
}

#[test]
fn the_status_bar_lists_unseen_charges_until_staff_confirm_or_void_them() {
    let mut d = Desk::new(CounterMode::Cashier);
    d.send(Input::Start);
    d.send(counts(vec![unshown(3, 1500), unshown(7, 800)]));
    let status = d.m.screens().status;
    assert_eq!(
        listed(&status),
        [format!("{TERMINAL}-000003"), format!("{TERMINAL}-000007")]
    );
    assert_eq!(status.unshown[0].amount_jpy, 1500);
    assert_eq!(
        status.unshown_notice.map(|m| m.code),
        Some(Code::ApprovalNotShown)
    );
    // Nothing is voided or blocked by itself: new sales go on (only staff decide).
    assert!(
        d.send(Input::JournalDone(Ok(Code::NothingInDoubt)))
            .iter()
            .all(|e| !matches!(e, Effect::Journal(_)))
    );
    d.staff(StaffAction::NewSale {
        amount_jpy: 500,
        order_ref: None,
    });
    assert_eq!(d.at(), "identify_for_sale");
    d.staff(StaffAction::Cancel);

    // The customer paid by card: staff confirm, the counter asks for the mark.
    let e = d.staff(StaffAction::ConfirmCardSale {
        sale_id: format!("{TERMINAL}-000003"),
    });
    assert_eq!(marks(&e), [format!("{TERMINAL}-000003")]);
    // They paid another way: the existing void, through the journal.
    assert_eq!(
        journal_op(&d.staff(StaffAction::Void {
            sale_id: format!("{TERMINAL}-000007"),
        })),
        JournalOp::Void {
            sale_id: format!("{TERMINAL}-000007")
        }
    );
    d.send(Input::JournalDone(Ok(Code::PaymentVoided)));
    // The store's counts no longer list either: the line goes.
    d.send(counts(vec![]));
    let status = d.m.screens().status;
    assert!(status.unshown.is_empty() && status.unshown_notice.is_none());
}

#[test]
fn only_a_listed_sale_can_be_confirmed() {
    let mut d = Desk::new(CounterMode::Cashier);
    d.send(counts(vec![unshown(3, 1500)]));
    for id in ["s-1", "t-1-000004"] {
        assert_eq!(
            d.refuse(Input::Staff(StaffAction::ConfirmCardSale {
                sale_id: id.into()
            })),
            Refused::Action(Code::InvalidPaymentState),
            "{id}"
        );
    }
    assert_eq!(listed(&d.m.screens().status).len(), 1, "nothing changed");
}
