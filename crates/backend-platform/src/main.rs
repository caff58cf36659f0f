//! `madoguchi-platform`: the verification platform server.
//!
//! ```sh
//! madoguchi-platform serve --config platform.toml
//! madoguchi-platform keygen --key keys/assertion.pem --secret keys/pseudonym.secret
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "madoguchi-platform",
    about = "Madoguchi verification platform server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server until Ctrl-C (SIGHUP reloads the CRLs).
    Serve {
        /// The TOML configuration file.
        #[arg(long)]
        config: PathBuf,
    },
    /// Writes a new ES256 signing key (PKCS#8 PEM) and a pseudonym secret (32 random bytes).
    Keygen {
        /// Where to write the signing key.
        #[arg(long)]
        key: PathBuf,
        /// Where to write the pseudonym secret.
        #[arg(long)]
        secret: PathBuf,
    },
}

fn main() -> ExitCode {
    backend_kit::command::init_logging();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve { config } => serve(config),
        Command::Keygen { key, secret } => keygen(&key, &secret),
    };
    backend_kit::command::exit_code("madoguchi-platform", result)
}

fn serve(config: PathBuf) -> Result<(), String> {
    let settings = backend_platform::Settings::load(&config).map_err(|e| e.to_string())?;
    let listen = settings.listen;
    backend_kit::command::serve_until_ctrl_c("platform", listen, move |listener| {
        backend_platform::start(settings, Arc::new(backend_kit::SystemClock), listener)
    })
}

fn keygen(key: &std::path::Path, secret: &std::path::Path) -> Result<(), String> {
    use p256::pkcs8::EncodePrivateKey;
    let mut bytes = [0u8; 32];
    let signing = loop {
        getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
        // A random 32-byte string is a valid scalar with overwhelming probability; retry if not.
        if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&bytes) {
            break k;
        }
    };
    let pem = signing
        .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
        .map_err(|e| format!("cannot encode the key: {e}"))?;
    let mut s = [0u8; 32];
    getrandom::fill(&mut s).map_err(|e| format!("no randomness: {e}"))?;
    for (path, data) in [(key, pem.as_bytes()), (secret, &s[..])] {
        if path.exists() {
            return Err(format!(
                "{} exists; refusing to overwrite a key",
                path.display()
            ));
        }
        std::fs::write(path, data).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    println!("wrote {} and {}", key.display(), secret.display());
    Ok(())
}
