//! Encoders for the extensions of the JPKI profile (docs/domain/jpki.md §2), each giving
//! a ready [`Extension`] with the criticality the real certificates use.
//! Values are built from `x509-cert` 0.3 types and DER-encoded here, so the
//! certificate builder only places them, in the order the caller gives.

use const_oid::{ObjectIdentifier, db::rfc5280};
use der::{
    Any, Encode,
    asn1::{Ia5String, Null, OctetString, Uint, Utf8StringRef},
};
use x509_cert::{
    ext::{
        Extension,
        pkix::{
            AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
            CertificatePolicies, CrlDistributionPoints, CrlNumber, CrlReason, ExtendedKeyUsage,
            IssuerAltName, KeyUsage, SubjectAltName, SubjectKeyIdentifier,
            certpolicy::{PolicyInformation, PolicyQualifierInfo},
            crl::dp::{DistributionPoint, IssuingDistributionPoint},
            name::{DistributionPointName, GeneralName, OtherName},
        },
    },
    name::Name,
    serial_number::SerialNumber,
};

use crate::error::{Result, der_err};
use crate::profile::{CPS_URI, ID_AD_OCSP, ID_KP_CLIENT_AUTH, ID_QT_CPS, UNKNOWN_EXTENSION};

/// Wraps a DER-encodable value as an extension.
pub fn extension<T: Encode>(oid: ObjectIdentifier, critical: bool, value: &T) -> Result<Extension> {
    let der = value.to_der().map_err(der_err("an extension value"))?;
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(der).map_err(der_err("an extension value"))?,
    })
}

fn ia5(text: &str) -> Result<Ia5String> {
    Ia5String::new(text).map_err(der_err("an IA5String (ASCII only)"))
}

/// keyUsage (RFC 5280 §4.2.1.3). JPKI: critical everywhere; auth
/// digitalSignature, sign digitalSignature+nonRepudiation, roots
/// keyCertSign+cRLSign (docs/domain/jpki.md §2.1–2.3).
pub fn key_usage(usage: KeyUsage, critical: bool) -> Result<Extension> {
    extension(rfc5280::ID_CE_KEY_USAGE, critical, &usage)
}

/// extKeyUsage id-kp-clientAuth, non-critical: auth certificates only
/// (docs/domain/jpki.md §2.2).
pub fn client_auth_eku() -> Result<Extension> {
    extension(
        rfc5280::ID_CE_EXT_KEY_USAGE,
        false,
        &ExtendedKeyUsage(vec![ID_KP_CLIENT_AUTH]),
    )
}

/// certificatePolicies with one policy and the CPS qualifier (RFC 5280
/// §4.2.1.4). JPKI marks it critical (docs/domain/jpki.md §2.2, §2.3).
pub fn certificate_policies(policy: ObjectIdentifier, critical: bool) -> Result<Extension> {
    let cps = Any::encode_from(&ia5(CPS_URI)?).map_err(der_err("the CPS qualifier"))?;
    let policies = CertificatePolicies(vec![PolicyInformation {
        policy_identifier: policy,
        policy_qualifiers: Some(vec![PolicyQualifierInfo {
            policy_qualifier_id: ID_QT_CPS,
            qualifier: Some(cps),
        }]),
    }]);
    extension(rfc5280::ID_CE_CERTIFICATE_POLICIES, critical, &policies)
}

/// issuerAltName with one DirName, non-critical (docs/domain/jpki.md §2.2: the Japanese
/// name of the service).
pub fn issuer_alt_name(name: Name) -> Result<Extension> {
    extension(
        rfc5280::ID_CE_ISSUER_ALT_NAME,
        false,
        &IssuerAltName(vec![GeneralName::DirectoryName(name)]),
    )
}

/// subjectAltName with one DirName, non-critical: the roots' Japanese name
/// (docs/domain/jpki.md §2.1).
pub fn subject_alt_dir_name(name: Name) -> Result<Extension> {
    extension(
        rfc5280::ID_CE_SUBJECT_ALT_NAME,
        false,
        &SubjectAltName(vec![GeneralName::DirectoryName(name)]),
    )
}

/// subjectAltName of `otherName`s with UTF8String values, non-critical: the
/// signature certificate's 基本4情報 (docs/domain/jpki.md §2.4). Encoded as
/// `[0] IMPLICIT OtherName { type-id, value [0] EXPLICIT UTF8String }`.
pub fn subject_alt_other_names(entries: &[(ObjectIdentifier, &str)]) -> Result<Extension> {
    let mut names = Vec::with_capacity(entries.len());
    for (oid, value) in entries {
        let utf8 = Utf8StringRef::new(value).map_err(der_err("an otherName value"))?;
        names.push(GeneralName::OtherName(OtherName {
            type_id: *oid,
            value: Any::encode_from(&utf8).map_err(der_err("an otherName value"))?,
        }));
    }
    extension(
        rfc5280::ID_CE_SUBJECT_ALT_NAME,
        false,
        &SubjectAltName(names),
    )
}

