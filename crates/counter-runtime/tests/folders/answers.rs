//! One request at a time, with the watcher running in this process: the fields of each
//! answer against the documented tables (docs/domain/eligibility.md §2.1–2.4, §2.6), and
//! the error answers of malformed, duplicate and unknown requests.

use std::time::Duration;

use crate::support::*;

const LIMIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn utf8_and_shift_jis_requests_are_answered_in_their_own_code() {
    let env = Env::start("notify").await;
    let (stop, task) = start_worker(&env);
    let utf8 = single_request("U-1", "UTF-8", "0", SATO);
    drop_request(&env, "OQSsiquc01req_U1.xml", utf8.as_bytes());
    let sjis = shift_jis(&single_request("S-1", "Shift_JIS", "1", SATO));
    drop_request(&env, "OQSsiquc01req_S1.xml", &sjis);

    for (id, file_id, shift) in [("U1", "U-1", false), ("S1", "S-1", true)] {
        let path = env.res().join(format!("OQSsiquc01res_{id}.xml"));
        wait_for(&path, LIMIT).await;
        let a = Answer::read(&path);
        assert_eq!(a.shift_jis, shift, "{id}");
        let h = |f: &str| a.get(&format!("MessageHeader/{f}"));
        assert_eq!(h("MedicalInstitutionCode"), Some(INSTITUTION));
        assert_eq!(h("ArbitraryFileIdentifier"), Some(file_id));
        assert_eq!(h("ReferenceClassification"), Some("2"));
        assert_eq!(h("SegmentOfResult"), Some("1"));
        assert_eq!(
            h("CharacterCodeIdentifier"),
            Some(if shift { "1" } else { "0" })
        );
        assert_eq!(h("ErrorCode"), None);
        assert_eq!(h("ProcessExecutionTime").map(str::len), Some(14));
        assert_eq!(h("QualificationConfirmationDate").map(str::len), Some(8));
        let b = |f: &str| a.get(&format!("MessageBody/{f}"));
        assert_eq!(b("ProcessingResultStatus"), Some("1"));
        assert_eq!(b("QualificationValidity"), Some("1"));
        let r = |f: &str| {
            a.get(&format!(
                "MessageBody/ResultList/ResultOfQualificationConfirmation/{f}"
            ))
        };
        assert_eq!(r("InsurerNumber"), Some("06139999"));
        assert_eq!(r("InsuredCardSymbol"), Some("千代"));
        assert_eq!(r("InsuredIdentificationNumber"), Some("10001"));
        assert_eq!(r("InsuredBranchNumber"), Some("01"));
        assert_eq!(r("Name"), Some("佐藤　花子"));
        assert_eq!(r("NameKana"), Some("ｻﾄｳ ﾊﾅｺ"));
        assert_eq!(r("Birthdate"), Some("19850412"));
        assert_eq!(r("InsuredPartialContributionRatio"), Some("030"));
        assert_eq!(r("InsurerName"), Some("関東健康保険組合"));
        // Consent given in the request: the limit certificate comes back.
        assert_eq!(
            r(
                "LimitApplicationCertificateRelatedInfo/LimitApplicationCertificateClassificationFlag"
            ),
            Some("A03")
        );
    }
    // Each request left req/ for done/ once answered; nothing is left half-written.
    for name in ["OQSsiquc01req_U1.xml", "OQSsiquc01req_S1.xml"] {
        wait_for(&env.root.join("done").join(name), LIMIT).await;
        assert!(!env.req().join(name).exists());
    }
    let leftovers: Vec<_> = std::fs::read_dir(env.res())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The answers hold personal data: 0600, whatever the umask, in the 0700 folders the
    // worker made.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for id in ["U1", "S1"] {
            let path = env.res().join(format!("OQSsiquc01res_{id}.xml"));
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
        assert_eq!(mode(&env.res()), 0o700);
    }
    drop(stop);
    task.await.unwrap();
    env.insurer.shutdown().await;
}

