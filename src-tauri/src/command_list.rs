// The app's IPC commands and the windows that may call each: the one list.
//
// build.rs includes this file (`include!`) and generates each command's `allow-` and
// `deny-` permissions from it; the permission sets in `permissions/` must grant exactly
// what it says to each window, and the handler in `commands.rs` must name exactly these
// commands (tests/app/acl.rs reads both and calls every command from every window). So
// the file holds plain items only: no inner attributes or doc comments, which `include!`
// would refuse in the build script.

/// Which windows may call a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Callers {
    /// The staff and the customer windows.
    Counter,
    /// The staff window only.
    Staff,
    /// The customer window only.
    Customer,
    /// The setup window only (opened when the app has no usable configuration).
    Setup,
}

/// The windows of the app, by label.
pub const WINDOWS: [&str; 3] = ["staff", "customer", "setup"];

impl Callers {
    /// Whether the window labelled `window` may call the command.
    pub fn allow(self, window: &str) -> bool {
        match self {
            Callers::Counter => window == "staff" || window == "customer",
            Callers::Staff => window == "staff",
            Callers::Customer => window == "customer",
            Callers::Setup => window == "setup",
        }
    }
}

/// Every command, in the order of the handler.
pub const COMMANDS: [(&str, Callers); 19] = [
    ("app_info", Callers::Counter),
    ("code_table", Callers::Counter),
    ("staff_subscribe", Callers::Staff),
    ("customer_subscribe", Callers::Customer),
    ("customer_rendered", Callers::Customer),
    ("staff_action", Callers::Staff),
    ("customer_action", Callers::Customer),
    ("staff_journal", Callers::Staff),
    ("staff_visits", Callers::Staff),
    ("staff_close_day", Callers::Staff),
    ("staff_settings", Callers::Staff),
    ("staff_appointments", Callers::Staff),
    ("staff_add_appointment", Callers::Staff),
    ("staff_precheck_appointments", Callers::Staff),
    ("demo_cards", Callers::Staff),
    ("demo_place", Callers::Staff),
    ("demo_remove", Callers::Staff),
    ("setup_problem", Callers::Setup),
    ("setup_close", Callers::Setup),
];
