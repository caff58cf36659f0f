//! The IPC commands the windows call with `invoke`.
//!
//! The one list of the commands and the windows that may call each is
//! [`crate::command_list`]: `build.rs` generates each command's `allow-<command>`
//! permission from it, and the tests (`tests/app/acl.rs`) check that [`handler`] names
//! exactly its commands, that each window's permission set under `permissions/` grants
//! exactly what it says, and that every window is allowed or refused each command as it
//! says. A command missing from a set is refused to that window.
//!
//! | command | window | what |
//! |---|---|---|
//! | `app_info` | both | version, window label, demo or not |
//! | `code_table` | both | the code table's texts the window may show (the customer's: its own lines) |
//! | `customer_subscribe` | customer | the customer's frames through a channel (staff are told while no customer window has subscribed) |
//! | `customer_rendered` | customer | the revision of the frame it rendered: a charge's outcome counts as shown only then |
//! | `customer_action` | customer | PIN, password, menu choice, consents, pay, extend, cancel |
//! | `staff_subscribe` | staff | the staff's frames (screen and status bar) |
//! | `staff_action` | staff | every staff action of the counter |
//! | `staff_journal`, `staff_close_day`, `staff_settings` | staff | journal, close, settings |
//! | `staff_appointments`, `staff_add_appointment`, `staff_precheck_appointments` | staff | booked patients: a day's list, a typed one, the day's pre-check now |
//! | `staff_visits` | staff | the visits of a day: each reception check with its co-payments |
//! | `demo_cards`, `demo_place`, `demo_remove` | staff | the demo panel (the demo build's; the shipped app has no cards) |
//! | `setup_problem`, `setup_close` | setup | why the counter did not start and what to do ([`crate::setup`]); close the window (and so end the app) |
//!
//! Commands stay thin: they check the calling window (besides the capabilities, so that
//! a mistake in a capability file does not open a staff command to the customer) and
//! hand over to the runtime. They live in this module rather than at the crate root
//! because `#[tauri::command] pub fn` at the root collides with the macro's generated
//! names (E0255).

use std::time::Instant;

use counter_core::Code;
use counter_core::appointments::{AppointmentForm, AppointmentView};
use counter_core::payment::close::CloseReport;
use counter_runtime::appointments::AppointmentRefusal;
use counter_runtime::counter::{
    ActionError, AppInfo, CustomerAction, CustomerFrame, DemoCard, JournalEntry, JournalQuery,
    Message, StaffAction, StaffFrame, TerminalSettings, VisitEntry,
};
use tauri::ipc::{Channel, Invoke};
use tauri::{AppHandle, Manager, Runtime, State, Window};

use crate::frames;
use crate::setup::SetupState;
use crate::state::{AppState, DemoPanel, PanelError};
use crate::windows::Screen;

/// Refuses a call from any window but `screen` (defence in depth behind the ACL).
fn only<R: Runtime>(window: &Window<R>, screen: Screen) -> Result<(), ActionError> {
    if Screen::from_label(window.label()) == Some(screen) {
        Ok(())
    } else {
        tracing::warn!(
            window = window.label(),
            "a command for another window was refused"
        );
        Err(Code::NotNow.into())
    }
}

/// The counter, or `Internal` while the app has none (it failed to start).
fn state<'a, R: Runtime>(app: &'a AppHandle<R>) -> Result<State<'a, AppState>, ActionError> {
    app.try_state::<AppState>()
        .ok_or_else(|| ActionError::from(Code::Internal))
}

/// The windows' frame subscriptions ([`builder`](crate::builder) manages them), or
/// `Internal` on an app built without.
fn subscriptions<R: Runtime>(
    app: &AppHandle<R>,
) -> Result<State<'_, frames::Subscriptions>, ActionError> {
    app.try_state::<frames::Subscriptions>()
        .ok_or_else(|| ActionError::from(Code::Internal))
}

/// The app's version, the calling window's label and whether the demo runs. Both windows.
#[tauri::command]
pub fn app_info<R: Runtime>(app: AppHandle<R>, window: Window<R>) -> AppInfo {
    AppInfo {
        version: app.package_info().version.to_string(),
        window: window.label().to_owned(),
        demo: app.try_state::<AppState>().is_some_and(|s| s.demo()),
    }
}

