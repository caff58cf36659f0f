//! The sale after the identification, and the journal's staff operations: one payment
//! operation at a time per counter, so that no two tasks ever drive the same sale.

use super::screens::{Message, SaleStep};
use super::workflow::Workflow;
use super::{Counter, Effect, JournalOp, Origin, Refused, SaleOutcome};
use crate::codes::Code;
use crate::payment::receipt::{Copy, ReceiptKind, receipt};
use crate::payment::{self, PaymentState, RecoveryPass};

impl Counter {
    /// The customer picked a method and confirmed the amount: the sale is paid now, or as
    /// soon as the running journal operation ends.
    pub(super) fn pay(
        &mut self,
        service_id: &str,
        amount_jpy: u64,
    ) -> Result<Vec<Effect>, Refused> {
        let Workflow::Choosing(checkout, sale) = &self.workflow else {
            return Err(Code::NotNow.into());
        };
        let confirmed = checkout.confirm(service_id, amount_jpy, self.now)?;
        let sale = sale.clone();
        let busy = self.journal.is_some();
        let waiting = busy.then(|| confirmed.assertion.clone());
        let mut effects = self.replace(Workflow::Paying {
            sale: sale.clone(),
            waiting,
        });
        if !busy {
            effects.push(Effect::Sell {
                generation: self.generation,
                amount_jpy: sale.amount_jpy,
                order_ref: sale.order_ref,
                assertion: confirmed.assertion,
                pos: sale.pos,
                visit_id: sale.visit.map(|v| v.check_id),
            });
        }
        Ok(effects)
    }

    /// The sale ends before any payment request (cancelled, card removed): both windows
    /// say why, the staff's until staff move on, the customer's until a card leaves after
    /// the end ([`Counter::sale_card_left`]).
    pub(super) fn sale_not_started(&mut self, code: Code) -> Vec<Effect> {
        let Workflow::Choosing(_, sale) = &self.workflow else {
            return Vec::new();
        };
        let sale = sale.clone();
        self.replace(Workflow::SaleEnded(
            sale,
            SaleStep::Failed {
                message: Message::of(code),
            },
            false,
        ))
    }

    /// A card left the reader after the sale ended: the customer window goes back to the
    /// welcome screen (the staff window keeps the outcome until staff move on). Whoever
    /// stands there next, maybe with the next sale being typed, never reads the outcome of
    /// the customer before. A card taken off while the sale was paid (no longer needed once
    /// the customer confirmed) does not count: its holder, still waiting at the counter,
    /// reads the outcome when it comes, until a card leaves again or staff move on.
    pub(super) fn sale_card_left(&mut self) -> Vec<Effect> {
        if let Workflow::SaleEnded(_, _, card_left) = &mut self.workflow {
            *card_left = true;
        }
        Vec::new()
    }

    /// The payment shell drove the sale to its end (or could not start it). Both windows
    /// show the outcome, the staff's until staff finish or start the next sale, the
    /// customer's until a card leaves after the end ([`Counter::sale_card_left`]); if staff
    /// moved on, the
    /// status bar tells them (the journal has the sale either way). A charge is journaled
    /// as shown once the customer window rendered them ([`Effect::MarkShownWhenRendered`]).
    pub(super) fn sale_ended(
        &mut self,
        generation: u64,
        result: Result<SaleOutcome, Code>,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        let step = match result {
            Ok(SaleOutcome { record, code }) => {
                self.backends_ok = Some(true);
                if payment::shown::marks_shown(&record) {
                    effects.push(Effect::MarkShownWhenRendered {
                        sale_id: record.id.clone(),
                    });
                }
                let receipt = (record.state == PaymentState::Captured).then(|| {
                    receipt(
                        &self.setup.merchant(),
                        &record,
                        None,
                        ReceiptKind::Sale,
                        Copy::Customer,
                        false,
                        &madoguchi_time::jst::display_timestamp(self.now),
                    )
                });
                SaleStep::Done {
                    message: Message::of(code),
                    record,
                    receipt,
                }
            }
            Err(code) => SaleStep::Failed {
                message: Message::of(code),
            },
        };
        match &self.workflow {
            Workflow::Paying {
                sale,
                waiting: None,
            } if generation == self.generation => {
                let sale = sale.clone();
                self.workflow = Workflow::SaleEnded(sale, step, false);
            }
            _ => {
                if let SaleStep::Done { message, .. } | SaleStep::Failed { message } = step {
                    self.notice = Some(message);
                }
            }
        }
        effects
    }

    /// A void, refund or recovery: refused while a sale is being paid or another such
    /// operation runs, so that one task at a time drives the journal's sales.
    pub(super) fn journal(
        &mut self,
        op: JournalOp,
        origin: Origin,
    ) -> Result<Vec<Effect>, Refused> {
        if self.journal.is_some() || matches!(self.workflow, Workflow::Paying { .. }) {
            return Err(Code::PaymentBusy.into());
        }
        if matches!(op, JournalOp::Recover { pass, .. } if pass != RecoveryPass::BeforeSale) {
            self.held_asked_at = Some(self.now);
        }
        self.journal = Some((op.clone(), origin));
        Ok(vec![Effect::Journal(op)])
    }

