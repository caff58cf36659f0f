//! Which node of the verification platform a call goes to, and when the same request may
//! go to another one, sans-IO: the shell (`counter-runtime`'s platform client) sends, feeds
//! each result to [`Failover::next`] and does what it says.
//!
//! The platform may run as several nodes on one storage, listed in the terminal's
//! configuration, or behind a load balancer under one URL. A node that cannot be reached
//! (connection refused or reset, a TLS handshake that fails, a timeout before any answer)
//! or answers `502`/`503` is a node that failed; the request then goes to the next node
//! of the list (with one URL, to the same URL again, where the balancer picks another
//! node: [`BALANCER_ATTEMPTS`] in all), each node of a list at most once.
//!
//! Why that is safe for each call:
//! - a **challenge** request: a challenge the failed node may have issued is never
//!   answered; it expires, and another node issues a new one;
//! - the **answer** to a challenge (an identification or an enrollment): the storage
//!   accepts a challenge exactly once, so the same answer sent to two nodes is accepted at
//!   most once in all. When the first node may have received it and the next one answers
//!   `challenge_replayed`, the first node accepted it (or took the challenge) before it
//!   failed, and its answer is lost: that is [`BackendFailure::AnswerLost`], which says to
//!   start again with a new challenge. It is never a success, never a second success, and
//!   never a wrong PIN (the card signed, so the PIN was right).

use counter_api::ProblemCode;

use crate::backend::BackendFailure;

/// The platform call: whether the same request may go to another node, and what a
/// replay there means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlatformCall {
    /// `POST /v1/challenges`.
    Challenge,
    /// `POST /v1/identifications` or `POST /v1/enrollments`: the answer to a challenge.
    Answer,
}

/// What the shell does next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next<T> {
    /// Send the same request to the node of this index.
    Send {
        /// The node's index in the configured list.
        node: usize,
    },
    /// The call is over: its result.
    Done(Result<T, BackendFailure>),
}

/// Whether `failure` says the node could not serve the request, so that another node may:
/// unreachable (refused, reset, TLS handshake, timeout), or `502`/`503` (a proxy's bad
/// gateway, a node without its storage).
pub fn node_failed(failure: &BackendFailure) -> bool {
    match failure {
        BackendFailure::Unreachable { .. } => true,
        BackendFailure::Problem { status, .. } => matches!(status, 502 | 503),
        BackendFailure::Malformed { .. } | BackendFailure::AnswerLost { .. } => false,
    }
}

/// Attempts of one call at a single URL, a load balancer's. The first may die with the
/// node that held the connection; until the balancer's health checks have taken that node
/// out (seconds), a new connection may still be given to it, and the balancer's own retry
/// of the connection to another node can run past the client's wait when the machine is
/// busy. A third attempt covers that window; a list of nodes needs none (each node once).
/// The price: before the counter says the platform cannot be reached, a customer may wait
/// three request timeouts (15 s with the default `timeout_ms` of 5,000) instead of two; the
/// README's platform section says so.
pub const BALANCER_ATTEMPTS: usize = 3;

/// One platform call across the nodes. See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failover {
    call: PlatformCall,
    nodes: usize,
    node: usize,
    attempts: usize,
    /// The node that may have received the answer before it failed.
    may_have_accepted: Option<usize>,
    /// Whether the last attempt's node answered (so the next call starts there).
    answered: bool,
}

impl Failover {
    /// A call over `nodes` nodes (at least one is assumed), starting at the node `first`
    /// (the one the previous call ended at: [`Failover::next_start`]).
    pub fn new(call: PlatformCall, nodes: usize, first: usize) -> Self {
        let nodes = nodes.max(1);
        Failover {
            call,
            nodes,
            node: first % nodes,
            attempts: 1,
            may_have_accepted: None,
            answered: false,
        }
    }

