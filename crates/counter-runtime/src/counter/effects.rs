//! Carrying out the counter machine's effects: card steps to the reader worker, calls to
//! the platform and the insurer, payments to the payment shell (each answered later as an
//! input stamped with its generation), and the store and the export folder at once.

use counter_api::platform::{IdentificationResponse, Notice};
use counter_core::Code;
use counter_core::counter::{Effect, Input, JournalOp, SaleOutcome};
use counter_core::payment::shown;
use counter_core::session;
use counter_store::AuditEvent;

use super::event_loop::{Io, Msg};
use super::{persist, pos};

/// What an effect done here led to.
#[derive(Default)]
pub(crate) struct Done {
    /// Inputs for the machine, now.
    pub(crate) inputs: Vec<Input>,
    /// A write that failed: the action that led to it is refused with this code.
    pub(crate) failed: Option<Code>,
}

impl Done {
    fn input(input: Input) -> Self {
        Done {
            inputs: vec![input],
            failed: None,
        }
    }
}

impl Io {
    /// With `[folders]`: the card check's result also into `face/`, under the face route's
    /// name and in its configured code (docs/domain/eligibility.md §2.6).
    fn face(
        &self,
        check_id: &str,
        files: &[counter_core::eligibility::ExportFile],
    ) -> Result<(), std::io::Error> {
        let Some((dir, code)) = &self.face else {
            return Ok(());
        };
        let now = self.clock.now();
        let face = files
            .iter()
            .find_map(|f| counter_core::folders::answer::face_from_export(f, check_id, now, *code))
            .ok_or_else(|| std::io::Error::other("the check's result file is not in the export"))?;
        let file = counter_core::eligibility::ExportFile {
            name: face.name,
            contents: face.contents,
        };
        persist::export(dir, std::slice::from_ref(&file)).map(|_| ())
    }

