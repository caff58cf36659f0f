//! The counter's loop: one task owns the running workflow, feeds it every event (the
//! windows' actions, the card thread's reports, the backends' answers, the clock) and
//! carries out the effects it returns. Only this task touches the machines, so their
//! inputs are totally ordered; slow work (HTTPS, card steps, payments) runs elsewhere and
//! comes back as a message stamped with the workflow's generation, and a message of an
//! earlier generation is dropped unread.

use std::sync::{Arc, Mutex};

use counter_api::platform::{
    ChallengeContext, ChallengePurpose, ChallengeRequest, LinkRefusal, Notice, ServiceLink,
};
use counter_core::eligibility::{
    self, CheckSettings, ClinicRecord, ConsentsOffered, EligibilityCheck, Mode,
};
use counter_core::enroll::{self, CustomerPassword, Enrollment};
use counter_core::identify::{self, Actor, CustomerPin, Identification};
use counter_core::payment::cashier::{Checkout, check_amount};
use counter_core::{BackendFailure, Code};
use counter_store::Store;
use tokio::sync::{mpsc, oneshot, watch};

use super::api::{
    ActionError, CustomerAction, CustomerScreen, Message, ReaderState, SaleStep, SaleView, Screens,
    StaffAction, StaffScreen, Status,
};
use super::card::{CardReport, CardThread, CardWork, WorkResult};
use super::persist;
use super::session::SessionInput;
use crate::clock::Clock;
use crate::config::CounterMode;
use crate::error::RuntimeError;
use crate::http::Backends;
use crate::payments::{Payments, SaleReport};

/// What reaches the loop.
#[allow(
    clippy::large_enum_variant,
    reason = "one message at a time through the loop"
)]
pub(crate) enum Msg {
    Staff(StaffAction, oneshot::Sender<Result<(), ActionError>>),
    Customer(CustomerAction, oneshot::Sender<Result<(), ActionError>>),
    Card(CardReport),
    Answer {
        generation: u64,
        answer: Answer,
    },
    Tick,
    /// Something staff must know (the re-check queue's news).
    Notice(Code),
    /// Stop: the card thread lets go of the reader, then `done` is answered.
    Close(oneshot::Sender<()>),
}

/// A backend's (or the payment shell's) answer.
#[allow(
    clippy::large_enum_variant,
    reason = "one message at a time through the loop"
)]
pub(crate) enum Answer {
    Challenge(
        identify::Ticket,
        Result<counter_api::platform::ChallengeResponse, BackendFailure>,
    ),
    Identified(
        identify::Ticket,
        Result<counter_api::platform::IdentificationResponse, BackendFailure>,
    ),
    Enrolled(
        identify::Ticket,
        Result<counter_api::platform::EnrollmentResponse, BackendFailure>,
    ),
    Eligibility(Result<counter_api::insurer::EligibilityResponse, BackendFailure>),
    Sale(Result<SaleReport, RuntimeError>),
    /// A staff operation on the journal finished (void, refund, close, recovery).
    Journal(Result<Code, RuntimeError>),
}

/// The fixed facts of this counter.
pub(crate) struct Setup {
    pub(crate) terminal_id: String,
    pub(crate) merchant_id: String,
    pub(crate) platform_id: String,
    pub(crate) reader: String,
    pub(crate) mode: CounterMode,
    pub(crate) export_dir: std::path::PathBuf,
    pub(crate) institution_code: Option<String>,
    pub(crate) shop_name: String,
}

/// The sale the cashier typed.
#[derive(Clone)]
struct Sale {
    amount_jpy: u64,
    order_ref: Option<String>,
}

/// What runs now.
#[allow(clippy::large_enum_variant, reason = "one workflow per counter")]
enum Workflow {
    Idle,
    /// Identification for an eligibility check (reception, pharmacy).
    IdentifyForCheck(Box<Identification>),
    Check(Box<EligibilityCheck>),
    /// Identification for a sale (the challenge binds merchant and amount).
    IdentifyForSale(Box<Identification>, Sale),
    Choosing(Checkout, Sale),
    Paying(Sale),
    SaleEnded(Sale, SaleStep),
    Enroll(Box<Enrollment>),
}

pub(crate) struct Driver {
    setup: Setup,
    store: Arc<Mutex<Store>>,
    backends: Backends,
    payments: Payments,
    clock: Arc<dyn Clock>,
    card: Option<CardThread>,
    /// Weak: the loop ends when the last `Counter` handle goes.
    tx: mpsc::WeakUnboundedSender<Msg>,
    screens: watch::Sender<Screens>,
    mode: CounterMode,
    generation: u64,
    workflow: Workflow,
    reader: ReaderState,
    pin_pad: bool,
    backends_ok: Option<bool>,
    notice: Option<Message>,
    revision: u64,
    /// Pending re-checks and payments in doubt, as last read from the store.
    counts: (u64, u64),
    /// The patient staff expect at the next check (taken by it).
    expected: Option<ClinicRecord>,
    /// What the platform said about the card of the running workflow.
    card_notices: Vec<Code>,
}

