//! The customer's window: what the person in front of the counter reads, and what their
//! actions do, up to the moment the next person stands there.

use super::*;
use crate::counter::Message;

/// The platform's notice that the holder's details changed since enrollment.
fn revoked() -> Vec<Notice> {
    vec![Notice::SignCertificateRevoked {
        revoked_at: T0.minus_secs(86_400),
        reason: "affiliation_changed".into(),
    }]
}

/// The codes of the card's notices on the customer's window, then on the staff's.
fn notices(d: &Desk) -> (Vec<Code>, Vec<Code>) {
    let s = d.m.screens();
    let codes = |m: Vec<Message>| m.iter().map(|m| m.code).collect();
    (
        codes(s.customer_frame().notices),
        codes(s.staff_frame().notices),
    )
}

#[test]
fn a_cards_notices_leave_the_customers_window_with_the_card() {
    let revoked_line = vec![Code::SignCertificateRevoked];
    let mut d = Desk::new(CounterMode::Reception);
    d.notices = revoked();
    d.place();
    d.type_pin();
    assert_eq!(d.at(), "check");
    assert_eq!(notices(&d), (revoked_line.clone(), revoked_line.clone()));
    d.send(Input::Reader(ReaderEvent::Removed));
    // Between this card and the next, whoever stands there reads nothing of the card
    // before; staff keep its notice until they move on.
    assert_eq!(notices(&d), (vec![], revoked_line.clone()));
    d.send(Input::Tick);
    assert_eq!(notices(&d), (vec![], revoked_line.clone()));
    d.notices = Vec::new();
    d.place();
    assert_eq!(notices(&d), (vec![], vec![]));
}

/// The check's view on the customer's window.
fn check_view(d: &Desk) -> Option<crate::eligibility::CustomerView> {
    match d.m.screens().customer {
        crate::counter::CustomerScreen::Check { view } => Some(view),
        _ => None,
    }
}

#[test]
fn the_customers_cancel_ends_a_check_that_waits_for_them() {
    use crate::eligibility::CustomerView;
    // On the service menu.
    let mut d = State::Check.reach();
    assert!(matches!(
        check_view(&d),
        Some(CustomerView::ChooseService { .. })
    ));
    let e = d.customer(CustomerAction::Cancel);
    assert!(
        e.iter().any(|e| matches!(e, Effect::CheckAudit(_))),
        "the check ends and is audited: {e:?}"
    );
    assert_eq!(check_view(&d), Some(CustomerView::Ended));
    assert!(matches!(
        d.m.screens().staff,
        crate::counter::StaffScreen::Check { .. }
    ));
    // Ended, it no longer takes the customer's choice (its menu is gone).
    d.refuse(Input::Customer(CustomerAction::ChooseService {
        service_id: "kenpo".into(),
    }));

    // On the consent screens.
    let mut d = State::Check.reach();
    d.customer(CustomerAction::ChooseService {
        service_id: "kenpo".into(),
    });
    assert!(matches!(check_view(&d), Some(CustomerView::Consent { .. })));
    d.customer(CustomerAction::Cancel);
    assert_eq!(check_view(&d), Some(CustomerView::Ended));

    // Once the insurer was asked, the check is no longer the customer's to cancel.
    let mut d = State::Check.reach();
    d.customer(CustomerAction::ChooseService {
        service_id: "kenpo".into(),
    });
    d.customer(CustomerAction::Consent {
        consents: crate::eligibility::CustomerConsents {
            blanket: true,
            medication: false,
            health_checks: false,
            treatment: false,
            surgery: false,
            limit_certificate: false,
            prescription: None,
        },
    });
    assert_eq!(check_view(&d), Some(CustomerView::Wait));
    assert_eq!(
        d.refuse(Input::Customer(CustomerAction::Cancel)),
        Refused::Action(Code::NotNow)
    );
}

