//! The HTTP layer: thin handlers that authenticate the terminal, parse the body, run a
//! flow on the blocking pool and turn its result into JSON or a problem document.

mod handlers;
mod terminal;

pub use handlers::router;
pub use terminal::Terminal;