impl Driver {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        setup: Setup,
        store: Arc<Mutex<Store>>,
        backends: Backends,
        payments: Payments,
        clock: Arc<dyn Clock>,
        tx: mpsc::WeakUnboundedSender<Msg>,
        screens: watch::Sender<Screens>,
    ) -> Self {
        let mode = setup.mode;
        Self {
            setup,
            store,
            backends,
            payments,
            clock,
            card: None,
            tx,
            screens,
            mode,
            generation: 0,
            workflow: Workflow::Idle,
            reader: ReaderState::Missing,
            pin_pad: false,
            backends_ok: None,
            notice: None,
            revision: 0,
            counts: (0, 0),
            expected: None,
            card_notices: Vec::new(),
        }
    }

    /// Staff see what the recovery on start resolved.
    pub(crate) fn recovered(&mut self, reports: &[SaleReport]) {
        if !reports.is_empty() {
            self.notice = Some(Message::of(Code::PaymentsRecovered));
        }
    }

    /// Starts the card thread; its reports come back as [`Msg::Card`].
    pub(crate) fn start_card_thread(&mut self) -> std::io::Result<()> {
        let tx = self.tx.clone();
        let thread = CardThread::start(self.setup.reader.clone(), move |r| {
            if let Some(tx) = tx.upgrade() {
                let _ = tx.send(Msg::Card(r));
            }
        })?;
        self.card = Some(thread);
        Ok(())
    }

    /// Runs until every sender is gone.
    pub(crate) async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) {
        self.refresh_counts();
        self.publish();
        while let Some(msg) = rx.recv().await {
            if let Msg::Close(done) = msg {
                self.end_check();
                // Joining the card thread blocks (a step may be running): not on the loop.
                let card = self.card.take();
                let _ = tokio::task::spawn_blocking(move || drop(card)).await;
                let _ = done.send(());
                return;
            }
            // The clock's tick writes nothing: the store's counts stay as they were.
            let tick = matches!(msg, Msg::Tick);
            self.handle(msg);
            if !tick {
                self.refresh_counts();
            }
            self.publish();
        }
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Staff(action, reply) => {
                let r = self.staff(action);
                if let Err(e) = &r {
                    self.notice = Some(e.message.clone());
                }
                let _ = reply.send(r);
            }
            Msg::Customer(action, reply) => {
                let _ = reply.send(self.customer(action));
            }
            Msg::Card(report) => self.card_report(report),
            Msg::Answer { generation, answer } => {
                // Payments and journal work finish whatever the screen shows now.
                match answer {
                    Answer::Sale(r) => self.sale_ended(generation, r),
                    Answer::Journal(r) => self.journal_done(r),
                    other if generation == self.generation => self.answer(other),
                    _ => {}
                }
            }
            Msg::Tick => self.session(SessionInput::Tick),
            Msg::Notice(code) => self.notice = Some(Message::of(code)),
            Msg::Close(_) => {} // taken by the loop
        }
    }

    // ---------------------------------------------------------------- workflows

    /// A new workflow: everything of the earlier one is dropped, and its late results
    /// (card steps, answers) no longer match the generation.
    fn replace(&mut self, workflow: Workflow) {
        self.end_check();
        self.generation += 1;
        self.workflow = workflow;
        self.card_notices.clear();
    }

    /// Ends a running check: its personal details go (R8).
    fn end_check(&mut self) {
        let now = self.now();
        if let Workflow::Check(check) = &mut self.workflow {
            let fx = check.end(now);
            self.check_effects(fx);
        }
    }

    fn new_identification(&self, request: ChallengeRequest) -> Result<Identification, Code> {
        Identification::new(request, &self.setup.terminal_id, &self.setup.platform_id)
            .map_err(|_| Code::AmountInvalid)
    }

    fn check_settings(&self) -> Result<CheckSettings, Code> {
        let mode = self.check_mode().ok_or(Code::NotNow)?;
        let code = self.setup.institution_code.clone().ok_or(Code::Internal)?;
        Ok(CheckSettings {
            medical_institution_code: code,
            consents_offered: ConsentsOffered::default_for(mode),
            export: true,
        })
    }

    fn check_mode(&self) -> Option<Mode> {
        match self.mode {
            CounterMode::Reception => Some(Mode::Reception),
            CounterMode::Pharmacy => Some(Mode::Pharmacy),
            CounterMode::Cashier => None,
        }
    }

    fn next_id(&self, name: &str) -> Result<String, Code> {
        let seq = persist::with_store(&self.store, |s| s.next_sequence(name))?;
        Ok(format!("{}-{name}-{seq:06}", self.setup.terminal_id))
    }

    // ---------------------------------------------------------------- the card

    fn card_report(&mut self, report: CardReport) {
        match report {
            CardReport::Reader { attached } => {
                self.reader = if attached {
                    ReaderState::Empty
                } else {
                    ReaderState::Missing
                };
            }
            CardReport::Placed { pin_pad } => {
                self.reader = ReaderState::Card;
                self.pin_pad = pin_pad;
                self.card_placed(pin_pad);
            }
            CardReport::Removed => {
                if self.reader == ReaderState::Card {
                    self.reader = ReaderState::Empty;
                }
                self.card_removed();
            }
            CardReport::Done { generation, result } if generation == self.generation => {
                match result {
                    WorkResult::Read(t, r) => self.session(SessionInput::CardRead(t, r)),
                    WorkResult::Signed(t, r) => self.session(SessionInput::Signed(t, r)),
                    WorkResult::SignCertificateRead(ticket, result) => {
                        self.enroll(enroll::Input::SignCertificateRead { ticket, result });
                    }
                    WorkResult::ApplicationSigned(ticket, result) => {
                        self.enroll(enroll::Input::ApplicationSigned { ticket, result });
                    }
                }
            }
            CardReport::Done { .. } => {}
        }
    }

    fn card_placed(&mut self, pin_pad: bool) {
        match &self.workflow {
            // A waiting sale or enrollment takes the card.
            Workflow::IdentifyForSale(..) | Workflow::Enroll(_) => {}
            // A finished sale or check: the next customer's card starts afresh.
            Workflow::Idle | Workflow::Check(_) | Workflow::IdentifyForCheck(_) => {
                if self.check_mode().is_none() {
                    return; // the cashier has not typed an amount yet
                }
                let request = ChallengeRequest {
                    purpose: ChallengePurpose::Identify,
                    context: None,
                };
                match self.new_identification(request) {
                    Ok(ident) => self.replace(Workflow::IdentifyForCheck(Box::new(ident))),
                    Err(code) => {
                        self.notice = Some(Message::of(code));
                        return;
                    }
                }
            }
            Workflow::SaleEnded(..) | Workflow::Choosing(..) | Workflow::Paying(..) => return,
        }
        self.session(SessionInput::CardPlaced { pin_pad });
    }

    fn card_removed(&mut self) {
        match &mut self.workflow {
            Workflow::Choosing(_, sale) => {
                // The customer left before confirming: nothing was sent.
                let sale = sale.clone();
                self.replace(Workflow::SaleEnded(
                    sale,
                    SaleStep::Failed {
                        message: Message::of(Code::CardRemoved),
                    },
                ));
            }
            Workflow::Check(check) => {
                // The customer's screen is wiped at once; staff keep the result until they
                // finish or the next card comes (eligibility.md R8: nothing carried to the
                // next person). A check still waiting for the customer ends here.
                let waiting = matches!(
                    check.customer_view(),
                    eligibility::CustomerView::ChooseService { .. }
                        | eligibility::CustomerView::Consent { .. }
                );
                if waiting {
                    self.end_check();
                }
            }
            _ => self.session(SessionInput::CardRemoved),
        }
    }

    // ---------------------------------------------------------------- session machines

    /// Feeds an event to the running identification or enrollment.
    fn session(&mut self, input: SessionInput) {
        let now = self.now();
        match &mut self.workflow {
            Workflow::IdentifyForCheck(ident) | Workflow::IdentifyForSale(ident, _) => {
                let fx = ident.handle(input.into(), now);
                self.identify_effects(fx);
            }
            Workflow::Enroll(en) => {
                let fx = en.handle(input.into(), now);
                self.enroll_effects(fx);
            }
            _ => {}
        }
    }

    fn enroll(&mut self, input: enroll::Input) {
        let now = self.now();
        if let Workflow::Enroll(en) = &mut self.workflow {
            let fx = en.handle(input, now);
            self.enroll_effects(fx);
        }
    }

    fn identify_effects(&mut self, effects: Vec<identify::Effect>) {
        use identify::Effect as E;
        for e in effects {
            match e {
                E::ReadCard { ticket } => self.card_work(CardWork::ReadCard { ticket }),
                E::Authenticate {
                    ticket,
                    pin,
                    digest,
                    confirm_last_try,
                } => self.card_work(CardWork::Authenticate {
                    ticket,
                    pin,
                    digest,
                    confirm_last_try,
                }),
                E::RequestChallenge { ticket, request } => self.challenge(ticket, request),
                E::Identify { ticket, request } => {
                    let b = self.backends.clone();
                    self.call(
                        async move { Answer::Identified(ticket, b.identify(&request).await) },
                    );
                }
                E::AbortCardOperation => {} // see card.rs: the step ends by itself
                E::Finished(outcome) => self.identified(outcome),
            }
        }
    }

    fn enroll_effects(&mut self, effects: Vec<enroll::Effect>) {
        use enroll::Effect as E;
        for e in effects {
            match e {
                E::ReadCard { ticket } => self.card_work(CardWork::ReadCard { ticket }),
                E::ReadSignCertificate {
                    ticket,
                    password,
                    confirm_last_try,
                } => self.card_work(CardWork::ReadSignCertificate {
                    ticket,
                    password,
                    confirm_last_try,
                }),
                E::Authenticate {
                    ticket,
                    pin,
                    digest,
                    confirm_last_try,
                } => self.card_work(CardWork::Authenticate {
                    ticket,
                    pin,
                    digest,
                    confirm_last_try,
                }),
                E::SignApplication {
                    ticket,
                    password,
                    digest,
                } => self.card_work(CardWork::SignApplication {
                    ticket,
                    password,
                    digest,
                }),
                E::RequestChallenge { ticket, request } => self.challenge(ticket, request),
                E::Enroll { ticket, request } => {
                    let b = self.backends.clone();
                    self.call(async move { Answer::Enrolled(ticket, b.enroll(&request).await) });
                }
                E::AbortCardOperation => {}
                E::Finished(outcome) => self.enrolled(outcome),
            }
        }
    }

    fn card_work(&mut self, work: CardWork) {
        if let Some(card) = &self.card {
            card.run(self.generation, work);
        }
    }

    fn challenge(&mut self, ticket: identify::Ticket, request: ChallengeRequest) {
        let b = self.backends.clone();
        self.call(async move { Answer::Challenge(ticket, b.challenge(&request).await) });
    }

    /// Runs `f` off the loop; its answer comes back stamped with this generation.
    fn call(&self, f: impl Future<Output = Answer> + Send + 'static) {
        let Some(tx) = self.tx.upgrade() else {
            return; // the counter is closing
        };
        let generation = self.generation;
        tokio::spawn(async move {
            let answer = f.await;
            let _ = tx.send(Msg::Answer { generation, answer });
        });
    }

    fn answer(&mut self, answer: Answer) {
        match answer {
            Answer::Challenge(t, r) => {
                self.backends_ok = reached(&r);
                self.session(SessionInput::Challenge(t, r));
            }
            Answer::Identified(ticket, result) => {
                self.backends_ok = reached(&result);
                let now = self.now();
                if let Workflow::IdentifyForCheck(i) | Workflow::IdentifyForSale(i, _) =
                    &mut self.workflow
                {
                    let fx = i.handle(identify::Input::Identified { ticket, result }, now);
                    self.identify_effects(fx);
                }
            }
            Answer::Enrolled(ticket, result) => {
                self.backends_ok = reached(&result);
                self.enroll(enroll::Input::Enrolled { ticket, result });
            }
            Answer::Eligibility(r) => {
                self.backends_ok = reached(&r);
                let now = self.now();
                if let Workflow::Check(check) = &mut self.workflow {
                    match check.handle(eligibility::Input::EligibilityAnswered(r), now) {
                        Ok(fx) => self.check_effects(fx),
                        Err(e) => tracing::warn!(error = %e, "a late eligibility answer"),
                    }
                }
            }
            Answer::Sale(_) | Answer::Journal(_) => {}
        }
    }

    // ---------------------------------------------------------------- identification done

    fn identified(&mut self, outcome: identify::Outcome) {
        let identify::Outcome::Identified {
            identification_id,
            menu,
            notices,
            ..
        } = outcome
        else {
            return; // the identification's screen shows the outcome and its next step
        };
        let notices: Vec<Code> = notices.iter().filter_map(notice_code).collect();
        for code in &notices {
            self.audit("card_notice", &code.as_str(), self.auth_method());
        }
        let workflow = std::mem::replace(&mut self.workflow, Workflow::Idle);
        match workflow {
            Workflow::IdentifyForCheck(ident) => {
                self.audit("identified", &identification_id, self.auth_method());
                match self.start_check(menu) {
                    Ok(check) => {
                        self.replace(Workflow::Check(Box::new(check)));
                        self.card_notices = notices;
                        if let Some(expected) = self.expected.take() {
                            // A check just made takes the expected person.
                            let _ = self.check_input(eligibility::Input::Expect(expected));
                        }
                    }
                    Err(code) => {
                        self.workflow = Workflow::IdentifyForCheck(ident);
                        self.notice = Some(Message::of(code));
                    }
                }
            }
            Workflow::IdentifyForSale(_, sale) => {
                self.audit("identified", &identification_id, self.auth_method());
                match Checkout::new(&self.setup.merchant_id, sale.amount_jpy, menu) {
                    Ok(checkout) => {
                        self.replace(Workflow::Choosing(checkout, sale));
                        self.card_notices = notices;
                    }
                    Err(code) => self.replace(Workflow::SaleEnded(
                        sale,
                        SaleStep::Failed {
                            message: Message::of(code),
                        },
                    )),
                }
            }
            other => self.workflow = other,
        }
    }

    fn auth_method(&self) -> &'static str {
        if self.pin_pad { "pin_pad" } else { "pin" }
    }

    fn audit(&self, action: &str, subject: &str, auth_method: &str) {
        let event = counter_store::AuditEvent {
            at: self.now(),
            staff: self.setup.terminal_id.clone(),
            action: action.to_owned(),
            subject: Some(subject.to_owned()),
            auth_method: Some(auth_method.to_owned()),
            detail: None,
        };
        if let Err(code) = persist::with_store(&self.store, |s| s.append_audit(&event)) {
            tracing::error!(?code, "cannot append to the audit trail");
        }
    }

    fn start_check(
        &self,
        menu: Vec<counter_api::platform::MenuEntry>,
    ) -> Result<EligibilityCheck, Code> {
        let mode = self.check_mode().ok_or(Code::NotNow)?;
        let settings = self.check_settings()?;
        let id = self.next_id("chk")?;
        EligibilityCheck::new(id, mode, settings, menu, None, None).map_err(|_| Code::Internal)
    }

    fn enrolled(&mut self, outcome: enroll::Outcome) {
        // Which links were made and which were not (service and reason, no personal data).
        let refused = |refused: &[LinkRefusal]| {
            refused
                .iter()
                .map(|r| format!("{}:{}", r.service_id, r.reason_code()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        match &outcome {
            enroll::Outcome::Enrolled {
                enrollment_id,
                refused: r,
                ..
            } => {
                self.audit("enrolled", enrollment_id, "signature_password");
                if !r.is_empty() {
                    self.audit("links_refused", &refused(r), "signature_password");
                }
            }
            enroll::Outcome::Failed {
                code, refused: r, ..
            } => {
                let subject = if r.is_empty() {
                    code.as_str()
                } else {
                    refused(r)
                };
                self.audit("enrollment_failed", &subject, "signature_password");
            }
            enroll::Outcome::Cancelled { .. } => {}
        }
    }

    // ---------------------------------------------------------------- eligibility

    fn check_effects(&mut self, effects: Vec<eligibility::Effect>) {
        use eligibility::Effect as E;
        for e in effects {
            match e {
                E::RequestEligibility(request) => {
                    let b = self.backends.clone();
                    self.call(async move { Answer::Eligibility(b.eligibility(&request).await) });
                }
                E::Export { files } => {
                    let id = match &self.workflow {
                        Workflow::Check(c) => c.check_id().to_owned(),
                        _ => continue,
                    };
                    let written = persist::export(&self.setup.export_dir, &files)
                        .and_then(|names| persist::exported(&self.store, &id, &names));
                    let input = match written {
                        Ok(()) => eligibility::Input::ExportWritten,
                        Err(e) => {
                            tracing::error!(error = %e, "cannot write the receipt system's files");
                            eligibility::Input::ExportFailed
                        }
                    };
                    // ExportWritten or ExportFailed always fits the step that asked for the export.
                    let _ = self.check_input(input);
                }
                E::RecordCheck(record) => persist::record_check(&self.store, &record),
                E::Audit(event) => persist::audit(&self.store, &self.setup.terminal_id, &event),
                E::EnqueueRecheck(request) => persist::enqueue_recheck(&self.store, &request),
            }
        }
    }

    fn check_input(&mut self, input: eligibility::Input) -> Result<(), ActionError> {
        let now = self.now();
        let Workflow::Check(check) = &mut self.workflow else {
            return Err(Code::NotNow.into());
        };
        let fx = check
            .handle(input, now)
            .map_err(|e| ActionError::from(e.code()))?;
        self.check_effects(fx);
        Ok(())
    }

    // ---------------------------------------------------------------- the windows

    fn customer(&mut self, mut action: CustomerAction) -> Result<(), ActionError> {
        let now = self.now();
        match &mut action {
            CustomerAction::Pin { digits } => {
                let input = match CustomerPin::from_customer_window(digits) {
                    Ok(pin) => SessionInput::Pin(pin),
                    Err(_) => SessionInput::PinMalformed,
                };
                self.require_session()?;
                self.session(input);
            }
            CustomerAction::RetryPin => {
                self.require_session()?;
                self.session(SessionInput::RetryPin);
            }
            CustomerAction::Password { text } => {
                let input = match CustomerPassword::from_customer_window(text) {
                    Ok(p) => enroll::Input::PasswordEntered(p),
                    Err(_) => enroll::Input::PasswordMalformed,
                };
                self.require_enroll()?;
                self.enroll(input);
            }
            CustomerAction::ConfirmAttributes { disclosure_consent } => {
                self.require_enroll()?;
                self.enroll(enroll::Input::AttributesConfirmed {
                    disclosure_consent: *disclosure_consent,
                });
            }
            CustomerAction::RejectAttributes => {
                self.require_enroll()?;
                self.enroll(enroll::Input::AttributesRejected);
            }
            CustomerAction::ChooseService { service_id } => {
                let service_id = std::mem::take(service_id);
                self.check_input(eligibility::Input::ChooseService { service_id })?;
            }
            CustomerAction::Consent { consents } => {
                self.check_input(eligibility::Input::Consent(*consents))?;
            }
            CustomerAction::Pay {
                service_id,
                amount_jpy,
            } => {
                let Workflow::Choosing(checkout, sale) = &self.workflow else {
                    return Err(Code::NotNow.into());
                };
                let confirmed = checkout.confirm(service_id, *amount_jpy, now)?;
                let sale = sale.clone();
                self.replace(Workflow::Paying(sale.clone()));
                let payments = self.payments.clone();
                self.call(async move {
                    Answer::Sale(
                        payments
                            .sell(sale.amount_jpy, sale.order_ref, confirmed.assertion)
                            .await,
                    )
                });
            }
            CustomerAction::ExtendTime => self.session(SessionInput::ExtendTime),
            CustomerAction::Cancel => match &self.workflow {
                Workflow::Choosing(_, sale) => {
                    let sale = sale.clone();
                    self.replace(Workflow::SaleEnded(
                        sale,
                        SaleStep::Failed {
                            message: Message::of(Code::Cancelled),
                        },
                    ));
                }
                _ => self.session(SessionInput::Cancel(Actor::Customer)),
            },
        }
        Ok(())
    }

    fn require_session(&self) -> Result<(), ActionError> {
        match self.workflow {
            Workflow::IdentifyForCheck(_) | Workflow::IdentifyForSale(..) | Workflow::Enroll(_) => {
                Ok(())
            }
            _ => Err(Code::NotNow.into()),
        }
    }

    fn require_enroll(&self) -> Result<(), ActionError> {
        match self.workflow {
            Workflow::Enroll(_) => Ok(()),
            _ => Err(Code::NotNow.into()),
        }
    }

    fn staff(&mut self, action: StaffAction) -> Result<(), ActionError> {
        self.notice = None;
        match action {
            StaffAction::SetMode { mode } => {
                if !matches!(self.workflow, Workflow::Idle | Workflow::SaleEnded(..)) {
                    return Err(Code::NotNow.into());
                }
                self.mode = mode;
                self.replace(Workflow::Idle);
            }
            StaffAction::ConfirmLastTry => self.session(SessionInput::ConfirmLastTry),
            StaffAction::StartAgain => match &self.workflow {
                Workflow::SaleEnded(sale, SaleStep::Failed { .. }) => {
                    let sale = sale.clone();
                    self.start_sale(sale)?;
                }
                _ => self.session(SessionInput::StartAgain),
            },
            StaffAction::Cancel => match &self.workflow {
                Workflow::IdentifyForCheck(_)
                | Workflow::IdentifyForSale(..)
                | Workflow::Enroll(_) => {
                    self.session(SessionInput::Cancel(Actor::Staff));
                    self.replace(Workflow::Idle);
                }
                Workflow::Paying(..) => return Err(Code::PaymentBusy.into()),
                _ => self.replace(Workflow::Idle),
            },
            StaffAction::Finish => {
                if matches!(self.workflow, Workflow::Paying(..)) {
                    return Err(Code::PaymentBusy.into());
                }
                self.replace(Workflow::Idle);
            }
            StaffAction::ExpectPatient { name, birth_date } => {
                self.check_mode().ok_or(Code::NotNow)?;
                if name.trim().is_empty() && birth_date.trim().is_empty() {
                    self.expected = None;
                    return Ok(());
                }
                let record = ClinicRecord::expected(&name, &birth_date).map_err(|e| e.code())?;
                match &self.workflow {
                    // The running check compares its answer with it (until the answer).
                    Workflow::Check(c) if !c.is_ended() => {
                        self.check_input(eligibility::Input::Expect(record))?;
                    }
                    _ => self.expected = Some(record),
                }
            }
            StaffAction::AcknowledgeWarnings => {
                self.check_input(eligibility::Input::AcknowledgeWarnings)?;
            }
            StaffAction::ChooseRecord { index } => {
                self.check_input(eligibility::Input::ChooseRecord {
                    index: index as usize,
                })?;
            }
            StaffAction::StartFallback { reason } => {
                let mode = self.check_mode().ok_or(Code::NotNow)?;
                if matches!(self.workflow, Workflow::Check(_)) {
                    return Err(Code::NotNow.into());
                }
                let settings = self.check_settings()?;
                let id = self.next_id("chk")?;
                let check = EligibilityCheck::fallback_only(id, mode, settings, reason, None)
                    .map_err(|_| Code::Internal)?;
                self.replace(Workflow::Check(Box::new(check)));
            }
            StaffAction::RecordFallback { form } => {
                self.check_input(eligibility::Input::RecordFallback(form))?;
            }
            StaffAction::Export => self.check_input(eligibility::Input::Export)?,
            StaffAction::NewSale {
                amount_jpy,
                order_ref,
            } => {
                if self.mode != CounterMode::Cashier {
                    return Err(Code::NotNow.into());
                }
                if !matches!(self.workflow, Workflow::Idle | Workflow::SaleEnded(..)) {
                    return Err(Code::NotNow.into());
                }
                let amount_jpy = check_amount(amount_jpy)?;
                self.start_sale(Sale {
                    amount_jpy,
                    order_ref,
                })?;
            }
            StaffAction::Void { sale_id } => {
                let p = self.payments.clone();
                self.call(async move { Answer::Journal(p.void(&sale_id).await.map(|r| r.code)) });
            }
            StaffAction::Refund {
                sale_id,
                amount_jpy,
            } => {
                let p = self.payments.clone();
                self.call(async move {
                    Answer::Journal(p.refund(&sale_id, amount_jpy).await.map(|(_, code)| code))
                });
            }
            StaffAction::Recover => {
                let p = self.payments.clone();
                self.call(async move {
                    Answer::Journal(p.recover().await.map(|r| {
                        if r.is_empty() {
                            Code::NothingInDoubt
                        } else {
                            Code::PaymentsRecovered
                        }
                    }))
                });
            }
            StaffAction::StartEnrollment { services } => self.start_enrollment(services)?,
        }
        Ok(())
    }

    fn start_sale(&mut self, sale: Sale) -> Result<(), ActionError> {
        let request = ChallengeRequest {
            purpose: ChallengePurpose::Payment,
            context: Some(ChallengeContext {
                merchant_id: self.setup.merchant_id.clone(),
                amount_jpy: sale.amount_jpy,
            }),
        };
        let ident = self.new_identification(request)?;
        self.replace(Workflow::IdentifyForSale(Box::new(ident), sale));
        if self.reader == ReaderState::Card {
            self.session(SessionInput::CardPlaced {
                pin_pad: self.pin_pad,
            });
        }
        Ok(())
    }

    fn start_enrollment(&mut self, services: Vec<ServiceLink>) -> Result<(), ActionError> {
        // From idle, or right after an identification said the card is not enrolled.
        let ok = match &self.workflow {
            Workflow::Idle | Workflow::SaleEnded(..) | Workflow::Check(_) => true,
            Workflow::IdentifyForCheck(i) => {
                matches!(
                    i.staff_view().step,
                    identify::Step::Failed
                        | identify::Step::Cancelled
                        | identify::Step::WaitingForCard
                )
            }
            _ => false,
        };
        if !ok {
            return Err(Code::NotNow.into());
        }
        let en = Enrollment::new(services, &self.setup.terminal_id, &self.setup.platform_id)
            .map_err(|_| Code::NotNow)?;
        self.replace(Workflow::Enroll(Box::new(en)));
        if self.reader == ReaderState::Card {
            self.session(SessionInput::CardPlaced {
                pin_pad: self.pin_pad,
            });
        }
        Ok(())
    }

    fn sale_ended(&mut self, generation: u64, r: Result<SaleReport, RuntimeError>) {
        let step = match r {
            Ok(report) => {
                self.backends_ok = Some(true);
                let receipt = persist::customer_receipt(&self.setup, &report.record, self.now());
                SaleStep::Done {
                    message: Message::of(report.code),
                    record: report.record,
                    receipt,
                }
            }
            Err(e) => SaleStep::Failed {
                message: Message::of(e.code()),
            },
        };
        match &self.workflow {
            Workflow::Paying(sale) if generation == self.generation => {
                // Both windows show the outcome until staff finish or the next sale.
                let sale = sale.clone();
                self.workflow = Workflow::SaleEnded(sale, step);
            }
            _ => {
                // Staff moved on; the journal has the sale. Tell them anyway.
                if let SaleStep::Done { message, .. } | SaleStep::Failed { message } = step {
                    self.notice = Some(message);
                }
            }
        }
    }

    fn journal_done(&mut self, r: Result<Code, RuntimeError>) {
        self.notice = Some(Message::of(match r {
            Ok(code) => code,
            Err(e) => e.code(),
        }));
    }

    // ---------------------------------------------------------------- screens

    /// Reads the status bar's counts from the store (after anything that may write).
    fn refresh_counts(&mut self) {
        self.counts = persist::counts(&self.store);
    }

    /// Sends the screens when they changed (a new revision each time).
    fn publish(&mut self) {
        let (staff, customer) = self.views();
        let (pending_rechecks, payments_in_doubt) = self.counts;
        let expected = match &self.workflow {
            Workflow::Check(c) if c.expected().is_some() => c.expected().cloned(),
            _ => self.expected.clone(),
        };
        let mut screens = Screens {
            revision: self.revision,
            staff,
            customer,
            expected,
            notices: self.card_notices.clone(),
            status: Status {
                mode: self.mode,
                reader_name: self.setup.reader.clone(),
                reader: self.reader,
                pin_pad: self.pin_pad,
                backends_ok: self.backends_ok,
                pending_rechecks,
                payments_in_doubt,
                notice: self.notice.clone(),
            },
        };
        self.screens.send_if_modified(|current| {
            if *current == screens {
                return false;
            }
            self.revision += 1;
            screens.revision = self.revision;
            *current = screens;
            true
        });
    }

    fn views(&self) -> (StaffScreen, CustomerScreen) {
        let sale_view = |sale: &Sale, step: SaleStep| StaffScreen::Sale {
            view: SaleView {
                amount_jpy: sale.amount_jpy,
                order_ref: sale.order_ref.clone(),
                step,
            },
        };
        match &self.workflow {
            Workflow::Idle => (StaffScreen::Ready, CustomerScreen::Welcome),
            Workflow::IdentifyForCheck(i) => (
                StaffScreen::Identify {
                    view: i.staff_view(),
                },
                CustomerScreen::Identify {
                    view: i.customer_view(),
                },
            ),
            Workflow::Check(c) => {
                let customer = if self.reader == ReaderState::Card {
                    CustomerScreen::Check {
                        view: c.customer_view(),
                    }
                } else {
                    CustomerScreen::Welcome
                };
                (
                    StaffScreen::Check {
                        view: Box::new(c.staff_view()),
                    },
                    customer,
                )
            }
            Workflow::IdentifyForSale(i, sale) => (
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
            Workflow::Paying(sale) => (
                sale_view(sale, SaleStep::Paying),
                CustomerScreen::Paying { message: None },
            ),
            Workflow::SaleEnded(sale, step) => {
                let customer = match step {
                    SaleStep::Done { message, .. } | SaleStep::Failed { message } => {
                        CustomerScreen::Paying {
                            message: Some(Message::of(message.code.for_customer())),
                        }
                    }
                    _ => CustomerScreen::Welcome,
                };
                (sale_view(sale, step.clone()), customer)
            }
            Workflow::Enroll(en) => (
                StaffScreen::Enroll {
                    view: en.staff_view(),
                },
                CustomerScreen::Enroll {
                    view: en.customer_view(),
                },
            ),
        }
    }
}

/// The code of a platform notice about the card (a notice this version does not know is
/// left to the log).
fn notice_code(n: &Notice) -> Option<Code> {
    match n {
        Notice::SignCertificateRevoked { .. } => Some(Code::SignCertificateRevoked),
        Notice::SignCertificateUnchecked { detail } => {
            tracing::warn!(%detail, "the signature certificate's revocation was not checked");
            Some(Code::SignCertificateUnchecked)
        }
        other => {
            tracing::warn!(?other, "a notice this version does not know");
            None
        }
    }
}

/// Whether a backend answered at all (a problem answer is an answer).
fn reached<T>(r: &Result<T, BackendFailure>) -> Option<bool> {
    Some(!matches!(
        r,
        Err(BackendFailure::Unreachable { .. } | BackendFailure::Malformed { .. })
    ))
}
