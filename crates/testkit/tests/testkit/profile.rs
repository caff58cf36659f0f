//! End-entity certificates decoded field by field against docs/domain/jpki.md §2.2
//! (auth) and §2.3/§2.4 (sign).

use const_oid::db::{rfc4519, rfc5280};
use der::{Tag, Tagged, asn1::Utf8StringRef};
use testkit::{
    Date, Generation, Purpose,
    crl::certificate_signature_valid,
    key::key_identifier,
    profile::{
        CPS_URI, ID_AD_OCSP, ID_KP_CLIENT_AUTH, ID_QT_CPS, OCSP_URI, PD_ADDRESS, PD_COMMON_NAME,
        PD_DATE_OF_BIRTH, PD_GENDER, PD_SUBSTITUTE_ADDRESS, PD_SUBSTITUTE_COMMON_NAME,
        POLICY_AUTH_TEST, POLICY_SIGN_TEST,
    },
};
use x509_cert::{
    Certificate,
    ext::pkix::{
        AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, CertificatePolicies,
        CrlDistributionPoints, ExtendedKeyUsage, IssuerAltName, KeyUsage, KeyUsages,
        SubjectAltName, SubjectKeyIdentifier,
        name::{DistributionPointName, GeneralName},
    },
    time::Time,
};

use crate::{cert, der_of, ext_value, extensions, name_der, persona, pki, shape};

fn auth_order() -> Vec<(const_oid::ObjectIdentifier, bool)> {
    vec![
        (rfc5280::ID_CE_KEY_USAGE, true),
        (rfc5280::ID_CE_EXT_KEY_USAGE, false),
        (rfc5280::ID_CE_CERTIFICATE_POLICIES, true),
        (rfc5280::ID_CE_ISSUER_ALT_NAME, false),
        (rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS, false),
        (rfc5280::ID_PE_AUTHORITY_INFO_ACCESS, false),
        (rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER, false),
        (rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER, false),
    ]
}

fn sign_order() -> Vec<(const_oid::ObjectIdentifier, bool)> {
    vec![
        (rfc5280::ID_CE_KEY_USAGE, true),
        (rfc5280::ID_CE_SUBJECT_ALT_NAME, false),
        (rfc5280::ID_CE_CERTIFICATE_POLICIES, true),
        (rfc5280::ID_CE_ISSUER_ALT_NAME, false),
        (rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS, false),
        (rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER, false),
        (rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER, false),
    ]
}

/// Checks the fields both purposes share; returns the decoded certificate.
fn common_profile(der: &[u8], purpose: Purpose, generation: Generation, city: &str) -> Certificate {
    let c = cert(der);
    let root = pki().root(purpose, generation);
    let tbs = c.tbs_certificate();
    assert_eq!(tbs.version(), x509_cert::certificate::Version::V3);
    let serial = tbs.serial_number().as_bytes();
    assert_eq!(serial.len(), 4, "4-byte serial");
    assert!(serial[0] < 0x80, "positive without a sign byte");
    assert_eq!(
        tbs.signature().oid,
        const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION
    );
    assert_eq!(name_der(tbs.issuer()), name_der(root.name()));
    assert!(matches!(tbs.validity().not_before, Time::UtcTime(_)));
    assert!(matches!(tbs.validity().not_after, Time::UtcTime(_)));
    let not_after = tbs.validity().not_after.to_date_time();
    assert_eq!(
        (not_after.hour(), not_after.minutes(), not_after.seconds()),
        (14, 59, 59)
    );
    assert!(certificate_signature_valid(der, root.certificate()).unwrap());

    let exts = extensions(&c);
    let policies: CertificatePolicies = ext_value(&exts, rfc5280::ID_CE_CERTIFICATE_POLICIES);
    assert_eq!(policies.0.len(), 1);
    assert_eq!(policies.0[0].policy_identifier, purpose.test_policy());
    let qualifiers = policies.0[0].policy_qualifiers.as_ref().unwrap();
    assert_eq!(qualifiers[0].policy_qualifier_id, ID_QT_CPS);
    let cps = qualifiers[0].qualifier.as_ref().unwrap();
    assert_eq!(cps.tag(), Tag::Ia5String);
    assert_eq!(cps.value(), CPS_URI.as_bytes());

    let ian: IssuerAltName = ext_value(&exts, rfc5280::ID_CE_ISSUER_ALT_NAME);
    let expected_ja = testkit::dn::japanese_name(purpose).unwrap();
    assert_eq!(ian.0, vec![GeneralName::DirectoryName(expected_ja)]);

    let dp: CrlDistributionPoints = ext_value(&exts, rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS);
    let Some(DistributionPointName::FullName(names)) = &dp.0[0].distribution_point else {
        panic!("CRLDP must be a fullName");
    };
    let [GeneralName::DirectoryName(dp_name)] = names.as_slice() else {
        panic!("CRLDP must be one DirName");
    };
    let text = dp_name.to_string();
    assert!(text.contains("OU=CRL Distribution Points"), "{text}");
    assert!(text.contains(&format!("CN={city} CRLDP")), "{text}");
    assert!(text.contains(purpose.service_ou()), "{text}");

    let aki: AuthorityKeyIdentifier = ext_value(&exts, rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER);
    assert_eq!(
        aki.key_identifier.unwrap().as_bytes(),
        root.key_identifier().unwrap()
    );
    assert_eq!(
        aki.authority_cert_issuer.unwrap(),
        vec![GeneralName::DirectoryName(root.name().clone())]
    );
    assert_eq!(
        aki.authority_cert_serial_number.unwrap().as_bytes(),
        root.serial()
    );

    let ski: SubjectKeyIdentifier = ext_value(&exts, rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER);
    assert_eq!(
        ski.0.as_bytes(),
        key_identifier(tbs.subject_public_key_info()).unwrap()
    );
    c
}

