//! Asking for the PIN or the signature password on the terminal, without echo.
//!
//! The typed text goes straight into a zeroising buffer and then into the
//! `jpki-card` secret types; it is never printed, not even when it has the
//! wrong shape (the error says what shape is expected instead).

use jpki_card::{AuthPin, SignPassword};
use zeroize::Zeroizing;

/// Asks for the 4-digit user-authentication PIN until one of the right shape
/// is typed (three times at most: typing is free, only the card counts tries).
pub fn auth_pin(tries_left: u8) -> Result<AuthPin, String> {
    ask(
        &format!("利用者証明用暗証番号 (4 digits, {tries_left} tries left on the card): "),
        |text| AuthPin::new(text).map_err(|e| e.to_string()),
    )
}

/// Asks for the 6–16 character signature password.
pub fn sign_password(tries_left: u8) -> Result<SignPassword, String> {
    ask(
        &format!(
            "署名用パスワード (6-16 letters and digits, {tries_left} tries left on the card): "
        ),
        |text| SignPassword::new(text).map_err(|e| e.to_string()),
    )
}

fn ask<T>(prompt: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<T, String> {
    for _ in 0..3 {
        let typed = Zeroizing::new(
            rpassword::prompt_password(prompt)
                .map_err(|e| format!("cannot read from the terminal: {e}"))?,
        );
        match parse(typed.trim_end_matches(['\r', '\n'])) {
            Ok(secret) => return Ok(secret),
            Err(problem) => eprintln!("{problem}; nothing was sent to the card, try again"),
        }
    }
    Err("no PIN of the right shape was typed; nothing was sent to the card".to_owned())
}
