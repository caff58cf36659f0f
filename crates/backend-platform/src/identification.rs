//! The identification flow: challenge, certificate and signature, revocation, registry,
//! menu. Synchronous (RSA and the storage); handlers run it on the blocking pool.

use backend_kit::ApiError;
use counter_api::platform::{
    ChallengeBinding, ChallengePurpose, IdentificationRequest, IdentificationResponse, Notice,
    ServiceKind, ServiceLink,
};
use counter_api::{Problem, ProblemCode};
use jpki_cert::{Accepted, JpkiCertificate, RevocationStatus, UnixTime, Verdict};

use crate::answer::{self, Answered};
use crate::audit::AuditEvent;
use crate::core::challenges::TakeDecision;
use crate::core::menu::{LinkedService, MenuRequest, build_menu};
use crate::core::refusal::certificate_problem;
use crate::platform::{Platform, outcome_of, random_id};
use crate::registry::{Enrolled, SignScope};
use crate::storage::SettledEnrolled;

/// Decodes the base64 fields of an identification.
pub fn decode(req: &IdentificationRequest, prefix: &str) -> Result<(Vec<u8>, Vec<u8>), ApiError> {
    let b64 = |f: &'static str, v: &str| {
        counter_api::b64::decode(f, v).map_err(|e| {
            ApiError::from(
                Problem::new(ProblemCode::InvalidBase64, e.to_string())
                    .with_field(format!("{prefix}{f}")),
            )
        })
    };
    Ok((
        b64("auth_certificate", &req.auth_certificate)?,
        b64("signature", &req.signature)?,
    ))
}

/// Checks the challenge id's shape and decodes the answer (certificate, signature).
fn check_answer(req: &IdentificationRequest, prefix: &str) -> Result<(Vec<u8>, Vec<u8>), ApiError> {
    if let Err(e) = counter_api::ident::check_id("challenge_id", &req.challenge_id) {
        return Err(Problem::new(ProblemCode::InvalidField, e.to_string())
            .with_field(format!("{prefix}challenge_id"))
            .into());
    }
    decode(req, prefix)
}

/// The card's certificate and its signature over `binding`, checked.
fn verify_card(
    p: &Platform,
    der: &[u8],
    binding: &ChallengeBinding,
    sig: &[u8],
    now: UnixTime,
    prefix: &str,
) -> Result<Accepted, ApiError> {
    match p
        .auth
        .verify_identification(der, &binding.to_be_signed(), sig, now, p.crl.index())
    {
        Verdict::Accepted(a) => Ok(*a),
        Verdict::Refused { reason } => {
            let mut problem = certificate_problem("auth_certificate", &reason);
            if let Some(f) = &problem.field {
                problem.field = Some(format!("{prefix}{f}"));
            }
            Err(problem.into())
        }
        _ => Err(ApiError::from(Problem::new(
            ProblemCode::Internal,
            "unexpected verdict",
        ))),
    }
}

/// Takes the challenge and verifies the card's answer; returns the binding and the
/// accepted certificate. The enrollment's step: the challenge is consumed before anything
/// is checked (an identification settles it with its verdict instead,
/// [`crate::answer`]).
pub fn verify_answer(
    p: &Platform,
    terminal_id: &str,
    req: &IdentificationRequest,
    purposes: &[ChallengePurpose],
    now: UnixTime,
    event: &mut AuditEvent,
) -> Result<(ChallengeBinding, Accepted), ApiError> {
    let prefix = if purposes.contains(&ChallengePurpose::Enroll) {
        "identification."
    } else {
        ""
    };
    let (der, sig) = check_answer(req, prefix)?;
    event.challenge_id = Some(req.challenge_id.clone());
    let binding = p
        .store
        .take_challenge(&p.challenges, &req.challenge_id, terminal_id, purposes, now)
        .map_err(|e| e.problem())?;
    let accepted = verify_card(p, &der, &binding, &sig, now, prefix)?;
    event.certificate = Some((
        accepted.linkage.issuer.clone(),
        accepted.linkage.serial.clone(),
    ));
    Ok((binding, accepted))
}

/// The links of `enrolled` that the menu of `purpose` shows: configured services only, and
/// for a payment challenge payment methods (and peer platforms, whose own payment methods
/// the exchange then selects) only.
pub fn menu_links(
    p: &Platform,
    enrolled: &Enrolled,
    purpose: ChallengePurpose,
) -> Vec<LinkedService> {
    enrolled
        .links
        .iter()
        .filter_map(|link| {
            let service = p.settings.service(link.service_id())?;
            if service.kind != link.kind() {
                return None;
            }
            if purpose == ChallengePurpose::Payment
                && !matches!(link, ServiceLink::Payment(_) | ServiceLink::Platform(_))
            {
                return None;
            }
            Some(LinkedService {
                service: service.clone(),
                link: link.clone(),
            })
        })
        .collect()
}

