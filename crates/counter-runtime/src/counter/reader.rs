//! The reader worker of the interactive counter: a thread that watches the PC/SC readers
//! the configuration names (`[counter] reader`: one name, or patterns for a contact and a
//! contactless reader; card placed, card removed, reader or service gone) and runs the
//! card sessions' card steps on the reader the card was placed on, one at a time, in the
//! order they come; and a second thread that forwards the PC/SC monitor's events to it.
//!
//! A card placed on a second watched reader while one holds the customer's card is not
//! read; the counter is told whether one lies there (`OtherCard`), so that staff see what
//! to do with it ([`ReaderSlots`] keeps the rules).
//!
//! Reader events and card steps go through the same queue, so the counter learns of a
//! removal after the step that was running when it happened (whose own result already says
//! `CardRemoved`), never before it. Each step opens an exclusive connection and the flow
//! powers the card down when it ends (docs/domain/jpki.md §1.8): no PIN state outlives a step.
//!
//! A cancelled session's card step is abandoned ([`ReaderWorker::abort`]): a PIN-pad wait
//! ends at once through the step's [`PinPadCancel`] (the reader itself keeps prompting
//! until its own end, pcsc-lite cannot interrupt it: `jpki_card_pcsc`'s `cancel` module),
//! and a step of that session still in the queue is not run. A late result is refused as
//! stale by generation and ticket all the same.

use std::cell::RefCell;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use counter_core::counter::ReaderEvent as CounterEvent;
use counter_core::session::{self, CardFacts, SignAttributes};
use jpki_card::{
    Authenticate, CardError, CardTransport, CertificateFile, PinKind, PinStatus, ReadCertificate,
    ReadSignCertificate, SignDocument, TransportError, run,
};
use jpki_card_pcsc::{Monitor, PcscCard, PinPadCancel, ReaderEvent};

use super::reader_slots::{Placed, ReaderSlots, Removed};
use crate::reader_names::ReaderNames;

/// What the reader worker reports to the counter.
pub(crate) enum Report {
    /// The configured reader's event.
    Event(CounterEvent),
    /// A card step of workflow generation `generation` ended: its result, as the session
    /// machine takes it.
    Done {
        generation: u64,
        input: session::Input,
    },
}

/// How often a card just announced is looked at again when the reader says it is gone.
const INSERTION_RETRIES: u32 = 3;
/// The pause between those looks.
const INSERTION_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(100);

/// Whether a card step's result says the card left.
fn card_removed(input: &session::Input) -> bool {
    let gone = |e: &CardError| matches!(e, CardError::Transport(TransportError::CardRemoved));
    match input {
        session::Input::CardRead { result, .. } => result.as_ref().err().is_some_and(gone),
        session::Input::SignCertificateRead { result, .. } => {
            result.as_ref().err().is_some_and(gone)
        }
        session::Input::Signed { result, .. } => result.as_ref().err().is_some_and(gone),
        session::Input::ApplicationSigned { result, .. } => result.as_ref().err().is_some_and(gone),
        _ => false,
    }
}

#[allow(
    clippy::large_enum_variant,
    reason = "one job at a time through the worker's queue"
)]
enum Job {
    Event(ReaderEvent),
    Step {
        /// The step's place in the queue.
        number: u64,
        generation: u64,
        step: session::Effect,
    },
}

/// The card step on the reader now, and the steps given up: shared by the event loop
/// ([`ReaderWorker::abort`]) and the worker.
#[derive(Default)]
struct Steps {
    /// Steps queued so far: the next one's number.
    queued: u64,
    /// The step on the reader: its number, its generation, and its card's canceller once
    /// it connected.
    running: Option<(u64, u64, Option<PinPadCancel>)>,
    /// The last abort: steps of `generation` numbered below `before` are given up.
    aborted: Option<Aborted>,
    /// The worker is stopping: no queued step runs any more.
    closing: bool,
}

#[derive(Clone, Copy)]
struct Aborted {
    generation: u64,
    before: u64,
}

