//! The enrollment flow, in three steps:
//!
//! 1. **verify** (blocking: RSA, SQLite): the application's rules, the identification of
//!    the `enroll` challenge (authentication certificate), the signature certificate and
//!    its signature over the application, the four attributes, and which holder the card
//!    belongs to;
//! 2. **confirm** (async, [`crate::links`]): each insurance and payment service named is
//!    asked whether its record is this holder's, with the certificate's attributes (the
//!    customer agreed to that disclosure in the signed application). A peer platform
//!    needs no confirmation;
//! 3. **store** (blocking): only the confirmed links go into the registry. When none was
//!    confirmed nothing is stored and the answer is `422 link_refused`; links replaced by
//!    other data are released at their service.
//!
//! Both certificates answer the same single-use challenge at the same terminal (the
//! application's canonical bytes carry its id), which is what ties the signature
//! certificate to the authentication certificate being linked.

use std::sync::Arc;

use backend_kit::ApiError;
use counter_api::attributes::CertifiedAttributes;
use counter_api::links::{LinkRelease, LinkRequest};
use counter_api::platform::{
    Application, ChallengePurpose, EnrollmentRequest, EnrollmentResponse, LinkRefusal, MenuEntry,
    ServiceLink,
};
use counter_api::{Problem, ProblemCode};
use jpki_cert::challenge::verify_challenge;
use jpki_cert::{JpkiCertificate, LinkageKey, UnixTime};

use crate::audit::AuditEvent;
use crate::core::holder::{HolderConflict, LastingFacts};
use crate::core::matching::match_application;
use crate::core::menu::label;
use crate::core::pseudonym::pairwise_subject;
use crate::core::refusal::{certificate_problem, holder_problem, mismatch_problem};
use crate::identification::{kind_name, verify_answer};
use crate::links::{Confirmation, judge};
use crate::platform::{Platform, outcome_of, random_id};
use crate::registry::{EnrollError, NewEnrollment};

/// A verified enrollment, waiting for its links to be confirmed.
#[derive(Debug)]
pub struct Verified {
    /// The fresh enrollment id.
    pub enrollment_id: String,
    /// The authentication certificate to link.
    pub auth: LinkageKey,
    /// The signed application and its signature certificate.
    pub signed: SignedApplication,
    /// The holder: its registry id, and whether it is new.
    pub subject: (String, bool),
    /// The holder's links when verified (none for a new holder): the services hold these
    /// already, so a failed store must not release them.
    pub held: Vec<ServiceLink>,
    /// The holder the operator accepted the signature certificate for (its birth date or
    /// sex legally changed), if it names other ones than the holder's latest.
    pub corrected_for: Option<String>,
}

/// An application whose signature, signature certificate and four attributes verified.
#[derive(Debug)]
pub struct SignedApplication {
    /// The application as signed.
    pub application: Application,
    /// Its signature (PKCS#1 v1.5).
    pub signature: Vec<u8>,
    /// The signature certificate.
    pub sign: LinkageKey,
    /// The signature certificate, DER.
    pub sign_der: Vec<u8>,
    /// Its first CRL distribution point (DirName DER).
    pub sign_crl_scope: Option<Vec<u8>>,
    /// Its root's SPKI hash, hex.
    pub sign_root_key: String,
    /// The certificate's four attributes (matched by the application).
    pub certified: CertifiedAttributes,
    /// Its birth date and sex, which a renewal keeps ([`crate::core::holder`]).
    pub lasting: LastingFacts,
}

/// The audit action of an enrollment (its row's `action`).
pub const AUDIT_ACTION: &str = "enroll";

/// `POST /v1/enrollments`.
pub async fn enroll(
    p: Arc<Platform>,
    terminal_id: String,
    req: EnrollmentRequest,
) -> Result<EnrollmentResponse, ApiError> {
    let now = p.now();
    let event = AuditEvent {
        at: now,
        terminal_id: Some(terminal_id.clone()),
        action: AUDIT_ACTION,
        ..AuditEvent::default()
    };
    let mut audit = EnrollAudit::default();
    let (event, result) = run(&p, terminal_id, req, now, event, &mut audit).await;
    if audit.written {
        return result;
    }
    p.audited_all_async(audit.rows, event, result).await
}

