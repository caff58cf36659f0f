//! [`ReadCertificate`]: read one of the certificates that need no PIN.

use crate::apdu::Response;
use crate::commands::Ef;
use crate::error::CardError;
use crate::flow::machine::{Machine, Op, Program, Want, public_flow, ready};
use crate::flow::ops::{ReadFile, SelectAp, read_file};

/// The certificates readable without a PIN (docs/domain/jpki.md §1.2). The 署名用
/// certificate needs the password; it comes with [`SignDocument`](crate::SignDocument).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertificateFile {
    /// EF `000A`, 利用者証明用証明書: the customer's auth certificate.
    AuthCertificate,
    /// EF `000B`, 利用者証明用CA証明書.
    AuthCaCertificate,
    /// EF `0002`, 署名用CA証明書.
    SignCaCertificate,
}

impl CertificateFile {
    /// The EF that holds it.
    pub const fn ef(self) -> Ef {
        match self {
            CertificateFile::AuthCertificate => Ef::AuthCertificate,
            CertificateFile::AuthCaCertificate => Ef::AuthCaCertificate,
            CertificateFile::SignCaCertificate => Ef::SignCaCertificate,
        }
    }
}

public_flow!(
    /// Reads a certificate that needs no PIN and yields its DER bytes (the
    /// certificate only, without the EF's padding).
    ///
    /// APDUs: SELECT JPKI-AP, SELECT EF (`00 A4 02 0C 02 <FID>`), then READ
    /// BINARY until the length in the DER header is reached (docs/domain/jpki.md §1.5):
    /// 9 APDUs for a 1,586-byte certificate. The DER header is checked, the
    /// X.509 content is not (that is `jpki-cert`'s job).
    ReadCertificate,
    ReadCertificateProgram,
    Vec<u8>
);

impl ReadCertificate {
    /// A flow that reads `which`.
    pub fn new(which: CertificateFile) -> Self {
        ReadCertificate(Machine::new(ReadCertificateProgram {
            which,
            stage: Stage::SelectAp(SelectAp::new()),
        }))
    }
}

pub(crate) struct ReadCertificateProgram {
    which: CertificateFile,
    stage: Stage,
}

enum Stage {
    SelectAp(SelectAp),
    Read(ReadFile),
}

impl Op for ReadCertificateProgram {
    type Out = Vec<u8>;

    fn poll(&mut self) -> Result<Want<Vec<u8>>, CardError> {
        loop {
            match &mut self.stage {
                Stage::SelectAp(op) => {
                    ready!(op.poll());
                    self.stage = Stage::Read(read_file(self.which.ef()));
                }
                Stage::Read(op) => return op.poll(),
            }
        }
    }

    fn on_response(&mut self, response: Response) -> Result<(), CardError> {
        match &mut self.stage {
            Stage::SelectAp(op) => op.on_response(response),
            Stage::Read(op) => op.on_response(response),
        }
    }
}

impl Program for ReadCertificateProgram {
    fn scrub(&mut self) {}
}
