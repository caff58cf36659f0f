//! Recovery's policy: an approval the counter did not show is reversed, never silently
//! captured; one that can no longer be reversed is kept and staff are told.

use counter_api::acquirer::{PaymentStatus, Reversal, ReversalReason};
use counter_core::Code;
use counter_core::payment::*;

use crate::support::*;

fn reversal_of(
    p: counter_api::acquirer::Payment,
) -> Result<Reversal, counter_core::BackendFailure> {
    Ok(Reversal {
        original_idempotency_key: p.idempotency_key.clone(),
        found: true,
        payment: Some(p),
    })
}

#[test]
fn the_live_sale_completes_an_approval_found_by_a_status_query() {
    let mut r = sale(1, 1_000);
    on_payment(&mut r, Err(timeout()), NOW);
    let p = payment(&r, PaymentStatus::Authorised, 0, 0);
    assert_eq!(
        on_status(&mut r, Ok(Some(p)), NOW.plus_secs(1)),
        Resolution::Pending
    );
    assert_eq!(r.state, PaymentState::Authorised);
    assert_eq!(next_action(&r, true), Some(Action::Capture));
}

#[test]
fn recovery_reverses_an_approval_the_counter_never_showed() {
    // The journal write after the approval failed: the record stayed `authorising`.
    let mut r = sale(2, 1_000);
    r.recovered = true;
    assert_eq!(next_action(&r, false), Some(Action::QueryStatus));
    let p = payment(&r, PaymentStatus::Authorised, 0, 0);
    assert_eq!(
        on_status(&mut r, Ok(Some(p.clone())), NOW.plus_secs(60)),
        Resolution::Pending
    );
    assert_eq!(r.state, PaymentState::Reversing);
    assert_eq!(r.payment_id.as_deref(), Some("pay-T1-2"));
    assert_eq!(
        r.decline_reason.as_deref(),
        Some(APPROVAL_FOUND_ON_RECOVERY)
    );
    assert_eq!(next_action(&r, false), Some(Action::Reverse));
    assert_eq!(reversal_reason(&r), ReversalReason::InvalidResponse);
    let why = reversal_reason(&r);
    let req = begin_reversal(&mut r, "rev-2".into(), why, NOW.plus_secs(61));
    assert_eq!(req.original_idempotency_key, "auth-2");
    let reversed = payment(&r, PaymentStatus::Reversed, 0, 0);
    assert_eq!(
        on_reversal(&mut r, reversal_of(reversed), NOW.plus_secs(62)),
        Resolution::Settled {
            state: PaymentState::Reversed,
            code: Code::ApprovalReversedOnRecovery
        }
    );
    assert_eq!(outcome_code(&r), Code::ApprovalReversedOnRecovery);
    assert_eq!(r.cancelled_date.as_deref(), Some("2026-11-24"));
    assert_eq!(next_action(&r, false), None);
}

#[test]
fn recovery_reverses_an_approval_journaled_but_not_captured() {
    for step in [PaymentState::Authorised, PaymentState::Capturing] {
        let mut r = sale(3, 500);
        let p = payment(&r, PaymentStatus::Authorised, 0, 0);
        on_payment(&mut r, Ok(p), NOW);
        if step == PaymentState::Capturing {
            begin_capture(&mut r, "cap-3".into(), NOW);
        }
        // Live, the sale goes on to its capture; recovered, it is reversed.
        assert_eq!(next_action(&r, true), Some(Action::Capture));
        r.recovered = true;
        assert_eq!(next_action(&r, false), Some(Action::Reverse), "{step:?}");
        let why = reversal_reason(&r);
        begin_reversal(&mut r, "rev-3".into(), why, NOW.plus_secs(1));
        assert_eq!(r.state, PaymentState::Reversing);
        assert_eq!(
            r.decline_reason.as_deref(),
            Some(APPROVAL_FOUND_ON_RECOVERY)
        );
        // A capture that did go through is reversed too (same business day).
        let reversed = payment(&r, PaymentStatus::Reversed, 500, 0);
        let res = on_reversal(&mut r, reversal_of(reversed), NOW.plus_secs(2));
        assert_eq!(
            res,
            Resolution::Settled {
                state: PaymentState::Reversed,
                code: Code::ApprovalReversedOnRecovery
            },
            "{step:?}"
        );
    }
}

#[test]
fn a_settled_approval_found_on_recovery_is_kept_and_staff_are_told_to_refund() {
    let mut r = sale(4, 800);
    let p = payment(&r, PaymentStatus::Authorised, 0, 0);
    on_payment(&mut r, Ok(p), NOW);
    begin_capture(&mut r, "cap-4".into(), NOW);
    // Recovered the next business day: the capture went through and is settled.
    r.recovered = true;
    let why = reversal_reason(&r);
    begin_reversal(&mut r, "rev-4".into(), why, NOW.plus_secs(DAY));
    let refused = on_reversal(
        &mut r,
        Err(problem(409, "invalid_payment_state")),
        NOW.plus_secs(DAY),
    );
    assert_eq!(
        refused,
        Resolution::Refused {
            code: Code::InvalidPaymentState
        }
    );
    assert_eq!(r.state, PaymentState::Reversing);
    // The shell asks the acquirer what holds: captured.
    let captured = payment(&r, PaymentStatus::Captured, 800, 0);
    on_status(&mut r, Ok(Some(captured)), NOW.plus_secs(DAY + 1));
    assert_eq!(r.state, PaymentState::Captured);
    assert_eq!(outcome_code(&r), Code::ApprovalSettledOnRecovery);
    assert_eq!(
        r.decline_reason.as_deref(),
        Some(APPROVAL_SETTLED_ON_RECOVERY)
    );
}

#[test]
fn recovery_keeps_a_decline_and_reverses_what_never_arrived() {
    let mut r = sale(5, 300);
    r.recovered = true;
    let declined = payment(&r, PaymentStatus::Declined, 0, 0);
    on_status(&mut r, Ok(Some(declined)), NOW);
    assert_eq!(r.state, PaymentState::Declined);
    let mut r = sale(6, 300);
    r.recovered = true;
    on_status(&mut r, Ok(None), NOW);
    assert_eq!(r.state, PaymentState::Reversing);
    assert_eq!(reversal_reason(&r), ReversalReason::Timeout);
    assert_eq!(r.decline_reason, None);
}
