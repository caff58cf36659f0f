-- Migration 0012: whether a folder request was a second request under its name, recorded when it
-- was received (counter_core::folders::ledger::LedgerEntry::duplicate).
--
-- 1: another content had been received under the name before it, so it is answered with
-- an error under <stem>.err (MDGF0009); 0: the first. Recorded rather than derived from
-- the rows' order by received_at, which a clock set back would turn round. NULL on rows
-- from before this column; the core then falls back to that order.
ALTER TABLE folder_requests ADD COLUMN duplicate INTEGER CHECK (duplicate IN (0, 1));