impl Steps {
    fn given_up(&self, number: u64, generation: u64) -> bool {
        self.closing
            || self
                .aborted
                .is_some_and(|a| a.generation == generation && number < a.before)
    }

    /// Cancels the running step's PIN-pad wait if it is given up.
    fn cancel_if_given_up(&self) {
        if let Some((number, generation, Some(cancel))) = &self.running
            && self.given_up(*number, *generation)
        {
            cancel.cancel();
        }
    }
}

#[derive(Clone, Default)]
struct SharedSteps(Arc<Mutex<Steps>>);

impl SharedSteps {
    fn lock(&self) -> MutexGuard<'_, Steps> {
        // Plain numbers and a canceller: nothing a panic could leave half-done.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The handle of the reader worker; dropping it stops both threads (a PIN-pad wait is
/// abandoned first, so stopping never waits for a customer).
pub(crate) struct ReaderWorker {
    jobs: Option<Sender<Job>>,
    steps: SharedSteps,
    monitor_forwarder: Option<JoinHandle<()>>,
    worker: Option<JoinHandle<()>>,
    stop_monitor: Option<Sender<()>>,
}

impl ReaderWorker {
    /// Watches the readers `reader` names and runs steps on the one holding the card;
    /// every report goes to `report`.
    pub(crate) fn start(
        reader: ReaderNames,
        report: impl Fn(Report) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let steps = SharedSteps::default();
        let shared = steps.clone();
        let worker = std::thread::Builder::new()
            .name("reader worker".into())
            .spawn(move || {
                Worker {
                    reader,
                    slots: RefCell::default(),
                    report,
                    steps: shared,
                }
                .run(&rx)
            })?;
        let (stop_monitor, stop_rx) = mpsc::channel::<()>();
        let events = jobs.clone();
        let monitor_forwarder = std::thread::Builder::new()
            .name("reader events".into())
            .spawn(move || forward_events(&events, &stop_rx))?;
        Ok(Self {
            jobs: Some(jobs),
            steps,
            monitor_forwarder: Some(monitor_forwarder),
            worker: Some(worker),
            stop_monitor: Some(stop_monitor),
        })
    }

    /// Queues a card step (a card session's `ReadCard`, `ReadSignCertificate`,
    /// `Authenticate` or `SignApplication`) of workflow `generation`. False when the
    /// worker has ended: the step's result never comes, and the session's time limit (or
    /// the staff's cancel) ends it.
    pub(crate) fn run(&self, generation: u64, step: session::Effect) -> bool {
        let Some(jobs) = self.jobs.as_ref() else {
            return false;
        };
        let mut steps = self.steps.lock();
        let number = steps.queued;
        steps.queued += 1;
        jobs.send(Job::Step {
            number,
            generation,
            step,
        })
        .is_ok()
    }

    /// Gives up the card steps of workflow `generation` queued so far (its session was
    /// cancelled): a PIN-pad wait among them ends at once with `TransportError::Cancelled`,
    /// the card being unpowered when the reader gives it back; one not started yet is not
    /// run. Steps queued later run as usual.
    pub(crate) fn abort(&self, generation: u64) {
        let mut steps = self.steps.lock();
        steps.aborted = Some(Aborted {
            generation,
            before: steps.queued,
        });
        steps.cancel_if_given_up();
    }
}

impl Drop for ReaderWorker {
    fn drop(&mut self) {
        {
            let mut steps = self.steps.lock();
            steps.closing = true;
            steps.cancel_if_given_up();
        }
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
    /// The readers watched.
    reader: ReaderNames,
    /// Those attached and the one holding the customer's card (steps run there).
    slots: RefCell<ReaderSlots>,
    report: F,
    steps: SharedSteps,
}

impl<F: Fn(Report)> Worker<F> {
    fn run(self, jobs: &Receiver<Job>) {
        while let Ok(job) = jobs.recv() {
            match job {
                Job::Event(e) => self.event(e),
                Job::Step {
                    number,
                    generation,
                    step,
                } => {
                    {
                        let mut steps = self.steps.lock();
                        if steps.given_up(number, generation) {
                            tracing::debug!("a card step of a cancelled session was not run");
                            continue;
                        }
                        steps.running = Some((number, generation, None));
                    }
                    let input = self.step(step);
                    self.steps.lock().running = None;
                    let Some(input) = input else {
                        continue;
                    };
                    let removed = card_removed(&input);
                    (self.report)(Report::Done { generation, input });
                    // The step saw the card leave; the reader's own event may lag (vpcd
                    // notices a closed connection only when it next talks to the card), so
                    // look now. A second removal report changes nothing.
                    if removed && matches!(self.pin_pad(), Err(TransportError::CardRemoved)) {
                        (self.report)(Report::Event(CounterEvent::Removed));
                    }
                }
            }
        }
    }

