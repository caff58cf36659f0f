//! The payment state machine (docs/domain/payments-and-eid-clients.md §1.10) on amounts: which
//! operation is allowed in which state, and what it leaves behind.
//!
//! ```text
//! authorise ─► Authorised ─capture─► Captured ─refund─► PartiallyRefunded ─refund─► Refunded
//!          └─► Captured (automatic)  │                  (Σ refunds ≤ captured)
//!          └─► Declined (final)      └─void / reversal (same business day, nothing refunded)─► Voided / Reversed
//! Authorised ─void─► Voided   Authorised ─reversal─► Reversed
//! ```

use counter_api::acquirer::PaymentStatus;

/// The money state of a payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amounts {
    /// State.
    pub status: PaymentStatus,
    /// Authorised (yen).
    pub amount: u64,
    /// Captured (yen).
    pub captured: u64,
    /// Refunded (yen).
    pub refunded: u64,
}

/// Why an operation is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// Not allowed in this state.
    #[error("a payment that is {status:?} cannot be {operation}")]
    InvalidState {
        /// The state.
        status: PaymentStatus,
        /// The operation (past participle: "captured", "voided", ...).
        operation: &'static str,
    },
    /// More than may be captured or refunded.
    #[error("{requested} yen is more than the {allowed} yen that may be {operation}")]
    AmountExceeded {
        /// Asked.
        requested: u64,
        /// Allowed.
        allowed: u64,
        /// The operation.
        operation: &'static str,
    },
    /// Zero yen.
    #[error("the amount must be at least 1 yen")]
    ZeroAmount,
    /// A void or reversal after the business day of the payment (it is settled: refund).
    #[error("the payment is from an earlier business day and settled; refund it instead")]
    Settled,
}

/// An issuer's answer to an authorisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssuerAnswer {
    /// Approved.
    Approved,
    /// Declined with a decline code (`do_not_honour`, `insufficient_funds`).
    Declined(&'static str),
}

/// The demo issuer: a blocked token is declined `do_not_honour`, an amount above the
/// token's limit `insufficient_funds`.
pub fn issuer_answer(blocked: bool, limit: Option<u64>, amount: u64) -> IssuerAnswer {
    if blocked {
        return IssuerAnswer::Declined("do_not_honour");
    }
    match limit {
        Some(l) if amount > l => IssuerAnswer::Declined("insufficient_funds"),
        _ => IssuerAnswer::Approved,
    }
}

/// Captures `amount` (the whole authorisation when `None`) of an authorised payment.
pub fn capture(p: Amounts, amount: Option<u64>) -> Result<Amounts, Refusal> {
    if p.status != PaymentStatus::Authorised {
        return Err(Refusal::InvalidState {
            status: p.status,
            operation: "captured",
        });
    }
    let a = amount.unwrap_or(p.amount);
    if a == 0 {
        return Err(Refusal::ZeroAmount);
    }
    if a > p.amount {
        return Err(Refusal::AmountExceeded {
            requested: a,
            allowed: p.amount,
            operation: "captured",
        });
    }
    Ok(Amounts {
        status: PaymentStatus::Captured,
        captured: a,
        ..p
    })
}

/// Cancels an authorised payment, or a captured one of the same business day with nothing
/// refunded (`same_day`: the payment's business day is today's), into `into` (voided or
/// reversed).
fn cancel(
    p: Amounts,
    same_day: bool,
    into: PaymentStatus,
    operation: &'static str,
) -> Result<Amounts, Refusal> {
    match p.status {
        PaymentStatus::Authorised => {}
        PaymentStatus::Captured if p.refunded == 0 => {
            if !same_day {
                return Err(Refusal::Settled);
            }
        }
        status => return Err(Refusal::InvalidState { status, operation }),
    }
    Ok(Amounts { status: into, ..p })
}

/// Voids a payment (before settlement).
pub fn void(p: Amounts, same_day: bool) -> Result<Amounts, Refusal> {
    cancel(p, same_day, PaymentStatus::Voided, "voided")
}

