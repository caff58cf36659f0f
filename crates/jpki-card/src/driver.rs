//! The blocking driver: runs a [`Flow`] over a [`CardTransport`] and powers
//! the card down on every exit (docs/domain/jpki.md §1.8; ARCHITECTURE.md principle 7).

use crate::apdu::TraceLine;
use crate::error::CardError;
use crate::flow::{Flow, Step};
use crate::transport::CardTransport;

/// Runs `flow` to the end over `transport`, then calls
/// [`CardTransport::power_down`], whatever the outcome: success, card error,
/// or transport error. Powering down is the only reliable logout (docs/domain/jpki.md §1.8).
///
/// A power-down error does not replace the flow's result (the flow's outcome
/// is what the operator must see); use [`run_with_trace`] to record it.
///
/// Blocks for as long as the transport does; call it on the card thread,
/// never while a PC/SC transaction waits for user input (docs/domain/jpki.md §1.8, the
/// Windows 5-second rule): collect the PIN first, then run the flow.
pub fn run<T, F>(transport: &mut T, flow: F) -> Result<F::Output, CardError>
where
    T: CardTransport + ?Sized,
    F: Flow,
{
    run_with_trace(transport, flow, |_| {})
}

/// [`run`], handing every exchange to `trace` as a masked [`TraceLine`]:
/// commands (VERIFY data as `**`), responses (data shortened), PIN-pad
/// structures, transport errors and the power-down with its outcome.
pub fn run_with_trace<T, F, O>(
    transport: &mut T,
    mut flow: F,
    mut trace: O,
) -> Result<F::Output, CardError>
where
    T: CardTransport + ?Sized,
    F: Flow,
    O: FnMut(&TraceLine),
{
    loop {
        match flow.next() {
            Step::Transmit(command) => {
                let apdu = command.to_bytes();
                drop(command);
                trace(&TraceLine::command(&apdu));
                let result = transport.transmit(&apdu);
                drop(apdu); // zeroised: a VERIFY's PIN goes no further
                match result {
                    Ok(response) => {
                        trace(&TraceLine::response(&response));
                        flow.handle_response(&response);
                    }
                    Err(e) => {
                        trace(&TraceLine::note(format!("transport error: {e}")));
                        flow.handle_transport_error(e);
                    }
                }
            }
            Step::VerifyOnPinPad(structure) => {
                trace(&TraceLine::pin_pad(&structure));
                match transport.verify_on_pin_pad(&structure) {
                    Ok(sw) => {
                        trace(&TraceLine::response(&sw));
                        flow.handle_response(&sw);
                    }
                    Err(e) => {
                        trace(&TraceLine::note(format!("transport error: {e}")));
                        flow.handle_transport_error(e);
                    }
                }
            }
            Step::Done => break,
        }
    }
    let result = flow.finish();
    match transport.power_down() {
        Ok(()) => trace(&TraceLine::note("power down")),
        Err(e) => trace(&TraceLine::note(format!("power down failed: {e}"))),
    }
    result
}
