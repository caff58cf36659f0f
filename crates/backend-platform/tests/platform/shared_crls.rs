//! The CRL set shared through the storage: node A (`crl_from = "folder"`) publishes its
//! folder on the admin reload; node B (`crl_from = "storage"`, no folder at all) takes the
//! published set within one poll, verified again against its own roots. A card revoked at
//! A is refused by both; a bad set (refused at publication, or tampered with in the
//! database) replaces the good index nowhere.

use std::sync::Arc;

use backend_platform::RunningPlatform;
use backend_platform::config::CrlFrom;
use backend_platform::crl_set::{CrlSetStore, InUse};
use backend_platform::storage::{
    CrlFile, CrlWrite, Republish, Storage, StorageError, StoredCrlSet, Version,
};
use counter_api::platform::{ChallengePurpose, ChallengeRequest, ChallengeResponse};
use madoguchi_time::UnixTime;
use sha2::Digest;

use crate::node_support::*;
use crate::support::*;

/// The persona whose card is revoked here, and her authentication CRL's file name in the
/// suite's folder (support's `write_crls`).
const PERSONA: &str = "sato-hanako";

fn auth_crl(revoked: &[u32]) -> (String, Vec<u8>) {
    auth_crl_at(revoked, now_secs() - 3600)
}

/// [`auth_crl`] with thisUpdate at `this_update` (Unix seconds).
fn auth_crl_at(revoked: &[u32], this_update: i64) -> (String, Vec<u8>) {
    let (m, g) = testkit::personas::municipality(PERSONA).unwrap();
    let name = format!(
        "{}-{}-{}.crl",
        testkit::Purpose::Auth.short(),
        m.prefecture,
        m.city
    );
    let der = crl_at(
        testkit::Purpose::Auth,
        &m.prefecture,
        &m.city,
        g,
        revoked,
        this_update,
    );
    (name, der)
}

/// Identifies `card` at `node` (challenge and answer there): the status and problem code.
async fn identify_at(c: &reqwest::Client, node: &RunningPlatform, card: &Card) -> (u16, String) {
    let req = ChallengeRequest {
        purpose: ChallengePurpose::Identify,
        context: None,
    };
    let (s, _, v) = post(c, &at(node, "/v1/challenges"), &req).await;
    assert_eq!(s, 200, "{v}");
    let ch: ChallengeResponse = serde_json::from_value(v).unwrap();
    let (s, _, v) = post(c, &at(node, "/v1/identifications"), &card.answer(&ch)).await;
    (s.as_u16(), v["code"].as_str().unwrap_or("").to_owned())
}

