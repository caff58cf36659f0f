//! The register's (POS) sales: journaled before the customer is asked for anything,
//! idempotent, refused politely while another customer is served, cancelled before the
//! customer pays, voided and refunded under the one-operation-at-a-time rule, and closed in
//! the journal whenever the counter leaves them unpaid.

use counter_api::pos::SaleState;

use super::*;

/// The answered sale of the one answer among `effects`.
fn answered(effects: &[Effect]) -> (counter_api::pos::Sale, bool) {
    match pos_answers(effects).as_slice() {
        [(_, Ok(PosReply::Sale { sale, created }))] => ((**sale).clone(), *created),
        other => panic!("not one sale answered: {other:?} in {effects:?}"),
    }
}

fn closes(effects: &[Effect]) -> Vec<(String, Code)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::ClosePosOrder { order_ref, reason } => Some((order_ref.clone(), *reason)),
            _ => None,
        })
        .collect()
}

fn pos(d: &mut Desk, input: PosInput) -> Result<Vec<Effect>, Refused> {
    d.try_send(Input::Pos {
        request: 5,
        register: POS_REGISTER.into(),
        input,
    })
}

/// A request that must be refused (and change nothing).
fn pos_refusal(d: &mut Desk, input: PosInput) -> Refused {
    d.refuse(Input::Pos {
        request: 5,
        register: POS_REGISTER.into(),
        input,
    })
}

#[test]
fn a_register_sale_is_journaled_before_the_customer_is_asked_then_paid_like_a_cashier_sale() {
    let mut d = Desk::new(CounterMode::Cashier);
    // The card already lies on the reader: still nothing is read before the order is journaled.
    d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
    let e = d.send(d.pos_create_input());
    match e.as_slice() {
        [Effect::OpenPosOrder { order, .. }] => {
            assert_eq!(
                (
                    order.order_ref.as_str(),
                    order.amount_jpy,
                    order.idempotency_key.as_str()
                ),
                (POS_ORDER, 1200, POS_KEY)
            );
        }
        other => panic!("the order is journaled first, alone: {other:?}"),
    }
    assert_eq!(d.at(), "opening_pos_sale");
    let generation = d.m.generation();
    let e = d.send(Input::PosOpened {
        generation,
        written: true,
    });
    let (sale, created) = answered(&e);
    assert!(created);
    assert_eq!(
        (sale.state, sale.code.as_str(), sale.amount_jpy),
        (
            SaleState::WaitingForCustomer,
            "pos_waiting_for_customer",
            1200
        )
    );
    assert!(
        e.iter().any(|e| matches!(
            e,
            Effect::Session {
                effect: session::Effect::ReadCard { .. },
                ..
            }
        )),
        "then the card on the reader is taken: {e:?}"
    );
    d.world(e);
    // The customer window shows the amount the register sent.
    d.type_pin();
    assert_eq!(d.at(), "choosing");
    match d.m.screens().customer {
        crate::counter::CustomerScreen::Pay { amount_jpy, .. } => assert_eq!(amount_jpy, 1200),
        other => panic!("{other:?}"),
    }
    let e = d.customer(CustomerAction::Pay {
        service_id: "acq".into(),
        amount_jpy: 1200,
    });
    match e.as_slice() {
        [Effect::Sell { order_ref, pos, .. }] => {
            assert_eq!((order_ref.as_deref(), *pos), (Some(POS_ORDER), true))
        }
        other => panic!("{other:?}"),
    }
    // While paying, the register reads `paying`; once journaled captured, `approved`.
    let status = |d: &mut Desk, payment| {
        answered(
            &pos(
                d,
                PosInput::Status {
                    journal: Some(Box::new(pos_journal(payment))),
                },
            )
            .unwrap(),
        )
        .0
    };
    assert_eq!(status(&mut d, None).state, SaleState::Paying);
    let generation = d.m.generation();
    let now = d.now;
    d.send(Input::SaleEnded {
        generation,
        result: Ok(captured(1200, now)),
    });
    assert_eq!(d.at(), "sale_ended");
    let sale = status(&mut d, Some(pos_captured(now)));
    assert_eq!(
        (sale.state, sale.code.as_str()),
        (SaleState::Approved, "payment_approved")
    );
    // Staff moving on closes nothing: the order has its payment.
    assert!(closes(&d.staff(StaffAction::Finish)).is_empty());
}

