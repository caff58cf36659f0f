//! The receipt-system hand-off (docs/domain/eligibility.md §2.1–2.6): golden files, well-formedness,
//! odd names escaped and read back unchanged, and the JSON twin.
//!
//! The expected files live in `tests/fixtures/eligibility/`; this module is their
//! generator: `UPDATE_FIXTURES=1 cargo test -p counter-core --test eligibility` rewrites
//! them, and without it a difference fails the test.

use std::path::PathBuf;

use counter_core::eligibility::{ExportFile, PrescriptionFormat, ResultMessage};
use serde_json::json;

use crate::support::*;
use crate::xml_check;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eligibility")
}

/// Compares with the committed file, or rewrites it under `UPDATE_FIXTURES=1`.
fn golden(file: &ExportFile) {
    let path = fixture_dir().join(&file.name);
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::create_dir_all(fixture_dir()).unwrap();
        std::fs::write(&path, &file.contents).unwrap();
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run UPDATE_FIXTURES=1 cargo test -p counter-core --test eligibility",
            file.name
        )
    });
    assert!(
        expected == file.contents,
        "{} differs from the fixture; if the change is intended, regenerate with UPDATE_FIXTURES=1\n{}",
        file.name,
        String::from_utf8_lossy(&file.contents)
    );
}

fn text(f: &ExportFile) -> String {
    String::from_utf8(f.contents.clone()).unwrap()
}

fn leaf<'a>(leaves: &'a [xml_check::Leaf], path: &str) -> Vec<&'a str> {
    leaves
        .iter()
        .filter(|(p, _)| p == path)
        .map(|(_, t)| t.as_str())
        .collect()
}

const RESULT: &str = "XmlMsg/MessageBody/ResultList/ResultOfQualificationConfirmation";

#[test]
fn a_valid_result_through_the_machine_matches_the_golden_files() {
    let mut c = start(true, Some(chart_for_sato()), None);
    let consents = counter_core::eligibility::CustomerConsents {
        prescription: Some(PrescriptionFormat::Electronic),
        ..blanket()
    };
    to_request(&mut c, consents);
    let resp = answer("1", vec![sato()], None);
    let fx = c
        .handle(
            counter_core::eligibility::Input::EligibilityAnswered(Ok(resp)),
            NOW.plus_secs(7),
        )
        .unwrap();
    let files = exports(&fx);
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["OQSsiquc01res_chk-1.xml", "OQSsiquc01res_chk-1.json"]
    );
    for f in &files {
        golden(f);
    }
    let leaves = xml_check::check(&text(&files[0])).unwrap();
    assert_eq!(
        leaf(&leaves, "XmlMsg/MessageHeader/ProcessExecutionTime"),
        ["20261125100007"]
    );
    assert_eq!(
        leaf(
            &leaves,
            "XmlMsg/MessageHeader/QualificationConfirmationDate"
        ),
        [TODAY]
    );
    assert_eq!(
        leaf(&leaves, "XmlMsg/MessageHeader/MedicalInstitutionCode"),
        [INSTITUTION]
    );
    assert_eq!(
        leaf(&leaves, "XmlMsg/MessageHeader/ArbitraryFileIdentifier"),
        ["chk-1"]
    );
    assert_eq!(
        leaf(&leaves, "XmlMsg/MessageHeader/ReferenceClassification"),
        ["1"]
    );
    assert_eq!(leaf(&leaves, "XmlMsg/MessageHeader/SegmentOfResult"), ["1"]);
    assert_eq!(
        leaf(&leaves, "XmlMsg/MessageHeader/CharacterCodeIdentifier"),
        ["0"]
    );
    assert_eq!(
        leaf(&leaves, "XmlMsg/MessageBody/QualificationValidity"),
        ["1"]
    );
    assert_eq!(
        leaf(&leaves, "XmlMsg/MessageBody/PrescriptionIssueSelect"),
        ["1"]
    );
    assert_eq!(
        leaf(&leaves, "XmlMsg/MessageBody/ReferenceNumber"),
        ["P-0042"]
    );
    assert_eq!(
        leaf(
            &leaves,
            &format!("{RESULT}/InsuredPartialContributionRatio")
        ),
        ["030"]
    );
    assert_eq!(
        leaf(
            &leaves,
            &format!(
                "{RESULT}/LimitApplicationCertificateRelatedInfo/LimitApplicationCertificateClassificationFlag"
            )
        ),
        ["A03"]
    );
    assert_eq!(
        leaf(&leaves, &format!("{RESULT}/PharmacistsInfoConsFlg")),
        ["1"]
    );
}

fn odd_answer() -> counter_api::insurer::EligibilityResponse {
    let odd = person(json!({
        "name": "●橋　一", "name_of_other": "𠮷田 & <太郎> \"ﾀﾛｳ\" 'T'", "insured_name": "A&B\r\n",
        "name_kana": "ﾀｶﾊｼ ﾊｼﾞﾒ", "symbol": "港", "number": "20001", "sex1": "1", "birth_date": "19700101",
        "address": "大阪府大阪市北区梅田九丁目９９番９９号　髙島見本ステーションフロントタワー北棟４５階４５０１号室",
        "elderly_recipient": {"certificate_date": "20230710", "valid_start_date": "20230801",
            "valid_end_date": "20280731", "contribution_ratio": "020"},
        "specific_diseases": [{"disease_category": "1", "valid_start_date": "20230401", "self_pay": 10000}],
        "limit_certificate": null, "consents": {}
    }));
    answer(
        "5",
        vec![
            odd,
            person(
                json!({"name": "高橋　肇", "name_kana": "ﾀｶﾊｼ ﾊｼﾞﾒ", "insured_name": null,
        "symbol": "港", "number": "20001", "sex1": "1", "birth_date": "19700101", "address": null}),
            ),
        ],
        Some(("MDGW0003", "複数の資格情報が該当しました。<確認>&\"要\"")),
    )
}

