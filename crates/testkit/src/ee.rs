//! End-entity certificates in the real JPKI profile, with knobs for negative
//! tests.
//!
//! [`CertSpec::auth`] and [`CertSpec::sign`] give a spec that issues a valid
//! certificate (as of 2026-11) under `O=JPKI-TEST`; change its public fields to
//! get the broken variants a verifier must refuse:
//!
//! ```
//! # fn main() -> Result<(), testkit::Error> {
//! use testkit::{CertSpec, Generation, Pki, Signer, profile};
//!
//! let pki = Pki::load()?;
//! // A production policy OID under a test root.
//! let mut spec = CertSpec::auth(Generation::G3)?;
//! spec.policy = Some(profile::POLICY_AUTH_PRODUCTION);
//! let der = spec.issue(&pki)?;
//! // Signed by the other generation's key under the same issuer DN.
//! let mut spec = CertSpec::sign(Generation::G3)?;
//! spec.signer = Signer::Root(testkit::Purpose::Sign, Generation::G2);
//! let der = spec.issue(&pki)?;
//! // An end entity that claims to be a CA, and an unknown critical extension.
//! let mut spec = CertSpec::auth(Generation::G3)?;
//! spec.extra_extensions.push(testkit::ext::ca_basic_constraints()?);
//! spec.extra_extensions.push(testkit::ext::unknown_extension(true)?);
//! let der = spec.issue(&pki)?;
//! # Ok(()) }
//! ```

use const_oid::ObjectIdentifier;
use der::DateTime;
use jpki_card_sim::Sex;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::ext::{
    Extension,
    pkix::{KeyUsage, KeyUsages},
};
use x509_cert::name::Name;

use crate::added_root::AddedRoot;
use crate::assemble::{self, CertificateParts};
use crate::date::Date;
use crate::dn::{self, Municipality, Purpose};
use crate::error::Result;
use crate::ext;
use crate::holder::{Holder, card_id};
use crate::key::TestKey;
use crate::pki::{Pki, Signer};
use crate::profile::{
    OCSP_URI, POLICY_AUTH_PRODUCTION, POLICY_AUTH_TEST, POLICY_SIGN_PRODUCTION, POLICY_SIGN_TEST,
};
use crate::root::Generation;

impl Purpose {
    /// The policy OID of test cards for this purpose (sign: documented;
    /// auth: **\[C\]** assumption, see [`POLICY_AUTH_TEST`]).
    pub fn test_policy(self) -> ObjectIdentifier {
        match self {
            Purpose::Auth => POLICY_AUTH_TEST,
            Purpose::Sign => POLICY_SIGN_TEST,
        }
    }

    /// The production policy OID for this purpose (docs/domain/jpki.md §2.2, §2.3).
    pub fn production_policy(self) -> ObjectIdentifier {
        match self {
            Purpose::Auth => POLICY_AUTH_PRODUCTION,
            Purpose::Sign => POLICY_SIGN_PRODUCTION,
        }
    }

    /// The profile's keyUsage: auth digitalSignature; sign
    /// digitalSignature+nonRepudiation (docs/domain/jpki.md §2.2, §2.3).
    pub fn key_usage(self) -> KeyUsage {
        match self {
            Purpose::Auth => KeyUsage(KeyUsages::DigitalSignature.into()),
            Purpose::Sign => KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
        }
    }
}

/// Which authorityKeyIdentifier the certificate carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aki {
    /// keyid + authorityCertIssuer + authorityCertSerialNumber of the issuing
    /// root, as in real certificates (docs/domain/jpki.md §2.2).
    #[default]
    Issuer,
    /// The full AKI of another generation's root of the same purpose (it has
    /// the same DN): a certificate that points at the wrong generation.
    Generation(Generation),
    /// A keyid that matches no root (the rogue key's), issuer and serial
    /// still those of the issuing root.
    WrongKeyId,
    /// No authorityKeyIdentifier at all.
    Omitted,
}

