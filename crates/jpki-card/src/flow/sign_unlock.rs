//! [`SignUnlock`]: the 署名用 steps that [`SignDocument`](crate::SignDocument)
//! and [`ReadSignCertificate`](crate::ReadSignCertificate) share — the
//! password's retry counter, the VERIFY with the password, and the sign
//! certificate that becomes readable only after it (docs/domain/jpki.md §1.2, §1.3).

use crate::apdu::Response;
use crate::commands::Ef;
use crate::crypto::CertificateKey;
use crate::error::CardError;
use crate::flow::machine::{Op, Want, ready};
use crate::flow::ops::{PinCounter, ReadFile, Verify, check_tries, pin_counter, read_file};
use crate::pin::SignPassword;

/// What [`SignUnlock`] yields: the sign certificate, its key (already parsed,
/// so garbage is refused before anything is signed) and the tries the
/// password had before the VERIFY.
pub(crate) struct UnlockedSignCertificate {
    /// EF `0001`, DER, without the EF's padding.
    pub(crate) der: Vec<u8>,
    /// The certificate's RSA key.
    pub(crate) key: CertificateKey,
    /// Tries left before this VERIFY (5 to 1; it is 5 again now).
    pub(crate) tries_left_before: u8,
}

/// SELECT `001B`; empty VERIFY (tries left); VERIFY password; SELECT `0001`;
/// READ BINARY ×n. Expects the JPKI-AP to be selected already.
///
/// No VERIFY with data is sent when the counter is 0 ([`CardError::PinBlocked`])
/// or 1 without `confirm_last_try` ([`CardError::LastTryNeedsConfirmation`]):
/// a blocked password stops e-Tax and the like until a municipal visit
/// (docs/domain/jpki.md §4, §6.3). `6A 82` on `001B` or `0001` is
/// [`CardError::SignatureCertificateAbsent`] (minors' and 顔認証 cards, §6.7).
pub(crate) struct SignUnlock {
    /// Held until the VERIFY is built, then dropped (zeroised).
    password: Option<SignPassword>,
    /// Whether the operator confirmed using the last try (docs/domain/jpki.md §6.3).
    pub(crate) confirm_last_try: bool,
    tries_left_before: u8,
    stage: Stage,
}

enum Stage {
    Counter(PinCounter),
    Verify(Verify),
    Read(ReadFile),
    Finished,
}

impl SignUnlock {
    /// The steps for `password`; the last try is refused unless confirmed.
    pub(crate) fn new(password: SignPassword) -> Self {
        SignUnlock {
            password: Some(password),
            confirm_last_try: false,
            tries_left_before: 0,
            stage: Stage::Counter(pin_counter(Ef::SignPassword)),
        }
    }

    /// Whether the password is still held (tests check it is dropped).
    #[cfg(test)]
    pub(crate) fn holds_password(&self) -> bool {
        self.password.is_some()
    }

    /// Drops the password and any VERIFY built but not sent.
    pub(crate) fn scrub(&mut self) {
        self.password = None;
        self.stage = Stage::Finished;
    }
}

impl Op for SignUnlock {
    type Out = UnlockedSignCertificate;

    fn poll(&mut self) -> Result<Want<UnlockedSignCertificate>, CardError> {
        loop {
            match &mut self.stage {
                Stage::Counter(op) => {
                    let tries = ready!(op.poll());
                    // On an error the flow scrubs, which drops the password.
                    check_tries(tries, self.confirm_last_try)?;
                    self.tries_left_before = tries;
                    // The password is dropped (zeroised) at the end of this block.
                    let password = self.password.take().ok_or(CardError::ContractViolation {
                        reason: "the password was already used",
                    })?;
                    self.stage = Stage::Verify(Verify::host(&password));
                }
                Stage::Verify(op) => {
                    ready!(op.poll());
                    self.stage = Stage::Read(read_file(Ef::SignCertificate));
                }
                Stage::Read(op) => {
                    let der = ready!(op.poll());
                    self.stage = Stage::Finished;
                    // Refuse garbage before anything is signed with it.
                    let key = CertificateKey::from_certificate(&der)
                        .map_err(|reason| CardError::malformed("READ BINARY", reason))?;
                    return Ok(Want::Ready(UnlockedSignCertificate {
                        der,
                        key,
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
            Stage::Counter(op) => op.on_response(response),
            Stage::Verify(op) => op.on_response(response),
            Stage::Read(op) => op.on_response(response),
            Stage::Finished => Err(CardError::ContractViolation {
                reason: "a response arrived after completion",
            }),
        }
    }
}
