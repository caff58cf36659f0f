//! The keys port: where a test (or the demo) is the customer's fingers, and
//! asks the reader what it saw. A line-based text protocol on
//! `127.0.0.1:<keys port>`, one answer line per command:
//!
//! | command | answer |
//! |---|---|
//! | `press 0`…`press 9`, `press ok`, `press cancel`, `press clear` | `ok`, or `idle` when the pad is not prompting (the key is lost, as on a real pad) |
//! | `wait-prompt <ms>` | `prompt <n> min=<a> max=<b> timeout=<s>` once the pad prompts, or `none` after `<ms>` |
//! | `wait-idle <ms>` | `idle` once the pad stops prompting, or `busy` after `<ms>` |
//! | `wait-log <ms> <text>` | `found` once a line of the record contains `<text>`, or `none` after `<ms>` |
//! | `card` | `present` or `absent` |
//! | `log` | the [record](crate::record) (one line each), then `end` |
//! | `clear-log` | `ok` |
//!
//! A malformed command gets `error <what>`. [`PadKeys`] is the client.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;

use crate::card_link::CardLink;
use crate::entry::Key;
use crate::pad::{Pad, Prompt};

/// Longest command line taken; a longer one ends the connection.
const MAX_LINE: usize = 256;
/// Longest wait a `wait-*` command may ask for.
const MAX_WAIT: Duration = Duration::from_secs(600);

/// Serves one client of the keys port until it hangs up.
pub fn serve(stream: TcpStream, pad: &Pad, card: &CardLink) -> io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        let n = (&mut lines)
            .take(MAX_LINE as u64 + 1)
            .read_line(&mut line)?;
        if n == 0 || n > MAX_LINE {
            return Ok(());
        }
        let answer = answer(line.trim(), pad, card);
        out.write_all(answer.as_bytes())?;
        out.flush()?;
    }
}

/// The answer (with its final newline) to one command.
fn answer(command: &str, pad: &Pad, card: &CardLink) -> String {
    let (verb, arg) = command.split_once(' ').unwrap_or((command, ""));
    let wait = || {
        arg.parse::<u64>()
            .map(|ms| Duration::from_millis(ms).min(MAX_WAIT))
    };
    match verb {
        "press" => match parse_key(arg) {
            Some(key) if pad.press(key) => "ok\n".to_owned(),
            Some(_) => "idle\n".to_owned(),
            None => format!("error unknown key {arg:?}\n"),
        },
        "wait-prompt" => match wait() {
            Ok(limit) => match pad.wait(true, limit) {
                Some(p) => format!(
                    "prompt {} min={} max={} timeout={}\n",
                    p.number, p.min, p.max, p.timeout_secs
                ),
                None => "none\n".to_owned(),
            },
            Err(_) => "error wait-prompt takes milliseconds\n".to_owned(),
        },
        "wait-idle" => match wait() {
            Ok(limit) => match pad.wait(false, limit) {
                Some(_) => "busy\n".to_owned(),
                None => "idle\n".to_owned(),
            },
            Err(_) => "error wait-idle takes milliseconds\n".to_owned(),
        },
        "wait-log" => {
            let (ms, text) = arg.split_once(' ').unwrap_or((arg, ""));
            match ms.parse::<u64>() {
                Ok(ms) if !text.is_empty() => {
                    let limit = Duration::from_millis(ms).min(MAX_WAIT);
                    if pad.wait_record(text, limit) {
                        "found\n".to_owned()
                    } else {
                        "none\n".to_owned()
                    }
                }
                _ => "error wait-log takes milliseconds and a text\n".to_owned(),
            }
        }
        "card" if card.present() => "present\n".to_owned(),
        "card" => "absent\n".to_owned(),
        "log" => {
            let mut s = String::new();
            for l in pad.record_lines() {
                s.push_str(&l);
                s.push('\n');
            }
            s.push_str("end\n");
            s
        }
        "clear-log" => {
            pad.clear_record();
            "ok\n".to_owned()
        }
        _ => "error unknown command\n".to_owned(),
    }
}

fn parse_key(arg: &str) -> Option<Key> {
    match arg {
        "ok" => Some(Key::Ok),
        "cancel" => Some(Key::Cancel),
        "clear" => Some(Key::Clear),
        d if d.len() == 1 => d
            .bytes()
            .next()
            .filter(u8::is_ascii_digit)
            .map(|b| Key::Digit(b - b'0')),
        _ => None,
    }
}

