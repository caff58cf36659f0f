//! The HTTP layer: thin handlers that authenticate the terminal, check the key and the
//! body, and hand the request to [`crate::flows`].

mod handlers;
mod terminal;

pub use handlers::router;
pub use terminal::Terminal;
