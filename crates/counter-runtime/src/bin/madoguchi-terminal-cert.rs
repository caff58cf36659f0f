//! `madoguchi-terminal-cert`: the terminal's half of its enrollment, shipped in the desktop
//! app's package (the headless `madoguchi-counter`, which carries the virtual card, is
//! not). It reads the terminal's configuration, makes its TLS key at `[tls] key` (mode
//! 0600, never over an existing one) and a certificate request for `terminal_id` at
//! `--out`, and prints one JSON line: where they are and what to do next (README,
//! "Enrolling a terminal"). Nothing is sent anywhere; the request holds the public key only.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use counter_runtime::certificate_request;
use counter_runtime::config::Config;

#[derive(Parser, Debug)]
#[command(
    name = "madoguchi-terminal-cert",
    version,
    about = "The terminal's TLS key and certificate request, for the platform's operator"
)]
struct Cli {
    /// The terminal's configuration file (TOML): its `terminal_id` and `[tls] key`.
    #[arg(long, env = "MADOGUCHI_CONFIG")]
    config: PathBuf,
    /// Where to write the certificate request (PEM); it must not exist yet.
    #[arg(long)]
    out: PathBuf,
}

/// One JSON line saying what went wrong and what to do, and exit code 2.
fn fail(code: counter_core::Code, detail: &str) -> ExitCode {
    println!("{}", counter_runtime::error::failure_line(code, detail));
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => return fail(e.code(), &e.to_string()),
    };
    match certificate_request::make(&config.file.terminal_id, &config.file.tls.key, &cli.out) {
        Ok(made) => {
            println!("{}", certificate_request::report(&config, &made));
            ExitCode::SUCCESS
        }
        Err(e) => fail(counter_core::Code::Internal, &e.to_string()),
    }
}