    /// One PC/SC event: the counter's reader events, and whether a card lies unread
    /// (compared before and after, so that the notice's rule is [`ReaderSlots`]' alone).
    fn event(&self, event: ReaderEvent) {
        let unread_before = self.slots.borrow().has_unread();
        let announce = self.slot_event(event);
        let unread_after = self.slots.borrow().has_unread();
        if unread_after != unread_before {
            (self.report)(Report::Event(CounterEvent::OtherCard(unread_after)));
        }
        // After the notice's change: a card read now that lay unread ends the notice
        // before its session starts.
        if announce {
            self.announce_card();
        }
    }

    /// Feeds `event` to the slots and reports what it means for the counter, but for a
    /// card to announce (returns `true`: [`Self::announce_card`]).
    fn slot_event(&self, event: ReaderEvent) -> bool {
        match event {
            ReaderEvent::ReaderAttached { name } if self.reader.matches(&name) => {
                self.slots.borrow_mut().attached(&name);
                (self.report)(Report::Event(CounterEvent::Attached(true)));
            }
            ReaderEvent::ReaderRemoved { name } if self.reader.matches(&name) => {
                let gone = self.slots.borrow_mut().reader_removed(&name);
                // Another watched reader may still be there: then only its card, if it
                // held the customer's, is gone.
                if gone.none_left {
                    (self.report)(Report::Event(CounterEvent::Attached(false)));
                }
                if gone.card_gone {
                    (self.report)(Report::Event(CounterEvent::Removed));
                }
            }
            ReaderEvent::CardInserted { reader, .. } if self.reader.matches(&reader) => {
                let placed = self.slots.borrow_mut().card_placed(&reader);
                match placed {
                    Placed::Unread => {
                        // Not read: the counter tells staff what to do with it.
                        tracing::info!(
                            reader = %reader,
                            "a second card placed while another reader holds the customer's: not read"
                        );
                    }
                    Placed::Customer => return true,
                }
            }
            // A card taken off another watched reader than the customer's is not the
            // customer's card leaving.
            ReaderEvent::CardRemoved { reader } if self.reader.matches(&reader) => {
                let removed = self.slots.borrow_mut().card_removed(&reader);
                match removed {
                    Removed::Customer => (self.report)(Report::Event(CounterEvent::Removed)),
                    Removed::Other => {}
                }
            }
            ReaderEvent::ServiceStopped => {
                self.slots.borrow_mut().service_stopped();
                (self.report)(Report::Event(CounterEvent::Attached(false)));
            }
            _ => {}
        }
        false
    }

    /// Announces the customer's card just placed, with whether its reader has a PIN pad.
    fn announce_card(&self) {
        let pin_pad = match self.pin_pad_settled() {
            Ok(pin_pad) => pin_pad,
            // The card is announced all the same: if it has really gone, the
            // removal event follows and the session ends with "card removed"; if
            // the reader was only slow to power it (a loaded machine), the read
            // step finds it. Dropping the insertion here left a placed card unseen
            // until it was placed again, with no event to come.
            Err(e) => {
                tracing::warn!(error = %e, "cannot ask the reader for a PIN pad");
                false
            }
        };
        (self.report)(Report::Event(CounterEvent::Placed { pin_pad }));
    }

