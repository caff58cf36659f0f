//! Requests the worker cannot take the usual way: a file far over the size limit, an
//! answer folder that cannot be written for a while, a request rewritten while it was
//! answered. Each still ends with exactly one answer, and the worker goes on.

use std::time::Duration;

use counter_runtime::clock::{Clock, SystemClock};
use madoguchi_time::jst;

use crate::support::*;

const LIMIT: Duration = Duration::from_secs(20);

/// A bulk pre-check of 佐藤 花子, as the receipt system writes it.
fn bulk_request() -> String {
    let (symbol, number, branch, birth) = SATO;
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageHeader>\
         <MedicalInstitutionCode>{INSTITUTION}</MedicalInstitutionCode></MessageHeader>\
         <MessageBody><QualificationConfirmSearchInfo><InsurerNumber>06139999</InsurerNumber>\
         <InsuredCardSymbol>{symbol}</InsuredCardSymbol>\
         <InsuredIdentificationNumber>{number}</InsuredIdentificationNumber>\
         <InsuredBranchNumber>{branch}</InsuredBranchNumber><Birthdate>{birth}</Birthdate>\
         <ArbitraryIdentifier>P-1</ArbitraryIdentifier></QualificationConfirmSearchInfo>\
         </MessageBody></XmlMsg>"
    )
}

#[tokio::test]
async fn a_file_far_over_the_limit_is_refused_without_being_read_whole() {
    let env = Env::start("notify").await;
    let (stop, task) = start_worker(&env);
    // A sparse file of 1 TiB: read whole, it would need that much memory.
    let tmp = env.dir.path().join("big.part");
    std::fs::File::create(&tmp)
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    std::fs::rename(&tmp, env.req().join("OQSsiquc01req_BIG.xml")).unwrap();
    let path = env.res().join("OQSsiquc01res_BIG.xml");
    wait_for(&path, LIMIT).await;
    let a = Answer::read(&path);
    assert_eq!(a.get("MessageHeader/SegmentOfResult"), Some("9"));
    assert_eq!(a.get("MessageHeader/ErrorCode"), Some("MDGF0002"));
    wait_for(
        &env.root.join("rejected").join("OQSsiquc01req_BIG.xml"),
        LIMIT,
    )
    .await;
    // The worker goes on with the next request.
    let next = single_request("N-1", "UTF-8", "0", SATO);
    drop_request(&env, "OQSsiquc01req_N1.xml", next.as_bytes());
    let path = env.res().join("OQSsiquc01res_N1.xml");
    wait_for(&path, LIMIT).await;
    assert_eq!(
        Answer::read(&path).get("MessageHeader/SegmentOfResult"),
        Some("1")
    );
    drop(stop);
    task.await.unwrap();
    env.insurer.shutdown().await;
}

#[tokio::test]
async fn a_bulk_submission_whose_answer_cannot_be_written_is_not_sent_again() {
    let env = Env::start("poll").await;
    let accepted_at = SystemClock.now();
    let clock = HandClock::at(accepted_at);
    let (worker, store, _) = worker_on(&env, clock.clone());
    let res = worker.layout().res.clone();
    // res/ cannot be written (as on a full disk): a file stands where the folder was.
    std::fs::remove_dir(&res).unwrap();
    std::fs::write(&res, b"").unwrap();
    let name = "OQSmuquc01req_F1.xml";
    drop_request(&env, name, bulk_request().as_bytes());
    let number = || {
        store.lock().unwrap().folder_requests(name).unwrap()[0]
            .reception_number
            .clone()
    };
    assert!(worker.process(name).await.is_err());
    let first = number().expect("the accepted number is recorded before the answer");
    // The next pass cannot write either; it does not submit the patients again.
    assert!(worker.process(name).await.is_err());
    assert_eq!(number().as_deref(), Some(first.as_str()));
    // res/ mended an hour later: answered once, with the number the insurer gave the
    // first time and the time it gave it, not the time of the answer.
    std::fs::remove_file(&res).unwrap();
    clock.advance(3600);
    let p = worker.process(name).await.unwrap();
    assert_eq!(p.answer.as_deref(), Some("OQSmuquc01res_F1.xml"));
    let a = Answer::read(&res.join("OQSmuquc01res_F1.xml"));
    assert_eq!(a.get("MessageHeader/SegmentOfResult"), Some("1"));
    assert_eq!(a.get("MessageHeader/ReceptionNumber"), Some(first.as_str()));
    assert_eq!(
        a.get("MessageHeader/ReceptionDateTime"),
        Some(jst::compact_timestamp(accepted_at).as_str())
    );
    assert_eq!(
        a.get("MessageHeader/ProcessExecutionTime"),
        Some(jst::compact_timestamp(accepted_at.plus_secs(3600)).as_str())
    );
    assert!(env.root.join("done").join(name).exists());
    env.insurer.shutdown().await;
}
