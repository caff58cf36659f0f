//! Group commit for the SQLite storage's hot writes (a challenge issued, an answer
//! settled): the steps that callers ask for at the same time run in **one** IMMEDIATE
//! transaction, each in a savepoint of its own, and are answered after its commit.
//!
//! Why: a SQLite commit in WAL mode writes every page the transaction changed to the log,
//! two `pwrite`s a page, and a step changes four to six pages (the challenge's row and
//! indexes, the audit row and its index), many of them the same pages as its neighbours'
//! (the rightmost leaves of the audit and its time index). Under load the commits were most
//! of the storage's CPU; one commit for several steps writes each shared page once.
//!
//! Nothing is weakened: a step's answer is given only after the commit that holds its
//! changes (an error of the commit is every step's error, and nothing of them is kept);
//! a step that fails rolls back to its savepoint, so it changes nothing and its neighbours
//! are unaffected; steps run one after the other inside the transaction, so each sees what
//! the earlier ones wrote (a quota counted, a challenge taken once); and the transaction is
//! IMMEDIATE, as before, so other processes sharing the file are serialised with it.
//!
//! How: a caller queues its step, then takes the connection's lock. Whoever holds the lock
//! runs every queued step (its own among them, unless an earlier holder already did) in one
//! transaction and hands each its answer. A caller that gets the lock and finds its answer
//! there returns it at once. No thread of its own, so no hand-off when nothing else waits.

use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, TransactionBehavior};

use super::StorageError;

/// Steps run in one transaction at most: a bound on the transaction's length (and on the
/// wait of the step queued first). The rest wait for the next holder of the lock.
const MOST_PER_TRANSACTION: usize = 64;

/// What a step hands back once run: given the commit's outcome, it delivers the step's
/// answer.
type Delivery = Box<dyn FnOnce(Result<(), &rusqlite::Error>) + Send>;

/// Runs a step's statements: its delivery, and whether its savepoint statements worked.
type Run = Box<dyn FnOnce(&Connection) -> (Delivery, bool) + Send>;

/// A queued step: `run` runs its statements and returns its delivery, and whether its
/// savepoint statements worked (if not, the transaction's state is unknown and the batch is
/// rolled back); `refuse` answers it with an error without running it (the transaction
/// could not begin).
struct Step {
    run: Run,
    refuse: Box<dyn FnOnce(&rusqlite::Error) + Send>,
}

/// The queue of steps waiting for a transaction.
#[derive(Default)]
pub(super) struct Batches {
    queue: Mutex<Vec<Step>>,
}

impl std::fmt::Debug for Batches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batches")
            .field("queued", &lock(&self.queue).len())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        // The queue and the answer slots hold no invariant a panic could break, and a
        // panic while holding the connection cannot leave SQLite inconsistent
        // (transactions roll back on drop).
        Err(p) => p.into_inner(),
    }
}

/// `e` again (the same code and message), for each step of a batch that failed with it.
pub(super) fn again(e: &rusqlite::Error) -> rusqlite::Error {
    match e {
        rusqlite::Error::SqliteFailure(code, message) => {
            rusqlite::Error::SqliteFailure(*code, message.clone())
        }
        other => rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}

impl Batches {
    /// Runs `step` in a transaction on `conn` (shared with the other callers' steps), in a
    /// savepoint of its own; returns its answer once the transaction is committed. `err`
    /// makes the step's error of a failed savepoint, `BEGIN` or commit.
    pub(super) fn run<R, E, F>(
        &self,
        conn: &Mutex<Connection>,
        step: impl FnOnce(&Connection) -> Result<R, E> + Send + 'static,
        err: F,
    ) -> Result<R, E>
    where
        R: Send + 'static,
        E: From<StorageError> + Send + 'static,
        F: Fn(rusqlite::Error) -> E + Clone + Send + 'static,
    {
        let answer: Arc<Mutex<Option<Result<R, E>>>> = Arc::default();
        let (slot, refused) = (answer.clone(), answer.clone());
        let (err_run, err_refuse) = (err.clone(), err);
        lock(&self.queue).push(Step {
            run: Box::new(move |c: &Connection| {
                let (result, intact) = in_savepoint(c, step, &err_run);
                let delivery: Delivery =
                    Box::new(move |committed: Result<(), &rusqlite::Error>| {
                        let result = match committed {
                            Ok(()) => result,
                            // Rolled back with the transaction: what the step did is gone.
                            Err(e) => Err(err_run(again(e))),
                        };
                        *lock(&slot) = Some(result);
                    });
                (delivery, intact)
            }),
            refuse: Box::new(move |e: &rusqlite::Error| {
                *lock(&refused) = Some(Err(err_refuse(again(e))));
            }),
        });
        let mut c = lock(conn);
        loop {
            if let Some(done) = lock(&answer).take() {
                return done;
            }
            // Ours is queued (it was before we took the lock) and not run yet: run the queue
            // from its head, until ours is among the steps run.
            if !self.run_queued(&mut c) {
                return Err(StorageError::Corrupt {
                    what: "write batch",
                    detail: "a queued step was lost".into(),
                }
                .into());
            }
        }
    }

    /// Runs the queued steps in one transaction (the caller holds the connection's lock);
    /// false when there was none.
    fn run_queued(&self, c: &mut Connection) -> bool {
        let steps: Vec<Step> = {
            let mut q = lock(&self.queue);
            let n = q.len().min(MOST_PER_TRANSACTION);
            q.drain(..n).collect()
        };
        if steps.is_empty() {
            return false;
        }
        let tx = match c.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                for step in steps {
                    (step.refuse)(&e);
                }
                return true;
            }
        };
        let mut intact = true;
        let deliveries: Vec<Delivery> = steps
            .into_iter()
            .map(|step| {
                let (delivery, ok) = (step.run)(&tx);
                intact &= ok;
                delivery
            })
            .collect();
        let committed = if intact {
            tx.commit()
        } else {
            // A savepoint could not be released or rolled back to: the transaction may hold
            // a failed step's changes, so none is kept (dropping it rolls it back).
            drop(tx);
            Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
                Some("a step's savepoint failed; the whole batch was rolled back".into()),
            ))
        };
        for d in deliveries {
            d(committed.as_ref().map(|_| ()));
        }
        true
    }
}

