#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;
use crate::folders::name::classify;

const CLINIC: &str = "1312345678";

fn single_xml(decl: &str, code: Option<&str>, search: &str) -> String {
    let code = code
        .map(|c| format!("<CharacterCodeIdentifier>{c}</CharacterCodeIdentifier>"))
        .unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"{decl}\"?>\n<XmlMsg><MessageHeader>\
         <MedicalInstitutionCode>{CLINIC}</MedicalInstitutionCode>\
         <ArbitraryFileIdentifier>req-1</ArbitraryFileIdentifier>\
         <QualificationConfirmationDate>20261125</QualificationConfirmationDate>\
         <ReferenceClassification>2</ReferenceClassification>{code}\
         </MessageHeader><MessageBody><QualificationConfirmSearchInfo>{search}\
         </QualificationConfirmSearchInfo></MessageBody></XmlMsg>\n"
    )
}

const SATO: &str = "<InsurerNumber>06139999</InsurerNumber>\
    <InsuredCardSymbol>千代</InsuredCardSymbol>\
    <InsuredIdentificationNumber>10001</InsuredIdentificationNumber>\
    <InsuredBranchNumber>01</InsuredBranchNumber><Birthdate>19850412</Birthdate>\
    <LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg>\
    <ArbitraryIdentifier>P-0042</ArbitraryIdentifier>";

fn single() -> FileKind {
    classify("OQSsiquc01req_1.xml")
}

fn refused(kind: &FileKind, bytes: &[u8]) -> Rejection {
    match read(kind, bytes, CLINIC) {
        Err(r) => r,
        Ok(r) => panic!("read: {r:?}"),
    }
}

#[test]
fn a_single_check_in_utf8_and_in_shift_jis() {
    let utf8 = single_xml("UTF-8", Some("0"), SATO);
    let sjis = CharacterCode::ShiftJis.encode(&single_xml("Shift_JIS", Some("1"), SATO));
    for (bytes, code) in [
        (utf8.into_bytes(), CharacterCode::Utf8),
        (sjis, CharacterCode::ShiftJis),
    ] {
        let Request::Single { header, search } = read(&single(), &bytes, CLINIC).unwrap() else {
            panic!("not a single check");
        };
        assert_eq!(header.character_code, code);
        assert_eq!(header.arbitrary_file_identifier.as_deref(), Some("req-1"));
        assert_eq!(header.confirmation_date.as_deref(), Some("20261125"));
        assert_eq!(
            search,
            SearchInfo {
                insurer_number: "06139999".into(),
                symbol: Some("千代".into()),
                number: "10001".into(),
                branch: Some("01".into()),
                birth_date: "19850412".into(),
                limit_certificate_consent: true,
                arbitrary_identifier: Some("P-0042".into()),
            }
        );
    }
}

#[test]
fn optional_fields_and_padding() {
    let search = "<InsurerNumber>139999</InsurerNumber><InsuredCardSymbol></InsuredCardSymbol>\
                  <InsuredIdentificationNumber>10001</InsuredIdentificationNumber>\
                  <Birthdate>19850412</Birthdate>";
    let xml = single_xml("UTF-8", None, search).replace(
        "<QualificationConfirmationDate>20261125</QualificationConfirmationDate>",
        "",
    );
    let Request::Single { header, search } = read(&single(), xml.as_bytes(), CLINIC).unwrap()
    else {
        panic!("not a single check");
    };
    assert_eq!(header.confirmation_date, None);
    assert_eq!(search.insurer_number, "00139999");
    assert_eq!((search.symbol, search.branch), (None, None));
    assert!(!search.limit_certificate_consent);
}

