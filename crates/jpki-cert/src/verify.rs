//! Chain verification to pinned roots (RFC 5280 §6.1, reduced to JPKI's one-tier
//! hierarchy, docs/domain/jpki.md §2.1) and the per-purpose profile checks (docs/domain/jpki.md §2.2, §2.3).
//!
//! Checks run in a fixed order and the first failure is the verdict:
//! parse → purpose/environment → basicConstraints → certificatePolicies → keyUsage →
//! authorityKeyIdentifier → issuer (key id + name) → signature → validity → root validity →
//! identity attributes (sign) → [challenge signature] → revocation.

use std::sync::Arc;

use x509_cert::ext::pkix::KeyUsages;

use crate::anchors::{TrustAnchor, TrustStore};
use crate::cert::{JpkiCertificate, MAX_CERT_LEN};
use crate::chain_cache::{ChainCache, VerifiedChain};
use crate::challenge::CertKey;
use crate::identity::SignIdentity;
use crate::oids;
use crate::time::UnixTime;
use crate::verdict::{
    Accepted, Environment, LinkageKey, Purpose, Refusal, RevocationStatus, Verdict,
};

/// A source of revocation status (CRL index, OCSP response, ...). Implementations must
/// answer [`RevocationStatus::Unknown`] when their information is missing or stale.
pub trait RevocationCheck {
    /// Status of `cert`, issued by `issuer`, at time `at`.
    fn status(
        &self,
        cert: &JpkiCertificate,
        issuer: &TrustAnchor,
        at: UnixTime,
    ) -> RevocationStatus;
}

/// Explicitly skip revocation: verdicts then say `not_checked`. For terminals, which may
/// not check revocation themselves (docs/domain/jpki.md §2.5).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRevocationCheck;

impl RevocationCheck for NoRevocationCheck {
    fn status(&self, _: &JpkiCertificate, _: &TrustAnchor, _: UnixTime) -> RevocationStatus {
        RevocationStatus::NotChecked
    }
}

/// Verifies certificates of one purpose against one [`TrustStore`].
///
/// [`Verifier::verify_identification`] keeps the certificates whose chain it verified
/// ([`crate::chain_cache`]): a card seen again costs the checks that depend on the time
/// (validity), the challenge signature and revocation, not a parse and a second RSA
/// verification. Clones share that cache.
#[derive(Clone, Debug)]
pub struct Verifier {
    store: TrustStore,
    chains: ChainCache,
}

impl Verifier {
    /// A verifier for the store's purpose and environment, keeping up to
    /// [`crate::chain_cache::CAPACITY`] verified chains.
    pub fn new(store: TrustStore) -> Self {
        Self {
            store,
            chains: ChainCache::default(),
        }
    }

    /// A verifier keeping up to `capacity` verified chains; 0 keeps none, so every
    /// identification parses and verifies the certificate's chain in full (the benchmarks
    /// of a card not seen before).
    pub fn with_chain_capacity(store: TrustStore, capacity: usize) -> Self {
        Self {
            store,
            chains: ChainCache::with_capacity(capacity),
        }
    }

    /// The store.
    pub fn store(&self) -> &TrustStore {
        &self.store
    }

    /// Verifies a DER certificate at time `at`.
    pub fn verify(&self, der: &[u8], at: UnixTime, revocation: &dyn RevocationCheck) -> Verdict {
        match JpkiCertificate::from_der(der) {
            Ok(cert) => self.verify_parsed(&cert, at, revocation).into(),
            Err(r) => r.into(),
        }
    }

    /// Full identification: the certificate, then the card's signature over `challenge`
    /// (PKCS#1 v1.5 over DigestInfo(SHA-256(challenge))), then revocation.
    pub fn verify_identification(
        &self,
        der: &[u8],
        challenge: &[u8],
        signature: &[u8],
        at: UnixTime,
        revocation: &dyn RevocationCheck,
    ) -> Verdict {
        let run = || {
            let chain = self.verified_chain(der, at)?;
            let anchor = self.anchor(chain.anchor)?;
            if !chain.key.verify_message_pkcs1_sha256(challenge, signature) {
                return Err(Refusal::ChallengeSignatureInvalid);
            }
            self.finish(&chain.cert, anchor, chain.identity.clone(), at, revocation)
        };
        run().into()
    }

