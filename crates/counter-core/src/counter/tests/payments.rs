//! One payment operation at a time: a sale being paid, a void, a refund and a recovery
//! never run side by side, so no two tasks of the shell ever drive the same sale.

use super::*;
use crate::payment::{HELD_QUERY_EVERY_SECS, RecoveryPass};

fn choose_and_pay(d: &mut Desk) -> Vec<Effect> {
    d.customer(CustomerAction::Pay {
        service_id: "acq".into(),
        amount_jpy: 1200,
    })
}

#[test]
fn recover_void_and_refund_are_refused_while_a_sale_is_paid() {
    let mut d = State::Choosing.reach();
    let (generation, assertion) = sell(&choose_and_pay(&mut d));
    assert_eq!(assertion, ASSERTION);
    for action in [
        StaffAction::Recover,
        StaffAction::Void {
            sale_id: "s-1".into(),
        },
        StaffAction::Refund {
            sale_id: "s-1".into(),
            amount_jpy: 100,
        },
        StaffAction::Cancel,
        StaffAction::Finish,
    ] {
        assert_eq!(
            d.refuse(Input::Staff(action)),
            Refused::Action(Code::PaymentBusy)
        );
        assert_eq!(
            d.m.screens().status.notice.map(|m| m.code),
            Some(Code::PaymentBusy),
            "staff are told why"
        );
    }
    // The sale's outcome ends the payment; then the journal may be worked on.
    let now = d.now;
    d.send(Input::SaleEnded {
        generation,
        result: Ok(captured(1200, now)),
    });
    assert_eq!(d.at(), "sale_ended");
    assert_eq!(
        journal_op(&d.staff(StaffAction::Recover)),
        JournalOp::Recover {
            pass: RecoveryPass::Staff,
            at: d.now,
        }
    );
}

#[test]
fn a_second_journal_operation_waits_for_the_first() {
    let mut d = Desk::new(CounterMode::Cashier);
    let void = journal_op(&d.staff(StaffAction::Void {
        sale_id: "s-1".into(),
    }));
    assert_eq!(
        void,
        JournalOp::Void {
            sale_id: "s-1".into()
        }
    );
    // A refund racing the void on the same sale is refused, not run beside it.
    let racing = Input::Staff(StaffAction::Refund {
        sale_id: "s-1".into(),
        amount_jpy: 100,
    });
    assert_eq!(d.refuse(racing), Refused::Action(Code::PaymentBusy));
    assert_eq!(
        d.refuse(Input::Staff(StaffAction::Recover)),
        Refused::Action(Code::PaymentBusy)
    );
    assert!(
        d.send(Input::JournalDone(Ok(Code::PaymentVoided)))
            .is_empty()
    );
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::PaymentVoided)
    );
    let refund = journal_op(&d.staff(StaffAction::Refund {
        sale_id: "s-1".into(),
        amount_jpy: 100,
    }));
    assert!(matches!(
        refund,
        JournalOp::Refund {
            amount_jpy: 100,
            ..
        }
    ));
}

#[test]
fn a_payment_confirmed_during_a_recovery_goes_once_the_recovery_ends() {
    let mut d = State::Choosing.reach();
    assert_eq!(
        journal_op(&d.staff(StaffAction::Recover)),
        JournalOp::Recover {
            pass: RecoveryPass::Staff,
            at: d.now,
        }
    );
    let e = choose_and_pay(&mut d);
    assert!(
        !e.iter().any(|e| matches!(e, Effect::Sell { .. })),
        "nothing is sent while the recovery drives the journal: {e:?}"
    );
    assert_eq!(d.at(), "paying");
    // Its outcome cannot arrive before it was sent.
    let generation = d.m.generation();
    let now = d.now;
    d.send(Input::SaleEnded {
        generation,
        result: Ok(captured(1200, now)),
    });
    assert_eq!(d.at(), "paying");
    let e = d.send(Input::JournalDone(Ok(Code::PaymentsRecovered)));
    let (g, assertion) = sell(&e);
    assert_eq!((g, assertion.as_str()), (generation, ASSERTION));
    // Sent once: a second journal end sends nothing more.
    assert!(
        d.send(Input::JournalDone(Ok(Code::NothingInDoubt)))
            .is_empty()
    );
}

