//! [`Authenticate`]: the 利用者証明 signature over a challenge (docs/domain/jpki.md §1.9).

use std::fmt;

use crate::apdu::Response;
use crate::commands::Ef;
use crate::crypto::{CertificateKey, digest_info_sha256};
use crate::error::CardError;
use crate::flow::machine::{Machine, Op, Program, Want, public_flow, ready};
use crate::flow::ops::{
    PinCounter, ReadFile, SelectAp, SignWith, Verify, check_tries, pin_counter, read_file,
    sign_with,
};
use crate::flow::sign_document::Len;
use crate::pin::AuthPin;

/// How the auth PIN reaches the card.
#[derive(Debug)]
pub enum PinEntry {
    /// Typed on the terminal; sent as `00 20 00 80 04 <4 ASCII digits>` and
    /// zeroised as soon as that command is built.
    Host(AuthPin),
    /// Typed on the reader's PIN pad (PC/SC part 10 `FEATURE_VERIFY_PIN_DIRECT`,
    /// docs/domain/jpki.md §5): the PIN never enters this process. Check
    /// [`CardTransport::has_pin_pad`](crate::CardTransport::has_pin_pad) first.
    PinPad {
        /// Seconds the pad waits for the PIN (`bTimerOut`; 0 = the reader's default).
        timeout_secs: u8,
    },
}

/// What [`Authenticate`] yields: the material the verification platform checks.
#[derive(Clone, PartialEq, Eq)]
pub struct Authentication {
    /// The 利用者証明用 certificate (DER), read from EF `000A`.
    pub certificate: Vec<u8>,
    /// The 256-byte PKCS#1 v1.5 signature over the DigestInfo(SHA-256) of the
    /// digest; already checked against `certificate`'s key.
    pub signature: Vec<u8>,
    /// Tries the PIN had before this VERIFY (3, 2 or 1; it is 3 again now).
    pub tries_left_before: u8,
}

impl fmt::Debug for Authentication {
    /// Lengths only: the certificate identifies a person.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authentication")
            .field("certificate", &Len(&self.certificate))
            .field("signature", &Len(&self.signature))
            .field("tries_left_before", &self.tries_left_before)
            .finish()
    }
}

public_flow!(
    /// Reads the auth certificate, verifies the auth PIN and signs
    /// DigestInfo(SHA-256) of the given digest with the auth key, then checks
    /// the signature against the certificate (docs/domain/jpki.md §1.9, §6.4).
    ///
    /// APDUs (14 for a 1,586-byte certificate): SELECT JPKI-AP; SELECT `000A`;
    /// READ BINARY ×n; SELECT `0018`; empty VERIFY (tries left); VERIFY (or the
    /// PIN pad); SELECT `0017`; COMPUTE DIGITAL SIGNATURE `80 2A 00 80 33 … 00`.
    ///
    /// No VERIFY with data is sent when the counter is 0
    /// ([`CardError::PinBlocked`]) or 1 without
    /// [`confirm_last_try`](Authenticate::confirm_last_try)
    /// ([`CardError::LastTryNeedsConfirmation`]), or when the certificate does
    /// not parse. A wrong PIN ends the flow ([`CardError::PinIncorrect`]); it is
    /// never retried.
    Authenticate,
    AuthenticateProgram,
    Authentication
);

impl Authenticate {
    /// A flow that signs `digest`, the SHA-256 of the challenge (see
    /// [`sha256`](crate::sha256)). The last try is refused unless confirmed.
    pub fn new(pin: PinEntry, digest: [u8; 32]) -> Self {
        Authenticate(Machine::new(AuthenticateProgram {
            pin: Some(pin),
            digest_info: digest_info_sha256(&digest),
            confirm_last_try: false,
            certificate: None,
            tries_left_before: 0,
            stage: Stage::SelectAp(SelectAp::new()),
        }))
    }

    /// Whether the operator confirmed using the PIN's last try (docs/domain/jpki.md §6.3).
    pub fn confirm_last_try(mut self, confirmed: bool) -> Self {
        self.0.program.confirm_last_try = confirmed;
        self
    }
}

pub(crate) struct AuthenticateProgram {
    pin: Option<PinEntry>,
    digest_info: [u8; 51],
    confirm_last_try: bool,
    certificate: Option<(Vec<u8>, CertificateKey)>,
    tries_left_before: u8,
    stage: Stage,
}

enum Stage {
    SelectAp(SelectAp),
    ReadCertificate(ReadFile),
    Counter(PinCounter),
    Verify(Verify),
    Sign(SignWith),
    Finished,
}

impl Op for AuthenticateProgram {
    type Out = Authentication;

