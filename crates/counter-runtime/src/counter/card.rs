//! The card thread of the interactive counter: it watches one PC/SC reader (card placed,
//! card removed, reader or service gone) and runs the workflows' card steps on it, one at a
//! time, in the order they come.
//!
//! Reader events and card steps go through the same queue, so the counter learns of a
//! removal after the step that was running when it happened (whose own result already says
//! `CardRemoved`), never before it. Each step opens an exclusive connection and the flow
//! powers the card down when it ends (jpki.md §1.8): no PIN state outlives a step.
//!
//! A PIN-pad wait cannot be interrupted from here: a cancelled session's PIN-pad step runs
//! until the pad's own time-out (`PIN_PAD_TIMEOUT_SECS`) and its result is dropped by
//! generation and ticket.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use counter_core::enroll::SignAttributes;
use counter_core::identify::{CardFacts, Ticket};
use jpki_card::{
    Authenticate, Authentication, CardError, CardTransport, CertificateFile, DocumentSignature,
    PinEntry, PinKind, PinStatus, ReadCertificate, ReadSignCertificate, SignDocument, SignPassword,
    TransportError, run,
};
use jpki_card_pcsc::{Monitor, PcscCard, ReaderEvent};

/// A card step of a workflow.
pub(crate) enum CardWork {
    /// Auth PIN tries and the auth certificate's notAfter (no try used).
    ReadCard { ticket: Ticket },
    /// The sign certificate's four attributes (one password try).
    ReadSignCertificate {
        ticket: Ticket,
        password: SignPassword,
        confirm_last_try: bool,
    },
    /// The challenge signed with the auth key (one PIN try).
    Authenticate {
        ticket: Ticket,
        pin: PinEntry,
        digest: [u8; 32],
        confirm_last_try: bool,
    },
    /// The application signed with the sign key.
    SignApplication {
        ticket: Ticket,
        password: SignPassword,
        digest: [u8; 32],
    },
}

/// What a card step yielded.
pub(crate) enum WorkResult {
    Read(Ticket, Result<CardFacts, CardError>),
    SignCertificateRead(Ticket, Result<SignAttributes, CardError>),
    Signed(Ticket, Result<Authentication, CardError>),
    ApplicationSigned(Ticket, Result<DocumentSignature, CardError>),
}

impl WorkResult {
    /// Whether the step failed because the card left.
    fn card_removed(&self) -> bool {
        let gone = |e: &CardError| matches!(e, CardError::Transport(TransportError::CardRemoved));
        match self {
            Self::Read(_, r) => r.as_ref().err().is_some_and(gone),
            Self::SignCertificateRead(_, r) => r.as_ref().err().is_some_and(gone),
            Self::Signed(_, r) => r.as_ref().err().is_some_and(gone),
            Self::ApplicationSigned(_, r) => r.as_ref().err().is_some_and(gone),
        }
    }
}

/// What the card thread reports to the counter.
pub(crate) enum CardReport {
    /// A card lies on the configured reader.
    Placed { pin_pad: bool },
    /// The card left.
    Removed,
    /// The configured reader is (or is no longer) attached; `false` also when the PC/SC
    /// service stopped.
    Reader { attached: bool },
    /// A step of workflow generation `generation` ended.
    Done { generation: u64, result: WorkResult },
}

enum Job {
    Event(ReaderEvent),
    Work { generation: u64, work: CardWork },
}

/// The handle of the card thread; dropping it stops the thread.
pub(crate) struct CardThread {
    jobs: Option<Sender<Job>>,
    monitor_forwarder: Option<JoinHandle<()>>,
    worker: Option<JoinHandle<()>>,
    stop_monitor: Option<Sender<()>>,
}

impl CardThread {
    /// Watches `reader` and runs steps on it; every report goes to `report`.
    pub(crate) fn start(
        reader: String,
        report: impl Fn(CardReport) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let worker = std::thread::Builder::new()
            .name("counter card".into())
            .spawn(move || Worker { reader, report }.run(&rx))?;
        let (stop_monitor, stop_rx) = mpsc::channel::<()>();
        let events = jobs.clone();
        let monitor_forwarder = std::thread::Builder::new()
            .name("counter reader events".into())
            .spawn(move || forward_events(&events, &stop_rx))?;
        Ok(Self {
            jobs: Some(jobs),
            monitor_forwarder: Some(monitor_forwarder),
            worker: Some(worker),
            stop_monitor: Some(stop_monitor),
        })
    }

    /// Queues a step of workflow `generation`.
    pub(crate) fn run(&self, generation: u64, work: CardWork) {
        if let Some(jobs) = &self.jobs {
            // A closed queue means the thread ended; the step's result never comes and the
            // workflow's time limit ends the session.
            let _ = jobs.send(Job::Work { generation, work });
        }
    }
}

impl Drop for CardThread {
    fn drop(&mut self) {
        self.stop_monitor = None;
        if let Some(t) = self.monitor_forwarder.take() {
            let _ = t.join();
        }
        self.jobs = None;
        if let Some(t) = self.worker.take() {
            let _ = t.join();
        }
    }
}

/// Forwards the reader monitor's events until `stop` closes.
fn forward_events(jobs: &Sender<Job>, stop: &Receiver<()>) {
    let monitor = match Monitor::start() {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "cannot watch the card readers");
            return;
        }
    };
    let tick = std::time::Duration::from_millis(200);
    // Until the handle closes `stop` (or sends on it).
    while let Err(mpsc::TryRecvError::Empty) = stop.try_recv() {
        if let Some(event) = monitor.recv_timeout(tick)
            && jobs.send(Job::Event(event)).is_err()
        {
            break;
        }
    }
    monitor.stop();
}

