//! Session end when the card leaves (docs/domain/eligibility.md R8), at every step; stale results;
//! and the PIN never reaching the staff window.

use jpki_card::{CardError, TransportError};

use super::data::*;
use super::*;
use crate::codes::Code;

/// The steps a card can be pulled out at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    Reading,
    PinEntry,
    ConfirmLastTry,
    ChallengeWithPinHeld,
    Signing,
    Verifying,
    PadChallenge,
    PadSigning,
}

const ALL: [At; 8] = [
    At::Reading,
    At::PinEntry,
    At::ConfirmLastTry,
    At::ChallengeWithPinHeld,
    At::Signing,
    At::Verifying,
    At::PadChallenge,
    At::PadSigning,
];

/// A machine at `at`, with every ticket handed out on the way.
fn drive(at: At) -> (Counter, Vec<Ticket>) {
    let mut c = Counter::new(identify_request());
    let pad = matches!(at, At::PadChallenge | At::PadSigning);
    let tries = if at == At::ConfirmLastTry { 1 } else { 3 };
    let mut tickets = vec![c.place(pad)];
    if at == At::Reading {
        return (c, tickets);
    }
    let e = c.send(Input::CardRead {
        ticket: tickets[0],
        result: Ok(facts(tries)),
    });
    match at {
        At::PinEntry | At::ConfirmLastTry => return (c, tickets),
        At::PadChallenge | At::PadSigning => {
            let t = challenge_ticket(&e);
            tickets.push(t);
            if at == At::PadSigning {
                tickets.push(c.issue(t).ticket);
            }
            return (c, tickets);
        }
        _ => {}
    }
    let t = c.type_pin();
    tickets.push(t);
    if at == At::ChallengeWithPinHeld {
        assert!(c.m.holds_pin());
        return (c, tickets);
    }
    let a = c.issue(t);
    tickets.push(a.ticket);
    if at == At::Signing {
        return (c, tickets);
    }
    let (t, _) = identify(&c.send(Input::Signed {
        ticket: a.ticket,
        result: Ok(authentication()),
    }));
    tickets.push(t);
    (c, tickets)
}

/// Every kind of result, with every old ticket, each with a usable payload.
/// Every kind of result with each old ticket: each refused as stale.
fn assert_stale(c: &mut Counter, tickets: &[Ticket]) {
    let request = c.m.request().clone();
    c.assert_stale(tickets, &request);
}

fn assert_clean_card_removed(c: &Counter, effects: &[Effect], at: At) {
    assert_eq!(effects.len(), 1, "{at:?}: {effects:?}");
    assert_eq!(
        finished(effects),
        crate::session::testing::card_removed(),
        "{at:?}"
    );
    assert!(!c.m.holds_pin(), "{at:?}: the PIN is dropped");
    assert_eq!(c.m.step(), Step::Failed, "{at:?}");
    let (staff, customer) = (c.m.staff_view(), c.m.customer_view());
    assert_eq!(staff.progress.code, Some(Code::CardRemoved), "{at:?}");
    assert_eq!(customer.progress.code, Some(Code::CardRemoved), "{at:?}");
    // Nothing of the customer is left: no tries, no menu, no identification, no limit.
    assert_eq!(
        (staff.progress.tries_left, customer.progress.tries_left),
        (None, None)
    );
    assert!(staff.menu.is_empty() && customer.menu.is_empty());
    assert_eq!(staff.identification_id, None);
    assert_eq!(customer.progress.seconds_left, None);
    assert!(
        !staff.progress.can_retry,
        "{at:?}: put the card back, not start again"
    );
    let debug = format!("{:?}", c.m);
    assert!(!debug.contains("ch-1") && !debug.contains(PIN), "{debug}");
}

