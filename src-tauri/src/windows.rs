//! The app's windows and what tells them apart.
//!
//! The staff and customer windows are declared in `tauri.conf.json` and created when the
//! counter starts; the setup window is created instead of them when the app has no usable
//! configuration ([`crate::setup`]). The label is how Tauri matches a window to its
//! capability file (`capabilities/<label>.json`), so the labels here, in the
//! configuration and in the capability files must agree.

/// What a window's closing does to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnClose {
    /// The window closes; the app runs on while another window is open.
    Close,
    /// The window stays open: nothing could open it again (the customer's, which also
    /// has no close button and cannot be minimised: `closable` and `minimizable` are
    /// false in `tauri.conf.json`; Tauri 2's configuration schema lists `minimizable`
    /// as unsupported on Linux, where the window manager may still minimise it, so the
    /// app restores it when it finds it minimised: [`Screen::stays_unminimised`]).
    KeepOpen,
    /// The app exits (the staff's: without it nobody runs the counter, and the customer's
    /// window cannot be closed by itself).
    Exit,
}

/// Who a window is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screen {
    /// The person behind the counter: the workflows, statuses and decisions.
    Staff,
    /// The person in front of the counter: card, PIN, confirmations, in ja or en.
    Customer,
    /// Whoever starts an app that has no usable configuration: which file it looked
    /// for and how to write one.
    Setup,
}

impl Screen {
    /// Every window, staff first.
    pub const ALL: [Screen; 3] = [Screen::Staff, Screen::Customer, Screen::Setup];

    /// The window's label in `tauri.conf.json` and in its capability file.
    pub const fn label(self) -> &'static str {
        match self {
            Screen::Staff => "staff",
            Screen::Customer => "customer",
            Screen::Setup => "setup",
        }
    }

    /// The screen a window label stands for, if it is one of ours.
    pub fn from_label(label: &str) -> Option<Screen> {
        Screen::ALL
            .into_iter()
            .find(|screen| screen.label() == label)
    }

    /// Whether the window labelled `label` is restored when the window manager minimised
    /// it (the customer's: a customer could otherwise hide it from staff). On Linux the
    /// app checks on each move or resize, which GTK reports when a window is minimised or
    /// restored (docs/DECISIONS.md says where this does not reach).
    pub fn stays_unminimised(label: &str) -> bool {
        Screen::from_label(label) == Some(Screen::Customer)
    }

    /// What closing the window labelled `label` does.
    pub fn on_close(label: &str) -> OnClose {
        match Screen::from_label(label) {
            Some(Screen::Staff) => OnClose::Exit,
            Some(Screen::Customer) => OnClose::KeepOpen,
            Some(Screen::Setup) | None => OnClose::Close,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::Screen;

    #[test]
    fn the_customer_window_stays_and_the_staff_window_takes_the_app_with_it() {
        use super::OnClose;
        assert_eq!(Screen::on_close("customer"), OnClose::KeepOpen);
        assert_eq!(Screen::on_close("staff"), OnClose::Exit);
        assert_eq!(Screen::on_close("setup"), OnClose::Close);
        // The configuration agrees: the customer's window has no close button, and no
        // minimise button either (a customer could hide it from staff).
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
        let windows = config["app"]["windows"].as_array().unwrap();
        let flag = |label: &str, key: &str| {
            windows
                .iter()
                .find(|w| w["label"] == label)
                .map(|w| w[key].as_bool().unwrap_or(true))
        };
        assert_eq!(flag("customer", "closable"), Some(false));
        assert_eq!(flag("customer", "minimizable"), Some(false));
        assert_eq!(flag("staff", "closable"), Some(true));
        assert_eq!(flag("staff", "minimizable"), Some(true));
    }

    #[test]
    fn only_the_customer_window_is_restored_when_minimised() {
        assert!(Screen::stays_unminimised("customer"));
        assert!(
            !Screen::stays_unminimised("staff"),
            "staff may minimise theirs"
        );
        assert!(!Screen::stays_unminimised("setup"));
        assert!(!Screen::stays_unminimised("main"));
    }

    #[test]
    fn labels_round_trip() {
        for screen in Screen::ALL {
            assert_eq!(Screen::from_label(screen.label()), Some(screen));
        }
        assert_eq!(Screen::from_label("main"), None);
    }
}
