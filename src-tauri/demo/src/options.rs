//! What the demo starts with, from the environment:
//!
//! - `MADOGUCHI_DEMO_DIR`: its files (default `.run/demo`, relative to the working
//!   directory);
//! - `MADOGUCHI_DEMO_MODE`: the counter's mode at start, `reception` (default),
//!   `pharmacy` or `cashier`;
//! - `MADOGUCHI_DEMO_INSURER=down`: the counter is given a closed port for the insurer
//!   (to show the fallback);
//! - `MADOGUCHI_DEMO_ACQUIRER=down`: the counter is given a closed port for the acquirer
//!   (card sales wait; a sale left in doubt stays listed while checks go on);
//! - `MADOGUCHI_DEMO_SIGN_CRL=stale`: the signature CRL of the persona who moved is out
//!   of date (to show the notice that her attributes could not be checked);
//! - `MADOGUCHI_DEMO_POS=PORT`: the counter serves the register's (POS) payment API on
//!   `127.0.0.1:PORT` (to show a sale the register sends);
//! - `MADOGUCHI_DEMO_READER=pin-pad`: the counter and the persona cards use the virtual
//!   reader with a PIN pad that `scripts/pcscd.sh` loads beside the plain one (`plain`,
//!   the default): the customer types the PIN on the pad's keys (`madoguchi-pad`).
//!
//! An empty value counts as unset; any other value is refused by name.

use std::path::PathBuf;

use counter_demo::DemoOptions;
use counter_runtime::config::CounterMode;

/// A variable with a value the demo does not know.
#[derive(Debug, thiserror::Error)]
#[error("{name}={value:?} is not one of {expected}")]
pub struct EnvError {
    /// The variable.
    pub name: &'static str,
    /// Its value.
    pub value: String,
    /// What it may be.
    pub expected: &'static str,
}

/// The options `var` (an environment lookup) asks for.
pub fn from(var: impl Fn(&str) -> Option<String>) -> Result<DemoOptions, EnvError> {
    let var = |name: &str| var(name).filter(|value| !value.is_empty());
    let pick = |name: &'static str, expected: &'static str, choices: &[(&str, bool)]| {
        let value = var(name);
        match value.as_deref() {
            None => Ok(choices.first().is_some_and(|(_, default)| *default)),
            Some(value) => choices
                .iter()
                .find(|(choice, _)| *choice == value)
                .map(|(_, on)| *on)
                .ok_or_else(|| EnvError {
                    name,
                    value: value.to_owned(),
                    expected,
                }),
        }
    };
    let mode = match var("MADOGUCHI_DEMO_MODE").as_deref() {
        None | Some("reception") => CounterMode::Reception,
        Some("pharmacy") => CounterMode::Pharmacy,
        Some("cashier") => CounterMode::Cashier,
        Some(other) => {
            return Err(EnvError {
                name: "MADOGUCHI_DEMO_MODE",
                value: other.to_owned(),
                expected: "reception, pharmacy, cashier",
            });
        }
    };
    // The first choice is the default.
    let insurer_up = pick(
        "MADOGUCHI_DEMO_INSURER",
        "up, down",
        &[("up", true), ("down", false)],
    )?;
    let acquirer_up = pick(
        "MADOGUCHI_DEMO_ACQUIRER",
        "up, down",
        &[("up", true), ("down", false)],
    )?;
    let stale_sign_crl = pick(
        "MADOGUCHI_DEMO_SIGN_CRL",
        "current, stale",
        &[("current", false), ("stale", true)],
    )?;
    let pos_port = match var("MADOGUCHI_DEMO_POS") {
        None => None,
        Some(port) => Some(
            port.parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or(EnvError {
                    name: "MADOGUCHI_DEMO_POS",
                    value: port,
                    expected: "a port number, 1 to 65535",
                })?,
        ),
    };
    let pin_pad = pick(
        "MADOGUCHI_DEMO_READER",
        "plain, pin-pad",
        &[("plain", false), ("pin-pad", true)],
    )?;
    let dir = var("MADOGUCHI_DEMO_DIR").map_or_else(|| PathBuf::from(".run/demo"), PathBuf::from);
    Ok(DemoOptions {
        dir,
        mode,
        insurer_up,
        acquirer_up,
        stale_sign_crl,
        pos_port,
        pin_pad,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn options(vars: &[(&str, &str)]) -> Result<DemoOptions, EnvError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        from(|name| vars.get(name).cloned())
    }

    #[test]
    fn nothing_set_is_reception_with_every_backend_in_run_demo() {
        let o = options(&[]).unwrap();
        assert_eq!(o.mode, CounterMode::Reception);
        assert!(o.insurer_up);
        assert!(o.acquirer_up);
        assert!(!o.stale_sign_crl);
        assert!(!o.pin_pad);
        assert_eq!(o.dir, PathBuf::from(".run/demo"));
        let o = options(&[("MADOGUCHI_DEMO_INSURER", ""), ("MADOGUCHI_DEMO_DIR", "")]).unwrap();
        assert!(o.insurer_up);
        assert_eq!(o.dir, PathBuf::from(".run/demo"));
    }

    #[test]
    fn each_variable_is_read() {
        let o = options(&[
            ("MADOGUCHI_DEMO_MODE", "cashier"),
            ("MADOGUCHI_DEMO_INSURER", "down"),
            ("MADOGUCHI_DEMO_ACQUIRER", "down"),
            ("MADOGUCHI_DEMO_SIGN_CRL", "stale"),
            ("MADOGUCHI_DEMO_DIR", "elsewhere/demo"),
            ("MADOGUCHI_DEMO_POS", "18710"),
            ("MADOGUCHI_DEMO_READER", "pin-pad"),
        ])
        .unwrap();
        assert!(o.pin_pad);
        assert!(
            !options(&[("MADOGUCHI_DEMO_READER", "plain")])
                .unwrap()
                .pin_pad
        );
        assert_eq!(o.mode, CounterMode::Cashier);
        assert!(!o.insurer_up);
        assert!(!o.acquirer_up);
        assert!(o.stale_sign_crl);
        assert_eq!(o.dir, PathBuf::from("elsewhere/demo"));
        assert_eq!(o.pos_port, Some(18710));
        assert_eq!(options(&[]).unwrap().pos_port, None);
        for bad in ["0", "http", "70000"] {
            let e = options(&[("MADOGUCHI_DEMO_POS", bad)]).unwrap_err();
            assert_eq!(e.name, "MADOGUCHI_DEMO_POS");
        }
    }

    #[test]
    fn an_unknown_value_is_refused_by_name() {
        for (name, value) in [
            ("MADOGUCHI_DEMO_MODE", "till"),
            ("MADOGUCHI_DEMO_INSURER", "off"),
            ("MADOGUCHI_DEMO_ACQUIRER", "off"),
            ("MADOGUCHI_DEMO_SIGN_CRL", "old"),
            ("MADOGUCHI_DEMO_READER", "pinpad"),
        ] {
            let error = options(&[(name, value)]).unwrap_err();
            assert_eq!((error.name, error.value.as_str()), (name, value));
        }
    }
}