async fn admin_reload(c: &reqwest::Client, node: &RunningPlatform) -> (u16, serde_json::Value) {
    let got = read(
        c.post(at(node, "/v1/admin/crl/reload"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    (got.0.as_u16(), got.2)
}

fn ok() -> (u16, String) {
    (200, String::new())
}

fn revoked() -> (u16, String) {
    (422, "certificate_revoked".to_owned())
}

#[tokio::test]
async fn a_card_revoked_at_node_a_is_refused_by_node_b_within_one_poll() {
    let env = env_polling().await;
    let b = node_b(&env).await;
    let a = &env.running;
    let c = env.client(Some(T1));
    let card = Card::load(PERSONA);
    assert_eq!(enroll(&env, &c, &card).await.0, 200);
    assert_eq!(identify_at(&c, a, &card).await, ok());
    assert_eq!(identify_at(&c, &b, &card).await, ok());
    let start = a.platform().crl.status().generation;
    assert_eq!(b.platform().crl.status().generation, start);

    // The municipality's new CRL revokes her card, in A's folder only; A publishes it.
    let (name, der) = auth_crl(&[card.auth_serial()]);
    std::fs::write(env.dir.path().join("crl").join(&name), der).unwrap();
    let (s, v) = admin_reload(&c, a).await;
    assert_eq!(s, 200, "{v}");
    let published = a.platform().crl.status().generation;
    assert_eq!(published, start + 1);
    assert_eq!(identify_at(&c, a, &card).await, revoked());

    // B has no folder: it takes the published set with its next poll.
    let before = polls(&b);
    let got = wait_until(&b, "B takes the new CRL set", |x| x.crls >= published).await;
    assert_within_one_poll("CRL set at B", before, &got);
    assert_eq!(identify_at(&c, &b, &card).await, revoked());
    assert_eq!(b.platform().crl.status().refused, None);
    // B's taking it is audited; A published it itself and polls nothing new.
    b.platform().audit.flush();
    let rows = env
        .platform_rows("SELECT reason FROM audit WHERE action = 'crl_refresh' AND outcome = 'ok'");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].starts_with(&format!("generation {published}:")),
        "{rows:?}"
    );

    // Reloading the same folder again publishes nothing new.
    let (s, v) = admin_reload(&c, a).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(stored_generation(&env.settings.database, "crls"), published);
    b.shutdown().await;
    env.shutdown().await;
}

/// `30 88 FF…FF`: an outer length no reader can add to its position.
fn crafted_crl() -> Vec<u8> {
    let mut crl = vec![0x30, 0x88];
    crl.extend([0xff; 8]);
    crl.extend([0x30, 0x03, 0x02, 0x01, 0x01]);
    crl
}

/// Waits until `node` has refused the published set of generation `g` (or fails).
async fn wait_refused(node: &RunningPlatform, name: &str, g: u64) -> String {
    let p = node.platform().clone();
    wait_until(node, &format!("{name} refuses generation {g}"), |_| {
        p.crl.status().refused.is_some_and(|r| r.generation == g)
    })
    .await;
    node.platform().crl.status().refused.unwrap().error
}

#[tokio::test]
async fn a_bad_crl_set_replaces_the_good_index_nowhere() {
    let env = env_polling().await;
    let b = node_b(&env).await;
    let a = &env.running;
    let db = env.settings.database.clone();
    let c = env.client(Some(T1));
    let card = Card::load(PERSONA);
    assert_eq!(enroll(&env, &c, &card).await.0, 200);
    let good = stored_generation(&db, "crls");
    let indexes = |n: &RunningPlatform| n.platform().crl.index().snapshot();
    let (index_a, index_b) = (indexes(a), indexes(&b));

    // 1. A crafted CRL in A's folder: the reload refuses it and publishes nothing.
    let crafted_file = env.dir.path().join("crl").join("zz-crafted.crl");
    std::fs::write(&crafted_file, crafted_crl()).unwrap();
    let (s, v) = admin_reload(&c, a).await;
    assert_eq!(s, 503, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("zz-crafted.crl"),
        "{v}"
    );
    assert_eq!(stored_generation(&db, "crls"), good);
    std::fs::remove_file(&crafted_file).unwrap();

    // 2. A published CRL replaced in the database by one that does not parse (its digest
    //    updated alike): both nodes refuse the set, naming it, and keep their index.
    let (name, _) = auth_crl(&[]);
    let bad = crafted_crl();
    tamper_crl(&db, &name, &bad, &sha2::Sha256::digest(&bad));
    let tampered = good + 1;
    for (node_name, node) in [("A", a), ("B", &b)] {
        let error = wait_refused(node, node_name, tampered).await;
        assert!(
            error.contains(&name) && error.contains("malformed"),
            "{error}"
        );
    }
    // 3. One changed without its digest: refused as changed in the database.
    let (_, other) = auth_crl(&[card.auth_serial()]);
    let (_, original) = auth_crl(&[]);
    tamper_crl(&db, &name, &other, &sha2::Sha256::digest(&original));
    for (node_name, node) in [("A", a), ("B", &b)] {
        let error = wait_refused(node, node_name, tampered + 1).await;
        assert!(
            error.contains(&name) && error.contains("SHA-256"),
            "{error}"
        );
    }
    for (node_name, node, before) in [("A", a, &index_a), ("B", &b, &index_b)] {
        assert!(
            Arc::ptr_eq(before, &indexes(node)),
            "{node_name}'s index in use was replaced"
        );
        assert_eq!(node.platform().crl.status().generation, good, "{node_name}");
        assert_eq!(identify_at(&c, node, &card).await, ok(), "at {node_name}");
    }
    // Each node audited each refusal once.
    b.platform().audit.flush();
    let rows = env.platform_rows(
        "SELECT reason FROM audit WHERE action = 'crl_refresh' AND outcome = 'crl_refused'",
    );
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows.iter().all(|r| r.contains(&name)), "{rows:?}");

    // 4. A node taking its CRLs from the storage does not start on the bad set.
    let e = backend_platform::start_in_process(
        node_settings(&env, CrlFrom::Storage),
        Arc::new(env.clock.clone()),
    )
    .await
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(e.contains(&name) && e.contains("SHA-256"), "{e}");

    // 5. A's folder published again mends it everywhere.
    let (s, v) = admin_reload(&c, a).await;
    assert_eq!(s, 200, "{v}");
    let mended = a.platform().crl.status().generation;
    assert_eq!(mended, tampered + 2);
    wait_until(&b, "B takes the mended set", |x| x.crls >= mended).await;
    assert_eq!(b.platform().crl.status().refused, None);
    assert_eq!(identify_at(&c, &b, &card).await, ok());
    b.shutdown().await;
    env.shutdown().await;
}

