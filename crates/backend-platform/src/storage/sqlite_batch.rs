//! Group commit for the SQLite storage's hot writes (a challenge issued, an answer
//! settled): the steps that callers ask for at the same time run in **one** IMMEDIATE
//! transaction and are answered after its commit.
//!
//! Why: a SQLite commit in WAL mode writes every page the transaction changed to the log,
//! two `pwrite`s a page, and a step changes four to six pages (the challenge's row and
//! indexes, the audit row and its index), several of them its neighbours' (the rightmost
//! leaves of the audit and its time index), and takes and gives back the file's locks
//! (`fcntl`). Under load the commits were most of the storage's CPU; one commit for several
//! steps writes each shared page and takes each lock once.
//!
//! Nothing is weakened: a step's answer is given only after the commit that holds its
//! changes (an error of the commit is every step's error, and nothing of them is kept);
//! steps run one after the other inside the transaction, so each sees what the earlier ones
//! wrote (a quota counted, a challenge taken once); the transaction is IMMEDIATE, as before,
//! so other processes sharing the file are serialised with it; and a step that fails (an
//! error, not a refusal: a refusal is an answer) rolls the whole transaction back, after
//! which every step of it runs again in a transaction of its own, so that a failed step
//! changes nothing and takes no other step with it. (No savepoint per step: SQLite keeps a
//! copy of every page a savepoint changes, for nothing in the usual case.)
//!
//! How: a caller queues its step, then takes the connection's lock. Whoever holds the lock
//! runs the queued steps from the head (its own among them, unless an earlier holder already
//! did) in one transaction and hands each its answer. A caller that gets the lock and finds
//! its answer there returns it at once. No thread of its own, so no hand-off when nothing
//! else waits.

use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, TransactionBehavior};

use super::StorageError;

/// Steps run in one transaction at most: a bound on the transaction's length (and on the
/// wait of the step queued first). The rest wait for the next holder of the lock.
const MOST_PER_TRANSACTION: usize = 64;

/// A queued step, its answer, and where its caller waits for it.
trait Queued: Send {
    /// Runs the step's statements in the transaction on `c`, keeping its answer; false when
    /// it failed (the transaction must be rolled back).
    fn run(&mut self, c: &Connection) -> bool;
    /// Hands the caller the kept answer, or, if the transaction did not commit (`Err`) and
    /// the step had succeeded, that error.
    fn deliver(self: Box<Self>, committed: Result<(), &rusqlite::Error>);
}

struct Pending<S, F, R, E> {
    step: S,
    err: F,
    answer: Option<Result<R, E>>,
    slot: Arc<Mutex<Option<Result<R, E>>>>,
}

impl<S, F, R, E> Queued for Pending<S, F, R, E>
where
    S: Fn(&Connection) -> Result<R, E> + Send,
    F: Fn(rusqlite::Error) -> E + Send,
    R: Send,
    E: Send,
{
    fn run(&mut self, c: &Connection) -> bool {
        let answer = (self.step)(c);
        let ok = answer.is_ok();
        self.answer = Some(answer);
        ok
    }

    fn deliver(self: Box<Self>, committed: Result<(), &rusqlite::Error>) {
        let answer = match (self.answer, committed) {
            (Some(Ok(r)), Ok(())) => Ok(r),
            (Some(Err(e)), _) => Err(e),
            // Rolled back (or never begun): whatever the step did is gone.
            (_, Err(e)) => Err((self.err)(again(e))),
            (None, Ok(())) => Err((self.err)(not_run())),
        };
        *lock(&self.slot) = Some(answer);
    }
}

/// The queue of steps waiting for a transaction.
#[derive(Default)]
pub(super) struct Batches {
    queue: Mutex<Vec<Box<dyn Queued>>>,
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
fn again(e: &rusqlite::Error) -> rusqlite::Error {
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

/// The error of a step delivered without having run (which [`Batches::run_queued`] never
/// does).
fn not_run() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISUSE),
        Some("a queued step was not run".into()),
    )
}

