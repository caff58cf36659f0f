//! What the two windows may ask of the counter: [`StaffAction`] and [`CustomerAction`],
//! the counter's modes, and the refusal of an action ([`ActionError`]). Exported to
//! TypeScript (feature `ts`); the app gives each window only its own half.
//!
//! Nothing here carries a PIN or a password out: the customer's typed secret comes in once
//! ([`CustomerAction::Pin`], [`CustomerAction::Password`]), is zeroised after the machine
//! took it, and no screen has a field for it or its length.

use std::fmt;

use counter_api::platform::ServiceLink;
use serde::{Deserialize, Serialize};

use super::screens::Message;
use crate::codes::Code;
use crate::eligibility::{CustomerConsents, FallbackForm, FallbackReason};

/// What the counter is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CounterMode {
    /// A clinic's reception: eligibility checks (医療機関).
    Reception,
    /// A pharmacy's counter: eligibility checks (薬局).
    Pharmacy,
    /// A till: payments.
    Cashier,
}

/// What the staff window may do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum StaffAction {
    /// Switch the counter between reception, pharmacy and cashier (only when idle).
    SetMode {
        /// The new mode.
        mode: CounterMode,
    },
    /// The customer agreed to use the PIN's (or password's) last try.
    ConfirmLastTry,
    /// Start the identification (or enrollment) again with the card on the reader.
    StartAgain,
    /// Cancel what runs now; the counter returns to idle.
    Cancel,
    /// Done with this patient or customer: clear both screens.
    Finish,
    /// Reception and pharmacy: the patient expected next (or at the check running, until
    /// the insurer answers), compared with the insurer's answer. Name in kanji or kana,
    /// birth date `YYYY-MM-DD`; either may be empty, both empty clears it.
    ExpectPatient {
        /// 氏名 (kanji or kana).
        name: String,
        /// 生年月日.
        birth_date: String,
    },
    /// Reception and pharmacy: the booked patient who arrived is the patient expected, with
    /// everything the clinic holds (name, kana, birth date, sex, insurance), as
    /// [`StaffAction::ExpectPatient`] sets a typed one.
    ExpectAppointment {
        /// The appointment's id (the appointments list names it).
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        appointment_id: u64,
    },
    /// Eligibility: the warnings were read (lifts the R7 hold on the details).
    AcknowledgeWarnings,
    /// Eligibility: this record of several matches is the patient's.
    ChooseRecord {
        /// `ResultList` index.
        index: u32,
    },
    /// Eligibility without the card (or after it failed): staff will record a document.
    StartFallback {
        /// Why the check falls back to a document (the card, platform or insurer failed).
        reason: FallbackReason,
    },
    /// Eligibility: what the patient presented instead.
    RecordFallback {
        /// The form as staff filled it in.
        form: FallbackForm,
    },
    /// Eligibility: write the receipt system's files again.
    Export,
    /// Eligibility, after an acknowledged mismatch with the expected patient: the person
    /// whose card was read is another patient (a family member, a walk-in). The check and
    /// its co-payment are theirs, written for the receipt system without the expected
    /// patient's chart id; the expected patient stays expected for the next check.
    ConfirmAnotherPatient,
    /// Cashier: a new sale; the customer then places the card.
    NewSale {
        /// The amount in yen (1 to 99,999,999).
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        amount_jpy: u64,
        /// The till's order reference, if any.
        order_ref: Option<String>,
    },
    /// Reception and pharmacy: take the co-payment of a visit (a check of today with a
    /// result); the customer then pays with the card and a new PIN.
    TakeCoPayment {
        /// The visit's check id.
        check_id: String,
        /// The amount in yen (1 to 99,999,999).
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        amount_jpy: u64,
    },
    /// Journal: void a sale of today.
    Void {
        /// The sale's id.
        sale_id: String,
    },
    /// Status bar: the customer of a sale the counter charged without showing it
    /// ([`super::Status::unshown`]) paid by card: journal it as shown (seen by staff) and
    /// take it off the list. (If they paid another way, staff void it instead.)
    ConfirmCardSale {
        /// The sale's id.
        sale_id: String,
    },
    /// Status bar: staff saw the finished re-check of check `check_id`
    /// ([`super::Status::rechecks`]: it contradicts what the patient presented, or was
    /// given up) and will act on it: journal that and take it off the list.
    ConfirmRecheck {
        /// The check's id.
        check_id: String,
    },
    /// Journal: refund part or all of a sale.
    Refund {
        /// The sale's id.
        sale_id: String,
        /// The amount in yen.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        amount_jpy: u64,
    },
    /// Resolve every payment in doubt now.
    Recover,
    /// Status bar: record what the acquirer told staff about refund `refund_id`, held past
    /// the recovery horizon ([`super::Status::held_refunds`]): nothing is sent; the refund
    /// ends made or refused ([`crate::payment::settle_held_refund`]).
    SettleHeldRefund {
        /// The refund's id.
        refund_id: String,
        /// The acquirer's answer.
        said: crate::payment::AcquirerSaid,
    },
    /// Enrollment: link these services to the card placed next.
    StartEnrollment {
        /// What to link (insurance, payment), as staff prepared it.
        services: Vec<ServiceLink>,
    },
}

