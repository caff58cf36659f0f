//! The negative-test knobs of `CertSpec`: each changes exactly what it says.

use const_oid::db::rfc5280;
use testkit::{
    Aki, CertSpec, Date, Generation, Holder, Purpose, Sex, Signer,
    crl::certificate_signature_valid,
    ext,
    profile::{POLICY_AUTH_PRODUCTION, POLICY_SIGN_PRODUCTION, UNKNOWN_EXTENSION},
};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, KeyUsage, KeyUsages,
    SubjectAltName, name::GeneralName,
};

use crate::{cert, ext_value, extensions, pki};

fn issue(spec: &CertSpec) -> x509_cert::Certificate {
    cert(&spec.issue(pki()).unwrap())
}

fn root_of(spec: &CertSpec) -> &'static testkit::Root {
    pki().root(spec.purpose, spec.generation)
}

#[test]
fn default_specs_issue_valid_certificates_for_every_generation() {
    for generation in Generation::ALL {
        for spec in [
            CertSpec::auth(generation).unwrap(),
            CertSpec::sign(generation).unwrap(),
        ] {
            let der = spec.issue(pki()).unwrap();
            assert!(certificate_signature_valid(&der, root_of(&spec).certificate()).unwrap());
            // Deterministic: same spec, same bytes.
            assert_eq!(spec.issue(pki()).unwrap(), der);
        }
    }
}

#[test]
fn policy_knobs() {
    let mut spec = CertSpec::auth(Generation::G3).unwrap();
    spec.policy = Some(POLICY_AUTH_PRODUCTION);
    let policies: CertificatePolicies = ext_value(
        &extensions(&issue(&spec)),
        rfc5280::ID_CE_CERTIFICATE_POLICIES,
    );
    assert_eq!(policies.0[0].policy_identifier, POLICY_AUTH_PRODUCTION);

    let mut spec = CertSpec::sign(Generation::G3).unwrap();
    spec.policy = Some(Purpose::Sign.production_policy());
    spec.policy_critical = false;
    let c = issue(&spec);
    let cp = extensions(&c)
        .into_iter()
        .find(|e| e.extn_id == rfc5280::ID_CE_CERTIFICATE_POLICIES)
        .unwrap();
    assert!(!cp.critical);
    let policies: CertificatePolicies =
        ext_value(&extensions(&c), rfc5280::ID_CE_CERTIFICATE_POLICIES);
    assert_eq!(policies.0[0].policy_identifier, POLICY_SIGN_PRODUCTION);

    spec.policy = None;
    assert!(
        !extensions(&issue(&spec))
            .iter()
            .any(|e| e.extn_id == rfc5280::ID_CE_CERTIFICATE_POLICIES)
    );
}

#[test]
fn key_usage_knobs() {
    let mut spec = CertSpec::auth(Generation::G3).unwrap();
    spec.key_usage = Some(KeyUsage(KeyUsages::KeyEncipherment.into()));
    spec.key_usage_critical = false;
    let c = issue(&spec);
    let ku_ext = extensions(&c).into_iter().next().unwrap();
    assert_eq!(ku_ext.extn_id, rfc5280::ID_CE_KEY_USAGE);
    assert!(!ku_ext.critical);
    let ku: KeyUsage = ext_value(&extensions(&c), rfc5280::ID_CE_KEY_USAGE);
    assert!(ku.key_encipherment() && !ku.digital_signature());

    spec.key_usage = None;
    assert!(
        !extensions(&issue(&spec))
            .iter()
            .any(|e| e.extn_id == rfc5280::ID_CE_KEY_USAGE)
    );
}

#[test]
fn extra_extensions_ca_flag_and_unknown_critical() {
    let mut spec = CertSpec::auth(Generation::G3).unwrap();
    spec.extra_extensions
        .push(ext::ca_basic_constraints().unwrap());
    spec.extra_extensions
        .push(ext::unknown_extension(true).unwrap());
    let c = issue(&spec);
    let exts = extensions(&c);
    let bc: BasicConstraints = ext_value(&exts, rfc5280::ID_CE_BASIC_CONSTRAINTS);
    assert!(bc.ca);
    let last = exts.last().unwrap();
    assert_eq!((last.extn_id, last.critical), (UNKNOWN_EXTENSION, true));
    assert_eq!(exts.len(), 10);
}

