//! How a backend call ended when it did not give its answer, as the workflows see it. The
//! shell (`counter-runtime`) turns transport errors and RFC 9457 problems into this; the
//! workflows decide from it alone.
//!
//! The one distinction that matters for money (docs/domain/payments-and-eid-clients.md §1.10): a
//! **definite** refusal (a problem the server chose to send) versus an **unknown** outcome
//! (timeout, connection reset, 5xx, `request_in_progress`, an unreadable body), which is
//! never shown as a decline.

use counter_api::ProblemCode;
use serde::{Deserialize, Serialize};

/// Why a backend call gave no usable answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BackendFailure {
    /// The request may not have arrived, or the answer was lost: connect failure, TLS
    /// failure, timeout, connection reset. `sent` is false only when the shell knows the
    /// request never left (e.g. the connection was refused).
    Unreachable {
        /// Whether the request may have reached the server.
        sent: bool,
        /// What the transport said (for the log, never for customers).
        detail: String,
    },
    /// The server answered with a problem document.
    Problem {
        /// HTTP status.
        status: u16,
        /// The stable problem code (`counter_api::ProblemCode` name).
        code: String,
        /// The server's explanation (staff and logs only).
        detail: String,
        /// The field named by the problem, if any (`attributes_mismatch`, `invalid_field`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field: Option<String>,
        /// The problem's `reason` extension, if any (decline code, refusal code).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The server answered 2xx with a body that is not the expected JSON.
    Malformed {
        /// What was wrong.
        detail: String,
    },
    /// A platform node may have accepted the answer to a challenge and failed before it
    /// answered, and the same answer sent to another node found the challenge used
    /// ([`crate::failover`]): the result is lost, and the identification starts again
    /// with a new challenge.
    AnswerLost {
        /// Which nodes (for the log, never for customers).
        detail: String,
    },
}

impl BackendFailure {
    /// The problem code, when the server sent a known one.
    pub fn problem(&self) -> Option<ProblemCode> {
        match self {
            Self::Problem { code, .. } => {
                serde_json::from_value(serde_json::Value::String(code.clone())).ok()
            }
            _ => None,
        }
    }

    /// Whether the server may have acted on the request although no answer says so: the
    /// outcome is unknown and must be resolved by a status query, never assumed.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Unreachable { sent, .. } => *sent,
            Self::Malformed { .. } | Self::AnswerLost { .. } => true,
            Self::Problem { status, code, .. } => {
                *status >= 500 || code == "request_in_progress" || code == "internal"
            }
        }
    }

    /// Whether the server refused the request for good: a problem with a 4xx status other
    /// than 408 (Request Timeout) and 429 (Too Many Requests), which say "not now", and not
    /// one whose outcome is unknown ([`Self::outcome_unknown`], e.g. `request_in_progress`).
    /// Sent again unchanged, a refused request is refused again: show it as final. Everything
    /// else (408, 429, 5xx, unreachable, an unreadable answer, a lost one) may succeed later
    /// and is retried, never shown as a final failure. The one rule of every caller that
    /// tells "refused" from "try again later" (the folder answers, the appointments'
    /// pre-check, the re-check queue).
    pub fn refused(&self) -> bool {
        match self {
            Self::Problem { status, .. } => {
                (400..500).contains(status)
                    && !matches!(status, 408 | 429)
                    && !self.outcome_unknown()
            }
            Self::Unreachable { .. } | Self::Malformed { .. } | Self::AnswerLost { .. } => false,
        }
    }
}

/// A problem document of `status` and `code`, nothing else: for unit tests.
#[cfg(test)]
pub(crate) fn problem(status: u16, code: &str) -> BackendFailure {
    BackendFailure::Problem {
        status,
        code: code.into(),
        detail: String::new(),
        field: None,
        reason: None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn unknown_outcomes_are_never_definite() {
        assert!(problem(503, "unavailable").outcome_unknown());
        assert!(problem(409, "request_in_progress").outcome_unknown());
        assert!(!problem(402, "payment_declined").outcome_unknown());
        assert!(!problem(409, "assertion_replayed").outcome_unknown());
        let lost = BackendFailure::Unreachable {
            sent: true,
            detail: "reset".into(),
        };
        assert!(lost.outcome_unknown());
        let refused = BackendFailure::Unreachable {
            sent: false,
            detail: "refused".into(),
        };
        assert!(!refused.outcome_unknown());
        assert_eq!(
            problem(402, "payment_declined").problem(),
            Some(ProblemCode::PaymentDeclined)
        );
    }

    #[test]
    fn a_4xx_is_refused_but_not_now_and_unknown_outcomes_are_retried() {
        for (status, code) in [
            (400, "invalid_field"),
            (401, "unauthorised"),
            (403, "forbidden"),
            (404, "reception_unknown"),
            (422, "invalid_field"),
        ] {
            assert!(problem(status, code).refused(), "{status} {code}");
        }
        for (status, code) in [
            (408, "timeout"),
            (429, "rate_limited"),
            (409, "request_in_progress"),
            (500, "internal"),
            (503, "unavailable"),
        ] {
            assert!(!problem(status, code).refused(), "{status} {code}");
        }
        for f in [
            BackendFailure::Unreachable {
                sent: false,
                detail: "refused".into(),
            },
            BackendFailure::Malformed {
                detail: "not JSON".into(),
            },
            BackendFailure::AnswerLost {
                detail: "node a".into(),
            },
        ] {
            assert!(!f.refused(), "{f:?}");
        }
    }
}