/// The code table's lines the calling window may show (views carry bare codes).
#[tauri::command]
pub fn code_table<R: Runtime>(window: Window<R>) -> Vec<Message> {
    let for_customer = Screen::from_label(window.label()) != Some(Screen::Staff);
    counter_runtime::counter::api::code_table(for_customer)
}

/// Sends the staff window its frame now and after every change, through `on_frame` (its
/// subscription before, from a page reloaded since, stops).
#[tauri::command]
pub fn staff_subscribe<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
    on_frame: Channel<StaffFrame>,
) -> Result<(), ActionError> {
    only(&window, Screen::Staff)?;
    let screens = state(&app)?.counter.screens();
    subscriptions(&app)?.forward(window.label(), screens, on_frame);
    Ok(())
}

/// Sends the customer window its frame now and after every change, through `on_frame` (its
/// subscription before, from a page reloaded since, stops).
#[tauri::command]
pub fn customer_subscribe<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
    on_frame: Channel<CustomerFrame>,
) -> Result<(), ActionError> {
    only(&window, Screen::Customer)?;
    let screens = state(&app)
        .map_err(ActionError::for_customer)?
        .counter
        .screens();
    subscriptions(&app)
        .map_err(ActionError::for_customer)?
        .forward(window.label(), screens, on_frame);
    // Its screens reach it now: staff are no longer told it is missing.
    crate::update_customer_link(&app, |link| link.subscribed(Instant::now()));
    Ok(())
}

/// The customer window rendered the frame of `revision`: a charge whose outcome that frame
/// carries is journaled as shown (never on the frame's sending alone). An older revision
/// than the outcome's marks nothing. The page sends it again every few seconds while
/// nothing changes: each one tells the app the page is alive
/// ([`crate::customer_link::CustomerLink::heard`]).
#[tauri::command]
pub fn customer_rendered<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
    revision: u64,
) -> Result<(), ActionError> {
    only(&window, Screen::Customer)?;
    state(&app)
        .map_err(ActionError::for_customer)?
        .counter
        .customer_rendered(revision);
    crate::update_customer_link(&app, |link| link.heard(Instant::now()));
    Ok(())
}

/// A staff action. `Ok` means the counter took it; what follows shows in the frames.
#[tauri::command]
pub async fn staff_action<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
    action: StaffAction,
) -> Result<(), ActionError> {
    only(&window, Screen::Staff)?;
    let counter = state(&app)?.counter.clone();
    counter.staff(action).await
}

/// A customer action. The PIN or password in it is zeroised when the counter has taken it
/// (`CustomerAction`'s drop); nothing here logs or keeps it. A refusal is the customer's
/// line ([`ActionError::for_customer`]), as the counter answers it.
#[tauri::command]
pub async fn customer_action<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
    action: CustomerAction,
) -> Result<(), ActionError> {
    only(&window, Screen::Customer)?;
    let counter = state(&app)
        .map_err(ActionError::for_customer)?
        .counter
        .clone();
    counter.customer(action).await
}

/// The journal's sales for `query`, newest first.
#[tauri::command]
pub fn staff_journal<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
    query: JournalQuery,
) -> Result<Vec<JournalEntry>, ActionError> {
    only(&window, Screen::Staff)?;
    state(&app)?.counter.journal(&query)
}

/// The visits (reception checks) of `date` (`YYYY-MM-DD`), each with its co-payments.
#[tauri::command]
pub fn staff_visits<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
    date: String,
) -> Result<Vec<VisitEntry>, ActionError> {
    only(&window, Screen::Staff)?;
    state(&app)?.counter.visits(&date)
}

/// The daily close of `date` (`YYYY-MM-DD`).
#[tauri::command]
pub async fn staff_close_day<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
    date: String,
) -> Result<CloseReport, ActionError> {
    only(&window, Screen::Staff)?;
    let counter = state(&app)?.counter.clone();
    counter.close_day(&date).await
}

/// The terminal's settings as configured.
#[tauri::command]
pub fn staff_settings<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
) -> Result<TerminalSettings, ActionError> {
    only(&window, Screen::Staff)?;
    Ok(state(&app)?.settings.clone())
}

/// How long "Pre-check now" waits for the insurer's result before it shows the list (what
/// has not come by then is fetched when the list is shown again). The reference insurer
/// answers at once; the real system may take longer (docs/domain/eligibility.md §2.6).
const PRECHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(15);

