//! What staff read while a sale is not final.

use counter_api::acquirer::PaymentStatus;
use counter_core::payment::*;
use counter_core::{BackendFailure, Code};

use crate::support::*;

fn refused_to_connect() -> BackendFailure {
    BackendFailure::Unreachable {
        sent: false,
        detail: "connection refused".into(),
    }
}

#[test]
fn a_sale_that_is_not_final_is_reported_in_doubt_whatever_its_last_round_met() {
    // A live capture whose first answer was lost, then the acquirer refused the
    // connection: the capture may have gone through.
    let mut r = sale(40, 1_000);
    let p = payment(&r, PaymentStatus::Authorised, 0, 0);
    on_payment(&mut r, Ok(p), NOW);
    begin_capture(&mut r, "cap-40".into(), NOW);
    on_payment(&mut r, Err(timeout()), NOW.plus_secs(1));
    let last = on_payment(&mut r, Err(refused_to_connect()), NOW.plus_secs(2));
    assert_eq!(
        last,
        Resolution::Refused {
            code: Code::AcquirerUnavailable
        }
    );
    assert_eq!(r.state, PaymentState::Capturing);
    // The refusal stays for staff who look, but the sale is reported in doubt, not as
    // "offer another way to pay".
    assert_eq!(r.last_error.as_deref(), Some("unreachable"));
    assert_eq!(report_code(&r), Code::PaymentInDoubt);

    // Every state: the outcome once final, in doubt before.
    for state in PaymentState::ALL {
        let mut r = sale(41, 10);
        r.state = state;
        let want = if state.is_final() {
            outcome_code(&r)
        } else {
            Code::PaymentInDoubt
        };
        assert_eq!(report_code(&r), want, "{state:?}");
        assert_ne!(
            report_code(&r) == Code::PaymentInDoubt,
            state.is_final(),
            "{state:?}"
        );
    }
}

#[test]
fn a_recovery_is_in_doubt_while_any_sale_it_drove_is_not_final() {
    assert_eq!(recovery_code([]), Code::NothingInDoubt);
    let mut done = sale(42, 10);
    done.state = PaymentState::Reversed;
    assert_eq!(recovery_code([&done]), Code::PaymentsRecovered);
    // Approved and not captured is not final either, nor in doubt by its state's name.
    for state in [PaymentState::Authorised, PaymentState::Capturing] {
        let mut open = sale(43, 10);
        open.state = state;
        assert_eq!(
            recovery_code([&done, &open]),
            Code::PaymentInDoubt,
            "{state:?}"
        );
    }
}
