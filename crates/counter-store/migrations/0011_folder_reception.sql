-- Migration 0011: the 受付番号 of a bulk submission in the folder ledger
-- (counter_core::folders::ledger::LedgerEntry::reception_number).
--
-- Set, on a row still 'received', once the insurer has accepted the OQSmuquc01req and
-- before its answer is written: a worker that could not write the answer answers with
-- this number on its next pass instead of submitting the patients again. Not personal
-- data: the insurer's number for the submission.
ALTER TABLE folder_requests ADD COLUMN reception_number TEXT;
