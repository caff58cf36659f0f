-- Migration 0014: when the insurer accepted a folder bulk submission
-- (counter_core::folders::ledger::LedgerEntry::reception_at), recorded with its 受付番号.
--
-- The answer's ReceptionDateTime is the time the insurer received the submission, so a pass
-- that answers with the number an earlier pass recorded writes this time, not its own. Rows
-- that have a number from before this column get the time their request was received: the
-- nearest time the ledger holds (the submission came after it, in the same pass unless the
-- worker stopped between the two). Not personal data: a time.
ALTER TABLE folder_requests ADD COLUMN reception_at INTEGER;
UPDATE folder_requests SET reception_at = received_at WHERE reception_number IS NOT NULL;