#[tokio::test]
async fn a_node_taking_its_crls_from_the_storage_starts_once_a_set_is_published() {
    let dir = tempfile::tempdir().unwrap();
    let crl_dir = dir.path().join("crl");
    std::fs::create_dir(&crl_dir).unwrap();
    write_crls(&crl_dir);
    let mut settings = minimal_settings(dir.path(), crl_dir.clone());
    settings.database = suite_database(dir.path());
    let clock = Arc::new(backend_kit::ManualClock::new());
    let mut storage_node = settings.clone();
    storage_node.crl_from = CrlFrom::Storage;
    storage_node.crl_dir = std::path::PathBuf::new();

    // An empty storage: nothing to start on.
    let e = backend_platform::start_in_process(storage_node.clone(), clock.clone())
        .await
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("no CRL set is published"), "{e}");

    // Published (as `crl publish` does), it starts on it.
    let s = settings.clone();
    let (set, p) = tokio::task::spawn_blocking(move || {
        backend_platform::crl_set::publish_folder(
            &*backend_platform::storage::open(&s.database).unwrap(),
            &crl_dir,
            &s.auth_store,
            &s.sign_store,
            backend_platform::storage::Republish::IfChanged,
            madoguchi_time::UnixTime::from_secs(1),
        )
    })
    .await
    .unwrap()
    .unwrap();
    assert!(p.changed);
    assert_eq!(p.generation, 1);
    let node = backend_platform::start_in_process(storage_node, clock.clone())
        .await
        .unwrap();
    let status = node.platform().crl.status();
    assert_eq!((status.generation, status.refused), (1, None));
    assert_eq!(
        node.platform().crl.index().snapshot().len(),
        set.index.len()
    );
    // A node publishing the same folder at start changes nothing.
    let folder_node = backend_platform::start_in_process(settings, clock)
        .await
        .unwrap();
    assert_eq!(folder_node.platform().crl.status().generation, 1);
    folder_node.shutdown().await;
    node.shutdown().await;
}