/// The audit rows of one enrollment besides its own (the services' confirmations): written
/// in the enrollment's transaction with its own row when it is stored, else after it failed.
#[derive(Debug, Default)]
pub struct EnrollAudit {
    /// The rows.
    pub rows: Vec<AuditEvent>,
    /// Whether they and the enrollment's own row are written.
    pub written: bool,
}

impl EnrollAudit {
    /// The rows to write with a stored enrollment: these and `event`, `ok`.
    pub fn with_success(&self, event: &AuditEvent) -> Vec<AuditEvent> {
        let mut rows = self.rows.clone();
        rows.push(outcome_of(event.clone(), Ok(())));
        rows
    }
}

async fn run(
    p: &Arc<Platform>,
    terminal_id: String,
    req: EnrollmentRequest,
    now: UnixTime,
    event: AuditEvent,
    audit: &mut EnrollAudit,
) -> (AuditEvent, Result<EnrollmentResponse, ApiError>) {
    let fallback = event.clone();
    let pv = p.clone();
    let tid = terminal_id.clone();
    let verified = tokio::task::spawn_blocking(move || {
        let mut event = event;
        let v = verify(&pv, &tid, &req, now, &mut event);
        (event, v)
    })
    .await;
    let (mut event, verified) = match verified {
        Ok((e, Ok(v))) => (e, v),
        Ok((e, Err(err))) => return (e, Err(err)),
        Err(e) => return (fallback, Err(task_failed(&e))),
    };
    event.subject_id = Some(verified.subject.0.clone());
    let (links, rows) = confirm_all(
        p,
        &LinkAsk {
            terminal_id: &terminal_id,
            enrollment_id: &verified.enrollment_id,
            subject_id: &verified.subject.0,
            links: &verified.signed.application.services,
            certified: &verified.signed.certified,
            now,
        },
    )
    .await;
    audit.rows = rows;
    let (confirmed, refused) = split(links);
    if let Some(summary) = refusal_summary(&refused) {
        event.reason = Some(summary);
    }
    if confirmed.is_empty() {
        return (event, Err(nothing_confirmed(&refused)));
    }
    let ps = p.clone();
    let rows = audit.with_success(&event);
    let stored = tokio::task::spawn_blocking(move || {
        let stored = store(&ps, &terminal_id, &verified, &confirmed, now, &rows);
        (verified, confirmed, stored)
    })
    .await;
    let (verified, confirmed, stored) = match stored {
        Ok(s) => s,
        Err(e) => return (event, Err(task_failed(&e))),
    };
    match stored {
        Ok((linked, replaced)) => {
            audit.written = true;
            release_all(p, &verified.subject.0, &replaced, now).await;
            (
                event,
                Ok(EnrollmentResponse {
                    enrollment_id: verified.enrollment_id,
                    linked,
                    refused,
                }),
            )
        }
        Err(e) => {
            // A conflict found in the store's transaction: its row names what the
            // operator's commands look for, as one found at verification does.
            if let EnrollError::Conflict { conflict, named } = &e {
                name_refusal(
                    &mut event,
                    conflict,
                    named.as_deref(),
                    &verified.signed.sign,
                );
            }
            let e = store_problem(e);
            // The services bound their records to this holder's subject for nothing: undo
            // what this enrollment bound, not what the holder held already.
            let bound = newly_bound(&confirmed, &verified.held);
            release_all(p, &verified.subject.0, &bound, now).await;
            (event, Err(e))
        }
    }
}

/// The links of `confirmed` that the holder did not hold already with the same data
/// (`held`): those a failed store releases at their services. A link held already was bound
/// by an earlier enrollment that the registry still names, and its service confirming it
/// again changed nothing there.
pub fn newly_bound(confirmed: &[ServiceLink], held: &[ServiceLink]) -> Vec<ServiceLink> {
    confirmed
        .iter()
        .filter(|l| {
            !held
                .iter()
                .any(|h| h.service_id() == l.service_id() && h.data() == l.data())
        })
        .cloned()
        .collect()
}

/// A verification or storage task that panicked: `internal`, the panic's text logged only.
fn task_failed(e: &tokio::task::JoinError) -> ApiError {
    backend_kit::task::task_failed("enrollment", e, "enrol again")
}