#[test]
fn a_sale_ended_after_staff_moved_on_is_told_on_the_status_bar() {
    let mut d = State::Choosing.reach();
    let (generation, _) = sell(&choose_and_pay(&mut d));
    let now = d.now;
    let mut outcome = captured(1200, now);
    outcome.code = Code::PaymentInDoubt;
    outcome.record.state = crate::payment::PaymentState::Authorising;
    d.send(Input::SaleEnded {
        generation,
        result: Ok(outcome),
    });
    let screens = d.m.screens();
    let crate::counter::SaleStep::Done {
        receipt, message, ..
    } = (match screens.staff {
        crate::counter::StaffScreen::Sale { view } => view.step,
        other => panic!("{other:?}"),
    })
    else {
        panic!("not done")
    };
    assert_eq!(message.code, Code::PaymentInDoubt);
    assert!(receipt.is_none(), "no receipt for a sale not captured");
    // The customer reads the customer-safe line only.
    match screens.customer {
        crate::counter::CustomerScreen::Paying { message } => {
            assert_eq!(message.unwrap().code, Code::PaymentInDoubt.for_customer());
        }
        other => panic!("{other:?}"),
    }

    // Another sale: staff finish, the late outcome of the earlier one reaches the notice.
    let mut d = State::Choosing.reach();
    let (generation, _) = sell(&choose_and_pay(&mut d));
    let now = d.now;
    // Finish is refused while paying: the outcome is on its way.
    d.refuse(Input::Staff(StaffAction::Finish));
    d.send(Input::SaleEnded {
        generation,
        result: Err(Code::AcquirerUnavailable),
    });
    d.staff(StaffAction::Finish);
    d.send(Input::SaleEnded {
        generation,
        result: Ok(captured(1200, now)),
    });
    assert_eq!(d.at(), "idle");
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::PaymentApproved)
    );
}

#[test]
fn payments_in_doubt_are_resolved_in_the_background_and_only_new_card_sales_wait() {
    let mut d = Desk::new(CounterMode::Cashier);
    // At start, a recovery runs whatever the counts say.
    assert_eq!(
        journal_op(&d.send(Input::Start)),
        JournalOp::Recover {
            pass: RecoveryPass::Start,
            at: d.now,
        }
    );
    d.send(Input::Counts {
        pending_rechecks: 0,
        in_doubt: vec!["t-counter-1-000007".into()],
        held: vec![],
        unresolved: vec![],
        unshown: vec![],
        rechecks: vec![],
    });
    let status = d.m.screens().status;
    assert_eq!(
        (status.payments_in_doubt, status.in_doubt.as_slice()),
        (1, ["t-counter-1-000007".to_owned()].as_slice())
    );
    // A new card sale waits, with the reason; staff are told on the status bar.
    let new_sale = || {
        Input::Staff(StaffAction::NewSale {
            amount_jpy: 500,
            order_ref: None,
        })
    };
    assert_eq!(d.refuse(new_sale()), Refused::Action(Code::SalesInDoubt));
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::SalesInDoubt)
    );
    // The timer does not start a second recovery beside the running one.
    assert!(d.send(Input::RecoveryDue).is_empty());
    // Still in doubt when it ends (the acquirer is down): staff are told, and it is tried
    // again later.
    assert!(
        d.send(Input::JournalDone(Ok(Code::PaymentInDoubt)))
            .is_empty()
    );
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::PaymentInDoubt)
    );
    assert_eq!(
        journal_op(&d.send(Input::RecoveryDue)),
        JournalOp::Recover {
            pass: RecoveryPass::Timed,
            at: d.now,
        }
    );
    d.send(Input::Counts {
        pending_rechecks: 0,
        in_doubt: vec![],
        held: vec![],
        unresolved: vec![],
        unshown: vec![],
        rechecks: vec![],
    });
    d.send(Input::JournalDone(Ok(Code::PaymentsRecovered)));
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::PaymentsRecovered)
    );
    // Nothing in doubt: the timer starts nothing, and sales go again.
    assert!(d.send(Input::RecoveryDue).is_empty());
    assert_eq!(d.send(new_sale()).len(), 0);
    assert_eq!(d.at(), "identify_for_sale");

    // At reception the checks never wait for it.
    let mut d = Desk::new(CounterMode::Reception);
    d.send(Input::Start);
    d.send(Input::Counts {
        pending_rechecks: 0,
        in_doubt: vec!["t-counter-1-000007".into()],
        held: vec![],
        unresolved: vec![],
        unshown: vec![],
        rechecks: vec![],
    });
    d.place();
    d.type_pin();
    assert_eq!(d.at(), "check");
}

