//! Masked APDU tracing at `TRACE` level.
//!
//! Raw APDU bytes are never logged: a VERIFY carries the PIN in clear. Until
//! `jpki_card::apdu::TraceLine` is available, a trace line shows only the
//! command header, the lengths and the status word, never data.

use jpki_card::TransportError;

/// Logs one exchange at `TRACE` level on the target `jpki_card_pcsc::apdu`.
pub(crate) fn exchange(reader: &str, command: &[u8], response: &Result<Vec<u8>, TransportError>) {
    if !tracing::enabled!(target: "jpki_card_pcsc::apdu", tracing::Level::TRACE) {
        return;
    }
    let header = match command {
        [cla, ins, p1, p2, rest @ ..] => {
            format!(
                "{cla:02X} {ins:02X} {p1:02X} {p2:02X} +{} bytes",
                rest.len()
            )
        }
        _ => format!("({} bytes)", command.len()),
    };
    match response {
        Ok(r) if r.len() >= 2 => {
            let sw = &r[r.len() - 2..];
            tracing::trace!(target: "jpki_card_pcsc::apdu", reader, "> {header} < {} bytes SW {:02X}{:02X}", r.len() - 2, sw[0], sw[1]);
        }
        Ok(r) => {
            tracing::trace!(target: "jpki_card_pcsc::apdu", reader, "> {header} < {} bytes (no SW)", r.len());
        }
        Err(e) => {
            tracing::trace!(target: "jpki_card_pcsc::apdu", reader, "> {header} < error: {e}")
        }
    }
}
