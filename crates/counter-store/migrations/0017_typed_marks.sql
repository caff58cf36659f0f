-- What a sale's last attempt met, typed (counter_core::payment::PaymentMark).
--
-- Two rules of the payment machine decided by the start of `last_error`, the text for
-- people: a sale whose every authorisation was answered "not now" (408, 429) had
-- 'not_taken: ' before its reason, and ends as not sent when the live drive gives up; a void
-- the acquirer refused as `invalid_payment_state` read 'invalid_payment_state (409)', and
-- is held for the background recovery. The mark now says so in its own column, set and
-- cleared with `last_error`, which stays for people (without the 'not_taken: ' start).
--
-- Rows of before get the mark their text gave: the same sales are settled or held as the
-- build that wrote them would have.
ALTER TABLE payments ADD COLUMN mark TEXT CHECK (mark IS NULL OR mark IN ('not_taken', 'cannot_cancel'));
UPDATE payments SET mark = 'not_taken', last_error = substr(last_error, length('not_taken: ') + 1)
    WHERE last_error LIKE 'not\_taken: %' ESCAPE '\';
UPDATE payments SET mark = 'cannot_cancel'
    WHERE last_error LIKE 'invalid\_payment\_state%' ESCAPE '\';

-- A re-check's result the retention purge kept says so (counter_core::eligibility::
-- RecheckShown::purged), so that the status bar tells staff its details went. Results
-- purged before are the ones it kept: a done, unconfirmed re-check whose request and
-- presented document are gone and whose result is a code alone, with no contradictions
-- (a re-check that found a contradiction always names it).
UPDATE rechecks SET result_json = json_set(result_json, '$.purged', json('true'))
    WHERE state = 'done' AND confirmed_at IS NULL
      AND presented_json IS NULL AND request_json IS NULL
      AND json_valid(result_json)
      AND json_extract(result_json, '$.code') IN ('recheck_contradiction', 'recheck_gave_up')
      AND json_array_length(result_json, '$.contradictions') = 0;
