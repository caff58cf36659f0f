//! The transport-level status words, handled once for every flow
//! (docs/domain/jpki.md §1.7, ISO/IEC 7816-4 §5.1.3; myna-card's `Card::call` does the same):
//!
//! * `61 xx`: more data waits. Send GET RESPONSE `00 C0 00 00 xx` and append
//!   its data to what came with the `61 xx`.
//! * `6C xx`: wrong Le. Send the same command again with Le = xx, once per
//!   command. Only commands that had an Le are re-sent; a VERIFY (whose data
//!   is a PIN) never is.
//!
//! At most [`MAX_FOLLOW_UPS`] extra APDUs per command, so a card that keeps
//! answering `61 xx` cannot hold a flow forever.

use crate::apdu::{Command, Response};
use crate::commands;
use crate::error::CardError;
use crate::status::StatusKind;

/// Most GET RESPONSE / re-send APDUs for one command. A short response holds
/// 256 bytes, so a real card needs one or two.
pub(crate) const MAX_FOLLOW_UPS: u8 = 8;

#[derive(Default)]
pub(crate) struct Exchange {
    /// Name of the command the flow sent, for errors.
    step: &'static str,
    /// The last command sent, kept only if it had an Le and no PIN (for 6Cxx).
    resend_template: Option<Command>,
    /// Data collected from `61 xx` responses so far.
    collected: Vec<u8>,
    /// A GET RESPONSE or re-send waiting for `next()`.
    follow_up: Option<Command>,
    follow_ups: u8,
    resent: bool,
}

impl Exchange {
    /// The flow sends a new command: start over.
    pub(crate) fn sent(&mut self, command: &Command) {
        self.step = command.name();
        self.resend_template = template(command);
        self.collected.clear();
        self.follow_up = None;
        self.follow_ups = 0;
        self.resent = false;
    }

    /// The queued GET RESPONSE or re-send, if any.
    pub(crate) fn take_follow_up(&mut self) -> Option<Command> {
        let command = self.follow_up.take()?;
        self.resend_template = template(&command);
        Some(command)
    }

    /// The name of the command being exchanged.
    pub(crate) fn step(&self) -> &'static str {
        if self.step.is_empty() {
            "command"
        } else {
            self.step
        }
    }

    /// `Some(complete response)`, or `None` when a follow-up APDU is queued.
    pub(crate) fn on_response(
        &mut self,
        response: Response,
    ) -> Result<Option<Response>, CardError> {
        let sw = response.sw();
        match sw.kind() {
            StatusKind::MoreData { available } => {
                self.count_follow_up()?;
                self.collected.extend_from_slice(response.data());
                let get = commands::get_response(available)
                    .map_err(|e| CardError::malformed(self.step(), e.to_string()))?;
                self.follow_up = Some(get);
                Ok(None)
            }
            StatusKind::WrongLe { exact } => {
                let resend = match &self.resend_template {
                    Some(template) if !self.resent => template.resend_with_le(exact),
                    _ => None,
                };
                let Some(resend) = resend else {
                    return Err(CardError::UnexpectedStatus {
                        step: self.step(),
                        sw,
                    });
                };
                self.count_follow_up()?;
                self.resent = true;
                self.follow_up = Some(resend);
                Ok(None)
            }
            _ => {
                let mut data = std::mem::take(&mut self.collected);
                data.extend_from_slice(response.data());
                Ok(Some(Response::new(data, sw)))
            }
        }
    }

    fn count_follow_up(&mut self) -> Result<(), CardError> {
        self.follow_ups = self.follow_ups.saturating_add(1);
        if self.follow_ups > MAX_FOLLOW_UPS {
            return Err(CardError::malformed(
                self.step(),
                format!(
                    "the card asked for more than {MAX_FOLLOW_UPS} GET RESPONSE or re-sent commands"
                ),
            ));
        }
        Ok(())
    }
}

/// A copy of `command` for a `6C xx` re-send: only if it had an Le and no PIN.
fn template(command: &Command) -> Option<Command> {
    let le = command.le()?;
    command.resend_with_le(le)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::status::StatusWord;

    fn resp(data: &[u8], sw: u16) -> Response {
        Response::new(data.to_vec(), StatusWord(sw))
    }

    #[test]
    fn get_response_chain_concatenates() {
        let mut x = Exchange::default();
        x.sent(&commands::read_binary(0, 256).unwrap());
        assert!(x.on_response(resp(&[1, 2], 0x6102)).unwrap().is_none());
        let get = x.take_follow_up().unwrap();
        assert_eq!(&*get.to_bytes(), &[0x00, 0xC0, 0x00, 0x00, 0x02]);
        let done = x.on_response(resp(&[3, 4], 0x9000)).unwrap().unwrap();
        assert_eq!(done.data(), &[1, 2, 3, 4]);
        assert!(x.take_follow_up().is_none());
    }

    #[test]
    fn wrong_le_resends_once() {
        let mut x = Exchange::default();
        x.sent(&commands::read_binary(0x10, 256).unwrap());
        assert!(x.on_response(resp(&[], 0x6C20)).unwrap().is_none());
        let again = x.take_follow_up().unwrap();
        assert_eq!(&*again.to_bytes(), &[0x00, 0xB0, 0x00, 0x10, 0x20]);
        let e = x.on_response(resp(&[], 0x6C10)).unwrap_err();
        assert_eq!(
            e,
            CardError::UnexpectedStatus {
                step: "READ BINARY",
                sw: StatusWord(0x6C10)
            }
        );
    }

    #[test]
    fn wrong_le_on_commands_without_le_is_unexpected() {
        let mut x = Exchange::default();
        x.sent(&commands::select_ef(commands::Ef::AuthCertificate));
        assert!(matches!(
            x.on_response(resp(&[], 0x6C04)),
            Err(CardError::UnexpectedStatus {
                step: "SELECT FILE",
                ..
            })
        ));
    }

    #[test]
    fn endless_more_data_is_cut_off() {
        let mut x = Exchange::default();
        x.sent(&commands::read_binary(0, 256).unwrap());
        for _ in 0..MAX_FOLLOW_UPS {
            assert!(x.on_response(resp(&[0], 0x6101)).unwrap().is_none());
            assert!(x.take_follow_up().is_some());
        }
        assert!(matches!(
            x.on_response(resp(&[0], 0x6101)),
            Err(CardError::MalformedResponse {
                step: "READ BINARY",
                ..
            })
        ));
    }
}
