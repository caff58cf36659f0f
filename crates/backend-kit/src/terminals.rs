//! A service's `[[terminals]]` list, as the insurer and the acquirer keep it in their
//! configuration: the rule that lists each terminal once ([`listed_twice`]) and the one way
//! a connection is admitted as one of them ([`admit`]): its client certificate's CN names
//! an entry, and it is the certificate the entry registers, if it registers one
//! ([`crate::terminal_certificate::check_registered`]).
//!
//! The platform keeps its terminals in its storage and looks them up in its node's
//! snapshot; it shares [`client_identity`] and the refusal of a certificate its
//! `[[terminals]]` entry does not name ([`crate::terminal_certificate::not_registered`]).

use std::sync::Arc;

use axum::http::request::Parts;
use counter_api::ProblemCode;

use crate::http::ApiError;
use crate::serve::{ClientIdentity, Peer};
use crate::terminal_certificate::{check_registered, not_registered_reason};

/// A `[[terminals]]` entry, as [`admit`] and [`listed_twice`] read it.
pub trait ListedTerminal {
    /// The terminal id: the CN of its client certificate.
    fn id(&self) -> &str;
    /// The SHA-256 of the one certificate accepted for it (`certificate_sha256`); `None`:
    /// any certificate of the terminals' CA with the id as CN.
    fn certificate_sha256(&self) -> Option<&[u8; 32]>;
}

/// Why a connection was not admitted as a terminal ([`admit`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum Refusal {
    /// It came without a client certificate (`terminal_unauthenticated`): there is no
    /// terminal to name, and nothing is audited.
    NoCertificate(ApiError),
    /// Its certificate (of the terminals' CA, which TLS checked) names no listed terminal,
    /// or is not the one the entry registers (`403 terminal_unknown`). The server audits it
    /// as action `terminal`, outcome `terminal_unknown`, with `terminal_id` and `reason`.
    Refused {
        /// The certificate's CN (empty when it has none).
        terminal_id: String,
        /// The audit reason: the certificate's SHA-256 for an unknown terminal;
        /// `certificate_not_registered <sha256>` for a certificate the entry does not
        /// register.
        reason: String,
        /// The answer.
        error: ApiError,
    },
}

impl Refusal {
    /// The answer to the request.
    pub fn into_error(self) -> ApiError {
        match self {
            Refusal::NoCertificate(e) | Refusal::Refused { error: e, .. } => e,
        }
    }
}

/// The verified client certificate of the connection `parts` came on; a caller without
/// one is refused with `terminal_unauthenticated`.
pub fn client_identity(parts: &Parts) -> Result<Arc<ClientIdentity>, ApiError> {
    parts
        .extensions
        .get::<Peer>()
        .and_then(|p| p.0.clone())
        .ok_or_else(|| {
            ApiError::new(
                ProblemCode::TerminalUnauthenticated,
                "this endpoint is for terminals: connect with the terminal's client certificate",
            )
        })
}

/// The entry of `terminals` (the `[[terminals]]` of `service` in force) that the request
/// `parts` comes from: the first whose id is its client certificate's CN, if the
/// certificate is the one that entry registers ([`check_registered`]). Otherwise the
/// [`Refusal`], which the server audits and answers.
pub fn admit<'t, T: ListedTerminal>(
    service: &str,
    parts: &Parts,
    terminals: &'t [T],
) -> Result<&'t T, Refusal> {
    let identity = client_identity(parts).map_err(Refusal::NoCertificate)?;
    let cn = identity.common_name.clone().unwrap_or_default();
    let Some(entry) = terminals.iter().find(|t| t.id() == cn) else {
        return Err(Refusal::Refused {
            error: ApiError::new(
                ProblemCode::TerminalUnknown,
                format!(
                    "this terminal's certificate is valid but the terminal ({cn}) is not \
                     registered at this {service}; ask the {service}'s operator to add it to \
                     the configuration's [[terminals]]"
                ),
            ),
            terminal_id: cn,
            reason: identity.sha256.clone(),
        });
    };
    match check_registered(service, &cn, entry.certificate_sha256(), &identity) {
        Ok(()) => Ok(entry),
        Err(error) => Err(Refusal::Refused {
            terminal_id: cn,
            reason: not_registered_reason(&identity),
            error,
        }),
    }
}

/// A terminal id that two `[[terminals]]` entries carry ([`listed_twice`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedTwice {
    /// The id.
    pub id: String,
    /// The index of its first entry.
    pub first: usize,
    /// The index of the later entry that lists it again.
    pub again: usize,
}

impl ListedTwice {
    /// The configuration key to name: the later entry's id, `terminals[again].id`.
    pub fn key(&self) -> String {
        format!("terminals[{}].id", self.again)
    }