/// Names in the audit row of an enrollment refused for `conflict` what the operator's
/// commands look for, whether the conflict was found at verification or in the store's
/// transaction: the conflict as its reason, `named` ([`crate::core::holder::CardHolders::named_by`]) and, for a new
/// signature certificate naming another birth date or sex, that certificate `sign`.
/// - `signature_linked_elsewhere`: the holder of the signature certificate, the one the
///   operator may attach the authentication certificate to
///   ([`crate::core::holder::attach_auth`]);
/// - `signature_of_another_person`: the holder of the authentication certificate and the
///   new signature certificate, the one the operator may accept for that holder when the
///   customer's birth date or sex was legally changed
///   ([`crate::core::correction::accept_correction`]).
fn name_refusal(
    event: &mut AuditEvent,
    conflict: &HolderConflict,
    named: Option<&str>,
    sign: &LinkageKey,
) {
    // The conflict is the row's reason, which the operator's commands look for: a conflict
    // found in the store's transaction has the links' refusals summarised there already,
    // and [`outcome_of`] fills in only an empty reason.
    event.reason = holder_problem(conflict).reason;
    if matches!(
        conflict,
        HolderConflict::SignatureLinkedElsewhere | HolderConflict::SignatureOfAnotherPerson { .. }
    ) {
        event.subject_id = named.map(str::to_owned);
    }
    if let HolderConflict::SignatureOfAnotherPerson { .. } = conflict {
        event.certificate = Some((sign.issuer.clone(), sign.serial.clone()));
    }
}

/// Splits the confirmations into the links to store and the refusals to report.
pub fn split(links: Vec<(ServiceLink, Confirmation)>) -> (Vec<ServiceLink>, Vec<LinkRefusal>) {
    let mut confirmed = Vec::new();
    let mut refused = Vec::new();
    for (link, c) in links {
        match c {
            Confirmation::Confirmed => confirmed.push(link),
            Confirmation::Refused(r) => refused.push(r),
        }
    }
    (confirmed, refused)
}

