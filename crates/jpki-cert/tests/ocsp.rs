//! OCSP: request building and response verification against testkit roots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use der::asn1::{BitString, GeneralizedTime, Null, OctetString};
use der::{Decode, Encode};
use jpki_cert::ocsp::types::*;
use jpki_cert::ocsp::{
    CertIdHash, OcspOptions, OcspResponseCheck, build_request, cert_id, check_response,
};
use jpki_cert::{
    CrlReason, JpkiCertificate, Purpose, Refusal, RevocationStatus, UnixTime, Verifier,
};
use sha2::{Digest, Sha256};
use testkit::{CertSpec, Generation};

fn gt(s: &str) -> GeneralizedTime {
    let t: UnixTime = s.parse().unwrap();
    GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(t.as_secs() as u64)).unwrap()
}

fn response(
    status: CertStatus,
    key: &rsa::PrivateKey,
    nonce: Option<&[u8]>,
    next: Option<&str>,
) -> Vec<u8> {
    let store = store(Purpose::Auth);
    let cert = JpkiCertificate::from_der(
        &CertSpec::auth(Generation::G3)
            .unwrap()
            .issue(pki())
            .unwrap(),
    )
    .unwrap();
    let id = cert_id(&cert, &store.anchors()[2], CertIdHash::Sha1).unwrap();
    let data = ResponseData {
        version: None,
        responder_id: ResponderId::ByKey(OctetString::new([0u8; 20]).unwrap()),
        produced_at: gt("2026-11-23T12:00:00Z"),
        responses: vec![SingleResponse {
            cert_id: id,
            cert_status: status,
            this_update: gt("2026-11-23T12:00:00Z"),
            next_update: next.map(gt),
            single_extensions: None,
        }],
        response_extensions: nonce.map(|n| {
            vec![x509_cert::ext::Extension {
                extn_id: jpki_cert::oids::ext::OCSP_NONCE,
                critical: false,
                extn_value: OctetString::new(OctetString::new(n).unwrap().to_der().unwrap())
                    .unwrap(),
            }]
        }),
    };
    let tbs = data.to_der().unwrap();
    let sig = key
        .sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&tbs))
        .unwrap();
    let alg = spki::AlgorithmIdentifierOwned {
        oid: jpki_cert::oids::SHA256_WITH_RSA,
        parameters: Some(Null.into()),
    };
    let basic = BasicOcspResponse {
        tbs_response_data: data,
        signature_algorithm: alg,
        signature: BitString::from_bytes(&sig).unwrap(),
        certs: None,
    };
    OcspResponse {
        response_status: OcspResponseStatus::Successful,
        response_bytes: Some(ResponseBytes {
            response_type: jpki_cert::oids::ext::OCSP_BASIC,
            response: OctetString::new(basic.to_der().unwrap()).unwrap(),
        }),
    }
    .to_der()
    .unwrap()
}

fn root_key() -> &'static rsa::PrivateKey {
    pki()
        .root(testkit::Purpose::Auth, Generation::G3)
        .key()
        .private_key()
}

#[test]
fn request_carries_the_cert_id_and_nonce() {
    let store = store(Purpose::Auth);
    let cert = JpkiCertificate::from_der(
        &CertSpec::auth(Generation::G3)
            .unwrap()
            .issue(pki())
            .unwrap(),
    )
    .unwrap();
    let der = build_request(
        &cert,
        &store.anchors()[2],
        CertIdHash::Sha256,
        Some(b"nonce-1"),
    )
    .unwrap();
    let req = OcspRequest::from_der(&der).unwrap();
    let id = &req.tbs_request.request_list[0].req_cert;
    assert_eq!(id.serial_number.as_bytes(), cert.serial());
    assert_eq!(id.issuer_name_hash.as_bytes().len(), 32);
    assert!(req.tbs_request.request_extensions.is_some());
}

#[test]
fn good_revoked_and_unknown_responses() {
    let v = Verifier::new(store(Purpose::Auth));
    let der = CertSpec::auth(Generation::G3)
        .unwrap()
        .issue(pki())
        .unwrap();
    let next = Some("2026-11-24T12:00:00Z");
    let good = OcspResponseCheck {
        response: response(CertStatus::Good(Null), root_key(), None, next),
        options: OcspOptions::default(),
    };
    let a = v.verify(&der, now(), &good);
    assert!(
        matches!(
            a.accepted().unwrap().revocation,
            RevocationStatus::Good { .. }
        ),
        "{a:?}"
    );

    let revoked = CertStatus::Revoked(RevokedInfo {
        revocation_time: gt("2026-11-01T00:00:00Z"),
        revocation_reason: Some(x509_cert::ext::pkix::CrlReason::AffiliationChanged),
    });
    let check = OcspResponseCheck {
        response: response(revoked, root_key(), None, next),
        options: OcspOptions::default(),
    };
    let r = refusal(v.verify(&der, now(), &check));
    assert!(
        matches!(
            r,
            Refusal::Revoked {
                reason: CrlReason::AffiliationChanged,
                ..
            }
        ),
        "{r:?}"
    );

    // Rogue signer, stale, no nextUpdate, nonce mismatch, "unknown": all revocation_unknown.
    let rogue = pki().rogue_key().private_key();
    let cases = [
        (
            response(CertStatus::Good(Null), rogue, None, next),
            OcspOptions::default(),
            now(),
        ),
        (
            response(CertStatus::Good(Null), root_key(), None, next),
            OcspOptions::default(),
            "2026-11-25T00:00:00Z".parse().unwrap(),
        ),
        (
            response(CertStatus::Good(Null), root_key(), None, None),
            OcspOptions::default(),
            now(),
        ),
        (
            response(CertStatus::Good(Null), root_key(), Some(b"a"), next),
            OcspOptions {
                nonce: Some(b"b".to_vec()),
                max_age: None,
            },
            now(),
        ),
        (
            response(CertStatus::Unknown(Null), root_key(), None, next),
            OcspOptions::default(),
            now(),
        ),
        (b"garbage".to_vec(), OcspOptions::default(), now()),
    ];
    for (i, (resp, options, at)) in cases.into_iter().enumerate() {
        let check = OcspResponseCheck {
            response: resp,
            options,
        };
        let r = refusal(v.verify(&der, at, &check));
        assert_eq!(r.code(), "revocation_unknown", "case {i}: {r:?}");
    }
    // Nonce echoed; no nextUpdate but within max_age.
    let ok = OcspResponseCheck {
        response: response(CertStatus::Good(Null), root_key(), Some(b"n"), None),
        options: OcspOptions {
            nonce: Some(b"n".to_vec()),
            max_age: Some(86_400),
        },
    };
    assert!(v.verify(&der, now(), &ok).accepted().is_some());
    let _ = check_response;
}