#[test]
fn refused_politely_while_another_customer_is_served_and_the_same_request_is_answered_again() {
    let create = |order_ref: &str, key: &str| PosInput::Create {
        order: pos_create(order_ref, 500, key),
        by_key: None,
        by_order_ref: None,
    };
    // At reception and pharmacy: not a till.
    let mut d = Desk::new(CounterMode::Reception);
    assert_eq!(
        pos_refusal(&mut d, create("R-9", "k-9")),
        Refused::Action(Code::CounterNotCashier)
    );
    // The cashier's own sale runs, or a register's sale: busy, and nothing changes.
    for state in [
        State::IdentifyForSale,
        State::Choosing,
        State::Paying,
        State::PosIdentifyForSale,
        State::PosPaying,
    ] {
        let mut d = state.reach();
        let refused = d.refuse(Input::Pos {
            request: 5,
            register: POS_REGISTER.into(),
            input: create("R-9", "k-9"),
        });
        assert_eq!(refused, Refused::Action(Code::CounterBusy), "{state:?}");
        assert!(
            d.m.screens().status.notice.is_none(),
            "{state:?}: the register is answered, staff are not disturbed"
        );
    }
    // The same request again is answered with its sale even then.
    let mut d = State::PosIdentifyForSale.reach();
    let e = pos(
        &mut d,
        PosInput::Create {
            order: pos_create(POS_ORDER, 1200, POS_KEY),
            by_key: Some(Box::new(pos_journal(None))),
            by_order_ref: Some(Box::new(pos_journal(None))),
        },
    )
    .unwrap();
    let (sale, created) = answered(&e);
    assert!(!created);
    assert_eq!(sale.state, SaleState::WaitingForCustomer);
    // The same key with another body, or the order under another key: refused.
    assert_eq!(
        pos_refusal(
            &mut d,
            PosInput::Create {
                order: pos_create(POS_ORDER, 1300, POS_KEY),
                by_key: Some(Box::new(pos_journal(None))),
                by_order_ref: Some(Box::new(pos_journal(None))),
            },
        ),
        Refused::Action(Code::PosIdempotencyMismatch)
    );
    let mut d = Desk::new(CounterMode::Cashier);
    assert_eq!(
        pos_refusal(
            &mut d,
            PosInput::Create {
                order: pos_create(POS_ORDER, 1200, "another-key"),
                by_key: None,
                by_order_ref: Some(Box::new(pos_journal(None))),
            },
        ),
        Refused::Action(Code::PosOrderRefTaken)
    );
    // A payment in doubt is resolved first.
    d.send(Input::Counts {
        pending_rechecks: 0,
        in_doubt: vec!["t-1-000001".into()],
        held: vec![],
        unresolved: vec![],
        unshown: vec![],
        rechecks: vec![],
    });
    assert_eq!(
        pos_refusal(&mut d, create("R-9", "k-9")),
        Refused::Action(Code::SalesInDoubt)
    );
}

#[test]
fn an_order_that_cannot_be_journaled_asks_the_customer_nothing() {
    let mut d = Desk::new(CounterMode::Cashier);
    d.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
    d.send(d.pos_create_input());
    let generation = d.m.generation();
    let e = d.send(Input::PosOpened {
        generation,
        written: false,
    });
    assert_eq!(
        pos_answers(&e),
        vec![(1, Err(Code::StorageFailure))],
        "{e:?}"
    );
    assert!(
        !e.iter().any(|e| matches!(e, Effect::Session { .. })),
        "no card step: {e:?}"
    );
    assert_eq!(d.at(), "idle");
}

#[test]
fn cancelled_before_the_customer_pays_and_too_late_after() {
    // Waiting for the card: cancelled, closed in the journal, the register told.
    let mut d = State::PosIdentifyForSale.reach();
    let e = pos(
        &mut d,
        PosInput::Cancel {
            journal: Some(Box::new(pos_journal(None))),
        },
    )
    .unwrap();
    assert_eq!(closes(&e), vec![(POS_ORDER.to_owned(), Code::Cancelled)]);
    let (sale, _) = answered(&e);
    assert_eq!(
        (sale.state, sale.code.as_str()),
        (SaleState::Cancelled, "cancelled")
    );
    assert_eq!(d.at(), "idle");
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::Cancelled),
        "staff see that the register cancelled"
    );
    // At the payment choice too, and after a failed attempt (the register's cancel wins).
    let choosing = || {
        let mut d = State::PosIdentifyForSale.reach();
        d.type_pin();
        d
    };
    for (state, mut d) in [
        ("choosing", choosing()),
        ("failed", State::PosSaleFailed.reach()),
    ] {
        let e = pos(
            &mut d,
            PosInput::Cancel {
                journal: Some(Box::new(pos_journal(None))),
            },
        )
        .unwrap();
        assert_eq!(
            closes(&e),
            vec![(POS_ORDER.to_owned(), Code::Cancelled)],
            "{state:?}"
        );
    }
    // Once the customer confirmed: too late, nothing changes.
    let mut d = State::PosPaying.reach();
    let refused = d.refuse(Input::Pos {
        request: 5,
        register: POS_REGISTER.into(),
        input: PosInput::Cancel {
            journal: Some(Box::new(pos_journal(None))),
        },
    });
    assert_eq!(refused, Refused::Action(Code::PosCancelTooLate));
    // Not served any more: an unpaid order is answered as it is, a paid one is too late.
    let mut d = Desk::new(CounterMode::Cashier);
    let mut unpaid = pos_journal(None);
    unpaid.order.state = crate::pos::PosOrderState::Unpaid;
    unpaid.order.reason = Some(Code::Cancelled);
    let e = pos(
        &mut d,
        PosInput::Cancel {
            journal: Some(Box::new(unpaid)),
        },
    )
    .unwrap();
    assert!(closes(&e).is_empty());
    assert_eq!(answered(&e).0.state, SaleState::Cancelled);
    let now = d.now;
    assert_eq!(
        pos_refusal(
            &mut d,
            PosInput::Cancel {
                journal: Some(Box::new(pos_journal(Some(pos_captured(now))))),
            }
        ),
        Refused::Action(Code::PosCancelTooLate)
    );
    assert_eq!(
        pos_refusal(&mut d, PosInput::Cancel { journal: None }),
        Refused::Action(Code::PosOrderUnknown)
    );
}