/// What went wrong talking to the keys port.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum KeysError {
    /// The port did not answer (the reader is not loaded, or pcscd stopped).
    #[error("the PIN pad's keys port {addr} is not reachable: {source}")]
    Io {
        /// The keys port.
        addr: SocketAddr,
        /// What failed.
        source: io::Error,
    },
    /// The pad was not prompting: the key was not taken.
    #[error("the PIN pad is not asking for a PIN")]
    Idle,
    /// The pad did not prompt (or stop) within the time asked.
    #[error("the PIN pad did not {0} in time")]
    NotInTime(&'static str),
    /// An answer this client does not understand.
    #[error("the PIN pad answered {0:?}")]
    Unexpected(String),
}

/// A client of the keys port: presses keys and reads the reader's record.
#[derive(Debug)]
pub struct PadKeys {
    addr: SocketAddr,
    out: TcpStream,
    lines: BufReader<TcpStream>,
}

impl PadKeys {
    /// Connects to the keys port at `addr` (scripts/pcscd.sh exports it as
    /// `MADOGUCHI_PINPAD_KEYS_PORT`, on 127.0.0.1).
    pub fn connect(addr: SocketAddr) -> Result<PadKeys, KeysError> {
        let io = |source| KeysError::Io { addr, source };
        let out = TcpStream::connect(addr).map_err(io)?;
        let lines = BufReader::new(out.try_clone().map_err(io)?);
        Ok(PadKeys { addr, out, lines })
    }

    fn ask(&mut self, command: &str) -> Result<String, KeysError> {
        let addr = self.addr;
        let io = |source| KeysError::Io { addr, source };
        self.out
            .write_all(format!("{command}\n").as_bytes())
            .map_err(io)?;
        let mut line = String::new();
        if self.lines.read_line(&mut line).map_err(io)? == 0 {
            return Err(io(io::ErrorKind::UnexpectedEof.into()));
        }
        Ok(line.trim_end().to_owned())
    }

    /// Presses one key.
    pub fn press(&mut self, key: Key) -> Result<(), KeysError> {
        let name = match key {
            Key::Digit(d) if d <= 9 => char::from(b'0' + d).to_string(),
            Key::Digit(_) => return Err(KeysError::Unexpected("a digit above 9".to_owned())),
            Key::Ok => "ok".to_owned(),
            Key::Cancel => "cancel".to_owned(),
            Key::Clear => "clear".to_owned(),
        };
        match self.ask(&format!("press {name}"))?.as_str() {
            "ok" => Ok(()),
            "idle" => Err(KeysError::Idle),
            other => Err(KeysError::Unexpected(other.to_owned())),
        }
    }

    /// Presses the digits of `digits` one by one (other characters are
    /// refused before any key is pressed).
    pub fn type_digits(&mut self, digits: &str) -> Result<(), KeysError> {
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(KeysError::Unexpected("only digits can be typed".to_owned()));
        }
        for b in digits.bytes() {
            self.press(Key::Digit(b - b'0'))?;
        }
        Ok(())
    }

    /// Waits until the pad prompts for a PIN.
    pub fn wait_prompt(&mut self, limit: Duration) -> Result<Prompt, KeysError> {
        let answer = self.ask(&format!("wait-prompt {}", limit.as_millis()))?;
        if answer == "none" {
            return Err(KeysError::NotInTime("prompt"));
        }
        parse_prompt(&answer).ok_or(KeysError::Unexpected(answer))
    }

    /// Waits until the pad stops prompting.
    pub fn wait_idle(&mut self, limit: Duration) -> Result<(), KeysError> {
        match self
            .ask(&format!("wait-idle {}", limit.as_millis()))?
            .as_str()
        {
            "idle" => Ok(()),
            "busy" => Err(KeysError::NotInTime("stop prompting")),
            other => Err(KeysError::Unexpected(other.to_owned())),
        }
    }

    /// Waits until a line of the reader's record contains `text` (one line,
    /// no newline).
    pub fn wait_log(&mut self, text: &str, limit: Duration) -> Result<(), KeysError> {
        if text.is_empty() || text.contains('\n') {
            return Err(KeysError::Unexpected(
                "one line of text to wait for".to_owned(),
            ));
        }
        match self
            .ask(&format!("wait-log {} {text}", limit.as_millis()))?
            .as_str()
        {
            "found" => Ok(()),
            "none" => Err(KeysError::NotInTime("record it")),
            other => Err(KeysError::Unexpected(other.to_owned())),
        }
    }

    /// Whether a card is in the reader, as the reader sees it.
    pub fn card_present(&mut self) -> Result<bool, KeysError> {
        match self.ask("card")?.as_str() {
            "present" => Ok(true),
            "absent" => Ok(false),
            other => Err(KeysError::Unexpected(other.to_owned())),
        }
    }

    /// The reader's record, oldest line first.
    pub fn log(&mut self) -> Result<Vec<String>, KeysError> {
        let mut lines = vec![self.ask("log")?];
        while lines.last().is_some_and(|l| l != "end") {
            let mut line = String::new();
            let addr = self.addr;
            if self
                .lines
                .read_line(&mut line)
                .map_err(|source| KeysError::Io { addr, source })?
                == 0
            {
                return Err(KeysError::Unexpected("the log ended early".to_owned()));
            }
            lines.push(line.trim_end().to_owned());
        }
        lines.pop();
        Ok(lines)
    }

    /// Forgets the reader's record (each test starts afresh).
    pub fn clear_log(&mut self) -> Result<(), KeysError> {
        match self.ask("clear-log")?.as_str() {
            "ok" => Ok(()),
            other => Err(KeysError::Unexpected(other.to_owned())),
        }
    }
}

