//! Object identifiers used by the JPKI profiles (docs/domain/jpki.md §2.2–§2.4) and by RFC 5280.

use const_oid::ObjectIdentifier as Oid;

/// `1.2.392.200149.8.5.1.3.30`: user-authentication certificate policy, production (docs/domain/jpki.md §2.2).
pub const POLICY_AUTH: Oid = Oid::new_unwrap("1.2.392.200149.8.5.1.3.30");
/// `1.2.392.200149.8.5.1.1.20`: signature certificate policy, production (docs/domain/jpki.md §2.3).
pub const POLICY_SIGN: Oid = Oid::new_unwrap("1.2.392.200149.8.5.1.1.20");
/// `1.2.392.200149.8.5.1.0.30`: authentication policy of test cards (`O=JPKI-TEST`).
///
/// docs/domain/jpki.md §2.3 gives the test sign OID `…1.0.20`; the test auth OID is assumed to
/// follow the same pattern (`…1.0.30`) and is shared with `testkit`.
pub const POLICY_AUTH_TEST: Oid = Oid::new_unwrap("1.2.392.200149.8.5.1.0.30");
/// `1.2.392.200149.8.5.1.0.20`: signature policy of test cards (docs/domain/jpki.md §2.3).
pub const POLICY_SIGN_TEST: Oid = Oid::new_unwrap("1.2.392.200149.8.5.1.0.20");

/// `1.2.392.200149.8.5.5.1`: 氏名 (name), docs/domain/jpki.md §2.4.
pub const PD_NAME: Oid = Oid::new_unwrap("1.2.392.200149.8.5.5.1");
/// `1.2.392.200149.8.5.5.2`: substitution flags of the name.
pub const PD_NAME_SUBSTITUTION: Oid = Oid::new_unwrap("1.2.392.200149.8.5.5.2");
/// `1.2.392.200149.8.5.5.3`: 性別 (sex code).
pub const PD_SEX: Oid = Oid::new_unwrap("1.2.392.200149.8.5.5.3");
/// `1.2.392.200149.8.5.5.4`: 生年月日 (`EYYYYMMDD`).
pub const PD_BIRTH_DATE: Oid = Oid::new_unwrap("1.2.392.200149.8.5.5.4");
/// `1.2.392.200149.8.5.5.5`: 住所 (address).
pub const PD_ADDRESS: Oid = Oid::new_unwrap("1.2.392.200149.8.5.5.5");
/// `1.2.392.200149.8.5.5.6`: substitution flags of the address.
pub const PD_ADDRESS_SUBSTITUTION: Oid = Oid::new_unwrap("1.2.392.200149.8.5.5.6");

/// `sha256WithRSAEncryption` (RFC 4055 §5).
pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
/// `rsaEncryption` (RFC 3279 §2.3.1).
pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
/// `id-sha256` (RFC 5754 §2.2), used in OCSP `CertID`.
pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
/// `id-sha1` (RFC 3279 §2.2), accepted in OCSP `CertID` from responders.
pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");

/// `organizationName` (X.520).
pub const AT_ORGANIZATION: Oid = Oid::new_unwrap("2.5.4.10");
/// `organizationalUnitName` (X.520).
pub const AT_ORGANIZATIONAL_UNIT: Oid = Oid::new_unwrap("2.5.4.11");

/// Extension OIDs (RFC 5280 §4.2).
pub mod ext {
    use super::Oid;
    /// subjectKeyIdentifier §4.2.1.2
    pub const SKI: Oid = Oid::new_unwrap("2.5.29.14");
    /// keyUsage §4.2.1.3
    pub const KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
    /// subjectAltName §4.2.1.6
    pub const SAN: Oid = Oid::new_unwrap("2.5.29.17");
    /// issuerAltName §4.2.1.7
    pub const IAN: Oid = Oid::new_unwrap("2.5.29.18");
    /// basicConstraints §4.2.1.9
    pub const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
    /// cRLNumber §5.2.3
    pub const CRL_NUMBER: Oid = Oid::new_unwrap("2.5.29.20");
    /// reasonCode §5.3.1
    pub const REASON_CODE: Oid = Oid::new_unwrap("2.5.29.21");
    /// invalidityDate §5.3.2
    pub const INVALIDITY_DATE: Oid = Oid::new_unwrap("2.5.29.24");
    /// deltaCRLIndicator §5.2.4
    pub const DELTA_CRL: Oid = Oid::new_unwrap("2.5.29.27");
    /// issuingDistributionPoint §5.2.5
    pub const IDP: Oid = Oid::new_unwrap("2.5.29.28");
    /// certificateIssuer §5.3.3
    pub const CERTIFICATE_ISSUER: Oid = Oid::new_unwrap("2.5.29.29");
    /// cRLDistributionPoints §4.2.1.13
    pub const CRL_DP: Oid = Oid::new_unwrap("2.5.29.31");
    /// certificatePolicies §4.2.1.4
    pub const CERT_POLICIES: Oid = Oid::new_unwrap("2.5.29.32");
    /// authorityKeyIdentifier §4.2.1.1
    pub const AKI: Oid = Oid::new_unwrap("2.5.29.35");
    /// extKeyUsage §4.2.1.12
    pub const EKU: Oid = Oid::new_unwrap("2.5.29.37");
    /// freshestCRL §5.2.6
    pub const FRESHEST_CRL: Oid = Oid::new_unwrap("2.5.29.46");
    /// authorityInfoAccess §4.2.2.1
    pub const AIA: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");
    /// id-pkix-ocsp-nonce (RFC 8954 / RFC 6960 §4.4.1)
    pub const OCSP_NONCE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.2");
    /// id-pkix-ocsp-basic (RFC 6960 §4.2.1)
    pub const OCSP_BASIC: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.1");
    /// id-kp-OCSPSigning (RFC 5280 §4.2.1.12)
    pub const KP_OCSP_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.9");
}
