-- When staff confirmed a finished re-check (counter_core::eligibility::recheck_outcome).
--
-- A re-check that contradicts what the patient presented (the share charged may be wrong,
-- or the record is another person's) or that was given up was told to staff only as a
-- passing notice naming no check. From this schema the status bar lists every such
-- re-check, read from here, until staff confirm it: `confirmed_at` (Unix seconds) is set
-- then (the audit trail has the staff's line). A new request for the check (the queue's
-- one row per check, replaced) clears it: its outcome is news again.
--
-- Rows finished before this schema were never confirmed by anyone (nobody could find them),
-- so they stay NULL and are listed once: the contradicted ones and those given up,
-- including schema 1's rows that the worker could not run ("re-check by hand"). A re-check
-- that confirmed what was presented is never listed, whatever its mark.
ALTER TABLE rechecks ADD COLUMN confirmed_at INTEGER CHECK (confirmed_at IS NULL OR confirmed_at >= 0);
CREATE INDEX rechecks_unconfirmed ON rechecks (created_at)
    WHERE confirmed_at IS NULL AND state <> 'pending';
