-- Schema 3: every journal row of a sale or a refund has a version, raised by each write.
--
-- A write names the version it read and succeeds only while the row still has it
-- (compare-and-set), so two tasks working on one sale can never overwrite each other's
-- transitions: the second is told the row changed, re-reads it and decides again. The
-- version changes with every write, the state included, so comparing it compares the
-- state too. Rows written before schema 3 start at version 0.
ALTER TABLE payments ADD COLUMN version INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0);
ALTER TABLE refunds ADD COLUMN version INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0);
