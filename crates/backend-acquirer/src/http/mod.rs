//! The HTTP layer: thin handlers that authenticate the terminal, check the key and the
//! body, and hand the request to [`crate::flows`]; the platform's link endpoints hand the
//! caller's identity and the body to [`crate::links`], which checks both.

mod handlers;
mod terminal;

pub use handlers::router;
pub use terminal::Terminal;