/// A folder node restarted with yesterday's CRL in its folder (a download during J-LIS's
/// daily refresh) starts on the published set, which revokes more, rather than not at all
/// (systemd would restart it forever, and no card could be identified): the folder is not
/// published, and the refusal is audited as a failed reload's, naming the file and both
/// thisUpdates.
#[tokio::test]
async fn a_folder_node_whose_folder_went_back_starts_on_the_published_set() {
    let dir = tempfile::tempdir().unwrap();
    let crl_dir = dir.path().join("crl");
    std::fs::create_dir(&crl_dir).unwrap();
    write_crls(&crl_dir);
    let mut settings = minimal_settings(dir.path(), crl_dir.clone());
    settings.database = suite_database(dir.path());
    let clock = Arc::new(backend_kit::ManualClock::new());
    let today = now_secs() - 3600;
    let (name, der) = auth_crl_at(&[1, 2, 3], today);
    std::fs::write(crl_dir.join(&name), der).unwrap();
    let node = backend_platform::start_in_process(settings.clone(), clock.clone())
        .await
        .unwrap();
    let generation = node.platform().crl.status().generation;
    let entries = node.platform().crl.index().snapshot().len();
    node.shutdown().await;

    let yesterday = today - 86_400;
    let (_, old) = auth_crl_at(&[], yesterday);
    std::fs::write(crl_dir.join(&name), old).unwrap();
    let node = backend_platform::start_in_process(settings.clone(), clock)
        .await
        .unwrap();
    let status = node.platform().crl.status();
    assert_eq!((status.generation, status.refused), (generation, None));
    assert_eq!(node.platform().crl.index().snapshot().len(), entries);
    assert_eq!(stored_generation(&settings.database, "crls"), generation);
    let rows = platform_rows(
        &settings.database,
        "SELECT reason FROM audit WHERE action = 'crl_reload' AND outcome = 'unavailable'",
    );
    let date = |t: i64| madoguchi_time::UnixTime::from_secs(t).to_string();
    assert_eq!(rows.len(), 1, "{rows:?}");
    for part in [
        format!("CRL {name} (scope "),
        format!("thisUpdate {} against {}", date(yesterday), date(today)),
    ] {
        assert!(rows[0].contains(&part), "{part:?} in {}", rows[0]);
    }
    node.shutdown().await;
}

/// A download during J-LIS's daily refresh brings back yesterday's CRL, without a card
/// revoked since: no path puts it in use. A's reload and `crl publish` refuse the folder
/// (naming the file and both thisUpdates), and a set published with it behind the nodes'
/// backs is refused by both; the card stays refused everywhere.
#[tokio::test]
async fn a_set_with_an_older_crl_is_refused_everywhere_and_the_revoked_card_stays_refused() {
    let env = env_polling().await;
    let b = node_b(&env).await;
    let a = &env.running;
    let db = env.settings.database.clone();
    let c = env.client(Some(T1));
    let card = Card::load(PERSONA);
    assert_eq!(enroll(&env, &c, &card).await.0, 200);
    let folder = env.dir.path().join("crl");

    // Today's CRL revokes her card: A publishes it, B takes it.
    let today = now_secs() - 3600;
    let (name, der) = auth_crl_at(&[card.auth_serial()], today);
    std::fs::write(folder.join(&name), der).unwrap();
    let (s, v) = admin_reload(&c, a).await;
    assert_eq!(s, 200, "{v}");
    let revoking = a.platform().crl.status().generation;
    wait_until(&b, "B takes the revoking set", |x| x.crls == revoking).await;

    // 1. Yesterday's CRL in A's folder: the reload refuses it and publishes nothing.
    let yesterday = today - 86_400;
    let (_, old) = auth_crl_at(&[], yesterday);
    std::fs::write(folder.join(&name), &old).unwrap();
    let (s, v) = admin_reload(&c, a).await;
    assert_eq!(s, 503, "{v}");
    let detail = v["detail"].as_str().unwrap();
    let date = |t: i64| madoguchi_time::UnixTime::from_secs(t).to_string();
    for part in [
        format!("CRL {name} (scope "),
        "older than the one in use".into(),
        format!("thisUpdate {} against {}", date(yesterday), date(today)),
        "the CRLs in use stay".into(),
    ] {
        assert!(detail.contains(&part), "{part:?} in {detail}");
    }
    assert_eq!(stored_generation(&db, "crls"), revoking);

    // 2. `crl publish --force` of that folder: refused alike, against the published set.
    let s2 = env.settings.clone();
    let dir = folder.clone();
    let e = tokio::task::spawn_blocking(move || {
        backend_platform::crl_set::publish_folder(
            &*backend_platform::storage::open(&s2.database).unwrap(),
            &dir,
            &s2.auth_store,
            &s2.sign_store,
            backend_platform::storage::Republish::Always,
            madoguchi_time::UnixTime::from_secs(now_secs()),
        )
        .map(|_| ())
    })
    .await
    .unwrap()
    .unwrap_err()
    .to_string();
    assert!(e.contains(&name) && e.contains("older"), "{e}");
    assert_eq!(stored_generation(&db, "crls"), revoking);

    // 3. The set published behind the nodes' backs (a platform without this check, or a
    //    database restored): both nodes refuse it, audited, and keep the revoking index.
    let s3 = env.settings.clone();
    let dir = folder.clone();
    let published = tokio::task::spawn_blocking(move || {
        let set =
            backend_platform::crl_set::read_folder(&dir, &s3.auth_store, &s3.sign_store).unwrap();
        let store = backend_platform::storage::open(&s3.database).unwrap();
        let over = store.crl_set().unwrap().version();
        let written = store
            .publish_crl_set(
                &set.files,
                backend_platform::storage::Republish::Always,
                over,
                madoguchi_time::UnixTime::from_secs(now_secs()),
            )
            .unwrap();
        match written {
            CrlWrite::Done(p) => p,
            CrlWrite::Moved { .. } => panic!("{written:?}"),
        }
    })
    .await
    .unwrap();
    assert_eq!(published.generation, revoking + 1);
    for (node_name, node) in [("A", a), ("B", &b)] {
        let error = wait_refused(node, node_name, published.generation).await;
        assert!(
            error.contains(&name) && error.contains("older than the one in use"),
            "{error}"
        );
        assert_eq!(node.platform().crl.status().generation, revoking);
        assert_eq!(
            identify_at(&c, node, &card).await,
            revoked(),
            "at {node_name}"
        );
    }
    b.platform().audit.flush();
    let rows = env.platform_rows(
        "SELECT reason FROM audit WHERE action = 'crl_refresh' AND outcome = 'crl_refused'",
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.contains("older")), "{rows:?}");
    b.shutdown().await;
    env.shutdown().await;
}

