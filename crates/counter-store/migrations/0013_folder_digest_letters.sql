-- Migration 0013: folder request digests in letters (counter_core::letters), not hex.
--
-- A SHA-256 in hex holds, now and then, 13 to 19 decimal digits in a row that pass the Luhn
-- check, and a card number scan of the terminal's disk reports them as a card number. The
-- same 256 bits are now written with a to p for the hex digits 0 to f. Rows from before are
-- rewritten the same way, so a request received before the upgrade is still recognised by
-- its content (a bulk submission is not sent to the insurer again). The letters a-f are
-- moved first (to k-p), then the digits (to a-j): no letter is moved twice.
UPDATE folder_requests SET digest =
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
    replace(replace(replace(replace(replace(replace(digest,
        'a', 'k'), 'b', 'l'), 'c', 'm'), 'd', 'n'), 'e', 'o'), 'f', 'p'),
        '0', 'a'), '1', 'b'), '2', 'c'), '3', 'd'), '4', 'e'), '5', 'f'), '6', 'g'),
        '7', 'h'), '8', 'i'), '9', 'j');