#[test]
fn the_status_bar_names_the_sales_staff_must_call_the_acquirer_about() {
    let mut d = Desk::new(CounterMode::Cashier);
    d.send(Input::Start);
    d.send(Input::Counts {
        pending_rechecks: 0,
        in_doubt: vec!["t-1-000003".into(), "t-1-000007".into()],
        held: vec![],
        unresolved: vec!["t-1-000007".into()],
        unshown: vec![],
        rechecks: vec![],
    });
    let status = d.m.screens().status;
    assert_eq!(status.payments_in_doubt, 2);
    assert_eq!(status.unresolved, ["t-1-000007".to_owned()]);
    assert_eq!(
        status.unresolved_notice.map(|m| m.code),
        Some(Code::PaymentUnresolved)
    );
    // Still resolved in the background: the timer runs a recovery.
    assert!(
        d.send(Input::JournalDone(Ok(Code::PaymentInDoubt)))
            .is_empty()
    );
    assert_eq!(
        journal_op(&d.send(Input::RecoveryDue)),
        JournalOp::Recover {
            pass: RecoveryPass::Timed,
            at: d.now,
        }
    );
    // Resolved at last: the line goes.
    d.send(Input::Counts {
        pending_rechecks: 0,
        in_doubt: vec![],
        held: vec![],
        unresolved: vec![],
        unshown: vec![],
        rechecks: vec![],
    });
    let status = d.m.screens().status;
    assert!(status.unresolved.is_empty() && status.unresolved_notice.is_none());
}

#[test]
fn a_background_recovery_that_finds_nothing_says_nothing() {
    let mut d = Desk::new(CounterMode::Cashier);
    d.send(Input::Start);
    d.send(Input::JournalDone(Ok(Code::NothingInDoubt)));
    assert!(d.m.screens().status.notice.is_none());
    // Staff's own recovery is always answered.
    d.staff(StaffAction::Recover);
    d.send(Input::JournalDone(Ok(Code::NothingInDoubt)));
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::NothingInDoubt)
    );
}

