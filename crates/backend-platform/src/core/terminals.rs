//! The terminal rules: which terminals may call the platform, as the storage keeps them, and
//! what registering, disabling and the configuration's `[[terminals]]` change. Sans-IO:
//! the storages ([`crate::storage::Storage::update_terminals`]) read every row, ask one of
//! these functions which rows to write, and write them with a new generation number in the
//! same transaction, so that two nodes starting at once, or an operator command beside
//! them, never lose each other's changes.
//!
//! Who manages a row ([`ManagedBy`]):
//! - **the configuration** ([`from_config`]): every listed terminal is added, or updated to
//!   the listed `admin` flag and enabled; a terminal the configuration added earlier but no
//!   longer lists is disabled (as removing it from the file and restarting did when the
//!   list lived only in the file);
//! - **the operator** ([`register`], [`disable`]): a terminal written by the `terminals`
//!   command (or by a future enrollment of terminals) is the operator's from then on; the
//!   configuration neither changes nor re-enables it, so that a terminal disabled by
//!   command stays disabled across every restart of every node.
//!
//! Which certificate a row accepts ([`TerminalRecord::certificate_sha256`]): the one the
//! operator issued at its last enrollment ([`enroll`]), so that enrolling a replacement PC
//! under the same id shuts out every earlier certificate with that CN (a stolen PC's); a
//! row without one (registered by `terminals add`, before the terminals kept it, or
//! listed in the configuration without `certificate_sha256`) accepts any certificate of
//! the terminals' CA with that CN, as every row did before.

use counter_api::ident::{IdError, check_id};
use madoguchi_time::UnixTime;

use crate::config::TerminalConfig;

/// Who manages a terminal's row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ManagedBy {
    /// The configuration's `[[terminals]]`, applied at each start.
    Config,
    /// The `terminals` command (or a library call of [`register`] / [`disable`]).
    Operator,
}

impl ManagedBy {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ManagedBy::Config => "config",
            ManagedBy::Operator => "operator",
        }
    }

    /// The value of a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        [ManagedBy::Config, ManagedBy::Operator]
            .into_iter()
            .find(|m| m.as_str() == name)
    }
}

/// A terminal as the storage keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TerminalRecord {
    /// Terminal id: the CN of its client certificate.
    pub id: String,
    /// May call `/v1/admin/*`.
    pub admin: bool,
    /// Accepted; a disabled terminal is refused as unknown (`terminal_unknown`).
    pub enabled: bool,
    /// Who manages the row.
    pub managed_by: ManagedBy,
    /// The SHA-256 of the certificate DER it accepts (the one issued at its last
    /// enrollment, or the configuration's); `None`: any certificate of the terminals' CA
    /// whose CN is [`Self::id`].
    pub certificate_sha256: Option<[u8; 32]>,
    /// When the row last changed.
    pub updated_at: UnixTime,
}

/// Why a terminal change is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TerminalRuleError {
    /// The id is not a terminal id.
    #[error("terminal id {id:?}: {source} (it is the CN of the terminal's client certificate)")]
    BadId {
        /// The id given.
        id: String,
        /// What is wrong with it.
        source: IdError,
    },
    /// Disabling a terminal the storage does not know.
    #[error("no terminal {0:?} is registered: nothing to disable (`terminals list` shows them)")]
    Unknown(String),
}

/// The row that registers (or re-enables) terminal `id` of `stored` by the operator, with
/// `admin`; it keeps the certificate the row accepts (re-enabling a terminal does not open
/// it to other certificates, nor to the one of a PC that replaced it).
pub fn register(
    stored: &[TerminalRecord],
    id: &str,
    admin: bool,
    now: UnixTime,
) -> Result<TerminalRecord, TerminalRuleError> {
    let kept = stored
        .iter()
        .find(|t| t.id == id)
        .and_then(|t| t.certificate_sha256);
    enroll(id, admin, kept, now)
}

/// The row that enrolls terminal `id` by the operator, with `admin`, accepting only the
/// certificate whose SHA-256 is `certificate_sha256` from now on (every earlier
/// certificate of the id is refused); `None` accepts any certificate with that CN.
pub fn enroll(
    id: &str,
    admin: bool,
    certificate_sha256: Option<[u8; 32]>,
    now: UnixTime,
) -> Result<TerminalRecord, TerminalRuleError> {
    check_id("id", id).map_err(|source| TerminalRuleError::BadId {
        id: id.to_owned(),
        source,
    })?;
    Ok(TerminalRecord {
        id: id.to_owned(),
        admin,
        enabled: true,
        managed_by: ManagedBy::Operator,
        certificate_sha256,
        updated_at: now,
    })
}

/// The row that disables terminal `id` of `stored` by the operator.
pub fn disable(
    stored: &[TerminalRecord],
    id: &str,
    now: UnixTime,
) -> Result<TerminalRecord, TerminalRuleError> {
    let row = stored
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| TerminalRuleError::Unknown(id.to_owned()))?;
    Ok(TerminalRecord {
        enabled: false,
        managed_by: ManagedBy::Operator,
        updated_at: now,
        ..row.clone()
    })
}