    /// Attempts at most: each node of a list once, and [`BALANCER_ATTEMPTS`] with a single
    /// URL (a balancer's).
    pub fn max_attempts(&self) -> usize {
        if self.nodes == 1 {
            BALANCER_ATTEMPTS
        } else {
            self.nodes
        }
    }

    /// The node the request goes to now.
    pub fn node(&self) -> usize {
        self.node
    }

    /// Where the next call should start: the node that answered last, or the one after a
    /// node that failed.
    pub fn next_start(&self) -> usize {
        if self.answered {
            self.node
        } else {
            (self.node + 1) % self.nodes
        }
    }

    /// Takes the result of the attempt at [`Failover::node`]: the call's result, or the
    /// node to send the same request to.
    pub fn next<T>(&mut self, result: Result<T, BackendFailure>) -> Next<T> {
        let failure = match result {
            Ok(v) => {
                self.answered = true;
                return Next::Done(Ok(v));
            }
            Err(f) => f,
        };
        if self.call == PlatformCall::Answer
            && failure.problem() == Some(ProblemCode::ChallengeReplayed)
            && let Some(first) = self.may_have_accepted
        {
            self.answered = true;
            return Next::Done(Err(BackendFailure::AnswerLost {
                detail: format!(
                    "node {} may have accepted the answer before it failed, and node {} found \
                     its challenge used: the result is lost; start again with a new challenge",
                    first + 1,
                    self.node + 1
                ),
            }));
        }
        if !node_failed(&failure) {
            self.answered = true;
            return Next::Done(Err(failure));
        }
        self.answered = false;
        if self.attempts >= self.max_attempts() {
            return Next::Done(Err(failure));
        }
        // Only a request known not to have left cannot have been taken by the node.
        let never_sent = matches!(failure, BackendFailure::Unreachable { sent: false, .. });
        if self.call == PlatformCall::Answer && !never_sent && self.may_have_accepted.is_none() {
            self.may_have_accepted = Some(self.node);
        }
        self.attempts += 1;
        self.node = (self.node + 1) % self.nodes;
        Next::Send { node: self.node }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]
    use super::*;
    use crate::backend::problem;

    fn unreachable(sent: bool) -> BackendFailure {
        BackendFailure::Unreachable {
            sent,
            detail: "connection reset".into(),
        }
    }

    fn lost(next: Next<u8>) -> bool {
        matches!(next, Next::Done(Err(BackendFailure::AnswerLost { .. })))
    }

    #[test]
    fn a_node_that_fails_sends_the_request_to_the_next_and_each_node_is_tried_once() {
        let mut f = Failover::new(PlatformCall::Challenge, 3, 1);
        assert_eq!(f.node(), 1);
        assert_eq!(
            f.next::<u8>(Err(unreachable(false))),
            Next::Send { node: 2 }
        );
        assert_eq!(
            f.next::<u8>(Err(problem(503, "unavailable"))),
            Next::Send { node: 0 }
        );
        // The third node failed too: that failure is the call's.
        assert_eq!(
            f.next::<u8>(Err(problem(502, "internal"))),
            Next::Done(Err(problem(502, "internal")))
        );
        assert_eq!(f.next_start(), 1);
        // An answer ends the call where it came from, and the next call starts there.
        let mut f = Failover::new(PlatformCall::Challenge, 2, 0);
        assert_eq!(f.next::<u8>(Err(unreachable(true))), Next::Send { node: 1 });
        assert_eq!(f.next(Ok(7u8)), Next::Done(Ok(7)));
        assert_eq!(f.next_start(), 1);
    }

