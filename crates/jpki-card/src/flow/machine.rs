//! The generic driver-facing half of every flow: contract checks, the
//! exchange layer, and the final result. Each flow supplies a [`Program`]
//! that only sees complete responses and decides what comes next.

use crate::apdu::{Command, Response};
use crate::error::CardError;
use crate::flow::Step;
use crate::flow::exchange::Exchange;
use crate::status::StatusWord;
use crate::transport::TransportError;

/// Something a program or operation needs exchanged with the card.
pub(crate) enum Request {
    /// A command APDU.
    Apdu(Command),
    /// A PIN_VERIFY_STRUCTURE for the reader's PIN pad.
    PinPad(Vec<u8>),
}

/// The answer of a `poll`: send something, or the value is ready.
pub(crate) enum Want<T> {
    /// Exchange this, then call `on_response`.
    Send(Request),
    /// Finished with this value.
    Ready(T),
}

/// Unwraps `Want::Ready`, or returns `Want::Send` to the caller.
macro_rules! ready {
    ($poll:expr) => {
        match $poll? {
            $crate::flow::machine::Want::Ready(value) => value,
            $crate::flow::machine::Want::Send(request) => {
                return Ok($crate::flow::machine::Want::Send(request));
            }
        }
    };
}
pub(crate) use ready;

/// A step-by-step card operation (one command or a few). Also what each flow
/// implements at the top.
pub(crate) trait Op {
    /// The value the operation produces.
    type Out;
    /// What to exchange next, or the value. Called first and after each response.
    fn poll(&mut self) -> Result<Want<Self::Out>, CardError>;
    /// A complete response (after 61xx/6Cxx handling) to the last request.
    fn on_response(&mut self, response: Response) -> Result<(), CardError>;
}

/// A flow's top-level operation.
pub(crate) trait Program: Op {
    /// Drops every secret still held; called when the flow fails.
    fn scrub(&mut self);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Ready,
    AwaitingApdu,
    AwaitingPinPad,
    Finished,
}

/// Runs a [`Program`] under the [`Flow`](crate::Flow) contract.
pub(crate) struct Machine<P: Program> {
    pub(crate) program: P,
    exchange: Exchange,
    phase: Phase,
    outcome: Option<Result<P::Out, CardError>>,
}

impl<P: Program> Machine<P> {
    pub(crate) fn new(program: P) -> Self {
        Machine {
            program,
            exchange: Exchange::default(),
            phase: Phase::Ready,
            outcome: None,
        }
    }

    pub(crate) fn next(&mut self) -> Step {
        match self.phase {
            Phase::Finished => return Step::Done,
            Phase::AwaitingApdu | Phase::AwaitingPinPad => {
                self.fail(CardError::ContractViolation {
                    reason: "next() called while a response is pending",
                });
                return Step::Done;
            }
            Phase::Ready => {}
        }
        if let Some(command) = self.exchange.take_follow_up() {
            self.phase = Phase::AwaitingApdu;
            return Step::Transmit(command);
        }
        match self.program.poll() {
            Ok(Want::Send(Request::Apdu(command))) => {
                self.exchange.sent(&command);
                self.phase = Phase::AwaitingApdu;
                Step::Transmit(command)
            }
            Ok(Want::Send(Request::PinPad(structure))) => {
                self.phase = Phase::AwaitingPinPad;
                Step::VerifyOnPinPad(structure)
            }
            Ok(Want::Ready(output)) => {
                self.outcome = Some(Ok(output));
                self.phase = Phase::Finished;
                Step::Done
            }
            Err(e) => {
                self.fail(e);
                Step::Done
            }
        }
    }

    pub(crate) fn handle_response(&mut self, bytes: &[u8]) {
        let result = match self.phase {
            Phase::AwaitingApdu => {
                self.phase = Phase::Ready;
                self.apdu_response(bytes)
            }
            Phase::AwaitingPinPad => {
                self.phase = Phase::Ready;
                match *bytes {
                    [sw1, sw2] => self
                        .program
                        .on_response(Response::new(Vec::new(), StatusWord::from_bytes(sw1, sw2))),
                    _ => Err(CardError::malformed(
                        "VERIFY (PIN pad)",
                        format!(
                            "the reader's reply has {} bytes; a PIN pad replies with exactly 2",
                            bytes.len()
                        ),
                    )),
                }
            }
            Phase::Ready => Err(CardError::ContractViolation {
                reason: "a response was handed in, but no command was pending",
            }),
            Phase::Finished => return,
        };
        if let Err(e) = result {
            self.fail(e);
        }
    }

    fn apdu_response(&mut self, bytes: &[u8]) -> Result<(), CardError> {
        let response = Response::parse(bytes)
            .map_err(|e| CardError::malformed(self.exchange.step(), e.to_string()))?;
        match self.exchange.on_response(response)? {
            Some(complete) => self.program.on_response(complete),
            None => Ok(()), // a GET RESPONSE or a re-send is queued
        }
    }

    pub(crate) fn handle_transport_error(&mut self, error: TransportError) {
        if self.phase != Phase::Finished {
            self.fail(CardError::Transport(error));
        }
    }

    pub(crate) fn finish(self) -> Result<P::Out, CardError> {
        self.outcome.unwrap_or(Err(CardError::ContractViolation {
            reason: "finish() called before next() returned Step::Done",
        }))
    }

    fn fail(&mut self, error: CardError) {
        self.program.scrub();
        self.outcome = Some(Err(error));
        self.phase = Phase::Finished;
    }
}

/// Declares a public flow type around `Machine<$program>` and implements
/// [`Flow`](crate::Flow) by delegation.
macro_rules! public_flow {
    ($(#[$meta:meta])* $name:ident, $program:ty, $output:ty) => {
        $(#[$meta])*
        pub struct $name(pub(crate) $crate::flow::machine::Machine<$program>);

        impl $crate::flow::Flow for $name {
            type Output = $output;
            fn next(&mut self) -> $crate::flow::Step {
                self.0.next()
            }
            fn handle_response(&mut self, response: &[u8]) {
                self.0.handle_response(response)
            }
            fn handle_transport_error(&mut self, error: $crate::transport::TransportError) {
                self.0.handle_transport_error(error)
            }
            fn finish(self) -> Result<$output, $crate::error::CardError> {
                self.0.finish()
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}
pub(crate) use public_flow;