struct Worker<F> {
    reader: String,
    report: F,
}

impl<F: Fn(CardReport)> Worker<F> {
    fn run(self, jobs: &Receiver<Job>) {
        while let Ok(job) = jobs.recv() {
            match job {
                Job::Event(e) => self.event(e),
                Job::Work { generation, work } => {
                    let result = self.work(work);
                    let removed = result.card_removed();
                    (self.report)(CardReport::Done { generation, result });
                    // The step saw the card leave; the reader's own event may lag (vpcd
                    // notices a closed connection only when it next talks to the card), so
                    // look now. A second removal report changes nothing.
                    if removed && matches!(self.pin_pad(), Err(TransportError::CardRemoved)) {
                        (self.report)(CardReport::Removed);
                    }
                }
            }
        }
    }

    fn event(&self, event: ReaderEvent) {
        match event {
            ReaderEvent::ReaderAttached { name } if name == self.reader => {
                (self.report)(CardReport::Reader { attached: true });
            }
            ReaderEvent::ReaderRemoved { name } if name == self.reader => {
                (self.report)(CardReport::Reader { attached: false });
                (self.report)(CardReport::Removed);
            }
            ReaderEvent::CardInserted { reader, .. } if reader == self.reader => {
                match self.pin_pad() {
                    Ok(pin_pad) => (self.report)(CardReport::Placed { pin_pad }),
                    // Gone again before we looked: the removal event follows.
                    Err(TransportError::CardRemoved) => {}
                    Err(e) => {
                        // The read step will fail with a clear code; the card is there.
                        tracing::warn!(error = %e, "cannot ask the reader for a PIN pad");
                        (self.report)(CardReport::Placed { pin_pad: false });
                    }
                }
            }
            ReaderEvent::CardRemoved { reader } if reader == self.reader => {
                (self.report)(CardReport::Removed);
            }
            ReaderEvent::ServiceStopped => (self.report)(CardReport::Reader { attached: false }),
            _ => {}
        }
    }

    fn pin_pad(&self) -> Result<bool, TransportError> {
        let mut card = PcscCard::connect(&self.reader)?;
        let pin_pad = card.has_pin_pad();
        card.power_down()?;
        Ok(pin_pad)
    }

    fn connect(&self) -> Result<PcscCard, CardError> {
        PcscCard::connect(&self.reader).map_err(CardError::from)
    }

    fn work(&self, work: CardWork) -> WorkResult {
        match work {
            CardWork::ReadCard { ticket } => WorkResult::Read(ticket, self.read_card()),
            CardWork::ReadSignCertificate {
                ticket,
                password,
                confirm_last_try,
            } => {
                let result = self.connect().and_then(|mut c| {
                    let flow =
                        ReadSignCertificate::new(password).confirm_last_try(confirm_last_try);
                    let cert = run(&mut c, flow)?;
                    sign_attributes(&cert.certificate)
                });
                WorkResult::SignCertificateRead(ticket, result)
            }
            CardWork::Authenticate {
                ticket,
                pin,
                digest,
                confirm_last_try,
            } => {
                let result = self.connect().and_then(|mut c| {
                    run(
                        &mut c,
                        Authenticate::new(pin, digest).confirm_last_try(confirm_last_try),
                    )
                });
                WorkResult::Signed(ticket, result)
            }
            CardWork::SignApplication {
                ticket,
                password,
                digest,
            } => {
                let result = self
                    .connect()
                    .and_then(|mut c| run(&mut c, SignDocument::new(password, digest)));
                WorkResult::ApplicationSigned(ticket, result)
            }
        }
    }

    fn read_card(&self) -> Result<CardFacts, CardError> {
        let mut card = self.connect()?;
        let tries_left = run(&mut card, PinStatus::new(PinKind::AuthPin))?;
        let der = run(
            &mut card,
            ReadCertificate::new(CertificateFile::AuthCertificate),
        )?;
        // An unparsable certificate leaves the expiry unknown; the platform verifies it.
        let certificate_not_after = jpki_cert::JpkiCertificate::from_der(&der)
            .ok()
            .map(|c| c.not_after().0);
        Ok(CardFacts {
            tries_left,
            certificate_not_after,
        })
    }
}

/// The four attributes of a sign certificate, as the enrollment machine takes them.
fn sign_attributes(der: &[u8]) -> Result<SignAttributes, CardError> {
    use counter_api::platform::Sex;
    use jpki_cert::identity::{SexCode, SignIdentity};
    let malformed = |what: &str| CardError::MalformedResponse {
        step: "READ BINARY (sign certificate)",
        reason: format!("its {what} cannot be read"),
    };
    let cert = jpki_cert::JpkiCertificate::from_der(der).map_err(|_| malformed("DER"))?;
    let id = SignIdentity::from_certificate(&cert).map_err(|_| malformed("attributes"))?;
    let sex = match id.sex.code {
        Some(SexCode::Male) => Sex::Male,
        Some(SexCode::Female) => Sex::Female,
        Some(SexCode::NotKnown) => Sex::NotKnown,
        None => return Err(malformed("sex code")),
    };
    let birth_date = id.birth_date.date.ok_or_else(|| malformed("birth date"))?;
    Ok(SignAttributes {
        name: id.name,
        address: id.address,
        birth_date,
        sex,
    })
}