#[test]
fn an_order_the_counter_leaves_unpaid_is_closed_with_its_reason() {
    // The card was removed at the choice: the register reads it while staff decide.
    let mut d = State::PosSaleFailed.reach();
    let e = pos(
        &mut d,
        PosInput::Status {
            journal: Some(Box::new(pos_journal(None))),
        },
    )
    .unwrap();
    let (sale, _) = answered(&e);
    assert_eq!(
        (sale.state, sale.code.as_str()),
        (SaleState::WaitingForCustomer, "card_removed")
    );
    // Staff start it again: the same order goes on.
    let e = d.staff(StaffAction::StartAgain);
    assert!(closes(&e).is_empty(), "{e:?}");
    assert_eq!(d.at(), "identify_for_sale");
    // Staff finish instead: the order ends, with the reason.
    let mut d = State::PosSaleFailed.reach();
    let e = d.staff(StaffAction::Finish);
    assert_eq!(closes(&e), vec![(POS_ORDER.to_owned(), Code::CardRemoved)]);
    // Cancelled by staff while the customer identifies.
    let mut d = State::PosIdentifyForSale.reach();
    let e = d.staff(StaffAction::Cancel);
    assert_eq!(closes(&e), vec![(POS_ORDER.to_owned(), Code::Cancelled)]);
    // At start, every order left open but the one served is closed as interrupted.
    let mut d = State::PosIdentifyForSale.reach();
    let e = d.send(Input::Start);
    assert!(matches!(
        e.first(),
        Some(Effect::ClosePosOrdersLeftOpen { live: Some(r) }) if r == POS_ORDER
    ));
    let mut d = Desk::new(CounterMode::Cashier);
    let e = d.send(Input::Start);
    assert!(matches!(
        e.first(),
        Some(Effect::ClosePosOrdersLeftOpen { live: None })
    ));
}

