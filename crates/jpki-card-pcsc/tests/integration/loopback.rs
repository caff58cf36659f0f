//! The virtual reader is reachable from loopback only: our pcscd (and this test, through
//! `scripts/pcscd.sh run`) live in a network namespace whose only interface is loopback,
//! so vpcd's ports, which listen on every address of their namespace, listen on no address
//! of the machine's own network. Whoever reached them could pose as the card and read the
//! VERIFY commands that carry a PIN typed on the customer window.

use std::collections::BTreeSet;

/// The ports in LISTEN state in a `/proc/<pid>/net/tcp{,6}` table (an absent table, as
/// `tcp6` without IPv6, has none).
fn listening(table: &str) -> BTreeSet<u16> {
    let text = match std::fs::read_to_string(table) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return BTreeSet::new(),
        Err(e) => panic!("cannot read {table}: {e}"),
    };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // local_address is `ADDR:PORT` in hex; state 0A is LISTEN.
            let (local, state) = (fields.get(1)?, fields.get(3)?);
            let port = local.rsplit(':').next()?;
            (*state == "0A").then(|| u16::from_str_radix(port, 16).ok())?
        })
        .collect()
}

fn both(pid: &str) -> BTreeSet<u16> {
    let mut ports = listening(&format!("/proc/{pid}/net/tcp"));
    ports.extend(listening(&format!("/proc/{pid}/net/tcp6")));
    ports
}

#[test]
fn vpcd_listens_in_a_namespace_with_loopback_only() {
    if std::env::var("MADOGUCHI_VPCD_NETNS").as_deref() == Ok("off") {
        eprintln!(
            "MADOGUCHI_VPCD_NETNS=off: vpcd is open to the network by request; nothing to check"
        );
        return;
    }
    let port: u16 = std::env::var("MADOGUCHI_VPCD_PORT")
        .expect("run through scripts/pcscd.sh run (MADOGUCHI_VPCD_PORT is unset)")
        .parse()
        .unwrap();
    let vpcd = [port, port + 1];
    // Here: vpcd's two ports listen, and the only interface is loopback.
    let here = both("self");
    assert!(
        vpcd.iter().all(|p| here.contains(p)),
        "vpcd not listening here: {here:?}"
    );
    let interfaces: Vec<String> = std::fs::read_to_string("/proc/self/net/dev")
        .unwrap()
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next().map(|n| n.trim().to_owned()))
        .collect();
    assert_eq!(interfaces, ["lo"], "the namespace has other interfaces");
    // The machine's own namespace (that of process 1): vpcd's ports do not listen there.
    assert!(
        std::path::Path::new("/proc/1/net/tcp").exists(),
        "cannot see the machine's sockets"
    );
    let machine = both("1");
    assert!(
        vpcd.iter().all(|p| !machine.contains(p)),
        "vpcd's ports listen on the machine's network: {machine:?}"
    );
}
