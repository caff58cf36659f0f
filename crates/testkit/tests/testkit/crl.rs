//! The committed CRLs and the CRL builder (RFC 5280 §5, docs/domain/jpki.md §2.5).

use const_oid::db::rfc5280;
use der::{Decode, Encode};
use testkit::{
    CrlEntry, CrlSpec, Generation, Purpose, Signer, crl::crl_signature_valid,
    fixtures::committed_crl_municipality,
};
use x509_cert::{
    crl::CertificateList,
    ext::pkix::{
        AuthorityKeyIdentifier, CrlDistributionPoints, CrlNumber, CrlReason,
        IssuingDistributionPoint,
    },
};

use crate::{cert, der_of, ext_value, extensions, name_der, persona, pki};

fn reason_of(entry: &x509_cert::crl::RevokedCert) -> CrlReason {
    let exts = entry.crl_entry_extensions.as_ref().unwrap();
    ext_value(exts, rfc5280::ID_CE_CRL_REASONS)
}

#[test]
fn committed_crls_revoke_yamamoto_and_verify_with_the_root_only() {
    let shota = persona("yamamoto-shota");
    for (purpose, pem, reason) in [
        (
            Purpose::Auth,
            &shota.pem.auth_certificate,
            CrlReason::KeyCompromise,
        ),
        (
            Purpose::Sign,
            shota.pem.sign_certificate.as_ref().unwrap(),
            CrlReason::AffiliationChanged,
        ),
    ] {
        let der = testkit::committed_crl(purpose).unwrap();
        let root = pki().root(purpose, Generation::G3);
        assert!(crl_signature_valid(&der, root.certificate()).unwrap());
        // Same issuer DN, other generation's key: must fail.
        let g2 = pki().root(purpose, Generation::G2);
        assert!(!crl_signature_valid(&der, g2.certificate()).unwrap());

        let crl = <CertificateList>::from_der(&der).unwrap();
        let tbs = &crl.tbs_cert_list;
        assert_eq!(tbs.version, x509_cert::certificate::Version::V2);
        assert_eq!(name_der(&tbs.issuer), name_der(root.name()));
        assert_eq!(
            tbs.this_update.to_date_time().to_string(),
            "2026-11-20T15:00:00Z"
        );
        assert!(tbs.next_update.is_some());

        let revoked = tbs.revoked_certificates.as_ref().unwrap();
        let shota_cert = cert(&der_of(pem));
        let serial = shota_cert.tbs_certificate().serial_number();
        let entry = revoked.iter().find(|r| &r.serial_number == serial).unwrap();
        assert_eq!(reason_of(entry), reason);

        let exts = tbs.crl_extensions.as_ref().unwrap();
        let aki: AuthorityKeyIdentifier = ext_value(exts, rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER);
        assert_eq!(
            aki.key_identifier.unwrap().as_bytes(),
            root.key_identifier().unwrap()
        );
        let number: CrlNumber = ext_value(exts, rfc5280::ID_CE_CRL_NUMBER);
        assert_eq!(
            number.0.as_bytes(),
            20_261_121u32.to_be_bytes().trim_ascii_start()
        );
        let idp_ext = exts
            .iter()
            .find(|e| e.extn_id == rfc5280::ID_CE_ISSUING_DISTRIBUTION_POINT)
            .unwrap();
        assert!(idp_ext.critical);
        // The IDP names exactly the CRLDP of the revoked certificate.
        let idp: IssuingDistributionPoint =
            ext_value(exts, rfc5280::ID_CE_ISSUING_DISTRIBUTION_POINT);
        let dp: CrlDistributionPoints = ext_value(
            &extensions(&shota_cert),
            rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS,
        );
        assert_eq!(idp.distribution_point, dp.0[0].distribution_point);
    }
}

#[test]
fn other_personas_are_not_on_the_committed_crls() {
    for purpose in Purpose::ALL {
        let crl = <CertificateList>::from_der(&testkit::committed_crl(purpose).unwrap()).unwrap();
        let revoked = crl.tbs_cert_list.revoked_certificates.unwrap();
        for id in ["sato-hanako", "kobayashi-mei"] {
            let serial = cert(&der_of(&persona(id).pem.auth_certificate))
                .tbs_certificate()
                .serial_number()
                .clone();
            assert!(!revoked.iter().any(|r| r.serial_number == serial), "{id}");
        }
    }
}

#[test]
fn crl_builder_signs_with_the_root_or_with_a_wrong_key() {
    let this_update = der::DateTime::new(2026, 11, 24, 0, 0, 0).unwrap();
    let mut spec = CrlSpec::new(
        Purpose::Auth,
        Generation::G3,
        committed_crl_municipality(),
        this_update,
    )
    .unwrap();
    spec.crl_number = 7;
    spec.entries.push(CrlEntry {
        serial: 0x0123_4567,
        revocation_date: this_update,
        reason: Some(CrlReason::CertificateHold),
    });
    let root = pki().root(Purpose::Auth, Generation::G3);
    let good = spec.build(pki()).unwrap();
    assert!(crl_signature_valid(&good, root.certificate()).unwrap());
    let parsed = <CertificateList>::from_der(&good).unwrap();
    assert_eq!(
        parsed
            .tbs_cert_list
            .next_update
            .unwrap()
            .to_date_time()
            .to_string(),
        "2026-11-25T00:00:00Z"
    );
    assert_eq!(parsed.to_der().unwrap(), good);

    for signer in [Signer::Rogue, Signer::Root(Purpose::Auth, Generation::G2)] {
        spec.signer = signer;
        let bad = spec.build(pki()).unwrap();
        assert!(!crl_signature_valid(&bad, root.certificate()).unwrap());
    }

    // No entries: revokedCertificates absent (RFC 5280 §5.1.2.6); no IDP.
    spec.signer = Signer::Issuer;
    spec.entries.clear();
    spec.distribution_point = None;
    let empty = <CertificateList>::from_der(&spec.build(pki()).unwrap()).unwrap();
    assert!(empty.tbs_cert_list.revoked_certificates.is_none());
    assert_eq!(empty.tbs_cert_list.crl_extensions.unwrap().len(), 2);
}
