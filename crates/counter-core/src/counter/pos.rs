//! The register's (POS) requests: a new sale, its status, cancel, void and refund. Each
//! comes with what the journal holds for it (the shell reads it; the counter decides), and
//! is answered by [`Effect::PosAnswer`] or refused with a code of the table.

use counter_api::pos::Sale as PosSale;

use super::actions::CounterMode;
use super::screens::Message;
use super::workflow::{Sale, Workflow};
use super::{Counter, Effect, JournalOp, Origin, Refused};
use crate::codes::Code;
use crate::identify::Actor;
use crate::pos::{self, PosCreate, PosJournal, PosOrder, PosOrderState, PosRefundKey, Seen};
use crate::session;

/// A register's request, with what the journal holds for it (read by the shell just
/// before; the counter's event loop is the only writer of the register's orders).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PosInput {
    /// A new sale.
    Create {
        /// The request, its fields checked.
        order: PosCreate,
        /// What the journal holds under its idempotency key.
        by_key: Option<Box<PosJournal>>,
        /// What the journal holds under its order reference.
        by_order_ref: Option<Box<PosJournal>>,
    },
    /// The sale of an order reference.
    Status {
        /// What the journal holds under it (`None`: no such order).
        journal: Option<Box<PosJournal>>,
    },
    /// Cancel the sale before the customer confirmed the payment.
    Cancel {
        /// What the journal holds under its order reference.
        journal: Option<Box<PosJournal>>,
    },
    /// Void the sale (on its business day).
    Void {
        /// What the journal holds under its order reference.
        journal: Option<Box<PosJournal>>,
    },
    /// Refund part or all of the sale.
    Refund {
        /// What the journal holds under its order reference.
        journal: Option<Box<PosJournal>>,
        /// The amount in yen.
        amount_jpy: u64,
        /// The register's idempotency key of this refund.
        idempotency_key: String,
        /// What the journal holds under that key for the register that sent it (its own
        /// request, or one journaled before keys were told apart by register).
        known: Option<PosRefundKey>,
    },
}

impl PosInput {
    /// The input's name, for a refusal and the log.
    pub fn name(&self) -> &'static str {
        match self {
            PosInput::Create { .. } => "pos_create",
            PosInput::Status { .. } => "pos_status",
            PosInput::Cancel { .. } => "pos_cancel",
            PosInput::Void { .. } => "pos_void",
            PosInput::Refund { .. } => "pos_refund",
        }
    }
}

/// The answer to a register's request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PosReply {
    /// The sale as it stands.
    Sale {
        /// The sale.
        sale: Box<PosSale>,
        /// Whether the request made it (a new sale), rather than finding it.
        created: bool,
    },
    /// A void or refund ended with `code`: the shell reads the order again from the journal
    /// (with [`crate::pos::sale`], nothing live) and answers with `code`.
    Reread {
        /// The order.
        order_ref: String,
        /// What the operation said.
        code: Code,
    },
}

impl Counter {
    /// `register`'s request (the identity it authenticated with): another register's order
    /// is answered as none ([`pos::own`]).
    pub(super) fn pos(
        &mut self,
        request: u64,
        register: &str,
        input: PosInput,
    ) -> Result<Vec<Effect>, Refused> {
        let own = |journal| pos::own(journal, register).ok_or(Code::PosOrderUnknown);
        match input {
            PosInput::Create {
                order,
                by_key,
                by_order_ref,
            } => self.pos_create(
                request,
                register,
                order,
                by_key.as_deref(),
                by_order_ref.as_deref(),
            ),
            PosInput::Status { journal } => {
                let journal = own(journal)?;
                Ok(vec![self.pos_sale_answer(request, &journal, false)])
            }
            PosInput::Cancel { journal } => self.pos_cancel(request, *own(journal)?),
            PosInput::Void { journal } => {
                let journal = own(journal)?;
                let payment = journal.payment.as_ref().ok_or(Code::InvalidPaymentState)?;
                if payment.state == crate::payment::PaymentState::Voided {
                    return Ok(vec![self.pos_sale_answer(request, &journal, false)]);
                }
                let op = JournalOp::Void {
                    sale_id: payment.id.clone(),
                };
                self.journal(op, pos_origin(request, &journal))
            }
            PosInput::Refund {
                journal,
                amount_jpy,
                idempotency_key,
                known,
            } => {
                let journal = own(journal)?;
                let order_ref = journal.order.order_ref.clone();
                if pos::decide_refund(&order_ref, amount_jpy, register, known.as_ref())? {
                    return Ok(vec![self.pos_sale_answer(request, &journal, false)]);
                }
                let payment = journal.payment.as_ref().ok_or(Code::InvalidPaymentState)?;
                let op = JournalOp::PosRefund {
                    sale_id: payment.id.clone(),
                    amount_jpy,
                    order_ref,
                    register: register.to_owned(),
                    idempotency_key,
                };
                self.journal(op, pos_origin(request, &journal))
            }
        }
    }