/// A database restored to an earlier generation (a failover that lost the last
/// publication): each node follows it down, and then takes the next publication, which
/// carries again the generation number it held before.
#[tokio::test]
async fn a_crl_generation_that_goes_back_is_followed_and_the_next_set_taken() {
    let env = env_polling().await;
    let b = node_b(&env).await;
    let a = &env.running;
    let db = env.settings.database.clone();
    let c = env.client(Some(T1));
    let card = Card::load(PERSONA);
    assert_eq!(enroll(&env, &c, &card).await.0, 200);
    let folder = env.dir.path().join("crl");

    // A set that revokes another card: generation g.
    let (name, der) = auth_crl(&[1]);
    std::fs::write(folder.join(&name), der).unwrap();
    let (s, v) = admin_reload(&c, a).await;
    assert_eq!(s, 200, "{v}");
    let g = a.platform().crl.status().generation;
    wait_until(&b, "B takes generation g", |x| x.crls == g).await;

    // The database loses the bump: g - 1, the same CRLs. Both nodes follow it down.
    exec(
        &db,
        "UPDATE shared_generations SET generation = generation - 1 WHERE name = 'crls'",
    );
    for (node_name, node) in [("A", a), ("B", &b)] {
        wait_until(node, &format!("{node_name} follows g - 1"), |x| {
            x.crls == g - 1
        })
        .await;
    }

    // The next publication revokes her card, at generation g again: B takes it.
    let (_, der) = auth_crl(&[1, card.auth_serial()]);
    std::fs::write(folder.join(&name), der).unwrap();
    let (s, v) = admin_reload(&c, a).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(a.platform().crl.status().generation, g);
    assert_eq!(identify_at(&c, a, &card).await, revoked());
    let before = polls(&b);
    // B's generation is g - 1 until it takes the set: the wait ends on the taking.
    let got = wait_until(&b, "B takes the new generation g", |x| x.crls == g).await;
    assert_within_one_poll("new set at B", before, &got);
    assert_eq!(identify_at(&c, &b, &card).await, revoked());
    b.shutdown().await;
    env.shutdown().await;
}

/// Publishes `der` as the suite's authentication CRL `name` (the other CRLs of `folder`
/// unchanged) through `publish_over_read`, checked against `read`.
fn publish_over(
    store: &dyn Storage,
    settings: &backend_platform::config::Settings,
    folder: &std::path::Path,
    (name, der): (&str, &[u8]),
    read: StoredCrlSet,
) -> Result<backend_platform::storage::CrlPublication, backend_platform::crl_source::CrlLoadError> {
    std::fs::write(folder.join(name), der).unwrap();
    let set =
        backend_platform::crl_set::read_folder(folder, &settings.auth_store, &settings.sign_store)
            .unwrap();
    backend_platform::crl_set::publish_over_read(
        store,
        &set,
        read,
        &InUse::default(),
        &settings.auth_store,
        &settings.sign_store,
        Republish::IfChanged,
        madoguchi_time::UnixTime::from_secs(now_secs()),
    )
}