#[test]
fn auth_certificate_has_the_real_profile_and_size() {
    let hanako = persona("sato-hanako");
    let der = der_of(&hanako.pem.auth_certificate);
    // docs/domain/jpki.md §1.5: a real production auth certificate is 1,586 bytes.
    assert_eq!(der.len(), 1586);
    let c = common_profile(&der, Purpose::Auth, Generation::G3, "Chiyoda-ku");
    assert_eq!(shape(&c), auth_order());
    let exts = extensions(&c);
    let ku: KeyUsage = ext_value(&exts, rfc5280::ID_CE_KEY_USAGE);
    assert!(ku.digital_signature() && !ku.non_repudiation());
    assert_eq!(
        ku.0.bits(),
        KeyUsage(KeyUsages::DigitalSignature.into()).0.bits()
    );
    let eku: ExtendedKeyUsage = ext_value(&exts, rfc5280::ID_CE_EXT_KEY_USAGE);
    assert_eq!(eku.0, vec![ID_KP_CLIENT_AUTH]);
    let aia: AuthorityInfoAccessSyntax = ext_value(&exts, rfc5280::ID_PE_AUTHORITY_INFO_ACCESS);
    assert_eq!(aia.0.len(), 1);
    assert_eq!(aia.0[0].access_method, ID_AD_OCSP);
    let GeneralName::UniformResourceIdentifier(uri) = &aia.0[0].access_location else {
        panic!("OCSP location must be a URI");
    };
    assert_eq!(uri.as_str(), OCSP_URI);
    assert!(uri.as_str().ends_with(".invalid"));

    let policies: CertificatePolicies = ext_value(&exts, rfc5280::ID_CE_CERTIFICATE_POLICIES);
    assert_eq!(policies.0[0].policy_identifier, POLICY_AUTH_TEST);

    // Subject: C=JP, CN=<23-character opaque ID>, nothing personal.
    let subject: Vec<_> = c.tbs_certificate().subject().iter().collect();
    assert_eq!(subject.len(), 2);
    assert_eq!(
        (subject[0].oid, subject[0].value.tag()),
        (rfc4519::C, Tag::PrintableString)
    );
    assert_eq!(
        (subject[1].oid, subject[1].value.tag()),
        (rfc4519::CN, Tag::Utf8String)
    );
    assert_eq!(subject[1].value.value().len(), 23);

    // notAfter: 23:59:59 JST on the 5th birthday after issuance.
    let v = c.tbs_certificate().validity();
    let issued = v.not_before.to_date_time();
    let birth = Date::parse(&hanako.birth_date).unwrap();
    let expected = birth
        .fifth_birthday_after(Date::new(issued.year(), issued.month(), issued.day()).unwrap())
        .unwrap()
        .end_of_day_jst()
        .unwrap();
    assert_eq!(v.not_after.to_date_time(), expected);
    assert_eq!(expected.to_string(), "2030-04-12T14:59:59Z");
}