/// Everything that decides one end-entity certificate.
#[derive(Debug, Clone)]
pub struct CertSpec {
    /// Auth (利用者証明用) or sign (署名用).
    pub purpose: Purpose,
    /// Which root generation issues it (its DN, its AKI, its key).
    pub generation: Generation,
    /// Serial number; real ones are 4-byte positive integers (docs/domain/jpki.md §2.2).
    pub serial: u32,
    /// The subject's opaque CN (23 characters in real certificates).
    pub card_id: String,
    /// Issuing municipality: the CRLDP partition, and the sign subject's `L`s.
    pub municipality: Municipality,
    /// The holder; only signature certificates carry it (subjectAltName).
    pub holder: Holder,
    /// notBefore (UTC). Never the system clock.
    pub not_before: DateTime,
    /// notAfter (UTC); the real rule is 14:59:59Z on the holder's 5th
    /// birthday after issuance ([`Date::fifth_birthday_after`]).
    pub not_after: DateTime,
    /// certificatePolicies OID; `None` omits the extension.
    pub policy: Option<ObjectIdentifier>,
    /// Whether certificatePolicies is critical (it is in real certificates).
    pub policy_critical: bool,
    /// keyUsage; `None` omits the extension.
    pub key_usage: Option<KeyUsage>,
    /// Whether keyUsage is critical (it is in real certificates).
    pub key_usage_critical: bool,
    /// Which authorityKeyIdentifier to put in.
    pub aki: Aki,
    /// Extensions appended after the profile's (e.g.
    /// [`ext::ca_basic_constraints`], [`ext::unknown_extension`]`(true)`).
    pub extra_extensions: Vec<Extension>,
    /// Which key signs it.
    pub signer: Signer,
    /// The subject's public key; `None` uses [`Pki::spare_key`].
    pub subject_key: Option<SubjectPublicKeyInfoOwned>,
}

impl CertSpec {
    /// A valid auth certificate of a sample holder, issued 2025-06-02 under
    /// `generation`'s root with the test policy, expiring 2030-01-15 JST.
    /// (Under G1/G2 it is still signed by that root; set the dates to match
    /// the root's era if that matters to the test.)
    pub fn auth(generation: Generation) -> Result<CertSpec> {
        CertSpec::sample(Purpose::Auth, generation)
    }

    /// A valid signature certificate of the same sample holder.
    pub fn sign(generation: Generation) -> Result<CertSpec> {
        CertSpec::sample(Purpose::Sign, generation)
    }

    fn sample(purpose: Purpose, generation: Generation) -> Result<CertSpec> {
        let birth = Date::new(1980, 1, 15)?;
        let issued = Date::new(2025, 6, 2)?;
        // 見本町 is not a town in Chiyoda-ku: the address is fictitious.
        let holder = Holder::new(
            "見本　太郎",
            birth,
            Sex::Male,
            "東京都千代田区見本町一丁目１番１号",
        );
        Ok(CertSpec {
            purpose,
            generation,
            serial: 0x0123_4567,
            card_id: card_id("testkit sample holder"),
            municipality: Municipality::new("Tokyo-to", "Chiyoda-ku"),
            holder,
            not_before: issued.at_utc(1, 23, 45)?,
            not_after: birth.fifth_birthday_after(issued)?.end_of_day_jst()?,
            policy: Some(purpose.test_policy()),
            policy_critical: true,
            key_usage: Some(purpose.key_usage()),
            key_usage_critical: true,
            aki: Aki::Issuer,
            extra_extensions: Vec::new(),
            signer: Signer::Issuer,
            subject_key: None,
        })
    }

    /// Issues the certificate and returns its DER.
    ///
    /// Extension order is the real one: auth KU, EKU, CP, IAN, CRLDP, AIA,
    /// AKI, SKI (docs/domain/jpki.md §2.2); sign KU, SAN, CP, IAN, CRLDP, AKI, SKI
    /// (docs/domain/jpki.md §2.3: MynaWallet's copy of a real certificate has CP, IAN, AKI,
    /// SKI at positions 2, 3, 5, 6 — \[B\]). Omitted extensions leave a gap;
    /// [`CertSpec::extra_extensions`] follow at the end.
    pub fn issue(&self, pki: &Pki) -> Result<Vec<u8>> {
        let root = pki.root(self.purpose, self.generation);
        let aki = self.aki_extension(pki, root.name(), root.serial(), &root.key_identifier()?)?;
        let signer = pki.signing_key(&self.signer, self.purpose, self.generation);
        self.assemble(pki, root.name(), aki, signer)
    }

