//! Screens to a window: each window gets its own half of the counter's [`Screens`]
//! through a [`Channel`] that only that window's subscribe command can open. (An app-wide
//! event would not do: any page allowed to listen hears every event, whatever its target.)

use counter_runtime::counter::{CustomerFrame, Screens, StaffFrame};
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

/// Sends the window's frame now and after every change until its channel is gone or the
/// counter stops. A change in the other window's half only is not sent.
pub fn forward<T: Frame>(mut screens: watch::Receiver<Screens>, channel: Channel<T>) {
    tauri::async_runtime::spawn(async move {
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
    });
}

#[cfg(test)]
mod tests {
    use counter_runtime::config::CounterMode;
    use counter_runtime::counter::{Message, ReaderState, StaffScreen, Status};

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
                unshown: vec![],
                unshown_notice: None,
                notice: None,
                storage_failed: false,
                other_card: None,
            },
            expected: None,
            notices: vec![],
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
}