    /// The certificate `der` with its chain checked at `at`: from the cache, where only
    /// the validity is checked again, or parsed and checked in full and then kept.
    /// Refusals are those of [`Verifier::check_chain`] and, for the key,
    /// [`crate::challenge::verify_challenge`]'s, in the same order.
    fn verified_chain(&self, der: &[u8], at: UnixTime) -> Result<Arc<VerifiedChain>, Refusal> {
        // Input too large to be a certificate is not hashed: the parse refuses it.
        let key = (der.len() <= MAX_CERT_LEN).then(|| ChainCache::key(der));
        if let Some(chain) = key.as_ref().and_then(|k| self.chains.get(k, der)) {
            let anchor = self.anchor(chain.anchor)?;
            check_validity(&chain.cert, anchor, at)?;
            return Ok(chain);
        }
        let cert = JpkiCertificate::from_der(der)?;
        let (anchor, identity) = self.check_chain_at(&cert, at)?;
        let cert_key = CertKey::from_certificate(&cert)?;
        let chain = Arc::new(VerifiedChain {
            cert,
            anchor,
            identity,
            key: cert_key,
        });
        if let Some(key) = key {
            self.chains.insert(key, chain.clone());
        }
        Ok(chain)
    }

    /// The store's root at `index` (an index this verifier found in its own store).
    fn anchor(&self, index: usize) -> Result<&TrustAnchor, Refusal> {
        self.store
            .anchors()
            .get(index)
            .ok_or(Refusal::UntrustedRoot)
    }

    /// Verifies an already parsed certificate.
    pub fn verify_parsed(
        &self,
        cert: &JpkiCertificate,
        at: UnixTime,
        revocation: &dyn RevocationCheck,
    ) -> Result<Accepted, Refusal> {
        let (anchor, identity) = self.check_chain(cert, at)?;
        self.finish(cert, anchor, identity, at, revocation)
    }

    /// Everything but revocation; returns the issuing root and (sign) the identity.
    pub fn check_chain(
        &self,
        cert: &JpkiCertificate,
        at: UnixTime,
    ) -> Result<(&TrustAnchor, Option<SignIdentity>), Refusal> {
        let (index, identity) = self.check_chain_at(cert, at)?;
        Ok((self.anchor(index)?, identity))
    }

    /// [`Verifier::check_chain`], giving the root's index in the store.
    fn check_chain_at(
        &self,
        cert: &JpkiCertificate,
        at: UnixTime,
    ) -> Result<(usize, Option<SignIdentity>), Refusal> {
        let (purpose, env) = (self.store.purpose(), self.store.environment());
        if let Some((found_p, found_e)) = cert.claimed_profile() {
            if found_p != purpose {
                return Err(Refusal::WrongPurpose {
                    expected: purpose,
                    found: found_p,
                });
            }
            if found_e != env {
                return Err(Refusal::WrongEnvironment {
                    store: env,
                    certificate: found_e,
                });
            }
        }
        if cert.exts.basic_constraints.as_ref().is_some_and(|bc| bc.ca) {
            return Err(Refusal::NotEndEntity);
        }
        check_policy(cert, purpose, env)?;
        check_key_usage(cert, purpose)?;
        let key_id = cert
            .authority_key_id()
            .ok_or(Refusal::AuthorityKeyIdMissing)?;
        let mut candidates = (self.store.anchors().iter().enumerate())
            .filter(|(_, a)| a.matches(cert.issuer(), key_id))
            .peekable();
        if candidates.peek().is_none() {
            return Err(Refusal::UntrustedRoot);
        }
        let (index, anchor) = candidates
            .find(|(_, a)| a.verifies(cert.tbs(), cert.signature()))
            .ok_or(Refusal::BadSignature)?;
        check_validity(cert, anchor, at)?;
        let identity = match purpose {
            Purpose::Sign => Some(SignIdentity::from_certificate(cert)?),
            Purpose::Auth => None,
        };
        Ok((index, identity))
    }

