//! Which of the watched readers holds the customer's card, from PC/SC's events: the
//! readers attached, the one card steps run on, and the cards left unread on the others.
//! Pure (no PC/SC), so its rules are tested here; the reader worker feeds it the events and
//! reports what it answers.
//!
//! One card at a time: a card placed on a second reader while the first still holds the
//! customer's card is not announced and does not move the steps there, so the customer
//! whose card was read is the one whose card leaving ends the session, and no step ever
//! reaches another person's card. Such a card is reported as lying unread (the counter
//! tells staff what to do with it) until it is taken off or its reader goes. It is not
//! announced when the first card leaves either: it is announced once it is placed again,
//! so that a card left lying on a reader never starts a session for its holder unasked.

use std::collections::BTreeSet;

/// The watched readers' state.
#[derive(Debug, Default)]
pub(crate) struct ReaderSlots {
    /// The watched readers attached now.
    attached: BTreeSet<String>,
    /// The reader holding the customer's card (steps run there).
    holding: Option<String>,
    /// The readers holding a card that was placed while another held the customer's: not
    /// read until taken off and placed again.
    unread: BTreeSet<String>,
}

/// What a reader leaving means for the counter.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ReaderGone {
    /// No watched reader is attached any more.
    pub none_left: bool,
    /// The customer's card is gone with it (or no reader is left to hold one).
    pub card_gone: bool,
}

/// What a card placed on a watched reader means for the counter.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Placed {
    /// The customer's card (no other reader holds one): announce it. A card that lay
    /// unread there is read now (PC/SC reports a card taken off before it is placed
    /// again, so this is for a monitor that did not).
    Customer,
    /// Another reader holds the customer's card: this one is not read; tell the counter.
    Unread,
}

/// What a card taken off a watched reader means for the counter.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Removed {
    /// The customer's card left (or no card was known there: a removal ends nothing worse).
    Customer,
    /// Not the customer's: a card lying unread, or none the counter knows of (never
    /// reached for a card the monitor reported).
    Other,
}

