//! Signature certificates whose identity attributes (docs/domain/jpki.md §2.4, subjectAltName
//! otherNames) are malformed are refused `identity_malformed`, with a valid chain.
//!
//! testkit's `CertSpec` always writes a well-formed subjectAltName from its `Holder`, so
//! these certificates are rebuilt here from a good one with a hand-made subjectAltName,
//! through x509-cert 0.3's `CertificateBuilder`, and signed by testkit's gen-3 sign root.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use der::asn1::{Any, PrintableStringRef, Utf8StringRef};
use der::{Decode, Encode};
use jpki_cert::{NoRevocationCheck, Purpose, Refusal, oids};
use rsa::pkcs1v15::Signature;
use spki::SubjectPublicKeyInfoRef;
use x509_cert::Certificate;
use x509_cert::builder::{Builder, CertificateBuilder, profile::BuilderProfile};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::{GeneralName, OtherName};
use x509_cert::name::Name;

/// A builder profile that returns exactly the given issuer, subject and extensions.
struct Exact {
    issuer: Name,
    subject: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for Exact {
    fn get_issuer(&self, _: &Name) -> Name {
        self.issuer.clone()
    }
    fn get_subject(&self) -> Name {
        self.subject.clone()
    }
    fn build_extensions(
        &self,
        _: SubjectPublicKeyInfoRef<'_>,
        _: SubjectPublicKeyInfoRef<'_>,
        _: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

fn utf8(s: &str) -> Any {
    Any::encode_from(&Utf8StringRef::new(s).unwrap()).unwrap()
}

/// The good sample signature certificate with its subjectAltName replaced by otherNames
/// `(type, value)`, re-signed by the issuing root.
fn sign_cert_with_san(entries: &[(const_oid::ObjectIdentifier, Any)]) -> Vec<u8> {
    let good = testkit::CertSpec::sign(testkit::Generation::G3)
        .unwrap()
        .issue(pki())
        .unwrap();
    let cert = Certificate::from_der(&good).unwrap();
    let tbs = cert.tbs_certificate();
    let san = SubjectAltName(
        entries
            .iter()
            .map(|(oid, value)| {
                GeneralName::OtherName(OtherName {
                    type_id: *oid,
                    value: value.clone(),
                })
            })
            .collect(),
    );
    let extensions = tbs
        .extensions()
        .unwrap()
        .iter()
        .map(|e| {
            let mut e = e.clone();
            if e.extn_id == oids::ext::SAN {
                e.extn_value = der::asn1::OctetString::new(san.to_der().unwrap()).unwrap();
            }
            e
        })
        .collect();
    let profile = Exact {
        issuer: tbs.issuer().clone(),
        subject: tbs.subject().clone(),
        extensions,
    };
    let builder = CertificateBuilder::new(
        profile,
        tbs.serial_number().clone(),
        *tbs.validity(),
        tbs.subject_public_key_info().clone(),
    )
    .unwrap();
    let root = pki().root(testkit::Purpose::Sign, testkit::Generation::G3);
    builder
        .build::<_, Signature>(&root.key().signer())
        .unwrap()
        .to_der()
        .unwrap()
}

/// The four attributes and two flag strings of the sample holder, well-formed.
fn good_entries() -> Vec<(const_oid::ObjectIdentifier, Any)> {
    vec![
        (oids::PD_NAME, utf8("見本\u{3000}太郎")),
        (oids::PD_BIRTH_DATE, utf8("319800115")),
        (oids::PD_SEX, utf8("1")),
        (oids::PD_ADDRESS, utf8("東京都千代田区見本町一丁目１番１号")),
        (oids::PD_NAME_SUBSTITUTION, utf8("00000")),
        (oids::PD_ADDRESS_SUBSTITUTION, utf8(&"0".repeat(17))),
    ]
}

fn verdict(entries: &[(const_oid::ObjectIdentifier, Any)]) -> jpki_cert::Verdict {
    verifier(Purpose::Sign).verify(&sign_cert_with_san(entries), now(), &NoRevocationCheck)
}

/// The refusal's detail, which must be `identity_malformed`.
fn malformed(entries: &[(const_oid::ObjectIdentifier, Any)]) -> String {
    match refusal(verdict(entries)) {
        Refusal::IdentityMalformed { detail } => detail,
        other => panic!("expected identity_malformed, got {other:?}"),
    }
}

#[test]
fn the_rebuilt_certificate_is_accepted_when_its_attributes_are_good() {
    let v = verdict(&good_entries());
    let id = v.accepted().and_then(|a| a.identity.clone());
    let id = id.unwrap_or_else(|| panic!("{v:?}"));
    assert_eq!(id.birth_date.date.as_deref(), Some("1980-01-15"));
}

#[test]
fn a_missing_attribute_is_identity_malformed() {
    for (oid, what) in [
        (oids::PD_NAME, "name"),
        (oids::PD_SEX, "sex"),
        (oids::PD_BIRTH_DATE, "birth date"),
        (oids::PD_ADDRESS, "address"),
    ] {
        let entries: Vec<_> = good_entries().into_iter().filter(|e| e.0 != oid).collect();
        let detail = malformed(&entries);
        assert!(detail.contains(what), "{what}: {detail}");
    }
}

#[test]
fn a_repeated_attribute_is_identity_malformed() {
    let mut entries = good_entries();
    entries.push((oids::PD_NAME, utf8("別人\u{3000}花子")));
    assert!(malformed(&entries).contains("twice"));
    // Twice with the same value is still twice.
    let mut entries = good_entries();
    entries.push(entries[2].clone());
    assert!(malformed(&entries).contains("twice"));
}

#[test]
fn a_value_that_is_not_a_utf8string_is_identity_malformed() {
    let printable = Any::encode_from(&PrintableStringRef::new("Tokyo").unwrap()).unwrap();
    let octets = Any::new(der::Tag::OctetString, "1".as_bytes()).unwrap();
    for (oid, value) in [(oids::PD_ADDRESS, printable), (oids::PD_SEX, octets)] {
        let mut entries = good_entries();
        for e in &mut entries {
            if e.0 == oid {
                e.1 = value.clone();
            }
        }
        assert!(malformed(&entries).contains("UTF8String"), "{oid}");
    }
}

#[test]
fn a_bad_birth_date_is_identity_malformed() {
    for bad in [
        "319801315",  // month 13
        "319800230",  // 30 February
        "619800115",  // no era 6
        "31980011",   // eight digits
        "3198001１5", // a full-width digit
        "",
    ] {
        let mut entries = good_entries();
        entries[1].1 = utf8(bad);
        let detail = malformed(&entries);
        assert!(detail.contains("EYYYYMMDD"), "{bad:?}: {detail}");
    }
}

#[test]
fn bad_substitution_flags_are_identity_malformed() {
    let mut entries = good_entries();
    entries[4].1 = utf8("00x00");
    assert!(malformed(&entries).contains("substitution flags"));
}