/// Notices about the holder: the signature certificate linked at enrollment has been
/// revoked since (the four attributes changed: moved, renamed), or whether it has could not
/// be checked (no current CRL covers it). Never silence when it is unknown.
pub fn notices(p: &Platform, enrolled: &Enrolled, now: UnixTime) -> Vec<Notice> {
    let Some(sign) = &enrolled.sign else {
        return Vec::new();
    };
    let unchecked = |detail: String| vec![Notice::SignCertificateUnchecked { detail }];
    let (Ok(key), Ok(serial)) = (hex::decode(&sign.root_key), hex::decode(&sign.serial)) else {
        return unchecked(
            "the registry's record of the signature certificate is unreadable".into(),
        );
    };
    let Ok(key) = <[u8; 32]>::try_from(key) else {
        return unchecked(
            "the registry's record of the signature certificate is unreadable".into(),
        );
    };
    let Some(anchor) = p
        .settings
        .sign_store
        .anchors()
        .iter()
        .find(|a| *a.key_hash() == key)
    else {
        return unchecked("the signature certificate's root is no longer trusted here".into());
    };
    let dps = match &sign.scope {
        SignScope::Known(dps) => dps.clone(),
        SignScope::Certificate(der) => match JpkiCertificate::from_der(der) {
            Ok(c) => c.crl_distribution_points().to_vec(),
            Err(_) => {
                return unchecked("the stored signature certificate cannot be read".into());
            }
        },
    };
    let index = p.crl.index().snapshot();
    match index.status_of(&key, anchor.label(), &dps, &serial, now) {
        RevocationStatus::Revoked {
            reason, revoked_at, ..
        } => vec![Notice::SignCertificateRevoked {
            revoked_at,
            reason: serde_json::to_value(reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        }],
        RevocationStatus::Unknown { detail } => unchecked(detail),
        _ => Vec::new(),
    }
}

/// `POST /v1/identifications`.
///
/// The answer is judged before its challenge is used up, then settled with its verdict in
/// one transaction of the storage ([`crate::answer`]): on PostgreSQL, an identification at
/// the node that issued its challenge is one statement (the challenge consumed if pending,
/// the registry read, the audit row written: [`Storage::settle_enrolled`]); a payment's,
/// whose verdict needs the holder's links, reads the registry first.
///
/// [`Storage::settle_enrolled`]: crate::storage::Storage::settle_enrolled
pub fn identify(
    p: &Platform,
    terminal_id: &str,
    req: &IdentificationRequest,
) -> Result<IdentificationResponse, ApiError> {
    let now = p.now();
    let mut event = AuditEvent {
        at: now,
        terminal_id: Some(terminal_id.to_owned()),
        action: "identify",
        ..AuditEvent::default()
    };
    identify_inner(p, terminal_id, req, now, &mut event).audited(p, event)
}

/// The purposes an identification answers.
const IDENTIFY: [ChallengePurpose; 2] = [ChallengePurpose::Identify, ChallengePurpose::Payment];

fn identify_inner(
    p: &Platform,
    terminal_id: &str,
    req: &IdentificationRequest,
    now: UnixTime,
    event: &mut AuditEvent,
) -> Answered<IdentificationResponse> {
    let (der, sig) = match check_answer(req, "") {
        Ok(x) => x,
        Err(e) => return Answered::Unaudited(Err(e)),
    };
    let id = req.challenge_id.as_str();
    event.challenge_id = Some(id.to_owned());
    let stored = match answer::stored(p, id) {
        Ok(s) => s,
        Err(e) => return Answered::Unaudited(Err(e)),
    };
    let binding = match p
        .challenges
        .take(id, stored.as_ref(), terminal_id, &IDENTIFY, now)
    {
        TakeDecision::Consume(b) => b,
        TakeDecision::Keep(_) | TakeDecision::Forget(_) => {
            return Answered::Unaudited(Err(answer::refusal(p, id, terminal_id, &IDENTIFY, now)));
        }
    };
    let accepted = match verify_card(p, &der, &binding, &sig, now, "") {
        Ok(a) => a,
        Err(refused) => return answer::settle(p, &binding, &IDENTIFY, now, event, Err(refused)),
    };
    event.certificate = Some((
        accepted.linkage.issuer.clone(),
        accepted.linkage.serial.clone(),
    ));
    if binding.purpose == ChallengePurpose::Identify {
        return settle_enrolled(p, &binding, &accepted, now, event);
    }
    let enrolled = match p.store.lookup(&accepted.linkage) {
        Ok(e) => e,
        Err(e) => return Answered::Unaudited(Err(e.problem().into())),
    };
    let verdict = match enrolled {
        Some(enrolled) => {
            event.subject_id = Some(enrolled.subject_id.clone());
            respond(p, &binding, &enrolled, now)
        }
        None => Err(not_enrolled()),
    };
    answer::settle(p, &binding, &IDENTIFY, now, event, verdict)
}

/// An identification (not a payment) of a verified card: it succeeds if the card is
/// enrolled, so the challenge, the registry and the audit row are one step of the storage.
fn settle_enrolled(
    p: &Platform,
    binding: &ChallengeBinding,
    accepted: &Accepted,
    now: UnixTime,
    event: &mut AuditEvent,
) -> Answered<IdentificationResponse> {
    let id = &binding.challenge_id;
    let row = outcome_of(event.clone(), Ok(()));
    match p
        .store
        .settle_enrolled(id, &binding.terminal_id, &accepted.linkage, &row)
    {
        Ok(SettledEnrolled::Consumed(enrolled)) => {
            p.issued.remove(id);
            event.subject_id = Some(enrolled.subject_id.clone());
            match respond(p, binding, &enrolled, now) {
                Ok(r) => Answered::Audited(Ok(r)),
                // Its row says `ok`, but the answer could not be made after the commit
                // (signing the menu needs randomness): a second row records what the
                // terminal was told.
                Err(e) => Answered::Unaudited(Err(e)),
            }
        }
        Ok(SettledEnrolled::NotEnrolled) => {
            answer::settle(p, binding, &IDENTIFY, now, event, Err(not_enrolled()))
        }
        Ok(SettledEnrolled::NotPending) => Answered::Unaudited(Err(answer::refusal(
            p,
            id,
            &binding.terminal_id,
            &IDENTIFY,
            now,
        ))),
        Err(e) => Answered::Unaudited(Err(e.problem().into())),
    }
}

fn not_enrolled() -> ApiError {
    Problem::new(
        ProblemCode::NotEnrolled,
        "this card is linked to no service on this platform: enrol it first (signature certificate and application)",
    )
    .into()
}

/// The answer for an enrolled card: its menu (a payment needs a payment method) and
/// notices.
fn respond(
    p: &Platform,
    binding: &ChallengeBinding,
    enrolled: &Enrolled,
    now: UnixTime,
) -> Result<IdentificationResponse, ApiError> {
    let links = menu_links(p, enrolled, binding.purpose);
    if links.is_empty() && binding.purpose == ChallengePurpose::Payment {
        return Err(Problem::new(
            ProblemCode::NotEnrolled,
            "no payment method is linked to this card",
        )
        .with_reason("no_payment_method")
        .into());
    }
    let notices = notices(p, enrolled, now);
    let menu = menu_for(p, binding, &enrolled.subject_id, None, now, &links)?;
    Ok(IdentificationResponse {
        identification_id: random_id("idn_")?,
        purpose: binding.purpose,
        menu,
        notices,
    })
}

/// Builds the menu with fresh `jti`s.
pub fn menu_for(
    p: &Platform,
    binding: &ChallengeBinding,
    subject_id: &str,
    federated_from: Option<&str>,
    now: UnixTime,
    links: &[LinkedService],
) -> Result<Vec<counter_api::platform::MenuEntry>, ApiError> {
    let req = MenuRequest {
        platform_id: &p.settings.platform_id,
        binding,
        subject_id,
        federated_from,
        now,
        ttl_secs: p.settings.assertion_ttl_secs,
    };
    let mut failed = None;
    let mut jti = || {
        random_id("jti_").unwrap_or_else(|e| {
            failed = Some(e);
            String::new()
        })
    };
    let menu = build_menu(
        &req,
        links,
        &p.settings.signer,
        &p.settings.pseudonym_secret,
        &mut jti,
    )
    .map_err(|e| Problem::new(ProblemCode::Internal, format!("assertion: {e}")))?;
    match failed {
        Some(e) => Err(e),
        None => Ok(menu),
    }
}

/// Whether a service kind is offered (used by enrollment).
pub fn kind_name(k: ServiceKind) -> &'static str {
    match k {
        ServiceKind::Insurance => "insurance",
        ServiceKind::Payment => "payment",
        ServiceKind::Platform => "platform",
    }
}