#[test]
fn aki_knobs() {
    let mut spec = CertSpec::sign(Generation::G3).unwrap();
    spec.aki = Aki::Omitted;
    assert!(
        !extensions(&issue(&spec))
            .iter()
            .any(|e| e.extn_id == rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER)
    );

    spec.aki = Aki::WrongKeyId;
    let aki: AuthorityKeyIdentifier = ext_value(
        &extensions(&issue(&spec)),
        rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
    );
    assert_eq!(
        aki.key_identifier.unwrap().as_bytes(),
        pki().rogue_key().key_identifier().unwrap()
    );

    spec.aki = Aki::Generation(Generation::G2);
    let aki: AuthorityKeyIdentifier = ext_value(
        &extensions(&issue(&spec)),
        rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
    );
    let g2 = pki().root(Purpose::Sign, Generation::G2);
    assert_eq!(
        aki.key_identifier.unwrap().as_bytes(),
        g2.key_identifier().unwrap()
    );
    assert_eq!(
        aki.authority_cert_serial_number.unwrap().as_bytes(),
        g2.serial()
    );
}

#[test]
fn signer_knobs_break_the_signature() {
    for signer in [
        Signer::Rogue,
        Signer::Root(Purpose::Auth, Generation::G2),
        Signer::Key(Box::new(pki().spare_key().clone())),
    ] {
        let mut spec = CertSpec::auth(Generation::G3).unwrap();
        spec.signer = signer;
        let der = spec.issue(pki()).unwrap();
        assert!(!certificate_signature_valid(&der, root_of(&spec).certificate()).unwrap());
    }
}

#[test]
fn explicit_validity_serial_and_subject_key() {
    let mut spec = CertSpec::auth(Generation::G2).unwrap();
    spec.not_before = der::DateTime::new(2020, 1, 1, 0, 0, 0).unwrap();
    spec.not_after = der::DateTime::new(2051, 1, 1, 0, 0, 0).unwrap();
    spec.serial = 0xFFFF_FFFF;
    spec.subject_key = Some(pki().rogue_key().public_key_info().unwrap());
    let c = issue(&spec);
    let tbs = c.tbs_certificate();
    assert_eq!(tbs.validity().not_before.to_date_time().year(), 2020);
    // After 2049 RFC 5280 needs GeneralizedTime.
    assert!(matches!(
        tbs.validity().not_after,
        x509_cert::time::Time::GeneralTime(_)
    ));
    // A high bit gets a 0x00 sign byte: still a positive INTEGER.
    assert_eq!(
        tbs.serial_number().as_bytes(),
        [0x00, 0xFF, 0xFF, 0xFF, 0xFF]
    );
    assert_eq!(
        tbs.subject_public_key_info(),
        &pki().rogue_key().public_key_info().unwrap()
    );
}

#[test]
fn odd_holders_round_trip() {
    let long_address: String = "東京都千代田区見本町１－２－３"
        .chars()
        .chain(std::iter::repeat_n('９', 200))
        .take(200)
        .collect();
    let holder = Holder::new(
        "𠮷野　髙子",
        Date::new(2019, 5, 1).unwrap(),
        Sex::Unknown,
        &long_address,
    )
    .with_substituted_name_chars(&[0, 4])
    .with_substituted_address_chars(&[199]);
    let mut spec = CertSpec::sign(Generation::G3).unwrap();
    spec.holder = holder;
    let san: SubjectAltName =
        ext_value(&extensions(&issue(&spec)), rfc5280::ID_CE_SUBJECT_ALT_NAME);
    let values: Vec<String> = san
        .0
        .iter()
        .map(|gn| match gn {
            GeneralName::OtherName(o) => der::asn1::Utf8StringRef::try_from(&o.value)
                .unwrap()
                .as_str()
                .to_owned(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(values[0], "𠮷野　髙子");
    assert_eq!(values[1], "520190501"); // 令和
    assert_eq!(values[2], "3");
    assert_eq!(values[3].chars().count(), 200);
    assert_eq!(values[4], "10001");
    assert!(values[5].ends_with('1') && values[5].chars().count() == 200);
}