    /// A new sale from the register: the same request again is answered with its sale; a
    /// new one is taken at the till, when no other customer is served and nothing is in
    /// doubt, and journaled before the customer is asked for anything.
    fn pos_create(
        &mut self,
        request: u64,
        register: &str,
        order: PosCreate,
        by_key: Option<&PosJournal>,
        by_order_ref: Option<&PosJournal>,
    ) -> Result<Vec<Effect>, Refused> {
        let seen = pos::decide_create(&order, register, by_key, by_order_ref, self.now)?;
        if let Seen::Again(journal) = seen {
            return Ok(vec![self.pos_sale_answer(request, &journal, false)]);
        }
        if self.mode != CounterMode::Cashier {
            return Err(Code::CounterNotCashier.into());
        }
        if !matches!(self.workflow, Workflow::Idle | Workflow::SaleEnded(..)) {
            return Err(Code::CounterBusy.into());
        }
        if !self.in_doubt.is_empty() {
            return Err(Code::SalesInDoubt.into());
        }
        let sale = Sale {
            amount_jpy: order.amount_jpy,
            order_ref: Some(order.order_ref.clone()),
            pos: true,
            visit: None,
        };
        let ident = self.new_identification(self.sale_request(&sale))?;
        let record = PosOrder::open(&order, register, self.now);
        let mut effects = self.replace(Workflow::OpeningPosSale {
            ident: Box::new(ident),
            sale,
            order: record.clone(),
            request,
        });
        effects.push(Effect::OpenPosOrder {
            generation: self.generation,
            order: record,
        });
        Ok(effects)
    }

    /// The register's order is journaled (the customer window shows the amount and the card
    /// is taken), or could not be (the counter returns to idle; nothing was asked).
    pub(super) fn pos_opened(&mut self, written: bool) -> Result<Vec<Effect>, Refused> {
        let (ident, sale, order, request) =
            match std::mem::replace(&mut self.workflow, Workflow::Idle) {
                Workflow::OpeningPosSale {
                    ident,
                    sale,
                    order,
                    request,
                } => (ident, sale, order, request),
                other => {
                    self.workflow = other;
                    return Err(Refused::Stale {
                        input: "pos_opened",
                    });
                }
            };
        if !written {
            let mut effects = self.replace(Workflow::Idle);
            effects.push(Effect::PosAnswer {
                request,
                answer: Err(Code::StorageFailure),
            });
            return Ok(effects);
        }
        // The same workflow goes on (same generation): the identification was built for it.
        self.workflow = Workflow::IdentifyForSale(ident, sale);
        let journal = PosJournal {
            order,
            payment: None,
            refunds: Vec::new(),
        };
        let mut effects = vec![self.pos_sale_answer(request, &journal, true)];
        effects.extend(self.card_on_reader()?);
        Ok(effects)
    }

    /// Cancel: the order the counter serves ends as cancelled until the customer confirmed
    /// the payment; one that ended unpaid is answered as it is; one with a payment is too
    /// late (void or refund it).
    fn pos_cancel(&mut self, request: u64, journal: PosJournal) -> Result<Vec<Effect>, Refused> {
        let order_ref = journal.order.order_ref.clone();
        let serving = self.workflow.pos_order_ref() == Some(order_ref.as_str());
        if journal.payment.is_some() || (serving && self.workflow.pos_unpaid_reason().is_none()) {
            return Err(Code::PosCancelTooLate.into());
        }
        let mut effects = Vec::new();
        let mut journal = journal;
        if serving {
            if self.workflow.session_running() {
                // A session that already ended has nothing to cancel.
                effects = self
                    .session(session::Input::Cancel(Actor::Staff))
                    .unwrap_or_default();
            }
            // The order is closed here as cancelled, whatever the screen said before.
            self.workflow = Workflow::Idle;
            effects.extend(self.replace(Workflow::Idle));
            effects.push(Effect::ClosePosOrder {
                order_ref,
                reason: Code::Cancelled,
            });
            self.notice = Some(Message::of(Code::Cancelled));
            journal.order.state = PosOrderState::Unpaid;
            journal.order.reason = Some(Code::Cancelled);
            journal.order.updated_at = self.now;
        }
        effects.push(self.pos_sale_answer(request, &journal, false));
        Ok(effects)
    }

    /// The register's order the counter leaves for `next`, if it ends unpaid: its close.
    pub(super) fn pos_left(&self, next: &Workflow) -> Option<Effect> {
        let order_ref = self.workflow.pos_order_ref()?;
        if next.pos_order_ref() == Some(order_ref) {
            return None;
        }
        let reason = self.workflow.pos_unpaid_reason()?;
        Some(Effect::ClosePosOrder {
            order_ref: order_ref.to_owned(),
            reason,
        })
    }

    /// The answer with `journal`'s sale, as the counter knows it now.
    fn pos_sale_answer(&self, request: u64, journal: &PosJournal, created: bool) -> Effect {
        let live = match self.workflow.pos_order_ref() {
            Some(r) if r == journal.order.order_ref => self.workflow.pos_live(),
            _ => None,
        };
        let sale = pos::sale(journal, live, &self.setup.merchant());
        Effect::PosAnswer {
            request,
            answer: Ok(PosReply::Sale {
                sale: Box::new(sale),
                created,
            }),
        }
    }

    /// Whether a void or refund the register asked for with `request` still runs (its
    /// answer comes when it ends).
    pub fn pos_pending(&self, request: u64) -> bool {
        matches!(&self.journal, Some((_, Origin::Pos { request: r, .. })) if *r == request)
    }
}

fn pos_origin(request: u64, journal: &PosJournal) -> Origin {
    Origin::Pos {
        request,
        order_ref: journal.order.order_ref.clone(),
    }
}