    #[test]
    fn one_url_is_tried_three_times_for_the_balancer_behind_it_to_pick_another_node() {
        let mut f = Failover::new(PlatformCall::Answer, 1, 5);
        assert_eq!((f.node(), f.max_attempts()), (0, 3));
        assert_eq!(f.next::<u8>(Err(unreachable(true))), Next::Send { node: 0 });
        assert_eq!(
            f.next::<u8>(Err(unreachable(false))),
            Next::Send { node: 0 }
        );
        assert_eq!(
            f.next::<u8>(Err(unreachable(false))),
            Next::Done(Err(unreachable(false)))
        );
        // A list of two nodes: each once.
        assert_eq!(Failover::new(PlatformCall::Answer, 2, 0).max_attempts(), 2);
        // A degenerate count of nodes is one node.
        assert_eq!(Failover::new(PlatformCall::Answer, 0, 3).node(), 0);
    }

    #[test]
    fn what_a_node_decided_is_never_sent_elsewhere() {
        for answer in [
            problem(409, "challenge_replayed"),
            problem(422, "signature_invalid"),
            problem(404, "not_enrolled"),
            problem(500, "internal"),
            problem(504, "internal"),
            BackendFailure::Malformed { detail: "x".into() },
        ] {
            for call in [PlatformCall::Challenge, PlatformCall::Answer] {
                let mut f = Failover::new(call, 2, 0);
                assert_eq!(
                    f.next::<u8>(Err(answer.clone())),
                    Next::Done(Err(answer.clone()))
                );
                assert_eq!(f.next_start(), 0, "{answer:?}");
            }
        }
    }

    #[test]
    fn a_replay_after_a_node_that_may_have_taken_the_answer_is_an_answer_lost() {
        // Reset after sending (the node may have accepted), replay at the next node.
        for first in [
            unreachable(true),
            problem(502, "internal"),
            problem(503, "unavailable"),
        ] {
            let mut f = Failover::new(PlatformCall::Answer, 2, 0);
            assert_eq!(f.next::<u8>(Err(first.clone())), Next::Send { node: 1 });
            let next = f.next::<u8>(Err(problem(409, "challenge_replayed")));
            assert!(lost(next), "{first:?}");
            assert_eq!(f.next_start(), 1);
        }
        // Refused before anything was sent: the node took nothing, so a replay is a replay.
        let mut f = Failover::new(PlatformCall::Answer, 2, 0);
        assert_eq!(
            f.next::<u8>(Err(unreachable(false))),
            Next::Send { node: 1 }
        );
        assert_eq!(
            f.next::<u8>(Err(problem(409, "challenge_replayed"))),
            Next::Done(Err(problem(409, "challenge_replayed")))
        );
        // The first node's own replay (no failover) is a replay too.
        let mut f = Failover::new(PlatformCall::Answer, 2, 0);
        assert_eq!(
            f.next::<u8>(Err(problem(409, "challenge_replayed"))),
            Next::Done(Err(problem(409, "challenge_replayed")))
        );
        // A success after a failover is the one success.
        let mut f = Failover::new(PlatformCall::Answer, 3, 2);
        assert_eq!(f.next::<u8>(Err(unreachable(true))), Next::Send { node: 0 });
        assert_eq!(f.next(Ok(1u8)), Next::Done(Ok(1)));
        // A later node's other refusal stays what it is.
        let mut f = Failover::new(PlatformCall::Answer, 2, 0);
        assert_eq!(f.next::<u8>(Err(unreachable(true))), Next::Send { node: 1 });
        assert_eq!(
            f.next::<u8>(Err(problem(410, "challenge_expired"))),
            Next::Done(Err(problem(410, "challenge_expired")))
        );
    }

    #[test]
    fn node_failures_are_the_transport_and_502_503() {
        assert!(node_failed(&unreachable(false)));
        assert!(node_failed(&unreachable(true)));
        assert!(node_failed(&problem(502, "internal")));
        assert!(node_failed(&problem(503, "unavailable")));
        for other in [500, 504, 409, 400] {
            assert!(!node_failed(&problem(other, "x")), "{other}");
        }
        assert!(!node_failed(&BackendFailure::AnswerLost {
            detail: "x".into()
        }));
    }
}
