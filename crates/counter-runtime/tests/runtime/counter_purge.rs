//! The retention purge on the running counter's status bar: a folder it cannot list (here
//! the export folder, a file where the folder should be) is named there with what to do
//! (that the line goes once a purge lists it is the counter machine's test).

use counter_core::Code;

use crate::counter_env::{CounterEnv, js, until};
use crate::support::{READER, vpcd_reader};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_the_purge_cannot_list_is_named_on_the_status_bar() {
    // No card is used; the lock keeps the card tests off the reader meanwhile.
    let _reader_lock = READER.lock().unwrap_or_else(|e| e.into_inner());
    let env = CounterEnv::start(&vpcd_reader(), "reception", true).await;
    let exports = env.dir.path().join("exports");
    let _ = std::fs::remove_dir_all(&exports);
    std::fs::write(&exports, "").unwrap();

    // The purge runs at start.
    let c = env.counter().await;
    let mut rx = c.screens();
    let s = until(&mut rx, "the folder named", |s| {
        !s.status.purge_failed.is_empty()
    })
    .await;
    assert_eq!(
        s.status.purge_failed,
        [exports.display().to_string()],
        "{:#}",
        js(&s)
    );
    assert_eq!(
        s.status.purge_notice.as_ref().map(|m| m.code),
        Some(Code::PurgeFolderUnreadable)
    );
    c.close().await;
}
