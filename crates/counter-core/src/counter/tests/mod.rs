//! The counter machine with a manual clock and a scripted world: every card step and every
//! backend answer comes from the test, no card, no socket.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::UnixTime;

mod another_patient;
mod customer;
mod enrollment;
mod matrix;
mod other_card;
mod payments;
mod pos;
mod rechecks;
mod rules;
mod shown;
mod visits;

use counter_api::platform::{ChallengePurpose, ChallengeRequest, MenuEntry, Notice};

use super::{
    Counter, CounterMode, CustomerAction, Effect, Input, JournalOp, PosInput, PosReply,
    ReaderEvent, Refused, SaleOutcome, Screens, Setup, StaffAction,
};
use crate::codes::Code;
use crate::eligibility::testdata::{answer, sato};
use crate::enroll::tests::{attributes, document_signature, enrollment_response, services};
use crate::identify::tests::data::*;
use crate::payment::{self, NewSale, PaymentRecord};
use crate::pos::{PosCreate, PosJournal, PosOrder};
use crate::session;

/// The medical institution of the tests.
pub(crate) const INSTITUTION: &str = "1312345678";
/// The merchant of the tests (the identify data's payment challenges name it).
pub(crate) const MERCHANT: &str = "m-shop-1";

pub(crate) fn setup(mode: CounterMode) -> Setup {
    Setup {
        terminal_id: TERMINAL.into(),
        merchant_id: MERCHANT.into(),
        platform_id: PLATFORM.into(),
        reader: "Virtual PCD 00 00".into(),
        mode,
        institution_code: Some(INSTITUTION.into()),
        shop_name: "テスト薬局".into(),
    }
}

/// A counter, its clock, and what the world answers.
pub(crate) struct Desk {
    pub(crate) m: Counter,
    pub(crate) now: UnixTime,
    /// The challenge purpose last asked for (the platform's answer must match it).
    purpose: ChallengePurpose,
    /// Check ids handed out.
    checks: u32,
    /// What the platform says about the card at the next identification.
    pub(crate) notices: Vec<Notice>,
    /// The card's service menu at the next identification, when not the usual one.
    pub(crate) menu: Option<Vec<MenuEntry>>,
    /// The platform keeps its answer to an enrollment (the Enroll effect is returned with
    /// the effects the world does not answer).
    pub(crate) hold_enroll: bool,
}

impl Desk {
    /// A counter in `mode` whose reader is attached and empty.
    pub(crate) fn new(mode: CounterMode) -> Self {
        let mut d = Desk {
            m: Counter::new(setup(mode)),
            now: T0,
            purpose: ChallengePurpose::Identify,
            checks: 0,
            notices: Vec::new(),
            menu: None,
            hold_enroll: false,
        };
        d.send(Input::Reader(ReaderEvent::Attached(true)));
        d
    }

    /// Sends `input` one second after the previous one; it must be taken.
    pub(crate) fn send(&mut self, input: Input) -> Vec<Effect> {
        let name = input.name();
        self.try_send(input)
            .unwrap_or_else(|e| panic!("{name} refused at {:?}: {e}", self.m.workflow))
    }

    /// Sends `input` one second after the previous one.
    pub(crate) fn try_send(&mut self, input: Input) -> Result<Vec<Effect>, Refused> {
        self.now = self.now.plus_secs(1);
        self.m.handle(input, self.now)
    }

    /// Sends `input` at the same second as the previous one (so that the views' countdown
    /// stands still).
    pub(crate) fn try_send_now(&mut self, input: Input) -> Result<Vec<Effect>, Refused> {
        self.m.handle(input, self.now)
    }

    /// Sends `input`, which must be refused; nothing on the screens may change.
    pub(crate) fn refuse(&mut self, input: Input) -> Refused {
        let before = self.screens_without_notice();
        let generation = self.m.generation();
        let name = input.name();
        match self.try_send_now(input) {
            Ok(effects) => panic!("{name} was taken at {:?}: {effects:?}", self.m.workflow),
            Err(e) => {
                assert_eq!(
                    self.screens_without_notice(),
                    before,
                    "{name} refused but changed"
                );
                assert_eq!(self.m.generation(), generation);
                e
            }
        }
    }

    /// The screens, but for the status bar's notice (a refused staff action shows there).
    pub(crate) fn screens_without_notice(&self) -> Screens {
        let mut s = self.m.screens();
        s.status.notice = None;
        s
    }

    pub(crate) fn staff(&mut self, action: StaffAction) -> Vec<Effect> {
        self.send(Input::Staff(action))
    }

    pub(crate) fn customer(&mut self, action: CustomerAction) -> Vec<Effect> {
        self.send(Input::Customer(action))
    }

