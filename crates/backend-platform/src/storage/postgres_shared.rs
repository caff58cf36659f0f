//! The PostgreSQL storage's part that nodes keep a snapshot of: the generation numbers, the
//! terminals and the published CRL set. A change locks its generation row first (`FOR
//! UPDATE`), so that changes of one kind are serialised across nodes, then reads, writes
//! and bumps the generation in the same transaction. A read is one statement joining the
//! generation to the rows: one snapshot, one round trip.

use deadpool_postgres::GenericClient;
use madoguchi_time::UnixTime;

use super::postgres::pg;
use super::{
    CRLS_GENERATION, CrlFile, CrlPublication, CrlWrite, Generations, Republish, StorageError,
    StoredCrlSet, StoredTerminals, TERMINALS_GENERATION, TerminalsUpdated, Version, crl_file_of,
    generations_of, new_stamp, same_crl_set, terminal_of, version_of,
};
use crate::core::terminals::TerminalRecord;

pub(super) async fn generations(c: &impl GenericClient) -> Result<Generations, StorageError> {
    let e = pg("reading the generation numbers");
    let st = c
        .prepare_cached("SELECT name, generation, stamp, changed_at FROM shared_generations")
        .await
        .map_err(&e)?;
    let rows = c.query(&st, &[]).await.map_err(&e)?;
    generations_of(
        rows.iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))),
    )
}

pub(super) async fn terminals(c: &impl GenericClient) -> Result<StoredTerminals, StorageError> {
    let e = pg("reading the terminals");
    let st = c
        .prepare_cached(
            "SELECT g.generation, t.terminal_id, t.admin, t.enabled, t.managed_by, t.updated_at,
                 t.certificate_sha256, g.stamp
             FROM shared_generations g LEFT JOIN terminals t ON TRUE
             WHERE g.name = $1 ORDER BY t.terminal_id",
        )
        .await
        .map_err(&e)?;
    let rows = c.query(&st, &[&TERMINALS_GENERATION]).await.map_err(&e)?;
    let mut version = Version::default();
    let mut terminals = Vec::new();
    for r in rows {
        version = version_of(TERMINALS_GENERATION, r.get(0), r.get(7))?;
        let id: Option<String> = r.get(1);
        let admin: Option<bool> = r.get(2);
        let enabled: Option<bool> = r.get(3);
        let by: Option<String> = r.get(4);
        let at: Option<i64> = r.get(5);
        let sha256: Option<Vec<u8>> = r.get(6);
        if let (Some(id), Some(admin), Some(enabled), Some(by), Some(at)) =
            (id, admin, enabled, by, at)
        {
            terminals.push(terminal_of(
                id,
                admin,
                enabled,
                &by,
                sha256.as_deref(),
                UnixTime::from_secs(at),
            )?);
        }
    }
    Ok(StoredTerminals {
        generation: version.generation,
        stamp: version.stamp,
        terminals,
    })
}

/// Locks generation `name`'s row until the transaction ends; returns its version and
/// when it was written.
async fn lock_generation(
    c: &impl GenericClient,
    name: &str,
) -> Result<(Version, UnixTime), StorageError> {
    let e = pg("locking a generation number");
    let st = c
        .prepare_cached(
            "SELECT generation, stamp, changed_at FROM shared_generations
             WHERE name = $1 FOR UPDATE",
        )
        .await
        .map_err(&e)?;
    let r = c.query_one(&st, &[&name]).await.map_err(&e)?;
    Ok((
        version_of(name, r.get(0), r.get(1))?,
        UnixTime::from_secs(r.get(2)),
    ))
}

/// Bumps generation `name` (locked by [`lock_generation`]) with a new random stamp
/// ([`new_stamp`], drawn by the platform: `gen_random_uuid()` and the like are not in every
/// PostgreSQL version the schema supports); returns the new version.
async fn bump(c: &impl GenericClient, name: &str, now: UnixTime) -> Result<Version, StorageError> {
    let e = pg("bumping a generation number");
    let st = c
        .prepare_cached(
            "UPDATE shared_generations SET generation = generation + 1,
                 stamp = $3, changed_at = $2
             WHERE name = $1 RETURNING generation, stamp",
        )
        .await
        .map_err(&e)?;
    let r = c
        .query_one(&st, &[&name, &now.as_secs(), &new_stamp()?])
        .await
        .map_err(&e)?;
    version_of(name, r.get(0), r.get(1))
}

