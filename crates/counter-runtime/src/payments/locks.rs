//! One owner per sale: an async lock per sale id, so that the work on one sale's journal
//! row (its record and its refunds) runs in one task at a time.
//!
//! Without it a Recover pressed during a sale drove the live sale too, and a void racing a
//! refund rewrote the row from stale copies. Live work (a sale, a void, a
//! refund) waits for the lock; recovery only tries it, and leaves a sale whose lock is
//! held to its owner. The journal's compare-and-set ([`counter_store::Store::update_payment`])
//! is the second line: it catches a writer outside this process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// The locks of the sales being worked on (entries leave when nobody holds or waits).
#[derive(Clone, Debug, Default)]
pub(crate) struct SaleLocks {
    held: Arc<Mutex<HashMap<String, Arc<AsyncMutex<()>>>>>,
}

/// The right to work on one sale's journal row; released on drop.
#[derive(Debug)]
pub(crate) struct SaleGuard {
    id: String,
    locks: SaleLocks,
    guard: Option<OwnedMutexGuard<()>>,
}

impl SaleGuard {
    /// The sale it holds.
    pub(crate) fn sale(&self) -> &str {
        &self.id
    }
}

impl SaleLocks {
    fn map(&self) -> MutexGuard<'_, HashMap<String, Arc<AsyncMutex<()>>>> {
        // A panic while holding this map cannot leave it inconsistent (each operation is
        // one insert, lookup or remove), so a poisoned lock is used as it is.
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn entry(&self, id: &str) -> Arc<AsyncMutex<()>> {
        self.map().entry(id.to_owned()).or_default().clone()
    }

    /// Waits until sale `id` is free, then holds it.
    pub(crate) async fn lock(&self, id: &str) -> SaleGuard {
        let guard = self.entry(id).lock_owned().await;
        SaleGuard {
            id: id.to_owned(),
            locks: self.clone(),
            guard: Some(guard),
        }
    }

    /// Holds sale `id` if nobody does; `None` when another task works on it.
    pub(crate) fn try_lock(&self, id: &str) -> Option<SaleGuard> {
        let guard = self.entry(id).try_lock_owned().ok()?;
        Some(SaleGuard {
            id: id.to_owned(),
            locks: self.clone(),
            guard: Some(guard),
        })
    }

    /// Whether some task holds sale `id` (or waits for it).
    pub(crate) fn busy(&self, id: &str) -> bool {
        self.map().contains_key(id)
    }

    fn release(&self, id: &str, guard: OwnedMutexGuard<()>) {
        let mut map = self.map();
        drop(guard);
        // Only the map's reference left: nobody holds it or waits for it.
        if map.get(id).is_some_and(|m| Arc::strong_count(m) == 1) {
            map.remove(id);
        }
    }
}

impl Drop for SaleGuard {
    fn drop(&mut self) {
        if let Some(g) = self.guard.take() {
            self.locks.release(&self.id, g);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn one_owner_per_sale_others_wait_or_step_aside() {
        let locks = SaleLocks::default();
        let a = locks.lock("S-1").await;
        assert_eq!(a.sale(), "S-1");
        assert!(
            locks.try_lock("S-1").is_none(),
            "held: recovery steps aside"
        );
        assert!(locks.try_lock("S-2").is_some(), "another sale is free");
        let waiter = {
            let locks = locks.clone();
            tokio::spawn(async move { locks.lock("S-1").await.sale().to_owned() })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "the second owner waits");
        drop(a);
        assert_eq!(waiter.await.unwrap(), "S-1");
        assert!(!locks.busy("S-1"), "an entry leaves once nobody holds it");
        assert!(!locks.busy("S-2"));
    }
}