    /// Places a card (no PIN pad) and lets the world answer until a person must act.
    pub(crate) fn place(&mut self) -> Vec<Effect> {
        let e = self.send(Input::Reader(ReaderEvent::Placed { pin_pad: false }));
        self.world(e)
    }

    /// The customer types the PIN; the world answers until a person must act.
    pub(crate) fn type_pin(&mut self) -> Vec<Effect> {
        let e = self.customer(CustomerAction::Pin { digits: PIN.into() });
        self.world(e)
    }

    /// Carries out `effects` as a well-behaved world would (card steps succeed, the
    /// platform and the insurer answer, ids are handed out, files written), feeding each
    /// result back, until nothing is left for the world. Returns the effects the world
    /// does not answer (store writes, audits, sales, journal operations), in order.
    pub(crate) fn world(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        let mut queue: std::collections::VecDeque<Effect> = effects.into();
        let mut left = Vec::new();
        while let Some(effect) = queue.pop_front() {
            let Some(input) = self.answer(&effect) else {
                left.push(effect);
                continue;
            };
            match self.try_send(input) {
                Ok(more) => queue.extend(more),
                Err(Refused::Stale { .. }) => {}
                Err(e) => panic!("the world's answer to {effect:?} was refused: {e}"),
            }
        }
        left
    }

    /// The world's answer to `effect`, when the world answers it.
    fn answer(&mut self, effect: &Effect) -> Option<Input> {
        use session::Effect as S;
        use session::Input as I;
        let session = |generation, input| Some(Input::Session { generation, input });
        match effect {
            Effect::Session { generation, effect } => match effect {
                S::ReadCard { ticket } => session(
                    *generation,
                    I::CardRead {
                        ticket: *ticket,
                        result: Ok(facts(3)),
                    },
                ),
                S::RequestChallenge { ticket, request } => {
                    self.purpose = request.purpose;
                    session(
                        *generation,
                        I::ChallengeIssued {
                            ticket: *ticket,
                            result: Ok(challenge(request, self.now.plus_secs(300))),
                        },
                    )
                }
                S::Authenticate { ticket, .. } => session(
                    *generation,
                    I::Signed {
                        ticket: *ticket,
                        result: Ok(authentication()),
                    },
                ),
                S::Identify { ticket, .. } => {
                    let request = ChallengeRequest {
                        purpose: self.purpose,
                        context: None,
                    };
                    let mut answer = identification(&request);
                    answer.notices = self.notices.clone();
                    if let Some(menu) = &self.menu {
                        answer.menu.clone_from(menu);
                    }
                    session(
                        *generation,
                        I::Identified {
                            ticket: *ticket,
                            result: Ok(answer),
                        },
                    )
                }
                S::ReadSignCertificate { ticket, .. } => session(
                    *generation,
                    I::SignCertificateRead {
                        ticket: *ticket,
                        result: Ok(attributes()),
                    },
                ),
                S::SignApplication { ticket, .. } => session(
                    *generation,
                    I::ApplicationSigned {
                        ticket: *ticket,
                        result: Ok(document_signature()),
                    },
                ),
                S::Enroll { .. } if self.hold_enroll => None,
                S::Enroll { ticket, .. } => session(
                    *generation,
                    I::Enrolled {
                        ticket: *ticket,
                        result: Ok(enrollment_response()),
                    },
                ),
                S::AbortCardOperation | S::Finished(_) => None,
            },
            Effect::NewCheckId { generation } => {
                self.checks += 1;
                Some(Input::CheckId {
                    generation: *generation,
                    id: Ok(format!("{TERMINAL}-chk-{:06}", self.checks)),
                })
            }
            Effect::RequestEligibility {
                generation,
                request,
            } => {
                let mut answer = answer("1", vec![sato()]);
                answer
                    .arbitrary_identifier
                    .clone_from(&request.arbitrary_identifier);
                Some(Input::Eligibility {
                    generation: *generation,
                    result: Ok(answer),
                })
            }
            Effect::Export { generation, .. } => Some(Input::Exported {
                generation: *generation,
                written: true,
            }),
            Effect::OpenPosOrder { generation, .. } => Some(Input::PosOpened {
                generation: *generation,
                written: true,
            }),
            _ => None,
        }
    }

    /// The register's new sale [`POS_ORDER`] (1,200 yen), request 1, nothing journaled.
    pub(crate) fn pos_create_input(&self) -> Input {
        Input::Pos {
            request: 1,
            register: POS_REGISTER.into(),
            input: PosInput::Create {
                order: pos_create(POS_ORDER, 1200, POS_KEY),
                by_key: None,
                by_order_ref: None,
            },
        }
    }

    /// The step the machine is at.
    pub(crate) fn at(&self) -> &'static str {
        self.m.workflow.name()
    }
}

