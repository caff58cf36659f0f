//! The SQLite storage's part that nodes keep a snapshot of: the generation numbers, the
//! terminals and the published CRL set. Every change is an IMMEDIATE transaction that
//! writes and bumps the generation together, so a node reading the generation and then the
//! rows (in one statement) never sees one without the other.

use madoguchi_time::UnixTime;
use rusqlite::{Connection, TransactionBehavior, params};

use super::{
    CRLS_GENERATION, CrlFile, CrlPublication, CrlWrite, Generations, Republish, StorageError,
    StoredCrlSet, StoredTerminals, TERMINALS_GENERATION, TerminalsUpdated, Version, crl_file_of,
    generation_of, generations_of, new_stamp, same_crl_set, terminal_of, version_of,
};
use crate::core::terminals::TerminalRecord;

type Err<'a> = &'a dyn Fn(rusqlite::Error) -> StorageError;

pub(super) fn generations(c: &Connection, e: Err<'_>) -> Result<Generations, StorageError> {
    let rows: Vec<(String, i64, i64, i64)> = c
        .prepare_cached("SELECT name, generation, stamp, changed_at FROM shared_generations")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(e)?;
    generations_of(rows)
}

/// Every terminal row, with the generation, in one statement (one snapshot).
fn read_terminals(c: &Connection, e: Err<'_>) -> Result<StoredTerminals, StorageError> {
    type Row = (
        i64,
        i64,
        Option<String>,
        Option<bool>,
        Option<bool>,
        Option<String>,
        Option<Vec<u8>>,
        Option<UnixTime>,
    );
    let rows: Vec<Row> = c
        .prepare_cached(
            "SELECT g.generation, g.stamp, t.terminal_id, t.admin, t.enabled, t.managed_by,
                 t.certificate_sha256, t.updated_at
             FROM shared_generations g LEFT JOIN terminals t ON 1
             WHERE g.name = ?1 ORDER BY t.terminal_id",
        )
        .and_then(|mut s| {
            s.query_map(params![TERMINALS_GENERATION], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()
        })
        .map_err(e)?;
    let mut version = Version::default();
    let mut terminals = Vec::new();
    for (g, stamp, id, admin, enabled, by, sha256, at) in rows {
        version = version_of(TERMINALS_GENERATION, g, stamp)?;
        if let (Some(id), Some(admin), Some(enabled), Some(by), Some(at)) =
            (id, admin, enabled, by, at)
        {
            terminals.push(terminal_of(id, admin, enabled, &by, sha256.as_deref(), at)?);
        }
    }
    Ok(StoredTerminals {
        generation: version.generation,
        stamp: version.stamp,
        terminals,
    })
}

pub(super) fn terminals(c: &Connection, e: Err<'_>) -> Result<StoredTerminals, StorageError> {
    read_terminals(c, e)
}

/// Bumps generation `name` in the transaction `c`, with a new random stamp ([`new_stamp`],
/// as on PostgreSQL); returns the new version.
fn bump(c: &Connection, name: &str, now: UnixTime, e: Err<'_>) -> Result<Version, StorageError> {
    let stamp = new_stamp()?;
    let (g, stamp): (i64, i64) = c
        .prepare_cached(
            "UPDATE shared_generations
             SET generation = generation + 1, stamp = ?3, changed_at = ?2
             WHERE name = ?1 RETURNING generation, stamp",
        )
        .and_then(|mut s| s.query_row(params![name, now, stamp], |r| Ok((r.get(0)?, r.get(1)?))))
        .map_err(e)?;
    version_of(name, g, stamp)
}

pub(super) fn update_terminals(
    c: &mut Connection,
    decide: &mut dyn FnMut(&[TerminalRecord]) -> Vec<TerminalRecord>,
    now: UnixTime,
    e: Err<'_>,
) -> Result<TerminalsUpdated, StorageError> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(e)?;
    let stored = read_terminals(&tx, e)?;
    let writes = decide(&stored.terminals);
    if writes.is_empty() {
        return Ok(TerminalsUpdated {
            generation: stored.generation,
            written: 0,
        });
    }
    for t in &writes {
        tx.prepare_cached(
            "INSERT INTO terminals
                 (terminal_id, admin, enabled, managed_by, updated_at, certificate_sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (terminal_id) DO UPDATE SET admin = excluded.admin,
                 enabled = excluded.enabled, managed_by = excluded.managed_by,
                 updated_at = excluded.updated_at,
                 certificate_sha256 = excluded.certificate_sha256",
        )
        .and_then(|mut s| {
            s.execute(params![
                t.id,
                t.admin,
                t.enabled,
                t.managed_by.as_str(),
                t.updated_at,
                t.certificate_sha256.as_ref().map(|h| h.as_slice()),
            ])
        })
        .map_err(e)?;
    }
    let generation = bump(&tx, TERMINALS_GENERATION, now, e)?.generation;
    tx.commit().map_err(e)?;
    Ok(TerminalsUpdated {
        generation,
        written: writes.len(),
    })
}

pub(super) fn crl_set(c: &mut Connection, e: Err<'_>) -> Result<StoredCrlSet, StorageError> {
    // A read transaction: the generation and the files of one snapshot.
    let tx = c.transaction().map_err(e)?;
    let (g, stamp, changed_at) = crl_generation(&tx, e)?;
    let rows: Vec<(String, Vec<u8>, Vec<u8>)> = tx
        .prepare_cached("SELECT name, sha256, der FROM crl_files ORDER BY name")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(e)?;
    tx.commit().map_err(e)?;
    let files = rows
        .into_iter()
        .map(|(name, sha, der)| crl_file_of(name, &sha, der))
        .collect::<Result<_, _>>()?;
    Ok(StoredCrlSet {
        generation: generation_of(CRLS_GENERATION, g)?,
        stamp,
        changed_at,
        files,
    })
}

/// The CRLs' generation number (as stored), its stamp and when it was written.
fn crl_generation(c: &Connection, e: Err<'_>) -> Result<(i64, i64, UnixTime), StorageError> {
    c.prepare_cached("SELECT generation, stamp, changed_at FROM shared_generations WHERE name = ?1")
        .and_then(|mut s| {
            s.query_row(params![CRLS_GENERATION], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
        })
        .map_err(e)
}

pub(super) fn publish_crl_set(
    c: &mut Connection,
    files: &[CrlFile],
    when: Republish,
    over: Version,
    now: UnixTime,
    e: Err<'_>,
) -> Result<CrlWrite, StorageError> {
    // IMMEDIATE: the write lock first, so the generation read here is the one this
    // transaction replaces (no other publication can commit in between).
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(e)?;
    let (g, stamp, changed_at) = crl_generation(&tx, e)?;
    let stored_version = version_of(CRLS_GENERATION, g, stamp)?;
    let generation = stored_version.generation;
    if stored_version != over {
        return Ok(CrlWrite::Moved { generation });
    }
    let stored: Vec<(String, Vec<u8>)> = tx
        .prepare_cached("SELECT name, sha256 FROM crl_files")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(e)?;
    // Generation 0 is "never published": an empty set published first is a change.
    if when == Republish::IfChanged && generation > 0 && same_crl_set(&stored, files) {
        return Ok(CrlWrite::Done(CrlPublication {
            generation,
            stamp,
            changed_at,
            changed: false,
        }));
    }
    tx.execute("DELETE FROM crl_files", []).map_err(e)?;
    for f in files {
        tx.prepare_cached("INSERT INTO crl_files (name, sha256, der) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![f.name, f.sha256.as_slice(), f.der]))
            .map_err(e)?;
    }
    let version = bump(&tx, CRLS_GENERATION, now, e)?;
    tx.commit().map_err(e)?;
    Ok(CrlWrite::Done(CrlPublication {
        generation: version.generation,
        stamp: version.stamp,
        changed_at: now,
        changed: true,
    }))
}