/// Runs `step` in a savepoint: kept if it succeeds, rolled back (changing nothing) if not.
/// The flag says whether the savepoint's own statements worked.
fn in_savepoint<R, E>(
    c: &Connection,
    step: impl FnOnce(&Connection) -> Result<R, E>,
    err: &impl Fn(rusqlite::Error) -> E,
) -> (Result<R, E>, bool) {
    let sql = |s: &str| -> rusqlite::Result<()> {
        c.prepare_cached(s)
            .and_then(|mut st| st.execute([]).map(|_| ()))
    };
    if let Err(e) = sql("SAVEPOINT step") {
        return (Err(err(e)), true);
    }
    let result = step(c);
    let closed = match &result {
        Ok(_) => sql("RELEASE step"),
        Err(_) => sql("ROLLBACK TO step").and_then(|()| sql("RELEASE step")),
    };
    match closed {
        Ok(()) => (result, true),
        Err(e) => (Err(err(e)), false),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn db() -> (tempfile::TempDir, std::path::PathBuf, Mutex<Connection>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite");
        let c = Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER UNIQUE NOT NULL);")
            .unwrap();
        (dir, path, Mutex::new(c))
    }

    fn err(e: rusqlite::Error) -> StorageError {
        StorageError::Corrupt {
            what: "test",
            detail: e.to_string(),
        }
    }

    fn rows(c: &Mutex<Connection>) -> Vec<i64> {
        let c = lock(c);
        let mut st = c.prepare("SELECT x FROM t ORDER BY x").unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// Eight steps queued while the connection is held run together once it is free; the one
    /// that fails after writing leaves nothing, the others are kept, each sees its
    /// predecessors' rows, and every caller gets its own answer.
    #[test]
    fn queued_steps_run_together_and_a_failed_one_changes_nothing() {
        let (_dir, _path, conn) = db();
        let (batches, conn) = (Arc::new(Batches::default()), Arc::new(conn));
        let held = lock(&conn);
        let handles: Vec<_> = (0..8i64)
            .map(|i| {
                let (batches, conn) = (batches.clone(), conn.clone());
                std::thread::spawn(move || {
                    batches.run(
                        &conn,
                        move |c| {
                            c.execute("INSERT INTO t (x) VALUES (?1)", [i * 10])
                                .map_err(err)?;
                            if i == 3 {
                                // Written, then failed: the savepoint takes the row back.
                                c.execute("INSERT INTO missing (x) VALUES (0)", [])
                                    .map_err(err)?;
                            }
                            let seen: i64 = c
                                .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
                                .map_err(err)?;
                            Ok::<_, StorageError>((i, seen, c.is_autocommit()))
                        },
                        err,
                    )
                })
            })
            .collect();
        while lock(&batches.queue).len() < 8 {
            std::thread::yield_now();
        }
        drop(held);
        let answers: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let mut seen = Vec::new();
        for (i, a) in answers.into_iter().enumerate() {
            match a {
                Ok((j, n, autocommit)) => {
                    assert_eq!(i as i64, j);
                    assert!(!autocommit, "step {i} ran outside a transaction");
                    seen.push(n);
                }
                Err(e) => assert_eq!(i, 3, "{e}"),
            }
        }
        seen.sort_unstable();
        assert_eq!(seen, [1, 2, 3, 4, 5, 6, 7], "each saw its predecessors");
        assert_eq!(rows(&conn), [0, 10, 20, 40, 50, 60, 70]);
    }

    #[test]
    fn a_transaction_that_cannot_begin_answers_every_step_with_its_error() {
        let (_dir, path, conn) = db();
        lock(&conn).busy_timeout(std::time::Duration::ZERO).unwrap();
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let batches = Batches::default();
        let r = batches.run(
            &conn,
            |c| c.execute("INSERT INTO t (x) VALUES (1)", []).map_err(err),
            err,
        );
        assert!(matches!(r, Err(StorageError::Corrupt { .. })), "{r:?}");
        other.execute_batch("ROLLBACK").unwrap();
        assert_eq!(rows(&conn), Vec::<i64>::new());
        // The queue is empty and the next step goes through.
        assert_eq!(
            batches
                .run(
                    &conn,
                    |c| c.execute("INSERT INTO t (x) VALUES (2)", []).map_err(err),
                    err,
                )
                .unwrap(),
            1
        );
        assert_eq!(rows(&conn), [2]);
    }
}