#[test]
fn a_captured_sale_gives_the_customer_a_receipt() {
    let d = State::SaleEnded.reach();
    match d.m.screens().staff {
        crate::counter::StaffScreen::Sale { view } => match view.step {
            crate::counter::SaleStep::Done { receipt, .. } => {
                let r = receipt.expect("a receipt");
                assert!(r.lines.iter().any(|(_, v)| v.contains("1,200")), "{r:?}");
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_held_refund_lets_new_sales_go_and_staff_settle_it_from_the_status_bar() {
    use crate::payment::{AcquirerSaid, RefundRecord, RefundState};
    let held = RefundRecord {
        id: "t-1-R000002".into(),
        payment: "t-1-000001".into(),
        idempotency_key: "t-1-000001-refund-2".into(),
        amount_jpy: 700,
        state: RefundState::Refunding,
        business_date: "2026-11-10".into(),
        reason: None,
        created_at: UnixTime::from_secs(1_762_736_400),
        updated_at: UnixTime::from_secs(1_762_736_400),
        attempts: 1,
        version: 0,
    };
    let mut d = Desk::new(CounterMode::Cashier);
    d.send(Input::Start);
    d.send(Input::JournalDone(Ok(Code::PaymentUnresolved)));
    // The shell counts a held refund apart: not in doubt (nothing is sent for it).
    d.send(Input::Counts {
        pending_rechecks: 0,
        in_doubt: vec![],
        held: vec![held.clone()],
        unresolved: vec![held.id.clone()],
        unshown: vec![],
        rechecks: vec![],
    });
    let status = d.m.screens().status;
    assert_eq!(status.held_refunds, std::slice::from_ref(&held));
    assert_eq!(status.payments_in_doubt, 0);
    // The recovery at start asked about it: the timer does not ask again within the hour.
    assert!(d.send(Input::RecoveryDue).is_empty());
    d.now = d.now.plus_secs(HELD_QUERY_EVERY_SECS - 10);
    assert!(d.send(Input::RecoveryDue).is_empty());
    // An hour on, a timed recovery runs for it alone (the shell asks the acquirer's record
    // of its sale, `payment::held_query_due`), and not again for another hour.
    d.now = d.now.plus_secs(10);
    assert_eq!(
        journal_op(&d.send(Input::RecoveryDue)),
        JournalOp::Recover {
            pass: RecoveryPass::Timed,
            at: d.now,
        }
    );
    d.send(Input::JournalDone(Ok(Code::PaymentUnresolved)));
    assert!(d.send(Input::RecoveryDue).is_empty());
    // Staff's Recover asks at once, and the timer counts the hour from it.
    d.now = d.now.plus_secs(HELD_QUERY_EVERY_SECS - 60);
    assert_eq!(
        journal_op(&d.staff(StaffAction::Recover)),
        JournalOp::Recover {
            pass: RecoveryPass::Staff,
            at: d.now,
        }
    );
    d.send(Input::JournalDone(Ok(Code::PaymentUnresolved)));
    d.now = d.now.plus_secs(120);
    assert!(d.send(Input::RecoveryDue).is_empty());
    let settle = |refund_id: &str| {
        Input::Staff(StaffAction::SettleHeldRefund {
            refund_id: refund_id.into(),
            said: AcquirerSaid::NotRefunded,
        })
    };
    // One not listed goes to the shell, which reads the journal: settled already
    // (`refund_already_settled`) or no such refund (`refund_unknown`).
    assert_eq!(
        journal_op(&d.send(settle("t-1-R000009"))),
        JournalOp::SettleHeldRefund {
            refund_id: "t-1-R000009".into(),
            said: AcquirerSaid::NotRefunded,
        }
    );
    d.send(Input::JournalDone(Err(Code::RefundUnknown)));
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::RefundUnknown)
    );
    assert_eq!(
        journal_op(&d.send(settle(&held.id))),
        JournalOp::SettleHeldRefund {
            refund_id: held.id.clone(),
            said: AcquirerSaid::NotRefunded,
        }
    );
    d.send(Input::JournalDone(Ok(Code::HeldRefundRecordedNotRefunded)));
    assert_eq!(
        d.m.screens().status.notice.map(|m| m.code),
        Some(Code::HeldRefundRecordedNotRefunded)
    );
    // A new card sale was never held back by it.
    let sale = d.send(Input::Staff(StaffAction::NewSale {
        amount_jpy: 500,
        order_ref: None,
    }));
    assert!(sale.is_empty(), "{sale:?}");
    assert_eq!(d.at(), "identify_for_sale");
    // A refund the counter still sends may yet be made: its answer is not taken.
    d.send(Input::Counts {
        pending_rechecks: 0,
        in_doubt: vec!["t-1-R000003".into()],
        held: vec![],
        unresolved: vec![],
        unshown: vec![],
        rechecks: vec![],
    });
    assert_eq!(
        d.refuse(settle("t-1-R000003")),
        Refused::Action(Code::RefundNotHeld)
    );
}

#[test]
fn a_held_refund_settled_by_the_record_in_the_background_stays_named_until_staff_act() {
    use crate::payment::HeldSettled;
    let settled = |refund: &str, sale: &str, amount_jpy, made| HeldSettled {
        refund_id: refund.into(),
        sale_id: sale.into(),
        amount_jpy,
        made,
    };
    let notice = |d: &Desk| d.m.screens().status.notice.unwrap();
    let mut d = Desk::new(CounterMode::Cashier);
    assert!(matches!(
        journal_op(&d.send(Input::Start)),
        JournalOp::Recover { .. }
    ));
    d.send(Input::RecoveryDone {
        result: Ok(Code::NothingInDoubt),
        settled: vec![settled("t-1-R000002", "t-1-000001", 700, false)],
    });
    let m = notice(&d);
    assert_eq!(m.code, Code::HeldRefundFoundNotRefunded);
    assert!(
        m.en.starts_with("Recorded from the acquirer's record"),
        "{}",
        m.en
    );
    assert!(
        m.en.contains("refund t-1-R000002 of sale t-1-000001, 700 yen: not refunded"),
        "{}",
        m.en
    );
    assert!(m.ja.contains("取引番号 t-1-000001、700円"), "{}", m.ja);
    // The 30 s pass for a sale in doubt reports what it found: the news stays.
    d.send(Input::Counts {
        pending_rechecks: 0,
        in_doubt: vec!["t-1-000005".into()],
        held: vec![],
        unresolved: vec![],
        unshown: vec![],
        rechecks: vec![],
    });
    for report in [Code::PaymentInDoubt, Code::PaymentsRecovered] {
        assert!(matches!(
            journal_op(&d.send(Input::RecoveryDue)),
            JournalOp::Recover { .. }
        ));
        d.send(Input::RecoveryDone {
            result: Ok(report),
            settled: vec![],
        });
        assert_eq!(notice(&d), m, "{report:?}");
    }
    // A later pass settling another adds it: both are named, "not refunded" leads.
    journal_op(&d.send(Input::RecoveryDue));
    d.send(Input::RecoveryDone {
        result: Ok(Code::PaymentInDoubt),
        settled: vec![settled("t-1-R000004", "t-1-000003", 300, true)],
    });
    let both = notice(&d);
    assert_eq!(both.code, Code::HeldRefundFoundNotRefunded);
    assert!(both.en.contains("t-1-R000002") && both.en.contains("t-1-R000004"));
    assert!(
        both.en.contains("sale t-1-000003, 300 yen: refunded"),
        "{}",
        both.en
    );
    // Staff act: the news is read; the next pass's report is shown again.
    d.staff(StaffAction::Recover);
    d.send(Input::RecoveryDone {
        result: Ok(Code::PaymentInDoubt),
        settled: vec![],
    });
    assert_eq!(notice(&d).code, Code::PaymentInDoubt);
    // Once read, a new settlement names only itself.
    journal_op(&d.send(Input::RecoveryDue));
    d.send(Input::RecoveryDone {
        result: Ok(Code::PaymentInDoubt),
        settled: vec![settled("t-1-R000006", "t-1-000005", 100, true)],
    });
    let alone = notice(&d);
    assert_eq!(alone.code, Code::HeldRefundFoundRefunded);
    assert!(!alone.en.contains("t-1-R000002"), "{}", alone.en);
}

#[test]
fn held_refund_news_comes_back_after_a_newer_notice_and_goes_once_staff_saw_it() {
    let notice = |d: &Desk| d.m.screens().status.notice.map(|m| m.code);
    let mut d = Desk::new(CounterMode::Cashier);
    journal_op(&d.send(Input::Start));
    d.send(Input::RecoveryDone {
        result: Ok(Code::NothingInDoubt),
        settled: vec![crate::payment::HeldSettled {
            refund_id: "t-1-R000002".into(),
            sale_id: "t-1-000001".into(),
            amount_jpy: 700,
            made: false,
        }],
    });
    let news = d.m.screens().status.notice;
    assert_eq!(notice(&d), Some(Code::HeldRefundFoundNotRefunded));
    // Newer notices (the daily close, a storage failure) show first, and a background pass
    // ending meanwhile does not forget the news.
    d.send(Input::Notice(Code::PaymentsRecovered));
    assert_eq!(notice(&d), Some(Code::PaymentsRecovered));
    d.send(Input::Storage { ok: false });
    assert_eq!(notice(&d), Some(Code::StorageFailure));
    d.send(Input::Counts {
        pending_rechecks: 0,
        in_doubt: vec!["t-1-000005".into()],
        held: vec![],
        unresolved: vec![],
        unshown: vec![],
        rechecks: vec![],
    });
    journal_op(&d.send(Input::RecoveryDue));
    d.send(Input::RecoveryDone {
        result: Ok(Code::PaymentInDoubt),
        settled: vec![],
    });
    assert_eq!(notice(&d), Some(Code::StorageFailure));
    // Staff dismiss the newer notice: the news is back, whole.
    d.staff(StaffAction::SetMode {
        mode: CounterMode::Cashier,
    });
    assert_eq!(d.m.screens().status.notice, news);
    // Staff act while it is shown: it is read, and gone.
    d.staff(StaffAction::SetMode {
        mode: CounterMode::Cashier,
    });
    assert_eq!(notice(&d), None);
}

#[test]
fn a_recovery_failing_after_it_settled_a_held_refund_names_it_after_the_failure() {
    let notice = |d: &Desk| d.m.screens().status.notice.map(|m| m.code);
    let mut d = Desk::new(CounterMode::Cashier);
    journal_op(&d.send(Input::Start));
    d.send(Input::RecoveryDone {
        result: Ok(Code::NothingInDoubt),
        settled: vec![],
    });
    journal_op(&d.staff(StaffAction::Recover));
    d.send(Input::RecoveryDone {
        result: Err(Code::StorageFailure),
        settled: vec![crate::payment::HeldSettled {
            refund_id: "t-1-R000002".into(),
            sale_id: "t-1-000001".into(),
            amount_jpy: 700,
            made: true,
        }],
    });
    assert_eq!(notice(&d), Some(Code::StorageFailure));
    d.staff(StaffAction::SetMode {
        mode: CounterMode::Cashier,
    });
    assert_eq!(notice(&d), Some(Code::HeldRefundFoundRefunded));
}
