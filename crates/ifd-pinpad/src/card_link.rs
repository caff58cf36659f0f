//! The card's side of the reader: a loopback port where the virtual card
//! connects, speaking vsmartcard vpcd's protocol (docs/domain/build-and-test.md,
//! "PC/SC with a virtual reader"), so `jpki-card-sim`'s `VpcdSlot` plugs in
//! unchanged. Each message is a 2-byte big-endian length and a payload; one
//! byte is a control code (0 power off, 1 power on, 2 reset, 4 send the ATR),
//! more is a command APDU answered by its response. The reader speaks first;
//! the card only answers.
//!
//! One card at a time: a second connection while a card is in is closed.
//! A closed connection is a card taken out.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use thiserror::Error;

use crate::listener::Listener;

/// vpcd control code: power off (no answer).
pub const CTRL_POWER_OFF: u8 = 0;
/// vpcd control code: power on (no answer).
pub const CTRL_POWER_ON: u8 = 1;
/// vpcd control code: warm reset (no answer).
pub const CTRL_RESET: u8 = 2;
/// vpcd control code: send the ATR.
pub const CTRL_GET_ATR: u8 = 4;

/// Longest wait for the card's answer. The virtual card signs in well under a
/// second; its fault injection may add delays of a few seconds.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// Why an exchange with the card failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LinkError {
    /// No card is connected, or it left during the exchange.
    #[error("no card in the reader")]
    NoCard,
    /// The card answered with something that is not a message.
    #[error("the card's answer is malformed: {0}")]
    Malformed(&'static str),
}

/// The card port and the card connected to it, if any.
pub struct CardLink {
    card: Arc<Mutex<Option<TcpStream>>>,
    addr: std::net::SocketAddr,
    listener: Mutex<Listener>,
}

impl CardLink {
    /// Listens for the card on `127.0.0.1:port`.
    pub fn listen(port: u16) -> io::Result<CardLink> {
        let card: Arc<Mutex<Option<TcpStream>>> = Arc::new(Mutex::new(None));
        let slot = Arc::clone(&card);
        let listener = Listener::start(port, "pinpad card port", move |stream| {
            let mut slot = lock(&slot);
            if slot.as_mut().is_some_and(alive) {
                // A card is in: this one cannot be.
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
            let _ = stream.set_nodelay(true);
            let _ = stream.set_read_timeout(Some(ANSWER_TIMEOUT));
            *slot = Some(stream);
        })?;
        Ok(CardLink {
            card,
            addr: listener.addr(),
            listener: Mutex::new(listener),
        })
    }

    /// The port's address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Whether a card is connected (a closed connection is noticed here).
    pub fn present(&self) -> bool {
        let mut slot = lock(&self.card);
        if slot.as_mut().is_some_and(alive) {
            return true;
        }
        *slot = None;
        false
    }

    /// Sends a command APDU and returns the card's response.
    pub fn transmit(&self, apdu: &[u8]) -> Result<Vec<u8>, LinkError> {
        if apdu.len() < 2 {
            return Err(LinkError::Malformed("an APDU has at least 2 bytes"));
        }
        self.ask(apdu)
    }

    /// Sends a control code that has no answer.
    pub fn control(&self, code: u8) -> Result<(), LinkError> {
        let mut slot = lock(&self.card);
        let result = match slot.as_mut() {
            Some(stream) => write_message(stream, &[code]).map_err(|_| LinkError::NoCard),
            None => Err(LinkError::NoCard),
        };
        if result.is_err() {
            *slot = None;
        }
        result
    }

    /// Asks the card for its ATR.
    pub fn atr(&self) -> Result<Vec<u8>, LinkError> {
        self.ask(&[CTRL_GET_ATR])
    }

    /// Takes the card out (the demo's and the tests' "card removed" from the
    /// reader's side; the card sees its connection close).
    pub fn eject(&self) {
        if let Some(stream) = lock(&self.card).take() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Stops listening and lets the card go.
    pub fn close(&self) {
        self.listener
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .stop();
        self.eject();
    }

    fn ask(&self, payload: &[u8]) -> Result<Vec<u8>, LinkError> {
        let mut slot = lock(&self.card);
        let Some(stream) = slot.as_mut() else {
            return Err(LinkError::NoCard);
        };
        let answer = write_message(stream, payload)
            .and_then(|()| read_message(stream))
            .map_err(|e| match e.kind() {
                io::ErrorKind::InvalidData => LinkError::Malformed("bad length"),
                _ => LinkError::NoCard,
            });
        if answer.is_err()
            && let Some(s) = slot.take()
        {
            let _ = s.shutdown(Shutdown::Both);
        }
        answer
    }
}

/// The card slot, also when a thread panicked while holding it (the slot
/// holds no invariant a panic could break).
fn lock(m: &Mutex<Option<TcpStream>>) -> MutexGuard<'_, Option<TcpStream>> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether the card is still connected: a read that would block means yes,
/// end of stream (or an error) means the card left. The card never speaks
/// unasked, so nothing is consumed.
fn alive(stream: &mut TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let mut byte = [0u8; 1];
    let alive = match stream.peek(&mut byte) {
        Ok(0) => false,
        Ok(_) => true,
        Err(e) => e.kind() == io::ErrorKind::WouldBlock,
    };
    alive && stream.set_nonblocking(false).is_ok()
}

/// Writes one message: length and payload in one write.
pub(crate) fn write_message(stream: &mut TcpStream, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "message too long"))?;
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame)?;
    stream.flush()
}