#[tokio::test]
async fn malformed_duplicate_and_unknown_requests_get_error_answers() {
    let env = Env::start("poll").await;
    let (stop, task) = start_worker(&env);
    let rejected = env.root.join("rejected");

    // Malformed: cut in the middle. The answer is in the spec's shape, named as a result.
    let whole = single_request("M-1", "UTF-8", "0", SATO);
    let cut = &whole.as_bytes()[..whole.len() / 2];
    drop_request(&env, "OQSsiquc01req_M1.xml", cut);
    let path = env.res().join("OQSsiquc01res_M1.xml");
    wait_for(&path, LIMIT).await;
    let a = Answer::read(&path);
    assert_eq!(a.get("MessageHeader/SegmentOfResult"), Some("9"));
    assert_eq!(a.get("MessageHeader/ErrorCode"), Some("MDGF0005"));
    assert!(a.get("MessageHeader/ErrorMessage").unwrap().contains("XML"));
    wait_for(&rejected.join("OQSsiquc01req_M1.xml"), LIMIT).await;

    // A field of the wrong shape: named in the message; the identifiers are echoed.
    let bad = single_request("B-1", "UTF-8", "0", ("千代", "10001", "1", "19850412"));
    drop_request(&env, "OQSsiquc01req_B1.xml", bad.as_bytes());
    let path = env.res().join("OQSsiquc01res_B1.xml");
    wait_for(&path, LIMIT).await;
    let a = Answer::read(&path);
    assert_eq!(a.get("MessageHeader/ErrorCode"), Some("MDGF0007"));
    assert!(
        a.get("MessageHeader/ErrorMessage")
            .unwrap()
            .contains("InsuredBranchNumber")
    );
    assert_eq!(a.get("MessageHeader/ArbitraryFileIdentifier"), Some("B-1"));

    // The header says Shift_JIS, the file is UTF-8: refused, answered in UTF-8.
    let wrong = single_request("W-1", "UTF-8", "1", SATO);
    drop_request(&env, "OQSsiquc01req_W1.xml", wrong.as_bytes());
    let path = env.res().join("OQSsiquc01res_W1.xml");
    wait_for(&path, LIMIT).await;
    let a = Answer::read(&path);
    assert!(!a.shift_jis);
    assert_eq!(a.get("MessageHeader/ErrorCode"), Some("MDGF0004"));

    // A duplicate identifier: the first answer stays, the second request gets `.err`.
    let first = single_request("D-1", "UTF-8", "0", SATO);
    drop_request(&env, "OQSsiquc01req_D1.xml", first.as_bytes());
    let answer = env.res().join("OQSsiquc01res_D1.xml");
    wait_for(&env.root.join("done").join("OQSsiquc01req_D1.xml"), LIMIT).await;
    let before = std::fs::read(&answer).unwrap();
    let second = single_request("D-2", "UTF-8", "0", ("大阪", "10002", "", "19580303"));
    drop_request(&env, "OQSsiquc01req_D1.xml", second.as_bytes());
    let err = env.res().join("OQSsiquc01req_D1.err");
    wait_for(&err, LIMIT).await;
    let a = Answer::read(&err);
    assert_eq!(a.get("MessageHeader/SegmentOfResult"), Some("9"));
    assert_eq!(a.get("MessageHeader/ErrorCode"), Some("MDGF0009"));
    assert_eq!(a.get("MessageHeader/ArbitraryFileIdentifier"), Some("D-2"));
    assert_eq!(
        std::fs::read(&answer).unwrap(),
        before,
        "the first answer was kept"
    );
    wait_for(&rejected.join("OQSsiquc01req_D1.xml"), LIMIT).await;

    // The same bytes again under an answered name: the same request, not answered twice.
    std::fs::remove_file(&answer).unwrap();
    drop_request(&env, "OQSsiquc01req_D1.xml", first.as_bytes());
    let start = std::time::Instant::now();
    while env.req().join("OQSsiquc01req_D1.xml").exists() {
        assert!(start.elapsed() < LIMIT);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !answer.exists(),
        "a request already answered was answered again"
    );

    // An unknown kind: `.err` named after it.
    drop_request(&env, "notes.xml", b"<a/>");
    let err = env.res().join("notes.err");
    wait_for(&err, LIMIT).await;
    assert_eq!(
        Answer::read(&err).get("MessageHeader/ErrorCode"),
        Some("MDGF0001")
    );
    wait_for(&rejected.join("notes.xml"), LIMIT).await;
    drop(stop);
    task.await.unwrap();
    env.insurer.shutdown().await;
}

#[tokio::test]
async fn a_bulk_pre_check_is_submitted_then_fetched() {
    let env = Env::start("notify").await;
    let (stop, task) = start_worker(&env);
    let info = |(symbol, number, branch, birth): (&str, &str, &str, &str), id: &str| {
        format!(
            "<QualificationConfirmSearchInfo><InsurerNumber>06139999</InsurerNumber>\
             <InsuredCardSymbol>{symbol}</InsuredCardSymbol>\
             <InsuredIdentificationNumber>{number}</InsuredIdentificationNumber>\
             <InsuredBranchNumber>{branch}</InsuredBranchNumber><Birthdate>{birth}</Birthdate>\
             <ArbitraryIdentifier>{id}</ArbitraryIdentifier></QualificationConfirmSearchInfo>"
        )
    };
    let submit = format!(
        "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><XmlMsg><MessageHeader>\
         <MedicalInstitutionCode>{INSTITUTION}</MedicalInstitutionCode>\
         <ArbitraryFileIdentifier>BULK-1</ArbitraryFileIdentifier>\
         <CharacterCodeIdentifier>1</CharacterCodeIdentifier></MessageHeader><MessageBody>{}{}\
         </MessageBody></XmlMsg>",
        info(SATO, "P-1"),
        info(("港", "99999", "01", "19700101"), "P-2")
    );
    drop_request(&env, "OQSmuquc01req_B1.xml", &shift_jis(&submit));
    let path = env.res().join("OQSmuquc01res_B1.xml");
    wait_for(&path, LIMIT).await;
    let a = Answer::read(&path);
    assert!(a.shift_jis);
    assert_eq!(a.get("MessageHeader/SegmentOfResult"), Some("1"));
    let reception = a.get("MessageHeader/ReceptionNumber").unwrap().to_owned();

    let fetch = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageHeader>\
         <MedicalInstitutionCode>{INSTITUTION}</MedicalInstitutionCode></MessageHeader>\
         <MessageBody><ReceptionNumber>{reception}</ReceptionNumber></MessageBody></XmlMsg>"
    );
    drop_request(&env, "OQSmuquc02req_B1.xml", fetch.as_bytes());
    let path = env.res().join("OQSmuquc02res_B1.xml");
    wait_for(&path, LIMIT).await;
    let a = Answer::read(&path);
    assert_eq!(
        a.get("MessageHeader/ReceptionNumber"),
        Some(reception.as_str())
    );
    assert_eq!(a.get("MessageHeader/SegmentOfResult"), Some("1"));
    assert_eq!(a.get("MessageHeader/NumberOfProcessingResult"), Some("2"));
    let units = &a.fields["XmlMsg/MessageBody/BulkConfirmUnit/ReferenceNumber"];
    assert_eq!(units, &["P-1", "P-2"]);
    let validity = &a.fields["XmlMsg/MessageBody/BulkConfirmUnit/QualificationValidity"];
    assert_eq!(validity, &["1", "4"]);
    drop(stop);
    task.await.unwrap();
    env.insurer.shutdown().await;
}

