//! Screens to a window: each window gets its own half of the counter's [`Screens`]
//! through a [`Channel`] that only that window's subscribe command can open. (An app-wide
//! event would not do: any page allowed to listen hears every event, whatever its target.)
//! A window has one subscription at a time ([`Subscriptions`]): its page subscribing again
//! (a reload) stops the task that served the page before.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use counter_runtime::counter::{CustomerFrame, Screens, StaffFrame};
use tauri::async_runtime::JoinHandle;
use tauri::ipc::{Channel, IpcResponse};
use tokio::sync::watch;

/// A window's half of the screens.
pub trait Frame: IpcResponse + Clone + PartialEq + Send + 'static {
    /// This window's half of `screens`.
    fn of(screens: &Screens) -> Self;
    /// Whether `self` shows the same as `other` (the revision aside).
    fn same(&self, other: &Self) -> bool;
}

impl Frame for StaffFrame {
    fn of(screens: &Screens) -> Self {
        screens.staff_frame()
    }
    fn same(&self, other: &Self) -> bool {
        // Everything but the revision (a field added later is compared too).
        let mut mine = self.clone();
        mine.revision = other.revision;
        mine == *other
    }
}

impl Frame for CustomerFrame {
    fn of(screens: &Screens) -> Self {
        screens.customer_frame()
    }
    fn same(&self, other: &Self) -> bool {
        let mut mine = self.clone();
        mine.revision = other.revision;
        mine == *other
    }
}

/// The task that sends each window its frames, by window label (the app manages one).
/// A page's channel gives no sign when the page goes (a reload leaves it calling back into
/// nothing), so the page's next subscription is what ends the task before it.
#[derive(Debug, Default)]
pub struct Subscriptions {
    tasks: Mutex<HashMap<String, JoinHandle<()>>>,
}

impl Subscriptions {
    /// Sends window `label` its frame now and after every change, through `channel`,
    /// until the window subscribes again (the task before is stopped), the channel fails
    /// or the counter stops.
    pub fn forward<T: Frame>(
        &self,
        label: &str,
        screens: watch::Receiver<Screens>,
        channel: Channel<T>,
    ) {
        let task = tauri::async_runtime::spawn(forward(screens, channel));
        // A panic elsewhere while the map was held leaves it whole: keep using it.
        let before = self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(label.to_owned(), task);
        if let Some(before) = before {
            before.abort();
        }
    }
}

/// Sends the window's frame now and after every change until its channel is gone or the
/// counter stops. A change in the other window's half only is not sent.
async fn forward<T: Frame>(mut screens: watch::Receiver<Screens>, channel: Channel<T>) {
    let mut last: Option<T> = None;
    loop {
        let frame = T::of(&screens.borrow_and_update());
        if !last.as_ref().is_some_and(|l| l.same(&frame)) {
            if channel.send(frame.clone()).is_err() {
                break;
            }
            last = Some(frame);
        }
        if screens.changed().await.is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::HashSet;
    use std::sync::mpsc;
    use std::time::Duration;

    use counter_runtime::config::CounterMode;
    use counter_runtime::counter::{CustomerScreen, Message, ReaderState, StaffScreen, Status};

    use super::*;

    fn frame(revision: u64) -> StaffFrame {
        StaffFrame {
            revision,
            staff: StaffScreen::Ready,
            status: Status {
                mode: CounterMode::Reception,
                reader_name: "r".into(),
                reader: ReaderState::Empty,
                pin_pad: false,
                backends_ok: None,
                pending_rechecks: 0,
                payments_in_doubt: 0,
                in_doubt: vec![],
                unresolved: vec![],
                unresolved_notice: None,
                held_refunds: vec![],
                refund_horizon_days: 14,
                unshown: vec![],
                unshown_notice: None,
                rechecks: vec![],
                rechecks_notice: None,
                rechecks_purged_notice: None,
                purge_failed: vec![],
                purge_notice: None,
                purge_details_notice: None,
                notice: None,
                storage_failed: false,
                other_card: None,
                customer_window_notice: None,
            },
            expected: None,
            notices: vec![],
            hold: None,
        }
    }

    #[test]
    fn a_frame_is_the_same_only_when_all_but_the_revision_is() {
        assert!(frame(1).same(&frame(2)));
        let mut expected = frame(2);
        expected.expected = Some(Default::default());
        assert!(!frame(1).same(&expected), "the expected patient changed");
        let mut notices = frame(2);
        notices.notices = vec![Message::of(counter_core::Code::SignCertificateRevoked)];
        assert!(!frame(1).same(&notices), "a notice came");
    }

    /// What happened to a test channel: a frame came through it, or it was dropped (the
    /// task that held it ended).
    #[derive(Debug, PartialEq, Eq, Hash)]
    enum Event {
        Frame(&'static str),
        Gone(&'static str),
    }

    /// A test channel's end of the events: tells its frames, and its own end when dropped.
    struct Reporter(mpsc::Sender<Event>, &'static str);

    impl Reporter {
        fn frame(&self) {
            let _ = self.0.send(Event::Frame(self.1));
        }
    }

    impl Drop for Reporter {
        fn drop(&mut self) {
            let _ = self.0.send(Event::Gone(self.1));
        }
    }

    /// A channel named `name` that reports its frames and its end on `events`.
    fn channel<T>(events: &mpsc::Sender<Event>, name: &'static str) -> Channel<T> {
        let reporter = Reporter(events.clone(), name);
        Channel::new(move |_| {
            reporter.frame();
            Ok(())
        })
    }

    fn screens(reader: ReaderState) -> Screens {
        let mut status = frame(0).status;
        status.reader = reader;
        Screens {
            revision: 0,
            staff: StaffScreen::Ready,
            customer: CustomerScreen::Welcome,
            status,
            expected: None,
            notices: vec![],
            hold: None,
        }
    }

    /// The next `n` events, in any order (each waited for, within a time limit).
    fn next(events: &mpsc::Receiver<Event>, n: usize) -> HashSet<Event> {
        (0..n)
            .map(|_| events.recv_timeout(Duration::from_secs(10)).unwrap())
            .collect()
    }

    #[test]
    fn a_window_subscribing_again_stops_its_subscription_before() {
        let subscriptions = Subscriptions::default();
        let (publish, screens_rx) = watch::channel(screens(ReaderState::Empty));
        let (tx, events) = mpsc::channel();
        subscriptions.forward::<StaffFrame>("staff", screens_rx.clone(), channel(&tx, "first"));
        assert_eq!(next(&events, 1), HashSet::from([Event::Frame("first")]));
        subscriptions.forward::<CustomerFrame>(
            "customer",
            screens_rx.clone(),
            channel(&tx, "customer"),
        );
        assert_eq!(next(&events, 1), HashSet::from([Event::Frame("customer")]));
        // The staff page reloads: its new page gets the frames, the old task ends.
        subscriptions.forward::<StaffFrame>("staff", screens_rx, channel(&tx, "second"));
        assert_eq!(
            next(&events, 2),
            HashSet::from([Event::Frame("second"), Event::Gone("first")])
        );
        // The other window's subscription goes on.
        publish.send_replace(screens(ReaderState::Card));
        assert_eq!(
            next(&events, 2),
            HashSet::from([Event::Frame("second"), Event::Frame("customer")])
        );
    }
}
