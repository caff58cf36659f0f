//! Masked APDU tracing at `TRACE` level, through `jpki_card::TraceLine`:
//! VERIFY data shows as `**`, response data is shortened. Raw APDU bytes are
//! never logged (a VERIFY carries the PIN in clear).

use jpki_card::{TraceLine, TransportError};

/// The `tracing` target of APDU traces.
const TARGET: &str = "jpki_card_pcsc::apdu";

/// Logs one exchange at `TRACE` level.
pub(crate) fn exchange(reader: &str, command: &[u8], response: &Result<Vec<u8>, TransportError>) {
    if !tracing::enabled!(target: TARGET, tracing::Level::TRACE) {
        return;
    }
    tracing::trace!(target: TARGET, reader, "> {}", TraceLine::command(command).hex());
    match response {
        Ok(r) => tracing::trace!(target: TARGET, reader, "< {}", TraceLine::response(r).hex()),
        Err(e) => tracing::trace!(target: TARGET, reader, "# transport error: {e}"),
    }
}

/// Logs one PIN-pad verification at `TRACE` level (the structure carries
/// placeholders, not the PIN; its APDU template is masked all the same).
pub(crate) fn pin_pad(reader: &str, structure: &[u8], reply: &Result<[u8; 2], TransportError>) {
    if !tracing::enabled!(target: TARGET, tracing::Level::TRACE) {
        return;
    }
    tracing::trace!(target: TARGET, reader, "> PIN pad {}", TraceLine::pin_pad(structure).hex());
    match reply {
        Ok(sw) => tracing::trace!(target: TARGET, reader, "< {}", TraceLine::response(sw).hex()),
        Err(e) => tracing::trace!(target: TARGET, reader, "# transport error: {e}"),
    }
}
