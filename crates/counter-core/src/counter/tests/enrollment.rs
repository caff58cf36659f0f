//! An enrollment's end at the counter: its result stays on both windows while its card
//! lies on the reader; once that card leaves, the counter is back at the mode's start
//! screen and the next card is the next person's (a reader unplugged with the card on it
//! is the card leaving). A card pulled while the platform links it does not lose the
//! platform's answer: staff read it.

use super::*;
use crate::counter::{CustomerScreen, ReaderState, StaffScreen};
use crate::enroll::Step;

/// An enrollment at `mode` whose card was read: the customer is asked for the signature
/// password.
fn at_password(mode: CounterMode) -> Desk {
    let mut d = Desk::new(mode);
    d.staff(StaffAction::StartEnrollment {
        services: services(),
    });
    d.place();
    assert_eq!(
        steps(&d),
        (Some(Step::PasswordEntry), Some(Step::PasswordEntry))
    );
    d
}

/// An enrollment at `mode` that linked the first card's services, the card still on the
/// reader.
fn enrolled(mode: CounterMode) -> Desk {
    let mut d = at_password(mode);
    let e = d.customer(CustomerAction::Password {
        text: crate::enroll::tests::PASSWORD.into(),
    });
    d.world(e);
    d.customer(CustomerAction::ConfirmAttributes {
        disclosure_consent: true,
    });
    let left = d.type_pin();
    assert_eq!(audits(&left), ["enrolled"], "{left:?}");
    d
}

/// [`enrolled`], that card then taken off.
fn enrolled_and_card_gone(mode: CounterMode) -> Desk {
    let mut d = enrolled(mode);
    d.send(Input::Reader(ReaderEvent::Removed));
    d
}

/// The enrollment's step on the staff's window and on the customer's (`None`: another
/// screen).
fn steps(d: &Desk) -> (Option<Step>, Option<Step>) {
    let s = d.m.screens();
    let staff = match s.staff {
        StaffScreen::Enroll { view } => Some(view.step),
        _ => None,
    };
    let customer = match s.customer {
        CustomerScreen::Enroll { view } => Some(view.step),
        _ => None,
    };
    (staff, customer)
}

#[test]
fn an_ended_enrollment_stays_while_its_card_does_then_the_counter_is_idle() {
    for mode in [CounterMode::Reception, CounterMode::Cashier] {
        // Linked: both windows show it while the card lies there, however long.
        let mut d = enrolled(mode);
        let shown = (Some(Step::Enrolled), Some(Step::Enrolled));
        assert_eq!(steps(&d), shown, "{mode:?}");
        for _ in 0..3 {
            d.send(Input::Tick);
        }
        assert_eq!(steps(&d), shown, "{mode:?}");
        // The card left: the mode's start screen, not an enrollment asking for a card.
        d.send(Input::Reader(ReaderEvent::Removed));
        assert_eq!(d.at(), "idle", "{mode:?}");
        let s = d.m.screens();
        assert_eq!(s.staff, StaffScreen::Ready, "{mode:?}");
        assert_eq!(s.customer, CustomerScreen::Welcome, "{mode:?}");

        // Cancelled by the customer, the card still there: the same.
        let mut d = at_password(mode);
        d.customer(CustomerAction::Cancel);
        assert_eq!(steps(&d), (Some(Step::Cancelled), Some(Step::Cancelled)));
        d.send(Input::Reader(ReaderEvent::Removed));
        assert_eq!(d.at(), "idle", "{mode:?}");
    }
}

