//! What runs at the counter now, and what each window shows of it.

use counter_api::platform::MenuEntry;

use super::screens::{CustomerScreen, Message, ReaderState, SaleStep, SaleView, StaffScreen};
use crate::codes::Code;
use crate::eligibility::{EligibilityCheck, FallbackReason};
use crate::enroll::Enrollment;
use crate::identify::Identification;
use crate::payment::cashier::Checkout;
use crate::pos::{Live, PosOrder};

/// The sale the cashier typed, or the register sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Sale {
    pub(super) amount_jpy: u64,
    pub(super) order_ref: Option<String>,
    /// The register's sale: `order_ref` is its journaled order.
    pub(super) pos: bool,
    /// The visit a co-payment belongs to (reception and pharmacy).
    pub(super) visit: Option<super::Visit>,
}

/// What runs now.
#[allow(clippy::large_enum_variant, reason = "one workflow per counter")]
pub(super) enum Workflow {
    /// Nothing: reception and pharmacy wait for a card, the cashier for an amount.
    Idle,
    /// Identification for an eligibility check (reception, pharmacy).
    IdentifyForCheck(Box<Identification>),
    /// Identified: the check waits for its id ([`super::Effect::NewCheckId`]).
    OpeningCheck {
        /// The identification, shown until the check opens (and kept if it cannot).
        ident: Box<Identification>,
        /// Its menu, with the assertions.
        menu: Vec<MenuEntry>,
        /// What the platform said about the card.
        notices: Vec<Code>,
    },
    /// Staff record a document instead of the card: the check waits for its id.
    OpeningFallback {
        /// Why there is no card check.
        reason: FallbackReason,
    },
    /// The eligibility check.
    Check(Box<EligibilityCheck>),
    /// A register's sale waits for its order to be journaled ([`super::Effect::OpenPosOrder`])
    /// before the customer is asked for anything.
    OpeningPosSale {
        /// The sale's identification, ready to take the card.
        ident: Box<Identification>,
        /// The sale.
        sale: Sale,
        /// The order being journaled.
        order: PosOrder,
        /// The register's request, answered once it is.
        request: u64,
    },
    /// Identification for a sale (the challenge binds merchant and amount).
    IdentifyForSale(Box<Identification>, Sale),
    /// The customer picks the payment method and confirms the amount.
    Choosing(Checkout, Sale),
    /// The sale is being paid. `waiting` holds the customer's assertion while a journal
    /// operation runs; the payment goes once it ends.
    Paying {
        /// The sale.
        sale: Sale,
        /// The assertion of a payment not yet sent.
        waiting: Option<String>,
    },
    /// The sale ended (or never started); the staff window shows it until staff move on,
    /// the customer window until a card leaves the reader after the end (`true` once one
    /// has: whoever stands there next may be someone else).
    SaleEnded(Sale, SaleStep, bool),
    /// Enrollment.
    Enroll(Box<Enrollment>),
}

impl std::fmt::Debug for Workflow {
    /// The step's name only: never a menu, an assertion or a person's details.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Workflow {
    /// Whether a card session (identification or enrollment) runs.
    pub(super) fn session_running(&self) -> bool {
        matches!(
            self,
            Workflow::IdentifyForCheck(_) | Workflow::IdentifyForSale(..) | Workflow::Enroll(_)
        )
    }

    /// The check, running or ended.
    pub(super) fn check(&self) -> Option<&EligibilityCheck> {
        match self {
            Workflow::Check(c) => Some(c),
            _ => None,
        }
    }

    /// Whether a workflow holds a PIN or a password the customer typed.
    pub(super) fn holds_secret(&self) -> bool {
        match self {
            Workflow::IdentifyForCheck(i) | Workflow::IdentifyForSale(i, _) => i.holds_pin(),
            Workflow::Enroll(e) => e.holds_pin() || e.holds_password(),
            _ => false,
        }
    }

    /// The sale this workflow serves, if any.
    pub(super) fn sale(&self) -> Option<&Sale> {
        match self {
            Workflow::OpeningPosSale { sale, .. }
            | Workflow::IdentifyForSale(_, sale)
            | Workflow::Choosing(_, sale)
            | Workflow::Paying { sale, .. }
            | Workflow::SaleEnded(sale, ..) => Some(sale),
            _ => None,
        }
    }

    /// The order reference of the register's sale this workflow serves, if any.
    pub(super) fn pos_order_ref(&self) -> Option<&str> {
        self.sale()
            .filter(|s| s.pos)
            .and_then(|s| s.order_ref.as_deref())
    }

    /// What the counter knows of the register's sale it serves beyond the journal: the
    /// customer at the till, or the payment being driven (`None` once the sale ended with a
    /// payment: the journal has it).
    pub(super) fn pos_live(&self) -> Option<Live> {
        self.pos_order_ref()?;
        match self {
            Workflow::Paying { .. } => Some(Live::Paying),
            Workflow::SaleEnded(_, SaleStep::Done { .. }, _) => None,
            Workflow::SaleEnded(_, SaleStep::Failed { message }, _) => {
                Some(Live::Waiting(Some(message.code)))
            }
            _ => Some(Live::Waiting(None)),
        }
    }