    /// [`Self::pin_pad`] for a card just announced: right after the insertion event, the
    /// reader may still answer "no card" for a moment while it powers the card up. So
    /// "removed" is asked again a few times, 100 ms apart, before the card is announced
    /// without a PIN pad; a card really gone costs that wait before its removal event.
    fn pin_pad_settled(&self) -> Result<bool, TransportError> {
        let mut tries = 0;
        loop {
            match self.pin_pad() {
                Err(TransportError::CardRemoved) if tries < INSERTION_RETRIES => {
                    tries += 1;
                    std::thread::sleep(INSERTION_RETRY_PAUSE);
                }
                other => return other,
            }
        }
    }

    /// The reader steps run on ([`ReaderSlots::target`]); when every reader left holds a
    /// card that is not the customer's, the customer's card is not there: `CardRemoved`.
    fn target(&self) -> Result<String, TransportError> {
        self.slots
            .borrow()
            .target(self.reader.first())
            .ok_or(TransportError::CardRemoved)
    }

    fn pin_pad(&self) -> Result<bool, TransportError> {
        let mut card = PcscCard::connect(&self.target()?)?;
        let pin_pad = card.has_pin_pad();
        card.power_down()?;
        Ok(pin_pad)
    }

    /// Connects for the running step; its PIN-pad wait can then be cancelled (at once, if
    /// the step was given up while connecting).
    fn connect(&self) -> Result<PcscCard, CardError> {
        let card = self
            .target()
            .and_then(|reader| PcscCard::connect(&reader))
            .map_err(CardError::from)?;
        let mut steps = self.steps.lock();
        if let Some((_, _, cancel)) = &mut steps.running {
            *cancel = Some(card.pin_pad_canceller());
        }
        steps.cancel_if_given_up();
        Ok(card)
    }

    /// Runs one card step; its result as the session takes it. `None` for an effect that
    /// is not a card step (never queued).
    fn step(&self, step: session::Effect) -> Option<session::Input> {
        use session::{Effect as E, Input as I};
        Some(match step {
            E::ReadCard { ticket } => I::CardRead {
                ticket,
                result: self.read_card(),
            },
            E::ReadSignCertificate {
                ticket,
                password,
                confirm_last_try,
            } => I::SignCertificateRead {
                ticket,
                result: self.connect().and_then(|mut c| {
                    let flow =
                        ReadSignCertificate::new(password).confirm_last_try(confirm_last_try);
                    let cert = run(&mut c, flow)?;
                    sign_attributes(&cert.certificate)
                }),
            },
            E::Authenticate {
                ticket,
                pin,
                digest,
                confirm_last_try,
            } => I::Signed {
                ticket,
                result: self.connect().and_then(|mut c| {
                    run(
                        &mut c,
                        Authenticate::new(pin, digest).confirm_last_try(confirm_last_try),
                    )
                }),
            },
            E::SignApplication {
                ticket,
                password,
                digest,
            } => I::ApplicationSigned {
                ticket,
                result: self
                    .connect()
                    .and_then(|mut c| run(&mut c, SignDocument::new(password, digest))),
            },
            _ => return None,
        })
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
            .map(|c| c.not_after());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_abort_gives_up_the_steps_of_its_generation_queued_before_it() {
        let mut steps = Steps {
            queued: 5,
            ..Steps::default()
        };
        assert!(!steps.given_up(3, 7));
        steps.aborted = Some(Aborted {
            generation: 7,
            before: 5,
        });
        assert!(steps.given_up(3, 7), "queued before the abort");
        assert!(!steps.given_up(5, 7), "queued after it");
        assert!(!steps.given_up(3, 8), "another workflow");
        steps.closing = true;
        assert!(steps.given_up(9, 8), "nothing runs once the worker stops");
    }
}