#[test]
fn void_and_refund_follow_the_one_operation_rule_and_refunds_are_idempotent() {
    let mut d = State::PosIdentifyForSale.reach();
    let now = d.now;
    let paid = || Some(Box::new(pos_journal(Some(pos_captured(now)))));
    // Voided while another customer identifies: allowed, answered when it ends.
    let e = pos(&mut d, PosInput::Void { journal: paid() }).unwrap();
    assert_eq!(
        journal_op(&e),
        JournalOp::Void {
            sale_id: format!("{TERMINAL}-000001")
        }
    );
    assert!(d.m.pos_pending(5));
    // A refund racing it waits its turn: refused, nothing journaled.
    let refused = d.refuse(Input::Pos {
        request: 6,
        register: POS_REGISTER.into(),
        input: PosInput::Refund {
            journal: paid(),
            amount_jpy: 100,
            idempotency_key: "rk-1".into(),
            known: None,
        },
    });
    assert_eq!(refused, Refused::Action(Code::PaymentBusy));
    let e = d.send(Input::JournalDone(Ok(Code::PaymentVoided)));
    assert_eq!(
        pos_answers(&e),
        vec![(
            5,
            Ok(PosReply::Reread {
                order_ref: POS_ORDER.into(),
                code: Code::PaymentVoided
            })
        )]
    );
    assert!(!d.m.pos_pending(5));
    // A refund: journaled with the register's key.
    let e = pos(
        &mut d,
        PosInput::Refund {
            journal: paid(),
            amount_jpy: 100,
            idempotency_key: "rk-1".into(),
            known: None,
        },
    )
    .unwrap();
    assert!(matches!(
        journal_op(&e),
        JournalOp::PosRefund { amount_jpy: 100, ref idempotency_key, ref register, .. }
            if idempotency_key == "rk-1" && register == POS_REGISTER
    ));
    let e = d.send(Input::JournalDone(Err(Code::RefundExceedsCaptured)));
    assert_eq!(pos_answers(&e), vec![(5, Err(Code::RefundExceedsCaptured))]);
    // The same refund again (the key is journaled): answered, nothing refunded twice.
    let known = crate::pos::PosRefundKey {
        register: Some(POS_REGISTER.into()),
        idempotency_key: "rk-1".into(),
        order_ref: POS_ORDER.into(),
        amount_jpy: 100,
        refund_id: format!("{TERMINAL}-R000001"),
    };
    let e = pos(
        &mut d,
        PosInput::Refund {
            journal: paid(),
            amount_jpy: 100,
            idempotency_key: "rk-1".into(),
            known: Some(known.clone()),
        },
    )
    .unwrap();
    assert!(!e.iter().any(|e| matches!(e, Effect::Journal(_))), "{e:?}");
    assert_eq!(answered(&e).0.state, SaleState::Approved);
    assert_eq!(
        pos_refusal(
            &mut d,
            PosInput::Refund {
                journal: paid(),
                amount_jpy: 200,
                idempotency_key: "rk-1".into(),
                known: Some(known.clone()),
            }
        ),
        Refused::Action(Code::PosIdempotencyMismatch)
    );
    // The same key journaled by another register (each makes its own keys) is no request
    // of this one: neither answered with that refund nor refused, a new refund.
    let theirs = crate::pos::PosRefundKey {
        register: Some("cert:CN=register-2".into()),
        ..known
    };
    let e = pos(
        &mut d,
        PosInput::Refund {
            journal: paid(),
            amount_jpy: 100,
            idempotency_key: "rk-1".into(),
            known: Some(theirs),
        },
    )
    .unwrap();
    assert!(matches!(
        journal_op(&e),
        JournalOp::PosRefund { amount_jpy: 100, ref register, .. } if register == POS_REGISTER
    ));
    d.send(Input::JournalDone(Ok(Code::RefundDone)));
    // Nothing to void or refund before a payment; refused while a sale is paid.
    assert_eq!(
        pos_refusal(
            &mut d,
            PosInput::Void {
                journal: Some(Box::new(pos_journal(None)))
            }
        ),
        Refused::Action(Code::InvalidPaymentState)
    );
    let mut d = State::PosPaying.reach();
    let refused = d.refuse(Input::Pos {
        request: 5,
        register: POS_REGISTER.into(),
        input: PosInput::Void { journal: paid() },
    });
    assert_eq!(refused, Refused::Action(Code::PaymentBusy));
}

#[test]
fn another_registers_order_is_answered_as_none_and_a_key_of_yesterday_is_refused() {
    let other = |input| Input::Pos {
        request: 5,
        register: "cert:CN=register-2".into(),
        input,
    };
    let mut d = State::PosIdentifyForSale.reach();
    let now = d.now;
    let paid = || Some(Box::new(pos_journal(Some(pos_captured(now)))));
    // Register 1's sale, paid: register 2 can neither read, cancel, void nor refund it.
    for input in [
        PosInput::Status { journal: paid() },
        PosInput::Cancel { journal: paid() },
        PosInput::Void { journal: paid() },
        PosInput::Refund {
            journal: paid(),
            amount_jpy: 100,
            idempotency_key: "rk-2".into(),
            known: None,
        },
    ] {
        let name = input.name();
        assert_eq!(
            d.refuse(other(input)),
            Refused::Action(Code::PosOrderUnknown),
            "{name}"
        );
    }
    // Nor is it answered with it when its numbering collides: the served sale stays.
    let create = |by_key| PosInput::Create {
        order: pos_create(POS_ORDER, 1200, POS_KEY),
        by_key,
        by_order_ref: Some(Box::new(pos_journal(None))),
    };
    assert_eq!(
        d.refuse(other(create(Some(Box::new(pos_journal(None)))))),
        Refused::Action(Code::PosOrderRefTaken)
    );
    assert_eq!(d.at(), "identify_for_sale");
    // Register 1 still reads its own.
    let e = pos(&mut d, PosInput::Status { journal: paid() }).unwrap();
    assert_eq!(answered(&e).0.state, SaleState::Approved);

    // The next JST day, the same key and body again: refused, not answered with the sale
    // of the day before, and no sale is opened.
    let mut d = Desk::new(CounterMode::Cashier);
    d.now = T0.plus_secs(86_400);
    assert_eq!(
        pos_refusal(&mut d, create(Some(Box::new(pos_journal(None))))),
        Refused::Action(Code::PosKeyFromAnotherDay)
    );
    assert_eq!(d.at(), "idle");
}