/// cRLDistributionPoints with one DirName fullName, non-critical: the
/// municipality partition for end entities, the root's own DN for roots
/// (docs/domain/jpki.md §2.1, §2.2).
pub fn crl_distribution_point(name: Name) -> Result<Extension> {
    let dp = DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![
            GeneralName::DirectoryName(name),
        ])),
        reasons: None,
        crl_issuer: None,
    };
    extension(
        rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS,
        false,
        &CrlDistributionPoints(vec![dp]),
    )
}

/// authorityInfoAccess with one OCSP URI, non-critical (docs/domain/jpki.md §2.2; auth
/// certificates only).
pub fn ocsp_access(uri: &str) -> Result<Extension> {
    let aia = AuthorityInfoAccessSyntax(vec![AccessDescription {
        access_method: ID_AD_OCSP,
        access_location: GeneralName::UniformResourceIdentifier(ia5(uri)?),
    }]);
    extension(rfc5280::ID_PE_AUTHORITY_INFO_ACCESS, false, &aia)
}

/// authorityKeyIdentifier, non-critical. End entities carry all three
/// fields: keyid, the issuer's DirName and the issuer's serial (docs/domain/jpki.md §2.2);
/// pass `None` for the last two to get a keyid-only AKI (as in CRLs).
pub fn authority_key_identifier(key_id: &[u8], issuer: Option<(Name, &[u8])>) -> Result<Extension> {
    let (authority_cert_issuer, authority_cert_serial_number) = match issuer {
        Some((name, serial)) => (
            Some(vec![GeneralName::DirectoryName(name)]),
            Some(SerialNumber::new(serial).map_err(der_err("the AKI serial"))?),
        ),
        None => (None, None),
    };
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(key_id).map_err(der_err("the AKI keyid"))?),
        authority_cert_issuer,
        authority_cert_serial_number,
    };
    extension(rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER, false, &aki)
}

/// subjectKeyIdentifier, non-critical (RFC 5280 §4.2.1.2).
pub fn subject_key_identifier(key_id: &[u8]) -> Result<Extension> {
    let ski = SubjectKeyIdentifier(OctetString::new(key_id).map_err(der_err("the SKI"))?);
    extension(rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER, false, &ski)
}

/// basicConstraints CA:TRUE, critical, no path length (docs/domain/jpki.md §2.1).
pub fn ca_basic_constraints() -> Result<Extension> {
    let bc = BasicConstraints {
        ca: true,
        path_len_constraint: None,
    };
    extension(rfc5280::ID_CE_BASIC_CONSTRAINTS, true, &bc)
}

/// An extension no verifier understands ([`UNKNOWN_EXTENSION`], value NULL).
pub fn unknown_extension(critical: bool) -> Result<Extension> {
    extension(UNKNOWN_EXTENSION, critical, &Null)
}

/// cRLNumber, non-critical (RFC 5280 §5.2.3).
pub fn crl_number(number: u64) -> Result<Extension> {
    let bytes = number.to_be_bytes();
    let uint = Uint::new(&bytes).map_err(der_err("the CRL number"))?;
    extension(rfc5280::ID_CE_CRL_NUMBER, false, &CrlNumber(uint))
}

/// issuingDistributionPoint naming the municipality's CRLDP DirName, critical
/// (RFC 5280 §5.2.5: "this extension MUST be critical").
pub fn issuing_distribution_point(name: Name) -> Result<Extension> {
    let idp = IssuingDistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![
            GeneralName::DirectoryName(name),
        ])),
        only_contains_user_certs: false,
        only_contains_ca_certs: false,
        only_some_reasons: None,
        indirect_crl: false,
        only_contains_attribute_certs: false,
    };
    extension(rfc5280::ID_CE_ISSUING_DISTRIBUTION_POINT, true, &idp)
}

/// CRL entry reasonCode, non-critical (RFC 5280 §5.3.1; JPKI's meanings in
/// docs/domain/jpki.md §2.5).
pub fn reason_code(reason: CrlReason) -> Result<Extension> {
    extension(rfc5280::ID_CE_CRL_REASONS, false, &reason)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use x509_cert::ext::pkix::KeyUsages;

    use super::*;

    fn value_hex(ext: &Extension) -> String {
        ext.extn_value
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    #[test]
    fn key_usage_bits_match_the_real_certificates() {
        let auth = key_usage(KeyUsage(KeyUsages::DigitalSignature.into()), true).unwrap();
        assert_eq!(value_hex(&auth), "03020780");
        let sign = key_usage(
            KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
            true,
        )
        .unwrap();
        assert_eq!(value_hex(&sign), "030206C0");
        let ca = key_usage(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign), true).unwrap();
        // Byte-identical to authca03's keyUsage (docs/domain/jpki.md §2.1).
        assert_eq!(value_hex(&ca), "03020106");
        assert_eq!(value_hex(&ca_basic_constraints().unwrap()), "30030101FF");
    }

    #[test]
    fn crl_number_is_minimal() {
        assert_eq!(value_hex(&crl_number(1).unwrap()), "020101");
        assert_eq!(value_hex(&crl_number(0x80).unwrap()), "02020080");
    }
}
