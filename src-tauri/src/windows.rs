//! The app's windows and what tells them apart.
//!
//! The staff and customer windows are declared in `tauri.conf.json` and created when the
//! counter starts; the setup window is created instead of them when the app has no usable
//! configuration ([`crate::setup`]). The label is how Tauri matches a window to its
//! capability file (`capabilities/<label>.json`), so the labels here, in the
//! configuration and in the capability files must agree.

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
}

#[cfg(test)]
mod tests {
    use super::Screen;

    #[test]
    fn labels_round_trip() {
        for screen in Screen::ALL {
            assert_eq!(Screen::from_label(screen.label()), Some(screen));
        }
        assert_eq!(Screen::from_label("main"), None);
    }
}
