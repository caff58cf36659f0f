//! Distinguished names of the test PKI, in the real string types:
//! `C` is a PrintableString, every other attribute a UTF8String (docs/domain/jpki.md §2.1).

use const_oid::{ObjectIdentifier, db::rfc4519};
use der::{
    Any, Decode, Encode,
    asn1::{PrintableStringRef, Utf8StringRef},
};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::error::{Result, der_err};
use crate::profile::{AGENCY_OU, JA_AGENCY_OU, JA_ORGANIZATION, ORGANIZATION};

/// Which of the two JPKI services a root, certificate or CRL belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    /// 利用者証明用: the auth certificate, 4-digit PIN (docs/domain/jpki.md §2.2).
    Auth,
    /// 署名用: the signature certificate, 6–16 character password
    /// (docs/domain/jpki.md §2.3).
    Sign,
}

impl Purpose {
    /// Both purposes, auth first.
    pub const ALL: [Purpose; 2] = [Purpose::Auth, Purpose::Sign];

    /// The English service `OU` of the DNs (docs/domain/jpki.md §2.1).
    pub fn service_ou(self) -> &'static str {
        match self {
            Purpose::Auth => "JPKI for user authentication",
            Purpose::Sign => "JPKI for digital signature",
        }
    }

    /// The Japanese service `OU` of the alt-name DirNames (docs/domain/jpki.md §2.1).
    pub fn ja_service_ou(self) -> &'static str {
        match self {
            Purpose::Auth => "公的個人認証サービス利用者証明用",
            Purpose::Sign => "公的個人認証サービス署名用",
        }
    }

    /// Lower-case short name used in file names: `auth` or `sign`.
    pub fn short(self) -> &'static str {
        match self {
            Purpose::Auth => "auth",
            Purpose::Sign => "sign",
        }
    }
}

/// The municipality (市区町村) that issued a card, romanised as in real DNs:
/// it names the CRL partition (docs/domain/jpki.md §2.2, `OU=Kanagawa-ken,
/// CN=Yokohama-shi-Naka-ku CRLDP`) and the `L` attributes of the signature
/// certificate's subject (docs/domain/jpki.md §2.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Municipality {
    /// 都道府県, e.g. `Tokyo-to`, `Kanagawa-ken`.
    pub prefecture: String,
    /// 市区町村, e.g. `Chiyoda-ku`, `Yokohama-shi-Naka-ku`.
    pub city: String,
}

impl Municipality {
    /// A municipality from its romanised prefecture and city.
    pub fn new(prefecture: &str, city: &str) -> Municipality {
        Municipality {
            prefecture: prefecture.to_owned(),
            city: city.to_owned(),
        }
    }

    /// The CRL distribution point's DirName for this municipality:
    /// `C=JP, O=JPKI-TEST, OU=<service>, OU=CRL Distribution Points,
    /// OU=<prefecture>, CN=<city> CRLDP` (docs/domain/jpki.md §2.2). The same name is the
    /// issuingDistributionPoint of the municipality's CRL.
    pub fn crl_dp_name(&self, purpose: Purpose) -> Result<Name> {
        let cn = format!("{} CRLDP", self.city);
        name(&[
            (rfc4519::C, Value::Printable("JP")),
            (rfc4519::O, Value::Utf8(ORGANIZATION)),
            (rfc4519::OU, Value::Utf8(purpose.service_ou())),
            (rfc4519::OU, Value::Utf8("CRL Distribution Points")),
            (rfc4519::OU, Value::Utf8(&self.prefecture)),
            (rfc4519::CN, Value::Utf8(&cn)),
        ])
    }

    /// A file-name-safe lower-case slug, e.g. `kanagawa-ken-yokohama-shi-naka-ku`.
    pub fn slug(&self) -> String {
        format!("{}-{}", self.prefecture, self.city).to_ascii_lowercase()
    }
}

/// One attribute value with its ASN.1 string type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    /// PrintableString (only `C` uses it).
    Printable(&'a str),
    /// UTF8String.
    Utf8(&'a str),
}

/// Builds a name with one attribute per RDN, in the given order.
pub(crate) fn name(attributes: &[(ObjectIdentifier, Value<'_>)]) -> Result<Name> {
    let mut rdns = RdnSequence::default();
    for (oid, value) in attributes {
        let value = match value {
            Value::Printable(s) => {
                Any::encode_from(&PrintableStringRef::new(s).map_err(der_err("a PrintableString"))?)
            }
            Value::Utf8(s) => {
                Any::encode_from(&Utf8StringRef::new(s).map_err(der_err("a UTF8String"))?)
            }
        }
        .map_err(der_err("an attribute value"))?;
        let atv = AttributeTypeAndValue { oid: *oid, value };
        let rdn = RelativeDistinguishedName::try_from(vec![atv]).map_err(der_err("an RDN"))?;
        rdns.push(rdn);
    }
    // Name has no public constructor without the `hazmat` feature; its
    // encoding is the RDNSequence's, so a DER round trip converts.
    let der = rdns.to_der().map_err(der_err("a name"))?;
    Name::from_der(&der).map_err(der_err("a name"))
}

/// The root (and issuer) DN: `C=JP, O=JPKI-TEST, OU=<service>, OU=Japan
/// Agency for Local Authority Information Systems` (docs/domain/jpki.md §2.1). The same
/// for every generation of a purpose.
pub fn root_name(purpose: Purpose) -> Result<Name> {
    name(&[
        (rfc4519::C, Value::Printable("JP")),
        (rfc4519::O, Value::Utf8(ORGANIZATION)),
        (rfc4519::OU, Value::Utf8(purpose.service_ou())),
        (rfc4519::OU, Value::Utf8(AGENCY_OU)),
    ])
}

/// The Japanese DirName of the roots' subjectAltName and the end-entity
/// certificates' issuerAltName: `C=JP, O=公的個人認証サービス-TEST,
/// OU=公的個人認証サービス利用者証明用|署名用, OU=地方公共団体情報システム機構`
/// (docs/domain/jpki.md §2.1, with a test marker in `O`).
pub fn japanese_name(purpose: Purpose) -> Result<Name> {
    name(&[
        (rfc4519::C, Value::Printable("JP")),
        (rfc4519::O, Value::Utf8(JA_ORGANIZATION)),
        (rfc4519::OU, Value::Utf8(purpose.ja_service_ou())),
        (rfc4519::OU, Value::Utf8(JA_AGENCY_OU)),
    ])
}

/// Subject of an auth certificate: `C=JP, CN=<opaque ID>` with no personal
/// attributes (docs/domain/jpki.md §2.2).
pub fn auth_subject(card_id: &str) -> Result<Name> {
    name(&[
        (rfc4519::C, Value::Printable("JP")),
        (rfc4519::CN, Value::Utf8(card_id)),
    ])
}

/// Subject of a signature certificate: `C=JP, L=<prefecture>, L=<city>,
/// CN=<opaque ID>` (docs/domain/jpki.md §2.3, \[B\]).
pub fn sign_subject(card_id: &str, municipality: &Municipality) -> Result<Name> {
    name(&[
        (rfc4519::C, Value::Printable("JP")),
        (rfc4519::L, Value::Utf8(&municipality.prefecture)),
        (rfc4519::L, Value::Utf8(&municipality.city)),
        (rfc4519::CN, Value::Utf8(card_id)),
    ])
}