/// The rows to write so that `stored` honours the configuration's `config` (see the module
/// doc): empty when nothing changes, so that a node starting with the same file as the
/// others bumps no generation.
pub fn from_config(
    stored: &[TerminalRecord],
    config: &[TerminalConfig],
    now: UnixTime,
) -> Vec<TerminalRecord> {
    let mut writes = Vec::new();
    for c in config {
        match stored.iter().find(|t| t.id == c.id) {
            Some(t) if t.managed_by == ManagedBy::Operator => {}
            Some(t)
                if t.enabled
                    && t.admin == c.admin
                    && t.certificate_sha256 == c.certificate_sha256 => {}
            _ => writes.push(TerminalRecord {
                id: c.id.clone(),
                admin: c.admin,
                enabled: true,
                managed_by: ManagedBy::Config,
                certificate_sha256: c.certificate_sha256,
                updated_at: now,
            }),
        }
    }
    for t in stored {
        if t.managed_by == ManagedBy::Config && t.enabled && !config.iter().any(|c| c.id == t.id) {
            writes.push(TerminalRecord {
                enabled: false,
                updated_at: now,
                ..t.clone()
            });
        }
    }
    writes
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(s: i64) -> UnixTime {
        UnixTime::from_secs(s)
    }

    fn cfg(id: &str, admin: bool) -> TerminalConfig {
        TerminalConfig {
            id: id.into(),
            admin,
            certificate_sha256: None,
        }
    }

    fn row(id: &str, admin: bool, enabled: bool, by: ManagedBy) -> TerminalRecord {
        TerminalRecord {
            id: id.into(),
            admin,
            enabled,
            managed_by: by,
            certificate_sha256: None,
            updated_at: at(1),
        }
    }

    #[test]
    fn the_configuration_adds_updates_and_disables_only_its_own_terminals() {
        let stored = vec![
            row("same", false, true, ManagedBy::Config),
            row("promoted", false, true, ManagedBy::Config),
            row("dropped", true, true, ManagedBy::Config),
            row("removed-again", false, false, ManagedBy::Config),
            row("by-hand", false, false, ManagedBy::Operator),
            row("by-hand-2", true, true, ManagedBy::Operator),
        ];
        let config = [
            cfg("same", false),
            cfg("promoted", true),
            cfg("new", false),
            cfg("by-hand", true),
        ];
        let w = from_config(&stored, &config, at(9));
        assert_eq!(
            w,
            vec![
                TerminalRecord {
                    updated_at: at(9),
                    ..row("promoted", true, true, ManagedBy::Config)
                },
                TerminalRecord {
                    updated_at: at(9),
                    ..row("new", false, true, ManagedBy::Config)
                },
                TerminalRecord {
                    updated_at: at(9),
                    ..row("dropped", true, false, ManagedBy::Config)
                },
            ]
        );
        // Applied once, the same file changes nothing more.
        let mut after = stored.clone();
        for r in w {
            after.retain(|t| t.id != r.id);
            after.push(r);
        }
        assert!(from_config(&after, &config, at(10)).is_empty());
    }

    #[test]
    fn a_listed_terminal_disabled_by_the_configuration_comes_back_when_listed_again() {
        let stored = [row("t", false, false, ManagedBy::Config)];
        let w = from_config(&stored, &[cfg("t", false)], at(5));
        assert_eq!(w.len(), 1);
        assert!(w[0].enabled);
    }

    #[test]
    fn the_operator_registers_valid_ids_and_disables_known_terminals() {
        let r = register(&[], "desk-1", true, at(3)).unwrap();
        assert_eq!(
            r,
            TerminalRecord {
                updated_at: at(3),
                ..row("desk-1", true, true, ManagedBy::Operator)
            }
        );
        assert!(matches!(
            register(&[], "bad id!", false, at(3)),
            Err(TerminalRuleError::BadId { .. })
        ));
        let stored = [row("desk-1", true, true, ManagedBy::Config)];
        let d = disable(&stored, "desk-1", at(4)).unwrap();
        assert!(!d.enabled && d.admin && d.managed_by == ManagedBy::Operator);
        assert_eq!(
            disable(&stored, "desk-2", at(4)),
            Err(TerminalRuleError::Unknown("desk-2".into()))
        );
    }

    #[test]
    fn managers_are_stored_by_name() {
        for m in [ManagedBy::Config, ManagedBy::Operator] {
            assert_eq!(ManagedBy::from_name(m.as_str()), Some(m));
        }
        assert_eq!(ManagedBy::from_name("root"), None);
    }

    #[test]
    fn an_enrollment_replaces_the_certificate_and_a_registration_or_disable_keeps_it() {
        let old = enroll("desk-3", true, Some([1; 32]), at(2)).unwrap();
        assert_eq!(old.certificate_sha256, Some([1; 32]));
        // Disabled (the PC stolen), then enrolled again with the replacement's certificate.
        let off = disable(std::slice::from_ref(&old), "desk-3", at(3)).unwrap();
        assert_eq!(off.certificate_sha256, Some([1; 32]));
        let new = enroll("desk-3", true, Some([2; 32]), at(4)).unwrap();
        assert_eq!(new.certificate_sha256, Some([2; 32]));
        // `terminals add` re-enables without opening the row to another certificate.
        let again = register(std::slice::from_ref(&new), "desk-3", false, at(5)).unwrap();
        assert_eq!(again.certificate_sha256, Some([2; 32]));
        assert!(again.enabled && !again.admin);
        assert_eq!(
            register(&[], "desk-4", false, at(5))
                .unwrap()
                .certificate_sha256,
            None
        );
    }

    #[test]
    fn the_configuration_sets_the_certificate_of_its_terminals() {
        let stored = [row("t", false, true, ManagedBy::Config)];
        let pinned = TerminalConfig {
            certificate_sha256: Some([7; 32]),
            ..cfg("t", false)
        };
        let w = from_config(&stored, std::slice::from_ref(&pinned), at(5));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].certificate_sha256, Some([7; 32]));
        assert!(from_config(&w, &[pinned], at(6)).is_empty());
        // Dropped from the file again: any certificate with the CN.
        let w2 = from_config(&w, &[cfg("t", false)], at(7));
        assert_eq!(w2.len(), 1);
        assert_eq!(w2[0].certificate_sha256, None);
    }
}
