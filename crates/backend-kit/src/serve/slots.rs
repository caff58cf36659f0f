//! Connection slots: the server-wide connection limit of one listener.
//!
//! Every accepted connection takes a [`Slot`] before anything else is done with it, and
//! gives it back when its task ends. At the limit, a newcomer takes the slot of the oldest
//! connection without a verified client certificate, which is told to close through its
//! [`Slot::evicted`] signal; when every slot belongs to a verified client the newcomer is
//! refused. So connections that never finish a handshake, or finish one without a
//! certificate and then idle, cannot keep a terminal out: it pushes the oldest of them out.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// How often the limit's warnings are logged at most (a flood would otherwise flood the
/// log too).
const WARN_EVERY: Duration = Duration::from_secs(10);

/// The slots of one listener.
#[derive(Debug)]
pub(crate) struct Slots {
    max: usize,
    table: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    /// Every connection holding a slot.
    live: HashSet<u64>,
    /// Those without a verified client certificate, oldest first, with their close signal.
    unverified: BTreeMap<u64, Arc<Notify>>,
    /// Connections closed to make room, and refused, since the last warning.
    evicted: u64,
    refused: u64,
    last_warning: Option<Instant>,
}

/// What [`Slots::admit`] decided.
pub(crate) enum Admission {
    /// The connection may proceed while it holds the slot.
    Admitted(Slot),
    /// Every slot belongs to a verified client: close the connection.
    Refused,
}

/// One connection's slot; given back on drop.
#[derive(Debug)]
pub(crate) struct Slot {
    id: u64,
    slots: Arc<Slots>,
    evicted: Arc<Notify>,
}

impl Slots {
    /// Slots for at most `max` connections (at least one).
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max: max.max(1),
            table: Mutex::new(Table::default()),
        })
    }

    /// Connections holding a slot now.
    pub(crate) fn open(&self) -> usize {
        self.lock().live.len()
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // Each operation leaves the table consistent; a panic elsewhere cannot break it.
        match self.table.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// A slot for a newly accepted connection, pushing out the oldest unverified one at the
    /// limit.
    pub(crate) fn admit(self: &Arc<Self>) -> Admission {
        let mut t = self.lock();
        if t.live.len() >= self.max {
            match t.unverified.pop_first() {
                Some((oldest, close)) => {
                    t.live.remove(&oldest);
                    close.notify_one();
                    t.evicted = t.evicted.saturating_add(1);
                }
                None => {
                    t.refused = t.refused.saturating_add(1);
                    self.warn(&mut t);
                    return Admission::Refused;
                }
            }
            self.warn(&mut t);
        }
        let id = t.next_id;
        t.next_id = t.next_id.wrapping_add(1);
        let evicted = Arc::new(Notify::new());
        t.live.insert(id);
        t.unverified.insert(id, evicted.clone());
        Admission::Admitted(Slot {
            id,
            slots: self.clone(),
            evicted,
        })
    }

    /// Logs what the limit did, at most once per [`WARN_EVERY`].
    fn warn(&self, t: &mut Table) {
        let now = Instant::now();
        if t.last_warning
            .is_some_and(|w| now.duration_since(w) < WARN_EVERY)
        {
            return;
        }
        tracing::warn!(
            max = self.max,
            closed_without_certificate = t.evicted,
            refused = t.refused,
            "connection limit reached: the oldest connections without a client certificate \
             were closed for new ones, and new connections refused while every slot had a \
             verified client"
        );
        t.last_warning = Some(now);
        (t.evicted, t.refused) = (0, 0);
    }
}

impl Slot {
    /// Resolves when this connection was pushed out to make room: close it.
    pub(crate) fn evicted(&self) -> Arc<Notify> {
        self.evicted.clone()
    }

    /// The connection presented a verified client certificate: it is no longer pushed out.
    /// False when it already was (close it then).
    pub(crate) fn verified(&self) -> bool {
        let mut t = self.slots.lock();
        t.unverified.remove(&self.id);
        t.live.contains(&self.id)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut t = self.slots.lock();
        t.live.remove(&self.id);
        t.unverified.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn admitted(a: Admission) -> Slot {
        match a {
            Admission::Admitted(s) => s,
            Admission::Refused => panic!("refused"),
        }
    }

    #[tokio::test]
    async fn the_oldest_unverified_connection_makes_room_and_verified_ones_stay() {
        let slots = Slots::new(3);
        let verified = admitted(slots.admit());
        assert!(verified.verified());
        let old = admitted(slots.admit());
        let young = admitted(slots.admit());
        assert_eq!(slots.open(), 3);
        // Full: the newcomer pushes out `old`, not the verified one, nor `young`.
        let newcomer = admitted(slots.admit());
        assert_eq!(slots.open(), 3);
        tokio::time::timeout(Duration::from_secs(1), old.evicted().notified())
            .await
            .unwrap();
        assert!(!old.verified(), "an evicted connection stays evicted");
        drop(old);
        assert_eq!(slots.open(), 3);
        assert!(young.verified() && newcomer.verified());
        // Every slot verified: refused.
        assert!(matches!(slots.admit(), Admission::Refused));
        drop(young);
        assert_eq!(slots.open(), 2);
        assert!(matches!(slots.admit(), Admission::Admitted(_)));
        drop(verified);
    }
}
