//! The added root (`AddedRoot`): a self-signed CA under J-LIS's production DN, with its own
//! key, and the certificates `CertSpec::issue_under` issues below it.

use const_oid::db::rfc5280;
use testkit::{AddedRoot, Aki, CertSpec, Generation, Purpose, crl::certificate_signature_valid};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, SubjectKeyIdentifier,
};

use crate::{cert, ext_value, extensions, pki};

#[test]
fn the_added_root_is_a_production_named_ca_of_its_own_key() {
    let root = AddedRoot::load().unwrap();
    let tbs = root.certificate().tbs_certificate();
    assert_eq!(tbs.subject(), tbs.issuer());
    assert_eq!(
        tbs.subject().to_string(),
        "OU=Japan Agency for Local Authority Information Systems,OU=JPKI for user authentication,O=JPKI,C=JP"
    );
    assert!(certificate_signature_valid(root.der(), root.certificate()).unwrap());
    let exts = extensions(root.certificate());
    let bc: BasicConstraints = ext_value(&exts, rfc5280::ID_CE_BASIC_CONSTRAINTS);
    assert!(bc.ca);
    let ski: SubjectKeyIdentifier = ext_value(&exts, rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER);
    assert_eq!(ski.0.as_bytes(), root.key_identifier().unwrap());
    // A key of its own: none of the test roots'.
    for test_root in pki().roots() {
        assert_ne!(
            test_root.key_identifier().unwrap(),
            root.key_identifier().unwrap()
        );
    }
    // The committed files are what the generator makes.
    assert_eq!(AddedRoot::generate().unwrap().der(), root.der());
    assert_eq!(root.purpose(), Purpose::Auth);
    assert!(AddedRoot::path().is_file());
}

#[test]
fn issue_under_names_and_is_signed_by_the_added_root() {
    let root = AddedRoot::load().unwrap();
    let spec = CertSpec::under_added_root().unwrap();
    let der = spec.issue_under(pki(), &root).unwrap();
    let leaf = cert(&der);
    assert_eq!(leaf.tbs_certificate().issuer(), root.name());
    assert!(certificate_signature_valid(&der, root.certificate()).unwrap());
    let test_root = pki().root(Purpose::Auth, Generation::G3);
    assert!(!certificate_signature_valid(&der, test_root.certificate()).unwrap());
    let exts = extensions(&leaf);
    let aki: AuthorityKeyIdentifier = ext_value(&exts, rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER);
    assert_eq!(
        aki.key_identifier.unwrap().as_bytes(),
        root.key_identifier().unwrap()
    );
    let cp: CertificatePolicies = ext_value(&exts, rfc5280::ID_CE_CERTIFICATE_POLICIES);
    assert_eq!(cp.0[0].policy_identifier, Purpose::Auth.production_policy());
    // The knobs still apply: another generation's AKI points at a test root.
    let mut spec = spec;
    spec.aki = Aki::Generation(Generation::G3);
    let leaf = cert(&spec.issue_under(pki(), &root).unwrap());
    let aki: AuthorityKeyIdentifier =
        ext_value(&extensions(&leaf), rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER);
    assert_eq!(
        aki.key_identifier.unwrap().as_bytes(),
        test_root.key_identifier().unwrap()
    );
}