    /// Carries out `effect`.
    pub(crate) fn carry_out(&mut self, effect: Effect) -> Done {
        match effect {
            Effect::Session { generation, effect } => {
                self.session(generation, effect);
                Done::default()
            }
            Effect::RequestEligibility {
                generation,
                request,
            } => {
                let b = self.backends.clone();
                self.later(async move {
                    let result = b.eligibility(&request).await;
                    Input::Eligibility { generation, result }
                });
                Done::default()
            }
            Effect::LoadVisit {
                generation,
                check_id,
            } => Done::input(Input::VisitLoaded {
                generation,
                check: persist::with_store(&self.store, |s| s.visit_check(&check_id)),
            }),
            Effect::NewCheckId { generation } => Done::input(Input::CheckId {
                generation,
                id: persist::next_check_id(&self.store, &self.terminal_id),
            }),
            Effect::Export {
                generation,
                check_id,
                files,
            } => {
                let written = persist::export(&self.export_dir, &files)
                    .and_then(|names| persist::exported(&self.store, &check_id, &names))
                    .and_then(|()| self.face(&check_id, &files));
                if let Err(e) = &written {
                    tracing::error!(error = %e, "cannot write the receipt system's files");
                }
                Done::input(Input::Exported {
                    generation,
                    written: written.is_ok(),
                })
            }
            Effect::RecordCheck(record) => self.wrote(persist::record_check(&self.store, &record)),
            Effect::CheckAudit(event) => {
                let written = persist::check_audit(&self.store, &self.terminal_id, &event);
                self.wrote(written)
            }
            Effect::EnqueueRecheck(request) => {
                self.wrote(persist::enqueue_recheck(&self.store, &request))
            }
            Effect::CancelRecheck { check_id, reason } => {
                let now = self.clock.now();
                self.wrote(persist::cancel_recheck(&self.store, &check_id, reason, now))
            }
            Effect::ConfirmRecheck { check_id } => {
                let now = self.clock.now();
                self.wrote(persist::confirm_recheck(&self.store, &check_id, now))
            }
            Effect::Audit {
                action,
                subject,
                auth_method,
            } => {
                let event = AuditEvent {
                    at: self.clock.now(),
                    staff: self.terminal_id.clone(),
                    action: action.to_owned(),
                    subject: Some(subject),
                    auth_method: Some(auth_method.to_owned()),
                    detail: None,
                };
                self.wrote(persist::audit(&self.store, &event))
            }
            Effect::Sell {
                generation,
                amount_jpy,
                order_ref,
                assertion,
                pos,
                visit_id,
            } => {
                let payments = self.payments.clone();
                self.later(async move {
                    let sold = match (pos, order_ref, visit_id) {
                        (true, Some(order_ref), _) => {
                            payments
                                .sell_for_pos(amount_jpy, order_ref, assertion)
                                .await
                        }
                        (_, _, Some(visit_id)) => {
                            payments
                                .sell_for_visit(amount_jpy, visit_id, assertion)
                                .await
                        }
                        (_, order_ref, None) => {
                            payments.sell(amount_jpy, order_ref, assertion).await
                        }
                    };
                    let result = sold
                        .map(|r| SaleOutcome {
                            record: r.record,
                            code: r.code,
                        })
                        .map_err(|e| e.code());
                    Input::SaleEnded { generation, result }
                });
                Done::default()
            }
            Effect::Journal(op) => {
                let p = self.payments.clone();
                self.later(async move {
                    let result = match op {
                        // A recovery answers with the held refunds it settled, also when it
                        // failed after settling them.
                        JournalOp::Recover { pass, at } => {
                            return match p.recover_reported(pass, at).await {
                                Ok((report, settled)) => Input::RecoveryDone {
                                    result: Ok(report),
                                    settled,
                                },
                                Err(failed) => Input::RecoveryDone {
                                    result: Err(failed.error.code()),
                                    settled: failed.settled,
                                },
                            };
                        }
                        JournalOp::Void { sale_id } => p.void(&sale_id).await.map(|r| r.code),
                        JournalOp::Refund {
                            sale_id,
                            amount_jpy,
                        } => p.refund(&sale_id, amount_jpy).await.map(|(_, code)| code),
                        JournalOp::PosRefund {
                            sale_id,
                            amount_jpy,
                            order_ref,
                            register,
                            idempotency_key,
                        } => p
                            .refund_for_pos(
                                &sale_id,
                                amount_jpy,
                                &order_ref,
                                &register,
                                &idempotency_key,
                            )
                            .await
                            .map(|(_, code)| code),
                        JournalOp::SettleHeldRefund { refund_id, said } => p
                            .settle_held_refund(&refund_id, said)
                            .await
                            .map(|(_, code)| code),
                    };
                    Input::JournalDone(result.map_err(|e| e.code()))
                });
                Done::default()
            }
            Effect::OpenPosOrder { generation, order } => {
                let written = pos::open(&self.store, &order);
                let mut done = self.wrote(written);
                done.failed = None; // the register is answered; the loop goes on
                done.inputs.push(Input::PosOpened {
                    generation,
                    written: written.is_ok(),
                });
                done
            }
            Effect::ClosePosOrder { order_ref, reason } => {
                let closed = pos::close(&self.store, &order_ref, reason, self.clock.now());
                self.wrote(closed)
            }
            Effect::ClosePosOrdersLeftOpen { live } => {
                let closed = pos::close_left_open(&self.store, live.as_deref(), self.clock.now());
                self.wrote(closed)
            }
            Effect::LoadAppointment { appointment_id } => Done::input(Input::AppointmentLoaded {
                appointment_id,
                record: crate::appointments::load(&self.store, appointment_id),
            }),
            Effect::PosAnswer { request, answer } => {
                let answer =
                    answer.and_then(|reply| pos::answer(&self.store, &self.merchant, reply));
                let charge = answer
                    .as_ref()
                    .ok()
                    .and_then(|a| shown::shown_to_register(&a.sale))
                    .map(str::to_owned);
                match self.pos.take(request) {
                    // A register that hung up reads the sale by its order reference.
                    Some(reply) => {
                        if reply.send(answer).is_ok()
                            && let Some(id) = charge
                        {
                            // The register's request has the charge: shown.
                            let mut done =
                                self.wrote(persist::mark_shown(&self.store, &id, self.clock.now()));
                            done.failed = None; // answered already; the loop goes on
                            return done;
                        }
                    }
                    None => tracing::warn!(request, "an answer for a request nobody waits for"),
                }
                Done::default()
            }
            Effect::MarkShown { sale_id } => {
                // Once the screens of this change are out (`journal_shown`).
                self.shown.push(sale_id);
                Done::default()
            }
            Effect::MarkShownWhenRendered { sale_id } => {
                // Once the customer window says it rendered the screens of this change
                // (the event loop waits for it: `payment::rendered`).
                self.rendered.push(sale_id);
                Done::default()
            }
        }
    }