/// The counter for an appointment command, or its refusal.
fn appointments_of<R: Runtime>(
    app: &AppHandle<R>,
    window: &Window<R>,
) -> Result<counter_runtime::appointments::Appointments, AppointmentRefusal> {
    only(window, Screen::Staff).map_err(|e| AppointmentRefusal::from(e.message.code))?;
    let state = state(app).map_err(|e| AppointmentRefusal::from(e.message.code))?;
    Ok(state.counter.appointments().clone())
}

/// The appointments of `date` (`YYYY-MM-DD`) with their pre-checks.
#[tauri::command]
pub async fn staff_appointments<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
    date: String,
) -> Result<Vec<AppointmentView>, AppointmentRefusal> {
    appointments_of(&app, &window)?.list(&date).await
}

/// A typed appointment; the refusal names the field at fault.
#[tauri::command]
pub fn staff_add_appointment<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
    form: AppointmentForm,
) -> Result<AppointmentView, AppointmentRefusal> {
    appointments_of(&app, &window)?.add(&form)
}

/// Pre-checks the appointments of `date` now; returns the day's list.
#[tauri::command]
pub async fn staff_precheck_appointments<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
    date: String,
) -> Result<Vec<AppointmentView>, AppointmentRefusal> {
    appointments_of(&app, &window)?
        .precheck(&date, PRECHECK_WAIT)
        .await
}

/// The demo's persona cards (none in the shipped app, which has no demo).
#[tauri::command]
pub fn demo_cards<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
) -> Result<Vec<DemoCard>, ActionError> {
    only(&window, Screen::Staff)?;
    Ok(state(&app)?
        .demo_panel()
        .map(|panel| panel.cards())
        .unwrap_or_default())
}

/// Places persona `id`'s card on the demo's virtual reader.
#[tauri::command]
pub async fn demo_place<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
    id: String,
) -> Result<(), ActionError> {
    only(&window, Screen::Staff)?;
    let panel = demo(&app)?;
    tauri::async_runtime::spawn_blocking(move || panel.place(&id))
        .await
        .map_err(|_| ActionError::from(Code::Internal))?
        .map_err(demo_error)
}

/// Takes the card off the demo's virtual reader.
#[tauri::command]
pub async fn demo_remove<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
) -> Result<(), ActionError> {
    only(&window, Screen::Staff)?;
    let panel = demo(&app)?;
    tauri::async_runtime::spawn_blocking(move || panel.remove())
        .await
        .map_err(|_| ActionError::from(Code::Internal))?
        .map_err(demo_error)
}

/// The demo's card panel, or `NotNow` in the shipped app (no demo).
fn demo<R: Runtime>(app: &AppHandle<R>) -> Result<std::sync::Arc<dyn DemoPanel>, ActionError> {
    state(app)?
        .demo_panel()
        .ok_or_else(|| ActionError::from(Code::NotNow))
}

fn demo_error(e: PanelError) -> ActionError {
    tracing::warn!(error = %e, "demo card");
    ActionError::from(Code::Internal)
}

/// Why the counter did not start and what to do: the message the app also wrote on
/// standard error. Only the setup window, which the app opens instead of the counter's
/// windows when it has no usable configuration.
#[tauri::command]
pub fn setup_problem<R: Runtime>(
    app: AppHandle<R>,
    window: Window<R>,
) -> Result<String, ActionError> {
    only(&window, Screen::Setup)?;
    app.try_state::<SetupState>()
        .map(|setup| setup.message.clone())
        .ok_or_else(|| ActionError::from(Code::Internal))
}

/// Closes the setup window, which ends the app with the problem's status, as the
/// window's own close button does. Only the setup window.
#[tauri::command]
pub fn setup_close<R: Runtime>(window: Window<R>) -> Result<(), ActionError> {
    only(&window, Screen::Setup)?;
    window.close().map_err(|error| {
        tracing::warn!(%error, "the setup window did not close");
        ActionError::from(Code::Internal)
    })
}

/// The router of every command above, for [`tauri::Builder::invoke_handler`].
pub fn handler<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        app_info,
        code_table,
        staff_subscribe,
        customer_subscribe,
        customer_rendered,
        staff_action,
        customer_action,
        staff_journal,
        staff_visits,
        staff_close_day,
        staff_settings,
        staff_appointments,
        staff_add_appointment,
        staff_precheck_appointments,
        demo_cards,
        demo_place,
        demo_remove,
        setup_problem,
        setup_close
    ]
}
