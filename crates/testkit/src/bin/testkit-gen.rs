//! `testkit-gen`: writes the committed test PKI, CRLs and personas, or with
//! `--check` compares them byte for byte with a fresh in-memory generation
//! (exit 1 and the list of stale files when they differ).
//!
//! ```sh
//! cargo run -p testkit --bin testkit-gen
//! cargo run -p testkit --bin testkit-gen -- --check
//! ```

use std::process::ExitCode;

use testkit::fixtures::{self, Drift};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = match args.as_slice() {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => {
            eprintln!("usage: testkit-gen [--check]");
            return ExitCode::from(2);
        }
    };
    let root = testkit::workspace_root();
    let files = match fixtures::generate_all() {
        Ok(files) => files,
        Err(e) => {
            eprintln!("testkit-gen: generation failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    if check {
        match fixtures::drift(&root, &files) {
            Ok(drift) if drift.is_empty() => {
                println!("testkit-gen: {} files are current", files.len());
                ExitCode::SUCCESS
            }
            Ok(drift) => {
                eprintln!(
                    "testkit-gen: fixtures are stale; run `cargo run -p testkit --bin testkit-gen`:"
                );
                for d in drift {
                    match d {
                        Drift::Missing(p) => eprintln!("  missing     {}", p.display()),
                        Drift::Different(p) => eprintln!("  different   {}", p.display()),
                        Drift::Unexpected(p) => eprintln!("  unexpected  {}", p.display()),
                    }
                }
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("testkit-gen: cannot compare: {e}");
                ExitCode::FAILURE
            }
        }
    } else {
        match fixtures::write_all(&root, &files) {
            Ok(removed) => {
                println!("testkit-gen: wrote {} files", files.len());
                for p in removed {
                    println!("  removed stale {}", p.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("testkit-gen: {e}");
                ExitCode::FAILURE
            }
        }
    }
}
