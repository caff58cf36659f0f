//! The face route: with `[folders]` in the terminal's configuration, a card check at the
//! reader also leaves its result in `face/`, where a receipt system that watches that
//! folder picks it up, under the face route's name and in the configured character code;
//! and the running counter answers the receipt system's requests in `req/` itself.

use crate::counter_env::{CounterEnv, INSTITUTION, js, links, staff, until};
use crate::counter_flow::{pin_service_consents, replace_card};
use crate::counter_links::enrol;
use crate::support::card_in_vpcd;
use counter_runtime::counter::StaffAction;

const PERSONA: &str = "sato-hanako";

/// Every element's path and text, in document order, for comparing two result files.
fn leaves(xml: &str) -> Vec<(String, String)> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let mut out = Vec::new();
    for n in doc.descendants().filter(|n| n.is_element()) {
        let text = n.text().unwrap_or_default().trim();
        if n.children().any(|c| c.is_element()) || text.is_empty() {
            continue;
        }
        let path: Vec<&str> = n
            .ancestors()
            .filter(|a| a.is_element())
            .map(|a| a.tag_name().name())
            .collect();
        out.push((path.join("<"), text.to_owned()));
    }
    out
}

/// A check by insurance number for 佐藤 花子 of the demo register, as a receipt system
/// writes it (docs/domain/eligibility.md §2.1, §2.2).
fn by_insurance_number(file_id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg><MessageHeader>\
         <MedicalInstitutionCode>{INSTITUTION}</MedicalInstitutionCode>\
         <ArbitraryFileIdentifier>{file_id}</ArbitraryFileIdentifier>\
         <ReferenceClassification>2</ReferenceClassification>\
         <CharacterCodeIdentifier>0</CharacterCodeIdentifier></MessageHeader>\
         <MessageBody><QualificationConfirmSearchInfo>\
         <InsurerNumber>06139999</InsurerNumber><InsuredCardSymbol>千代</InsuredCardSymbol>\
         <InsuredIdentificationNumber>10001</InsuredIdentificationNumber>\
         <InsuredBranchNumber>01</InsuredBranchNumber><Birthdate>19850412</Birthdate>\
         </QualificationConfirmSearchInfo></MessageBody></XmlMsg>\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_counter_answers_req_and_its_card_checks_leave_face_files() {
    let (_reader_lock, reader, mut slot) = card_in_vpcd(PERSONA);
    let env = CounterEnv::start(&reader, "reception", true).await;
    let mut config = std::fs::read_to_string(&env.config_path).unwrap();
    config.push_str("\n[folders]\nroot = \"oqs\"\nface_character_code = \"shift_jis\"\n");
    std::fs::write(&env.config_path, config).unwrap();
    let c = env.counter().await;
    let mut rx = c.screens();

    // The receipt system asks by insurance number while the counter runs: the counter's
    // own folder worker answers in res/ and archives the request in done/.
    let oqs = env.dir.path().join("oqs");
    let request = by_insurance_number("C-1");
    std::fs::write(oqs.join("C1.part"), request).unwrap();
    std::fs::rename(oqs.join("C1.part"), oqs.join("req/OQSsiquc01req_C1.xml")).unwrap();
    let answer = oqs.join("res/OQSsiquc01res_C1.xml");
    let archived = oqs.join("done/OQSsiquc01req_C1.xml");
    let start = std::time::Instant::now();
    while !(answer.exists() && archived.exists()) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "the running counter did not answer req/ (answer {}, archived {})",
            answer.exists(),
            archived.exists()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let answer = std::fs::read_to_string(&answer).unwrap();
    let fields = leaves(&answer);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(p, _)| p.starts_with(&format!("{name}<")))
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("ArbitraryFileIdentifier"), Some("C-1"), "{answer}");
    assert_eq!(field("SegmentOfResult"), Some("1"), "{answer}");
    assert_eq!(field("Name"), Some("佐藤\u{3000}花子"), "{answer}");

    // Enrol, then the reception check with the card placed again.
    until(&mut rx, "the identification", |s| {
        js(s)["staff"]["screen"] == "identify"
    })
    .await;
    staff(&c, StaffAction::Cancel).await;
    enrol(&c, &mut rx, links()).await;
    staff(&c, StaffAction::Finish).await;
    replace_card(&mut slot, &mut rx).await;
    pin_service_consents(&c, &mut rx).await;
    let s = until(&mut rx, "the result exported", |s| {
        js(s)["staff"]["view"]["export"] == "written"
    })
    .await;
    assert_eq!(
        js(&s)["staff"]["view"]["headline"]["code"],
        "eligibility_valid",
        "{:#}",
        js(&s)
    );

    // One file in face/, named for the check, whole (no temporary left).
    let face_dir = env.dir.path().join("oqs").join("face");
    let names: Vec<String> = std::fs::read_dir(&face_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let face_name = &names[0];
    let stamp = face_name
        .strip_prefix("OQSsiquc01res_face_")
        .and_then(|r| r.strip_suffix(".xml"))
        .and_then(|r| r.rsplit_once('_'))
        .map(|(_, t)| t)
        .unwrap_or_else(|| panic!("not a face-route name: {face_name}"));
    assert!(
        stamp.len() == 14 && stamp.bytes().all(|b| b.is_ascii_digit()),
        "{face_name}"
    );

    // Shift_JIS as configured, declared so, and the same result as the export: every
    // field equal but the character code.
    let bytes = std::fs::read(face_dir.join(face_name)).unwrap();
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the names are not UTF-8 here"
    );
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad, "not Shift_JIS");
    assert!(text.contains("encoding=\"Shift_JIS\""), "{text}");
    let export = std::fs::read_dir(env.exports())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "xml"))
        .unwrap();
    let export = std::fs::read_to_string(export).unwrap();
    let (face, exported) = (leaves(&text), leaves(&export));
    let code = |l: &[(String, String)]| {
        l.iter()
            .find(|(p, _)| p.starts_with("CharacterCodeIdentifier<"))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(code(&face).as_deref(), Some("1"));
    assert_eq!(code(&exported).as_deref(), Some("0"));
    let same = |l: Vec<(String, String)>| -> Vec<(String, String)> {
        l.into_iter()
            .filter(|(p, _)| !p.starts_with("CharacterCodeIdentifier<"))
            .collect()
    };
    let face = same(face);
    assert!(
        face.iter()
            .any(|(p, v)| p.starts_with("Name<") && !v.is_ascii()),
        "the patient's name in kanji: {face:?}"
    );
    assert_eq!(face, same(exported));
    c.close().await;
}