    fn poll(&mut self) -> Result<Want<Authentication>, CardError> {
        loop {
            match &mut self.stage {
                Stage::SelectAp(op) => {
                    ready!(op.poll());
                    self.stage = Stage::ReadCertificate(read_file(Ef::AuthCertificate));
                }
                Stage::ReadCertificate(op) => {
                    let der = ready!(op.poll());
                    let key = CertificateKey::from_certificate(&der)
                        .map_err(|reason| CardError::malformed("READ BINARY", reason))?;
                    self.certificate = Some((der, key));
                    self.stage = Stage::Counter(pin_counter(Ef::AuthPin));
                }
                Stage::Counter(op) => {
                    let tries = ready!(op.poll());
                    check_tries(tries, self.confirm_last_try)?;
                    self.tries_left_before = tries;
                    // The PIN is dropped (zeroised) at the end of this match.
                    let verify = match self.pin.take() {
                        Some(PinEntry::Host(pin)) => Verify::host(&pin),
                        Some(PinEntry::PinPad { timeout_secs }) => Verify::pin_pad(timeout_secs),
                        None => {
                            return Err(CardError::ContractViolation {
                                reason: "the PIN was already used",
                            });
                        }
                    };
                    self.stage = Stage::Verify(verify);
                }
                Stage::Verify(op) => {
                    ready!(op.poll());
                    self.stage = Stage::Sign(sign_with(Ef::AuthKey, &self.digest_info)?);
                }
                Stage::Sign(op) => {
                    let signature = ready!(op.poll());
                    self.stage = Stage::Finished;
                    let (certificate, key) =
                        self.certificate
                            .take()
                            .ok_or(CardError::ContractViolation {
                                reason: "signature before certificate",
                            })?;
                    if !key.verifies(&self.digest_info, &signature) {
                        return Err(CardError::SignatureInvalid);
                    }
                    return Ok(Want::Ready(Authentication {
                        certificate,
                        signature,
                        tries_left_before: self.tries_left_before,
                    }));
                }
                Stage::Finished => {
                    return Err(CardError::ContractViolation {
                        reason: "polled after completion",
                    });
                }
            }
        }
    }

    fn on_response(&mut self, response: Response) -> Result<(), CardError> {
        match &mut self.stage {
            Stage::SelectAp(op) => op.on_response(response),
            Stage::ReadCertificate(op) => op.on_response(response),
            Stage::Counter(op) => op.on_response(response),
            Stage::Verify(op) => op.on_response(response),
            Stage::Sign(op) => op.on_response(response),
            Stage::Finished => Err(CardError::ContractViolation {
                reason: "a response arrived after completion",
            }),
        }
    }
}

impl Program for AuthenticateProgram {
    fn scrub(&mut self) {
        self.pin = None;
        self.stage = Stage::Finished; // drops an unsent VERIFY too
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::flow::{Flow, Step};
    use crate::transport::TransportError;

    /// A flow whose certificate stage is skipped, to look at the PIN.
    fn at_counter(pin: PinEntry) -> Authenticate {
        let mut flow = Authenticate::new(pin, [0; 32]);
        flow.0.program.stage = Stage::Counter(pin_counter(Ef::AuthPin));
        flow
    }

    fn host_pin() -> PinEntry {
        PinEntry::Host(AuthPin::new("1234").unwrap())
    }

    fn step_bytes(step: Step) -> Vec<u8> {
        match step {
            Step::Transmit(command) => command.to_bytes().to_vec(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_pin_is_gone_once_the_verify_is_built() {
        let mut flow = at_counter(host_pin());
        assert_eq!(
            step_bytes(flow.next()),
            [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18]
        );
        flow.handle_response(&[0x90, 0x00]);
        assert_eq!(step_bytes(flow.next()), [0x00, 0x20, 0x00, 0x80]);
        flow.handle_response(&[0x63, 0xC3]);
        assert!(flow.0.program.pin.is_some());
        let verify = flow.next();
        assert!(flow.0.program.pin.is_none());
        assert_eq!(
            format!("{verify:?}"),
            "Transmit(Command(00 20 00 80 04 ** ** ** **))"
        );
    }

    #[test]
    fn the_pin_is_gone_on_every_failure() {
        // Blocked counter: no VERIFY, PIN dropped.
        let mut flow = at_counter(host_pin());
        let _ = flow.next();
        flow.handle_response(&[0x90, 0x00]);
        let _ = flow.next();
        flow.handle_response(&[0x63, 0xC0]);
        assert!(matches!(flow.next(), Step::Done));
        assert!(flow.0.program.pin.is_none());
        assert_eq!(flow.finish().unwrap_err(), CardError::PinBlocked);

        // A transport error before the counter.
        let mut flow = Authenticate::new(host_pin(), [0; 32]);
        let _ = flow.next();
        flow.handle_transport_error(TransportError::CardRemoved);
        assert!(flow.0.program.pin.is_none());

        // Last try without confirmation.
        let mut flow = at_counter(host_pin());
        let _ = flow.next();
        flow.handle_response(&[0x90, 0x00]);
        let _ = flow.next();
        flow.handle_response(&[0x63, 0xC1]);
        assert!(matches!(flow.next(), Step::Done));
        assert!(flow.0.program.pin.is_none());
    }

    #[test]
    fn the_pin_pad_path_builds_the_structure() {
        let mut flow = at_counter(PinEntry::PinPad { timeout_secs: 45 });
        let _ = flow.next();
        flow.handle_response(&[0x90, 0x00]);
        let _ = flow.next();
        flow.handle_response(&[0x63, 0xC2]);
        match flow.next() {
            Step::VerifyOnPinPad(s) => assert_eq!(s, crate::pinpad::auth_pin_verify_structure(45)),
            other => panic!("{other:?}"),
        }
        flow.handle_response(&[0x64, 0x01]);
        assert!(matches!(flow.next(), Step::Done));
        assert_eq!(flow.finish().unwrap_err(), CardError::PinEntryCancelled);
    }
}
