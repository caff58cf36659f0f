//! The one table that turns every outcome the counter can meet into what people read: a
//! stable code, a message in Japanese and English, and the next step (STYLE.md "Errors",
//! ARCHITECTURE.md principle 5). Workflows report a [`Code`]; the UI looks the text up
//! here and never matches on message strings.
//!
//! Who reads which line: `audience` says whether the line is fit for the customer's
//! screen. Decline details and attribute mismatches are for staff only
//! (docs/domain/payments-and-eid-clients.md §1.2: "do not expose the details of the refusal reason to
//! shoppers").

use serde::{Deserialize, Serialize};

/// Who may be shown a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Customer and staff.
    Both,
    /// Staff only; the customer sees [`Code::AskStaff`].
    Staff,
}

/// Every outcome a workflow reports to people. Stable snake_case names (`as_str`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Code {
    // --- reader and card ---
    /// No reader is connected, or the PC/SC service is down.
    ReaderUnavailable,
    /// The card left the reader before the step finished.
    CardRemoved,
    /// The card is not a My Number card (or its JPKI application is missing).
    NotAMyNumberCard,
    /// The card answered something unusable; take it out and put it back.
    CardUnreadable,
    /// Another application holds the card.
    CardBusy,
    /// A card lies on another watched reader while one holds the customer's card: it is
    /// not read (no step reaches another person's card).
    OtherCardNotRead,
    /// The customer's card has left while a card still lies unread on another watched
    /// reader: it is read only once it is placed again.
    OtherCardPlaceAgain,
    /// The customer window receives no screens (it has not subscribed, its page went or
    /// loads again, or it has been silent too long): customers see only a request to call
    /// staff until it connects again (`Status::customer_window_notice`).
    CustomerWindowMissing,
    /// The card left the reader before the enrollment ended (staff's line): the
    /// enrollment does not resume on a card put back (it may be the next person's);
    /// staff start it again.
    EnrollmentCardRemoved,
    /// Staff left a workflow (Finish, Cancel) while a card that had not been read lay on
    /// the reader (placed while an enrollment's answer was awaited or shown): a card left
    /// lying never starts a check unasked, so it is read once it is taken off and placed
    /// again.
    CardNotReadPlaceAgain,
    // --- PIN ---
    /// The PIN entered is not 4 digits.
    PinFormat,
    /// The PIN was wrong; tries remain.
    PinWrong,
    /// One try left: the staff must confirm with the customer before it is used.
    PinLastTry,
    /// The PIN is blocked (3 wrong tries, possibly elsewhere).
    PinBlocked,
    /// The PIN pad timed out.
    PinPadTimeout,
    /// The customer cancelled on the PIN pad or the screen.
    PinCancelled,
    /// The customer is typing the PIN on the reader's PIN pad (the staff's line while the
    /// pad waits: how a wait ends).
    PinPadInUse,
    /// The signature password is not 6–16 upper-case letters and digits.
    PasswordFormat,
    /// The signature password was wrong; tries remain.
    PasswordWrong,
    /// One signature password try is left: the staff must confirm before it is used.
    PasswordLastTry,
    /// The signature password is blocked.
    PasswordBlocked,
    /// The card carries no signature certificate.
    NoSignatureCertificate,
    // --- certificate and platform ---
    /// The authentication certificate expired.
    CertificateExpired,
    /// The certificate was revoked.
    CertificateRevoked,
    /// The certificate was refused for another reason.
    CertificateRefused,
    /// The platform has no fresh revocation data (never treated as good).
    RevocationUnknown,
    /// The card is linked to no service.
    NotEnrolled,
    /// The challenge expired while the customer was typing; start again.
    ChallengeExpired,
    /// The verification platform cannot be reached or failed.
    PlatformUnavailable,
    /// A platform node failed after it took the card's answer, before it answered: the
    /// result is lost, and identifying again (a new challenge) is the way on.
    PlatformAnswerLost,
    /// This counter holds too many unanswered challenges at the platform (cards pulled
    /// early); they expire within minutes.
    PlatformBusy,
    /// The application differs from the signature certificate.
    AttributesMismatch,
    /// The card's two certificates do not fit one holder at the platform (linked to two
    /// holders; a new authentication certificate with a signature certificate linked to a
    /// holder, as after the authentication certificate alone was re-issued; or a new
    /// signature certificate naming another birth date or sex than the holder's): nothing
    /// was linked; the platform cannot tell whose card it is.
    HolderConflict,
    /// The platform's answer to an enrollment never came (a time-out, a connection lost
    /// after the application was sent, a 5xx, an unreadable answer): the platform may have
    /// linked the card. Staff check before enrolling again.
    EnrollmentOutcomeUnknown,
    /// Staff pressed Cancel, Finish, or started something else (a mode, a fallback, a sale,
    /// a co-payment, an enrollment) while the platform links the card (the application is
    /// sent): it cannot be called back, and leaving would drop the answer, so staff wait
    /// for it; it comes within the platform request's time-out.
    EnrollmentLinking,
    /// The platform could not be reached before the enrollment's application left (or
    /// refused the terminal itself): nothing was linked. Not a check's "record a fallback":
    /// staff enrol again once the platform is back.
    EnrollmentNotSent,
    /// The customer did not confirm the certificate's attributes.
    AttributesNotConfirmed,
    /// The customer said the certificate's attributes are not (or no longer) right.
    AttributesRejected,
    /// The customer did not agree that the four attributes go to the services to link, so
    /// no link can be confirmed.
    DisclosureDeclined,
    /// A service's record names another person (an attribute differs): not linked.
    LinkMismatch,
    /// A service holds no record with the numbers given: not linked.
    LinkRecordUnknown,
    /// A service could not be asked to confirm the link: not linked, try later.
    LinkServiceUnavailable,
    /// A service refused the link request itself: not linked.
    LinkServiceRefused,
    /// The record or card token the card is linked to is not confirmed for this holder
    /// (linked to someone else since, or never confirmed): enrol again.
    LinkNotOwned,
    /// The signature certificate linked at enrollment has been revoked since: the holder's
    /// name or address changed; enrol again with the new one.
    SignCertificateRevoked,
    /// Whether the signature certificate linked at enrollment was revoked since could not
    /// be checked (no current CRL): never read as "unchanged".
    SignCertificateUnchecked,
    // --- eligibility ---
    /// The insurer cannot be reached or failed.
    InsurerUnavailable,
    /// The insurer answered with an error of its own.
    InsurerError,
    /// Eligibility is valid.
    EligibilityValid,
    /// The qualification is not valid (lost).
    EligibilityInvalid,
    /// No qualification found (often insurer-side lag).
    NoQualification,
    /// Several records matched.
    MultipleMatches,
    /// The qualification starts today: the insurer's data may lag.
    QualificationStartsToday,
    /// The insurer's name or birth date differs from the clinic's record or the card.
    PersonMismatch,
    /// No expected patient was entered: the result was not compared with anyone.
    PersonNotCompared,
    /// Staff said the result that named someone other than the expected patient is
    /// another patient's: the check and its co-payment are theirs, without the expected
    /// patient's chart id, and the expected patient is still expected.
    AnotherPatient,
    /// The expected patient staff typed cannot be used (the error says which field).
    ExpectedPatientInvalid,
    /// A fallback was recorded; a re-check is queued.
    FallbackRecorded,
    /// The receipt-system export failed.
    ExportFailed,
    /// The qualification was lost, and the insurer returned a newer one (validity 3).
    NewQualificationAvailable,
    /// A name holds ● substitutions or characters outside JIS levels 1/2 (docs/domain/eligibility.md R2).
    NameCharacters,
    /// The insurance card's expiration date is within 3 months.
    CardExpiringSoon,
    /// The insurer sent a processing-result message to show verbatim.
    InsurerMessage,
    /// The insurance in the result differs from the clinic's chart.
    InsuranceChanged,
    /// A fallback form field is missing or malformed (the error names it).
    FallbackFieldInvalid,
    /// A later re-check contradicts what the patient presented.
    RecheckContradiction,
    /// The re-check queue gave up: the insurer never answered in time.
    RecheckGaveUp,
    /// A re-check staff have not confirmed is still listed, but the retention purge removed
    /// what it found (what differed, the visit day): only that it contradicted is left.
    RecheckDetailsPurged,
    /// The retention purge could not list a folder (a share that is down, a folder the
    /// terminal may not read), so its expired files stay until it can.
    PurgeFolderUnreadable,
    /// The retention purge could not purge the database (the store refused): personal
    /// details are kept past their period until a purge succeeds.
    PurgeDetailsKept,
    // --- booked patients ---
    /// A typed appointment's field is missing or malformed (the error names it).
    AppointmentInvalid,
    /// No appointment has this id (its day has passed, or it was never made).
    AppointmentUnknown,
    /// The appointment has not been pre-checked yet.
    PrecheckNotYet,
    /// The pre-check was submitted; the insurer has not answered yet.
    PrecheckWaiting,
    /// The pre-check's answer differs from what the clinic holds.
    PrecheckDifferences,
    /// Appointments need the institution code: the pre-check cannot run without it.
    PrecheckUnavailable,
    // --- payments ---
    /// The amount is outside 1..=99,999,999 yen.
    AmountInvalid,
    /// The payment was approved and captured.
    PaymentApproved,
    /// Nothing was charged: the authorisation was reversed (its outcome was unknown).
    PaymentReversed,
    /// The payment was voided.
    PaymentVoided,
    /// The refund was made.
    RefundDone,
    /// The acquirer refused the refund for good for a reason that is not about the sale (the
    /// terminal's credentials, a request it could not take, a code this version does not
    /// know): nothing was refunded, the sale stays charged; staff call support (final).
    RefundNotAccepted,
    /// A refund's outcome is not confirmed yet (no answer said whether it was made): the
    /// counter keeps sending it under its key; staff do not pay it back another way
    /// meanwhile. After repeated failed rounds it is [`Code::PaymentUnresolved`].
    RefundPending,
    /// The issuer declined (final).
    PaymentDeclined,
    /// The authorisation never reached the acquirer (the connection failed before it was
    /// sent): nothing was charged, nobody declined it (final).
    PaymentNotSent,
    /// The acquirer refused the authorisation for the terminal's fault, not the card's (its
    /// credentials, a request it could not take): nothing was charged, the card was not
    /// declined; staff call support (final).
    PaymentNotAccepted,
    /// The payment outcome is not known yet; it is being resolved.
    PaymentInDoubt,
    /// Another payment is in flight on this terminal.
    PaymentBusy,
    /// The acquirer cannot be reached.
    AcquirerUnavailable,
    /// The assertion expired before use. Staff only: the customer cannot identify again
    /// by themselves (staff start the payment or the check again).
    AssertionExpired,
    /// No payment method is linked to this card.
    NoPaymentMethod,
    /// The operation is not allowed in the payment's state (e.g. void after its day).
    InvalidPaymentState,
    /// The refund exceeds what was captured.
    RefundExceedsCaptured,
    /// Daily close refused while a payment is in doubt.
    CloseRefusedInDoubt,
    /// The date typed is not a calendar date `YYYY-MM-DD`.
    DateInvalid,
    /// New card sales wait: a sale or refund is in doubt (the status bar lists them).
    SalesInDoubt,
    /// Daily close: the journal and the acquirer's totals differ.
    CloseMismatch,
    /// Daily close: the journal matches the acquirer.
    CloseMatched,
    /// Payments left in doubt were resolved (each sale's outcome is in the journal).
    PaymentsRecovered,
    /// Nothing was in doubt.
    NothingInDoubt,
    // --- visits (a reception check and its co-payment) ---
    /// No check has the id given for the co-payment.
    VisitNotFound,
    /// The check given for the co-payment is not of today.
    VisitNotToday,
    /// The check given for the co-payment has no result (no answer, no fallback recorded).
    VisitWithoutResult,
    /// The check given for the co-payment named someone other than the expected patient,
    /// and staff never acknowledged it (R7): whose insurance it is was not confirmed.
    VisitPersonUnconfirmed,
    // --- general ---
    /// Local storage failed: new sales are blocked.
    StorageFailure,
    /// The action does not fit the current step.
    NotNow,
    /// Staff started something (a fallback) while a check, or an enrollment's result, is
    /// on the staff window: only Finish (or Cancel) leaves it, so that a result is never
    /// thrown off the screen by another action. Also when staff name an expected patient
    /// that the check on screen can no longer take (its files written naming the chart
    /// expected then, or its fallback recorded): once finished, they are the next check's.
    FinishFirst,
    /// The terminal's settings do not allow it (the merchant id, the institution code).
    SettingsInvalid,
    /// The services staff prepared to link are not valid (none, too many, a field).
    ServicesInvalid,
    /// The customer timed out.
    TimedOut,
    /// The customer or staff cancelled.
    Cancelled,
    /// Shown to the customer instead of a staff-only message.
    AskStaff,
    /// Something unexpected; the log has details.
    Internal,
    // --- payments, recovery ---
    /// Recovery found an approval the counter had not shown (it crashed, or reported a
    /// failure) and reversed it: the customer was not charged.
    ApprovalReversedOnRecovery,
    /// Recovery found an approval the counter had not shown, but it was already settled
    /// and could not be reversed: staff check with the customer and refund if needed.
    ApprovalSettledOnRecovery,
    /// A sale of today was captured (the card charged) but the counter never showed its
    /// outcome to staff or the register (it crashed, or its window died, first): staff ask
    /// the customer whether they paid another way, then void or confirm it
    /// ([`crate::payment::shown`]).
    ApprovalNotShown,
    /// A sale or a refund stayed in doubt through [`crate::payment::MAX_RESOLVE_ATTEMPTS`]
    /// failed rounds in a row, or a refund is still in doubt past the recovery horizon
    /// ([`crate::payment::refund_held`]): staff ask the acquirer (or support) about it first,
    /// naming it; the counter keeps trying meanwhile, except such an old refund, which it
    /// never sends again (the acquirer may have forgotten its key: it could be made twice).
    /// The status bar shows one notice for both kinds, so its advice names each: a sale is
    /// not paid again, a refund not paid back another way.
    PaymentUnresolved,
    /// Staff asked for a void, and the acquirer could not make it: the payment is settled
    /// and stays charged. A refund is what undoes it now.
    VoidNotMade,
    /// Staff asked for a void that is not made yet (the acquirer has not confirmed it, or
    /// refused it while it still holds the approval): the counter sends it again and never
    /// captures the sale; after repeated failed rounds staff are asked to call the acquirer.
    VoidPending,
    /// Staff recorded that the acquirer made a refund the counter held past the recovery
    /// horizon ([`crate::payment::settle_held_refund`]): the refund is made; nothing was sent.
    HeldRefundRecordedRefunded,
    /// Staff recorded that the acquirer made no refund the counter held past the recovery
    /// horizon: nothing was paid back; staff may start a new refund of the sale.
    HeldRefundRecordedNotRefunded,
    /// Staff tried to record the acquirer's answer for a refund the counter still sends
    /// (within the recovery horizon): it may yet be made, so the answer is not taken.
    RefundNotHeld,
    /// Staff tried to record an answer for a refund whose outcome is already in the journal
    /// (settled by staff, by the acquirer's record, or by the acquirer's answer), or whose
    /// sale the journal already shows refunded in full: nothing changed; it is not refunded
    /// again.
    RefundAlreadySettled,
    /// Staff tried to record an answer for a refund id the journal does not hold (a stale
    /// list, or a mistyped id): nothing changed.
    RefundUnknown,
    /// Staff's answer for a held refund contradicts the acquirer's own record of the sale
    /// (asked just before, [`crate::payment::acquirer_record_shows`]): nothing was recorded.
    HeldRefundAnswerContradicted,
    /// Daily close refused while a refund is held past the recovery horizon: staff record
    /// the acquirer's answer for it first (the status bar's held refunds).
    CloseRefusedRefundHeld,
    // --- the register (POS) ---
    /// A register's sale waits for the customer's card, PIN and payment choice.
    PosWaitingForCustomer,
    /// A register's sale is being authorised and captured.
    PosPaying,
    /// The counter is serving another customer: a register's sale waits until it ends.
    CounterBusy,
    /// The counter is not in cashier mode: it takes no register's sale.
    CounterNotCashier,
    /// The register sent the same idempotency key with another request.
    PosIdempotencyMismatch,
    /// The register sent an idempotency key it used for a sale of another (JST) day: a key
    /// names one sale on its day, never a sale of the day before.
    PosKeyFromAnotherDay,
    /// A sale with this order reference exists already (under another idempotency key).
    PosOrderRefTaken,
    /// No sale has this order reference.
    PosOrderUnknown,
    /// The customer has confirmed the payment: too late to cancel (void or refund instead).
    PosCancelTooLate,
    /// The terminal stopped before the customer paid a register's sale: nothing was charged.
    PosInterrupted,
    /// A field of the register's request is not valid (the problem names it).
    PosRequestInvalid,
    /// The register did not present the API key or client certificate the terminal requires.
    PosUnauthorised,
    // --- held refunds settled without staff ---
    /// A recovery pass found in the acquirer's own record of the sale that a held refund
    /// was made ([`crate::payment::resolve_held_by_record`]) and journaled it so; staff did
    /// not record it and nothing was sent. The notice names each refund, sale and amount.
    HeldRefundFoundRefunded,
    /// A recovery pass found in the acquirer's own record of the sale that a held refund
    /// was never made, and journaled it refused: the customer has not been paid back.
    HeldRefundFoundNotRefunded,
    /// Staff tried to record an answer for a refund already journaled as not refunded: the
    /// customer may still be owed the money, which only a new refund of the sale pays.
    RefundSettledNotRefunded,
}