#[test]
fn the_next_card_after_an_enrollment_never_gets_its_services() {
    // At reception the next card is the next patient's check, as after a check.
    let mut d = enrolled_and_card_gone(CounterMode::Reception);
    let e = d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
    assert_eq!(d.at(), "identify_for_check");
    let left = d.world(e);
    assert_eq!(audits(&left), Vec::<&str>::new(), "{left:?}");
    d.type_pin();
    assert_eq!(d.at(), "check", "identified for a check, not enrolled");

    // At the till a card without a sale waits for one, as at any idle till: the sale staff
    // type next reads it.
    let mut d = enrolled_and_card_gone(CounterMode::Cashier);
    let e = d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
    assert!(e.is_empty(), "{e:?}");
    assert_eq!(d.at(), "idle");
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

/// Fails if the customer's frame, as the UI receives it, carries anything of the
/// enrollment of [`enrolled`] or [`at_password`]: a service, a number staff typed, the
/// outcome.
fn nothing_of_the_enrollment(d: &Desk, case: &str) {
    let frame = d.m.screens().customer_frame();
    assert_eq!(frame.customer, CustomerScreen::Welcome, "{case}");
    assert!(frame.notices.is_empty(), "{case}");
    let json = serde_json::to_string(&frame).unwrap();
    for s in ["kenpo", "acq", "06139999", "10001", "4242", "card_removed"] {
        assert!(!json.contains(s), "{case}: {s} in {json}");
    }
}

#[test]
fn the_customers_window_keeps_nothing_of_an_enrollment_once_its_card_left() {
    for mode in [CounterMode::Reception, CounterMode::Cashier] {
        // Ended with the card on the reader, then taken off.
        let d = enrolled_and_card_gone(mode);
        nothing_of_the_enrollment(&d, &format!("{mode:?}, enrolled"));

        // Taken off mid-way: the enrollment ends, and staff keep why (until they finish or
        // start it again); the next person at the customer window reads none of it.
        let mut d = at_password(mode);
        d.send(Input::Reader(ReaderEvent::Removed));
        assert_eq!(d.at(), "enroll", "{mode:?}");
        match d.m.screens().staff {
            StaffScreen::Enroll { view } => {
                assert_eq!(view.step, Step::Failed, "{mode:?}");
                // Not "put the card back": that does not resume it.
                assert_eq!(
                    view.progress.code,
                    Some(Code::EnrollmentCardRemoved),
                    "{mode:?}"
                );
            }
            other => panic!("{mode:?}: {other:?}"),
        }
        nothing_of_the_enrollment(&d, &format!("{mode:?}, taken off mid-way"));
        d.send(Input::Tick);
        nothing_of_the_enrollment(&d, &format!("{mode:?}, a second later"));
    }
}

#[test]
fn a_card_put_back_after_it_left_mid_enrollment_does_not_resume_it() {
    for mode in [CounterMode::Reception, CounterMode::Cashier] {
        let mut d = at_password(mode);
        d.send(Input::Reader(ReaderEvent::Removed));
        // Put back: any card, maybe the next person's. Nobody takes it while the ended
        // enrollment is on the staff's window (why it stopped).
        let e = d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
        assert!(e.is_empty(), "{mode:?}: {e:?}");
        assert_eq!(d.at(), "enroll", "{mode:?}");
        assert_eq!(
            steps(&d),
            (Some(Step::Failed), None),
            "{mode:?}: the customer is not asked to enrol"
        );
        match d.m.screens().staff {
            StaffScreen::Enroll { view } => {
                assert_eq!(view.progress.code, Some(Code::EnrollmentCardRemoved));
                assert!(!view.progress.can_retry, "Start again needs its own card");
            }
            other => panic!("{mode:?}: {other:?}"),
        }
        // Staff leave it: the card lying there is read by nobody (a card left lying never
        // starts a check unasked), and never by the enrollment.
        let e = d.staff(StaffAction::Finish);
        assert!(e.is_empty(), "{mode:?}: {e:?}");
        assert_eq!(d.at(), "idle", "{mode:?}");
        assert_eq!(steps(&d), (None, None), "{mode:?}");
        // Staff, who see it is the same person, start the enrollment again: it reads the
        // card on the reader at once.
        let e = d.staff(StaffAction::StartEnrollment {
            services: services(),
        });
        d.world(e);
        assert_eq!(
            steps(&d),
            (Some(Step::PasswordEntry), Some(Step::PasswordEntry)),
            "{mode:?}"
        );
    }
}

/// An enrollment at `mode` whose application was signed and sent, the card still on the
/// reader: the platform's answer is awaited (its generation and ticket).
fn enrolling(mode: CounterMode) -> (Desk, u64, session::Ticket) {
    let mut d = at_password(mode);
    d.hold_enroll = true;
    let e = d.customer(CustomerAction::Password {
        text: crate::enroll::tests::PASSWORD.into(),
    });
    d.world(e);
    d.customer(CustomerAction::ConfirmAttributes {
        disclosure_consent: true,
    });
    let left = d.type_pin();
    let sent = left.iter().find_map(|e| match e {
        Effect::Session {
            generation,
            effect: session::Effect::Enroll { ticket, .. },
        } => Some((*generation, *ticket)),
        _ => None,
    });
    let (generation, ticket) = sent.unwrap_or_else(|| panic!("no Enroll in {left:?}"));
    assert_eq!(
        steps(&d),
        (Some(Step::Enrolling), Some(Step::Enrolling)),
        "{mode:?}"
    );
    (d, generation, ticket)
}

#[test]
fn a_card_pulled_while_the_platform_links_still_gets_its_answer_to_staff() {
    for mode in [CounterMode::Reception, CounterMode::Cashier] {
        let (mut d, generation, ticket) = enrolling(mode);
        // The card leaves: the customer window goes back to the welcome, staff still see
        // the enrollment waiting for the platform.
        let e = d.send(Input::Reader(ReaderEvent::Removed));
        assert!(audits(&e).is_empty(), "{mode:?}: nothing ended: {e:?}");
        assert_eq!(d.at(), "enroll", "{mode:?}");
        assert_eq!(steps(&d), (Some(Step::Enrolling), None), "{mode:?}");
        nothing_of_the_enrollment(&d, &format!("{mode:?}, card pulled while linking"));

        // The next person's card: not read, and the enrollment neither resumes nor
        // restarts on it (its answer stays awaited).
        let e = d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
        assert!(e.is_empty(), "{mode:?}: {e:?}");
        assert_eq!(d.m.generation(), generation, "{mode:?}");
        assert_eq!(steps(&d), (Some(Step::Enrolling), None), "{mode:?}");

        // The platform linked the card: staff read it, and it is audited.
        let e = d.send(Input::Session {
            generation,
            input: session::Input::Enrolled {
                ticket,
                result: Ok(crate::enroll::tests::enrollment_response()),
            },
        });
        assert_eq!(audits(&e), ["enrolled"], "{mode:?}: {e:?}");
        match d.m.screens().staff {
            StaffScreen::Enroll { view } => {
                assert_eq!(view.step, Step::Enrolled, "{mode:?}");
                assert_eq!(view.enrollment_id.as_deref(), Some("enr-7"));
                assert_eq!(view.linked.len(), 1);
            }
            other => panic!("{mode:?}: {other:?}"),
        }
        nothing_of_the_enrollment(&d, &format!("{mode:?}, answered without its card"));
        // Staff finish when they have read it; the card placed meanwhile is the next
        // person's (`a_card_placed_while_the_platform_links_is_read_once_staff_leave_the_answer`).
        d.send(Input::Reader(ReaderEvent::Removed));
        d.staff(StaffAction::Finish);
        assert_eq!(d.at(), "idle", "{mode:?}");
    }
}

/// Every staff action that would leave the workflow for another.
fn leaving_actions() -> Vec<StaffAction> {
    vec![
        StaffAction::Cancel,
        StaffAction::Finish,
        StaffAction::SetMode {
            mode: CounterMode::Pharmacy,
        },
        StaffAction::StartFallback {
            reason: crate::eligibility::FallbackReason::NotEnrolled,
        },
        StaffAction::NewSale {
            amount_jpy: 1200,
            order_ref: None,
        },
        StaffAction::TakeCoPayment {
            check_id: format!("{TERMINAL}-chk-000001"),
            amount_jpy: 600,
        },
        StaffAction::StartEnrollment {
            services: services(),
        },
    ]
}

#[test]
fn no_staff_action_leaves_an_enrollment_while_the_platform_links() {
    for mode in [
        CounterMode::Reception,
        CounterMode::Pharmacy,
        CounterMode::Cashier,
    ] {
        for card_pulled in [false, true] {
            let case = format!("{mode:?}, card pulled: {card_pulled}");
            let (mut d, generation, ticket) = enrolling(mode);
            if card_pulled {
                d.send(Input::Reader(ReaderEvent::Removed));
            }
            // The staff window is told, from the counter's one rule, that nothing leaves
            // the enrollment now, and why.
            let hold = d.m.screens().staff_frame().hold.map(|m| m.code);
            assert_eq!(hold, Some(Code::EnrollmentLinking), "{case}");
            for action in leaving_actions() {
                assert!(action.leaves_workflow(), "{case}: {action:?}");
                let name = format!("{action:?}");
                let refused = d.refuse(Input::Staff(action));
                assert_eq!(refused.code(), Code::EnrollmentLinking, "{case}: {name}");
                assert_eq!(d.at(), "enroll", "{case}: {name}");
                assert_eq!(d.m.generation(), generation, "{case}: {name}");
                assert_eq!(steps(&d).0, Some(Step::Enrolling), "{case}: {name}");
            }
            // The answer still reaches staff, and the audit.
            let e = d.send(Input::Session {
                generation,
                input: session::Input::Enrolled {
                    ticket,
                    result: Ok(crate::enroll::tests::enrollment_response()),
                },
            });
            assert_eq!(audits(&e), ["enrolled"], "{case}: {e:?}");
            match d.m.screens().staff {
                StaffScreen::Enroll { view } => {
                    assert_eq!(view.step, Step::Enrolled, "{case}");
                    assert_eq!(view.enrollment_id.as_deref(), Some("enr-7"), "{case}");
                }
                other => panic!("{case}: {other:?}"),
            }
            assert_eq!(d.m.screens().staff_frame().hold, None, "{case}");
            // Read, staff leave it as ever.
            d.staff(StaffAction::Finish);
            assert_eq!(d.at(), "idle", "{case}");
        }
    }
}

/// Whether `e` reads the card on the reader (a session takes it).
fn read_card(e: &[Effect]) -> bool {
    e.iter().any(|e| {
        matches!(
            e,
            Effect::Session {
                effect: session::Effect::ReadCard { .. },
                ..
            }
        )
    })
}

/// The card that lay unread on the reader when staff left an enrollment, at reception or
/// pharmacy: nothing read it, staff are told to have it placed again, and it is read as the
/// next person's check once lifted and placed again (the line goes once it is lifted).
fn read_only_once_placed_again(d: &mut Desk, case: &str) {
    assert_eq!(d.at(), "idle", "{case}");
    assert_eq!(
        d.m.screens().status.notice.map(|n| n.code),
        Some(Code::CardNotReadPlaceAgain),
        "{case}"
    );
    assert_eq!(d.m.screens().customer, CustomerScreen::Welcome, "{case}");
    for _ in 0..3 {
        assert!(d.send(Input::Tick).is_empty(), "{case}");
    }
    assert_eq!(d.at(), "idle", "{case}: still not read");
    assert_lying_unread_told_until_it_leaves(d, case);
    d.send(Input::Reader(ReaderEvent::Removed));
    assert_eq!(d.m.screens().status.notice, None, "{case}");
    let e = d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
    assert!(read_card(&e), "{case}: {e:?}");
    assert_eq!(d.at(), "identify_for_check", "{case}");
    d.world(e);
    d.type_pin();
    assert_eq!(d.at(), "check", "{case}: identified for a check");
}

/// The status bar's notice, by its code.
fn notice(d: &Desk) -> Option<Code> {
    d.m.screens().status.notice.map(|n| n.code)
}

/// Staff act meanwhile (name the patient expected, a refused action, a mode): the line
/// about the card lying unread stays while it lies there (a refusal's line comes first,
/// then it is back).
fn assert_lying_unread_told_until_it_leaves(d: &mut Desk, case: &str) {
    d.staff(StaffAction::ExpectPatient {
        name: "佐藤　花子".into(),
        birth_date: "1985-04-12".into(),
    });
    assert_eq!(notice(d), Some(Code::CardNotReadPlaceAgain), "{case}");
    d.refuse(Input::Staff(StaffAction::StartAgain));
    assert_eq!(notice(d), Some(Code::NotNow), "{case}");
    d.staff(StaffAction::ExpectPatient {
        name: String::new(),
        birth_date: String::new(),
    });
    assert_eq!(notice(d), Some(Code::CardNotReadPlaceAgain), "{case}");
    assert_eq!(d.at(), "idle", "{case}: still not read");
}

/// Reception, after an enrollment whose answer came without its card: a card placed
/// meanwhile lies unread on the idle counter.
fn left_lying() -> Desk {
    let (mut d, generation, ticket) = enrolling(CounterMode::Reception);
    d.send(Input::Reader(ReaderEvent::Removed));
    d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
    d.send(Input::Session {
        generation,
        input: session::Input::Enrolled {
            ticket,
            result: Ok(crate::enroll::tests::enrollment_response()),
        },
    });
    d.staff(StaffAction::Finish);
    assert_eq!(d.at(), "idle");
    assert_eq!(notice(&d), Some(Code::CardNotReadPlaceAgain));
    d
}

#[test]
fn the_card_left_lying_is_told_until_it_leaves_or_staff_ask_for_it() {
    // Its reader goes away (unplugged, the PC/SC service stopped): the card has left.
    let mut d = left_lying();
    d.send(Input::Reader(ReaderEvent::Attached(false)));
    assert_eq!(notice(&d), None);

    // At the till the line goes: the next sale takes the card, as staff ask for that.
    let mut d = left_lying();
    d.staff(StaffAction::SetMode {
        mode: CounterMode::Cashier,
    });
    assert_eq!(notice(&d), None);

    // Staff asking for the card read it: an enrollment started takes the card lying there,
    // and the line goes.
    let mut d = left_lying();
    let e = d.staff(StaffAction::StartEnrollment {
        services: services(),
    });
    assert!(read_card(&e), "{e:?}");
    assert_eq!(d.at(), "enroll");
    assert_eq!(notice(&d), None);
}

#[test]
fn a_card_placed_while_the_platform_links_is_not_read_when_staff_leave_the_answer() {
    for (mode, leave) in [
        (CounterMode::Reception, StaffAction::Finish),
        (CounterMode::Pharmacy, StaffAction::Cancel),
        (CounterMode::Cashier, StaffAction::Finish),
    ] {
        let (mut d, generation, ticket) = enrolling(mode);
        d.send(Input::Reader(ReaderEvent::Removed));
        // A card placed while the answer is awaited (the enrollee's own put back, or the
        // next person's): taken by nobody.
        let e = d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
        assert!(e.is_empty(), "{mode:?}: {e:?}");
        // The answer: staff read it; the card lying there is still not the enrollment's
        // and is not read over the answer (the customer window welcomes).
        let e = d.send(Input::Session {
            generation,
            input: session::Input::Enrolled {
                ticket,
                result: Ok(crate::enroll::tests::enrollment_response()),
            },
        });
        assert!(!read_card(&e), "{mode:?}: {e:?}");
        assert_eq!(steps(&d), (Some(Step::Enrolled), None), "{mode:?}");
        // Staff leave the answer: the card lying there is not read either (nobody asked
        // for its PIN); at the till the next sale staff type takes it.
        let e = d.staff(leave);
        assert!(!read_card(&e), "{mode:?}: {e:?}");
        if mode == CounterMode::Cashier {
            assert_eq!(d.at(), "idle");
            assert_eq!(d.m.screens().status.notice, None, "the sale takes it");
            let e = d.staff(StaffAction::NewSale {
                amount_jpy: 1200,
                order_ref: None,
            });
            assert!(read_card(&e), "{mode:?}: {e:?}");
            assert_eq!(d.at(), "identify_for_sale");
        } else {
            read_only_once_placed_again(&mut d, &format!("{mode:?}"));
        }
    }

    // Taken off again before the answer: nothing is read when staff leave, nothing told.
    let (mut d, generation, ticket) = enrolling(CounterMode::Reception);
    d.send(Input::Reader(ReaderEvent::Removed));
    d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
    d.send(Input::Reader(ReaderEvent::Removed));
    d.send(Input::Session {
        generation,
        input: session::Input::Enrolled {
            ticket,
            result: Ok(crate::enroll::tests::enrollment_response()),
        },
    });
    let e = d.staff(StaffAction::Finish);
    assert!(e.is_empty(), "{e:?}");
    assert_eq!(d.at(), "idle");
    assert_eq!(d.m.screens().status.notice, None);
}

#[test]
fn a_card_placed_after_the_answer_came_without_its_card_waits_to_be_placed_again() {
    // How the card comes after the answer: placed; placed during the wait, lifted and
    // placed again; announced again after a PC/SC restart.
    type Way = (&'static str, fn(&mut Desk));
    let ways: [Way; 3] = [
        ("placed", |d| {
            d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
        }),
        ("lifted and placed again", |d| {
            d.send(Input::Reader(ReaderEvent::Removed));
            d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
        }),
        ("PC/SC restarted", |d| {
            d.send(Input::Reader(ReaderEvent::Attached(false)));
            d.send(Input::Reader(ReaderEvent::Attached(true)));
            d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
        }),
    ];
    for mode in [CounterMode::Reception, CounterMode::Pharmacy] {
        for (how, after) in ways {
            let case = format!("{mode:?}, {how}");
            let (mut d, generation, ticket) = enrolling(mode);
            d.send(Input::Reader(ReaderEvent::Removed));
            if how != "placed" {
                // A card placed while linking (held), lying there when the answer comes.
                d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
            }
            d.send(Input::Session {
                generation,
                input: session::Input::Enrolled {
                    ticket,
                    result: Ok(crate::enroll::tests::enrollment_response()),
                },
            });
            after(&mut d);
            // The result stays on the staff window: no check starts over it.
            assert_eq!(d.at(), "enroll", "{case}");
            assert_eq!(steps(&d), (Some(Step::Enrolled), None), "{case}");
            match d.m.screens().staff {
                StaffScreen::Enroll { view } => {
                    assert_eq!(view.enrollment_id.as_deref(), Some("enr-7"), "{case}");
                    assert_eq!(view.linked.len(), 1, "{case}");
                }
                other => panic!("{case}: {other:?}"),
            }
            // Staff finish: the card lying there starts no check on its own; placed again,
            // it is the next person's check.
            let e = d.staff(StaffAction::Finish);
            assert!(!read_card(&e), "{case}: {e:?}");
            read_only_once_placed_again(&mut d, &case);
        }
    }
}

#[test]
fn cancel_and_finish_wait_while_the_platform_links() {
    for mode in [CounterMode::Reception, CounterMode::Cashier] {
        let (mut d, generation, ticket) = enrolling(mode);
        // The application has left: neither Cancel nor Finish can call it back, and
        // leaving the enrollment would drop the answer. Staff are told to wait for it.
        for action in [StaffAction::Cancel, StaffAction::Finish] {
            let refused = d.refuse(Input::Staff(action));
            assert_eq!(refused.code(), Code::EnrollmentLinking, "{mode:?}");
            assert_eq!(d.at(), "enroll", "{mode:?}");
            assert_eq!(
                steps(&d),
                (Some(Step::Enrolling), Some(Step::Enrolling)),
                "{mode:?}"
            );
        }
        // The customer's Cancel neither ends it.
        let refused = d.refuse(Input::Customer(CustomerAction::Cancel));
        assert!(!matches!(refused, Refused::Stale { .. }), "{mode:?}");
        assert_eq!(d.at(), "enroll", "{mode:?}");
        let line = Code::EnrollmentLinking.entry();
        assert!(
            line.en.contains("cannot be cancelled")
                && line.next_en.contains("within the request's time-out"),
            "{line:?}"
        );

        // The answer comes: staff read which services are linked, then finish.
        let e = d.send(Input::Session {
            generation,
            input: session::Input::Enrolled {
                ticket,
                result: Ok(crate::enroll::tests::enrollment_response()),
            },
        });
        assert_eq!(audits(&e), ["enrolled"], "{mode:?}: {e:?}");
        assert_eq!(
            steps(&d),
            (Some(Step::Enrolled), Some(Step::Enrolled)),
            "{mode:?}"
        );
        d.staff(StaffAction::Cancel);
        assert_eq!(d.at(), "idle", "{mode:?}");
    }
}

#[test]
fn a_reader_unplugged_under_an_ended_enrollments_card_is_the_card_leaving() {
    for mode in [CounterMode::Reception, CounterMode::Cashier] {
        // Linked, the card on the reader: the reader goes (unplugged, or PC/SC stopped),
        // and its card with it. The counter is idle, the customer window welcomes.
        let mut d = enrolled(mode);
        let e = d.send(Input::Reader(ReaderEvent::Attached(false)));
        assert!(audits(&e).is_empty(), "{mode:?}: {e:?}");
        assert_eq!(d.at(), "idle", "{mode:?}");
        let s = d.m.screens();
        assert_eq!(s.status.reader, ReaderState::Missing, "{mode:?}");
        assert_eq!(s.staff, StaffScreen::Ready, "{mode:?}");
        nothing_of_the_enrollment(&d, &format!("{mode:?}, reader unplugged"));
        // The card's own removal, reported after: nothing more.
        assert!(d.send(Input::Reader(ReaderEvent::Removed)).is_empty());
        assert_eq!(d.at(), "idle", "{mode:?}");

        // Unplugged mid-way: the enrollment ends as when its card is taken off.
        let mut d = at_password(mode);
        d.send(Input::Reader(ReaderEvent::Attached(false)));
        assert_eq!(steps(&d), (Some(Step::Failed), None), "{mode:?}");
        assert!(!d.m.holds_secret());
        if let StaffScreen::Enroll { view } = d.m.screens().staff {
            assert_eq!(view.progress.code, Some(Code::EnrollmentCardRemoved));
        }
    }
}

#[test]
fn start_fallback_over_an_enrollments_result_waits_for_finish() {
    // The result on both windows (card on the reader), or on the staff's alone (the answer
    // came after the card left): Start fallback would throw it off the screen, as it
    // would a check's; it is refused with what to do, and the result stays.
    type Case = (&'static str, fn() -> Desk);
    let cases: [Case; 3] = [
        ("linked, card on the reader", || {
            enrolled(CounterMode::Reception)
        }),
        ("linked, card gone", || {
            State::EnrollAnsweredCardGone.reach()
        }),
        ("stopped, card gone", || {
            let mut d = at_password(CounterMode::Pharmacy);
            d.send(Input::Reader(ReaderEvent::Removed));
            d
        }),
    ];
    for (case, reach) in cases {
        let mut d = reach();
        let before = d.m.screens();
        let refused = d.refuse(Input::Staff(StaffAction::StartFallback {
            reason: crate::eligibility::FallbackReason::NotEnrolled,
        }));
        assert_eq!(refused.code(), Code::FinishFirst, "{case}");
        assert_eq!(d.at(), "enroll", "{case}");
        assert_eq!(d.screens_without_notice().staff, before.staff, "{case}");
        assert_eq!(d.m.screens().customer, before.customer, "{case}");
        let line = Code::FinishFirst.entry();
        assert!(line.next_en.contains("press Finish"), "{line:?}");
        assert!(line.next_ja.contains("「完了」"), "{line:?}");
        // Finished, the fallback starts.
        d.staff(StaffAction::Finish);
        let e = d.staff(StaffAction::StartFallback {
            reason: crate::eligibility::FallbackReason::NotEnrolled,
        });
        assert_eq!(d.at(), "opening_fallback", "{case}: {e:?}");
    }
}
