//! Who calls a service's platform-only endpoints (`/v1/links`): a verification platform,
//! by its client certificate (verified by TLS against the configured client CA) whose
//! subject CN is the id of a platform the service trusts. Terminals get their own
//! extractor in each server; a configuration check keeps the two lists apart, so that a
//! terminal certificate cannot pose as a platform.

use counter_api::assertion::{AssertionVerifier, KeySet};
use counter_api::{Problem, ProblemCode};

use crate::http::ApiError;
use crate::serve::Peer;

/// The calling platform's id, when the connection's client certificate names a platform in
/// `trusted`; else the problem to answer (`401` without a certificate, `403 forbidden`
/// with reason `not_a_trusted_platform` otherwise).
pub fn platform_caller<'a>(
    peer: &Peer,
    trusted: impl IntoIterator<Item = &'a str>,
) -> Result<String, ApiError> {
    let Some(identity) = &peer.0 else {
        return Err(ApiError::new(
            ProblemCode::TerminalUnauthenticated,
            "this endpoint is for the verification platform: connect with its client certificate",
        ));
    };
    let cn = identity.common_name.as_deref().unwrap_or_default();
    if trusted.into_iter().any(|t| t == cn) {
        return Ok(cn.to_owned());
    }
    Err(ApiError::from(
        Problem::new(
            ProblemCode::Forbidden,
            "only a verification platform this service trusts may confirm links",
        )
        .with_reason("not_a_trusted_platform"),
    ))
}

/// The first id that is both a terminal and a trusted platform, if any (a configuration
/// error: the two roles must not share a certificate name).
pub fn role_clash<'a>(
    terminals: impl IntoIterator<Item = &'a str>,
    platforms: &[&'a str],
) -> Option<&'a str> {
    terminals.into_iter().find(|t| platforms.contains(t))
}

/// The verifier of the assertions addressed to `audience` (this service's id) by the
/// platforms of the configuration's `key` list (`platforms`, `trusted_platforms`), each
/// trusted with its `GET /v1/keys` answer; the error is (key, problem, expected), the form
/// of the servers' configuration checks.
pub fn trusting_verifier(
    audience: &str,
    key: &str,
    platforms: &[KeySet],
) -> Result<AssertionVerifier, (String, String, String)> {
    let mut verifier = AssertionVerifier::new(audience.to_owned());
    for (i, set) in platforms.iter().enumerate() {
        verifier.trust(set).map_err(|e| {
            (
                format!("{key}[{i}].keys"),
                format!("{}: {e}", set.issuer),
                format!("the platform's GET /v1/keys answer with keys that {audience} can use"),
            )
        })?;
    }
    Ok(verifier)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;

    use super::*;
    use crate::serve::ClientIdentity;

    fn peer(cn: Option<&str>) -> Peer {
        Peer(Some(Arc::new(ClientIdentity {
            common_name: cn.map(str::to_owned),
            sha256: "00".into(),
        })))
    }

    #[test]
    fn only_a_trusted_platform_passes() {
        assert_eq!(platform_caller(&peer(Some("pf")), ["pf"]).unwrap(), "pf");
        let e = platform_caller(&peer(Some("desk-1")), ["pf"]).unwrap_err();
        assert_eq!(e.problem().code, ProblemCode::Forbidden);
        assert_eq!(
            e.problem().reason.as_deref(),
            Some("not_a_trusted_platform")
        );
        assert!(platform_caller(&peer(None), ["pf"]).is_err());
        let e = platform_caller(&Peer(None), ["pf"]).unwrap_err();
        assert_eq!(e.problem().code, ProblemCode::TerminalUnauthenticated);
    }

    #[test]
    fn roles_must_not_share_a_name() {
        assert_eq!(role_clash(["a", "pf"], &["pf"]), Some("pf"));
        assert_eq!(role_clash(["a"], &["pf"]), None);
    }
}