/// One line of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The code.
    pub code: Code,
    /// Who may see it.
    pub audience: Audience,
    /// Whether the same action may simply be tried again.
    pub retryable: bool,
    /// What happened, in Japanese.
    pub ja: &'static str,
    /// What happened, in English.
    pub en: &'static str,
    /// The next step, in Japanese.
    pub next_ja: &'static str,
    /// The next step, in English.
    pub next_en: &'static str,
}

macro_rules! table {
    ($( $code:ident, $aud:ident, $retry:expr, $ja:expr, $en:expr, $nja:expr, $nen:expr; )*) => {
        /// Every line, in declaration order.
        pub const TABLE: &[Entry] = &[$(Entry {
            code: Code::$code,
            audience: Audience::$aud,
            retryable: $retry,
            ja: $ja,
            en: $en,
            next_ja: $nja,
            next_en: $nen,
        }),*];

        impl Code {
            /// The table line of this code. An exhaustive match: a variant without a line
            /// does not compile.
            pub fn entry(self) -> &'static Entry {
                match self {
                    $(Code::$code => &Entry {
                        code: Code::$code,
                        audience: Audience::$aud,
                        retryable: $retry,
                        ja: $ja,
                        en: $en,
                        next_ja: $nja,
                        next_en: $nen,
                    },)*
                }
            }
        }
    };
}

