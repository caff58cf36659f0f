//! Prints the OpenAPI document of the counter API (the committed
//! `crates/counter-api/openapi.json`): `cargo run -p counter-api --bin counter-api-openapi >
//! crates/counter-api/openapi.json`; with `--problems`, the problem-code table
//! (`crates/counter-api/PROBLEMS.md`); with `--pos`, the POS payment API's document
//! (`crates/counter-api/pos-openapi.json`).

use std::io::Write;

fn main() -> std::process::ExitCode {
    if std::env::args().any(|a| a == "--problems") {
        return match std::io::stdout().write_all(counter_api::problem::codes_markdown().as_bytes())
        {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("counter-api-openapi: cannot write: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let document = if std::env::args().any(|a| a == "--pos") {
        counter_api::pos_openapi::document_json()
    } else {
        counter_api::openapi::document_json()
    };
    match document {
        Ok(json) => match std::io::stdout().write_all(json.as_bytes()) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("counter-api-openapi: cannot write: {e}");
                std::process::ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("counter-api-openapi: cannot serialise the document: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
