//! Which reader to use. The operator picks it when there is a choice: we never
//! silently take the first of several (docs/domain/jpki.md §6.1).

use std::time::Duration;

use jpki_card_pcsc::{Monitor, ReaderEvent, list_readers};

/// A reader and whether a card is in it, as the hot-plug monitor reports on start.
#[derive(Debug, Clone)]
pub struct ReaderStatus {
    /// PC/SC reader name.
    pub name: String,
    /// The ATR of the card in it, if any.
    pub atr: Option<Vec<u8>>,
}

/// How long to collect the monitor's first report. Card insertion is seen by
/// pcscd within 55–400 ms (docs/domain/build-and-test.md); the monitor reports what is
/// there at start immediately, so a short quiet period ends the scan.
const QUIET: Duration = Duration::from_millis(300);
const SCAN_LIMIT: Duration = Duration::from_secs(3);

/// Every reader with its card, or an error that says what to check.
pub fn scan() -> Result<Vec<ReaderStatus>, String> {
    let names = list_readers().map_err(|e| {
        format!("{e}. Is pcscd running? (for the virtual reader: scripts/pcscd.sh start)")
    })?;
    let mut readers: Vec<ReaderStatus> = names
        .into_iter()
        .map(|name| ReaderStatus { name, atr: None })
        .collect();
    let monitor = Monitor::start().map_err(|e| format!("cannot watch the readers: {e}"))?;
    let started = std::time::Instant::now();
    while started.elapsed() < SCAN_LIMIT {
        match monitor.recv_timeout(QUIET) {
            Some(ReaderEvent::CardInserted { reader, atr }) => {
                if let Some(r) = readers.iter_mut().find(|r| r.name == reader) {
                    r.atr = Some(atr);
                }
            }
            Some(ReaderEvent::CardRemoved { reader }) => {
                if let Some(r) = readers.iter_mut().find(|r| r.name == reader) {
                    r.atr = None;
                }
            }
            Some(_) => {}
            None => break,
        }
    }
    monitor.stop();
    Ok(readers)
}

/// The reader to use: the one named (exactly, or by a unique part of its name),
/// or else the only reader with a card in it.
pub fn choose(wanted: Option<&str>) -> Result<String, String> {
    let readers = scan()?;
    if readers.is_empty() {
        return Err("no card reader found: plug one in (or start the virtual reader)".to_owned());
    }
    if let Some(wanted) = wanted {
        if let Some(r) = readers.iter().find(|r| r.name == wanted) {
            return Ok(r.name.clone());
        }
        let matching: Vec<_> = readers.iter().filter(|r| r.name.contains(wanted)).collect();
        return match matching.as_slice() {
            [one] => Ok(one.name.clone()),
            [] => Err(format!(
                "no reader matches {wanted:?}; readers: {}",
                names(&readers)
            )),
            _ => Err(format!(
                "{wanted:?} matches several readers: {}",
                names(&readers)
            )),
        };
    }
    let with_card: Vec<_> = readers.iter().filter(|r| r.atr.is_some()).collect();
    match with_card.as_slice() {
        [one] => Ok(one.name.clone()),
        [] => Err(format!(
            "no card in any reader ({}): place the My Number card on the reader",
            names(&readers)
        )),
        _ => Err(format!(
            "cards are in several readers; choose one with --reader: {}",
            names(&readers)
        )),
    }
}

fn names(readers: &[ReaderStatus]) -> String {
    readers
        .iter()
        .map(|r| r.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