/// Two publishers at once (two folder nodes, or `crl publish` beside one): P checks its
/// folder, yesterday's CRL, against generation g (the day before's) and passes; Q
/// publishes today's, g + 1, before P writes. P's write at g is not made: the storage says
/// the generation moved, P reads g + 1 again and its check now refuses yesterday's CRL.
/// Today's set stays, on either storage; the storage alone refuses a write over a
/// generation it no longer holds.
#[tokio::test]
async fn a_publication_checked_against_a_generation_another_replaced_is_checked_again() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("crl");
    std::fs::create_dir(&folder).unwrap();
    write_crls(&folder);
    let mut settings = minimal_settings(dir.path(), folder.clone());
    settings.database = suite_database(dir.path());
    let (p_dir, q_dir) = (dir.path().join("p"), dir.path().join("q"));
    // The same CRLs for the other scopes in every folder (written once: a second passing
    // between two writes would make one folder's older than another's).
    for d in [&p_dir, &q_dir] {
        std::fs::create_dir(d).unwrap();
        for f in std::fs::read_dir(&folder).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, d.join(f.file_name().unwrap())).unwrap();
        }
    }
    let today = now_secs() - 3600;
    let (name, day_before) = auth_crl_at(&[], today - 2 * 86_400);
    let (_, yesterday) = auth_crl_at(&[], today - 86_400);
    let (_, today_der) = auth_crl_at(&[1], today);
    tokio::task::spawn_blocking(move || {
        let store = backend_platform::storage::open(&settings.database).unwrap();
        // Generation g holds the day before's CRL.
        publish_over(
            &*store,
            &settings,
            &folder,
            (&name, &day_before),
            store.crl_set().unwrap(),
        )
        .unwrap();
        let at_g = store.crl_set().unwrap();
        let g = at_g.generation;

        // P reads g (and would pass: yesterday is newer than the day before) ...
        let p_read = store.crl_set().unwrap();
        assert_eq!(p_read.generation, g);
        // ... Q publishes today's CRL: g + 1.
        let q = publish_over(
            &*store,
            &settings,
            &q_dir,
            (&name, &today_der),
            store.crl_set().unwrap(),
        )
        .unwrap();
        assert_eq!((q.generation, q.changed), (g + 1, true));
        let newer = store.crl_set().unwrap();

        // The storage writes nothing over a generation it no longer holds.
        std::fs::write(p_dir.join(&name), &yesterday).unwrap();
        let p_set = backend_platform::crl_set::read_folder(
            &p_dir,
            &settings.auth_store,
            &settings.sign_store,
        )
        .unwrap();
        let written = store
            .publish_crl_set(
                &p_set.files,
                Republish::Always,
                at_g.version(),
                madoguchi_time::UnixTime::from_secs(now_secs()),
            )
            .unwrap();
        assert_eq!(written, CrlWrite::Moved { generation: g + 1 });
        assert_eq!(store.crl_set().unwrap(), newer);

        // P's publication, checked against g, reads g + 1 again and is refused as older.
        let e = publish_over(&*store, &settings, &p_dir, (&name, &yesterday), p_read)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&name) && e.contains("older than the one in use"),
            "{e}"
        );
        assert_eq!(store.crl_set().unwrap(), newer);

        // A set newer than g + 1, checked against g, is checked again and published.
        let (_, tomorrow) = auth_crl_at(&[1, 2], today + 60);
        let p = publish_over(&*store, &settings, &p_dir, (&name, &tomorrow), at_g).unwrap();
        assert_eq!((p.generation, p.changed), (g + 2, true));
    })
    .await
    .unwrap();
}

