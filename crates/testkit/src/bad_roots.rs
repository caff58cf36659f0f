//! Roots named like the real J-LIS roots (`O=JPKI`, not `O=JPKI-TEST`) that each break
//! the J-LIS root profile in one way, for the tests of adding a root
//! (`jpki_cert::jlis_profile`): a wrong subject, a 1024-bit key, an expired root, a
//! certificate that is not a CA's, a validity far from ten years. Each is otherwise in
//! the real roots' profile (docs/domain/jpki.md §2.1), self-signed by its own test key,
//! so that the one flaw is what a check must find. None is trusted anywhere: the
//! production stores pin the real roots' fingerprints, and these are refused when added.

use der::DateTime;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::name::Name;

use crate::assemble::{self, CertificateParts};
use crate::date::Date;
use crate::dn::{Purpose, Value, name};
use crate::error::Result;
use crate::ext;
use crate::key::TestKey;
use crate::profile::AGENCY_OU;

/// One refused root: its file name (under `fixtures/bad-roots/`), what is wrong, and the
/// certificate (DER).
#[derive(Debug, Clone)]
pub struct BadRoot {
    /// File name, e.g. `authca-1024-bit.pem`.
    pub file: &'static str,
    /// What does not fit the profile.
    pub flaw: &'static str,
    /// The certificate, DER.
    pub der: Vec<u8>,
}

/// The production root DN of `purpose` with `organization` in `O`.
fn production_name(purpose: Purpose, organization: &str) -> Result<Name> {
    use const_oid::db::rfc4519;
    name(&[
        (rfc4519::C, Value::Printable("JP")),
        (rfc4519::O, Value::Utf8(organization)),
        (rfc4519::OU, Value::Utf8(purpose.service_ou())),
        (rfc4519::OU, Value::Utf8(AGENCY_OU)),
    ])
}

/// How a bad root differs from a good one.
pub(crate) struct Flaws {
    organization: &'static str,
    from: (u16, u8, u8),
    until: (u16, u8, u8),
    ca: bool,
}

/// No flaw: the J-LIS root profile (`O=JPKI`, the gen-3 roots' ten years, CA).
pub(crate) const GOOD: Flaws = Flaws {
    organization: "JPKI",
    from: (2023, 7, 16),
    until: (2033, 7, 15),
    ca: true,
};

/// A self-signed root of `purpose` under the production DN, signed by `key`, with serial
/// `7E BA D0 <serial>` and the flaws `f` (none with [`GOOD`]).
pub(crate) fn root(purpose: Purpose, key: &TestKey, serial: u8, f: &Flaws) -> Result<Vec<u8>> {
    let subject = production_name(purpose, f.organization)?;
    let day = |(y, m, d): (u16, u8, u8)| Date::new(y, m, d);
    let not_before: DateTime = day(f.from)?.at_utc(1, 0, 0)?;
    let not_after: DateTime = day(f.until)?.end_of_day_jst()?;
    let basic = if f.ca {
        ext::ca_basic_constraints()?
    } else {
        ext::extension(
            const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
        )?
    };
    let parts = CertificateParts {
        issuer: subject.clone(),
        subject,
        serial: vec![0x7E, 0xBA, 0xD0, serial],
        not_before,
        not_after,
        public_key: key.public_key_info()?,
        extensions: vec![
            ext::key_usage(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign), true)?,
            basic,
            ext::subject_key_identifier(&key.key_identifier()?)?,
        ],
    };
    assemble::certificate(parts, key)
}

/// The refused roots, each from the authentication purpose's DN (the signature one for
/// the not-a-CA root, so both OUs are covered).
pub fn bad_roots() -> Result<Vec<BadRoot>> {
    let key = TestKey::derive("bad-root")?;
    let small = TestKey::derive_bits("bad-root-1024", 1024)?;
    Ok(vec![
        BadRoot {
            file: "authca-wrong-subject.pem",
            flaw: "O=JPKI-ROGUE instead of O=JPKI",
            der: root(
                Purpose::Auth,
                &key,
                1,
                &Flaws {
                    organization: "JPKI-ROGUE",
                    ..GOOD
                },
            )?,
        },
        BadRoot {
            file: "authca-1024-bit.pem",
            flaw: "an RSA-1024 key",
            der: root(Purpose::Auth, &small, 2, &GOOD)?,
        },
        BadRoot {
            file: "authca-expired.pem",
            flaw: "valid 2010-01-01 → 2019-12-31 (ten years, over)",
            der: root(
                Purpose::Auth,
                &key,
                3,
                &Flaws {
                    from: (2010, 1, 1),
                    until: (2019, 12, 31),
                    ..GOOD
                },
            )?,
        },
        BadRoot {
            file: "signca-not-a-ca.pem",
            flaw: "basicConstraints CA:FALSE",
            der: root(Purpose::Sign, &key, 4, &Flaws { ca: false, ..GOOD })?,
        },
        BadRoot {
            file: "authca-two-years.pem",
            flaw: "valid for two years, not about ten",
            der: root(
                Purpose::Auth,
                &key,
                5,
                &Flaws {
                    until: (2025, 7, 15),
                    ..GOOD
                },
            )?,
        },
    ])
}
