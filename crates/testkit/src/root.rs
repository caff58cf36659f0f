//! The `O=JPKI-TEST` trust anchors: per purpose, three generations with the
//! same subject DN and different keys, like the real J-LIS roots (docs/domain/jpki.md
//! §2.1). A verifier must therefore pick the issuer by key identifier or
//! signature, never by name alone.

use der::DateTime;
use x509_cert::{
    Certificate,
    ext::pkix::{KeyUsage, KeyUsages},
    name::Name,
};

use crate::assemble::{self, CertificateParts};
use crate::date::Date;
use crate::dn::{self, Purpose};
use crate::error::{Error, Result};
use crate::ext;
use crate::key::TestKey;

/// A root generation. The real roots are gen-1 (2015, expired 2025-10-19),
/// gen-2 (2019–2029) and gen-3 (2023–2033); ours have the same validity
/// periods, so gen-1 is expired "today" (2026-11) and certificates issued
/// before 2023-07 chain to gen-2 (a root generation change).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Generation {
    /// 2015-10-20 → 2025-10-19 14:59:59Z: expired.
    G1,
    /// 2019-09-14 → 2029-09-14 14:59:59Z: the older valid generation.
    G2,
    /// 2023-07-16 → 2033-07-15 14:59:59Z: the current generation.
    G3,
}

impl Generation {
    /// All generations, oldest first.
    pub const ALL: [Generation; 3] = [Generation::G1, Generation::G2, Generation::G3];

    /// The generation new certificates are issued under.
    pub const CURRENT: Generation = Generation::G3;

    /// 1, 2 or 3.
    pub fn number(self) -> u8 {
        match self {
            Generation::G1 => 1,
            Generation::G2 => 2,
            Generation::G3 => 3,
        }
    }

    /// Lower-case short name used in file names: `g1`, `g2`, `g3`.
    pub fn short(self) -> &'static str {
        match self {
            Generation::G1 => "g1",
            Generation::G2 => "g2",
            Generation::G3 => "g3",
        }
    }

    /// The root's validity, modelled on the real roots' (docs/domain/jpki.md §2.1).
    pub fn validity(self, purpose: Purpose) -> Result<(DateTime, DateTime)> {
        // The real sign roots were made a few minutes apart from the auth ones.
        let (minute, second) = match purpose {
            Purpose::Auth => (8, 13),
            Purpose::Sign => (40, 28),
        };
        let (from, until) = match self {
            Generation::G1 => (Date::new(2015, 10, 20)?, Date::new(2025, 10, 19)?),
            Generation::G2 => (Date::new(2019, 9, 14)?, Date::new(2029, 9, 14)?),
            Generation::G3 => (Date::new(2023, 7, 16)?, Date::new(2033, 7, 15)?),
        };
        Ok((from.at_utc(1, minute, second)?, until.end_of_day_jst()?))
    }

    /// The root certificate's serial number (4 bytes like the real gen-2/3
    /// roots, 1 for gen-1 as in the real gen-1).
    pub fn serial(self, purpose: Purpose) -> Vec<u8> {
        match (self, purpose) {
            (Generation::G1, _) => vec![0x01],
            (Generation::G2, Purpose::Auth) => vec![0x01, 0x5E, 0x7A, 0x21],
            (Generation::G2, Purpose::Sign) => vec![0x01, 0x5E, 0x7A, 0x22],
            (Generation::G3, Purpose::Auth) => vec![0x07, 0x3D, 0x20, 0x31],
            (Generation::G3, Purpose::Sign) => vec![0x07, 0x3D, 0x20, 0x32],
        }
    }

    /// The label its key is derived from, e.g. `root-auth-g3`.
    pub fn key_label(self, purpose: Purpose) -> String {
        format!("root-{}-{}", purpose.short(), self.short())
    }
}

/// A self-signed CA certificate with its private key, checked to match: what a [`Root`]
/// and an [`crate::AddedRoot`] both are. Its accessors serve both (each derefs to it).
#[derive(Debug, Clone)]
pub struct SelfSigned {
    key: TestKey,
    der: Vec<u8>,
    certificate: Certificate,
}