#[test]
fn odd_names_are_escaped_well_formed_and_read_back_unchanged() {
    let resp = odd_answer();
    let m = ResultMessage {
        check_id: "golden-multi",
        medical_institution_code: INSTITUTION,
        executed_at: NOW,
        confirmation_date: TODAY,
        response: &resp,
        reference_number: None,
        prescription: None,
    };
    let files = m.files();
    for f in &files {
        golden(f);
    }
    let xml = text(&files[0]);
    assert!(xml.contains("𠮷田 &amp; &lt;太郎&gt; &quot;ﾀﾛｳ&quot; &apos;T&apos;"));
    let leaves = xml_check::check(&xml).unwrap();
    let r = &resp.results[0];
    assert_eq!(
        leaf(&leaves, &format!("{RESULT}/Name")),
        ["●橋　一", "高橋　肇"]
    );
    assert_eq!(
        leaf(&leaves, &format!("{RESULT}/NameOfOther")),
        [r.name_of_other.as_deref().unwrap()]
    );
    assert_eq!(
        leaf(&leaves, &format!("{RESULT}/InsuredName"))[0],
        "A&B\r\n"
    );
    assert_eq!(
        leaf(&leaves, &format!("{RESULT}/Address"))[0],
        r.address.as_deref().unwrap()
    );
    assert_eq!(
        leaf(&leaves, "XmlMsg/MessageBody/ProcessingResultMessage"),
        [resp.processing_result.message.as_deref().unwrap()]
    );
    assert_eq!(
        leaf(
            &leaves,
            &format!(
                "{RESULT}/SpecificDiseasesCertificateList/SpecificDiseasesCertificateInfo/SpecificDiseasesSelfPay"
            )
        ),
        ["10000"]
    );

    let v: serde_json::Value = serde_json::from_slice(&files[1].contents).unwrap();
    let list = &v["XmlMsg"]["MessageBody"]["ResultList"]["ResultOfQualificationConfirmation"];
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["Name"], "●橋　一");
    assert_eq!(list[0]["NameOfOther"], r.name_of_other.as_deref().unwrap());
    assert_eq!(
        list[0]["ElderlyRecipientCertificateInfo"]["ElderlyRecipientContributionRatio"],
        "020"
    );
    assert_eq!(
        v["XmlMsg"]["MessageHeader"]["ArbitraryFileIdentifier"],
        "golden-multi"
    );
}

#[test]
fn json_and_xml_carry_the_same_leaves() {
    let resp = odd_answer();
    let m = ResultMessage {
        check_id: "x",
        medical_institution_code: INSTITUTION,
        executed_at: NOW,
        confirmation_date: TODAY,
        response: &resp,
        reference_number: Some("P-1"),
        prescription: Some(PrescriptionFormat::Paper),
    };
    let files = m.files();
    let mut xml_leaves = xml_check::check(&text(&files[0])).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&files[1].contents).unwrap();
    let mut json_leaves = Vec::new();
    flatten(&v, "", &mut json_leaves);
    // serde_json's map may sort keys; the files' own order is pinned by the golden tests.
    xml_leaves.sort();
    json_leaves.sort();
    assert_eq!(xml_leaves, json_leaves);
}

/// JSON leaves as (path, text), arrays flattened into repeated paths.
fn flatten(v: &serde_json::Value, path: &str, out: &mut Vec<xml_check::Leaf>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}/{k}")
                };
                flatten(v, &p, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| flatten(v, path, out)),
        serde_json::Value::String(s) => out.push((path.to_owned(), s.clone())),
        other => out.push((path.to_owned(), other.to_string())),
    }
}

#[test]
fn no_qualification_writes_an_empty_result_list() {
    let resp = answer(
        "4",
        vec![],
        Some(("MDGW0002", "該当する資格情報が見つかりません。")),
    );
    let m = ResultMessage {
        check_id: "chk-4",
        medical_institution_code: INSTITUTION,
        executed_at: NOW,
        confirmation_date: TODAY,
        response: &resp,
        reference_number: None,
        prescription: None,
    };
    let files = m.files();
    let xml = text(&files[0]);
    assert!(xml.contains("    <ResultList></ResultList>\n"), "{xml}");
    let leaves = xml_check::check(&xml).unwrap();
    assert_eq!(leaf(&leaves, "XmlMsg/MessageBody/ResultList"), [""]);
    let v: serde_json::Value = serde_json::from_slice(&files[1].contents).unwrap();
    assert_eq!(v["XmlMsg"]["MessageBody"]["ResultList"], json!({}));
    assert_eq!(v["XmlMsg"]["MessageBody"]["QualificationValidity"], "4");
}
