//! When a charge counts as shown: once the customer window says it rendered the screens
//! that carry the sale's outcome (docs/domain/payments-and-eid-clients.md §1.10, "An
//! approval journaled but never shown").
//!
//! Publishing the screens proves nothing: the window may be gone, loading again, or may
//! have skipped those screens for later ones (a window is sent its latest screens, not
//! every one). So the shell publishes a sale's outcome, notes here the revision of the
//! screens that first carry it ([`AwaitingRender::published`]) and the revision from which
//! the customer's screen no longer does ([`AwaitingRender::left_screen`]), and journals
//! the mark ([`super::PaymentRecord::shown_at`]) when the customer window acknowledges a
//! revision in between ([`AwaitingRender::rendered`]). An acknowledgement of an older
//! revision (stale: sent before the outcome came) or of a later one, after the outcome
//! left the screen, marks nothing.
//!
//! While a sale waits, the status bar does not list it as never shown (its outcome is on
//! its way to the window); after [`RENDER_GRACE`] without the acknowledgement it stops
//! waiting ([`AwaitingRender::expire`]) and is listed ([`super::shown::unshown_sales`]),
//! for staff to confirm or void.

use crate::UnixTime;

/// How long a sale's outcome may take to be rendered by the customer window before staff
/// are told it was never shown. The window renders a frame within milliseconds of its
/// coming; five seconds leave room for a loaded machine without leaving staff to believe
/// a customer saw what no window showed. (A choice of the project's.)
pub const RENDER_GRACE: i64 = 5;

/// The sales whose outcome went out and waits for the customer window's acknowledgement.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwaitingRender {
    waiting: Vec<Waiting>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Waiting {
    sale_id: String,
    /// The first revision whose customer screen carries the outcome.
    from: u64,
    /// The first revision whose customer screen no longer does, once one was published.
    until: Option<u64>,
    /// When the outcome was published.
    since: UnixTime,
}

impl AwaitingRender {
    /// The customer screen of the screens published as `revision` at `now` carries sale
    /// `sale_id`'s outcome (a charge: [`super::shown::marks_shown`]).
    pub fn published(&mut self, sale_id: String, revision: u64, now: UnixTime) {
        self.waiting.push(Waiting {
            sale_id,
            from: revision,
            until: None,
            since: now,
        });
    }

    /// The customer screen of the screens published as `revision` no longer carries the
    /// outcomes waiting (the next customer's welcome screen, another workflow).
    pub fn left_screen(&mut self, revision: u64) {
        for w in &mut self.waiting {
            if w.until.is_none() && w.from < revision {
                w.until = Some(revision);
            }
        }
    }

    /// The customer window rendered the screens of `revision`: the sales whose outcome
    /// those screens carry, to be journaled as shown (they wait no more).
    pub fn rendered(&mut self, revision: u64) -> Vec<String> {
        let (seen, waiting) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition::<Vec<_>, _>(|w| w.from <= revision && w.until.is_none_or(|u| revision < u));
        self.waiting = waiting;
        seen.into_iter().map(|w| w.sale_id).collect()
    }

    /// Whether sale `sale_id` waits for the window: the status bar does not list it yet.
    pub fn waits_for(&self, sale_id: &str) -> bool {
        self.waiting.iter().any(|w| w.sale_id == sale_id)
    }

    /// Stops waiting for the sales published more than [`RENDER_GRACE`] before `now`;
    /// `true` when any stopped (the status bar's list is to be read again: they are on it).
    pub fn expire(&mut self, now: UnixTime) -> bool {
        let before = self.waiting.len();
        self.waiting
            .retain(|w| now.secs_since(w.since) < RENDER_GRACE);
        self.waiting.len() != before
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const T0: UnixTime = UnixTime::from_secs(1_796_605_200);

    fn awaiting(revision: u64) -> AwaitingRender {
        let mut a = AwaitingRender::default();
        a.published("t-1-000001".into(), revision, T0);
        a
    }

    #[test]
    fn the_acknowledgement_of_the_revision_that_carries_the_outcome_marks_it() {
        let mut a = awaiting(7);
        assert!(a.waits_for("t-1-000001"));
        assert_eq!(a.rendered(7), ["t-1-000001"]);
        assert!(!a.waits_for("t-1-000001"), "marked once");
        assert!(a.rendered(7).is_empty(), "and not twice");
    }

    #[test]
    fn a_stale_acknowledgement_marks_nothing() {
        let mut a = awaiting(7);
        assert!(a.rendered(6).is_empty(), "rendered before the outcome came");
        assert!(a.waits_for("t-1-000001"), "still waiting");
        // A later revision still carrying the outcome: the window skipped 7 for 8.
        assert_eq!(a.rendered(8), ["t-1-000001"]);
    }

    #[test]
    fn an_acknowledgement_after_the_outcome_left_the_screen_marks_nothing() {
        let mut a = awaiting(7);
        a.left_screen(9);
        assert!(
            a.rendered(9).is_empty(),
            "the window went from before 7 to 9"
        );
        assert!(a.rendered(12).is_empty());
        assert_eq!(a.rendered(8), ["t-1-000001"], "8 still carried it");
        // The revision that brings the outcome is not one it left at.
        let mut a = awaiting(7);
        a.left_screen(7);
        assert_eq!(a.rendered(7), ["t-1-000001"]);
    }

    #[test]
    fn a_sale_waits_only_for_the_grace_then_is_listed() {
        let mut a = awaiting(7);
        assert!(!a.expire(T0.plus_secs(RENDER_GRACE - 1)));
        assert!(a.waits_for("t-1-000001"));
        assert!(
            a.expire(T0.plus_secs(RENDER_GRACE)),
            "stopped waiting: read the list again"
        );
        assert!(!a.waits_for("t-1-000001"));
        assert!(a.rendered(7).is_empty(), "too late: staff confirm it");
        assert!(!a.expire(T0.plus_secs(RENDER_GRACE)), "nothing left");
    }

    #[test]
    fn each_sale_is_marked_by_its_own_revisions() {
        let mut a = awaiting(3);
        a.left_screen(4);
        a.published("t-1-000002".into(), 6, T0);
        assert_eq!(a.rendered(6), ["t-1-000002"]);
        assert_eq!(a.rendered(3), ["t-1-000001"]);
    }
}