    /// Journals the marks [`Effect::MarkShown`] asked for, now that the screens of the
    /// change are published (or those of sales the customer window rendered). A mark that fails shows as a storage failure; its sale
    /// is then listed as never shown (staff confirm it: the safe side).
    pub(crate) fn journal_shown(&mut self) -> Vec<Input> {
        let now = self.clock.now();
        let mut inputs = Vec::new();
        for id in std::mem::take(&mut self.shown) {
            inputs.extend(
                self.wrote(persist::mark_shown(&self.store, &id, now))
                    .inputs,
            );
        }
        inputs
    }

    /// A store write's result: a failure refuses the action and shows on the status bar
    /// until a write succeeds again.
    fn wrote(&mut self, result: Result<(), Code>) -> Done {
        let ok = result.is_ok();
        let mut done = Done {
            inputs: Vec::new(),
            failed: result.err(),
        };
        if ok != self.storage_ok {
            self.storage_ok = ok;
            done.inputs.push(Input::Storage { ok });
        }
        done
    }

    /// A card session's effect: card steps to the worker, calls to the platform.
    fn session(&mut self, generation: u64, effect: session::Effect) {
        use session::{Effect as E, Input as I};
        let b = self.backends.clone();
        match effect {
            E::RequestChallenge { ticket, request } => self.later(async move {
                let result = b.challenge(&request).await;
                Input::Session {
                    generation,
                    input: I::ChallengeIssued { ticket, result },
                }
            }),
            E::Identify { ticket, request } => self.later(async move {
                let result = b.identify(&request).await;
                if let Ok(answer) = &result {
                    log_notices(answer);
                }
                Input::Session {
                    generation,
                    input: I::Identified { ticket, result },
                }
            }),
            E::Enroll { ticket, request } => self.later(async move {
                let result = b.enroll(&request).await;
                Input::Session {
                    generation,
                    input: I::Enrolled { ticket, result },
                }
            }),
            // A PIN-pad wait ends at once; a late result is refused as stale.
            E::AbortCardOperation => {
                tracing::debug!("a card step was abandoned");
                if let Some(r) = &self.reader {
                    r.abort(generation);
                }
            }
            E::Finished(_) => {}
            step => {
                let queued = self
                    .reader
                    .as_ref()
                    .is_some_and(|r| r.run(generation, step));
                if !queued {
                    tracing::error!("the reader worker has stopped: the card step is not run");
                }
            }
        }
    }

    /// Runs `f` off the loop; its input comes back as a message.
    fn later(&self, f: impl Future<Output = Input> + Send + 'static) {
        let Some(tx) = self.tx.upgrade() else {
            return; // the counter is closing
        };
        tokio::spawn(async move {
            let input = f.await;
            // A loop that ended has nobody left to tell.
            let _ = tx.send(Msg::Input(input));
        });
    }
}

/// The platform's notices the counter shows only as codes: their detail goes to the log.
fn log_notices(answer: &IdentificationResponse) {
    for n in &answer.notices {
        match n {
            Notice::SignCertificateRevoked { .. } => {}
            Notice::SignCertificateUnchecked { detail } => {
                tracing::warn!(%detail, "the signature certificate's revocation was not checked");
            }
            other => tracing::warn!(?other, "a notice this version does not know"),
        }
    }
}