#[tokio::test]
async fn an_insurer_that_cannot_be_reached_is_an_error_answer_at_once() {
    let env = Env::start("notify").await;
    // The configuration points at a closed port (9 on loopback refuses).
    let port = env.insurer.addr().port();
    let text = std::fs::read_to_string(&env.config_path).unwrap();
    std::fs::write(
        &env.config_path,
        text.replace(&format!("localhost:{port}"), "localhost:9"),
    )
    .unwrap();
    let (stop, task) = start_worker(&env);
    let req = single_request("X-1", "UTF-8", "0", SATO);
    drop_request(&env, "OQSsiquc01req_X1.xml", req.as_bytes());
    let path = env.res().join("OQSsiquc01res_X1.xml");
    wait_for(&path, LIMIT).await;
    let a = Answer::read(&path);
    assert_eq!(a.get("MessageHeader/SegmentOfResult"), Some("9"));
    assert_eq!(a.get("MessageHeader/ErrorCode"), Some("MDGF0101"));
    assert_eq!(a.get("MessageHeader/ArbitraryFileIdentifier"), Some("X-1"));
    wait_for(
        &env.root.join("rejected").join("OQSsiquc01req_X1.xml"),
        LIMIT,
    )
    .await;
    drop(stop);
    task.await.unwrap();
    env.insurer.shutdown().await;
}

#[tokio::test]
async fn a_bulk_request_whose_entries_share_a_reference_is_refused() {
    let env = Env::start("notify").await;
    let (stop, task) = start_worker(&env);
    let info = |id: &str| {
        let (symbol, number, branch, birth) = SATO;
        format!(
            "<QualificationConfirmSearchInfo><InsurerNumber>06139999</InsurerNumber>\
             <InsuredCardSymbol>{symbol}</InsuredCardSymbol>\
             <InsuredIdentificationNumber>{number}</InsuredIdentificationNumber>\
             <InsuredBranchNumber>{branch}</InsuredBranchNumber><Birthdate>{birth}</Birthdate>\
             {id}</QualificationConfirmSearchInfo>"
        )
    };
    // Entry 1 has no identifier (its reference is its position, "1"); entry 2 has "1".
    let submit = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageHeader>\
         <MedicalInstitutionCode>{INSTITUTION}</MedicalInstitutionCode>\
         <ArbitraryFileIdentifier>C-1</ArbitraryFileIdentifier></MessageHeader>\
         <MessageBody>{}{}</MessageBody></XmlMsg>",
        info(""),
        info("<ArbitraryIdentifier>1</ArbitraryIdentifier>")
    );
    drop_request(&env, "OQSmuquc01req_C1.xml", submit.as_bytes());
    let path = env.res().join("OQSmuquc01res_C1.xml");
    wait_for(&path, LIMIT).await;
    let a = Answer::read(&path);
    assert_eq!(a.get("MessageHeader/SegmentOfResult"), Some("9"));
    assert_eq!(a.get("MessageHeader/ErrorCode"), Some("MDGF0007"));
    assert_eq!(
        a.get("MessageHeader/ReceptionNumber"),
        None,
        "not submitted"
    );
    assert!(
        a.get("MessageHeader/ErrorMessage")
            .unwrap()
            .contains("ArbitraryIdentifier")
    );
    wait_for(
        &env.root.join("rejected").join("OQSmuquc01req_C1.xml"),
        LIMIT,
    )
    .await;
    drop(stop);
    task.await.unwrap();
    env.insurer.shutdown().await;
}
