//! The pad: its keys as they are pressed, whether it is prompting for a PIN,
//! and the reader's [`Record`]. Shared between the reader (which runs an
//! entry on pcscd's thread, inside `IFDHControl`) and the keys port (which
//! presses keys and answers the tests' questions), under one lock.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::entry::Key;
use crate::record::Record;

/// What the pad shows while it prompts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prompt {
    /// 1 for the first entry since the reader started, then 2, 3...
    pub number: u64,
    /// Fewest digits.
    pub min: u8,
    /// Most digits.
    pub max: u8,
    /// Seconds the entry may take.
    pub timeout_secs: u64,
}

#[derive(Debug, Default)]
struct State {
    prompt: Option<Prompt>,
    prompts: u64,
    keys: VecDeque<Key>,
    record: Record,
}

/// The pad, shared.
#[derive(Debug, Default)]
pub struct Pad {
    state: Mutex<State>,
    changed: Condvar,
}

impl Pad {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing in the state can be left half-changed by a panic.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a line to the record.
    pub fn record(&self, line: String) {
        self.lock().record.push(line);
        self.changed.notify_all();
    }

    /// Waits up to `limit` until a line of the record contains `text`.
    pub fn wait_record(&self, text: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut s = self.lock();
        loop {
            if s.record.lines().any(|l| l.contains(text)) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            s = self
                .changed
                .wait_timeout(s, left)
                .map(|(s, _)| s)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        }
    }

    /// The record's lines.
    pub fn record_lines(&self) -> Vec<String> {
        self.lock().record.lines().map(str::to_owned).collect()
    }

    /// Forgets the record.
    pub fn clear_record(&self) {
        self.lock().record.clear();
    }

    /// The reader starts prompting; keys pressed before now are forgotten (a
    /// pad takes no keys while it does not prompt).
    pub fn begin(&self, min: u8, max: u8, timeout: Duration) -> Prompt {
        let mut s = self.lock();
        s.prompts += 1;
        let prompt = Prompt {
            number: s.prompts,
            min,
            max,
            timeout_secs: timeout.as_secs(),
        };
        s.prompt = Some(prompt);
        s.keys.clear();
        self.changed.notify_all();
        prompt
    }

    /// The reader stops prompting.
    pub fn end(&self) {
        let mut s = self.lock();
        s.prompt = None;
        s.keys.clear();
        self.changed.notify_all();
    }

    /// A key pressed; false when the pad is not prompting (the key is lost).
    pub fn press(&self, key: Key) -> bool {
        let mut s = self.lock();
        if s.prompt.is_none() {
            return false;
        }
        s.keys.push_back(key);
        self.changed.notify_all();
        true
    }

    /// The next key, waiting until `until` at most.
    pub fn next_key(&self, until: Instant) -> Option<Key> {
        let mut s = self.lock();
        loop {
            if let Some(k) = s.keys.pop_front() {
                return Some(k);
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            s = self
                .changed
                .wait_timeout(s, left)
                .map(|(s, _)| s)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        }
    }

    /// The prompt showing now, if any.
    pub fn prompt(&self) -> Option<Prompt> {
        self.lock().prompt
    }

    /// Waits up to `limit` until the pad prompts (`true`) or until it does not
    /// (`false`); returns the prompt showing at the end, if any.
    pub fn wait(&self, prompting: bool, limit: Duration) -> Option<Prompt> {
        let deadline = Instant::now() + limit;
        let mut s = self.lock();
        while s.prompt.is_some() != prompting {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            s = self
                .changed
                .wait_timeout(s, left)
                .map(|(s, _)| s)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        }
        s.prompt
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn keys_count_only_while_prompting() {
        let pad = Pad::default();
        assert!(!pad.press(Key::Digit(1)));
        let p = pad.begin(4, 4, Duration::from_secs(30));
        assert_eq!((p.number, p.min, p.max, p.timeout_secs), (1, 4, 4, 30));
        assert!(pad.press(Key::Digit(2)));
        assert_eq!(pad.next_key(Instant::now()), Some(Key::Digit(2)));
        assert_eq!(pad.next_key(Instant::now()), None);
        pad.end();
        assert_eq!(pad.prompt(), None);
        assert_eq!(pad.begin(1, 8, Duration::from_secs(5)).number, 2);
    }

    #[test]
    fn waiting_for_the_prompt_wakes_when_it_shows() {
        let pad = Arc::new(Pad::default());
        let p = Arc::clone(&pad);
        let t = std::thread::spawn(move || p.wait(true, Duration::from_secs(5)));
        pad.begin(4, 4, Duration::from_secs(30));
        assert!(t.join().unwrap().is_some());
        assert!(
            pad.wait(false, Duration::from_millis(10)).is_some(),
            "still prompting"
        );
        pad.end();
        assert_eq!(pad.wait(false, Duration::from_secs(1)), None);
        let p = Arc::clone(&pad);
        let t = std::thread::spawn(move || p.wait_record("power down", Duration::from_secs(5)));
        pad.record("power down".to_owned());
        assert!(t.join().unwrap());
        assert!(!pad.wait_record("power up", Duration::from_millis(10)));
    }
}