/// What the customer window may do. `Debug` never shows a PIN or password; it is never
/// serialised (it only comes in), cloned or kept.
#[derive(PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CustomerAction {
    /// The auth PIN typed on the customer keypad (4 digits). Zeroised once used.
    Pin {
        /// The digits.
        digits: String,
    },
    /// The PIN pad: enter the PIN again.
    RetryPin,
    /// The signature password typed on the customer keyboard (6–16). Zeroised once used.
    Password {
        /// The text.
        text: String,
    },
    /// The service picked on the menu.
    ChooseService {
        /// Its id.
        service_id: String,
    },
    /// The consent screens answered.
    Consent {
        /// The answers.
        consents: CustomerConsents,
    },
    /// Enrollment: the four attributes are right; and whether the customer agrees that they
    /// go to the services named, which confirm each link against their own record.
    ConfirmAttributes {
        /// The customer's answer to the disclosure.
        disclosure_consent: bool,
    },
    /// Enrollment: they are not.
    RejectAttributes,
    /// Cashier: the payment method picked and the amount confirmed.
    Pay {
        /// The payment service picked.
        service_id: String,
        /// The amount the screen showed.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        amount_jpy: u64,
    },
    /// More time, please.
    ExtendTime,
    /// Stop.
    Cancel,
}

impl fmt::Debug for CustomerAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pin { .. } => f.write_str("Pin(<redacted>)"),
            Self::Password { .. } => f.write_str("Password(<redacted>)"),
            Self::RetryPin => f.write_str("RetryPin"),
            Self::ChooseService { service_id } => write!(f, "ChooseService({service_id})"),
            Self::Consent { .. } => f.write_str("Consent"),
            Self::ConfirmAttributes { disclosure_consent } => {
                write!(f, "ConfirmAttributes(consent: {disclosure_consent})")
            }
            Self::RejectAttributes => f.write_str("RejectAttributes"),
            Self::Pay { service_id, .. } => write!(f, "Pay({service_id})"),
            Self::ExtendTime => f.write_str("ExtendTime"),
            Self::Cancel => f.write_str("Cancel"),
        }
    }
}

impl Drop for CustomerAction {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        match self {
            Self::Pin { digits } => digits.zeroize(),
            Self::Password { text } => text.zeroize(),
            _ => {}
        }
    }
}

/// An action the counter refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[error("{}", .message.en)]
pub struct ActionError {
    /// Why, and what to do.
    pub message: Message,
}

impl From<Code> for ActionError {
    fn from(code: Code) -> Self {
        Self {
            message: Message::of(code),
        }
    }
}

impl ActionError {
    /// The refusal as the customer's window may show it: a line fit for the customer stays,
    /// a staff-only one ("that action does not fit this step", "the journal could not be
    /// written", "send the log to the administrator") becomes [`Code::AskStaff`]. Whatever
    /// answers the customer's window passes its refusals through this.
    pub fn for_customer(self) -> Self {
        Self::from(self.message.code.for_customer())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_reads_only_lines_fit_for_them() {
        for code in [Code::NotNow, Code::Internal, Code::StorageFailure] {
            assert_eq!(
                ActionError::from(code).for_customer().message,
                Message::of(Code::AskStaff),
                "{code:?}"
            );
        }
        assert_eq!(
            ActionError::from(Code::PinFormat).for_customer().message,
            Message::of(Code::PinFormat)
        );
    }
}
