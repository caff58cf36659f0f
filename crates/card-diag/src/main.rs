//! `madoguchi-card`: the diagnostic command line a technician installing a
//! counter runs first. Works with real readers (PC/SC) and with the virtual
//! card. Owns nothing but presentation: the card protocol is `jpki-card`, the
//! reader is `jpki-card-pcsc`, the verdicts are `jpki-cert`.
//!
//! Never prints a PIN or a password, never stores anything.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use jpki_card::CertificateFile;

use crate::roots::Roots;

mod commands;
#[cfg(feature = "virtual-card")]
mod demo;
mod prompt;
mod roots;
mod select;
mod show;

#[derive(Parser)]
#[command(
    name = "madoguchi-card",
    version,
    about = "My Number card diagnostics (JPKI)"
)]
struct Cli {
    /// The reader to use (its full name or a unique part of it). Without it, the
    /// only reader with a card in it is used.
    #[arg(long, global = true)]
    reader: Option<String>,
    /// Verify against the O=JPKI-TEST roots in this folder instead of the
    /// production J-LIS roots (for test cards and the virtual card).
    #[arg(long, global = true, conflicts_with = "root")]
    test_roots: Option<PathBuf>,
    /// Also trust this J-LIS root (PEM or DER, e.g. the generation-2 authca02.cer or
    /// signca02.cer, which are not compiled in); repeatable. It must fit the J-LIS root
    /// profile, as for `madoguchi-platform roots add`; its SHA-256 is printed.
    #[arg(long = "root", value_name = "FILE", global = true)]
    root: Vec<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the readers and the cards in them.
    Readers,
    /// List the roots the verdicts use (compiled in, added with --root, or --test-roots),
    /// with their SHA-256; needs no reader.
    Roots,
    /// Show whether the reader has a PIN pad, and the tries left on the auth PIN and the
    /// signature password.
    Status,
    /// Print a certificate the card gives without a PIN.
    ReadCert {
        /// Which certificate.
        #[arg(value_enum, default_value = "auth")]
        which: Which,
    },
    /// Sign a random challenge with the authentication key: the PIN is typed on the
    /// reader's PIN pad when it has one, else asked for here.
    Authenticate {
        /// Go ahead when only one try is left (a wrong PIN then blocks the card).
        #[arg(long)]
        confirm_last_try: bool,
    },
    /// Sign a file with the signature key (asks for the password).
    Sign {
        /// The file to sign.
        file: PathBuf,
        /// Go ahead when only one try is left.
        #[arg(long)]
        confirm_last_try: bool,
    },
    /// Run a demo session with a virtual card through pcscd + vpcd
    /// (start them with scripts/pcscd.sh).
    #[cfg(feature = "virtual-card")]
    Demo {
        /// The persona file of the virtual card.
        #[arg(long, default_value = "assets/personas/sato-hanako.toml")]
        persona: PathBuf,
        /// vpcd's port (scripts/pcscd.sh exports MADOGUCHI_VPCD_PORT).
        #[arg(long, env = "MADOGUCHI_VPCD_PORT", default_value_t = 40017)]
        port: u16,
        /// The name prefix of our vpcd readers; the slot on --port is `<prefix> 00 00`.
        #[arg(
            long,
            env = "MADOGUCHI_VIRTUAL_READER",
            default_value = "Madoguchi Virtual Reader"
        )]
        reader_prefix: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Which {
    /// 利用者証明用証明書 (EF 000A).
    Auth,
    /// 利用者証明用CA証明書 (EF 000B).
    AuthCa,
    /// 署名用CA証明書 (EF 0002).
    SignCa,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = run(cli);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("madoguchi-card: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    #[cfg(feature = "virtual-card")]
    if matches!(cli.command, Command::Demo { .. }) && !cli.root.is_empty() {
        return Err(
            "--root adds a J-LIS production root; the demo's virtual card chains to the \
                    test roots (--test-roots)"
                .into(),
        );
    }
    // Added roots are checked before any reader is touched, and reported once.
    let roots = Roots::from_args(cli.test_roots.as_deref(), &cli.root, show::now())?;
    if !matches!(cli.command, Command::Roots) {
        print!("{}", roots.added_report());
    }
    match cli.command {
        Command::Readers => commands::readers(),
        Command::Roots => roots.listing().map(|text| print!("{text}")),
        #[cfg(feature = "virtual-card")]
        Command::Demo {
            persona,
            port,
            reader_prefix,
        } => {
            let roots = cli
                .test_roots
                .clone()
                .unwrap_or_else(|| PathBuf::from("crates/testkit/fixtures/roots"));
            let reader = cli
                .reader
                .clone()
                .unwrap_or_else(|| format!("{reader_prefix} 00 00"));
            demo::demo(&persona, port, &reader, &roots)
        }
        Command::Status => {
            commands::connect(cli.reader.as_deref()).and_then(|mut c| commands::status(&mut c))
        }
        Command::ReadCert { which } => {
            let file = match which {
                Which::Auth => CertificateFile::AuthCertificate,
                Which::AuthCa => CertificateFile::AuthCaCertificate,
                Which::SignCa => CertificateFile::SignCaCertificate,
            };
            commands::connect(cli.reader.as_deref())
                .and_then(|mut c| commands::read_cert(&mut c, file, &roots))
        }
        Command::Authenticate { confirm_last_try } => commands::connect(cli.reader.as_deref())
            .and_then(|mut c| commands::authenticate(&mut c, confirm_last_try, &roots)),
        Command::Sign {
            file,
            confirm_last_try,
        } => commands::connect(cli.reader.as_deref())
            .and_then(|mut c| commands::sign(&mut c, &file, confirm_last_try)),
    }
}