fn parse_prompt(answer: &str) -> Option<Prompt> {
    let mut words = answer.split(' ');
    if words.next()? != "prompt" {
        return None;
    }
    let number = words.next()?.parse().ok()?;
    let mut field = |name: &str| {
        words
            .next()?
            .strip_prefix(name)?
            .strip_prefix('=')?
            .parse::<u64>()
            .ok()
    };
    let min = u8::try_from(field("min")?).ok()?;
    let max = u8::try_from(field("max")?).ok()?;
    let timeout_secs = field("timeout")?;
    Some(Prompt {
        number,
        min,
        max,
        timeout_secs,
    })
}

/// Starts serving the keys port for `pad` on `127.0.0.1:port`: one thread
/// per client.
pub fn listen(
    port: u16,
    pad: Arc<Pad>,
    card: Arc<CardLink>,
) -> io::Result<crate::listener::Listener> {
    crate::listener::Listener::start(port, "pinpad keys port", move |stream| {
        let (pad, card) = (Arc::clone(&pad), Arc::clone(&card));
        let _ = std::thread::Builder::new()
            .name("pinpad keys client".to_owned())
            .spawn(move || {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    serve(stream, &pad, &card)
                }));
            });
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn setup() -> (Arc<Pad>, Arc<CardLink>, crate::listener::Listener) {
        let pad = Arc::new(Pad::default());
        let card = Arc::new(CardLink::listen(0).unwrap());
        let l = listen(0, Arc::clone(&pad), Arc::clone(&card)).unwrap();
        (pad, card, l)
    }

    #[test]
    fn keys_prompts_and_the_record_over_the_port() {
        let (pad, _card, l) = setup();
        let mut keys = PadKeys::connect(l.addr()).unwrap();
        assert!(matches!(keys.press(Key::Digit(1)), Err(KeysError::Idle)));
        assert!(matches!(
            keys.wait_prompt(Duration::from_millis(10)),
            Err(KeysError::NotInTime(_))
        ));
        pad.begin(4, 4, Duration::from_secs(30));
        let p = keys.wait_prompt(Duration::from_secs(5)).unwrap();
        assert_eq!((p.number, p.min, p.max, p.timeout_secs), (1, 4, 4, 30));
        keys.type_digits("12").unwrap();
        keys.press(Key::Ok).unwrap();
        let until = std::time::Instant::now();
        assert_eq!(pad.next_key(until), Some(Key::Digit(1)));
        assert_eq!(pad.next_key(until), Some(Key::Digit(2)));
        assert_eq!(pad.next_key(until), Some(Key::Ok));
        assert!(matches!(
            keys.wait_idle(Duration::from_millis(10)),
            Err(KeysError::NotInTime(_))
        ));
        pad.end();
        keys.wait_idle(Duration::from_secs(5)).unwrap();
        assert!(!keys.card_present().unwrap());
        pad.record("structure 00".to_owned());
        pad.record("entry cancelled".to_owned());
        keys.wait_log("entry cancel", Duration::from_secs(5))
            .unwrap();
        assert!(matches!(
            keys.wait_log("entry removed", Duration::from_millis(10)),
            Err(KeysError::NotInTime(_))
        ));
        assert_eq!(keys.log().unwrap(), ["structure 00", "entry cancelled"]);
        keys.clear_log().unwrap();
        assert!(keys.log().unwrap().is_empty());
    }

    #[test]
    fn malformed_commands_get_an_error_not_a_hang() {
        let (pad, card, _l) = setup();
        for bad in [
            "press 12",
            "press",
            "wait-prompt soon",
            "wait-log 10",
            "hello",
            "",
        ] {
            assert!(answer(bad, &pad, &card).starts_with("error"), "{bad:?}");
        }
        assert!(matches!(
            PadKeys::connect(_l.addr()).unwrap().type_digits("12a"),
            Err(KeysError::Unexpected(_))
        ));
    }

    #[test]
    fn a_line_too_long_ends_the_connection() {
        let (_pad, _card, l) = setup();
        let mut s = TcpStream::connect(l.addr()).unwrap();
        s.write_all(&[b'x'; MAX_LINE + 10]).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(s.read(&mut buf).unwrap_or(0), 0);
    }
}
