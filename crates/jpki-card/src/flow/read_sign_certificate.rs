//! [`ReadSignCertificate`]: the 署名用 certificate, which the card hands out
//! only after the sign password (docs/domain/jpki.md §1.2, EF `0001`).

use std::fmt;

use crate::apdu::Response;
use crate::error::CardError;
use crate::flow::machine::{Machine, Op, Program, Want, public_flow, ready};
use crate::flow::ops::SelectAp;
use crate::flow::sign_document::Len;
use crate::flow::sign_unlock::SignUnlock;
use crate::pin::SignPassword;

/// What [`ReadSignCertificate`] yields.
#[derive(Clone, PartialEq, Eq)]
pub struct SignCertificate {
    /// The 署名用 certificate (DER) from EF `0001`, with 氏名, 住所, 生年月日,
    /// 性別; it parses as X.509 with an RSA key (checked before it is handed out).
    pub certificate: Vec<u8>,
    /// Tries the password had before this VERIFY (5 to 1; it is 5 again now).
    pub tries_left_before: u8,
}

impl fmt::Debug for SignCertificate {
    /// The length only: the certificate holds name, address and birth date.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignCertificate")
            .field("certificate", &Len(&self.certificate))
            .field("tries_left_before", &self.tries_left_before)
            .finish()
    }
}

public_flow!(
    /// Verifies the sign password and reads the sign certificate, so that the
    /// customer can check the four attributes before signing anything
    /// (enrollment at the counter; docs/domain/jpki.md §1.2, §1.3).
    ///
    /// APDUs (12 for a 1,764-byte certificate): SELECT JPKI-AP; SELECT `001B`;
    /// empty VERIFY (tries left); VERIFY password; SELECT `0001`; READ BINARY ×n.
    ///
    /// The same password rules as [`SignDocument`](crate::SignDocument), from
    /// the same steps: no VERIFY with data when the counter is 0
    /// ([`CardError::PinBlocked`]) or 1 without
    /// [`confirm_last_try`](ReadSignCertificate::confirm_last_try)
    /// ([`CardError::LastTryNeedsConfirmation`]); a wrong password ends the flow
    /// with [`CardError::PinIncorrect`] and is never retried; `6A 82` on `001B`
    /// or `0001` is [`CardError::SignatureCertificateAbsent`]. The card stays
    /// verified until it is powered down, which the driver does right after
    /// (docs/domain/jpki.md §1.8): signing needs a new [`SignDocument`](crate::SignDocument).
    ReadSignCertificate,
    ReadSignCertificateProgram,
    SignCertificate
);

impl ReadSignCertificate {
    /// A flow that unlocks EF `0001` with `password` and reads it. The last
    /// try is refused unless confirmed.
    pub fn new(password: SignPassword) -> Self {
        ReadSignCertificate(Machine::new(ReadSignCertificateProgram {
            unlock: SignUnlock::new(password),
            stage: Stage::SelectAp(SelectAp::new()),
        }))
    }

    /// Whether the operator confirmed using the password's last try (docs/domain/jpki.md §6.3).
    pub fn confirm_last_try(mut self, confirmed: bool) -> Self {
        self.0.program.unlock.confirm_last_try = confirmed;
        self
    }
}

pub(crate) struct ReadSignCertificateProgram {
    unlock: SignUnlock,
    stage: Stage,
}

enum Stage {
    SelectAp(SelectAp),
    Unlock,
    Finished,
}

impl Op for ReadSignCertificateProgram {
    type Out = SignCertificate;

    fn poll(&mut self) -> Result<Want<SignCertificate>, CardError> {
        loop {
            match &mut self.stage {
                Stage::SelectAp(op) => {
                    ready!(op.poll());
                    self.stage = Stage::Unlock;
                }
                Stage::Unlock => {
                    let unlocked = ready!(self.unlock.poll());
                    self.stage = Stage::Finished;
                    return Ok(Want::Ready(SignCertificate {
                        certificate: unlocked.der,
                        tries_left_before: unlocked.tries_left_before,
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
            Stage::Unlock => self.unlock.on_response(response),
            Stage::Finished => Err(CardError::ContractViolation {
                reason: "a response arrived after completion",
            }),
        }
    }
}

impl Program for ReadSignCertificateProgram {
    fn scrub(&mut self) {
        self.unlock.scrub(); // drops the password and an unsent VERIFY
        self.stage = Stage::Finished;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::flow::{Flow, Step};
    use crate::transport::TransportError;

    fn password() -> SignPassword {
        SignPassword::new("abc123").unwrap()
    }

    #[test]
    fn the_password_is_gone_once_the_verify_is_built() {
        let mut flow = ReadSignCertificate::new(password());
        for reply in [[0x90, 0x00], [0x90, 0x00], [0x63, 0xC5]] {
            assert!(matches!(flow.next(), Step::Transmit(_)));
            flow.handle_response(&reply);
        }
        assert!(flow.0.program.unlock.holds_password());
        match flow.next() {
            Step::Transmit(c) => assert_eq!(
                format!("{c:?}"),
                "Command(00 20 00 80 06 ** ** ** ** ** **)"
            ),
            other => panic!("{other:?}"),
        }
        assert!(!flow.0.program.unlock.holds_password());
    }

    #[test]
    fn the_password_is_gone_on_every_failure() {
        // The last try without confirmation: no VERIFY, password dropped.
        let mut flow = ReadSignCertificate::new(password());
        for reply in [[0x90, 0x00], [0x90, 0x00], [0x63, 0xC1]] {
            let _ = flow.next();
            flow.handle_response(&reply);
        }
        assert!(matches!(flow.next(), Step::Done));
        assert!(!flow.0.program.unlock.holds_password());
        assert_eq!(
            flow.finish().unwrap_err(),
            CardError::LastTryNeedsConfirmation
        );

        // The card leaves before the counter.
        let mut flow = ReadSignCertificate::new(password());
        let _ = flow.next();
        flow.handle_transport_error(TransportError::CardRemoved);
        assert!(!flow.0.program.unlock.holds_password());
        assert_eq!(
            flow.finish().unwrap_err(),
            CardError::Transport(TransportError::CardRemoved)
        );
    }
}