impl Batches {
    /// Runs `step` in a transaction on `conn` shared with the other callers' steps, and
    /// returns its answer once that transaction is committed. `step` may run twice (the
    /// first time rolled back, see the module doc), so it is `Fn`; an `Err` from it is a
    /// failure whose changes are rolled back (a refusal it decides is an `Ok`). `err` makes
    /// the step's error of a failed `BEGIN` or commit.
    pub(super) fn run<R, E>(
        &self,
        conn: &Mutex<Connection>,
        step: impl Fn(&Connection) -> Result<R, E> + Send + 'static,
        err: impl Fn(rusqlite::Error) -> E + Send + 'static,
    ) -> Result<R, E>
    where
        R: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        let slot: Arc<Mutex<Option<Result<R, E>>>> = Arc::default();
        lock(&self.queue).push(Box::new(Pending {
            step,
            err,
            answer: None,
            slot: slot.clone(),
        }));
        let mut c = lock(conn);
        loop {
            if let Some(done) = lock(&slot).take() {
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
        let mut steps: Vec<Box<dyn Queued>> = {
            let mut q = lock(&self.queue);
            let n = q.len().min(MOST_PER_TRANSACTION);
            q.drain(..n).collect()
        };
        if steps.is_empty() {
            return false;
        }
        if steps.len() == 1 {
            for step in steps {
                run_alone(c, step);
            }
            return true;
        }
        let tx = match c.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                for step in steps {
                    step.deliver(Err(&e));
                }
                return true;
            }
        };
        if steps.iter_mut().all(|step| step.run(&tx)) {
            let committed = tx.commit();
            for step in steps {
                step.deliver(committed.as_ref().map(|_| ()));
            }
        } else {
            // Rolled back (dropped); each step again on its own.
            drop(tx);
            for step in steps {
                run_alone(c, step);
            }
        }
        true
    }
}

/// Runs `step` in a transaction of its own: committed if it succeeds, rolled back if not.
fn run_alone(c: &mut Connection, mut step: Box<dyn Queued>) {
    let tx = match c.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return step.deliver(Err(&e)),
    };
    if step.run(&tx) {
        let committed = tx.commit();
        step.deliver(committed.as_ref().map(|_| ()));
    } else {
        // Rolled back (dropped); the step's answer is its error.
        drop(tx);
        step.deliver(Ok(()));
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
    /// that fails after writing leaves nothing (its transaction is rolled back, and the
    /// others run again on their own), the others are kept, each saw its predecessors' rows,
    /// and every caller gets its own answer.
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
                                // Written, then failed: the row goes with the rollback.
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

    /// Steps queued together commit together: from another connection, none of them sees
    /// a row of the others before the commit.
    #[test]
    fn steps_queued_together_commit_together() {
        let (_dir, path, conn) = db();
        let (batches, conn) = (Arc::new(Batches::default()), Arc::new(conn));
        let held = lock(&conn);
        let handles: Vec<_> = (0..4i64)
            .map(|i| {
                let (batches, conn, path) = (batches.clone(), conn.clone(), path.clone());
                std::thread::spawn(move || {
                    batches.run(
                        &conn,
                        move |c| {
                            c.execute("INSERT INTO t (x) VALUES (?1)", [i])
                                .map_err(err)?;
                            let outside = Connection::open(&path).map_err(err)?;
                            outside
                                .query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
                                .map_err(err)
                        },
                        err,
                    )
                })
            })
            .collect();
        while lock(&batches.queue).len() < 4 {
            std::thread::yield_now();
        }
        drop(held);
        for h in handles {
            assert_eq!(h.join().unwrap().unwrap(), 0, "a step saw a committed row");
        }
        assert_eq!(rows(&conn), [0, 1, 2, 3]);
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