/// Reads one message; an empty one is malformed (every answer has bytes).
pub(crate) fn read_message(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 2];
    stream.read_exact(&mut len)?;
    let len = usize::from(u16::from_be_bytes(len));
    if len == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "empty answer"));
    }
    let mut payload = vec![0u8; len];
    stream.read_exact(&mut payload)?;
    Ok(payload)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::time::Instant;

    use super::*;

    /// A card that answers the ATR request and echoes APDUs with 90 00.
    fn fake_card(addr: std::net::SocketAddr) -> TcpStream {
        let stream = TcpStream::connect(addr).unwrap();
        let mut s = stream.try_clone().unwrap();
        std::thread::spawn(move || {
            while let Ok(msg) = read_message(&mut s) {
                let reply = match msg.as_slice() {
                    [CTRL_GET_ATR] => vec![0x3B, 0x00],
                    [_] => continue,
                    apdu => [apdu, &[0x90, 0x00]].concat(),
                };
                if write_message(&mut s, &reply).is_err() {
                    break;
                }
            }
        });
        stream
    }

    fn wait_until(what: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !what() {
            assert!(Instant::now() < deadline, "condition not reached");
            std::thread::yield_now();
        }
    }

    #[test]
    fn a_card_comes_answers_and_goes() {
        let link = CardLink::listen(0).unwrap();
        assert!(!link.present());
        assert!(matches!(link.atr(), Err(LinkError::NoCard)));
        let card = fake_card(link.addr());
        wait_until(|| link.present());
        assert_eq!(link.atr().unwrap(), [0x3B, 0x00]);
        link.control(CTRL_POWER_ON).unwrap();
        assert_eq!(link.transmit(&[0, 0xA4]).unwrap(), [0, 0xA4, 0x90, 0x00]);
        assert!(matches!(link.transmit(&[0]), Err(LinkError::Malformed(_))));
        card.shutdown(Shutdown::Both).unwrap();
        wait_until(|| !link.present());
        assert!(matches!(link.transmit(&[0, 0xA4]), Err(LinkError::NoCard)));
        link.close();
    }

    #[test]
    fn a_second_card_is_turned_away() {
        let link = CardLink::listen(0).unwrap();
        let _first = fake_card(link.addr());
        wait_until(|| link.present());
        let mut second = TcpStream::connect(link.addr()).unwrap();
        let mut buf = [0u8; 1];
        second
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        assert_eq!(second.read(&mut buf).unwrap(), 0, "closed by the reader");
        assert_eq!(link.atr().unwrap(), [0x3B, 0x00]);
    }
}
