//! The terminal killed under a register's sale: the headless driver serves the POS API in
//! its own process (`madoguchi-counter serve-pos`, the customer's PIN on its standard
//! input), is killed with SIGKILL in the middle of a payment and while the customer is at
//! the till, and restarted. Each time the register reads exactly one outcome by its order
//! reference, from the journal, and the journal says what the acquirer says: an approval the
//! killed terminal never showed is reversed by the recovery (never captured, never shown as
//! declined), an order the customer had not paid is not charged.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use counter_core::payment::PaymentState;
use counter_core::pos::PosOrderState;
use counter_runtime::crash::CRASH_ENV;
use serde_json::Value;

use crate::counter_env::{CounterEnv, js, links, staff};
use crate::counter_links::enrol;
use crate::pos::at_acquirer;
use crate::register::{Register, tls};
use crate::support::card_in_vpcd;

const PERSONA: &str = "sato-hanako";

/// `madoguchi-counter serve-pos` running, with its first line of output.
pub(crate) struct Driver {
    child: Child,
    stdin: ChildStdin,
    /// The first line: where it listens, what the recovery did.
    pub(crate) first: Value,
}

impl Driver {
    /// Starts the driver on `env`'s configuration (dying at `crash`, if given) and waits
    /// for the line that says where it listens.
    pub(crate) async fn start(env: &CounterEnv, crash: Option<&str>) -> Driver {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_madoguchi-counter"));
        cmd.arg("--config")
            .arg(&env.config_path)
            .arg("serve-pos")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(step) = crash {
            cmd.env(CRASH_ENV, step);
        }
        let mut child = cmd.spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(30)))
            .await
            .unwrap()
            .expect("the driver says where it listens");
        let first: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
        assert_eq!(first["ok"], true, "{first}");
        Driver {
            child,
            stdin,
            first,
        }
    }

    fn register(&self) -> Register {
        let addr = self.first["listening"].as_str().unwrap();
        Register::new(format!("http://{addr}"), tls(None, None))
    }

    /// The customer types the PIN at the next prompt.
    pub(crate) fn type_pin(&mut self) {
        let p = testkit::load_persona(PERSONA).unwrap();
        writeln!(self.stdin, "{}", p.auth_pin).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Waits (30 s at most) until the driver died; its signal.
    pub(crate) async fn died(mut self) -> Option<i32> {
        tokio::task::spawn_blocking(move || {
            for _ in 0..300 {
                if let Some(status) = self.child.try_wait().unwrap() {
                    return status.signal();
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = self.child.kill();
            panic!("the driver did not die");
        })
        .await
        .unwrap()
    }

    /// SIGKILL, now.
    pub(crate) async fn kill(mut self) {
        self.child.kill().unwrap();
        assert_eq!(self.died().await, Some(9));
    }
}

/// The recovery codes of the driver's first line.
fn recovered(first: &Value) -> Vec<String> {
    first["recovered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_killed_under_a_registers_sale_gives_exactly_one_outcome() {
    let (_reader_lock, reader, _slot) = card_in_vpcd(PERSONA);
    let env = CounterEnv::start(&reader, "cashier", true).await;
    {
        let c = env.counter().await;
        let mut rx = c.screens();
        let s = enrol(&c, &mut rx, links()).await;
        assert_eq!(js(&s)["staff"]["view"]["step"], "enrolled", "{:#}", js(&s));
        staff(&c, counter_runtime::counter::StaffAction::Finish).await;
        c.close().await;
    }
    let config = std::fs::read_to_string(&env.config_path).unwrap();
    std::fs::write(
        &env.config_path,
        format!("{config}[pos]\nlisten = \"127.0.0.1:0\"\n"),
    )
    .unwrap();

    // Killed in the middle of the payment: approved at the acquirer and journaled, never
    // shown.
    let mut driver = Driver::start(&env, Some("after_authorised_journal")).await;
    let reg = driver.register();
    let r = reg.create("K-0001", 1_500, "kk-0001").await;
    assert_eq!(
        (r.status, r.state()),
        (201, "waiting_for_customer"),
        "{:#}",
        r.body
    );
    driver.type_pin();
    assert_eq!(driver.died().await, Some(9), "killed at its crash point");
    let store = counter_store::Store::open(env.db()).unwrap();
    let j = store.pos_journal("K-0001").unwrap().unwrap();
    assert_eq!(j.order.state, PosOrderState::Paying);
    assert_eq!(j.payment.as_ref().unwrap().state, PaymentState::Authorised);
    drop(store);

    // Restarted: the recovery reverses the approval; the register reads that, once.
    let driver = Driver::start(&env, None).await;
    assert_eq!(recovered(&driver.first), ["approval_reversed_on_recovery"]);
    let reg = driver.register();
    let r = reg.status("K-0001").await;
    assert_eq!((r.status, r.state()), (200, "not_charged"), "{:#}", r.body);
    assert_eq!(r.body["code"], "approval_reversed_on_recovery");
    let sale_id = r.body["sale_id"].clone();
    assert!(sale_id.is_string());
    // The register retries its create (it never got the outcome): the same sale.
    let again = reg.create("K-0001", 1_500, "kk-0001").await;
    assert_eq!((again.status, again.state()), (200, "not_charged"));
    assert_eq!(again.body["sale_id"], sale_id);
    assert_eq!(
        at_acquirer(env.dir.path(), "K-0001"),
        vec![("reversed".to_owned(), 0, 0)],
        "journal = acquirer: reversed, nothing captured"
    );

    // Killed while the customer is at the till (the PIN never typed).
    let r = reg.create("K-0002", 700, "kk-0002").await;
    assert_eq!(
        (r.status, r.state()),
        (201, "waiting_for_customer"),
        "{:#}",
        r.body
    );
    driver.kill().await;
    let mut driver = Driver::start(&env, None).await;
    assert!(recovered(&driver.first).is_empty(), "nothing was sent");
    let reg = driver.register();
    let r = reg.status("K-0002").await;
    assert_eq!(
        (r.status, r.state(), r.body["code"].as_str()),
        (200, "not_charged", Some("pos_interrupted")),
        "{:#}",
        r.body
    );
    assert!(at_acquirer(env.dir.path(), "K-0002").is_empty());
    let store = counter_store::Store::open(env.db()).unwrap();
    let o = store.pos_order("K-0002").unwrap().unwrap();
    assert_eq!(
        o.state,
        PosOrderState::Unpaid,
        "closed in the journal at start"
    );
    drop(store);

    // The restarted terminal sells again.
    let r = reg.create("K-0003", 900, "kk-0003").await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    driver.type_pin();
    let r = reg
        .status_until("K-0003", "the sale's outcome", |r| {
            r.state() != "waiting_for_customer" && r.state() != "paying"
        })
        .await;
    assert_eq!(r.state(), "approved", "{:#}", r.body);
    assert_eq!(
        at_acquirer(env.dir.path(), "K-0003"),
        vec![("captured".to_owned(), 900, 0)]
    );
    driver.kill().await;
    let store = counter_store::Store::open(env.db()).unwrap();
    assert!(store.unfinished_payments().unwrap().is_empty());
    assert!(store.open_pos_orders().unwrap().is_empty());
}
