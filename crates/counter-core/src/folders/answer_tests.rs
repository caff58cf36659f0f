#![allow(clippy::unwrap_used)]

use counter_api::insurer::{BulkPrecheckItem, ProcessingResult};

use super::*;
use crate::eligibility::testdata::{NOW, TODAY, answer, sato};
use crate::folders::charset::decode;

fn header(code: CharacterCode) -> Header {
    Header {
        medical_institution_code: "1312345678".into(),
        arbitrary_file_identifier: Some("req-1".into()),
        confirmation_date: None,
        character_code: code,
    }
}

/// The answer read back with an independent parser: (path, text) of every text element.
fn fields(file: &AnswerFile) -> Vec<(String, String)> {
    let text = decode(&file.contents).unwrap().text;
    let doc = roxmltree::Document::parse(&text).unwrap();
    let mut out = Vec::new();
    for n in doc.descendants().filter(|n| n.is_element()) {
        if n.children().all(|c| c.is_text()) {
            let path: Vec<&str> = n
                .ancestors()
                .filter(|a| a.is_element())
                .map(|a| a.tag_name().name())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            out.push((path.join("/"), n.text().unwrap_or("").to_owned()));
        }
    }
    out
}

fn get<'a>(f: &'a [(String, String)], path: &str) -> Option<&'a str> {
    f.iter().find(|(p, _)| p == path).map(|(_, v)| v.as_str())
}

#[test]
fn a_single_answer_is_the_counters_result_in_the_requests_code() {
    let resp = answer("1", vec![sato()]);
    for code in [CharacterCode::Utf8, CharacterCode::ShiftJis] {
        let file = single_answer("42", &header(code), &resp, NOW);
        assert_eq!(file.name, "OQSsiquc01res_42.xml");
        assert_eq!(decode(&file.contents).unwrap().code, code);
        let f = fields(&file);
        let h = "XmlMsg/MessageHeader";
        assert_eq!(
            get(&f, &format!("{h}/ArbitraryFileIdentifier")),
            Some("req-1")
        );
        assert_eq!(get(&f, &format!("{h}/ReferenceClassification")), Some("2"));
        assert_eq!(get(&f, &format!("{h}/SegmentOfResult")), Some("1"));
        assert_eq!(
            get(&f, &format!("{h}/CharacterCodeIdentifier")),
            Some(code.code())
        );
        assert_eq!(
            get(&f, &format!("{h}/QualificationConfirmationDate")),
            Some(TODAY)
        );
        assert_eq!(get(&f, &format!("{h}/ErrorCode")), None);
        let r = "XmlMsg/MessageBody/ResultList/ResultOfQualificationConfirmation";
        assert_eq!(get(&f, &format!("{r}/Name")), Some("佐藤　花子"));
        assert_eq!(get(&f, &format!("{r}/InsuredCardSymbol")), Some("千代"));
    }
    // Without an ArbitraryFileIdentifier the file's id is echoed.
    let mut h = header(CharacterCode::Utf8);
    h.arbitrary_file_identifier = None;
    let f = fields(&single_answer("42", &h, &resp, NOW));
    assert_eq!(
        get(&f, "XmlMsg/MessageHeader/ArbitraryFileIdentifier"),
        Some("42")
    );
}

#[test]
fn an_error_answer_has_the_specs_shape() {
    let known = Known {
        character_code: Some(CharacterCode::ShiftJis),
        medical_institution_code: Some("1312345678".into()),
        arbitrary_file_identifier: Some("req-1".into()),
    };
    let e = FolderError::BadField {
        field: "Birthdate",
        expected: "a real date as YYYYMMDD",
    };
    let kind = crate::folders::classify("OQSsiquc01req_42.xml");
    let file = error_answer("OQSsiquc01res_42.xml".into(), &kind, &known, &e, NOW);
    assert_eq!(
        decode(&file.contents).unwrap().code,
        CharacterCode::ShiftJis
    );
    let f = fields(&file);
    let h = "XmlMsg/MessageHeader";
    assert_eq!(get(&f, &format!("{h}/SegmentOfResult")), Some("9"));
    assert_eq!(get(&f, &format!("{h}/ErrorCode")), Some("MDGF0007"));
    assert!(
        get(&f, &format!("{h}/ErrorMessage"))
            .unwrap()
            .contains("Birthdate")
    );
    assert_eq!(
        get(&f, &format!("{h}/ArbitraryFileIdentifier")),
        Some("req-1")
    );
    assert_eq!(get(&f, &format!("{h}/ReferenceClassification")), Some("2"));
    assert_eq!(get(&f, &format!("{h}/CharacterCodeIdentifier")), Some("1"));
    assert_eq!(
        get(&f, &format!("{h}/ProcessExecutionTime")),
        Some("20261125100000")
    );
    // Nothing known: UTF-8, no identifiers.
    let file = error_answer(
        "x.err".into(),
        &FileKind::Unknown,
        &Known::default(),
        &FolderError::UnknownKind,
        NOW,
    );
    let f = fields(&file);
    assert_eq!(decode(&file.contents).unwrap().code, CharacterCode::Utf8);
    assert_eq!(get(&f, "XmlMsg/MessageHeader/ErrorCode"), Some("MDGF0001"));
    assert_eq!(
        get(&f, "XmlMsg/MessageHeader/ArbitraryFileIdentifier"),
        None
    );
    assert_eq!(
        get(&f, "XmlMsg/MessageHeader/ReferenceClassification"),
        None
    );
}

