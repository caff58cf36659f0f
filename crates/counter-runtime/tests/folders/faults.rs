//! Requests the worker cannot take the usual way: a file far over the size limit, an
//! answer folder that cannot be written for a while, a request rewritten while it was
//! answered. Each still ends with exactly one answer, and the worker goes on.

use std::time::Duration;

use crate::answers::start_worker;
use crate::support::*;

const LIMIT: Duration = Duration::from_secs(20);

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