    /// Issues the certificate under `root`, the J-LIS-profile root compiled in nowhere
    /// ([`AddedRoot`]), instead of a test root: its DN is the issuer, its key signs
    /// ([`Signer::Issuer`]) and [`Aki::Issuer`] names it. [`CertSpec::generation`] then
    /// matters only to [`Aki::Generation`] and [`Signer::Root`]. For a certificate a
    /// production store accepts once the root is added, set [`CertSpec::policy`] to
    /// [`Purpose::production_policy`] (or start from [`CertSpec::under_added_root`]).
    pub fn issue_under(&self, pki: &Pki, root: &AddedRoot) -> Result<Vec<u8>> {
        let aki = self.aki_extension(pki, root.name(), root.serial(), &root.key_identifier()?)?;
        let signer = match &self.signer {
            Signer::Issuer => root.key(),
            other => pki.signing_key(other, self.purpose, self.generation),
        };
        self.assemble(pki, root.name(), aki, signer)
    }

    /// A valid auth certificate for [`CertSpec::issue_under`] the added root: the sample
    /// holder's, with the production policy.
    pub fn under_added_root() -> Result<CertSpec> {
        let mut spec = CertSpec::auth(Generation::CURRENT)?;
        spec.policy = Some(Purpose::Auth.production_policy());
        Ok(spec)
    }

    /// The certificate of this spec with `issuer` as its issuer DN, `aki` (if any) as its
    /// authorityKeyIdentifier, signed by `signer`.
    fn assemble(
        &self,
        pki: &Pki,
        issuer: &Name,
        aki: Option<Extension>,
        signer: &TestKey,
    ) -> Result<Vec<u8>> {
        let public_key = match &self.subject_key {
            Some(spki) => spki.clone(),
            None => pki.spare_key().public_key_info()?,
        };
        let subject = match self.purpose {
            Purpose::Auth => dn::auth_subject(&self.card_id)?,
            Purpose::Sign => dn::sign_subject(&self.card_id, &self.municipality)?,
        };
        let mut extensions = Vec::with_capacity(10);
        if let Some(usage) = self.key_usage {
            extensions.push(ext::key_usage(usage, self.key_usage_critical)?);
        }
        match self.purpose {
            Purpose::Auth => extensions.push(ext::client_auth_eku()?),
            Purpose::Sign => {
                let names = self.holder.other_names()?;
                let refs: Vec<_> = names.iter().map(|(oid, v)| (*oid, v.as_str())).collect();
                extensions.push(ext::subject_alt_other_names(&refs)?);
            }
        }
        if let Some(policy) = self.policy {
            extensions.push(ext::certificate_policies(policy, self.policy_critical)?);
        }
        extensions.push(ext::issuer_alt_name(dn::japanese_name(self.purpose)?)?);
        extensions.push(ext::crl_distribution_point(
            self.municipality.crl_dp_name(self.purpose)?,
        )?);
        if self.purpose == Purpose::Auth {
            extensions.push(ext::ocsp_access(OCSP_URI)?);
        }
        if let Some(aki) = aki {
            extensions.push(aki);
        }
        extensions.push(ext::subject_key_identifier(&crate::key::key_identifier(
            &public_key,
        )?)?);
        extensions.extend(self.extra_extensions.iter().cloned());

        let parts = CertificateParts {
            issuer: issuer.clone(),
            subject,
            serial: self.serial.to_be_bytes().to_vec(),
            not_before: self.not_before,
            not_after: self.not_after,
            public_key,
            extensions,
        };
        assemble::certificate(parts, signer)
    }

    /// The authorityKeyIdentifier [`CertSpec::aki`] asks for, when the issuer is
    /// `issuer` (its DN, serial and key identifier).
    fn aki_extension(
        &self,
        pki: &Pki,
        issuer: &Name,
        serial: &[u8],
        key_id: &[u8],
    ) -> Result<Option<Extension>> {
        let full = |r: &crate::root::Root| -> Result<Extension> {
            ext::authority_key_identifier(
                &r.key_identifier()?,
                Some((r.name().clone(), r.serial())),
            )
        };
        Ok(match self.aki {
            Aki::Issuer => Some(ext::authority_key_identifier(
                key_id,
                Some((issuer.clone(), serial)),
            )?),
            Aki::Generation(g) => Some(full(pki.root(self.purpose, g))?),
            Aki::WrongKeyId => Some(ext::authority_key_identifier(
                &pki.rogue_key().key_identifier()?,
                Some((issuer.clone(), serial)),
            )?),
            Aki::Omitted => None,
        })
    }
}