table! {
    ReaderUnavailable, Both, true, "カードリーダーが使えません", "The card reader is not available",
        "リーダーの接続を確認してください。直らない場合は係員が再起動します", "Check the reader's cable; staff can restart it if this persists";
    CardRemoved, Both, true, "カードが離れました", "The card was taken off the reader",
        "カードをもう一度置き、終わるまで置いたままにしてください", "Put the card back and keep it on the reader until the end";
    NotAMyNumberCard, Both, false, "マイナンバーカードではありません", "This is not a My Number card",
        "マイナンバーカードを置いてください", "Please put your My Number card on the reader";
    CardUnreadable, Both, true, "カードを読み取れませんでした", "The card could not be read",
        "カードを取り、置き直してください", "Take the card off and put it back";
    CardBusy, Staff, true, "カードを別のアプリが使っています", "Another application is using the card",
        "他のアプリを閉じてから置き直してください", "Close the other application, then put the card back";
    OtherCardNotRead, Staff, true, "別のリーダーにもカードが置かれています。そのカードは読み取りません", "There is also a card on another reader: it will not be read",
        "手続き中のカードはそのままにし、もう一枚を取ってください。読み取る場合は、手続き中のカードを取った後に置き直してください", "Leave the card in use where it is and take the other one off; to have it read, put it back after the card in use is taken off";
    OtherCardPlaceAgain, Staff, true, "別のリーダーのカードはまだ読み取っていません", "The card on the other reader has not been read",
        "読み取る場合は一度取って置き直してください。不要なカードなら取ってください", "To have it read, take it off and put it back; if it is not needed, take it away";
    CustomerWindowMissing, Staff, false, "お客様用の画面がつながっていません。お客様には手続きが表示されず、係員を呼ぶよう案内されています", "The customer screen is not connected: customers see no steps, only a request to call staff",
        "画面は自動でつなぎ直します。1分たってもこの表示が消えないときは、アプリを再起動してください", "It reconnects by itself; if this line is still here after a minute, restart the app";
    EnrollmentCardRemoved, Staff, false, "登録が終わる前にカードが離れました", "The card left the reader before the enrollment ended",
        "同じ方の登録なら、「完了」を押してから、カードを置いたまま登録をもう一度始めてください（置き直しただけでは再開しません）", "For the same person, press Finish, then start the enrollment again with their card on the reader (putting the card back alone does not resume it)";
    CardNotReadPlaceAgain, Staff, true, "リーダーの上のカードはまだ読み取っていません", "The card on the reader has not been read",
        "次の方のカードなら、一度取って置き直していただくと読み取ります（「窓口負担金を支払っていただく」「登録を始める」は置いたままのカードを読み取ります）。不要なカードなら取ってください", "If it is the next person's, have them take it off and put it back to have it read (Take the co-payment and Start the enrollment read the card as it lies); if it is not needed, take it away";
    PinFormat, Both, true, "暗証番号は数字4桁です", "The PIN is 4 digits",
        "数字4桁を入力してください", "Enter 4 digits";
    PinWrong, Both, true, "暗証番号が違います", "The PIN was wrong",
        "残り回数を確認し、ゆっくり入力してください", "Check the tries left and enter it carefully";
    PinLastTry, Both, false, "暗証番号の残り回数が1回です", "Only one PIN try is left",
        "間違えるとロックされます。係員の確認後に入力してください", "A wrong PIN now locks the card; enter it after staff confirm";
    PinBlocked, Both, false, "暗証番号がロックされています", "The PIN is locked",
        "お住まいの市区町村窓口で初期化してください。今日は資格情報のお知らせ等で受付します", "Have it reset at your municipal office; today staff will use another document";
    PinPadTimeout, Both, true, "入力時間を過ぎました", "The PIN entry timed out",
        "もう一度お試しください（回数は減っていません）", "Try again (no try was used)";
    PinCancelled, Both, true, "入力を取り消しました", "The PIN entry was cancelled",
        "もう一度お試しください（回数は減っていません）", "Try again (no try was used)";
    PinPadInUse, Staff, false, "お客さまがカードリーダーの暗証番号パッドで入力中です", "The customer is typing the PIN on the reader's PIN pad",
        "やめるには、パッドの取消キーを押すか、カードをリーダーから取ってください（画面の中止でも待ちは終わりますが、リーダーはそれまで使えません）", "To stop, press Cancel on the pad or take the card out (Cancel here ends the wait too, but the reader stays busy until then)";
    PasswordFormat, Both, true, "署名用パスワードは英大文字と数字6〜16文字です", "The signature password is 6-16 capital letters and digits",
        "入力し直してください", "Enter it again";
    PasswordWrong, Both, true, "署名用パスワードが違います", "The signature password was wrong",
        "残り回数を確認して入力してください", "Check the tries left and enter it again";
    PasswordLastTry, Both, false, "署名用パスワードの残り回数が1回です", "Only one signature password try is left",
        "間違えるとロックされます。係員の確認後に入力してください", "A wrong password now locks it; enter it after staff confirm";
    PasswordBlocked, Both, false, "署名用パスワードがロックされています", "The signature password is locked",
        "市区町村窓口で初期化してください", "Have it reset at your municipal office";
    NoSignatureCertificate, Both, false, "このカードには署名用電子証明書がありません", "This card has no signature certificate",
        "登録には署名用電子証明書が必要です。市区町村窓口へお問い合わせください", "Enrollment needs one; ask your municipal office";
    CertificateExpired, Both, false, "利用者証明用電子証明書の有効期限が切れています", "The card's certificate has expired",
        "市区町村窓口で更新してください。今日は資格情報のお知らせ等で受付します", "Renew it at your municipal office; today staff will use another document";
    CertificateRevoked, Both, false, "電子証明書が失効しています", "The card's certificate was revoked",
        "市区町村窓口へお問い合わせください。今日は別の方法で受付します", "Ask your municipal office; today staff will use another way";
    CertificateRefused, Staff, false, "電子証明書を確認できませんでした", "The certificate could not be verified",
        "別の方法で受付し、ログを管理者に送ってください", "Use another way today and send the log to the administrator";
    RevocationUnknown, Staff, true, "失効情報が確認できません", "Revocation data is not available",
        "しばらく待って再試行するか、代替手段で受付してください", "Retry later or use a fallback";
    NotEnrolled, Both, false, "このカードは登録されていません", "This card is not linked to any service",
        "窓口で利用登録ができます", "You can link it at the counter now";
    ChallengeExpired, Both, true, "時間切れになりました", "The session timed out",
        "もう一度お試しください", "Please try again";
    PlatformUnavailable, Staff, true, "認証基盤に接続できません", "The verification platform is unreachable",
        "代替手段で受付し、再確認を予約します", "Record a fallback; a re-check is queued";
    PlatformAnswerLost, Both, true, "認証の結果を受け取れませんでした", "The platform's answer was lost on the way",
        "もう一度カードで確認してください（暗証番号の回数は減っていません）", "Please identify again (no PIN try was used)";
    PlatformBusy, Staff, true, "この端末の未完了の認証が多すぎます", "Too many unfinished identifications at this counter",
        "数分待ってから、もう一度カードを置いてもらってください", "Wait a few minutes, then have the card placed again";
    AttributesMismatch, Staff, false, "申込内容が証明書の記載と一致しません", "The application differs from the certificate",
        "表示された項目を確認してください", "Check the field shown";
    HolderConflict, Staff, false, "このカードの証明書からは、どの登録者のカードか確かめられません", "The platform cannot tell whose card this is from its certificates",
        "何も登録していません。お客様のカード1枚だけを置いて登録し直してください。同じ場合は、お客様に写真付きの本人確認書類を用意していただき、認証基盤の運用者に連絡してください（証明書を再発行したカードは運用者が書類を確かめて結び付けます）",
        "Nothing was linked. Enrol again with only the customer's one card placed. If refused again, contact the platform's operator with the customer and their photo identity document (the operator checks it and attaches a card whose certificate was re-issued)";
    EnrollmentOutcomeUnknown, Staff, false, "認証基盤から登録の結果が届きませんでした。カードは登録されている可能性があります", "The platform's answer to the enrollment did not come: the card may be linked",
        "もう一度登録する前に、カードで本人確認をして（その場で、またはお客様の次回の来店時に）連携済みのサービスを確かめるか、登録した日時を伝えて認証基盤の運用者に確認してください。登録し直すのは連携されていないサービスだけにしてください",
        "Before enrolling again, identify the card (now, or at the customer's next visit) to see which services are linked, or ask the platform's operator, giving the time of the enrollment; enrol again only the services not linked";
    EnrollmentLinking, Staff, true, "認証基盤がカードを登録している途中のため、取り消しも別の操作もできません", "The platform is linking the card: it cannot be cancelled now, and nothing else can start",
        "申込はすでに送られています。結果は通信の待ち時間（数秒）のうちに表示されますので、お待ちください。連携されたサービス（または連携されなかった理由）を確かめてから「完了」を押してください",
        "The application has already been sent. Its answer shows within the request's time-out (a few seconds): wait for it, check which services are linked (or why not), then press Finish";
    EnrollmentNotSent, Staff, true, "認証基盤に接続できず、登録はされていません", "The platform could not be reached: the enrollment was not made and nothing was linked",
        "今回の登録では何も連携されていません。認証基盤が復旧してから、カードを置いたまま登録をもう一度始めてください（今日が無理なら次回の来店時に）。続く場合はログを管理者に送ってください",
        "The card is linked to nothing new. Once the platform is back, start the enrollment again with the customer's card on the reader (or at their next visit); if this persists, send the log to the administrator";
    AttributesNotConfirmed, Both, true, "記載内容が確認されていません", "The details were not confirmed",
        "氏名・住所・生年月日・性別を確認してください", "Check name, address, birth date and sex";
    AttributesRejected, Both, false, "カードの記載内容が現在の情報と異なります", "The card's details are not up to date",
        "市区町村窓口でカードの記載事項を変更してから、もう一度登録してください", "Visit your municipal office to update the card, then enrol again";
    DisclosureDeclined, Both, false, "基本4情報の提供に同意いただけなかったため、連携できません", "Without your consent to send your details, no link can be checked",
        "保険者やカード会社の窓口で登録できます", "You can link at the insurer's or the card company's own counter";
    LinkMismatch, Both, false, "登録先の記録がご本人のものと一致しませんでした", "The service's record does not match you",
        "ご自身の保険証・資格情報のお知らせ・カードの番号を確認して、もう一度登録してください", "Check the numbers on your own insurance card or payment card, then enrol again";
    LinkRecordUnknown, Both, false, "登録先にその番号の記録がありません", "The service has no record with those numbers",
        "番号を確認して、もう一度登録してください", "Check the numbers, then enrol again";
    LinkServiceUnavailable, Both, true, "登録先に確認できませんでした", "The service could not be asked",
        "時間をおいて、もう一度登録してください", "Enrol again later";
    LinkServiceRefused, Staff, false, "登録先が連携の確認を受け付けませんでした", "The service refused the link request",
        "ログを管理者に送ってください", "Send the log to the administrator";
    LinkNotOwned, Both, false, "連携先の記録がご本人のものと確認されていません", "The linked record is not confirmed as yours",
        "窓口でもう一度利用登録をしてください", "Enrol the card again at the counter";
    SignCertificateRevoked, Both, false, "登録時からカードの氏名・住所等が変わっています", "Your name or address has changed since you enrolled",
        "新しい署名用電子証明書（署名用パスワードが必要です）で、窓口でもう一度登録してください", "Enrol again at the counter with your card's new signature certificate (you need its password)";
    SignCertificateUnchecked, Both, false, "登録時から氏名・住所等が変わっていないか確認できませんでした", "We could not check whether your name or address changed since you enrolled",
        "氏名や住所が変わった場合は係員にお知らせください（係員：失効情報の更新を管理者に依頼してください）", "If your name or address changed, tell the staff (staff: ask the administrator to update the revocation lists)";
    InsurerUnavailable, Staff, true, "資格確認に接続できません", "The eligibility service is unreachable",
        "資格情報のお知らせ等を確認して通常の負担割合で受付します。再確認を予約しました", "Check the patient's document and charge the normal share; a re-check is queued";
    InsurerError, Staff, true, "資格確認でエラーが返されました", "The eligibility service returned an error",
        "メッセージを確認し、代替手段で受付してください", "Read the message and use a fallback";
    EligibilityValid, Staff, false, "資格は有効です", "The qualification is valid",
        "負担割合を確認してください", "Check the co-payment ratio";
    EligibilityInvalid, Staff, false, "資格が無効です", "The qualification is not valid",
        "新しい保険の有無を確認し、資格確認書や申立書で受付してください", "Ask about a new insurance; accept a certificate or self-declaration";
    NoQualification, Staff, false, "該当する資格がありません", "No qualification was found",
        "保険者側の反映遅れの可能性があります。代替手段で受付し再確認を予約します", "The insurer may lag; record a fallback and queue a re-check";
    MultipleMatches, Staff, false, "複数の資格が該当しました", "Several qualifications matched",
        "患者さんに現在の保険を確認してください", "Ask the patient which insurance is current";
    QualificationStartsToday, Staff, false, "資格取得日が本日です", "The qualification starts today",
        "保険者データの反映が遅れている場合があります", "The insurer's data may lag";
    PersonMismatch, Staff, false, "氏名・生年月日が登録情報と一致しません", "Name or birth date differs from the record",
        "本人確認をしてから情報を表示してください", "Confirm the person before viewing details";
    PersonNotCompared, Staff, false, "来院予定の患者が入力されていないため、本人照合をしていません", "No expected patient was entered: the result was compared with no one",
        "氏名と生年月日を患者さんと確かめてください", "Check the name and birth date with the patient";
    AnotherPatient, Staff, false, "来院予定の患者さんとは別の患者さんの資格確認です。来院予定の患者さんのカルテ番号は付けていません", "This check is another patient's, not the expected patient's: it carries no chart id of the expected patient",
        "この方の受付と会計はこの確認で行ってください。来院予定の患者さんは引き続き待っています。ご本人のカードで確認してください", "Register and take this person's co-payment with this check; the expected patient is still expected: check them with their own card";
    ExpectedPatientInvalid, Staff, true, "来院予定の患者の入力に誤りがあります", "The expected patient is not valid",
        "氏名（漢字かカナ）と生年月日（例 1985-04-12）を入力してください", "Type the name (kanji or kana) and the birth date (e.g. 1985-04-12)";
    FallbackRecorded, Staff, false, "代替手段を記録しました", "The fallback was recorded",
        "通常の負担割合で受付してください。再確認は自動で行います", "Charge the normal share; the re-check runs automatically";
    ExportFailed, Staff, true, "レセコンへの出力に失敗しました", "The export to the receipt system failed",
        "出力先フォルダを確認してください", "Check the export folder";
    NewQualificationAvailable, Staff, false, "資格は喪失しています。新しい資格があります", "The qualification was lost; a newer one exists",
        "新しい資格の保険者番号・記号・番号で受付してください", "Register the new insurer number, symbol and number";
    NameCharacters, Staff, false, "氏名に置換文字（●）またはJIS第1・第2水準外の文字があります", "The name holds ● substitutions or characters outside JIS levels 1/2",
        "元の表記のまま保存してください。レセプト請求で受け付けられない場合があります", "Keep the raw value; the claims system may reject it";
    CardExpiringSoon, Staff, false, "保険の有効期限が3か月以内です", "The insurance card expires within 3 months",
        "更新の予定を患者さんにお伝えください", "Tell the patient it expires soon";
    InsurerMessage, Staff, false, "保険者からのメッセージがあります", "The insurer sent a message",
        "表示されたメッセージを確認してください", "Read the message shown";
    InsuranceChanged, Staff, false, "保険情報がカルテと異なります", "The insurance differs from the chart",
        "カルテの保険情報を更新してください", "Update the insurance in the chart";
    FallbackFieldInvalid, Staff, true, "入力内容に誤りがあります", "A field of the form is not valid",
        "表示された項目を書類のとおりに入力してください", "Enter the field shown as printed on the document";
    RecheckContradiction, Staff, false, "再確認の結果が提示書類と異なります", "The re-check contradicts the document presented",
        "保険情報と負担割合を確認し、必要なら精算し直してから、状態バーの一覧で確認済みにしてください（それまで自己負担の会計はできません）", "Check the insurance and ratio and settle the difference if needed, then mark it confirmed in the status bar's list (until then its co-payment cannot be taken)";
    AppointmentInvalid, Staff, true, "予約の入力に誤りがあります", "The appointment is not valid",
        "示された項目を直して、もう一度登録してください", "Fix the field named and add it again";
    AppointmentUnknown, Staff, false, "その予約は見つかりません", "No such appointment",
        "予約一覧を開き直してください（過ぎた日の予約は削除されています）", "Reload the list (appointments of past days are deleted)";
    PrecheckNotYet, Staff, false, "事前確認はまだです", "Not pre-checked yet",
        "「今すぐ事前確認」を押してください", "Press Pre-check now";
    PrecheckWaiting, Staff, false, "事前確認の結果を待っています", "Waiting for the pre-check's result",
        "しばらくしてから一覧を更新してください", "Refresh the list in a while";
    PrecheckDifferences, Staff, false, "事前確認の結果が院内の登録内容と異なります", "The pre-check differs from what the clinic holds",
        "印の付いた項目を確認し、患者来院前に登録を直してください", "Check the fields marked and fix the record before the patient arrives";
    PrecheckUnavailable, Staff, false, "この端末では事前確認ができません", "This terminal cannot pre-check",
        "設定ファイルに医療機関コードを設定してください", "Set the medical institution code in the configuration file";
    RecheckGaveUp, Staff, false, "再確認ができませんでした", "The re-check could not be completed",
        "保険者に問い合わせ、提示書類で請求してから、状態バーの一覧で確認済みにしてください", "Ask the insurer and claim with the document presented, then mark it confirmed in the status bar's list";
    RecheckDetailsPurged, Staff, false, "一部の再確認は、保存期間を過ぎたため詳細（異なっていた項目・来院日）が削除されています", "Some re-checks' details (what differed, the visit day) were deleted when their retention period ended",
        "該当する患者さんの資格をもう一度オンラインで確認し、負担割合を確かめてから確認済みにしてください", "Check those patients' eligibility online again and the share charged, then mark each confirmed";
    PurgeFolderUnreadable, Staff, false, "保存期間を過ぎたファイルを削除できないフォルダがあります", "Expired files could not be deleted from a folder (listed)",
        "共有フォルダを接続するか、端末がそのフォルダを読み、ファイルを削除できるようにしてください。1時間以内に再度削除します", "Mount the share or let the terminal read that folder and delete its files; the deletion is tried again within the hour";
    PurgeDetailsKept, Staff, false, "保存期間を過ぎた個人情報をデータベースから削除できず、保存されたままです", "Personal details past their retention period could not be deleted from the database and are still kept",
        "1時間以内に再度削除します。この表示が消えない場合は、端末のディスクの空きを確認し、ログの内容を管理者に伝えてください", "The deletion is tried again within the hour; if this line stays, check the terminal's free disk space and give the log to your administrator";
    AmountInvalid, Staff, true, "金額が正しくありません", "The amount is not valid",
        "1円〜99,999,999円で入力してください", "Enter 1 to 99,999,999 yen";
    PaymentApproved, Both, false, "お支払いが完了しました", "The payment is complete",
        "レシートをお受け取りください", "Please take your receipt";
    PaymentReversed, Staff, false, "決済は取り消され、請求されていません", "Nothing was charged: the payment was reversed",
        "お客様にもう一度お支払いをお願いしてください", "Ask the customer to pay again";
    PaymentVoided, Staff, false, "決済を取り消しました", "The payment was voided",
        "取消伝票をお渡しください", "Hand over the void receipt";
    RefundDone, Staff, false, "返金しました", "The refund was made",
        "返金伝票をお渡しください", "Hand over the refund receipt";
    RefundNotAccepted, Staff, false, "決済サーバが端末からの返金依頼を受け付けませんでした。返金はされておらず、お金は動いていません", "The acquirer did not accept the terminal's refund request: nothing was refunded and no money moved",
        "売上は請求されたままです（カードのお断りではありません）。サポートに連絡して端末の決済設定（接続用の証明書など）を確認してもらい、その後もう一度返金してください", "The sale stays charged (the card was not declined). Call support to check the terminal's acquirer settings (its credentials), then refund it again";
    RefundPending, Staff, false, "返金の結果がまだ確定していません", "The refund is not confirmed yet: it may or may not have been made",
        "端末が同じ返金を送り続けます。結果が分かるまで現金などで返金し直さないでください。返金伝票は返金が完了してから渡してください", "The counter keeps sending the same refund. Until it is known, do not pay the customer back another way; hand over the refund receipt once it is made";
    PaymentDeclined, Staff, false, "決済が承認されませんでした", "The payment was declined",
        "別のお支払い方法をご案内してください", "Offer another way to pay";
    PaymentNotSent, Staff, true, "決済サーバに届かず、決済は行われていません。請求はありません", "The payment never reached the acquirer: nothing was charged",
        "もう一度お試しいただくか、別のお支払い方法をご案内してください", "Try again, or offer another way to pay";
    PaymentNotAccepted, Staff, false, "決済サーバが端末からの依頼を受け付けませんでした。カードのお断りではなく、請求はありません", "The acquirer did not accept the terminal's request: nothing was charged, and the card was not declined",
        "別のお支払い方法をご案内し、サポートに連絡して端末の決済設定（接続用の証明書など）を確認してもらってください", "Offer another way to pay, and call support to check the terminal's acquirer settings (its credentials)";
    PaymentInDoubt, Staff, true, "決済結果を確認中です", "The payment outcome is being confirmed",
        "お客様に再度の支払いを求めないでください。結果が出るまでお待ちください", "Do not ask the customer to pay again; wait for the outcome";
    PaymentBusy, Staff, true, "処理中の決済があります", "Another payment is in progress",
        "処理が終わるのを待ってください", "Wait until it finishes";
    AcquirerUnavailable, Staff, true, "決済サーバに接続できません", "The acquirer is unreachable",
        "別のお支払い方法をご案内してください", "Offer another way to pay";
    AssertionExpired, Staff, true, "確認の有効期限が切れました", "The confirmation expired",
        "最初からやり直してください（お客様にはカードで暗証番号をもう一度入力していただきます）", "Start again: the customer identifies with the card and PIN once more";
    NoPaymentMethod, Both, false, "支払い方法が登録されていません", "No payment method is linked",
        "別のお支払い方法をご利用ください", "Please pay another way";
    InvalidPaymentState, Staff, false, "この取引ではその操作はできません", "That operation is not allowed for this payment",
        "取消できない場合は返品（返金）を行ってください", "If it cannot be voided, refund it";
    RefundExceedsCaptured, Staff, false, "返金額が売上額を超えています", "The refund exceeds the captured amount",
        "金額を確認してください", "Check the amount";
    SalesInDoubt, Staff, true, "結果未確定の決済があるため、新しいカード決済はできません", "A payment is in doubt: new card sales wait until it is resolved",
        "端末が自動で確認しています。しばらく待つか「未確定の決済を確定」を押してください。現金などは使えます", "The counter is resolving it; wait, or press Recover. Other ways to pay still work";
    DateInvalid, Staff, true, "日付が正しくありません", "That is not a date",
        "年-月-日（例: 2026-12-06）で入力してください", "Type it as year-month-day (e.g. 2026-12-06)";
    CloseRefusedInDoubt, Staff, true, "結果未確定の決済があるため締められません", "Cannot close while a payment is in doubt",
        "未確定の決済を解決してから締めてください", "Resolve the payments in doubt first";
    CloseMismatch, Staff, false, "日計が決済サーバと一致しません", "The day's totals differ from the acquirer's",
        "差異を確認し、管理者に連絡してください", "Check the difference and tell the administrator";
    CloseMatched, Staff, false, "日計は決済サーバと一致しました", "The day's totals match the acquirer's",
        "締め処理は完了です", "The day is closed";
    PaymentsRecovered, Staff, false, "未確定だった決済を確定しました", "The payments in doubt were resolved",
        "取引履歴で各取引の結果を確認してください", "Check each sale's outcome in the journal";
    NothingInDoubt, Staff, false, "未確定の決済はありません", "No payment is in doubt",
        "そのまま営業を続けられます", "Carry on";
    VisitNotFound, Staff, true, "その受付番号の資格確認はありません", "No eligibility check has that visit number",
        "受付番号を確認するか、取引履歴の本日の受付から選んでください", "Check the number, or pick the visit from today's visits in the journal";
    VisitNotToday, Staff, false, "本日の受付ではありません", "That check is not of today",
        "本日の資格確認のある受付で会計してください", "Take the co-payment on a visit checked today";
    VisitWithoutResult, Staff, false, "この受付の資格確認は結果が出ていません", "That visit's eligibility check has no result",
        "資格確認をやり直すか代替手段を記録してから会計してください", "Check again or record a fallback, then take the co-payment";
    VisitPersonUnconfirmed, Staff, false, "この受付の資格確認は別の方の結果で、確認されていません", "That visit's check named another person and nobody confirmed it",
        "患者さんのカードで資格確認をやり直し、その受付で会計してください", "Check the patient again with their card, then take the co-payment of that visit";
    StorageFailure, Staff, false, "記録の保存に失敗しました", "The journal could not be written",
        "新しい取引はできません。管理者に連絡してください", "No new sales; contact the administrator";
    NotNow, Staff, true, "今はその操作はできません", "That action does not fit this step",
        "画面の案内に従ってください", "Follow the steps on screen";
    FinishFirst, Staff, true, "画面の資格確認または登録の結果がまだ閉じられていません", "The check or the enrollment result on screen has not been finished",
        "内容を確かめて「完了」を押してから、もう一度操作してください", "Read it, press Finish, then try again";
    SettingsInvalid, Staff, false, "端末の設定が正しくありません", "The terminal's settings are not valid",
        "設定ファイル（加盟店ID・医療機関コード）を技術担当者に確認してもらってください", "Have the technician check the configuration file (merchant id, institution code)";
    ServicesInvalid, Staff, true, "連携するサービスの指定が正しくありません", "The services to link are not valid",
        "1〜16件のサービスを正しく指定して、やり直してください", "Name 1 to 16 services correctly and start again";
    TimedOut, Both, true, "時間切れになりました", "Timed out",
        "もう一度最初からお試しください", "Start again";
    Cancelled, Both, true, "取り消しました", "Cancelled",
        "必要ならもう一度最初からどうぞ", "Start again if needed";
    AskStaff, Both, false, "係員にお声がけください", "Please ask a member of staff",
        "係員が対応します", "Staff will help you";
    Internal, Staff, true, "予期しないエラーが発生しました", "Something unexpected happened",
        "もう一度お試しください。続く場合はログを管理者に送ってください", "Try again; if it persists send the log to the administrator";
    ApprovalReversedOnRecovery, Staff, false, "復旧時に見つかった未表示の承認を取り消しました。お客様への請求はありません", "An approval found on recovery was never shown, so it was reversed: the customer was not charged",
        "この取引は完了していません。お客様がまだお支払いでなければ、もう一度お支払いをお願いしてください", "This sale was not completed; if the customer has not paid another way, ask them to pay again";
    ApprovalSettledOnRecovery, Staff, false, "復旧時に見つかった未表示の承認は精算済みのため取り消せませんでした", "An approval found on recovery was never shown and is already settled, so it could not be reversed",
        "お客様が別の方法で支払っていた場合は、この取引を返金してください", "If the customer paid another way, refund this sale";
    ApprovalNotShown, Staff, false, "カードへの請求は完了しましたが、端末が結果を表示しないまま止まった取引があります", "A card was charged but the counter stopped before it showed the sale",
        "表示された取引番号と金額でお客様に確認してください。別の方法で支払っていた場合は取り消し（本日中のみ）、カードで支払っていた場合は確認済みにしてください", "Ask the customer about the sale number and amount shown: if they paid another way, void it (today only); if they paid by card, confirm it";
    PaymentUnresolved, Staff, false, "何度確認しても結果が確定しない決済・返金、または再送できないほど古い未確定の返金があります", "A payment's or refund's outcome could still not be confirmed after repeated tries, or a refund in doubt is too old to send again safely",
        "何よりも先に、表示された取引番号・返金番号を伝えて決済代行会社（またはサポート）に結果を確認してください。端末は確認を続けますが、14日より前の返金は二重に返金されるおそれがあるため再送しません（回答は状態バーの「保留中の返金」で記録します）。結果が分かるまで、決済ならお客様に再度の支払いを求めず、返金なら現金などで返金し直さないでください", "Before anything else, call the acquirer (or support) with the sale or refund number shown and ask for its outcome. The counter keeps trying, except a refund more than 14 days old, which it does not send again (it could be refunded twice): record the answer for it under Held refunds in the status bar. Until the outcome is known, do not ask the customer to pay a sale again, nor pay a refund back another way";
    VoidNotMade, Staff, false, "取消できませんでした。決済は精算済みのため、請求はそのまま残っています", "The void could not be made: the payment is already settled and stays charged",
        "取消の代わりに返品（返金）を行ってください", "Refund it instead";
    VoidPending, Staff, true, "取消はまだ完了していません", "The void is not made yet",
        "端末が取消を送り続けます。完了するまでお客様への請求は残ります（未確定の売上を確定することはありません）。取消伝票は取消が完了してから渡してください", "The counter keeps sending the void; until it is made the customer stays charged (a sale not yet captured is not captured meanwhile). Hand over the void receipt once it is made";
    HeldRefundRecordedRefunded, Staff, false, "決済代行会社の回答どおり「返金済み」と記録しました（端末からは何も送っていません）", "Recorded as the acquirer said: the refund was made (the counter sent nothing)",
        "返金伝票をお渡しください。もう一度返金しないでください", "Hand over the refund receipt; do not refund it again";
    HeldRefundRecordedNotRefunded, Staff, false, "決済代行会社の回答どおり「返金されていない」と記録しました。お金は動いていません", "Recorded as the acquirer said: nothing was refunded, and no money moved",
        "必要なら取引履歴からこの取引の新しい返金を行ってください", "If the customer is still owed the money, start a new refund of the sale from the journal";
    RefundNotHeld, Staff, true, "この返金は端末がまだ送り続けているため、結果を記録できません。まだ返金される可能性があります", "The counter is still sending this refund, so its outcome cannot be recorded: it may still be made",
        "結果が出るまで待つか「未確定の決済を確定」を押してください。14日を過ぎても確定しない場合に記録できます", "Wait for its outcome, or press Recover; it can be recorded once it is more than 14 days old and still unknown";
    RefundAlreadySettled, Staff, false, "この返金の結果はすでに記録されています。何も変更していません", "This refund's outcome is already recorded: nothing was changed",
        "取引履歴で結果を確認してください。もう一度返金しないでください", "Read its outcome in the journal; do not refund it again";
    RefundUnknown, Staff, false, "この番号の返金は取引履歴にありません。何も変更していません", "There is no refund with this number in the journal: nothing was changed",
        "一覧を読み込み直し、保留中の返金をそこから選んでください", "Reload the list and choose the held refund from it";
    HeldRefundAnswerContradicted, Staff, true, "決済代行会社の記録がこの回答と食い違うため、記録しませんでした", "Not recorded: the acquirer's own record of the sale says otherwise",
        "返金番号と金額を伝えて決済代行会社にもう一度確認し、その回答を記録してください。はっきりしない間は返金し直さないでください", "Call the acquirer again with the refund number and amount, then record what they say; until it is clear, do not refund again";
    CloseRefusedRefundHeld, Staff, true, "14日より前の結果不明の返金があるため締められません（端末はもう送りません）", "Cannot close: a refund more than 14 days old has an unknown outcome (the counter no longer sends it)",
        "決済代行会社に結果を確認し、状態バーの「保留中の返金」で「返金済み」か「返金されていない」を記録してから締めてください", "Ask the acquirer for its outcome, record it under Held refunds in the status bar (refunded, or not refunded), then close";
    PosWaitingForCustomer, Staff, false, "レジからの会計です。お客様のカードと暗証番号を待っています", "A sale from the register: waiting for the customer's card and PIN",
        "お客様にカードを置いて暗証番号を入力していただいてください", "Ask the customer to place the card and enter the PIN";
    PosPaying, Staff, false, "決済を処理しています", "The payment is being authorised",
        "結果が出るまでお待ちください", "Wait for the outcome";
    CounterBusy, Staff, true, "端末は別のお客様の対応中です", "The counter is serving another customer",
        "今の取引が終わってから、もう一度送ってください", "Send it again once the current sale has ended";
    CounterNotCashier, Staff, true, "端末が会計モードではありません", "The counter is not in cashier mode",
        "係員が端末を会計モードに切り替えてから、もう一度送ってください", "Have staff switch the counter to cashier mode, then send it again";
    PosIdempotencyMismatch, Staff, false, "同じ冪等キーで内容の異なる依頼が送られました", "The same idempotency key came with another request",
        "新しい依頼には新しいキーを使ってください。再送なら内容を変えないでください", "Use a new key for a new request; a retry must be sent unchanged";
    PosKeyFromAnotherDay, Staff, false, "この冪等キーは別の日の取引に使われています", "This idempotency key was used for a sale on another day",
        "新しい会計には新しいキーと新しい注文番号を使ってください。日付をまたいだ再送なら、注文番号で取引の結果を確認してください", "Use a new key and a new order reference for a new sale; if this retried a sale sent before midnight (JST), read that sale by its order reference";
    PosOrderRefTaken, Staff, false, "この注文番号の取引はすでにあります", "A sale with this order reference exists already",
        "再送なら同じ冪等キーで、新しい会計なら新しい注文番号で送ってください", "To retry, send the same idempotency key; for a new attempt, use a new order reference";
    PosOrderUnknown, Staff, false, "この注文番号の取引はありません", "No sale has this order reference",
        "注文番号を確認してください", "Check the order reference";
    PosCancelTooLate, Staff, false, "お客様が支払いを確定したため、取り消せません", "The customer has confirmed the payment: it can no longer be cancelled",
        "結果を確認し、必要なら取消（void）か返金をしてください", "Read the outcome; void or refund the sale if needed";
    PosInterrupted, Staff, false, "お客様のお支払い前に端末が停止しました。請求はありません", "The terminal stopped before the customer paid: nothing was charged",
        "新しい注文番号で会計をもう一度送ってください", "Send the sale again with a new order reference";
    PosRequestInvalid, Staff, false, "レジからの依頼に誤りがあります", "The register's request is not valid",
        "示された項目を直して送り直してください", "Fix the field named and send it again";
    PosUnauthorised, Staff, false, "レジを認証できませんでした", "The register is not authorised",
        "レジのAPIキーまたはクライアント証明書の設定を確認してください", "Check the register's API key or client certificate";
    HeldRefundFoundRefunded, Staff, false, "決済代行会社の記録から、保留中の返金は返金済みと分かったため、そう記録しました（係員の記録ではなく、端末からは何も送っていません）", "Recorded from the acquirer's record: the held refund was made (not recorded by staff; the counter sent nothing)",
        "お客様には返金済みです。もう一度返金しないでください。お客様が来られたら返金伝票をお渡しください", "The customer has been paid back: do not refund it again. Hand over the refund receipt when the customer comes";
    HeldRefundFoundNotRefunded, Staff, false, "決済代行会社の記録から、保留中の返金はされていなかったと分かったため、そう記録しました（係員の記録ではありません）。お客様にはまだ返金されていません", "Recorded from the acquirer's record: the held refund was never made (not recorded by staff), and the customer has not been paid back",
        "お客様にまだ返金が必要なら、取引履歴からこの取引の新しい返金を行ってください", "If the customer is still owed the money, start a new refund of the sale from the journal";
    RefundSettledNotRefunded, Staff, false, "この返金は「返金されていない」とすでに記録されています。何も変更していません", "This refund is already recorded as not refunded: nothing was changed",
        "お客様にまだ返金が必要なら、取引履歴からこの取引の新しい返金を行ってください（この返金は送られません）", "If the customer is still owed the money, start a new refund of the sale from the journal (this refund is not sent)";
}

impl Code {
    /// The stable snake_case name (what the UI and the logs use).
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The code a customer may see for this one: itself, or [`Code::AskStaff`].
    pub fn for_customer(self) -> Code {
        match self.entry().audience {
            Audience::Both => self,
            Audience::Staff => Code::AskStaff,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_code_has_one_line_with_both_languages() {
        for (i, e) in TABLE.iter().enumerate() {
            assert_eq!(
                TABLE.iter().filter(|o| o.code == e.code).count(),
                1,
                "{:?}",
                e.code
            );
            for s in [e.ja, e.en, e.next_ja, e.next_en] {
                assert!(!s.trim().is_empty(), "line {i}");
            }
            assert_eq!(e.code.entry(), e);
            assert!(!e.code.as_str().is_empty());
        }
    }

    #[test]
    fn staff_only_lines_are_hidden_from_customers() {
        assert_eq!(Code::PaymentDeclined.for_customer(), Code::AskStaff);
        assert_eq!(Code::PinWrong.for_customer(), Code::PinWrong);
        assert_eq!(Code::PaymentInDoubt.as_str(), "payment_in_doubt");
    }
}