/// The sale the acquirer captured: what the payment shell journals for `amount_jpy`.
pub(crate) fn captured(amount_jpy: u64, now: UnixTime) -> SaleOutcome {
    let mut record: PaymentRecord = payment::begin(
        NewSale {
            id: format!("{TERMINAL}-000001"),
            idempotency_key: "k-auth".into(),
            order_ref: "o-1".into(),
            merchant_id: MERCHANT.into(),
            terminal_id: TERMINAL.into(),
            amount_jpy,
            visit_id: None,
        },
        now,
    );
    record.state = payment::PaymentState::Captured;
    SaleOutcome {
        record,
        code: Code::PaymentApproved,
    }
}

/// The register of the tests (as the shell names one that presented a client certificate).
pub(crate) const POS_REGISTER: &str = "cert:CN=register-1";

/// The register's order of the tests, and its idempotency key.
pub(crate) const POS_ORDER: &str = "R-1";
pub(crate) const POS_KEY: &str = "k-1";

/// A register's new sale, checked.
pub(crate) fn pos_create(order_ref: &str, amount_jpy: u64, key: &str) -> PosCreate {
    PosCreate::new(
        counter_api::pos::CreateSale {
            amount_jpy,
            order_ref: order_ref.into(),
        },
        key,
    )
    .unwrap()
}

/// What the journal holds for the register's order [`POS_ORDER`] (1,200 yen), with
/// `payment`.
pub(crate) fn pos_journal(payment: Option<PaymentRecord>) -> PosJournal {
    let mut order = PosOrder::open(&pos_create(POS_ORDER, 1200, POS_KEY), POS_REGISTER, T0);
    if let Some(p) = &payment {
        order.state = crate::pos::PosOrderState::Paying;
        order.sale_id = Some(p.id.clone());
    }
    PosJournal {
        order,
        payment,
        refunds: Vec::new(),
    }
}

/// The register's order's payment, captured.
pub(crate) fn pos_captured(now: UnixTime) -> PaymentRecord {
    let mut record = captured(1200, now).record;
    record.order_ref = POS_ORDER.into();
    record.payment_id = Some("pay-1".into());
    record.captured_jpy = 1200;
    record
}

/// The register's answers among `effects`: (request, answer).
pub(crate) fn pos_answers(effects: &[Effect]) -> Vec<(u64, Result<PosReply, Code>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::PosAnswer { request, answer } => Some((*request, answer.clone())),
            _ => None,
        })
        .collect()
}

/// The one `Sell` among `effects`: its generation and assertion.
pub(crate) fn sell(effects: &[Effect]) -> (u64, String) {
    let sells: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Sell {
                generation,
                assertion,
                ..
            } => Some((*generation, assertion.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(sells.len(), 1, "{effects:?}");
    sells.into_iter().next().unwrap()
}

/// The one journal operation among `effects` (beside the start's close of the register's
/// orders left open).
pub(crate) fn journal_op(effects: &[Effect]) -> JournalOp {
    let rest: Vec<&Effect> = effects
        .iter()
        .filter(|e| !matches!(e, Effect::ClosePosOrdersLeftOpen { .. }))
        .collect();
    match rest.as_slice() {
        [Effect::Journal(op)] => op.clone(),
        other => panic!("not one journal operation: {other:?}"),
    }
}

/// The audit actions among `effects`, in order.
pub(crate) fn audits(effects: &[Effect]) -> Vec<&'static str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Audit { action, .. } => Some(*action),
            _ => None,
        })
        .collect()
}

/// The workflows the counter can be in, each reached from a fresh counter by the steps a
/// person and the world take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    IdleReception,
    IdleCashier,
    IdentifyForCheck,
    OpeningCheck,
    OpeningFallback,
    Check,
    IdentifyForSale,
    Choosing,
    Paying,
    PayingWaiting,
    SaleEnded,
    Enroll,
    /// The enrollment's application sent, the platform's answer awaited, the card on the
    /// reader.
    EnrollLinking,
    /// The same, its card taken off.
    EnrollLinkingCardGone,
    /// The same, the platform's answer come: the result on the staff's window, no card on
    /// the reader.
    EnrollAnsweredCardGone,
    OpeningPosSale,
    PosIdentifyForSale,
    PosPaying,
    PosSaleFailed,
}

impl State {
    pub(crate) const ALL: [State; 19] = [
        State::IdleReception,
        State::IdleCashier,
        State::IdentifyForCheck,
        State::OpeningCheck,
        State::OpeningFallback,
        State::Check,
        State::IdentifyForSale,
        State::Choosing,
        State::Paying,
        State::PayingWaiting,
        State::SaleEnded,
        State::Enroll,
        State::EnrollLinking,
        State::EnrollLinkingCardGone,
        State::EnrollAnsweredCardGone,
        State::OpeningPosSale,
        State::PosIdentifyForSale,
        State::PosPaying,
        State::PosSaleFailed,
    ];

