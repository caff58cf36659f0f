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
        self.staff == other.staff && self.status == other.status
    }
}

impl Frame for CustomerFrame {
    fn of(screens: &Screens) -> Self {
        screens.customer_frame()
    }
    fn same(&self, other: &Self) -> bool {
        self.customer == other.customer
            && self.reader == other.reader
            && self.pin_pad == other.pin_pad
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
