//! [`SignDocument`]: the 署名用 signature over a document (docs/domain/jpki.md §1.9).

use std::fmt;

use crate::apdu::Response;
use crate::commands::Ef;
use crate::crypto::{CertificateKey, digest_info_sha256};
use crate::error::CardError;
use crate::flow::machine::{Machine, Op, Program, Want, public_flow, ready};
use crate::flow::ops::{ReadFile, SelectAp, SignWith, read_file, sign_with};
use crate::flow::sign_unlock::SignUnlock;
use crate::pin::SignPassword;

/// What [`SignDocument`] yields: what a verifier needs to check an
/// enrollment signature (docs/domain/jpki.md §1.9: signature, certificate, digest, hash).
#[derive(Clone, PartialEq, Eq)]
pub struct DocumentSignature {
    /// The 署名用 certificate (DER) from EF `0001`, with 氏名, 住所, 生年月日, 性別.
    pub sign_certificate: Vec<u8>,
    /// The 256-byte PKCS#1 v1.5 signature over DigestInfo(SHA-256) of the
    /// digest; already checked against `sign_certificate`'s key.
    pub signature: Vec<u8>,
    /// The 利用者証明用 certificate, when asked for with
    /// [`SignDocument::read_auth_certificate`] (to link the auth serial to the
    /// four attributes, as the seed document proposes).
    pub auth_certificate: Option<Vec<u8>>,
    /// Tries the password had before this VERIFY (5 to 1; it is 5 again now).
    pub tries_left_before: u8,
}

impl fmt::Debug for DocumentSignature {
    /// Lengths only: the sign certificate holds name, address and birth date.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DocumentSignature")
            .field("sign_certificate", &Len(&self.sign_certificate))
            .field("signature", &Len(&self.signature))
            .field(
                "auth_certificate",
                &self.auth_certificate.as_deref().map(Len),
            )
            .field("tries_left_before", &self.tries_left_before)
            .finish()
    }
}

/// Debug-prints a byte string as its length.
pub(crate) struct Len<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for Len<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

public_flow!(
    /// Verifies the sign password, reads the sign certificate and signs
    /// DigestInfo(SHA-256) of the given digest with the sign key, then checks
    /// the signature against the certificate (docs/domain/jpki.md §1.9, §6.4).
    ///
    /// APDUs: SELECT JPKI-AP; [SELECT `000A`; READ BINARY ×n]; SELECT `001B`;
    /// empty VERIFY (tries left); VERIFY password; SELECT `0001`; READ BINARY ×n
    /// (readable only after the password, `69 82` before); SELECT `001A`;
    /// COMPUTE DIGITAL SIGNATURE.
    ///
    /// `6A 82` on `001B`, `0001` or `001A` →
    /// [`CardError::SignatureCertificateAbsent`] (minors' and 顔認証 cards). No
    /// VERIFY with data is sent when the counter is 0 ([`CardError::PinBlocked`])
    /// or 1 without [`confirm_last_try`](SignDocument::confirm_last_try): a
    /// blocked password stops e-Tax and the like until a municipal visit
    /// (docs/domain/jpki.md §4, §6.3).
    SignDocument,
    SignDocumentProgram,
    DocumentSignature
);

impl SignDocument {
    /// A flow that signs `digest`, the SHA-256 of the document (see
    /// [`sha256`](crate::sha256)). Does not read the auth certificate and
    /// refuses the last try unless told otherwise.
    pub fn new(password: SignPassword, digest: [u8; 32]) -> Self {
        SignDocument(Machine::new(SignDocumentProgram {
            unlock: SignUnlock::new(password),
            digest_info: digest_info_sha256(&digest),
            read_auth_certificate: false,
            auth_certificate: None,
            sign_certificate: None,
            tries_left_before: 0,
            stage: Stage::SelectAp(SelectAp::new()),
        }))
    }

    /// Whether to read the auth certificate (EF `000A`) in the same session.
    pub fn read_auth_certificate(mut self, read: bool) -> Self {
        self.0.program.read_auth_certificate = read;
        self
    }

    /// Whether the operator confirmed using the password's last try (docs/domain/jpki.md §6.3).
    pub fn confirm_last_try(mut self, confirmed: bool) -> Self {
        self.0.program.unlock.confirm_last_try = confirmed;
        self
    }
}

pub(crate) struct SignDocumentProgram {
    /// Counter, VERIFY and EF `0001`; holds the password until its VERIFY is built.
    unlock: SignUnlock,
    digest_info: [u8; 51],
    read_auth_certificate: bool,
    auth_certificate: Option<Vec<u8>>,
    sign_certificate: Option<(Vec<u8>, CertificateKey)>,
    tries_left_before: u8,
    stage: Stage,
}

enum Stage {
    SelectAp(SelectAp),
    ReadAuthCertificate(ReadFile),
    Unlock,
    Sign(SignWith),
    Finished,
}

impl Op for SignDocumentProgram {
    type Out = DocumentSignature;

    fn poll(&mut self) -> Result<Want<DocumentSignature>, CardError> {
        loop {
            match &mut self.stage {
                Stage::SelectAp(op) => {
                    ready!(op.poll());
                    self.stage = if self.read_auth_certificate {
                        Stage::ReadAuthCertificate(read_file(Ef::AuthCertificate))
                    } else {
                        Stage::Unlock
                    };
                }
                Stage::ReadAuthCertificate(op) => {
                    let der = ready!(op.poll());
                    // Refuse garbage before a password try is spent.
                    CertificateKey::from_certificate(&der)
                        .map_err(|reason| CardError::malformed("READ BINARY", reason))?;
                    self.auth_certificate = Some(der);
                    self.stage = Stage::Unlock;
                }
                Stage::Unlock => {
                    let unlocked = ready!(self.unlock.poll());
                    self.tries_left_before = unlocked.tries_left_before;
                    self.sign_certificate = Some((unlocked.der, unlocked.key));
                    self.stage = Stage::Sign(sign_with(Ef::SignKey, &self.digest_info)?);
                }
                Stage::Sign(op) => {
                    let signature = ready!(op.poll());
                    self.stage = Stage::Finished;
                    let (sign_certificate, key) =
                        self.sign_certificate
                            .take()
                            .ok_or(CardError::ContractViolation {
                                reason: "signature before certificate",
                            })?;
                    if !key.verifies(&self.digest_info, &signature) {
                        return Err(CardError::SignatureInvalid);
                    }
                    return Ok(Want::Ready(DocumentSignature {
                        sign_certificate,
                        signature,
                        auth_certificate: self.auth_certificate.take(),
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
            Stage::ReadAuthCertificate(op) => op.on_response(response),
            Stage::Unlock => self.unlock.on_response(response),
            Stage::Sign(op) => op.on_response(response),
            Stage::Finished => Err(CardError::ContractViolation {
                reason: "a response arrived after completion",
            }),
        }
    }
}

impl Program for SignDocumentProgram {
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

    #[test]
    fn the_password_is_gone_once_the_verify_is_built_or_the_flow_fails() {
        let password = || SignPassword::new("abc123").unwrap();
        let mut flow = SignDocument::new(password(), [0; 32]);
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

        let mut flow = SignDocument::new(password(), [0; 32]);
        let _ = flow.next();
        flow.handle_response(&[0x6A, 0x82]);
        assert!(!flow.0.program.unlock.holds_password());
        assert!(matches!(
            flow.finish(),
            Err(CardError::NotAMyNumberCard { .. })
        ));
    }
}