/// A publisher that read the published set before a restore and another publication:
/// P reads generation g (the day before's CRL); the database comes back as of g - 1; Q
/// publishes today's CRL, which brings back the number g with another stamp. P's write
/// over what it read is not made (the number alone would let it replace today's set with
/// yesterday's): read again, its set is refused as older.
#[tokio::test]
async fn a_publication_read_before_a_restore_and_another_publication_is_checked_again() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("crl");
    std::fs::create_dir(&folder).unwrap();
    write_crls(&folder);
    let mut settings = minimal_settings(dir.path(), folder.clone());
    settings.database = suite_database(dir.path());
    let today = now_secs() - 3600;
    let (name, day_before) = auth_crl_at(&[], today - 2 * 86_400);
    let (_, yesterday) = auth_crl_at(&[], today - 86_400);
    let (_, today_der) = auth_crl_at(&[1], today);
    tokio::task::spawn_blocking(move || {
        let store = backend_platform::storage::open(&settings.database).unwrap();
        let now = || UnixTime::from_secs(now_secs());
        // g - 1 and g hold the day before's CRL; P reads g.
        publish_over(
            &*store,
            &settings,
            &folder,
            (&name, &day_before),
            store.crl_set().unwrap(),
        )
        .unwrap();
        let restore = saved_generation(&settings.database, "crls");
        let at = store.crl_set().unwrap();
        let written = store
            .publish_crl_set(&at.files, Republish::Always, at.version(), now())
            .unwrap();
        assert!(matches!(written, CrlWrite::Done(_)), "{written:?}");
        let p_read = store.crl_set().unwrap();
        let g = p_read.generation;

        // The restore, then Q's publication of today's CRL: g again, another stamp.
        exec(&settings.database, &restore);
        assert_eq!(store.crl_set().unwrap().generation, g - 1);
        let q = publish_over(
            &*store,
            &settings,
            &folder,
            (&name, &today_der),
            store.crl_set().unwrap(),
        )
        .unwrap();
        assert_eq!((q.generation, q.changed), (g, true));
        let newer = store.crl_set().unwrap();
        assert_ne!(newer.version(), p_read.version());

        // P's write over what it read is not made.
        std::fs::write(folder.join(&name), &yesterday).unwrap();
        let p_set = backend_platform::crl_set::read_folder(
            &folder,
            &settings.auth_store,
            &settings.sign_store,
        )
        .unwrap();
        let written = store
            .publish_crl_set(&p_set.files, Republish::Always, p_read.version(), now())
            .unwrap();
        assert_eq!(written, CrlWrite::Moved { generation: g });
        assert_eq!(store.crl_set().unwrap(), newer);
        // Through the publication's retry: read again, refused as older.
        let e = publish_over(&*store, &settings, &folder, (&name, &yesterday), p_read)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&name) && e.contains("older than the one in use"),
            "{e}"
        );
        assert_eq!(store.crl_set().unwrap(), newer);
    })
    .await
    .unwrap();
}

/// A storage on which another publisher (a second storage opened on the same database)
/// publishes its own set just before each write of this one's: every check is made
/// against a set that another publication has replaced when the write comes.
struct Interloper<'a> {
    store: &'a dyn Storage,
    other: &'a dyn Storage,
    files: &'a [CrlFile],
}

impl CrlSetStore for Interloper<'_> {
    fn published(&self) -> Result<StoredCrlSet, StorageError> {
        self.store.crl_set()
    }

    fn publish_over(
        &self,
        files: &[CrlFile],
        when: Republish,
        over: Version,
        now: UnixTime,
    ) -> Result<CrlWrite, StorageError> {
        let at = self.other.crl_set()?.version();
        let done = self
            .other
            .publish_crl_set(self.files, Republish::Always, at, now)?;
        assert!(matches!(done, CrlWrite::Done(_)), "{done:?}");
        self.store.publish_crl_set(files, when, over, now)
    }
}