    /// A recovery the counter starts itself, when no payment work runs: at start (whatever
    /// the counts say: they may not be read yet), then again while anything is in doubt,
    /// and for held refunds alone once their status query is due again
    /// ([`payment::interval_passed`]: the shell asks each at most once an hour,
    /// [`payment::held_query_due`]).
    pub(super) fn recover_in_background(&mut self, at_start: bool) -> Vec<Effect> {
        let idle = self.journal.is_none() && !matches!(self.workflow, Workflow::Paying { .. });
        let held_due =
            !self.held.is_empty() && payment::interval_passed(self.held_asked_at, self.now);
        if !idle || (!at_start && self.in_doubt.is_empty() && !held_due) {
            return Vec::new();
        }
        let pass = if at_start {
            RecoveryPass::Start
        } else {
            RecoveryPass::Timed
        };
        if at_start || held_due {
            self.held_asked_at = Some(self.now);
        }
        let op = JournalOp::Recover { pass, at: self.now };
        self.journal = Some((op.clone(), Origin::Background));
        vec![Effect::Journal(op)]
    }

    /// A journal operation ended: staff are told (of a background recovery, only what it
    /// resolved or why it failed), a register that asked for it is answered; a payment that
    /// waited for it goes now.
    ///
    /// Held refunds a recovery settled by the acquirer's record (`settled`) join `held_news`,
    /// which the status bar names (`Counter::held_news_notice`) until staff act while it is
    /// shown: what a recovery not staff's reports (a later background pass, a register's)
    /// does not cover it, and any other newer notice shows first with the news back after
    /// it. Staff may arrive hours later, and a refund never made is a customer still owed
    /// money.
    pub(super) fn journal_done(
        &mut self,
        result: Result<Code, Code>,
        settled: Vec<payment::HeldSettled>,
    ) -> Vec<Effect> {
        let origin = self.journal.take().map(|(_, origin)| origin);
        let mut effects = Vec::new();
        if let Some(Origin::Pos { request, order_ref }) = &origin {
            effects.push(Effect::PosAnswer {
                request: *request,
                answer: result.map(|code| super::PosReply::Reread {
                    order_ref: order_ref.clone(),
                    code,
                }),
            });
        }
        let background = origin == Some(Origin::Background);
        let failed = result.is_err();
        let code = result.unwrap_or_else(|code| code);
        let news = !settled.is_empty();
        if news {
            // The news is the newest: it shows now, and a notice before it is done with.
            self.held_news.extend(settled);
            self.notice = None;
        }
        // Staff who asked are told how it ended unless it is the news alone; a pass that
        // failed after settling some shows its failure first, the news after.
        let told = if self.held_news.is_empty() {
            !(background && code == Code::NothingInDoubt)
        } else {
            origin == Some(Origin::Staff) && (!news || failed)
        };
        if told {
            self.notice = Some(Message::of(code));
        }
        effects.extend(self.payment_waiting());
        effects
    }

    /// The payment that waited for a journal operation, now that none runs.
    fn payment_waiting(&mut self) -> Vec<Effect> {
        let generation = self.generation;
        match &mut self.workflow {
            Workflow::Paying { sale, waiting } => match waiting.take() {
                Some(assertion) => vec![Effect::Sell {
                    generation,
                    amount_jpy: sale.amount_jpy,
                    order_ref: sale.order_ref.clone(),
                    assertion,
                    pos: sale.pos,
                    visit_id: sale.visit.as_ref().map(|v| v.check_id.clone()),
                }],
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

impl Counter {
    /// The notice naming the held refunds recovery settled by the acquirer's record that
    /// staff have not seen (`held_news`), if any.
    pub(super) fn held_news_notice(&self) -> Option<Message> {
        (!self.held_news.is_empty()).then(|| held_news_message(&self.held_news))
    }
}

/// The notice naming the held refunds recovery settled by the acquirer's record: the line
/// of [`payment::held_settled_code`], each refund with its sale, amount and outcome after it.
fn held_news_message(news: &[payment::HeldSettled]) -> Message {
    let mut message = Message::of(payment::held_settled_code(news));
    let (mut ja, mut en) = (Vec::new(), Vec::new());
    for s in news {
        let (made_ja, made_en) = if s.made {
            ("返金済み", "refunded")
        } else {
            ("返金されていない", "not refunded")
        };
        ja.push(format!(
            "返金番号 {}（取引番号 {}、{}円）：{made_ja}",
            s.refund_id, s.sale_id, s.amount_jpy
        ));
        en.push(format!(
            "refund {} of sale {}, {} yen: {made_en}",
            s.refund_id, s.sale_id, s.amount_jpy
        ));
    }
    message.ja = format!("{}　{}", message.ja, ja.join("、"));
    message.en = format!("{} ({})", message.en, en.join("; "));
    message
}