impl SelfSigned {
    /// Decodes `der` and checks that `key` is its key; `field` and `whose` ("the auth g3
    /// root's") name it in the error.
    pub(crate) fn new(
        key: TestKey,
        der: Vec<u8>,
        field: &'static str,
        whose: &str,
    ) -> Result<Self> {
        let certificate = assemble::decode_certificate(&der)?;
        if certificate.tbs_certificate().subject_public_key_info() != &key.public_key_info()? {
            return Err(Error::Spec {
                field,
                problem: format!("does not match {whose} certificate"),
            });
        }
        Ok(SelfSigned {
            key,
            der,
            certificate,
        })
    }

    /// The private key, to sign certificates and CRLs by hand.
    pub fn key(&self) -> &TestKey {
        &self.key
    }

    /// The certificate, DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate, decoded.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The certificate as PEM.
    pub fn pem(&self) -> Result<String> {
        assemble::to_pem("CERTIFICATE", &self.der)
    }

    /// The subject (= issuer of everything it signs).
    pub fn name(&self) -> &Name {
        self.certificate.tbs_certificate().subject()
    }

    /// The certificate's serial number: the DER INTEGER's content bytes
    /// (big-endian, with a leading 0x00 if the high bit is set).
    pub fn serial(&self) -> &[u8] {
        self.certificate
            .tbs_certificate()
            .serial_number()
            .as_bytes()
    }

    /// The key identifier (the SKI, and the keyid of AKIs below it).
    pub fn key_identifier(&self) -> Result<[u8; 20]> {
        self.key.key_identifier()
    }
}

/// One root: its certificate and its private key ([`SelfSigned`]'s accessors).
#[derive(Debug, Clone)]
pub struct Root {
    purpose: Purpose,
    generation: Generation,
    cert: SelfSigned,
}

impl std::ops::Deref for Root {
    type Target = SelfSigned;

    fn deref(&self) -> &SelfSigned {
        &self.cert
    }
}

impl Root {
    /// Self-signs the root of `purpose`/`generation` with `key`, in the real
    /// roots' profile (docs/domain/jpki.md §2.1): v3, sha256WithRSAEncryption, subject =
    /// issuer = the purpose's DN; extensions in the real order: keyUsage
    /// (critical, keyCertSign+cRLSign), subjectAltName (Japanese DirName),
    /// basicConstraints (critical, CA:TRUE), cRLDistributionPoints (DirName =
    /// own DN), subjectKeyIdentifier. (The brief mentions issuerAltName too;
    /// the real roots have none, so neither do ours.)
    pub fn issue(purpose: Purpose, generation: Generation, key: TestKey) -> Result<Root> {
        let name = dn::root_name(purpose)?;
        let key_id = key.key_identifier()?;
        let (not_before, not_after) = generation.validity(purpose)?;
        let extensions = vec![
            ext::key_usage(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign), true)?,
            ext::subject_alt_dir_name(dn::japanese_name(purpose)?)?,
            ext::ca_basic_constraints()?,
            ext::crl_distribution_point(name.clone())?,
            ext::subject_key_identifier(&key_id)?,
        ];
        let parts = CertificateParts {
            issuer: name.clone(),
            subject: name,
            serial: generation.serial(purpose),
            not_before,
            not_after,
            public_key: key.public_key_info()?,
            extensions,
        };
        let der = assemble::certificate(parts, &key)?;
        Root::from_parts(purpose, generation, key, der)
    }

    /// A root from its committed certificate (PEM) and key (PKCS#8 PEM).
    pub fn from_pem(
        purpose: Purpose,
        generation: Generation,
        certificate_pem: &str,
        key_pem: &str,
    ) -> Result<Root> {
        let key = TestKey::from_pkcs8_pem(&generation.key_label(purpose), key_pem)?;
        let der = assemble::from_pem("CERTIFICATE", certificate_pem)?;
        Root::from_parts(purpose, generation, key, der)
    }

    fn from_parts(
        purpose: Purpose,
        generation: Generation,
        key: TestKey,
        der: Vec<u8>,
    ) -> Result<Root> {
        let whose = format!("the {} {} root's", purpose.short(), generation.short());
        Ok(Root {
            purpose,
            generation,
            cert: SelfSigned::new(key, der, "root key", &whose)?,
        })
    }

    /// Auth or sign.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    /// Which generation.
    pub fn generation(&self) -> Generation {
        self.generation
    }
}
