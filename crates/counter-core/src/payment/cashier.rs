//! The cashier's sale between identification and authorisation: the customer picks, on
//! their own screen, the linked payment method from the platform's menu and confirms the
//! amount (docs/domain/payments-and-eid-clients.md §4 "Consent": amount, merchant and card shown
//! before the payment). The identification's challenge already bound the merchant and the
//! amount (purpose `payment`), so the assertion can pay exactly this sale and nothing else.

use counter_api::platform::{MenuEntry, ServiceKind};
use serde::{Deserialize, Serialize};

use crate::UnixTime;
use crate::codes::Code;

/// One payment method the customer may pick.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentOption {
    /// The platform's service id (the acquirer).
    pub service_id: String,
    /// What the customer reads (e.g. "クレジットカード").
    pub label: String,
}

/// The sale waiting for the customer's choice and confirmation.
#[derive(Clone, PartialEq, Eq)]
pub struct Checkout {
    merchant_id: String,
    amount_jpy: u64,
    entries: Vec<MenuEntry>,
}

impl std::fmt::Debug for Checkout {
    /// Without the assertions (bearer tokens for this sale).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkout")
            .field("merchant_id", &self.merchant_id)
            .field("amount_jpy", &self.amount_jpy)
            .field("options", &self.entries.len())
            .finish()
    }
}

/// What the customer confirmed: the assertion to authorise with.
#[derive(Clone, PartialEq, Eq)]
pub struct Confirmed {
    /// The service picked.
    pub service_id: String,
    /// The platform's assertion for this merchant and amount (single use).
    pub assertion: String,
}

impl std::fmt::Debug for Confirmed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Confirmed")
            .field("service_id", &self.service_id)
            .finish_non_exhaustive()
    }
}

impl Checkout {
    /// The payment entries of the identification's `menu` for a sale of `amount_jpy` at
    /// `merchant_id`. No payment entry with an assertion → [`Code::NoPaymentMethod`].
    pub fn new(merchant_id: &str, amount_jpy: u64, menu: Vec<MenuEntry>) -> Result<Self, Code> {
        let entries: Vec<MenuEntry> = menu
            .into_iter()
            .filter(|e| e.kind == ServiceKind::Payment && e.assertion.is_some())
            .collect();
        if entries.is_empty() {
            return Err(Code::NoPaymentMethod);
        }
        Ok(Self {
            merchant_id: merchant_id.to_owned(),
            amount_jpy,
            entries,
        })
    }

    /// What the customer's screen offers.
    pub fn options(&self) -> Vec<PaymentOption> {
        self.entries
            .iter()
            .map(|e| PaymentOption {
                service_id: e.service_id.clone(),
                label: e.label.clone(),
            })
            .collect()
    }

    /// The amount the customer must confirm.
    pub fn amount_jpy(&self) -> u64 {
        self.amount_jpy
    }

    /// The customer picked `service_id` and confirmed `amount_jpy` (what their screen
    /// showed). A different amount, an unknown service or an expired assertion is refused.
    pub fn confirm(
        &self,
        service_id: &str,
        amount_jpy: u64,
        now: UnixTime,
    ) -> Result<Confirmed, Code> {
        if amount_jpy != self.amount_jpy {
            return Err(Code::AmountInvalid);
        }
        let entry = self
            .entries
            .iter()
            .find(|e| e.service_id == service_id)
            .ok_or(Code::NotNow)?;
        if entry.assertion_expires_at.is_some_and(|t| t <= now) {
            return Err(Code::AssertionExpired);
        }
        let assertion = entry.assertion.clone().ok_or(Code::NoPaymentMethod)?;
        Ok(Confirmed {
            service_id: service_id.to_owned(),
            assertion,
        })
    }
}

/// Checks an amount the cashier typed (1 to 99,999,999 yen, the contract's limit).
pub fn check_amount(amount_jpy: u64) -> Result<u64, Code> {
    if amount_jpy == 0 || amount_jpy > counter_api::platform::MAX_AMOUNT_JPY {
        Err(Code::AmountInvalid)
    } else {
        Ok(amount_jpy)
    }
}
