//! [`UnixTime`] in SQLite (feature `rusqlite`): an INTEGER of seconds, exactly the `i64` the
//! columns held before the type existed, so no schema or stored value changes. Reading
//! anything but an integer is a type error, as it was for an `i64`.

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::UnixTime;

impl ToSql for UnixTime {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_secs()))
    }
}

impl FromSql for UnixTime {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(Self::from_secs)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use rusqlite::Connection;

    use crate::UnixTime;

    #[test]
    fn an_integer_column_of_seconds() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t (at INTEGER NOT NULL) STRICT")
            .unwrap();
        let t = UnixTime::from_secs(1_795_532_400);
        c.execute("INSERT INTO t (at) VALUES (?1)", [t]).unwrap();
        let (kind, raw, back): (String, i64, UnixTime) = c
            .query_row("SELECT typeof(at), at, at FROM t", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!((kind.as_str(), raw, back), ("integer", 1_795_532_400, t));
        let text: rusqlite::Result<UnixTime> = c.query_row("SELECT 'x'", [], |r| r.get(0));
        assert!(text.is_err());
    }
}