#[test]
fn every_field_rule_names_its_field() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "<InsurerNumber>06139999</InsurerNumber>",
            "",
            "InsurerNumber",
        ),
        (
            "<InsurerNumber>06139999</InsurerNumber>",
            "<InsurerNumber>0613999X</InsurerNumber>",
            "InsurerNumber",
        ),
        (
            "<Birthdate>19850412</Birthdate>",
            "<Birthdate>19850230</Birthdate>",
            "Birthdate",
        ),
        ("<Birthdate>19850412</Birthdate>", "", "Birthdate"),
        (
            "<InsuredBranchNumber>01</InsuredBranchNumber>",
            "<InsuredBranchNumber>1</InsuredBranchNumber>",
            "InsuredBranchNumber",
        ),
        (
            "<InsuredIdentificationNumber>10001</InsuredIdentificationNumber>",
            "",
            "InsuredIdentificationNumber",
        ),
        (
            "<InsuredCardSymbol>千代</InsuredCardSymbol>",
            "<InsuredCardSymbol>123456789012345678901</InsuredCardSymbol>",
            "InsuredCardSymbol",
        ),
        (
            "<LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg>",
            "<LimitApplicationCertificateRelatedConsFlg>yes</LimitApplicationCertificateRelatedConsFlg>",
            "LimitApplicationCertificateRelatedConsFlg",
        ),
    ];
    for (from, to, field) in cases {
        let xml = single_xml("UTF-8", None, &SATO.replace(from, to));
        let r = refused(&single(), xml.as_bytes());
        assert!(
            matches!(&r.error, FolderError::MissingField { field: f } | FolderError::BadField { field: f, .. } if f == field),
            "{field}: {:?}",
            r.error
        );
        assert!(r.error.message().contains(field), "{}", r.error.message());
        // What was valid of the header is kept for the error answer.
        assert_eq!(r.known.arbitrary_file_identifier.as_deref(), Some("req-1"));
        assert_eq!(r.known.medical_institution_code.as_deref(), Some(CLINIC));
    }
}

#[test]
fn header_rules() {
    let ok = single_xml("UTF-8", None, SATO);
    for (from, to, code) in [
        (
            "<MedicalInstitutionCode>1312345678</MedicalInstitutionCode>",
            "",
            "MDGF0006",
        ),
        (
            "<MedicalInstitutionCode>1312345678</MedicalInstitutionCode>",
            "<MedicalInstitutionCode>13123</MedicalInstitutionCode>",
            "MDGF0007",
        ),
        (
            "<MedicalInstitutionCode>1312345678</MedicalInstitutionCode>",
            "<MedicalInstitutionCode>9999999999</MedicalInstitutionCode>",
            "MDGF0008",
        ),
        (
            "<ReferenceClassification>2</ReferenceClassification>",
            "<ReferenceClassification>1</ReferenceClassification>",
            "MDGF0007",
        ),
        (
            "<QualificationConfirmationDate>20261125</QualificationConfirmationDate>",
            "<QualificationConfirmationDate>2026-11-25</QualificationConfirmationDate>",
            "MDGF0007",
        ),
        ("<XmlMsg>", "<Other>", "MDGF0007"),
        ("<MessageBody>", "<MessageBodyX>", "MDGF0006"),
    ] {
        let xml = ok.replace(from, to);
        let xml = if from == "<XmlMsg>" {
            xml.replace("</XmlMsg>", "</Other>")
        } else if from == "<MessageBody>" {
            xml.replace("</MessageBody>", "</MessageBodyX>")
        } else {
            xml
        };
        let r = refused(&single(), xml.as_bytes());
        assert_eq!(r.error.code(), code, "{from} -> {to}: {:?}", r.error);
    }
    let two = ok.replace(
        "</QualificationConfirmSearchInfo>",
        &format!("</QualificationConfirmSearchInfo><QualificationConfirmSearchInfo>{SATO}</QualificationConfirmSearchInfo>"),
    );
    assert_eq!(refused(&single(), two.as_bytes()).error.code(), "MDGF0007");
}