/// Publishers that keep replacing each other: each of the three checks of a publication is
/// overtaken by another publisher's commit on the same database, so the publication gives
/// up (`Contended`) and nothing of its set is written; the other's sets stay.
#[tokio::test]
async fn a_publication_overtaken_three_times_gives_up_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("crl");
    std::fs::create_dir(&folder).unwrap();
    write_crls(&folder);
    let mut settings = minimal_settings(dir.path(), folder.clone());
    settings.database = suite_database(dir.path());
    let today = now_secs() - 3600;
    let (name, today_der) = auth_crl_at(&[], today);
    let (_, tomorrow) = auth_crl_at(&[1], today + 60);
    tokio::task::spawn_blocking(move || {
        let store = backend_platform::storage::open(&settings.database).unwrap();
        let other = backend_platform::storage::open(&settings.database).unwrap();
        let read = |d: &std::path::Path| {
            backend_platform::crl_set::read_folder(d, &settings.auth_store, &settings.sign_store)
                .unwrap()
        };
        std::fs::write(folder.join(&name), &today_der).unwrap();
        let others = read(&folder);
        std::fs::write(folder.join(&name), &tomorrow).unwrap();
        let set = read(&folder);
        let start = store.crl_set().unwrap();
        let e = backend_platform::crl_set::publish_over_read(
            &Interloper {
                store: &*store,
                other: &*other,
                files: &others.files,
            },
            &set,
            start.clone(),
            &InUse::default(),
            &settings.auth_store,
            &settings.sign_store,
            Republish::IfChanged,
            UnixTime::from_secs(now_secs()),
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                backend_platform::crl_source::CrlLoadError::Contended { attempts: 3 }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("changed 3 times"), "{e}");
        // The other publisher's three sets, and none of this one.
        let now = store.crl_set().unwrap();
        assert_eq!(now.generation, start.generation + 3);
        assert_eq!(now.files, others.files);
    })
    .await
    .unwrap();
}

/// A database restored to an earlier generation, then published again up to the
/// generation a node holds, both between two of the node's polls and within the second of
/// the publication the node holds: the same number, written at the same time, with another
/// stamp. The node takes the new set at its next poll.
#[tokio::test]
async fn a_restore_and_the_next_publication_between_two_polls_reach_the_node() {
    let env = Env::start().await;
    let mut settings = node_settings(&env, CrlFrom::Storage);
    settings.poll_interval = std::time::Duration::from_secs(3600);
    let b = backend_platform::start_in_process(settings, Arc::new(env.clock.clone()))
        .await
        .unwrap();
    let a = &env.running;
    let c = env.client(Some(T1));
    let card = Card::load(PERSONA);
    assert_eq!(enroll(&env, &c, &card).await.0, 200);
    let folder = env.dir.path().join("crl");

    // A set that revokes another card: generation g, at A and at B.
    let restore = saved_generation(&env.settings.database, "crls");
    let (name, der) = auth_crl(&[1]);
    std::fs::write(folder.join(&name), der).unwrap();
    let (s, v) = admin_reload(&c, a).await;
    assert_eq!(s, 200, "{v}");
    let g = a.platform().crl.status().generation;
    poll_now(&b).await;
    assert_eq!(b.platform().crl.status().generation, g);
    assert_eq!(identify_at(&c, &b, &card).await, ok());

    // The database comes back as of before g; within the same second A publishes a set
    // revoking her card: generation g again, at the very time of the one B holds (set by
    // hand: the suite's clock runs with the system's, and a second may pass).
    exec(&env.settings.database, &restore);
    let (_, der) = auth_crl(&[1, card.auth_serial()]);
    std::fs::write(folder.join(&name), der).unwrap();
    let (s, v) = admin_reload(&c, a).await;
    assert_eq!(s, 200, "{v}");
    let held = b.platform().crl.status();
    exec(
        &env.settings.database,
        &format!(
            "UPDATE shared_generations SET changed_at = {} WHERE name = 'crls'",
            held.changed_at.as_secs()
        ),
    );
    let published = a.platform().crl.status();
    assert_eq!(published.generation, g);
    assert_ne!(held.stamp, published.stamp);
    assert_eq!(identify_at(&c, a, &card).await, revoked());

    // B's next poll takes it.
    poll_now(&b).await;
    let at_b = b.platform().crl.status();
    assert_eq!(at_b.seen(), published.seen());
    assert_eq!(at_b.changed_at, held.changed_at);
    assert_eq!(identify_at(&c, &b, &card).await, revoked());
    b.shutdown().await;
    env.shutdown().await;
}
