//! Terminal settings: plain string keys and values (no secrets: credentials live in the
//! operating system's key store, never here).

use rusqlite::OptionalExtension;

use crate::error::{StoreError, sql};
use crate::store::Store;

impl Store {
    /// The value of setting `key`, if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
            .map_err(sql("read a setting"))
    }

    /// Sets `key` to `value`, replacing any previous value.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        const OP: &str = "write a setting";
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )
        .map_err(sql(OP))?;
        tx.commit().map_err(sql(OP))
    }
}