    /// What is wrong, naming the first entry.
    pub fn problem(&self) -> String {
        format!(
            "{:?} is listed twice (also terminals[{}])",
            self.id, self.first
        )
    }

    /// What is expected instead.
    pub fn expected(&self) -> &'static str {
        "each terminal once: merge the entries into one"
    }
}

/// The first id of `terminals` listed twice, if any. One entry per terminal: [`admit`]
/// takes the first entry with the id, so what a later one adds (a certificate pin, another
/// merchant, the admin flag) would do nothing.
pub fn listed_twice<T: ListedTerminal>(terminals: &[T]) -> Option<ListedTwice> {
    terminals.iter().enumerate().find_map(|(again, t)| {
        let first = terminals
            .iter()
            .take(again)
            .position(|o| o.id() == t.id())?;
        Some(ListedTwice {
            id: t.id().to_owned(),
            first,
            again,
        })
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::terminal_certificate::NOT_REGISTERED;

    #[derive(Debug)]
    struct Entry(&'static str, Option<[u8; 32]>);

    impl ListedTerminal for Entry {
        fn id(&self) -> &str {
            self.0
        }
        fn certificate_sha256(&self) -> Option<&[u8; 32]> {
            self.1.as_ref()
        }
    }

    fn parts(cn: Option<&str>, sha256: &str) -> Parts {
        let mut request = axum::http::Request::new(());
        if let Some(cn) = cn {
            request
                .extensions_mut()
                .insert(Peer(Some(Arc::new(ClientIdentity {
                    common_name: Some(cn.into()),
                    sha256: sha256.into(),
                }))));
        }
        request.into_parts().0
    }

    fn refused(r: Result<&Entry, Refusal>) -> (String, String, ApiError) {
        match r {
            Err(Refusal::Refused {
                terminal_id,
                reason,
                error,
            }) => (terminal_id, reason, error),
            Err(other) => panic!("not a refused terminal: {other:?}"),
            Ok(e) => panic!("admitted {}", e.0),
        }
    }

    #[test]
    fn a_listed_terminal_is_admitted_with_its_registered_certificate_only() {
        let good = "ab".repeat(32);
        let other = "cd".repeat(32);
        let list = [Entry("desk-1", Some([0xab; 32])), Entry("desk-2", None)];
        assert_eq!(
            admit("insurer", &parts(Some("desk-1"), &good), &list)
                .unwrap()
                .0,
            "desk-1"
        );
        // No certificate_sha256: any certificate of the CA with the CN.
        assert_eq!(
            admit("insurer", &parts(Some("desk-2"), &other), &list)
                .unwrap()
                .0,
            "desk-2"
        );
        let (id, reason, e) = refused(admit("insurer", &parts(Some("desk-1"), &other), &list));
        assert_eq!(id, "desk-1");
        assert_eq!(reason, format!("{NOT_REGISTERED} {other}"));
        assert_eq!(e.problem().code, ProblemCode::TerminalUnknown);
        assert_eq!(e.problem().reason.as_deref(), Some(NOT_REGISTERED));
    }

    #[test]
    fn an_unlisted_terminal_is_refused_with_its_certificate_and_no_certificate_is_unauthenticated()
    {
        let sha = "ef".repeat(32);
        let list = [Entry("desk-1", None)];
        let (id, reason, e) = refused(admit("acquirer", &parts(Some("desk-9"), &sha), &list));
        assert_eq!((id.as_str(), reason.as_str()), ("desk-9", sha.as_str()));
        assert_eq!(e.problem().code, ProblemCode::TerminalUnknown);
        let detail = e.problem().detail.clone().unwrap_or_default();
        assert!(
            detail.contains("desk-9") && detail.contains("acquirer's operator"),
            "{detail}"
        );
        match admit("acquirer", &parts(None, ""), &list) {
            Err(Refusal::NoCertificate(e)) => {
                assert_eq!(e.problem().code, ProblemCode::TerminalUnauthenticated)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_later_entry_of_a_listed_twice_id_is_named_with_the_first() {
        let list = [
            Entry("a", None),
            Entry("b", None),
            Entry("a", Some([1; 32])),
            Entry("b", None),
        ];
        let twice = listed_twice(&list).unwrap();
        assert_eq!(
            twice,
            ListedTwice {
                id: "a".into(),
                first: 0,
                again: 2
            }
        );
        assert_eq!(twice.key(), "terminals[2].id");
        assert_eq!(twice.problem(), "\"a\" is listed twice (also terminals[0])");
        assert_eq!(listed_twice(&list[..2]), None);
    }
}