/// The audit reason of refusals: `service:reason` for each.
pub fn refusal_summary(refused: &[LinkRefusal]) -> Option<String> {
    (!refused.is_empty()).then(|| {
        refused
            .iter()
            .map(|r| format!("{}:{}", r.service_id, r.reason_code()))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// The problem when no link was confirmed: the first refusal names the link and why.
pub fn nothing_confirmed(refused: &[LinkRefusal]) -> ApiError {
    let Some(first) = refused.first() else {
        return ApiError::new(ProblemCode::Internal, "no link to store");
    };
    let why = |r: &LinkRefusal| match (r.reason, r.attribute) {
        (_, Some(a)) => format!(
            "{}: its record names another person (the {} differs)",
            r.service_id,
            a.as_str().replace('_', " ")
        ),
        (counter_api::platform::LinkRefusalReason::RecordUnknown, _) => {
            format!("{}: it holds no record with these numbers", r.service_id)
        }
        (counter_api::platform::LinkRefusalReason::ServiceUnavailable, _) => {
            format!("{}: it could not be reached", r.service_id)
        }
        _ => format!("{}: it refused the request", r.service_id),
    };
    let detail = format!(
        "no link was confirmed by its service, nothing was stored ({}). Check the numbers with the customer's own insurance card or payment card; if the service could not be reached, try again later.",
        refused.iter().map(why).collect::<Vec<_>>().join("; ")
    );
    Problem::new(ProblemCode::LinkRefused, detail)
        .with_field(format!("application.services[{}]", first.index))
        .with_reason(first.reason_code())
        .into()
}

/// Step 1: everything that does not need the services.
pub fn verify(
    p: &Platform,
    terminal_id: &str,
    req: &EnrollmentRequest,
    now: UnixTime,
    event: &mut AuditEvent,
) -> Result<Verified, ApiError> {
    let app = &req.application;
    app.validate()?;
    if app.challenge_id != req.identification.challenge_id {
        return Err(Problem::new(
            ProblemCode::InvalidField,
            "the application and the identification must answer the same enroll challenge",
        )
        .with_field("application.challenge_id")
        .into());
    }
    check_services(p, &app.services)?;
    if req.sign_certificate.is_empty() {
        return Err(Problem::new(
            ProblemCode::InvalidField,
            "enrollment needs the card's signature certificate; cards without one (minors', 顔認証 cards) can be linked only at the insurer's or acquirer's own counter",
        )
        .with_field("sign_certificate")
        .into());
    }
    let (_binding, auth) = verify_answer(
        p,
        terminal_id,
        &req.identification,
        &[ChallengePurpose::Enroll],
        now,
        event,
    )?;
    let signed = verify_signed(
        p,
        app,
        &req.sign_certificate,
        &req.application_signature,
        now,
        event,
    )?;
    let holders = p
        .store
        .card_holders(&auth.linkage, &signed.sign)
        .map_err(|e| e.problem())?;
    let mut corrected_for = None;
    let mut holder = holders.holder(&signed.lasting, None);
    if let Err(HolderConflict::SignatureOfAnotherPerson { .. }) = holder {
        // Accepted by the operator for the holder (a legally changed birth date or sex)?
        corrected_for = p
            .store
            .corrected_holder(&signed.sign)
            .map_err(|e| e.problem())?;
        holder = holders.holder(&signed.lasting, corrected_for.as_deref());
    }
    let holder = holder.map_err(|c| {
        name_refusal(event, &c, holders.named_by(&c), &signed.sign);
        holder_problem(&c)
    })?;
    let (subject, held) = match holder {
        Some(s) => {
            let held = p.store.links_of(s).map_err(|e| e.problem())?;
            ((s.to_owned(), false), held)
        }
        None => ((random_id("sub_")?, true), Vec::new()),
    };
    Ok(Verified {
        enrollment_id: random_id("enr_")?,
        auth: auth.linkage,
        signed,
        subject,
        held,
        corrected_for,
    })
}

/// Verifies an application signed with the signature certificate (both base64, as on the
/// wire): the certificate (chain, validity, revocation), its signature over the
/// application's canonical bytes, and the four attributes.
pub fn verify_signed(
    p: &Platform,
    app: &Application,
    sign_certificate: &str,
    application_signature: &str,
    now: UnixTime,
    event: &mut AuditEvent,
) -> Result<SignedApplication, ApiError> {
    let b64 = |f: &'static str, v: &str| {
        counter_api::b64::decode(f, v).map_err(|e| {
            ApiError::from(Problem::new(ProblemCode::InvalidBase64, e.to_string()).with_field(f))
        })
    };
    let sign_der = b64("sign_certificate", sign_certificate)?;
    let signature = b64("application_signature", application_signature)?;
    let sign_cert = JpkiCertificate::from_der(&sign_der)
        .map_err(|r| certificate_problem("sign_certificate", &r))?;
    let sign = p
        .sign
        .verify_parsed(&sign_cert, now, p.crl.index())
        .map_err(|r| certificate_problem("sign_certificate", &r))?;
    verify_challenge(&sign_cert, &app.canonical_bytes(), &signature)
        .map_err(|r| certificate_problem("sign_certificate", &r))?;
    let identity = sign.identity.as_ref().ok_or_else(|| {
        Problem::new(
            ProblemCode::CertificateRefused,
            "the signature certificate carries no attributes",
        )
        .with_field("sign_certificate")
    })?;
    let certified = match_application(app, identity).map_err(|m| {
        event.reason = Some(m.field().to_owned());
        mismatch_problem(m)
    })?;
    let lasting = LastingFacts::of(identity);
    let sign_root_key = p
        .settings
        .sign_store
        .anchors()
        .iter()
        .find(|a| a.label() == sign.root)
        .map(|a| hex::encode(a.key_hash()))
        .ok_or_else(|| {
            Problem::new(
                ProblemCode::Internal,
                "the signing root vanished from the store",
            )
        })?;
    Ok(SignedApplication {
        application: app.clone(),
        signature,
        sign: sign.linkage,
        sign_crl_scope: sign_cert.crl_distribution_points().first().cloned(),
        sign_der,
        sign_root_key,
        certified,
        lasting,
    })
}

/// Every link names a service this platform offers, of the link's kind.
pub fn check_services(p: &Platform, services: &[ServiceLink]) -> Result<(), ApiError> {
    for (i, link) in services.iter().enumerate() {
        match p.settings.service(link.service_id()) {
            Some(s) if s.kind == link.kind() => {}
            Some(s) => {
                return Err(Problem::new(
                    ProblemCode::ServiceUnknown,
                    format!(
                        "service {} is a {} service, not {}",
                        s.id,
                        kind_name(s.kind),
                        kind_name(link.kind())
                    ),
                )
                .with_field(format!("application.services[{i}].kind"))
                .into());
            }
            None => {
                return Err(Problem::new(
                    ProblemCode::ServiceUnknown,
                    format!("this platform offers no service {:?}", link.service_id()),
                )
                .with_field(format!("application.services[{i}].service_id"))
                .into());
            }
        }
    }
    Ok(())
}

/// What the services are asked to confirm.
#[derive(Debug)]
pub struct LinkAsk<'a> {
    /// The terminal enrolling.
    pub terminal_id: &'a str,
    /// The enrollment.
    pub enrollment_id: &'a str,
    /// The holder's registry id (each service gets its pairwise subject).
    pub subject_id: &'a str,
    /// The links requested, in the application's order.
    pub links: &'a [ServiceLink],
    /// The holder's certified attributes.
    pub certified: &'a CertifiedAttributes,
    /// Now (the consent's time: the application was just signed).
    pub now: UnixTime,
}

/// Step 2: asks each service whose link needs it, all at once; returns one audit row per
/// link asked, for the caller to write with the enrollment.
pub async fn confirm_all(
    p: &Platform,
    ask: &LinkAsk<'_>,
) -> (Vec<(ServiceLink, Confirmation)>, Vec<AuditEvent>) {
    let LinkAsk {
        terminal_id,
        subject_id,
        now,
        ..
    } = *ask;
    let asks = ask.links.iter().enumerate().map(|(i, link)| {
        let request = LinkRequest {
            enrollment_id: ask.enrollment_id.to_owned(),
            sub: pairwise_subject(&p.settings.pseudonym_secret, link.service_id(), subject_id),
            link: link.data(),
            holder: ask.certified.clone(),
            consented_at: now,
        };
        async move {
            if !link.needs_confirmation() {
                return (link.clone(), Confirmation::Confirmed, None);
            }
            let url = p
                .settings
                .service(link.service_id())
                .and_then(|s| s.url.clone());
            let answer = match (&p.links, url) {
                (Some(client), Some(url)) => client.confirm(&url, &request).await,
                _ => Err(crate::links::LinkCallError::Unreachable(
                    "no link client or service URL is configured".into(),
                )),
            };
            if let Err(e) = &answer {
                tracing::warn!(service = link.service_id(), "link not confirmed: {e}");
            }
            let c = judge(i, link.service_id(), link.kind(), &answer);
            let row = AuditEvent {
                at: now,
                terminal_id: Some(terminal_id.to_owned()),
                action: "link_confirm",
                outcome: match &c {
                    Confirmation::Confirmed => "confirmed".into(),
                    Confirmation::Refused(r) => r.reason_code(),
                },
                reason: Some(link.service_id().to_owned()),
                subject_id: Some(subject_id.to_owned()),
                ..AuditEvent::default()
            };
            (link.clone(), c, Some(row))
        }
    });
    let mut rows = Vec::new();
    let links = futures_util::future::join_all(asks)
        .await
        .into_iter()
        .map(|(link, c, row)| {
            rows.extend(row);
            (link, c)
        })
        .collect();
    (links, rows)
}

/// Step 3: the confirmed links into the registry; returns the menu lines of every link of
/// the holder, and the links replaced (to release at their service).
fn store(
    p: &Platform,
    terminal_id: &str,
    v: &Verified,
    confirmed: &[ServiceLink],
    now: UnixTime,
    audit: &[AuditEvent],
) -> Result<(Vec<MenuEntry>, Vec<ServiceLink>), EnrollError> {
    let stored = p.store.enroll(
        &NewEnrollment {
            enrollment_id: &v.enrollment_id,
            terminal_id,
            auth: &v.auth,
            sign: &v.signed.sign,
            sign_root_key: &v.signed.sign_root_key,
            sign_crl_scope: v.signed.sign_crl_scope.as_deref(),
            sign_der: &v.signed.sign_der,
            sign_facts: &v.signed.lasting,
            corrected_for: v.corrected_for.as_deref(),
            application: &v.signed.application,
            application_signature: &v.signed.signature,
            links: confirmed,
            subject: (&v.subject.0, v.subject.1),
            now,
        },
        audit,
    )?;
    Ok((linked_lines(p, &stored.links), stored.replaced))
}

/// The answer to an enrollment the store refused.
fn store_problem(e: EnrollError) -> ApiError {
    match e {
        EnrollError::Raced => ApiError::new(
            ProblemCode::Internal,
            "another enrollment of this card was stored meanwhile; nothing was stored: enrol again",
        ),
        EnrollError::Conflict { conflict, .. } => holder_problem(&conflict).into(),
        EnrollError::Storage(e) => ApiError::from(e.problem()),
    }
}

/// The menu lines (without assertions) of a holder's links, for an enrollment's answer.
pub fn linked_lines(p: &Platform, links: &[ServiceLink]) -> Vec<MenuEntry> {
    links
        .iter()
        .filter_map(|l| {
            let s = p.settings.service(l.service_id())?;
            Some(MenuEntry {
                service_id: s.id.clone(),
                kind: s.kind,
                label: label(s, l),
                assertion: None,
                assertion_expires_at: None,
            })
        })
        .collect()
}

/// Tells each service of `links` that `subject_id`'s link to it is gone (best effort: a
/// service that cannot be reached keeps a binding no assertion will name; audited).
pub async fn release_all(p: &Platform, subject_id: &str, links: &[ServiceLink], now: UnixTime) {
    let Some(client) = &p.links else {
        return;
    };
    for link in links.iter().filter(|l| l.needs_confirmation()) {
        let Some(url) = p
            .settings
            .service(link.service_id())
            .and_then(|s| s.url.clone())
        else {
            continue;
        };
        let req = LinkRelease {
            sub: pairwise_subject(&p.settings.pseudonym_secret, link.service_id(), subject_id),
            link: link.data(),
        };
        let outcome = match client.release(&url, &req).await {
            Ok(r) if r.released => "released".to_owned(),
            Ok(_) => "not_owned".to_owned(),
            Err(e) => {
                tracing::warn!(service = link.service_id(), "link not released: {e}");
                "service_unavailable".to_owned()
            }
        };
        let receipt = p.audit.record(AuditEvent {
            at: now,
            action: "link_release",
            outcome,
            reason: Some(link.service_id().to_owned()),
            subject_id: Some(subject_id.to_owned()),
            ..AuditEvent::default()
        });
        // The enrollment's answer is decided already; the release was best effort too.
        if let Err(e) = receipt.committed().await {
            tracing::error!(service = link.service_id(), "link release not audited: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::holder::Differs;

    /// A conflict found in the store's transaction, after a service refused its link: the
    /// row's reason is the conflict, which `holders accept-correction` and `holders
    /// attach-auth` look for, not the links' summary.
    #[test]
    fn a_conflict_found_in_the_store_is_audited_with_its_reason() {
        let sign = LinkageKey {
            issuer: "CN=sign-ca".into(),
            serial: "0b".into(),
        };
        for (conflict, reason, certificate) in [
            (
                HolderConflict::SignatureOfAnotherPerson {
                    differs: Differs::Sex,
                },
                "signature_of_another_person",
                Some(("CN=sign-ca".to_owned(), "0b".to_owned())),
            ),
            (
                HolderConflict::SignatureLinkedElsewhere,
                "signature_linked_elsewhere",
                None,
            ),
        ] {
            let mut event = AuditEvent {
                action: AUDIT_ACTION,
                reason: Some("library:record_unknown".into()),
                ..AuditEvent::default()
            };
            name_refusal(&mut event, &conflict, Some("holder-1"), &sign);
            let problem = store_problem(EnrollError::Conflict {
                conflict,
                named: Some("holder-1".into()),
            });
            let row = outcome_of(event, Err(&problem));
            assert_eq!(row.outcome, "holder_conflict");
            assert_eq!(row.reason.as_deref(), Some(reason));
            assert_eq!(row.subject_id.as_deref(), Some("holder-1"));
            assert_eq!(row.certificate, certificate);
        }
    }

    /// A conflict between two holders is not one the operator's commands settle: its row
    /// names neither holder nor certificate for them, whatever the registry named.
    #[test]
    fn a_conflict_between_two_holders_names_no_holder_for_the_operator() {
        let sign = LinkageKey {
            issuer: "CN=sign-ca".into(),
            serial: "0b".into(),
        };
        let mut event = AuditEvent {
            action: AUDIT_ACTION,
            ..AuditEvent::default()
        };
        name_refusal(
            &mut event,
            &HolderConflict::TwoHolders,
            Some("holder-1"),
            &sign,
        );
        assert_eq!(event.subject_id, None);
        assert_eq!(event.certificate, None);
        assert_eq!(
            event.reason,
            holder_problem(&HolderConflict::TwoHolders).reason
        );
    }
}
