//! `madoguchi-pad`: the virtual PIN-pad reader's keys from a shell, for the demo and for
//! trying the reader by hand (tests use [`madoguchi_ifd_pinpad::PadKeys`] directly).
//! Run it where the reader's pcscd runs (`scripts/pcscd.sh run madoguchi-pad ...`: the
//! keys port listens on 127.0.0.1 of pcscd's network namespace).
//!
//! ```text
//! madoguchi-pad [--port N] press KEY...     keys: 0-9, ok, cancel, clear
//! madoguchi-pad [--port N] type             digits read from standard input, one key each
//! madoguchi-pad [--port N] wait-prompt [S]  until the pad asks for a PIN (60 s)
//! madoguchi-pad [--port N] wait-idle [S]    until it stops asking (60 s)
//! madoguchi-pad [--port N] card             whether a card is in the reader
//! madoguchi-pad [--port N] log              what the reader saw (PINs masked)
//! ```
//!
//! The port: `--port`, else `MADOGUCHI_PINPAD_KEYS_PORT` (scripts/pcscd.sh), else 40020.

use std::io::BufRead;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use madoguchi_ifd_pinpad::{Key, KeysError, PadKeys};
use zeroize::Zeroizing;

const DEFAULT_PORT: u16 = 40020;
const USAGE: &str = "usage: madoguchi-pad [--port N] press KEY... | type | wait-prompt [S] | \
                     wait-idle [S] | card | log   (keys: 0-9, ok, cancel, clear)";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("madoguchi-pad: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(mut args: Vec<String>) -> Result<(), String> {
    let mut port = std::env::var("MADOGUCHI_PINPAD_KEYS_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(DEFAULT_PORT);
    if args.first().map(String::as_str) == Some("--port") {
        port = args
            .get(1)
            .and_then(|p| p.parse().ok())
            .ok_or("--port takes a port number")?;
        args.drain(..2);
    }
    let (command, rest) = args.split_first().ok_or(USAGE)?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut pad = PadKeys::connect(addr).map_err(|e| e.to_string())?;
    let secs = |default: u64| -> Result<Duration, String> {
        match rest.first() {
            None => Ok(Duration::from_secs(default)),
            Some(s) => s
                .parse()
                .map(Duration::from_secs)
                .map_err(|_| format!("{s:?} is not a number of seconds")),
        }
    };
    let shown = |e: KeysError| e.to_string();
    match command.as_str() {
        "press" => {
            let keys = rest
                .iter()
                .map(|k| key(k).ok_or(format!("{k:?} is not a key ({USAGE})")))
                .collect::<Result<Vec<_>, _>>()?;
            for k in keys {
                pad.press(k).map_err(shown)?;
            }
        }
        "type" => {
            let mut line = Zeroizing::new(String::new());
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the digits: {e}"))?;
            pad.type_digits(line.trim_end()).map_err(|_| {
                "type takes digits only (nothing was pressed after the first non-digit)".to_owned()
            })?;
        }
        "wait-prompt" => {
            let p = pad.wait_prompt(secs(60)?).map_err(shown)?;
            println!(
                "prompt {}: {} to {} digits, {} s",
                p.number, p.min, p.max, p.timeout_secs
            );
        }
        "wait-idle" => pad.wait_idle(secs(60)?).map_err(shown)?,
        "card" => {
            let present = pad.card_present().map_err(shown)?;
            println!("{}", if present { "present" } else { "absent" });
        }
        "log" => {
            for line in pad.log().map_err(shown)? {
                println!("{line}");
            }
        }
        _ => return Err(USAGE.to_owned()),
    }
    Ok(())
}

fn key(name: &str) -> Option<Key> {
    match name {
        "ok" => Some(Key::Ok),
        "cancel" => Some(Key::Cancel),
        "clear" => Some(Key::Clear),
        d => d
            .parse::<u8>()
            .ok()
            .filter(|d| *d <= 9 && name.len() == 1)
            .map(Key::Digit),
    }
}
