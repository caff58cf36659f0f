//! A card on another watched reader while one holds the customer's card: never read, told
//! to staff (status bar, never the customer window) until it is gone, and "place it again"
//! once the customer's card has left first.

use super::*;
use crate::counter::{Message, ReaderState, StaffScreen};

/// The line about the other card on the staff's status bar.
fn staff_line(d: &Desk) -> Option<Code> {
    d.m.screens().status.other_card.map(|m| m.code)
}

/// The codes of the customer window's notices.
fn customer_lines(d: &Desk) -> Vec<Code> {
    d.m.screens()
        .customer_frame()
        .notices
        .iter()
        .map(|m| m.code)
        .collect()
}

#[test]
fn a_second_card_is_told_while_it_lies_there_and_changes_nothing_else() {
    let mut d = Desk::new(CounterMode::Reception);
    d.place();
    let generation = d.m.generation();
    let before = d.m.screens();
    assert!(matches!(before.staff, StaffScreen::Identify { .. }));
    assert_eq!(staff_line(&d), None);

    let e = d.send(Input::Reader(ReaderEvent::OtherCard(true)));
    assert!(e.is_empty(), "no step, no audit: {e:?}");
    assert_eq!(
        d.m.generation(),
        generation,
        "the customer's workflow goes on"
    );
    let s = d.m.screens();
    assert_eq!(
        s.status.other_card,
        Some(Message::of(Code::OtherCardNotRead)),
        "the table's line, nothing of either card"
    );
    assert_eq!(
        s.staff, before.staff,
        "the staff's screen is the customer's"
    );
    assert_eq!(s.customer, before.customer);
    assert!(
        customer_lines(&d).is_empty(),
        "staff handle it: a customer told to take a card off might take their own"
    );
    let line = Code::OtherCardNotRead.entry();
    assert!(line.next_ja.contains("置き直して") && line.next_en.contains("put it back"));
    assert!(
        line.next_ja.contains("手続き中のカードはそのまま"),
        "the card in use stays on: {}",
        line.next_ja
    );

    // Told again (a second unread card): still the one line.
    d.send(Input::Reader(ReaderEvent::OtherCard(true)));
    assert_eq!(staff_line(&d), Some(Code::OtherCardNotRead));

    let e = d.send(Input::Reader(ReaderEvent::OtherCard(false)));
    assert!(e.is_empty(), "{e:?}");
    assert_eq!(staff_line(&d), None, "taken off: the line goes");
    assert!(customer_lines(&d).is_empty());
    assert_eq!(d.m.generation(), generation);
    assert_eq!(d.m.screens().staff, before.staff);
}

#[test]
fn the_customers_card_leaving_first_says_to_place_the_other_again() {
    let mut d = State::Check.reach();
    d.send(Input::Reader(ReaderEvent::OtherCard(true)));
    assert_eq!(staff_line(&d), Some(Code::OtherCardNotRead));

    // The customer's card leaves: its check ends as without the other card, which is still
    // not read (it would be only when placed again).
    let e = d.send(Input::Reader(ReaderEvent::Removed));
    assert!(
        e.iter().any(|e| matches!(e, Effect::CheckAudit(_))),
        "the check ends as usual: {e:?}"
    );
    assert!(
        !e.iter().any(|e| matches!(e, Effect::Session { .. })),
        "nothing reads the other card: {e:?}"
    );
    assert_eq!(staff_line(&d), Some(Code::OtherCardPlaceAgain));
    assert!(customer_lines(&d).is_empty());

    // A card placed on the first reader again: the other one is again "not read".
    d.place();
    assert_eq!(staff_line(&d), Some(Code::OtherCardNotRead));
    d.send(Input::Reader(ReaderEvent::Removed));
    assert_eq!(staff_line(&d), Some(Code::OtherCardPlaceAgain));

    // Taken off (to be placed again): the line goes; placed again, it is the customer's
    // card like any other.
    d.send(Input::Reader(ReaderEvent::OtherCard(false)));
    assert_eq!(staff_line(&d), None);
    let generation = d.m.generation();
    d.place();
    assert!(d.m.generation() > generation, "a new identification");
    assert!(matches!(d.m.screens().staff, StaffScreen::Identify { .. }));
    assert_eq!(staff_line(&d), None);
}

#[test]
fn no_reader_left_drops_the_line_and_at_the_till_it_is_told_too() {
    let mut d = Desk::new(CounterMode::Cashier);
    d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
    d.send(Input::Reader(ReaderEvent::OtherCard(true)));
    assert_eq!(staff_line(&d), Some(Code::OtherCardNotRead));
    d.send(Input::Reader(ReaderEvent::Attached(false)));
    assert_eq!(
        staff_line(&d),
        None,
        "no reader, or no PC/SC: no card known"
    );
    assert!(customer_lines(&d).is_empty());
}

/// Another watched reader attaching (the worker reports each) while the customer's card
/// is on the first: the card is still there, and the other card still "not read".
#[test]
fn a_reader_attaching_meanwhile_leaves_the_card_and_the_line_as_they_are() {
    let mut d = Desk::new(CounterMode::Reception);
    d.place();
    d.send(Input::Reader(ReaderEvent::OtherCard(true)));
    d.send(Input::Reader(ReaderEvent::Attached(true)));
    assert_eq!(d.m.screens().status.reader, ReaderState::Card);
    assert_eq!(staff_line(&d), Some(Code::OtherCardNotRead));
    // From no reader at all, a reader attaching is an empty reader.
    d.send(Input::Reader(ReaderEvent::Attached(false)));
    assert_eq!(d.m.screens().status.reader, ReaderState::Missing);
    d.send(Input::Reader(ReaderEvent::Attached(true)));
    assert_eq!(d.m.screens().status.reader, ReaderState::Empty);
}

#[test]
fn the_lines_are_staffs_and_stay_off_the_customers_notices() {
    for code in [Code::OtherCardNotRead, Code::OtherCardPlaceAgain] {
        assert_eq!(
            code.for_customer(),
            Code::AskStaff,
            "staff's line: {code:?}"
        );
    }
    let mut d = Desk::new(CounterMode::Reception);
    d.notices = vec![Notice::SignCertificateRevoked {
        revoked_at: T0.minus_secs(86_400),
        reason: "affiliation_changed".into(),
    }];
    d.place();
    d.type_pin();
    d.send(Input::Reader(ReaderEvent::OtherCard(true)));
    let frame = d.m.screens().customer_frame();
    let codes: Vec<Code> = frame.notices.iter().map(|m| m.code).collect();
    assert_eq!(
        codes,
        vec![Code::SignCertificateRevoked],
        "the card's own notices only"
    );
    let staff = d.m.screens().staff_frame();
    assert_eq!(
        staff.notices.iter().map(|m| m.code).collect::<Vec<_>>(),
        vec![Code::SignCertificateRevoked],
        "staff read the other card on the status bar, not among the card's notices"
    );
    assert_eq!(
        staff.status.other_card.map(|m| m.code),
        Some(Code::OtherCardNotRead)
    );
}
