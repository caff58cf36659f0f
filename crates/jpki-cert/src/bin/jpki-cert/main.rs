//! `jpki-cert`: verify JPKI certificates, build and query CRL indexes, decode signature
//! certificates. Verdicts and results are printed as JSON on stdout.
//!
//! Exit codes: 0 accepted / done, 1 refused, 2 bad usage or unreadable input.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "jpki-cert",
    version,
    about = "JPKI (My Number card) certificate verification"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Certificate purpose.
#[derive(Clone, Copy, ValueEnum)]
enum PurposeArg {
    /// 利用者証明用 (user authentication)
    Auth,
    /// 署名用 (digital signature)
    Sign,
}

/// Where the roots come from.
#[derive(clap::Args, Clone)]
struct Roots {
    /// Folder of root certificates (PEM/DER); default: the built-in production J-LIS roots.
    #[arg(long, value_name = "DIR")]
    anchors: Option<PathBuf>,
    /// The roots are O=JPKI-TEST test roots (test policy OIDs); needs --anchors.
    #[arg(long, requires = "anchors")]
    test_roots: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a certificate and print the verdict as JSON.
    Verify {
        /// Certificate file (PEM or DER).
        cert: PathBuf,
        /// Purpose the certificate is presented for.
        #[arg(long, value_enum)]
        purpose: PurposeArg,
        #[command(flatten)]
        roots: Roots,
        /// DER CRL files (verified, then indexed in memory).
        #[arg(long = "crl", value_name = "FILE")]
        crls: Vec<PathBuf>,
        /// A CRL index built with `crl-index build`.
        #[arg(long, value_name = "FILE", conflicts_with = "crls")]
        index: Option<PathBuf>,
        /// Do not check revocation (the verdict says `not_checked`).
        #[arg(long, conflicts_with_all = ["crls", "index"])]
        no_revocation: bool,
        /// Verification time, RFC 3339 (`2026-01-02T03:04:05Z`) or `@unix-seconds`.
        /// Default: now (the only clock read, here in the command line).
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Challenge file: also verify the card's signature over it.
        #[arg(long, value_name = "FILE", requires = "signature")]
        challenge: Option<PathBuf>,
        /// The card's PKCS#1 v1.5 signature over the challenge (raw bytes).
        #[arg(long, value_name = "FILE", requires = "challenge")]
        signature: Option<PathBuf>,
    },
    /// Build or query a CRL index.
    #[command(subcommand)]
    CrlIndex(IndexCommand),
    /// Decode a signature certificate's four attributes (no verification).
    Decode {
        /// Certificate file (PEM or DER).
        cert: PathBuf,
    },
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Verify DER CRLs and write an index (atomically replacing OUT).
    Build {
        /// Index file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        roots: Roots,
        /// DER CRL files.
        #[arg(required = true)]
        crls: Vec<PathBuf>,
    },
    /// Look a serial up, or list the index's CRLs when no serial is given.
    Query {
        /// The index file.
        #[arg(long, value_name = "FILE")]
        index: PathBuf,
        /// Serial number in hex (as the certificate's DER INTEGER content, e.g. `018c453e`).
        #[arg(long)]
        serial: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Verify {
            cert,
            purpose,
            roots,
            crls,
            index,
            no_revocation,
            at,
            challenge,
            signature,
        } => commands::verify(commands::VerifyArgs {
            cert,
            purpose: purpose.into(),
            anchors: roots.anchors,
            test_roots: roots.test_roots,
            crls,
            index,
            no_revocation,
            at,
            challenge: challenge.zip(signature),
        }),
        Command::CrlIndex(IndexCommand::Build { out, roots, crls }) => {
            commands::index_build(&out, roots.anchors.as_deref(), roots.test_roots, &crls)
        }
        Command::CrlIndex(IndexCommand::Query { index, serial }) => {
            commands::index_query(&index, serial.as_deref())
        }
        Command::Decode { cert } => commands::decode(&cert),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("jpki-cert: {e}");
            ExitCode::from(2)
        }
    }
}

impl From<PurposeArg> for jpki_cert::Purpose {
    fn from(p: PurposeArg) -> Self {
        match p {
            PurposeArg::Auth => jpki_cert::Purpose::Auth,
            PurposeArg::Sign => jpki_cert::Purpose::Sign,
        }
    }
}
