//! Durable counters: local sale ids, order references, slip-like numbers of our own.

use crate::error::{StoreError, sql, to_u64};
use crate::store::Store;

impl Store {
    /// The next value of counter `name`: 1 on first use, then one more than the last value
    /// returned, across restarts and power cuts (the increment is committed before the value
    /// is returned, so a value is never handed out twice; one may be skipped if the caller
    /// crashes before using it).
    pub fn next_sequence(&mut self, name: &str) -> Result<u64, StoreError> {
        const OP: &str = "advance a sequence";
        let tx = self.write()?;
        let value: i64 = tx
            .query_row(
                "INSERT INTO sequences (name, value) VALUES (?1, 1) \
                 ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
                [name],
                |row| row.get(0),
            )
            .map_err(sql(OP))?;
        tx.commit().map_err(sql(OP))?;
        to_u64("sequence value", value)
    }
}
