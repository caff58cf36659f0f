//! [`PinStatus`]: how many tries a PIN has left, without using one.

use crate::apdu::Response;
use crate::commands::Ef;
use crate::error::CardError;
use crate::flow::machine::{Machine, Op, Program, Want, public_flow, ready};
use crate::flow::ops::{PinCounter, SelectAp, pin_counter};

/// The two JPKI secrets (docs/domain/jpki.md §1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PinKind {
    /// EF `0018`: the 4-digit 利用者証明用 PIN, 3 tries.
    AuthPin,
    /// EF `001B`: the 署名用 password, 5 tries.
    SignPassword,
}

impl PinKind {
    /// The PIN's EF.
    pub const fn ef(self) -> Ef {
        match self {
            PinKind::AuthPin => Ef::AuthPin,
            PinKind::SignPassword => Ef::SignPassword,
        }
    }

    /// Tries a fresh PIN has (OpenSC `MAX_TRIES`, docs/domain/jpki.md §1.2).
    pub const fn max_tries(self) -> u8 {
        match self {
            PinKind::AuthPin => 3,
            PinKind::SignPassword => 5,
        }
    }
}

public_flow!(
    /// Asks the retry counter of a PIN with the empty VERIFY `00 20 00 80`,
    /// which uses no try (docs/domain/jpki.md §1.3), and yields the tries left.
    ///
    /// APDUs: SELECT JPKI-AP, SELECT EF `0018` or `001B`, empty VERIFY.
    ///
    /// * `63 Cx` → `Ok(x)`; a blocked PIN (`63 C0`, `69 83`, `69 84`) → `Ok(0)`:
    ///   the query itself succeeded. Compare with [`PinKind::max_tries`].
    /// * `90 00` or `63 00` → [`CardError::UnexpectedStatus`]: a JPKI card
    ///   always reports its counter (docs/domain/jpki.md §1.4), so this card cannot be
    ///   trusted with a PIN.
    /// * `6A 82` on `001B` → [`CardError::SignatureCertificateAbsent`].
    PinStatus,
    PinStatusProgram,
    u8
);

impl PinStatus {
    /// A flow that asks the counter of `which`.
    pub fn new(which: PinKind) -> Self {
        PinStatus(Machine::new(PinStatusProgram {
            which,
            stage: Stage::SelectAp(SelectAp::new()),
        }))
    }
}

pub(crate) struct PinStatusProgram {
    which: PinKind,
    stage: Stage,
}

enum Stage {
    SelectAp(SelectAp),
    Counter(PinCounter),
}

impl Op for PinStatusProgram {
    type Out = u8;

    fn poll(&mut self) -> Result<Want<u8>, CardError> {
        loop {
            match &mut self.stage {
                Stage::SelectAp(op) => {
                    ready!(op.poll());
                    self.stage = Stage::Counter(pin_counter(self.which.ef()));
                }
                Stage::Counter(op) => return op.poll(),
            }
        }
    }

    fn on_response(&mut self, response: Response) -> Result<(), CardError> {
        match &mut self.stage {
            Stage::SelectAp(op) => op.on_response(response),
            Stage::Counter(op) => op.on_response(response),
        }
    }
}

impl Program for PinStatusProgram {
    fn scrub(&mut self) {}
}
