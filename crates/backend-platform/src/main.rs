//! `madoguchi-platform`: the verification platform server.
//!
//! ```sh
//! madoguchi-platform serve --config platform.toml
//! madoguchi-platform keygen --key keys/assertion.pem --secret keys/pseudonym.secret
//! madoguchi-platform terminals add --config platform.toml --id clinic-b-desk-1 [--admin]
//! madoguchi-platform terminals enroll --config platform.toml --id clinic-b-desk-1 \
//!     --request clinic-b-desk-1.csr --ca-key terminal-ca.key --out clinic-b-desk-1.pem
//! madoguchi-platform terminals disable --config platform.toml --id clinic-b-desk-1
//! madoguchi-platform terminals list --config platform.toml
//! madoguchi-platform roots add --config platform.toml [--sha256 HEX] authca02.cer
//! madoguchi-platform crl publish --config platform.toml [--dir jpki/crl] [--force]
//! madoguchi-platform holders attach-auth --config platform.toml --auth auth.pem \
//!     --birth-date 1985-04-12 --document my-number-card --operator op-yamada
//! madoguchi-platform holders accept-correction --config platform.toml --auth auth.pem \
//!     --evidence family-register-full --operator op-yamada
//! ```
//!
//! `terminals` and `crl publish` write the storage the configuration names; every node
//! applies the change within its `[database] poll_seconds`. `holders attach-auth` links a
//! re-issued authentication certificate to its holder, and `holders accept-correction`
//! lets a holder's legally changed birth date or sex stand (every node reads the registry
//! directly).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use backend_platform::operator::TerminalCommand;
use backend_platform::storage::Republish;
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
    /// Registers, disables or lists the terminals in the platform's storage.
    Terminals {
        #[command(subcommand)]
        command: Terminals,
    },
    /// The J-LIS roots added to the compiled-in ones (`[jpki] added_roots`).
    Roots {
        #[command(subcommand)]
        command: Roots,
    },
    /// The CRL set in the platform's storage.
    Crl {
        #[command(subcommand)]
        command: Crl,
    },
    /// The holders in the platform's registry.
    Holders {
        #[command(subcommand)]
        command: Holders,
    },
}

#[derive(Subcommand)]
enum Holders {
    /// Attaches a card's re-issued authentication certificate to its holder, after an
    /// enrollment of the card was refused `holder_conflict` (signature_linked_elsewhere):
    /// the birth date on the customer's identity document must be the one on the holder's
    /// signature certificate; the audit row records who checked which document.
    AttachAuth {
        /// The platform's configuration file (its roots and storage are used).
        #[arg(long)]
        config: PathBuf,
        /// The card's authentication certificate (PEM or DER: `madoguchi-card read-cert
        /// auth` with the customer's card on the reader).
        #[arg(long)]
        auth: PathBuf,
        /// The birth date printed on the identity document you checked, YYYY-MM-DD.
        #[arg(long)]
        birth_date: String,
        /// The photo identity document you checked the customer with.
        #[arg(long, value_enum)]
        document: backend_platform::attach_auth::IdentityDocument,
        /// Your own operator id (kept in the audit trail).
        #[arg(long)]
        operator: String,
    },
    /// Accepts, for its holder, the new signature certificate of a card whose enrollment was
    /// refused `holder_conflict` (signature_of_another_person) because the customer's birth
    /// date or sex was legally changed (a corrected family register, a gender recognition),
    /// after you have seen the document recording the change: the platform cannot tell that
    /// from another person's certificate. The next enrollment with the card keeps the
    /// holder's links; the audit row records who checked which document.
    AcceptCorrection {
        /// The platform's configuration file (its roots and storage are used).
        #[arg(long)]
        config: PathBuf,
        /// The card's authentication certificate (PEM or DER: `madoguchi-card read-cert
        /// auth` with the customer's card on the reader).
        #[arg(long)]
        auth: PathBuf,
        /// The kind of document recording the change that you saw (kept in the audit trail;
        /// no document number is asked for, so none reaches it).
        #[arg(long, value_enum)]
        evidence: backend_platform::correction::CorrectionDocument,
        /// Your own operator id (kept in the audit trail).
        #[arg(long)]
        operator: String,
    },
}

