//! What the reader's events change: the status bar's reader, the workflow a placed or
//! removed card belongs to, and the notice about a card that lies unread on another
//! watched reader (a counter may watch a contact and a contactless reader). A reader that
//! goes away (unplugged, or the PC/SC service stopped) with a card on it is that card
//! leaving: the same rules as its removal apply.
//!
//! A second card is told, never read: while one reader holds the customer's card, a card
//! on another reader reaches no step (the card worker does not announce it). Staff see
//! [`Code::OtherCardNotRead`] (take it off; put it back once the card in use is off to
//! have it read) on the status bar. The customer window is not told: a customer reading
//! "take the card off" in the middle of the PIN entry might take their own. When the customer's card leaves first, the other card is still not read
//! (it is announced only when it is placed again, so that a card left lying on a reader
//! never starts a check for its holder unasked): the line becomes
//! [`Code::OtherCardPlaceAgain`]. It goes when that card is taken off, its reader goes
//! away, or no watched reader is left.

use super::{Counter, Effect, ReaderEvent, ReaderState};
use crate::codes::Code;

impl Counter {
    /// The reader's events: the status bar, and the workflow the card belongs to.
    pub(super) fn reader_event(&mut self, event: ReaderEvent) -> Vec<Effect> {
        match event {
            ReaderEvent::Attached(true) => {
                // One more watched reader (the worker reports each): a card already on
                // another stays there, so only "no reader" becomes "empty".
                if self.reader == ReaderState::Missing {
                    self.reader = ReaderState::Empty;
                }
                Vec::new()
            }
            ReaderEvent::Attached(false) => {
                // No reader left, or the PC/SC service stopped: no card lies anywhere we
                // know of (the worker announces those still there when it is back). A card
                // that lay on the reader has left with it, whether or not its own removal
                // is reported too (a second report changes nothing).
                self.other_card = false;
                self.unread_card = false;
                self.lying_unread = false;
                let had_card = self.reader == ReaderState::Card;
                self.reader = ReaderState::Missing;
                match had_card {
                    true => self.card_removed(),
                    false => Vec::new(),
                }
            }
            ReaderEvent::Placed { pin_pad } => {
                self.lying_unread = false;
                self.reader = ReaderState::Card;
                self.pin_pad = pin_pad;
                self.card_placed(pin_pad)
            }
            ReaderEvent::Removed => {
                self.unread_card = false;
                self.lying_unread = false;
                if self.reader == ReaderState::Card {
                    self.reader = ReaderState::Empty;
                }
                self.card_removed()
            }
            ReaderEvent::OtherCard(lies) => {
                self.other_card = lies;
                Vec::new()
            }
        }
    }

    /// The line about the card that lies unread since staff left an enrollment
    /// (`Counter::leave_for_idle`), while it does, at reception and pharmacy (at the till
    /// the next sale takes it, as staff ask for that).
    pub(super) fn lying_unread_notice(&self) -> Option<Code> {
        (self.lying_unread && self.check_mode().is_some()).then_some(Code::CardNotReadPlaceAgain)
    }

    /// The line about a card lying unread on another watched reader, while one does:
    /// "not read" while the customer's card is on its reader, "place it again" once it
    /// has left.
    pub(super) fn other_card_notice(&self) -> Option<Code> {
        match (self.other_card, self.reader) {
            (false, _) => None,
            (true, ReaderState::Card) => Some(Code::OtherCardNotRead),
            (true, ReaderState::Empty | ReaderState::Missing) => Some(Code::OtherCardPlaceAgain),
        }
    }
}