    fn finish(
        &self,
        cert: &JpkiCertificate,
        anchor: &TrustAnchor,
        identity: Option<SignIdentity>,
        at: UnixTime,
        revocation: &dyn RevocationCheck,
    ) -> Result<Accepted, Refusal> {
        let status = revocation.status(cert, anchor, at);
        match status {
            RevocationStatus::Revoked {
                reason,
                revoked_at,
                source,
            } => {
                return Err(Refusal::Revoked {
                    reason,
                    revoked_at,
                    via: source,
                });
            }
            RevocationStatus::Unknown { detail } => {
                return Err(Refusal::RevocationUnknown { detail });
            }
            _ => {}
        }
        Ok(Accepted {
            purpose: self.store.purpose(),
            environment: self.store.environment(),
            linkage: LinkageKey {
                issuer: crate::dn::rfc4514(cert.issuer()),
                serial: cert.serial_hex(),
            },
            root: anchor.label().to_owned(),
            subject: crate::dn::rfc4514(cert.subject()),
            not_after: cert.not_after(),
            identity,
            revocation: status,
        })
    }
}

/// The checks of a chain that depend on the time: the certificate's validity, then its
/// root's.
fn check_validity(
    cert: &JpkiCertificate,
    anchor: &TrustAnchor,
    at: UnixTime,
) -> Result<(), Refusal> {
    if at < cert.not_before() {
        return Err(Refusal::NotYetValid {
            not_before: cert.not_before(),
        });
    }
    if at > cert.not_after() {
        return Err(Refusal::Expired {
            not_after: cert.not_after(),
        });
    }
    let root = anchor.certificate();
    if at < root.not_before() || at > root.not_after() {
        return Err(Refusal::RootNotValid {
            root: anchor.label().to_owned(),
        });
    }
    Ok(())
}

/// The policy OID required for a purpose in an environment (docs/domain/jpki.md §2.2, §2.3).
pub fn required_policy(purpose: Purpose, env: Environment) -> const_oid::ObjectIdentifier {
    match (purpose, env) {
        (Purpose::Auth, Environment::Production) => oids::POLICY_AUTH,
        (Purpose::Sign, Environment::Production) => oids::POLICY_SIGN,
        (Purpose::Auth, Environment::Test) => oids::POLICY_AUTH_TEST,
        (Purpose::Sign, Environment::Test) => oids::POLICY_SIGN_TEST,
    }
}

fn check_policy(cert: &JpkiCertificate, purpose: Purpose, env: Environment) -> Result<(), Refusal> {
    let expected = required_policy(purpose, env);
    match &cert.exts.policies {
        Some((p, critical)) if p.contains(&expected) => {
            if *critical {
                Ok(())
            } else {
                Err(Refusal::PolicyNotCritical)
            }
        }
        _ => Err(Refusal::PolicyMissing {
            expected: expected.to_string(),
        }),
    }
}

fn check_key_usage(cert: &JpkiCertificate, purpose: Purpose) -> Result<(), Refusal> {
    let wanted = match purpose {
        Purpose::Auth => KeyUsages::DigitalSignature.into(),
        Purpose::Sign => KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
    };
    let wrong = |d: String| Err(Refusal::KeyUsageWrong { detail: d });
    match &cert.exts.key_usage {
        None => wrong("keyUsage missing".into()),
        Some((_, false)) => wrong("keyUsage not critical".into()),
        Some((ku, true)) if ku.0 != wanted => wrong(format!("{:?}, expected {wanted:?}", ku.0)),
        Some(_) => Ok(()),
    }
}
