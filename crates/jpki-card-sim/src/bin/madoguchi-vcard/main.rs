//! `madoguchi-vcard`: puts a virtual My Number card (a persona file) into a
//! vsmartcard `vpcd` reader, so that pcscd and every PC/SC program see it.
//! Runs until the card leaves (vpcd closes, `--remove-after`) or it is killed.

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Args::parse();
    match cli::run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("madoguchi-vcard: error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
