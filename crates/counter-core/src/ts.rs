//! TypeScript types of what the app exchanges with the workflows over IPC (feature `ts`,
//! ts-rs): the views the windows show and the inputs staff and customers send, with the
//! `counter-api` wire types they carry. The committed copy lives in `ui/src/ipc/generated/`;
//! the `ts_types` test fails when it drifts from the Rust types.
//!
//! Conventions the derives follow:
//! - Names are unique across the graph: the machines' views, fields and steps are prefixed
//!   by their module in TypeScript (`IdentifyStaffFields`, `EnrollStep`,
//!   `EligibilityCustomerView`), and the receipt's `Copy` is `ReceiptCopy`; [`export_all`]
//!   refuses two types with one name. A card session's window is the generic
//!   `SessionWindow<Step, Fields>` (`ui/src/ipc/index.ts` names its instances
//!   `IdentifyStaffView`, `EnrollCustomerView`, …).
//! - 64-bit integers (Unix seconds, yen, days) are `number`, never `bigint`: `serde_json`
//!   writes them as plain numbers and every value we send stays below 2^53.
//! - Types that hold a secret (`CustomerPin`, `CustomerPassword`, the card's PIN types)
//!   derive neither `Serialize` nor `TS`; types that hold a bearer assertion (`MenuEntry`,
//!   `cashier::Checkout`, `cashier::Confirmed`) derive no `TS`. No root reaches either: the
//!   views carry `MenuLine`s and `PaymentOption`s, labels without the assertion.

use std::any::TypeId;
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use ts_rs::{Config, ExportError, TS, TypeVisitor};

use crate::{appointments, codes, counter, eligibility, enroll, identify, payment};

/// Calls `visitor.visit::<T>()` for every root type: what the app shows or sends. Their
/// dependencies are found from them. A shell that exports types of its own (the runtime's
/// API) visits these too, so that one folder holds one consistent set.
pub fn visit_roots(visitor: &mut impl TypeVisitor) {
    macro_rules! visit {
        ($($t:ty),* $(,)?) => { $( visitor.visit::<$t>(); )* };
    }
    visit!(
        // the table of codes
        codes::Code,
        codes::Audience,
        // identification
        identify::StaffView,
        identify::CustomerView,
        identify::Step,
        identify::MenuLine,
        identify::Actor,
        // enrollment: what staff prepare to link, the views
        counter_api::platform::ServiceLink,
        enroll::StaffView,
        enroll::CustomerView,
        enroll::Step,
        enroll::ServiceLine,
        enroll::SignAttributes,
        // eligibility: the views, what staff and customers send, what the store summarises
        eligibility::StaffView,
        eligibility::CustomerView,
        eligibility::CustomerConsents,
        eligibility::ConsentsGiven,
        eligibility::PrescriptionFormat,
        eligibility::FallbackForm,
        eligibility::FallbackField,
        eligibility::FallbackDocument,
        eligibility::FallbackReason,
        eligibility::Presented,
        eligibility::Mode,
        eligibility::CheckSummary,
        eligibility::CheckSource,
        eligibility::ClinicRecord,
        eligibility::CardHolder,
        eligibility::Warning,
        // booked patients: the form staff fill in, the list they read
        appointments::AppointmentForm,
        appointments::AppointmentField,
        appointments::AppointmentError,
        appointments::AppointmentView,
        appointments::AppointmentSource,
        appointments::PrecheckStatus,
        appointments::Difference,
        appointments::DiffField,
        // payments: the journal, receipts, the daily close, the cashier's choice
        payment::PaymentRecord,
        payment::PaymentState,
        payment::RefundRecord,
        payment::RefundState,
        payment::receipt::Receipt,
        payment::receipt::ReceiptKind,
        payment::receipt::Copy,
        payment::receipt::MerchantInfo,
        payment::close::CloseReport,
        payment::close::CloseLine,
        payment::close::CloseRefused,
        payment::cashier::PaymentOption,
        // the counter: what the windows show and send
        counter::Screens,
        counter::StaffFrame,
        counter::CustomerFrame,
        counter::StaffAction,
        counter::CustomerAction,
        counter::ActionError,
        counter::CounterMode,
    );
}

/// Writes every root type and everything it depends on into `dir`, one `<Name>.ts` file
/// per type, and returns the files written (sorted). Refuses, before writing anything,
/// two types that would share a name.
///
/// ts-rs remembers, per process, which files it has written and does not write them again:
/// export into a fresh directory each time (a temporary one), then copy.
pub fn export_all(dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    export_all_of::<CoreRoots>(dir)
}

/// A set of root types to export (the core's, or a shell's that adds its own).
pub trait Roots {
    /// Calls `visitor.visit::<T>()` for every root.
    fn visit(visitor: &mut impl TypeVisitor);
}

/// The core's roots ([`visit_roots`]).
#[derive(Debug)]
pub struct CoreRoots;

impl Roots for CoreRoots {
    fn visit(visitor: &mut impl TypeVisitor) {
        visit_roots(visitor);
    }
}

/// [`export_all`] for the roots of `R`.
pub fn export_all_of<R: Roots>(dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    let cfg = Config::new().with_out_dir(dir);
    let mut files = Files {
        cfg: &cfg,
        seen: BTreeMap::new(),
        visited: BTreeSet::new(),
        clash: None,
    };
    R::visit(&mut files);
    if let Some(clash) = files.clash {
        return Err(io::Error::new(io::ErrorKind::AlreadyExists, clash).into());
    }
    let mut export = Export {
        cfg: &cfg,
        error: None,
    };
    R::visit(&mut export);
    match export.error {
        Some(e) => Err(e),
        None => Ok(files.seen.into_keys().map(|p| dir.join(p)).collect()),
    }
}

/// Walks the graph as ts-rs's own export does, noting each type's file. The instances of one
/// generic type (`SessionWindow<identify::Step, identify::StaffFields>`, …) share its file:
/// same path and same declaration is no clash, and each instance's arguments are visited.
struct Files<'a> {
    cfg: &'a Config,
    seen: BTreeMap<PathBuf, (String, String)>,
    visited: BTreeSet<TypeId>,
    clash: Option<String>,
}

impl TypeVisitor for Files<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Primitives and containers have no file of their own.
        let Some(path) = T::output_path() else {
            return;
        };
        if !self.visited.insert(TypeId::of::<T>()) {
            return;
        }
        let rust = std::any::type_name::<T>().to_owned();
        let decl = T::decl(self.cfg);
        match self.seen.get(&path) {
            Some((_, same)) if *same == decl => {}
            Some((other, _)) => {
                self.clash.get_or_insert_with(|| {
                    format!(
                        "{rust} and {other} both become the TypeScript type {} ({}): give one \
                         a module prefix with #[cfg_attr(feature = \"ts\", ts(rename = \"..\"))]",
                        T::ident(self.cfg),
                        path.display(),
                    )
                });
                return;
            }
            None => {
                self.seen.insert(path, (rust, decl));
            }
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

/// Exports each root with its dependencies; keeps the first error.
struct Export<'a> {
    cfg: &'a Config,
    error: Option<ExportError>,
}

impl TypeVisitor for Export<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if self.error.is_none() {
            self.error = T::export_all(self.cfg).err();
        }
    }
}