#[test]
fn a_card_pulled_out_at_any_step_ends_the_session_cleanly() {
    for at in ALL {
        let (mut c, tickets) = drive(at);
        let e = c.send(Input::CardRemoved);
        assert_clean_card_removed(&c, &e, at);

        // Nothing that could use a PIN try follows: not the people's inputs...
        for input in [
            Input::StaffConfirmedLastTry,
            Input::RetryPin,
            Input::PinEntered(pin()),
            Input::StartAgain,
            Input::ExtendTime,
            Input::Cancel(crate::identify::Actor::Staff),
        ] {
            assert!(!c.refuse(input).is_stale(), "{at:?}");
        }
        // The clock and a second removal are taken, and change nothing.
        assert!(c.send(Input::Tick).is_empty(), "{at:?}");
        assert!(c.send(Input::CardRemoved).is_empty(), "{at:?}");
        assert!(!c.m.holds_pin(), "{at:?}");
        // ...nor the late results of the effects already out.
        assert_stale(&mut c, &tickets);
        assert_clean_card_removed(&c, &[Effect::Finished(c.m.outcome().unwrap().clone())], at);

        // The card put back starts from scratch: the facts are read again and the PIN
        // must be typed again before anything is signed.
        let pad = matches!(at, At::PadChallenge | At::PadSigning);
        let t = c.place(pad);
        assert!(!tickets.contains(&t), "{at:?}: a fresh ticket");
        let e = c.send(Input::CardRead {
            ticket: t,
            result: Ok(facts(3)),
        });
        assert!(!has_authenticate(&e), "{at:?}");
        assert_stale(&mut c, &tickets);
        if pad {
            // The pad route asks the platform first; the customer types on the reader
            // during the new Authenticate.
            let t = challenge_ticket(&e);
            assert!(matches!(c.issue(t).pin, jpki_card::PinEntry::PinPad { .. }));
        } else {
            assert_eq!(c.m.step(), Step::PinEntry, "{at:?}");
            let t = c.type_pin();
            let a = c.issue(t);
            assert!(matches!(a.pin, jpki_card::PinEntry::Host(_)));
        }
    }
}

#[test]
fn the_card_reporting_its_own_removal_is_the_same_as_the_removal_event() {
    for at in [At::Reading, At::Signing, At::PadSigning] {
        let (mut c, tickets) = drive(at);
        let last = *tickets.last().unwrap();
        let removed = || CardError::Transport(TransportError::CardRemoved);
        let e = if at == At::Reading {
            c.send(Input::CardRead {
                ticket: last,
                result: Err(removed()),
            })
        } else {
            c.send(Input::Signed {
                ticket: last,
                result: Err(removed()),
            })
        };
        assert_clean_card_removed(&c, &e, at);
        // The removal event that follows changes nothing; the PIN is typed again.
        assert!(c.send(Input::CardRemoved).is_empty());
        c.refuse(Input::StaffConfirmedLastTry);
        c.refuse(Input::PinEntered(pin()));
        assert_stale(&mut c, &tickets);
    }
}

#[test]
fn after_an_identification_the_card_leaving_forgets_the_menu() {
    let (mut c, _) = drive(At::Verifying);
    let request = c.m.request().clone();
    let t = match c.m.0.phase {
        crate::session::Phase::Flow(crate::identify::IdentifyPhase::Identifying { ticket }) => {
            ticket
        }
        _ => panic!("not verifying"),
    };
    let e = c.send(Input::Identified {
        ticket: t,
        result: Ok(identification(&request)),
    });
    assert!(matches!(finished(&e), Outcome::Identified { .. }));
    assert!(c.send(Input::CardRemoved).is_empty());
    assert_eq!(c.m.step(), Step::WaitingForCard);
    assert!(c.m.outcome().is_none());
    let staff = c.m.staff_view();
    assert!(staff.menu.is_empty() && staff.identification_id.is_none());
    assert!(!c.staff_json().contains("VISA"));
}

#[test]
fn a_new_card_placed_mid_session_starts_from_scratch() {
    let (mut c, tickets) = drive(At::ChallengeWithPinHeld);
    let t = c.place(false);
    assert!(!c.m.holds_pin());
    assert_eq!(c.m.step(), Step::ReadingCard);
    assert_stale(&mut c, &tickets);
    assert!(
        c.send(Input::CardRead {
            ticket: t,
            result: Ok(facts(3)),
        })
        .is_empty()
    );
    assert_eq!(c.m.step(), Step::PinEntry);
}

#[test]
fn the_pin_and_its_length_never_reach_a_view() {
    let mut seen = 0;
    for at in ALL {
        let (c, _) = drive(at);
        for json in [
            c.staff_json(),
            c.customer_json(),
            serde_json::to_string(&(c.m.staff_view(), c.m.customer_view())).unwrap(),
        ] {
            assert!(!json.contains(PIN), "{at:?}: {json}");
            assert!(
                !json.contains("length") && !json.contains("digits"),
                "{json}"
            );
            seen += 1;
        }
        let debug = format!("{:?}", c.m);
        assert!(!debug.contains(PIN), "{debug}");
    }
    assert_eq!(seen, 3 * ALL.len());
    // And the effect that carries the PIN to the card prints it masked.
    let mut c = Counter::new(identify_request());
    let a = c.up_to_signing(3);
    assert!(!format!("{a:?}").contains(PIN));
}