impl ReaderSlots {
    /// Whether a card lies unread on a watched reader: the counter's notice is shown
    /// while it does. The worker compares it before and after each event and reports a
    /// change ([`Placed`] and [`Removed`] say nothing of it, so it is worked out here
    /// only).
    pub fn has_unread(&self) -> bool {
        !self.unread.is_empty()
    }

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
        self.unread.remove(name);
        let none_left = self.attached.is_empty();
        ReaderGone {
            none_left,
            card_gone: none_left || held,
        }
    }

    /// A card placed on watched reader `name`: the customer's card to announce (no other
    /// reader holds one), or a card not to read.
    pub fn card_placed(&mut self, name: &str) -> Placed {
        match &self.holding {
            Some(held) if held != name => {
                self.unread.insert(name.to_owned());
                Placed::Unread
            }
            _ => {
                self.unread.remove(name);
                self.holding = Some(name.to_owned());
                Placed::Customer
            }
        }
    }

    /// A card taken off watched reader `name`.
    pub fn card_removed(&mut self, name: &str) -> Removed {
        if self.unread.remove(name) {
            return Removed::Other;
        }
        match &self.holding {
            Some(held) if held != name => Removed::Other,
            _ => {
                self.holding = None;
                Removed::Customer
            }
        }
    }

    /// The PC/SC service stopped: no reader is known attached until it comes back and
    /// announces them again (a reader unplugged meanwhile is not listed), and no card
    /// unread (those still there are announced again, and are unread again while the
    /// customer's card is). The card's reader is kept: steps there fail until the service
    /// is back, and its card's own events (still there, or gone) decide the session, as
    /// before the stop.
    pub fn service_stopped(&mut self) {
        self.attached.clear();
        self.unread.clear();
    }

    /// The reader steps run on: the one holding the card, else the first watched one
    /// attached without an unread card, else `fallback` (the configuration's first name)
    /// unless a card lies unread there. `None`: every reader left holds a card that is not
    /// the customer's, so no step may run (the customer's card is not there).
    ///
    /// A step queued before the customer's card left may run after its removal: it must
    /// fail on an empty reader, never reach a card lying unread.
    pub fn target(&self, fallback: &str) -> Option<String> {
        self.holding
            .clone()
            .or_else(|| {
                self.attached
                    .iter()
                    .find(|name| !self.unread.contains(*name))
                    .cloned()
            })
            .or_else(|| (!self.unread.contains(fallback)).then(|| fallback.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `target` with the configuration's name "X".
    fn target(s: &ReaderSlots) -> Option<String> {
        s.target("X")
    }

    fn some(name: &str) -> Option<String> {
        Some(name.to_owned())
    }

    #[test]
    fn a_second_card_neither_is_announced_nor_moves_the_steps_nor_hides_the_first_leaving() {
        let mut s = ReaderSlots::default();
        s.attached("A");
        s.attached("B");
        assert_eq!(s.card_placed("A"), Placed::Customer);
        assert!(!s.has_unread());
        assert_eq!(
            s.card_placed("B"),
            Placed::Unread,
            "another person's card on B is not announced, only told"
        );
        assert!(s.has_unread());
        assert_eq!(target(&s), some("A"), "steps stay on the customer's card");
        assert_eq!(
            s.card_removed("B"),
            Removed::Other,
            "B's card leaving is not the customer's"
        );
        assert!(!s.has_unread(), "the notice ends");
        assert_eq!(
            s.card_removed("A"),
            Removed::Customer,
            "the customer's card leaving is reported"
        );
        assert_eq!(target(&s), some("A"), "no card: the first reader attached");
        assert_eq!(
            s.card_placed("B"),
            Placed::Customer,
            "placed again once A's card left"
        );
        assert_eq!(target(&s), some("B"));
    }

    #[test]
    fn a_card_left_unread_stays_unread_when_the_first_leaves_until_placed_again() {
        let mut s = ReaderSlots::default();
        s.attached("A");
        s.attached("B");
        assert_eq!(s.card_placed("A"), Placed::Customer);
        assert_eq!(s.card_placed("B"), Placed::Unread);
        assert_eq!(s.card_removed("A"), Removed::Customer);
        // A step queued before the removal must not reach B's card.
        assert_eq!(target(&s), some("A"), "the empty reader, not B");
        // A card on A again is the customer's; B's is still unread.
        assert_eq!(s.card_placed("A"), Placed::Customer);
        assert_eq!(s.card_removed("A"), Removed::Customer);
        assert!(s.has_unread(), "B's card still lies unread");
        // B taken off and placed again: now it is read.
        assert_eq!(s.card_removed("B"), Removed::Other);
        assert!(!s.has_unread());
        assert_eq!(s.card_placed("B"), Placed::Customer);
        assert_eq!(target(&s), some("B"));
    }

    #[test]
    fn the_notice_ends_with_the_last_unread_card() {
        let mut s = ReaderSlots::default();
        for r in ["A", "B", "C"] {
            s.attached(r);
        }
        assert_eq!(s.card_placed("A"), Placed::Customer);
        assert_eq!(s.card_placed("B"), Placed::Unread);
        assert_eq!(s.card_placed("C"), Placed::Unread);
        assert_eq!(s.card_removed("B"), Removed::Other);
        assert!(s.has_unread(), "C's card still lies unread");
        assert_eq!(s.card_removed("C"), Removed::Other);
        assert!(!s.has_unread(), "the last unread card left");
        assert_eq!(
            s.card_removed("C"),
            Removed::Other,
            "a removal on a reader with no card known, while A holds the customer's"
        );
        assert_eq!(target(&s), some("A"), "the customer's card is still there");
    }

    #[test]
    fn no_step_reaches_an_unread_card_even_through_the_configured_name() {
        let mut s = ReaderSlots::default();
        s.attached("X");
        s.attached("B");
        assert_eq!(s.card_placed("B"), Placed::Customer);
        assert_eq!(s.card_placed("X"), Placed::Unread);
        assert!(s.reader_removed("B").card_gone);
        assert_eq!(target(&s), None, "only X is left, with a card not read");
        assert_eq!(s.card_removed("X"), Removed::Other);
        assert!(!s.has_unread());
        assert_eq!(target(&s), some("X"));
    }

    #[test]
    fn the_same_reader_announces_again_and_a_removal_without_a_card_is_reported() {
        let mut s = ReaderSlots::default();
        s.attached("A");
        assert_eq!(s.card_placed("A"), Placed::Customer);
        assert_eq!(s.card_placed("A"), Placed::Customer);
        assert_eq!(s.card_removed("A"), Removed::Customer);
        assert_eq!(
            s.card_removed("A"),
            Removed::Customer,
            "a removal with no card known ends nothing worse"
        );
    }

    #[test]
    fn an_unread_card_placed_without_a_removal_first_is_announced_and_ends_the_notice() {
        let mut s = ReaderSlots::default();
        s.attached("A");
        s.attached("B");
        assert_eq!(s.card_placed("A"), Placed::Customer);
        assert_eq!(s.card_placed("B"), Placed::Unread);
        assert_eq!(s.card_removed("A"), Removed::Customer);
        assert!(s.has_unread());
        assert_eq!(s.card_placed("B"), Placed::Customer);
        assert!(!s.has_unread(), "B's card is read now");
        assert_eq!(target(&s), some("B"));
    }

    #[test]
    fn a_reader_leaving_takes_its_card_and_the_last_one_everything() {
        let mut s = ReaderSlots::default();
        s.attached("A");
        s.attached("B");
        s.attached("C");
        assert_eq!(s.card_placed("B"), Placed::Customer);
        assert_eq!(s.card_placed("C"), Placed::Unread);
        assert_eq!(
            s.reader_removed("A"),
            ReaderGone {
                none_left: false,
                card_gone: false,
            }
        );
        assert!(s.has_unread());
        assert_eq!(target(&s), some("B"));
        assert_eq!(
            s.reader_removed("C"),
            ReaderGone {
                none_left: false,
                card_gone: false,
            }
        );
        assert!(!s.has_unread(), "the unread card went with its reader");
        assert_eq!(
            s.reader_removed("B"),
            ReaderGone {
                none_left: true,
                card_gone: true,
            }
        );
        assert_eq!(
            target(&s),
            some("X"),
            "nothing attached: the configuration's name"
        );
    }

    #[test]
    fn a_stopped_service_forgets_the_readers_and_unread_cards_but_not_the_cards_reader() {
        let mut s = ReaderSlots::default();
        s.attached("A");
        s.attached("B");
        assert_eq!(s.card_placed("B"), Placed::Customer);
        assert_eq!(s.card_placed("A"), Placed::Unread);
        s.service_stopped();
        assert!(!s.has_unread(), "announced again when the service is back");
        assert_eq!(target(&s), some("B"), "the card's reader");
        // Back: A's card is announced again, and is still not read while B holds one.
        assert_eq!(s.card_placed("A"), Placed::Unread);
        assert_eq!(s.card_removed("B"), Removed::Customer);
        assert_eq!(s.card_removed("A"), Removed::Other);
        assert!(!s.has_unread());
        assert_eq!(
            target(&s),
            some("X"),
            "no reader known attached after the stop"
        );
    }
}
