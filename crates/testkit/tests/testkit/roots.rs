//! The roots: same DN per purpose across generations, different keys, the
//! real roots' profile (docs/domain/jpki.md §2.1).

use const_oid::db::{rfc4519, rfc5280};
use der::{
    Decode, Tag, Tagged,
    asn1::{PrintableStringRef, Utf8StringRef},
};
use rsa::traits::PublicKeyParts;
use testkit::{Generation, Purpose, crl::certificate_signature_valid, key::key_identifier};
use x509_cert::ext::pkix::{
    BasicConstraints, CrlDistributionPoints, KeyUsage, KeyUsages, SubjectAltName,
    SubjectKeyIdentifier, name::GeneralName,
};

use crate::{ext_value, extensions, name_der, pki, shape, today, valid_at};

#[test]
fn every_root_is_self_signed_in_the_real_profile() {
    for root in pki().roots() {
        let cert = root.certificate();
        let tbs = cert.tbs_certificate();
        assert_eq!(tbs.version(), x509_cert::certificate::Version::V3);
        assert_eq!(tbs.subject(), tbs.issuer());
        assert!(certificate_signature_valid(root.der(), cert).unwrap());
        assert_eq!(
            shape(cert),
            vec![
                (rfc5280::ID_CE_KEY_USAGE, true),
                (rfc5280::ID_CE_SUBJECT_ALT_NAME, false),
                (rfc5280::ID_CE_BASIC_CONSTRAINTS, true),
                (rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS, false),
                (rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER, false),
            ]
        );
        let exts = extensions(cert);
        let ku: KeyUsage = ext_value(&exts, rfc5280::ID_CE_KEY_USAGE);
        assert_eq!(ku.0, KeyUsages::KeyCertSign | KeyUsages::CRLSign);
        let bc: BasicConstraints = ext_value(&exts, rfc5280::ID_CE_BASIC_CONSTRAINTS);
        assert!(bc.ca && bc.path_len_constraint.is_none());
        let san: SubjectAltName = ext_value(&exts, rfc5280::ID_CE_SUBJECT_ALT_NAME);
        let [GeneralName::DirectoryName(ja)] = san.0.as_slice() else {
            panic!("root SAN must be one DirName");
        };
        assert!(ja.to_string().contains("公的個人認証サービス-TEST"), "{ja}");
        let dp: CrlDistributionPoints = ext_value(&exts, rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS);
        let Some(x509_cert::ext::pkix::name::DistributionPointName::FullName(names)) =
            &dp.0[0].distribution_point
        else {
            panic!("CRLDP must be a fullName");
        };
        assert_eq!(
            names,
            &vec![GeneralName::DirectoryName(tbs.subject().clone())]
        );
        let ski: SubjectKeyIdentifier = ext_value(&exts, rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER);
        assert_eq!(
            ski.0.as_bytes(),
            key_identifier(tbs.subject_public_key_info()).unwrap()
        );
        let public = root.key().private_key().to_public_key();
        assert_eq!(public.n().bit_width(), 2048);
        assert_eq!(public.e().to_be_bytes().as_ref().last(), Some(&1));
    }
}

#[test]
fn generations_share_the_dn_but_not_the_key() {
    for purpose in Purpose::ALL {
        let [g1, g2, g3] = Generation::ALL.map(|g| pki().root(purpose, g));
        assert_eq!(name_der(g1.name()), name_der(g2.name()));
        assert_eq!(name_der(g2.name()), name_der(g3.name()));
        let ids = [g1, g2, g3].map(|r| r.key_identifier().unwrap());
        assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
        // A verifier choosing by name would try G2 for a G3 certificate:
        assert!(!certificate_signature_valid(g3.der(), g2.certificate()).unwrap());
    }
}

#[test]
fn root_names_use_the_real_string_types() {
    for root in pki().roots() {
        let rdns: Vec<_> = root.name().iter().collect();
        assert_eq!(rdns.len(), 4);
        assert_eq!(rdns[0].oid, rfc4519::C);
        assert_eq!(rdns[0].value.tag(), Tag::PrintableString);
        assert_eq!(
            PrintableStringRef::try_from(&rdns[0].value)
                .unwrap()
                .as_str(),
            "JP"
        );
        for atv in &rdns[1..] {
            assert_eq!(atv.value.tag(), Tag::Utf8String);
        }
        assert_eq!(
            Utf8StringRef::from_der(&der::Encode::to_der(&rdns[1].value).unwrap())
                .unwrap()
                .as_str(),
            "JPKI-TEST"
        );
        assert_eq!(
            name_der(root.name()),
            name_der(&testkit::dn::root_name(root.purpose()).unwrap())
        );
        let text = root.name().to_string();
        assert!(text.contains(root.purpose().service_ou()), "{text}");
        assert!(text.contains("Japan Agency for Local Authority Information Systems"));
    }
}

#[test]
fn generation_one_is_expired_and_the_others_are_valid_today() {
    for purpose in Purpose::ALL {
        assert!(!valid_at(
            pki().root(purpose, Generation::G1).certificate(),
            today()
        ));
        assert!(valid_at(
            pki().root(purpose, Generation::G2).certificate(),
            today()
        ));
        assert!(valid_at(
            pki().root(purpose, Generation::G3).certificate(),
            today()
        ));
    }
}
