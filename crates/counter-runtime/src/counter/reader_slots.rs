//! Which of the watched readers holds the customer's card, from PC/SC's events: the
//! readers attached and the one card steps run on. Pure (no PC/SC), so its rules are
//! tested here; the reader worker feeds it the events and reports what it answers.
//!
//! One card at a time: a card placed on a second reader while the first still holds the
//! customer's card is not announced and does not move the steps there, so the customer
//! whose card was read is the one whose card leaving ends the session, and no step ever
//! reaches another person's card. The second card is announced once the first has left
//! and it is placed again.

use std::collections::BTreeSet;

/// The watched readers' state.
#[derive(Debug, Default)]
pub(crate) struct ReaderSlots {
    /// The watched readers attached now.
    attached: BTreeSet<String>,
    /// The reader holding the customer's card (steps run there).
    holding: Option<String>,
}

/// What a reader leaving means for the counter.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ReaderGone {
    /// No watched reader is attached any more.
    pub none_left: bool,
    /// The customer's card is gone with it (or no reader is left to hold one).
    pub card_gone: bool,
}

impl ReaderSlots {
    /// A watched reader attached.
    pub fn attached(&mut self, name: &str) {
        self.attached.insert(name.to_owned());
    }

    /// A watched reader removed.
    pub fn reader_removed(&mut self, name: &str) -> ReaderGone {
        self.attached.remove(name);
        let held = self.holding.as_deref() == Some(name);
        if held {
            self.holding = None;
        }
        let none_left = self.attached.is_empty();
        ReaderGone {
            none_left,
            card_gone: none_left || held,
        }
    }

    /// A card placed on watched reader `name`: whether it is the customer's card to
    /// announce (no other reader holds one).
    pub fn card_placed(&mut self, name: &str) -> bool {
        match &self.holding {
            Some(held) if held != name => false,
            _ => {
                self.holding = Some(name.to_owned());
                true
            }
        }
    }

    /// A card taken off watched reader `name`: whether it was the customer's card.
    pub fn card_removed(&mut self, name: &str) -> bool {
        match &self.holding {
            Some(held) if held != name => false,
            _ => {
                self.holding = None;
                true
            }
        }
    }

    /// The PC/SC service stopped: no reader is known attached until it comes back and
    /// announces them again (a reader unplugged meanwhile is not listed). The card's reader
    /// is kept: steps there fail until the service is back, and its card's own events
    /// (still there, or gone) decide the session, as before the stop.
    pub fn service_stopped(&mut self) {
        self.attached.clear();
    }

    /// The reader steps run on: the one holding the card, else the first watched one
    /// attached, else `fallback` (the configuration's first name).
    pub fn target(&self, fallback: &str) -> String {
        self.holding
            .clone()
            .or_else(|| self.attached.iter().next().cloned())
            .unwrap_or_else(|| fallback.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_card_neither_is_announced_nor_moves_the_steps_nor_hides_the_first_leaving() {
        let mut s = ReaderSlots::default();
        s.attached("A");
        s.attached("B");
        assert!(s.card_placed("A"));
        assert!(
            !s.card_placed("B"),
            "another person's card on B is not announced"
        );
        assert_eq!(s.target("X"), "A", "steps stay on the customer's card");
        assert!(
            !s.card_removed("B"),
            "B's card leaving is not the customer's"
        );
        assert!(
            s.card_removed("A"),
            "the customer's card leaving is reported"
        );
        assert_eq!(s.target("X"), "A", "no card: the first reader attached");
        assert!(
            s.card_placed("B"),
            "placed again once A's card left: announced"
        );
        assert_eq!(s.target("X"), "B");
    }

    #[test]
    fn the_same_reader_announces_again_and_a_removal_without_a_card_is_reported() {
        let mut s = ReaderSlots::default();
        s.attached("A");
        assert!(s.card_placed("A"));
        assert!(s.card_placed("A"));
        assert!(s.card_removed("A"));
        assert!(
            s.card_removed("A"),
            "a removal with no card known ends nothing worse"
        );
    }

    #[test]
    fn a_reader_leaving_takes_its_card_and_the_last_one_everything() {
        let mut s = ReaderSlots::default();
        s.attached("A");
        s.attached("B");
        assert!(s.card_placed("B"));
        assert_eq!(
            s.reader_removed("A"),
            ReaderGone {
                none_left: false,
                card_gone: false
            }
        );
        assert_eq!(s.target("X"), "B");
        assert_eq!(
            s.reader_removed("B"),
            ReaderGone {
                none_left: true,
                card_gone: true
            }
        );
        assert_eq!(
            s.target("X"),
            "X",
            "nothing attached: the configuration's name"
        );
    }

    #[test]
    fn a_stopped_service_forgets_the_readers_but_not_the_cards_reader() {
        let mut s = ReaderSlots::default();
        s.attached("A");
        s.attached("B");
        assert!(s.card_placed("B"));
        s.service_stopped();
        assert_eq!(s.target("X"), "B", "the card's reader");
        assert!(s.card_removed("B"));
        assert_eq!(
            s.target("X"),
            "X",
            "no reader known attached after the stop"
        );
    }
}
