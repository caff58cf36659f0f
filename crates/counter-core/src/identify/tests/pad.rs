//! The PIN-pad step as the windows show it: the pad's time counted down from when the pad
//! was armed, the tries left, the staff told that the pad is in use (the customer never
//! sees that staff line), and nothing left of the wait once it ends.

use jpki_card::{CardError, PinEntry};

use super::data::*;
use super::*;
use crate::identify::{PIN_PAD_TIMEOUT_SECS, WARN_BEFORE_SECS};
use crate::session::Actor;

/// A counter at the PIN-pad step (3 tries), and the Authenticate effect that armed the pad.
fn at_the_pad() -> (Counter, Authenticate) {
    let mut c = Counter::new(identify_request());
    let t = challenge_ticket(&c.placed_and_read(true, 3));
    let a = c.issue(t);
    assert!(matches!(a.pin, PinEntry::PinPad { .. }));
    assert_eq!(c.m.step(), Step::PinPad);
    (c, a)
}

#[test]
fn the_pad_step_counts_the_pads_time_down_from_when_it_was_armed() {
    let (mut c, _) = at_the_pad();
    let armed = c.now;
    let full = i64::from(PIN_PAD_TIMEOUT_SECS);
    for view in [c.m.customer_view().progress, c.m.staff_view().progress] {
        assert_eq!(view.seconds_left, Some(full));
        assert_eq!(view.tries_left, Some(3));
        assert!(view.pin_pad);
        // The pad's time cannot be extended: no "more time" offer, even near the end.
        assert!(!view.time_warning);
    }

    c.now = armed.plus_secs(16);
    assert!(c.send(Input::Tick).is_empty()); // one second later: 17 s gone
    assert_eq!(c.m.customer_view().progress.seconds_left, Some(full - 17));
    assert_eq!(c.m.staff_view().progress.seconds_left, Some(full - 17));

    c.now = armed.plus_secs(full - WARN_BEFORE_SECS);
    c.send(Input::Tick);
    assert!(!c.m.customer_view().progress.time_warning);

    // Past the pad's time the count stays at 0; the pad, not the machine, ends the wait.
    c.now = armed.plus_secs(full + 30);
    assert!(c.send(Input::Tick).is_empty());
    assert_eq!(c.m.step(), Step::PinPad);
    assert_eq!(c.m.customer_view().progress.seconds_left, Some(0));
}

#[test]
fn the_staff_are_told_the_pad_is_in_use_and_the_customer_is_not_given_their_line() {
    let (c, _) = at_the_pad();
    assert_eq!(c.m.staff_view().progress.code, Some(Code::PinPadInUse));
    assert_eq!(c.m.customer_view().progress.code, None);
    let entry = Code::PinPadInUse.entry();
    assert_eq!(entry.audience, crate::codes::Audience::Staff);
    // The staff's way out, in both languages: Cancel on the pad, or the card out.
    assert!(
        entry
            .next_en
            .contains("press Cancel on the pad or take the card out")
    );
    assert!(entry.next_ja.contains("取消キー") && entry.next_ja.contains("カード"));
    // Before the pad is armed (the challenge is on its way) there is no pad line.
    let mut before = Counter::new(identify_request());
    before.placed_and_read(true, 3);
    assert_eq!(before.m.staff_view().progress.code, None);
    assert_eq!(before.m.staff_view().progress.seconds_left, None);
}

#[test]
fn the_pads_own_ending_leaves_no_countdown_of_the_pad_behind() {
    let (mut c, a) = at_the_pad();
    c.now = c.now.plus_secs(59);
    let e = c.send(Input::Signed {
        ticket: a.ticket,
        result: Err(CardError::PinEntryTimeout),
    });
    assert!(e.is_empty());
    assert_eq!(c.m.step(), Step::PinEntry);
    let staff = c.m.staff_view().progress;
    assert_eq!(staff.code, Some(Code::PinPadTimeout));
    // Back at "enter the PIN": the customer's own limit runs, in full.
    assert_eq!(
        staff.seconds_left,
        Some(crate::identify::CUSTOMER_STEP_SECS)
    );

    // Armed again: the pad's time starts afresh.
    let t = challenge_ticket(&c.send(Input::RetryPin));
    c.issue(t);
    assert_eq!(
        c.m.customer_view().progress.seconds_left,
        Some(i64::from(PIN_PAD_TIMEOUT_SECS))
    );
}

#[test]
fn a_cancel_during_the_pad_wait_abandons_it_and_clears_both_windows() {
    let (mut c, _) = at_the_pad();
    let e = c.send(Input::Cancel(Actor::Staff));
    assert!(matches!(e.first(), Some(Effect::AbortCardOperation)));
    assert_eq!(c.m.step(), Step::Cancelled);
    for view in [c.m.staff_view().progress, c.m.customer_view().progress] {
        assert_eq!(view.seconds_left, None);
        assert_eq!(view.code, None);
    }
}