/// The customer's line and the staff's on a sale's screens.
fn sale_lines(d: &Desk) -> (Option<Code>, Option<Code>) {
    let s = d.m.screens();
    let customer = match s.customer {
        crate::counter::CustomerScreen::Paying { message } => message.map(|m| m.code),
        _ => None,
    };
    let staff = match s.staff {
        crate::counter::StaffScreen::Sale { view } => match view.step {
            crate::counter::SaleStep::Failed { message } => Some(message.code),
            _ => None,
        },
        _ => None,
    };
    (customer, staff)
}

#[test]
fn a_sale_that_ended_unpaid_asks_the_customer_to_call_staff() {
    // The card left before the customer confirmed: putting it back starts nothing.
    let mut d = State::Choosing.reach();
    d.send(Input::Reader(ReaderEvent::Removed));
    assert_eq!(d.at(), "sale_ended");
    assert_eq!(
        sale_lines(&d),
        (Some(Code::AskStaff), Some(Code::CardRemoved))
    );
    assert!(
        d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }))
            .is_empty(),
        "the card put back does nothing: staff start again"
    );
    // The customer cancelled: only staff start the sale again.
    let mut d = State::Choosing.reach();
    d.customer(CustomerAction::Cancel);
    assert_eq!(
        sale_lines(&d),
        (Some(Code::AskStaff), Some(Code::Cancelled))
    );
    // A line the customer can act on stays theirs.
    let mut d = State::Paying.reach();
    let generation = d.m.generation();
    d.send(Input::SaleEnded {
        generation,
        result: Err(Code::NoPaymentMethod),
    });
    assert_eq!(
        sale_lines(&d),
        (Some(Code::NoPaymentMethod), Some(Code::NoPaymentMethod))
    );
}

/// The customer's line on the customer window while a sale shows its outcome (`None` for
/// any other screen, the welcome screen among them).
fn customer_outcome(d: &Desk) -> Option<Code> {
    match d.m.screens().customer {
        crate::counter::CustomerScreen::Paying { message } => message.map(|m| m.code),
        _ => None,
    }
}

/// Whether the staff window still shows the sale's outcome.
fn staff_shows_outcome(d: &Desk) -> bool {
    matches!(
        d.m.screens().staff,
        crate::counter::StaffScreen::Sale { view } if matches!(
            view.step,
            crate::counter::SaleStep::Done { .. } | crate::counter::SaleStep::Failed { .. }
        )
    )
}

#[test]
fn a_sales_outcome_leaves_the_customers_window_with_the_card() {
    // Declined with the card on the reader: the customer reads it; once the card leaves,
    // whoever stands there next (while the cashier types their sale) reads the welcome
    // screen. Staff keep the outcome until they move on.
    let mut d = State::Paying.reach();
    let generation = d.m.generation();
    let mut outcome = captured(1200, d.now);
    outcome.record.state = payment::PaymentState::Declined;
    outcome.code = Code::PaymentDeclined;
    d.send(Input::SaleEnded {
        generation,
        result: Ok(outcome),
    });
    assert_eq!(customer_outcome(&d), Some(Code::AskStaff));
    d.send(Input::Reader(ReaderEvent::Removed));
    assert_eq!(d.at(), "sale_ended");
    assert_eq!(
        d.m.screens().customer,
        crate::counter::CustomerScreen::Welcome
    );
    assert!(staff_shows_outcome(&d));
    // A card placed again changes nothing for the customer window.
    d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
    assert_eq!(
        d.m.screens().customer,
        crate::counter::CustomerScreen::Welcome
    );

    // Approved: the same.
    let mut d = State::SaleEnded.reach();
    assert_eq!(customer_outcome(&d), Some(Code::PaymentApproved));
    d.send(Input::Reader(ReaderEvent::Removed));
    assert_eq!(
        d.m.screens().customer,
        crate::counter::CustomerScreen::Welcome
    );
    assert!(staff_shows_outcome(&d));

    // The card taken off while the sale was paid: its holder, still at the counter, reads
    // the outcome when it comes, until a card leaves again.
    let mut d = State::Paying.reach();
    let generation = d.m.generation();
    d.send(Input::Reader(ReaderEvent::Removed));
    assert_eq!(d.at(), "paying");
    let now = d.now;
    d.send(Input::SaleEnded {
        generation,
        result: Ok(captured(1200, now)),
    });
    assert_eq!(customer_outcome(&d), Some(Code::PaymentApproved));
    d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
    assert_eq!(customer_outcome(&d), Some(Code::PaymentApproved));
    d.send(Input::Reader(ReaderEvent::Removed));
    assert_eq!(
        d.m.screens().customer,
        crate::counter::CustomerScreen::Welcome
    );

    // The card taken off before the customer confirmed: they read "ask staff" until a
    // card leaves again.
    let mut d = State::Choosing.reach();
    d.send(Input::Reader(ReaderEvent::Removed));
    assert_eq!(customer_outcome(&d), Some(Code::AskStaff));
    d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
    d.send(Input::Reader(ReaderEvent::Removed));
    assert_eq!(
        d.m.screens().customer,
        crate::counter::CustomerScreen::Welcome
    );
    assert!(staff_shows_outcome(&d));
}