/// Reverses an authorisation whose outcome the terminal did not learn. Idempotent: a
/// payment already reversed, voided or declined stays as it is (nothing to undo).
pub fn reverse(p: Amounts, same_day: bool) -> Result<Amounts, Refusal> {
    match p.status {
        PaymentStatus::Reversed | PaymentStatus::Voided | PaymentStatus::Declined => Ok(p),
        _ => cancel(p, same_day, PaymentStatus::Reversed, "reversed"),
    }
}

/// Refunds `amount` of a captured payment; the refunds never exceed the captured amount.
pub fn refund(p: Amounts, amount: u64) -> Result<Amounts, Refusal> {
    if !matches!(
        p.status,
        PaymentStatus::Captured | PaymentStatus::PartiallyRefunded
    ) {
        return Err(Refusal::InvalidState {
            status: p.status,
            operation: "refunded",
        });
    }
    if amount == 0 {
        return Err(Refusal::ZeroAmount);
    }
    let allowed = p.captured.saturating_sub(p.refunded);
    if amount > allowed {
        return Err(Refusal::AmountExceeded {
            requested: amount,
            allowed,
            operation: "refunded",
        });
    }
    let refunded = p.refunded + amount;
    Ok(Amounts {
        status: if refunded == p.captured {
            PaymentStatus::Refunded
        } else {
            PaymentStatus::PartiallyRefunded
        },
        refunded,
        ..p
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use PaymentStatus as S;

    fn authorised(amount: u64) -> Amounts {
        Amounts {
            status: S::Authorised,
            amount,
            captured: 0,
            refunded: 0,
        }
    }

    #[test]
    fn capture_whole_or_part_never_more() {
        assert_eq!(capture(authorised(1000), None).unwrap().captured, 1000);
        assert_eq!(capture(authorised(1000), Some(600)).unwrap().captured, 600);
        assert!(matches!(
            capture(authorised(1000), Some(1001)),
            Err(Refusal::AmountExceeded { allowed: 1000, .. })
        ));
        assert_eq!(capture(authorised(1000), Some(0)), Err(Refusal::ZeroAmount));
        let c = capture(authorised(1000), None).unwrap();
        assert!(matches!(
            capture(c, None),
            Err(Refusal::InvalidState {
                status: S::Captured,
                ..
            })
        ));
    }

    #[test]
    fn refunds_partial_then_full_never_above_captured() {
        let c = capture(authorised(1000), None).unwrap();
        assert!(matches!(
            refund(authorised(1000), 1),
            Err(Refusal::InvalidState { .. })
        ));
        let p = refund(c, 300).unwrap();
        assert_eq!((p.status, p.refunded), (S::PartiallyRefunded, 300));
        assert!(matches!(
            refund(p, 701),
            Err(Refusal::AmountExceeded { allowed: 700, .. })
        ));
        let f = refund(p, 700).unwrap();
        assert_eq!((f.status, f.refunded), (S::Refunded, 1000));
        assert!(refund(f, 1).is_err());
    }

    #[test]
    fn void_before_settlement_only() {
        assert_eq!(void(authorised(5), false).unwrap().status, S::Voided);
        let c = capture(authorised(5), None).unwrap();
        assert_eq!(void(c, true).unwrap().status, S::Voided);
        assert_eq!(void(c, false), Err(Refusal::Settled));
        let r = refund(c, 1).unwrap();
        assert!(matches!(void(r, true), Err(Refusal::InvalidState { .. })));
    }

    #[test]
    fn reversal_is_idempotent() {
        let r = reverse(authorised(5), true).unwrap();
        assert_eq!(r.status, S::Reversed);
        assert_eq!(reverse(r, true).unwrap(), r);
        let d = Amounts {
            status: S::Declined,
            ..authorised(5)
        };
        assert_eq!(reverse(d, true).unwrap(), d);
    }

    #[test]
    fn demo_issuer() {
        assert_eq!(issuer_answer(false, None, 10), IssuerAnswer::Approved);
        assert_eq!(issuer_answer(false, Some(10), 10), IssuerAnswer::Approved);
        assert_eq!(
            issuer_answer(false, Some(10), 11),
            IssuerAnswer::Declined("insufficient_funds")
        );
        assert_eq!(
            issuer_answer(true, None, 1),
            IssuerAnswer::Declined("do_not_honour")
        );
    }
}