    /// Why the register's order this workflow serves ends unpaid when the counter leaves
    /// it: the last attempt's failure, or cancelled. `None` when it has a payment (or no
    /// order).
    pub(super) fn pos_unpaid_reason(&self) -> Option<Code> {
        match self.pos_live()? {
            Live::Paying => None,
            Live::Waiting(failure) => Some(failure.unwrap_or(Code::Cancelled)),
        }
    }

    /// The step's name, for the log.
    pub(super) fn name(&self) -> &'static str {
        match self {
            Workflow::Idle => "idle",
            Workflow::IdentifyForCheck(_) => "identify_for_check",
            Workflow::OpeningCheck { .. } => "opening_check",
            Workflow::OpeningFallback { .. } => "opening_fallback",
            Workflow::Check(_) => "check",
            Workflow::OpeningPosSale { .. } => "opening_pos_sale",
            Workflow::IdentifyForSale(..) => "identify_for_sale",
            Workflow::Choosing(..) => "choosing",
            Workflow::Paying { .. } => "paying",
            Workflow::SaleEnded(..) => "sale_ended",
            Workflow::Enroll(_) => "enroll",
        }
    }

    /// What the staff and the customer windows show. The customer sees a check only while
    /// the card lies on the reader, an enrollment that ended (or waits for the platform's
    /// answer) only while its own card does, a sale's outcome until a card leaves after the
    /// end.
    pub(super) fn views(&self, reader: ReaderState) -> (StaffScreen, CustomerScreen) {
        let sale_view = |sale: &Sale, step: SaleStep| StaffScreen::Sale {
            view: SaleView {
                amount_jpy: sale.amount_jpy,
                order_ref: sale.order_ref.clone(),
                visit: sale.visit.clone(),
                step,
            },
        };
        let identify = |i: &Identification| {
            (
                StaffScreen::Identify {
                    view: i.staff_view(),
                },
                CustomerScreen::Identify {
                    view: i.customer_view(),
                },
            )
        };
        match self {
            Workflow::Idle | Workflow::OpeningFallback { .. } => {
                (StaffScreen::Ready, CustomerScreen::Welcome)
            }
            Workflow::IdentifyForCheck(i) => identify(i),
            Workflow::OpeningCheck { ident, .. } => identify(ident),
            Workflow::Check(c) => {
                let customer = if reader == ReaderState::Card {
                    CustomerScreen::Check {
                        view: c.customer_view(),
                    }
                } else {
                    CustomerScreen::Welcome
                };
                (
                    StaffScreen::Check {
                        view: Box::new(c.staff_view()),
                        check_id: c.check_id().to_owned(),
                        co_payment: c.has_result(),
                    },
                    customer,
                )
            }
            Workflow::IdentifyForSale(i, sale)
            | Workflow::OpeningPosSale { ident: i, sale, .. } => (
                sale_view(
                    sale,
                    SaleStep::Identifying {
                        view: i.staff_view(),
                    },
                ),
                CustomerScreen::Identify {
                    view: i.customer_view(),
                },
            ),
            Workflow::Choosing(checkout, sale) => (
                sale_view(
                    sale,
                    SaleStep::Choosing {
                        options: checkout.options(),
                    },
                ),
                CustomerScreen::Pay {
                    amount_jpy: checkout.amount_jpy(),
                    options: checkout.options(),
                },
            ),
            Workflow::Paying { sale, .. } => (
                sale_view(sale, SaleStep::Paying),
                CustomerScreen::Paying { message: None },
            ),
            Workflow::SaleEnded(sale, step, card_left) => {
                let customer = match step {
                    _ if *card_left => CustomerScreen::Welcome,
                    SaleStep::Done { message, .. } => CustomerScreen::Paying {
                        message: Some(Message::of(message.code.for_customer())),
                    },
                    SaleStep::Failed { message } => CustomerScreen::Paying {
                        message: Some(Message::of(failed_sale_for_customer(message.code))),
                    },
                    _ => CustomerScreen::Welcome,
                };
                (sale_view(sale, step.clone()), customer)
            }
            Workflow::Enroll(en) => {
                // Ended without its card (taken off mid-way), or waiting without it for
                // the platform's answer: the result is for staff; whoever stands at the
                // customer window now, or placed a card since (which the enrollment does
                // not take), may be the next person.
                let customer = if en.card_left() {
                    CustomerScreen::Welcome
                } else {
                    CustomerScreen::Enroll {
                        view: en.customer_view(),
                    }
                };
                let mut view = en.staff_view();
                // Its card left mid-way: putting the card back does not resume it
                // (`Counter::card_placed`), so staff are not told to.
                if en.is_ended()
                    && !en.card_on_reader()
                    && view.progress.code == Some(Code::CardRemoved)
                {
                    view.progress.code = Some(Code::EnrollmentCardRemoved);
                }
                (StaffScreen::Enroll { view }, customer)
            }
        }
    }
}

/// The customer's line for a sale that ended before any payment. Only staff start a sale
/// again (Start again, or a new sale), so a line whose next step is the customer's own
/// ("put the card back", "start again") would ask for something that does nothing: the
/// customer is asked to call staff instead. Other lines are the customer's as ever (an
/// expired assertion is a staff-only line anywhere: `Code::for_customer`).
fn failed_sale_for_customer(code: Code) -> Code {
    match code {
        Code::CardRemoved | Code::Cancelled | Code::TimedOut => Code::AskStaff,
        code => code.for_customer(),
    }
}