#[test]
fn sign_certificate_carries_the_four_attributes_in_the_observed_order() {
    let ichiro = persona("suzuki-ichiro");
    let der = der_of(ichiro.pem.sign_certificate.as_ref().unwrap());
    let c = common_profile(&der, Purpose::Sign, Generation::G3, "Osaka-shi-Kita-ku");
    assert_eq!(shape(&c), sign_order());
    let exts = extensions(&c);
    let ku: KeyUsage = ext_value(&exts, rfc5280::ID_CE_KEY_USAGE);
    assert_eq!(
        ku.0,
        KeyUsages::DigitalSignature | KeyUsages::NonRepudiation
    );
    let policies: CertificatePolicies = ext_value(&exts, rfc5280::ID_CE_CERTIFICATE_POLICIES);
    assert_eq!(policies.0[0].policy_identifier, POLICY_SIGN_TEST);
    assert!(
        !exts
            .iter()
            .any(|e| e.extn_id == rfc5280::ID_PE_AUTHORITY_INFO_ACCESS)
    );

    // Subject: C=JP, L=<prefecture>, L=<city>, CN=<ID>.
    let subject: Vec<_> = c.tbs_certificate().subject().iter().collect();
    let oids: Vec<_> = subject.iter().map(|a| a.oid).collect();
    assert_eq!(oids, vec![rfc4519::C, rfc4519::L, rfc4519::L, rfc4519::CN]);
    assert_eq!(subject[1].value.value(), b"Osaka-fu");
    assert_eq!(subject[2].value.value(), b"Osaka-shi-Kita-ku");

    let san: SubjectAltName = ext_value(&exts, rfc5280::ID_CE_SUBJECT_ALT_NAME);
    let entries: Vec<(const_oid::ObjectIdentifier, String)> = san
        .0
        .iter()
        .map(|gn| {
            let GeneralName::OtherName(other) = gn else {
                panic!("sign SAN holds only otherNames");
            };
            assert_eq!(other.value.tag(), Tag::Utf8String);
            let value = Utf8StringRef::try_from(&other.value).unwrap();
            (other.type_id, value.as_str().to_owned())
        })
        .collect();
    let oids: Vec<_> = entries.iter().map(|(oid, _)| *oid).collect();
    assert_eq!(
        oids,
        vec![
            PD_COMMON_NAME,
            PD_DATE_OF_BIRTH,
            PD_GENDER,
            PD_ADDRESS,
            PD_SUBSTITUTE_COMMON_NAME,
            PD_SUBSTITUTE_ADDRESS
        ]
    );
    assert_eq!(entries[0].1, ichiro.name);
    assert_eq!(entries[0].1, "鈴木　一郎");
    // 昭和 (3) + 1958-03-03.
    assert_eq!(entries[1].1, "319580303");
    assert_eq!(entries[2].1, "1");
    assert_eq!(entries[3].1, ichiro.address);
    assert_eq!(entries[3].1.chars().count(), 121);
    assert!(entries[3].1.contains('－') && entries[3].1.contains('９'));
    assert_eq!(entries[4].1, "10000");
    let address_flags = &entries[5].1;
    assert_eq!(address_flags.chars().count(), entries[3].1.chars().count());
    assert_eq!(address_flags.find('1'), Some(20));
    assert_eq!(entries[3].1.chars().nth(20), Some('髙'));
    assert_eq!(address_flags.matches('1').count(), 1);
}

#[test]
fn birth_date_era_codes_follow_the_holder() {
    let cases = [
        ("ito-sachiko", "219260301"),   // 大正
        ("watanabe-jiro", "319470211"), // 昭和
        ("kobayashi-mei", "420010610"), // 平成
    ];
    for (id, expected) in cases {
        let p = persona(id);
        let c = cert(&der_of(p.pem.sign_certificate.as_ref().unwrap()));
        let san: SubjectAltName = ext_value(&extensions(&c), rfc5280::ID_CE_SUBJECT_ALT_NAME);
        let GeneralName::OtherName(dob) = &san.0[1] else {
            panic!("second entry is the birth date");
        };
        assert_eq!(dob.type_id, PD_DATE_OF_BIRTH);
        assert_eq!(
            Utf8StringRef::try_from(&dob.value).unwrap().as_str(),
            expected,
            "{id}"
        );
    }
}

#[test]
fn every_persona_certificate_follows_the_profile() {
    for id in testkit::personas::PERSONA_IDS {
        let p = persona(id);
        let auth = cert(&der_of(&p.pem.auth_certificate));
        assert_eq!(shape(&auth), auth_order(), "{id}");
        if let Some(sign) = &p.pem.sign_certificate {
            assert_eq!(shape(&cert(&der_of(sign))), sign_order(), "{id}");
        }
    }
}