#[test]
fn a_payment_the_counter_refuses_is_told_to_staff() {
    // The assertion expired while the customer chose: the customer cannot identify again
    // by themselves, so staff are told on the status bar.
    let mut d = State::Choosing.reach();
    d.now = T0.plus_secs(400);
    let pay = |amount_jpy| {
        Input::Customer(CustomerAction::Pay {
            service_id: "acq".into(),
            amount_jpy,
        })
    };
    assert_eq!(d.refuse(pay(1200)), Refused::Action(Code::AssertionExpired));
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::AssertionExpired)
    );
    // Another amount than the one shown: the same.
    let mut d = State::Choosing.reach();
    assert_eq!(d.refuse(pay(999)), Refused::Action(Code::AmountInvalid));
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::AmountInvalid)
    );
}

#[test]
fn an_expired_assertion_asks_the_customer_to_call_staff() {
    // Nothing the customer does identifies them again for the sale (Pay is refused again,
    // the card put back starts nothing): staff start the payment again. So the customer
    // reads "ask staff", never "identify with the card again".
    assert_eq!(Code::AssertionExpired.for_customer(), Code::AskStaff);
    let pay = Input::Customer(CustomerAction::Pay {
        service_id: "acq".into(),
        amount_jpy: 1200,
    });

    // The counter refuses the customer's Pay: the refusal as the customer window gets it.
    let mut d = State::Choosing.reach();
    d.now = T0.plus_secs(400);
    let refused = d.refuse(pay);
    assert_eq!(refused, Refused::Action(Code::AssertionExpired));
    assert_eq!(
        crate::counter::ActionError::from(refused)
            .for_customer()
            .message
            .code,
        Code::AskStaff
    );

    // The acquirer refuses it: the sale's outcome on both windows.
    let mut d = State::Paying.reach();
    let generation = d.m.generation();
    let mut outcome = captured(1200, d.now);
    outcome.record.state = payment::PaymentState::Declined;
    outcome.code = Code::AssertionExpired;
    d.send(Input::SaleEnded {
        generation,
        result: Ok(outcome),
    });
    let s = d.m.screens();
    assert_eq!(
        s.customer_frame().customer,
        crate::counter::CustomerScreen::Paying {
            message: Some(Message::of(Code::AskStaff))
        }
    );
    assert!(
        matches!(
            &s.staff,
            crate::counter::StaffScreen::Sale { view } if matches!(
                &view.step,
                crate::counter::SaleStep::Done { message, .. } if message.code == Code::AssertionExpired
            )
        ),
        "{:?}",
        s.staff
    );
    // What happens next is staff's: the sale again, on the card still on the reader (the
    // customer types the PIN once more).
    let e = d.staff(StaffAction::NewSale {
        amount_jpy: 1200,
        order_ref: None,
    });
    assert_eq!(d.at(), "identify_for_sale");
    assert!(
        e.iter().any(|e| matches!(
            e,
            Effect::Session {
                effect: session::Effect::ReadCard { .. },
                ..
            }
        )),
        "{e:?}"
    );
}
