//! Booked patients against the real insurer on loopback TLS: typed appointments
//! pre-checked in bulk, each answer compared with what the clinic holds (a difference
//! flagged with both values), and a receipt system's `OQSmuquc01req` whose patients become
//! the day's appointments, once however often the request comes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use counter_core::Code;
use counter_core::appointments::{AppointmentForm, AppointmentSource, DiffField, PrecheckStatus};
use counter_runtime::appointments::Appointments;
use counter_runtime::clock::{Clock, SystemClock};
use counter_runtime::config::Config;
use madoguchi_time::jst::CivilDate;

use crate::support::*;

const LIMIT: Duration = Duration::from_secs(20);

fn appointments(env: &Env, store: Arc<Mutex<counter_store::Store>>) -> Appointments {
    let config = Config::load(&env.config_path).unwrap();
    Appointments::new(
        store,
        config.backends().unwrap(),
        Arc::new(SystemClock),
        Some(INSTITUTION.into()),
    )
}

fn store(env: &Env) -> Arc<Mutex<counter_store::Store>> {
    let config = Config::load(&env.config_path).unwrap();
    Arc::new(Mutex::new(
        counter_store::Store::open(&config.file.database).unwrap(),
    ))
}

/// Tomorrow in JST, `YYYY-MM-DD`.
fn tomorrow() -> String {
    CivilDate::of(SystemClock.now().plus_secs(86_400)).iso()
}

fn form(
    name: &str,
    birth: &str,
    (insurer, symbol, number, branch): (&str, &str, &str, &str),
    ratio: u8,
) -> AppointmentForm {
    AppointmentForm {
        visit_date: tomorrow(),
        name: name.into(),
        birth_date: birth.into(),
        insurer_number: insurer.into(),
        symbol: symbol.into(),
        number: number.into(),
        branch: branch.into(),
        ratio_tenths: Some(ratio),
        ..AppointmentForm::default()
    }
}

#[tokio::test]
async fn typed_appointments_are_prechecked_and_a_difference_is_flagged() {
    let env = Env::start("poll").await;
    let st = store(&env);
    let apts = appointments(&env, st.clone());
    // 佐藤 花子 as the clinic holds her: 2割, where the insurer says 3割.
    let sato = apts
        .add(&form(
            "佐藤　花子",
            "1985-04-12",
            ("06139999", "千代", "10001", "01"),
            2,
        ))
        .unwrap();
    assert_eq!(sato.status, PrecheckStatus::NotChecked);
    // 鈴木 一郎 with the 健保 he left: the insurer has his new 国保.
    apts.add(&form(
        "鈴木　一郎",
        "1958-03-03",
        ("06139999", "大阪", "10002", "01"),
        3,
    ))
    .unwrap();
    // 渡辺 次郎 as the insurer holds him.
    apts.add(&form(
        "渡辺　次郎",
        "1947-02-11",
        ("39011001", "", "00012345", ""),
        1,
    ))
    .unwrap();
    // A field at fault is named.
    let refused = apts
        .add(&AppointmentForm {
            insurer_number: "6139999".into(),
            ..form("x", "1985-04-12", ("", "", "1", ""), 3)
        })
        .unwrap_err();
    assert_eq!(refused.message.code, Code::AppointmentInvalid);
    assert_eq!(
        refused.field,
        Some(counter_core::appointments::AppointmentField::InsurerNumber)
    );

    let list = apts.precheck(&tomorrow(), LIMIT).await.unwrap();
    assert_eq!(list.len(), 3);
    let (s, z, w) = (&list[0], &list[1], &list[2]);
    assert_eq!(s.status, PrecheckStatus::Valid, "{s:?}");
    assert_eq!(s.code, Code::PrecheckDifferences);
    assert_eq!(s.differences.len(), 1, "{:?}", s.differences);
    assert_eq!(s.differences[0].field, DiffField::Ratio);
    assert_eq!(
        (
            s.differences[0].clinic.as_str(),
            s.differences[0].insurer.as_deref()
        ),
        ("2", Some("3"))
    );
    assert_eq!(z.status, PrecheckStatus::NotValid, "{z:?}");
    assert_eq!(z.validity.as_deref(), Some("3"));
    let fields: Vec<DiffField> = z.differences.iter().map(|d| d.field).collect();
    assert_eq!(
        fields,
        [
            DiffField::InsurerNumber,
            DiffField::Symbol,
            DiffField::Number,
            DiffField::Branch
        ]
    );
    assert_eq!(z.differences[0].insurer.as_deref(), Some("00270009"));
    assert_eq!(
        (w.status, w.differences.len()),
        (PrecheckStatus::Valid, 0),
        "{w:?}"
    );
    assert_eq!(w.code, Code::EligibilityValid);
    // The list reads the same results back.
    assert_eq!(apts.list(&tomorrow()).await.unwrap(), list);
    // The booked patient's record is what the counter expects when she arrives.
    let record = counter_runtime::appointments::load(&st, s.id);
    assert_eq!(record.unwrap().name.as_deref(), Some("佐藤　花子"));
    env.insurer.shutdown().await;
}

#[tokio::test]
async fn a_receipt_systems_bulk_request_becomes_the_days_appointments_once() {
    let env = Env::start("poll").await;
    let (stop, task) = start_worker(&env);
    let info = |(symbol, number, branch, birth): (&str, &str, &str, &str), id: &str| {
        format!(
            "<QualificationConfirmSearchInfo><InsurerNumber>06139999</InsurerNumber>\
             <InsuredCardSymbol>{symbol}</InsuredCardSymbol>\
             <InsuredIdentificationNumber>{number}</InsuredIdentificationNumber>\
             <InsuredBranchNumber>{branch}</InsuredBranchNumber><Birthdate>{birth}</Birthdate>\
             <ArbitraryIdentifier>{id}</ArbitraryIdentifier></QualificationConfirmSearchInfo>"
        )
    };
    let day = CivilDate::parse(&tomorrow()).unwrap().compact();
    let submit = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageHeader>\
         <MedicalInstitutionCode>{INSTITUTION}</MedicalInstitutionCode>\
         <QualificationConfirmationDate>{day}</QualificationConfirmationDate>\
         </MessageHeader><MessageBody>{}{}</MessageBody></XmlMsg>",
        info(SATO, "P-1"),
        info(("大阪", "10002", "01", "19580303"), "P-2")
    );
    drop_request(&env, "OQSmuquc01req_A1.xml", submit.as_bytes());
    wait_for(&env.res().join("OQSmuquc01res_A1.xml"), LIMIT).await;
    // The same patients sent again under another name.
    drop_request(&env, "OQSmuquc01req_A2.xml", submit.as_bytes());
    wait_for(&env.res().join("OQSmuquc01res_A2.xml"), LIMIT).await;
    drop(stop);
    task.await.unwrap();

    let apts = appointments(&env, store(&env));
    let list = apts.list(&tomorrow()).await.unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert!(
        list.iter()
            .all(|a| a.source == AppointmentSource::ReceiptSystem)
    );
    assert_eq!(list[0].record.patient_id.as_deref(), Some("P-1"));
    // The list fetched the results the receipt system has not asked for yet.
    assert_eq!(list[0].status, PrecheckStatus::Valid, "{:?}", list[0]);
    assert!(list[0].differences.is_empty());
    assert_eq!(list[1].status, PrecheckStatus::NotValid);
    assert_eq!(list[1].differences[0].field, DiffField::InsurerNumber);
    env.insurer.shutdown().await;
}
