-- Schema 2: the re-check queue keeps everything its worker needs
-- (counter_core::eligibility::RecheckRequest), one row per check.
--
-- request_json holds the whole request (visit date, mode, what was presented): personal
-- details, so the retention purge nulls it as it nulls presented_json. reception_number is
-- the insurer's 受付番号 of a bulk submission not yet fetched (docs/domain/eligibility.md §2.6), kept
-- so that a worker that stops between submitting and fetching fetches, rather than
-- submits again. revision counts the requests queued for the check: a worker records its
-- outcome only against the revision it ran.

ALTER TABLE rechecks ADD COLUMN request_json TEXT;
ALTER TABLE rechecks ADD COLUMN reception_number TEXT;
ALTER TABLE rechecks ADD COLUMN revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1);

-- Schema 1 kept no request (no visit date, no mode): the worker cannot run those rows, so
-- they leave the queue, marked for staff to re-check by hand.
UPDATE rechecks
SET state = 'gave_up',
    last_error = 'queued before schema 2 without the request the worker needs; re-check by hand'
WHERE state = 'pending';

-- One row per check from now on (a new request replaces the old one, as the check's
-- record is replaced): of the rows schema 1 allowed for one check, the newest stays.
DELETE FROM rechecks
WHERE check_id IS NOT NULL
  AND EXISTS (
    SELECT 1 FROM rechecks AS newer
    WHERE newer.check_id = rechecks.check_id
      AND (newer.created_at > rechecks.created_at
           OR (newer.created_at = rechecks.created_at AND newer.rowid > rechecks.rowid))
  );
CREATE UNIQUE INDEX rechecks_by_check ON rechecks (check_id);
