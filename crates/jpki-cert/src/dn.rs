//! Distinguished names as RFC 4514 strings, exactly as `x509-cert`'s `Display` writes
//! them, but without its attribute-name lookup.
//!
//! `x509-cert` finds the short name of each attribute type by scanning all of
//! `const-oid`'s database (thousands of names) for every attribute; for a JPKI subject and
//! issuer that was about 15 % of a whole identification, chain and two RSA operations
//! included. The attribute types of JPKI names (docs/domain/jpki.md §2.2: C, O, OU, L, CN, and ST in
//! some issuer names) are looked up in a six-entry table instead; any other type, and any
//! value that is not one of the four string types `x509-cert` prints as text, is written
//! by `x509-cert` itself, so the result is the same string either way (checked in the
//! tests against `Display`, including random names).

use core::fmt::Write;

use der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RelativeDistinguishedName};

/// Short names (RFC 4514 §3) of the attribute types of JPKI names, upper-cased as
/// `x509-cert` writes them; each equals `const-oid`'s shortest name for the OID (tested).
const SHORT_NAMES: [(const_oid::ObjectIdentifier, &str); 6] = [
    (const_oid::db::rfc4519::CN, "CN"),
    (const_oid::db::rfc4519::C, "C"),
    (const_oid::db::rfc4519::L, "L"),
    (const_oid::db::rfc4519::ST, "ST"),
    (const_oid::db::rfc4519::O, "O"),
    (const_oid::db::rfc4519::OU, "OU"),
];

/// `name` as an RFC 4514 string: the same text as `name.to_string()`.
pub fn rfc4514(name: &Name) -> String {
    let mut out = String::with_capacity(128);
    // RFC 4514 §2.1: the last RDN of the sequence comes first.
    let rdns: &Vec<RelativeDistinguishedName> = name.as_ref().as_ref();
    for (i, rdn) in rdns.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            write_atv(&mut out, atv);
        }
    }
    out
}

fn write_atv(out: &mut String, atv: &AttributeTypeAndValue) {
    let key = SHORT_NAMES.iter().find(|(oid, _)| *oid == atv.oid);
    match (key, text_value(atv)) {
        (Some((_, key)), Some(value)) => {
            out.push_str(key);
            out.push('=');
            escape_into(out, value);
        }
        // Writing to a String cannot fail.
        _ => {
            let _ = write!(out, "{atv}");
        }
    }
}

/// The value as text when it is one of the string types `x509-cert` prints as text.
fn text_value(atv: &AttributeTypeAndValue) -> Option<&str> {
    let v = &atv.value;
    match v.tag() {
        Tag::PrintableString => PrintableStringRef::try_from(v).ok().map(|s| s.as_str()),
        Tag::Utf8String => Utf8StringRef::try_from(v).ok().map(|s| s.as_str()),
        Tag::Ia5String => Ia5StringRef::try_from(v).ok().map(|s| s.as_str()),
        Tag::TeletexString => TeletexStringRef::try_from(v).ok().map(|s| s.as_str()),
        _ => None,
    }
}

/// RFC 4514 §2.4 escaping as `x509-cert` applies it: `#` first and a space first or last
/// get a backslash, so do `"+,;<>\`; control characters become `\` and two hex digits.
fn escape_into(out: &mut String, value: &str) {
    let last = value.char_indices().last().map(|(i, _)| i);
    for (i, c) in value.char_indices() {
        match c {
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || Some(i) == last => out.push_str("\\ "),
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\x00'..='\x1f' | '\x7f' => {
                let _ = write!(out, "\\{:02x}", c as u8);
            }
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::str::FromStr;

    use der::asn1::{Any, SetOfVec};
    use der::{Decode, Encode};
    use proptest::prelude::*;
    use x509_cert::name::RdnSequence;

    use super::*;

    #[test]
    fn short_names_are_const_oids_shortest_names() {
        for (oid, key) in SHORT_NAMES {
            let shortest = const_oid::db::DB
                .find_names_for_oid(oid)
                .min_by_key(|n| n.len())
                .unwrap();
            assert_eq!(shortest.to_ascii_uppercase(), key, "{oid}");
        }
    }

    #[test]
    fn jpki_like_names_are_written_as_display_writes_them() {
        for s in [
            "CN=Japan Agency for Local Authority Information Systems,OU=JPKI for user authentication,O=JPKI,C=JP",
            "CN=12345678901234567890ABCDEFGHIJ,L=Chiyoda-ku,ST=Tokyo,O=JPKI-TEST,C=JP",
            "CN=\\#hash \\+plus\\, comma\\ ,O=a+OU=b,C=JP",
            "SERIALNUMBER=1234,CN=x",
        ] {
            let name = Name::from_str(s).unwrap();
            assert_eq!(rfc4514(&name), name.to_string(), "{s}");
        }
        assert_eq!(rfc4514(&Name::default()), "");
    }

    fn atv(oid: const_oid::ObjectIdentifier, tag: u8, value: &str) -> AttributeTypeAndValue {
        let tag = match tag % 5 {
            0 => Tag::PrintableString,
            1 => Tag::Utf8String,
            2 => Tag::Ia5String,
            3 => Tag::TeletexString,
            _ => Tag::OctetString,
        };
        AttributeTypeAndValue {
            oid,
            value: Any::new(tag, value.as_bytes()).unwrap(),
        }
    }

    proptest! {
        #[test]
        fn random_names_are_written_as_display_writes_them(
            rdns in prop::collection::vec(
                prop::collection::vec((0usize..8, any::<u8>(), ".{0,12}"), 1..3), 0..5),
        ) {
            let oids = [
                SHORT_NAMES[0].0, SHORT_NAMES[1].0, SHORT_NAMES[2].0, SHORT_NAMES[3].0,
                SHORT_NAMES[4].0, SHORT_NAMES[5].0,
                const_oid::db::rfc4519::SERIAL_NUMBER,
                const_oid::ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.1"),
            ];
            let mut seq = Vec::new();
            for rdn in rdns {
                let mut set = SetOfVec::new();
                for (o, tag, v) in rdn {
                    // Duplicates in a SET OF are refused; skip them.
                    let _ = set.insert(atv(oids[o], tag, &v));
                }
                seq.push(RelativeDistinguishedName::from(set));
            }
            // Only names that encode and decode are names a certificate can hold.
            let der = RdnSequence::from(seq).to_der();
            prop_assume!(der.is_ok());
            let name = Name::from_der(&der.unwrap());
            prop_assume!(name.is_ok());
            let name = name.unwrap();
            prop_assert_eq!(rfc4514(&name), name.to_string());
        }
    }
}
