//! [`SimTransport`]: the virtual card in-process, behind
//! [`jpki_card::CardTransport`], for fast unit tests of the card flows. The
//! real seam (pcscd + vpcd) is tested with [`crate::VpcdSlot`].

use jpki_card::{CardTransport, TransportError};

use crate::card::VirtualCard;
use crate::faults::Faults;

/// A reader with a virtual card in it, in the same process.
///
/// Like pcscd, it powers the card up before the first APDU of a session;
/// [`CardTransport::power_down`] powers it off (clearing verified PINs), and
/// the next APDU powers it up again. Faults apply as with the vpcd bridge:
/// after `remove_after_apdus` answers the card is gone and every exchange
/// fails with [`TransportError::CardRemoved`]; delays are slept here.
#[derive(Debug)]
pub struct SimTransport {
    card: VirtualCard,
    faults: Faults,
    answered: u64,
    present: bool,
    powered: bool,
}

impl SimTransport {
    /// A reader holding `card`, not yet powered.
    pub fn new(card: VirtualCard, faults: Faults) -> SimTransport {
        SimTransport {
            card,
            faults,
            answered: 0,
            present: true,
            powered: false,
        }
    }

    /// The card, to look at its counters and security state.
    pub fn card(&self) -> &VirtualCard {
        &self.card
    }

    /// The card, to change it between exchanges (e.g. restore a state).
    pub fn card_mut(&mut self) -> &mut VirtualCard {
        &mut self.card
    }

    /// Takes the card out of the reader for good.
    pub fn into_card(self) -> VirtualCard {
        self.card
    }

    /// APDUs answered since the card was (re)inserted.
    pub fn apdu_count(&self) -> u64 {
        self.answered
    }

    /// Whether the card is in the reader.
    pub fn is_present(&self) -> bool {
        self.present
    }

    /// The card leaves the reader (loses power); exchanges fail until
    /// [`SimTransport::reinsert`].
    pub fn remove_card(&mut self) {
        self.card.power_off();
        self.present = false;
        self.powered = false;
    }

    /// Puts the card back with new faults; the APDU count starts again at 0.
    pub fn reinsert(&mut self, faults: Faults) {
        self.card.power_off();
        self.faults = faults;
        self.answered = 0;
        self.present = true;
        self.powered = false;
    }
}

impl CardTransport for SimTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if !self.present {
            return Err(TransportError::CardRemoved);
        }
        if self.faults.removes_now(self.answered) {
            self.remove_card();
            return Err(TransportError::CardRemoved);
        }
        if !self.powered {
            self.card.power_on();
            self.powered = true;
        }
        let delay = self.faults.delay_for(command);
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let response = self.card.process(command);
        self.answered += 1;
        Ok(response)
    }

    fn power_down(&mut self) -> Result<(), TransportError> {
        self.card.power_off();
        self.powered = false;
        Ok(())
    }
}