#[test]
fn the_character_code_must_agree_with_the_bytes() {
    // Header says Shift_JIS, the file is UTF-8 (declared so).
    let xml = single_xml("UTF-8", Some("1"), SATO);
    let r = refused(&single(), xml.as_bytes());
    assert_eq!(
        r.error,
        FolderError::CharacterCodeMismatch {
            header: CharacterCode::ShiftJis,
            file: CharacterCode::Utf8
        }
    );
    assert_eq!(r.known.character_code, Some(CharacterCode::Utf8));
    // Header says UTF-8, the bytes are Shift_JIS.
    let sjis = CharacterCode::ShiftJis.encode(&single_xml("Shift_JIS", Some("0"), SATO));
    assert_eq!(refused(&single(), &sjis).error.code(), "MDGF0004");
    // Declared UTF-8, written in Shift_JIS: an encoding error.
    let lying = CharacterCode::ShiftJis.encode(&single_xml("UTF-8", Some("0"), SATO));
    let r = refused(&single(), &lying);
    assert_eq!(r.error.code(), "MDGF0003");
    assert_eq!(r.known.character_code, None);
    // An unknown code.
    let xml = single_xml("UTF-8", Some("2"), SATO);
    assert_eq!(refused(&single(), xml.as_bytes()).error.code(), "MDGF0007");
    // ASCII only, no declaration: either header value is fine.
    let ascii = single_xml("UTF-8", Some("1"), &SATO.replace("千代", "A"))
        .replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "");
    let req = read(&single(), ascii.as_bytes(), CLINIC).unwrap();
    assert_eq!(req.header().character_code, CharacterCode::ShiftJis);
}

#[test]
fn malformed_unknown_and_oversized_files() {
    let r = refused(&single(), b"<XmlMsg><MessageHeader>");
    assert_eq!(r.error.code(), "MDGF0005");
    assert_eq!(r.known.character_code, Some(CharacterCode::Utf8));
    let xml = single_xml("UTF-8", None, SATO);
    let r = refused(&FileKind::Unknown, xml.as_bytes());
    assert_eq!(r.error, FolderError::UnknownKind);
    let big = vec![b' '; MAX_REQUEST_BYTES + 1];
    assert_eq!(refused(&single(), &big).error.code(), "MDGF0002");
}

#[test]
fn bulk_submissions_and_fetches() {
    let infos = format!(
        "<QualificationConfirmSearchInfo>{SATO}</QualificationConfirmSearchInfo>\
         <QualificationConfirmSearchInfo>{}</QualificationConfirmSearchInfo>",
        SATO.replace("P-0042", "P-0043")
    );
    let xml = format!(
        "<XmlMsg><MessageHeader><MedicalInstitutionCode>{CLINIC}</MedicalInstitutionCode>\
         </MessageHeader><MessageBody>{infos}</MessageBody></XmlMsg>"
    );
    let kind = classify("OQSmuquc01req_1.xml");
    let Request::BulkSubmit { entries, .. } = read(&kind, xml.as_bytes(), CLINIC).unwrap() else {
        panic!("not a bulk submission");
    };
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].arbitrary_identifier.as_deref(), Some("P-0043"));
    let empty = format!(
        "<XmlMsg><MessageHeader><MedicalInstitutionCode>{CLINIC}</MedicalInstitutionCode>\
         </MessageHeader><MessageBody></MessageBody></XmlMsg>"
    );
    assert_eq!(refused(&kind, empty.as_bytes()).error.code(), "MDGF0006");
    let many = format!(
        "<XmlMsg><MessageHeader><MedicalInstitutionCode>{CLINIC}</MedicalInstitutionCode>\
         </MessageHeader><MessageBody>{}</MessageBody></XmlMsg>",
        format!("<QualificationConfirmSearchInfo>{SATO}</QualificationConfirmSearchInfo>")
            .repeat(MAX_BULK_ENTRIES + 1)
    );
    assert_eq!(refused(&kind, many.as_bytes()).error.code(), "MDGF0007");

    let fetch = classify("OQSmuquc02req_1.xml");
    let xml = format!(
        "<XmlMsg><MessageHeader><MedicalInstitutionCode>{CLINIC}</MedicalInstitutionCode>\
         </MessageHeader><MessageBody><ReceptionNumber>R0A1</ReceptionNumber></MessageBody></XmlMsg>"
    );
    let Request::BulkFetch {
        reception_number, ..
    } = read(&fetch, xml.as_bytes(), CLINIC).unwrap()
    else {
        panic!("not a bulk fetch");
    };
    assert_eq!(reception_number, "R0A1");
    // The reference insurer's numbers come in groups joined by '-'.
    let grouped = xml.replace("R0A1", "R0A1B2C3D-4E5F6A7B-8C9D0E1F");
    assert!(read(&fetch, grouped.as_bytes(), CLINIC).is_ok());
    let bad = xml.replace("R0A1", "../x");
    assert_eq!(refused(&fetch, bad.as_bytes()).error.code(), "MDGF0007");
}