#[derive(Subcommand)]
enum Terminals {
    /// Registers a terminal (or enables it again); managed by this command from then on.
    Add {
        /// The platform's configuration file (its storage is written).
        #[arg(long)]
        config: PathBuf,
        /// The terminal id: the CN of its client certificate.
        #[arg(long)]
        id: String,
        /// The terminal may call /v1/admin/*.
        #[arg(long)]
        admin: bool,
    },
    /// Enrolls a terminal: checks its certificate request (from the terminal's
    /// `madoguchi-terminal-cert`), signs its client certificate with the terminals' CA, and
    /// registers it; every node accepts it within its poll interval.
    Enroll {
        /// The platform's configuration file (its storage is written).
        #[arg(long)]
        config: PathBuf,
        /// The terminal id the request must name (its CN).
        #[arg(long)]
        id: String,
        /// The terminal's certificate request (PEM).
        #[arg(long)]
        request: PathBuf,
        /// The terminals' CA private key (PKCS#8 PEM, P-256).
        #[arg(long)]
        ca_key: PathBuf,
        /// The terminals' CA certificate (PEM; default: the configuration's
        /// `[tls] terminal_ca`).
        #[arg(long)]
        ca_cert: Option<PathBuf>,
        /// Where to write the terminal's certificate (PEM); must not exist.
        #[arg(long)]
        out: PathBuf,
        /// The terminal may call /v1/admin/*.
        #[arg(long)]
        admin: bool,
        /// Days the certificate is valid.
        #[arg(long, default_value_t = backend_platform::terminal_certs::DEFAULT_DAYS)]
        days: u32,
    },
    /// Disables a terminal: every node refuses it within its poll interval.
    Disable {
        /// The platform's configuration file.
        #[arg(long)]
        config: PathBuf,
        /// The terminal id.
        #[arg(long)]
        id: String,
    },
    /// Lists every terminal, enabled or not.
    List {
        /// The platform's configuration file.
        #[arg(long)]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum Roots {
    /// Checks a J-LIS root (e.g. authca02.cer) against the J-LIS root profile, prints its
    /// SHA-256 fingerprint, and copies it into the configuration's `[jpki] added_roots`.
    Add {
        /// The platform's configuration file (its `[jpki] added_roots` folder is written).
        #[arg(long)]
        config: PathBuf,
        /// The fingerprint J-LIS publishes for the root (hex; colons and case ignored):
        /// the root is refused if the file's differs.
        #[arg(long)]
        sha256: Option<String>,
        /// The root certificate (DER or PEM).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum Crl {
    /// Verifies a folder of DER CRLs and publishes it to every node.
    Publish {
        /// The platform's configuration file (its roots and storage are used).
        #[arg(long)]
        config: PathBuf,
        /// The folder (default: the configuration's `[jpki] crl_dir`).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Publish with a new generation even when the same CRLs are published (every node
        /// reads and verifies them again: mends a set changed in the database).
        #[arg(long)]
        force: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { .. } | Command::Keygen { .. } => backend_kit::command::init_logging(),
        // The operator's commands print their answer on standard output: logs go to
        // standard error, warnings and errors only unless RUST_LOG says otherwise.
        Command::Terminals { .. }
        | Command::Roots { .. }
        | Command::Crl { .. }
        | Command::Holders { .. } => tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn".into()),
            )
            .init(),
    }
    let result = match cli.command {
        Command::Serve { config } => serve(config),
        Command::Keygen { key, secret } => keygen(&key, &secret),
        Command::Terminals { command } => {
            let (config, command) = match command {
                Terminals::Enroll {
                    config,
                    id,
                    request,
                    ca_key,
                    ca_cert,
                    out,
                    admin,
                    days,
                } => {
                    let enrollment = backend_platform::operator::Enrollment {
                        request,
                        id,
                        ca_key,
                        ca_cert,
                        out,
                        admin,
                        days,
                    };
                    let result = print(backend_platform::operator::enroll_terminal(
                        &config,
                        &enrollment,
                        &backend_kit::SystemClock,
                    ));
                    return backend_kit::command::exit_code("madoguchi-platform", result);
                }
                Terminals::Add { config, id, admin } => {
                    (config, TerminalCommand::Add { id, admin })
                }
                Terminals::Disable { config, id } => (config, TerminalCommand::Disable { id }),
                Terminals::List { config } => (config, TerminalCommand::List),
            };
            print(backend_platform::operator::terminals(
                &config,
                &command,
                &backend_kit::SystemClock,
            ))
        }
        Command::Roots {
            command:
                Roots::Add {
                    config,
                    sha256,
                    file,
                },
        } => print(backend_platform::operator::add_root(
            &config,
            &file,
            sha256.as_deref(),
            &backend_kit::SystemClock,
        )),
        Command::Crl {
            command: Crl::Publish { config, dir, force },
        } => print(backend_platform::operator::publish_crls(
            &config,
            dir.as_deref(),
            if force {
                Republish::Always
            } else {
                Republish::IfChanged
            },
            &backend_kit::SystemClock,
        )),
        Command::Holders {
            command:
                Holders::AttachAuth {
                    config,
                    auth,
                    birth_date,
                    document,
                    operator,
                },
        } => print(backend_platform::attach_auth::attach(
            &config,
            &backend_platform::attach_auth::Attachment {
                auth,
                birth_date,
                document,
                operator,
            },
            &backend_kit::SystemClock,
        )),
        Command::Holders {
            command:
                Holders::AcceptCorrection {
                    config,
                    auth,
                    evidence,
                    operator,
                },
        } => print(backend_platform::correction::accept(
            &config,
            &backend_platform::correction::Correction {
                auth,
                evidence,
                operator,
            },
            &backend_kit::SystemClock,
        )),
    };
    backend_kit::command::exit_code("madoguchi-platform", result)
}

/// Prints an operator command's answer.
fn print(result: Result<String, backend_platform::operator::OperatorError>) -> Result<(), String> {
    let text = result.map_err(|e| e.to_string())?;
    print!("{text}");
    Ok(())
}

fn serve(config: PathBuf) -> Result<(), String> {
    let settings = backend_platform::Settings::load(&config).map_err(|e| e.to_string())?;
    let listen = settings.listen;
    backend_kit::command::serve_until_ctrl_c("platform", listen, move |listener| {
        backend_platform::start(settings, Arc::new(backend_kit::SystemClock), listener)
    })
}

/// Writes the assertion key and the pseudonym secret, each a new file of mode 0600 (the
/// README's install steps then give the server's group read access): secrets are never
/// left readable by every login, not even until the next command. Neither is written when
/// either exists; both or neither are: a failure removes what this command wrote
/// ([`private_files::NewFiles`]), and names a file that could not be removed, since it
/// would block the next try.
fn keygen(key: &std::path::Path, secret: &std::path::Path) -> Result<(), String> {
    use p256::pkcs8::EncodePrivateKey;
    use private_files::{Access, NewFiles};
    for path in [key, secret] {
        if path.exists() {
            return Err(format!(
                "{} exists; refusing to overwrite a key",
                path.display()
            ));
        }
    }
    let signing = counter_api::keys::draw_p256_key(getrandom::fill).map_err(|e| e.to_string())?;
    let pem = signing
        .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
        .map_err(|e| format!("cannot encode the key: {e}"))?;
    let mut s = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut s[..]).map_err(|e| format!("no randomness: {e}"))?;
    let mut files = NewFiles::new();
    let written = files
        .write(key, Access::Private, pem.as_bytes())
        .and_then(|()| files.write(secret, Access::Private, &s[..]));
    files.settle(written).map_err(|(e, left)| match left {
        None => e.to_string(),
        Some(left) => format!("{e}; {left} could not be removed: remove it before trying again"),
    })?;
    println!("wrote {} and {}", key.display(), secret.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_secret_that_cannot_be_written_takes_the_key_written_before_it_away() {
        let dir = tempfile::tempdir().unwrap();
        // The secret's folder is a file: the key is written and synced, then the secret
        // cannot be created.
        let not_a_folder = dir.path().join("secrets");
        std::fs::write(&not_a_folder, b"").unwrap();
        let (key, secret) = (
            dir.path().join("assertion.pem"),
            not_a_folder.join("pseudonym.secret"),
        );
        let e = keygen(&key, &secret).unwrap_err();
        assert!(e.starts_with("cannot create "), "{e}");
        assert!(e.contains("secrets"), "{e}");
        assert!(!e.contains("could not be removed"), "{e}");
        assert!(
            !key.exists(),
            "the key stayed behind and would block the next try"
        );
        // The next run, with the folder there, is not blocked by anything the first left.
        std::fs::remove_file(&not_a_folder).unwrap();
        keygen(&key, &secret).unwrap();
        assert_eq!(std::fs::read(&secret).unwrap().len(), 32);
    }
}
