//! The app's API types: the counter's actions and screens (defined with the counter machine
//! in `counter_core::counter` and re-exported here), and what only the desktop app adds
//! ([`AppInfo`], [`DemoCard`]). Exported to TypeScript (ts-rs) for the web UI; the app's two
//! windows each get only their own half.

use std::fmt;

use serde::Serialize;
use ts_rs::TS;

pub use counter_core::counter::{
    ActionError, CounterMode, CustomerAction, CustomerFrame, CustomerScreen, Message, ReaderState,
    SaleStep, SaleView, Screens, StaffAction, StaffFrame, StaffScreen, Status, code_table,
};

/// What every window may know about the running app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
pub struct AppInfo {
    /// The app's version.
    pub version: String,
    /// The label of the window that asked (`staff` or `customer`).
    pub window: String,
    /// Whether the app runs on its embedded demo (virtual reader, in-process backends).
    pub demo: bool,
}

/// A persona card of the embedded demo, as the demo panel lists it. `Debug` leaves the PIN
/// out, so that no log or failed assertion prints it.
#[derive(Clone, PartialEq, Eq, Serialize, TS)]
pub struct DemoCard {
    /// The persona's id (`sato-hanako`).
    pub id: String,
    /// The name on the card.
    pub name: String,
    /// What the card shows in the demo, in Japanese.
    pub note_ja: String,
    /// The same in English.
    pub note_en: String,
    /// The test persona's published auth PIN (testkit), so the demonstrator knows what to
    /// type. Only test cards have one here; a real card's PIN is never known to the app.
    pub pin: String,
    /// Whether the demo enrolled it (linked services) at start.
    pub enrolled: bool,
    /// Whether it lies on the virtual reader now.
    pub on_reader: bool,
}

impl fmt::Debug for DemoCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoCard")
            .field("id", &self.id)
            .field("enrolled", &self.enrolled)
            .field("on_reader", &self.on_reader)
            .finish_non_exhaustive()
    }
}

/// The app's roots: its screens and actions, and the core's views and inputs.
struct AppRoots;

impl counter_core::ts::Roots for AppRoots {
    fn visit(visitor: &mut impl ts_rs::TypeVisitor) {
        counter_core::ts::visit_roots(visitor);
        visitor.visit::<AppInfo>();
        visitor.visit::<DemoCard>();
        visitor.visit::<crate::appointments::AppointmentRefusal>();
        visitor.visit::<super::journal::JournalQuery>();
        visitor.visit::<super::journal::JournalEntry>();
        visitor.visit::<super::journal::VisitEntry>();
        visitor.visit::<super::journal::TerminalSettings>();
    }
}

/// Writes the TypeScript types of the app's IPC into `dir` (see `counter_core::ts`): the
/// committed copy is `ui/src/ipc/generated/`, checked by the `ts_types` test.
pub fn export_ts(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>, ts_rs::ExportError> {
    counter_core::ts::export_all_of::<AppRoots>(dir)
}