    /// A counter at this state. The card lies on the reader in every state a card
    /// reached; the world has answered everything it answers.
    pub(crate) fn reach(self) -> Desk {
        let reception = || Desk::new(CounterMode::Reception);
        let cashier = || Desk::new(CounterMode::Cashier);
        match self {
            State::IdleReception => reception(),
            State::IdleCashier => cashier(),
            State::IdentifyForCheck => {
                let mut d = reception();
                d.place();
                d
            }
            State::OpeningCheck => {
                let mut d = reception();
                d.place();
                let e = d.customer(CustomerAction::Pin { digits: PIN.into() });
                // Everything but the check's id.
                let mut queue = e;
                loop {
                    let (ids, rest): (Vec<_>, Vec<_>) = queue
                        .into_iter()
                        .partition(|e| matches!(e, Effect::NewCheckId { .. }));
                    if !ids.is_empty() {
                        break;
                    }
                    let mut more = Vec::new();
                    for e in rest {
                        if let Some(input) = d.answer(&e) {
                            more.extend(d.send(input));
                        }
                    }
                    queue = more;
                }
                d
            }
            State::OpeningFallback => {
                let mut d = reception();
                d.staff(StaffAction::StartFallback {
                    reason: crate::eligibility::FallbackReason::NotEnrolled,
                });
                d
            }
            State::Check => {
                let mut d = reception();
                d.place();
                d.type_pin();
                d
            }
            State::IdentifyForSale => {
                let mut d = cashier();
                d.staff(StaffAction::NewSale {
                    amount_jpy: 1200,
                    order_ref: None,
                });
                d.place();
                d
            }
            State::Choosing => {
                let mut d = State::IdentifyForSale.reach();
                d.type_pin();
                d
            }
            State::Paying => {
                let mut d = State::Choosing.reach();
                d.customer(CustomerAction::Pay {
                    service_id: "acq".into(),
                    amount_jpy: 1200,
                });
                d
            }
            State::PayingWaiting => {
                let mut d = State::Choosing.reach();
                d.staff(StaffAction::Recover);
                d.customer(CustomerAction::Pay {
                    service_id: "acq".into(),
                    amount_jpy: 1200,
                });
                d
            }
            State::SaleEnded => {
                let mut d = State::Paying.reach();
                let generation = d.m.generation();
                let now = d.now;
                d.send(Input::SaleEnded {
                    generation,
                    result: Ok(captured(1200, now)),
                });
                d
            }
            State::Enroll => {
                let mut d = reception();
                d.staff(StaffAction::StartEnrollment {
                    services: services(),
                });
                d.place();
                d
            }
            State::EnrollLinking | State::EnrollLinkingCardGone | State::EnrollAnsweredCardGone => {
                let mut d = reception();
                d.hold_enroll = true;
                d.staff(StaffAction::StartEnrollment {
                    services: services(),
                });
                d.place();
                let e = d.customer(CustomerAction::Password {
                    text: crate::enroll::tests::PASSWORD.into(),
                });
                d.world(e);
                d.customer(CustomerAction::ConfirmAttributes {
                    disclosure_consent: true,
                });
                let sent = d.type_pin();
                assert!(d.m.hold().is_some(), "{self:?}: {:?}", d.m.workflow);
                if self != State::EnrollLinking {
                    d.send(Input::Reader(ReaderEvent::Removed));
                }
                if self == State::EnrollAnsweredCardGone {
                    let ticket = sent.iter().find_map(|e| match e {
                        Effect::Session {
                            effect: session::Effect::Enroll { ticket, .. },
                            ..
                        } => Some(*ticket),
                        _ => None,
                    });
                    let ticket = ticket.unwrap_or_else(|| panic!("no Enroll in {sent:?}"));
                    let generation = d.m.generation();
                    d.send(Input::Session {
                        generation,
                        input: session::Input::Enrolled {
                            ticket,
                            result: Ok(crate::enroll::tests::enrollment_response()),
                        },
                    });
                    assert!(d.m.hold().is_none(), "{self:?}: {:?}", d.m.workflow);
                }
                d
            }
            State::OpeningPosSale => {
                let mut d = cashier();
                d.send(d.pos_create_input());
                d
            }
            State::PosIdentifyForSale => {
                let mut d = cashier();
                let e = d.send(d.pos_create_input());
                d.world(e);
                d.place();
                d
            }
            State::PosPaying => {
                let mut d = State::PosIdentifyForSale.reach();
                d.type_pin();
                d.customer(CustomerAction::Pay {
                    service_id: "acq".into(),
                    amount_jpy: 1200,
                });
                d
            }
            State::PosSaleFailed => {
                let mut d = State::PosIdentifyForSale.reach();
                d.type_pin();
                d.send(Input::Reader(ReaderEvent::Removed));
                d
            }
        }
    }
}