pub(super) async fn update_terminals(
    c: &mut deadpool_postgres::Client,
    decide: &mut dyn FnMut(&[TerminalRecord]) -> Vec<TerminalRecord>,
    now: UnixTime,
) -> Result<TerminalsUpdated, StorageError> {
    let e = pg("writing the terminals");
    let tx = c.transaction().await.map_err(&e)?;
    // The lock first, the rows in a statement of their own: under READ COMMITTED that
    // statement sees what the previous holder of the lock committed.
    lock_generation(&tx, TERMINALS_GENERATION).await?;
    let stored = terminals(&tx).await?;
    let writes = decide(&stored.terminals);
    if writes.is_empty() {
        tx.rollback().await.map_err(&e)?;
        return Ok(TerminalsUpdated {
            generation: stored.generation,
            written: 0,
        });
    }
    let st = tx
        .prepare_cached(
            "INSERT INTO terminals
                 (terminal_id, admin, enabled, managed_by, updated_at, certificate_sha256)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (terminal_id) DO UPDATE SET admin = excluded.admin,
                 enabled = excluded.enabled, managed_by = excluded.managed_by,
                 updated_at = excluded.updated_at,
                 certificate_sha256 = excluded.certificate_sha256",
        )
        .await
        .map_err(&e)?;
    for t in &writes {
        tx.execute(
            &st,
            &[
                &t.id,
                &t.admin,
                &t.enabled,
                &t.managed_by.as_str(),
                &t.updated_at.as_secs(),
                &t.certificate_sha256.as_ref().map(|h| h.as_slice()),
            ],
        )
        .await
        .map_err(&e)?;
    }
    let generation = bump(&tx, TERMINALS_GENERATION, now).await?.generation;
    tx.commit().await.map_err(&e)?;
    Ok(TerminalsUpdated {
        generation,
        written: writes.len(),
    })
}

pub(super) async fn crl_set(c: &impl GenericClient) -> Result<StoredCrlSet, StorageError> {
    let e = pg("reading the CRL set");
    let st = c
        .prepare_cached(
            "SELECT g.generation, f.name, f.sha256, f.der, g.changed_at, g.stamp
             FROM shared_generations g LEFT JOIN crl_files f ON TRUE
             WHERE g.name = $1 ORDER BY f.name",
        )
        .await
        .map_err(&e)?;
    let rows = c.query(&st, &[&CRLS_GENERATION]).await.map_err(&e)?;
    let mut version = Version::default();
    let mut changed_at = UnixTime::from_secs(0);
    let mut files = Vec::new();
    for r in rows {
        version = version_of(CRLS_GENERATION, r.get(0), r.get(5))?;
        changed_at = UnixTime::from_secs(r.get(4));
        let name: Option<String> = r.get(1);
        let sha: Option<Vec<u8>> = r.get(2);
        let der: Option<Vec<u8>> = r.get(3);
        if let (Some(name), Some(sha), Some(der)) = (name, sha, der) {
            files.push(crl_file_of(name, &sha, der)?);
        }
    }
    Ok(StoredCrlSet {
        generation: version.generation,
        stamp: version.stamp,
        changed_at,
        files,
    })
}

pub(super) async fn publish_crl_set(
    c: &mut deadpool_postgres::Client,
    files: &[CrlFile],
    when: Republish,
    over: Version,
    now: UnixTime,
) -> Result<CrlWrite, StorageError> {
    let e = pg("publishing the CRL set");
    let tx = c.transaction().await.map_err(&e)?;
    // Locked until the commit: a publication that committed before this lock was granted
    // shows here (under READ COMMITTED, `FOR UPDATE` returns the row's latest version), and
    // none can commit after it until this one ends.
    let (stored_version, changed_at) = lock_generation(&tx, CRLS_GENERATION).await?;
    let generation = stored_version.generation;
    if stored_version != over {
        tx.rollback().await.map_err(&e)?;
        return Ok(CrlWrite::Moved { generation });
    }
    let stored: Vec<(String, Vec<u8>)> = tx
        .query("SELECT name, sha256 FROM crl_files", &[])
        .await
        .map_err(&e)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    // Generation 0 is "never published": an empty set published first is a change.
    if when == Republish::IfChanged && generation > 0 && same_crl_set(&stored, files) {
        tx.rollback().await.map_err(&e)?;
        return Ok(CrlWrite::Done(CrlPublication {
            generation,
            stamp: stored_version.stamp,
            changed_at,
            changed: false,
        }));
    }
    tx.execute("DELETE FROM crl_files", &[]).await.map_err(&e)?;
    let st = tx
        .prepare_cached("INSERT INTO crl_files (name, sha256, der) VALUES ($1, $2, $3)")
        .await
        .map_err(&e)?;
    for f in files {
        tx.execute(&st, &[&f.name, &f.sha256.as_slice(), &f.der])
            .await
            .map_err(&e)?;
    }
    let version = bump(&tx, CRLS_GENERATION, now).await?;
    tx.commit().await.map_err(&e)?;
    Ok(CrlWrite::Done(CrlPublication {
        generation: version.generation,
        stamp: version.stamp,
        changed_at: now,
        changed: true,
    }))
}