#[test]
fn bulk_answers() {
    let h = header(CharacterCode::Utf8);
    let accepted = BulkPrecheckAccepted {
        reception_number: "R0A1".into(),
        entries: 2,
    };
    // Written an hour after the insurer accepted it (a pass that could not write it).
    let accepted_at = NOW.minus_secs(3600);
    let file = bulk_accepted("7", &h, &accepted, accepted_at, NOW);
    assert_eq!(file.name, "OQSmuquc01res_7.xml");
    let f = fields(&file);
    assert_eq!(
        get(&f, "XmlMsg/MessageHeader/ReceptionNumber"),
        Some("R0A1")
    );
    assert_eq!(
        get(&f, "XmlMsg/MessageHeader/ReceptionDateTime"),
        Some(jst::compact_timestamp(accepted_at).as_str())
    );
    assert_eq!(
        get(&f, "XmlMsg/MessageHeader/ProcessExecutionTime"),
        Some(jst::compact_timestamp(NOW).as_str())
    );
    assert_eq!(get(&f, "XmlMsg/MessageHeader/SegmentOfResult"), Some("1"));

    let item = BulkPrecheckItem {
        reference: "P-0042".into(),
        processing_result: ProcessingResult {
            status: "1".into(),
            code: None,
            message: None,
        },
        qualification_validity: "1".into(),
        results: vec![sato()],
    };
    let done = BulkPrecheckResult {
        reception_number: "R0A1".into(),
        status: BulkStatus::Completed,
        number_of_results: 1,
        number_of_normal: 1,
        number_of_errors: 0,
        items: vec![item],
    };
    let file = bulk_result("8", &h, &done, NOW);
    assert_eq!(file.name, "OQSmuquc02res_8.xml");
    let f = fields(&file);
    assert_eq!(get(&f, "XmlMsg/MessageHeader/SegmentOfResult"), Some("1"));
    assert_eq!(
        get(&f, "XmlMsg/MessageHeader/NumberOfProcessingResult"),
        Some("1")
    );
    let u = "XmlMsg/MessageBody/BulkConfirmUnit";
    assert_eq!(get(&f, &format!("{u}/ReferenceNumber")), Some("P-0042"));
    assert_eq!(
        get(
            &f,
            &format!("{u}/ResultList/ResultOfQualificationConfirmation/Name")
        ),
        Some("佐藤　花子")
    );
    let processing = BulkPrecheckResult {
        status: BulkStatus::Processing,
        items: vec![],
        number_of_results: 0,
        number_of_normal: 0,
        ..done
    };
    let f = fields(&bulk_result("8", &h, &processing, NOW));
    assert_eq!(get(&f, "XmlMsg/MessageHeader/SegmentOfResult"), Some("2"));
}

#[test]
fn face_files_carry_the_card_check() {
    let resp = answer("1", vec![sato()]);
    let m = ResultMessage {
        check_id: "chk-1",
        medical_institution_code: "1312345678",
        executed_at: NOW,
        confirmation_date: TODAY,
        response: &resp,
        reference_number: None,
        prescription: None,
    };
    let file = face_answer(&m, CharacterCode::ShiftJis);
    assert_eq!(file.name, "OQSsiquc01res_face_chk-1_20261125100000.xml");
    let f = fields(&file);
    assert_eq!(
        get(&f, "XmlMsg/MessageHeader/ReferenceClassification"),
        Some("1")
    );
    assert_eq!(
        get(&f, "XmlMsg/MessageHeader/CharacterCodeIdentifier"),
        Some("1")
    );
    // Built from the export file instead of the message: the same bytes, in either code.
    for code in [CharacterCode::Utf8, CharacterCode::ShiftJis] {
        let from_export = face_from_export(&m.files()[0], "chk-1", NOW, code).unwrap();
        assert_eq!(from_export, face_answer(&m, code));
    }
    assert_eq!(
        face_from_export(&m.files()[1], "chk-1", NOW, CharacterCode::Utf8),
        None
    );
    // The same message as the export folder's file, only the code differs.
    let export = String::from_utf8(m.files()[0].contents.clone()).unwrap();
    let face = decode(&file.contents).unwrap().text;
    assert_eq!(
        face.replace("Shift_JIS", "UTF-8").replace(
            "<CharacterCodeIdentifier>1</CharacterCodeIdentifier>",
            "<CharacterCodeIdentifier>0</CharacterCodeIdentifier>"
        ),
        export
    );
}