#[test]
fn bulk_references_are_the_identifiers_or_positions_and_never_repeat() {
    let entry = |id: Option<&str>| match id {
        Some(id) => format!(
            "<QualificationConfirmSearchInfo>{}</QualificationConfirmSearchInfo>",
            SATO.replace("P-0042", id)
        ),
        None => format!(
            "<QualificationConfirmSearchInfo>{}</QualificationConfirmSearchInfo>",
            SATO.replace("<ArbitraryIdentifier>P-0042</ArbitraryIdentifier>", "")
        ),
    };
    let bulk = |entries: &[Option<&str>]| {
        format!(
            "<XmlMsg><MessageHeader><MedicalInstitutionCode>{CLINIC}</MedicalInstitutionCode>\
             <ArbitraryFileIdentifier>B-7</ArbitraryFileIdentifier>\
             </MessageHeader><MessageBody>{}</MessageBody></XmlMsg>",
            entries.iter().map(|e| entry(*e)).collect::<String>()
        )
    };
    let kind = classify("OQSmuquc01req_1.xml");
    let xml = bulk(&[None, Some("P-2"), None]);
    let Request::BulkSubmit { entries, .. } = read(&kind, xml.as_bytes(), CLINIC).unwrap() else {
        panic!("not a bulk submission");
    };
    assert_eq!(bulk_references(&entries), ["1", "P-2", "3"]);
    // Entry 1 without an identifier is "1": entry 2 may not be "1" as well, nor may two
    // entries share one identifier. The answer names the field and echoes the file's id.
    for clash in [
        vec![None, Some("1")],
        vec![Some("P-1"), Some("P-1")],
        vec![Some("2"), None],
    ] {
        let r = refused(&kind, bulk(&clash).as_bytes());
        assert_eq!(r.error.code(), "MDGF0007", "{clash:?}");
        assert!(
            r.error.message().contains("ArbitraryIdentifier"),
            "{clash:?}"
        );
        assert!(
            r.error.to_string().contains("ArbitraryIdentifier"),
            "{clash:?}"
        );
        assert_eq!(r.known.arbitrary_file_identifier.as_deref(), Some("B-7"));
    }
}

proptest::proptest! {
    /// Whatever the bytes, reading gives a request or a rejection, never a panic.
    #[test]
    fn any_bytes_are_read_or_refused(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        let _ = read(&single(), &bytes, CLINIC);
    }

    /// Valid requests with their bytes mutated: still never a panic.
    #[test]
    fn mutated_requests_are_read_or_refused(at in 0usize..600, byte in proptest::num::u8::ANY) {
        let mut bytes = single_xml("UTF-8", Some("0"), SATO).into_bytes();
        if let Some(b) = bytes.get_mut(at) {
            *b = byte;
        }
        let _ = read(&single(), &bytes, CLINIC);
    }
}
